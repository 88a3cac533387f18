//! `fetch_missing_intermediates`: the intermediate a server omits is fetched from the leaf's
//! CA-issuers URL (served by the test kit on 127.0.0.1), used only as an untrusted intermediate,
//! and the result records that the server omits it. The fetch reaches only public addresses
//! unless `aia_allow_private` is set, says nothing about what the target answered, and runs
//! asynchronously within the connect timeout.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tlsguard::{Client, ClientOptions, Code, InspectOptions, Roots, VerifyOptions, verify_chain, verify_chain_der};
use tlsguard_testkit::Kit;

fn options(kit: &Kit, fetch: bool, allow_private: bool) -> serde_json::Value {
    let mut opts = serde_json::Value::Object(kit.scenario("missing_intermediate").options.clone());
    opts["use_env"] = false.into();
    opts["proxy"] = "".into();
    opts["fetch_missing_intermediates"] = fetch.into();
    opts["aia_allow_private"] = allow_private.into();
    opts
}

fn client(kit: &Kit, fetch: bool, allow_private: bool) -> Client {
    Client::new(ClientOptions::from_json(&options(kit, fetch, allow_private)).unwrap()).unwrap()
}

#[test]
fn client_fetches_the_missing_intermediate_and_says_so() {
    let kit = Kit::start_temp().unwrap();
    let url = kit.url("missing_intermediate");
    let err = client(&kit, false, true).get(&url).send_blocking().unwrap_err();
    assert_eq!(err.code(), Code::CertIncompleteChain);

    let client = client(&kit, true, true);
    for round in 0..2 {
        // The second request makes a new connection (keep-alive off): the client offers what it
        // fetched for this server at once, or resumes the TLS session; either way it warns.
        let r = client.get(&url).header("connection", "close").send_blocking().unwrap();
        assert_eq!(r.status(), 200);
        let warnings = &r.tls().unwrap().warnings;
        assert_eq!(warnings.len(), 1, "round {round}: {warnings:?}");
        assert!(
            warnings[0].contains("omits the intermediate certificate 'tlsguard Test Intermediate CA'"),
            "{}",
            warnings[0]
        );
        assert!(warnings[0].contains("/pki/intermediate.der"), "{}", warnings[0]);
        // The server still sent only its leaf.
        assert_eq!(r.peer_certificates().len(), 1);
    }
}

#[test]
fn the_kit_aia_url_on_loopback_needs_aia_allow_private() {
    let kit = Kit::start_temp().unwrap();
    let url = kit.url("missing_intermediate");
    let err = client(&kit, true, false).get(&url).send_blocking().unwrap_err();
    assert_eq!(err.code(), Code::CertIncompleteChain, "{err}");
    let aia = format!("http://127.0.0.1:{}/pki/intermediate.der", kit.port("plain"));
    assert!(
        err.message().contains(&format!(
            "could not fetch the intermediate from the CA issuers URL {aia}: 127.0.0.1 is not a public address (aia_allow_private allows it)"
        )),
        "{err}"
    );
    assert!(err.hint().contains("aia_allow_private"), "{}", err.hint());
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
    // Public addresses only by default: the kit serves it from 127.0.0.1.
    let report = verify_chain(leaf.as_bytes(), &o).unwrap();
    let err = report.error.expect("refused");
    assert_eq!(err.code(), Code::CertIncompleteChain, "{err}");
    assert!(err.message().contains("127.0.0.1 is not a public address"), "{err}");

    o.aia_allow_private = true;
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

/// What a canary answers: if it ever shows up in an error, the error is an oracle.
const CANARY_ANSWER: &str = "CANARY-7f3a internal admin panel";

/// A listener that counts connections and answers each with [`CANARY_ANSWER`].
struct Canary {
    addr: SocketAddr,
    accepts: Arc<AtomicUsize>,
}

impl Canary {
    fn start(bind: &str) -> Option<Canary> {
        let l = TcpListener::bind(bind).ok()?;
        let addr = l.local_addr().ok()?;
        let accepts = Arc::new(AtomicUsize::new(0));
        let count = accepts.clone();
        std::thread::spawn(move || {
            for mut s in l.incoming().flatten() {
                count.fetch_add(1, Ordering::SeqCst);
                let mut buf = [0u8; 2048];
                let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                let _ = s.read(&mut buf);
                let _ = write!(
                    s,
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{CANARY_ANSWER}",
                    CANARY_ANSWER.len()
                );
            }
        });
        Some(Canary { addr, accepts })
    }

    fn accepts(&self) -> usize {
        self.accepts.load(Ordering::SeqCst)
    }
}

#[test]
fn aia_urls_on_loopback_are_never_contacted_without_aia_allow_private() {
    let kit = Kit::start_temp().unwrap();
    let v4 = Canary::start("127.0.0.1:0").unwrap();
    let v6 = Canary::start("[::1]:0");
    if v6.is_none() {
        eprintln!("no IPv6 loopback here: the [::1] canary is skipped");
    }
    let p4 = v4.addr.port();
    let mut urls = vec![
        format!("http://127.0.0.1:{p4}/x?y=1"),
        format!("http://2130706433:{p4}/decimal"),
        format!("http://[::ffff:127.0.0.1]:{p4}/mapped"),
        // A name: resolved, then refused for its (loopback) addresses.
        format!("http://localhost:{p4}/by-name"),
    ];
    if let Some(c) = &v6 {
        urls.push(format!("http://[::1]:{}/v6", c.addr.port()));
        urls.push(format!("http://localhost:{}/by-name-v6", c.addr.port()));
    }
    let opts = options(&kit, true, false);
    let client = Client::new(ClientOptions::from_json(&opts).unwrap()).unwrap();
    for aia in &urls {
        let port = kit.start_leaf_only_server(aia).unwrap();
        let url = format!("https://localhost:{port}/");
        let err = client.get(&url).send_blocking().unwrap_err();
        assert_eq!(err.code(), Code::CertIncompleteChain, "{aia}: {err}");
        assert!(err.message().contains("could not fetch the intermediate from the CA issuers URL"), "{err}");
        assert!(!err.message().contains("CANARY"), "{err}");
        assert!(!err.message().to_lowercase().contains("refused"), "{err}");

        // The same leaf offline, and through inspect.
        let leaf = err.chain()[0].der().to_vec();
        let mut vo = VerifyOptions::default();
        vo.trust.roots = Roots::None;
        vo.trust.use_env = false;
        vo.trust.ca_files = vec![kit.pki("root_ca")];
        vo.fetch_missing_intermediates = true;
        let report = verify_chain_der(&[&leaf], &vo).unwrap();
        let e = report.error.expect("refused");
        assert_eq!(e.code(), Code::CertIncompleteChain, "{e}");
        assert!(!e.message().contains("CANARY"), "{e}");

        let mut io = InspectOptions::from_json(&serde_json::json!({
            "roots": "none", "use_env": false, "ca_file": kit.pki("root_ca").display().to_string(),
            "fetch_missing_intermediates": true, "http_request": false, "port": port,
        }))
        .unwrap();
        io.connect_timeout = Duration::from_secs(5);
        let report = tlsguard::inspect("localhost", &io).unwrap();
        let e = report.verdict.expect("refused");
        assert_eq!(e.code(), Code::CertIncompleteChain, "{e}");
        assert!(!e.message().contains("CANARY"), "{e}");
    }
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(v4.accepts(), 0, "the 127.0.0.1 canary was contacted");
    if let Some(c) = &v6 {
        assert_eq!(c.accepts(), 0, "the [::1] canary was contacted");
    }

    // With aia_allow_private the canary is contacted; its answer (not a certificate) still
    // does not reach the message.
    let allowing = client_with(&kit, true, true, 10.0);
    let port = kit.start_leaf_only_server(&urls[0]).unwrap();
    let err = allowing.get(&format!("https://localhost:{port}/")).send_blocking().unwrap_err();
    assert_eq!(err.code(), Code::CertIncompleteChain, "{err}");
    assert!(!err.message().contains("CANARY") && !err.message().contains("200"), "{err}");
    assert_eq!(v4.accepts(), 1);
}

fn client_with(kit: &Kit, fetch: bool, allow_private: bool, connect_timeout: f64) -> Client {
    let mut opts = options(kit, fetch, allow_private);
    opts["connect_timeout"] = connect_timeout.into();
    Client::new(ClientOptions::from_json(&opts).unwrap()).unwrap()
}

#[test]
fn a_black_hole_aia_server_costs_the_connect_timeout_and_blocks_no_one_else() {
    let kit = Kit::start_temp().unwrap();
    // Accepts and never answers (the connections are kept open).
    let hole = TcpListener::bind("127.0.0.1:0").unwrap();
    let hole_port = hole.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut kept: Vec<TcpStream> = Vec::new();
        for s in hole.incoming().flatten() {
            kept.push(s);
        }
    });
    let port = kit.start_leaf_only_server(&format!("http://127.0.0.1:{hole_port}/hang")).unwrap();
    let bad_url = format!("https://localhost:{port}/");
    let connect_timeout = 1.0;
    let client = client_with(&kit, true, true, connect_timeout);

    let bad: Vec<_> = (0..3)
        .map(|_| {
            let (client, url) = (client.clone(), bad_url.clone());
            std::thread::spawn(move || {
                let started = Instant::now();
                let r = client.get(&url).send_blocking();
                (r.map(|r| r.status()), started.elapsed())
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    // Meanwhile, requests to a healthy server on the same client (and its runtime) are prompt.
    for _ in 0..3 {
        let started = Instant::now();
        let r = client.get(&kit.url("missing_intermediate")).send_blocking().unwrap();
        assert_eq!(r.status(), 200);
        assert!(started.elapsed() < Duration::from_millis(500), "healthy request took {:?}", started.elapsed());
    }
    for b in bad {
        let (r, took) = b.join().unwrap();
        let err = r.unwrap_err();
        assert_eq!(err.code(), Code::CertIncompleteChain, "{err}");
        assert!(err.message().contains("could not fetch the intermediate"), "{err}");
        assert!(took < Duration::from_secs_f64(connect_timeout + 0.5), "took {took:?}");
        assert!(took >= Duration::from_secs_f64(connect_timeout - 0.1), "took {took:?}");
    }
}

/// A minimal HTTP proxy: `CONNECT 127.0.0.1:<port>` tunnels; `GET http://...` (absolute form)
/// is recorded and answered with `body`.
fn fake_proxy(body: Vec<u8>) -> (u16, Arc<std::sync::Mutex<Vec<String>>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            let (body, log) = (body.clone(), log.clone());
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && s.read(&mut byte).unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                log.lock().unwrap().push(head.clone());
                let line = head.lines().next().unwrap_or("").to_owned();
                if let Some(target) = line.strip_prefix("CONNECT ").and_then(|r| r.split(' ').next()) {
                    let Some(port) = target.strip_prefix("localhost:").and_then(|p| p.parse::<u16>().ok()) else {
                        return;
                    };
                    let Ok(up) = TcpStream::connect(("127.0.0.1", port)) else { return };
                    let _ = s.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                    let (mut a, mut b) = (s.try_clone().unwrap(), up.try_clone().unwrap());
                    let (mut s2, mut up2) = (s, up);
                    std::thread::spawn(move || std::io::copy(&mut a, &mut up2));
                    let _ = std::io::copy(&mut b, &mut s2);
                } else {
                    let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                    let _ = s.write_all(&body);
                }
            });
        }
    });
    (port, seen)
}

#[test]
fn with_a_proxy_the_fetch_goes_through_it_and_the_proxy_resolves_the_name() {
    let kit = Kit::start_temp().unwrap();
    let inter = std::fs::read(kit.pki("intermediate_ca_der")).unwrap();
    let (proxy_port, seen) = fake_proxy(inter);
    // A name only the proxy could resolve.
    let aia = "http://ca.example.invalid/issuer.der";
    let port = kit.start_leaf_only_server(aia).unwrap();
    let mut opts = options(&kit, true, false);
    opts["proxy"] = format!("http://127.0.0.1:{proxy_port}").into();
    let client = Client::new(ClientOptions::from_json(&opts).unwrap()).unwrap();
    let r = client.get(&format!("https://localhost:{port}/")).send_blocking().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.tls().unwrap().warnings.len(), 1, "{:?}", r.tls().unwrap().warnings);
    {
        let seen = seen.lock().unwrap();
        assert!(
            seen.iter().any(|h| h.starts_with("GET http://ca.example.invalid/issuer.der HTTP/1.1\r\n")
                && h.to_lowercase().contains("host: ca.example.invalid\r\n")),
            "{seen:?}"
        );
    }

    // A literal private address in the URL is still refused, proxy or not.
    let port = kit.start_leaf_only_server("http://169.254.169.254/latest/meta-data/").unwrap();
    let err = client.get(&format!("https://localhost:{port}/")).send_blocking().unwrap_err();
    assert_eq!(err.code(), Code::CertIncompleteChain, "{err}");
    assert!(err.message().contains("169.254.169.254 is not a public address"), "{err}");
    let seen = seen.lock().unwrap();
    assert!(!seen.iter().any(|h| h.contains("169.254")), "{seen:?}");
}
