//! Offline verification gives the same verdict as a request to the server presenting the chain.

use tlsguard::{Code, Roots, TrustOptions, VerifyOptions, verify_chain};
use tlsguard_testkit::Kit;

fn opts(kit: &Kit, host: &str) -> VerifyOptions {
    let mut o = VerifyOptions::default();
    o.trust = TrustOptions::default();
    o.trust.roots = Roots::None;
    o.trust.use_env = false;
    o.trust.ca_files = vec![kit.pki("root_ca")];
    o.hostname = Some(host.into());
    o
}

#[test]
fn offline_verdicts_match_the_scenarios() {
    let kit = Kit::start_temp().unwrap();
    let full = std::fs::read(kit.pki("fullchain")).unwrap();
    let ok = verify_chain(&full, &opts(&kit, "localhost")).unwrap();
    assert!(ok.ok, "{:?}", ok.error);
    assert_eq!(ok.path.len(), 2);
    assert_eq!(ok.path[0].display_name(), "localhost");

    let wrong = verify_chain(&full, &opts(&kit, "example.org")).unwrap();
    assert_eq!(wrong.error.unwrap().code(), Code::CertHostnameMismatch);

    // The leaf alone: the intermediate is missing.
    let leaf = tlsguard::parse_certificates(&full).unwrap()[0].to_pem();
    let missing = verify_chain(leaf.as_bytes(), &opts(&kit, "localhost")).unwrap();
    let err = missing.error.unwrap();
    assert_eq!(err.code(), Code::CertIncompleteChain, "{err}");
    assert!(err.message().contains("tlsguard Test Intermediate CA"));

    // Validation time after the leaf's notAfter: expired, and the message gives the date.
    let mut later = opts(&kit, "localhost");
    later.at = Some(ok.path[0].not_after + 86_400 * 2);
    let err = verify_chain(&full, &later).unwrap().error.unwrap();
    assert_eq!(err.code(), Code::CertExpired);
    assert!(err.message().contains("2 days ago"), "{err}");
}

#[test]
fn bad_input_is_an_error_not_a_verdict() {
    let o = VerifyOptions::default();
    assert_eq!(verify_chain(b"not a certificate", &o).unwrap_err().code(), Code::InvalidPem);
    let kit = Kit::start_temp().unwrap();
    let full = std::fs::read(kit.pki("fullchain")).unwrap();
    let mut bad_host = opts(&kit, "bad host name!");
    assert_eq!(verify_chain(&full, &bad_host).unwrap_err().code(), Code::InvalidArgument);
    bad_host.hostname = None;
    bad_host.at = Some(-5);
    assert_eq!(verify_chain(&full, &bad_host).unwrap_err().code(), Code::InvalidArgument);
}

#[test]
fn trust_report_counts_every_source() {
    let kit = Kit::start_temp().unwrap();
    let mut o = tlsguard::ClientOptions::default();
    o.trust.roots = Roots::Mozilla;
    o.trust.use_env = false;
    o.trust.ca_files = vec![kit.pki("root_ca")];
    o.trust.pins =
        vec![tlsguard::Certificate::from_pem(&std::fs::read(kit.pki("root_ca")).unwrap()).unwrap().spki_pin.clone()];
    let client = tlsguard::Client::new(o).unwrap();
    let report = client.trust_report();
    assert_eq!(report.roots, "mozilla");
    assert_eq!(report.sources.len(), 2);
    assert_eq!(report.sources[0].kind, "mozilla");
    assert!(report.sources[0].loaded > 100);
    assert_eq!(report.sources[1].kind, "ca_file");
    assert_eq!(report.sources[1].loaded, 1);
    assert_eq!(report.total, report.sources[0].loaded + 1);
    assert_eq!(report.pins, 1);
    assert!(!report.pin_only);
    // Pinning the root's key: the good server's chain ends at that root, so the pin matches.
    let r = client.get(&kit.good_url("/")).send_blocking().unwrap();
    assert_eq!(r.status(), 200);
}

#[test]
fn a_closed_client_refuses_requests() {
    let kit = Kit::start_temp().unwrap();
    let mut o = tlsguard::ClientOptions::default();
    o.trust.roots = Roots::None;
    o.trust.use_env = false;
    o.trust.ca_files = vec![kit.pki("root_ca")];
    let client = tlsguard::Client::new(o).unwrap();
    assert_eq!(client.get(&kit.good_url("/")).send_blocking().unwrap().status(), 200);
    client.close();
    assert!(client.is_closed());
    let err = client.get(&kit.good_url("/")).send_blocking().unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().contains("closed"), "{err}");
}

#[test]
fn der_chains_verify_like_pem_chains() {
    let kit = Kit::start_temp().unwrap();
    let certs = tlsguard::parse_certificates(&std::fs::read(kit.pki("fullchain")).unwrap()).unwrap();
    let ders: Vec<&[u8]> = certs.iter().map(|c| c.der().as_ref()).collect();
    let report = tlsguard::verify_chain_der(&ders, &opts(&kit, "localhost")).unwrap();
    assert!(report.ok, "{:?}", report.error);
    let report = tlsguard::verify_chain_der(&ders[..1], &opts(&kit, "localhost")).unwrap();
    assert_eq!(report.error.unwrap().code(), Code::CertIncompleteChain);
    assert!(matches!(tlsguard::Source::from_path_or_pem("ca_file", "/a/b.pem").unwrap(), tlsguard::Source::Path(_)));
    assert!(matches!(
        tlsguard::Source::from_path_or_pem("ca_file", "-----BEGIN CERTIFICATE-----\n").unwrap(),
        tlsguard::Source::Bytes(_)
    ));
}

#[test]
fn request_options_by_name_and_send_many() {
    use serde_json::json;
    let kit = Kit::start_temp().unwrap();
    let mut o = tlsguard::ClientOptions::default();
    o.trust.roots = Roots::None;
    o.trust.use_env = false;
    o.trust.ca_files = vec![kit.pki("root_ca")];
    let client = tlsguard::Client::new(o).unwrap();
    let r = client
        .post(&kit.good_url("/echo"))
        .options_json(&json!({"headers": {"x-a": ["1", "2"]}, "query": [["q", "v w"]], "json": {"k": 1}, "timeout": 5}))
        .send_blocking()
        .unwrap();
    let echo = r.json().unwrap();
    assert_eq!(echo["headers"]["x-a"], json!(["1", "2"]));
    assert_eq!(echo["query"], json!("q=v+w"));
    assert_eq!(echo["body"], json!("{\"k\":1}"));
    let r = client
        .post(&kit.good_url("/echo"))
        .options_json(&json!({"form": {"a": 1, "b": true}, "headers": []}))
        .send_blocking()
        .unwrap();
    assert_eq!(r.json().unwrap()["body"], json!("a=1&b=true"));
    for bad in [
        json!({"verify": false}),
        json!({"query": 5}),
        json!({"timeout": -1}),
        json!({"body": 3}),
        json!("x"),
        json!({"json": 1, "form": {"a": 1}}),
    ] {
        let e = client.get(&kit.good_url("/")).options_json(&bad).send_blocking().unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument, "{bad}: {e}");
    }

    // Many at once, in order, a failure in its own slot.
    let mut requests: Vec<tlsguard::Request> =
        (0..20).map(|i| client.get(&kit.good_url(&format!("/status/{}", 200 + i)))).collect();
    requests.push(client.get("http://insecure.example/"));
    let results = client.send_many_blocking(requests, 4);
    assert_eq!(results.len(), 21);
    for (i, r) in results[..20].iter().enumerate() {
        assert_eq!(r.as_ref().unwrap().status(), 200 + i as u16);
    }
    assert_eq!(results[20].as_ref().unwrap_err().code(), Code::InsecureUrl);
    assert_eq!(tlsguard::versions().rustls.split('.').next(), Some("0"));
    let ok = results[0].as_ref().unwrap();
    assert!(ok.error_for_status().is_ok());
    let missing = client.get(&kit.good_url("/status/404")).send_blocking().unwrap();
    let e = missing.error_for_status().unwrap_err();
    assert_eq!(e.code(), Code::HttpStatus);
    assert!(e.message().starts_with("404 Not Found (client error)"), "{e}");
    assert!(missing.header_names().iter().all(|n| n.chars().all(|c| !c.is_ascii_uppercase())));
}

/// The facts of offline refusals, exactly: the time of the check is the `at` asked for.
#[test]
fn offline_refusals_carry_their_facts() {
    use tlsguard::Detail;
    let kit = Kit::start_temp().unwrap();
    let full = std::fs::read(kit.pki("fullchain")).unwrap();
    let leaf = tlsguard::parse_certificates(&full).unwrap().remove(0);

    let mut later = opts(&kit, "localhost");
    later.at = Some(leaf.not_after + 10);
    let err = verify_chain(&full, &later).unwrap().error.unwrap();
    let want = Detail::Expired { subject: leaf.subject.clone(), not_after: leaf.not_after, now: leaf.not_after + 10 };
    assert_eq!(err.detail(), Some(&want));

    let mut earlier = opts(&kit, "localhost");
    earlier.at = Some(leaf.not_before - 10);
    let err = verify_chain(&full, &earlier).unwrap().error.unwrap();
    let want =
        Detail::NotYetValid { subject: leaf.subject.clone(), not_before: leaf.not_before, now: leaf.not_before - 10 };
    assert_eq!(err.detail(), Some(&want));

    let err = verify_chain(&full, &opts(&kit, "example.org")).unwrap().error.unwrap();
    let mut presented = leaf.dns_names.clone();
    presented.extend(leaf.ip_addresses.iter().map(|ip| ip.to_string()));
    assert_eq!(err.detail(), Some(&Detail::HostnameMismatch { expected: "example.org".into(), presented }));
    assert!(err.detail().unwrap().fields().iter().any(|(k, _)| *k == "presented"));

    // An intermediate with the real one's name, issued under a root with the real root's name
    // but another key: the leaf's signature does not verify with its key.
    use rcgen::{BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair};
    let name = |cn: &str| {
        let mut d = DistinguishedName::new();
        d.push(DnType::OrganizationName, tlsguard_testkit::pki::ORG);
        d.push(DnType::CommonName, cn);
        d
    };
    let ca = |cn: &str| {
        let mut p = CertificateParams::default();
        p.distinguished_name = name(cn);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p
    };
    let key = KeyPair::generate().unwrap();
    let root_params = ca(tlsguard_testkit::pki::ROOT_CN);
    let fake_root = Issuer::from_params(&root_params, &key);
    let forged = ca(tlsguard_testkit::pki::INTERMEDIATE_CN).signed_by(&key, &fake_root).unwrap();
    let chain = format!("{}{}", leaf.to_pem(), forged.pem());
    let err = verify_chain(chain.as_bytes(), &opts(&kit, "localhost")).unwrap().error.unwrap();
    assert_eq!(err.code(), Code::CertBadSignature, "{err}");
    match err.detail() {
        Some(Detail::BadSignature { subject, issuer }) => {
            assert_eq!(subject, &leaf.subject);
            assert!(issuer.contains(tlsguard_testkit::pki::INTERMEDIATE_CN), "{issuer}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_prepared_verifier_gives_verify_chains_verdicts_for_each_host_and_time() {
    let kit = Kit::start_temp().unwrap();
    let full = std::fs::read(kit.pki("fullchain")).unwrap();
    let mut o = opts(&kit, "ignored.example");
    // The verifier keeps the trust and the policy; hostname and time are per call.
    let verifier = tlsguard::Verifier::new(&o).unwrap();
    o.hostname = Some("localhost".into());
    let ok = verifier.verify(&full, Some("localhost"), None).unwrap();
    assert!(ok.ok, "{:?}", ok.error);
    assert_eq!(ok.path.len(), 2);
    assert_eq!(ok.path[0].fingerprint_sha256, verify_chain(&full, &o).unwrap().path[0].fingerprint_sha256);
    let wrong = verifier.verify(&full, Some("example.org"), None).unwrap();
    assert_eq!(wrong.error.unwrap().code(), Code::CertHostnameMismatch);
    assert!(verifier.verify(&full, None, None).unwrap().ok, "no hostname: not checked");
    let expired = verifier.verify(&full, Some("localhost"), Some(ok.path[0].not_after + 86_400 * 2)).unwrap();
    assert_eq!(expired.error.unwrap().code(), Code::CertExpired);
    let leaf = tlsguard::parse_certificates(&full).unwrap()[0].to_pem();
    let missing = verifier.verify(leaf.as_bytes(), Some("localhost"), None).unwrap();
    assert_eq!(missing.error.unwrap().code(), Code::CertIncompleteChain);
    // DER input, and bad input as errors.
    let ders: Vec<Vec<u8>> = tlsguard::parse_certificates(&full).unwrap().iter().map(|c| c.der().to_vec()).collect();
    let refs: Vec<&[u8]> = ders.iter().map(Vec::as_slice).collect();
    assert!(verifier.verify_der(&refs, Some("localhost"), None).unwrap().ok);
    assert_eq!(verifier.verify(b"junk", None, None).unwrap_err().code(), Code::InvalidPem);
    assert_eq!(verifier.verify(&full, Some("bad host!"), None).unwrap_err().code(), Code::InvalidArgument);
    // Another trust: the kit's root is not in Mozilla's.
    let mozilla = tlsguard::Verifier::from_json(&serde_json::json!({"roots": "mozilla", "use_env": false})).unwrap();
    assert_eq!(mozilla.verify(&full, Some("localhost"), None).unwrap().error.unwrap().code(), Code::CertUnknownIssuer);
    // Per-call facts are refused as options, bad options as ever.
    let e = tlsguard::Verifier::from_json(&serde_json::json!({"hostname": "a.test"})).unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(e.message().contains("argument of verify()"), "{e}");
    assert_eq!(
        tlsguard::Verifier::from_json(&serde_json::json!({"rots": "none"})).unwrap_err().code(),
        Code::InvalidArgument
    );
}
