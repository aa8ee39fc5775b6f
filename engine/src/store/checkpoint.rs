//! Signed checkpoints: a record, kept apart from the segments, of how far
//! the log reached and what its chain said there, signed with an Ed25519 key
//! the operator holds. A log that is behind its newest checkpoint was cut;
//! one whose hash at a checkpoint's position differs was rewritten. Neither
//! can be hidden by someone with the disk but without the key, provided a
//! copy of the checkpoints is kept elsewhere (`mentorship checkpoint
//! export`): deleting the local file removes only the local evidence.
//!
//! # The signed message, byte for byte
//!
//! ```text
//! "mentorship.checkpoint.v1" (24 ASCII bytes)
//! ‖ position     u64, big-endian      (the last event covered)
//! ‖ head hash    32 bytes             (hash(position) of the chain)
//! ‖ signed at    i64, big-endian      (milliseconds since the Unix epoch)
//! ```
//!
//! signed with Ed25519 (RFC 8032, pure). One checkpoint a line of
//! `checkpoints/checkpoints.txt`:
//!
//! ```text
//! v1 <position> <head hash, hex> <signed at, ms> <public key, hex> <signature, hex>
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

use super::error::StoreError;

/// The domain separation prefix of the signed message.
pub const DOMAIN: &[u8; 24] = b"mentorship.checkpoint.v1";

/// Where the checkpoints of a data directory live, apart from the log.
pub fn file(data_dir: &Path) -> PathBuf {
    data_dir.join("checkpoints").join("checkpoints.txt")
}

/// How far the log reached, and its chain there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    /// The last event covered.
    pub position: u64,
    /// The chain's hash at `position`.
    pub head_hash: [u8; 32],
    /// When it was signed, in milliseconds since the Unix epoch.
    pub signed_at_millis: i64,
}

impl Checkpoint {
    /// The bytes the signature covers (see the module documentation).
    pub fn message(&self) -> [u8; 72] {
        let mut out = [0; 72];
        out[..24].copy_from_slice(DOMAIN);
        out[24..32].copy_from_slice(&self.position.to_be_bytes());
        out[32..64].copy_from_slice(&self.head_hash);
        out[64..72].copy_from_slice(&self.signed_at_millis.to_be_bytes());
        out
    }

    /// Signs it with `key`.
    pub fn sign(self, key: &SigningKey) -> Signed {
        Signed {
            checkpoint: self,
            public_key: key.verifying_key().to_bytes(),
            signature: key.sign(&self.message()).to_bytes(),
        }
    }
}

/// A checkpoint with its signer's public key and signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signed {
    /// What was signed.
    pub checkpoint: Checkpoint,
    /// The signer's Ed25519 public key.
    pub public_key: [u8; 32],
    /// The Ed25519 signature of [`Checkpoint::message`].
    pub signature: [u8; 64],
}

impl Signed {
    /// Whether the signature is `trusted`'s over the checkpoint.
    pub fn verify(&self, trusted: &[u8; 32]) -> Result<(), String> {
        if &self.public_key != trusted {
            return Err(format!(
                "checkpoint at {} is signed by {}, not the trusted key {}",
                self.checkpoint.position,
                hex::encode(self.public_key),
                hex::encode(trusted)
            ));
        }
        let key = VerifyingKey::from_bytes(trusted).map_err(|error| error.to_string())?;
        key.verify(
            &self.checkpoint.message(),
            &Signature::from_bytes(&self.signature),
        )
        .map_err(|_| {
            format!(
                "the signature of the checkpoint at {} does not verify",
                self.checkpoint.position
            )
        })
    }

    /// Its line in a checkpoints file.
    pub fn line(&self) -> String {
        format!(
            "v1 {} {} {} {} {}",
            self.checkpoint.position,
            hex::encode(self.checkpoint.head_hash),
            self.checkpoint.signed_at_millis,
            hex::encode(self.public_key),
            hex::encode(self.signature)
        )
    }

    /// Reads a line of a checkpoints file.
    pub fn parse(line: &str) -> Result<Self, String> {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [version, position, hash, at, key, signature] = fields.as_slice() else {
            return Err(format!(
                "a checkpoint line has 6 fields, not {}",
                fields.len()
            ));
        };
        if *version != "v1" {
            return Err(format!("unknown checkpoint version {version:?}"));
        }
        let bytes = |text: &str, what: &str, into: &mut [u8]| {
            hex::decode_to_slice(text, into).map_err(|error| format!("{what}: {error}"))
        };
        let mut head_hash = [0; 32];
        let mut public_key = [0; 32];
        let mut signature_bytes = [0; 64];
        bytes(hash, "head hash", &mut head_hash)?;
        bytes(key, "public key", &mut public_key)?;
        bytes(signature, "signature", &mut signature_bytes)?;
        Ok(Self {
            checkpoint: Checkpoint {
                position: position
                    .parse()
                    .map_err(|error| format!("position: {error}"))?,
                head_hash,
                signed_at_millis: at.parse().map_err(|error| format!("signed at: {error}"))?,
            },
            public_key,
            signature: signature_bytes,
        })
    }
}

/// Reads a signing key: 64 hex characters (the 32-byte Ed25519 seed), as
/// `openssl rand -hex 32` writes one.
pub fn read_signing_key(path: &Path) -> Result<SigningKey, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read the signing key {}: {error}", path.display()))?;
    let mut seed = [0; 32];
    hex::decode_to_slice(text.trim(), &mut seed).map_err(|_| {
        format!(
            "the signing key {} must hold 64 hex characters (openssl rand -hex 32)",
            path.display()
        )
    })?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Every checkpoint of the file at `path`, oldest first; none when it does
/// not exist.
pub fn read_all(path: &Path) -> Result<Vec<Signed>, StoreError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error.into()),
    };
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .enumerate()
        .map(|(index, line)| {
            Signed::parse(line).map_err(|detail| {
                StoreError::corrupt(
                    0,
                    format!("{} line {}: {detail}", path.display(), index + 1),
                )
            })
        })
        .collect()
}

/// The last checkpoint of the file at `path`, read from its last few KiB
/// (a line is under 300 bytes); none when the file does not exist or is
/// empty.
pub fn read_newest(path: &Path) -> Result<Option<Signed>, StoreError> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error.into()),
    };
    let len = file.metadata()?.len();
    file.seek(SeekFrom::Start(len.saturating_sub(4096)))?;
    let mut tail = Vec::new();
    file.read_to_end(&mut tail)?;
    let text = String::from_utf8_lossy(&tail);
    let Some(line) = text.lines().rev().find(|line| !line.trim().is_empty()) else {
        return Ok(None);
    };
    Signed::parse(line).map(Some).map_err(|detail| {
        StoreError::corrupt(0, format!("{}, last line: {detail}", path.display()))
    })
}

/// Appends `signed` to the file at `path` and makes it durable.
pub fn append(path: &Path, signed: &Signed) -> Result<(), StoreError> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    if let Some(dir) = path.parent() {
        if !dir.is_dir() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)?;
        }
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    writeln!(file, "{}", signed.line())?;
    file.sync_all()?;
    Ok(())
}

/// How a log stands against a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// The log holds the checkpoint's prefix, unchanged.
    Holds,
    /// The log ends before the checkpoint: `missing` acknowledged events
    /// are gone.
    Truncated {
        /// The checkpoint's position.
        position: u64,
        /// How many events the log lacks.
        missing: u64,
    },
    /// The log's hash at the checkpoint's position differs: rewritten.
    Rewritten {
        /// The checkpoint's position.
        position: u64,
    },
}

/// How a log whose head is `head`, and whose chain hash at the checkpoint's
/// position is `hash_there` (`None` when it has no such position), stands.
pub fn standing(checkpoint: &Checkpoint, head: u64, hash_there: Option<[u8; 32]>) -> Standing {
    if head < checkpoint.position {
        return Standing::Truncated {
            position: checkpoint.position,
            missing: checkpoint.position - head,
        };
    }
    if checkpoint.position > 0 && hash_there != Some(checkpoint.head_hash) {
        return Standing::Rewritten {
            position: checkpoint.position,
        };
    }
    Standing::Holds
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7; 32])
    }

    #[test]
    fn a_signed_checkpoint_round_trips_and_verifies_only_with_its_key() {
        let signed = Checkpoint {
            position: 42,
            head_hash: [9; 32],
            signed_at_millis: 1_700_000_000_000,
        }
        .sign(&key());
        let parsed = Signed::parse(&signed.line()).unwrap();
        assert_eq!(parsed, signed);
        parsed.verify(&key().verifying_key().to_bytes()).unwrap();
        assert!(parsed
            .verify(&SigningKey::from_bytes(&[8; 32]).verifying_key().to_bytes())
            .is_err());
        let mut forged = parsed;
        forged.checkpoint.position = 43;
        assert!(forged.verify(&forged.public_key).is_err());
    }

    #[test]
    fn the_message_is_laid_out_as_documented() {
        let message = Checkpoint {
            position: 1,
            head_hash: [0xab; 32],
            signed_at_millis: 2,
        }
        .message();
        assert_eq!(&message[..24], b"mentorship.checkpoint.v1");
        assert_eq!(message[31], 1);
        assert_eq!(message[32], 0xab);
        assert_eq!(message[71], 2);
    }

    #[test]
    fn a_log_behind_or_unlike_its_checkpoint_is_named() {
        let checkpoint = Checkpoint {
            position: 10,
            head_hash: [1; 32],
            signed_at_millis: 0,
        };
        assert_eq!(
            standing(&checkpoint, 7, None),
            Standing::Truncated {
                position: 10,
                missing: 3
            }
        );
        assert_eq!(
            standing(&checkpoint, 12, Some([2; 32])),
            Standing::Rewritten { position: 10 }
        );
        assert_eq!(standing(&checkpoint, 12, Some([1; 32])), Standing::Holds);
    }
}
