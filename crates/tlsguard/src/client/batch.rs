//! Batches: `send_many` / `send_many_blocking`, at most `concurrency` requests in flight.

use std::sync::{Arc, Mutex};

use super::{Client, Request, Response};
use crate::error::{Code, Error, Result};

impl Client {
    /// Sends `requests` with at most `concurrency` in flight, blocking until all are done; the
    /// results come back in the order of `requests` (a failed request's slot holds its error).
    /// From a plain thread, like [`Request::send_blocking`].
    pub fn send_many_blocking(&self, requests: Vec<Request>, concurrency: usize) -> Vec<Result<Response>> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return requests
                .into_iter()
                .map(|r| {
                    Err(Error::invalid(
                        "send_many_blocking() was called inside an async runtime; use send_many().await",
                    )
                    .with_url(r.url))
                })
                .collect();
        }
        // All on this thread's runtime: one thread multiplexes every connection (like
        // curl_multi). A request of another client goes through that client's `send()`.
        let urls: Vec<String> = requests.iter().map(|r| r.url.clone()).collect();
        let ran = self.with_local(|rt, pool| {
            rt.block_on(run_workers(requests, concurrency, |request: Request| {
                let pool = pool.clone();
                // (A client sharing one pool sends through it, on tlsguard's runtime.)
                let own = Arc::ptr_eq(&request.client.inner, &self.inner) && !self.shares_one_pool();
                async move { if own { request.execute(pool).await } else { request.send().await } }
            }))
        });
        match ran {
            Ok(results) => results,
            Err(e) => urls.into_iter().map(|u| Err(e.clone().with_url(u))).collect(),
        }
    }

    /// [`Client::send_many_blocking`] for async callers.
    pub async fn send_many(requests: Vec<Request>, concurrency: usize) -> Vec<Result<Response>> {
        run_workers(requests, concurrency, Request::send).await
    }
}

/// Runs `send` on every request with at most `concurrency` in flight: that many workers take
/// the next request from a shared queue (so a wake-up polls `concurrency` futures, not one per
/// request). Results come back in the order of `requests`.
async fn run_workers<F, Fut>(requests: Vec<Request>, concurrency: usize, send: F) -> Vec<Result<Response>>
where
    F: Fn(Request) -> Fut,
    Fut: std::future::Future<Output = Result<Response>>,
{
    let n = requests.len();
    let queue = Mutex::new(requests.into_iter().enumerate());
    let results: Mutex<Vec<Option<Result<Response>>>> = Mutex::new((0..n).map(|_| None).collect());
    let workers = (0..concurrency.clamp(1, 1024).min(n)).map(|_| async {
        loop {
            let next = queue.lock().unwrap_or_else(|p| p.into_inner()).next();
            let Some((i, request)) = next else { break };
            let r = send(request).await;
            results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(r);
        }
    });
    futures_join_all(workers.collect()).await;
    let results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Err(Error::new(Code::Internal, "a request of the batch was not run"))))
        .collect()
}

/// Awaits futures concurrently, keeping their order (a small `join_all`).
async fn futures_join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut slots: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    let mut pending: Vec<(usize, std::pin::Pin<Box<F>>)> = futures.into_iter().map(Box::pin).enumerate().collect();
    std::future::poll_fn(|cx| {
        pending.retain_mut(|(i, f)| match f.as_mut().poll(cx) {
            std::task::Poll::Ready(out) => {
                slots[*i] = Some(out);
                false
            }
            std::task::Poll::Pending => true,
        });
        if pending.is_empty() { std::task::Poll::Ready(()) } else { std::task::Poll::Pending }
    })
    .await;
    slots.into_iter().map(|o| o.expect("every future completed")).collect()
}
