//! The workloads, and the loops that drive a client through them.
//!
//! A client supplies "fetch one": send `GET url`, check the status is 200, read the whole body
//! into memory and return its length and the HTTP version. The drivers here do everything
//! else the same way for every client: start the timer (the client is already built), run the
//! requests sequentially or with C in flight, check every body's length, stop the timer after
//! the last body, and (M1) sample VmRSS.

use std::fmt;
use std::future::Future;
use std::str::FromStr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crate::Res;

/// What the benchmark does (bench/README.md, "The client contract").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// N sequential GETs of `/1k` on one reused connection.
    W1,
    /// N sequential GETs of `/1k`, each on a new TCP + TLS connection (client reused).
    W2,
    /// N sequential GETs of `/10m`.
    W3,
    /// N GETs of `/1k`, C in flight.
    W4,
    /// N sequential GETs of `/256m`, each body consumed as a stream (never held whole).
    S1,
    /// W1 that also reports VmRSS after the first 1,000 requests and after the last.
    M1,
    /// Parse the leaf certificate from PEM, N times.
    C1Parse,
    /// Verify leaf + intermediate for `--host` against the root, N times.
    C1Verify,
}

impl FromStr for Workload {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "W1" => Self::W1,
            "W2" | "W2R" => Self::W2, // W2R is W2 against the server with resumption on
            "W3" => Self::W3,
            "W4" => Self::W4,
            "S1" => Self::S1,
            "M1" => Self::M1,
            "C1-parse" => Self::C1Parse,
            "C1-verify" => Self::C1Verify,
            other => return Err(format!("unknown workload {other:?} (W1 W2 W3 W4 S1 M1 C1-parse C1-verify)")),
        })
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::W1 => "W1",
            Self::W2 => "W2",
            Self::W3 => "W3",
            Self::W4 => "W4",
            Self::S1 => "S1",
            Self::M1 => "M1",
            Self::C1Parse => "C1-parse",
            Self::C1Verify => "C1-verify",
        })
    }
}

/// Size of `/1k`.
pub const SMALL_BYTES: usize = 1024;
/// Size of `/10m`.
pub const BULK_BYTES: usize = 10_485_760;
/// Size of `/256m`.
pub const STREAM_BYTES: usize = 268_435_456;
/// M1 samples VmRSS after this many requests (and after the last).
pub const M1_WARMUP: usize = 1_000;

impl Workload {
    /// Whether this is a certificate workload (no connection is made).
    pub fn is_cert(self) -> bool {
        matches!(self, Self::C1Parse | Self::C1Verify)
    }

    /// Whether this workload makes HTTPS requests.
    pub fn is_http(self) -> bool {
        !self.is_cert()
    }

    /// The path requested and the body length every response must have.
    pub fn target(self) -> (&'static str, usize) {
        match self {
            Self::W3 => ("/10m", BULK_BYTES),
            Self::S1 => ("/256m", STREAM_BYTES),
            _ => ("/1k", SMALL_BYTES),
        }
    }

    /// Whether the body must be consumed as a stream.
    pub fn streamed(self) -> bool {
        self == Self::S1
    }

    /// Whether each request must use a new connection.
    pub fn new_connection_per_request(self) -> bool {
        self == Self::W2
    }
}

/// What one request returned (the body itself was read into memory and dropped).
#[derive(Clone, Copy, Debug)]
pub struct Fetched {
    /// Body length in bytes.
    pub len: usize,
    /// The protocol of the response, as the library reports it (`"HTTP/1.1"`, `"HTTP/2"`).
    pub http: Option<&'static str>,
}

/// The JSON line.
#[derive(Debug, Default)]
pub struct Outcome {
    pub ops: usize,
    pub seconds: f64,
    pub bytes: u64,
    pub http: Option<&'static str>,
    pub rss_start_kib: Option<u64>,
    pub rss_end_kib: Option<u64>,
}

impl Outcome {
    /// `{"ops":N,"seconds":s,"bytes":b,"http":"HTTP/1.1"}` (+ M1's RSS fields).
    pub fn to_json(&self) -> String {
        let mut v = serde_json::json!({"ops": self.ops, "seconds": self.seconds, "bytes": self.bytes});
        if let Some(http) = self.http {
            v["http"] = http.into();
        }
        if let Some(kib) = self.rss_start_kib {
            v["rss_start_kib"] = kib.into();
        }
        if let Some(kib) = self.rss_end_kib {
            v["rss_end_kib"] = kib.into();
        }
        v.to_string()
    }
}

/// VmRSS of this process in KiB, from /proc/self/status.
pub fn vm_rss_kib() -> Res<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).ok_or("no VmRSS in /proc/self/status")?;
    Ok(line.trim_start_matches("VmRSS:").trim().trim_end_matches("kB").trim().parse()?)
}

/// Checks one response's body length against the workload's file.
fn check(f: Fetched, expected: usize) -> Res<Fetched> {
    if f.len != expected {
        return Err(format!("body of {} bytes, expected {expected}", f.len).into());
    }
    Ok(f)
}

/// Running totals, shared by the requests of a run.
#[derive(Default)]
struct Totals {
    bytes: u64,
    http: Option<&'static str>,
}

impl Totals {
    fn add(&mut self, f: Fetched) {
        self.bytes += f.len as u64;
        self.http = f.http.or(self.http);
    }
}

/// W1, W2, W3, M1: `n` sequential requests with `fetch`. M1 samples VmRSS after the first
/// [`M1_WARMUP`] requests and after the last.
pub fn sequential(workload: Workload, n: usize, mut fetch: impl FnMut() -> Res<Fetched>) -> Res<Outcome> {
    let (_, expected) = workload.target();
    let mut totals = Totals::default();
    let mut rss_start = None;
    let start = Instant::now();
    for i in 1..=n {
        totals.add(check(fetch()?, expected)?);
        if workload == Workload::M1 && i == M1_WARMUP.min(n) {
            rss_start = Some(vm_rss_kib()?);
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let rss_end = if workload == Workload::M1 { Some(vm_rss_kib()?) } else { None };
    Ok(Outcome {
        ops: n,
        seconds,
        bytes: totals.bytes,
        http: totals.http,
        rss_start_kib: rss_start,
        rss_end_kib: rss_end,
    })
}

/// W4 with plain threads: `concurrency` threads, each with its own worker from `make_worker`
/// (a clone of a shared client, or its own connection), take request numbers from one
/// counter until `n` are done. The first error stops every thread.
pub fn threads<W>(workload: Workload, n: usize, concurrency: usize, make_worker: impl Fn() -> W) -> Res<Outcome>
where
    W: FnMut() -> Res<Fetched> + Send,
{
    let (_, expected) = workload.target();
    let workers: Vec<W> = (0..concurrency).map(|_| make_worker()).collect();
    let next = AtomicUsize::new(0);
    let totals = Mutex::new(Totals::default());
    let start = Instant::now();
    let results: Vec<Res<()>> = std::thread::scope(|s| {
        let handles: Vec<_> = workers
            .into_iter()
            .map(|mut fetch| {
                let (next, totals) = (&next, &totals);
                s.spawn(move || -> Res<()> {
                    let mut mine = Totals::default();
                    while next.fetch_add(1, Ordering::Relaxed) < n {
                        match fetch().and_then(|f| check(f, expected)) {
                            Ok(f) => mine.add(f),
                            Err(e) => {
                                next.store(n, Ordering::Relaxed); // stop the others
                                return Err(e);
                            }
                        }
                    }
                    let mut t = totals.lock().unwrap_or_else(|p| p.into_inner());
                    t.bytes += mine.bytes;
                    t.http = mine.http.or(t.http);
                    Ok(())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("a worker thread panicked".into()))).collect()
    });
    let seconds = start.elapsed().as_secs_f64();
    results.into_iter().collect::<Res<Vec<()>>>()?;
    let totals = totals.into_inner().unwrap_or_else(|p| p.into_inner());
    Ok(Outcome { ops: n, seconds, bytes: totals.bytes, http: totals.http, ..Outcome::default() })
}

/// [`sequential`] for an async client: call inside the runtime's `block_on`.
pub async fn sequential_async<Fut>(workload: Workload, n: usize, mut fetch: impl FnMut() -> Fut) -> Res<Outcome>
where
    Fut: Future<Output = Res<Fetched>>,
{
    let (_, expected) = workload.target();
    let mut totals = Totals::default();
    let mut rss_start = None;
    let start = Instant::now();
    for i in 1..=n {
        totals.add(check(fetch().await?, expected)?);
        if workload == Workload::M1 && i == M1_WARMUP.min(n) {
            rss_start = Some(vm_rss_kib()?);
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let rss_end = if workload == Workload::M1 { Some(vm_rss_kib()?) } else { None };
    Ok(Outcome {
        ops: n,
        seconds,
        bytes: totals.bytes,
        http: totals.http,
        rss_start_kib: rss_start,
        rss_end_kib: rss_end,
    })
}

/// W4 for an async client: `concurrency` tasks spawned on the current runtime (call inside
/// `block_on`), each awaiting requests one after another, taking request numbers from one
/// counter until `n` are done. The first error stops every task.
pub async fn tasks<F, Fut>(workload: Workload, n: usize, concurrency: usize, fetch: F) -> Res<Outcome>
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Res<Fetched>> + Send + 'static,
{
    let (_, expected) = workload.target();
    let next = std::sync::Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (next, fetch) = (next.clone(), fetch.clone());
        set.spawn(async move {
            let mut mine = Totals::default();
            while next.fetch_add(1, Ordering::Relaxed) < n {
                match fetch().await.and_then(|f| check(f, expected)) {
                    Ok(f) => mine.add(f),
                    Err(e) => {
                        next.store(n, Ordering::Relaxed); // stop the others
                        return Err(e);
                    }
                }
            }
            Ok(mine)
        });
    }
    let mut totals = Totals::default();
    let mut first_error = None;
    while let Some(joined) = set.join_next().await {
        match joined.map_err(|e| -> crate::BoxError { format!("a task failed: {e}").into() }).and_then(|r| r) {
            Ok(mine) => {
                totals.bytes += mine.bytes;
                totals.http = mine.http.or(totals.http);
            }
            Err(e) => first_error = first_error.or(Some(e)),
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    if let Some(e) = first_error {
        return Err(e);
    }
    Ok(Outcome { ops: n, seconds, bytes: totals.bytes, http: totals.http, ..Outcome::default() })
}

/// `n` runs of a certificate operation (which checks its own result).
pub fn cert_ops(n: usize, mut op: impl FnMut() -> Res<()>) -> Res<Outcome> {
    let start = Instant::now();
    for _ in 0..n {
        op()?;
    }
    let seconds = start.elapsed().as_secs_f64();
    Ok(Outcome { ops: n, seconds, bytes: 0, ..Outcome::default() })
}
