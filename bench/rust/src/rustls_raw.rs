//! `rustls-raw`: a hand-written HTTP/1.1 loop on `rustls::StreamOwned<ClientConnection,
//! TcpStream>`. A floor for per-request overhead with rustls, not a usable client: it speaks
//! only `GET`, only `Content-Length` bodies (no chunked encoding), no redirects, no pooling
//! logic.
//!
//! One `Arc<ClientConfig>` for the run: rustls' aws-lc-rs default provider, only the `--ca`
//! root trusted, ALPN `http/1.1`, and rustls' default session resumption (an in-memory cache of
//! sessions and tickets), which the W2R server can use.
//!
//! Per request: write `GET <path> HTTP/1.1` + `Host` (+ `Connection: close` for W2) in one
//! write, read the status line and headers, check the status is 200, take `Content-Length`,
//! and read exactly that many body bytes into a `Vec`.
//!
//! * W1/W3: one connection for all requests.
//! * W2: a new TCP + TLS connection per request, with `Connection: close`; after the body the
//!   connection is dropped (no close_notify is sent: nginx closes its side anyway).
//! * W4: C threads, each with its own connection (opened at its first request).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

use crate::drive::{self, Fetched, Outcome, Workload};
use crate::{Args, Res};

/// Everything needed to open a connection and send the run's request.
struct Target {
    config: Arc<ClientConfig>,
    addr: SocketAddr,
    name: ServerName<'static>,
    /// The whole request, prepared once.
    request: Vec<u8>,
    /// S1: read the body through a small buffer.
    streamed: bool,
}

/// One TLS connection, buffered for reading the response head line by line.
type Conn = BufReader<StreamOwned<ClientConnection, TcpStream>>;

impl Target {
    fn new(args: &Args) -> Res<Target> {
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(&args.ca)? {
            roots.add(cert?)?;
        }
        let mut config = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];

        let url = url::Url::parse(&args.url)?;
        if url.scheme() != "https" {
            return Err(format!("{}: rustls-raw speaks https only", args.url).into());
        }
        let host = url.host_str().ok_or("the URL has no host")?;
        let port = url.port_or_known_default().unwrap_or(443);
        let addr = (host.trim_start_matches('[').trim_end_matches(']'), port)
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| format!("{host}: no address"))?;
        let name = ServerName::try_from(host.trim_start_matches('[').trim_end_matches(']').to_owned())?;
        let authority = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_owned(),
        };
        // The workload's file under --url's path, like the other clients (`{url}{path}`).
        let path = format!("{}{}", url.path().trim_end_matches('/'), args.workload.target().0);
        let close = if args.workload.new_connection_per_request() { "Connection: close\r\n" } else { "" };
        let request = format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\n{close}\r\n").into_bytes();
        Ok(Target { config: Arc::new(config), addr, name, request, streamed: args.workload.streamed() })
    }

    /// TCP connect (no Nagle delay, like the other clients); the TLS handshake happens with
    /// the first write.
    fn connect(&self) -> Res<Conn> {
        let tcp = TcpStream::connect(self.addr)?;
        tcp.set_nodelay(true)?;
        let tls = ClientConnection::new(self.config.clone(), self.name.clone())?;
        Ok(BufReader::new(StreamOwned::new(tls, tcp)))
    }

    /// Sends the request on `conn` and reads the response.
    fn get(&self, conn: &mut Conn, line: &mut Vec<u8>) -> Res<Fetched> {
        conn.get_mut().write_all(&self.request)?;
        conn.get_mut().flush()?;

        // Status line: "HTTP/1.1 200 OK".
        line.clear();
        conn.read_until(b'\n', line)?;
        let http = match line.get(..9) {
            Some(b"HTTP/1.1 ") => "HTTP/1.1",
            Some(b"HTTP/1.0 ") => "HTTP/1.0",
            _ => return Err(format!("not an HTTP/1.x status line: {:?}", String::from_utf8_lossy(line)).into()),
        };
        if line.get(9..12) != Some(b"200") {
            return Err(format!("status line {:?}", String::from_utf8_lossy(line).trim_end()).into());
        }

        // Headers, up to the empty line: only Content-Length matters.
        let mut length = None;
        loop {
            line.clear();
            if conn.read_until(b'\n', line)? == 0 {
                return Err("connection closed in the response head".into());
            }
            if line == b"\r\n" || line == b"\n" {
                break;
            }
            let Some(colon) = line.iter().position(|&b| b == b':') else { continue };
            let (name, value) = (&line[..colon], std::str::from_utf8(&line[colon + 1..])?.trim());
            if name.eq_ignore_ascii_case(b"content-length") {
                length = Some(value.parse::<usize>()?);
            } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                return Err(format!("Transfer-Encoding {value} is not supported by rustls-raw").into());
            }
        }
        let length = length.ok_or("no Content-Length")?;

        if self.streamed {
            // S1: the body through a 64 KiB buffer, never whole.
            let mut buf = vec![0u8; 64 * 1024];
            let mut left = length;
            while left > 0 {
                let n = conn.read(&mut buf[..left.min(64 * 1024)])?;
                if n == 0 {
                    return Err("connection closed in the body".into());
                }
                left -= n;
            }
            return Ok(Fetched { len: length, http: Some(http) });
        }
        // The body, whole, into memory.
        let mut body = vec![0u8; length];
        conn.read_exact(&mut body)?;
        Ok(Fetched { len: body.len(), http: Some(http) })
    }
}

/// Runs `rustls-raw` for W1-W4.
pub fn run(args: &Args) -> Res<Outcome> {
    let target = Target::new(args)?;
    let target = &target;
    match args.workload {
        // A new connection per request (the ClientConfig, and so the session cache, is shared).
        Workload::W2 => {
            let mut line = Vec::new();
            drive::sequential(args.workload, args.n, || target.get(&mut target.connect()?, &mut line))
        }
        // C threads, one connection each, opened at the thread's first request.
        Workload::W4 => drive::threads(args.workload, args.n, args.concurrency, || {
            let (mut conn, mut line) = (None, Vec::new());
            move || {
                let conn = match &mut conn {
                    Some(c) => c,
                    None => conn.insert(target.connect()?),
                };
                target.get(conn, &mut line)
            }
        }),
        // W1/W3: one connection, opened by the first request.
        w => {
            let (mut conn, mut line) = (None, Vec::new());
            drive::sequential(w, args.n, || {
                let conn = match &mut conn {
                    Some(c) => c,
                    None => conn.insert(target.connect()?),
                };
                target.get(conn, &mut line)
            })
        }
    }
}
