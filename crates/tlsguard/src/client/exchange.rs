//! One request from start to response: the timeouts, the redirect loop, and reading and
//! decoding the body (buffered), or handing it to a [`BodyStream`] (streamed).

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderName, HeaderValue};

use super::connect;
use super::request::Redirects;
use super::response::{Redirect, ResponseHead};
use super::routes::Pools;
use super::stream::{BodyStream, ErrCtx, StreamLimits, StreamedResponse};
use super::upload::{Payload, Progress};
use super::{Auth, Client, CookieJar, HyperClient, Method, Request, Response, body, errors, headers, urls};
use crate::auth;
use crate::error::{Code, Error, Result};
use crate::net::secs;
use crate::tls::TlsInfo;

impl Request {
    /// The settings of this request: its own, else the client's.
    fn limits(&self) -> Limits {
        let o = &self.client.inner.options;
        Limits {
            timeout: self.timeout.unwrap_or(o.timeout),
            read_timeout: self.read_timeout.unwrap_or(o.read_timeout),
            // A new connection may first wait for a free slot (max_connections_per_host).
            connect_timeout: o.connect_timeout
                + o.max_connections_per_host.map_or(Duration::ZERO, |_| o.pool_wait_timeout),
        }
    }

    /// Everything but the body, checked; `Err` for the first invalid input.
    fn into_exchange(self, pools: Pools) -> Result<(Exchange, Limits)> {
        let original = self.url.clone();
        if let Some(e) = self.error {
            return Err(e.with_url(original));
        }
        if self.client.is_closed() {
            return Err(Error::invalid("the client is closed").with_url(original));
        }
        let limits = self.limits();
        let started = Instant::now();
        // The pool of the request's own proxy route, if it has one.
        let pool = pools.select(self.route.as_ref(), &self.client.inner);
        let exchange = Exchange {
            cap: self.max_response_bytes,
            decompress: self.decompress,
            redirect: self.redirect,
            retries: self.retries.or_else(|| self.client.inner.options.retries.clone()).filter(|r| r.max_retries > 0),
            client: self.client,
            method: self.method,
            url: self.url,
            headers: self.headers,
            query: self.query,
            body: self.body,
            body_type: self.body_type,
            started,
            deadline: limits.timeout.map(|t| started + t),
            read_timeout: limits.read_timeout,
            read_timeout_for_head: limits.read_timeout,
            connect_timeout: limits.connect_timeout,
            pool,
            auth: self.auth,
        };
        Ok((exchange, limits))
    }

    /// The whole request under the whole-request timeout, on `pool` (which belongs to the
    /// runtime this runs on).
    pub(super) async fn execute(self, pool: Pools) -> Result<Response> {
        let original = self.url.clone();
        let (exchange, limits) = self.into_exchange(pool)?;
        // Every error names the URL the caller asked for (messages name redirect targets).
        let result = match limits.timeout {
            None => exchange.run().await,
            Some(timeout) => match tokio::time::timeout(timeout, exchange.run()).await {
                // Decoding that ran past the deadline reports the same timeout as the I/O would.
                Ok(Err(e)) if e.code() == Code::Timeout && e.message() == body::PAST_DEADLINE => {
                    Err(timed_out(&original, timeout))
                }
                Ok(r) => r,
                Err(_) => Err(timed_out(&original, timeout)),
            },
        };
        result.map_err(|e| e.with_url(original))
    }

    /// The request up to its response headers, under the whole-request timeout; the body is
    /// left to the caller, under `read_timeout` and (if the request asked) what is left of the
    /// whole-request timeout.
    pub(super) async fn execute_streaming(
        self,
        pool: Pools,
        handle: tokio::runtime::Handle,
    ) -> Result<StreamedResponse> {
        let original = self.url.clone();
        let covers_body = self.timeout_covers_body;
        let (exchange, limits) = self.into_exchange(pool)?;
        let cap = exchange.cap;
        let collect_cap = exchange.cap.unwrap_or(exchange.client.inner.options.max_response_bytes);
        let read_timeout = exchange.read_timeout;
        let decompress = exchange.decompress;
        let tls = exchange.client.inner.tls.clone();
        let started = exchange.started;
        let head = match limits.timeout {
            None => exchange.head().await,
            Some(timeout) => tokio::time::timeout(timeout, exchange.head())
                .await
                .unwrap_or_else(|_| Err(timed_out(&original, timeout))),
        }
        .map_err(|e| e.with_url(original.as_str()))?;
        let Fetched { parts, incoming, url, history, method, host, location, attempts } = head;
        let body = if has_no_body(method, parts.status.as_u16()) {
            None
        } else {
            if let Some(cap) = cap {
                body::check_content_length(&parts.headers, cap).map_err(|e| e.with_url(original.as_str()))?;
            }
            body::check_coding_chains(&parts.headers).map_err(|e| e.with_url(original.as_str()))?;
            let failure = parts.extensions.get::<connect::TlsFailure>().cloned();
            Some((incoming, ErrCtx { tls, failure, host }))
        };
        let encodings = match body::parse_encodings(&parts.headers) {
            Some(encs) if decompress => encs,
            _ => Vec::new(),
        };
        let deadline = match (covers_body, limits.timeout) {
            (true, Some(t)) => Some((tokio::time::Instant::from_std(started + t), t)),
            _ => None,
        };
        let limits = StreamLimits { cap, collect_cap, read_timeout, deadline };
        let decoded = !encodings.is_empty();
        let head = response_head(parts, url, history, location, started, attempts, decoded);
        let body = BodyStream::new(body, encodings, limits, handle, original);
        Ok(StreamedResponse { head, body })
    }
}

/// The limits one request runs under.
struct Limits {
    timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    connect_timeout: Duration,
}

/// The `TIMEOUT` error of a request to `original` that did not end within `timeout`.
fn timed_out(original: &str, timeout: Duration) -> Error {
    Error::new(
        Code::Timeout,
        format!("request to {} timed out after {} (timeout)", redact_url(original), secs(timeout)),
    )
    .with_url(original)
}

use crate::util::url_without_credentials as redact_url;

/// Whether a response to `method` with `status` has no body (HEAD, 1xx, 204, 304).
fn has_no_body(method: Method, status: u16) -> bool {
    method == Method::Head || status == 204 || status == 304 || (100..200).contains(&status)
}

/// The state of one request across its redirects.
struct Exchange {
    client: Client,
    method: Method,
    url: String,
    headers: Vec<(HeaderName, HeaderValue)>,
    query: Vec<(String, String)>,
    body: Payload,
    body_type: Option<std::borrow::Cow<'static, str>>,
    started: Instant,
    /// When the whole-request timeout expires (decoding stops there too); `None`: no limit.
    deadline: Option<Instant>,
    read_timeout: Option<Duration>,
    /// The longest wait for a response's headers after the last bytes of the request were
    /// handed to the connection (plus `connect_timeout` for a connection that may have to be
    /// made first).
    read_timeout_for_head: Option<Duration>,
    connect_timeout: Duration,
    /// The request's own `max_response_bytes`.
    cap: Option<u64>,
    decompress: bool,
    redirect: Redirects,
    /// The retry policy (the request's, else the client's), if it allows any retry.
    retries: Option<super::Retries>,
    pool: HyperClient,
    /// The request's own `auth` (`Some(None)`: none).
    auth: Option<Option<Auth>>,
}

/// A response's head and unread body, after the redirects.
struct Fetched {
    parts: http::response::Parts,
    incoming: hyper::body::Incoming,
    url: url::Url,
    history: Vec<Redirect>,
    method: Method,
    host: String,
    location: Option<String>,
    attempts: u32,
}

/// `sent` (hyper's response future), or `None` once `read` has passed without a response since
/// the last request bytes sent (or a connection made for it), and, while a connection is
/// being made for it, since the connect allowance.
async fn wait_for_head<F: std::future::Future>(
    sent: F,
    progress: &std::sync::Arc<Progress>,
    read: Duration,
    connect: Duration,
) -> Option<F::Output> {
    let start = tokio::time::Instant::now();
    let from = || {
        let last = tokio::time::Instant::from_std(progress.last());
        if progress.connecting() { last.max(start + connect) } else { last }
    };
    // The connector sees this request's progress while hyper polls it (see Progress::polling).
    let sent = progress.polling(sent);
    tokio::pin!(sent);
    loop {
        let at = from();
        tokio::select! {
            biased;
            r = &mut sent => return Some(r),
            _ = tokio::time::sleep_until(at + read) => {
                if from() == at {
                    return None;
                }
            }
        }
    }
}

/// The debug log's line for one attempt's outcome: the response (status, HTTP version, new or
/// reused connection) or the failure, and the wait before a retry.
fn log_outcome(
    res: &std::result::Result<http::Response<hyper::body::Incoming>, (Error, bool)>,
    host: &str,
    wait: Option<Duration>,
) {
    let retry = wait.map(|w| format!("; retrying in {}", secs(w))).unwrap_or_default();
    match res {
        Ok(r) => {
            let conn = r.extensions().get::<crate::log::ConnLog>().map(|c| c.describe()).unwrap_or_default();
            tracing::debug!("{} from {host}, {:?}, {conn}{retry}", r.status(), r.version());
        }
        Err((e, _)) => tracing::debug!("failed: {e}{retry}"),
    }
}

/// How much of a redirect response's body is read (so the connection can be reused).
const REDIRECT_BODY_DRAIN: u64 = 64 * 1024;

/// Adds the jar's cookies for `url` to the request's `Cookie` header: after the caller's own
/// cookies, leaving out names the caller set (one `Cookie` header, as RFC 6265 5.4 asks).
fn add_jar_cookies(headers: &mut http::HeaderMap, jar: &CookieJar, url: &url::Url) {
    let Some(from_jar) = jar.header_for(url) else { return };
    let own: Vec<String> = headers
        .get_all(http::header::COOKIE)
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .collect();
    let name_of = |pair: &str| pair.split('=').next().unwrap_or("").trim().to_owned();
    let own_names: Vec<String> = own.iter().flat_map(|h| h.split(';')).map(name_of).collect();
    let extra: Vec<&str> = from_jar.split("; ").filter(|pair| !own_names.contains(&name_of(pair))).collect();
    if extra.is_empty() {
        return;
    }
    let mut all = own;
    all.extend(extra.iter().map(|s| (*s).to_owned()));
    if let Ok(mut v) = HeaderValue::from_str(&all.join("; ")) {
        v.set_sensitive(true);
        headers.insert(http::header::COOKIE, v);
    }
}

/// The head of a response, from hyper's parts.
fn response_head(
    parts: http::response::Parts,
    url: url::Url,
    history: Vec<Redirect>,
    location: Option<String>,
    started: Instant,
    attempts: u32,
    body_decoded: bool,
) -> ResponseHead {
    let headers = parts
        .headers
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let http_version = match parts.version {
        http::Version::HTTP_2 => "HTTP/2",
        http::Version::HTTP_10 => "HTTP/1.0",
        http::Version::HTTP_09 => "HTTP/0.9",
        http::Version::HTTP_3 => "HTTP/3",
        _ => "HTTP/1.1",
    };
    ResponseHead {
        status: parts.status.as_u16(),
        headers,
        url: url.to_string(),
        history,
        location,
        http_version,
        tls: parts.extensions.get::<std::sync::Arc<TlsInfo>>().cloned(),
        elapsed: started.elapsed(),
        attempts,
        body_decoded,
        peer_certificates: std::sync::OnceLock::new(),
    }
}

impl Exchange {
    /// The whole response, its body read and decoded under the caps and timeouts.
    async fn run(self) -> Result<Response> {
        let inner = self.client.inner.clone();
        let cap = self.cap.unwrap_or(inner.options.max_response_bytes);
        let (deadline, read_timeout, decompress, started) =
            (self.deadline, self.read_timeout, self.decompress, self.started);
        let tls = inner.tls.clone();
        let Fetched { parts, incoming, url, history, method, host, location, attempts } = self.head().await?;
        let status = parts.status.as_u16();
        // The codings to undo (none under `decompress: false`, or when one is unknown).
        let encodings = body::parse_encodings(&parts.headers).filter(|e| decompress && !e.is_empty());
        let decoded = encodings.is_some();
        let body = if has_no_body(method, status) {
            Bytes::new()
        } else {
            body::check_content_length(&parts.headers, cap)?;
            body::check_coding_chains(&parts.headers)?;
            let raw = body::read_capped(incoming, cap, read_timeout).await.map_err(|e| match e {
                body::ReadError::Ours(e) => e,
                body::ReadError::Hyper(h) => {
                    let failure = parts.extensions.get::<connect::TlsFailure>();
                    errors::classify(&h, failure, &tls, &host)
                }
            })?;
            match encodings {
                Some(encs) => {
                    // No whole-request limit: decoding still ends, at the cap.
                    let deadline = deadline.unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400 * 365));
                    body::decode_off_runtime(raw, encs, cap, deadline).await?
                }
                None => raw,
            }
        };
        let head = response_head(parts, url, history, location, started, attempts, decoded);
        Ok(Response { head, body })
    }

    /// Sends the request and follows redirects up to the final response's head.
    async fn head(self) -> Result<Fetched> {
        let inner = self.client.inner.clone();
        let opts = &inner.options;
        // `https://user:pass@host/`: Basic auth (unless the caller set Authorization), and the
        // credentials leave the URL: never in HTTP/2's :authority, Response::url or messages.
        let (mut url, url_auth) = urls::parse_url_under(&self.url, opts.base_url.as_ref(), opts.allow_http)?;
        if !self.query.is_empty() || !opts.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in opts.query.iter().chain(&self.query) {
                pairs.append_pair(k, v);
            }
        }
        let mut headers = headers::merge(&inner.default_headers, &self.headers, self.body_type.as_deref())?;
        // One Authorization, from the most specific source; like a caller's own header, it is
        // dropped below when a redirect leaves the origin, and not restored after.
        auth::AuthSources {
            request: self.auth.as_ref(),
            request_header: self.headers.iter().any(|(n, _)| n == http::header::AUTHORIZATION),
            url: url_auth,
            client: opts.auth.as_ref(),
        }
        .apply(&mut headers)?;
        let jar = opts.cookies.as_ref();
        let mut method = self.method;
        let mut body = self.body;
        let mut history: Vec<Redirect> = Vec::new();
        let pool = self.pool;
        // Attempts over the whole request (redirect hops included).
        let mut attempts = 0u32;
        loop {
            let host = url.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']').to_owned();
            let uri: http::Uri = url
                .as_str()
                .parse()
                .map_err(|e| Error::new(Code::InvalidUrl, format!("URL {url} cannot be sent: {e}")))?;
            let res = loop {
                attempts += 1;
                tracing::debug!("{method} {} (attempt {attempts})", crate::log::url(&url));
                let progress = Progress::new();
                let mut req = http::Request::new(body.to_body(&progress)?);
                *req.method_mut() = method.to_http();
                *req.uri_mut() = uri.clone();
                *req.headers_mut() = headers.clone();
                if body.is_empty() && matches!(method, Method::Post | Method::Put) {
                    // RFC 9110 §8.6 and the Fetch standard: a POST or PUT says its (empty)
                    // length; hyper sends none for an empty body.
                    req.headers_mut().entry(http::header::CONTENT_LENGTH).or_insert(HeaderValue::from_static("0"));
                }
                if let Some(jar) = jar {
                    add_jar_cookies(req.headers_mut(), jar, &url);
                }
                let sent = pool.request(req);
                let classify = |e: hyper_util::client::legacy::Error| {
                    let connecting = e.is_connect();
                    (errors::classify(&e, errors::failure_of(&e).as_ref(), &inner.tls, &host), connecting)
                };
                let res = match self.read_timeout_for_head {
                    None => sent.await.map_err(classify),
                    Some(read) => match wait_for_head(sent, &progress, read, self.connect_timeout).await {
                        Some(r) => r.map_err(classify),
                        None => Err((
                            Error::new(
                                Code::Timeout,
                                format!(
                                    "no response headers from {host} within {} of sending the request (read_timeout)",
                                    secs(read)
                                ),
                            ),
                            false,
                        )),
                    },
                };
                // Another attempt is allowed (count, method, a body that can be sent again)...
                let retry = self
                    .retries
                    .as_ref()
                    .filter(|r| attempts <= r.max_retries && r.allows(method) && body.can_resend());
                // ... for a failure that is safe to retry, or a listed status, if its wait
                // ends before the request's deadline.
                let wait = match (&res, retry) {
                    (Err((e, connecting)), Some(r)) if crate::retry::retryable(e, *connecting) => {
                        Some(r.backoff(attempts))
                    }
                    (Ok(res), Some(r)) => {
                        let after = res.headers().get(http::header::RETRY_AFTER).and_then(|v| v.to_str().ok());
                        r.wait_for_status(res.status().as_u16(), after, attempts)
                    }
                    _ => None,
                }
                .filter(|w| self.deadline.is_none_or(|d| Instant::now() + *w < d));
                if tracing::enabled!(tracing::Level::DEBUG) {
                    log_outcome(&res, &host, wait);
                }
                match (res, wait) {
                    (Ok(res), None) => break res,
                    (Err((e, _)), None) => return Err(e.with_attempts(attempts)),
                    (res, Some(wait)) => {
                        if let Ok(res) = res {
                            // Read a small body so the connection goes back to the pool.
                            let _ = body::read_capped(res.into_body(), REDIRECT_BODY_DRAIN, self.read_timeout).await;
                        }
                        tokio::time::sleep(wait).await;
                    }
                }
            };
            let status = res.status().as_u16();
            if let Some(jar) = jar {
                // Every response's cookies, a redirect's included (a login's 302 sets the session).
                jar.store_response(&url, res.headers().get_all(http::header::SET_COOKIE).iter().map(|v| v.as_bytes()));
            }

            if urls::is_redirect(status)
                && (opts.max_redirects > 0 || self.redirect == Redirects::Error)
                && self.redirect != Redirects::Manual
                && let Some(location) = res.headers().get(http::header::LOCATION)
            {
                let location = String::from_utf8_lossy(location.as_bytes()).into_owned();
                if self.redirect == Redirects::Error {
                    let target = url.join(location.trim()).map(|u| u.to_string()).unwrap_or_else(|_| location.clone());
                    return Err(Error::new(
                        Code::RedirectRefused,
                        format!(
                            "{url} answered {status} redirecting to {}, and the request's redirect mode is error",
                            redact_url(&target)
                        ),
                    ));
                }
                if history.len() as u32 >= opts.max_redirects {
                    return Err(Error::new(
                        Code::TooManyRedirects,
                        format!("stopped after {} redirects; last Location: {location}", history.len()),
                    ));
                }
                let hop = urls::next_hop(&url, status, &location, method, opts.allow_http)?;
                // Read a small body so the connection goes back to the pool; ignore errors.
                let _ = body::read_capped(res.into_body(), REDIRECT_BODY_DRAIN, self.read_timeout).await;
                if !hop.keep_body {
                    body = Payload::empty();
                    for h in urls::BODY_HEADERS {
                        headers.remove(h);
                    }
                }
                tracing::debug!(
                    "following the {status} redirect to {}{}",
                    crate::log::url(&hop.url),
                    if hop.cross_origin { " (another origin: credentials and sensitive headers dropped)" } else { "" }
                );
                if hop.cross_origin {
                    // Credentials, a caller-set Host, and every header marked sensitive.
                    for h in urls::CREDENTIAL_HEADERS {
                        headers.remove(h);
                    }
                    headers.remove(http::header::HOST);
                    for h in &opts.sensitive_headers {
                        headers.remove(h.as_str());
                    }
                }
                history.push(Redirect { url: url.to_string(), status });
                method = hop.method;
                url = hop.url;
                continue;
            }

            // A 3xx returned as it is: where it points, resolved.
            let location = if urls::is_redirect(status) {
                res.headers()
                    .get(http::header::LOCATION)
                    .and_then(|l| url.join(String::from_utf8_lossy(l.as_bytes()).trim()).ok())
                    .map(|u| u.to_string())
            } else {
                None
            };
            let (parts, incoming) = res.into_parts();
            return Ok(Fetched { parts, incoming, url, history, method, host, location, attempts });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction() {
        assert_eq!(redact_url("https://u:p@h.test/x"), "https://h.test/x");
        assert_eq!(redact_url("https://h.test/x"), "https://h.test/x");
        assert_eq!(redact_url("not a url"), "not a url");
    }
}
