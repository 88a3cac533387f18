//! The certificate rows: C1-parse and C1-verify.
//!
//! Files are read before the timer starts; each measured operation works on bytes in memory.
//!
//! * `tlsguard` C1-parse: `tlsguard::parse_certificates(leaf PEM)` (PEM decode + x509-parser
//!   parse, which checks the certificate; its summary, `CertificateInfo` with names as text,
//!   fingerprint, SPKI pin, ..., is built on first use and not measured, as in the bindings' rows).
//! * `tlsguard` C1-verify: a prepared `tlsguard::Verifier` with only the root trusted
//!   (`roots: "none"`, `ca_pem: <root PEM>`, `use_env: false`), built once (as pyca's
//!   `build_server_verifier`), then `verifier.verify(leaf PEM + intermediate PEM, --host)` per
//!   operation (PEM decode, parse, path building, signatures, name check). The chain is checked
//!   to verify before the timer starts.
//! * `webpki` C1-verify: rustls-webpki as rustls uses it: `EndEntityCert::try_from(leaf DER)`,
//!   `verify_for_usage(rustls' aws-lc-rs default provider's algorithms, [root anchor, prepared
//!   once], [intermediate DER], now, KeyUsage::server_auth(), no revocation, no path check)`,
//!   then `verify_is_valid_for_subject_name(--host)`. PEM is decoded to DER once, outside the
//!   loop.
//! * `x509-parser` C1-parse: `x509_parser::pem::parse_x509_pem(leaf PEM)` then
//!   `Pem::parse_x509()` (PEM decode + DER parse), each iteration.

use std::hint::black_box;
use std::path::PathBuf;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use serde_json::json;

use crate::drive::{self, Outcome, Workload};
use crate::{Args, Res};

fn read(what: &str, path: &Option<PathBuf>) -> Res<Vec<u8>> {
    let path = path.as_ref().ok_or_else(|| format!("--{what} is required for certificate workloads"))?;
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()).into())
}

fn host(args: &Args) -> Res<&str> {
    args.host.as_deref().ok_or_else(|| "--host is required for C1-verify".into())
}

/// `tlsguard`: C1-parse and C1-verify.
pub fn tlsguard(args: &Args) -> Res<Outcome> {
    let leaf = read("leaf", &args.leaf)?;
    match args.workload {
        Workload::C1Parse => drive::cert_ops(args.n, || {
            let certs = tlsguard::parse_certificates(black_box(&leaf))?;
            if certs.len() != 1 {
                return Err(format!("{} certificates parsed from the leaf file", certs.len()).into());
            }
            black_box(certs);
            Ok(())
        }),
        _ => {
            let mut chain = leaf.clone();
            chain.extend_from_slice(&read("chain", &args.chain)?);
            let root = String::from_utf8(std::fs::read(&args.ca)?)?;
            // A prepared verifier (trust loaded once), as pyca's build_server_verifier.
            let verifier = tlsguard::Verifier::from_json(&json!({
                "roots": "none",
                "ca_pem": root,
                "use_env": false,
            }))?;
            let host = host(args)?;
            let verify = || -> Res<()> {
                let report = verifier.verify(black_box(&chain), Some(host), None)?;
                match report.error {
                    None if report.ok => Ok(()),
                    Some(e) => Err(format!("the chain did not verify: {e}").into()),
                    None => Err("the chain did not verify".into()),
                }
            };
            verify()?; // once before measuring: a refusal is a setup error, not a fast op
            drive::cert_ops(args.n, verify)
        }
    }
}

/// `webpki`: C1-verify.
pub fn webpki(args: &Args) -> Res<Outcome> {
    let leaf = CertificateDer::from_pem_slice(&read("leaf", &args.leaf)?)?;
    let intermediates = CertificateDer::pem_slice_iter(&read("chain", &args.chain)?).collect::<Result<Vec<_>, _>>()?;
    let root = CertificateDer::from_pem_file(&args.ca)?;
    let anchors = [webpki::anchor_from_trusted_cert(&root)?.to_owned()];
    let algorithms = rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms.all;
    let name = ServerName::try_from(host(args)?)?;
    drive::cert_ops(args.n, || {
        let cert = webpki::EndEntityCert::try_from(black_box(&leaf))?;
        let path = cert.verify_for_usage(
            algorithms,
            &anchors,
            &intermediates,
            UnixTime::now(),
            webpki::KeyUsage::server_auth(),
            None,
            None,
        )?;
        black_box(path);
        cert.verify_is_valid_for_subject_name(&name)?;
        Ok(())
    })
}

/// `x509-parser`: C1-parse.
pub fn x509_parser(args: &Args) -> Res<Outcome> {
    let leaf = read("leaf", &args.leaf)?;
    drive::cert_ops(args.n, || {
        let (_, pem) = x509_parser::pem::parse_x509_pem(black_box(&leaf))?;
        let cert = pem.parse_x509()?;
        black_box(&cert);
        Ok(())
    })
}
