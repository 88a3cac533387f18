//! The hostile-server suite: every attack of the test kit's hostile servers (`hostile.rs` in
//! tlsguard-testkit) ends with its error code, within the request's timeout plus a margin, with
//! bounded memory, and the same client then still serves a request to the good server. Each
//! case runs through `send_blocking()` (decoding on the caller's thread) and through `send()`
//! on tlsguard's shared runtime (decoding on its blocking pool).
//!
//! Memory: the growth of the process's peak RSS during each case (`VmHWM`, reset through
//! `/proc/self/clear_refs` before each case; where the kernel refuses that, a thread samples
//! `VmRSS` every 2 ms instead). The kit's servers run in this process too, so their side of
//! each attack counts. The figures are printed (`cargo test --test hostile_servers --
//! --nocapture`); the bound asserted is generous: far below a bomb's 1 GiB, above the 8 MiB
//! cap plus the noise of a test process.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tlsguard::{Client, ClientOptions, Roots};
use tlsguard_testkit::Kit;
use tlsguard_testkit::hostile::BOMB_BYTES;

/// A field of `/proc/self/status` in KiB (`VmHWM`: peak RSS, `VmRSS`: current RSS).
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The peak RSS while `f` runs, minus the RSS before, in KiB.
fn rss_growth_kib<R>(f: impl FnOnce() -> R) -> (R, u64) {
    let before = status_kib("VmRSS:").unwrap_or(0);
    if reset_hwm() {
        let r = f();
        return (r, status_kib("VmHWM:").unwrap_or(0).saturating_sub(before));
    }
    let peak = Arc::new(AtomicU64::new(before));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(status_kib("VmRSS:").unwrap_or(0), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let r = f();
    done.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    (r, peak.load(Ordering::Relaxed).saturating_sub(before))
}

/// Resets `VmHWM` to the current RSS (Linux >= 4.0); false where not allowed.
fn reset_hwm() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

const TIMEOUT: Duration = Duration::from_secs(2);
/// How much later than the timeout a refusal may come (scheduling on a loaded 2-core machine).
const MARGIN: Duration = Duration::from_millis(1500);
const CAP: u64 = 8 * 1024 * 1024;
/// Peak RSS growth allowed during one case: far below the 1 GiB of a bomb, well above the
/// 8 MiB cap (the decoder's output buffer may double past it once, and the kit's server
/// allocates its side of the attack in this process too).
const RSS_BOUND_KIB: u64 = 128 * 1024;

struct Case {
    name: &'static str,
    server: &'static str,
    path: &'static str,
    code: Option<&'static str>,
    message: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "content-encoding chain of 50,000",
        server: "hostile_h1",
        path: "/ce-chain",
        code: Some("HTTP_PROTOCOL"),
        message: "(50000 codings)",
    },
    Case {
        name: "transfer-encoding chain of 7",
        server: "hostile_h1",
        path: "/te-chain",
        code: Some("HTTP_PROTOCOL"),
        message: "Transfer-Encoding",
    },
    Case {
        name: "gzip bomb",
        server: "hostile_h1",
        path: "/gzip-bomb",
        code: Some("RESPONSE_TOO_LARGE"),
        message: "after decompression (gzip)",
    },
    Case {
        name: "deflate bomb",
        server: "hostile_h1",
        path: "/deflate-bomb",
        code: Some("RESPONSE_TOO_LARGE"),
        message: "after decompression (deflate)",
    },
    Case {
        name: "brotli bomb",
        server: "hostile_h1",
        path: "/br-bomb",
        code: Some("RESPONSE_TOO_LARGE"),
        message: "after decompression (br)",
    },
    Case {
        name: "100,000 headers",
        server: "hostile_h1",
        path: "/many-headers",
        code: Some("HTTP_PROTOCOL"),
        message: "message head is too large",
    },
    Case {
        name: "1 MiB header line",
        server: "hostile_h1",
        path: "/big-header",
        code: Some("HTTP_PROTOCOL"),
        message: "message head is too large",
    },
    Case {
        name: "endless trailers",
        server: "hostile_h1",
        path: "/endless-trailers",
        code: Some("HTTP_PROTOCOL"),
        message: "trailers",
    },
    Case {
        name: "one byte a second",
        server: "hostile_h1",
        path: "/drip",
        code: Some("TIMEOUT"),
        message: "timed out",
    },
    Case { name: "body beyond Content-Length", server: "hostile_h1", path: "/too-long", code: None, message: "" },
    Case {
        name: "endless h2 CONTINUATION",
        server: "hostile_h2_continuation",
        path: "/",
        code: Some("HTTP_PROTOCOL"),
        message: "too_many_continuations",
    },
    Case {
        name: "h2 RST_STREAM loop",
        server: "hostile_h2_reset",
        path: "/",
        code: Some("HTTP_PROTOCOL"),
        message: "refused stream",
    },
    Case {
        name: "300-certificate chain",
        server: "hostile_chain_300",
        path: "/",
        code: Some("TLS_HANDSHAKE"),
        message: "over 64 KiB",
    },
    Case {
        name: "1 MiB certificate message",
        server: "hostile_cert_1mb",
        path: "/",
        code: Some("TLS_HANDSHAKE"),
        message: "over 64 KiB",
    },
];

fn client(kit: &Kit) -> Client {
    let mut o = ClientOptions::default();
    o.trust.roots = Roots::None;
    o.trust.ca_files = vec![kit.pki("root_ca")];
    o.trust.use_env = false;
    o.proxy = Some(String::new());
    o.timeout = Some(TIMEOUT);
    o.max_response_bytes = CAP;
    // HTTP/2 offered, for the h2-only hostile servers (the others answer ALPN with http/1.1).
    o.http2 = true;
    Client::new(o).expect("client")
}

/// Runs one case through `send_blocking` (`blocking`) or `send`; returns a line for the report
/// or what went wrong.
fn run(kit: &Kit, client: &Client, case: &Case, blocking: bool) -> Result<String, String> {
    let url = format!("{}{}", kit.manifest().servers[case.server], case.path);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
    let ((outcome, took), rss_growth_kib) = rss_growth_kib(|| {
        let started = Instant::now();
        let outcome = if blocking { client.get(&url).send_blocking() } else { rt.block_on(client.get(&url).send()) };
        (outcome, started.elapsed())
    });
    let got = match &outcome {
        Ok(r) => format!("status {} body {} bytes", r.status(), r.body().len()),
        Err(e) => format!("{}: {}", e.code(), e.message()),
    };
    let line = format!(
        "{:<30} {:<8} {:>5} ms  rss peak +{:>6} KiB  {got:.160}",
        case.name,
        if blocking { "blocking" } else { "async" },
        took.as_millis(),
        rss_growth_kib,
    );
    match (&outcome, case.code) {
        (Err(e), Some(code)) if e.code().as_str() == code => {
            if !e.message().contains(case.message) {
                return Err(format!("{line}\n    message lacks {:?}", case.message));
            }
        }
        (Ok(r), None) => {
            // The body ends where Content-Length says; the rest is not part of it.
            if r.status() != 200 || r.text() != "hello" {
                return Err(format!("{line}\n    expected 200 with exactly \"hello\""));
            }
        }
        _ => return Err(format!("{line}\n    expected {:?}", case.code)),
    }
    if took > TIMEOUT + MARGIN {
        return Err(format!("{line}\n    took longer than the timeout plus {MARGIN:?}"));
    }
    if rss_growth_kib > RSS_BOUND_KIB {
        return Err(format!("{line}\n    peak RSS grew by more than {} MiB", RSS_BOUND_KIB >> 10));
    }
    // The same client still works.
    let next = client.get(&kit.good_url("/")).send_blocking().map_err(|e| format!("{line}\n    next request: {e}"))?;
    if next.status() != 200 {
        return Err(format!("{line}\n    next request: status {}", next.status()));
    }
    Ok(line)
}

/// The tests of this file one at a time (the memory figures of one must not include another).
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// CPU time (user + system) of this process so far.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the ")" of the command name: state is field 3; utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = [11, 12].iter().filter_map(|i| fields.get(*i)?.parse::<u64>().ok()).sum();
    // USER_HZ is 100 on Linux.
    Duration::from_millis(ticks * 10)
}

/// Decoding never runs on tlsguard's runtime threads: while two `send()`s (as many as the
/// runtime has I/O threads) decode gzip bombs under a cap too large to stop them, a request to
/// the good server is answered at once; the decodes end with the requests' `TIMEOUT` and stop
/// working then (the process is idle afterwards).
#[test]
fn decoding_does_not_block_the_runtime_and_stops_at_the_deadline() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let kit = Kit::start_temp().expect("test kit starts");
    let mut o = ClientOptions::default();
    o.trust.roots = Roots::None;
    o.trust.ca_files = vec![kit.pki("root_ca")];
    o.trust.use_env = false;
    o.proxy = Some(String::new());
    o.max_response_bytes = 4 << 30;
    o.timeout = Some(Duration::from_millis(1500));
    let bombs = Client::new(o).expect("client");
    let quick = client(&kit);
    quick.get(&kit.good_url("/")).send_blocking().expect("warm-up");
    bombs.get(&format!("{}/", kit.manifest().servers["hostile_h1"])).send_blocking().expect("warm-up");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("rt");
    // gzip, not brotli: brotli 9 decodes 1 GiB of zeros in under 1.5 s even in a test build on
    // a fast machine, so that bomb could finish before the deadline; inflating 1 GiB cannot.
    let url = format!("{}/gzip-bomb", kit.manifest().servers["hostile_h1"]);
    let (results, good_took, total) = rt.block_on(async {
        let started = Instant::now();
        let a = tokio::spawn(bombs.get(&url).send());
        let b = tokio::spawn(bombs.get(&url).send());
        // Let both reach their decode.
        tokio::time::sleep(Duration::from_millis(600)).await;
        let t = Instant::now();
        let good = quick.get(&kit.good_url("/")).send().await.expect("good server during the decodes");
        assert_eq!(good.status(), 200);
        let good_took = t.elapsed();
        let results = [a.await.expect("join"), b.await.expect("join")];
        (results, good_took, started.elapsed())
    });
    for r in &results {
        let e = r.as_ref().expect_err("the decode cannot finish 1 GiB within 1.5 s in a test build");
        assert_eq!(e.code().as_str(), "TIMEOUT", "{e}");
        assert!(e.message().contains("timed out after 1.5 s"), "{e}");
    }
    println!(
        "good request during two decodes: {} ms; the decodes ended after {} ms",
        good_took.as_millis(),
        total.as_millis()
    );
    assert!(good_took < Duration::from_millis(750), "the good request waited {good_took:?}");
    assert!(total < Duration::from_millis(1500) + MARGIN, "{total:?}");
    // The abandoned decodes stopped: the process uses next to no CPU over the next second.
    let cpu = cpu_time();
    std::thread::sleep(Duration::from_secs(1));
    let used = cpu_time().saturating_sub(cpu);
    println!("CPU used in the second after the timeouts: {} ms", used.as_millis());
    assert!(used < Duration::from_millis(250), "decoding went on after the deadline: {used:?} of CPU");
}

#[test]
fn hostile_servers_are_refused_in_time_with_bounded_memory() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let kit = Kit::start_temp().expect("test kit starts");
    assert!(BOMB_BYTES as u64 > 100 * CAP, "the bombs are far larger than the cap");
    let client = client(&kit);
    // Warm up: the first TLS handshake, the runtime and the kit's precomputed bodies.
    client.get(&kit.good_url("/")).send_blocking().expect("good server");
    client.get(&format!("{}/", kit.manifest().servers["hostile_h1"])).send_blocking().expect("hostile_h1 root");
    let mut failures = Vec::new();
    for case in CASES {
        for blocking in [true, false] {
            match run(&kit, &client, case, blocking) {
                Ok(line) => println!("ok   {line}"),
                Err(why) => {
                    println!("FAIL {why}");
                    failures.push(why);
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
