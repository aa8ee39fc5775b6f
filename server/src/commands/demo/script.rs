//! A script of commands, each with the moment it is issued and who issues
//! it, run in time order through the engine's facade: real commands, so
//! every rule of the domain applies to the sample as it would to a user.

use chrono::{DateTime, Utc};
use mentorship_engine::domain::ids::{PersonId, ProgrammeId, RelationshipId};
use mentorship_engine::domain::participant::{Participant, ParticipantCommand, Questionnaire};
use mentorship_engine::domain::programme::{Programme, ProgrammeCommand};
use mentorship_engine::domain::relationship::{Relationship, RelationshipCommand};
use mentorship_engine::domain::ParticipantStreamId;
use mentorship_engine::facade::{Clerk, CommandNumbering, Engine};
use mentorship_engine::store::EventLog;

use crate::commands::CommandError;

/// One command of the sample, addressed to the facade method that runs it.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    /// A programme command.
    Programme(ProgrammeId, ProgrammeCommand),
    /// A person applies to a programme.
    Apply(ProgrammeId, PersonId, Box<Questionnaire>),
    /// A participant command other than applying and withdrawing.
    Participant(ProgrammeId, PersonId, ParticipantCommand),
    /// A person withdraws from a programme.
    Withdraw(ProgrammeId, PersonId),
    /// A relationship command.
    Relationship(RelationshipId, RelationshipCommand),
}

impl Action {
    /// What the action is, for an error message: its target and the name
    /// of its command.
    fn label(&self) -> String {
        fn name(command: &impl std::fmt::Debug) -> String {
            let text = format!("{command:?}");
            text.split([' ', '{', '('])
                .next()
                .unwrap_or_default()
                .to_owned()
        }
        match self {
            Self::Programme(id, command) => format!("programme {id}: {}", name(command)),
            Self::Apply(id, person, _) => format!("programme {id}: {person} applies"),
            Self::Participant(id, person, command) => {
                format!("participant {id}/{person}: {}", name(command))
            }
            Self::Withdraw(id, person) => format!("participant {id}/{person}: withdraws"),
            Self::Relationship(id, command) => format!("relationship {id}: {}", name(command)),
        }
    }
}

/// An action with who issues it, when, and why.
#[derive(Debug, Clone)]
pub(crate) struct Scheduled {
    /// When the command is accepted.
    pub(crate) at: DateTime<Utc>,
    /// Who issues it.
    pub(crate) actor: PersonId,
    /// Why, when the domain asks for a reason (a rejection, an early end).
    pub(crate) reason: Option<String>,
    /// What is asked.
    pub(crate) action: Action,
}

/// The sample's commands, in any order; [`Script::run`] issues them in time
/// order (and in the order they were added when two share a moment).
#[derive(Debug, Default)]
pub(crate) struct Script {
    steps: Vec<Scheduled>,
}

impl Script {
    /// Adds `action`, issued by `actor` at `at`.
    pub(crate) fn push(&mut self, at: DateTime<Utc>, actor: &PersonId, action: Action) {
        self.steps.push(Scheduled {
            at,
            actor: actor.clone(),
            reason: None,
            action,
        });
    }

    /// Adds `action` with the reason the actor gives for it.
    pub(crate) fn push_because(
        &mut self,
        at: DateTime<Utc>,
        actor: &PersonId,
        reason: &str,
        action: Action,
    ) {
        self.steps.push(Scheduled {
            at,
            actor: actor.clone(),
            reason: Some(reason.to_owned()),
            action,
        });
    }

    /// How many commands the script holds.
    pub(crate) fn len(&self) -> usize {
        self.steps.len()
    }

    /// The commands in the order they are issued.
    pub(crate) fn ordered(&self) -> Vec<&Scheduled> {
        let mut steps: Vec<&Scheduled> = self.steps.iter().collect();
        steps.sort_by_key(|step| step.at);
        steps
    }

    /// Issues every command through `engine`, in time order, with command
    /// ids `demo-00001`, `demo-00002`, …; stops at the first refusal, naming
    /// the command. `on_step` is called after each command.
    pub(crate) async fn run<L: EventLog>(
        &self,
        engine: &Engine<L>,
        on_step: impl Fn(),
    ) -> Result<(), CommandError> {
        let numbering = CommandNumbering::new("demo-", 5);
        let mut clerk = Clerk::new(engine.clone(), DateTime::UNIX_EPOCH, numbering);
        for step in self.ordered() {
            clerk.set_clock(step.at);
            let actor = step.actor.as_str();
            let reason = step.reason.as_deref();
            let result = match step.action.clone() {
                Action::Programme(id, command) => {
                    clerk.run::<Programme>(actor, reason, &id, command).await
                }
                Action::Apply(id, person, questionnaire) => {
                    let command = ParticipantCommand::apply(person.clone(), *questionnaire);
                    let stream = ParticipantStreamId::new(id, person);
                    clerk
                        .run::<Participant>(actor, reason, &stream, command)
                        .await
                }
                Action::Participant(id, person, command) => {
                    let stream = ParticipantStreamId::new(id, person);
                    clerk
                        .run::<Participant>(actor, reason, &stream, command)
                        .await
                }
                Action::Withdraw(id, person) => {
                    let stream = ParticipantStreamId::new(id, person);
                    let command = ParticipantCommand::Withdraw;
                    clerk
                        .run::<Participant>(actor, reason, &stream, command)
                        .await
                }
                Action::Relationship(id, command) => {
                    clerk.run::<Relationship>(actor, reason, &id, command).await
                }
            };
            result.map_err(|source| CommandError::Demo {
                step: format!("{} at {}", step.action.label(), step.at.to_rfc3339()),
                source,
            })?;
            on_step();
        }
        Ok(())
    }
}
