//! Sample programmes, and the steps that take one from its definition to a
//! relationship with a signed agreement, over gRPC.

use mentorship_proto::v1 as pb;
use tonic::{Response, Status};

use crate::{as_actor, options, Server};

/// The administrator who runs the sample programmes.
pub const ADMIN: &str = "admin";
/// The learning system that records training.
pub const LMS: &str = "lms";
/// The training modules of [`design`].
pub const MODULES: [&str; 2] = ["orientation", "ethics"];
/// The goal of [`agreement`].
pub const GOAL: &str = "g1";

/// What every command returns.
pub type Reply = Result<pb::CommandReply, Status>;

fn reply(result: Result<Response<pb::CommandReply>, Status>) -> Reply {
    result.map(Response::into_inner)
}

/// A charter named `name`.
pub fn charter(name: &str) -> pb::Charter {
    pb::Charter {
        name: name.to_owned(),
        purpose: "Grow platform engineers".to_owned(),
        objectives: vec!["Retention".to_owned()],
        kpis: Some(pb::KpiTargets {
            min_satisfaction: Some(4.0),
            goals_reached_percent: Some(80.0),
            retention_percent: None,
            meetings_per_month: None,
        }),
    }
}

/// A one-to-one programme of 52 weeks from 2026-01-05, matched by an
/// administrator, with two training modules and a two-question survey.
pub fn design() -> pb::Design {
    pb::Design {
        programme_type: pb::ProgrammeType::OneToOne as i32,
        matching_mode: pb::MatchingMode::Administrator as i32,
        starts_on: "2026-01-05".to_owned(),
        duration_weeks: 52,
        cadence: Some(pb::Cadence {
            meetings_per_month: 2,
            min_meeting_minutes: 45,
        }),
        default_mentor_capacity: 2,
        required_modules: MODULES
            .iter()
            .map(|id| pb::TrainingModule {
                id: (*id).to_owned(),
                title: format!("The {id} module"),
            })
            .collect(),
        survey: vec![
            pb::SurveyQuestion {
                id: "overall".to_owned(),
                text: "How was it overall?".to_owned(),
                kind: pb::AnswerKind::Rating as i32,
            },
            pb::SurveyQuestion {
                id: "comment".to_owned(),
                text: "Anything else?".to_owned(),
                kind: pb::AnswerKind::FreeText as i32,
            },
        ],
        costs: Some(pb::CostInputs {
            currency: "EUR".to_owned(),
            mentor_hour_cost: 70.0,
            admin_hour_cost: 40.0,
            planned_admin_hours: 60.0,
            replacement_cost_per_leaver: 30_000.0,
            baseline_attrition_percent: 12.0,
        }),
        matching_weights: None,
        group_size: None,
    }
}

/// An application as `name`, on `role`'s side.
pub fn questionnaire(
    role: pb::Role,
    name: &str,
    seniority: u32,
    manager: Option<&str>,
) -> pb::Questionnaire {
    pb::Questionnaire {
        role: role as i32,
        display_name: format!("Person {name}"),
        job_title: "Engineer".to_owned(),
        skills: vec!["rust".to_owned()],
        goals: vec!["grow".to_owned()],
        interests: Vec::new(),
        languages: vec!["en".to_owned()],
        utc_offset_minutes: 60,
        availability: vec![pb::WeeklySlot {
            weekday: 3,
            start_minute: 600,
            end_minute: 720,
        }],
        department: "Platform".to_owned(),
        manager_id: manager.map(str::to_owned),
        seniority,
        preferences: String::new(),
        capacity: None,
        shared_attributes: Default::default(),
    }
}

/// An agreement with one goal due inside [`design`]'s programme.
pub fn agreement() -> pb::AgreementDraft {
    pb::AgreementDraft {
        goals: vec![pb::SmartGoal {
            id: GOAL.to_owned(),
            description: "Ship a service".to_owned(),
            measure: "In production".to_owned(),
            due: "2026-06-01".to_owned(),
        }],
        cadence: Some(pb::AgreementCadence {
            meetings_per_month: 2,
            min_meeting_minutes: 45,
        }),
        boundaries: "Work topics".to_owned(),
        ground_rules: "Come prepared".to_owned(),
        confidentiality: "Chatham House".to_owned(),
        effective_from: None,
    }
}

/// A programme on a running server, driven by [`ADMIN`].
pub struct Programme<'a> {
    server: &'a Server,
    /// Its id.
    pub id: String,
}

impl<'a> Programme<'a> {
    /// Programme `id` on `server`; nothing is sent yet.
    pub fn new(server: &'a Server, id: &str) -> Self {
        Self {
            server,
            id: id.to_owned(),
        }
    }

    /// Defines, designs and opens onboarding.
    pub async fn open(server: &'a Server, id: &str) -> Self {
        let programme = Self::new(server, id);
        programme.define().await.expect("defined");
        programme.design().await.expect("designed");
        programme.open_onboarding().await.expect("onboarding");
        programme
    }

    /// Opens the programme, enrols `mentors` and `mentees` and starts
    /// matching.
    pub async fn matching(
        server: &'a Server,
        id: &str,
        mentors: &[&str],
        mentees: &[&str],
    ) -> Self {
        let programme = Self::open(server, id).await;
        for mentor in mentors {
            programme.enrol(mentor, pb::Role::Mentor, 7, None).await;
        }
        for mentee in mentees {
            programme.enrol(mentee, pb::Role::Mentee, 3, None).await;
        }
        programme.start_matching().await.expect("matching");
        programme
    }

    /// `DefineProgramme` with [`charter`].
    pub async fn define(&self) -> Reply {
        reply(
            self.server
                .programmes()
                .define_programme(as_actor(
                    ADMIN,
                    pb::DefineProgrammeRequest {
                        options: options(),
                        programme_id: self.id.clone(),
                        charter: Some(charter("Platform mentoring")),
                    },
                ))
                .await,
        )
    }

    /// `DesignProgramme` with [`design`].
    pub async fn design(&self) -> Reply {
        self.design_as(pb::ProgrammeType::OneToOne).await
    }

    /// `DesignProgramme` with [`design`] for a programme of another type.
    pub async fn design_as(&self, programme_type: pb::ProgrammeType) -> Reply {
        self.design_with(pb::Design {
            programme_type: programme_type as i32,
            ..design()
        })
        .await
    }

    /// `DesignProgramme` with `design`.
    pub async fn design_with(&self, design: pb::Design) -> Reply {
        reply(
            self.server
                .programmes()
                .design_programme(as_actor(
                    ADMIN,
                    pb::DesignProgrammeRequest {
                        options: options(),
                        programme_id: self.id.clone(),
                        design: Some(design),
                    },
                ))
                .await,
        )
    }

    fn advance(&self) -> tonic::Request<pb::AdvanceProgrammeRequest> {
        as_actor(
            ADMIN,
            pb::AdvanceProgrammeRequest {
                options: options(),
                programme_id: self.id.clone(),
            },
        )
    }

    /// `person` applies with [`questionnaire`].
    pub async fn apply(
        &self,
        person: &str,
        role: pb::Role,
        seniority: u32,
        manager: Option<&str>,
    ) -> Reply {
        self.apply_with(person, questionnaire(role, person, seniority, manager))
            .await
    }

    /// `person` applies with `answers`.
    pub async fn apply_with(&self, person: &str, answers: pb::Questionnaire) -> Reply {
        reply(
            self.server
                .participants()
                .apply(as_actor(
                    person,
                    pb::ApplyRequest {
                        options: options(),
                        programme_id: self.id.clone(),
                        person_id: person.to_owned(),
                        questionnaire: Some(answers),
                    },
                ))
                .await,
        )
    }

    /// The administrator approves `person`'s application.
    pub async fn approve(&self, person: &str) -> Reply {
        reply(
            self.server
                .participants()
                .approve_application(as_actor(
                    ADMIN,
                    pb::ParticipantRequest {
                        options: options(),
                        programme_id: self.id.clone(),
                        person_id: person.to_owned(),
                    },
                ))
                .await,
        )
    }

    /// The learning system records `module` for `person`.
    pub async fn complete_module(&self, person: &str, module: &str) -> Reply {
        reply(
            self.server
                .participants()
                .complete_module(as_actor(
                    LMS,
                    pb::CompleteModuleRequest {
                        options: options(),
                        programme_id: self.id.clone(),
                        person_id: person.to_owned(),
                        module_id: module.to_owned(),
                    },
                ))
                .await,
        )
    }

    /// `person` applies, is approved and completes every module; returns
    /// the reply to the last module.
    pub async fn enrol(
        &self,
        person: &str,
        role: pb::Role,
        seniority: u32,
        manager: Option<&str>,
    ) -> pb::CommandReply {
        self.enrol_with(person, questionnaire(role, person, seniority, manager))
            .await
    }

    /// [`Programme::enrol`] with `answers`.
    pub async fn enrol_with(&self, person: &str, answers: pb::Questionnaire) -> pb::CommandReply {
        self.apply_with(person, answers).await.expect("applied");
        self.approve(person).await.expect("approved");
        let mut last = None;
        for module in MODULES {
            last = Some(self.complete_module(person, module).await.expect("trained"));
        }
        last.expect("at least one module")
    }

    /// The administrator proposes `mentor` for `mentee` as `relationship`.
    pub async fn propose(&self, relationship: &str, mentor: &str, mentee: &str) -> Reply {
        self.propose_group(relationship, &[mentor], &[mentee]).await
    }

    /// The administrator proposes `mentors` and `mentees` as `relationship`
    /// (a group, in a group programme).
    pub async fn propose_group(
        &self,
        relationship: &str,
        mentors: &[&str],
        mentees: &[&str],
    ) -> Reply {
        let ids = |people: &[&str]| people.iter().map(|p| (*p).to_owned()).collect();
        reply(
            self.server
                .programmes()
                .propose_match(as_actor(
                    ADMIN,
                    pb::ProposeMatchRequest {
                        options: options(),
                        programme_id: self.id.clone(),
                        relationship_id: relationship.to_owned(),
                        mentor_ids: ids(mentors),
                        mentee_ids: ids(mentees),
                    },
                ))
                .await,
        )
    }

    /// `who` accepts or declines the match `relationship`.
    pub async fn respond(&self, relationship: &str, who: &str, accept: bool) -> Reply {
        reply(
            self.server
                .programmes()
                .respond_to_match(as_actor(
                    who,
                    pb::RespondToMatchRequest {
                        options: options(),
                        programme_id: self.id.clone(),
                        relationship_id: relationship.to_owned(),
                        accept,
                    },
                ))
                .await,
        )
    }

    /// Proposes the pair and both accept; returns the last acceptance.
    pub async fn match_pair(
        &self,
        relationship: &str,
        mentor: &str,
        mentee: &str,
    ) -> pb::CommandReply {
        self.propose(relationship, mentor, mentee)
            .await
            .expect("proposed");
        self.respond(relationship, mentee, true)
            .await
            .expect("mentee accepts");
        self.respond(relationship, mentor, true)
            .await
            .expect("mentor accepts")
    }
}

/// A relationship on a running server.
pub struct Relationship<'a> {
    server: &'a Server,
    /// Its id.
    pub id: String,
}

impl<'a> Relationship<'a> {
    /// Relationship `id` on `server`.
    pub fn new(server: &'a Server, id: &str) -> Self {
        Self {
            server,
            id: id.to_owned(),
        }
    }

    fn plain(&self, who: &str) -> tonic::Request<pb::RelationshipRequest> {
        as_actor(
            who,
            pb::RelationshipRequest {
                options: options(),
                relationship_id: self.id.clone(),
            },
        )
    }

    /// `who` starts the negotiation.
    pub async fn start_negotiation(&self, who: &str) -> Reply {
        reply(
            self.server
                .relationships()
                .start_negotiation(self.plain(who))
                .await,
        )
    }

    /// `who` drafts [`agreement`].
    pub async fn draft(&self, who: &str) -> Reply {
        self.draft_effective_from(who, None).await
    }

    /// `who` drafts [`agreement`], in effect from `effective_from` when
    /// given (a pair who agreed before recording it).
    pub async fn draft_effective_from(
        &self,
        who: &str,
        effective_from: Option<std::time::SystemTime>,
    ) -> Reply {
        let draft = pb::AgreementDraft {
            effective_from: effective_from.map(prost_types::Timestamp::from),
            ..agreement()
        };
        reply(
            self.server
                .relationships()
                .draft_agreement(as_actor(
                    who,
                    pb::DraftAgreementRequest {
                        options: options(),
                        relationship_id: self.id.clone(),
                        draft: Some(draft),
                    },
                ))
                .await,
        )
    }

    /// `who` signs draft `version`.
    pub async fn sign(&self, who: &str, version: u32) -> Reply {
        reply(
            self.server
                .relationships()
                .sign_agreement(as_actor(
                    who,
                    pb::SignAgreementRequest {
                        options: options(),
                        relationship_id: self.id.clone(),
                        version,
                    },
                ))
                .await,
        )
    }

    /// Negotiation, one draft by the mentee, both signatures; returns the
    /// last signature's reply.
    pub async fn agree(&self, mentor: &str, mentee: &str) -> pb::CommandReply {
        self.start_negotiation(mentee).await.expect("negotiating");
        self.draft(mentee).await.expect("drafted");
        self.sign(mentor, 1).await.expect("mentor signs");
        self.sign(mentee, 1).await.expect("mentee signs")
    }

    /// When the agreement came into force: the time the server recorded on
    /// its `AgreementConcluded` event.
    pub async fn in_force_from(&self) -> std::time::SystemTime {
        let events = self.server.read_stream("relationship", &self.id).await;
        let concluded = events
            .iter()
            .rev()
            .find(|event| event.event_type == "AgreementConcluded")
            .expect("the agreement was concluded");
        let at = concluded.recorded_at.expect("a recorded time");
        std::time::SystemTime::try_from(at).expect("a representable time")
    }

    /// `who` checks in with `note`.
    pub async fn check_in(&self, who: &str, note: &str) -> Reply {
        reply(
            self.server
                .relationships()
                .check_in(as_actor(
                    who,
                    pb::CheckInRequest {
                        options: options(),
                        relationship_id: self.id.clone(),
                        note: note.to_owned(),
                    },
                ))
                .await,
        )
    }

    /// `who` records the pair's mid-point review.
    pub async fn midpoint_review(&self, who: &str, on_track: bool, summary: &str) -> Reply {
        reply(
            self.server
                .relationships()
                .record_midpoint_review(as_actor(
                    who,
                    pb::RecordMidpointReviewRequest {
                        options: options(),
                        relationship_id: self.id.clone(),
                        on_track,
                        summary: summary.to_owned(),
                    },
                ))
                .await,
        )
    }

    /// `by` rates `about` with a comment.
    pub async fn feedback(&self, by: &str, about: &str, rating: u32, comment: &str) -> Reply {
        reply(
            self.server
                .relationships()
                .give_feedback(as_actor(
                    by,
                    pb::GiveFeedbackRequest {
                        options: options(),
                        relationship_id: self.id.clone(),
                        about_person_id: about.to_owned(),
                        rating,
                        comment: comment.to_owned(),
                    },
                ))
                .await,
        )
    }

    /// `by` logs a meeting of `duration_minutes` held at `held_at`.
    pub async fn log_meeting(
        &self,
        by: &str,
        held_at: std::time::SystemTime,
        duration_minutes: u32,
        notes: &str,
    ) -> Reply {
        reply(
            self.server
                .relationships()
                .log_meeting(as_actor(
                    by,
                    pb::LogMeetingRequest {
                        options: options(),
                        relationship_id: self.id.clone(),
                        held_at: Some(prost_types::Timestamp::from(held_at)),
                        duration_minutes,
                        mode: pb::MeetingMode::Video as i32,
                        notes: notes.to_owned(),
                    },
                ))
                .await,
        )
    }

    /// `by` completes a relationship that had no goals (a flash session),
    /// with the members' satisfaction.
    pub async fn complete_without_goals(
        &self,
        by: &str,
        mentor_satisfaction: u32,
        mentee_satisfaction: u32,
    ) -> Reply {
        self.complete_with(
            by,
            pb::Outcome {
                goals_reached: Vec::new(),
                mentor_satisfaction: Some(mentor_satisfaction),
                mentee_satisfaction: Some(mentee_satisfaction),
                learnt: "A new way to run reviews".to_owned(),
            },
        )
        .await
    }

    /// `by` completes the relationship with every goal reached.
    pub async fn complete(&self, by: &str) -> Reply {
        self.complete_with(
            by,
            pb::Outcome {
                goals_reached: vec![GOAL.to_owned()],
                mentor_satisfaction: Some(5),
                mentee_satisfaction: Some(4),
                learnt: "Delegation".to_owned(),
            },
        )
        .await
    }

    /// `by` completes the relationship with `outcome`.
    async fn complete_with(&self, by: &str, outcome: pb::Outcome) -> Reply {
        reply(
            self.server
                .relationships()
                .complete_relationship(as_actor(
                    by,
                    pb::CompleteRelationshipRequest {
                        options: options(),
                        relationship_id: self.id.clone(),
                        outcome: Some(outcome),
                    },
                ))
                .await,
        )
    }
}

/// The administrator's step commands, each an `AdvanceProgrammeRequest`.
macro_rules! step_commands {
    ($($(#[$doc:meta])* $name:ident;)*) => {
        impl Programme<'_> {
            $(
                $(#[$doc])*
                pub async fn $name(&self) -> Reply {
                    reply(self.server.programmes().$name(self.advance()).await)
                }
            )*
        }
    };
}

step_commands! {
    /// `OpenOnboarding`.
    open_onboarding;
    /// `StartMatching`.
    start_matching;
    /// `StartMomentum`.
    start_momentum;
    /// `StartMeasurement`.
    start_measurement;
    /// `CloseProgramme`.
    close_programme;
}
