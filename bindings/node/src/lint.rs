//! `tlsguard::lint`: deployment lint of a PEM bundle.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::cert::bytes_of;
use crate::{convert, guard};

/// `tlsguard::Finding`.
#[napi(object)]
pub struct FindingObject {
    pub code: String,
    /// `info`, `warning` or `error`.
    pub severity: String,
    /// Index of the certificate in the bundle, if the finding is about one.
    pub certificate: Option<u32>,
    pub subject: Option<String>,
    pub message: String,
    pub fix: String,
}

pub fn finding_object(f: &tlsguard::Finding) -> FindingObject {
    FindingObject {
        code: f.code.as_str().to_owned(),
        severity: f.severity.as_str().to_owned(),
        certificate: f.certificate.map(|i| i as u32),
        subject: f.subject.clone(),
        message: f.message.clone(),
        fix: f.fix.clone(),
    }
}

/// Lints a bundle (`key`, `hostnames`, `warnDays`, `at`).
#[napi(catch_unwind)]
pub fn lint(
    env: &Env,
    bundle: Either<String, BufferSlice>,
    options: Option<serde_json::Value>,
) -> Result<Vec<FindingObject>> {
    let bundle = bytes_of(&bundle);
    let options = convert::options(options.unwrap_or_default());
    guard(env, || {
        let opts = tlsguard::LintOptions::from_json(&options)?;
        Ok(tlsguard::lint(bundle, &opts)?.iter().map(finding_object).collect())
    })
}

/// One `tlsguard::lint::LintCode`.
#[napi(object)]
pub struct LintCodeInfo {
    pub code: String,
    pub severity: String,
    pub summary: String,
}

/// Every code `lint` can report.
#[napi(catch_unwind)]
pub fn lint_codes() -> Vec<LintCodeInfo> {
    tlsguard::lint::LintCode::ALL
        .iter()
        .map(|code| LintCodeInfo {
            code: code.as_str().to_owned(),
            severity: code.severity().as_str().to_owned(),
            summary: code.summary().to_owned(),
        })
        .collect()
}
