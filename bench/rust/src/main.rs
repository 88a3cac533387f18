//! `tlsguard-bench`: the Rust rows of tlsguard's benchmarks.
//!
//! One process measures one (client, workload) pair and prints one JSON line, following the
//! client contract of `bench/README.md`:
//!
//! ```text
//! tlsguard-bench --client NAME --workload W --n N --url https://127.0.0.1:PORT --ca ROOT.pem
//!                [--concurrency C] [--http2] [--leaf LEAF.pem --chain INTER.pem --host localhost]
//! {"ops":N,"seconds":1.234,"bytes":5120000,"http":"HTTP/1.1"}
//! ```
//!
//! Clients (each module's documentation says exactly what it does per workload):
//!
//! | client | module | HTTP workloads | certificates |
//! |---|---|---|---|
//! | `tlsguard` | [`tlsguard_clients`] | `send_blocking()` from plain threads | `parse_certificates`, `verify_chain` |
//! | `tlsguard-async` | [`tlsguard_clients`] | `send().await` on a current-thread tokio runtime | - |
//! | `reqwest` | [`reqwest_clients`] | `reqwest::blocking`, HTTP/1.1 (W4: async, multi-thread runtime) | - |
//! | `reqwest-ct` | [`reqwest_clients`] | async reqwest on a current-thread runtime, HTTP/1.1 | - |
//! | `reqwest-h2` | [`reqwest_clients`] | like `reqwest`, with h2 offered by ALPN | - |
//! | `rustls-raw` | [`rustls_raw`] | a hand-written HTTP/1.1 loop on `rustls::StreamOwned` | - |
//! | `webpki` | [`certs`] | - | C1-verify: rustls-webpki |
//! | `x509-parser` | [`certs`] | - | C1-parse: x509-parser |
//!
//! Exit codes: 0 measured (the JSON line is on stdout), 1 failed (a message on stderr: a bad
//! argument, a status other than 200, a body of the wrong length, any error), 3 this client
//! does not do this workload (e.g. `M1` for a peer, `C1-parse` for `webpki`).

mod certs;
mod drive;
mod reqwest_clients;
mod rustls_raw;
mod tlsguard_clients;

use std::path::PathBuf;
use std::process::ExitCode;

use drive::{Outcome, Workload};

/// Errors of a run: anything printable that may cross threads.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// The result of a run or of one request.
pub type Res<T> = Result<T, BoxError>;

/// The command line.
#[derive(Debug)]
pub struct Args {
    /// `--client`: which client measures.
    pub client: String,
    /// `--workload`: W1, W2, W3, W4, M1, C1-parse or C1-verify.
    pub workload: Workload,
    /// `--n`: requests (or certificate operations).
    pub n: usize,
    /// `--url`: the server's base URL (`https://127.0.0.1:PORT`); the workload adds the path.
    pub url: String,
    /// `--ca`: the root certificate (PEM), the only thing trusted.
    pub ca: PathBuf,
    /// `--concurrency`: requests in flight for W4 (default 32).
    pub concurrency: usize,
    /// `--http2`: tlsguard clients turn their `http2` option on (peers ignore it).
    pub http2: bool,
    /// `--leaf`: the leaf certificate (PEM), for C1.
    pub leaf: Option<PathBuf>,
    /// `--chain`: the intermediate certificate(s) (PEM), for C1-verify.
    pub chain: Option<PathBuf>,
    /// `--host`: the name the chain must be valid for, for C1-verify.
    pub host: Option<String>,
}

const USAGE: &str = "usage: tlsguard-bench --client NAME --workload W --n N --url https://HOST:PORT --ca ROOT.pem \
[--concurrency C] [--http2] [--leaf LEAF.pem --chain INTER.pem --host NAME]
clients: tlsguard tlsguard-async reqwest reqwest-ct reqwest-h2 rustls-raw webpki x509-parser
workloads: W1 W2 W3 W4 M1 C1-parse C1-verify";

impl Args {
    /// Parses `--name value` pairs (and the `--http2` flag) by hand.
    fn parse(mut argv: impl Iterator<Item = String>) -> Res<Args> {
        let (mut client, mut workload, mut n, mut url, mut ca) = (None, None, None, None, None);
        let (mut concurrency, mut http2, mut leaf, mut chain, mut host) = (32, false, None, None, None);
        while let Some(flag) = argv.next() {
            if flag == "--http2" {
                http2 = true;
                continue;
            }
            if flag == "-h" || flag == "--help" {
                return Err(USAGE.into());
            }
            let value = argv.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
            match flag.as_str() {
                "--client" => client = Some(value),
                "--workload" => workload = Some(value.parse::<Workload>()?),
                "--n" => n = Some(value.parse::<usize>().map_err(|e| format!("--n {value}: {e}"))?),
                "--url" => url = Some(value.trim_end_matches('/').to_owned()),
                "--ca" => ca = Some(PathBuf::from(value)),
                "--concurrency" => {
                    concurrency = value.parse::<usize>().map_err(|e| format!("--concurrency {value}: {e}"))?
                }
                "--leaf" => leaf = Some(PathBuf::from(value)),
                "--chain" => chain = Some(PathBuf::from(value)),
                "--host" => host = Some(value),
                other => return Err(format!("unknown argument {other:?}\n{USAGE}").into()),
            }
        }
        let missing = |name: &str| format!("{name} is required\n{USAGE}");
        let workload: Workload = workload.ok_or_else(|| missing("--workload"))?;
        let args = Args {
            client: client.ok_or_else(|| missing("--client"))?,
            workload,
            n: n.ok_or_else(|| missing("--n"))?,
            // Certificate workloads make no connection; the runner passes --url/--ca anyway.
            url: if workload.is_http() { url.ok_or_else(|| missing("--url"))? } else { url.unwrap_or_default() },
            ca: ca.ok_or_else(|| missing("--ca"))?,
            concurrency,
            http2,
            leaf,
            chain,
            host,
        };
        if args.n == 0 {
            return Err("--n must be at least 1".into());
        }
        if args.concurrency == 0 {
            return Err("--concurrency must be at least 1".into());
        }
        Ok(args)
    }
}

/// What one client can do: `None` when `workload` is not supported (exit 3).
fn run(args: &Args) -> Option<Res<Outcome>> {
    let w = args.workload;
    match args.client.as_str() {
        "tlsguard" if w.is_cert() => Some(certs::tlsguard(args)),
        "tlsguard" => Some(tlsguard_clients::blocking(args)),
        "tlsguard-async" if w.is_http() => Some(tlsguard_clients::async_current_thread(args)),
        "reqwest" | "reqwest-h2" if w.is_http() && w != Workload::M1 => Some(reqwest_clients::reqwest(args)),
        "reqwest-ct" if w.is_http() && w != Workload::M1 => Some(reqwest_clients::reqwest_ct(args)),
        "rustls-raw" if w.is_http() && w != Workload::M1 => Some(rustls_raw::run(args)),
        "webpki" if w == Workload::C1Verify => Some(certs::webpki(args)),
        "x509-parser" if w == Workload::C1Parse => Some(certs::x509_parser(args)),
        "tlsguard-async" | "reqwest" | "reqwest-h2" | "reqwest-ct" | "rustls-raw" | "webpki" | "x509-parser" => None,
        other => Some(Err(format!("unknown client {other:?}\n{USAGE}").into())),
    }
}

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("tlsguard-bench: {e}");
            return ExitCode::from(1);
        }
    };
    match run(&args) {
        None => {
            eprintln!("tlsguard-bench: client {} does not do workload {}", args.client, args.workload);
            ExitCode::from(3)
        }
        Some(Ok(outcome)) => {
            println!("{}", outcome.to_json());
            ExitCode::SUCCESS
        }
        Some(Err(e)) => {
            // The error and its causes (reqwest and io errors keep the detail in `source()`).
            let mut message = e.to_string();
            let mut cause = e.source();
            while let Some(c) = cause {
                message.push_str(&format!(": {c}"));
                cause = c.source();
            }
            eprintln!("tlsguard-bench: {} {}: {message}", args.client, args.workload);
            ExitCode::from(1)
        }
    }
}
