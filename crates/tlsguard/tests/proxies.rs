//! Proxies and connections against the test kit: SOCKS5 and SOCKS5h (with and without
//! credentials, refusals explained), an `https://` proxy, `ALL_PROXY`/`HTTPS_PROXY` from the
//! environment (in a child process: the environment is process-wide), a request's own proxy and
//! the pools per route, `max_connections_per_host` and `pool_wait_timeout`, and happy eyeballs
//! with a `localhost` that resolves to `::1` and `127.0.0.1`.

mod common;
use common::*;

use std::net::{IpAddr, SocketAddr};
use std::process::Command;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::json;
use tlsguard::{Client, Code};
use tlsguard_testkit::{SocksRequest, SocksTarget};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt")
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("an address")
}

/// The server's number for the connection `r` came on (`/conn`).
fn conn_of(r: &tlsguard::Response) -> u64 {
    r.text().parse().expect("a connection number")
}

const USER: &str = "kit-user";
const PASS: &str = "kit-pass";

// ---------------------------------------------------------------------------------------------
// SOCKS5
// ---------------------------------------------------------------------------------------------

#[test]
fn socks5h_sends_the_name_and_tls_stays_end_to_end() {
    let proxy = kit().start_socks5_proxy(None).expect("socks proxy");
    let c = client_with(|o| {
        o.proxy = Some(proxy.url_h());
        o.allow_http = true;
    });
    let r = c.get(&kit().good_url("/echo")).send_blocking().expect("via socks5h");
    assert_eq!(r.status(), 200);
    // TLS with the destination itself, verified as always: its certificate, not the proxy's.
    let tls = r.tls().expect("TLS");
    assert!(!tls.peer_certificates.is_empty());
    let port = kit().port("good");
    assert_eq!(
        proxy.requests(),
        vec![SocksRequest { target: SocksTarget::Name("localhost".into()), port, user: None, tunneled: true }]
    );
    // An address literal goes as an address; plain http:// is tunnelled too.
    let r = c.get(&kit().plain_url("/")).send_blocking().expect("plain via socks5h");
    assert_eq!(r.text(), "hello over http\n");
    let last = proxy.requests().pop().expect("a second request");
    assert_eq!((last.target, last.port), (SocksTarget::Ip(ip("127.0.0.1")), kit().port("plain")));
}

#[test]
fn socks5_resolves_locally_and_tries_the_next_address() {
    let proxy = kit().start_socks5_proxy(None).expect("socks proxy");
    // localhost resolves to ::1 (where nothing listens on that port) and 127.0.0.1.
    let c = client_with(|o| {
        o.proxy = Some(proxy.url());
        o.resolve = vec![("localhost".into(), vec![ip("::1"), ip("127.0.0.1")])];
    });
    let r = c.get(&kit().good_url("/echo")).send_blocking().expect("via socks5");
    assert_eq!(r.status(), 200);
    let targets: Vec<(SocksTarget, bool)> = proxy.requests().into_iter().map(|q| (q.target, q.tunneled)).collect();
    // The proxy refused ::1 (connection refused): the next address, over a new proxy connection.
    assert_eq!(targets, vec![(SocksTarget::Ip(ip("::1")), false), (SocksTarget::Ip(ip("127.0.0.1")), true)]);
}

#[test]
fn socks5_with_credentials() {
    let proxy = kit().start_socks5_proxy(Some((USER, PASS))).expect("socks proxy");
    for scheme in ["socks5", "socks5h"] {
        let c = client_with(|o| {
            o.proxy = Some(proxy.url_with(scheme));
            o.resolve = vec![("localhost".into(), vec![ip("127.0.0.1")])];
        });
        let r = c.get(&kit().good_url("/")).send_blocking().expect(scheme);
        assert_eq!(r.status(), 200, "{scheme}");
    }
    let reqs = proxy.requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs.iter().all(|q| q.user.as_deref() == Some(USER) && q.tunneled), "{reqs:?}");
    assert_eq!(reqs[0].target, SocksTarget::Ip(ip("127.0.0.1")));
    assert_eq!(reqs[1].target, SocksTarget::Name("localhost".into()));
}

#[test]
fn wrong_or_missing_socks_credentials_are_refused_clearly() {
    let proxy = kit().start_socks5_proxy(Some((USER, PASS))).expect("socks proxy");
    let port = proxy.port();
    let wrong = format!("socks5h://{USER}:not-the-password@127.0.0.1:{port}");
    let c = client_with(|o| o.proxy = Some(wrong.clone()));
    let e = c.get(&kit().good_url("/")).send_blocking().expect_err("wrong password");
    assert_eq!(e.code(), Code::Connect);
    assert_eq!(
        e.message(),
        format!("proxy socks5h://127.0.0.1:{port} refused the SOCKS5 user name and password (status 1)")
    );
    assert!(e.hint().contains("user:pass"), "{}", e.hint());
    for shown in [e.to_string(), format!("{e:?}"), format!("{:?}", c.options())] {
        assert!(!shown.contains("not-the-password"), "the password leaked: {shown}");
    }

    let c = client_with(|o| o.proxy = Some(format!("socks5h://127.0.0.1:{port}")));
    let e = c.get(&kit().good_url("/")).send_blocking().expect_err("no credentials");
    assert_eq!(e.code(), Code::Connect);
    assert!(e.message().contains("requires SOCKS5 authentication and no credentials were given"), "{e}");
    assert!(proxy.requests().is_empty(), "nothing got past authentication");
}

#[test]
fn a_socks_refusal_names_the_proxy_and_the_target() {
    let proxy = kit().start_socks5_proxy(None).expect("socks proxy");
    let c = client_with(|o| o.proxy = Some(proxy.url_h()));
    // The kit's proxy is no open relay.
    let e = c.get("https://example.com/").send_blocking().expect_err("not allowed");
    assert_eq!(e.code(), Code::Connect);
    assert_eq!(
        e.message(),
        format!(
            "proxy socks5h://127.0.0.1:{} could not connect to example.com:443: connection not allowed by ruleset (SOCKS5 reply 2)",
            proxy.port()
        )
    );
    // A proxy that is not there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let c = client_with(|o| o.proxy = Some(format!("socks5://127.0.0.1:{closed}")));
    let e = c.get(&kit().good_url("/")).send_blocking().expect_err("no proxy");
    assert_eq!(e.code(), Code::Connect);
    assert!(e.message().starts_with(&format!("connection to proxy 127.0.0.1:{closed} failed")), "{e}");
    // An HTTP server given as a SOCKS proxy (it answers the greeting with 400 Bad Request).
    let c = client_with(|o| {
        o.proxy = Some(format!("socks5://127.0.0.1:{}", kit().port("plain")));
        o.connect_timeout = Duration::from_secs(3);
    });
    let e = c.get(&kit().good_url("/")).send_blocking().expect_err("not socks");
    assert_eq!(e.code(), Code::Connect);
    assert!(e.message().contains("did not answer as a SOCKS5 proxy"), "{e}");
}

#[test]
fn a_missing_intermediate_is_fetched_through_the_socks_proxy_too() {
    let proxy = kit().start_socks5_proxy(None).expect("socks proxy");
    let c = client_with(|o| {
        o.proxy = Some(proxy.url_h());
        o.fetch_missing_intermediates = true;
        o.aia_allow_private = true; // the kit serves the intermediate on 127.0.0.1
    });
    let url = kit().url("missing_intermediate");
    let r = c.get(&url).send_blocking().expect("completed through the proxy");
    assert_eq!(r.status(), 200);
    let targets: Vec<(SocksTarget, u16)> = proxy.requests().into_iter().map(|q| (q.target, q.port)).collect();
    // The request's tunnel, then the fetch from the CA-issuers URL (http://127.0.0.1:<plain>/...).
    assert!(targets.contains(&(SocksTarget::Ip(ip("127.0.0.1")), kit().port("plain"))), "{targets:?}");
    assert!(targets.iter().any(|(_, p)| *p == kit().port("missing_intermediate")), "{targets:?}");
}

// ---------------------------------------------------------------------------------------------
// https:// proxy
// ---------------------------------------------------------------------------------------------

#[test]
fn an_https_proxy_is_verified_and_tunnels() {
    let (port, connects) = kit().start_https_proxy().expect("https proxy");
    let c = client_with(|o| o.proxy = Some(format!("https://localhost:{port}")));
    let r = c.get(&kit().good_url("/echo")).send_blocking().expect("via https proxy");
    assert_eq!(r.status(), 200);
    assert!(r.tls().is_some());
    assert_eq!(connects.load(Ordering::SeqCst), 1);

    // The proxy's certificate is verified like any server's (with the client's trust): a proxy
    // whose certificate has expired is refused, and the message says it is the proxy's.
    let expired = kit().port("expired");
    let c = client_with(|o| o.proxy = Some(format!("https://localhost:{expired}")));
    let e = c.get(&kit().good_url("/")).send_blocking().expect_err("expired proxy");
    assert_eq!(e.code(), Code::CertExpired);
    assert!(e.message().starts_with(&format!("TLS with proxy https://localhost:{expired}: ")), "{e}");
    // A client that does not trust the kit's root refuses the proxy before anything else.
    let mut o = tlsguard::ClientOptions::default();
    o.trust.roots = tlsguard::Roots::Mozilla;
    o.trust.use_env = false;
    o.proxy = Some(format!("https://localhost:{port}"));
    let e = Client::new(o).expect("client").get(&kit().good_url("/")).send_blocking().expect_err("untrusted");
    assert_eq!(e.category(), tlsguard::Category::Certificate, "{e}");
    assert!(e.message().contains("proxy https://localhost:"), "{e}");
    assert_eq!(connects.load(Ordering::SeqCst), 1, "no tunnel through an unverified proxy");
}

// ---------------------------------------------------------------------------------------------
// A request's own proxy, and the pools per route
// ---------------------------------------------------------------------------------------------

#[test]
fn a_request_proxy_overrides_the_clients_and_pools_apart() {
    let a = kit().start_socks5_proxy(None).expect("proxy a");
    let b = kit().start_socks5_proxy(None).expect("proxy b");
    let c = client(); // direct
    let url = kit().good_url("/conn");
    let direct = conn_of(&c.get(&url).send_blocking().expect("direct"));
    let via_a = conn_of(&c.get(&url).proxy(&a.url_h()).send_blocking().expect("via a"));
    assert_ne!(via_a, direct, "a request through a proxy never reuses a direct connection");
    assert_eq!(a.requests().len(), 1);
    // Each route reuses its own pooled connection.
    assert_eq!(conn_of(&c.get(&url).proxy(&a.url_h()).send_blocking().expect("via a again")), via_a);
    assert_eq!(a.requests().len(), 1, "pooled: no new tunnel");
    assert_eq!(conn_of(&c.get(&url).send_blocking().expect("direct again")), direct);
    let via_b = conn_of(&c.get(&url).proxy(&b.url_h()).send_blocking().expect("via b"));
    assert!(via_b != via_a && via_b != direct);
    assert_eq!((a.requests().len(), b.requests().len()), (1, 1));
    // The same proxy with other credentials or as socks5:// is another route too.
    let via_a_local = conn_of(&c.get(&url).proxy(&a.url()).send_blocking().expect("via a, socks5"));
    assert!(![direct, via_a, via_b].contains(&via_a_local));
    assert_eq!(a.requests().len(), 2);

    // "" connects directly, whatever the client's proxy; by name too.
    let c = client_with(|o| o.proxy = Some(a.url_h()));
    let before = a.requests().len();
    c.get(&url).proxy("").send_blocking().expect("direct");
    c.get(&url).options_json(&json!({"proxy": ""})).send_blocking().expect("direct by name");
    assert_eq!(a.requests().len(), before);
    c.get(&url).options_json(&json!({"proxy": b.url_h()})).send_blocking().expect("via b by name");
    assert_eq!(b.requests().len(), 2);
    // A request proxy equal to the client's uses the client's pool.
    c.get(&url).send_blocking().expect("via a");
    let after = a.requests().len();
    c.get(&url).proxy(&a.url_h()).send_blocking().expect("via a, named");
    assert_eq!(a.requests().len(), after, "the client's pooled connection through a");

    // Malformed: INVALID_ARGUMENT naming the option, from send() and from the options.
    let e = client().get(&url).proxy("socks4://127.0.0.1:1").send_blocking().expect_err("socks4");
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(e.message().contains("proxy"), "{e}");
    let e = tlsguard::RequestOptions::from_json(&json!({"proxy": "http://h:1/path"})).expect_err("path");
    assert!(e.message().starts_with("proxy"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// The environment (in a child process)
// ---------------------------------------------------------------------------------------------

const CHILD: &str = "TLSGUARD_PROXIES_CHILD";
const PROXY_VARS: &[&str] = &[
    "ALL_PROXY",
    "all_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
    "REQUEST_METHOD",
];

/// Runs `child_sends_one_request_with_the_environment` in a child process with `env` (every
/// other proxy variable removed); `Ok` when its request succeeded.
fn run_child(env: &[(&str, String)]) -> Result<(), String> {
    let mut cmd = Command::new(std::env::current_exe().expect("test binary"));
    cmd.args(["--exact", "child_sends_one_request_with_the_environment", "--ignored", "--nocapture"]);
    for v in PROXY_VARS {
        cmd.env_remove(v);
    }
    cmd.env(CHILD, json!({"url": kit().good_url("/echo"), "ca": kit().pki("root_ca")}).to_string());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("child runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    if out.status.success() && text.contains("1 passed") { Ok(()) } else { Err(text) }
}

#[test]
fn all_proxy_and_https_proxy_from_the_environment() {
    let proxy = kit().start_socks5_proxy(None).expect("socks proxy");
    let port = kit().port("good");
    // ALL_PROXY=socks5h://...: every request failed with INVALID_ARGUMENT before.
    run_child(&[("ALL_PROXY", proxy.url_h())]).expect("ALL_PROXY=socks5h");
    assert_eq!(proxy.requests().last().map(|q| q.target.clone()), Some(SocksTarget::Name("localhost".into())));
    // all_proxy (lowercase) with socks5://: the child resolves.
    run_child(&[("all_proxy", proxy.url())]).expect("all_proxy=socks5");
    let last = proxy.requests().pop().expect("through the proxy");
    assert!(matches!(last.target, SocksTarget::Ip(a) if a.is_loopback()) && last.port == port, "{last:?}");
    // A SOCKS URL in HTTPS_PROXY.
    run_child(&[("HTTPS_PROXY", proxy.url_h())]).expect("HTTPS_PROXY=socks5h");
    assert_eq!(proxy.requests().len(), 3);
    // NO_PROXY still applies.
    run_child(&[("ALL_PROXY", proxy.url_h()), ("NO_PROXY", "localhost".into())]).expect("NO_PROXY");
    assert_eq!(proxy.requests().len(), 3, "NO_PROXY=localhost: direct");
    // An https:// proxy from the environment.
    let (https_port, connects) = kit().start_https_proxy().expect("https proxy");
    run_child(&[("HTTPS_PROXY", format!("https://localhost:{https_port}"))]).expect("HTTPS_PROXY=https");
    assert_eq!(connects.load(Ordering::SeqCst), 1);
    // SOCKS4 is refused with a clear error, not ignored.
    let text = run_child(&[("ALL_PROXY", "socks4://127.0.0.1:1".into())]).expect_err("socks4");
    assert!(text.contains("socks4://127.0.0.1 is not supported"), "{text}");
}

/// Run only by the test above, with the proxy variables it sets.
#[test]
#[ignore = "runs in a child process started by all_proxy_and_https_proxy_from_the_environment"]
fn child_sends_one_request_with_the_environment() {
    let spec: serde_json::Value =
        serde_json::from_str(&std::env::var(CHILD).expect("run by the environment test only")).expect("spec");
    let mut o = tlsguard::ClientOptions::default();
    o.trust.roots = tlsguard::Roots::None;
    o.trust.ca_files = vec![spec["ca"].as_str().expect("ca").into()];
    o.trust.use_env = false;
    // proxy: None, so the environment decides.
    let c = Client::new(o).expect("client");
    match c.get(spec["url"].as_str().expect("url")).send_blocking() {
        Ok(r) => assert_eq!(r.status(), 200),
        Err(e) => panic!("{}: {}", e.code(), e.message()),
    }
}

// ---------------------------------------------------------------------------------------------
// max_connections_per_host and pool_wait_timeout
// ---------------------------------------------------------------------------------------------

/// `n` concurrent GETs of `/conn-slow` (300 ms each) on a server of their own; the number of
/// TCP connections that server accepted, and the connection numbers the responses name.
fn burst(n: usize, limit: Option<u32>) -> (usize, Vec<u64>) {
    let (port, accepted) = kit().start_good_server_at("127.0.0.1:0".parse().expect("addr")).expect("server");
    let c = client_with(|o| o.max_connections_per_host = limit);
    let url = format!("https://localhost:{port}/conn-slow");
    let requests = (0..n).map(|_| c.get(&url)).collect();
    let results = rt().block_on(Client::send_many(requests, n));
    let ids = results.into_iter().map(|r| conn_of(&r.expect("every request succeeds"))).collect();
    (accepted.load(Ordering::SeqCst), ids)
}

#[test]
fn the_pool_limit_holds_under_64_concurrent_requests() {
    let (accepted, ids) = burst(64, Some(8));
    let mut distinct = ids.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert!(accepted <= 8, "max_connections_per_host 8: the server accepted {accepted} connections");
    assert!(distinct.len() <= 8 && distinct.len() >= 2, "{distinct:?}");
    // Without the limit the same burst opens a connection per request in flight (so the
    // count above is what the limit did).
    let (accepted, _) = burst(64, None);
    assert!(accepted > 8, "no limit: {accepted} connections");
}

#[test]
fn the_pool_limit_holds_across_blocking_threads() {
    let (port, accepted) = kit().start_good_server_at("127.0.0.1:0".parse().expect("addr")).expect("server");
    let c = client_with(|o| o.max_connections_per_host = Some(2));
    let url = format!("https://localhost:{port}/conn-slow");
    let threads: Vec<_> = (0..12)
        .map(|_| {
            let (c, url) = (c.clone(), url.clone());
            std::thread::spawn(move || c.get(&url).send_blocking().map(|r| r.status()))
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().expect("thread").expect("request"), 200);
    }
    assert!(accepted.load(Ordering::SeqCst) <= 2, "{} connections", accepted.load(Ordering::SeqCst));
}

#[test]
fn the_pool_wait_timeout_fires_and_a_freed_connection_is_used() {
    let (port, accepted) = kit().start_good_server_at("127.0.0.1:0".parse().expect("addr")).expect("server");
    let c = client_with(|o| {
        o.max_connections_per_host = Some(1);
        o.pool_wait_timeout = Duration::from_millis(300);
    });
    let rt = rt();
    // The one connection is busy with a body that takes 5 s.
    let held = rt.block_on(c.get(&format!("https://localhost:{port}/slow-body")).send_streaming()).expect("head");
    let t = Instant::now();
    let e = rt.block_on(c.get(&format!("https://localhost:{port}/")).send()).expect_err("no free connection");
    let took = t.elapsed();
    assert_eq!(e.code(), Code::Timeout);
    assert_eq!(
        e.message(),
        format!(
            "no connection to localhost:{port} became free within 0.3 s (pool_wait_timeout): all 1 allowed by max_connections_per_host are in use"
        )
    );
    assert!(took >= Duration::from_millis(280) && took < Duration::from_secs(4), "{took:?}");
    // Dropping the stream closes its connection: the slot is free again.
    drop(held);
    let r = rt.block_on(c.get(&format!("https://localhost:{port}/")).send()).expect("a slot again");
    assert_eq!(r.status(), 200);
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[test]
fn connection_options_are_validated_by_name() {
    for (name, bad) in [
        ("max_connections_per_host", json!(-1)),
        ("max_connections_per_host", json!("4")),
        ("pool_wait_timeout", json!(0)),
        ("resolve", json!({"localhost": "not-an-ip"})),
        ("resolve", json!({"localhost": []})),
        ("resolve", json!({"": "127.0.0.1"})),
        ("resolve", json!(["127.0.0.1"])),
    ] {
        let e = tlsguard::ClientOptions::from_json(&json!({ name: bad })).expect_err(name);
        assert_eq!(e.code(), Code::InvalidArgument, "{name}");
        assert!(e.message().contains(name), "{name}: {e}");
    }
    let o = tlsguard::ClientOptions::from_json(&json!({
        "max_connections_per_host": 0, "pool_wait_timeout": 2.5,
        "resolve": {"localhost": ["::1", "127.0.0.1"], "a.test": "[::1]"}
    }))
    .expect("valid");
    assert_eq!(o.max_connections_per_host, None, "0: no limit");
    assert_eq!(o.pool_wait_timeout, Duration::from_millis(2500));
    assert_eq!(o.resolve.len(), 2);
    let mut o = tlsguard::ClientOptions::default();
    o.max_connections_per_host = Some(0);
    assert_eq!(Client::new(o).expect_err("0").code(), Code::InvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// Happy eyeballs
// ---------------------------------------------------------------------------------------------

/// A listener on `addr` whose accept queue is full, so that connecting to it hangs (the SYN is
/// dropped) like an address whose route is broken. `None` if `addr` cannot be bound.
fn hanging_listener(
    addr: SocketAddr,
) -> Option<(tokio::net::TcpListener, std::net::TcpStream, tokio::runtime::Runtime)> {
    let rt = rt();
    let l = rt.block_on(async {
        let sock =
            if addr.is_ipv6() { tokio::net::TcpSocket::new_v6() } else { tokio::net::TcpSocket::new_v4() }.ok()?;
        sock.bind(addr).ok()?;
        sock.listen(0).ok()
    })?;
    let bound = l.local_addr().ok()?;
    let filler = std::net::TcpStream::connect_timeout(&bound, Duration::from_secs(1)).ok()?;
    Some((l, filler, rt))
}

/// Whether this machine has an IPv6 loopback to test with.
fn has_ipv6_loopback() -> bool {
    std::net::TcpListener::bind("[::1]:0").is_ok()
}

/// A client where `localhost` resolves to `::1` and `127.0.0.1`, IPv6 first (as with a
/// dual-stack /etc/hosts; this machine's own resolver may give only one of them).
fn dual_stack_client() -> Client {
    client_with(|o| {
        o.resolve = vec![("localhost".into(), vec![ip("::1"), ip("127.0.0.1")])];
        o.connect_timeout = Duration::from_secs(10);
    })
}

#[test]
fn happy_eyeballs_falls_back_to_ipv4_when_ipv6_does_not_answer() {
    if !has_ipv6_loopback() {
        println!("note: this machine has no IPv6 loopback (::1); happy eyeballs not tested");
        return;
    }
    // Only 127.0.0.1 serves; [::1] on the same port swallows the connection attempt.
    let port = kit().port("good");
    let Some(_hang) = hanging_listener(SocketAddr::new(ip("::1"), port)) else {
        println!("note: [::1]:{port} cannot be bound here; the fallback is tested in net.rs only");
        return;
    };
    let t = Instant::now();
    let r = dual_stack_client().get(&kit().good_url("/")).send_blocking().expect("IPv4 after IPv6 hung");
    let took = t.elapsed();
    assert_eq!(r.status(), 200);
    // IPv4 started after the 250 ms attempt delay, and long before the 10 s connect timeout.
    assert!(took >= Duration::from_millis(240), "IPv4 did not wait for IPv6: {took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn happy_eyeballs_tries_ipv6_first() {
    if !has_ipv6_loopback() {
        println!("note: this machine has no IPv6 loopback (::1); happy eyeballs not tested");
        return;
    }
    // Only ::1 serves; 127.0.0.1 on the same port accepts connections and never answers, so
    // a client that tried IPv4 first would connect there and hang in the TLS handshake.
    let (port, _) = kit().start_good_server_at("[::1]:0".parse().expect("addr")).expect("IPv6 server");
    let Ok(v4) = std::net::TcpListener::bind(("127.0.0.1", port)) else {
        println!("note: 127.0.0.1:{port} is taken; IPv6-first not tested this run");
        return;
    };
    v4.set_nonblocking(true).expect("nonblocking");
    let c = client_with(|o| {
        o.resolve = vec![("localhost".into(), vec![ip("127.0.0.1"), ip("::1")])]; // resolver order: IPv4 first
        o.connect_timeout = Duration::from_secs(3);
    });
    let r = c.get(&format!("https://localhost:{port}/")).send_blocking().expect("over IPv6");
    assert_eq!(r.status(), 200);
    // IPv4 was never tried: the IPv6 connection was made at once.
    assert!(v4.accept().is_err(), "the client connected to 127.0.0.1 too");
    // And with IPv6 only: the dual-stack client gets there too.
    assert_eq!(
        dual_stack_client().get(&format!("https://localhost:{port}/")).send_blocking().expect("v6").status(),
        200
    );
}
