//! `Certificate` (the core's `tlsguard::Certificate`) and `load_certificates`.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};
use tlsguard::CertificateInfo;

use crate::convert;
use crate::errors::IntoPyResult;

/// A parsed X.509 certificate (immutable), compared and hashed by its DER: the core's
/// certificate, whose summary is built on first use.
#[pyclass(module = "tlsguard._native", name = "Certificate", frozen, eq, hash)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Certificate(tlsguard::Certificate);

impl From<tlsguard::Certificate> for Certificate {
    fn from(c: tlsguard::Certificate) -> Self {
        Self(c)
    }
}

impl Certificate {
    /// The certificate, DER.
    pub fn der_bytes(&self) -> &[u8] {
        self.0.der()
    }

    /// The summary.
    fn info(&self) -> &CertificateInfo {
        self.0.info()
    }
}

/// Certificates as a Python list.
pub fn certificate_list(certs: impl IntoIterator<Item = tlsguard::Certificate>) -> Vec<Certificate> {
    certs.into_iter().map(Certificate).collect()
}

#[pymethods]
impl Certificate {
    /// Parses the first certificate of PEM text (or DER bytes).
    #[staticmethod]
    fn from_pem(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        // Checked now (same errors as a full parse), summarised on first attribute access.
        parse(py, data, tlsguard::Certificate::from_pem).map(Self)
    }

    /// Parses one DER certificate.
    #[staticmethod]
    fn from_der(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        parse(py, data, tlsguard::Certificate::from_der).map(Self)
    }

    #[getter]
    fn subject(&self) -> &str {
        &self.info().subject
    }
    #[getter]
    fn issuer(&self) -> &str {
        &self.info().issuer
    }
    #[getter]
    fn subject_cn(&self) -> Option<&str> {
        self.info().subject_cn.as_deref()
    }
    #[getter]
    fn issuer_cn(&self) -> Option<&str> {
        self.info().issuer_cn.as_deref()
    }
    #[getter]
    fn serial(&self) -> &str {
        &self.info().serial
    }
    #[getter]
    fn not_before<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::datetime(py, self.info().not_before)
    }
    #[getter]
    fn not_after<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::datetime(py, self.info().not_after)
    }
    #[getter]
    fn dns_names(&self) -> Vec<String> {
        self.info().dns_names.clone()
    }
    #[getter]
    fn ip_addresses(&self) -> Vec<String> {
        self.info().ip_addresses.clone()
    }
    #[getter]
    fn emails(&self) -> Vec<String> {
        self.info().emails.clone()
    }
    #[getter]
    fn has_san(&self) -> bool {
        self.info().has_san
    }
    #[getter]
    fn is_ca(&self) -> bool {
        self.info().is_ca
    }
    #[getter]
    fn path_len(&self) -> Option<u32> {
        self.info().path_len
    }
    #[getter]
    fn key_usage(&self) -> Vec<String> {
        self.info().key_usage.clone()
    }
    #[getter]
    fn extended_key_usage(&self) -> Vec<String> {
        self.info().extended_key_usage.clone()
    }
    #[getter]
    fn key_type(&self) -> &str {
        self.info().key_type.as_str()
    }
    #[getter]
    fn key_bits(&self) -> u32 {
        self.info().key_bits
    }
    #[getter]
    fn curve(&self) -> Option<&str> {
        self.info().curve.as_deref()
    }
    #[getter]
    fn signature_algorithm(&self) -> &str {
        &self.info().signature_algorithm
    }
    #[getter]
    fn self_signed(&self) -> bool {
        self.info().self_signed
    }
    #[getter]
    fn fingerprint_sha256(&self) -> &str {
        &self.info().fingerprint_sha256
    }
    #[getter]
    fn spki_pin(&self) -> &str {
        &self.info().spki_pin
    }
    #[getter]
    fn ocsp_urls(&self) -> Vec<String> {
        self.info().ocsp_urls.clone()
    }
    #[getter]
    fn ca_issuer_urls(&self) -> Vec<String> {
        self.info().ca_issuer_urls.clone()
    }
    #[getter]
    fn crl_urls(&self) -> Vec<String> {
        self.info().crl_urls.clone()
    }
    #[getter]
    fn sct_count(&self) -> u32 {
        self.info().sct_count
    }
    /// The name used for this certificate in messages.
    #[getter]
    fn display_name(&self) -> String {
        self.info().display_name()
    }
    /// The certificate, DER.
    #[getter]
    fn der<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.der_bytes())
    }
    /// The certificate as PEM text.
    #[getter]
    fn pem(&self) -> String {
        self.0.to_pem()
    }
    /// SHA-1/MD5 signature or short RSA key: what is weak, else None.
    fn weakness(&self) -> Option<String> {
        self.info().weakness()
    }
    /// Whole days until notAfter (negative once expired), counted from `at` (default now).
    #[pyo3(signature = (at=None))]
    fn days_remaining(&self, at: Option<&Bound<'_, PyAny>>) -> PyResult<i64> {
        let now = match at {
            Some(t) => convert::unix_time("at", t)?,
            None => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0),
        };
        Ok(self.info().days_remaining(now))
    }
    fn __repr__(&self) -> String {
        format!("<Certificate {:?} issuer={:?}>", self.info().subject, self.info().issuer)
    }
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let py = slf.py();
        let ctor = py.get_type::<Certificate>().getattr("from_der")?;
        let args = PyTuple::new(py, [PyBytes::new(py, slf.get().der_bytes())])?;
        Ok((ctor, args))
    }
}

/// Parses every certificate of a PEM bundle (or one DER certificate).
#[pyfunction]
pub fn load_certificates(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Vec<Certificate>> {
    parse(py, data, tlsguard::parse_certificates).map(certificate_list)
}

/// Runs the core parser `f` on `data` (bytes borrowed, not copied); without the GIL only for
/// large input (see [`convert::DETACH_INPUT_BYTES`]).
fn parse<T: Send>(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    f: impl Fn(&[u8]) -> tlsguard::Result<T> + Sync,
) -> PyResult<T> {
    convert::with_data("data", data, |bytes| {
        if bytes.len() >= convert::DETACH_INPUT_BYTES {
            crate::errors::run(py, || f(bytes))
        } else {
            crate::errors::catch(|| f(bytes)).py()
        }
    })?
}
