//! The client side of SOCKS5 (RFC 1928) with user/password authentication (RFC 1929): the
//! `CONNECT` command only, on a connection to the proxy that is already open. A leaf (it
//! imports only the error type).
//!
//! Every failure is `CONNECT` naming the proxy (never its credentials) and, for a refusal, the
//! reply code's meaning.

use std::net::IpAddr;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::error::{Code, Error};

/// Where the proxy is asked to connect.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Target<'a> {
    /// A name the proxy resolves (`socks5h://`).
    Name(&'a str),
    /// An address the client resolved (`socks5://`).
    Ip(IpAddr),
}

/// Why a SOCKS5 `CONNECT` failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The proxy answered the `CONNECT` with this reply code (1 to 8, or another non-zero):
    /// the handshake itself worked. 3, 4 and 5 (unreachable, refused) are worth another
    /// address of the destination.
    Reply(u8, Error),
    /// Anything else: I/O, a proxy that does not speak SOCKS5, refused credentials.
    Other(Error),
}

impl Failure {
    pub(crate) fn into_error(self) -> Error {
        match self {
            Self::Reply(_, e) | Self::Other(e) => e,
        }
    }

    /// Whether another address of the same destination might work.
    pub(crate) fn worth_another_address(&self) -> bool {
        matches!(self, Self::Reply(3..=5, _))
    }
}

const VERSION: u8 = 5;
const NO_AUTH: u8 = 0x00;
const USER_PASS: u8 = 0x02;
const NO_ACCEPTABLE: u8 = 0xff;

/// What a SOCKS5 reply code means (RFC 1928, section 6).
pub(crate) fn reply_text(code: u8) -> &'static str {
    match code {
        1 => "general SOCKS server failure",
        2 => "connection not allowed by ruleset",
        3 => "network unreachable",
        4 => "host unreachable",
        5 => "connection refused",
        6 => "TTL expired",
        7 => "command not supported",
        8 => "address type not supported",
        _ => "unassigned reply code",
    }
}

/// Asks the SOCKS5 proxy on `io` (named `proxy` in messages) to connect to `target`:`port`,
/// authenticating with `auth` (user, password) if given. On `Ok`, `io` is the tunnel.
pub(crate) async fn connect<S>(
    io: &mut S,
    proxy: &str,
    target: Target<'_>,
    port: u16,
    auth: Option<(&str, &str)>,
) -> Result<(), Failure>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let fail = |msg: String| Failure::Other(Error::new(Code::Connect, format!("proxy {proxy}: {msg}")));
    let io_fail = |what: &str, e: std::io::Error| {
        let msg = if e.kind() == std::io::ErrorKind::UnexpectedEof {
            format!("the proxy closed the connection during the SOCKS5 {what}")
        } else {
            format!("SOCKS5 {what} failed: {}", crate::net::io_message(&e))
        };
        Failure::Other(Error::new(Code::Connect, format!("proxy {proxy}: {msg}")).with_source(e))
    };
    let target_text = match target {
        Target::Name(n) => crate::net::authority(n, port),
        Target::Ip(ip) => crate::net::authority(&ip.to_string(), port),
    };

    // Greeting: the methods offered.
    let greeting: &[u8] = if auth.is_some() { &[VERSION, 2, NO_AUTH, USER_PASS] } else { &[VERSION, 1, NO_AUTH] };
    io.write_all(greeting).await.map_err(|e| io_fail("greeting", e))?;
    let mut choice = [0u8; 2];
    io.read_exact(&mut choice).await.map_err(|e| io_fail("greeting", e))?;
    if choice[0] != VERSION {
        return Err(fail(format!(
            "the proxy did not answer as a SOCKS5 proxy (version byte 0x{:02x}; is it an HTTP proxy? use http://)",
            choice[0]
        )));
    }
    match (choice[1], auth) {
        (NO_AUTH, _) => {}
        (USER_PASS, Some((user, pass))) => {
            // RFC 1929: version 1, then length-prefixed user name and password (checked to fit
            // when the proxy URL was parsed).
            let (user, pass) = (user.as_bytes(), pass.as_bytes());
            if user.is_empty() || user.len() > 255 || pass.len() > 255 {
                return Err(fail("the SOCKS5 user name or password is too long (RFC 1929: 255 bytes)".to_owned()));
            }
            let mut msg = Vec::with_capacity(3 + user.len() + pass.len());
            msg.push(1);
            msg.push(user.len() as u8);
            msg.extend_from_slice(user);
            msg.push(pass.len() as u8);
            msg.extend_from_slice(pass);
            io.write_all(&msg).await.map_err(|e| io_fail("authentication", e))?;
            let mut status = [0u8; 2];
            io.read_exact(&mut status).await.map_err(|e| io_fail("authentication", e))?;
            if status[1] != 0 {
                return Err(Failure::Other(
                    Error::new(
                        Code::Connect,
                        format!("proxy {proxy} refused the SOCKS5 user name and password (status {})", status[1]),
                    )
                    .with_hint("Check the user:pass in the proxy URL (socks5://user:pass@host:port)."),
                ));
            }
        }
        (NO_ACCEPTABLE, None) => {
            return Err(Failure::Other(
                Error::new(
                    Code::Connect,
                    format!("proxy {proxy} requires SOCKS5 authentication and no credentials were given"),
                )
                .with_hint("Put the user name and password in the proxy URL (socks5://user:pass@host:port)."),
            ));
        }
        (NO_ACCEPTABLE, Some(_)) => {
            return Err(fail("the proxy accepts none of the offered SOCKS5 authentication methods".to_owned()));
        }
        (other, _) => {
            return Err(fail(format!(
                "the proxy chose SOCKS5 authentication method 0x{other:02x}, which was not offered"
            )));
        }
    }

    // CONNECT.
    let mut req = vec![VERSION, 1, 0];
    match target {
        Target::Ip(IpAddr::V4(a)) => {
            req.push(1);
            req.extend_from_slice(&a.octets());
        }
        Target::Ip(IpAddr::V6(a)) => {
            req.push(4);
            req.extend_from_slice(&a.octets());
        }
        Target::Name(name) => {
            if name.is_empty() || name.len() > 255 {
                return Err(fail(format!("the host name {name:?} is too long for SOCKS5 (255 bytes)")));
            }
            req.push(3);
            req.push(name.len() as u8);
            req.extend_from_slice(name.as_bytes());
        }
    }
    req.extend_from_slice(&port.to_be_bytes());
    io.write_all(&req).await.map_err(|e| io_fail("CONNECT", e))?;
    let mut head = [0u8; 4];
    io.read_exact(&mut head).await.map_err(|e| io_fail("CONNECT", e))?;
    if head[0] != VERSION {
        return Err(fail(format!("malformed SOCKS5 reply (version byte 0x{:02x})", head[0])));
    }
    if head[1] != 0 {
        let code = head[1];
        return Err(Failure::Reply(
            code,
            Error::new(
                Code::Connect,
                format!("proxy {proxy} could not connect to {target_text}: {} (SOCKS5 reply {code})", reply_text(code)),
            ),
        ));
    }
    // The bound address, which the client does not need: read past it.
    let rest = match head[3] {
        1 => 4 + 2,
        4 => 16 + 2,
        3 => {
            let mut len = [0u8; 1];
            io.read_exact(&mut len).await.map_err(|e| io_fail("CONNECT", e))?;
            len[0] as usize + 2
        }
        other => return Err(fail(format!("malformed SOCKS5 reply (address type {other})"))),
    };
    let mut skip = vec![0u8; rest];
    io.read_exact(&mut skip).await.map_err(|e| io_fail("CONNECT", e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::duplex;

    /// Runs `connect` against a scripted proxy: `answers` are written once `reads` bytes have
    /// arrived (per step); returns the result and every byte the client sent.
    fn scripted(
        target: Target<'static>,
        auth: Option<(&'static str, &'static str)>,
        steps: Vec<(usize, Vec<u8>)>,
    ) -> (Result<(), Failure>, Vec<u8>) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
        rt.block_on(async move {
            let (mut client, mut server) = duplex(4096);
            let proxy = tokio::spawn(async move {
                let mut seen = Vec::new();
                for (n, answer) in steps {
                    let mut buf = vec![0u8; n];
                    if server.read_exact(&mut buf).await.is_err() {
                        break;
                    }
                    seen.extend_from_slice(&buf);
                    if server.write_all(&answer).await.is_err() {
                        break;
                    }
                }
                seen
            });
            let r = connect(&mut client, "socks5://proxy.test:1080", target, 443, auth).await;
            drop(client);
            (r, proxy.await.expect("proxy task"))
        })
    }

    #[test]
    fn name_without_auth() {
        let (r, seen) = scripted(
            Target::Name("example.com"),
            None,
            vec![(3, vec![5, 0]), (7 + 11, vec![5, 0, 0, 1, 10, 0, 0, 1, 0x1f, 0x90])],
        );
        assert!(r.is_ok(), "{r:?}");
        let mut want = vec![5, 1, 0, 5, 1, 0, 3, 11];
        want.extend_from_slice(b"example.com");
        want.extend_from_slice(&443u16.to_be_bytes());
        assert_eq!(seen, want);
    }

    #[test]
    fn address_with_auth() {
        let ip: IpAddr = "::1".parse().expect("ip");
        let (r, seen) = scripted(
            Target::Ip(ip),
            Some(("u", "pw")),
            vec![(4, vec![5, 2]), (6, vec![1, 0]), (22, vec![5, 0, 0, 3, 1, b'x', 0, 80])],
        );
        assert!(r.is_ok(), "{r:?}");
        let mut want = vec![5, 2, 0, 2, 1, 1, b'u', 2, b'p', b'w', 5, 1, 0, 4];
        want.extend_from_slice(&[0; 15]);
        want.push(1);
        want.extend_from_slice(&443u16.to_be_bytes());
        assert_eq!(seen, want);
    }

    #[test]
    fn refusals_are_explained() {
        // Wrong credentials.
        let (r, _) = scripted(Target::Name("h"), Some(("u", "bad")), vec![(4, vec![5, 2]), (7, vec![1, 1])]);
        let e = r.expect_err("refused").into_error();
        assert_eq!(e.code(), Code::Connect);
        assert!(e.message().contains("refused the SOCKS5 user name and password"), "{e}");
        assert!(!e.message().contains("bad"), "{e}");
        // Credentials required, none given.
        let (r, _) = scripted(Target::Name("h"), None, vec![(3, vec![5, 0xff])]);
        let e = r.expect_err("needs auth").into_error();
        assert!(e.message().contains("requires SOCKS5 authentication"), "{e}");
        assert!(e.hint().contains("socks5://user:pass@"), "{}", e.hint());
        // The destination refused: a reply code, worth another address.
        let (r, _) = scripted(Target::Name("h"), None, vec![(3, vec![5, 0]), (8, vec![5, 5, 0, 1, 0, 0, 0, 0, 0, 0])]);
        let f = r.expect_err("refused");
        assert!(f.worth_another_address());
        let e = f.into_error();
        assert_eq!(
            e.message(),
            "proxy socks5://proxy.test:1080 could not connect to h:443: connection refused (SOCKS5 reply 5)"
        );
        // Not allowed: not worth another address.
        let (r, _) = scripted(Target::Name("h"), None, vec![(3, vec![5, 0]), (8, vec![5, 2, 0, 1, 0, 0, 0, 0, 0, 0])]);
        assert!(!r.expect_err("ruleset").worth_another_address());
        // An HTTP proxy.
        let (r, _) = scripted(Target::Name("h"), None, vec![(3, b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec())]);
        let e = r.expect_err("http").into_error();
        assert!(e.message().contains("did not answer as a SOCKS5 proxy"), "{e}");
        // A proxy that hangs up.
        let (r, _) = scripted(Target::Name("h"), None, vec![(3, vec![5])]);
        let e = r.expect_err("eof").into_error();
        assert!(e.message().contains("closed the connection during the SOCKS5 greeting"), "{e}");
    }
}
