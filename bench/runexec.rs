//! Launcher used by bench/run.py to measure one client process (built with plain `rustc`, no crates).
//!
//!     runexec STATFILE PROGRAM [ARGS...]   run PROGRAM, wait4() it, write to STATFILE
//!                                          "exit_code utime_us stime_us maxrss_kib wall_ns"
//!                                          and exit with the program's exit code (128+signal if killed)
//!     runexec --idle                       do nothing: the "idle Rust process" RSS baseline
//!
//! Why: a child started by the Python runner inherits the runner's peak RSS (about 30 MiB) in its
//! ru_maxrss, because Linux carries the pre-exec high-water mark over exec. Started from this small
//! process instead, a client's ru_maxrss is its own (floor: this launcher's ~1-2 MiB).
use std::ffi::c_long;
use std::os::unix::process::ExitStatusExt;
use std::process::{exit, Command, ExitStatus};
use std::time::Instant;

#[repr(C)]
struct Timeval {
    sec: c_long,
    usec: c_long,
}

/// struct rusage on Linux: two timevals, then 14 longs starting with ru_maxrss (KiB).
#[repr(C)]
struct Rusage {
    utime: Timeval,
    stime: Timeval,
    maxrss: c_long,
    _rest: [c_long; 13],
}

extern "C" {
    fn wait4(pid: i32, status: *mut i32, options: i32, rusage: *mut Rusage) -> i32;
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--idle") {
        return;
    }
    if args.len() < 3 {
        eprintln!("usage: runexec STATFILE PROGRAM [ARGS...] | runexec --idle");
        exit(2);
    }
    let start = Instant::now();
    let child = match Command::new(&args[2]).args(&args[3..]).spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("runexec: cannot start {}: {e}", args[2]);
            exit(127);
        }
    };
    let mut status = 0i32;
    let mut ru = Rusage { utime: Timeval { sec: 0, usec: 0 }, stime: Timeval { sec: 0, usec: 0 },
                          maxrss: 0, _rest: [0; 13] };
    // SAFETY: plain libc call with valid pointers to live locals; retried on EINTR.
    while unsafe { wait4(child.id() as i32, &mut status, 0, &mut ru) } < 0 {}
    let wall = start.elapsed().as_nanos();
    let st = ExitStatus::from_raw(status);
    let code = st.code().unwrap_or_else(|| 128 + st.signal().unwrap_or(0));
    let us = |t: &Timeval| t.sec as i64 * 1_000_000 + t.usec as i64;
    let line = format!("{code} {} {} {} {wall}\n", us(&ru.utime), us(&ru.stime), ru.maxrss);
    if let Err(e) = std::fs::write(&args[1], line) {
        eprintln!("runexec: cannot write {}: {e}", args[1]);
    }
    exit(code);
}
