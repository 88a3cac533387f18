//! # tlsguard-testkit
//!
//! Test PKI and scenario servers shared by tlsguard's Rust, Python, Node and
//! PHP test suites (not published; it must not depend on `tlsguard`).
//!
//! [`Kit::start`] generates a fresh PKI into a directory ([`pki`]), starts
//! every scenario server on `127.0.0.1` with an ephemeral port — rustls/hyper
//! servers ([`servers`]), `openssl s_server` processes for what rustls cannot
//! play ([`openssl`]), `gnutls-serv` processes for the same legacy cases on
//! another TLS stack ([`gnutls`]), a plain HTTP server and a CONNECT proxy ([`proxy`]) —
//! and writes `manifest.json` ([`manifest`]): one row per scenario with the
//! URL, the client options and the expected error code or status.
//!
//! The servers run on the kit's own tokio runtime (background threads), so
//! callers may be sync or async. Dropping the [`Kit`] stops everything and
//! kills the openssl and gnutls children.
//!
//! ```no_run
//! let dir = std::env::temp_dir().join("tlsguard-kit-doc");
//! let kit = tlsguard_testkit::Kit::start(&dir).unwrap();
//! for s in &kit.manifest().scenarios {
//!     println!("{} {} -> {:?} {:?}", s.name, s.url, s.expect.code, s.expect.status);
//! }
//! ```

pub mod gnutls;
pub mod hostile;
pub mod manifest;
pub mod openssl;
pub mod pki;
pub mod proxy;
pub mod servers;
pub mod socks;

use std::collections::BTreeMap;
use std::io;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use rustls::SupportedProtocolVersion;
use rustls::version::{TLS12, TLS13};

pub use manifest::{Expect, MANIFEST_VERSION, Manifest, Scenario};
pub use pki::pin_of_spki;
pub use socks::{Socks5Proxy, SocksRequest, SocksTarget};

const BOTH: &[&SupportedProtocolVersion] = &[&TLS12, &TLS13];
const ONLY12: &[&SupportedProtocolVersion] = &[&TLS12];
const ONLY13: &[&SupportedProtocolVersion] = &[&TLS13];

/// The rustls servers: (server name, identity presented, TLS versions, requires a client cert).
const RUSTLS_SERVERS: &[(&str, &str, &[&SupportedProtocolVersion], bool)] = &[
    ("good", "good", BOTH, false),
    ("tls12_only", "good", ONLY12, false),
    ("tls13_only", "good", ONLY13, false),
    ("mtls", "good", BOTH, true),
    ("missing_intermediate", "missing_intermediate", BOTH, false),
    ("expired", "expired", BOTH, false),
    ("not_yet_valid", "not_yet_valid", BOTH, false),
    ("wrong_host", "wrong_host", BOTH, false),
    ("cn_only", "cn_only", BOTH, false),
    ("self_signed", "self_signed", BOTH, false),
    ("self_signed_expired", "self_signed_expired", BOTH, false),
    ("hostile_names", "hostile_names", BOTH, false),
    ("ca_as_leaf", "ca_as_leaf", BOTH, false),
    ("untrusted_root", "untrusted_root", BOTH, false),
    ("client_auth_eku", "client_auth_eku", BOTH, false),
    ("name_constrained", "name_constrained", BOTH, false),
    ("revoked", "revoked", BOTH, false),
];

/// Shuts the runtime down without blocking (safe inside an async context).
struct RuntimeGuard(Option<tokio::runtime::Runtime>);

impl Drop for RuntimeGuard {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// The running scenario servers. Drop stops them all.
///
/// `Kit` is `Send + Sync`: a test suite may share one in a `static OnceLock<Kit>`.
/// Such a kit is never dropped; its openssl and gnutls children are then killed by the
/// watchdog within a second of the test process exiting.
pub struct Kit {
    dir: PathBuf,
    manifest: Manifest,
    ports: BTreeMap<&'static str, u16>,
    proxy_connects: Arc<AtomicUsize>,
    assets: Arc<servers::KitAssets>,
    /// The `good` server's TLS configuration (for the servers started on demand).
    good_config: Arc<rustls::ServerConfig>,
    // Field order = drop order: openssl and gnutls children first, then the runtime.
    _openssl: openssl::Fleet,
    _gnutls: gnutls::Fleet,
    _runtime: RuntimeGuard,
    _temp_dir: Option<TempDir>,
}

/// Removes a directory created by [`Kit::start_temp`] (after everything else stopped).
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn bind() -> io::Result<TcpListener> {
    let l = TcpListener::bind("127.0.0.1:0")?;
    l.set_nonblocking(true)?;
    Ok(l)
}

impl Kit {
    /// Generates the PKI into `dir` (created if missing), starts all servers
    /// and writes `dir/manifest.json`.
    pub fn start(dir: &Path) -> io::Result<Kit> {
        std::fs::create_dir_all(dir)?;
        let dir = dir.canonicalize()?;

        // Listeners first: the ports go into certificates (AIA) and the manifest.
        let mut ports = BTreeMap::new();
        let mut listeners = BTreeMap::new();
        for name in RUSTLS_SERVERS.iter().map(|s| s.0).chain(["plain", "proxy"]).chain(hostile::SERVERS.iter().copied())
        {
            let l = bind()?;
            ports.insert(name, l.local_addr()?.port());
            listeners.insert(name, l);
        }
        let closed_port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();

        let pki = pki::generate(&dir, ports["plain"])?;

        // openssl servers (spawned processes; started before the runtime so
        // that a failure here leaves nothing running).
        let fleet = openssl::Fleet::start(&dir, pki.openssl.iter().map(|(n, id)| (*n, id)))?;
        for (name, port) in fleet.ports() {
            ports.insert(name, port);
        }
        // gnutls-serv servers: the legacy cases on a second TLS stack.
        let gnutls = gnutls::Fleet::start(&dir, &pki.openssl)?;
        for (name, port) in gnutls.ports() {
            ports.insert(name, port);
        }

        let runtime = RuntimeGuard(Some(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("tlsguard-testkit")
                .enable_all()
                .build()?,
        ));
        let rt = runtime.0.as_ref().expect("just built");

        let assets = Arc::new(servers::KitAssets {
            statics: servers::static_assets(),
            plain_port: ports["plain"],
            pki_der: pki.der.iter().map(|(k, v)| (k.clone(), Bytes::from(v.clone()))).collect(),
        });
        let good_config = servers::server_config(&pki.identities["good"], BOTH, None)?;
        for &(name, identity, versions, mtls) in RUSTLS_SERVERS {
            let identity = &pki.identities[identity];
            let config = servers::server_config(identity, versions, mtls.then_some(&pki.client_ca))?;
            let router = servers::Router { assets: assets.clone(), port: ports[name], tls: true, conn: 0 };
            let listener = listeners.remove(name).expect("bound above");
            rt.spawn(servers::serve_tls(listener, config, router));
        }
        let router = servers::Router { assets: assets.clone(), port: ports["plain"], tls: false, conn: 0 };
        rt.spawn(servers::serve_plain(listeners.remove("plain").expect("bound"), router));
        hostile::spawn(rt, &mut listeners, &pki.identities["good"])?;
        let proxy_connects = Arc::new(AtomicUsize::new(0));
        rt.spawn(proxy::serve(listeners.remove("proxy").expect("bound"), proxy_connects.clone()));

        let facts = manifest::Facts { ports: &ports, closed_port, pki: &pki };
        let manifest = Manifest {
            version: MANIFEST_VERSION,
            dir: dir.display().to_string(),
            pki: pki.files.iter().map(|(k, v)| (k.clone(), v.display().to_string())).collect(),
            scenarios: manifest::scenarios(&facts),
            servers: manifest::servers(&facts),
        };
        let json = serde_json::to_string_pretty(&manifest).map_err(io::Error::other)?;
        // Write atomically: readers polling for the file never see half of it.
        let tmp = dir.join("manifest.json.tmp");
        std::fs::write(&tmp, json + "\n")?;
        std::fs::rename(&tmp, dir.join("manifest.json"))?;

        Ok(Kit {
            dir,
            manifest,
            ports,
            proxy_connects,
            assets,
            good_config,
            _openssl: fleet,
            _gnutls: gnutls,
            _runtime: runtime,
            _temp_dir: None,
        })
    }

    /// Like [`Kit::start`] in a fresh directory under the system temp dir,
    /// which is removed again when the kit is dropped.
    pub fn start_temp() -> io::Result<Kit> {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let dir = std::env::temp_dir().join(format!("tlsguard-testkit-{}-{n}-{nanos:08x}", std::process::id()));
        let guard = TempDir(dir.clone());
        let mut kit = Kit::start(&dir)?;
        kit._temp_dir = Some(guard);
        Ok(kit)
    }

    /// The manifest (also written to `dir/manifest.json`).
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The kit directory (absolute).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of `dir/manifest.json`.
    pub fn manifest_path(&self) -> PathBuf {
        self.dir.join("manifest.json")
    }

    /// URL of a scenario. Panics on an unknown name (test helper).
    pub fn url(&self, scenario: &str) -> String {
        self.scenario(scenario).url.clone()
    }

    /// A scenario by name. Panics on an unknown name (test helper).
    pub fn scenario(&self, name: &str) -> &Scenario {
        self.manifest.scenario(name).unwrap_or_else(|| panic!("tlsguard-testkit: unknown scenario {name:?}"))
    }

    /// Absolute path of a PKI file by its manifest name (e.g. `root_ca`).
    /// Panics on an unknown name (test helper).
    pub fn pki(&self, name: &str) -> PathBuf {
        PathBuf::from(
            self.manifest.pki.get(name).unwrap_or_else(|| panic!("tlsguard-testkit: unknown pki file {name:?}")),
        )
    }

    /// Port of a server by name (`good`, `expired`, `mtls`, `tls10_only`,
    /// `plain`, `proxy`, ...). Panics on an unknown name (test helper).
    pub fn port(&self, server: &str) -> u16 {
        *self.ports.get(server).unwrap_or_else(|| panic!("tlsguard-testkit: unknown server {server:?}"))
    }

    /// `https://localhost:<good port><path>`.
    pub fn good_url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.port("good"))
    }

    /// `http://127.0.0.1:<plain port><path>`.
    pub fn plain_url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port("plain"))
    }

    /// `http://127.0.0.1:<proxy port>`.
    pub fn proxy_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port("proxy"))
    }

    /// Starts one more HTTPS server on `127.0.0.1` that sends only a fresh leaf (for
    /// `localhost`, `127.0.0.1` and `::1`, issued by the test intermediate, like the
    /// `missing_intermediate` server) whose AIA caIssuers URL is `aia_url`; returns its port.
    /// It serves the same routes as the other servers and stops with the kit.
    pub fn start_leaf_only_server(&self, aia_url: &str) -> io::Result<u16> {
        let cert = std::fs::read_to_string(self.pki("intermediate_ca"))?;
        let key = std::fs::read_to_string(self.pki("intermediate_ca_key"))?;
        let identity = pki::leaf_with_aia(&cert, &key, aia_url)?;
        let config = servers::server_config(&identity, BOTH, None)?;
        let listener = bind()?;
        let port = listener.local_addr()?.port();
        let router = servers::Router { assets: self.assets.clone(), port, tls: true, conn: 0 };
        let rt = self._runtime.0.as_ref().ok_or_else(|| io::Error::other("kit stopped"))?;
        rt.spawn(servers::serve_tls(listener, config, router));
        Ok(port)
    }

    /// Starts a SOCKS5 proxy on `127.0.0.1` (see [`socks`]), requiring `auth` (user,
    /// password) if given. It stops with the kit; each has a log of its own.
    pub fn start_socks5_proxy(&self, auth: Option<(&str, &str)>) -> io::Result<Socks5Proxy> {
        let (proxy, listener) = socks::bind(auth)?;
        self.runtime()?.spawn(socks::serve(listener, proxy.clone()));
        Ok(proxy)
    }

    /// Starts the CONNECT proxy over TLS on `127.0.0.1` (the `good` server's certificate, for
    /// `localhost` and `127.0.0.1`); returns its port and its count of established tunnels.
    /// Its URL: `https://localhost:<port>`.
    pub fn start_https_proxy(&self) -> io::Result<(u16, Arc<AtomicUsize>)> {
        let listener = bind()?;
        let port = listener.local_addr()?.port();
        let connects = Arc::new(AtomicUsize::new(0));
        self.runtime()?.spawn(proxy::serve_tls(listener, self.good_config.clone(), connects.clone()));
        Ok((port, connects))
    }

    /// Starts one more server like `good` (same certificate and routes) on `addr`, e.g.
    /// `[::1]:0` or `127.0.0.1:0`; returns its port and the number of TCP connections it has
    /// accepted so far (for tests that count connections). It stops with the kit.
    pub fn start_good_server_at(&self, addr: std::net::SocketAddr) -> io::Result<(u16, Arc<AtomicUsize>)> {
        let listener = TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let router = servers::Router { assets: self.assets.clone(), port, tls: true, conn: 0 };
        let accepted = Arc::new(AtomicUsize::new(0));
        let serve = servers::serve_tls_counted(listener, self.good_config.clone(), router, Some(accepted.clone()));
        self.runtime()?.spawn(serve);
        Ok((port, accepted))
    }

    fn runtime(&self) -> io::Result<&tokio::runtime::Runtime> {
        self._runtime.0.as_ref().ok_or_else(|| io::Error::other("kit stopped"))
    }

    /// Number of tunnels the CONNECT proxy has established so far.
    pub fn proxy_connects(&self) -> usize {
        self.proxy_connects.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    /// Tests may keep a kit in a `static OnceLock<Kit>` and share it across threads.
    #[test]
    fn kit_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<super::Kit>();
        check::<super::Manifest>();
    }
}
