//! Who may call what: one table, one row per RPC.
//!
//! Enforcement has two halves and both read this table:
//!
//! 1. [`AuthLayer`], a tower layer in front of every service, authenticates
//!    the request, finds its path's row (a path with no row is refused), and
//!    refuses a caller who holds none of the row's roles. It runs before the
//!    body is decoded, so a refused call costs nothing and writes nothing.
//! 2. [`authorize`], which each service calls once after decoding, checks the
//!    row's scope rule against what the request targets (its programme, its
//!    participant, its relationship, its stream).
//!
//! | role | scope |
//! |---|---|
//! | administrator | every programme |
//! | programme manager | the programmes of its credential |
//! | mentor, mentee | themselves (`person_id` = subject) and relationships they are members of |
//! | auditor | read-only rows, every programme |
//! | service | the programmes of its key |

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use mentorship_engine::domain::ids::{ProgrammeId, RelationshipId};
use mentorship_engine::domain::relationship::Relationship;
use mentorship_engine::domain::{ParticipantStreamId, StreamAddress};
use mentorship_engine::facade::Engine;
use mentorship_engine::store::EventLog;
use tonic::codegen::http;
use tonic::{Request, Status};

use super::authenticate::Authenticator;
use super::principal::{Principal, Role};

/// How a row restricts where an allowed role may act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeRule {
    /// The request's `programme_id` must be in the caller's scope; an empty
    /// (every programme) filter needs a scope of every programme.
    Programme,
    /// The request addresses one person in one programme: managers and
    /// services by programme scope, mentors and mentees only themselves.
    SelfOnly,
    /// The request addresses a relationship: managers and services of its
    /// programme, mentors and mentees who are its members.
    Relationship,
    /// The request reads one stream: the rule of the stream's type.
    Stream,
    /// The request names a person across every programme: mentors and
    /// mentees only themselves.
    Subject,
    /// No target: the role alone decides.
    Any,
}

use Role::{
    Administrator as ADM, Auditor as AUD, Mentee as MEE, Mentor as MOR, ProgrammeManager as PM,
    Service as SVC,
};
use ScopeRule::{Any, Programme, Relationship as Rel, SelfOnly, Stream, Subject};

const MANAGERS: &[Role] = &[ADM, PM];
const MEMBERS: &[Role] = &[ADM, PM, MOR, MEE];

/// The policy table: every RPC path, the roles that may call it, and the
/// scope rule of the row. A path missing here is refused.
pub const TABLE: &[(&str, &[Role], ScopeRule)] = &[
    // ProgrammeService
    (
        "/mentorship.v1.ProgrammeService/DefineProgramme",
        MANAGERS,
        Programme,
    ),
    (
        "/mentorship.v1.ProgrammeService/DesignProgramme",
        MANAGERS,
        Programme,
    ),
    (
        "/mentorship.v1.ProgrammeService/OpenOnboarding",
        MANAGERS,
        Programme,
    ),
    (
        "/mentorship.v1.ProgrammeService/StartMatching",
        MANAGERS,
        Programme,
    ),
    (
        "/mentorship.v1.ProgrammeService/ProposeMatch",
        MANAGERS,
        Programme,
    ),
    (
        "/mentorship.v1.ProgrammeService/RespondToMatch",
        &[MOR, MEE],
        Programme,
    ),
    (
        "/mentorship.v1.ProgrammeService/StartMomentum",
        MANAGERS,
        Programme,
    ),
    (
        "/mentorship.v1.ProgrammeService/StartMeasurement",
        MANAGERS,
        Programme,
    ),
    (
        "/mentorship.v1.ProgrammeService/RespondToSurvey",
        &[MOR, MEE],
        Programme,
    ),
    (
        "/mentorship.v1.ProgrammeService/CloseProgramme",
        MANAGERS,
        Programme,
    ),
    // ParticipantService
    (
        "/mentorship.v1.ParticipantService/Apply",
        &[ADM, PM, SVC, MOR, MEE],
        SelfOnly,
    ),
    (
        "/mentorship.v1.ParticipantService/ApproveApplication",
        MANAGERS,
        SelfOnly,
    ),
    (
        "/mentorship.v1.ParticipantService/RejectApplication",
        MANAGERS,
        SelfOnly,
    ),
    (
        "/mentorship.v1.ParticipantService/CompleteModule",
        &[ADM, PM, SVC, MOR, MEE],
        SelfOnly,
    ),
    (
        "/mentorship.v1.ParticipantService/Withdraw",
        &[ADM, PM, SVC, MOR, MEE],
        SelfOnly,
    ),
    // RelationshipService
    (
        "/mentorship.v1.RelationshipService/StartNegotiation",
        MEMBERS,
        Rel,
    ),
    (
        "/mentorship.v1.RelationshipService/DraftAgreement",
        MEMBERS,
        Rel,
    ),
    (
        "/mentorship.v1.RelationshipService/SignAgreement",
        MEMBERS,
        Rel,
    ),
    (
        "/mentorship.v1.RelationshipService/LogMeeting",
        MEMBERS,
        Rel,
    ),
    ("/mentorship.v1.RelationshipService/CheckIn", MEMBERS, Rel),
    (
        "/mentorship.v1.RelationshipService/RecordMidpointReview",
        MEMBERS,
        Rel,
    ),
    (
        "/mentorship.v1.RelationshipService/RecordGoalProgress",
        MEMBERS,
        Rel,
    ),
    (
        "/mentorship.v1.RelationshipService/ShareResource",
        MEMBERS,
        Rel,
    ),
    (
        "/mentorship.v1.RelationshipService/MakeIntroduction",
        MEMBERS,
        Rel,
    ),
    (
        "/mentorship.v1.RelationshipService/GiveFeedback",
        MEMBERS,
        Rel,
    ),
    ("/mentorship.v1.RelationshipService/Recognise", MEMBERS, Rel),
    (
        "/mentorship.v1.RelationshipService/CompleteRelationship",
        MEMBERS,
        Rel,
    ),
    (
        "/mentorship.v1.RelationshipService/EndRelationshipEarly",
        MEMBERS,
        Rel,
    ),
    // MatchingService
    (
        "/mentorship.v1.MatchingService/ProposeMatches",
        MANAGERS,
        Programme,
    ),
    (
        "/mentorship.v1.MatchingService/ExplainPair",
        &[ADM, PM, AUD],
        Programme,
    ),
    (
        "/mentorship.v1.MatchingService/ApproveProposal",
        &[ADM, PM, MEE],
        SelfOnly,
    ),
    (
        "/mentorship.v1.MatchingService/DeclineProposal",
        MANAGERS,
        Programme,
    ),
    // PrivacyService
    (
        "/mentorship.v1.PrivacyService/ErasePersonalData",
        &[ADM],
        Any,
    ),
    (
        "/mentorship.v1.PrivacyService/ExportPersonalData",
        &[ADM, MOR, MEE],
        Subject,
    ),
    // EventStoreService
    (
        "/mentorship.v1.EventStoreService/ReadStream",
        &[ADM, PM, AUD, SVC, MOR, MEE],
        Stream,
    ),
    ("/mentorship.v1.EventStoreService/ReadAll", &[ADM, AUD], Any),
    (
        "/mentorship.v1.EventStoreService/Subscribe",
        &[ADM, AUD],
        Any,
    ),
    ("/mentorship.v1.EventStoreService/Verify", &[ADM, AUD], Any),
    (
        "/mentorship.v1.EventStoreService/GetCheckpoint",
        &[ADM, AUD],
        Any,
    ),
    // QueryService
    (
        "/mentorship.v1.QueryService/GetProgrammeOverview",
        &[ADM, PM, AUD, SVC],
        Programme,
    ),
    (
        "/mentorship.v1.QueryService/ListParticipants",
        &[ADM, PM, AUD, SVC],
        Programme,
    ),
    (
        "/mentorship.v1.QueryService/ListRelationships",
        &[ADM, PM, AUD, SVC],
        Programme,
    ),
    (
        "/mentorship.v1.QueryService/GetOutcomes",
        &[ADM, PM, AUD, SVC],
        Programme,
    ),
    (
        "/mentorship.v1.QueryService/ListAuditTrail",
        &[ADM, AUD],
        Any,
    ),
    ("/mentorship.v1.QueryService/Rebuild", &[ADM], Any),
    (
        "/mentorship.v1.QueryService/ListProjections",
        &[ADM, AUD],
        Any,
    ),
];

/// Paths anyone may call: health checks carry no credential.
const OPEN_PREFIXES: &[&str] = &["/grpc.health.v1.Health/"];

/// Paths any authenticated caller may call: the schema is no secret from a
/// caller who may use it. In development mode (loopback only) they are
/// open, so that a newcomer's first `grpcurl list` answers.
const AUTHENTICATED_PREFIXES: &[&str] = &["/grpc.reflection."];

/// The row of `path`.
pub fn row(path: &str) -> Option<(&'static [Role], ScopeRule)> {
    TABLE
        .iter()
        .find(|(row_path, ..)| *row_path == path)
        .map(|(_, roles, rule)| (*roles, *rule))
}

/// What the layer admitted: the caller, and the roles and rule of the row,
/// for [`authorize`].
#[derive(Debug, Clone)]
pub struct Admitted {
    /// The caller.
    pub principal: Principal,
    /// The roles of the row that the caller holds (never empty).
    pub roles: Vec<Role>,
    /// The row's scope rule.
    pub rule: ScopeRule,
}

impl Authenticator {
    /// Authenticates a request to `path` and checks the role half of the
    /// policy; `None` for open paths.
    #[allow(clippy::result_large_err)]
    pub fn admit(&self, path: &str, headers: &http::HeaderMap) -> Result<Option<Admitted>, Status> {
        if OPEN_PREFIXES.iter().any(|prefix| path.starts_with(prefix)) {
            return Ok(None);
        }
        let schema = AUTHENTICATED_PREFIXES
            .iter()
            .any(|prefix| path.starts_with(prefix));
        if schema && self.mode() == super::authenticate::Mode::Development {
            return Ok(None);
        }
        let principal = self.authenticate(headers)?;
        self.throttle(&principal)?;
        if schema {
            return Ok(None);
        }
        let (allowed, rule) =
            row(path).ok_or_else(|| Status::permission_denied(format!("{path} has no policy")))?;
        let roles: Vec<Role> = allowed
            .iter()
            .copied()
            .filter(|role| principal.has(*role))
            .collect();
        if roles.is_empty() {
            let names: Vec<&str> = allowed.iter().map(|role| role.name()).collect();
            return Err(Status::permission_denied(format!(
                "{} may not call {path}; it needs one of: {}",
                principal.subject,
                names.join(", ")
            )));
        }
        Ok(Some(Admitted {
            principal,
            roles,
            rule,
        }))
    }
}

/// What a request acts on, for the scope half of the policy.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// A programme; `""` is every programme (a query without a filter).
    Programme(&'a str),
    /// One person's enrolment in one programme.
    Person(&'a ParticipantStreamId),
    /// A relationship.
    Relationship(&'a RelationshipId),
    /// A stream of the log, read as it is stored.
    Stream(&'a StreamAddress),
    /// One person, in every programme.
    Subject(&'a str),
    /// Nothing in particular.
    Nothing,
}

/// What a command's target is, for the scope half of the policy.
pub trait Scoped {
    /// The target of a command on this stream.
    fn scope(&self) -> Target<'_>;
}

impl Scoped for ProgrammeId {
    fn scope(&self) -> Target<'_> {
        Target::Programme(self.as_str())
    }
}

impl Scoped for ParticipantStreamId {
    fn scope(&self) -> Target<'_> {
        Target::Person(self)
    }
}

impl Scoped for RelationshipId {
    fn scope(&self) -> Target<'_> {
        Target::Relationship(self)
    }
}

/// The programme and members of a relationship, as its stream records them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// Its programme.
    pub programme: String,
    /// Its mentors and mentees.
    pub members: Vec<String>,
}

/// The programme and members of `relationship`, or `None` when it has not
/// opened.
pub async fn membership<L: EventLog>(
    engine: &Engine<L>,
    relationship: &RelationshipId,
) -> Result<Option<Membership>, Status> {
    let (state, _) = engine
        .load::<Relationship>(relationship)
        .await
        .map_err(|error| crate::status::from_engine(error, ""))?;
    Ok(state.terms.map(|terms| Membership {
        programme: terms.programme.to_string(),
        members: terms
            .mentors
            .iter()
            .chain(&terms.mentees)
            .map(ToString::to_string)
            .collect(),
    }))
}

/// The people who share a live match (proposed or active) with the
/// participant of `participant` in its programme, as its programme records
/// them, with the participant; `None` when they share none. A mentor reads
/// their mentee's enrolment (name and goals) through this, and the other way
/// round: what the relationship they share needs.
pub async fn partners<L: EventLog>(
    engine: &Engine<L>,
    participant: &ParticipantStreamId,
) -> Result<Option<Membership>, Status> {
    let (programme, _) = engine
        .load::<mentorship_engine::domain::programme::Programme>(&participant.programme)
        .await
        .map_err(|error| crate::status::from_engine(error, ""))?;
    let mut members: Vec<String> = programme
        .matches
        .values()
        .filter(|entry| entry.status.is_live() && entry.has_member(&participant.person))
        .flat_map(|entry| entry.members().map(ToString::to_string).collect::<Vec<_>>())
        .collect();
    members.sort();
    members.dedup();
    Ok((!members.is_empty()).then(|| Membership {
        programme: participant.programme.to_string(),
        members,
    }))
}

/// The scope half of the policy: whether the caller that the layer admitted
/// for `request` may act on `target`. Services call it once, after decoding
/// and before acting.
pub async fn authorize<T, L: EventLog>(
    request: &Request<T>,
    engine: &Engine<L>,
    target: Target<'_>,
) -> Result<Principal, Status> {
    authorize_with_membership(request, engine, target)
        .await
        .map(|(principal, _)| principal)
}

/// [`authorize`], also handing back the membership it read for a
/// relationship or disclosure target, so that a service deciding what the
/// caller may see does not load the relationship again.
pub async fn authorize_with_membership<T, L: EventLog>(
    request: &Request<T>,
    engine: &Engine<L>,
    target: Target<'_>,
) -> Result<(Principal, Option<Membership>), Status> {
    let admitted = request
        .extensions()
        .get::<Admitted>()
        .cloned()
        .ok_or_else(|| Status::unauthenticated("no caller"))?;
    let membership = match target {
        Target::Relationship(relationship)
        | Target::Stream(
            StreamAddress::Relationship(relationship) | StreamAddress::Disclosure(relationship),
        ) => membership(engine, relationship).await?,
        Target::Stream(StreamAddress::Participant(participant))
            if admitted.principal.kind == super::principal::Kind::Person
                && participant.person.as_str() != admitted.principal.subject.as_str() =>
        {
            partners(engine, participant).await?
        }
        _ => None,
    };
    for role in &admitted.roles {
        if permits(
            &admitted.principal,
            *role,
            admitted.rule,
            target,
            membership.as_ref(),
        ) {
            return Ok((admitted.principal, membership));
        }
    }
    Err(Status::permission_denied(format!(
        "{} may not act on {}",
        admitted.principal.subject,
        describe(target)
    )))
}

fn describe(target: Target<'_>) -> String {
    match target {
        Target::Programme("") => "every programme".to_owned(),
        Target::Programme(programme) => format!("programme {programme}"),
        Target::Person(participant) => format!(
            "{} in programme {}",
            participant.person, participant.programme
        ),
        Target::Relationship(relationship) => format!("relationship {relationship}"),
        Target::Stream(stream) => format!("stream {stream}"),
        Target::Subject(person) => format!("the data of {person}"),
        Target::Nothing => "this".to_owned(),
    }
}

/// Whether `principal` may be shown the personal data (names) of
/// `programme`'s participants: administrators, and programme managers and
/// services whose scope covers the programme. Auditors check the record,
/// not the people, and see no names; participants see only their own data,
/// through their own streams.
pub fn entitled_to_names(principal: &Principal, programme: &str) -> bool {
    principal.roles.iter().any(|role| match role {
        Role::Administrator => true,
        Role::ProgrammeManager | Role::Service => principal.covers(*role, programme),
        Role::Auditor | Role::Mentor | Role::Mentee => false,
    })
}

/// Whether `principal`, acting in `role` under `rule`, may act on `target`.
pub fn permits(
    principal: &Principal,
    role: Role,
    rule: ScopeRule,
    target: Target<'_>,
    membership: Option<&Membership>,
) -> bool {
    if matches!(role, Role::Administrator | Role::Auditor) {
        return true;
    }
    let in_scope = |programme: &str| {
        if programme.is_empty() {
            principal.scope == super::principal::Scope::All
        } else {
            principal.covers(role, programme)
        }
    };
    let personal = matches!(role, Role::Mentor | Role::Mentee);
    let is_member = |membership: Option<&Membership>| {
        membership.is_some_and(|membership| {
            membership
                .members
                .iter()
                .any(|member| member == principal.subject.as_str())
        })
    };
    let oneself = |participant: &ParticipantStreamId| {
        in_scope(participant.programme.as_str())
            && (!personal || participant.person.as_str() == principal.subject.as_str())
    };
    match (rule, target) {
        (ScopeRule::Any, _) => true,
        (ScopeRule::Subject, Target::Subject(person)) => {
            personal && person == principal.subject.as_str()
        }
        (ScopeRule::Programme, Target::Programme(programme)) => in_scope(programme),
        (ScopeRule::SelfOnly, Target::Person(participant)) => oneself(participant),
        // One's own enrolment, or, for a mentor or mentee, that of someone
        // they share a live match with.
        (ScopeRule::Stream, Target::Stream(StreamAddress::Participant(participant))) => {
            oneself(participant)
                || (personal && in_scope(participant.programme.as_str()) && is_member(membership))
        }
        (ScopeRule::Relationship, Target::Relationship(_))
        | (ScopeRule::Stream, Target::Stream(StreamAddress::Relationship(_))) => {
            if personal {
                is_member(membership)
            } else {
                membership.is_some_and(|membership| in_scope(&membership.programme))
            }
        }
        (ScopeRule::Stream, Target::Stream(StreamAddress::Programme(programme))) => {
            !personal && in_scope(programme.as_str())
        }
        // Who was shown whose personal data: for those who oversee the
        // programme.
        (ScopeRule::Stream, Target::Stream(StreamAddress::Access(programme))) => {
            !personal && role != Role::Service && in_scope(programme.as_str())
        }
        // Who read a relationship's confidential content: for those who
        // oversee its programme, not for the people it concerns.
        (ScopeRule::Stream, Target::Stream(StreamAddress::Disclosure(_))) => {
            !personal
                && role != Role::Service
                && membership.is_some_and(|membership| in_scope(&membership.programme))
        }
        _ => false,
    }
}

/// A tower layer that runs [`Authenticator::admit`] on every request and
/// answers refusals itself, so that no service sees an unadmitted request.
#[derive(Debug, Clone)]
pub struct AuthLayer {
    authenticator: Arc<Authenticator>,
}

impl AuthLayer {
    /// A layer admitting requests with `authenticator`.
    pub fn new(authenticator: Arc<Authenticator>) -> Self {
        Self { authenticator }
    }
}

impl<S> tower_layer::Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            authenticator: Arc::clone(&self.authenticator),
        }
    }
}

/// The service [`AuthLayer`] wraps around the server's routes.
#[derive(Debug, Clone)]
pub struct AuthService<S> {
    inner: S,
    authenticator: Arc<Authenticator>,
}

impl<S, B, R> tower_service::Service<http::Request<B>> for AuthService<S>
where
    S: tower_service::Service<http::Request<B>, Response = http::Response<R>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    R: Default + Send + 'static,
{
    type Response = http::Response<R>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        match self
            .authenticator
            .admit(request.uri().path(), request.headers())
        {
            Ok(admitted) => {
                if let Some(admitted) = admitted {
                    request.extensions_mut().insert(admitted);
                }
                Box::pin(self.inner.call(request))
            }
            Err(status) => Box::pin(std::future::ready(Ok(status.into_http()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use prost::Message;
    use prost_types::FileDescriptorSet;

    use super::*;
    use crate::auth::principal::{Kind, Scope};
    use mentorship_engine::domain::ids::PersonId;

    #[test]
    fn every_rpc_of_every_service_has_exactly_one_row() {
        let set = FileDescriptorSet::decode(mentorship_proto::FILE_DESCRIPTOR_SET)
            .expect("the descriptor set decodes");
        let mut paths = BTreeSet::new();
        for file in &set.file {
            for service in &file.service {
                for method in &service.method {
                    paths.insert(format!(
                        "/{}.{}/{}",
                        file.package(),
                        service.name(),
                        method.name()
                    ));
                }
            }
        }
        assert!(paths.len() > 40, "{paths:?}");
        for path in &paths {
            assert!(row(path).is_some(), "{path} has no row in the policy table");
        }
        let rows: BTreeSet<&str> = TABLE.iter().map(|(path, ..)| *path).collect();
        assert_eq!(rows.len(), TABLE.len(), "a path has two rows");
        for path in rows {
            assert!(paths.contains(path), "{path} is not an RPC of the contract");
        }
    }

    fn person(subject: &str, role: Role, programmes: &[&str]) -> Principal {
        Principal {
            subject: mentorship_engine::domain::ids::ActorId::parse("sub", subject).unwrap(),
            kind: Kind::Person,
            roles: BTreeSet::from([role]),
            scope: Scope::of(programmes.iter().map(|p| (*p).to_owned())),
        }
    }

    #[test]
    fn a_person_exports_only_their_own_data_and_an_administrator_anyone_s() {
        let ana = person("ana", Role::Mentee, &[]);
        let rule = ScopeRule::Subject;
        assert!(permits(
            &ana,
            Role::Mentee,
            rule,
            Target::Subject("ana"),
            None
        ));
        assert!(!permits(
            &ana,
            Role::Mentee,
            rule,
            Target::Subject("ben"),
            None
        ));
        let mentor = person("mo", Role::Mentor, &["*"]);
        assert!(!permits(
            &mentor,
            Role::Mentor,
            rule,
            Target::Subject("ana"),
            None
        ));
        let admin = person("root", Role::Administrator, &[]);
        assert!(permits(
            &admin,
            Role::Administrator,
            rule,
            Target::Subject("ana"),
            None
        ));
        let manager = person("pm", Role::ProgrammeManager, &["*"]);
        assert!(!permits(
            &manager,
            Role::ProgrammeManager,
            rule,
            Target::Subject("ana"),
            None
        ));
    }

    #[test]
    fn managers_act_in_their_programmes_and_members_in_their_relationships() {
        let manager = person("pm", Role::ProgrammeManager, &["p1"]);
        let pm = Role::ProgrammeManager;
        assert!(permits(
            &manager,
            pm,
            ScopeRule::Programme,
            Target::Programme("p1"),
            None
        ));
        assert!(!permits(
            &manager,
            pm,
            ScopeRule::Programme,
            Target::Programme("p2"),
            None
        ));
        assert!(!permits(
            &manager,
            pm,
            ScopeRule::Programme,
            Target::Programme(""),
            None
        ));
        let membership = Membership {
            programme: "p1".into(),
            members: vec!["ana".into(), "ben".into()],
        };
        let id = RelationshipId::parse("r", "r1").unwrap();
        let target = Target::Relationship(&id);
        assert!(permits(
            &manager,
            pm,
            ScopeRule::Relationship,
            target,
            Some(&membership)
        ));
        let ana = person("ana", Role::Mentee, &[]);
        let eve = person("eve", Role::Mentee, &[]);
        assert!(permits(
            &ana,
            Role::Mentee,
            ScopeRule::Relationship,
            target,
            Some(&membership)
        ));
        assert!(!permits(
            &eve,
            Role::Mentee,
            ScopeRule::Relationship,
            target,
            Some(&membership)
        ));
        assert!(!permits(
            &eve,
            Role::Mentee,
            ScopeRule::Relationship,
            target,
            None
        ));
    }

    #[test]
    fn a_disclosure_ledger_is_read_by_its_programmes_managers_not_by_members_or_services() {
        let membership = Membership {
            programme: "p1".into(),
            members: vec!["ana".into(), "ben".into()],
        };
        let address = StreamAddress::Disclosure(RelationshipId::parse("r", "r1").unwrap());
        let ledger = Target::Stream(&address);
        let may_read = |principal: &Principal, role: Role| {
            permits(
                principal,
                role,
                ScopeRule::Stream,
                ledger,
                Some(&membership),
            )
        };
        let manager = person("pm", Role::ProgrammeManager, &["p1"]);
        let elsewhere = person("pm2", Role::ProgrammeManager, &["p2"]);
        let member = person("ana", Role::Mentee, &["p1"]);
        let mut service = person("lms", Role::Service, &["p1"]);
        service.kind = Kind::Service;
        assert!(may_read(&manager, Role::ProgrammeManager));
        assert!(!may_read(&elsewhere, Role::ProgrammeManager));
        assert!(!may_read(&member, Role::Mentee));
        assert!(!may_read(&service, Role::Service));
        assert!(!permits(
            &manager,
            Role::ProgrammeManager,
            ScopeRule::Stream,
            ledger,
            None
        ));
    }

    #[test]
    fn scoped_roles_fail_closed_and_every_programme_needs_an_explicit_grant() {
        let pm = Role::ProgrammeManager;
        for none in [person("nia", pm, &[]), person("svc", Role::Service, &[])] {
            let role = *none.roles.iter().next().unwrap();
            for programme in ["p1", ""] {
                assert!(!permits(
                    &none,
                    role,
                    ScopeRule::Programme,
                    Target::Programme(programme),
                    None
                ));
            }
        }
        let everywhere = person("gia", pm, &["*"]);
        for programme in ["p1", "p2", ""] {
            assert!(permits(
                &everywhere,
                pm,
                ScopeRule::Programme,
                Target::Programme(programme),
                None
            ));
        }
    }

    #[test]
    fn mentors_and_mentees_act_only_as_themselves() {
        let programme = ProgrammeId::parse("p", "p1").unwrap();
        let ana = PersonId::parse("p", "ana").unwrap();
        let ben = PersonId::parse("p", "ben").unwrap();
        let caller = person("ana", Role::Mentor, &["p1"]);
        let own = ParticipantStreamId::new(programme.clone(), ana);
        let other = ParticipantStreamId::new(programme, ben);
        let (own, other) = (Target::Person(&own), Target::Person(&other));
        assert!(permits(
            &caller,
            Role::Mentor,
            ScopeRule::SelfOnly,
            own,
            None
        ));
        assert!(!permits(
            &caller,
            Role::Mentor,
            ScopeRule::SelfOnly,
            other,
            None
        ));
    }
}
