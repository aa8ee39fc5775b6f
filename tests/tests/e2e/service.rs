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

#[tokio::test]
async fn reflection_lists_every_mentorship_service() {
    let server = Server::start().await;
    let mut client = ServerReflectionClient::new(server.channel());
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut replies = client
        .server_reflection_info(mentorship_e2e::as_actor(
            "operator",
            tokio_stream::iter([request]),
        ))
        .await
        .expect("reflection answers")
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
    assert_eq!(ours, SERVICES);
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
