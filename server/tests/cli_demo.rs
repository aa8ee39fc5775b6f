//! `mentorship demo` through the real binary.

// A helper that fails is a failed test.
#![allow(clippy::unwrap_used)]

mod cli_support;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use cli_support::{assert_one_line_error, demo, run, stdout};
use mentorship_engine::domain::schema;
use mentorship_engine::store::{EventLog, LogConfig, RecordedEvent, SegmentLog};

async fn read_back(dir: &std::path::Path) -> Vec<RecordedEvent> {
    let log = SegmentLog::open(dir.join("log"), LogConfig::new(schema::sensitive_fields)).unwrap();
    log.read_all(1, usize::MAX).await.unwrap()
}

#[test]
fn demo_then_verify_reports_every_event_written() {
    let (dir, events) = demo();
    assert!(events > 500, "{events}");
    let output = run(&["verify"], dir.path());
    assert!(output.status.success(), "{output:?}");
    let out = stdout(&output);
    let prefix = format!("intact: {events} events, head hash ");
    let hash = out
        .trim()
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(hash.len(), 64, "{out}");
    assert!(hash.chars().all(|c| c.is_ascii_hexdigit()), "{out}");
}

#[test]
fn demo_on_a_store_that_holds_events_is_refused_and_writes_nothing() {
    let (dir, events) = demo();
    let again = run(&["demo"], dir.path());
    assert_one_line_error(&again, &format!("already holds {events} events"));
    let verified = stdout(&run(&["verify"], dir.path()));
    assert!(
        verified.starts_with(&format!("intact: {events} events")),
        "{verified}"
    );
}

#[tokio::test]
async fn demo_writes_every_phase_of_a_relationship_and_all_six_steps_of_a_programme() {
    let (dir, events) = demo();
    let log = read_back(dir.path()).await;
    assert_eq!(log.len() as u64, events);
    let types: BTreeSet<(&str, &str)> = log
        .iter()
        .map(|e| (e.stream.stream_type.as_str(), e.event_type.as_str()))
        .collect();
    for relationship_event in [
        "RelationshipOpened",
        "NegotiationStarted",
        "AgreementDrafted",
        "AgreementSigned",
        "AgreementConcluded",
        "MeetingLogged",
        "CheckedIn",
        "GoalProgressed",
        "ResourceShared",
        "IntroductionMade",
        "FeedbackGiven",
        "RecognitionGiven",
        "RelationshipCompleted",
        "RelationshipEndedEarly",
    ] {
        assert!(
            types.contains(&("relationship", relationship_event)),
            "{relationship_event}"
        );
    }
    for participant_event in [
        "ApplicationSubmitted",
        "ApplicationApproved",
        "ApplicationRejected",
        "TrainingModuleCompleted",
        "ParticipantOnboarded",
        "ParticipantWithdrawn",
    ] {
        assert!(
            types.contains(&("participant", participant_event)),
            "{participant_event}"
        );
    }
    assert!(types.contains(&("programme", "MatchDeclined")));

    let steps: Vec<&str> = log
        .iter()
        .filter(|e| e.stream.stream_type == "programme" && e.stream.stream_id == "eng-2025")
        .map(|e| e.event_type.as_str())
        .filter(|t| {
            [
                "ProgrammeDefined",
                "ProgrammeDesigned",
                "OnboardingOpened",
                "MatchingStarted",
                "MomentumStarted",
                "MeasurementStarted",
                "ProgrammeClosed",
            ]
            .contains(t)
        })
        .collect();
    assert_eq!(
        steps,
        [
            "ProgrammeDefined",
            "ProgrammeDesigned",
            "OnboardingOpened",
            "MatchingStarted",
            "MomentumStarted",
            "MeasurementStarted",
            "ProgrammeClosed"
        ]
    );
    assert!(log
        .iter()
        .any(|e| e.stream.stream_id == "eng-2025" && e.event_type == "SurveyResponded"));
    // The other two programmes are left in momentum, with live data.
    for live in ["reverse-2026", "circles-2026"] {
        let last_step = log
            .iter()
            .filter(|e| e.stream.stream_id == live && e.event_type.ends_with("Started"))
            .map(|e| e.event_type.as_str())
            .next_back();
        assert_eq!(last_step, Some("MomentumStarted"), "{live}");
    }
}

#[tokio::test]
async fn demo_meetings_fall_after_their_agreement_and_before_they_are_logged() {
    let (dir, _) = demo();
    let mut in_force: BTreeMap<String, DateTime<Utc>> = BTreeMap::new();
    let mut flash = BTreeSet::new();
    let (mut meetings, mut flash_sessions) = (0, 0);
    for event in read_back(dir.path()).await {
        let body = &event.payload["event"][&event.event_type];
        let at = |field: &str| {
            body[field]
                .as_str()
                .and_then(|t| t.parse::<DateTime<Utc>>().ok())
                .unwrap_or_else(|| panic!("{field} in {body}"))
        };
        let id = event.stream.stream_id.clone();
        match event.event_type.as_str() {
            "RelationshipOpened" if body["terms"]["programme_type"] == "flash" => {
                flash.insert(id);
            }
            "AgreementConcluded" => {
                in_force.insert(id, at("in_force_from"));
            }
            "MeetingLogged" => {
                meetings += 1;
                let held = at("held_at");
                let minutes = body["duration_minutes"].as_i64().unwrap();
                match in_force.get(&id) {
                    Some(from) => assert!(held >= *from, "{body}"),
                    None => {
                        // Only a flash session is held without an agreement.
                        assert!(flash.contains(&id), "{id}: {body}");
                        flash_sessions += 1;
                    }
                }
                assert!(held + Duration::minutes(minutes) <= event.at, "{body}");
            }
            _ => {}
        }
    }
    assert!(meetings > 100, "{meetings}");
    assert_eq!(flash_sessions, 2, "the speed-mentoring sessions held");
}

#[test]
fn demo_writes_the_same_history_every_time() {
    // Sealed values carry random salts, so their digests differ; everything
    // else is fixed.
    fn without_digests(text: &str) -> String {
        text.split("\"$sealed\":\"")
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part
                } else {
                    part.get(64..).unwrap_or(part)
                }
            })
            .collect()
    }
    let (first, _) = demo();
    let (second, _) = demo();
    let tail = |dir: &std::path::Path| without_digests(&stdout(&run(&["events", "tail"], dir)));
    assert_eq!(tail(first.path()), tail(second.path()));
}
