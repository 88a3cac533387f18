//! Request bodies: files sent with their length, streams and readers (chunked without a
//! length), multipart/form-data streamed from disk, redirects that resend a body, and the read
//! timeout counting from the last bytes sent. Its own test binary, so that the peak-memory
//! check of the 200 MiB multipart upload measures that upload alone.

mod common;
use common::*;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;
use tlsguard::{Code, Multipart};

/// A file of `len` bytes where byte i is `i % 251` (what the kit's `/upload` checks).
fn pattern_file(name: &str, len: u64) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tlsguard-uploads-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join(name);
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    let block: Vec<u8> = (0..251u32 * 4096).map(|i| (i % 251) as u8).collect();
    let mut left = len;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        f.write_all(&block[..n]).expect("write");
        left -= n as u64;
    }
    f.flush().expect("flush");
    path
}

fn upload_url() -> String {
    kit().good_url("/upload")
}

#[test]
fn a_multipart_upload_of_two_100_mib_files_streams_from_disk() {
    const SIZE: u64 = 100 * 1024 * 1024;
    let a = pattern_file("a.bin", SIZE);
    let b = pattern_file("b.bin", SIZE);
    let form = Multipart::new().text("comment", "two files").file("first", &a, None, None).file(
        "second",
        &b,
        Some("renamed.dat"),
        Some("application/x-test"),
    );
    let c = client_with(|o| o.timeout = Some(Duration::from_secs(120)));
    let before = vm_kib("VmRSS:");
    let r = c.post(&upload_url()).multipart(form).send_blocking().expect("upload");
    let peak_growth = vm_kib("VmHWM:").saturating_sub(before);
    assert_eq!(r.status(), 200, "{}", r.text());
    let v: Value = r.json().expect("json");
    assert!(v["content_type"].as_str().unwrap().starts_with("multipart/form-data; boundary="), "{v}");
    assert_eq!(v["chunked"], false, "the length is known: Content-Length, not chunked");
    let parts = v["parts"].as_array().expect("parts");
    assert_eq!(parts.len(), 3, "{v}");
    assert_eq!((parts[0]["name"].as_str(), parts[0]["text"].as_str()), (Some("comment"), Some("two files")));
    assert_eq!(parts[0]["filename"], Value::Null);
    for (p, name, filename, ct) in [
        (&parts[1], "first", "a.bin", "application/octet-stream"),
        (&parts[2], "second", "renamed.dat", "application/x-test"),
    ] {
        assert_eq!(p["name"], name);
        assert_eq!(p["filename"], filename);
        assert_eq!(p["content_type"], ct);
        assert_eq!(p["length"], SIZE, "{p}");
        assert_eq!(p["pattern_ok"], true, "{name}: every byte arrived in order");
    }
    // 200 MiB went out; memory held chunks (the kit's server runs in this process too).
    assert!(peak_growth < 64 * 1024, "peak RSS grew {peak_growth} KiB for a 200 MiB upload");
    eprintln!("200 MiB multipart upload, peak RSS +{} MiB", peak_growth / 1024);
}

#[test]
fn files_streams_and_readers() {
    let c = client();
    let path = pattern_file("ten.bin", 10 * 1024 * 1024 + 3);
    let v: Value = c.put(&upload_url()).body_file(&path).send_blocking().expect("file").json().expect("json");
    assert_eq!((v["length"].as_u64(), v["pattern_ok"].as_bool()), (Some(10 * 1024 * 1024 + 3), Some(true)), "{v}");
    assert_eq!((v["chunked"].as_bool(), v["content_type"].as_str()), (Some(false), Some("application/octet-stream")));

    // A stream without a length goes chunked; with one, as Content-Length.
    let chunks: Vec<std::io::Result<Bytes>> = (0..100u64)
        .map(|i| Ok(Bytes::from((i * 1000..(i + 1) * 1000).map(|j| (j % 251) as u8).collect::<Vec<_>>())))
        .collect();
    for len in [None, Some(100_000)] {
        let stream = StreamOf(chunks.iter().map(|c| Ok(c.as_ref().expect("ok").clone())).collect());
        let v: Value =
            c.post(&upload_url()).body_stream(stream, len).send_blocking().expect("stream").json().expect("json");
        assert_eq!((v["length"].as_u64(), v["pattern_ok"].as_bool()), (Some(100_000), Some(true)), "{v}");
        assert_eq!(v["chunked"], len.is_none(), "{len:?}");
    }
    // A blocking reader, and one that fails midway (the request fails with its error).
    let reader = std::io::Cursor::new((0..300_000u32).map(|i| (i % 251) as u8).collect::<Vec<_>>());
    let v: Value =
        c.post(&upload_url()).body_reader(reader, None).send_blocking().expect("reader").json().expect("json");
    assert_eq!((v["length"].as_u64(), v["pattern_ok"].as_bool()), (Some(300_000), Some(true)), "{v}");
    let e = c.post(&upload_url()).body_reader(Failing(3), None).send_blocking().expect_err("a failing reader");
    assert_eq!(e.code(), Code::Io, "{e}");
    assert!(e.message().contains("the source broke"), "{e}");

    let e = c.post(&upload_url()).body_file(path.with_file_name("missing.bin")).send_blocking().expect_err("missing");
    assert_eq!(e.code(), Code::Io, "{e}");
    assert!(e.message().contains("missing.bin"), "{e}");
}

#[test]
fn a_307_resends_a_file_but_not_a_stream() {
    let c = client();
    let path = pattern_file("small.bin", 70_000);
    let r = c.post(&kit().good_url("/redirect/307-upload")).body_file(&path).send_blocking().expect("307 with a file");
    assert_eq!(r.redirects(), 1);
    let v: Value = r.json().expect("json");
    assert_eq!((v["length"].as_u64(), v["pattern_ok"].as_bool()), (Some(70_000), Some(true)), "{v}");
    let stream = StreamOf(vec![Ok(Bytes::from_static(b"once"))]);
    let e = c
        .post(&kit().good_url("/redirect/307-upload"))
        .body_stream(stream, Some(4))
        .send_blocking()
        .expect_err("a stream cannot be sent twice");
    assert_eq!(e.code(), Code::RedirectRefused, "{e}");
}

#[test]
fn read_timeout_counts_from_the_last_bytes_sent() {
    // 2.4 s of upload (8 chunks, 300 ms apart); the server answers at once after it. With
    // read_timeout 1 s and connect_timeout 0.5 s, a wait counted from the start would end at
    // 1.5 s; counted from the last bytes sent, the response arrives in time.
    let c = client_with(|o| {
        o.read_timeout = Some(Duration::from_secs(1));
        o.connect_timeout = Duration::from_millis(500);
    });
    let v: Value = c
        .post(&upload_url())
        .body_reader(Paced { chunks: 8, at: 0 }, None)
        .send_blocking()
        .expect("a slow but steady upload")
        .json()
        .expect("json");
    assert_eq!((v["length"].as_u64(), v["pattern_ok"].as_bool()), (Some(8000), Some(true)), "{v}");
}

/// A stream over a list of chunks.
struct StreamOf(Vec<std::io::Result<Bytes>>);

impl futures_core::Stream for StreamOf {
    type Item = std::io::Result<Bytes>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::task::Poll::Ready(if self.0.is_empty() { None } else { Some(self.0.remove(0)) })
    }
}

/// A reader that yields `n` chunks, then fails.
struct Failing(u32);

impl Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.0 == 0 {
            return Err(std::io::Error::other("the source broke"));
        }
        self.0 -= 1;
        let n = buf.len().min(1000);
        buf[..n].fill(b'x');
        Ok(n)
    }
}

/// 1,000 pattern bytes every 300 ms.
struct Paced {
    chunks: u32,
    at: u64,
}

impl Read for Paced {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.chunks == 0 {
            return Ok(0);
        }
        std::thread::sleep(Duration::from_millis(300));
        self.chunks -= 1;
        let n = buf.len().min(1000);
        for (k, b) in buf[..n].iter_mut().enumerate() {
            *b = ((self.at + k as u64) % 251) as u8;
        }
        self.at += n as u64;
        Ok(n)
    }
}

#[test]
fn bodies_by_option_name() {
    let c = client();
    let path = pattern_file("by-name.bin", 5000);
    let v: Value = c
        .post(&upload_url())
        .options_json(&serde_json::json!({"file": path.to_str().expect("utf-8 path")}))
        .send_blocking()
        .expect("file")
        .json()
        .expect("json");
    assert_eq!((v["length"].as_u64(), v["pattern_ok"].as_bool()), (Some(5000), Some(true)), "{v}");
    let form = serde_json::json!({"multipart": [
        {"name": "a", "value": "x"},
        {"name": "b", "value": "inline", "filename": "b.txt", "content_type": "text/plain"},
        {"name": "c", "file": path.to_str().expect("utf-8 path")},
    ]});
    let v: Value = c.post(&upload_url()).options_json(&form).send_blocking().expect("multipart").json().expect("json");
    let parts = v["parts"].as_array().expect("parts");
    assert_eq!(parts.len(), 3, "{v}");
    assert_eq!((parts[0]["text"].as_str(), parts[0]["filename"].as_str()), (Some("x"), None));
    assert_eq!((parts[1]["filename"].as_str(), parts[1]["content_type"].as_str()), (Some("b.txt"), Some("text/plain")));
    assert_eq!((parts[2]["filename"].as_str(), parts[2]["length"].as_u64()), (Some("by-name.bin"), Some(5000)));
    for (bad, needle) in [
        (serde_json::json!({"multipart": [{"name": "a"}]}), "exactly one of value and file"),
        (serde_json::json!({"multipart": [{"value": "v"}]}), "no name"),
        (serde_json::json!({"multipart": [{"name": "a", "value": "v", "size": 1}]}), "unknown key"),
        (serde_json::json!({"multipart": {}}), "multipart: expected a list"),
        (serde_json::json!({"file": "/x", "json": 1}), "only one of"),
        (serde_json::json!({"file": 5}), "file: expected a path"),
    ] {
        let e = c.post(&upload_url()).options_json(&bad).send_blocking().expect_err("bad");
        assert_eq!(e.code(), Code::InvalidArgument, "{bad}");
        assert!(e.message().contains(needle), "{bad}: {e}");
    }
}

#[test]
fn an_empty_post_or_put_says_content_length_0_and_a_get_sends_none() {
    let c = client();
    let echo = |m: tlsguard::Method, body: Option<&str>| -> Value {
        let mut r = c.request(m, &kit().good_url("/echo"));
        if let Some(b) = body {
            r = r.text(b);
        }
        r.send_blocking().expect("echo").json().expect("json")
    };
    for (m, body) in [(tlsguard::Method::Post, None), (tlsguard::Method::Post, Some("")), (tlsguard::Method::Put, None)]
    {
        let v = echo(m, body);
        assert_eq!(v["headers"]["content-length"], serde_json::json!(["0"]), "{m:?} {body:?}: {v}");
    }
    let v = echo(tlsguard::Method::Get, None);
    assert!(v["headers"].get("content-length").is_none(), "{v}");
    let v = echo(tlsguard::Method::Post, Some("abc"));
    assert_eq!(v["headers"]["content-length"], serde_json::json!(["3"]), "{v}");
}
