//! Read models partitioned by programme, with periodic history for as-of
//! queries.
//!
//! Every read model except the audit trail is a map from programme to a
//! *slice*: everything the model knows about that programme. Events are
//! routed to their programme by their stream: a programme stream is the
//! programme, a participant stream is `programme/person`, and a relationship
//! is routed by the programme its `RelationshipOpened` names. A model only
//! says how one event changes one slice.
//!
//! Every `K` positions (the history interval) the slices that changed since
//! the previous boundary are copied into the history, keyed by programme and
//! boundary. The state of programme `X` at position `p` is then `X`'s latest
//! history entry at or before the boundary `⌊p/K⌋·K`, plus a replay of at
//! most `K` events.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Debug;

use mentorship_engine::domain::relationship::RelationshipEvent;
use mentorship_engine::store::RecordedEvent;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::Result;
use crate::fact::{self, Decoded, Fact, Kind};
use crate::projection::Projection;
use crate::store::{self, INTERVAL};

/// The default history interval: a history boundary every this many
/// positions.
pub const DEFAULT_HISTORY_INTERVAL: u64 = 2_048;

/// One read model partitioned by programme.
pub trait ReadModel: Send + Sync + 'static {
    /// The projection's stable name.
    const NAME: &'static str;
    /// What the model knows of one programme.
    type Slice: Default + Clone + Debug + Serialize + DeserializeOwned + Send + Sync;

    /// Whether the model reads events of this kind and type; others are
    /// neither decoded nor applied.
    fn wants(kind: Kind, event_type: &str) -> bool;

    /// Applies one event to its programme's slice. An `Err` marks a poison
    /// event; an implementation checks before it changes anything.
    fn apply(slice: &mut Self::Slice, fact: &Fact<'_>) -> std::result::Result<(), String>;
}

/// The routes from relationships to programmes and the slices of one model.
#[derive(Debug, Clone)]
pub struct State<M: ReadModel> {
    /// Each programme's slice.
    pub slices: BTreeMap<String, M::Slice>,
    /// Each relationship's programme.
    pub routes: HashMap<String, String>,
}

impl<M: ReadModel> Default for State<M> {
    fn default() -> Self {
        Self {
            slices: BTreeMap::new(),
            routes: HashMap::new(),
        }
    }
}

impl<M: ReadModel> State<M> {
    /// Applies `event`; returns the programme it touched (or `None` when the
    /// model ignores it). On `Err` nothing changed.
    pub fn apply(&mut self, event: &RecordedEvent) -> std::result::Result<Option<String>, String> {
        let kind = Kind::of(&event.stream.stream_type)
            .ok_or_else(|| format!("unknown stream type {}", event.stream.stream_type))?;
        let stream_id = event.stream.stream_id.as_str();
        let mut opened = None;
        let programme: String = match kind {
            Kind::Programme => stream_id.to_owned(),
            Kind::Participant => fact::programme_of_participant(stream_id).to_owned(),
            Kind::Relationship if event.event_type == "RelationshipOpened" => {
                let decoded: RelationshipEvent = fact::decode_event(event)?;
                let RelationshipEvent::RelationshipOpened { terms, .. } = &decoded else {
                    return Err("RelationshipOpened decodes as another event".into());
                };
                let programme = terms.programme.as_str().to_owned();
                opened = Some(decoded);
                programme
            }
            Kind::Relationship => self
                .routes
                .get(stream_id)
                .cloned()
                .ok_or_else(|| format!("relationship {stream_id} was never opened"))?,
        };
        if !M::wants(kind, &event.event_type) {
            if opened.is_some() {
                self.routes.insert(stream_id.to_owned(), programme.clone());
            }
            return Ok(None);
        }
        let decoded = match opened {
            Some(event) => Decoded::Relationship(event),
            None => fact::decode(event, kind)?,
        };
        let fact = Fact {
            recorded: event,
            programme: &programme,
            event: decoded,
        };
        let slice = self.slices.entry(programme.clone()).or_default();
        M::apply(slice, &fact)?;
        if kind == Kind::Relationship && event.event_type == "RelationshipOpened" {
            self.routes.insert(stream_id.to_owned(), programme.clone());
        }
        Ok(Some(programme))
    }
}

/// A partitioned read model as the runner drives it: its state and what
/// changed since the last flush and the last history boundary.
#[derive(Debug)]
pub struct Partitioned<M: ReadModel> {
    state: State<M>,
    history_interval: u64,
    dirty: BTreeSet<String>,
    since_boundary: BTreeSet<String>,
    new_routes: Vec<(String, String)>,
    history: Vec<(Vec<u8>, Vec<u8>)>,
}

impl<M: ReadModel> Partitioned<M> {
    /// Loads the model from `tree` (empty when the tree is new). The history
    /// interval is fixed when the tree is created; `history_interval` is
    /// used only then.
    pub fn load(tree: &sled::Tree, history_interval: u64) -> Result<Self> {
        let history_interval = match tree.get(INTERVAL)? {
            Some(value) => store::be_u64(&value).max(1),
            None => {
                let interval = history_interval.max(1);
                tree.insert(INTERVAL, &interval.to_be_bytes())?;
                interval
            }
        };
        let mut state = State::<M>::default();
        for entry in tree.scan_prefix(b"s") {
            let (key, value) = entry?;
            let programme = store::id_of(&key)?.to_owned();
            state
                .slices
                .insert(programme, store::decode_row(&key, &value)?);
        }
        for entry in tree.scan_prefix(b"r") {
            let (key, value) = entry?;
            let relationship = store::id_of(&key)?.to_owned();
            state
                .routes
                .insert(relationship, String::from_utf8_lossy(&value).into_owned());
        }
        // What changed since the last boundary before a restart is not
        // known, so the next boundary copies every slice.
        let since_boundary = state.slices.keys().cloned().collect();
        Ok(Self {
            state,
            history_interval,
            dirty: BTreeSet::new(),
            since_boundary,
            new_routes: Vec::new(),
            history: Vec::new(),
        })
    }

    /// The state in memory.
    pub fn state(&self) -> &State<M> {
        &self.state
    }

    /// The history interval `K`.
    pub fn history_interval(&self) -> u64 {
        self.history_interval
    }

    fn capture_boundary(&mut self, position: u64) -> std::result::Result<(), String> {
        for programme in std::mem::take(&mut self.since_boundary) {
            if let Some(slice) = self.state.slices.get(&programme) {
                let key = store::versioned_key(b'h', &programme, position);
                let value = serde_json::to_vec(slice).map_err(|error| error.to_string())?;
                self.history.push((key, value));
            }
        }
        Ok(())
    }
}

impl<M: ReadModel> Projection for Partitioned<M> {
    fn name(&self) -> &'static str {
        M::NAME
    }

    fn apply(&mut self, event: &RecordedEvent) -> std::result::Result<(), String> {
        let had_route = self.state.routes.len();
        if let Some(programme) = self.state.apply(event)? {
            self.dirty.insert(programme.clone());
            self.since_boundary.insert(programme);
        }
        if self.state.routes.len() != had_route {
            let relationship = event.stream.stream_id.clone();
            if let Some(programme) = self.state.routes.get(&relationship) {
                self.new_routes.push((relationship, programme.clone()));
            }
        }
        if event.position.is_multiple_of(self.history_interval) {
            self.capture_boundary(event.position)?;
        }
        Ok(())
    }

    fn drain(&mut self, batch: &mut sled::Batch) -> Result<()> {
        for programme in std::mem::take(&mut self.dirty) {
            if let Some(slice) = self.state.slices.get(&programme) {
                let key = store::key(b's', &programme);
                let value = store::encode_row(&key, slice)?;
                batch.insert(key, value);
            }
        }
        for (relationship, programme) in self.new_routes.drain(..) {
            batch.insert(store::key(b'r', &relationship), programme.into_bytes());
        }
        for (key, value) in self.history.drain(..) {
            batch.insert(key, value);
        }
        Ok(())
    }
}
