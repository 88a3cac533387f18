//! Options of a [`Client`](crate::Client) and of offline verification.
//!
//! Names follow the language-neutral option names the bindings take (`roots`, `ca_file`,
//! `pins`, ...). Nothing here can lower the TLS floor or turn verification off.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::error::{Error, Result};

/// Which root stores to trust. CAs from `ca_file`/`ca_pem` are always **added** to these;
/// `SSL_CERT_FILE`/`SSL_CERT_DIR` are the `system` store when set (see `use_env`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Roots {
    /// Mozilla's roots, as shipped by webpki-roots.
    Mozilla,
    /// The operating system's store.
    System,
    /// Both (the default).
    #[default]
    MozillaAndSystem,
    /// No built-in roots: only `ca_file`/`ca_pem`, or pins.
    None,
}

impl Roots {
    /// The option's string form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mozilla => "mozilla",
            Self::System => "system",
            Self::MozillaAndSystem => "mozilla+system",
            Self::None => "none",
        }
    }
}

impl FromStr for Roots {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "mozilla" => Ok(Self::Mozilla),
            "system" => Ok(Self::System),
            "mozilla+system" | "system+mozilla" => Ok(Self::MozillaAndSystem),
            "none" => Ok(Self::None),
            other => Err(Error::invalid(format!(
                "roots: {other:?} is not one of \"mozilla\", \"system\", \"mozilla+system\", \"none\""
            ))),
        }
    }
}

/// The lowest TLS version tlsguard will negotiate. There is nothing below 1.2.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum MinTls {
    /// TLS 1.2 and 1.3 (the default).
    #[default]
    Tls12,
    /// TLS 1.3 only.
    Tls13,
}

impl MinTls {
    /// `"1.2"` or `"1.3"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tls12 => "1.2",
            Self::Tls13 => "1.3",
        }
    }
}

impl FromStr for MinTls {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "1.2" | "TLSv1.2" => Ok(Self::Tls12),
            "1.3" | "TLSv1.3" => Ok(Self::Tls13),
            other => Err(Error::invalid(format!(
                "min_tls: {other:?} is not \"1.2\" or \"1.3\" (older versions are never offered)"
            ))),
        }
    }
}

/// Data given either as a file path or as bytes (PEM or DER).
///
/// `Debug` shows a path, and only the length of bytes (they may be a private key).
#[derive(Clone, PartialEq, Eq)]
pub enum Source {
    /// Read from this file.
    Path(PathBuf),
    /// These bytes.
    Bytes(Vec<u8>),
}

impl Source {
    /// The bytes, reading the file if needed (`IO` error naming `what` and the path).
    pub fn read(&self, what: &str) -> Result<Vec<u8>> {
        match self {
            Self::Bytes(b) => Ok(b.clone()),
            Self::Path(p) => crate::util::read_file(p, what),
        }
    }

    /// A string option that is either a file path or PEM text (recognised by its `-----BEGIN `
    /// header): the rule every binding uses for `ca_file`/`client_cert`/`key`-like options.
    pub fn from_path_or_pem(name: &str, text: &str) -> Result<Source> {
        json_source(name, &serde_json::Value::String(text.to_owned()))
    }

    /// A short description for reports: the path, or `"<N bytes>"`.
    pub fn describe(&self) -> String {
        match self {
            Self::Path(p) => p.display().to_string(),
            Self::Bytes(b) => format!("<{} bytes>", b.len()),
        }
    }
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Path(p) => f.debug_tuple("Path").field(p).finish(),
            Self::Bytes(b) => write!(f, "Bytes(<{} bytes>)", b.len()),
        }
    }
}

/// Everything that decides what is trusted: roots, extra CAs, pins, CRLs.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrustOptions {
    /// Built-in root stores.
    pub roots: Roots,
    /// CA certificate files (PEM bundles or DER) added to the roots.
    pub ca_files: Vec<PathBuf>,
    /// CA certificates (PEM bundles or DER) added to the roots.
    pub ca_pem: Vec<Vec<u8>>,
    /// SPKI pins, `sha256/<base64>`.
    pub pins: Vec<String>,
    /// Certificate revocation lists (PEM or DER).
    pub crls: Vec<Source>,
    /// Whether `SSL_CERT_FILE` / `SSL_CERT_DIR` (when set) replace the OS store as the `system`
    /// roots (default true). They are never used without `system` in `roots`.
    pub use_env: bool,
}

impl Default for TrustOptions {
    fn default() -> Self {
        Self {
            roots: Roots::default(),
            ca_files: Vec::new(),
            ca_pem: Vec::new(),
            pins: Vec::new(),
            crls: Vec::new(),
            use_env: true,
        }
    }
}

/// A client certificate and its key, for servers that require mutual TLS.
///
/// `Debug` redacts the key and the password.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientIdentity {
    /// The certificate chain (PEM or DER), leaf first.
    pub cert: Source,
    /// The private key: PKCS#8, PKCS#1 (RSA), SEC1 (EC) or encrypted PKCS#8.
    pub key: Source,
    /// The password of an encrypted PKCS#8 key.
    pub password: Option<String>,
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key: &dyn fmt::Debug = match &self.key {
            Source::Path(p) => p,
            Source::Bytes(_) => &"<redacted>",
        };
        f.debug_struct("ClientIdentity")
            .field("cert", &self.cert)
            .field("key", key)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl ClientIdentity {
    /// A certificate and key.
    pub fn new(cert: Source, key: Source, password: Option<String>) -> Self {
        Self { cert, key, password }
    }
}

/// Default whole-request timeout: 30 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default read timeout (the longest wait for the next bytes of a response): 30 s.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time an idle pooled connection is kept: 90 s.
pub const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// Default connect timeout (DNS + TCP + TLS handshake): 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default longest wait for a free connection under `max_connections_per_host`: 30 s.
pub const DEFAULT_POOL_WAIT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default redirect limit.
pub const DEFAULT_MAX_REDIRECTS: u32 = 10;
/// Default cap on a response body after decompression: 100 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 100 * 1024 * 1024;

/// Headers dropped when a redirect leaves the origin, by default (`sensitive_headers`).
/// `Authorization`, `Cookie`, `Proxy-Authorization` and a caller-set `Host` are dropped whatever
/// the option says.
pub const DEFAULT_SENSITIVE_HEADERS: &[&str] =
    &["authorization", "cookie", "proxy-authorization", "x-api-key", "x-auth-token"];

/// Options of a [`Client`](crate::Client).
///
/// `Debug` redacts secrets: the key and its password, proxy credentials, and the values of
/// `Authorization`, `Proxy-Authorization`, `Cookie` and every `sensitive_headers` header.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientOptions {
    /// What is trusted.
    pub trust: TrustOptions,
    /// Client certificate for mutual TLS.
    pub identity: Option<ClientIdentity>,
    /// Lowest TLS version.
    pub min_tls: MinTls,
    /// Whole-request timeout (default 30 s; `None`: no limit): connect, send, the headers and
    /// (for a buffered response) the whole body, all redirects included. For a streamed
    /// response it ends when the headers arrive, unless the request asks it to cover the body
    /// too ([`Request::timeout_covers_body`](crate::Request::timeout_covers_body)).
    pub timeout: Option<Duration>,
    /// Read timeout (default 30 s; `None`: no limit): the longest wait for the next bytes of the
    /// response, its headers (counted from the end of sending the request) or its body. A slow
    /// but steady download never hits it.
    pub read_timeout: Option<Duration>,
    /// How long an idle pooled connection is kept before it is closed (default 90 s).
    pub pool_idle_timeout: Duration,
    /// Connect timeout (DNS, TCP connect to every address tried, proxy tunnel and TLS handshake).
    pub connect_timeout: Duration,
    /// Redirects followed at most (0 = none followed; the 3xx response is returned).
    pub max_redirects: u32,
    /// Allow `http://` URLs (never allowed as a redirect target from https).
    pub allow_http: bool,
    /// Explicit proxy URL: `http://` (CONNECT), `https://` (TLS to the proxy with this client's
    /// trust, CONNECT inside), `socks5://` (the client resolves names) or `socks5h://` (the
    /// proxy does), each `scheme://[user:pass@]host[:port]`. `None` reads
    /// `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY` (any of those kinds); `Some("")`
    /// connects directly and ignores them. A request may choose its own
    /// ([`Request::proxy`](crate::Request::proxy)). See
    /// [`manual::requests`](crate::manual::requests) for an example.
    pub proxy: Option<String>,
    /// Offer HTTP/2 by ALPN (default false: HTTP/1.1 only, like requests, httpx, undici and
    /// Guzzle). Off by default because, measured on this library's benchmark, HTTP/2 cost
    /// 10-40% of sequential throughput and gave no gain at 32 concurrent requests; turn it on
    /// for servers that need it or many concurrent requests to one host over one connection.
    pub http2: bool,
    /// Reuse connections (default true). `false` closes each connection after its response, so
    /// every request makes a new TCP + TLS connection (TLS session resumption still applies).
    pub keep_alive: bool,
    /// Headers sent with every request.
    pub headers: Vec<(String, String)>,
    /// Cap on a response body after decompression.
    pub max_response_bytes: u64,
    /// Fetch an intermediate the server omits from the leaf's AIA URL (opt-in).
    pub fetch_missing_intermediates: bool,
    /// Let that fetch reach loopback, private, link-local and other non-public addresses
    /// (default false: public addresses only), for private PKIs.
    pub aia_allow_private: bool,
    /// Headers (lowercase names) removed from a request when a redirect leaves the origin,
    /// besides `Authorization`, `Cookie`, `Proxy-Authorization` and `Host`, which always are.
    /// Default: [`DEFAULT_SENSITIVE_HEADERS`].
    pub sensitive_headers: Vec<String>,
    /// Retries (default `None`: none): see [`Retries`](crate::Retries) for what is retried.
    pub retries: Option<crate::retry::Retries>,
    /// Credentials for every request (`Authorization`), unless a request gives its own; sent to
    /// the request's origin only (see [`Auth`](crate::Auth) for which source wins).
    pub auth: Option<crate::auth::Auth>,
    /// A cookie jar (default none: `Set-Cookie` is ignored and no `Cookie` is added). Clones of
    /// one [`CookieJar`](crate::CookieJar) share their cookies, so one jar given to two clients
    /// is shared by them.
    pub cookies: Option<crate::cookies::CookieJar>,
    /// At most this many connections per host (per scheme, host, port and proxy route) at once;
    /// a request that finds them all busy waits for one (`pool_wait_timeout`). `None` (the
    /// default): no limit, as in requests and undici. With a limit, [`Request::send_blocking`](crate::Request::send_blocking)
    /// uses the client's one pool (not one per thread), so the limit holds across threads. Over
    /// HTTP/2 it caps connections, not the requests multiplexed on one.
    pub max_connections_per_host: Option<u32>,
    /// How long a request waits for a free connection when `max_connections_per_host` are all
    /// busy (default 30 s); it then fails with `TIMEOUT` naming `pool_wait_timeout`. The
    /// whole-request `timeout` may end the wait first.
    pub pool_wait_timeout: Duration,
    /// Host names resolved to these addresses instead of by DNS (curl's `--resolve`, for any
    /// port), e.g. a staging server under its production name, or a name that should resolve
    /// to both `::1` and `127.0.0.1`. Certificates are still verified for the name in the URL.
    pub resolve: Vec<(String, Vec<std::net::IpAddr>)>,
    /// The URL request URLs are resolved against (RFC 3986, as `new URL(url, base)` and
    /// Guzzle's `base_uri`): `"users"` under `https://api.example/v1/` is `.../v1/users`, an
    /// absolute URL replaces it. No credentials in it (use `auth`).
    pub base_url: Option<url::Url>,
    /// Query parameters added to every request's URL, before the request's own.
    pub query: Vec<(String, String)>,
}

impl ClientOptions {
    /// Whether header `name` is a secret: dropped on a change of origin, redacted by `Debug`.
    pub fn is_sensitive_header(&self, name: &str) -> bool {
        ["authorization", "proxy-authorization", "cookie"].iter().any(|s| name.eq_ignore_ascii_case(s))
            || self.sensitive_headers.iter().any(|s| name.eq_ignore_ascii_case(s))
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), if self.is_sensitive_header(n) { "<redacted>" } else { v.as_str() }))
            .collect();
        f.debug_struct("ClientOptions")
            .field("trust", &self.trust)
            .field("identity", &self.identity)
            .field("min_tls", &self.min_tls)
            .field("timeout", &self.timeout)
            .field("read_timeout", &self.read_timeout)
            .field("pool_idle_timeout", &self.pool_idle_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_redirects", &self.max_redirects)
            .field("allow_http", &self.allow_http)
            .field("proxy", &self.proxy.as_deref().map(redact_proxy_url))
            .field("http2", &self.http2)
            .field("keep_alive", &self.keep_alive)
            .field("headers", &headers)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("fetch_missing_intermediates", &self.fetch_missing_intermediates)
            .field("aia_allow_private", &self.aia_allow_private)
            .field("sensitive_headers", &self.sensitive_headers)
            .field("retries", &self.retries)
            .field("auth", &self.auth)
            .field("cookies", &self.cookies)
            .field("max_connections_per_host", &self.max_connections_per_host)
            .field("pool_wait_timeout", &self.pool_wait_timeout)
            .field("resolve", &self.resolve)
            .field("base_url", &self.base_url.as_ref().map(url::Url::as_str))
            .field("query", &self.query)
            .finish()
    }
}

/// A proxy URL with its password (and user) replaced, for `Debug` and messages.
pub(crate) fn redact_proxy_url(s: &str) -> String {
    match (s.find("://"), s.rfind('@')) {
        (Some(i), Some(at)) if at > i => format!("{}://***@{}", &s[..i], &s[at + 1..]),
        (None, Some(at)) => format!("***@{}", &s[at + 1..]),
        _ => s.to_owned(),
    }
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            trust: TrustOptions::default(),
            identity: None,
            min_tls: MinTls::default(),
            timeout: Some(DEFAULT_TIMEOUT),
            read_timeout: Some(DEFAULT_READ_TIMEOUT),
            pool_idle_timeout: DEFAULT_POOL_IDLE_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_redirects: DEFAULT_MAX_REDIRECTS,
            allow_http: false,
            proxy: None,
            http2: false,
            keep_alive: true,
            headers: Vec::new(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            fetch_missing_intermediates: false,
            aia_allow_private: false,
            sensitive_headers: DEFAULT_SENSITIVE_HEADERS.iter().map(|s| (*s).to_owned()).collect(),
            retries: None,
            auth: None,
            cookies: None,
            max_connections_per_host: None,
            pool_wait_timeout: DEFAULT_POOL_WAIT_TIMEOUT,
            resolve: Vec::new(),
            base_url: None,
            query: Vec::new(),
        }
    }
}

/// Converts seconds given by a caller (a binding's float) into a timeout, refusing negative,
/// NaN, infinite and zero values with `INVALID_ARGUMENT`.
pub fn timeout_from_secs(name: &str, secs: f64) -> Result<Duration> {
    if !secs.is_finite() || secs <= 0.0 {
        return Err(Error::invalid(format!("{name}: {secs} is not a positive number of seconds")));
    }
    let d = Duration::try_from_secs_f64(secs)
        .map_err(|_| Error::invalid(format!("{name}: {secs} seconds is out of range")))?;
    if d < Duration::from_millis(1) {
        return Err(Error::invalid(format!("{name}: {secs} s is shorter than the 1 ms minimum")));
    }
    Ok(d)
}

/// A limit given in seconds where `0` means "no limit" (`timeout`, `read_timeout`): `None` for
/// 0, else as [`timeout_from_secs`]. `-0` and negative values are refused.
pub fn limit_from_secs(name: &str, secs: f64) -> Result<Option<Duration>> {
    if secs == 0.0 && secs.is_sign_positive() {
        return Ok(None);
    }
    timeout_from_secs(name, secs).map(Some)
}

/// `base_url`: an absolute `https://` (or `http://`) URL without credentials.
fn base_url(s: &str) -> Result<url::Url> {
    let u = url::Url::parse(s.trim())
        .map_err(|e| Error::invalid(format!("base_url: {:?} is not an absolute URL: {e}", redact_proxy_url(s))))?;
    if !matches!(u.scheme(), "https" | "http") || u.host_str().is_none() {
        return Err(Error::invalid(format!("base_url: {u} is not an https:// URL")));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(Error::invalid("base_url: credentials do not belong in it; use the auth option"));
    }
    Ok(u)
}

/// Option names a [`ClientOptions`] accepts through [`ClientOptions::from_json`].
pub const CLIENT_OPTION_NAMES: &[&str] = &[
    "roots",
    "ca_file",
    "ca_pem",
    "pins",
    "crls",
    "client_cert",
    "client_key",
    "client_key_password",
    "min_tls",
    "timeout",
    "read_timeout",
    "connect_timeout",
    "pool_idle_timeout",
    "max_redirects",
    "allow_http",
    "proxy",
    "http2",
    "keep_alive",
    "headers",
    "max_response_bytes",
    "fetch_missing_intermediates",
    "aia_allow_private",
    "use_env",
    "sensitive_headers",
    "retries",
    "auth",
    "cookies",
    "max_connections_per_host",
    "pool_wait_timeout",
    "resolve",
    "base_url",
    "query",
];

impl ClientOptions {
    /// The defaults by option name (what [`ClientOptions::from_json`] assumes for a name that is
    /// absent), so each binding can check its own signature against them.
    pub fn defaults_json() -> serde_json::Value {
        let d = ClientOptions::default();
        serde_json::json!({
            "roots": d.trust.roots.as_str(),
            "ca_file": null,
            "ca_pem": null,
            "pins": [],
            "crls": [],
            "client_cert": null,
            "client_key": null,
            "client_key_password": null,
            "min_tls": d.min_tls.as_str(),
            "timeout": d.timeout.map_or(0.0, |t| t.as_secs_f64()),
            "read_timeout": d.read_timeout.map_or(0.0, |t| t.as_secs_f64()),
            "connect_timeout": d.connect_timeout.as_secs_f64(),
            "pool_idle_timeout": d.pool_idle_timeout.as_secs_f64(),
            "max_redirects": d.max_redirects,
            "allow_http": d.allow_http,
            "proxy": null,
            "http2": d.http2,
            "keep_alive": d.keep_alive,
            "headers": {},
            "max_response_bytes": d.max_response_bytes,
            "fetch_missing_intermediates": d.fetch_missing_intermediates,
            "aia_allow_private": d.aia_allow_private,
            "use_env": d.trust.use_env,
            "sensitive_headers": d.sensitive_headers,
            "retries": 0,
            "auth": null,
            "cookies": false,
            "max_connections_per_host": d.max_connections_per_host.unwrap_or(0),
            "pool_wait_timeout": d.pool_wait_timeout.as_secs_f64(),
            "resolve": {},
            "base_url": null,
            "query": {},
        })
    }

    /// Builds options from a JSON object with the language-neutral names
    /// ([`CLIENT_OPTION_NAMES`]); this is how every binding and the shared scenario manifest
    /// pass options, so names and validation live in one place. `null` means "default".
    /// Unknown names, wrong types and bad values are `INVALID_ARGUMENT`.
    pub fn from_json(value: &serde_json::Value) -> Result<Self> {
        let mut opts = ClientOptions::default();
        let map = match value {
            serde_json::Value::Null => return Ok(opts),
            serde_json::Value::Object(m) => m,
            _ => return Err(Error::invalid("options must be a mapping of option names to values")),
        };
        let mut cert: Option<Source> = None;
        let mut key: Option<Source> = None;
        let mut password: Option<String> = None;
        for (name, v) in map {
            if v.is_null() {
                continue;
            }
            let n = name.as_str();
            match n {
                "roots" => opts.trust.roots = json_str(n, v)?.parse()?,
                "ca_file" => opts.trust.ca_files = json_str_list(n, v)?.into_iter().map(PathBuf::from).collect(),
                "ca_pem" => opts.trust.ca_pem = json_str_list(n, v)?.into_iter().map(String::into_bytes).collect(),
                "pins" => opts.trust.pins = json_str_list(n, v)?,
                "crls" => opts.trust.crls = json_sources(n, v)?,
                "use_env" => opts.trust.use_env = json_bool(n, v)?,
                "client_cert" => cert = Some(json_source(n, v)?),
                "client_key" => key = Some(json_source(n, v)?),
                "client_key_password" => password = Some(json_str(n, v)?),
                "min_tls" => opts.min_tls = json_str(n, v)?.parse()?,
                "timeout" => opts.timeout = limit_from_secs(n, json_f64(n, v)?)?,
                "read_timeout" => opts.read_timeout = limit_from_secs(n, json_f64(n, v)?)?,
                "connect_timeout" => opts.connect_timeout = timeout_from_secs(n, json_f64(n, v)?)?,
                "pool_idle_timeout" => opts.pool_idle_timeout = timeout_from_secs(n, json_f64(n, v)?)?,
                "max_redirects" => opts.max_redirects = json_u64(n, v, u32::MAX as u64)? as u32,
                "allow_http" => opts.allow_http = json_bool(n, v)?,
                "proxy" => opts.proxy = Some(json_str(n, v)?),
                "http2" => opts.http2 = json_bool(n, v)?,
                "keep_alive" => opts.keep_alive = json_bool(n, v)?,
                "headers" => opts.headers = json_headers(n, v)?,
                "max_response_bytes" => opts.max_response_bytes = json_u64(n, v, u64::MAX)?,
                "fetch_missing_intermediates" => opts.fetch_missing_intermediates = json_bool(n, v)?,
                "aia_allow_private" => opts.aia_allow_private = json_bool(n, v)?,
                "sensitive_headers" => opts.sensitive_headers = json_header_names(n, v)?,
                "retries" => opts.retries = Some(crate::retry::Retries::from_json(n, v)?).filter(|r| r.max_retries > 0),
                "auth" => opts.auth = crate::auth::Auth::from_json(v)?,
                "cookies" => opts.cookies = json_cookies(v)?,
                "max_connections_per_host" => {
                    // 0: no limit (as for the timeouts).
                    opts.max_connections_per_host = Some(json_u64(n, v, u32::MAX as u64)? as u32).filter(|m| *m > 0);
                }
                "pool_wait_timeout" => opts.pool_wait_timeout = timeout_from_secs(n, json_f64(n, v)?)?,
                "resolve" => opts.resolve = json_resolve(n, v)?,
                "base_url" => opts.base_url = Some(base_url(&json_str(n, v)?)?),
                "query" => opts.query = json_pairs(n, v)?,
                "verify" | "verify_ssl" | "insecure" | "reject_unauthorized" | "verify_peer" => {
                    return Err(Error::invalid(format!(
                        "there is no {n:?} option: verification is always on. To trust a self-signed \
                         certificate, pin its key (option pins: [\"sha256/...\"] with roots: \"none\"); to trust your own CA, use ca_file"
                    )));
                }
                other => {
                    return Err(Error::invalid(format!(
                        "unknown option {other:?}; known options: {}",
                        CLIENT_OPTION_NAMES.join(", ")
                    )));
                }
            }
        }
        match (cert, key) {
            (Some(cert), Some(key)) => opts.identity = Some(ClientIdentity { cert, key, password }),
            (None, None) if password.is_none() => {}
            (None, None) => {
                return Err(Error::invalid("client_key_password is set but client_cert/client_key are not"));
            }
            (Some(_), None) => return Err(Error::invalid("client_cert is set but client_key is not")),
            (None, Some(_)) => return Err(Error::invalid("client_key is set but client_cert is not")),
        }
        Ok(opts)
    }
}

/// `cookies`: `true` (a new jar), `false` (none) or a list of cookies to start with.
fn json_cookies(v: &serde_json::Value) -> Result<Option<crate::cookies::CookieJar>> {
    match v {
        serde_json::Value::Bool(true) => Ok(Some(crate::cookies::CookieJar::new())),
        serde_json::Value::Bool(false) => Ok(None),
        serde_json::Value::Array(_) => crate::cookies::CookieJar::from_json(v).map(Some),
        _ => Err(Error::invalid(format!(
            "cookies: expected true, false or a list of cookies (as Client::cookies_json writes), got {}",
            json_type(v)
        ))),
    }
}

fn json_str(name: &str, v: &serde_json::Value) -> Result<String> {
    let s = v.as_str().ok_or_else(|| Error::invalid(format!("{name}: expected a string, got {}", json_type(v))))?;
    if s.contains('\0') {
        return Err(Error::invalid(format!("{name}: contains a NUL character")));
    }
    Ok(s.to_owned())
}

/// A list of header names, lowercased; each must be a valid header name.
fn json_header_names(name: &str, v: &serde_json::Value) -> Result<Vec<String>> {
    json_str_list(name, v)?
        .into_iter()
        .map(|h| match http::HeaderName::from_bytes(h.as_bytes()) {
            Ok(n) => Ok(n.as_str().to_owned()),
            Err(_) => {
                Err(Error::invalid(format!("{name}: {:?} is not a valid header name", crate::text::display_safe(&h))))
            }
        })
        .collect()
}

/// `{"host": "address" | ["address", ...]}`: host names and the IP addresses they resolve to.
fn json_resolve(name: &str, v: &serde_json::Value) -> Result<Vec<(String, Vec<std::net::IpAddr>)>> {
    if v.as_array().is_some_and(Vec::is_empty) {
        return Ok(Vec::new()); // PHP's [] is an empty mapping too
    }
    let map = v.as_object().ok_or_else(|| {
        Error::invalid(format!("{name}: expected a mapping of host names to an IP address or a list of them"))
    })?;
    let mut out = Vec::new();
    for (host, addrs) in map {
        let shown = crate::text::display_safe(host);
        if host.is_empty() || host.contains(|c: char| c.is_whitespace() || "/@:[]".contains(c)) {
            return Err(Error::invalid(format!("{name}: {shown:?} is not a host name")));
        }
        let list = json_str_list(&format!("{name}[{shown}]"), addrs)?;
        if list.is_empty() {
            return Err(Error::invalid(format!("{name}[{shown}]: no address")));
        }
        let ips = list
            .iter()
            .map(|a| {
                a.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>().map_err(|_| {
                    Error::invalid(format!("{name}[{shown}]: {:?} is not an IP address", crate::text::display_safe(a)))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        out.push((host.clone(), ips));
    }
    Ok(out)
}

fn json_str_list(name: &str, v: &serde_json::Value) -> Result<Vec<String>> {
    match v {
        serde_json::Value::Array(items) => items.iter().map(|i| json_str(name, i)).collect(),
        _ => Ok(vec![json_str(name, v)?]),
    }
}

/// A path string, or PEM text (recognised by its `-----BEGIN` header).
fn json_source(name: &str, v: &serde_json::Value) -> Result<Source> {
    let s = json_str(name, v)?;
    if s.contains("-----BEGIN ") {
        Ok(Source::Bytes(s.into_bytes()))
    } else if s.is_empty() {
        Err(Error::invalid(format!("{name}: empty path")))
    } else {
        Ok(Source::Path(PathBuf::from(s)))
    }
}

fn json_sources(name: &str, v: &serde_json::Value) -> Result<Vec<Source>> {
    match v {
        serde_json::Value::Array(items) => items.iter().map(|i| json_source(name, i)).collect(),
        _ => Ok(vec![json_source(name, v)?]),
    }
}

fn json_bool(name: &str, v: &serde_json::Value) -> Result<bool> {
    v.as_bool().ok_or_else(|| Error::invalid(format!("{name}: expected true or false, got {}", json_type(v))))
}

fn json_f64(name: &str, v: &serde_json::Value) -> Result<f64> {
    v.as_f64().ok_or_else(|| Error::invalid(format!("{name}: expected a number of seconds, got {}", json_type(v))))
}

fn json_u64(name: &str, v: &serde_json::Value, max: u64) -> Result<u64> {
    // Hosts whose numbers are all floats (JavaScript) send whole numbers as 5.0.
    let whole = v
        .as_u64()
        .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= u64::MAX as f64).map(|f| f as u64));
    match whole {
        Some(n) if n <= max => Ok(n),
        // Echo numbers only: printing a deeply nested value would recurse without bound.
        _ if v.is_number() => Err(Error::invalid(format!("{name}: expected a whole number from 0 to {max}, got {v}"))),
        _ => Err(Error::invalid(format!("{name}: expected a whole number from 0 to {max}, got {}", json_type(v)))),
    }
}

pub(crate) fn json_headers(name: &str, v: &serde_json::Value) -> Result<Vec<(String, String)>> {
    if v.as_array().is_some_and(Vec::is_empty) {
        return Ok(Vec::new()); // PHP's [] is an empty mapping too
    }
    // A list of [name, value] pairs keeps the caller's order, repeated names included.
    if let Some(items) = v.as_array() {
        return items
            .iter()
            .map(|item| match item.as_array().map(Vec::as_slice) {
                Some([k, val]) => {
                    let k = json_str(name, k)?;
                    let val = json_str(&format!("{name}[{k}]"), val)?;
                    Ok((k, val))
                }
                _ => Err(Error::invalid(format!(
                    "{name}: expected a mapping of header names to values or a list of [name, value] pairs"
                ))),
            })
            .collect();
    }
    let map = v.as_object().ok_or_else(|| {
        Error::invalid(format!("{name}: expected a mapping of header names to values or a list of [name, value] pairs"))
    })?;
    let mut out = Vec::new();
    for (k, val) in map {
        match val {
            serde_json::Value::Array(items) => {
                for i in items {
                    out.push((k.clone(), json_str(&format!("{name}[{k}]"), i)?));
                }
            }
            _ => out.push((k.clone(), json_str(&format!("{name}[{k}]"), val)?)),
        }
    }
    Ok(out)
}

/// Name/value pairs from a mapping (`{"a": "1"}`; a list value repeats the name) or a list of
/// two-element lists (`[["a", "1"]]`). Numbers and booleans are written as text.
pub(crate) fn json_pairs(name: &str, v: &serde_json::Value) -> Result<Vec<(String, String)>> {
    let text = |k: &str, x: &serde_json::Value| -> Result<String> {
        match x {
            serde_json::Value::String(s) => Ok(s.clone()),
            serde_json::Value::Number(n) => Ok(n.to_string()),
            serde_json::Value::Bool(b) => Ok(b.to_string()),
            other => Err(Error::invalid(format!("{name}[{k}]: expected text, got {}", json_type(other)))),
        }
    };
    let mut out = Vec::new();
    match v {
        serde_json::Value::Object(map) => {
            for (k, val) in map {
                match val {
                    serde_json::Value::Array(items) => {
                        for i in items {
                            out.push((k.clone(), text(k, i)?));
                        }
                    }
                    _ => out.push((k.clone(), text(k, val)?)),
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                match item.as_array().map(Vec::as_slice) {
                    Some([k, val]) => {
                        let k = json_str(name, k)?;
                        let val = text(&k, val)?;
                        out.push((k, val));
                    }
                    _ => {
                        return Err(Error::invalid(format!(
                            "{name}: expected a mapping or a list of [name, value] pairs"
                        )));
                    }
                }
            }
        }
        _ => return Err(Error::invalid(format!("{name}: expected a mapping or a list of [name, value] pairs"))),
    }
    Ok(out)
}

fn json_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "a mapping",
    }
}

/// The trust option names shared by the client, `verify_chain`, `inspect` and `trust_report`.
pub const TRUST_OPTION_NAMES: &[&str] = &["roots", "ca_file", "ca_pem", "pins", "crls", "use_env"];

/// Splits a JSON options object: the names in `own` are returned for the caller to read, the
/// names in `passed` are handed to [`ClientOptions::from_json`]; anything else is an
/// `INVALID_ARGUMENT` naming what the function accepts.
pub(crate) fn split_options(
    value: &serde_json::Value,
    what: &str,
    own: &[&str],
    passed: &[&str],
) -> Result<(serde_json::Map<String, serde_json::Value>, ClientOptions)> {
    let map = match value {
        serde_json::Value::Null => serde_json::Map::new(),
        serde_json::Value::Object(m) => m.clone(),
        _ => return Err(Error::invalid(format!("{what} options must be a mapping of option names to values"))),
    };
    let mut mine = serde_json::Map::new();
    let mut rest = serde_json::Map::new();
    for (k, v) in map {
        if own.contains(&k.as_str()) {
            if !v.is_null() {
                mine.insert(k, v);
            }
        } else if passed.contains(&k.as_str()) {
            rest.insert(k, v);
        } else {
            let mut known: Vec<&str> = own.iter().chain(passed).copied().collect();
            known.sort_unstable();
            return Err(Error::invalid(format!("{what}: unknown option {k:?}; known options: {}", known.join(", "))));
        }
    }
    Ok((mine, ClientOptions::from_json(&serde_json::Value::Object(rest))?))
}

/// Reads an optional string option.
pub(crate) fn opt_str(map: &serde_json::Map<String, serde_json::Value>, name: &str) -> Result<Option<String>> {
    map.get(name).map(|v| json_str(name, v)).transpose()
}

/// Reads an optional boolean option.
pub(crate) fn opt_bool(map: &serde_json::Map<String, serde_json::Value>, name: &str) -> Result<Option<bool>> {
    map.get(name).map(|v| json_bool(name, v)).transpose()
}

/// Reads an optional whole-number option no larger than `max`.
pub(crate) fn opt_u64(map: &serde_json::Map<String, serde_json::Value>, name: &str, max: u64) -> Result<Option<u64>> {
    map.get(name).map(|v| json_u64(name, v, max)).transpose()
}

/// Reads an optional integer option (may be negative, e.g. a Unix time).
pub(crate) fn opt_i64(map: &serde_json::Map<String, serde_json::Value>, name: &str) -> Result<Option<i64>> {
    map.get(name)
        .map(|v| {
            v.as_i64().ok_or_else(|| Error::invalid(format!("{name}: expected a whole number, got {}", json_type(v))))
        })
        .transpose()
}

/// Reads an optional list of strings (a single string is a list of one).
pub(crate) fn opt_str_list(map: &serde_json::Map<String, serde_json::Value>, name: &str) -> Result<Vec<String>> {
    map.get(name).map(|v| json_str_list(name, v)).transpose().map(Option::unwrap_or_default)
}

/// Reads an optional path-or-PEM option.
pub(crate) fn opt_source(map: &serde_json::Map<String, serde_json::Value>, name: &str) -> Result<Option<Source>> {
    map.get(name).map(|v| json_source(name, v)).transpose()
}

/// Parses the options of `trust_report` (trust names only).
pub fn trust_options_from_json(value: &serde_json::Value) -> Result<TrustOptions> {
    Ok(split_options(value, "trust_report", &[], TRUST_OPTION_NAMES)?.1.trust)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_options_convert() {
        let o = ClientOptions::from_json(&json!({
            "roots": "none", "ca_file": "/tmp/ca.pem", "pins": ["sha256/x"], "timeout": 1.5,
            "max_redirects": 0, "allow_http": true, "headers": {"x-a": ["1", "2"]}, "min_tls": "1.3"
        }))
        .unwrap();
        assert_eq!(o.trust.roots, Roots::None);
        assert_eq!(o.trust.ca_files, vec![PathBuf::from("/tmp/ca.pem")]);
        assert_eq!(o.timeout, Some(Duration::from_millis(1500)));
        assert_eq!(o.max_redirects, 0);
        assert_eq!(o.min_tls, MinTls::Tls13);
        assert_eq!(o.headers.len(), 2);
    }

    #[test]
    fn json_options_reject_bad_input() {
        for bad in [
            json!({"roots": "everything"}),
            json!({"timeout": -1}),
            json!({"timeout": "5"}),
            json!({"connect_timeout": 0}),
            json!({"timeout": 1e-10}),
            json!({"max_redirects": -2}),
            json!({"min_tls": "1.0"}),
            json!({"verify": false}),
            json!({"client_cert": "/a.pem"}),
            json!({"allow_http": "yes"}),
            json!({"headers": ["x"]}),
            json!(["roots"]),
        ] {
            let err = ClientOptions::from_json(&bad).unwrap_err();
            assert_eq!(err.code(), crate::Code::InvalidArgument, "{bad}: {err}");
        }
    }
}
