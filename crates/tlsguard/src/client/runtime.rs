//! tlsguard's own process-wide tokio runtime.
//!
//! Every request runs as a task on this runtime, whatever runtime (or none) the caller uses:
//! napi's tokio, a Python asyncio bridge, a PHP request thread. Connection tasks of the pool
//! therefore always live on one runtime that outlives any caller's runtime.
//!
//! **Fork awareness.** PHP-FPM and Python pre-fork servers (gunicorn, uWSGI) load the module
//! in a parent process and `fork()` workers. A forked child has a copy of the parent's memory
//! but only the forking thread: the runtime's worker threads, its I/O driver thread and timer
//! do not exist in the child, so a task spawned onto the copied runtime would never run. We
//! remember the pid the runtime was created in and create a fresh runtime when the pid
//! differs. The old runtime is leaked on purpose: dropping it would try to shut down and join
//! worker threads that do not exist in this process (and could block forever on a lock a
//! parent thread held at fork time).

use std::sync::Mutex;

use tokio::runtime::{Handle, Runtime};

use crate::error::{Code, Error, Result};

/// The runtime and the pid of the process that created it. The runtime is leaked
/// (`&'static`): it is never dropped, neither at exit nor after a fork.
static RUNTIME: Mutex<Option<(u32, &'static Runtime)>> = Mutex::new(None);

/// Worker threads of the runtime (the work is I/O bound; 2 threads keep the footprint small).
const WORKER_THREADS: usize = 2;

/// A handle to tlsguard's runtime, creating it (again, after a fork) if needed.
pub(crate) fn handle() -> Result<Handle> {
    let pid = std::process::id();
    // A poisoned lock only means a panic while the runtime was being created; the Option is
    // still consistent, so keep going.
    let mut slot = RUNTIME.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((owner, rt)) = *slot
        && owner == pid
    {
        return Ok(rt.handle().clone());
    }
    // None yet, or a forked child: the parent's runtime is unusable here. It is leaked (it is
    // `&'static` already, so overwriting the reference below is enough); build a new one.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKER_THREADS)
        .thread_name("tlsguard-io")
        .enable_all()
        .build()
        .map_err(|e| Error::new(Code::Internal, format!("cannot start tlsguard's I/O runtime: {e}")).with_source(e))?;
    let rt: &'static Runtime = Box::leak(Box::new(rt));
    *slot = Some((pid, rt));
    Ok(rt.handle().clone())
}

/// The pid the current runtime belongs to (for tests).
#[cfg(test)]
pub(crate) fn owner_pid() -> Option<u32> {
    RUNTIME.lock().unwrap_or_else(|p| p.into_inner()).map(|(pid, _)| pid)
}

#[cfg(test)]
mod tests {
    #[test]
    fn runtime_is_created_once_per_process() {
        let a = super::handle().expect("runtime");
        let b = super::handle().expect("runtime");
        assert_eq!(a.id(), b.id());
        assert_eq!(super::owner_pid(), Some(std::process::id()));
        let v = a.block_on(async { tokio::spawn(async { 7 }).await.expect("join") });
        assert_eq!(v, 7);
        let name = a.block_on(async {
            tokio::spawn(async { std::thread::current().name().map(str::to_owned) }).await.expect("join")
        });
        assert_eq!(name.as_deref(), Some("tlsguard-io"));
    }
}
