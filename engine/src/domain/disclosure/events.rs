//! What can happen to a disclosure ledger: it names places, never text.

use serde::{Deserialize, Serialize};

use crate::domain::envelope::EventKind;
use crate::domain::ids::RelationshipId;
use crate::domain::sensitivity::{DeclaresSensitiveFields, SensitiveField};

/// One confidential field that was revealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisclosedField {
    /// The global position of the event that holds it.
    pub position: u64,
    /// Where it sits in that event's payload (a JSON pointer).
    pub pointer: String,
}

/// Everything that can happen to a disclosure ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DisclosureEvent {
    /// The actor read these confidential fields of the relationship.
    ConfidentialContentRead {
        /// Whose content.
        relationship: RelationshipId,
        /// Which fields, by event position and pointer.
        fields: Vec<DisclosedField>,
    },
}

impl DisclosureEvent {
    /// Every event type, with its sensitive fields (none: the ledger names
    /// places, not text).
    pub const TYPES: &'static [(&'static str, &'static [SensitiveField])] =
        &[("ConfidentialContentRead", &[])];
}

impl DeclaresSensitiveFields for DisclosureEvent {
    fn sensitive_fields(&self) -> &'static [SensitiveField] {
        crate::domain::schema::fields_in(Self::TYPES, self.name())
    }
}

impl EventKind for DisclosureEvent {
    fn name(&self) -> &'static str {
        match self {
            Self::ConfidentialContentRead { .. } => "ConfidentialContentRead",
        }
    }

    fn version(&self) -> u32 {
        1
    }
}
