//! The command-id index of the segment log: command id → the outcome of the
//! append that carried it, so that a retried command writes nothing, also
//! after a restart.
//!
//! A log holds one entry an append, so millions of them; a map of owned
//! strings costs one allocation and about 150 bytes an entry, and loading it
//! from an index checkpoint is dominated by those allocations and by
//! inserting into a table of large buckets. Here the ids are kept end to
//! end in one byte vector, the outcomes in one vector of `u64` (four an
//! entry: where the id ends, first position, last position, revision), and
//! the table holds only the entry's number. The two vectors are exactly
//! what an index checkpoint stores, so loading is two bulk reads and one
//! pass that hashes each id into the table.
//!
//! The table's hash is keyed afresh in every process (foldhash, seeded at
//! random), so command ids chosen by a client cannot be crafted to collide;
//! nothing hashed is ever stored.

use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::BuildHasher;

use super::model::AppendOutcome;

/// The `u64`s an entry takes in [`Commands::entries`].
pub(crate) const STRIDE: usize = 4;

/// Command id → outcome, compact.
pub(crate) struct Commands {
    /// Every id, end to end.
    ids: Vec<u8>,
    /// Per entry: the end of its id in `ids`, first position, last
    /// position, revision.
    entries: Vec<u64>,
    /// Entry numbers, by the hash of their id.
    table: HashTable<usize>,
    hasher: DefaultHashBuilder,
}

impl Default for Commands {
    fn default() -> Self {
        Self {
            ids: Vec::new(),
            entries: Vec::new(),
            table: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
        }
    }
}

impl Commands {
    /// The index of `ids` (every id, end to end) and `entries` (as laid out
    /// in [`Commands::entries`]), as an index checkpoint stores them; `Err`
    /// says what does not hold together.
    pub(crate) fn from_parts(ids: Vec<u8>, entries: Vec<u64>, head: u64) -> Result<Self, String> {
        if !entries.len().is_multiple_of(STRIDE) {
            return Err("the command entries are cut".into());
        }
        let count = entries.len() / STRIDE;
        let mut index = Self {
            ids,
            entries,
            table: HashTable::with_capacity(count),
            hasher: DefaultHashBuilder::default(),
        };
        let mut start = 0;
        for entry in 0..count {
            let [end, first, last, _] = index.entry(entry);
            let end = usize::try_from(end).unwrap_or(usize::MAX);
            if end < start || end > index.ids.len() {
                return Err(format!("command {entry} has its id out of bounds"));
            }
            if first == 0 || first > last || last > head {
                return Err(format!(
                    "command {entry} holds positions {first} to {last}, not within the head {head}"
                ));
            }
            // Ids are not checked for repeats: the writer never indexes an
            // id twice, and the checksum stands for the file.
            let id = index.ids.get(start..end).unwrap_or_default();
            let hash = index.hasher.hash_one(id);
            let (ids, entries, hasher) = (&index.ids, &index.entries, &index.hasher);
            index.table.insert_unique(hash, entry, |&other| {
                hasher.hash_one(id_of(ids, entries, other))
            });
            start = end;
        }
        Ok(index)
    }

    /// Every id end to end, and the entries: what an index checkpoint
    /// stores.
    pub(crate) fn parts(&self) -> (&[u8], &[u64]) {
        (&self.ids, &self.entries)
    }

    /// How many commands are indexed.
    pub(crate) fn len(&self) -> usize {
        self.entries.len() / STRIDE
    }

    fn entry(&self, entry: usize) -> [u64; STRIDE] {
        let at = entry * STRIDE;
        self.entries
            .get(at..at + STRIDE)
            .and_then(|e| <[u64; STRIDE]>::try_from(e).ok())
            .unwrap_or_default()
    }

    fn find(&self, id: &str) -> Option<usize> {
        let hash = self.hasher.hash_one(id.as_bytes());
        self.table
            .find(hash, |&entry| {
                id_of(&self.ids, &self.entries, entry) == id.as_bytes()
            })
            .copied()
    }

    /// The outcome of the append that carried `id`.
    pub(crate) fn get(&self, id: &str) -> Option<AppendOutcome> {
        self.find(id).map(|entry| {
            let [_, first, last, revision] = self.entry(entry);
            AppendOutcome {
                first_position: first,
                last_position: last,
                revision,
                duplicate: false,
            }
        })
    }

    /// Records the event at `position`, revision `revision`, of command
    /// `id`: the first event of a command inserts it, the next ones extend
    /// it (a scan meets the events one by one).
    pub(crate) fn record(&mut self, id: &str, position: u64, revision: u64) {
        match self.find(id) {
            Some(entry) => {
                let at = entry * STRIDE;
                if let Some([_, _, last, rev]) = self
                    .entries
                    .get_mut(at..at + STRIDE)
                    .and_then(|e| <&mut [u64; STRIDE]>::try_from(e).ok())
                {
                    *last = position;
                    *rev = revision;
                }
            }
            None => self.push(id, position, position, revision),
        }
    }

    /// Indexes the outcome of a command (the writer's, after a commit).
    pub(crate) fn insert(&mut self, id: &str, outcome: &AppendOutcome) {
        let values = [
            outcome.first_position,
            outcome.last_position,
            outcome.revision,
        ];
        match self.find(id) {
            Some(entry) => {
                let at = entry * STRIDE + 1;
                if let Some(slot) = self.entries.get_mut(at..at + 3) {
                    slot.copy_from_slice(&values);
                }
            }
            None => self.push(id, values[0], values[1], values[2]),
        }
    }

    fn push(&mut self, id: &str, first: u64, last: u64, revision: u64) {
        let entry = self.len();
        self.ids.extend_from_slice(id.as_bytes());
        self.entries
            .extend_from_slice(&[self.ids.len() as u64, first, last, revision]);
        let hash = self.hasher.hash_one(id.as_bytes());
        let (ids, entries, hasher) = (&self.ids, &self.entries, &self.hasher);
        self.table.insert_unique(hash, entry, |&other| {
            hasher.hash_one(id_of(ids, entries, other))
        });
    }

    /// The bytes held, from the capacities.
    pub(crate) fn memory(&self) -> u64 {
        self.ids.capacity() as u64
            + self.entries.capacity() as u64 * 8
            + (self.table.capacity() as u64 * 8 / 7) * (std::mem::size_of::<usize>() as u64 + 1)
    }
}

/// The id of entry `entry`.
fn id_of<'a>(ids: &'a [u8], entries: &[u64], entry: usize) -> &'a [u8] {
    let end = |e: usize| {
        entries
            .get(e * STRIDE)
            .and_then(|end| usize::try_from(*end).ok())
            .unwrap_or(0)
    };
    let start = entry.checked_sub(1).map_or(0, end);
    ids.get(start..end(entry)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(first: u64, last: u64, revision: u64) -> AppendOutcome {
        AppendOutcome {
            first_position: first,
            last_position: last,
            revision,
            duplicate: false,
        }
    }

    #[test]
    fn commands_are_found_extended_and_rebuilt_from_their_parts() {
        let mut index = Commands::default();
        for n in 0..1000u64 {
            index.record(&format!("c{n}"), n * 2 + 1, 1);
            index.record(&format!("c{n}"), n * 2 + 2, 2);
        }
        index.insert("late", &outcome(2001, 2003, 7));
        assert_eq!(index.len(), 1001);
        assert_eq!(index.get("c7"), Some(outcome(15, 16, 2)));
        assert_eq!(index.get("late"), Some(outcome(2001, 2003, 7)));
        assert_eq!(index.get("c1000"), None);
        assert_eq!(index.get(""), None);
        let (ids, entries) = index.parts();
        let rebuilt = Commands::from_parts(ids.to_vec(), entries.to_vec(), 2003).unwrap();
        for n in 0..1000u64 {
            let id = format!("c{n}");
            assert_eq!(rebuilt.get(&id), index.get(&id));
        }
        assert_eq!(rebuilt.get("late"), index.get("late"));
        assert!(index.memory() > 1000 * (STRIDE as u64 * 8));
    }

    #[test]
    fn parts_that_do_not_hold_together_are_refused() {
        let mut index = Commands::default();
        index.insert("a", &outcome(1, 2, 2));
        index.insert("b", &outcome(3, 3, 1));
        let (ids, entries) = index.parts();
        assert!(Commands::from_parts(ids.to_vec(), entries.to_vec(), 2).is_err());
        assert!(Commands::from_parts(ids.to_vec(), entries.to_vec(), 3).is_ok());
        let mut out_of_bounds = entries.to_vec();
        out_of_bounds[STRIDE] = 9;
        assert!(Commands::from_parts(ids.to_vec(), out_of_bounds, 3).is_err());
        assert!(Commands::from_parts(ids.to_vec(), entries[..5].to_vec(), 3).is_err());
    }
}
