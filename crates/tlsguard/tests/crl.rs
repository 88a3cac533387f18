//! CRLs say what they did: an out-of-date CRL is CERT_REVOCATION_UNKNOWN (naming its issuer and
//! nextUpdate), a chain no CRL covers gets a warning, and pin-only trust refuses CRLs.

use std::sync::OnceLock;

use tlsguard::{ClientOptions, Code, Roots, Source, TrustOptions, VerifyOptions, verify_chain};
use tlsguard_testkit::Kit;
use tlsguard_testkit::pki::INTERMEDIATE_CN;

fn kit() -> &'static Kit {
    static KIT: OnceLock<Kit> = OnceLock::new();
    KIT.get_or_init(|| Kit::start_temp().expect("test kit"))
}

fn trust(crls: &[&str]) -> TrustOptions {
    let mut t = TrustOptions::default();
    t.roots = Roots::None;
    t.use_env = false;
    t.ca_files = vec![kit().pki("root_ca")];
    t.crls = crls.iter().map(|c| Source::Path(kit().pki(c))).collect();
    t
}

fn verify(crls: &[&str], at: Option<i64>) -> tlsguard::ChainReport {
    let mut o = VerifyOptions::default();
    o.trust = trust(crls);
    o.hostname = Some("localhost".into());
    o.at = at;
    verify_chain(&std::fs::read(kit().pki("fullchain")).unwrap(), &o).unwrap()
}

/// nextUpdate of a CRL file, Unix seconds.
fn next_update(name: &str) -> i64 {
    use x509_parser::prelude::{FromDer, parse_x509_pem};
    let pem = std::fs::read(kit().pki(name)).unwrap();
    let (_, pem) = parse_x509_pem(&pem).unwrap();
    let (_, crl) = x509_parser::revocation_list::CertificateRevocationList::from_der(&pem.contents).unwrap();
    crl.next_update().unwrap().timestamp()
}

/// `2026-12-01 18:00:00 UTC`, as messages write a date.
fn utc_text(unix: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(unix).unwrap();
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[test]
fn an_out_of_date_crl_is_revocation_unknown_naming_issuer_and_date() {
    let due = next_update("crl_expired");
    let report = verify(&["crl_expired"], None);
    let err = report.error.expect("an out-of-date CRL must not be used silently");
    assert_eq!(err.code(), Code::CertRevocationUnknown, "{err}");
    assert!(err.message().contains(&format!("the supplied CRL of '{INTERMEDIATE_CN}' is out of date")), "{err}");
    assert!(err.message().contains(&utc_text(due)), "{err}");
    assert!(err.message().contains("certificate for localhost"), "{err}");
    assert!(err.hint().contains("Fetch a current CRL"), "{err}");
    // The trust report already says so when the CRL is loaded.
    let r = tlsguard::trust_report(&trust(&["crl_expired"])).unwrap();
    assert!(r.warnings.iter().any(|w| w.contains("out of date") && w.contains(INTERMEDIATE_CN)), "{:?}", r.warnings);
}

#[test]
fn a_crl_goes_out_of_date_while_the_client_lives() {
    // The current CRL verifies now, and is refused once the validation time passes its nextUpdate.
    let due = next_update("crl");
    let ok = verify(&["crl"], Some(due - 60));
    assert!(ok.ok, "{:?}", ok.error);
    let late = verify(&["crl"], Some(due + 60));
    assert_eq!(late.error.unwrap().code(), Code::CertRevocationUnknown);
    // The root's CRL covers the intermediate: out of date, it refuses too (the whole chain is checked).
    let mut o = VerifyOptions::default();
    o.trust = trust(&["crl_root"]);
    o.at = Some(next_update("crl_root") + 60);
    let full = std::fs::read(kit().pki("fullchain")).unwrap();
    let err = verify_chain(&full, &o).unwrap().error.unwrap();
    assert_eq!(err.code(), Code::CertRevocationUnknown);
    assert!(err.message().contains("intermediate certificate 'tlsguard Test Intermediate CA'"), "{err}");
    assert!(err.message().contains("CRL of 'tlsguard Test Root CA'"), "{err}");
    // An out-of-date CRL of a CA the chain does not pass through refuses nothing (but is reported).
    o.trust = trust(&["crl_foreign"]);
    o.at = Some(next_update("crl_foreign") + 60);
    let r = verify_chain(&full, &o).unwrap();
    assert!(r.ok, "{:?}", r.error);
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
}

#[test]
fn a_chain_no_crl_covers_gets_a_warning() {
    let covered = verify(&["crl"], None);
    assert!(covered.ok && covered.warnings.is_empty(), "{:?} {:?}", covered.error, covered.warnings);
    let foreign = verify(&["crl_foreign"], None);
    assert!(foreign.ok, "{:?}", foreign.error);
    let w = foreign.warnings.join("\n");
    assert!(
        w.contains("revocation status of the certificate for localhost was not checked")
            && w.contains("'tlsguard Untrusted Intermediate CA'")
            && w.contains(&format!("is from its issuer '{INTERMEDIATE_CN}'")),
        "{w}"
    );
    // The trust report lists each CRL and whether its issuer is a trusted root.
    let r = tlsguard::trust_report(&trust(&["crl_foreign", "crl_root"])).unwrap();
    let lines = r.summary_lines().join("\n");
    assert!(
        lines.contains("CRL of 'tlsguard Untrusted Intermediate CA' (not a trusted root: applies to chains through an intermediate of that name): 0 revoked"),
        "{lines}"
    );
    assert!(lines.contains("CRL of 'tlsguard Test Root CA' (a trusted root)"), "{lines}");
}

#[test]
fn a_request_no_crl_covers_says_so_in_its_tls_warnings() {
    let mut o = ClientOptions::default();
    o.trust = trust(&["crl_foreign"]);
    let client = tlsguard::Client::new(o).unwrap();
    let r = client.get(&kit().good_url("/")).send_blocking().unwrap();
    let w = &r.tls().unwrap().warnings;
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("revocation status of the certificate for localhost was not checked"), "{}", w[0]);
    let mut o = ClientOptions::default();
    o.trust = trust(&["crl"]);
    let r = tlsguard::Client::new(o).unwrap().get(&kit().good_url("/")).send_blocking().unwrap();
    assert!(r.tls().unwrap().warnings.is_empty(), "{:?}", r.tls().unwrap().warnings);
}

#[test]
fn pin_only_trust_refuses_crls() {
    // Pinning the revoked leaf's key with its CRL: refused when the client is built, never a
    // silent acceptance of a revoked certificate.
    let chain = std::fs::read(kit().pki("server_revoked_chain")).unwrap();
    let leaf = tlsguard::parse_certificates(&chain).unwrap().remove(0);
    let mut o = ClientOptions::default();
    o.trust.roots = Roots::None;
    o.trust.use_env = false;
    o.trust.pins = vec![leaf.spki_pin.clone()];
    o.trust.crls = vec![Source::Path(kit().pki("crl"))];
    let err = tlsguard::Client::new(o.clone()).unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().contains("crls do not apply to pin-only trust"), "{err}");
    // The same pin with the CA: the CRL applies and the revoked leaf is refused.
    o.trust.ca_files = vec![kit().pki("root_ca")];
    let client = tlsguard::Client::new(o).unwrap();
    let err = client.get(&kit().url("revoked")).send_blocking().unwrap_err();
    assert_eq!(err.code(), Code::CertRevoked, "{err}");
}
