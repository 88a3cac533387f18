//! [`Auth`]: Basic and Bearer credentials, per client and per request (the `auth` option), and
//! which source of `Authorization` a request uses.
//!
//! The most specific source wins: the request's `auth`, else an `Authorization` header the
//! request sets itself, else credentials in the request URL (`https://user:pass@host/`), else
//! the client's `auth`, else an `Authorization` in the client's `headers`. Whatever its source,
//! the header goes to the origin of the URL the request was made for and is dropped for good when
//! a redirect leaves that origin (scheme, host or port).

use std::fmt;

use http::HeaderValue;

use crate::error::{Error, Result};

/// Credentials sent in the `Authorization` header (the `auth` option).
///
/// `Debug` shows the user name, never the password or the token.
///
/// ```
/// # fn demo() -> tlsguard::Result<()> {
/// use tlsguard::{Auth, Client, ClientOptions};
///
/// let mut options = ClientOptions::default();
/// options.auth = Some(Auth::bearer("api-token"));
/// let client = Client::new(options)?;
/// // This request uses Basic instead; a redirect to another origin drops it.
/// let request = client.get("https://example.com/admin").auth(Auth::basic("admin", "s3cret"));
/// # let _ = request; Ok(()) }
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Auth {
    /// `Basic base64(username:password)` (RFC 7617; UTF-8). The user name cannot contain `:`,
    /// and neither part a control character.
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: String,
    },
    /// `Bearer <token>` (RFC 6750): visible ASCII, no spaces.
    Bearer(String),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Basic { username, .. } => {
                f.debug_struct("Basic").field("username", username).field("password", &"<redacted>").finish()
            }
            Self::Bearer(_) => f.debug_tuple("Bearer").field(&"<redacted>").finish(),
        }
    }
}

/// What the JSON form looks like, for messages (never the value that was given).
const SHAPE: &str = r#"auth: expected {"basic": [user, password]} or {"bearer": token}, or false for none"#;

impl Auth {
    /// Basic credentials.
    pub fn basic(username: impl Into<String>, password: impl Into<String>) -> Auth {
        Auth::Basic { username: username.into(), password: password.into() }
    }

    /// A bearer token.
    pub fn bearer(token: impl Into<String>) -> Auth {
        Auth::Bearer(token.into())
    }

    /// The `auth` option by name: `{"basic": [user, password]}`, `{"bearer": token}`, or
    /// `false` (no credentials: `Ok(None)`). Anything else is `INVALID_ARGUMENT` naming `auth`;
    /// the message never repeats what was given.
    pub fn from_json(value: &serde_json::Value) -> Result<Option<Auth>> {
        use serde_json::Value;
        let auth = match value {
            Value::Bool(false) => return Ok(None),
            Value::Object(m) if m.len() == 1 => match m.iter().next() {
                Some((k, Value::Array(pair))) if k == "basic" => match pair.as_slice() {
                    [Value::String(u), Value::String(p)] => Auth::basic(u.as_str(), p.as_str()),
                    _ => return Err(Error::invalid(format!("{SHAPE} (basic takes a list of two strings)"))),
                },
                Some((k, Value::String(t))) if k == "bearer" => Auth::bearer(t.as_str()),
                Some((k, _)) if k == "basic" || k == "bearer" => {
                    return Err(Error::invalid(format!("{SHAPE} (wrong type for {k})")));
                }
                _ => return Err(Error::invalid(SHAPE)),
            },
            _ => return Err(Error::invalid(SHAPE)),
        };
        auth.check()?;
        Ok(Some(auth))
    }

    /// Refuses what cannot be sent (`INVALID_ARGUMENT` naming `auth`, never the secret).
    pub(crate) fn check(&self) -> Result<()> {
        match self {
            Auth::Basic { username, password } => {
                if username.contains(':') {
                    return Err(Error::invalid(
                        "auth: a Basic user name cannot contain ':' (RFC 7617: the server would split it there)",
                    ));
                }
                if username.chars().any(char::is_control) || password.chars().any(char::is_control) {
                    return Err(Error::invalid(
                        "auth: a Basic user name or password cannot contain control characters",
                    ));
                }
            }
            Auth::Bearer(token) => {
                if token.is_empty() {
                    return Err(Error::invalid("auth: the bearer token is empty"));
                }
                if !token.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(Error::invalid(
                        "auth: the bearer token may hold visible ASCII only (no spaces or control characters)",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The `Authorization` value, marked sensitive (never indexed by HPACK).
    pub(crate) fn header_value(&self) -> Result<HeaderValue> {
        self.check()?;
        let text = match self {
            Auth::Basic { username, password } => {
                use base64::Engine as _;
                format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}")))
            }
            Auth::Bearer(token) => format!("Bearer {token}"),
        };
        let mut v = HeaderValue::from_str(&text).map_err(|_| Error::invalid("auth: not a valid header value"))?;
        v.set_sensitive(true);
        Ok(v)
    }
}

/// Where a request's `Authorization` comes from, most specific first (see the module docs).
pub(crate) struct AuthSources<'a> {
    /// The request's `auth`: `Some(None)` for none (not the client's).
    pub request: Option<&'a Option<Auth>>,
    /// Whether the request set an `Authorization` header itself.
    pub request_header: bool,
    /// Credentials from the request URL, as a Basic value.
    pub url: Option<HeaderValue>,
    /// The client's `auth`.
    pub client: Option<&'a Auth>,
}

impl AuthSources<'_> {
    /// Sets or removes `Authorization` in `headers` (already merged from the client's defaults
    /// and the request's own).
    pub(crate) fn apply(self, headers: &mut http::HeaderMap) -> Result<()> {
        let value = match self.request {
            Some(Some(auth)) => Some(auth.header_value()?),
            _ if self.request_header => None,
            _ if self.url.is_some() => self.url,
            Some(None) => {
                // No credentials from the client for this request: its `auth` and its
                // `headers` both stay out.
                headers.remove(http::header::AUTHORIZATION);
                None
            }
            None => self.client.map(Auth::header_value).transpose()?,
        };
        if let Some(v) = value {
            headers.insert(http::header::AUTHORIZATION, v);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;
    use serde_json::json;

    #[test]
    fn json_shapes() {
        assert_eq!(Auth::from_json(&json!({"basic": ["u", "p"]})).expect("basic"), Some(Auth::basic("u", "p")));
        assert_eq!(
            Auth::from_json(&json!({"bearer": "t.k-n_~+/="})).expect("bearer"),
            Some(Auth::bearer("t.k-n_~+/="))
        );
        assert_eq!(Auth::from_json(&json!(false)).expect("none"), None);
        for bad in [
            json!(true),
            json!("hunter2"),
            json!(["u", "hunter2"]),
            json!({}),
            json!({"basic": ["u", "hunter2"], "bearer": "hunter2"}),
            json!({"basic": ["u"]}),
            json!({"basic": ["u", "hunter2", "x"]}),
            json!({"basic": {"username": "u", "password": "hunter2"}}),
            json!({"basic": "u:hunter2"}),
            json!({"bearer": ["hunter2"]}),
            json!({"bearer": ""}),
            json!({"bearer": "hunter2 and more"}),
            json!({"bearer": "hunter2\r\nx-injected: 1"}),
            json!({"digest": ["u", "hunter2"]}),
            json!({"basic": ["u:x", "hunter2"]}),
            json!({"basic": ["u", "hunter2\n"]}),
            json!(5),
        ] {
            let e = Auth::from_json(&bad).expect_err(&bad.to_string());
            assert_eq!(e.code(), Code::InvalidArgument, "{bad}");
            assert!(e.message().starts_with("auth: "), "{bad}: {}", e.message());
            assert!(!e.message().contains("hunter2"), "{bad}: the secret in {}", e.message());
        }
    }

    #[test]
    fn header_values_and_debug() {
        assert_eq!(
            Auth::basic("Aladdin", "open sesame").header_value().expect("ok"),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        // RFC 7617 section 2.1: UTF-8.
        assert_eq!(Auth::basic("test", "123\u{a3}").header_value().expect("ok"), "Basic dGVzdDoxMjPCow==");
        let v = Auth::bearer("abc").header_value().expect("ok");
        assert_eq!(v, "Bearer abc");
        assert!(v.is_sensitive());
        let shown = format!("{:?} {:?}", Auth::basic("alice", "hunter2"), Auth::bearer("tok-secret"));
        assert!(shown.contains("alice") && !shown.contains("hunter2") && !shown.contains("tok-secret"), "{shown}");
    }

    #[test]
    fn the_most_specific_source_wins() {
        let header = |h: &http::HeaderMap| h.get(http::header::AUTHORIZATION).map(|v| v.to_str().unwrap().to_owned());
        let client_default = || {
            let mut h = http::HeaderMap::new();
            h.insert(http::header::AUTHORIZATION, HeaderValue::from_static("Bearer from-client-headers"));
            h
        };
        let url = || Some(HeaderValue::from_static("Basic dXJsOnVybA=="));
        let client = Auth::bearer("client");
        let request = Some(Auth::bearer("request"));
        let none: Option<Auth> = None;
        let run = |s: AuthSources<'_>, mut h: http::HeaderMap| {
            s.apply(&mut h).expect("apply");
            header(&h)
        };
        // Request auth beats everything.
        let s = AuthSources { request: Some(&request), request_header: true, url: url(), client: Some(&client) };
        assert_eq!(run(s, client_default()).as_deref(), Some("Bearer request"));
        // The request's own header (already in the map) beats the URL and the client.
        let mut mine = http::HeaderMap::new();
        mine.insert(http::header::AUTHORIZATION, HeaderValue::from_static("Bearer mine"));
        let s = AuthSources { request: None, request_header: true, url: url(), client: Some(&client) };
        assert_eq!(run(s, mine).as_deref(), Some("Bearer mine"));
        // URL credentials beat the client's auth.
        let s = AuthSources { request: None, request_header: false, url: url(), client: Some(&client) };
        assert_eq!(run(s, client_default()).as_deref(), Some("Basic dXJsOnVybA=="));
        // The client's auth beats the client's headers.
        let s = AuthSources { request: None, request_header: false, url: None, client: Some(&client) };
        assert_eq!(run(s, client_default()).as_deref(), Some("Bearer client"));
        // Nothing else: the client's headers as they are.
        let s = AuthSources { request: None, request_header: false, url: None, client: None };
        assert_eq!(run(s, client_default()).as_deref(), Some("Bearer from-client-headers"));
        // `auth: false` on the request: nothing from the client...
        let s = AuthSources { request: Some(&none), request_header: false, url: None, client: Some(&client) };
        assert_eq!(run(s, client_default()), None);
        // ...but what the request itself gives still counts.
        let s = AuthSources { request: Some(&none), request_header: false, url: url(), client: Some(&client) };
        assert_eq!(run(s, client_default()).as_deref(), Some("Basic dXJsOnVybA=="));
    }
}
