//! `Client::connect_tls`: a verified TLS connection handed to a caller that speaks HTTP/1.1
//! itself (Node's https.Agent adapter), against the test kit.

mod common;
use common::*;

use tlsguard::{Code, TlsTunnel};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn host_port(url: &str) -> (String, u16) {
    let rest = url.split("://").nth(1).expect("scheme");
    let authority = rest.split('/').next().expect("authority");
    let (host, port) = authority.rsplit_once(':').expect("port");
    (host.to_owned(), port.parse().expect("port number"))
}

fn run<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(f)
}

#[test]
fn a_verified_tunnel_carries_the_callers_http() {
    let (host, port) = host_port(&kit().good_url("/"));
    // http2 on the client: the tunnel still offers only http/1.1.
    let client = client_with(|o| o.http2 = true);
    run(async {
        let mut t = client.connect_tls(&host, port).await.expect("connected");
        assert_eq!(t.tls().alpn.as_deref(), Some("http/1.1"));
        assert!(!t.tls().peer_certificates.is_empty());
        t.write_all(format!("GET / HTTP/1.1\r\nhost: {host}:{port}\r\nconnection: close\r\n\r\n").as_bytes())
            .await
            .expect("written");
        let mut out = Vec::new();
        t.read_to_end(&mut out).await.expect("read");
        let text = String::from_utf8_lossy(&out);
        assert!(text.starts_with("HTTP/1.1 200"), "{text}");
        assert!(text.contains("hello from tlsguard-testkit"), "{text}");
    });
}

#[test]
fn refusals_are_the_clients_codes() {
    let client = client();
    for (scenario, code) in [("expired", Code::CertExpired), ("wrong_host", Code::CertHostnameMismatch)] {
        let (host, port) = host_port(&kit().url(scenario));
        let err = run(client.connect_tls(&host, port)).expect_err(scenario);
        assert_eq!(err.code(), code, "{scenario}: {err}");
        assert!(!err.chain().is_empty(), "{scenario}: the chain");
    }
    // A TLS 1.3 server that refuses the (missing) client certificate says so after the
    // handshake: the first read carries the refusal.
    let (host, port) = host_port(&kit().url("client_cert_required"));
    run(async {
        let mut t = client.connect_tls(&host, port).await.expect("handshake");
        let _ = t.write_all(b"GET / HTTP/1.1\r\nhost: localhost\r\n\r\n").await;
        let mut buf = [0u8; 64];
        let e = t.read(&mut buf).await.expect_err("refused");
        assert_eq!(TlsTunnel::error_of(&e).code(), Code::TlsClientCertRequired);
    });
    client.close();
    let (host, port) = host_port(&kit().good_url("/"));
    assert_eq!(run(client.connect_tls(&host, port)).expect_err("closed").code(), Code::InvalidArgument);
}
