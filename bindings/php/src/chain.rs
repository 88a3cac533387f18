//! `TlsGuard\verify_chain()`: offline verification with the client's verifier.

use ext_php_rs::binary_slice::BinarySlice;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendHashTable, Zval};
use tlsguard::VerifyOptions;

use crate::cert::certificate_list;
use crate::convert::{Assoc, merged_options, string_list};
use crate::errors::{OrThrow, exception_zval, guard};
use crate::trust::TRUST_INI;

/// Verifies a chain (PEM, leaf first). A refused chain is not thrown: it is the report's
/// `error` (a `TlsGuardException`, the same a request would throw). Bad input throws.
#[php_function]
#[php(name = "TlsGuard\\verify_chain")]
pub fn verify_chain(chain: BinarySlice<u8>, options: Option<&ZendHashTable>) -> PhpResult<Zval> {
    guard(|| {
        let json = merged_options("TlsGuard\\verify_chain() options", options, TRUST_INI)?;
        let opts = VerifyOptions::from_json(&json).or_throw()?;
        report(tlsguard::verify_chain(&chain, &opts).or_throw()?)
    })
}

/// A report as `verify_chain()` returns it.
fn report(r: tlsguard::ChainReport) -> PhpResult<Zval> {
    let error = match &r.error {
        Some(e) => exception_zval(e)?,
        None => Zval::null(),
    };
    Ok(Assoc::new()
        .set("ok", r.ok)?
        .set("error", error)?
        .set("path", certificate_list(&r.path)?)?
        .set("presented", certificate_list(&r.presented)?)?
        .set("at", r.at)?
        .set("warnings", string_list(&r.warnings)?)?
        .into_zval())
}

/// A prepared chain verifier (`tlsguard::Verifier`): the trust loaded once, then `verify()`
/// per chain.
#[php_class]
#[php(name = "TlsGuard\\Verifier")]
pub struct Verifier(tlsguard::Verifier);

#[php_impl]
impl Verifier {
    /// `verify_chain()`'s options without `hostname` and `at` (arguments of `verify()`);
    /// php.ini's trust settings give the defaults.
    pub fn __construct(options: Option<&ZendHashTable>) -> PhpResult<Self> {
        guard(|| {
            let json = merged_options("TlsGuard\\Verifier options", options, TRUST_INI)?;
            Ok(Verifier(tlsguard::Verifier::from_json(&json).or_throw()?))
        })
    }

    /// `verify_chain()`'s report for `$chain` (PEM or DER, leaf first) for `$hostname` (not
    /// checked when null) at `$at` (Unix seconds; default now).
    pub fn verify(&self, chain: BinarySlice<u8>, hostname: Option<String>, at: Option<i64>) -> PhpResult<Zval> {
        guard(|| report(self.0.verify(&chain, hostname.as_deref(), at).or_throw()?))
    }
}

/// Adds this file's functions to the module.
pub fn register(module: ModuleBuilder) -> ModuleBuilder {
    module.function(wrap_function!(verify_chain))
}
