//! The access policy, call by call: every RPC of the contract, called by
//! every kind of caller, answers with exactly the status this file expects,
//! and a refused call writes nothing.
//!
//! The expectations below are written out by hand from the roles of the
//! security design, not read from the server's policy table, so that a
//! change to the table that nobody meant shows up here as a failure.
//!
//! Every allowed command is sent without its `options`, so that the server
//! answers `INVALID_ARGUMENT` after the policy let the caller through and
//! before anything is decided: the matrix then proves where the policy
//! stops a caller without changing the state the next call sees. Allowed
//! reads answer `OK`.

use std::collections::BTreeSet;

use mentorship_e2e::fixtures::{Programme, Relationship, ADMIN};
use mentorship_e2e::tokens::{
    bearer, required_flags, token, token_signed, token_without_programmes, FORGER_SECRET,
};
use mentorship_e2e::Server;
use mentorship_proto::v1 as pb;
use prost::Message;
use tonic::{Code, Status};

/// The programme every call targets.
pub(crate) const PROGRAMME: &str = "p-one";
/// Another programme, the scope of the callers who must be refused.
pub(crate) const ELSEWHERE: &str = "p-two";
/// The relationship every relationship call targets.
pub(crate) const RELATIONSHIP: &str = "r-one";
/// Its mentor.
pub(crate) const MENTOR: &str = "mia";
/// Its mentee.
pub(crate) const MENTEE: &str = "max";
/// A mentee of the same programme who is no member of the relationship.
pub(crate) const OUTSIDER: &str = "oz";
/// What the mentee wrote in a check-in: confidential.
pub(crate) const CHECK_IN_NOTE: &str = "confidential-check-in-about-my-manager";
/// What the pair concluded at their mid-point review: confidential.
pub(crate) const MIDPOINT_SUMMARY: &str = "confidential-midpoint-behind-on-the-talk";
/// What the mentee said of the mentor: confidential.
pub(crate) const FEEDBACK_COMMENT: &str = "confidential-feedback-listens-well";

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Caller {
    /// An administrator (JWT).
    Admin,
    /// A programme manager of [`PROGRAMME`] (JWT).
    Manager,
    /// A programme manager of [`ELSEWHERE`] only (JWT).
    ManagerElsewhere,
    /// A programme manager whose token lists no programme (`[]`): of none.
    ManagerOfNone,
    /// A programme manager whose token has no `programmes` claim: of none.
    ManagerUnscoped,
    /// The relationship's mentor (JWT).
    Mentor,
    /// The relationship's mentee (JWT).
    Mentee,
    /// A mentee of the programme outside the relationship (JWT).
    Outsider,
    /// An auditor (JWT).
    Auditor,
    /// A service key of [`PROGRAMME`].
    Service,
    /// A service key of [`ELSEWHERE`] only.
    ServiceElsewhere,
    /// No credential.
    NoToken,
    /// An administrator's token that expired an hour ago.
    Expired,
    /// An administrator's token signed with a key the server does not know.
    Forged,
}

use Caller::*;

impl Caller {
    pub(crate) const ALL: [Caller; 14] = [
        Admin,
        Manager,
        ManagerElsewhere,
        ManagerOfNone,
        ManagerUnscoped,
        Mentor,
        Mentee,
        Outsider,
        Auditor,
        Service,
        ServiceElsewhere,
        NoToken,
        Expired,
        Forged,
    ];
}

/// A server with [`PROGRAMME`] running [`RELATIONSHIP`] (agreed, with a
/// confidential check-in note, feedback comment and mid-point review), [`ELSEWHERE`]
/// defined, and authentication required; with a credential for each
/// [`Caller`].
pub(crate) struct Secured {
    pub(crate) server: Server,
    credentials: Vec<(Caller, Option<String>)>,
}

impl Secured {
    pub(crate) async fn start() -> Self {
        let mut server = Server::start().await;
        let programme =
            Programme::matching(&server, PROGRAMME, &[MENTOR], &[MENTEE, OUTSIDER]).await;
        programme.match_pair(RELATIONSHIP, MENTOR, MENTEE).await;
        let relationship = Relationship::new(&server, RELATIONSHIP);
        relationship.agree(MENTOR, MENTEE).await;
        relationship
            .check_in(MENTEE, CHECK_IN_NOTE)
            .await
            .expect("checked in");
        relationship
            .feedback(MENTEE, MENTOR, 5, FEEDBACK_COMMENT)
            .await
            .expect("feedback given");
        relationship
            .midpoint_review(MENTOR, false, MIDPOINT_SUMMARY)
            .await
            .expect("mid-point review recorded");
        Programme::new(&server, ELSEWHERE)
            .define()
            .await
            .expect("defined");
        let service = server.create_key("service", &[PROGRAMME]);
        let service_elsewhere = server.create_key("service", &[ELSEWHERE]);
        server.restart_with(required_flags).await;
        let credentials = vec![
            (Admin, Some(token(ADMIN, &["administrator"], &[]))),
            (
                Manager,
                Some(token("mo", &["programme_manager"], &[PROGRAMME])),
            ),
            (
                ManagerElsewhere,
                Some(token("mel", &["programme_manager"], &[ELSEWHERE])),
            ),
            (
                ManagerOfNone,
                Some(token("nia", &["programme_manager"], &[])),
            ),
            (
                ManagerUnscoped,
                Some(token_without_programmes("uma", &["programme_manager"])),
            ),
            (Mentor, Some(token(MENTOR, &["mentor"], &[PROGRAMME]))),
            (Mentee, Some(token(MENTEE, &["mentee"], &[PROGRAMME]))),
            (Outsider, Some(token(OUTSIDER, &["mentee"], &[PROGRAMME]))),
            (Auditor, Some(token("al", &["auditor"], &[]))),
            (Service, Some(service)),
            (ServiceElsewhere, Some(service_elsewhere)),
            (NoToken, None),
            (
                Expired,
                Some(token_signed(
                    mentorship_e2e::tokens::SECRET,
                    ADMIN,
                    &["administrator"],
                    &[],
                    -3_600,
                )),
            ),
            (
                Forged,
                Some(token_signed(
                    FORGER_SECRET,
                    ADMIN,
                    &["administrator"],
                    &[],
                    3_600,
                )),
            ),
        ];
        Self {
            server,
            credentials,
        }
    }

    pub(crate) fn credential(&self, caller: Caller) -> Option<&str> {
        self.credentials
            .iter()
            .find(|(who, _)| *who == caller)
            .and_then(|(_, credential)| credential.as_deref())
    }

    /// The log's head, read by the administrator.
    pub(crate) async fn head(&self) -> u64 {
        self.server
            .events()
            .read_all(bearer(
                self.credential(Admin),
                pb::ReadAllRequest {
                    from_position: 1,
                    limit: 1,
                    filter: None,
                },
            ))
            .await
            .expect("the administrator reads the log")
            .into_inner()
            .head_position
    }

    /// Calls `rpc` as `caller` on the fixed targets; returns the encoded
    /// reply (every message of a stream, for `Subscribe`, up to its
    /// caught-up marker).
    pub(crate) async fn call(&self, rpc: &str, caller: Caller) -> Result<Vec<u8>, Status> {
        let credential = self.credential(caller);
        let server = &self.server;
        macro_rules! send {
            ($client:expr, $method:ident, $request:expr) => {
                $client
                    .$method(bearer(credential, $request))
                    .await
                    .map(|reply| reply.into_inner().encode_to_vec())
            };
        }
        let programme = || PROGRAMME.to_owned();
        let relationship = || RELATIONSHIP.to_owned();
        let advance = || pb::AdvanceProgrammeRequest {
            programme_id: programme(),
            ..Default::default()
        };
        let participant = || pb::ParticipantRequest {
            programme_id: programme(),
            person_id: MENTOR.to_owned(),
            ..Default::default()
        };
        let plain = || pb::RelationshipRequest {
            relationship_id: relationship(),
            ..Default::default()
        };
        let stream_of_relationship = pb::ReadStreamRequest {
            stream_type: "relationship".to_owned(),
            stream_id: relationship(),
            from_revision: 0,
            limit: 0,
        };
        let (mut programmes, mut participants, mut relationships) = (
            server.programmes(),
            server.participants(),
            server.relationships(),
        );
        let (mut matching, mut events, mut queries) =
            (server.matching(), server.events(), server.queries());
        let mut privacy = server.privacy();
        match rpc {
            "ProgrammeService/DefineProgramme" => send!(
                programmes,
                define_programme,
                pb::DefineProgrammeRequest {
                    programme_id: programme(),
                    ..Default::default()
                }
            ),
            "ProgrammeService/DesignProgramme" => send!(
                programmes,
                design_programme,
                pb::DesignProgrammeRequest {
                    programme_id: programme(),
                    ..Default::default()
                }
            ),
            "ProgrammeService/OpenOnboarding" => send!(programmes, open_onboarding, advance()),
            "ProgrammeService/StartMatching" => send!(programmes, start_matching, advance()),
            "ProgrammeService/ProposeMatch" => send!(
                programmes,
                propose_match,
                pb::ProposeMatchRequest {
                    programme_id: programme(),
                    relationship_id: "r-new".to_owned(),
                    ..Default::default()
                }
            ),
            "ProgrammeService/RespondToMatch" => send!(
                programmes,
                respond_to_match,
                pb::RespondToMatchRequest {
                    programme_id: programme(),
                    relationship_id: relationship(),
                    ..Default::default()
                }
            ),
            "ProgrammeService/StartMomentum" => send!(programmes, start_momentum, advance()),
            "ProgrammeService/StartMeasurement" => {
                send!(programmes, start_measurement, advance())
            }
            "ProgrammeService/RespondToSurvey" => send!(
                programmes,
                respond_to_survey,
                pb::RespondToSurveyRequest {
                    programme_id: programme(),
                    ..Default::default()
                }
            ),
            "ProgrammeService/CloseProgramme" => send!(programmes, close_programme, advance()),
            "ParticipantService/Apply" => send!(
                participants,
                apply,
                pb::ApplyRequest {
                    programme_id: programme(),
                    person_id: MENTOR.to_owned(),
                    ..Default::default()
                }
            ),
            "ParticipantService/ApproveApplication" => {
                send!(participants, approve_application, participant())
            }
            "ParticipantService/RejectApplication" => {
                send!(participants, reject_application, participant())
            }
            "ParticipantService/CompleteModule" => send!(
                participants,
                complete_module,
                pb::CompleteModuleRequest {
                    programme_id: programme(),
                    person_id: MENTOR.to_owned(),
                    module_id: "orientation".to_owned(),
                    ..Default::default()
                }
            ),
            "ParticipantService/Withdraw" => send!(participants, withdraw, participant()),
            "RelationshipService/StartNegotiation" => {
                send!(relationships, start_negotiation, plain())
            }
            "RelationshipService/DraftAgreement" => send!(
                relationships,
                draft_agreement,
                pb::DraftAgreementRequest {
                    relationship_id: relationship(),
                    ..Default::default()
                }
            ),
            "RelationshipService/SignAgreement" => send!(
                relationships,
                sign_agreement,
                pb::SignAgreementRequest {
                    relationship_id: relationship(),
                    ..Default::default()
                }
            ),
            "RelationshipService/LogMeeting" => send!(
                relationships,
                log_meeting,
                pb::LogMeetingRequest {
                    relationship_id: relationship(),
                    ..Default::default()
                }
            ),
            "RelationshipService/CheckIn" => send!(
                relationships,
                check_in,
                pb::CheckInRequest {
                    relationship_id: relationship(),
                    ..Default::default()
                }
            ),
            "RelationshipService/RecordMidpointReview" => send!(
                relationships,
                record_midpoint_review,
                pb::RecordMidpointReviewRequest {
                    relationship_id: relationship(),
                    ..Default::default()
                }
            ),
            "RelationshipService/RecordGoalProgress" => send!(
                relationships,
                record_goal_progress,
                pb::RecordGoalProgressRequest {
                    relationship_id: relationship(),
                    ..Default::default()
                }
            ),
            "RelationshipService/ShareResource" => send!(
                relationships,
                share_resource,
                pb::ShareResourceRequest {
                    relationship_id: relationship(),
                    ..Default::default()
                }
            ),
            "RelationshipService/MakeIntroduction" => send!(
                relationships,
                make_introduction,
                pb::MakeIntroductionRequest {
                    relationship_id: relationship(),
                    ..Default::default()
                }
            ),
            "RelationshipService/GiveFeedback" => send!(
                relationships,
                give_feedback,
                pb::GiveFeedbackRequest {
                    relationship_id: relationship(),
                    ..Default::default()
                }
            ),
            "RelationshipService/Recognise" => send!(
                relationships,
                recognise,
                pb::RecogniseRequest {
                    relationship_id: relationship(),
                    ..Default::default()
                }
            ),
            "RelationshipService/CompleteRelationship" => send!(
                relationships,
                complete_relationship,
                pb::CompleteRelationshipRequest {
                    relationship_id: relationship(),
                    ..Default::default()
                }
            ),
            "RelationshipService/EndRelationshipEarly" => send!(
                relationships,
                end_relationship_early,
                pb::EndRelationshipEarlyRequest {
                    relationship_id: relationship(),
                    ..Default::default()
                }
            ),
            "MatchingService/ProposeMatches" => send!(
                matching,
                propose_matches,
                pb::ProposeMatchesRequest {
                    programme_id: programme(),
                    ..Default::default()
                }
            ),
            "MatchingService/ExplainPair" => send!(
                matching,
                explain_pair,
                pb::ExplainPairRequest {
                    programme_id: programme(),
                    ..Default::default()
                }
            ),
            "MatchingService/ApproveProposal" => send!(
                matching,
                approve_proposal,
                pb::ApproveProposalRequest {
                    programme_id: programme(),
                    mentee_id: MENTEE.to_owned(),
                    ..Default::default()
                }
            ),
            "MatchingService/DeclineProposal" => send!(
                matching,
                decline_proposal,
                pb::DeclineProposalRequest {
                    programme_id: programme(),
                    ..Default::default()
                }
            ),
            "EventStoreService/ReadStream" => {
                send!(events, read_stream, stream_of_relationship)
            }
            "EventStoreService/ReadAll" => send!(
                events,
                read_all,
                pb::ReadAllRequest {
                    from_position: 1,
                    limit: 10_000,
                    filter: None,
                }
            ),
            "EventStoreService/Subscribe" => {
                let mut stream = events
                    .subscribe(bearer(credential, pb::SubscribeRequest::default()))
                    .await?
                    .into_inner();
                let mut bytes = Vec::new();
                while let Some(item) = stream.message().await? {
                    bytes.extend(item.encode_to_vec());
                    if matches!(item.item, Some(pb::subscribe_reply::Item::CaughtUp(_))) {
                        break;
                    }
                }
                Ok(bytes)
            }
            "EventStoreService/Verify" => send!(events, verify, pb::VerifyRequest {}),
            "PrivacyService/ErasePersonalData" => send!(
                privacy,
                erase_personal_data,
                pb::ErasePersonalDataRequest::default()
            ),
            "PrivacyService/ExportPersonalData" => send!(
                privacy,
                export_personal_data,
                pb::ExportPersonalDataRequest {
                    options: mentorship_e2e::options(),
                    person_id: MENTEE.to_owned(),
                }
            ),
            "EventStoreService/GetCheckpoint" => {
                send!(events, get_checkpoint, pb::GetCheckpointRequest {})
            }
            "QueryService/GetProgrammeOverview" => send!(
                queries,
                get_programme_overview,
                pb::GetProgrammeOverviewRequest {
                    programme_id: programme(),
                    ..Default::default()
                }
            ),
            "QueryService/ListParticipants" => send!(
                queries,
                list_participants,
                pb::ListParticipantsRequest {
                    programme_id: programme(),
                    ..Default::default()
                }
            ),
            "QueryService/ListRelationships" => send!(
                queries,
                list_relationships,
                pb::ListRelationshipsRequest {
                    programme_id: programme(),
                    ..Default::default()
                }
            ),
            "QueryService/GetOutcomes" => send!(
                queries,
                get_outcomes,
                pb::GetOutcomesRequest {
                    programme_id: programme(),
                    ..Default::default()
                }
            ),
            "QueryService/ListAuditTrail" => send!(
                queries,
                list_audit_trail,
                pb::ListAuditTrailRequest {
                    key: Some(pb::list_audit_trail_request::Key::Subject(format!(
                        "relationship/{RELATIONSHIP}"
                    ))),
                    ..Default::default()
                }
            ),
            "QueryService/Rebuild" => send!(
                queries,
                rebuild,
                pb::RebuildRequest {
                    projection: "overview".to_owned(),
                }
            ),
            "QueryService/ListProjections" => {
                send!(queries, list_projections, pb::ListProjectionsRequest {})
            }
            other => panic!("the matrix has no call for {other}"),
        }
    }
}

/// Who may call each RPC, and what an allowed call answers.
pub(crate) const EXPECTED: &[(&str, &[Caller], Code)] = &[
    // Running a programme is for its managers.
    (
        "ProgrammeService/DefineProgramme",
        &[Admin, Manager],
        Code::InvalidArgument,
    ),
    (
        "ProgrammeService/DesignProgramme",
        &[Admin, Manager],
        Code::InvalidArgument,
    ),
    (
        "ProgrammeService/OpenOnboarding",
        &[Admin, Manager],
        Code::InvalidArgument,
    ),
    (
        "ProgrammeService/StartMatching",
        &[Admin, Manager],
        Code::InvalidArgument,
    ),
    (
        "ProgrammeService/ProposeMatch",
        &[Admin, Manager],
        Code::InvalidArgument,
    ),
    (
        "ProgrammeService/StartMomentum",
        &[Admin, Manager],
        Code::InvalidArgument,
    ),
    (
        "ProgrammeService/StartMeasurement",
        &[Admin, Manager],
        Code::InvalidArgument,
    ),
    (
        "ProgrammeService/CloseProgramme",
        &[Admin, Manager],
        Code::InvalidArgument,
    ),
    // Answering a match or a survey is for the programme's participants.
    (
        "ProgrammeService/RespondToMatch",
        &[Mentor, Mentee, Outsider],
        Code::InvalidArgument,
    ),
    (
        "ProgrammeService/RespondToSurvey",
        &[Mentor, Mentee, Outsider],
        Code::InvalidArgument,
    ),
    // Enrolment: managers and the programme's service, or the person
    // themselves (every call targets the mentor's enrolment).
    (
        "ParticipantService/Apply",
        &[Admin, Manager, Service, Mentor],
        Code::InvalidArgument,
    ),
    (
        "ParticipantService/ApproveApplication",
        &[Admin, Manager],
        Code::InvalidArgument,
    ),
    (
        "ParticipantService/RejectApplication",
        &[Admin, Manager],
        Code::InvalidArgument,
    ),
    (
        "ParticipantService/CompleteModule",
        &[Admin, Manager, Service, Mentor],
        Code::InvalidArgument,
    ),
    (
        "ParticipantService/Withdraw",
        &[Admin, Manager, Service, Mentor],
        Code::InvalidArgument,
    ),
    // A relationship is its members' and its programme's managers'.
    (
        "RelationshipService/StartNegotiation",
        &[Admin, Manager, Mentor, Mentee],
        Code::InvalidArgument,
    ),
    (
        "RelationshipService/DraftAgreement",
        &[Admin, Manager, Mentor, Mentee],
        Code::InvalidArgument,
    ),
    (
        "RelationshipService/SignAgreement",
        &[Admin, Manager, Mentor, Mentee],
        Code::InvalidArgument,
    ),
    (
        "RelationshipService/LogMeeting",
        &[Admin, Manager, Mentor, Mentee],
        Code::InvalidArgument,
    ),
    (
        "RelationshipService/CheckIn",
        &[Admin, Manager, Mentor, Mentee],
        Code::InvalidArgument,
    ),
    (
        "RelationshipService/RecordMidpointReview",
        &[Admin, Manager, Mentor, Mentee],
        Code::InvalidArgument,
    ),
    (
        "RelationshipService/RecordGoalProgress",
        &[Admin, Manager, Mentor, Mentee],
        Code::InvalidArgument,
    ),
    (
        "RelationshipService/ShareResource",
        &[Admin, Manager, Mentor, Mentee],
        Code::InvalidArgument,
    ),
    (
        "RelationshipService/MakeIntroduction",
        &[Admin, Manager, Mentor, Mentee],
        Code::InvalidArgument,
    ),
    (
        "RelationshipService/GiveFeedback",
        &[Admin, Manager, Mentor, Mentee],
        Code::InvalidArgument,
    ),
    (
        "RelationshipService/Recognise",
        &[Admin, Manager, Mentor, Mentee],
        Code::InvalidArgument,
    ),
    (
        "RelationshipService/CompleteRelationship",
        &[Admin, Manager, Mentor, Mentee],
        Code::InvalidArgument,
    ),
    (
        "RelationshipService/EndRelationshipEarly",
        &[Admin, Manager, Mentor, Mentee],
        Code::InvalidArgument,
    ),
    // Matching: managers run it, auditors may see why a pair scored as it
    // did, mentees may take a proposal for themselves.
    (
        "MatchingService/ProposeMatches",
        &[Admin, Manager],
        Code::InvalidArgument,
    ),
    (
        "MatchingService/ExplainPair",
        &[Admin, Manager, Auditor],
        Code::InvalidArgument,
    ),
    (
        "MatchingService/ApproveProposal",
        &[Admin, Manager, Mentee],
        Code::InvalidArgument,
    ),
    (
        "MatchingService/DeclineProposal",
        &[Admin, Manager],
        Code::InvalidArgument,
    ),
    // The log: one relationship's stream to whoever may see that
    // relationship; the whole log to administrators and auditors.
    (
        "EventStoreService/ReadStream",
        &[Admin, Manager, Mentor, Mentee, Auditor, Service],
        Code::Ok,
    ),
    ("EventStoreService/ReadAll", &[Admin, Auditor], Code::Ok),
    // Erasure: administrators only, for a person with a reason.
    (
        "PrivacyService/ErasePersonalData",
        &[Admin],
        Code::InvalidArgument,
    ),
    // Subject access: administrators for anyone, a person for themselves
    // (the request names the mentee).
    (
        "PrivacyService/ExportPersonalData",
        &[Admin, Mentee],
        Code::Ok,
    ),
    ("EventStoreService/Subscribe", &[Admin, Auditor], Code::Ok),
    ("EventStoreService/Verify", &[Admin, Auditor], Code::Ok),
    // No signing key: nothing to show, to those who may ask.
    (
        "EventStoreService/GetCheckpoint",
        &[Admin, Auditor],
        Code::NotFound,
    ),
    // Read models: a programme's to its managers, its service and auditors.
    (
        "QueryService/GetProgrammeOverview",
        &[Admin, Manager, Auditor, Service],
        Code::Ok,
    ),
    (
        "QueryService/ListParticipants",
        &[Admin, Manager, Auditor, Service],
        Code::Ok,
    ),
    (
        "QueryService/ListRelationships",
        &[Admin, Manager, Auditor, Service],
        Code::Ok,
    ),
    (
        "QueryService/GetOutcomes",
        &[Admin, Manager, Auditor, Service],
        Code::Ok,
    ),
    ("QueryService/ListAuditTrail", &[Admin, Auditor], Code::Ok),
    ("QueryService/ListProjections", &[Admin, Auditor], Code::Ok),
    ("QueryService/Rebuild", &[Admin], Code::Ok),
];

/// What `caller` must get from a call whose allowed callers are `allowed`.
fn expected_code(caller: Caller, allowed: &[Caller], on_allowed: Code) -> Code {
    match caller {
        NoToken | Expired | Forged => Code::Unauthenticated,
        _ if allowed.contains(&caller) => on_allowed,
        _ => Code::PermissionDenied,
    }
}

#[test]
fn the_matrix_names_every_rpc_of_the_contract_once() {
    let set = prost_types::FileDescriptorSet::decode(mentorship_proto::FILE_DESCRIPTOR_SET)
        .expect("the descriptor set decodes");
    let contract: BTreeSet<String> = set
        .file
        .iter()
        .filter(|file| file.package() == "mentorship.v1")
        .flat_map(|file| {
            file.service.iter().flat_map(|service| {
                service
                    .method
                    .iter()
                    .map(|method| format!("{}/{}", service.name(), method.name()))
            })
        })
        .collect();
    let matrix: Vec<&str> = EXPECTED.iter().map(|(rpc, ..)| *rpc).collect();
    let unique: BTreeSet<String> = matrix.iter().map(|rpc| (*rpc).to_owned()).collect();
    assert_eq!(unique.len(), matrix.len(), "an RPC appears twice");
    assert_eq!(unique, contract);
}

#[tokio::test]
async fn every_rpc_answers_every_caller_with_the_expected_code_and_refusals_write_nothing() {
    let secured = Secured::start().await;
    let mut wrong = Vec::new();
    for (rpc, allowed, on_allowed) in EXPECTED {
        for caller in Caller::ALL {
            let before = secured.head().await;
            let code = match secured.call(rpc, caller).await {
                Ok(_) => Code::Ok,
                Err(status) => status.code(),
            };
            let expected = expected_code(caller, allowed, *on_allowed);
            if code != expected {
                wrong.push(format!(
                    "{rpc} as {caller:?}: {code:?}, expected {expected:?}"
                ));
            }
            if expected != Code::Ok {
                let after = secured.head().await;
                if after != before {
                    wrong.push(format!(
                        "{rpc} as {caller:?} was refused but the head moved {before} -> {after}"
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
