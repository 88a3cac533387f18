//! Certificate verification: rustls-webpki path building against the trust store, plus
//! tlsguard's explicit policy on top (pins, weak keys, pin-only trust).
//!
//! This is the single place where a chain is accepted or refused. The verifier used by every
//! connection and the offline chain check call the same [`verify_server_chain`], so an offline
//! verdict predicts the online one. Diagnosis ([`crate::diagnose`]) only runs after a refusal
//! and only explains it; it cannot turn a refusal into an acceptance, because every path below
//! that returns `Ok` is decided here before diagnosis is ever called.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};

use crate::cert::Certificate;
use crate::detail::Detail;
use crate::diagnose::{self, name_text};
use crate::error::{Code, Error, Result};
use crate::pin::wrap_sequence;
use crate::policy::{self, Role};
use crate::trust::TrustStore;
use std::cell::RefCell;

/// Which side of a connection a chain authenticates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Purpose {
    /// A TLS server (EKU serverAuth). The default.
    #[default]
    Server,
    /// A TLS client (EKU clientAuth).
    Client,
}

/// A chain that verified: the path from the leaf to the trust anchor.
#[derive(Clone, Debug)]
pub(crate) struct VerifiedChain {
    /// Leaf first, then the intermediates used (the anchor is not a certificate here).
    pub path: Vec<CertificateDer<'static>>,
    /// What was accepted but is wrong on the server's side (e.g. a fetched missing intermediate).
    pub warnings: Vec<String>,
}

/// An intermediate fetched from a CA-issuers URL.
#[derive(Clone, Debug)]
pub(crate) struct Fetched {
    pub der: CertificateDer<'static>,
    pub url: String,
}

impl Fetched {
    /// The warning that the server omits this certificate.
    pub(crate) fn warning(&self) -> String {
        let name = Certificate::parsed(&self.der).map(|c| c.display_name()).unwrap_or_default();
        format!(
            "the server omits the intermediate certificate '{name}'; tlsguard fetched it from {}. The server operator must serve the full chain (leaf, then intermediates)",
            self.url
        )
    }
}

/// Verifies with `extra` (fetched, untrusted) intermediates after the presented ones; the
/// result warns about each extra the verified path uses.
#[allow(clippy::too_many_arguments)]
pub(crate) fn verify_with_extras(
    store: &TrustStore,
    provider: &CryptoProvider,
    leaf: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    extra: &[Fetched],
    server_name: Option<&ServerName<'_>>,
    now: UnixTime,
    purpose: Purpose,
) -> Result<VerifiedChain> {
    let mut all: Vec<CertificateDer<'_>> = intermediates.to_vec();
    all.extend(extra.iter().map(|f| f.der.clone()));
    verify_server_chain(store, provider, leaf, &all, server_name, now, purpose).map(|mut v| {
        for f in extra.iter().filter(|f| v.path.iter().any(|p| p == &f.der)) {
            v.warnings.push(f.warning());
        }
        v
    })
}

/// Verifies `leaf` + `intermediates` for `server_name` at `now` against `store`.
///
/// `Err` carries the diagnosed [`Error`] (code, message, hint, presented chain).
pub(crate) fn verify_server_chain(
    store: &TrustStore,
    provider: &CryptoProvider,
    leaf: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    server_name: Option<&ServerName<'_>>,
    now: UnixTime,
    purpose: Purpose,
) -> Result<VerifiedChain> {
    let refuse =
        |e: Error| e.with_chain(presented_chain(leaf, intermediates)).with_trust_sources(store.report.summary_lines());
    let result = if store.pin_only() {
        verify_pin_only(store, leaf, server_name, now, purpose)
    } else {
        verify_webpki(store, provider, leaf, intermediates, server_name, now, purpose)
    };
    result.map_err(refuse)
}

fn verify_webpki(
    store: &TrustStore,
    provider: &CryptoProvider,
    leaf: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    server_name: Option<&ServerName<'_>>,
    now: UnixTime,
    purpose: Purpose,
) -> Result<VerifiedChain> {
    let explain = |e: webpki::Error| {
        diagnose::certificate_error(&e, &presented_chain(leaf, intermediates), server_name, now, store)
    };
    let ee = webpki::EndEntityCert::try_from(leaf).map_err(explain)?;
    let crl_refs: Vec<&webpki::CertRevocationList<'_>> = store.crls.iter().collect();
    let revocation = if crl_refs.is_empty() {
        None
    } else {
        // Unknown status is allowed (a CRL covers only its issuer's certificates; a chain no
        // CRL covers gets a warning below). A CRL past its nextUpdate is refused where it
        // applies (CERT_REVOCATION_UNKNOWN), checked at each verification because a CRL goes
        // out of date while a client lives.
        webpki::RevocationOptionsBuilder::new(&crl_refs).ok().map(|b| {
            b.with_depth(webpki::RevocationCheckDepth::Chain)
                .with_status_policy(webpki::UnknownStatusPolicy::Allow)
                .with_expiration_policy(webpki::ExpirationPolicy::Enforce)
                .build()
        })
    };
    let usage = match purpose {
        Purpose::Server => webpki::KeyUsage::server_auth(),
        Purpose::Client => webpki::KeyUsage::client_auth(),
    };
    // tlsguard's profile (policy.rs) runs on every candidate path; a refusal there lets webpki
    // try another path. webpki only carries its own error type through the hook, so the
    // explained error waits in `refused` and `CertDistrusted` (which webpki itself never raises
    // here: no distrust list is configured) marks it.
    let now_secs = now.as_secs() as i64;
    let refused: RefCell<Option<Error>> = RefCell::new(None);
    let profile = |path: &webpki::VerifiedPath<'_>| -> std::result::Result<(), webpki::Error> {
        let check = || -> Result<()> {
            policy::check_certificate(path.end_entity().der().as_ref(), Role::EndEntity, now_secs)?;
            for c in path.intermediate_certificates() {
                policy::check_certificate(c.der().as_ref(), Role::Intermediate, now_secs)?;
            }
            let anchor = store.supplied_anchor_certs.get(path.anchor().subject_public_key_info.as_ref());
            if let Some(der) = anchor {
                policy::check_certificate(der, Role::Anchor, now_secs)?;
            }
            if !store.crls.is_empty() {
                let owned: Vec<CertificateDer<'_>> = path.intermediate_certificates().map(|c| c.der()).collect();
                let mut ca_ders: Vec<&[u8]> = owned.iter().map(|d| d.as_ref()).collect();
                ca_ders.extend(anchor.map(Vec::as_slice));
                let issuers: Vec<Vec<u8>> = store.crls.iter().map(|c| wrap_sequence(c.issuer())).collect();
                policy::check_crl_issuers(&ca_ders, &issuers)?;
            }
            Ok(())
        };
        check().map_err(|e| {
            refused.borrow_mut().get_or_insert(e);
            webpki::Error::CertDistrusted
        })
    };
    let verified = ee
        .verify_for_usage(
            provider.signature_verification_algorithms.all,
            &store.anchors,
            intermediates,
            now,
            usage,
            revocation,
            Some(&profile),
        )
        .map_err(|e| match (e, refused.borrow_mut().take()) {
            (webpki::Error::CertDistrusted, Some(ours)) => ours,
            (e, _) => explain(e),
        })?;
    if let Some(name) = server_name {
        ee.verify_is_valid_for_subject_name(name).map_err(explain)?;
    }

    let mut path: Vec<CertificateDer<'static>> = vec![leaf.clone().into_owned()];
    path.extend(verified.intermediate_certificates().map(|c| c.der().into_owned()));

    if !store.pins.is_empty() {
        let anchor_spki = wrap_sequence(verified.anchor().subject_public_key_info.as_ref());
        let mut spkis: Vec<Vec<u8>> =
            path.iter().filter_map(|d| Certificate::checked(d.clone()).ok()).map(|c| spki_of(&c)).collect();
        spkis.push(anchor_spki);
        let matched = spkis.iter().any(|spki| store.pins.iter().any(|p| p.matches_spki(spki)));
        if !matched {
            let presented: Vec<String> = spkis.iter().map(|s| crate::cert::spki_pin(s)).collect();
            let message = format!(
                "none of the {} pins matches the verified chain for {} (its keys: {})",
                store.pins.len(),
                server_name.map(name_text).unwrap_or_else(|| "the server".into()),
                presented.join(", ")
            );
            let detail = Detail::PinMismatch { pins: pin_texts(store), chain_pins: presented };
            return Err(Error::new(Code::CertPinMismatch, message).with_detail(detail));
        }
    }
    let warnings = uncovered_leaf_warning(store, &path).into_iter().collect();
    Ok(VerifiedChain { path, warnings })
}

/// With CRLs configured, a warning when none of them is from the leaf's issuer: its revocation
/// status was not checked (webpki's `UnknownStatusPolicy::Allow` passes it silently).
fn uncovered_leaf_warning(store: &TrustStore, path: &[CertificateDer<'static>]) -> Option<String> {
    use x509_parser::prelude::FromDer;
    if store.crl_info.is_empty() {
        return None;
    }
    let (_, leaf) = x509_parser::certificate::X509Certificate::from_der(path.first()?.as_ref()).ok()?;
    let issuer = leaf.issuer().as_raw();
    if store.crl_info.iter().any(|c| c.issuer_der == issuer) {
        return None;
    }
    let name = leaf.issuer().iter_common_name().next().and_then(|cn| cn.as_str().ok()).map(str::to_owned);
    let from: Vec<String> = store.crl_info.iter().map(|c| format!("'{}'", c.issuer)).collect();
    let leaf_name = Certificate::parsed(path.first()?).map(|c| c.display_name()).unwrap_or_default();
    Some(format!(
        "the revocation status of the certificate for {leaf_name} was not checked: none of the {} supplied CRLs (from {}) is from its issuer '{}'",
        from.len(),
        from.join(", "),
        name.unwrap_or_else(|| leaf.issuer().to_string())
    ))
}

/// Pin-only trust: no CA at all; the leaf's key must match a pin, and its names, dates and
/// purpose are still checked. A CA:TRUE self-signed development certificate is accepted here,
/// since the key itself is what is trusted.
fn verify_pin_only(
    store: &TrustStore,
    leaf: &CertificateDer<'_>,
    server_name: Option<&ServerName<'_>>,
    now: UnixTime,
    purpose: Purpose,
) -> Result<VerifiedChain> {
    let info = Certificate::parsed(leaf).map_err(|e| {
        Error::new(Code::CertInvalid, format!("the server's certificate does not parse: {}", e.message()))
    })?;
    let spki = spki_of(&info);
    if !store.pins.iter().any(|p| p.matches_spki(&spki)) {
        return Err(Error::new(
            Code::CertPinMismatch,
            format!(
                "the key of the certificate for {} ({}) matches none of the {} pins (pin-only trust)",
                info.display_name(),
                info.spki_pin,
                store.pins.len()
            ),
        )
        .with_detail(Detail::PinMismatch { pins: pin_texts(store), chain_pins: vec![info.spki_pin.clone()] }));
    }
    let now_secs = now.as_secs() as i64;
    if now_secs > info.not_after {
        return Err(diagnose::expired(&info, now_secs, true));
    }
    if now_secs < info.not_before {
        return Err(diagnose::not_yet_valid(&info, now_secs, true));
    }
    if let Some(name) = server_name {
        let ee = webpki::EndEntityCert::try_from(leaf)
            .map_err(|e| Error::new(Code::CertInvalid, format!("the server's certificate is malformed: {e:?}")))?;
        if ee.verify_is_valid_for_subject_name(name).is_err() {
            return Err(diagnose::hostname_mismatch(&info, &name_text(name)));
        }
    }
    let wanted = match purpose {
        Purpose::Server => "serverAuth",
        Purpose::Client => "clientAuth",
    };
    if !info.extended_key_usage.is_empty()
        && !info.extended_key_usage.iter().any(|u| u == wanted || u == "anyExtendedKeyUsage")
    {
        return Err(diagnose::invalid_purpose(&info, wanted));
    }
    if let Some(_weak) = info.weakness() {
        return Err(diagnose::weak_certificate(&info, true));
    }
    Ok(VerifiedChain { path: vec![leaf.clone().into_owned()], warnings: Vec::new() })
}

/// The configured pins, as `sha256/...` texts.
fn pin_texts(store: &TrustStore) -> Vec<String> {
    store.pins.iter().map(|p| p.to_string()).collect()
}

/// The DER SubjectPublicKeyInfo of a certificate.
fn spki_of(cert: &Certificate) -> Vec<u8> {
    use x509_parser::prelude::FromDer;
    x509_parser::certificate::X509Certificate::from_der(cert.der())
        .map(|(_, c)| c.public_key().raw.to_vec())
        .unwrap_or_default()
}

/// The presented chain (certificates that do not parse are left out), summarised on first use.
pub(crate) fn presented_chain(leaf: &CertificateDer<'_>, intermediates: &[CertificateDer<'_>]) -> Vec<Certificate> {
    std::iter::once(leaf)
        .chain(intermediates)
        .filter_map(|d| Certificate::checked(d.clone().into_owned()).ok())
        .collect()
}

/// Intermediates fetched for one handshake (never anchors), and the warnings of the chain
/// accepted with them.
#[derive(Debug, Default)]
pub(crate) struct Extras {
    pub fetched: Arc<Vec<Fetched>>,
    /// Set when the accepted chain used some of them: one warning per certificate used.
    pub warnings: std::sync::Mutex<Option<Vec<String>>>,
}

impl Extras {
    pub(crate) fn new(fetched: Arc<Vec<Fetched>>) -> Arc<Self> {
        Arc::new(Self { fetched, warnings: Default::default() })
    }

    /// The warnings, if the accepted chain needed the fetched intermediates.
    pub(crate) fn used(&self) -> Option<Vec<String>> {
        self.warnings.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

thread_local! {
    /// The extra intermediates of the handshake [`WithExtras`] is polling on this thread.
    static EXTRAS: std::cell::RefCell<Option<Arc<Extras>>> = const { std::cell::RefCell::new(None) };
}

/// A handshake future that, while polled, gives the shared [`Verifier`] its extra
/// intermediates (rustls calls the verifier inside a poll of the handshake, on the polling
/// thread). The client keeps one `ClientConfig` (and verifier) for all connections, so TLS
/// sessions resume; what differs per handshake travels this way, as in `tls::Asking`.
pub(crate) struct WithExtras<F> {
    pub extras: Option<Arc<Extras>>,
    pub fut: std::pin::Pin<Box<F>>,
}

impl<F: std::future::Future> std::future::Future for WithExtras<F> {
    type Output = F::Output;

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<F::Output> {
        let previous = EXTRAS.with(|x| x.replace(self.extras.clone()));
        let r = self.fut.as_mut().poll(cx);
        EXTRAS.with(|x| *x.borrow_mut() = previous);
        r
    }
}

/// The rustls verifier of every tlsguard connection.
///
/// It never fetches anything (that would block the runtime inside a handshake): a chain that
/// lacks an intermediate is refused with `CERT_INCOMPLETE_CHAIN`, and with
/// `fetch_missing_intermediates` the connector fetches it and retries the handshake with it
/// as an extra intermediate ([`WithExtras`]).
#[derive(Debug)]
pub(crate) struct Verifier {
    store: Arc<TrustStore>,
    provider: Arc<CryptoProvider>,
}

impl Verifier {
    pub(crate) fn new(store: Arc<TrustStore>, provider: Arc<CryptoProvider>) -> Self {
        Self { store, provider }
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let (store, provider, name) = (&self.store, &self.provider, Some(server_name));
        let extras = EXTRAS.with(|x| x.borrow().clone());
        let mut result = verify_server_chain(store, provider, end_entity, intermediates, name, now, Purpose::Server);
        if matches!(&result, Err(e) if e.code() == Code::CertIncompleteChain)
            && let Some(extras) = &extras
            && !extras.fetched.is_empty()
        {
            result = verify_with_extras(
                store,
                provider,
                end_entity,
                intermediates,
                &extras.fetched,
                name,
                now,
                Purpose::Server,
            );
        }
        // Warnings of the accepted chain (fetched intermediates it needed; a leaf no CRL
        // covers) travel back to the connection through its `Extras`.
        if let (Ok(v), Some(extras)) = (&result, &extras)
            && !v.warnings.is_empty()
        {
            *extras.warnings.lock().unwrap_or_else(|p| p.into_inner()) = Some(v.warnings.clone());
        }
        match result {
            Ok(_) => Ok(ServerCertVerified::assertion()),
            // The diagnosed error travels inside rustls' error; the client takes it out again.
            Err(e) => Err(rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(e))))),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}
