//! One programme from definition to closure, across all three aggregates:
//! 3 mentors and 6 mentee applicants, one application rejected, one person
//! who never finishes training, one early ending and a re-match, agreements,
//! meetings, feedback, a survey and closure. Every final state is checked.
//!
//! The office below runs commands the way the engine does: each aggregate
//! decides on its own state, and the follow-ups of `domain::process` carry
//! facts from one aggregate to another.

// A failed step of the scenario is a failed test.
#![allow(clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use cqrs_es::Aggregate;
use mentorship_engine::domain::ids::*;
use mentorship_engine::domain::participant::*;
use mentorship_engine::domain::process::{self, FollowUp};
use mentorship_engine::domain::programme::design::*;
use mentorship_engine::domain::programme::*;
use mentorship_engine::domain::relationship::*;
use mentorship_engine::domain::schema;
use mentorship_engine::domain::{Audit, DomainError, EventKind, Recorded, Rule};
use serde_json::Value;

#[derive(Default)]
struct Office {
    clock: Option<DateTime<Utc>>,
    commands: u32,
    programmes: BTreeMap<ProgrammeId, Programme>,
    participants: BTreeMap<String, Participant>,
    relationships: BTreeMap<RelationshipId, Relationship>,
    events: Vec<&'static str>,
    /// Every event as it would be stored: stream type, type name, payload.
    stored: Vec<(&'static str, &'static str, serde_json::Value)>,
}

fn id<T>(parse: fn(&str, String) -> Result<T, DomainError>, value: &str) -> T {
    parse("id", value.to_owned()).expect("valid id")
}

fn person(value: &str) -> PersonId {
    id(PersonId::parse, value)
}

fn rel(value: &str) -> RelationshipId {
    id(RelationshipId::parse, value)
}

impl Office {
    fn now(&self) -> DateTime<Utc> {
        self.clock.expect("the clock is set")
    }

    fn advance(&mut self, days: i64) {
        self.clock = Some(self.now() + Duration::days(days));
    }

    fn audit(&mut self, actor: &str, reason: Option<&str>) -> Audit {
        self.commands += 1;
        Audit {
            command_id: id(CommandId::parse, &format!("cmd-{}", self.commands)),
            actor: id(ActorId::parse, actor),
            at: self.now(),
            reason: reason.map(str::to_owned),
        }
    }

    fn record<E: EventKind>(&mut self, stream_type: &'static str, audit: &Audit, events: &[E]) {
        for event in events {
            self.events.push(event.name());
            let payload = serde_json::to_value(Recorded::new(audit.clone(), event.clone()))
                .expect("every event serialises");
            self.stored.push((stream_type, event.name(), payload));
        }
    }

    fn programme(
        &mut self,
        actor: &str,
        programme: &ProgrammeId,
        command: ProgrammeCommand,
    ) -> Result<(), DomainError> {
        let audit = self.audit(actor, None);
        let state = self.programmes.entry(programme.clone()).or_default();
        let events = state.decide(&audit, command)?;
        let mut follow_ups = Vec::new();
        for event in &events {
            state.evolve(event.clone());
            follow_ups.extend(process::after_programme_event(event));
        }
        self.record(Programme::TYPE, &audit, &events);
        self.follow(follow_ups)
    }

    fn participant(
        &mut self,
        actor: &str,
        reason: Option<&str>,
        programme: &ProgrammeId,
        who: &str,
        command: ParticipantCommand,
    ) -> Result<(), DomainError> {
        let audit = self.audit(actor, reason);
        let stream = participant_stream_id(programme, &person(who));
        let state = self.participants.entry(stream).or_default();
        let events = state.decide(&audit, command)?;
        let mut follow_ups = Vec::new();
        for event in &events {
            state.evolve(event.clone());
            follow_ups.extend(process::after_participant_event(state, event));
        }
        self.record(Participant::TYPE, &audit, &events);
        self.follow(follow_ups)
    }

    fn relationship(
        &mut self,
        actor: &str,
        reason: Option<&str>,
        relationship: &RelationshipId,
        command: RelationshipCommand,
    ) -> Result<(), DomainError> {
        let audit = self.audit(actor, reason);
        let state = self.relationships.entry(relationship.clone()).or_default();
        let events = state.decide(&audit, command)?;
        let mut follow_ups = Vec::new();
        for event in &events {
            state.evolve(event.clone());
            follow_ups.extend(process::after_relationship_event(state, event));
        }
        self.record(Relationship::TYPE, &audit, &events);
        self.follow(follow_ups)
    }

    fn follow(&mut self, follow_ups: Vec<FollowUp>) -> Result<(), DomainError> {
        for follow_up in follow_ups {
            match follow_up {
                FollowUp::Programme(programme, command) => {
                    self.programme("engine", &programme, command)?;
                }
                FollowUp::Relationship(relationship, command) => {
                    self.relationship("engine", None, &relationship, command)?;
                }
            }
        }
        Ok(())
    }

    /// Applies on behalf of `who`, with the programme's terms as they stand.
    fn apply(&mut self, programme: &ProgrammeId, who: &str, questionnaire: Questionnaire) {
        let state = &self.programmes[programme];
        let design = state.design.as_ref().expect("designed");
        let terms = ProgrammeTermsForApplicants {
            programme: programme.clone(),
            step: state.step,
            programme_type: design.programme_type,
            required_modules: design.module_ids().cloned().collect(),
            default_mentor_capacity: design.default_mentor_capacity,
        };
        self.participant(
            who,
            None,
            programme,
            who,
            ParticipantCommand::Apply {
                person: person(who),
                terms,
                questionnaire: Box::new(questionnaire),
            },
        )
        .expect("application accepted");
    }

    fn train(&mut self, programme: &ProgrammeId, who: &str, modules: &[&str]) {
        for module in modules {
            self.participant(
                "lms-service",
                None,
                programme,
                who,
                ParticipantCommand::CompleteModule {
                    module: id(ModuleId::parse, module),
                },
            )
            .expect("module recorded");
        }
    }

    fn match_pair(
        &mut self,
        programme: &ProgrammeId,
        relationship: &str,
        mentor: &str,
        mentee: &str,
    ) {
        self.programme(
            "admin",
            programme,
            ProgrammeCommand::ProposeMatch {
                relationship: rel(relationship),
                mentors: vec![person(mentor)],
                mentees: vec![person(mentee)],
            },
        )
        .expect("match proposed");
        for member in [mentee, mentor] {
            self.programme(
                member,
                programme,
                ProgrammeCommand::RespondToMatch {
                    relationship: rel(relationship),
                    accept: true,
                },
            )
            .expect("match accepted");
        }
    }

    /// Negotiates and signs the sample agreement.
    fn agree(&mut self, relationship: &str, mentor: &str, mentee: &str, draft: AgreementDraft) {
        let r = rel(relationship);
        self.relationship(mentee, None, &r, RelationshipCommand::StartNegotiation)
            .expect("negotiation started");
        self.relationship(mentee, None, &r, RelationshipCommand::DraftAgreement(draft))
            .expect("draft proposed");
        for signer in [mentor, mentee] {
            self.relationship(
                signer,
                None,
                &r,
                RelationshipCommand::SignAgreement { version: 1 },
            )
            .expect("signed");
        }
    }

    fn meet(&mut self, relationship: &str, by: &str, notes: &str) {
        self.advance(14);
        let held_at = self.now() - Duration::days(1);
        self.relationship(
            by,
            None,
            &rel(relationship),
            RelationshipCommand::LogMeeting {
                held_at,
                duration_minutes: 60,
                mode: MeetingMode::Video,
                notes: notes.into(),
            },
        )
        .expect("meeting logged");
    }

    fn feedback(&mut self, relationship: &str, by: &str, about: &str, rating: u8) {
        self.relationship(
            by,
            None,
            &rel(relationship),
            RelationshipCommand::GiveFeedback {
                about: person(about),
                rating,
                comment: format!("{by} on {about}"),
            },
        )
        .expect("feedback given");
    }

    fn complete(&mut self, relationship: &str, by: &str) {
        self.relationship(
            by,
            None,
            &rel(relationship),
            RelationshipCommand::Complete(Outcome {
                goals_reached: vec![id(GoalId::parse, "g1")],
                mentor_satisfaction: Some(5),
                mentee_satisfaction: Some(4),
                learnt: "Delegation".into(),
            }),
        )
        .expect("completed");
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn design() -> Design {
    Design {
        programme_type: ProgrammeType::OneToOne,
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
            .map(|module| TrainingModule {
                id: id(ModuleId::parse, module),
                title: module.to_uppercase(),
            })
            .collect(),
        survey: vec![
            SurveyQuestion {
                id: id(QuestionId::parse, "overall"),
                text: "Overall satisfaction".into(),
                kind: AnswerKind::Rating,
            },
            SurveyQuestion {
                id: id(QuestionId::parse, "comment"),
                text: "Anything else?".into(),
                kind: AnswerKind::FreeText,
            },
        ],
        costs: CostInputs {
            currency: "GBP".into(),
            mentor_hour_cost: 70.0,
            admin_hour_cost: 40.0,
            planned_admin_hours: 60.0,
            replacement_cost_per_leaver: 30_000.0,
            baseline_attrition_percent: 12.0,
        },
        matching_weights: Default::default(),
    }
}

fn questionnaire(role: Role, name: &str, seniority: u8, manager: Option<&str>) -> Questionnaire {
    Questionnaire {
        role,
        display_name: name.into(),
        job_title: "Engineer".into(),
        skills: vec!["rust".into()],
        goals: vec!["grow".into()],
        interests: vec![],
        languages: vec!["en".into()],
        utc_offset_minutes: 0,
        availability: vec![WeeklySlot {
            weekday: 3,
            start_minute: 600,
            end_minute: 720,
        }],
        department: "Platform".into(),
        manager: manager.map(person),
        seniority,
        preferences: String::new(),
        capacity: None,
        shared_attributes: BTreeMap::new(),
    }
}

fn agreement(due: NaiveDate) -> AgreementDraft {
    AgreementDraft {
        goals: vec![SmartGoal {
            id: id(GoalId::parse, "g1"),
            description: "Ship a service".into(),
            measure: "In production".into(),
            due,
        }],
        cadence: Cadence {
            meetings_per_month: 2,
            min_meeting_minutes: 45,
        },
        boundaries: "Work topics".into(),
        ground_rules: String::new(),
        confidentiality: "Chatham House".into(),
    }
}

#[test]
fn a_programme_runs_from_definition_to_closure() {
    let mut office = Office {
        clock: Utc.with_ymd_and_hms(2025, 12, 1, 9, 0, 0).single(),
        ..Office::default()
    };
    let p = id(ProgrammeId::parse, "platform-2026");

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
        .expect("defined");
    office
        .programme("admin", &p, ProgrammeCommand::Design(design()))
        .expect("designed");
    office
        .programme("admin", &p, ProgrammeCommand::OpenOnboarding)
        .expect("onboarding");

    let mentors = [("m1", 7), ("m2", 6), ("m3", 8)];
    let mentees = ["e1", "e2", "e3", "e4", "e5", "e6"];
    for (mentor, seniority) in mentors {
        let mut answers = questionnaire(Role::Mentor, mentor, seniority, None);
        if mentor == "m3" {
            answers.capacity = Some(1);
        }
        office.apply(&p, mentor, answers);
    }
    for mentee in mentees {
        // e4 reports to m2.
        let manager = (mentee == "e4").then_some("m2");
        office.apply(&p, mentee, questionnaire(Role::Mentee, mentee, 3, manager));
    }
    for who in ["m1", "m2", "m3", "e1", "e2", "e3", "e4", "e5"] {
        office
            .participant("admin", None, &p, who, ParticipantCommand::Approve)
            .expect("approved");
    }
    office
        .participant(
            "admin",
            Some("Not eligible this year"),
            &p,
            "e6",
            ParticipantCommand::Reject,
        )
        .expect("rejected");
    for who in ["m1", "m2", "m3", "e1", "e2", "e3", "e4"] {
        office.train(&p, who, &["orientation", "ethics"]);
    }
    // e5 never finishes training.
    office.train(&p, "e5", &["orientation"]);

    // Step 4.
    office.advance(30);
    office
        .programme("admin", &p, ProgrammeCommand::StartMatching)
        .expect("matching");
    let refused = office.programme(
        "admin",
        &p,
        ProgrammeCommand::ProposeMatch {
            relationship: rel("r-e5"),
            mentors: vec![person("m1")],
            mentees: vec![person("e5")],
        },
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
    let refused = office.programme(
        "admin",
        &p,
        ProgrammeCommand::ProposeMatch {
            relationship: rel("r-line"),
            mentors: vec![person("m2")],
            mentees: vec![person("e4")],
        },
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
    office.match_pair(&p, "r1", "m1", "e1");
    office.match_pair(&p, "r2", "m2", "e2");
    office.match_pair(&p, "r3", "m3", "e3");
    office.match_pair(&p, "r4", "m1", "e4");
    let refused = office.programme(
        "admin",
        &p,
        ProgrammeCommand::ProposeMatch {
            relationship: rel("r-full"),
            mentors: vec![person("m3")],
            mentees: vec![person("e2")],
        },
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
        .expect("momentum");
    let due = date(2026, 9, 1);
    // r1 renegotiates once: the changed draft needs both signatures again.
    let r1 = rel("r1");
    office
        .relationship("e1", None, &r1, RelationshipCommand::StartNegotiation)
        .expect("negotiating");
    office
        .relationship(
            "e1",
            None,
            &r1,
            RelationshipCommand::DraftAgreement(agreement(due)),
        )
        .expect("draft 1");
    office
        .relationship(
            "m1",
            None,
            &r1,
            RelationshipCommand::SignAgreement { version: 1 },
        )
        .expect("m1 signs draft 1");
    office
        .relationship(
            "m1",
            None,
            &r1,
            RelationshipCommand::DraftAgreement(agreement(date(2026, 8, 1))),
        )
        .expect("draft 2");
    for signer in ["e1", "m1"] {
        office
            .relationship(
                signer,
                None,
                &r1,
                RelationshipCommand::SignAgreement { version: 2 },
            )
            .expect("signs draft 2");
    }
    office.agree("r2", "m2", "e2", agreement(due));
    office.agree("r3", "m3", "e3", agreement(due));
    office.agree("r4", "m1", "e4", agreement(due));
    for (relationship, by) in [("r1", "e1"), ("r3", "m3"), ("r4", "e4")] {
        office.meet(relationship, by, "private notes");
    }
    office.meet("r1", "m1", "second meeting");
    office.feedback("r1", "e1", "m1", 5);
    office.feedback("r1", "m1", "e1", 4);
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
        .expect("ended early");
    office.complete("r1", "e1");
    office.match_pair(&p, "r5", "m1", "e2");
    office.agree("r5", "m1", "e2", agreement(due));
    office.meet("r5", "e2", "fresh start");
    for (relationship, by) in [("r3", "e3"), ("r4", "m1"), ("r5", "e2")] {
        office.complete(relationship, by);
    }

    // Step 6.
    office
        .programme("admin", &p, ProgrammeCommand::StartMeasurement)
        .expect("measurement");
    for respondent in ["e1", "e2", "m1"] {
        office
            .programme(
                respondent,
                &p,
                ProgrammeCommand::RespondToSurvey {
                    answers: vec![
                        SurveyAnswer {
                            question: id(QuestionId::parse, "overall"),
                            rating: Some(4),
                            text: None,
                        },
                        SurveyAnswer {
                            question: id(QuestionId::parse, "comment"),
                            rating: None,
                            text: Some(format!("{respondent} would do it again")),
                        },
                    ],
                },
            )
            .expect("survey answered");
    }
    office
        .programme("admin", &p, ProgrammeCommand::Close)
        .expect("closed");

    // Final states.
    let programme = &office.programmes[&p];
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

    let status = |who: &str| office.participants[&participant_stream_id(&p, &person(who))].status;
    assert_eq!(status("e6"), EnrolmentStatus::Rejected);
    assert_eq!(status("e5"), EnrolmentStatus::Approved);
    for who in ["m1", "m2", "m3", "e1", "e2", "e3", "e4"] {
        assert_eq!(status(who), EnrolmentStatus::Onboarded, "{who}");
    }

    for (id, relationship) in &office.relationships {
        assert_eq!(relationship.phase, Phase::Closed, "{id}");
    }
    let r1 = &office.relationships[&rel("r1")];
    assert_eq!(r1.draft.as_ref().map(|(version, _)| *version), Some(2));
    assert_eq!(r1.meetings, 2);
    assert!(matches!(r1.closure, Some(Closure::Completed(_))));
    assert!(matches!(
        office.relationships[&rel("r2")].closure,
        Some(Closure::EndedEarly {
            reason: EndReason::Mismatch,
            ..
        })
    ));
    assert_eq!(office.relationships[&rel("r5")].meetings, 1);

    // Every follow-up happened: one roster entry per onboarded person, one
    // opening per confirmed match, one release per closure.
    let count = |name: &str| office.events.iter().filter(|event| **event == name).count();
    assert_eq!(count("ParticipantRostered"), 7);
    assert_eq!(count("MatchConfirmed"), 5);
    assert_eq!(count("RelationshipOpened"), 5);
    assert_eq!(count("RelationshipReleased"), 5);
    assert_eq!(count("ProgrammeClosed"), 1);

    assert_every_event_matches_the_schema(&office.stored);

    // A closed programme accepts nothing more.
    let after = office.programme("admin", &p, ProgrammeCommand::StartMomentum);
    assert!(
        matches!(after, Err(DomainError::WrongState { .. })),
        "{after:?}"
    );
}

/// Every stored event's type is in the schema under its tag, and every
/// declared sensitive field points at a field that exists in the payload.
fn assert_every_event_matches_the_schema(stored: &[(&str, &str, Value)]) {
    let mut sealed = 0;
    for (stream_type, name, payload) in stored {
        let fields = schema::sensitive_fields(stream_type, name)
            .unwrap_or_else(|| panic!("{stream_type}/{name} is not in the schema"));
        let tagged = match &payload["event"] {
            Value::String(tag) => tag == name,
            Value::Object(map) => map.len() == 1 && map.contains_key(*name),
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
        let decodes = match *stream_type {
            "programme" => serde_json::from_value::<ProgrammeRecorded>(erased).is_ok(),
            "participant" => serde_json::from_value::<ParticipantRecorded>(erased).is_ok(),
            "relationship" => serde_json::from_value::<RelationshipRecorded>(erased).is_ok(),
            other => panic!("unknown stream type {other}"),
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
