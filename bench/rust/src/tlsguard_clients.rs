//! The tlsguard rows: `tlsguard` (blocking API) and `tlsguard-async` (`send().await`).
//!
//! One [`tlsguard::Client`] per run, built from the same option names every binding takes:
//! only the `--ca` root is trusted (`roots: "none"`, `use_env: false` so `SSL_CERT_FILE`
//! adds nothing), `http2` on with `--http2` (else HTTP/1.1 only, the default), and for W2
//! `keep_alive: false` (a new TCP + TLS connection per request; session resumption still
//! applies where the server allows it).
//!
//! * S1 (both rows): `send_streaming_blocking()` read through `std::io::Read` into a sink, or
//!   `send_streaming().await` and `chunk().await`: the 256 MiB body is never held whole.
//! * `tlsguard`: W1/W2/W3/M1 are sequential `client.get(url).send_blocking()` calls; W4 is C
//!   plain threads sharing the client (each a clone: one pool), each calling `send_blocking()`.
//! * `tlsguard-async`: the bench makes a tokio current-thread runtime, as a user's
//!   `#[tokio::main(flavor = "current_thread")]` would, and awaits `client.get(url).send()`; W4
//!   is C tasks on that runtime. (`Client::send_many` would also run a batch with bounded
//!   concurrency; 32 tasks are used so every async row has the same shape.)
//!
//! `send_blocking()` drives the connection on the calling thread (a current-thread runtime and
//! pool per thread); `send().await` runs the request on tlsguard's own I/O runtime (2 worker
//! threads) and hands the response back, so its cost includes that hand-off, as for a user.
//! With h2 (the default), W4's 32 first requests each open a connection before ALPN has said
//! h2, so there are 32 h2 connections, as with reqwest-h2.

use serde_json::json;

use crate::drive::{self, Fetched, Outcome};
use crate::{Args, Res};

/// Builds the client (before the timer starts).
fn client(args: &Args) -> Res<tlsguard::Client> {
    let options = tlsguard::ClientOptions::from_json(&json!({
        "roots": "none",
        "ca_file": args.ca.to_str().ok_or("--ca is not UTF-8")?,
        "use_env": false,
        "http2": args.http2,
        "keep_alive": !args.workload.new_connection_per_request(),
    }))?;
    Ok(tlsguard::Client::new(options)?)
}

/// Status 200 and the body (already read whole by tlsguard) with its length.
fn fetched(response: tlsguard::Response) -> Res<Fetched> {
    if response.status() != 200 {
        return Err(format!("status {} for {}", response.status(), response.url()).into());
    }
    let http = match response.http_version() {
        "HTTP/2" => "HTTP/2",
        "HTTP/1.0" => "HTTP/1.0",
        _ => "HTTP/1.1",
    };
    Ok(Fetched { len: response.body().len(), http: Some(http) })
}

/// The HTTP version as the bench reports it.
fn version(v: &str) -> &'static str {
    match v {
        "HTTP/2" => "HTTP/2",
        "HTTP/1.0" => "HTTP/1.0",
        _ => "HTTP/1.1",
    }
}

/// S1, blocking: `send_streaming_blocking()` and the body through `std::io::Read`.
fn streamed_blocking(client: &tlsguard::Client, url: &str) -> Res<Fetched> {
    let response = client.get(url).send_streaming_blocking()?;
    if response.status() != 200 {
        return Err(format!("status {} for {}", response.status(), response.url()).into());
    }
    let http = Some(version(response.http_version()));
    let len = std::io::copy(&mut response.into_reader(), &mut std::io::sink())? as usize;
    Ok(Fetched { len, http })
}

/// S1, async: `send_streaming().await` and `chunk().await` until the end.
async fn streamed_async(client: &tlsguard::Client, url: &str) -> Res<Fetched> {
    let mut response = client.get(url).send_streaming().await?;
    if response.status() != 200 {
        return Err(format!("status {} for {}", response.status(), response.url()).into());
    }
    let http = Some(version(response.http_version()));
    let mut len = 0;
    while let Some(chunk) = response.chunk().await? {
        len += chunk.len();
    }
    Ok(Fetched { len, http })
}

/// `tlsguard`: the blocking API.
pub fn blocking(args: &Args) -> Res<Outcome> {
    let client = client(args)?;
    let url = format!("{}{}", args.url, args.workload.target().0);
    match args.workload {
        drive::Workload::S1 => drive::sequential(args.workload, args.n, || streamed_blocking(&client, &url)),
        drive::Workload::W4 => drive::threads(args.workload, args.n, args.concurrency, || {
            let (client, url) = (client.clone(), url.as_str());
            move || fetched(client.get(url).send_blocking()?)
        }),
        w => drive::sequential(w, args.n, || fetched(client.get(&url).send_blocking()?)),
    }
}

/// `tlsguard-async`: `send().await` on the bench's current-thread runtime.
pub fn async_current_thread(args: &Args) -> Res<Outcome> {
    let client = client(args)?;
    let url = format!("{}{}", args.url, args.workload.target().0);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        match args.workload {
            drive::Workload::W4 => {
                drive::tasks(args.workload, args.n, args.concurrency, move || {
                    let request = client.get(&url);
                    async move { fetched(request.send().await?) }
                })
                .await
            }
            drive::Workload::S1 => {
                drive::sequential_async(args.workload, args.n, || streamed_async(&client, &url)).await
            }
            w => drive::sequential_async(w, args.n, || fetch(&client, &url)).await,
        }
    })
}

async fn fetch(client: &tlsguard::Client, url: &str) -> Res<Fetched> {
    fetched(client.get(url).send().await?)
}
