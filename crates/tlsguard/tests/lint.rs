//! `lint`: deployment findings for bundles from the test kit and certificates made here with rcgen.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, CustomExtension, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, SanType,
};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use time::{Duration, OffsetDateTime};
use tlsguard::lint::LintCode;
use tlsguard::{Code, Finding, LintOptions, Severity, Source, lint};

// --- the kit's PKI, generated once and kept in memory ----------------------------------------

fn kit_files() -> &'static BTreeMap<String, Vec<u8>> {
    static FILES: OnceLock<BTreeMap<String, Vec<u8>>> = OnceLock::new();
    FILES.get_or_init(|| {
        let kit = tlsguard_testkit::Kit::start_temp().expect("test kit starts");
        kit.manifest()
            .pki
            .iter()
            .map(|(name, path)| (name.clone(), std::fs::read(path).expect("kit file readable")))
            .collect()
    })
}

fn kit(name: &str) -> Vec<u8> {
    kit_files().get(name).unwrap_or_else(|| panic!("no kit file {name}")).clone()
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

// --- running lint ----------------------------------------------------------------------------

fn opts(hosts: &[&str], key: Option<Vec<u8>>) -> LintOptions {
    let mut o = LintOptions::default();
    o.hostnames = hosts.iter().map(|h| h.to_string()).collect();
    o.key = key.map(Source::Bytes);
    o
}

/// Lints and checks the invariants every result must have: known codes with their table
/// severity, sorted errors first and then by certificate index, subject set with the index.
fn run(bundle: &[u8], o: &LintOptions) -> Vec<Finding> {
    let findings = lint(bundle, o).unwrap_or_else(|e| panic!("lint failed: {e}"));
    for f in &findings {
        if f.code == LintCode::MissingSki {
            assert!(matches!(f.severity, Severity::Warning | Severity::Info));
        } else {
            assert_eq!(f.severity, f.code.severity(), "{f}");
        }
        assert_eq!(f.certificate.is_some(), f.subject.is_some(), "{f}");
        assert!(!f.message.is_empty() && !f.fix.is_empty(), "{f}");
        if let Some(i) = f.certificate {
            assert!(f.message.contains(&format!("#{i}")) || f.code.as_str().starts_with("KEY_"), "{f}");
        }
    }
    for w in findings.windows(2) {
        let key = |f: &Finding| (std::cmp::Reverse(f.severity), f.certificate.map_or(0, |i| i + 1));
        assert!(key(&w[0]) <= key(&w[1]), "not sorted: {} / {}", w[0], w[1]);
    }
    findings
}

fn codes(findings: &[Finding]) -> Vec<LintCode> {
    findings.iter().map(|f| f.code).collect()
}

fn dump(findings: &[Finding]) -> String {
    findings.iter().map(|f| format!("\n  {f} [#{:?}]", f.certificate)).collect()
}

/// The one finding with `code`; checks its severity and certificate index.
fn one(findings: &[Finding], code: LintCode, severity: Severity, cert: Option<usize>) -> &Finding {
    let hits: Vec<&Finding> = findings.iter().filter(|f| f.code == code).collect();
    assert_eq!(hits.len(), 1, "expected one {code}:{}", dump(findings));
    let f = hits[0];
    assert_eq!(f.severity, severity, "{f}");
    assert_eq!(f.certificate, cert, "{f}");
    f
}

fn has(findings: &[Finding], code: LintCode) -> bool {
    findings.iter().any(|f| f.code == code)
}

fn problems(findings: &[Finding]) -> Vec<&Finding> {
    findings.iter().filter(|f| f.severity >= Severity::Warning).collect()
}

// --- certificates made here ------------------------------------------------------------------

type Ca = CertifiedIssuer<'static, KeyPair>;

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn day() -> Duration {
    Duration::days(1)
}

fn dn(cn: &str) -> DistinguishedName {
    let mut d = DistinguishedName::new();
    d.push(DnType::OrganizationName, "lint test");
    d.push(DnType::CommonName, cn);
    d
}

fn ca_params(cn: &str, root: bool) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = dn(cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.not_before = now() - day();
    p.not_after = now() + 1000 * day();
    p.use_authority_key_identifier_extension = !root;
    p
}

fn root(cn: &str) -> Ca {
    CertifiedIssuer::self_signed(ca_params(cn, true), KeyPair::generate().unwrap()).unwrap()
}

fn intermediate(cn: &str, parent: &Ca) -> Ca {
    CertifiedIssuer::signed_by(ca_params(cn, false), KeyPair::generate().unwrap(), parent).unwrap()
}

fn leaf_params(cn: &str, sans: &[&str]) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = dn(cn);
    p.subject_alt_names = sans
        .iter()
        .map(|s| match s.parse() {
            Ok(ip) => SanType::IpAddress(ip),
            Err(_) => SanType::DnsName(s.to_string().try_into().unwrap()),
        })
        .collect();
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.not_before = now() - day();
    p.not_after = now() + 90 * day();
    p.use_authority_key_identifier_extension = true;
    p
}

/// Issues a leaf; returns (DER, PEM of its key).
fn issue(p: CertificateParams, issuer: &Ca) -> (CertificateDer<'static>, String) {
    let key = KeyPair::generate().unwrap();
    let cert = p.signed_by(&key, issuer).unwrap();
    (cert.der().clone(), key.serialize_pem())
}

fn pem(ders: &[&CertificateDer<'_>]) -> Vec<u8> {
    ders.iter().map(|d| tlsguard::Certificate::from_der(d).unwrap().to_pem()).collect::<String>().into_bytes()
}

/// A private PKI: root -> intermediate -> leaf for `sans`.
struct Pki {
    root: Ca,
    inter: Ca,
}

fn pki() -> Pki {
    let root = root("Lint Root CA");
    let inter = intermediate("Lint Issuing CA", &root);
    Pki { root, inter }
}

fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tlsguard-lint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

// --- a clean deployment ----------------------------------------------------------------------

#[test]
fn clean_fullchain_with_its_key_and_names_has_no_problems() {
    // The kit's leaf lives 31 days; a 7-day threshold keeps EXPIRES_SOON out.
    let mut o = opts(&["localhost", "127.0.0.1", "LOCALHOST."], Some(kit("leaf_key")));
    o.warn_days = 7;
    let findings = run(&kit("fullchain"), &o);
    assert!(problems(&findings).is_empty(), "{}", dump(&findings));

    // The same for a private PKI made here (90-day leaf, default threshold).
    let p = pki();
    let (leaf, key) = issue(leaf_params("app.internal", &["app.internal", "10.0.0.7"]), &p.inter);
    let findings = run(&pem(&[&leaf, p.inter.der()]), &opts(&["app.internal", "10.0.0.7"], Some(key.into_bytes())));
    assert!(findings.is_empty(), "{}", dump(&findings));
}

// --- input errors ----------------------------------------------------------------------------

#[test]
fn bad_input_is_an_error_not_a_finding() {
    let o = LintOptions::default();
    assert_eq!(lint(b"garbage", &o).unwrap_err().code(), Code::InvalidPem);
    assert_eq!(lint(b"", &o).unwrap_err().code(), Code::InvalidPem);
    // A PEM file with a key but no certificate.
    assert_eq!(lint(&kit("leaf_key"), &o).unwrap_err().code(), Code::InvalidPem);
    let broken = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    assert_eq!(lint(broken, &o).unwrap_err().code(), Code::InvalidPem);

    let full = kit("fullchain");
    let err = lint(&full, &opts(&[], Some(b"garbage".to_vec()))).unwrap_err();
    assert_eq!(err.code(), Code::InvalidPem, "{err}");
    assert!(err.message().starts_with("key:"), "{err}");
    // A PEM "key" that holds only certificates.
    assert_eq!(lint(&full, &opts(&[], Some(full.clone()))).unwrap_err().code(), Code::InvalidPem);

    let mut missing = LintOptions::default();
    missing.key = Some(Source::Path("/nonexistent/tlsguard/key.pem".into()));
    let err = lint(&full, &missing).unwrap_err();
    assert_eq!(err.code(), Code::Io, "{err}");
    assert!(err.message().contains("/nonexistent/tlsguard/key.pem"), "{err}");

    assert_eq!(lint(&full, &opts(&["not a host name"], None)).unwrap_err().code(), Code::InvalidArgument);
}

// --- the key ---------------------------------------------------------------------------------

#[test]
fn key_formats_are_recognised_and_matched() {
    // PKCS#8 EC, SEC1 EC, PKCS#1 RSA, PKCS#8 RSA: each matches its certificate.
    for (cert, key) in [
        ("fullchain", "leaf_key"),
        ("client_cert", "client_key_pkcs8"),
        ("client_cert", "client_key_sec1"),
        ("client_cert_rsa", "client_key_pkcs1"),
        ("client_cert_rsa", "client_key_rsa_pkcs8"),
    ] {
        let findings = run(&kit(cert), &opts(&[], Some(kit(key))));
        assert!(!findings.iter().any(|f| f.code.as_str().starts_with("KEY_")), "{cert} + {key}:{}", dump(&findings));
    }
    // DER keys too.
    let sec1_der = PrivateKeyDer::from_pem_slice(&kit("client_key_sec1")).unwrap().secret_der().to_vec();
    let findings = run(&kit("client_cert"), &opts(&[], Some(sec1_der)));
    assert!(!findings.iter().any(|f| f.code.as_str().starts_with("KEY_")), "{}", dump(&findings));
}

#[test]
fn a_key_of_another_certificate_is_a_mismatch() {
    let full = kit("fullchain");
    let findings = run(&full, &opts(&[], Some(kit("client_key_sec1"))));
    let f = one(&findings, LintCode::KeyMismatch, Severity::Error, Some(0));
    assert!(f.message.contains("CN=localhost"), "{f}");
    assert!(f.message.contains("the private key (EC P-256) is not the key of certificate #0"), "{f}");

    // The intermediate's key: the message says whose key it is.
    let findings = run(&full, &opts(&[], Some(kit("intermediate_ca_key"))));
    let f = one(&findings, LintCode::KeyMismatch, Severity::Error, Some(0));
    assert!(f.message.contains("it is the key of certificate #1 (CN=tlsguard Test Intermediate CA"), "{f}");

    // RSA key for an EC leaf.
    let findings = run(&full, &opts(&[], Some(kit("client_key_pkcs1"))));
    let f = one(&findings, LintCode::KeyMismatch, Severity::Error, Some(0));
    assert!(f.message.contains("RSA 2048-bit"), "{f}");
}

#[test]
fn rsa_1024_keys_are_compared_without_the_crypto_provider_and_flagged_weak() {
    // aws-lc refuses RSA keys under 2048 bits; the match is checked on the modulus.
    let bundle = cat(&[&kit("server_rsa1024_cert"), &kit("intermediate_ca")]);
    let findings = run(&bundle, &opts(&["localhost"], Some(kit("server_rsa1024_key"))));
    assert!(!has(&findings, LintCode::KeyMismatch) && !has(&findings, LintCode::KeyUnchecked), "{}", dump(&findings));
    let f = one(&findings, LintCode::WeakKey, Severity::Error, Some(0));
    assert!(f.message.contains("1024-bit RSA"), "{f}");
    assert!(f.fix.contains("2048"), "{f}");

    // And the 1024-bit key against the EC leaf.
    let findings = run(&kit("fullchain"), &opts(&[], Some(kit("server_rsa1024_key"))));
    let f = one(&findings, LintCode::KeyMismatch, Severity::Error, Some(0));
    assert!(f.message.contains("RSA 1024-bit"), "{f}");
}

#[test]
fn encrypted_keys_cannot_be_checked() {
    let findings = run(&kit("client_cert"), &opts(&[], Some(kit("client_key_encrypted"))));
    let f = one(&findings, LintCode::KeyEncrypted, Severity::Warning, Some(0));
    assert!(f.message.contains("encrypted PKCS#8"), "{f}");
    assert!(!has(&findings, LintCode::KeyMismatch));
}

#[test]
fn unsupported_key_types_are_reported_unchecked() {
    // An Ed448 key (openssl), which the rustls crypto provider cannot load.
    let dir = std::env::temp_dir().join(format!("tlsguard-lint-ed448-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (key, cert) = (dir.join("k.pem"), dir.join("c.pem"));
    let status = std::process::Command::new(std::env::var("TLSGUARD_OPENSSL").unwrap_or_else(|_| "openssl".into()))
        .args(["req", "-x509", "-newkey", "ed448", "-nodes", "-subj", "/CN=localhost", "-days", "30"])
        .args(["-addext", "subjectAltName=DNS:localhost", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl runs (the test kit needs it too)");
    assert!(status.success());
    let findings = run(&std::fs::read(&cert).unwrap(), &opts(&[], Some(std::fs::read(&key).unwrap())));
    let f = one(&findings, LintCode::KeyUnchecked, Severity::Warning, Some(0));
    assert!(f.message.contains("could not be loaded"), "{f}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn key_file_readable_by_others_is_a_warning() {
    use std::os::unix::fs::PermissionsExt as _;
    let path = temp_file("leaf_key_perm.pem", &kit("leaf_key"));
    let with_path = |p: &PathBuf| {
        let mut o = opts(&["localhost"], None);
        o.key = Some(Source::Path(p.clone()));
        o.warn_days = 7;
        run(&kit("fullchain"), &o)
    };
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let findings = with_path(&path);
    let f = one(&findings, LintCode::KeyFilePermissions, Severity::Warning, None);
    assert!(f.message.contains("0644"), "{f}");
    assert!(f.fix.contains("chmod 600"), "{f}");
    assert!(!has(&findings, LintCode::KeyMismatch), "{}", dump(&findings));

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let findings = with_path(&path);
    assert!(problems(&findings).is_empty(), "{}", dump(&findings));
    let _ = std::fs::remove_file(&path);
}

// --- the chain -------------------------------------------------------------------------------

#[test]
fn leaf_alone_with_aia_misses_its_intermediate() {
    let findings = run(&kit("leaf_cert"), &opts(&["localhost"], None));
    let f = one(&findings, LintCode::ChainMissingIntermediate, Severity::Error, Some(0));
    assert!(f.message.contains("tlsguard Test Intermediate CA"), "{f}");
    assert!(f.message.contains("/pki/intermediate.der"), "{f}");
    assert!(f.fix.contains("fullchain"), "{f}");
}

#[test]
fn missing_intermediate_judgement_without_aia() {
    // Leaf directly under a root, sent alone: fine.
    let r = root("Lint Root CA");
    let (leaf, _) = issue(leaf_params("a.example", &["a.example"]), &r);
    let findings = run(&pem(&[&leaf]), &opts(&[], None));
    assert!(!has(&findings, LintCode::ChainMissingIntermediate), "{}", dump(&findings));

    // Leaf under an intermediate, sent alone: the intermediate is missing.
    let p = pki();
    let (leaf, _) = issue(leaf_params("a.example", &["a.example"]), &p.inter);
    let findings = run(&pem(&[&leaf]), &opts(&[], None));
    let f = one(&findings, LintCode::ChainMissingIntermediate, Severity::Error, Some(0));
    assert!(f.message.contains("CN=Lint Issuing CA"), "{f}");

    // With the intermediate (whose issuer, the root, is not sent): complete.
    let findings = run(&pem(&[&leaf, p.inter.der()]), &opts(&[], None));
    assert!(problems(&findings).is_empty(), "{}", dump(&findings));
}

#[test]
fn included_root_is_info() {
    let bundle = cat(&[&kit("fullchain"), &kit("root_ca")]);
    let mut o = opts(&["localhost"], Some(kit("leaf_key")));
    o.warn_days = 7;
    let findings = run(&bundle, &o);
    let f = one(&findings, LintCode::ChainIncludesRoot, Severity::Info, Some(2));
    assert!(f.message.contains("tlsguard Test Root CA"), "{f}");
    assert!(problems(&findings).is_empty(), "{}", dump(&findings));
}

#[test]
fn certificates_out_of_issuing_order() {
    // leaf, root, intermediate.
    let bundle = cat(&[&kit("leaf_cert"), &kit("root_ca"), &kit("intermediate_ca")]);
    let findings = run(&bundle, &opts(&[], None));
    let f = one(&findings, LintCode::ChainOrder, Severity::Error, Some(0));
    assert!(f.message.contains("issued by certificate #2"), "{f}");
    assert!(f.fix.contains("#0, #2, #1"), "{f}");
    one(&findings, LintCode::ChainIncludesRoot, Severity::Info, Some(1));
    assert!(!has(&findings, LintCode::ChainUnrelatedCert), "{}", dump(&findings));
    // Errors come first.
    assert_eq!(findings[0].code, LintCode::ChainOrder);
}

#[test]
fn ca_before_the_leaf() {
    let bundle = cat(&[&kit("intermediate_ca"), &kit("leaf_cert")]);
    let findings = run(&bundle, &opts(&["localhost"], Some(kit("leaf_key"))));
    let f = one(&findings, LintCode::LeafNotFirst, Severity::Error, Some(1));
    assert!(f.message.contains("certificate #0 (CN=tlsguard Test Intermediate CA"), "{f}");
    // The leaf is still found: its key, names and issuer are right.
    for code in [
        LintCode::CaAsLeaf,
        LintCode::KeyMismatch,
        LintCode::HostnameNotCovered,
        LintCode::ChainUnrelatedCert,
        LintCode::ChainMissingIntermediate,
    ] {
        assert!(!has(&findings, code), "{code}:{}", dump(&findings));
    }
}

#[test]
fn unrelated_and_duplicate_certificates() {
    let bundle = cat(&[&kit("fullchain"), &kit("untrusted_intermediate_ca"), &kit("intermediate_ca")]);
    let findings = run(&bundle, &opts(&[], None));
    let f = one(&findings, LintCode::ChainUnrelatedCert, Severity::Warning, Some(2));
    assert!(f.message.contains("tlsguard Untrusted Intermediate CA"), "{f}");
    let f = one(&findings, LintCode::DuplicateCert, Severity::Warning, Some(3));
    assert!(f.message.contains("copy of certificate #1"), "{f}");
    assert!(!has(&findings, LintCode::ChainOrder), "{}", dump(&findings));
}

#[test]
fn intermediate_with_the_right_name_but_another_key() {
    let p = pki();
    let (leaf, _) = issue(leaf_params("a.example", &["a.example"]), &p.inter);
    let rekeyed = intermediate("Lint Issuing CA", &p.root);
    let findings = run(&pem(&[&leaf, rekeyed.der()]), &opts(&[], None));
    let f = one(&findings, LintCode::ChainUnrelatedCert, Severity::Warning, Some(1));
    assert!(f.message.contains("its key did not sign it"), "{f}");
    one(&findings, LintCode::ChainMissingIntermediate, Severity::Error, Some(0));
}

#[test]
fn issuer_that_is_not_a_ca() {
    let r = root("Lint Root CA");
    let mut p = leaf_params("not-a-ca.example", &["not-a-ca.example"]);
    p.key_usages.push(KeyUsagePurpose::KeyCertSign);
    let fake = CertifiedIssuer::signed_by(p, KeyPair::generate().unwrap(), &r).unwrap();
    let (leaf, _) = issue(leaf_params("a.example", &["a.example"]), &fake);
    let findings = run(&pem(&[&leaf, fake.der()]), &opts(&[], None));
    let f = one(&findings, LintCode::IssuerNotCa, Severity::Error, Some(1));
    assert!(f.message.contains("not-a-ca.example"), "{f}");
}

// --- validity --------------------------------------------------------------------------------

#[test]
fn expired_not_yet_valid_and_expiring_soon() {
    let findings = run(&kit("server_expired_chain"), &opts(&[], None));
    let f = one(&findings, LintCode::Expired, Severity::Error, Some(0));
    assert!(f.message.contains("expired on") && f.message.contains("1 day ago"), "{f}");

    let findings = run(&kit("server_not_yet_valid_chain"), &opts(&[], None));
    let f = one(&findings, LintCode::NotYetValid, Severity::Error, Some(0));
    assert!(f.message.contains("UTC") && f.message.contains("in 2 days"), "{f}");

    // The kit's leaf is valid for 30 days from its creation: an hour later it is inside the
    // default 30-day threshold (`at` pins the time: the test must not depend on how fast it runs).
    let leaf = tlsguard::Certificate::from_pem(&kit("fullchain")).unwrap();
    let mut soon = opts(&[], None);
    soon.at = Some(leaf.not_after - 30 * 86_400 + 3_600);
    let findings = run(&kit("fullchain"), &soon);
    let f = one(&findings, LintCode::ExpiresSoon, Severity::Warning, Some(0));
    assert!(f.message.contains("29 days left"), "{f}");

    // `at`: two days after the leaf's notAfter (the intermediate is still fine).
    let mut o = opts(&[], None);
    o.at = Some(leaf.not_after + 2 * 86_400);
    let findings = run(&kit("fullchain"), &o);
    let f = one(&findings, LintCode::Expired, Severity::Error, Some(0));
    assert!(f.message.contains(&tlsguard::cert::format_time(leaf.not_after)), "{f}");
    assert!(f.message.contains("2 days ago"), "{f}");
    assert!(!findings.iter().any(|f| f.certificate == Some(1) && f.code == LintCode::Expired));
}

#[test]
fn any_certificate_of_the_bundle_is_checked_for_dates() {
    let r = root("Lint Root CA");
    let mut ip = ca_params("Lint Expiring CA", false);
    ip.not_after = now() + 10 * day();
    let inter = CertifiedIssuer::signed_by(ip, KeyPair::generate().unwrap(), &r).unwrap();
    let (leaf, _) = issue(leaf_params("a.example", &["a.example"]), &inter);
    let findings = run(&pem(&[&leaf, inter.der()]), &opts(&[], None));
    let f = one(&findings, LintCode::ExpiresSoon, Severity::Warning, Some(1));
    assert!(f.message.contains("Lint Expiring CA") && f.message.contains("days left"), "{f}");
}

#[test]
fn long_validity_leaf() {
    let p = pki();
    let mut lp = leaf_params("a.example", &["a.example"]);
    lp.not_after = lp.not_before + 825 * day();
    let (leaf, _) = issue(lp, &p.inter);
    let findings = run(&pem(&[&leaf, p.inter.der()]), &opts(&[], None));
    let f = one(&findings, LintCode::LongValidity, Severity::Warning, Some(0));
    assert!(f.message.contains("825 days") && f.message.contains("398"), "{f}");
    assert!(f.fix.contains("private CA may ignore"), "{f}");

    let mut lp = leaf_params("a.example", &["a.example"]);
    lp.not_after = lp.not_before + 397 * day();
    let (leaf, _) = issue(lp, &p.inter);
    assert!(!has(&run(&pem(&[&leaf, p.inter.der()]), &opts(&[], None)), LintCode::LongValidity));
}

// --- names -----------------------------------------------------------------------------------

#[test]
fn host_names_not_covered() {
    let findings = run(&kit("server_wrong_host_chain"), &opts(&["localhost", "wrong.example"], None));
    let f = one(&findings, LintCode::HostnameNotCovered, Severity::Error, Some(0));
    assert!(f.message.contains("does not cover localhost") && f.message.contains("DNS:wrong.example"), "{f}");

    // IP addresses: 127.0.0.1 is listed, 127.0.0.2 and ::1 are not.
    let findings = run(&kit("fullchain"), &opts(&["127.0.0.1", "127.0.0.2", "[::1]"], None));
    let misses: Vec<&Finding> = findings.iter().filter(|f| f.code == LintCode::HostnameNotCovered).collect();
    assert_eq!(misses.len(), 2, "{}", dump(&findings));
    assert!(misses[0].message.contains("127.0.0.2") && misses[0].message.contains("IP:127.0.0.1"));
    assert!(misses[1].message.contains("::1"));

    // Wildcards cover exactly one label.
    let p = pki();
    let (leaf, _) = issue(leaf_params("*.example.com", &["*.example.com"]), &p.inter);
    let findings =
        run(&pem(&[&leaf, p.inter.der()]), &opts(&["a.example.com", "a.b.example.com", "example.com"], None));
    let misses: Vec<&str> = findings
        .iter()
        .filter(|f| f.code == LintCode::HostnameNotCovered)
        .map(|f| f.message.split("does not cover ").nth(1).unwrap().split(':').next().unwrap())
        .collect();
    assert_eq!(misses, ["a.b.example.com", "example.com"], "{}", dump(&findings));
}

#[test]
fn cn_only_certificate_has_no_san() {
    let findings = run(&kit("server_cn_only_chain"), &opts(&["localhost"], None));
    let f = one(&findings, LintCode::NoSan, Severity::Error, Some(0));
    assert!(f.message.contains("its CN is localhost"), "{f}");
    let f = one(&findings, LintCode::HostnameNotCovered, Severity::Error, Some(0));
    assert!(f.message.contains("its names are none"), "{f}");
    assert!(!has(&findings, LintCode::CnNotInSan));
}

#[test]
fn cn_missing_from_san() {
    let p = pki();
    let (leaf, _) = issue(leaf_params("www.example.com", &["example.com"]), &p.inter);
    let findings = run(&pem(&[&leaf, p.inter.der()]), &opts(&["example.com"], None));
    let f = one(&findings, LintCode::CnNotInSan, Severity::Warning, Some(0));
    assert!(f.message.contains("www.example.com") && f.message.contains("DNS:example.com"), "{f}");
}

// --- the leaf's purpose ----------------------------------------------------------------------

#[test]
fn ca_certificate_as_leaf() {
    let findings = run(&kit("server_ca_as_leaf_chain"), &opts(&["localhost"], None));
    let f = one(&findings, LintCode::CaAsLeaf, Severity::Error, Some(0));
    assert!(f.message.contains("CA:TRUE"), "{f}");
    assert!(!has(&findings, LintCode::LeafNotFirst), "{}", dump(&findings));
}

#[test]
fn client_only_eku() {
    let findings = run(&kit("server_client_auth_eku_chain"), &opts(&["localhost"], None));
    let f = one(&findings, LintCode::EkuNotServerAuth, Severity::Error, Some(0));
    assert!(f.message.contains("clientAuth"), "{f}");
}

#[test]
fn self_signed_leaf() {
    let findings = run(&kit("self_signed"), &opts(&["localhost"], Some(kit("self_signed_key"))));
    one(&findings, LintCode::SelfSignedLeaf, Severity::Warning, Some(0));
    for code in [
        LintCode::MissingAki,
        LintCode::ChainMissingIntermediate,
        LintCode::ChainIncludesRoot,
        LintCode::KeyMismatch,
        LintCode::WeakSignature,
    ] {
        assert!(!has(&findings, code), "{code}:{}", dump(&findings));
    }
}

// --- algorithms ------------------------------------------------------------------------------

#[test]
fn sha1_signed_leaf() {
    let bundle = cat(&[&kit("server_sha1_signed_cert"), &kit("intermediate_ca")]);
    let findings = run(&bundle, &opts(&["localhost"], Some(kit("server_sha1_signed_key"))));
    let f = one(&findings, LintCode::WeakSignature, Severity::Error, Some(0));
    assert!(f.message.contains("SHA-1"), "{f}");
    // The intermediate is still recognised as its issuer (SHA-1 ECDSA cannot be verified here).
    assert!(
        !has(&findings, LintCode::ChainUnrelatedCert) && !has(&findings, LintCode::KeyMismatch),
        "{}",
        dump(&findings)
    );
}

// --- extensions ------------------------------------------------------------------------------

#[test]
fn missing_key_identifiers() {
    let p = pki();
    let mut lp = leaf_params("a.example", &["a.example"]);
    lp.is_ca = IsCa::NoCa; // rcgen writes no subjectKeyIdentifier then
    lp.use_authority_key_identifier_extension = false;
    let (leaf, _) = issue(lp, &p.inter);
    let findings = run(&pem(&[&leaf, p.inter.der()]), &opts(&[], None));
    let f = one(&findings, LintCode::MissingSki, Severity::Info, Some(0));
    assert!(f.message.contains("VERIFY_X509_STRICT"), "{f}");
    let f = one(&findings, LintCode::MissingAki, Severity::Warning, Some(0));
    assert!(f.message.contains("authorityKeyIdentifier"), "{f}");
}

#[test]
fn ca_with_non_critical_basic_constraints_and_no_ski() {
    let r = root("Lint Root CA");
    let mut cp = CertificateParams::default();
    cp.distinguished_name = dn("Lint Lax CA");
    cp.is_ca = IsCa::NoCa; // no rcgen basicConstraints / SKI: add our own, not critical
    cp.custom_extensions = vec![CustomExtension::from_oid_content(&[2, 5, 29, 19], vec![0x30, 0x03, 0x01, 0x01, 0xff])];
    cp.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    cp.not_before = now() - day();
    cp.not_after = now() + 500 * day();
    cp.use_authority_key_identifier_extension = true;
    let lax = CertifiedIssuer::signed_by(cp, KeyPair::generate().unwrap(), &r).unwrap();
    let (leaf, _) = issue(leaf_params("a.example", &["a.example"]), &lax);
    let findings = run(&pem(&[&leaf, lax.der()]), &opts(&["a.example"], None));
    let f = one(&findings, LintCode::CaBasicConstraintsNotCritical, Severity::Warning, Some(1));
    assert!(f.message.contains("Lint Lax CA") && f.message.contains("Python >= 3.13"), "{f}");
    let f = one(&findings, LintCode::MissingSki, Severity::Warning, Some(1));
    assert!(f.message.contains("(CA)"), "{f}");
    assert!(!has(&findings, LintCode::IssuerNotCa) && !has(&findings, LintCode::MissingAki), "{}", dump(&findings));
}

// --- scale -----------------------------------------------------------------------------------

#[test]
fn a_thousand_certificates_lint_in_bounded_time() {
    let p = pki();
    let (leaf, _) = issue(leaf_params("a.example", &["a.example"]), &p.inter);
    // 998 certificates from the same root, one shared key (fast to make), all unrelated to the leaf.
    let shared = KeyPair::generate().unwrap();
    let mut ders = vec![leaf, p.inter.der().clone()];
    for n in 0..998 {
        let cert = leaf_params(&format!("other{n}.example"), &[]).signed_by(&shared, &p.root).unwrap();
        ders.push(cert.der().clone());
    }
    let refs: Vec<&CertificateDer<'_>> = ders.iter().collect();
    let started = std::time::Instant::now();
    let findings = run(&pem(&refs), &opts(&["a.example"], None));
    eprintln!("1000 certificates linted in {:?}", started.elapsed());
    assert_eq!(findings.iter().filter(|f| f.code == LintCode::ChainUnrelatedCert).count(), 998);
    assert_eq!(findings.iter().filter(|f| f.code == LintCode::NoSan).count(), 0, "only the leaf is checked for names");

    // 1,000 copies of the same intermediate after the leaf: duplicates, no blow-up.
    let mut copies = ders[..2].to_vec();
    copies.extend(std::iter::repeat_n(p.inter.der().clone(), 998));
    let refs: Vec<&CertificateDer<'_>> = copies.iter().collect();
    let findings = run(&pem(&refs), &opts(&[], None));
    assert_eq!(findings.iter().filter(|f| f.code == LintCode::DuplicateCert).count(), 998);
    assert_eq!(codes(&findings).len(), 998, "{}", dump(&findings[..3]));
}
