//! Retries (opt-in): which failures and statuses are retried, and how long to wait before the
//! next attempt.
//!
//! A request is retried only when both hold:
//! * its method is idempotent (`GET`, `HEAD`, `OPTIONS`, `PUT`, `DELETE`), or is in the
//!   policy's explicit list;
//! * the failure is safe to retry: the connection could not be made (`DNS`, `CONNECT`, or a
//!   `TIMEOUT` while connecting), so the request was never sent; or the response's status is in
//!   the policy's list (default 429, 502, 503, 504).
//!
//! Certificate and TLS failures are never retried: a retry cannot fix them, and retrying would
//! hide them. Each wait is exponential with jitter (`backoff × 2^(n-1)`, a random point of its
//! upper half, at most `max_backoff`); a `Retry-After` on a 429 or 503 is honoured instead, up
//! to `max_backoff` (a longer one ends the retries: the response is returned). No retry starts
//! that its wait would push past the request's `timeout`.

use std::time::{Duration, SystemTime};

use crate::error::{Category, Code, Error, Result};
use crate::method::Method;

/// A retry policy ([`ClientOptions::retries`](crate::ClientOptions::retries),
/// [`Request::retries`](crate::Request::retries)).
///
/// ```
/// use std::time::Duration;
/// let mut policy = tlsguard::Retries::new(3);
/// policy.backoff = Duration::from_millis(200);
/// policy.statuses.push(500);
/// let mut options = tlsguard::ClientOptions::default();
/// options.retries = Some(policy);
/// # let _ = options;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Retries {
    /// Retries after the first attempt (0: none).
    pub max_retries: u32,
    /// The first wait; each next one doubles (default 0.5 s).
    pub backoff: Duration,
    /// The longest wait, and the longest `Retry-After` honoured (default 30 s).
    pub max_backoff: Duration,
    /// Statuses that are retried (default 429, 502, 503, 504).
    pub statuses: Vec<u16>,
    /// Methods that are retried; `None`: the idempotent ones.
    pub methods: Option<Vec<Method>>,
}

/// The statuses retried by default.
pub const DEFAULT_RETRY_STATUSES: &[u16] = &[429, 502, 503, 504];

impl Retries {
    /// `max_retries` retries with the default backoff, statuses and methods.
    pub fn new(max_retries: u32) -> Retries {
        Retries {
            max_retries,
            backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            statuses: DEFAULT_RETRY_STATUSES.to_vec(),
            methods: None,
        }
    }

    /// A policy from JSON: a number (the count, defaults for the rest) or an object with `max`,
    /// `backoff` and `max_backoff` (seconds), `statuses` and `methods`. `INVALID_ARGUMENT`
    /// naming `name` otherwise.
    pub fn from_json(name: &str, v: &serde_json::Value) -> Result<Retries> {
        let bad = |what: &str| Error::invalid(format!("{name}: {what}"));
        let count = |v: &serde_json::Value| -> Result<u32> {
            v.as_u64()
                .filter(|n| *n <= MAX_RETRIES)
                .map(|n| n as u32)
                .ok_or_else(|| bad(&format!("the retry count must be a whole number from 0 to {MAX_RETRIES}, not {v}")))
        };
        let secs = |key: &str, v: &serde_json::Value| -> Result<Duration> {
            v.as_f64()
                .filter(|s| s.is_finite() && *s >= 0.0 && *s <= 3600.0)
                .map(Duration::from_secs_f64)
                .ok_or_else(|| bad(&format!("{key} must be seconds from 0 to 3600, not {v}")))
        };
        let map = match v {
            serde_json::Value::Number(_) => return Ok(Retries::new(count(v)?)),
            serde_json::Value::Object(m) => m,
            _ => return Err(bad("expected a retry count or {\"max\": n, \"backoff\": s, ...}")),
        };
        let mut r = Retries::new(0);
        let mut max = None;
        for (k, v) in map {
            match k.as_str() {
                "max" => max = Some(count(v)?),
                "backoff" => r.backoff = secs(k, v)?,
                "max_backoff" => r.max_backoff = secs(k, v)?,
                "statuses" => {
                    let list = v.as_array().ok_or_else(|| bad("statuses must be a list of HTTP statuses"))?;
                    r.statuses = list
                        .iter()
                        .map(|s| {
                            s.as_u64()
                                .filter(|s| (100..=599).contains(s))
                                .map(|s| s as u16)
                                .ok_or_else(|| bad(&format!("{s} is not an HTTP status (100-599)")))
                        })
                        .collect::<Result<_>>()?;
                }
                "methods" => {
                    let list = v.as_array().ok_or_else(|| bad("methods must be a list of method names"))?;
                    let methods = list
                        .iter()
                        .map(|m| {
                            m.as_str()
                                .ok_or_else(|| bad(&format!("{m} is not a method name")))?
                                .parse::<Method>()
                                .map_err(|e| bad(e.message()))
                        })
                        .collect::<Result<_>>()?;
                    r.methods = Some(methods);
                }
                other => {
                    return Err(bad(&format!(
                        "unknown key {other:?} (expected max, backoff, max_backoff, statuses, methods)"
                    )));
                }
            }
        }
        r.max_retries = max.ok_or_else(|| bad("\"max\" (the retry count) is required"))?;
        Ok(r)
    }

    /// Whether requests with `method` may be retried.
    pub(crate) fn allows(&self, method: Method) -> bool {
        match &self.methods {
            Some(list) => list.contains(&method),
            None => matches!(method, Method::Get | Method::Head | Method::Options | Method::Put | Method::Delete),
        }
    }

    /// The wait before retry number `n` (1-based): exponential, a random point of its upper half.
    pub(crate) fn backoff(&self, n: u32) -> Duration {
        let full = self.backoff.saturating_mul(1u32.checked_shl(n.saturating_sub(1)).unwrap_or(u32::MAX));
        let full = full.min(self.max_backoff);
        full / 2 + full.mul_f64(random_unit() / 2.0)
    }

    /// The wait before retrying a response with `status`, or `None` when it is not retried
    /// (not listed, or a `Retry-After` longer than `max_backoff`).
    pub(crate) fn wait_for_status(&self, status: u16, retry_after: Option<&str>, n: u32) -> Option<Duration> {
        if !self.statuses.contains(&status) {
            return None;
        }
        match retry_after.filter(|_| status == 429 || status == 503).and_then(parse_retry_after) {
            Some(d) if d > self.max_backoff => None,
            Some(d) => Some(d),
            None => Some(self.backoff(n)),
        }
    }
}

/// The most retries a policy may ask for.
const MAX_RETRIES: u64 = 100;

/// Whether `e` (from sending a request) is a failure that is safe to retry: the connection was
/// never made, so the request never left. `connecting` says whether it happened while connecting.
pub(crate) fn retryable(e: &Error, connecting: bool) -> bool {
    if matches!(e.code().category(), Category::Certificate | Category::Tls) {
        return false;
    }
    match e.code() {
        Code::Dns | Code::Connect => true,
        Code::Timeout => connecting,
        _ => false,
    }
}

/// `Retry-After`: delay-seconds or an HTTP date (RFC 9110 §10.2.3); a date in the past is 0.
fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(SystemTime::now()).unwrap_or_default())
}

/// A random number in [0, 1) (jitter; it needs no cryptographic quality, but the OS random
/// source is at hand through rustls).
fn random_unit() -> f64 {
    let mut b = [0u8; 8];
    if rustls::crypto::aws_lc_rs::default_provider().secure_random.fill(&mut b).is_err() {
        let t = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
        b = (t.subsec_nanos() as u64).to_le_bytes();
    }
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_forms() {
        let r = Retries::from_json("retries", &json!(3)).unwrap();
        assert_eq!(r, Retries::new(3));
        let r = Retries::from_json(
            "retries",
            &json!({"max": 2, "backoff": 0.1, "max_backoff": 1, "statuses": [500], "methods": ["POST"]}),
        )
        .unwrap();
        assert_eq!((r.max_retries, r.backoff, r.max_backoff), (2, Duration::from_millis(100), Duration::from_secs(1)));
        assert_eq!(r.statuses, vec![500]);
        assert!(r.allows(Method::Post) && !r.allows(Method::Get));
        for bad in [json!(-1), json!(1.5), json!(101), json!("3"), json!({"backoff": 1}), json!({"max": 1, "x": 1})] {
            let e = Retries::from_json("retries", &bad).unwrap_err();
            assert_eq!(e.code(), Code::InvalidArgument, "{bad}");
            assert!(e.message().starts_with("retries: "), "{}", e.message());
        }
        for bad in [json!({"max": 1, "statuses": [99]}), json!({"max": 1, "methods": ["B AD"]})] {
            assert_eq!(Retries::from_json("retries", &bad).unwrap_err().code(), Code::InvalidArgument, "{bad}");
        }
    }

    #[test]
    fn idempotent_methods_by_default() {
        let r = Retries::new(1);
        for m in [Method::Get, Method::Head, Method::Options, Method::Put, Method::Delete] {
            assert!(r.allows(m), "{m}");
        }
        assert!(!r.allows(Method::Post) && !r.allows(Method::Patch));
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let mut r = Retries::new(5);
        r.backoff = Duration::from_millis(100);
        r.max_backoff = Duration::from_millis(350);
        for _ in 0..50 {
            let (a, b, c) = (r.backoff(1), r.backoff(2), r.backoff(9));
            assert!(a >= Duration::from_millis(50) && a <= Duration::from_millis(100), "{a:?}");
            assert!(b >= Duration::from_millis(100) && b <= Duration::from_millis(200), "{b:?}");
            assert!(c >= Duration::from_millis(175) && c <= Duration::from_millis(350), "{c:?}");
        }
        assert!(r.backoff(1000) <= Duration::from_millis(350)); // no overflow
    }

    #[test]
    fn retry_after() {
        let r = Retries::new(2);
        assert_eq!(r.wait_for_status(503, Some("2"), 1), Some(Duration::from_secs(2)));
        assert_eq!(r.wait_for_status(429, Some("Wed, 21 Oct 2015 07:28:00 GMT"), 1), Some(Duration::ZERO));
        assert_eq!(r.wait_for_status(503, Some("3600"), 1), None, "longer than max_backoff: not retried");
        assert!(r.wait_for_status(502, Some("2"), 1).unwrap() <= Duration::from_millis(500), "only 429/503");
        assert_eq!(r.wait_for_status(500, None, 1), None, "not listed");
    }

    #[test]
    fn what_is_safe_to_retry() {
        assert!(retryable(&Error::new(Code::Dns, "x"), false));
        assert!(retryable(&Error::new(Code::Connect, "x"), false));
        assert!(retryable(&Error::new(Code::Timeout, "x"), true));
        assert!(!retryable(&Error::new(Code::Timeout, "x"), false), "a timeout after sending");
        assert!(!retryable(&Error::new(Code::CertExpired, "x"), true));
        assert!(!retryable(&Error::new(Code::TlsHandshake, "x"), true));
        assert!(!retryable(&Error::new(Code::HttpProtocol, "x"), false));
    }
}
