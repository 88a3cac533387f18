//! Live server inspection and the protocol audit against the test kit's servers.

use std::sync::OnceLock;
use std::time::Duration;

use tlsguard::inspect::{InspectOptions, audit, inspect, inspect_async};
use tlsguard::{Code, Roots, TlsVersion};
use tlsguard_testkit::Kit;

/// One kit for the whole file (its openssl children are killed by the kit's watchdog when the
/// test process exits).
fn kit() -> &'static Kit {
    static KIT: OnceLock<Kit> = OnceLock::new();
    KIT.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("tlsguard-inspect-{}", std::process::id()));
        Kit::start(&dir).expect("test kit starts")
    })
}

fn options(server: &str) -> InspectOptions {
    let mut o = InspectOptions::default();
    o.port = kit().port(server);
    o.trust.roots = Roots::None;
    o.trust.ca_files = vec![kit().pki("root_ca")];
    o.trust.use_env = false;
    o.connect_timeout = Duration::from_secs(5);
    o.timeout = Duration::from_secs(10);
    o
}

fn code(r: &tlsguard::inspect::ServerReport) -> Option<&'static str> {
    r.verdict.as_ref().map(|e| e.code().as_str())
}

#[test]
fn good_server_verifies_and_answers() {
    let r = inspect("localhost", &options("good")).expect("inspect");
    assert!(r.verdict.is_none(), "{:?}", r.verdict);
    assert!(r.is_verified());
    assert_eq!(r.host, "localhost");
    assert_eq!(r.port, kit().port("good"));
    assert_eq!(r.address, format!("127.0.0.1:{}", kit().port("good")));
    assert_eq!(r.tls_version, Some(TlsVersion::Tls13));
    assert!(r.cipher_suite.as_deref().is_some_and(|s| s.starts_with("TLS13_")), "{:?}", r.cipher_suite);
    assert!(matches!(r.alpn.as_deref(), Some("h2") | Some("http/1.1")), "{:?}", r.alpn);
    assert_eq!(r.chain.len(), 2, "{:?}", r.chain.iter().map(|c| &c.subject).collect::<Vec<_>>());
    assert!(r.chain[0].dns_names.iter().any(|d| d == "localhost"));
    assert!(r.chain[1].is_ca);
    assert!(r.chain_complete);
    assert!(r.chain_ordered);
    assert!(!r.ocsp_stapled);
    assert_eq!(r.http_status, Some(200));
    assert_eq!(r.http_version.as_deref(), Some(if r.alpn.as_deref() == Some("h2") { "HTTP/2" } else { "HTTP/1.1" }));
    assert_eq!(r.hsts, None);
    assert!(r.insecure_cookies.is_empty());
    assert!(r.http_error.is_none(), "{:?}", r.http_error);
    let days = r.leaf_days_remaining.expect("leaf days");
    assert!(days > 0, "{days}");
    let (subject, soonest) = r.soonest_expiry.clone().expect("soonest expiry");
    assert!(soonest <= days);
    assert!(!subject.is_empty());
    assert!(r.audit.is_none());
}

#[test]
fn cookies_without_secure_are_listed() {
    let mut o = options("good");
    o.path = "/headers".into();
    let r = inspect("localhost", &o).expect("inspect");
    assert_eq!(r.http_status, Some(200));
    assert_eq!(r.insecure_cookies, vec!["a".to_owned(), "b".to_owned()]);
    assert_eq!(r.hsts, None);
}

#[test]
fn no_http_request_when_disabled() {
    let mut o = options("good");
    o.http_request = false;
    let r = inspect("127.0.0.1", &o).expect("inspect");
    assert!(r.verdict.is_none(), "{:?}", r.verdict);
    assert_eq!(r.http_status, None);
    assert_eq!(r.host, "127.0.0.1");
}

#[test]
fn tls12_only_server_reports_tls12() {
    let r = inspect("localhost", &options("tls12_only")).expect("inspect");
    assert!(r.verdict.is_none(), "{:?}", r.verdict);
    assert_eq!(r.tls_version, Some(TlsVersion::Tls12));
    assert!(r.cipher_suite.as_deref().is_some_and(|s| s.starts_with("TLS_ECDHE_")), "{:?}", r.cipher_suite);
    assert_eq!(r.http_status, Some(200));
}

#[test]
fn expired_certificate_is_the_verdict() {
    let r = inspect("localhost", &options("expired")).expect("inspect does not fail on certificates");
    assert_eq!(code(&r), Some("CERT_EXPIRED"));
    let e = r.verdict.as_ref().expect("verdict");
    for part in &kit().scenario("expired").expect.message_contains {
        assert!(e.message().contains(part.as_str()), "{} lacks {part}", e.message());
    }
    assert!(r.leaf_days_remaining.expect("days") < 0);
    assert!(r.tls_version.is_some());
    assert!(r.cipher_suite.is_some());
    assert!(!r.chain.is_empty());
    // No request is sent over a refused connection.
    assert_eq!(r.http_status, None);
}

#[test]
fn verdict_matches_what_a_request_says() {
    for (server, scenario) in [("expired", "expired"), ("wrong_host", "wrong_host"), ("self_signed", "self_signed")] {
        let r = inspect("localhost", &options(server)).expect("inspect");
        let verdict = r.verdict.expect("verdict");
        let mut co = tlsguard::ClientOptions::default();
        co.trust.roots = Roots::None;
        co.trust.ca_files = vec![kit().pki("root_ca")];
        co.trust.use_env = false;
        co.proxy = Some(String::new());
        let client = tlsguard::Client::new(co).expect("client");
        let err = client.get(&kit().url(scenario)).send_blocking().expect_err("request refused");
        assert_eq!(verdict.code(), err.code(), "{server}");
        assert_eq!(verdict.message(), err.message(), "{server}");
        assert_eq!(verdict.hint(), err.hint(), "{server}");
    }
}

#[test]
fn missing_intermediate_is_incomplete() {
    let r = inspect("localhost", &options("missing_intermediate")).expect("inspect");
    assert_eq!(code(&r), Some("CERT_INCOMPLETE_CHAIN"));
    assert_eq!(r.chain.len(), 1);
    assert!(!r.chain_complete);
    assert!(r.chain_ordered);
}

#[test]
fn wrong_host_is_a_hostname_mismatch() {
    let r = inspect("localhost", &options("wrong_host")).expect("inspect");
    assert_eq!(code(&r), Some("CERT_HOSTNAME_MISMATCH"));
    assert!(r.verdict.as_ref().is_some_and(|e| e.message().contains("wrong.example")));
    assert!(r.chain_complete);
}

#[test]
fn untrusted_root_chain_is_complete_but_refused() {
    let r = inspect("localhost", &options("untrusted_root")).expect("inspect");
    assert_eq!(code(&r), Some("CERT_UNKNOWN_ISSUER"));
    assert_eq!(r.chain.len(), 3);
    assert!(r.chain_complete);
    assert!(r.chain_ordered);
}

#[test]
fn tls10_only_is_a_protocol_version_error() {
    let e = inspect("localhost", &options("tls10_only")).expect_err("refused");
    assert_eq!(e.code(), Code::TlsProtocolVersion, "{e:?}");
    assert!(e.message().contains("TLSv1.0"), "{}", e.message());
}

#[test]
fn cbc_only_is_a_cipher_error() {
    let e = inspect("localhost", &options("cbc_only")).expect_err("refused");
    assert_eq!(e.code(), Code::TlsNoSharedCipher, "{e:?}");
    assert!(e.message().contains("CBC"), "{}", e.message());
}

#[test]
fn connection_refused_is_connect() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    let mut o = options("good");
    o.port = port;
    let e = inspect("127.0.0.1", &o).expect_err("refused");
    assert_eq!(e.code(), Code::Connect, "{e:?}");
    let e = audit("127.0.0.1", &o).expect_err("refused");
    assert_eq!(e.code(), Code::Connect, "{e:?}");
}

#[test]
fn bad_input_is_invalid_argument() {
    let o = options("good");
    for host in ["", "local host", " localhost", "https://localhost/", "localhost:443"] {
        let e = inspect(host, &o).expect_err(host);
        assert_eq!(e.code(), Code::InvalidArgument, "{host:?}: {e:?}");
    }
    let mut p0 = options("good");
    p0.port = 0;
    assert_eq!(inspect("localhost", &p0).expect_err("port 0").code(), Code::InvalidArgument);
    assert_eq!(audit("localhost", &p0).expect_err("port 0").code(), Code::InvalidArgument);
}

#[test]
fn async_inspection_from_a_runtime() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
    let r = rt.block_on(async { inspect_async("localhost", &options("good")).await }).expect("inspect");
    assert!(r.verdict.is_none());
    // The blocking call refuses to block a runtime.
    let e = rt.block_on(async { inspect("localhost", &options("good")) }).expect_err("inside a runtime");
    assert_eq!(e.code(), Code::InvalidArgument);
}

#[test]
fn audit_of_the_rustls_server() {
    let mut o = options("good");
    o.audit = true;
    let r = inspect("localhost", &o).expect("inspect");
    let a = r.audit.expect("audit");
    assert!(!a.accepts_version(TlsVersion::Tls10), "{a:?}");
    assert!(!a.accepts_version(TlsVersion::Tls11), "{a:?}");
    assert!(a.accepts_version(TlsVersion::Tls12), "{a:?}");
    assert!(a.accepts_version(TlsVersion::Tls13), "{a:?}");
    assert_eq!(a.versions.len(), 4);
    assert_eq!(a.legacy_suites.len(), 5);
    assert!(a.legacy_suites.iter().all(|s| !s.accepted), "{a:?}");
    assert!(a.legacy_suites.iter().all(|s| s.probed_with == Some(TlsVersion::Tls12)), "{a:?}");
}

#[test]
fn audit_of_tls13_only() {
    let a = audit("localhost", &options("tls13_only")).expect("audit");
    let accepted: Vec<&str> = a.versions.iter().filter(|v| v.accepted).map(|v| v.version.as_str()).collect();
    assert_eq!(accepted, vec!["TLSv1.3"], "{a:?}");
    assert!(a.legacy_suites.iter().all(|s| !s.accepted && s.probed_with.is_none()), "{a:?}");
}

#[test]
fn audit_of_tls10_only() {
    let a = audit("localhost", &options("tls10_only")).expect("audit");
    assert!(a.accepts_version(TlsVersion::Tls10), "{a:?}");
    assert!(!a.accepts_version(TlsVersion::Tls11), "{a:?}");
    assert!(!a.accepts_version(TlsVersion::Tls12), "{a:?}");
    assert!(!a.accepts_version(TlsVersion::Tls13), "{a:?}");
    assert!(a.legacy_suites.iter().all(|s| s.probed_with == Some(TlsVersion::Tls10)), "{a:?}");
    assert!(a.accepts_suites("CBC"), "{a:?}");
}

#[test]
fn audit_of_tls11_only() {
    let a = audit("localhost", &options("tls11_only")).expect("audit");
    assert!(a.accepts_version(TlsVersion::Tls11), "{a:?}");
    assert!(!a.accepts_version(TlsVersion::Tls10), "{a:?}");
    assert!(!a.accepts_version(TlsVersion::Tls12), "{a:?}");
    assert!(!a.accepts_version(TlsVersion::Tls13), "{a:?}");
}

#[test]
fn audit_of_cbc_only() {
    let a = audit("localhost", &options("cbc_only")).expect("audit");
    assert!(a.accepts_version(TlsVersion::Tls12), "{a:?}");
    assert!(!a.accepts_version(TlsVersion::Tls13), "{a:?}");
    assert!(!a.accepts_version(TlsVersion::Tls10), "{a:?}");
    assert!(a.accepts_suites("CBC"), "{a:?}");
    assert!(a.accepts_suites("RSA key exchange"), "{a:?}");
    assert!(!a.accepts_suites("3DES"), "{a:?}");
    assert!(!a.accepts_suites("RC4"), "{a:?}");
    let cbc = a.legacy_suites.iter().find(|s| s.category == "CBC").expect("cbc");
    assert!(cbc.suite.as_deref().is_some_and(|s| s.starts_with("TLS_RSA_WITH_AES_")), "{cbc:?}");
}

// --- GnuTLS servers (gnutls-serv): the same diagnosis on another TLS stack ---------------------

#[test]
fn audit_of_gnutls_tls11_only() {
    let a = audit("localhost", &options("gnutls_tls11_only")).expect("audit");
    let accepted: Vec<&str> = a.versions.iter().filter(|v| v.accepted).map(|v| v.version.as_str()).collect();
    assert_eq!(accepted, vec!["TLSv1.1"], "{a:?}");
    // GnuTLS answers the TLS 1.2 probe (which offers CBC suites too) with a TLS 1.1 ServerHello.
    let v12 = a.versions.iter().find(|v| v.version == TlsVersion::Tls12).expect("1.2");
    assert!(v12.detail.starts_with("ServerHello TLSv1.1 "), "{v12:?}");
    assert!(a.legacy_suites.iter().all(|s| s.probed_with == Some(TlsVersion::Tls11)), "{a:?}");
    assert!(a.accepts_suites("CBC"), "{a:?}");
}

#[test]
fn audit_of_gnutls_ffdhe_and_rsa_kex() {
    let a = audit("localhost", &options("gnutls_ffdhe_only")).expect("audit");
    assert!(a.accepts_version(TlsVersion::Tls12) && !a.accepts_version(TlsVersion::Tls13), "{a:?}");
    let dhe = a.legacy_suites.iter().find(|s| s.category == "DHE key exchange").expect("dhe");
    assert!(dhe.accepted && dhe.suite.as_deref().is_some_and(|s| s.starts_with("TLS_DHE_RSA_WITH_")), "{dhe:?}");
    assert!(!a.accepts_suites("RSA key exchange"), "{a:?}");

    let a = audit("localhost", &options("gnutls_rsa_kex_only")).expect("audit");
    assert!(a.accepts_suites("RSA key exchange"), "{a:?}");
    assert!(!a.accepts_suites("CBC") && !a.accepts_suites("DHE key exchange"), "{a:?}");
}

#[test]
fn inspect_of_gnutls_tls10_only_names_the_version() {
    // GnuTLS refuses rustls' ClientHello with handshake_failure, yet the code is the version's.
    let e = inspect("localhost", &options("gnutls_tls10_only")).expect_err("refused");
    assert_eq!(e.code(), Code::TlsProtocolVersion, "{e}");
    assert!(e.message().ends_with("the server accepts only TLSv1.0"), "{e}");
}

#[test]
fn audit_time_is_bounded_by_connect_timeout() {
    // A server that accepts TCP but never answers: each probe phase ends at connect_timeout.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let mut o = options("good");
    o.port = silent.local_addr().expect("addr").port();
    o.connect_timeout = Duration::from_millis(300);
    let started = std::time::Instant::now();
    let a = audit("127.0.0.1", &o).expect("audit");
    let took = started.elapsed();
    assert!(took < Duration::from_millis(2 * 300 + 400), "took {took:?}");
    assert!(a.versions.iter().all(|v| !v.accepted && v.detail == "no answer before the timeout"), "{a:?}");
    assert!(a.legacy_suites.iter().all(|s| s.probed_with.is_none()), "{a:?}");
    drop(silent);
}

#[test]
fn mtls_without_a_certificate_is_the_verdict() {
    let r = inspect("localhost", &options("mtls")).expect("inspect");
    // TLS 1.3: the refusal comes after the handshake, with the request (alert or inferred).
    assert_eq!(code(&r), Some("TLS_CLIENT_CERT_REQUIRED"), "{:?} {:?}", r.verdict, r.http_error);
    assert_eq!(r.http_status, None);
    assert_eq!(r.chain.len(), 2);
}

#[test]
fn mtls_with_a_certificate_answers() {
    let mut o = options("mtls");
    o.identity = Some(tlsguard::ClientIdentity::new(
        tlsguard::Source::Path(kit().pki("client_cert")),
        tlsguard::Source::Path(kit().pki("client_key_pkcs8")),
        None,
    ));
    let r = inspect("localhost", &o).expect("inspect");
    assert!(r.verdict.is_none(), "{:?}", r.verdict);
    assert_eq!(r.http_status, Some(200));
}

#[test]
fn request_options_min_tls_and_fetching_apply_to_inspection() {
    // min_tls 1.3 against the TLS 1.2-only server: refused like a request.
    let mut o = options("tls12_only");
    o.min_tls = tlsguard::MinTls::Tls13;
    let err = inspect("localhost", &o).unwrap_err();
    assert_eq!(err.code(), Code::TlsProtocolVersion, "{err}");

    // The omitted intermediate is fetched from the leaf's AIA URL (on 127.0.0.1: only with
    // aia_allow_private): verified, with a warning.
    let mut o = options("missing_intermediate");
    o.fetch_missing_intermediates = true;
    let r = inspect("localhost", &o).unwrap();
    let refused = r.verdict.expect("the AIA URL is on loopback");
    assert_eq!(refused.code(), Code::CertIncompleteChain);
    assert!(refused.message().contains("127.0.0.1 is not a public address"), "{refused}");
    o.aia_allow_private = true;
    let r = inspect("localhost", &o).unwrap();
    assert!(r.verdict.is_none(), "{:?}", r.verdict);
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert!(r.warnings[0].contains("tlsguard Test Intermediate CA"));
    assert_eq!(r.chain.len(), 1, "the report shows the chain as sent");
    let o = InspectOptions::from_json(
        &serde_json::json!({"min_tls": "1.3", "fetch_missing_intermediates": true, "aia_allow_private": true}),
    )
    .unwrap();
    assert!(o.fetch_missing_intermediates && o.aia_allow_private);
}
