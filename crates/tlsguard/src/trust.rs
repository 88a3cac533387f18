//! The one trust model: built-in roots (Mozilla's, the OS store, both or none) with the caller's
//! CAs **added** to them, pins, CRLs, and a report of what was loaded.
//!
//! Sources, in order: `roots` (webpki-roots for `mozilla`; the OS bundle for `system`),
//! `ca_file`, `ca_pem`. `SSL_CERT_FILE` / `SSL_CERT_DIR` are part of `system`: when set (and
//! `use_env` is on) they replace the OS bundle, as they do for OpenSSL; with `roots` `mozilla`
//! or `none` they are not used, and the report says so. An OS root that does not parse is
//! skipped and counted, never fatal; a CA the caller passed explicitly that does not parse is an
//! `INVALID_PEM` error, because silently ignoring it would leave the caller wondering why their
//! CA is not trusted.
//!
//! The OS bundle and the environment's files are cached for [`SYSTEM_TTL`] (5 minutes, the
//! lifetime of `Client::shared`), then read again, so a root removed from the OS store stops
//! being trusted by clients built after that.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer, TrustAnchor};

use crate::cert::{certificate_ders, looks_like_pem};
use crate::error::{Code, Error, Result};
use crate::options::{ClientIdentity, Roots, Source, TrustOptions};
use crate::pin::{Pin, wrap_sequence};

/// One source of trust anchors and what it gave.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
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
    /// Each CRL, one line: its issuer, nextUpdate and number of revoked serials.
    pub crl_lines: Vec<String>,
    /// What the caller may not expect: a CRL already past its nextUpdate, a CRL that names a
    /// trusted root as its issuer but is not signed by it, `SSL_CERT_FILE`/`SSL_CERT_DIR` set
    /// but not used (and why).
    pub warnings: Vec<String>,
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
        lines.extend(self.crl_lines.iter().cloned());
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
    /// What tlsguard needs to explain a CRL, in the order of `crls`.
    pub crl_info: Vec<CrlInfo>,
    pub report: TrustReport,
}

/// A loaded CRL as messages name it.
#[derive(Clone, Debug)]
pub(crate) struct CrlInfo {
    /// The issuer as a name to show (its CN, else the whole name).
    pub issuer: String,
    /// The issuer's DER Name (with its SEQUENCE header), as in a certificate's issuer field.
    pub issuer_der: Vec<u8>,
    /// nextUpdate, Unix seconds.
    pub next_update: i64,
    /// How many serials it revokes.
    pub revoked: usize,
    /// A loaded trust anchor has the issuer's name.
    pub issuer_is_anchor: bool,
    /// A loaded trust anchor has the issuer's name but did not sign the CRL.
    pub not_from_anchor: bool,
}

/// How long the OS bundle and the files named by `SSL_CERT_FILE`/`SSL_CERT_DIR` are reused
/// before they are read again.
pub const SYSTEM_TTL: Duration = Duration::from_secs(300);

impl std::fmt::Debug for TrustStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustStore").field("report", &self.report).finish()
    }
}

impl TrustStore {
    /// Loads every source named by `opts`.
    pub fn load(opts: &TrustOptions) -> Result<Self> {
        Self::load_with(opts, &|name| std::env::var_os(name), Instant::now(), crate::cert::unix_now())
    }

    /// [`TrustStore::load`] with the environment, the cache clock and the wall clock given
    /// (tests).
    pub(crate) fn load_with(
        opts: &TrustOptions,
        env: &dyn Fn(&str) -> Option<OsString>,
        now: Instant,
        unix_now: i64,
    ) -> Result<Self> {
        let mut anchors: Vec<TrustAnchor<'static>> = Vec::new();
        let mut sources = Vec::new();
        let mut warnings = Vec::new();

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
        // SSL_CERT_FILE / SSL_CERT_DIR are the "system" store when set: they replace the OS
        // bundle (as for OpenSSL and rustls-native-certs), and are not used without `system`:
        // many images point them at the whole OS bundle, which "mozilla only" must not include.
        let env_file = env("SSL_CERT_FILE").filter(|v| !v.is_empty());
        let env_dirs = env("SSL_CERT_DIR").filter(|v| !v.is_empty());
        let env_set: Vec<String> = [("SSL_CERT_FILE", &env_file), ("SSL_CERT_DIR", &env_dirs)]
            .iter()
            .filter_map(|(n, v)| v.as_ref().map(|v| format!("{n}={}", v.to_string_lossy())))
            .collect();
        let with_system = matches!(opts.roots, Roots::System | Roots::MozillaAndSystem);
        if with_system && opts.use_env && !env_set.is_empty() {
            if let Some(file) = &env_file {
                let path = PathBuf::from(file);
                let (found, src) = cached_paths("SSL_CERT_FILE", Some(&path), None, now);
                anchors.extend(found.iter().cloned());
                sources.push(src);
            }
            if let Some(dirs) = &env_dirs {
                for dir in std::env::split_paths(dirs).filter(|d| !d.as_os_str().is_empty()) {
                    let (found, src) = cached_paths("SSL_CERT_DIR", None, Some(&dir), now);
                    anchors.extend(found.iter().cloned());
                    sources.push(src);
                }
            }
            warnings.push(format!(
                "{} replaces the OS certificate store as the \"system\" roots (use_env=false uses the OS store instead)",
                env_set.join(" and ")
            ));
        } else if with_system {
            let (system, report) = system_roots(now);
            anchors.extend(system.iter().cloned());
            sources.push(report);
            if !env_set.is_empty() {
                warnings.push(format!("{} not used: use_env is false", env_set.join(" and ")));
            }
        } else if !env_set.is_empty() && opts.use_env && opts.roots != Roots::None {
            // (roots="none" means exactly the caller's CAs: nothing to say.)
            warnings.push(format!(
                "{} not used: roots=\"{}\" does not include \"system\" (the environment's CA files replace the system store only)",
                env_set.join(" and "),
                opts.roots.as_str()
            ));
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
        let (crls, crl_info): (Vec<_>, Vec<_>) =
            opts.crls.iter().map(|c| load_crls(c, &anchors)).collect::<Result<Vec<_>>>()?.into_iter().flatten().unzip();

        let pin_only = opts.roots == Roots::None && anchors.is_empty() && !pins.is_empty();
        if opts.roots == Roots::None && anchors.is_empty() && pins.is_empty() {
            return Err(Error::invalid("roots: \"none\" trusts nothing by itself: also give ca_file, ca_pem or pins"));
        }
        if pin_only && !crls.is_empty() {
            return Err(Error::invalid(
                "crls do not apply to pin-only trust (roots: \"none\" with pins and no CA): the pinned key itself is trusted and no issuer is checked, so no CRL could revoke it. To stop trusting a key, remove its pin; to check a CA's CRL, add that CA with ca_file or ca_pem",
            ));
        }
        warnings.extend(crl_warnings(&crl_info, unix_now));
        let report = TrustReport {
            roots: opts.roots.as_str().to_owned(),
            total: anchors.len(),
            sources,
            pins: pins.len(),
            crls: crls.len(),
            pin_only,
            crl_lines: crl_info.iter().map(CrlInfo::summary).collect(),
            warnings,
        };
        Ok(Self { anchors, supplied_anchor_certs, pins, crls, crl_info, report })
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

type Loaded = (Arc<Vec<TrustAnchor<'static>>>, TrustSource);

/// A cache whose entries are read again once older than [`SYSTEM_TTL`]. The lock is held for
/// the lookup only: a load happens outside it (two threads may both reload an expired entry;
/// the later one wins, and both results are current).
#[derive(Default)]
struct TtlCache {
    entries: Mutex<HashMap<(String, PathBuf), (Instant, Loaded)>>,
}

impl TtlCache {
    fn get_or_load(
        &self,
        key: (String, PathBuf),
        now: Instant,
        ttl: Duration,
        load: impl FnOnce() -> Loaded,
    ) -> Loaded {
        let fresh = |at: Instant| now.checked_duration_since(at).is_none_or(|age| age < ttl);
        if let Some((at, hit)) = self.entries.lock().unwrap_or_else(|p| p.into_inner()).get(&key)
            && fresh(*at)
        {
            return hit.clone();
        }
        let loaded = load();
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).insert(key, (now, loaded.clone()));
        loaded
    }
}

fn cache() -> &'static TtlCache {
    static CACHE: OnceLock<TtlCache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// The OS store, cached for [`SYSTEM_TTL`] (it is a ~200 KB file to parse).
///
/// On Linux this reads the distribution's bundle directly rather than through
/// `rustls_native_certs::load_native_certs`, because that function reads `SSL_CERT_FILE`/
/// `SSL_CERT_DIR` from the process environment itself, while tlsguard decides about them (and
/// `use_env`) in [`TrustStore::load_with`].
fn system_roots(now: Instant) -> Loaded {
    cache().get_or_load(("system".into(), PathBuf::new()), now, SYSTEM_TTL, || {
        let (anchors, src) = load_system_roots();
        (Arc::new(anchors), src)
    })
}

fn load_system_roots() -> (Vec<TrustAnchor<'static>>, TrustSource) {
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
}

/// A file or directory of CAs named by the environment, cached for [`SYSTEM_TTL`] by path
/// (a directory such as /etc/ssl/certs holds hundreds of files).
fn cached_paths(kind: &str, file: Option<&Path>, dir: Option<&Path>, now: Instant) -> Loaded {
    let key = (kind.to_owned(), file.or(dir).map(Path::to_path_buf).unwrap_or_default());
    cache().get_or_load(key, now, SYSTEM_TTL, || {
        let (anchors, src) = lenient_from_paths(kind, file, dir);
        (Arc::new(anchors), src)
    })
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

fn load_crls(
    src: &Source,
    anchors: &[TrustAnchor<'static>],
) -> Result<Vec<(webpki::CertRevocationList<'static>, CrlInfo)>> {
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
            let info = crl_info(der, anchors)
                .map_err(|why| Error::new(Code::InvalidPem, format!("crls {}: {why}", src.describe())))?;
            let crl =
                webpki::OwnedCertRevocationList::from_der(der).map(webpki::CertRevocationList::from).map_err(|e| {
                    Error::new(Code::InvalidPem, format!("crls {}: not a valid CRL: {e:?}", src.describe()))
                })?;
            Ok((crl, info))
        })
        .collect()
}

/// Parses a CRL for its [`CrlInfo`], checking RFC 5280 5.2.3: a CRL must carry a non-critical
/// CRLNumber (webpki does not insist) and, for tlsguard, a nextUpdate (without one, "out of
/// date" has no meaning; webpki refuses it too).
fn crl_info(der: &[u8], anchors: &[TrustAnchor<'static>]) -> std::result::Result<CrlInfo, String> {
    use x509_parser::prelude::FromDer;
    let (_, crl) = x509_parser::revocation_list::CertificateRevocationList::from_der(der)
        .map_err(|e| format!("not a valid CRL: {e}"))?;
    let number = crl.extensions().iter().find(|e| e.oid.to_id_string() == "2.5.29.20");
    match number {
        None => return Err("the CRL has no CRLNumber extension (RFC 5280 5.2.3 requires one)".into()),
        Some(ext) if ext.critical => {
            return Err("the CRL marks CRLNumber critical (RFC 5280 5.2.3 forbids it)".into());
        }
        Some(_) => {}
    }
    let next_update = crl.next_update().ok_or("the CRL has no nextUpdate date")?.timestamp();
    let name = crl.issuer();
    let issuer = name
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| name.to_string());
    // A trusted root of the CRL's issuer name that did not sign it.
    let named: Vec<&TrustAnchor<'static>> =
        anchors.iter().filter(|a| wrap_sequence(a.subject.as_ref()) == name.as_raw()).collect();
    let not_from_anchor = !named.is_empty()
        && !named.iter().any(|a| {
            let spki = wrap_sequence(a.subject_public_key_info.as_ref());
            x509_parser::x509::SubjectPublicKeyInfo::from_der(&spki)
                .is_ok_and(|(_, key)| crl.verify_signature(&key).is_ok())
        });
    Ok(CrlInfo {
        issuer,
        issuer_der: name.as_raw().to_vec(),
        next_update,
        revoked: crl.iter_revoked_certificates().count(),
        issuer_is_anchor: !named.is_empty(),
        not_from_anchor,
    })
}

impl CrlInfo {
    /// `CRL of 'tlsguard Test Intermediate CA' (not a trusted root: applies to chains through
    /// an intermediate of that name): 1 revoked, next update 2026-12-09 10:00:00 UTC`.
    pub(crate) fn summary(&self) -> String {
        format!(
            "CRL of '{}' ({}): {} revoked, next update {}",
            self.issuer,
            if self.issuer_is_anchor {
                "a trusted root"
            } else {
                "not a trusted root: applies to chains through an intermediate of that name"
            },
            self.revoked,
            crate::cert::format_time(self.next_update)
        )
    }
}

/// Warnings about the loaded CRLs: one already past its nextUpdate (every chain through its
/// issuer will be refused with `CERT_REVOCATION_UNKNOWN`), and one whose issuer is named like a
/// loaded trust anchor that did not sign it (it will never apply, or refuse that anchor's
/// chains). A CRL of an intermediate cannot be checked here: intermediates arrive with the
/// server's chain, and a verified chain that no CRL covers gets its own warning.
fn crl_warnings(infos: &[CrlInfo], now: i64) -> Vec<String> {
    let mut out = Vec::new();
    for info in infos {
        if now >= info.next_update {
            out.push(format!(
                "the CRL of '{}' is out of date (its next update was due {}): every chain through '{}' is refused with CERT_REVOCATION_UNKNOWN until a current CRL is loaded",
                info.issuer,
                crate::cert::format_time(info.next_update),
                info.issuer
            ));
        }
        if info.not_from_anchor {
            out.push(format!(
                "the CRL of '{}' is not signed by the trusted root of that name: a chain through that root is refused with CERT_REVOCATION_UNKNOWN",
                info.issuer
            ));
        }
    }
    out
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

    /// A self-signed CA certificate (PEM) named `cn`, and its key.
    fn ca(cn: &str) -> (String, rcgen::KeyPair) {
        let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name.push(rcgen::DnType::CommonName, cn);
        p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        p.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign, rcgen::KeyUsagePurpose::CrlSign];
        let key = rcgen::KeyPair::generate().unwrap();
        (p.self_signed(&key).unwrap().pem(), key)
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tlsguard-trust-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn env_of(vars: &[(&str, &Path)]) -> impl Fn(&str) -> Option<OsString> + use<> {
        let vars: Vec<(String, OsString)> =
            vars.iter().map(|(k, v)| (k.to_string(), v.as_os_str().to_owned())).collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    fn kinds(store: &TrustStore) -> Vec<&str> {
        store.report.sources.iter().map(|s| s.kind.as_str()).collect()
    }

    #[test]
    fn ssl_cert_env_is_the_system_store_only() {
        let dir = temp_dir("env");
        let file = dir.join("env-ca.pem");
        std::fs::write(&file, ca("tlsguard env CA").0).unwrap();
        let env = env_of(&[("SSL_CERT_FILE", &file), ("SSL_CERT_DIR", &dir)]);
        let load = |roots, use_env| {
            let opts = TrustOptions { roots, use_env, ..Default::default() };
            TrustStore::load_with(&opts, &env, Instant::now(), crate::cert::unix_now()).unwrap()
        };
        // mozilla only: the environment's CAs are not added, and the report says so.
        let moz = load(Roots::Mozilla, true);
        assert_eq!(kinds(&moz), ["mozilla"]);
        assert_eq!(moz.anchors.len(), webpki_roots::TLS_SERVER_ROOTS.len());
        assert!(moz.report.warnings.iter().any(|w| w.contains("SSL_CERT_FILE=") && w.contains("roots=\"mozilla\"")));
        // mozilla+system: they replace the OS bundle.
        let both = load(Roots::MozillaAndSystem, true);
        assert_eq!(kinds(&both), ["mozilla", "SSL_CERT_FILE", "SSL_CERT_DIR"]);
        assert_eq!(both.report.sources[1].loaded, 1);
        assert_eq!(both.anchors.len(), webpki_roots::TLS_SERVER_ROOTS.len() + 1); // the same CA twice: deduplicated
        assert!(both.report.warnings.iter().any(|w| w.contains("replaces the OS certificate store")));
        // use_env=false: the OS store, and the report says the variables were not used.
        let off = load(Roots::MozillaAndSystem, false);
        assert_eq!(kinds(&off), ["mozilla", "system"]);
        assert!(off.report.warnings.iter().any(|w| w.contains("not used: use_env is false")));
        // roots=none + a CA: exactly that CA.
        let opts = TrustOptions { roots: Roots::None, ca_files: vec![file.clone()], ..Default::default() };
        let none = TrustStore::load_with(&opts, &env, Instant::now(), 0).unwrap();
        assert_eq!(kinds(&none), ["ca_file"]);
        assert!(none.report.warnings.is_empty(), "{:?}", none.report.warnings);
        // Nothing set: the OS store, no warning.
        let opts = TrustOptions { roots: Roots::System, ..Default::default() };
        let plain = TrustStore::load_with(&opts, &|_| None, Instant::now(), 0).unwrap();
        assert_eq!(kinds(&plain), ["system"]);
        assert!(plain.report.warnings.is_empty(), "{:?}", plain.report.warnings);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn environment_bundles_are_read_again_after_the_ttl() {
        let dir = temp_dir("ttl");
        let file = dir.join("bundle.pem");
        std::fs::write(&file, ca("tlsguard TTL CA 1").0).unwrap();
        let env = env_of(&[("SSL_CERT_FILE", &file)]);
        let opts = TrustOptions { roots: Roots::System, ..Default::default() };
        let t0 = Instant::now();
        let count = |at: Instant| TrustStore::load_with(&opts, &env, at, 0).unwrap().anchors.len();
        assert_eq!(count(t0), 1);
        std::fs::write(&file, ca("tlsguard TTL CA 1").0 + &ca("tlsguard TTL CA 2").0).unwrap();
        assert_eq!(count(t0 + Duration::from_secs(10)), 1, "cached within the TTL");
        assert_eq!(count(t0 + SYSTEM_TTL + Duration::from_secs(1)), 2, "read again after the TTL");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn ttl_cache_reloads_only_when_stale() {
        let cache = TtlCache::default();
        let loads = std::cell::Cell::new(0);
        let key = || ("test".to_owned(), PathBuf::from("/x"));
        let load = || {
            loads.set(loads.get() + 1);
            (
                Arc::new(Vec::new()),
                TrustSource {
                    kind: "test".into(),
                    location: String::new(),
                    loaded: loads.get(),
                    skipped: 0,
                    skipped_reasons: Vec::new(),
                },
            )
        };
        let t0 = Instant::now();
        let ttl = Duration::from_secs(300);
        assert_eq!(cache.get_or_load(key(), t0, ttl, load).1.loaded, 1);
        assert_eq!(cache.get_or_load(key(), t0 + Duration::from_secs(299), ttl, load).1.loaded, 1);
        assert_eq!(cache.get_or_load(key(), t0 + ttl, ttl, load).1.loaded, 2);
        assert_eq!(cache.get_or_load(key(), t0 + ttl + Duration::from_secs(1), ttl, load).1.loaded, 2);
        assert_eq!(loads.get(), 2);
    }

    fn crl_pem(issuer: &rcgen::Issuer<'_, rcgen::KeyPair>, next_update_in: i64, now: i64) -> Vec<u8> {
        let at = |s: i64| time::OffsetDateTime::from_unix_timestamp(s).unwrap();
        rcgen::CertificateRevocationListParams {
            this_update: at(now - 86_400 * 8),
            next_update: at(now + next_update_in),
            crl_number: rcgen::SerialNumber::from(7u64),
            issuing_distribution_point: None,
            revoked_certs: vec![],
            key_identifier_method: rcgen::KeyIdMethod::Sha256,
        }
        .signed_by(issuer)
        .unwrap()
        .pem()
        .unwrap()
        .into_bytes()
    }

    #[test]
    fn crls_are_reported_and_out_of_date_ones_warned() {
        let (root_pem, root_key) = ca("tlsguard CRL Root");
        let root = rcgen::Issuer::from_ca_cert_pem(&root_pem, root_key).unwrap();
        let (_, other_key) = ca("tlsguard CRL Root");
        let impostor = rcgen::Issuer::from_ca_cert_pem(&root_pem, other_key).unwrap(); // same name, other key
        let now = 1_800_000_000;
        let opts = |crls: Vec<Vec<u8>>| TrustOptions {
            roots: Roots::None,
            ca_pem: vec![root_pem.clone().into_bytes()],
            crls: crls.into_iter().map(Source::Bytes).collect(),
            ..Default::default()
        };
        let load = |o: &TrustOptions| TrustStore::load_with(o, &|_| None, Instant::now(), now).unwrap();

        let current = load(&opts(vec![crl_pem(&root, 86_400, now)]));
        assert!(current.report.warnings.is_empty(), "{:?}", current.report.warnings);
        let lines = current.report.summary_lines();
        assert!(
            lines.iter().any(
                |l| l.starts_with("CRL of 'tlsguard CRL Root' (a trusted root): 0 revoked, next update 2027-01-16")
            ),
            "{lines:?}"
        );

        let stale = load(&opts(vec![crl_pem(&root, -3600, now)]));
        let w = stale.report.warnings.join("\n");
        assert!(
            w.contains("the CRL of 'tlsguard CRL Root' is out of date") && w.contains("2027-01-15 07:00:00 UTC"),
            "{w}"
        );

        let forged = load(&opts(vec![crl_pem(&impostor, 86_400, now)]));
        let w = forged.report.warnings.join("\n");
        assert!(w.contains("is not signed by the trusted root of that name"), "{w}");
    }

    #[test]
    fn crls_with_pin_only_trust_are_refused() {
        let (root_pem, root_key) = ca("tlsguard CRL Root");
        let root = rcgen::Issuer::from_ca_cert_pem(&root_pem, root_key).unwrap();
        let opts = TrustOptions {
            roots: Roots::None,
            pins: vec![format!("sha256/{}", "A".repeat(43) + "=")],
            crls: vec![Source::Bytes(crl_pem(&root, 86_400, crate::cert::unix_now()))],
            ..Default::default()
        };
        let err = TrustStore::load(&opts).unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        assert!(err.message().contains("crls do not apply to pin-only trust"), "{err}");
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
