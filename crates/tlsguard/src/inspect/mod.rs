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

mod probe;
mod tls_io;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Empty;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use crate::cert::CertificateInfo;
use crate::client::connect::{authority, io_message, secs, tcp_connect_addr};
use crate::error::{Code, Error, Result};
use crate::lint::Finding;
use crate::options::{ClientIdentity, ClientOptions, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, MinTls, TrustOptions};
use crate::pin::wrap_sequence;
use crate::tls::TlsContext;
use crate::trust::TrustStore;
use crate::verify::{Extras, Verifier, WithExtras};

pub use probe::{AuditReport, ProtocolSupport, SuiteSupport};

use tls_io::{HandshakeError, TlsIo};

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
            timeout: client.timeout,
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
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ServerReport {
    /// The host inspected (as given, without brackets for IPv6).
    pub host: String,
    /// The port inspected.
    pub port: u16,
    /// The address connected to, `ip:port` (`[ip]:port` for IPv6).
    pub address: String,
    /// `"TLSv1.3"` or `"TLSv1.2"`; known after the ServerHello, even if the certificate was
    /// then refused.
    pub tls_version: Option<String>,
    /// IANA name of the negotiated cipher suite, e.g. `"TLS13_AES_128_GCM_SHA256"`.
    pub cipher_suite: Option<String>,
    /// The ALPN protocol agreed (`"h2"`, `"http/1.1"`), if any.
    pub alpn: Option<String>,
    /// The certificates the server presented, in the order sent (leaf first).
    pub chain: Vec<CertificateInfo>,
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
    pub soonest_expiry: Option<(String, i64)>,
    /// Deployment lint of the presented chain for this host ([`crate::lint()`]).
    pub lint: Vec<Finding>,
    /// The protocol audit, when [`InspectOptions::audit`] was set.
    pub audit: Option<AuditReport>,
    /// What was accepted but must be fixed on the server (e.g. an intermediate it omits that
    /// `fetch_missing_intermediates` fetched).
    pub warnings: Vec<String>,
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
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new(Code::Io, format!("cannot start an I/O runtime for inspection: {e}")))?;
    let outcome = rt.block_on(async {
        match live(&target, opts).await {
            Ok((mut report, addr)) => {
                if opts.audit {
                    report.audit = Some(probe::audit_addr(&target.host, addr, opts.connect_timeout).await);
                }
                Ok(report)
            }
            // The refusal is explained by probes ending `connect_timeout` from now.
            Err((e, Some(addr))) => {
                let deadline = tokio::time::Instant::now() + opts.connect_timeout;
                Err(explain_refusal(e, &target.host, addr, deadline).await)
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
    let addr = first_reachable(&target.host, opts.port, opts.connect_timeout)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new(Code::Io, format!("cannot start an I/O runtime for the audit: {e}")))?;
    Ok(rt.block_on(probe::audit_addr(&target.host, addr, opts.connect_timeout)))
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
        .map_err(|e| Error::new(Code::Io, format!("cannot start an inspection thread: {e}")))?;
    rx.await.map_err(|_| Error::new(Code::Io, "the inspection thread ended without a result"))?
}

// ---------------------------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------------------------

/// A validated host and port.
struct Target {
    host: String,
    port: u16,
    name: ServerName<'static>,
}

impl Target {
    fn parse(host: &str, opts: &InspectOptions) -> Result<Self> {
        let bad = |why: &str| {
            Error::invalid(format!(
                "host: {host:?} {why} (pass only a DNS name or an IP address, e.g. \"example.com\"; the port goes in InspectOptions::port)"
            ))
        };
        if host.is_empty() {
            return Err(Error::invalid("host: empty; pass a DNS name or an IP address"));
        }
        if host.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("contains whitespace"));
        }
        if host.contains("://") || host.contains(['/', '@', '?', '#']) {
            return Err(bad("is not a host name"));
        }
        let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
        if bare.contains(':') && bare.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(bad("is not a host name"));
        }
        if opts.port == 0 {
            return Err(Error::invalid("port: 0 is not a valid TCP port"));
        }
        if opts.connect_timeout.is_zero() {
            return Err(Error::invalid("connect_timeout: 0 s is not a positive duration"));
        }
        if opts.timeout.is_zero() {
            return Err(Error::invalid("timeout: 0 s is not a positive duration"));
        }
        if !opts.path.starts_with('/') || opts.path.parse::<http::uri::PathAndQuery>().is_err() {
            return Err(Error::invalid(format!("path: {:?} is not an absolute request path like \"/\"", opts.path)));
        }
        let name =
            ServerName::try_from(bare.to_owned()).map_err(|e| bad(&format!("is not a valid TLS server name: {e}")))?;
        Ok(Self { host: bare.to_owned(), port: opts.port, name })
    }

    fn authority(&self) -> String {
        authority(&self.host, self.port)
    }
}

// ---------------------------------------------------------------------------------------------
// The recording verifier
// ---------------------------------------------------------------------------------------------

/// What the verifier saw.
#[derive(Default)]
struct Seen {
    chain: Vec<CertificateDer<'static>>,
    ocsp: bool,
    refusal: Option<rustls::Error>,
}

/// Wraps tlsguard's [`Verifier`]: records the presented chain, the stapled OCSP response and
/// the verdict, and returns exactly the inner verdict (it never accepts what the inner
/// verifier refused).
#[derive(Debug)]
struct Recorder {
    inner: Verifier,
    seen: Mutex<Option<SeenBox>>,
}

/// `Seen` behind a Debug impl (the certificates are not worth printing).
struct SeenBox(Seen);

impl std::fmt::Debug for SeenBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Seen").field("certificates", &self.0.chain.len()).finish()
    }
}

impl Recorder {
    fn take(&self) -> Option<Seen> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).take().map(|b| b.0)
    }
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let verdict = self.inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now);
        let seen = Seen {
            chain: std::iter::once(end_entity).chain(intermediates).map(|c| c.clone().into_owned()).collect(),
            ocsp: !ocsp_response.is_empty(),
            refusal: verdict.as_ref().err().cloned(),
        };
        *self.seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(SeenBox(seen));
        verdict
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }

    fn requires_raw_public_keys(&self) -> bool {
        self.inner.requires_raw_public_keys()
    }

    fn root_hint_subjects(&self) -> Option<&[rustls::DistinguishedName]> {
        self.inner.root_hint_subjects()
    }
}

// ---------------------------------------------------------------------------------------------
// The live connection
// ---------------------------------------------------------------------------------------------

type Failure = (Error, Option<SocketAddr>);

/// Connects, handshakes, optionally sends the request; returns the report (without audit) and
/// the address used. A failure carries the address when the TCP connection was made.
/// Fetches what the chain of `refusal` (`CERT_INCOMPLETE_CHAIN`) lacks; the environment's
/// proxies apply, as for a client without a `proxy` option.
async fn fetch_for_inspect(
    refusal: &Error,
    target: &Target,
    ctx: &TlsContext,
    allow_private: bool,
    deadline: tokio::time::Instant,
) -> std::result::Result<Vec<crate::aia::Fetched>, (String, crate::aia::FetchError)> {
    let ders: Vec<CertificateDer<'static>> = refusal.chain().iter().map(|c| c.der.clone().into()).collect();
    let Some((leaf, intermediates)) = ders.split_first() else { return Ok(Vec::new()) };
    let proxy =
        crate::client::connect::ProxyPolicy::new(None).map_err(|_| (String::new(), crate::aia::FetchError::Failed))?;
    let check = crate::aia::ChainCheck {
        store: &ctx.store,
        provider: ctx.config.crypto_provider(),
        server_name: Some(&target.name),
        now: UnixTime::now(),
        purpose: crate::verify::Purpose::Server,
    };
    let env =
        crate::aia::FetchEnv { allow_private, proxy: &proxy, net: &crate::aia::SystemNet, deadline: Some(deadline) };
    crate::aia::fetch_missing(&check, leaf, intermediates, &env).await
}

async fn live(target: &Target, opts: &InspectOptions) -> std::result::Result<(ServerReport, SocketAddr), Failure> {
    let started = Instant::now();
    let client_opts = ClientOptions {
        trust: opts.trust.clone(),
        identity: opts.identity.clone(),
        min_tls: opts.min_tls,
        fetch_missing_intermediates: opts.fetch_missing_intermediates,
        aia_allow_private: opts.aia_allow_private,
        ..Default::default()
    };
    let ctx = TlsContext::new(&client_opts).map_err(|e| (e, None))?;
    let recorder = Arc::new(Recorder {
        inner: Verifier::new(ctx.store.clone(), ctx.config.crypto_provider().clone()),
        seen: Mutex::new(None),
    });
    let mut config = (*ctx.config).clone();
    config.dangerous().set_certificate_verifier(recorder.clone());
    // Every inspection must see (and verify) the certificate: no resumption.
    config.resumption = rustls::client::Resumption::disabled();
    // Note whether the server asks for a client certificate (to explain a TLS 1.3 refusal).
    let asked = Arc::new(AtomicBool::new(false));
    let has_identity = config.client_auth_cert_resolver.has_certs();
    config.client_auth_cert_resolver =
        Arc::new(crate::tls::AskProbe { inner: config.client_auth_cert_resolver.clone(), asked: Some(asked.clone()) });
    let config = Arc::new(config);

    let target_text = target.authority();
    let connect_budget = opts.connect_timeout.min(opts.timeout);
    let mut addr_slot: Option<SocketAddr> = None;
    let deadline = tokio::time::Instant::now() + connect_budget;
    // With fetch_missing_intermediates, a chain refused as incomplete makes the intermediates
    // be fetched (asynchronously, within the connect budget; see aia.rs) and the handshake
    // be retried once with them as extra, untrusted intermediates.
    let mut extras: Option<Arc<Extras>> = None;
    let mut fetch_failure: Option<(String, crate::aia::FetchError)> = None;
    let connect = async {
        loop {
            let (tcp, addr) = tcp_connect_addr(&target.host, target.port, "").await?;
            addr_slot = Some(addr);
            let conn = rustls::ClientConnection::new(config.clone(), target.name.clone())
                .map_err(|e| Error::new(Code::TlsHandshake, format!("cannot start a TLS connection: {e}")))?;
            let mut io = TlsIo::new(tcp, conn);
            let hs = WithExtras { extras: extras.clone(), fut: Box::pin(io.handshake()) }.await;
            let refusal = match &hs {
                Err(HandshakeError::Tls(e)) if opts.fetch_missing_intermediates && extras.is_none() => {
                    Some(ctx.handshake_error(e, &target.host))
                }
                _ => None,
            };
            let Some(refusal) = refusal.filter(|r| r.code() == Code::CertIncompleteChain) else {
                return Ok::<_, Error>((io, addr, hs));
            };
            match fetch_for_inspect(&refusal, target, &ctx, opts.aia_allow_private, deadline).await {
                Ok(list) if !list.is_empty() => extras = Some(Extras::new(Arc::new(list))),
                Ok(_) => return Ok((io, addr, hs)),
                Err(failure) => {
                    fetch_failure = Some(failure);
                    return Ok((io, addr, hs));
                }
            }
        }
    };
    let (io, addr, handshake) = match tokio::time::timeout(connect_budget, connect).await {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => return Err((e, addr_slot)),
        Err(_) => {
            let which = if connect_budget == opts.connect_timeout { "connect timeout" } else { "timeout" };
            return Err((
                Error::new(
                    Code::Timeout,
                    format!("{which} ({}) expired connecting to {target_text}", secs(connect_budget)),
                ),
                addr_slot,
            ));
        }
    };

    let seen = recorder.take();
    let now = crate::cert::unix_now();
    let chain: Vec<CertificateInfo> = seen
        .as_ref()
        .map(|s| s.chain.iter().filter_map(|d| CertificateInfo::from_der(d).ok()).collect())
        .unwrap_or_default();
    let (chain_complete, chain_ordered) = chain_shape(&chain, &ctx.store);
    let mut report = ServerReport {
        host: target.host.clone(),
        port: target.port,
        address: addr.to_string(),
        tls_version: version_name(&io.conn),
        cipher_suite: io.conn.negotiated_cipher_suite().and_then(|s| s.suite().as_str()).map(str::to_owned),
        alpn: io.conn.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned()),
        leaf_days_remaining: chain.first().map(|c| c.days_remaining(now)),
        soonest_expiry: chain.iter().min_by_key(|c| c.not_after).map(|c| (c.subject.clone(), c.days_remaining(now))),
        lint: lint_chain(&chain, &target.host),
        chain,
        verdict: None,
        chain_complete,
        chain_ordered,
        ocsp_stapled: seen.as_ref().is_some_and(|s| s.ocsp),
        http_status: None,
        http_version: None,
        hsts: None,
        insecure_cookies: Vec::new(),
        http_error: None,
        audit: None,
        warnings: extras.as_ref().and_then(|x| x.used()).unwrap_or_default(),
    };

    match handshake {
        Ok(()) => {}
        Err(HandshakeError::Tls(e)) => {
            // A refused certificate: the report carries the request's error. Anything else
            // (no shared version or suite, alerts) is a connection-level failure.
            if seen.as_ref().is_some_and(|s| s.refusal.is_some()) {
                let verdict = ctx.handshake_error(&e, &target.host);
                report.verdict = Some(match &fetch_failure {
                    Some((url, why)) => crate::aia::explain_failure(verdict, url, why),
                    None => verdict,
                });
                return Ok((report, addr));
            }
            return Err((ctx.handshake_error(&e, &target.host), Some(addr)));
        }
        Err(HandshakeError::Io(e)) => {
            let what = match e.kind() {
                std::io::ErrorKind::UnexpectedEof => "the server closed the connection".to_owned(),
                _ => io_message(&e),
            };
            return Err((
                Error::new(Code::TlsHandshake, format!("TLS handshake with {target_text} failed: {what}"))
                    .with_source(e),
                Some(addr),
            ));
        }
    }

    if opts.http_request {
        let left = opts.timeout.saturating_sub(started.elapsed());
        let alpn = report.alpn.clone();
        let aftermath = io.aftermath.clone();
        let tls13 = report.tls_version.as_deref() == Some("TLSv1.3");
        match tokio::time::timeout(left, http_get(io, target, &opts.path, alpn.as_deref())).await {
            Ok(Ok(h)) => {
                report.http_status = Some(h.status);
                report.http_version = Some(h.version);
                report.hsts = h.hsts;
                report.insecure_cookies = h.insecure_cookies;
            }
            Ok(Err(HttpFailure::Tls(e))) => report.verdict = Some(ctx.handshake_error(&e, &target.host)),
            Ok(Err(HttpFailure::Http(e))) => {
                if let Some(alert) = aftermath.alert() {
                    report.verdict = Some(ctx.handshake_error(&alert, &target.host));
                } else if tls13 && asked.load(Ordering::Relaxed) && !aftermath.got_data() {
                    report.verdict = Some(crate::diagnose::inferred_client_cert_refusal(&target_text, has_identity));
                } else {
                    report.http_error = Some(e);
                }
            }
            Err(_) => {
                report.http_error = Some(Error::new(
                    Code::Timeout,
                    format!("timeout ({}) expired waiting for the response of {target_text}", secs(opts.timeout)),
                ))
            }
        }
    }
    Ok((report, addr))
}

fn version_name(conn: &rustls::ClientConnection) -> Option<String> {
    conn.protocol_version().map(|v| match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".to_owned(),
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".to_owned(),
        other => format!("{other:?}"),
    })
}

/// The first address of `host` that accepts a TCP connection (blocking; for the audit).
fn first_reachable(host: &str, port: u16, timeout: Duration) -> Result<SocketAddr> {
    use std::net::ToSocketAddrs;
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| Error::new(Code::Dns, format!("cannot resolve host '{host}': {}", io_message(&e))))?
        .collect();
    if addrs.is_empty() {
        return Err(Error::new(Code::Dns, format!("cannot resolve host '{host}': no addresses")));
    }
    let mut last = None;
    for addr in &addrs {
        match std::net::TcpStream::connect_timeout(addr, timeout) {
            Ok(_) => return Ok(*addr),
            Err(e) => last = Some((*addr, e)),
        }
    }
    let (addr, e) = last.expect("at least one address");
    if matches!(e.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock) {
        return Err(Error::new(
            Code::Timeout,
            format!("connect timeout ({}) expired connecting to {addr}", secs(timeout)),
        ));
    }
    Err(Error::new(Code::Connect, format!("connection to {addr} failed: {}", io_message(&e))))
}

/// Adds what the server does accept to a version or cipher refusal, found with a few
/// ClientHello probes; requests use it too. Advisory: the refusal stands either way, only
/// its code and message get more precise.
///
/// Versions are probed first (four probes, concurrently): a server that accepts TLS 1.0 or
/// 1.1 but neither 1.2 nor 1.3 gets `TLS_PROTOCOL_VERSION` naming them, whatever alert it
/// sent (GnuTLS answers `handshake_failure` there, OpenSSL `protocol_version`). Only then, for
/// a cipher refusal, the legacy suite categories (five probes, concurrently) at the best
/// version it accepts. Every probe ends by `deadline`; a probe without an answer by then counts
/// as refused, and when nothing was learned the refusal is returned unchanged.
pub(crate) async fn explain_refusal(e: Error, host: &str, addr: SocketAddr, deadline: tokio::time::Instant) -> Error {
    if !matches!(e.code(), Code::TlsProtocolVersion | Code::TlsNoSharedCipher) {
        return e;
    }
    let versions = probe::probe_versions(host, addr, deadline).await;
    let accepted: Vec<&str> = versions.iter().filter(|v| v.accepted).map(|v| v.version.as_str()).collect();
    let modern = accepted.iter().any(|v| *v == "TLSv1.2" || *v == "TLSv1.3");
    if !accepted.is_empty() && !modern {
        // Only older versions: that is the cause, whatever the alert said.
        let only = format!("the server accepts only {}", accepted.join(", "));
        return if e.code() == Code::TlsProtocolVersion {
            let hint = e.hint().to_owned();
            Error::new(e.code(), format!("{}; {only}", e.message())).with_hint(hint)
        } else {
            Error::new(
                Code::TlsProtocolVersion,
                format!("{host} ended the handshake: it does not speak TLS 1.2 or 1.3; {only}"),
            )
        };
    }
    let extra = match e.code() {
        Code::TlsProtocolVersion => {
            if accepted.is_empty() {
                return e;
            }
            // min_tls="1.3" against a TLS 1.2 server, for example.
            format!("the server accepts only {}", accepted.join(", "))
        }
        _ => {
            let version = probe::suite_probe_version(&versions);
            let legacy: Vec<String> = probe::probe_suites(host, addr, version, deadline)
                .await
                .into_iter()
                .filter(|s| s.accepted)
                .map(|s| format!("{} ({})", s.category, s.suite.unwrap_or_default()))
                .collect();
            if legacy.is_empty() {
                return e;
            }
            format!("it accepts legacy suites: {}", legacy.join(", "))
        }
    };
    let hint = e.hint().to_owned();
    Error::new(e.code(), format!("{}; {extra}", e.message())).with_hint(hint)
}

// ---------------------------------------------------------------------------------------------
// Chain shape and lint
// ---------------------------------------------------------------------------------------------

/// (complete, ordered); see the fields of [`ServerReport`].
fn chain_shape(chain: &[CertificateInfo], store: &TrustStore) -> (bool, bool) {
    if chain.is_empty() {
        return (false, false);
    }
    // Raw DER names (subject, issuer) of each certificate.
    let names: Vec<(Vec<u8>, Vec<u8>)> = chain
        .iter()
        .map(|c| {
            X509Certificate::from_der(&c.der)
                .map(|(_, x)| (x.subject().as_raw().to_vec(), x.issuer().as_raw().to_vec()))
                .unwrap_or_default()
        })
        .collect();
    let ordered = names.windows(2).all(|w| !w[0].1.is_empty() && w[0].1 == w[1].0);
    let anchored = |issuer: &[u8]| store.anchors.iter().any(|a| wrap_sequence(a.subject.as_ref()) == issuer);
    let mut current = 0usize;
    let mut visited = vec![0usize];
    let complete = loop {
        let (subject, issuer) = &names[current];
        if issuer.is_empty() {
            break false;
        }
        if subject == issuer || anchored(issuer) {
            break true;
        }
        match names.iter().enumerate().find(|(j, (s, _))| !visited.contains(j) && s == issuer) {
            Some((j, _)) => {
                visited.push(j);
                current = j;
            }
            None => break false,
        }
    };
    (complete, ordered)
}

/// Lints the presented chain for `host` (empty if the linter fails).
fn lint_chain(chain: &[CertificateInfo], host: &str) -> Vec<Finding> {
    if chain.is_empty() {
        return Vec::new();
    }
    let pem: String = chain.iter().map(CertificateInfo::to_pem).collect();
    let opts = crate::lint::LintOptions { hostnames: vec![host.to_owned()], ..Default::default() };
    crate::lint::lint(pem.as_bytes(), &opts).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// The HTTP request
// ---------------------------------------------------------------------------------------------

struct HttpFacts {
    status: u16,
    version: String,
    hsts: Option<String>,
    insecure_cookies: Vec<String>,
}

enum HttpFailure {
    /// A TLS error after the handshake (a refused client certificate): what a request gives.
    Tls(rustls::Error),
    Http(Error),
}

/// `GET path` over the verified connection, with hyper's client connection API (HTTP/2 when
/// ALPN agreed on h2). Reads the status and headers only, none of the body.
async fn http_get(
    io: TlsIo,
    target: &Target,
    path: &str,
    alpn: Option<&str>,
) -> std::result::Result<HttpFacts, HttpFailure> {
    let io = TokioIo::new(io);
    let host_header = if target.port == 443 {
        authority(&target.host, 443).trim_end_matches(":443").to_owned()
    } else {
        target.authority()
    };
    let fail = |e: hyper::Error| classify_http(&e);
    let response = if alpn == Some("h2") {
        let (mut sender, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io).await.map_err(fail)?;
        let uri = format!("https://{}{path}", target.authority());
        let req = request(&uri, None)?;
        exchange(sender.send_request(req), conn).await.map_err(fail)?
    } else {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await.map_err(fail)?;
        let req = request(path, Some(&host_header))?;
        exchange(sender.send_request(req), conn).await.map_err(fail)?
    };
    let headers = response.headers();
    let hsts = headers
        .get(http::header::STRICT_TRANSPORT_SECURITY)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let insecure_cookies = headers
        .get_all(http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| cookie_without_secure(&String::from_utf8_lossy(v.as_bytes())))
        .collect();
    let version = match response.version() {
        http::Version::HTTP_2 => "HTTP/2",
        http::Version::HTTP_10 => "HTTP/1.0",
        _ => "HTTP/1.1",
    };
    Ok(HttpFacts { status: response.status().as_u16(), version: version.to_owned(), hsts, insecure_cookies })
}

fn request(uri: &str, host: Option<&str>) -> std::result::Result<http::Request<Empty<Bytes>>, HttpFailure> {
    let mut b = http::Request::builder()
        .method(http::Method::GET)
        .uri(uri)
        .header(http::header::USER_AGENT, USER_AGENT)
        .header(http::header::ACCEPT, "*/*");
    if let Some(h) = host {
        b = b.header(http::header::HOST, h);
    }
    b.body(Empty::new())
        .map_err(|e| HttpFailure::Http(Error::invalid(format!("cannot build the request for {uri}: {e}"))))
}

/// Awaits the response while driving the connection in the same task, so that the
/// connection's own error (a TLS alert after the handshake) is what is reported, not the
/// "canceled" the request sees when the connection ends. The connection is dropped (closed)
/// with the returned future: no body is read.
async fn exchange<S, C>(send: S, conn: C) -> std::result::Result<http::Response<hyper::body::Incoming>, hyper::Error>
where
    S: std::future::Future<Output = std::result::Result<http::Response<hyper::body::Incoming>, hyper::Error>>,
    C: std::future::Future<Output = std::result::Result<(), hyper::Error>>,
{
    tokio::pin!(send);
    tokio::pin!(conn);
    let mut conn_done = false;
    loop {
        tokio::select! {
            r = &mut send => return r,
            c = &mut conn, if !conn_done => {
                conn_done = true;
                c?;
            }
        }
    }
}

/// A TLS error inside a hyper error, else HTTP_PROTOCOL with hyper's message.
fn classify_http(err: &hyper::Error) -> HttpFailure {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    let mut io_text = None;
    for _ in 0..16 {
        let Some(e) = cur else { break };
        if let Some(ioe) = e.downcast_ref::<std::io::Error>() {
            if let Some(r) = ioe.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return HttpFailure::Tls(r.clone());
            }
            io_text.get_or_insert_with(|| io_message(ioe));
        }
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return HttpFailure::Tls(r.clone());
        }
        cur = e.source();
    }
    let msg = if err.is_incomplete_message() {
        "connection closed before the response was complete".to_owned()
    } else if let Some(t) = io_text {
        format!("connection failed: {t}")
    } else {
        err.to_string()
    };
    HttpFailure::Http(Error::new(Code::HttpProtocol, msg))
}

/// The cookie name of a `Set-Cookie` value without the `Secure` attribute.
fn cookie_without_secure(value: &str) -> Option<String> {
    let mut parts = value.split(';');
    let name = parts.next()?.split('=').next()?.trim();
    if name.is_empty() {
        return None;
    }
    let secure = parts.any(|a| a.split('=').next().unwrap_or("").trim().eq_ignore_ascii_case("secure"));
    (!secure).then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_without_secure() {
        assert_eq!(cookie_without_secure("a=1; Path=/"), Some("a".into()));
        assert_eq!(cookie_without_secure("b=2; Path=/; HttpOnly"), Some("b".into()));
        assert_eq!(cookie_without_secure("c=3; Secure; HttpOnly"), None);
        assert_eq!(cookie_without_secure("d=4;secure"), None);
        assert_eq!(cookie_without_secure("e=5; SameSite=None; SECURE"), None);
        assert_eq!(cookie_without_secure("secure=1"), Some("secure".into()));
        assert_eq!(cookie_without_secure("=x"), None);
    }

    #[test]
    fn targets_are_validated() {
        let o = InspectOptions::default();
        for bad in ["", " ", "a b", "example.com:443", "https://example.com", "a/b", "user@h", "ex\tample"] {
            let e = Target::parse(bad, &o).err().unwrap_or_else(|| panic!("{bad:?} accepted"));
            assert_eq!(e.code(), Code::InvalidArgument, "{bad:?}");
        }
        for good in ["example.com", "127.0.0.1", "::1", "[::1]", "localhost"] {
            let t = Target::parse(good, &o).unwrap_or_else(|e| panic!("{good:?}: {e}"));
            assert!(!t.host.starts_with('['));
        }
        assert_eq!(Target::parse("::1", &o).map(|t| t.authority()).ok().as_deref(), Some("[::1]:443"));
        let p0 = InspectOptions { port: 0, ..Default::default() };
        assert_eq!(Target::parse("example.com", &p0).err().map(|e| e.code()), Some(Code::InvalidArgument));
        let path = InspectOptions { path: "nope".into(), ..Default::default() };
        assert_eq!(Target::parse("example.com", &path).err().map(|e| e.code()), Some(Code::InvalidArgument));
    }
}
