//! `CertificateInfo::from_der` on arbitrary bytes must never panic; what parses must be
//! stable (parsing its own DER again gives the same summary).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(info) = tlsguard::CertificateInfo::from_der(data) else { return };
    assert_eq!(info.der, data);
    assert!(info.spki_pin.starts_with("sha256/"));
    assert_eq!(info.fingerprint_sha256.len(), 32 * 3 - 1);
    let again = tlsguard::CertificateInfo::from_der(&info.der).expect("from_der is not deterministic");
    assert_eq!(again, info);
    let _ = info.display_name();
    let _ = info.weakness();
    let _ = tlsguard::cert::format_time(info.not_after);
    let _ = info.to_pem();
});
