//! The HTTPS client.
//!
//! A [`Client`] holds one TLS configuration and one connection pool (hyper 1 with hyper-util's
//! pooling client; HTTP/2 when ALPN agrees on `h2`, else HTTP/1.1). It is cheap to clone and
//! may be shared across threads. A [`Request`] is a builder; errors in what it is given
//! (invalid headers, ...) are reported by [`Request::send`] / [`Request::send_blocking`].
//!
//! `send()` runs the request on tlsguard's own runtime (see `runtime.rs`), so it can be awaited
//! from any async runtime. `send_blocking()` drives the I/O on the calling thread itself: each
//! thread that calls it gets, per client, a current-thread runtime and a pool of its own
//! ([`Local`]), so a blocking request costs no hand-off to another thread and back (which cost
//! about a quarter of the throughput of a keep-alive request, as it does for `reqwest::blocking`).
//!
//! Response headers are kept exactly as received, including `content-encoding` and
//! `content-length` of a compressed body (like `requests` and `fetch`); [`Response::body`] is
//! the decoded body.

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderName, HeaderValue};
use http_body_util::Full;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::cert::CertificateInfo;
use crate::error::{Code, Error, Result};
use crate::options::ClientOptions;
use crate::tls::{TlsContext, TlsInfo};

mod body;
pub(crate) mod connect;
mod errors;
mod headers;
mod policy;
pub(crate) mod runtime;

use connect::{Connector, ProxyPolicy, secs};

/// An HTTP method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `HEAD`
    Head,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
    /// `OPTIONS`
    Options,
}

impl Method {
    /// The method as sent: `"GET"`, `"POST"`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Head => "HEAD",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
            Self::Options => "OPTIONS",
        }
    }

    fn to_http(self) -> http::Method {
        match self {
            Self::Get => http::Method::GET,
            Self::Head => http::Method::HEAD,
            Self::Post => http::Method::POST,
            Self::Put => http::Method::PUT,
            Self::Patch => http::Method::PATCH,
            Self::Delete => http::Method::DELETE,
            Self::Options => http::Method::OPTIONS,
        }
    }
}

impl FromStr for Method {
    type Err = Error;
    /// Case-insensitive; anything else is `INVALID_ARGUMENT`.
    fn from_str(s: &str) -> Result<Self> {
        const ALL: [Method; 7] =
            [Method::Get, Method::Head, Method::Post, Method::Put, Method::Patch, Method::Delete, Method::Options];
        ALL.into_iter().find(|m| m.as_str().eq_ignore_ascii_case(s.trim())).ok_or_else(|| {
            Error::invalid(format!("method: {s:?} is not one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"))
        })
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

type HyperClient = hyper_util::client::legacy::Client<Connector, Full<Bytes>>;

/// The pool and the pid of the process it was made in.
struct Pool {
    pid: u32,
    client: HyperClient,
}

struct ClientInner {
    options: ClientOptions,
    tls: Arc<TlsContext>,
    connector: Connector,
    default_headers: Vec<(HeaderName, HeaderValue)>,
    /// The pool of `send()`, on tlsguard's shared runtime.
    pool: Mutex<Option<Pool>>,
    /// The runtime and pool of `send_blocking()`, one per calling thread.
    local: thread_local::ThreadLocal<Mutex<Option<Local>>>,
    closed: std::sync::atomic::AtomicBool,
}

/// A current-thread runtime and a pool on it, used by one thread at a time: the thread calling
/// `send_blocking()` drives the connections itself. Between calls nobody polls them; a connection
/// the server closed meanwhile is noticed when next used, and hyper retries a request that was
/// not sent yet on a new connection.
///
/// Fork awareness as for [`Pool`]: a child never uses nor drops a parent's `Local` (dropping
/// it would deregister the parent's sockets from the epoll instance both processes share).
struct Local {
    pid: u32,
    /// `Option`s only so that `drop` can choose between dropping and leaking them.
    rt: Option<tokio::runtime::Runtime>,
    pool: Option<HyperClient>,
}

impl Local {
    fn new(inner: &ClientInner) -> Result<Local> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::new(Code::Io, format!("cannot start a tlsguard I/O runtime: {e}")))?;
        // Spawned connection tasks and pool timers land on this runtime: build the pool in it.
        let pool = {
            let _in = rt.enter();
            build_pool(inner)
        };
        Ok(Local { pid: std::process::id(), rt: Some(rt), pool: Some(pool) })
    }
}

impl Drop for Local {
    fn drop(&mut self) {
        if self.pid != std::process::id() {
            // A parent's, after fork(): leaked on purpose.
            std::mem::forget(self.pool.take());
            std::mem::forget(self.rt.take());
            return;
        }
        drop(self.pool.take());
        // Not a blocking shutdown: a client may be dropped inside some async context.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// A hyper pool with tlsguard's settings, its tasks spawned on the runtime current when it
/// is used.
fn build_pool(inner: &ClientInner) -> HyperClient {
    hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .timer(TokioTimer::new())
        .pool_idle_timeout(Duration::from_secs(90))
        .pool_max_idle_per_host(if inner.options.keep_alive { usize::MAX } else { 0 })
        .build(inner.connector.clone())
}

/// How many option sets [`Client::shared`] keeps a client for.
pub const SHARED_CLIENTS: usize = 8;

/// How long [`Client::shared`] keeps using one client before it loads the trust again.
pub const SHARED_CLIENT_TTL: Duration = Duration::from_secs(300);

/// An HTTPS client: TLS configuration, options and a connection pool. Cheap to clone; share it
/// across threads.
#[derive(Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("options", &self.inner.options).finish_non_exhaustive()
    }
}

impl Client {
    /// Builds a client: loads trust and the client identity once, validates the proxy URL and
    /// default headers (`INVALID_ARGUMENT`).
    pub fn new(options: ClientOptions) -> Result<Client> {
        if options.timeout.is_zero() {
            return Err(Error::invalid("timeout: 0 s is not a positive duration"));
        }
        if options.connect_timeout.is_zero() {
            return Err(Error::invalid("connect_timeout: 0 s is not a positive duration"));
        }
        let default_headers = headers::validate_all("headers option", options.headers.iter().map(|(k, v)| (k, v)))?;
        let proxy = Arc::new(ProxyPolicy::new(options.proxy.as_deref())?);
        let tls = Arc::new(TlsContext::new(&options)?);
        let connector = Connector { tls: tls.clone(), proxy, connect_timeout: options.connect_timeout };
        Ok(Client {
            inner: Arc::new(ClientInner {
                options,
                tls,
                connector,
                default_headers,
                pool: Mutex::new(None),
                local: thread_local::ThreadLocal::new(),
                closed: Default::default(),
            }),
        })
    }

    /// A client shared by one-off requests with the same options (what Node's `fetch()` and
    /// undici's global dispatcher do): connections and TLS sessions are reused across calls
    /// instead of a trust load, TCP connection and full handshake per call. Up to
    /// [`SHARED_CLIENTS`] option sets are kept, the least recently used dropped first, and an
    /// entry is rebuilt after [`SHARED_CLIENT_TTL`] so a changed `ca_file` is read again.
    pub fn shared(options: ClientOptions) -> Result<Client> {
        static CACHE: Mutex<Vec<(ClientOptions, Instant, Client)>> = Mutex::new(Vec::new());
        let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
        cache.retain(|(_, made, c)| made.elapsed() < SHARED_CLIENT_TTL && !c.is_closed());
        if let Some(i) = cache.iter().position(|(o, _, _)| *o == options) {
            let entry = cache.remove(i);
            let client = entry.2.clone();
            cache.insert(0, entry);
            return Ok(client);
        }
        let client = Client::new(options.clone())?;
        cache.insert(0, (options, Instant::now(), client.clone()));
        cache.truncate(SHARED_CLIENTS);
        Ok(client)
    }

    /// The options the client was made with.
    pub fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    /// Closes the client: pooled connections are dropped, and later requests fail with
    /// `INVALID_ARGUMENT` (like httpx and undici; a `with`/`using` block ends here). It never
    /// waits: a request in flight finishes, and its thread then drops its connections. So
    /// `close()` may be called from anywhere, a signal handler that interrupted a request of
    /// this very client included.
    pub fn close(&self) {
        self.inner.closed.store(true, std::sync::atomic::Ordering::SeqCst);
        let pool = self.inner.pool.lock().unwrap_or_else(|p| p.into_inner()).take();
        drop(pool);
        // Each thread's blocking pool. A slot that is locked belongs to a request in flight (on
        // another thread, or on this one below a signal handler): waiting for it could deadlock,
        // and its thread drops it when the request returns (see `with_local`).
        for slot in self.inner.local.iter() {
            drop(take_unless_busy(slot));
        }
    }

    /// Runs `f` with this thread's runtime and pool for blocking requests, creating them (again,
    /// after a fork) if needed. The slot stays locked meanwhile: only this thread uses it, but
    /// `close()` may take it from another when it is not in use.
    fn with_local<R>(&self, f: impl FnOnce(&tokio::runtime::Runtime, &HyperClient) -> R) -> Result<R> {
        let slot = self.inner.local.get_or(|| Mutex::new(None));
        let result = {
            let mut guard = slot.lock().unwrap_or_else(|p| p.into_inner());
            let pid = std::process::id();
            if guard.as_ref().is_none_or(|l| l.pid != pid) {
                *guard = Some(Local::new(&self.inner)?); // a parent's Local leaks in its Drop
            }
            let local = guard.as_ref().expect("just set");
            match (&local.rt, &local.pool) {
                (Some(rt), Some(pool)) => Ok(f(rt, pool)),
                _ => Err(Error::new(Code::Internal, "the blocking runtime was taken apart")),
            }
        };
        // Closed meanwhile (close() skipped this slot while it was in use): drop it now.
        if self.is_closed() {
            drop(take_unless_busy(slot));
        }
        result
    }

    /// Whether [`Client::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Sends `requests` with at most `concurrency` in flight, blocking until all are done; the
    /// results come back in the order of `requests` (a failed request's slot holds its error).
    /// From a plain thread, like [`Request::send_blocking`].
    pub fn send_many_blocking(&self, requests: Vec<Request>, concurrency: usize) -> Vec<Result<Response>> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return requests
                .into_iter()
                .map(|r| {
                    Err(Error::invalid(
                        "send_many_blocking() was called inside an async runtime; use send_many().await",
                    )
                    .with_url(r.url))
                })
                .collect();
        }
        // All on this thread's runtime: one thread multiplexes every connection (like
        // curl_multi). A request of another client goes through that client's `send()`.
        let urls: Vec<String> = requests.iter().map(|r| r.url.clone()).collect();
        let ran = self.with_local(|rt, pool| {
            rt.block_on(run_workers(requests, concurrency, |request: Request| {
                let pool = pool.clone();
                let own = Arc::ptr_eq(&request.client.inner, &self.inner);
                async move { if own { request.execute(pool).await } else { request.send().await } }
            }))
        });
        match ran {
            Ok(results) => results,
            Err(e) => urls.into_iter().map(|u| Err(e.clone().with_url(u))).collect(),
        }
    }

    /// [`Client::send_many_blocking`] for async callers.
    pub async fn send_many(requests: Vec<Request>, concurrency: usize) -> Vec<Result<Response>> {
        run_workers(requests, concurrency, Request::send).await
    }

    /// What the client trusts: every source loaded, with counts and what was skipped.
    pub fn trust_report(&self) -> &crate::trust::TrustReport {
        &self.inner.tls.store.report
    }

    /// A request with `method` to `url` (errors in the URL are reported by `send`).
    pub fn request(&self, method: Method, url: &str) -> Request {
        Request {
            client: self.clone(),
            method,
            url: url.to_owned(),
            headers: Vec::new(),
            query: Vec::new(),
            body: None,
            body_type: None,
            timeout: None,
            error: None,
        }
    }

    /// A `GET` request.
    pub fn get(&self, url: &str) -> Request {
        self.request(Method::Get, url)
    }
    /// A `HEAD` request.
    pub fn head(&self, url: &str) -> Request {
        self.request(Method::Head, url)
    }
    /// A `POST` request.
    pub fn post(&self, url: &str) -> Request {
        self.request(Method::Post, url)
    }
    /// A `PUT` request.
    pub fn put(&self, url: &str) -> Request {
        self.request(Method::Put, url)
    }
    /// A `PATCH` request.
    pub fn patch(&self, url: &str) -> Request {
        self.request(Method::Patch, url)
    }
    /// A `DELETE` request.
    pub fn delete(&self, url: &str) -> Request {
        self.request(Method::Delete, url)
    }
    /// An `OPTIONS` request (`options()` is taken by the accessor of the client's options).
    pub fn options_request(&self, url: &str) -> Request {
        self.request(Method::Options, url)
    }

    /// The hyper pool of this process.
    ///
    /// Fork awareness: pooled connections (and the pool's background tasks) belong to the
    /// process that made them, and after a `fork()` they are sockets shared with the parent
    /// whose TLS state the parent keeps advancing. A child using them would corrupt both
    /// sides' sessions. So the pool remembers the pid it was made in and a forked child builds
    /// its own. The parent's pool is leaked, not dropped: dropping it would deregister sockets
    /// from the parent's (copied, threadless) runtime, which can block on a lock a parent
    /// thread held at fork time.
    fn pool(&self) -> HyperClient {
        let pid = std::process::id();
        let mut slot = self.inner.pool.lock().unwrap_or_else(|p| p.into_inner());
        match slot.as_ref() {
            Some(p) if p.pid == pid => return p.client.clone(),
            _ => {}
        }
        if let Some(old) = slot.take() {
            std::mem::forget(old);
        }
        let client = build_pool(&self.inner);
        *slot = Some(Pool { pid, client: client.clone() });
        client
    }
}

/// A request being built. Methods consume and return it; the first invalid input is reported
/// when the request is sent.
#[must_use = "a request does nothing until it is sent"]
pub struct Request {
    client: Client,
    method: Method,
    url: String,
    headers: Vec<(HeaderName, HeaderValue)>,
    query: Vec<(String, String)>,
    body: Option<Bytes>,
    body_type: Option<&'static str>,
    timeout: Option<Duration>,
    error: Option<Error>,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request").field("method", &self.method).field("url", &self.url).finish_non_exhaustive()
    }
}

impl Request {
    fn fail(mut self, e: Error) -> Self {
        if self.error.is_none() {
            self.error = Some(e);
        }
        self
    }

    /// Adds a header (a name set here replaces the client's default of that name; calling it
    /// twice with one name sends both values).
    pub fn header(self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        self.headers([(name, value)])
    }

    /// Adds several headers.
    pub fn headers<K: AsRef<str>, V: AsRef<str>>(mut self, headers: impl IntoIterator<Item = (K, V)>) -> Self {
        match headers::validate_all("header", headers) {
            Ok(list) => {
                self.headers.extend(list);
                let total: usize = self.headers.iter().map(|(n, v)| n.as_str().len() + v.len()).sum();
                if total > headers::MAX_TOTAL_HEADER_BYTES {
                    return self.fail(Error::invalid(format!(
                        "header: headers exceed {} bytes in total",
                        headers::MAX_TOTAL_HEADER_BYTES
                    )));
                }
                self
            }
            Err(e) => self.fail(e),
        }
    }

    /// Appends a query parameter (percent-encoded) to the URL.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(Bytes::from(body.into()));
        self.body_type = None;
        self
    }

    /// Sets a text body (`content-type: text/plain; charset=utf-8` unless set as a header).
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.body = Some(Bytes::from(text.into()));
        self.body_type = Some("text/plain; charset=utf-8");
        self
    }

    /// Sets a JSON body (`content-type: application/json` unless set as a header).
    pub fn json(mut self, value: &serde_json::Value) -> Self {
        match serde_json::to_vec(value) {
            Ok(v) => {
                self.body = Some(Bytes::from(v));
                self.body_type = Some("application/json");
                self
            }
            Err(e) => self.fail(Error::invalid(format!("json: cannot serialize the body: {e}"))),
        }
    }

    /// Sets an `application/x-www-form-urlencoded` body.
    pub fn form<K: AsRef<str>, V: AsRef<str>>(mut self, fields: &[(K, V)]) -> Self {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in fields {
            s.append_pair(k.as_ref(), v.as_ref());
        }
        self.body = Some(Bytes::from(s.finish()));
        self.body_type = Some("application/x-www-form-urlencoded");
        self
    }

    /// Overrides the client's whole-request timeout for this request (must be positive).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        if timeout.is_zero() {
            return self.fail(Error::invalid("timeout: 0 s is not a positive duration"));
        }
        self.timeout = Some(timeout);
        self
    }

    /// Per-request option names of [`Request::options_json`].
    pub const OPTION_NAMES: &'static [&'static str] = &["headers", "query", "json", "body", "form", "timeout"];

    /// Applies per-request options given by name, as the bindings and the scenario manifest
    /// pass them: `headers` (mapping; a value may be a list), `query` (mapping or list of
    /// pairs), `json` (any JSON value), `body` (text), `form` (mapping or list of pairs),
    /// `timeout` (seconds). An empty list counts as an empty mapping (PHP cannot tell them
    /// apart). Unknown names and bad values are reported by `send` as `INVALID_ARGUMENT`.
    pub fn options_json(mut self, value: &serde_json::Value) -> Self {
        let map = match value {
            serde_json::Value::Null => return self,
            serde_json::Value::Object(m) => m,
            serde_json::Value::Array(a) if a.is_empty() => return self,
            _ => return self.fail(Error::invalid("request options must be a mapping of option names to values")),
        };
        let bodies = ["json", "body", "form"].iter().filter(|b| map.get(**b).is_some_and(|v| !v.is_null())).count();
        if bodies > 1 {
            return self.fail(Error::invalid("give only one of the request options body, json and form"));
        }
        for (name, v) in map {
            if v.is_null() {
                continue;
            }
            self = match name.as_str() {
                "headers" => match crate::options::json_headers("headers", v) {
                    Ok(list) => self.headers(list),
                    Err(e) => self.fail(e),
                },
                "query" => match crate::options::json_pairs("query", v) {
                    Ok(pairs) => pairs.into_iter().fold(self, |r, (k, val)| r.query(k, val)),
                    Err(e) => self.fail(e),
                },
                "form" => match crate::options::json_pairs("form", v) {
                    Ok(pairs) => self.form(&pairs),
                    Err(e) => self.fail(e),
                },
                "json" => self.json(v),
                "body" => match v.as_str() {
                    Some(text) => self.body(text.as_bytes().to_vec()),
                    None => self.fail(Error::invalid("body: expected text")),
                },
                "timeout" => match v
                    .as_f64()
                    .ok_or_else(|| Error::invalid("timeout: expected a number of seconds"))
                    .and_then(|secs| crate::options::timeout_from_secs("timeout", secs))
                {
                    Ok(d) => self.timeout(d),
                    Err(e) => self.fail(e),
                },
                other => self.fail(Error::invalid(format!(
                    "unknown request option {other:?}; known: {}",
                    Self::OPTION_NAMES.join(", ")
                ))),
            };
        }
        self
    }

    /// Sends the request and reads the whole response. Works from any async runtime (or
    /// executor): the work runs on tlsguard's own runtime and this future awaits it. Dropping
    /// the future cancels the request.
    pub async fn send(self) -> Result<Response> {
        let url = self.url.clone();
        let handle = runtime::handle().map_err(|e| e.with_url(url.as_str()))?;
        let pool = self.client.pool();
        let mut task = AbortOnDrop(handle.spawn(self.execute(pool)));
        match (&mut task.0).await {
            Ok(r) => r,
            Err(e) => Err(task_failed(&e, &url)),
        }
    }

    /// Sends the request from a plain (non-async) thread, blocking until the response is read;
    /// the calling thread drives the connection itself. Inside an async runtime it refuses with
    /// `INVALID_ARGUMENT` (blocking there would stall the runtime): use `send().await`.
    pub fn send_blocking(self) -> Result<Response> {
        let url = self.url.clone();
        self.on_this_thread(|rt, req, pool| rt.block_on(req.execute(pool))).map_err(|e| e.with_url(url))?
    }

    /// [`Request::send_blocking`] that calls `check` every `every` while the request runs (on
    /// this thread, between polls of the request); an `Err` from `check` cancels the request
    /// and is returned. For callers that must react to something meanwhile (Python's Ctrl-C).
    pub fn send_blocking_checked<E>(
        self,
        every: Duration,
        mut check: impl FnMut() -> std::result::Result<(), E>,
    ) -> std::result::Result<Result<Response>, E> {
        let url = self.url.clone();
        let ran = self.on_this_thread(|rt, req, pool| {
            rt.block_on(async {
                let fut = req.execute(pool);
                tokio::pin!(fut);
                let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
                loop {
                    tokio::select! {
                        biased;
                        r = &mut fut => return Ok(r),
                        _ = tick.tick() => check()?,
                    }
                }
            })
        });
        match ran {
            Ok(r) => r,
            Err(e) => Ok(Err(e.with_url(url))),
        }
    }

    /// Runs `f` with this thread's runtime and pool of the request's client, after the checks
    /// every blocking send makes (not inside an async runtime, client not closed).
    fn on_this_thread<R>(self, f: impl FnOnce(&tokio::runtime::Runtime, Request, HyperClient) -> R) -> Result<R> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::invalid(
                "send_blocking() was called inside an async runtime, where it would block the runtime; use send().await",
            ));
        }
        if self.client.is_closed() {
            return Err(Error::invalid("the client is closed"));
        }
        let client = self.client.clone();
        client.with_local(|rt, pool| f(rt, self, pool.clone()))
    }

    /// The whole request under the whole-request timeout, on `pool` (which belongs to the
    /// runtime this runs on).
    async fn execute(self, pool: HyperClient) -> Result<Response> {
        let original = self.url.clone();
        if let Some(e) = self.error {
            return Err(e.with_url(original));
        }
        if self.client.is_closed() {
            return Err(Error::invalid("the client is closed").with_url(original));
        }
        let timeout = self.timeout.unwrap_or(self.client.inner.options.timeout);
        let started = Instant::now();
        let exchange = Exchange {
            client: self.client,
            method: self.method,
            url: self.url,
            headers: self.headers,
            query: self.query,
            body: self.body,
            body_type: self.body_type,
            started,
            deadline: started + timeout,
            pool,
        };
        // Every error names the URL the caller asked for (messages name redirect targets).
        match tokio::time::timeout(timeout, exchange.run()).await {
            // Decoding that ran past the deadline reports the same timeout as the I/O would.
            Ok(Err(e)) if e.code() == Code::Timeout && e.message() == body::PAST_DEADLINE => {
                Err(timed_out(&original, timeout))
            }
            Ok(r) => r.map_err(|e| e.with_url(original)),
            Err(_) => Err(timed_out(&original, timeout)),
        }
    }
}

/// The `TIMEOUT` error of a request to `original` that did not end within `timeout`.
fn timed_out(original: &str, timeout: Duration) -> Error {
    Error::new(
        Code::Timeout,
        format!("request to {} timed out after {} (timeout)", redact_url(original), secs(timeout)),
    )
    .with_url(original)
}

fn task_failed(e: &tokio::task::JoinError, url: &str) -> Error {
    Error::new(Code::HttpProtocol, format!("the request task failed: {e}")).with_url(url)
}

/// Aborts the spawned request when the `send()` future is dropped (cancelled).
struct AbortOnDrop(tokio::task::JoinHandle<Result<Response>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

use crate::util::url_without_credentials as redact_url;

/// The `Local` of `slot`, unless a request is using it right now.
fn take_unless_busy(slot: &Mutex<Option<Local>>) -> Option<Local> {
    match slot.try_lock() {
        Ok(mut g) => g.take(),
        Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner().take(),
        Err(std::sync::TryLockError::WouldBlock) => None,
    }
}

/// The state of one request across its redirects.
struct Exchange {
    client: Client,
    method: Method,
    url: String,
    headers: Vec<(HeaderName, HeaderValue)>,
    query: Vec<(String, String)>,
    body: Option<Bytes>,
    body_type: Option<&'static str>,
    started: Instant,
    /// When the whole-request timeout expires (decoding stops there too).
    deadline: Instant,
    pool: HyperClient,
}

/// How much of a redirect response's body is read (so the connection can be reused).
const REDIRECT_BODY_DRAIN: u64 = 64 * 1024;

impl Exchange {
    async fn run(self) -> Result<Response> {
        let inner = self.client.inner.clone();
        let opts = &inner.options;
        // `https://user:pass@host/`: Basic auth (unless the caller set Authorization), and the
        // credentials leave the URL: never in HTTP/2's :authority, Response::url or messages.
        let (mut url, url_auth) = policy::parse_url(&self.url, opts.allow_http)?;
        if !self.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &self.query {
                pairs.append_pair(k, v);
            }
        }
        let mut headers = headers::merge(&inner.default_headers, &self.headers, self.body_type)?;
        if let Some(auth) = url_auth {
            headers.entry(http::header::AUTHORIZATION).or_insert(auth);
        }
        let mut method = self.method;
        let mut body = self.body.unwrap_or_default();
        let mut redirects: u32 = 0;
        let pool = self.pool;
        loop {
            let host = url.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']').to_owned();
            let uri: http::Uri = url
                .as_str()
                .parse()
                .map_err(|e| Error::new(Code::InvalidUrl, format!("URL {url} cannot be sent: {e}")))?;
            let mut req = http::Request::new(Full::new(body.clone()));
            *req.method_mut() = method.to_http();
            *req.uri_mut() = uri;
            *req.headers_mut() = headers.clone();
            let res = pool
                .request(req)
                .await
                .map_err(|e| errors::classify(&e, errors::failure_of(&e).as_ref(), &inner.tls, &host))?;
            let status = res.status().as_u16();

            if policy::is_redirect(status)
                && opts.max_redirects > 0
                && let Some(location) = res.headers().get(http::header::LOCATION)
            {
                let location = String::from_utf8_lossy(location.as_bytes()).into_owned();
                if redirects >= opts.max_redirects {
                    return Err(Error::new(
                        Code::TooManyRedirects,
                        format!("stopped after {redirects} redirects; last Location: {location}"),
                    ));
                }
                let hop = policy::next_hop(&url, status, &location, method, opts.allow_http)?;
                // Read a small body so the connection goes back to the pool; ignore errors.
                let _ = body::read_capped(res.into_body(), REDIRECT_BODY_DRAIN).await;
                if !hop.keep_body {
                    body = Bytes::new();
                    for h in policy::BODY_HEADERS {
                        headers.remove(h);
                    }
                }
                if hop.cross_origin {
                    // Credentials, a caller-set Host, and every header marked sensitive.
                    for h in policy::CREDENTIAL_HEADERS {
                        headers.remove(h);
                    }
                    headers.remove(http::header::HOST);
                    for h in &opts.sensitive_headers {
                        headers.remove(h.as_str());
                    }
                }
                method = hop.method;
                url = hop.url;
                redirects += 1;
                continue;
            }

            let (parts, incoming) = res.into_parts();
            let cap = opts.max_response_bytes;
            let no_body = method == Method::Head || status == 204 || status == 304 || (100..200).contains(&status);
            let body = if no_body {
                Bytes::new()
            } else {
                body::check_content_length(&parts.headers, cap)?;
                body::check_coding_chains(&parts.headers)?;
                let raw = body::read_capped(incoming, cap).await.map_err(|e| match e {
                    body::ReadError::Ours(e) => e,
                    body::ReadError::Hyper(h) => {
                        let failure = parts.extensions.get::<connect::TlsFailure>();
                        errors::classify(&h, failure, &inner.tls, &host)
                    }
                })?;
                match body::parse_encodings(&parts.headers) {
                    Some(encs) if !encs.is_empty() => body::decode_off_runtime(raw, encs, cap, self.deadline).await?,
                    _ => raw,
                }
            };
            let headers = parts
                .headers
                .iter()
                .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect();
            let http_version = match parts.version {
                http::Version::HTTP_2 => "HTTP/2",
                http::Version::HTTP_10 => "HTTP/1.0",
                http::Version::HTTP_09 => "HTTP/0.9",
                http::Version::HTTP_3 => "HTTP/3",
                _ => "HTTP/1.1",
            };
            return Ok(Response {
                status,
                headers,
                body,
                url: url.to_string(),
                redirects,
                http_version,
                tls: parts.extensions.get::<TlsInfo>().cloned(),
                elapsed: self.started.elapsed(),
            });
        }
    }
}

/// A complete response: status, headers, decoded body, and what the connection negotiated.
#[derive(Clone)]
pub struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Bytes,
    url: String,
    redirects: u32,
    http_version: &'static str,
    tls: Option<TlsInfo>,
    elapsed: Duration,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("url", &self.url)
            .field("http_version", &self.http_version)
            .field("redirects", &self.redirects)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl Response {
    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The canonical reason phrase of the status (`"OK"`, `"Not Found"`), empty if unknown.
    pub fn reason(&self) -> &str {
        http::StatusCode::from_u16(self.status).ok().and_then(|s| s.canonical_reason()).unwrap_or("")
    }

    /// All headers in the order received; names lowercase, repeated names kept. Values that
    /// are not UTF-8 are converted lossily.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// The distinct header names, lowercase, in first-seen order.
    pub fn header_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for (n, _) in self.headers() {
            if !names.contains(&n.as_str()) {
                names.push(n);
            }
        }
        names
    }

    /// `Err(HTTP_STATUS)` for a 4xx or 5xx status (requests' `raise_for_status`), else `Ok`.
    pub fn error_for_status(&self) -> Result<()> {
        let status = self.status();
        if !(400..600).contains(&status) {
            return Ok(());
        }
        let side = if status < 500 { "client error" } else { "server error" };
        Err(Error::new(Code::HttpStatus, format!("{status} {} ({side}) for {}", self.reason(), self.url()))
            .with_url(self.url().to_owned()))
    }

    /// All values of header `name` (case-insensitive), in order.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
    }

    /// The body, decoded from gzip/deflate/br when the server compressed it.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body, consuming the response.
    pub fn into_body(self) -> Bytes {
        self.body
    }

    /// The body as text (UTF-8; invalid sequences replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON (`HTTP_PROTOCOL` if it is not JSON).
    pub fn json(&self) -> Result<serde_json::Value> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::new(Code::HttpProtocol, format!("response body is not valid JSON: {e}")).with_url(self.url.as_str())
        })
    }

    /// The final URL, after redirects.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// How many redirects were followed.
    pub fn redirects(&self) -> u32 {
        self.redirects
    }

    /// `"HTTP/1.1"` or `"HTTP/2"` (`"HTTP/1.0"` for an HTTP/1.0 server).
    pub fn http_version(&self) -> &str {
        self.http_version
    }

    /// What the TLS handshake negotiated (`None` for `http://`).
    pub fn tls(&self) -> Option<&TlsInfo> {
        self.tls.as_ref()
    }

    /// The certificates the server presented, leaf first (empty for `http://`). Certificates
    /// that cannot be parsed are skipped.
    pub fn peer_certificates(&self) -> Vec<CertificateInfo> {
        self.tls
            .as_ref()
            .map(|t| t.peer_certificates.iter().filter_map(|d| CertificateInfo::from_der(d).ok()).collect())
            .unwrap_or_default()
    }

    /// Time from sending the request to having read the whole body (all redirects included).
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }
}

/// Awaits futures concurrently, keeping their order (a small `join_all`).
/// Runs `send` on every request with at most `concurrency` in flight: that many workers take
/// the next request from a shared queue (so a wake-up polls `concurrency` futures, not one per
/// request). Results come back in the order of `requests`.
async fn run_workers<F, Fut>(requests: Vec<Request>, concurrency: usize, send: F) -> Vec<Result<Response>>
where
    F: Fn(Request) -> Fut,
    Fut: std::future::Future<Output = Result<Response>>,
{
    let n = requests.len();
    let queue = Mutex::new(requests.into_iter().enumerate());
    let results: Mutex<Vec<Option<Result<Response>>>> = Mutex::new((0..n).map(|_| None).collect());
    let workers = (0..concurrency.clamp(1, 1024).min(n)).map(|_| async {
        loop {
            let next = queue.lock().unwrap_or_else(|p| p.into_inner()).next();
            let Some((i, request)) = next else { break };
            let r = send(request).await;
            results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(r);
        }
    });
    futures_join_all(workers.collect()).await;
    let results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Err(Error::new(Code::Internal, "a request of the batch was not run"))))
        .collect()
}

async fn futures_join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut slots: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    let mut pending: Vec<(usize, std::pin::Pin<Box<F>>)> = futures.into_iter().map(Box::pin).enumerate().collect();
    std::future::poll_fn(|cx| {
        pending.retain_mut(|(i, f)| match f.as_mut().poll(cx) {
            std::task::Poll::Ready(out) => {
                slots[*i] = Some(out);
                false
            }
            std::task::Poll::Pending => true,
        });
        if pending.is_empty() { std::task::Poll::Ready(()) } else { std::task::Poll::Pending }
    })
    .await;
    slots.into_iter().map(|o| o.expect("every future completed")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_parsing() {
        for (s, m) in [("get", Method::Get), ("GET", Method::Get), ("Post", Method::Post), ("options", Method::Options)]
        {
            assert_eq!(s.parse::<Method>().expect(s), m);
        }
        for m in [Method::Get, Method::Head, Method::Post, Method::Put, Method::Patch, Method::Delete, Method::Options]
        {
            assert_eq!(m.as_str().parse::<Method>().expect("round trip"), m);
            assert_eq!(m.to_http().as_str(), m.as_str());
        }
        for bad in ["", "CONNECT", "TRACE", "GETX", "G ET"] {
            assert_eq!(bad.parse::<Method>().expect_err(bad).code(), Code::InvalidArgument);
        }
    }

    #[test]
    fn redaction() {
        assert_eq!(redact_url("https://u:p@h.test/x"), "https://h.test/x");
        assert_eq!(redact_url("https://h.test/x"), "https://h.test/x");
        assert_eq!(redact_url("not a url"), "not a url");
    }
}
