//! The one trust model: built-in roots (Mozilla's, the OS store, both or none) with the caller's
//! CAs **added** to them, pins, CRLs, and a report of what was loaded.
//!
//! Sources, in order: `roots` (webpki-roots for `mozilla`; the OS bundle for `system`),
//! `SSL_CERT_FILE` / `SSL_CERT_DIR` (added, like `ca_file`), `ca_file`, `ca_pem`. An OS root
//! that does not parse is skipped and counted, never fatal; a CA the caller passed explicitly
//! that does not parse is an `INVALID_PEM` error, because silently ignoring it would leave the
//! caller wondering why their CA is not trusted.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer, TrustAnchor};

use crate::cert::{certificate_ders, looks_like_pem};
use crate::error::{Code, Error, Result};
use crate::options::{ClientIdentity, Roots, Source, TrustOptions};
use crate::pin::Pin;

/// One source of trust anchors and what it gave.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrustSource {
    /// `mozilla`, `system`, `SSL_CERT_FILE`, `SSL_CERT_DIR`, `ca_file` or `ca_pem`.
    pub kind: String,
    /// Where it came from: a path, `webpki-roots <version>`, or `<N bytes>`.
    pub location: String,
    /// How many trust anchors it added.
    pub loaded: usize,
    /// How many entries were skipped.
    pub skipped: usize,
    /// Why they were skipped (at most a few reasons).
    pub skipped_reasons: Vec<String>,
}

impl TrustSource {
    /// One line: `system (/etc/ssl/certs/ca-certificates.crt): 146 roots, 1 skipped`.
    pub fn summary(&self) -> String {
        let mut s = format!("{} ({}): {} roots", self.kind, self.location, self.loaded);
        if self.skipped > 0 {
            s.push_str(&format!(", {} skipped", self.skipped));
        }
        s
    }
}

/// What a trust configuration loaded: every source with its counts, pins and CRLs.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrustReport {
    /// The `roots` option (`mozilla+system`, ...).
    pub roots: String,
    /// Each source, in load order.
    pub sources: Vec<TrustSource>,
    /// Total trust anchors.
    pub total: usize,
    /// Number of pins.
    pub pins: usize,
    /// Number of CRLs.
    pub crls: usize,
    /// Pin-only trust: no anchors, the leaf's key must match a pin.
    pub pin_only: bool,
}

impl TrustReport {
    /// One line per source, for error messages.
    pub fn summary_lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.sources.iter().map(TrustSource::summary).collect();
        if self.pin_only {
            lines.push(format!("pin-only trust ({} pins)", self.pins));
        } else if self.pins > 0 {
            lines.push(format!("{} pins", self.pins));
        }
        if self.crls > 0 {
            lines.push(format!("{} CRLs", self.crls));
        }
        lines
    }
}

/// Loaded trust: anchors, pins and CRLs, ready for the verifier.
pub(crate) struct TrustStore {
    pub anchors: Vec<TrustAnchor<'static>>,
    /// The certificates of the anchors the caller supplied (`ca_file`, `ca_pem`), by the
    /// anchor's SPKI, so [`crate::policy`] can check them too.
    pub supplied_anchor_certs: std::collections::HashMap<Vec<u8>, Vec<u8>>,
    pub pins: Vec<Pin>,
    pub crls: Vec<webpki::CertRevocationList<'static>>,
    pub report: TrustReport,
}

impl std::fmt::Debug for TrustStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustStore").field("report", &self.report).finish()
    }
}

impl TrustStore {
    /// Loads every source named by `opts`.
    pub fn load(opts: &TrustOptions) -> Result<Self> {
        let mut anchors: Vec<TrustAnchor<'static>> = Vec::new();
        let mut sources = Vec::new();

        if matches!(opts.roots, Roots::Mozilla | Roots::MozillaAndSystem) {
            anchors.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            sources.push(TrustSource {
                kind: "mozilla".into(),
                location: "webpki-roots".into(),
                loaded: webpki_roots::TLS_SERVER_ROOTS.len(),
                skipped: 0,
                skipped_reasons: Vec::new(),
            });
        }
        if matches!(opts.roots, Roots::System | Roots::MozillaAndSystem) {
            let (system, report) = system_roots();
            anchors.extend(system.iter().cloned());
            sources.push(report.clone());
        }
        // SSL_CERT_FILE / SSL_CERT_DIR add to the selected built-in roots, like ca_file. With
        // roots="none" they are ignored: "none" plus a CA means exactly that CA, and many images
        // point SSL_CERT_FILE at the whole OS bundle.
        if opts.use_env && opts.roots != Roots::None {
            if let Some(file) = std::env::var_os("SSL_CERT_FILE").filter(|v| !v.is_empty()) {
                let path = PathBuf::from(file);
                let (found, src) = cached_from_paths("SSL_CERT_FILE", Some(&path), None);
                anchors.extend(found);
                sources.push(src);
            }
            if let Some(dirs) = std::env::var_os("SSL_CERT_DIR").filter(|v| !v.is_empty()) {
                for dir in std::env::split_paths(&dirs).filter(|d| !d.as_os_str().is_empty()) {
                    let (found, src) = cached_from_paths("SSL_CERT_DIR", None, Some(&dir));
                    anchors.extend(found);
                    sources.push(src);
                }
            }
        }
        let mut supplied: Vec<(TrustAnchor<'static>, Vec<u8>)> = Vec::new();
        for path in &opts.ca_files {
            let data = crate::util::read_file(path, "ca_file")?;
            let found = strict_anchors(&data).map_err(|e| e.context(&format!("ca_file {}", path.display())))?;
            sources.push(TrustSource {
                kind: "ca_file".into(),
                location: path.display().to_string(),
                loaded: found.len(),
                skipped: 0,
                skipped_reasons: Vec::new(),
            });
            supplied.extend(found);
        }
        for data in &opts.ca_pem {
            let found = strict_anchors(data).map_err(|e| e.context("ca_pem"))?;
            sources.push(TrustSource {
                kind: "ca_pem".into(),
                location: format!("<{} bytes>", data.len()),
                loaded: found.len(),
                skipped: 0,
                skipped_reasons: Vec::new(),
            });
            supplied.extend(found);
        }
        let mut supplied_anchor_certs = std::collections::HashMap::new();
        for (anchor, der) in supplied {
            supplied_anchor_certs.insert(anchor.subject_public_key_info.as_ref().to_vec(), der);
            anchors.push(anchor);
        }

        dedupe(&mut anchors);
        let pins = opts.pins.iter().map(|p| Pin::parse(p)).collect::<Result<Vec<_>>>()?;
        let crls =
            opts.crls.iter().map(load_crls).collect::<Result<Vec<_>>>()?.into_iter().flatten().collect::<Vec<_>>();

        let pin_only = opts.roots == Roots::None && anchors.is_empty() && !pins.is_empty();
        if opts.roots == Roots::None && anchors.is_empty() && pins.is_empty() {
            return Err(Error::invalid("roots: \"none\" trusts nothing by itself: also give ca_file, ca_pem or pins"));
        }
        let report = TrustReport {
            roots: opts.roots.as_str().to_owned(),
            total: anchors.len(),
            sources,
            pins: pins.len(),
            crls: crls.len(),
            pin_only,
        };
        Ok(Self { anchors, supplied_anchor_certs, pins, crls, report })
    }

    /// Pin-only trust (no anchors, pins set).
    pub fn pin_only(&self) -> bool {
        self.report.pin_only
    }
}

/// The trust report for `opts` without building a client.
pub fn trust_report(opts: &TrustOptions) -> Result<TrustReport> {
    Ok(TrustStore::load(opts)?.report)
}

/// Removes repeated anchors (the OS bundle and `SSL_CERT_FILE` are often the same file).
fn dedupe(anchors: &mut Vec<TrustAnchor<'static>>) {
    let mut seen = std::collections::HashSet::new();
    anchors.retain(|a| seen.insert((a.subject.as_ref().to_vec(), a.subject_public_key_info.as_ref().to_vec())));
}

/// Well-known locations of the OS bundle (the list openssl-probe uses).
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
    "/usr/local/share/certs/ca-root-nss.crt",
    "/usr/local/etc/openssl/cert.pem",
];

/// The OS store, loaded once per process (it is a ~200 KB file to parse).
///
/// On Linux this reads the distribution's bundle directly rather than through
/// `rustls_native_certs::load_native_certs`, because that function *replaces* the OS store with
/// `SSL_CERT_FILE`/`SSL_CERT_DIR` when they are set, while tlsguard *adds* those.
fn system_roots() -> &'static (Vec<TrustAnchor<'static>>, TrustSource) {
    static SYSTEM: OnceLock<(Vec<TrustAnchor<'static>>, TrustSource)> = OnceLock::new();
    SYSTEM.get_or_init(|| {
        if cfg!(any(target_os = "macos", target_os = "windows")) {
            let result = rustls_native_certs::load_native_certs();
            let (anchors, mut src) = anchors_lenient("system", "OS store".into(), result.certs);
            for e in result.errors.iter().take(5) {
                src.skipped += 1;
                src.skipped_reasons.push(e.to_string());
            }
            return (anchors, src);
        }
        match SYSTEM_BUNDLES.iter().map(Path::new).find(|p| p.is_file()) {
            Some(path) => lenient_from_paths("system", Some(path), None),
            None => (
                Vec::new(),
                TrustSource {
                    kind: "system".into(),
                    location: "no OS bundle found".into(),
                    loaded: 0,
                    skipped: 0,
                    skipped_reasons: vec![format!("none of {} exists", SYSTEM_BUNDLES.join(", "))],
                },
            ),
        }
    })
}

/// Loads a file or directory of CAs named by the environment, once per process and path
/// (a directory such as /etc/ssl/certs holds hundreds of files).
fn cached_from_paths(kind: &str, file: Option<&Path>, dir: Option<&Path>) -> (Vec<TrustAnchor<'static>>, TrustSource) {
    type Cache =
        std::sync::Mutex<std::collections::HashMap<(String, PathBuf), (Vec<TrustAnchor<'static>>, TrustSource)>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let key = (kind.to_owned(), file.or(dir).map(Path::to_path_buf).unwrap_or_default());
    let cache = CACHE.get_or_init(Default::default);
    if let Some(hit) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return hit.clone();
    }
    let loaded = lenient_from_paths(kind, file, dir);
    cache.lock().unwrap_or_else(|p| p.into_inner()).insert(key, loaded.clone());
    loaded
}

/// Loads a file or directory of CAs, skipping and counting what does not parse.
fn lenient_from_paths(kind: &str, file: Option<&Path>, dir: Option<&Path>) -> (Vec<TrustAnchor<'static>>, TrustSource) {
    let location = file.or(dir).map(|p| p.display().to_string()).unwrap_or_default();
    let exists = file.or(dir).is_some_and(Path::exists);
    let result = rustls_native_certs::load_certs_from_paths(file, dir);
    let (anchors, mut src) = anchors_lenient(kind, location.clone(), result.certs);
    if !exists {
        src.skipped_reasons.push(format!("{location} does not exist"));
    }
    for e in result.errors.iter().take(5) {
        src.skipped += 1;
        src.skipped_reasons.push(e.to_string());
    }
    (anchors, src)
}

fn anchors_lenient(
    kind: &str,
    location: String,
    certs: Vec<CertificateDer<'static>>,
) -> (Vec<TrustAnchor<'static>>, TrustSource) {
    let mut anchors = Vec::with_capacity(certs.len());
    let mut skipped = 0;
    let mut reasons = Vec::new();
    for der in &certs {
        match webpki::anchor_from_trusted_cert(der) {
            Ok(a) => anchors.push(a.to_owned()),
            Err(e) => {
                skipped += 1;
                if reasons.len() < 5 {
                    reasons.push(format!("unparsable root certificate: {e}"));
                }
            }
        }
    }
    let loaded = anchors.len();
    (anchors, TrustSource { kind: kind.into(), location, loaded, skipped, skipped_reasons: reasons })
}

/// Anchors from CA data the caller passed: any certificate that does not parse is an error.
fn strict_anchors(data: &[u8]) -> Result<Vec<(TrustAnchor<'static>, Vec<u8>)>> {
    let ders = certificate_ders(data)?;
    ders.iter()
        .enumerate()
        .map(|(i, der)| {
            webpki::anchor_from_trusted_cert(der).map(|a| (a.to_owned(), der.to_vec())).map_err(|e| {
                Error::new(Code::InvalidPem, format!("certificate #{} is not a usable CA certificate: {e:?}", i + 1))
            })
        })
        .collect()
}

fn load_crls(src: &Source) -> Result<Vec<webpki::CertRevocationList<'static>>> {
    let data = src.read("crls")?;
    let ders: Vec<CertificateRevocationListDer<'static>> = if looks_like_pem(&data) {
        CertificateRevocationListDer::pem_slice_iter(&data)
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| Error::new(Code::InvalidPem, format!("crls {}: bad PEM: {e}", src.describe())))?
    } else {
        vec![CertificateRevocationListDer::from(data)]
    };
    if ders.is_empty() {
        return Err(Error::new(Code::InvalidPem, format!("crls {}: no X509 CRL block found", src.describe())));
    }
    ders.iter()
        .map(|der| {
            check_crl_profile(der)
                .map_err(|why| Error::new(Code::InvalidPem, format!("crls {}: {why}", src.describe())))?;
            webpki::OwnedCertRevocationList::from_der(der)
                .map(webpki::CertRevocationList::from)
                .map_err(|e| Error::new(Code::InvalidPem, format!("crls {}: not a valid CRL: {e:?}", src.describe())))
        })
        .collect()
}

/// RFC 5280 5.2.3: a CRL must carry a non-critical CRLNumber. (webpki does not insist.)
fn check_crl_profile(der: &[u8]) -> std::result::Result<(), String> {
    use x509_parser::prelude::FromDer;
    let (_, crl) = x509_parser::revocation_list::CertificateRevocationList::from_der(der)
        .map_err(|e| format!("not a valid CRL: {e}"))?;
    let number = crl.extensions().iter().find(|e| e.oid.to_id_string() == "2.5.29.20");
    match number {
        None => Err("the CRL has no CRLNumber extension (RFC 5280 5.2.3 requires one)".into()),
        Some(ext) if ext.critical => Err("the CRL marks CRLNumber critical (RFC 5280 5.2.3 forbids it)".into()),
        Some(_) => Ok(()),
    }
}

/// Loads a client certificate chain and its private key (PKCS#8, PKCS#1, SEC1, or encrypted
/// PKCS#8 with `password`).
pub(crate) fn load_identity(id: &ClientIdentity) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    let chain = certificate_ders(&id.cert.read("client_cert")?).map_err(|e| e.context("client_cert"))?;
    let key_data = id.key.read("client_key")?;
    let key = load_private_key(&key_data, id.password.as_deref()).map_err(|e| e.context("client_key"))?;
    Ok((chain, key))
}

fn load_private_key(data: &[u8], password: Option<&str>) -> Result<PrivateKeyDer<'static>> {
    let encrypted_der: Option<Vec<u8>> = if looks_like_pem(data) {
        let text = String::from_utf8_lossy(data);
        if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            let (_, doc) = pkcs8::SecretDocument::from_pem(&text)
                .map_err(|e| Error::new(Code::InvalidPem, format!("bad encrypted PKCS#8 PEM: {e}")))?;
            Some(doc.as_bytes().to_vec())
        } else {
            if text.contains("Proc-Type: 4,ENCRYPTED") {
                return Err(Error::new(
                    Code::InvalidPem,
                    "legacy OpenSSL-encrypted PEM keys are not supported; convert with `openssl pkcs8 -topk8`",
                ));
            }
            return PrivateKeyDer::from_pem_slice(data)
                .map_err(|e| Error::new(Code::InvalidPem, format!("no usable private key in the PEM input: {e}")));
        }
    } else {
        match PrivateKeyDer::try_from(data.to_vec()) {
            Ok(key) => return Ok(key),
            Err(_) => Some(data.to_vec()),
        }
    };
    let der = encrypted_der.unwrap_or_default();
    let info = pkcs8::EncryptedPrivateKeyInfo::try_from(der.as_slice())
        .map_err(|e| Error::new(Code::InvalidPem, format!("not a private key (PKCS#8, PKCS#1, SEC1): {e}")))?;
    let password = password.ok_or_else(|| Error::invalid("the key is encrypted: pass client_key_password"))?;
    let doc = info.decrypt(password).map_err(|_| {
        Error::invalid("client_key_password does not decrypt the key (or the encryption scheme is unsupported)")
    })?;
    PrivateKeyDer::try_from(doc.as_bytes().to_vec())
        .map_err(|e| Error::new(Code::InvalidPem, format!("decrypted key is not usable: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mozilla_roots_load_and_are_reported() {
        let store =
            TrustStore::load(&TrustOptions { roots: Roots::Mozilla, use_env: false, ..Default::default() }).unwrap();
        assert!(store.anchors.len() > 100);
        assert_eq!(store.report.sources[0].kind, "mozilla");
        assert_eq!(store.report.total, store.anchors.len());
    }

    #[test]
    fn none_without_anything_is_invalid() {
        let err = TrustStore::load(&TrustOptions { roots: Roots::None, ..Default::default() }).unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
    }

    #[test]
    fn bad_ca_inputs_are_explained() {
        let opts =
            TrustOptions { roots: Roots::None, ca_files: vec!["/nonexistent/ca.pem".into()], ..Default::default() };
        assert_eq!(TrustStore::load(&opts).unwrap_err().code(), Code::Io);
        let opts = TrustOptions { roots: Roots::None, ca_pem: vec![b"garbage".to_vec()], ..Default::default() };
        assert_eq!(TrustStore::load(&opts).unwrap_err().code(), Code::InvalidPem);
        let opts =
            TrustOptions { roots: Roots::Mozilla, crls: vec![Source::Bytes(b"nope".to_vec())], ..Default::default() };
        assert_eq!(TrustStore::load(&opts).unwrap_err().code(), Code::InvalidPem);
    }

    #[test]
    fn garbage_keys_are_invalid_pem() {
        assert_eq!(load_private_key(b"garbage", None).unwrap_err().code(), Code::InvalidPem);
        let only_cert = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert_eq!(load_private_key(only_cert, None).unwrap_err().code(), Code::InvalidPem);
        let encrypted = b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert_eq!(load_private_key(encrypted, Some("x")).unwrap_err().code(), Code::InvalidPem);
    }
}
