//! Which proxy a destination goes through: `ClientOptions::proxy`, a request's own `proxy`, or
//! the `*_PROXY` environment, parsed into the kind (HTTP CONNECT, HTTPS CONNECT, SOCKS5,
//! SOCKS5h), host, port and credentials of the proxy. Requests and the AIA fetcher share it; a
//! leaf (it imports only the error type, `net` and the options' redaction).

use std::fmt;

use http::{HeaderValue, Uri};
use hyper_util::client::proxy::matcher::Matcher;

use crate::error::{Error, Result};
use crate::net::authority;
use crate::options::redact_proxy_url as redact;

/// How the client speaks to a proxy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ProxyKind {
    /// `http://`: an HTTP CONNECT tunnel over TCP.
    Http,
    /// `https://`: TLS to the proxy (verified with the client's trust), CONNECT inside it.
    Https,
    /// `socks5://`: SOCKS5, the destination's name resolved by the client.
    Socks5,
    /// `socks5h://`: SOCKS5, the destination's name sent to the proxy to resolve.
    Socks5h,
}

impl ProxyKind {
    fn from_scheme(scheme: &str) -> Option<Self> {
        match scheme {
            "http" => Some(Self::Http),
            "https" => Some(Self::Https),
            "socks5" => Some(Self::Socks5),
            "socks5h" => Some(Self::Socks5h),
            _ => None,
        }
    }

    pub(crate) fn scheme(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Https => "https",
            Self::Socks5 => "socks5",
            Self::Socks5h => "socks5h",
        }
    }

    /// The port of a proxy URL without one (curl's: 1080 for SOCKS; 80 for http, as before).
    fn default_port(self) -> u16 {
        match self {
            Self::Http => 80,
            Self::Https => 443,
            Self::Socks5 | Self::Socks5h => 1080,
        }
    }

    pub(crate) fn is_socks(self) -> bool {
        matches!(self, Self::Socks5 | Self::Socks5h)
    }
}

/// A SOCKS5 user name and password (RFC 1929). `Debug` shows neither.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SocksAuth {
    pub(crate) user: String,
    pub(crate) pass: String,
}

impl fmt::Debug for SocksAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SocksAuth(<redacted>)")
    }
}

/// A proxy to tunnel through.
#[derive(Clone, Debug)]
pub(crate) struct Proxy {
    pub(crate) kind: ProxyKind,
    pub(crate) host: String,
    pub(crate) port: u16,
    /// `Proxy-Authorization` of an http/https proxy, marked sensitive.
    pub(crate) auth: Option<HeaderValue>,
    /// The credentials of a SOCKS5 proxy.
    pub(crate) socks_auth: Option<SocksAuth>,
}

impl Proxy {
    pub(crate) fn addr(&self) -> String {
        authority(&self.host, self.port)
    }

    /// How messages name the proxy, never with its credentials: `host:port` for an http://
    /// proxy (as messages always did), `scheme://host:port` for the others.
    pub(crate) fn name(&self) -> String {
        match self.kind {
            ProxyKind::Http => self.addr(),
            k => format!("{}://{}", k.scheme(), self.addr()),
        }
    }

    /// What tells this proxy route apart from every other (credentials included: connections
    /// made with one user's credentials are never used for another's). Kept in memory only.
    pub(crate) fn route_key(&self) -> String {
        let auth = match (&self.auth, &self.socks_auth) {
            (Some(h), _) => String::from_utf8_lossy(h.as_bytes()).into_owned(),
            (None, Some(s)) => format!("{}:{}", s.user.len(), s.user) + &s.pass,
            (None, None) => String::new(),
        };
        format!("{}://{}@{}", self.kind.scheme(), auth, self.addr())
    }
}

/// Which proxy (if any) a destination goes through.
pub(crate) enum ProxyPolicy {
    /// `ClientOptions::proxy` (or a request's `proxy`): every destination, `NO_PROXY` not
    /// consulted.
    Explicit(Proxy),
    /// `proxy == Some("")`: always connect directly, ignore the environment.
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

    /// What tells the routes of two explicit policies apart (`None` for the environment's).
    pub(crate) fn route_key(&self) -> Option<String> {
        match self {
            Self::Explicit(p) => Some(p.route_key()),
            Self::Direct => Some("direct".to_owned()),
            Self::Env(_) => None,
        }
    }

    /// The proxy for `dst`, if any. An environment proxy of a kind tlsguard does not speak
    /// (`socks4://`) gives `INVALID_ARGUMENT`.
    pub(crate) fn for_uri(&self, dst: &Uri) -> Result<Option<Proxy>> {
        match self {
            Self::Explicit(p) => Ok(Some(p.clone())),
            Self::Direct => Ok(None),
            Self::Env(m) => {
                let Some(icpt) = m.intercept(dst) else { return Ok(None) };
                let uri = icpt.uri();
                let scheme = uri.scheme_str().unwrap_or("http");
                let Some(kind) = ProxyKind::from_scheme(scheme) else {
                    return Err(Error::invalid(format!(
                        "proxy from the environment: {scheme}://{} is not supported (use an http://, https://, socks5:// or socks5h:// proxy)",
                        uri.authority().map(|a| a.host()).unwrap_or_default()
                    )));
                };
                let host = uri.host().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
                if host.is_empty() {
                    return Err(Error::invalid("proxy from the environment has no host"));
                }
                let socks_auth = match icpt.raw_auth() {
                    Some((user, pass)) if kind.is_socks() => {
                        Some(socks_auth(user, pass, "proxy from the environment")?)
                    }
                    _ => None,
                };
                Ok(Some(Proxy {
                    kind,
                    host: host.to_owned(),
                    port: uri.port_u16().unwrap_or(kind.default_port()),
                    auth: if kind.is_socks() { None } else { icpt.basic_auth().cloned() },
                    socks_auth,
                }))
            }
        }
    }
}

/// Parses `scheme://[user:pass@]host[:port]` with scheme `http` (the default when there is
/// none), `https`, `socks5` or `socks5h`.
pub(crate) fn parse_proxy_url(s: &str) -> Result<Proxy> {
    let with_scheme = if s.contains("://") { s.to_owned() } else { format!("http://{s}") };
    let url = url::Url::parse(&with_scheme)
        .map_err(|e| Error::invalid(format!("proxy: {:?} is not a valid proxy URL: {e}", redact(s))))?;
    let Some(kind) = ProxyKind::from_scheme(url.scheme()) else {
        let hint = if url.scheme().starts_with("socks") { " (SOCKS4 is not: use socks5:// or socks5h://)" } else { "" };
        return Err(Error::invalid(format!(
            "proxy: scheme {:?} is not supported (use http://, https://, socks5:// or socks5h://){hint}",
            url.scheme()
        )));
    };
    let host = match url.host() {
        Some(url::Host::Ipv6(a)) => a.to_string(),
        Some(url::Host::Domain(d)) if kind.is_socks() => {
            // A URL of a scheme the url crate does not know keeps its host as written.
            percent_decode(d).to_ascii_lowercase()
        }
        Some(h) => h.to_string(),
        None => return Err(Error::invalid(format!("proxy: {:?} has no host", redact(s)))),
    };
    if host.is_empty() {
        return Err(Error::invalid(format!("proxy: {:?} has no host", redact(s))));
    }
    if url.path() != "/" && !url.path().is_empty() || url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid(format!(
            "proxy: {:?} must be just scheme://[user:pass@]host:port (no path or query)",
            redact(s)
        )));
    }
    let port = url.port().unwrap_or(kind.default_port());
    let (auth, socks) = if kind.is_socks() {
        let creds = !url.username().is_empty() || url.password().is_some();
        let socks = if creds {
            Some(socks_auth(&percent_decode(url.username()), &percent_decode(url.password().unwrap_or("")), "proxy")?)
        } else {
            None
        };
        (None, socks)
    } else {
        (basic_auth_of(&url), None)
    };
    Ok(Proxy { kind, host, port, auth, socks_auth: socks })
}

/// SOCKS5 credentials, checked against RFC 1929's limits (1 to 255 bytes of user name, at most
/// 255 of password).
fn socks_auth(user: &str, pass: &str, what: &str) -> Result<SocksAuth> {
    if user.is_empty() || user.len() > 255 || pass.len() > 255 {
        return Err(Error::invalid(format!(
            "{what}: a SOCKS5 user name must have 1 to 255 bytes and a password at most 255 (RFC 1929)"
        )));
    }
    Ok(SocksAuth { user: user.to_owned(), pass: pass.to_owned() })
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
        assert_eq!(p.kind, ProxyKind::Http);
        let p = parse_proxy_url("proxy.local:8080").expect("ok");
        assert_eq!((p.host.as_str(), p.port), ("proxy.local", 8080));
        let p = parse_proxy_url("http://Aladdin:open%20sesame@[::1]:3128").expect("ok");
        assert_eq!(p.host, "::1");
        assert_eq!(p.addr(), "[::1]:3128");
        // "Aladdin:open sesame"
        assert_eq!(p.auth.expect("auth").to_str().expect("ascii"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        for bad in [
            "socks4://h:1",
            "socks4a://h:1",
            "ftp://h:1",
            "http://",
            "socks5://",
            "http://h:1/path",
            "socks5h://h:1/path",
            "http://h:99999",
            "::::",
        ] {
            let e = parse_proxy_url(bad).expect_err(bad);
            assert_eq!(e.code(), Code::InvalidArgument, "{bad}");
        }
        let e = parse_proxy_url("http://u:secret@h:1/x").expect_err("path");
        assert!(!e.message().contains("secret"), "{}", e.message());
    }

    #[test]
    fn socks_and_https_proxy_urls() {
        let p = parse_proxy_url("socks5://127.0.0.1").expect("ok");
        assert_eq!((p.kind, p.port, p.socks_auth.is_none(), p.auth.is_none()), (ProxyKind::Socks5, 1080, true, true));
        assert_eq!(p.name(), "socks5://127.0.0.1:1080");
        let p = parse_proxy_url("socks5h://us%40er:p%3Ass@Proxy.Example:9050").expect("ok");
        assert_eq!((p.kind, p.host.as_str(), p.port), (ProxyKind::Socks5h, "proxy.example", 9050));
        let a = p.socks_auth.clone().expect("auth");
        assert_eq!((a.user.as_str(), a.pass.as_str()), ("us@er", "p:ss"));
        assert!(!format!("{p:?}").contains("p:ss"), "{p:?}");
        assert!(!p.name().contains("us@er"));
        let p = parse_proxy_url("socks5h://[::1]:1080").expect("ok");
        assert_eq!(p.addr(), "[::1]:1080");
        let p = parse_proxy_url("https://u:p@proxy.example").expect("ok");
        assert_eq!((p.kind, p.port, p.auth.is_some()), (ProxyKind::Https, 443, true));
        assert_eq!(p.name(), "https://proxy.example:443");
        // RFC 1929 limits.
        let long = "x".repeat(256);
        for bad in [format!("socks5://{long}:p@h:1"), format!("socks5://u:{long}@h:1"), "socks5://:p@h:1".to_owned()] {
            let e = parse_proxy_url(&bad).expect_err(&bad);
            assert_eq!(e.code(), Code::InvalidArgument, "{bad}");
            assert!(e.message().contains("RFC 1929"), "{e}");
        }
        // Routes differ by kind, address and credentials.
        let keys: std::collections::HashSet<String> =
            ["socks5://h:1", "socks5h://h:1", "http://h:1", "socks5://a:b@h:1", "socks5://a:c@h:1", "socks5://h:2"]
                .iter()
                .map(|u| parse_proxy_url(u).expect(u).route_key())
                .collect();
        assert_eq!(keys.len(), 6);
    }

    #[test]
    fn environment_proxies_of_every_kind() {
        let dst: Uri = "https://example.com/".parse().expect("uri");
        let of = |all: &str| {
            let m = Matcher::builder().all(all.to_owned()).build();
            ProxyPolicy::Env(Box::new(m)).for_uri(&dst)
        };
        let p = of("socks5h://user:pw@127.0.0.1:9050").expect("ok").expect("a proxy");
        assert_eq!((p.kind, p.port), (ProxyKind::Socks5h, 9050));
        let a = p.socks_auth.expect("auth");
        assert_eq!((a.user.as_str(), a.pass.as_str()), ("user", "pw"));
        let p = of("socks5://127.0.0.1").expect("ok").expect("a proxy");
        assert_eq!((p.kind, p.port), (ProxyKind::Socks5, 1080));
        let p = of("https://u:p@proxy.test:8443").expect("ok").expect("a proxy");
        assert_eq!((p.kind, p.port, p.auth.is_some()), (ProxyKind::Https, 8443, true));
        let e = of("socks4://127.0.0.1:1080").expect_err("socks4");
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(e.message().contains("socks4://127.0.0.1 is not supported"), "{e}");
    }
}
