//! `tlsguard::inspect`: connect to a server and report what it presents and negotiates.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::cert::der_buffers;
use crate::errors::{ErrorInfo, error_info};
use crate::lint::{FindingObject, finding_object};
use crate::{convert, guard, spawn};

#[napi(object)]
pub struct ProtocolSupportObject {
    pub version: String,
    pub accepted: bool,
    pub detail: String,
}

#[napi(object)]
pub struct SuiteSupportObject {
    pub category: String,
    pub accepted: bool,
    pub suite: Option<String>,
    pub probed_with: Option<String>,
    pub detail: String,
}

/// `tlsguard::AuditReport`.
#[napi(object)]
pub struct AuditReportObject {
    pub versions: Vec<ProtocolSupportObject>,
    pub legacy_suites: Vec<SuiteSupportObject>,
}

#[napi(object)]
pub struct ExpiryObject {
    pub subject: String,
    pub days_remaining: i64,
}

/// `tlsguard::ServerReport`.
#[napi(object)]
pub struct ServerReportObject {
    pub host: String,
    pub port: u32,
    pub address: String,
    pub tls_version: Option<String>,
    pub cipher_suite: Option<String>,
    pub alpn: Option<String>,
    /// The presented chain, DER (the facade makes them `Certificate`s).
    pub chain: Vec<Buffer>,
    pub verified: bool,
    pub verdict: Option<ErrorInfo>,
    pub chain_complete: bool,
    pub chain_ordered: bool,
    pub ocsp_stapled: bool,
    pub http_status: Option<u32>,
    pub http_version: Option<String>,
    pub hsts: Option<String>,
    pub insecure_cookies: Vec<String>,
    pub http_error: Option<ErrorInfo>,
    pub leaf_days_remaining: Option<i64>,
    pub soonest_expiry: Option<ExpiryObject>,
    pub lint: Vec<FindingObject>,
    pub audit: Option<AuditReportObject>,
}

fn audit_object(a: &tlsguard::AuditReport) -> AuditReportObject {
    AuditReportObject {
        versions: a
            .versions
            .iter()
            .map(|v| ProtocolSupportObject {
                version: v.version.as_str().to_owned(),
                accepted: v.accepted,
                detail: v.detail.clone(),
            })
            .collect(),
        legacy_suites: a
            .legacy_suites
            .iter()
            .map(|s| SuiteSupportObject {
                category: s.category.clone(),
                accepted: s.accepted,
                suite: s.suite.clone(),
                probed_with: s.probed_with.map(|v| v.as_str().to_owned()),
                detail: s.detail.clone(),
            })
            .collect(),
    }
}

fn report_object(r: tlsguard::ServerReport) -> ServerReportObject {
    ServerReportObject {
        verified: r.is_verified(),
        host: r.host,
        port: r.port as u32,
        address: r.address,
        tls_version: r.tls_version.map(|v| v.as_str().to_owned()),
        cipher_suite: r.cipher_suite,
        alpn: r.alpn,
        chain: der_buffers(&r.chain),
        verdict: r.verdict.as_ref().map(error_info),
        chain_complete: r.chain_complete,
        chain_ordered: r.chain_ordered,
        ocsp_stapled: r.ocsp_stapled,
        http_status: r.http_status.map(u32::from),
        http_version: r.http_version,
        hsts: r.hsts,
        insecure_cookies: r.insecure_cookies,
        http_error: r.http_error.as_ref().map(error_info),
        leaf_days_remaining: r.leaf_days_remaining,
        soonest_expiry: r.soonest_expiry.map(|(subject, days_remaining)| ExpiryObject { subject, days_remaining }),
        lint: r.lint.iter().map(finding_object).collect(),
        audit: r.audit.as_ref().map(audit_object),
    }
}

/// Inspects `host` (`port`, `audit`, `httpRequest`, `path`, `timeout`/`connectTimeout` in ms,
/// trust and client-certificate options). Async: runs on tlsguard's runtime.
#[napi(catch_unwind, ts_return_type = "Promise<ServerReportObject>")]
pub fn inspect<'e>(env: &'e Env, host: String, options: Option<serde_json::Value>) -> Result<Object<'e>> {
    let options = convert::options(options.unwrap_or_default());
    let opts = guard(env, || Ok(tlsguard::InspectOptions::from_json(&options)?))?;
    spawn(env, async move { tlsguard::inspect_async(&host, &opts).await }, report_object)
}

/// Only the protocol audit of `host` (`port`, `connectTimeout`).
#[napi(catch_unwind, ts_return_type = "Promise<AuditReportObject>")]
pub fn audit<'e>(env: &'e Env, host: String, options: Option<serde_json::Value>) -> Result<Object<'e>> {
    let options = convert::options(options.unwrap_or_default());
    let opts = guard(env, || Ok(tlsguard::InspectOptions::from_json(&options)?))?;
    spawn(env, async move { tlsguard::audit_async(&host, &opts).await }, |a| audit_object(&a))
}
