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
        let r = tlsguard::verify_chain(&chain, &opts).or_throw()?;
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
    })
}

/// Adds this file's functions to the module.
pub fn register(module: ModuleBuilder) -> ModuleBuilder {
    module.function(wrap_function!(verify_chain))
}
