//! x509-limbo conformance: every case of `tests/limbo/limbo.json.xz` through `verify_chain`.
//!
//! Prints pass / fail / skip, writes the per-case results to `target/limbo-results.txt`, and
//! fails when a case behaves differently from `tests/limbo/known.txt` (the one file listing
//! every skip and every known failure with its reason): a new failure, or a listed failure that
//! now passes (so the list never goes stale).

use std::collections::BTreeMap;
use std::io::Read;
use std::process::{Command, Stdio};

use serde_json::Value;
use tlsguard::{Purpose, Roots, Source, TrustOptions, VerifyOptions, verify_chain};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn load_cases() -> Vec<Value> {
    let path = format!("{ROOT}/tests/limbo/limbo.json.xz");
    let mut child = Command::new("xz")
        .args(["-dc", &path])
        .stdout(Stdio::piped())
        .spawn()
        .expect("xz is needed to read the limbo suite (apt-get install xz-utils)");
    let mut text = String::new();
    child.stdout.take().unwrap().read_to_string(&mut text).unwrap();
    assert!(child.wait().unwrap().success());
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    match doc["testcases"].take() {
        Value::Array(cases) => cases,
        _ => panic!("no testcases"),
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Outcome {
    Pass,
    Fail,
    Skip,
}

fn rfc3339_to_unix(s: &str) -> Option<i64> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    Some(t.unix_timestamp())
}

/// Runs one case; returns the outcome and a short note (the error, or why it was skipped).
fn run_case(case: &Value) -> (Outcome, String) {
    let skip = |why: &str| (Outcome::Skip, why.to_owned());
    let strs = |key: &str| -> Vec<String> {
        case[key]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    let purpose = match case["validation_kind"].as_str() {
        Some("SERVER") => Purpose::Server,
        Some("CLIENT") => Purpose::Client,
        _ => return skip("unknown validation kind"),
    };
    let eku = strs("extended_key_usage");
    let wanted = if purpose == Purpose::Server { "serverAuth" } else { "clientAuth" };
    if eku.iter().any(|e| e != wanted) {
        return skip("asks for an extended key usage other than the purpose's");
    }
    let hostname = match case["expected_peer_name"]["kind"].as_str() {
        Some("DNS") | Some("IP") => case["expected_peer_name"]["value"].as_str().map(str::to_owned),
        Some(_) => return skip("RFC 822 peer names are not supported"),
        None => None,
    };
    let mut trust = TrustOptions::default();
    trust.roots = Roots::None;
    trust.use_env = false;
    trust.ca_pem = vec![strs("trusted_certs").join("\n").into_bytes()];
    trust.crls = strs("crls").into_iter().map(|c| Source::Bytes(c.into_bytes())).collect();
    let mut opts = VerifyOptions::default();
    opts.trust = trust;
    opts.hostname = hostname;
    opts.purpose = purpose;
    opts.at = case["validation_time"].as_str().and_then(rfc3339_to_unix);
    opts.max_chain_depth = case["max_chain_depth"].as_u64().map(|d| d as usize);
    let mut chain = case["peer_certificate"].as_str().unwrap_or_default().to_owned();
    for i in strs("untrusted_intermediates") {
        chain.push('\n');
        chain.push_str(&i);
    }
    let (accepted, note) = match verify_chain(chain.as_bytes(), &opts) {
        Ok(r) if r.ok => (true, "accepted".to_owned()),
        Ok(r) => (false, r.error.map(|e| e.to_string()).unwrap_or_default()),
        Err(e) => (false, format!("input refused: {e}")),
    };
    let expected = case["expected_result"].as_str() == Some("SUCCESS");
    if accepted == expected { (Outcome::Pass, note) } else { (Outcome::Fail, note) }
}

fn load_known() -> BTreeMap<String, (Outcome, String)> {
    let text = std::fs::read_to_string(format!("{ROOT}/tests/limbo/known.txt")).unwrap_or_default();
    let mut known = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
        let mut parts = line.splitn(3, '\t');
        let (id, kind, why) = (parts.next().unwrap(), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let outcome = match kind {
            "fail" => Outcome::Fail,
            "skip" => Outcome::Skip,
            other => panic!("known.txt: bad kind {other:?} for {id}"),
        };
        known.insert(id.to_owned(), (outcome, why.to_owned()));
    }
    known
}

#[test]
fn x509_limbo() {
    let cases = load_cases();
    let known = load_known();
    let mut counts = BTreeMap::new();
    let mut surprises = Vec::new();
    let mut report = String::new();
    for case in &cases {
        let id = case["id"].as_str().unwrap_or_default();
        let (outcome, note) = run_case(case);
        *counts.entry(format!("{outcome:?}")).or_insert(0usize) += 1;
        let listed = known.get(id).map(|(o, _)| *o);
        let expected_outcome = listed.unwrap_or(Outcome::Pass);
        if outcome != expected_outcome && !(listed == Some(Outcome::Skip) && outcome == Outcome::Skip) {
            surprises
                .push(format!("{id}: {outcome:?} (listed: {listed:?}; expected {}): {note}", case["expected_result"]));
        }
        if outcome != Outcome::Pass {
            report.push_str(&format!("{id}\t{}\t{note}\n", format!("{outcome:?}").to_lowercase()));
        }
    }
    let _ = std::fs::create_dir_all(format!("{ROOT}/target"));
    let _ = std::fs::write(format!("{ROOT}/target/limbo-results.txt"), &report);
    println!("x509-limbo: {} cases: {counts:?}", cases.len());
    assert!(
        surprises.is_empty(),
        "{} cases differ from tests/limbo/known.txt:\n{}",
        surprises.len(),
        surprises.join("\n")
    );
}
