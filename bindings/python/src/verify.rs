//! `verify_chain`: offline verification with the client's verifier.

use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use tlsguard::VerifyOptions;

use crate::cert::{Certificate, certificate_list};
use crate::convert;
use crate::errors::{IntoPyResult, exception_instance, wrong_type};

/// The verdict on a chain.
#[pyclass(module = "tlsguard._native", name = "ChainReport", frozen, get_all)]
pub struct ChainReport {
    /// Whether the chain verified.
    ok: bool,
    /// The refusal as an (unraised) `TlsGuardError`, or None.
    error: Option<Py<PyAny>>,
    /// The verified path, leaf first, without the trust anchor.
    path: Vec<Certificate>,
    /// The chain as given.
    presented: Vec<Certificate>,
    /// The validation time (aware UTC datetime).
    at: Py<PyAny>,
    /// What was accepted but should be fixed.
    warnings: Vec<String>,
}

#[pymethods]
impl ChainReport {
    /// Raises `error` if the chain was refused.
    fn raise_for_error(&self, py: Python<'_>) -> PyResult<()> {
        match &self.error {
            Some(e) => Err(PyErr::from_value(e.bind(py).clone())),
            None => Ok(()),
        }
    }
    fn __repr__(&self, py: Python<'_>) -> String {
        match &self.error {
            None => format!("<ChainReport ok path={}>", self.path.len()),
            Some(e) => format!("<ChainReport refused: {}>", e.bind(py)),
        }
    }
}

/// A chain: PEM text/bytes or one DER certificate, or a sequence of `Certificate`s.
enum Chain {
    Data(Vec<u8>),
    Ders(Vec<Vec<u8>>),
}

fn chain_input(obj: &Bound<'_, PyAny>) -> PyResult<Chain> {
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut ders = Vec::new();
        for item in obj.try_iter()? {
            let item = item?;
            match item.cast::<Certificate>() {
                Ok(c) => ders.push(c.get().der_bytes().to_vec()),
                Err(_) => return Err(wrong_type("chain item", "Certificate", &item)),
            }
        }
        return Ok(Chain::Ders(ders));
    }
    if let Ok(c) = obj.cast::<Certificate>() {
        return Ok(Chain::Ders(vec![c.get().der_bytes().to_vec()]));
    }
    convert::data("chain", obj).map(Chain::Data)
}

/// Verifies `chain` (leaf first). `options` has the core's names (`hostname`, `roots`,
/// `ca_file`, `ca_pem`, `pins`, `crls`, `use_env`, `purpose`, `max_chain_depth`,
/// `fetch_missing_intermediates`, `aia_allow_private`); `at` is a datetime or Unix seconds.
#[pyfunction]
#[pyo3(signature = (chain, options=None, at=None))]
pub fn verify_chain(
    py: Python<'_>,
    chain: &Bound<'_, PyAny>,
    options: Option<&Bound<'_, PyAny>>,
    at: Option<&Bound<'_, PyAny>>,
) -> PyResult<ChainReport> {
    let chain = chain_input(chain)?;
    let opts = VerifyOptions::from_json(&convert::options_json(options, at)?).py()?;
    let report = crate::errors::run(py, move || match &chain {
        Chain::Data(data) => tlsguard::verify_chain(data, &opts),
        Chain::Ders(ders) => tlsguard::verify_chain_der(&ders.iter().map(Vec::as_slice).collect::<Vec<_>>(), &opts),
    })?;
    chain_report(py, report)
}

/// `tlsguard::Verifier`: the trust loaded once, then `verify(chain, hostname, at)` per chain.
#[pyclass(module = "tlsguard._native", name = "Verifier", frozen)]
pub struct Verifier(tlsguard::Verifier);

#[pymethods]
impl Verifier {
    /// `options`: `verify_chain`'s, without `hostname` and `at` (arguments of `verify`).
    #[new]
    #[pyo3(signature = (options=None))]
    fn new(py: Python<'_>, options: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let json = convert::options_json(options, None)?;
        Ok(Verifier(crate::errors::run(py, move || tlsguard::Verifier::from_json(&json))?))
    }

    /// Verifies `chain` (leaf first) for `hostname` (not checked when None) at `at` (a
    /// datetime or Unix seconds; default now).
    #[pyo3(signature = (chain, hostname=None, at=None))]
    fn verify(
        &self,
        py: Python<'_>,
        chain: &Bound<'_, PyAny>,
        hostname: Option<String>,
        at: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<ChainReport> {
        let chain = chain_input(chain)?;
        let at = match at.filter(|a| !a.is_none()) {
            Some(a) => Some(convert::unix_time("at", a)?),
            None => None,
        };
        let v = &self.0;
        let host = hostname.as_deref();
        let report = crate::errors::run(py, move || match &chain {
            Chain::Data(data) => v.verify(data, host, at),
            Chain::Ders(ders) => v.verify_der(&ders.iter().map(Vec::as_slice).collect::<Vec<_>>(), host, at),
        })?;
        chain_report(py, report)
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.0)
    }
}

fn chain_report(py: Python<'_>, report: tlsguard::ChainReport) -> PyResult<ChainReport> {
    let error = match &report.error {
        Some(e) => Some(exception_instance(py, e)?.unbind()),
        None => None,
    };
    Ok(ChainReport {
        ok: report.ok,
        error,
        path: certificate_list(report.path),
        presented: certificate_list(report.presented),
        at: convert::datetime(py, report.at)?.unbind(),
        warnings: report.warnings,
    })
}
