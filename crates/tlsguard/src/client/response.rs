//! [`ResponseHead`] (status, headers, URL, redirects, TLS facts) and [`Response`]: a head
//! and its whole body.

use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;

use crate::cert::Certificate;
use crate::error::{Code, Error, Result};
use crate::tls::TlsInfo;

/// One redirect followed on the way to a response: the URL that answered with a 3xx, and its
/// status.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Redirect {
    /// The URL that was requested (credentials removed).
    pub url: String,
    /// Its 3xx status.
    pub status: u16,
}

/// What a response says before its body: status, headers, final URL, redirects, and what the
/// connection negotiated. [`Response`] and [`StreamedResponse`](super::StreamedResponse)
/// dereference to it.
#[derive(Clone)]
pub struct ResponseHead {
    pub(super) status: u16,
    pub(super) headers: Vec<(String, String)>,
    pub(super) url: String,
    pub(super) history: Vec<Redirect>,
    pub(super) location: Option<String>,
    pub(super) http_version: &'static str,
    /// Shared by every response of the connection (one copy of the peer chain).
    pub(super) tls: Option<std::sync::Arc<TlsInfo>>,
    pub(super) elapsed: Duration,
    /// Attempts made (1 unless a retry policy retried).
    pub(super) attempts: u32,
    /// Whether the body is (or would be) decoded from the `Content-Encoding`.
    pub(super) body_decoded: bool,
    /// `tls.peer_certificates` as certificates, made on first use.
    pub(super) peer_certificates: OnceLock<Vec<Certificate>>,
}

impl fmt::Debug for ResponseHead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseHead")
            .field("status", &self.status)
            .field("url", &self.url)
            .field("http_version", &self.http_version)
            .field("redirects", &self.history.len())
            .finish_non_exhaustive()
    }
}

impl ResponseHead {
    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// How many times the request was sent or tried to connect: 1, unless its retry policy
    /// retried it (a failed connection or a listed status such as 503).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The canonical reason phrase of the status (`"OK"`, `"Not Found"`), empty if unknown.
    pub fn reason(&self) -> &str {
        http::StatusCode::from_u16(self.status).ok().and_then(|s| s.canonical_reason()).unwrap_or("")
    }

    /// All headers in the order received; names lowercase, repeated names kept. Values that
    /// are not UTF-8 are converted lossily.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The distinct header names, lowercase, in first-seen order.
    pub fn header_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for (n, _) in self.headers() {
            if !names.contains(&n.as_str()) {
                names.push(n);
            }
        }
        names
    }

    /// All values of header `name` (case-insensitive), in order.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
    }

    /// Whether the body is decoded from the response's `Content-Encoding`: every coding it
    /// names is one tlsguard decodes (gzip, deflate, br, zstd) and the request did not ask for
    /// `decompress: false`. Said of the headers, so also for a response without a body (HEAD,
    /// 204, 304), whose body would have been decoded. The headers stay as the server sent them;
    /// an adapter whose library would decode again (requests, httpx, Guzzle, PSR-18) removes or
    /// renames `Content-Encoding` when this is true.
    pub fn body_decoded(&self) -> bool {
        self.body_decoded
    }

    /// The cookies this response sets: its `Set-Cookie` headers as a jar would store them from
    /// its URL (RFC 6265: a `Domain` that does not cover the host, a public suffix, an expired
    /// or malformed cookie left out), in order (requests' and httpx's `response.cookies`).
    pub fn cookies(&self) -> Vec<crate::cookies::Cookie> {
        let Ok(url) = url::Url::parse(self.url()) else { return Vec::new() };
        let jar = crate::cookies::CookieJar::new();
        jar.store_response(&url, self.header_all("set-cookie").into_iter().map(str::as_bytes));
        jar.cookies()
    }

    /// `Err(HTTP_STATUS)` for a 4xx or 5xx status (requests' `raise_for_status`), else `Ok`.
    pub fn error_for_status(&self) -> Result<()> {
        let status = self.status();
        if !(400..600).contains(&status) {
            return Ok(());
        }
        let side = if status < 500 { "client error" } else { "server error" };
        Err(Error::new(Code::HttpStatus, format!("{status} {} ({side}) for {}", self.reason(), self.url()))
            .with_url(self.url().to_owned()))
    }

    /// The final URL, after redirects.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// How many redirects were followed.
    pub fn redirects(&self) -> u32 {
        self.history.len() as u32
    }

    /// The redirects followed, in order: each URL that answered with a 3xx and its status
    /// (requests' `history`, without the bodies).
    pub fn history(&self) -> &[Redirect] {
        &self.history
    }

    /// For a 3xx returned as it is (redirect mode `manual`, or `max_redirects` 0): the target
    /// its `Location` names, resolved against the URL (`None` when there is no usable
    /// `Location`). The `location` header itself is kept as the server sent it.
    pub fn redirect_target(&self) -> Option<&str> {
        self.location.as_deref()
    }

    /// `"HTTP/1.1"` or `"HTTP/2"` (`"HTTP/1.0"` for an HTTP/1.0 server).
    pub fn http_version(&self) -> &str {
        self.http_version
    }

    /// What the TLS handshake negotiated (`None` for `http://`).
    pub fn tls(&self) -> Option<&TlsInfo> {
        self.tls.as_deref()
    }

    /// The certificates the server presented, leaf first (empty for `http://`). Checked on
    /// the first call (certificates that cannot be parsed are skipped), summarised when read.
    pub fn peer_certificates(&self) -> &[Certificate] {
        self.peer_certificates.get_or_init(|| {
            let ders = self.tls.as_ref().map(|t| t.peer_certificates.as_slice()).unwrap_or_default();
            ders.iter().filter_map(|d| Certificate::checked_or_known(d.clone()).ok()).collect()
        })
    }

    /// Time from sending the request to having read the whole body (all redirects included);
    /// for a streamed response, to having its headers.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// The `charset` parameter of `Content-Type` (unquoted, as sent; `None` when there is none):
    /// for bindings that decode text with the host language's codecs (Python's `encoding`).
    pub fn charset(&self) -> Option<&str> {
        let content_type = self.header("content-type")?;
        content_type.split(';').skip(1).find_map(|param| {
            let (name, value) = param.split_once('=')?;
            if !name.trim().eq_ignore_ascii_case("charset") {
                return None;
            }
            let value = value.trim();
            let value = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value).trim();
            (!value.is_empty()).then_some(value)
        })
    }
}

/// A complete response: its [`ResponseHead`] (status, headers, TLS facts; reached through
/// `Deref`) and the decoded body.
#[derive(Clone)]
pub struct Response {
    pub(super) head: ResponseHead,
    pub(super) body: Bytes,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.head.status)
            .field("url", &self.head.url)
            .field("http_version", &self.head.http_version)
            .field("redirects", &self.head.history.len())
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl std::ops::Deref for Response {
    type Target = ResponseHead;
    fn deref(&self) -> &ResponseHead {
        &self.head
    }
}

impl Response {
    /// A response made by hand, not received: for test doubles in the bindings (Python's
    /// `tlsguard.Response(200, headers=..., content=...)`). No TLS, no redirects, HTTP/1.1,
    /// `elapsed` zero, one attempt; header names are lowercased as received ones are.
    /// `INVALID_ARGUMENT` for a status outside 100..=999 or a header that could not be sent.
    pub fn new(
        status: u16,
        headers: Vec<(String, String)>,
        url: impl Into<String>,
        body: impl Into<Bytes>,
    ) -> Result<Response> {
        if http::StatusCode::from_u16(status).is_err() {
            return Err(Error::invalid(format!("status: {status} is not an HTTP status (100 to 999)")));
        }
        let headers = headers
            .into_iter()
            .map(|(name, value)| {
                let name = http::HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| Error::invalid(format!("headers: {name:?} is not a header name")))?;
                if http::HeaderValue::from_str(&value).is_err() {
                    return Err(Error::invalid(format!("headers: the value of {name} is not a header value")));
                }
                Ok((name.as_str().to_owned(), value))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Response {
            head: ResponseHead {
                status,
                headers,
                url: url.into(),
                history: Vec::new(),
                location: None,
                http_version: "HTTP/1.1",
                tls: None,
                elapsed: Duration::ZERO,
                attempts: 1,
                body_decoded: false,
                peer_certificates: OnceLock::new(),
            },
            body: body.into(),
        })
    }

    /// The body, decoded from gzip/deflate/br/zstd when the server compressed it (unless the
    /// request asked for `decompress: false`).
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body, consuming the response.
    pub fn into_body(self) -> Bytes {
        self.body
    }

    /// The head and the body, consuming the response.
    pub fn into_parts(self) -> (ResponseHead, Bytes) {
        (self.head, self.body)
    }

    /// The body as text (UTF-8; invalid sequences replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON (`HTTP_PROTOCOL` if it is not JSON).
    pub fn json(&self) -> Result<serde_json::Value> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::new(Code::HttpProtocol, format!("response body is not valid JSON: {e}")).with_url(self.url.as_str())
        })
    }
}

#[cfg(test)]
mod tests {
    use rustls::pki_types::CertificateDer;

    use super::*;

    #[test]
    fn peer_certificates_are_checked_when_asked_for_and_summarised_when_read() {
        let pem = rcgen::generate_simple_self_signed(vec!["a.test".into()]).expect("cert").cert.pem();
        let mut ders = crate::cert::certificate_ders(pem.as_bytes()).unwrap();
        ders.push(CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x00]));
        let r = ResponseHead {
            status: 200,
            headers: Vec::new(),
            url: "https://a.test/".into(),
            history: Vec::new(),
            location: None,
            http_version: "HTTP/1.1",
            tls: Some(std::sync::Arc::new(TlsInfo {
                version: crate::tls::TlsVersion::Tls13,
                cipher_suite: String::new(),
                alpn: None,
                peer_certificates: ders,
                warnings: Vec::new(),
                resumed: false,
            })),
            body_decoded: false,
            elapsed: Duration::ZERO,
            attempts: 1,
            peer_certificates: OnceLock::new(),
        };
        assert!(r.peer_certificates.get().is_none(), "a response parses nothing by itself");
        assert_eq!(r.peer_certificates().len(), 1, "what does not parse is left out");
        assert!(!r.peer_certificates()[0].is_summarised(), "checked, not summarised");
        assert_eq!(r.peer_certificates()[0].dns_names, ["a.test"]);
        assert!(r.peer_certificates()[0].is_summarised(), "made once, kept");
    }

    #[test]
    fn the_cookies_a_response_sets() {
        let set = |v: &str| ("set-cookie".to_owned(), v.to_owned());
        let headers = vec![
            set("a=1; Path=/"),
            set("b=two; Max-Age=60"),
            set("gone=x; Max-Age=0"),
            set("other=1; Domain=elsewhere.test"),
            set("malformed"),
        ];
        let r = Response::new(200, headers, "https://a.test/x", "").unwrap();
        let got: Vec<_> = r.cookies().into_iter().map(|c| (c.name, c.value)).collect();
        assert_eq!(got, [("a".to_owned(), "1".to_owned()), ("b".to_owned(), "two".to_owned())]);
        assert!(Response::new(200, vec![set("a=1")], "", "").unwrap().cookies().is_empty(), "no URL, no cookies");
    }

    #[test]
    fn a_response_made_by_hand_and_its_charset() {
        let h = |ct: &str| vec![("Content-Type".to_owned(), ct.to_owned())];
        let r = Response::new(404, h("text/html; charset=\"ISO-8859-1\""), "https://a.test/", "x").unwrap();
        assert_eq!((r.status(), r.header("content-type").is_some(), r.body().as_ref()), (404, true, &b"x"[..]));
        assert_eq!(r.headers()[0].0, "content-type");
        assert_eq!(r.charset(), Some("ISO-8859-1"));
        let charset = |ct: &str| Response::new(200, h(ct), "", "").unwrap().charset().map(str::to_owned);
        assert_eq!(charset("text/plain;Charset=utf-16 ; format=flowed").as_deref(), Some("utf-16"));
        assert_eq!(charset("application/json"), None);
        assert_eq!(charset("text/plain; charset="), None);
        assert_eq!(Response::new(200, Vec::new(), "", "").unwrap().charset(), None);
        assert!(Response::new(42, Vec::new(), "", "").is_err());
        assert!(Response::new(200, vec![("bad name".into(), "v".into())], "", "").is_err());
        assert!(Response::new(200, vec![("x".into(), "a\nb".into())], "", "").is_err());
    }
}
