//! The cookie jar (`cookies` client option) against the test kit: cookies set and sent, scoped
//! by host and path, expired and deleted, `Secure` never over `http://`, a public suffix
//! refused, cookies from redirect responses, and a jar exported, imported and shared. The RFC
//! 6265 cases the kit cannot serve (other host names, `co.uk`, dates) are unit tests in
//! `src/client/cookies.rs`.

mod common;
use common::*;

use serde_json::{Value, json};
use tlsguard::{Client, ClientOptions, Code, CookieJar};

fn echo(r: &tlsguard::Response) -> Value {
    assert_eq!(r.status(), 200, "{}", r.text());
    r.json().expect("echo returns JSON")
}

/// The `Cookie` header `/echo` received (`None`: none).
fn cookie_sent(c: &Client, url: &str) -> Option<String> {
    let r = c.get(url).send_blocking().expect("echo");
    let e = echo(&r);
    let values = e["headers"].get("cookie")?.as_array().expect("list").clone();
    assert_eq!(values.len(), 1, "one Cookie header: {values:?}");
    Some(values[0].as_str().expect("text").to_owned())
}

/// Everything but letters and digits percent-encoded.
fn enc(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// `base` + `/set-cookie` with these `Set-Cookie` values.
fn set_url(base: &str, cookies: &[&str]) -> String {
    let q: Vec<String> = cookies.iter().map(|c| format!("c={}", enc(c))).collect();
    format!("{base}/set-cookie?{}", q.join("&"))
}

fn good() -> String {
    format!("https://localhost:{}", kit().port("good"))
}

fn good_ip() -> String {
    format!("https://127.0.0.1:{}", kit().port("good"))
}

fn plain() -> String {
    format!("http://127.0.0.1:{}", kit().port("plain"))
}

fn jar_client() -> Client {
    client_with(|o| {
        o.cookies = Some(CookieJar::new());
        o.allow_http = true;
    })
}

fn set(c: &Client, base: &str, cookies: &[&str]) {
    let r = c.get(&set_url(base, cookies)).send_blocking().expect("set-cookie");
    assert_eq!(r.status(), 200, "{}", r.text());
}

#[test]
fn no_jar_by_default() {
    let c = client();
    set(&c, &good(), &["a=1"]);
    assert_eq!(cookie_sent(&c, &format!("{}/echo", good())), None);
    assert!(c.cookie_jar().is_none() && c.cookies_json().is_none());
}

#[test]
fn cookies_are_stored_and_sent_host_only() {
    let c = jar_client();
    set(&c, &good(), &["a=1", "b=two words"]);
    assert_eq!(cookie_sent(&c, &format!("{}/echo", good())).as_deref(), Some("a=1; b=two words"));
    // Host-only: localhost's cookies do not go to 127.0.0.1 (same server, same port).
    assert_eq!(cookie_sent(&c, &format!("{}/echo", good_ip())), None);
    // Not scoped by port (RFC 6265 8.5): another server on localhost gets them.
    let other = format!("https://localhost:{}/echo", kit().port("tls13_only"));
    assert_eq!(cookie_sent(&c, &other).as_deref(), Some("a=1; b=two words"));
    // Replaced by name, domain and path; the jar says what it holds.
    set(&c, &good(), &["a=3"]);
    assert_eq!(cookie_sent(&c, &format!("{}/echo", good())).as_deref(), Some("a=3; b=two words"));
    let jar = c.cookies_json().expect("a jar");
    assert_eq!(jar[0]["name"], "a");
    assert_eq!(jar[0]["domain"], "localhost");
    assert_eq!(jar[0]["host_only"], true);
    assert_eq!(jar[0]["path"], "/");
    assert_eq!(jar[0]["expires"], Value::Null);
}

#[test]
fn domain_attributes_are_checked() {
    let c = jar_client();
    // Another site's domain: refused.
    set(&c, &good(), &["x=1; Domain=example.com", "y=1; Domain=127.0.0.1"]);
    assert!(c.cookie_jar().expect("jar").is_empty(), "{:?}", c.cookies_json());
    // `localhost` is a public suffix (an unlisted top-level name): as the host itself, the
    // cookie is host-only (RFC 6265 5.3 step 5) ...
    set(&c, &good(), &["ps=1; Domain=localhost"]);
    let jar = c.cookies_json().expect("jar");
    assert_eq!((jar[0]["domain"].as_str(), jar[0]["host_only"].as_bool()), (Some("localhost"), Some(true)));
    // ... and an IP address domain-matches only itself.
    set(&c, &good_ip(), &["ip=1; Domain=127.0.0.1"]);
    assert_eq!(cookie_sent(&c, &format!("{}/echo", good_ip())).as_deref(), Some("ip=1"));
    assert_eq!(cookie_sent(&c, &format!("{}/echo", good())).as_deref(), Some("ps=1"));
}

#[test]
fn cookies_are_scoped_by_path() {
    let c = jar_client();
    let base = good();
    // Set from /set-cookie: the default path is "/"; explicit paths below /echo.
    set(&c, &base, &["root=1", "deep=2; Path=/echo/a", "dir=3; Path=/echo/"]);
    assert_eq!(cookie_sent(&c, &format!("{base}/echo")).as_deref(), Some("root=1"));
    assert_eq!(cookie_sent(&c, &format!("{base}/echo/")).as_deref(), Some("dir=3; root=1"));
    assert_eq!(cookie_sent(&c, &format!("{base}/echo/a")).as_deref(), Some("deep=2; dir=3; root=1"));
    assert_eq!(cookie_sent(&c, &format!("{base}/echo/a/b")).as_deref(), Some("deep=2; dir=3; root=1"));
    assert_eq!(cookie_sent(&c, &format!("{base}/echo/ab")).as_deref(), Some("dir=3; root=1"));
}

#[test]
fn expired_cookies_are_deleted_and_not_sent() {
    let c = jar_client();
    let base = good();
    set(&c, &base, &["keep=1", "gone=1", "old=1", "short=1; Max-Age=1"]);
    assert_eq!(cookie_sent(&c, &format!("{base}/echo")).as_deref(), Some("keep=1; gone=1; old=1; short=1"));
    set(&c, &base, &["gone=; Max-Age=0", "old=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "never=1; Max-Age=-1"]);
    assert_eq!(cookie_sent(&c, &format!("{base}/echo")).as_deref(), Some("keep=1; short=1"));
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert_eq!(cookie_sent(&c, &format!("{base}/echo")).as_deref(), Some("keep=1"));
    assert_eq!(c.cookie_jar().expect("jar").cookies().len(), 1);
}

#[test]
fn secure_cookies_never_go_over_http() {
    let c = jar_client();
    // Set over https on 127.0.0.1, so the plain server (also 127.0.0.1) is the same host.
    set(&c, &good_ip(), &["s=1; Secure", "p=1"]);
    assert_eq!(cookie_sent(&c, &format!("{}/echo", good_ip())).as_deref(), Some("s=1; p=1"));
    assert_eq!(cookie_sent(&c, &format!("{}/echo", plain())).as_deref(), Some("p=1"));
    // Over http:// a Secure cookie is refused, and a Secure cookie cannot be replaced.
    set(&c, &plain(), &["t=1; Secure", "s=from-http"]);
    assert_eq!(cookie_sent(&c, &format!("{}/echo", good_ip())).as_deref(), Some("s=1; p=1"));
    // A plain cookie set over http:// is fine.
    set(&c, &plain(), &["q=1"]);
    assert_eq!(cookie_sent(&c, &format!("{}/echo", plain())).as_deref(), Some("p=1; q=1"));
}

#[test]
fn cookies_from_redirects_are_stored_and_follow_the_hops() {
    let c = jar_client();
    let base = good();
    // A login's 302 sets the session, and the next hop sends it.
    let login = format!("{}&redirect={}", set_url(&base, &["session=abc"]), enc("/echo"));
    let r = c.get(&login).send_blocking().expect("login");
    assert_eq!(r.redirects(), 1);
    assert_eq!(echo(&r)["headers"]["cookie"], json!(["session=abc"]));
    // To another host, the jar sends that host's cookies only.
    set(&c, &good_ip(), &["ip=1"]);
    let hop = format!("{}&redirect={}", set_url(&base, &["more=1"]), enc(&format!("{}/echo", good_ip())));
    let r = c.get(&hop).send_blocking().expect("cross-origin hop");
    assert_eq!(r.url(), format!("{}/echo", good_ip()));
    assert_eq!(echo(&r)["headers"]["cookie"], json!(["ip=1"]));
    assert_eq!(cookie_sent(&c, &format!("{base}/echo")).as_deref(), Some("session=abc; more=1"));
    // Redirects::Manual: the 3xx's cookies are stored too.
    let r = c
        .get(&format!("{}&redirect={}", set_url(&base, &["manual=1"]), enc("/echo")))
        .redirect(tlsguard::Redirects::Manual)
        .send_blocking()
        .expect("manual");
    assert_eq!(r.status(), 302);
    assert!(cookie_sent(&c, &format!("{base}/echo")).expect("cookies").contains("manual=1"));
}

#[test]
fn the_callers_cookie_header_comes_first_and_wins_by_name() {
    let c = jar_client();
    set(&c, &good(), &["a=jar", "b=jar"]);
    let r = c.get(&format!("{}/echo", good())).header("cookie", "a=mine; z=1").send_blocking().expect("echo");
    assert_eq!(echo(&r)["headers"]["cookie"], json!(["a=mine; z=1; b=jar"]));
    // A caller's Cookie header is still dropped across origins; the jar decides for the new host.
    set(&c, &good_ip(), &["ip=1"]);
    let r = c
        .get(&kit().good_url("/redirect/cross-origin"))
        .header("cookie", "mine=1")
        .send_blocking()
        .expect("cross origin");
    assert_eq!(echo(&r)["headers"]["cookie"], json!(["ip=1"]));
}

#[test]
fn a_jar_is_exported_imported_and_shared() {
    let c = jar_client();
    set(&c, &good(), &["sid=s1; Path=/; HttpOnly; Max-Age=3600", "pref=dark"]);
    set(&c, &good_ip(), &["ip=1; Secure"]);
    let saved = c.cookies_json().expect("jar");
    assert_eq!(saved.as_array().expect("list").len(), 3);
    assert_eq!(saved[0]["http_only"], true);
    assert!(saved[0]["expires"].as_i64().is_some());
    assert_eq!(saved[2]["secure"], true);
    // Through JSON text, as a binding persists it, into a new client by option name.
    let text = saved.to_string();
    let mut o = ClientOptions::from_json(&json!({"cookies": serde_json::from_str::<Value>(&text).expect("json")}))
        .expect("import");
    o.trust = client().options().trust.clone();
    o.proxy = Some(String::new());
    let restored = Client::new(o).expect("client");
    assert_eq!(cookie_sent(&restored, &format!("{}/echo", good())).as_deref(), Some("sid=s1; pref=dark"));
    assert_eq!(cookie_sent(&restored, &format!("{}/echo", good_ip())).as_deref(), Some("ip=1"));
    assert_eq!(restored.cookies_json(), Some(saved));
    // Two clients given one jar share it.
    let jar = CookieJar::new();
    let a = client_with(|o| o.cookies = Some(jar.clone()));
    let b = client_with(|o| o.cookies = Some(jar.clone()));
    set(&a, &good(), &["shared=1"]);
    assert_eq!(cookie_sent(&b, &format!("{}/echo", good())).as_deref(), Some("shared=1"));
    jar.clear();
    assert_eq!(cookie_sent(&a, &format!("{}/echo", good())), None);
    // Client::shared never shares a client with a jar.
    let mut o = client().options().clone();
    o.cookies = Some(CookieJar::new());
    let s1 = Client::shared(o.clone()).expect("shared");
    set(&s1, &good(), &["one=1"]);
    let mut o2 = o.clone();
    o2.cookies = Some(CookieJar::new());
    let s2 = Client::shared(o2).expect("shared");
    assert_eq!(cookie_sent(&s2, &format!("{}/echo", good())), None);
}

#[test]
fn bad_cookie_options_are_refused_naming_cookies() {
    for bad in [
        json!("yes"),
        json!(1),
        json!({"name": "a"}),
        json!([{"name": "a", "value": "hunter2", "domain": "co.uk", "host_only": false}]),
        json!([{"name": "a", "value": "hunter2"}]),
        json!([{"name": "a", "value": "hunter2\r\n", "domain": "localhost"}]),
    ] {
        let e = ClientOptions::from_json(&json!({ "cookies": bad })).expect_err("refused");
        assert_eq!(e.code(), Code::InvalidArgument, "{bad}");
        assert!(e.message().starts_with("cookies"), "{bad}: {e}");
        assert!(!e.message().contains("hunter2"), "{bad}: a value in {e}");
    }
    assert!(ClientOptions::from_json(&json!({"cookies": false})).expect("off").cookies.is_none());
    assert!(ClientOptions::from_json(&json!({"cookies": []})).expect("empty").cookies.is_some());
}

#[test]
fn cookie_values_stay_out_of_debug() {
    let c = jar_client();
    set(&c, &good(), &["sid=hunter2"]);
    let shown = format!("{c:?} {:?} {:?}", c.options(), c.cookie_jar().expect("jar").cookies());
    assert!(!shown.contains("hunter2"), "{shown}");
}
