//! `cargo xtask demo`: starts the test kit's HTTPS servers on 127.0.0.1 and shows a verified
//! request, then how tlsguard explains refusals (expired, missing intermediate, wrong host, a
//! TLS 1.0 server, a self-signed certificate), and the safe way to trust a development
//! certificate: pinning its key.

use tlsguard::{Client, ClientOptions, Error, Response};
use tlsguard_testkit::Kit;

fn options(kit: &Kit, scenario: &str) -> ClientOptions {
    let mut opts = serde_json::Value::Object(kit.scenario(scenario).options.clone());
    opts["use_env"] = false.into();
    ClientOptions::from_json(&opts).expect("manifest options are valid")
}

fn fetch(kit: &Kit, scenario: &str) -> Result<Response, Error> {
    Client::new(options(kit, scenario))?.get(&kit.url(scenario)).send_blocking()
}

fn show(kit: &Kit, title: &str, scenario: &str) {
    let url = kit.url(scenario);
    println!("\n── {title}\n   GET {url}");
    match fetch(kit, scenario) {
        Ok(r) => {
            let tls = r.tls().map(|t| format!("{} {}", t.version, t.cipher_suite)).unwrap_or_default();
            println!("   ✔ {} {}  ({}, {tls})", r.status(), r.reason(), r.http_version());
            let chain: Vec<String> = r.peer_certificates().iter().map(|c| c.display_name()).collect();
            println!("     chain: {}", chain.join(" ← "));
            println!("     body:  {}", r.text().trim());
        }
        Err(e) => {
            println!("   ✘ {}", e.code());
            println!("     {}", e.message());
            println!("     hint:  {}", e.hint());
            if !e.chain().is_empty() {
                let chain: Vec<String> = e
                    .chain()
                    .iter()
                    .map(|c| format!("{} (issuer {})", c.display_name(), c.issuer_cn.as_deref().unwrap_or(&c.issuer)))
                    .collect();
                println!("     presented chain: {}", chain.join(" ← "));
            }
        }
    }
}

fn main() {
    let dir = std::env::temp_dir().join(format!("tlsguard-demo-{}", std::process::id()));
    let kit = Kit::start(&dir).expect("start the local test servers");
    println!("tlsguard demo: real TLS servers on 127.0.0.1, test PKI in {}", dir.display());
    println!("Each client trusts only the test root CA (roots=\"none\", ca_file=...).");

    show(&kit, "A verified request", "good");
    show(&kit, "An expired certificate", "expired");
    show(&kit, "A server that forgets its intermediate certificate", "missing_intermediate");
    show(&kit, "A certificate for another host", "wrong_host");
    show(&kit, "A server that only speaks TLS 1.0", "tls10_only");
    show(&kit, "A self-signed development certificate", "self_signed");
    show(&kit, "The same server, trusted by pinning its key (no verify=False)", "pin_only_self_signed");
    show(&kit, "An https page that redirects to http://", "redirect_to_http");

    drop(kit);
    let _ = std::fs::remove_dir_all(&dir);
}
