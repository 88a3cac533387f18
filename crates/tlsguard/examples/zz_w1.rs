use std::time::Instant;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = &args[1];
    let n: usize = args[2].parse().unwrap();
    let h2 = args.get(3).map(|s| s == "h2").unwrap_or(true);
    let ka = args.get(4).map(|s| s != "close").unwrap_or(true);
    let opts = tlsguard::ClientOptions::from_json(
        &serde_json::json!({"roots":"none","ca_file":"/tmp/devbench/root.pem","http2":h2,"keep_alive":ka,"proxy":""}),
    )
    .unwrap();
    let c = tlsguard::Client::new(opts).unwrap();
    let t = Instant::now();
    let mut bytes = 0;
    for _ in 0..n {
        let r = c.get(url).send_blocking().unwrap();
        assert_eq!(r.status(), 200);
        bytes += r.body().len();
    }
    let s = t.elapsed().as_secs_f64();
    println!("{} req/s  {} bytes {:.1} MB/s", n as f64 / s, bytes, bytes as f64 / s / 1e6);
}
