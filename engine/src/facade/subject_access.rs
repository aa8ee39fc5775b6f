//! Subject access: everything the engine holds about one person, for them.
//!
//! What is theirs, and how much of it is shown:
//!
//! | stream | events | sealed values shown |
//! |---|---|---|
//! | each participant stream (`programme/person`) | all | all: they are the person's own |
//! | each programme they applied to | those they issued or that name them | those of the events they issued (their survey answers); others stay digests |
//! | each relationship they were matched into | all | its confidential content when the export goes to them (they are a member; an administrator asking for them gets digests), and personal values they gave; another person's personal value stays a digest |
//! | each of those relationships' disclosure streams | all: who read its confidential content | none is sealed |
//!
//! The disclosure streams are there because a person is owed the recipients
//! of their data (GDPR art. 15(1)(c)), though only overseers read them
//! through `ReadStream`. The export is recorded first
//! (`SubjectAccessExported` on each participant stream: who asked, when,
//! why), so the export holds its own record.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::domain::envelope::{Audit, Envelope};
use crate::domain::ids::{PersonId, ProgrammeId, RelationshipId};
use crate::domain::participant::{Participant, ParticipantCommand};
use crate::domain::programme::{Programme, ProgrammeEvent};
use crate::domain::sensitivity::Sensitivity;
use crate::domain::stream::{ParticipantStreamId, StreamType};
use crate::domain::DomainError;
use crate::store::{EventLog, RecordedEvent, StreamRef};

use super::{Decider, Engine, EngineError};

/// Everything held about one person.
#[derive(Debug, Clone, PartialEq)]
pub struct SubjectAccess {
    /// Whose.
    pub person: PersonId,
    /// The events, in position order, each a JSON object with its payload
    /// as shown to them.
    pub events: Vec<Value>,
    /// The streams they come from.
    pub streams: Vec<StreamRef>,
    /// The global position of the last record of this export.
    pub last_position: u64,
}

/// The format a subject access export names in its manifest.
pub const SUBJECT_ACCESS_FORMAT: &str = "mentorship-subject-access/1";

impl SubjectAccess {
    /// The events as JSON lines, one a line.
    pub fn events_jsonl(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for event in &self.events {
            out.extend(event.to_string().into_bytes());
            out.push(b'\n');
        }
        out
    }

    /// The manifest of [`SubjectAccess::events_jsonl`]: whose, how many
    /// events from which streams, and the file's SHA-256.
    pub fn manifest(&self, exported_at: chrono::DateTime<chrono::Utc>) -> Value {
        json!({
            "format": SUBJECT_ACCESS_FORMAT,
            "person": self.person,
            "count": self.events.len(),
            "streams": self.streams.iter().map(|stream| format!("{}/{}", stream.stream_type, stream.stream_id)).collect::<Vec<_>>(),
            "exported_at": exported_at.to_rfc3339(),
            "recorded_at_position": self.last_position,
            "events_sha256": hex::encode(Sha256::digest(self.events_jsonl())),
        })
    }
}

impl<L: EventLog> Engine<L> {
    /// Exports everything held about `person` (see the module
    /// documentation), recording the export with `audit` in every programme
    /// they applied to; their relationships' confidential content only when
    /// `to_them` (the export goes to the person, a member). `NOT_FOUND`
    /// when they applied to none.
    pub async fn subject_access(
        &self,
        person: &PersonId,
        audit: Audit,
        to_them: bool,
    ) -> Result<SubjectAccess, EngineError> {
        let mut programmes = Vec::new();
        for stream_id in self
            .log()
            .stream_ids(StreamType::Participant.as_str())
            .await?
        {
            if let Some((programme, who)) = ParticipantStreamId::split(&stream_id) {
                if who == person.as_str() {
                    programmes.push(ProgrammeId::parse("programme_id", programme)?);
                }
            }
        }
        if programmes.is_empty() {
            return Err(DomainError::not_found("person", person).into());
        }
        let mut last_position = self.log().head();
        for programme in &programmes {
            let participant = ParticipantStreamId::new(programme.clone(), person.clone());
            let command = Envelope::new(
                super::erasure::participant_audit(&audit, "access", &participant),
                ParticipantCommand::RecordSubjectAccess,
            );
            last_position = self
                .execute::<Participant>(&participant, command, None)
                .await?
                .last_position;
        }

        let mut export = Collected::default();
        let mut relationships = BTreeSet::new();
        for programme in &programmes {
            let participant = ParticipantStreamId::new(programme.clone(), person.clone());
            let stream = StreamRef::new(Participant::STREAM.as_str(), participant.to_string());
            for event in self.log().read_stream(&stream, 1).await? {
                export.add(&event, event.payload.clone());
            }
            let stream = StreamRef::new(Programme::STREAM.as_str(), programme.as_str());
            for event in self.log().read_stream(&stream, 1).await? {
                let theirs = event.actor == person.as_str();
                if !theirs && !mentions(&event.payload, person.as_str()) {
                    continue;
                }
                if let Ok(decoded) = event.decode::<<Programme as cqrs_es::Aggregate>::Event>() {
                    if let ProgrammeEvent::MatchProposed {
                        relationship,
                        mentors,
                        mentees,
                    } = decoded.event
                    {
                        if mentors
                            .iter()
                            .chain(&mentees)
                            .any(|member| member == person)
                        {
                            relationships.insert(relationship);
                        }
                    }
                }
                export.add(&event, event.redacted(|_| theirs));
            }
        }
        for relationship in &relationships {
            self.collect_relationship(&mut export, relationship, person, to_them)
                .await?;
        }
        Ok(SubjectAccess {
            person: person.clone(),
            events: export.events.into_values().collect(),
            streams: export.streams.into_iter().collect(),
            last_position,
        })
    }

    /// A relationship's events, with its confidential content, and the
    /// reads of that content.
    async fn collect_relationship(
        &self,
        export: &mut Collected,
        relationship: &RelationshipId,
        person: &PersonId,
        to_them: bool,
    ) -> Result<(), EngineError> {
        let stream = StreamRef::new(StreamType::Relationship.as_str(), relationship.as_str());
        for event in self.log().read_stream(&stream, 1).await? {
            let theirs = event.actor == person.as_str();
            let shown = event.redacted(|field| match field.sensitivity {
                Sensitivity::Confidential => to_them,
                Sensitivity::Personal => theirs,
            });
            export.add(&event, shown);
        }
        let stream = StreamRef::new(StreamType::Disclosure.as_str(), relationship.as_str());
        for event in self.log().read_stream(&stream, 1).await? {
            export.add(&event, event.redacted(|_| false));
        }
        Ok(())
    }
}

/// The events collected so far, by position, and their streams.
#[derive(Default)]
struct Collected {
    events: BTreeMap<u64, Value>,
    streams: BTreeSet<StreamRef>,
}

impl Collected {
    fn add(&mut self, event: &RecordedEvent, payload: Value) {
        self.streams.insert(event.stream.clone());
        let mut line = event.header_json();
        line.insert("payload".into(), payload);
        line.insert("metadata".into(), event.metadata.clone());
        self.events.insert(event.position, Value::Object(line));
    }
}

/// Whether `value` holds the string `id` anywhere.
fn mentions(value: &Value, id: &str) -> bool {
    match value {
        Value::String(text) => text == id,
        Value::Array(items) => items.iter().any(|item| mentions(item, id)),
        Value::Object(fields) => fields.values().any(|field| mentions(field, id)),
        _ => false,
    }
}
