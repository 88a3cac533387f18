//! `TlsGuard\Client` and `TlsGuard\Response`: the core's `Client`, `Request` and `Response`.

use std::sync::Arc;

use ext_php_rs::binary::Binary;
use ext_php_rs::convert::IntoZval;
use ext_php_rs::exception::PhpException;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ArrayKey, ZendHashTable, Zval};
use serde_json::Value;
use tlsguard::{ClientOptions, Method};

use crate::body::{self, Shared, Sink, Source, Stream, drain_to_sink, sink_arg};
use crate::cert::certificate_list;
use crate::convert::{ini_defaults, json_to_zval, to_json};
use crate::cookies::CookieJar;
use crate::errors::{
    OrThrow, exception_zval, guard, internal, invalid, status_exception, status_exception_zval, type_error,
};
use crate::guzzle;

/// php.ini settings that give a client its defaults.
const CLIENT_INI: &[&str] = &["roots", "ca_file", "timeout"];

/// An HTTPS client: trust, options and a connection pool. Keep it alive to reuse connections.
#[php_class]
#[php(name = "TlsGuard\\Client")]
pub struct Client {
    inner: tlsguard::Client,
    /// Guzzle's request options given to the client, applied to each request that does not
    /// set them.
    defaults: Defaults,
}

/// Request defaults a client keeps for the binding (the core has no client option for them).
#[derive(Clone, Copy)]
struct Defaults {
    /// `http_errors` (default true, as Guzzle: a 4xx/5xx response throws).
    http_errors: bool,
    /// `decode_content`, as the core's `decompress`.
    decompress: Option<bool>,
}

/// What a request's options ask of the binding rather than of the core: where the body goes.
pub struct Extras {
    /// `'sink' => path|resource`: the body streamed there (bounded memory), the response's
    /// body being the sink.
    sink: Option<Sink>,
    /// `'stream' => true`: the body read as it arrives, through the response's `getBody()`.
    stream: bool,
    /// `http_errors`: a 4xx/5xx response throws `ClientException`/`ServerException`.
    http_errors: bool,
}

/// Builds a request from Guzzle-style `$options`: the names are the core's request options
/// (`tlsguard::RequestOptions`: `headers`, `query`, `json`, `body`, `timeout`, `read_timeout`,
/// `redirect`, `decompress`, `file`, `multipart`, `retries`, `auth`, ...), Guzzle's names
/// converted by `guzzle.rs` (`form_params`, `auth` as a list, `auth_bearer`,
/// `allow_redirects`, `decode_content`, `multipart` with `contents`), and Guzzle's `sink`,
/// `stream` and `http_errors` (what happens to the response: [`Extras`]); the core validates
/// the rest. `body` is passed as bytes (PHP strings may be binary), `multipart` as a form built
/// here (binary contents, files streamed from disk).
fn prepare(
    client: &Client,
    method: &str,
    url: &str,
    options: Option<&ZendHashTable>,
) -> Result<(tlsguard::Request, Extras), PhpException> {
    let method: Method = method.parse().or_throw()?;
    let request = client.inner.request(method, url);
    let mut extras = Extras { sink: None, stream: false, http_errors: client.defaults.http_errors };
    let mut json = serde_json::Map::new();
    let mut native_body: Option<tlsguard::RequestBody> = None;
    for (k, v) in options.into_iter().flat_map(|o| o.iter()) {
        let name = guzzle::key_name(&k)?;
        let v = v.dereference();
        match name.as_str() {
            "body" if !v.is_null() => {
                let bytes = v
                    .zend_str()
                    .map(|s| s.as_bytes().to_vec())
                    .ok_or_else(|| type_error(format!("body must be a string, {} given", v.get_type())))?;
                native_body = Some(tlsguard::RequestBody::Bytes(bytes.into()));
                json.insert("body".to_owned(), Value::String(String::new())); // counted by the core's one-body rule
            }
            "multipart" if !v.is_null() => {
                native_body = Some(tlsguard::RequestBody::Multipart(guzzle::multipart(v)?));
                json.insert("multipart".to_owned(), Value::Array(Vec::new())); // the one-body rule
            }
            "sink" => extras.sink = if v.is_null() { None } else { Some(sink_arg(v)?) },
            "stream" => extras.stream = !v.is_null() && bool_option("stream", v)?,
            "http_errors" => {
                extras.http_errors =
                    if v.is_null() { client.defaults.http_errors } else { bool_option("http_errors", v)? }
            }
            _ if v.is_null() => {}
            _ => {
                if !guzzle::convert(guzzle::Level::Request, &name, v, &mut json)? {
                    json.insert(name.clone(), to_json(&format!("options[{name}]"), v)?);
                }
            }
        }
    }
    if extras.sink.is_some() && extras.stream {
        return Err(invalid("options: sink and stream cannot both be given (a sink reads the whole body)"));
    }
    if extras.sink.is_some() && !json.contains_key("timeout_covers_body") {
        // A sink is a whole download, like a buffered body: `timeout` covers it (as Guzzle's).
        json.insert("timeout_covers_body".to_owned(), Value::Bool(true));
    }
    if let Some(d) = client.defaults.decompress
        && !json.contains_key("decompress")
    {
        json.insert("decompress".to_owned(), Value::Bool(d));
    }
    let json = Value::Object(json);
    let Some(body) = native_body else { return Ok((request.options_json(&json), extras)) };
    match tlsguard::RequestOptions::from_json(&json) {
        Ok(mut options) => {
            options.body = Some(body);
            Ok((request.with_options(options), extras))
        }
        // Reported when the request is sent (in requestMany, in its own slot), as any option error.
        Err(_) => Ok((request.options_json(&json), extras)),
    }
}

fn bool_option(name: &str, v: &Zval) -> Result<bool, PhpException> {
    v.bool().ok_or_else(|| type_error(format!("options[{name}] must be a bool, {} given", v.get_type())))
}

/// `http_errors`: the core's `HTTP_STATUS` error for a 4xx/5xx response, as the exception
/// Guzzle users catch (`ClientException`/`ServerException`, `getResponse()` the response).
fn refuse_status(response: Response, http_errors: bool) -> Result<Result<Response, Zval>, PhpException> {
    let Err(err) = response.head.error_for_status() else { return Ok(Ok(response)) };
    if !http_errors {
        return Ok(Ok(response));
    }
    let status = response.head.status();
    let zv = response.into_zval(false).map_err(internal)?;
    Ok(Err(status_exception_zval(&err, status, zv)?))
}

/// Sends `request` as `extras` say: buffered, streamed, or into a sink.
fn send(request: tlsguard::Request, extras: Extras) -> Result<Response, PhpException> {
    let response = if !extras.stream && extras.sink.is_none() {
        Response::buffered(request.send_blocking().or_throw()?)
    } else {
        let (head, body) = request.send_streaming_blocking().or_throw()?.into_parts();
        let source = match extras.sink {
            Some(sink) => body::shared(drain_to_sink(body, sink)?),
            None => body::streaming(body),
        };
        Response { head: Arc::new(head), body: source }
    };
    match refuse_status(response, extras.http_errors)? {
        Ok(r) => Ok(r),
        Err(exception) => {
            Err(PhpException::new(String::new(), 0, ext_php_rs::zend::ce::exception()).with_object(exception))
        }
    }
}

#[php_impl]
impl Client {
    /// A client. `$options` take the core's option names (`roots`, `ca_file`, `pins`,
    /// `timeout`, ...); php.ini `tlsguard.roots`, `tlsguard.ca_file` and `tlsguard.timeout`
    /// give the defaults.
    pub fn __construct(options: Option<&ZendHashTable>) -> PhpResult<Self> {
        guard(|| {
            let what = "TlsGuard\\Client options";
            let mut json = ini_defaults(CLIENT_INI);
            let mut defaults = Defaults { http_errors: true, decompress: None };
            let mut jar: Option<tlsguard::CookieJar> = None;
            if let Some(ht) = options
                && !ht.is_empty()
                && ht.has_sequential_keys()
            {
                return Err(invalid(format!("{what}: options must be an array of option names to values, not a list")));
            }
            for (k, v) in options.into_iter().flat_map(|o| o.iter()) {
                if let ArrayKey::Long(i) = k {
                    return Err(invalid(format!("{what}: {i} is not an option name")));
                }
                let name = guzzle::key_name(&k)?;
                let v = v.dereference();
                // null and [] mean "not given" (PHP cannot tell an empty list from an empty map).
                if v.is_null() || v.array().is_some_and(|a| a.is_empty()) {
                    continue;
                }
                match name.as_str() {
                    "http_errors" => defaults.http_errors = bool_option("http_errors", v)?,
                    "decode_content" => {
                        defaults.decompress =
                            Some(if v.str().is_some() { true } else { bool_option("decode_content", v)? })
                    }
                    "cookies" if v.is_object() => {
                        let shared = v.extract::<&CookieJar>().ok_or_else(|| {
                            type_error(
                                "options[cookies] must be true, false, a list of cookies or a TlsGuard\\CookieJar",
                            )
                        })?;
                        jar = Some(shared.inner.clone());
                    }
                    _ => {
                        if !guzzle::convert(guzzle::Level::Client, &name, v, &mut json)? {
                            json.insert(name.clone(), to_json(&format!("{what}[{name}]"), v)?);
                        }
                    }
                }
            }
            let mut opts = ClientOptions::from_json(&Value::Object(json)).or_throw()?;
            if jar.is_some() {
                opts.cookies = jar;
            }
            Ok(Client { inner: tlsguard::Client::new(opts).or_throw()?, defaults })
        })
    }

    /// The client's cookie jar as a list (the shape of `TlsGuard\\CookieJar::toArray()`), or
    /// null without one.
    pub fn get_cookies(&self) -> PhpResult<Zval> {
        guard(|| match self.inner.cookies_json() {
            Some(v) => json_to_zval(&v),
            None => Ok(Zval::null()),
        })
    }

    /// Sends a request and returns the whole response.
    pub fn request(&self, method: &str, url: &str, options: Option<&ZendHashTable>) -> PhpResult<Response> {
        guard(|| {
            let (request, extras) = prepare(self, method, url, options)?;
            send(request, extras)
        })
    }

    /// `GET`.
    pub fn get(&self, url: &str, options: Option<&ZendHashTable>) -> PhpResult<Response> {
        self.request("GET", url, options)
    }
    /// `HEAD`.
    pub fn head(&self, url: &str, options: Option<&ZendHashTable>) -> PhpResult<Response> {
        self.request("HEAD", url, options)
    }
    /// `POST`.
    pub fn post(&self, url: &str, options: Option<&ZendHashTable>) -> PhpResult<Response> {
        self.request("POST", url, options)
    }
    /// `PUT`.
    pub fn put(&self, url: &str, options: Option<&ZendHashTable>) -> PhpResult<Response> {
        self.request("PUT", url, options)
    }
    /// `PATCH`.
    pub fn patch(&self, url: &str, options: Option<&ZendHashTable>) -> PhpResult<Response> {
        self.request("PATCH", url, options)
    }
    /// `DELETE`.
    pub fn delete(&self, url: &str, options: Option<&ZendHashTable>) -> PhpResult<Response> {
        self.request("DELETE", url, options)
    }

    /// Sends a request and returns once its headers have arrived; the body is read with
    /// `StreamedResponse::read()` as it comes (Guzzle's `'stream' => true`), decoded, under the
    /// client's `read_timeout` (the whole-request `timeout` ends at the headers unless the
    /// option `timeout_covers_body` is true).
    pub fn stream(&self, method: &str, url: &str, options: Option<&ZendHashTable>) -> PhpResult<StreamedResponse> {
        guard(|| {
            let (request, extras) = prepare(self, method, url, options)?;
            if extras.sink.is_some() {
                return Err(invalid("options[sink]: stream() reads the body as it arrives; use request() with a sink"));
            }
            let (head, body) = request.send_streaming_blocking().or_throw()?.into_parts();
            if extras.http_errors
                && let Err(err) = head.error_for_status()
            {
                let status = head.status();
                let response = Response { head: Arc::new(head), body: body::streaming(body) };
                let zv = response.into_zval(false).map_err(internal)?;
                return Err(status_exception(&err, status, zv));
            }
            Ok(StreamedResponse { head, body: body::streaming(body) })
        })
    }

    /// Sends requests concurrently (at most `$concurrency` at once) and returns their
    /// outcomes in order: a `Response`, or the `TlsGuardException` of a failed request.
    /// Each request is `[method, url]` or `[method, url, options]`.
    pub fn request_many(&self, requests: &ZendHashTable, concurrency: Option<i64>) -> PhpResult<Zval> {
        guard(|| {
            let limit = match concurrency {
                None => 32,
                Some(n) if n >= 1 => n.min(1024) as usize,
                Some(n) => return Err(invalid(format!("concurrency: {n} is not a positive number"))),
            };
            // Convert everything first: bad input throws before anything is sent.
            let mut prepared = Vec::with_capacity(requests.len());
            let mut http_errors = Vec::with_capacity(requests.len());
            for (i, item) in requests.values().enumerate() {
                let what = format!("requests[{i}]");
                let spec = item
                    .dereference()
                    .array()
                    .ok_or_else(|| type_error(format!("{what} must be an array [method, url, options]")))?;
                let method = spec
                    .get_index(0)
                    .and_then(|z| z.dereference().str().map(str::to_owned))
                    .ok_or_else(|| invalid(format!("{what}[0]: expected the method as a string")))?;
                let url = spec
                    .get_index(1)
                    .and_then(|z| z.dereference().str().map(str::to_owned))
                    .ok_or_else(|| invalid(format!("{what}[1]: expected the URL as a string")))?;
                let options = match spec.get_index(2).map(Zval::dereference) {
                    None => None,
                    Some(z) if z.is_null() => None,
                    Some(z) => Some(z.array().ok_or_else(|| type_error(format!("{what}[2] must be an array")))?),
                };
                if spec.len() > 3 {
                    return Err(invalid(format!("{what}: expected [method, url] or [method, url, options]")));
                }
                let (request, extras) = prepare(self, &method, &url, options)?;
                if extras.sink.is_some() || extras.stream {
                    return Err(invalid(format!(
                        "{what}: sink and stream are options of request(), not requestMany()"
                    )));
                }
                prepared.push(request);
                http_errors.push(extras.http_errors);
            }
            let results = self.inner.send_many_blocking(prepared, limit);
            let mut out = ZendHashTable::with_capacity(results.len().min(u32::MAX as usize) as u32);
            for (r, http_errors) in results.into_iter().zip(http_errors) {
                let zv = match r {
                    Ok(resp) => match refuse_status(Response::buffered(resp), http_errors)? {
                        Ok(resp) => resp.into_zval(false).map_err(internal)?,
                        Err(exception) => exception,
                    },
                    Err(e) => exception_zval(&e)?,
                };
                out.push(zv).map_err(internal)?;
            }
            let mut zv = Zval::new();
            zv.set_hashtable(out);
            Ok(zv)
        })
    }

    /// What the client trusts (the same shape as `TlsGuard\trust_report()`).
    pub fn trust_report(&self) -> PhpResult<Zval> {
        guard(|| crate::trust::report_zval(self.inner.trust_report()))
    }
}

/// `name => [values]` of `headers` (names lowercase, in the order received).
fn headers_zval(headers: &[(String, String)]) -> Result<Zval, PhpException> {
    let mut ht = ZendHashTable::new();
    for (name, value) in headers {
        let existing = ht.get_mut(name.as_str());
        match existing.and_then(|z| z.array_mut()) {
            Some(list) => list.push(value.as_str()).map_err(internal)?,
            None => {
                let mut list = ZendHashTable::new();
                list.push(value.as_str()).map_err(internal)?;
                ht.insert(name.as_str(), list).map_err(internal)?;
            }
        }
    }
    let mut zv = Zval::new();
    zv.set_hashtable(ht);
    Ok(zv)
}

/// A response whose body is read as it arrives (`Client::stream()`): the head at once, the
/// body through `read()` until `eof()` (or `getBody()`, the same body as a `Stream`). Dropped
/// before the end, it closes its connection.
#[php_class]
#[php(name = "TlsGuard\\StreamedResponse")]
pub struct StreamedResponse {
    head: tlsguard::ResponseHead,
    body: Shared,
}

#[php_impl]
impl StreamedResponse {
    /// The status code.
    pub fn get_status_code(&self) -> i64 {
        i64::from(self.head.status())
    }
    /// The canonical reason phrase (`OK`), empty if unknown.
    pub fn get_reason_phrase(&self) -> String {
        self.head.reason().to_owned()
    }
    /// Headers as `name => [values]` (names lowercase, in the order received).
    pub fn get_headers(&self) -> PhpResult<Zval> {
        guard(|| headers_zval(self.head.headers()))
    }
    /// The values of header `name` joined with `, ` (empty if absent).
    pub fn get_header_line(&self, name: &str) -> String {
        self.head.header_all(name).join(", ")
    }
    /// The final URL, after redirects.
    pub fn get_effective_url(&self) -> String {
        self.head.url().to_owned()
    }
    /// `HTTP/1.1` or `HTTP/2`.
    pub fn get_http_version(&self) -> String {
        self.head.http_version().to_owned()
    }
    /// Whether tlsguard decodes the body from its `Content-Encoding` (`ResponseHead::body_decoded`).
    pub fn is_body_decoded(&self) -> bool {
        self.head.body_decoded()
    }
    /// The body as a `TlsGuard\Stream` (not seekable), sharing its position with `read()`.
    pub fn get_body(&self) -> Stream {
        Stream::new(self.body.clone())
    }
    /// Up to `$length` bytes of the (decoded) body (default 64 KiB); `''` at its end. Blocks
    /// until bytes arrive, under the client's read timeout.
    pub fn read(&mut self, length: Option<i64>) -> PhpResult<Binary<u8>> {
        guard(|| {
            let max = match length {
                None => 64 * 1024,
                Some(n) if n >= 1 => n.min(1 << 30) as usize,
                Some(n) => return Err(invalid(format!("length: {n} is not a positive number"))),
            };
            Ok(Binary::new(self.body.borrow_mut().read(max)?))
        })
    }
    /// Whether the whole body has been read.
    pub fn eof(&self) -> bool {
        match &*self.body.borrow() {
            Source::Streaming { body, pending, .. } => body.is_none() && pending.is_empty(),
            _ => true,
        }
    }
    /// The rest of the body.
    pub fn get_contents(&mut self) -> PhpResult<Binary<u8>> {
        guard(|| Ok(Binary::new(self.body.borrow_mut().rest()?)))
    }
    /// Stops reading: the connection is closed unless the body was read to its end.
    pub fn close(&mut self) {
        *self.body.borrow_mut() = Source::Gone;
    }
}

/// A response: the head, and the body as a `TlsGuard\Stream` (buffered, streamed with
/// `'stream' => true`, or in a `sink`).
#[php_class]
#[php(name = "TlsGuard\\Response")]
pub struct Response {
    head: Arc<tlsguard::ResponseHead>,
    body: Shared,
}

impl Response {
    /// A response with its whole body.
    pub fn buffered(r: tlsguard::Response) -> Response {
        let (head, data) = r.into_parts();
        Response { head: Arc::new(head), body: body::shared(Source::Buffered { data, pos: 0 }) }
    }
}

#[php_impl]
impl Response {
    /// The status code.
    pub fn get_status_code(&self) -> i64 {
        i64::from(self.head.status())
    }
    /// The canonical reason phrase (`OK`), empty if unknown.
    pub fn get_reason_phrase(&self) -> String {
        self.head.reason().to_owned()
    }
    /// `1.1` or `2` (PSR-7's protocol version).
    pub fn get_protocol_version(&self) -> String {
        self.head.http_version().trim_start_matches("HTTP/").to_owned()
    }
    /// Headers as `name => [values]` (names lowercase, in the order received).
    pub fn get_headers(&self) -> PhpResult<Zval> {
        guard(|| headers_zval(self.head.headers()))
    }
    /// Every value of header `name` (case-insensitive).
    pub fn get_header(&self, name: &str) -> Vec<String> {
        self.head.header_all(name).into_iter().map(str::to_owned).collect()
    }
    /// The values of header `name` joined with `, ` (empty if absent).
    pub fn get_header_line(&self, name: &str) -> String {
        self.head.header_all(name).join(", ")
    }
    /// Whether header `name` is present.
    pub fn has_header(&self, name: &str) -> bool {
        self.head.header(name).is_some()
    }
    /// The (decoded) body as a `TlsGuard\Stream`; every call reads the same body.
    pub fn get_body(&self) -> Stream {
        Stream::new(self.body.clone())
    }
    /// The body parsed as JSON (objects become arrays); `HttpException` if it is not JSON. A
    /// buffered body is parsed whole; a streamed one from where it was read to.
    pub fn json(&self) -> PhpResult<Zval> {
        guard(|| {
            let mut src = self.body.borrow_mut();
            let bytes = match &*src {
                Source::Buffered { data, .. } => data.to_vec(),
                _ => src.rest()?,
            };
            let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
                crate::errors::to_php(
                    &tlsguard::Error::new(
                        tlsguard::Code::HttpProtocol,
                        format!("response body is not valid JSON: {e}"),
                    )
                    .with_url(self.head.url()),
                )
            })?;
            json_to_zval(&value)
        })
    }
    /// The final URL, after redirects.
    pub fn get_effective_url(&self) -> String {
        self.head.url().to_owned()
    }
    /// Redirects followed.
    pub fn get_redirect_count(&self) -> i64 {
        i64::from(self.head.redirects())
    }
    /// `HTTP/1.1` or `HTTP/2`.
    pub fn get_http_version(&self) -> String {
        self.head.http_version().to_owned()
    }
    /// Whether tlsguard decodes the body from its `Content-Encoding` (`ResponseHead::body_decoded`).
    pub fn is_body_decoded(&self) -> bool {
        self.head.body_decoded()
    }
    /// `TLSv1.3` / `TLSv1.2` (null for http://).
    pub fn get_tls_version(&self) -> Option<String> {
        self.head.tls().map(|t| t.version.as_str().to_owned())
    }
    /// IANA name of the cipher suite (null for http://).
    pub fn get_cipher_suite(&self) -> Option<String> {
        self.head.tls().map(|t| t.cipher_suite.clone())
    }
    /// The ALPN protocol agreed (`h2`, `http/1.1`), if any.
    pub fn get_alpn(&self) -> Option<String> {
        self.head.tls().and_then(|t| t.alpn.clone())
    }
    /// What was accepted but is wrong on the server's side.
    pub fn get_warnings(&self) -> Vec<String> {
        self.head.tls().map(|t| t.warnings.clone()).unwrap_or_default()
    }
    /// The certificates the server presented, leaf first.
    pub fn get_peer_certificates(&self) -> PhpResult<Zval> {
        guard(|| certificate_list(self.head.peer_certificates()))
    }
    /// Seconds from sending to having read the whole body (a streamed or sunk body: to the
    /// headers).
    pub fn get_elapsed(&self) -> f64 {
        self.head.elapsed().as_secs_f64()
    }
}
