//! One programme from definition to closure, across all three aggregates:
//! 3 mentors and 6 mentee applicants, one application rejected, one person
//! who never finishes training, one early ending and a re-match, agreements,
//! meetings, feedback, a survey and closure. Every final state is checked.
//!
//! The office of the testkit runs every command through the real `Engine`
//! on a `MemoryLog`, the way the server does: follow-ups, lead-ins,
//! idempotent retries and the log's own checks included.

// A failed step of the scenario is a failed test.
#![allow(clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use mentorship_engine::domain::ids::*;
use mentorship_engine::domain::participant::*;
use mentorship_engine::domain::programme::design::*;
use mentorship_engine::domain::programme::*;
use mentorship_engine::domain::relationship::*;
use mentorship_engine::domain::schema;
use mentorship_engine::domain::{Decider, DomainError, ParticipantStreamId, Rule, StreamType};
use mentorship_engine::facade::{Clerk, CommandNumbering, Engine, EngineError, Receipt};
use mentorship_engine::store::{EventLog, LogConfig, MemoryLog};
use mentorship_engine::testkit::{
    self, applicant, date, design, goals, person, programme, question, relationship_id as rel,
    Office, MODULES,
};
use serde_json::Value;

type Scene = Office<MemoryLog>;

fn stream(programme: &ProgrammeId, who: &str) -> ParticipantStreamId {
    ParticipantStreamId::new(programme.clone(), person(who))
}

/// The domain's refusal inside an engine error, for the assertions.
fn refusal(result: Result<Receipt, EngineError>) -> Result<Receipt, DomainError> {
    result.map_err(|error| match error {
        EngineError::Domain(refusal) => refusal,
        other => panic!("not a refusal of the domain: {other:?}"),
    })
}

fn scene() -> Scene {
    let log = MemoryLog::new(LogConfig::new(schema::sensitive_fields));
    let start = Utc
        .with_ymd_and_hms(2025, 12, 1, 9, 0, 0)
        .single()
        .expect("a valid time");
    Office::new(Clerk::new(
        Engine::new(Arc::new(log)),
        start,
        CommandNumbering::new("cmd-", 0),
    ))
}

async fn load<A: Decider>(office: &Scene, target: &A::Id) -> A {
    office.engine().load::<A>(target).await.expect("loads").0
}

/// An agreement with one goal due on `due`.
fn agreement(due: NaiveDate) -> AgreementDraft {
    AgreementDraft {
        goals: goals(1, due),
        ..testkit::agreement()
    }
}

/// Two weeks on, a one-hour meeting held the day before.
async fn meet(office: &mut Scene, relationship: &str, by: &str, notes: &str) {
    office.advance(Duration::days(14));
    let held_at = office.now() - Duration::days(1);
    let meeting = RelationshipCommand::LogMeeting {
        held_at,
        duration_minutes: 60,
        mode: MeetingMode::Video,
        notes: notes.into(),
    };
    office
        .relationship(by, None, &rel(relationship), meeting)
        .await
        .expect("meeting logged");
}

async fn feedback(office: &mut Scene, relationship: &str, by: &str, about: &str, rating: u8) {
    let feedback = RelationshipCommand::GiveFeedback {
        about: person(about),
        rating,
        comment: format!("{by} on {about}"),
    };
    office
        .relationship(by, None, &rel(relationship), feedback)
        .await
        .expect("feedback given");
}

async fn complete(office: &mut Scene, relationship: &str, by: &str) {
    office
        .relationship(
            by,
            None,
            &rel(relationship),
            RelationshipCommand::Complete(testkit::outcome()),
        )
        .await
        .expect("completed");
}

async fn match_pair(office: &mut Scene, p: &ProgrammeId, r: &str, mentor: &str, mentee: &str) {
    office
        .pair("admin", p, &rel(r), &person(mentor), &person(mentee))
        .await
        .expect("matched");
}

async fn agree(office: &mut Scene, r: &str, mentor: &str, mentee: &str, draft: AgreementDraft) {
    office
        .agree(&rel(r), &person(mentor), &person(mentee), draft)
        .await
        .expect("agreed");
}

#[tokio::test]
async fn a_programme_runs_from_definition_to_closure() {
    let mut office = scene();
    let p = programme("platform-2026");

    // Steps 1–3.
    office
        .programme(
            "admin",
            &p,
            ProgrammeCommand::Define {
                programme: p.clone(),
                charter: Charter {
                    name: "Platform mentoring".into(),
                    purpose: "Grow platform engineers".into(),
                    objectives: vec!["Retention".into()],
                    kpis: KpiTargets {
                        min_satisfaction: Some(4.0),
                        ..KpiTargets::default()
                    },
                },
            },
        )
        .await
        .expect("defined");
    office
        .programme(
            "admin",
            &p,
            ProgrammeCommand::Design(design(ProgrammeType::OneToOne)),
        )
        .await
        .expect("designed");
    office
        .programme("admin", &p, ProgrammeCommand::OpenOnboarding)
        .await
        .expect("onboarding");

    let mentors = [("m1", 7), ("m2", 6), ("m3", 8)];
    let mentees = ["e1", "e2", "e3", "e4", "e5", "e6"];
    for (mentor, seniority) in mentors {
        let mut answers = applicant(Role::Mentor, mentor, seniority);
        if mentor == "m3" {
            answers.capacity = Some(1);
        }
        office
            .apply(&p, &person(mentor), answers)
            .await
            .expect("application accepted");
    }
    for mentee in mentees {
        // e4 reports to m2.
        let answers = Questionnaire {
            manager: (mentee == "e4").then(|| person("m2")),
            ..applicant(Role::Mentee, mentee, 3)
        };
        office
            .apply(&p, &person(mentee), answers)
            .await
            .expect("application accepted");
    }
    for who in ["m1", "m2", "m3", "e1", "e2", "e3", "e4", "e5"] {
        office
            .participant("admin", None, &p, &person(who), ParticipantCommand::Approve)
            .await
            .expect("approved");
    }
    // A retried command gets its first answer and writes nothing.
    let head = office.engine().log().head();
    let again = office
        .retry_last::<Participant>(&stream(&p, "e5"), ParticipantCommand::Approve)
        .await
        .expect("a command was sent")
        .expect("a retry is answered");
    assert!(again.duplicate);
    assert_eq!(office.engine().log().head(), head, "a retry writes nothing");
    office
        .participant(
            "admin",
            Some("Not eligible this year"),
            &p,
            &person("e6"),
            ParticipantCommand::Reject,
        )
        .await
        .expect("rejected");
    for who in ["m1", "m2", "m3", "e1", "e2", "e3", "e4"] {
        office
            .train("lms-service", &p, &person(who), &MODULES)
            .await
            .expect("trained");
    }
    // e5 never finishes training.
    office
        .train("lms-service", &p, &person("e5"), &MODULES[..1])
        .await
        .expect("trained");

    // Step 4.
    office.advance(Duration::days(30));
    office
        .programme("admin", &p, ProgrammeCommand::StartMatching)
        .await
        .expect("matching");
    let refused = refusal(
        office
            .programme(
                "admin",
                &p,
                ProgrammeCommand::ProposeMatch {
                    relationship: rel("r-e5"),
                    mentors: vec![person("m1")],
                    mentees: vec![person("e5")],
                },
            )
            .await,
    );
    assert!(
        matches!(
            refused,
            Err(DomainError::RuleViolated {
                rule: Rule::OnlyOnboardedMatched,
                ..
            })
        ),
        "{refused:?}"
    );
    let refused = refusal(
        office
            .programme(
                "admin",
                &p,
                ProgrammeCommand::ProposeMatch {
                    relationship: rel("r-line"),
                    mentors: vec![person("m2")],
                    mentees: vec![person("e4")],
                },
            )
            .await,
    );
    assert!(
        matches!(
            refused,
            Err(DomainError::RuleViolated {
                rule: Rule::NoReportingLineMatch,
                ..
            })
        ),
        "{refused:?}"
    );
    match_pair(&mut office, &p, "r1", "m1", "e1").await;
    match_pair(&mut office, &p, "r2", "m2", "e2").await;
    match_pair(&mut office, &p, "r3", "m3", "e3").await;
    match_pair(&mut office, &p, "r4", "m1", "e4").await;
    let refused = refusal(
        office
            .programme(
                "admin",
                &p,
                ProgrammeCommand::ProposeMatch {
                    relationship: rel("r-full"),
                    mentors: vec![person("m3")],
                    mentees: vec![person("e2")],
                },
            )
            .await,
    );
    assert!(
        matches!(
            refused,
            Err(DomainError::RuleViolated {
                rule: Rule::MenteeMatchedOnce,
                ..
            })
        ),
        "{refused:?}"
    );

    // Step 5.
    office
        .programme("admin", &p, ProgrammeCommand::StartMomentum)
        .await
        .expect("momentum");
    let due = date(2026, 9, 1);
    // r1 renegotiates once: the changed draft needs both signatures again.
    let r1 = rel("r1");
    office
        .relationship("e1", None, &r1, RelationshipCommand::StartNegotiation)
        .await
        .expect("negotiating");
    office
        .relationship(
            "e1",
            None,
            &r1,
            RelationshipCommand::DraftAgreement(agreement(due)),
        )
        .await
        .expect("draft 1");
    office
        .relationship(
            "m1",
            None,
            &r1,
            RelationshipCommand::SignAgreement { version: 1 },
        )
        .await
        .expect("m1 signs draft 1");
    office
        .relationship(
            "m1",
            None,
            &r1,
            RelationshipCommand::DraftAgreement(agreement(date(2026, 8, 1))),
        )
        .await
        .expect("draft 2");
    for signer in ["e1", "m1"] {
        office
            .relationship(
                signer,
                None,
                &r1,
                RelationshipCommand::SignAgreement { version: 2 },
            )
            .await
            .expect("signs draft 2");
    }
    agree(&mut office, "r2", "m2", "e2", agreement(due)).await;
    agree(&mut office, "r3", "m3", "e3", agreement(due)).await;
    agree(&mut office, "r4", "m1", "e4", agreement(due)).await;
    for (relationship, by) in [("r1", "e1"), ("r3", "m3"), ("r4", "e4")] {
        meet(&mut office, relationship, by, "private notes").await;
    }
    meet(&mut office, "r1", "m1", "second meeting").await;
    feedback(&mut office, "r1", "e1", "m1", 5).await;
    feedback(&mut office, "r1", "m1", "e1", 4).await;
    office
        .relationship(
            "e1",
            None,
            &rel("r1"),
            RelationshipCommand::RecordMidpointReview {
                on_track: true,
                summary: "Halfway there".into(),
            },
        )
        .await
        .expect("mid-point review recorded");
    // r2 ends early and e2 is re-matched.
    office
        .relationship(
            "e2",
            Some("Different expectations"),
            &rel("r2"),
            RelationshipCommand::EndEarly {
                reason: EndReason::Mismatch,
                outcome: Outcome {
                    goals_reached: vec![],
                    mentor_satisfaction: Some(2),
                    mentee_satisfaction: Some(2),
                    learnt: String::new(),
                },
            },
        )
        .await
        .expect("ended early");
    complete(&mut office, "r1", "e1").await;
    match_pair(&mut office, &p, "r5", "m1", "e2").await;
    agree(&mut office, "r5", "m1", "e2", agreement(due)).await;
    meet(&mut office, "r5", "e2", "fresh start").await;
    for (relationship, by) in [("r3", "e3"), ("r4", "m1"), ("r5", "e2")] {
        complete(&mut office, relationship, by).await;
    }

    // Step 6.
    office
        .programme("admin", &p, ProgrammeCommand::StartMeasurement)
        .await
        .expect("measurement");
    for respondent in ["e1", "e2", "m1"] {
        office
            .programme(
                respondent,
                &p,
                ProgrammeCommand::RespondToSurvey {
                    answers: vec![
                        SurveyAnswer {
                            question: question("overall"),
                            rating: Some(4),
                            text: None,
                        },
                        SurveyAnswer {
                            question: question("comment"),
                            rating: None,
                            text: Some(format!("{respondent} would do it again")),
                        },
                    ],
                },
            )
            .await
            .expect("survey answered");
    }
    office
        .programme("admin", &p, ProgrammeCommand::Close)
        .await
        .expect("closed");

    // Final states.
    let programme = &load::<Programme>(&office, &p).await;
    assert_eq!(programme.step, Step::Closed);
    let rostered: BTreeSet<&str> = programme.roster.keys().map(PersonId::as_str).collect();
    assert_eq!(
        rostered,
        BTreeSet::from(["m1", "m2", "m3", "e1", "e2", "e3", "e4"])
    );
    for mentor in ["m1", "m2", "m3"] {
        assert_eq!(programme.mentor_load(&person(mentor)), 0);
    }
    let statuses: BTreeMap<&str, MatchStatus> = programme
        .matches
        .iter()
        .map(|(id, entry)| (id.as_str(), entry.status))
        .collect();
    assert_eq!(
        statuses,
        BTreeMap::from([
            ("r1", MatchStatus::Completed),
            ("r2", MatchStatus::EndedEarly),
            ("r3", MatchStatus::Completed),
            ("r4", MatchStatus::Completed),
            ("r5", MatchStatus::Completed),
        ])
    );
    assert!(programme
        .failed_pairs
        .contains(&(person("m2"), person("e2"))));
    assert_eq!(programme.survey_respondents.len(), 3);

    let mut statuses = BTreeMap::new();
    for who in ["m1", "m2", "m3", "e1", "e2", "e3", "e4", "e5", "e6"] {
        let participant = load::<Participant>(&office, &stream(&p, who)).await;
        statuses.insert(who, participant.status);
    }
    let status = |who: &str| statuses[who];
    assert_eq!(status("e6"), EnrolmentStatus::Rejected);
    assert_eq!(status("e5"), EnrolmentStatus::Approved);
    for who in ["m1", "m2", "m3", "e1", "e2", "e3", "e4"] {
        assert_eq!(status(who), EnrolmentStatus::Onboarded, "{who}");
    }

    let mut relationships = BTreeMap::new();
    for id in ["r1", "r2", "r3", "r4", "r5"] {
        let relationship = load::<Relationship>(&office, &rel(id)).await;
        assert_eq!(relationship.phase, Phase::Closed, "{id}");
        relationships.insert(id, relationship);
    }
    let r1 = &relationships["r1"];
    assert_eq!(r1.draft.as_ref().map(|(version, _)| *version), Some(2));
    assert_eq!(r1.meetings, 2);
    assert!(r1.midpoint_reviewed);
    assert!(matches!(r1.closure, Some(Closure::Completed(_))));
    assert!(matches!(
        relationships["r2"].closure,
        Some(Closure::EndedEarly {
            reason: EndReason::Mismatch,
            ..
        })
    ));
    assert_eq!(relationships["r5"].meetings, 1);

    // Every follow-up happened: one roster entry per onboarded person, one
    // opening per confirmed match, one release per closure.
    let stored = office
        .engine()
        .log()
        .read_all(1, usize::MAX)
        .await
        .expect("the log reads");
    let count = |name: &str| {
        stored
            .iter()
            .filter(|event| event.event_type == name)
            .count()
    };
    assert_eq!(count("ParticipantRostered"), 7);
    assert_eq!(count("MatchConfirmed"), 5);
    assert_eq!(count("RelationshipOpened"), 5);
    assert_eq!(count("RelationshipReleased"), 5);
    assert_eq!(count("ProgrammeClosed"), 1);

    let stored: Vec<(String, String, Value)> = stored
        .into_iter()
        .map(|event| (event.stream.stream_type, event.event_type, event.payload))
        .collect();
    assert_every_event_matches_the_schema(&stored);

    // A closed programme accepts nothing more.
    let after = refusal(
        office
            .programme("admin", &p, ProgrammeCommand::StartMomentum)
            .await,
    );
    assert!(
        matches!(after, Err(DomainError::WrongState { .. })),
        "{after:?}"
    );
}

/// Every stored event's type is in the schema under its tag, and every
/// declared sensitive field points at a field that exists in the payload.
fn assert_every_event_matches_the_schema(stored: &[(String, String, Value)]) {
    let mut sealed = 0;
    for (stream_type, name, payload) in stored {
        let fields = schema::sensitive_fields(stream_type, name)
            .unwrap_or_else(|| panic!("{stream_type}/{name} is not in the schema"));
        let tagged = match &payload["event"] {
            Value::String(tag) => tag == name,
            Value::Object(map) => map.len() == 1 && map.contains_key(name.as_str()),
            _ => false,
        };
        assert!(
            tagged,
            "{name} is not serialised under its own name: {payload}"
        );
        let mut erased = payload.clone();
        for field in fields {
            for slot in resolve_mut(&mut erased, field.pointer) {
                *slot = serde_json::json!({ "$sealed": "00" });
            }
        }
        let decodes = match StreamType::parse(stream_type) {
            Some(StreamType::Programme) => {
                serde_json::from_value::<ProgrammeRecorded>(erased).is_ok()
            }
            Some(StreamType::Participant) => {
                serde_json::from_value::<ParticipantRecorded>(erased).is_ok()
            }
            Some(StreamType::Relationship) => {
                serde_json::from_value::<RelationshipRecorded>(erased).is_ok()
            }
            other => panic!("no event of the scenario is in stream type {other:?}"),
        };
        assert!(
            decodes,
            "{name} does not decode once its sensitive fields are erased"
        );
        for field in fields {
            let found = resolve(payload, field.pointer);
            assert!(
                !found.is_empty() || field.pointer.contains('*'),
                "{name}: {} resolves to nothing",
                field.pointer
            );
            sealed += found.len();
        }
    }
    assert!(sealed > 0, "the scenario stored no sensitive field at all");
}

/// The values at `pointer` in `value`, where a `*` segment stands for every
/// element of an array.
fn resolve<'a>(value: &'a Value, pointer: &str) -> Vec<&'a Value> {
    let mut current = vec![value];
    for segment in pointer.split('/').skip(1) {
        current = current
            .into_iter()
            .flat_map(|value| match (segment, value) {
                ("*", Value::Array(items)) => items.iter().collect::<Vec<_>>(),
                (key, Value::Object(map)) => map.get(key).into_iter().collect(),
                _ => Vec::new(),
            })
            .collect();
    }
    current
}

/// Like [`resolve`], mutably.
fn resolve_mut<'a>(value: &'a mut Value, pointer: &str) -> Vec<&'a mut Value> {
    let mut current = vec![value];
    for segment in pointer.split('/').skip(1) {
        current = current
            .into_iter()
            .flat_map(|value| match (segment, value) {
                ("*", Value::Array(items)) => items.iter_mut().collect::<Vec<_>>(),
                (key, Value::Object(map)) => map.get_mut(key).into_iter().collect(),
                _ => Vec::new(),
            })
            .collect();
    }
    current
}
