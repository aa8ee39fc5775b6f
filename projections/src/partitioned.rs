//! Read models partitioned by programme, stored as rows, with a history of
//! row versions for as-of queries.
//!
//! Every read model except the audit trail is a map from programme to a
//! *slice*: everything the model knows about that programme, made of small
//! rows (a person, a match, a relationship, the programme's head; see
//! [`crate::rows`]). Events are routed to their programme by their stream: a
//! programme stream is the programme, a participant stream is
//! `programme/person`, and a relationship is routed by the programme its
//! `RelationshipOpened` names. A model only says how one event changes one
//! slice; the slice remembers which rows that touched.
//!
//! # What a flush writes
//!
//! Only the rows that changed since the last flush, each twice: the current
//! row (`s`), and a version of it in the history (`h`) under the *next
//! history boundary*, `⌈p/K⌉·K` for the position `p` flushed. Every `K`
//! positions (the history interval) the rows changed since the last flush
//! are staged at the boundary itself, so that the version under boundary `b`
//! is a row's value after exactly position `b`; a later flush in the same
//! interval overwrites the version it wrote before. History is thus one
//! version per row per interval in which the row changed: it grows with the
//! events, not with the size of the programmes they touch.
//!
//! The state of programme `X` at a boundary `b` is, for each of its rows,
//! the latest version at or before `b` (an empty value is a removed row);
//! [`crate::asof`] adds a replay of at most one interval of events.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::error::{ProjectionError, Result};
use crate::fact::{self, Decoded, Event, Fact};
use crate::projection::Projection;
use crate::rows::{Change, Rows};
use crate::store::{self, INTERVAL, ROW_FORMAT};
use mentorship_engine::domain::relationship::RelationshipEvent;
use mentorship_engine::domain::StreamType;
use mentorship_engine::store::canonical::Decoded as Fields;

/// The default history interval: a history boundary every this many
/// positions.
pub const DEFAULT_HISTORY_INTERVAL: u64 = 8_192;

/// One read model partitioned by programme.
pub trait ReadModel: Send + Sync + 'static {
    /// The projection's stable name.
    const NAME: &'static str;
    /// What the model knows of one programme, as rows.
    type Slice: Rows;

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
            StreamType::Disclosure | StreamType::Access => {
                return Err(format!("ledger {stream_id} is in no programme read model"))
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
            StreamType::Disclosure | StreamType::Access => None,
        };
        let slice = programme.and_then(|programme| self.slices.get(programme));
        M::needs_sealed(slice, kind, event.event_type)
    }
}

/// The table tag of the row that says a programme's slice exists, so that
/// a slice with no other row (a directory before anyone applied) is still
/// restored and answered as it was. A slice whose first rows include a head
/// row (never removed) has no need of it and is stored without it.
pub const EXISTS: u8 = b'.';

/// A partitioned read model as the runner drives it: its state, which
/// programmes changed since rows were last staged, and the writes staged
/// for the next flush.
#[derive(Debug)]
pub struct Partitioned<M: ReadModel> {
    state: State<M>,
    history_interval: u64,
    /// The last position applied.
    position: u64,
    /// Programmes with rows changed since they were last staged.
    dirty: BTreeSet<String>,
    /// Programmes whose existence row is stored.
    recorded: HashSet<String>,
    new_routes: Vec<(String, String)>,
    /// Rows to write (`None`: remove) at the next flush, in order.
    staged: Vec<(Vec<u8>, Option<Vec<u8>>)>,
}

impl<M: ReadModel> Partitioned<M> {
    /// Loads the model from `tree` (empty when the tree is new). The history
    /// interval is fixed when the tree is created; `history_interval` is
    /// used only then. A tree written in a format from before rows is
    /// cleared, so that the runner rebuilds it from the log.
    pub fn load(tree: &sled::Tree, history_interval: u64) -> Result<Self> {
        store::ensure_format(tree, ROW_FORMAT, M::NAME)?;
        let history_interval = match tree.get(INTERVAL)? {
            Some(value) => store::be_u64(&value).max(1),
            None => {
                let interval = history_interval.max(1);
                tree.insert(INTERVAL, &interval.to_be_bytes())?;
                interval
            }
        };
        let mut state = State::<M>::default();
        let mut recorded = HashSet::new();
        for entry in tree.scan_prefix(b"s") {
            let (key, value) = entry?;
            let (programme, table, id) = store::split_row_key(&key)?;
            let slice = match state.slices.get_mut(programme) {
                Some(slice) => slice,
                None => {
                    recorded.insert(programme.to_owned());
                    state.slices.entry(programme.to_owned()).or_default()
                }
            };
            if table != EXISTS {
                slice
                    .restore(table, id, &value)
                    .map_err(|reason| ProjectionError::Damaged {
                        key: String::from_utf8_lossy(&key).into_owned(),
                        reason,
                    })?;
            }
        }
        for entry in tree.scan_prefix(b"r") {
            let (key, value) = entry?;
            let relationship = store::id_of(&key)?.to_owned();
            state
                .routes
                .insert(relationship, String::from_utf8_lossy(&value).into_owned());
        }
        Ok(Self {
            state,
            history_interval,
            position: store::checkpoint(tree)?,
            dirty: BTreeSet::new(),
            recorded,
            new_routes: Vec::new(),
            staged: Vec::new(),
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

    /// Stages every row changed since the last staging: the current row,
    /// and its history version under `version`.
    fn stage(&mut self, version: u64) -> std::result::Result<(), String> {
        let mut changes = Vec::new();
        for programme in std::mem::take(&mut self.dirty) {
            let Some(slice) = self.state.slices.get_mut(&programme) else {
                continue;
            };
            slice.take_changes(&mut changes)?;
            if !self.recorded.contains(&programme) {
                // A head row is never removed, so it keeps the slice alive
                // on reload by itself; only a slice without one needs the
                // existence row (one sled key less for most new slices).
                if !changes.iter().any(|change| change.lasting) {
                    changes.push(Change {
                        table: EXISTS,
                        id: String::new(),
                        value: Some(b"1".to_vec()),
                        lasting: true,
                    });
                }
                self.recorded.insert(programme.clone());
            }
            for Change {
                table, id, value, ..
            } in changes.drain(..)
            {
                let history = store::history_key(&programme, table, &id, version);
                self.staged
                    .push((history, Some(value.clone().unwrap_or_default())));
                self.staged
                    .push((store::row_key(b's', &programme, table, &id), value));
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
        let dirty = &mut self.dirty;
        self.state.apply_to(event, |programme| {
            if !dirty.contains(programme) {
                dirty.insert(programme.to_owned());
            }
        })?;
        if self.state.routes.len() != had_routes {
            let relationship = event.stream_id();
            if let Some(programme) = self.state.routes.get(relationship) {
                self.new_routes
                    .push((relationship.to_owned(), programme.clone()));
            }
        }
        self.position = event.position();
        if self.position.is_multiple_of(self.history_interval) {
            self.stage(self.position)?;
        }
        Ok(())
    }

    fn drain(&mut self, batch: &mut sled::Batch) -> Result<()> {
        let version = self.position.div_ceil(self.history_interval) * self.history_interval;
        self.stage(version)
            .map_err(|reason| ProjectionError::Damaged {
                key: M::NAME.to_owned(),
                reason,
            })?;
        for (key, value) in self.staged.drain(..) {
            match value {
                Some(value) => batch.insert(key, value),
                None => batch.remove(key),
            }
        }
        for (relationship, programme) in self.new_routes.drain(..) {
            batch.insert(store::key(b'r', &relationship), programme.into_bytes());
        }
        Ok(())
    }
}
