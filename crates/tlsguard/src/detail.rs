//! The facts of an error, as data: what [`crate::Error::detail`] returns.
//!
//! An error's message renders these facts for a person; a program reads them here instead of
//! parsing the message (as rustls' `CertificateError::ExpiredContext` carries `not_after`).
//! Every binding exposes the same keys ([`Detail::fields`]): a dict in Python, an array in PHP
//! (both snake_case), an object in Node (camelCase). The values are the raw facts, as in
//! [`crate::CertificateInfo`]'s fields (not escaped for display).

/// One value of a [`Detail`], typed so that each binding can show it its own way (a time is a
/// `datetime` in Python, a `Date` in Node, Unix seconds in PHP's arrays).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fact<'a> {
    /// A text (a name, a URL, a pin).
    Text(&'a str),
    /// A list of texts (names, pins, versions).
    Texts(&'a [String]),
    /// A time, in Unix seconds.
    Time(i64),
    /// No value (e.g. a certificate without an AIA URL).
    Null,
}

/// The facts of an error, by what went wrong. Which codes carry which variant is listed in the
/// error catalogue (`manual/errors.md`); an error may carry none.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Detail {
    /// `CERT_EXPIRED`: the certificate `subject` was valid until `not_after`; it is `now`.
    Expired {
        /// The expired certificate's subject (as in `CertificateInfo::subject`).
        subject: String,
        /// Its notAfter, Unix seconds.
        not_after: i64,
        /// The time of the check, Unix seconds.
        now: i64,
    },
    /// `CERT_NOT_YET_VALID`: the certificate `subject` is valid from `not_before`; it is `now`.
    NotYetValid {
        /// The certificate's subject.
        subject: String,
        /// Its notBefore, Unix seconds.
        not_before: i64,
        /// The time of the check, Unix seconds.
        now: i64,
    },
    /// `CERT_HOSTNAME_MISMATCH`: `expected` is the requested name; `presented` the names the
    /// certificate covers (its subjectAltName DNS names and IP addresses; empty when it has
    /// none).
    HostnameMismatch {
        /// The host name or IP address that was requested.
        expected: String,
        /// The DNS names and IP addresses of the certificate's subjectAltName.
        presented: Vec<String>,
    },
    /// `CERT_SELF_SIGNED`: the leaf `subject` signed itself; `pin` is its key's pin.
    SelfSigned {
        /// The leaf's subject.
        subject: String,
        /// `sha256/...` of the leaf's key, the value to pin for a development service.
        pin: String,
    },
    /// `CERT_UNKNOWN_ISSUER`: the chain ends at `issuer`, which is not trusted.
    UnknownIssuer {
        /// The name of the CA the chain ends at (its commonName, or the whole name).
        issuer: String,
    },
    /// `CERT_INCOMPLETE_CHAIN`: the server did not send `issuer`; the leaf's CA-issuers URL
    /// (where it can be fetched) is `aia_url`.
    IncompleteChain {
        /// The name of the missing intermediate.
        issuer: String,
        /// The leaf's first CA-issuers (AIA) URL, if it has one.
        aia_url: Option<String>,
    },
    /// `CERT_CA_AS_LEAF`: the server certificate `subject` is a CA certificate.
    CaAsLeaf {
        /// The server certificate's subject.
        subject: String,
    },
    /// `CERT_REVOKED`: a supplied CRL lists `subject` (serial `serial`).
    Revoked {
        /// The revoked certificate's subject.
        subject: String,
        /// Its serial number (hex, as in `CertificateInfo::serial`).
        serial: String,
    },
    /// `CERT_REVOCATION_UNKNOWN`: the CRL of `crl_issuer` cannot be used; `next_update` is set
    /// when it is out of date.
    RevocationUnknown {
        /// The issuer of the CRL that cannot be used.
        crl_issuer: String,
        /// The CRL's nextUpdate (Unix seconds) when it is past it.
        next_update: Option<i64>,
    },
    /// `CERT_BAD_SIGNATURE`: the signature of `subject` does not verify with the key of `issuer`.
    BadSignature {
        /// The certificate whose signature does not verify.
        subject: String,
        /// The issuer whose key was used.
        issuer: String,
    },
    /// `CERT_WEAK_ALGORITHM`: certificate `subject` has a weak `what` (`"signature"` or
    /// `"key"`); `why` says what is weak about it.
    WeakAlgorithm {
        /// The certificate's subject.
        subject: String,
        /// `signature` or `key`.
        what: String,
        /// E.g. `SHA-1 (sha1WithRSAEncryption)` or `RSA 1024 bits`.
        why: String,
    },
    /// `CERT_INVALID_PURPOSE`: the certificate `subject` is not for `expected`; its extended key
    /// usage is `presented`.
    InvalidPurpose {
        /// The certificate's subject.
        subject: String,
        /// The usage required (`serverAuth` or `clientAuth`).
        expected: String,
        /// The certificate's extended key usages (empty when the extension is empty).
        presented: Vec<String>,
    },
    /// `CERT_PIN_MISMATCH`: none of `pins` is the key of a certificate of the chain, whose keys
    /// are `chain_pins` (leaf first).
    PinMismatch {
        /// The configured pins (`sha256/...`).
        pins: Vec<String>,
        /// The pins of the chain's keys, leaf first (the trust anchor's last).
        chain_pins: Vec<String>,
    },
    /// `TLS_PROTOCOL_VERSION`: the server accepts only the versions `offered` (found by
    /// probing; `TLSv1.0`, ...).
    ProtocolVersion {
        /// The protocol versions the server accepted, e.g. `["TLSv1.0"]`.
        offered: Vec<String>,
    },
    /// `TLS_NO_SHARED_CIPHER`: the server accepts only the legacy suites `offered` (found by
    /// probing; IANA names).
    NoSharedCipher {
        /// The legacy cipher suites the server accepted.
        offered: Vec<String>,
    },
}

impl Detail {
    /// The facts as `(key, value)` pairs, keys in snake_case, in the documented order. Every
    /// binding builds its dict/array/object from this.
    pub fn fields(&self) -> Vec<(&'static str, Fact<'_>)> {
        use Fact::{Text, Texts, Time};
        match self {
            Self::Expired { subject, not_after, now } => {
                vec![("subject", Text(subject)), ("not_after", Time(*not_after)), ("now", Time(*now))]
            }
            Self::NotYetValid { subject, not_before, now } => {
                vec![("subject", Text(subject)), ("not_before", Time(*not_before)), ("now", Time(*now))]
            }
            Self::HostnameMismatch { expected, presented } => {
                vec![("expected", Text(expected)), ("presented", Texts(presented))]
            }
            Self::SelfSigned { subject, pin } => vec![("subject", Text(subject)), ("pin", Text(pin))],
            Self::UnknownIssuer { issuer } => vec![("issuer", Text(issuer))],
            Self::IncompleteChain { issuer, aia_url } => {
                vec![("issuer", Text(issuer)), ("aia_url", aia_url.as_deref().map_or(Fact::Null, Text))]
            }
            Self::CaAsLeaf { subject } => vec![("subject", Text(subject))],
            Self::Revoked { subject, serial } => vec![("subject", Text(subject)), ("serial", Text(serial))],
            Self::RevocationUnknown { crl_issuer, next_update } => {
                vec![("crl_issuer", Text(crl_issuer)), ("next_update", next_update.map_or(Fact::Null, Time))]
            }
            Self::BadSignature { subject, issuer } => vec![("subject", Text(subject)), ("issuer", Text(issuer))],
            Self::WeakAlgorithm { subject, what, why } => {
                vec![("subject", Text(subject)), ("what", Text(what)), ("why", Text(why))]
            }
            Self::InvalidPurpose { subject, expected, presented } => {
                vec![("subject", Text(subject)), ("expected", Text(expected)), ("presented", Texts(presented))]
            }
            Self::PinMismatch { pins, chain_pins } => vec![("pins", Texts(pins)), ("chain_pins", Texts(chain_pins))],
            Self::ProtocolVersion { offered } | Self::NoSharedCipher { offered } => vec![("offered", Texts(offered))],
        }
    }

    /// The facts as one JSON object with snake_case keys; times are Unix seconds (what the CLI
    /// prints and PHP's arrays hold).
    pub fn to_json(&self) -> serde_json::Value {
        let map = self
            .fields()
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    Fact::Text(s) => serde_json::Value::from(s),
                    Fact::Texts(l) => serde_json::Value::from(l.to_vec()),
                    Fact::Time(t) => serde_json::Value::from(t),
                    Fact::Null => serde_json::Value::Null,
                };
                (k.to_owned(), v)
            })
            .collect();
        serde_json::Value::Object(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One example of every variant, with the code that carries it.
    fn examples() -> Vec<(&'static str, Detail)> {
        let s = || "x".to_owned();
        let l = || vec!["x".to_owned()];
        vec![
            ("CERT_EXPIRED", Detail::Expired { subject: s(), not_after: 1, now: 2 }),
            ("CERT_NOT_YET_VALID", Detail::NotYetValid { subject: s(), not_before: 1, now: 2 }),
            ("CERT_HOSTNAME_MISMATCH", Detail::HostnameMismatch { expected: s(), presented: l() }),
            ("CERT_SELF_SIGNED", Detail::SelfSigned { subject: s(), pin: s() }),
            ("CERT_UNKNOWN_ISSUER", Detail::UnknownIssuer { issuer: s() }),
            ("CERT_INCOMPLETE_CHAIN", Detail::IncompleteChain { issuer: s(), aia_url: None }),
            ("CERT_CA_AS_LEAF", Detail::CaAsLeaf { subject: s() }),
            ("CERT_REVOKED", Detail::Revoked { subject: s(), serial: s() }),
            ("CERT_REVOCATION_UNKNOWN", Detail::RevocationUnknown { crl_issuer: s(), next_update: None }),
            ("CERT_BAD_SIGNATURE", Detail::BadSignature { subject: s(), issuer: s() }),
            ("CERT_WEAK_ALGORITHM", Detail::WeakAlgorithm { subject: s(), what: s(), why: s() }),
            ("CERT_INVALID_PURPOSE", Detail::InvalidPurpose { subject: s(), expected: s(), presented: l() }),
            ("CERT_PIN_MISMATCH", Detail::PinMismatch { pins: l(), chain_pins: l() }),
            ("TLS_PROTOCOL_VERSION", Detail::ProtocolVersion { offered: l() }),
            ("TLS_NO_SHARED_CIPHER", Detail::NoSharedCipher { offered: l() }),
        ]
    }

    /// The catalogue's table lists each variant's keys, in order, on its code's row.
    #[test]
    fn the_catalogue_lists_every_key() {
        let catalogue = include_str!("manual/errors.md");
        for (code, detail) in examples() {
            let row = catalogue
                .lines()
                .find(|l| l.starts_with(&format!("| `{code}` |")))
                .unwrap_or_else(|| panic!("{code}: no row in the detail table of manual/errors.md"));
            let mut rest = row;
            for (key, _) in detail.fields() {
                let at =
                    rest.find(&format!("`{key}`")).unwrap_or_else(|| panic!("{code}: {key} not (in order) in {row}"));
                rest = &rest[at..];
            }
            assert!(crate::Code::from_name(code).is_some(), "{code}");
        }
    }

    #[test]
    fn json_keys_are_snake_case_and_times_are_seconds() {
        let d = Detail::Expired { subject: "CN=a".into(), not_after: 10, now: 20 };
        assert_eq!(d.to_json(), serde_json::json!({"subject": "CN=a", "not_after": 10, "now": 20}));
        let d = Detail::IncompleteChain { issuer: "I".into(), aia_url: None };
        assert_eq!(d.to_json(), serde_json::json!({"issuer": "I", "aia_url": null}));
    }
}
