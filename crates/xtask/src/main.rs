//! The task runner: `cargo xtask <task>` (alias in `.cargo/config.toml`).
//!
//! Rust instead of a Makefile because the same steps must run on a fresh Debian 12 machine, in
//! CI and on a developer's machine, install what is missing first, and stay readable; and a
//! Makefile would add a top-level file. Tasks:
//!
//! - `test`: install missing prerequisites (apt packages), then run every test suite.
//! - `demo`: start the test kit's servers on 127.0.0.1 and show a verified request and the
//!   diagnosis of several refusals.
//! - `prereqs`: only install the prerequisites.

use std::process::{Command, ExitCode};

/// Debian packages the test suites need (installed only when missing).
const APT_PACKAGES: &[&str] = &["openssl", "ca-certificates", "xz-utils"];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => prereqs().and_then(|()| test(&args[1..])),
        Some("demo") => prereqs().and_then(|()| demo()),
        Some("prereqs") => prereqs(),
        _ => {
            eprintln!("usage: cargo xtask <test|demo|prereqs>");
            eprintln!("  test     install missing prerequisites, then run all test suites");
            eprintln!("  demo     start local TLS servers and show verified requests and explained refusals");
            eprintln!("  prereqs  install missing prerequisites (apt) only");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

type Result<T = ()> = std::result::Result<T, String>;

fn root_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(cmd: &mut Command) -> Result {
    eprintln!("xtask: running {cmd:?}");
    let status = cmd.current_dir(root_dir()).status().map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{cmd:?} failed with {status}")) }
}

fn dpkg_installed(pkg: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", pkg])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0")).unwrap_or(false)
}

/// Installs the missing apt packages (Debian/Ubuntu). Elsewhere it only checks for the tools.
fn prereqs() -> Result {
    let has_apt = Command::new("apt-get").arg("--version").output().is_ok();
    if !has_apt {
        eprintln!("xtask: no apt-get here; make sure these are installed: {}", APT_PACKAGES.join(" "));
        return Ok(());
    }
    let missing: Vec<&str> = APT_PACKAGES.iter().copied().filter(|p| !dpkg_installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let sudo: &[&str] = if is_root() { &[] } else { &["sudo"] };
    let apt = |args: &[&str]| {
        let mut all: Vec<&str> = sudo.to_vec();
        all.push("apt-get");
        all.extend_from_slice(args);
        let mut cmd = Command::new(all[0]);
        cmd.args(&all[1..]).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut cmd)
    };
    apt(&["update", "-q"])?;
    let mut install = vec!["install", "-y", "-q", "--no-install-recommends"];
    install.extend(missing);
    apt(&install)
}

fn test(extra: &[String]) -> Result {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run(Command::new(&cargo).args(["test", "--workspace", "--all-targets"]).args(extra))?;
    run(Command::new(&cargo).args(["test", "--workspace", "--doc"]))
}

fn demo() -> Result {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run(Command::new(&cargo).args(["run", "--quiet", "-p", "tlsguard", "--example", "demo"]))
}
