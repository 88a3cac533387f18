//! rustls + hyper scenario servers and the plain HTTP server.
//!
//! Every rustls server (one listener each) runs the same [`Router`]; they
//! differ only in the certificate chain they present, the TLS versions they
//! accept and whether they require a client certificate. ALPN offers `h2` and
//! `http/1.1`; hyper-util's auto builder serves either.
//!
//! Routes (on every server; the scenarios use the `good` one):
//!
//! | path | response |
//! |------|----------|
//! | `/` | 200 `hello from tlsguard-testkit` (plain server: `hello over http`) |
//! | `/echo`, `/echo/...` | 200 JSON `{method, path, query, authority, version, headers: {name: [values]}, body}` |
//! | `/set-cookie?c=<Set-Cookie>&c=...&redirect=<URL>` | each percent-decoded `c` as a `Set-Cookie` header; 302 to `redirect` if given, else 200 |
//! | `/json` | 200 `{"hello":"world","n":1}` |
//! | `/status/{n}` | status n |
//! | `/headers` | two `Set-Cookie`, `X-Multi: a` and `X-Multi: b` |
//! | `/redirect/http` | 302 to `http://127.0.0.1:<plain>/` (a downgrade) |
//! | `/redirect/loop` | 302 to itself |
//! | `/redirect/{k}` | 302 to `/redirect/{k-1}`, `/redirect/1` to `/echo` |
//! | `/redirect/cross-origin` | 302 to `https://127.0.0.1:<same port>/echo` (localhost -> 127.0.0.1 changes the origin) |
//! | `/redirect/same-origin` | 302 to `/echo` |
//! | `/redirect/303` | 303 to `/echo` (POST becomes GET) |
//! | `/redirect/307-upload` | 307 to `/upload` (the body is sent again) |
//! | `/slow` | waits 5 s, then 200 |
//! | `/slow-body` | headers at once, body after 5 s |
//! | `/huge` | 8 MiB body (with Content-Length) |
//! | `/gzip-bomb` | `Content-Encoding: gzip`, inflates to 64 MiB of zeros |
//! | `/gzip`, `/deflate`, `/br`, `/zstd` | `{"compressed": true, "text": "hello"}` in that encoding (deflate = zlib) |
//! | `/stream?bytes=N&chunk=K&every_ms=D` | N bytes (byte i is `i % 251`) in chunks of K (default 64 KiB), D ms apart (default 0), with Content-Length |
//! | `/stall-body` | headers and 1 KiB at once, then nothing for 60 s |
//! | `/upload` | reads the request body as it arrives; 200 JSON `{content_type, chunked, length, pattern_ok, parts}`: `pattern_ok` whether byte i is `i % 251`; for `multipart/form-data`, `parts` lists `{name, filename, content_type, length, pattern_ok, text}` (`text` for parts under 1 KiB) |
//! | `/bytes?type=<Content-Type>&hex=<hex>` | 200, that percent-decoded `Content-Type` (none if not given) and the bytes the hex digits spell |
//! | `/chunked` | 5 chunks `chunk i\n`, 50 ms apart, no Content-Length |
//! | `/pki/{name}.der` | the CA certificates (`root`, `intermediate`, `untrusted_root`, `untrusted_intermediate`, `nc_intermediate`) for AIA fetching |

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::io::{self, Write};
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Frame, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, SupportedProtocolVersion};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;

use crate::pki::Identity;

/// Response body type of every route.
pub(crate) type Body = UnsyncBoxBody<Bytes, Infallible>;

/// Large, precomputed response bodies (built once per process).
pub(crate) struct StaticAssets {
    huge: Bytes,
    gzip_bomb: Bytes,
    gzip: Bytes,
    deflate: Bytes,
    br: Bytes,
    zstd: Bytes,
}

/// Size of `/huge`.
pub const HUGE_BYTES: usize = 8 * 1024 * 1024;
/// Inflated size of `/gzip-bomb`.
pub const BOMB_INFLATED_BYTES: usize = 64 * 1024 * 1024;
const COMPRESSED_JSON: &str = r#"{"compressed": true, "text": "hello"}"#;

pub(crate) fn static_assets() -> Arc<StaticAssets> {
    static ASSETS: OnceLock<Arc<StaticAssets>> = OnceLock::new();
    ASSETS
        .get_or_init(|| {
            use flate2::Compression;
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), Compression::default());
            gz.write_all(COMPRESSED_JSON.as_bytes()).expect("in-memory gzip");
            let mut zl = flate2::write::ZlibEncoder::new(Vec::new(), Compression::default());
            zl.write_all(COMPRESSED_JSON.as_bytes()).expect("in-memory zlib");
            let zstd = zstd::encode_all(COMPRESSED_JSON.as_bytes(), 3).expect("in-memory zstd");
            let mut br = brotli::CompressorWriter::new(Vec::new(), 4096, 5, 22);
            br.write_all(COMPRESSED_JSON.as_bytes()).expect("in-memory brotli");
            Arc::new(StaticAssets {
                huge: Bytes::from(vec![b'x'; HUGE_BYTES]),
                gzip_bomb: Bytes::from(gzip_bomb(BOMB_INFLATED_BYTES)),
                gzip: Bytes::from(gz.finish().expect("in-memory gzip")),
                deflate: Bytes::from(zl.finish().expect("in-memory zlib")),
                br: Bytes::from(br.into_inner()),
                zstd: Bytes::from(zstd),
            })
        })
        .clone()
}

/// A gzip member whose body inflates to `total` zero bytes (a multiple of 1 MiB).
///
/// Compressing 64 MiB is slow in a debug build, so one 1 MiB block of zeros is
/// compressed with a *full flush* (byte-aligned, no back-references across it)
/// and repeated; a final empty fixed-Huffman block (`03 00`) ends the stream.
/// The CRC-32 is combined from the 1 MiB one.
pub(crate) fn gzip_bomb(total: usize) -> Vec<u8> {
    use flate2::{Compress, Compression, Crc, FlushCompress};
    const CHUNK: usize = 1024 * 1024;
    assert!(total.is_multiple_of(CHUNK) && total > 0);
    let zeros = vec![0u8; CHUNK];
    let mut c = Compress::new(Compression::best(), false);
    let mut block = Vec::with_capacity(CHUNK);
    let status = c.compress_vec(&zeros, &mut block, FlushCompress::Full).expect("deflate");
    assert_eq!(status, flate2::Status::Ok);
    assert_eq!(c.total_in() as usize, CHUNK, "whole chunk consumed");
    assert!(block.len() < block.capacity(), "flush completed");
    let mut chunk_crc = Crc::new();
    chunk_crc.update(&zeros);
    let mut crc = Crc::new();
    let n = total / CHUNK;
    let mut out = Vec::with_capacity(18 + block.len() * n + 2);
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    for _ in 0..n {
        out.extend_from_slice(&block);
        crc.combine(&chunk_crc);
    }
    out.extend_from_slice(&[0x03, 0x00]);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(total as u32).to_le_bytes());
    out
}

/// Per-kit data the routes need.
pub(crate) struct KitAssets {
    pub statics: Arc<StaticAssets>,
    pub plain_port: u16,
    /// `/pki/<name>.der`
    pub pki_der: BTreeMap<String, Bytes>,
}

/// The request handler of one server.
#[derive(Clone)]
pub(crate) struct Router {
    pub assets: Arc<KitAssets>,
    /// This server's own port (for absolute redirects).
    pub port: u16,
    /// TLS server (true) or the plain HTTP server (false).
    pub tls: bool,
    /// The number of the connection this request came on (`/conn` returns it), unique per process.
    pub conn: u64,
}

/// Numbers connections for `/conn`.
static NEXT_CONN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

fn full(b: impl Into<Bytes>) -> Body {
    Full::new(b.into()).boxed_unsync()
}

fn respond(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    let mut r = Response::new(full(body));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_str(content_type).expect("static"));
    r
}

fn text(status: StatusCode, body: impl Into<String>) -> Response<Body> {
    respond(status, "text/plain; charset=utf-8", body.into())
}

fn json(value: serde_json::Value) -> Response<Body> {
    respond(StatusCode::OK, "application/json", value.to_string())
}

fn redirect(status: StatusCode, location: &str) -> Response<Body> {
    let mut r = text(status, format!("redirecting to {location}\n"));
    r.headers_mut().insert(header::LOCATION, HeaderValue::from_str(location).expect("ascii location"));
    r
}

/// A streaming body fed by a channel (for `/chunked` and `/slow-body`).
struct ChannelBody {
    rx: mpsc::Receiver<Bytes>,
}

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.rx.poll_recv(cx).map(|o| o.map(|b| Ok(Frame::data(b))))
    }
}

/// A body whose chunks are sent after the given delays.
fn delayed_chunks(chunks: Vec<(Duration, Bytes)>) -> Body {
    let (tx, rx) = mpsc::channel(8);
    tokio::spawn(async move {
        for (delay, chunk) in chunks {
            tokio::time::sleep(delay).await;
            if tx.send(chunk).await.is_err() {
                return; // client went away
            }
        }
    });
    ChannelBody { rx }.boxed_unsync()
}

/// `/bytes?type=<Content-Type>&hex=<body>`: 200 with that (percent-decoded) `Content-Type`, if
/// given, and the body the hex digits spell (for charset tests: any bytes, any label).
fn bytes_route(query: &str) -> Response<Body> {
    let param = |name: &str| query.split('&').find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='));
    let hex = param("hex").unwrap_or("");
    let body: Option<Vec<u8>> =
        (0..hex.len()).step_by(2).map(|i| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect();
    let Some(body) = body else { return text(StatusCode::BAD_REQUEST, "hex: an even number of hex digits\n") };
    let mut r = Response::new(full(Bytes::from(body)));
    if let Some(ct) = param("type").map(percent_decode).and_then(|t| HeaderValue::from_str(&t).ok()) {
        r.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    r
}

/// `/flaky?key=K&fail=N&status=S&retry_after=R`: the first N requests with key K get status S
/// (default 503, with `Retry-After: R` if given), later ones 200; every body is `attempt n`.
/// For retry tests (the count is per key, for the life of the process).
fn flaky(query: &str) -> Response<Body> {
    static HITS: std::sync::Mutex<Vec<(String, u32)>> = std::sync::Mutex::new(Vec::new());
    let param = |name: &str| {
        query.split('&').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v.to_owned())
    };
    let key = param("key").unwrap_or_default();
    let fail: u32 = param("fail").and_then(|v| v.parse().ok()).unwrap_or(1);
    let status = param("status").and_then(|v| v.parse::<u16>().ok()).unwrap_or(503);
    let n = {
        let mut hits = HITS.lock().unwrap_or_else(|p| p.into_inner());
        match hits.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                hits.push((key, 1));
                1
            }
        }
    };
    if n > fail {
        return text(StatusCode::OK, format!("attempt {n}"));
    }
    let mut r = text(StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE), format!("attempt {n}"));
    if let Some(after) = param("retry_after").and_then(|v| HeaderValue::from_str(&v).ok()) {
        r.headers_mut().insert(header::RETRY_AFTER, after);
    }
    r
}

impl Router {
    pub(crate) async fn handle(self, req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
        let path = req.uri().path().to_string();
        let scheme = if self.tls { "https" } else { "http" };
        let s = &self.assets.statics;
        let resp = match path.as_str() {
            "/" if self.tls => text(StatusCode::OK, "hello from tlsguard-testkit\n"),
            "/" => text(StatusCode::OK, "hello over http\n"),
            "/echo" => echo(req).await,
            p if p.starts_with("/echo/") => echo(req).await,
            "/set-cookie" => set_cookie(req.uri().query().unwrap_or("")),
            "/upload" => upload(req).await,
            "/json" => json(serde_json::json!({"hello": "world", "n": 1})),
            "/conn" => text(StatusCode::OK, self.conn.to_string()),
            // `/conn` after 300 ms: concurrent requests overlap, so a client must open a
            // connection per request in flight (HTTP/1.1) or multiplex them (HTTP/2).
            "/conn-slow" => {
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                text(StatusCode::OK, self.conn.to_string())
            }
            "/headers" => {
                let mut r = text(StatusCode::OK, "headers\n");
                let h = r.headers_mut();
                h.append(header::SET_COOKIE, HeaderValue::from_static("a=1; Path=/"));
                h.append(header::SET_COOKIE, HeaderValue::from_static("b=2; Path=/; HttpOnly"));
                h.append("x-multi", HeaderValue::from_static("a"));
                h.append("x-multi", HeaderValue::from_static("b"));
                r
            }
            "/redirect/http" => redirect(StatusCode::FOUND, &format!("http://127.0.0.1:{}/", self.assets.plain_port)),
            "/redirect/loop" => redirect(StatusCode::FOUND, "/redirect/loop"),
            "/redirect/cross-origin" => {
                redirect(StatusCode::FOUND, &format!("{scheme}://127.0.0.1:{}/echo", self.port))
            }
            "/redirect/same-origin" => redirect(StatusCode::FOUND, "/echo"),
            // `/redirect-to?url=<percent-encoded URL>`: a 302 to any URL (httpbin's).
            "/redirect-to" => {
                let target = req
                    .uri()
                    .query()
                    .unwrap_or("")
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("url="))
                    .map(percent_decode);
                match target {
                    Some(t) => redirect(StatusCode::FOUND, &t),
                    None => text(StatusCode::BAD_REQUEST, "missing url=\n"),
                }
            }
            "/redirect/303" => redirect(StatusCode::SEE_OTHER, "/echo"),
            "/redirect/307-upload" => {
                // Read the body first, as nginx does before answering: answering early and
                // closing would race the client's last writes (a broken pipe, not a redirect).
                let _ = req.into_body().collect().await;
                redirect(StatusCode::TEMPORARY_REDIRECT, "/upload")
            }
            "/slow" => {
                tokio::time::sleep(Duration::from_secs(5)).await;
                text(StatusCode::OK, "slow response\n")
            }
            "/slow-body" => {
                let mut r =
                    Response::new(delayed_chunks(vec![(Duration::from_secs(5), Bytes::from_static(b"slow body\n"))]));
                r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
                r
            }
            "/huge" => respond(StatusCode::OK, "application/octet-stream", s.huge.clone()),
            "/gzip-bomb" => encoded(s.gzip_bomb.clone(), "gzip", "application/octet-stream"),
            "/gzip" => encoded(s.gzip.clone(), "gzip", "application/json"),
            "/deflate" => encoded(s.deflate.clone(), "deflate", "application/json"),
            "/br" => encoded(s.br.clone(), "br", "application/json"),
            "/zstd" => encoded(s.zstd.clone(), "zstd", "application/json"),
            "/stream" => stream(req.uri().query().unwrap_or("")),
            "/flaky" => flaky(req.uri().query().unwrap_or("")),
            "/bytes" => bytes_route(req.uri().query().unwrap_or("")),
            "/stall-body" => {
                let chunks = vec![
                    (Duration::ZERO, Bytes::from(vec![b'x'; 1024])),
                    (Duration::from_secs(60), Bytes::from_static(b"late\n")),
                ];
                let mut r = Response::new(delayed_chunks(chunks));
                r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
                r
            }
            "/chunked" => {
                let chunks = (0..5).map(|i| (Duration::from_millis(50), Bytes::from(format!("chunk {i}\n")))).collect();
                let mut r = Response::new(delayed_chunks(chunks));
                r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
                r
            }
            p if p.starts_with("/status/") => match p["/status/".len()..].parse::<u16>() {
                Ok(n) if (200..=599).contains(&n) => {
                    let status = StatusCode::from_u16(n).expect("valid range");
                    if n == 204 || n == 304 {
                        let mut r = Response::new(full(Bytes::new()));
                        *r.status_mut() = status;
                        r
                    } else {
                        text(status, format!("status {n}\n"))
                    }
                }
                _ => text(StatusCode::BAD_REQUEST, "status must be 200..=599\n"),
            },
            p if p.starts_with("/redirect/") => match p["/redirect/".len()..].parse::<u32>() {
                Ok(k) if k > 1 => redirect(StatusCode::FOUND, &format!("/redirect/{}", k - 1)),
                Ok(_) => redirect(StatusCode::FOUND, "/echo"),
                Err(_) => text(StatusCode::NOT_FOUND, "unknown redirect\n"),
            },
            p if p.starts_with("/pki/") && p.ends_with(".der") => {
                let name = &p["/pki/".len()..p.len() - ".der".len()];
                match self.assets.pki_der.get(name) {
                    Some(der) => respond(StatusCode::OK, "application/pkix-cert", der.clone()),
                    None => text(StatusCode::NOT_FOUND, "no such certificate\n"),
                }
            }
            _ => text(StatusCode::NOT_FOUND, "not found\n"),
        };
        Ok(resp)
    }
}

/// `/upload`: what arrived, counted and checked as it streams in (see the route table).
async fn upload(req: Request<Incoming>) -> Response<Body> {
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let chunked = req
        .headers()
        .get(header::TRANSFER_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("chunked"));
    let mut body = req.into_body();
    let summary = |length: u64, ok: bool, small: &[u8]| {
        let mut v = serde_json::json!({"length": length, "pattern_ok": ok});
        if length < 1024 {
            v["text"] = serde_json::Value::String(String::from_utf8_lossy(small).into_owned());
        }
        v
    };
    /// Counts `chunk` into (length, pattern ok, first KiB).
    fn count(state: &mut (u64, bool, Vec<u8>), chunk: &[u8]) {
        let (len, ok, small) = state;
        if *ok {
            *ok = chunk.iter().enumerate().all(|(k, &b)| b == ((*len + k as u64) % 251) as u8);
        }
        if small.len() < 1024 {
            small.extend_from_slice(&chunk[..chunk.len().min(1024 - small.len())]);
        }
        *len += chunk.len() as u64;
    }
    let result = if let Ok(boundary) = multer::parse_boundary(&content_type) {
        let mut form = multer::Multipart::new(body.into_data_stream(), boundary);
        let mut parts = Vec::new();
        loop {
            match form.next_field().await {
                Ok(Some(mut field)) => {
                    let name = field.name().map(str::to_owned);
                    let filename = field.file_name().map(str::to_owned);
                    let ct = field.content_type().map(|m| m.to_string());
                    let mut state = (0u64, true, Vec::new());
                    loop {
                        match field.chunk().await {
                            Ok(Some(c)) => count(&mut state, &c),
                            Ok(None) => break,
                            Err(e) => return text(StatusCode::BAD_REQUEST, format!("multipart: {e}\n")),
                        }
                    }
                    let mut v = summary(state.0, state.1, &state.2);
                    v["name"] = serde_json::json!(name);
                    v["filename"] = serde_json::json!(filename);
                    v["content_type"] = serde_json::json!(ct);
                    parts.push(v);
                }
                Ok(None) => break,
                Err(e) => return text(StatusCode::BAD_REQUEST, format!("multipart: {e}\n")),
            }
        }
        serde_json::json!({"content_type": content_type, "chunked": chunked, "parts": parts})
    } else {
        let mut state = (0u64, true, Vec::new());
        while let Some(chunk) = body.frame().await {
            match chunk {
                Ok(frame) => {
                    if let Ok(data) = frame.into_data() {
                        count(&mut state, &data);
                    }
                }
                Err(e) => return text(StatusCode::BAD_REQUEST, format!("body: {e}\n")),
            }
        }
        let mut v = summary(state.0, state.1, &state.2);
        v["content_type"] = serde_json::json!(content_type);
        v["chunked"] = serde_json::json!(chunked);
        v
    };
    json(result)
}

/// `/stream`: a generated body (see the route table), never held in memory whole.
fn stream(query: &str) -> Response<Body> {
    let param = |name: &str, default: u64| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(default)
    };
    let total = param("bytes", 1024 * 1024);
    let chunk = param("chunk", 64 * 1024).clamp(1, 1024 * 1024) as usize;
    let every = Duration::from_millis(param("every_ms", 0));
    let body = GeneratedBody { sent: 0, total, chunk, every, sleep: None };
    let mut r = Response::new(body.boxed_unsync());
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    r.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(total));
    r
}

/// The bytes of `/stream`: byte `i` is `i % 251`, cut from one shared pattern.
struct GeneratedBody {
    sent: u64,
    total: u64,
    chunk: usize,
    every: Duration,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl hyper::body::Body for GeneratedBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        static PATTERN: OnceLock<Bytes> = OnceLock::new();
        if self.sent >= self.total {
            return Poll::Ready(None);
        }
        if !self.every.is_zero() && self.sent > 0 {
            let every = self.every;
            let sleep = self.sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep(every)));
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.sleep = None;
        }
        let pattern = PATTERN.get_or_init(|| (0..(1024 * 1024 + 251)).map(|i| (i % 251) as u8).collect());
        let start = (self.sent % 251) as usize;
        let n = (self.total - self.sent).min(self.chunk as u64) as usize;
        self.sent += n as u64;
        Poll::Ready(Some(Ok(Frame::data(pattern.slice(start..start + n)))))
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        hyper::body::SizeHint::with_exact(self.total - self.sent)
    }
}

fn encoded(body: Bytes, encoding: &'static str, content_type: &str) -> Response<Body> {
    let mut r = respond(StatusCode::OK, content_type, body);
    r.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    r
}

/// `/set-cookie`: a `Set-Cookie` header per `c=`, and a 302 to `redirect=` if given.
fn set_cookie(query: &str) -> Response<Body> {
    let mut target = None;
    let mut cookies = Vec::new();
    for kv in query.split('&') {
        if let Some(v) = kv.strip_prefix("c=") {
            cookies.push(percent_decode(v));
        } else if let Some(v) = kv.strip_prefix("redirect=") {
            target = Some(percent_decode(v));
        }
    }
    let mut r = match target {
        Some(t) => redirect(StatusCode::FOUND, &t),
        None => text(StatusCode::OK, "cookies set\n"),
    };
    for c in cookies {
        match HeaderValue::from_str(&c) {
            Ok(v) => {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            Err(_) => return text(StatusCode::BAD_REQUEST, "a cookie is not a valid header value\n"),
        }
    }
    r
}

/// `%XX` decoded (invalid escapes kept as they are).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn echo(req: Request<Incoming>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in &parts.headers {
        headers
            .entry(name.as_str().to_string())
            .or_default()
            .push(String::from_utf8_lossy(value.as_bytes()).into_owned());
    }
    let body = match body.collect().await {
        Ok(b) => String::from_utf8_lossy(&b.to_bytes()).into_owned(),
        Err(e) => return text(StatusCode::BAD_REQUEST, format!("cannot read body: {e}\n")),
    };
    json(serde_json::json!({
        "method": parts.method.as_str(),
        "path": parts.uri.path(),
        "query": parts.uri.query().unwrap_or(""),
        // HTTP/2 carries the host in :authority, not in a Host header.
        "authority": parts.uri.authority().map(|a| a.as_str()).unwrap_or(""),
        "version": format!("{:?}", parts.version),
        "headers": headers,
        "body": body,
    }))
}

/// The rustls provider used by every server (never installed process-wide).
pub(crate) fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Builds a server config presenting `identity`.
pub(crate) fn server_config(
    identity: &Identity,
    versions: &[&'static SupportedProtocolVersion],
    client_ca: Option<&rustls_pki_types::CertificateDer<'static>>,
) -> io::Result<Arc<ServerConfig>> {
    let e = |e: rustls::Error| io::Error::other(format!("server config: {e}"));
    let builder = ServerConfig::builder_with_provider(provider()).with_protocol_versions(versions).map_err(e)?;
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            roots.add(ca.clone()).map_err(e)?;
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
                .build()
                .map_err(|err| io::Error::other(format!("client verifier: {err}")))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder.with_single_cert(identity.chain.clone(), identity.key()).map_err(e)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

pub(crate) async fn accept_loop<F, Fut>(listener: std::net::TcpListener, mut on_conn: F)
where
    F: FnMut(tokio::net::TcpStream) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = match TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("tlsguard-testkit: listener: {e}");
            return;
        }
    };
    loop {
        match listener.accept().await {
            Ok((tcp, _)) => {
                let _ = tcp.set_nodelay(true);
                tokio::spawn(on_conn(tcp));
            }
            // EMFILE and friends: back off instead of spinning.
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

async fn serve_http<I>(io: I, mut router: Router)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    router.conn = NEXT_CONN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let svc = service_fn(move |req| router.clone().handle(req));
    // Errors are expected: clients under test abort on purpose.
    let _ = auto::Builder::new(TokioExecutor::new()).serve_connection(TokioIo::new(io), svc).await;
}

/// Serves HTTPS on `listener` until the runtime shuts down.
pub(crate) async fn serve_tls(listener: std::net::TcpListener, config: Arc<ServerConfig>, router: Router) {
    serve_tls_counted(listener, config, router, None).await
}

/// [`serve_tls`], counting the TCP connections accepted in `accepted`.
pub(crate) async fn serve_tls_counted(
    listener: std::net::TcpListener,
    config: Arc<ServerConfig>,
    router: Router,
    accepted: Option<Arc<std::sync::atomic::AtomicUsize>>,
) {
    let acceptor = TlsAcceptor::from(config);
    accept_loop(listener, move |tcp| {
        if let Some(n) = &accepted {
            n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        let acceptor = acceptor.clone();
        let router = router.clone();
        async move {
            // Handshake failures are the point of most scenarios: ignore them.
            if let Ok(Ok(tls)) = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await {
                serve_http(tls, router).await;
            }
        }
    })
    .await
}

/// Serves plain HTTP on `listener` until the runtime shuts down.
pub(crate) async fn serve_plain(listener: std::net::TcpListener, router: Router) {
    accept_loop(listener, move |tcp| serve_http(tcp, router.clone())).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn gzip_bomb_inflates_to_the_announced_size() {
        let bomb = gzip_bomb(4 * 1024 * 1024);
        assert!(bomb.len() < 64 * 1024, "bomb is small: {}", bomb.len());
        let mut d = flate2::read::GzDecoder::new(&bomb[..]);
        let mut buf = vec![0u8; 1 << 16];
        let mut total = 0;
        loop {
            let n = d.read(&mut buf).expect("valid gzip with correct CRC");
            if n == 0 {
                break;
            }
            assert!(buf[..n].iter().all(|b| *b == 0));
            total += n;
        }
        assert_eq!(total, 4 * 1024 * 1024);
    }

    #[test]
    fn compressed_assets_decode() {
        let s = static_assets();
        let mut out = String::new();
        flate2::read::GzDecoder::new(&s.gzip[..]).read_to_string(&mut out).unwrap();
        assert_eq!(out, COMPRESSED_JSON);
        out.clear();
        flate2::read::ZlibDecoder::new(&s.deflate[..]).read_to_string(&mut out).unwrap();
        assert_eq!(out, COMPRESSED_JSON);
        out.clear();
        brotli::Decompressor::new(&s.br[..], 4096).read_to_string(&mut out).unwrap();
        assert_eq!(out, COMPRESSED_JSON);
    }
}
