//! `tlsguard::cert`: PEM/DER parsing, and the summary of a `tlsguard::Certificate` for the
//! facade's `Certificate`.
//!
//! A certificate crosses to JavaScript as its DER only (a `Buffer`, which is `Certificate.der`):
//! building the ~30 JS values of a summary costs more than parsing it, and most certificates
//! (every response's `peerCertificates`, a refused chain, `verifyChain`'s path) are never looked
//! at. The facade asks for the fields with [`certificate_fields`] the first time one is read
//! (and keeps them). Bad input still throws the core's error where it did before: `fromPem`,
//! `fromDer` and the functions that parse several have the core check every certificate
//! (`tlsguard::Certificate::from_pem`/`from_der`, `parse_certificates`).

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::guard;

/// The fields of `tlsguard::CertificateInfo` in the order [`certificate_fields`] returns them
/// (camelCase, `notBefore`/`notAfter` as epoch milliseconds), plus `pem`, `displayName` and
/// `weakness` (`CertificateInfo::weakness()`). The facade's `Certificate` has one property for
/// each, and `der`.
pub const FIELDS: &[&str] = &[
    "subject",
    "issuer",
    "subjectCn",
    "issuerCn",
    "serial",
    "notBefore",
    "notAfter",
    "dnsNames",
    "ipAddresses",
    "emails",
    "hasSan",
    "isCa",
    "basicConstraintsCritical",
    "pathLen",
    "keyUsage",
    "extendedKeyUsage",
    "keyType",
    "keyBits",
    "curve",
    "signatureAlgorithm",
    "selfSigned",
    "fingerprintSha256",
    "spkiPin",
    "ocspUrls",
    "caIssuerUrls",
    "crlUrls",
    "sctCount",
    "hasSki",
    "hasAki",
    "pem",
    "displayName",
    "weakness",
];

/// Unix seconds -> epoch milliseconds.
pub fn ms(unix: i64) -> f64 {
    unix as f64 * 1000.0
}

/// The names [`certificate_fields`] returns values for, in order.
#[napi(catch_unwind)]
pub fn certificate_field_names() -> Vec<&'static str> {
    FIELDS.to_vec()
}

/// The fields of one DER certificate (see [`FIELDS`]): absent values are `undefined`.
#[napi(catch_unwind, ts_return_type = "Array<unknown>")]
pub fn certificate_fields<'e>(env: &'e Env, der: BufferSlice) -> Result<Array<'e>> {
    let c = guard(env, || Ok(tlsguard::Certificate::from_der(&der)?))?;
    let mut a = env.create_array(FIELDS.len() as u32)?;
    let mut i = 0;
    let mut put = |a: &mut Array, v: Unknown| -> Result<()> {
        a.set(i, v)?;
        i += 1;
        Ok(())
    };
    macro_rules! put {
        ($v:expr) => {
            put(&mut a, IntoJs::js($v, env)?)?
        };
    }
    put!(c.subject.as_str());
    put!(c.issuer.as_str());
    put!(c.subject_cn.as_deref());
    put!(c.issuer_cn.as_deref());
    put!(c.serial.as_str());
    put!(ms(c.not_before));
    put!(ms(c.not_after));
    put!(c.dns_names.as_slice());
    put!(c.ip_addresses.as_slice());
    put!(c.emails.as_slice());
    put!(c.has_san);
    put!(c.is_ca);
    put!(c.basic_constraints_critical);
    put!(c.path_len);
    put!(c.key_usage.as_slice());
    put!(c.extended_key_usage.as_slice());
    put!(c.key_type.as_str());
    put!(c.key_bits);
    put!(c.curve.as_deref());
    put!(c.signature_algorithm.as_str());
    put!(c.self_signed);
    put!(c.fingerprint_sha256.as_str());
    put!(c.spki_pin.as_str());
    put!(c.ocsp_urls.as_slice());
    put!(c.ca_issuer_urls.as_slice());
    put!(c.crl_urls.as_slice());
    put!(c.sct_count);
    put!(c.has_ski);
    put!(c.has_aki);
    put!(c.to_pem());
    put!(c.display_name());
    put!(c.weakness());
    Ok(a)
}

/// A JS value of a certificate field (`None` is `undefined`, as an absent property was).
trait IntoJs {
    fn js(self, env: &Env) -> Result<Unknown<'_>>;
}

macro_rules! via_to_napi {
    ($($t:ty),*) => {$(
        impl IntoJs for $t {
            fn js(self, env: &Env) -> Result<Unknown<'_>> {
                ToNapiValue::into_unknown(self, env)
            }
        }
    )*};
}
via_to_napi!(&str, String, f64, u32, bool);

impl<T: IntoJs> IntoJs for Option<T> {
    fn js(self, env: &Env) -> Result<Unknown<'_>> {
        match self {
            Some(v) => v.js(env),
            None => ToNapiValue::into_unknown((), env),
        }
    }
}

impl IntoJs for &[String] {
    fn js(self, env: &Env) -> Result<Unknown<'_>> {
        ToNapiValue::into_unknown(Array::from_ref_vec_string(env, self)?, env)
    }
}

/// The DER of each certificate, as `Buffer`s (for results that are rarely many).
pub fn der_buffers(list: &[tlsguard::Certificate]) -> Vec<Buffer> {
    list.iter().map(|c| Buffer::from(c.der().to_vec())).collect()
}

/// The DER of each certificate, copied into JS-owned `Buffer`s.
fn der_slices(env: &Env, list: Vec<tlsguard::Certificate>) -> Result<Vec<BufferSlice<'_>>> {
    list.iter().map(|c| BufferSlice::copy_from(env, c.der())).collect()
}

/// Every certificate of PEM text (or of one DER certificate), in order, as DER.
#[napi(catch_unwind)]
pub fn parse_certificates<'e>(env: &'e Env, data: Either<String, BufferSlice>) -> Result<Vec<BufferSlice<'e>>> {
    let list = guard(env, || Ok(tlsguard::parse_certificates(bytes_of(&data))?))?;
    der_slices(env, list)
}

/// The first certificate of PEM text (or DER bytes), as DER (every certificate of the input
/// is checked).
#[napi(catch_unwind)]
pub fn certificate_from_pem<'e>(env: &'e Env, data: Either<String, BufferSlice>) -> Result<BufferSlice<'e>> {
    let cert = guard(env, || Ok(tlsguard::Certificate::from_pem(bytes_of(&data))?))?;
    BufferSlice::copy_from(env, cert.der())
}

/// Exactly one DER certificate (checked, and copied).
#[napi(catch_unwind)]
pub fn certificate_from_der<'e>(env: &'e Env, der: BufferSlice) -> Result<BufferSlice<'e>> {
    guard(env, || Ok(tlsguard::Certificate::from_der(&der)?))?;
    BufferSlice::copy_from(env, &der)
}

/// Reads a file with the core's reader (`IO` error naming the path) and parses every
/// certificate in it.
#[napi(catch_unwind)]
pub fn load_certificate_file<'e>(env: &'e Env, path: String) -> Result<Vec<BufferSlice<'e>>> {
    let list = guard(env, || {
        let bytes = tlsguard::Source::Path(path.into()).read("certificates")?;
        Ok(tlsguard::parse_certificates(&bytes)?)
    })?;
    der_slices(env, list)
}

pub fn bytes_of<'a>(data: &'a Either<String, BufferSlice>) -> &'a [u8] {
    match data {
        Either::A(s) => s.as_bytes(),
        Either::B(b) => b,
    }
}
