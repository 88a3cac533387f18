//! `tlsguard::client`: the `Client`, one request, and the response.
//!
//! Every request goes through the core's completion API: `Request::spawn` (buffered) or
//! `Request::spawn_streaming` (the head and a `BodyPump`) runs it on tlsguard's runtime and calls
//! back there; the callback hands the outcome to [`crate::hub`], which passes results to the JS
//! thread in batches. The facade asks for a streamed body one chunk at a time
//! (`NativeBody::pull`), each chunk coming back through the hub. An `AbortSignal` calls the
//! core's `AbortHandle` (through [`NativeAbort`]); the callback then gets `None`, which the
//! facade sees as `Failure::Aborted`.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::errors::Failure;
use crate::hub::{Completions, Done, Hub, Outcome};
use crate::trust::{TrustReportObject, trust_report_object};
use crate::{convert, guard};

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One part of a `multipart/form-data` body (a `FormData` entry): a text `value`, or `data`
/// (a `File`/`Blob`'s bytes) with its `filename` and `contentType`.
#[napi(object)]
pub struct MultipartPart {
    pub name: String,
    pub value: Option<String>,
    pub data: Option<Buffer>,
    pub filename: Option<String>,
    pub content_type: Option<String>,
}

/// A request body the facade hands over natively (text and forms go by name in the options).
enum Body {
    None,
    Bytes(Vec<u8>),
    Stream(UploadStream, Option<u64>),
    Multipart(tlsguard::Multipart),
}

impl Body {
    /// At most one of them is given by the facade.
    fn of(bytes: Option<BufferSlice>, upload: Option<&NativeUpload>, parts: Option<Vec<MultipartPart>>) -> Body {
        if let Some(b) = bytes {
            return Body::Bytes(b.to_vec());
        }
        if let Some(u) = upload {
            return match lock(&u.rx).take() {
                Some(rx) => Body::Stream(UploadStream(rx), u.length),
                // Already used by another request: an empty stream, which fails a length.
                None => {
                    let (_, rx) = tokio::sync::mpsc::channel(1);
                    Body::Stream(UploadStream(rx), u.length)
                }
            };
        }
        if let Some(parts) = parts {
            let mut form = tlsguard::Multipart::new();
            for p in parts {
                form = match p.data {
                    Some(d) => form.bytes(p.name, d.to_vec(), p.filename.as_deref(), p.content_type.as_deref()),
                    None => form.text(p.name, p.value.unwrap_or_default()),
                };
            }
            return Body::Multipart(form);
        }
        Body::None
    }
}

/// The core's request: `method` (default GET) to `url` with `options`, the core's request
/// options by name (`tlsguard::RequestOptions::from_json`: `headers`, `body` (text), `form`,
/// `timeout` (seconds), `redirect`, ...), and `body`, a body JSON cannot carry (bytes, a stream
/// from JS, a multipart form with bytes). The core validates all of them.
fn build_request(
    client: &tlsguard::Client,
    method: Option<String>,
    url: &str,
    options: Option<serde_json::Value>,
    body: Body,
) -> tlsguard::Result<tlsguard::Request> {
    let method: tlsguard::Method = match method {
        None => tlsguard::Method::Get,
        Some(m) => m.parse()?,
    };
    let mut options = tlsguard::RequestOptions::from_json(&options.unwrap_or_default())?;
    // Every body reaches JS as a stream, most of them to be read whole (`text()`, `json()`):
    // the client's cap on a buffered body applies (raise `maxResponseBytes` for more).
    options.max_response_bytes.get_or_insert(client.options().max_response_bytes);
    let mut stream = None;
    let mut form = None;
    match body {
        Body::None => {}
        Body::Bytes(b) => options.body = Some(tlsguard::RequestBody::Bytes(b.into())),
        Body::Stream(s, len) => stream = Some((s, len)),
        Body::Multipart(m) => form = Some(m),
    }
    let mut req = client.request(method, url).with_options(options);
    if let Some((s, len)) = stream {
        req = req.body_stream(s, len);
    }
    if let Some(m) = form {
        req = req.multipart(m);
    }
    Ok(req)
}

/// The body of a request streamed from JS (`NativeUpload`): the chunks the facade writes.
struct UploadStream(tokio::sync::mpsc::Receiver<std::io::Result<Bytes>>);

impl futures_core::Stream for UploadStream {
    type Item = std::io::Result<Bytes>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

/// A request body streamed from JS: the facade reads its source (a `ReadableStream`, an async
/// iterable) one chunk at a time and `write`s it; each write completes through the hub once the
/// request has room for it (one chunk waits at most), so the source is read only as fast as the
/// connection sends. Given to one request (`fetch`, `NativeClient::stream`).
#[napi]
pub struct NativeUpload {
    tx: Mutex<Option<tokio::sync::mpsc::Sender<std::io::Result<Bytes>>>>,
    rx: Mutex<Option<tokio::sync::mpsc::Receiver<std::io::Result<Bytes>>>>,
    length: Option<u64>,
    hub: Arc<Hub>,
}

#[napi]
impl NativeUpload {
    /// An upload of `length` bytes (sent as `Content-Length`; the source must yield exactly
    /// that many), or of unknown length (chunked).
    #[napi(constructor, catch_unwind)]
    pub fn new(hub: &Completions, length: Option<f64>) -> Self {
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        NativeUpload {
            tx: Mutex::new(Some(tx)),
            rx: Mutex::new(Some(rx)),
            length: length.map(|n| n as u64),
            hub: hub.hub.clone(),
        }
    }

    /// Hands one chunk to the request; completes under `id` with `true` once taken, `false`
    /// when the request no longer reads its body.
    #[napi(catch_unwind)]
    pub fn write(&self, env: &Env, id: u32, chunk: BufferSlice) -> Result<()> {
        let tx = lock(&self.tx).clone();
        self.hub.begin(env)?;
        let Some(tx) = tx else {
            self.hub.complete(id, Ok(Done::Written(false)));
            return Ok(());
        };
        let bytes = Bytes::copy_from_slice(&chunk);
        let hub = self.hub.clone();
        let spawned = tlsguard::spawn(async move { Ok(tx.send(Ok(bytes)).await.is_ok()) }, move |r| {
            hub.complete(
                id,
                match r {
                    Some(Ok(taken)) => Ok(Done::Written(taken)),
                    Some(Err(e)) => Err(e.into()),
                    None => Err(Failure::Aborted),
                },
            )
        });
        if let Err(e) = spawned {
            self.hub.complete(id, Err(e.into()));
        }
        Ok(())
    }

    /// The source ended: the body is complete.
    #[napi(catch_unwind)]
    pub fn end(&self) {
        lock(&self.tx).take();
    }

    /// The source failed: the request fails with `IO` and this message.
    #[napi(catch_unwind)]
    pub fn fail(&self, message: String) {
        if let Some(tx) = lock(&self.tx).take() {
            let _ = tlsguard::spawn(
                async move {
                    let _ = tx.send(Err(std::io::Error::other(message))).await;
                    Ok(())
                },
                |_| {},
            );
        }
    }
}

/// Body bytes that had arrived with the head: handed over with it, so a small response costs
/// one trip to the JS thread.
pub(crate) struct Ready {
    chunks: Vec<Bytes>,
    /// The body ended within them.
    end: bool,
    /// Reading them failed (after the chunks).
    error: Option<Failure>,
}

/// At most this much is gathered with a head, or per pull.
const READY_MAX: usize = 256 * 1024;

/// What `pump` has ready now (without waiting), up to [`READY_MAX`] bytes beyond `first`.
fn ready(pump: &tlsguard::BodyPump, first: Option<Bytes>) -> Ready {
    let mut r = Ready { chunks: Vec::new(), end: false, error: None };
    let mut n = 0;
    if let Some(b) = first {
        n += b.len();
        r.chunks.push(b);
    }
    while n < READY_MAX {
        match pump.try_chunk() {
            Some(Ok(Some(b))) => {
                n += b.len();
                r.chunks.push(b);
            }
            Some(Ok(None)) => {
                r.end = true;
                break;
            }
            Some(Err(e)) => {
                r.error = Some(e.into());
                break;
            }
            None => break,
        }
    }
    r
}

/// A completion as the value the facade takes (on the JS thread): a head is the array of
/// [`head_value`] with its `NativeBody` and what was ready of the body; a chunk an
/// `ArrayBuffer` (`null` at the end); a write its boolean.
pub(crate) fn done_value<'e>(
    env: &'e Env,
    hub: &Arc<Hub>,
    done: Done,
    last_peers: &mut Vec<Vec<u8>>,
) -> Result<Unknown<'e>> {
    match done {
        Done::Head(boxed) => {
            let (head, pump, ready) = *boxed;
            let mut a = head_value(env, &head, last_peers)?;
            let body = NativeBody {
                pump: Mutex::new(Some(pump)),
                pull: Mutex::new(None),
                failed: Arc::new(Mutex::new(None)),
                hub: hub.clone(),
            };
            if ready.end || ready.error.is_some() {
                body.close_pump();
            }
            a.set(12, body)?;
            a.set(13, chunks_value(env, ready.chunks)?)?;
            a.set(14, ready.end)?;
            match ready.error {
                Some(f) => a.set(15, crate::errors::error_value(env, f)?)?,
                None => a.set(15, Null)?,
            }
            Ok(a.to_unknown())
        }
        Done::Chunk(Some(bytes)) => Ok(buffer_value(env, bytes)?.to_unknown()),
        Done::Chunk(None) => Null.into_unknown(env),
        Done::Written(taken) => taken.into_unknown(env),
    }
}

/// Chunks as one `ArrayBuffer` (`null` if there are none).
fn chunks_value(env: &Env, chunks: Vec<Bytes>) -> Result<Unknown<'_>> {
    match chunks.len() {
        0 => Null.into_unknown(env),
        1 => Ok(buffer_value(env, chunks.into_iter().next().unwrap_or_default())?.to_unknown()),
        _ => Ok(ArrayBuffer::from_data(env, chunks.concat())?.to_unknown()),
    }
}

/// Bodies up to this size are copied into a JS-owned `ArrayBuffer` (cheaper than an external
/// one and its finalizer); larger ones are handed over without a copy.
const COPY_BODY_MAX: usize = 64 * 1024;

/// Bytes as an `ArrayBuffer`: copied when small, else handed over without a copy (when the
/// core's `Bytes` is the sole owner of its allocation).
fn buffer_value(env: &Env, bytes: Bytes) -> Result<ArrayBuffer<'_>> {
    if bytes.len() <= COPY_BODY_MAX {
        ArrayBuffer::copy_from(env, &bytes)
    } else {
        ArrayBuffer::from_data(env, Vec::<u8>::from(bytes))
    }
}

/// A response head as the array the facade's `Response` reads:
/// `[status, statusText, headers, url, redirects, httpVersion, tlsVersion, cipherSuite, alpn,
/// warnings, elapsed (ms), peer certificates (DER, leaf first), body (a NativeBody), ready body
/// bytes (an ArrayBuffer or null), whether they are the whole body, the error that ended
/// them (or null), whether the body is decoded from its Content-Encoding]`, binary values as `ArrayBuffer`s (a `Buffer` made in C costs more than one
/// made by the facade).
/// The peer certificates are `true` instead when they equal `last_peers` (those of the
/// previous response handed to the facade, which keeps that list); `last_peers` is updated.
/// `headers` is one string, `name NUL value NUL name NUL value ...` in the order received
/// (names lowercase, repeats kept; NUL cannot occur in a header), split by the facade.
/// Absent TLS values are `null`.
fn head_value<'e>(env: &'e Env, r: &tlsguard::ResponseHead, last_peers: &mut Vec<Vec<u8>>) -> Result<Array<'e>> {
    let mut a = env.create_array(17)?;
    a.set(0, u32::from(r.status()))?;
    a.set(1, r.reason())?;
    let mut headers = String::with_capacity(r.headers().iter().map(|(n, v)| n.len() + v.len() + 2).sum());
    for (n, v) in r.headers() {
        if !headers.is_empty() {
            headers.push('\0');
        }
        headers.push_str(n);
        headers.push('\0');
        headers.push_str(v);
    }
    a.set(2, headers)?;
    a.set(3, r.url())?;
    a.set(4, r.redirects())?;
    a.set(5, r.http_version())?;
    let tls = r.tls();
    a.set(6, tls.map(|t| t.version.as_str()))?;
    a.set(7, tls.map(|t| t.cipher_suite.as_str()))?;
    a.set(8, tls.and_then(|t| t.alpn.as_deref()))?;
    a.set(9, Array::from_ref_vec_string(env, tls.map(|t| t.warnings.as_slice()).unwrap_or_default())?)?;
    a.set(10, r.elapsed().as_secs_f64() * 1000.0)?;
    a.set(16, r.body_decoded())?;
    let ders: &[_] = tls.map(|t| t.peer_certificates.as_slice()).unwrap_or_default();
    if ders.len() == last_peers.len() && ders.iter().zip(last_peers.iter()).all(|(a, b)| a.as_ref() == b.as_slice()) {
        a.set(11, true)?;
    } else {
        let mut peers = env.create_array(ders.len() as u32)?;
        for (i, der) in ders.iter().enumerate() {
            peers.set(i as u32, ArrayBuffer::copy_from(env, der)?)?;
        }
        a.set(11, peers)?;
        *last_peers = ders.iter().map(|d| d.to_vec()).collect();
    }
    Ok(a)
}

/// The core's outcome of a request's head, for the hub, with what was ready of the body.
fn head_outcome(r: Option<tlsguard::Result<(tlsguard::ResponseHead, tlsguard::BodyPump)>>) -> Outcome {
    match r {
        Some(Ok((head, pump))) => {
            let ready = ready(&pump, None);
            Ok(Done::Head(Box::new((head, pump, ready))))
        }
        Some(Err(e)) => Err(e.into()),
        None => Err(Failure::Aborted),
    }
}

/// What a `NativeAbort` stops: the work running now; `aborted` also stops work that starts
/// later (a one-off `fetch` gets its client first, then starts the request).
#[derive(Default)]
struct AbortState {
    aborted: bool,
    handle: Option<tlsguard::AbortHandle>,
}

/// Stops a request (`fetch`, `NativeClient::stream`): its completion becomes an abort.
#[napi]
pub struct NativeAbort {
    state: Arc<Mutex<AbortState>>,
}

impl NativeAbort {
    fn of(handle: Option<tlsguard::AbortHandle>) -> NativeAbort {
        NativeAbort { state: Arc::new(Mutex::new(AbortState { aborted: false, handle })) }
    }
}

#[napi]
impl NativeAbort {
    /// Aborts the work (its completion is then the abort, unless it had finished).
    #[napi(catch_unwind)]
    pub fn abort(&self) {
        let mut s = lock(&self.state);
        s.aborted = true;
        if let Some(h) = &s.handle {
            h.abort();
        }
    }
}

/// The body of a response: one pull at a time, each arriving through the hub with the bytes
/// that were ready after it (up to 256 KiB in one `ArrayBuffer`).
#[napi]
pub struct NativeBody {
    pump: Mutex<Option<tlsguard::BodyPump>>,
    /// The pull in flight (or the last one).
    pull: Mutex<Option<tlsguard::AbortHandle>>,
    /// An error met while gathering ready bytes after a chunk: the next pull's outcome.
    failed: Arc<Mutex<Option<Failure>>>,
    hub: Arc<Hub>,
}

impl NativeBody {
    fn close_pump(&self) {
        lock(&self.pump).take();
    }
}

#[napi]
impl NativeBody {
    /// Asks for the next bytes; they arrive through the hub under `id` (an `ArrayBuffer`,
    /// `null` at the end, or the error). After `close()`, the completion is an abort.
    #[napi(catch_unwind)]
    pub fn pull(&self, env: &Env, id: u32) -> Result<()> {
        let pump = lock(&self.pump).clone();
        self.hub.begin(env)?;
        let Some(pump) = pump else {
            self.hub.complete(id, Err(Failure::Aborted));
            return Ok(());
        };
        if let Some(f) = lock(&self.failed).take() {
            self.hub.complete(id, Err(f));
            return Ok(());
        }
        let hub = self.hub.clone();
        let gather = pump.clone();
        let failed = self.failed.clone();
        let pulled = pump.pull(move |r| {
            let outcome = match r {
                // What else is ready comes along; an end found after it is found again by the
                // next pull (a finished stream keeps returning it), an error is kept for it.
                Some(Ok(Some(chunk))) => {
                    let mut more = vec![chunk];
                    let mut n = more[0].len();
                    while n < READY_MAX {
                        match gather.try_chunk() {
                            Some(Ok(Some(b))) => {
                                n += b.len();
                                more.push(b);
                            }
                            Some(Err(e)) => {
                                *lock(&failed) = Some(e.into());
                                break;
                            }
                            _ => break,
                        }
                    }
                    Ok(Done::Chunk(Some(if more.len() == 1 { more.swap_remove(0) } else { more.concat().into() })))
                }
                Some(Ok(None)) => Ok(Done::Chunk(None)),
                Some(Err(e)) => Err(e.into()),
                None => Err(Failure::Aborted),
            };
            hub.complete(id, outcome);
        });
        match pulled {
            Ok(h) => *lock(&self.pull) = Some(h),
            Err(e) => self.hub.complete(id, Err(e.into())),
        }
        Ok(())
    }

    /// Aborts the pull in flight (its completion becomes an abort) and drops the body, which
    /// closes its connection (unless it was read to the end).
    #[napi(catch_unwind)]
    pub fn close(&self) {
        if let Some(h) = lock(&self.pull).take() {
            h.abort();
        }
        self.close_pump();
    }
}

/// One request with a client made for it (`fetch(url, init)` of the facade), shared by calls with
/// the same options (`Client::shared_async`: a new one is made off the JS thread).
/// `request_options` are the core's request options by name (`timeout` in seconds), `body`,
/// `upload` and `parts` a body JSON cannot carry. The head arrives through `hub` under `id`
/// (see `done_value`); errors in the arguments arrive there too. The returned `NativeAbort`
/// stops the request.
#[napi(catch_unwind, js_name = "fetch")]
#[allow(clippy::too_many_arguments)]
pub fn fetch_once(
    env: &Env,
    hub: &Completions,
    id: u32,
    url: String,
    client_options: Option<serde_json::Value>,
    method: Option<String>,
    request_options: Option<serde_json::Value>,
    body: Option<BufferSlice>,
    upload: Option<&NativeUpload>,
    parts: Option<Vec<MultipartPart>>,
) -> Result<NativeAbort> {
    let options = convert::options(client_options.unwrap_or_default());
    let body = Body::of(body, upload, parts);
    let hub = hub.hub.clone();
    hub.begin(env)?;
    let abort = NativeAbort::of(None);
    let state = abort.state.clone();
    let done = hub.clone();
    let with_url = url.clone();
    // One client per distinct options, as the global dispatcher of Node's fetch; then the
    // request, started from the runtime thread that has the client.
    let work = async move { tlsguard::Client::shared_async(tlsguard::ClientOptions::from_json(&options)?).await };
    let spawned = tlsguard::spawn(work, move |r| {
        let client = match r {
            Some(Ok(c)) => c,
            Some(Err(e)) => return done.complete(id, Err(e.with_url(with_url.as_str()).into())),
            None => return done.complete(id, Err(Failure::Aborted)),
        };
        let req = match build_request(&client, method, &url, request_options, body) {
            Ok(r) => r,
            Err(e) => return done.complete(id, Err(e.with_url(url.as_str()).into())),
        };
        let mut s = lock(&state);
        if s.aborted {
            drop(s);
            return done.complete(id, Err(Failure::Aborted));
        }
        let head = done.clone();
        match req.spawn_streaming(move |r| head.complete(id, head_outcome(r))) {
            Ok(h) => s.handle = Some(h),
            Err(e) => {
                drop(s);
                done.complete(id, Err(e.into()));
            }
        }
    });
    match spawned {
        // Unless the request has started already (a cached client: the callback may run
        // before this line), aborting aborts the wait for the client.
        Ok(h) => {
            lock(&abort.state).handle.get_or_insert(h);
        }
        Err(e) => hub.complete(id, Err(e.into())),
    }
    Ok(abort)
}

/// A `tlsguard::Client`: one TLS configuration and one connection pool.
#[napi]
pub struct NativeClient {
    inner: Mutex<Option<tlsguard::Client>>,
    /// Where this client's results go.
    hub: Arc<Hub>,
}

#[napi]
impl NativeClient {
    /// Validates the options and loads the trust store (synchronously: it happens once). The
    /// results of the client's requests are handed over through `hub`.
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, hub: &Completions, options: Option<serde_json::Value>) -> Result<Self> {
        let options = convert::options(options.unwrap_or_default());
        let client = guard(&env, || Ok(tlsguard::Client::new(tlsguard::ClientOptions::from_json(&options)?)?))?;
        Ok(NativeClient { inner: Mutex::new(Some(client)), hub: hub.hub.clone() })
    }

    fn client(&self, env: &Env) -> Result<tlsguard::Client> {
        let slot = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        match slot.as_ref() {
            Some(c) => Ok(c.clone()),
            None => Err(crate::errors::to_js(
                env,
                Failure::Core(tlsguard::Error::new(
                    tlsguard::Code::InvalidArgument,
                    "this Client is closed; create a new one",
                )),
            )),
        }
    }

    /// Starts a request through the client's pool (`request_options`: the core's request
    /// options by name, `timeout` in seconds; `body`, `upload`, `parts`: a body JSON cannot
    /// carry): the head arrives through the client's `Completions` under `id` (see
    /// `done_value`). The returned `NativeAbort` stops it. A closed client or an invalid
    /// request throws.
    #[napi(catch_unwind)]
    #[allow(clippy::too_many_arguments)]
    pub fn stream(
        &self,
        env: &Env,
        id: u32,
        url: String,
        method: Option<String>,
        request_options: Option<serde_json::Value>,
        body: Option<BufferSlice>,
        upload: Option<&NativeUpload>,
        parts: Option<Vec<MultipartPart>>,
    ) -> Result<NativeAbort> {
        let client = self.client(env)?;
        let body = Body::of(body, upload, parts);
        let req = guard(env, || {
            Ok(build_request(&client, method, &url, request_options, body).map_err(|e| e.with_url(url.as_str()))?)
        })?;
        self.hub.begin(env)?;
        let hub = self.hub.clone();
        match req.spawn_streaming(move |r| hub.complete(id, head_outcome(r))) {
            Ok(h) => Ok(NativeAbort::of(Some(h))),
            Err(e) => {
                self.hub.complete(id, Err(e.into()));
                Ok(NativeAbort::of(None))
            }
        }
    }

    /// A TLS connection to `host:port` made and verified as this client's requests' are (the
    /// core's `Client::connect_tls`), for the facade's `HttpsAgent`: completes under `id` with
    /// `true` once verified (or with the refusal). A closed client throws.
    #[napi(catch_unwind)]
    pub fn connect_tls(&self, env: &Env, id: u32, host: String, port: u32) -> Result<crate::tunnel::NativeTunnel> {
        let client = self.client(env)?;
        let port =
            u16::try_from(port).map_err(|_| Error::new(Status::InvalidArg, format!("port {port} is out of range")))?;
        crate::tunnel::NativeTunnel::connect(env, self.hub.clone(), client, id, host, port)
    }

    /// What the client trusts.
    #[napi(catch_unwind)]
    pub fn trust_report(&self, env: &Env) -> Result<TrustReportObject> {
        let client = self.client(env)?;
        guard(env, || Ok(trust_report_object(client.trust_report())))
    }

    /// The cookie jar (`cookies: true` or a list): every cookie, camelCase keys, `expires` in
    /// epoch ms (null for a session cookie); `null` without a jar.
    #[napi(catch_unwind, ts_return_type = "Array<Record<string, unknown>> | null")]
    pub fn cookies(&self, env: &Env) -> Result<serde_json::Value> {
        let client = self.client(env)?;
        Ok(client.cookies_json().map(convert::cookies_value).unwrap_or(serde_json::Value::Null))
    }

    /// Closes the client (the core's `close()`: the pool is dropped, idle connections close;
    /// requests in flight finish). Later requests are refused.
    #[napi(catch_unwind)]
    pub fn close(&self) {
        if let Some(c) = lock(&self.inner).take() {
            c.close();
        }
    }
}
