//! Reading certificates: PEM and DER input, and the constructors of [`Certificate`] (the type
//! and its summary are pure X.509 code in a leaf module, re-exported here).

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::error::{Code, Error, Result};
use crate::x509::ParseError;
pub(crate) use crate::x509::spki_pin;
pub use crate::x509::{Certificate, CertificateInfo, KeyType};

/// Most certificates accepted in one PEM bundle (bounded work on hostile input).
pub const MAX_BUNDLE_CERTIFICATES: usize = 10_000;

impl From<ParseError> for Error {
    fn from(e: ParseError) -> Self {
        Error::new(Code::InvalidPem, e.0)
    }
}

impl Certificate {
    /// Checks that `der` is one certificate (`INVALID_PEM` if not). The summary is built on
    /// first use.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        Ok(Self::checked(CertificateDer::from(der.to_vec()))?)
    }

    /// [`Certificate::from_der`] with the summary built now (one parse, not two), for callers
    /// about to read it.
    pub(crate) fn parsed(der: &[u8]) -> Result<Self> {
        Ok(Self::summarised(CertificateDer::from(der.to_vec()))?)
    }

    /// The first certificate of PEM text (or of DER bytes), with every certificate of the
    /// input checked (`INVALID_PEM` if one is bad, or if there is none).
    pub fn from_pem(data: &[u8]) -> Result<Self> {
        parse_certificates(data)?
            .into_iter()
            .next()
            .ok_or_else(|| Error::new(Code::InvalidPem, "no certificate found in the input"))
    }
}

/// Parses certificates from PEM text (any number of `CERTIFICATE` blocks, other blocks ignored)
/// or from one DER certificate. Each is checked now and summarised on first use.
pub fn parse_certificates(data: &[u8]) -> Result<Vec<Certificate>> {
    certificate_ders(data)?.into_iter().map(|d| Ok(Certificate::checked(d)?)).collect()
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

/// Whether `data` contains a PEM header.
pub(crate) fn looks_like_pem(data: &[u8]) -> bool {
    data.windows(11).any(|w| w == b"-----BEGIN ")
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

    fn self_signed(name: &str) -> String {
        rcgen::generate_simple_self_signed(vec![name.into()]).expect("cert").cert.pem()
    }

    #[test]
    fn a_certificate_is_summarised_on_first_use_and_clones_share_it() {
        let c = Certificate::from_pem(self_signed("a.test").as_bytes()).unwrap();
        assert!(!c.is_summarised(), "from_pem only checks");
        let copy = c.clone();
        assert_eq!(c.dns_names, ["a.test"]);
        assert!(copy.is_summarised(), "a clone shares the summary");
        let again = Certificate::from_der(c.der()).unwrap();
        assert!(!again.is_summarised());
        assert_eq!(again, c, "equal by DER");
        #[allow(clippy::mutable_key_type)] // hashed by its DER, which never changes
        let set: std::collections::HashSet<Certificate> = [c.clone(), again, copy].into_iter().collect();
        assert_eq!(set.len(), 1, "hashed by DER");
        assert_ne!(Certificate::from_pem(self_signed("b.test").as_bytes()).unwrap(), c);
        assert_eq!(c.key_type, KeyType::Ec);
        assert_eq!(c.key_type.as_str(), "EC");
        assert_eq!(KeyType::Other("1.2.3".into()).to_string(), "1.2.3");
    }

    #[test]
    fn loaded_and_refused_chains_are_not_summarised_until_read() {
        let pem = format!("{}{}", self_signed("a.test"), self_signed("b.test"));
        let certs = parse_certificates(pem.as_bytes()).unwrap();
        assert!(certs.iter().all(|c| !c.is_summarised()));
        let mut opts = crate::VerifyOptions::default();
        opts.trust.use_env = false;
        let report = crate::verify_chain(pem.as_bytes(), &opts).unwrap();
        let err = report.error.expect("a self-signed certificate is refused");
        assert_eq!(err.chain().len(), 2);
        assert!(err.chain().iter().chain(&report.presented).all(|c| !c.is_summarised()));
        assert_eq!(err.chain()[0].display_name(), "a.test");
    }

    #[test]
    fn serialises_the_summary_and_pem() {
        let c = Certificate::from_pem(self_signed("a.test").as_bytes()).unwrap();
        let v = serde_json::to_value(&c).unwrap();
        let info = serde_json::to_value(c.info()).unwrap();
        assert_eq!(v["key_type"], "EC");
        assert_eq!(v["dns_names"], serde_json::json!(["a.test"]));
        assert_eq!(v["not_after"], c.not_after);
        assert_eq!(v["pem"], c.to_pem());
        assert!(info.get("pem").is_none() && info.get("der").is_none());
        assert_eq!(v.as_object().unwrap().len(), info.as_object().unwrap().len() + 1);
        for (k, value) in info.as_object().unwrap() {
            assert_eq!(&v[k], value, "{k}");
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
