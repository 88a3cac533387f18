//! A minimal SOCKS5 proxy (RFC 1928, CONNECT only) with optional user/password
//! authentication (RFC 1929), started on demand by [`Kit::start_socks5_proxy`](crate::Kit::start_socks5_proxy).
//!
//! Like the CONNECT proxy it is never an open relay: it connects only to loopback
//! (`127.0.0.0/8`, `::1`, the name `localhost`, which it resolves to `127.0.0.1`);
//! any other target gets reply 2 (not allowed), an unreachable one reply 5 (refused).
//! Every CONNECT request is recorded with its target exactly as the client sent it
//! (a name or an address), so tests tell `socks5://` (the client resolves) from
//! `socks5h://` (the proxy resolves).

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Where a client asked the proxy to connect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SocksTarget {
    /// A host name (address type 3): the client left the resolving to the proxy.
    Name(String),
    /// An address (types 1 and 4): the client resolved the name itself.
    Ip(IpAddr),
}

/// One CONNECT request the proxy received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SocksRequest {
    pub target: SocksTarget,
    pub port: u16,
    /// The user name it authenticated as (`None` without authentication).
    pub user: Option<String>,
    /// Whether the proxy connected (and the tunnel was opened).
    pub tunneled: bool,
}

/// A SOCKS5 proxy of the kit; it stops with the kit.
#[derive(Clone)]
pub struct Socks5Proxy {
    port: u16,
    auth: Option<(String, String)>,
    log: Arc<Mutex<Vec<SocksRequest>>>,
}

impl Socks5Proxy {
    /// Its port on `127.0.0.1`.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `socks5h://[user:pass@]127.0.0.1:PORT` (`h`: the proxy resolves names).
    pub fn url_h(&self) -> String {
        self.url_with("socks5h")
    }

    /// `socks5://[user:pass@]127.0.0.1:PORT` (the client resolves names).
    pub fn url(&self) -> String {
        self.url_with("socks5")
    }

    /// `scheme://[user:pass@]127.0.0.1:PORT`.
    pub fn url_with(&self, scheme: &str) -> String {
        match &self.auth {
            Some((u, p)) => format!("{scheme}://{u}:{p}@127.0.0.1:{}", self.port),
            None => format!("{scheme}://127.0.0.1:{}", self.port),
        }
    }

    /// Every CONNECT request received so far, oldest first.
    pub fn requests(&self) -> Vec<SocksRequest> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Binds a proxy requiring `auth` (user, password) if given; `serve` runs it.
pub(crate) fn bind(auth: Option<(&str, &str)>) -> io::Result<(Socks5Proxy, std::net::TcpListener)> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    l.set_nonblocking(true)?;
    let proxy = Socks5Proxy {
        port: l.local_addr()?.port(),
        auth: auth.map(|(u, p)| (u.to_owned(), p.to_owned())),
        log: Arc::default(),
    };
    Ok((proxy, l))
}

/// Serves `proxy` on `listener` until the runtime shuts down.
pub(crate) async fn serve(listener: std::net::TcpListener, proxy: Socks5Proxy) {
    let listener = match TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("tlsguard-testkit: socks5 listener: {e}");
            return;
        }
    };
    loop {
        match listener.accept().await {
            Ok((tcp, _)) => {
                let proxy = proxy.clone();
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(Duration::from_secs(10), handle(tcp, &proxy)).await;
                });
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

/// Maps an allowed target to a loopback address.
fn allowed(target: &SocksTarget, port: u16) -> Option<SocketAddr> {
    let ip = match target {
        SocksTarget::Name(n) if n.eq_ignore_ascii_case("localhost") => IpAddr::V4(Ipv4Addr::LOCALHOST),
        SocksTarget::Name(_) => return None,
        SocksTarget::Ip(ip) if ip.is_loopback() => *ip,
        SocksTarget::Ip(_) => return None,
    };
    Some(SocketAddr::new(ip, port))
}

async fn reply(client: &mut TcpStream, code: u8) -> io::Result<()> {
    client.write_all(&[5, code, 0, 1, 0, 0, 0, 0, 0, 0]).await
}

async fn handle(mut client: TcpStream, proxy: &Socks5Proxy) -> io::Result<()> {
    // Greeting: the methods the client offers.
    let mut head = [0u8; 2];
    client.read_exact(&mut head).await?;
    if head[0] != 5 {
        return Ok(());
    }
    let mut methods = vec![0u8; head[1] as usize];
    client.read_exact(&mut methods).await?;
    let mut user = None;
    match &proxy.auth {
        None if methods.contains(&0) => client.write_all(&[5, 0]).await?,
        Some((want_user, want_pass)) if methods.contains(&2) => {
            client.write_all(&[5, 2]).await?;
            // RFC 1929: version 1, user, password.
            let mut v = [0u8; 2];
            client.read_exact(&mut v).await?;
            let mut u = vec![0u8; v[1] as usize];
            client.read_exact(&mut u).await?;
            let mut plen = [0u8; 1];
            client.read_exact(&mut plen).await?;
            let mut p = vec![0u8; plen[0] as usize];
            client.read_exact(&mut p).await?;
            if v[0] != 1 || u != want_user.as_bytes() || p != want_pass.as_bytes() {
                client.write_all(&[1, 1]).await?;
                return Ok(());
            }
            client.write_all(&[1, 0]).await?;
            user = Some(want_user.clone());
        }
        _ => {
            client.write_all(&[5, 0xff]).await?;
            return Ok(());
        }
    }

    // The request.
    let mut req = [0u8; 4];
    client.read_exact(&mut req).await?;
    if req[0] != 5 {
        return Ok(());
    }
    let target = match req[3] {
        1 => {
            let mut a = [0u8; 4];
            client.read_exact(&mut a).await?;
            SocksTarget::Ip(IpAddr::from(a))
        }
        4 => {
            let mut a = [0u8; 16];
            client.read_exact(&mut a).await?;
            SocksTarget::Ip(IpAddr::from(a))
        }
        3 => {
            let mut len = [0u8; 1];
            client.read_exact(&mut len).await?;
            let mut name = vec![0u8; len[0] as usize];
            client.read_exact(&mut name).await?;
            SocksTarget::Name(String::from_utf8_lossy(&name).into_owned())
        }
        _ => return reply(&mut client, 8).await,
    };
    let mut port = [0u8; 2];
    client.read_exact(&mut port).await?;
    let port = u16::from_be_bytes(port);
    let record = |tunneled: bool| {
        proxy.log.lock().unwrap_or_else(|p| p.into_inner()).push(SocksRequest {
            target: target.clone(),
            port,
            user: user.clone(),
            tunneled,
        });
    };
    if req[1] != 1 {
        record(false);
        return reply(&mut client, 7).await;
    }
    let Some(addr) = allowed(&target, port) else {
        record(false);
        return reply(&mut client, 2).await;
    };
    let mut upstream = match TcpStream::connect(addr).await {
        Ok(u) => u,
        Err(_) => {
            record(false);
            return reply(&mut client, 5).await;
        }
    };
    record(true);
    reply(&mut client, 0).await?;
    drop(tokio::spawn(async move {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_targets() {
        let ip = |s: &str| SocksTarget::Ip(s.parse().unwrap());
        assert!(allowed(&SocksTarget::Name("localhost".into()), 1).is_some());
        assert!(allowed(&ip("127.0.0.1"), 1).is_some());
        assert!(allowed(&ip("::1"), 1).is_some());
        assert!(allowed(&SocksTarget::Name("example.com".into()), 1).is_none());
        assert!(allowed(&ip("10.0.0.1"), 1).is_none());
    }
}
