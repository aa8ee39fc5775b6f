//! Idempotent retries and optimistic concurrency, seen by clients.

use mentorship_e2e::details::current_revision;
use mentorship_e2e::fixtures::{charter, design, Programme, ADMIN};
use mentorship_e2e::{as_actor, options, options_at, Server};
use mentorship_proto::v1 as pb;
use pb::programme_service_client::ProgrammeServiceClient;
use tonic::Code;

fn define(options: &Option<pb::CommandOptions>) -> tonic::Request<pb::DefineProgrammeRequest> {
    as_actor(
        ADMIN,
        pb::DefineProgrammeRequest {
            options: options.clone(),
            programme_id: "p-retry".to_owned(),
            charter: Some(charter("Retried")),
        },
    )
}

fn accept(
    options: &Option<pb::CommandOptions>,
    who: &str,
) -> tonic::Request<pb::RespondToMatchRequest> {
    as_actor(
        who,
        pb::RespondToMatchRequest {
            options: options.clone(),
            programme_id: "p-retry".to_owned(),
            relationship_id: "r1".to_owned(),
            accept: true,
        },
    )
}

#[tokio::test]
async fn a_retried_command_returns_its_first_reply_and_writes_nothing_also_after_a_restart() {
    let mut server = Server::start().await;
    let define_options = options();
    let first = server
        .programmes()
        .define_programme(define(&define_options))
        .await
        .expect("defined")
        .into_inner();
    assert!(!first.duplicate);

    let programme = Programme::new(&server, "p-retry");
    programme.design().await.expect("designed");
    programme.open_onboarding().await.expect("onboarding");
    programme.enrol("m1", pb::Role::Mentor, 7, None).await;
    programme.enrol("e1", pb::Role::Mentee, 3, None).await;
    programme.start_matching().await.expect("matching");
    programme.propose("r1", "m1", "e1").await.expect("proposed");
    programme
        .respond("r1", "e1", true)
        .await
        .expect("e1 accepts");
    // The last acceptance confirms the match and opens the relationship: a
    // retry must not open it again.
    let accept_options = options();
    let confirmed = server
        .programmes()
        .respond_to_match(accept(&accept_options, "m1"))
        .await
        .expect("m1 accepts")
        .into_inner();
    let log = server.read_all().await;

    for restarted in [false, true] {
        if restarted {
            server.restart().await;
        }
        let again = server
            .programmes()
            .define_programme(define(&define_options))
            .await
            .expect("the retry succeeds")
            .into_inner();
        assert_eq!(
            again,
            pb::CommandReply {
                duplicate: true,
                ..first.clone()
            },
            "restarted: {restarted}"
        );
        let again = server
            .programmes()
            .respond_to_match(accept(&accept_options, "m1"))
            .await
            .expect("the retry succeeds")
            .into_inner();
        assert_eq!(
            again,
            pb::CommandReply {
                duplicate: true,
                ..confirmed.clone()
            },
            "restarted: {restarted}"
        );
        assert_eq!(server.read_all().await, log, "restarted: {restarted}");
    }
}

#[tokio::test]
async fn two_writers_at_the_same_expected_revision_one_wins_the_other_is_aborted() {
    let server = Server::start().await;
    let programme = Programme::new(&server, "p-race");
    programme.define().await.expect("defined");
    let designed = programme.design().await.expect("designed");
    let head = server.head().await;

    let revise = |channel, weeks| {
        let mut client = ProgrammeServiceClient::new(channel);
        let request = as_actor(
            ADMIN,
            pb::DesignProgrammeRequest {
                options: options_at(designed.revision),
                programme_id: "p-race".to_owned(),
                design: Some(pb::Design {
                    duration_weeks: weeks,
                    ..design()
                }),
            },
        );
        async move { client.design_programme(request).await }
    };
    let (a, b) = tokio::join!(
        revise(server.new_channel(), 30),
        revise(server.new_channel(), 40)
    );

    let (winner, loser) = match (a, b) {
        (Ok(winner), Err(loser)) | (Err(loser), Ok(winner)) => (winner.into_inner(), loser),
        (a, b) => panic!("exactly one must win: {a:?} {b:?}"),
    };
    assert_eq!(winner.revision, designed.revision + 1);
    assert_eq!(winner.last_position, head + 1);
    assert_eq!(loser.code(), Code::Aborted, "{loser:?}");
    assert_eq!(current_revision(&loser), Some(winner.revision));
    assert_eq!(server.head().await, head + 1);
}

/// `ALREADY_EXISTS` with the `COMMAND_ID_REUSED` reason, and nothing else
/// told: no revision, no stream.
#[track_caller]
fn assert_reused(status: &tonic::Status) {
    use tonic_types::StatusExt;
    assert_eq!(status.code(), Code::AlreadyExists, "{status:?}");
    let info = status
        .get_error_details()
        .error_info()
        .cloned()
        .expect("an ErrorInfo detail");
    assert_eq!(info.reason, "COMMAND_ID_REUSED");
    assert!(current_revision(status).is_none(), "{status:?}");
}

#[tokio::test]
async fn command_ids_are_bound_to_caller_and_request_and_a_reuse_is_refused_not_swallowed() {
    let server = Server::start().await;
    let taken = options();
    let first = server
        .programmes()
        .define_programme(define(&taken))
        .await
        .expect("defined")
        .into_inner();
    let head = server.head().await;

    // Another caller, the same id, another stream: refused, nothing written.
    let other_caller = server
        .programmes()
        .define_programme(as_actor(
            "mallory",
            pb::DefineProgrammeRequest {
                options: taken.clone(),
                programme_id: "p-other".to_owned(),
                charter: Some(charter("Other")),
            },
        ))
        .await
        .expect_err("another caller's id is not a duplicate");
    assert_reused(&other_caller);

    // The same caller, the same id, a different request on the same stream.
    let different = server
        .programmes()
        .define_programme(as_actor(
            ADMIN,
            pb::DefineProgrammeRequest {
                options: taken.clone(),
                programme_id: "p-retry".to_owned(),
                charter: Some(charter("Renamed")),
            },
        ))
        .await
        .expect_err("a different request under a used id is refused");
    assert_reused(&different);

    // The same caller with an id used on another stream.
    let elsewhere = server
        .programmes()
        .design_programme(as_actor(
            ADMIN,
            pb::DesignProgrammeRequest {
                options: taken.clone(),
                programme_id: "p-retry".to_owned(),
                design: Some(design()),
            },
        ))
        .await
        .expect_err("a used id on another command is refused");
    assert_reused(&elsewhere);
    assert_eq!(server.head().await, head, "a refused reuse writes nothing");

    // The true retry is still answered as a duplicate.
    let again = server
        .programmes()
        .define_programme(define(&taken))
        .await
        .expect("a retry")
        .into_inner();
    assert!(again.duplicate);
    assert_eq!(again.revision, first.revision);

    // Ids the engine derives for follow-ups cannot be sent by a client.
    let reserved = server
        .programmes()
        .define_programme(define(&Some(pb::CommandOptions {
            command_id: "follow-up:0123".to_owned(),
            expected_revision: None,
            reason: String::new(),
        })))
        .await
        .expect_err("the follow-up prefix is reserved");
    assert_eq!(reserved.code(), Code::InvalidArgument, "{reserved:?}");
}

#[tokio::test]
async fn a_streams_current_revision_is_read_cheaply_and_serves_as_the_expected_revision() {
    let server = Server::start().await;
    let programme = Programme::new(&server, "p-rev");
    programme.define().await.expect("defined");
    let designed = programme.design().await.expect("designed");
    let reply = server
        .events()
        .read_stream(as_actor(
            "auditor",
            pb::ReadStreamRequest {
                stream_type: "programme".to_owned(),
                stream_id: "p-rev".to_owned(),
                from_revision: u64::MAX,
                limit: 0,
            },
        ))
        .await
        .expect("ReadStream")
        .into_inner();
    assert!(reply.events.is_empty());
    assert_eq!(reply.stream_revision, designed.revision);
    server
        .programmes()
        .open_onboarding(as_actor(
            ADMIN,
            pb::AdvanceProgrammeRequest {
                options: options_at(reply.stream_revision),
                programme_id: "p-rev".to_owned(),
            },
        ))
        .await
        .expect("the revision read is the one to expect");
}
