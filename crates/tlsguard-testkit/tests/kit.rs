//! End-to-end checks of the kit with a plain tokio-rustls client and the
//! `openssl` CLI (never the `tlsguard` crate): the servers present what the
//! scenarios claim, and the manifest is complete.

mod common;

use std::collections::BTreeSet;
use std::net::TcpStream as StdTcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{Client, get, request_over, rustls_error};
use tlsguard_testkit::{Kit, Manifest, pin_of_spki};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// Debug text of the handshake/request error against `server` (panics on success).
async fn failure(client: &Client, host: &str, port: u16) -> String {
    match get(client, host, port, "/").await {
        Ok(r) => panic!("expected a failure on port {port}, got status {}", r.status),
        Err(e) => match rustls_error(&e) {
            Some(re) => format!("{re:?}"),
            None => format!("io: {e:?}"),
        },
    }
}

#[test]
fn good_server_answers_and_negotiates() {
    let kit = common::start("good");
    rt().block_on(async {
        let client = Client::new(&kit);
        let r = get(&client, "localhost", kit.port("good"), "/").await.expect("good handshake");
        assert_eq!(r.status, 200);
        assert!(String::from_utf8_lossy(&r.body).contains("hello from tlsguard-testkit"));
        assert_eq!(r.alpn.as_deref(), Some(&b"http/1.1"[..]));

        // by IP address (IP SAN)
        let r = get(&client, "127.0.0.1", kit.port("good"), "/").await.expect("good by IP");
        assert_eq!(r.status, 200);

        // ALPN h2 is offered by the server
        let mut h2 = Client::new(&kit);
        h2.alpn = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let tcp = TcpStream::connect(("127.0.0.1", kit.port("good"))).await.unwrap();
        let connector = tokio_rustls::TlsConnector::from(h2.config());
        let tls = connector.connect(rustls_pki_types::ServerName::try_from("localhost").unwrap(), tcp).await.unwrap();
        assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));

        // TLS version pinning of the tls12_only / tls13_only servers
        let r = get(&client, "localhost", kit.port("tls12_only"), "/").await.unwrap();
        assert_eq!(r.tls_version, Some(rustls::ProtocolVersion::TLSv1_2));
        let r = get(&client, "localhost", kit.port("tls13_only"), "/").await.unwrap();
        assert_eq!(r.tls_version, Some(rustls::ProtocolVersion::TLSv1_3));
        let mut only13 = Client::new(&kit);
        only13.versions = vec![&rustls::version::TLS13];
        let e = failure(&only13, "localhost", kit.port("tls12_only")).await;
        assert!(e.contains("ProtocolVersion"), "{e}");

        // the revoked leaf is fine without CRLs
        let r = get(&client, "localhost", kit.port("revoked"), "/").await.unwrap();
        assert_eq!(r.status, 200);
    });
    common::finish(kit);
}

#[test]
fn certificate_scenarios_fail_as_described() {
    let kit = common::start("certs");
    rt().block_on(async {
        let client = Client::new(&kit);
        // server -> what webpki (through rustls) reports
        let cases = [
            ("expired", "Expired"),
            ("not_yet_valid", "NotValidYet"),
            ("wrong_host", "NotValidForName"),
            ("cn_only", "NotValidForName"),
            ("self_signed", "UnknownIssuer"),
            ("ca_as_leaf", "CaUsedAsEndEntity"),
            ("untrusted_root", "UnknownIssuer"),
            ("missing_intermediate", "UnknownIssuer"),
            ("client_auth_eku", "InvalidPurpose"),
            ("name_constrained", "NameConstraintViolation"),
            ("sha1_signed", "UnsupportedSignatureAlgorithm"),
            ("rsa1024", ""),
            ("tls10_only", "ProtocolVersion"),
            ("tls11_only", "ProtocolVersion"),
            ("cbc_only", "HandshakeFailure"),
            ("mtls", "CertificateRequired"),
        ];
        for (server, want) in cases {
            let e = failure(&client, "localhost", kit.port(server)).await;
            eprintln!("{server:22} -> {e}");
            assert!(e.contains(want), "{server}: expected {want:?} in {e}");
        }

        // revoked: with the intermediate's CRL
        let mut with_crl = Client::new(&kit);
        with_crl.crls = vec![kit.pki("crl")];
        let e = failure(&with_crl, "localhost", kit.port("revoked")).await;
        assert!(e.contains("Revoked"), "{e}");
        // ... and the CRL does not revoke the good leaf
        let r = get(&with_crl, "localhost", kit.port("good"), "/").await.unwrap();
        assert_eq!(r.status, 200);

        // the missing intermediate is served at the leaf's AIA URL
        let plain = kit.plain_url("/pki/intermediate.der");
        let der = std::fs::read(kit.pki("intermediate_ca_der")).unwrap();
        let got = http_get_plain(&plain).await;
        assert!(got.ends_with(&der), "plain server serves the intermediate DER");
    });
    common::finish(kit);
}

/// Tiny HTTP/1.0 GET for the plain server.
async fn http_get_plain(url: &str) -> Vec<u8> {
    let rest = url.strip_prefix("http://").unwrap();
    let (authority, path) = rest.split_at(rest.find('/').unwrap());
    let mut s = TcpStream::connect(authority).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: {authority}\r\n\r\n").as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    out
}

#[test]
fn expired_leaf_is_in_the_past_and_dates_match_the_manifest() {
    let kit = common::start("expired");
    let chain = common::certs(&kit.pki("server_expired_chain"));
    let (_, leaf) = x509_parser::parse_x509_certificate(&chain[0]).unwrap();
    let not_after = leaf.validity().not_after.timestamp();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!(not_after < now, "expired leaf notAfter {not_after} is not in the past ({now})");
    let date = leaf.validity().not_after.to_datetime().date();
    let ymd = format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day());
    assert_eq!(kit.scenario("expired").expect.message_contains, vec![ymd.clone()]);
    assert_eq!(kit.scenario("pin_only_expired").expect.message_contains, vec![ymd]);

    // And the server really presents it: rustls sees notAfter < now.
    rt().block_on(async {
        let e = failure(&Client::new(&kit), "localhost", kit.port("expired")).await;
        assert!(e.contains("ExpiredContext"), "{e}");
    });

    let chain = common::certs(&kit.pki("server_not_yet_valid_chain"));
    let (_, leaf) = x509_parser::parse_x509_certificate(&chain[0]).unwrap();
    assert!(leaf.validity().not_before.timestamp() > now);
    let date = leaf.validity().not_before.to_datetime().date();
    let ymd = format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day());
    assert_eq!(kit.scenario("not_yet_valid").expect.message_contains, vec![ymd]);
    common::finish(kit);
}

#[test]
fn openssl_tls10_server_refuses_tls12() {
    let kit = common::start("tls10");
    let port = kit.port("tls10_only");
    let connect = format!("127.0.0.1:{port}");
    let run = |extra: &[&str]| {
        Command::new("openssl")
            .args(["s_client", "-connect", &connect, "-servername", "localhost"])
            .args(extra)
            .stdin(Stdio::null())
            .output()
            .expect("openssl s_client runs")
    };
    let out = run(&["-tls1_2"]);
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "TLS 1.2 handshake must fail: {text}");
    assert!(text.contains("Cipher is (NONE)"), "no cipher was negotiated: {text}");
    // ...while TLS 1.0 works, so the server really is up.
    let out = run(&["-tls1", "-cipher", "DEFAULT@SECLEVEL=0"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Protocol  : TLSv1\n"), "TLS 1.0 handshake works: {text}");
    common::finish(kit);
}

#[test]
fn connect_proxy_tunnels_to_loopback_only() {
    let kit = common::start("proxy");
    assert_eq!(kit.proxy_connects(), 0);
    rt().block_on(async {
        let proxy = ("127.0.0.1", kit.port("proxy"));
        let mut tcp = TcpStream::connect(proxy).await.unwrap();
        let target = format!("localhost:{}", kit.port("good"));
        tcp.write_all(format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n").as_bytes()).await.unwrap();
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut b = [0u8; 1];
            assert_eq!(tcp.read(&mut b).await.unwrap(), 1, "proxy closed early");
            head.push(b[0]);
        }
        assert!(head.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&head));
        let r = request_over(&Client::new(&kit), tcp, "localhost", "/").await.expect("TLS through the tunnel");
        assert_eq!(r.status, 200);

        for (req, want) in [
            ("CONNECT example.com:443 HTTP/1.1\r\n\r\n", "HTTP/1.1 403"),
            ("GET http://127.0.0.1/ HTTP/1.1\r\n\r\n", "HTTP/1.1 405"),
        ] {
            let mut tcp = TcpStream::connect(proxy).await.unwrap();
            tcp.write_all(req.as_bytes()).await.unwrap();
            let mut out = Vec::new();
            tcp.read_to_end(&mut out).await.unwrap();
            assert!(out.starts_with(want.as_bytes()), "{req:?} -> {}", String::from_utf8_lossy(&out));
        }
    });
    assert_eq!(kit.proxy_connects(), 1);
    common::finish(kit);
}

#[test]
fn mtls_accepts_every_key_format_of_the_test_client() {
    let kit = common::start("mtls");
    rt().block_on(async {
        for (cert, key) in [
            ("client_cert", "client_key_pkcs8"),
            ("client_cert", "client_key_sec1"),
            ("client_cert_rsa", "client_key_pkcs1"),
        ] {
            let mut c = Client::new(&kit);
            c.client_auth = Some((kit.pki(cert), kit.pki(key)));
            let r = get(&c, "localhost", kit.port("mtls"), "/").await.unwrap_or_else(|e| panic!("{key}: {e}"));
            assert_eq!(r.status, 200, "{key}");
        }
        let mut c = Client::new(&kit);
        c.client_auth = Some((kit.pki("client_cert_untrusted"), kit.pki("client_key_untrusted")));
        let e = failure(&c, "localhost", kit.port("mtls")).await;
        assert!(e.contains("UnknownCA") || e.contains("BadCertificate"), "{e}");
    });
    // The encrypted key decrypts with the documented password.
    let out = Command::new("openssl")
        .args(["pkey", "-passin", "pass:secret", "-in"])
        .arg(kit.pki("client_key_encrypted"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(kit.pki("client_key_encrypted")).unwrap();
    assert!(text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    assert!(
        std::fs::read_to_string(kit.pki("client_key_pkcs1")).unwrap().starts_with("-----BEGIN RSA PRIVATE KEY-----")
    );
    assert!(std::fs::read_to_string(kit.pki("client_key_sec1")).unwrap().starts_with("-----BEGIN EC PRIVATE KEY-----"));
    common::finish(kit);
}

fn spki_pin(cert_der: &[u8]) -> String {
    let (_, c) = x509_parser::parse_x509_certificate(cert_der).unwrap();
    pin_of_spki(c.tbs_certificate.subject_pki.raw)
}

#[test]
fn pins_match_the_certificates() {
    let kit = common::start("pins");
    let pins = |name: &str| -> Vec<String> {
        kit.scenario(name).options["pins"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
    };
    let good = common::certs(&kit.pki("server_good_chain"));
    assert_eq!(pins("pin_leaf_match"), vec![spki_pin(&good[0])]);
    assert_eq!(pins("pin_match"), vec![spki_pin(&good[1])]);
    let ss = common::certs(&kit.pki("self_signed"));
    assert_eq!(pins("pin_only_self_signed"), vec![spki_pin(&ss[0])]);
    assert_eq!(pins("pin_only_wrong_host"), vec![spki_pin(&ss[0])]);
    let sse = common::certs(&kit.pki("server_self_signed_expired_chain"));
    assert_eq!(pins("pin_only_expired"), vec![spki_pin(&sse[0])]);
    let unrelated = pins("pin_mismatch");
    assert!(!unrelated.contains(&spki_pin(&good[0])) && !unrelated.contains(&spki_pin(&good[1])));
    for name in ["pin_only_self_signed", "pin_only_wrong_host", "pin_only_expired"] {
        assert!(!kit.scenario(name).options.contains_key("ca_file"), "{name} is pin-only");
    }
    common::finish(kit);
}

#[test]
fn manifest_is_written_and_complete() {
    let kit = common::start("manifest");
    let written = Manifest::load(&kit.dir().join("manifest.json")).expect("manifest.json parses");
    assert_eq!(written.version, tlsguard_testkit::MANIFEST_VERSION);
    assert_eq!(written.dir, kit.dir().display().to_string());
    assert_eq!(written.scenarios.len(), kit.manifest().scenarios.len());

    let errors: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/errors.json")).unwrap(),
    )
    .unwrap();
    let codes: BTreeSet<String> =
        errors["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap().to_string()).collect();

    let mut names = BTreeSet::new();
    for s in &written.scenarios {
        assert!(names.insert(s.name.clone()), "duplicate scenario {}", s.name);
        assert!(s.url.starts_with("https://") || s.url.starts_with("http://"), "{}: {}", s.name, s.url);
        assert!(!s.description.is_empty(), "{}", s.name);
        match (&s.expect.code, s.expect.status) {
            (Some(code), None) => assert!(codes.contains(code), "{}: unknown code {code}", s.name),
            (None, Some(_)) => {}
            other => panic!("{}: needs exactly one of code/status, has {other:?}", s.name),
        }
        if let Some(ca) = s.options.get("ca_file") {
            assert!(std::path::Path::new(ca.as_str().unwrap()).is_file(), "{}", s.name);
        }
        for key in ["client_cert", "client_key"] {
            if let Some(p) = s.options.get(key) {
                assert!(std::path::Path::new(p.as_str().unwrap()).is_file(), "{}: {key}", s.name);
            }
        }
    }
    for required in [
        "good",
        "good_ip",
        "good_h2",
        "good_h1",
        "tls12_only",
        "tls13_only",
        "min_tls13_vs_tls12",
        "expired",
        "not_yet_valid",
        "wrong_host",
        "cn_only",
        "self_signed",
        "ca_as_leaf",
        "untrusted_root",
        "missing_intermediate",
        "rsa1024",
        "client_auth_eku",
        "name_constrained",
        "revoked",
        "revoked_no_crl",
        "crl_out_of_date",
        "client_cert_required",
        "client_cert_ok",
        "client_cert_pkcs1",
        "client_cert_sec1",
        "client_cert_encrypted",
        "client_cert_untrusted",
        "pin_match",
        "pin_leaf_match",
        "pin_mismatch",
        "pin_only_self_signed",
        "pin_only_wrong_host",
        "pin_only_expired",
        "insecure_url",
        "allow_http",
        "redirect_to_http",
        "redirect_loop",
        "redirect_limit",
        "redirect_ok",
        "slow",
        "huge",
        "gzip_bomb",
        "gzip",
        "deflate",
        "br",
        "chunked",
        "connect_refused",
        "tls10_only",
        "tls11_only",
        "cbc_only",
        "sha1_signed",
        "via_proxy",
    ] {
        assert!(names.contains(required), "missing scenario {required}");
    }
    for (name, path) in &written.pki {
        assert!(std::path::Path::new(path).is_file(), "pki {name}: {path}");
    }
    // Every scenario server accepts TCP connections (or, for connect_refused, refuses them).
    for s in &written.scenarios {
        let authority = s.url.split("://").nth(1).unwrap().split('/').next().unwrap();
        let port: u16 = authority.rsplit(':').next().unwrap().parse().unwrap();
        let ok = StdTcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(2)).is_ok();
        assert_eq!(ok, s.name != "connect_refused", "{}: {}", s.name, s.url);
    }
    common::finish(kit);
}

#[test]
fn drop_stops_every_server() {
    let kit = common::start("drop");
    let ports: Vec<u16> = ["good", "plain", "proxy", "tls10_only", "sha1_signed", "rsa1024", "cbc_only"]
        .iter()
        .map(|s| kit.port(s))
        .collect();
    common::finish(kit);
    std::thread::sleep(Duration::from_millis(200));
    for port in ports {
        assert!(
            StdTcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(500)).is_err(),
            "port {port} still accepts after drop"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kit_can_be_started_and_dropped_inside_an_async_test() {
    let kit = common::start("async");
    let r = get(&Client::new(&kit), "localhost", kit.port("good"), "/").await.unwrap();
    assert_eq!(r.status, 200);
    common::finish(kit); // dropping must not panic inside a runtime
}

#[test]
fn url_helper_panics_on_unknown_scenario() {
    let kit: Kit = common::start("url");
    assert!(kit.url("good").starts_with("https://localhost:"));
    assert_eq!(kit.url("good_ip"), format!("https://127.0.0.1:{}/", kit.port("good")));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| kit.url("no_such_scenario")));
    assert!(r.is_err());
    common::finish(kit);
}

#[test]
fn start_temp_removes_its_directory() {
    let kit = Kit::start_temp().expect("kit starts");
    let dir = kit.dir().to_path_buf();
    assert!(dir.join("manifest.json").is_file());
    drop(kit);
    assert!(!dir.exists(), "{} removed on drop", dir.display());
}
