//! `Response`, `Headers` and `Request`: the core's response, shaped as requests' and httpx's
//! where the names are theirs (joined header values, `encoding` from the charset, `elapsed` a
//! `timedelta`, `json()` raising `json.JSONDecodeError`).

use std::sync::{Arc, Mutex};

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};

use crate::cert::Certificate;
use crate::convert;
use crate::errors::{IntoPyResult, wrong_type};

/// Bodies at least this large are parsed (JSON) without the GIL.
const DETACH_BODY_BYTES: usize = 256 * 1024;

/// What a request was made with, for `Response.request` (made into a `Request` on first use).
pub(crate) struct Sent {
    pub method: String,
    pub headers: Vec<(String, String)>,
    /// Whether the body is decoded (not `decompress=False`).
    pub decompress: bool,
}

/// A complete response. What is converted for Python is converted on first use and kept.
#[pyclass(module = "tlsguard._native", name = "Response", frozen)]
pub struct Response {
    inner: Arc<tlsguard::Response>,
    content: PyOnceLock<Py<PyBytes>>,
    headers: PyOnceLock<Py<Headers>>,
    peer_certificates: PyOnceLock<Py<PyList>>,
    /// `encoding` as set by the caller (`None`: from the charset).
    encoding: Mutex<Option<String>>,
    sent: Option<Sent>,
    request: PyOnceLock<Py<PyAny>>,
}

impl Response {
    pub(crate) fn new(response: tlsguard::Response) -> Self {
        Self::with_request(response, None)
    }

    /// The head and the body (cheap: the body is shared), for a `StreamedResponse` over it.
    pub(crate) fn parts(&self) -> (tlsguard::ResponseHead, bytes::Bytes) {
        (*self.inner).clone().into_parts()
    }

    pub(crate) fn with_request(response: tlsguard::Response, sent: Option<Sent>) -> Self {
        Self {
            inner: Arc::new(response),
            content: PyOnceLock::new(),
            headers: PyOnceLock::new(),
            peer_certificates: PyOnceLock::new(),
            encoding: Mutex::new(None),
            sent,
            request: PyOnceLock::new(),
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

/// Whether `name` is a spelling of UTF-8 (decoded without asking Python's codecs).
fn is_utf8(name: &str) -> bool {
    name.eq_ignore_ascii_case("utf-8") || name.eq_ignore_ascii_case("utf8")
}

/// Whether Python knows the codec `name` (`codecs.lookup`).
pub(crate) fn known_codec(py: Python<'_>, name: &str) -> PyResult<bool> {
    if is_utf8(name) {
        return Ok(true);
    }
    static LOOKUP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let lookup = LOOKUP.get_or_try_init(py, || py.import("codecs")?.getattr("lookup").map(Bound::unbind))?;
    match lookup.bind(py).call1((name,)) {
        Ok(_) => Ok(true),
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyLookupError>(py) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The encoding of a head's text (httpx's rule): the `charset` of `Content-Type` when Python
/// knows that codec, else UTF-8 (`"utf-8"`).
pub(crate) fn charset_encoding(py: Python<'_>, head: &tlsguard::ResponseHead) -> PyResult<String> {
    Ok(match head.charset() {
        Some(c) if known_codec(py, c)? => c.to_owned(),
        _ => "utf-8".to_owned(),
    })
}

/// `body` decoded with `encoding`, undecodable bytes replaced (as requests and httpx do).
pub(crate) fn decode<'py>(py: Python<'py>, body: &[u8], encoding: &str) -> PyResult<Bound<'py, PyString>> {
    if is_utf8(encoding) {
        return Ok(PyString::new(py, &String::from_utf8_lossy(body)));
    }
    PyBytes::new(py, body).call_method1(intern!(py, "decode"), (encoding, "replace"))?.cast_into().map_err(Into::into)
}

/// `datetime.timedelta` for a duration.
pub(crate) fn timedelta<'py>(py: Python<'py>, d: std::time::Duration) -> PyResult<Bound<'py, PyAny>> {
    static TIMEDELTA: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let class = TIMEDELTA.get_or_try_init(py, || py.import("datetime")?.getattr("timedelta").map(Bound::unbind))?;
    class.bind(py).call1((0, d.as_secs(), d.subsec_micros()))
}

/// The cookies a response sets, as a `dict` of name to value (`ResponseHead::cookies`; a
/// later cookie of the same name wins, as in requests' and httpx's mappings).
pub(crate) fn cookies_dict<'py>(py: Python<'py>, head: &tlsguard::ResponseHead) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    for c in head.cookies() {
        out.set_item(c.name, c.value)?;
    }
    Ok(out)
}

/// A hand-made response's body and the content type it implies (`text=`, `json=`, `content=`).
fn body_of(
    content: Option<&Bound<'_, PyAny>>,
    text: Option<&Bound<'_, PyAny>>,
    json: Option<&Bound<'_, PyAny>>,
) -> PyResult<(Vec<u8>, Option<&'static str>)> {
    match (content, text, json) {
        (None, None, None) => Ok((Vec::new(), None)),
        (Some(c), None, None) => Ok((convert::data("content", c)?, None)),
        (None, Some(t), None) => {
            let t = t.cast::<PyString>().map_err(|_| wrong_type("text", "str", t))?;
            Ok((t.to_cow()?.as_bytes().to_vec(), Some("text/plain; charset=utf-8")))
        }
        (None, None, Some(j)) => {
            let v = convert::to_json("json", j, convert::BytesAs::Refused)?;
            Ok((v.to_string().into_bytes(), Some("application/json")))
        }
        _ => Err(crate::errors::invalid("Response: give at most one of content, text and json")),
    }
}

#[pymethods]
impl Response {
    /// A response made by hand, for tests of code that takes a `Response` (httpx's
    /// `Response(200, json=...)`): `content` (bytes or str), `text` (adds `Content-Type:
    /// text/plain; charset=utf-8`) or `json` (adds `application/json`) unless `headers` has one.
    #[new]
    #[pyo3(signature = (status_code, *, headers=None, content=None, text=None, json=None, url=""))]
    fn py_new(
        status_code: u16,
        headers: Option<&Bound<'_, PyAny>>,
        content: Option<&Bound<'_, PyAny>>,
        text: Option<&Bound<'_, PyAny>>,
        json: Option<&Bound<'_, PyAny>>,
        url: &str,
    ) -> PyResult<Self> {
        use crate::client::given;
        let (body, implied) = body_of(given(content), given(text), given(json))?;
        let mut pairs = match given(headers) {
            Some(h) => crate::client::pairs("headers", h, false)?,
            None => Vec::new(),
        };
        if let Some(ct) = implied
            && !pairs.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        {
            pairs.push(("content-type".to_owned(), ct.to_owned()));
        }
        let response = tlsguard::Response::new(status_code, pairs, url, body).py()?;
        Ok(Response::new(response))
    }

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
    /// The encoding `text` uses: as set, else the `charset` of `Content-Type` when Python knows
    /// it, else `"utf-8"` (httpx's rule; requests says ISO-8859-1 for `text/*` without one).
    #[getter]
    fn encoding(&self, py: Python<'_>) -> PyResult<String> {
        if let Some(e) = self.encoding.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            return Ok(e.clone());
        }
        charset_encoding(py, &self.inner)
    }
    /// Sets the encoding `text` decodes with (`None`: from the charset again), as in requests.
    /// `LookupError` for a codec Python does not know.
    #[setter]
    fn set_encoding(&self, py: Python<'_>, value: Option<String>) -> PyResult<()> {
        if let Some(v) = &value
            && !known_codec(py, v)?
        {
            return Err(pyo3::exceptions::PyLookupError::new_err(format!("unknown encoding: {v}")));
        }
        *self.encoding.lock().unwrap_or_else(|p| p.into_inner()) = value;
        Ok(())
    }
    /// The body as text, decoded with `encoding` (undecodable bytes replaced).
    #[getter]
    fn text<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        let set = self.encoding.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let encoding = match set {
            Some(e) => e,
            None if self.inner.charset().is_none() => return decode(py, self.inner.body(), "utf-8"),
            None => charset_encoding(py, &self.inner)?,
        };
        decode(py, self.inner.body(), &encoding)
    }
    /// The body parsed as JSON. Keyword arguments go to `json.loads` (`parse_float=Decimal`).
    /// A body that is not JSON raises `json.JSONDecodeError` (a `ValueError`) whose
    /// `__cause__` is the tlsguard error (`HTTPProtocolError`).
    #[pyo3(signature = (**kwargs))]
    fn json<'py>(&self, py: Python<'py>, kwargs: Option<&Bound<'py, PyDict>>) -> PyResult<Bound<'py, PyAny>> {
        static LOADS: PyOnceLock<(Py<PyAny>, Py<PyAny>)> = PyOnceLock::new();
        let (loads, decode_error) = LOADS.get_or_try_init(py, || -> PyResult<_> {
            let json = py.import("json")?;
            Ok((json.getattr("loads")?.unbind(), json.getattr("JSONDecodeError")?.unbind()))
        })?;
        if kwargs.is_some_and(|k| !k.is_empty()) {
            return loads.bind(py).call((self.content(py),), kwargs);
        }
        let inner = &self.inner;
        let parsed = if inner.body().len() >= DETACH_BODY_BYTES { py.detach(|| inner.json()) } else { inner.json() };
        let err = match parsed {
            Ok(v) => return convert::from_json(py, &v),
            Err(e) => e,
        };
        // What the core refuses (UTF-16 or UTF-32 JSON, NaN) may still be what json.loads
        // takes, as requests' and httpx's json() do; else json's own error, from the core's.
        let cause = crate::errors::exception_instance(py, &err)?;
        let failure = match loads.bind(py).call1((self.content(py),)) {
            Ok(v) => return Ok(v),
            Err(e) if e.is_instance(py, decode_error.bind(py)) => e,
            Err(_) => {
                let text = String::from_utf8_lossy(inner.body());
                PyErr::from_value(decode_error.bind(py).call1((err.message(), text, 0))?)
            }
        };
        failure.set_cause(py, Some(PyErr::from_value(cause)));
        Err(failure)
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
    /// Whether tlsguard decodes the body from its `Content-Encoding` (`ResponseHead::body_decoded`:
    /// said of the headers, so HEAD too; the headers are kept as received).
    #[getter]
    fn body_decoded(&self) -> bool {
        self.inner.body_decoded()
    }
    /// The cookies this response set (its `Set-Cookie` headers, RFC 6265 rules), name to value.
    #[getter]
    fn cookies<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        cookies_dict(py, &self.inner)
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
    /// Time from sending the request to having read the whole body, a `datetime.timedelta`
    /// (requests' and httpx's type).
    #[getter]
    fn elapsed<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        timedelta(py, self.inner.elapsed())
    }
    /// Whether the status is below 400 (requests' `ok`).
    #[getter]
    fn ok(&self) -> bool {
        self.inner.status() < 400
    }
    /// `ok`, as requests' `if response:`.
    fn __bool__(&self) -> bool {
        self.ok()
    }
    /// 2xx (httpx).
    #[getter]
    fn is_success(&self) -> bool {
        (200..300).contains(&self.inner.status())
    }
    /// 3xx (httpx; requests' `is_redirect` also wants a `Location`).
    #[getter]
    fn is_redirect(&self) -> bool {
        (300..400).contains(&self.inner.status())
    }
    /// 4xx (httpx).
    #[getter]
    fn is_client_error(&self) -> bool {
        (400..500).contains(&self.inner.status())
    }
    /// 5xx (httpx).
    #[getter]
    fn is_server_error(&self) -> bool {
        (500..600).contains(&self.inner.status())
    }
    /// 4xx or 5xx (httpx).
    #[getter]
    fn is_error(&self) -> bool {
        (400..600).contains(&self.inner.status())
    }
    /// The redirects followed, oldest first, as `Response`s with the status, the URL that
    /// answered and a `location` header naming where it led (resolved); the core keeps no other
    /// headers and no bodies of redirects. A new list each time.
    #[getter]
    fn history<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let hops = self.inner.history();
        let list = PyList::empty(py);
        for (i, hop) in hops.iter().enumerate() {
            let next = hops.get(i + 1).map_or(self.inner.url(), |n| n.url.as_str());
            let headers = vec![("location".to_owned(), next.to_owned())];
            let r = tlsguard::Response::new(hop.status, headers, hop.url.clone(), bytes::Bytes::new()).py()?;
            list.append(Response::new(r))?;
        }
        Ok(list)
    }
    /// The request as first sent: method, URL (the query included; before redirects) and the
    /// headers the caller gave (`None` for a `Response` made by hand).
    #[getter]
    fn request(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        let Some(sent) = &self.sent else { return Ok(None) };
        self.request
            .get_or_try_init(py, || {
                let url = self.inner.history().first().map_or(self.inner.url(), |h| h.url.as_str());
                let r = Request::make(py, &sent.method, url, sent.headers.clone(), b"")?;
                Ok::<_, PyErr>(Py::new(py, r)?.into_any())
            })
            .map(|r| Some(r.clone_ref(py)))
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

/// Headers: case-insensitive; `headers[name]` and `get(name)` join repeated values with `", "`
/// (as requests and httpx do), `get_list(name)` has each value.
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
        self.inner.header_names().into_iter().map(str::to_owned).collect()
    }

    /// Every value of `name` joined with `", "` (`None` if there is none); one value is not
    /// copied twice.
    fn joined(&self, name: &str) -> Option<String> {
        let all = self.inner.header_all(name);
        if all.is_empty() { None } else { Some(all.join(", ")) }
    }
}

#[pymethods]
impl Headers {
    /// Every value of `name`, joined with `", "`; `KeyError` if there is none.
    fn __getitem__(&self, name: &str) -> PyResult<String> {
        self.joined(name).ok_or_else(|| pyo3::exceptions::PyKeyError::new_err(name.to_owned()))
    }
    fn __contains__(&self, name: &Bound<'_, PyAny>) -> bool {
        name.extract::<String>().map(|n| self.inner.header(&n).is_some()).unwrap_or(false)
    }
    fn __len__(&self) -> usize {
        self.inner.header_names().len()
    }
    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        PyList::new(py, self.names())?.try_iter().map(Bound::into_any)
    }
    /// The values of `name` joined with `", "`, or `default`.
    #[pyo3(signature = (name, default=None))]
    fn get(&self, py: Python<'_>, name: &str, default: Option<Py<PyAny>>) -> Py<PyAny> {
        match self.joined(name) {
            Some(v) => PyString::new(py, &v).into_any().unbind(),
            None => default.unwrap_or_else(|| py.None()),
        }
    }
    /// Every value of `name`, in order (e.g. each Set-Cookie): httpx's `get_list`.
    fn get_list(&self, name: &str) -> Vec<String> {
        self.inner.header_all(name).into_iter().map(str::to_owned).collect()
    }
    /// `get_list` (its name before httpx's was adopted).
    fn get_all(&self, name: &str) -> Vec<String> {
        self.get_list(name)
    }
    /// The distinct names (lowercase), in order received.
    fn keys(&self) -> Vec<String> {
        self.names()
    }
    /// The values of each name, joined with `", "`.
    fn values(&self) -> Vec<String> {
        self.names().iter().filter_map(|n| self.joined(n)).collect()
    }
    /// `(name, values joined with ", ")` per name; `multi_items()` has every pair.
    fn items(&self) -> Vec<(String, String)> {
        self.names().into_iter().filter_map(|n| self.joined(&n).map(|v| (n, v))).collect()
    }
    /// Every `(name, value)` pair in order received.
    fn multi_items(&self) -> Vec<(String, String)> {
        self.inner.headers().to_vec()
    }
    fn __repr__(&self) -> String {
        format!("Headers({:?})", self.inner.headers())
    }
}

/// What a response was requested with (`Response.request`), or a request made by hand (for a
/// `Response` test double, or handed to a `MockTransport`'s handler): `method`, `url`,
/// `headers`, `content` (the body when it is known: empty on `Response.request`).
#[pyclass(module = "tlsguard._native", name = "Request", frozen)]
pub struct Request {
    method: String,
    url: String,
    headers: Py<Headers>,
    content: Py<PyBytes>,
}

impl Request {
    fn make(
        py: Python<'_>,
        method: &str,
        url: &str,
        headers: Vec<(String, String)>,
        content: &[u8],
    ) -> PyResult<Request> {
        let head = tlsguard::Response::new(200, headers, url, bytes::Bytes::new()).py()?;
        let headers = Py::new(py, Headers::new(HeadRef::Full(Arc::new(head))))?;
        let content = PyBytes::new(py, content).unbind();
        Ok(Request { method: method.to_ascii_uppercase(), url: url.to_owned(), headers, content })
    }
}

#[pymethods]
impl Request {
    #[new]
    #[pyo3(signature = (method, url, *, headers=None, content=None))]
    fn py_new(
        py: Python<'_>,
        method: &str,
        url: &str,
        headers: Option<&Bound<'_, PyAny>>,
        content: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Request> {
        let pairs = match headers.filter(|h| !h.is_none()) {
            Some(h) => crate::client::pairs("headers", h, false)?,
            None => Vec::new(),
        };
        let body = match content.filter(|c| !c.is_none()) {
            Some(c) => convert::data("content", c)?,
            None => Vec::new(),
        };
        Request::make(py, method, url, pairs, &body)
    }
    #[getter]
    fn method(&self) -> &str {
        &self.method
    }
    #[getter]
    fn url(&self) -> &str {
        &self.url
    }
    #[getter]
    fn headers(&self, py: Python<'_>) -> Py<Headers> {
        self.headers.clone_ref(py)
    }
    /// The body, when known (a request made by hand, or given to a `MockTransport`'s handler).
    #[getter]
    fn content(&self, py: Python<'_>) -> Py<PyBytes> {
        self.content.clone_ref(py)
    }
    fn __repr__(&self) -> String {
        format!("<Request({:?}, {:?})>", self.method, self.url)
    }
}
