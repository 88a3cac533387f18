//! Deployment linting: is this PEM bundle (and key) right for these host names?
//!
//! [`lint`] looks at what a server would send (leaf first, then intermediates), the private key
//! it would use and the names it must serve. No trust store is involved: the checks are about
//! the bundle's own structure, so they work for private CAs too. Every finding has a stable code
//! (see [`LINT_CODES`]), names the certificate by index and subject, states the fact, and says
//! what to do.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::fmt;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use x509_parser::certificate::X509Certificate;
use x509_parser::error::X509Error;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

use crate::cert::{CertificateInfo, certificate_ders, format_time, looks_like_pem, relative_time, unix_now};
use crate::error::{Code, Error, Result};
use crate::options::Source;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Severity {
    /// Informational.
    Info,
    /// Should be fixed.
    Warning,
    /// Clients will refuse this deployment.
    Error,
}

impl Severity {
    /// `"info"`, `"warning"`, `"error"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding of [`lint`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// Stable code, e.g. `KEY_MISMATCH` (one of [`LINT_CODES`]).
    pub code: &'static str,
    /// Severity.
    pub severity: Severity,
    /// Index of the certificate in the bundle it is about (0 = first), if any.
    pub certificate: Option<usize>,
    /// The subject of that certificate (RFC 4514), if any.
    pub subject: Option<String>,
    /// One line: what is wrong, naming the certificate and the fact (text from the
    /// certificate shown escaped, see [`crate::display_safe`]; `subject` is raw).
    pub message: String,
    /// What to do about it (escaped like `message`).
    pub fix: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.severity, self.code, self.message)
    }
}

/// What to lint a bundle for.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct LintOptions {
    /// The private key (PEM bytes, or a file path: then its permissions are checked too).
    pub key: Option<Source>,
    /// Host names (or IPs) the deployment must serve.
    pub hostnames: Vec<String>,
    /// Warn when a certificate expires within this many days (default 30).
    pub warn_days: u32,
    /// The time to lint at, Unix seconds (default now).
    pub at: Option<i64>,
}

impl Default for LintOptions {
    fn default() -> Self {
        Self { key: None, hostnames: Vec::new(), warn_days: 30, at: None }
    }
}

/// Every code [`lint`] can report: `(code, severity, summary)`.
///
/// The severity is the one findings of that code have, except `MISSING_SKI`, which is a
/// warning for CA certificates and info for the leaf.
pub const LINT_CODES: &[(&str, Severity, &str)] = &[
    // --- the key -------------------------------------------------------------------------
    ("KEY_MISMATCH", Severity::Error, "The private key does not belong to the leaf certificate."),
    (
        "KEY_ENCRYPTED",
        Severity::Warning,
        "The private key is encrypted, so whether it matches the leaf cannot be checked.",
    ),
    (
        "KEY_UNCHECKED",
        Severity::Warning,
        "The private key's type is not supported by the checker, so whether it matches the leaf cannot be checked.",
    ),
    ("KEY_FILE_PERMISSIONS", Severity::Warning, "The private key file is readable by group or others."),
    // --- the chain -----------------------------------------------------------------------
    ("LEAF_NOT_FIRST", Severity::Error, "A CA certificate comes before the end-entity certificate in the bundle."),
    (
        "CHAIN_ORDER",
        Severity::Error,
        "The certificates are not in issuing order (leaf, its issuer, that one's issuer, ...).",
    ),
    (
        "CHAIN_MISSING_INTERMEDIATE",
        Severity::Error,
        "The issuer of the last certificate of the chain is not in the bundle and is not a root.",
    ),
    (
        "ISSUER_NOT_CA",
        Severity::Error,
        "A certificate that issues another one in the chain is not a CA (basicConstraints CA:TRUE missing).",
    ),
    ("CHAIN_UNRELATED_CERT", Severity::Warning, "A certificate in the bundle is not on the leaf's issuing path."),
    ("DUPLICATE_CERT", Severity::Warning, "The same certificate appears more than once in the bundle."),
    (
        "CHAIN_INCLUDES_ROOT",
        Severity::Info,
        "The bundle includes a self-signed root: harmless but wasted bytes, and some clients choke on it.",
    ),
    ("SELF_SIGNED_LEAF", Severity::Warning, "The leaf is self-signed: clients must pin it or trust it explicitly."),
    // --- validity ------------------------------------------------------------------------
    ("EXPIRED", Severity::Error, "A certificate in the bundle is past its notAfter date."),
    ("NOT_YET_VALID", Severity::Error, "A certificate in the bundle is not valid yet (notBefore is in the future)."),
    ("EXPIRES_SOON", Severity::Warning, "A certificate in the bundle expires within warn_days."),
    (
        "LONG_VALIDITY",
        Severity::Warning,
        "The leaf is valid for more than 398 days, the CA/Browser Forum limit for public certificates.",
    ),
    // --- names ---------------------------------------------------------------------------
    (
        "HOSTNAME_NOT_COVERED",
        Severity::Error,
        "The leaf does not cover a host name or IP address the deployment must serve.",
    ),
    ("NO_SAN", Severity::Error, "The leaf has no subjectAltName extension: clients ignore the CN and match no name."),
    ("CN_NOT_IN_SAN", Severity::Warning, "The leaf's subject CN is not among its subjectAltNames."),
    // --- the leaf's purpose --------------------------------------------------------------
    ("CA_AS_LEAF", Severity::Error, "The leaf is a CA certificate (basicConstraints CA:TRUE)."),
    ("EKU_NOT_SERVER_AUTH", Severity::Error, "The leaf's extended key usage does not allow TLS server authentication."),
    // --- algorithms ----------------------------------------------------------------------
    ("WEAK_KEY", Severity::Error, "A certificate has an RSA key shorter than 2048 bits."),
    ("WEAK_SIGNATURE", Severity::Error, "A certificate (not a root) is signed with SHA-1 or MD5."),
    // --- extensions ----------------------------------------------------------------------
    (
        "MISSING_SKI",
        Severity::Warning,
        "A certificate has no subjectKeyIdentifier (warning for CAs, info for the leaf).",
    ),
    ("MISSING_AKI", Severity::Warning, "A certificate that is not self-signed has no authorityKeyIdentifier."),
    (
        "CA_BASIC_CONSTRAINTS_NOT_CRITICAL",
        Severity::Warning,
        "A CA certificate's basicConstraints extension is not marked critical.",
    ),
];

/// Severity of a code of [`LINT_CODES`].
fn severity_of(code: &str) -> Severity {
    match LINT_CODES.iter().find(|(c, _, _)| *c == code) {
        Some((_, s, _)) => *s,
        None => {
            debug_assert!(false, "lint code {code} missing from LINT_CODES");
            Severity::Warning
        }
    }
}

/// How many issuer candidates with the right name are tried per step of the path (bounded work
/// on bundles full of certificates with the same name).
const MAX_ISSUER_CANDIDATES: usize = 8;

/// Longest validity of a publicly trusted leaf (CA/B Forum Baseline Requirements), seconds.
const MAX_PUBLIC_VALIDITY: i64 = 398 * 86_400;

impl LintOptions {
    /// Option names of [`LintOptions::from_json`].
    pub const NAMES: &'static [&'static str] = &["key", "hostnames", "warn_days", "at"];

    /// Builds options from a JSON object: `key` (a path, or PEM text), `hostnames` (a list, or
    /// one name), `warn_days`, `at` (Unix seconds). Unknown names are `INVALID_ARGUMENT`.
    pub fn from_json(value: &serde_json::Value) -> Result<Self> {
        use crate::options::{opt_i64, opt_source, opt_str_list, opt_u64, split_options};
        let (own, _) = split_options(value, "lint", Self::NAMES, &[])?;
        Ok(Self {
            key: opt_source(&own, "key")?,
            hostnames: opt_str_list(&own, "hostnames")?,
            warn_days: opt_u64(&own, "warn_days", 36_500)?.map(|d| d as u32).unwrap_or(30),
            at: opt_i64(&own, "at")?,
        })
    }
}

/// Lints a deployment bundle (PEM: leaf first, then intermediates).
///
/// Unparsable input (the bundle, the key, an unreadable key file, an invalid host name) is an
/// `Err`; problems of the deployment are findings, sorted errors first, then by certificate index.
pub fn lint(bundle: &[u8], opts: &LintOptions) -> Result<Vec<Finding>> {
    let ders = certificate_ders(bundle).map_err(|e| e.context("bundle"))?;
    let mut parsed = Vec::with_capacity(ders.len());
    let mut certs = Vec::with_capacity(ders.len());
    for (i, der) in ders.iter().enumerate() {
        let (_, x509) = X509Certificate::from_der(der)
            .map_err(|e| Error::new(Code::InvalidPem, format!("bundle: certificate #{i} is not valid DER: {e}")))?;
        certs.push(CertificateInfo::from_der(der).map_err(|e| e.context(&format!("bundle: certificate #{i}")))?);
        parsed.push(x509);
    }
    let key = match &opts.key {
        Some(source) => Some(read_key(source)?),
        None => None,
    };
    let names = opts.hostnames.iter().map(|h| parse_hostname(h)).collect::<Result<Vec<_>>>()?;

    let mut lint = Lint { certs: &certs, findings: Vec::new() };
    let now = opts.at.unwrap_or_else(unix_now);
    let leaf = lint.check_leaf_position();
    let chain = lint.check_chain(&parsed, leaf);

    if let Some(key) = &key {
        lint.check_key(key, &parsed, leaf);
    }
    lint.check_hostnames(&ders[leaf], leaf, &opts.hostnames, &names);
    lint.check_leaf(leaf, &chain);
    for i in 0..certs.len() {
        if chain.duplicates.contains_key(&i) {
            continue;
        }
        lint.check_validity(i, now, opts.warn_days);
        lint.check_algorithms(i);
        lint.check_extensions(i, leaf);
    }

    let mut findings = lint.findings;
    findings.sort_by_key(|f| (Reverse(f.severity), f.certificate.map_or(0, |i| i + 1)));
    Ok(findings)
}

// --- input ----------------------------------------------------------------------------------

/// The key as given: its DER, or the fact that it is encrypted; and the file mode for a path.
struct KeyInput {
    key: Result<PrivateKeyDer<'static>, &'static str>,
    path: Option<String>,
    mode: Option<u32>,
}

// Encrypted keys are reported as KEY_ENCRYPTED and not decrypted (lint takes no password yet).
fn read_key(source: &Source) -> Result<KeyInput> {
    let data = source.read("key")?;
    let key = parse_key(&data).map_err(|e| e.context("key"))?;
    let (path, mode) = match source {
        Source::Path(p) => (Some(p.display().to_string()), file_mode(p)),
        Source::Bytes(_) => (None, None),
    };
    Ok(KeyInput { key, path, mode })
}

/// PKCS#8, PKCS#1 or SEC1, PEM or DER; `Ok(Err(kind))` for an encrypted key.
fn parse_key(data: &[u8]) -> Result<Result<PrivateKeyDer<'static>, &'static str>> {
    if looks_like_pem(data) {
        let text = String::from_utf8_lossy(data);
        if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            return Ok(Err("encrypted PKCS#8"));
        }
        if text.contains("Proc-Type: 4,ENCRYPTED") {
            return Ok(Err("legacy OpenSSL-encrypted PEM"));
        }
        return PrivateKeyDer::from_pem_slice(data).map(Ok).map_err(|e| {
            Error::new(
                Code::InvalidPem,
                format!("no usable private key in the PEM input (PKCS#8, PKCS#1 or SEC1): {e}"),
            )
        });
    }
    if let Ok(key) = PrivateKeyDer::try_from(data.to_vec()) {
        return Ok(Ok(key));
    }
    if pkcs8::EncryptedPrivateKeyInfo::try_from(data).is_ok() {
        return Ok(Err("encrypted PKCS#8 DER"));
    }
    Err(Error::new(Code::InvalidPem, "not a private key (PEM or DER: PKCS#8, PKCS#1 or SEC1)"))
}

#[cfg(unix)]
fn file_mode(path: &std::path::Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).ok().map(|m| m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn file_mode(_path: &std::path::Path) -> Option<u32> {
    None
}

fn parse_hostname(host: &str) -> Result<ServerName<'static>> {
    let trimmed = host.trim().trim_start_matches('[').trim_end_matches(']');
    let trimmed = trimmed.strip_suffix('.').unwrap_or(trimmed);
    ServerName::try_from(trimmed.to_ascii_lowercase())
        .map_err(|_| Error::invalid(format!("hostnames: {host:?} is not a valid DNS name or IP address")))
}

// --- the checks -----------------------------------------------------------------------------

struct Lint<'a> {
    certs: &'a [CertificateInfo],
    findings: Vec<Finding>,
}

/// What the chain analysis found out, for the later checks.
struct Chain {
    /// Indices from the leaf up its issuing path, as far as the bundle goes.
    path: Vec<usize>,
    /// Index of a later copy -> index of its first occurrence.
    duplicates: HashMap<usize, usize>,
}

impl Lint<'_> {
    fn push(&mut self, code: &'static str, cert: Option<usize>, message: String, fix: String) {
        self.push_as(code, severity_of(code), cert, message, fix);
    }

    fn push_as(&mut self, code: &'static str, severity: Severity, cert: Option<usize>, message: String, fix: String) {
        let subject = cert.map(|i| self.certs[i].subject.clone());
        let (message, fix) = (crate::text::safe_owned(message), crate::text::safe_owned(fix));
        self.findings.push(Finding { code, severity, certificate: cert, subject, message, fix });
    }

    /// `certificate #1 (CN=Example CA)`.
    fn name(&self, i: usize) -> String {
        format!("certificate #{i} ({})", self.certs[i].subject)
    }

    /// Returns the index of the end-entity certificate: 0, unless the bundle starts with a CA
    /// and has a non-CA certificate later (LEAF_NOT_FIRST).
    fn check_leaf_position(&mut self) -> usize {
        if !self.certs[0].is_ca {
            return 0;
        }
        let Some(leaf) = self.certs.iter().position(|c| !c.is_ca) else { return 0 };
        self.push(
            "LEAF_NOT_FIRST",
            Some(leaf),
            format!(
                "{} is the end-entity certificate, but {} (a CA) comes first: servers present the first certificate as theirs",
                self.name(leaf),
                self.name(0)
            ),
            "Put the leaf certificate first in the bundle, followed by its intermediates in issuing order.".into(),
        );
        leaf
    }

    fn check_chain(&mut self, parsed: &[X509Certificate<'_>], leaf: usize) -> Chain {
        let certs = self.certs;
        // Duplicates (byte-identical DER).
        let mut first: HashMap<&[u8], usize> = HashMap::with_capacity(certs.len());
        let mut duplicates = HashMap::new();
        for (i, c) in certs.iter().enumerate() {
            if let Some(&j) = first.get(c.der.as_slice()) {
                duplicates.insert(i, j);
            } else {
                first.insert(c.der.as_slice(), i);
            }
        }
        let mut dup_list: Vec<(usize, usize)> = duplicates.iter().map(|(&i, &j)| (i, j)).collect();
        dup_list.sort_unstable();
        for (i, j) in dup_list {
            self.push(
                "DUPLICATE_CERT",
                Some(i),
                format!("{} is a copy of certificate #{j}", self.name(i)),
                format!("Remove the second copy (certificate #{i}) from the bundle."),
            );
        }

        // The issuing path from the leaf, through the bundle.
        let mut by_subject: HashMap<&str, Vec<usize>> = HashMap::with_capacity(certs.len());
        for (i, c) in certs.iter().enumerate() {
            if !duplicates.contains_key(&i) {
                by_subject.entry(c.subject.as_str()).or_default().push(i);
            }
        }
        let mut on_path = vec![false; certs.len()];
        let mut path = vec![leaf];
        on_path[leaf] = true;
        let mut cur = leaf;
        while !certs[cur].is_self_issued() {
            let Some(candidates) = by_subject.get(certs[cur].issuer.as_str()) else { break };
            // Prefer the next certificate, then the others in bundle order.
            let mut ordered: Vec<usize> = candidates.iter().copied().filter(|&j| !on_path[j]).collect();
            ordered.sort_by_key(|&j| (j != cur + 1, j));
            let next = ordered.into_iter().take(MAX_ISSUER_CANDIDATES).find(|&j| issued_by(&parsed[cur], &parsed[j]));
            let Some(next) = next else { break };
            on_path[next] = true;
            path.push(next);
            cur = next;
        }

        // Order: each certificate on the path must be directly followed by its issuer.
        let in_order = path.iter().enumerate().all(|(k, &i)| i == leaf + k);
        if !in_order && leaf == 0 {
            let k = path.iter().enumerate().position(|(k, &i)| i != k).unwrap_or(1).max(1);
            let (child, issuer) = (path[k - 1], path[k]);
            let order: Vec<String> = path.iter().map(|i| format!("#{i}")).collect();
            self.push(
                "CHAIN_ORDER",
                Some(child),
                format!(
                    "{} is issued by {}, which is not the next certificate in the bundle",
                    self.name(child),
                    self.name(issuer)
                ),
                format!(
                    "Serve the certificates in issuing order: {} (leaf first, then each certificate's issuer).",
                    order.join(", ")
                ),
            );
        }

        // The top of the path: a root (included), or an issuer that is missing.
        let last = *path.last().expect("path starts with the leaf");
        let top = &certs[last];
        if top.is_self_issued() {
            if last != leaf && top.self_signed {
                self.push(
                    "CHAIN_INCLUDES_ROOT",
                    Some(last),
                    format!("{} is a self-signed root; clients must already have it, so sending it is useless", self.name(last)),
                    "Remove the root from the served bundle (keep it only in the clients' trust stores); some clients reject chains that include it.".into(),
                );
            }
        } else {
            let looks_like_root = top.issuer_cn.as_deref().is_some_and(|cn| cn.to_ascii_lowercase().contains("root"));
            let missing = !top.ca_issuer_urls.is_empty() || (path.len() == 1 && !looks_like_root);
            if missing {
                let issuer = top.issuer.clone();
                let (where_, fetch) = match top.ca_issuer_urls.first() {
                    Some(url) => {
                        (format!("; its AIA caIssuers URL is {url}"), format!(" (it can be downloaded from {url})"))
                    }
                    None => (String::new(), String::new()),
                };
                self.push(
                    "CHAIN_MISSING_INTERMEDIATE",
                    Some(last),
                    format!("the issuer of {}, {issuer}, is not in the bundle{where_}", self.name(last)),
                    format!(
                        "Append the intermediate certificate {issuer}{fetch} after {} (serve the full chain, e.g. fullchain.pem); if it is a root that every client trusts, ignore this.",
                        if last == leaf { "the leaf".to_string() } else { format!("certificate #{last}") }
                    ),
                );
            }
        }

        // Issuers on the path must be CAs.
        for &i in &path[1..] {
            if !certs[i].is_ca {
                self.push(
                    "ISSUER_NOT_CA",
                    Some(i),
                    format!("{} issues another certificate of the chain but is not a CA (no basicConstraints CA:TRUE)", self.name(i)),
                    "Re-issue this certificate as a CA (basicConstraints critical, CA:TRUE; keyUsage keyCertSign) and re-sign what it issued, or use the right issuer.".into(),
                );
            }
        }

        // Everything else is unrelated.
        let wanted_issuer = if top.is_self_issued() { None } else { Some(top.issuer.as_str()) };
        for i in 0..certs.len() {
            if on_path[i] || duplicates.contains_key(&i) {
                continue;
            }
            let (message, fix) = if wanted_issuer == Some(certs[i].subject.as_str()) {
                (
                    format!(
                        "{} has the name of the issuer of {} but its key did not sign it (an old or re-keyed CA certificate?)",
                        self.name(i),
                        self.name(last)
                    ),
                    format!(
                        "Replace certificate #{i} with the current certificate of {} (the one whose key signed certificate #{last}).",
                        certs[i].subject
                    ),
                )
            } else {
                let what = if certs[i].self_signed && certs[i].is_ca { "a root" } else { "a certificate" };
                (
                    format!("{} is {what} not on the issuing path of the leaf {}", self.name(i), self.name(leaf)),
                    format!(
                        "Remove certificate #{i} from the bundle (or check that the right leaf and intermediates were deployed)."
                    ),
                )
            };
            self.push("CHAIN_UNRELATED_CERT", Some(i), message, fix);
        }
        Chain { path, duplicates }
    }

    fn check_key(&mut self, key: &KeyInput, parsed: &[X509Certificate<'_>], leaf: usize) {
        if let (Some(path), Some(mode)) = (&key.path, key.mode)
            && mode & 0o077 != 0
        {
            self.push(
                "KEY_FILE_PERMISSIONS",
                None,
                format!("the private key file {path} has mode {mode:04o}: readable by group or others"),
                format!("Restrict it to its owner: chmod 600 {path} (and make the server's user its owner)."),
            );
        }
        let der = match &key.key {
            Ok(der) => der,
            Err(kind) => {
                self.push(
                    "KEY_ENCRYPTED",
                    Some(leaf),
                    format!("the private key is {kind}; whether it belongs to {} cannot be checked", self.name(leaf)),
                    "Lint with the decrypted key (e.g. `openssl pkey -in key.pem`); the server also needs the passphrase at startup.".into(),
                );
                return;
            }
        };
        let key_pub = match key_public(der) {
            Ok(p) => p,
            Err(why) => {
                self.push(
                    "KEY_UNCHECKED",
                    Some(leaf),
                    format!("the private key could not be loaded ({why}); whether it belongs to {} cannot be checked", self.name(leaf)),
                    "Check the key with `openssl x509 -noout -pubkey` / `openssl pkey -pubout` and compare; use an RSA (2048+), ECDSA or Ed25519 key.".into(),
                );
                return;
            }
        };
        if key_pub.matches(parsed[leaf].public_key()) {
            return;
        }
        let owner = (0..parsed.len()).find(|&i| i != leaf && key_pub.matches(parsed[i].public_key()));
        let belongs = match owner {
            Some(i) => format!("; it is the key of {}", self.name(i)),
            None => String::new(),
        };
        self.push(
            "KEY_MISMATCH",
            Some(leaf),
            format!(
                "the private key ({}) is not the key of {} ({}){belongs}",
                key_pub.describe(),
                self.name(leaf),
                cert_key(&self.certs[leaf]),
            ),
            "Deploy the key the leaf certificate was issued for (the one its CSR was made with), or re-issue the certificate for this key.".into(),
        );
    }

    fn check_hostnames(&mut self, der: &CertificateDer<'_>, leaf: usize, hosts: &[String], names: &[ServerName<'_>]) {
        if hosts.is_empty() {
            return;
        }
        let cert = &self.certs[leaf];
        let ee = webpki::EndEntityCert::try_from(der).ok();
        let listed = san_list(cert);
        for (host, name) in hosts.iter().zip(names) {
            let covered = match &ee {
                Some(ee) => ee.verify_is_valid_for_subject_name(name).is_ok(),
                None => fallback_covers(cert, name),
            };
            if covered {
                continue;
            }
            self.push(
                "HOSTNAME_NOT_COVERED",
                Some(leaf),
                format!("{} does not cover {host}: its names are {listed}", self.name(leaf)),
                format!("Issue a certificate whose subjectAltName includes {host} (as a DNS name or IP address), or serve a name it covers."),
            );
        }
    }

    fn check_leaf(&mut self, leaf: usize, chain: &Chain) {
        let c = &self.certs[leaf];
        if !c.has_san {
            let cn = c.subject_cn.as_deref().map(|cn| format!(" (its CN is {cn})")).unwrap_or_default();
            self.push(
                "NO_SAN",
                Some(leaf),
                format!(
                    "{} has no subjectAltName extension{cn}; clients match names only against subjectAltName",
                    self.name(leaf)
                ),
                "Re-issue the certificate with a subjectAltName listing every DNS name and IP address it serves."
                    .into(),
            );
        } else if let Some(cn) = &c.subject_cn {
            let cn_l = cn.to_ascii_lowercase();
            let in_san =
                c.dns_names.iter().any(|d| d.eq_ignore_ascii_case(&cn_l)) || c.ip_addresses.iter().any(|ip| ip == cn);
            if !c.is_ca && !in_san {
                self.push(
                    "CN_NOT_IN_SAN",
                    Some(leaf),
                    format!("the CN of {}, {cn}, is not among its subjectAltNames ({})", self.name(leaf), san_list(c)),
                    format!("Re-issue the certificate with {cn} in the subjectAltName too (or a CN that is one of its names); clients ignore the CN."),
                );
            }
        }
        if c.is_ca {
            self.push(
                "CA_AS_LEAF",
                Some(leaf),
                format!("{} is used as the server certificate but is a CA (basicConstraints CA:TRUE)", self.name(leaf)),
                "Issue a leaf certificate (CA:FALSE) for the server, signed by this CA, and serve that.".into(),
            );
        }
        let eku = &c.extended_key_usage;
        if !eku.is_empty() && !eku.iter().any(|e| e == "serverAuth" || e == "anyExtendedKeyUsage") {
            self.push(
                "EKU_NOT_SERVER_AUTH",
                Some(leaf),
                format!("{} has extended key usage {} without serverAuth", self.name(leaf), eku.join(", ")),
                "Re-issue the certificate with extendedKeyUsage serverAuth.".into(),
            );
        }
        if c.self_signed && chain.path.len() == 1 && !c.is_ca {
            self.push(
                "SELF_SIGNED_LEAF",
                Some(leaf),
                format!("{} is self-signed; no client trusts it unless it is pinned or added as a trust anchor", self.name(leaf)),
                "For production, use a certificate issued by a (private or public) CA; for development, pin its key (pins=[\"sha256/...\"]).".into(),
            );
        }
        let lifetime = c.not_after - c.not_before;
        if lifetime > MAX_PUBLIC_VALIDITY {
            self.push(
                "LONG_VALIDITY",
                Some(leaf),
                format!(
                    "{} is valid for {} days ({} to {}), more than the 398 days publicly trusted certificates may have",
                    self.name(leaf),
                    lifetime / 86_400,
                    format_time(c.not_before),
                    format_time(c.not_after)
                ),
                "Public CAs cannot issue this and browsers reject it; issue certificates for at most 398 days (and automate renewal). A private CA may ignore this.".into(),
            );
        }
    }

    fn check_validity(&mut self, i: usize, now: i64, warn_days: u32) {
        let c = &self.certs[i];
        if now > c.not_after {
            self.push(
                "EXPIRED",
                Some(i),
                format!(
                    "{} expired on {} ({})",
                    self.name(i),
                    format_time(c.not_after),
                    relative_time(c.not_after, now)
                ),
                "Renew the certificate and deploy the new one (with the matching key).".into(),
            );
        } else if now < c.not_before {
            self.push(
                "NOT_YET_VALID",
                Some(i),
                format!(
                    "{} is not valid before {} ({})",
                    self.name(i),
                    format_time(c.not_before),
                    relative_time(c.not_before, now)
                ),
                "Deploy it only from that date on, or check the clock of the machine that issued it (and of this one)."
                    .into(),
            );
        } else if c.not_after.saturating_sub(now) < i64::from(warn_days) * 86_400 {
            let days = c.days_remaining(now);
            self.push(
                "EXPIRES_SOON",
                Some(i),
                format!(
                    "{} expires on {} ({}, {days} days left, warning threshold {warn_days} days)",
                    self.name(i),
                    format_time(c.not_after),
                    relative_time(c.not_after, now)
                ),
                "Renew the certificate now and deploy the new one before it expires; automate renewal.".into(),
            );
        }
    }

    fn check_algorithms(&mut self, i: usize) {
        let c = &self.certs[i];
        if c.key_type == "RSA" && c.key_bits < 2048 {
            self.push(
                "WEAK_KEY",
                Some(i),
                format!("{} has a {}-bit RSA key; at least 2048 bits are required", self.name(i), c.key_bits),
                "Re-issue the certificate with a 2048-bit (or larger) RSA key or an ECDSA P-256 key.".into(),
            );
        }
        let alg = c.signature_algorithm.to_ascii_lowercase();
        let weak = if alg.contains("sha1") || alg.contains("sha-1") {
            Some("SHA-1")
        } else if alg.contains("md5") || alg.contains("md2") {
            Some("MD5")
        } else {
            None
        };
        // A root's self-signature is never checked by clients: it does not matter.
        if let (Some(weak), false) = (weak, c.self_signed) {
            self.push(
                "WEAK_SIGNATURE",
                Some(i),
                format!(
                    "{} is signed with {weak} ({}); clients reject such signatures",
                    self.name(i),
                    c.signature_algorithm
                ),
                "Have the issuer re-sign the certificate with SHA-256 (or better).".into(),
            );
        }
    }

    fn check_extensions(&mut self, i: usize, leaf: usize) {
        let c = &self.certs[i];
        if !c.has_ski && (c.is_ca || i == leaf) {
            let (severity, who) = if c.is_ca { (Severity::Warning, "CA") } else { (Severity::Info, "leaf") };
            self.push_as(
                "MISSING_SKI",
                severity,
                Some(i),
                format!("{} ({who}) has no subjectKeyIdentifier extension; RFC 5280 and Python >= 3.13's VERIFY_X509_STRICT want it", self.name(i)),
                "Re-issue the certificate with subjectKeyIdentifier (openssl: subjectKeyIdentifier = hash).".into(),
            );
        }
        if !c.has_aki && !c.self_signed {
            self.push(
                "MISSING_AKI",
                Some(i),
                format!("{} has no authorityKeyIdentifier extension; RFC 5280 and Python >= 3.13's VERIFY_X509_STRICT want it", self.name(i)),
                "Re-issue the certificate with authorityKeyIdentifier (openssl: authorityKeyIdentifier = keyid).".into(),
            );
        }
        if c.is_ca && !c.basic_constraints_critical {
            self.push(
                "CA_BASIC_CONSTRAINTS_NOT_CRITICAL",
                Some(i),
                format!("{} is a CA but its basicConstraints extension is not marked critical; Python >= 3.13 (VERIFY_X509_STRICT) rejects such CAs", self.name(i)),
                "Re-issue the CA certificate with basicConstraints critical (openssl: basicConstraints = critical, CA:TRUE).".into(),
            );
        }
    }
}

// --- helpers --------------------------------------------------------------------------------

/// Whether `parent` issued `child`: names match and the signature verifies (or uses an
/// algorithm that cannot be checked here, e.g. SHA-1 ECDSA).
fn issued_by(child: &X509Certificate<'_>, parent: &X509Certificate<'_>) -> bool {
    if child.issuer().as_raw() != parent.subject().as_raw()
        && child.issuer().to_string() != parent.subject().to_string()
    {
        return false;
    }
    match child.verify_signature(Some(parent.public_key())) {
        Ok(()) => true,
        Err(X509Error::SignatureUnsupportedAlgorithm) => true,
        Err(_) => false,
    }
}

/// `EC P-256`, `RSA 2048-bit`: the certificate's key as [`describe_spki`] says it.
fn cert_key(c: &CertificateInfo) -> String {
    match &c.curve {
        Some(curve) => format!("{} {curve}", c.key_type),
        None if c.key_bits > 0 && c.key_type == "RSA" => format!("RSA {}-bit", c.key_bits),
        None => c.key_type.clone(),
    }
}

/// `DNS:localhost, IP:127.0.0.1`, or `none`.
fn san_list(c: &CertificateInfo) -> String {
    let names: Vec<String> = c
        .dns_names
        .iter()
        .map(|d| format!("DNS:{d}"))
        .chain(c.ip_addresses.iter().map(|ip| format!("IP:{ip}")))
        .collect();
    if names.is_empty() { "none".into() } else { names.join(", ") }
}

/// Name matching for certificates webpki cannot parse: exact, or one `*.` leftmost label.
fn fallback_covers(c: &CertificateInfo, name: &ServerName<'_>) -> bool {
    match name {
        ServerName::DnsName(d) => {
            let host = d.as_ref().to_ascii_lowercase();
            c.dns_names.iter().any(|n| {
                let n = n.to_ascii_lowercase();
                match n.strip_prefix("*.") {
                    Some(suffix) => {
                        host.split_once('.').is_some_and(|(label, rest)| !label.is_empty() && rest == suffix)
                    }
                    None => n == host,
                }
            })
        }
        ServerName::IpAddress(ip) => {
            let ip = std::net::IpAddr::from(*ip).to_string();
            c.ip_addresses.contains(&ip)
        }
        _ => false,
    }
}

/// The public half of the private key, in a form comparable with a certificate's.
enum KeyPublic {
    /// Algorithm OID and subjectPublicKey bits of the SPKI.
    Spki { algorithm: String, bits: Vec<u8>, described: String },
    /// RSA modulus and exponent without leading zeros (keys the crypto provider refuses, e.g. 1024-bit).
    Rsa { modulus: Vec<u8>, exponent: Vec<u8> },
}

impl KeyPublic {
    fn matches(&self, spki: &SubjectPublicKeyInfo<'_>) -> bool {
        match self {
            Self::Spki { algorithm, bits, .. } => {
                spki.algorithm.algorithm.to_id_string() == *algorithm
                    && spki.subject_public_key.data.as_ref() == bits.as_slice()
            }
            Self::Rsa { modulus, exponent } => match spki.parsed() {
                Ok(PublicKey::RSA(rsa)) => {
                    strip_zeros(rsa.modulus) == modulus.as_slice() && strip_zeros(rsa.exponent) == exponent.as_slice()
                }
                _ => false,
            },
        }
    }

    fn describe(&self) -> String {
        match self {
            Self::Spki { described, .. } => described.clone(),
            Self::Rsa { modulus, .. } => format!("RSA {}-bit", bit_len(modulus)),
        }
    }
}

fn key_public(der: &PrivateKeyDer<'_>) -> std::result::Result<KeyPublic, String> {
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    let loaded = provider.key_provider.load_private_key(der.clone_key());
    let err = match loaded {
        Ok(signing) => match signing.public_key() {
            Some(spki_der) => {
                let (_, spki) = SubjectPublicKeyInfo::from_der(spki_der.as_ref())
                    .map_err(|e| format!("its public key does not parse: {e}"))?;
                let described = describe_spki(&spki);
                return Ok(KeyPublic::Spki {
                    algorithm: spki.algorithm.algorithm.to_id_string(),
                    bits: spki.subject_public_key.data.to_vec(),
                    described,
                });
            }
            None => "the crypto provider cannot derive its public key".to_string(),
        },
        Err(e) => e.to_string(),
    };
    rsa_public(der).ok_or(err)
}

/// `RSA 2048-bit`, `EC P-256`, `Ed25519`, or the algorithm OID.
fn describe_spki(spki: &SubjectPublicKeyInfo<'_>) -> String {
    if let Ok(PublicKey::RSA(rsa)) = spki.parsed() {
        return format!("RSA {}-bit", bit_len(strip_zeros(rsa.modulus)));
    }
    let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok()).map(|o| o.to_id_string());
    match (spki.algorithm.algorithm.to_id_string().as_str(), curve.as_deref()) {
        ("1.2.840.10045.2.1", Some("1.2.840.10045.3.1.7")) => "EC P-256".into(),
        ("1.2.840.10045.2.1", Some("1.3.132.0.34")) => "EC P-384".into(),
        ("1.2.840.10045.2.1", Some("1.3.132.0.35")) => "EC P-521".into(),
        ("1.2.840.10045.2.1", _) => "EC".into(),
        ("1.3.101.112", _) => "Ed25519".into(),
        ("1.3.101.113", _) => "Ed448".into(),
        (oid, _) => format!("key type {oid}"),
    }
}

/// Modulus and exponent of an RSA private key (PKCS#1, or PKCS#8 rsaEncryption).
fn rsa_public(der: &PrivateKeyDer<'_>) -> Option<KeyPublic> {
    let pkcs1: &[u8] = match der {
        PrivateKeyDer::Pkcs1(k) => k.secret_pkcs1_der(),
        PrivateKeyDer::Pkcs8(k) => {
            let info = pkcs8::PrivateKeyInfo::try_from(k.secret_pkcs8_der()).ok()?;
            if info.algorithm.oid.to_string() != "1.2.840.113549.1.1.1" {
                return None;
            }
            info.private_key
        }
        _ => return None,
    };
    // RSAPrivateKey ::= SEQUENCE { version INTEGER, modulus INTEGER, publicExponent INTEGER, ... }
    let (tag, body, _) = der_tlv(pkcs1)?;
    if tag != 0x30 {
        return None;
    }
    let (t0, _, rest) = der_tlv(body)?;
    let (t1, modulus, rest) = der_tlv(rest)?;
    let (t2, exponent, _) = der_tlv(rest)?;
    if (t0, t1, t2) != (0x02, 0x02, 0x02) {
        return None;
    }
    Some(KeyPublic::Rsa { modulus: strip_zeros(modulus).to_vec(), exponent: strip_zeros(exponent).to_vec() })
}

/// One DER TLV: (tag, contents, rest).
fn der_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        rest = &rest[n..];
        len
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|x| **x == 0).count();
    &b[n..]
}

fn bit_len(b: &[u8]) -> usize {
    match b.first() {
        Some(&top) => b.len() * 8 - top.leading_zeros() as usize,
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_upper_snake() {
        let mut seen = std::collections::HashSet::new();
        for (code, _, summary) in LINT_CODES {
            assert!(seen.insert(*code), "duplicate {code}");
            assert!(code.chars().all(|c| c.is_ascii_uppercase() || c == '_'), "{code}");
            assert!(summary.ends_with('.'), "{code}");
        }
        assert_eq!(severity_of("KEY_MISMATCH"), Severity::Error);
        assert_eq!(severity_of("CHAIN_INCLUDES_ROOT"), Severity::Info);
    }

    #[test]
    fn der_tlv_reads_short_and_long_lengths() {
        assert_eq!(der_tlv(&[0x02, 0x01, 0x05, 0xff]), Some((0x02, &[0x05][..], &[0xff][..])));
        let mut long = vec![0x04, 0x81, 0x80];
        long.extend(std::iter::repeat_n(7u8, 0x80));
        let (tag, body, rest) = der_tlv(&long).unwrap();
        assert_eq!((tag, body.len(), rest.len()), (0x04, 0x80, 0));
        assert_eq!(der_tlv(&[0x04, 0x05, 0x00]), None);
        assert_eq!(der_tlv(&[0x04, 0x80]), None);
    }

    #[test]
    fn garbage_keys_are_invalid_pem_and_encrypted_keys_are_recognised() {
        assert_eq!(parse_key(b"garbage").unwrap_err().code(), Code::InvalidPem);
        let only_cert = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert_eq!(parse_key(only_cert).unwrap_err().code(), Code::InvalidPem);
        let enc = b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert_eq!(parse_key(enc).unwrap().unwrap_err(), "encrypted PKCS#8");
    }

    #[test]
    fn hostnames_are_normalised_or_refused() {
        assert!(matches!(parse_hostname("[::1]").unwrap(), ServerName::IpAddress(_)));
        assert!(matches!(parse_hostname("Example.COM.").unwrap(), ServerName::DnsName(_)));
        assert_eq!(parse_hostname("not a host").unwrap_err().code(), Code::InvalidArgument);
    }

    #[test]
    fn bit_len_counts_significant_bits() {
        assert_eq!(bit_len(&[0x01, 0x00]), 9);
        assert_eq!(bit_len(&[0x80]), 8);
        assert_eq!(bit_len(&[]), 0);
    }
}
