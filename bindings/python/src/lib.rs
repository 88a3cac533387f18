//! `tlsguard._native`: the PyO3 glue of tlsguard's Python package.
//!
//! It converts arguments, results and errors; every behaviour lives in the core crate
//! `tlsguard`. The public Python API is the facade in `python/src/tlsguard/__init__.py`.

use pyo3::prelude::*;

mod asyncio;
mod cert;
mod client;
mod convert;
mod errors;
mod inspect;
mod lint;
mod response;
mod stream;
mod trust;
mod upload;
mod verify;

/// The core's client defaults by option name (`ClientOptions::defaults_json`), for the test
/// that compares the facade's signature with them.
#[pyfunction]
fn _client_defaults(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    convert::from_json(py, &tlsguard::ClientOptions::defaults_json())
}

#[pymodule]
#[pyo3(name = "_native")]
fn tlsguard_py(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // TLSGUARD_LOG=debug: the core's debug log on stderr.
    tlsguard::log::init_from_env();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DECODED_CODINGS", tlsguard::DECODED_CODINGS.to_vec())?;
    m.add_class::<cert::Certificate>()?;
    m.add_class::<client::Client>()?;
    m.add_class::<response::Response>()?;
    m.add_class::<response::Headers>()?;
    m.add_class::<response::Request>()?;
    m.add_class::<stream::StreamedResponse>()?;
    m.add_class::<stream::TextIter>()?;
    m.add_class::<stream::AsyncStream>()?;
    m.add_class::<asyncio::Notifier>()?;
    m.add_class::<trust::TrustReport>()?;
    m.add_class::<trust::TrustSource>()?;
    m.add_class::<verify::ChainReport>()?;
    m.add_class::<verify::Verifier>()?;
    m.add_class::<lint::Finding>()?;
    m.add_class::<inspect::ServerReport>()?;
    m.add_class::<inspect::AuditReport>()?;
    m.add_class::<inspect::ProtocolSupport>()?;
    m.add_class::<inspect::SuiteSupport>()?;
    m.add_function(wrap_pyfunction!(cert::load_certificates, m)?)?;
    m.add_function(wrap_pyfunction!(verify::verify_chain, m)?)?;
    m.add_function(wrap_pyfunction!(trust::trust_report, m)?)?;
    m.add_function(wrap_pyfunction!(lint::lint, m)?)?;
    m.add_function(wrap_pyfunction!(inspect::inspect, m)?)?;
    m.add_function(wrap_pyfunction!(errors::_exception_for_code, m)?)?;
    m.add_function(wrap_pyfunction!(errors::_codes, m)?)?;
    m.add_function(wrap_pyfunction!(errors::_panic_for_test, m)?)?;
    m.add_function(wrap_pyfunction!(_client_defaults, m)?)?;
    Ok(())
}
