//! `Notifier`: how requests started for an asyncio event loop settle their futures.
//!
//! A request runs on tlsguard's runtime through the core's completion API (`Request::spawn`),
//! whose callback (on a runtime thread, without the GIL) only queues the outcome. The first
//! outcome queued since the loop last looked wakes the loop, which calls `dispatch()`; that
//! settles every queued future on the loop's thread. So the runtime's threads never wait for
//! the GIL, and N requests finishing close together cost one wake-up of the loop.
//!
//! Two ways to wake the loop, chosen per loop by the facade:
//! * a loop that can watch a socket (`loop.add_reader`: the selector loops on Unix, uvloop)
//!   watches [`Notifier::fileno`], and the callback writes one byte to it — no thread, no GIL;
//! * any other loop (Windows' Proactor loop) is woken by the one [`waker`] thread calling
//!   `loop.call_soon_threadsafe(notifier.dispatch)`, which takes the GIL. Measured on the
//!   benchmark's W1 (sequential awaits), that path is 0.62× the socket's throughput (a thread
//!   wake-up and a GIL hand-off per request), hence the socket where the loop offers it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::types::PyWeakrefReference;
use pyo3::{PyTraverseError, intern};

use pyo3::types::PyBytes;

use crate::response::{Response, Sent};
use crate::stream::AsyncStream;

/// Locks `m`, ignoring poisoning (every critical section here leaves the data consistent).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What the core's completion API hands over for one started piece of work (`None`: aborted):
/// a whole response, a streamed response's head and body, or a chunk of that body.
pub(crate) enum Outcome {
    Response(Option<tlsguard::Result<tlsguard::Response>>),
    Head(Option<tlsguard::Result<(tlsguard::ResponseHead, tlsguard::BodyPump)>>),
    Chunk(Option<tlsguard::Result<Option<bytes::Bytes>>>),
}

/// What the completion callbacks of one [`Notifier`] share with it.
struct Shared {
    /// Outcomes not yet dispatched, and whether the loop has been asked to dispatch them.
    queue: Mutex<(Vec<(u64, Outcome)>, bool)>,
    /// The write end of the socket the loop watches, once the facade said it does.
    #[cfg(unix)]
    writer: OnceLock<std::os::unix::net::UnixStream>,
    /// Weak references to the event loop and to the `Notifier` (set on the first request): the
    /// waker thread must not keep either alive (the loop's `Notifier` lives in a
    /// `WeakKeyDictionary` keyed by the loop).
    target: OnceLock<(Py<PyWeakrefReference>, Py<PyWeakrefReference>)>,
}

impl Shared {
    /// Queues an outcome (any thread, no GIL); the first one since the last `dispatch()` wakes
    /// the loop.
    fn push(self: &Arc<Self>, id: u64, outcome: Outcome) {
        let wake = {
            let mut q = lock(&self.queue);
            q.0.push((id, outcome));
            !std::mem::replace(&mut q.1, true)
        };
        if wake {
            #[cfg(unix)]
            if let Some(w) = self.writer.get() {
                // Non-blocking; a full buffer already means "wake up".
                let _ = std::io::Write::write(&mut &*w, &[1]);
                return;
            }
            waker::wake(self.clone());
        }
    }

    /// Asks the event loop to call `dispatch()` (on the waker thread, with the GIL). A loop or
    /// notifier that is gone, or a closed loop, has nobody left to wait for these outcomes.
    fn schedule(&self, py: Python<'_>) {
        let Some((event_loop, notifier)) = self.target.get() else { return };
        let (Some(event_loop), Some(notifier)) = (event_loop.bind(py).upgrade(), notifier.bind(py).upgrade()) else {
            return;
        };
        let scheduled = notifier
            .getattr(intern!(py, "dispatch"))
            .and_then(|dispatch| event_loop.call_method1(intern!(py, "call_soon_threadsafe"), (dispatch,)));
        if scheduled.is_err() {
            // The loop is closed: forget the wake-up so that a request started later (on a
            // loop that works again) is not stuck behind this one.
            lock(&self.queue).1 = false;
        }
    }
}

/// The thread that turns "outcomes are queued" into `loop.call_soon_threadsafe(...)`: the one
/// place that waits for the GIL on behalf of the runtime's threads. One per process (started on
/// first use, again in a forked child).
mod waker {
    use std::sync::mpsc::{Sender, channel};
    use std::sync::{Arc, Mutex};

    use pyo3::Python;

    use super::{Shared, lock};

    static WAKER: Mutex<Option<(u32, Sender<Arc<Shared>>)>> = Mutex::new(None);

    pub(super) fn wake(shared: Arc<Shared>) {
        let mut slot = lock(&WAKER);
        let pid = std::process::id();
        if let Some((p, tx)) = slot.as_ref()
            && *p == pid
        {
            if let Err(e) = tx.send(shared) {
                drop(e); // the thread is gone (cannot happen while the process runs)
            }
            return;
        }
        let (tx, rx) = channel::<Arc<Shared>>();
        let started = std::thread::Builder::new().name("tlsguard-asyncio".into()).spawn(move || {
            while let Ok(shared) = rx.recv() {
                // `None` while the interpreter shuts down: nothing is waiting any more.
                if Python::try_attach(|py| shared.schedule(py)).is_none() {
                    return;
                }
            }
        });
        if started.is_ok() && tx.send(shared).is_ok() {
            *slot = Some((pid, tx));
        }
    }
}

/// A started request: the asyncio future to settle and the handle that stops it.
struct Started {
    done: Py<PyAny>,
    abort: tlsguard::AbortHandle,
    sent: Option<Sent>,
}

/// Sets the asyncio future `done` to the outcome's value or its exception (unless it is already
/// done, e.g. cancelled): a `Response`, an `AsyncStream`, or a chunk (`b""` at the end).
fn settle(py: Python<'_>, done: &Bound<'_, PyAny>, sent: Option<Sent>, outcome: Outcome) -> PyResult<()> {
    if done.call_method0(intern!(py, "done"))?.is_truthy()? {
        return Ok(());
    }
    let stopped =
        || tlsguard::Error::new(tlsguard::Code::Internal, "the request was stopped: tlsguard's runtime shut down");
    let value: tlsguard::Result<Bound<'_, PyAny>> = match outcome {
        Outcome::Response(r) => match r.unwrap_or_else(|| Err(stopped())) {
            Ok(response) => Ok(Bound::new(py, Response::with_request(response, sent))?.into_any()),
            Err(e) => Err(e),
        },
        Outcome::Head(r) => match r.unwrap_or_else(|| Err(stopped())) {
            Ok((head, body)) => {
                let raw = sent.is_some_and(|s| !s.decompress);
                Ok(Bound::new(py, AsyncStream::new(head, body, raw))?.into_any())
            }
            Err(e) => Err(e),
        },
        Outcome::Chunk(r) => match r.unwrap_or_else(|| Err(stopped())) {
            Ok(chunk) => Ok(PyBytes::new(py, chunk.as_deref().unwrap_or_default()).into_any()),
            Err(e) => Err(e),
        },
    };
    match value {
        Ok(v) => done.call_method1(intern!(py, "set_result"), (v,))?,
        Err(e) => done.call_method1(intern!(py, "set_exception"), (crate::errors::exception_instance(py, &e)?,))?,
    };
    Ok(())
}

/// The completions of the requests `AsyncClient` starts on one asyncio event loop (shared by
/// every client used on that loop); see the module's documentation.
#[pyclass(module = "tlsguard._native", name = "Notifier", frozen, weakref)]
pub struct Notifier {
    shared: Arc<Shared>,
    /// The socket pair of [`Notifier::fileno`]: the read end, and the write end until
    /// [`Notifier::use_socket`] hands it to the callbacks.
    #[cfg(unix)]
    reader: OnceLock<std::os::unix::net::UnixStream>,
    #[cfg(unix)]
    writer: Mutex<Option<std::os::unix::net::UnixStream>>,
    started: Mutex<HashMap<u64, Started>>,
    next_id: std::sync::atomic::AtomicU64,
}

/// The callback a started piece of work hands its outcome to.
type Push = Box<dyn FnOnce(Outcome) + Send>;

impl Notifier {
    /// Starts `req` (on tlsguard's runtime) for `event_loop`; `done` (a future of that loop) gets
    /// its `Response` through `dispatch()`. Returns the request's id for `cancel(id)`.
    pub(crate) fn start(
        slf: &Bound<'_, Self>,
        event_loop: &Bound<'_, PyAny>,
        req: tlsguard::Request,
        sent: Sent,
        done: &Bound<'_, PyAny>,
    ) -> PyResult<u64> {
        Self::launch(slf, event_loop, done, Some(sent), |push| req.spawn(move |o| push(Outcome::Response(o))))
    }

    /// As [`Notifier::start`] for a streamed response: `done` gets an `AsyncStream` once the
    /// headers have arrived.
    pub(crate) fn start_streaming(
        slf: &Bound<'_, Self>,
        event_loop: &Bound<'_, PyAny>,
        req: tlsguard::Request,
        sent: Sent,
        done: &Bound<'_, PyAny>,
    ) -> PyResult<u64> {
        Self::launch(slf, event_loop, done, Some(sent), |push| req.spawn_streaming(move |o| push(Outcome::Head(o))))
    }

    /// Reads the next chunk of `body` for `event_loop`: `done` gets it (`b""` at the end).
    pub(crate) fn pull(
        slf: &Bound<'_, Self>,
        event_loop: &Bound<'_, PyAny>,
        body: &tlsguard::BodyPump,
        done: &Bound<'_, PyAny>,
    ) -> PyResult<u64> {
        Self::launch(slf, event_loop, done, None, |push| body.pull(move |o| push(Outcome::Chunk(o))))
    }

    fn launch(
        slf: &Bound<'_, Self>,
        event_loop: &Bound<'_, PyAny>,
        done: &Bound<'_, PyAny>,
        sent: Option<Sent>,
        spawn: impl FnOnce(Push) -> tlsguard::Result<tlsguard::AbortHandle>,
    ) -> PyResult<u64> {
        let this = slf.get();
        if this.shared.target.get().is_none() {
            let target =
                (PyWeakrefReference::new(event_loop)?.unbind(), PyWeakrefReference::new(slf.as_any())?.unbind());
            let _ = this.shared.target.set(target); // set once: a Notifier serves one loop
        }
        let id = this.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let shared = this.shared.clone();
        // The callback cannot run `dispatch()` before the entry exists: both happen on the
        // loop's thread, and this one returns to the loop only after inserting it.
        let abort =
            spawn(Box::new(move |outcome| shared.push(id, outcome))).map_err(|e| crate::errors::to_pyerr(&e))?;
        lock(&this.started).insert(id, Started { done: done.clone().unbind(), abort, sent });
        Ok(id)
    }
}

#[pymethods]
impl Notifier {
    #[new]
    fn new() -> Self {
        Self {
            shared: Arc::new(Shared {
                queue: Mutex::new((Vec::new(), false)),
                target: OnceLock::new(),
                #[cfg(unix)]
                writer: OnceLock::new(),
            }),
            #[cfg(unix)]
            reader: OnceLock::new(),
            #[cfg(unix)]
            writer: Mutex::new(None),
            started: Mutex::new(HashMap::new()),
            next_id: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// A file descriptor for `loop.add_reader(fileno, dispatch)`; after `use_socket()`, wake-ups
    /// are a byte written to it instead of `call_soon_threadsafe`. `NotImplementedError` where
    /// there is no such socket (Windows): the loop is then woken by `call_soon_threadsafe`.
    #[getter]
    fn fileno(&self) -> PyResult<i64> {
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            if let Some(r) = self.reader.get() {
                return Ok(i64::from(r.as_raw_fd()));
            }
            let (reader, writer) = std::os::unix::net::UnixStream::pair()?;
            reader.set_nonblocking(true)?;
            writer.set_nonblocking(true)?;
            let fd = reader.as_raw_fd();
            let _ = self.reader.set(reader);
            *lock(&self.writer) = Some(writer);
            Ok(i64::from(fd))
        }
        #[cfg(not(unix))]
        Err(pyo3::exceptions::PyNotImplementedError::new_err("no wake-up socket on this platform"))
    }

    /// The loop watches `fileno` (its `add_reader` accepted it): wake it through the socket from
    /// now on. Called before the first request on this notifier.
    fn use_socket(&self) {
        #[cfg(unix)]
        if let Some(w) = lock(&self.writer).take() {
            let _ = self.shared.writer.set(w);
        }
    }

    /// Settles the futures of the requests finished since the last call (called by the loop).
    fn dispatch(&self, py: Python<'_>) {
        #[cfg(unix)]
        if let Some(r) = self.reader.get() {
            let mut buf = [0u8; 64];
            while matches!(std::io::Read::read(&mut &*r, &mut buf), Ok(n) if n == buf.len()) {}
        }
        let batch = {
            let mut q = lock(&self.shared.queue);
            q.1 = false;
            std::mem::take(&mut q.0)
        };
        let finished: Vec<(Started, Outcome)> = {
            let mut started = lock(&self.started);
            // An id no longer there was cancelled: its outcome is the abort.
            batch.into_iter().filter_map(|(id, outcome)| started.remove(&id).map(|s| (s, outcome))).collect()
        };
        // Outside the lock: settling runs Python code (done callbacks may start requests).
        for (s, outcome) in finished {
            // Only fails if the future's loop is closed: nobody is left to wait for it.
            let _ = settle(py, s.done.bind(py), s.sent, outcome);
        }
    }

    /// Cancels request `id` if it is still running (a no-op otherwise): the core stops it and
    /// closes its connection.
    fn cancel(&self, id: u64) {
        if let Some(s) = lock(&self.started).remove(&id) {
            s.abort.abort();
        }
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
        for s in all.values() {
            s.abort.abort();
        }
    }
}

impl Drop for Notifier {
    fn drop(&mut self) {
        // Requests nobody can be told about any more.
        for s in lock(&self.started).values() {
            s.abort.abort();
        }
    }
}
