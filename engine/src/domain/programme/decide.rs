//! The programme's decisions: every rule that can refuse a programme command.

use std::collections::BTreeSet;

use super::design::{AnswerKind, MatchingMode, ProgrammeType};
use super::events::{RelationshipTerms, RosterEntry, SurveyAnswer};
use super::{
    MatchStatus, Programme, ProgrammeCommand, ProgrammeEvent, ProposalStatus, RosterStatus, Step,
};
use crate::domain::aggregate::Decider;
use crate::domain::envelope::Audit;
use crate::domain::error::{DomainError, Rule};
use crate::domain::ids::{PersonId, ProgrammeId, RelationshipId};
use crate::domain::participant::{Role, MAX_SENIORITY};
use crate::domain::process::{self, FollowUp};
use crate::domain::stream::StreamType;
use crate::domain::validate::{self, MAX_LONG_TEXT};

use super::design::MAX_MENTOR_CAPACITY;

type Decision = Result<Vec<ProgrammeEvent>, DomainError>;

impl Decider for Programme {
    const STREAM: StreamType = StreamType::Programme;
    const NOUN: &'static str = "programme";
    type Id = ProgrammeId;
    type Order = ProgrammeCommand;
    type Payload = ProgrammeEvent;

    /// Decides what `command`, issued with `audit`, makes happen. Pure: it
    /// reads only the state and the command.
    fn decide(&self, audit: &Audit, command: ProgrammeCommand) -> Decision {
        match command {
            ProgrammeCommand::Define { programme, charter } => {
                if self.step != Step::NotDefined {
                    return Err(DomainError::Conflict(format!(
                        "programme {} is already defined",
                        self.id.as_ref().unwrap_or(&programme)
                    )));
                }
                charter.validate()?;
                Ok(vec![ProgrammeEvent::ProgrammeDefined {
                    programme,
                    charter,
                }])
            }
            ProgrammeCommand::Design(design) => {
                self.require_step(&[Step::Defined, Step::Designed])?;
                design.validate()?;
                Ok(vec![ProgrammeEvent::ProgrammeDesigned { design }])
            }
            ProgrammeCommand::OpenOnboarding => {
                self.require_step(&[Step::Designed])?;
                Ok(vec![ProgrammeEvent::OnboardingOpened])
            }
            ProgrammeCommand::Roster(entry) => self.roster_participant(entry),
            ProgrammeCommand::Unroster { person } => self.unroster(person),
            ProgrammeCommand::StartMatching => {
                self.require_step(&[Step::Onboarding])?;
                for role in [Role::Mentor, Role::Mentee] {
                    if self.onboarded(role).next().is_none() {
                        return Err(DomainError::rule(
                            Rule::MatchingNeedsOnboardedPeople,
                            format!("no {role} is onboarded yet"),
                        ));
                    }
                }
                Ok(vec![ProgrammeEvent::MatchingStarted])
            }
            ProgrammeCommand::ProposeMatch {
                relationship,
                mentors,
                mentees,
            } => self.propose_match(relationship, mentors, mentees),
            ProgrammeCommand::RespondToMatch {
                relationship,
                accept,
            } => self.respond_to_match(audit, relationship, accept),
            ProgrammeCommand::ReleaseRelationship {
                relationship,
                ended_early,
            } => {
                self.require_open()?;
                let entry = self.match_entry(&relationship)?;
                if entry.status != MatchStatus::Active {
                    return Err(DomainError::wrong_state("match", entry.status, "active"));
                }
                Ok(vec![ProgrammeEvent::RelationshipReleased {
                    relationship,
                    ended_early,
                }])
            }
            ProgrammeCommand::StartMomentum => {
                self.require_step(&[Step::Matching])?;
                Ok(vec![ProgrammeEvent::MomentumStarted])
            }
            ProgrammeCommand::StartMeasurement => {
                self.require_step(&[Step::Momentum])?;
                Ok(vec![ProgrammeEvent::MeasurementStarted])
            }
            ProgrammeCommand::RespondToSurvey { answers } => self.respond_to_survey(audit, answers),
            ProgrammeCommand::RecordMatchRun(run) => {
                self.require_step(&[Step::Matching, Step::Momentum])?;
                self.check_run_shape(run.mode)?;
                let run_number = u32::try_from(self.match_runs.len())
                    .unwrap_or(u32::MAX)
                    .saturating_add(1);
                Ok(vec![ProgrammeEvent::MatchRunRecorded { run_number, run }])
            }
            ProgrammeCommand::ApproveProposal {
                run_number,
                mentor,
                mentee,
                relationship,
            } => self.approve_proposal(audit, run_number, mentor, mentee, relationship),
            ProgrammeCommand::DeclineProposal {
                run_number,
                mentor,
                mentee,
            } => {
                self.require_step(&[Step::Matching, Step::Momentum])?;
                self.pending_proposal(run_number, &mentor, &mentee)?;
                Ok(vec![ProgrammeEvent::ProposalDeclined {
                    run_number,
                    mentor,
                    mentee,
                }])
            }
            ProgrammeCommand::Close => {
                self.require_step(&[Step::Measurement])?;
                let live: Vec<String> = self
                    .matches
                    .iter()
                    .filter(|(_, entry)| entry.status.is_live())
                    .map(|(id, _)| id.to_string())
                    .collect();
                if !live.is_empty() {
                    return Err(DomainError::rule(
                        Rule::ProgrammeClosesWhenNoActiveRelationship,
                        format!("still active: {}", live.join(", ")),
                    ));
                }
                Ok(vec![ProgrammeEvent::ProgrammeClosed])
            }
        }
    }

    fn creates(command: &ProgrammeCommand) -> bool {
        matches!(command, ProgrammeCommand::Define { .. })
    }

    fn reports_pending(command: &ProgrammeCommand) -> bool {
        matches!(
            command,
            ProgrammeCommand::ProposeMatch { .. }
                | ProgrammeCommand::ApproveProposal { .. }
                | ProgrammeCommand::RespondToMatch { .. }
        )
    }

    fn pending(&self, command: &ProgrammeCommand) -> Vec<String> {
        let relationship = match command {
            ProgrammeCommand::ProposeMatch { relationship, .. }
            | ProgrammeCommand::ApproveProposal { relationship, .. }
            | ProgrammeCommand::RespondToMatch { relationship, .. } => relationship,
            _ => return Vec::new(),
        };
        let Some(entry) = self.matches.get(relationship) else {
            return Vec::new();
        };
        if entry.status != MatchStatus::Proposed {
            return Vec::new();
        }
        let sides = entry
            .mentors
            .iter()
            .map(|person| ("mentor", person))
            .chain(entry.mentees.iter().map(|person| ("mentee", person)));
        sides
            .filter(|(_, person)| !entry.accepted.contains(*person))
            .map(|(side, person)| {
                format!(
                    "{side} {person} must accept or decline the match {relationship} (ProgrammeService/RespondToMatch)"
                )
            })
            .collect()
    }

    fn claims_relationship(
        id: &ProgrammeId,
        command: &ProgrammeCommand,
    ) -> Option<(ProgrammeId, RelationshipId)> {
        match command {
            ProgrammeCommand::ProposeMatch { relationship, .. }
            | ProgrammeCommand::ApproveProposal { relationship, .. } => {
                Some((id.clone(), relationship.clone()))
            }
            _ => None,
        }
    }

    fn follow_ups(&self, event: &ProgrammeEvent) -> Vec<FollowUp> {
        process::after_programme_event(event)
    }
}

impl Programme {
    fn require_step(&self, allowed: &[Step]) -> Result<(), DomainError> {
        if allowed.contains(&self.step) {
            return Ok(());
        }
        let required: Vec<String> = allowed.iter().map(Step::to_string).collect();
        Err(DomainError::wrong_state(
            "programme",
            self.step,
            required.join(" or "),
        ))
    }

    /// Any step in which people and relationships still change.
    fn require_open(&self) -> Result<(), DomainError> {
        self.require_step(&[
            Step::Onboarding,
            Step::Matching,
            Step::Momentum,
            Step::Measurement,
        ])
    }

    fn match_entry(
        &self,
        relationship: &RelationshipId,
    ) -> Result<&super::MatchEntry, DomainError> {
        self.matches
            .get(relationship)
            .ok_or_else(|| DomainError::not_found("match", relationship))
    }

    fn roster_participant(&self, entry: RosterEntry) -> Decision {
        self.require_step(&[Step::Onboarding, Step::Matching, Step::Momentum])?;
        validate::in_range("seniority", entry.seniority, 1, MAX_SENIORITY)?;
        let max_capacity = match entry.role {
            Role::Mentor => MAX_MENTOR_CAPACITY,
            Role::Mentee => 1,
        };
        validate::in_range("capacity", entry.capacity, 1, max_capacity)?;
        if self.roster.contains_key(&entry.person) {
            return Err(DomainError::Conflict(format!(
                "{} is already on the roster",
                entry.person
            )));
        }
        Ok(vec![ProgrammeEvent::ParticipantRostered { entry }])
    }

    fn unroster(&self, person: PersonId) -> Decision {
        self.require_open()?;
        let rostered = self
            .roster
            .get(&person)
            .ok_or_else(|| DomainError::not_found("participant", &person))?;
        if rostered.status == RosterStatus::Withdrawn {
            return Err(DomainError::Conflict(format!("{person} already withdrew")));
        }
        if self.is_matched(&person) {
            return Err(DomainError::rule(
                Rule::WithdrawOnlyWhenUnmatched,
                format!("{person} is in a live match; end it first"),
            ));
        }
        Ok(vec![ProgrammeEvent::ParticipantUnrostered { person }])
    }

    fn propose_match(
        &self,
        relationship: RelationshipId,
        mentors: Vec<PersonId>,
        mentees: Vec<PersonId>,
    ) -> Decision {
        self.require_step(&[Step::Matching, Step::Momentum])?;
        let design = self
            .design
            .as_ref()
            .ok_or_else(|| DomainError::wrong_state("programme", self.step, "designed"))?;
        if self.matches.contains_key(&relationship) {
            return Err(DomainError::Conflict(format!(
                "relationship {relationship} was already proposed"
            )));
        }
        validate::unique("mentors", &mentors)?;
        validate::unique("mentees", &mentees)?;
        self.check_shape(design.programme_type, &mentors, &mentees)?;
        if let Some(person) = mentors.iter().find(|mentor| mentees.contains(mentor)) {
            return Err(DomainError::rule(
                Rule::NoSelfMatch,
                format!("{person} cannot mentor themselves"),
            ));
        }
        for (side, people) in [(Role::Mentor, &mentors), (Role::Mentee, &mentees)] {
            for person in people {
                self.check_matchable(person, side)?;
            }
        }
        for mentor in &mentors {
            for mentee in &mentees {
                self.check_pair(design.programme_type, mentor, mentee)?;
            }
        }
        for mentor in &mentors {
            self.check_capacity(mentor, mentees.len())?;
        }
        Ok(vec![ProgrammeEvent::MatchProposed {
            relationship,
            mentors,
            mentees,
        }])
    }

    fn check_shape(
        &self,
        programme_type: ProgrammeType,
        mentors: &[PersonId],
        mentees: &[PersonId],
    ) -> Result<(), DomainError> {
        let fits = if programme_type.is_group() {
            !mentors.is_empty() && mentees.len() >= 2
        } else {
            mentors.len() == 1 && mentees.len() == 1
        };
        if fits {
            return Ok(());
        }
        let needs = if programme_type.is_group() {
            "at least one mentor and two mentees"
        } else {
            "exactly one mentor and one mentee"
        };
        Err(DomainError::rule(
            Rule::RelationshipShape,
            format!(
                "a {programme_type:?} programme needs {needs}, got {} mentor(s) and {} mentee(s)",
                mentors.len(),
                mentees.len()
            ),
        ))
    }

    /// A group programme's relationships hold several mentees, so only
    /// group formation proposes what it can approve; every other programme
    /// pairs one with one, so group formation proposes nothing it can.
    fn check_run_shape(&self, mode: MatchingMode) -> Result<(), DomainError> {
        let design = self
            .design
            .as_ref()
            .ok_or_else(|| DomainError::wrong_state("programme", self.step, "designed"))?;
        let group = design.programme_type.is_group();
        let forms_groups = mode == MatchingMode::Groups;
        if group == forms_groups {
            return Ok(());
        }
        let detail = if group {
            format!("a Group programme forms groups: run GROUPS, not {mode:?}, or propose by hand")
        } else {
            format!(
                "a {:?} programme pairs one mentor with one mentee: GROUPS forms groups",
                design.programme_type
            )
        };
        Err(DomainError::rule(Rule::RelationshipShape, detail))
    }

    fn check_matchable(&self, person: &PersonId, side: Role) -> Result<(), DomainError> {
        let rostered = self
            .roster
            .get(person)
            .filter(|rostered| rostered.status == RosterStatus::Onboarded)
            .ok_or_else(|| {
                DomainError::rule(
                    Rule::OnlyOnboardedMatched,
                    format!("{person} is not an onboarded participant of this programme"),
                )
            })?;
        if rostered.entry.role != side {
            return Err(DomainError::rule(
                Rule::RoleFitsSide,
                format!(
                    "{person} applied as a {}, not as a {side}",
                    rostered.entry.role
                ),
            ));
        }
        if side == Role::Mentee && self.is_matched(person) {
            return Err(DomainError::rule(
                Rule::MenteeMatchedOnce,
                format!("{person} is already in a live match"),
            ));
        }
        Ok(())
    }

    fn check_pair(
        &self,
        programme_type: ProgrammeType,
        mentor: &PersonId,
        mentee: &PersonId,
    ) -> Result<(), DomainError> {
        let (Some(mentor_entry), Some(mentee_entry)) =
            (self.roster.get(mentor), self.roster.get(mentee))
        else {
            return Err(DomainError::rule(
                Rule::OnlyOnboardedMatched,
                format!("{mentor} or {mentee} is not on the roster"),
            ));
        };
        let (mentor_entry, mentee_entry) = (&mentor_entry.entry, &mentee_entry.entry);
        if mentee_entry.manager.as_ref() == Some(mentor)
            || mentor_entry.manager.as_ref() == Some(mentee)
        {
            return Err(DomainError::rule(
                Rule::NoReportingLineMatch,
                format!("{mentor} and {mentee} are manager and report"),
            ));
        }
        if self
            .failed_pairs
            .contains(&(mentor.clone(), mentee.clone()))
        {
            return Err(DomainError::rule(
                Rule::NoRematchOfFailedPair,
                format!("{mentor} and {mentee} were declined or ended early before"),
            ));
        }
        match programme_type {
            ProgrammeType::Reverse if mentor_entry.seniority >= mentee_entry.seniority => {
                Err(DomainError::rule(
                    Rule::ReverseSeniority,
                    format!(
                        "mentor {mentor} (level {}) must be more junior than mentee {mentee} (level {})",
                        mentor_entry.seniority, mentee_entry.seniority
                    ),
                ))
            }
            ProgrammeType::Peer if mentor_entry.seniority != mentee_entry.seniority => {
                Err(DomainError::rule(
                    Rule::PeerSeniority,
                    format!(
                        "{mentor} (level {}) and {mentee} (level {}) must be at the same level",
                        mentor_entry.seniority, mentee_entry.seniority
                    ),
                ))
            }
            _ => Ok(()),
        }
    }

    fn check_capacity(&self, mentor: &PersonId, extra: usize) -> Result<(), DomainError> {
        let capacity = self
            .roster
            .get(mentor)
            .map_or(0, |rostered| rostered.entry.capacity);
        let load = self.mentor_load(mentor);
        let extra = u32::try_from(extra).unwrap_or(u32::MAX);
        if load.saturating_add(extra) > capacity {
            return Err(DomainError::rule(
                Rule::MentorCapacity,
                format!(
                    "{mentor} has {load} of {capacity} places taken and cannot take {extra} more"
                ),
            ));
        }
        Ok(())
    }

    fn respond_to_match(
        &self,
        audit: &Audit,
        relationship: RelationshipId,
        accept: bool,
    ) -> Decision {
        self.require_step(&[Step::Matching, Step::Momentum])?;
        let entry = self.match_entry(&relationship)?;
        if entry.status != MatchStatus::Proposed {
            return Err(DomainError::wrong_state("match", entry.status, "proposed"));
        }
        let by = audit.actor.as_person();
        if !entry.has_member(&by) {
            return Err(DomainError::rule(
                Rule::OnlyMembers,
                format!("{by} is not a member of match {relationship}"),
            ));
        }
        if !accept {
            return Ok(vec![ProgrammeEvent::MatchDeclined { relationship, by }]);
        }
        if entry.accepted.contains(&by) {
            return Err(DomainError::Conflict(format!(
                "{by} already accepted match {relationship}"
            )));
        }
        let everyone_accepted = entry
            .members()
            .all(|member| member == &by || entry.accepted.contains(member));
        let mut events = vec![ProgrammeEvent::MatchAccepted {
            relationship: relationship.clone(),
            by,
        }];
        if everyone_accepted {
            let terms = self.relationship_terms(entry)?;
            events.push(ProgrammeEvent::MatchConfirmed {
                relationship,
                terms,
            });
        }
        Ok(events)
    }

    fn relationship_terms(
        &self,
        entry: &super::MatchEntry,
    ) -> Result<RelationshipTerms, DomainError> {
        let (Some(programme), Some(design)) = (self.id.clone(), self.design.as_ref()) else {
            return Err(DomainError::wrong_state("programme", self.step, "designed"));
        };
        Ok(RelationshipTerms {
            programme,
            programme_type: design.programme_type,
            starts_on: design.starts_on,
            ends_on: design.ends_on(),
            cadence: design.cadence,
            mentors: entry.mentors.clone(),
            mentees: entry.mentees.clone(),
        })
    }

    fn pending_proposal(
        &self,
        run_number: u32,
        mentor: &PersonId,
        mentee: &PersonId,
    ) -> Result<&super::RunRecord, DomainError> {
        let run = self
            .match_runs
            .get(&run_number)
            .ok_or_else(|| DomainError::not_found("match run", run_number))?;
        let proposal = run.proposal(mentor, mentee).ok_or_else(|| {
            DomainError::not_found("proposal", format!("{mentor}→{mentee} in run {run_number}"))
        })?;
        if proposal.status != super::ProposalStatus::Pending {
            return Err(DomainError::wrong_state(
                "proposal",
                proposal.status,
                "pending",
            ));
        }
        Ok(run)
    }

    fn approve_proposal(
        &self,
        audit: &Audit,
        run_number: u32,
        mentor: PersonId,
        mentee: PersonId,
        relationship: RelationshipId,
    ) -> Decision {
        self.require_step(&[Step::Matching, Step::Momentum])?;
        let run = self.pending_proposal(run_number, &mentor, &mentee)?;
        let actor = audit.actor.as_person();
        let mentee_choice = run.mode == MatchingMode::MenteeChoice;
        if mentee_choice && actor != mentee {
            return Err(DomainError::rule(
                Rule::OnlyMembers,
                format!("in mentee-choice mode only {mentee} picks from their shortlist"),
            ));
        }
        if !mentee_choice && actor == mentee {
            return Err(DomainError::rule(
                Rule::ProposalApprover,
                format!(
                    "a proposal of a {:?} run is approved by a manager, not by its mentee {mentee}",
                    run.mode
                ),
            ));
        }
        let members = if run.mode == MatchingMode::Groups {
            // A group is approved whole: every member its mentor leads in
            // the run whose proposal is still pending.
            let members: Vec<PersonId> = run
                .proposals
                .iter()
                .filter(|proposal| {
                    proposal.mentor == mentor && proposal.status == ProposalStatus::Pending
                })
                .map(|proposal| proposal.mentee.clone())
                .collect();
            if members.contains(&actor) {
                return Err(DomainError::rule(
                    Rule::ProposalApprover,
                    format!("a group is approved by a manager, not by its member {actor}"),
                ));
            }
            members
        } else {
            vec![mentee]
        };
        let mut events: Vec<ProgrammeEvent> = members
            .iter()
            .map(|member| ProgrammeEvent::ProposalApproved {
                run_number,
                mentor: mentor.clone(),
                mentee: member.clone(),
                relationship: relationship.clone(),
            })
            .collect();
        events.extend(self.propose_match(relationship, vec![mentor], members)?);
        Ok(events)
    }

    fn respond_to_survey(&self, audit: &Audit, answers: Vec<SurveyAnswer>) -> Decision {
        self.require_step(&[Step::Measurement])?;
        let respondent = audit.actor.as_person();
        if !self.roster.contains_key(&respondent) {
            return Err(DomainError::rule(
                Rule::OneSurveyResponsePerParticipant,
                format!("{respondent} is not a participant of this programme"),
            ));
        }
        if self.survey_respondents.contains(&respondent) {
            return Err(DomainError::rule(
                Rule::OneSurveyResponsePerParticipant,
                format!("{respondent} has already answered"),
            ));
        }
        let design = self
            .design
            .as_ref()
            .ok_or_else(|| DomainError::wrong_state("programme", self.step, "designed"))?;
        if answers.is_empty() {
            return Err(DomainError::invalid(
                "answers",
                "must answer at least one question",
            ));
        }
        let mut answered = BTreeSet::new();
        for (index, answer) in answers.iter().enumerate() {
            let field = format!("answers[{index}]");
            let question = design
                .survey
                .iter()
                .find(|question| question.id == answer.question)
                .ok_or_else(|| DomainError::not_found("question", &answer.question))?;
            if !answered.insert(&answer.question) {
                return Err(DomainError::invalid(
                    format!("{field}.question"),
                    format!("answers {} twice", answer.question),
                ));
            }
            match (question.kind, answer.rating, answer.text.as_deref()) {
                (AnswerKind::Rating, Some(rating), None) => {
                    validate::rating(&format!("{field}.rating"), rating)?;
                }
                (AnswerKind::FreeText, None, Some(text)) => {
                    validate::text(&format!("{field}.text"), text, MAX_LONG_TEXT)?;
                }
                (AnswerKind::Rating, ..) => {
                    return Err(DomainError::invalid(
                        field,
                        "a rating question takes a rating and no text",
                    ));
                }
                (AnswerKind::FreeText, ..) => {
                    return Err(DomainError::invalid(
                        field,
                        "a free-text question takes text and no rating",
                    ));
                }
            }
        }
        Ok(vec![ProgrammeEvent::SurveyResponded {
            respondent,
            answers,
        }])
    }
}
