//! `tlsguard`: the command line of the tlsguard library.
//!
//! Every behaviour lives in the core crate; this binary only parses arguments, maps them to the
//! core's option names (validated by the core's `from_json` functions), calls the core and
//! formats what it returns.

/// `print!` that ignores a closed stdout (`tlsguard ... | head` must not panic).
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout().lock(), $($t)*);
    }};
}

/// `println!` that ignores a closed stdout.
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($t)*);
    }};
}

mod output;

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use serde_json::{Map, Value, json};
use tlsguard::{ClientOptions, Error, InspectOptions, LintOptions, Method, Severity};

use output::{Style, error_json, print_error, report_json};

/// Secure-by-default HTTPS requests and certificate diagnosis.
///
/// TLS 1.2/1.3 only, verification always on; every refusal is explained with a stable code,
/// a message, a hint saying who must fix what, and the certificates the server presented.
#[derive(Parser, Debug)]
#[command(name = "tlsguard", propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Print the debug log to stderr: connections, TLS, verification, redirects, retries, pool
    /// reuse (never secrets or bodies). Same as TLSGUARD_LOG=debug.
    #[arg(short = 'v', long, global = true)]
    verbose: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Send an HTTPS request and print the response body.
    ///
    /// On failure, prints the error code, message, hint and the presented chain to stderr and
    /// exits 1.
    Get(GetArgs),
    /// Connect to a server and show what it presents and negotiates, and what a request would say.
    ///
    /// Exit 0 if the chain verified, 1 if a request would be refused (or the connection failed).
    Inspect(InspectArgs),
    /// Lint a deployment bundle (PEM: leaf first, then intermediates).
    ///
    /// Exit 0 if clean, 1 if there are warnings, 2 if there are errors (or the bundle is unreadable).
    Check(CheckArgs),
    /// Print the certificates of a PEM or DER file (`-` reads stdin).
    Cert(CertArgs),
    /// Show what is trusted with the given trust options.
    Trust(TrustCmdArgs),
}

/// Options deciding what is trusted and how connections are made (shared by get, inspect, trust).
///
/// They are passed to the core under its own option names; the core validates them (an option a
/// command does not use is refused with INVALID_ARGUMENT).
#[derive(Args, Debug, Default, Clone)]
struct TrustArgs {
    /// Built-in roots: `mozilla`, `system` (the OS store), `mozilla+system` (default), or `none` (only --ca-file/--pin).
    #[arg(long, value_name = "ROOTS")]
    roots: Option<String>,
    /// Additional CA certificates (PEM file) to trust, added to the roots. Repeatable.
    #[arg(long = "ca-file", value_name = "FILE")]
    ca_file: Vec<String>,
    /// SPKI pin `sha256/<base64>`: a certificate of the chain must have this key. Repeatable.
    #[arg(long = "pin", value_name = "PIN")]
    pins: Vec<String>,
    /// Client certificate chain (PEM) for servers requiring mutual TLS (with --client-key).
    #[arg(long = "client-cert", value_name = "FILE")]
    client_cert: Option<String>,
    /// Private key of the client certificate (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long = "client-key", value_name = "FILE")]
    client_key: Option<String>,
    /// File whose first line is the password of an encrypted --client-key (never on the command line).
    #[arg(long = "client-key-password-file", value_name = "FILE")]
    client_key_password_file: Option<String>,
    /// Certificate revocation list (PEM or DER file) to check the chain against. Repeatable.
    #[arg(long = "crl", value_name = "FILE")]
    crls: Vec<String>,
    /// Lowest TLS version to accept: `1.2` (default) or `1.3`.
    #[arg(long = "min-tls", value_name = "VERSION")]
    min_tls: Option<String>,
    /// Overall time limit in seconds (decimals allowed; 0: none). `--max-time` as in curl.
    #[arg(long, visible_alias = "max-time", value_name = "SECONDS")]
    timeout: Option<f64>,
    /// Connect time limit in seconds (DNS, TCP, proxy, TLS handshake).
    #[arg(long = "connect-timeout", value_name = "SECONDS")]
    connect_timeout: Option<f64>,
    /// Proxy URL: http://, https://, socks5:// or socks5h://, with optional user:pass@; "" for none
    /// (default: HTTPS_PROXY, ALL_PROXY and NO_PROXY from the environment).
    #[arg(short = 'x', long = "proxy", value_name = "URL")]
    proxy: Option<String>,
    /// Download a missing intermediate from the leaf's AIA URL (off by default).
    #[arg(long = "fetch-missing-intermediates")]
    fetch_missing_intermediates: bool,
    /// Let that download reach loopback and private addresses (public ones only by default).
    #[arg(long = "aia-allow-private")]
    aia_allow_private: bool,
}

impl TrustArgs {
    /// The options as a JSON object with the core's names (only what was given); reads the
    /// password file.
    fn to_json(&self) -> tlsguard::Result<Map<String, Value>> {
        let mut m = Map::new();
        if let Some(path) = &self.client_key_password_file {
            let text = read_input(path).map_err(|e| io_error("--client-key-password-file", e))?;
            let text = String::from_utf8(text).map_err(|_| {
                Error::new(tlsguard::Code::InvalidArgument, "--client-key-password-file: the file is not UTF-8 text")
            })?;
            m.insert("client_key_password".into(), json!(text.lines().next().unwrap_or_default()));
        }
        if let Some(t) = self.connect_timeout {
            m.insert("connect_timeout".into(), json!(t));
        }
        if let Some(p) = &self.proxy {
            m.insert("proxy".into(), json!(p));
        }
        if let Some(r) = &self.roots {
            m.insert("roots".into(), json!(r));
        }
        if !self.ca_file.is_empty() {
            m.insert("ca_file".into(), json!(self.ca_file));
        }
        if !self.pins.is_empty() {
            m.insert("pins".into(), json!(self.pins));
        }
        if let Some(c) = &self.client_cert {
            m.insert("client_cert".into(), json!(c));
        }
        if let Some(k) = &self.client_key {
            m.insert("client_key".into(), json!(k));
        }
        if !self.crls.is_empty() {
            m.insert("crls".into(), json!(self.crls));
        }
        if let Some(v) = &self.min_tls {
            m.insert("min_tls".into(), json!(v));
        }
        if let Some(t) = self.timeout {
            m.insert("timeout".into(), json!(t));
        }
        if self.fetch_missing_intermediates {
            m.insert("fetch_missing_intermediates".into(), json!(true));
        }
        if self.aia_allow_private {
            m.insert("aia_allow_private".into(), json!(true));
        }
        Ok(m)
    }
}

#[derive(Args, Debug)]
struct GetArgs {
    /// The https:// URL to request.
    url: String,
    /// HTTP method (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS); POST when -d or -F is given.
    #[arg(short = 'X', long = "request", value_name = "METHOD")]
    method: Option<String>,
    /// Request header `Name: value`. Repeatable.
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    headers: Vec<String>,
    /// Request body sent as application/x-www-form-urlencoded, as curl does (unless -H sets a
    /// Content-Type); `@FILE` reads a file and `@-` stdin, without their CR and LF (as curl -d).
    #[arg(short = 'd', long = "data", value_name = "DATA", conflicts_with_all = ["data_binary", "form"])]
    data: Option<String>,
    /// As -d, but `@FILE` is sent exactly as it is (as curl --data-binary).
    #[arg(long = "data-binary", value_name = "DATA", conflicts_with = "form")]
    data_binary: Option<String>,
    /// A multipart/form-data field `name=value`, or a file `name=@path[;type=TYPE][;filename=NAME]`
    /// (streamed from disk), as curl -F. Repeatable.
    #[arg(short = 'F', long = "form", value_name = "NAME=VALUE")]
    form: Vec<String>,
    /// Basic auth `USER:PASSWORD` (as curl -u), sent to the URL's origin only: dropped when a
    /// redirect leaves it. A password on the command line is visible to other users of this
    /// machine (ps) while the command runs.
    #[arg(short = 'u', long = "user", value_name = "USER:PASSWORD")]
    user: Option<String>,
    /// Write the body to FILE instead of stdout (streamed as it arrives).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<String>,
    /// Exit 22 (as curl --fail) on a 4xx or 5xx status, printing no body.
    #[arg(short = 'f', long = "fail")]
    fail: bool,
    /// Retry up to N times: connection failures where the request never left, and 429, 502,
    /// 503, 504 (Retry-After honoured); idempotent methods only.
    #[arg(long = "retry", value_name = "N")]
    retry: Option<u32>,
    /// Longest wait for the next bytes of the response, in seconds (0: none; default 30).
    #[arg(long = "read-timeout", value_name = "SECONDS")]
    read_timeout: Option<f64>,
    /// Offer HTTP/2 by ALPN (default: HTTP/1.1 only).
    #[arg(long)]
    http2: bool,
    #[command(flatten)]
    trust: TrustArgs,
    /// Print one JSON object (status, headers, body, TLS facts; or the error) to stdout. The body
    /// is text when it is UTF-8, else base64 (`body_encoding`). Not curl's --json, which sends JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct InspectArgs {
    /// HOST or HOST:PORT (port 443 by default; `[::1]:8443` for IPv6).
    #[arg(required_unless_present = "from", conflicts_with = "from")]
    target: Option<String>,
    /// Inspect every host listed in FILE (one HOST[:PORT] a line; `#` comments), `-` for stdin.
    #[arg(long, value_name = "FILE")]
    from: Option<String>,
    /// With --from: how many hosts to inspect at once.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    concurrency: u16,
    /// Also probe which TLS versions and legacy cipher suites the server accepts.
    #[arg(long)]
    audit: bool,
    #[command(flatten)]
    trust: TrustArgs,
    /// Print JSON: one object (with --from: one object per host per line, as hosts complete).
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// The bundle (PEM: leaf first, then intermediates).
    file: String,
    /// The private key deployed with the bundle (checked to match the leaf).
    #[arg(long, value_name = "KEY")]
    key: Option<String>,
    /// A host name the leaf must cover. Repeatable.
    #[arg(long = "host", value_name = "NAME")]
    hosts: Vec<String>,
    /// Warn when a certificate expires within N days (default 30).
    #[arg(long = "warn-days", value_name = "N")]
    warn_days: Option<u32>,
    /// Print the findings as a JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct CertArgs {
    /// PEM or DER file; `-` reads stdin.
    file: String,
    /// Print the certificates as a JSON array.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct TrustCmdArgs {
    #[command(flatten)]
    trust: TrustArgs,
    /// Print the report as a JSON object.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let v = tlsguard::versions();
    let version: &'static str = Box::leak(
        format!("{} (rustls {}, {}, webpki-roots {})", v.tlsguard, v.rustls, v.provider, v.webpki_roots)
            .into_boxed_str(),
    );
    let matches = Cli::command().version(version).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    if cli.verbose {
        tlsguard::log::init("debug");
    } else {
        tlsguard::log::init_from_env();
    }
    let code = match cli.command {
        Command::Get(a) => cmd_get(a),
        Command::Inspect(a) => cmd_inspect(a),
        Command::Check(a) => cmd_check(a),
        Command::Cert(a) => cmd_cert(a),
        Command::Trust(a) => cmd_trust(a),
    };
    ExitCode::from(code)
}

/// Exit code for an error from the core: 2 for invalid arguments (a usage error), else 1.
fn fail(e: &Error, json: bool) -> u8 {
    print_error(e, Style::stderr());
    if json {
        outln!("{}", json!({ "ok": false, "error": error_json(e) }));
    }
    if e.code() == tlsguard::Code::InvalidArgument { 2 } else { 1 }
}

/// Most bytes read from a file or stdin (`-d @FILE`, `--from`, `check`, `cert`): 64 MiB, the
/// core's limit for certificate and key files. `/dev/zero` or an endless pipe stops there.
const MAX_INPUT: u64 = 64 * 1024 * 1024;

fn read_input(path: &str) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    if path == "-" {
        std::io::stdin().lock().take(MAX_INPUT + 1).read_to_end(&mut buf)?;
    } else {
        std::fs::File::open(path)?.take(MAX_INPUT + 1).read_to_end(&mut buf)?;
    }
    if buf.len() as u64 > MAX_INPUT {
        return Err(std::io::Error::other(format!("larger than the {MAX_INPUT} byte limit")));
    }
    Ok(buf)
}

fn io_error(what: &str, e: std::io::Error) -> Error {
    Error::new(tlsguard::Code::InvalidArgument, format!("{what}: {e}"))
}

/// What curl's -d does to a file's contents: CR and LF removed.
fn strip_newlines(mut b: Vec<u8>) -> Vec<u8> {
    b.retain(|c| *c != b'\r' && *c != b'\n');
    b
}

/// `-d`/`--data-binary`: the value, or the contents of `@FILE` (`@-`: stdin).
fn data_arg(flag: &str, d: &str, strip: bool) -> tlsguard::Result<Vec<u8>> {
    match d.strip_prefix('@') {
        Some(path) => {
            let b = read_input(path).map_err(|e| io_error(&format!("{flag} @{path}"), e))?;
            Ok(if strip { strip_newlines(b) } else { b })
        }
        None => Ok(d.as_bytes().to_vec()),
    }
}

/// The `-F` fields as a multipart form: `name=value`, `name=@path[;type=T][;filename=N]`,
/// `name=<path` (a text field read from a file, as curl).
fn form_arg(fields: &[String]) -> tlsguard::Result<tlsguard::Multipart> {
    let mut form = tlsguard::Multipart::new();
    for f in fields {
        let Some((name, value)) = f.split_once('=') else {
            return Err(Error::new(
                tlsguard::Code::InvalidArgument,
                format!("-F {f:?}: expected name=value or name=@file"),
            ));
        };
        if let Some(spec) = value.strip_prefix('@') {
            let mut parts = spec.split(';');
            let path = parts.next().unwrap_or_default();
            let (mut ctype, mut filename) = (None, None);
            for p in parts {
                match p.split_once('=') {
                    Some(("type", t)) => ctype = Some(t.to_owned()),
                    Some(("filename", n)) => filename = Some(n.trim_matches('"').to_owned()),
                    _ => {
                        return Err(Error::new(
                            tlsguard::Code::InvalidArgument,
                            format!("-F {f:?}: {p:?} is not type=... or filename=..."),
                        ));
                    }
                }
            }
            form = form.file(name, path, filename.as_deref(), ctype.as_deref());
        } else if let Some(path) = value.strip_prefix('<') {
            let text = read_input(path).map_err(|e| io_error(&format!("-F {name}=<{path}"), e))?;
            form = form.bytes(name, text, None, None);
        } else {
            form = form.text(name, value);
        }
    }
    Ok(form)
}

/// The client options of `get`, by the core's names.
fn get_client_options(a: &GetArgs) -> tlsguard::Result<ClientOptions> {
    let mut json = a.trust.to_json()?;
    json.insert("http2".into(), Value::Bool(a.http2));
    if let Some(n) = a.retry {
        json.insert("retries".into(), json!(n));
    }
    if let Some(u) = &a.user {
        let Some((user, pass)) = u.split_once(':') else {
            return Err(Error::new(
                tlsguard::Code::InvalidArgument,
                "-u: expected USER:PASSWORD (tlsguard does not prompt for the password)",
            ));
        };
        json.insert("auth".into(), json!({ "basic": [user, pass] }));
    }
    if let Some(t) = a.read_timeout {
        json.insert("read_timeout".into(), json!(t));
    }
    ClientOptions::from_json(&Value::Object(json))
}

/// The request `get` sends.
fn get_request(a: &GetArgs, client: &tlsguard::Client) -> tlsguard::Result<tlsguard::Request> {
    let has_body = a.data.is_some() || a.data_binary.is_some() || !a.form.is_empty();
    let method_name = a.method.clone().unwrap_or_else(|| if has_body { "POST" } else { "GET" }.to_owned());
    let method: Method = method_name.to_ascii_uppercase().parse()?;
    let mut req = client.request(method, &a.url);
    let mut content_type_set = false;
    for h in &a.headers {
        match h.split_once(':') {
            Some((k, v)) => {
                content_type_set |= k.trim().eq_ignore_ascii_case("content-type");
                req = req.header(k.trim(), v.trim());
            }
            None => {
                return Err(Error::new(
                    tlsguard::Code::InvalidArgument,
                    format!("header {h:?}: expected `Name: value`"),
                ));
            }
        }
    }
    let data = match (&a.data, &a.data_binary) {
        (Some(d), _) => Some(data_arg("-d", d, true)?),
        (None, Some(d)) => Some(data_arg("--data-binary", d, false)?),
        (None, None) => None,
    };
    if let Some(body) = data {
        req = req.body(body);
        if !content_type_set {
            req = req.header("content-type", "application/x-www-form-urlencoded");
        }
    } else if !a.form.is_empty() {
        req = req.multipart(form_arg(&a.form)?);
    }
    Ok(req)
}

/// Exit status of `--fail` for a 4xx/5xx response (curl's).
const FAIL_STATUS: u8 = 22;

fn cmd_get(a: GetArgs) -> u8 {
    let client = match get_client_options(&a).and_then(tlsguard::Client::new) {
        Ok(c) => c,
        Err(e) => return fail(&e, a.json),
    };
    let req = match get_request(&a, &client) {
        Ok(r) => r,
        Err(e) => return fail(&e, a.json),
    };
    if a.json && a.output.is_none() {
        return match req.send_blocking() {
            Ok(resp) => {
                let (body, encoding) = match std::str::from_utf8(resp.body()) {
                    Ok(text) => (json!(text), "utf-8"),
                    Err(_) => {
                        use base64::Engine as _;
                        (json!(base64::engine::general_purpose::STANDARD.encode(resp.body())), "base64")
                    }
                };
                let mut out = response_json(&resp);
                out.insert("body".into(), body);
                out.insert("body_encoding".into(), json!(encoding));
                outln!("{}", Value::Object(out));
                if a.fail && resp.status() >= 400 { FAIL_STATUS } else { 0 }
            }
            Err(e) => fail(&e, true),
        };
    }
    // Streamed: to the file or stdout as it arrives (no size cap but the disk's).
    let mut resp = match req.send_streaming_blocking() {
        Ok(r) => r,
        Err(e) => return fail(&e, a.json),
    };
    if a.fail && resp.status() >= 400 {
        eprintln!("tlsguard: {} answered {} {} (--fail)", resp.url(), resp.status(), resp.reason());
        if a.json {
            outln!("{}", Value::Object(response_json(&resp)));
        }
        return FAIL_STATUS;
    }
    let head = a.json.then(|| response_json(&resp));
    let written = match &a.output {
        Some(path) => match std::fs::File::create(path) {
            Ok(file) => copy_body(&mut resp, std::io::BufWriter::new(file)),
            Err(e) => return fail(&io_error(&format!("-o {path}"), e), a.json),
        },
        None => copy_body(&mut resp, std::io::stdout().lock()),
    };
    match written {
        Ok(n) => {
            if let Some(mut out) = head {
                out.insert("body_file".into(), json!(a.output));
                out.insert("body_bytes".into(), json!(n));
                outln!("{}", Value::Object(out));
            }
            0
        }
        Err(CopyError::Core(e)) => fail(&e, a.json),
        Err(CopyError::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(CopyError::Write(e)) => fail(&io_error("writing the body", e), a.json),
    }
}

/// Why copying a body stopped.
enum CopyError {
    Core(Error),
    Write(std::io::Error),
}

/// Copies the body to `out` chunk by chunk; the bytes written.
fn copy_body(resp: &mut tlsguard::StreamedResponse, mut out: impl Write) -> Result<u64, CopyError> {
    let mut n = 0u64;
    while let Some(chunk) = resp.body_mut().chunk_blocking().map_err(CopyError::Core)? {
        out.write_all(&chunk).map_err(CopyError::Write)?;
        n += chunk.len() as u64;
    }
    out.flush().map_err(CopyError::Write)?;
    Ok(n)
}

/// The head of a response as `--json` prints it (everything but the body).
fn response_json(resp: &tlsguard::ResponseHead) -> Map<String, Value> {
    let headers: Vec<Value> = resp.headers().iter().map(|(k, v)| json!([k, v])).collect();
    let out = json!({
        "ok": true,
        "url": resp.url(),
        "status": resp.status(),
        "reason": resp.reason(),
        "http_version": resp.http_version(),
        "redirects": resp.redirects(),
        "attempts": resp.attempts(),
        "headers": headers,
        "tls": resp.tls().map(output::to_json),
        "elapsed_ms": resp.elapsed().as_millis() as u64,
    });
    match out {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Splits `HOST[:PORT]` (also `[v6]:PORT`, a bare IPv6 address, or an https:// URL).
fn split_target(t: &str) -> (String, Option<u16>, Option<String>) {
    let t = t.trim();
    let t = t.strip_prefix("https://").unwrap_or(t);
    let t = t.split('/').next().unwrap_or(t);
    let bad = |p: &str| Some(format!("{t}: {p:?} is not a port"));
    if let Some((host, after)) = t.strip_prefix('[').and_then(|rest| rest.split_once(']')) {
        return match after.strip_prefix(':') {
            Some(p) => match p.parse() {
                Ok(port) => (host.to_owned(), Some(port), None),
                Err(_) => (host.to_owned(), None, bad(p)),
            },
            None => (host.to_owned(), None, None),
        };
    }
    if t.matches(':').count() == 1 {
        let (host, p) = t.split_once(':').unwrap_or((t, ""));
        return match p.parse() {
            Ok(port) => (host.to_owned(), Some(port), None),
            Err(_) => (host.to_owned(), None, bad(p)),
        };
    }
    (t.to_owned(), None, None)
}

fn inspect_options(a: &InspectArgs, port: Option<u16>) -> tlsguard::Result<InspectOptions> {
    let mut m = a.trust.to_json()?;
    if let Some(p) = port {
        m.insert("port".into(), json!(p));
    }
    if a.audit {
        m.insert("audit".into(), json!(true));
    }
    InspectOptions::from_json(&Value::Object(m))
}

fn cmd_inspect(a: InspectArgs) -> u8 {
    if let Some(from) = a.from.clone() {
        return inspect_many(&a, &from);
    }
    let target = a.target.clone().unwrap_or_default();
    let (host, port, bad) = split_target(&target);
    if let Some(msg) = bad {
        return fail(&Error::new(tlsguard::Code::InvalidArgument, msg), a.json);
    }
    let opts = match inspect_options(&a, port) {
        Ok(o) => o,
        Err(e) => return fail(&e, a.json),
    };
    match tlsguard::inspect(&host, &opts) {
        Ok(report) => {
            if a.json {
                outln!("{}", report_json(&report));
            } else {
                output::print_report(&report, Style::stdout());
            }
            if report.is_verified() { 0 } else { 1 }
        }
        Err(e) => {
            if a.json {
                print_error(&e, Style::stderr());
                outln!("{}", failed_host_json(&host, opts.port, &e));
                if e.code() == tlsguard::Code::InvalidArgument { 2 } else { 1 }
            } else {
                fail(&e, false)
            }
        }
    }
}

fn failed_host_json(host: &str, port: u16, e: &Error) -> Value {
    json!({ "host": host, "port": port, "ok": false, "verified": false, "code": e.code().as_str(), "error": error_json(e) })
}

/// One host's outcome in a `--from` run.
struct HostResult {
    target: String,
    host: String,
    port: u16,
    outcome: Result<tlsguard::ServerReport, Error>,
}

fn inspect_many(a: &InspectArgs, from: &str) -> u8 {
    let text = match read_input(from) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => return fail(&io_error(&format!("--from {from}"), e), a.json),
    };
    let targets: Vec<String> = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    // Validate the shared options once, before any connection.
    if let Err(e) = inspect_options(a, None) {
        return fail(&e, a.json);
    }
    let total = targets.len();
    let targets = Arc::new(targets);
    let next = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::channel::<HostResult>();
    let workers = (a.concurrency as usize).min(total.max(1));
    let mut handles = Vec::new();
    for _ in 0..workers {
        let targets = Arc::clone(&targets);
        let next = Arc::clone(&next);
        let tx = tx.clone();
        let trust = a.trust.clone();
        let audit = a.audit;
        handles.push(std::thread::spawn(move || {
            let args = InspectArgs { target: None, from: None, concurrency: 1, audit, trust, json: false };
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(target) = targets.get(i) else { break };
                let (host, port, bad) = split_target(target);
                let outcome = match bad {
                    Some(msg) => Err(Error::new(tlsguard::Code::InvalidArgument, msg)),
                    None => inspect_options(&args, port).and_then(|o| {
                        std::panic::catch_unwind(|| tlsguard::inspect(&host, &o))
                            .unwrap_or_else(|p| Err(Error::from_panic(&*p)))
                    }),
                };
                let port = port.unwrap_or(443);
                if tx.send(HostResult { target: target.clone(), host, port, outcome }).is_err() {
                    break;
                }
            }
        }));
    }
    drop(tx);
    let progress = std::io::stderr().is_terminal();
    let mut results = Vec::with_capacity(total);
    for r in rx {
        if a.json {
            let line = match &r.outcome {
                Ok(report) => {
                    let mut v = report_json(report);
                    v["target"] = json!(r.target);
                    v
                }
                Err(e) => {
                    let mut v = failed_host_json(&r.host, r.port, e);
                    v["target"] = json!(r.target);
                    v
                }
            };
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
        results.push(r);
        if progress {
            eprint!(
                "\r\x1b[2K[{}/{}] {}",
                results.len(),
                total,
                results.last().map(|r| r.target.as_str()).unwrap_or("")
            );
        }
    }
    for h in handles {
        let _ = h.join();
    }
    if progress {
        eprint!("\r\x1b[2K");
    }
    let failed = results.iter().filter(|r| !matches!(&r.outcome, Ok(rep) if rep.is_verified())).count();
    if !a.json {
        output::print_summary(&mut results, Style::stdout());
    }
    eprintln!("{} hosts: {} verified, {} refused or failed", total, total - failed, failed);
    if failed > 0 { 1 } else { 0 }
}

fn cmd_check(a: CheckArgs) -> u8 {
    let bundle = match read_input(&a.file) {
        Ok(b) => b,
        Err(e) => {
            print_error(&io_error(&a.file, e), Style::stderr());
            return 2;
        }
    };
    let mut m = Map::new();
    if let Some(k) = &a.key {
        m.insert("key".into(), json!(k));
    }
    if !a.hosts.is_empty() {
        m.insert("hostnames".into(), json!(a.hosts));
    }
    if let Some(d) = a.warn_days {
        m.insert("warn_days".into(), json!(d));
    }
    let result = LintOptions::from_json(&Value::Object(m)).and_then(|o| tlsguard::lint(&bundle, &o));
    let findings = match result {
        Ok(f) => f,
        Err(e) => {
            fail(&e, a.json);
            return 2;
        }
    };
    let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
    let warnings = findings.iter().filter(|f| f.severity == Severity::Warning).count();
    if a.json {
        let list: Vec<Value> = findings.iter().map(output::finding_json).collect();
        outln!("{}", json!({ "file": a.file, "errors": errors, "warnings": warnings, "findings": list }));
    } else {
        let style = Style::stdout();
        for f in &findings {
            output::print_finding(f, style, "");
        }
        if findings.is_empty() {
            outln!("{}: clean", a.file);
        } else {
            outln!("{}: {} errors, {} warnings", a.file, errors, warnings);
        }
    }
    if errors > 0 {
        2
    } else if warnings > 0 {
        1
    } else {
        0
    }
}

fn cmd_cert(a: CertArgs) -> u8 {
    let data = match read_input(&a.file) {
        Ok(b) => b,
        Err(e) => return fail(&io_error(&a.file, e), a.json),
    };
    match tlsguard::parse_certificates(&data) {
        Ok(certs) => {
            if a.json {
                let list: Vec<Value> = certs.iter().map(output::cert_json).collect();
                outln!("{}", Value::Array(list));
            } else {
                output::print_chain(&certs, Style::stdout());
            }
            0
        }
        Err(e) => fail(&e, a.json),
    }
}

fn cmd_trust(a: TrustCmdArgs) -> u8 {
    let report = a
        .trust
        .to_json()
        .and_then(|m| tlsguard::options::trust_options_from_json(&Value::Object(m)))
        .and_then(|o| tlsguard::trust_report(&o));
    match report {
        Ok(r) => {
            if a.json {
                outln!("{}", output::to_json(&r));
            } else {
                outln!("roots: {}", r.roots);
                for line in r.summary_lines() {
                    outln!("  {line}");
                }
                for s in &r.sources {
                    for reason in &s.skipped_reasons {
                        outln!("  skipped in {}: {reason}", s.location);
                    }
                }
                outln!("total trust anchors: {}", r.total);
                for w in &r.warnings {
                    outln!("warning: {w}");
                }
            }
            0
        }
        Err(e) => fail(&e, a.json),
    }
}
