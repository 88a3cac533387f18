//! `lint`: checks a deployment bundle (and its key) before it is deployed.

use pyo3::prelude::*;
use tlsguard::LintOptions;

use crate::convert;
use crate::errors::IntoPyResult;

/// One finding of `lint`.
#[pyclass(module = "tlsguard._native", name = "Finding", frozen, get_all)]
pub struct Finding {
    /// Stable code, e.g. `KEY_MISMATCH`.
    code: &'static str,
    /// `"info"`, `"warning"` or `"error"`.
    severity: &'static str,
    /// Index of the certificate in the bundle it is about, if any.
    certificate: Option<usize>,
    /// Subject of that certificate, if any.
    subject: Option<String>,
    /// What is wrong.
    message: String,
    /// What to do about it.
    fix: String,
}

#[pymethods]
impl Finding {
    fn __repr__(&self) -> String {
        format!("<Finding {} {}: {}>", self.severity, self.code, self.message)
    }
    fn __str__(&self) -> String {
        format!("{} {}: {}", self.severity, self.code, self.message)
    }
}

impl Finding {
    /// Converts the core's finding.
    pub fn from_core(f: tlsguard::Finding) -> Self {
        Self {
            code: f.code.as_str(),
            severity: f.severity.as_str(),
            certificate: f.certificate,
            subject: f.subject,
            message: f.message,
            fix: f.fix,
        }
    }
}

/// Lints a PEM bundle (leaf first, then intermediates). `options` has the core's names (`key`,
/// `hostnames`, `warn_days`); `at` is a datetime or Unix seconds.
#[pyfunction]
#[pyo3(signature = (bundle, options=None, at=None))]
pub fn lint(
    py: Python<'_>,
    bundle: &Bound<'_, PyAny>,
    options: Option<&Bound<'_, PyAny>>,
    at: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<Finding>> {
    let data = convert::data("bundle", bundle)?;
    let opts = LintOptions::from_json(&convert::options_json(options, at)?).py()?;
    let findings = crate::errors::run(py, move || tlsguard::lint(&data, &opts))?;
    Ok(findings.into_iter().map(Finding::from_core).collect())
}
