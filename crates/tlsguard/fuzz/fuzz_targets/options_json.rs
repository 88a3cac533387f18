//! `ClientOptions::from_json` on arbitrary JSON: options or INVALID_ARGUMENT, never a panic.
//! Accepted options without file paths also go through `trust_report` (PEM CAs, pins, CRLs).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlsguard::{ClientOptions, Code, Source};

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    match ClientOptions::from_json(&value) {
        Ok(opts) => {
            let mut trust = opts.trust.clone();
            // No file system and no environment: fuzzed paths could name /dev/zero.
            if trust.ca_files.is_empty() && trust.crls.iter().all(|c| matches!(c, Source::Bytes(_))) {
                trust.use_env = false;
                let _ = tlsguard::trust_report(&trust);
            }
        }
        Err(err) => assert_eq!(err.code(), Code::InvalidArgument, "{err:?}"),
    }
});
