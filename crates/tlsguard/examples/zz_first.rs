use std::time::Instant;
fn main() {
    let t0 = Instant::now();
    let opts = tlsguard::ClientOptions::from_json(
        &serde_json::json!({"roots":"none","ca_file":"/tmp/devbench/root.pem","proxy":""}),
    )
    .unwrap();
    let c = tlsguard::Client::new(opts).unwrap();
    let t1 = Instant::now();
    let r = c.get("https://127.0.0.1:9443/1k").send_blocking().unwrap();
    let t2 = Instant::now();
    let _ = c.get("https://127.0.0.1:9443/1k").send_blocking().unwrap();
    let t3 = Instant::now();
    let c2 = tlsguard::Client::new(
        tlsguard::ClientOptions::from_json(
            &serde_json::json!({"roots":"none","ca_file":"/tmp/devbench/root.pem","proxy":""}),
        )
        .unwrap(),
    )
    .unwrap();
    let t4 = Instant::now();
    let _ = c2.get("https://127.0.0.1:9443/1k").send_blocking().unwrap();
    let t5 = Instant::now();
    println!(
        "client {:?} first {:?} second {:?} client2 {:?} first2 {:?} {}",
        t1 - t0,
        t2 - t1,
        t3 - t2,
        t4 - t3,
        t5 - t4,
        r.status()
    );
}
