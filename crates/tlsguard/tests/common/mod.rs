//! What the test binaries of the request path share: one test kit per binary, clients that
//! trust only its root, and the process's memory figures.
#![allow(dead_code)] // each binary uses part of it

use std::sync::OnceLock;

use tlsguard::{Client, ClientOptions, Roots};
use tlsguard_testkit::Kit;

/// One kit for the whole test binary (its children are killed by the kit's watchdog when the
/// process exits).
pub fn kit() -> &'static Kit {
    static KIT: OnceLock<Kit> = OnceLock::new();
    KIT.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("tlsguard-{}-{}", env!("CARGO_CRATE_NAME"), std::process::id()));
        Kit::start(&dir).expect("test kit starts")
    })
}

/// A client trusting only the kit's root, with no proxy from the environment, changed by `f`.
pub fn client_with(f: impl FnOnce(&mut ClientOptions)) -> Client {
    let mut o = ClientOptions::default();
    o.trust.roots = Roots::None;
    o.trust.ca_files = vec![kit().pki("root_ca")];
    o.trust.use_env = false;
    o.proxy = Some(String::new());
    f(&mut o);
    Client::new(o).expect("client")
}

pub fn client() -> Client {
    client_with(|_| {})
}

/// A field of /proc/self/status in KiB (`VmRSS:` now, `VmHWM:` the peak).
pub fn vm_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("procfs");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("field in /proc/self/status")
}
