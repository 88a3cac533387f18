//! Deployment linting: is this PEM bundle (and key) right for these host names?
//!
//! SKELETON: the types are the contract; the checks are being written.

use crate::error::Result;
use crate::options::Source;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
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

/// One finding of [`lint`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// Stable code, e.g. `KEY_MISMATCH`.
    pub code: &'static str,
    /// Severity.
    pub severity: Severity,
    /// Index of the certificate in the bundle it is about (0 = first), if any.
    pub certificate: Option<usize>,
    /// The subject of that certificate (RFC 4514), if any.
    pub subject: Option<String>,
    /// One line: what is wrong, naming the certificate and the fact.
    pub message: String,
    /// What to do about it.
    pub fix: String,
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

/// Lints a deployment bundle (PEM: leaf first, then intermediates).
pub fn lint(bundle: &[u8], opts: &LintOptions) -> Result<Vec<Finding>> {
    let _ = (bundle, opts);
    Ok(Vec::new())
}
