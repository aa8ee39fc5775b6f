//! A read model's slice as small rows, each written when it changes.
//!
//! A programme's slice is made of tables of rows keyed by what they
//! describe (a person, a match, a relationship) and, for the figures that
//! belong to the whole programme, one head row. The containers here are
//! maps and a value that remember which rows changed since they were last
//! asked: an event touches a bounded number of rows, and a flush encodes and
//! writes only those, so the cost of one event does not depend on how many
//! people its programme holds.
//!
//! A model declares its slice's tables with [`slice_rows!`]; each table has
//! a one-byte tag that is part of the row's key in the store.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::ops::{Deref, DerefMut};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// One row that changed: its table, its id, and its new encoded value
/// (`None` when it was removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The table's tag.
    pub table: u8,
    /// The row's id within the table (empty for a head row).
    pub id: String,
    /// The row as stored, or `None` when it is gone.
    pub value: Option<Vec<u8>>,
    /// The row is never removed once written (a head row): its presence
    /// alone records that its slice exists.
    pub lasting: bool,
}

/// A slice made of rows: it hands over the rows that changed and takes
/// stored rows back.
pub trait Rows: Default + Clone + Debug + PartialEq + Send + Sync {
    /// Appends every row changed since the last call to `out`, and forgets
    /// that they changed.
    fn take_changes(&mut self, out: &mut Vec<Change>) -> Result<(), String>;

    /// Puts one stored row back, without marking it changed.
    fn restore(&mut self, table: u8, id: &str, value: &[u8]) -> Result<(), String>;
}

/// One part of a slice that [`slice_rows!`] can store: a [`Table`] or a
/// [`Head`].
pub trait Stored {
    /// Appends the rows changed since the last call, tagged `table`.
    fn take_changes(&mut self, table: u8, out: &mut Vec<Change>) -> Result<(), String>;

    /// Puts the stored row `id` back.
    fn restore(&mut self, id: &str, value: &[u8]) -> Result<(), String>;
}

/// Rows are encoded with postcard: compact (no field names, varint
/// integers), so that a row costs a few dozen bytes in the store and its
/// history rather than its JSON's hundreds.
/// An empty value marks a removed row in the history, so no row may encode
/// to nothing.
fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, String> {
    let bytes = postcard::to_allocvec(value).map_err(|error| error.to_string())?;
    if bytes.is_empty() {
        return Err("a row that encodes to no bytes cannot be told from a removed one".into());
    }
    Ok(bytes)
}

fn decode<T: DeserializeOwned>(id: &str, value: &[u8]) -> Result<T, String> {
    postcard::from_bytes(value).map_err(|error| format!("row {id:?} does not decode: {error}"))
}

/// Rows keyed by id, remembering which changed. Reading goes through
/// `Deref` to the map; every way of writing marks the row.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Table<V> {
    rows: BTreeMap<String, V>,
    #[serde(skip)]
    changed: BTreeSet<String>,
}

impl<V> Default for Table<V> {
    fn default() -> Self {
        Self {
            rows: BTreeMap::new(),
            changed: BTreeSet::new(),
        }
    }
}

impl<V: Debug> Debug for Table<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.rows.fmt(f)
    }
}

/// Two tables are equal when they hold the same rows, whatever they
/// remember of changes.
impl<V: PartialEq> PartialEq for Table<V> {
    fn eq(&self, other: &Self) -> bool {
        self.rows == other.rows
    }
}

impl<V> Deref for Table<V> {
    type Target = BTreeMap<String, V>;

    fn deref(&self) -> &Self::Target {
        &self.rows
    }
}

impl<V> Table<V> {
    fn mark(&mut self, id: &str) {
        if !self.changed.contains(id) {
            self.changed.insert(id.to_owned());
        }
    }

    /// The row `id`, to change.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut V> {
        if self.rows.contains_key(id) {
            self.mark(id);
        }
        self.rows.get_mut(id)
    }

    /// Sets the row `id`.
    pub fn insert(&mut self, id: String, value: V) -> Option<V> {
        self.mark(&id);
        self.rows.insert(id, value)
    }

    /// Removes the row `id`.
    pub fn remove(&mut self, id: &str) -> Option<V> {
        let removed = self.rows.remove(id);
        if removed.is_some() {
            self.mark(id);
        }
        removed
    }

    /// The rows, by value.
    pub fn into_values(self) -> impl Iterator<Item = V> {
        self.rows.into_values()
    }
}

impl<V: Default> Table<V> {
    /// The row `id`, to change, made empty first when there is none.
    pub fn or_default(&mut self, id: &str) -> &mut V {
        self.mark(id);
        self.rows.entry(id.to_owned()).or_default()
    }
}

impl<V: Serialize + DeserializeOwned> Stored for Table<V> {
    fn take_changes(&mut self, table: u8, out: &mut Vec<Change>) -> Result<(), String> {
        for id in std::mem::take(&mut self.changed) {
            let value = self.rows.get(&id).map(encode).transpose()?;
            out.push(Change {
                table,
                id,
                value,
                lasting: false,
            });
        }
        Ok(())
    }

    fn restore(&mut self, id: &str, value: &[u8]) -> Result<(), String> {
        self.rows.insert(id.to_owned(), decode(id, value)?);
        Ok(())
    }
}

/// The one row of figures that belong to the whole programme. Reading goes
/// through `Deref`; changing through `DerefMut`, which marks the row.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Head<T> {
    value: T,
    #[serde(skip)]
    changed: bool,
}

impl<T: Debug> Debug for Head<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.value.fmt(f)
    }
}

/// Two heads are equal when their values are.
impl<T: PartialEq> PartialEq for Head<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T> Deref for Head<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> DerefMut for Head<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.changed = true;
        &mut self.value
    }
}

impl<T: Serialize + DeserializeOwned> Stored for Head<T> {
    fn take_changes(&mut self, table: u8, out: &mut Vec<Change>) -> Result<(), String> {
        if std::mem::take(&mut self.changed) {
            out.push(Change {
                table,
                id: String::new(),
                value: Some(encode(&self.value)?),
                lasting: true,
            });
        }
        Ok(())
    }

    fn restore(&mut self, id: &str, value: &[u8]) -> Result<(), String> {
        self.value = decode(id, value)?;
        Ok(())
    }
}

/// A table alone is a slice of one table (tag `t`).
impl<V> Rows for Table<V>
where
    V: Serialize + DeserializeOwned + Clone + Debug + PartialEq + Send + Sync,
{
    fn take_changes(&mut self, out: &mut Vec<Change>) -> Result<(), String> {
        Stored::take_changes(self, b't', out)
    }

    fn restore(&mut self, table: u8, id: &str, value: &[u8]) -> Result<(), String> {
        match table {
            b't' => Stored::restore(self, id, value),
            other => Err(format!("no table tagged {other} in this read model")),
        }
    }
}

/// Implements [`Rows`] for a slice struct from its stored fields and their
/// tags: `slice_rows!(DirectorySlice { people: b'p', matches: b'm' });`.
#[macro_export]
macro_rules! slice_rows {
    ($slice:ty { $($field:ident : $tag:literal),+ $(,)? }) => {
        impl $crate::rows::Rows for $slice {
            fn take_changes(
                &mut self,
                out: &mut Vec<$crate::rows::Change>,
            ) -> Result<(), String> {
                $( $crate::rows::Stored::take_changes(&mut self.$field, $tag, out)?; )+
                Ok(())
            }

            fn restore(&mut self, table: u8, id: &str, value: &[u8]) -> Result<(), String> {
                match table {
                    $( $tag => $crate::rows::Stored::restore(&mut self.$field, id, value), )+
                    other => Err(format!("no table tagged {other} in this read model")),
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Default, PartialEq)]
    struct Sample {
        head: Head<u32>,
        people: Table<String>,
    }

    slice_rows!(Sample {
        head: b'H',
        people: b'p'
    });

    fn changes(sample: &mut Sample) -> Vec<Change> {
        let mut out = Vec::new();
        sample.take_changes(&mut out).unwrap();
        out
    }

    #[test]
    fn only_the_rows_written_since_the_last_call_are_handed_over() {
        let mut sample = Sample::default();
        for n in 0..1_000 {
            sample.people.insert(format!("p{n}"), format!("v{n}"));
        }
        assert_eq!(changes(&mut sample).len(), 1_000);
        *sample.head += 1;
        if let Some(row) = sample.people.get_mut("p7") {
            row.push('!');
        }
        sample.people.remove("p8");
        let _ = sample.people.get("p9");
        let _ = sample.people.get_mut("nobody");
        assert_eq!(
            changes(&mut sample),
            vec![
                Change {
                    table: b'H',
                    id: String::new(),
                    value: Some(encode(&1_u32).unwrap()),
                    lasting: true,
                },
                Change {
                    table: b'p',
                    id: "p7".into(),
                    value: Some(encode(&"v7!").unwrap()),
                    lasting: false,
                },
                Change {
                    table: b'p',
                    id: "p8".into(),
                    value: None,
                    lasting: false,
                },
            ]
        );
        assert!(changes(&mut sample).is_empty());
    }

    #[test]
    fn restored_rows_are_not_changes() {
        let mut sample = Sample::default();
        sample.restore(b'H', "", &encode(&5_u32).unwrap()).unwrap();
        sample.restore(b'p', "a", &encode(&"x").unwrap()).unwrap();
        assert!(changes(&mut sample).is_empty());
        assert_eq!(*sample.head, 5);
        assert_eq!(sample.people.get("a").map(String::as_str), Some("x"));
        assert!(sample.restore(b'z', "a", b"1").is_err());
        assert!(sample.restore(b'p', "a", &[0xff, 0xff]).is_err());
    }
}
