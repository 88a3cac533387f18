//! The language-neutral manifest and the scenario table.
//!
//! `manifest.json` lists every scenario: a URL on one of the running servers,
//! the client options to use (snake_case keys the core understands), optional
//! request extras, and what must happen (an error code from
//! `tests/errors.json`, or a status). The Rust, Python, Node and PHP suites all
//! loop over the same list.
//!
//! Almost every scenario trusts only the test root (`"roots": "none"` plus
//! `"ca_file"`), so nothing depends on the machine's trust store. The pin-only
//! scenarios trust nothing but the pin.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::pki::{INTERMEDIATE_CN, KEY_PASSWORD, Pki, UNTRUSTED_ROOT_CN};

/// Version of the manifest format.
pub const MANIFEST_VERSION: u32 = 1;

/// The content of `manifest.json`.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Manifest {
    pub version: u32,
    /// Absolute path of the kit directory.
    pub dir: String,
    /// Name -> absolute path of the generated PEM (and a few DER) files.
    pub pki: BTreeMap<String, String>,
    pub scenarios: Vec<Scenario>,
    /// Server name -> base URL (`https://localhost:PORT`, `http://127.0.0.1:PORT`
    /// for `plain` and `proxy`), for tests beyond the scenario table.
    #[serde(default)]
    pub servers: BTreeMap<String, String>,
}

impl Manifest {
    /// Reads a manifest written by the kit (e.g. by `tlsguard-testkit serve`).
    pub fn load(path: &Path) -> std::io::Result<Manifest> {
        let text = std::fs::read_to_string(path)?;
        serde_json::from_str(&text).map_err(std::io::Error::other)
    }

    /// The scenario with this name.
    pub fn scenario(&self, name: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.name == name)
    }
}

/// One request against one server, and its expected outcome.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// `GET` usually.
    pub method: String,
    pub url: String,
    /// Client options (language-neutral snake_case keys).
    pub options: Map<String, Value>,
    /// Per-request extras: `{"headers": {..}, "body": "..."}`; usually empty.
    pub request: Map<String, Value>,
    pub expect: Expect,
}

/// What a scenario must produce.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct Expect {
    /// Expected error code (e.g. `CERT_EXPIRED`); `None` = success.
    pub code: Option<String>,
    /// Expected status on success.
    pub status: Option<u16>,
    /// Facts the error message must contain (dates, names, versions).
    pub message_contains: Vec<String>,
    /// Substrings of the decoded success body.
    pub body_contains: Vec<String>,
    /// `HTTP/2` or `HTTP/1.1` when asserted.
    pub http_version: Option<String>,
    /// `TLSv1.2` / `TLSv1.3` when asserted.
    pub tls_version: Option<String>,
    /// When set, the request (error or success) must end within this many seconds, and the
    /// same client must then still get a 200 from the `good` server (the hostile-server rows).
    #[serde(default)]
    pub max_seconds: Option<f64>,
    /// Keys the error's `detail` must have (snake_case; camelCase in Node), each with a text
    /// its value must contain: the text itself, or one element of a list. An empty text only
    /// asks for the key to be there (with a value other than null/None). Empty = not checked.
    #[serde(default)]
    pub detail: BTreeMap<String, String>,
    /// A text that the message of the error's cause (Rust `source()`, Python `__cause__`, Node
    /// `cause`, PHP `getPrevious()`) must contain.
    #[serde(default)]
    pub cause_contains: Option<String>,
}

/// Builder for one scenario row.
struct Row(Scenario);

impl Row {
    fn new(name: &str, description: &str, url: String) -> Row {
        Row(Scenario {
            name: name.to_string(),
            description: description.to_string(),
            method: "GET".to_string(),
            url,
            options: Map::new(),
            request: Map::new(),
            expect: Expect::default(),
        })
    }
    fn opt(mut self, key: &str, value: impl Into<Value>) -> Row {
        self.0.options.insert(key.to_string(), value.into());
        self
    }
    fn req(mut self, key: &str, value: impl Into<Value>) -> Row {
        self.0.request.insert(key.to_string(), value.into());
        self
    }
    fn method(mut self, m: &str) -> Row {
        self.0.method = m.to_string();
        self
    }
    fn code(mut self, code: &str) -> Row {
        self.0.expect.code = Some(code.to_string());
        self
    }
    fn status(mut self, status: u16) -> Row {
        self.0.expect.status = Some(status);
        self
    }
    fn msg(mut self, fact: &str) -> Row {
        self.0.expect.message_contains.push(fact.to_string());
        self
    }
    fn body(mut self, fact: &str) -> Row {
        self.0.expect.body_contains.push(fact.to_string());
        self
    }
    fn http(mut self, v: &str) -> Row {
        self.0.expect.http_version = Some(v.to_string());
        self
    }
    fn tls(mut self, v: &str) -> Row {
        self.0.expect.tls_version = Some(v.to_string());
        self
    }
    /// The error's detail has `key`, and its value contains `fact` ("" = just present).
    fn detail(mut self, key: &str, fact: &str) -> Row {
        self.0.expect.detail.insert(key.to_string(), fact.to_string());
        self
    }
    fn cause(mut self, fact: &str) -> Row {
        self.0.expect.cause_contains = Some(fact.to_string());
        self
    }
    fn within(mut self, seconds: f64) -> Row {
        self.0.expect.max_seconds = Some(seconds);
        self
    }
}

/// Whole-request timeout of the hostile-server rows.
const HOSTILE_TIMEOUT: f64 = 2.0;
/// How long a hostile-server row may take: the timeout plus a margin for a loaded machine.
const HOSTILE_MAX_SECONDS: f64 = HOSTILE_TIMEOUT + 1.5;
/// `max_response_bytes` of the hostile-server rows (the bombs inflate to 1 GiB).
const HOSTILE_CAP: u64 = 8 * 1024 * 1024;

/// What the scenario table needs to know about the running kit.
pub(crate) struct Facts<'a> {
    /// Server name -> port (rustls, openssl, `plain`, `proxy`).
    pub ports: &'a BTreeMap<&'static str, u16>,
    /// A port that was bound and closed (nothing listens there).
    pub closed_port: u16,
    pub pki: &'a Pki,
}

impl Facts<'_> {
    fn port(&self, server: &str) -> u16 {
        *self.ports.get(server).unwrap_or_else(|| panic!("no server {server}"))
    }
    fn https(&self, server: &str, path: &str) -> String {
        format!("https://localhost:{}{path}", self.port(server))
    }
    fn https_ip(&self, server: &str, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.port(server))
    }
    fn file(&self, name: &str) -> String {
        self.pki.files.get(name).unwrap_or_else(|| panic!("no pki file {name}")).display().to_string()
    }
}

/// Server name -> base URL.
pub(crate) fn servers(f: &Facts<'_>) -> BTreeMap<String, String> {
    f.ports
        .iter()
        .map(|(name, port)| {
            let url = match *name {
                "plain" | "proxy" => format!("http://127.0.0.1:{port}"),
                _ => format!("https://localhost:{port}"),
            };
            (name.to_string(), url)
        })
        .collect()
}

/// The scenario table.
pub(crate) fn scenarios(f: &Facts<'_>) -> Vec<Scenario> {
    let ca = f.file("root_ca");
    // A row that trusts only the test root.
    let t = |name: &str, description: &str, url: String| {
        Row::new(name, description, url).opt("roots", "none").opt("ca_file", ca.clone())
    };
    // A row that trusts nothing but a pin.
    let pin_only = |name: &str, description: &str, url: String, pin: &str| {
        Row::new(name, description, url).opt("roots", "none").opt("pins", json!([pin]))
    };
    let pins = &f.pki.pins;
    let plain = format!("http://127.0.0.1:{}/", f.port("plain"));
    let client = |row: Row, cert: &str, key: &str| row.opt("client_cert", f.file(cert)).opt("client_key", f.file(key));

    let rows = vec![
        // --- success baselines -------------------------------------------------
        t("good", "Valid leaf + intermediate from the trusted test root; the baseline.", f.https("good", "/"))
            .status(200)
            .body("hello"),
        t("good_ip", "Same server by IP address; the leaf has IP:127.0.0.1 in its SAN.", f.https_ip("good", "/"))
            .status(200)
            .body("hello"),
        t("good_h1", "HTTP/1.1 by default: ALPN offers only http/1.1.", f.https("good", "/"))
            .status(200)
            .http("HTTP/1.1"),
        t("good_h2", "http2=true: ALPN offers h2 and http/1.1; the server picks HTTP/2.", f.https("good", "/"))
            .opt("http2", true)
            .status(200)
            .http("HTTP/2"),
        t("json", "A JSON body.", f.https("good", "/json")).status(200).body("world"),
        t("post_echo", "POST with a body and a header; /echo returns them.", f.https("good", "/echo"))
            .method("POST")
            .req("headers", json!({"content-type": "text/plain", "x-tlsguard-test": "yes"}))
            .req("body", "ping=1")
            .status(200)
            .body("ping=1")
            .body("x-tlsguard-test"),
        // --- TLS versions --------------------------------------------------------
        t("tls12_only", "Server accepts only TLS 1.2.", f.https("tls12_only", "/")).status(200).tls("TLSv1.2"),
        t("tls13_only", "Server accepts only TLS 1.3.", f.https("tls13_only", "/")).status(200).tls("TLSv1.3"),
        t("min_tls13_vs_tls12", "min_tls 1.3 against the TLS 1.2-only server.", f.https("tls12_only", "/"))
            .opt("min_tls", "1.3")
            .code("TLS_PROTOCOL_VERSION")
            .detail("offered", "TLSv1.2"),
        t("tls10_only", "openssl s_server speaking only TLS 1.0.", f.https("tls10_only", "/"))
            .code("TLS_PROTOCOL_VERSION")
            .msg("accepts only TLSv1.0")
            .detail("offered", "TLSv1.0"),
        t("tls11_only", "openssl s_server speaking only TLS 1.1.", f.https("tls11_only", "/"))
            .code("TLS_PROTOCOL_VERSION")
            .msg("accepts only TLSv1.1")
            .detail("offered", "TLSv1.1"),
        t("cbc_only", "openssl s_server with TLS 1.2 RSA key exchange + CBC suites only.", f.https("cbc_only", "/"))
            .code("TLS_NO_SHARED_CIPHER")
            .msg("CBC")
            .detail("offered", "TLS_"),
        // --- the same legacy cases on GnuTLS (gnutls-serv; see gnutls.rs) -----------
        t("gnutls_tls10_only", "gnutls-serv speaking only TLS 1.0.", f.https("gnutls_tls10_only", "/"))
            .code("TLS_PROTOCOL_VERSION")
            .msg("accepts only TLSv1.0")
            .detail("offered", "TLSv1.0"),
        t("gnutls_tls11_only", "gnutls-serv speaking only TLS 1.1.", f.https("gnutls_tls11_only", "/"))
            .code("TLS_PROTOCOL_VERSION")
            .msg("accepts only TLSv1.1")
            .detail("offered", "TLSv1.1"),
        t(
            "gnutls_cbc_only",
            "gnutls-serv, TLS 1.2, ECDHE-ECDSA with AES-CBC suites only.",
            f.https("gnutls_cbc_only", "/"),
        )
        .code("TLS_NO_SHARED_CIPHER")
        .msg("CBC (TLS_ECDHE_ECDSA_WITH_AES_")
        .detail("offered", "TLS_ECDHE_ECDSA_WITH_AES_"),
        t(
            "gnutls_rsa_kex_only",
            "gnutls-serv, TLS 1.2, RSA key exchange with AES-GCM only.",
            f.https("gnutls_rsa_kex_only", "/"),
        )
        .code("TLS_NO_SHARED_CIPHER")
        .msg("RSA key exchange (TLS_RSA_WITH_AES_")
        .detail("offered", "TLS_RSA_WITH_AES_"),
        t(
            "gnutls_ffdhe_only",
            "gnutls-serv, TLS 1.2, finite-field DHE-RSA suites only (rustls offers no FFDHE).",
            f.https("gnutls_ffdhe_only", "/"),
        )
        .code("TLS_NO_SHARED_CIPHER")
        .msg("DHE key exchange (TLS_DHE_RSA_WITH_")
        .detail("offered", "TLS_DHE_RSA_WITH_"),
        // --- certificate failures ------------------------------------------------
        t("expired", "Leaf notAfter is yesterday.", f.https("expired", "/"))
            .code("CERT_EXPIRED")
            .msg(&f.pki.expired_date)
            .detail("subject", "localhost")
            .detail("not_after", "")
            .detail("now", ""),
        t("not_yet_valid", "Leaf notBefore is in two days.", f.https("not_yet_valid", "/"))
            .code("CERT_NOT_YET_VALID")
            .msg(&f.pki.not_yet_valid_date)
            .detail("subject", "")
            .detail("not_before", "")
            .detail("now", ""),
        t("wrong_host", "Leaf is for DNS:wrong.example only.", f.https("wrong_host", "/"))
            .code("CERT_HOSTNAME_MISMATCH")
            .msg("wrong.example")
            .detail("expected", "localhost")
            .detail("presented", "wrong.example"),
        t("cn_only", "Leaf has CN=localhost and no subjectAltName at all.", f.https("cn_only", "/"))
            .code("CERT_HOSTNAME_MISMATCH")
            .msg("localhost")
            .detail("expected", "localhost")
            .detail("presented", ""),
        t("self_signed", "Self-signed CA:FALSE leaf for localhost.", f.https("self_signed", "/"))
            .code("CERT_SELF_SIGNED")
            .detail("subject", "")
            .detail("pin", &pins.self_signed),
        t(
            "ca_as_leaf",
            "A CA:TRUE certificate for localhost used as the server certificate.",
            f.https("ca_as_leaf", "/"),
        )
        .code("CERT_CA_AS_LEAF")
        .detail("subject", ""),
        t(
            "untrusted_root",
            "Chain leaf + intermediate + root of the untrusted hierarchy.",
            f.https("untrusted_root", "/"),
        )
        .code("CERT_UNKNOWN_ISSUER")
        .msg(UNTRUSTED_ROOT_CN)
        .detail("issuer", UNTRUSTED_ROOT_CN),
        t(
            "missing_intermediate",
            "Server sends only the leaf (its AIA points at /pki/intermediate.der).",
            f.https("missing_intermediate", "/"),
        )
        .code("CERT_INCOMPLETE_CHAIN")
        .msg(INTERMEDIATE_CN)
        .detail("issuer", INTERMEDIATE_CN)
        .detail("aia_url", "/pki/intermediate.der"),
        // The AIA URL is on 127.0.0.1: the fetch reaches only public addresses unless
        // aia_allow_private says otherwise (a private PKI, as here).
        t(
            "aia_private_refused",
            "Leaf only, fetch_missing_intermediates on: its AIA URL on 127.0.0.1 is not fetched.",
            f.https("missing_intermediate", "/"),
        )
        .opt("fetch_missing_intermediates", true)
        .code("CERT_INCOMPLETE_CHAIN")
        .msg("could not fetch the intermediate from the CA issuers URL http://127.0.0.1:")
        .detail("issuer", INTERMEDIATE_CN)
        .detail("aia_url", "http://127.0.0.1:"),
        t(
            "aia_private_allowed",
            "Leaf only, fetch_missing_intermediates and aia_allow_private on: fetched, accepted.",
            f.https("missing_intermediate", "/"),
        )
        .opt("fetch_missing_intermediates", true)
        .opt("aia_allow_private", true)
        .status(200),
        t("rsa1024", "openssl s_server with an RSA-1024 leaf.", f.https("rsa1024", "/"))
            .code("CERT_WEAK_ALGORITHM")
            .msg("1024")
            .detail("subject", "")
            .detail("what", "key")
            .detail("why", "1024"),
        t("sha1_signed", "openssl s_server with a leaf signed ecdsa-with-SHA1.", f.https("sha1_signed", "/"))
            .code("CERT_WEAK_ALGORITHM")
            .detail("what", "signature")
            .detail("why", "SHA-1"),
        t("client_auth_eku", "Leaf EKU is clientAuth only.", f.https("client_auth_eku", "/"))
            .code("CERT_INVALID_PURPOSE")
            .detail("expected", "serverAuth")
            .detail("presented", "clientAuth"),
        t(
            "name_constrained",
            "Intermediate permits only DNS example.com; the leaf is for localhost.",
            f.https("name_constrained", "/"),
        )
        .code("CERT_NAME_CONSTRAINTS"),
        t("revoked", "Leaf is listed in the intermediate's CRL, which is supplied.", f.https("revoked", "/"))
            .opt("crls", json!([f.file("crl")]))
            .code("CERT_REVOKED")
            .detail("subject", "")
            .detail("serial", ""),
        t("revoked_no_crl", "Same revoked leaf without CRLs: no revocation checking.", f.https("revoked", "/"))
            .status(200),
        t("crl_out_of_date", "The intermediate's CRL is past its nextUpdate: status unknown.", f.https("good", "/"))
            .opt("crls", json!([f.file("crl_expired")]))
            .code("CERT_REVOCATION_UNKNOWN")
            .msg(INTERMEDIATE_CN)
            .detail("crl_issuer", INTERMEDIATE_CN)
            .detail("next_update", ""),
        // --- client certificates -------------------------------------------------
        t("client_cert_required", "mTLS server, no client certificate.", f.https("mtls", "/"))
            .code("TLS_CLIENT_CERT_REQUIRED"),
        client(
            t("client_cert_ok", "mTLS with an EC client cert, PKCS#8 key.", f.https("mtls", "/")),
            "client_cert",
            "client_key_pkcs8",
        )
        .status(200),
        client(
            t("client_cert_pkcs1", "mTLS with an RSA client cert, PKCS#1 key.", f.https("mtls", "/")),
            "client_cert_rsa",
            "client_key_pkcs1",
        )
        .status(200),
        client(
            t("client_cert_sec1", "mTLS with an EC client cert, SEC1 key.", f.https("mtls", "/")),
            "client_cert",
            "client_key_sec1",
        )
        .status(200),
        client(
            t("client_cert_encrypted", "mTLS with an encrypted PKCS#8 key.", f.https("mtls", "/")),
            "client_cert",
            "client_key_encrypted",
        )
        .opt("client_key_password", KEY_PASSWORD)
        .status(200),
        client(
            t("client_cert_untrusted", "mTLS with a client cert from the untrusted root.", f.https("mtls", "/")),
            "client_cert_untrusted",
            "client_key_untrusted",
        )
        .code("TLS_CLIENT_CERT_REQUIRED"),
        // --- pinning -----------------------------------------------------------------
        t("pin_match", "CA trust plus a pin of the intermediate's key.", f.https("good", "/"))
            .opt("pins", json!([pins.intermediate]))
            .status(200),
        t("pin_leaf_match", "CA trust plus a pin of the leaf's key.", f.https("good", "/"))
            .opt("pins", json!([pins.leaf]))
            .status(200),
        t("pin_mismatch", "CA trust plus a pin of an unrelated key.", f.https("good", "/"))
            .opt("pins", json!([pins.unrelated]))
            .code("CERT_PIN_MISMATCH")
            .detail("pins", &pins.unrelated)
            .detail("chain_pins", &pins.leaf),
        pin_only(
            "pin_only_self_signed",
            "No CA; the self-signed leaf's key is pinned.",
            f.https("self_signed", "/"),
            &pins.self_signed,
        )
        .status(200),
        pin_only(
            "pin_only_wrong_host",
            "Pinned self-signed cert (DNS:localhost only) reached as 127.0.0.1.",
            f.https_ip("self_signed", "/"),
            &pins.self_signed,
        )
        .code("CERT_HOSTNAME_MISMATCH")
        .detail("expected", "127.0.0.1")
        .detail("presented", "localhost"),
        pin_only(
            "pin_only_expired",
            "Pinned, expired self-signed cert: dates are still checked.",
            f.https("self_signed_expired", "/"),
            &pins.self_signed_expired,
        )
        .code("CERT_EXPIRED")
        .msg(&f.pki.expired_date)
        .detail("not_after", ""),
        // --- certificate text that would act on a terminal or a log -------------------
        // The messages show it escaped (`\x1b`, `\u{202e}`): every language checks the
        // escaped form of the whole name is there, so no raw byte of it can be.
        t(
            "hostile_names",
            "Self-signed cert whose CN carries ESC sequences, BEL, CR/LF and a bidi override.",
            f.https("hostile_names", "/"),
        )
        .code("CERT_SELF_SIGNED")
        .msg(r"evil\x1b]0\;pwned\x07\x1b[2K\x0d\x0aOK \u{202e}gpj.exe"),
        pin_only(
            "hostile_names_mismatch",
            "Pinned cert with an ESC in a DNS SAN, reached as 127.0.0.1: the names listed are escaped.",
            f.https_ip("hostile_names", "/"),
            &pins.hostile_names,
        )
        .code("CERT_HOSTNAME_MISMATCH")
        .msg(r"evil\x1b[31m.example"),
        // --- HTTP policy ---------------------------------------------------------------
        t("insecure_url", "Plain http:// URL without allow_http.", plain.clone()).code("INSECURE_URL"),
        t("allow_http", "Plain http:// URL with allow_http=true.", plain.clone())
            .opt("allow_http", true)
            .status(200)
            .body("hello over http"),
        t("redirect_to_http", "HTTPS redirects to http://.", f.https("good", "/redirect/http")).code("HTTP_DOWNGRADE"),
        t("redirect_loop", "A redirect to itself.", f.https("good", "/redirect/loop")).code("TOO_MANY_REDIRECTS"),
        t("redirect_limit", "Three hops with max_redirects=2.", f.https("good", "/redirect/3"))
            .opt("max_redirects", 2)
            .code("TOO_MANY_REDIRECTS"),
        t("redirect_ok", "Three hops, then /echo.", f.https("good", "/redirect/3")).status(200).body("/echo"),
        t("slow", "Server waits 5 s before answering; timeout=0.5.", f.https("good", "/slow"))
            .opt("timeout", 0.5)
            .code("TIMEOUT"),
        t("slow_body", "Headers at once, body after 5 s; timeout=0.5.", f.https("good", "/slow-body"))
            .opt("timeout", 0.5)
            .code("TIMEOUT"),
        t("huge", "8 MiB body with max_response_bytes=1 MiB.", f.https("good", "/huge"))
            .opt("max_response_bytes", 1_048_576)
            .code("RESPONSE_TOO_LARGE"),
        t(
            "gzip_bomb",
            "Small gzip body inflating to 64 MiB, max_response_bytes=10 MiB.",
            f.https("good", "/gzip-bomb"),
        )
        .opt("max_response_bytes", 10_485_760)
        .code("RESPONSE_TOO_LARGE"),
        t("gzip", "Content-Encoding: gzip.", f.https("good", "/gzip")).status(200).body("hello"),
        t("deflate", "Content-Encoding: deflate (zlib).", f.https("good", "/deflate")).status(200).body("hello"),
        t("br", "Content-Encoding: br.", f.https("good", "/br")).status(200).body("hello"),
        t("chunked", "Five chunks without Content-Length.", f.https("good", "/chunked"))
            .status(200)
            .body("chunk 0")
            .body("chunk 4"),
        t("connect_refused", "Nothing listens on the port.", format!("https://127.0.0.1:{}/", f.closed_port))
            .code("CONNECT")
            .cause("refused"),
        t("via_proxy", "Through the CONNECT proxy.", f.https("good", "/"))
            .opt("proxy", format!("http://127.0.0.1:{}", f.port("proxy")))
            .status(200)
            .body("hello"),
    ];
    rows.into_iter().chain(hostile_rows(f, &ca)).map(|r| r.0).collect()
}

/// The hostile-server rows (see `hostile.rs`): each ends with its code within
/// [`HOSTILE_MAX_SECONDS`], and the client then still works.
fn hostile_rows(f: &Facts<'_>, ca: &str) -> Vec<Row> {
    let h = |name: &str, description: &str, server: &str, path: &str| {
        Row::new(name, description, f.https(server, path))
            .opt("roots", "none")
            .opt("ca_file", ca.to_owned())
            .opt("timeout", HOSTILE_TIMEOUT)
            .opt("max_response_bytes", HOSTILE_CAP)
            .within(HOSTILE_MAX_SECONDS)
    };
    let h1 = |name: &str, description: &str, path: &str| h(name, description, "hostile_h1", path);
    vec![
        h1(
            "hostile_ce_chain",
            "Content-Encoding names 50,000 codings (the body: 2,800 nested gzip layers); at most 5 are decoded.",
            "/ce-chain",
        )
        .code("HTTP_PROTOCOL")
        .msg("(50000 codings)"),
        h1("hostile_te_chain", "Transfer-Encoding: gzip x6, chunked; at most 5 codings.", "/te-chain")
            .code("HTTP_PROTOCOL")
            .msg("Transfer-Encoding"),
        h1("hostile_gzip_bomb", "1 MiB of gzip inflating to 1 GiB; max_response_bytes=8 MiB.", "/gzip-bomb")
            .code("RESPONSE_TOO_LARGE")
            .msg("(gzip)"),
        h1("hostile_deflate_bomb", "1 MiB of zlib inflating to 1 GiB; max_response_bytes=8 MiB.", "/deflate-bomb")
            .code("RESPONSE_TOO_LARGE")
            .msg("(deflate)"),
        h1("hostile_br_bomb", "A few KiB of brotli inflating to 1 GiB; max_response_bytes=8 MiB.", "/br-bomb")
            .code("RESPONSE_TOO_LARGE")
            .msg("(br)"),
        h1("hostile_many_headers", "100,000 response header fields.", "/many-headers")
            .code("HTTP_PROTOCOL")
            .msg("too large"),
        h1("hostile_big_header", "One 1 MiB response header line.", "/big-header")
            .code("HTTP_PROTOCOL")
            .msg("too large"),
        h1("hostile_endless_trailers", "A chunked body whose trailer fields never end.", "/endless-trailers")
            .code("HTTP_PROTOCOL")
            .msg("trailers"),
        h1("hostile_drip", "Content-Length: 100, one byte a second; timeout=2 holds.", "/drip")
            .code("TIMEOUT")
            .msg("timed out after 2 s"),
        h1("hostile_too_long", "Body longer than its Content-Length: the body ends at Content-Length.", "/too-long")
            .status(200)
            .body("hello"),
        h(
            "hostile_h2_continuation",
            "HTTP/2 HEADERS without END_HEADERS, then CONTINUATION frames without end.",
            "hostile_h2_continuation",
            "/",
        )
        .opt("http2", true)
        .code("HTTP_PROTOCOL")
        .msg("too_many_continuations"),
        h(
            "hostile_h2_reset",
            "HTTP/2 server answering every request with RST_STREAM(REFUSED_STREAM) and 10,000 more RST_STREAM.",
            "hostile_h2_reset",
            "/",
        )
        .opt("http2", true)
        .code("HTTP_PROTOCOL")
        .msg("refused stream"),
        h(
            "hostile_chain_300",
            "The server presents 300 certificates (the leaf and 299 copies of the intermediate).",
            "hostile_chain_300",
            "/",
        )
        .code("TLS_HANDSHAKE")
        .msg("over 64 KiB"),
        h("hostile_cert_1mb", "A Certificate message over 1 MiB (a 1 MiB junk entry).", "hostile_cert_1mb", "/")
            .code("TLS_HANDSHAKE")
            .msg("over 64 KiB"),
    ]
}
