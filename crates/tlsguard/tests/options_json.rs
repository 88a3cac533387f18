//! Every function's options by name, as the bindings pass them: valid names convert, unknown
//! names and bad values are INVALID_ARGUMENT naming the option.

use serde_json::json;
use tlsguard::{Code, InspectOptions, LintOptions, Purpose, Roots, VerifyOptions};

#[test]
fn verify_options_convert_and_reject() {
    let o = VerifyOptions::from_json(&json!({"hostname": "example.com", "at": 1_700_000_000, "roots": "none",
        "ca_pem": "-----BEGIN CERTIFICATE-----", "purpose": "client", "max_chain_depth": 3}))
    .unwrap();
    assert_eq!(o.hostname.as_deref(), Some("example.com"));
    assert_eq!(o.at, Some(1_700_000_000));
    assert_eq!(o.trust.roots, Roots::None);
    assert_eq!(o.purpose, Purpose::Client);
    assert_eq!(o.max_chain_depth, Some(3));
    for bad in
        [json!({"timeout": 3}), json!({"purpose": "both"}), json!({"at": "now"}), json!({"hostname": 5}), json!(7)]
    {
        let e = VerifyOptions::from_json(&bad).unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument, "{bad}: {e}");
    }
    let e = VerifyOptions::from_json(&json!({"verify": false})).unwrap_err();
    assert!(e.message().contains("unknown option \"verify\""), "{e}");
}

#[test]
fn lint_options_convert_and_reject() {
    let o = LintOptions::from_json(&json!({"key": "/etc/key.pem", "hostnames": "a.example", "warn_days": 7})).unwrap();
    assert!(o.key.is_some());
    assert_eq!(o.hostnames, vec!["a.example".to_owned()]);
    assert_eq!(o.warn_days, 7);
    assert_eq!(LintOptions::from_json(&json!(null)).unwrap().warn_days, 30);
    for bad in [json!({"warn_days": -1}), json!({"roots": "none"}), json!({"hostnames": [1]})] {
        assert_eq!(LintOptions::from_json(&bad).unwrap_err().code(), Code::InvalidArgument, "{bad}");
    }
}

#[test]
fn inspect_options_convert_and_reject() {
    let o =
        InspectOptions::from_json(&json!({"port": 8443, "audit": true, "timeout": 2.5, "roots": "mozilla"})).unwrap();
    assert_eq!(o.port, 8443);
    assert!(o.audit);
    assert_eq!(o.timeout.as_millis(), 2500);
    assert_eq!(o.trust.roots, Roots::Mozilla);
    for bad in [json!({"port": 0}), json!({"port": 70000}), json!({"max_redirects": 1}), json!({"connect_timeout": -1})]
    {
        assert_eq!(InspectOptions::from_json(&bad).unwrap_err().code(), Code::InvalidArgument, "{bad}");
    }
}

#[test]
fn trust_report_options() {
    let t = tlsguard::options::trust_options_from_json(&json!({"roots": "mozilla", "use_env": false})).unwrap();
    let r = tlsguard::trust_report(&t).unwrap();
    assert_eq!(r.sources.len(), 1);
    assert_eq!(
        tlsguard::options::trust_options_from_json(&json!({"proxy": "x"})).unwrap_err().code(),
        Code::InvalidArgument
    );
}

#[test]
fn defaults_by_name_cover_every_option_and_round_trip() {
    let d = tlsguard::ClientOptions::defaults_json();
    let names: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
    let mut expected: Vec<&str> = tlsguard::options::CLIENT_OPTION_NAMES.to_vec();
    let mut got = names.clone();
    expected.sort_unstable();
    got.sort_unstable();
    assert_eq!(got, expected);
    assert_eq!(tlsguard::ClientOptions::from_json(&d).unwrap(), tlsguard::ClientOptions::default());
}
