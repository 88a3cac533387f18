//! The HTTP request over the verified connection: status, HSTS, insecure cookies.

use bytes::Bytes;
use http_body_util::Empty;
use hyper_util::rt::{TokioExecutor, TokioIo};

use super::USER_AGENT;
use super::target::Target;
use super::tls_io::TlsIo;
use crate::error::{Code, Error};
use crate::net::{authority, io_message};

pub(super) struct HttpFacts {
    pub(super) status: u16,
    pub(super) version: String,
    pub(super) hsts: Option<String>,
    pub(super) insecure_cookies: Vec<String>,
}

pub(super) enum HttpFailure {
    /// A TLS error after the handshake (a refused client certificate): what a request gives.
    Tls(rustls::Error),
    Http(Error),
}

/// `GET path` over the verified connection, with hyper's client connection API (HTTP/2 when
/// ALPN agreed on h2). Reads the status and headers only, none of the body.
pub(super) async fn http_get(
    io: TlsIo,
    target: &Target,
    path: &str,
    alpn: Option<&str>,
) -> std::result::Result<HttpFacts, HttpFailure> {
    let io = TokioIo::new(io);
    let host_header = if target.port == 443 {
        authority(&target.host, 443).trim_end_matches(":443").to_owned()
    } else {
        target.authority()
    };
    let fail = |e: hyper::Error| classify_http(&e);
    let response = if alpn == Some("h2") {
        let (mut sender, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io).await.map_err(fail)?;
        let uri = format!("https://{}{path}", target.authority());
        let req = request(&uri, None)?;
        exchange(sender.send_request(req), conn).await.map_err(fail)?
    } else {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await.map_err(fail)?;
        let req = request(path, Some(&host_header))?;
        exchange(sender.send_request(req), conn).await.map_err(fail)?
    };
    let headers = response.headers();
    let hsts = headers
        .get(http::header::STRICT_TRANSPORT_SECURITY)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let insecure_cookies = headers
        .get_all(http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| cookie_without_secure(&String::from_utf8_lossy(v.as_bytes())))
        .collect();
    let version = match response.version() {
        http::Version::HTTP_2 => "HTTP/2",
        http::Version::HTTP_10 => "HTTP/1.0",
        _ => "HTTP/1.1",
    };
    Ok(HttpFacts { status: response.status().as_u16(), version: version.to_owned(), hsts, insecure_cookies })
}

fn request(uri: &str, host: Option<&str>) -> std::result::Result<http::Request<Empty<Bytes>>, HttpFailure> {
    let mut b = http::Request::builder()
        .method(http::Method::GET)
        .uri(uri)
        .header(http::header::USER_AGENT, USER_AGENT)
        .header(http::header::ACCEPT, "*/*");
    if let Some(h) = host {
        b = b.header(http::header::HOST, h);
    }
    b.body(Empty::new())
        .map_err(|e| HttpFailure::Http(Error::invalid(format!("cannot build the request for {uri}: {e}"))))
}

/// Awaits the response while driving the connection in the same task, so that the
/// connection's own error (a TLS alert after the handshake) is what is reported, not the
/// "canceled" the request sees when the connection ends. The connection is dropped (closed)
/// with the returned future: no body is read.
async fn exchange<S, C>(send: S, conn: C) -> std::result::Result<http::Response<hyper::body::Incoming>, hyper::Error>
where
    S: std::future::Future<Output = std::result::Result<http::Response<hyper::body::Incoming>, hyper::Error>>,
    C: std::future::Future<Output = std::result::Result<(), hyper::Error>>,
{
    tokio::pin!(send);
    tokio::pin!(conn);
    let mut conn_done = false;
    loop {
        tokio::select! {
            r = &mut send => return r,
            c = &mut conn, if !conn_done => {
                conn_done = true;
                c?;
            }
        }
    }
}

/// A TLS error inside a hyper error, else HTTP_PROTOCOL with hyper's message.
fn classify_http(err: &hyper::Error) -> HttpFailure {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    let mut io_text = None;
    for _ in 0..16 {
        let Some(e) = cur else { break };
        if let Some(ioe) = e.downcast_ref::<std::io::Error>() {
            if let Some(r) = ioe.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return HttpFailure::Tls(r.clone());
            }
            io_text.get_or_insert_with(|| io_message(ioe));
        }
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return HttpFailure::Tls(r.clone());
        }
        cur = e.source();
    }
    let msg = if err.is_incomplete_message() {
        "connection closed before the response was complete".to_owned()
    } else if let Some(t) = io_text {
        format!("connection failed: {t}")
    } else {
        err.to_string()
    };
    HttpFailure::Http(Error::new(Code::HttpProtocol, msg))
}

/// The cookie name of a `Set-Cookie` value without the `Secure` attribute.
fn cookie_without_secure(value: &str) -> Option<String> {
    let mut parts = value.split(';');
    let name = parts.next()?.split('=').next()?.trim();
    if name.is_empty() {
        return None;
    }
    let secure = parts.any(|a| a.split('=').next().unwrap_or("").trim().eq_ignore_ascii_case("secure"));
    (!secure).then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_without_secure() {
        assert_eq!(cookie_without_secure("a=1; Path=/"), Some("a".into()));
        assert_eq!(cookie_without_secure("b=2; Path=/; HttpOnly"), Some("b".into()));
        assert_eq!(cookie_without_secure("c=3; Secure; HttpOnly"), None);
        assert_eq!(cookie_without_secure("d=4;secure"), None);
        assert_eq!(cookie_without_secure("e=5; SameSite=None; SECURE"), None);
        assert_eq!(cookie_without_secure("secure=1"), Some("secure".into()));
        assert_eq!(cookie_without_secure("=x"), None);
    }
}
