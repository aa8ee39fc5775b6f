//! Given/when/then tests of the `Relationship` aggregate: one test per
//! command's success, one per rule that refuses, and a property test over
//! random command sequences for the invariants that hold whatever happens.

use crate::domain::aggregate::Decider;
use chrono::{DateTime, Duration, Utc};
use cqrs_es::test::{AggregateTestExecutor, TestFramework};
use proptest::prelude::*;

use super::{
    AgreementDraft, EndReason, MeetingMode, Outcome, Phase, RecognitionKind, Relationship,
    RelationshipCommand, RelationshipEvent, RelationshipRecorded, SmartGoal, MAX_MEETING_MINUTES,
};
use crate::domain::envelope::{Audit, Envelope, Recorded};
use crate::domain::error::{DomainError, Rule};
use crate::domain::ids::RelationshipId;
use crate::domain::programme::design::Cadence;
use crate::domain::programme::RelationshipTerms;
use crate::testkit::{
    agreement, all_recorded, audit, audit_at, by, date, goal, now, outcome, person, recorded,
    relationship_id, relationship_terms, ADMIN,
};

const ENGINE: &str = "engine";
const MENTOR: &str = "mentor";
const MENTEE: &str = "mentee";
const SECOND_MENTEE: &str = "mentee-2";
const OUTSIDER: &str = "outsider";

// ---------------------------------------------------------------------------
// Sample histories
// ---------------------------------------------------------------------------

fn rel_id() -> RelationshipId {
    relationship_id("rel-1")
}

fn one_to_one() -> RelationshipTerms {
    relationship_terms(&[MENTOR], &[MENTEE])
}

fn group() -> RelationshipTerms {
    relationship_terms(&[MENTOR], &[MENTEE, SECOND_MENTEE])
}

/// When the sample agreement came into force: the day before [`now`],
/// inside the programme.
fn signed_at() -> DateTime<Utc> {
    now() - Duration::days(1)
}

fn recorded_at(actor: &str, at: DateTime<Utc>, event: RelationshipEvent) -> RelationshipRecorded {
    Recorded::new(audit_at(actor, at), event)
}

fn opened_with(terms: RelationshipTerms) -> Vec<RelationshipRecorded> {
    vec![recorded(
        ENGINE,
        RelationshipEvent::RelationshipOpened {
            relationship: rel_id(),
            terms,
        },
    )]
}

/// Preparation.
fn opened() -> Vec<RelationshipRecorded> {
    opened_with(one_to_one())
}

/// Negotiating, nothing drafted.
fn negotiating() -> Vec<RelationshipRecorded> {
    negotiating_with(one_to_one())
}

fn negotiating_with(terms: RelationshipTerms) -> Vec<RelationshipRecorded> {
    let mut events = opened_with(terms);
    events.push(recorded(MENTEE, RelationshipEvent::NegotiationStarted));
    events
}

fn drafted_event(version: u32, draft: AgreementDraft) -> RelationshipEvent {
    RelationshipEvent::AgreementDrafted { version, draft }
}

fn signed_event(version: u32, signer: &str) -> RelationshipEvent {
    RelationshipEvent::AgreementSigned {
        version,
        by: person(signer),
    }
}

/// Negotiating, with draft 1 of the sample agreement and no signature.
fn drafted() -> Vec<RelationshipRecorded> {
    drafted_with(one_to_one())
}

fn drafted_with(terms: RelationshipTerms) -> Vec<RelationshipRecorded> {
    let mut events = negotiating_with(terms);
    events.push(recorded(MENTEE, drafted_event(1, agreement())));
    events
}

/// A second version of the sample agreement: one more meeting a month.
fn changed_agreement() -> AgreementDraft {
    AgreementDraft {
        cadence: Cadence {
            meetings_per_month: 3,
            min_meeting_minutes: 45,
        },
        ..agreement()
    }
}

/// Enabling growth: draft 1 signed by both, in force from [`signed_at`].
fn in_force() -> Vec<RelationshipRecorded> {
    in_force_with(one_to_one())
}

fn in_force_with(terms: RelationshipTerms) -> Vec<RelationshipRecorded> {
    let signers: Vec<String> = terms
        .mentors
        .iter()
        .chain(&terms.mentees)
        .map(ToString::to_string)
        .collect();
    let mut events = drafted_with(terms);
    for signer in &signers {
        events.push(recorded_at(signer, signed_at(), signed_event(1, signer)));
    }
    let last = signers.last().map_or(MENTEE, String::as_str);
    events.push(recorded_at(
        last,
        signed_at(),
        RelationshipEvent::AgreementConcluded {
            version: 1,
            in_force_from: signed_at(),
        },
    ));
    events
}

fn completed() -> Vec<RelationshipRecorded> {
    let mut events = in_force();
    events.push(recorded(
        MENTEE,
        RelationshipEvent::RelationshipCompleted { outcome: outcome() },
    ));
    events
}

fn ended_early() -> Vec<RelationshipRecorded> {
    let mut events = in_force();
    events.push(recorded(
        MENTOR,
        RelationshipEvent::RelationshipEndedEarly {
            reason: EndReason::Mismatch,
            outcome: outcome(),
        },
    ));
    events
}

fn nothing_reached() -> Outcome {
    Outcome {
        goals_reached: vec![],
        ..outcome()
    }
}

fn given(events: Vec<RelationshipRecorded>) -> AggregateTestExecutor<Relationship> {
    TestFramework::<Relationship>::with(()).given(events)
}

fn state_after(events: Vec<RelationshipRecorded>) -> Relationship {
    let mut state = Relationship::default();
    for event in events {
        state.evolve(event.event);
    }
    state
}

fn meeting_at(held_at: DateTime<Utc>, duration_minutes: u32) -> RelationshipCommand {
    RelationshipCommand::LogMeeting {
        held_at,
        duration_minutes,
        mode: MeetingMode::Video,
        notes: "Talked through the design review".into(),
    }
}

fn meeting_logged(by: &str, held_at: DateTime<Utc>, duration_minutes: u32) -> RelationshipEvent {
    RelationshipEvent::MeetingLogged {
        by: person(by),
        held_at,
        duration_minutes,
        mode: MeetingMode::Video,
        notes: "Talked through the design review".into(),
    }
}

fn feedback(about: &str, rating: u8) -> RelationshipCommand {
    RelationshipCommand::GiveFeedback {
        about: person(about),
        rating,
        comment: "Well prepared".into(),
    }
}

fn share(link: &str) -> RelationshipCommand {
    RelationshipCommand::ShareResource {
        title: "Design review template".into(),
        link: link.into(),
    }
}

fn not_a_member(who: &str) -> DomainError {
    DomainError::rule(
        Rule::OnlyMembers,
        format!("{who} is not a member of this relationship"),
    )
}

fn wrong_phase(current: Phase, required: &str) -> DomainError {
    DomainError::wrong_state("relationship", current, required)
}

/// One valid command of every kind, so that only the relationship's phase
/// can refuse it.
fn every_command_kind() -> Vec<RelationshipCommand> {
    vec![
        RelationshipCommand::Open {
            relationship: rel_id(),
            terms: one_to_one(),
        },
        RelationshipCommand::StartNegotiation,
        RelationshipCommand::DraftAgreement(agreement()),
        RelationshipCommand::SignAgreement { version: 1 },
        meeting_at(now() - Duration::hours(2), 60),
        RelationshipCommand::CheckIn {
            note: "All good".into(),
        },
        review(),
        RelationshipCommand::RecordGoalProgress {
            goal: goal("g1"),
            percent: 50,
            note: String::new(),
        },
        share("https://example.com/template"),
        RelationshipCommand::MakeIntroduction {
            contact: "Kim, staff engineer".into(),
            purpose: "Talk about conference speaking".into(),
        },
        feedback(MENTEE, 4),
        RelationshipCommand::Recognise {
            recipient: person(MENTEE),
            kind: RecognitionKind::ThankYou,
            message: "Thank you".into(),
        },
        RelationshipCommand::Complete(outcome()),
        RelationshipCommand::EndEarly {
            reason: EndReason::Mismatch,
            outcome: nothing_reached(),
        },
    ]
}

// ---------------------------------------------------------------------------
// 1. Every command's success
// ---------------------------------------------------------------------------

#[test]
fn open_starts_preparation() {
    TestFramework::<Relationship>::with(())
        .given_no_previous_events()
        .when(by(
            ENGINE,
            RelationshipCommand::Open {
                relationship: rel_id(),
                terms: one_to_one(),
            },
        ))
        .then_expect_events(opened());
    assert_eq!(state_after(opened()).phase, Phase::Preparation);
}

#[test]
fn open_twice_is_refused_as_conflict() {
    given(opened())
        .when(by(
            ENGINE,
            RelationshipCommand::Open {
                relationship: rel_id(),
                terms: one_to_one(),
            },
        ))
        .then_expect_error(DomainError::Conflict(
            "relationship rel-1 is already open".into(),
        ));
}

#[test]
fn start_negotiation_moves_preparation_to_negotiating() {
    given(opened())
        .when(by(MENTEE, RelationshipCommand::StartNegotiation))
        .then_expect_events(vec![recorded(
            MENTEE,
            RelationshipEvent::NegotiationStarted,
        )]);
}

#[test]
fn first_draft_is_version_one() {
    given(negotiating())
        .when(by(MENTEE, RelationshipCommand::DraftAgreement(agreement())))
        .then_expect_events(vec![recorded(MENTEE, drafted_event(1, agreement()))]);
}

#[test]
fn re_draft_increments_the_version_and_lapses_signatures() {
    let mut history = drafted();
    history.push(recorded(MENTOR, signed_event(1, MENTOR)));
    given(history.clone())
        .when(by(
            MENTEE,
            RelationshipCommand::DraftAgreement(changed_agreement()),
        ))
        .then_expect_events(vec![recorded(
            MENTEE,
            drafted_event(2, changed_agreement()),
        )]);

    assert_eq!(state_after(history.clone()).signatures.len(), 1);
    history.push(recorded(MENTEE, drafted_event(2, changed_agreement())));
    let state = state_after(history);
    assert!(
        state.signatures.is_empty(),
        "signatures lapse on a re-draft"
    );
    assert_eq!(state.draft, Some((2, changed_agreement())));
}

#[test]
fn sign_by_one_member_records_the_signature_only() {
    given(drafted())
        .when(by(
            MENTOR,
            RelationshipCommand::SignAgreement { version: 1 },
        ))
        .then_expect_events(vec![recorded(MENTOR, signed_event(1, MENTOR))]);
}

#[test]
fn sign_by_the_last_member_concludes_the_agreement_from_the_command_time() {
    let at = now() - Duration::hours(5);
    let mut history = drafted();
    history.push(recorded(MENTOR, signed_event(1, MENTOR)));
    given(history.clone())
        .when(Envelope::new(
            audit_at(MENTEE, at),
            RelationshipCommand::SignAgreement { version: 1 },
        ))
        .then_expect_events(vec![
            recorded_at(MENTEE, at, signed_event(1, MENTEE)),
            recorded_at(
                MENTEE,
                at,
                RelationshipEvent::AgreementConcluded {
                    version: 1,
                    in_force_from: at,
                },
            ),
        ]);

    history.push(recorded_at(MENTEE, at, signed_event(1, MENTEE)));
    history.push(recorded_at(
        MENTEE,
        at,
        RelationshipEvent::AgreementConcluded {
            version: 1,
            in_force_from: at,
        },
    ));
    let state = state_after(history);
    assert_eq!(state.phase, Phase::EnablingGrowth);
    assert_eq!(state.in_force_from, Some(at));
}

#[test]
fn log_meeting_under_the_agreement_in_force() {
    let held_at = now() - Duration::hours(2);
    given(in_force())
        .when(by(MENTEE, meeting_at(held_at, 60)))
        .then_expect_events(vec![recorded(MENTEE, meeting_logged(MENTEE, held_at, 60))]);
}

#[test]
fn meeting_bounds_are_inclusive() {
    // One minute, exactly when the agreement came into force.
    given(in_force())
        .when(by(MENTOR, meeting_at(signed_at(), 1)))
        .then_expect_events(vec![recorded(
            MENTOR,
            meeting_logged(MENTOR, signed_at(), 1),
        )]);
    // A whole working day, ending exactly now.
    let start = now() - Duration::minutes(i64::from(MAX_MEETING_MINUTES));
    given(in_force())
        .when(by(MENTOR, meeting_at(start, MAX_MEETING_MINUTES)))
        .then_expect_events(vec![recorded(
            MENTOR,
            meeting_logged(MENTOR, start, MAX_MEETING_MINUTES),
        )]);
}

#[test]
fn meetings_are_counted_with_the_latest_start() {
    let earlier = now() - Duration::hours(20);
    let later = now() - Duration::hours(2);
    let mut history = in_force();
    history.push(recorded(MENTOR, meeting_logged(MENTOR, later, 60)));
    history.push(recorded(MENTEE, meeting_logged(MENTEE, earlier, 60)));
    let state = state_after(history);
    assert_eq!(state.meetings, 2);
    assert_eq!(state.last_meeting_at, Some(later));
}

#[test]
fn check_in() {
    given(in_force())
        .when(by(
            MENTEE,
            RelationshipCommand::CheckIn {
                note: "Draft of the talk is ready".into(),
            },
        ))
        .then_expect_events(vec![recorded(
            MENTEE,
            RelationshipEvent::CheckedIn {
                by: person(MENTEE),
                note: "Draft of the talk is ready".into(),
            },
        )]);
}

#[test]
fn record_goal_progress() {
    given(in_force())
        .when(by(
            MENTEE,
            RelationshipCommand::RecordGoalProgress {
                goal: goal("g2"),
                percent: 40,
                note: "Abstract submitted".into(),
            },
        ))
        .then_expect_events(vec![recorded(
            MENTEE,
            RelationshipEvent::GoalProgressed {
                by: person(MENTEE),
                goal: goal("g2"),
                percent: 40,
                note: "Abstract submitted".into(),
            },
        )]);
}

#[test]
fn share_resource() {
    given(in_force())
        .when(by(MENTOR, share("https://example.com/template")))
        .then_expect_events(vec![recorded(
            MENTOR,
            RelationshipEvent::ResourceShared {
                by: person(MENTOR),
                title: "Design review template".into(),
                link: "https://example.com/template".into(),
            },
        )]);
}

#[test]
fn make_introduction_by_a_mentor() {
    given(in_force())
        .when(by(
            MENTOR,
            RelationshipCommand::MakeIntroduction {
                contact: "Kim, staff engineer".into(),
                purpose: "Talk about conference speaking".into(),
            },
        ))
        .then_expect_events(vec![recorded(
            MENTOR,
            RelationshipEvent::IntroductionMade {
                by: person(MENTOR),
                contact: "Kim, staff engineer".into(),
                purpose: "Talk about conference speaking".into(),
            },
        )]);
}

#[test]
fn give_feedback_both_ways() {
    for (giver, about) in [(MENTEE, MENTOR), (MENTOR, MENTEE)] {
        given(in_force())
            .when(by(giver, feedback(about, 5)))
            .then_expect_events(vec![recorded(
                giver,
                RelationshipEvent::FeedbackGiven {
                    by: person(giver),
                    about: person(about),
                    rating: 5,
                    comment: "Well prepared".into(),
                },
            )]);
    }
}

#[test]
fn recognise_a_member() {
    given(in_force())
        .when(by(
            ADMIN,
            RelationshipCommand::Recognise {
                recipient: person(MENTOR),
                kind: RecognitionKind::Award,
                message: "Mentor of the quarter".into(),
            },
        ))
        .then_expect_events(vec![recorded(
            ADMIN,
            RelationshipEvent::RecognitionGiven {
                recipient: person(MENTOR),
                kind: RecognitionKind::Award,
                message: "Mentor of the quarter".into(),
            },
        )]);
}

#[test]
fn complete_after_growth() {
    given(in_force())
        .when(by(MENTEE, RelationshipCommand::Complete(outcome())))
        .then_expect_events(vec![recorded(
            MENTEE,
            RelationshipEvent::RelationshipCompleted { outcome: outcome() },
        )]);
    let state = state_after(completed());
    assert_eq!(state.phase, Phase::Closed);
    // The event keeps what was learnt, sealed; the state keeps no
    // confidential text.
    assert_eq!(
        state.closure,
        Some(super::Closure::Completed(outcome().without_learnt()))
    );
}

#[test]
fn end_early_from_preparation() {
    given(opened())
        .when(by(
            MENTOR,
            RelationshipCommand::EndEarly {
                reason: EndReason::Withdrawal,
                outcome: nothing_reached(),
            },
        ))
        .then_expect_events(vec![recorded(
            MENTOR,
            RelationshipEvent::RelationshipEndedEarly {
                reason: EndReason::Withdrawal,
                outcome: nothing_reached(),
            },
        )]);
}

#[test]
fn end_early_from_negotiating() {
    given(drafted())
        .when(by(
            MENTEE,
            RelationshipCommand::EndEarly {
                reason: EndReason::Mismatch,
                outcome: nothing_reached(),
            },
        ))
        .then_expect_events(vec![recorded(
            MENTEE,
            RelationshipEvent::RelationshipEndedEarly {
                reason: EndReason::Mismatch,
                outcome: nothing_reached(),
            },
        )]);
}

#[test]
fn end_early_from_enabling_growth() {
    given(in_force())
        .when(by(
            MENTOR,
            RelationshipCommand::EndEarly {
                reason: EndReason::OverDependence,
                outcome: outcome(),
            },
        ))
        .then_expect_events(vec![recorded(
            MENTOR,
            RelationshipEvent::RelationshipEndedEarly {
                reason: EndReason::OverDependence,
                outcome: outcome(),
            },
        )]);
    let state = state_after(ended_early());
    assert_eq!(state.phase, Phase::Closed);
    assert!(matches!(
        state.closure,
        Some(super::Closure::EndedEarly {
            reason: EndReason::Mismatch,
            ..
        })
    ));
}

#[test]
fn end_early_for_another_reason_with_the_reason_given() {
    let audit = Audit {
        reason: Some("Mentee moved to another company".into()),
        ..audit(ADMIN)
    };
    given(in_force())
        .when(Envelope::new(
            audit.clone(),
            RelationshipCommand::EndEarly {
                reason: EndReason::Other,
                outcome: outcome(),
            },
        ))
        .then_expect_events(vec![Recorded::new(
            audit,
            RelationshipEvent::RelationshipEndedEarly {
                reason: EndReason::Other,
                outcome: outcome(),
            },
        )]);
}

/// When the sample pair agreed on paper: a month before [`now`], inside
/// the programme (which starts on 2026-01-05).
fn agreed_on_paper() -> DateTime<Utc> {
    now() - Duration::days(28)
}

/// Draft 1 of the sample agreement, effective from [`agreed_on_paper`],
/// signed by the mentor.
fn drafted_on_paper_and_signed_by_the_mentor() -> Vec<RelationshipRecorded> {
    let mut history = negotiating();
    let draft = AgreementDraft {
        effective_from: Some(agreed_on_paper()),
        ..agreement()
    };
    history.push(recorded(MENTEE, drafted_event(1, draft)));
    history.push(recorded(MENTOR, signed_event(1, MENTOR)));
    history
}

#[test]
fn a_draft_with_an_effective_date_concludes_in_force_from_that_date() {
    given(drafted_on_paper_and_signed_by_the_mentor())
        .when(by(
            MENTEE,
            RelationshipCommand::SignAgreement { version: 1 },
        ))
        .then_expect_events(vec![
            recorded(MENTEE, signed_event(1, MENTEE)),
            recorded(
                MENTEE,
                RelationshipEvent::AgreementConcluded {
                    version: 1,
                    in_force_from: agreed_on_paper(),
                },
            ),
        ]);
}

#[test]
fn a_meeting_held_under_an_agreement_recorded_later_is_logged() {
    let mut history = drafted_on_paper_and_signed_by_the_mentor();
    history.push(recorded(MENTEE, signed_event(1, MENTEE)));
    history.push(recorded(
        MENTEE,
        RelationshipEvent::AgreementConcluded {
            version: 1,
            in_force_from: agreed_on_paper(),
        },
    ));
    // Two weeks before anyone signed here, after they agreed on paper.
    let held_at = now() - Duration::days(14);
    given(history)
        .when(by(MENTOR, meeting_at(held_at, 60)))
        .then_expect_events(vec![recorded(
            MENTOR,
            RelationshipEvent::MeetingLogged {
                by: person(MENTOR),
                held_at,
                duration_minutes: 60,
                mode: MeetingMode::Video,
                notes: "Talked through the design review".into(),
            },
        )]);
}

// ---------------------------------------------------------------------------
// 2. Rules that refuse
// ---------------------------------------------------------------------------

#[test]
fn rule_meeting_after_agreement_refuses_meeting_before_signature() {
    for history in [opened(), negotiating(), drafted()] {
        given(history)
            .when(by(MENTEE, meeting_at(now() - Duration::hours(2), 60)))
            .then_expect_error(DomainError::rule(
                Rule::MeetingAfterAgreement,
                "no agreement is signed yet",
            ));
    }
}

#[test]
fn rule_meeting_after_agreement_refuses_meeting_held_before_the_agreement_came_into_force() {
    let held_at = signed_at() - Duration::minutes(1);
    given(in_force())
        .when(by(MENTEE, meeting_at(held_at, 60)))
        .then_expect_error(DomainError::rule(
            Rule::MeetingAfterAgreement,
            format!(
                "the meeting at {held_at} is before the agreement came into force at {}",
                signed_at()
            ),
        ));
}

#[test]
fn rule_meeting_not_in_future_refuses_meeting_after_the_command_time() {
    let held_at = now() + Duration::minutes(1);
    let ends_at = held_at + Duration::minutes(60);
    given(in_force())
        .when(by(MENTEE, meeting_at(held_at, 60)))
        .then_expect_error(DomainError::rule(
            Rule::MeetingNotInFuture,
            format!(
                "the meeting at {held_at} ends at {ends_at}, after now ({})",
                now()
            ),
        ));
}

#[test]
fn rule_meeting_not_in_future_refuses_a_meeting_still_under_way() {
    let held_at = now() - Duration::minutes(30);
    let ends_at = now() + Duration::minutes(30);
    given(in_force())
        .when(by(MENTEE, meeting_at(held_at, 60)))
        .then_expect_error(DomainError::rule(
            Rule::MeetingNotInFuture,
            format!(
                "the meeting at {held_at} ends at {ends_at}, after now ({})",
                now()
            ),
        ));
}

#[test]
fn open_refuses_a_relationship_without_two_sides_or_with_one_person_on_both() {
    let no_mentee = relationship_terms(&["m1"], &[]);
    let result = given(vec![])
        .when(by(
            ADMIN,
            RelationshipCommand::Open {
                relationship: relationship_id("r1"),
                terms: no_mentee,
            },
        ))
        .inspect_result();
    assert!(
        matches!(
            result,
            Err(DomainError::RuleViolated {
                rule: Rule::RelationshipShape,
                ..
            })
        ),
        "{result:?}"
    );
    let same = relationship_terms(&["m1"], &["m1"]);
    let result = given(vec![])
        .when(by(
            ADMIN,
            RelationshipCommand::Open {
                relationship: relationship_id("r1"),
                terms: same,
            },
        ))
        .inspect_result();
    assert!(
        matches!(
            result,
            Err(DomainError::RuleViolated {
                rule: Rule::NoSelfMatch,
                ..
            })
        ),
        "{result:?}"
    );
}

#[test]
fn signing_a_draft_that_does_not_exist_is_not_found() {
    given(drafted())
        .when(by(
            MENTOR,
            RelationshipCommand::SignAgreement { version: 5 },
        ))
        .then_expect_error(DomainError::not_found("agreement draft", 5));
}

#[test]
fn a_link_without_a_host_is_invalid() {
    let result = given(in_force())
        .when(by(
            MENTOR,
            RelationshipCommand::ShareResource {
                title: "Nothing".into(),
                link: "https://".into(),
            },
        ))
        .inspect_result();
    assert!(
        matches!(&result, Err(DomainError::InvalidInput { field, .. }) if field == "link"),
        "{result:?}"
    );
}

#[test]
fn rule_only_members_refuses_an_outsider_acting_as_a_member() {
    let mut signed_by_both_but_one = drafted();
    signed_by_both_but_one.push(recorded(MENTOR, signed_event(1, MENTOR)));
    let cases = vec![
        (opened(), RelationshipCommand::StartNegotiation),
        (
            negotiating(),
            RelationshipCommand::DraftAgreement(agreement()),
        ),
        (drafted(), RelationshipCommand::SignAgreement { version: 1 }),
        (
            signed_by_both_but_one,
            RelationshipCommand::SignAgreement { version: 1 },
        ),
        (in_force(), meeting_at(now() - Duration::hours(2), 60)),
        (
            in_force(),
            RelationshipCommand::CheckIn {
                note: "Hello".into(),
            },
        ),
        (
            in_force(),
            RelationshipCommand::RecordGoalProgress {
                goal: goal("g1"),
                percent: 100,
                note: String::new(),
            },
        ),
        (in_force(), share("https://example.com/template")),
        (in_force(), feedback(MENTOR, 1)),
    ];
    for (history, command) in cases {
        given(history)
            .when(by(OUTSIDER, command))
            .then_expect_error(not_a_member(OUTSIDER));
    }
}

#[test]
fn rule_only_members_refuses_an_introduction_by_a_mentee() {
    given(in_force())
        .when(by(
            MENTEE,
            RelationshipCommand::MakeIntroduction {
                contact: "Kim".into(),
                purpose: "Networking".into(),
            },
        ))
        .then_expect_error(DomainError::rule(
            Rule::OnlyMembers,
            "mentee is not a mentor of this relationship",
        ));
}

#[test]
fn rule_only_members_refuses_recognising_an_outsider() {
    given(in_force())
        .when(by(
            ADMIN,
            RelationshipCommand::Recognise {
                recipient: person(OUTSIDER),
                kind: RecognitionKind::ThankYou,
                message: "Thanks".into(),
            },
        ))
        .then_expect_error(not_a_member(OUTSIDER));
}

#[test]
fn rule_feedback_about_other_member_refuses_feedback_about_oneself() {
    given(in_force())
        .when(by(MENTEE, feedback(MENTEE, 5)))
        .then_expect_error(DomainError::rule(
            Rule::FeedbackAboutOtherMember,
            "mentee can give feedback only about another member, not mentee",
        ));
}

#[test]
fn rule_feedback_about_other_member_refuses_feedback_about_an_outsider() {
    given(in_force())
        .when(by(MENTOR, feedback(OUTSIDER, 3)))
        .then_expect_error(DomainError::rule(
            Rule::FeedbackAboutOtherMember,
            "mentor can give feedback only about another member, not outsider",
        ));
}

#[test]
fn rule_goal_due_inside_programme_refuses_goal_due_after_the_programme_ends() {
    let terms = one_to_one();
    let due = terms.ends_on.succ_opt().expect("a next day");
    let mut draft = agreement();
    draft.goals[1].due = due;
    given(negotiating())
        .when(by(MENTOR, RelationshipCommand::DraftAgreement(draft)))
        .then_expect_error(DomainError::rule(
            Rule::GoalDueInsideProgramme,
            format!(
                "goal g2 is due {due}, outside the programme ({} to {})",
                terms.starts_on, terms.ends_on
            ),
        ));
}

#[test]
fn rule_agreement_effective_date_refuses_a_date_after_the_draft_is_recorded() {
    let effective_from = now() + Duration::minutes(1);
    let draft = AgreementDraft {
        effective_from: Some(effective_from),
        ..agreement()
    };
    given(negotiating())
        .when(by(MENTOR, RelationshipCommand::DraftAgreement(draft)))
        .then_expect_error(DomainError::rule(
            Rule::AgreementEffectiveDate,
            format!(
                "the agreement cannot take effect at {effective_from}, after now ({})",
                now()
            ),
        ));
}

#[test]
fn rule_agreement_effective_date_refuses_a_date_before_the_programme_starts() {
    let terms = one_to_one();
    let effective_from = terms
        .starts_on
        .pred_opt()
        .and_then(|day| day.and_hms_opt(12, 0, 0))
        .expect("noon the day before the start")
        .and_utc();
    let draft = AgreementDraft {
        effective_from: Some(effective_from),
        ..agreement()
    };
    given(negotiating())
        .when(by(MENTOR, RelationshipCommand::DraftAgreement(draft)))
        .then_expect_error(DomainError::rule(
            Rule::AgreementEffectiveDate,
            format!(
                "the agreement cannot take effect at {effective_from}, before the programme starts on {}",
                terms.starts_on
            ),
        ));
}

#[test]
fn rule_goal_due_inside_programme_refuses_goal_due_before_the_programme_starts() {
    let terms = one_to_one();
    let due = terms.starts_on.pred_opt().expect("a day before the start");
    let mut draft = agreement();
    draft.goals[0].due = due;
    given(negotiating())
        .when(by(MENTOR, RelationshipCommand::DraftAgreement(draft)))
        .then_expect_error(DomainError::rule(
            Rule::GoalDueInsideProgramme,
            format!(
                "goal g1 is due {due}, outside the programme ({} to {})",
                terms.starts_on, terms.ends_on
            ),
        ));
}

#[test]
fn rule_goal_due_inside_programme_accepts_goals_due_on_the_first_and_last_day() {
    let terms = one_to_one();
    let mut draft = agreement();
    draft.goals[0].due = terms.starts_on;
    draft.goals[1].due = terms.ends_on;
    given(negotiating())
        .when(by(
            MENTOR,
            RelationshipCommand::DraftAgreement(draft.clone()),
        ))
        .then_expect_events(vec![recorded(MENTOR, drafted_event(1, draft))]);
}

#[test]
fn rule_complete_only_after_growth_refuses_completion_before_the_agreement_is_in_force() {
    for (history, phase) in [
        (opened(), Phase::Preparation),
        (drafted(), Phase::Negotiating),
    ] {
        given(history)
            .when(by(MENTOR, RelationshipCommand::Complete(nothing_reached())))
            .then_expect_error(DomainError::rule(
                Rule::CompleteOnlyAfterGrowth,
                format!(
                    "a relationship in {phase} has no agreement in force; end it early instead"
                ),
            ));
    }
}

// ---------------------------------------------------------------------------
// 2. Signatures, drafts and groups
// ---------------------------------------------------------------------------

#[test]
fn a_signature_on_a_replaced_draft_is_refused_as_conflict() {
    let mut history = drafted();
    history.push(recorded(MENTEE, drafted_event(2, changed_agreement())));
    given(history)
        .when(by(
            MENTOR,
            RelationshipCommand::SignAgreement { version: 1 },
        ))
        .then_expect_error(DomainError::Conflict(
            "draft 1 was replaced by draft 2; read and sign that one".into(),
        ));
}

#[test]
fn a_changed_draft_needs_the_earlier_signer_to_sign_again() {
    // The mentor signed draft 1; the mentee then changed it.
    let mut history = drafted();
    history.push(recorded(MENTOR, signed_event(1, MENTOR)));
    history.push(recorded(MENTEE, drafted_event(2, changed_agreement())));

    // The mentee's signature on draft 2 does not conclude it...
    given(history.clone())
        .when(by(
            MENTEE,
            RelationshipCommand::SignAgreement { version: 2 },
        ))
        .then_expect_events(vec![recorded(MENTEE, signed_event(2, MENTEE))]);

    // ...only the mentor's signing again does.
    history.push(recorded(MENTEE, signed_event(2, MENTEE)));
    given(history)
        .when(by(
            MENTOR,
            RelationshipCommand::SignAgreement { version: 2 },
        ))
        .then_expect_events(all_recorded(
            MENTOR,
            vec![
                signed_event(2, MENTOR),
                RelationshipEvent::AgreementConcluded {
                    version: 2,
                    in_force_from: now(),
                },
            ],
        ));
}

#[test]
fn signing_the_same_draft_twice_is_refused_as_conflict() {
    let mut history = drafted();
    history.push(recorded(MENTOR, signed_event(1, MENTOR)));
    given(history)
        .when(by(
            MENTOR,
            RelationshipCommand::SignAgreement { version: 1 },
        ))
        .then_expect_error(DomainError::Conflict(
            "mentor already signed draft 1".into(),
        ));
}

#[test]
fn signing_before_any_draft_is_refused_as_wrong_state() {
    given(negotiating())
        .when(by(
            MENTOR,
            RelationshipCommand::SignAgreement { version: 1 },
        ))
        .then_expect_error(DomainError::wrong_state(
            "agreement",
            "not drafted",
            "drafted",
        ));
}

#[test]
fn group_agreement_concludes_only_once_every_member_signed() {
    let mut history = drafted_with(group());

    for signer in [MENTOR, MENTEE] {
        given(history.clone())
            .when(by(
                signer,
                RelationshipCommand::SignAgreement { version: 1 },
            ))
            .then_expect_events(vec![recorded(signer, signed_event(1, signer))]);
        history.push(recorded(signer, signed_event(1, signer)));
    }
    assert_eq!(state_after(history.clone()).phase, Phase::Negotiating);

    given(history)
        .when(by(
            SECOND_MENTEE,
            RelationshipCommand::SignAgreement { version: 1 },
        ))
        .then_expect_events(all_recorded(
            SECOND_MENTEE,
            vec![
                signed_event(1, SECOND_MENTEE),
                RelationshipEvent::AgreementConcluded {
                    version: 1,
                    in_force_from: now(),
                },
            ],
        ));
}

#[test]
fn group_feedback_between_mentees_is_accepted() {
    given(in_force_with(group()))
        .when(by(SECOND_MENTEE, feedback(MENTEE, 4)))
        .then_expect_events(vec![recorded(
            SECOND_MENTEE,
            RelationshipEvent::FeedbackGiven {
                by: person(SECOND_MENTEE),
                about: person(MENTEE),
                rating: 4,
                comment: "Well prepared".into(),
            },
        )]);
}

// ---------------------------------------------------------------------------
// 2. Invalid input
// ---------------------------------------------------------------------------

#[test]
fn meeting_of_zero_minutes_is_invalid() {
    given(in_force())
        .when(by(MENTEE, meeting_at(now() - Duration::hours(2), 0)))
        .then_expect_error(DomainError::invalid(
            "duration_minutes",
            "must be between 1 and 480, got 0",
        ));
}

#[test]
fn meeting_longer_than_a_working_day_is_invalid() {
    given(in_force())
        .when(by(
            MENTEE,
            meeting_at(now() - Duration::hours(9), MAX_MEETING_MINUTES + 1),
        ))
        .then_expect_error(DomainError::invalid(
            "duration_minutes",
            "must be between 1 and 480, got 481",
        ));
}

#[test]
fn feedback_rating_outside_one_to_five_is_invalid() {
    for rating in [0, 6, u8::MAX] {
        given(in_force())
            .when(by(MENTEE, feedback(MENTOR, rating)))
            .then_expect_error(DomainError::invalid(
                "rating",
                format!("must be between 1 and 5, got {rating}"),
            ));
    }
}

#[test]
fn progress_on_an_unknown_goal_is_not_found() {
    given(in_force())
        .when(by(
            MENTEE,
            RelationshipCommand::RecordGoalProgress {
                goal: goal("g9"),
                percent: 10,
                note: String::new(),
            },
        ))
        .then_expect_error(DomainError::not_found("goal", "g9"));
}

#[test]
fn progress_above_one_hundred_percent_is_invalid() {
    given(in_force())
        .when(by(
            MENTEE,
            RelationshipCommand::RecordGoalProgress {
                goal: goal("g1"),
                percent: 101,
                note: String::new(),
            },
        ))
        .then_expect_error(DomainError::invalid(
            "percent",
            "must be between 0 and 100, got 101",
        ));
}

#[test]
fn resource_with_a_bad_link_is_invalid() {
    for link in [
        "ftp://example.com/file",
        "example.com",
        "https://example.com/a file",
        "javascript:alert(1)",
    ] {
        given(in_force())
            .when(by(MENTOR, share(link)))
            .then_expect_error(DomainError::invalid(
                "link",
                "must be an http or https address without spaces",
            ));
    }
    given(in_force())
        .when(by(MENTOR, share("  ")))
        .then_expect_error(DomainError::invalid("link", "must not be blank"));
}

#[test]
fn end_early_for_another_reason_without_saying_which_is_invalid() {
    for reason in [None, Some("   ".to_owned())] {
        let audit = Audit {
            reason,
            ..audit(MENTOR)
        };
        given(in_force())
            .when(Envelope::new(
                audit,
                RelationshipCommand::EndEarly {
                    reason: EndReason::Other,
                    outcome: outcome(),
                },
            ))
            .then_expect_error(DomainError::invalid(
                "reason",
                "ending early for another reason must say which",
            ));
    }
}

#[test]
fn end_early_before_growth_cannot_claim_goals_reached() {
    given(drafted())
        .when(by(
            MENTOR,
            RelationshipCommand::EndEarly {
                reason: EndReason::Mismatch,
                outcome: outcome(),
            },
        ))
        .then_expect_error(DomainError::invalid(
            "outcome.goals_reached[0]",
            "g1 is not a goal of the agreement",
        ));
}

#[test]
fn draft_without_goals_is_invalid() {
    let draft = AgreementDraft {
        goals: vec![],
        ..agreement()
    };
    given(negotiating())
        .when(by(MENTOR, RelationshipCommand::DraftAgreement(draft)))
        .then_expect_error(DomainError::invalid("goals", "must hold at least one goal"));
}

#[test]
fn draft_with_a_repeated_goal_id_is_invalid() {
    let mut draft = agreement();
    draft.goals.push(SmartGoal {
        description: "Again".into(),
        ..draft.goals[0].clone()
    });
    given(negotiating())
        .when(by(MENTOR, RelationshipCommand::DraftAgreement(draft)))
        .then_expect_error(DomainError::invalid("goals[2]", "repeats g1"));
}

// ---------------------------------------------------------------------------
// 2. Wrong phase, and closure
// ---------------------------------------------------------------------------

#[test]
fn commands_in_the_wrong_phase_are_refused_naming_current_and_required_phase() {
    let cases = vec![
        (
            vec![],
            RelationshipCommand::StartNegotiation,
            wrong_phase(Phase::NotOpened, "preparation"),
        ),
        (
            vec![],
            meeting_at(now(), 60),
            wrong_phase(Phase::NotOpened, "enabling growth"),
        ),
        (
            vec![],
            RelationshipCommand::Complete(nothing_reached()),
            wrong_phase(Phase::NotOpened, "enabling growth"),
        ),
        (
            vec![],
            RelationshipCommand::EndEarly {
                reason: EndReason::Mismatch,
                outcome: nothing_reached(),
            },
            wrong_phase(
                Phase::NotOpened,
                "preparation or negotiating or enabling growth",
            ),
        ),
        (
            opened(),
            RelationshipCommand::DraftAgreement(agreement()),
            wrong_phase(Phase::Preparation, "negotiating"),
        ),
        (
            opened(),
            RelationshipCommand::SignAgreement { version: 1 },
            wrong_phase(Phase::Preparation, "negotiating"),
        ),
        (
            opened(),
            RelationshipCommand::CheckIn {
                note: "Hello".into(),
            },
            wrong_phase(Phase::Preparation, "enabling growth"),
        ),
        (
            negotiating(),
            RelationshipCommand::StartNegotiation,
            wrong_phase(Phase::Negotiating, "preparation"),
        ),
        (
            drafted(),
            feedback(MENTOR, 4),
            wrong_phase(Phase::Negotiating, "enabling growth"),
        ),
        (
            drafted(),
            share("https://example.com"),
            wrong_phase(Phase::Negotiating, "enabling growth"),
        ),
        (
            drafted(),
            RelationshipCommand::MakeIntroduction {
                contact: "Kim".into(),
                purpose: "Networking".into(),
            },
            wrong_phase(Phase::Negotiating, "enabling growth"),
        ),
        (
            drafted(),
            RelationshipCommand::Recognise {
                recipient: person(MENTOR),
                kind: RecognitionKind::ThankYou,
                message: "Thanks".into(),
            },
            wrong_phase(Phase::Negotiating, "enabling growth"),
        ),
        (
            drafted(),
            RelationshipCommand::RecordGoalProgress {
                goal: goal("g1"),
                percent: 10,
                note: String::new(),
            },
            wrong_phase(Phase::Negotiating, "enabling growth"),
        ),
        (
            in_force(),
            RelationshipCommand::StartNegotiation,
            wrong_phase(Phase::EnablingGrowth, "preparation"),
        ),
        (
            in_force(),
            RelationshipCommand::DraftAgreement(changed_agreement()),
            wrong_phase(Phase::EnablingGrowth, "negotiating"),
        ),
        (
            in_force(),
            RelationshipCommand::SignAgreement { version: 1 },
            wrong_phase(Phase::EnablingGrowth, "negotiating"),
        ),
    ];
    for (history, command, error) in cases {
        given(history)
            .when(by(MENTOR, command))
            .then_expect_error(error);
    }
}

fn assert_accepts_nothing(history: Vec<RelationshipRecorded>) {
    for actor in [MENTOR, MENTEE, ADMIN] {
        for command in every_command_kind() {
            let is_open = matches!(command, RelationshipCommand::Open { .. });
            let result = given(history.clone())
                .when(by(actor, command.clone()))
                .inspect_result();
            match result {
                Ok(events) => panic!("{command:?} by {actor} was accepted: {events:?}"),
                Err(DomainError::Conflict(_)) if is_open => {}
                Err(DomainError::WrongState {
                    subject, current, ..
                }) if !is_open => {
                    assert_eq!((subject, current.as_str()), ("relationship", "closed"));
                }
                Err(other) => panic!("{command:?} by {actor} was refused oddly: {other}"),
            }
        }
    }
}

#[test]
fn a_completed_relationship_accepts_nothing_more() {
    assert_accepts_nothing(completed());
}

#[test]
fn a_relationship_ended_early_accepts_nothing_more() {
    assert_accepts_nothing(ended_early());
    // Also when it ended before the agreement was ever signed.
    let mut history = drafted();
    history.push(recorded(
        MENTEE,
        RelationshipEvent::RelationshipEndedEarly {
            reason: EndReason::Withdrawal,
            outcome: nothing_reached(),
        },
    ));
    assert_accepts_nothing(history);
}

// ---------------------------------------------------------------------------
// 3. Properties over random command sequences
// ---------------------------------------------------------------------------

/// One random command, with who issues it, when, and why.
#[derive(Debug, Clone)]
struct Step {
    actor: &'static str,
    at_minutes: i64,
    reason: Option<&'static str>,
    command: RelationshipCommand,
}

fn any_person() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![MENTOR, MENTEE, SECOND_MENTEE, OUTSIDER])
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just("Fine".to_owned()),
        1 => Just(String::new()),
        1 => Just("   ".to_owned()),
        1 => Just("x".repeat(10_001)),
    ]
}

fn any_goal() -> impl Strategy<Value = crate::domain::ids::GoalId> {
    prop::sample::select(vec!["g1", "g2", "g9"]).prop_map(goal)
}

fn any_rating() -> impl Strategy<Value = u8> {
    prop_oneof![4 => 1u8..=5, 1 => Just(0u8), 1 => 6u8..=9]
}

fn any_draft() -> impl Strategy<Value = AgreementDraft> {
    (
        prop_oneof![4 => Just(0i64), 1 => -10i64..200],
        1u32..=3,
        any_text(),
    )
        .prop_map(|(due_shift, meetings_per_month, boundaries)| {
            let mut draft = agreement();
            draft.goals[0].due = date(2026, 3, 1) + Duration::days(due_shift + 100);
            draft.cadence.meetings_per_month = meetings_per_month;
            if boundaries != "Fine" {
                draft.boundaries = boundaries;
            }
            draft
        })
}

fn any_outcome() -> impl Strategy<Value = Outcome> {
    (
        prop::collection::vec(any_goal(), 0..=2),
        prop::option::of(any_rating()),
        prop::option::of(any_rating()),
    )
        .prop_map(|(goals_reached, mentor, mentee)| Outcome {
            goals_reached,
            mentor_satisfaction: mentor,
            mentee_satisfaction: mentee,
            learnt: "Something".into(),
        })
}

fn any_command() -> impl Strategy<Value = RelationshipCommand> {
    let meeting_mode = prop::sample::select(vec![
        MeetingMode::InPerson,
        MeetingMode::Phone,
        MeetingMode::Video,
    ]);
    let end_reason = prop::sample::select(vec![
        EndReason::Mismatch,
        EndReason::Withdrawal,
        EndReason::OverDependence,
        EndReason::Other,
    ]);
    let recognition = prop::sample::select(vec![RecognitionKind::ThankYou, RecognitionKind::Award]);
    let link = prop::sample::select(vec![
        "https://example.com/a",
        "http://example.com",
        "ftp://example.com",
        "https://a b",
        "",
    ]);
    prop_oneof![
        1 => Just(RelationshipCommand::Open {
            relationship: relationship_id("rel-2"),
            terms: one_to_one(),
        }),
        4 => Just(RelationshipCommand::StartNegotiation),
        4 => any_draft().prop_map(RelationshipCommand::DraftAgreement),
        10 => (0u32..=3).prop_map(|version| RelationshipCommand::SignAgreement { version }),
        6 => (-3 * 24 * 60i64..=24 * 60, 0u32..=500, meeting_mode, any_text()).prop_map(
            |(minutes, duration_minutes, mode, notes)| RelationshipCommand::LogMeeting {
                held_at: now() + Duration::minutes(minutes),
                duration_minutes,
                mode,
                notes,
            }
        ),
        2 => any_text().prop_map(|note| RelationshipCommand::CheckIn { note }),
        1 => (any::<bool>(), any_text()).prop_map(|(on_track, summary)| {
            RelationshipCommand::RecordMidpointReview { on_track, summary }
        }),
        2 => (any_goal(), 0u8..=120, any_text()).prop_map(|(goal, percent, note)| {
            RelationshipCommand::RecordGoalProgress { goal, percent, note }
        }),
        2 => (any_text(), link).prop_map(|(title, link)| RelationshipCommand::ShareResource {
            title,
            link: link.to_owned(),
        }),
        2 => (any_text(), any_text()).prop_map(|(contact, purpose)| {
            RelationshipCommand::MakeIntroduction { contact, purpose }
        }),
        2 => (any_person(), any_rating(), any_text()).prop_map(|(about, rating, comment)| {
            RelationshipCommand::GiveFeedback {
                about: person(about),
                rating,
                comment,
            }
        }),
        2 => (any_person(), recognition, any_text()).prop_map(|(recipient, kind, message)| {
            RelationshipCommand::Recognise {
                recipient: person(recipient),
                kind,
                message,
            }
        }),
        1 => any_outcome().prop_map(RelationshipCommand::Complete),
        1 => (end_reason, any_outcome())
            .prop_map(|(reason, outcome)| RelationshipCommand::EndEarly { reason, outcome }),
    ]
}

fn any_step() -> impl Strategy<Value = Step> {
    (
        any_person(),
        -2 * 24 * 60i64..=2 * 24 * 60,
        prop::option::of(prop::sample::select(vec!["Moved team", " "])),
        any_command(),
    )
        .prop_map(|(actor, at_minutes, reason, command)| Step {
            actor,
            at_minutes,
            reason,
            command,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_command_sequences_keep_the_relationship_invariants(
        is_group in any::<bool>(),
        agree_first in any::<bool>(),
        agreed_at_minutes in -2 * 24 * 60i64..=0,
        random_steps in prop::collection::vec(any_step(), 0..60),
    ) {
        let terms = if is_group { group() } else { one_to_one() };
        let mut state = Relationship::default();
        state.evolve(RelationshipEvent::RelationshipOpened {
            relationship: rel_id(),
            terms,
        });

        // Half of the runs first negotiate and sign an agreement, so that the
        // random commands also exercise the growth phase and its closure.
        let mut steps = Vec::new();
        if agree_first {
            let step = |actor, command| Step {
                actor,
                at_minutes: agreed_at_minutes,
                reason: None,
                command,
            };
            steps.push(step(MENTEE, RelationshipCommand::StartNegotiation));
            steps.push(step(MENTOR, RelationshipCommand::DraftAgreement(agreement())));
            steps.push(step(MENTOR, RelationshipCommand::SignAgreement { version: 1 }));
            steps.push(step(MENTEE, RelationshipCommand::SignAgreement { version: 1 }));
            if is_group {
                steps.push(step(SECOND_MENTEE, RelationshipCommand::SignAgreement { version: 1 }));
            }
        }
        steps.extend(random_steps);

        for step in steps {
            let audit = Audit {
                reason: step.reason.map(str::to_owned),
                ..audit_at(step.actor, now() + Duration::minutes(step.at_minutes))
            };
            let was_closed = state.phase == Phase::Closed;
            let decision = state.decide(&audit, step.command.clone());

            if was_closed {
                prop_assert!(
                    decision.is_err(),
                    "a closed relationship accepted {:?}", step.command
                );
                for command in every_command_kind() {
                    prop_assert!(state.decide(&audit, command).is_err());
                }
            }

            let Ok(events) = decision else {
                continue;
            };
            prop_assert!(!events.is_empty(), "{:?} was accepted with no event", step.command);
            for event in events {
                match &event {
                    RelationshipEvent::AgreementSigned { by, version } => {
                        prop_assert!(state.is_member(by), "{by} signed but is no member");
                        prop_assert_eq!(by, &audit.actor.as_person());
                        prop_assert_eq!(
                            state.draft.as_ref().map(|(current, _)| *current),
                            Some(*version)
                        );
                    }
                    RelationshipEvent::AgreementConcluded { version, in_force_from } => {
                        prop_assert_eq!(*in_force_from, audit.at);
                        prop_assert!(
                            state.members().all(|member| state.signatures.contains(member)),
                            "draft {version} concluded without every member's signature"
                        );
                    }
                    RelationshipEvent::MeetingLogged { held_at, .. } => {
                        let in_force_from = state.in_force_from;
                        prop_assert!(
                            in_force_from.is_some_and(|from| *held_at >= from),
                            "meeting at {held_at} before the agreement ({in_force_from:?})"
                        );
                        prop_assert!(*held_at <= audit.at, "meeting at {held_at} after now");
                    }
                    _ => {}
                }
                let phase = state.phase;
                state.evolve(event);
                prop_assert!(
                    state.phase >= phase,
                    "phase went back from {phase} to {}", state.phase
                );
            }
        }
    }
}

/// The mid-point review every test of the rule records.
fn review() -> RelationshipCommand {
    RelationshipCommand::RecordMidpointReview {
        on_track: true,
        summary: "On track; more stretch work from June".into(),
    }
}

#[test]
fn a_member_records_the_midpoint_review_once_the_agreement_is_in_force() {
    given(in_force())
        .when(by(MENTEE, review()))
        .then_expect_events(vec![recorded(
            MENTEE,
            RelationshipEvent::MidpointReviewed {
                by: person(MENTEE),
                on_track: true,
                summary: "On track; more stretch work from June".into(),
            },
        )]);
}

#[test]
fn rule_one_midpoint_review_refuses_a_second_review_by_either_member() {
    let mut reviewed = in_force();
    reviewed.push(recorded(
        MENTEE,
        RelationshipEvent::MidpointReviewed {
            by: person(MENTEE),
            on_track: false,
            summary: "Behind on the talk".into(),
        },
    ));
    for who in [MENTEE, MENTOR] {
        given(reviewed.clone())
            .when(by(who, review()))
            .then_expect_error(DomainError::rule(
                Rule::OneMidpointReview,
                "the mid-point review of this relationship is already recorded",
            ));
    }
}

#[test]
fn rule_only_members_refuses_a_midpoint_review_by_an_outsider() {
    given(in_force())
        .when(by(OUTSIDER, review()))
        .then_expect_error(not_a_member(OUTSIDER));
}

#[test]
fn a_midpoint_review_waits_for_the_agreement_and_ends_with_the_relationship() {
    given(negotiating())
        .when(by(MENTEE, review()))
        .then_expect_error(wrong_phase(Phase::Negotiating, "enabling growth"));
    let mut closed = in_force();
    closed.push(recorded(
        MENTEE,
        RelationshipEvent::RelationshipCompleted { outcome: outcome() },
    ));
    given(closed)
        .when(by(MENTEE, review()))
        .then_expect_error(wrong_phase(Phase::Closed, "enabling growth"));
}

#[test]
fn a_midpoint_review_needs_a_summary() {
    given(in_force())
        .when(by(
            MENTOR,
            RelationshipCommand::RecordMidpointReview {
                on_track: true,
                summary: "  ".into(),
            },
        ))
        .then_expect_error(DomainError::invalid("summary", "must not be blank"));
}

// ---------------------------------------------------------------------------
// Flash relationships: one session, no agreement
// ---------------------------------------------------------------------------

fn flash_opened() -> Vec<RelationshipRecorded> {
    let terms = RelationshipTerms {
        programme_type: crate::domain::programme::design::ProgrammeType::Flash,
        ..one_to_one()
    };
    opened_with(terms)
}

/// Two hours ago, for 45 minutes: over by now.
fn the_session() -> RelationshipCommand {
    meeting_at(now() - Duration::hours(2), 45)
}

fn flash_held() -> Vec<RelationshipRecorded> {
    let mut history = flash_opened();
    history.push(recorded(
        MENTEE,
        RelationshipEvent::MeetingLogged {
            by: person(MENTEE),
            held_at: now() - Duration::hours(2),
            duration_minutes: 45,
            mode: MeetingMode::Video,
            notes: "Talked through the design review".into(),
        },
    ));
    history
}

#[test]
fn a_flash_session_is_logged_without_an_agreement_and_opens_feedback() {
    given(flash_opened())
        .when(by(MENTEE, the_session()))
        .then_expect_events(flash_held().split_off(1));
    assert_eq!(state_after(flash_held()).phase, Phase::EnablingGrowth);
}

#[test]
fn after_its_session_a_flash_pair_gives_feedback_and_completes() {
    given(flash_held())
        .when(by(MENTEE, feedback(MENTOR, 5)))
        .then_expect_events(vec![recorded(
            MENTEE,
            RelationshipEvent::FeedbackGiven {
                by: person(MENTEE),
                about: person(MENTOR),
                rating: 5,
                comment: "Well prepared".into(),
            },
        )]);
    given(flash_held())
        .when(by(MENTOR, RelationshipCommand::Complete(nothing_reached())))
        .then_expect_events(vec![recorded(
            MENTOR,
            RelationshipEvent::RelationshipCompleted {
                outcome: nothing_reached(),
            },
        )]);
}

#[test]
fn a_flash_pair_that_never_met_ends_early() {
    let end = RelationshipCommand::EndEarly {
        reason: EndReason::Mismatch,
        outcome: nothing_reached(),
    };
    given(flash_opened())
        .when(by(MENTOR, end))
        .then_expect_events(vec![recorded(
            MENTOR,
            RelationshipEvent::RelationshipEndedEarly {
                reason: EndReason::Mismatch,
                outcome: nothing_reached(),
            },
        )]);
}

#[test]
fn rule_flash_has_no_agreement_refuses_negotiation_and_what_lives_under_an_agreement() {
    let commands = [
        RelationshipCommand::StartNegotiation,
        RelationshipCommand::DraftAgreement(agreement()),
        RelationshipCommand::SignAgreement { version: 1 },
        RelationshipCommand::RecordGoalProgress {
            goal: goal("g1"),
            percent: 50,
            note: String::new(),
        },
        RelationshipCommand::CheckIn {
            note: "How it went".into(),
        },
        RelationshipCommand::RecordMidpointReview {
            on_track: true,
            summary: "Fine".into(),
        },
    ];
    for history in [flash_opened(), flash_held()] {
        for command in commands.clone() {
            given(history.clone())
                .when(by(MENTEE, command))
                .then_expect_error(DomainError::rule(
                    Rule::FlashHasNoAgreement,
                    "a flash relationship has no agreement: log its session, then give feedback",
                ));
        }
    }
}

#[test]
fn rule_meeting_inside_programme_refuses_a_flash_session_before_the_first_day() {
    let history = flash_opened();
    let RelationshipEvent::RelationshipOpened { terms, .. } = &history[0].event else {
        panic!("a flash relationship opens first");
    };
    let first_day = terms.starts_on;
    let the_eve = first_day
        .pred_opt()
        .and_then(|day| day.and_hms_opt(18, 0, 0))
        .expect("a day before the first")
        .and_utc();
    given(history.clone())
        .when(by(MENTOR, meeting_at(the_eve, 45)))
        .then_expect_error(DomainError::rule(
            Rule::MeetingInsideProgramme,
            format!("the meeting at {the_eve} is before the programme's first day, {first_day}"),
        ));
    // On the first day itself, the session is logged.
    let first_morning = first_day.and_hms_opt(9, 0, 0).expect("a morning").and_utc();
    let logged = given(history)
        .when(by(MENTOR, meeting_at(first_morning, 45)))
        .inspect_result();
    assert!(logged.is_ok(), "{logged:?}");
}

#[test]
fn rule_flash_one_session_refuses_a_second_session() {
    given(flash_held())
        .when(by(MENTOR, the_session()))
        .then_expect_error(DomainError::rule(
            Rule::FlashOneSession,
            "this flash relationship has held its session",
        ));
}

#[test]
fn rule_flash_feedback_after_session_refuses_feedback_and_completion_before_it() {
    for command in [
        feedback(MENTOR, 5),
        RelationshipCommand::Complete(nothing_reached()),
    ] {
        given(flash_opened())
            .when(by(MENTEE, command))
            .then_expect_error(DomainError::rule(
                Rule::FlashFeedbackAfterSession,
                "a flash relationship's feedback and completion come after its session",
            ));
    }
}

#[test]
fn rule_meeting_not_in_future_holds_for_a_flash_session() {
    let held_at = now() + Duration::minutes(1);
    let ends_at = held_at + Duration::minutes(45);
    given(flash_opened())
        .when(by(MENTEE, meeting_at(held_at, 45)))
        .then_expect_error(DomainError::rule(
            Rule::MeetingNotInFuture,
            format!(
                "the meeting at {held_at} ends at {ends_at}, after now ({})",
                now()
            ),
        ));
}
