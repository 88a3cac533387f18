//! The inspected host, validated.

use rustls::pki_types::ServerName;

use super::InspectOptions;
use crate::error::{Error, Result};
use crate::net::authority;

/// A validated host and port.
pub(super) struct Target {
    pub(super) host: String,
    pub(super) port: u16,
    pub(super) name: ServerName<'static>,
}

impl Target {
    pub(super) fn parse(host: &str, opts: &InspectOptions) -> Result<Self> {
        let bad = |why: &str| {
            Error::invalid(format!(
                "host: {host:?} {why} (pass only a DNS name or an IP address, e.g. \"example.com\"; the port goes in InspectOptions::port)"
            ))
        };
        if host.is_empty() {
            return Err(Error::invalid("host: empty; pass a DNS name or an IP address"));
        }
        if host.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("contains whitespace"));
        }
        if host.contains("://") || host.contains(['/', '@', '?', '#']) {
            return Err(bad("is not a host name"));
        }
        let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
        if bare.contains(':') && bare.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(bad("is not a host name"));
        }
        if opts.port == 0 {
            return Err(Error::invalid("port: 0 is not a valid TCP port"));
        }
        if opts.connect_timeout.is_zero() {
            return Err(Error::invalid("connect_timeout: 0 s is not a positive duration"));
        }
        if opts.timeout.is_zero() {
            return Err(Error::invalid("timeout: 0 s is not a positive duration"));
        }
        if !opts.path.starts_with('/') || opts.path.parse::<http::uri::PathAndQuery>().is_err() {
            return Err(Error::invalid(format!("path: {:?} is not an absolute request path like \"/\"", opts.path)));
        }
        let name =
            ServerName::try_from(bare.to_owned()).map_err(|e| bad(&format!("is not a valid TLS server name: {e}")))?;
        Ok(Self { host: bare.to_owned(), port: opts.port, name })
    }

    pub(super) fn authority(&self) -> String {
        authority(&self.host, self.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;

    #[test]
    fn targets_are_validated() {
        let o = InspectOptions::default();
        for bad in ["", " ", "a b", "example.com:443", "https://example.com", "a/b", "user@h", "ex\tample"] {
            let e = Target::parse(bad, &o).err().unwrap_or_else(|| panic!("{bad:?} accepted"));
            assert_eq!(e.code(), Code::InvalidArgument, "{bad:?}");
        }
        for good in ["example.com", "127.0.0.1", "::1", "[::1]", "localhost"] {
            let t = Target::parse(good, &o).unwrap_or_else(|e| panic!("{good:?}: {e}"));
            assert!(!t.host.starts_with('['));
        }
        assert_eq!(Target::parse("::1", &o).map(|t| t.authority()).ok().as_deref(), Some("[::1]:443"));
        let p0 = InspectOptions { port: 0, ..Default::default() };
        assert_eq!(Target::parse("example.com", &p0).err().map(|e| e.code()), Some(Code::InvalidArgument));
        let path = InspectOptions { path: "nope".into(), ..Default::default() };
        assert_eq!(Target::parse("example.com", &path).err().map(|e| e.code()), Some(Code::InvalidArgument));
    }
}
