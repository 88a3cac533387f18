//! [`Request`]: the request builder, its options by name ([`Request::options_json`]), and
//! `send()` on tlsguard's runtime.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderName, HeaderValue};

use super::upload::{Multipart, Payload};
use super::{Client, Method, Response, StreamedResponse, headers, runtime};
use crate::error::{Code, Error, Result};

/// A request being built. Methods consume and return it; the first invalid input is reported
/// when the request is sent.
#[must_use = "a request does nothing until it is sent"]
pub struct Request {
    pub(super) client: Client,
    pub(super) method: Method,
    pub(super) url: String,
    pub(super) headers: Vec<(HeaderName, HeaderValue)>,
    pub(super) query: Vec<(String, String)>,
    pub(super) body: Payload,
    pub(super) body_type: Option<Cow<'static, str>>,
    /// The request's own whole-request timeout (`Some(None)`: no limit), else the client's.
    pub(super) timeout: Option<Option<Duration>>,
    /// The request's own read timeout (`Some(None)`: no limit), else the client's.
    pub(super) read_timeout: Option<Option<Duration>>,
    pub(super) timeout_covers_body: bool,
    pub(super) decompress: bool,
    pub(super) max_response_bytes: Option<u64>,
    pub(super) redirect: Redirects,
    /// The request's own retry policy, else the client's.
    pub(super) retries: Option<super::Retries>,
    /// The request's own proxy route (`None`: the client's).
    pub(super) route: Option<super::routes::Route>,
    pub(super) error: Option<Error>,
    /// The request's own credentials (`Some(None)`: none, not even the client's), else the
    /// client's.
    pub(super) auth: Option<Option<super::Auth>>,
}

/// What a request does with a redirect response (fetch's `redirect` option).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Redirects {
    /// Follow it, up to the client's `max_redirects` (the default).
    #[default]
    Follow,
    /// Fail with `REDIRECT_REFUSED`, naming the status and the target.
    Error,
    /// Return the 3xx response as it is: its `Location` header as the server sent it, the
    /// resolved target in [`ResponseHead::redirect_target`](super::ResponseHead::redirect_target).
    Manual,
}

impl std::str::FromStr for Redirects {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "follow" => Ok(Self::Follow),
            "error" => Ok(Self::Error),
            "manual" => Ok(Self::Manual),
            other => Err(Error::invalid(format!("redirect: {other:?} is not follow, error or manual"))),
        }
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request").field("method", &self.method).field("url", &self.url).finish_non_exhaustive()
    }
}

impl Request {
    pub(super) fn fail(mut self, e: Error) -> Self {
        if self.error.is_none() {
            self.error = Some(e);
        }
        self
    }

    /// Adds a header (a name set here replaces the client's default of that name; calling it
    /// twice with one name sends both values).
    pub fn header(self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        self.headers([(name, value)])
    }

    /// Adds several headers.
    pub fn headers<K: AsRef<str>, V: AsRef<str>>(mut self, headers: impl IntoIterator<Item = (K, V)>) -> Self {
        match headers::validate_all("header", headers) {
            Ok(list) => {
                self.headers.extend(list);
                let total: usize = self.headers.iter().map(|(n, v)| n.as_str().len() + v.len()).sum();
                if total > headers::MAX_TOTAL_HEADER_BYTES {
                    return self.fail(Error::invalid(format!(
                        "header: headers exceed {} bytes in total",
                        headers::MAX_TOTAL_HEADER_BYTES
                    )));
                }
                self
            }
            Err(e) => self.fail(e),
        }
    }

    /// Appends a query parameter (percent-encoded) to the URL.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Payload::Bytes(Bytes::from(body.into()));
        self.body_type = None;
        self
    }

    /// Sets a text body (`content-type: text/plain; charset=utf-8` unless set as a header).
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.body = Payload::Bytes(Bytes::from(text.into()));
        self.body_type = Some(Cow::Borrowed("text/plain; charset=utf-8"));
        self
    }

    /// Sets a JSON body (`content-type: application/json` unless set as a header).
    pub fn json(mut self, value: &serde_json::Value) -> Self {
        match serde_json::to_vec(value) {
            Ok(v) => {
                self.body = Payload::Bytes(Bytes::from(v));
                self.body_type = Some(Cow::Borrowed("application/json"));
                self
            }
            Err(e) => self.fail(Error::invalid(format!("json: cannot serialize the body: {e}"))),
        }
    }

    /// Sets an `application/x-www-form-urlencoded` body.
    pub fn form<K: AsRef<str>, V: AsRef<str>>(mut self, fields: &[(K, V)]) -> Self {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in fields {
            s.append_pair(k.as_ref(), v.as_ref());
        }
        self.body = Payload::Bytes(Bytes::from(s.finish()));
        self.body_type = Some(Cow::Borrowed("application/x-www-form-urlencoded"));
        self
    }

    /// Sends the file at `path` as the body, read as it is sent, with its length as
    /// `Content-Length` (`application/octet-stream` unless a content type is set as a header).
    /// A file that cannot be read fails the request with `IO`. Resent on a 307/308 redirect.
    pub fn body_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.body = Payload::File(path.into());
        self.body_type = Some(Cow::Borrowed("application/octet-stream"));
        self
    }

    /// Sends a stream of chunks as the body: with `len`, as `Content-Length` (the stream must
    /// yield exactly that many bytes); without, chunked (HTTP/1.1). A stream is sent once: a
    /// 307/308 redirect that would resend it fails with `REDIRECT_REFUSED`. An error from the
    /// stream fails the request.
    pub fn body_stream(
        mut self,
        stream: impl futures_core::Stream<Item = std::io::Result<Bytes>> + Send + 'static,
        len: Option<u64>,
    ) -> Self {
        self.body = Payload::stream(Box::pin(stream), len);
        self.body_type = None;
        self
    }

    /// Sends what a blocking reader yields as the body (read on tokio's blocking pool as the
    /// connection can take it); `len` as for [`Request::body_stream`].
    pub fn body_reader(mut self, reader: impl std::io::Read + Send + 'static, len: Option<u64>) -> Self {
        self.body = Payload::reader(reader, len);
        self.body_type = None;
        self
    }

    /// Sends a `multipart/form-data` body (fields, and files streamed from disk), with its
    /// length and its `Content-Type` (unless set as a header).
    pub fn multipart(mut self, form: Multipart) -> Self {
        self.body_type = Some(Cow::Owned(form.content_type()));
        self.body = Payload::Multipart(form);
        self
    }

    /// Overrides the client's whole-request timeout for this request (must be positive).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        if timeout.is_zero() {
            return self.fail(Error::invalid("timeout: 0 s is not a positive duration"));
        }
        self.timeout = Some(Some(timeout));
        self
    }

    /// No whole-request timeout for this request (the read and connect timeouts still apply).
    pub fn no_timeout(mut self) -> Self {
        self.timeout = Some(None);
        self
    }

    /// Overrides the client's read timeout (the longest wait for the next bytes of the
    /// response) for this request (must be positive).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        if timeout.is_zero() {
            return self.fail(Error::invalid("read_timeout: 0 s is not a positive duration"));
        }
        self.read_timeout = Some(Some(timeout));
        self
    }

    /// No read timeout for this request.
    pub fn no_read_timeout(mut self) -> Self {
        self.read_timeout = Some(None);
        self
    }

    /// For a streamed response ([`Request::send_streaming`]): let the whole-request timeout
    /// cover reading the body too (by default it ends when the headers arrive, and only the
    /// read timeout watches the body). Buffered responses are always covered.
    pub fn timeout_covers_body(mut self, yes: bool) -> Self {
        self.timeout_covers_body = yes;
        self
    }

    /// `false`: return the body as the server sent it, still encoded, with its
    /// `Content-Encoding` and `Content-Length` (for proxies and adapters that pass bodies on).
    /// Default `true`: gzip, deflate, br and zstd are decoded.
    pub fn decompress(mut self, yes: bool) -> Self {
        self.decompress = yes;
        self
    }

    /// This request's cap on the (decoded) body. A buffered response is capped by the
    /// client's `max_response_bytes` unless this is set; a streamed body has no cap unless
    /// this is set.
    pub fn max_response_bytes(mut self, cap: u64) -> Self {
        self.max_response_bytes = Some(cap);
        self
    }

    /// What to do with a redirect response (default [`Redirects::Follow`]).
    pub fn redirect(mut self, mode: Redirects) -> Self {
        self.redirect = mode;
        self
    }

    /// This request's retry policy, instead of the client's ([`Retries::new(0)`](super::Retries::new):
    /// none). See [`Retries`](super::Retries) for what is retried.
    pub fn retries(mut self, policy: super::Retries) -> Self {
        self.retries = Some(policy);
        self
    }

    /// Sends these credentials in `Authorization` instead of the client's `auth` (and instead of
    /// an `Authorization` header or URL credentials); dropped when a redirect leaves the
    /// request's origin. Credentials that cannot be sent are `INVALID_ARGUMENT` (`auth`).
    pub fn auth(mut self, auth: super::Auth) -> Self {
        if let Err(e) = auth.check() {
            return self.fail(e);
        }
        self.auth = Some(Some(auth));
        self
    }

    /// Sends no credentials from the client with this request: neither its `auth` nor an
    /// `Authorization` of its `headers` (an `Authorization` header set on the request, or
    /// credentials in its URL, still count).
    pub fn no_auth(mut self) -> Self {
        self.auth = Some(None);
        self
    }

    /// Sends this request (and its redirects) through `proxy` instead of the client's proxy:
    /// the syntax of [`ClientOptions::proxy`](crate::ClientOptions::proxy)
    /// (`http://`, `https://`, `socks5://` or `socks5h://`, with an optional `user:pass@`);
    /// `""` connects directly. The environment's `*_PROXY` and `NO_PROXY` do not apply to it.
    /// Its connections are pooled apart from every other route's, so a connection made through
    /// one proxy (or directly) is never reused through another. A malformed URL fails the
    /// request with `INVALID_ARGUMENT` naming `proxy`.
    ///
    /// ```no_run
    /// # fn demo() -> tlsguard::Result<()> {
    /// let client = tlsguard::Client::new(tlsguard::ClientOptions::default())?;
    /// let r = client.get("https://example.com/").proxy("socks5h://127.0.0.1:9050").send_blocking()?;
    /// let direct = client.get("https://example.com/").proxy("").send_blocking()?;
    /// # let _ = (r, direct);
    /// # Ok(()) }
    /// ```
    pub fn proxy(mut self, proxy: &str) -> Self {
        match super::routes::Route::parse(proxy) {
            Ok(route) => {
                self.route = Some(route);
                self
            }
            Err(e) => self.fail(e),
        }
    }

    /// Per-request option names of [`Request::options_json`].
    pub const OPTION_NAMES: &'static [&'static str] = &[
        "headers",
        "query",
        "json",
        "body",
        "form",
        "timeout",
        "read_timeout",
        "timeout_covers_body",
        "decompress",
        "max_response_bytes",
        "redirect",
        "retries",
        "file",
        "multipart",
        "auth",
        "proxy",
    ];

    /// Sends the request and reads the whole response. Works from any async runtime (or
    /// executor): the work runs on tlsguard's own runtime and this future awaits it. Dropping
    /// the future cancels the request.
    pub async fn send(self) -> Result<Response> {
        let url = self.url.clone();
        let handle = runtime::handle().map_err(|e| e.with_url(url.as_str()))?;
        let pool = self.client.pool();
        let mut task = AbortOnDrop(handle.spawn(self.execute(pool)));
        match (&mut task.0).await {
            Ok(r) => r,
            Err(e) => Err(task_failed(e, &url)),
        }
    }
}

/// A request task that panicked (or was cancelled by a runtime shutting down) is a bug or a
/// runtime failure, not something the server did: `INTERNAL`, with the `JoinError` as cause.
impl Request {
    /// Sends the request and returns once the response's headers have arrived, its body
    /// unread ([`StreamedResponse`]): for large downloads, and for bodies to pass on as they
    /// come. Redirects are followed as by [`Request::send`]. Works from any async runtime; the
    /// body stream may be read from any executor or thread.
    pub async fn send_streaming(self) -> Result<StreamedResponse> {
        let url = self.url.clone();
        let handle = runtime::handle().map_err(|e| e.with_url(url.as_str()))?;
        let pool = self.client.pool();
        let mut task = AbortOnDrop(handle.spawn(self.execute_streaming(pool, handle.clone())));
        match (&mut task.0).await {
            Ok(r) => r,
            Err(e) => Err(task_failed(e, &url)),
        }
    }

    /// [`Request::send_streaming`] from a plain (non-async) thread; read the body with
    /// [`StreamedResponse::into_reader`] or [`BodyStream::chunk_blocking`](super::BodyStream::chunk_blocking).
    /// Inside an async runtime it refuses with `INVALID_ARGUMENT`.
    pub fn send_streaming_blocking(self) -> Result<StreamedResponse> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::invalid(
                "send_streaming_blocking() was called inside an async runtime, where it would block the runtime; use send_streaming().await",
            )
            .with_url(self.url.as_str()));
        }
        let url = self.url.clone();
        let handle = runtime::handle().map_err(|e| e.with_url(url.as_str()))?;
        handle.block_on(self.send_streaming())
    }
}

fn task_failed(e: tokio::task::JoinError, url: &str) -> Error {
    Error::new(Code::Internal, format!("the request task failed: {e}")).with_url(url).with_source(e)
}

/// Aborts the spawned request when the `send()` future is dropped (cancelled).
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_request_task_is_internal() {
        let rt = tokio::runtime::Builder::new_current_thread().build().expect("rt");
        let join_err = rt.block_on(async {
            tokio::spawn(async { panic!("boom in the request task") }).await.expect_err("the task panicked")
        });
        let e = task_failed(join_err, "https://example.test/");
        assert_eq!(e.code(), Code::Internal, "{e}");
        assert_eq!(e.url(), Some("https://example.test/"));
        let cause = std::error::Error::source(&e).expect("the JoinError is the cause");
        assert!(cause.downcast_ref::<tokio::task::JoinError>().is_some_and(|j| j.is_panic()), "{cause}");
    }
}
