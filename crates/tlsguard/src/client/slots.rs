//! `max_connections_per_host`: a connection slot per live connection, per pool key (scheme,
//! host and port, in the pool of one proxy route).
//!
//! hyper-util's pool has no such limit, so the connector enforces it: before it connects, it
//! takes a slot of the destination (waiting at most `pool_wait_timeout`), and the connection
//! holds the slot until it is closed (see `Transport`). A request that finds every slot taken
//! meanwhile waits in the pool for an idle connection too: hyper-util races its connect with a
//! checkout of the pool, and a connection a finished request puts back goes to the oldest
//! waiter.
//!
//! When the checkout wins, hyper-util moves the still-waiting connect to a background task "to
//! not waste the socket". Waiting on there would open a connection nobody asked for as soon as a
//! slot frees (and keep one task per such request waiting): so a wait that finds itself polled
//! by another task than the one that started it stops, and the background connect ends.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{Code, Error, Result};
use crate::net::secs;

/// A connection's slot; dropping it frees the slot.
pub(crate) type Slot = OwnedSemaphorePermit;

/// The slots of one pool.
pub(crate) struct Slots {
    max: u32,
    wait: Duration,
    by_key: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// How many keys are kept before the unused ones are dropped.
const PRUNE_ABOVE: usize = 256;

impl Slots {
    /// `max` connections per key; a request waits at most `wait` for one.
    pub(crate) fn new(max: u32, wait: Duration) -> Self {
        Self { max: max.max(1), wait, by_key: Mutex::new(HashMap::new()) }
    }

    fn semaphore(&self, key: &str) -> Arc<Semaphore> {
        let mut map = self.by_key.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = map.get(key) {
            return s.clone();
        }
        if map.len() >= PRUNE_ABOVE {
            // Keys nobody holds or waits for.
            let max = self.max as usize;
            map.retain(|_, s| Arc::strong_count(s) > 1 || s.available_permits() < max);
        }
        let s = Arc::new(Semaphore::new(self.max as usize));
        map.insert(key.to_owned(), s.clone());
        s
    }

    /// A slot for a connection to `key` (`scheme://host:port`): at once if one is free, else
    /// when one frees, for at most `pool_wait_timeout` (then `TIMEOUT` naming it).
    pub(crate) async fn acquire(&self, key: &str) -> Result<Slot> {
        let sem = self.semaphore(key);
        if let Ok(slot) = sem.clone().try_acquire_owned() {
            return Ok(slot);
        }
        let wait = InTask { task: tokio::task::try_id(), fut: Box::pin(sem.acquire_owned()) };
        match tokio::time::timeout(self.wait, wait).await {
            Ok(Some(Ok(slot))) => Ok(slot),
            Ok(Some(Err(_closed))) => Err(Error::new(Code::Internal, "the connection slots were closed")),
            // Moved to the background: the request that started it got a pooled connection.
            Ok(None) => Err(Error::new(Code::Connect, format!("a connection to {key} is no longer needed"))),
            Err(_) => Err(Error::new(
                Code::Timeout,
                format!(
                    "no connection to {} became free within {} (pool_wait_timeout): all {} allowed by max_connections_per_host are in use",
                    key.split_once("://").map_or(key, |(_, a)| a),
                    secs(self.wait),
                    self.max
                ),
            )
            .with_hint(
                "Raise max_connections_per_host or pool_wait_timeout, or send fewer requests to this host at once.",
            )),
        }
    }
}

/// `fut`, while it is polled by the task that first polled it; `None` once another task polls it.
struct InTask<F> {
    task: Option<tokio::task::Id>,
    fut: Pin<Box<F>>,
}

impl<F: Future> Future for InTask<F> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if tokio::task::try_id() != self.task {
            return Poll::Ready(None);
        }
        self.fut.as_mut().poll(cx).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_limit_wait_and_expire() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
        rt.block_on(async {
            let slots = Arc::new(Slots::new(2, Duration::from_millis(200)));
            let a = slots.acquire("https://h:1").await.expect("first");
            let _b = slots.acquire("https://h:1").await.expect("second");
            // Another key has slots of its own.
            let _c = slots.acquire("https://h:2").await.expect("other key");
            // The third waits, and expires naming the option.
            let t = std::time::Instant::now();
            let e = slots.acquire("https://h:1").await.expect_err("all taken");
            assert_eq!(e.code(), Code::Timeout);
            assert!(t.elapsed() >= Duration::from_millis(190), "{:?}", t.elapsed());
            assert_eq!(
                e.message(),
                "no connection to h:1 became free within 0.2 s (pool_wait_timeout): all 2 allowed by max_connections_per_host are in use"
            );
            // A slot freed meanwhile goes to the waiter.
            let s2 = slots.clone();
            let waiter = tokio::spawn(async move { s2.acquire("https://h:1").await.map(drop) });
            tokio::time::sleep(Duration::from_millis(50)).await;
            drop(a);
            waiter.await.expect("join").expect("got the freed slot");
        });
    }

    #[test]
    fn a_wait_moved_to_another_task_stops() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
        rt.block_on(async {
            let slots = Arc::new(Slots::new(1, Duration::from_secs(30)));
            let _held = slots.acquire("https://h:1").await.expect("first");
            let s2 = slots.clone();
            // What hyper-util does: poll the connect once in the request's task, then spawn it.
            let mut fut = Box::pin(async move { s2.acquire("https://h:1").await });
            assert!(futures_poll_once(fut.as_mut()).await.is_none(), "waits");
            let t = std::time::Instant::now();
            let e = tokio::spawn(fut).await.expect("join").expect_err("stops");
            assert_eq!(e.code(), Code::Connect);
            assert!(t.elapsed() < Duration::from_secs(1));
        });
    }

    /// Polls `fut` once.
    async fn futures_poll_once<F: Future + Unpin>(mut fut: F) -> Option<F::Output> {
        std::future::poll_fn(|cx| {
            Poll::Ready(match Pin::new(&mut fut).poll(cx) {
                Poll::Ready(v) => Some(v),
                Poll::Pending => None,
            })
        })
        .await
    }
}
