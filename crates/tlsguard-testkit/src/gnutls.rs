//! Scenario servers on a second TLS stack: spawned `gnutls-serv --http` processes (Debian's
//! `gnutls-bin`), driven by GnuTLS priority strings. They check that the legacy-server
//! diagnosis does not depend on how OpenSSL and rustls refuse a handshake.
//!
//! | server                | priority string (after `NORMAL:-VERS-ALL:`)                          | leaf | what the client must say |
//! |-----------------------|-----------------------------------------------------------------------|------|--------------------------|
//! | `gnutls_tls10_only`   | `+VERS-TLS1.0`                                                        | EC   | TLS_PROTOCOL_VERSION, "accepts only TLSv1.0" |
//! | `gnutls_tls11_only`   | `+VERS-TLS1.1`                                                        | EC   | TLS_PROTOCOL_VERSION, "accepts only TLSv1.1" |
//! | `gnutls_cbc_only`     | `+VERS-TLS1.2:-AEAD:-RSA:-DHE-RSA` (ECDHE-ECDSA with AES-CBC)          | EC   | TLS_NO_SHARED_CIPHER, "CBC" |
//! | `gnutls_rsa_kex_only` | `+VERS-TLS1.2:-KX-ALL:+RSA:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM`       | RSA  | TLS_NO_SHARED_CIPHER, "RSA key exchange" |
//! | `gnutls_ffdhe_only`   | `+VERS-TLS1.2:-KX-ALL:+DHE-RSA` (finite-field DHE, RFC 7919 groups)     | RSA  | TLS_NO_SHARED_CIPHER, "DHE key exchange" |
//!
//! # What GnuTLS 3.7.9 answers (observed with these servers, tlsguard, `openssl s_client`)
//!
//! * TLS 1.0-only and TLS 1.1-only: rustls' ClientHello (TLS 1.2/1.3, AEAD suites only) gets a
//!   fatal `handshake_failure` alert, not `protocol_version` as from OpenSSL's `s_server -tls1`:
//!   GnuTLS settles the version first (TLS 1.0/1.1), then finds no offered suite usable at it
//!   (its log: "No supported cipher suites have been found"). So rustls reports a cipher
//!   mismatch; the version probes show the real cause. A TLS 1.2 ClientHello that also offers
//!   CBC suites (`openssl s_client -tls1_2`, tlsguard's TLS 1.2 probe) gets a ServerHello for
//!   TLS 1.0 (which that client then refuses with `protocol_version`).
//! * CBC-only, RSA-key-exchange-only and DHE-only at TLS 1.2: `handshake_failure`, as from
//!   OpenSSL.
//!
//! `gnutls-serv` has no option to choose the listening address: it listens on the port on
//! every interface (IPv4 and IPv6). The tests only ever connect to it through `localhost`.
//!
//! The children are started, waited for, restarted on a port race, killed and watchdogged
//! exactly like the `openssl s_server` ones ([`crate::openssl`]): none outlives the kit.

use std::fs::File;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::pki::OpensslIdentity;

/// The gnutls-serv binary: `$TLSGUARD_GNUTLS_SERV` or `gnutls-serv` from PATH.
pub(crate) fn gnutls_serv_bin() -> PathBuf {
    std::env::var_os("TLSGUARD_GNUTLS_SERV").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("gnutls-serv"))
}

/// The gnutls servers: name, priority string, and which openssl identity (certificate, key,
/// intermediate) they present: `tls10_only` is the EC "good" leaf, `cbc_only` an RSA-2048 leaf.
pub(crate) const SERVERS: &[(&str, &str, &str)] = &[
    ("gnutls_tls10_only", "NORMAL:-VERS-ALL:+VERS-TLS1.0", "tls10_only"),
    ("gnutls_tls11_only", "NORMAL:-VERS-ALL:+VERS-TLS1.1", "tls10_only"),
    ("gnutls_cbc_only", "NORMAL:-VERS-ALL:+VERS-TLS1.2:-AEAD:-RSA:-DHE-RSA", "tls10_only"),
    (
        "gnutls_rsa_kex_only",
        "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+RSA:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM",
        "cbc_only",
    ),
    ("gnutls_ffdhe_only", "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+DHE-RSA", "cbc_only"),
];

struct Server {
    name: &'static str,
    priority: &'static str,
    chain: PathBuf,
    key: PathBuf,
    port: u16,
    child: Child,
    attempts: u32,
}

/// The running `gnutls-serv` children.
pub(crate) struct Fleet {
    servers: Vec<Server>,
    watchdog: Option<Child>,
}

fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn spawn(dir: &Path, name: &str, priority: &str, chain: &Path, key: &Path, port: u16) -> io::Result<Child> {
    let log = File::create(dir.join(format!("{name}.log")))?;
    let mut cmd = Command::new(gnutls_serv_bin());
    cmd.arg("--http")
        .arg("--port")
        .arg(port.to_string())
        .arg("--priority")
        .arg(priority)
        .arg("--x509certfile")
        .arg(chain)
        .arg("--x509keyfile")
        .arg(key)
        // Without this it asks every client for a certificate (optional), which would change
        // what a refused handshake is diagnosed as.
        .arg("--disable-client-cert")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    cmd.spawn().map_err(|e| {
        io::Error::other(format!(
            "cannot run gnutls-serv ({name}): {e} (install Debian's gnutls-bin, or set TLSGUARD_GNUTLS_SERV)"
        ))
    })
}

impl Fleet {
    /// Starts one `gnutls-serv` per entry of [`SERVERS`] and waits until each accepts TCP.
    pub(crate) fn start(
        dir: &Path,
        identities: &std::collections::BTreeMap<&'static str, OpensslIdentity>,
    ) -> io::Result<Fleet> {
        let mut fleet = Fleet { servers: Vec::new(), watchdog: None };
        for &(name, priority, identity) in SERVERS {
            let id = identities
                .get(identity)
                .ok_or_else(|| io::Error::other(format!("gnutls server {name}: no identity {identity}")))?;
            // gnutls-serv sends every certificate of --x509certfile: leaf, then intermediate.
            let chain = dir.join(format!("{name}_chain.pem"));
            let mut pem = std::fs::read(&id.cert)?;
            if !pem.ends_with(b"\n") {
                pem.push(b'\n');
            }
            pem.extend_from_slice(&std::fs::read(&id.chain)?);
            std::fs::write(&chain, pem)?;
            let port = free_port()?;
            let child = spawn(dir, name, priority, &chain, &id.key, port)?;
            fleet.servers.push(Server { name, priority, chain, key: id.key.clone(), port, child, attempts: 1 });
        }
        // From here on, Drop kills what was started if waiting fails.
        let deadline = Instant::now() + Duration::from_secs(10);
        for server in fleet.servers.iter_mut() {
            loop {
                if let Some(status) = server.child.try_wait()? {
                    // Most likely the port was taken in the meantime: retry.
                    if server.attempts >= 3 || Instant::now() > deadline {
                        let log = std::fs::read_to_string(dir.join(format!("{}.log", server.name))).unwrap_or_default();
                        return Err(io::Error::other(format!(
                            "gnutls-serv ({}) exited with {status}: {}",
                            server.name,
                            log.trim()
                        )));
                    }
                    server.port = free_port()?;
                    server.child = spawn(dir, server.name, server.priority, &server.chain, &server.key, server.port)?;
                    server.attempts += 1;
                    continue;
                }
                let addr = SocketAddr::from(([127, 0, 0, 1], server.port));
                if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                    break;
                }
                if Instant::now() > deadline {
                    return Err(io::Error::other(format!(
                        "gnutls-serv ({}) did not accept connections on port {}",
                        server.name, server.port
                    )));
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        fleet.watchdog = crate::openssl::spawn_watchdog(fleet.servers.iter().map(|s| s.child.id()));
        Ok(fleet)
    }

    /// Port of each gnutls server by name.
    pub(crate) fn ports(&self) -> impl Iterator<Item = (&'static str, u16)> + '_ {
        self.servers.iter().map(|s| (s.name, s.port))
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        for s in &mut self.servers {
            let _ = s.child.kill();
            let _ = s.child.wait();
        }
        if let Some(w) = &mut self.watchdog {
            let _ = w.kill();
            let _ = w.wait();
        }
    }
}
