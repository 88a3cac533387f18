//! `send_blocking()`: each calling thread drives its own current-thread runtime and pool
//! ([`Local`]), per client.

use std::sync::Mutex;
use std::time::Duration;

use super::{Client, ClientInner, Pools, Request, Response};
use crate::error::{Code, Error, Result};

/// A current-thread runtime and a pool on it, used by one thread at a time: the thread calling
/// `send_blocking()` drives the connections itself. Between calls nobody polls them; a connection
/// the server closed meanwhile is noticed when next used, and hyper retries a request that was
/// not sent yet on a new connection.
///
/// Fork awareness as for [`Pool`](super::Pool): a child never uses nor drops a parent's `Local` (dropping
/// it would deregister the parent's sockets from the epoll instance both processes share).
pub(super) struct Local {
    pid: u32,
    /// `Option`s only so that `drop` can choose between dropping and leaking them.
    rt: Option<tokio::runtime::Runtime>,
    pool: Option<Pools>,
}

impl Local {
    fn new(inner: &ClientInner) -> Result<Local> {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| {
            Error::new(Code::Internal, format!("cannot start a tlsguard I/O runtime: {e}")).with_source(e)
        })?;
        // Spawned connection tasks and pool timers land on this runtime: build the pool in it.
        let pool = {
            let _in = rt.enter();
            Pools::new(inner)
        };
        Ok(Local { pid: std::process::id(), rt: Some(rt), pool: Some(pool) })
    }
}

impl Drop for Local {
    fn drop(&mut self) {
        if self.pid != std::process::id() {
            // A parent's, after fork(): leaked on purpose.
            std::mem::forget(self.pool.take());
            std::mem::forget(self.rt.take());
            return;
        }
        drop(self.pool.take());
        // Not a blocking shutdown: a client may be dropped inside some async context.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// The `Local` of `slot`, unless a request is using it right now.
pub(super) fn take_unless_busy(slot: &Mutex<Option<Local>>) -> Option<Local> {
    match slot.try_lock() {
        Ok(mut g) => g.take(),
        Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner().take(),
        Err(std::sync::TryLockError::WouldBlock) => None,
    }
}

impl Client {
    /// Runs `f` with this thread's runtime and pool for blocking requests, creating them (again,
    /// after a fork) if needed. The slot stays locked meanwhile: only this thread uses it, but
    /// `close()` may take it from another when it is not in use.
    pub(super) fn with_local<R>(&self, f: impl FnOnce(&tokio::runtime::Runtime, &Pools) -> R) -> Result<R> {
        let slot = self.inner.local.get_or(|| Mutex::new(None));
        let result = {
            let mut guard = slot.lock().unwrap_or_else(|p| p.into_inner());
            let pid = std::process::id();
            if guard.as_ref().is_none_or(|l| l.pid != pid) {
                *guard = Some(Local::new(&self.inner)?); // a parent's Local leaks in its Drop
            }
            let local = guard.as_ref().expect("just set");
            match (&local.rt, &local.pool) {
                (Some(rt), Some(pool)) => Ok(f(rt, pool)),
                _ => Err(Error::new(Code::Internal, "the blocking runtime was taken apart")),
            }
        };
        // Closed meanwhile (close() skipped this slot while it was in use): drop it now.
        if self.is_closed() {
            drop(take_unless_busy(slot));
        }
        result
    }
}

impl Request {
    /// Sends the request from a plain (non-async) thread, blocking until the response is read;
    /// the calling thread drives the connection itself. Inside an async runtime it refuses with
    /// `INVALID_ARGUMENT` (blocking there would stall the runtime): use `send().await`.
    pub fn send_blocking(self) -> Result<Response> {
        let url = self.url.clone();
        self.on_this_thread(|rt, req, pool| rt.block_on(req.execute_blocking(pool))).map_err(|e| e.with_url(url))?
    }

    /// The request as `send_blocking` runs it: on this thread's pool, or (when the client
    /// [shares one pool](Client::shares_one_pool)) on tlsguard's runtime, awaited here.
    async fn execute_blocking(self, pool: Pools) -> Result<Response> {
        if self.client.shares_one_pool() { self.send().await } else { self.execute(pool).await }
    }

    /// [`Request::send_blocking`] that calls `check` every `every` while the request runs (on
    /// this thread, between polls of the request); an `Err` from `check` cancels the request
    /// and is returned. For callers that must react to something meanwhile (Python's Ctrl-C).
    pub fn send_blocking_checked<E>(
        self,
        every: Duration,
        mut check: impl FnMut() -> std::result::Result<(), E>,
    ) -> std::result::Result<Result<Response>, E> {
        let url = self.url.clone();
        let ran = self.on_this_thread(|rt, req, pool| {
            rt.block_on(async {
                let fut = req.execute_blocking(pool);
                tokio::pin!(fut);
                let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
                loop {
                    tokio::select! {
                        biased;
                        r = &mut fut => return Ok(r),
                        _ = tick.tick() => check()?,
                    }
                }
            })
        });
        match ran {
            Ok(r) => r,
            Err(e) => Ok(Err(e.with_url(url))),
        }
    }

    /// Runs `f` with this thread's runtime and pool of the request's client, after the checks
    /// every blocking send makes (not inside an async runtime, client not closed).
    fn on_this_thread<R>(self, f: impl FnOnce(&tokio::runtime::Runtime, Request, Pools) -> R) -> Result<R> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::invalid(
                "send_blocking() was called inside an async runtime, where it would block the runtime; use send().await",
            ));
        }
        if self.client.is_closed() {
            return Err(Error::invalid("the client is closed"));
        }
        let client = self.client.clone();
        client.with_local(|rt, pool| f(rt, self, pool.clone()))
    }
}
