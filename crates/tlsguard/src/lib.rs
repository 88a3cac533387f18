//! # tlsguard
//!
//! Secure-by-default HTTPS and certificate diagnosis on rustls.
//!
//! * TLS 1.2 and 1.3 only, rustls' forward-secret AEAD suites only, certificate verification
//!   always on: nothing in the API can lower this.
//! * One trust model: Mozilla roots, the OS store, or both, plus your own CAs **added** to them;
//!   SPKI pins; CRLs; pin-only trust for self-signed development services.
//! * Every refusal is an [`Error`] with a stable [`Code`], a one-line message that names the
//!   certificate and the fact, a hint saying whose side must fix what, and the presented chain.
//! * The reports ([`ChainReport`], [`ServerReport`], [`Finding`], [`TrustReport`], [`TlsInfo`],
//!   [`CertificateInfo`], [`Error`]) implement `serde::Serialize`, every field included.
//!
//! ```no_run
//! # fn main() -> tlsguard::Result<()> {
//! let client = tlsguard::Client::new(tlsguard::ClientOptions::default())?;
//! let response = client.get("https://example.com/").send_blocking()?;
//! println!("{} {}", response.status(), response.text());
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod auth;
pub mod cert;
pub mod chain;
pub mod client;
pub mod cookies;
pub mod error;
pub mod inspect;
pub mod lint;
pub mod log;
pub mod manual;
pub mod method;
pub mod options;
pub mod retry;
pub mod trust;

mod aia;
mod der;
mod detail;
mod diagnose;
mod net;
mod pin;
mod policy;
mod probe;
mod proxy;
mod socks;
mod text;
mod tls;
mod util;
mod verify;
mod x509;

pub use cert::{Certificate, CertificateInfo, KeyType, parse_certificates};
pub use chain::{ChainReport, Purpose, Verifier, VerifyOptions, verify_chain, verify_chain_der};
pub use client::{
    AbortHandle, Auth, BodyPump, BodyReader, BodyStream, Client, Cookie, CookieJar, DECODED_CODINGS, Method, Multipart,
    Redirect, Redirects, Request, RequestBody, RequestOptions, Response, ResponseHead, Retries, SHARED_CLIENT_TTL,
    SHARED_CLIENTS, StreamedResponse, TlsTunnel, spawn,
};
pub use detail::{Detail, Fact};
pub use error::{Category, Code, Error, Result};
pub use inspect::{
    AuditReport, InspectOptions, ProtocolSupport, ServerReport, SuiteSupport, audit, audit_async, inspect,
    inspect_async,
};
pub use lint::{Finding, LintOptions, Severity, lint};
pub use options::{ClientIdentity, ClientOptions, MinTls, Roots, Source, TrustOptions};
pub use text::display_safe;
pub use tls::{TlsInfo, TlsVersion};
pub use trust::{TrustReport, TrustSource, trust_report};

/// Versions of tlsguard and of what it is built on, for `--version` output and `phpinfo()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Versions {
    /// This crate.
    pub tlsguard: &'static str,
    /// rustls.
    pub rustls: &'static str,
    /// The crypto provider (`aws-lc-rs <version>`).
    pub provider: &'static str,
    /// webpki-roots (Mozilla's roots).
    pub webpki_roots: &'static str,
}

/// The versions tlsguard was built with (read from Cargo.lock at build time).
pub fn versions() -> Versions {
    Versions {
        tlsguard: env!("CARGO_PKG_VERSION"),
        rustls: env!("TLSGUARD_RUSTLS_VERSION"),
        provider: concat!("aws-lc-rs ", env!("TLSGUARD_AWS_LC_RS_VERSION")),
        webpki_roots: env!("TLSGUARD_WEBPKI_ROOTS_VERSION"),
    }
}

/// The README's Rust examples, compiled as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
