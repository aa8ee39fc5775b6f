//! TLS: a server started with a certificate answers clients that trust it,
//! and refuses clients that speak plain HTTP/2.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use tonic::transport::{Certificate, Channel, ClientTlsConfig};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

/// Starts the binary with TLS on a fresh data directory; returns the child
/// and the address it listens on.
fn serve_tls(root: &std::path::Path) -> (std::process::Child, SocketAddr) {
    let mut child = Command::new(mentorship_e2e::binary())
        .arg("serve")
        .arg("--data-dir")
        .arg(root.join("data"))
        .args(["--listen", "127.0.0.1:0"])
        .arg("--tls-cert")
        .arg(root.join("cert.pem"))
        .arg("--tls-key")
        .arg(root.join("key.pem"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("the server prints its address")
            .expect("stdout is readable");
        if let Some(address) = line.strip_prefix("listening on ") {
            break address.parse().expect("an address");
        }
    };
    (child, address)
}

async fn health(channel: Channel) -> Result<i32, tonic::Status> {
    HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .map(|reply| reply.into_inner().status)
}

#[tokio::test]
async fn a_tls_server_answers_clients_that_trust_it_and_refuses_plain_text() {
    let root = tempfile::tempdir().expect("a temporary directory");
    std::fs::create_dir(root.path().join("data")).expect("the data directory");
    let generated =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("a certificate");
    let cert_pem = generated.cert.pem();
    std::fs::write(root.path().join("cert.pem"), &cert_pem).expect("written");
    std::fs::write(
        root.path().join("key.pem"),
        generated.signing_key.serialize_pem(),
    )
    .expect("written");
    let (mut child, address) = serve_tls(root.path());

    let tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(&cert_pem))
        .domain_name("localhost");
    let channel = Channel::from_shared(format!("https://{address}"))
        .expect("a URI")
        .tls_config(tls)
        .expect("a TLS configuration")
        .connect_timeout(Duration::from_secs(5))
        .connect()
        .await
        .expect("a TLS connection");
    assert_eq!(
        health(channel).await.expect("health over TLS"),
        ServingStatus::Serving as i32
    );

    let plain = Channel::from_shared(format!("http://{address}"))
        .expect("a URI")
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(5))
        .connect_lazy();
    assert!(
        health(plain).await.is_err(),
        "a plain-text client was answered"
    );

    let untrusting = ClientTlsConfig::new().domain_name("localhost");
    let refused = Channel::from_shared(format!("https://{address}"))
        .expect("a URI")
        .tls_config(untrusting)
        .expect("a TLS configuration")
        .connect_timeout(Duration::from_secs(5))
        .connect()
        .await;
    assert!(
        refused.is_err(),
        "a client that does not trust the certificate connected"
    );

    let _ = child.kill();
    let _ = child.wait();
}
