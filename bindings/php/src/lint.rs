//! `TlsGuard\lint()`: deployment lint of a certificate bundle.

use ext_php_rs::binary_slice::BinarySlice;
use ext_php_rs::exception::PhpException;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendHashTable, Zval};
use tlsguard::{Finding, LintOptions};

use crate::convert::{Assoc, merged_options};
use crate::errors::{OrThrow, guard, internal};

/// Findings as a PHP list of arrays.
pub fn findings_zval(findings: &[Finding]) -> Result<Zval, PhpException> {
    let mut list = ZendHashTable::new();
    for f in findings {
        let row = Assoc::new()
            .set("code", f.code.as_str())?
            .set("severity", f.severity.as_str())?
            .set("certificate", f.certificate.map(|i| i as i64))?
            .set("subject", f.subject.clone())?
            .set("message", f.message.as_str())?
            .set("fix", f.fix.as_str())?;
        list.push(row.into_zval()).map_err(internal)?;
    }
    let mut zv = Zval::new();
    zv.set_hashtable(list);
    Ok(zv)
}

/// Lints a deployment bundle (PEM: leaf first, then intermediates). Options: `key`,
/// `hostnames`, `warn_days`, `at`. Returns the findings, errors first.
#[php_function]
#[php(name = "TlsGuard\\lint")]
pub fn lint(bundle: BinarySlice<u8>, options: Option<&ZendHashTable>) -> PhpResult<Zval> {
    guard(|| {
        let json = merged_options("TlsGuard\\lint() options", options, &[])?;
        let opts = LintOptions::from_json(&json).or_throw()?;
        findings_zval(&tlsguard::lint(&bundle, &opts).or_throw()?)
    })
}

/// Adds this file's functions to the module.
pub fn register(module: ModuleBuilder) -> ModuleBuilder {
    module.function(wrap_function!(lint))
}
