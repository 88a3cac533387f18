//! `tlsguard::client`: the `Client`, one request, and the response as a plain object.
//!
//! A request runs on tlsguard's own runtime (`Request::send()`); the Promise is settled on the
//! JS thread. An `AbortSignal` reaches us as a [`CancelToken`]: when it fires, the core's
//! `send()` future is dropped, which aborts the request task.

use std::sync::Mutex;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use tokio::sync::watch;

use crate::cert::{CertObject, cert_objects};
use crate::errors::Failure;
use crate::trust::{TrustReportObject, trust_report_object};
use crate::{convert, guard, spawn};

/// What a request sends besides the URL (the facade has already turned `headers` and `body`
/// into these shapes).
#[napi(object)]
pub struct RequestInit {
    /// `GET` (default), `HEAD`, `POST`, `PUT`, `PATCH`, `DELETE`, `OPTIONS`.
    pub method: Option<String>,
    /// `[name, value]` pairs.
    pub headers: Option<Vec<Vec<String>>>,
    /// A text body (`content-type: text/plain; charset=utf-8` unless set).
    pub text: Option<String>,
    /// A binary body.
    pub bytes: Option<Buffer>,
    /// `[name, value]` pairs sent as `application/x-www-form-urlencoded`.
    pub form: Option<Vec<Vec<String>>>,
    /// Whole-request timeout of this request, milliseconds.
    pub timeout: Option<f64>,
}

/// `RequestInit` with owned, thread-safe data.
struct Prepared {
    method: Option<String>,
    headers: Vec<(String, String)>,
    text: Option<String>,
    bytes: Option<Vec<u8>>,
    form: Option<Vec<(String, String)>>,
    timeout: Option<f64>,
}

fn pairs(list: Vec<Vec<String>>) -> Vec<(String, String)> {
    list.into_iter()
        .map(|mut p| {
            let value = if p.len() > 1 { p.swap_remove(1) } else { String::new() };
            (p.into_iter().next().unwrap_or_default(), value)
        })
        .collect()
}

impl Prepared {
    fn new(init: Option<RequestInit>) -> Self {
        let init = init.unwrap_or(RequestInit {
            method: None,
            headers: None,
            text: None,
            bytes: None,
            form: None,
            timeout: None,
        });
        Prepared {
            method: init.method,
            headers: init.headers.map(pairs).unwrap_or_default(),
            text: init.text,
            bytes: init.bytes.map(|b| b.to_vec()),
            form: init.form.map(pairs),
            timeout: init.timeout,
        }
    }

    /// The core's request builder; the core validates method, headers and timeout.
    fn request(self, client: &tlsguard::Client, url: &str) -> tlsguard::Result<tlsguard::Request> {
        let method: tlsguard::Method = self.method.as_deref().unwrap_or("GET").parse()?;
        let mut req = client.request(method, url);
        if !self.headers.is_empty() {
            req = req.headers(self.headers);
        }
        if let Some(t) = self.text {
            req = req.text(t);
        } else if let Some(b) = self.bytes {
            req = req.body(b);
        } else if let Some(f) = self.form {
            req = req.form(&f);
        }
        if let Some(ms) = self.timeout {
            req = req.timeout(convert::timeout_ms("timeout", ms)?);
        }
        Ok(req)
    }
}

/// The JS side of an `AbortSignal`: `cancel()` drops the request's future.
#[napi]
pub struct CancelToken {
    tx: watch::Sender<bool>,
}

#[napi]
impl CancelToken {
    #[napi(constructor, catch_unwind)]
    pub fn new() -> Self {
        CancelToken { tx: watch::Sender::new(false) }
    }

    /// Cancels the request(s) given this token.
    #[napi(catch_unwind)]
    pub fn cancel(&self) {
        self.tx.send_replace(true);
    }
}

/// Sends `req`, unless `cancel` fires first (then the `send()` future is dropped).
async fn send(req: tlsguard::Request, cancel: Option<watch::Receiver<bool>>) -> std::result::Result<tlsguard::Response, Failure> {
    let Some(mut rx) = cancel else { return Ok(req.send().await?) };
    let cancelled = async move {
        // If the token is gone (garbage-collected), it can no longer fire: wait forever.
        if rx.wait_for(|c| *c).await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        r = req.send() => Ok(r?),
        () = cancelled => Err(Failure::Aborted),
    }
}

/// `tlsguard::Response` as a plain object.
#[napi(object)]
pub struct ResponseObject {
    pub status: u32,
    /// The canonical reason phrase (`OK`), empty if unknown.
    pub status_text: String,
    /// `[name, value]` pairs in the order received (names lowercase, repeats kept).
    pub headers: Vec<Vec<String>>,
    /// The decoded body.
    pub body: Buffer,
    /// The final URL, after redirects.
    pub url: String,
    pub redirects: u32,
    pub http_version: String,
    pub tls_version: Option<String>,
    pub cipher_suite: Option<String>,
    pub alpn: Option<String>,
    pub peer_certificates: Vec<CertObject>,
    /// What was accepted but is wrong on the server's side.
    pub warnings: Vec<String>,
    /// Milliseconds from sending to having read the whole body.
    pub elapsed: f64,
}

fn response_object(r: tlsguard::Response) -> ResponseObject {
    let tls = r.tls();
    ResponseObject {
        status: u32::from(r.status()),
        status_text: r.reason().to_owned(),
        headers: r.headers().iter().map(|(n, v)| vec![n.clone(), v.clone()]).collect(),
        url: r.url().to_owned(),
        redirects: r.redirects(),
        http_version: r.http_version().to_owned(),
        tls_version: tls.map(|t| t.version.clone()),
        cipher_suite: tls.map(|t| t.cipher_suite.clone()),
        alpn: tls.and_then(|t| t.alpn.clone()),
        peer_certificates: cert_objects(&r.peer_certificates()),
        warnings: tls.map(|t| t.warnings.clone()).unwrap_or_default(),
        elapsed: r.elapsed().as_secs_f64() * 1000.0,
        body: r.into_body().to_vec().into(),
    }
}

/// One request with a client made for it (`fetch(url, init)` of the facade): the client options
/// are validated and the trust store loaded off the JS thread.
#[napi(catch_unwind, js_name = "fetch", ts_return_type = "Promise<ResponseObject>")]
pub fn fetch_once<'e>(
    env: &'e Env,
    url: String,
    client_options: Option<serde_json::Value>,
    init: Option<RequestInit>,
    cancel: Option<&CancelToken>,
) -> Result<PromiseRaw<'e, ResponseObject>> {
    let options = convert::options(client_options.unwrap_or_default());
    let prepared = Prepared::new(init);
    let cancel = cancel.map(|c| c.tx.subscribe());
    spawn(
        env,
        async move {
            // One client per distinct options, as the global dispatcher of Node's fetch.
            let client = tlsguard::Client::shared(tlsguard::ClientOptions::from_json(&options)?)?;
            let req = prepared.request(&client, &url).map_err(|e| e.with_url(url.as_str()))?;
            send(req, cancel).await
        },
        response_object,
    )
}

/// A `tlsguard::Client`: one TLS configuration and one connection pool.
#[napi]
pub struct NativeClient {
    inner: Mutex<Option<tlsguard::Client>>,
}

#[napi]
impl NativeClient {
    /// Validates the options and loads the trust store (synchronously: it happens once).
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, options: Option<serde_json::Value>) -> Result<Self> {
        let options = convert::options(options.unwrap_or_default());
        let client = guard(&env, || Ok(tlsguard::Client::new(tlsguard::ClientOptions::from_json(&options)?)?))?;
        Ok(NativeClient { inner: Mutex::new(Some(client)) })
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

    /// Sends one request through the client's pool.
    #[napi(catch_unwind, ts_return_type = "Promise<ResponseObject>")]
    pub fn request<'e>(
        &self,
        env: &'e Env,
        url: String,
        init: Option<RequestInit>,
        cancel: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, ResponseObject>> {
        let client = self.client(env)?;
        let prepared = Prepared::new(init);
        let cancel = cancel.map(|c| c.tx.subscribe());
        spawn(
            env,
            async move {
                let req = prepared.request(&client, &url).map_err(|e| e.with_url(url.as_str()))?;
                send(req, cancel).await
            },
            response_object,
        )
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
