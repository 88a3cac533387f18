//! Option objects: the JS API's camelCase names become the core's snake_case names, and the
//! JS units (milliseconds, `Date`s as epoch milliseconds) become the core's (seconds, Unix
//! seconds). Values are passed on untouched otherwise: the core's `from_json` validates them.

use serde_json::{Map, Value};

/// Options whose JS value is milliseconds and whose core value is seconds.
const MS_TO_SECONDS: &[&str] =
    &["timeout", "connect_timeout", "read_timeout", "pool_idle_timeout", "pool_wait_timeout"];
/// Keys of the `retries` object whose JS value is milliseconds.
const RETRY_MS: &[&str] = &["backoff", "max_backoff"];
/// Options whose JS value is an epoch-milliseconds time and whose core value is Unix seconds.
const MS_TO_UNIX_SECONDS: &[&str] = &["at"];

/// `caFile` -> `ca_file` (only ASCII capitals are split; snake_case passes unchanged).
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Converts a JS options object (top-level keys only; header names in `headers` are kept).
/// `null`/`undefined` stays `null` ("defaults"); anything else that is not an object is passed
/// on for the core to refuse.
pub fn options(value: Value) -> Value {
    let Value::Object(map) = value else { return value };
    let mut out = Map::with_capacity(map.len());
    for (k, v) in map {
        let k = snake_case(&k);
        let v = match v {
            Value::Number(n) if MS_TO_SECONDS.contains(&k.as_str()) => match n.as_f64() {
                Some(ms) => serde_json::Number::from_f64(ms / 1000.0).map(Value::Number).unwrap_or(Value::Number(n)),
                None => Value::Number(n),
            },
            Value::Number(n) if MS_TO_UNIX_SECONDS.contains(&k.as_str()) => match n.as_f64() {
                Some(ms) => Value::from((ms / 1000.0).floor() as i64),
                None => Value::Number(n),
            },
            // `{ max, backoff (ms), maxBackoff (ms), statuses, methods }`.
            Value::Object(o) if k == "retries" => Value::Object(nested(o, RETRY_MS, false)),
            // Cookies as `client.cookies()` gives them: camelCase keys, `expires` in epoch ms.
            Value::Array(list) if k == "cookies" => Value::Array(
                list.into_iter()
                    .map(|c| match c {
                        Value::Object(o) => Value::Object(nested(o, &["expires"], true)),
                        c => c,
                    })
                    .collect(),
            ),
            v => v,
        };
        out.insert(k, v);
    }
    Value::Object(out)
}

/// The keys of a nested object in snake_case; numbers under `ms_keys` from milliseconds to
/// seconds (`whole`: whole seconds, for times).
fn nested(o: Map<String, Value>, ms_keys: &[&str], whole: bool) -> Map<String, Value> {
    o.into_iter()
        .map(|(k, v)| {
            let k = snake_case(&k);
            let v = match v.as_f64() {
                Some(ms) if ms_keys.contains(&k.as_str()) && whole => Value::from((ms / 1000.0).floor() as i64),
                Some(ms) if ms_keys.contains(&k.as_str()) => {
                    serde_json::Number::from_f64(ms / 1000.0).map(Value::Number).unwrap_or(v)
                }
                _ => v,
            };
            (k, v)
        })
        .collect()
}

/// The core's cookie list (`Client::cookies_json`) as JS reads it: camelCase keys, `expires`
/// in epoch milliseconds (null for a session cookie).
pub fn cookies_value(json: Value) -> Value {
    let Value::Array(list) = json else { return json };
    Value::Array(
        list.into_iter()
            .map(|c| match c {
                Value::Object(o) => Value::Object(
                    o.into_iter()
                        .map(|(k, v)| {
                            let v = match v.as_f64() {
                                Some(secs) if k == "expires" => Value::from(secs * 1000.0),
                                _ => v,
                            };
                            (camel_case(&k), v)
                        })
                        .collect(),
                ),
                c => c,
            })
            .collect(),
    )
}

/// `ca_file` -> `caFile`.
pub fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.push(c.to_ascii_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

/// The core's client defaults (`ClientOptions::defaults_json`) as the JS API writes them:
/// camelCase names, milliseconds. For the test that compares them with index.d.ts.
#[napi_derive::napi(catch_unwind, ts_return_type = "Record<string, unknown>")]
pub fn client_defaults() -> Value {
    let Value::Object(core) = tlsguard::ClientOptions::defaults_json() else { return Value::Null };
    let mut out = Map::with_capacity(core.len());
    for (k, v) in core {
        let v = match v.as_f64() {
            Some(secs) if MS_TO_SECONDS.contains(&k.as_str()) => Value::from(secs * 1000.0),
            _ => v,
        };
        out.insert(camel_case(&k), v);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_and_units() {
        assert_eq!(snake_case("caFile"), "ca_file");
        assert_eq!(snake_case("fetchMissingIntermediates"), "fetch_missing_intermediates");
        assert_eq!(snake_case("ca_file"), "ca_file");
        for name in tlsguard::options::CLIENT_OPTION_NAMES {
            assert_eq!(snake_case(&camel_case(name)), *name);
        }
        let v = options(json!({"caFile": "/x", "timeout": 1500, "at": 1_700_000_000_123i64, "headers": {"X-Ab": "1"}}));
        assert_eq!(v, json!({"ca_file": "/x", "timeout": 1.5, "at": 1_700_000_000, "headers": {"X-Ab": "1"}}));
        let v = options(
            json!({"readTimeout": 500, "poolIdleTimeout": 90_000, "connectTimeout": 250, "poolWaitTimeout": 1500}),
        );
        assert_eq!(
            v,
            json!({"read_timeout": 0.5, "pool_idle_timeout": 90.0, "connect_timeout": 0.25, "pool_wait_timeout": 1.5})
        );
        let v = options(json!({"retries": {"max": 3, "backoff": 250, "maxBackoff": 10_000, "statuses": [503]}}));
        assert_eq!(v, json!({"retries": {"max": 3, "backoff": 0.25, "max_backoff": 10.0, "statuses": [503]}}));
        let v = options(json!({"cookies": [{"name": "a", "hostOnly": true, "expires": 1_700_000_000_500i64}]}));
        assert_eq!(v, json!({"cookies": [{"name": "a", "host_only": true, "expires": 1_700_000_000}]}));
        let back =
            cookies_value(json!([{"name": "a", "host_only": true, "expires": 1_700_000_000, "same_site": null}]));
        assert_eq!(back, json!([{"name": "a", "hostOnly": true, "expires": 1_700_000_000_000.0, "sameSite": null}]));
    }
}
