//! The connector hyper-util's pool calls for a new connection: a free slot under
//! `max_connections_per_host` (bounded by `pool_wait_timeout`), then DNS, TCP (happy eyeballs),
//! an optional proxy tunnel (HTTP or HTTPS CONNECT, SOCKS5, SOCKS5h) and the TLS handshake with
//! the destination, all bounded by `connect_timeout`.
//!
//! Its error type is our [`Error`], so that after hyper-util wraps it the request code finds it
//! again by walking `source()` (see `errors.rs`).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::Uri;
use http_body_util::Empty;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use crate::error::{Code, Error, Result};
use crate::net::{Resolver, authority, io_message, secs};
use crate::proxy::{Proxy, ProxyKind, ProxyPolicy};
use crate::tls::{TlsContext, TlsInfo};
use crate::verify::{Extras, WithExtras};

// ---------------------------------------------------------------------------------------------
// The stream
// ---------------------------------------------------------------------------------------------

/// What the request code may need to explain a failure on a TLS connection after its
/// handshake; shared through `Connected::extra`.
///
/// Why: a TLS 1.3 server that refuses the client certificate sends its alert after the client
/// considers the handshake finished. The client's next write then fails with EPIPE/ECONNRESET
/// and h2 keeps only the text of io errors, so the `rustls::Error` cannot be found in the error
/// chain. The stream records the first TLS error it sees here, and `errors::classify` looks
/// here first. Worse, the server's RST often makes the kernel discard the alert before it is
/// read; so the connection also records whether the server asked for a client certificate
/// (TLS 1.3) and whether any application data ever arrived: "asked for a certificate, then
/// closed before sending a single byte" is explained as a client-certificate refusal.
#[derive(Clone)]
pub(crate) struct TlsFailure(Arc<FailureInner>);

struct FailureInner {
    alert: std::sync::Mutex<Option<rustls::Error>>,
    cert_requested: Arc<AtomicBool>,
    got_data: AtomicBool,
    has_identity: bool,
    tls13: bool,
    addr: String,
}

impl TlsFailure {
    fn record(&self, e: &io::Error) {
        if let Some(r) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
            let mut slot = self.0.alert.lock().unwrap_or_else(|p| p.into_inner());
            slot.get_or_insert_with(|| r.clone());
        }
    }

    fn is_set(&self) -> bool {
        self.0.alert.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    /// The recorded TLS error, if any.
    pub(crate) fn get(&self) -> Option<rustls::Error> {
        self.0.alert.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// A TLS 1.3 server that asked for a client certificate and dropped the connection before
    /// sending any data refused the certificate (or its absence).
    pub(crate) fn inferred_client_cert_refusal(&self) -> Option<Error> {
        let i = &self.0;
        if !i.tls13 || !i.cert_requested.load(Ordering::Relaxed) || i.got_data.load(Ordering::Relaxed) {
            return None;
        }
        Some(crate::diagnose::inferred_client_cert_refusal(&i.addr, i.has_identity))
    }
}

/// What a connection runs on: TCP to the server (or to a SOCKS or HTTP proxy's tunnel), or
/// TLS to an `https://` proxy whose CONNECT tunnel it carries. It holds the connection's slot
/// under `max_connections_per_host` until it is dropped.
pub(crate) struct Transport {
    io: Io,
    slot: Option<super::slots::Slot>,
}

enum Io {
    Tcp(TcpStream),
    ProxyTls(Box<TlsStream<TcpStream>>),
}

impl Transport {
    fn tcp(tcp: TcpStream) -> Self {
        Self { io: Io::Tcp(tcp), slot: None }
    }

    /// The server's own address, when this is a direct TCP connection.
    fn peer_addr(&self) -> Option<SocketAddr> {
        match &self.io {
            Io::Tcp(t) => t.peer_addr().ok(),
            Io::ProxyTls(_) => None,
        }
    }
}

impl AsyncRead for Transport {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().io {
            Io::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Io::ProxyTls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Transport {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().io {
            Io::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Io::ProxyTls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().io {
            Io::Tcp(s) => Pin::new(s).poll_flush(cx),
            Io::ProxyTls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().io {
            Io::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Io::ProxyTls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().io {
            Io::Tcp(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Io::ProxyTls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }
    fn is_write_vectored(&self) -> bool {
        match &self.io {
            Io::Tcp(s) => s.is_write_vectored(),
            Io::ProxyTls(s) => s.is_write_vectored(),
        }
    }
}

/// A TLS connection and what is known about it.
pub(crate) struct TlsConn {
    stream: TlsStream<Transport>,
    pub(crate) info: TlsInfo,
    pub(crate) failure: TlsFailure,
}

impl TlsConn {
    /// After a write failed because the peer closed the connection, reads what is still
    /// buffered: a fatal alert the peer sent before closing becomes the recorded error.
    fn probe_alert(&mut self, cx: &mut Context<'_>) {
        if self.failure.is_set() {
            return;
        }
        let mut scratch = [0u8; 1024];
        for _ in 0..4 {
            let mut buf = ReadBuf::new(&mut scratch);
            match Pin::new(&mut self.stream).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) if !buf.filled().is_empty() => continue,
                Poll::Ready(Err(e)) => {
                    self.failure.record(&e);
                    return;
                }
                _ => return,
            }
        }
    }

    fn write_result<T>(&mut self, cx: &mut Context<'_>, r: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if let Poll::Ready(Err(e)) = &r {
            self.failure.record(e);
            if matches!(
                e.kind(),
                io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
            ) {
                self.probe_alert(cx);
            }
        }
        r
    }
}

/// A connection: plain (`http://`) or TLS.
pub(crate) enum Stream {
    Plain(Transport),
    Tls(Box<TlsConn>),
}

impl Stream {
    /// Gives the connection its slot under `max_connections_per_host`, released when it closes.
    fn hold(&mut self, slot: Option<super::slots::Slot>) {
        match self {
            Self::Plain(t) => t.slot = slot,
            Self::Tls(t) => t.stream.get_mut().0.slot = slot,
        }
    }
}

impl Connection for Stream {
    fn connected(&self) -> Connected {
        match self {
            Self::Plain(_) => Connected::new().extra(crate::log::ConnLog::new()),
            Self::Tls(t) => {
                let c = Connected::new()
                    .extra(Arc::new(t.info.clone()))
                    .extra(t.failure.clone())
                    .extra(crate::log::ConnLog::new());
                if t.info.alpn.as_deref() == Some("h2") { c.negotiated_h2() } else { c }
            }
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(t) => {
                let before = buf.filled().len();
                let r = Pin::new(&mut t.stream).poll_read(cx, buf);
                match &r {
                    Poll::Ready(Err(e)) => t.failure.record(e),
                    Poll::Ready(Ok(())) if buf.filled().len() > before => {
                        t.failure.0.got_data.store(true, Ordering::Relaxed);
                    }
                    _ => {}
                }
                r
            }
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(t) => {
                let r = Pin::new(&mut t.stream).poll_write(cx, buf);
                t.write_result(cx, r)
            }
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_flush(cx),
            Self::Tls(t) => {
                let r = Pin::new(&mut t.stream).poll_flush(cx);
                t.write_result(cx, r)
            }
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Self::Tls(t) => Pin::new(&mut t.stream).poll_shutdown(cx),
        }
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Self::Tls(t) => {
                let r = Pin::new(&mut t.stream).poll_write_vectored(cx, bufs);
                t.write_result(cx, r)
            }
        }
    }
    fn is_write_vectored(&self) -> bool {
        match self {
            Self::Plain(s) => s.is_write_vectored(),
            Self::Tls(t) => t.stream.is_write_vectored(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The connector
// ---------------------------------------------------------------------------------------------

/// hyper-util's connector: `Service<Uri>` returning a [`Stream`]. One per pool: the pool of a
/// request's own `proxy` has a connector of its own (see `routes.rs`).
#[derive(Clone)]
pub(crate) struct Connector {
    pub(crate) tls: Arc<TlsContext>,
    pub(crate) proxy: Arc<ProxyPolicy>,
    pub(crate) connect_timeout: Duration,
    /// DNS, or the client's `resolve` overrides.
    pub(crate) resolver: Resolver,
    /// `max_connections_per_host`: the slots of this pool's connections (`None`: no limit).
    pub(crate) slots: Option<Arc<super::slots::Slots>>,
    /// Offer HTTP/1.1 only in ALPN (a tunnel for a caller's own HTTP/1.1, see `tunnel.rs`).
    pub(crate) h1_only: bool,
}

type BoxFuture = Pin<Box<dyn Future<Output = Result<TokioIo<Stream>>> + Send>>;

impl tower_service::Service<Uri> for Connector {
    type Response = TokioIo<Stream>;
    type Error = Error;
    type Future = BoxFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let this = self.clone();
        // The request this connection is made for (if it waits under a read timeout) learns
        // that a connect is under way, and when it ends.
        let guard = super::upload::Progress::current().map(|p| p.connect_started());
        Box::pin(async move {
            let r = this.connect(dst).await.map(TokioIo::new);
            drop(guard);
            r
        })
    }
}

impl Connector {
    pub(crate) async fn connect(&self, dst: Uri) -> Result<Stream> {
        let https = match dst.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            other => {
                return Err(Error::new(Code::InvalidUrl, format!("unsupported scheme {:?}", other.unwrap_or(""))));
            }
        };
        let host = dst
            .host()
            .map(|h| h.trim_start_matches('[').trim_end_matches(']').to_owned())
            .filter(|h| !h.is_empty())
            .ok_or_else(|| Error::new(Code::InvalidUrl, format!("URL {dst} has no host")))?;
        let port = dst.port_u16().unwrap_or(if https { 443 } else { 80 });
        let proxy = self.proxy.for_uri(&dst)?;
        let target = authority(&host, port);
        let via = proxy.as_ref().map(|p| format!(" via proxy {}", p.name())).unwrap_or_default();
        // A free slot first (its wait is pool_wait_timeout's, not the connect timeout's).
        let slot = match &self.slots {
            Some(slots) => Some(slots.acquire(&format!("{}://{target}", if https { "https" } else { "http" })).await?),
            None => None,
        };
        let timeout = self.connect_timeout;
        let deadline = tokio::time::Instant::now() + timeout;
        tracing::debug!("connecting to {target}{via}");
        let work = async {
            if !https {
                return Ok(Stream::Plain(self.open(&host, port, proxy.as_ref()).await?));
            }
            // With fetch_missing_intermediates: intermediates fetched earlier for this server
            // are offered at once; a handshake refused for an incomplete chain fetches them
            // (asynchronously, within this deadline) and is retried once with them.
            let aia = self.tls.aia.as_ref();
            let mut extras = aia.and_then(|a| a.known(&target)).map(Extras::new);
            let mut fetched_now = false;
            loop {
                let tcp = self.open(&host, port, proxy.as_ref()).await?;
                // The server's own address (not a proxy's), for probing what it speaks if the
                // handshake is refused.
                let direct = if proxy.is_none() { tcp.peer_addr() } else { None };
                match (self.handshake(tcp, &host, port, direct, extras.clone(), deadline).await, aia) {
                    (Err(e), Some(aia)) if e.code() == Code::CertIncompleteChain && !fetched_now => {
                        fetched_now = true;
                        match self.fetch_missing(&e, &host, aia.allow_private, deadline).await {
                            Ok(list) if !list.is_empty() => {
                                let list = Arc::new(list);
                                aia.remember(&target, list.clone());
                                extras = Some(Extras::new(list));
                            }
                            Ok(_) => return Err(e),
                            Err((url, why)) => {
                                aia.forget(&target);
                                return Err(crate::aia::explain_failure(e, &url, &why));
                            }
                        }
                    }
                    (r, _) => return r,
                }
            }
        };
        let mut stream = match tokio::time::timeout(timeout, work).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                tracing::debug!("connecting to {target}{via} failed: {e}");
                return Err(e);
            }
            Err(_) => {
                tracing::debug!("connect timeout ({}) connecting to {target}{via}", secs(timeout));
                return Err(Error::new(
                    Code::Timeout,
                    format!("connect timeout ({}) expired connecting to {target}{via}", secs(timeout)),
                ));
            }
        };
        stream.hold(slot);
        Ok(stream)
    }

    /// TCP to the server, or a tunnel to it through `proxy`.
    async fn open(&self, host: &str, port: u16, proxy: Option<&Proxy>) -> Result<Transport> {
        let Some(p) = proxy else {
            return Ok(Transport::tcp(self.resolver.connect(host, port, "").await?.0));
        };
        tracing::debug!("tunnel to {} through proxy {}", authority(host, port), p.name());
        let to_proxy = || async { self.resolver.connect(&p.host, p.port, "proxy ").await.map(|(tcp, _)| tcp) };
        let auth = p.socks_auth.as_ref().map(|a| (a.user.as_str(), a.pass.as_str()));
        let literal = host.parse::<std::net::IpAddr>().ok();
        match p.kind {
            ProxyKind::Http => tunnel(Transport::tcp(to_proxy().await?), p, host, port).await,
            ProxyKind::Https => {
                let tls = self.proxy_tls(to_proxy().await?, p).await?;
                tunnel(Transport { io: Io::ProxyTls(Box::new(tls)), slot: None }, p, host, port).await
            }
            ProxyKind::Socks5h => {
                // The proxy resolves the name (an address literal is sent as an address).
                let target = literal.map_or(crate::socks::Target::Name(host), crate::socks::Target::Ip);
                let mut tcp = to_proxy().await?;
                crate::socks::connect(&mut tcp, &p.name(), target, port, auth).await.map_err(|f| f.into_error())?;
                Ok(Transport::tcp(tcp))
            }
            ProxyKind::Socks5 => {
                // The client resolves the name; an address the proxy cannot reach (refused,
                // unreachable) hands over to the next one, each over a new proxy connection.
                let addrs: Vec<std::net::IpAddr> = match literal {
                    Some(ip) => vec![ip],
                    None => self.resolver.lookup(host, port, "").await?.into_iter().map(|a| a.ip()).collect(),
                };
                let mut last = None;
                for ip in addrs {
                    let mut tcp = to_proxy().await?;
                    match crate::socks::connect(&mut tcp, &p.name(), crate::socks::Target::Ip(ip), port, auth).await {
                        Ok(()) => return Ok(Transport::tcp(tcp)),
                        Err(f) if f.worth_another_address() => last = Some(f.into_error()),
                        Err(f) => return Err(f.into_error()),
                    }
                }
                Err(last
                    .unwrap_or_else(|| Error::new(Code::Dns, format!("cannot resolve host '{host}': no addresses"))))
            }
        }
    }

    /// TLS with an `https://` proxy, verified with the client's trust like any server.
    async fn proxy_tls(&self, tcp: TcpStream, p: &Proxy) -> Result<TlsStream<TcpStream>> {
        let name = rustls::pki_types::ServerName::try_from(p.host.clone())
            .map_err(|e| Error::invalid(format!("proxy: host {:?} is not a valid TLS server name: {e}", p.host)))?;
        let connector = tokio_rustls::TlsConnector::from(self.tls.proxy_config.clone());
        connector.connect(name, tcp).await.map_err(|e| {
            if let Some(r) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return self.tls.handshake_error(r, &p.host).context(&format!("TLS with proxy {}", p.name()));
            }
            let what = match e.kind() {
                io::ErrorKind::UnexpectedEof => "the proxy closed the connection".to_owned(),
                _ => io_message(&e),
            };
            Error::new(Code::TlsHandshake, format!("TLS handshake with proxy {} failed: {what}", p.name()))
                .with_source(e)
        })
    }

    /// Fetches the intermediates the chain in `refusal` (`CERT_INCOMPLETE_CHAIN`) lacks,
    /// through this client's proxy policy, by `deadline` (see `aia.rs`).
    async fn fetch_missing(
        &self,
        refusal: &Error,
        host: &str,
        allow_private: bool,
        deadline: tokio::time::Instant,
    ) -> std::result::Result<Vec<crate::aia::Fetched>, (String, crate::aia::FetchError)> {
        let ders: Vec<rustls::pki_types::CertificateDer<'static>> =
            refusal.chain().iter().map(|c| c.der().clone()).collect();
        let Some((leaf, intermediates)) = ders.split_first() else { return Ok(Vec::new()) };
        let Ok(name) = rustls::pki_types::ServerName::try_from(host.to_owned()) else { return Ok(Vec::new()) };
        let check = crate::aia::ChainCheck {
            store: &self.tls.store,
            provider: self.tls.config.crypto_provider(),
            server_name: Some(&name),
            now: rustls::pki_types::UnixTime::now(),
            purpose: crate::verify::Purpose::Server,
        };
        let env = crate::aia::FetchEnv {
            allow_private,
            proxy: &self.proxy,
            net: &crate::aia::SystemNet,
            deadline: Some(deadline),
            proxy_tls: Some(self.tls.proxy_config.clone()),
        };
        crate::aia::fetch_missing(&check, leaf, intermediates, &env).await
    }

    async fn handshake(
        &self,
        tcp: Transport,
        host: &str,
        port: u16,
        direct: Option<SocketAddr>,
        extras: Option<Arc<Extras>>,
        deadline: tokio::time::Instant,
    ) -> Result<Stream> {
        let name = rustls::pki_types::ServerName::try_from(host.to_owned())
            .map_err(|e| Error::new(Code::InvalidUrl, format!("host {host:?} is not a valid TLS server name: {e}")))?;
        // The client's one config (sessions resume only with the same config objects); its
        // certificate resolver notes in `asked` whether the server asked for a certificate.
        let asked = Arc::new(AtomicBool::new(false));
        let has_identity = self.tls.config.client_auth_cert_resolver.has_certs();
        let config = if self.h1_only { &self.tls.h1_config } else { &self.tls.config };
        let connector = tokio_rustls::TlsConnector::from(config.clone());
        let handshake = crate::tls::Asking { asked: asked.clone(), fut: Box::pin(connector.connect(name, tcp)) };
        // With CRLs, the verifier may also have a warning to hand back (a leaf no CRL covers).
        let extras = extras.or_else(|| (!self.tls.store.crls.is_empty()).then(|| Extras::new(Arc::default())));
        let handshake = WithExtras { extras: extras.clone(), fut: Box::pin(handshake) };
        match handshake.await {
            Ok(tls) => {
                let mut info = TlsInfo::from_connection(tls.get_ref().1);
                // The fetched intermediates the chain needed; a resumed session (no
                // certificates) is the server of the last handshake with them.
                info.warnings = match extras.as_ref().and_then(|x| x.used()) {
                    Some(w) => w,
                    None if info.resumed => {
                        extras.map(|x| x.fetched.iter().map(|f| f.warning()).collect()).unwrap_or_default()
                    }
                    None => Vec::new(),
                };
                // They name certificates and URLs: shown escaped, like messages.
                info.warnings = info.warnings.into_iter().map(crate::text::safe_owned).collect();
                tracing::debug!(
                    "TLS with {}: {} {}, ALPN {}, {}; certificate chain verified{}",
                    authority(host, port),
                    info.version.as_str(),
                    info.cipher_suite,
                    info.alpn.as_deref().unwrap_or("none"),
                    if info.resumed { "resumed session" } else { "full handshake" },
                    if info.warnings.is_empty() { String::new() } else { format!(" ({})", info.warnings.join("; ")) }
                );
                let failure = TlsFailure(Arc::new(FailureInner {
                    alert: std::sync::Mutex::new(None),
                    cert_requested: asked,
                    got_data: AtomicBool::new(false),
                    has_identity,
                    tls13: tls.get_ref().1.protocol_version() == Some(rustls::ProtocolVersion::TLSv1_3),
                    addr: authority(host, port),
                }));
                Ok(Stream::Tls(Box::new(TlsConn { stream: tls, info, failure })))
            }
            Err(e) => {
                if let Some(r) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                    let err = self.tls.handshake_error(r, host);
                    tracing::debug!("TLS with {} refused: {err}", authority(host, port));
                    return Err(match (direct, err.code()) {
                        // Name what the server does speak (at most 9 ClientHello probes, async,
                        // on this task; advisory: the refusal stands either way). They end by
                        // `probe_deadline`, before the connect deadline, so the refusal (not a
                        // TIMEOUT) is what the caller sees; a whole-request timeout that
                        // fires first drops them with this future, closing their sockets.
                        (Some(addr), Code::TlsProtocolVersion | Code::TlsNoSharedCipher) => {
                            crate::probe::explain_refusal(err, host, addr, probe_deadline(deadline)).await
                        }
                        _ => err,
                    });
                }
                let what = match e.kind() {
                    io::ErrorKind::UnexpectedEof => "the server closed the connection".to_owned(),
                    _ => io_message(&e),
                };
                Err(Error::new(
                    Code::TlsHandshake,
                    format!("TLS handshake with {} failed: {what}", authority(host, port)),
                )
                .with_source(e))
            }
        }
    }
}

/// Most time the probes that explain a refused handshake may take.
const PROBE_BUDGET: Duration = Duration::from_secs(3);

/// When the diagnostic probes after a refused handshake must end: [`PROBE_BUDGET`] from now,
/// and in any case a tenth of the remaining time (at least 20 ms) before the connect
/// `deadline`, so that the refusal is returned before the connect timeout fires.
fn probe_deadline(deadline: tokio::time::Instant) -> tokio::time::Instant {
    let now = tokio::time::Instant::now();
    let left = deadline.saturating_duration_since(now);
    let margin = (left / 10).max(Duration::from_millis(20));
    (now + PROBE_BUDGET).min(deadline.checked_sub(margin).unwrap_or(now)).max(now)
}

/// Opens an HTTP CONNECT tunnel to `host:port` through the proxy connection `tcp` (TCP, or TLS
/// to an `https://` proxy).
///
/// hyper-util's `Tunnel` does not report the proxy's status line, so the exchange is done with
/// hyper's client connection API (no hand-written HTTP): CONNECT, then take the stream back
/// out of the upgrade.
async fn tunnel(tcp: Transport, proxy: &Proxy, host: &str, port: u16) -> Result<Transport> {
    let target = authority(host, port);
    let proxy_err = |msg: String| Error::new(Code::Connect, format!("proxy {}: {msg}", proxy.name()));
    let (mut sender, conn) = hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(TokioIo::new(tcp))
        .await
        .map_err(|e| proxy_err(format!("HTTP handshake failed: {e}")))?;
    let driver = tokio::spawn(conn.with_upgrades());
    let mut req = http::Request::builder()
        .method(http::Method::CONNECT)
        .uri(target.as_str())
        .header(http::header::HOST, target.as_str());
    if let Some(auth) = &proxy.auth {
        req = req.header(http::header::PROXY_AUTHORIZATION, auth.clone());
    }
    let req = req
        .body(Empty::new())
        .map_err(|e| Error::new(Code::InvalidUrl, format!("cannot build CONNECT request for {target}: {e}")))?;
    let res = sender.send_request(req).await.map_err(|e| proxy_err(format!("CONNECT to {target} failed: {e}")))?;
    let status = res.status();
    if !status.is_success() {
        driver.abort();
        let reason = status.canonical_reason().unwrap_or("");
        let err = Error::new(
            Code::Connect,
            format!("proxy {} refused CONNECT to {target}: {} {reason}", proxy.name(), status.as_u16())
                .trim_end()
                .to_owned(),
        );
        return Err(if status.as_u16() == 407 {
            err.with_hint("The proxy requires credentials: put them in the proxy URL (http://user:pass@host:port).")
        } else {
            err
        });
    }
    let upgraded = hyper::upgrade::on(res)
        .await
        .map_err(|e| proxy_err(format!("CONNECT to {target} did not yield a tunnel: {e}")))?;
    let parts = upgraded
        .downcast::<TokioIo<Transport>>()
        .map_err(|_| proxy_err(format!("CONNECT to {target}: unexpected tunnel type")))?;
    if !parts.read_buf.is_empty() {
        // The target spoke before the client did (neither TLS nor HTTP/1 do that).
        return Err(proxy_err(format!(
            "CONNECT to {target}: {} unexpected bytes arrived before the request",
            parts.read_buf.len()
        )));
    }
    Ok(parts.io.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_end_before_the_connect_deadline() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
        rt.block_on(async {
            let now = tokio::time::Instant::now();
            // Plenty of time: the 3 s budget.
            let d = probe_deadline(now + Duration::from_secs(10));
            assert!(d <= tokio::time::Instant::now() + PROBE_BUDGET && d >= now + PROBE_BUDGET);
            // 1 s left: a tenth of it is kept for returning the refusal.
            let d = probe_deadline(now + Duration::from_secs(1));
            assert!(d <= now + Duration::from_millis(905), "{:?}", d - now);
            assert!(d >= now + Duration::from_millis(850), "{:?}", d - now);
            // 100 ms left: at least 20 ms kept.
            let d = probe_deadline(now + Duration::from_millis(100));
            assert!(d <= now + Duration::from_millis(81), "{:?}", d - now);
            // Past or nearly past: now (no probe waits).
            let d = probe_deadline(now + Duration::from_millis(5));
            assert!(d <= tokio::time::Instant::now());
        });
    }
}
