//! How a request's result gets back to JavaScript, with as few thread hops as possible.
//!
//! Requests run on tlsguard's own runtime through the core's completion API (`Request::spawn`,
//! `Request::spawn_streaming`, `BodyPump::pull`, `tlsguard::spawn`), which calls back on a
//! runtime thread exactly once: no second runtime and no executor here.
//!
//! A finished request is pushed onto the [`Completions`] queue of its JS environment, and the
//! queue's one threadsafe function is called only when the queue goes from empty to non-empty.
//! On the JS thread, the facade's callback takes the whole batch with [`Completions::take`], so
//! N requests finishing close together cost one event-loop wake-up and one call into JS, not N
//! promise/threadsafe-function pairs. The facade keeps the Promise of each request id.
//!
//! Each callback pushes its outcome (a response, a streamed head and its body pump, or one body
//! chunk) onto the queue under the id the facade gave ([`Hub::begin`] then [`Hub::complete`]);
//! the core calls each callback exactly once, so every id started is taken once.
//!
//! The event loop is kept alive exactly while requests are in flight: a second threadsafe
//! function is referenced when the first one starts and unreferenced when the last result is
//! taken.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

use crate::errors::{self, Failure};

/// What a finished request (or one step of a streamed one) hands back.
pub(crate) type Outcome = std::result::Result<Done, Failure>;

/// A successful completion.
pub(crate) enum Done {
    /// The head of a response, the pump of its body and the body bytes that had already
    /// arrived (`fetch`, `client.fetch`).
    /// (Boxed: the queue holds chunks far more often than heads.)
    Head(Box<(tlsguard::ResponseHead, tlsguard::BodyPump, crate::client::Ready)>),
    /// One chunk of a streamed body, `None` at its end.
    Chunk(Option<bytes::Bytes>),
    /// A chunk of a request body was taken (`true`), or the request no longer reads its body
    /// (`false`: it finished, failed or was aborted).
    Written(bool),
}

type Wakeup = ThreadsafeFunction<(), (), (), Status, false, true, 0>;

/// The completion hub of one JS environment.
pub(crate) struct Hub {
    queue: Mutex<Vec<(u32, Outcome)>>,
    /// Called (from any thread, without holding a lock: the call wakes the JS thread, which
    /// would then wait for that lock) when the queue stops being empty. Never referenced.
    wakeup: Wakeup,
    /// State only the JS thread touches (so its lock is never contended).
    js: Mutex<JsSide>,
}

struct JsSide {
    /// A second threadsafe function of the same callback, never called: referenced while
    /// requests are in flight, it keeps the event loop alive.
    keep_alive: Wakeup,
    /// Requests started and not yet taken.
    in_flight: u32,
    /// The peer certificates (DER) of the last response handed over.
    last_peers: Vec<Vec<u8>>,
    /// Started and not yet taken, but not keeping the event loop alive (`set_weak`): the read
    /// an idle pooled socket keeps waiting, as an unref'd net.Socket does.
    weak: std::collections::HashSet<u32>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Hub {
    /// Hands a finished request to the JS thread (from any thread). Every id given to
    /// [`Hub::begin`] must be completed exactly once.
    pub(crate) fn complete(&self, id: u32, outcome: Outcome) {
        let was_empty = {
            let mut q = lock(&self.queue);
            let was_empty = q.is_empty();
            q.push((id, outcome));
            was_empty
        };
        // The callback takes everything queued; a push onto a non-empty queue rides along.
        if was_empty {
            self.wakeup.call((), ThreadsafeFunctionCallMode::NonBlocking);
        }
    }

    /// Counts one more completion to wait for (JS thread): the event loop stays alive until it
    /// has been taken.
    pub(crate) fn begin(&self, env: &Env) -> Result<()> {
        let mut js = lock(&self.js);
        if js.in_flight == 0 {
            #[allow(deprecated)]
            js.keep_alive.refer(env)?;
        }
        js.in_flight += 1;
        Ok(())
    }
}

fn wakeup(callback: &Function<(), ()>) -> Result<Wakeup> {
    callback.build_threadsafe_function::<()>().callee_handled::<false>().weak::<true>().build_callback(|_ctx| Ok(()))
}

/// The completion queue of one JS environment (the facade makes one at load time and gives it
/// to every request). Its callback is called (without arguments) when results are waiting; it
/// calls `take()`.
#[napi]
pub struct Completions {
    pub(crate) hub: Arc<Hub>,
}

#[napi]
impl Completions {
    #[napi(constructor, catch_unwind)]
    pub fn new(callback: Function<(), ()>) -> Result<Self> {
        let js =
            JsSide { keep_alive: wakeup(&callback)?, in_flight: 0, last_peers: Vec::new(), weak: Default::default() };
        Ok(Completions {
            hub: Arc::new(Hub { queue: Mutex::new(Vec::new()), wakeup: wakeup(&callback)?, js: Mutex::new(js) }),
        })
    }

    /// Whether the operation `id` (started, not yet taken) keeps the event loop alive: `weak`
    /// = it does not (an idle pooled socket's pending read after `unref()`), `false` again
    /// after `ref()`.
    #[napi(catch_unwind)]
    pub fn set_weak(&self, env: &Env, id: u32, weak: bool) -> Result<()> {
        let mut js = lock(&self.hub.js);
        if weak {
            if js.weak.insert(id) {
                js.in_flight = js.in_flight.saturating_sub(1);
                if js.in_flight == 0 {
                    #[allow(deprecated)]
                    js.keep_alive.unref(env)?;
                }
            }
        } else if js.weak.remove(&id) {
            if js.in_flight == 0 {
                #[allow(deprecated)]
                js.keep_alive.refer(env)?;
            }
            js.in_flight += 1;
        }
        Ok(())
    }

    /// The finished requests, as a flat array `[id, ok, value, id, ok, value, ...]`: `value` is
    /// the head of a response (see `client::head_value`), a body chunk (an `ArrayBuffer`,
    /// `null` at the end) or whether an upload chunk was taken (a boolean) when `ok`, else the
    /// error to reject with.
    /// A response's peer certificates are `true` when they are those of the previous response
    /// in this order (the same connection, usually): the facade reuses that list.
    #[napi(catch_unwind, ts_return_type = "Array<number | boolean | unknown>")]
    pub fn take<'e>(&self, env: &'e Env) -> Result<Array<'e>> {
        let batch = std::mem::take(&mut *lock(&self.hub.queue));
        let mut js = lock(&self.hub.js);
        let mut out = env.create_array((batch.len() * 3) as u32)?;
        let mut i = 0;
        let mut weak = 0;
        for (id, outcome) in batch {
            if !js.weak.is_empty() && js.weak.remove(&id) {
                weak += 1;
            }
            let last_peers = &mut js.last_peers;
            let hub = &self.hub;
            let converted =
                catch_unwind(AssertUnwindSafe(|| outcome.map(|d| crate::client::done_value(env, hub, d, last_peers))));
            let converted = converted.unwrap_or_else(|payload| Err(errors::panicked(payload)));
            let (ok, value) = match converted {
                Ok(Ok(v)) => (true, v),
                Ok(Err(e)) => {
                    (false, errors::error_value(env, errors::internal(format!("cannot convert the response: {e}")))?)
                }
                Err(f) => (false, errors::error_value(env, f)?),
            };
            out.set(i, id)?;
            out.set(i + 1, ok)?;
            out.set(i + 2, value)?;
            i += 3;
        }
        let n = i / 3 - weak;
        js.in_flight = js.in_flight.saturating_sub(n);
        if js.in_flight == 0 && n > 0 {
            #[allow(deprecated)]
            js.keep_alive.unref(env)?;
        }
        Ok(out)
    }
}
