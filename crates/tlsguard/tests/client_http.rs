//! The HTTP client against the test kit's servers: bodies, headers, redirects, encodings,
//! HTTP/2 vs HTTP/1.1, proxy, timeouts, size caps, threads and runtimes.

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::{Value, json};
use tlsguard::{Client, ClientOptions, Code, Method, Roots};
use tlsguard_testkit::Kit;

/// One kit for the whole file (its openssl children are killed by the kit's watchdog when the
/// test process exits).
fn kit() -> &'static Kit {
    static KIT: OnceLock<Kit> = OnceLock::new();
    KIT.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("tlsguard-client-http-{}", std::process::id()));
        Kit::start(&dir).expect("test kit starts")
    })
}

fn options() -> ClientOptions {
    let mut o = ClientOptions::default();
    o.trust.roots = Roots::None;
    o.trust.ca_files = vec![kit().pki("root_ca")];
    o.trust.use_env = false;
    // Never use a proxy from the machine's environment in these tests.
    o.proxy = Some(String::new());
    o
}

fn client_with(f: impl FnOnce(&mut ClientOptions)) -> Client {
    let mut o = options();
    f(&mut o);
    Client::new(o).expect("client")
}

fn client() -> Client {
    client_with(|_| {})
}

fn echo(r: &tlsguard::Response) -> Value {
    assert_eq!(r.status(), 200, "{}", r.text());
    r.json().expect("echo returns JSON")
}

#[test]
fn good_get_over_http1_by_default() {
    let url = kit().good_url("/");
    let r = client().get(&url).send_blocking().expect("GET");
    assert_eq!(r.status(), 200);
    assert_eq!(r.reason(), "OK");
    assert_eq!(r.text(), "hello from tlsguard-testkit\n");
    assert_eq!(r.url(), url);
    assert_eq!(r.redirects(), 0);
    assert_eq!(r.http_version(), "HTTP/1.1");
    let tls = r.tls().expect("tls info");
    assert_eq!(tls.alpn.as_deref(), Some("http/1.1"), "only http/1.1 is offered");
    assert!(
        tls.version == tlsguard::TlsVersion::Tls13 || tls.version == tlsguard::TlsVersion::Tls12,
        "{}",
        tls.version
    );
    assert!(!tls.cipher_suite.is_empty());
    assert!(!r.peer_certificates().is_empty());
    assert!(r.header("content-type").is_some());
}

#[test]
fn http2_when_asked() {
    assert!(!ClientOptions::default().http2, "HTTP/2 is opt-in");
    let c = client_with(|o| o.http2 = true);
    let r = c.get(&kit().good_url("/echo")).send_blocking().expect("GET");
    assert_eq!(r.http_version(), "HTTP/2");
    assert_eq!(r.tls().expect("tls").alpn.as_deref(), Some("h2"));
    assert_eq!(echo(&r)["version"], "HTTP/2.0");
}

/// HTTP/1.1 carries one request at a time per connection: N concurrent requests to one host
/// open up to N connections (the pool has no per-host limit, like undici's default), which
/// later requests reuse; HTTP/2 multiplexes them over one or two (two when requests race the
/// first ALPN answer).
#[test]
fn concurrent_requests_get_a_connection_each_over_http1() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
    for http2 in [false, true] {
        let c = client_with(|o| o.http2 = http2);
        let url = kit().good_url("/conn-slow");
        let get = |url: &str| {
            let _in = rt.enter();
            let task = tokio::spawn(c.get(url).send());
            async move {
                let r = task.await.expect("join").expect("GET");
                r.text().parse::<u64>().expect("a connection number")
            }
        };
        let ids: Vec<u64> = rt.block_on(async {
            let tasks: Vec<_> = (0..8).map(|_| get(&url)).collect();
            let mut ids = Vec::new();
            for t in tasks {
                ids.push(t.await);
            }
            ids
        });
        let mut distinct = ids.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if http2 {
            assert!(distinct.len() <= 2, "http2: multiplexed, got {ids:?}");
        } else {
            assert_eq!(distinct.len(), 8, "http1: one connection per request in flight, got {ids:?}");
            // The pool kept them: sequential requests reuse one of the eight.
            for _ in 0..3 {
                let id = rt.block_on(get(&kit().good_url("/conn")));
                assert!(
                    distinct.contains(&id),
                    "request after the burst reused a pooled connection: {id} not in {distinct:?}"
                );
            }
        }
    }
}

/// The server's number for the connection a request came on.
fn conn_id(c: &Client) -> u64 {
    let r = c.get(&kit().good_url("/conn")).send_blocking().expect("GET /conn");
    r.text().parse().expect("a connection number")
}

#[test]
fn connections_are_reused_unless_keep_alive_is_off() {
    for http2 in [true, false] {
        let c = client_with(|o| o.http2 = http2);
        let ids: Vec<u64> = (0..4).map(|_| conn_id(&c)).collect();
        assert!(ids.iter().all(|&i| i == ids[0]), "http2={http2}: one reused connection, got {ids:?}");

        let c = client_with(|o| {
            o.http2 = http2;
            o.keep_alive = false;
        });
        let mut ids: Vec<u64> = (0..4).map(|_| conn_id(&c)).collect();
        ids.dedup();
        assert_eq!(ids.len(), 4, "http2={http2}, keep_alive=false: a new connection per request, got {ids:?}");
    }
}

#[test]
fn send_blocking_checked_calls_back_and_cancels() {
    let c = client();
    let mut calls = 0;
    let r = c
        .get(&kit().good_url("/"))
        .send_blocking_checked(Duration::from_millis(1), || -> Result<(), ()> {
            calls += 1;
            Ok(())
        })
        .expect("check never fails")
        .expect("GET");
    assert_eq!(r.status(), 200);
    // A slow response: the check runs meanwhile, and its error cancels the request at once.
    let started = std::time::Instant::now();
    let mut calls = 0;
    let r = c.get(&kit().good_url("/slow")).send_blocking_checked(Duration::from_millis(20), || {
        calls += 1;
        if calls == 3 { Err("interrupted") } else { Ok(()) }
    });
    assert_eq!(r.expect_err("cancelled by the check"), "interrupted");
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
}

#[test]
fn shared_clients_reuse_connections_per_option_set() {
    let a = Client::shared(options()).expect("shared");
    let first = conn_id(&a);
    assert_eq!(conn_id(&Client::shared(options()).expect("shared")), first, "same options: same pool");
    let mut other = options();
    other.http2 = true;
    let b = Client::shared(other.clone()).expect("shared");
    assert_ne!(conn_id(&b), first, "other options: another client");
    assert_eq!(conn_id(&Client::shared(options()).expect("shared")), first);
    // A closed shared client is replaced, not returned.
    b.close();
    assert!(!Client::shared(other).expect("shared").is_closed());
    // Bad options are refused as by Client::new.
    let mut bad = options();
    bad.timeout = Some(Duration::ZERO);
    assert_eq!(Client::shared(bad).expect_err("zero timeout").code(), Code::InvalidArgument);
    // close_shared closes them all; the next call makes a new client.
    Client::close_shared();
    assert!(a.is_closed());
    let again = Client::shared(options()).expect("shared");
    assert!(!again.is_closed());
    assert_ne!(conn_id(&again), first, "a new pool");
}

#[test]
fn shared_clients_made_at_once_end_as_one() {
    // Made outside the cache's lock: threads racing on a new option set each get a client,
    // and one of them is the one cached for every later call.
    let mut o = options();
    o.max_redirects = 7;
    let made: Vec<Client> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6).map(|_| s.spawn(|| Client::shared(o.clone()).expect("shared"))).collect();
        handles.into_iter().map(|h| h.join().expect("joined")).collect()
    });
    let cached = conn_id(&Client::shared(o.clone()).expect("shared"));
    assert_eq!(conn_id(&Client::shared(o).expect("shared")), cached, "later calls share one");
    assert!(made.iter().any(|c| conn_id(c) == cached), "the cached one is one of those made");
}

#[test]
fn new_connections_resume_the_tls_session() {
    for http2 in [true, false] {
        let c = client_with(|o| {
            o.http2 = http2;
            o.keep_alive = false;
        });
        let resumed: Vec<bool> = (0..3)
            .map(|_| {
                let r = c.get(&kit().good_url("/")).send_blocking().expect("GET");
                assert_eq!(r.status(), 200);
                assert!(!r.peer_certificates().is_empty(), "a resumed session still names the server's chain");
                r.tls().expect("tls").resumed
            })
            .collect();
        assert_eq!(resumed, [false, true, true], "http2={http2}");
    }
    // Another client has its own session cache: a full handshake.
    let r = client().get(&kit().good_url("/")).send_blocking().expect("GET");
    assert!(!r.tls().expect("tls").resumed);
}

#[test]
fn echo_round_trip_headers_query_json_form() {
    let c = client_with(|o| o.headers = vec![("x-default".into(), "d".into()), ("x-over".into(), "client".into())]);
    let r = c
        .post(&kit().good_url("/echo?fixed=1"))
        .header("X-Custom", "caf\u{e9}")
        .header("x-twice", "1")
        .header("x-twice", "2")
        .header("x-over", "request")
        .query("q", "a b&c=d/é")
        .json(&json!({"k": [1, 2, "three"]}))
        .send_blocking()
        .expect("POST");
    let e = echo(&r);
    assert_eq!(e["method"], "POST");
    assert_eq!(e["path"], "/echo");
    assert_eq!(e["query"], "fixed=1&q=a+b%26c%3Dd%2F%C3%A9");
    let h = &e["headers"];
    assert_eq!(h["x-custom"], json!(["caf\u{e9}"]));
    assert_eq!(h["x-twice"], json!(["1", "2"]));
    assert_eq!(h["x-over"], json!(["request"]));
    assert_eq!(h["x-default"], json!(["d"]));
    assert_eq!(h["content-type"], json!(["application/json"]));
    assert_eq!(h["accept-encoding"], json!(["gzip, deflate, br, zstd"]));
    assert!(h["user-agent"][0].as_str().expect("ua").starts_with("tlsguard/"));
    let body: Value = serde_json::from_str(e["body"].as_str().expect("body")).expect("json body");
    assert_eq!(body, json!({"k": [1, 2, "three"]}));

    let r = c.put(&kit().good_url("/echo")).form(&[("name", "a b"), ("x", "1&2")]).send_blocking().expect("PUT");
    let e = echo(&r);
    assert_eq!(e["method"], "PUT");
    assert_eq!(e["body"], "name=a+b&x=1%262");
    assert_eq!(e["headers"]["content-type"], json!(["application/x-www-form-urlencoded"]));

    // A caller's content-type wins over the one json() implies; raw bytes are sent as is.
    let r = c
        .patch(&kit().good_url("/echo"))
        .header("content-type", "application/merge-patch+json")
        .json(&json!({"a": null}))
        .send_blocking()
        .expect("PATCH");
    assert_eq!(echo(&r)["headers"]["content-type"], json!(["application/merge-patch+json"]));
    let r = c.delete(&kit().good_url("/echo")).body(b"raw\x01bytes".to_vec()).send_blocking().expect("DELETE");
    assert_eq!(echo(&r)["body"], "raw\u{1}bytes");
    let r = c.options_request(&kit().good_url("/echo")).send_blocking().expect("OPTIONS");
    assert_eq!(echo(&r)["method"], "OPTIONS");
}

#[test]
fn response_headers_keep_order_and_repeats() {
    let r = client().get(&kit().good_url("/headers")).send_blocking().expect("GET");
    assert_eq!(r.header_all("X-Multi"), ["a", "b"]);
    assert_eq!(r.header_all("set-cookie"), ["a=1; Path=/", "b=2; Path=/; HttpOnly"]);
    assert_eq!(r.header("SET-COOKIE"), Some("a=1; Path=/"));
    assert!(r.headers().iter().all(|(n, _)| *n == n.to_ascii_lowercase()));
    assert!(r.header("x-absent").is_none());
}

#[test]
fn head_and_status_codes() {
    let c = client();
    let r = c.head(&kit().good_url("/json")).send_blocking().expect("HEAD");
    assert_eq!(r.status(), 200);
    assert!(r.body().is_empty());
    let r = c.get(&kit().good_url("/status/404")).send_blocking().expect("404 is a response");
    assert_eq!((r.status(), r.reason()), (404, "Not Found"));
    let r = c.get(&kit().good_url("/status/204")).send_blocking().expect("204");
    assert_eq!(r.status(), 204);
    assert!(r.body().is_empty());
    let e = c.get(&kit().good_url("/")).send_blocking().expect("ok").json().expect_err("not json");
    assert_eq!(e.code(), Code::HttpProtocol);
    assert!(e.message().starts_with("response body is not valid JSON"), "{}", e.message());
}

#[test]
fn redirects_followed_limited_and_refused() {
    let c = client();
    let r = c.get(&kit().good_url("/redirect/3")).send_blocking().expect("3 redirects");
    assert_eq!(r.redirects(), 3);
    assert_eq!(r.url(), kit().good_url("/echo"));
    assert_eq!(echo(&r)["method"], "GET");

    let c2 = client_with(|o| o.max_redirects = 2);
    let e = c2.get(&kit().good_url("/redirect/3")).send_blocking().expect_err("limit");
    assert_eq!(e.code(), Code::TooManyRedirects);
    assert_eq!(e.message(), "stopped after 2 redirects; last Location: /echo");

    let e = c.get(&kit().good_url("/redirect/loop")).send_blocking().expect_err("loop");
    assert_eq!(e.code(), Code::TooManyRedirects);
    assert!(e.message().starts_with("stopped after 10 redirects"), "{}", e.message());

    let c0 = client_with(|o| o.max_redirects = 0);
    let r = c0.get(&kit().good_url("/redirect/3")).send_blocking().expect("3xx returned");
    assert_eq!(r.status(), 302);
    assert_eq!(r.header("location"), Some("/redirect/2"));
    assert_eq!(r.redirects(), 0);

    for allow_http in [false, true] {
        let c = client_with(|o| o.allow_http = allow_http);
        let url = kit().good_url("/redirect/http");
        let e = c.get(&url).send_blocking().expect_err("downgrade");
        assert_eq!(e.code(), Code::HttpDowngrade);
        assert!(e.message().contains(&format!("http://127.0.0.1:{}/", kit().port("plain"))), "{}", e.message());
        assert_eq!(e.url(), Some(url.as_str()));
    }
}

#[test]
fn redirect_methods_and_credentials() {
    let c = client();
    // 303 after POST: GET without the body or its content-type.
    let r = c.post(&kit().good_url("/redirect/303")).json(&json!({"a": 1})).send_blocking().expect("303");
    let e = echo(&r);
    assert_eq!(e["method"], "GET");
    assert_eq!(e["body"], "");
    assert!(e["headers"].get("content-type").is_none(), "{}", e["headers"]);

    // Same origin keeps credentials.
    let r = c
        .get(&kit().good_url("/redirect/same-origin"))
        .header("authorization", "Bearer secret")
        .header("cookie", "s=1")
        .send_blocking()
        .expect("same origin");
    let e = echo(&r);
    assert_eq!(e["headers"]["authorization"], json!(["Bearer secret"]));
    assert_eq!(e["headers"]["cookie"], json!(["s=1"]));

    // localhost -> 127.0.0.1 is another origin: credentials dropped, other headers kept.
    let r = c
        .get(&kit().good_url("/redirect/cross-origin"))
        .header("authorization", "Bearer secret")
        .header("cookie", "s=1")
        .header("x-keep", "yes")
        .send_blocking()
        .expect("cross origin");
    assert_eq!(r.url(), format!("https://127.0.0.1:{}/echo", kit().port("good")));
    let e = echo(&r);
    assert!(e["headers"].get("authorization").is_none(), "{}", e["headers"]);
    assert!(e["headers"].get("cookie").is_none(), "{}", e["headers"]);
    assert_eq!(e["headers"]["x-keep"], json!(["yes"]));
}

#[test]
fn content_encodings_are_decoded() {
    let c = client();
    for path in ["/gzip", "/deflate", "/br"] {
        let r = c.get(&kit().good_url(path)).send_blocking().expect(path);
        assert_eq!(r.json().expect(path), json!({"compressed": true, "text": "hello"}), "{path}");
        // Headers are kept as received.
        assert!(r.header("content-encoding").is_some(), "{path}");
    }
    // A caller that asks for identity gets it.
    let r = c.get(&kit().good_url("/echo")).header("accept-encoding", "identity").send_blocking().expect("id");
    assert_eq!(echo(&r)["headers"]["accept-encoding"], json!(["identity"]));
}

#[test]
fn chunked_body_is_read_completely() {
    let c = client_with(|o| o.http2 = false);
    let r = c.get(&kit().good_url("/chunked")).send_blocking().expect("chunked");
    assert_eq!(r.text(), "chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\n");
    assert!(r.header("content-length").is_none());
}

#[test]
fn size_caps() {
    let c = client_with(|o| o.max_response_bytes = 1024 * 1024);
    let url = kit().good_url("/huge");
    let e = c.get(&url).send_blocking().expect_err("huge");
    assert_eq!(e.code(), Code::ResponseTooLarge);
    assert!(e.message().contains("max_response_bytes (1048576 bytes)"), "{}", e.message());
    assert_eq!(e.url(), Some(url.as_str()));

    let c = client_with(|o| o.max_response_bytes = 10 * 1024 * 1024);
    let e = c.get(&kit().good_url("/gzip-bomb")).send_blocking().expect_err("bomb");
    assert_eq!(e.code(), Code::ResponseTooLarge);
    assert_eq!(e.message(), "response body exceeds max_response_bytes (10485760 bytes) after decompression (gzip)");
    // Under the default cap (100 MiB) /huge (8 MiB) is fine.
    let r = client().get(&url).send_blocking().expect("huge under default cap");
    assert_eq!(r.body().len(), 8 * 1024 * 1024);
}

#[test]
fn timeouts() {
    let c = client();
    let url = kit().good_url("/slow");
    let e = c.get(&url).timeout(Duration::from_millis(500)).send_blocking().expect_err("slow");
    assert_eq!(e.code(), Code::Timeout);
    assert_eq!(e.message(), format!("request to {url} timed out after 0.5 s (timeout)"));
    assert_eq!(e.url(), Some(url.as_str()));

    // The body phase is covered too (headers arrive at once, the body after 5 s).
    let c = client_with(|o| o.timeout = Some(Duration::from_millis(700)));
    let e = c.get(&kit().good_url("/slow-body")).send_blocking().expect_err("slow body");
    assert_eq!(e.code(), Code::Timeout);
    assert!(e.message().ends_with("timed out after 0.7 s (timeout)"), "{}", e.message());

    let e = client().get(&url).timeout(Duration::ZERO).send_blocking().expect_err("zero");
    assert_eq!(e.code(), Code::InvalidArgument);

    // A server that accepts TCP but never answers the TLS handshake: connect timeout.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = silent.local_addr().expect("addr").port();
    let c = client_with(|o| o.connect_timeout = Duration::from_millis(300));
    let e = c.get(&format!("https://127.0.0.1:{port}/")).send_blocking().expect_err("connect timeout");
    assert_eq!(e.code(), Code::Timeout);
    assert_eq!(e.message(), format!("connect timeout (0.3 s) expired connecting to 127.0.0.1:{port}"));
    drop(silent);
}

#[test]
fn network_and_url_errors() {
    let c = client();
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    let url = format!("https://127.0.0.1:{port}/x");
    let e = c.get(&url).send_blocking().expect_err("refused");
    assert_eq!(e.code(), Code::Connect);
    assert_eq!(e.message(), format!("connection to 127.0.0.1:{port} failed: Connection refused"));
    assert_eq!(e.url(), Some(url.as_str()));

    let e = c.get("https://no-such-host.invalid/").send_blocking().expect_err("dns");
    assert_eq!(e.code(), Code::Dns);
    assert!(e.message().starts_with("cannot resolve host 'no-such-host.invalid'"), "{}", e.message());

    let e = c.get(&kit().plain_url("/")).send_blocking().expect_err("http");
    assert_eq!(e.code(), Code::InsecureUrl);
    for bad in ["not a url", "/relative", "ftp://127.0.0.1/", "https://"] {
        let e = c.get(bad).send_blocking().expect_err(bad);
        assert_eq!(e.code(), Code::InvalidUrl, "{bad}: {e}");
        assert_eq!(e.url(), Some(bad));
    }
    let e = c.get(&kit().good_url("/")).header("x-bad", "a\r\nInjected: 1").send_blocking().expect_err("crlf");
    assert_eq!(e.code(), Code::InvalidArgument);
    let e = c.get(&kit().good_url("/")).header("bad name", "v").send_blocking().expect_err("name");
    assert_eq!(e.code(), Code::InvalidArgument);
    assert_eq!("TRACE".parse::<Method>().expect_err("method").code(), Code::InvalidArgument);
    // A 64 KiB header value is fine.
    let big = "v".repeat(64 * 1024);
    let r = client_with(|o| o.http2 = false).get(&kit().good_url("/echo")).header("x-big", &big).send_blocking();
    assert_eq!(r.expect("big header").status(), 200);
}

#[test]
fn plain_http_when_allowed() {
    let c = client_with(|o| o.allow_http = true);
    let r = c.get(&kit().plain_url("/")).send_blocking().expect("http");
    assert_eq!(r.text(), "hello over http\n");
    assert!(r.tls().is_none());
    assert!(r.peer_certificates().is_empty());
    assert_eq!(r.http_version(), "HTTP/1.1");
}

#[test]
fn client_validates_options() {
    for bad in ["socks4://127.0.0.1:1080", "http://", "http://h:1/path"] {
        let mut o = options();
        o.proxy = Some(bad.into());
        assert_eq!(Client::new(o).expect_err(bad).code(), Code::InvalidArgument, "{bad}");
    }
    let mut o = options();
    o.headers = vec![("x-a".into(), "nul\0".into())];
    assert_eq!(Client::new(o).expect_err("header").code(), Code::InvalidArgument);
    let mut o = options();
    o.timeout = Some(Duration::ZERO);
    assert_eq!(Client::new(o).expect_err("timeout").code(), Code::InvalidArgument);
}

#[test]
fn via_connect_proxy() {
    let before = kit().proxy_connects();
    let c = client_with(|o| {
        o.proxy = Some(kit().proxy_url());
        o.allow_http = true;
    });
    let r = c.get(&kit().good_url("/echo")).send_blocking().expect("via proxy");
    assert_eq!(echo(&r)["path"], "/echo");
    assert!(r.tls().is_some());
    // http:// targets are tunnelled too.
    let r = c.get(&kit().plain_url("/")).send_blocking().expect("plain via proxy");
    assert_eq!(r.text(), "hello over http\n");
    assert!(kit().proxy_connects() >= before + 2);

    // The kit's proxy refuses non-loopback targets with 403.
    let e = c.get("https://example.com/").send_blocking().expect_err("refused");
    assert_eq!(e.code(), Code::Connect);
    assert_eq!(
        e.message(),
        format!("proxy 127.0.0.1:{} refused CONNECT to example.com:443: 403 Forbidden", kit().port("proxy"))
    );
}

#[test]
fn blocking_from_eight_threads_sharing_one_client() {
    let c = client();
    let url = kit().good_url("/echo");
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let c = c.clone();
            let url = url.clone();
            std::thread::spawn(move || {
                for j in 0..5 {
                    let r = c.get(&url).query("i", i.to_string()).query("j", j.to_string()).send_blocking();
                    let r = r.expect("request");
                    assert_eq!(r.json().expect("json")["query"], format!("i={i}&j={j}"));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
}

#[test]
fn async_send_from_a_foreign_runtime_and_blocking_refused_inside_one() {
    let c = client();
    let url = kit().good_url("/json");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
    rt.block_on(async {
        let r = c.get(&url).send().await.expect("send from a foreign current-thread runtime");
        assert_eq!(r.json().expect("json")["hello"], "world");
        let e = c.get(&url).send_blocking().expect_err("blocking inside a runtime");
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(e.message().contains("send().await"), "{}", e.message());
        // Concurrent requests on one client.
        let (a, b) = tokio::join!(c.get(&url).send(), c.get(&kit().good_url("/")).send());
        assert_eq!(a.expect("a").status(), 200);
        assert_eq!(b.expect("b").status(), 200);
    });
    drop(rt);
    // The client outlives the caller's runtime: tlsguard's own runtime holds the pool.
    assert_eq!(c.get(&url).send_blocking().expect("after runtime drop").status(), 200);
}

#[test]
fn mtls_refusal_is_explained() {
    // The mTLS server rejects the missing client certificate; with TLS 1.3 the alert arrives
    // after the client's handshake finished, while the request is sent.
    // Either the alert is read (diagnosed by the TLS layer) or the server's RST discarded it
    // (inferred: it asked for a certificate, then closed without sending a byte); both paths
    // must give the same code, over HTTP/2 and HTTP/1.1.
    let url = format!("https://localhost:{}/", kit().port("mtls"));
    for http2 in [true, false, true, false] {
        let e = client_with(|o| o.http2 = http2).get(&url).send_blocking().expect_err("no client cert");
        assert_eq!(e.code(), Code::TlsClientCertRequired, "http2={http2}: {e}");
        assert_eq!(e.url(), Some(url.as_str()));
    }
}

#[test]
fn api_types_are_thread_safe() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>(_: &T) {}
    send_sync::<Client>();
    send_sync::<tlsguard::Response>();
    send_sync::<tlsguard::Request>();
    // The send() future can be handed to any multi-threaded executor (napi, pyo3 bridges).
    let c = client();
    let fut = c.get("https://localhost/").send();
    send(&fut);
}

fn basic(user_pass: &str) -> String {
    use base64::Engine as _;
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(user_pass))
}

#[test]
fn url_credentials_become_basic_auth_and_leave_the_url() {
    let port = kit().port("good");
    // Percent-encoded in the URL, decoded in the header (as curl, requests and Guzzle do).
    let url = format!("https://us%40er:p%3Ass@localhost:{port}/echo");
    for http2 in [true, false] {
        let r = client_with(|o| o.http2 = http2).get(&url).send_blocking().expect("credentials in URL");
        let e = echo(&r);
        assert_eq!(e["headers"]["authorization"], json!([basic("us@er:p:ss")]), "http2={http2}");
        // Never in HTTP/2's :authority or HTTP/1.1's Host, never in the response's URL.
        assert_eq!(
            e["authority"].as_str().unwrap_or(""),
            if http2 { format!("localhost:{port}") } else { String::new() }
        );
        assert!(!e.to_string().contains("p%3Ass") && !e.to_string().contains("us%40er"), "{e}");
        assert_eq!(r.url(), format!("https://localhost:{port}/echo"));
    }
    // An Authorization header the caller set wins over the URL's credentials.
    let r = client().get(&url).header("authorization", "Bearer mine").send_blocking().expect("explicit");
    assert_eq!(echo(&r)["headers"]["authorization"], json!(["Bearer mine"]));

    // Errors name the URL without its credentials (url and message).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let bad = format!("https://user:hunter2@localhost:{closed}/x");
    let e = client().get(&bad).send_blocking().expect_err("closed port");
    assert_eq!(e.url(), Some(format!("https://localhost:{closed}/x").as_str()));
    assert!(!format!("{e} {e:?}").contains("hunter2"), "{e:?}");
    let e = client_with(|o| o.timeout = Some(Duration::from_millis(300)))
        .get(&format!("https://user:hunter2@localhost:{port}/slow"))
        .send_blocking()
        .expect_err("timeout");
    assert_eq!(e.code(), Code::Timeout);
    assert!(!format!("{e} {e:?}").contains("hunter2"), "{e:?}");
}

#[test]
fn cross_origin_redirects_drop_host_and_sensitive_headers() {
    let port = kit().port("good");
    let send = |c: &Client| {
        c.get(&kit().good_url("/redirect/cross-origin"))
            .header("host", format!("localhost:{port}"))
            .header("x-api-key", "k1")
            .header("x-auth-token", "t1")
            .header("x-custom-secret", "c1")
            .header("authorization", "Bearer secret")
            .header("x-keep", "yes")
            .send_blocking()
            .expect("cross origin")
    };
    // Defaults: Authorization, Cookie, Proxy-Authorization, X-Api-Key, X-Auth-Token, and the
    // caller's Host (the new request names its own host).
    let c = client_with(|o| {
        o.http2 = false;
        o.headers = vec![("X-Api-Key".into(), "from-defaults".into())];
    });
    let e = echo(&send(&c));
    let h = &e["headers"];
    for gone in ["x-api-key", "x-auth-token", "authorization"] {
        assert!(h.get(gone).is_none(), "{gone} crossed origins: {h}");
    }
    assert_eq!(h["host"], json!([format!("127.0.0.1:{port}")]));
    assert_eq!(h["x-custom-secret"], json!(["c1"]));
    assert_eq!(h["x-keep"], json!(["yes"]));

    // sensitive_headers replaces the list of extras; Authorization is dropped regardless.
    let mut o = options();
    o.http2 = false;
    o.sensitive_headers = vec!["x-custom-secret".into()];
    let e = echo(&send(&Client::new(o).expect("client")));
    let h = &e["headers"];
    assert!(h.get("x-custom-secret").is_none() && h.get("authorization").is_none(), "{h}");
    assert_eq!(h["x-api-key"], json!(["k1"]));

    // The same origin keeps them all.
    let r = c.get(&kit().good_url("/redirect/same-origin")).header("x-api-key", "k1").send_blocking().expect("same");
    assert_eq!(echo(&r)["headers"]["x-api-key"], json!(["k1"]));

    // Through from_json, names are validated and lowercased.
    let o = ClientOptions::from_json(&json!({"sensitive_headers": ["X-Secret", "x-other"]})).expect("valid");
    assert_eq!(o.sensitive_headers, vec!["x-secret".to_owned(), "x-other".to_owned()]);
    let e = ClientOptions::from_json(&json!({"sensitive_headers": ["bad header\u{1b}"]})).expect_err("invalid name");
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(!e.message().contains('\u{1b}'), "{}", e.message());
}

#[test]
fn client_certificate_is_offered_to_a_redirect_target_on_another_origin() {
    // Documented (manual/security.md): the identity belongs to the client, as with curl and
    // requests; a server on another origin that asks for a certificate gets it.
    let mtls = format!("https://localhost:{}/", kit().port("mtls"));
    let c = client_with(|o| {
        o.identity = Some(tlsguard::ClientIdentity::new(
            tlsguard::Source::Path(kit().pki("client_cert")),
            tlsguard::Source::Path(kit().pki("client_key_pkcs8")),
            None,
        ))
    });
    let hop = kit().good_url(&format!("/redirect-to?url={}", mtls.replace(':', "%3A").replace('/', "%2F")));
    let r = c.get(&hop).send_blocking().expect("redirected to the mTLS server");
    assert_eq!(r.status(), 200);
    assert_eq!(r.url(), mtls);
    assert_eq!(r.redirects(), 1);
}

#[test]
fn debug_output_redacts_secrets() {
    let key_pem = std::fs::read(kit().pki("client_key_encrypted")).expect("key");
    let mut o = options();
    o.identity = Some(tlsguard::ClientIdentity::new(
        tlsguard::Source::Path(kit().pki("client_cert")),
        tlsguard::Source::Bytes(key_pem.clone()),
        Some(tlsguard_testkit::pki::KEY_PASSWORD.into()),
    ));
    o.proxy = Some("http://proxyuser:proxypass@127.0.0.1:1".into());
    o.headers = vec![
        ("Authorization".into(), "Bearer tok-123".into()),
        ("Cookie".into(), "sid=cookie-456".into()),
        ("X-Api-Key".into(), "api-789".into()),
        ("X-Visible".into(), "shown".into()),
    ];
    let opts_debug = format!("{o:?}");
    let client = Client::new(o).expect("client");
    for text in [opts_debug, format!("{client:?}"), format!("{client:#?}")] {
        assert!(!text.contains(&format!("{:?}", tlsguard_testkit::pki::KEY_PASSWORD)), "password in {text}");
        for secret in ["proxypass", "tok-123", "cookie-456", "api-789", "BEGIN", "ENCRYPTED"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(text.contains("shown") && text.contains("<redacted>"), "{text}");
    }
}

/// No byte a terminal or a log would act on: C0 controls, DEL, C1 controls, bidi controls.
fn assert_displayable(what: &str, text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|c| {
            c.is_control()
                || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    assert!(bad.is_empty(), "{what} carries raw {bad:?}: {text:?}");
}

#[test]
fn certificate_text_is_escaped_in_messages() {
    use tlsguard_testkit::pki::{HOSTILE_CN, HOSTILE_SAN};
    let port = kit().port("hostile_names");
    // Refused as self-signed: the message names the certificate by its (escaped) CN.
    let e = client().get(&format!("https://localhost:{port}/")).send_blocking().expect_err("self-signed");
    assert_eq!(e.code(), Code::CertSelfSigned);
    for text in [e.message(), e.hint(), &e.to_string()] {
        assert_displayable("self-signed refusal", text);
    }
    // The structured chain keeps the raw names (the subject in RFC 4514 form: `;` escaped).
    let subject = &e.chain()[0].subject;
    assert_eq!(subject, &format!("CN={}", HOSTILE_CN.replace(';', "\\;")));
    assert!(e.message().contains(&*tlsguard::display_safe(subject)), "{}", e.message());
    assert!(e.chain()[0].dns_names.iter().any(|n| n == HOSTILE_SAN));

    // Pinned, reached by IP: the mismatch lists the presented names, escaped.
    let pin = e.chain()[0].spki_pin.clone();
    let e = client_with(|o| {
        o.trust.ca_files.clear();
        o.trust.pins = vec![pin];
    })
    .get(&format!("https://127.0.0.1:{port}/"))
    .send_blocking()
    .expect_err("mismatch");
    assert_eq!(e.code(), Code::CertHostnameMismatch);
    assert_displayable("mismatch", e.message());
    assert!(e.message().contains(&*tlsguard::display_safe(HOSTILE_SAN)), "{}", e.message());
}

#[test]
fn close_from_inside_a_request_of_the_same_client_does_not_deadlock() {
    // What a Python signal handler calling client.close() does: the check of
    // send_blocking_checked runs on the thread whose request holds its blocking pool.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let c = client();
        let c2 = c.clone();
        let mut closed = false;
        let r = c
            .get(&kit().good_url("/slow-body"))
            .send_blocking_checked(Duration::from_millis(10), || -> Result<(), ()> {
                if !closed {
                    c2.close();
                    closed = true;
                }
                Ok(())
            })
            .expect("the check never fails");
        let after = c.get(&kit().good_url("/")).send_blocking().map(|r| r.status()).map_err(|e| e.code());
        let _ = tx.send((closed, r.map(|r| r.status()).map_err(|e| e.code()), after));
    });
    let (closed, in_flight, after) = rx.recv_timeout(Duration::from_secs(20)).expect("close() deadlocked");
    assert!(closed);
    // The request in flight finishes; the next one is refused: the client is closed.
    assert_eq!(in_flight, Ok(200));
    assert_eq!(after, Err(Code::InvalidArgument));
}

#[test]
fn any_method_token_is_sent_as_given() {
    let c = client();
    for name in ["PROPFIND", "PURGE", "QUERY"] {
        let m: Method = name.parse().expect(name);
        let r = c.request(m, &kit().good_url("/echo")).text("<x/>").send_blocking().expect(name);
        assert_eq!(echo(&r)["method"], name);
        assert_eq!(echo(&r)["body"], "<x/>");
    }
    let e = "CONNECT".parse::<Method>().expect_err("CONNECT");
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(e.message().starts_with("method:"), "{e}");
}

#[test]
fn base_url_and_default_query() {
    let base = kit().good_url("/echo/v1/");
    let c = client_with(|o| {
        o.base_url = Some(url::Url::parse(&base).unwrap());
        o.query = vec![("api".into(), "1".into())];
    });
    // Relative to the base (RFC 3986), the client's query first, then the request's.
    let r = c.get("items").query("page", "2").send_blocking().expect("relative");
    assert_eq!((echo(&r)["path"].as_str(), echo(&r)["query"].as_str()), (Some("/echo/v1/items"), Some("api=1&page=2")));
    let r = c.get("/echo/root").send_blocking().expect("absolute path");
    assert_eq!(echo(&r)["path"], "/echo/root");
    // An absolute URL replaces the base.
    let r = c.get(&kit().good_url("/echo/abs")).send_blocking().expect("absolute URL");
    assert_eq!(echo(&r)["path"], "/echo/abs");
    for bad in [json!("not a url"), json!("ftp://x.test/"), json!("https://user:pw@x.test/")] {
        let e = ClientOptions::from_json(&json!({ "base_url": bad })).expect_err("bad base_url");
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(e.message().starts_with("base_url:") && !e.message().contains("pw@"), "{e}");
    }
    // Without a base, a relative URL is an error naming it.
    let e = client().get("items").send_blocking().expect_err("relative without base");
    assert_eq!(e.code(), Code::InvalidUrl);
}
