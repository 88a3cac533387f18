//! [`RequestOptions`]: a request's options as one value, built from the language-neutral
//! names by [`RequestOptions::from_json`] (validated here, once, for every binding) and applied
//! with [`Request::with_options`]. The names and their meaning are tabled in
//! [`manual::requests`](crate::manual::requests).

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;

use super::upload::Multipart;
use super::{Auth, Redirects, Request};
use crate::error::{Error, Result};

/// A request body given as a value (streams are given to [`Request::body_stream`] and
/// [`Request::body_reader`] directly).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum RequestBody {
    /// Bytes, no content type of its own.
    Bytes(Bytes),
    /// Text (`text/plain; charset=utf-8`).
    Text(String),
    /// A JSON document (`application/json`).
    Json(serde_json::Value),
    /// `application/x-www-form-urlencoded` fields.
    Form(Vec<(String, String)>),
    /// A file sent with its length (`application/octet-stream`).
    File(PathBuf),
    /// A `multipart/form-data` form.
    Multipart(Multipart),
}

/// A request's options; `None` (and the defaults) leave the request and client settings as
/// they are.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct RequestOptions {
    /// Headers added to the request (a name set here replaces the client's default).
    pub headers: Vec<(String, String)>,
    /// Query parameters appended to the URL.
    pub query: Vec<(String, String)>,
    /// The body.
    pub body: Option<RequestBody>,
    /// The whole-request timeout: `Some(None)` no limit, `None` the client's.
    pub timeout: Option<Option<Duration>>,
    /// The read timeout: `Some(None)` no limit, `None` the client's.
    pub read_timeout: Option<Option<Duration>>,
    /// Whether the whole-request timeout also covers a streamed body.
    pub timeout_covers_body: Option<bool>,
    /// `Some(false)`: the body as the server sent it.
    pub decompress: Option<bool>,
    /// This request's cap on the decoded body.
    pub max_response_bytes: Option<u64>,
    /// What to do with a redirect.
    pub redirect: Option<Redirects>,
    /// This request's retry policy (`max_retries` 0: none), else the client's.
    pub retries: Option<super::Retries>,
    /// This request's credentials: `Some(None)` none (not the client's), `None` the client's.
    pub auth: Option<Option<Auth>>,
    /// This request's own proxy URL (`""`: directly), instead of the client's; see
    /// [`Request::proxy`].
    pub proxy: Option<String>,
}

impl RequestOptions {
    /// Options from a JSON object with the names of [`Request::OPTION_NAMES`]: `headers`
    /// (mapping; a value may be a list), `query` (mapping or list of pairs), `json` (any JSON
    /// value), `body` (text), `form` (mapping or list of pairs), `file` (a path), `multipart`
    /// (a list of parts `{name, value}` or `{name, file, filename?, content_type?}`), `timeout`
    /// and `read_timeout` (seconds; 0: no limit), `timeout_covers_body` and `decompress`
    /// (booleans), `max_response_bytes` (a whole number), `redirect` (`"follow"`, `"error"`,
    /// `"manual"`), `retries` (a count or a policy object, see
    /// [`Retries::from_json`](super::Retries::from_json)), `auth` (`{"basic": [user, password]}`, `{"bearer": token}`, or `false`: none,
    /// not the client's), `proxy` (a proxy URL; `""`: directly). `null` means "not given"; an empty list counts as an empty mapping (PHP
    /// cannot tell them apart). At most one body. Unknown names and bad values are
    /// `INVALID_ARGUMENT` naming the option.
    pub fn from_json(value: &serde_json::Value) -> Result<RequestOptions> {
        let mut o = RequestOptions::default();
        let map = match value {
            serde_json::Value::Null => return Ok(o),
            serde_json::Value::Object(m) => m,
            serde_json::Value::Array(a) if a.is_empty() => return Ok(o),
            _ => return Err(Error::invalid("request options must be a mapping of option names to values")),
        };
        let bodies: Vec<&str> =
            BODY_OPTIONS.iter().copied().filter(|b| map.get(*b).is_some_and(|v| !v.is_null())).collect();
        if bodies.len() > 1 {
            return Err(Error::invalid(format!(
                "give only one of the request options {} (got {})",
                BODY_OPTIONS.join(", "),
                bodies.join(" and ")
            )));
        }
        for (name, v) in map {
            if v.is_null() {
                continue;
            }
            let n = name.as_str();
            match n {
                "headers" => o.headers = crate::options::json_headers(n, v)?,
                "query" => o.query = crate::options::json_pairs(n, v)?,
                "form" => o.body = Some(RequestBody::Form(crate::options::json_pairs(n, v)?)),
                "json" => o.body = Some(RequestBody::Json(v.clone())),
                "body" => {
                    let text = v.as_str().ok_or_else(|| Error::invalid("body: expected text"))?;
                    o.body = Some(RequestBody::Text(text.to_owned()));
                }
                "file" => {
                    let path = v.as_str().ok_or_else(|| Error::invalid("file: expected a path"))?;
                    o.body = Some(RequestBody::File(PathBuf::from(path)));
                }
                "multipart" => o.body = Some(RequestBody::Multipart(multipart_from_json(v)?)),
                "timeout" | "read_timeout" => {
                    let secs =
                        v.as_f64().ok_or_else(|| Error::invalid(format!("{n}: expected a number of seconds")))?;
                    let limit = crate::options::limit_from_secs(n, secs)?;
                    if n == "timeout" {
                        o.timeout = Some(limit);
                    } else {
                        o.read_timeout = Some(limit);
                    }
                }
                "timeout_covers_body" | "decompress" => {
                    let b = v.as_bool().ok_or_else(|| Error::invalid(format!("{n}: expected true or false")))?;
                    if n == "decompress" {
                        o.decompress = Some(b);
                    } else {
                        o.timeout_covers_body = Some(b);
                    }
                }
                "redirect" => {
                    let mode =
                        v.as_str().ok_or_else(|| Error::invalid("redirect: expected follow, error or manual"))?;
                    o.redirect = Some(mode.parse()?);
                }
                "retries" => o.retries = Some(super::Retries::from_json(name, v)?),
                "auth" => o.auth = Some(Auth::from_json(v)?),
                "proxy" => {
                    let url = v.as_str().ok_or_else(|| Error::invalid("proxy: expected a proxy URL (\"\": none)"))?;
                    // Checked here, once, like every other option.
                    super::routes::Route::parse(url)?;
                    o.proxy = Some(url.to_owned());
                }
                "max_response_bytes" => {
                    o.max_response_bytes = Some(
                        v.as_u64()
                            .ok_or_else(|| Error::invalid("max_response_bytes: expected a whole number of bytes"))?,
                    );
                }
                other => {
                    return Err(Error::invalid(format!(
                        "unknown request option {other:?}; known: {}",
                        Request::OPTION_NAMES.join(", ")
                    )));
                }
            }
        }
        Ok(o)
    }
}

/// The options that set the body (at most one per request).
const BODY_OPTIONS: &[&str] = &["body", "json", "form", "file", "multipart"];

/// `[{name, value}]` or `[{name, file, filename?, content_type?}]` as a form.
fn multipart_from_json(v: &serde_json::Value) -> Result<Multipart> {
    let parts = v.as_array().ok_or_else(|| Error::invalid("multipart: expected a list of parts"))?;
    let mut form = Multipart::new();
    for (i, part) in parts.iter().enumerate() {
        let obj = part.as_object().ok_or_else(|| Error::invalid(format!("multipart: part {i} is not a mapping")))?;
        let text = |key: &str| -> Result<Option<&str>> {
            match obj.get(key) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(serde_json::Value::String(s)) => Ok(Some(s.as_str())),
                Some(_) => Err(Error::invalid(format!("multipart: part {i}'s {key} is not text"))),
            }
        };
        for key in obj.keys() {
            if !["name", "value", "file", "filename", "content_type"].contains(&key.as_str()) {
                return Err(Error::invalid(format!(
                    "multipart: part {i} has an unknown key {key:?} (known: name, value, file, filename, content_type)"
                )));
            }
        }
        let name = text("name")?.ok_or_else(|| Error::invalid(format!("multipart: part {i} has no name")))?;
        form = match (text("value")?, text("file")?) {
            (Some(value), None) => match (text("filename")?, text("content_type")?) {
                (None, None) => form.text(name, value),
                (filename, ct) => form.bytes(name, value.to_owned(), filename, ct),
            },
            (None, Some(path)) => form.file(name, path, text("filename")?, text("content_type")?),
            _ => return Err(Error::invalid(format!("multipart: part {i} needs exactly one of value and file"))),
        };
    }
    Ok(form)
}

impl Request {
    /// Applies `options` (what is `None` leaves the request as it is).
    pub fn with_options(mut self, options: RequestOptions) -> Self {
        let RequestOptions {
            headers,
            query,
            body,
            timeout,
            read_timeout,
            timeout_covers_body,
            decompress,
            max_response_bytes,
            redirect,
            retries,
            auth,
            proxy,
        } = options;
        if !headers.is_empty() {
            self = self.headers(headers);
        }
        for (k, v) in query {
            self = self.query(k, v);
        }
        self = match body {
            None => self,
            Some(RequestBody::Bytes(b)) => {
                // No copy: the caller's Bytes is sent as it is.
                self.body = super::upload::Payload::Bytes(b);
                self.body_type = None;
                self
            }
            Some(RequestBody::Text(t)) => self.text(t),
            Some(RequestBody::Json(v)) => self.json(&v),
            Some(RequestBody::Form(f)) => self.form(&f),
            Some(RequestBody::File(p)) => self.body_file(p),
            Some(RequestBody::Multipart(m)) => self.multipart(m),
        };
        if let Some(t) = timeout {
            self = match t {
                Some(t) => self.timeout(t),
                None => self.no_timeout(),
            };
        }
        if let Some(t) = read_timeout {
            self = match t {
                Some(t) => self.read_timeout(t),
                None => self.no_read_timeout(),
            };
        }
        if let Some(b) = timeout_covers_body {
            self = self.timeout_covers_body(b);
        }
        if let Some(b) = decompress {
            self = self.decompress(b);
        }
        if let Some(n) = max_response_bytes {
            self = self.max_response_bytes(n);
        }
        if let Some(r) = redirect {
            self = self.redirect(r);
        }
        if let Some(r) = retries {
            self = self.retries(r);
        }
        match auth {
            Some(Some(a)) => self = self.auth(a),
            Some(None) => self = self.no_auth(),
            None => {}
        }
        if let Some(p) = proxy {
            self = self.proxy(&p);
        }
        self
    }

    /// Applies per-request options given by name ([`RequestOptions::from_json`]); an error in
    /// them is reported by `send`.
    pub fn options_json(self, value: &serde_json::Value) -> Self {
        match RequestOptions::from_json(value) {
            Ok(o) => self.with_options(o),
            Err(e) => self.fail(e),
        }
    }
}
