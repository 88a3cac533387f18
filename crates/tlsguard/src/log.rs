//! The debug log: [`tracing`] events from the request path, under targets starting with
//! `tlsguard` — each connection attempt, proxy tunnels, the TLS version, suite and ALPN, the
//! verification verdict, every request attempt and response, pool reuse, redirect hops and
//! retries. Never a header value, a body, a query string or a credential.
//!
//! A Rust application sees them through its own `tracing` subscriber. The Python, Node and PHP
//! bindings and the CLI call [`init_from_env`], which prints them to stderr when `TLSGUARD_LOG`
//! is set (`TLSGUARD_LOG=debug`; the CLI's `-v` does the same).
//!
//! ```text
//! $ TLSGUARD_LOG=debug python3 -c 'import tlsguard; tlsguard.get("https://example.com/")'
//! 2026-12-03T11:02:41.120Z DEBUG tlsguard::client::exchange: GET https://example.com/ (attempt 1)
//! 2026-12-03T11:02:41.121Z DEBUG tlsguard::client::connect: connecting to example.com:443
//! 2026-12-03T11:02:41.135Z DEBUG tlsguard::net: TCP connected to 93.184.215.14:443
//! 2026-12-03T11:02:41.162Z DEBUG tlsguard::client::connect: TLS with example.com:443: TLSv1.3 TLS13_AES_256_GCM_SHA384, ALPN http/1.1, full handshake; certificate chain verified
//! 2026-12-03T11:02:41.190Z DEBUG tlsguard::client::exchange: 200 OK from example.com, HTTP/1.1, new connection #1
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The environment variable that switches the log on in the bindings and the CLI.
pub const ENV: &str = "TLSGUARD_LOG";

/// Prints tlsguard's events to stderr when [`ENV`] is set: a level (`debug`, `trace`, `info`)
/// for tlsguard's own events, or a target list (`tlsguard=debug,hyper=trace`). Does nothing if
/// the variable is unset or empty, or a subscriber is installed already; an unreadable value is
/// reported on stderr once and leaves the log off. Returns whether it installed the printer.
pub fn init_from_env() -> bool {
    match std::env::var(ENV) {
        Ok(spec) if !spec.trim().is_empty() => init(&spec),
        _ => false,
    }
}

/// Prints tlsguard's events to stderr with `spec` as in [`init_from_env`] (the CLI's `-v` is
/// `init("debug")`). Returns whether it installed the printer.
pub fn init(spec: &str) -> bool {
    use tracing_subscriber::prelude::*;
    let targets = match filter(spec) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("tlsguard: {e}; no log");
            return false;
        }
    };
    let printer = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(false);
    tracing_subscriber::registry().with(printer).with(targets).try_init().is_ok()
}

/// The filter `spec` asks for: a level for tlsguard's targets, or a `target=level` list.
fn filter(spec: &str) -> Result<tracing_subscriber::filter::Targets, String> {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    let spec = spec.trim();
    if let Ok(level) = spec.parse::<LevelFilter>() {
        return Ok(Targets::new().with_target("tlsguard", level));
    }
    spec.parse().map_err(|e| format!("{ENV}={spec:?} is neither a level nor a list of target=level ({e})"))
}

/// A URL as the log shows it: scheme, host, port and path; the query (which may carry tokens)
/// and the fragment are left out (credentials never reach a request's URL).
pub(crate) fn url(u: &url::Url) -> String {
    let host = u.host_str().unwrap_or_default();
    match u.port() {
        Some(p) => format!("{}://{host}:{p}{}", u.scheme(), u.path()),
        None => format!("{}://{host}{}", u.scheme(), u.path()),
    }
}

/// A connection's number and how many responses it has carried, for "new connection #3" /
/// "reused connection #3" (shared through `Connected::extra` with every response on it).
#[derive(Clone, Debug)]
pub(crate) struct ConnLog(Arc<(u64, AtomicU64)>);

impl ConnLog {
    pub(crate) fn new() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        ConnLog(Arc::new((NEXT.fetch_add(1, Ordering::Relaxed), AtomicU64::new(0))))
    }

    /// `"new connection #n"` for its first response, `"reused connection #n"` after.
    pub(crate) fn describe(&self) -> String {
        let used = self.0.1.fetch_add(1, Ordering::Relaxed);
        format!("{} connection #{}", if used == 0 { "new" } else { "reused" }, self.0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_query() {
        let u = url::Url::parse("https://example.com:8443/a/b?token=secret#frag").unwrap();
        assert_eq!(url(&u), "https://example.com:8443/a/b");
        assert_eq!(url(&url::Url::parse("https://example.com/?k=v").unwrap()), "https://example.com/");
    }

    #[test]
    fn filters() {
        use tracing::Level;
        let t = filter("debug").unwrap();
        assert!(t.would_enable("tlsguard::client::connect", &Level::DEBUG));
        assert!(!t.would_enable("hyper::proto", &Level::DEBUG), "a bare level is tlsguard's only");
        let t = filter(" tlsguard=info,hyper=trace ").unwrap();
        assert!(t.would_enable("hyper::proto", &Level::TRACE));
        assert!(!t.would_enable("tlsguard::net", &Level::DEBUG));
        assert!(filter("tlsguard=loud").unwrap_err().contains("TLSGUARD_LOG"));
    }

    #[test]
    fn a_connection_is_new_once() {
        let c = ConnLog::new();
        assert!(c.describe().starts_with("new connection #"));
        assert!(c.clone().describe().starts_with("reused connection #"));
    }
}
