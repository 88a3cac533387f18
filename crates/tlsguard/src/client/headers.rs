//! Header validation (with the `http` crate) and merging.

use http::{HeaderMap, HeaderName, HeaderValue};

use crate::error::{Error, Result};

/// Largest total size of the headers of one request (names + values), 1 MiB.
pub(crate) const MAX_TOTAL_HEADER_BYTES: usize = 1024 * 1024;

/// Validates one header. `what` names where it came from (`"header"`, `"headers option"`).
/// The value is never echoed (it may be a credential).
pub(crate) fn validate(what: &str, name: &str, value: &str) -> Result<(HeaderName, HeaderValue)> {
    let hname = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
        Error::invalid(format!(
            "{what}: {name:?} is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)"
        ))
    })?;
    let hvalue = HeaderValue::from_bytes(value.as_bytes()).map_err(|_| {
        let which = if value.contains('\r') || value.contains('\n') {
            "CR or LF"
        } else if value.contains('\0') {
            "NUL"
        } else {
            "a control character"
        };
        Error::invalid(format!("{what}: the value of header {name:?} contains {which}, which is not allowed"))
    })?;
    Ok((hname, hvalue))
}

/// Validates a list of headers.
pub(crate) fn validate_all<K: AsRef<str>, V: AsRef<str>>(
    what: &str,
    list: impl IntoIterator<Item = (K, V)>,
) -> Result<Vec<(HeaderName, HeaderValue)>> {
    let mut out = Vec::new();
    let mut total = 0usize;
    for (k, v) in list {
        let (n, v) = validate(what, k.as_ref(), v.as_ref())?;
        total = total.saturating_add(n.as_str().len() + v.len());
        if total > MAX_TOTAL_HEADER_BYTES {
            return Err(too_large(what));
        }
        out.push((n, v));
    }
    Ok(out)
}

fn too_large(what: &str) -> Error {
    Error::invalid(format!("{what}: headers exceed {MAX_TOTAL_HEADER_BYTES} bytes in total"))
}

/// The `Accept-Encoding` a request sends unless it sets one (codings of [`DECODED_CODINGS`](super::body::DECODED_CODINGS)).
pub(crate) const DEFAULT_ACCEPT_ENCODING: &str = "gzip, deflate, br, zstd";

/// The headers of a request: the client's defaults, then the request's (a name the request
/// sets replaces the default of that name; repeated names within one list are all kept), then
/// `user-agent` and `accept-encoding` unless already present.
pub(crate) fn merge(
    defaults: &[(HeaderName, HeaderValue)],
    request: &[(HeaderName, HeaderValue)],
    body_type: Option<&str>,
) -> Result<HeaderMap> {
    let mut map = HeaderMap::new();
    for (n, v) in defaults {
        map.append(n.clone(), v.clone());
    }
    if let Some(ct) = body_type {
        let v = HeaderValue::from_str(ct)
            .map_err(|_| Error::invalid(format!("content type {ct:?} is not a valid header value")))?;
        map.insert(http::header::CONTENT_TYPE, v);
    }
    let mut replaced: Vec<&HeaderName> = Vec::new();
    for (n, v) in request {
        if !replaced.contains(&n) {
            map.remove(n);
            replaced.push(n);
        }
        map.append(n.clone(), v.clone());
    }
    if !map.contains_key(http::header::USER_AGENT) {
        map.insert(http::header::USER_AGENT, HeaderValue::from_static(concat!("tlsguard/", env!("CARGO_PKG_VERSION"))));
    }
    if !map.contains_key(http::header::ACCEPT_ENCODING) {
        map.insert(http::header::ACCEPT_ENCODING, HeaderValue::from_static(DEFAULT_ACCEPT_ENCODING));
    }
    let total: usize = map.iter().map(|(n, v)| n.as_str().len() + v.len()).sum();
    if total > MAX_TOTAL_HEADER_BYTES {
        return Err(too_large("headers"));
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;

    #[test]
    fn rejects_injection_and_bad_names() {
        for (name, value) in [
            ("x-a", "1\r\nx-injected: 1"),
            ("x-a", "1\nx"),
            ("x-a", "nul\0byte"),
            ("x-a", "bell\x07"),
            ("bad name", "v"),
            ("", "v"),
            ("x-é", "v"),
            ("x:a", "v"),
            ("x-a\r\n", "v"),
        ] {
            let e = validate("header", name, value).expect_err(name);
            assert_eq!(e.code(), Code::InvalidArgument);
            assert!(e.message().contains(&format!("{name:?}")), "{}", e.message());
            assert!(!e.message().contains("injected"), "value echoed: {}", e.message());
        }
        let e = validate("header", "x-a", "a\r\nb").expect_err("crlf");
        assert!(e.message().contains("CR or LF"), "{}", e.message());
        let e = validate("header", "x-a", "a\0b").expect_err("nul");
        assert!(e.message().contains("NUL"), "{}", e.message());
    }

    #[test]
    fn accepts_utf8_tabs_and_large_values() {
        assert!(validate("header", "X-Name", "caf\u{e9}\tok").is_ok());
        let big = "a".repeat(64 * 1024);
        assert!(validate_all("header", [("x-big", big.as_str())]).is_ok());
        let huge = "a".repeat(600 * 1024);
        let e = validate_all("header", [("x-1", huge.as_str()), ("x-2", huge.as_str())]).expect_err("huge");
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(e.message().contains("1048576"), "{}", e.message());
    }

    #[test]
    fn merge_order() {
        let d = validate_all("headers option", [("x-a", "default"), ("x-keep", "1"), ("user-agent", "custom/1")])
            .expect("ok");
        let r =
            validate_all("header", [("X-A", "req1"), ("x-a", "req2"), ("Accept-Encoding", "identity")]).expect("ok");
        let m = merge(&d, &r, Some("application/json")).expect("ok");
        let xa: Vec<_> = m.get_all("x-a").iter().map(|v| v.to_str().expect("s")).collect();
        assert_eq!(xa, ["req1", "req2"]);
        assert_eq!(m["x-keep"], "1");
        assert_eq!(m["user-agent"], "custom/1");
        assert_eq!(m["accept-encoding"], "identity");
        assert_eq!(m["content-type"], "application/json");
        let m = merge(&[], &[], None).expect("ok");
        assert_eq!(m["accept-encoding"], "gzip, deflate, br, zstd");
        assert!(m["user-agent"].to_str().expect("s").starts_with("tlsguard/"));
    }
}
