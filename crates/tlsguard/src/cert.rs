//! Owned certificate summaries, parsed with x509-parser (whose types never appear in the public
//! API), and PEM/DER input handling.

use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use sha2::{Digest, Sha256};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::X509Name;

use crate::error::{Code, Error, Result};

/// Most certificates accepted in one PEM bundle (bounded work on hostile input).
pub const MAX_BUNDLE_CERTIFICATES: usize = 10_000;

/// A parsed X.509 certificate, owned.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct CertificateInfo {
    /// Subject as RFC 4514 text (`CN=localhost, O=Example`).
    pub subject: String,
    /// Issuer as RFC 4514 text.
    pub issuer: String,
    /// The subject's common name, if any.
    pub subject_cn: Option<String>,
    /// The issuer's common name, if any.
    pub issuer_cn: Option<String>,
    /// Serial number, lowercase hex with colons (`01:a2:...`).
    pub serial: String,
    /// Start of validity, Unix seconds (UTC).
    pub not_before: i64,
    /// End of validity, Unix seconds (UTC).
    pub not_after: i64,
    /// DNS names of the subjectAltName extension.
    pub dns_names: Vec<String>,
    /// IP addresses of the subjectAltName extension.
    pub ip_addresses: Vec<String>,
    /// E-mail addresses of the subjectAltName extension.
    pub emails: Vec<String>,
    /// Whether the certificate has a subjectAltName extension at all.
    pub has_san: bool,
    /// basicConstraints CA:TRUE.
    pub is_ca: bool,
    /// Whether basicConstraints is present and marked critical.
    pub basic_constraints_critical: bool,
    /// basicConstraints pathLenConstraint.
    pub path_len: Option<u32>,
    /// Key usage bits by name (`digitalSignature`, `keyCertSign`, ...).
    pub key_usage: Vec<String>,
    /// Extended key usages by name (`serverAuth`, `clientAuth`, or a dotted OID).
    pub extended_key_usage: Vec<String>,
    /// `"RSA"`, `"EC"`, `"Ed25519"`, `"Ed448"`, `"DSA"` or the algorithm's OID.
    pub key_type: String,
    /// Key size in bits (RSA modulus, EC field size).
    pub key_bits: u32,
    /// EC curve name (`P-256`, `P-384`, `P-521`), if an EC key.
    pub curve: Option<String>,
    /// Signature algorithm, readable (`sha256WithRSAEncryption`, `ecdsa-with-SHA256`, `ed25519`).
    pub signature_algorithm: String,
    /// Subject equals issuer and the certificate's signature verifies with its own key.
    pub self_signed: bool,
    /// SHA-256 of the DER, uppercase hex with colons.
    pub fingerprint_sha256: String,
    /// The SPKI pin in the format `pins` takes: `sha256/<base64>`.
    pub spki_pin: String,
    /// OCSP responder URLs (AIA).
    pub ocsp_urls: Vec<String>,
    /// CA issuers URLs (AIA): where the issuing certificate can be fetched.
    pub ca_issuer_urls: Vec<String>,
    /// CRL distribution point URLs.
    pub crl_urls: Vec<String>,
    /// Number of embedded signed certificate timestamps (not verified).
    pub sct_count: u32,
    /// Has a subjectKeyIdentifier extension.
    pub has_ski: bool,
    /// Has an authorityKeyIdentifier extension.
    pub has_aki: bool,
    /// The certificate, DER (base64 when serialized).
    #[serde(serialize_with = "crate::der::base64")]
    pub der: Vec<u8>,
}

impl CertificateInfo {
    /// Parses one DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let (rest, cert) = X509Certificate::from_der(der)
            .map_err(|e| Error::new(Code::InvalidPem, format!("not a valid DER certificate: {e}")))?;
        if !rest.is_empty() {
            return Err(Error::new(
                Code::InvalidPem,
                format!("{} bytes of trailing data after the DER certificate", rest.len()),
            ));
        }
        Ok(Self::from_parsed(&cert, der))
    }

    /// Parses the first certificate of PEM text (or DER bytes).
    pub fn from_pem(data: &[u8]) -> Result<Self> {
        parse_certificates(data)?
            .into_iter()
            .next()
            .ok_or_else(|| Error::new(Code::InvalidPem, "no certificate found in the input"))
    }

    /// The DER of the first certificate of PEM text (or of DER bytes), with every certificate
    /// of the input checked as [`CertificateInfo::from_pem`] checks it (same errors), but
    /// without building the summary: for callers that build it later, if at all.
    pub fn first_der(data: &[u8]) -> Result<Vec<u8>> {
        let ders = certificate_ders(data)?;
        for der in &ders {
            check_der(der)?;
        }
        ders.into_iter()
            .next()
            .map(|d| d.to_vec())
            .ok_or_else(|| Error::new(Code::InvalidPem, "no certificate found in the input"))
    }

    /// Checks that `der` is one certificate, as [`CertificateInfo::from_der`] does (same errors).
    pub fn check_der(der: &[u8]) -> Result<()> {
        check_der(der)
    }

    fn from_parsed(cert: &X509Certificate<'_>, der: &[u8]) -> Self {
        let mut info = CertificateInfo {
            subject: name_text(cert.subject()),
            issuer: name_text(cert.issuer()),
            subject_cn: common_name(cert.subject()),
            issuer_cn: common_name(cert.issuer()),
            serial: hex_colon(cert.raw_serial(), false),
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            dns_names: Vec::new(),
            ip_addresses: Vec::new(),
            emails: Vec::new(),
            has_san: false,
            is_ca: false,
            basic_constraints_critical: false,
            path_len: None,
            key_usage: Vec::new(),
            extended_key_usage: Vec::new(),
            key_type: String::new(),
            key_bits: 0,
            curve: None,
            signature_algorithm: signature_algorithm_name(&cert.signature_algorithm.algorithm.to_id_string()),
            self_signed: false,
            fingerprint_sha256: hex_colon(&Sha256::digest(der), true),
            spki_pin: spki_pin(cert.public_key().raw),
            ocsp_urls: Vec::new(),
            ca_issuer_urls: Vec::new(),
            crl_urls: Vec::new(),
            sct_count: 0,
            has_ski: false,
            has_aki: false,
            der: der.to_vec(),
        };
        let (key_type, bits, curve) = key_description(cert);
        info.key_type = key_type;
        info.key_bits = bits;
        info.curve = curve;
        info.self_signed = is_self_signed(cert, der);
        for ext in cert.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::SubjectAlternativeName(san) => {
                    info.has_san = true;
                    for name in &san.general_names {
                        match name {
                            GeneralName::DNSName(d) => info.dns_names.push((*d).to_owned()),
                            GeneralName::IPAddress(ip) => info.ip_addresses.push(ip_text(ip)),
                            GeneralName::RFC822Name(e) => info.emails.push((*e).to_owned()),
                            _ => {}
                        }
                    }
                }
                ParsedExtension::BasicConstraints(bc) => {
                    info.is_ca = bc.ca;
                    info.path_len = bc.path_len_constraint;
                    info.basic_constraints_critical = ext.critical;
                }
                ParsedExtension::KeyUsage(ku) => {
                    let names = [
                        (ku.digital_signature(), "digitalSignature"),
                        (ku.non_repudiation(), "nonRepudiation"),
                        (ku.key_encipherment(), "keyEncipherment"),
                        (ku.data_encipherment(), "dataEncipherment"),
                        (ku.key_agreement(), "keyAgreement"),
                        (ku.key_cert_sign(), "keyCertSign"),
                        (ku.crl_sign(), "cRLSign"),
                        (ku.encipher_only(), "encipherOnly"),
                        (ku.decipher_only(), "decipherOnly"),
                    ];
                    info.key_usage = names.iter().filter(|(on, _)| *on).map(|(_, n)| (*n).to_owned()).collect();
                }
                ParsedExtension::ExtendedKeyUsage(eku) => {
                    let flags = [
                        (eku.any, "anyExtendedKeyUsage"),
                        (eku.server_auth, "serverAuth"),
                        (eku.client_auth, "clientAuth"),
                        (eku.code_signing, "codeSigning"),
                        (eku.email_protection, "emailProtection"),
                        (eku.time_stamping, "timeStamping"),
                        (eku.ocsp_signing, "OCSPSigning"),
                    ];
                    info.extended_key_usage =
                        flags.iter().filter(|(on, _)| *on).map(|(_, n)| (*n).to_owned()).collect();
                    info.extended_key_usage.extend(eku.other.iter().map(|o| o.to_id_string()));
                }
                ParsedExtension::AuthorityInfoAccess(aia) => {
                    for desc in &aia.accessdescs {
                        if let GeneralName::URI(uri) = &desc.access_location {
                            match desc.access_method.to_id_string().as_str() {
                                "1.3.6.1.5.5.7.48.1" => info.ocsp_urls.push((*uri).to_owned()),
                                "1.3.6.1.5.5.7.48.2" => info.ca_issuer_urls.push((*uri).to_owned()),
                                _ => {}
                            }
                        }
                    }
                }
                ParsedExtension::CRLDistributionPoints(points) => {
                    for point in points.iter() {
                        if let Some(DistributionPointName::FullName(names)) = &point.distribution_point {
                            for name in names {
                                if let GeneralName::URI(uri) = name {
                                    info.crl_urls.push((*uri).to_owned());
                                }
                            }
                        }
                    }
                }
                ParsedExtension::SCT(scts) => info.sct_count = scts.len() as u32,
                ParsedExtension::SubjectKeyIdentifier(_) => info.has_ski = true,
                ParsedExtension::AuthorityKeyIdentifier(_) => info.has_aki = true,
                _ => {}
            }
        }
        info
    }

    /// The name to call this certificate by in messages: its first DNS name, else its CN,
    /// else its subject.
    pub fn display_name(&self) -> String {
        if !self.is_ca {
            if let Some(dns) = self.dns_names.first() {
                return dns.clone();
            }
            if let Some(ip) = self.ip_addresses.first() {
                return ip.clone();
            }
        }
        self.subject_cn.clone().unwrap_or_else(|| self.subject.clone())
    }

    /// Whole days from `now` (Unix seconds) until `not_after`; negative once expired.
    pub fn days_remaining(&self, now: i64) -> i64 {
        // Saturating: `now` may be any i64 a caller passes (an `at` far in the past or future).
        self.not_after.saturating_sub(now).div_euclid(86_400)
    }

    /// Whether subject and issuer are the same name (self-issued; not necessarily self-signed).
    pub fn is_self_issued(&self) -> bool {
        self.subject == self.issuer
    }

    /// A signature with SHA-1 or MD5, or an RSA key shorter than 2048 bits; returns what is weak.
    pub fn weakness(&self) -> Option<String> {
        let alg = self.signature_algorithm.to_ascii_lowercase();
        if alg.contains("sha1") || alg.contains("sha-1") {
            return Some(format!("is signed with SHA-1 ({})", self.signature_algorithm));
        }
        if alg.contains("md5") || alg.contains("md2") {
            return Some(format!("is signed with MD5 ({})", self.signature_algorithm));
        }
        if self.key_type == "RSA" && self.key_bits < 2048 {
            return Some(format!("has a {}-bit RSA key (at least 2048 bits are required)", self.key_bits));
        }
        None
    }

    /// The certificate as PEM text.
    pub fn to_pem(&self) -> String {
        let b64 = base64::engine::general_purpose::STANDARD.encode(&self.der);
        let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
        for chunk in b64.as_bytes().chunks(64) {
            out.push_str(&String::from_utf8_lossy(chunk));
            out.push('\n');
        }
        out.push_str("-----END CERTIFICATE-----\n");
        out
    }
}

fn check_der(der: &[u8]) -> Result<()> {
    let (rest, _) = X509Certificate::from_der(der)
        .map_err(|e| Error::new(Code::InvalidPem, format!("not a valid DER certificate: {e}")))?;
    if !rest.is_empty() {
        return Err(Error::new(
            Code::InvalidPem,
            format!("{} bytes of trailing data after the DER certificate", rest.len()),
        ));
    }
    Ok(())
}

/// Parses certificates from PEM text (any number of `CERTIFICATE` blocks, other blocks ignored)
/// or from one DER certificate.
pub fn parse_certificates(data: &[u8]) -> Result<Vec<CertificateInfo>> {
    certificate_ders(data)?.iter().map(|d| CertificateInfo::from_der(d)).collect()
}

/// Splits PEM text (or one DER certificate) into DER certificates without parsing them fully.
pub(crate) fn certificate_ders(data: &[u8]) -> Result<Vec<CertificateDer<'static>>> {
    if let Some(ders) = plain_certificate_pem(data) {
        return Ok(ders);
    }
    if looks_like_pem(data) {
        let mut out = Vec::new();
        for item in CertificateDer::pem_slice_iter(data) {
            let der = item.map_err(|e| Error::new(Code::InvalidPem, format!("bad PEM: {e}")))?;
            if out.len() >= MAX_BUNDLE_CERTIFICATES {
                return Err(Error::new(
                    Code::InvalidPem,
                    format!("more than {MAX_BUNDLE_CERTIFICATES} certificates in one input"),
                ));
            }
            out.push(der);
        }
        if out.is_empty() {
            return Err(Error::new(Code::InvalidPem, "no CERTIFICATE block found in the PEM input"));
        }
        Ok(out)
    } else if data.first() == Some(&0x30) {
        Ok(vec![CertificateDer::from(data.to_vec())])
    } else if data.is_empty() {
        Err(Error::new(Code::InvalidPem, "empty input: expected a PEM or DER certificate"))
    } else {
        Err(Error::new(Code::InvalidPem, "input is neither PEM (-----BEGIN ...) nor a DER certificate"))
    }
}

/// Whether `data` contains a PEM header.
/// The fast path of [`certificate_ders`] for the common input: only `CERTIFICATE` blocks of
/// plain base64 (certificates are public: no need for rustls-pki-types' constant-time decoder,
/// a fifth of a parse). Anything else (another block type, headers, bad base64, a block without
/// its end, too many blocks) returns `None`, and the careful path decides and explains.
fn plain_certificate_pem(data: &[u8]) -> Option<Vec<CertificateDer<'static>>> {
    const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
    const END: &[u8] = b"-----END CERTIFICATE-----";
    let mut out = Vec::new();
    let mut body: Option<Vec<u8>> = None;
    for line in data.split(|&b| b == b'\n') {
        // Lines exactly as rustls-pki-types reads them (CRLF allowed, no indentation).
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match &mut body {
            None if line == BEGIN => body = Some(Vec::with_capacity(2048)),
            None if line.windows(5).any(|w| w == b"-----") => return None,
            None => {} // text between blocks is ignored, as by the careful path
            Some(b64) if line == END => {
                let der = base64::engine::general_purpose::STANDARD.decode(&b64[..]).ok()?;
                if der.is_empty() || out.len() >= MAX_BUNDLE_CERTIFICATES {
                    return None;
                }
                out.push(CertificateDer::from(der));
                body = None;
            }
            Some(b64) => {
                if !line.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'=') {
                    return None;
                }
                b64.extend_from_slice(line);
            }
        }
    }
    if body.is_some() || out.is_empty() { None } else { Some(out) }
}

pub(crate) fn looks_like_pem(data: &[u8]) -> bool {
    data.windows(11).any(|w| w == b"-----BEGIN ")
}

/// `sha256/<base64>` of a DER SubjectPublicKeyInfo.
pub(crate) fn spki_pin(spki_der: &[u8]) -> String {
    format!("sha256/{}", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(spki_der)))
}

/// Current time as Unix seconds.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// `2026-11-25 10:00:00 UTC`.
pub fn format_time(unix: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => format!("@{unix}"),
    }
}

/// `1 day ago`, `in 3 days`, `5 hours ago`: the distance from `now` to `then`.
pub(crate) fn relative_time(then: i64, now: i64) -> String {
    let delta = then.saturating_sub(now);
    let abs = delta.unsigned_abs();
    // Rounded to the nearest unit: a certificate made "2 days from now" a moment ago is still
    // 2 days away, not 1.
    let round = |unit: u64| abs.saturating_add(unit / 2) / unit;
    let (n, unit) = if abs >= 86_400 - 1_800 {
        (round(86_400), "day")
    } else if abs >= 3_600 - 30 {
        (round(3_600), "hour")
    } else if abs >= 60 {
        (round(60), "minute")
    } else {
        (abs, "second")
    };
    let plural = if n == 1 { "" } else { "s" };
    if delta < 0 { format!("{n} {unit}{plural} ago") } else { format!("in {n} {unit}{plural}") }
}

fn name_text(name: &X509Name<'_>) -> String {
    // x509-parser prints RFC 4514-like text, most specific attribute last as in the DER; RFC
    // 4514 orders it first. Reverse the RDN order.
    let mut parts: Vec<String> = Vec::new();
    for rdn in name.iter() {
        let mut attrs = Vec::new();
        for attr in rdn.iter() {
            let key = match attr.attr_type().to_id_string().as_str() {
                "2.5.4.3" => "CN".to_owned(),
                "2.5.4.6" => "C".to_owned(),
                "2.5.4.7" => "L".to_owned(),
                "2.5.4.8" => "ST".to_owned(),
                "2.5.4.10" => "O".to_owned(),
                "2.5.4.11" => "OU".to_owned(),
                "0.9.2342.19200300.100.1.25" => "DC".to_owned(),
                "0.9.2342.19200300.100.1.1" => "UID".to_owned(),
                "1.2.840.113549.1.9.1" => "emailAddress".to_owned(),
                "2.5.4.5" => "serialNumber".to_owned(),
                other => other.to_owned(),
            };
            let value = attr.as_str().map(escape_rfc4514).unwrap_or_else(|_| {
                format!("#{}", attr.attr_value().data.iter().map(|b| format!("{b:02x}")).collect::<String>())
            });
            attrs.push(format!("{key}={value}"));
        }
        parts.push(attrs.join("+"));
    }
    parts.reverse();
    parts.join(", ")
}

fn escape_rfc4514(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=')
            || (i == 0 && (c == '#' || c == ' '))
            || (i + 1 == s.chars().count() && c == ' ');
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn common_name(name: &X509Name<'_>) -> Option<String> {
    name.iter_common_name().next().and_then(|cn| cn.as_str().ok()).map(str::to_owned)
}

fn hex_colon(bytes: &[u8], upper: bool) -> String {
    let digits: &[u8; 16] = if upper { b"0123456789ABCDEF" } else { b"0123456789abcdef" };
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        s.push(digits[usize::from(b >> 4)] as char);
        s.push(digits[usize::from(b & 15)] as char);
    }
    s
}

/// Whether `cert` is self-signed: its subject is its issuer and its own key verifies its
/// signature. The signature check (an ECDSA/RSA verification, ~60 µs) is remembered per
/// certificate (by SHA-256 of the DER): the self-signed certificates seen are mostly the same
/// few roots, checked on every handshake's path and in every report.
pub(crate) fn is_self_signed(cert: &X509Certificate<'_>, der: &[u8]) -> bool {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static SEEN: Mutex<Option<HashMap<[u8; 32], bool>>> = Mutex::new(None);
    if cert.subject().as_raw() != cert.issuer().as_raw() {
        return false;
    }
    let key: [u8; 32] = Sha256::digest(der).into();
    if let Some(&known) = SEEN.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert_default().get(&key) {
        return known;
    }
    let verified = cert.verify_signature(None).is_ok();
    let mut seen = SEEN.lock().unwrap_or_else(|p| p.into_inner());
    let seen = seen.get_or_insert_default();
    if seen.len() >= 1024 {
        seen.clear(); // bounded; a hostile stream of self-issued certificates only costs a re-check
    }
    seen.insert(key, verified);
    verified
}

fn ip_text(raw: &[u8]) -> String {
    match raw.len() {
        4 => IpAddr::from([raw[0], raw[1], raw[2], raw[3]]).to_string(),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(raw);
            IpAddr::from(a).to_string()
        }
        _ => format!("<{} byte address>", raw.len()),
    }
}

fn key_description(cert: &X509Certificate<'_>) -> (String, u32, Option<String>) {
    let spki = cert.public_key();
    let alg = spki.algorithm.algorithm.to_id_string();
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => ("RSA".to_owned(), rsa.key_size() as u32, None),
        Ok(PublicKey::EC(point)) => {
            let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok()).map(|oid| {
                match oid.to_id_string().as_str() {
                    "1.2.840.10045.3.1.7" => "P-256".to_owned(),
                    "1.3.132.0.34" => "P-384".to_owned(),
                    "1.3.132.0.35" => "P-521".to_owned(),
                    other => other.to_owned(),
                }
            });
            ("EC".to_owned(), point.key_size() as u32, curve)
        }
        Ok(PublicKey::DSA(y)) => ("DSA".to_owned(), (y.len() * 8) as u32, None),
        _ => match alg.as_str() {
            "1.3.101.112" => ("Ed25519".to_owned(), 256, None),
            "1.3.101.113" => ("Ed448".to_owned(), 456, None),
            other => (other.to_owned(), 0, None),
        },
    }
}

/// A readable name for a signature algorithm OID.
fn signature_algorithm_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.2" => "md2WithRSAEncryption",
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.14" => "sha224WithRSAEncryption",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.1" => "ecdsa-with-SHA224",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.2.840.10040.4.3" => "dsa-with-sha1",
        "1.3.101.112" => "ed25519",
        "1.3.101.113" => "ed448",
        other => return other.to_owned(),
    }
    .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast PEM path agrees with rustls-pki-types' reader wherever it answers.
    #[test]
    fn fast_pem_path_agrees_with_the_careful_one() {
        let a = rcgen::generate_simple_self_signed(vec!["a.test".into()]).expect("cert").cert.pem();
        let b = rcgen::generate_simple_self_signed(vec!["b.test".into()]).expect("cert").cert.pem();
        let careful = |d: &[u8]| -> Option<Vec<CertificateDer<'static>>> {
            let v: Vec<_> = CertificateDer::pem_slice_iter(d).collect::<std::result::Result<_, _>>().ok()?;
            if v.is_empty() { None } else { Some(v) }
        };
        let key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        let cases: Vec<(String, bool)> = vec![
            (a.clone(), true),
            (format!("{a}{b}"), true),
            (a.replace('\n', "\r\n"), true),
            (format!("subject=CN=a\n{a}\nissuer: x\n{b}\n"), true),
            (format!("{a}  {b}"), false), // an indented block: careful path
            (a.replace("\nMII", "\n MII"), false),
            (format!("{a}{key}"), false), // another block: careful path
            (a.replace("-----END CERTIFICATE-----\n", ""), false), // no end
            (a.replacen('M', "*", 1), false), // not base64
            (a.replace("-----BEGIN CERTIFICATE-----", "-----BEGIN X509 CRL-----"), false),
            ("no pem at all".to_owned(), false),
        ];
        for (input, fast) in cases {
            let got = plain_certificate_pem(input.as_bytes());
            assert_eq!(got.is_some(), fast, "{input:?}");
            if let Some(got) = got {
                assert_eq!(Some(got), careful(input.as_bytes()), "{input:?}");
            }
        }
    }

    #[test]
    fn relative_times_read_naturally() {
        assert_eq!(relative_time(0, 86_400), "1 day ago");
        assert_eq!(relative_time(3 * 86_400 + 5, 0), "in 3 days");
        assert_eq!(relative_time(0, 7_200), "2 hours ago");
        // Extreme times a caller may pass (`at`): no overflow.
        assert!(relative_time(i64::MAX, i64::MIN).starts_with("in "));
        assert!(relative_time(i64::MIN, i64::MAX).ends_with(" ago"));
    }

    #[test]
    fn formats_utc() {
        assert_eq!(format_time(1_764_115_200), "2025-11-26 00:00:00 UTC");
    }

    #[test]
    fn garbage_is_invalid_pem() {
        for input in
            [&b""[..], b"hello", b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n", b"\x30\x03\x02"]
        {
            let err = parse_certificates(input).unwrap_err();
            assert_eq!(err.code(), Code::InvalidPem, "{input:?}: {err}");
        }
    }
}
