//! Reading a response body under `max_response_bytes`, and decoding `Content-Encoding`
//! (gzip, deflate, br) under the same cap.

use std::io::Read;

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

/// Reads the whole raw body, failing as soon as it exceeds `cap`. Errors of the body stream are
/// returned as they are, for the caller to classify.
pub(crate) async fn read_capped(mut body: Incoming, cap: u64) -> std::result::Result<Bytes, ReadError> {
    use hyper::body::Body as _;
    // The announced length (Content-Length), up to the cap and 64 MiB: one allocation instead
    // of a doubling series of reallocations and copies.
    let hint = body.size_hint().exact().unwrap_or(0).min(cap).min(64 << 20);
    let mut buf = BytesMut::with_capacity(hint as usize);
    while let Some(frame) = body.frame().await {
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
}

impl Encoding {
    fn name(self) -> &'static str {
        match self {
            Self::Gzip => "gzip",
            Self::Deflate => "deflate",
            Self::Brotli => "br",
        }
    }
}

/// The codings of a `Content-Encoding` header in the order they were applied, or `None` when
/// one of them is unknown (the body is then returned as received). `identity` is skipped.
pub(crate) fn parse_encodings(headers: &http::HeaderMap) -> Option<Vec<Encoding>> {
    let mut out = Vec::new();
    for value in headers.get_all(http::header::CONTENT_ENCODING) {
        let value = value.to_str().ok()?;
        for token in value.split(',') {
            match token.trim().to_ascii_lowercase().as_str() {
                "" | "identity" => {}
                "gzip" | "x-gzip" => out.push(Encoding::Gzip),
                "deflate" => out.push(Encoding::Deflate),
                "br" => out.push(Encoding::Brotli),
                _ => return None,
            }
        }
    }
    Some(out)
}

/// Undoes `encodings` (applied in that order) with streaming decoders that stop as soon as the
/// output exceeds `cap`.
pub(crate) fn decode(raw: Bytes, encodings: &[Encoding], cap: u64) -> Result<Bytes> {
    let mut data = raw;
    for &enc in encodings.iter().rev() {
        if data.is_empty() {
            break;
        }
        data = decode_one(&data, enc, cap)?;
    }
    Ok(data)
}

fn decode_one(input: &[u8], enc: Encoding, cap: u64) -> Result<Bytes> {
    match enc {
        Encoding::Gzip => read_capped_sync(flate2::read::MultiGzDecoder::new(input), enc, cap),
        Encoding::Deflate => {
            // "deflate" is zlib-wrapped per RFC 9110, but some servers send raw deflate.
            if looks_like_zlib(input) {
                match read_capped_sync(flate2::read::ZlibDecoder::new(input), enc, cap) {
                    Err(e) if e.code() == Code::HttpProtocol => {}
                    other => return other,
                }
            }
            read_capped_sync(flate2::read::DeflateDecoder::new(input), enc, cap)
        }
        Encoding::Brotli => read_capped_sync(brotli::Decompressor::new(input, 4096), enc, cap),
    }
}

/// A zlib header: compression method 8 and a header checksum that divides by 31.
fn looks_like_zlib(b: &[u8]) -> bool {
    b.len() >= 2 && b[0] & 0x0f == 8 && (u16::from(b[0]) << 8 | u16::from(b[1])) % 31 == 0
}

fn read_capped_sync(mut r: impl Read, enc: Encoding, cap: u64) -> Result<Bytes> {
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
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

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).expect("write");
        e.finish().expect("finish")
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
        let err = decode(Bytes::from(bomb.clone()), &[Encoding::Gzip], cap).expect_err("bomb");
        assert_eq!(err.code(), Code::ResponseTooLarge);
        assert_eq!(
            err.message(),
            "response body exceeds max_response_bytes (10485760 bytes) after decompression (gzip)"
        );
        // Under a large enough cap it decodes completely.
        let ok = decode(Bytes::from(bomb), &[Encoding::Gzip], 60 * 1024 * 1024).expect("decodes");
        assert_eq!(ok.len(), 50 * 1024 * 1024);
    }

    #[test]
    fn round_trips() {
        let text = b"hello tlsguard ".repeat(1000);
        assert_eq!(&decode(Bytes::from(gzip(&text)), &[Encoding::Gzip], 1 << 20).expect("gz")[..], &text[..]);

        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&text).expect("write");
        let zlib = z.finish().expect("finish");
        assert_eq!(&decode(Bytes::from(zlib), &[Encoding::Deflate], 1 << 20).expect("zlib")[..], &text[..]);

        let mut d = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        d.write_all(&text).expect("write");
        let raw = d.finish().expect("finish");
        assert_eq!(&decode(Bytes::from(raw), &[Encoding::Deflate], 1 << 20).expect("raw deflate")[..], &text[..]);

        let mut br = Vec::new();
        {
            let mut w = brotli::CompressorWriter::new(&mut br, 4096, 5, 22);
            w.write_all(&text).expect("write");
        }
        assert_eq!(&decode(Bytes::from(br.clone()), &[Encoding::Brotli], 1 << 20).expect("br")[..], &text[..]);
        let err = decode(Bytes::from(br), &[Encoding::Brotli], 100).expect_err("cap");
        assert_eq!(err.code(), Code::ResponseTooLarge);
        assert!(err.message().ends_with("after decompression (br)"), "{}", err.message());

        // Two codings: gzip applied first, then br.
        let mut both = Vec::new();
        {
            let mut w = brotli::CompressorWriter::new(&mut both, 4096, 5, 22);
            w.write_all(&gzip(&text)).expect("write");
        }
        let out = decode(Bytes::from(both), &[Encoding::Gzip, Encoding::Brotli], 1 << 20).expect("both");
        assert_eq!(&out[..], &text[..]);
    }

    #[test]
    fn corrupt_and_headers() {
        let err = decode(Bytes::from_static(b"definitely not gzip"), &[Encoding::Gzip], 1 << 20).expect_err("bad");
        assert_eq!(err.code(), Code::HttpProtocol);
        assert!(err.message().starts_with("cannot decode the gzip response body"), "{}", err.message());
        assert!(decode(Bytes::new(), &[Encoding::Gzip], 10).expect("empty").is_empty());

        let mut h = http::HeaderMap::new();
        h.append(http::header::CONTENT_ENCODING, http::HeaderValue::from_static("gzip, identity"));
        h.append(http::header::CONTENT_ENCODING, http::HeaderValue::from_static("BR"));
        assert_eq!(parse_encodings(&h), Some(vec![Encoding::Gzip, Encoding::Brotli]));
        h.insert(http::header::CONTENT_ENCODING, http::HeaderValue::from_static("zstd"));
        assert_eq!(parse_encodings(&h), None);

        let mut h = http::HeaderMap::new();
        h.insert(http::header::CONTENT_LENGTH, http::HeaderValue::from_static("2000"));
        assert_eq!(check_content_length(&h, 1000).expect_err("cl").code(), Code::ResponseTooLarge);
        assert!(check_content_length(&h, 2000).is_ok());
    }
}
