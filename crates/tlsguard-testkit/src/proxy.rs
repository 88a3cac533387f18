//! A minimal HTTP CONNECT proxy for the `via_proxy` scenario (and, over TLS, the
//! `https://` proxy of [`Kit::start_https_proxy`](crate::Kit::start_https_proxy)).
//!
//! It reads the request head (up to `\r\n\r\n`, at most 8 KiB), accepts only
//! `CONNECT host:port` to `127.0.0.1`, `localhost` or `[::1]` (it must never be
//! an open relay), answers `HTTP/1.1 200 Connection established` and copies
//! bytes both ways. Other methods get 405, other targets 403, unreachable
//! targets 502. Each established tunnel increments the counter exposed by
//! `Kit::proxy_connects()`, so tests can prove the client really used it.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const MAX_HEAD: usize = 8 * 1024;

/// Serves the proxy on `listener` until the runtime shuts down.
pub(crate) async fn serve(listener: std::net::TcpListener, connects: Arc<AtomicUsize>) {
    let listener = match TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("tlsguard-testkit: proxy listener: {e}");
            return;
        }
    };
    loop {
        match listener.accept().await {
            Ok((tcp, _)) => {
                let connects = connects.clone();
                tokio::spawn(async move {
                    let _ = handle(tcp, connects).await;
                });
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

/// Serves the proxy over TLS (`config`) on `listener` until the runtime shuts down.
pub(crate) async fn serve_tls(
    listener: std::net::TcpListener,
    config: Arc<rustls::ServerConfig>,
    connects: Arc<AtomicUsize>,
) {
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    crate::servers::accept_loop(listener, move |tcp| {
        let (acceptor, connects) = (acceptor.clone(), connects.clone());
        async move {
            if let Ok(Ok(tls)) = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await {
                let _ = handle(tls, connects).await;
            }
        }
    })
    .await
}

async fn reply<S: AsyncWrite + Unpin>(client: &mut S, status: &str) -> io::Result<()> {
    let msg = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    client.write_all(msg.as_bytes()).await?;
    client.shutdown().await
}

/// Maps an allowed CONNECT authority to a loopback address.
pub(crate) fn allowed_target(authority: &str) -> Option<SocketAddr> {
    let (host, port) = authority.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    let ip = match host {
        "127.0.0.1" | "localhost" => IpAddr::V4(Ipv4Addr::LOCALHOST),
        "[::1]" => IpAddr::V6(Ipv6Addr::LOCALHOST),
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

async fn handle<S: AsyncRead + AsyncWrite + Unpin>(mut client: S, connects: Arc<AtomicUsize>) -> io::Result<()> {
    let mut buf = Vec::with_capacity(1024);
    let mut tmp = [0u8; 1024];
    let end = loop {
        let n = tokio::time::timeout(Duration::from_secs(10), client.read(&mut tmp))
            .await
            .map_err(|_| io::Error::from(io::ErrorKind::TimedOut))??;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&tmp[..n]);
        if let Some(end) = find_head_end(&buf) {
            break end;
        }
        if buf.len() > MAX_HEAD {
            return reply(&mut client, "431 Request Header Fields Too Large").await;
        }
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let request_line = head.lines().next().unwrap_or("");
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if method != "CONNECT" {
        return reply(&mut client, "405 Method Not Allowed").await;
    }
    let Some(addr) = allowed_target(target) else {
        return reply(&mut client, "403 Forbidden").await;
    };
    let mut upstream = match TcpStream::connect(addr).await {
        Ok(u) => u,
        Err(_) => return reply(&mut client, "502 Bad Gateway").await,
    };
    connects.fetch_add(1, Ordering::SeqCst);
    client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await?;
    // Bytes the client sent after the head (e.g. an eager ClientHello).
    if end < buf.len() {
        upstream.write_all(&buf[end..]).await?;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_targets() {
        assert!(allowed_target("127.0.0.1:443").is_some());
        assert!(allowed_target("localhost:8443").is_some());
        assert!(allowed_target("[::1]:8443").is_some());
        assert!(allowed_target("example.com:443").is_none());
        assert!(allowed_target("10.0.0.1:443").is_none());
        assert!(allowed_target("127.0.0.1").is_none());
        assert!(allowed_target("127.0.0.1:notaport").is_none());
    }
}
