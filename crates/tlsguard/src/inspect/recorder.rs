//! The recording verifier.

use std::sync::Mutex;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use crate::verify::Verifier;

/// What the verifier saw.
#[derive(Default)]
pub(super) struct Seen {
    pub(super) chain: Vec<CertificateDer<'static>>,
    pub(super) ocsp: bool,
    pub(super) refusal: Option<rustls::Error>,
}

/// Wraps tlsguard's [`Verifier`]: records the presented chain, the stapled OCSP response and
/// the verdict, and returns exactly the inner verdict (it never accepts what the inner
/// verifier refused).
#[derive(Debug)]
pub(super) struct Recorder {
    pub(super) inner: Verifier,
    pub(super) seen: Mutex<Option<SeenBox>>,
}

/// `Seen` behind a Debug impl (the certificates are not worth printing).
pub(super) struct SeenBox(Seen);

impl std::fmt::Debug for SeenBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Seen").field("certificates", &self.0.chain.len()).finish()
    }
}

impl Recorder {
    pub(super) fn take(&self) -> Option<Seen> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).take().map(|b| b.0)
    }
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let verdict = self.inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now);
        let seen = Seen {
            chain: std::iter::once(end_entity).chain(intermediates).map(|c| c.clone().into_owned()).collect(),
            ocsp: !ocsp_response.is_empty(),
            refusal: verdict.as_ref().err().cloned(),
        };
        *self.seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(SeenBox(seen));
        verdict
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }

    fn requires_raw_public_keys(&self) -> bool {
        self.inner.requires_raw_public_keys()
    }

    fn root_hint_subjects(&self) -> Option<&[rustls::DistinguishedName]> {
        self.inner.root_hint_subjects()
    }
}
