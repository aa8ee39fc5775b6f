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
use mentorship_engine::store::canonical::Decoded as Fields;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::Result;
use crate::fact::{self, Decoded, Event, Fact};
use crate::projection::Projection;
use crate::store::{self, INTERVAL};
use mentorship_engine::domain::StreamType;

/// The default history interval: a history boundary every this many
/// positions.
pub const DEFAULT_HISTORY_INTERVAL: u64 = 8_192;

/// One read model partitioned by programme.
pub trait ReadModel: Send + Sync + 'static {
    /// The projection's stable name.
    const NAME: &'static str;
    /// What the model knows of one programme.
    type Slice: Default + Clone + Debug + Serialize + DeserializeOwned + Send + Sync;

    /// Whether the model reads events of this kind and type; others are
    /// neither decoded nor applied.
    fn wants(kind: StreamType, event_type: &str) -> bool;

    /// Applies one event to its programme's slice. An `Err` marks a poison
    /// event; an implementation checks before it changes anything.
    fn apply(slice: &mut Self::Slice, fact: &Fact<'_>) -> std::result::Result<(), String>;

    /// Whether an event of this kind and type, applied to `slice` (`None`
    /// before the programme's first event), needs the values of its sealed
    /// fields. Projections read the log raw, where sensitive fields stay
    /// sealed and decode as erased; the few events a model answers `true`
    /// for are read again with their values. Models keep no confidential or
    /// personal text, so the default is `false`.
    fn needs_sealed(slice: Option<&Self::Slice>, kind: StreamType, event_type: &str) -> bool {
        let _ = (slice, kind, event_type);
        false
    }
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
    /// Applies `event`; returns whether the model applied it (`false` when
    /// it ignores the event's type). On `Err` nothing changed.
    pub fn apply(&mut self, event: &Event<'_>) -> std::result::Result<bool, String> {
        self.apply_to(event, |_| {})
    }

    /// Applies `event` and hands the programme it changed to `touched`;
    /// returns whether the model applied it. On `Err` nothing changed.
    pub fn apply_to(
        &mut self,
        event: &Event<'_>,
        touched: impl FnOnce(&str),
    ) -> std::result::Result<bool, String> {
        let Some(kind) = fact::programme_stream_type(event.stream_type()) else {
            if fact::outside_programmes(event.stream_type()) {
                return Ok(false);
            }
            return Err(format!("unknown stream type {}", event.stream_type()));
        };
        let stream_id = event.stream_id();
        let event_type = event.event_type();
        let wanted = M::wants(kind, event_type);
        if kind == StreamType::Relationship && event_type == "RelationshipOpened" {
            let applied = if wanted {
                let decoded: RelationshipEvent = fact::decode_event(event)?;
                let RelationshipEvent::RelationshipOpened { terms, .. } = &decoded else {
                    return Err("RelationshipOpened decodes as another event".into());
                };
                let programme = terms.programme.as_str().to_owned();
                let fact = Fact {
                    source: event,
                    programme: &programme,
                    event: Decoded::Relationship(decoded),
                };
                let slice = self.slices.entry(programme.clone()).or_default();
                M::apply(slice, &fact)?;
                touched(&programme);
                self.routes.insert(stream_id.to_owned(), programme);
                true
            } else {
                let programme = fact::opened_programme(event)?;
                self.routes.insert(stream_id.to_owned(), programme);
                false
            };
            return Ok(applied);
        }
        let programme: &str = match kind {
            StreamType::Programme => stream_id,
            StreamType::Participant => fact::programme_of_participant(stream_id),
            StreamType::Relationship => self
                .routes
                .get(stream_id)
                .map(String::as_str)
                .ok_or_else(|| format!("relationship {stream_id} was never opened"))?,
            StreamType::Disclosure => {
                return Err(format!("disclosure ledger {stream_id} is in no programme"))
            }
        };
        if !wanted {
            return Ok(false);
        }
        let fact = Fact {
            source: event,
            programme,
            event: fact::decode(event, kind)?,
        };
        let slice = match self.slices.get_mut(programme) {
            Some(slice) => slice,
            None => self.slices.entry(programme.to_owned()).or_default(),
        };
        M::apply(slice, &fact)?;
        touched(programme);
        Ok(true)
    }

    /// Whether the model needs `event` with its sealed values put back,
    /// given the state before it.
    pub fn needs_sealed(&self, event: &Fields<'_>) -> bool {
        let Some(kind) = fact::programme_stream_type(event.stream_type) else {
            return false;
        };
        if !M::wants(kind, event.event_type) {
            return false;
        }
        let programme = match kind {
            StreamType::Programme => Some(event.stream_id),
            StreamType::Participant => Some(fact::programme_of_participant(event.stream_id)),
            StreamType::Relationship => self.routes.get(event.stream_id).map(String::as_str),
            StreamType::Disclosure => None,
        };
        let slice = programme.and_then(|programme| self.slices.get(programme));
        M::needs_sealed(slice, kind, event.event_type)
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

    fn needs_sealed(&self, event: &Fields<'_>) -> bool {
        self.state.needs_sealed(event)
    }

    fn apply(&mut self, event: &Event<'_>) -> std::result::Result<(), String> {
        let had_routes = self.state.routes.len();
        let (dirty, since_boundary) = (&mut self.dirty, &mut self.since_boundary);
        self.state.apply_to(event, |programme| {
            if !dirty.contains(programme) {
                dirty.insert(programme.to_owned());
            }
            if !since_boundary.contains(programme) {
                since_boundary.insert(programme.to_owned());
            }
        })?;
        if self.state.routes.len() != had_routes {
            let relationship = event.stream_id();
            if let Some(programme) = self.state.routes.get(relationship) {
                self.new_routes
                    .push((relationship.to_owned(), programme.clone()));
            }
        }
        if event.position().is_multiple_of(self.history_interval) {
            self.capture_boundary(event.position())?;
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
