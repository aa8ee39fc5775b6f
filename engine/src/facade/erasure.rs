//! Erasure of one person's personal data, in every programme they applied
//! to.
//!
//! Personal values never sit in the chained event bytes: the log keeps each
//! one sealed, apart, with its salt (`store::seal`), and erasing destroys
//! value and salt while the digest stays in the chain. So an erasure is two
//! steps per programme: record it (`PersonalDataErased` on the person's
//! participant stream: who asked, when and why, and nothing personal), then
//! have the log destroy the sealed values:
//!
//! - every personal value of the participant stream (name, goals,
//!   preferences, shared attributes);
//! - the person's own survey answers on the programme stream, and no one
//!   else's.
//!
//! Confidential notes the person wrote in a shared relationship (meetings,
//! check-ins, feedback) stay: they are also the other member's record, and
//! only the relationship's members ever read them. An introduction's contact
//! is the contact's data, not the introducer's, and stays too.
//!
//! Recording comes first, so that an erasure cut short by a crash is on
//! record; running the same request again (same command id) finds it
//! recorded and finishes the destruction, which erases nothing twice.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::domain::envelope::{Audit, Envelope};
use crate::domain::ids::{CommandId, PersonId, ProgrammeId};
use crate::domain::participant::{Participant, ParticipantCommand};
use crate::domain::programme::{Programme, ProgrammeEvent};
use crate::domain::sensitivity::Sensitivity;
use crate::domain::stream::{ParticipantStreamId, StreamType};
use crate::domain::DomainError;
use crate::store::{EventLog, StreamRef};

use super::{Decider, Engine, EngineError};

/// What an erasure did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erasure {
    /// The programmes the person applied to, each now recording the
    /// erasure.
    pub programmes: Vec<ProgrammeId>,
    /// How many sealed values were destroyed by this run (0 when an earlier
    /// run had destroyed them all).
    pub values: usize,
    /// The global position of the last erasure recorded (the head when
    /// every one had been recorded before).
    pub last_position: u64,
}

/// What applying retention did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Retention {
    /// The programmes closed before the date.
    pub programmes: Vec<ProgrammeId>,
    /// Their participants, erased now or before.
    pub people: usize,
    /// How many sealed values this run destroyed.
    pub values: usize,
}

impl<L: EventLog> Engine<L> {
    /// Erases `person`'s personal data in every programme they applied to,
    /// as `audit` asks (its reason is required). `NOT_FOUND` when they
    /// applied to none.
    pub async fn erase_person(
        &self,
        person: &PersonId,
        audit: Audit,
    ) -> Result<Erasure, EngineError> {
        let erasure = self.erase_everywhere(person, &audit).await?;
        if erasure.programmes.is_empty() {
            return Err(DomainError::not_found("person", person).into());
        }
        Ok(erasure)
    }

    /// Applies retention: erases the personal data of every participant of
    /// every programme closed before `closed_before`, in that programme
    /// only, each erasure recorded with `audit`'s actor, time and reason.
    /// Participants erased before are passed over, so a second run erases
    /// nothing. Each programme's stream and the list of enrolments are read
    /// once, whatever the number of participants.
    pub async fn apply_retention(
        &self,
        closed_before: DateTime<Utc>,
        audit: Audit,
    ) -> Result<Retention, EngineError> {
        let mut retention = Retention::default();
        let participants = self
            .log()
            .stream_ids(StreamType::Participant.as_str())
            .await?;
        for programme in self.log().stream_ids(Programme::STREAM.as_str()).await? {
            let stream = StreamRef::new(Programme::STREAM.as_str(), programme.as_str());
            let events = self.log().read_stream(&stream, 1).await?;
            let closed = events
                .last()
                .filter(|event| event.event_type == "ProgrammeClosed")
                .is_some_and(|event| event.at < closed_before);
            if !closed {
                continue;
            }
            let programme = ProgrammeId::parse("programme_id", programme)?;
            let answers = survey_answers(&events)?;
            for stream_id in &participants {
                let Some((of, person)) = ParticipantStreamId::split(stream_id) else {
                    continue;
                };
                if of != programme.as_str() {
                    continue;
                }
                let person = PersonId::parse("person_id", person)?;
                let participant = ParticipantStreamId::new(programme.clone(), person.clone());
                let positions = answers.get(&person).map_or(&[][..], Vec::as_slice);
                let (values, _) = self
                    .erase_participant(&participant, positions, &audit)
                    .await?;
                retention.values += values;
                retention.people += 1;
            }
            retention.programmes.push(programme);
        }
        Ok(retention)
    }

    /// Erases `person` in every programme they applied to.
    async fn erase_everywhere(
        &self,
        person: &PersonId,
        audit: &Audit,
    ) -> Result<Erasure, EngineError> {
        let mut erasure = Erasure {
            programmes: Vec::new(),
            values: 0,
            last_position: self.log().head(),
        };
        for stream_id in self
            .log()
            .stream_ids(StreamType::Participant.as_str())
            .await?
        {
            let Some((programme, who)) = ParticipantStreamId::split(&stream_id) else {
                continue;
            };
            if who != person.as_str() {
                continue;
            }
            let programme = ProgrammeId::parse("programme_id", programme)?;
            let participant = ParticipantStreamId::new(programme.clone(), person.clone());
            let stream = StreamRef::new(Programme::STREAM.as_str(), programme.as_str());
            let answers = survey_answers(&self.log().read_stream(&stream, 1).await?)?;
            let positions = answers.get(person).map_or(&[][..], Vec::as_slice);
            let (values, recorded_at) = self
                .erase_participant(&participant, positions, audit)
                .await?;
            erasure.values += values;
            if let Some(position) = recorded_at {
                erasure.last_position = position;
            }
            erasure.programmes.push(programme);
        }
        Ok(erasure)
    }

    /// Records the erasure on `participant` (unless an earlier request did)
    /// and destroys its personal values and its person's survey answers at
    /// `answers` on the programme stream. Returns the values destroyed and
    /// the position of the record made now, if one was.
    async fn erase_participant(
        &self,
        participant: &ParticipantStreamId,
        answers: &[u64],
        audit: &Audit,
    ) -> Result<(usize, Option<u64>), EngineError> {
        let command = Envelope::new(
            participant_audit(audit, "erase", participant),
            ParticipantCommand::ErasePersonalData,
        );
        let recorded_at = match self
            .execute::<Participant>(participant, command, None)
            .await
        {
            Ok(receipt) => Some(receipt.last_position),
            // Recorded by an earlier request: finish what it began.
            Err(EngineError::Domain(DomainError::Conflict(_))) => None,
            Err(error) => return Err(error),
        };
        let stream = StreamRef::new(Participant::STREAM.as_str(), participant.to_string());
        let mut values = self
            .log()
            .erase(&stream, Sensitivity::Personal, None)
            .await?;
        if !answers.is_empty() {
            let survey = StreamRef::new(Programme::STREAM.as_str(), participant.programme.as_str());
            values += self
                .log()
                .erase(&survey, Sensitivity::Personal, Some(answers))
                .await?;
        }
        Ok((values, recorded_at))
    }
}

/// The positions of each respondent's survey answers among a programme's
/// `events`.
fn survey_answers(
    events: &[crate::store::RecordedEvent],
) -> Result<BTreeMap<PersonId, Vec<u64>>, EngineError> {
    let mut answers: BTreeMap<PersonId, Vec<u64>> = BTreeMap::new();
    for recorded in events {
        if recorded.event_type != "SurveyResponded" {
            continue;
        }
        let event: <Programme as cqrs_es::Aggregate>::Event = recorded.decode()?;
        if let ProgrammeEvent::SurveyResponded { respondent, .. } = event.event {
            answers
                .entry(respondent)
                .or_default()
                .push(recorded.position);
        }
    }
    Ok(answers)
}

/// The audit of what one request (`purpose`: an erasure, a subject access)
/// records on `participant`: the request's actor, time and reason, and a
/// command id derived from the request's, so that the same request records
/// on each participant once, and a retry finds its record.
pub(super) fn participant_audit(
    request: &Audit,
    purpose: &str,
    participant: &ParticipantStreamId,
) -> Audit {
    let digest =
        Sha256::digest(format!("{}|{purpose}|{participant}", request.command_id).as_bytes());
    let id = format!("{purpose}:{}", &hex::encode(digest)[..40]);
    Audit {
        command_id: CommandId::parse("command_id", id)
            .unwrap_or_else(|_| request.command_id.clone()),
        ..request.clone()
    }
}
