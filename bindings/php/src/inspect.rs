//! `TlsGuard\inspect()`: a live server's TLS deployment.

use ext_php_rs::exception::PhpException;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendHashTable, Zval};
use tlsguard::{AuditReport, InspectOptions};

use crate::cert::certificate_list;
use crate::convert::{Assoc, merged_options, string_list};
use crate::errors::{OrThrow, exception_zval, guard, internal};
use crate::lint::findings_zval;

fn audit_zval(a: &AuditReport) -> Result<Zval, PhpException> {
    let mut versions = ZendHashTable::new();
    for v in &a.versions {
        let row = Assoc::new()
            .set("version", v.version.as_str())?
            .set("accepted", v.accepted)?
            .set("detail", v.detail.as_str())?;
        versions.push(row.into_zval()).map_err(internal)?;
    }
    let mut suites = ZendHashTable::new();
    for s in &a.legacy_suites {
        let row = Assoc::new()
            .set("category", s.category.as_str())?
            .set("accepted", s.accepted)?
            .set("suite", s.suite.clone())?
            .set("probed_with", s.probed_with.map(|v| v.as_str()))?
            .set("detail", s.detail.as_str())?;
        suites.push(row.into_zval()).map_err(internal)?;
    }
    Ok(Assoc::new().set("versions", versions)?.set("legacy_suites", suites)?.into_zval())
}

/// Connects to `host` like a request would and reports what it presented and negotiated.
/// Certificate problems are in `verdict` (a `TlsGuardException`, or null when verified);
/// connection failures throw. Options: `port`, `audit`, `http_request`, `path`, `timeout`,
/// `connect_timeout`, client certificate and trust options.
#[php_function]
#[php(name = "TlsGuard\\inspect")]
pub fn inspect(host: &str, options: Option<&ZendHashTable>) -> PhpResult<Zval> {
    guard(|| {
        let json = merged_options("TlsGuard\\inspect() options", options, &["roots", "ca_file", "timeout"])?;
        let opts = InspectOptions::from_json(&json).or_throw()?;
        let r = tlsguard::inspect(host, &opts).or_throw()?;
        let opt_err = |e: &Option<tlsguard::Error>| match e {
            Some(e) => exception_zval(e),
            None => Ok(Zval::null()),
        };
        let soonest = match &r.soonest_expiry {
            Some((subject, days)) => Assoc::new().set("subject", subject.as_str())?.set("days", *days)?.into_zval(),
            None => Zval::null(),
        };
        let audit = match &r.audit {
            Some(a) => audit_zval(a)?,
            None => Zval::null(),
        };
        Ok(Assoc::new()
            .set("host", r.host.as_str())?
            .set("port", i64::from(r.port))?
            .set("address", r.address.as_str())?
            .set("verified", r.is_verified())?
            .set("tls_version", r.tls_version.map(|v| v.as_str()))?
            .set("cipher_suite", r.cipher_suite.clone())?
            .set("alpn", r.alpn.clone())?
            .set("chain", certificate_list(&r.chain)?)?
            .set("verdict", opt_err(&r.verdict)?)?
            .set("chain_complete", r.chain_complete)?
            .set("chain_ordered", r.chain_ordered)?
            .set("ocsp_stapled", r.ocsp_stapled)?
            .set("http_status", r.http_status.map(i64::from))?
            .set("http_version", r.http_version.clone())?
            .set("hsts", r.hsts.clone())?
            .set("insecure_cookies", string_list(&r.insecure_cookies)?)?
            .set("http_error", opt_err(&r.http_error)?)?
            .set("leaf_days_remaining", r.leaf_days_remaining)?
            .set("soonest_expiry", soonest)?
            .set("lint", findings_zval(&r.lint)?)?
            .set("audit", audit)?
            .into_zval())
    })
}

/// Adds this file's functions to the module.
pub fn register(module: ModuleBuilder) -> ModuleBuilder {
    module.function(wrap_function!(inspect))
}
