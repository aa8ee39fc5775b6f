//! API keys for integrating services.
//!
//! A key reads `mk_<id>_<secret>`: the id names the key in the store and in
//! `keys revoke`; the secret is 32 bytes from the operating system's CSPRNG.
//! The store (`<data dir>/keys.json`) keeps only SHA-256 of the secret, so a
//! copy of the data directory grants nothing; the key is printed once, when
//! it is created. The file is replaced atomically (temporary file, fsync,
//! rename, fsync of the directory), so a crash leaves the old store or the
//! new one, never half of either.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use mentorship_engine::domain::ids::ActorId;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::principal::{Kind, Principal, Role, Scope};

/// The prefix every API key starts with, so that a key is recognisable in a
/// leaked log and told apart from a JWT.
pub const PREFIX: &str = "mk_";

/// Why the key store could not be read or changed.
#[derive(Debug, thiserror::Error)]
pub enum KeyStoreError {
    /// The file could not be read or written: fix the path or permissions.
    #[error("key store {path}: {source}")]
    Io {
        /// Which file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a key store: restore it from a backup.
    #[error("key store {path} is not valid: {detail}")]
    Invalid {
        /// Which file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// No randomness was available for a new key.
    #[error("no randomness for a new key: {0}")]
    Random(String),
    /// No key has this id: list the store or check the id.
    #[error("no key with id {0}")]
    UnknownKey(String),
}

/// One key as stored: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredKey {
    /// The public part of the key.
    pub id: String,
    /// A label for operators.
    #[serde(default)]
    pub name: Option<String>,
    /// The role the key acts in.
    pub role: Role,
    /// The programmes it may act on; `*` is every programme, empty is none.
    #[serde(default)]
    pub programmes: BTreeSet<String>,
    /// Hex SHA-256 of the secret.
    pub secret_sha256: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was revoked; a revoked key authenticates nobody.
    #[serde(default)]
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The prefix of every API key's actor; no other credential may name an
/// actor with it.
pub const SUBJECT_PREFIX: &str = "service:";

impl StoredKey {
    /// The actor recorded on the events the key's requests cause.
    pub fn subject(&self) -> String {
        format!("{SUBJECT_PREFIX}{}", self.id)
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    keys: Vec<StoredKey>,
}

/// The API keys of one data directory.
#[derive(Debug)]
pub struct KeyStore {
    path: PathBuf,
    keys: Vec<StoredKey>,
}

/// Where the key store of `data_dir` lives.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("keys.json")
}

impl KeyStore {
    /// The store of `data_dir`; empty when the file does not exist yet.
    pub fn open(data_dir: &Path) -> Result<Self, KeyStoreError> {
        let path = path(data_dir);
        let keys = match std::fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice::<File>(&bytes)
                    .map_err(|error| KeyStoreError::Invalid {
                        path: path.clone(),
                        detail: error.to_string(),
                    })?
                    .keys
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => return Err(KeyStoreError::Io { path, source }),
        };
        Ok(Self { path, keys })
    }

    /// Every key, revoked ones included.
    pub fn keys(&self) -> &[StoredKey] {
        &self.keys
    }

    /// Whether any key can still authenticate.
    pub fn has_active(&self) -> bool {
        self.keys.iter().any(|key| key.revoked_at.is_none())
    }

    /// Creates a key acting as `role` on `programmes` (`*`: every
    /// programme; empty: none), saves the store, and returns the stored key and the full key
    /// text, which is not kept anywhere.
    pub fn create(
        &mut self,
        role: Role,
        programmes: BTreeSet<String>,
        name: Option<String>,
    ) -> Result<(StoredKey, String), KeyStoreError> {
        let id = hex::encode(random::<8>()?);
        let secret = hex::encode(random::<32>()?);
        let stored = StoredKey {
            id: id.clone(),
            name,
            role,
            programmes,
            secret_sha256: hex::encode(Sha256::digest(secret.as_bytes())),
            created_at: Utc::now(),
            revoked_at: None,
        };
        self.keys.push(stored.clone());
        self.save()?;
        Ok((stored, format!("{PREFIX}{id}_{secret}")))
    }

    /// Revokes key `id` and saves the store; revoking twice keeps the first
    /// time.
    pub fn revoke(&mut self, id: &str) -> Result<StoredKey, KeyStoreError> {
        let key = self
            .keys
            .iter_mut()
            .find(|key| key.id == id)
            .ok_or_else(|| KeyStoreError::UnknownKey(id.to_owned()))?;
        key.revoked_at.get_or_insert_with(Utc::now);
        let revoked = key.clone();
        self.save()?;
        Ok(revoked)
    }

    /// The principal of `token`, when it is a live key of this store.
    pub fn authenticate(&self, token: &str) -> Option<Principal> {
        let (id, secret) = token.strip_prefix(PREFIX)?.split_once('_')?;
        let key = self
            .keys
            .iter()
            .find(|key| key.id == id && key.revoked_at.is_none())?;
        let offered = hex::encode(Sha256::digest(secret.as_bytes()));
        if !constant_time_eq(offered.as_bytes(), key.secret_sha256.as_bytes()) {
            return None;
        }
        Some(Principal {
            subject: ActorId::parse("subject", key.subject()).ok()?,
            kind: Kind::Service,
            roles: BTreeSet::from([key.role]),
            scope: Scope::of(key.programmes.iter().cloned()),
        })
    }

    fn save(&self) -> Result<(), KeyStoreError> {
        let io = |source| KeyStoreError::Io {
            path: self.path.clone(),
            source,
        };
        let bytes = serde_json::to_vec_pretty(&File {
            keys: self.keys.clone(),
        })
        .map_err(|error| KeyStoreError::Invalid {
            path: self.path.clone(),
            detail: error.to_string(),
        })?;
        let temporary = self.path.with_extension("json.tmp");
        {
            let mut file = {
                use std::os::unix::fs::OpenOptionsExt;
                std::fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .mode(0o600)
                    .open(&temporary)
                    .map_err(io)?
            };
            file.write_all(&bytes).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        std::fs::rename(&temporary, &self.path).map_err(io)?;
        if let Some(directory) = self.path.parent() {
            std::fs::File::open(directory)
                .and_then(|directory| directory.sync_all())
                .map_err(io)?;
        }
        Ok(())
    }
}

fn random<const N: usize>() -> Result<[u8; N], KeyStoreError> {
    let mut bytes = [0; N];
    getrandom::getrandom(&mut bytes).map_err(|error| KeyStoreError::Random(error.to_string()))?;
    Ok(bytes)
}

/// Compares two byte strings in time that depends only on their lengths, so
/// that timing does not reveal how much of a guessed secret was right.
fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    left.len() == right.len()
        && left
            .iter()
            .zip(right)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_key_authenticates_until_revoked_and_survives_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = KeyStore::open(dir.path()).unwrap();
        assert!(!store.has_active());
        let (stored, key) = store
            .create(Role::Service, BTreeSet::from(["p1".to_owned()]), None)
            .unwrap();
        assert!(key.starts_with(PREFIX));
        let principal = store.authenticate(&key).unwrap();
        assert_eq!(principal.subject.as_str(), stored.subject());
        assert!(principal.has(Role::Service));
        assert!(principal.scope.covers("p1") && !principal.scope.covers("p2"));

        let text = std::fs::read_to_string(path(dir.path())).unwrap();
        let secret = key.rsplit('_').next().unwrap();
        assert!(!text.contains(secret), "the secret is stored in the clear");

        let mut reopened = KeyStore::open(dir.path()).unwrap();
        assert!(reopened.authenticate(&key).is_some());
        reopened.revoke(&stored.id).unwrap();
        assert!(reopened.authenticate(&key).is_none());
        assert!(KeyStore::open(dir.path())
            .unwrap()
            .authenticate(&key)
            .is_none());
    }

    #[test]
    fn a_wrong_secret_or_malformed_key_authenticates_nobody() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = KeyStore::open(dir.path()).unwrap();
        let (stored, _) = store.create(Role::Auditor, BTreeSet::new(), None).unwrap();
        assert!(store
            .authenticate(&format!("{PREFIX}{}_{}", stored.id, "0".repeat(64)))
            .is_none());
        assert!(store.authenticate("mk_").is_none());
        assert!(store.authenticate("not a key").is_none());
        assert!(matches!(
            store.revoke("nope"),
            Err(KeyStoreError::UnknownKey(_))
        ));
    }
}
