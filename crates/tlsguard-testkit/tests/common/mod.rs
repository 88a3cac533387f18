//! Helpers for the kit's own tests: a plain tokio-rustls client (never the
//! `tlsguard` crate) and a per-test kit directory.
#![allow(dead_code)]

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::{ClientConfig, RootCertStore, SupportedProtocolVersion};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer, ServerName};
use tlsguard_testkit::Kit;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// Starts a kit in a fresh temp directory, removed when the kit is dropped
/// (also when a test panics).
pub fn start(_test: &str) -> Kit {
    Kit::start_temp().expect("kit starts")
}

/// Stops the kit and removes its directory.
pub fn finish(kit: Kit) {
    drop(kit);
}

pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

pub fn certs(path: &Path) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_file_iter(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .collect::<Result<_, _>>()
        .expect("PEM certificates")
}

pub fn key(path: &Path) -> PrivateKeyDer<'static> {
    PrivateKeyDer::from_pem_file(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Client options for the raw test client.
pub struct Client {
    pub ca: PathBuf,
    pub versions: Vec<&'static SupportedProtocolVersion>,
    pub alpn: Vec<Vec<u8>>,
    pub crls: Vec<PathBuf>,
    pub client_auth: Option<(PathBuf, PathBuf)>,
}

impl Client {
    /// Trusts the kit's test root, TLS 1.2 + 1.3, ALPN http/1.1 only.
    pub fn new(kit: &Kit) -> Client {
        Client {
            ca: kit.pki("root_ca"),
            versions: vec![&rustls::version::TLS12, &rustls::version::TLS13],
            alpn: vec![b"http/1.1".to_vec()],
            crls: vec![],
            client_auth: None,
        }
    }

    pub fn config(&self) -> Arc<ClientConfig> {
        let mut roots = RootCertStore::empty();
        for c in certs(&self.ca) {
            roots.add(c).expect("trust anchor");
        }
        let crls: Vec<CertificateRevocationListDer<'static>> =
            self.crls.iter().map(|p| CertificateRevocationListDer::from_pem_file(p).expect("CRL PEM")).collect();
        let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
            .with_crls(crls)
            .only_check_end_entity_revocation()
            .build()
            .expect("verifier");
        let builder = ClientConfig::builder_with_provider(provider())
            .with_protocol_versions(&self.versions)
            .expect("versions")
            .with_webpki_verifier(verifier);
        let mut config = match &self.client_auth {
            None => builder.with_no_client_auth(),
            Some((cert, k)) => builder.with_client_auth_cert(certs(cert), key(k)).expect("client cert"),
        };
        config.alpn_protocols = self.alpn.clone();
        Arc::new(config)
    }
}

/// The rustls error inside an io::Error from tokio-rustls, if any.
pub fn rustls_error(e: &io::Error) -> Option<&rustls::Error> {
    e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>())
}

pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
    pub tls_version: Option<rustls::ProtocolVersion>,
    pub alpn: Option<Vec<u8>>,
}

/// One HTTP/1.1 request over TLS with the raw client (`Connection: close`).
pub async fn get(client: &Client, host: &str, port: u16, path: &str) -> io::Result<Reply> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    request_over(client, tcp, host, path).await
}

pub async fn request_over(client: &Client, tcp: TcpStream, host: &str, path: &str) -> io::Result<Reply> {
    let connector = TlsConnector::from(client.config());
    let name = ServerName::try_from(host.to_string()).expect("server name");
    let mut tls = connector.connect(name, tcp).await?;
    let (tls_version, alpn) = {
        let (_, conn) = tls.get_ref();
        (conn.protocol_version(), conn.alpn_protocol().map(|a| a.to_vec()))
    };
    let req = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    tls.write_all(req.as_bytes()).await?;
    let mut raw = Vec::new();
    tls.read_to_end(&mut raw).await?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| io::Error::other(format!("no HTTP head in {:?}", String::from_utf8_lossy(&raw))))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::other(format!("bad status line in {head:?}")))?;
    Ok(Reply { status, head, body: raw[split + 4..].to_vec(), tls_version, alpn })
}
