//! Request bodies beyond bytes in memory: a file sent with its length, a stream (async, or a
//! blocking reader; chunked when its length is unknown), and `multipart/form-data` whose files
//! are streamed from disk. Whatever the source, hyper pulls the body as the connection can send
//! it, so memory holds a few 64 KiB chunks, not the body.
//!
//! Every frame handed to hyper marks progress ([`Progress`]), so the wait for the response
//! headers (the read timeout) counts from the last bytes of the request sent, not from its start.

use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::body::{Frame, SizeHint};

use crate::error::{Code, Error, Result};

/// A stream of body chunks.
pub type ByteStream = Pin<Box<dyn futures_core::Stream<Item = io::Result<Bytes>> + Send>>;

/// Chunks read from files and readers.
const CHUNK: usize = 64 * 1024;

/// In-memory bodies larger than this are handed to hyper in slices of this size (no copy), so
/// that sending them marks progress.
const SLICE: usize = 1024 * 1024;

/// What a request sends.
pub(super) enum Payload {
    Bytes(Bytes),
    /// A file, sent with the length it has when the request is sent.
    File(PathBuf),
    Multipart(Multipart),
    /// A one-shot stream (cannot be sent twice: a 307/308 redirect that must resend it fails).
    Stream(Arc<Mutex<Option<ByteStream>>>, Option<u64>),
}

impl Payload {
    /// Whether it is an empty body held in memory (what a request without a body has).
    pub(super) fn is_empty(&self) -> bool {
        matches!(self, Self::Bytes(b) if b.is_empty())
    }
}

impl Clone for Payload {
    fn clone(&self) -> Self {
        match self {
            Self::Bytes(b) => Self::Bytes(b.clone()),
            Self::File(p) => Self::File(p.clone()),
            Self::Multipart(m) => Self::Multipart(m.clone()),
            Self::Stream(s, len) => Self::Stream(s.clone(), *len),
        }
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Self::File(p) => write!(f, "File({})", p.display()),
            Self::Multipart(m) => write!(f, "Multipart({} parts)", m.parts.len()),
            Self::Stream(_, len) => write!(f, "Stream({len:?})"),
        }
    }
}

impl Payload {
    pub(super) fn empty() -> Self {
        Self::Bytes(Bytes::new())
    }

    /// A stream from a blocking reader, read on tokio's blocking pool as hyper asks for more.
    pub(super) fn reader(reader: impl Read + Send + 'static, len: Option<u64>) -> Self {
        let stream: ByteStream = Box::pin(ReaderStream { reader: Some(Box::new(reader)), rx: None });
        Self::Stream(Arc::new(Mutex::new(Some(stream))), len)
    }

    pub(super) fn stream(stream: ByteStream, len: Option<u64>) -> Self {
        Self::Stream(Arc::new(Mutex::new(Some(stream))), len)
    }

    /// Whether the body can be sent again (a retry, a 307/308 redirect): all but a stream.
    pub(super) fn can_resend(&self) -> bool {
        !matches!(self, Self::Stream(..))
    }

    /// The body to hand to hyper for one attempt. Files are opened (and measured) here:
    /// `IO` for one that cannot be read.
    pub(super) fn to_body(&self, progress: &Arc<Progress>) -> Result<UploadBody> {
        let progress = Some(progress.clone());
        Ok(match self {
            Self::Bytes(b) => UploadBody { inner: Inner::Full(b.clone()), progress },
            Self::File(path) => {
                let (file, len) = open(path)?;
                let stream = Box::pin(FileStream::new(file, len, path.clone()));
                UploadBody { inner: Inner::Stream(stream, Some(len)), progress }
            }
            Self::Multipart(m) => {
                let (segments, len) = m.segments()?;
                UploadBody { inner: Inner::Stream(Box::pin(Segments::new(segments)), Some(len)), progress }
            }
            Self::Stream(slot, len) => {
                let stream = slot.lock().unwrap_or_else(|p| p.into_inner()).take().ok_or_else(|| {
                    Error::new(
                        Code::RedirectRefused,
                        "the redirect would send the streamed request body again, and a stream can be sent only once",
                    )
                })?;
                UploadBody { inner: Inner::Stream(stream, *len), progress }
            }
        })
    }
}

/// Opens `path` for sending: the file and its length.
fn open(path: &Path) -> Result<(std::fs::File, u64)> {
    let file = std::fs::File::open(path).map_err(|e| read_error(path, &e))?;
    let meta = file.metadata().map_err(|e| read_error(path, &e))?;
    if meta.is_dir() {
        return Err(Error::new(Code::Io, format!("request body: {} is a directory, not a file", path.display())));
    }
    Ok((file, meta.len()))
}

fn read_error(path: &Path, e: &io::Error) -> Error {
    Error::new(Code::Io, format!("request body: cannot read {}: {}", path.display(), crate::net::io_message(e)))
}

/// When the request last handed bytes to the connection (milliseconds after `start`), and
/// whether a connection is being made for it (the head's read timeout then waits for the
/// connect allowance first; on a pooled connection it counts from the request's bytes).
pub(super) struct Progress {
    start: Instant,
    last_ms: AtomicU64,
    /// Connects started for this request and not yet finished.
    connecting: AtomicU64,
}

impl Progress {
    pub(super) fn new() -> Arc<Progress> {
        Arc::new(Progress { start: Instant::now(), last_ms: AtomicU64::new(0), connecting: AtomicU64::new(0) })
    }

    fn mark(&self) {
        let ms = self.start.elapsed().as_millis() as u64;
        self.last_ms.fetch_max(ms, Ordering::Relaxed);
    }

    /// The last progress (the start, before any).
    pub(super) fn last(&self) -> Instant {
        self.start + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }

    /// Whether a connection is being made for this request now.
    pub(super) fn connecting(&self) -> bool {
        self.connecting.load(Ordering::Relaxed) > 0
    }

    /// The progress of the request whose future is being polled on this thread (see
    /// [`Progress::polling`]), for the connector: `Some` while a request with a read timeout
    /// waits for its head.
    pub(super) fn current() -> Option<Arc<Progress>> {
        CURRENT.with(|c| c.borrow().clone())
    }

    /// Notes a connect started for this request; the guard notes its end (a connection made
    /// is progress: the request's bytes follow at once).
    pub(super) fn connect_started(self: &Arc<Self>) -> ConnectGuard {
        self.connecting.fetch_add(1, Ordering::Relaxed);
        ConnectGuard(self.clone())
    }

    /// `fut` polled with this progress as the thread's current one.
    pub(super) fn polling<F: std::future::Future>(self: &Arc<Self>, fut: F) -> Polling<F> {
        Polling { fut: Box::pin(fut), progress: self.clone() }
    }
}

thread_local! {
    static CURRENT: std::cell::RefCell<Option<Arc<Progress>>> = const { std::cell::RefCell::new(None) };
}

/// Ends a connect noted by [`Progress::connect_started`] when dropped (made, failed or
/// cancelled).
pub(super) struct ConnectGuard(Arc<Progress>);

impl Drop for ConnectGuard {
    fn drop(&mut self) {
        self.0.mark();
        self.0.connecting.fetch_sub(1, Ordering::Relaxed);
    }
}

/// See [`Progress::polling`].
pub(super) struct Polling<F> {
    fut: Pin<Box<F>>,
    progress: Arc<Progress>,
}

impl<F: std::future::Future> std::future::Future for Polling<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let previous = CURRENT.with(|c| c.replace(Some(self.progress.clone())));
        let r = self.fut.as_mut().poll(cx);
        CURRENT.with(|c| *c.borrow_mut() = previous);
        r
    }
}

/// The body type of tlsguard's hyper pool.
pub(super) struct UploadBody {
    inner: Inner,
    progress: Option<Arc<Progress>>,
}

enum Inner {
    Full(Bytes),
    Stream(ByteStream, Option<u64>),
}

impl hyper::body::Body for UploadBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<io::Result<Frame<Bytes>>>> {
        let this = &mut *self;
        let frame = match &mut this.inner {
            Inner::Full(b) if b.is_empty() => return Poll::Ready(None),
            Inner::Full(b) => {
                let n = b.len().min(SLICE);
                Some(Ok(Frame::data(b.split_to(n))))
            }
            Inner::Stream(s, _) => ready!(s.as_mut().poll_next(cx)).map(|r| r.map(Frame::data).map_err(source_failed)),
        };
        if let (Some(Ok(_)), Some(p)) = (&frame, &this.progress) {
            p.mark();
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        matches!(&self.inner, Inner::Full(b) if b.is_empty())
    }

    fn size_hint(&self) -> SizeHint {
        match &self.inner {
            Inner::Full(b) => SizeHint::with_exact(b.len() as u64),
            Inner::Stream(_, Some(len)) => SizeHint::with_exact(*len),
            Inner::Stream(_, None) => SizeHint::default(),
        }
    }
}

/// An error of the caller's stream or reader, as an `IO` error of ours (one of ours, a file's,
/// passes as it is).
fn source_failed(e: io::Error) -> io::Error {
    if e.get_ref().is_some_and(|i| i.is::<Error>()) {
        return e;
    }
    io::Error::other(Error::new(
        Code::Io,
        format!("request body: the stream or reader failed: {}", crate::net::io_message(&e)),
    ))
}

/// A file's first `len` bytes, read on the blocking pool. A file that turns out shorter than
/// it was when measured fails the request (its Content-Length would be a lie).
struct FileStream {
    inner: tokio_util::io::ReaderStream<tokio::io::Take<tokio::fs::File>>,
    left: u64,
    path: PathBuf,
}

impl FileStream {
    fn new(file: std::fs::File, len: u64, path: PathBuf) -> FileStream {
        use tokio::io::AsyncReadExt as _;
        let file = tokio::fs::File::from_std(file).take(len);
        FileStream { inner: tokio_util::io::ReaderStream::with_capacity(file, CHUNK), left: len, path }
    }
}

impl futures_core::Stream for FileStream {
    type Item = io::Result<Bytes>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<io::Result<Bytes>>> {
        match ready!(Pin::new(&mut self.inner).poll_next(cx)) {
            Some(Ok(b)) => {
                self.left = self.left.saturating_sub(b.len() as u64);
                Poll::Ready(Some(Ok(b)))
            }
            Some(Err(e)) => Poll::Ready(Some(Err(io::Error::other(read_error(&self.path, &e))))),
            None if self.left > 0 => {
                let e = Error::new(
                    Code::Io,
                    format!(
                        "request body: {} became {} bytes shorter while it was being sent",
                        self.path.display(),
                        self.left
                    ),
                );
                self.left = 0;
                Poll::Ready(Some(Err(io::Error::other(e))))
            }
            None => Poll::Ready(None),
        }
    }
}

/// A blocking reader's chunks, read on tokio's blocking pool.
struct ReaderStream {
    reader: Option<Box<dyn Read + Send>>,
    rx: Option<tokio::sync::mpsc::Receiver<io::Result<Bytes>>>,
}

impl futures_core::Stream for ReaderStream {
    type Item = io::Result<Bytes>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<io::Result<Bytes>>> {
        if let Some(mut reader) = self.reader.take() {
            let (tx, rx) = tokio::sync::mpsc::channel(4);
            tokio::task::spawn_blocking(move || {
                loop {
                    let mut buf = vec![0u8; CHUNK];
                    let item = match reader.read(&mut buf) {
                        Ok(0) => return,
                        Ok(n) => {
                            buf.truncate(n);
                            Ok(Bytes::from(buf))
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => Err(e),
                    };
                    let failed = item.is_err();
                    if tx.blocking_send(item).is_err() || failed {
                        return; // the request is gone, or the reader failed
                    }
                }
            });
            self.rx = Some(rx);
        }
        match &mut self.rx {
            Some(rx) => rx.poll_recv(cx),
            None => Poll::Ready(None),
        }
    }
}

/// A `multipart/form-data` body (RFC 7578): text fields, and files sent from disk or memory,
/// each with a file name and a content type. Built with [`Multipart::new`] and its adders.
#[derive(Clone, Debug)]
pub struct Multipart {
    boundary: String,
    parts: Vec<Part>,
}

#[derive(Clone, Debug)]
struct Part {
    name: String,
    filename: Option<String>,
    content_type: Option<String>,
    data: PartData,
}

#[derive(Clone, Debug)]
enum PartData {
    Bytes(Bytes),
    File(PathBuf),
}

impl Default for Multipart {
    fn default() -> Self {
        Self::new()
    }
}

impl Multipart {
    /// An empty form with a random boundary.
    pub fn new() -> Multipart {
        let mut random = [0u8; 16];
        // The boundary needs to be unpredictable only to not collide with the content.
        let filled = rustls::crypto::aws_lc_rs::default_provider().secure_random.fill(&mut random).is_ok();
        if !filled {
            let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            random[..16].copy_from_slice(&t.as_nanos().to_le_bytes());
        }
        let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
        Multipart { boundary: format!("tlsguard-{hex}"), parts: Vec::new() }
    }

    /// The boundary (for a caller that builds the `Content-Type` itself).
    pub fn boundary(&self) -> &str {
        &self.boundary
    }

    /// The `Content-Type` header value: `multipart/form-data; boundary=...`.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// Adds a text field.
    pub fn text(mut self, name: impl Into<String>, value: impl Into<String>) -> Multipart {
        self.parts.push(Part {
            name: name.into(),
            filename: None,
            content_type: None,
            data: PartData::Bytes(Bytes::from(value.into())),
        });
        self
    }

    /// Adds a part from memory; with a `filename` it is a file upload (content type default
    /// `application/octet-stream`).
    pub fn bytes(
        mut self,
        name: impl Into<String>,
        data: impl Into<Bytes>,
        filename: Option<&str>,
        content_type: Option<&str>,
    ) -> Multipart {
        self.parts.push(Part {
            name: name.into(),
            filename: filename.map(str::to_owned),
            content_type: content_type.map(str::to_owned).or_else(|| filename.map(|_| OCTET.to_owned())),
            data: PartData::Bytes(data.into()),
        });
        self
    }

    /// Adds a file read from `path` as the request is sent (never held in memory whole); the
    /// file name defaults to the path's last component, the content type to
    /// `application/octet-stream`.
    pub fn file(
        mut self,
        name: impl Into<String>,
        path: impl Into<PathBuf>,
        filename: Option<&str>,
        content_type: Option<&str>,
    ) -> Multipart {
        let path = path.into();
        let filename = filename
            .map(str::to_owned)
            .or_else(|| path.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "file".to_owned());
        self.parts.push(Part {
            name: name.into(),
            filename: Some(filename),
            content_type: Some(content_type.unwrap_or(OCTET).to_owned()),
            data: PartData::File(path),
        });
        self
    }

    /// The body as segments (files opened and measured now) and its total length. Names,
    /// file names and content types with CR, LF or NUL are refused (`INVALID_ARGUMENT`).
    fn segments(&self) -> Result<(Vec<Segment>, u64)> {
        let mut out = Vec::new();
        let mut len = 0u64;
        for part in &self.parts {
            let mut head =
                format!("--{}\r\nContent-Disposition: form-data; name=\"{}\"", self.boundary, quote(&part.name)?);
            if let Some(f) = &part.filename {
                head.push_str(&format!("; filename=\"{}\"", quote(f)?));
            }
            head.push_str("\r\n");
            if let Some(ct) = &part.content_type {
                if ct.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
                    return Err(Error::invalid(format!(
                        "multipart: the content type of part {:?} has a line break",
                        part.name
                    )));
                }
                head.push_str(&format!("Content-Type: {ct}\r\n"));
            }
            head.push_str("\r\n");
            len += head.len() as u64 + 2;
            out.push(Segment::Bytes(Bytes::from(head)));
            match &part.data {
                PartData::Bytes(b) => {
                    len += b.len() as u64;
                    out.push(Segment::Bytes(b.clone()));
                }
                PartData::File(path) => {
                    let (file, flen) = open(path)?;
                    len += flen;
                    out.push(Segment::File(file, flen, path.clone()));
                }
            }
            out.push(Segment::Bytes(Bytes::from_static(b"\r\n")));
        }
        let tail = format!("--{}--\r\n", self.boundary);
        len += tail.len() as u64;
        out.push(Segment::Bytes(Bytes::from(tail)));
        Ok((out, len))
    }
}

const OCTET: &str = "application/octet-stream";

/// A name or file name inside `"..."` (the HTML standard's escaping: `"` → `%22`, CR → `%0D`,
/// LF → `%0A`); NUL is refused.
fn quote(s: &str) -> Result<String> {
    if s.contains('\0') {
        return Err(Error::invalid(format!("multipart: {s:?} contains a NUL character")));
    }
    Ok(s.replace('"', "%22").replace('\r', "%0D").replace('\n', "%0A"))
}

#[derive(Debug)]
enum Segment {
    Bytes(Bytes),
    File(std::fs::File, u64, PathBuf),
}

/// The segments of a multipart body, one after the other.
struct Segments {
    left: std::collections::VecDeque<Segment>,
    file: Option<FileStream>,
}

impl Segments {
    fn new(segments: Vec<Segment>) -> Segments {
        Segments { left: segments.into(), file: None }
    }
}

impl futures_core::Stream for Segments {
    type Item = io::Result<Bytes>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<io::Result<Bytes>>> {
        loop {
            if let Some(f) = &mut self.file {
                match ready!(Pin::new(f).poll_next(cx)) {
                    Some(item) => return Poll::Ready(Some(item)),
                    None => self.file = None,
                }
            }
            match self.left.pop_front() {
                None => return Poll::Ready(None),
                Some(Segment::Bytes(b)) if b.is_empty() => continue,
                Some(Segment::Bytes(b)) => return Poll::Ready(Some(Ok(b))),
                Some(Segment::File(file, len, path)) => self.file = Some(FileStream::new(file, len, path)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_core::Stream as _;

    use super::*;

    fn collect(m: &Multipart) -> (Vec<u8>, u64) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
        let (segments, len) = m.segments().expect("segments");
        let mut s = Segments::new(segments);
        let out = rt.block_on(async {
            let mut out = Vec::new();
            while let Some(b) = std::future::poll_fn(|cx| Pin::new(&mut s).poll_next(cx)).await {
                out.extend_from_slice(&b.expect("chunk"));
            }
            out
        });
        (out, len)
    }

    #[test]
    fn multipart_layout_and_length() {
        let dir = std::env::temp_dir().join(format!("tlsguard-multipart-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("a \"b\".txt");
        std::fs::write(&path, b"file body").expect("write");
        let m = Multipart::new().text("field", "value").file("up", &path, None, Some("text/plain"));
        let b = m.boundary().to_owned();
        let (body, len) = collect(&m);
        assert_eq!(body.len() as u64, len, "the announced length is the sent length");
        let expected = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"field\"\r\n\r\nvalue\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"up\"; filename=\"a %22b%22.txt\"\r\nContent-Type: text/plain\r\n\r\nfile body\r\n\
             --{b}--\r\n"
        );
        assert_eq!(String::from_utf8(body).expect("utf8"), expected);
        assert_ne!(Multipart::new().boundary(), b, "boundaries are random");
        let e = Multipart::new().file("x", dir.join("missing"), None, None).segments().expect_err("missing file");
        assert_eq!(e.code(), Code::Io);
        let e = Multipart::new().text("a\0", "v").segments().expect_err("NUL");
        assert_eq!(e.code(), Code::InvalidArgument);
        std::fs::remove_dir_all(&dir).ok();
    }
}
