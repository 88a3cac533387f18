//! One request from start to response: the whole-request timeout, the redirect loop, and
//! reading and decoding the body.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderName, HeaderValue};
use http_body_util::Full;

use super::connect;
use super::{Client, HyperClient, Method, Request, Response, body, errors, headers, urls};
use crate::error::{Code, Error, Result};
use crate::net::secs;
use crate::tls::TlsInfo;

impl Request {
    /// The whole request under the whole-request timeout, on `pool` (which belongs to the
    /// runtime this runs on).
    pub(super) async fn execute(self, pool: HyperClient) -> Result<Response> {
        let original = self.url.clone();
        if let Some(e) = self.error {
            return Err(e.with_url(original));
        }
        if self.client.is_closed() {
            return Err(Error::invalid("the client is closed").with_url(original));
        }
        let timeout = self.timeout.unwrap_or(self.client.inner.options.timeout);
        let started = Instant::now();
        let exchange = Exchange {
            client: self.client,
            method: self.method,
            url: self.url,
            headers: self.headers,
            query: self.query,
            body: self.body,
            body_type: self.body_type,
            started,
            deadline: started + timeout,
            pool,
        };
        // Every error names the URL the caller asked for (messages name redirect targets).
        match tokio::time::timeout(timeout, exchange.run()).await {
            // Decoding that ran past the deadline reports the same timeout as the I/O would.
            Ok(Err(e)) if e.code() == Code::Timeout && e.message() == body::PAST_DEADLINE => {
                Err(timed_out(&original, timeout))
            }
            Ok(r) => r.map_err(|e| e.with_url(original)),
            Err(_) => Err(timed_out(&original, timeout)),
        }
    }
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

/// The state of one request across its redirects.
struct Exchange {
    client: Client,
    method: Method,
    url: String,
    headers: Vec<(HeaderName, HeaderValue)>,
    query: Vec<(String, String)>,
    body: Option<Bytes>,
    body_type: Option<&'static str>,
    started: Instant,
    /// When the whole-request timeout expires (decoding stops there too).
    deadline: Instant,
    pool: HyperClient,
}

/// How much of a redirect response's body is read (so the connection can be reused).
const REDIRECT_BODY_DRAIN: u64 = 64 * 1024;

impl Exchange {
    async fn run(self) -> Result<Response> {
        let inner = self.client.inner.clone();
        let opts = &inner.options;
        // `https://user:pass@host/`: Basic auth (unless the caller set Authorization), and the
        // credentials leave the URL: never in HTTP/2's :authority, Response::url or messages.
        let (mut url, url_auth) = urls::parse_url(&self.url, opts.allow_http)?;
        if !self.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &self.query {
                pairs.append_pair(k, v);
            }
        }
        let mut headers = headers::merge(&inner.default_headers, &self.headers, self.body_type)?;
        if let Some(auth) = url_auth {
            headers.entry(http::header::AUTHORIZATION).or_insert(auth);
        }
        let mut method = self.method;
        let mut body = self.body.unwrap_or_default();
        let mut redirects: u32 = 0;
        let pool = self.pool;
        loop {
            let host = url.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']').to_owned();
            let uri: http::Uri = url
                .as_str()
                .parse()
                .map_err(|e| Error::new(Code::InvalidUrl, format!("URL {url} cannot be sent: {e}")))?;
            let mut req = http::Request::new(Full::new(body.clone()));
            *req.method_mut() = method.to_http();
            *req.uri_mut() = uri;
            *req.headers_mut() = headers.clone();
            let res = pool
                .request(req)
                .await
                .map_err(|e| errors::classify(&e, errors::failure_of(&e).as_ref(), &inner.tls, &host))?;
            let status = res.status().as_u16();

            if urls::is_redirect(status)
                && opts.max_redirects > 0
                && let Some(location) = res.headers().get(http::header::LOCATION)
            {
                let location = String::from_utf8_lossy(location.as_bytes()).into_owned();
                if redirects >= opts.max_redirects {
                    return Err(Error::new(
                        Code::TooManyRedirects,
                        format!("stopped after {redirects} redirects; last Location: {location}"),
                    ));
                }
                let hop = urls::next_hop(&url, status, &location, method, opts.allow_http)?;
                // Read a small body so the connection goes back to the pool; ignore errors.
                let _ = body::read_capped(res.into_body(), REDIRECT_BODY_DRAIN).await;
                if !hop.keep_body {
                    body = Bytes::new();
                    for h in urls::BODY_HEADERS {
                        headers.remove(h);
                    }
                }
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
                method = hop.method;
                url = hop.url;
                redirects += 1;
                continue;
            }

            let (parts, incoming) = res.into_parts();
            let cap = opts.max_response_bytes;
            let no_body = method == Method::Head || status == 204 || status == 304 || (100..200).contains(&status);
            let body = if no_body {
                Bytes::new()
            } else {
                body::check_content_length(&parts.headers, cap)?;
                body::check_coding_chains(&parts.headers)?;
                let raw = body::read_capped(incoming, cap).await.map_err(|e| match e {
                    body::ReadError::Ours(e) => e,
                    body::ReadError::Hyper(h) => {
                        let failure = parts.extensions.get::<connect::TlsFailure>();
                        errors::classify(&h, failure, &inner.tls, &host)
                    }
                })?;
                match body::parse_encodings(&parts.headers) {
                    Some(encs) if !encs.is_empty() => body::decode_off_runtime(raw, encs, cap, self.deadline).await?,
                    _ => raw,
                }
            };
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
            return Ok(Response {
                status,
                headers,
                body,
                url: url.to_string(),
                redirects,
                http_version,
                tls: parts.extensions.get::<TlsInfo>().cloned(),
                elapsed: self.started.elapsed(),
                peer_certificates: std::sync::OnceLock::new(),
            });
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
