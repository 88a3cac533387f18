//! Explaining a refused handshake (inspection and requests alike) with a few probes.

use std::net::SocketAddr;

use crate::detail::Detail;
use crate::error::{Code, Error};
use crate::tls::TlsVersion;

/// Adds what the server does accept to a version or cipher refusal, found with a few
/// ClientHello probes; requests use it too. Advisory: the refusal stands either way, only
/// its code and message get more precise.
///
/// Versions are probed first (four probes, concurrently): a server that accepts TLS 1.0 or
/// 1.1 but neither 1.2 nor 1.3 gets `TLS_PROTOCOL_VERSION` naming them, whatever alert it
/// sent (GnuTLS answers `handshake_failure` there, OpenSSL `protocol_version`). Only then, for
/// a cipher refusal, the legacy suite categories (five probes, concurrently) at the best
/// version it accepts. Every probe ends by `deadline`; a probe without an answer by then counts
/// as refused, and when nothing was learned the refusal is returned unchanged.
pub(crate) async fn explain_refusal(e: Error, host: &str, addr: SocketAddr, deadline: tokio::time::Instant) -> Error {
    if !matches!(e.code(), Code::TlsProtocolVersion | Code::TlsNoSharedCipher) {
        return e;
    }
    let versions = super::probe_versions(host, addr, deadline).await;
    let accepted: Vec<&str> = versions.iter().filter(|v| v.accepted).map(|v| v.version.as_str()).collect();
    let modern = versions.iter().any(|v| v.accepted && v.version >= TlsVersion::Tls12);
    let offered = Detail::ProtocolVersion { offered: accepted.iter().map(|v| (*v).to_owned()).collect() };
    if !accepted.is_empty() && !modern {
        // Only older versions: that is the cause, whatever the alert said.
        let only = format!("the server accepts only {}", accepted.join(", "));
        return if e.code() == Code::TlsProtocolVersion {
            let hint = e.hint().to_owned();
            Error::new(e.code(), format!("{}; {only}", e.message())).with_hint(hint).with_detail(offered)
        } else {
            Error::new(
                Code::TlsProtocolVersion,
                format!("{host} ended the handshake: it does not speak TLS 1.2 or 1.3; {only}"),
            )
            .with_detail(offered)
        };
    }
    let (extra, detail) = match e.code() {
        Code::TlsProtocolVersion => {
            if accepted.is_empty() {
                return e;
            }
            // min_tls="1.3" against a TLS 1.2 server, for example.
            (format!("the server accepts only {}", accepted.join(", ")), offered)
        }
        _ => {
            let version = super::suite_probe_version(&versions);
            let (legacy, suites): (Vec<String>, Vec<String>) = super::probe_suites(host, addr, version, deadline)
                .await
                .into_iter()
                .filter(|s| s.accepted)
                .map(|s| {
                    let suite = s.suite.unwrap_or_default();
                    (format!("{} ({suite})", s.category), suite)
                })
                .unzip();
            if legacy.is_empty() {
                return e;
            }
            (format!("it accepts legacy suites: {}", legacy.join(", ")), Detail::NoSharedCipher { offered: suites })
        }
    };
    let hint = e.hint().to_owned();
    Error::new(e.code(), format!("{}; {extra}", e.message())).with_hint(hint).with_detail(detail)
}
