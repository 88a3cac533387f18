//! The diagnostic probes after a refused handshake end with the request (security review L8).
//!
//! A server that refuses every handshake (a `handshake_failure` alert to the first ClientHello)
//! and then holds every further connection (the probes) open without answering: the request
//! must return within its deadline plus a small margin, and the probes' connections must be
//! closed by the client shortly after it returned, not left running to their own timeouts.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tlsguard::{Client, ClientOptions, Code, Roots};

/// Counts of the stalling server.
#[derive(Default)]
struct Counts {
    /// Connections after the first (the probes) so far.
    probes: AtomicUsize,
    /// Of those, the ones the client has not closed yet.
    open: AtomicUsize,
}

/// Reads one TLS record (the ClientHello); false on EOF or junk.
fn read_record(s: &mut TcpStream) -> bool {
    let mut header = [0u8; 5];
    if s.read_exact(&mut header).is_err() || header[0] != 0x16 {
        return false;
    }
    let mut body = vec![0u8; u16::from_be_bytes([header[3], header[4]]) as usize];
    s.read_exact(&mut body).is_ok()
}

/// Starts the server; returns its port and counts. Its threads end with the test process.
fn stalling_server() -> (u16, Arc<Counts>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let counts = Arc::new(Counts::default());
    let c = counts.clone();
    std::thread::spawn(move || {
        for (i, stream) in listener.incoming().enumerate() {
            let Ok(mut s) = stream else { continue };
            let c = c.clone();
            std::thread::spawn(move || {
                if i == 0 {
                    // The request's handshake: refused as a cipher mismatch.
                    use std::io::Write;
                    if read_record(&mut s) {
                        let _ = s.write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 40]);
                    }
                    return;
                }
                c.probes.fetch_add(1, Ordering::SeqCst);
                c.open.fetch_add(1, Ordering::SeqCst);
                // A probe: read its ClientHello, never answer, wait for the client to close.
                if read_record(&mut s) {
                    let mut buf = [0u8; 256];
                    while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
                }
                c.open.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    (port, counts)
}

fn client(f: impl FnOnce(&mut ClientOptions)) -> Client {
    let mut o = ClientOptions::default();
    o.trust.roots = Roots::None;
    o.trust.pins = vec!["sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into()];
    o.trust.use_env = false;
    o.proxy = Some(String::new());
    f(&mut o);
    Client::new(o).expect("client")
}

/// Waits up to `within` for the server to see every probe connection closed.
fn probes_closed(counts: &Counts, within: Duration) -> bool {
    let until = Instant::now() + within;
    while Instant::now() < until {
        if counts.open.load(Ordering::SeqCst) == 0 {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    counts.open.load(Ordering::SeqCst) == 0
}

#[test]
fn probes_end_before_the_connect_deadline() {
    let (port, counts) = stalling_server();
    let c = client(|o| {
        o.connect_timeout = Duration::from_millis(800);
        o.timeout = Some(Duration::from_secs(20));
    });
    let started = Instant::now();
    let e = c.get(&format!("https://127.0.0.1:{port}/")).send_blocking().expect_err("refused");
    let took = started.elapsed();
    // The refusal, not a TIMEOUT: the probes stop before the connect deadline, and what they
    // could not learn leaves the refusal as it was.
    assert_eq!(e.code(), Code::TlsNoSharedCipher, "{e}");
    assert!(!e.message().contains("accepts"), "{e}");
    assert!(took < Duration::from_millis(800 + 400), "took {took:?}");
    // The probes were started (the four version probes) ...
    assert!(counts.probes.load(Ordering::SeqCst) >= 4, "{} probes", counts.probes.load(Ordering::SeqCst));
    // ... and closed by the client when they ended, none left waiting for an answer.
    assert!(probes_closed(&counts, Duration::from_millis(500)), "{} still open", counts.open.load(Ordering::SeqCst));
    // Nothing is started afterwards.
    let seen = counts.probes.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(counts.probes.load(Ordering::SeqCst), seen);
}

#[test]
fn probes_end_with_the_request_timeout() {
    let (port, counts) = stalling_server();
    // The whole-request timeout fires while the probes (budget 3 s) still wait.
    let c = client(|o| {
        o.connect_timeout = Duration::from_secs(10);
        o.timeout = Some(Duration::from_millis(700));
    });
    let started = Instant::now();
    let e = c.get(&format!("https://127.0.0.1:{port}/")).send_blocking().expect_err("timed out");
    let took = started.elapsed();
    assert_eq!(e.code(), Code::Timeout, "{e}");
    assert!(took < Duration::from_millis(700 + 400), "took {took:?}");
    assert!(counts.probes.load(Ordering::SeqCst) >= 1);
    // Dropping the request dropped the probes: their sockets are closed at once, long before
    // their own 3 s budget.
    assert!(probes_closed(&counts, Duration::from_millis(500)), "{} still open", counts.open.load(Ordering::SeqCst));
    let seen = counts.probes.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(counts.probes.load(Ordering::SeqCst), seen);
}

#[test]
fn async_request_dropped_mid_probe_closes_the_probes() {
    let (port, counts) = stalling_server();
    let c = client(|o| o.connect_timeout = Duration::from_secs(10));
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("rt");
    rt.block_on(async {
        let url = format!("https://127.0.0.1:{port}/");
        let req = c.get(&url).send();
        // The caller gives up after 300 ms (its own timeout around the future).
        let r = tokio::time::timeout(Duration::from_millis(300), req).await;
        assert!(r.is_err(), "the request should still be probing");
    });
    assert!(counts.probes.load(Ordering::SeqCst) >= 1);
    assert!(probes_closed(&counts, Duration::from_millis(500)), "{} still open", counts.open.load(Ordering::SeqCst));
}
