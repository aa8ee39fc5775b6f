//! What an operator's tools see: reflection and health.

use mentorship_e2e::Server;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
use tonic_reflection::pb::v1::ServerReflectionRequest;

const SERVICES: [&str; 7] = [
    "mentorship.v1.EventStoreService",
    "mentorship.v1.MatchingService",
    "mentorship.v1.ParticipantService",
    "mentorship.v1.PrivacyService",
    "mentorship.v1.ProgrammeService",
    "mentorship.v1.QueryService",
    "mentorship.v1.RelationshipService",
];

/// The services reflection lists, asked with `token` (none: no credential).
async fn listed(server: &Server, token: Option<&str>) -> Result<Vec<String>, tonic::Status> {
    let mut client = ServerReflectionClient::new(server.channel());
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut replies = client
        .server_reflection_info(mentorship_e2e::tokens::bearer(
            token,
            tokio_stream::iter([request]),
        ))
        .await?
        .into_inner();
    let reply = replies
        .message()
        .await
        .expect("a reflection reply")
        .expect("one reply");
    let Some(MessageResponse::ListServicesResponse(list)) = reply.message_response else {
        panic!("not a service list: {reply:?}");
    };
    let mut ours: Vec<String> = list
        .service
        .into_iter()
        .map(|service| service.name)
        .filter(|name| name.starts_with("mentorship.v1."))
        .collect();
    ours.sort();
    Ok(ours)
}

#[tokio::test]
async fn reflection_lists_every_mentorship_service_without_a_credential_in_development() {
    let server = Server::start().await;
    let ours = listed(&server, None).await.expect("reflection answers");
    assert_eq!(ours, SERVICES);
}

#[tokio::test]
async fn reflection_stays_behind_authentication_when_it_is_required() {
    let server = Server::start_with(mentorship_e2e::tokens::required_flags).await;
    let refused = listed(&server, None).await.expect_err("no credential");
    assert_eq!(refused.code(), tonic::Code::Unauthenticated);
    let token = mentorship_e2e::tokens::token("ana", &["auditor"], &[]);
    assert_eq!(listed(&server, Some(&token)).await.unwrap(), SERVICES);
}

#[tokio::test]
async fn health_reports_serving_for_the_server_and_each_service() {
    let server = Server::start().await;
    let mut client = HealthClient::new(server.channel());
    for service in std::iter::once("").chain(SERVICES) {
        let status = client
            .check(HealthCheckRequest {
                service: service.to_owned(),
            })
            .await
            .unwrap_or_else(|status| panic!("health of {service:?}: {status}"))
            .into_inner()
            .status;
        assert_eq!(status, ServingStatus::Serving as i32, "{service:?}");
    }
}

/// `GET /metrics` from `address`, as Prometheus scrapes it.
async fn scrape(address: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("the metrics address answers");
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nhost: metrics\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    answer
}

/// The value of the first sample of `series` whose line contains every one
/// of `labels`.
fn sample(scraped: &str, series: &str, labels: &[&str]) -> Option<f64> {
    scraped
        .lines()
        .filter(|line| line.starts_with(series) && !line.starts_with('#'))
        .find(|line| labels.iter().all(|label| line.contains(label)))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

#[tokio::test]
async fn metrics_are_scraped_apart_from_the_api_and_move_with_calls() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = free.local_addr().unwrap().to_string();
    drop(free);
    let flag = address.clone();
    let server = Server::start_with(move |_| vec!["--metrics-listen".to_owned(), flag]).await;
    let before = scrape(&address).await;
    for series in [
        "mentorship_log_head_position",
        "mentorship_log_groups_total",
        "mentorship_log_fsync_seconds_total",
        "mentorship_projection_position",
        "mentorship_projection_lag_events",
        "mentorship_subscriptions_live",
    ] {
        assert!(before.contains(series), "{series} missing:\n{before}");
    }
    let head = sample(&before, "mentorship_log_head_position", &[]).unwrap();

    let programme = mentorship_e2e::fixtures::Programme::new(&server, "p-metrics");
    programme.define().await.expect("defined");
    let refused = programme.define().await.expect_err("defined twice");
    assert_eq!(refused.code(), tonic::Code::AlreadyExists);

    let after = scrape(&address).await;
    let define = "method=\"/mentorship.v1.ProgrammeService/DefineProgramme\"";
    assert_eq!(
        sample(
            &after,
            "mentorship_rpc_requests_total",
            &[define, "code=\"Ok\""]
        ),
        Some(1.0),
        "{after}"
    );
    assert_eq!(
        sample(
            &after,
            "mentorship_rpc_requests_total",
            &[define, "code=\"AlreadyExists\""]
        ),
        Some(1.0),
        "{after}"
    );
    assert!(sample(&after, "mentorship_log_head_position", &[]).unwrap() > head);
    assert!(sample(&after, "mentorship_log_groups_total", &[]).unwrap() >= 1.0);
    assert!(
        sample(&after, "mentorship_rpc_duration_seconds_count", &[define]).unwrap() >= 2.0,
        "{after}"
    );
}
