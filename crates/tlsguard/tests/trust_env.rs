//! `SSL_CERT_FILE` / `SSL_CERT_DIR` from the real process environment: they are the "system"
//! store (replacing the OS bundle) and are not used with `roots: "mozilla"`. The environment is
//! set only in a child process (this test binary run again for one test), never in this one.

use std::process::Command;

use tlsguard::{Roots, TrustOptions};
use tlsguard_testkit::Kit;

const CHILD: &str = "TLSGUARD_TRUST_ENV_CHILD";

#[test]
fn ssl_cert_file_applies_with_system_only() {
    let kit = Kit::start_temp().unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_reports_what_the_environment_gave", "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD, kit.good_url("/"))
        .env("SSL_CERT_FILE", kit.pki("root_ca"))
        .env_remove("SSL_CERT_DIR")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("1 passed"), "the child test did not run: {text}");
}

/// Run only by the test above, with `SSL_CERT_FILE` set to the kit's root CA.
#[test]
#[ignore = "runs in a child process started by ssl_cert_file_applies_with_system_only"]
fn child_reports_what_the_environment_gave() {
    // The parent's kit: its root CA is in SSL_CERT_FILE, its good server at this URL.
    let url = std::env::var(CHILD).expect("run by ssl_cert_file_applies_with_system_only only");
    let file = std::env::var("SSL_CERT_FILE").unwrap();
    let report = |roots| {
        let mut t = TrustOptions::default();
        t.roots = roots;
        tlsguard::trust_report(&t).unwrap()
    };
    let kinds = |r: &tlsguard::TrustReport| r.sources.iter().map(|s| s.kind.clone()).collect::<Vec<_>>();

    let moz = report(Roots::Mozilla);
    assert_eq!(kinds(&moz), ["mozilla"]);
    let w = moz.warnings.join("\n");
    assert!(w.contains(&format!("SSL_CERT_FILE={file} not used: roots=\"mozilla\"")), "{w}");

    let both = report(Roots::MozillaAndSystem);
    assert_eq!(kinds(&both), ["mozilla", "SSL_CERT_FILE"]);
    assert_eq!(both.sources[1].location, file);
    assert_eq!(both.sources[1].loaded, 1);
    assert!(both.warnings.iter().any(|w| w.contains("replaces the OS certificate store")), "{:?}", both.warnings);

    let mut off = TrustOptions::default();
    off.use_env = false;
    let off = tlsguard::trust_report(&off).unwrap();
    assert_eq!(kinds(&off), ["mozilla", "system"]);

    // A request to the parent's kit: with mozilla only, the kit's root (in SSL_CERT_FILE) is not trusted; with
    // system, it is.
    let get = |roots| {
        let mut o = tlsguard::ClientOptions::default();
        o.trust.roots = roots;
        tlsguard::Client::new(o).unwrap().get(&url).send_blocking()
    };
    assert_eq!(get(Roots::Mozilla).unwrap_err().code(), tlsguard::Code::CertUnknownIssuer);
    assert_eq!(get(Roots::System).unwrap().status(), 200);
}
