//! `TlsGuard\trust_report()`: what a trust configuration loads.

use ext_php_rs::exception::PhpException;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendHashTable, Zval};
use tlsguard::TrustReport;

use crate::convert::{Assoc, merged_options, string_list};
use crate::errors::{OrThrow, guard, internal};

/// php.ini settings that apply to trust options.
pub const TRUST_INI: &[&str] = &["roots", "ca_file"];

/// A trust report as a PHP array.
pub fn report_zval(r: &TrustReport) -> Result<Zval, PhpException> {
    let mut sources = ZendHashTable::new();
    for s in &r.sources {
        let row = Assoc::new()
            .set("kind", s.kind.as_str())?
            .set("location", s.location.as_str())?
            .set("loaded", s.loaded as i64)?
            .set("skipped", s.skipped as i64)?
            .set("skipped_reasons", string_list(&s.skipped_reasons)?)?
            .set("summary", s.summary())?;
        sources.push(row.into_zval()).map_err(internal)?;
    }
    Ok(Assoc::new()
        .set("roots", r.roots.as_str())?
        .set("sources", sources)?
        .set("total", r.total as i64)?
        .set("pins", r.pins as i64)?
        .set("crls", r.crls as i64)?
        .set("pin_only", r.pin_only)?
        .set("summary", string_list(&r.summary_lines())?)?
        .set("warnings", string_list(&r.warnings)?)?
        .into_zval())
}

/// What a trust configuration (`roots`, `ca_file`, `ca_pem`, `pins`, `crls`, `use_env`)
/// loads: every source with its counts. php.ini `tlsguard.roots`/`tlsguard.ca_file` apply.
#[php_function]
#[php(name = "TlsGuard\\trust_report")]
pub fn trust_report(options: Option<&ZendHashTable>) -> PhpResult<Zval> {
    guard(|| {
        let json = merged_options("TlsGuard\\trust_report() options", options, TRUST_INI)?;
        let opts = tlsguard::options::trust_options_from_json(&json).or_throw()?;
        report_zval(&tlsguard::trust_report(&opts).or_throw()?)
    })
}

/// Adds this file's functions to the module.
pub fn register(module: ModuleBuilder) -> ModuleBuilder {
    module.function(wrap_function!(trust_report))
}
