//! `Client`, `Response` and `Headers`: the core's client, request and response.

use std::collections::HashMap;
use std::future::Future;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyList, PyMapping, PyString};
use pyo3::{PyTraverseError, intern};
use tlsguard::{ClientOptions, Method};

use crate::cert::Certificate;
use crate::convert::{self, BytesAs};
use crate::errors::{IntoPyResult, wrong_type};
use crate::trust::TrustReport;

/// Bodies at least this large are parsed (JSON) without the GIL.
const DETACH_BODY_BYTES: usize = 256 * 1024;

/// Locks `m`, ignoring poisoning (every critical section here leaves the data consistent).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Options (a dict with the language-neutral names) → the core's `ClientOptions`.
pub fn client_options(options: Option<&Bound<'_, PyAny>>) -> PyResult<ClientOptions> {
    let json = match options {
        Some(o) => convert::to_json("options", o, BytesAs::Text)?,
        None => serde_json::Value::Null,
    };
    ClientOptions::from_json(&json).py()
}

/// Whether this is Python's main thread (the only one that runs signal handlers).
fn on_main_thread(py: Python<'_>) -> PyResult<bool> {
    static GET_IDENT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    static MAIN_IDENT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let get_ident = GET_IDENT.get_or_try_init(py, || py.import("_thread")?.getattr("get_ident").map(Bound::unbind))?;
    let main_ident = MAIN_IDENT.get_or_try_init(py, || {
        py.import("threading")?.getattr("main_thread")?.call0()?.getattr(intern!(py, "ident")).map(Bound::unbind)
    })?;
    get_ident.bind(py).call0()?.eq(main_ident.bind(py))
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
    ///
    /// On Python's main thread (the only one that runs signal handlers) this thread drives the
    /// I/O itself (`send_blocking_checked`, signal handlers every 100 ms): no hand-off to
    /// another thread and back per request (W1: 30 instead of 46 µs of CPU per request). Other
    /// threads use the core's shared runtime (`send()`): one pool for all of them, which with
    /// many threads on few cores costs fewer context switches than a pool per thread
    /// (measured: 32 threads, 25k vs 16k req/s).
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
        let response = if on_main_thread(py)? {
            py.detach(move || {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    req.send_blocking_checked(SIGNAL_CHECK_INTERVAL, || Python::attach(|py| py.check_signals()))
                }))
                .unwrap_or_else(|p| Ok(Err(tlsguard::Error::from_panic(&*p))))
            })?
            .py()?
        } else {
            wait_interruptibly(py, req.send())?
        };
        Ok(Response::new(response))
    }

    /// Starts a request for an asyncio event loop: `done` (an `asyncio.Future` of that loop)
    /// gets the `Response` or the exception, set by `notifier.dispatch()` (see [`Notifier`]).
    /// Returns the request's id for `notifier.cancel(id)`.
    #[pyo3(signature = (notifier, done, method, url, params=None, headers=None, data=None, json=None, timeout=None))]
    #[allow(clippy::too_many_arguments)]
    fn start(
        &self,
        py: Python<'_>,
        notifier: &Bound<'_, Notifier>,
        done: &Bound<'_, PyAny>,
        method: &str,
        url: &str,
        params: Option<&Bound<'_, PyAny>>,
        headers: Option<&Bound<'_, PyAny>>,
        data: Option<&Bound<'_, PyAny>>,
        json: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let req = self.build(method, url, params, headers, data, json, timeout)?;
        notifier.get().start(py, Box::pin(req.send()), done)
    }

    /// Closes the client: pooled connections are dropped; later requests raise `InvalidInput`.
    /// (Without the GIL: closing connections is I/O, and the core may wait for a request another
    /// thread runs with `send_blocking`.)
    fn close(&self, py: Python<'_>) {
        py.detach(|| self.inner.close());
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

/// What the wakers of one [`Notifier`] share: the ids of the requests woken since the last
/// `dispatch()`, and the socket that tells the event loop there are some.
struct Ready {
    ids: Mutex<Vec<u64>>,
    writer: UnixStream,
}

/// Wakes one request of an event loop without the GIL: records its id and, if it is the first
/// since the last `dispatch()`, writes a byte to the socket the loop watches.
struct RequestWaker {
    id: u64,
    ready: Arc<Ready>,
}

impl Wake for RequestWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        let first = {
            let mut ids = lock(&self.ready.ids);
            ids.push(self.id);
            ids.len() == 1
        };
        if first {
            // Non-blocking; a full buffer already means "wake up". `dispatch()` reads the socket
            // before it takes the ids, so an id pushed after that read has its own byte.
            let _ = (&self.ready.writer).write(&[1]);
        }
    }
}

/// A started request: its future, the waker it is polled with, and the asyncio future to settle.
struct Started {
    future: SendFuture,
    waker: Waker,
    done: Py<PyAny>,
}

/// The wake-up channel of one asyncio event loop for the requests `AsyncClient` starts on it
/// (shared by every client used on that loop). The loop watches `fileno` (`loop.add_reader`,
/// once) and calls `dispatch()` when it is readable. The requests run on the core's runtime;
/// their wake-ups only record an id and write a byte (one per batch), so nothing waits for the
/// GIL, and a request needs no socket, no `add_reader` and no closure of its own.
#[pyclass(module = "tlsguard._native", name = "Notifier", frozen)]
pub struct Notifier {
    reader: UnixStream,
    ready: Arc<Ready>,
    started: Mutex<HashMap<u64, Started>>,
    next_id: AtomicU64,
}

impl Notifier {
    /// Polls `future` once (which starts the request) and keeps it until it is done; a request
    /// done at once (invalid input) settles `done` now.
    fn start(&self, py: Python<'_>, future: SendFuture, done: &Bound<'_, PyAny>) -> PyResult<u64> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let waker = Waker::from(Arc::new(RequestWaker { id, ready: self.ready.clone() }));
        let finished = {
            let mut started = lock(&self.started);
            // Registered before the first poll, so a wake-up from another thread finds it.
            let entry = started.entry(id).or_insert(Started { future, waker, done: done.clone().unbind() });
            match poll_caught(entry.future.as_mut(), &mut Context::from_waker(&entry.waker)) {
                Poll::Pending => None,
                Poll::Ready(r) => started.remove(&id).map(|s| (s, r)),
            }
        };
        if let Some((s, r)) = finished {
            settle(py, s.done.bind(py), r)?;
        }
        Ok(id)
    }
}

/// Sets the asyncio future `done` to the response or the exception (unless it is already done,
/// e.g. cancelled).
fn settle(py: Python<'_>, done: &Bound<'_, PyAny>, r: tlsguard::Result<tlsguard::Response>) -> PyResult<()> {
    if done.call_method0(intern!(py, "done"))?.is_truthy()? {
        return Ok(());
    }
    match r {
        Ok(response) => done.call_method1(intern!(py, "set_result"), (Response::new(response),))?,
        Err(e) => done.call_method1(intern!(py, "set_exception"), (crate::errors::exception_instance(py, &e)?,))?,
    };
    Ok(())
}

#[pymethods]
impl Notifier {
    #[new]
    fn new() -> PyResult<Self> {
        let (reader, writer) = UnixStream::pair()?;
        reader.set_nonblocking(true)?;
        writer.set_nonblocking(true)?;
        Ok(Self {
            reader,
            ready: Arc::new(Ready { ids: Mutex::new(Vec::new()), writer }),
            started: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
        })
    }

    /// The file descriptor that becomes readable when `dispatch()` should be called.
    #[getter]
    fn fileno(&self) -> i32 {
        self.reader.as_raw_fd()
    }

    /// Polls the requests woken since the last call and settles the futures of those done.
    fn dispatch(&self, py: Python<'_>) {
        let mut buf = [0u8; 64];
        while matches!((&self.reader).read(&mut buf), Ok(n) if n == buf.len()) {}
        let mut ids = std::mem::take(&mut *lock(&self.ready.ids));
        if ids.len() > 1 {
            ids.sort_unstable();
            ids.dedup();
        }
        let mut finished = Vec::new();
        {
            let mut started = lock(&self.started);
            for id in ids {
                let Some(s) = started.get_mut(&id) else { continue }; // cancelled, or already done
                if let Poll::Ready(r) = poll_caught(s.future.as_mut(), &mut Context::from_waker(&s.waker))
                    && let Some(s) = started.remove(&id)
                {
                    finished.push((s, r));
                }
            }
        }
        // Outside the lock: settling runs Python code (done callbacks may start requests).
        for (s, r) in finished {
            // Only fails if the future's loop is closed: nobody is left to wait for it.
            let _ = settle(py, s.done.bind(py), r);
        }
    }

    /// Cancels request `id` if it is still running (a no-op otherwise).
    fn cancel(&self, id: u64) {
        let s = lock(&self.started).remove(&id);
        drop(s); // dropping the future aborts the request
    }

    /// How many requests are running.
    fn __len__(&self) -> usize {
        lock(&self.started).len()
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        // A running request's future may (through its task's frame) refer back to this object.
        if let Ok(started) = self.started.try_lock() {
            for s in started.values() {
                visit.call(&s.done)?;
            }
        }
        Ok(())
    }

    fn __clear__(&self) {
        let all = std::mem::take(&mut *lock(&self.started));
        drop(all);
    }
}

/// A complete response. What is converted for Python is converted on first use and kept.
#[pyclass(module = "tlsguard._native", name = "Response", frozen)]
pub struct Response {
    inner: Arc<tlsguard::Response>,
    content: PyOnceLock<Py<PyBytes>>,
    headers: PyOnceLock<Py<Headers>>,
    peer_certificates: PyOnceLock<Py<PyList>>,
}

impl Response {
    fn new(response: tlsguard::Response) -> Self {
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
        self.headers.get_or_try_init(py, || Py::new(py, Headers { inner: self.inner.clone() })).map(|h| h.clone_ref(py))
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
            let infos = self.inner.peer_certificates();
            PyList::new(py, infos.into_iter().map(Certificate::from_info)).map(Bound::unbind)
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
