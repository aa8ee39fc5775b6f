//! Participants' names in answers, for the callers entitled to them
//! ([`entitled_to_names`]), each reveal recorded in the programme's access
//! ledger before the names leave (`engine::facade::names`).

use std::collections::BTreeMap;

use mentorship_engine::domain::ids::{PersonId, ProgrammeId};
use mentorship_engine::facade::Engine;
use mentorship_engine::store::EventLog;
use mentorship_proto::v1 as pb;
use tonic::Status;

use crate::auth::policy::entitled_to_names;
use crate::auth::principal::Principal;
use crate::caller;
use crate::status::from_engine;

/// The names of `people` of `programme` that `principal` may be shown,
/// once their showing is recorded as made by `request`; none when
/// `principal` is not entitled, or when the record cannot be written (a
/// read-only log): a reveal is never unrecorded. Showing a caller their own
/// name records nothing.
pub(crate) async fn reveal<L: EventLog>(
    engine: &Engine<L>,
    principal: &Principal,
    programme: &str,
    people: &[&str],
    request: &str,
) -> Result<BTreeMap<PersonId, String>, Status> {
    if !entitled_to_names(principal, programme) {
        return Ok(BTreeMap::new());
    }
    let Ok(programme) = ProgrammeId::parse("programme_id", programme) else {
        return Ok(BTreeMap::new());
    };
    let mut people: Vec<PersonId> = people
        .iter()
        .filter_map(|person| PersonId::parse("person_id", *person).ok())
        .collect();
    people.sort();
    people.dedup();
    let names = engine
        .display_names(&programme, &people)
        .await
        .map_err(|error| from_engine(error, ""))?;
    let others: Vec<PersonId> = names
        .keys()
        .filter(|person| person.as_str() != principal.subject.as_str())
        .cloned()
        .collect();
    let audit = caller::read_audit(&principal.subject)?;
    let recorded = engine
        .record_reveal(&programme, &others, &["display_name"], request, &audit)
        .await;
    if let Err(error) = recorded {
        tracing::warn!(%error, %programme, "names left out: their reveal could not be recorded");
        return Ok(BTreeMap::new());
    }
    Ok(names)
}

/// `entries` with the names `principal` is entitled to, one record per
/// programme they span.
pub(crate) async fn named<L: EventLog, E: Named>(
    engine: &Engine<L>,
    principal: &Principal,
    mut entries: Vec<E>,
) -> Result<Vec<E>, Status> {
    let mut by_programme: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (index, entry) in entries.iter().enumerate() {
        by_programme
            .entry(entry.programme().to_owned())
            .or_default()
            .push(index);
    }
    for (programme, indices) in by_programme {
        let people: Vec<&str> = indices
            .iter()
            .flat_map(|index| entries[*index].people())
            .collect();
        let names = reveal(engine, principal, &programme, &people, E::REQUEST).await?;
        if names.is_empty() {
            continue;
        }
        for index in indices {
            entries[index].set_names(&names);
        }
    }
    Ok(entries)
}

/// An answer's entry that may carry participants' names.
pub(crate) trait Named {
    /// The request named in the access ledger when it shows names.
    const REQUEST: &'static str;
    /// Its programme.
    fn programme(&self) -> &str;
    /// The people it is about.
    fn people(&self) -> Vec<&str>;
    /// Puts in the names found.
    fn set_names(&mut self, names: &BTreeMap<PersonId, String>);
}

/// The name of `person` among `names`.
pub(crate) fn name_of<'a>(
    names: &'a BTreeMap<PersonId, String>,
    person: &str,
) -> Option<&'a String> {
    let person = PersonId::parse("person_id", person).ok()?;
    names.get(&person)
}

impl Named for pb::DirectoryEntry {
    const REQUEST: &'static str = "QueryService/ListParticipants";

    fn programme(&self) -> &str {
        &self.programme_id
    }

    fn people(&self) -> Vec<&str> {
        vec![self.person_id.as_str()]
    }

    fn set_names(&mut self, names: &BTreeMap<PersonId, String>) {
        if let Some(name) = name_of(names, &self.person_id) {
            self.display_name = name.clone();
        }
    }
}

impl Named for pb::BoardEntry {
    const REQUEST: &'static str = "QueryService/ListRelationships";

    fn programme(&self) -> &str {
        &self.programme_id
    }

    fn people(&self) -> Vec<&str> {
        self.mentor_ids
            .iter()
            .chain(&self.mentee_ids)
            .map(String::as_str)
            .collect()
    }

    fn set_names(&mut self, names: &BTreeMap<PersonId, String>) {
        let members: Vec<String> = self
            .mentor_ids
            .iter()
            .chain(&self.mentee_ids)
            .cloned()
            .collect();
        for member in members {
            if let Some(name) = name_of(names, &member) {
                self.member_names.insert(member, name.clone());
            }
        }
    }
}
