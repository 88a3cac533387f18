//! Scenario servers that rustls cannot (or will not) play: spawned
//! `openssl s_server -www` processes.
//!
//! | server        | flags                                   | what the client must say |
//! |---------------|-----------------------------------------|--------------------------|
//! | `tls10_only`  | `-tls1 -cipher DEFAULT@SECLEVEL=0`      | TLS_PROTOCOL_VERSION     |
//! | `tls11_only`  | `-tls1_1 -cipher DEFAULT@SECLEVEL=0`    | TLS_PROTOCOL_VERSION     |
//! | `cbc_only`    | `-tls1_2 -cipher AES128-SHA:AES256-SHA:@SECLEVEL=0` (RSA key exchange + CBC, RSA-2048 leaf) | TLS_NO_SHARED_CIPHER |
//! | `sha1_signed` | `-cipher DEFAULT@SECLEVEL=0`, leaf signed ecdsa-with-SHA1 by the test intermediate | CERT_WEAK_ALGORITHM |
//! | `rsa1024`     | `-cipher DEFAULT@SECLEVEL=0`, RSA-1024 leaf issued by the test intermediate | CERT_WEAK_ALGORITHM |
//!
//! A free port is picked by binding 127.0.0.1:0 and dropping the listener; if
//! the server then fails to bind it (a race), it is restarted on a new port.
//! The children are killed (and reaped) when the [`Fleet`] is dropped; a tiny
//! `sh` watchdog also kills them if this process dies without running Drop
//! (SIGKILL, abort), so no `openssl` process outlives the kit.

use std::fs::File;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::pki::OpensslIdentity;

/// The openssl binary: `$TLSGUARD_OPENSSL` or `openssl` from PATH.
pub(crate) fn openssl_bin() -> PathBuf {
    std::env::var_os("TLSGUARD_OPENSSL").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("openssl"))
}

/// Extra `s_server` flags for each openssl scenario server.
pub(crate) fn flags(name: &str) -> &'static [&'static str] {
    match name {
        "tls10_only" => &["-tls1", "-cipher", "DEFAULT@SECLEVEL=0"],
        "tls11_only" => &["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"],
        "cbc_only" => &["-tls1_2", "-cipher", "AES128-SHA:AES256-SHA:@SECLEVEL=0"],
        "sha1_signed" | "rsa1024" => &["-cipher", "DEFAULT@SECLEVEL=0"],
        _ => &[],
    }
}

struct Server {
    name: &'static str,
    port: u16,
    child: Child,
    attempts: u32,
}

/// The running `openssl s_server` children.
pub(crate) struct Fleet {
    servers: Vec<Server>,
    watchdog: Option<Child>,
}

fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn spawn(dir: &Path, name: &str, id: &OpensslIdentity, port: u16) -> io::Result<Child> {
    let log = File::create(dir.join(format!("openssl_{name}.log")))?;
    let mut cmd = Command::new(openssl_bin());
    cmd.arg("s_server")
        .arg("-accept")
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(&id.cert)
        .arg("-key")
        .arg(&id.key)
        .arg("-cert_chain")
        .arg(&id.chain)
        .arg("-www")
        .args(flags(name))
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    cmd.spawn().map_err(|e| io::Error::other(format!("cannot run openssl s_server ({name}): {e}")))
}

impl Fleet {
    /// Starts one `s_server` per identity and waits until each accepts TCP.
    pub(crate) fn start<'a>(
        dir: &Path,
        identities: impl IntoIterator<Item = (&'static str, &'a OpensslIdentity)>,
    ) -> io::Result<Fleet> {
        let mut fleet = Fleet { servers: Vec::new(), watchdog: None };
        let mut ids = Vec::new();
        // Spawn all first (in parallel), then wait for each.
        for (name, id) in identities {
            let port = free_port()?;
            let child = spawn(dir, name, id, port)?;
            fleet.servers.push(Server { name, port, child, attempts: 1 });
            ids.push(id);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        for (server, id) in fleet.servers.iter_mut().zip(ids) {
            loop {
                if let Some(status) = server.child.try_wait()? {
                    // Most likely the port was taken in the meantime: retry.
                    if server.attempts >= 3 || Instant::now() > deadline {
                        let log = std::fs::read_to_string(dir.join(format!("openssl_{}.log", server.name)))
                            .unwrap_or_default();
                        return Err(io::Error::other(format!(
                            "openssl s_server ({}) exited with {status}: {}",
                            server.name,
                            log.trim()
                        )));
                    }
                    server.port = free_port()?;
                    server.child = spawn(dir, server.name, id, server.port)?;
                    server.attempts += 1;
                    continue;
                }
                let addr = SocketAddr::from(([127, 0, 0, 1], server.port));
                if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                    break;
                }
                if Instant::now() > deadline {
                    return Err(io::Error::other(format!(
                        "openssl s_server ({}) did not accept connections on port {}",
                        server.name, server.port
                    )));
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        fleet.watchdog = spawn_watchdog(fleet.servers.iter().map(|s| s.child.id()));
        Ok(fleet)
    }

    /// Port of an openssl server by name.
    pub(crate) fn ports(&self) -> impl Iterator<Item = (&'static str, u16)> + '_ {
        self.servers.iter().map(|s| (s.name, s.port))
    }
}

/// `sh` loop that kills the children once this process is gone.
pub(crate) fn spawn_watchdog(pids: impl Iterator<Item = u32>) -> Option<Child> {
    let pids: Vec<String> = pids.map(|p| p.to_string()).collect();
    if pids.is_empty() {
        return None;
    }
    let script = format!(
        "while kill -0 {me} 2>/dev/null; do sleep 1; done; kill {pids} 2>/dev/null",
        me = std::process::id(),
        pids = pids.join(" ")
    );
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()
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
