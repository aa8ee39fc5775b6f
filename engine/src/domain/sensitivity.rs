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

/// What an erased field reads as once decoded: the store replaces an erased
/// value by a `{"$sealed": digest}` marker, and the domain's event types must
/// still decode so that history replays. Free text becomes this placeholder;
/// lists and maps become empty.
pub const ERASED_TEXT: &str = "[erased]";

/// A value that can stand in for an erased one.
pub trait Erasable: Sized {
    /// The value an erased field decodes to.
    fn erased() -> Self;
}

impl Erasable for String {
    fn erased() -> Self {
        ERASED_TEXT.to_owned()
    }
}

impl<T> Erasable for Vec<T> {
    fn erased() -> Self {
        Vec::new()
    }
}

impl<K: Ord, V> Erasable for std::collections::BTreeMap<K, V> {
    fn erased() -> Self {
        std::collections::BTreeMap::new()
    }
}

impl<T: Erasable> Erasable for Option<T> {
    fn erased() -> Self {
        Some(T::erased())
    }
}

/// Either the value, or the marker the store leaves where an erased or
/// withheld value was.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum ValueOrMarker<T> {
    Value(T),
    Marker {
        #[serde(rename = "$sealed")]
        _digest: String,
    },
}

/// `deserialize_with` for every sensitive field: decodes the value, or its
/// erasure marker as [`Erasable::erased`].
pub fn erasable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de> + Erasable,
{
    match <ValueOrMarker<T> as serde::Deserialize>::deserialize(deserializer)? {
        ValueOrMarker::Value(value) => Ok(value),
        ValueOrMarker::Marker { .. } => Ok(T::erased()),
    }
}
