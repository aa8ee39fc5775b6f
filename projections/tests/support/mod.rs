//! A deterministic scenario run through the engine's facade: three
//! programmes (one-to-one with a rejection, a withdrawal, a declined match
//! and an early ending; a diversity programme whose people share
//! attributes; a peer programme still under way), with agreements,
//! meetings, check-ins, feedback, surveys and closure.

#![allow(dead_code, unreachable_pub, clippy::expect_used, clippy::unwrap_used)]

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use mentorship_engine::domain::ids::*;
use mentorship_engine::domain::participant::*;
use mentorship_engine::domain::programme::design::*;
use mentorship_engine::domain::programme::*;
use mentorship_engine::domain::relationship::*;
use mentorship_engine::domain::schema;
use mentorship_engine::facade::{Clerk, CommandNumbering, Engine};
use mentorship_engine::store::{EventLog, LogConfig, MemoryLog};
use mentorship_engine::testkit::{
    self, applicant, date, goal, goals, person, programme, relationship_id, Office, MODULES,
};

pub fn memory_log() -> Arc<MemoryLog> {
    Arc::new(MemoryLog::new(LogConfig::new(schema::sensitive_fields)))
}

/// The testkit's office with the scenario's vocabulary: people, programmes
/// and relationships named by strings, every refusal a failed test.
pub struct Script<L> {
    /// The office the script's commands go through.
    pub office: Office<L>,
}

fn pid(value: &str) -> PersonId {
    person(value)
}

fn rid(value: &str) -> RelationshipId {
    relationship_id(value)
}

fn prog(value: &str) -> ProgrammeId {
    programme(value)
}

pub fn start_clock() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).single().unwrap()
}

impl<L: EventLog> Script<L> {
    /// A script whose command ids are `{prefix}c-1`, `{prefix}c-2`, …
    pub fn new(log: Arc<L>, prefix: &str) -> Self {
        let numbering = CommandNumbering::new(format!("{prefix}c-"), 0);
        Self {
            office: Office::new(Clerk::new(Engine::new(log), start_clock(), numbering)),
        }
    }

    pub fn advance_days(&mut self, days: i64) {
        self.office.advance(Duration::days(days));
    }

    pub async fn programme(&mut self, actor: &str, p: &str, command: ProgrammeCommand) {
        self.office
            .programme(actor, &prog(p), command)
            .await
            .unwrap_or_else(|e| panic!("{p}: {e}"));
    }

    pub async fn participant(
        &mut self,
        actor: &str,
        reason: Option<&str>,
        p: &str,
        who: &str,
        command: ParticipantCommand,
    ) {
        self.office
            .participant(actor, reason, &prog(p), &pid(who), command)
            .await
            .unwrap_or_else(|e| panic!("{p}/{who}: {e}"));
    }

    pub async fn relationship(
        &mut self,
        actor: &str,
        reason: Option<&str>,
        r: &str,
        command: RelationshipCommand,
    ) {
        self.office
            .relationship(actor, reason, &rid(r), command)
            .await
            .unwrap_or_else(|e| panic!("{r}: {e}"));
    }

    pub async fn setup(&mut self, p: &str, name: &str, kind: ProgrammeType) {
        self.programme(
            "admin",
            p,
            ProgrammeCommand::Define {
                programme: prog(p),
                charter: Charter {
                    name: name.into(),
                    purpose: "Grow people".into(),
                    objectives: vec!["Retention".into()],
                    kpis: KpiTargets {
                        min_satisfaction: Some(4.0),
                        goals_reached_percent: Some(70.0),
                        retention_percent: Some(85.0),
                        meetings_per_month: Some(1.0),
                    },
                },
            },
        )
        .await;
        self.programme("admin", p, ProgrammeCommand::Design(design(kind)))
            .await;
        self.programme("admin", p, ProgrammeCommand::OpenOnboarding)
            .await;
    }

    /// Applies, approves and trains `who`.
    pub async fn enrol(
        &mut self,
        p: &str,
        who: &str,
        role: Role,
        seniority: u8,
        attributes: &[(&str, &str)],
    ) {
        let mut answers = questionnaire(role, who, seniority);
        answers.shared_attributes = attributes
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.office
            .apply(&prog(p), &pid(who), answers)
            .await
            .unwrap_or_else(|e| panic!("{who} applies: {e}"));
        self.participant("admin", None, p, who, ParticipantCommand::Approve)
            .await;
        self.office
            .train("lms", &prog(p), &pid(who), &MODULES)
            .await
            .unwrap_or_else(|e| panic!("{who} trains: {e}"));
    }

    pub async fn propose(&mut self, p: &str, r: &str, mentor: &str, mentee: &str) {
        self.programme(
            "admin",
            p,
            ProgrammeCommand::ProposeMatch {
                relationship: rid(r),
                mentors: vec![pid(mentor)],
                mentees: vec![pid(mentee)],
            },
        )
        .await;
    }

    pub async fn respond(&mut self, p: &str, r: &str, who: &str, accept: bool) {
        self.programme(
            who,
            p,
            ProgrammeCommand::RespondToMatch {
                relationship: rid(r),
                accept,
            },
        )
        .await;
    }

    pub async fn pair(&mut self, p: &str, r: &str, mentor: &str, mentee: &str) {
        self.office
            .pair("admin", &prog(p), &rid(r), &pid(mentor), &pid(mentee))
            .await
            .unwrap_or_else(|e| panic!("{r}: {e}"));
    }

    pub async fn agree(&mut self, r: &str, mentor: &str, mentee: &str, goals: usize) {
        self.office
            .agree(&rid(r), &pid(mentor), &pid(mentee), agreement(goals))
            .await
            .unwrap_or_else(|e| panic!("{r}: {e}"));
    }

    pub async fn meet(&mut self, r: &str, by: &str, minutes: u32) {
        let held_at = self.office.now() - Duration::hours(3);
        self.relationship(
            by,
            None,
            r,
            RelationshipCommand::LogMeeting {
                held_at,
                duration_minutes: minutes,
                mode: MeetingMode::Video,
                notes: "CONFIDENTIAL meeting notes".into(),
            },
        )
        .await;
    }

    pub async fn feedback(&mut self, r: &str, by: &str, about: &str, rating: u8) {
        self.relationship(
            by,
            None,
            r,
            RelationshipCommand::GiveFeedback {
                about: pid(about),
                rating,
                comment: "CONFIDENTIAL feedback comment".into(),
            },
        )
        .await;
    }

    pub async fn complete(&mut self, r: &str, by: &str, reached: usize, satisfaction: u8) {
        self.relationship(
            by,
            None,
            r,
            RelationshipCommand::Complete(outcome(reached, satisfaction)),
        )
        .await;
    }

    pub async fn survey(&mut self, p: &str, who: &str, rating: u8) {
        self.programme(
            who,
            p,
            ProgrammeCommand::RespondToSurvey {
                answers: vec![
                    SurveyAnswer {
                        question: QuestionId::parse("q", "overall").unwrap(),
                        rating: Some(rating),
                        text: None,
                    },
                    SurveyAnswer {
                        question: QuestionId::parse("q", "comment").unwrap(),
                        rating: None,
                        text: Some("PERSONAL survey comment".into()),
                    },
                ],
            },
        )
        .await;
    }
}

pub fn design(kind: ProgrammeType) -> Design {
    testkit::design(kind)
}

/// An application whose personal fields are marked, so that a test can
/// search the read models for them.
pub fn questionnaire(role: Role, who: &str, seniority: u8) -> Questionnaire {
    Questionnaire {
        display_name: format!("PERSONAL name of {who}"),
        goals: vec!["PERSONAL goal".into()],
        department: if seniority > 5 { "Platform" } else { "Product" }.into(),
        capacity: (role == Role::Mentor).then_some(3),
        ..applicant(role, who, seniority)
    }
}

pub fn agreement(count: usize) -> AgreementDraft {
    AgreementDraft {
        goals: goals(count, date(2026, 9, 1)),
        cadence: Cadence {
            meetings_per_month: 2,
            min_meeting_minutes: 45,
        },
        ..testkit::agreement()
    }
}

pub fn outcome(reached: usize, satisfaction: u8) -> Outcome {
    Outcome {
        goals_reached: (1..=reached).map(|n| goal(&format!("g{n}"))).collect(),
        mentor_satisfaction: Some(satisfaction),
        mentee_satisfaction: Some(satisfaction.saturating_sub(1).max(1)),
        learnt: "CONFIDENTIAL what was learnt".into(),
    }
}

/// Runs the whole scenario on `log`.
pub async fn scenario<L: EventLog>(log: Arc<L>) -> Script<L> {
    let mut s = Script::new(log, "");
    one_to_one(&mut s, "eng-2026").await;
    diversity(&mut s, "div-2026").await;
    peer(&mut s, "peer-2026").await;
    s
}

pub async fn one_to_one<L: EventLog>(s: &mut Script<L>, p: &str) {
    s.setup(p, "Engineering mentoring", ProgrammeType::OneToOne)
        .await;
    let m = |n: &str| format!("{p}-{n}");
    for (who, role, level) in [
        ("m1", Role::Mentor, 8),
        ("m2", Role::Mentor, 7),
        ("e1", Role::Mentee, 3),
        ("e2", Role::Mentee, 3),
        ("e3", Role::Mentee, 2),
        ("e4", Role::Mentee, 4),
    ] {
        s.enrol(p, &m(who), role, level, &[]).await;
    }
    let late = m("e5");
    let mut answers = questionnaire(Role::Mentee, &late, 3);
    answers.capacity = None;
    s.office
        .apply(&prog(p), &pid(&late), answers)
        .await
        .unwrap();
    s.participant(
        "admin",
        Some("Not eligible this year"),
        p,
        &late,
        ParticipantCommand::Reject,
    )
    .await;
    let leaver = m("e4");
    s.participant(
        &leaver,
        Some("Changed team"),
        p,
        &leaver,
        ParticipantCommand::Withdraw,
    )
    .await;
    s.advance_days(14);
    s.programme("admin", p, ProgrammeCommand::StartMatching)
        .await;
    s.pair(p, &m("r1"), &m("m1"), &m("e1")).await;
    s.propose(p, &m("r2"), &m("m2"), &m("e2")).await;
    s.respond(p, &m("r2"), &m("e2"), false).await;
    s.pair(p, &m("r3"), &m("m1"), &m("e2")).await;
    s.pair(p, &m("r4"), &m("m2"), &m("e3")).await;
    s.programme("admin", p, ProgrammeCommand::StartMomentum)
        .await;
    s.advance_days(3);
    s.agree(&m("r1"), &m("m1"), &m("e1"), 2).await;
    s.agree(&m("r3"), &m("m1"), &m("e2"), 3).await;
    s.agree(&m("r4"), &m("m2"), &m("e3"), 1).await;
    for _ in 0..3 {
        s.advance_days(12);
        s.meet(&m("r1"), &m("e1"), 60).await;
        s.meet(&m("r3"), &m("m1"), 45).await;
    }
    s.relationship(
        &m("e1"),
        None,
        &m("r1"),
        RelationshipCommand::CheckIn {
            note: "CONFIDENTIAL check-in".into(),
        },
    )
    .await;
    s.feedback(&m("r1"), &m("e1"), &m("m1"), 5).await;
    s.feedback(&m("r1"), &m("m1"), &m("e1"), 4).await;
    s.relationship(
        &m("e3"),
        Some("Different expectations"),
        &m("r4"),
        RelationshipCommand::EndEarly {
            reason: EndReason::Mismatch,
            outcome: outcome(0, 2),
        },
    )
    .await;
    s.advance_days(20);
    s.complete(&m("r1"), &m("e1"), 2, 5).await;
    s.complete(&m("r3"), &m("e2"), 2, 4).await;
    s.programme("admin", p, ProgrammeCommand::StartMeasurement)
        .await;
    for (who, rating) in [("e1", 5), ("e2", 4), ("m1", 4)] {
        s.survey(p, &m(who), rating).await;
    }
    s.programme("admin", p, ProgrammeCommand::Close).await;
}

pub async fn diversity<L: EventLog>(s: &mut Script<L>, p: &str) {
    s.setup(p, "Women in engineering", ProgrammeType::Diversity)
        .await;
    let m = |n: &str| format!("{p}-{n}");
    type Person<'a> = (&'a str, Role, &'a [(&'a str, &'a str)]);
    let people: [Person<'_>; 9] = [
        (
            "m1",
            Role::Mentor,
            &[("gender", "woman"), ("region", "emea")],
        ),
        (
            "m2",
            Role::Mentor,
            &[("gender", "woman"), ("region", "apac")],
        ),
        ("m3", Role::Mentor, &[("gender", "man")]),
        (
            "e1",
            Role::Mentee,
            &[("gender", "woman"), ("region", "emea")],
        ),
        (
            "e2",
            Role::Mentee,
            &[("gender", "woman"), ("region", "emea")],
        ),
        (
            "e3",
            Role::Mentee,
            &[("gender", "woman"), ("region", "emea")],
        ),
        (
            "e4",
            Role::Mentee,
            &[("gender", "woman"), ("region", "emea")],
        ),
        ("e5", Role::Mentee, &[("gender", "non_binary")]),
        ("e6", Role::Mentee, &[]),
    ];
    for (who, role, attributes) in people {
        let level = if role == Role::Mentor { 8 } else { 3 };
        s.enrol(p, &m(who), role, level, attributes).await;
    }
    s.advance_days(10);
    s.programme("admin", p, ProgrammeCommand::StartMatching)
        .await;
    let pairs = [
        ("r1", "m1", "e1"),
        ("r2", "m1", "e2"),
        ("r3", "m2", "e3"),
        ("r4", "m2", "e4"),
        ("r5", "m3", "e5"),
        ("r6", "m3", "e6"),
    ];
    for (r, mentor, mentee) in pairs {
        s.advance_days(1);
        s.pair(p, &m(r), &m(mentor), &m(mentee)).await;
    }
    s.programme("admin", p, ProgrammeCommand::StartMomentum)
        .await;
    for (r, mentor, mentee) in pairs {
        s.agree(&m(r), &m(mentor), &m(mentee), 2).await;
    }
    for round in 0..2 {
        s.advance_days(15);
        for (index, (r, mentor, mentee)) in pairs.iter().enumerate() {
            let by = if (index + round) % 2 == 0 {
                mentor
            } else {
                mentee
            };
            s.meet(&m(r), &m(by), 30 + 15 * u32::try_from(index).unwrap())
                .await;
        }
    }
    s.advance_days(30);
    for (index, (r, _, mentee)) in pairs.iter().enumerate() {
        let index = u8::try_from(index).unwrap();
        s.complete(&m(r), &m(mentee), usize::from(index % 3), 3 + index % 3)
            .await;
    }
    s.programme("admin", p, ProgrammeCommand::StartMeasurement)
        .await;
    for (who, rating) in [("e1", 5), ("e2", 4), ("e3", 4), ("m1", 5)] {
        s.survey(p, &m(who), rating).await;
    }
}

pub async fn peer<L: EventLog>(s: &mut Script<L>, p: &str) {
    s.setup(p, "Peer circles", ProgrammeType::Peer).await;
    let m = |n: &str| format!("{p}-{n}");
    for who in ["a", "b", "c", "d"] {
        let role = if who < "c" {
            Role::Mentor
        } else {
            Role::Mentee
        };
        s.enrol(p, &m(who), role, 5, &[]).await;
    }
    s.programme("admin", p, ProgrammeCommand::StartMatching)
        .await;
    s.pair(p, &m("r1"), &m("a"), &m("c")).await;
    s.pair(p, &m("r2"), &m("b"), &m("d")).await;
    s.programme("admin", p, ProgrammeCommand::StartMomentum)
        .await;
    s.agree(&m("r1"), &m("a"), &m("c"), 1).await;
    s.advance_days(5);
    s.meet(&m("r1"), &m("c"), 50).await;
    s.advance_days(5);
}
