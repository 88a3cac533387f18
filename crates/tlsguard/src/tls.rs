//! The rustls side of a connection: building the `ClientConfig` from options, reading what a
//! handshake negotiated, and turning handshake failures into explained [`Error`]s.

use std::sync::Arc;

use rustls::pki_types::CertificateDer;

use crate::error::{Code, Error, Result};
use crate::options::{ClientOptions, MinTls};
use crate::trust::TrustStore;
use crate::verify::Verifier;

/// A TLS protocol version. tlsguard negotiates only 1.2 and 1.3; the probes of an audit
/// (see [`crate::inspect::audit`]) also name 1.0 and 1.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum TlsVersion {
    /// TLS 1.0.
    Tls10,
    /// TLS 1.1.
    Tls11,
    /// TLS 1.2.
    Tls12,
    /// TLS 1.3.
    Tls13,
}

impl TlsVersion {
    /// Every version, oldest first.
    pub const ALL: [TlsVersion; 4] = [Self::Tls10, Self::Tls11, Self::Tls12, Self::Tls13];

    /// `"TLSv1.0"`, `"TLSv1.1"`, `"TLSv1.2"` or `"TLSv1.3"` (the names the bindings expose).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tls10 => "TLSv1.0",
            Self::Tls11 => "TLSv1.1",
            Self::Tls12 => "TLSv1.2",
            Self::Tls13 => "TLSv1.3",
        }
    }

    /// The version's number on the wire (`0x0303` for TLS 1.2).
    pub fn wire(self) -> u16 {
        match self {
            Self::Tls10 => 0x0301,
            Self::Tls11 => 0x0302,
            Self::Tls12 => 0x0303,
            Self::Tls13 => 0x0304,
        }
    }

    /// The version with this number on the wire, if it is one of these four.
    pub fn from_wire(wire: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.wire() == wire)
    }

    /// The version a rustls connection negotiated.
    pub(crate) fn of(conn: &rustls::ClientConnection) -> Option<Self> {
        conn.protocol_version().and_then(|v| Self::from_wire(u16::from(v)))
    }
}

impl std::fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl serde::Serialize for TlsVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// What a TLS handshake negotiated.
#[derive(Clone, Debug, serde::Serialize)]
#[non_exhaustive]
pub struct TlsInfo {
    /// TLS 1.2 or 1.3 (`as_str()`: `"TLSv1.2"`, `"TLSv1.3"`).
    pub version: TlsVersion,
    /// The IANA name of the cipher suite, e.g. `"TLS13_AES_128_GCM_SHA256"`.
    pub cipher_suite: String,
    /// The ALPN protocol, `"h2"` or `"http/1.1"`, if one was agreed.
    pub alpn: Option<String>,
    /// The certificates the server sent, leaf first, as DER (base64 when serialized).
    #[serde(serialize_with = "crate::der::base64_list")]
    pub peer_certificates: Vec<CertificateDer<'static>>,
    /// What was accepted but is wrong on the server's side (e.g. it omits an intermediate that
    /// `fetch_missing_intermediates` fetched).
    pub warnings: Vec<String>,
    /// Whether the handshake resumed an earlier TLS session (no certificate exchange).
    pub resumed: bool,
}

impl TlsInfo {
    /// Reads the negotiated parameters off a finished handshake.
    pub(crate) fn from_connection(conn: &rustls::ClientConnection) -> Self {
        // A finished handshake has a version, and rustls speaks only 1.2 and 1.3.
        let version = TlsVersion::of(conn).unwrap_or(TlsVersion::Tls12);
        let cipher_suite =
            conn.negotiated_cipher_suite().and_then(|s| s.suite().as_str()).unwrap_or_default().to_owned();
        let alpn = conn.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned());
        let peer_certificates =
            conn.peer_certificates().map(|c| c.iter().map(|c| c.clone().into_owned()).collect()).unwrap_or_default();
        let resumed = conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed);
        Self { version, cipher_suite, alpn, peer_certificates, warnings: Vec::new(), resumed }
    }
}

/// The TLS configuration of one client: its rustls config and what it trusts.
pub(crate) struct TlsContext {
    /// The rustls configuration (verifier, versions, ALPN, client identity).
    pub config: Arc<rustls::ClientConfig>,
    /// The trust store behind the verifier.
    pub store: Arc<TrustStore>,
    /// `fetch_missing_intermediates`: how intermediates are fetched, and what was fetched per
    /// server (`None` when off).
    pub aia: Option<Arc<crate::aia::AiaFetch>>,
    /// TLS to an `https://` proxy: the same trust and TLS versions, HTTP/1.1 only, and never
    /// the client certificate (it is for the destination, not for a proxy on the way).
    pub proxy_config: Arc<rustls::ClientConfig>,
    /// `config` offering HTTP/1.1 only (the same Arc without `http2`): for
    /// [`crate::Client::connect_tls`], whose caller speaks HTTP/1.1 itself.
    pub h1_config: Arc<rustls::ClientConfig>,
    min_tls: MinTls,
}

impl TlsContext {
    /// Builds the rustls configuration for `opts`.
    pub fn new(opts: &ClientOptions) -> Result<Self> {
        let store = Arc::new(TrustStore::load(&opts.trust)?);
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        // aws-lc seeds its random generator on first use, once per process, from CPU jitter
        // entropy: about 30 ms of CPU. Pay it here, where trust is loaded, not in the first
        // request's handshake (the fill is a no-op cost afterwards).
        let _ = provider.secure_random.fill(&mut [0u8; 1]);
        let versions: &[&'static rustls::SupportedProtocolVersion] = match opts.min_tls {
            MinTls::Tls12 => &[&rustls::version::TLS13, &rustls::version::TLS12],
            MinTls::Tls13 => &[&rustls::version::TLS13],
        };
        let verifier = Arc::new(Verifier::new(store.clone(), provider.clone()));
        let aia = opts.fetch_missing_intermediates.then(|| Arc::new(crate::aia::AiaFetch::new(opts.aia_allow_private)));
        let mut proxy_config = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(versions)
            .map_err(|e| Error::invalid(format!("TLS configuration: {e}")))?
            .dangerous() // the same verifier as below
            .with_custom_certificate_verifier(verifier.clone())
            .with_no_client_auth();
        proxy_config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)
            .map_err(|e| Error::invalid(format!("TLS configuration: {e}")))?
            .dangerous() // a custom verifier: ours, which always verifies (see verify.rs)
            .with_custom_certificate_verifier(verifier);
        let mut config = match &opts.identity {
            None => builder.with_no_client_auth(),
            Some(id) => {
                let (chain, key) = crate::trust::load_identity(id)?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| Error::new(Code::InvalidPem, format!("client_cert/client_key: {e}")))?
            }
        };
        // One resolver for every connection (so sessions resume), noting per handshake whether
        // the server asked for a certificate.
        config.client_auth_cert_resolver =
            Arc::new(AskProbe { inner: config.client_auth_cert_resolver.clone(), asked: None });
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let h1_config = Arc::new(config.clone());
        let config = if opts.http2 {
            config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
            Arc::new(config)
        } else {
            h1_config.clone()
        };
        Ok(Self { config, store, aia, proxy_config: Arc::new(proxy_config), h1_config, min_tls: opts.min_tls })
    }

    /// Explains a failed handshake with `host`.
    pub fn handshake_error(&self, err: &rustls::Error, host: &str) -> Error {
        crate::diagnose::handshake_error(err, host, self.min_tls, &self.store)
    }
}

/// Wraps the configured client-certificate resolver to learn whether the server asked for a
/// certificate (see [`crate::diagnose::inferred_client_cert_refusal`]).
///
/// With `asked: Some(flag)` (a per-connection config, as `inspect` makes) the flag is set. With
/// `None` (the one shared config of a client) the flag of the handshake being polled on this
/// thread is set: see [`Asking`]. The client's config must stay one `Arc` for all connections:
/// rustls resumes a TLS session only with the same verifier and resolver `Arc`s.
#[derive(Debug)]
pub(crate) struct AskProbe {
    pub inner: Arc<dyn rustls::client::ResolvesClientCert>,
    pub asked: Option<Arc<std::sync::atomic::AtomicBool>>,
}

thread_local! {
    /// The flag of the handshake [`Asking`] is polling on this thread.
    static ASKED: std::cell::RefCell<Option<Arc<std::sync::atomic::AtomicBool>>> =
        const { std::cell::RefCell::new(None) };
}

/// A handshake future that, while polled, points the shared [`AskProbe`] at its own flag. rustls
/// calls the resolver synchronously while processing the server's messages, that is, inside a
/// poll of the handshake, on the polling thread.
pub(crate) struct Asking<F> {
    pub asked: Arc<std::sync::atomic::AtomicBool>,
    pub fut: std::pin::Pin<Box<F>>,
}

impl<F: std::future::Future> std::future::Future for Asking<F> {
    type Output = F::Output;

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<F::Output> {
        let previous = ASKED.with(|a| a.replace(Some(self.asked.clone())));
        let r = self.fut.as_mut().poll(cx);
        ASKED.with(|a| *a.borrow_mut() = previous);
        r
    }
}

impl rustls::client::ResolvesClientCert for AskProbe {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        sigschemes: &[rustls::SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        match &self.asked {
            Some(flag) => flag.store(true, std::sync::atomic::Ordering::Relaxed),
            None => ASKED.with(|a| {
                if let Some(flag) = &*a.borrow() {
                    flag.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            }),
        }
        self.inner.resolve(root_hint_subjects, sigschemes)
    }

    fn only_raw_public_keys(&self) -> bool {
        self.inner.only_raw_public_keys()
    }

    fn has_certs(&self) -> bool {
        self.inner.has_certs()
    }
}

#[cfg(test)]
mod tests {
    use super::TlsVersion;

    #[test]
    fn versions_have_one_name_and_wire_number() {
        for v in TlsVersion::ALL {
            assert_eq!(TlsVersion::from_wire(v.wire()), Some(v));
            assert_eq!(serde_json::to_value(v).unwrap(), v.as_str());
        }
        assert_eq!(TlsVersion::Tls13.as_str(), "TLSv1.3");
        assert_eq!(format!("{:<8}|", TlsVersion::Tls12), "TLSv1.2 |");
        assert_eq!(TlsVersion::from_wire(0x0300), None);
        assert!(TlsVersion::Tls11 < TlsVersion::Tls12);
    }
}
