//! The debug log (`tracing` events) names each step of a request — connect, TLS and the
//! verdict, the attempt, the response and its connection, redirects, retries — and never a
//! secret: not the Authorization value, a cookie, a query string or proxy credentials.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{client_with, kit};

/// Everything the log printed, as one string.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

#[test]
fn the_log_names_each_step_and_no_secret() {
    use tracing_subscriber::prelude::*;
    let capture = Capture::default();
    let filter = tracing_subscriber::filter::Targets::new().with_target("tlsguard", tracing::Level::DEBUG);
    // Global: the events happen on the runtime's threads.
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(capture.clone()).with_ansi(false))
        .with(filter)
        .init();

    let c = client_with(|o| {
        o.retries = Some({
            let mut r = tlsguard::Retries::new(2);
            r.backoff = std::time::Duration::from_millis(10);
            r
        });
        o.auth = Some(tlsguard::Auth::bearer("bearer-secret-123"));
    });
    let key = format!("log-{}", std::process::id());
    let r = c
        .get(&kit().good_url(&format!("/flaky?key={key}&fail=1&token=query-secret-456")))
        .header("cookie", "session=cookie-secret-789")
        .send_blocking()
        .expect("retried to 200");
    assert_eq!((r.status(), r.attempts()), (200, 2));
    let r = c.get(&kit().good_url("/redirect/2")).send_blocking().expect("redirected");
    assert_eq!(r.redirects(), 2);

    let log = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    for step in [
        "GET https://localhost:",
        "(attempt 1)",
        "connecting to localhost:",
        "TCP connected to 127.0.0.1:",
        "TLS with localhost:",
        "certificate chain verified",
        "503 Service Unavailable from localhost",
        "new connection #",
        "retrying in",
        "(attempt 2)",
        "reused connection #",
        "following the 302 redirect to https://localhost:",
    ] {
        assert!(log.contains(step), "the log lacks {step:?}:\n{log}");
    }
    for secret in ["bearer-secret-123", "cookie-secret-789", "query-secret-456", "token="] {
        assert!(!log.contains(secret), "the log shows {secret:?}:\n{log}");
    }
    assert!(log.lines().all(|l| l.contains("DEBUG tlsguard")), "only tlsguard's events:\n{log}");
}
