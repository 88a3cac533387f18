//! Protocol audit: which TLS versions and which legacy cipher-suite categories a server
//! accepts, found with hand-built ClientHello messages.
//!
//! Used only for inspection and diagnosis, **never** for requests: nothing here completes a
//! handshake, verifies a certificate or carries data. Each probe opens a fresh TCP connection,
//! sends one ClientHello record, reads only the first handshake message of the answer (a few
//! hundred bytes; at most `MAX_ANSWER`) and closes the connection:
//!
//! * a ServerHello for the offered version → accepted (for TLS 1.3, the `supported_versions`
//!   extension of the ServerHello, or of a HelloRetryRequest, must select 0x0304);
//! * a ServerHello for another version, an alert, EOF, a reset → refused.
//!
//! # ClientHello layout (RFC 5246 §7.4.1.2, RFC 8446 §4.1.2)
//!
//! ```text
//! record:     16 | 03 01 | len(2)                      handshake, record version TLS 1.0
//! handshake:  01 | len(3)                               client_hello
//! body:       client_version(2)                         0301 / 0302 / 0303 (0303 for the 1.3 probe)
//!             random(32)
//!             session_id: len(1) + id                   empty; 32 bytes in the 1.3 probe (middlebox compat)
//!             cipher_suites: len(2) + 2 bytes each
//!             compression_methods: 01 00                null only
//!             extensions: len(2) + each type(2) len(2) data:
//!               0000 server_name           list len(2), 00 host_name, len(2), name (DNS names only)
//!               000a supported_groups      x25519 001d, secp256r1 0017, secp384r1 0018
//!               000b ec_point_formats      01 00 (uncompressed)
//!               000d signature_algorithms  TLS 1.2+ only: ECDSA, RSA-PSS, RSA PKCS#1 (SHA-2 and SHA-1), Ed25519
//!               0017 extended_master_secret (empty)
//!               ff01 renegotiation_info    00 (initial handshake)
//!               002b supported_versions    1.3 probe only: 02 0304
//!               0033 key_share             1.3 probe only: x25519 with a 32-byte public value
//! ```
//!
//! The version probes offer a broad suite list (ECDHE with AES-GCM/ChaCha20, ECDHE-CBC,
//! DHE with GCM/ChaCha20/CBC, RSA key exchange with GCM and CBC), so the only variable is the
//! version. The category probes offer only that category's suites, at TLS 1.2 (or at the
//! highest older version the server accepts).
//!
//! # Time and concurrency
//!
//! Probes use tokio's asynchronous sockets: they occupy no thread while waiting, and the
//! probes of one phase (the four versions, then the five suite categories) run concurrently
//! on the calling task. Every probe ends at a deadline given by the caller (`timeout_at`);
//! dropping the future ends them all at once and closes their sockets (nothing is spawned,
//! so nothing outlives the request a diagnosis was for).
//!
//! # What servers answer (observed)
//!
//! Servers differ in how they refuse a ClientHello they cannot serve, so the diagnosis never
//! trusts the alert alone: it probes the versions first and the suite categories after.
//!
//! * OpenSSL 3 `s_server -tls1` (TLS 1.0 only) answers rustls' TLS 1.2/1.3 ClientHello with a
//!   `protocol_version` alert.
//! * GnuTLS 3.7 `gnutls-serv --priority NORMAL:-VERS-ALL:+VERS-TLS1.0` (or `+VERS-TLS1.1`)
//!   negotiates the version first (TLS 1.0, from the legacy version 0x0303 of a ClientHello
//!   whose `supported_versions` it does not share), then finds none of rustls' AEAD suites
//!   usable at TLS 1.0 and answers `handshake_failure` ("No supported cipher suites have been
//!   found" in its log) - the alert a cipher mismatch gets. To a ClientHello that offers CBC
//!   suites (`openssl s_client -tls1_2`, or the TLS 1.2 probe here) it answers a ServerHello
//!   for TLS 1.0, which the probe reads as "TLS 1.2 refused".
//! * GnuTLS at TLS 1.2 with CBC-only, RSA-key-exchange-only or DHE-RSA-only priorities
//!   answers rustls with `handshake_failure`, as OpenSSL does.

mod explain;

pub(crate) use explain::explain_refusal;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use sha2::{Digest, Sha256};

use crate::tls::TlsVersion;

/// Most bytes read from one probe's answer.
const MAX_ANSWER: usize = 8 * 1024;

/// One protocol version and whether the server accepts it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ProtocolSupport {
    /// The version offered.
    pub version: TlsVersion,
    /// Whether the server answered a ClientHello offering only this version with a ServerHello
    /// for it.
    pub accepted: bool,
    /// What the server answered, e.g. `"ServerHello TLSv1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"`,
    /// `"alert protocol_version"`, `"connection closed"`.
    pub detail: String,
}

/// One category of legacy cipher suites and whether the server accepts it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct SuiteSupport {
    /// `"CBC"`, `"RSA key exchange"`, `"3DES"`, `"RC4"` or `"DHE key exchange"` (finite-field
    /// Diffie-Hellman).
    pub category: String,
    /// Whether the server chose one of this category's suites when offered only those.
    pub accepted: bool,
    /// The suite the server chose (IANA name), when accepted.
    pub suite: Option<String>,
    /// The protocol version the category was probed with (`None`: not probed, because the
    /// server accepts none of TLS 1.0 to 1.2, where these suites exist).
    pub probed_with: Option<TlsVersion>,
    /// What the server answered.
    pub detail: String,
}

/// What [`audit`](crate::inspect::audit) found.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct AuditReport {
    /// TLS 1.0, 1.1, 1.2 and 1.3, in that order.
    pub versions: Vec<ProtocolSupport>,
    /// CBC, RSA key exchange, 3DES, RC4 and DHE key exchange, in that order.
    pub legacy_suites: Vec<SuiteSupport>,
}

impl AuditReport {
    /// Whether `version` was accepted.
    pub fn accepts_version(&self, version: TlsVersion) -> bool {
        self.versions.iter().any(|v| v.version == version && v.accepted)
    }

    /// Whether the legacy suite `category` (`"CBC"`) was accepted.
    pub fn accepts_suites(&self, category: &str) -> bool {
        self.legacy_suites.iter().any(|s| s.category == category && s.accepted)
    }
}

fn version_name(wire: u16) -> String {
    match (wire, TlsVersion::from_wire(wire)) {
        (_, Some(v)) => v.as_str().into(),
        (0x0300, None) => "SSLv3".into(),
        (other, None) => format!("0x{other:04x}"),
    }
}

// Cipher suites (IANA code points).
const TLS13: &[u16] = &[0x1301, 0x1302, 0x1303];
const ECDHE_AEAD: &[u16] = &[0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8];
const ECDHE_CBC: &[u16] = &[0xc009, 0xc013, 0xc00a, 0xc014, 0xc023, 0xc027, 0xc024, 0xc028];
const DHE_AEAD: &[u16] = &[0x009e, 0x009f, 0xccaa];
const DHE_CBC: &[u16] = &[0x0033, 0x0039, 0x0067, 0x006b];
const RSA_GCM: &[u16] = &[0x009c, 0x009d];
const RSA_CBC: &[u16] = &[0x002f, 0x0035, 0x003c, 0x003d];
const TRIPLE_DES: &[u16] = &[0xc012, 0xc008, 0x0016, 0x000a];
const RC4: &[u16] = &[0xc011, 0xc007, 0x0005, 0x0004];

/// The legacy categories: name and the suites offered for it.
fn categories() -> Vec<(&'static str, Vec<u16>)> {
    vec![
        ("CBC", [ECDHE_CBC, DHE_CBC, RSA_CBC].concat()),
        ("RSA key exchange", [RSA_GCM, RSA_CBC, &[0x000a, 0x0005, 0x0004][..]].concat()),
        ("3DES", TRIPLE_DES.to_vec()),
        ("RC4", RC4.to_vec()),
        // Finite-field Diffie-Hellman (RFC 7919 groups or the server's own): rustls offers
        // none of these suites.
        ("DHE key exchange", [DHE_AEAD, DHE_CBC, &[0x0016][..]].concat()),
    ]
}

/// IANA name of a suite this module offers.
pub(crate) fn suite_name(code: u16) -> String {
    let name = match code {
        0x1301 => "TLS13_AES_128_GCM_SHA256",
        0x1302 => "TLS13_AES_256_GCM_SHA384",
        0x1303 => "TLS13_CHACHA20_POLY1305_SHA256",
        0xc02b => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        0xc02f => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        0xc02c => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        0xc030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        0xcca9 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        0xcca8 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xc009 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        0xc013 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        0xc00a => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        0xc014 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        0xc023 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        0xc027 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        0xc024 => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        0xc028 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
        0x009e => "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
        0x009f => "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
        0xccaa => "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0x0033 => "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
        0x0039 => "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
        0x0067 => "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
        0x006b => "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
        0x009c => "TLS_RSA_WITH_AES_128_GCM_SHA256",
        0x009d => "TLS_RSA_WITH_AES_256_GCM_SHA384",
        0x002f => "TLS_RSA_WITH_AES_128_CBC_SHA",
        0x0035 => "TLS_RSA_WITH_AES_256_CBC_SHA",
        0x003c => "TLS_RSA_WITH_AES_128_CBC_SHA256",
        0x003d => "TLS_RSA_WITH_AES_256_CBC_SHA256",
        0xc012 => "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
        0xc008 => "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA",
        0x0016 => "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
        0x000a => "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        0xc011 => "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
        0xc007 => "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
        0x0005 => "TLS_RSA_WITH_RC4_128_SHA",
        0x0004 => "TLS_RSA_WITH_RC4_128_MD5",
        other => return format!("0x{other:04x}"),
    };
    name.to_owned()
}

/// The SHA-256 "random" of HelloRetryRequest (RFC 8446 §4.1.3).
const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11,
    0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// 32 bytes that differ per call (client random, session id, key share). They need not be
/// secret: no probe ever completes a handshake.
fn fresh_bytes(label: &[u8]) -> [u8; 32] {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let mut h = Sha256::new();
    h.update(label);
    h.update(nanos.to_be_bytes());
    h.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_be_bytes());
    h.update(std::process::id().to_be_bytes());
    h.finalize().into()
}

fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn put_u24(out: &mut Vec<u8>, v: usize) {
    out.extend_from_slice(&(v as u32).to_be_bytes()[1..]);
}

fn extension(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    put_u16(out, kind);
    put_u16(out, data.len() as u16);
    out.extend_from_slice(data);
}

/// A ClientHello record offering exactly `version` with `suites` (see the module docs).
/// `sni` is sent when it is a DNS name (not an IP literal).
pub(crate) fn client_hello(sni: Option<&str>, version: TlsVersion, suites: &[u16]) -> Vec<u8> {
    let tls13 = version == TlsVersion::Tls13;
    let mut body = Vec::with_capacity(512);
    put_u16(&mut body, if tls13 { 0x0303 } else { version.wire() });
    body.extend_from_slice(&fresh_bytes(b"random"));
    if tls13 {
        body.push(32);
        body.extend_from_slice(&fresh_bytes(b"session"));
    } else {
        body.push(0);
    }
    put_u16(&mut body, (suites.len() * 2) as u16);
    for s in suites {
        put_u16(&mut body, *s);
    }
    body.extend_from_slice(&[1, 0]); // compression: null

    let mut ext = Vec::with_capacity(256);
    if let Some(name) = sni.filter(|n| n.parse::<std::net::IpAddr>().is_err() && !n.is_empty() && n.len() < 256) {
        let mut d = Vec::new();
        put_u16(&mut d, (name.len() + 3) as u16);
        d.push(0); // host_name
        put_u16(&mut d, name.len() as u16);
        d.extend_from_slice(name.as_bytes());
        extension(&mut ext, 0x0000, &d);
    }
    extension(&mut ext, 0x000a, &[0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18]);
    extension(&mut ext, 0x000b, &[0x01, 0x00]);
    if matches!(version, TlsVersion::Tls12 | TlsVersion::Tls13) {
        let schemes: &[u16] = &[
            0x0403, 0x0503, 0x0603, // ecdsa_secp256r1_sha256, secp384r1_sha384, secp521r1_sha512
            0x0804, 0x0805, 0x0806, // rsa_pss_rsae_sha256/384/512
            0x0401, 0x0501, 0x0601, // rsa_pkcs1_sha256/384/512
            0x0807, // ed25519
            0x0203, 0x0201, // ecdsa_sha1, rsa_pkcs1_sha1 (old servers)
        ];
        let mut d = Vec::new();
        put_u16(&mut d, (schemes.len() * 2) as u16);
        for s in schemes {
            put_u16(&mut d, *s);
        }
        extension(&mut ext, 0x000d, &d);
    }
    extension(&mut ext, 0x0017, &[]);
    extension(&mut ext, 0xff01, &[0x00]);
    if tls13 {
        extension(&mut ext, 0x002b, &[0x02, 0x03, 0x04]);
        let mut d = Vec::new();
        put_u16(&mut d, 36);
        put_u16(&mut d, 0x001d);
        put_u16(&mut d, 32);
        d.extend_from_slice(&fresh_bytes(b"x25519"));
        extension(&mut ext, 0x0033, &d);
    }
    put_u16(&mut body, ext.len() as u16);
    body.extend_from_slice(&ext);

    let mut hs = Vec::with_capacity(body.len() + 4);
    hs.push(0x01);
    put_u24(&mut hs, body.len());
    hs.extend_from_slice(&body);

    let mut record = Vec::with_capacity(hs.len() + 5);
    record.extend_from_slice(&[0x16, 0x03, 0x01]);
    put_u16(&mut record, hs.len() as u16);
    record.extend_from_slice(&hs);
    record
}

/// The first thing a server answered to a ClientHello.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Answer {
    /// A ServerHello (or HelloRetryRequest): the negotiated version (from supported_versions
    /// when present) and the chosen suite.
    Hello { version: u16, suite: u16 },
    /// A TLS alert (level, description).
    Alert(u8, u8),
    /// The connection closed (or was reset) without an answer.
    Closed,
    /// The bytes are not a TLS handshake answer.
    NotTls(String),
}

impl Answer {
    fn describe(&self) -> String {
        match self {
            Self::Hello { version, suite } => format!("ServerHello {} {}", version_name(*version), suite_name(*suite)),
            Self::Alert(_, d) => format!("alert {}", alert_name(*d)),
            Self::Closed => "connection closed without an answer".into(),
            Self::NotTls(why) => format!("not a TLS answer: {why}"),
        }
    }
}

fn alert_name(d: u8) -> String {
    match d {
        0 => "close_notify".into(),
        10 => "unexpected_message".into(),
        20 => "bad_record_mac".into(),
        40 => "handshake_failure".into(),
        42 => "bad_certificate".into(),
        47 => "illegal_parameter".into(),
        50 => "decode_error".into(),
        51 => "decrypt_error".into(),
        70 => "protocol_version".into(),
        71 => "insufficient_security".into(),
        80 => "internal_error".into(),
        86 => "inappropriate_fallback".into(),
        109 => "missing_extension".into(),
        110 => "unsupported_extension".into(),
        112 => "unrecognized_name".into(),
        other => format!("{other}"),
    }
}

/// Parses the body of a ServerHello handshake message.
fn parse_server_hello(b: &[u8]) -> Option<Answer> {
    let legacy = u16::from_be_bytes([*b.first()?, *b.get(1)?]);
    let random = b.get(2..34)?;
    let _hrr = random == HRR_RANDOM;
    let sid_len = *b.get(34)? as usize;
    let mut i = 35 + sid_len;
    let suite = u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?]);
    i += 3; // suite + compression
    let mut version = legacy;
    if let Some(len_bytes) = b.get(i..i + 2) {
        let end = (i + 2 + u16::from_be_bytes([len_bytes[0], len_bytes[1]]) as usize).min(b.len());
        i += 2;
        while i + 4 <= end {
            let kind = u16::from_be_bytes([b[i], b[i + 1]]);
            let len = u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize;
            let data = b.get(i + 4..i + 4 + len)?;
            if kind == 0x002b && len == 2 {
                version = u16::from_be_bytes([data[0], data[1]]);
            }
            i += 4 + len;
        }
    }
    Some(Answer::Hello { version, suite })
}

/// Reads records until the first handshake message is complete (or an alert, EOF, junk).
/// Reads only the bytes of that message (at most `MAX_ANSWER`), never the rest of a record.
async fn read_answer<S: AsyncRead + Unpin>(stream: &mut S) -> io::Result<Answer> {
    let mut hs: Vec<u8> = Vec::new();
    for _record in 0..8 {
        let mut header = [0u8; 5];
        if !read_or_closed(stream, &mut header).await? {
            return Ok(Answer::Closed);
        }
        let (kind, major, len) = (header[0], header[1], u16::from_be_bytes([header[3], header[4]]) as usize);
        if major != 0x03 || !(kind == 0x15 || kind == 0x16) || len == 0 || len > 18 * 1024 {
            return Ok(Answer::NotTls(format!("record header {header:02x?}")));
        }
        if kind == 0x15 {
            let mut alert = [0u8; 2];
            if len < 2 || !read_or_closed(stream, &mut alert).await? {
                return Ok(Answer::Closed);
            }
            return Ok(Answer::Alert(alert[0], alert[1]));
        }
        let mut left_in_record = len;
        while left_in_record > 0 {
            let need = if hs.len() < 4 {
                4 - hs.len()
            } else {
                let msg_len = u32::from_be_bytes([0, hs[1], hs[2], hs[3]]) as usize;
                4 + msg_len - hs.len()
            };
            let take = need.min(left_in_record);
            let mut buf = vec![0u8; take];
            if !read_or_closed(stream, &mut buf).await? {
                return Ok(Answer::Closed);
            }
            hs.extend_from_slice(&buf);
            left_in_record -= take;
            if hs.len() >= 4 {
                if hs[0] != 0x02 {
                    return Ok(Answer::NotTls(format!("first handshake message has type {}", hs[0])));
                }
                let msg_len = u32::from_be_bytes([0, hs[1], hs[2], hs[3]]) as usize;
                if msg_len > MAX_ANSWER {
                    return Ok(Answer::NotTls(format!("ServerHello of {msg_len} bytes")));
                }
                if hs.len() == 4 + msg_len {
                    return Ok(
                        parse_server_hello(&hs[4..]).unwrap_or_else(|| Answer::NotTls("malformed ServerHello".into()))
                    );
                }
            }
        }
    }
    Ok(Answer::NotTls("no complete ServerHello in the first records".into()))
}

/// Fills `buf`: `Ok(false)` on EOF (before the first byte or in the middle) or a reset.
async fn read_or_closed<S: AsyncRead + Unpin>(stream: &mut S, buf: &mut [u8]) -> io::Result<bool> {
    match stream.read_exact(buf).await {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof || is_reset(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

fn is_reset(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted | io::ErrorKind::BrokenPipe)
}

/// Sends one ClientHello to `addr` over a fresh connection and reads the answer, all before
/// `deadline`; then closes the connection. Asynchronous (tokio): a probe occupies no thread
/// while it waits, and dropping the future (the request it explains ended) closes its socket
/// at once. `Err` only when the TCP connection cannot be made or the server stays silent
/// until the deadline (`TimedOut`).
pub(crate) async fn probe(addr: SocketAddr, hello: &[u8], deadline: Instant) -> io::Result<Answer> {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        match stream.write_all(hello).await {
            Ok(()) => {}
            Err(e) if is_reset(&e) => return Ok(Answer::Closed),
            Err(e) => return Err(e),
        }
        read_answer(&mut stream).await
        // `stream` is dropped (closed) here.
    };
    match tokio::time::timeout_at(deadline, exchange).await {
        Ok(r) => r,
        Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "no answer before the deadline")),
    }
}

/// Runs `futures` concurrently on the current task (no spawning: dropping the returned future
/// drops every probe, and with it every socket) and returns their outputs in order.
async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (fut, out) in futures.iter_mut().zip(outputs.iter_mut()) {
            if out.is_none() {
                match fut.as_mut().poll(cx) {
                    Poll::Ready(v) => *out = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending { Poll::Pending } else { Poll::Ready(()) }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

/// Whether `answer` accepts `version`.
fn accepts(answer: &Answer, version: TlsVersion) -> bool {
    matches!(answer, Answer::Hello { version: v, .. } if *v == version.wire())
}

fn version_suites(version: TlsVersion) -> Vec<u16> {
    let mut s = Vec::new();
    if version == TlsVersion::Tls13 {
        s.extend_from_slice(TLS13);
    }
    for list in [ECDHE_AEAD, ECDHE_CBC, DHE_AEAD, DHE_CBC, RSA_GCM, RSA_CBC] {
        s.extend_from_slice(list);
    }
    s
}

fn describe(r: &io::Result<Answer>) -> String {
    match r {
        Ok(a) => a.describe(),
        Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
            "no answer before the timeout".into()
        }
        Err(e) => format!("probe failed: {}", crate::net::io_message(e)),
    }
}

/// Probes one version.
async fn probe_version(host: &str, addr: SocketAddr, version: TlsVersion, deadline: Instant) -> ProtocolSupport {
    let r = probe(addr, &client_hello(Some(host), version, &version_suites(version)), deadline).await;
    ProtocolSupport { version, accepted: r.as_ref().is_ok_and(|a| accepts(a, version)), detail: describe(&r) }
}

/// TLS 1.0, 1.1, 1.2 and 1.3 (in that order) and whether the server at `addr` accepts each:
/// four probes, run concurrently, all ended by `deadline`.
pub(crate) async fn probe_versions(host: &str, addr: SocketAddr, deadline: Instant) -> Vec<ProtocolSupport> {
    join_all(TlsVersion::ALL.iter().map(|v| probe_version(host, addr, *v, deadline)).collect()).await
}

/// The version the legacy suite categories are probed with: TLS 1.2, or the highest older
/// version the server accepts (`None`: it accepts none of them).
pub(crate) fn suite_probe_version(versions: &[ProtocolSupport]) -> Option<TlsVersion> {
    [TlsVersion::Tls12, TlsVersion::Tls11, TlsVersion::Tls10]
        .into_iter()
        .find(|v| versions.iter().any(|p| p.accepted && p.version == *v))
}

/// The legacy suite categories, probed with `version` (`None`: not probed); one probe per
/// category, run concurrently, all ended by `deadline`.
pub(crate) async fn probe_suites(
    host: &str,
    addr: SocketAddr,
    version: Option<TlsVersion>,
    deadline: Instant,
) -> Vec<SuiteSupport> {
    let one = |category: &'static str, suites: Vec<u16>| async move {
        let Some(version) = version else {
            return SuiteSupport {
                category: category.to_owned(),
                accepted: false,
                suite: None,
                probed_with: None,
                detail: "not probed: the server accepts none of TLS 1.0 to 1.2".into(),
            };
        };
        let r = probe(addr, &client_hello(Some(host), version, &suites), deadline).await;
        let chosen = match &r {
            Ok(Answer::Hello { version: v, suite }) if *v == version.wire() && suites.contains(suite) => Some(*suite),
            _ => None,
        };
        SuiteSupport {
            category: category.to_owned(),
            accepted: chosen.is_some(),
            suite: chosen.map(suite_name),
            probed_with: Some(version),
            detail: describe(&r),
        }
    };
    join_all(categories().into_iter().map(|(category, suites)| one(category, suites)).collect()).await
}

/// The whole audit of the server at `addr`: the four version probes, then the legacy suite
/// categories at TLS 1.2 (or the highest older version accepted). Each phase runs its probes
/// concurrently and ends `phase_timeout` after it started, so an audit takes at most twice
/// `phase_timeout`.
pub(crate) async fn audit_addr(host: &str, addr: SocketAddr, phase_timeout: Duration) -> AuditReport {
    let versions = probe_versions(host, addr, Instant::now() + phase_timeout).await;
    let suite_version = suite_probe_version(&versions);
    let legacy_suites = probe_suites(host, addr, suite_version, Instant::now() + phase_timeout).await;
    AuditReport { versions, legacy_suites }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_hello_layout() {
        let h = client_hello(Some("example.com"), TlsVersion::Tls12, &[0xc02f, 0x002f]);
        assert_eq!(&h[..3], &[0x16, 0x03, 0x01]);
        assert_eq!(u16::from_be_bytes([h[3], h[4]]) as usize, h.len() - 5);
        assert_eq!(h[5], 0x01);
        assert_eq!(u32::from_be_bytes([0, h[6], h[7], h[8]]) as usize, h.len() - 9);
        assert_eq!(&h[9..11], &[0x03, 0x03]);
        assert_eq!(h[43], 0); // empty session id
        assert_eq!(&h[44..50], &[0x00, 0x04, 0xc0, 0x2f, 0x00, 0x2f]);
        assert_eq!(&h[50..52], &[0x01, 0x00]);
        let ext_len = u16::from_be_bytes([h[52], h[53]]) as usize;
        assert_eq!(ext_len, h.len() - 54);
        // Walk the extensions.
        let mut kinds = Vec::new();
        let mut i = 54;
        while i < h.len() {
            kinds.push(u16::from_be_bytes([h[i], h[i + 1]]));
            i += 4 + u16::from_be_bytes([h[i + 2], h[i + 3]]) as usize;
        }
        assert_eq!(i, h.len());
        assert_eq!(kinds, vec![0x0000, 0x000a, 0x000b, 0x000d, 0x0017, 0xff01]);
        // TLS 1.3: legacy version 1.2, 32-byte session id, no SNI for an IP, versions + key share.
        let h13 = client_hello(Some("127.0.0.1"), TlsVersion::Tls13, TLS13);
        assert_eq!(&h13[9..11], &[0x03, 0x03]);
        assert_eq!(h13[43], 32);
        assert_eq!(
            extension_kinds(&h13, 76 + 2 + 6 + 2 + 2),
            vec![0x000a, 0x000b, 0x000d, 0x0017, 0xff01, 0x002b, 0x0033]
        );
        // TLS 1.0: no signature_algorithms.
        let h10 = client_hello(None, TlsVersion::Tls10, &[0x002f]);
        assert_eq!(&h10[9..11], &[0x03, 0x01]);
        assert_eq!(extension_kinds(&h10, 44 + 2 + 2 + 2 + 2), vec![0x000a, 0x000b, 0x0017, 0xff01]);
    }

    /// Extension types of a ClientHello whose extensions start at `at`.
    fn extension_kinds(h: &[u8], at: usize) -> Vec<u16> {
        let mut kinds = Vec::new();
        let mut i = at;
        while i + 4 <= h.len() {
            kinds.push(u16::from_be_bytes([h[i], h[i + 1]]));
            i += 4 + u16::from_be_bytes([h[i + 2], h[i + 3]]) as usize;
        }
        assert_eq!(i, h.len());
        kinds
    }

    /// `read_answer` over bytes a server sends.
    fn answer_of(bytes: &[u8]) -> Answer {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
        let mut input = bytes;
        rt.block_on(read_answer(&mut input)).expect("answer")
    }

    #[test]
    fn reads_answers() {
        // A fatal handshake_failure alert (GnuTLS' answer to rustls at TLS 1.0-only).
        assert_eq!(answer_of(&[0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 40]), Answer::Alert(2, 40));
        assert_eq!(answer_of(&[]), Answer::Closed);
        assert_eq!(answer_of(&[0x15, 0x03, 0x01, 0x00, 0x02, 0x02]), Answer::Closed);
        assert!(matches!(answer_of(b"HTTP/1.1 400 Bad Request\r\n"), Answer::NotTls(_)));
        // A ServerHello for TLS 1.0 (suite 0xc009) split over two records, followed by more
        // handshake data that is never read.
        let mut hello = vec![0x03, 0x01];
        hello.extend_from_slice(&[9u8; 32]);
        hello.extend_from_slice(&[0, 0xc0, 0x09, 0]);
        let mut msg = vec![0x02, 0, 0, hello.len() as u8];
        msg.extend_from_slice(&hello);
        let (a, b) = msg.split_at(10);
        let mut wire = Vec::new();
        for part in [a, b] {
            wire.extend_from_slice(&[0x16, 0x03, 0x01, 0, part.len() as u8]);
            wire.extend_from_slice(part);
        }
        wire.extend_from_slice(&[0x16, 0x03, 0x01, 0x40, 0x00]);
        assert_eq!(answer_of(&wire), Answer::Hello { version: 0x0301, suite: 0xc009 });
        // Not a ServerHello first.
        assert!(matches!(answer_of(&[0x16, 0x03, 0x03, 0, 4, 0x0b, 0, 0, 0]), Answer::NotTls(_)));
    }

    #[test]
    fn probes_of_a_phase_run_concurrently_and_stop_at_the_deadline() {
        // A listener that accepts (backlog) but never answers: every probe runs to the deadline,
        // all at the same time.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = silent.local_addr().expect("addr");
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
        let started = std::time::Instant::now();
        let versions = rt.block_on(probe_versions("localhost", addr, Instant::now() + Duration::from_millis(300)));
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(290) && took < Duration::from_millis(900), "{took:?}");
        assert_eq!(versions.len(), 4);
        assert!(versions.iter().all(|v| !v.accepted && v.detail == "no answer before the timeout"), "{versions:?}");
        assert_eq!(suite_probe_version(&versions), None);
        // A deadline already passed: nothing waits.
        let started = std::time::Instant::now();
        let suites = rt.block_on(probe_suites("localhost", addr, Some(TlsVersion::Tls12), Instant::now()));
        assert!(started.elapsed() < Duration::from_millis(200));
        assert_eq!(suites.len(), 5);
        assert!(suites.iter().all(|s| !s.accepted), "{suites:?}");
    }

    #[test]
    fn parses_server_hello_versions() {
        // version 0303, random, empty sid, suite 1301, compression 0, supported_versions 0304
        let mut b = vec![0x03, 0x03];
        b.extend_from_slice(&[7u8; 32]);
        b.push(0);
        b.extend_from_slice(&[0x13, 0x01, 0x00]);
        b.extend_from_slice(&[0x00, 0x06, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04]);
        assert_eq!(parse_server_hello(&b), Some(Answer::Hello { version: 0x0304, suite: 0x1301 }));
        let short = &b[..38];
        assert_eq!(parse_server_hello(short), Some(Answer::Hello { version: 0x0303, suite: 0x1301 }));
        assert_eq!(parse_server_hello(&b[..20]), None);
    }
}
