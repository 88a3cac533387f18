//! The reqwest rows (reqwest 0.13 with its default TLS, rustls on aws-lc-rs).
//!
//! Every client trusts only the `--ca` root (`tls_certs_only`: no built-in or platform roots),
//! ignores proxy variables (`no_proxy`), and for W2 keeps no idle connection
//! (`pool_max_idle_per_host(0)`, so each request makes a new TCP + TLS connection; rustls'
//! session resumption stays on, as reqwest configures it).
//!
//! * `reqwest`: HTTP/1.1 only (`http1_only`). `reqwest::blocking` for W1-W3 (each call hands
//!   the request to reqwest's runtime thread and waits); W4 is the async client on a tokio
//!   multi-thread runtime (default size: one worker per vCPU) with C tasks.
//! * `reqwest-ct`: HTTP/1.1 only, the async client on a current-thread runtime for every
//!   workload (no thread hop); W4 is C tasks on that runtime.
//! * `reqwest-h2`: as `reqwest` (blocking for W1-W3, multi-thread runtime for W4), without
//!   `http1_only`, so h2 is offered by ALPN and nginx picks it. This is what the peer baseline
//!   (shared/research/peer-performance.md) ran. In W4 the 32 first requests all start before any
//!   handshake has told the pool the server speaks h2, so hyper-util opens one connection per
//!   task (32 h2 connections, counted with strace), not one multiplexed connection.

use crate::drive::{self, Fetched, Outcome, Workload};
use crate::{Args, Res};

/// The root as reqwest takes it (read before the timer starts).
fn root(args: &Args) -> Res<reqwest::Certificate> {
    Ok(reqwest::Certificate::from_pem(&std::fs::read(&args.ca)?)?)
}

/// Whether this client offers h2.
fn offers_h2(args: &Args) -> bool {
    args.client == "reqwest-h2"
}

/// The async client with this run's options.
fn async_client(args: &Args) -> Res<reqwest::Client> {
    let mut builder = reqwest::Client::builder().tls_certs_only([root(args)?]).no_proxy();
    if !offers_h2(args) {
        builder = builder.http1_only();
    }
    if args.workload.new_connection_per_request() {
        builder = builder.pool_max_idle_per_host(0);
    }
    Ok(builder.build()?)
}

/// The blocking client with this run's options.
fn blocking_client(args: &Args) -> Res<reqwest::blocking::Client> {
    let mut builder = reqwest::blocking::Client::builder().tls_certs_only([root(args)?]).no_proxy();
    if !offers_h2(args) {
        builder = builder.http1_only();
    }
    if args.workload.new_connection_per_request() {
        builder = builder.pool_max_idle_per_host(0);
    }
    Ok(builder.build()?)
}

fn version(v: reqwest::Version) -> Option<&'static str> {
    match v {
        reqwest::Version::HTTP_11 => Some("HTTP/1.1"),
        reqwest::Version::HTTP_2 => Some("HTTP/2"),
        reqwest::Version::HTTP_10 => Some("HTTP/1.0"),
        _ => None,
    }
}

/// Sends an async request, checks the status, reads the whole body.
async fn send(request: reqwest::RequestBuilder, streamed: bool) -> Res<Fetched> {
    let response = request.send().await?;
    if response.status() != reqwest::StatusCode::OK {
        return Err(format!("status {} for {}", response.status(), response.url()).into());
    }
    let http = version(response.version());
    if streamed {
        let mut response = response;
        let mut len = 0;
        while let Some(chunk) = response.chunk().await? {
            len += chunk.len();
        }
        return Ok(Fetched { len, http });
    }
    let body = response.bytes().await?;
    Ok(Fetched { len: body.len(), http })
}

/// W4 with the async client on `runtime`: C tasks.
fn w4_async(args: &Args, runtime: tokio::runtime::Runtime) -> Res<Outcome> {
    let client = async_client(args)?;
    let url = format!("{}{}", args.url, args.workload.target().0);
    runtime.block_on(drive::tasks(args.workload, args.n, args.concurrency, move || send(client.get(&url), false)))
}

/// `reqwest` and `reqwest-h2`.
pub fn reqwest(args: &Args) -> Res<Outcome> {
    if args.workload == Workload::W4 {
        return w4_async(args, tokio::runtime::Builder::new_multi_thread().enable_all().build()?);
    }
    let client = blocking_client(args)?;
    let url = format!("{}{}", args.url, args.workload.target().0);
    drive::sequential(args.workload, args.n, || {
        let response = client.get(&url).send()?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(format!("status {} for {}", response.status(), response.url()).into());
        }
        let http = version(response.version());
        if args.workload.streamed() {
            // S1: the blocking Response is a Read.
            let mut response = response;
            let len = response.copy_to(&mut std::io::sink())? as usize;
            return Ok(Fetched { len, http });
        }
        let body = response.bytes()?;
        Ok(Fetched { len: body.len(), http })
    })
}

/// `reqwest-ct`: async reqwest on a current-thread runtime.
pub fn reqwest_ct(args: &Args) -> Res<Outcome> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    if args.workload == Workload::W4 {
        return w4_async(args, runtime);
    }
    let client = async_client(args)?;
    let url = format!("{}{}", args.url, args.workload.target().0);
    let streamed = args.workload.streamed();
    runtime.block_on(drive::sequential_async(args.workload, args.n, || send(client.get(&url), streamed)))
}
