//! The option tables of `manual/requests.md` list exactly the options the core accepts.

const DOC: &str = include_str!("../src/manual/requests.md");

/// The backticked names in the first column of the table under `heading`.
fn table_names(heading: &str) -> Vec<String> {
    let start = DOC.find(heading).unwrap_or_else(|| panic!("{heading} is in the manual"));
    let mut names = Vec::new();
    for line in DOC[start..].lines().skip(1).skip_while(|l| !l.starts_with('|')) {
        if !line.starts_with('|') {
            break;
        }
        let first = line.split('|').nth(1).unwrap_or("");
        names.extend(first.split('`').skip(1).step_by(2).map(str::to_owned));
    }
    names.retain(|n| n != "name");
    names
}

fn same(mut documented: Vec<String>, accepted: &[&str], what: &str) {
    let mut accepted: Vec<String> = accepted.iter().map(|s| (*s).to_owned()).collect();
    documented.sort();
    accepted.sort();
    assert_eq!(documented, accepted, "{what}: the manual's table and the accepted names differ");
}

#[test]
fn the_client_option_table_is_complete() {
    same(table_names("## Client options"), tlsguard::options::CLIENT_OPTION_NAMES, "client options");
}

#[test]
fn the_request_option_table_is_complete() {
    same(table_names("## Request options"), tlsguard::Request::OPTION_NAMES, "request options");
}

/// Every request option refuses a bad value with INVALID_ARGUMENT naming it (the table below
/// must cover every accepted name: a new option without a row fails here).
#[test]
fn every_request_option_names_itself_when_refused() {
    use serde_json::json;
    let bad = [
        ("headers", json!(5)),
        ("query", json!("a=b")),
        ("json", json!(null)), // null is "not given": checked below with another body
        ("body", json!(5)),
        ("form", json!(true)),
        ("file", json!(["/a"])),
        ("multipart", json!({"name": "a"})),
        ("timeout", json!(-1)),
        ("read_timeout", json!("1")),
        ("timeout_covers_body", json!("yes")),
        ("decompress", json!(0)),
        ("max_response_bytes", json!(-1)),
        ("redirect", json!("sideways")),
        ("retries", json!(-1)),
        ("auth", json!({"digest": ["u", "p"]})),
        ("proxy", json!("socks4://127.0.0.1:1080")),
    ];
    let mut covered: Vec<&str> = bad.iter().map(|(n, _)| *n).collect();
    covered.sort_unstable();
    let mut names = tlsguard::Request::OPTION_NAMES.to_vec();
    names.sort_unstable();
    assert_eq!(covered, names, "a bad value for every request option");
    for (name, value) in bad {
        let e = if name == "json" {
            // `json` takes any value; it is refused next to another body.
            tlsguard::RequestOptions::from_json(&json!({"json": 1, "body": "x"})).expect_err("two bodies")
        } else {
            tlsguard::RequestOptions::from_json(&json!({ name: value })).expect_err(name)
        };
        assert_eq!(e.code(), tlsguard::Code::InvalidArgument, "{name}");
        assert!(e.message().contains(name), "{name}: {e}");
    }
}

/// The same for every client option.
#[test]
fn every_client_option_names_itself_when_refused() {
    use serde_json::json;
    let bad = [
        ("roots", json!("everything")),
        ("ca_file", json!(5)),
        ("ca_pem", json!(5)),
        ("pins", json!(5)),
        ("crls", json!(5)),
        ("client_cert", json!(5)),
        ("client_key", json!(5)),
        ("client_key_password", json!(5)),
        ("min_tls", json!("1.0")),
        ("timeout", json!(-1)),
        ("read_timeout", json!(-1)),
        ("connect_timeout", json!(0)),
        ("pool_idle_timeout", json!(0)),
        ("max_redirects", json!(-1)),
        ("allow_http", json!("yes")),
        ("proxy", json!(5)),
        ("http2", json!("yes")),
        ("keep_alive", json!(1)),
        ("headers", json!(5)),
        ("max_response_bytes", json!(-1)),
        ("fetch_missing_intermediates", json!("no")),
        ("aia_allow_private", json!("no")),
        ("use_env", json!("no")),
        ("base_url", json!("relative/path")),
        ("query", json!(5)),
        ("sensitive_headers", json!(5)),
        ("retries", json!({"max": 1, "statuses": [600]})),
        ("auth", json!(true)),
        ("cookies", json!("yes")),
        ("max_connections_per_host", json!(-1)),
        ("pool_wait_timeout", json!(0)),
        ("resolve", json!({"localhost": "not-an-address"})),
    ];
    let mut covered: Vec<&str> = bad.iter().map(|(n, _)| *n).collect();
    covered.sort_unstable();
    let mut names = tlsguard::options::CLIENT_OPTION_NAMES.to_vec();
    names.sort_unstable();
    assert_eq!(covered, names, "a bad value for every client option");
    for (name, value) in bad {
        let e = tlsguard::ClientOptions::from_json(&json!({ name: value })).expect_err(name);
        assert_eq!(e.code(), tlsguard::Code::InvalidArgument, "{name}");
        assert!(e.message().contains(name), "{name}: {e}");
    }
}
