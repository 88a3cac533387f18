//! TCP and the small helpers of connection messages, shared by requests, inspection and the
//! probes (a leaf: it imports nothing of tlsguard but its error type).

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpStream;

use crate::error::{Code, Error, Result};

/// Formats a duration for messages: `10 s`, `0.5 s`.
pub(crate) fn secs(d: Duration) -> String {
    format!("{} s", d.as_secs_f64())
}

/// Removes the ` (os error N)` suffix std adds to OS errors.
pub(crate) fn io_message(e: &io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) if s.ends_with(')') => s[..i].to_owned(),
        _ => s,
    }
}

/// `host:port`, with brackets around IPv6 literals.
pub(crate) fn authority(host: &str, port: u16) -> String {
    if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") }
}

/// Host names resolved to given addresses instead of by DNS (the client's `resolve` option);
/// the default resolves everything by DNS.
#[derive(Clone, Debug, Default)]
pub(crate) struct Resolver {
    overrides: Arc<Vec<(String, Vec<IpAddr>)>>,
}

impl Resolver {
    /// A resolver answering `host` (compared without case and trailing dot) with its addresses.
    pub(crate) fn new(overrides: Vec<(String, Vec<IpAddr>)>) -> Self {
        let overrides = overrides
            .into_iter()
            .map(|(h, a)| (h.trim_end_matches('.').to_ascii_lowercase(), a))
            .filter(|(_, a)| !a.is_empty())
            .collect();
        Self { overrides: Arc::new(overrides) }
    }

    /// The addresses of `host`:`port` (a `DNS` error naming `what` and the host if there are none).
    pub(crate) async fn lookup(&self, host: &str, port: u16, what: &str) -> Result<Vec<SocketAddr>> {
        let name = host.trim_end_matches('.');
        if let Some((_, addrs)) = self.overrides.iter().find(|(h, _)| h.eq_ignore_ascii_case(name)) {
            return Ok(addrs.iter().map(|ip| SocketAddr::new(*ip, port)).collect());
        }
        let addrs: Vec<SocketAddr> = match tokio::net::lookup_host((host, port)).await {
            Ok(a) => a.collect(),
            Err(e) => {
                return Err(Error::new(Code::Dns, format!("cannot resolve {what}host '{host}': {}", io_message(&e)))
                    .with_source(e));
            }
        };
        if addrs.is_empty() {
            return Err(Error::new(Code::Dns, format!("cannot resolve {what}host '{host}': no addresses")));
        }
        Ok(addrs)
    }

    /// Resolves `host` and connects as [`connect_any`] does. `what` prefixes the messages
    /// (`"proxy "`).
    pub(crate) async fn connect(&self, host: &str, port: u16, what: &str) -> Result<(TcpStream, SocketAddr)> {
        let addrs = self.lookup(host, port, what).await?;
        connect_any(&addrs, host, what).await
    }
}

/// Resolves `host` by DNS and connects to the first address that accepts (see [`connect_any`]).
/// `what` prefixes the messages (`"proxy "`).
#[cfg(test)]
pub(crate) async fn tcp_connect(host: &str, port: u16, what: &str) -> Result<TcpStream> {
    tcp_connect_addr(host, port, what).await.map(|(s, _)| s)
}

/// [`tcp_connect`], also returning the address connected to.
pub(crate) async fn tcp_connect_addr(host: &str, port: u16, what: &str) -> Result<(TcpStream, SocketAddr)> {
    Resolver::default().connect(host, port, what).await
}

/// How long an attempt to connect to one address runs alone before the next address is tried
/// alongside it (RFC 8305's "Connection Attempt Delay", whose recommended value is 250 ms).
pub(crate) const ATTEMPT_DELAY: Duration = Duration::from_millis(250);

/// The order in which addresses are tried (RFC 8305, section 4): duplicates removed, the
/// families interleaved, IPv6 first.
fn attempt_order(addrs: &[SocketAddr]) -> Vec<SocketAddr> {
    let mut seen = std::collections::HashSet::new();
    let unique: Vec<SocketAddr> = addrs.iter().copied().filter(|a| seen.insert(*a)).collect();
    let (v6, v4): (Vec<SocketAddr>, Vec<SocketAddr>) = unique.into_iter().partition(SocketAddr::is_ipv6);
    let mut out = Vec::with_capacity(v6.len() + v4.len());
    let (mut a, mut b) = (v6.into_iter(), v4.into_iter());
    loop {
        match (a.next(), b.next()) {
            (None, None) => return out,
            (x, y) => out.extend(x.into_iter().chain(y)),
        }
    }
}

/// Connects to one of `addrs` (the addresses of `host`) by "happy eyeballs" (RFC 8305): IPv6
/// first, families interleaved; each attempt gets [`ATTEMPT_DELAY`] before the next one starts
/// alongside it (at once when it fails sooner); the first connection made wins and the other
/// attempts are dropped. So an address that does not answer (a broken IPv6 route) costs 250 ms,
/// not a whole connect timeout. The caller bounds the whole with its connect timeout.
pub(crate) async fn connect_any(addrs: &[SocketAddr], host: &str, what: &str) -> Result<(TcpStream, SocketAddr)> {
    let order = attempt_order(addrs);
    let total = order.len();
    let mut attempts = tokio::task::JoinSet::new();
    let mut started = 0;
    let mut next_at = tokio::time::Instant::now();
    let mut last: Option<(SocketAddr, io::Error)> = None;
    loop {
        if started < total && (attempts.is_empty() || tokio::time::Instant::now() >= next_at) {
            let addr = order[started];
            started += 1;
            tracing::debug!("trying {addr} ({started} of {total} addresses of {what}{host})");
            attempts.spawn(async move { (addr, TcpStream::connect(addr).await) });
            next_at = tokio::time::Instant::now() + ATTEMPT_DELAY;
            continue;
        }
        if attempts.is_empty() {
            break;
        }
        tokio::select! {
            biased;
            joined = attempts.join_next() => match joined {
                Some(Ok((addr, Ok(s)))) => {
                    tracing::debug!("TCP connected to {addr}");
                    // Small requests and h2 frames should not wait for Nagle.
                    let _ = s.set_nodelay(true);
                    return Ok((s, addr));
                }
                Some(Ok((addr, Err(e)))) => {
                    tracing::debug!("TCP to {addr} failed: {}", io_message(&e));
                    last = Some((addr, e));
                    // A failed attempt hands over to the next address at once.
                    next_at = tokio::time::Instant::now();
                }
                Some(Err(join)) => {
                    return Err(Error::new(Code::Internal, format!("a connection attempt to {host} failed: {join}")));
                }
                None => {}
            },
            _ = tokio::time::sleep_until(next_at), if started < total => {}
        }
    }
    let (addr, e) = last.ok_or_else(|| Error::new(Code::Connect, format!("no address to connect to for {host}")))?;
    let others = if total > 1 { format!(" (and {} other addresses)", total - 1) } else { String::new() };
    Err(Error::new(Code::Connect, format!("connection to {what}{addr} failed: {}{others}", io_message(&e)))
        .with_source(e))
}

/// [`tcp_connect_addr`] bounded by `timeout` (the first TCP connection of an audit).
pub(crate) async fn tcp_connect_within(host: &str, port: u16, timeout: Duration) -> Result<(TcpStream, SocketAddr)> {
    match tokio::time::timeout(timeout, tcp_connect_addr(host, port, "")).await {
        Ok(r) => r,
        Err(_) => Err(Error::new(
            Code::Timeout,
            format!("connect timeout ({}) expired connecting to {}", secs(timeout), authority(host, port)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_helpers() {
        assert_eq!(secs(Duration::from_millis(500)), "0.5 s");
        assert_eq!(secs(Duration::from_secs(10)), "10 s");
        let e = io::Error::from_raw_os_error(111);
        assert!(!io_message(&e).contains("os error"), "{}", io_message(&e));
        assert_eq!(authority("::1", 443), "[::1]:443");
        assert_eq!(authority("a.b", 80), "a.b:80");
    }

    #[test]
    fn attempt_order_interleaves_families_ipv6_first() {
        let a = |s: &str| s.parse::<SocketAddr>().expect("addr");
        let got = attempt_order(&[a("10.0.0.1:1"), a("10.0.0.2:1"), a("[::2]:1"), a("10.0.0.1:1"), a("[::3]:1")]);
        assert_eq!(got, vec![a("[::2]:1"), a("10.0.0.1:1"), a("[::3]:1"), a("10.0.0.2:1")]);
        assert_eq!(attempt_order(&[a("10.0.0.1:1")]), vec![a("10.0.0.1:1")]);
    }

    #[test]
    fn overrides_answer_before_dns() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
        let r = Resolver::new(vec![(
            "Does-Not-Exist.invalid.".to_owned(),
            vec!["::1".parse().expect("ip"), "127.0.0.1".parse().expect("ip")],
        )]);
        let got = rt.block_on(r.lookup("does-not-exist.INVALID", 8443, "")).expect("overridden");
        assert_eq!(got, vec!["[::1]:8443".parse().expect("a"), "127.0.0.1:8443".parse().expect("a")]);
        let e = rt.block_on(r.lookup("other.invalid", 1, "")).expect_err("dns");
        assert_eq!(e.code(), Code::Dns);
    }

    /// A listener on `ip` whose accept queue is full: connecting to it hangs (the SYN is
    /// dropped), like an address with a broken route. `None` where `ip` cannot be bound.
    pub(crate) fn hanging_listener(ip: &str) -> Option<(tokio::net::TcpListener, TcpStream, SocketAddr)> {
        let addr = SocketAddr::new(ip.parse().ok()?, 0);
        let sock =
            if addr.is_ipv6() { tokio::net::TcpSocket::new_v6() } else { tokio::net::TcpSocket::new_v4() }.ok()?;
        sock.bind(addr).ok()?;
        let l = sock.listen(0).ok()?;
        let addr = l.local_addr().ok()?;
        // The one connection the queue holds.
        let std = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
        std.set_nonblocking(true).ok()?;
        Some((l, TcpStream::from_std(std).ok()?, addr))
    }

    #[test]
    fn happy_eyeballs_falls_back_after_the_attempt_delay() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
        rt.block_on(async {
            let Some((_hold, _filler, v6)) = hanging_listener("::1") else {
                println!("note: no IPv6 loopback on this machine; happy eyeballs not tested here");
                return;
            };
            let v4_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind v4");
            let v4 = v4_listener.local_addr().expect("addr");
            // IPv6 hangs: IPv4 starts after the attempt delay and wins.
            let t = std::time::Instant::now();
            let (_s, addr) = connect_any(&[v4, v6], "dual.test", "").await.expect("IPv4 wins");
            let took = t.elapsed();
            assert_eq!(addr, v4);
            assert!(took >= ATTEMPT_DELAY - Duration::from_millis(20), "IPv4 started too early: {took:?}");
            assert!(took < Duration::from_secs(3), "{took:?}");

            // IPv6 refused: IPv4 at once.
            let l6 = tokio::net::TcpListener::bind("[::1]:0").await.expect("bind v6");
            let closed6 = l6.local_addr().expect("addr");
            drop(l6);
            let t = std::time::Instant::now();
            let (_s, addr) = connect_any(&[v4, closed6], "dual.test", "").await.expect("IPv4 wins");
            assert_eq!(addr, v4);
            assert!(t.elapsed() < ATTEMPT_DELAY, "a refused attempt hands over at once: {:?}", t.elapsed());

            // Both answer: IPv6 first, without waiting.
            let l6 = tokio::net::TcpListener::bind("[::1]:0").await.expect("bind v6");
            let ok6 = l6.local_addr().expect("addr");
            let (_s, addr) = connect_any(&[v4, ok6], "dual.test", "").await.expect("IPv6 wins");
            assert_eq!(addr, ok6);

            // Both refused: the last failure, counting the others.
            drop(v4_listener);
            let e = connect_any(&[v4, closed6], "dual.test", "").await.expect_err("refused");
            assert_eq!(e.code(), Code::Connect);
            assert!(e.message().ends_with("failed: Connection refused (and 1 other addresses)"), "{e}");
        });
    }

    #[test]
    fn dns_and_connect_errors() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
        rt.block_on(async {
            let e = tcp_connect("does-not-exist.invalid", 443, "").await.expect_err("dns");
            assert_eq!(e.code(), Code::Dns);
            assert!(e.message().contains("'does-not-exist.invalid'"), "{}", e.message());
            // A port nobody listens on: bind, learn the port, close.
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            let port = l.local_addr().expect("addr").port();
            drop(l);
            let e = tcp_connect("127.0.0.1", port, "").await.expect_err("refused");
            assert_eq!(e.code(), Code::Connect);
            assert_eq!(e.message(), format!("connection to 127.0.0.1:{port} failed: Connection refused"));
        });
    }
}
