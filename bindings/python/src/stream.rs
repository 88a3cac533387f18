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

/// `#[pymethods] impl $ty { ... }` with the getters of the response head that
/// `StreamedResponse` and `AsyncStream` share (both hold it in `self.head`; pyo3 takes one
/// `#[pymethods]` block per class, so the shared ones are spliced in here).
macro_rules! with_head_getters {
    (impl $ty:ident { $($rest:tt)* }) => {
        #[pymethods]
        impl $ty {
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
            /// Whether the body is decoded from its `Content-Encoding` (as `Response.body_decoded`).
            #[getter]
            fn body_decoded(&self) -> bool {
                self.head.body_decoded()
            }
            /// The cookies this response set, name to value (as `Response.cookies`).
            #[getter]
            fn cookies<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
                crate::response::cookies_dict(py, &self.head)
            }
            /// `"TLSv1.2"` or `"TLSv1.3"` (as `Response.tls_version`).
            #[getter]
            fn tls_version(&self) -> Option<&str> {
                self.head.tls().map(|t| t.version.as_str())
            }
            #[getter]
            fn cipher_suite(&self) -> Option<&str> {
                self.head.tls().map(|t| t.cipher_suite.as_str())
            }
            #[getter]
            fn alpn(&self) -> Option<&str> {
                self.head.tls().and_then(|t| t.alpn.as_deref())
            }
            #[getter]
            fn tls_warnings(&self) -> Vec<&str> {
                self.head.tls().map(|t| t.warnings.iter().map(String::as_str).collect()).unwrap_or_default()
            }
            /// The server's certificates, leaf first.
            #[getter]
            fn peer_certificates(&self) -> Vec<crate::cert::Certificate> {
                self.head.peer_certificates().iter().cloned().map(crate::cert::Certificate::from).collect()
            }
            $($rest)*
        }
    };
}

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
    /// Whether the request asked for the body as sent (`decompress=False`): `iter_raw()`.
    raw: bool,
    /// `encoding` as set by the caller (`None`: from the charset).
    encoding: Option<String>,
}

impl StreamedResponse {
    pub(crate) fn new(head: tlsguard::ResponseHead, body: tlsguard::BodyPump, raw: bool) -> Self {
        StreamedResponse {
            head: Arc::new(head),
            body: Some(body),
            pending: Bytes::new(),
            chunk_size: 0,
            headers: None,
            failed: None,
            raw,
            encoding: None,
        }
    }

    /// A stream whose whole body is already here (a `MockTransport`'s answer to `stream()`).
    fn finished(head: tlsguard::ResponseHead, body: Bytes) -> Self {
        StreamedResponse {
            head: Arc::new(head),
            body: None,
            pending: body,
            chunk_size: 0,
            headers: None,
            failed: None,
            raw: false,
            encoding: None,
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

with_head_getters! {
impl StreamedResponse {
    /// A streamed response over a whole `Response` (how `stream()` through a `MockTransport`
    /// answers): its head, and its body read from memory.
    #[staticmethod]
    fn of(response: &Bound<'_, crate::response::Response>) -> Self {
        let (head, body) = response.get().parts();
        Self::finished(head, body)
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
        slf.chunk_size = positive(chunk_size)?;
        Ok(slf)
    }
    /// Iterates the body as the server sent it (still compressed): only for a stream opened
    /// with `decompress=False`, since the core decodes as it reads (httpx can switch per call).
    #[pyo3(signature = (chunk_size=None))]
    fn iter_raw(slf: PyRefMut<'_, Self>, chunk_size: Option<usize>) -> PyResult<PyRefMut<'_, Self>> {
        if !slf.raw {
            return Err(invalid(
                "iter_raw(): this stream is decoded as it is read; open it with client.stream(..., decompress=False) \
                 to read the bytes as the server sent them (or use iter_bytes() for the decoded body)",
            ));
        }
        Self::iter_bytes(slf, chunk_size)
    }
    /// Iterates the body as text, decoded with `encoding` as it arrives (`chunk_size`: bytes of
    /// body per piece at most).
    #[pyo3(signature = (chunk_size=None))]
    fn iter_text(slf: Bound<'_, Self>, chunk_size: Option<usize>) -> PyResult<TextIter> {
        TextIter::new(slf, positive(chunk_size)?, false)
    }
    /// Iterates the body's lines (split at `\n`, `\r\n` or `\r`, without them), as httpx's.
    fn iter_lines(slf: Bound<'_, Self>) -> PyResult<TextIter> {
        TextIter::new(slf, 0, true)
    }
    /// The encoding `iter_text()` uses (as `Response.encoding`); settable before iterating.
    #[getter]
    fn encoding(&self, py: Python<'_>) -> PyResult<String> {
        match &self.encoding {
            Some(e) => Ok(e.clone()),
            None => crate::response::charset_encoding(py, &self.head),
        }
    }
    #[setter]
    fn set_encoding(&mut self, py: Python<'_>, value: Option<String>) -> PyResult<()> {
        if let Some(v) = &value
            && !crate::response::known_codec(py, v)?
        {
            return Err(pyo3::exceptions::PyLookupError::new_err(format!("unknown encoding: {v}")));
        }
        self.encoding = value;
        Ok(())
    }
    /// Whether the status is below 400.
    #[getter]
    fn ok(&self) -> bool {
        self.head.status() < 400
    }
    /// 2xx.
    #[getter]
    fn is_success(&self) -> bool {
        (200..300).contains(&self.head.status())
    }
    /// 4xx or 5xx.
    #[getter]
    fn is_error(&self) -> bool {
        (400..600).contains(&self.head.status())
    }
    /// Raises `HTTPStatusError` for a 4xx/5xx status (the body is left unread).
    fn raise_for_status(slf: &Bound<'_, Self>) -> PyResult<Py<Self>> {
        match slf.borrow().head.error_for_status() {
            Ok(()) => Ok(slf.clone().unbind()),
            Err(e) => {
                let err = crate::errors::exception_instance(slf.py(), &e)?;
                err.setattr("status_code", slf.borrow().head.status())?;
                Err(PyErr::from_value(err))
            }
        }
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
}

/// A streamed response for asyncio (`AsyncClient.stream()`; the facade's
/// `AsyncStreamedResponse` wraps it): the head, and the body read through the core's
/// `BodyPump`, one `pull` at a time, each woken like a request by the loop's `Notifier`.
#[pyclass(module = "tlsguard._native", name = "AsyncStream", frozen)]
pub struct AsyncStream {
    head: Arc<tlsguard::ResponseHead>,
    body: std::sync::Mutex<Option<tlsguard::BodyPump>>,
    /// A failure met while gathering, raised by the next `ready()`.
    failed: std::sync::Mutex<Option<tlsguard::Error>>,
    raw: bool,
    headers: pyo3::sync::PyOnceLock<Py<Headers>>,
}

impl AsyncStream {
    pub(crate) fn new(head: tlsguard::ResponseHead, body: tlsguard::BodyPump, raw: bool) -> Self {
        AsyncStream {
            head: Arc::new(head),
            body: std::sync::Mutex::new(Some(body)),
            failed: std::sync::Mutex::new(None),
            raw,
            headers: pyo3::sync::PyOnceLock::new(),
        }
    }

    fn body(&self) -> std::sync::MutexGuard<'_, Option<tlsguard::BodyPump>> {
        self.body.lock().unwrap_or_else(|p| p.into_inner())
    }
}

with_head_getters! {
impl AsyncStream {
    /// The head of a whole `Response`, its body already read (the facade holds the bytes): how
    /// `AsyncClient.stream()` through a `MockTransport` answers.
    #[staticmethod]
    fn of(response: &Bound<'_, crate::response::Response>) -> Self {
        let (head, _) = response.get().parts();
        AsyncStream {
            head: Arc::new(head),
            body: std::sync::Mutex::new(None),
            failed: std::sync::Mutex::new(None),
            raw: false,
            headers: pyo3::sync::PyOnceLock::new(),
        }
    }
    #[getter]
    fn headers(&self, py: Python<'_>) -> PyResult<Py<Headers>> {
        self.headers
            .get_or_try_init(py, || Py::new(py, Headers::new(HeadRef::Head(self.head.clone()))))
            .map(|h| h.clone_ref(py))
    }
    /// Whether the request asked for the body as sent (`decompress=False`).
    #[getter]
    fn raw(&self) -> bool {
        self.raw
    }
    /// The encoding from the charset (as `Response.encoding`).
    #[getter]
    fn charset_encoding(&self, py: Python<'_>) -> PyResult<String> {
        crate::response::charset_encoding(py, &self.head)
    }
    /// What has already arrived (at most `max` bytes; 0: up to 256 KiB), without waiting:
    /// bytes, `b""` at the end, or `None` when the next chunk must be waited for (`pull`).
    #[pyo3(signature = (max=0))]
    fn ready<'py>(&self, py: Python<'py>, max: usize) -> PyResult<Option<Bound<'py, PyBytes>>> {
        if let Some(e) = self.failed.lock().unwrap_or_else(|p| p.into_inner()).take() {
            return Err(e).py();
        }
        let max = if max == 0 { GATHER } else { max };
        let mut body = self.body();
        let Some(pump) = body.as_ref() else { return Ok(Some(PyBytes::new(py, b""))) };
        let mut gathered = bytes::BytesMut::new();
        while gathered.len() < max {
            match pump.try_chunk() {
                Some(Ok(Some(b))) => gathered.extend_from_slice(&b),
                Some(Ok(None)) => {
                    *body = None;
                    return Ok(Some(PyBytes::new(py, &gathered)));
                }
                Some(Err(e)) if gathered.is_empty() => {
                    *body = None;
                    return Err(e).py();
                }
                Some(Err(e)) => {
                    *body = None;
                    *self.failed.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                    break;
                }
                None => break,
            }
        }
        Ok((!gathered.is_empty()).then(|| PyBytes::new(py, &gathered)))
    }
    /// Reads the next chunk for `event_loop`: `done` (a future of that loop) gets it, `b""` at
    /// the end. Returns the id for `notifier.cancel(id)`.
    fn pull(
        &self,
        notifier: &Bound<'_, crate::asyncio::Notifier>,
        event_loop: &Bound<'_, PyAny>,
        done: &Bound<'_, PyAny>,
    ) -> PyResult<u64> {
        let pump = self.body().clone();
        match pump {
            Some(pump) => crate::asyncio::Notifier::pull(notifier, event_loop, &pump, done),
            None => {
                done.call_method1("set_result", (PyBytes::new(done.py(), b""),))?;
                Ok(u64::MAX)
            }
        }
    }
    /// Stops reading: the connection is closed unless the body was read to its end.
    fn close(&self) {
        *self.body() = None;
    }
    /// Whether the body has been read to its end (or the response closed).
    #[getter]
    fn is_closed(&self) -> bool {
        self.body().is_none()
    }
    /// Raises `HTTPStatusError` for a 4xx/5xx status.
    fn raise_for_status(&self, py: Python<'_>) -> PyResult<()> {
        match self.head.error_for_status() {
            Ok(()) => Ok(()),
            Err(e) => {
                let err = crate::errors::exception_instance(py, &e)?;
                err.setattr("status_code", self.head.status())?;
                Err(PyErr::from_value(err))
            }
        }
    }
    fn __repr__(&self) -> String {
        format!("<AsyncStream [{}]>", self.head.status())
    }
}
}

/// `chunk_size` as the iterators take it (`None`: as the bytes arrive).
fn positive(chunk_size: Option<usize>) -> PyResult<usize> {
    if chunk_size == Some(0) {
        return Err(invalid("chunk_size must be a positive number of bytes"));
    }
    Ok(chunk_size.unwrap_or(0))
}

/// `iter_text()` / `iter_lines()` of a [`StreamedResponse`]: the body decoded as it arrives
/// with an incremental decoder of Python's codecs (a character split across chunks is kept for
/// the next one; undecodable bytes replaced).
#[pyclass(module = "tlsguard._native", name = "TextIterator")]
pub struct TextIter {
    stream: Py<StreamedResponse>,
    decoder: Py<PyAny>,
    chunk_size: usize,
    /// Lines mode: text not yet split (ends with an unfinished line, or a `\r` that may be
    /// the first half of `\r\n`), and lines split but not yet returned.
    lines: Option<(String, std::collections::VecDeque<String>)>,
    done: bool,
}

impl TextIter {
    fn new(stream: Bound<'_, StreamedResponse>, chunk_size: usize, lines: bool) -> PyResult<Self> {
        let py = stream.py();
        let encoding = StreamedResponse::encoding(&stream.borrow(), py)?;
        let decoder =
            py.import("codecs")?.call_method1("getincrementaldecoder", (encoding,))?.call1(("replace",))?.unbind();
        Ok(TextIter {
            stream: stream.unbind(),
            decoder,
            chunk_size,
            lines: lines.then(|| (String::new(), std::collections::VecDeque::new())),
            done: false,
        })
    }
}

/// Whether `c` ends a line for `str.splitlines()` (httpx's `iter_lines()` splits as it does).
fn is_line_end(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\x0b' | '\x0c' | '\x1c' | '\x1d' | '\x1e' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Moves the complete lines of `buf` to `out` (as `str.splitlines()`: `\r\n` is one end, the
/// ends are removed); at the end (`last`) what is left is the last line.
fn split_lines(buf: &mut String, out: &mut std::collections::VecDeque<String>, last: bool) {
    let mut start = 0;
    let mut chars = buf.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if !is_line_end(c) {
            continue;
        }
        let mut end = i + c.len_utf8();
        if c == '\r' {
            match chars.peek() {
                Some((_, '\n')) => {
                    chars.next();
                    end += 1;
                }
                None if !last => break, // maybe \r\n split across chunks: wait for the next one
                _ => {}
            }
        }
        out.push_back(buf[start..i].to_owned());
        start = end;
    }
    buf.drain(..start);
    if last && !buf.is_empty() {
        out.push_back(std::mem::take(buf));
    }
}

#[pymethods]
impl TextIter {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }
    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<String>> {
        loop {
            if let Some((_, ready)) = &mut self.lines
                && let Some(line) = ready.pop_front()
            {
                return Ok(Some(line));
            }
            if self.done {
                return Ok(None);
            }
            let piece = self.stream.bind(py).borrow_mut().next_piece(py, self.chunk_size)?;
            let decoder = self.decoder.bind(py);
            let text: String = match piece {
                Some(b) => decoder.call_method1("decode", (PyBytes::new(py, &b),))?.extract()?,
                None => {
                    self.done = true;
                    decoder.call_method1("decode", (PyBytes::new(py, b""), true))?.extract()?
                }
            };
            match &mut self.lines {
                Some((buf, ready)) => {
                    buf.push_str(&text);
                    split_lines(buf, ready, self.done);
                }
                None if !text.is_empty() => return Ok(Some(text)),
                None => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::split_lines;

    #[test]
    fn lines_split_at_universal_newlines_across_chunks() {
        let mut buf = String::new();
        let mut out = std::collections::VecDeque::new();
        for (chunk, last) in [("a\r", false), ("\nb\rc", false), ("\n\nd\u{2028}é", false), ("\r", false), ("", true)]
        {
            buf.push_str(chunk);
            split_lines(&mut buf, &mut out, last);
        }
        assert_eq!(Vec::from(out), ["a", "b", "c", "", "d", "é"]);
        let mut buf = "x\ny".to_owned();
        let mut out = std::collections::VecDeque::new();
        split_lines(&mut buf, &mut out, true);
        assert_eq!(Vec::from(out), ["x", "y"]);
    }
}
