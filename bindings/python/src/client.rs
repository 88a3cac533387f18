//! `Client`: the core's client and request (`Response` is in `response.rs`, the asyncio
//! wake-up channel in `asyncio.rs`).

use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PyMapping, PyString};
use serde_json::{Map, Value};
use tlsguard::{ClientOptions, Method, RequestBody, RequestOptions};

use crate::asyncio::Notifier;
use crate::convert::{self, BytesAs};
use crate::errors::{IntoPyResult, wrong_type};
use crate::response::{Response, Sent};
use crate::trust::TrustReport;
use crate::upload::{self, PyBodyReader};

/// A body streamed from a Python object, and its length when known.
type StreamBody = (PyBodyReader, Option<u64>);

/// A request's arguments converted: the core's options, the headers as given (for
/// `Response.request`) and a body streamed from a Python object.
type Converted = (RequestOptions, Vec<(String, String)>, Option<StreamBody>);

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

/// Starts work through the core's completion API (`start` gets the callback to hand it) and
/// waits for its outcome with the GIL released, letting Python handle signals every
/// [`SIGNAL_CHECK_INTERVAL`]: Ctrl-C (KeyboardInterrupt) stops the work through its
/// `AbortHandle` instead of waiting for its timeout. The work runs on the core's runtime.
pub(crate) fn wait_for<T: Send + 'static>(
    py: Python<'_>,
    start: impl FnOnce(Box<dyn FnOnce(Option<tlsguard::Result<T>>) + Send>) -> tlsguard::Result<tlsguard::AbortHandle>,
) -> PyResult<T> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let abort = start(Box::new(move |outcome| {
        let _ = tx.send(outcome); // the waiter is gone only if it was interrupted
    }))
    .py()?;
    let mut rx = rx;
    loop {
        // The receiver is `Send` but not `Sync`: moved to the detached closure and back.
        let (got, back) = py.detach(move || (rx.recv_timeout(SIGNAL_CHECK_INTERVAL), rx));
        rx = back;
        match got {
            Ok(Some(r)) => return r.py(),
            Ok(None) | Err(RecvTimeoutError::Disconnected) => {
                return Err(tlsguard::Error::new(
                    tlsguard::Code::Internal,
                    "the request was stopped: tlsguard's runtime shut down",
                ))
                .py();
            }
            Err(RecvTimeoutError::Timeout) => {
                if let Err(e) = py.check_signals() {
                    abort.abort();
                    return Err(e);
                }
            }
        }
    }
}

/// An HTTPS client of the core (thread-safe; shared by every thread that uses it).
#[pyclass(module = "tlsguard._native", name = "Client", frozen)]
pub struct Client {
    inner: tlsguard::Client,
}

/// `(name, value)` pairs of a mapping or an iterable of pairs; a list value repeats the name.
/// With `params` (query and form values, as httpx and requests take them): ints and floats as
/// `str()` gives them, `True`/`False` as `"true"`/`"false"` (httpx), `None` dropped (requests).
pub(crate) fn pairs(what: &str, obj: &Bound<'_, PyAny>, params: bool) -> PyResult<Vec<(String, String)>> {
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
                if let Some(value) = scalar(&key, &x?, params)? {
                    out.push((name.clone(), value));
                }
            }
        } else if let Some(value) = scalar(&key, &v, params)? {
            out.push((name, value));
        }
    }
    Ok(out)
}

/// One value of [`pairs`] (`None`: left out).
fn scalar(what: &str, v: &Bound<'_, PyAny>, params: bool) -> PyResult<Option<String>> {
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(Some(s.to_cow()?.into_owned()));
    }
    if params {
        if v.is_none() {
            return Ok(None);
        }
        if let Ok(b) = v.cast::<pyo3::types::PyBool>() {
            return Ok(Some(if b.is_true() { "true" } else { "false" }.to_owned()));
        }
        if v.is_instance_of::<pyo3::types::PyInt>() || v.is_instance_of::<pyo3::types::PyFloat>() {
            return Ok(Some(v.str()?.to_cow()?.into_owned()));
        }
    }
    Err(wrong_type(what, if params { "str, int, float, bool or None" } else { "str" }, v))
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

    /// The client the core shares between one-off calls with these options
    /// (`tlsguard::Client::shared`: connections and TLS sessions reused across calls; up to
    /// `SHARED_CLIENTS` option sets, each rebuilt after `SHARED_CLIENT_TTL`).
    #[staticmethod]
    #[pyo3(signature = (options=None))]
    fn shared(py: Python<'_>, options: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let opts = client_options(options)?;
        let inner = crate::errors::run(py, move || tlsguard::Client::shared(opts))?;
        Ok(Self { inner })
    }

    /// Closes every shared client (`tlsguard::Client::close_shared`).
    #[staticmethod]
    fn close_shared(py: Python<'_>) {
        py.detach(tlsguard::Client::close_shared);
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
    #[pyo3(signature = (method, url, params=None, headers=None, data=None, json=None, timeout=None, options=None, content=None, files=None))]
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
        options: Option<&Bound<'_, PyAny>>,
        content: Option<&Bound<'_, PyAny>>,
        files: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Response> {
        let (req, sent) = self.build(method, url, params, headers, data, json, timeout, options, content, files)?;
        let response = if on_main_thread(py)? {
            py.detach(move || {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    req.send_blocking_checked(SIGNAL_CHECK_INTERVAL, || Python::attach(|py| py.check_signals()))
                }))
                .unwrap_or_else(|p| Ok(Err(tlsguard::Error::from_panic(&*p))))
            })?
            .py()?
        } else {
            wait_for(py, |done| req.spawn(done))?
        };
        Ok(Response::with_request(response, Some(sent)))
    }

    /// Sends a request and returns once its headers have arrived; the body is read from the
    /// `StreamedResponse` as it comes (GIL released while waiting; Ctrl-C interrupts).
    #[pyo3(signature = (method, url, params=None, headers=None, data=None, json=None, timeout=None, options=None, content=None, files=None))]
    #[allow(clippy::too_many_arguments)]
    fn stream(
        &self,
        py: Python<'_>,
        method: &str,
        url: &str,
        params: Option<&Bound<'_, PyAny>>,
        headers: Option<&Bound<'_, PyAny>>,
        data: Option<&Bound<'_, PyAny>>,
        json: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyAny>>,
        content: Option<&Bound<'_, PyAny>>,
        files: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<crate::stream::StreamedResponse> {
        let (req, sent) = self.build(method, url, params, headers, data, json, timeout, options, content, files)?;
        let (head, body) = wait_for(py, |done| req.spawn_streaming(done))?;
        Ok(crate::stream::StreamedResponse::new(head, body, !sent.decompress))
    }

    /// Starts a request for the asyncio event loop `event_loop`: `done` (an `asyncio.Future` of
    /// that loop) gets the `Response` or the exception, set by `notifier.dispatch()` (see
    /// [`Notifier`]). Returns the request's id for `notifier.cancel(id)`.
    #[pyo3(signature = (notifier, event_loop, done, method, url, params=None, headers=None, data=None, json=None, timeout=None, options=None, content=None, files=None))]
    #[allow(clippy::too_many_arguments)]
    fn start(
        &self,
        notifier: &Bound<'_, Notifier>,
        event_loop: &Bound<'_, PyAny>,
        done: &Bound<'_, PyAny>,
        method: &str,
        url: &str,
        params: Option<&Bound<'_, PyAny>>,
        headers: Option<&Bound<'_, PyAny>>,
        data: Option<&Bound<'_, PyAny>>,
        json: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyAny>>,
        content: Option<&Bound<'_, PyAny>>,
        files: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let (req, sent) = self.build(method, url, params, headers, data, json, timeout, options, content, files)?;
        Notifier::start(notifier, event_loop, req, sent, done)
    }

    /// As `start`, for a streamed response: `done` gets an `AsyncStream` once the headers have
    /// arrived.
    #[pyo3(signature = (notifier, event_loop, done, method, url, params=None, headers=None, data=None, json=None, timeout=None, options=None, content=None, files=None))]
    #[allow(clippy::too_many_arguments)]
    fn start_stream(
        &self,
        notifier: &Bound<'_, Notifier>,
        event_loop: &Bound<'_, PyAny>,
        done: &Bound<'_, PyAny>,
        method: &str,
        url: &str,
        params: Option<&Bound<'_, PyAny>>,
        headers: Option<&Bound<'_, PyAny>>,
        data: Option<&Bound<'_, PyAny>>,
        json: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyAny>>,
        content: Option<&Bound<'_, PyAny>>,
        files: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let (req, sent) = self.build(method, url, params, headers, data, json, timeout, options, content, files)?;
        Notifier::start_streaming(notifier, event_loop, req, sent, done)
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

    /// The client's cookies as the core exports them (a list of dicts, oldest first; what the
    /// `cookies` option takes back), or `None` without a jar.
    fn cookies_json<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner.cookies_json().map(|v| convert::from_json(py, &v)).transpose()
    }

    /// Empties the client's cookie jar (if it has one).
    fn clear_cookies(&self) {
        if let Some(jar) = self.inner.cookie_jar() {
            jar.clear();
        }
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
    /// The core request for these arguments: they are converted to the core's request options
    /// ([`request_options`]), which the core validates and applies.
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
        options: Option<&Bound<'_, PyAny>>,
        content: Option<&Bound<'_, PyAny>>,
        files: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<(tlsguard::Request, Sent)> {
        let parsed: Method = method.parse().py()?;
        let (options, headers, stream) =
            request_options(params, headers, data, json, timeout, options, content, files)?;
        let sent = Sent { method: method.to_owned(), headers, decompress: options.decompress != Some(false) };
        let mut req = self.inner.request(parsed, url).with_options(options);
        if let Some((reader, len)) = stream {
            req = req.body_reader(reader, len);
        }
        Ok((req, sent))
    }
}

/// The Python arguments of a request → the core's `RequestOptions`, by the core's option names:
/// `params` → `query` and `headers` → `headers` (values converted as requests and httpx do in
/// [`pairs`]), `data` → `body` (str), `form` (a mapping or a list of pairs) or bytes, `json`
/// → `json`, `timeout` → `timeout`. `None` means "not given".
#[allow(clippy::too_many_arguments)]
fn request_options(
    params: Option<&Bound<'_, PyAny>>,
    headers: Option<&Bound<'_, PyAny>>,
    data: Option<&Bound<'_, PyAny>>,
    json: Option<&Bound<'_, PyAny>>,
    timeout: Option<&Bound<'_, PyAny>>,
    options: Option<&Bound<'_, PyAny>>,
    content: Option<&Bound<'_, PyAny>>,
    files: Option<&Bound<'_, PyAny>>,
) -> PyResult<Converted> {
    // Other request options by the core's names (`auth`, `redirect`, `read_timeout`, ...), as
    // the facade converted them; the named arguments below are added to them.
    let mut map = match given(options) {
        Some(o) => match convert::to_json("options", o, BytesAs::Refused)? {
            Value::Object(m) => m,
            _ => return Err(wrong_type("options", "a mapping of request options", o)),
        },
        None => Map::new(),
    };
    let mut sent_headers = Vec::new();
    if let Some(p) = given(params) {
        let list = pairs("params", p, true)?.into_iter().map(|(k, v)| Value::from(vec![k, v])).collect();
        map.insert("query".to_owned(), Value::Array(list));
    }
    if let Some(h) = given(headers) {
        // A list of [name, value] pairs: the caller's order, repeated names included.
        sent_headers = pairs("headers", h, false)?;
        let list = sent_headers.iter().map(|(k, v)| Value::from(vec![k.as_str(), v.as_str()])).collect();
        map.insert("headers".to_owned(), Value::Array(list));
    }
    // Bodies JSON cannot carry (bytes, streams, a multipart form with bytes) hold their place
    // with an empty `body` or `multipart` (so the core's "one body" check counts them) and
    // replace it after `from_json`.
    let mut bytes = None;
    let mut stream = None;
    let mut form = None;
    let (content, files) = (given(content), given(files));
    if let Some(f) = files {
        let fields = match given(data) {
            None => Vec::new(),
            Some(d) if d.cast::<PyMapping>().is_ok() || d.is_instance_of::<PyList>() => pairs("data", d, true)?,
            Some(d) => return Err(wrong_type("data (with files)", "a mapping or a list of form fields", d)),
        };
        form = Some(upload::multipart(fields, f)?);
        map.insert("multipart".to_owned(), Value::Array(Vec::new()));
    } else if let Some(d) = given(data) {
        if content.is_some() {
            return Err(crate::errors::invalid(
                "give only one of content and data (content: the body as bytes, a file object or an iterator; data: a form, as requests and httpx take it)",
            ));
        }
        if let Ok(s) = d.cast::<PyString>() {
            map.insert("body".to_owned(), Value::String(s.to_cow()?.into_owned()));
        } else if let Ok(b) = convert::data("data", d) {
            map.insert("body".to_owned(), Value::String(String::new()));
            bytes = Some(b);
        } else if d.cast::<PyMapping>().is_ok() || d.is_instance_of::<PyList>() {
            let list = pairs("data", d, true)?.into_iter().map(|(k, v)| Value::from(vec![k, v])).collect();
            map.insert("form".to_owned(), Value::Array(list));
        } else if let Some(s) = upload::stream_body(d)? {
            // requests streams a file object or an iterator given as data.
            map.insert("body".to_owned(), Value::String(String::new()));
            stream = Some(s);
        } else {
            return Err(wrong_type("data", "bytes, str, a mapping, a list of pairs, a file object or an iterator", d));
        }
    }
    if let Some(c) = content {
        map.insert("body".to_owned(), Value::String(String::new()));
        if let Some(s) = upload::stream_body(c)? {
            stream = Some(s);
        } else {
            bytes = Some(
                convert::data("content", c)
                    .map_err(|_| wrong_type("content", "bytes, str, a file object or an iterator of bytes", c))?,
            );
        }
    }
    if let Some(j) = given(json) {
        map.insert("json".to_owned(), convert::to_json("json", j, BytesAs::Refused)?);
    }
    if let Some(t) = given(timeout) {
        let secs = convert::seconds("timeout", t)?;
        // Python's per-request timeout is a positive number of seconds (None: the client's);
        // the core's 0 ("no limit") is not one of its values, so it is refused as before.
        tlsguard::options::timeout_from_secs("timeout", secs).py()?;
        map.insert("timeout".to_owned(), Value::from(secs));
    }
    let mut options = RequestOptions::from_json(&Value::Object(map)).py()?;
    if let Some(b) = bytes {
        options.body = Some(RequestBody::Bytes(b.into()));
    }
    if let Some(f) = form {
        options.body = Some(RequestBody::Multipart(f));
    }
    Ok((options, sent_headers, stream))
}

/// `o` unless it is absent or `None`.
pub(crate) fn given<'a, 'py>(o: Option<&'a Bound<'py, PyAny>>) -> Option<&'a Bound<'py, PyAny>> {
    o.filter(|o| !o.is_none())
}
