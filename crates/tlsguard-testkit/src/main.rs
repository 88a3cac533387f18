//! `tlsguard-testkit serve --dir DIR [--ignore-stdin]`
//!
//! Generates the PKI, starts every scenario server, writes `DIR/manifest.json`,
//! prints `READY DIR/manifest.json` on stdout and serves until stdin reaches
//! EOF (the parent test suite closed its pipe or died) or SIGTERM/SIGINT/SIGHUP
//! arrives; then stops everything, openssl children included.
//!
//! `--ignore-stdin` serves until a signal only (for shells or CI jobs that
//! start it in the background with stdin at /dev/null).

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;

const USAGE: &str = "usage: tlsguard-testkit serve --dir DIR [--ignore-stdin]\n\
\n\
Generates the test PKI into DIR, starts all scenario servers on 127.0.0.1,\n\
writes DIR/manifest.json, prints `READY DIR/manifest.json` and serves until\n\
stdin reaches EOF or SIGTERM/SIGINT arrives.";

struct Args {
    dir: PathBuf,
    ignore_stdin: bool,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut it = args.iter();
    match it.next().map(String::as_str) {
        Some("serve") => {}
        Some("-h" | "--help" | "help") => return Err(String::new()),
        Some(other) => return Err(format!("unknown command {other:?}")),
        None => return Err("missing command".to_string()),
    }
    let mut dir = None;
    let mut ignore_stdin = false;
    while let Some(a) = it.next() {
        match a.as_str() {
            "--dir" => dir = Some(PathBuf::from(it.next().ok_or("--dir needs a value")?)),
            s if s.starts_with("--dir=") => dir = Some(PathBuf::from(&s["--dir=".len()..])),
            "--ignore-stdin" => ignore_stdin = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Args { dir: dir.ok_or("--dir is required")?, ignore_stdin })
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse(&argv) {
        Ok(a) => a,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("tlsguard-testkit: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };

    let kit = match tlsguard_testkit::Kit::start(&args.dir) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("tlsguard-testkit: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };

    let (stop_tx, stop_rx) = mpsc::channel::<&'static str>();

    // Signals, on a small runtime of their own.
    let tx = stop_tx.clone();
    std::thread::spawn(move || {
        let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(rt) => rt,
            Err(_) => return,
        };
        rt.block_on(async move {
            use tokio::signal::unix::{SignalKind, signal};
            let (Ok(mut term), Ok(mut int), Ok(mut hup)) =
                (signal(SignalKind::terminate()), signal(SignalKind::interrupt()), signal(SignalKind::hangup()))
            else {
                return;
            };
            let why = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
                _ = hup.recv() => "SIGHUP",
            };
            let _ = tx.send(why);
        });
    });

    // Stdin EOF: the parent is gone or wants us to stop.
    if !args.ignore_stdin {
        let tx = stop_tx.clone();
        std::thread::spawn(move || {
            let mut stdin = std::io::stdin();
            let mut buf = [0u8; 256];
            loop {
                match stdin.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
            let _ = tx.send("stdin closed");
        });
    }

    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "READY {}", kit.manifest_path().display());
        let _ = out.flush();
    }

    let why = stop_rx.recv().unwrap_or("channel closed");
    eprintln!("tlsguard-testkit: stopping ({why})");
    drop(kit);
    // The stdin thread may still block in read(): exit without joining it.
    std::process::exit(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_serve() {
        let a = parse(&v(&["serve", "--dir", "/tmp/x"])).unwrap();
        assert_eq!(a.dir, PathBuf::from("/tmp/x"));
        assert!(!a.ignore_stdin);
        let a = parse(&v(&["serve", "--dir=/tmp/y", "--ignore-stdin"])).unwrap();
        assert_eq!(a.dir, PathBuf::from("/tmp/y"));
        assert!(a.ignore_stdin);
        assert!(parse(&v(&["serve"])).is_err());
        assert!(parse(&v(&["frobnicate"])).is_err());
        assert!(parse(&v(&["serve", "--dir"])).is_err());
    }
}
