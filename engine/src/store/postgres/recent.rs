//! The newest events, kept in memory so that the readers that follow the
//! head (every read model, every live subscription) read each new event
//! from the database once per server rather than once each.
//!
//! Events enter when this server's writer commits them, or when a reader
//! first fetches another server's. Stored bytes never change (erasure
//! touches only sealed values, which raw reads do not carry), so an entry
//! never goes stale; the oldest are dropped past [`CAPACITY`].

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::store::model::RawEvent;

/// How many events are kept.
const CAPACITY: usize = 16_384;

/// The newest events by position.
#[derive(Default)]
pub(crate) struct Recent {
    events: Mutex<BTreeMap<u64, RawEvent>>,
}

impl Recent {
    /// Keeps `events`.
    pub(crate) fn insert(&self, events: impl IntoIterator<Item = RawEvent>) {
        let Ok(mut kept) = self.events.lock() else {
            return;
        };
        for event in events {
            kept.insert(event.position, event);
        }
        while kept.len() > CAPACITY {
            kept.pop_first();
        }
    }

    /// The events from `from` through `to` that are kept without a gap
    /// from `from`; empty when `from` is not kept.
    pub(crate) fn run(&self, from: u64, to: u64) -> Vec<RawEvent> {
        let Ok(kept) = self.events.lock() else {
            return Vec::new();
        };
        let mut run = Vec::new();
        for (position, event) in kept.range(from..=to) {
            if *position != from + run.len() as u64 {
                break;
            }
            run.push(event.clone());
        }
        run
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(position: u64) -> RawEvent {
        RawEvent {
            position,
            hash: [0; 32],
            canonical: Vec::new(),
        }
    }

    #[test]
    fn a_run_stops_at_the_first_missing_position() {
        let recent = Recent::default();
        recent.insert([1, 2, 3, 5].map(event));
        let positions = |run: Vec<RawEvent>| run.iter().map(|e| e.position).collect::<Vec<_>>();
        assert_eq!(positions(recent.run(1, 10)), [1, 2, 3]);
        assert_eq!(positions(recent.run(2, 2)), [2]);
        assert!(recent.run(4, 10).is_empty());
        assert_eq!(positions(recent.run(5, 10)), [5]);
    }

    #[test]
    fn the_oldest_are_dropped_past_the_capacity() {
        let recent = Recent::default();
        recent.insert((1..=CAPACITY as u64 + 10).map(event));
        assert!(recent.run(1, 1).is_empty());
        assert_eq!(recent.run(11, 11).len(), 1);
    }
}
