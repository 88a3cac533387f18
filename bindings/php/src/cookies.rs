//! `TlsGuard\CookieJar`: the core's `CookieJar`, to share one jar between clients (Guzzle's
//! `'cookies' => $jar`) and to save and restore cookies.

use ext_php_rs::prelude::*;
use ext_php_rs::types::Zval;

use crate::convert::{json_to_zval, to_json};
use crate::errors::{OrThrow, guard};

/// A cookie jar (RFC 6265). Give it to clients as `'cookies' => $jar`: they share its cookies.
#[php_class]
#[php(name = "TlsGuard\\CookieJar")]
pub struct CookieJar {
    pub inner: tlsguard::CookieJar,
}

#[php_impl]
impl CookieJar {
    /// An empty jar, or one holding `$cookies` (the list `toArray()` returns).
    pub fn __construct(cookies: Option<&Zval>) -> PhpResult<Self> {
        guard(|| {
            let inner = match cookies {
                Some(c) if !c.is_null() => tlsguard::CookieJar::from_json(&to_json("cookies", c)?).or_throw()?,
                _ => tlsguard::CookieJar::new(),
            };
            Ok(CookieJar { inner })
        })
    }
    /// The cookies as a list of `name`, `value`, `domain`, `path`, `host_only`, `secure`,
    /// `http_only`, `same_site`, `expires` (Unix seconds or null).
    pub fn to_array(&self) -> PhpResult<Zval> {
        guard(|| json_to_zval(&self.inner.to_json()))
    }
    /// How many cookies it holds.
    pub fn count(&self) -> i64 {
        self.inner.len() as i64
    }
    /// Removes every cookie.
    pub fn clear(&self) {
        self.inner.clear();
    }
}
