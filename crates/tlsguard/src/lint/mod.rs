//! Deployment linting: is this PEM bundle (and key) right for these host names?
//!
//! [`lint`] looks at what a server would send (leaf first, then intermediates), the private key
//! it would use and the names it must serve. No trust store is involved: the checks are about
//! the bundle's own structure, so they work for private CAs too. Every finding has a stable code
//! (see [`LintCode`]), names the certificate by index and subject, states the fact, and says
//! what to do.

mod certs;
mod chain;
mod codes;
mod input;
mod key;
mod names;

use std::cmp::Reverse;
use std::fmt;

use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use crate::cert::{Certificate, certificate_ders, unix_now};
use crate::error::{Code, Error, Result};
use crate::options::Source;

pub use codes::LintCode;
use input::{parse_hostname, read_key};

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Severity {
    /// Informational.
    Info,
    /// Should be fixed.
    Warning,
    /// Clients will refuse this deployment.
    Error,
}

impl Severity {
    /// `"info"`, `"warning"`, `"error"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding of [`lint`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Finding {
    /// Stable code, e.g. [`LintCode::KeyMismatch`] (`"KEY_MISMATCH"`).
    pub code: LintCode,
    /// Severity.
    pub severity: Severity,
    /// Index of the certificate in the bundle it is about (0 = first), if any.
    pub certificate: Option<usize>,
    /// The subject of that certificate (RFC 4514), if any.
    pub subject: Option<String>,
    /// One line: what is wrong, naming the certificate and the fact (text from the
    /// certificate shown escaped, see [`crate::display_safe`]; `subject` is raw).
    pub message: String,
    /// What to do about it (escaped like `message`).
    pub fix: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.severity, self.code, self.message)
    }
}

/// What to lint a bundle for.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct LintOptions {
    /// The private key (PEM bytes, or a file path: then its permissions are checked too).
    pub key: Option<Source>,
    /// Host names (or IPs) the deployment must serve.
    pub hostnames: Vec<String>,
    /// Warn when a certificate expires within this many days (default 30).
    pub warn_days: u32,
    /// The time to lint at, Unix seconds (default now).
    pub at: Option<i64>,
}

impl Default for LintOptions {
    fn default() -> Self {
        Self { key: None, hostnames: Vec::new(), warn_days: 30, at: None }
    }
}

impl LintOptions {
    /// Option names of [`LintOptions::from_json`].
    pub const NAMES: &'static [&'static str] = &["key", "hostnames", "warn_days", "at"];

    /// Builds options from a JSON object: `key` (a path, or PEM text), `hostnames` (a list, or
    /// one name), `warn_days`, `at` (Unix seconds). Unknown names are `INVALID_ARGUMENT`.
    pub fn from_json(value: &serde_json::Value) -> Result<Self> {
        use crate::options::{opt_i64, opt_source, opt_str_list, opt_u64, split_options};
        let (own, _) = split_options(value, "lint", Self::NAMES, &[])?;
        Ok(Self {
            key: opt_source(&own, "key")?,
            hostnames: opt_str_list(&own, "hostnames")?,
            warn_days: opt_u64(&own, "warn_days", 36_500)?.map(|d| d as u32).unwrap_or(30),
            at: opt_i64(&own, "at")?,
        })
    }
}

/// Lints a deployment bundle (PEM: leaf first, then intermediates).
///
/// Unparsable input (the bundle, the key, an unreadable key file, an invalid host name) is an
/// `Err`; problems of the deployment are findings, sorted errors first, then by certificate index.
pub fn lint(bundle: &[u8], opts: &LintOptions) -> Result<Vec<Finding>> {
    let ders = certificate_ders(bundle).map_err(|e| e.context("bundle"))?;
    let mut parsed = Vec::with_capacity(ders.len());
    let mut certs = Vec::with_capacity(ders.len());
    for (i, der) in ders.iter().enumerate() {
        let (_, x509) = X509Certificate::from_der(der)
            .map_err(|e| Error::new(Code::InvalidPem, format!("bundle: certificate #{i} is not valid DER: {e}")))?;
        let cert = Certificate::summarised(der.clone());
        certs.push(cert.map_err(|e| Error::from(e).context(&format!("bundle: certificate #{i}")))?);
        parsed.push(x509);
    }
    let key = match &opts.key {
        Some(source) => Some(read_key(source)?),
        None => None,
    };
    let names = opts.hostnames.iter().map(|h| parse_hostname(h)).collect::<Result<Vec<_>>>()?;

    let mut lint = Lint { certs: &certs, findings: Vec::new() };
    let now = opts.at.unwrap_or_else(unix_now);
    let leaf = lint.check_leaf_position();
    let chain = lint.check_chain(&parsed, leaf);

    if let Some(key) = &key {
        lint.check_key(key, &parsed, leaf);
    }
    lint.check_hostnames(&ders[leaf], leaf, &opts.hostnames, &names);
    lint.check_leaf(leaf, &chain);
    for i in 0..certs.len() {
        if chain.duplicates.contains_key(&i) {
            continue;
        }
        lint.check_validity(i, now, opts.warn_days);
        lint.check_algorithms(i);
        lint.check_extensions(i, leaf);
    }

    let mut findings = lint.findings;
    findings.sort_by_key(|f| (Reverse(f.severity), f.certificate.map_or(0, |i| i + 1)));
    Ok(findings)
}

/// The findings so far. The checks are its methods, one file per concern: `chain.rs`, `key.rs`,
/// `names.rs` (host names) and `certs.rs` (each certificate's purpose, validity, algorithms,
/// extensions).
struct Lint<'a> {
    certs: &'a [Certificate],
    findings: Vec<Finding>,
}

impl Lint<'_> {
    fn push(&mut self, code: LintCode, cert: Option<usize>, message: String, fix: String) {
        self.push_as(code, code.severity(), cert, message, fix);
    }

    fn push_as(&mut self, code: LintCode, severity: Severity, cert: Option<usize>, message: String, fix: String) {
        let subject = cert.map(|i| self.certs[i].subject.clone());
        let (message, fix) = (crate::text::safe_owned(message), crate::text::safe_owned(fix));
        self.findings.push(Finding { code, severity, certificate: cert, subject, message, fix });
    }

    /// `certificate #1 (CN=Example CA)`.
    fn name(&self, i: usize) -> String {
        format!("certificate #{i} ({})", self.certs[i].subject)
    }
}
