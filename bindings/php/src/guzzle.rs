//! Guzzle's option names on the native client, each converted to the core option of the same
//! meaning (or refused with the reason when the core has none): `base_uri`, `auth` as
//! `[user, password]`, `auth_bearer` (Symfony's), `allow_redirects`, `decode_content`,
//! `form_params`, `multipart` with `contents`, and the refusals of `verify`, `cert` and
//! `ssl_key`. `http_errors`, `sink` and `stream` are the binding's own (what happens to the
//! response); see `client.rs`.

use ext_php_rs::exception::PhpException;
use ext_php_rs::types::{ArrayKey, Zval};
use serde_json::{Map, Value, json};
use tlsguard::Multipart;

use crate::body::php_call;
use crate::convert::to_json;
use crate::errors::{OrThrow, invalid, type_error};

/// Where an option was given.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// `new TlsGuard\Client($options)`.
    Client,
    /// `$client->request($method, $url, $options)`.
    Request,
}

/// An array key as text.
pub fn key_name(k: &ArrayKey<'_>) -> Result<String, PhpException> {
    Ok(match k {
        ArrayKey::Long(i) => i.to_string(),
        ArrayKey::String(s) => s.clone(),
        ArrayKey::Str(s) => (*s).to_owned(),
        ArrayKey::ZendString(s) => {
            s.as_str().map(str::to_owned).map_err(|_| invalid("options: a key is not valid UTF-8"))?
        }
    })
}

fn bool_arg(what: &str, v: &Zval) -> Result<bool, PhpException> {
    v.bool().ok_or_else(|| type_error(format!("{what} must be a bool, {} given", v.get_type())))
}

/// A string, or an object with `__toString` (Guzzle takes a `UriInterface` for `base_uri`).
fn string_arg(what: &str, v: &Zval) -> Result<String, PhpException> {
    if let Some(s) = v.str() {
        return Ok(s.to_owned());
    }
    if v.is_object()
        && let Some(s) = v.coerce_to_string()
    {
        return Ok(s);
    }
    Err(type_error(format!("{what} must be a string, {} given", v.get_type())))
}

/// Converts Guzzle's `name` into the core's options in `json`. Returns false for a name that
/// is not Guzzle's own (the caller passes it to the core as it is).
pub fn convert(level: Level, name: &str, v: &Zval, json: &mut Map<String, Value>) -> Result<bool, PhpException> {
    let what = format!("options[{name}]");
    match name {
        "form_params" => {
            json.insert("form".to_owned(), to_json(&what, v)?);
        }
        "base_uri" if level == Level::Client => {
            json.insert("base_url".to_owned(), Value::String(string_arg(&what, v)?));
        }
        "base_uri" => {
            return Err(invalid(
                "base_uri is a client option here: new TlsGuard\\Client(['base_uri' => ...]) (the core's base_url)",
            ));
        }
        "auth" => {
            json.insert("auth".to_owned(), auth(v)?);
        }
        "auth_bearer" => {
            if json.contains_key("auth") {
                return Err(invalid("auth and auth_bearer cannot both be given"));
            }
            json.insert("auth".to_owned(), json!({ "bearer": string_arg(&what, v)? }));
        }
        "decode_content" => {
            // A string is the Accept-Encoding curl would send; the core sends its own (gzip,
            // deflate, br, zstd) and decodes: the same meaning, decoded.
            let decode = if v.str().is_some() { true } else { bool_arg(&what, v)? };
            json.insert("decompress".to_owned(), Value::Bool(decode));
        }
        "allow_redirects" => allow_redirects(level, v, json)?,
        "cookies" if level == Level::Request => {
            return Err(invalid(
                "cookies is a client option here: new TlsGuard\\Client(['cookies' => true]) or a TlsGuard\\CookieJar shared by clients",
            ));
        }
        "connect_timeout" if level == Level::Request => {
            return Err(invalid(
                "connect_timeout is a client option here: new TlsGuard\\Client(['connect_timeout' => ...])",
            ));
        }
        "verify" => {
            // The core's own refusal and its explanation (verification has no off switch).
            let refusal = tlsguard::ClientOptions::from_json(&json!({ "verify": to_json(&what, v)? }));
            refusal.or_throw()?;
            return Err(invalid("verify: give trust with the client options ca_file, ca_pem, roots or pins"));
        }
        "cert" | "ssl_key" => {
            return Err(invalid(format!(
                "{name}: a client certificate is given to the client: new TlsGuard\\Client(['client_cert' => ..., 'client_key' => ..., 'client_key_password' => ...])"
            )));
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Guzzle's `[user, password]` / `[user, password, 'basic']` as the core's
/// `{"basic": [user, password]}`; the core's own shapes and `false` pass as they are.
fn auth(v: &Zval) -> Result<Value, PhpException> {
    let Some(list) = v.array().filter(|a| a.has_sequential_keys() && !a.is_empty()) else {
        return to_json("options[auth]", v);
    };
    let item = |i: i64| list.get_index(i).map(Zval::dereference).and_then(Zval::str).map(str::to_owned);
    let kind = item(2).map(|k| k.to_ascii_lowercase());
    match (item(0), item(1), kind.as_deref(), list.len()) {
        (Some(user), Some(password), None | Some("basic"), 2 | 3) => Ok(json!({ "basic": [user, password] })),
        (_, _, Some(k @ ("digest" | "ntlm")), 3) => {
            Err(invalid(format!("auth: {k} is not supported (Basic as [user, password], a token as auth_bearer)")))
        }
        _ => Err(invalid("auth: expected [user, password] (Basic), or auth_bearer for a token")),
    }
}

/// Guzzle's `allow_redirects`: `false` returns the 3xx, `true` follows; an array follows with
/// Guzzle's keys where the core has their meaning.
fn allow_redirects(level: Level, v: &Zval, json: &mut Map<String, Value>) -> Result<(), PhpException> {
    let follow = match (v.bool(), v.array()) {
        (Some(b), _) => b,
        (_, Some(_)) => true,
        _ => {
            return Err(type_error(format!(
                "options[allow_redirects] must be a bool or an array, {} given",
                v.get_type()
            )));
        }
    };
    match level {
        // A client that follows none returns every 3xx as it is.
        Level::Client if !follow => {
            json.insert("max_redirects".to_owned(), Value::from(0));
        }
        Level::Request => {
            json.insert("redirect".to_owned(), Value::String(if follow { "follow" } else { "manual" }.to_owned()));
        }
        Level::Client => {}
    }
    let Some(keys) = v.array() else { return Ok(()) };
    for (k, value) in keys.iter() {
        let k = key_name(&k)?;
        let value = value.dereference();
        let off = || value.bool() == Some(false) || value.is_null();
        match k.as_str() {
            "max" => {
                let n = value
                    .long()
                    .filter(|n| *n >= 0)
                    .ok_or_else(|| invalid("allow_redirects.max: expected a whole number"))?;
                if level == Level::Request {
                    return Err(invalid(
                        "allow_redirects.max is a client option here: new TlsGuard\\Client(['allow_redirects' => ['max' => N]]) (the core's max_redirects)",
                    ));
                }
                json.insert("max_redirects".to_owned(), Value::from(n));
            }
            "protocols" => {
                let ok = value
                    .array()
                    .is_some_and(|l| l.values().all(|p| matches!(p.dereference().str(), Some("http" | "https"))));
                if !ok {
                    return Err(invalid(
                        "allow_redirects.protocols: only http and https (an https URL never redirects to http)",
                    ));
                }
            }
            "strict" if !off() => {
                return Err(invalid(
                    "allow_redirects.strict: not supported (301, 302 and 303 are followed with GET, 307 and 308 keep the method, as RFC 9110 and browsers)",
                ));
            }
            "referer" if !off() => {
                return Err(invalid("allow_redirects.referer: not supported (no Referer header is added)"));
            }
            "track_redirects" if !off() => {
                return Err(invalid(
                    "allow_redirects.track_redirects: not supported (the response has getEffectiveUrl() and getRedirectCount())",
                ));
            }
            "on_redirect" if !value.is_null() => {
                return Err(invalid(
                    "allow_redirects.on_redirect: not supported (redirects are followed inside the core)",
                ));
            }
            "strict" | "referer" | "track_redirects" | "on_redirect" => {}
            other => return Err(invalid(format!("allow_redirects: unknown key {other:?}"))),
        }
    }
    Ok(())
}

/// A `multipart` list as a form, in both shapes: the core's (`value`, or `file` streamed from
/// disk) and Guzzle's (`contents`: a string, a resource, or a PSR-7 stream; a stream over a
/// local file is streamed from disk, anything else read; `headers` with `Content-Type`).
pub fn multipart(v: &Zval) -> Result<Multipart, PhpException> {
    let list =
        v.array().ok_or_else(|| type_error(format!("options[multipart] must be a list, {} given", v.get_type())))?;
    let mut form = Multipart::new();
    for (i, part) in list.values().enumerate() {
        let what = format!("multipart[{i}]");
        let part = part.dereference().array().ok_or_else(|| type_error(format!("{what} must be an array")))?;
        let text = |key: &str| -> Result<Option<String>, PhpException> {
            match part.get(key).map(Zval::dereference) {
                None => Ok(None),
                Some(z) if z.is_null() => Ok(None),
                Some(z) => z
                    .str()
                    .map(|s| Some(s.to_owned()))
                    .ok_or_else(|| type_error(format!("{what}[{key}] must be a string"))),
            }
        };
        let name = text("name")?.ok_or_else(|| invalid(format!("{what}: a part needs a name")))?;
        let filename = text("filename")?;
        let mut content_type = text("content_type")?;
        if let Some(headers) = part.get("headers").map(Zval::dereference).filter(|z| !z.is_null()) {
            let headers = headers.array().ok_or_else(|| type_error(format!("{what}[headers] must be an array")))?;
            for (k, value) in headers.iter() {
                let k = key_name(&k)?;
                if !k.eq_ignore_ascii_case("content-type") {
                    return Err(invalid(format!("{what}[headers]: only Content-Type is supported, not {k:?}")));
                }
                content_type = value.dereference().str().map(str::to_owned);
            }
        }
        let (fname, ctype) = (filename.as_deref(), content_type.as_deref());
        if let Some(path) = text("file")? {
            form = form.file(name, path, fname, ctype);
        } else if let Some(value) = part.get("value").or_else(|| part.get("contents")).map(Zval::dereference) {
            form = match contents(&what, value)? {
                Contents::File(path) => form.file(name, path, fname, ctype),
                Contents::Bytes(data) if fname.is_none() && ctype.is_none() => match String::from_utf8(data) {
                    Ok(s) => form.text(name, s),
                    Err(e) => form.bytes(name, e.into_bytes(), None, None),
                },
                Contents::Bytes(data) => form.bytes(name, data, fname, ctype),
            };
        } else {
            return Err(invalid(format!("{what}: a part needs contents (or value, or file)")));
        }
    }
    Ok(form)
}

enum Contents {
    File(String),
    Bytes(Vec<u8>),
}

/// A local file's path from a stream's `uri` metadata (`plainfile` streams only).
fn local_file(uri: Option<&str>, wrapper: Option<&str>) -> Option<String> {
    match (uri, wrapper) {
        (Some(u), Some("plainfile")) if std::path::Path::new(u).is_file() => Some(u.to_owned()),
        _ => None,
    }
}

fn contents(what: &str, v: &Zval) -> Result<Contents, PhpException> {
    if let Some(s) = v.zend_str() {
        return Ok(Contents::Bytes(s.as_bytes().to_vec()));
    }
    if v.is_resource() {
        let meta = php_call("stream_get_meta_data", vec![v])?;
        let get = |k: &str| meta.array().and_then(|a| a.get(k)).and_then(Zval::str).map(str::to_owned);
        if let Some(path) = local_file(get("uri").as_deref(), get("wrapper_type").as_deref()) {
            return Ok(Contents::File(path));
        }
        let data = php_call("stream_get_contents", vec![v])?;
        return Ok(Contents::Bytes(data.zend_str().map(|s| s.as_bytes().to_vec()).unwrap_or_default()));
    }
    if v.is_object() {
        // A PSR-7 stream: a local file is streamed from disk; anything else is read.
        if let Ok(meta) = v.try_call_method("getMetadata", vec![]) {
            let get = |k: &str| meta.array().and_then(|a| a.get(k)).and_then(Zval::str).map(str::to_owned);
            if let Some(path) = local_file(get("uri").as_deref(), get("wrapper_type").as_deref()) {
                return Ok(Contents::File(path));
            }
        }
        if let Ok(s) = v.try_call_method("__toString", vec![])
            && let Some(s) = s.zend_str()
        {
            return Ok(Contents::Bytes(s.as_bytes().to_vec()));
        }
    }
    Err(type_error(format!("{what}[contents] must be a string, a resource or a stream, {} given", v.get_type())))
}
