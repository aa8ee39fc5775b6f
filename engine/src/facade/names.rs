//! Participants' names, for those entitled to them, and the record of each
//! time they were shown.
//!
//! Read models hold no personal text (so that an erasure has nothing to
//! chase there), so a name is read from the log when an answer needs it:
//! the display name of the person's application, a few reads per page.
//! Whoever is shown names of people other than themselves is recorded in
//! the programme's access ledger ([`crate::domain::access`]) first.

use std::collections::BTreeMap;

use crate::domain::access::{AccessCommand, AccessLedger, MAX_SUBJECTS_PER_REVEAL};
use crate::domain::envelope::{Audit, Envelope};
use crate::domain::ids::{CommandId, PersonId, ProgrammeId};
use crate::domain::participant::Participant;
use crate::domain::sensitivity::ERASED_TEXT;
use crate::domain::stream::ParticipantStreamId;
use crate::store::{EventLog, StreamRef};

use super::{Decider, Engine, EngineError};

impl<L: EventLog> Engine<L> {
    /// The display name each of `people` gave when applying to
    /// `programme` ([`ERASED_TEXT`] once erased); people who never applied
    /// there are left out.
    pub async fn display_names(
        &self,
        programme: &ProgrammeId,
        people: &[PersonId],
    ) -> Result<BTreeMap<PersonId, String>, EngineError> {
        let mut names = BTreeMap::new();
        for person in people {
            let participant = ParticipantStreamId::new(programme.clone(), person.clone());
            let stream = StreamRef::new(Participant::STREAM.as_str(), participant.to_string());
            let events = self.log().read_stream(&stream, 1).await?;
            let Some(application) = events.first() else {
                continue;
            };
            let name = application
                .payload
                .pointer("/event/ApplicationSubmitted/questionnaire/display_name")
                .and_then(|name| name.as_str())
                .unwrap_or(ERASED_TEXT);
            names.insert(person.clone(), name.to_owned());
        }
        Ok(names)
    }

    /// Records, in `programme`'s access ledger, that `audit`'s actor was
    /// shown `fields` of `subjects` by `request`: one event, or one per
    /// [`MAX_SUBJECTS_PER_REVEAL`] people, the later ones under the command
    /// id `<audit's>:<n>`.
    pub async fn record_reveal(
        &self,
        programme: &ProgrammeId,
        subjects: &[PersonId],
        fields: &[&str],
        request: &str,
        audit: &Audit,
    ) -> Result<(), EngineError> {
        for (index, chunk) in subjects.chunks(MAX_SUBJECTS_PER_REVEAL).enumerate() {
            let record = AccessCommand::RecordReveal {
                programme: programme.clone(),
                subjects: chunk.to_vec(),
                fields: fields.iter().map(|field| (*field).to_owned()).collect(),
                request: request.to_owned(),
            };
            let mut audit = audit.clone();
            if index > 0 {
                audit.command_id =
                    CommandId::parse("command_id", format!("{}:{index}", audit.command_id))?;
            }
            self.execute::<AccessLedger>(programme, Envelope::new(audit, record), None)
                .await?;
        }
        Ok(())
    }
}
