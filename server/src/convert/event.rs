//! Stored events onto the wire.

use mentorship_engine::domain::sensitivity::Sensitivity;
use mentorship_engine::store::{RecordedEvent, SealedField};
use mentorship_proto::v1 as pb;

use super::common::to_timestamp;

/// An event as the event store service sends it. `reveal` says which sealed
/// fields the caller may read; every other one stays as its digest marker.
pub fn event(
    recorded: &RecordedEvent,
    previous_hash: [u8; 32],
    reveal: impl Fn(&SealedField) -> bool,
) -> pb::Event {
    let payload = recorded.redacted(&reveal);
    pb::Event {
        position: recorded.position,
        stream_type: recorded.stream.stream_type.clone(),
        stream_id: recorded.stream.stream_id.clone(),
        revision: recorded.revision,
        event_type: recorded.event_type.clone(),
        event_version: recorded.event_version.clone(),
        recorded_at: Some(to_timestamp(recorded.at)),
        actor: recorded.actor.clone(),
        command_id: recorded.command_id.clone(),
        payload_json: serde_json::to_vec(&payload).unwrap_or_default(),
        metadata_json: serde_json::to_vec(&recorded.metadata).unwrap_or_default(),
        sealed: recorded
            .sealed
            .iter()
            .map(|field| pb::SealedField {
                pointer: field.pointer.clone(),
                digest: field.digest.to_vec(),
                sensitivity: match field.sensitivity {
                    Sensitivity::Confidential => "confidential",
                    Sensitivity::Personal => "personal",
                }
                .to_owned(),
                erased: field.value.is_none(),
            })
            .collect(),
        canonical: recorded.canonical.clone(),
        hash: recorded.hash.to_vec(),
        previous_hash: previous_hash.to_vec(),
    }
}
