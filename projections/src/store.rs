//! Where read models live: a sled database of their own, apart from the log.
//!
//! ```text
//! tree `meta`                      active/<name> → u64 generation
//! tree `<name>#<generation>`       c             → u64 checkpoint (last position applied)
//!                                  k             → u64 history interval K
//!                                  f             → the row format (`rows/4`: postcard rows,
//!                                                  retention standings, group digests; older
//!                                                  trees are rebuilt)
//!                                  s ‖ programme ‖ 0x00 ‖ table ‖ id → row (current state)
//!                                  h ‖ programme ‖ 0x00 ‖ table ‖ id ‖ 0x00 ‖ u64 version
//!                                                → row as of that version (empty: removed)
//!                                  r ‖ relationship → programme
//! tree `audit#<generation>`        c, f          as above (format `positions/1`)
//!                                  a ‖ actor ‖ 0x00 ‖ u64 first → positions (LEB128 deltas)
//!                                  t ‖ subject ‖ 0x00 ‖ u64 first → positions (LEB128 deltas)
//! ```
//!
//! A row is one entry of a slice's table (see [`crate::rows`]): a person, a
//! match, a relationship, or a programme's head row (table tag, empty id).
//! Integers are big-endian so that byte order is numeric order. Identifiers
//! never contain 0x00, so `h ‖ X ‖ 0x00` is a prefix of programme `X`'s
//! history only, and within it each row's versions are contiguous and in
//! ascending order.

use std::path::Path;

use crate::error::{ProjectionError, Result};

/// The checkpoint key: the last position whose updates the tree holds.
pub const CHECKPOINT: &[u8] = b"c";
/// The history interval key.
pub const INTERVAL: &[u8] = b"k";
/// The row-format key: a tree without it holds a format from before rows
/// and is rebuilt.
pub const FORMAT: &[u8] = b"f";
/// The row format this release writes.
pub const ROW_FORMAT: &[u8] = b"rows/4";

/// The read-model database.
#[derive(Clone, Debug)]
pub struct ReadStore {
    db: sled::Db,
    meta: sled::Tree,
}

/// How long [`ReadStore::open`] waits for a lock that a closing handle of
/// this process is still releasing.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Whether `error` is sled's refusal to lock a database held elsewhere.
fn is_lock_held(error: &sled::Error) -> bool {
    matches!(error, sled::Error::Io(io) if io.to_string().contains("could not acquire lock"))
}

impl ReadStore {
    /// Opens (or creates) the read-model database at `path`.
    ///
    /// sled releases its file lock from background I/O threads a moment
    /// after the last handle of a closed store is dropped, so an open that
    /// follows a close in the same process waits for it, up to
    /// [`LOCK_WAIT`]; a store held by another process is still refused.
    pub fn open(path: &Path) -> Result<Self> {
        let config = sled::Config::new()
            .path(path)
            .cache_capacity(256 * 1024 * 1024);
        let started = std::time::Instant::now();
        loop {
            match config.open() {
                Ok(db) => return Self::from_db(db),
                Err(error) if is_lock_held(&error) && started.elapsed() < LOCK_WAIT => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// A temporary database, removed on drop: for tests and benchmarks.
    pub fn temporary() -> Result<Self> {
        Self::from_db(sled::Config::new().temporary(true).open()?)
    }

    fn from_db(db: sled::Db) -> Result<Self> {
        let meta = db.open_tree("meta")?;
        Ok(Self { db, meta })
    }

    /// The furthest position any read model of `names` recorded applying:
    /// the log must reach at least that far, or it was cut after they read
    /// it.
    pub fn reached(&self, names: &[&str]) -> Result<u64> {
        let mut furthest = 0;
        for name in names {
            let generation = self.active_generation(name)?;
            furthest = furthest.max(checkpoint(&self.tree(name, generation)?)?);
        }
        Ok(furthest)
    }

    /// The generation of `name` that answers queries (0 before the first).
    pub fn active_generation(&self, name: &str) -> Result<u64> {
        Ok(self
            .meta
            .get(active_key(name))?
            .map_or(0, |value| be_u64(&value)))
    }

    /// Makes `generation` of `name` the one that answers queries.
    pub fn activate(&self, name: &str, generation: u64) -> Result<()> {
        self.meta
            .insert(active_key(name), &generation.to_be_bytes())?;
        Ok(())
    }

    /// The tree of generation `generation` of `name`.
    pub fn tree(&self, name: &str, generation: u64) -> Result<sled::Tree> {
        Ok(self.db.open_tree(format!("{name}#{generation}"))?)
    }

    /// Drops the tree of generation `generation` of `name`.
    pub fn drop_tree(&self, name: &str, generation: u64) -> Result<()> {
        self.db.drop_tree(format!("{name}#{generation}"))?;
        Ok(())
    }

    /// Whether any row of any tree contains `needle`: how tests prove that
    /// no confidential or personal text reaches a read model.
    pub fn holds_text(&self, needle: &str) -> Result<bool> {
        let needle = needle.as_bytes();
        for name in self.db.tree_names() {
            for row in self.db.open_tree(name)?.iter() {
                let (key, value) = row?;
                if key.windows(needle.len()).any(|w| w == needle)
                    || value.windows(needle.len()).any(|w| w == needle)
                {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// Writes everything to disk.
    pub fn flush(&self) -> Result<()> {
        self.db.flush()?;
        Ok(())
    }
}

fn active_key(name: &str) -> Vec<u8> {
    format!("active/{name}").into_bytes()
}

/// Makes sure `tree` holds `format`: a tree of another format (or of
/// none, from before formats were recorded) is cleared, so that its runner
/// rebuilds it from position 0.
pub fn ensure_format(tree: &sled::Tree, format: &[u8], name: &str) -> Result<()> {
    if tree.get(FORMAT)?.as_deref() == Some(format) {
        return Ok(());
    }
    if !tree.is_empty() {
        tracing::warn!(
            projection = name,
            "the read model is stored in another format; rebuilding it from the log"
        );
        tree.clear()?;
    }
    tree.insert(FORMAT, format)?;
    Ok(())
}

/// The checkpoint stored in `tree` (0 when none).
pub fn checkpoint(tree: &sled::Tree) -> Result<u64> {
    Ok(tree.get(CHECKPOINT)?.map_or(0, |value| be_u64(&value)))
}

/// A big-endian u64 from the first eight bytes (0 when shorter).
pub fn be_u64(bytes: &[u8]) -> u64 {
    bytes
        .get(..8)
        .and_then(|slice| <[u8; 8]>::try_from(slice).ok())
        .map_or(0, u64::from_be_bytes)
}

/// `tag ‖ id`.
pub fn key(tag: u8, id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + id.len());
    key.push(tag);
    key.extend_from_slice(id.as_bytes());
    key
}

/// `tag ‖ id ‖ 0x00 ‖ u64 position`.
pub fn versioned_key(tag: u8, id: &str, position: u64) -> Vec<u8> {
    let mut key = versioned_prefix(tag, id);
    key.extend_from_slice(&position.to_be_bytes());
    key
}

/// `tag ‖ id ‖ 0x00`.
pub fn versioned_prefix(tag: u8, id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(id.len() + 10);
    key.push(tag);
    key.extend_from_slice(id.as_bytes());
    key.push(0);
    key
}

/// `tag ‖ programme ‖ 0x00 ‖ table ‖ id`: the key of a current row.
pub fn row_key(tag: u8, programme: &str, table: u8, id: &str) -> Vec<u8> {
    let mut key = versioned_prefix(tag, programme);
    key.push(table);
    key.extend_from_slice(id.as_bytes());
    key
}

/// `h ‖ programme ‖ 0x00 ‖ table ‖ id ‖ 0x00 ‖ u64 version`: one version of
/// a row in the history.
pub fn history_key(programme: &str, table: u8, id: &str, version: u64) -> Vec<u8> {
    let mut key = row_key(b'h', programme, table, id);
    key.push(0);
    key.extend_from_slice(&version.to_be_bytes());
    key
}

/// Splits a current row's key `s ‖ programme ‖ 0x00 ‖ table ‖ id` into its
/// programme, table and id.
pub fn split_row_key(key: &[u8]) -> Result<(&str, u8, &str)> {
    let damaged = |reason: &str| ProjectionError::Damaged {
        key: String::from_utf8_lossy(key).into_owned(),
        reason: reason.to_owned(),
    };
    let body = key.get(1..).unwrap_or_default();
    let zero = body
        .iter()
        .position(|byte| *byte == 0)
        .ok_or_else(|| damaged("a row key without its programme's end"))?;
    let programme = std::str::from_utf8(&body[..zero]).map_err(|e| damaged(&e.to_string()))?;
    let (table, id) = body[zero + 1..]
        .split_first()
        .ok_or_else(|| damaged("a row key without its table"))?;
    let id = std::str::from_utf8(id).map_err(|e| damaged(&e.to_string()))?;
    Ok((programme, *table, id))
}

/// Splits the part of a history key after its programme's prefix,
/// `table ‖ id ‖ 0x00 ‖ u64 version`, into the row (`table ‖ id`) and the
/// version.
pub fn split_history_rest(key: &[u8], rest: &[u8]) -> Result<(Vec<u8>, u64)> {
    let Some(row_len) = rest.len().checked_sub(9).filter(|len| *len >= 1) else {
        return Err(ProjectionError::Damaged {
            key: String::from_utf8_lossy(key).into_owned(),
            reason: "a history key too short for a row and a version".into(),
        });
    };
    Ok((rest[..row_len].to_vec(), be_u64(&rest[row_len + 1..])))
}

/// The text after the tag byte.
pub fn id_of(key: &[u8]) -> Result<&str> {
    std::str::from_utf8(key.get(1..).unwrap_or_default()).map_err(|error| {
        ProjectionError::Damaged {
            key: format!("{key:?}"),
            reason: error.to_string(),
        }
    })
}
