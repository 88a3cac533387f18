//! Fetching an intermediate the server omitted, from the CA-issuers URL (Authority Information
//! Access) of the certificate it issued. Opt-in (`fetch_missing_intermediates`).
//!
//! The URL comes from a certificate nobody has verified yet, so the fetch is kept from being
//! turned against the caller's network (see the AIA section of `manual/security.md`):
//!
//! - `http://` only (CA-issuers URLs are plain HTTP by design, RFC 5280 4.2.2.1: the data is
//!   signed; `https://` would need a verified connection inside a verification), no
//!   credentials in the URL, at most [`MAX_AIA_BYTES`], [`AIA_TIMEOUT`] per fetch (DNS
//!   included), DER or PEM (not PKCS#7), no redirects.
//! - Only public addresses ([`classify`]): the name is resolved, every address that is not
//!   public is dropped, and the connection goes to an address that was checked (no second
//!   lookup). `aia_allow_private` lifts this for private PKIs.
//! - Through the proxy a request to the URL would use (the proxy resolves the name; the rule
//!   then applies only to a literal IP address in the URL).
//! - The error never says what the target answered (no port-scan or status oracle).
//! - Asynchronous: requests fetch from the connector after the handshake failed (see
//!   `client/connect.rs`), never inside the TLS verifier; only the offline `verify_chain`
//!   blocks (its own thread and runtime).
//! - The cache of fetched certificates is bounded ([`CACHE_ENTRIES`]) and expires
//!   ([`CACHE_TTL`]).
//!
//! What is fetched is only ever an *untrusted intermediate*: it still has to chain to a
//! trusted root.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio::net::TcpStream;

use crate::cert::{Certificate, certificate_ders, looks_like_pem};
use crate::error::{Code, Error};
#[cfg(test)]
use crate::proxy::Proxy;
use crate::proxy::{ProxyKind, ProxyPolicy};
use crate::socks;
use crate::trust::TrustStore;
pub(crate) use crate::verify::Fetched;
use crate::verify::{Purpose, presented_chain, verify_server_chain};

/// Most bytes read from a CA-issuers URL.
pub(crate) const MAX_AIA_BYTES: usize = 64 * 1024;
/// How long one fetch may take (DNS, connect, request, body).
pub(crate) const AIA_TIMEOUT: Duration = Duration::from_secs(5);
/// How many missing certificates are fetched for one chain at most.
pub(crate) const MAX_AIA_DEPTH: usize = 3;
/// Most entries of each cache (fetched certificates by URL; fetched intermediates by host).
pub(crate) const CACHE_ENTRIES: usize = 256;
/// How long a cache entry is used.
pub(crate) const CACHE_TTL: Duration = Duration::from_secs(3600);

// ---------------------------------------------------------------------------------------------
// The address rule
// ---------------------------------------------------------------------------------------------

/// What an address is, for the AIA fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AddrClass {
    /// Globally reachable: fetched from.
    Public,
    /// Loopback, private, link-local, CGNAT, unique-local, documentation, benchmarking and
    /// reserved ranges: only with `aia_allow_private`.
    NotPublic,
    /// Unspecified, multicast, broadcast: never a server.
    Never,
}

/// Whether the fetch may connect to `ip`.
pub(crate) fn allowed(ip: IpAddr, allow_private: bool) -> bool {
    match classify(ip) {
        AddrClass::Public => true,
        AddrClass::NotPublic => allow_private,
        AddrClass::Never => false,
    }
}

/// Classifies an address (IPv4-mapped, -compatible, NAT64 and 6to4 IPv6 forms by the IPv4
/// address they carry).
pub(crate) fn classify(ip: IpAddr) -> AddrClass {
    match ip {
        IpAddr::V4(a) => classify_v4(a),
        IpAddr::V6(a) => classify_v6(a),
    }
}

fn classify_v4(a: Ipv4Addr) -> AddrClass {
    if a.is_unspecified() || a.is_broadcast() || a.is_multicast() || a.octets()[0] == 0 {
        return AddrClass::Never;
    }
    const NOT_PUBLIC: &[([u8; 4], u32)] = &[
        ([10, 0, 0, 0], 8),      // RFC 1918
        ([100, 64, 0, 0], 10),   // CGNAT (RFC 6598)
        ([127, 0, 0, 0], 8),     // loopback
        ([169, 254, 0, 0], 16),  // link-local (cloud metadata: 169.254.169.254)
        ([172, 16, 0, 0], 12),   // RFC 1918
        ([192, 0, 0, 0], 24),    // IETF protocol assignments
        ([192, 0, 2, 0], 24),    // TEST-NET-1
        ([192, 88, 99, 0], 24),  // 6to4 relay anycast (deprecated)
        ([192, 168, 0, 0], 16),  // RFC 1918
        ([198, 18, 0, 0], 15),   // benchmarking
        ([198, 51, 100, 0], 24), // TEST-NET-2
        ([203, 0, 113, 0], 24),  // TEST-NET-3
        ([240, 0, 0, 0], 4),     // reserved
    ];
    let n = u32::from(a);
    let inside = |net: [u8; 4], len: u32| n & (u32::MAX << (32 - len)) == u32::from_be_bytes(net);
    if NOT_PUBLIC.iter().any(|&(net, len)| inside(net, len)) { AddrClass::NotPublic } else { AddrClass::Public }
}

fn classify_v6(a: Ipv6Addr) -> AddrClass {
    if a.is_unspecified() || a.is_multicast() {
        return AddrClass::Never;
    }
    if a.is_loopback() {
        return AddrClass::NotPublic;
    }
    let s = a.segments();
    let low_v4 = || Ipv4Addr::from(u128::from(a) as u32);
    // ::/64 holds the IPv4-compatible (::a.b.c.d), -mapped (::ffff:a.b.c.d) and -translated
    // (::ffff:0:a.b.c.d) forms: the IPv4 address decides. Anything else there is not public.
    if s[..4] == [0, 0, 0, 0] {
        return match (s[4], s[5]) {
            (0, 0) | (0, 0xffff) | (0xffff, 0) => classify_v4(low_v4()),
            _ => AddrClass::NotPublic,
        };
    }
    // NAT64 well-known prefix 64:ff9b::/96: reaches the IPv4 address it carries.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return classify_v4(low_v4());
    }
    // 6to4 2002::/16: the IPv4 address is in bits 16..48.
    if s[0] == 0x2002 {
        let [a0, a1] = s[1].to_be_bytes();
        let [a2, a3] = s[2].to_be_bytes();
        return classify_v4(Ipv4Addr::new(a0, a1, a2, a3));
    }
    const NOT_PUBLIC: &[(u128, u32)] = &[
        (0x0064_ff9b_0001 << 80, 48), // 64:ff9b:1::/48 local-use NAT64
        (0x0100 << 112, 64),          // 100::/64 discard-only
        (0x2001 << 112, 23),          // 2001::/23 IETF protocol assignments (Teredo, ORCHID, ...)
        (0x2001_0db8 << 96, 32),      // 2001:db8::/32 documentation
        (0x3fff << 112, 20),          // 3fff::/20 documentation
        (0xfc00 << 112, 7),           // fc00::/7 unique local
        (0xfe80 << 112, 10),          // fe80::/10 link-local
        (0xfec0 << 112, 10),          // fec0::/10 site-local (deprecated)
    ];
    let n = u128::from(a);
    if NOT_PUBLIC.iter().any(|&(net, len)| n & (u128::MAX << (128 - len)) == net) {
        AddrClass::NotPublic
    } else {
        AddrClass::Public
    }
}

// ---------------------------------------------------------------------------------------------
// Bounded, expiring cache
// ---------------------------------------------------------------------------------------------

/// A map of at most `cap` entries, each used for at most `ttl`; when full, expired entries go
/// first, then the least recently used one.
pub(crate) struct BoundedCache<K, V> {
    cap: usize,
    ttl: Duration,
    tick: u64,
    map: HashMap<K, (V, Instant, u64)>,
}

impl<K: Eq + Hash + Clone, V: Clone> BoundedCache<K, V> {
    pub(crate) fn new(cap: usize, ttl: Duration) -> Self {
        Self { cap: cap.max(1), ttl, tick: 0, map: HashMap::new() }
    }

    pub(crate) fn get(&mut self, key: &K, now: Instant) -> Option<V> {
        self.tick += 1;
        let tick = self.tick;
        let ttl = self.ttl;
        match self.map.get_mut(key) {
            Some((v, at, used)) if now.saturating_duration_since(*at) < ttl => {
                *used = tick;
                Some(v.clone())
            }
            Some(_) => {
                self.map.remove(key);
                None
            }
            None => None,
        }
    }

    pub(crate) fn insert(&mut self, key: K, value: V, now: Instant) {
        self.tick += 1;
        if !self.map.contains_key(&key) && self.map.len() >= self.cap {
            let ttl = self.ttl;
            self.map.retain(|_, (_, at, _)| now.saturating_duration_since(*at) < ttl);
            if self.map.len() >= self.cap
                && let Some(oldest) = self.map.iter().min_by_key(|(_, (_, _, used))| *used).map(|(k, _)| k.clone())
            {
                self.map.remove(&oldest);
            }
        }
        self.map.insert(key, (value, now, self.tick));
    }

    pub(crate) fn remove(&mut self, key: &K) {
        self.map.remove(key);
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
}

type Shared<K, V> = Mutex<BoundedCache<K, V>>;

fn lock<K, V>(m: &Shared<K, V>) -> std::sync::MutexGuard<'_, BoundedCache<K, V>> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Fetched certificates by URL, per process.
fn cert_cache() -> &'static Shared<String, CertificateDer<'static>> {
    static CACHE: OnceLock<Shared<String, CertificateDer<'static>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(BoundedCache::new(CACHE_ENTRIES, CACHE_TTL)))
}

// ---------------------------------------------------------------------------------------------
// What was fetched, and how a client fetches
// ---------------------------------------------------------------------------------------------

/// The AIA settings of one client (or inspection): the address rule and the intermediates
/// fetched per server, so a new connection to the same server supplies them at once instead
/// of failing a handshake first.
pub(crate) struct AiaFetch {
    pub allow_private: bool,
    hosts: Shared<String, Arc<Vec<Fetched>>>,
}

impl std::fmt::Debug for AiaFetch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AiaFetch").field("allow_private", &self.allow_private).finish_non_exhaustive()
    }
}

impl AiaFetch {
    pub(crate) fn new(allow_private: bool) -> Self {
        Self { allow_private, hosts: Mutex::new(BoundedCache::new(CACHE_ENTRIES, CACHE_TTL)) }
    }

    /// The intermediates fetched earlier for `host` (`host:port`).
    pub(crate) fn known(&self, host: &str) -> Option<Arc<Vec<Fetched>>> {
        lock(&self.hosts).get(&host.to_owned(), Instant::now())
    }

    pub(crate) fn remember(&self, host: &str, fetched: Arc<Vec<Fetched>>) {
        lock(&self.hosts).insert(host.to_owned(), fetched, Instant::now());
    }

    pub(crate) fn forget(&self, host: &str) {
        lock(&self.hosts).remove(&host.to_owned());
    }
}

/// Why a fetch did not give a certificate, as far as the caller may learn it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FetchError {
    /// Refused for a reason visible in the URL itself (scheme, credentials, a literal address
    /// that is not public): the reason is safe to show.
    Refused(String),
    /// Anything that depends on the network (DNS, an address that is not public, connect,
    /// status, body, timeout): deliberately not told apart.
    Failed,
}

/// The refusal `err` (an incomplete chain) with what the fetch from `url` could say about it.
pub(crate) fn explain_failure(err: Error, url: &str, why: &FetchError) -> Error {
    let detail = match why {
        FetchError::Refused(reason) => format!(": {reason}"),
        FetchError::Failed => String::new(),
    };
    let message = format!("{} (could not fetch the intermediate from the CA issuers URL {url}{detail})", err.message());
    Error::new(err.code(), message)
        .with_hint(format!(
            "{} tlsguard fetches CA issuers URLs only over http:// from public addresses (aia_allow_private: true allows private ones), at most {} KiB within {} s.",
            err.hint(),
            MAX_AIA_BYTES / 1024,
            AIA_TIMEOUT.as_secs()
        ))
        .with_chain(err.chain().to_vec())
        .with_trust_sources(err.trust_sources().to_vec())
        .with_detail_of(&err)
}

// ---------------------------------------------------------------------------------------------
// The network hook
// ---------------------------------------------------------------------------------------------

/// A boxed future of the network hook.
pub(crate) type NetFuture<'a, T> = Pin<Box<dyn Future<Output = io::Result<T>> + Send + 'a>>;

/// Name resolution and TCP connect, replaceable so the address rule is tested without
/// sending traffic anywhere.
pub(crate) trait Net: Send + Sync {
    fn resolve<'a>(&'a self, host: &'a str, port: u16) -> NetFuture<'a, Vec<SocketAddr>>;
    fn connect(&self, addr: SocketAddr) -> NetFuture<'_, TcpStream>;
}

/// The system's resolver (tokio's, on the blocking pool) and TCP.
pub(crate) struct SystemNet;

impl Net for SystemNet {
    fn resolve<'a>(&'a self, host: &'a str, port: u16) -> NetFuture<'a, Vec<SocketAddr>> {
        Box::pin(async move { Ok(tokio::net::lookup_host((host, port)).await?.collect()) })
    }
    fn connect(&self, addr: SocketAddr) -> NetFuture<'_, TcpStream> {
        Box::pin(TcpStream::connect(addr))
    }
}

// ---------------------------------------------------------------------------------------------
// One fetch
// ---------------------------------------------------------------------------------------------

/// What a fetch needs besides the URL.
pub(crate) struct FetchEnv<'a> {
    pub allow_private: bool,
    pub proxy: &'a ProxyPolicy,
    pub net: &'a dyn Net,
    /// When the whole operation must be over (the handshake's connect deadline), if any.
    pub deadline: Option<tokio::time::Instant>,
    /// TLS to an `https://` proxy (the client's trust); without it such a proxy is refused.
    pub proxy_tls: Option<Arc<rustls::ClientConfig>>,
}

/// What the GET runs on: TCP, or TLS to an `https://` proxy.
trait Conn: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin> Conn for T {}

/// Checks `url` against the rules that need no network: what is allowed to be fetched, and
/// where (host, port, request target).
fn check_url(url: &str, allow_private: bool) -> Result<url::Url, FetchError> {
    let parsed = url::Url::parse(url).map_err(|_| FetchError::Refused("not a valid URL".into()))?;
    if parsed.scheme() != "http" {
        return Err(FetchError::Refused("only http:// URLs are fetched".into()));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(FetchError::Refused("the URL carries credentials".into()));
    }
    let literal = match parsed.host() {
        Some(url::Host::Ipv4(a)) => Some(IpAddr::V4(a)),
        Some(url::Host::Ipv6(a)) => Some(IpAddr::V6(a)),
        Some(url::Host::Domain(_)) => None,
        None => return Err(FetchError::Refused("the URL has no host".into())),
    };
    if let Some(ip) = literal
        && !allowed(ip, allow_private)
    {
        return Err(FetchError::Refused(format!(
            "{ip} is not a public address{}",
            if classify(ip) == AddrClass::NotPublic { " (aia_allow_private allows it)" } else { "" }
        )));
    }
    Ok(parsed)
}

/// Fetches the certificate at `url` (cached per process).
pub(crate) async fn fetch_certificate(url: &str, env: &FetchEnv<'_>) -> Result<CertificateDer<'static>, FetchError> {
    let parsed = check_url(url, env.allow_private)?;
    if let Some(hit) = lock(cert_cache()).get(&url.to_owned(), Instant::now()) {
        return Ok(hit);
    }
    let limit = tokio::time::Instant::now() + AIA_TIMEOUT;
    let limit = env.deadline.map_or(limit, |d| d.min(limit));
    let body = tokio::time::timeout_at(limit, get(&parsed, env)).await.map_err(|_| FetchError::Failed)??;
    let der = if looks_like_pem(&body) {
        certificate_ders(&body).ok().and_then(|v| v.into_iter().next()).ok_or(FetchError::Failed)?
    } else if body.first() == Some(&0x30) {
        CertificateDer::from(body.to_vec())
    } else {
        return Err(FetchError::Failed);
    };
    Certificate::checked(der.clone()).map_err(|_| FetchError::Failed)?;
    lock(cert_cache()).insert(url.to_owned(), der.clone(), Instant::now());
    Ok(der)
}

/// The GET itself: through the proxy for this URL if there is one, else to a checked address.
async fn get(url: &url::Url, env: &FetchEnv<'_>) -> Result<Bytes, FetchError> {
    let port = url.port_or_known_default().unwrap_or(80);
    let (host, literal): (String, Option<IpAddr>) = match url.host() {
        Some(url::Host::Ipv4(a)) => (a.to_string(), Some(IpAddr::V4(a))),
        Some(url::Host::Ipv6(a)) => (a.to_string(), Some(IpAddr::V6(a))),
        Some(url::Host::Domain(d)) => (d.to_owned(), None),
        None => return Err(FetchError::Failed),
    };
    let host_header = crate::net::authority(&host, port);
    let host_header = if port == 80 { host_header.trim_end_matches(":80").to_owned() } else { host_header };
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    let uri: http::Uri = format!("http://{host_header}{path}").parse().map_err(|_| FetchError::Failed)?;
    let proxy = env.proxy.for_uri(&uri).map_err(|_| FetchError::Failed)?;
    let (tcp, target, auth): (Box<dyn Conn>, String, _) = match &proxy {
        // The proxy resolves the name; the rule applied to a literal address in check_url.
        Some(p) if p.kind == ProxyKind::Http => {
            (Box::new(connect_any(env.net, &p.host, p.port, |_| true).await?), uri.to_string(), p.auth.clone())
        }
        Some(p) if p.kind == ProxyKind::Https => {
            let Some(config) = env.proxy_tls.clone() else {
                return Err(FetchError::Refused("not fetched through an https:// proxy here".into()));
            };
            let tcp = connect_any(env.net, &p.host, p.port, |_| true).await?;
            let name = ServerName::try_from(p.host.clone()).map_err(|_| FetchError::Failed)?;
            let tls =
                tokio_rustls::TlsConnector::from(config).connect(name, tcp).await.map_err(|_| FetchError::Failed)?;
            (Box::new(tls), uri.to_string(), p.auth.clone())
        }
        Some(p) => {
            // SOCKS5h: the proxy resolves the name, as above. SOCKS5: this side resolves it,
            // and the address rule applies as for a direct fetch.
            let target = match (literal, p.kind) {
                (Some(ip), _) => socks::Target::Ip(ip),
                (None, ProxyKind::Socks5h) => socks::Target::Name(&host),
                (None, _) => {
                    let addrs = env.net.resolve(&host, port).await.map_err(|_| FetchError::Failed)?;
                    let ip = addrs.iter().map(|a| a.ip()).find(|ip| allowed(*ip, env.allow_private));
                    socks::Target::Ip(ip.ok_or(FetchError::Failed)?)
                }
            };
            let mut tcp = connect_any(env.net, &p.host, p.port, |_| true).await?;
            let creds = p.socks_auth.as_ref().map(|a| (a.user.as_str(), a.pass.as_str()));
            socks::connect(&mut tcp, &p.name(), target, port, creds).await.map_err(|_| FetchError::Failed)?;
            (Box::new(tcp), path, None)
        }
        None => {
            let tcp = match literal {
                Some(ip) => env.net.connect(SocketAddr::new(ip, port)).await.map_err(|_| FetchError::Failed)?,
                None => connect_any(env.net, &host, port, |ip| allowed(ip, env.allow_private)).await?,
            };
            (Box::new(tcp), path, None)
        }
    };
    let (mut sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp))
        .await
        .map_err(|_| FetchError::Failed)?;
    let driver = tokio::spawn(conn);
    let mut req = http::Request::get(target)
        .header(http::header::HOST, host_header)
        .header(http::header::USER_AGENT, concat!("tlsguard/", env!("CARGO_PKG_VERSION")));
    if let Some(auth) = auth {
        req = req.header(http::header::PROXY_AUTHORIZATION, auth);
    }
    let req = req.body(Empty::<Bytes>::new()).map_err(|_| FetchError::Failed)?;
    let result = async {
        let resp = sender.send_request(req).await.map_err(|_| FetchError::Failed)?;
        if !resp.status().is_success() {
            return Err(FetchError::Failed);
        }
        Limited::new(resp.into_body(), MAX_AIA_BYTES)
            .collect()
            .await
            .map(|b| b.to_bytes())
            .map_err(|_| FetchError::Failed)
    }
    .await;
    driver.abort();
    result
}

/// Resolves `host` and connects to the first address `ok` accepts (only those are tried).
async fn connect_any(
    net: &dyn Net,
    host: &str,
    port: u16,
    ok: impl Fn(IpAddr) -> bool,
) -> Result<TcpStream, FetchError> {
    let addrs = net.resolve(host, port).await.map_err(|_| FetchError::Failed)?;
    for addr in addrs.into_iter().filter(|a| ok(a.ip())) {
        if let Ok(tcp) = net.connect(addr).await {
            let _ = tcp.set_nodelay(true);
            return Ok(tcp);
        }
    }
    Err(FetchError::Failed)
}

// ---------------------------------------------------------------------------------------------
// Completing a chain
// ---------------------------------------------------------------------------------------------

/// Follows issuer names from the leaf through `chain`; the last certificate reached.
fn last_on_issuer_walk(chain: &[Certificate]) -> Option<&Certificate> {
    let mut current = chain.first()?;
    for _ in 0..chain.len() {
        match chain.iter().find(|c| c.subject == current.issuer && !std::ptr::eq(*c, current)) {
            Some(next) => current = next,
            None => break,
        }
    }
    Some(current)
}

/// What verifying the chain needs (to know when it is complete).
pub(crate) struct ChainCheck<'a> {
    pub store: &'a TrustStore,
    pub provider: &'a CryptoProvider,
    pub server_name: Option<&'a ServerName<'a>>,
    pub now: UnixTime,
    pub purpose: Purpose,
}

/// Fetches what `leaf` + `intermediates` lack (refused as `CERT_INCOMPLETE_CHAIN`), up to
/// [`MAX_AIA_DEPTH`] certificates. `Ok(empty)`: there is no CA-issuers URL to follow.
/// `Err((url, why))`: the fetch from `url` failed.
pub(crate) async fn fetch_missing(
    check: &ChainCheck<'_>,
    leaf: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    env: &FetchEnv<'_>,
) -> Result<Vec<Fetched>, (String, FetchError)> {
    let mut all: Vec<CertificateDer<'static>> = intermediates.iter().map(|c| c.clone().into_owned()).collect();
    let mut fetched: Vec<Fetched> = Vec::new();
    for _ in 0..MAX_AIA_DEPTH {
        // The certificate whose issuer is missing is the last one on the issuer-name walk.
        let chain = presented_chain(leaf, &all);
        let Some(url) = last_on_issuer_walk(&chain).and_then(|c| c.ca_issuer_urls.first().cloned()) else { break };
        if fetched.iter().any(|f| f.url == url) {
            break;
        }
        let der = fetch_certificate(&url, env).await.map_err(|why| (url.clone(), why))?;
        all.push(der.clone());
        fetched.push(Fetched { der, url });
        let result =
            verify_server_chain(check.store, check.provider, leaf, &all, check.server_name, check.now, check.purpose);
        if !matches!(&result, Err(e) if e.code() == Code::CertIncompleteChain) {
            break;
        }
    }
    Ok(fetched)
}

/// [`fetch_missing`] for the synchronous offline verification: on a thread of its own with
/// its own runtime, so it may be called from anywhere (even a runtime's worker, which it then
/// blocks for at most [`MAX_AIA_DEPTH`] × [`AIA_TIMEOUT`]). The environment's proxies apply, as
/// for a client without a `proxy` option.
pub(crate) fn fetch_missing_blocking(
    check: &ChainCheck<'_>,
    leaf: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    allow_private: bool,
) -> Result<Vec<Fetched>, (String, FetchError)> {
    std::thread::scope(|scope| {
        let job = std::thread::Builder::new().name("tlsguard-aia".into()).spawn_scoped(scope, || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|_| (String::new(), FetchError::Failed))?;
            let proxy = ProxyPolicy::new(None).map_err(|_| (String::new(), FetchError::Failed))?;
            let env = FetchEnv { allow_private, proxy: &proxy, net: &SystemNet, deadline: None, proxy_tls: None };
            let out = rt.block_on(fetch_missing(check, leaf, intermediates, &env));
            // A lookup still running on the blocking pool is left behind, not waited for.
            rt.shutdown_background();
            out
        });
        match job {
            Ok(handle) => handle.join().unwrap_or(Err((String::new(), FetchError::Failed))),
            Err(_) => Err((String::new(), FetchError::Failed)),
        }
    })
}

/// A proxy policy's proxy for a URL, exposed for tests.
#[cfg(test)]
fn proxy_of(p: &ProxyPolicy, url: &str) -> Option<Proxy> {
    p.for_uri(&url.parse().expect("uri")).expect("policy")
}

// ---------------------------------------------------------------------------------------------
// The offline check (`verify_chain` with `fetch_missing_intermediates`)
// ---------------------------------------------------------------------------------------------

/// [`verify_server_chain`](crate::verify::verify_server_chain), and when `fetch_missing` is set and the chain lacks an
/// intermediate, fetch it from the CA-issuers URL (blocking, for the offline check) and verify again with it as an untrusted intermediate. The result records that the
/// chain omits it.
#[allow(clippy::too_many_arguments)]
pub(crate) fn verify_fetching(
    store: &TrustStore,
    provider: &CryptoProvider,
    leaf: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    server_name: Option<&ServerName<'_>>,
    now: UnixTime,
    purpose: Purpose,
    fetch_missing: bool,
    allow_private: bool,
) -> crate::error::Result<crate::verify::VerifiedChain> {
    let first = verify_server_chain(store, provider, leaf, intermediates, server_name, now, purpose);
    if !fetch_missing || !matches!(&first, Err(e) if e.code() == Code::CertIncompleteChain) {
        return first;
    }
    let check = ChainCheck { store, provider, server_name, now, purpose };
    let fetched = match fetch_missing_blocking(&check, leaf, intermediates, allow_private) {
        Ok(f) if f.is_empty() => return first,
        Ok(f) => f,
        Err((url, why)) => return first.map_err(|e| explain_failure(e, &url, &why)),
    };
    crate::verify::verify_with_extras(store, provider, leaf, intermediates, &fetched, server_name, now, purpose)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn ip(s: &str) -> IpAddr {
        s.parse().expect(s)
    }

    #[test]
    fn address_rule() {
        for (a, class) in [
            ("169.254.169.254", AddrClass::NotPublic),
            ("10.0.0.1", AddrClass::NotPublic),
            ("172.16.5.4", AddrClass::NotPublic),
            ("172.31.255.255", AddrClass::NotPublic),
            ("192.168.1.1", AddrClass::NotPublic),
            ("100.64.0.1", AddrClass::NotPublic),
            ("100.127.255.254", AddrClass::NotPublic),
            ("127.0.0.1", AddrClass::NotPublic),
            ("127.8.9.10", AddrClass::NotPublic),
            ("192.0.2.7", AddrClass::NotPublic),
            ("198.18.0.1", AddrClass::NotPublic),
            ("240.0.0.1", AddrClass::NotPublic),
            ("0.0.0.0", AddrClass::Never),
            ("0.1.2.3", AddrClass::Never),
            ("255.255.255.255", AddrClass::Never),
            ("224.0.0.1", AddrClass::Never),
            ("239.255.255.250", AddrClass::Never),
            ("::1", AddrClass::NotPublic),
            ("::", AddrClass::Never),
            ("::ffff:127.0.0.1", AddrClass::NotPublic),
            ("::ffff:169.254.169.254", AddrClass::NotPublic),
            ("::ffff:10.0.0.1", AddrClass::NotPublic),
            ("::ffff:0.0.0.0", AddrClass::Never),
            ("::127.0.0.1", AddrClass::NotPublic),
            ("::ffff:0:10.0.0.1", AddrClass::NotPublic),
            ("64:ff9b::a9fe:a9fe", AddrClass::NotPublic),
            ("2002:a9fe:a9fe::1", AddrClass::NotPublic),
            ("2002:0a00:0001::1", AddrClass::NotPublic),
            ("fe80::1", AddrClass::NotPublic),
            ("fc00::1", AddrClass::NotPublic),
            ("fd12:3456::1", AddrClass::NotPublic),
            ("fec0::1", AddrClass::NotPublic),
            ("2001:db8::1", AddrClass::NotPublic),
            ("2001::1", AddrClass::NotPublic),
            ("ff02::1", AddrClass::Never),
            ("93.184.216.34", AddrClass::Public),
            ("8.8.8.8", AddrClass::Public),
            ("172.32.0.1", AddrClass::Public),
            ("100.128.0.1", AddrClass::Public),
            ("::ffff:93.184.216.34", AddrClass::Public),
            ("64:ff9b::5db8:d822", AddrClass::Public),
            ("2002:5db8:d822::1", AddrClass::Public),
            ("2606:2800::1", AddrClass::Public),
            ("2a00:1450:4001::1", AddrClass::Public),
        ] {
            assert_eq!(classify(ip(a)), class, "{a}");
            assert_eq!(allowed(ip(a), false), class == AddrClass::Public, "{a}");
            assert_eq!(allowed(ip(a), true), class != AddrClass::Never, "{a} with aia_allow_private");
        }
    }

    #[test]
    fn urls_refused_before_any_network() {
        for (url, reason) in [
            ("https://ca.example/i.der", "only http://"),
            ("ftp://ca.example/i.der", "only http://"),
            ("http://u:p@ca.example/i.der", "credentials"),
            ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is not a public address"),
            ("http://[::ffff:127.0.0.1]:8080/x", "::ffff:127.0.0.1 is not a public address"),
            ("http://0.0.0.0/x", "0.0.0.0 is not a public address"),
            ("http://[fe80::1]/x", "fe80::1 is not a public address"),
            ("http://2130706433/x", "127.0.0.1 is not a public address"), // decimal form, normalised by url
            ("not a url", "not a valid URL"),
        ] {
            match check_url(url, false) {
                Err(FetchError::Refused(why)) => assert!(why.contains(reason), "{url}: {why}"),
                other => panic!("{url}: {other:?}"),
            }
        }
        assert!(check_url("http://127.0.0.1:1/x", true).is_ok());
        assert!(check_url("http://0.0.0.0/x", true).is_err(), "never, even with aia_allow_private");
        assert!(check_url("http://93.184.216.34/x", false).is_ok());
        assert!(check_url("http://ca.example/x", false).is_ok());
    }

    /// Resolves every name to fixed addresses and records connects; it never connects.
    struct FakeNet {
        addrs: Vec<SocketAddr>,
        connects: Mutex<Vec<SocketAddr>>,
        resolves: AtomicUsize,
    }

    impl Net for FakeNet {
        fn resolve<'a>(&'a self, _host: &'a str, _port: u16) -> NetFuture<'a, Vec<SocketAddr>> {
            self.resolves.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move { Ok(self.addrs.clone()) })
        }
        fn connect(&self, addr: SocketAddr) -> NetFuture<'_, TcpStream> {
            self.connects.lock().unwrap().push(addr);
            Box::pin(async { Err(io::Error::from(io::ErrorKind::ConnectionRefused)) })
        }
    }

    fn fetch_with(net: &FakeNet, url: &str, allow_private: bool, proxy: &ProxyPolicy) -> Result<(), FetchError> {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let env = FetchEnv { allow_private, proxy, net, deadline: None, proxy_tls: None };
        rt.block_on(fetch_certificate(url, &env)).map(|_| ())
    }

    #[test]
    fn names_resolving_to_private_addresses_are_never_connected_to() {
        let direct = ProxyPolicy::Direct;
        let private: Vec<SocketAddr> =
            ["169.254.169.254:80", "10.0.0.1:80", "100.64.0.1:80", "[::ffff:127.0.0.1]:80", "[::1]:80", "0.0.0.0:80"]
                .map(|s| s.parse().unwrap())
                .to_vec();
        let net = FakeNet { addrs: private.clone(), connects: Mutex::new(Vec::new()), resolves: AtomicUsize::new(0) };
        assert_eq!(fetch_with(&net, "http://metadata.test/x", false, &direct), Err(FetchError::Failed));
        assert_eq!(net.resolves.load(Ordering::SeqCst), 1);
        assert!(net.connects.lock().unwrap().is_empty(), "{:?}", net.connects.lock().unwrap());

        // Mixed answers: only the public address is tried; with aia_allow_private, all but 0.0.0.0.
        let mixed: Vec<SocketAddr> = ["10.0.0.1:80", "93.184.216.34:80", "[fe80::1]:80", "[2606:2800::1]:80"]
            .map(|s| s.parse().unwrap())
            .to_vec();
        let net = FakeNet { addrs: mixed.clone(), connects: Mutex::new(Vec::new()), resolves: AtomicUsize::new(0) };
        assert_eq!(fetch_with(&net, "http://mixed.test/y", false, &direct), Err(FetchError::Failed));
        assert_eq!(*net.connects.lock().unwrap(), vec![mixed[1], mixed[3]]);
        let net = FakeNet { addrs: private.clone(), connects: Mutex::new(Vec::new()), resolves: AtomicUsize::new(0) };
        assert_eq!(fetch_with(&net, "http://private-pki.test/z", true, &direct), Err(FetchError::Failed));
        assert_eq!(*net.connects.lock().unwrap(), private[..5].to_vec());

        // A literal address: no lookup; refused before any connect unless public.
        let net = FakeNet { addrs: vec![], connects: Mutex::new(Vec::new()), resolves: AtomicUsize::new(0) };
        assert!(matches!(fetch_with(&net, "http://10.0.0.1/x", false, &direct), Err(FetchError::Refused(_))));
        assert!(matches!(fetch_with(&net, "http://[::ffff:a9fe:a9fe]/x", false, &direct), Err(FetchError::Refused(_))));
        assert_eq!(fetch_with(&net, "http://93.184.216.34:8080/x", false, &direct), Err(FetchError::Failed));
        assert_eq!(*net.connects.lock().unwrap(), vec!["93.184.216.34:8080".parse().unwrap()]);
        assert_eq!(net.resolves.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn with_a_proxy_the_proxy_resolves_and_literals_still_follow_the_rule() {
        let proxy = ProxyPolicy::new(Some("http://proxy.test:3128")).unwrap();
        assert!(proxy_of(&proxy, "http://ca.test/x").is_some());
        // The proxy's own address is the caller's choice: private is fine; the name in the
        // URL is not resolved here.
        let net = FakeNet {
            addrs: vec!["10.1.2.3:3128".parse().unwrap()],
            connects: Mutex::new(Vec::new()),
            resolves: AtomicUsize::new(0),
        };
        assert_eq!(fetch_with(&net, "http://resolves-privately.test/x", false, &proxy), Err(FetchError::Failed));
        assert_eq!(*net.connects.lock().unwrap(), vec!["10.1.2.3:3128".parse().unwrap()]);
        let net = FakeNet {
            addrs: vec!["10.1.2.3:3128".parse().unwrap()],
            connects: Mutex::new(Vec::new()),
            resolves: AtomicUsize::new(0),
        };
        assert!(matches!(fetch_with(&net, "http://169.254.169.254/x", false, &proxy), Err(FetchError::Refused(_))));
        assert!(net.connects.lock().unwrap().is_empty());
    }

    #[test]
    fn caches_are_bounded_and_expire() {
        let t0 = Instant::now();
        let mut c: BoundedCache<u32, u32> = BoundedCache::new(CACHE_ENTRIES, CACHE_TTL);
        for i in 0..1000 {
            c.insert(i, i, t0);
            // Keep entry 0 in use: it survives as the most recently used.
            assert_eq!(c.get(&0, t0), Some(0));
        }
        assert_eq!(c.len(), CACHE_ENTRIES);
        assert_eq!(c.get(&999, t0), Some(999));
        assert_eq!(c.get(&1, t0), None, "least recently used goes first");
        // Expiry.
        assert_eq!(c.get(&999, t0 + CACHE_TTL - Duration::from_secs(1)), Some(999));
        assert_eq!(c.get(&999, t0 + CACHE_TTL), None);
        // When full, expired entries make room before any live one is evicted.
        let mut c: BoundedCache<u32, u32> = BoundedCache::new(3, Duration::from_secs(10));
        c.insert(1, 1, t0);
        c.insert(2, 2, t0 + Duration::from_secs(5));
        c.insert(3, 3, t0 + Duration::from_secs(6));
        c.insert(4, 4, t0 + Duration::from_secs(11));
        assert_eq!(c.len(), 3);
        assert_eq!(c.get(&1, t0 + Duration::from_secs(11)), None);
        assert_eq!(c.get(&2, t0 + Duration::from_secs(11)), Some(2));
        // The per-host memory of a client is the same bounded cache.
        let aia = AiaFetch::new(false);
        for i in 0..(CACHE_ENTRIES + 50) {
            aia.remember(&format!("h{i}:443"), Arc::new(Vec::new()));
        }
        assert_eq!(lock(&aia.hosts).len(), CACHE_ENTRIES);
    }
}
