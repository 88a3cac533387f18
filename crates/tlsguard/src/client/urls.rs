//! URL policy (what may be requested) and redirect decisions, as pure functions.

use url::Url;

use super::Method;
use crate::error::{Code, Error, Result};
use crate::util::url_without_credentials;

/// [`parse_url_under`] without a base.
#[cfg(test)]
pub(crate) fn parse_url(input: &str, allow_http: bool) -> Result<(Url, Option<http::HeaderValue>)> {
    parse_url_under(input, None, allow_http)
}

/// Parses a request URL, resolved against `base` (RFC 3986) when there is one: absolute,
/// `http`/`https`, with a host; `http://` only with `allow_http`. The fragment is removed (it
/// is never sent), and so is a `user:pass@`, returned as a Basic `Authorization` value
/// (messages never show it either).
pub(crate) fn parse_url_under(
    input: &str,
    base: Option<&Url>,
    allow_http: bool,
) -> Result<(Url, Option<http::HeaderValue>)> {
    let parsed = match base {
        Some(b) => b.join(input.trim()),
        None => Url::parse(input.trim()),
    };
    let mut url = parsed.map_err(|e| {
        Error::new(Code::InvalidUrl, format!("cannot parse URL {:?}: {e}", url_without_credentials(input.trim())))
    })?;
    let auth = crate::proxy::basic_auth_of(&url);
    let _ = url.set_username("");
    let _ = url.set_password(None);
    check_url(&url, allow_http, None)?;
    url.set_fragment(None);
    Ok((url, auth))
}

/// Scheme, host and plaintext checks. `from` is the URL that redirected here, if any.
fn check_url(url: &Url, allow_http: bool, from: Option<&Url>) -> Result<()> {
    let what = match from {
        Some(f) => format!("redirect from {f} to {url}"),
        None => format!("URL {url}"),
    };
    match url.scheme() {
        "https" => {}
        "http" => {
            if from.is_some_and(|f| f.scheme() == "https") {
                return Err(Error::new(
                    Code::HttpDowngrade,
                    format!("refused {what}: a redirect from https to http is never followed"),
                ));
            }
            if !allow_http {
                return Err(Error::new(
                    Code::InsecureUrl,
                    format!("refused {what}: http:// is plaintext and allow_http is not set"),
                ));
            }
        }
        other => {
            return Err(Error::new(
                Code::InvalidUrl,
                format!("{what}: scheme {other:?} is not supported (only https:// and http://)"),
            ));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::new(Code::InvalidUrl, format!("{what} has no host")));
    }
    Ok(())
}

/// Whether `status` is a redirect tlsguard follows (when a Location is present).
pub(crate) fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// Where and how to send the next request of a redirect chain.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Hop {
    /// The resolved target (fragment removed).
    pub url: Url,
    /// The method of the next request.
    pub method: Method,
    /// Whether the request body (and its content headers) is sent again.
    pub keep_body: bool,
    /// Whether the origin changed: `Authorization`, `Cookie`, `Proxy-Authorization`, a
    /// caller-set `Host` and the `sensitive_headers` are dropped.
    pub cross_origin: bool,
}

/// Decides the next hop for a redirect `status` from `current` with `location`.
pub(crate) fn next_hop(current: &Url, status: u16, location: &str, method: Method, allow_http: bool) -> Result<Hop> {
    let mut url = current.join(location.trim()).map_err(|e| {
        Error::new(Code::HttpProtocol, format!("redirect from {current} has an invalid Location {location:?}: {e}"))
    })?;
    url.set_fragment(None);
    // Credentials in a Location are not used (nor kept in the URL): the caller gave none there.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    check_url(&url, allow_http, Some(current))?;
    let (method, keep_body) = match status {
        // See Other: always GET (HEAD stays HEAD), no body.
        303 if method != Method::Head => (Method::Get, false),
        // What browsers and requests do: POST turned into GET on 301/302.
        301 | 302 if method == Method::Post => (Method::Get, false),
        _ => (method, true),
    };
    let cross_origin = origin(&url) != origin(current);
    Ok(Hop { url, method, keep_body, cross_origin })
}

fn origin(u: &Url) -> (String, Option<String>, Option<u16>) {
    (u.scheme().to_owned(), u.host_str().map(str::to_ascii_lowercase), u.port_or_known_default())
}

/// Headers removed when a redirect leaves the origin.
pub(crate) const CREDENTIAL_HEADERS: [http::HeaderName; 3] =
    [http::header::AUTHORIZATION, http::header::COOKIE, http::header::PROXY_AUTHORIZATION];

/// Headers describing the body, removed when the body is dropped.
pub(crate) const BODY_HEADERS: [http::HeaderName; 4] = [
    http::header::CONTENT_TYPE,
    http::header::CONTENT_LENGTH,
    http::header::CONTENT_ENCODING,
    http::header::TRANSFER_ENCODING,
];

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    #[test]
    fn url_policy() {
        assert_eq!(parse_url("https://example.com/a#frag", false).expect("ok").0.as_str(), "https://example.com/a");
        // Credentials leave the URL, and never reach a message.
        let (u, auth) = parse_url("https://a%20b:c%3Ad@example.com/", false).expect("creds");
        assert_eq!(u.as_str(), "https://example.com/");
        assert_eq!(auth.expect("basic").to_str().unwrap(), "Basic YSBiOmM6ZA==");
        let e = parse_url("http://user:hunter2@example.com/", false).expect_err("http");
        assert!(!e.message().contains("hunter2") && e.message().contains("http://example.com/"), "{}", e.message());
        let e = parse_url("https://user:hunter2@exa mple.com/", false).expect_err("unparseable");
        assert!(
            !e.message().contains("hunter2") && e.message().contains("https://***@exa mple.com/"),
            "{}",
            e.message()
        );
        assert_eq!(url_without_credentials("no scheme@x"), "no scheme@x");
        assert_eq!(url_without_credentials("https://h/p@x"), "https://h/p@x");
        assert_eq!(url_without_credentials("https://u:p@h/x"), "https://h/x");
        assert_eq!(parse_url("http://example.com/", false).expect_err("http").code(), Code::InsecureUrl);
        let e = parse_url("http://example.com/x", false).expect_err("http");
        assert!(e.message().contains("http://example.com/x"), "{}", e.message());
        assert!(parse_url("http://example.com/", true).is_ok());
        for bad in
            ["", "/relative", "example.com", "https://", "ftp://example.com/", "file:///etc/passwd", "https://[::1"]
        {
            assert_eq!(parse_url(bad, true).expect_err(bad).code(), Code::InvalidUrl, "{bad}");
        }
    }

    #[test]
    fn redirect_downgrade_always_refused() {
        for allow_http in [false, true] {
            let e = next_hop(&u("https://a.test/"), 302, "http://a.test/x", Method::Get, allow_http).expect_err("down");
            assert_eq!(e.code(), Code::HttpDowngrade);
            assert!(e.message().contains("http://a.test/x"), "{}", e.message());
        }
        // http -> http only with allow_http
        assert!(next_hop(&u("http://a.test/"), 302, "/x", Method::Get, true).is_ok());
        let e = next_hop(&u("http://a.test/"), 302, "/x", Method::Get, false).expect_err("plain");
        assert_eq!(e.code(), Code::InsecureUrl);
        // http -> https is an upgrade, fine.
        let h = next_hop(&u("http://a.test/"), 301, "https://a.test/", Method::Get, true).expect("ok");
        assert!(h.cross_origin);
        assert_eq!(
            next_hop(&u("https://a.test/"), 302, "ftp://a.test/", Method::Get, true).expect_err("ftp").code(),
            Code::InvalidUrl
        );
    }

    #[test]
    fn redirect_relative_and_origin() {
        let h = next_hop(&u("https://a.test/dir/page?q=1"), 302, "other#f", Method::Get, false).expect("ok");
        assert_eq!(h.url.as_str(), "https://a.test/dir/other");
        assert!(!h.cross_origin);
        let h = next_hop(&u("https://a.test/dir/page"), 307, "/root", Method::Get, false).expect("ok");
        assert_eq!(h.url.as_str(), "https://a.test/root");
        let h = next_hop(&u("https://a.test/"), 307, "//b.test/x", Method::Get, false).expect("ok");
        assert_eq!(h.url.as_str(), "https://b.test/x");
        assert!(h.cross_origin);
        // Port change and explicit default port.
        assert!(
            next_hop(&u("https://a.test/"), 302, "https://a.test:8443/", Method::Get, false).expect("ok").cross_origin
        );
        assert!(
            !next_hop(&u("https://a.test/"), 302, "https://A.test:443/", Method::Get, false).expect("ok").cross_origin
        );
    }

    #[test]
    fn redirect_method_changes() {
        let cur = u("https://a.test/");
        let hop = |status, m| next_hop(&cur, status, "/next", m, false).expect("ok");
        assert_eq!((hop(303, Method::Post).method, hop(303, Method::Post).keep_body), (Method::Get, false));
        assert_eq!(hop(303, Method::Put).method, Method::Get);
        assert_eq!(hop(303, Method::Head).method, Method::Head);
        assert_eq!((hop(302, Method::Post).method, hop(302, Method::Post).keep_body), (Method::Get, false));
        assert_eq!((hop(301, Method::Post).method, hop(301, Method::Post).keep_body), (Method::Get, false));
        assert_eq!((hop(302, Method::Put).method, hop(302, Method::Put).keep_body), (Method::Put, true));
        assert_eq!((hop(307, Method::Post).method, hop(307, Method::Post).keep_body), (Method::Post, true));
        assert_eq!((hop(308, Method::Patch).method, hop(308, Method::Patch).keep_body), (Method::Patch, true));
        assert!(is_redirect(308) && !is_redirect(304) && !is_redirect(300));
    }
}
