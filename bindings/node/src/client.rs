//! `tlsguard::client`: the `Client`, one request, and the response.
//!
//! Every request goes through the core's completion API: `Request::spawn` (buffered) or
//! `Request::spawn_streaming` (the head and a `BodyPump`) runs it on tlsguard's runtime and calls
//! back there; the callback hands the outcome to [`crate::hub`], which passes results to the JS
//! thread in batches. The facade asks for a streamed body one chunk at a time
//! (`NativeBody::pull`), each chunk coming back through the hub. An `AbortSignal` calls the
//! core's `AbortHandle` (through [`NativeAbort`]); the callback then gets `None`, which the
//! facade sees as `Failure::Aborted`.

use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::errors::Failure;
use crate::hub::{Completions, Done, Hub, Outcome};
use crate::trust::{TrustReportObject, trust_report_object};
use crate::{convert, guard};

/// The core's request: `method` (default GET) to `url` with `options`, the core's request
/// options by name (`tlsguard::RequestOptions::from_json`: `headers`, `body` (text), `form`,
/// `timeout` (seconds), ...), and `bytes`, a binary body (JSON cannot carry it), which becomes
/// `RequestOptions.body`. The core validates all of them.
fn build_request(
    client: &tlsguard::Client,
    method: Option<String>,
    url: &str,
    options: Option<serde_json::Value>,
    bytes: Option<Vec<u8>>,
) -> tlsguard::Result<tlsguard::Request> {
    let method: tlsguard::Method = match method {
        None => tlsguard::Method::Get,
        Some(m) => m.parse()?,
    };
    let mut options = tlsguard::RequestOptions::from_json(&options.unwrap_or_default())?;
    if let Some(b) = bytes {
        options.body = Some(tlsguard::RequestBody::Bytes(b.into()));
    }
    Ok(client.request(method, url).with_options(options))
}

/// The core's outcome of a buffered request, for the hub.
fn response_outcome(r: Option<tlsguard::Result<tlsguard::Response>>) -> Outcome {
    match r {
        Some(Ok(response)) => Ok(Done::Response(response)),
        Some(Err(e)) => Err(e.into()),
        None => Err(Failure::Aborted),
    }
}

/// Bodies up to this size are copied into a JS-owned `ArrayBuffer` (cheaper than an external
/// one and its finalizer); larger ones are handed over without a copy.
const COPY_BODY_MAX: usize = 64 * 1024;

/// A completion as the value the facade takes (on the JS thread): see [`response_value`]; a
/// streamed head is the same array with a [`NativeBody`] as its body; a chunk an `ArrayBuffer`
/// (`null` at the end).
pub(crate) fn done_value<'e>(
    env: &'e Env,
    hub: &Arc<Hub>,
    done: Done,
    last_peers: &mut Vec<Vec<u8>>,
) -> Result<Unknown<'e>> {
    match done {
        Done::Response(r) => response_value(env, r, last_peers),
        Done::Head(head, pump) => {
            let mut a = head_value(env, &head, last_peers)?;
            a.set(12, NativeBody { pump: Mutex::new(Some(pump)), pull: Mutex::new(None), hub: hub.clone() })?;
            Ok(a.to_unknown())
        }
        Done::Chunk(Some(bytes)) => Ok(buffer_value(env, bytes)?.to_unknown()),
        Done::Chunk(None) => Null.into_unknown(env),
    }
}

/// Bytes as an `ArrayBuffer`: copied when small, else handed over without a copy (when the
/// core's `Bytes` is the sole owner of its allocation).
fn buffer_value(env: &Env, bytes: bytes::Bytes) -> Result<ArrayBuffer<'_>> {
    if bytes.len() <= COPY_BODY_MAX {
        ArrayBuffer::copy_from(env, &bytes)
    } else {
        ArrayBuffer::from_data(env, Vec::<u8>::from(bytes))
    }
}

/// `tlsguard::Response` as the array the facade's `Response` reads:
/// `[status, statusText, headers, url, redirects, httpVersion, tlsVersion, cipherSuite, alpn,
/// warnings, elapsed (ms), peer certificates (DER, leaf first), body]`, binary values as
/// `ArrayBuffer`s (a `Buffer` made in C costs more than one made by the facade).
/// The peer certificates are `true` instead when they equal `last_peers` (those of the
/// previous response handed to the facade, which keeps that list); `last_peers` is updated.
/// `headers` is one string, `name NUL value NUL name NUL value ...` in the order received
/// (names lowercase, repeats kept; NUL cannot occur in a header), split by the facade when
/// the headers are first read. Absent TLS values are `null`.
pub(crate) fn response_value<'e>(
    env: &'e Env,
    r: tlsguard::Response,
    last_peers: &mut Vec<Vec<u8>>,
) -> Result<Unknown<'e>> {
    let mut a = head_value(env, &r, last_peers)?;
    a.set(12, buffer_value(env, r.into_body())?)?;
    Ok(a.to_unknown())
}

/// The first 12 entries of [`response_value`] (everything but the body), from the head.
fn head_value<'e>(env: &'e Env, r: &tlsguard::ResponseHead, last_peers: &mut Vec<Vec<u8>>) -> Result<Array<'e>> {
    let mut a = env.create_array(13)?;
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

/// The core's outcome of a streamed request's head, for the hub.
fn head_outcome(r: Option<tlsguard::Result<(tlsguard::ResponseHead, tlsguard::BodyPump)>>) -> Outcome {
    match r {
        Some(Ok((head, pump))) => Ok(Done::Head(head, pump)),
        Some(Err(e)) => Err(e.into()),
        None => Err(Failure::Aborted),
    }
}

/// Stops a request (`fetch`, `NativeClient::request`, `NativeClient::stream`): its completion
/// becomes an abort.
#[napi]
pub struct NativeAbort {
    handle: Option<tlsguard::AbortHandle>,
}

#[napi]
impl NativeAbort {
    /// Aborts the work (its completion is then the abort, unless it had finished).
    #[napi(catch_unwind)]
    pub fn abort(&self) {
        if let Some(h) = &self.handle {
            h.abort();
        }
    }
}

/// The body of a streamed response: one chunk per `pull`, each arriving through the hub.
#[napi]
pub struct NativeBody {
    pump: Mutex<Option<tlsguard::BodyPump>>,
    /// The pull in flight (or the last one).
    pull: Mutex<Option<tlsguard::AbortHandle>>,
    hub: Arc<Hub>,
}

#[napi]
impl NativeBody {
    /// Asks for the next chunk; it arrives through the hub under `id` (an `ArrayBuffer`, `null`
    /// at the end, or the error). After `close()`, the completion is an abort.
    #[napi(catch_unwind)]
    pub fn pull(&self, env: &Env, id: u32) -> Result<()> {
        let pump = self.pump.lock().unwrap_or_else(|p| p.into_inner()).clone();
        self.hub.begin(env)?;
        let Some(pump) = pump else {
            self.hub.complete(id, Err(Failure::Aborted));
            return Ok(());
        };
        let hub = self.hub.clone();
        let pulled = pump.pull(move |r| {
            let outcome = match r {
                Some(Ok(chunk)) => Ok(Done::Chunk(chunk)),
                Some(Err(e)) => Err(e.into()),
                None => Err(Failure::Aborted),
            };
            hub.complete(id, outcome);
        });
        match pulled {
            Ok(h) => *self.pull.lock().unwrap_or_else(|p| p.into_inner()) = Some(h),
            Err(e) => self.hub.complete(id, Err(e.into())),
        }
        Ok(())
    }

    /// Aborts the pull in flight (its completion becomes an abort) and drops the body, which
    /// closes its connection (unless it was read to the end).
    #[napi(catch_unwind)]
    pub fn close(&self) {
        if let Some(h) = self.pull.lock().unwrap_or_else(|p| p.into_inner()).take() {
            h.abort();
        }
        self.pump.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

/// One request with a client made for it (`fetch(url, init)` of the facade), shared by calls with
/// the same options (`Client::shared_async`: a new one is made off the JS thread).
/// `request_options` are the core's request options by name (`timeout` in seconds), `body` a
/// binary body. The result arrives through `hub` under `id`; errors in the arguments arrive
/// there too. With `abortable`, the returned `NativeAbort` stops the request.
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
    abortable: Option<bool>,
) -> Result<Option<NativeAbort>> {
    let options = convert::options(client_options.unwrap_or_default());
    let body = body.map(|b| b.to_vec());
    let work = async move {
        // One client per distinct options, as the global dispatcher of Node's fetch.
        let client = tlsguard::Client::shared_async(tlsguard::ClientOptions::from_json(&options)?).await?;
        let req = build_request(&client, method, &url, request_options, body).map_err(|e| e.with_url(url.as_str()))?;
        req.send().await
    };
    let hub = hub.hub.clone();
    hub.begin(env)?;
    let done = hub.clone();
    Ok(started(&hub, id, tlsguard::spawn(work, move |r| done.complete(id, response_outcome(r))), abortable))
}

/// The `NativeAbort` of a started request when the facade asks for one; a request that could
/// not start completes with its error.
fn started(
    hub: &Hub,
    id: u32,
    spawned: tlsguard::Result<tlsguard::AbortHandle>,
    abortable: Option<bool>,
) -> Option<NativeAbort> {
    match spawned {
        Ok(h) => abortable.unwrap_or(false).then_some(NativeAbort { handle: Some(h) }),
        Err(e) => {
            hub.complete(id, Err(e.into()));
            abortable.unwrap_or(false).then_some(NativeAbort { handle: None })
        }
    }
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

    /// Sends one request through the client's pool (`request_options`: the core's request
    /// options by name, `timeout` in seconds; `body`: a binary body); the result arrives through
    /// the client's `Completions` under `id`. With `abortable`, the returned `NativeAbort` stops
    /// it. A closed client or an invalid request throws.
    #[napi(catch_unwind)]
    #[allow(clippy::too_many_arguments)]
    pub fn request(
        &self,
        env: &Env,
        id: u32,
        url: String,
        method: Option<String>,
        request_options: Option<serde_json::Value>,
        body: Option<BufferSlice>,
        abortable: Option<bool>,
    ) -> Result<Option<NativeAbort>> {
        let client = self.client(env)?;
        let body = body.map(|b| b.to_vec());
        let req = guard(env, || {
            Ok(build_request(&client, method, &url, request_options, body).map_err(|e| e.with_url(url.as_str()))?)
        })?;
        self.hub.begin(env)?;
        let hub = self.hub.clone();
        Ok(started(&self.hub, id, req.spawn(move |r| hub.complete(id, response_outcome(r))), abortable))
    }

    /// Starts a streamed request (arguments as for `request`): the head and a `NativeBody`
    /// arrive through the client's `Completions` under `id`. The returned `NativeAbort` stops
    /// it. A closed client or an invalid request throws.
    #[napi(catch_unwind)]
    pub fn stream(
        &self,
        env: &Env,
        id: u32,
        url: String,
        method: Option<String>,
        request_options: Option<serde_json::Value>,
        body: Option<BufferSlice>,
    ) -> Result<NativeAbort> {
        let client = self.client(env)?;
        let body = body.map(|b| b.to_vec());
        let req = guard(env, || {
            Ok(build_request(&client, method, &url, request_options, body).map_err(|e| e.with_url(url.as_str()))?)
        })?;
        self.hub.begin(env)?;
        let hub = self.hub.clone();
        let spawned = req.spawn_streaming(move |r| hub.complete(id, head_outcome(r)));
        Ok(started(&self.hub, id, spawned, Some(true)).unwrap_or(NativeAbort { handle: None }))
    }

    /// What the client trusts.
    #[napi(catch_unwind)]
    pub fn trust_report(&self, env: &Env) -> Result<TrustReportObject> {
        let client = self.client(env)?;
        guard(env, || Ok(trust_report_object(client.trust_report())))
    }

    /// Drops the client's pool (idle connections close); requests in flight finish. Later
    /// requests are refused.
    #[napi(catch_unwind)]
    pub fn close(&self) {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}
