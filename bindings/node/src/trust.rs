//! `tlsguard::trust::trust_report`: what a set of trust options trusts.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::{convert, guard};

/// `tlsguard::TrustSource`.
#[napi(object)]
pub struct TrustSourceObject {
    pub kind: String,
    pub location: String,
    pub loaded: u32,
    pub skipped: u32,
    pub skipped_reasons: Vec<String>,
    pub summary: String,
}

/// `tlsguard::TrustReport`.
#[napi(object)]
pub struct TrustReportObject {
    pub roots: String,
    pub sources: Vec<TrustSourceObject>,
    pub total: u32,
    pub pins: u32,
    pub crls: u32,
    pub pin_only: bool,
    pub summary: Vec<String>,
    /// What the caller may not expect: an out-of-date CRL, `SSL_CERT_FILE` not used, ...
    pub warnings: Vec<String>,
}

pub fn trust_report_object(r: &tlsguard::TrustReport) -> TrustReportObject {
    TrustReportObject {
        roots: r.roots.clone(),
        sources: r
            .sources
            .iter()
            .map(|s| TrustSourceObject {
                kind: s.kind.clone(),
                location: s.location.clone(),
                loaded: s.loaded as u32,
                skipped: s.skipped as u32,
                skipped_reasons: s.skipped_reasons.clone(),
                summary: s.summary(),
            })
            .collect(),
        total: r.total as u32,
        pins: r.pins as u32,
        crls: r.crls as u32,
        pin_only: r.pin_only,
        summary: r.summary_lines(),
        warnings: r.warnings.clone(),
    }
}

/// Loads the trust options (`roots`, `caFile`, `caPem`, `pins`, `crls`, `useEnv`) and reports.
#[napi(catch_unwind)]
pub fn trust_report(env: &Env, options: Option<serde_json::Value>) -> Result<TrustReportObject> {
    let options = convert::options(options.unwrap_or_default());
    guard(env, || {
        let opts = tlsguard::options::trust_options_from_json(&options)?;
        Ok(trust_report_object(&tlsguard::trust_report(&opts)?))
    })
}
