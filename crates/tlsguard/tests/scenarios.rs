//! The shared scenario suite, in Rust: every scenario of the test kit's manifest (the same list
//! the Python, Node and PHP suites run) through the public client API. A scenario either fails
//! with its expected code, and its message carries the expected facts, or succeeds with its
//! expected status, body, HTTP version and TLS version. A row with `max_seconds` (the hostile
//! servers) must end within that time, and its client must then still get a 200 from the good
//! server.

use tlsguard::{Client, ClientOptions, Method};
use tlsguard_testkit::{Kit, Scenario};

/// The error's detail has every key of `want`, each value containing its text (a list: one
/// element; a time: any value).
fn check_detail(err: &tlsguard::Error, want: &std::collections::BTreeMap<String, String>) -> Result<(), String> {
    if want.is_empty() {
        return Ok(());
    }
    let detail = err.detail().ok_or_else(|| format!("no detail: {err}"))?;
    let fields = detail.fields();
    for (key, fact) in want {
        let value = fields.iter().find(|(k, _)| k == key).map(|(_, v)| *v);
        let ok = match value {
            None | Some(tlsguard::Fact::Null) => false,
            Some(tlsguard::Fact::Text(t)) => t.contains(fact.as_str()),
            Some(tlsguard::Fact::Texts(l)) => fact.is_empty() || l.iter().any(|t| t.contains(fact.as_str())),
            Some(tlsguard::Fact::Time(_)) => fact.is_empty(),
            Some(_) => false,
        };
        if !ok {
            return Err(format!("detail {key} is {value:?}, wanted {fact:?} in it: {detail:?}"));
        }
    }
    Ok(())
}

/// Runs scenario `s`; `good` is the URL of the kit's good server (for the rows with
/// `max_seconds`, whose client must still work afterwards).
fn run(s: &Scenario, good: &str) -> Result<(), String> {
    let mut opts = serde_json::Value::Object(s.options.clone());
    // The kit's manifest never relies on the machine's environment.
    opts["use_env"] = serde_json::Value::Bool(false);
    let started = std::time::Instant::now();
    let mut used_client = None;
    let outcome = ClientOptions::from_json(&opts).and_then(Client::new).and_then(|client| {
        let method: Method = s.method.parse()?;
        let mut req = client.request(method, &s.url);
        if let Some(headers) = s.request.get("headers").and_then(|h| h.as_object()) {
            for (k, v) in headers {
                req = req.header(k, v.as_str().unwrap_or_default());
            }
        }
        if let Some(body) = s.request.get("body").and_then(|b| b.as_str()) {
            req = req.text(body.to_owned());
        }
        used_client = Some(client.clone());
        req.send_blocking()
    });
    let e = &s.expect;
    if let Some(max) = e.max_seconds {
        let took = started.elapsed().as_secs_f64();
        if took > max {
            return Err(format!("took {took:.2} s, more than {max} s"));
        }
        let client = used_client.ok_or("no client was made")?;
        match client.get(&format!("{good}/")).send_blocking() {
            Ok(r) if r.status() == 200 => {}
            Ok(r) => return Err(format!("the next request got status {}", r.status())),
            Err(err) => return Err(format!("the next request failed: {err}")),
        }
    }
    match (outcome, &e.code) {
        (Err(err), Some(code)) => {
            if err.code().as_str() != code {
                return Err(format!("expected {code}, got {err}"));
            }
            for fact in &e.message_contains {
                if !err.message().contains(fact.as_str()) {
                    return Err(format!("message lacks {fact:?}: {err}"));
                }
            }
            if err.hint().is_empty() {
                return Err("empty hint".into());
            }
            check_detail(&err, &e.detail)?;
            if let Some(fact) = &e.cause_contains {
                use std::error::Error as _;
                let cause = err.source().map(|c| c.to_string()).unwrap_or_default();
                if !cause.contains(fact.as_str()) {
                    return Err(format!("cause {cause:?} lacks {fact:?}: {err}"));
                }
            }
            if err.code().category() == tlsguard::Category::Certificate && err.chain().is_empty() {
                return Err(format!("certificate error without the presented chain: {err}"));
            }
            if err.url() != Some(s.url.as_str()) {
                return Err(format!("error url {:?} != {}", err.url(), s.url));
            }
            Ok(())
        }
        (Err(err), None) => Err(format!("expected success, got {err} (hint: {})", err.hint())),
        (Ok(r), Some(code)) => Err(format!("expected {code}, got status {}", r.status())),
        (Ok(r), None) => {
            if let Some(status) = e.status
                && r.status() != status
            {
                return Err(format!("status {} != {status}", r.status()));
            }
            let text = r.text();
            for fact in &e.body_contains {
                if !text.contains(fact.as_str()) {
                    return Err(format!("body lacks {fact:?}: {text:.200}"));
                }
            }
            if let Some(v) = &e.http_version
                && r.http_version() != v
            {
                return Err(format!("http version {} != {v}", r.http_version()));
            }
            if let Some(v) = &e.tls_version {
                let got = r.tls().map(|t| t.version.as_str()).unwrap_or("none");
                if got != v {
                    return Err(format!("tls version {got} != {v}"));
                }
            }
            if s.url.starts_with("https://") && r.peer_certificates().is_empty() {
                return Err("https response without peer certificates".into());
            }
            Ok(())
        }
    }
}

#[test]
fn every_scenario_gives_its_expected_result() {
    let dir = std::env::temp_dir().join(format!("tlsguard-scenarios-{}", std::process::id()));
    let kit = Kit::start(&dir).expect("test kit starts");
    let scenarios = kit.manifest().scenarios.clone();
    assert!(scenarios.len() >= 40, "only {} scenarios", scenarios.len());
    let good = kit.manifest().servers["good"].clone();
    let mut failures = Vec::new();
    for s in &scenarios {
        match run(s, &good) {
            Ok(()) => println!("ok    {:<28} {}", s.name, s.expect.code.as_deref().unwrap_or("success")),
            Err(why) => {
                println!("FAIL  {:<28} {why}", s.name);
                failures.push(format!("{}: {why}", s.name));
            }
        }
    }
    drop(kit);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        failures.is_empty(),
        "{} of {} scenarios failed:\n{}",
        failures.len(),
        scenarios.len(),
        failures.join("\n")
    );
}
