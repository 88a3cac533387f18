//! The completion API the bindings build on: Request::spawn, spawn_streaming and BodyPump,
//! with cancellation, against the test kit.

mod common;
use common::*;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use tlsguard::Code;

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn spawn_calls_back_once_on_a_runtime_thread() {
    let (tx, rx) = mpsc::channel();
    let h = client()
        .get(&kit().good_url("/json"))
        .spawn(move |r| {
            let thread = std::thread::current().name().map(str::to_owned);
            tx.send((r.map(|r| r.map(|r| r.json().expect("json"))), thread)).expect("send");
        })
        .expect("spawned");
    let (outcome, thread) = rx.recv_timeout(WAIT).expect("called back");
    assert_eq!(outcome.expect("not aborted").expect("ok")["hello"], "world");
    assert_eq!(thread.as_deref(), Some("tlsguard-io"));
    assert!(rx.recv_timeout(Duration::from_millis(200)).is_err(), "exactly once");
    // The callback runs inside the task, so the task ends just after it.
    let until = Instant::now() + WAIT;
    while !h.is_finished() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(h.is_finished());

    // Failures go to the callback too, explained as by send().
    let (tx, rx) = mpsc::channel();
    client()
        .get(&kit().url("expired"))
        .spawn(move |r| tx.send(r.map(|r| r.map(|_| ()))).expect("send"))
        .expect("spawned");
    let e = rx.recv_timeout(WAIT).expect("called back").expect("not aborted").expect_err("expired");
    assert_eq!(e.code(), Code::CertExpired);
}

#[test]
fn abort_calls_back_with_none_at_once() {
    let (tx, rx) = mpsc::channel();
    let h =
        client().get(&kit().good_url("/slow")).spawn(move |r| tx.send(r.is_none()).expect("send")).expect("spawned");
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    h.abort();
    assert!(rx.recv_timeout(WAIT).expect("called back"), "None: aborted");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert!(rx.recv_timeout(Duration::from_millis(200)).is_err(), "exactly once");
}

#[test]
fn a_streamed_body_comes_one_pull_at_a_time() {
    const TOTAL: u64 = 3 * 1024 * 1024 + 5;
    let (tx, rx) = mpsc::channel();
    client()
        .get(&kit().good_url(&format!("/stream?bytes={TOTAL}")))
        .spawn_streaming(move |r| tx.send(r).expect("send"))
        .expect("spawned");
    let (head, pump) = rx.recv_timeout(WAIT).expect("head").expect("not aborted").expect("ok");
    assert_eq!(head.status(), 200);
    let mut got = 0u64;
    loop {
        let (tx, rx) = mpsc::channel();
        pump.pull(move |c| tx.send(c).expect("send")).expect("pull");
        match rx.recv_timeout(WAIT).expect("chunk").expect("not aborted").expect("ok") {
            Some(chunk) => {
                assert!(chunk.iter().enumerate().all(|(k, &b)| b == ((got + k as u64) % 251) as u8), "at {got}");
                got += chunk.len() as u64;
                assert_eq!(pump.received(), Some(got), "nothing is delivered that was not pulled");
            }
            None => break,
        }
    }
    assert_eq!(got, TOTAL);
}

#[test]
fn an_aborted_pull_and_a_dropped_pump_end_the_body() {
    let c = client();
    let (tx, rx) = mpsc::channel();
    c.get(&kit().good_url("/stall-body")).spawn_streaming(move |r| tx.send(r).expect("send")).expect("spawned");
    let (_, pump) = rx.recv_timeout(WAIT).expect("head").expect("not aborted").expect("ok");
    let (tx, rx) = mpsc::channel();
    pump.pull(move |c| tx.send(c.map(|c| c.map(|b| b.map(|b| b.len())))).expect("send")).expect("pull");
    assert_eq!(rx.recv_timeout(WAIT).expect("first").expect("not aborted").expect("ok"), Some(1024));
    // The next pull waits for bytes that do not come: abort it.
    let (tx, rx) = mpsc::channel();
    let h = pump.pull(move |c| tx.send(c.is_none()).expect("send")).expect("pull");
    std::thread::sleep(Duration::from_millis(100));
    h.abort();
    assert!(rx.recv_timeout(WAIT).expect("called back"), "None: aborted");
    drop(pump);
}
