//! Reading a whole response body under `max_response_bytes` and `read_timeout`, and decoding
//! `Content-Encoding` (gzip, deflate, br, zstd) under the same cap, within the request's
//! deadline. (Streamed bodies decode as they arrive: `stream.rs`.)
//!
//! A response may name at most [`MAX_CODINGS`] codings in `Content-Encoding` and in
//! `Transfer-Encoding` (curl and urllib3 use the same limit): a longer chain is refused with
//! `HTTP_PROTOCOL` before the body is read, so a server cannot make the client decode thousands
//! of nested layers.

use std::io::Read;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::Incoming;

use crate::error::{Code, Error, Result};

fn too_large(cap: u64, detail: &str) -> Error {
    Error::new(Code::ResponseTooLarge, format!("response body exceeds max_response_bytes ({cap} bytes){detail}"))
}

/// Refuses a `Content-Length` over the cap before reading anything.
pub(crate) fn check_content_length(headers: &http::HeaderMap, cap: u64) -> Result<()> {
    if let Some(len) = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        && len > cap
    {
        return Err(too_large(cap, &format!(": Content-Length is {len}")));
    }
    Ok(())
}

/// Reads the whole raw body, failing as soon as it exceeds `cap`, or when no bytes arrive for
/// `read_timeout`. Errors of the body stream are returned as they are, for the caller to
/// classify.
pub(crate) async fn read_capped(
    mut body: Incoming,
    cap: u64,
    read_timeout: Option<std::time::Duration>,
) -> std::result::Result<Bytes, ReadError> {
    use hyper::body::Body as _;
    // The announced length (Content-Length), up to the cap and 64 MiB: one allocation instead
    // of a doubling series of reallocations and copies.
    let hint = body.size_hint().exact().unwrap_or(0).min(cap).min(64 << 20);
    let mut buf = BytesMut::with_capacity(hint as usize);
    let mut idle = read_timeout.map(IdleTimer::new);
    loop {
        let next = match &mut idle {
            None => body.frame().await,
            Some(timer) => {
                let frame = body.frame();
                tokio::pin!(frame);
                let next = std::future::poll_fn(|cx| match frame.as_mut().poll(cx) {
                    std::task::Poll::Ready(f) => std::task::Poll::Ready(Some(f)),
                    std::task::Poll::Pending => timer.poll_expired(cx).map(|()| None),
                })
                .await;
                match next {
                    Some(f) => {
                        timer.touch();
                        f
                    }
                    None => return Err(ReadError::Ours(read_timed_out(timer.t))),
                }
            }
        };
        let Some(frame) = next else { break };
        let frame = frame.map_err(ReadError::Hyper)?;
        if let Ok(data) = frame.into_data() {
            if (buf.len() as u64).saturating_add(data.len() as u64) > cap {
                return Err(ReadError::Ours(too_large(cap, "")));
            }
            buf.extend_from_slice(&data);
        }
    }
    Ok(buf.freeze())
}

/// The `TIMEOUT` of a body that sent nothing for `t`.
pub(super) fn read_timed_out(t: std::time::Duration) -> Error {
    Error::new(
        Code::Timeout,
        format!("no data from the server for {} while reading the response body (read_timeout)", crate::net::secs(t)),
    )
}

/// A read timeout that costs one timer per period, not one per chunk: it remembers when data
/// last arrived ([`IdleTimer::touch`]) and, when its timer fires before the period since then
/// has passed, re-arms itself from there. Made inside a tokio runtime.
pub(super) struct IdleTimer {
    pub(super) t: std::time::Duration,
    last: tokio::time::Instant,
    sleep: std::pin::Pin<Box<tokio::time::Sleep>>,
}

impl IdleTimer {
    pub(super) fn new(t: std::time::Duration) -> IdleTimer {
        IdleTimer { t, last: tokio::time::Instant::now(), sleep: Box::pin(tokio::time::sleep(t)) }
    }

    /// Data arrived (or a wait starts) now.
    pub(super) fn touch(&mut self) {
        self.last = tokio::time::Instant::now();
    }

    /// Ready once nothing has arrived for the period since the last touch.
    pub(super) fn poll_expired(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        use std::future::Future as _;
        loop {
            if self.sleep.as_mut().poll(cx).is_pending() {
                return std::task::Poll::Pending;
            }
            let due = self.last + self.t;
            if tokio::time::Instant::now() >= due {
                return std::task::Poll::Ready(());
            }
            self.sleep.as_mut().reset(due);
        }
    }
}

/// Why reading the body failed.
pub(crate) enum ReadError {
    /// A policy error of ours (the cap).
    Ours(Error),
    /// The connection or the HTTP framing failed.
    Hyper(hyper::Error),
}

/// A `Content-Encoding` tlsguard decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    Gzip,
    Deflate,
    Brotli,
    Zstd,
}

impl Encoding {
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Gzip => "gzip",
            Self::Deflate => "deflate",
            Self::Brotli => "br",
            Self::Zstd => "zstd",
        }
    }
}

/// The longest `Content-Encoding` or `Transfer-Encoding` chain accepted (`identity` not counted).
pub(crate) const MAX_CODINGS: usize = 5;

/// How many tokens of a refused chain its message shows.
const SHOWN_CODINGS: usize = 6;

/// The coding tokens of every value of header `name`, lowercased and trimmed, `identity` and
/// empty tokens skipped.
fn coding_tokens<'a>(headers: &'a http::HeaderMap, name: &http::HeaderName) -> impl Iterator<Item = &'a [u8]> {
    headers
        .get_all(name)
        .into_iter()
        .flat_map(|v| v.as_bytes().split(|b| *b == b','))
        .map(<[u8]>::trim_ascii)
        .filter(|t| !t.is_empty() && !t.eq_ignore_ascii_case(b"identity"))
}

/// A coding token for a message: at most 24 characters, anything but visible ASCII escaped.
fn show_token(t: &[u8]) -> String {
    let mut out = String::new();
    for &b in t.iter().take(24) {
        if b.is_ascii_graphic() && b != b'\\' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    if t.len() > 24 {
        out.push_str("...");
    }
    out
}

/// Refuses a `Content-Encoding` or `Transfer-Encoding` chain of more than [`MAX_CODINGS`]
/// codings (`HTTP_PROTOCOL`), naming the chain (its first tokens and its length when long).
pub(crate) fn check_coding_chains(headers: &http::HeaderMap) -> Result<()> {
    for name in [http::header::CONTENT_ENCODING, http::header::TRANSFER_ENCODING] {
        let count = coding_tokens(headers, &name).count();
        if count <= MAX_CODINGS {
            continue;
        }
        let shown: Vec<String> = coding_tokens(headers, &name).take(SHOWN_CODINGS).map(show_token).collect();
        let chain = if count > SHOWN_CODINGS {
            format!("{}, ... ({count} codings)", shown.join(", "))
        } else {
            shown.join(", ")
        };
        let canonical = if name == http::header::CONTENT_ENCODING { "Content-Encoding" } else { "Transfer-Encoding" };
        return Err(Error::new(
            Code::HttpProtocol,
            format!(
                "the response's {canonical} chain is too long: {canonical}: {chain}; tlsguard decodes at most {MAX_CODINGS} codings"
            ),
        ));
    }
    Ok(())
}

/// The content codings tlsguard decodes (`Content-Encoding` tokens, lowercase; `x-gzip` is
/// gzip), and what it advertises in its default `Accept-Encoding`. Adapters that pass a peer
/// library's `Accept-Encoding` narrow it to these.
pub const DECODED_CODINGS: &[&str] = &["gzip", "x-gzip", "deflate", "br", "zstd"];

/// The codings of a `Content-Encoding` header in the order they were applied, or `None` when
/// one of them is unknown (the body is then returned as received). `identity` is skipped.
/// Call [`check_coding_chains`] first: this does not limit the length.
pub(crate) fn parse_encodings(headers: &http::HeaderMap) -> Option<Vec<Encoding>> {
    let mut out = Vec::new();
    for token in coding_tokens(headers, &http::header::CONTENT_ENCODING) {
        match token.to_ascii_lowercase().as_slice() {
            b"gzip" | b"x-gzip" => out.push(Encoding::Gzip),
            b"deflate" => out.push(Encoding::Deflate),
            b"br" => out.push(Encoding::Brotli),
            b"zstd" => out.push(Encoding::Zstd),
            _ => return None,
        }
    }
    Some(out)
}

/// The message of a decode that ran past the request's deadline (`Request::execute` turns it
/// into the request's own `TIMEOUT` error).
pub(crate) const PAST_DEADLINE: &str = "decoding the response body ran past the request's deadline";

fn past_deadline() -> Error {
    Error::new(Code::Timeout, PAST_DEADLINE)
}

/// [`decode`] where it does not hold up other requests: on tlsguard's shared multi-thread
/// runtime it runs on the blocking pool (a decode never occupies one of the few worker threads
/// every `send()` shares); on the current-thread runtime of a blocking send it runs inline, on
/// the caller's own thread. Either way it stops at `deadline`; when the request is abandoned
/// (its timeout fired, or the caller dropped it) the decode on the blocking pool stops there too.
pub(crate) async fn decode_off_runtime(
    raw: Bytes,
    encodings: Vec<Encoding>,
    cap: u64,
    deadline: Instant,
) -> Result<Bytes> {
    let multi_thread = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if !multi_thread {
        return decode(raw, &encodings, cap, deadline);
    }
    tokio::task::spawn_blocking(move || decode(raw, &encodings, cap, deadline))
        .await
        .map_err(|e| Error::new(Code::Internal, format!("the decoding task failed: {e}")).with_source(e))?
}

/// Undoes `encodings` (applied in that order) with streaming decoders that stop as soon as the
/// output exceeds `cap`, or with `TIMEOUT` once `deadline` has passed (checked every 64 KiB of
/// output, so an abandoned decode stops soon after the request's deadline).
pub(crate) fn decode(raw: Bytes, encodings: &[Encoding], cap: u64, deadline: Instant) -> Result<Bytes> {
    if encodings.len() > MAX_CODINGS {
        return Err(Error::new(
            Code::HttpProtocol,
            format!("{} codings to decode; tlsguard decodes at most {MAX_CODINGS}", encodings.len()),
        ));
    }
    let mut data = raw;
    for &enc in encodings.iter().rev() {
        if data.is_empty() {
            break;
        }
        data = decode_one(&data, enc, cap, deadline)?;
    }
    Ok(data)
}

fn decode_one(input: &[u8], enc: Encoding, cap: u64, deadline: Instant) -> Result<Bytes> {
    match enc {
        Encoding::Gzip => read_capped_sync(flate2::read::MultiGzDecoder::new(input), enc, cap, deadline),
        Encoding::Deflate => {
            // "deflate" is zlib-wrapped per RFC 9110, but some servers send raw deflate.
            if looks_like_zlib(input) {
                match read_capped_sync(flate2::read::ZlibDecoder::new(input), enc, cap, deadline) {
                    Err(e) if e.code() == Code::HttpProtocol => {}
                    other => return other,
                }
            }
            read_capped_sync(flate2::read::DeflateDecoder::new(input), enc, cap, deadline)
        }
        Encoding::Brotli => read_capped_sync(brotli::Decompressor::new(input, 4096), enc, cap, deadline),
        Encoding::Zstd => {
            let decoder = zstd::stream::read::Decoder::with_buffer(input)
                .map_err(|e| Error::new(Code::HttpProtocol, format!("cannot decode the zstd response body: {e}")))?;
            read_capped_sync(decoder, enc, cap, deadline)
        }
    }
}

/// A zlib header: compression method 8 and a header checksum that divides by 31.
pub(super) fn looks_like_zlib(b: &[u8]) -> bool {
    b.len() >= 2 && b[0] & 0x0f == 8 && (u16::from(b[0]) << 8 | u16::from(b[1])) % 31 == 0
}

fn read_capped_sync(mut r: impl Read, enc: Encoding, cap: u64, deadline: Instant) -> Result<Bytes> {
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        if Instant::now() >= deadline {
            return Err(past_deadline());
        }
        let n = match r.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(Error::new(
                    Code::HttpProtocol,
                    format!("cannot decode the {} response body: {e}", enc.name()),
                ));
            }
        };
        if (out.len() as u64).saturating_add(n as u64) > cap {
            return Err(too_large(cap, &format!(" after decompression ({})", enc.name())));
        }
        out.extend_from_slice(&chunk[..n]);
    }
    Ok(Bytes::from(out))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// A deadline no test reaches.
    fn far() -> Instant {
        Instant::now() + std::time::Duration::from_secs(3600)
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).expect("write");
        e.finish().expect("finish")
    }

    #[test]
    fn every_listed_coding_is_decoded_and_only_those_are_advertised() {
        for coding in super::DECODED_CODINGS {
            let mut h = http::HeaderMap::new();
            h.insert(http::header::CONTENT_ENCODING, http::HeaderValue::from_static(coding));
            assert_eq!(parse_encodings(&h).map(|e| e.len()), Some(1), "{coding}");
        }
        let advertised = crate::client::headers::DEFAULT_ACCEPT_ENCODING;
        for coding in advertised.split(',').map(str::trim) {
            assert!(super::DECODED_CODINGS.contains(&coding), "{coding} advertised but not decoded");
        }
    }

    #[test]
    fn gzip_bomb_is_stopped() {
        // 50 MiB of zeros compress to ~50 KiB; the cap is 10 MiB.
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..50 {
            e.write_all(&zeros).expect("write");
        }
        let bomb = e.finish().expect("finish");
        assert!(bomb.len() < 1024 * 1024);
        let cap = 10 * 1024 * 1024;
        let err = decode(Bytes::from(bomb.clone()), &[Encoding::Gzip], cap, far()).expect_err("bomb");
        assert_eq!(err.code(), Code::ResponseTooLarge);
        assert_eq!(
            err.message(),
            "response body exceeds max_response_bytes (10485760 bytes) after decompression (gzip)"
        );
        // Under a large enough cap it decodes completely.
        let ok = decode(Bytes::from(bomb), &[Encoding::Gzip], 60 * 1024 * 1024, far()).expect("decodes");
        assert_eq!(ok.len(), 50 * 1024 * 1024);
    }

    #[test]
    fn round_trips() {
        let text = b"hello tlsguard ".repeat(1000);
        assert_eq!(&decode(Bytes::from(gzip(&text)), &[Encoding::Gzip], 1 << 20, far()).expect("gz")[..], &text[..]);

        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&text).expect("write");
        let zlib = z.finish().expect("finish");
        assert_eq!(&decode(Bytes::from(zlib), &[Encoding::Deflate], 1 << 20, far()).expect("zlib")[..], &text[..]);

        let mut d = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        d.write_all(&text).expect("write");
        let raw = d.finish().expect("finish");
        assert_eq!(
            &decode(Bytes::from(raw), &[Encoding::Deflate], 1 << 20, far()).expect("raw deflate")[..],
            &text[..]
        );

        let mut br = Vec::new();
        {
            let mut w = brotli::CompressorWriter::new(&mut br, 4096, 5, 22);
            w.write_all(&text).expect("write");
        }
        assert_eq!(&decode(Bytes::from(br.clone()), &[Encoding::Brotli], 1 << 20, far()).expect("br")[..], &text[..]);
        let err = decode(Bytes::from(br), &[Encoding::Brotli], 100, far()).expect_err("cap");
        assert_eq!(err.code(), Code::ResponseTooLarge);
        assert!(err.message().ends_with("after decompression (br)"), "{}", err.message());

        // Two codings: gzip applied first, then br.
        let mut both = Vec::new();
        {
            let mut w = brotli::CompressorWriter::new(&mut both, 4096, 5, 22);
            w.write_all(&gzip(&text)).expect("write");
        }
        let out = decode(Bytes::from(both), &[Encoding::Gzip, Encoding::Brotli], 1 << 20, far()).expect("both");
        assert_eq!(&out[..], &text[..]);
    }

    #[test]
    fn corrupt_and_headers() {
        let err =
            decode(Bytes::from_static(b"definitely not gzip"), &[Encoding::Gzip], 1 << 20, far()).expect_err("bad");
        assert_eq!(err.code(), Code::HttpProtocol);
        assert!(err.message().starts_with("cannot decode the gzip response body"), "{}", err.message());
        assert!(decode(Bytes::new(), &[Encoding::Gzip], 10, far()).expect("empty").is_empty());

        let mut h = http::HeaderMap::new();
        h.append(http::header::CONTENT_ENCODING, http::HeaderValue::from_static("gzip, identity"));
        h.append(http::header::CONTENT_ENCODING, http::HeaderValue::from_static("BR"));
        assert_eq!(parse_encodings(&h), Some(vec![Encoding::Gzip, Encoding::Brotli]));
        h.insert(http::header::CONTENT_ENCODING, http::HeaderValue::from_static("zstd"));
        assert_eq!(parse_encodings(&h), Some(vec![Encoding::Zstd]));
        h.insert(http::header::CONTENT_ENCODING, http::HeaderValue::from_static("compress"));
        assert_eq!(parse_encodings(&h), None, "unknown codings leave the body as received");

        let mut h = http::HeaderMap::new();
        h.insert(http::header::CONTENT_LENGTH, http::HeaderValue::from_static("2000"));
        assert_eq!(check_content_length(&h, 1000).expect_err("cl").code(), Code::ResponseTooLarge);
        assert!(check_content_length(&h, 2000).is_ok());
    }

    fn ce(value: &str) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        h.append(http::header::CONTENT_ENCODING, http::HeaderValue::from_str(value).expect("header"));
        h
    }

    #[test]
    fn six_codings_are_refused_five_are_decoded() {
        let text = b"nested five times ".repeat(100);
        let mut data = text.clone();
        for _ in 0..5 {
            data = gzip(&data);
        }
        let h = ce("gzip, gzip, gzip, gzip, gzip");
        check_coding_chains(&h).expect("5 codings are accepted");
        let encs = parse_encodings(&h).expect("known codings");
        assert_eq!(encs.len(), 5);
        assert_eq!(&decode(Bytes::from(data), &encs, 1 << 20, far()).expect("decodes")[..], &text[..]);

        // identity does not count; a sixth real coding does, also from a repeated header.
        check_coding_chains(&ce("gzip, identity, gzip, gzip, identity, gzip, gzip")).expect("identity skipped");
        let mut h = ce("gzip, gzip, gzip");
        h.append(http::header::CONTENT_ENCODING, http::HeaderValue::from_static("br, deflate, GZIP"));
        let err = check_coding_chains(&h).expect_err("6 codings");
        assert_eq!(err.code(), Code::HttpProtocol);
        assert_eq!(
            err.message(),
            "the response's Content-Encoding chain is too long: Content-Encoding: gzip, gzip, gzip, br, deflate, GZIP; \
             tlsguard decodes at most 5 codings"
        );
        // Unknown codings count too.
        let err = check_coding_chains(&ce("a, b, c, d, e, f")).expect_err("6 unknown codings");
        assert!(err.message().contains("a, b, c, d, e, f;"), "{}", err.message());
        // decode itself refuses a longer list.
        let err = decode(Bytes::from_static(b"x"), &[Encoding::Gzip; 6], 1 << 20, far()).expect_err("6");
        assert_eq!(err.code(), Code::HttpProtocol);
    }

    #[test]
    fn a_huge_chain_is_named_briefly() {
        let value = vec!["gzip"; 50_000].join(",");
        let err = check_coding_chains(&ce(&value)).expect_err("50000 codings");
        assert_eq!(err.code(), Code::HttpProtocol);
        assert_eq!(
            err.message(),
            "the response's Content-Encoding chain is too long: Content-Encoding: gzip, gzip, gzip, gzip, gzip, gzip, \
             ... (50000 codings); tlsguard decodes at most 5 codings"
        );
        // Odd bytes in a token are escaped, long tokens cut.
        let mut h = http::HeaderMap::new();
        let odd = http::HeaderValue::from_bytes(b"g\xffz\tip, aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, x, x, x, x")
            .expect("obs-text");
        h.insert(http::header::CONTENT_ENCODING, odd);
        let msg = check_coding_chains(&h).expect_err("6").message().to_owned();
        assert!(msg.contains("g\\xffz\\x09ip, aaaaaaaaaaaaaaaaaaaaaaaa..., x"), "{msg}");
    }

    #[test]
    fn transfer_encoding_chains_are_limited_too() {
        let mut h = http::HeaderMap::new();
        h.insert(http::header::TRANSFER_ENCODING, http::HeaderValue::from_static("gzip, chunked"));
        check_coding_chains(&h).expect("2 codings");
        h.insert(
            http::header::TRANSFER_ENCODING,
            http::HeaderValue::from_static("gzip, gzip, gzip, gzip, gzip, gzip, gzip, chunked"),
        );
        let err = check_coding_chains(&h).expect_err("8 codings");
        assert_eq!(err.code(), Code::HttpProtocol);
        assert!(err.message().contains("Transfer-Encoding: gzip, gzip, gzip, gzip, gzip, gzip, ... (8 codings)"));
    }

    #[test]
    fn the_deadline_stops_a_long_decode() {
        // 1 GiB of zeros as 1024 identical gzip members of 1 MiB each (about 1 MiB in all).
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(&vec![0u8; 1 << 20]).expect("write");
        let member = e.finish().expect("finish");
        let bomb = member.repeat(1024);
        let started = Instant::now();
        let deadline = started + std::time::Duration::from_millis(100);
        let err = decode(Bytes::from(bomb.clone()), &[Encoding::Gzip], u64::MAX, deadline).expect_err("deadline");
        let took = started.elapsed();
        assert_eq!(err.code(), Code::Timeout);
        assert!(took < std::time::Duration::from_secs(2), "stopped after {took:?}");
        // A deadline already past stops it before any work.
        let err = decode(Bytes::from(bomb), &[Encoding::Gzip], u64::MAX, Instant::now()).expect_err("past");
        assert_eq!(err.code(), Code::Timeout);
    }
}
