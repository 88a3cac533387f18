//! `verify_chain` on arbitrary chain bytes (PEM or DER) against one fixed test CA
//! (`testdata/fuzz_root_ca.pem`, roots = none, no environment): it returns a verdict or an
//! input error, never a panic, and a verdict is self-consistent.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tlsguard::{Code, Roots, VerifyOptions};

/// The test CA that signed the seed corpus (EC P-256, valid 2026-11-26 .. 2046-11-21).
const ROOT_CA: &[u8] = include_bytes!("../testdata/fuzz_root_ca.pem");
/// 2027-01-15: inside the validity of every seed certificate.
const AT: i64 = 1_800_000_000;

fn options() -> &'static [VerifyOptions; 2] {
    static OPTS: OnceLock<[VerifyOptions; 2]> = OnceLock::new();
    OPTS.get_or_init(|| {
        let make = |host: &str| {
            let mut o = VerifyOptions::default();
            o.trust.roots = Roots::None;
            o.trust.use_env = false;
            o.trust.ca_pem = vec![ROOT_CA.to_vec()];
            o.hostname = Some(host.to_owned());
            o.at = Some(AT);
            o
        };
        [make("example.com"), make("127.0.0.1")]
    })
}

fuzz_target!(|data: &[u8]| {
    for opts in options() {
        match tlsguard::verify_chain(data, opts) {
            Ok(report) => {
                assert_eq!(report.at, AT);
                assert!(!report.presented.is_empty());
                if report.ok {
                    assert!(report.error.is_none());
                    assert!(!report.path.is_empty());
                } else {
                    let err = report.error.expect("refused chain without an error");
                    assert_eq!(err.category(), tlsguard::Category::Certificate, "{err:?}");
                    assert!(!err.message().is_empty());
                    let _ = err.hint();
                }
            }
            Err(err) => {
                assert!(matches!(err.code(), Code::InvalidPem | Code::InvalidArgument), "{err:?}");
            }
        }
    }
});
