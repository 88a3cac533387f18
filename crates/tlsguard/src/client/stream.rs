//! Streamed responses: [`StreamedResponse`] (a head whose body has not been read) and its
//! [`BodyStream`], read chunk by chunk (`chunk().await`, a `futures_core::Stream` of `Bytes`, or
//! a blocking [`std::io::Read`] through [`BodyReader`]).
//!
//! The body is decoded as it arrives (gzip, deflate, br, zstd; async-compression's decoders, each
//! poll producing at most one read buffer of output, so a bomb cannot allocate more than its
//! reader takes), unless the request asked for `decompress: false`. Limits apply as bytes
//! arrive: the stream's own cap (none unless the request sets `max_response_bytes`), the read
//! timeout (the longest wait for the next bytes), and the whole-request timeout only when the
//! request asked it to cover the body.
//!
//! The connection goes back to the pool when the body has been read to its end; a stream
//! dropped before that closes its connection (hyper does not reuse a connection whose response
//! was not read), so a half-read body never leaks into the next request.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use hyper::body::{Body as _, Incoming};
use tokio::io::{AsyncBufRead, AsyncRead};
use tokio::time::Sleep;

use super::body::{Encoding, IdleTimer, looks_like_zlib, read_timed_out};
use super::connect::TlsFailure;
use super::errors;
use super::response::ResponseHead;
use crate::error::{Code, Error, Result};
use crate::net::secs;
use crate::tls::TlsContext;

/// A response whose body has not been read yet: its [`ResponseHead`] (through `Deref`) and a
/// [`BodyStream`].
pub struct StreamedResponse {
    pub(super) head: ResponseHead,
    pub(super) body: BodyStream,
}

impl std::fmt::Debug for StreamedResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamedResponse")
            .field("status", &self.head.status)
            .field("url", &self.head.url)
            .field("received", &self.body.received)
            .finish_non_exhaustive()
    }
}

impl std::ops::Deref for StreamedResponse {
    type Target = ResponseHead;
    fn deref(&self) -> &ResponseHead {
        &self.head
    }
}

impl StreamedResponse {
    /// The body, to read chunk by chunk.
    pub fn body_mut(&mut self) -> &mut BodyStream {
        &mut self.body
    }

    /// The head and the body stream, consuming the response.
    pub fn into_parts(self) -> (ResponseHead, BodyStream) {
        (self.head, self.body)
    }

    /// The next chunk of the (decoded) body; `None` at its end. See [`BodyStream::chunk`].
    pub async fn chunk(&mut self) -> Result<Option<Bytes>> {
        self.body.chunk().await
    }

    /// Reads the rest of the body into memory under the client's `max_response_bytes` (or the
    /// request's), like a buffered request would have.
    pub async fn bytes(mut self) -> Result<Bytes> {
        self.body.collect().await
    }

    /// A blocking [`std::io::Read`] over the body, for plain threads (not inside an async
    /// runtime: there, read with [`BodyStream::chunk`]).
    pub fn into_reader(self) -> BodyReader {
        BodyReader { stream: self.body, pending: Bytes::new() }
    }
}

/// What an error of the body's connection needs to be explained like a request's.
pub(super) struct ErrCtx {
    pub(super) tls: Arc<TlsContext>,
    pub(super) failure: Option<TlsFailure>,
    pub(super) host: String,
}

impl ErrCtx {
    fn classify(&self, e: &hyper::Error) -> Error {
        errors::classify(e, self.failure.as_ref(), &self.tls, &self.host)
    }
}

/// The body of a [`StreamedResponse`]. Implements `futures_core::Stream<Item = Result<Bytes>>`.
pub struct BodyStream {
    source: Source,
    received: u64,
    /// The cap and the option that set it.
    cap: Option<u64>,
    /// The buffered-read cap of [`BodyStream::collect`].
    collect_cap: u64,
    /// The read timeout's timer, and whether a wait for the next chunk is under way.
    idle: Option<IdleTimer>,
    waiting: bool,
    /// The whole-request deadline, when it covers the body, and the timeout it came from.
    deadline: Option<(Pin<Box<Sleep>>, Duration)>,
    handle: tokio::runtime::Handle,
    url: String,
    done: bool,
}

enum Source {
    /// Bytes as the server sent them (no `Content-Encoding`, or `decompress: false`).
    Raw(Incoming, ErrCtx),
    /// Waiting for the first bytes before choosing the decoders (an empty body stays empty,
    /// and `deflate` is told from zlib by its first two bytes).
    Undecided(Option<Reader>, Vec<Encoding>),
    /// Decoded through `chain`.
    Decoded(Pin<Box<dyn AsyncRead + Send + Sync>>, BytesMut, String),
    /// Nothing (HEAD, 204, 304).
    Empty,
}

type Reader = tokio_util::io::StreamReader<IncomingData, Bytes>;

/// The data frames of a body as `io::Result<Bytes>`, its errors explained (our [`Error`] inside
/// an `io::Error`, found again by [`from_io`]).
pub(super) struct IncomingData(Incoming, ErrCtx);

impl futures_core::Stream for IncomingData {
    type Item = io::Result<Bytes>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<io::Result<Bytes>>> {
        loop {
            match ready!(Pin::new(&mut self.0).poll_frame(cx)) {
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) if !data.is_empty() => return Poll::Ready(Some(Ok(data))),
                    _ => continue, // empty data, trailers
                },
                Some(Err(e)) => return Poll::Ready(Some(Err(io::Error::other(self.1.classify(&e))))),
                None => return Poll::Ready(None),
            }
        }
    }
}

/// Chunks of decoded output are read in pieces of this size.
const DECODE_CHUNK: usize = 64 * 1024;

/// The settings of a [`BodyStream`] chosen by the request.
pub(super) struct StreamLimits {
    pub(super) cap: Option<u64>,
    pub(super) collect_cap: u64,
    pub(super) read_timeout: Option<Duration>,
    /// The whole-request deadline and its timeout, when the request asked it to cover the body.
    pub(super) deadline: Option<(tokio::time::Instant, Duration)>,
}

impl BodyStream {
    /// A stream over `body`, decoded through `encodings` (applied in that order by the server;
    /// empty: passed through).
    pub(super) fn new(
        body: Option<(Incoming, ErrCtx)>,
        encodings: Vec<Encoding>,
        limits: StreamLimits,
        handle: tokio::runtime::Handle,
        url: String,
    ) -> BodyStream {
        let source = match body {
            None => Source::Empty,
            Some((incoming, ctx)) if encodings.is_empty() => Source::Raw(incoming, ctx),
            Some((incoming, ctx)) => {
                Source::Undecided(Some(tokio_util::io::StreamReader::new(IncomingData(incoming, ctx))), encodings)
            }
        };
        let (deadline, idle) = {
            let _in = handle.enter();
            (
                limits.deadline.map(|(at, t)| (Box::pin(tokio::time::sleep_until(at)), t)),
                limits.read_timeout.map(IdleTimer::new),
            )
        };
        BodyStream {
            source,
            received: 0,
            cap: limits.cap,
            collect_cap: limits.collect_cap,
            idle,
            waiting: false,
            deadline,
            handle,
            url,
            done: false,
        }
    }

    /// Bytes of (decoded) body delivered so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// The next chunk of the body; `Ok(None)` at its end. Errors: `TIMEOUT` naming
    /// `read_timeout` (no bytes for that long) or `timeout` (when it covers the body),
    /// `RESPONSE_TOO_LARGE` past the cap, `HTTP_PROTOCOL` for a broken body or encoding, the
    /// TLS codes for a TLS failure. After an error or the end, it returns `Ok(None)`.
    /// Cancel-safe: dropping the future loses no data.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>> {
        std::future::poll_fn(|cx| self.poll_chunk(cx)).await.transpose()
    }

    /// The next chunk if one is ready now, without waiting: `Some` with what
    /// [`BodyStream::chunk`] would return, `None` when it would have to wait. For callers that
    /// gather what has arrived into fewer, larger pieces (one wake-up instead of many).
    /// A try does not start the read timeout's clock: the caller may pause before it waits.
    pub fn try_chunk(&mut self) -> Option<Result<Option<Bytes>>> {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let was_waiting = self.waiting;
        match self.poll_chunk(&mut cx) {
            Poll::Ready(r) => Some(r.transpose()),
            Poll::Pending => {
                self.waiting = was_waiting;
                None
            }
        }
    }

    /// [`BodyStream::chunk`] for plain threads: blocks on tlsguard's runtime (inside an async
    /// runtime it returns `INVALID_ARGUMENT`).
    pub fn chunk_blocking(&mut self) -> Result<Option<Bytes>> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::invalid(
                "a blocking read of a streamed body was called inside an async runtime, where it would block the runtime; use chunk().await",
            ));
        }
        let handle = self.handle.clone();
        handle.block_on(self.chunk())
    }

    /// The rest of the body, in memory, under `max_response_bytes`.
    pub(super) async fn collect(&mut self) -> Result<Bytes> {
        let cap = self.collect_cap;
        let mut out = BytesMut::new();
        while let Some(chunk) = self.chunk().await? {
            if (out.len() as u64).saturating_add(chunk.len() as u64) > cap {
                self.done = true;
                return Err(Error::new(
                    Code::ResponseTooLarge,
                    format!("response body exceeds max_response_bytes ({cap} bytes)"),
                )
                .with_url(self.url.as_str()));
            }
            if out.is_empty() {
                out = BytesMut::from(chunk);
            } else {
                out.extend_from_slice(&chunk);
            }
        }
        Ok(out.freeze())
    }

    fn fail(&mut self, e: Error) -> Poll<Option<Result<Bytes>>> {
        self.done = true;
        self.source = Source::Empty; // closes the connection now
        Poll::Ready(Some(Err(e.with_url(self.url.as_str()))))
    }

    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes>>> {
        if self.done {
            return Poll::Ready(None);
        }
        // Timers belong to tlsguard's runtime, whatever executor polls this.
        let handle = self.handle.clone();
        let _in = handle.enter();
        if let Some((sleep, timeout)) = &mut self.deadline
            && sleep.as_mut().poll(cx).is_ready()
        {
            let t = *timeout;
            return self.fail(Error::new(
                Code::Timeout,
                format!("reading the response body timed out after {} (timeout)", secs(t)),
            ));
        }
        // The read timeout measures the server's silence while a chunk is awaited, not the
        // caller's pauses between chunks.
        if !self.waiting {
            self.waiting = true;
            if let Some(idle) = &mut self.idle {
                idle.touch();
            }
        }
        match self.poll_source(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                self.waiting = false;
                self.received = self.received.saturating_add(chunk.len() as u64);
                if let Some(cap) = self.cap
                    && self.received > cap
                {
                    // Named as a buffered body's is: a bomb says which coding inflated it.
                    let after = match &self.source {
                        Source::Decoded(_, _, names) => format!(" after decompression ({names})"),
                        _ => String::new(),
                    };
                    return self.fail(Error::new(
                        Code::ResponseTooLarge,
                        format!("response body exceeds max_response_bytes ({cap} bytes){after}"),
                    ));
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => self.fail(e),
            Poll::Ready(None) => {
                self.done = true;
                self.source = Source::Empty;
                Poll::Ready(None)
            }
            Poll::Pending => {
                if let Some(idle) = &mut self.idle
                    && idle.poll_expired(cx).is_ready()
                {
                    let t = idle.t;
                    return self.fail(read_timed_out(t));
                }
                Poll::Pending
            }
        }
    }

    fn poll_source(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes>>> {
        loop {
            match &mut self.source {
                Source::Empty => return Poll::Ready(None),
                Source::Raw(body, ctx) => loop {
                    match ready!(Pin::new(&mut *body).poll_frame(cx)) {
                        Some(Ok(frame)) => match frame.into_data() {
                            Ok(data) if !data.is_empty() => return Poll::Ready(Some(Ok(data))),
                            _ => continue,
                        },
                        Some(Err(e)) => return Poll::Ready(Some(Err(ctx.classify(&e)))),
                        None => return Poll::Ready(None),
                    }
                },
                Source::Undecided(reader, encodings) => {
                    let r = reader.as_mut().expect("an undecided source holds its reader");
                    let first = match ready!(Pin::new(&mut *r).poll_fill_buf(cx)) {
                        Ok(b) => b,
                        Err(e) => return Poll::Ready(Some(Err(from_io(e, "")))),
                    };
                    if first.is_empty() {
                        self.source = Source::Empty;
                        return Poll::Ready(None);
                    }
                    let zlib = looks_like_zlib(first) || (first.len() == 1 && first[0] & 0x0f == 8);
                    let names = encodings.iter().map(|e| e.name()).collect::<Vec<_>>().join(", ");
                    let chain = decoders(reader.take().expect("taken once"), encodings, zlib);
                    self.source = Source::Decoded(chain, BytesMut::new(), names);
                }
                Source::Decoded(reader, buf, names) => {
                    if buf.capacity() < DECODE_CHUNK {
                        *buf = BytesMut::with_capacity(DECODE_CHUNK);
                    }
                    let n = match ready!(tokio_util::io::poll_read_buf(reader.as_mut(), cx, buf)) {
                        Ok(n) => n,
                        Err(e) => return Poll::Ready(Some(Err(from_io(e, names)))),
                    };
                    if n == 0 {
                        return Poll::Ready(None);
                    }
                    return Poll::Ready(Some(Ok(buf.split().freeze())));
                }
            }
        }
    }
}

// Streams are handed across threads and kept in host objects (PyO3 classes must be Sync).
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<BodyStream>();
    send_sync::<StreamedResponse>();
};

impl futures_core::Stream for BodyStream {
    type Item = Result<Bytes>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes>>> {
        self.get_mut().poll_chunk(cx)
    }
}

/// Our error carried through an `io::Error`, or a decoding failure of the `names` codings.
fn from_io(e: io::Error, names: &str) -> Error {
    if let Some(ours) = e.get_ref().and_then(|i| i.downcast_ref::<Error>()) {
        return ours.clone();
    }
    Error::new(Code::HttpProtocol, format!("cannot decode the {names} response body: {e}"))
}

/// The decoders for `encodings` (in the order the server applied them) over `reader`;
/// `zlib`: the body starts with a zlib header (for a first `deflate`).
fn decoders(reader: Reader, encodings: &[Encoding], zlib: bool) -> Pin<Box<dyn AsyncRead + Send + Sync>> {
    use async_compression::tokio::bufread as dec;
    let mut input: Box<dyn AsyncBufRead + Send + Sync + Unpin> = Box::new(reader);
    let last = encodings.len() - 1;
    for (i, enc) in encodings.iter().rev().enumerate() {
        let out: Box<dyn AsyncRead + Send + Sync + Unpin> = match enc {
            Encoding::Gzip => {
                let mut d = dec::GzipDecoder::new(input);
                d.multiple_members(true);
                Box::new(d)
            }
            // Only the outermost layer can be peeked at; an inner deflate is taken as zlib.
            Encoding::Deflate if i == 0 && !zlib => Box::new(dec::DeflateDecoder::new(input)),
            Encoding::Deflate => Box::new(dec::ZlibDecoder::new(input)),
            Encoding::Brotli => Box::new(dec::BrotliDecoder::new(input)),
            Encoding::Zstd => {
                let mut d = dec::ZstdDecoder::new(input);
                d.multiple_members(true);
                Box::new(d)
            }
        };
        if i == last {
            return Box::pin(out);
        }
        input = Box::new(tokio::io::BufReader::with_capacity(DECODE_CHUNK, out));
    }
    unreachable!("encodings is not empty")
}

/// A blocking [`std::io::Read`] over a streamed body (see [`StreamedResponse::into_reader`]).
/// Its errors are `io::Error`s carrying the tlsguard [`Error`] (`get_ref()` downcasts to it).
pub struct BodyReader {
    stream: BodyStream,
    pending: Bytes,
}

impl BodyReader {
    /// The stream underneath.
    pub fn into_inner(self) -> BodyStream {
        self.stream
    }
}

impl io::Read for BodyReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        while self.pending.is_empty() {
            match self.stream.chunk_blocking() {
                Ok(Some(b)) => self.pending = b,
                Ok(None) => return Ok(0),
                Err(e) => {
                    let kind = if e.code() == Code::Timeout { io::ErrorKind::TimedOut } else { io::ErrorKind::Other };
                    return Err(io::Error::new(kind, e));
                }
            }
        }
        let n = out.len().min(self.pending.len());
        out[..n].copy_from_slice(&self.pending.split_to(n));
        Ok(n)
    }
}
