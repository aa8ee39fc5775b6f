//! A damaged log is served for reading: health says the write path is not
//! serving, the read path is.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli_support;

use std::process::Stdio;

use cli_support::{demo, spawn_serve};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

#[tokio::test]
async fn health_reports_the_write_path_not_serving_when_the_log_is_read_only() {
    let (dir, _) = demo();
    let data = dir.path();
    std::fs::set_permissions(data, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let segments = data.join("log").join("segments");
    let segment = std::fs::read_dir(&segments)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.extension().is_some_and(|ext| ext == "log"))
        .unwrap();
    let mut bytes = std::fs::read(&segment).unwrap();
    bytes[100] ^= 0x10;
    std::fs::write(&segment, bytes).unwrap();

    let (mut child, address) = spawn_serve(data, &[], Stdio::null());
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = HealthClient::new(channel);
    let status = |service: &str| HealthCheckRequest {
        service: service.to_owned(),
    };
    for (service, expected) in [
        ("mentorship.v1.ProgrammeService", ServingStatus::NotServing),
        (
            "mentorship.v1.RelationshipService",
            ServingStatus::NotServing,
        ),
        ("mentorship.v1.EventStoreService", ServingStatus::Serving),
        ("mentorship.v1.QueryService", ServingStatus::Serving),
    ] {
        let answer = health.check(status(service)).await.unwrap().into_inner();
        assert_eq!(answer.status, expected as i32, "{service}");
    }
    child.kill().unwrap();
    let _ = child.wait();
}
