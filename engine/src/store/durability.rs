//! Making sled's writes survive a power loss.
//!
//! sled 0.34's `flush()` writes its log with `pwrite` and `sync_file_range`,
//! which survives a killed process but neither flushes the drive's write
//! cache nor the file's metadata. After every flush the log therefore calls
//! `fdatasync` on sled's data file and `fsync` on every file and directory
//! that appeared since the previous sync (blobs, snapshots of sled's page
//! table). On Linux `fsync`/`fdatasync` act on the inode, so a descriptor of
//! our own flushes what sled wrote through its descriptors.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};

use super::error::StoreError;

/// Syncs the files of one sled database.
pub(crate) struct Durability {
    dir: PathBuf,
    data: File,
    known: HashSet<PathBuf>,
}

impl Durability {
    /// Opens sled's files under `dir` and syncs them all once.
    pub(crate) fn open(dir: &Path) -> Result<Self, StoreError> {
        let data = File::open(dir.join("db"))?;
        let mut durability = Self {
            dir: dir.to_path_buf(),
            data,
            known: HashSet::new(),
        };
        durability.sync()?;
        Ok(durability)
    }

    /// Flushes `db` and makes everything it wrote durable.
    pub(crate) fn commit(&mut self, db: &sled::Db) -> Result<(), StoreError> {
        db.flush()?;
        self.sync()
    }

    fn sync(&mut self) -> Result<(), StoreError> {
        self.data.sync_data()?;
        let blobs = self.dir.join("blobs");
        let mut new_entry = false;
        for dir in [&self.dir, &blobs] {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            for entry in entries {
                let path = entry?.path();
                if path.is_file() && !self.known.contains(&path) {
                    File::open(&path)?.sync_all()?;
                    self.known.insert(path);
                    new_entry = true;
                }
            }
        }
        if new_entry {
            for dir in [&self.dir, &blobs] {
                if dir.is_dir() {
                    File::open(dir)?.sync_all()?;
                }
            }
        }
        Ok(())
    }
}
