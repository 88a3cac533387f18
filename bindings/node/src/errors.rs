//! The ONE mapping from the core's `tlsguard::Error` (and from a caught panic or an abort) to
//! what JavaScript sees. The facade (`node/index.js`) turns the object built here into a
//! `TlsGuardError` (or re-throws the `AbortSignal`'s reason); nothing here parses strings.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::cert::der_buffers;

/// Why a native call failed.
pub enum Failure {
    /// The core refused: code, message, hint, chain, url.
    Core(tlsguard::Error),
    /// The request's `AbortSignal` fired; the core's future was dropped (which cancels it).
    Aborted,
    /// A Rust panic, caught at the export (message only).
    Panic(String),
}

impl From<tlsguard::Error> for Failure {
    fn from(e: tlsguard::Error) -> Self {
        Failure::Core(e)
    }
}

/// The code a caught panic gets. The core has no code for "bug in tlsguard" (see the report).
pub const PANIC_CODE: &str = "INTERNAL";

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
}

/// The mapping of a core error: by its `Code` and `Category`, never by its text.
pub fn error_info(e: &tlsguard::Error) -> ErrorInfo {
    ErrorInfo {
        code: e.code().as_str().to_owned(),
        category: e.category().as_str().to_owned(),
        message: e.message().to_owned(),
        hint: e.hint().to_owned(),
        url: e.url().map(str::to_owned),
        chain: der_buffers(e.chain()),
        trust_sources: e.trust_sources().to_vec(),
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
            },
            true,
        ),
        Failure::Panic(msg) => (
            ErrorInfo {
                code: PANIC_CODE.to_owned(),
                category: "internal".to_owned(),
                message: format!("internal error in tlsguard (a Rust panic was caught): {msg}"),
                hint: "This is a bug in tlsguard; please report it with this message.".to_owned(),
                url: None,
                chain: Vec::new(),
                trust_sources: Vec::new(),
            },
            false,
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

/// The message of a caught panic payload.
pub fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic payload".to_owned()
    }
}
