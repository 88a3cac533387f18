//! TCP and the small helpers of connection messages, shared by requests, inspection and the
//! probes (a leaf: it imports nothing of tlsguard but its error type).

use std::io;
use std::net::SocketAddr;
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

/// Resolves `host` and connects to the first address that accepts. `what` prefixes the
/// messages (`"proxy "`).
pub(crate) async fn tcp_connect(host: &str, port: u16, what: &str) -> Result<TcpStream> {
    tcp_connect_addr(host, port, what).await.map(|(s, _)| s)
}

/// [`tcp_connect`], also returning the address connected to.
pub(crate) async fn tcp_connect_addr(host: &str, port: u16, what: &str) -> Result<(TcpStream, SocketAddr)> {
    let addrs: Vec<SocketAddr> = match tokio::net::lookup_host((host, port)).await {
        Ok(a) => a.collect(),
        Err(e) => {
            return Err(
                Error::new(Code::Dns, format!("cannot resolve {what}host '{host}': {}", io_message(&e))).with_source(e)
            );
        }
    };
    if addrs.is_empty() {
        return Err(Error::new(Code::Dns, format!("cannot resolve {what}host '{host}': no addresses")));
    }
    let mut last: Option<(SocketAddr, io::Error)> = None;
    for addr in &addrs {
        match TcpStream::connect(addr).await {
            Ok(s) => {
                // Small requests and h2 frames should not wait for Nagle.
                let _ = s.set_nodelay(true);
                return Ok((s, *addr));
            }
            Err(e) => last = Some((*addr, e)),
        }
    }
    let (addr, e) = last.ok_or_else(|| Error::new(Code::Connect, format!("no address to connect to for {host}")))?;
    let others = if addrs.len() > 1 { format!(" (and {} other addresses)", addrs.len() - 1) } else { String::new() };
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
