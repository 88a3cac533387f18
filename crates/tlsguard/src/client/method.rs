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
}

impl Method {
    /// The method as sent: `"GET"`, `"POST"`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Head => "HEAD",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
            Self::Options => "OPTIONS",
        }
    }

    pub(super) fn to_http(self) -> http::Method {
        match self {
            Self::Get => http::Method::GET,
            Self::Head => http::Method::HEAD,
            Self::Post => http::Method::POST,
            Self::Put => http::Method::PUT,
            Self::Patch => http::Method::PATCH,
            Self::Delete => http::Method::DELETE,
            Self::Options => http::Method::OPTIONS,
        }
    }
}

impl FromStr for Method {
    type Err = Error;
    /// Case-insensitive; anything else is `INVALID_ARGUMENT`.
    fn from_str(s: &str) -> Result<Self> {
        const ALL: [Method; 7] =
            [Method::Get, Method::Head, Method::Post, Method::Put, Method::Patch, Method::Delete, Method::Options];
        ALL.into_iter().find(|m| m.as_str().eq_ignore_ascii_case(s.trim())).ok_or_else(|| {
            Error::invalid(format!("method: {s:?} is not one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"))
        })
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
        for bad in ["", "CONNECT", "TRACE", "GETX", "G ET"] {
            assert_eq!(bad.parse::<Method>().expect_err(bad).code(), Code::InvalidArgument);
        }
    }
}
