//! [`Method`]: the HTTP methods a request may use.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// An HTTP method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `HEAD`
    Head,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
    /// `OPTIONS`
    Options,
    /// Any other method token (RFC 9110 §9.1: `PROPFIND`, `PURGE`, `QUERY`, ...), as given
    /// (methods are case-sensitive; the seven above are recognised in any case).
    Other(MethodToken),
}

/// A method token other than the standard ones: up to [`MethodToken::MAX`] token characters.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct MethodToken {
    bytes: [u8; MethodToken::MAX],
    len: u8,
}

impl MethodToken {
    /// The longest method token accepted.
    pub const MAX: usize = 32;

    fn new(s: &str) -> Result<Self> {
        let tchar = |c: u8| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c);
        if s.is_empty() || s.len() > Self::MAX || !s.bytes().all(tchar) {
            return Err(Error::invalid(format!(
                "method: {s:?} is not an HTTP method token (1 to {} letters, digits or !#$%&'*+-.^_`|~)",
                Self::MAX
            )));
        }
        // The Fetch standard's forbidden methods: CONNECT opens a tunnel, TRACE and TRACK echo
        // the request back, credentials included (cross-site tracing).
        if ["CONNECT", "TRACE", "TRACK"].iter().any(|f| s.eq_ignore_ascii_case(f)) {
            return Err(Error::invalid(format!(
                "method: {s} is not allowed (CONNECT opens a tunnel; TRACE and TRACK echo credentials back)"
            )));
        }
        let mut bytes = [0u8; Self::MAX];
        bytes[..s.len()].copy_from_slice(s.as_bytes());
        Ok(MethodToken { bytes, len: s.len() as u8 })
    }

    /// The token.
    pub fn as_str(&self) -> &str {
        // Only ASCII token characters are ever stored.
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or_default()
    }
}

impl fmt::Debug for MethodToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Method {
    /// The method as sent: `"GET"`, `"POST"`, ...
    pub fn as_str(&self) -> &str {
        match self {
            Self::Get => "GET",
            Self::Head => "HEAD",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
            Self::Options => "OPTIONS",
            Self::Other(t) => t.as_str(),
        }
    }

    pub(crate) fn to_http(self) -> http::Method {
        match self {
            Self::Get => http::Method::GET,
            Self::Head => http::Method::HEAD,
            Self::Post => http::Method::POST,
            Self::Put => http::Method::PUT,
            Self::Patch => http::Method::PATCH,
            Self::Delete => http::Method::DELETE,
            Self::Options => http::Method::OPTIONS,
            // A validated token is always a valid http::Method.
            Self::Other(t) => http::Method::from_bytes(t.as_str().as_bytes()).unwrap_or(http::Method::GET),
        }
    }
}

impl FromStr for Method {
    type Err = Error;
    /// The seven standard methods in any case; any other method token as it is
    /// ([`Method::Other`]); anything else, and Fetch's forbidden `CONNECT`, `TRACE` and
    /// `TRACK`, is `INVALID_ARGUMENT`.
    fn from_str(s: &str) -> Result<Self> {
        const ALL: [Method; 7] =
            [Method::Get, Method::Head, Method::Post, Method::Put, Method::Patch, Method::Delete, Method::Options];
        let s = s.trim();
        match ALL.into_iter().find(|m| m.as_str().eq_ignore_ascii_case(s)) {
            Some(m) => Ok(m),
            None => MethodToken::new(s).map(Method::Other),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;

    #[test]
    fn method_parsing() {
        for (s, m) in [("get", Method::Get), ("GET", Method::Get), ("Post", Method::Post), ("options", Method::Options)]
        {
            assert_eq!(s.parse::<Method>().expect(s), m);
        }
        for m in [Method::Get, Method::Head, Method::Post, Method::Put, Method::Patch, Method::Delete, Method::Options]
        {
            assert_eq!(m.as_str().parse::<Method>().expect("round trip"), m);
            assert_eq!(m.to_http().as_str(), m.as_str());
        }
        for bad in ["", "CONNECT", "connect", "TRACE", "track", "G ET", "GE\nT", "M\u{e9}THOD", "A(B)", &"X".repeat(33)]
        {
            assert_eq!(bad.parse::<Method>().expect_err(bad).code(), Code::InvalidArgument, "{bad:?}");
        }
        for token in ["PROPFIND", "PURGE", "QUERY", "mkcol", "X-Custom_1"] {
            let m: Method = token.parse().expect(token);
            assert_eq!((m.as_str(), m.to_http().as_str()), (token, token));
            assert!(matches!(m, Method::Other(_)));
        }
    }
}
