//! The mentoring domain: aggregates, commands, events and rules. Nothing here
//! knows of storage or transport.
//!
//! Three aggregates of the programme, each a stream of its own:
//! - [`programme::Programme`]: the six steps, and the roster through which
//!   every match passes (it owns every rule that spans several people);
//! - [`participant::Participant`]: one person's enrolment in one programme;
//! - [`relationship::Relationship`]: one match, through its four phases.
//!
//! Beside them, [`disclosure::Disclosure`] is the ledger of who read a
//! relationship's confidential content, and [`access::AccessLedger`] the
//! ledger of who was shown whose personal data.

pub mod access;
pub mod aggregate;
pub mod disclosure;
pub mod envelope;
pub mod error;
pub mod ids;
pub mod participant;
pub mod process;
pub mod programme;
pub mod relationship;
pub mod schema;
pub mod sensitivity;
pub mod stream;
pub mod validate;

pub use aggregate::Decider;
pub use envelope::{Audit, Envelope, EventKind, Recorded};
pub use error::{DomainError, Rule};
pub use stream::{ParticipantStreamId, StreamAddress, StreamType};
