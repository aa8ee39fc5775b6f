//! Erasure of a person's personal data, over gRPC and on the command line:
//! afterwards no file of the data directory holds any of their values, the
//! chain verifies, their fields read as erased, the erasure is on record
//! with who asked and why, and everyone else's data is untouched.

use std::path::Path;

use mentorship_e2e::fixtures::{questionnaire, Programme, ADMIN};
use mentorship_e2e::{as_actor, binary, options, options_because, Server};
use mentorship_proto::v1 as pb;
use tonic::Code;

/// Every byte of every file below `dir`.
fn bytes_below(dir: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a directory") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            bytes.extend(bytes_below(&path));
        } else if let Ok(content) = std::fs::read(&path) {
            bytes.extend(content);
        }
    }
    bytes
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

/// `person`'s application, every personal field marked with `mark`.
fn marked(person: &str, role: pb::Role, mark: &str) -> pb::Questionnaire {
    pb::Questionnaire {
        display_name: format!("{mark} name"),
        goals: vec![format!("{mark} goal")],
        preferences: format!("{mark} wishes"),
        ..questionnaire(
            role,
            person,
            if role == pb::Role::Mentor { 8 } else { 3 },
            None,
        )
    }
}

/// Enrols each of `people` (id, side, mark) in `programme`, with
/// [`marked`] answers.
async fn enrol_marked(programme: &Programme<'_>, people: &[(&str, pb::Role, &str)]) {
    for (person, role, mark) in people {
        programme
            .enrol_with(person, marked(person, *role, mark))
            .await;
    }
}

#[tokio::test]
async fn an_erased_person_leaves_no_value_in_any_file_and_the_chain_verifies() {
    let mut server = Server::start().await;
    let first = Programme::open(&server, "p-gdpr-1").await;
    let second = Programme::open(&server, "p-gdpr-2").await;
    for programme in [&first, &second] {
        programme
            .enrol_with("gone", marked("gone", pb::Role::Mentee, "GONE-qzx"))
            .await;
    }
    first
        .enrol_with("kept", marked("kept", pb::Role::Mentee, "KEPT-wvy"))
        .await;
    first
        .enrol_with("last", marked("last", pb::Role::Mentor, "LAST-jkp"))
        .await;
    let data = server.data_dir();
    assert!(holds(&bytes_below(&data), "GONE-qzx"));

    let erase = |person: &str, options| pb::ErasePersonalDataRequest {
        options,
        person_id: person.to_owned(),
    };
    let no_reason = server
        .privacy()
        .erase_personal_data(as_actor(ADMIN, erase("gone", options())))
        .await
        .expect_err("an erasure says why");
    assert_eq!(no_reason.code(), Code::InvalidArgument);
    assert_eq!(
        mentorship_e2e::details::bad_fields(&no_reason),
        ["options.reason"]
    );
    let unknown = server
        .privacy()
        .erase_personal_data(as_actor(
            ADMIN,
            erase("nobody", options_because("asked by email")),
        ))
        .await
        .expect_err("never applied");
    assert_eq!(unknown.code(), Code::NotFound);

    let before_erasure = server.head().await;
    let erased = server
        .privacy()
        .erase_personal_data(as_actor(
            ADMIN,
            erase("gone", options_because("the person asked, ticket 4711")),
        ))
        .await
        .expect("ErasePersonalData")
        .into_inner();
    assert_eq!(erased.programme_ids, ["p-gdpr-1", "p-gdpr-2"]);
    assert_eq!(
        erased.values_erased, 8,
        "name, goals, wishes, attributes, twice"
    );

    // The directory names them as erased, now and as of before the erasure.
    for as_of in [None, Some(before_erasure)] {
        let listed = server
            .queries()
            .list_participants(as_actor(
                ADMIN,
                pb::ListParticipantsRequest {
                    programme_id: "p-gdpr-1".to_owned(),
                    consistency: Some(pb::Consistency {
                        as_of: as_of.map(|position| pb::AsOf {
                            point: Some(pb::as_of::Point::Position(position)),
                        }),
                        min_position: erased.last_position,
                    }),
                    ..Default::default()
                },
            ))
            .await
            .expect("ListParticipants")
            .into_inner();
        let name = |person: &str| {
            listed
                .participants
                .iter()
                .find(|entry| entry.person_id == person)
                .map(|entry| entry.display_name.clone())
        };
        assert_eq!(name("gone").as_deref(), Some("[erased]"), "{as_of:?}");
        assert_eq!(name("kept").as_deref(), Some("KEPT-wvy name"), "{as_of:?}");
    }

    let bytes = bytes_below(&data);
    assert!(
        !holds(&bytes, "GONE-qzx"),
        "a value of the erased person is on disk"
    );
    assert!(
        holds(&bytes, "KEPT-wvy name"),
        "another person's data went too"
    );
    let verified = server.verify().await;
    assert!(verified.intact, "{verified:?}");

    let stream = server.read_stream("participant", "p-gdpr-1/gone").await;
    let application = serde_json::from_slice::<serde_json::Value>(&stream[0].payload_json)
        .expect("a JSON payload");
    let questionnaire = &application["event"]["ApplicationSubmitted"]["questionnaire"];
    assert!(
        questionnaire["display_name"]["$sealed"].is_string(),
        "{questionnaire}"
    );
    assert_eq!(questionnaire["job_title"], "Engineer", "not personal: kept");
    let recorded = stream.last().expect("the erasure");
    assert_eq!(recorded.event_type, "PersonalDataErased");
    assert_eq!(recorded.actor, ADMIN);
    // Auditors find the erasure under the person, in both programmes.
    let trail = server
        .queries()
        .list_audit_trail(as_actor(
            "auditor",
            pb::ListAuditTrailRequest {
                key: Some(pb::list_audit_trail_request::Key::Subject(
                    "person/gone".to_owned(),
                )),
                consistency: mentorship_e2e::after(erased.last_position),
                page: None,
            },
        ))
        .await
        .expect("ListAuditTrail")
        .into_inner();
    let erasures: Vec<&str> = trail
        .entries
        .iter()
        .filter(|entry| entry.event_type == "PersonalDataErased")
        .map(|entry| entry.subject.as_str())
        .collect();
    assert_eq!(
        erasures,
        ["participant/p-gdpr-1/gone", "participant/p-gdpr-2/gone"]
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&recorded.metadata_json).expect("JSON metadata");
    assert_eq!(
        metadata["reason"], "the person asked, ticket 4711",
        "{metadata}"
    );

    // On the command line, with the server stopped.
    server.terminate().await;
    let output = std::process::Command::new(binary())
        .args(["erase", "--data-dir"])
        .arg(&data)
        .args([
            "--person",
            "kept",
            "--reason",
            "retention: the programme closed",
        ])
        .output()
        .expect("erase runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        said.contains("erased 4 personal values of kept in p-gdpr-1"),
        "{said}"
    );
    let bytes = bytes_below(&data);
    assert!(!holds(&bytes, "KEPT-wvy"));
    assert!(holds(&bytes, "LAST-jkp name"));
    server.start_again();
    assert!(server.verify().await.intact);
}

/// A diversity programme's outcomes keep, per person, the groups they chose
/// to share: an erasure takes them out of every read model and its history,
/// so that no file holds them and no as-of answer counts them.
#[tokio::test]
async fn an_erased_person_leaves_no_shared_attribute_in_the_read_models() {
    let server = Server::start().await;
    let programme = Programme::new(&server, "p-gdpr-div");
    programme.define().await.expect("defined");
    programme
        .design_as(pb::ProgrammeType::Diversity)
        .await
        .expect("designed");
    programme.open_onboarding().await.expect("onboarding");
    let mut answers = marked("shy", pb::Role::Mentee, "SHY-hgf");
    answers
        .shared_attributes
        .insert("pronouns".to_owned(), "SHY-hgf-attribute".to_owned());
    let enrolled = programme.enrol_with("shy", answers).await;
    let data = server.data_dir();
    let overview = |position| {
        let mut queries = server.queries();
        async move {
            queries
                .get_outcomes(as_actor(
                    ADMIN,
                    pb::GetOutcomesRequest {
                        programme_id: "p-gdpr-div".to_owned(),
                        consistency: mentorship_e2e::after(position),
                    },
                ))
                .await
                .expect("GetOutcomes")
        }
    };
    overview(enrolled.last_position).await;
    // The read models write their rows within a flush interval; the
    // person's row is there, and nothing they shared is.
    let read_models = data.join("projections");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !holds(&bytes_below(&read_models), "shy") {
        assert!(
            std::time::Instant::now() < deadline,
            "the read models never stored the person's rows"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(!holds(&bytes_below(&read_models), "SHY-hgf-attribute"));
    assert!(
        holds(&bytes_below(&data), "SHY-hgf-attribute"),
        "the log has it"
    );

    let erased = server
        .privacy()
        .erase_personal_data(as_actor(
            ADMIN,
            pb::ErasePersonalDataRequest {
                options: options_because("the person asked"),
                person_id: "shy".to_owned(),
            },
        ))
        .await
        .expect("ErasePersonalData")
        .into_inner();
    overview(erased.last_position).await;
    let bytes = bytes_below(&data);
    assert!(
        !holds(&bytes, "SHY-hgf-attribute"),
        "a read model still holds the erased attribute"
    );
}

/// Retention on the command line: the participants of a programme closed
/// before the date are erased there; an open programme's are not.
#[tokio::test]
async fn retention_erases_the_people_of_programmes_closed_before_the_date() {
    let mut server = Server::start().await;
    let closed = Programme::open(&server, "p-closed").await;
    enrol_marked(
        &closed,
        &[
            ("c-m", pb::Role::Mentor, "CLOSED-pqr"),
            ("c-e", pb::Role::Mentee, "CLOSED-pqr"),
        ],
    )
    .await;
    closed.start_matching().await.expect("matching");
    closed.start_momentum().await.expect("momentum");
    closed.start_measurement().await.expect("measurement");
    closed.close_programme().await.expect("closed");
    let open = Programme::open(&server, "p-open").await;
    open.enrol_with("o-e", marked("o-e", pb::Role::Mentee, "OPEN-stu"))
        .await;
    server.terminate().await;

    let data = server.data_dir();
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let output = std::process::Command::new(binary())
        .args(["retention", "--data-dir"])
        .arg(&data)
        .args(["--closed-before", &tomorrow])
        .output()
        .expect("retention runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        said.contains("1 programmes closed before") && said.contains("(p-closed), 2 participants"),
        "{said}"
    );
    let bytes = bytes_below(&data);
    assert!(!holds(&bytes, "CLOSED-pqr"));
    assert!(holds(&bytes, "OPEN-stu name"));
    server.start_again();
    assert!(server.verify().await.intact);
    let recorded = server.read_stream("participant", "p-closed/c-e").await;
    assert_eq!(
        recorded.last().map(|event| event.event_type.as_str()),
        Some("PersonalDataErased")
    );
}

/// Subject access: a person receives their own events with their personal
/// values and their relationship's confidential content, nobody else's
/// personal values, and the record of the export itself; on the command
/// line too.
#[tokio::test]
async fn a_person_exports_everything_held_about_them_and_the_export_is_recorded() {
    let mut server = Server::start().await;
    let programme = Programme::open(&server, "p-sar").await;
    enrol_marked(
        &programme,
        &[
            ("sar-m", pb::Role::Mentor, "MENTOR-def"),
            ("sar-e", pb::Role::Mentee, "OWN-ghi"),
            ("other", pb::Role::Mentee, "OTHER-abc"),
        ],
    )
    .await;
    programme.start_matching().await.expect("matching");
    programme.match_pair("r-sar", "sar-m", "sar-e").await;
    programme.start_momentum().await.expect("momentum");
    let relationship = mentorship_e2e::fixtures::Relationship::new(&server, "r-sar");
    relationship.agree("sar-m", "sar-e").await;
    relationship
        .check_in("sar-m", "CONFIDENTIAL-jkl went well")
        .await
        .expect("checked in");

    let reply = server
        .privacy()
        .export_personal_data(as_actor(
            "sar-e",
            pb::ExportPersonalDataRequest {
                options: options_because("my own copy"),
                person_id: "sar-e".to_owned(),
            },
        ))
        .await
        .expect("ExportPersonalData")
        .into_inner();
    let text = String::from_utf8(reply.events_jsonl.clone()).expect("UTF-8");
    assert!(text.contains("OWN-ghi name"), "their own name");
    assert!(text.contains("OWN-ghi goal"), "their own goals");
    assert!(
        text.contains("CONFIDENTIAL-jkl"),
        "their relationship's notes"
    );
    assert!(!text.contains("OTHER-abc"), "another person's data");
    assert!(
        !text.contains("MENTOR-def"),
        "their mentor's personal values"
    );
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    let types: Vec<&str> = lines
        .iter()
        .map(|line| line["event_type"].as_str().expect("a type"))
        .collect();
    for expected in [
        "ApplicationSubmitted",
        "MatchProposed",
        "RelationshipOpened",
        "CheckedIn",
        "SubjectAccessExported",
    ] {
        assert!(types.contains(&expected), "{expected} missing: {types:?}");
    }
    let positions: Vec<u64> = lines
        .iter()
        .map(|line| line["position"].as_u64().expect("a position"))
        .collect();
    assert!(
        positions.windows(2).all(|pair| pair[0] < pair[1]),
        "in order"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&reply.manifest_json).expect("a JSON manifest");
    assert_eq!(manifest["format"], "mentorship-subject-access/1");
    assert_eq!(manifest["count"], lines.len());
    assert_eq!(manifest["person"], "sar-e");

    server.terminate().await;
    let target = tempfile::tempdir().expect("a directory");
    let to = target.path().join("sar-e");
    let output = std::process::Command::new(binary())
        .args(["subject-access", "--data-dir"])
        .arg(server.data_dir())
        .args(["--person", "sar-e", "--reason", "request by letter", "--to"])
        .arg(&to)
        .output()
        .expect("subject-access runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let written = std::fs::read_to_string(to.join("events.jsonl")).expect("events.jsonl");
    assert!(written.contains("OWN-ghi name") && !written.contains("OTHER-abc"));
    assert_eq!(
        written
            .matches("\"event_type\":\"SubjectAccessExported\"")
            .count(),
        2,
        "the first export's record and this one's"
    );
    assert!(to.join("manifest.json").exists());
}

/// Reading one's own enrolment from the log shows the personal values one
/// gave; anybody else reading it, an administrator included, sees digests.
#[tokio::test]
async fn a_person_reads_their_own_personal_values_and_nobody_else_s() {
    let server = Server::start().await;
    let programme = Programme::open(&server, "p-own").await;
    programme
        .enrol_with("own-e", marked("own-e", pb::Role::Mentee, "MINE-zyx"))
        .await;
    let read_as = |reader: &str| {
        let mut events = server.events();
        let reader = reader.to_owned();
        async move {
            let reply = events
                .read_stream(as_actor(
                    &reader,
                    pb::ReadStreamRequest {
                        stream_type: "participant".to_owned(),
                        stream_id: "p-own/own-e".to_owned(),
                        from_revision: 1,
                        limit: 10,
                    },
                ))
                .await
                .expect("ReadStream")
                .into_inner();
            let first = &reply.events[0];
            let payload: serde_json::Value =
                serde_json::from_slice(&first.payload_json).expect("JSON");
            payload["event"]["ApplicationSubmitted"]["questionnaire"]["display_name"].clone()
        }
    };
    assert_eq!(read_as("own-e").await, "MINE-zyx name");
    assert!(read_as(ADMIN).await["$sealed"].is_string());
    assert!(read_as("someone-else").await["$sealed"].is_string());
}

/// Names in the directory, the board, match runs and explanations go to
/// administrators, and to the managers and services of the programme,
/// never to auditors; every other kind of caller is refused; each answer
/// that shows them is recorded once, before it leaves, and auditors find
/// the records under the reader and under each person.
#[tokio::test]
async fn names_go_only_to_those_entitled_and_each_answer_is_recorded_once() {
    use super::policy::{Caller, Secured, MENTEE, PROGRAMME};
    use mentorship_e2e::tokens::bearer;

    let secured = Secured::start().await;
    let list = || pb::ListParticipantsRequest {
        programme_id: PROGRAMME.to_owned(),
        ..Default::default()
    };
    // Every kind of caller against both queries that name people: those the
    // policy admits get names exactly when entitled, one record a request;
    // the rest are refused and write nothing.
    let entitled = [Caller::Admin, Caller::Manager, Caller::Service];
    let admitted = [
        Caller::Admin,
        Caller::Manager,
        Caller::Service,
        Caller::Auditor,
    ];
    let mut recorded = 0;
    for caller in Caller::ALL {
        let before = secured.head().await;
        let directory = secured
            .server
            .queries()
            .list_participants(bearer(secured.credential(caller), list()))
            .await;
        let board = secured
            .server
            .queries()
            .list_relationships(bearer(
                secured.credential(caller),
                pb::ListRelationshipsRequest {
                    programme_id: PROGRAMME.to_owned(),
                    ..Default::default()
                },
            ))
            .await;
        let written = secured.head().await - before;
        if !admitted.contains(&caller) {
            assert!(
                directory.is_err() && board.is_err(),
                "{caller:?} was answered"
            );
            assert_eq!(written, 0, "{caller:?}: a refusal wrote");
            continue;
        }
        let named = entitled.contains(&caller);
        let directory = directory.expect("ListParticipants").into_inner();
        assert_eq!(directory.participants.len(), 3, "{caller:?}");
        for entry in &directory.participants {
            let expected = if named {
                format!("Person {}", entry.person_id)
            } else {
                String::new()
            };
            assert_eq!(entry.display_name, expected, "{caller:?}");
        }
        let board = board.expect("ListRelationships").into_inner();
        let names = &board.relationships[0].member_names;
        if named {
            assert_eq!(names.get(MENTEE).map(String::as_str), Some("Person max"));
            assert_eq!(names.len(), 2, "{names:?}");
        } else {
            assert!(names.is_empty(), "{caller:?}: {names:?}");
        }
        assert_eq!(
            written,
            2 * u64::from(named),
            "{caller:?}: one record a request that named people"
        );
        recorded += written;
    }
    // A matching run names its proposals to a manager; an explanation
    // names the pair to the manager, not to an auditor.
    let before = secured.head().await;
    let proposed = secured
        .server
        .matching()
        .propose_matches(bearer(
            secured.credential(Caller::Manager),
            pb::ProposeMatchesRequest {
                options: mentorship_e2e::options(),
                programme_id: PROGRAMME.to_owned(),
                mode: pb::MatchingMode::Optimal as i32,
            },
        ))
        .await
        .expect("ProposeMatches")
        .into_inner()
        .run
        .expect("a run");
    let proposal = proposed.proposals.first().expect("a proposal");
    assert_eq!(
        proposal.mentee_name,
        format!("Person {}", proposal.mentee_id)
    );
    assert_eq!(
        proposal.mentor_name,
        format!("Person {}", proposal.mentor_id)
    );
    assert_eq!(
        secured.head().await - before,
        2,
        "the run and the record of its names"
    );
    recorded += u64::from(proposal.mentee_id == MENTEE);
    for (caller, entitled) in [(Caller::Manager, true), (Caller::Auditor, false)] {
        let explained = secured
            .server
            .matching()
            .explain_pair(bearer(
                secured.credential(caller),
                pb::ExplainPairRequest {
                    programme_id: PROGRAMME.to_owned(),
                    run_number: proposed.run_number,
                    mentor_id: proposal.mentor_id.clone(),
                    mentee_id: proposal.mentee_id.clone(),
                },
            ))
            .await
            .expect("ExplainPair")
            .into_inner();
        assert_eq!(explained.mentee_name.is_empty(), !entitled, "{caller:?}");
    }
    let trail = secured
        .server
        .queries()
        .list_audit_trail(bearer(
            secured.credential(Caller::Auditor),
            pb::ListAuditTrailRequest {
                key: Some(pb::list_audit_trail_request::Key::Subject(format!(
                    "person/{MENTEE}"
                ))),
                consistency: mentorship_e2e::after(secured.head().await),
                page: None,
            },
        ))
        .await
        .expect("ListAuditTrail")
        .into_inner();
    let reveals: Vec<&pb::AuditEntry> = trail
        .entries
        .iter()
        .filter(|entry| entry.event_type == "PersonalDataRevealed")
        .collect();
    assert_eq!(reveals.len() as u64, recorded, "{:?}", trail.entries);
    assert!(reveals
        .iter()
        .all(|entry| entry.subject == format!("access/{PROGRAMME}")));
    assert!(reveals.iter().any(|entry| entry.actor == "mo"));
}

/// A mentor reads their mentee's enrolment: the name and goals the
/// relationship needs, recorded, and nothing else personal; someone who
/// shares no live match with them is refused.
#[tokio::test]
async fn a_mentor_sees_their_mentee_s_name_and_goals_and_nobody_else_does() {
    use super::policy::{Caller, Secured, MENTEE, OUTSIDER, PROGRAMME};
    use mentorship_e2e::tokens::bearer;

    let secured = Secured::start().await;
    let read = |caller: Caller, person: &str| {
        let mut events = secured.server.events();
        let credential = secured.credential(caller).map(str::to_owned);
        let stream_id = format!("{PROGRAMME}/{person}");
        async move {
            events
                .read_stream(bearer(
                    credential.as_deref(),
                    pb::ReadStreamRequest {
                        stream_type: "participant".to_owned(),
                        stream_id,
                        from_revision: 1,
                        limit: 10,
                    },
                ))
                .await
        }
    };
    let before = secured.head().await;
    let reply = read(Caller::Mentor, MENTEE)
        .await
        .expect("the mentor reads the mentee's enrolment")
        .into_inner();
    let payload: serde_json::Value =
        serde_json::from_slice(&reply.events[0].payload_json).expect("JSON");
    let answers = &payload["event"]["ApplicationSubmitted"]["questionnaire"];
    assert_eq!(answers["display_name"], format!("Person {MENTEE}"));
    assert_eq!(answers["goals"][0], "grow");
    assert!(answers["preferences"]["$sealed"].is_string(), "{answers}");
    assert!(
        answers["shared_attributes"]["$sealed"].is_string(),
        "{answers}"
    );
    assert_eq!(secured.head().await - before, 1, "the reveal is recorded");

    let refused = read(Caller::Outsider, MENTEE)
        .await
        .expect_err("no match shared");
    assert_eq!(refused.code(), Code::PermissionDenied);
    let refused = read(Caller::Mentee, OUTSIDER)
        .await
        .expect_err("no match shared");
    assert_eq!(refused.code(), Code::PermissionDenied);
}
