//! `StreamedResponse`: the head of a streamed response (`Client.stream()`) and its body, read as
//! it arrives through the core's `BodyPump`, with the GIL released while waiting (Ctrl-C
//! interrupts a wait).

use std::sync::Arc;

use bytes::Bytes;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::client::wait_for;
use crate::errors::{IntoPyResult, invalid};
use crate::response::{HeadRef, Headers};

/// The largest piece iteration yields without a `chunk_size`.
const GATHER: usize = 256 * 1024;

/// A response whose body has not been read: iterate it (`for chunk in r`, `iter_bytes()`),
/// `read()` it, or `close()` it (the connection is closed unless the body was read to its end).
#[pyclass(module = "tlsguard._native", name = "StreamedResponse")]
pub struct StreamedResponse {
    head: Arc<tlsguard::ResponseHead>,
    body: Option<tlsguard::BodyPump>,
    pending: Bytes,
    /// `iter_bytes(chunk_size)`: the size of the pieces iteration yields (0: as they arrive).
    chunk_size: usize,
    headers: Option<Py<Headers>>,
    /// A failure met while gathering, raised once the bytes before it have been taken.
    failed: Option<tlsguard::Error>,
}

impl StreamedResponse {
    pub(crate) fn new(head: tlsguard::ResponseHead, body: tlsguard::BodyPump) -> Self {
        StreamedResponse {
            head: Arc::new(head),
            body: Some(body),
            pending: Bytes::new(),
            chunk_size: 0,
            headers: None,
            failed: None,
        }
    }

    /// The next piece of the body (at most `max` bytes; 0: up to [`GATHER`]): what is pending,
    /// else the next chunk and whatever else has already arrived; `None` at the end.
    fn next_piece(&mut self, py: Python<'_>, max: usize) -> PyResult<Option<Bytes>> {
        let max = if max == 0 { GATHER } else { max };
        if self.pending.len() < max
            && let Some(body) = self.body.as_mut()
        {
            // Gather what is ready now (no waiting): fewer, larger pieces cost fewer GIL
            // hand-offs and thread wake-ups than one per network read.
            let mut gathered: Option<bytes::BytesMut> = None;
            while self.pending.len() + gathered.as_ref().map_or(0, |g| g.len()) < max {
                match body.try_chunk() {
                    Some(Ok(Some(b))) => {
                        let g = gathered.get_or_insert_with(|| {
                            let mut g = bytes::BytesMut::with_capacity(max);
                            g.extend_from_slice(&self.pending);
                            g
                        });
                        g.extend_from_slice(&b);
                    }
                    Some(Ok(None)) => {
                        self.body = None;
                        break;
                    }
                    Some(Err(e)) if self.pending.is_empty() && gathered.is_none() => {
                        self.body = None;
                        return Err(e).py();
                    }
                    // An error after some bytes: those bytes first; the next call raises it.
                    Some(Err(e)) => {
                        self.body = None;
                        self.failed = Some(e);
                        break;
                    }
                    None => break,
                }
            }
            if let Some(g) = gathered {
                self.pending = g.freeze();
            }
        }
        while self.pending.is_empty() {
            if let Some(e) = self.failed.take() {
                return Err(e).py();
            }
            let Some(body) = self.body.as_mut() else { return Ok(None) };
            match wait_for(py, |done| body.pull(done)) {
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
        let n = max.min(self.pending.len());
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
        self.body.is_none() && self.pending.is_empty() && self.failed.is_none()
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
        self.failed = None;
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
