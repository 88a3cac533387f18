//! `inspect`: connect to a live server and report what it presents and negotiates.

use pyo3::prelude::*;
use tlsguard::InspectOptions;

use crate::cert::{Certificate, certificate_list};
use crate::convert;
use crate::errors::{IntoPyResult, exception_instance};
use crate::lint::Finding;

/// One protocol version and whether the server accepts it.
#[pyclass(module = "tlsguard._native", name = "ProtocolSupport", frozen, get_all)]
pub struct ProtocolSupport {
    version: String,
    accepted: bool,
    detail: String,
}

/// One category of legacy cipher suites and whether the server accepts it.
#[pyclass(module = "tlsguard._native", name = "SuiteSupport", frozen, get_all)]
pub struct SuiteSupport {
    category: String,
    accepted: bool,
    suite: Option<String>,
    probed_with: Option<String>,
    detail: String,
}

/// Which TLS versions and legacy suites the server accepts.
#[pyclass(module = "tlsguard._native", name = "AuditReport", frozen, get_all)]
pub struct AuditReport {
    versions: Vec<Py<ProtocolSupport>>,
    legacy_suites: Vec<Py<SuiteSupport>>,
}

/// What `inspect` found.
#[pyclass(module = "tlsguard._native", name = "ServerReport", frozen, get_all)]
pub struct ServerReport {
    host: String,
    port: u16,
    address: String,
    tls_version: Option<String>,
    cipher_suite: Option<String>,
    alpn: Option<String>,
    chain: Vec<Certificate>,
    /// None if the chain verified, else the (unraised) error a request would raise.
    verdict: Option<Py<PyAny>>,
    verified: bool,
    chain_complete: bool,
    chain_ordered: bool,
    ocsp_stapled: bool,
    http_status: Option<u16>,
    http_version: Option<String>,
    hsts: Option<String>,
    insecure_cookies: Vec<String>,
    http_error: Option<Py<PyAny>>,
    leaf_days_remaining: Option<i64>,
    soonest_expiry: Option<(String, i64)>,
    lint: Vec<Py<Finding>>,
    audit: Option<Py<AuditReport>>,
}

#[pymethods]
impl ServerReport {
    fn __repr__(&self) -> String {
        format!(
            "<ServerReport {} {} {}>",
            self.address,
            self.tls_version.as_deref().unwrap_or("-"),
            if self.verified { "verified" } else { "refused" }
        )
    }
}

fn error_object(py: Python<'_>, e: Option<&tlsguard::Error>) -> PyResult<Option<Py<PyAny>>> {
    e.map(|e| exception_instance(py, e).map(Bound::unbind)).transpose()
}

/// Inspects `host` (DNS name or IP, no port or scheme). `options` has the core's names
/// (`port`, `audit`, `http_request`, `path`, `timeout`, `connect_timeout`, the trust options,
/// `client_cert`/`client_key`/`client_key_password`). The GIL is released meanwhile.
#[pyfunction]
#[pyo3(signature = (host, options=None))]
pub fn inspect(py: Python<'_>, host: String, options: Option<&Bound<'_, PyAny>>) -> PyResult<ServerReport> {
    let opts = InspectOptions::from_json(&convert::options_json(options, None)?).py()?;
    let r = crate::errors::run(py, move || tlsguard::inspect(&host, &opts))?;
    let audit = match r.audit {
        Some(a) => Some(Py::new(
            py,
            AuditReport {
                versions: a
                    .versions
                    .into_iter()
                    .map(|v| {
                        Py::new(
                            py,
                            ProtocolSupport {
                                version: v.version.as_str().to_owned(),
                                accepted: v.accepted,
                                detail: v.detail,
                            },
                        )
                    })
                    .collect::<PyResult<_>>()?,
                legacy_suites: a
                    .legacy_suites
                    .into_iter()
                    .map(|s| {
                        Py::new(
                            py,
                            SuiteSupport {
                                category: s.category,
                                accepted: s.accepted,
                                suite: s.suite,
                                probed_with: s.probed_with.map(|v| v.as_str().to_owned()),
                                detail: s.detail,
                            },
                        )
                    })
                    .collect::<PyResult<_>>()?,
            },
        )?),
        None => None,
    };
    Ok(ServerReport {
        verified: r.verdict.is_none(),
        verdict: error_object(py, r.verdict.as_ref())?,
        http_error: error_object(py, r.http_error.as_ref())?,
        host: r.host,
        port: r.port,
        address: r.address,
        tls_version: r.tls_version.map(|v| v.as_str().to_owned()),
        cipher_suite: r.cipher_suite,
        alpn: r.alpn,
        chain: certificate_list(r.chain),
        chain_complete: r.chain_complete,
        chain_ordered: r.chain_ordered,
        ocsp_stapled: r.ocsp_stapled,
        http_status: r.http_status,
        http_version: r.http_version,
        hsts: r.hsts,
        insecure_cookies: r.insecure_cookies,
        leaf_days_remaining: r.leaf_days_remaining,
        soonest_expiry: r.soonest_expiry,
        lint: r.lint.into_iter().map(|f| Py::new(py, Finding::from_core(f))).collect::<PyResult<_>>()?,
        audit,
    })
}
