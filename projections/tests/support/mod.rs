//! A deterministic scenario run through the engine's facade: three
//! programmes (one-to-one with a rejection, a withdrawal, a declined match
//! and an early ending; a diversity programme whose people share
//! attributes; a peer programme still under way), with agreements,
//! meetings, check-ins, feedback, surveys and closure.

#![allow(dead_code, unreachable_pub, clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use mentorship_engine::domain::ids::*;
use mentorship_engine::domain::participant::*;
use mentorship_engine::domain::programme::design::*;
use mentorship_engine::domain::programme::*;
use mentorship_engine::domain::relationship::*;
use mentorship_engine::domain::schema;
use mentorship_engine::domain::{Audit, Envelope, ParticipantStreamId};
use mentorship_engine::facade::Engine;
use mentorship_engine::store::{EventLog, LogConfig, MemoryLog};

pub fn memory_log() -> Arc<MemoryLog> {
    Arc::new(MemoryLog::new(LogConfig::new(schema::sensitive_fields)))
}

pub struct Script<L> {
    pub engine: Engine<L>,
    pub clock: DateTime<Utc>,
    pub prefix: String,
    commands: u64,
}

fn pid(value: &str) -> PersonId {
    PersonId::parse("person", value).unwrap()
}

fn rid(value: &str) -> RelationshipId {
    RelationshipId::parse("relationship", value).unwrap()
}

fn prog(value: &str) -> ProgrammeId {
    ProgrammeId::parse("programme", value).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn start_clock() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).single().unwrap()
}

impl<L: EventLog> Script<L> {
    pub fn new(log: Arc<L>, prefix: &str) -> Self {
        Self {
            engine: Engine::new(log),
            clock: start_clock(),
            prefix: prefix.to_owned(),
            commands: 0,
        }
    }

    pub fn advance_days(&mut self, days: i64) {
        self.clock += Duration::days(days);
    }

    fn audit(&mut self, actor: &str, reason: Option<&str>) -> Audit {
        self.commands += 1;
        Audit {
            command_id: CommandId::parse("c", format!("{}c-{}", self.prefix, self.commands))
                .unwrap(),
            actor: ActorId::parse("actor", actor).unwrap(),
            at: self.clock,
            reason: reason.map(str::to_owned),
        }
    }

    pub async fn programme(&mut self, actor: &str, p: &str, command: ProgrammeCommand) {
        let audit = self.audit(actor, None);
        self.engine
            .execute::<Programme>(&prog(p), Envelope::new(audit, command), None)
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
        let audit = self.audit(actor, reason);
        self.engine
            .execute::<Participant>(
                &ParticipantStreamId::new(prog(p).clone(), pid(who).clone()),
                Envelope::new(audit, command),
                None,
            )
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
        let audit = self.audit(actor, reason);
        self.engine
            .execute::<Relationship>(&rid(r), Envelope::new(audit, command), None)
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
        let audit = self.audit(who, None);
        self.engine
            .execute::<Participant>(
                &ParticipantStreamId::new(prog(p).clone(), pid(who).clone()),
                Envelope::new(audit, ParticipantCommand::apply(pid(who).clone(), answers)),
                None,
            )
            .await
            .unwrap_or_else(|e| panic!("{who} applies: {e}"));
        self.participant("admin", None, p, who, ParticipantCommand::Approve)
            .await;
        for module in ["orientation", "ethics"] {
            self.participant(
                "lms",
                None,
                p,
                who,
                ParticipantCommand::CompleteModule {
                    module: ModuleId::parse("m", module).unwrap(),
                },
            )
            .await;
        }
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
        self.propose(p, r, mentor, mentee).await;
        self.respond(p, r, mentor, true).await;
        self.respond(p, r, mentee, true).await;
    }

    pub async fn agree(&mut self, r: &str, mentor: &str, mentee: &str, goals: usize) {
        self.relationship(mentee, None, r, RelationshipCommand::StartNegotiation)
            .await;
        self.relationship(
            mentee,
            None,
            r,
            RelationshipCommand::DraftAgreement(agreement(goals)),
        )
        .await;
        for signer in [mentor, mentee] {
            self.relationship(
                signer,
                None,
                r,
                RelationshipCommand::SignAgreement { version: 1 },
            )
            .await;
        }
    }

    pub async fn meet(&mut self, r: &str, by: &str, minutes: u32) {
        let held_at = self.clock - Duration::hours(3);
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
    Design {
        programme_type: kind,
        matching_mode: MatchingMode::Administrator,
        starts_on: date(2026, 1, 5),
        duration_weeks: 40,
        cadence: Cadence {
            meetings_per_month: 1,
            min_meeting_minutes: 45,
        },
        default_mentor_capacity: 2,
        required_modules: ["orientation", "ethics"]
            .into_iter()
            .map(|m| TrainingModule {
                id: ModuleId::parse("m", m).unwrap(),
                title: m.to_uppercase(),
            })
            .collect(),
        survey: vec![
            SurveyQuestion {
                id: QuestionId::parse("q", "overall").unwrap(),
                text: "Overall satisfaction".into(),
                kind: AnswerKind::Rating,
            },
            SurveyQuestion {
                id: QuestionId::parse("q", "comment").unwrap(),
                text: "Anything else?".into(),
                kind: AnswerKind::FreeText,
            },
        ],
        costs: CostInputs {
            currency: "EUR".into(),
            mentor_hour_cost: 80.0,
            admin_hour_cost: 50.0,
            planned_admin_hours: 40.0,
            replacement_cost_per_leaver: 40_000.0,
            baseline_attrition_percent: 15.0,
        },
        matching_weights: Default::default(),
    }
}

pub fn questionnaire(role: Role, who: &str, seniority: u8) -> Questionnaire {
    Questionnaire {
        role,
        display_name: format!("PERSONAL name of {who}"),
        job_title: "Engineer".into(),
        skills: vec!["rust".into()],
        goals: vec!["PERSONAL goal".into()],
        interests: vec![],
        languages: vec!["en".into()],
        utc_offset_minutes: 0,
        availability: vec![WeeklySlot {
            weekday: 3,
            start_minute: 600,
            end_minute: 720,
        }],
        department: if seniority > 5 { "Platform" } else { "Product" }.into(),
        manager: None,
        seniority,
        preferences: String::new(),
        capacity: (role == Role::Mentor).then_some(3),
        shared_attributes: BTreeMap::new(),
    }
}

pub fn agreement(goals: usize) -> AgreementDraft {
    AgreementDraft {
        goals: (1..=goals)
            .map(|n| SmartGoal {
                id: GoalId::parse("g", format!("g{n}")).unwrap(),
                description: "Ship a service".into(),
                measure: "In production".into(),
                due: date(2026, 9, 1),
            })
            .collect(),
        cadence: Cadence {
            meetings_per_month: 2,
            min_meeting_minutes: 45,
        },
        boundaries: "Work topics".into(),
        ground_rules: String::new(),
        confidentiality: "Chatham House".into(),
    }
}

pub fn outcome(reached: usize, satisfaction: u8) -> Outcome {
    Outcome {
        goals_reached: (1..=reached)
            .map(|n| GoalId::parse("g", format!("g{n}")).unwrap())
            .collect(),
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
    let audit = s.audit(&late, None);
    s.engine
        .execute::<Participant>(
            &ParticipantStreamId::new(prog(p).clone(), pid(&late).clone()),
            Envelope::new(
                audit,
                ParticipantCommand::apply(pid(&late).clone(), answers),
            ),
            None,
        )
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
    let audit = s.audit(&m("e4"), Some("Changed team"));
    s.engine
        .execute::<Participant>(
            &ParticipantStreamId::new(prog(p).clone(), pid(&m("e4")).clone()),
            Envelope::new(audit, ParticipantCommand::Withdraw),
            None,
        )
        .await
        .unwrap();
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
