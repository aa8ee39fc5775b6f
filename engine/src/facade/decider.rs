//! What the facade needs of an aggregate: decide, evolve, and say which
//! follow-ups an event calls for. One small adapter per aggregate, so that
//! the command loop is written once.

use cqrs_es::Aggregate;

use crate::domain::disclosure::{Disclosure, DisclosureCommand, DisclosureEvent};
use crate::domain::envelope::{Audit, EventKind, Recorded};
use crate::domain::error::DomainError;
use crate::domain::participant::{Participant, ParticipantCommand, ParticipantEvent};
use crate::domain::process::{self, FollowUp};
use crate::domain::programme::{Programme, ProgrammeCommand, ProgrammeEvent};
use crate::domain::relationship::{Relationship, RelationshipCommand, RelationshipEvent};

/// An aggregate the facade can run commands against.
pub trait Decider: Aggregate<Event = Recorded<Self::Payload>> + Clone {
    /// Its command type.
    type Order: Clone + Send + Sync;
    /// Its event payload type.
    type Payload: EventKind;
    /// Decides what `command` makes happen.
    fn decide_order(
        &self,
        audit: &Audit,
        command: Self::Order,
    ) -> Result<Vec<Self::Payload>, DomainError>;
    /// Moves the state by one event.
    fn evolve_by(&mut self, event: Self::Payload);
    /// The follow-ups `event` calls for, given the state after it.
    fn follow_ups(&self, event: &Self::Payload) -> Vec<FollowUp>;
    /// Whether `command` creates the stream (every other command needs the
    /// stream to exist).
    fn creates(command: &Self::Order) -> bool;
    /// What the stream is called in a "not found" error.
    const NOUN: &'static str;
}

impl Decider for Programme {
    type Order = ProgrammeCommand;
    type Payload = ProgrammeEvent;
    const NOUN: &'static str = "programme";

    fn decide_order(
        &self,
        audit: &Audit,
        command: ProgrammeCommand,
    ) -> Result<Vec<ProgrammeEvent>, DomainError> {
        self.decide(audit, command)
    }

    fn evolve_by(&mut self, event: ProgrammeEvent) {
        self.evolve(event);
    }

    fn follow_ups(&self, event: &ProgrammeEvent) -> Vec<FollowUp> {
        process::after_programme_event(event)
    }

    fn creates(command: &ProgrammeCommand) -> bool {
        matches!(command, ProgrammeCommand::Define { .. })
    }
}

impl Decider for Participant {
    type Order = ParticipantCommand;
    type Payload = ParticipantEvent;
    const NOUN: &'static str = "participant";

    fn decide_order(
        &self,
        audit: &Audit,
        command: ParticipantCommand,
    ) -> Result<Vec<ParticipantEvent>, DomainError> {
        self.decide(audit, command)
    }

    fn evolve_by(&mut self, event: ParticipantEvent) {
        self.evolve(event);
    }

    fn follow_ups(&self, event: &ParticipantEvent) -> Vec<FollowUp> {
        process::after_participant_event(self, event)
    }

    fn creates(command: &ParticipantCommand) -> bool {
        matches!(command, ParticipantCommand::Apply { .. })
    }
}

impl Decider for Relationship {
    type Order = RelationshipCommand;
    type Payload = RelationshipEvent;
    const NOUN: &'static str = "relationship";

    fn decide_order(
        &self,
        audit: &Audit,
        command: RelationshipCommand,
    ) -> Result<Vec<RelationshipEvent>, DomainError> {
        self.decide(audit, command)
    }

    fn evolve_by(&mut self, event: RelationshipEvent) {
        self.evolve(event);
    }

    fn follow_ups(&self, event: &RelationshipEvent) -> Vec<FollowUp> {
        process::after_relationship_event(self, event)
    }

    fn creates(command: &RelationshipCommand) -> bool {
        matches!(command, RelationshipCommand::Open { .. })
    }
}

impl Decider for Disclosure {
    type Order = DisclosureCommand;
    type Payload = DisclosureEvent;
    const NOUN: &'static str = "disclosure ledger";

    fn decide_order(
        &self,
        audit: &Audit,
        command: DisclosureCommand,
    ) -> Result<Vec<DisclosureEvent>, DomainError> {
        self.decide(audit, command)
    }

    fn evolve_by(&mut self, event: DisclosureEvent) {
        self.evolve(event);
    }

    fn follow_ups(&self, _event: &DisclosureEvent) -> Vec<FollowUp> {
        Vec::new()
    }

    fn creates(_command: &DisclosureCommand) -> bool {
        true
    }
}
