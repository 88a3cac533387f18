//! `Notifier`: the wake-up channel through which requests started for an asyncio event loop
//! settle their futures.

use std::collections::HashMap;
use std::future::Future;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};

use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::{PyTraverseError, intern};

use crate::response::Response;

/// Locks `m`, ignoring poisoning (every critical section here leaves the data consistent).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
/// Polls the core's future; a panic in it is an `INTERNAL` error, not an unwind into Python.
pub(crate) fn poll_caught<T>(
    fut: Pin<&mut (impl Future<Output = tlsguard::Result<T>> + ?Sized)>,
    cx: &mut Context<'_>,
) -> Poll<tlsguard::Result<T>> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| fut.poll(cx)))
        .unwrap_or_else(|p| Poll::Ready(Err(tlsguard::Error::from_panic(&*p))))
}

/// The response future.
type SendFuture = Pin<Box<dyn Future<Output = tlsguard::Result<tlsguard::Response>> + Send>>;

/// What the wakers of one [`Notifier`] share: the ids of the requests woken since the last
/// `dispatch()`, and the socket that tells the event loop there are some.
struct Ready {
    ids: Mutex<Vec<u64>>,
    writer: UnixStream,
}

/// Wakes one request of an event loop without the GIL: records its id and, if it is the first
/// since the last `dispatch()`, writes a byte to the socket the loop watches.
struct RequestWaker {
    id: u64,
    ready: Arc<Ready>,
}

impl Wake for RequestWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        let first = {
            let mut ids = lock(&self.ready.ids);
            ids.push(self.id);
            ids.len() == 1
        };
        if first {
            // Non-blocking; a full buffer already means "wake up". `dispatch()` reads the socket
            // before it takes the ids, so an id pushed after that read has its own byte.
            let _ = (&self.ready.writer).write(&[1]);
        }
    }
}

/// A started request: its future, the waker it is polled with, and the asyncio future to settle.
struct Started {
    future: SendFuture,
    waker: Waker,
    done: Py<PyAny>,
}

/// The wake-up channel of one asyncio event loop for the requests `AsyncClient` starts on it
/// (shared by every client used on that loop). The loop watches `fileno` (`loop.add_reader`,
/// once) and calls `dispatch()` when it is readable. The requests run on the core's runtime;
/// their wake-ups only record an id and write a byte (one per batch), so nothing waits for the
/// GIL, and a request needs no socket, no `add_reader` and no closure of its own.
#[pyclass(module = "tlsguard._native", name = "Notifier", frozen)]
pub struct Notifier {
    reader: UnixStream,
    ready: Arc<Ready>,
    started: Mutex<HashMap<u64, Started>>,
    next_id: AtomicU64,
}

impl Notifier {
    /// Polls `future` once (which starts the request) and keeps it until it is done; a request
    /// done at once (invalid input) settles `done` now.
    pub(crate) fn start(&self, py: Python<'_>, future: SendFuture, done: &Bound<'_, PyAny>) -> PyResult<u64> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let waker = Waker::from(Arc::new(RequestWaker { id, ready: self.ready.clone() }));
        let finished = {
            let mut started = lock(&self.started);
            // Registered before the first poll, so a wake-up from another thread finds it.
            let entry = started.entry(id).or_insert(Started { future, waker, done: done.clone().unbind() });
            match poll_caught(entry.future.as_mut(), &mut Context::from_waker(&entry.waker)) {
                Poll::Pending => None,
                Poll::Ready(r) => started.remove(&id).map(|s| (s, r)),
            }
        };
        if let Some((s, r)) = finished {
            settle(py, s.done.bind(py), r)?;
        }
        Ok(id)
    }
}

/// Sets the asyncio future `done` to the response or the exception (unless it is already done,
/// e.g. cancelled).
fn settle(py: Python<'_>, done: &Bound<'_, PyAny>, r: tlsguard::Result<tlsguard::Response>) -> PyResult<()> {
    if done.call_method0(intern!(py, "done"))?.is_truthy()? {
        return Ok(());
    }
    match r {
        Ok(response) => done.call_method1(intern!(py, "set_result"), (Response::new(response),))?,
        Err(e) => done.call_method1(intern!(py, "set_exception"), (crate::errors::exception_instance(py, &e)?,))?,
    };
    Ok(())
}

#[pymethods]
impl Notifier {
    #[new]
    fn new() -> PyResult<Self> {
        let (reader, writer) = UnixStream::pair()?;
        reader.set_nonblocking(true)?;
        writer.set_nonblocking(true)?;
        Ok(Self {
            reader,
            ready: Arc::new(Ready { ids: Mutex::new(Vec::new()), writer }),
            started: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
        })
    }

    /// The file descriptor that becomes readable when `dispatch()` should be called.
    #[getter]
    fn fileno(&self) -> i32 {
        self.reader.as_raw_fd()
    }

    /// Polls the requests woken since the last call and settles the futures of those done.
    fn dispatch(&self, py: Python<'_>) {
        let mut buf = [0u8; 64];
        while matches!((&self.reader).read(&mut buf), Ok(n) if n == buf.len()) {}
        let mut ids = std::mem::take(&mut *lock(&self.ready.ids));
        if ids.len() > 1 {
            ids.sort_unstable();
            ids.dedup();
        }
        let mut finished = Vec::new();
        {
            let mut started = lock(&self.started);
            for id in ids {
                let Some(s) = started.get_mut(&id) else { continue }; // cancelled, or already done
                if let Poll::Ready(r) = poll_caught(s.future.as_mut(), &mut Context::from_waker(&s.waker))
                    && let Some(s) = started.remove(&id)
                {
                    finished.push((s, r));
                }
            }
        }
        // Outside the lock: settling runs Python code (done callbacks may start requests).
        for (s, r) in finished {
            // Only fails if the future's loop is closed: nobody is left to wait for it.
            let _ = settle(py, s.done.bind(py), r);
        }
    }

    /// Cancels request `id` if it is still running (a no-op otherwise).
    fn cancel(&self, id: u64) {
        let s = lock(&self.started).remove(&id);
        drop(s); // dropping the future aborts the request
    }

    /// How many requests are running.
    fn __len__(&self) -> usize {
        lock(&self.started).len()
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        // A running request's future may (through its task's frame) refer back to this object.
        if let Ok(started) = self.started.try_lock() {
            for s in started.values() {
                visit.call(&s.done)?;
            }
        }
        Ok(())
    }

    fn __clear__(&self) {
        let all = std::mem::take(&mut *lock(&self.started));
        drop(all);
    }
}
