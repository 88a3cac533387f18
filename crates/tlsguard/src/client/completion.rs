//! The completion API, for callers that cannot block and have no Rust executor of their own
//! (the Node, Python and PHP bindings): [`Request::spawn`] runs a request on tlsguard's runtime
//! and calls back with its outcome; [`Request::spawn_streaming`] calls back with the head and
//! a [`BodyPump`] that delivers the body one chunk per [`BodyPump::pull`], so the caller's
//! consumer sets the pace (backpressure: nothing more is read from the connection than was
//! asked for, plus what the socket buffers).
//!
//! Each callback is called exactly once, on one of tlsguard's runtime threads: with the outcome,
//! with `None` when the work was aborted through its [`AbortHandle`] (or the runtime shut
//! down), or with an `INTERNAL` error when it panicked. Cancellation and panics are handled here
//! once, for every binding.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;

use super::{Request, Response, ResponseHead, runtime};
use crate::error::{Error, Result};

use super::stream::BodyStream;

/// Stops work started by [`Request::spawn`], [`Request::spawn_streaming`] or
/// [`BodyPump::pull`]. Dropping the handle does not stop anything.
#[derive(Clone, Debug)]
pub struct AbortHandle(tokio::task::AbortHandle);

impl AbortHandle {
    /// Stops the work: its callback is called with `None` (unless it was called already),
    /// and the request's connection is closed.
    pub fn abort(&self) {
        self.0.abort();
    }

    /// Whether the work has ended (finished, failed or aborted).
    pub fn is_finished(&self) -> bool {
        self.0.is_finished()
    }
}

/// Calls the callback with `None` if it is dropped before being called (the task was aborted).
struct Once<T, F: FnOnce(Option<T>)>(Option<F>, std::marker::PhantomData<fn(T)>);

impl<T, F: FnOnce(Option<T>)> Once<T, F> {
    fn new(f: F) -> Self {
        Once(Some(f), std::marker::PhantomData)
    }

    fn call(mut self, value: T) {
        if let Some(f) = self.0.take() {
            f(Some(value));
        }
    }
}

impl<T, F: FnOnce(Option<T>)> Drop for Once<T, F> {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f(None);
        }
    }
}

/// A future whose panics become `Err(INTERNAL)` instead of unwinding into the runtime.
struct CatchPanic<F>(Pin<Box<F>>);

impl<T, F: Future<Output = Result<T>>> Future for CatchPanic<F> {
    type Output = Result<T>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        let fut = self.0.as_mut();
        match catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
            Ok(p) => p,
            Err(payload) => Poll::Ready(Err(Error::from_panic(payload.as_ref()))),
        }
    }
}

/// Runs `work` on tlsguard's runtime and hands its outcome to `on_done` there, with the
/// guarantees of [`Request::spawn`] (called once; `None` if aborted; a panic is `INTERNAL`).
/// For a binding's work that starts with more than a request, e.g. a one-off `fetch()` that
/// first gets its client with [`Client::shared_async`](super::Client::shared_async).
///
/// ```no_run
/// # fn main() -> tlsguard::Result<()> {
/// let options = tlsguard::ClientOptions::default();
/// let abort = tlsguard::spawn(
///     async move {
///         let client = tlsguard::Client::shared_async(options).await?;
///         client.get("https://example.com/").send().await
///     },
///     |outcome| match outcome {
///         Some(Ok(r)) => println!("{}", r.status()),
///         Some(Err(e)) => eprintln!("{e}"),
///         None => eprintln!("aborted"),
///     },
/// )?;
/// # drop(abort);
/// # Ok(())
/// # }
/// ```
pub fn spawn<T: Send + 'static>(
    work: impl Future<Output = Result<T>> + Send + 'static,
    on_done: impl FnOnce(Option<Result<T>>) + Send + 'static,
) -> Result<AbortHandle> {
    let handle = runtime::handle()?;
    let once = Once::new(on_done);
    let task = handle.spawn(async move {
        let outcome = CatchPanic(Box::pin(work)).await;
        once.call(outcome);
    });
    Ok(AbortHandle(task.abort_handle()))
}

impl Request {
    /// Starts the request on tlsguard's runtime and returns at once; `on_done` gets the
    /// outcome (`None` if aborted), on a runtime thread. `Err` only when the runtime cannot
    /// start (`INTERNAL`); every other failure goes to `on_done`.
    pub fn spawn(self, on_done: impl FnOnce(Option<Result<Response>>) + Send + 'static) -> Result<AbortHandle> {
        let url = self.url.clone();
        let pool = self.client.pool();
        spawn(self.execute(pool), on_done).map_err(|e| e.with_url(url))
    }

    /// [`Request::spawn`] for a streamed response: `on_head` gets the head and a
    /// [`BodyPump`] once the headers have arrived; the body is then read one
    /// [`BodyPump::pull`] at a time.
    pub fn spawn_streaming(
        self,
        on_head: impl FnOnce(Option<Result<(ResponseHead, BodyPump)>>) + Send + 'static,
    ) -> Result<AbortHandle> {
        let url = self.url.clone();
        let handle = runtime::handle().map_err(|e| e.with_url(url.as_str()))?;
        let pool = self.client.pool();
        let work = async move {
            let r = self.execute_streaming(pool, handle).await?;
            let (head, body) = r.into_parts();
            Ok((head, BodyPump(Arc::new(tokio::sync::Mutex::new(body)))))
        };
        spawn(work, on_head).map_err(|e| e.with_url(url))
    }
}

/// The body of a response started with [`Request::spawn_streaming`], read one chunk per
/// [`BodyPump::pull`]. Dropped before the end, it closes the connection.
#[derive(Clone)]
pub struct BodyPump(Arc<tokio::sync::Mutex<BodyStream>>);

impl std::fmt::Debug for BodyPump {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodyPump").finish_non_exhaustive()
    }
}

impl BodyPump {
    /// Reads the next chunk on tlsguard's runtime and hands it to `on_chunk` there:
    /// `Some(Ok(Some(bytes)))`, `Some(Ok(None))` at the end, `Some(Err(e))` for a failure
    /// (timeouts, caps, a broken connection), `None` if aborted. One pull at a time: a second
    /// pull waits for the first.
    pub fn pull(&self, on_chunk: impl FnOnce(Option<Result<Option<Bytes>>>) + Send + 'static) -> Result<AbortHandle> {
        let body = self.0.clone();
        spawn(async move { body.lock().await.chunk().await }, on_chunk)
    }

    /// The next chunk if one is ready now, without waiting (as [`BodyStream::try_chunk`]);
    /// `None` also while a pull is running. Lets a caller gather what has already arrived
    /// before it asks for more with [`BodyPump::pull`].
    pub fn try_chunk(&self) -> Option<Result<Option<Bytes>>> {
        self.0.try_lock().ok()?.try_chunk()
    }

    /// Bytes of (decoded) body delivered so far, if no pull is running.
    pub fn received(&self) -> Option<u64> {
        self.0.try_lock().ok().map(|b| b.received())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_internal_and_the_callback_runs_once() {
        let (tx, rx) = std::sync::mpsc::channel();
        let work = async {
            if std::hint::black_box(true) {
                panic!("boom in the work");
            }
            Ok(1u8)
        };
        spawn(work, move |r| tx.send(r.map(|r| r.map_err(|e| (e.code(), e.message().to_owned())))).expect("send"))
            .expect("spawned");
        let got = rx.recv_timeout(std::time::Duration::from_secs(10)).expect("called");
        let (code, message) = got.expect("not aborted").expect_err("the panic");
        assert_eq!(code, crate::Code::Internal);
        assert!(message.contains("boom in the work"), "{message}");
        assert!(rx.recv_timeout(std::time::Duration::from_millis(100)).is_err(), "called once");
    }
}
