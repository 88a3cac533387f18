//! `Certificate::from_der` on arbitrary bytes must never panic, nor must summarising what it
//! accepted (`info()` cannot fail); what parses must be stable (parsing its own DER again gives
//! the same summary).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(cert) = tlsguard::Certificate::from_der(data) else { return };
    assert_eq!(cert.der().as_ref(), data);
    let info = cert.info();
    assert!(info.spki_pin.starts_with("sha256/"));
    assert_eq!(info.fingerprint_sha256.len(), 32 * 3 - 1);
    let again = tlsguard::Certificate::from_der(cert.der()).expect("from_der is not deterministic");
    assert_eq!(again.info(), info);
    let _ = info.display_name();
    let _ = info.weakness();
    let _ = tlsguard::cert::format_time(info.not_after);
    let _ = cert.to_pem();
});
