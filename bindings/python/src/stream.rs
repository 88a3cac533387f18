//! `StreamedResponse`: the core's `StreamedResponse` (`Client.stream()`), its body read as it
//! arrives with the GIL released (Ctrl-C interrupts a wait).

use std::sync::Arc;

use bytes::Bytes;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::client::wait_interruptibly;
use crate::errors::invalid;
use crate::response::{HeadRef, Headers};

/// A response whose body has not been read: iterate it (`for chunk in r`, `iter_bytes()`),
/// `read()` it, or `close()` it (the connection is closed unless the body was read to its end).
#[pyclass(module = "tlsguard._native", name = "StreamedResponse")]
pub struct StreamedResponse {
    head: Arc<tlsguard::ResponseHead>,
    body: Option<tlsguard::BodyStream>,
    pending: Bytes,
    /// `iter_bytes(chunk_size)`: the size of the pieces iteration yields (0: as they arrive).
    chunk_size: usize,
    headers: Option<Py<Headers>>,
}

impl StreamedResponse {
    pub(crate) fn new(r: tlsguard::StreamedResponse) -> Self {
        let (head, body) = r.into_parts();
        StreamedResponse { head: Arc::new(head), body: Some(body), pending: Bytes::new(), chunk_size: 0, headers: None }
    }

    /// The next piece of the body: what is pending, else the next chunk; `None` at the end.
    fn next_piece(&mut self, py: Python<'_>, max: usize) -> PyResult<Option<Bytes>> {
        while self.pending.is_empty() {
            let Some(body) = self.body.as_mut() else { return Ok(None) };
            match wait_interruptibly(py, body.chunk()) {
                Ok(Some(b)) => self.pending = b,
                Ok(None) => {
                    self.body = None;
                    return Ok(None);
                }
                Err(e) => {
                    self.body = None;
                    return Err(e);
                }
            }
        }
        let n = if max == 0 { self.pending.len() } else { max.min(self.pending.len()) };
        Ok(Some(self.pending.split_to(n)))
    }
}

#[pymethods]
impl StreamedResponse {
    #[getter]
    fn status_code(&self) -> u16 {
        self.head.status()
    }
    /// The canonical reason phrase (`"OK"`), empty if unknown.
    #[getter]
    fn reason(&self) -> &str {
        self.head.reason()
    }
    /// The final URL, after redirects.
    #[getter]
    fn url(&self) -> &str {
        self.head.url()
    }
    #[getter]
    fn http_version(&self) -> &str {
        self.head.http_version()
    }
    /// Response headers (case-insensitive; `get_all` for every value).
    #[getter]
    fn headers(&mut self, py: Python<'_>) -> PyResult<Py<Headers>> {
        if let Some(h) = &self.headers {
            return Ok(h.clone_ref(py));
        }
        let h = Py::new(py, Headers::new(HeadRef::Head(self.head.clone())))?;
        self.headers = Some(h.clone_ref(py));
        Ok(h)
    }
    /// Whether the whole body has been read (or the response closed).
    #[getter]
    fn is_closed(&self) -> bool {
        self.body.is_none() && self.pending.is_empty()
    }
    /// Up to `size` bytes of the decoded body (`-1`: the rest); `b""` at its end.
    #[pyo3(signature = (size=-1))]
    fn read<'py>(&mut self, py: Python<'py>, size: isize) -> PyResult<Bound<'py, PyBytes>> {
        if size == 0 {
            return Ok(PyBytes::new(py, b""));
        }
        if size > 0 {
            let piece = self.next_piece(py, size as usize)?.unwrap_or_default();
            return Ok(PyBytes::new(py, &piece));
        }
        let mut out = Vec::new();
        while let Some(piece) = self.next_piece(py, 0)? {
            out.extend_from_slice(&piece);
        }
        Ok(PyBytes::new(py, &out))
    }
    /// Iterates the body: chunks as they arrive, or pieces of at most `chunk_size` bytes.
    #[pyo3(signature = (chunk_size=None))]
    fn iter_bytes(mut slf: PyRefMut<'_, Self>, chunk_size: Option<usize>) -> PyResult<PyRefMut<'_, Self>> {
        if chunk_size == Some(0) {
            return Err(invalid("chunk_size must be a positive number of bytes"));
        }
        slf.chunk_size = chunk_size.unwrap_or(0);
        Ok(slf)
    }
    fn __iter__(slf: PyRefMut<'_, Self>) -> PyRefMut<'_, Self> {
        slf
    }
    fn __next__<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyBytes>>> {
        let max = self.chunk_size;
        Ok(self.next_piece(py, max)?.map(|b| PyBytes::new(py, &b)))
    }
    /// Stops reading: the connection is closed unless the body was read to its end.
    fn close(&mut self) {
        self.body = None;
        self.pending = Bytes::new();
    }
    fn __enter__(slf: PyRefMut<'_, Self>) -> PyRefMut<'_, Self> {
        slf
    }
    #[pyo3(signature = (*_exc))]
    fn __exit__(&mut self, _exc: &Bound<'_, pyo3::types::PyTuple>) {
        self.close();
    }
    fn __repr__(&self) -> String {
        format!("<StreamedResponse [{}]>", self.head.status())
    }
}
