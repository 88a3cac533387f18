//! The `auth` option (Basic and Bearer, per client and per request) against the test kit: what
//! is sent, which source of `Authorization` wins, and that it never follows a redirect to
//! another origin (host, port or scheme), whatever its source.

mod common;
use common::*;

use serde_json::{Value, json};
use tlsguard::{Auth, Client, ClientOptions, Code, RequestOptions};

fn echo(r: &tlsguard::Response) -> Value {
    assert_eq!(r.status(), 200, "{}", r.text());
    r.json().expect("echo returns JSON")
}

/// The `Authorization` values the kit's `/echo` received (empty: none).
fn authorization(r: &tlsguard::Response) -> Vec<String> {
    echo(r)["headers"]
        .get("authorization")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|v| v.as_str().expect("text").to_owned()).collect())
        .unwrap_or_default()
}

fn basic(user_pass: &str) -> String {
    use base64::Engine as _;
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(user_pass))
}

/// Everything but letters and digits percent-encoded (for `/redirect-to?url=`).
fn enc(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// A URL of the good server on `localhost` that redirects to `target`.
fn redirect_to(target: &str) -> String {
    kit().good_url(&format!("/redirect-to?url={}", enc(target)))
}

#[test]
fn client_auth_is_sent_basic_and_bearer() {
    for http2 in [false, true] {
        let c = client_with(|o| {
            o.http2 = http2;
            o.auth = Some(Auth::basic("alice", "s3cr\u{e9}t:x"));
        });
        let r = c.get(&kit().good_url("/echo")).send_blocking().expect("basic");
        assert_eq!(authorization(&r), [basic("alice:s3cr\u{e9}t:x")], "http2={http2}");
        let c = client_with(|o| {
            o.http2 = http2;
            o.auth = Some(Auth::bearer("tok.en-123"));
        });
        let r = c.get(&kit().good_url("/echo")).send_blocking().expect("bearer");
        assert_eq!(authorization(&r), ["Bearer tok.en-123"], "http2={http2}");
    }
    // By name, as every binding passes it.
    let mut o = ClientOptions::from_json(&json!({"auth": {"basic": ["bob", "pw"]}})).expect("valid");
    o.trust = client().options().trust.clone();
    o.proxy = Some(String::new());
    let r = Client::new(o).expect("client").get(&kit().good_url("/echo")).send_blocking().expect("json auth");
    assert_eq!(authorization(&r), [basic("bob:pw")]);
    // No auth, no header.
    let r = client().get(&kit().good_url("/echo")).send_blocking().expect("none");
    assert!(authorization(&r).is_empty());
}

#[test]
fn request_auth_overrides_the_clients() {
    let c = client_with(|o| {
        o.auth = Some(Auth::bearer("client-token"));
        o.headers = vec![("Authorization".into(), "Bearer from-client-headers".into())];
    });
    let url = kit().good_url("/echo");
    // The client's auth beats an Authorization in its headers.
    assert_eq!(authorization(&c.get(&url).send_blocking().expect("client")), ["Bearer client-token"]);
    let r = c.get(&url).auth(Auth::basic("req", "pw")).send_blocking().expect("request auth");
    assert_eq!(authorization(&r), [basic("req:pw")]);
    let r = c.get(&url).options_json(&json!({"auth": {"bearer": "per-request"}})).send_blocking().expect("json");
    assert_eq!(authorization(&r), ["Bearer per-request"]);
    // `auth: false`: nothing from the client, neither its auth nor its headers.
    let r = c.get(&url).options_json(&json!({"auth": false})).send_blocking().expect("no auth");
    assert!(authorization(&r).is_empty(), "{:?}", authorization(&r));
    let r = c.get(&url).no_auth().send_blocking().expect("no auth");
    assert!(authorization(&r).is_empty());
    // ...but what the request itself carries still counts.
    let r = c.get(&url).no_auth().header("authorization", "Bearer own").send_blocking().expect("own header");
    assert_eq!(authorization(&r), ["Bearer own"]);
    let mut ro = RequestOptions::default();
    ro.auth = Some(Some(Auth::bearer("typed")));
    let r = c.get(&url).with_options(ro).send_blocking().expect("typed options");
    assert_eq!(authorization(&r), ["Bearer typed"]);
}

#[test]
fn the_most_specific_source_of_authorization_wins() {
    let port = kit().port("good");
    let with_creds = format!("https://url-user:url-pw@localhost:{port}/echo");
    let c = client_with(|o| o.auth = Some(Auth::bearer("client-token")));
    // Request auth > the request's own header > URL credentials > client auth.
    let r = c
        .get(&with_creds)
        .header("authorization", "Bearer own")
        .auth(Auth::bearer("request"))
        .send_blocking()
        .expect("all four");
    assert_eq!(authorization(&r), ["Bearer request"]);
    let r = c.get(&with_creds).header("authorization", "Bearer own").send_blocking().expect("header");
    assert_eq!(authorization(&r), ["Bearer own"]);
    let r = c.get(&with_creds).send_blocking().expect("url");
    assert_eq!(authorization(&r), [basic("url-user:url-pw")]);
    // Exactly one Authorization goes out, and the URL keeps no credentials.
    assert_eq!(r.url(), kit().good_url("/echo"));
}

/// One source of credentials, applied to a fresh client and request.
type Source = fn(&str) -> tlsguard::Request;

fn sources() -> Vec<(&'static str, Source, String)> {
    vec![
        (
            "client auth",
            |url| client_with(|o| o.auth = Some(Auth::bearer("secret-1"))).get(url),
            "Bearer secret-1".into(),
        ),
        ("request auth", |url| client().get(url).auth(Auth::basic("u", "secret-2")), basic("u:secret-2")),
        ("own header", |url| client().get(url).header("Authorization", "Bearer secret-3"), "Bearer secret-3".into()),
        (
            "client headers",
            |url| client_with(|o| o.headers = vec![("authorization".into(), "Bearer secret-4".into())]).get(url),
            "Bearer secret-4".into(),
        ),
        (
            "URL credentials",
            |url| {
                let with_creds = url.replacen("https://", "https://u:secret-5@", 1);
                client().get(&with_creds)
            },
            basic("u:secret-5"),
        ),
    ]
}

#[test]
fn authorization_stays_on_a_same_origin_redirect() {
    for (what, make, expected) in sources() {
        let r = make(&kit().good_url("/redirect/same-origin")).send_blocking().expect(what);
        assert_eq!(r.redirects(), 1, "{what}");
        assert_eq!(authorization(&r), std::slice::from_ref(&expected), "{what}");
        let r = make(&kit().good_url("/redirect/3")).send_blocking().expect(what);
        assert_eq!(authorization(&r), [expected], "{what}: three hops on one origin");
    }
}

#[test]
fn authorization_is_dropped_when_a_redirect_leaves_the_origin() {
    let good = kit().port("good");
    let other_port = format!("https://localhost:{}/echo", kit().port("tls13_only"));
    let other_host = format!("https://127.0.0.1:{good}/echo");
    for (what, make, _) in sources() {
        // Host: localhost -> 127.0.0.1.
        let r = make(&kit().good_url("/redirect/cross-origin")).send_blocking().expect(what);
        assert_eq!(r.url(), other_host, "{what}");
        assert!(authorization(&r).is_empty(), "{what} crossed to another host");
        // Port: same host, another server.
        let r = make(&redirect_to(&other_port)).send_blocking().expect(what);
        assert_eq!(r.url(), other_port, "{what}");
        assert!(authorization(&r).is_empty(), "{what} crossed to another port");
        // Leaving and coming back: not restored (as requests and httpx do).
        let back = format!("https://127.0.0.1:{good}/redirect-to?url={}", enc(&kit().good_url("/echo")));
        let r = make(&redirect_to(&back)).send_blocking().expect(what);
        assert_eq!(r.redirects(), 2, "{what}");
        assert_eq!(r.url(), kit().good_url("/echo"));
        assert!(authorization(&r).is_empty(), "{what} came back after leaving the origin");
    }
}

#[test]
fn authorization_is_dropped_on_a_scheme_change() {
    // http://127.0.0.1:<plain> -> https://127.0.0.1:<good>: an upgrade, but another origin.
    let target = format!("https://127.0.0.1:{}/echo", kit().port("good"));
    let start = kit().plain_url(&format!("/redirect-to?url={}", enc(&target)));
    for auth in [Some(Auth::bearer("plain-secret")), None] {
        let c = client_with(|o| {
            o.allow_http = true;
            o.auth = auth.clone();
        });
        let req = c.get(&start);
        let req = if auth.is_none() { req.header("authorization", "Bearer plain-secret") } else { req };
        let r = req.send_blocking().expect("upgrade");
        assert_eq!(r.url(), target);
        assert!(authorization(&r).is_empty(), "{auth:?}");
    }
    // Over http:// itself the credentials are sent, as the caller allowed plaintext.
    let c = client_with(|o| {
        o.allow_http = true;
        o.auth = Some(Auth::bearer("plain-secret"));
    });
    let r = c.get(&kit().plain_url("/echo")).send_blocking().expect("plain");
    assert_eq!(authorization(&r), ["Bearer plain-secret"]);
}

#[test]
fn bad_auth_is_refused_naming_the_option_and_never_the_secret() {
    for bad in [
        json!("hunter2"),
        json!({"basic": "user:hunter2"}),
        json!({"basic": ["us:er", "hunter2"]}),
        json!({"bearer": "hunter2 hunter2"}),
        json!({"bearer": ""}),
        json!({"digest": ["u", "hunter2"]}),
        json!({"basic": ["u", "hunter2"], "bearer": "hunter2"}),
        json!(true),
    ] {
        for e in [
            ClientOptions::from_json(&json!({ "auth": bad })).expect_err("client option"),
            RequestOptions::from_json(&json!({ "auth": bad })).expect_err("request option"),
            client()
                .get(&kit().good_url("/echo"))
                .options_json(&json!({ "auth": bad }))
                .send_blocking()
                .expect_err("send"),
        ] {
            assert_eq!(e.code(), Code::InvalidArgument, "{bad}");
            assert!(e.message().contains("auth"), "{bad}: {e}");
            assert!(!format!("{e} {e:?}").contains("hunter2"), "{bad}: the secret in {e:?}");
        }
    }
    // Rust values are checked where they are given.
    let e = client().get(&kit().good_url("/echo")).auth(Auth::bearer("a b")).send_blocking().expect_err("space");
    assert_eq!(e.code(), Code::InvalidArgument);
    let mut o = client().options().clone();
    o.auth = Some(Auth::basic("a:b", "hunter2"));
    let e = Client::new(o).expect_err("colon in the user name");
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(e.message().contains("auth") && !e.message().contains("hunter2"), "{e}");
}

#[test]
fn secrets_stay_out_of_debug_and_errors() {
    let c = client_with(|o| {
        o.auth = Some(Auth::basic("alice", "hunter2"));
        o.timeout = Some(std::time::Duration::from_millis(300));
    });
    let shown = format!("{c:?} {:?} {:?}", c.options(), Auth::bearer("tok-hunter2"));
    assert!(!shown.contains("hunter2") && shown.contains("<redacted>"), "{shown}");
    let e = c.get(&kit().good_url("/slow")).send_blocking().expect_err("timeout");
    assert_eq!(e.code(), Code::Timeout);
    assert!(!format!("{e} {e:?}").contains("hunter2") && !format!("{e:?}").contains(&basic("alice:hunter2")[6..]));
}
