//! `trust_report`: what a trust configuration loads.

use pyo3::prelude::*;

use crate::convert;
use crate::errors::IntoPyResult;

/// One source of trust anchors and what it gave.
#[pyclass(module = "tlsguard._native", name = "TrustSource", frozen, get_all)]
pub struct TrustSource {
    kind: String,
    location: String,
    loaded: usize,
    skipped: usize,
    skipped_reasons: Vec<String>,
}

#[pymethods]
impl TrustSource {
    fn __repr__(&self) -> String {
        format!("<TrustSource {} ({}): {} roots, {} skipped>", self.kind, self.location, self.loaded, self.skipped)
    }
}

/// What a trust configuration loaded.
#[pyclass(module = "tlsguard._native", name = "TrustReport", frozen)]
pub struct TrustReport {
    inner: tlsguard::TrustReport,
}

impl TrustReport {
    /// Wraps the core's report.
    pub fn from_core(r: &tlsguard::TrustReport) -> Self {
        Self { inner: r.clone() }
    }
}

#[pymethods]
impl TrustReport {
    #[getter]
    fn roots(&self) -> &str {
        &self.inner.roots
    }
    #[getter]
    fn sources(&self) -> Vec<TrustSource> {
        self.inner
            .sources
            .iter()
            .map(|s| TrustSource {
                kind: s.kind.clone(),
                location: s.location.clone(),
                loaded: s.loaded,
                skipped: s.skipped,
                skipped_reasons: s.skipped_reasons.clone(),
            })
            .collect()
    }
    #[getter]
    fn total(&self) -> usize {
        self.inner.total
    }
    #[getter]
    fn pins(&self) -> usize {
        self.inner.pins
    }
    #[getter]
    fn crls(&self) -> usize {
        self.inner.crls
    }
    #[getter]
    fn pin_only(&self) -> bool {
        self.inner.pin_only
    }
    /// What the caller may not expect: an out-of-date CRL, `SSL_CERT_FILE` not used, ...
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.inner.warnings.clone()
    }
    /// One line per source.
    fn summary_lines(&self) -> Vec<String> {
        self.inner.summary_lines()
    }
    fn __repr__(&self) -> String {
        format!("<TrustReport roots={} total={}>", self.inner.roots, self.inner.total)
    }
}

/// The trust report for the trust options in `options` (`roots`, `ca_file`, `ca_pem`, `pins`,
/// `crls`, `use_env`).
#[pyfunction]
#[pyo3(signature = (options=None))]
pub fn trust_report(py: Python<'_>, options: Option<&Bound<'_, PyAny>>) -> PyResult<TrustReport> {
    let trust = tlsguard::options::trust_options_from_json(&convert::options_json(options, None)?).py()?;
    let report = crate::errors::run(py, move || tlsguard::trust_report(&trust))?;
    Ok(TrustReport { inner: report })
}
