//! Point-in-time answers: the state of a read model as it was after any
//! position of the log.
//!
//! Replaying the log from position 1 on every query would cost time in
//! proportion to the whole history. Instead the runner keeps, for every row
//! of every slice, one version per history interval in which it changed
//! (see [`crate::partitioned`]), written in the same atomic batch as its
//! checkpoint. The state of programme `X` after position `p` is:
//!
//! ```text
//!   b     = ⌊min(p, checkpoint) / K⌋ · K             the boundary at or before p
//!   rows  = for each row of X, its latest version ≤ b  (empty: the row was removed)
//!   state = rows + replay of events (b, p] of X       at most K + flush lag events
//! ```
//!
//! So a query reads the versions of `X`'s rows (one prefix scan) and decodes
//! at most one interval of the log, whatever the log's length; it never
//! reads another programme's rows. A timestamp is turned into the last
//! position at or before it by a binary search on the log.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use mentorship_engine::store::{EventLog, RawEvent};

use crate::error::{ProjectionError, Result};
use crate::fact::{self, Event};
use crate::partitioned::{Partitioned, ReadModel, State, EXISTS};
use crate::rows::Rows;
use crate::runner::Live;
use crate::store;
use mentorship_engine::domain::StreamType;

/// An answer and the log position it reflects.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer<T> {
    /// The last position whose effect the answer includes.
    pub position: u64,
    /// The answer.
    pub value: T,
}

/// The programme an event belongs to, without decoding it (except a
/// `RelationshipOpened`); `None` when it cannot be told.
fn programme_of<'a, M: ReadModel>(state: &'a State<M>, event: &Event<'a>) -> Option<Cow<'a, str>> {
    let id = event.stream_id();
    match fact::programme_stream_type(event.stream_type())? {
        StreamType::Programme => Some(Cow::Borrowed(id)),
        StreamType::Participant => Some(Cow::Borrowed(fact::programme_of_participant(id))),
        StreamType::Relationship => match state.routes.get(id) {
            Some(programme) => Some(Cow::Borrowed(programme.as_str())),
            None if event.event_type() == "RelationshipOpened" => {
                fact::opened_programme(event).ok().map(Cow::Owned)
            }
            None => None,
        },
        StreamType::Disclosure | StreamType::Access => None,
    }
}

/// Applies raw `events` to `state` (only those of `programme` when given),
/// reading again unsealed the few the model needs so.
async fn apply_events<L: EventLog, M: ReadModel>(
    log: &L,
    state: &mut State<M>,
    events: &[RawEvent],
    programme: Option<&str>,
) -> Result<()> {
    for event in events {
        let poison = |reason: String| ProjectionError::Poison {
            projection: M::NAME.to_owned(),
            position: event.position,
            reason,
        };
        let fields = event.decode()?;
        let mut view = Event::raw(fields);
        if let Some(filter) = programme {
            if programme_of(state, &view).as_deref() != Some(filter) {
                continue;
            }
        }
        let unsealed = if state.needs_sealed(&fields) {
            let again = log.read_all(event.position, 1).await?.pop();
            match again {
                Some(again) if again.position == event.position => Some(again),
                _ => return Err(poison("the log did not return the event again".into())),
            }
        } else {
            None
        };
        view.unsealed = unsealed.as_ref();
        state.apply(&view).map_err(poison)?;
    }
    Ok(())
}

/// The slices of `live` (all of them, or only `programme`'s) as they were
/// after `position`; `None` means "now".
pub async fn slices_as_of<L: EventLog, M: ReadModel>(
    log: &L,
    live: &Live<Partitioned<M>>,
    programme: Option<&str>,
    position: Option<u64>,
) -> Result<Answer<BTreeMap<String, M::Slice>>> {
    let (now, interval, programmes) = {
        let guard = live.read();
        let wanted = position.unwrap_or(guard.position);
        let state = guard.state.state();
        if wanted == guard.position {
            let value = match programme {
                Some(programme) => state
                    .slices
                    .get_key_value(programme)
                    .map(|(id, slice)| (id.clone(), slice.clone()))
                    .into_iter()
                    .collect(),
                None => state.slices.clone(),
            };
            return Ok(Answer {
                position: guard.position,
                value,
            });
        }
        if wanted > guard.position {
            return Err(ProjectionError::NotYet {
                wanted,
                reached: guard.position,
            });
        }
        let programmes: Vec<String> = match programme {
            Some(p) => vec![p.to_owned()],
            None => state.slices.keys().cloned().collect(),
        };
        (guard.position, guard.state.history_interval(), programmes)
    };
    let wanted = position.unwrap_or(now);
    let checkpoint = store::checkpoint(live.tree())?;
    let boundary = wanted.min(checkpoint) / interval * interval;
    let mut state = State::<M>::default();
    if boundary > 0 {
        for id in &programmes {
            if let Some(slice) = slice_at::<M>(live.tree(), id, boundary)? {
                state.slices.insert(id.clone(), slice);
            }
        }
    }
    let mut next = boundary + 1;
    while next <= wanted {
        let limit = usize::try_from(wanted - next + 1)
            .unwrap_or(usize::MAX)
            .min(4_096);
        let events = log.read_all_raw(next, limit).await?;
        let Some(last) = events.last().map(|event| event.position) else {
            break;
        };
        take_routes(live, &mut state, &events)?;
        apply_events(log, &mut state, &events, programme).await?;
        next = last + 1;
    }
    let value = state
        .slices
        .into_iter()
        .filter(|(id, _)| programme.is_none_or(|p| p == id.as_str()))
        .collect();
    Ok(Answer {
        position: wanted,
        value,
    })
}

/// Copies from `live` the routes of the relationships `events` name that
/// `state` does not know yet: an as-of answer takes the routes of its tail
/// of events, not every route of the organisation.
fn take_routes<M: ReadModel>(
    live: &Live<Partitioned<M>>,
    state: &mut State<M>,
    events: &[RawEvent],
) -> Result<()> {
    // Borrowed ids, deduplicated before anything is allocated: a tail holds
    // thousands of events of a few hundred relationships, and an owned id
    // per event was thousands of small allocations per query.
    let mut missing = Vec::new();
    for event in events {
        let fields = event.decode()?;
        if fact::programme_stream_type(fields.stream_type) == Some(StreamType::Relationship)
            && !state.routes.contains_key(fields.stream_id)
        {
            missing.push(fields.stream_id);
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    missing.sort_unstable();
    missing.dedup();
    let guard = live.read();
    let routes = &guard.state.state().routes;
    for relationship in missing {
        if let Some(programme) = routes.get(relationship) {
            state
                .routes
                .insert(relationship.to_owned(), programme.clone());
        }
    }
    Ok(())
}

/// Programme `programme`'s slice as it was at history boundary `boundary`
/// (`None` when it did not exist yet): each row's latest version at or
/// before it.
fn slice_at<M: ReadModel>(
    tree: &sled::Tree,
    programme: &str,
    boundary: u64,
) -> Result<Option<M::Slice>> {
    let prefix = store::versioned_prefix(b'h', programme);
    let mut slice: Option<M::Slice> = None;
    // The latest version at or before `boundary` of the row being read:
    // its key, the row (`table ‖ id`) and its value.
    let mut latest: Option<(sled::IVec, Vec<u8>, sled::IVec)> = None;
    let restore = |slice: &mut Option<M::Slice>,
                   (key, row, value): (sled::IVec, Vec<u8>, sled::IVec)| {
        let Some((&table, id)) = row.split_first() else {
            return Ok(());
        };
        let slice = slice.get_or_insert_with(M::Slice::default);
        if table == EXISTS || value.is_empty() {
            return Ok(());
        }
        let damaged = |reason: String| ProjectionError::Damaged {
            key: String::from_utf8_lossy(&key).into_owned(),
            reason,
        };
        let id = std::str::from_utf8(id).map_err(|error| damaged(error.to_string()))?;
        slice.restore(table, id, &value).map_err(damaged)
    };
    for entry in tree.scan_prefix(&prefix) {
        let (key, value) = entry?;
        let (row, version) = store::split_history_rest(&key, &key[prefix.len()..])?;
        if version > boundary {
            continue;
        }
        if let Some(previous) = latest.take_if(|(_, previous, _)| *previous != row) {
            restore(&mut slice, previous)?;
        }
        latest = Some((key, row, value));
    }
    if let Some(last) = latest {
        restore(&mut slice, last)?;
    }
    Ok(slice)
}

/// The slices of a from-scratch replay of the log up to `position`: what
/// [`slices_as_of`] must equal.
pub async fn replay<L: EventLog, M: ReadModel>(
    log: &L,
    position: u64,
) -> Result<BTreeMap<String, M::Slice>> {
    let mut state = State::<M>::default();
    let mut next = 1;
    while next <= position {
        let limit = usize::try_from(position - next + 1)
            .unwrap_or(usize::MAX)
            .min(4_096);
        let events = log.read_all_raw(next, limit).await?;
        let Some(last) = events.last().map(|event| event.position) else {
            break;
        };
        apply_events(log, &mut state, &events, None).await?;
        next = last + 1;
    }
    Ok(state.slices)
}

/// The last position whose event was accepted at or before `at` (0 when
/// none was). Positions follow commit order and times are taken when a
/// command is accepted, so two commands racing within milliseconds may
/// commit in the other order; the search treats the log's times as
/// ascending, which holds to within that race.
pub async fn position_at<L: EventLog>(log: &L, at: DateTime<Utc>) -> Result<u64> {
    let (mut low, mut high) = (0_u64, log.head());
    while low < high {
        let middle = low + (high - low).div_ceil(2);
        let event = log.read_all_raw(middle, 1).await?;
        let accepted = match event.first() {
            Some(event) => Some(event.decode()?.at),
            None => None,
        };
        match accepted {
            Some(accepted) if accepted <= at => low = middle,
            _ => high = middle - 1,
        }
    }
    Ok(low)
}
