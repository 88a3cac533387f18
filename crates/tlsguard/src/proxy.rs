//! Which proxy a destination goes through: `ClientOptions::proxy` or the `*_PROXY` environment,
//! parsed into the host, port and `Proxy-Authorization` of an HTTP CONNECT proxy. Requests and
//! the AIA fetcher share it; a leaf (it imports only the error type and the options' redaction).

use http::{HeaderValue, Uri};
use hyper_util::client::proxy::matcher::Matcher;

use crate::error::{Error, Result};
use crate::net::authority;
use crate::options::redact_proxy_url as redact;

/// A proxy to tunnel through.
#[derive(Clone, Debug)]
pub(crate) struct Proxy {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) auth: Option<HeaderValue>,
}

impl Proxy {
    pub(crate) fn addr(&self) -> String {
        authority(&self.host, self.port)
    }
}

/// Which proxy (if any) a destination goes through.
pub(crate) enum ProxyPolicy {
    /// `ClientOptions::proxy`: every destination, `NO_PROXY` not consulted.
    Explicit(Proxy),
    /// `ClientOptions::proxy == Some("")`: always connect directly, ignore the environment.
    Direct,
    /// `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY`, read once when the client was made.
    /// (hyper-util ignores them when `REQUEST_METHOD` is set, i.e. in a CGI request: the
    /// "httpoxy" protection, relevant for PHP.)
    Env(Box<Matcher>),
}

impl ProxyPolicy {
    /// The policy for `ClientOptions::proxy`; `INVALID_ARGUMENT` for a malformed proxy URL.
    pub(crate) fn new(explicit: Option<&str>) -> Result<Self> {
        match explicit {
            Some(s) if s.trim().is_empty() => Ok(Self::Direct),
            Some(s) => Ok(Self::Explicit(parse_proxy_url(s)?)),
            None => Ok(Self::Env(Box::new(Matcher::from_env()))),
        }
    }

    /// The proxy for `dst`, if any. An environment proxy that is not an `http://` proxy gives
    /// `INVALID_ARGUMENT` (only HTTP CONNECT proxies are supported).
    pub(crate) fn for_uri(&self, dst: &Uri) -> Result<Option<Proxy>> {
        match self {
            Self::Explicit(p) => Ok(Some(p.clone())),
            Self::Direct => Ok(None),
            Self::Env(m) => {
                let Some(icpt) = m.intercept(dst) else { return Ok(None) };
                let uri = icpt.uri();
                if uri.scheme_str().is_some_and(|s| s != "http") {
                    return Err(Error::invalid(format!(
                        "proxy from the environment: {}://{} is not supported (only http:// CONNECT proxies are)",
                        uri.scheme_str().unwrap_or_default(),
                        uri.authority().map(|a| a.host()).unwrap_or_default()
                    )));
                }
                let host = uri.host().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
                if host.is_empty() {
                    return Err(Error::invalid("proxy from the environment has no host"));
                }
                Ok(Some(Proxy {
                    host: host.to_owned(),
                    port: uri.port_u16().unwrap_or(80),
                    auth: icpt.basic_auth().cloned(),
                }))
            }
        }
    }
}

/// Parses `http://[user:pass@]host[:port]` (the scheme may be omitted).
pub(crate) fn parse_proxy_url(s: &str) -> Result<Proxy> {
    let with_scheme = if s.contains("://") { s.to_owned() } else { format!("http://{s}") };
    let url = url::Url::parse(&with_scheme)
        .map_err(|e| Error::invalid(format!("proxy: {:?} is not a valid proxy URL: {e}", redact(s))))?;
    if url.scheme() != "http" {
        return Err(Error::invalid(format!(
            "proxy: scheme {:?} is not supported (use an http:// CONNECT proxy)",
            url.scheme()
        )));
    }
    let host = match url.host() {
        Some(url::Host::Ipv6(a)) => a.to_string(),
        Some(h) => h.to_string(),
        None => return Err(Error::invalid(format!("proxy: {:?} has no host", redact(s)))),
    };
    if url.path() != "/" && !url.path().is_empty() || url.query().is_some() {
        return Err(Error::invalid(format!(
            "proxy: {:?} must be just http://[user:pass@]host:port (no path or query)",
            redact(s)
        )));
    }
    let port = url.port_or_known_default().unwrap_or(80);
    let auth = basic_auth_of(&url);
    Ok(Proxy { host, port, auth })
}

/// `Basic <base64(user:password)>` for the `user:password@` of `url` (percent-decoded, as curl,
/// requests and Guzzle do), marked sensitive; `None` when the URL has no credentials.
pub(crate) fn basic_auth_of(url: &url::Url) -> Option<HeaderValue> {
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    let user = percent_decode(url.username());
    let pass = percent_decode(url.password().unwrap_or(""));
    use base64::Engine as _;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
    // Base64 is always a valid header value.
    let mut v = HeaderValue::from_str(&format!("Basic {token}")).ok()?;
    v.set_sensitive(true);
    Some(v)
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;

    #[test]
    fn proxy_urls() {
        let p = parse_proxy_url("http://127.0.0.1:3128").expect("ok");
        assert_eq!((p.host.as_str(), p.port, p.auth.is_none()), ("127.0.0.1", 3128, true));
        let p = parse_proxy_url("proxy.local:8080").expect("ok");
        assert_eq!((p.host.as_str(), p.port), ("proxy.local", 8080));
        let p = parse_proxy_url("http://Aladdin:open%20sesame@[::1]:3128").expect("ok");
        assert_eq!(p.host, "::1");
        assert_eq!(p.addr(), "[::1]:3128");
        // "Aladdin:open sesame"
        assert_eq!(p.auth.expect("auth").to_str().expect("ascii"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        for bad in ["socks5://h:1", "https://h:1", "http://", "http://h:1/path", "http://h:99999", "::::"] {
            let e = parse_proxy_url(bad).expect_err(bad);
            assert_eq!(e.code(), Code::InvalidArgument, "{bad}");
        }
        let e = parse_proxy_url("http://u:secret@h:1/x").expect_err("path");
        assert!(!e.message().contains("secret"), "{}", e.message());
    }
}
