//! `lint` on an arbitrary bundle for example.com: findings or an input error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut opts = tlsguard::LintOptions::default();
    opts.hostnames = vec!["example.com".into()];
    opts.at = Some(1_800_000_000);
    if let Ok(findings) = tlsguard::lint(data, &opts) {
        for f in &findings {
            assert!(!f.code.as_str().is_empty());
            assert!(!f.message.is_empty(), "{f:?}");
            let _ = f.severity.as_str();
        }
    }
});
