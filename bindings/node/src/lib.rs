//! napi-rs glue of the `tlsguard` npm package. It converts arguments, results and errors and
//! holds no logic: every behaviour (options and their validation, verification, lint,
//! inspection, error codes and messages) is the core crate's.
//!
//! Panics are caught at every export: in the synchronous part by [`guard`] (and
//! `#[napi(catch_unwind)]` around the generated glue), in the asynchronous part by running the
//! work as a task and looking at its `JoinError` ([`spawn`]), or, for requests, by polling
//! their future inside `catch_unwind` (`hub`). A panic becomes a `TlsGuardError` with code
//! `INTERNAL`, never an aborted process.
//!
//! Modules mirror the core's: `client`, `cert`, `chain`, `lint`, `inspect`, `trust`; `errors`
//! is the one error mapping; `convert` the option-name conversion; `hub` brings request
//! results back to the JS thread.

// Under `cargo test` napi-derive registers no exports, so the exports look unused there.
#![cfg_attr(test, allow(dead_code))]

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};

use napi::bindgen_prelude::*;
use napi_derive::napi;

mod cert;
mod chain;
mod client;
mod convert;
mod errors;
mod hub;
mod inspect;
mod lint;
mod trust;
mod tunnel;

use errors::Failure;

/// Runs the synchronous part of an export, turning a core error or a panic into the JS error.
pub(crate) fn guard<T>(env: &Env, f: impl FnOnce() -> std::result::Result<T, Failure>) -> Result<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(failure)) => Err(errors::to_js(env, failure)),
        Err(payload) => Err(errors::to_js(env, errors::panicked(payload))),
    }
}

/// Runs `work` on tlsguard's runtime (the core's completion API, `tlsguard::spawn`) and
/// settles the returned Promise on the JS thread with `done`'s value, or rejects it with the
/// mapped error. A panic in `work` or `done` rejects with `INTERNAL`.
pub(crate) fn spawn<'e, T, V, F, C>(env: &'e Env, work: F, done: C) -> Result<Object<'e>>
where
    T: Send + 'static,
    V: ToNapiValue + 'static,
    F: Future<Output = tlsguard::Result<T>> + Send + 'static,
    C: FnOnce(T) -> V + Send + 'static,
{
    let (deferred, promise) = env.create_deferred()?;
    let settle = move |outcome: Option<tlsguard::Result<T>>| {
        deferred.resolve(move |env: Env| {
            let failure = match outcome {
                Some(Ok(value)) => match catch_unwind(AssertUnwindSafe(|| done(value))) {
                    Ok(v) => return Ok(v),
                    Err(payload) => errors::panicked(payload),
                },
                Some(Err(e)) => Failure::Core(e),
                None => errors::internal("the work was stopped: the runtime shut down".to_owned()),
            };
            Err(errors::to_js(&env, failure))
        })
    };
    if let Err(e) = tlsguard::spawn(work, settle) {
        return Err(errors::to_js(env, Failure::Core(e)));
    }
    Ok(promise)
}

/// Prints the core's debug log to stderr when `TLSGUARD_LOG` is set (the facade calls it once,
/// at load). Returns whether it did.
#[napi(catch_unwind)]
pub fn init_log() -> bool {
    tlsguard::log::init_from_env()
}

/// The core's version (`CARGO_PKG_VERSION` of this glue, which shares the workspace version).
#[napi(catch_unwind)]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Test hook: panics inside the binding, synchronously or inside the async work, so the test
/// suite can prove a panic becomes a `TlsGuardError` (code `INTERNAL`) and the process lives.
#[napi(catch_unwind, js_name = "__testPanic", ts_return_type = "Promise<void> | void")]
pub fn test_panic<'e>(env: &'e Env, in_async: bool) -> Result<Option<Object<'e>>> {
    if in_async {
        spawn(env, async { panic!("test panic (async)") }, |()| ()).map(Some)
    } else {
        guard(env, || -> std::result::Result<Option<Object<'e>>, Failure> { panic!("test panic (sync)") })
    }
}
