//! What an operator's tools see: reflection and health.

use mentorship_e2e::Server;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
use tonic_reflection::pb::v1::ServerReflectionRequest;

const SERVICES: [&str; 6] = [
    "mentorship.v1.EventStoreService",
    "mentorship.v1.MatchingService",
    "mentorship.v1.ParticipantService",
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
