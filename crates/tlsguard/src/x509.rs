//! The certificate type and its summary: pure X.509 reading with x509-parser (whose types never
//! appear in the public API).
//!
//! A leaf module: it uses nothing else of the crate, so that every module, the error type
//! included, can hold certificates. Reading PEM, and the public constructors (which return
//! tlsguard's [`Error`](crate::Error)), are in [`crate::cert`].

use std::fmt;
use std::net::IpAddr;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use rustls::pki_types::CertificateDer;
use sha2::{Digest, Sha256};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::X509Name;

/// An X.509 certificate: its DER, and its summary ([`CertificateInfo`]) computed on first use.
///
/// Made by [`Certificate::from_der`], [`Certificate::from_pem`] and
/// [`parse_certificates`](crate::parse_certificates), which check the DER, so [`info`](Self::info)
/// cannot fail. Cloning is cheap (the DER and the summary are shared); equality and hashing are
/// by DER, which never changes, so it is a sound map key (clippy's `mutable_key_type` sees the
/// summary's `OnceLock`). Like a [`LazyLock`](std::sync::LazyLock), it dereferences to its summary:
/// `cert.subject` builds the summary the first time and reads it afterwards.
///
/// Serialises (serde) as the summary's fields plus `pem`, the certificate as PEM text.
#[derive(Clone)]
pub struct Certificate {
    inner: Arc<Inner>,
}

struct Inner {
    der: CertificateDer<'static>,
    info: OnceLock<CertificateInfo>,
}

/// Why DER is not one certificate (mapped to `INVALID_PEM` by [`crate::cert`]).
#[derive(Debug)]
pub(crate) struct ParseError(pub(crate) String);

/// The certificates that passed tlsguard's path profile (`policy::check_certificate`), by the
/// SHA-256 of their DER and the role they passed in (a small number), with their validity (not
/// before, not after; Unix seconds). The profile is a pure function of the DER and the role
/// (an anchor's validity aside, checked against the time of each call), so a pass is not worked
/// out again; and a certificate here is known to parse. Only passes are kept; bounded.
pub(crate) mod passed {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use sha2::{Digest, Sha256};

    /// At most this many entries; when full the memo starts again (a stream of new
    /// certificates only costs their checks).
    const MAX: usize = 4096;
    /// The roles are small numbers below this.
    pub(crate) const ROLES: u8 = 3;

    type Memo = HashMap<([u8; 32], u8), (i64, i64)>;
    static PASSED: Mutex<Option<Memo>> = Mutex::new(None);

    fn memo() -> std::sync::MutexGuard<'static, Option<Memo>> {
        PASSED.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The memo's key for `der`.
    pub(crate) fn key(der: &[u8]) -> [u8; 32] {
        Sha256::digest(der).into()
    }

    /// The validity of a certificate that passed in `role`.
    pub(crate) fn get(key: &[u8; 32], role: u8) -> Option<(i64, i64)> {
        memo().as_ref()?.get(&(*key, role)).copied()
    }

    /// Whether the certificate passed in any role.
    pub(crate) fn any(key: &[u8; 32]) -> bool {
        let memo = memo();
        memo.as_ref().is_some_and(|m| (0..ROLES).any(|r| m.contains_key(&(*key, r))))
    }

    pub(crate) fn insert(key: [u8; 32], role: u8, validity: (i64, i64)) {
        debug_assert!(role < ROLES);
        let mut memo = memo();
        let memo = memo.get_or_insert_default();
        if memo.len() >= MAX {
            memo.clear();
        }
        memo.insert((key, role), validity);
    }
}

/// Parses `der` as exactly one certificate.
fn parse(der: &[u8]) -> Result<X509Certificate<'_>, ParseError> {
    let (rest, cert) =
        X509Certificate::from_der(der).map_err(|e| ParseError(format!("not a valid DER certificate: {e}")))?;
    if !rest.is_empty() {
        return Err(ParseError(format!("{} bytes of trailing data after the DER certificate", rest.len())));
    }
    Ok(cert)
}

impl Certificate {
    /// `der`, checked to be one certificate; the summary is built on first use.
    pub(crate) fn checked(der: CertificateDer<'static>) -> Result<Self, ParseError> {
        parse(&der)?;
        Ok(Self { inner: Arc::new(Inner { der, info: OnceLock::new() }) })
    }

    /// [`Certificate::checked`] without the parse when `der` already passed tlsguard's path
    /// profile (which parsed it; [`passed`]): for the chains of verifications and handshakes,
    /// where servers present the same certificates again and again.
    pub(crate) fn checked_or_known(der: CertificateDer<'static>) -> Result<Self, ParseError> {
        if !passed::any(&passed::key(&der)) {
            parse(&der)?;
        }
        Ok(Self { inner: Arc::new(Inner { der, info: OnceLock::new() }) })
    }

    /// `der` with its summary built now (one parse), for callers about to read it.
    pub(crate) fn summarised(der: CertificateDer<'static>) -> Result<Self, ParseError> {
        let info = summarise(&parse(&der)?, &der);
        Ok(Self { inner: Arc::new(Inner { der, info: OnceLock::from(info) }) })
    }

    /// The certificate, DER.
    pub fn der(&self) -> &CertificateDer<'static> {
        &self.inner.der
    }

    /// The summary, built on first use.
    pub fn info(&self) -> &CertificateInfo {
        self.inner.info.get_or_init(|| {
            // Every constructor parsed this DER (`checked`), and parsing is a pure function of it.
            let cert = parse(&self.inner.der).expect("the DER was checked when the Certificate was made");
            summarise(&cert, &self.inner.der)
        })
    }

    /// Whether the summary has been built (for tests of laziness).
    #[cfg(test)]
    pub(crate) fn is_summarised(&self) -> bool {
        self.inner.info.get().is_some()
    }

    /// The certificate as PEM text.
    pub fn to_pem(&self) -> String {
        let b64 = base64::engine::general_purpose::STANDARD.encode(self.inner.der.as_ref());
        let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 60);
        out.push_str("-----BEGIN CERTIFICATE-----\n");
        for chunk in b64.as_bytes().chunks(64) {
            out.push_str(&String::from_utf8_lossy(chunk));
            out.push('\n');
        }
        out.push_str("-----END CERTIFICATE-----\n");
        out
    }
}

impl Deref for Certificate {
    type Target = CertificateInfo;

    fn deref(&self) -> &CertificateInfo {
        self.info()
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner) || self.inner.der == other.inner.der
    }
}

impl Eq for Certificate {}

impl std::hash::Hash for Certificate {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.inner.der.as_ref().hash(state)
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.info().subject)
            .field("fingerprint_sha256", &self.info().fingerprint_sha256)
            .finish_non_exhaustive()
    }
}

impl serde::Serialize for Certificate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct Out<'a> {
            #[serde(flatten)]
            info: &'a CertificateInfo,
            pem: String,
        }
        Out { info: self.info(), pem: self.to_pem() }.serialize(serializer)
    }
}

/// The algorithm of a certificate's public key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyType {
    /// RSA (`"RSA"`).
    Rsa,
    /// Elliptic curve, ECDSA (`"EC"`); the curve is [`CertificateInfo::curve`].
    Ec,
    /// Ed25519 (`"Ed25519"`).
    Ed25519,
    /// Ed448 (`"Ed448"`).
    Ed448,
    /// DSA (`"DSA"`).
    Dsa,
    /// Another algorithm, by its dotted OID.
    Other(String),
}

impl KeyType {
    /// `"RSA"`, `"EC"`, `"Ed25519"`, `"Ed448"`, `"DSA"`, or the algorithm's OID.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Rsa => "RSA",
            Self::Ec => "EC",
            Self::Ed25519 => "Ed25519",
            Self::Ed448 => "Ed448",
            Self::Dsa => "DSA",
            Self::Other(oid) => oid,
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for KeyType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The summary of an X.509 certificate: its names, dates, key, extensions and fingerprints, as
/// owned values ([`Certificate::info`]; the DER is the [`Certificate`]'s).
///
/// Serialises (serde) with these field names; `key_type` as its string, times as Unix seconds.
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
    /// The key's algorithm (`"RSA"`, `"EC"`, ... as a string: [`KeyType::as_str`]).
    pub key_type: KeyType,
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
}

impl CertificateInfo {
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
}

fn summarise(cert: &X509Certificate<'_>, der: &[u8]) -> CertificateInfo {
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
        key_type: KeyType::Other(String::new()),
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
                info.extended_key_usage = flags.iter().filter(|(on, _)| *on).map(|(_, n)| (*n).to_owned()).collect();
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

/// `sha256/<base64>` of a DER SubjectPublicKeyInfo.
pub(crate) fn spki_pin(spki_der: &[u8]) -> String {
    format!("sha256/{}", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(spki_der)))
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

fn key_description(cert: &X509Certificate<'_>) -> (KeyType, u32, Option<String>) {
    let spki = cert.public_key();
    let alg = spki.algorithm.algorithm.to_id_string();
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => (KeyType::Rsa, rsa.key_size() as u32, None),
        Ok(PublicKey::EC(point)) => {
            let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok()).map(|oid| {
                match oid.to_id_string().as_str() {
                    "1.2.840.10045.3.1.7" => "P-256".to_owned(),
                    "1.3.132.0.34" => "P-384".to_owned(),
                    "1.3.132.0.35" => "P-521".to_owned(),
                    other => other.to_owned(),
                }
            });
            (KeyType::Ec, point.key_size() as u32, curve)
        }
        Ok(PublicKey::DSA(y)) => (KeyType::Dsa, (y.len() * 8) as u32, None),
        _ => match alg.as_str() {
            "1.3.101.112" => (KeyType::Ed25519, 256, None),
            "1.3.101.113" => (KeyType::Ed448, 456, None),
            other => (KeyType::Other(other.to_owned()), 0, None),
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
