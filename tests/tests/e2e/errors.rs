//! Every class of refusal reaches the client with its status code and the
//! field or rule it names, and leaves the log exactly as it was.

use mentorship_e2e::details::{bad_fields, current_revision, preconditions, rule};
use mentorship_e2e::fixtures::{charter, design, questionnaire, Programme, Relationship, ADMIN};
use mentorship_e2e::{as_actor, options, options_at, Server};
use mentorship_proto::v1 as pb;
use tonic::{Code, Status};

/// Asserts that `result` was refused with `code` and that the log's head is
/// still `head`; returns the refusal.
async fn refused<T: std::fmt::Debug>(
    server: &Server,
    head: u64,
    code: Code,
    result: Result<T, Status>,
) -> Status {
    let status = result.expect_err("the command is refused");
    assert_eq!(status.code(), code, "{status:?}");
    assert_eq!(server.head().await, head, "a refusal wrote to the log");
    status
}

#[tokio::test]
async fn invalid_input_is_invalid_argument_naming_the_field() {
    let server = Server::start().await;
    let programme = Programme::open(&server, "p-invalid").await;
    let head = server.head().await;

    let blank_name = server
        .programmes()
        .define_programme(as_actor(
            ADMIN,
            pb::DefineProgrammeRequest {
                options: options(),
                programme_id: "p-blank".to_owned(),
                charter: Some(charter("   ")),
            },
        ))
        .await;
    let status = refused(&server, head, Code::InvalidArgument, blank_name).await;
    assert_eq!(bad_fields(&status), ["charter.name"]);

    let not_a_date = server
        .programmes()
        .design_programme(as_actor(
            ADMIN,
            pb::DesignProgrammeRequest {
                options: options(),
                programme_id: "p-blank".to_owned(),
                design: Some(pb::Design {
                    starts_on: "next monday".to_owned(),
                    ..design()
                }),
            },
        ))
        .await;
    let status = refused(&server, head, Code::InvalidArgument, not_a_date).await;
    assert_eq!(bad_fields(&status), ["design.starts_on"]);

    let no_command_id = server
        .programmes()
        .start_matching(as_actor(
            ADMIN,
            pb::AdvanceProgrammeRequest {
                options: Some(pb::CommandOptions::default()),
                programme_id: programme.id.clone(),
            },
        ))
        .await;
    let status = refused(&server, head, Code::InvalidArgument, no_command_id).await;
    assert_eq!(bad_fields(&status), ["options.command_id"]);

    let no_role = server
        .participants()
        .apply(as_actor(
            "m1",
            pb::ApplyRequest {
                options: options(),
                programme_id: programme.id.clone(),
                person_id: "m1".to_owned(),
                questionnaire: Some(pb::Questionnaire {
                    role: pb::Role::Unspecified as i32,
                    ..questionnaire(pb::Role::Mentor, "m1", 7, None)
                }),
            },
        ))
        .await;
    let status = refused(&server, head, Code::InvalidArgument, no_role).await;
    assert_eq!(bad_fields(&status), ["questionnaire.role"]);
}

#[tokio::test]
async fn a_zero_minute_meeting_is_invalid_argument_naming_duration_minutes() {
    let server = Server::start().await;
    let programme = Programme::matching(&server, "p-meeting", &["m1"], &["e1"]).await;
    programme.match_pair("r1", "m1", "e1").await;
    let relationship = Relationship::new(&server, "r1");
    relationship.agree("m1", "e1").await;
    let head = server.head().await;

    let zero = relationship
        .log_meeting("e1", std::time::SystemTime::now(), 0, "")
        .await;
    let status = refused(&server, head, Code::InvalidArgument, zero).await;
    assert_eq!(bad_fields(&status), ["duration_minutes"]);
}

#[tokio::test]
async fn an_agreement_effective_in_the_future_is_refused_by_its_rule() {
    let server = Server::start().await;
    let programme = Programme::matching(&server, "p-effective", &["m1"], &["e1"]).await;
    programme.match_pair("r1", "m1", "e1").await;
    let relationship = Relationship::new(&server, "r1");
    relationship
        .start_negotiation("e1")
        .await
        .expect("negotiating");
    let head = server.head().await;

    let tomorrow = std::time::SystemTime::now() + std::time::Duration::from_secs(86_400);
    let draft = relationship
        .draft_effective_from("e1", Some(tomorrow))
        .await;
    let status = refused(&server, head, Code::FailedPrecondition, draft).await;
    assert_eq!(rule(&status).as_deref(), Some("agreement_effective_date"));
}

#[tokio::test]
async fn a_wrong_step_is_failed_precondition_of_type_state() {
    let server = Server::start().await;
    let programme = Programme::new(&server, "p-state");
    programme.define().await.expect("defined");
    let head = server.head().await;

    let status = refused(
        &server,
        head,
        Code::FailedPrecondition,
        programme.open_onboarding().await,
    )
    .await;
    assert_eq!(
        preconditions(&status),
        [("STATE".to_owned(), "programme".to_owned())]
    );
}

#[tokio::test]
async fn a_refusing_rule_is_failed_precondition_naming_the_rule() {
    let server = Server::start().await;
    let programme = Programme::open(&server, "p-rules").await;
    for mentor in ["m1", "m2"] {
        programme.enrol(mentor, pb::Role::Mentor, 7, None).await;
    }
    for mentee in ["e1", "e2", "e3"] {
        programme.enrol(mentee, pb::Role::Mentee, 3, None).await;
    }
    programme.enrol("e4", pb::Role::Mentee, 3, Some("m2")).await;
    programme.start_matching().await.expect("matching");

    // Capacity is reserved by proposals: m1 (capacity 2) is full after two.
    programme.propose("r1", "m1", "e1").await.expect("first");
    programme.propose("r2", "m1", "e2").await.expect("second");
    let head = server.head().await;
    let status = refused(
        &server,
        head,
        Code::FailedPrecondition,
        programme.propose("r3", "m1", "e3").await,
    )
    .await;
    assert_eq!(rule(&status).as_deref(), Some("mentor_capacity"));

    let status = refused(
        &server,
        head,
        Code::FailedPrecondition,
        programme.propose("r4", "m2", "e4").await,
    )
    .await;
    assert_eq!(rule(&status).as_deref(), Some("no_reporting_line_match"));

    let status = refused(
        &server,
        head,
        Code::FailedPrecondition,
        programme.respond("r1", "e2", true).await,
    )
    .await;
    assert_eq!(rule(&status).as_deref(), Some("only_members"));
}

#[tokio::test]
async fn a_stale_expected_revision_is_aborted_with_the_current_revision() {
    let server = Server::start().await;
    let programme = Programme::new(&server, "p-stale");
    programme.define().await.expect("defined");
    let designed = programme.design().await.expect("designed");
    let head = server.head().await;

    let stale = server
        .programmes()
        .open_onboarding(as_actor(
            ADMIN,
            pb::AdvanceProgrammeRequest {
                options: options_at(designed.revision - 1),
                programme_id: programme.id.clone(),
            },
        ))
        .await;
    let status = refused(&server, head, Code::Aborted, stale).await;
    assert_eq!(current_revision(&status), Some(designed.revision));
}

#[tokio::test]
async fn an_unknown_programme_or_relationship_is_not_found() {
    let server = Server::start().await;
    Programme::open(&server, "p-known").await;
    let head = server.head().await;

    let unknown = Programme::new(&server, "p-unknown");
    refused(
        &server,
        head,
        Code::NotFound,
        unknown.apply("m1", pb::Role::Mentor, 7, None).await,
    )
    .await;
    let missing = refused(
        &server,
        head,
        Code::NotFound,
        unknown.start_matching().await,
    )
    .await;
    assert_eq!(
        resource(&missing),
        Some(("programme".to_owned(), "p-unknown".to_owned()))
    );
    let missing = refused(
        &server,
        head,
        Code::NotFound,
        Relationship::new(&server, "r-unknown")
            .start_negotiation("e1")
            .await,
    )
    .await;
    assert_eq!(
        resource(&missing),
        Some(("relationship".to_owned(), "r-unknown".to_owned()))
    );
}

/// The `(resource_type, resource_name)` of a `ResourceInfo` detail.
fn resource(status: &Status) -> Option<(String, String)> {
    use tonic_types::StatusExt;
    status
        .get_error_details()
        .resource_info()
        .map(|info| (info.resource_type.clone(), info.resource_name.clone()))
}

#[tokio::test]
async fn a_missing_reason_names_options_reason() {
    let server = Server::start().await;
    let programme = Programme::open(&server, "p-reason").await;
    programme
        .apply("e1", pb::Role::Mentee, 3, None)
        .await
        .expect("applied");
    let head = server.head().await;
    let status = refused(
        &server,
        head,
        Code::InvalidArgument,
        server
            .participants()
            .reject_application(as_actor(
                ADMIN,
                pb::ParticipantRequest {
                    options: options(),
                    programme_id: "p-reason".to_owned(),
                    person_id: "e1".to_owned(),
                },
            ))
            .await
            .map(tonic::Response::into_inner),
    )
    .await;
    assert_eq!(bad_fields(&status), vec!["options.reason".to_owned()]);
}

#[tokio::test]
async fn defining_a_programme_twice_is_already_exists() {
    let server = Server::start().await;
    let programme = Programme::new(&server, "p-twice");
    programme.define().await.expect("defined");
    let head = server.head().await;

    refused(&server, head, Code::AlreadyExists, programme.define().await).await;
}

#[tokio::test]
async fn a_request_without_a_caller_is_unauthenticated() {
    let server = Server::start().await;
    Programme::new(&server, "p-anonymous")
        .define()
        .await
        .expect("defined");
    let head = server.head().await;

    let anonymous = server
        .programmes()
        .define_programme(tonic::Request::new(pb::DefineProgrammeRequest {
            options: options(),
            programme_id: "p-other".to_owned(),
            charter: Some(charter("Other")),
        }))
        .await;
    refused(&server, head, Code::Unauthenticated, anonymous).await;
    let read = server
        .events()
        .read_all(tonic::Request::new(pb::ReadAllRequest::default()))
        .await;
    refused(&server, head, Code::Unauthenticated, read).await;
}

/// Sends `bytes` as the body of `path`, whatever message it expects.
async fn raw(server: &Server, path: &'static str, bytes: Vec<u8>) -> Status {
    use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};

    /// Writes the bytes as they are; reads nothing back.
    #[derive(Default)]
    struct Raw;
    struct Bytes;
    impl Encoder for Bytes {
        type Item = Vec<u8>;
        type Error = Status;
        fn encode(&mut self, item: Vec<u8>, buf: &mut EncodeBuf<'_>) -> Result<(), Status> {
            bytes::BufMut::put_slice(buf, &item);
            Ok(())
        }
    }
    impl Decoder for Bytes {
        type Item = Vec<u8>;
        type Error = Status;
        fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, Status> {
            let len = bytes::Buf::remaining(buf);
            Ok(Some(bytes::Buf::copy_to_bytes(buf, len).to_vec()))
        }
    }
    impl Codec for Raw {
        type Encode = Vec<u8>;
        type Decode = Vec<u8>;
        type Encoder = Bytes;
        type Decoder = Bytes;
        fn encoder(&mut self) -> Bytes {
            Bytes
        }
        fn decoder(&mut self) -> Bytes {
            Bytes
        }
    }

    let mut client = tonic::client::Grpc::new(server.channel());
    client.ready().await.expect("the channel is ready");
    client
        .unary(
            as_actor(ADMIN, bytes),
            tonic::codegen::http::uri::PathAndQuery::from_static(path),
            Raw,
        )
        .await
        .expect_err("the bytes are no message")
}

#[tokio::test]
async fn a_request_that_does_not_decode_is_invalid_argument_never_internal() {
    let server = Server::start().await;
    let head = server.head().await;
    let garbage: [(&str, Vec<u8>); 4] = [
        ("a truncated varint", vec![0x08, 0xff]),
        ("a field of wire type 7", vec![0x0f, 0x01]),
        ("a length past the end", vec![0x12, 0x40, 0x61]),
        ("a string that is not UTF-8", vec![0x12, 0x02, 0xc3, 0x28]),
    ];
    for path in [
        "/mentorship.v1.ProgrammeService/DefineProgramme",
        "/mentorship.v1.ParticipantService/Apply",
        "/mentorship.v1.RelationshipService/LogMeeting",
        "/mentorship.v1.QueryService/ListParticipants",
        "/mentorship.v1.EventStoreService/ReadStream",
    ] {
        for (what, bytes) in &garbage {
            let status = raw(&server, path, bytes.clone()).await;
            assert_eq!(
                status.code(),
                Code::InvalidArgument,
                "{path} with {what}: {status:?}"
            );
            assert!(status.message().contains("does not decode"), "{status:?}");
        }
    }
    assert_eq!(server.head().await, head, "garbage wrote to the log");
}

#[tokio::test]
async fn a_huge_invalid_value_is_named_with_a_short_prefix_not_echoed_whole() {
    let server = Server::start().await;
    let programme = Programme::new(&server, "p-huge");
    programme.define().await.expect("defined");
    let head = server.head().await;
    let huge_date = "9".repeat(1 << 20);
    let status = refused(
        &server,
        head,
        Code::InvalidArgument,
        server
            .programmes()
            .design_programme(as_actor(
                ADMIN,
                pb::DesignProgrammeRequest {
                    options: options(),
                    programme_id: "p-huge".to_owned(),
                    design: Some(pb::Design {
                        starts_on: huge_date,
                        ..design()
                    }),
                },
            ))
            .await,
    )
    .await;
    assert_eq!(bad_fields(&status), vec!["design.starts_on".to_owned()]);
    assert!(
        status.message().len() < 2_048,
        "{} bytes",
        status.message().len()
    );
    assert!(
        status.details().len() < 4_096,
        "{} bytes",
        status.details().len()
    );
}

#[tokio::test]
async fn a_request_with_three_mistakes_is_told_all_three_at_once() {
    let server = Server::start().await;
    let programme = Programme::new(&server, "p-three");
    programme.define().await.expect("defined");
    let head = server.head().await;
    let mut wrong = design();
    wrong.duration_weeks = 0;
    wrong.default_mentor_capacity = 0;
    if let Some(first) = wrong.required_modules.first_mut() {
        first.title = " ".to_owned();
    }
    let status = refused(
        &server,
        head,
        Code::InvalidArgument,
        server
            .programmes()
            .design_programme(as_actor(
                ADMIN,
                pb::DesignProgrammeRequest {
                    options: options(),
                    programme_id: "p-three".to_owned(),
                    design: Some(wrong),
                },
            ))
            .await
            .map(tonic::Response::into_inner),
    )
    .await;
    assert_eq!(
        bad_fields(&status),
        vec![
            "design.duration_weeks".to_owned(),
            "design.default_mentor_capacity".to_owned(),
            "design.required_modules[0].title".to_owned(),
        ]
    );
}

#[tokio::test]
async fn fields_that_do_not_convert_are_all_named_at_once() {
    let server = Server::start().await;
    let programme = Programme::new(&server, "p-wire");
    programme.define().await.expect("defined");
    let head = server.head().await;
    let wrong = pb::Design {
        programme_type: 0,
        starts_on: "next monday".to_owned(),
        costs: None,
        ..design()
    };
    let status = refused(
        &server,
        head,
        Code::InvalidArgument,
        server
            .programmes()
            .design_programme(as_actor(
                ADMIN,
                pb::DesignProgrammeRequest {
                    options: options(),
                    programme_id: "p-wire".to_owned(),
                    design: Some(wrong),
                },
            ))
            .await
            .map(tonic::Response::into_inner),
    )
    .await;
    assert_eq!(
        bad_fields(&status),
        vec![
            "design.costs".to_owned(),
            "design.programme_type".to_owned(),
            "design.starts_on".to_owned(),
        ]
    );
}

/// Every request, not only a design: a match proposal, a meeting, an
/// application and an agreement draft whose mistakes lie in several fields
/// (ids, lists, enums, timestamps, the options) name them all in one reply.
#[tokio::test]
async fn every_command_names_all_its_unreadable_fields_at_once() {
    let server = Server::start().await;
    let programme = Programme::matching(&server, "p-many", &["m1"], &["e1"]).await;
    programme.match_pair("r1", "m1", "e1").await;
    let head = server.head().await;

    let proposal = server
        .programmes()
        .propose_match(as_actor(
            ADMIN,
            pb::ProposeMatchRequest {
                options: Some(pb::CommandOptions::default()),
                programme_id: "p-many".to_owned(),
                relationship_id: " ".to_owned(),
                mentor_ids: vec!["ok".to_owned(), String::new()],
                mentee_ids: vec!["no spaces allowed".to_owned(), String::new()],
            },
        ))
        .await;
    let status = refused(&server, head, Code::InvalidArgument, proposal).await;
    assert_eq!(
        bad_fields(&status),
        [
            "options.command_id",
            "relationship_id",
            "mentor_ids[1]",
            "mentee_ids[0]",
            "mentee_ids[1]",
        ]
    );

    let meeting = server
        .relationships()
        .log_meeting(as_actor(
            "m1",
            pb::LogMeetingRequest {
                options: options(),
                relationship_id: "r1".to_owned(),
                held_at: None,
                duration_minutes: 30,
                mode: 0,
                notes: String::new(),
            },
        ))
        .await;
    let status = refused(&server, head, Code::InvalidArgument, meeting).await;
    assert_eq!(bad_fields(&status), ["held_at", "mode"]);

    let mut answers = questionnaire(pb::Role::Unspecified, "m2", 300, Some("a boss!"));
    answers.utc_offset_minutes = i32::MAX;
    answers.availability[0].weekday = 1_000;
    let application = server
        .participants()
        .apply(as_actor(
            "m2",
            pb::ApplyRequest {
                options: options(),
                programme_id: "p-many".to_owned(),
                person_id: "m2".to_owned(),
                questionnaire: Some(answers),
            },
        ))
        .await;
    let status = refused(&server, head, Code::InvalidArgument, application).await;
    assert_eq!(
        bad_fields(&status),
        [
            "questionnaire.role",
            "questionnaire.utc_offset_minutes",
            "questionnaire.availability[0].weekday",
            "questionnaire.manager_id",
            "questionnaire.seniority",
        ]
    );

    let mut draft = mentorship_e2e::fixtures::agreement();
    draft.cadence = None;
    let mut second = draft.goals[0].clone();
    draft.goals[0].id = String::new();
    second.due = "soon".to_owned();
    draft.goals.push(second);
    let drafted = server
        .relationships()
        .draft_agreement(as_actor(
            "m1",
            pb::DraftAgreementRequest {
                options: options(),
                relationship_id: "r1".to_owned(),
                draft: Some(draft),
            },
        ))
        .await;
    let status = refused(&server, head, Code::InvalidArgument, drafted).await;
    assert_eq!(
        bad_fields(&status),
        ["draft.cadence", "draft.goals[0].id", "draft.goals[1].due"]
    );
}

/// Queries too: a board query whose consistency, page, filter and clock are
/// all unreadable names all four, and an audit query its key and page.
#[tokio::test]
async fn every_query_names_all_its_unreadable_fields_at_once() {
    let server = Server::start().await;
    let programme = Programme::new(&server, "p-query");
    programme.define().await.expect("defined");
    let broken_time = prost_types::Timestamp {
        seconds: 1,
        nanos: -1,
    };
    let board = server
        .queries()
        .list_relationships(as_actor(
            ADMIN,
            pb::ListRelationshipsRequest {
                programme_id: "p-query".to_owned(),
                health: 999,
                now: Some(broken_time),
                consistency: Some(pb::Consistency {
                    as_of: Some(pb::AsOf {
                        point: Some(pb::as_of::Point::Time(broken_time)),
                    }),
                    min_position: 0,
                }),
                page: Some(pb::PageRequest {
                    page_size: 10,
                    page_token: "not a token".to_owned(),
                }),
            },
        ))
        .await
        .expect_err("four unreadable fields");
    assert_eq!(board.code(), Code::InvalidArgument);
    assert_eq!(
        bad_fields(&board),
        ["consistency.as_of.time", "page.page_token", "health", "now"]
    );

    let trail = server
        .queries()
        .list_audit_trail(as_actor(
            ADMIN,
            pb::ListAuditTrailRequest {
                key: None,
                page: Some(pb::PageRequest {
                    page_size: 10,
                    page_token: "not a token".to_owned(),
                }),
                ..Default::default()
            },
        ))
        .await
        .expect_err("two unreadable fields");
    assert_eq!(bad_fields(&trail), ["key", "page.page_token"]);
}
