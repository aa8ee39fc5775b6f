//! The steps a programme's people take, each a few real commands through a
//! [`Clerk`]: enrolling, being matched, agreeing. Tests compose them into
//! stories and keep their own assertions.

use std::ops::{Deref, DerefMut};

use crate::domain::ids::{ModuleId, PersonId, ProgrammeId, RelationshipId};
use crate::domain::participant::{Participant, ParticipantCommand, Questionnaire};
use crate::domain::programme::{Programme, ProgrammeCommand};
use crate::domain::relationship::{AgreementDraft, Relationship, RelationshipCommand};
use crate::domain::stream::ParticipantStreamId;
use crate::facade::{Clerk, EngineError, Receipt};
use crate::store::EventLog;

/// A [`Clerk`] with the steps of a programme; dereferences to the clerk for
/// single commands.
pub struct Office<L> {
    clerk: Clerk<L>,
}

impl<L> Deref for Office<L> {
    type Target = Clerk<L>;

    fn deref(&self) -> &Clerk<L> {
        &self.clerk
    }
}

impl<L> DerefMut for Office<L> {
    fn deref_mut(&mut self) -> &mut Clerk<L> {
        &mut self.clerk
    }
}

impl<L: EventLog> Office<L> {
    /// An office issuing its commands through `clerk`.
    pub fn new(clerk: Clerk<L>) -> Self {
        Self { clerk }
    }

    /// A programme command by `actor`.
    pub async fn programme(
        &mut self,
        actor: &str,
        programme: &ProgrammeId,
        command: ProgrammeCommand,
    ) -> Result<Receipt, EngineError> {
        self.run::<Programme>(actor, None, programme, command).await
    }

    /// A command on `who`'s participation in `programme`, by `actor`.
    pub async fn participant(
        &mut self,
        actor: &str,
        reason: Option<&str>,
        programme: &ProgrammeId,
        who: &PersonId,
        command: ParticipantCommand,
    ) -> Result<Receipt, EngineError> {
        let stream = ParticipantStreamId::new(programme.clone(), who.clone());
        self.run::<Participant>(actor, reason, &stream, command)
            .await
    }

    /// A relationship command by `actor`.
    pub async fn relationship(
        &mut self,
        actor: &str,
        reason: Option<&str>,
        relationship: &RelationshipId,
        command: RelationshipCommand,
    ) -> Result<Receipt, EngineError> {
        self.run::<Relationship>(actor, reason, relationship, command)
            .await
    }

    /// `who` applies with `answers`; the engine reads the programme's terms.
    pub async fn apply(
        &mut self,
        programme: &ProgrammeId,
        who: &PersonId,
        answers: Questionnaire,
    ) -> Result<Receipt, EngineError> {
        let command = ParticipantCommand::apply(who.clone(), answers);
        self.participant(who.as_str(), None, programme, who, command)
            .await
    }

    /// The learning system records that `who` completed every one of
    /// `modules`.
    pub async fn train(
        &mut self,
        lms: &str,
        programme: &ProgrammeId,
        who: &PersonId,
        modules: &[&str],
    ) -> Result<(), EngineError> {
        for module in modules {
            let module = ModuleId::parse("module", *module)?;
            let command = ParticipantCommand::CompleteModule { module };
            self.participant(lms, None, programme, who, command).await?;
        }
        Ok(())
    }

    /// `admin` proposes `mentor` with `mentee` as `relationship`, and both
    /// accept: the mentor first.
    pub async fn pair(
        &mut self,
        admin: &str,
        programme: &ProgrammeId,
        relationship: &RelationshipId,
        mentor: &PersonId,
        mentee: &PersonId,
    ) -> Result<(), EngineError> {
        let proposal = ProgrammeCommand::ProposeMatch {
            relationship: relationship.clone(),
            mentors: vec![mentor.clone()],
            mentees: vec![mentee.clone()],
        };
        self.programme(admin, programme, proposal).await?;
        for member in [mentor, mentee] {
            let accept = ProgrammeCommand::RespondToMatch {
                relationship: relationship.clone(),
                accept: true,
            };
            self.programme(member.as_str(), programme, accept).await?;
        }
        Ok(())
    }

    /// The mentee opens negotiation and proposes `draft` as version 1; the
    /// mentor, then the mentee, sign it.
    pub async fn agree(
        &mut self,
        relationship: &RelationshipId,
        mentor: &PersonId,
        mentee: &PersonId,
        draft: AgreementDraft,
    ) -> Result<(), EngineError> {
        let mentee_name = mentee.as_str();
        self.relationship(
            mentee_name,
            None,
            relationship,
            RelationshipCommand::StartNegotiation,
        )
        .await?;
        self.relationship(
            mentee_name,
            None,
            relationship,
            RelationshipCommand::DraftAgreement(draft),
        )
        .await?;
        for signer in [mentor, mentee] {
            let sign = RelationshipCommand::SignAgreement { version: 1 };
            self.relationship(signer.as_str(), None, relationship, sign)
                .await?;
        }
        Ok(())
    }
}
