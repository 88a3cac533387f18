//! The ONE mapping from the core's `tlsguard::Error` (and from a caught panic or an abort) to
//! what JavaScript sees. The facade (`node/index.js`) turns the object built here into a
//! `TlsGuardError` (or re-throws the `AbortSignal`'s reason); nothing here parses strings.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use tlsguard::{Code, Error, Fact};

use crate::cert::der_buffers;

/// Why a native call failed.
pub enum Failure {
    /// The core refused (or a panic, as the core's `INTERNAL` error): code, message, hint,
    /// chain, url, detail, cause.
    Core(tlsguard::Error),
    /// The request's `AbortSignal` fired: the core's `AbortHandle` stopped it.
    Aborted,
}

/// A caught panic: the core's `INTERNAL` error ([`Error::from_panic`]).
pub fn panicked(payload: Box<dyn std::any::Any + Send>) -> Failure {
    Failure::Core(Error::from_panic(&*payload))
}

/// Another failure of the glue itself (a cancelled task, a response that cannot be converted):
/// `INTERNAL`.
pub fn internal(message: String) -> Failure {
    Failure::Core(Error::new(Code::Internal, message))
}

impl From<tlsguard::Error> for Failure {
    fn from(e: tlsguard::Error) -> Self {
        Failure::Core(e)
    }
}

/// Everything a `TlsGuardError` carries, as a plain object (also used where the core reports an
/// error as data: `verifyChain().error`, `inspect().verdict`).
#[napi(object)]
pub struct ErrorInfo {
    /// `Code::as_str()`, e.g. `CERT_EXPIRED`.
    pub code: String,
    /// `Category::as_str()`, e.g. `certificate`.
    pub category: String,
    pub message: String,
    pub hint: String,
    pub url: Option<String>,
    /// The presented certificates, DER (the facade makes them `Certificate`s).
    pub chain: Vec<Buffer>,
    pub trust_sources: Vec<String>,
    /// The error's facts with camelCase keys (times as epoch milliseconds), or none.
    pub detail: Option<serde_json::Value>,
    /// The keys of `detail` that are times (the facade makes them `Date`s).
    pub detail_times: Vec<String>,
    /// The core's `source()` chain, outermost first (the facade nests them as `cause`).
    pub causes: Vec<CauseInfo>,
}

/// One error of a `source()` chain.
#[napi(object)]
pub struct CauseInfo {
    pub message: String,
    /// The OS error number of an I/O error, if any.
    pub errno: Option<i32>,
}

/// `snake_case` -> `camelCase`, as every other name of the JS API.
fn camel_case(key: &str) -> String {
    let mut parts = key.split('_');
    let mut out = parts.next().unwrap_or_default().to_owned();
    for p in parts {
        let mut chars = p.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    out
}

/// The detail as a JSON object with camelCase keys, and the keys that are times.
fn detail_json(e: &Error) -> (Option<serde_json::Value>, Vec<String>) {
    let Some(detail) = e.detail() else { return (None, Vec::new()) };
    let mut times = Vec::new();
    let mut map = serde_json::Map::new();
    for (key, value) in detail.fields() {
        let key = camel_case(key);
        let value = match value {
            Fact::Text(t) => serde_json::Value::from(t),
            Fact::Texts(l) => serde_json::Value::from(l.to_vec()),
            Fact::Time(t) => {
                times.push(key.clone());
                serde_json::Value::from(t.saturating_mul(1000))
            }
            _ => serde_json::Value::Null,
        };
        map.insert(key, value);
    }
    (Some(serde_json::Value::Object(map)), times)
}

/// The `source()` chain of `e`.
fn causes(e: &Error) -> Vec<CauseInfo> {
    let mut out = Vec::new();
    let mut next = std::error::Error::source(e);
    while let Some(cause) = next {
        out.push(CauseInfo {
            message: tlsguard::display_safe(&cause.to_string()).into_owned(),
            errno: cause.downcast_ref::<std::io::Error>().and_then(std::io::Error::raw_os_error),
        });
        next = cause.source();
    }
    out
}

/// The mapping of a core error: by its `Code` and `Category`, never by its text.
pub fn error_info(e: &tlsguard::Error) -> ErrorInfo {
    let (detail, detail_times) = detail_json(e);
    ErrorInfo {
        code: e.code().as_str().to_owned(),
        category: e.category().as_str().to_owned(),
        message: e.message().to_owned(),
        hint: e.hint().to_owned(),
        url: e.url().map(str::to_owned),
        chain: der_buffers(e.chain()),
        trust_sources: e.trust_sources().to_vec(),
        detail,
        detail_times,
        causes: causes(e),
    }
}

fn failure_info(f: Failure) -> (ErrorInfo, bool) {
    match f {
        Failure::Core(e) => (error_info(&e), false),
        Failure::Aborted => (
            ErrorInfo {
                code: "ABORTED".to_owned(),
                category: "aborted".to_owned(),
                message: "the request was aborted by its AbortSignal".to_owned(),
                hint: String::new(),
                url: None,
                chain: Vec::new(),
                trust_sources: Vec::new(),
                detail: None,
                detail_times: Vec::new(),
                causes: Vec::new(),
            },
            true,
        ),
    }
}

/// Builds the JS `Error` for a failure (on the JS thread). It carries `tlsguard: true` so the
/// facade knows to wrap it in a `TlsGuardError`.
pub fn error_value<'e>(env: &'e Env, f: Failure) -> Result<Unknown<'e>> {
    let (info, aborted) = failure_info(f);
    let mut obj = env.create_error(napi::Error::new(Status::GenericFailure, info.message.clone()))?;
    obj.set_named_property("tlsguard", true)?;
    obj.set_named_property("aborted", aborted)?;
    obj.set_named_property("info", info)?;
    Ok(obj.to_unknown())
}

/// [`error_value`] as a napi error, so a sync export throws it and an async one rejects with it.
pub fn to_js(env: &Env, f: Failure) -> napi::Error {
    match error_value(env, f) {
        Ok(v) => napi::Error::from(v),
        Err(e) => e,
    }
}

/// One row of the code table (`tests/errors.json`), from the core.
#[napi(object)]
pub struct CodeInfo {
    pub code: String,
    pub category: String,
    pub summary: String,
    pub hint: String,
}

/// Every error code of the core, in the order of `tests/errors.json`.
#[napi(catch_unwind)]
pub fn error_codes() -> Vec<CodeInfo> {
    tlsguard::Code::ALL
        .iter()
        .map(|c| CodeInfo {
            code: c.as_str().to_owned(),
            category: c.category().as_str().to_owned(),
            summary: c.summary().to_owned(),
            hint: c.hint().to_owned(),
        })
        .collect()
}
