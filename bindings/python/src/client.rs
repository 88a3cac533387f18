//! `Client`, `Response` and `Headers`: the core's client, request and response.

use std::future::Future;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyMapping, PyString};
use tlsguard::{ClientOptions, Method};

use crate::cert::{Certificate, certificate_list};
use crate::convert::{self, BytesAs};
use crate::errors::{IntoPyResult, wrong_type};
use crate::trust::TrustReport;

/// Options (a dict with the language-neutral names) → the core's `ClientOptions`.
pub fn client_options(options: Option<&Bound<'_, PyAny>>) -> PyResult<ClientOptions> {
    let json = match options {
        Some(o) => convert::to_json("options", o, BytesAs::Text)?,
        None => serde_json::Value::Null,
    };
    ClientOptions::from_json(&json).py()
}

/// How often a blocked request lets Python run its signal handlers (Ctrl-C).
const SIGNAL_CHECK_INTERVAL: Duration = Duration::from_millis(100);

/// Wakes the thread that polls the future.
struct ThreadWaker(std::thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls the core's future; a panic in it is an `INTERNAL` error, not an unwind into Python.
fn poll_caught<T>(
    fut: Pin<&mut (impl Future<Output = tlsguard::Result<T>> + ?Sized)>,
    cx: &mut Context<'_>,
) -> Poll<tlsguard::Result<T>> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| fut.poll(cx)))
        .unwrap_or_else(|p| Poll::Ready(Err(tlsguard::Error::from_panic(&*p))))
}

/// Drives the core's `send()` future on this thread with the GIL released, and lets Python
/// handle signals every [`SIGNAL_CHECK_INTERVAL`]: Ctrl-C (KeyboardInterrupt) interrupts a
/// request instead of waiting for its timeout. Dropping the future cancels the request (the
/// core aborts its task). The request itself runs on the core's runtime either way.
fn wait_interruptibly<T: Send>(py: Python<'_>, fut: impl Future<Output = tlsguard::Result<T>> + Send) -> PyResult<T> {
    let mut fut = Box::pin(fut);
    loop {
        let done = py.detach(|| {
            let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
            let mut cx = Context::from_waker(&waker);
            let until = Instant::now() + SIGNAL_CHECK_INTERVAL;
            loop {
                if let Poll::Ready(r) = poll_caught(fut.as_mut(), &mut cx) {
                    return Some(r);
                }
                let now = Instant::now();
                if now >= until {
                    return None;
                }
                std::thread::park_timeout(until - now);
            }
        });
        match done {
            Some(r) => return r.py(),
            None => py.check_signals()?, // raises KeyboardInterrupt; `fut` is dropped → cancelled
        }
    }
}

/// An HTTPS client of the core (thread-safe; shared by every thread that uses it).
#[pyclass(module = "tlsguard._native", name = "Client", frozen)]
pub struct Client {
    inner: tlsguard::Client,
}

/// `(name, value)` pairs of a mapping or an iterable of pairs; a list value repeats the name.
fn pairs(what: &str, obj: &Bound<'_, PyAny>, numbers: bool) -> PyResult<Vec<(String, String)>> {
    let items = if obj.cast::<PyMapping>().is_ok() { obj.call_method0("items")? } else { obj.clone() };
    let iter = items.try_iter().map_err(|_| wrong_type(what, "a mapping or a list of (name, value) pairs", obj))?;
    let mut out = Vec::new();
    for item in iter {
        let item = item?;
        let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) =
            item.extract().map_err(|_| wrong_type(what, "(name, value) pairs", &item))?;
        let name =
            k.cast::<PyString>().map_err(|_| wrong_type(&format!("{what} name"), "str", &k))?.to_cow()?.into_owned();
        let key = format!("{what}[{name:?}]");
        if v.is_instance_of::<PyList>() || v.is_instance_of::<pyo3::types::PyTuple>() {
            for x in v.try_iter()? {
                out.push((name.clone(), scalar(&key, &x?, numbers)?));
            }
        } else {
            out.push((name, scalar(&key, &v, numbers)?));
        }
    }
    Ok(out)
}

fn scalar(what: &str, v: &Bound<'_, PyAny>, numbers: bool) -> PyResult<String> {
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    let number = !v.is_instance_of::<pyo3::types::PyBool>()
        && (v.is_instance_of::<pyo3::types::PyInt>() || v.is_instance_of::<pyo3::types::PyFloat>());
    if numbers && number {
        return Ok(v.str()?.to_cow()?.into_owned());
    }
    Err(wrong_type(what, if numbers { "str, int or float" } else { "str" }, v))
}

#[pymethods]
impl Client {
    /// Builds a client from an options mapping (names as in `tlsguard.Client`).
    #[new]
    #[pyo3(signature = (options=None))]
    fn new(py: Python<'_>, options: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let opts = client_options(options)?;
        // Loading trust reads files and the OS store: without the GIL.
        let inner = crate::errors::run(py, move || tlsguard::Client::new(opts))?;
        Ok(Self { inner })
    }

    /// Sends a request and reads the whole response (the GIL is released meanwhile; Ctrl-C
    /// interrupts it).
    #[pyo3(signature = (method, url, params=None, headers=None, data=None, json=None, timeout=None))]
    #[allow(clippy::too_many_arguments)]
    fn request(
        &self,
        py: Python<'_>,
        method: &str,
        url: &str,
        params: Option<&Bound<'_, PyAny>>,
        headers: Option<&Bound<'_, PyAny>>,
        data: Option<&Bound<'_, PyAny>>,
        json: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Response> {
        let req = self.build(method, url, params, headers, data, json, timeout)?;
        let response = wait_interruptibly(py, req.send())?;
        Ok(Response { inner: Arc::new(response) })
    }

    /// Starts a request for an event loop: see [`PendingRequest`].
    #[pyo3(signature = (method, url, params=None, headers=None, data=None, json=None, timeout=None))]
    #[allow(clippy::too_many_arguments)]
    fn start(
        &self,
        method: &str,
        url: &str,
        params: Option<&Bound<'_, PyAny>>,
        headers: Option<&Bound<'_, PyAny>>,
        data: Option<&Bound<'_, PyAny>>,
        json: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PendingRequest> {
        let req = self.build(method, url, params, headers, data, json, timeout)?;
        PendingRequest::new(Box::pin(req.send()))
    }

    /// Closes the client: pooled connections are dropped; later requests raise `InvalidInput`.
    fn close(&self) {
        self.inner.close();
    }

    /// Whether `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// What the client trusts.
    fn trust_report(&self) -> TrustReport {
        TrustReport::from_core(self.inner.trust_report())
    }

    fn __repr__(&self) -> String {
        format!("<tlsguard._native.Client roots={}>", self.inner.options().trust.roots.as_str())
    }
}

impl Client {
    /// The core request for these arguments (conversion only; the core validates).
    #[allow(clippy::too_many_arguments)]
    fn build(
        &self,
        method: &str,
        url: &str,
        params: Option<&Bound<'_, PyAny>>,
        headers: Option<&Bound<'_, PyAny>>,
        data: Option<&Bound<'_, PyAny>>,
        json: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<tlsguard::Request> {
        let method: Method = method.parse().py()?;
        let mut req = self.inner.request(method, url);
        if let Some(p) = params.filter(|p| !p.is_none()) {
            for (k, v) in pairs("params", p, true)? {
                req = req.query(k, v);
            }
        }
        if let Some(h) = headers.filter(|h| !h.is_none()) {
            req = req.headers(pairs("headers", h, false)?);
        }
        let data = data.filter(|d| !d.is_none());
        let json = json.filter(|j| !j.is_none());
        if data.is_some() && json.is_some() {
            return Err(crate::errors::invalid("pass either data= or json=, not both"));
        }
        if let Some(d) = data {
            if let Ok(s) = d.cast::<PyString>() {
                req = req.text(s.to_cow()?.into_owned());
            } else if let Ok(b) = convert::data("data", d) {
                req = req.body(b);
            } else if d.cast::<PyMapping>().is_ok() || d.is_instance_of::<PyList>() {
                req = req.form(&pairs("data", d, true)?);
            } else {
                return Err(wrong_type("data", "bytes, str, a mapping or a list of pairs", d));
            }
        }
        if let Some(j) = json {
            req = req.json(&convert::to_json("json", j, BytesAs::Refused)?);
        }
        if let Some(t) = timeout.filter(|t| !t.is_none()) {
            let secs = convert::seconds("timeout", t)?;
            req = req.timeout(tlsguard::options::timeout_from_secs("timeout", secs).py()?);
        }
        Ok(req)
    }
}

/// The response future.
type SendFuture = Pin<Box<dyn Future<Output = tlsguard::Result<tlsguard::Response>> + Send>>;

/// Wakes an event loop without the GIL: writes a byte to a socket the loop watches.
struct FdWaker(UnixStream);

impl Wake for FdWaker {
    fn wake(self: Arc<Self>) {
        let _ = (&self.0).write(&[1]); // non-blocking; a full buffer already means "wake up"
    }
}

/// A request started for an asyncio loop (`AsyncClient`): the loop watches `fileno` (e.g.
/// `loop.add_reader`) and calls `poll()` when it is readable; `poll()` returns the `Response`
/// once done, None while pending, or raises. The request runs on the core's runtime; its
/// wake-ups only write to a socket, so nothing waits for the GIL. `cancel()` (or dropping
/// this object) cancels the request.
#[pyclass(module = "tlsguard._native", name = "PendingRequest", frozen)]
pub struct PendingRequest {
    future: Mutex<Option<SendFuture>>,
    reader: UnixStream,
    waker: Waker,
}

impl PendingRequest {
    fn new(future: SendFuture) -> PyResult<Self> {
        let (reader, writer) = UnixStream::pair()?;
        reader.set_nonblocking(true)?;
        writer.set_nonblocking(true)?;
        Ok(Self { future: Mutex::new(Some(future)), reader, waker: Waker::from(Arc::new(FdWaker(writer))) })
    }
}

#[pymethods]
impl PendingRequest {
    /// The file descriptor that becomes readable when `poll()` should be called.
    #[getter]
    fn fileno(&self) -> i32 {
        self.reader.as_raw_fd()
    }

    /// Drains the wake-ups and polls once: the response when done, None while pending.
    fn poll(&self) -> PyResult<Option<Response>> {
        let mut buf = [0u8; 64];
        while matches!((&self.reader).read(&mut buf), Ok(n) if n > 0) {}
        let mut slot = self.future.lock().unwrap_or_else(|p| p.into_inner());
        let Some(fut) = slot.as_mut() else {
            return Err(pyo3::exceptions::PyRuntimeError::new_err("the request is finished or cancelled"));
        };
        match poll_caught(fut.as_mut(), &mut Context::from_waker(&self.waker)) {
            Poll::Pending => Ok(None),
            Poll::Ready(r) => {
                *slot = None;
                r.py().map(|r| Some(Response { inner: Arc::new(r) }))
            }
        }
    }

    /// Cancels the request if it is still running.
    fn cancel(&self) {
        self.future.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

/// A complete response.
#[pyclass(module = "tlsguard._native", name = "Response", frozen)]
pub struct Response {
    inner: Arc<tlsguard::Response>,
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
    fn headers(&self) -> Headers {
        Headers { inner: self.inner.clone() }
    }
    /// The decoded body.
    #[getter]
    fn content<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.body())
    }
    /// The body as text (UTF-8, invalid sequences replaced).
    #[getter]
    fn text(&self) -> String {
        self.inner.text()
    }
    /// The body parsed as JSON (`HTTPProtocolError` if it is not JSON).
    fn json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let v = self.inner.json().py()?;
        convert::from_json(py, &v)
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
    fn http_version(&self) -> &str {
        self.inner.http_version()
    }
    /// `"TLSv1.2"` or `"TLSv1.3"` (None for http://).
    #[getter]
    fn tls_version(&self) -> Option<String> {
        self.inner.tls().map(|t| t.version.clone())
    }
    #[getter]
    fn cipher_suite(&self) -> Option<String> {
        self.inner.tls().map(|t| t.cipher_suite.clone())
    }
    #[getter]
    fn alpn(&self) -> Option<String> {
        self.inner.tls().and_then(|t| t.alpn.clone())
    }
    /// What was accepted but is wrong on the server's side.
    #[getter]
    fn tls_warnings(&self) -> Vec<String> {
        self.inner.tls().map(|t| t.warnings.clone()).unwrap_or_default()
    }
    #[getter]
    fn peer_certificates(&self) -> Vec<Certificate> {
        certificate_list(self.inner.peer_certificates())
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
    inner: Arc<tlsguard::Response>,
}

impl Headers {
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
