//! The framing of the segment files: how records are laid out, found and
//! checked.
//!
//! A segment file is a run of records, each
//!
//! ```text
//! u32 length ‖ u8 kind ‖ body[length] ‖ u32 CRC32C(length ‖ kind ‖ body)
//! ```
//!
//! (integers big-endian). Event segments hold `EVENT` records (body: `hash[32]
//! ‖ canonical bytes`, exactly what the chain covers) and, after the events of
//! each group commit, one `COMMIT` record (body: `u64 last position ‖
//! hash[32]`). Content segments hold `CONTENT` records (body: `u64 position
//! of the event ‖ digest[32] ‖ sealed content`). A file is named by the first
//! position it holds, zero-padded to 20 digits, so that names sort in
//! position order.
//!
//! The CRC tells a torn or damaged record from a whole one; it is no defence
//! against a deliberate edit, which the hash chain catches.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::error::StoreError;

/// An event: `hash[32] ‖ canonical bytes`.
pub(crate) const EVENT: u8 = 1;
/// The end of a group commit: `u64 last position ‖ hash[32]`.
pub(crate) const COMMIT: u8 = 2;
/// A sealed value: `u64 position ‖ digest[32] ‖ content`.
pub(crate) const CONTENT: u8 = 3;

/// The bytes a record adds to its body: length, kind and CRC.
pub(crate) const OVERHEAD: usize = 9;

/// No record body is longer; a longer length field is damage, not data.
const MAX_BODY: usize = 1 << 30;

/// The body length of a commit record.
const COMMIT_BODY: usize = 40;

/// Appends one record of `kind` with the concatenation of `parts` as body.
pub(crate) fn put(out: &mut Vec<u8>, kind: u8, parts: &[&[u8]]) -> Result<(), StoreError> {
    let len: usize = parts.iter().map(|part| part.len()).sum();
    if len > MAX_BODY {
        return Err(StoreError::invalid(format!(
            "a record of {len} bytes is longer than the {MAX_BODY} a segment admits"
        )));
    }
    let start = out.len();
    out.reserve(len + OVERHEAD);
    out.extend_from_slice(&(len as u32).to_be_bytes());
    out.push(kind);
    for part in parts {
        out.extend_from_slice(part);
    }
    let crc = crc32c::crc32c(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
    Ok(())
}

/// What lies at an offset of a segment.
#[derive(Debug)]
pub(crate) enum Frame<'a> {
    /// A whole record; the next one starts at `next`.
    Record {
        kind: u8,
        body: &'a [u8],
        next: usize,
    },
    /// The end of the bytes, exactly between two records.
    End,
    /// Bytes that are not a whole record: torn or damaged.
    Bad(String),
}

/// The record at `at` in `bytes`.
pub(crate) fn frame(bytes: &[u8], at: usize) -> Frame<'_> {
    let Some(rest) = bytes.get(at..) else {
        return Frame::Bad(format!("offset {at} is past the end"));
    };
    if rest.is_empty() {
        return Frame::End;
    }
    let Some((header, after)) = rest.split_first_chunk::<5>() else {
        return Frame::Bad(format!(
            "{} bytes at offset {at}: a torn header",
            rest.len()
        ));
    };
    let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
    let kind = header[4];
    if len > MAX_BODY {
        return Frame::Bad(format!("length {len} at offset {at} is not plausible"));
    }
    let (Some(body), Some(crc)) = (after.get(..len), after.get(len..len + 4)) else {
        return Frame::Bad(format!(
            "record at offset {at} of {len} bytes runs past the end"
        ));
    };
    let stored = u32::from_be_bytes([crc[0], crc[1], crc[2], crc[3]]);
    let computed = crc32c::crc32c_append(crc32c::crc32c(header), body);
    if stored != computed {
        return Frame::Bad(format!("record at offset {at} fails its CRC"));
    }
    if !matches!(kind, EVENT | COMMIT | CONTENT) {
        return Frame::Bad(format!("record at offset {at} has unknown kind {kind}"));
    }
    Frame::Record {
        kind,
        body,
        next: at + OVERHEAD + len,
    }
}

/// The body of a commit record.
pub(crate) fn commit_body(last: u64, hash: &[u8; 32]) -> [u8; COMMIT_BODY] {
    let mut body = [0; COMMIT_BODY];
    body[..8].copy_from_slice(&last.to_be_bytes());
    body[8..].copy_from_slice(hash);
    body
}

/// Decodes a commit record's body.
pub(crate) fn read_commit(body: &[u8]) -> Option<(u64, [u8; 32])> {
    let (last, hash) = body.split_first_chunk::<8>()?;
    Some((u64::from_be_bytes(*last), hash.try_into().ok()?))
}

/// The last position named by a whole commit record anywhere at or after
/// `from`: used to tell a torn tail (nothing committed after the damage) from
/// damage to committed records.
pub(crate) fn commit_after(bytes: &[u8], from: usize) -> Option<u64> {
    let mut found = None;
    let header = {
        let mut h = [0; 5];
        h[..4].copy_from_slice(&(COMMIT_BODY as u32).to_be_bytes());
        h[4] = COMMIT;
        h
    };
    let mut at = from;
    while let Some(window) = bytes.get(at..) {
        let Some(offset) = window.windows(5).position(|w| w == header) else {
            break;
        };
        let start = at + offset;
        if let Frame::Record {
            kind: COMMIT, body, ..
        } = frame(bytes, start)
        {
            found = read_commit(body).map(|(last, _)| last).or(found);
        }
        at = start + 1;
    }
    found
}

/// The offset of the first whole record of `kind` after `from`: where reading
/// resumes past a damaged record. A CRC over the header and body makes a
/// false match vanishingly unlikely.
pub(crate) fn next_record(bytes: &[u8], from: usize, kind: u8) -> Option<usize> {
    let mut at = from + 1;
    while at + OVERHEAD <= bytes.len() {
        let plausible = bytes.get(at + 4) == Some(&kind)
            && bytes
                .get(at..at + 4)
                .and_then(|len| len.try_into().ok())
                .map(|len: [u8; 4]| u32::from_be_bytes(len) as usize)
                .is_some_and(|len| len <= MAX_BODY && at + OVERHEAD + len <= bytes.len());
        if plausible
            && matches!(frame(bytes, at), Frame::Record { kind: found, .. } if found == kind)
        {
            return Some(at);
        }
        at += 1;
    }
    None
}

/// The file name of a segment whose first position is `first`.
pub(crate) fn name(first: u64) -> String {
    format!("{first:020}.log")
}

/// The segments in `dir`, in position order. Leftover temporary files of an
/// interrupted rewrite are removed: the original they were meant to replace
/// is still in place.
pub(crate) fn list(dir: &Path, remove_leftovers: bool) -> Result<Vec<(u64, PathBuf)>, StoreError> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if file_name.ends_with(".tmp") {
            if remove_leftovers {
                std::fs::remove_file(&path)?;
            }
            continue;
        }
        let Some(first) = file_name
            .strip_suffix(".log")
            .filter(|digits| digits.len() == 20)
            .and_then(|digits| digits.parse::<u64>().ok())
        else {
            continue;
        };
        found.push((first, path));
    }
    found.sort_unstable_by_key(|(first, _)| *first);
    Ok(found)
}

/// Makes the entries of directory `dir` (new, renamed or removed files)
/// durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)?.sync_all()?;
    Ok(())
}

/// Options that create a file readable and writable by its owner only:
/// the log holds personal and confidential values.
pub(crate) fn private_file() -> std::fs::OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.mode(0o600);
    options
}

/// Creates directory `path` (and its missing parents) for its owner only.
pub(crate) fn private_dir(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
}

/// Creates the segment file `dir/name(first)`, empty, and makes its entry
/// durable. Fails if it exists.
pub(crate) fn create(dir: &Path, first: u64) -> Result<(File, PathBuf), StoreError> {
    let path = dir.join(name(first));
    let file = private_file()
        .create_new(true)
        .append(true)
        .read(true)
        .open(&path)?;
    sync_dir(dir)?;
    Ok((file, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_damage_is_named() {
        let mut bytes = Vec::new();
        put(&mut bytes, EVENT, &[b"abc", b"def"]).unwrap();
        put(&mut bytes, COMMIT, &[&commit_body(7, &[9; 32])]).unwrap();
        let Frame::Record { kind, body, next } = frame(&bytes, 0) else {
            panic!("not a record")
        };
        assert_eq!((kind, body), (EVENT, &b"abcdef"[..]));
        let Frame::Record { kind, body, next } = frame(&bytes, next) else {
            panic!("not a record")
        };
        assert_eq!(kind, COMMIT);
        assert_eq!(read_commit(body), Some((7, [9; 32])));
        assert!(matches!(frame(&bytes, next), Frame::End));
        assert_eq!(commit_after(&bytes, 0), Some(7));
        assert!(matches!(frame(&bytes[..next - 1], 15), Frame::Bad(_)));
        let mut flipped = bytes.clone();
        flipped[6] ^= 1;
        assert!(matches!(frame(&flipped, 0), Frame::Bad(_)));
        assert!(matches!(frame(&[0, 0, 0], 0), Frame::Bad(_)));
        assert!(matches!(frame(&[0xff; 16], 0), Frame::Bad(_)));
    }

    #[test]
    fn names_sort_in_position_order() {
        assert_eq!(name(1), "00000000000000000001.log");
        assert!(name(9) < name(10));
    }
}
