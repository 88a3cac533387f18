//! `TlsGuard\Certificate` (the core's `tlsguard::Certificate`) and `TlsGuard\load_certificates`.

use ext_php_rs::convert::IntoZval;
use ext_php_rs::exception::PhpException;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendClassObject, Zval};
use tlsguard::CertificateInfo;

use ext_php_rs::binary_slice::BinarySlice;

use crate::convert::{Assoc, binary_zval, datetime, string_list};
use crate::errors::{OrThrow, guard, internal};

/// A parsed X.509 certificate (read-only): the core's certificate, whose summary is built on
/// first use.
#[php_class]
#[php(name = "TlsGuard\\Certificate")]
pub struct Certificate(tlsguard::Certificate);

impl Certificate {
    fn info(&self) -> &CertificateInfo {
        self.0.info()
    }
}

/// The PHP object for a certificate.
pub fn certificate_zval(cert: tlsguard::Certificate) -> Result<Zval, PhpException> {
    ZendClassObject::new(Certificate(cert)).into_zval(false).map_err(internal)
}

/// A PHP list of certificate objects.
pub fn certificate_list(certs: &[tlsguard::Certificate]) -> Result<Zval, PhpException> {
    let mut ht = ext_php_rs::types::ZendHashTable::with_capacity(certs.len().min(u32::MAX as usize) as u32);
    for c in certs {
        ht.push(certificate_zval(c.clone())?).map_err(internal)?;
    }
    let mut zv = Zval::new();
    zv.set_hashtable(ht);
    Ok(zv)
}

#[php_impl]
impl Certificate {
    /// Parses the first certificate of PEM text (or DER bytes).
    pub fn from_pem(pem: BinarySlice<u8>) -> PhpResult<Certificate> {
        guard(|| Ok(Certificate(tlsguard::Certificate::from_pem(&pem).or_throw()?)))
    }

    /// Parses one DER certificate.
    pub fn from_der(der: BinarySlice<u8>) -> PhpResult<Certificate> {
        guard(|| Ok(Certificate(tlsguard::Certificate::from_der(&der).or_throw()?)))
    }

    /// Subject, RFC 4514 text.
    pub fn get_subject(&self) -> String {
        self.info().subject.clone()
    }
    /// Issuer, RFC 4514 text.
    pub fn get_issuer(&self) -> String {
        self.info().issuer.clone()
    }
    /// The subject's common name.
    pub fn get_subject_cn(&self) -> Option<String> {
        self.info().subject_cn.clone()
    }
    /// The issuer's common name.
    pub fn get_issuer_cn(&self) -> Option<String> {
        self.info().issuer_cn.clone()
    }
    /// Serial number, lowercase hex with colons.
    pub fn get_serial(&self) -> String {
        self.info().serial.clone()
    }
    /// Start of validity.
    pub fn get_not_before(&self) -> PhpResult<Zval> {
        guard(|| datetime(self.info().not_before))
    }
    /// End of validity.
    pub fn get_not_after(&self) -> PhpResult<Zval> {
        guard(|| datetime(self.info().not_after))
    }
    /// Start of validity, Unix seconds.
    pub fn get_not_before_timestamp(&self) -> i64 {
        self.info().not_before
    }
    /// End of validity, Unix seconds.
    pub fn get_not_after_timestamp(&self) -> i64 {
        self.info().not_after
    }
    /// Whole days until notAfter (negative once expired), at `now` (Unix seconds; default now).
    pub fn days_remaining(&self, now: Option<i64>) -> PhpResult<i64> {
        guard(|| {
            let now = now.unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs() as i64)
                    .unwrap_or_default()
            });
            Ok(self.info().days_remaining(now))
        })
    }
    /// DNS names of the subjectAltName.
    pub fn get_dns_names(&self) -> Vec<String> {
        self.info().dns_names.clone()
    }
    /// IP addresses of the subjectAltName.
    pub fn get_ip_addresses(&self) -> Vec<String> {
        self.info().ip_addresses.clone()
    }
    /// E-mail addresses of the subjectAltName.
    pub fn get_emails(&self) -> Vec<String> {
        self.info().emails.clone()
    }
    /// basicConstraints CA:TRUE.
    pub fn is_ca(&self) -> bool {
        self.info().is_ca
    }
    /// Signed by its own key, subject = issuer.
    pub fn is_self_signed(&self) -> bool {
        self.info().self_signed
    }
    /// Key usage names.
    pub fn get_key_usage(&self) -> Vec<String> {
        self.info().key_usage.clone()
    }
    /// Extended key usage names.
    pub fn get_extended_key_usage(&self) -> Vec<String> {
        self.info().extended_key_usage.clone()
    }
    /// `RSA`, `EC`, `Ed25519`, ...
    pub fn get_key_type(&self) -> String {
        self.info().key_type.as_str().to_owned()
    }
    /// Key size in bits.
    pub fn get_key_bits(&self) -> i64 {
        i64::from(self.info().key_bits)
    }
    /// EC curve name.
    pub fn get_curve(&self) -> Option<String> {
        self.info().curve.clone()
    }
    /// Signature algorithm.
    pub fn get_signature_algorithm(&self) -> String {
        self.info().signature_algorithm.clone()
    }
    /// SHA-256 fingerprint, uppercase hex with colons.
    pub fn get_fingerprint_sha256(&self) -> String {
        self.info().fingerprint_sha256.clone()
    }
    /// The SPKI pin in the format the `pins` option takes.
    pub fn get_spki_pin(&self) -> String {
        self.info().spki_pin.clone()
    }
    /// OCSP responder URLs.
    pub fn get_ocsp_urls(&self) -> Vec<String> {
        self.info().ocsp_urls.clone()
    }
    /// CA issuers URLs (AIA).
    pub fn get_ca_issuer_urls(&self) -> Vec<String> {
        self.info().ca_issuer_urls.clone()
    }
    /// CRL distribution point URLs.
    pub fn get_crl_urls(&self) -> Vec<String> {
        self.info().crl_urls.clone()
    }
    /// A short name for messages (the CN, else the subject).
    pub fn get_display_name(&self) -> String {
        self.info().display_name()
    }
    /// The certificate as PEM.
    pub fn to_pem(&self) -> String {
        self.0.to_pem()
    }
    /// The certificate as DER (binary string).
    pub fn to_der(&self) -> Zval {
        binary_zval(self.0.der())
    }
    /// Every field, snake_case keys, times as Unix seconds.
    pub fn to_array(&self) -> PhpResult<Zval> {
        guard(|| certificate_array(self.info()))
    }
    /// The display name.
    pub fn __to_string(&self) -> String {
        self.info().display_name()
    }
}

fn certificate_array(c: &CertificateInfo) -> Result<Zval, PhpException> {
    Ok(Assoc::new()
        .set("subject", c.subject.as_str())?
        .set("issuer", c.issuer.as_str())?
        .set("subject_cn", c.subject_cn.clone())?
        .set("issuer_cn", c.issuer_cn.clone())?
        .set("serial", c.serial.as_str())?
        .set("not_before", c.not_before)?
        .set("not_after", c.not_after)?
        .set("dns_names", string_list(&c.dns_names)?)?
        .set("ip_addresses", string_list(&c.ip_addresses)?)?
        .set("emails", string_list(&c.emails)?)?
        .set("has_san", c.has_san)?
        .set("is_ca", c.is_ca)?
        .set("basic_constraints_critical", c.basic_constraints_critical)?
        .set("path_len", c.path_len.map(i64::from))?
        .set("key_usage", string_list(&c.key_usage)?)?
        .set("extended_key_usage", string_list(&c.extended_key_usage)?)?
        .set("key_type", c.key_type.as_str())?
        .set("key_bits", i64::from(c.key_bits))?
        .set("curve", c.curve.clone())?
        .set("signature_algorithm", c.signature_algorithm.as_str())?
        .set("self_signed", c.self_signed)?
        .set("fingerprint_sha256", c.fingerprint_sha256.as_str())?
        .set("spki_pin", c.spki_pin.as_str())?
        .set("ocsp_urls", string_list(&c.ocsp_urls)?)?
        .set("ca_issuer_urls", string_list(&c.ca_issuer_urls)?)?
        .set("crl_urls", string_list(&c.crl_urls)?)?
        .set("sct_count", i64::from(c.sct_count))?
        .set("has_ski", c.has_ski)?
        .set("has_aki", c.has_aki)?
        .into_zval())
}

/// Every certificate of a PEM bundle (or one DER certificate), in order.
#[php_function]
#[php(name = "TlsGuard\\load_certificates")]
pub fn load_certificates(pem: BinarySlice<u8>) -> PhpResult<Zval> {
    guard(|| certificate_list(&tlsguard::parse_certificates(&pem).or_throw()?))
}

/// Adds this file's functions to the module.
pub fn register(module: ModuleBuilder) -> ModuleBuilder {
    module.function(wrap_function!(load_certificates))
}
