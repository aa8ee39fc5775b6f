//! What can be asked of a disclosure ledger.

use super::DisclosedField;
use crate::domain::ids::RelationshipId;

/// Everything that can be asked of a disclosure ledger.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum DisclosureCommand {
    /// Record that the envelope's actor read `fields` of `relationship`.
    RecordRead {
        /// Whose confidential content was read.
        relationship: RelationshipId,
        /// What was revealed.
        fields: Vec<DisclosedField>,
    },
}
