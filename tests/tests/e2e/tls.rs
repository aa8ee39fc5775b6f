//! TLS: a server started with a certificate answers clients that trust it,
//! and refuses clients that speak plain HTTP/2; with a client CA (mutual
//! TLS) it answers only clients presenting a certificate that CA issued.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

/// Starts the binary with TLS on a fresh data directory, with `extra`
/// flags; returns the child and the address it listens on.
fn serve_tls(root: &std::path::Path, extra: &[String]) -> (std::process::Child, SocketAddr) {
    let mut child = Command::new(mentorship_e2e::binary())
        .arg("serve")
        .arg("--data-dir")
        .arg(root.join("data"))
        .args(["--listen", "127.0.0.1:0"])
        .arg("--tls-cert")
        .arg(root.join("cert.pem"))
        .arg("--tls-key")
        .arg(root.join("key.pem"))
        .args(extra)
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

/// A fresh directory holding `data/` and a generated certificate for
/// `localhost` with its key (`cert.pem`, `key.pem`); returns it and the
/// certificate's PEM, which clients trust.
fn server_files() -> (tempfile::TempDir, String) {
    let root = tempfile::tempdir().expect("a temporary directory");
    mentorship_e2e::create_data_dir(&root.path().join("data"));
    let generated =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("a certificate");
    let cert_pem = generated.cert.pem();
    std::fs::write(root.path().join("cert.pem"), &cert_pem).expect("written");
    std::fs::write(
        root.path().join("key.pem"),
        generated.signing_key.serialize_pem(),
    )
    .expect("written");
    (root, cert_pem)
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
    let (root, cert_pem) = server_files();
    let (mut child, address) = serve_tls(root.path(), &[]);

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

/// A certificate authority for client certificates.
fn client_ca() -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    CertifiedIssuer::self_signed(params, KeyPair::generate().expect("a CA key")).expect("a CA")
}

/// A client certificate and key, as PEM, issued by `ca`.
fn client_identity(ca: &CertifiedIssuer<'static, KeyPair>) -> Identity {
    let mut params = CertificateParams::new(vec!["hris.example".to_owned()]).expect("parameters");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let key = KeyPair::generate().expect("a client key");
    let cert = params.signed_by(&key, ca).expect("a client certificate");
    Identity::from_pem(cert.pem(), key.serialize_pem())
}

async fn connect(address: SocketAddr, tls: ClientTlsConfig) -> Result<Channel, String> {
    Channel::from_shared(format!("https://{address}"))
        .expect("a URI")
        .tls_config(tls)
        .expect("a TLS configuration")
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(5))
        .connect()
        .await
        .map_err(|error| error.to_string())
}

#[tokio::test]
async fn mutual_tls_answers_only_clients_with_a_certificate_from_the_client_ca() {
    let (root, server_pem) = server_files();
    let ca = client_ca();
    std::fs::write(root.path().join("client-ca.pem"), ca.pem()).expect("written");
    let (mut child, address) = serve_tls(
        root.path(),
        &[
            "--tls-client-ca".to_owned(),
            root.path().join("client-ca.pem").display().to_string(),
        ],
    );
    let trusting = || {
        ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(&server_pem))
            .domain_name("localhost")
    };

    let with_certificate = connect(address, trusting().identity(client_identity(&ca)))
        .await
        .expect("a client with a certificate from the client CA connects");
    assert_eq!(
        health(with_certificate)
            .await
            .expect("health over mutual TLS"),
        ServingStatus::Serving as i32
    );

    // Without a certificate, or with one from another authority, the
    // handshake fails or the first call does.
    let stranger = client_ca();
    for (case, tls) in [
        ("no certificate", trusting()),
        (
            "a certificate from another CA",
            trusting().identity(client_identity(&stranger)),
        ),
    ] {
        let answered = match connect(address, tls).await {
            Ok(channel) => health(channel).await.is_ok(),
            Err(_) => false,
        };
        assert!(!answered, "a client with {case} was answered");
    }

    let _ = child.kill();
    let _ = child.wait();
}
