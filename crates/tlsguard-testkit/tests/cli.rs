//! The `tlsguard-testkit serve` binary as the Python/Node/PHP suites use it.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tlsguard_testkit::Manifest;

#[test]
fn serve_prints_ready_and_stops_on_stdin_eof() {
    let dir = std::env::temp_dir().join(format!("tlsguard-testkit-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut child = Command::new(env!("CARGO_BIN_EXE_tlsguard-testkit"))
        .args(["serve", "--dir"])
        .arg(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let manifest_path = line.trim().strip_prefix("READY ").unwrap_or_else(|| panic!("bad first line {line:?}"));
    let manifest = Manifest::load(manifest_path.as_ref()).expect("manifest");
    assert_eq!(std::path::Path::new(manifest_path), dir.canonicalize().unwrap().join("manifest.json"));

    let ports: Vec<u16> = ["good", "tls10_only", "rsa1024"]
        .iter()
        .map(|n| manifest.servers[*n].rsplit(':').next().unwrap().parse().unwrap())
        .collect();
    for &p in &ports {
        assert!(TcpStream::connect(("127.0.0.1", p)).is_ok(), "port {p} serves");
    }

    drop(child.stdin.take()); // EOF
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "serve did not exit after stdin EOF");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
    for &p in &ports {
        assert!(TcpStream::connect(("127.0.0.1", p)).is_err(), "port {p} closed after exit");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn usage_errors_exit_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_tlsguard-testkit")).arg("serve").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--dir"));
}
