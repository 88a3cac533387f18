//! `parse_certificates` on arbitrary bytes (PEM text or one DER certificate) must never panic.
//! Whatever parses must survive a `to_pem` round trip unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(certs) = tlsguard::parse_certificates(data) else {
        // `from_pem` takes the same path; it must agree that this is an error.
        assert!(tlsguard::Certificate::from_pem(data).is_err());
        return;
    };
    assert!(!certs.is_empty(), "Ok(empty) from parse_certificates");
    let first = tlsguard::Certificate::from_pem(data).expect("from_pem refused what parse_certificates took");
    assert_eq!(first, certs[0]);
    for cert in &certs {
        let pem = cert.to_pem();
        let again = tlsguard::parse_certificates(pem.as_bytes()).expect("to_pem output does not re-parse");
        assert_eq!(again.len(), 1, "to_pem output holds {} certificates", again.len());
        assert_eq!(&again[0], cert, "to_pem round trip changed the certificate");
        assert_eq!(again[0].info(), cert.info(), "to_pem round trip changed the summary");
        // The accessors used in messages.
        let _ = cert.display_name();
        let _ = cert.weakness();
        let _ = cert.is_self_issued();
        let _ = cert.days_remaining(1_800_000_000);
        let _ = tlsguard::cert::format_time(cert.not_after);
        let _ = tlsguard::cert::format_time(cert.not_before);
    }
});
