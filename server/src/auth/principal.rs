//! Who a credential says the caller is: the subject recorded as the actor on
//! every event the request causes, whether it is a person or a service, its
//! roles, and the programmes it may act on.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use mentorship_engine::domain::ids::ActorId;
use serde::{Deserialize, Serialize};

/// What the caller is allowed to be, as the policy table names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs every programme.
    Administrator,
    /// Runs the programmes of its scope.
    ProgrammeManager,
    /// Acts as themselves in their own relationships.
    Mentor,
    /// Acts as themselves in their own relationships.
    Mentee,
    /// Reads the whole history, changes nothing, never sees confidential
    /// text.
    Auditor,
    /// An integrating system (HRIS, LMS) acting on the programmes of its key.
    Service,
}

impl Role {
    /// Every role, in the order the policy table lists them.
    pub const ALL: [Role; 6] = [
        Role::Administrator,
        Role::ProgrammeManager,
        Role::Mentor,
        Role::Mentee,
        Role::Auditor,
        Role::Service,
    ];

    /// The role's name in credentials and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Administrator => "administrator",
            Self::ProgrammeManager => "programme_manager",
            Self::Mentor => "mentor",
            Self::Mentee => "mentee",
            Self::Auditor => "auditor",
            Self::Service => "service",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.name() == value)
            .ok_or_else(|| {
                let names: Vec<&str> = Role::ALL.iter().map(|role| role.name()).collect();
                format!("unknown role {value:?}; one of {}", names.join(", "))
            })
    }
}

/// Whether a credential belongs to a person or to a system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A person, arriving through the organisation's SSO gateway (JWT) or
    /// naming themselves in development mode.
    Person,
    /// An integrating service, with an API key.
    Service,
}

/// The programmes a principal may act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every programme.
    All,
    /// Only these programme ids.
    Programmes(BTreeSet<String>),
}

/// The entry of a credential's programme list that grants every programme.
/// Nothing else does: a scoped role fails closed.
pub const EVERY_PROGRAMME: &str = "*";

impl Scope {
    /// The scope of a credential that lists `programmes`: every programme
    /// only when the list holds [`EVERY_PROGRAMME`]; an empty list (or an
    /// absent claim) is no programme at all, as an SSO gateway says "none
    /// yet".
    pub fn of(programmes: impl IntoIterator<Item = String>) -> Self {
        let programmes: BTreeSet<String> = programmes.into_iter().collect();
        if programmes.contains(EVERY_PROGRAMME) {
            Self::All
        } else {
            Self::Programmes(programmes)
        }
    }

    /// Whether `programme` is inside the scope.
    pub fn covers(&self, programme: &str) -> bool {
        match self {
            Self::All => true,
            Self::Programmes(programmes) => programmes.contains(programme),
        }
    }
}

/// The authenticated caller of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The actor recorded on the events the request causes.
    pub subject: ActorId,
    /// A person or a service.
    pub kind: Kind,
    /// What it may do.
    pub roles: BTreeSet<Role>,
    /// Where it may do it. Administrators and auditors act on every
    /// programme whatever their credential lists.
    pub scope: Scope,
}

impl Principal {
    /// Whether the principal holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Whether the principal may act on `programme` in the role `role`:
    /// administrators and auditors everywhere, others inside their scope.
    pub fn covers(&self, role: Role, programme: &str) -> bool {
        matches!(role, Role::Administrator | Role::Auditor) || self.scope.covers(programme)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.name().parse::<Role>(), Ok(role));
        }
        assert!("admin".parse::<Role>().is_err());
    }

    #[test]
    fn scoped_roles_fail_closed_an_empty_programme_list_is_no_programme() {
        let nothing = Scope::of(Vec::new());
        assert_eq!(nothing, Scope::Programmes(BTreeSet::new()));
        assert!(!nothing.covers("p1"));
        let scope = Scope::of(vec!["p1".to_owned()]);
        assert!(scope.covers("p1"));
        assert!(!scope.covers("p2"));
        assert_eq!(Scope::of(vec![EVERY_PROGRAMME.to_owned()]), Scope::All);
    }
}
