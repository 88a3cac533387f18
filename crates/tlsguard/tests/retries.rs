//! Retries against the test kit: counted, `Retry-After` honoured, only idempotent methods,
//! only failures that are safe to retry, within the request's deadline, never for TLS.

mod common;

use std::time::{Duration, Instant};

use common::{client_with, kit};
use tlsguard::{Code, Method, Retries};

/// A policy with `n` retries and short waits.
fn quick(n: u32) -> Retries {
    let mut r = Retries::new(n);
    r.backoff = Duration::from_millis(20);
    r
}

/// A key no other test uses (the kit counts `/flaky` hits per key for the process's life).
fn key(name: &str) -> String {
    format!("{name}-{}", std::process::id())
}

#[test]
fn a_listed_status_is_retried_and_counted() {
    let c = client_with(|o| o.retries = Some(quick(3)));
    let r = c.get(&kit().good_url(&format!("/flaky?key={}&fail=2&status=503", key("count")))).send_blocking().unwrap();
    assert_eq!((r.status(), r.text(), r.attempts()), (200, "attempt 3".to_owned(), 3));

    // Out of retries: the last response is returned, with the attempts it took.
    let r = c.get(&kit().good_url(&format!("/flaky?key={}&fail=9&status=502", key("out")))).send_blocking().unwrap();
    assert_eq!((r.status(), r.attempts()), (502, 4));

    // A status that is not listed is returned at once.
    let r = c.get(&kit().good_url(&format!("/flaky?key={}&fail=1&status=500", key("500")))).send_blocking().unwrap();
    assert_eq!((r.status(), r.attempts()), (500, 1));
}

#[test]
fn without_a_policy_nothing_is_retried() {
    let c = client_with(|_| {});
    let r = c.get(&kit().good_url(&format!("/flaky?key={}&fail=1", key("none")))).send_blocking().unwrap();
    assert_eq!((r.status(), r.attempts()), (503, 1));
    // The request's own policy replaces the client's (here: none → 2 retries).
    let r = c
        .get(&kit().good_url(&format!("/flaky?key={}&fail=1", key("per-request"))))
        .retries(quick(2))
        .send_blocking()
        .unwrap();
    assert_eq!((r.status(), r.attempts()), (200, 2));
}

#[test]
fn post_is_not_retried_unless_listed() {
    let c = client_with(|o| o.retries = Some(quick(3)));
    let url = kit().good_url(&format!("/flaky?key={}&fail=1", key("post")));
    let r = c.request(Method::Post, &url).text("x").send_blocking().unwrap();
    assert_eq!((r.status(), r.attempts()), (503, 1));
    let mut listed = quick(3);
    listed.methods = Some(vec![Method::Post]);
    let url = kit().good_url(&format!("/flaky?key={}&fail=1", key("post-listed")));
    let r = c.request(Method::Post, &url).text("x").retries(listed).send_blocking().unwrap();
    assert_eq!((r.status(), r.text(), r.attempts()), (200, "attempt 2".to_owned(), 2));
}

#[test]
fn retry_after_is_honoured_within_the_deadline() {
    let c = client_with(|o| o.retries = Some(quick(2)));
    let start = Instant::now();
    let r =
        c.get(&kit().good_url(&format!("/flaky?key={}&fail=1&retry_after=1", key("after")))).send_blocking().unwrap();
    assert_eq!((r.status(), r.attempts()), (200, 2));
    assert!(start.elapsed() >= Duration::from_millis(950), "waited {:?}", start.elapsed());

    // A Retry-After past the request's timeout: no retry, the 503 is the answer.
    let start = Instant::now();
    let r = c
        .get(&kit().good_url(&format!("/flaky?key={}&fail=1&retry_after=5", key("past"))))
        .timeout(Duration::from_secs(2))
        .send_blocking()
        .unwrap();
    assert_eq!((r.status(), r.attempts()), (503, 1));
    assert!(start.elapsed() < Duration::from_secs(1), "did not wait: {:?}", start.elapsed());

    // One longer than max_backoff is not honoured either.
    let mut short = quick(2);
    short.max_backoff = Duration::from_millis(500);
    let r = c
        .get(&kit().good_url(&format!("/flaky?key={}&fail=1&retry_after=2", key("long"))))
        .retries(short)
        .send_blocking()
        .unwrap();
    assert_eq!((r.status(), r.attempts()), (503, 1));
}

#[test]
fn a_refused_connection_is_retried_and_the_error_counts_attempts() {
    // A port nothing listens on (bound, then closed).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let c = client_with(|o| o.retries = Some(quick(2)));
    let e = c.get(&format!("https://127.0.0.1:{port}/")).send_blocking().unwrap_err();
    assert_eq!(e.code(), Code::Connect, "{e}");
    assert_eq!(e.attempts(), Some(3), "{e}");
    assert!(e.message().ends_with("(after 3 attempts)"), "{}", e.message());
}

#[test]
fn certificate_and_tls_failures_are_never_retried() {
    let c = client_with(|o| o.retries = Some(quick(3)));
    let e = c.get(&kit().url("expired")).send_blocking().unwrap_err();
    assert_eq!(e.code(), Code::CertExpired, "{e}");
    assert_eq!(e.attempts(), None, "one attempt: {e}");
}

#[test]
fn a_timeout_after_sending_is_not_retried() {
    // /slow answers after its delay: the read timeout fires after the request was sent.
    let c = client_with(|o| {
        o.retries = Some(quick(3));
        o.read_timeout = Some(Duration::from_millis(300));
        o.connect_timeout = Duration::from_millis(300); // the head wait allows for a connect first
    });
    let e = c.get(&kit().good_url("/slow")).send_blocking().unwrap_err();
    assert_eq!(e.code(), Code::Timeout, "{e}");
    assert_eq!(e.attempts(), None, "{e}");
}

#[test]
fn the_retries_option_by_name() {
    let o = tlsguard::ClientOptions::from_json(&serde_json::json!({"retries": 2})).unwrap();
    assert_eq!(o.retries, Some(Retries::new(2)));
    let o = tlsguard::ClientOptions::from_json(&serde_json::json!({"retries": 0})).unwrap();
    assert_eq!(o.retries, None);
    let o =
        tlsguard::RequestOptions::from_json(&serde_json::json!({"retries": {"max": 1, "statuses": [500]}})).unwrap();
    assert_eq!(o.retries.map(|r| (r.max_retries, r.statuses)), Some((1, vec![500])));
    let e = tlsguard::RequestOptions::from_json(&serde_json::json!({"retries": "x"})).unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(e.message().starts_with("retries:"), "{}", e.message());
}
