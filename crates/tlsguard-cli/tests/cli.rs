//! Runs the built `tlsguard` binary against the test kit's servers and PKI.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use serde_json::Value;
use tlsguard_testkit::Kit;

fn kit() -> &'static Kit {
    static KIT: OnceLock<Kit> = OnceLock::new();
    KIT.get_or_init(|| Kit::start_temp().expect("test kit"))
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_with_stdin(args: &[&str], stdin: Option<&[u8]>) -> Out {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tlsguard"))
        .args(args)
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR")
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tlsguard");
    if let Some(data) = stdin {
        // The command may stop reading early (a size limit): a broken pipe is its answer.
        if let Err(e) = child.stdin.take().unwrap().write_all(data) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
    }
    let out = child.wait_with_output().unwrap();
    Out {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn run(args: &[&str]) -> Out {
    run_with_stdin(args, None)
}

/// `--roots none --ca-file <kit root>` plus `args`.
fn trusted(args: &[&str]) -> Out {
    let ca = kit().pki("root_ca");
    let mut v: Vec<&str> = args.to_vec();
    v.extend(["--roots", "none", "--ca-file", ca.to_str().unwrap()]);
    run(&v)
}

fn json(text: &str) -> Value {
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// `localhost:PORT` of a scenario's URL.
fn host_port(scenario: &str) -> String {
    let url = kit().scenario(scenario).url.clone();
    url.trim_start_matches("https://").trim_end_matches('/').split('/').next().unwrap().to_owned()
}

const FAILURES: &[(&str, &str)] = &[
    ("expired", "CERT_EXPIRED"),
    ("missing_intermediate", "CERT_INCOMPLETE_CHAIN"),
    ("wrong_host", "CERT_HOSTNAME_MISMATCH"),
    ("tls10_only", "TLS_PROTOCOL_VERSION"),
];

#[test]
fn get_good_prints_the_body() {
    let url = kit().url("good");
    let o = trusted(&["get", &url]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("hello"), "{}", o.stdout);
    assert!(o.stderr.is_empty(), "{}", o.stderr);

    let o = trusted(&["get", &url, "--json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v = json(&o.stdout);
    assert_eq!(v["ok"], true);
    assert_eq!(v["status"], 200);
    assert!(v["body"].as_str().unwrap().contains("hello"));
    assert!(v["tls"]["version"].as_str().unwrap().starts_with("TLSv1."));
    assert_eq!(v["http_version"], "HTTP/1.1", "HTTP/1.1 by default");
    assert_eq!(v["tls"]["alpn"], "http/1.1");

    let v = json(&trusted(&["get", &url, "--json", "--http2"]).stdout);
    assert_eq!(v["http_version"], "HTTP/2", "--http2 offers h2 and the server picks it");
    assert_eq!(v["tls"]["alpn"], "h2");
}

#[test]
fn get_post_with_headers_and_data() {
    let url = kit().good_url("/echo");
    let o = trusted(&["get", &url, "-H", "X-Test: yes", "-d", "payload-123", "--json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let body = json(&o.stdout)["body"].as_str().unwrap().to_owned();
    assert!(body.contains("payload-123"), "{body}");
    assert!(body.contains("POST"), "{body}");
    assert!(body.to_ascii_lowercase().contains("x-test"), "{body}");
}

#[test]
fn get_failures_explain_and_exit_1() {
    for (scenario, code) in FAILURES {
        let url = kit().url(scenario);
        let o = trusted(&["get", &url]);
        assert_eq!(o.code, 1, "{scenario}: {}", o.stderr);
        assert!(o.stdout.is_empty(), "{scenario}: {}", o.stdout);
        assert!(o.stderr.contains(code), "{scenario}: {}", o.stderr);
        assert!(o.stderr.contains("hint:"), "{scenario}: {}", o.stderr);
        if *scenario != "tls10_only" {
            assert!(o.stderr.contains("presented chain:"), "{scenario}: {}", o.stderr);
            assert!(o.stderr.contains("CN="), "{scenario}: {}", o.stderr);
        }

        let o = trusted(&["get", &url, "--json"]);
        assert_eq!(o.code, 1, "{scenario}");
        let v = json(&o.stdout);
        assert_eq!(v["ok"], false);
        assert_eq!(v["error"]["code"], *code, "{scenario}");
        assert!(!v["error"]["message"].as_str().unwrap().is_empty());
        assert!(!v["error"]["hint"].as_str().unwrap().is_empty());
        assert!(v["error"]["chain"].is_array());
    }
    let v = json(&trusted(&["get", &kit().url("expired"), "--json"]).stdout);
    assert!(!v["error"]["chain"].as_array().unwrap().is_empty());
    // The facts as data: times as Unix seconds, names as given.
    let d = &v["error"]["detail"];
    assert!(d["not_after"].as_i64().unwrap() < d["now"].as_i64().unwrap(), "{d}");
    let d = json(&trusted(&["get", &kit().url("wrong_host"), "--json"]).stdout)["error"]["detail"].clone();
    assert_eq!(d, serde_json::json!({"expected": "localhost", "presented": ["wrong.example"]}));
    let d = json(&trusted(&["get", &kit().url("tls10_only"), "--json"]).stdout)["error"]["detail"].clone();
    assert_eq!(d, serde_json::json!({"offered": ["TLSv1.0"]}));
}

#[test]
fn inspect_good_is_verified() {
    let target = host_port("good");
    let o = trusted(&["inspect", &target]);
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    for needle in [
        "verdict: verified",
        "protocol: TLSv1.",
        "suite: ",
        "ALPN: ",
        "HSTS",
        "issuer:",
        "SANs:",
        "DNS:localhost",
        "days left",
        "key:",
        "signature:",
    ] {
        assert!(o.stdout.contains(needle), "missing {needle:?}: {}", o.stdout);
    }
    assert!(!o.stdout.contains("\x1b["), "no colours when piped");

    let o = trusted(&["inspect", &target, "--json"]);
    assert_eq!(o.code, 0);
    let v = json(&o.stdout);
    assert_eq!(v["verified"], true);
    assert_eq!(v["host"], "localhost");
    assert_eq!(v["port"], kit().port("good"));
    assert!(v["verdict"].is_null());
    assert!(v["tls_version"].as_str().unwrap().starts_with("TLSv1."));
    let chain = v["chain"].as_array().unwrap();
    assert!(!chain.is_empty());
    assert!(chain[0]["dns_names"].as_array().unwrap().iter().any(|d| d == "localhost"));
    assert!(chain[0]["days_remaining"].as_i64().unwrap() > 0);
    assert!(v["lint"].is_array());
}

#[test]
fn inspect_refusals_exit_1() {
    for (scenario, code) in FAILURES {
        let target = host_port(scenario);
        let o = trusted(&["inspect", &target, "--json"]);
        assert_eq!(o.code, 1, "{scenario}: {}", o.stderr);
        let v = json(&o.stdout);
        assert_eq!(v["verified"], false, "{scenario}");
        assert_eq!(v["code"], *code, "{scenario}: {v}");
        if *scenario == "tls10_only" {
            assert_eq!(v["ok"], false);
            assert_eq!(v["error"]["code"], *code);
        } else {
            assert_eq!(v["verdict"]["code"], *code);
            assert!(!v["chain"].as_array().unwrap().is_empty());
        }

        let o = trusted(&["inspect", &target]);
        assert_eq!(o.code, 1, "{scenario}");
        if *scenario == "tls10_only" {
            assert!(o.stderr.contains(code), "{}", o.stderr);
        } else {
            assert!(o.stdout.contains(&format!("REFUSED {code}")), "{}", o.stdout);
        }
    }
    let o = trusted(&["inspect", &host_port("missing_intermediate")]);
    assert!(o.stdout.contains("incomplete"), "{}", o.stdout);
    assert!(o.stdout.contains("CHAIN_MISSING_INTERMEDIATE"), "{}", o.stdout);
}

#[test]
fn inspect_option_validation_is_the_cores() {
    let o = trusted(&["inspect", &host_port("good"), "--min-tls", "1.0"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("INVALID_ARGUMENT"), "{}", o.stderr);
    // min_tls applies to inspection as to requests: the TLS 1.2-only server is refused.
    let o = trusted(&["inspect", &host_port("tls12_only"), "--min-tls", "1.3"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(o.stderr.contains("TLS_PROTOCOL_VERSION"), "{}", o.stderr);
    let o = run(&["get", &kit().url("good"), "--roots", "everything"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("INVALID_ARGUMENT"), "{}", o.stderr);
}

#[test]
fn check_exit_codes() {
    let k = kit();
    let fullchain = k.pki("fullchain");
    // A deployed key is private: the linter warns about a group/world-readable key file.
    let dir = k.dir().join("cli-check");
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("leaf_key.pem");
    std::fs::copy(k.pki("leaf_key"), &key).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let (fullchain, key) = (fullchain.to_str().unwrap(), key.to_str().unwrap());

    let o = run(&["check", fullchain, "--key", key, "--host", "localhost", "--warn-days", "1"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("clean"), "{}", o.stdout);

    let o = run(&["check", fullchain, "--key", key, "--warn-days", "60", "--json"]);
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    let v = json(&o.stdout);
    assert_eq!(v["errors"], 0);
    assert!(v["warnings"].as_u64().unwrap() >= 1);
    assert!(v["findings"].as_array().unwrap().iter().any(|f| f["severity"] == "warning"));

    let leaf = k.pki("leaf_cert");
    let o = run(&["check", leaf.to_str().unwrap(), "--warn-days", "1"]);
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("error"), "{}", o.stdout);

    let o = run(&["check", "/nonexistent/bundle.pem"]);
    assert_eq!(o.code, 2);
}

#[test]
fn inspect_from_many_hosts() {
    let port = kit().port("good");
    let mut lines = String::from("# hosts\n");
    for _ in 0..45 {
        lines += &format!("localhost:{port}\n");
    }
    for _ in 0..5 {
        // A port that was free a moment ago: nothing listens there.
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let closed = l.local_addr().unwrap().port();
        drop(l);
        lines += &format!("127.0.0.1:{closed}\n");
    }
    let dir = kit().dir().join("cli-from");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("hosts.txt");
    std::fs::write(&file, &lines).unwrap();
    let file = file.to_str().unwrap();

    let o = trusted(&["inspect", "--from", file, "--concurrency", "8", "--json"]);
    assert_eq!(o.code, 1, "some hosts failed: {}", o.stderr);
    let rows: Vec<Value> = o.stdout.lines().map(json).collect();
    assert_eq!(rows.len(), 50, "{}", o.stdout);
    let verified = rows.iter().filter(|r| r["verified"] == true).count();
    assert_eq!(verified, 45);
    let failed: Vec<&Value> = rows.iter().filter(|r| r["ok"] == false).collect();
    assert_eq!(failed.len(), 5);
    for f in failed {
        assert!(f["code"].is_string() && f["error"]["code"] == f["code"], "{f}");
    }
    assert!(!o.stderr.contains('\r'), "no progress line when stderr is piped");

    // The readable summary, from stdin.
    let o = {
        let ca = kit().pki("root_ca");
        run_with_stdin(
            &["inspect", "--from", "-", "--concurrency", "4", "--roots", "none", "--ca-file", ca.to_str().unwrap()],
            Some(lines.as_bytes()),
        )
    };
    assert_eq!(o.code, 1);
    let table: Vec<&str> = o.stdout.lines().collect();
    assert_eq!(table.len(), 51, "{}", o.stdout);
    assert!(table[0].starts_with("HOST"));
    assert!(table[1..46].iter().all(|l| l.contains("verified")), "{}", o.stdout);
    assert!(table[46..].iter().all(|l| l.starts_with("127.0.0.1:")), "{}", o.stdout);
    assert!(o.stderr.contains("50 hosts: 45 verified, 5 refused or failed"), "{}", o.stderr);
}

#[test]
fn cert_prints_pem_and_der() {
    let o = run(&["cert", kit().pki("fullchain").to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("CN=localhost"), "{}", o.stdout);
    assert!(o.stdout.contains("tlsguard Test Intermediate CA"), "{}", o.stdout);

    let der = std::fs::read(kit().pki("root_ca_der")).unwrap();
    let o = run_with_stdin(&["cert", "-", "--json"], Some(&der));
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v = json(&o.stdout);
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["is_ca"], true);
    assert!(v[0]["subject"].as_str().unwrap().contains("tlsguard Test Root CA"));

    let o = run_with_stdin(&["cert", "-"], Some(b"not a certificate"));
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("error"), "{}", o.stderr);
}

#[test]
fn trust_report() {
    let o = trusted(&["trust", "--json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v = json(&o.stdout);
    assert_eq!(v["roots"], "none");
    assert_eq!(v["total"], 1);
    let o = trusted(&["trust"]);
    assert_eq!(o.code, 0);
    assert!(o.stdout.contains("root_ca.pem"), "{}", o.stdout);
    assert_eq!(v["warnings"], serde_json::json!([]));
    // An out-of-date CRL: listed, and warned about.
    let crl = kit().pki("crl_expired");
    let o = trusted(&["trust", "--crl", crl.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("CRL of 'tlsguard Test Intermediate CA'"), "{}", o.stdout);
    assert!(o.stdout.contains("warning: the CRL of 'tlsguard Test Intermediate CA' is out of date"), "{}", o.stdout);
}

#[test]
fn help_version_and_usage_errors() {
    let o = run(&["--version"]);
    assert_eq!(o.code, 0);
    assert!(o.stdout.contains("rustls") && o.stdout.contains("webpki-roots"), "{}", o.stdout);
    for cmd in ["get", "inspect", "check", "cert", "trust"] {
        let o = run(&[cmd, "--help"]);
        assert_eq!(o.code, 0, "{cmd}");
        assert!(o.stdout.contains("Usage:"), "{cmd}");
    }
    let help = run(&["inspect", "--help"]).stdout;
    for flag in [
        "--roots",
        "--ca-file",
        "--pin",
        "--client-cert",
        "--client-key",
        "--crl",
        "--min-tls",
        "--timeout",
        "--fetch-missing-intermediates",
        "--aia-allow-private",
        "--from",
        "--concurrency",
        "--audit",
        "--json",
    ] {
        assert!(help.contains(flag), "{flag}: {help}");
    }
    assert_eq!(run(&["get"]).code, 2);
    assert_eq!(run(&["inspect"]).code, 2);
    assert_eq!(run(&["bogus"]).code, 2);
}

/// Nothing a terminal would act on: no control byte but `\n`, no C1 or bidi control.
fn assert_terminal_safe(what: &str, text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    assert!(bad.is_empty(), "{what}: raw {bad:?} in {text:?}");
}

#[test]
fn certificate_text_never_reaches_the_terminal_raw() {
    // A self-signed certificate whose CN carries an OSC title, BEL, erase-line, CR/LF and a
    // right-to-left override, and a SAN with an SGR sequence.
    let hp = host_port("hostile_names");
    let url = kit().url("hostile_names");
    let get = trusted(&["get", &url]);
    assert_eq!(get.code, 1, "{}", get.stderr);
    let inspect = trusted(&["inspect", &hp]);
    assert_eq!(inspect.code, 1, "{}", inspect.stderr);
    for (what, o) in [("get", &get), ("inspect", &inspect)] {
        assert_terminal_safe(&format!("{what} stdout"), &o.stdout);
        assert_terminal_safe(&format!("{what} stderr"), &o.stderr);
        let all = format!("{}{}", o.stdout, o.stderr);
        assert!(all.contains(r"evil\x1b]0\;pwned\x07\x1b[2K\x0d\x0aOK \u{202e}gpj.exe"), "{what}: {all}");
        assert!(all.contains(r"DNS:evil\x1b[31m.example"), "{what}: {all}");
    }
    // JSON keeps the raw value (escaped by JSON itself).
    let v = json(&trusted(&["get", &url, "--json"]).stdout);
    let subject = v["error"]["chain"][0]["subject"].as_str().expect("subject");
    assert!(subject.contains("\u{1b}]0\\;pwned\u{7}"), "{subject:?}");
}

#[test]
fn inputs_are_read_through_a_size_limit() {
    // 65 MiB on stdin (more than the 64 MiB limit): refused with a message, not buffered whole.
    let big = vec![b'a'; 65 * 1024 * 1024];
    let o = run_with_stdin(&["cert", "-"], Some(&big));
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("larger than the 67108864 byte limit"), "{}", o.stderr);
    // /dev/zero never ends: the limit stops it.
    let o = run(&["inspect", "--from", "/dev/zero"]);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("larger than the 67108864 byte limit"), "{}", o.stderr);
}

/// Every key of `core` is in `cli` with the same value (the CLI may add derived keys).
fn assert_has_every_field(cli: &Value, core: &Value, what: &str) {
    let core = core.as_object().unwrap_or_else(|| panic!("{what}: not an object: {core}"));
    for (k, v) in core {
        assert_eq!(cli.get(k), Some(v), "{what}: field {k}");
    }
}

#[test]
fn json_output_has_every_field_of_the_core_types() {
    // Certificates: every field of CertificateInfo (30 of them), plus days_remaining and weakness.
    let pem = std::fs::read(kit().pki("fullchain")).unwrap();
    let o = run(&["cert", kit().pki("fullchain").to_str().unwrap(), "--json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v = json(&o.stdout);
    let certs = tlsguard::parse_certificates(&pem).unwrap();
    assert_eq!(v.as_array().unwrap().len(), certs.len());
    for (cli, info) in v.as_array().unwrap().iter().zip(&certs) {
        let core = serde_json::to_value(info).unwrap();
        assert!(core.as_object().unwrap().len() >= 30, "{core}");
        assert_has_every_field(cli, &core, "cert");
        assert!(cli["days_remaining"].is_i64() && cli.get("weakness").is_some(), "{cli}");
    }

    // The trust report, the lint findings.
    let o = trusted(&["trust", "--json"]);
    let opts = tlsguard::options::trust_options_from_json(
        &serde_json::json!({"roots": "none", "ca_file": kit().pki("root_ca").to_str().unwrap()}),
    )
    .unwrap();
    let core = serde_json::to_value(tlsguard::trust_report(&opts).unwrap()).unwrap();
    assert_has_every_field(&json(&o.stdout), &core, "trust");

    let o = run(&["check", kit().pki("fullchain").to_str().unwrap(), "--host", "nope.example", "--json"]);
    let v = json(&o.stdout);
    let findings = v["findings"].as_array().unwrap();
    assert!(findings.iter().any(|f| f["code"] == "HOSTNAME_NOT_COVERED" && f["severity"] == "error"), "{v}");

    // A server report: the chain's certificates in full, the TLS facts, a verdict's error.
    let o = trusted(&["inspect", &host_port("good"), "--json"]);
    let v = json(&o.stdout);
    for key in ["warnings", "audit", "soonest_expiry", "leaf_days_remaining", "ocsp_stapled"] {
        assert!(v.get(key).is_some(), "{key} missing: {v}");
    }
    assert!(v["soonest_expiry"]["days_remaining"].is_i64(), "{v}");
    let leaf = &v["chain"][0];
    for key in ["fingerprint_sha256", "pem", "has_ski", "has_aki", "sct_count", "path_len", "has_san"] {
        assert!(leaf.get(key).is_some(), "chain[0].{key} missing: {leaf}");
    }
    let o = trusted(&["inspect", &host_port("expired"), "--json"]);
    let v = json(&o.stdout);
    assert_eq!(v["verdict"]["code"], "CERT_EXPIRED", "{v}");
    assert!(v["verdict"]["trust_sources"].is_array(), "{v}");
    assert!(v["verdict"]["chain"][0]["days_remaining"].as_i64().unwrap() < 0, "{v}");
}

#[test]
fn get_json_has_the_tls_facts() {
    let o = trusted(&["get", &kit().url("good"), "--json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let tls = &json(&o.stdout)["tls"];
    for key in ["version", "cipher_suite", "alpn", "warnings", "resumed", "peer_certificates"] {
        assert!(tls.get(key).is_some(), "tls.{key} missing: {tls}");
    }
    assert!(!tls["peer_certificates"].as_array().unwrap().is_empty(), "{tls}");
}

/// A scratch directory for one test's files.
fn scratch(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("tlsguard-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn get_output_streams_to_a_file() {
    let dir = scratch("output");
    let file = dir.join("body.bin");
    let url = kit().good_url("/stream?bytes=3000000&chunk=65536");
    let o = trusted(&["get", &url, "-o", file.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.is_empty(), "the body went to the file: {}", o.stdout.len());
    assert_eq!(std::fs::metadata(&file).unwrap().len(), 3_000_000);
    // With --json: the head on stdout, the body in the file.
    let o = trusted(&["get", &url, "-o", file.to_str().unwrap(), "--json"]);
    let v = json(&o.stdout);
    assert_eq!((v["status"].as_u64(), v["body_bytes"].as_u64()), (Some(200), Some(3_000_000)), "{v}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn get_form_sends_multipart_with_files_as_curl() {
    let dir = scratch("form");
    let file = dir.join("notes.txt");
    std::fs::write(&file, b"file contents").unwrap();
    let url = kit().good_url("/upload");
    let spec = format!("doc=@{};type=text/plain;filename=renamed.txt", file.display());
    let o = trusted(&["get", &url, "-F", "field=value", "-F", &spec, "--json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v = json(json(&o.stdout)["body"].as_str().unwrap());
    assert!(v["content_type"].as_str().unwrap().starts_with("multipart/form-data; boundary="), "{v}");
    let parts = v["parts"].as_array().unwrap();
    assert_eq!((parts[0]["name"].as_str(), parts[0]["text"].as_str()), (Some("field"), Some("value")));
    assert_eq!(parts[1]["filename"].as_str(), Some("renamed.txt"));
    assert_eq!(parts[1]["content_type"].as_str(), Some("text/plain"));
    assert_eq!(parts[1]["text"].as_str(), Some("file contents"));
    let o = trusted(&["get", &url, "-F", "novalue"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("INVALID_ARGUMENT"), "{}", o.stderr);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn get_data_is_form_urlencoded_as_curl() {
    let dir = scratch("data");
    let file = dir.join("d.txt");
    std::fs::write(&file, b"a=1\r\n&b=2\n").unwrap();
    let url = kit().good_url("/echo");
    let at = format!("@{}", file.display());
    let o = trusted(&["get", &url, "-d", &at, "--json"]);
    let echo = json(json(&o.stdout)["body"].as_str().unwrap());
    assert_eq!(echo["body"].as_str(), Some("a=1&b=2"), "-d strips CR and LF: {echo}");
    assert_eq!(echo["headers"]["content-type"][0].as_str(), Some("application/x-www-form-urlencoded"));
    let o = trusted(&["get", &url, "--data-binary", &at, "-H", "Content-Type: text/plain", "--json"]);
    let echo = json(json(&o.stdout)["body"].as_str().unwrap());
    assert_eq!(echo["body"].as_str(), Some("a=1\r\n&b=2\n"), "{echo}");
    assert_eq!(echo["headers"]["content-type"][0].as_str(), Some("text/plain"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn get_fail_exits_22_on_4xx_5xx() {
    let o = trusted(&["get", &kit().good_url("/status/404"), "--fail"]);
    assert_eq!(o.code, 22, "{}", o.stderr);
    assert!(o.stdout.is_empty() && o.stderr.contains("404"), "{} / {}", o.stdout, o.stderr);
    let o = trusted(&["get", &kit().good_url("/status/404")]);
    assert_eq!(o.code, 0, "without --fail a 404 is a response: {}", o.stderr);
    let o = trusted(&["get", &kit().good_url("/status/503"), "-f", "--json"]);
    assert_eq!((o.code, json(&o.stdout)["status"].as_u64()), (22, Some(503)));
}

#[test]
fn get_retry_max_time_and_read_timeout() {
    let key = format!("cli-{}", std::process::id());
    let url = kit().good_url(&format!("/flaky?key={key}&fail=2"));
    let o = trusted(&["get", &url, "--retry", "3", "--json"]);
    let v = json(&o.stdout);
    assert_eq!(
        (v["status"].as_u64(), v["attempts"].as_u64(), v["body"].as_str()),
        (Some(200), Some(3), Some("attempt 3"))
    );
    let o = trusted(&["get", &kit().good_url("/slow"), "--max-time", "0.5"]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("TIMEOUT"), "{}", o.stderr);
    let o = trusted(&["get", &kit().good_url("/stall-body"), "--read-timeout", "0.5"]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("TIMEOUT") && o.stderr.contains("read_timeout"), "{}", o.stderr);
}

#[test]
fn get_json_body_is_base64_when_binary() {
    let o = trusted(&["get", &kit().good_url("/pki/intermediate.der"), "--json"]);
    let v = json(&o.stdout);
    assert_eq!(v["body_encoding"].as_str(), Some("base64"), "{v}");
    use base64::Engine as _;
    let der = base64::engine::general_purpose::STANDARD.decode(v["body"].as_str().unwrap()).unwrap();
    assert_eq!(der[0], 0x30, "a DER SEQUENCE");
    let o = trusted(&["get", &kit().url("good"), "--json"]);
    assert_eq!(json(&o.stdout)["body_encoding"].as_str(), Some("utf-8"));
}

#[test]
fn get_client_key_password_file() {
    let dir = scratch("password");
    let pw = dir.join("pw");
    std::fs::write(&pw, format!("{}\n", tlsguard_testkit::pki::KEY_PASSWORD)).unwrap();
    let url = kit().scenario("client_cert_encrypted").url.clone();
    let (cert, key) = (kit().pki("client_cert"), kit().pki("client_key_encrypted"));
    let args = ["get", &url, "--client-cert", cert.to_str().unwrap(), "--client-key", key.to_str().unwrap()];
    let mut with = args.to_vec();
    with.extend(["--client-key-password-file", pw.to_str().unwrap()]);
    let o = trusted(&with);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let o = trusted(&args);
    assert_eq!(o.code, 2, "no password: {}", o.stderr);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn verbose_prints_the_debug_log_to_stderr() {
    let o = trusted(&["get", &kit().good_url("/redirect/1"), "-v"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    for step in ["connecting to localhost:", "certificate chain verified", "following the 302 redirect", "200 OK"] {
        assert!(o.stderr.contains(step), "-v lacks {step:?}:\n{}", o.stderr);
    }
    assert!(!o.stdout.contains("DEBUG"), "the log goes to stderr only");
    let o = trusted(&["get", &kit().url("good")]);
    assert!(o.stderr.is_empty(), "no log without -v: {}", o.stderr);
}

#[test]
fn get_user_sends_basic_auth_to_the_origin_only() {
    let o = trusted(&["get", &kit().good_url("/echo"), "-u", "alice:s3cret", "--json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let echo = json(json(&o.stdout)["body"].as_str().unwrap());
    // base64("alice:s3cret")
    assert_eq!(echo["headers"]["authorization"][0].as_str(), Some("Basic YWxpY2U6czNjcmV0"), "{echo}");
    let o = trusted(&["get", &kit().good_url("/echo"), "-u", "alice"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("USER:PASSWORD"), "{}", o.stderr);
}
