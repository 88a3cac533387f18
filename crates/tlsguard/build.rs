//! Records the versions of rustls, aws-lc-rs and webpki-roots this build resolved (from the
//! workspace's Cargo.lock), for `tlsguard::versions()`.

fn main() {
    let lock_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock_path.display());
    let lock = std::fs::read_to_string(&lock_path).unwrap_or_default();
    for (package, var) in [
        ("rustls", "TLSGUARD_RUSTLS_VERSION"),
        ("aws-lc-rs", "TLSGUARD_AWS_LC_RS_VERSION"),
        ("webpki-roots", "TLSGUARD_WEBPKI_ROOTS_VERSION"),
    ] {
        let version = locked_version(&lock, package).unwrap_or_else(|| "unknown".to_owned());
        println!("cargo:rustc-env={var}={version}");
    }
}

/// The version of `name` in a Cargo.lock (the first entry, if several).
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == format!("name = \"{name}\"") {
            let next = lines.next()?.trim();
            return next.strip_prefix("version = \"")?.strip_suffix('"').map(str::to_owned);
        }
    }
    None
}
