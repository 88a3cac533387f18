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

pub mod cert;
pub mod chain;
pub mod client;
pub mod error;
pub mod inspect;
pub mod lint;
pub mod manual;
pub mod options;
pub mod trust;

mod aia;
mod diagnose;
mod pin;
mod policy;
mod tls;
mod util;
mod verify;

pub use cert::{CertificateInfo, parse_certificates};
pub use chain::{ChainReport, Purpose, VerifyOptions, verify_chain, verify_chain_der};
pub use client::{Client, Method, Request, Response};
pub use error::{Category, Code, Error, Result};
pub use inspect::{
    AuditReport, InspectOptions, ProtocolSupport, ServerReport, SuiteSupport, audit, audit_async, inspect,
    inspect_async,
};
pub use lint::{Finding, LintOptions, Severity, lint};
pub use options::{ClientIdentity, ClientOptions, MinTls, Roots, Source, TrustOptions};
pub use tls::TlsInfo;
pub use trust::{TrustReport, TrustSource, trust_report};

/// The README's Rust examples, compiled as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
