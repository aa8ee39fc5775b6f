//! Matching through the facade: read the programme and its people as they
//! stood at one log position, run the matching there, and record the run.
//! Because the input is read at a recorded position, a run can be
//! reproduced and explained at any later time.

use std::collections::BTreeMap;

use crate::domain::envelope::{Audit, Envelope};
use crate::domain::ids::{PersonId, ProgrammeId};
use crate::domain::participant::Participant;
use crate::domain::programme::design::MatchingMode;
use crate::domain::programme::{Programme, ProgrammeCommand, ProgrammeEvent};
use crate::domain::stream::ParticipantStreamId;
use crate::domain::DomainError;
use crate::matching::{self, MatchRun, MatchingConfig, MatchingInput, PairExplanation};
use crate::store::{EventLog, StoreError, StreamRef};

use super::{Decider, Engine, EngineError, Receipt};

impl<L: EventLog> Engine<L> {
    /// Aggregate `id` as it stood at log position `position`: its events at
    /// positions up to `position`, and the revision it had then.
    pub async fn load_at<A: Decider>(
        &self,
        id: &A::Id,
        position: u64,
    ) -> Result<(A, u64), EngineError> {
        let stream = StreamRef::new(A::STREAM.as_str(), id.to_string());
        let mut state = A::default();
        let mut revision = 0;
        for recorded in self.log().read_stream(&stream, 1).await? {
            if recorded.position > position {
                break;
            }
            let event: crate::domain::envelope::Recorded<A::Payload> = recorded.decode()?;
            state.apply(event);
            revision = recorded.revision;
        }
        Ok((state, revision))
    }

    /// The matching input of `programme` as it stood at `position`.
    pub async fn matching_input_at(
        &self,
        programme: &ProgrammeId,
        position: u64,
    ) -> Result<(Programme, MatchingInput), EngineError> {
        let (state, revision) = self.load_at::<Programme>(programme, position).await?;
        if revision == 0 {
            return Err(DomainError::not_found("programme", programme).into());
        }
        let mut questionnaires = BTreeMap::new();
        for person in state.roster.keys() {
            let stream = ParticipantStreamId::new(programme.clone(), person.clone());
            let (participant, _) = self.load_at::<Participant>(&stream, position).await?;
            if let Some(questionnaire) = participant.questionnaire {
                questionnaires.insert(person.clone(), questionnaire);
            }
        }
        let input = MatchingInput::from_programme(&state, &questionnaires)?;
        Ok((state, input))
    }

    /// Runs the matching of `programme` in `mode` (its design's mode when
    /// `None`) on the programme as it stands now, and records the run.
    /// Returns the receipt of the recording, the run's number and the run.
    pub async fn propose_matches(
        &self,
        programme: &ProgrammeId,
        mode: Option<MatchingMode>,
        audit: Audit,
    ) -> Result<(Receipt, u32, MatchRun), EngineError> {
        if let Some(outcome) = self
            .log()
            .command_outcome(audit.command_id.as_str())
            .await?
        {
            let (run_number, run) = self.run_recorded_at(outcome.first_position).await?;
            let receipt = Receipt {
                stream: StreamRef::new(Programme::STREAM.as_str(), programme.as_str()),
                revision: outcome.revision,
                last_position: outcome.last_position,
                duplicate: true,
                pending: Vec::new(),
            };
            return Ok((receipt, run_number, run));
        }
        let position = self.log().head();
        let (state, input) = self.matching_input_at(programme, position).await?;
        let design = state
            .design
            .as_ref()
            .ok_or_else(|| DomainError::wrong_state("programme", state.step, "designed"))?;
        let mode = mode.unwrap_or(design.matching_mode);
        let weights = design.matching_weights;
        let config = MatchingConfig {
            group_size: design.group_size,
            ..MatchingConfig::default()
        };
        let run = tokio::task::spawn_blocking(move || {
            matching::run(&input, &weights, mode, &config, position)
        })
        .await
        .map_err(|error| StoreError::Unavailable {
            detail: format!("the matching task failed: {error}"),
        })??;
        let receipt = self
            .execute::<Programme>(
                programme,
                Envelope::new(audit, ProgrammeCommand::RecordMatchRun(Box::new(run))),
                None,
            )
            .await?;
        let (run_number, run) = self.run_recorded_at(receipt.last_position).await?;
        Ok((receipt, run_number, run))
    }

    async fn run_recorded_at(&self, position: u64) -> Result<(u32, MatchRun), EngineError> {
        let events = self.log().read_all(position, 1).await?;
        let recorded = events
            .first()
            .ok_or_else(|| StoreError::corrupt(position, "the recorded run is missing"))?;
        let event: <Programme as cqrs_es::Aggregate>::Event = recorded.decode()?;
        match event.event {
            ProgrammeEvent::MatchRunRecorded { run_number, run } => Ok((run_number, *run)),
            other => Err(StoreError::invalid(format!(
                "position {position} holds {other:?}, not a match run"
            ))
            .into()),
        }
    }

    /// Run `run_number` of `programme`, as recorded.
    pub async fn match_run(
        &self,
        programme: &ProgrammeId,
        run_number: u32,
    ) -> Result<MatchRun, EngineError> {
        let stream = StreamRef::new(Programme::STREAM.as_str(), programme.as_str());
        for recorded in self.log().read_stream(&stream, 1).await? {
            if recorded.event_type != "MatchRunRecorded" {
                continue;
            }
            let event: <Programme as cqrs_es::Aggregate>::Event = recorded.decode()?;
            if let ProgrammeEvent::MatchRunRecorded {
                run_number: number,
                run,
            } = event.event
            {
                if number == run_number {
                    return Ok(*run);
                }
            }
        }
        Err(DomainError::not_found("match run", run_number).into())
    }

    /// Runs again what run `run_number` ran, on its input read again at its
    /// recorded position: equal to the recorded run when nothing was
    /// altered.
    pub async fn rerun(
        &self,
        programme: &ProgrammeId,
        run_number: u32,
    ) -> Result<MatchRun, EngineError> {
        let recorded = self.match_run(programme, run_number).await?;
        let (_, input) = self
            .matching_input_at(programme, recorded.log_position)
            .await?;
        let config = MatchingConfig {
            shortlist_len: recorded
                .shortlist_len
                .map_or(MatchingConfig::default().shortlist_len, |len| len as usize),
            group_size: recorded.group_size,
            ..MatchingConfig::default()
        };
        let (weights, mode, position) = (recorded.weights, recorded.mode, recorded.log_position);
        Ok(tokio::task::spawn_blocking(move || {
            matching::run(&input, &weights, mode, &config, position)
        })
        .await
        .map_err(|error| StoreError::Unavailable {
            detail: format!("the matching task failed: {error}"),
        })??)
    }

    /// Why run `run_number` did or did not propose `mentor` to `mentee`.
    pub async fn explain_pair(
        &self,
        programme: &ProgrammeId,
        run_number: u32,
        mentor: &PersonId,
        mentee: &PersonId,
    ) -> Result<PairExplanation, EngineError> {
        let run = self.match_run(programme, run_number).await?;
        let (_, input) = self.matching_input_at(programme, run.log_position).await?;
        Ok(matching::explain_pair(&input, &run, mentor, mentee)?)
    }
}
