//! Which event fields hold confidential or personal data.
//!
//! The domain declares, per event type, the JSON locations inside the
//! serialised payload of every field that must not travel in the clear to every
//! reader: confidential text (meeting notes, feedback comments, private
//! reflections) goes only to a relationship's members, and personal data
//! (names, contact details, free-text answers) may have to be erased. The store
//! and the security layer read these declarations; the domain never needs them.

/// Why a field needs special treatment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sensitivity {
    /// Visible only to the members of the relationship it belongs to.
    Confidential,
    /// Identifies or describes a person; erasable on request.
    Personal,
}

/// One sensitive field of one event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SensitiveField {
    /// A JSON pointer (RFC 6901) into the serialised event payload. A segment
    /// `*` stands for every element of an array.
    pub pointer: &'static str,
    /// How the field must be treated.
    pub sensitivity: Sensitivity,
}

impl SensitiveField {
    /// A confidential field at `pointer`.
    pub const fn confidential(pointer: &'static str) -> Self {
        Self {
            pointer,
            sensitivity: Sensitivity::Confidential,
        }
    }

    /// A personal-data field at `pointer`.
    pub const fn personal(pointer: &'static str) -> Self {
        Self {
            pointer,
            sensitivity: Sensitivity::Personal,
        }
    }
}

/// Implemented by every event payload type so that each one declares its
/// sensitive fields next to its definition.
pub trait DeclaresSensitiveFields {
    /// The sensitive fields of this event, as pointers into the payload
    /// serialised by the aggregate's event type.
    fn sensitive_fields(&self) -> &'static [SensitiveField];
}
