//! The live connection: TCP, the recorded handshake (with the missing-intermediate fetch) and
//! the HTTP request, into a [`ServerReport`].

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rustls::pki_types::{CertificateDer, UnixTime};

use super::chain::{chain_shape, lint_chain};
use super::http::{HttpFailure, http_get};
use super::recorder::Recorder;
use super::target::Target;
use super::tls_io::{HandshakeError, TlsIo};
use super::{InspectOptions, ServerReport};
use crate::cert::Certificate;
use crate::error::{Code, Error};
use crate::net::{io_message, secs, tcp_connect_addr};
use crate::options::ClientOptions;
use crate::tls::{TlsContext, TlsVersion};
use crate::verify::{Extras, Verifier, WithExtras};

type Failure = (Error, Option<SocketAddr>);

/// Fetches what the chain of `refusal` (`CERT_INCOMPLETE_CHAIN`) lacks; the environment's
/// proxies apply, as for a client without a `proxy` option.
async fn fetch_for_inspect(
    refusal: &Error,
    target: &Target,
    ctx: &TlsContext,
    allow_private: bool,
    deadline: tokio::time::Instant,
) -> std::result::Result<Vec<crate::verify::Fetched>, (String, crate::aia::FetchError)> {
    let ders: Vec<CertificateDer<'static>> = refusal.chain().iter().map(|c| c.der().clone()).collect();
    let Some((leaf, intermediates)) = ders.split_first() else { return Ok(Vec::new()) };
    let proxy = crate::proxy::ProxyPolicy::new(None).map_err(|_| (String::new(), crate::aia::FetchError::Failed))?;
    let check = crate::aia::ChainCheck {
        store: &ctx.store,
        provider: ctx.config.crypto_provider(),
        server_name: Some(&target.name),
        now: UnixTime::now(),
        purpose: crate::verify::Purpose::Server,
    };
    let env = crate::aia::FetchEnv {
        allow_private,
        proxy: &proxy,
        net: &crate::aia::SystemNet,
        deadline: Some(deadline),
        proxy_tls: None,
    };
    crate::aia::fetch_missing(&check, leaf, intermediates, &env).await
}

/// Connects, handshakes, optionally sends the request; returns the report (without audit) and
/// the address used. A failure carries the address when the TCP connection was made.
pub(super) async fn live(
    target: &Target,
    opts: &InspectOptions,
) -> std::result::Result<(ServerReport, SocketAddr), Failure> {
    let started = Instant::now();
    let client_opts = ClientOptions {
        trust: opts.trust.clone(),
        identity: opts.identity.clone(),
        min_tls: opts.min_tls,
        fetch_missing_intermediates: opts.fetch_missing_intermediates,
        aia_allow_private: opts.aia_allow_private,
        ..Default::default()
    };
    let ctx = TlsContext::new(&client_opts).map_err(|e| (e, None))?;
    let recorder = Arc::new(Recorder {
        inner: Verifier::new(ctx.store.clone(), ctx.config.crypto_provider().clone()),
        seen: Mutex::new(None),
    });
    let mut config = (*ctx.config).clone();
    config.dangerous().set_certificate_verifier(recorder.clone());
    // Every inspection must see (and verify) the certificate: no resumption.
    config.resumption = rustls::client::Resumption::disabled();
    // Note whether the server asks for a client certificate (to explain a TLS 1.3 refusal).
    let asked = Arc::new(AtomicBool::new(false));
    let has_identity = config.client_auth_cert_resolver.has_certs();
    config.client_auth_cert_resolver =
        Arc::new(crate::tls::AskProbe { inner: config.client_auth_cert_resolver.clone(), asked: Some(asked.clone()) });
    let config = Arc::new(config);

    let target_text = target.authority();
    let connect_budget = opts.connect_timeout.min(opts.timeout);
    let mut addr_slot: Option<SocketAddr> = None;
    let deadline = tokio::time::Instant::now() + connect_budget;
    // With fetch_missing_intermediates, a chain refused as incomplete makes the intermediates
    // be fetched (asynchronously, within the connect budget; see aia.rs) and the handshake
    // be retried once with them as extra, untrusted intermediates.
    let mut extras: Option<Arc<Extras>> = None;
    let mut fetch_failure: Option<(String, crate::aia::FetchError)> = None;
    let connect = async {
        loop {
            let (tcp, addr) = tcp_connect_addr(&target.host, target.port, "").await?;
            addr_slot = Some(addr);
            let conn = rustls::ClientConnection::new(config.clone(), target.name.clone())
                .map_err(|e| Error::new(Code::TlsHandshake, format!("cannot start a TLS connection: {e}")))?;
            let mut io = TlsIo::new(tcp, conn);
            let hs = WithExtras { extras: extras.clone(), fut: Box::pin(io.handshake()) }.await;
            let refusal = match &hs {
                Err(HandshakeError::Tls(e)) if opts.fetch_missing_intermediates && extras.is_none() => {
                    Some(ctx.handshake_error(e, &target.host))
                }
                _ => None,
            };
            let Some(refusal) = refusal.filter(|r| r.code() == Code::CertIncompleteChain) else {
                return Ok::<_, Error>((io, addr, hs));
            };
            match fetch_for_inspect(&refusal, target, &ctx, opts.aia_allow_private, deadline).await {
                Ok(list) if !list.is_empty() => extras = Some(Extras::new(Arc::new(list))),
                Ok(_) => return Ok((io, addr, hs)),
                Err(failure) => {
                    fetch_failure = Some(failure);
                    return Ok((io, addr, hs));
                }
            }
        }
    };
    let (io, addr, handshake) = match tokio::time::timeout(connect_budget, connect).await {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => return Err((e, addr_slot)),
        Err(_) => {
            let which = if connect_budget == opts.connect_timeout { "connect timeout" } else { "timeout" };
            return Err((
                Error::new(
                    Code::Timeout,
                    format!("{which} ({}) expired connecting to {target_text}", secs(connect_budget)),
                ),
                addr_slot,
            ));
        }
    };

    let seen = recorder.take();
    let now = crate::cert::unix_now();
    let chain: Vec<Certificate> = seen
        .as_ref()
        .map(|s| s.chain.iter().filter_map(|d| Certificate::checked(d.clone()).ok()).collect())
        .unwrap_or_default();
    let (chain_complete, chain_ordered) = chain_shape(&chain, &ctx.store);
    let mut report = ServerReport {
        host: target.host.clone(),
        port: target.port,
        address: addr.to_string(),
        tls_version: TlsVersion::of(&io.conn),
        cipher_suite: io.conn.negotiated_cipher_suite().and_then(|s| s.suite().as_str()).map(str::to_owned),
        alpn: io.conn.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned()),
        leaf_days_remaining: chain.first().map(|c| c.days_remaining(now)),
        soonest_expiry: chain.iter().min_by_key(|c| c.not_after).map(|c| (c.subject.clone(), c.days_remaining(now))),
        lint: lint_chain(&chain, &target.host),
        chain,
        verdict: None,
        chain_complete,
        chain_ordered,
        ocsp_stapled: seen.as_ref().is_some_and(|s| s.ocsp),
        http_status: None,
        http_version: None,
        hsts: None,
        insecure_cookies: Vec::new(),
        http_error: None,
        audit: None,
        warnings: extras.as_ref().and_then(|x| x.used()).unwrap_or_default(),
    };

    match handshake {
        Ok(()) => {}
        Err(HandshakeError::Tls(e)) => {
            // A refused certificate: the report carries the request's error. Anything else
            // (no shared version or suite, alerts) is a connection-level failure.
            if seen.as_ref().is_some_and(|s| s.refusal.is_some()) {
                let verdict = ctx.handshake_error(&e, &target.host);
                report.verdict = Some(match &fetch_failure {
                    Some((url, why)) => crate::aia::explain_failure(verdict, url, why),
                    None => verdict,
                });
                return Ok((report, addr));
            }
            return Err((ctx.handshake_error(&e, &target.host), Some(addr)));
        }
        Err(HandshakeError::Io(e)) => {
            let what = match e.kind() {
                std::io::ErrorKind::UnexpectedEof => "the server closed the connection".to_owned(),
                _ => io_message(&e),
            };
            return Err((
                Error::new(Code::TlsHandshake, format!("TLS handshake with {target_text} failed: {what}"))
                    .with_source(e),
                Some(addr),
            ));
        }
    }

    if opts.http_request {
        let left = opts.timeout.saturating_sub(started.elapsed());
        let alpn = report.alpn.clone();
        let aftermath = io.aftermath.clone();
        let tls13 = report.tls_version == Some(TlsVersion::Tls13);
        match tokio::time::timeout(left, http_get(io, target, &opts.path, alpn.as_deref())).await {
            Ok(Ok(h)) => {
                report.http_status = Some(h.status);
                report.http_version = Some(h.version);
                report.hsts = h.hsts;
                report.insecure_cookies = h.insecure_cookies;
            }
            Ok(Err(HttpFailure::Tls(e))) => report.verdict = Some(ctx.handshake_error(&e, &target.host)),
            Ok(Err(HttpFailure::Http(e))) => {
                if let Some(alert) = aftermath.alert() {
                    report.verdict = Some(ctx.handshake_error(&alert, &target.host));
                } else if tls13 && asked.load(Ordering::Relaxed) && !aftermath.got_data() {
                    report.verdict = Some(crate::diagnose::inferred_client_cert_refusal(&target_text, has_identity));
                } else {
                    report.http_error = Some(e);
                }
            }
            Err(_) => {
                report.http_error = Some(Error::new(
                    Code::Timeout,
                    format!("timeout ({}) expired waiting for the response of {target_text}", secs(opts.timeout)),
                ))
            }
        }
    }
    Ok((report, addr))
}
