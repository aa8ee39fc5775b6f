//! Identifiers. Each is a validated string newtype, so that a programme id can
//! never be passed where a person id is expected, and so that a malformed id is
//! refused at the edge with the field it came from.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::DomainError;

/// The longest identifier accepted, in bytes.
pub const MAX_ID_LEN: usize = 128;

fn valid_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '@')
}

macro_rules! identifier {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Validates `value` as this identifier; `field` names the input it
            /// came from, for the error.
            pub fn parse(field: &str, value: impl Into<String>) -> Result<Self, DomainError> {
                let value = value.into();
                if value.is_empty() {
                    return Err(DomainError::invalid(field, "must not be empty"));
                }
                if value.len() > MAX_ID_LEN {
                    return Err(DomainError::invalid(
                        field,
                        format!("must be at most {MAX_ID_LEN} bytes"),
                    ));
                }
                if !value.chars().all(valid_id_char) {
                    return Err(DomainError::invalid(
                        field,
                        "may contain only ASCII letters, digits and - _ . : @",
                    ));
                }
                Ok(Self(value))
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

identifier!(
    /// A programme, and the id of its stream.
    ProgrammeId
);
identifier!(
    /// A person in the organisation (a participant, a manager, an
    /// administrator).
    PersonId
);
identifier!(
    /// A relationship (one match), and the id of its stream.
    RelationshipId
);
identifier!(
    /// The caller-chosen key that makes a command idempotent.
    CommandId
);
identifier!(
    /// Whoever issued a command: a person or an integrating service. It always
    /// comes from the caller's credential.
    ActorId
);
identifier!(
    /// A SMART goal inside a relationship's agreement.
    GoalId
);
identifier!(
    /// A training module required by a programme's design.
    ModuleId
);
identifier!(
    /// A question in a programme's survey.
    QuestionId
);

impl ActorId {
    /// The person behind this actor, when the actor is a person.
    pub fn as_person(&self) -> PersonId {
        PersonId(self.0.clone())
    }
}

impl From<&PersonId> for ActorId {
    fn from(person: &PersonId) -> Self {
        ActorId(person.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_refuse_empty_long_and_odd_characters() {
        assert!(PersonId::parse("person_id", "ana.lopez@corp").is_ok());
        assert_eq!(
            PersonId::parse("person_id", ""),
            Err(DomainError::invalid("person_id", "must not be empty"))
        );
        assert!(PersonId::parse("person_id", "a".repeat(MAX_ID_LEN + 1)).is_err());
        assert!(PersonId::parse("person_id", "a/b").is_err());
        assert!(PersonId::parse("person_id", "a b").is_err());
    }
}
