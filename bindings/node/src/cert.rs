//! `tlsguard::cert`: `CertificateInfo` as a plain object (times in epoch milliseconds, which
//! the facade's `Certificate` turns into `Date`s) and PEM/DER parsing.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::guard;

/// `tlsguard::CertificateInfo`, field for field (camelCase), plus `pem` and `displayName`.
#[napi(object)]
pub struct CertObject {
    pub subject: String,
    pub issuer: String,
    pub subject_cn: Option<String>,
    pub issuer_cn: Option<String>,
    pub serial: String,
    /// Epoch milliseconds.
    pub not_before: f64,
    /// Epoch milliseconds.
    pub not_after: f64,
    pub dns_names: Vec<String>,
    pub ip_addresses: Vec<String>,
    pub emails: Vec<String>,
    pub has_san: bool,
    pub is_ca: bool,
    pub basic_constraints_critical: bool,
    pub path_len: Option<u32>,
    pub key_usage: Vec<String>,
    pub extended_key_usage: Vec<String>,
    pub key_type: String,
    pub key_bits: u32,
    pub curve: Option<String>,
    pub signature_algorithm: String,
    pub self_signed: bool,
    pub fingerprint_sha256: String,
    pub spki_pin: String,
    pub ocsp_urls: Vec<String>,
    pub ca_issuer_urls: Vec<String>,
    pub crl_urls: Vec<String>,
    pub sct_count: u32,
    pub has_ski: bool,
    pub has_aki: bool,
    pub der: Buffer,
    pub pem: String,
    pub display_name: String,
    /// `CertificateInfo::weakness()`: why the certificate is weak, if it is.
    pub weakness: Option<String>,
}

/// Unix seconds -> epoch milliseconds.
pub fn ms(unix: i64) -> f64 {
    unix as f64 * 1000.0
}

pub fn cert_object(c: &tlsguard::CertificateInfo) -> CertObject {
    CertObject {
        subject: c.subject.clone(),
        issuer: c.issuer.clone(),
        subject_cn: c.subject_cn.clone(),
        issuer_cn: c.issuer_cn.clone(),
        serial: c.serial.clone(),
        not_before: ms(c.not_before),
        not_after: ms(c.not_after),
        dns_names: c.dns_names.clone(),
        ip_addresses: c.ip_addresses.clone(),
        emails: c.emails.clone(),
        has_san: c.has_san,
        is_ca: c.is_ca,
        basic_constraints_critical: c.basic_constraints_critical,
        path_len: c.path_len,
        key_usage: c.key_usage.clone(),
        extended_key_usage: c.extended_key_usage.clone(),
        key_type: c.key_type.clone(),
        key_bits: c.key_bits,
        curve: c.curve.clone(),
        signature_algorithm: c.signature_algorithm.clone(),
        self_signed: c.self_signed,
        fingerprint_sha256: c.fingerprint_sha256.clone(),
        spki_pin: c.spki_pin.clone(),
        ocsp_urls: c.ocsp_urls.clone(),
        ca_issuer_urls: c.ca_issuer_urls.clone(),
        crl_urls: c.crl_urls.clone(),
        sct_count: c.sct_count,
        has_ski: c.has_ski,
        has_aki: c.has_aki,
        der: c.der.clone().into(),
        pem: c.to_pem(),
        display_name: c.display_name(),
        weakness: c.weakness(),
    }
}

pub fn cert_objects(list: &[tlsguard::CertificateInfo]) -> Vec<CertObject> {
    list.iter().map(cert_object).collect()
}

/// Every certificate of PEM text (or of one DER certificate), in order.
#[napi(catch_unwind)]
pub fn parse_certificates(env: &Env, data: Either<String, Buffer>) -> Result<Vec<CertObject>> {
    let bytes = bytes_of(data);
    guard(env, || Ok(cert_objects(&tlsguard::parse_certificates(&bytes)?)))
}

/// The first certificate of PEM text (or DER bytes).
#[napi(catch_unwind)]
pub fn certificate_from_pem(env: &Env, data: Either<String, Buffer>) -> Result<CertObject> {
    let bytes = bytes_of(data);
    guard(env, || Ok(cert_object(&tlsguard::CertificateInfo::from_pem(&bytes)?)))
}

/// Exactly one DER certificate.
#[napi(catch_unwind)]
pub fn certificate_from_der(env: &Env, der: Buffer) -> Result<CertObject> {
    guard(env, || Ok(cert_object(&tlsguard::CertificateInfo::from_der(&der)?)))
}

/// Reads a file with the core's reader (`IO` error naming the path) and parses every
/// certificate in it.
#[napi(catch_unwind)]
pub fn load_certificate_file(env: &Env, path: String) -> Result<Vec<CertObject>> {
    guard(env, || {
        let bytes = tlsguard::Source::Path(path.into()).read("certificates")?;
        Ok(cert_objects(&tlsguard::parse_certificates(&bytes)?))
    })
}

pub fn bytes_of(data: Either<String, Buffer>) -> Vec<u8> {
    match data {
        Either::A(s) => s.into_bytes(),
        Either::B(b) => b.to_vec(),
    }
}

