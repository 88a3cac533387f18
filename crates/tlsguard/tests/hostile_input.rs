//! Hostile input: every public entry point that takes bytes or option values from outside
//! (`parse_certificates`, `Certificate::from_der`/`from_pem`, `verify_chain`, `lint`,
//! `ClientOptions::from_json`) returns a clear error with a code, or a verdict, and never
//! panics, on garbage, truncation, huge inputs, deep nesting and path-building bombs.
//!
//! There are no timing assertions: each case only has to return. The fuzz targets under
//! `fuzz/` explore the same entry points at random; a crash they find becomes a case here.

use std::sync::OnceLock;

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SerialNumber,
};
use serde_json::{Value, json};
use tlsguard::{
    Certificate, ChainReport, ClientOptions, Code, Error, LintOptions, Roots, VerifyOptions, lint, parse_certificates,
    verify_chain,
};

/// 2027-01-15, inside the validity of every certificate made here.
const AT: i64 = 1_800_000_000;
const MB10: usize = 10 * 1024 * 1024;

// --- helpers ---------------------------------------------------------------------------------

/// Deterministic pseudo-random bytes (xorshift64*), so failures reproduce.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut s = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        out.extend_from_slice(&s.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
    }
    out.truncate(len);
    out
}

fn name(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "tlsguard hostile");
    dn.push(DnType::CommonName, cn);
    dn
}

fn ca_params(cn: &str, serial: u64) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name = name(cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    p.not_before = rcgen::date_time_ymd(2025, 1, 1);
    p.not_after = rcgen::date_time_ymd(2040, 1, 1);
    p.serial_number = Some(SerialNumber::from(serial));
    p.use_authority_key_identifier_extension = true;
    p
}

fn leaf_params(host: &str, serial: u64) -> CertificateParams {
    let mut p = CertificateParams::new(vec![host.to_owned()]).unwrap();
    p.distinguished_name = name(host);
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.not_before = rcgen::date_time_ymd(2025, 1, 1);
    p.not_after = rcgen::date_time_ymd(2035, 1, 1);
    p.serial_number = Some(SerialNumber::from(serial));
    p.use_authority_key_identifier_extension = true;
    p
}

/// A small real PKI: root -> intermediate -> leaf for example.com (EC P-256).
struct Pki {
    root_pem: String,
    int_pem: String,
    leaf_pem: String,
    leaf_der: Vec<u8>,
    root_der: Vec<u8>,
    int_params: CertificateParams,
    int_key: KeyPair,
}

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let root_key = KeyPair::generate().unwrap();
        let root_params = ca_params("Hostile Root CA", 1);
        let root = root_params.self_signed(&root_key).unwrap();
        let int_key = KeyPair::generate().unwrap();
        let int_params = ca_params("Hostile Intermediate CA", 2);
        let int = int_params.signed_by(&int_key, &Issuer::from_params(&root_params, &root_key)).unwrap();
        let leaf_key = KeyPair::generate().unwrap();
        let leaf =
            leaf_params("example.com", 3).signed_by(&leaf_key, &Issuer::from_params(&int_params, &int_key)).unwrap();
        Pki {
            root_pem: root.pem(),
            int_pem: int.pem(),
            leaf_pem: leaf.pem(),
            leaf_der: leaf.der().to_vec(),
            root_der: root.der().to_vec(),
            int_params,
            int_key,
        }
    })
}

/// Trust exactly `ca_pem` (no built-in roots, no environment), for example.com at [`AT`].
fn opts_trusting(ca_pem: &str) -> VerifyOptions {
    let mut o = VerifyOptions::default();
    o.trust.roots = Roots::None;
    o.trust.use_env = false;
    o.trust.ca_pem = vec![ca_pem.as_bytes().to_vec()];
    o.hostname = Some("example.com".into());
    o.at = Some(AT);
    o
}

fn opts() -> VerifyOptions {
    opts_trusting(&pki().root_pem)
}

fn lint_opts() -> LintOptions {
    let mut o = LintOptions::default();
    o.hostnames = vec!["example.com".into()];
    o.at = Some(AT);
    o
}

#[track_caller]
fn assert_code(err: &Error, allowed: &[Code], what: &str) {
    assert!(allowed.contains(&err.code()), "{what}: unexpected {err}");
    assert!(!err.message().is_empty(), "{what}: empty message");
}

/// `verify_chain` must give a verdict (a refusal with a certificate code) or an input error.
#[track_caller]
fn verdict_or_input_error(data: &[u8], o: &VerifyOptions, what: &str) -> Option<ChainReport> {
    match verify_chain(data, o) {
        Ok(report) => {
            if !report.ok {
                let err = report.error.as_ref().unwrap_or_else(|| panic!("{what}: refused without an error"));
                assert_eq!(err.category(), tlsguard::Category::Certificate, "{what}: {err}");
            }
            Some(report)
        }
        Err(err) => {
            assert_code(&err, &[Code::InvalidPem, Code::InvalidArgument, Code::CertInvalid], what);
            None
        }
    }
}

/// Every byte-taking entry point on `data`; parsing must fail with `INVALID_PEM`.
#[track_caller]
fn all_refuse(data: &[u8], what: &str) {
    assert_code(&parse_certificates(data).unwrap_err(), &[Code::InvalidPem], what);
    assert_code(&Certificate::from_pem(data).unwrap_err(), &[Code::InvalidPem], what);
    assert_code(&Certificate::from_der(data).unwrap_err(), &[Code::InvalidPem], what);
    assert_code(&verify_chain(data, &opts()).unwrap_err(), &[Code::InvalidPem], what);
    assert_code(&lint(data, &lint_opts()).unwrap_err(), &[Code::InvalidPem, Code::CertInvalid], what);
}

/// `[0x30, 0x84, len32]` headers nested `depth` times, each length exactly what follows.
fn nested_sequences(depth: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(depth * 6);
    for level in 0..depth {
        let inner = ((depth - level - 1) * 6) as u32;
        out.extend_from_slice(&[0x30, 0x84]);
        out.extend_from_slice(&inner.to_be_bytes());
    }
    out
}

fn pem_armor(label: &str, der: &[u8]) -> String {
    use std::fmt::Write as _;
    let b64 = base64_encode(der);
    let mut s = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        let _ = writeln!(s, "{}", std::str::from_utf8(chunk).unwrap());
    }
    let _ = writeln!(s, "-----END {label}-----");
    s
}

fn base64_encode(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n =
            (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Takes a deeply nested `Value` apart without recursion (its `Drop` recurses once per level).
fn dismantle(v: Value) {
    let mut stack = vec![v];
    while let Some(mut v) = stack.pop() {
        match &mut v {
            Value::Array(items) => stack.append(items),
            Value::Object(map) => stack.extend(std::mem::take(map).into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// `{key: value}`, built without `json!` (which serializes interpolated values recursively).
fn object(key: &str, value: Value) -> Value {
    let mut map = serde_json::Map::new();
    map.insert(key.to_owned(), value);
    Value::Object(map)
}

fn nested_array(depth: usize, innermost: Value) -> Value {
    let mut v = innermost;
    for _ in 0..depth {
        v = Value::Array(vec![v]);
    }
    v
}

// --- garbage and truncation ------------------------------------------------------------------

#[test]
fn garbage_bytes_are_invalid_pem() {
    let mut inputs: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), Vec::new()),
        ("text".into(), b"hello, world".to_vec()),
        ("one NUL".into(), vec![0]),
        ("lone SEQUENCE tag".into(), vec![0x30]),
        ("SEQUENCE, long form, no length bytes".into(), vec![0x30, 0x84]),
        ("SEQUENCE claiming 4 GiB".into(), vec![0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00]),
        ("SEQUENCE with 0x89 length octets".into(), vec![0x30, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0]),
        ("indefinite length".into(), vec![0x30, 0x80, 0x02, 0x01, 0x00, 0x00, 0x00]),
        ("empty SEQUENCE".into(), vec![0x30, 0x00]),
        ("BEGIN only".into(), b"-----BEGIN ".to_vec()),
        ("header, no end".into(), b"-----BEGIN CERTIFICATE-----\nMIIB\n".to_vec()),
        ("end, no header".into(), b"MIIB\n-----END CERTIFICATE-----\n".to_vec()),
        ("mismatched labels".into(), b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END PRIVATE KEY-----\n".to_vec()),
        ("bad base64".into(), b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n".to_vec()),
        ("empty block".into(), b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n".to_vec()),
        ("empty DER in block".into(), pem_armor("CERTIFICATE", &[0x30, 0x00]).into_bytes()),
        ("only a key block".into(), pem_armor("PRIVATE KEY", &[0x30, 0x03, 0x02, 0x01, 0x00]).into_bytes()),
        (
            "non-UTF-8 in block".into(),
            b"-----BEGIN CERTIFICATE-----\n\xff\xfe\x00\x80\n-----END CERTIFICATE-----\n".to_vec(),
        ),
        (
            "header inside binary".into(),
            [&b"\x01\x02-----BEGIN CERTIFICATE-----\x00\n"[..], &noise(200, 9)[..]].concat(),
        ),
        ("a certificate's DER wrapped twice".into(), {
            let mut d = vec![0x30, 0x82];
            d.extend_from_slice(&(pki().leaf_der.len() as u16).to_be_bytes());
            d.extend_from_slice(&pki().leaf_der);
            d
        }),
        ("DER plus trailing byte".into(), [&pki().leaf_der[..], &[0][..]].concat()),
        ("garbage base64 in block".into(), pem_armor("CERTIFICATE", &noise(700, 4)).into_bytes()),
    ];
    for seed in 1..=64u64 {
        let len = (seed as usize * 37) % 2048 + 1;
        let mut data = noise(len, seed);
        if seed % 2 == 0 {
            data[0] = 0x30; // take the DER path
        }
        inputs.push((format!("noise #{seed} ({len} bytes)"), data));
    }
    for (what, data) in &inputs {
        all_refuse(data, what);
    }
}

#[test]
fn every_prefix_of_a_der_certificate_is_refused() {
    let p = pki();
    for der in [&p.leaf_der, &p.root_der] {
        for len in 0..der.len() {
            let prefix = &der[..len];
            let err = Certificate::from_der(prefix).unwrap_err();
            assert_code(&err, &[Code::InvalidPem], &format!("DER prefix of {len} bytes"));
            let err = parse_certificates(prefix).unwrap_err();
            assert_code(&err, &[Code::InvalidPem], &format!("DER prefix of {len} bytes"));
        }
        assert_eq!(Certificate::from_der(der).unwrap().der().as_ref(), &der[..]);
    }
    // The chain checks too, on a sample of prefixes (each builds a trust store).
    for len in (0..p.leaf_der.len()).step_by(7) {
        verdict_or_input_error(&p.leaf_der[..len], &opts(), &format!("verify_chain, DER prefix {len}"));
    }
}

#[test]
fn single_bit_flips_in_a_certificate_never_panic() {
    let p = pki();
    let chain_tail = p.int_pem.clone();
    for i in 0..p.leaf_der.len() {
        let mut der = p.leaf_der.clone();
        der[i] ^= 1 << (i % 8);
        // Parsing may succeed (a flipped bit inside a string or the signature) or fail.
        match Certificate::from_der(&der) {
            Ok(c) => assert!(c.info().spki_pin.starts_with("sha256/")), // what is accepted summarises
            Err(err) => assert_code(&err, &[Code::InvalidPem], &format!("bit flip at {i}")),
        }
        let mut chain = pem_armor("CERTIFICATE", &der);
        chain.push_str(&chain_tail);
        if let Some(report) = verdict_or_input_error(chain.as_bytes(), &opts(), &format!("bit flip at {i}")) {
            // A flip can only be accepted if it left the signed part and the names alone,
            // i.e. never: any change in tbsCertificate breaks the signature.
            if report.ok {
                assert_eq!(
                    report.path[0].der().as_ref(),
                    &p.leaf_der[..],
                    "a modified certificate verified (bit flip at {i})"
                );
            }
        }
        let _ = lint(chain.as_bytes(), &lint_opts());
    }
}

#[test]
fn every_prefix_of_a_pem_chain_is_handled() {
    let p = pki();
    let full = format!("{}{}", p.leaf_pem, p.int_pem);
    let originals = parse_certificates(full.as_bytes()).unwrap();
    assert_eq!(originals.len(), 2);
    for len in 0..full.len() {
        let prefix = &full.as_bytes()[..len];
        match parse_certificates(prefix) {
            Ok(certs) => {
                // Only whole blocks parse, and they parse to what they were.
                assert!(certs.len() <= 2);
                assert_eq!(certs[..], originals[..certs.len()], "prefix of {len} bytes");
            }
            Err(err) => assert_code(&err, &[Code::InvalidPem], &format!("PEM prefix of {len} bytes")),
        }
        if len % 13 == 0 {
            verdict_or_input_error(prefix, &opts(), &format!("verify_chain, PEM prefix {len}"));
            if let Err(err) = lint(prefix, &lint_opts()) {
                assert_code(&err, &[Code::InvalidPem, Code::CertInvalid], &format!("lint, PEM prefix {len}"));
            }
        }
    }
    // The whole chain verifies, so the refusals above are about the truncation.
    assert!(verify_chain(full.as_bytes(), &opts()).unwrap().ok);
}

#[test]
fn truncated_der_inside_intact_pem_armor_is_invalid_pem() {
    let der = &pki().leaf_der;
    for len in [1, 2, 4, 10, 100, der.len() / 2, der.len() - 1] {
        let pem = pem_armor("CERTIFICATE", &der[..len]);
        all_refuse(pem.as_bytes(), &format!("armored DER prefix of {len} bytes"));
    }
}

// --- size ------------------------------------------------------------------------------------

#[test]
fn ten_megabytes_of_random_bytes() {
    let mut data = noise(MB10, 0xdead_beef);
    data[0] = 0x01; // neither PEM nor DER
    assert_code(&parse_certificates(&data).unwrap_err(), &[Code::InvalidPem], "10 MB noise");
    data[0] = 0x30; // DER path: x509-parser on 10 MB
    all_refuse(&data, "10 MB noise starting with SEQUENCE");
}

#[test]
fn ten_megabytes_of_pem_looking_text() {
    // One block whose base64 decodes to 7.5 MB of zeros.
    let mut text = String::from("-----BEGIN CERTIFICATE-----\n");
    let line = format!("{}\n", "A".repeat(64));
    while text.len() < MB10 {
        text.push_str(&line);
    }
    text.push_str("-----END CERTIFICATE-----\n");
    all_refuse(text.as_bytes(), "10 MB block of zeros");

    // Ten megabytes of headers that never end.
    let headers = "-----BEGIN CERTIFICATE-----\n".repeat(MB10 / 28);
    all_refuse(headers.as_bytes(), "10 MB of BEGIN lines");

    // Ten megabytes of blocks with other labels: no certificate in it.
    let other = pem_armor("PRIVATE KEY", &noise(96, 3));
    let others = other.repeat(MB10 / other.len());
    all_refuse(others.as_bytes(), "10 MB of PRIVATE KEY blocks");

    // A real certificate followed by 10 MB of base64-looking junk lines without armor.
    let mut tail = pki().leaf_pem.clone();
    while tail.len() < MB10 {
        tail.push_str(&line);
    }
    let certs = parse_certificates(tail.as_bytes()).unwrap();
    assert_eq!(certs.len(), 1);
}

#[test]
fn more_certificates_than_the_bundle_limit_are_refused() {
    let one = &pki().leaf_pem;
    let bundle = one.repeat(tlsguard::cert::MAX_BUNDLE_CERTIFICATES + 1);
    let err = parse_certificates(bundle.as_bytes()).unwrap_err();
    assert_code(&err, &[Code::InvalidPem], "bundle over the limit");
    assert!(err.message().contains("more than"), "{err}");
    assert_code(&verify_chain(bundle.as_bytes(), &opts()).unwrap_err(), &[Code::InvalidPem], "bundle over the limit");
}

#[test]
fn a_bundle_of_a_thousand_certificates() {
    let p = pki();
    let int_issuer = Issuer::from_params(&p.int_params, &p.int_key);
    let key = KeyPair::generate().unwrap();

    // 1,000 distinct leaves of the intermediate (one key: generation cost is not the point).
    let mut bundle = String::new();
    for i in 0..1000u64 {
        let cert = leaf_params(&format!("host{i}.example.net"), 1000 + i).signed_by(&key, &int_issuer).unwrap();
        bundle.push_str(&cert.pem());
    }
    let certs = parse_certificates(bundle.as_bytes()).unwrap();
    assert_eq!(certs.len(), 1000);
    assert_eq!(certs[999].dns_names, vec!["host999.example.net".to_owned()]);

    // As intermediates after the real leaf, with the real intermediate last: padding whose
    // names do not match is skipped by path building, so the chain still verifies.
    let chain = format!("{}{bundle}{}", p.leaf_pem, p.int_pem);
    let report = verdict_or_input_error(chain.as_bytes(), &opts(), "1,000 padding certificates").unwrap();
    assert!(report.ok, "{}", report.error.unwrap());
    assert_eq!(report.presented.len(), 1002);

    // 1,000 CA certificates that carry the intermediate's name and name the trusted root as
    // their issuer, but are signed by another key, in front of the real intermediate: each is
    // a candidate whose signature must be checked against the root. webpki's signature budget
    // (100) ends the search, so the real chain behind them is refused: a verdict, quickly.
    let decoy_key = KeyPair::generate().unwrap();
    let root_name = ca_params("Hostile Root CA", 1);
    let wrong_root = Issuer::from_params(&root_name, &decoy_key);
    let mut decoys = String::new();
    for i in 0..1000u64 {
        let cert = ca_params("Hostile Intermediate CA", 5000 + i).signed_by(&decoy_key, &wrong_root).unwrap();
        decoys.push_str(&cert.pem());
    }
    let chain = format!("{}{decoys}{}", p.leaf_pem, p.int_pem);
    let report = verdict_or_input_error(chain.as_bytes(), &opts(), "1,000 same-name decoys").unwrap();
    let verdict = report.error.as_ref().map_or("ok".to_owned(), |e| e.to_string());
    eprintln!("1,000 same-name decoys: {verdict}");
    if let Some(err) = &report.error {
        assert_code(err, &[Code::CertInvalid, Code::CertBadSignature, Code::CertUnknownIssuer], "1,000 decoys");
    }
    let _ = lint(chain.as_bytes(), &lint_opts());
}

// --- nesting ---------------------------------------------------------------------------------

#[test]
fn deeply_nested_asn1() {
    let deep = nested_sequences(100_000);
    all_refuse(&deep, "100,000 nested SEQUENCE headers");
    all_refuse(pem_armor("CERTIFICATE", &deep).as_bytes(), "100,000 nested SEQUENCE headers, PEM");

    // Indefinite lengths (BER, not DER), nested.
    let indefinite: Vec<u8> = [0x30u8, 0x80].repeat(100_000);
    all_refuse(&indefinite, "100,000 indefinite-length SEQUENCEs");

    // Headers whose lengths point past the end of the input.
    let overlong: Vec<u8> = [0x30u8, 0x84, 0x7f, 0xff, 0xff, 0xff].repeat(20_000);
    all_refuse(&overlong, "overlong nested lengths");

    // Nesting of constructed context tags ([0] EXPLICIT) and SETs.
    let mut mixed = Vec::new();
    for i in 0..50_000usize {
        mixed.extend_from_slice(&[if i % 2 == 0 { 0xa0 } else { 0x31 }, 0x80]);
    }
    all_refuse(&mixed, "nested [0] and SET");
}

#[test]
fn deep_nesting_inside_certificate_extensions() {
    // Real, correctly signed certificates whose extensions hold deep nesting: parsing reaches
    // the extension parsers of x509-parser and webpki.
    let p = pki();
    let int_issuer = Issuer::from_params(&p.int_params, &p.int_key);
    let key = KeyPair::generate().unwrap();
    let deep = nested_sequences(20_000);
    let oids: [&[u64]; 6] = [
        &[2, 5, 29, 17],                     // subjectAltName
        &[2, 5, 29, 30],                     // nameConstraints
        &[2, 5, 29, 32],                     // certificatePolicies
        &[2, 5, 29, 31],                     // cRLDistributionPoints
        &[1, 3, 6, 1, 5, 5, 7, 1, 1],        // authorityInfoAccess
        &[1, 3, 6, 1, 4, 1, 11129, 2, 4, 2], // SCT list
    ];
    for (n, oid) in oids.iter().enumerate() {
        let mut params = leaf_params("example.com", 9000 + n as u64);
        if *oid == [2, 5, 29, 17] {
            params.subject_alt_names.clear();
        }
        params.custom_extensions = vec![CustomExtension::from_oid_content(oid, deep.clone())];
        let cert = params.signed_by(&key, &int_issuer).unwrap();
        let what = format!("deep nesting in extension {oid:?}");
        match Certificate::from_der(cert.der()) {
            Ok(c) => assert!(c.info().spki_pin.starts_with("sha256/")), // what is accepted summarises
            Err(err) => assert_code(&err, &[Code::InvalidPem], &what),
        }
        let chain = format!("{}{}", cert.pem(), p.int_pem);
        // Validly signed by the trusted CA: webpki may ignore a non-critical extension it does
        // not use, so acceptance is a verdict too.
        verdict_or_input_error(chain.as_bytes(), &opts(), &what);
        let _ = lint(chain.as_bytes(), &lint_opts());
    }
}

// --- path building ---------------------------------------------------------------------------

/// 40 CA keys, each with two certificates named "Hostile Cross CA" signed by two other keys
/// (a cross-signing mesh), and a leaf issued under that name: every one of the 80 is a
/// candidate issuer at every step, so naive path building would try 80^6 paths.
fn cross_signed_mesh() -> (String, Vec<KeyPair>) {
    const N: usize = 40;
    let keys: Vec<KeyPair> = (0..N).map(|_| KeyPair::generate().unwrap()).collect();
    let params = ca_params("Hostile Cross CA", 1);
    let leaf = leaf_params("example.com", 2)
        .signed_by(&KeyPair::generate().unwrap(), &Issuer::from_params(&params, &keys[0]))
        .unwrap();
    let mut chain = leaf.pem();
    let mut serial = 100;
    for i in 0..N {
        for step in [1, 7] {
            serial += 1;
            let cert = ca_params("Hostile Cross CA", serial)
                .signed_by(&keys[i], &Issuer::from_params(&params, &keys[(i + step) % N]))
                .unwrap();
            chain.push_str(&cert.pem());
        }
    }
    (chain, keys)
}

#[test]
fn cross_signed_same_name_cas_do_not_explode_path_building() {
    let (chain, keys) = cross_signed_mesh();
    assert_eq!(parse_certificates(chain.as_bytes()).unwrap().len(), 81);

    // Trusting an unrelated root: no candidate ever reaches it (build-call budget / depth).
    let report = verdict_or_input_error(chain.as_bytes(), &opts(), "mesh, unrelated root").unwrap();
    let err = report.error.expect("the mesh verified against an unrelated root");
    eprintln!("mesh, unrelated root: {err}");
    assert_code(&err, &[Code::CertInvalid, Code::CertUnknownIssuer, Code::CertIncompleteChain], "mesh, unrelated root");

    // Trusting a root with the mesh's name but another key: every step offers the anchor, and
    // every attempt costs a signature check (signature budget).
    let other = KeyPair::generate().unwrap();
    let fake_root = ca_params("Hostile Cross CA", 99).self_signed(&other).unwrap();
    let o = opts_trusting(&fake_root.pem());
    let report = verdict_or_input_error(chain.as_bytes(), &o, "mesh, same-name root").unwrap();
    let err = report.error.expect("the mesh verified against a same-name root with another key");
    eprintln!("mesh, same-name root: {err}");
    assert_code(
        &err,
        &[Code::CertInvalid, Code::CertUnknownIssuer, Code::CertBadSignature, Code::CertIncompleteChain],
        "mesh, same-name root",
    );

    // Trusting one of the mesh's own keys far from the leaf: a path may exist within the
    // depth limit or not; either way the answer is a verdict.
    let real_root = ca_params("Hostile Cross CA", 98).self_signed(&keys[39]).unwrap();
    let report = verdict_or_input_error(chain.as_bytes(), &opts_trusting(&real_root.pem()), "mesh, mesh root").unwrap();
    eprintln!("mesh, mesh root: {}", report.error.map_or("ok".to_owned(), |e| e.to_string()));

    let _ = lint(chain.as_bytes(), &lint_opts());
}

// --- options ---------------------------------------------------------------------------------

#[track_caller]
fn options_refused(v: &Value, what: &str) {
    let err = ClientOptions::from_json(v).unwrap_err();
    assert_code(&err, &[Code::InvalidArgument], what);
}

#[test]
fn hostile_option_values_are_invalid_argument() {
    let huge = "x".repeat(MB10);
    for (what, v) in [
        ("huge roots", json!({"roots": huge})),
        ("huge min_tls", json!({"min_tls": huge})),
        ("huge option name", json!({ huge.clone(): 1 })),
        ("huge NUL string", json!({"proxy": format!("{huge}\0")})),
        ("huge header value with NUL", json!({"headers": {"x-a": format!("\0{huge}")}})),
        ("huge number string as timeout", json!({"timeout": "9".repeat(100_000)})),
        ("huge timeout", json!({"timeout": 1e308})),
        ("max f64 timeout", json!({"timeout": f64::MAX})),
        ("negative zero timeout", json!({"timeout": -0.0})),
        ("negative timeout", json!({"connect_timeout": -1e-300})),
        ("float max_redirects", json!({"max_redirects": 1.5})),
        ("max_redirects over u32", json!({"max_redirects": u64::from(u32::MAX) + 1})),
        ("negative max_response_bytes", json!({"max_response_bytes": i64::MIN})),
        ("bool as number", json!({"timeout": true})),
        ("object as pins", json!({"pins": {"a": "b"}})),
        ("number in pins", json!({"pins": ["sha256/x", 5]})),
        ("nested pins", json!({"pins": [["sha256/AAAA"]]})),
        ("headers as a list of non-pairs", json!({"headers": [["a"]]})),
        ("headers as a list of a number pair", json!({"headers": [["a", 1]]})),
        ("nested header values", json!({"headers": {"a": [["b"]]}})),
        ("verify switch", json!({"verify_ssl": false})),
        ("top-level number", json!(1e300)),
        ("top-level string", json!(huge)),
    ] {
        options_refused(&v, what);
    }

    // Numbers JSON cannot carry (NaN, infinities, 1e400) are refused by the JSON parser; the
    // closest text forms are refused by tlsguard.
    for text in
        [r#"{"timeout": NaN}"#, r#"{"timeout": Infinity}"#, r#"{"timeout": -Infinity}"#, r#"{"timeout": 1e400}"#]
    {
        assert!(serde_json::from_str::<Value>(text).is_err(), "{text} parsed");
    }
    for text in [
        r#"{"timeout": "NaN"}"#,
        r#"{"timeout": "inf"}"#,
        r#"{"timeout": -1e-400}"#,
        r#"{"max_redirects": 18446744073709551616}"#,
    ] {
        let v: Value = serde_json::from_str(text).unwrap();
        options_refused(&v, text);
    }

    // Values accepted as options are validated when trust is loaded: a 10 MB pin and a 10 MB
    // PEM-looking CA are INVALID_ARGUMENT / INVALID_PEM then, not a panic.
    let o = ClientOptions::from_json(&json!({"roots": "none", "pins": [format!("sha256/{huge}")], "use_env": false}))
        .unwrap();
    assert_code(&tlsguard::trust_report(&o.trust).unwrap_err(), &[Code::InvalidArgument], "10 MB pin");
    let fake_pem = format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", "A".repeat(MB10));
    let o = ClientOptions::from_json(&json!({"roots": "none", "ca_pem": fake_pem, "use_env": false})).unwrap();
    assert_code(&tlsguard::trust_report(&o.trust).unwrap_err(), &[Code::InvalidPem, Code::InvalidArgument], "10 MB CA");
    let pins: Vec<String> = (0..100_000).map(|i| format!("sha256/{i}")).collect();
    let o = ClientOptions::from_json(&json!({"roots": "none", "pins": pins, "use_env": false})).unwrap();
    assert_code(&tlsguard::trust_report(&o.trust).unwrap_err(), &[Code::InvalidArgument], "100,000 bad pins");
}

#[test]
fn deeply_nested_json_in_options() {
    // From text, serde_json stops at its recursion limit before tlsguard sees anything.
    let text = format!(r#"{{"pins": {}"sha256/x"{}}}"#, "[".repeat(100_000), "]".repeat(100_000));
    assert!(serde_json::from_str::<Value>(&text).is_err());

    // Just under that limit, and far deeper when built in memory (as a binding could).
    for depth in [120, 100_000] {
        for key in ["pins", "ca_pem", "ca_file", "crls", "roots", "proxy", "http2", "client_cert"] {
            let v = object(key, nested_array(depth, json!("sha256/AAAA")));
            options_refused(&v, &format!("{key} nested {depth} deep"));
            dismantle(v);
        }
        let v = object("headers", object("x-a", nested_array(depth, json!("v"))));
        options_refused(&v, &format!("header value nested {depth} deep"));
        dismantle(v);
        let v = object("pins", Value::Array(vec![nested_array(depth, Value::Null)]));
        options_refused(&v, &format!("pins with a null nested {depth} deep"));
        dismantle(v);
    }
    // Numeric options echo the value they refuse; at a depth JSON text can carry, that is fine.
    for key in ["max_redirects", "max_response_bytes"] {
        let v = object(key, nested_array(120, json!(1)));
        options_refused(&v, &format!("{key} nested 120 deep"));
    }
}

/// Regression case for a crash found by this suite (fixed: messages no longer echo non-numbers): a numeric option
/// whose value is a deeply nested array is refused with a message that echoes the value with
/// `Display` (`json_u64` in src/options.rs: `got {v}`; `opt_i64` does the same), and
/// serde_json's `Display` recurses once per level: 100,000 levels overflow the stack and abort
/// the process. JSON text cannot nest that deep (serde_json's parser stops at 128), but a
/// binding that converts a native list into a `Value` can. The same echo puts a 10 MB string
/// value into the message whole.
#[test]
fn numeric_option_with_deep_nesting_is_refused() {
    for key in ["max_redirects", "max_response_bytes", "timeout"] {
        let v = object(key, nested_array(100_000, json!(1)));
        options_refused(&v, &format!("{key} nested 100,000 deep"));
        dismantle(v);
    }
    let err = ClientOptions::from_json(&json!({"max_redirects": "x".repeat(MB10)})).unwrap_err();
    assert_code(&err, &[Code::InvalidArgument], "10 MB string as max_redirects");
    assert!(err.message().len() < 4096, "the message echoes {} bytes of the value", err.message().len());
}

#[test]
fn extreme_times_are_answers_or_errors_never_panics() {
    let p = pki();
    let leaf = Certificate::from_der(&p.leaf_der).unwrap();
    // Whole days, saturated at the ends of i64 (the release profile checks overflow).
    assert!(leaf.days_remaining(i64::MIN) > 0);
    assert!(leaf.days_remaining(i64::MAX) < 0);
    let chain = format!("{}{}", p.leaf_pem, p.int_pem);
    for at in [i64::MIN, i64::MIN + 1, -1, 0, i64::MAX - 1, i64::MAX] {
        let mut v = opts();
        v.at = Some(at);
        match verify_chain(chain.as_bytes(), &v) {
            Ok(report) => assert!(!report.ok, "at={at}: accepted a chain outside its validity"),
            Err(e) => assert_code(&e, &[Code::InvalidArgument], &format!("verify_chain at={at}")),
        }
        let mut l = lint_opts();
        l.at = Some(at);
        let findings = lint(chain.as_bytes(), &l).unwrap_or_else(|e| panic!("lint at={at}: {e}"));
        let want = if at < AT { tlsguard::lint::LintCode::NotYetValid } else { tlsguard::lint::LintCode::Expired };
        assert!(findings.iter().any(|f| f.code == want), "lint at={at}: {findings:?}");
    }
}
