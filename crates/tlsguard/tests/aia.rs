//! `fetch_missing_intermediates`: the intermediate a server omits is fetched from the leaf's
//! CA-issuers URL (served by the test kit on 127.0.0.1), used only as an untrusted intermediate,
//! and the result records that the server omits it.

use tlsguard::{Client, ClientOptions, Code, Roots, VerifyOptions, verify_chain};
use tlsguard_testkit::Kit;

fn client(kit: &Kit, fetch: bool) -> Client {
    let mut opts = serde_json::Value::Object(kit.scenario("missing_intermediate").options.clone());
    opts["use_env"] = false.into();
    opts["fetch_missing_intermediates"] = fetch.into();
    Client::new(ClientOptions::from_json(&opts).unwrap()).unwrap()
}

#[test]
fn client_fetches_the_missing_intermediate_and_says_so() {
    let kit = Kit::start_temp().unwrap();
    let url = kit.url("missing_intermediate");
    let err = client(&kit, false).get(&url).send_blocking().unwrap_err();
    assert_eq!(err.code(), Code::CertIncompleteChain);

    let r = client(&kit, true).get(&url).send_blocking().unwrap();
    assert_eq!(r.status(), 200);
    let warnings = &r.tls().unwrap().warnings;
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("omits the intermediate certificate 'tlsguard Test Intermediate CA'"),
        "{}",
        warnings[0]
    );
    assert!(warnings[0].contains("/pki/intermediate.der"), "{}", warnings[0]);
    // The server still sent only its leaf.
    assert_eq!(r.peer_certificates().len(), 1);
}

#[test]
fn offline_verification_fetches_too_but_never_trusts_what_it_fetched() {
    let kit = Kit::start_temp().unwrap();
    let full = std::fs::read(kit.pki("fullchain")).unwrap();
    let leaf = tlsguard::parse_certificates(&full).unwrap()[0].to_pem();
    let mut o = VerifyOptions::default();
    o.trust.roots = Roots::None;
    o.trust.use_env = false;
    o.trust.ca_files = vec![kit.pki("root_ca")];
    o.hostname = Some("localhost".into());
    o.fetch_missing_intermediates = true;
    let report = verify_chain(leaf.as_bytes(), &o).unwrap();
    assert!(report.ok, "{:?}", report.error);
    assert_eq!(report.path.len(), 2);
    assert_eq!(report.warnings.len(), 1);

    // Trusting another root: the fetched intermediate is no anchor, and it leads to a root
    // that is not trusted.
    o.trust.ca_files = vec![kit.pki("untrusted_root_ca")];
    let report = verify_chain(leaf.as_bytes(), &o).unwrap();
    let err = report.error.expect("refused");
    assert_eq!(err.code(), Code::CertUnknownIssuer, "{err}");
    assert!(err.message().contains("'tlsguard Test Root CA', which is not a trusted root"), "{err}");
}
