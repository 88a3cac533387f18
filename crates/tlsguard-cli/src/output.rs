//! Formatting of what the core returns: readable text (ANSI colours only on a terminal) and JSON.

use std::io::IsTerminal;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};
use tlsguard::cert::format_time;
use tlsguard::{Certificate, CertificateInfo, Error, Finding, ServerReport, Severity, display_safe as safe};

use crate::HostResult;

/// Whether to colour a stream: only a terminal, and never with `NO_COLOR` set.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    color: bool,
}

impl Style {
    fn for_terminal(is_terminal: bool) -> Self {
        Style { color: is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) }
    }
    pub fn stdout() -> Self {
        Self::for_terminal(std::io::stdout().is_terminal())
    }
    pub fn stderr() -> Self {
        Self::for_terminal(std::io::stderr().is_terminal())
    }
    fn paint(self, code: &str, text: &str) -> String {
        if self.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
    }
    fn red(self, t: &str) -> String {
        self.paint("31", t)
    }
    fn yellow(self, t: &str) -> String {
        self.paint("33", t)
    }
    fn green(self, t: &str) -> String {
        self.paint("32", t)
    }
    fn bold(self, t: &str) -> String {
        self.paint("1", t)
    }
    fn dim(self, t: &str) -> String {
        self.paint("2", t)
    }
    /// Colours a text by the urgency of `days` left.
    fn by_days(self, days: i64, t: &str) -> String {
        if days < 7 {
            self.red(t)
        } else if days < 30 {
            self.yellow(t)
        } else {
            self.green(t)
        }
    }
    fn severity(self, s: Severity) -> String {
        match s {
            Severity::Error => self.red("error"),
            Severity::Warning => self.yellow("warning"),
            _ => self.dim(s.as_str()),
        }
    }
}

pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

fn days_text(days: i64) -> String {
    // `days` is floored (-1 within the first day after expiry).
    match days {
        -1 => "expired today".to_owned(),
        d if d < 0 => format!("expired {} days ago", -d - 1),
        d => format!("{d} days left"),
    }
}

fn sans(c: &CertificateInfo) -> Vec<String> {
    // Names come from the certificate: shown escaped (raw in the JSON output's fields).
    let mut v: Vec<String> = c.dns_names.iter().map(|d| format!("DNS:{}", safe(d))).collect();
    v.extend(c.ip_addresses.iter().map(|i| format!("IP:{}", safe(i))));
    v.extend(c.emails.iter().map(|e| format!("email:{}", safe(e))));
    v
}

fn key_text(c: &CertificateInfo) -> String {
    match &c.curve {
        Some(curve) => format!("{} {} ({} bits)", c.key_type, curve, c.key_bits),
        None => format!("{} {} bits", c.key_type, c.key_bits),
    }
}

/// The chain as a tree: leaf first, each certificate under the one it presents.
pub fn print_chain(chain: &[Certificate], style: Style) {
    out!("{}", chain_text(chain, style, ""));
}

fn chain_text(chain: &[Certificate], style: Style, indent: &str) -> String {
    let now = now();
    let mut out = String::new();
    for (i, c) in chain.iter().enumerate() {
        let pad = format!("{indent}{}", "   ".repeat(i));
        let branch = if i == 0 { "" } else { "└─ " };
        let inner = format!("{pad}   ");
        let days = c.days_remaining(now);
        let role = if i == 0 && !c.is_ca {
            "leaf"
        } else if c.self_signed {
            "root"
        } else if c.is_ca {
            "CA"
        } else {
            "cert"
        };
        out += &format!(
            "{pad}{branch}{} {} {}\n",
            style.bold(&format!("[{i}]")),
            style.bold(&safe(&c.subject)),
            style.dim(&format!("({role})"))
        );
        out += &format!("{inner}issuer:    {}\n", safe(&c.issuer));
        let s = sans(c);
        if !s.is_empty() {
            out += &format!("{inner}SANs:      {}\n", s.join(", "));
        }
        out += &format!("{inner}key:       {}\n", key_text(c));
        out += &format!("{inner}signature: {}\n", safe(&c.signature_algorithm));
        out += &format!(
            "{inner}validity:  {} .. {} ({})\n",
            format_time(c.not_before),
            format_time(c.not_after),
            style.by_days(days, &days_text(days))
        );
        if let Some(w) = c.weakness() {
            out += &format!("{inner}{}\n", style.red(&format!("weak: {w}")));
        }
        out += &format!("{inner}pin:       {}\n", style.dim(&c.spki_pin));
    }
    out
}

/// Code, message, hint and presented chain of an error (to stderr).
pub fn print_error(e: &Error, style: Style) {
    eprintln!("{} {}", style.red(&format!("error {}:", e.code())), e.message());
    if !e.hint().is_empty() {
        eprintln!("  hint: {}", e.hint());
    }
    if let Some(url) = e.url() {
        eprintln!("  url: {}", safe(url));
    }
    for s in e.trust_sources() {
        eprintln!("  trusted: {s}");
    }
    if !e.chain().is_empty() {
        eprintln!("  presented chain:");
        eprint!("{}", chain_text(e.chain(), style, "    "));
    }
}

pub fn print_finding(f: &Finding, style: Style, indent: &str) {
    let whom = match (&f.certificate, &f.subject) {
        (Some(i), Some(s)) => format!(" [{i}] {}:", safe(s)),
        (Some(i), None) => format!(" [{i}]:"),
        (None, Some(s)) => format!(" {}:", safe(s)),
        (None, None) => String::new(),
    };
    outln!("{indent}{} {}{whom} {}", style.severity(f.severity), f.code, safe(&f.message));
    if !f.fix.is_empty() {
        outln!("{indent}  fix: {}", safe(&f.fix));
    }
}

pub fn print_report(r: &ServerReport, style: Style) {
    outln!("{} {}", style.bold(&format!("{}:{}", safe(&r.host), r.port)), style.dim(&format!("({})", r.address)));
    outln!(
        "  protocol: {}   suite: {}   ALPN: {}",
        r.tls_version.map_or("-", |v| v.as_str()),
        r.cipher_suite.as_deref().unwrap_or("-"),
        safe(r.alpn.as_deref().unwrap_or("none"))
    );
    match (&r.http_status, &r.http_error) {
        (Some(s), _) => outln!("  HTTP: {s} ({})", r.http_version.as_deref().unwrap_or("-")),
        (None, Some(e)) => outln!("  HTTP: {}", style.yellow(&format!("failed: {}", e))),
        (None, None) => {}
    }
    match &r.hsts {
        Some(h) => outln!("  HSTS: {}", safe(h)),
        None => outln!("  HSTS: {}", style.yellow("not sent")),
    }
    for w in &r.warnings {
        outln!("  {}", style.yellow(&format!("warning: {}", safe(w))));
    }
    if !r.insecure_cookies.is_empty() {
        outln!("  {}", style.yellow(&format!("cookies without Secure: {}", safe(&r.insecure_cookies.join(", ")))));
    }
    if r.ocsp_stapled {
        outln!("  OCSP: stapled");
    }
    outln!(
        "\nchain: {} presented, {}, {}",
        r.chain.len(),
        if r.chain_complete { "complete".to_owned() } else { style.red("incomplete") },
        if r.chain_ordered { "ordered".to_owned() } else { style.yellow("out of order") }
    );
    out!("{}", chain_text(&r.chain, style, "  "));
    outln!();
    match &r.verdict {
        None => outln!("verdict: {}", style.green("verified")),
        Some(e) => {
            outln!("verdict: {} {}", style.red(&format!("REFUSED {}", e.code())), e.message());
            if !e.hint().is_empty() {
                outln!("  hint: {}", e.hint());
            }
        }
    }
    if let Some((subject, days)) = &r.soonest_expiry {
        outln!("soonest expiry: {} ({})", safe(subject), style.by_days(*days, &days_text(*days)));
    }
    if !r.lint.is_empty() {
        outln!("\nlint:");
        for f in &r.lint {
            print_finding(f, style, "  ");
        }
    }
    if let Some(a) = &r.audit {
        outln!("\naudit:");
        for v in &a.versions {
            let mark = if v.accepted {
                if v.version < tlsguard::TlsVersion::Tls12 { style.red("accepted") } else { style.green("accepted") }
            } else {
                style.dim("refused")
            };
            outln!("  {:<10} {mark}  {}", v.version, style.dim(&safe(&v.detail)));
        }
        for s in &a.legacy_suites {
            let mark = if s.accepted { style.red("accepted") } else { style.green("refused") };
            outln!("  {:<10} {mark}  {}", s.category, style.dim(&safe(&s.detail)));
        }
    }
}

/// The `--from` summary: one line per host, sorted by days left (failures last).
pub fn print_summary(results: &mut [HostResult], style: Style) {
    let key = |r: &HostResult| match &r.outcome {
        Ok(rep) => (0, rep.soonest_expiry.as_ref().map(|s| s.1).or(rep.leaf_days_remaining).unwrap_or(i64::MAX)),
        Err(_) => (1, 0),
    };
    results.sort_by(|a, b| key(a).cmp(&key(b)).then_with(|| a.target.cmp(&b.target)));
    let width = results.iter().map(|r| safe(&r.target).chars().count()).max().unwrap_or(4).max(4);
    outln!("{:<width$}  {:>9}  {:<8}  {}", "HOST", "DAYS LEFT", "TLS", "VERDICT");
    for r in results.iter() {
        match &r.outcome {
            Ok(rep) => {
                let days = rep.soonest_expiry.as_ref().map(|s| s.1).or(rep.leaf_days_remaining);
                let days_s = days.map(|d| d.to_string()).unwrap_or_else(|| "-".into());
                let days_s = match days {
                    Some(d) => style.by_days(d, &format!("{days_s:>9}")),
                    None => format!("{days_s:>9}"),
                };
                let verdict = match &rep.verdict {
                    None => style.green("verified"),
                    Some(e) => style.red(&format!("{}: {}", e.code(), e.message())),
                };
                outln!(
                    "{:<width$}  {days_s}  {:<8}  {verdict}",
                    safe(&r.target),
                    rep.tls_version.map_or("-", |v| v.as_str())
                );
            }
            Err(e) => {
                outln!(
                    "{:<width$}  {:>9}  {:<8}  {}",
                    safe(&r.target),
                    "-",
                    "-",
                    style.red(&format!("{}: {}", e.code(), e.message()))
                );
            }
        }
    }
}

/// Any of the core's report types as JSON (their `Serialize`: every field).
pub fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("the core's report types serialize to JSON")
}

/// A certificate: every field of [`CertificateInfo`] (times in Unix seconds, `der` in base64),
/// plus `days_remaining` and `weakness`.
pub fn cert_json(c: &Certificate) -> Value {
    let mut v = to_json(c);
    if let Value::Object(m) = &mut v {
        m.insert("days_remaining".into(), json!(c.days_remaining(now())));
        m.insert("weakness".into(), json!(c.weakness()));
    }
    v
}

/// An error: `code`, `category`, `message`, `hint`, `url`, `chain` (as [`cert_json`]),
/// `trust_sources`.
pub fn error_json(e: &Error) -> Value {
    let mut v = to_json(e);
    v["chain"] = e.chain().iter().map(cert_json).collect();
    v
}

pub fn finding_json(f: &Finding) -> Value {
    to_json(f)
}

/// `host`, `port`, `ok`, `verified`, `code` (the verdict's), then every field of
/// [`ServerReport`], with certificates as [`cert_json`] and errors as [`error_json`].
pub fn report_json(r: &ServerReport) -> Value {
    let mut m = Map::new();
    m.insert("host".into(), json!(r.host));
    m.insert("port".into(), json!(r.port));
    m.insert("ok".into(), json!(true));
    m.insert("verified".into(), json!(r.is_verified()));
    m.insert("code".into(), json!(r.verdict.as_ref().map(|e| e.code().as_str())));
    if let Value::Object(fields) = to_json(r) {
        for (k, v) in fields {
            m.entry(k).or_insert(v);
        }
    }
    m.insert("chain".into(), r.chain.iter().map(cert_json).collect());
    m.insert("verdict".into(), r.verdict.as_ref().map_or(Value::Null, error_json));
    m.insert("http_error".into(), r.http_error.as_ref().map_or(Value::Null, error_json));
    Value::Object(m)
}
