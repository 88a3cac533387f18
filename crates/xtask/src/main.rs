//! The task runner: `cargo xtask <task>` (alias in `.cargo/config.toml`).
//!
//! Rust instead of a Makefile because the same steps must run on a fresh Debian 12 machine, in
//! CI and on a developer's machine, install what is missing first, and stay readable; and a
//! Makefile would add a top-level file. Tasks:
//!
//! - `test [rust|python|node|php|dist|fuzz|bench]... [--cross]`: install missing prerequisites, then run the test
//!   suites (all of them when none is named).
//! - `demo`: start the test kit's servers on 127.0.0.1 and show, in Rust, Python, Node and PHP,
//!   a verified request and the diagnosis of refusals.
//! - `bench [run.py options]`: install what the benchmarks need (nginx, the peers' packages),
//!   build every tlsguard row in release mode, then run `bench/run.py` (see bench/README.md).
//!   `cargo xtask bench --write-results` is the full run that writes bench/RESULTS.md;
//!   `test bench` smoke-runs it with `--quick` (tiny counts; no timing is asserted).
//! - `gen`: write the generated tables: `tests/errors.json` from `tlsguard::Code::ALL` (the test
//!   that writes it also fails `test rust` when the committed file is out of date).
//! - `dist [--cross] [--check-targets]`: the installable artifacts (wheels, npm packages, PHP
//!   zip and .deb, static CLI) in `target/dist/` with a manifest; `test dist` also installs each
//!   into a clean environment and runs the scenario suites through it (see `dist.rs`).
//! - `prereqs`: only install the prerequisites.
//!
//! Reproducible: every cargo call here passes `--locked` (maturin through `MATURIN_PEP517_ARGS`,
//! napi after `--`; the fuzz project's own lock is checked by `cargo fetch --locked` in
//! `smoke.sh`), so a run never rewrites a lock file and `git status` stays clean.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

mod dist;

/// Debian packages the suites need (installed only when missing).
const APT_PACKAGES: &[&str] = &[
    "openssl",
    // gnutls-serv: the test kit's legacy servers on a second TLS stack.
    "gnutls-bin",
    "ca-certificates",
    "xz-utils",
    // PHP extension: headers, php-config, libclang for ext-php-rs' bindgen; PHPUnit and the PSR
    // packages for its tests.
    "php8.2-dev",
    "php8.2-cli",
    "libclang-dev",
    "phpunit",
    "php-psr-http-client",
    "php-psr-http-message",
    "php-nyholm-psr7",
    // ext-curl: the oracle of the PHP streaming test (and a peer in the benchmark).
    "php8.2-curl",
    // Guzzle over its CurlHandler: the oracle of the PHP tests of Guzzle's option names.
    "php-guzzlehttp-guzzle",
];

/// Debian packages the benchmarks add: the server, and ext-curl and Guzzle (the PHP peers).
const BENCH_APT_PACKAGES: &[&str] = &["nginx-light", "php8.2-curl", "php-guzzlehttp-guzzle"];

/// `dist` runs its short form (x86-64 glibc artifacts, the Windows check) unless `--cross`.
const SUITES: &[&str] = &["rust", "python", "node", "php", "dist", "fuzz", "bench"];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => {
            let (flags, chosen): (Vec<&String>, Vec<&String>) = args[1..].iter().partition(|a| a.starts_with("--"));
            let chosen: Vec<&str> = chosen.into_iter().map(String::as_str).collect();
            let flags: Vec<String> = flags.into_iter().cloned().collect();
            match (chosen.iter().find(|s| !SUITES.contains(s)), dist::Opts::parse(&flags)) {
                (Some(bad), _) => Err(format!("unknown suite {bad:?}; suites: {}", SUITES.join(", "))),
                (None, Err(e)) => Err(e),
                (None, Ok(mut opts)) => {
                    // Every suite (CI): dist in its short form.
                    opts.short = chosen.is_empty();
                    prereqs().and_then(|()| test(if chosen.is_empty() { SUITES.to_vec() } else { chosen }, opts))
                }
            }
        }
        Some("dist") => dist::Opts::parse(&args[1..]).and_then(|o| prereqs().and_then(|()| dist::dist(o))),
        Some("demo") => prereqs().and_then(|()| demo()),
        Some("bench") => prereqs().and_then(|()| bench(&args[1..])),
        Some("gen") => gen_tables(),
        Some("prereqs") => prereqs(),
        _ => {
            eprintln!(
                "usage: cargo xtask <test [suite...] [--cross]|dist [--cross] [--check-targets]|demo|bench [options]|gen|prereqs>"
            );
            eprintln!("  test     install missing prerequisites, then run the suites ({})", SUITES.join(", "));
            eprintln!(
                "  dist     build the installable artifacts into target/dist/ with manifest.json (--cross: aarch64 and musl too;"
            );
            eprintln!("           --check-targets: only `cargo check` for Windows, and aarch64/musl with --cross)");
            eprintln!("  demo     start local TLS servers and show verified requests and explained refusals");
            eprintln!("  bench    build and run the benchmarks against a local nginx (bench/README.md)");
            eprintln!("  gen      write the generated tables (tests/errors.json from tlsguard::Code)");
            eprintln!("  prereqs  install missing prerequisites (apt, npm packages) only");
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

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the repository root")
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn run(cmd: &mut Command) -> Result {
    eprintln!("xtask: running {cmd:?}");
    let status = cmd.status().map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{cmd:?} failed with {status}")) }
}

fn in_root(program: &str) -> Command {
    let mut c = Command::new(program);
    c.current_dir(root());
    c
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

fn have(program: &str) -> bool {
    Command::new(program).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
}

/// Installs the missing apt packages (Debian/Ubuntu), and Node.js if there is none.
fn prereqs() -> Result {
    apt_install(APT_PACKAGES)
}

/// Installs those of `packages` (and Node.js, Python) that are missing, with apt.
fn apt_install(packages: &[&str]) -> Result {
    if !have("apt-get") {
        eprintln!("xtask: no apt-get here; make sure these are installed: {}", packages.join(" "));
        return Ok(());
    }
    let mut missing: Vec<&str> = packages.iter().copied().filter(|p| !dpkg_installed(p)).collect();
    if !have("node") || !have("npm") {
        missing.extend(["nodejs", "npm"]);
    }
    if !have("python3") {
        missing.extend(["python3", "python3-venv"]);
    }
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

fn test(suites: Vec<&str>, dist_opts: dist::Opts) -> Result {
    let mut failed = Vec::new();
    for suite in suites {
        eprintln!("\nxtask: ===== {suite} =====");
        let result = match suite {
            "rust" => test_rust(),
            "python" => test_python(),
            "node" => test_node(),
            "php" => test_php(),
            "dist" => dist::test_dist(dist_opts),
            "fuzz" => test_fuzz(),
            "bench" => bench(&["--quick".to_owned()]),
            _ => unreachable!("checked in main"),
        };
        if let Err(e) = result {
            eprintln!("xtask: {suite} FAILED: {e}");
            failed.push(suite);
        }
    }
    if failed.is_empty() { Ok(()) } else { Err(format!("failed suites: {}", failed.join(", "))) }
}

/// The core, the test kit and the task runner: unit, integration (the shared scenarios, the
/// x509-limbo suite, hostile input) and doc tests.
fn test_rust() -> Result {
    run(in_root(&cargo()).args(["test", "--locked", "--all-targets", "--no-fail-fast"]))?;
    run(in_root(&cargo()).args(["test", "--locked", "--doc", "-p", "tlsguard"]))?;
    // The limbo test prints its pass/fail/skip figures.
    run(in_root(&cargo()).args(["test", "--locked", "-p", "tlsguard", "--test", "limbo", "--", "--nocapture"]))
}

/// Writes `tests/errors.json` from `tlsguard::Code::ALL`: the test that checks the committed
/// file writes it instead when `TLSGUARD_WRITE_TABLES` is set (so the table is built in one
/// place, and `test rust` fails when it is out of date).
fn gen_tables() -> Result {
    run(in_root(&cargo())
        .args(["test", "--locked", "-q", "-p", "tlsguard", "--test", "error_table", "errors_json_is_generated"])
        .env("TLSGUARD_WRITE_TABLES", "1"))?;
    eprintln!("xtask: wrote tests/errors.json");
    Ok(())
}

/// The test kit's server binary, used by the Python, Node and PHP suites.
fn build_testkit() -> Result {
    run(in_root(&cargo()).args(["build", "--locked", "-p", "tlsguard-testkit"]))
}

/// A virtualenv in target/py with the package built from python/ (and pytest, mypy, requests,
/// httpx).
fn python_env() -> Result<PathBuf> {
    let venv = root().join("target/py");
    if !venv.join("bin/python").exists() {
        run(in_root("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    // An absolute target dir of its own: maturin's pyo3 settings differ from plain cargo's.
    run(in_root(&venv.join("bin/pip").to_string_lossy())
        // requests and httpx: the adapters' optional dependencies, installed so they are tested.
        .args(["install", "-q", "./python", "pytest", "mypy", "requests", "httpx"])
        .env("CARGO_TARGET_DIR", root().join("target/maturin"))
        .env("MATURIN_PEP517_ARGS", "--locked"))?;
    Ok(venv.join("bin"))
}

fn test_python() -> Result {
    build_testkit()?;
    let bin = python_env()?;
    run(in_root(&bin.join("pytest").to_string_lossy()).args(["-q", "python/tests"]))
}

/// Installs the npm dev dependencies and builds the addon into node/.
fn node_build() -> Result {
    let node = root().join("node");
    run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&node))?;
    // After `--`: napi passes the rest to cargo.
    run(Command::new("npm").args(["run", "build", "--", "--", "--locked"]).current_dir(&node))
}

fn test_node() -> Result {
    build_testkit()?;
    node_build()?;
    run(Command::new("npm").args(["test"]).current_dir(root().join("node")))
}

fn php_extension() -> Result<PathBuf> {
    run(in_root(&cargo()).args(["build", "--locked", "--release", "-p", "tlsguard-php"]))?;
    Ok(root().join("target/release/libtlsguard_php.so"))
}

fn test_php() -> Result {
    build_testkit()?;
    let so = php_extension()?;
    run(Command::new("php")
        .arg("-d")
        .arg(format!("extension={}", so.display()))
        .arg("/usr/bin/phpunit")
        .current_dir(root().join("php")))
}

/// A short smoke run of every fuzz target (20 s each); needs cargo-fuzz, installed if missing.
fn test_fuzz() -> Result {
    if !Command::new(cargo())
        .args(["fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
    {
        run(in_root(&cargo()).args(["install", "--locked", "cargo-fuzz"]))?;
    }
    run(in_root("bash")
        .arg("crates/tlsguard/fuzz/smoke.sh")
        .arg("20")
        .env("CARGO_TARGET_DIR", root().join("target/fuzz")))
}

/// Installs and builds everything the benchmarks run (idempotent), then runs bench/run.py with
/// `args`.
fn bench(args: &[String]) -> Result {
    apt_install(BENCH_APT_PACKAGES)?;
    // The Rust rows and the PHP extension (release).
    run(in_root(&cargo()).args(["build", "--locked", "--release", "-p", "tlsguard-bench", "-p", "tlsguard-php"]))?;
    // Python: the peers (pinned) and tlsguard in a venv of their own.
    let venv = root().join("target/bench/py");
    if !venv.join("bin/python").exists() {
        run(in_root("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    run(in_root(&venv.join("bin/pip").to_string_lossy())
        .args(["install", "-q", "-r", "bench/python/requirements.txt", "./python"])
        .env("CARGO_TARGET_DIR", root().join("target/maturin"))
        .env("MATURIN_PEP517_ARGS", "--locked"))?;
    // Node: the addon, then the bench package (undici, and tlsguard from node/).
    node_build()?;
    run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(root().join("bench/node")))?;
    run(in_root("python3").arg("bench/run.py").args(args))
}

/// Starts the kit's servers (the `serve` binary) and returns it with its manifest path.
fn start_kit(dir: &Path) -> Result<(std::process::Child, PathBuf)> {
    use std::io::BufRead as _;
    build_testkit()?;
    let mut child = Command::new(root().join("target/debug/tlsguard-testkit"))
        .args(["serve", "--dir"])
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the test kit: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    std::io::BufReader::new(stdout).read_line(&mut line).map_err(|e| e.to_string())?;
    let manifest = line.trim().strip_prefix("READY ").ok_or_else(|| format!("unexpected kit output: {line}"))?;
    Ok((child, PathBuf::from(manifest)))
}

fn demo() -> Result {
    run(in_root(&cargo()).args(["run", "--locked", "--quiet", "-p", "tlsguard", "--example", "demo"]))?;
    let dir = std::env::temp_dir().join(format!("tlsguard-demo-kit-{}", std::process::id()));
    let (mut kit, manifest) = start_kit(&dir)?;
    let result = (|| -> Result {
        println!("\n===== Python =====");
        let py = root().join("target/py/bin/python");
        if !Command::new(&py).args(["-c", "import tlsguard"]).status().is_ok_and(|s| s.success()) {
            python_env()?; // first run: builds the wheel (a few minutes)
        }
        run(in_root(&py.to_string_lossy()).arg("python/examples/demo.py").arg(&manifest))?;
        println!("\n===== Node.js =====");
        if !root().join("node/tlsguard.linux-x64-gnu.node").exists() {
            node_build()?; // first run: builds the addon (a few minutes)
        }
        run(in_root("node").arg("node/examples/demo.js").arg(&manifest))?;
        println!("\n===== PHP =====");
        let so = php_extension()?;
        run(in_root("php")
            .arg("-d")
            .arg(format!("extension={}", so.display()))
            .arg("php/examples/demo.php")
            .arg(&manifest))
    })();
    drop(kit.stdin.take()); // the kit stops at end of input
    let _ = kit.wait();
    let _ = std::fs::remove_dir_all(&dir);
    result
}
