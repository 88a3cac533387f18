//! Live server inspection: connect to a TLS server the way a tlsguard request would, and
//! report what it presented and negotiated, what a request would say about it, how its chain
//! is deployed, its HTTP security headers and (optionally) which old protocol versions and
//! cipher suites it still accepts.
//!
//! ```no_run
//! # fn main() -> tlsguard::Result<()> {
//! let report = tlsguard::inspect::inspect("example.com", &tlsguard::inspect::InspectOptions::default())?;
//! match &report.verdict {
//!     None => println!("OK: {:?} {:?}", report.tls_version, report.cipher_suite),
//!     Some(e) => println!("a request would fail: {} ({})", e.code(), e.message()),
//! }
//! # Ok(()) }
//! ```
//!
//! # Security
//!
//! The handshake uses the configuration of a request (`TlsContext::new`) with one change: the
//! certificate verifier is wrapped by a *recorder* that notes the presented chain, whether an
//! OCSP response was stapled and the verdict, and returns **exactly** the inner verdict. A
//! refused chain therefore aborts the handshake like a request would, and no HTTP request is
//! ever sent over a connection whose certificate was refused. Certificate problems are reported
//! in [`ServerReport::verdict`] (the same [`Error`] a request gives); connection-level failures
//! (DNS, CONNECT, TIMEOUT, TLS_PROTOCOL_VERSION, TLS_NO_SHARED_CIPHER, TLS_HANDSHAKE, ...) are
//! returned as `Err`. The audit (see [`audit`]) only sends ClientHello messages and reads the
//! ServerHello; it never completes a handshake.

mod chain;
mod http;
mod live;
mod recorder;
mod target;
mod tls_io;

use std::time::Duration;

use serde::Serialize as _;

use crate::cert::Certificate;
use crate::error::{Code, Error, Result};
use crate::lint::Finding;
use crate::options::{ClientIdentity, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, MinTls, TrustOptions};
use crate::tls::TlsVersion;

use target::Target;

pub use crate::probe::{AuditReport, ProtocolSupport, SuiteSupport};

/// The User-Agent of the inspection request.
const USER_AGENT: &str = concat!("tlsguard/", env!("CARGO_PKG_VERSION"), " (inspect)");

/// What to inspect and how.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct InspectOptions {
    /// TCP port (default 443).
    pub port: u16,
    /// What is trusted (the same options as a request's).
    pub trust: TrustOptions,
    /// Client certificate for servers that require mutual TLS.
    pub identity: Option<ClientIdentity>,
    /// Bound on DNS + TCP connect + TLS handshake (default 10 s); also the bound of each audit
    /// phase (see [`audit`]) and of the probes that explain a refused handshake.
    pub connect_timeout: Duration,
    /// Bound on the whole inspection: connect, handshake and the HTTP request (default 30 s).
    /// The audit probes are bounded separately (see [`audit`]).
    pub timeout: Duration,
    /// Also probe which TLS versions and legacy cipher suites the server accepts (default
    /// false; 9 extra short connections).
    pub audit: bool,
    /// After a verified handshake, send `GET <path>` on the same connection to read the status,
    /// `Strict-Transport-Security` and `Set-Cookie` (default true).
    pub http_request: bool,
    /// The path of that request (default `/`).
    pub path: String,
    /// Lowest TLS version, as for requests (default 1.2).
    pub min_tls: MinTls,
    /// Fetch an intermediate the server omits, as for requests (default false); the verdict
    /// then names what was fetched in `warnings`.
    pub fetch_missing_intermediates: bool,
    /// Let that fetch reach non-public addresses, as for requests (default false).
    pub aia_allow_private: bool,
}

impl Default for InspectOptions {
    fn default() -> Self {
        Self {
            port: 443,
            trust: TrustOptions::default(),
            identity: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            audit: false,
            http_request: true,
            path: "/".to_owned(),
            min_tls: MinTls::default(),
            fetch_missing_intermediates: false,
            aia_allow_private: false,
        }
    }
}

impl InspectOptions {
    /// Option names of [`InspectOptions::from_json`] besides the trust and client-certificate options.
    pub const NAMES: &'static [&'static str] = &["port", "audit", "http_request", "path"];

    /// Builds options from a JSON object: `port`, `audit`, `http_request`, `path`, `timeout`,
    /// `connect_timeout`, the trust options and `client_cert`/`client_key`/`client_key_password`.
    /// Unknown names are `INVALID_ARGUMENT`.
    pub fn from_json(value: &serde_json::Value) -> Result<Self> {
        use crate::options::{TRUST_OPTION_NAMES, opt_bool, opt_str, opt_u64, split_options};
        let mut passed: Vec<&str> = TRUST_OPTION_NAMES.to_vec();
        passed.extend([
            "timeout",
            "connect_timeout",
            "client_cert",
            "client_key",
            "client_key_password",
            "min_tls",
            "fetch_missing_intermediates",
            "aia_allow_private",
        ]);
        let (own, client) = split_options(value, "inspect", Self::NAMES, &passed)?;
        let defaults = Self::default();
        let port = match opt_u64(&own, "port", u16::MAX as u64)? {
            Some(0) => return Err(Error::invalid("port: 0 is not a port")),
            Some(p) => p as u16,
            None => defaults.port,
        };
        Ok(Self {
            port,
            trust: client.trust,
            identity: client.identity,
            connect_timeout: client.connect_timeout,
            timeout: client
                .timeout
                .ok_or_else(|| Error::invalid("timeout: 0 (no limit) is not accepted by inspection"))?,
            audit: opt_bool(&own, "audit")?.unwrap_or(defaults.audit),
            http_request: opt_bool(&own, "http_request")?.unwrap_or(defaults.http_request),
            path: opt_str(&own, "path")?.unwrap_or(defaults.path),
            min_tls: client.min_tls,
            fetch_missing_intermediates: client.fetch_missing_intermediates,
            aia_allow_private: client.aia_allow_private,
        })
    }
}

/// What [`inspect`] found.
#[derive(Clone, Debug, serde::Serialize)]
#[non_exhaustive]
pub struct ServerReport {
    /// The host inspected (as given, without brackets for IPv6).
    pub host: String,
    /// The port inspected.
    pub port: u16,
    /// The address connected to, `ip:port` (`[ip]:port` for IPv6).
    pub address: String,
    /// TLS 1.3 or 1.2; known after the ServerHello, even if the certificate was then refused.
    pub tls_version: Option<TlsVersion>,
    /// IANA name of the negotiated cipher suite, e.g. `"TLS13_AES_128_GCM_SHA256"`.
    pub cipher_suite: Option<String>,
    /// The ALPN protocol agreed (`"h2"`, `"http/1.1"`), if any.
    pub alpn: Option<String>,
    /// The certificates the server presented, in the order sent (leaf first).
    pub chain: Vec<Certificate>,
    /// `None`: the chain verified. Otherwise the error a request to this server would give
    /// (same code, message and hint): a certificate refusal, or a TLS refusal after the
    /// handshake (a TLS 1.3 server refusing the missing client certificate).
    pub verdict: Option<Error>,
    /// Following issuer names from the leaf through the presented certificates (in any order)
    /// reaches a self-issued certificate or one issued by a trusted anchor. An untrusted
    /// self-signed root makes a chain complete (the verdict says it is not trusted).
    pub chain_complete: bool,
    /// Each presented certificate is issued by the next one (RFC 8446 §4.4.2 order).
    pub chain_ordered: bool,
    /// The server stapled an OCSP response.
    pub ocsp_stapled: bool,
    /// HTTP status of `GET <path>` (when the request was made and answered).
    pub http_status: Option<u16>,
    /// `"HTTP/1.1"` or `"HTTP/2"`, when the request was answered.
    pub http_version: Option<String>,
    /// The `Strict-Transport-Security` header value, if sent.
    pub hsts: Option<String>,
    /// Names of the cookies set without the `Secure` attribute.
    pub insecure_cookies: Vec<String>,
    /// Why the HTTP request failed (HTTP_PROTOCOL, TIMEOUT), when it did; the TLS facts above
    /// stand.
    pub http_error: Option<Error>,
    /// Whole days until the leaf expires (negative once expired).
    pub leaf_days_remaining: Option<i64>,
    /// The presented certificate that expires first: (subject, whole days remaining).
    #[serde(serialize_with = "soonest_expiry_object")]
    pub soonest_expiry: Option<(String, i64)>,
    /// Deployment lint of the presented chain for this host ([`crate::lint()`]).
    pub lint: Vec<Finding>,
    /// The protocol audit, when [`InspectOptions::audit`] was set.
    pub audit: Option<AuditReport>,
    /// What was accepted but must be fixed on the server (e.g. an intermediate it omits that
    /// `fetch_missing_intermediates` fetched).
    pub warnings: Vec<String>,
}

/// `soonest_expiry` as `{"subject": ..., "days_remaining": ...}` (or null).
fn soonest_expiry_object<S: serde::Serializer>(
    v: &Option<(String, i64)>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    #[derive(serde::Serialize)]
    struct Expiry<'a> {
        subject: &'a str,
        days_remaining: i64,
    }
    v.as_ref().map(|(subject, days_remaining)| Expiry { subject, days_remaining: *days_remaining }).serialize(s)
}

impl ServerReport {
    /// Whether the chain verified (a request would get past the certificate check).
    pub fn is_verified(&self) -> bool {
        self.verdict.is_none()
    }
}

/// Inspects `host` (a DNS name or an IP address, without port or scheme).
///
/// Blocking; call it from a thread that is not inside an async runtime (inside one it returns
/// `INVALID_ARGUMENT`: use [`inspect_async`]). Certificate problems never make it fail: they
/// are in [`ServerReport::verdict`].
pub fn inspect(host: &str, opts: &InspectOptions) -> Result<ServerReport> {
    let target = Target::parse(host, opts)?;
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::invalid(
            "inspect() was called inside an async runtime, where it would block the runtime; use inspect_async().await",
        ));
    }
    // A current-thread runtime per call: inspection is rare and short, and this keeps the
    // shared runtime's workers for requests.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| {
        Error::new(Code::Internal, format!("cannot start an I/O runtime for inspection: {e}")).with_source(e)
    })?;
    let outcome = rt.block_on(async {
        match live::live(&target, opts).await {
            Ok((mut report, addr)) => {
                if opts.audit {
                    report.audit = Some(crate::probe::audit_addr(&target.host, addr, opts.connect_timeout).await);
                }
                Ok(report)
            }
            // The refusal is explained by probes ending `connect_timeout` from now.
            Err((e, Some(addr))) => {
                let deadline = tokio::time::Instant::now() + opts.connect_timeout;
                Err(crate::probe::explain_refusal(e, &target.host, addr, deadline).await)
            }
            Err((e, None)) => Err(e),
        }
    });
    drop(rt);
    outcome
}

/// [`inspect`] for async callers, from any runtime or executor: the work runs on a thread of
/// its own and this future awaits it (dropping the future does not stop that thread early; it
/// ends within the timeouts).
pub async fn inspect_async(host: &str, opts: &InspectOptions) -> Result<ServerReport> {
    let host = host.to_owned();
    let opts = opts.clone();
    on_thread(move || inspect(&host, &opts)).await
}

/// Probes which TLS versions (1.0 to 1.3) and legacy cipher-suite categories (CBC, RSA key
/// exchange, 3DES, RC4, finite-field DHE) the server accepts, with hand-built ClientHello
/// messages over fresh connections (no handshake is completed; nothing is verified). Works on servers a request
/// refuses (TLS 1.0 only, legacy suites only). Uses `port` and `connect_timeout`.
///
/// Time: after a first TCP connect (bounded by `connect_timeout`), two phases of concurrent
/// probes: the four versions, then the five suite categories (CBC, RSA key exchange, 3DES,
/// RC4, DHE key exchange). Each phase ends `connect_timeout` after it started, probes still
/// unanswered then count as refused ("no answer before the timeout"), so an audit takes at
/// most three times `connect_timeout`. `timeout` does not apply.
///
/// Blocking, like [`inspect`] (inside an async runtime it returns `INVALID_ARGUMENT`: use
/// [`audit_async`]). `Err` for bad input, DNS failure, or when no address of the host accepts
/// a TCP connection.
pub fn audit(host: &str, opts: &InspectOptions) -> Result<AuditReport> {
    let target = Target::parse(host, opts)?;
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::invalid(
            "audit() was called inside an async runtime, where it would block the runtime; use audit_async().await",
        ));
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| {
        Error::new(Code::Internal, format!("cannot start an I/O runtime for the audit: {e}")).with_source(e)
    })?;
    rt.block_on(async {
        let (_, addr) = crate::net::tcp_connect_within(&target.host, opts.port, opts.connect_timeout).await?;
        Ok(crate::probe::audit_addr(&target.host, addr, opts.connect_timeout).await)
    })
}

/// [`audit`] for async callers (runs on a thread of its own).
pub async fn audit_async(host: &str, opts: &InspectOptions) -> Result<AuditReport> {
    let host = host.to_owned();
    let opts = opts.clone();
    on_thread(move || audit(&host, &opts)).await
}

/// Runs `f` on a new thread and awaits its result (works under any executor).
async fn on_thread<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("tlsguard-inspect".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| Error::new(Code::Internal, format!("cannot start an inspection thread: {e}")).with_source(e))?;
    rx.await.map_err(|_| Error::new(Code::Internal, "the inspection thread ended without a result (it panicked)"))?
}
