//! Fetching an intermediate the server omitted, from the CA-issuers URL (Authority Information
//! Access) of the certificate it issued. Opt-in (`fetch_missing_intermediates`).
//!
//! Rules: `http://` only (CA-issuers URLs are plain HTTP by design, RFC 5280 4.2.2.1: the data is
//! signed; `https://` would need a verified connection inside a verification), no credentials
//! in the URL, at most 64 KiB, a 5 s timeout, DER or PEM (not PKCS#7), cached per process. What
//! is fetched is only ever an *untrusted intermediate*: it still has to chain to a trusted root.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use rustls::pki_types::CertificateDer;

use crate::cert::{certificate_ders, looks_like_pem};

/// Most bytes read from a CA-issuers URL.
pub(crate) const MAX_AIA_BYTES: usize = 64 * 1024;
/// How long one fetch may take.
pub(crate) const AIA_TIMEOUT: Duration = Duration::from_secs(5);
/// How many missing certificates are fetched for one chain at most.
pub(crate) const MAX_AIA_DEPTH: usize = 3;

fn cache() -> &'static Mutex<HashMap<String, CertificateDer<'static>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, CertificateDer<'static>>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// Fetches the certificate at `url` (cached per process). The error says why not.
pub(crate) fn fetch_certificate(url: &str) -> Result<CertificateDer<'static>, String> {
    if let Some(hit) = cache().lock().unwrap_or_else(|p| p.into_inner()).get(url) {
        return Ok(hit.clone());
    }
    let parsed = url::Url::parse(url).map_err(|e| format!("bad CA issuers URL {url:?}: {e}"))?;
    if parsed.scheme() != "http" {
        return Err(format!("CA issuers URL {url} is not http:// (only http is fetched)"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(format!("CA issuers URL {url} carries credentials; not fetched"));
    }
    let host = parsed.host_str().ok_or_else(|| format!("CA issuers URL {url} has no host"))?.to_owned();
    let port = parsed.port_or_known_default().unwrap_or(80);
    let path = match parsed.query() {
        Some(q) => format!("{}?{q}", parsed.path()),
        None => parsed.path().to_owned(),
    };
    // Verification runs inside a TLS handshake, possibly on a runtime's worker thread, where
    // blocking on another runtime is not allowed: fetch on a short-lived thread of its own.
    let fetch = std::thread::Builder::new()
        .name("tlsguard-aia".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the fetch: {e}"))?;
            rt.block_on(async move {
                tokio::time::timeout(AIA_TIMEOUT, get(&host, port, &path))
                    .await
                    .map_err(|_| format!("timed out after {} s", AIA_TIMEOUT.as_secs()))?
            })
        })
        .map_err(|e| format!("cannot start the fetch: {e}"))?;
    let body = fetch.join().map_err(|_| "the fetch failed unexpectedly".to_owned())??;
    let der = if looks_like_pem(&body) {
        certificate_ders(&body).map_err(|e| e.message().to_owned())?.into_iter().next().ok_or("no certificate")?
    } else if body.first() == Some(&0x30) {
        CertificateDer::from(body.to_vec())
    } else {
        return Err(format!("{url} did not return a DER or PEM certificate"));
    };
    crate::cert::CertificateInfo::from_der(&der).map_err(|e| format!("{url}: {}", e.message()))?;
    cache().lock().unwrap_or_else(|p| p.into_inner()).insert(url.to_owned(), der.clone());
    Ok(der)
}

async fn get(host: &str, port: u16, path: &str) -> Result<Bytes, String> {
    let tcp = tokio::net::TcpStream::connect((host, port))
        .await
        .map_err(|e| format!("cannot connect to {host}:{port}: {e}"))?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp))
        .await
        .map_err(|e| format!("HTTP handshake with {host}:{port} failed: {e}"))?;
    tokio::spawn(conn);
    let req = http::Request::get(path)
        .header(http::header::HOST, if port == 80 { host.to_owned() } else { format!("{host}:{port}") })
        .header(http::header::USER_AGENT, concat!("tlsguard/", env!("CARGO_PKG_VERSION")))
        .body(Empty::<Bytes>::new())
        .map_err(|e| e.to_string())?;
    let resp = sender.send_request(req).await.map_err(|e| format!("request to {host}:{port} failed: {e}"))?;
    if !resp.status().is_success() {
        return Err(format!("{host}:{port}{path} answered {}", resp.status()));
    }
    Limited::new(resp.into_body(), MAX_AIA_BYTES)
        .collect()
        .await
        .map(|b| b.to_bytes())
        .map_err(|e| format!("reading {host}:{port}{path} failed (more than {MAX_AIA_BYTES} bytes?): {e}"))
}
