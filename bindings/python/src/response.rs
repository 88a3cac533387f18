//! `Response` and `Headers`: the core's response.

use std::sync::Arc;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyList, PyString};

use crate::cert::Certificate;
use crate::convert;
use crate::errors::IntoPyResult;

/// Bodies at least this large are parsed (JSON) without the GIL.
const DETACH_BODY_BYTES: usize = 256 * 1024;
/// A complete response. What is converted for Python is converted on first use and kept.
#[pyclass(module = "tlsguard._native", name = "Response", frozen)]
pub struct Response {
    inner: Arc<tlsguard::Response>,
    content: PyOnceLock<Py<PyBytes>>,
    headers: PyOnceLock<Py<Headers>>,
    peer_certificates: PyOnceLock<Py<PyList>>,
}

impl Response {
    pub(crate) fn new(response: tlsguard::Response) -> Self {
        Self {
            inner: Arc::new(response),
            content: PyOnceLock::new(),
            headers: PyOnceLock::new(),
            peer_certificates: PyOnceLock::new(),
        }
    }
}

/// `s` as a Python string, interned when it is one of `known` (spares an allocation per use).
fn known_str<'py>(py: Python<'py>, s: &str) -> Bound<'py, PyString> {
    match s {
        "HTTP/1.1" => intern!(py, "HTTP/1.1").clone(),
        "HTTP/2" => intern!(py, "HTTP/2").clone(),
        "TLSv1.3" => intern!(py, "TLSv1.3").clone(),
        "TLSv1.2" => intern!(py, "TLSv1.2").clone(),
        "h2" => intern!(py, "h2").clone(),
        "http/1.1" => intern!(py, "http/1.1").clone(),
        other => PyString::new(py, other),
    }
}

#[pymethods]
impl Response {
    #[getter]
    fn status_code(&self) -> u16 {
        self.inner.status()
    }
    /// The canonical reason phrase (`"OK"`, `"Not Found"`), empty if unknown.
    #[getter]
    fn reason(&self) -> &str {
        self.inner.reason()
    }
    #[getter]
    fn headers(&self, py: Python<'_>) -> PyResult<Py<Headers>> {
        self.headers
            .get_or_try_init(py, || Py::new(py, Headers { inner: HeadRef::Full(self.inner.clone()) }))
            .map(|h| h.clone_ref(py))
    }
    /// The decoded body (one `bytes` object, made on first use).
    #[getter]
    fn content(&self, py: Python<'_>) -> Py<PyBytes> {
        self.content.get_or_init(py, || PyBytes::new(py, self.inner.body()).unbind()).clone_ref(py)
    }
    /// The body as text (UTF-8, invalid sequences replaced).
    #[getter]
    fn text<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        // As the core's `Response::text`, without its intermediate copy of valid UTF-8.
        PyString::new(py, &String::from_utf8_lossy(self.inner.body()))
    }
    /// The body parsed as JSON (`HTTPProtocolError` if it is not JSON).
    fn json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let inner = &self.inner;
        let v = if inner.body().len() >= DETACH_BODY_BYTES { py.detach(|| inner.json()) } else { inner.json() };
        convert::from_json(py, &v.py()?)
    }
    /// The final URL, after redirects.
    #[getter]
    fn url(&self) -> &str {
        self.inner.url()
    }
    #[getter]
    fn redirects(&self) -> u32 {
        self.inner.redirects()
    }
    /// `"HTTP/1.1"` or `"HTTP/2"`.
    #[getter]
    fn http_version<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        known_str(py, self.inner.http_version())
    }
    /// `"TLSv1.2"` or `"TLSv1.3"` (None for http://).
    #[getter]
    fn tls_version<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyString>> {
        self.inner.tls().map(|t| known_str(py, t.version.as_str()))
    }
    #[getter]
    fn cipher_suite(&self) -> Option<&str> {
        self.inner.tls().map(|t| t.cipher_suite.as_str())
    }
    #[getter]
    fn alpn<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyString>> {
        self.inner.tls().and_then(|t| t.alpn.as_deref()).map(|a| known_str(py, a))
    }
    /// What was accepted but is wrong on the server's side.
    #[getter]
    fn tls_warnings(&self) -> Vec<&str> {
        self.inner.tls().map(|t| t.warnings.iter().map(String::as_str).collect()).unwrap_or_default()
    }
    /// The server's certificates, leaf first (parsed on first use; a new list each time).
    #[getter]
    fn peer_certificates<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let all = self.peer_certificates.get_or_try_init(py, || {
            let certs = self.inner.peer_certificates().iter().cloned();
            PyList::new(py, certs.map(Certificate::from)).map(Bound::unbind)
        })?;
        Ok(all.bind(py).get_slice(0, usize::MAX))
    }
    /// Seconds from sending the request to having read the whole body.
    #[getter]
    fn elapsed(&self) -> f64 {
        self.inner.elapsed().as_secs_f64()
    }
    /// Whether the status is below 400.
    #[getter]
    fn ok(&self) -> bool {
        self.inner.status() < 400
    }
    /// Raises `HTTPStatusError` (an `HTTPProtocolError`, code `HTTP_STATUS`, from the core's
    /// `error_for_status`) for a 4xx/5xx status; returns the response otherwise.
    fn raise_for_status(slf: &Bound<'_, Self>) -> PyResult<Py<Self>> {
        let r = &slf.get().inner;
        match r.error_for_status() {
            Ok(()) => Ok(slf.clone().unbind()),
            Err(e) => {
                let err = crate::errors::exception_instance(slf.py(), &e)?;
                err.setattr("response", slf)?;
                err.setattr("status_code", r.status())?;
                Err(PyErr::from_value(err))
            }
        }
    }
    fn __repr__(&self) -> String {
        format!("<Response [{}]>", self.inner.status())
    }
}

/// Response headers: case-insensitive, every value kept (`get_all`). `headers[name]` is the
/// first value.
#[pyclass(module = "tlsguard._native", name = "Headers", frozen, mapping)]
pub struct Headers {
    inner: HeadRef,
}

/// The head whose headers a [`Headers`] shows: a whole response's or a streamed one's.
pub(crate) enum HeadRef {
    Full(Arc<tlsguard::Response>),
    Head(Arc<tlsguard::ResponseHead>),
}

impl std::ops::Deref for HeadRef {
    type Target = tlsguard::ResponseHead;
    fn deref(&self) -> &tlsguard::ResponseHead {
        match self {
            Self::Full(r) => r,
            Self::Head(h) => h,
        }
    }
}

impl Headers {
    pub(crate) fn new(inner: HeadRef) -> Self {
        Headers { inner }
    }

    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for (n, _) in self.inner.headers() {
            if !names.iter().any(|m| m.eq_ignore_ascii_case(n)) {
                names.push(n.clone());
            }
        }
        names
    }
}

#[pymethods]
impl Headers {
    fn __getitem__(&self, name: &str) -> PyResult<String> {
        self.inner.header(name).map(str::to_owned).ok_or_else(|| pyo3::exceptions::PyKeyError::new_err(name.to_owned()))
    }
    fn __contains__(&self, name: &Bound<'_, PyAny>) -> bool {
        name.extract::<String>().map(|n| self.inner.header(&n).is_some()).unwrap_or(false)
    }
    fn __len__(&self) -> usize {
        self.names().len()
    }
    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        PyList::new(py, self.names())?.try_iter().map(Bound::into_any)
    }
    /// The first value of `name`, or `default`.
    #[pyo3(signature = (name, default=None))]
    fn get(&self, py: Python<'_>, name: &str, default: Option<Py<PyAny>>) -> Py<PyAny> {
        match self.inner.header(name) {
            Some(v) => PyString::new(py, v).into_any().unbind(),
            None => default.unwrap_or_else(|| py.None()),
        }
    }
    /// Every value of `name`, in order (e.g. each Set-Cookie).
    fn get_all(&self, name: &str) -> Vec<String> {
        self.inner.header_all(name).into_iter().map(str::to_owned).collect()
    }
    /// The distinct names (lowercase), in order received.
    fn keys(&self) -> Vec<String> {
        self.names()
    }
    /// The first value of each name.
    fn values(&self) -> Vec<String> {
        self.names().iter().filter_map(|n| self.inner.header(n).map(str::to_owned)).collect()
    }
    /// `(name, first value)` per name; `multi_items()` has every pair.
    fn items(&self) -> Vec<(String, String)> {
        self.names().into_iter().filter_map(|n| self.inner.header(&n).map(|v| (n.clone(), v.to_owned()))).collect()
    }
    /// Every `(name, value)` pair in order received.
    fn multi_items(&self) -> Vec<(String, String)> {
        self.inner.headers().to_vec()
    }
    fn __repr__(&self) -> String {
        format!("Headers({:?})", self.inner.headers())
    }
}
