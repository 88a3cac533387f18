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
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http::{HeaderName, HeaderValue};
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::error::{Error, Result};
use crate::options::ClientOptions;
use crate::tls::TlsContext;

mod batch;
mod blocking;
mod body;
mod completion;
pub(crate) mod connect;
mod errors;
mod exchange;
mod headers;
mod request;
mod request_options;
mod response;
mod routes;
pub(crate) mod runtime;
mod slots;
mod stream;
mod tunnel;
mod upload;
mod urls;

pub use crate::auth::Auth;
pub use crate::cookies::{Cookie, CookieJar};
pub use crate::method::{Method, MethodToken};
pub use crate::retry::{DEFAULT_RETRY_STATUSES, Retries};
pub use body::DECODED_CODINGS;
pub use completion::{AbortHandle, BodyPump, spawn};
pub use request::{Redirects, Request};
pub use request_options::{RequestBody, RequestOptions};
pub use response::{Redirect, Response, ResponseHead};
pub use stream::{BodyReader, BodyStream, StreamedResponse};
pub use tunnel::TlsTunnel;
pub use upload::{ByteStream, Multipart};

use crate::proxy::ProxyPolicy;
use blocking::{Local, take_unless_busy};
use connect::Connector;
use routes::Pools;

type HyperClient = hyper_util::client::legacy::Client<Connector, upload::UploadBody>;

/// The pools and the pid of the process they were made in.
struct Pool {
    pid: u32,
    client: Pools,
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

/// A hyper pool with tlsguard's settings and `connector`, its tasks spawned on the runtime
/// current when it is used.
fn build_pool(inner: &ClientInner, connector: Connector) -> HyperClient {
    hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .timer(TokioTimer::new())
        .pool_idle_timeout(inner.options.pool_idle_timeout)
        .pool_max_idle_per_host(if inner.options.keep_alive { usize::MAX } else { 0 })
        .build(connector)
}

/// The connection slots of a new pool under `max_connections_per_host` (`None`: no limit).
fn new_slots(options: &ClientOptions) -> Option<Arc<slots::Slots>> {
    options.max_connections_per_host.map(|max| Arc::new(slots::Slots::new(max, options.pool_wait_timeout)))
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
        for (name, t) in [
            ("timeout", options.timeout),
            ("read_timeout", options.read_timeout),
            ("connect_timeout", Some(options.connect_timeout)),
            ("pool_idle_timeout", Some(options.pool_idle_timeout)),
            ("pool_wait_timeout", Some(options.pool_wait_timeout)),
        ] {
            if t.is_some_and(|t| t.is_zero()) {
                return Err(Error::invalid(format!("{name}: 0 s is not a positive duration (None means no limit)")));
            }
        }
        let default_headers = headers::validate_all("headers option", options.headers.iter().map(|(k, v)| (k, v)))?;
        if let Some(auth) = &options.auth {
            auth.check()?;
        }
        let proxy = Arc::new(ProxyPolicy::new(options.proxy.as_deref())?);
        if options.max_connections_per_host == Some(0) {
            return Err(Error::invalid("max_connections_per_host: 0 is not a limit (None means no limit)"));
        }
        if let Some((host, _)) = options.resolve.iter().find(|(h, a)| h.is_empty() || a.is_empty()) {
            return Err(Error::invalid(format!("resolve: {:?} needs a host name and at least one address", host)));
        }
        let tls = Arc::new(TlsContext::new(&options)?);
        let connector = Connector {
            tls: tls.clone(),
            proxy,
            connect_timeout: options.connect_timeout,
            resolver: crate::net::Resolver::new(options.resolve.clone()),
            slots: new_slots(&options),
            h1_only: false,
        };
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
    ///
    /// Options with a cookie jar are not shared (one-off requests would otherwise keep one
    /// another's cookies): each call makes a client of its own.
    pub fn shared(options: ClientOptions) -> Result<Client> {
        if options.cookies.is_some() {
            return Client::new(options);
        }
        if let Some(client) = shared_lookup(&mut shared_cache(), &options) {
            return Ok(client);
        }
        // Made outside the lock: loading the trust store reads files, and other option sets
        // must not wait for it. Two callers may make one each; the first in the cache wins.
        let client = Client::new(options.clone())?;
        let mut cache = shared_cache();
        if let Some(first) = shared_lookup(&mut cache, &options) {
            return Ok(first);
        }
        cache.insert(0, (options, Instant::now(), client.clone()));
        cache.truncate(SHARED_CLIENTS);
        Ok(client)
    }

    /// Closes every client [`Client::shared`] keeps and forgets them (their pooled connections
    /// are dropped); the next shared call makes a new one. Requests in flight finish.
    pub fn close_shared() {
        let all = std::mem::take(&mut *shared_cache());
        for (_, _, client) in all {
            client.close();
        }
    }

    /// [`Client::shared`] for async callers: a cached client is returned at once; a new one
    /// (which loads the trust store: file and OS reads) is made on a blocking thread of
    /// tlsguard's runtime, so the caller's thread (a JS or asyncio event loop) never waits for
    /// it. `INTERNAL` if that thread cannot run.
    pub async fn shared_async(options: ClientOptions) -> Result<Client> {
        if let Some(client) = shared_lookup(&mut shared_cache(), &options) {
            return Ok(client);
        }
        let handle = runtime::handle()?;
        match handle.spawn_blocking(move || Client::shared(options)).await {
            Ok(r) => r,
            Err(e) => {
                Err(Error::new(crate::error::Code::Internal, format!("could not make the client: {e}")).with_source(e))
            }
        }
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

    /// Whether [`Client::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The client's cookie jar (the `cookies` option), if it has one.
    pub fn cookie_jar(&self) -> Option<&CookieJar> {
        self.inner.options.cookies.as_ref()
    }

    /// The client's cookies as JSON ([`CookieJar::to_json`]), for a binding to persist or hand
    /// to another client's `cookies` option; `None` when the client has no jar.
    ///
    /// ```no_run
    /// # fn demo() -> tlsguard::Result<()> {
    /// use tlsguard::{Client, ClientOptions};
    ///
    /// let client = Client::new(ClientOptions::from_json(&serde_json::json!({"cookies": true}))?)?;
    /// client.get("https://example.com/login").send_blocking()?;
    /// let saved = client.cookies_json().expect("a jar");
    /// // Later, or in another process: a client that starts with those cookies.
    /// let again = Client::new(ClientOptions::from_json(&serde_json::json!({"cookies": saved}))?)?;
    /// # let _ = again; Ok(()) }
    /// ```
    pub fn cookies_json(&self) -> Option<serde_json::Value> {
        self.cookie_jar().map(CookieJar::to_json)
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
            body: upload::Payload::empty(),
            body_type: None,
            timeout: None,
            read_timeout: None,
            timeout_covers_body: false,
            decompress: true,
            max_response_bytes: None,
            redirect: request::Redirects::Follow,
            retries: None,
            route: None,
            error: None,
            auth: None,
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

    /// Whether every request uses the one pool on tlsguard's runtime, blocking ones included:
    /// with `max_connections_per_host`, so that the limit holds across threads (a thread's own
    /// pool could keep a slot idle that another thread waits for).
    fn shares_one_pool(&self) -> bool {
        self.inner.options.max_connections_per_host.is_some()
    }

    /// The hyper pools of this process.
    ///
    /// Fork awareness: pooled connections (and the pool's background tasks) belong to the
    /// process that made them, and after a `fork()` they are sockets shared with the parent
    /// whose TLS state the parent keeps advancing. A child using them would corrupt both
    /// sides' sessions. So the pool remembers the pid it was made in and a forked child builds
    /// its own. The parent's pool is leaked, not dropped: dropping it would deregister sockets
    /// from the parent's (copied, threadless) runtime, which can block on a lock a parent
    /// thread held at fork time.
    fn pool(&self) -> Pools {
        let pid = std::process::id();
        let mut slot = self.inner.pool.lock().unwrap_or_else(|p| p.into_inner());
        match slot.as_ref() {
            Some(p) if p.pid == pid => return p.client.clone(),
            _ => {}
        }
        if let Some(old) = slot.take() {
            std::mem::forget(old);
        }
        let client = Pools::new(&self.inner);
        *slot = Some(Pool { pid, client: client.clone() });
        client
    }
}

/// The clients of [`Client::shared`], most recently used first.
type SharedCache = Vec<(ClientOptions, Instant, Client)>;

fn shared_cache() -> std::sync::MutexGuard<'static, SharedCache> {
    static CACHE: Mutex<SharedCache> = Mutex::new(Vec::new());
    CACHE.lock().unwrap_or_else(|p| p.into_inner())
}

/// The cached client for `options` (moved to the front), after dropping expired and closed ones.
fn shared_lookup(cache: &mut SharedCache, options: &ClientOptions) -> Option<Client> {
    cache.retain(|(_, made, c)| made.elapsed() < SHARED_CLIENT_TTL && !c.is_closed());
    let i = cache.iter().position(|(o, _, _)| o == options)?;
    let entry = cache.remove(i);
    let client = entry.2.clone();
    cache.insert(0, entry);
    Some(client)
}
