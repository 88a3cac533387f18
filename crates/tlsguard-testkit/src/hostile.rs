//! Hostile servers: TLS servers on 127.0.0.1 that answer with crafted bytes, to show that a
//! client stops each attack with a clear error, within the request's timeout, with bounded
//! memory, and stays usable.
//!
//! | server | what it does |
//! |--------|--------------|
//! | `hostile_h1` | raw HTTP/1.1 (ALPN `http/1.1` only), one route per attack, see below |
//! | `hostile_h2_continuation` | HTTP/2 (ALPN `h2` only): answers every request with a HEADERS frame without END_HEADERS, then CONTINUATION frames without end |
//! | `hostile_h2_reset` | HTTP/2: answers every request with RST_STREAM(REFUSED_STREAM), then a flood of further RST_STREAM frames for it |
//! | `hostile_chain_300` | presents the good leaf followed by 299 copies of the intermediate (300 certificates) |
//! | `hostile_cert_1mb` | presents the good chain plus a 1 MiB junk certificate entry (a Certificate message over 1 MiB) |
//!
//! Routes of `hostile_h1`:
//!
//! | path | response |
//! |------|----------|
//! | `/ce-chain` | `Content-Encoding` with [`CHAIN_CODINGS`] `gzip` tokens; the body is [`CHAIN_VALID_LAYERS`] nested stored gzip layers (a client that tried would decode thousands of layers) |
//! | `/te-chain` | `Transfer-Encoding: gzip` × 6 then `chunked` |
//! | `/gzip-bomb`, `/deflate-bomb`, `/br-bomb` | about 1 MiB (brotli: 190 KiB) inflating to [`BOMB_BYTES`] (1 GiB) of zeros |
//! | `/many-headers` | [`MANY_HEADERS`] response header fields |
//! | `/big-header` | one header line of [`BIG_HEADER_BYTES`] (1 MiB) |
//! | `/endless-trailers` | a chunked body `hello` followed by trailer fields that never end |
//! | `/drip` | `Content-Length: 100`, then one body byte a second |
//! | `/too-long` | `Content-Length: 5`, body `hello` followed by 64 KiB more |
//! | anything else | 200 `hostile server` |

use std::collections::BTreeMap;
use std::io;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rustls::ServerConfig;
use rustls::version::{TLS12, TLS13};
use rustls_pki_types::CertificateDer;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

use crate::pki::Identity;

/// The hostile servers (listener names; the ports are in the manifest's `servers`).
pub const SERVERS: &[&str] =
    &["hostile_h1", "hostile_h2_continuation", "hostile_h2_reset", "hostile_chain_300", "hostile_cert_1mb"];

/// Codings named by `/ce-chain`'s `Content-Encoding`.
pub const CHAIN_CODINGS: usize = 50_000;
/// Nested gzip layers of `/ce-chain`'s body (all that fit in single stored blocks, whose CRCs
/// can be combined instead of computed over every layer).
pub const CHAIN_VALID_LAYERS: usize = 2_800;
/// Inflated size of each bomb.
pub const BOMB_BYTES: usize = 1 << 30;
/// Header fields of `/many-headers`.
pub const MANY_HEADERS: usize = 100_000;
/// Length of `/big-header`'s header line.
pub const BIG_HEADER_BYTES: usize = 1 << 20;
/// Certificates presented by `hostile_chain_300`.
pub const CHAIN_CERTS: usize = 300;
/// Size of the junk certificate entry of `hostile_cert_1mb`.
pub const BIG_CERT_BYTES: usize = 1 << 20;

/// Precomputed bodies (built on first use, once per process).
struct Bodies {
    ce_chain: Vec<u8>,
    gzip_bomb: Vec<u8>,
    deflate_bomb: Vec<u8>,
    br_bomb: Vec<u8>,
}

fn bodies() -> &'static Bodies {
    static BODIES: OnceLock<Bodies> = OnceLock::new();
    BODIES.get_or_init(|| Bodies {
        ce_chain: nested_gzip(b"hello from the middle of the chain\n", CHAIN_VALID_LAYERS),
        gzip_bomb: crate::servers::gzip_bomb(BOMB_BYTES),
        deflate_bomb: zlib_bomb(BOMB_BYTES),
        br_bomb: brotli_bomb(BOMB_BYTES),
    })
}

/// Starts building the bodies in the background, so that the first request does not wait.
pub(crate) fn prepare() {
    std::thread::spawn(|| {
        bodies();
    });
}

/// `layers` nested gzip members around `payload`, each one a single stored block. The CRC of
/// layer k is combined from the CRCs of its header, of layer k-1 and of its trailer, so building
/// it costs O(layers) and not the O(layers²) bytes a naive encoder would hash.
pub(crate) fn nested_gzip(payload: &[u8], layers: usize) -> Vec<u8> {
    use flate2::Crc;
    let mut heads: Vec<[u8; 15]> = Vec::with_capacity(layers);
    let mut tails: Vec<[u8; 8]> = Vec::with_capacity(layers);
    let mut inner_crc = Crc::new();
    inner_crc.update(payload);
    let mut inner_len = payload.len();
    for _ in 0..layers {
        let len = u16::try_from(inner_len).expect("a layer fits in one stored block");
        let [lo, hi] = len.to_le_bytes();
        // gzip header (no name, OS unknown), then a final stored block of `len` bytes.
        let head = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 0x01, lo, hi, !lo, !hi];
        let mut tail = [0u8; 8];
        tail[..4].copy_from_slice(&inner_crc.sum().to_le_bytes());
        tail[4..].copy_from_slice(&(inner_len as u32).to_le_bytes());
        let mut crc = Crc::new();
        crc.update(&head);
        crc.combine(&inner_crc);
        crc.update(&tail);
        inner_crc = crc;
        inner_len += head.len() + tail.len();
        heads.push(head);
        tails.push(tail);
    }
    let mut out = Vec::with_capacity(inner_len);
    for h in heads.iter().rev() {
        out.extend_from_slice(h);
    }
    out.extend_from_slice(payload);
    for t in &tails {
        out.extend_from_slice(t);
    }
    out
}

/// A zlib stream (`Content-Encoding: deflate`) inflating to `total` zeros (a multiple of 1 MiB):
/// one compressed, fully flushed 1 MiB block repeated, as in [`crate::servers::gzip_bomb`].
pub(crate) fn zlib_bomb(total: usize) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    const CHUNK: usize = 1024 * 1024;
    assert!(total.is_multiple_of(CHUNK) && total > 0);
    let mut c = Compress::new(Compression::best(), false);
    let mut block = Vec::with_capacity(CHUNK);
    c.compress_vec(&vec![0u8; CHUNK], &mut block, FlushCompress::Full).expect("deflate");
    assert!(block.len() < block.capacity(), "flush completed");
    let n = total / CHUNK;
    let mut out = Vec::with_capacity(2 + block.len() * n + 6);
    out.extend_from_slice(&[0x78, 0xda]);
    for _ in 0..n {
        out.extend_from_slice(&block);
    }
    out.extend_from_slice(&[0x03, 0x00]);
    // Adler-32 of zeros: a stays 1, b adds 1 per byte.
    let adler = (((total % 65521) as u32) << 16) | 1;
    out.extend_from_slice(&adler.to_be_bytes());
    out
}

/// A brotli stream inflating to `total` zeros (a multiple of 1 MiB). Once the window holds
/// zeros, the meta-block encoding the next 1 MiB of zeros (a copy from distance 1) does not
/// depend on what came before, so it is encoded once (between two flushes) and repeated.
pub(crate) fn brotli_bomb(total: usize) -> Vec<u8> {
    use std::io::Write;
    const CHUNK: usize = 1024 * 1024;
    assert!(total.is_multiple_of(CHUNK) && total >= 2 * CHUNK);
    let zeros = vec![0u8; CHUNK];
    let mut w = brotli::CompressorWriter::new(Vec::new(), 1 << 16, 1, 22);
    w.write_all(&zeros).expect("brotli");
    w.flush().expect("brotli");
    let first = w.get_ref().len();
    w.write_all(&zeros).expect("brotli");
    w.flush().expect("brotli");
    let second = w.get_ref().len();
    let all = w.into_inner();
    let (start, unit, end) = (&all[..first], &all[first..second], &all[second..]);
    let mut out = Vec::with_capacity(start.len() + unit.len() * (total / CHUNK - 1) + end.len());
    out.extend_from_slice(start);
    for _ in 1..total / CHUNK {
        out.extend_from_slice(unit);
    }
    out.extend_from_slice(end);
    out
}

/// A server config presenting `chain` with the key of `identity`, offering `alpn`.
fn config(identity: &Identity, chain: Vec<CertificateDer<'static>>, alpn: &[&[u8]]) -> io::Result<Arc<ServerConfig>> {
    let mut config = ServerConfig::builder_with_provider(crate::servers::provider())
        .with_protocol_versions(&[&TLS12, &TLS13])
        .and_then(|b| b.with_no_client_auth().with_single_cert(chain, identity.key()))
        .map_err(|e| io::Error::other(format!("hostile server config: {e}")))?;
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}

#[derive(Clone, Copy)]
enum Kind {
    H1,
    Continuation,
    Reset,
    /// Any handshake that succeeds gets a plain 200.
    Ok,
}

/// Spawns every hostile server on the current runtime, taking its listener out of `listeners`.
pub(crate) fn spawn(
    rt: &tokio::runtime::Runtime,
    listeners: &mut BTreeMap<&'static str, std::net::TcpListener>,
    good: &Identity,
) -> io::Result<()> {
    const H1: &[&[u8]] = &[b"http/1.1"];
    const H2: &[&[u8]] = &[b"h2"];
    let leaf = good.chain[0].clone();
    let intermediate = good.chain[1].clone();
    let mut long = vec![leaf.clone()];
    long.extend(std::iter::repeat_n(intermediate.clone(), CHAIN_CERTS - 1));
    let big = vec![leaf, intermediate, CertificateDer::from(vec![0x30; BIG_CERT_BYTES])];
    let servers = [
        ("hostile_h1", config(good, good.chain.clone(), H1)?, Kind::H1),
        ("hostile_h2_continuation", config(good, good.chain.clone(), H2)?, Kind::Continuation),
        ("hostile_h2_reset", config(good, good.chain.clone(), H2)?, Kind::Reset),
        ("hostile_chain_300", config(good, long, H1)?, Kind::Ok),
        ("hostile_cert_1mb", config(good, big, H1)?, Kind::Ok),
    ];
    for (name, config, kind) in servers {
        let listener = listeners.remove(name).ok_or_else(|| io::Error::other(format!("no listener {name}")))?;
        let acceptor = TlsAcceptor::from(config);
        rt.spawn(crate::servers::accept_loop(listener, move |tcp| {
            let acceptor = acceptor.clone();
            async move {
                if let Ok(Ok(tls)) = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await {
                    // Errors are the point: clients give up on these servers.
                    let _ = serve(tls, kind).await;
                }
            }
        }));
    }
    prepare();
    Ok(())
}

type Tls = tokio_rustls::server::TlsStream<TcpStream>;

async fn serve(mut tls: Tls, kind: Kind) -> io::Result<()> {
    match kind {
        Kind::H1 => loop {
            let Some(path) = read_head(&mut tls).await? else { return Ok(()) };
            h1_respond(&mut tls, &path).await?;
        },
        Kind::Ok => {
            if read_head(&mut tls).await?.is_some() {
                write(&mut tls, b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\nconnection: close\r\n\r\nok\n").await?;
            }
            Ok(())
        }
        Kind::Continuation | Kind::Reset => h2(tls, kind).await,
    }
}

async fn write<W: AsyncWrite + Unpin>(w: &mut W, bytes: &[u8]) -> io::Result<()> {
    w.write_all(bytes).await?;
    w.flush().await
}

/// Reads a request head; returns its path, or `None` at EOF.
async fn read_head<R: AsyncRead + Unpin>(r: &mut R) -> io::Result<Option<String>> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if r.read(&mut byte).await? == 0 {
            return Ok(None);
        }
        buf.push(byte[0]);
        if buf.len() > 64 * 1024 {
            return Err(io::Error::other("request head too large"));
        }
    }
    let line = String::from_utf8_lossy(&buf);
    Ok(Some(line.split_whitespace().nth(1).unwrap_or("/").to_owned()))
}

/// Gives up an endless response after this long (the client should have left long before).
const ENDLESS_LIMIT: Duration = Duration::from_secs(60);

async fn h1_respond(tls: &mut Tls, path: &str) -> io::Result<()> {
    let bomb = |encoding: &str, body: &'static [u8]| {
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-encoding: {encoding}\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        (head, body)
    };
    let (head, body): (String, &[u8]) = match path {
        "/ce-chain" | "/gzip-bomb" | "/deflate-bomb" | "/br-bomb" => {
            let b = tokio::task::spawn_blocking(bodies).await.map_err(io::Error::other)?;
            match path {
                "/ce-chain" => bomb(&vec!["gzip"; CHAIN_CODINGS].join(", "), &b.ce_chain),
                "/gzip-bomb" => bomb("gzip", &b.gzip_bomb),
                "/deflate-bomb" => bomb("deflate", &b.deflate_bomb),
                _ => bomb("br", &b.br_bomb),
            }
        }
        "/te-chain" => (
            "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, gzip, gzip, gzip, gzip, gzip, chunked\r\n\r\n".to_owned(),
            b"5\r\nhello\r\n0\r\n\r\n",
        ),
        "/many-headers" => {
            let mut head = String::from("HTTP/1.1 200 OK\r\n");
            for i in 0..MANY_HEADERS {
                head.push_str(&format!("x-h{i}: v\r\n"));
            }
            head.push_str("content-length: 3\r\n\r\n");
            (head, b"ok\n")
        }
        "/big-header" => {
            let head =
                format!("HTTP/1.1 200 OK\r\nx-big: {}\r\ncontent-length: 3\r\n\r\n", "a".repeat(BIG_HEADER_BYTES));
            (head, b"ok\n")
        }
        "/endless-trailers" => {
            write(tls, b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ntrailer: x-t\r\n\r\n5\r\nhello\r\n0\r\n")
                .await?;
            let batch: String = (0..100).map(|i| format!("x-t{i}: {}\r\n", "t".repeat(100))).collect();
            let started = std::time::Instant::now();
            while started.elapsed() < ENDLESS_LIMIT {
                write(tls, batch.as_bytes()).await?;
            }
            return Err(io::Error::other("endless trailers: the client never gave up"));
        }
        "/drip" => {
            write(tls, b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 100\r\n\r\n").await?;
            for _ in 0..100 {
                write(tls, b"x").await?;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            return Ok(());
        }
        "/too-long" => {
            let mut bytes = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 5\r\n\r\nhello".to_vec();
            bytes.extend(b"BEYOND-CONTENT-LENGTH\r\n".repeat(64 * 1024 / 23));
            write(tls, &bytes).await?;
            return Ok(());
        }
        _ => (
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 15\r\n\r\n".to_owned(),
            b"hostile server\n",
        ),
    };
    tls.write_all(head.as_bytes()).await?;
    write(tls, body).await
}

/// An HTTP/2 frame.
fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut f = Vec::with_capacity(9 + payload.len());
    f.extend_from_slice(&len.to_be_bytes()[1..]);
    f.push(kind);
    f.push(flags);
    f.extend_from_slice(&(stream & 0x7fff_ffff).to_be_bytes());
    f.extend_from_slice(payload);
    f
}

const HEADERS: u8 = 1;
const RST_STREAM: u8 = 3;
const SETTINGS: u8 = 4;
const PING: u8 = 6;
const GOAWAY: u8 = 7;
const CONTINUATION: u8 = 9;
const REFUSED_STREAM: u32 = 7;

/// A raw HTTP/2 server: reads the client's frames, answers SETTINGS and PING, and attacks every
/// request (HEADERS frame).
async fn h2(tls: Tls, kind: Kind) -> io::Result<()> {
    let (mut rd, wr) = tokio::io::split(tls);
    let wr = Arc::new(tokio::sync::Mutex::new(wr));
    let mut preface = [0u8; 24];
    rd.read_exact(&mut preface).await?;
    if &preface != b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" {
        return Err(io::Error::other("not an HTTP/2 client"));
    }
    write(&mut *wr.lock().await, &frame(SETTINGS, 0, 0, &[])).await?;
    let mut attacks = Vec::new();
    let result = loop {
        let mut head = [0u8; 9];
        if let Err(e) = rd.read_exact(&mut head).await {
            break Err(e);
        }
        let len = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
        let (kind_byte, flags) = (head[3], head[4]);
        let stream = u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff;
        let mut payload = vec![0u8; len.min(1 << 20)];
        if let Err(e) = rd.read_exact(&mut payload).await {
            break Err(e);
        }
        let reply = match kind_byte {
            SETTINGS if flags & 1 == 0 => Some(frame(SETTINGS, 1, 0, &[])),
            PING if flags & 1 == 0 => Some(frame(PING, 1, 0, &payload)),
            GOAWAY => break Ok(()),
            HEADERS => {
                let wr = wr.clone();
                attacks.push(tokio::spawn(async move {
                    let _ = match kind {
                        Kind::Continuation => endless_continuation(&wr, stream).await,
                        _ => reset_flood(&wr, stream).await,
                    };
                }));
                None
            }
            _ => None,
        };
        if let Some(reply) = reply
            && let Err(e) = write(&mut *wr.lock().await, &reply).await
        {
            break Err(e);
        }
    };
    for a in attacks {
        a.abort();
    }
    result
}

/// `:status: 200` (static table index 8), then CONTINUATION frames of one 1000-byte header
/// field each, never END_HEADERS.
async fn endless_continuation<W: AsyncWrite + Unpin>(wr: &tokio::sync::Mutex<W>, stream: u32) -> io::Result<()> {
    write(&mut *wr.lock().await, &frame(HEADERS, 0, stream, &[0x88])).await?;
    // Literal header field without indexing, new name "x-a", value of 1000 bytes (HPACK
    // integer 1000 = 0x7f then 873 as 0xe9 0x06).
    let mut field = vec![0x00, 0x03, b'x', b'-', b'a', 0x7f, 0xe9, 0x06];
    field.extend_from_slice(&[b'a'; 1000]);
    let batch: Vec<u8> = (0..16).flat_map(|_| frame(CONTINUATION, 0, stream, &field)).collect();
    let started = std::time::Instant::now();
    while started.elapsed() < ENDLESS_LIMIT {
        write(&mut *wr.lock().await, &batch).await?;
    }
    Ok(())
}

/// RST_STREAM(REFUSED_STREAM) for the request's stream, then 10,000 more for it.
async fn reset_flood<W: AsyncWrite + Unpin>(wr: &tokio::sync::Mutex<W>, stream: u32) -> io::Result<()> {
    let rst = frame(RST_STREAM, 0, stream, &REFUSED_STREAM.to_be_bytes());
    write(&mut *wr.lock().await, &rst).await?;
    let batch = rst.repeat(1000);
    for _ in 0..10 {
        write(&mut *wr.lock().await, &batch).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    /// Counts the bytes a decoder produces (all zero for the bombs), stopping after `limit`.
    fn inflated(mut r: impl Read, limit: usize) -> io::Result<usize> {
        let mut buf = vec![0u8; 1 << 16];
        let mut total = 0;
        loop {
            let n = r.read(&mut buf)?;
            if n == 0 || total > limit {
                return Ok(total);
            }
            assert!(buf[..n].iter().all(|b| *b == 0));
            total += n;
        }
    }

    #[test]
    fn nested_gzip_unwraps_layer_by_layer() {
        let payload = b"core";
        let mut data = nested_gzip(payload, 50);
        assert_eq!(data.len(), payload.len() + 50 * 23);
        for _ in 0..50 {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&data[..]).read_to_end(&mut out).expect("valid layer with its CRC");
            data = out;
        }
        assert_eq!(data, payload);
        // The full-size chain body: its outer layer is valid gzip.
        let body = nested_gzip(b"x", CHAIN_VALID_LAYERS);
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut out).expect("outer layer");
        assert_eq!(out.len(), body.len() - 23);
    }

    #[test]
    fn bombs_inflate_to_their_size() {
        let mib = 1024 * 1024;
        let z = zlib_bomb(8 * mib);
        assert!(z.len() < 16 * 1024, "{}", z.len());
        assert_eq!(inflated(flate2::read::ZlibDecoder::new(&z[..]), usize::MAX).expect("valid zlib"), 8 * mib);
        let b = brotli_bomb(8 * mib);
        assert!(b.len() < 16 * 1024, "{}", b.len());
        assert_eq!(inflated(brotli::Decompressor::new(&b[..], 4096), usize::MAX).expect("valid brotli"), 8 * mib);
        // The served ones are small.
        assert!(zlib_bomb(BOMB_BYTES).len() < 2 * mib);
        assert!(brotli_bomb(BOMB_BYTES).len() < 2 * mib);
    }
}
