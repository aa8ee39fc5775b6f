//! Index checkpoints: the in-memory indexes of the segment log saved to one
//! file, so that an open reads only what was appended after them.
//!
//! Rebuilding the indexes (stream → positions, command id → outcome,
//! position → offset) by scanning every event segment costs time linear in
//! the log. An index checkpoint is a copy of them at one head, written by the
//! writer thread at a clean close and after a segment rolls (once an eighth
//! of the head has been appended since the last one, so that the cost of
//! writing them stays proportional to what is appended). An open loads the
//! newest one, checks it against the segments, and scans only the events
//! after its head with the ordinary recovery.
//!
//! # What is trusted, and why
//!
//! A checkpoint is derived data, like a snapshot: nothing is lost without
//! it, and an open never fails because of it. It is used only when all of
//! these hold, and otherwise the open scans every segment as if there were
//! none, with a warning that says why:
//!
//! - the file is whole: known magic and format version, its CRC32C matches,
//!   nothing after it;
//! - the segments it names are the first segments on disk, with no position
//!   missing between them; each earlier one is exactly as long as it was,
//!   and ends with the commit record of the last position and hash it
//!   recorded (sealed segments are never written again, so any other length
//!   or ending means the files changed behind the log's back);
//! - the last segment it names is at least as long as it was, and its
//!   recorded prefix re-reads whole: every record passes its CRC, every
//!   event's hash is SHA-256 of the previous hash and its canonical bytes,
//!   its events start at the recorded offsets, and it ends with the commit
//!   record of the checkpoint's head position and head hash. By the chain,
//!   that prefix holds exactly the bytes the indexes were built from.
//!
//! That is one small read per earlier segment and one read and hash of the
//! last named segment (at most one segment size, 64 MiB by default), instead
//! of every segment. The price: damage inside an earlier segment of the
//! checkpointed prefix (a flipped bit on the disk) is no longer found at
//! open; it is still found by the read that meets it (each record's CRC) and
//! by `verify`, which reads and checks every record and does not use the
//! checkpoint. A log found damaged is never checkpointed, so a damaged open
//! always scans everything.
//!
//! Sealed values are not in a checkpoint: they are reloaded from the content
//! segments on every open. A checkpoint thus holds no confidential or
//! personal value, and erasure (which rewrites content segments) leaves
//! nothing in it to go stale or to be erased.
//!
//! # Layout
//!
//! `<dir>/index.ckpt`, written as `<dir>/index.ckpt.tmp` (mode 0600), synced,
//! renamed over the old one, and the directory synced:
//!
//! ```text
//! "MENTIDX\0" ‖ u32 version (1) ‖ u32 flags (0)
//! ‖ u64 head ‖ head hash[32]
//! ‖ u64 segments, each:  u64 first position ‖ u64 committed length
//!                        ‖ u64 events n ‖ hash of its last event[32]
//!                        ‖ n × u64 offset of each event's record
//! ‖ u64 streams, each:   u32 length ‖ stream type ‖ u32 length ‖ stream id
//!                        ‖ u64 events n ‖ n × u64 position
//! ‖ u64 commands n ‖ u64 bytes b ‖ every command id end to end[b]
//!                        ‖ n × (u64 end of its id ‖ u64 first position
//!                               ‖ u64 last position ‖ u64 revision)
//! ‖ u32 CRC32C of every byte before it
//! ```
//!
//! Integers are little-endian, so that the runs of offsets, positions and
//! command entries load as plain runs of `u64`; the commands are laid out
//! as [`super::commands`] holds them in memory. Every count and length is checked against
//! the bytes left in the file before anything is allocated for it, so a
//! garbled file costs at most its own size in memory. The CRC guards
//! against accidents, not against a forger; a forged checkpoint can make an
//! index lie, which `read_stream` notices for the events it returns (each
//! must be of the stream and revision asked for) and `verify` does not
//! depend on.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::canonical::{self, GENESIS};
use super::commands::{Commands, STRIDE};
use super::error::StoreError;
use super::model::StreamRef;
use super::segment::{self, Frame, COMMIT, EVENT, OVERHEAD};
use super::segment_log::{Segment, State};

/// The file name of the newest checkpoint, in the log's directory.
pub(crate) const FILE: &str = "index.ckpt";

/// Where a checkpoint is written before it is renamed into place.
pub(crate) const TMP: &str = "index.ckpt.tmp";

const MAGIC: &[u8; 8] = b"MENTIDX\0";

/// The format version this build writes and reads.
pub(crate) const VERSION: u32 = 1;

/// A checkpoint is due when a segment rolls and at least `head / FRACTION`
/// events came since the last one: the cost of writing one grows with the
/// log, so they grow rarer as it grows, and an open after a crash scans at
/// most about that share of the log.
pub(crate) const FRACTION: u64 = 8;

/// Reads and writes go through buffers of this size: a checkpoint of
/// millions of events is never held in memory whole.
const CHUNK: usize = 1 << 20;

/// The bytes of a commit record.
const COMMIT_RECORD: usize = OVERHEAD + 40;

/// A checkpoint loaded and found to agree with the segments.
pub(crate) struct Loaded {
    /// The indexes at the checkpoint's head. `segments` holds every segment
    /// the checkpoint names but the last, which is in `resume`.
    pub(crate) state: State,
    /// Where the scan of what came after the checkpoint begins.
    pub(crate) resume: Resume,
}

/// The last segment a checkpoint names, its recorded prefix checked: what
/// the scan goes on with.
pub(crate) struct Resume {
    /// The offsets of the events of the prefix.
    pub(crate) offsets: Vec<u64>,
    /// The length of the prefix: where the scan goes on.
    pub(crate) len: u64,
    /// The bytes after the prefix.
    pub(crate) rest: Vec<u8>,
}

/// Writes a checkpoint of `state` into `dir`, atomically and durably;
/// returns its size in bytes.
pub(crate) fn write(dir: &Path, state: &State) -> Result<u64, StoreError> {
    let tmp = dir.join(TMP);
    match write_to(&tmp, state) {
        Ok(len) => {
            std::fs::rename(&tmp, dir.join(FILE))?;
            segment::sync_dir(dir)?;
            Ok(len)
        }
        Err(error) => {
            let _ = std::fs::remove_file(&tmp);
            Err(error)
        }
    }
}

fn write_to(path: &Path, state: &State) -> Result<u64, StoreError> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(error.into()),
    }
    let file = segment::private_file()
        .write(true)
        .create_new(true)
        .open(path)?;
    let mut out = Output {
        file: BufWriter::with_capacity(CHUNK, file),
        crc: 0,
        len: 0,
    };
    out.put(MAGIC)?;
    out.put(&VERSION.to_le_bytes())?;
    out.put(&0u32.to_le_bytes())?;
    out.u64(state.head)?;
    out.put(&state.head_hash)?;
    out.u64(state.segments.len() as u64)?;
    for segment in &state.segments {
        out.u64(segment.first)?;
        out.u64(segment.len)?;
        out.u64(segment.offsets.len() as u64)?;
        out.put(&segment.last_hash)?;
        out.u64s(&segment.offsets)?;
    }
    out.u64(state.streams.len() as u64)?;
    for (stream, positions) in &state.streams {
        out.text(&stream.stream_type)?;
        out.text(&stream.stream_id)?;
        out.u64(positions.len() as u64)?;
        out.u64s(positions)?;
    }
    let (ids, entries) = state.commands.parts();
    out.u64(state.commands.len() as u64)?;
    out.u64(ids.len() as u64)?;
    out.put(ids)?;
    out.u64s(entries)?;
    let crc = out.crc;
    out.put(&crc.to_le_bytes())?;
    let len = out.len;
    let file = out
        .file
        .into_inner()
        .map_err(|error| StoreError::from(error.into_error()))?;
    file.sync_all()?;
    Ok(len)
}

/// A buffered file that keeps the CRC32C of what went through it.
struct Output {
    file: BufWriter<File>,
    crc: u32,
    len: u64,
}

impl Output {
    fn put(&mut self, bytes: &[u8]) -> Result<(), StoreError> {
        self.crc = crc32c::crc32c_append(self.crc, bytes);
        self.len += bytes.len() as u64;
        self.file.write_all(bytes)?;
        Ok(())
    }

    fn u64(&mut self, value: u64) -> Result<(), StoreError> {
        self.put(&value.to_le_bytes())
    }

    fn text(&mut self, text: &str) -> Result<(), StoreError> {
        let len = u32::try_from(text.len())
            .map_err(|_| StoreError::invalid("a name longer than 4 GiB in the index"))?;
        self.put(&len.to_le_bytes())?;
        self.put(text.as_bytes())
    }

    /// A run of `u64`, converted a block at a time.
    fn u64s(&mut self, values: &[u64]) -> Result<(), StoreError> {
        let mut block = [0u8; 4096];
        for chunk in values.chunks(block.len() / 8) {
            for (value, slot) in chunk.iter().zip(block.chunks_exact_mut(8)) {
                slot.copy_from_slice(&value.to_le_bytes());
            }
            let used = chunk.len() * 8;
            self.put(block.get(..used).unwrap_or_default())?;
        }
        Ok(())
    }
}

/// A checkpoint file read front to back through one buffer, keeping the
/// CRC32C of every byte read but the last four (the stored CRC).
struct Input {
    file: File,
    buf: Vec<u8>,
    at: usize,
    end: usize,
    /// Bytes of the file not read into `buf` yet.
    unread: u64,
    /// Of those, how many the CRC covers.
    covered: u64,
    crc: u32,
}

impl Input {
    fn available(&self) -> usize {
        self.end - self.at
    }

    /// Bytes not consumed yet.
    fn remaining(&self) -> u64 {
        self.available() as u64 + self.unread
    }

    /// Makes at least `min` bytes available.
    fn fill(&mut self, min: usize) -> Result<(), String> {
        if self.available() >= min {
            return Ok(());
        }
        if min as u64 > self.remaining() {
            return Err("it ends early".into());
        }
        self.buf.copy_within(self.at..self.end, 0);
        self.end -= self.at;
        self.at = 0;
        if self.buf.len() < min {
            self.buf.resize(min, 0);
        }
        let room = (self.buf.len() - self.end) as u64;
        let want = usize::try_from(room.min(self.unread)).unwrap_or(0);
        let slot = self
            .buf
            .get_mut(self.end..self.end + want)
            .ok_or("a read past its buffer")?;
        self.file
            .read_exact(slot)
            .map_err(|error| format!("it cannot be read: {error}"))?;
        let covered = usize::try_from(self.covered.min(want as u64)).unwrap_or(0);
        self.crc = crc32c::crc32c_append(self.crc, slot.get(..covered).unwrap_or_default());
        self.covered -= covered as u64;
        self.end += want;
        self.unread -= want as u64;
        Ok(())
    }

    /// The next `n` bytes.
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        self.fill(n)?;
        let bytes = self
            .buf
            .get(self.at..self.at + n)
            .ok_or("a read past its buffer")?;
        self.at += n;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let bytes = self.take(N)?;
        <[u8; N]>::try_from(bytes).map_err(|_| "a short read".to_owned())
    }

    fn u32(&mut self) -> Result<u32, String> {
        self.array().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Result<u64, String> {
        self.array().map(u64::from_le_bytes)
    }

    /// A count of items of at least `min_bytes` each, refused when the file
    /// cannot hold that many.
    fn count(&mut self, min_bytes: u64, what: &str) -> Result<usize, String> {
        let count = self.u64()?;
        if count.saturating_mul(min_bytes) > self.remaining() {
            return Err(format!("it claims {count} {what}, more than it holds"));
        }
        usize::try_from(count).map_err(|_| format!("{count} {what} do not fit in memory"))
    }

    fn text(&mut self) -> Result<String, String> {
        let len = self.u32()? as usize;
        if len as u64 > self.remaining() {
            return Err(format!("a name of {len} bytes runs past its end"));
        }
        let bytes = self.take(len)?;
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| "a name is not UTF-8".to_owned())
    }

    /// `n` bytes, appended to `out`.
    fn bytes(&mut self, n: usize, out: &mut Vec<u8>) -> Result<(), String> {
        if n as u64 > self.remaining() {
            return Err(format!("a run of {n} bytes runs past its end"));
        }
        out.reserve_exact(n);
        let mut left = n;
        while left > 0 {
            self.fill(1)?;
            let k = self.available().min(left);
            let bytes = self
                .buf
                .get(self.at..self.at + k)
                .ok_or("a read past its buffer")?;
            out.extend_from_slice(bytes);
            self.at += k;
            left -= k;
        }
        Ok(())
    }

    /// `n` values of a run of `u64`, appended to `out`.
    fn u64s(&mut self, n: usize, out: &mut Vec<u64>) -> Result<(), String> {
        if (n as u64).saturating_mul(8) > self.remaining() {
            return Err(format!("a run of {n} numbers runs past its end"));
        }
        out.reserve_exact(n);
        let mut left = n;
        while left > 0 {
            self.fill(8)?;
            let k = (self.available() / 8).min(left);
            let bytes = self
                .buf
                .get(self.at..self.at + k * 8)
                .ok_or("a read past its buffer")?;
            out.extend(
                bytes
                    .chunks_exact(8)
                    .map(|b| u64::from_le_bytes(<[u8; 8]>::try_from(b).unwrap_or_default())),
            );
            self.at += k * 8;
            left -= k;
        }
        Ok(())
    }
}

/// A segment as a checkpoint names it.
struct Named {
    first: u64,
    len: u64,
    offsets: Vec<u64>,
    last_hash: [u8; 32],
}

/// Loads the checkpoint of `dir` and checks it against the event segments
/// `listed` (in position order). `Ok(None)`: there is none. `Err`: why it
/// is not to be trusted.
pub(crate) fn load(dir: &Path, listed: &[(u64, PathBuf)]) -> Result<Option<Loaded>, String> {
    let file = match File::open(dir.join(FILE)) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(format!("it cannot be opened: {error}")),
    };
    let unread = file
        .metadata()
        .map_err(|error| format!("it cannot be read: {error}"))?
        .len();
    let mut input = Input {
        file,
        buf: vec![0; CHUNK],
        at: 0,
        end: 0,
        unread,
        covered: unread.saturating_sub(4),
        crc: 0,
    };
    if input.take(MAGIC.len()).map_err(|_| "it is empty or cut")? != MAGIC {
        return Err("it is not an index checkpoint".into());
    }
    let version = input.u32()?;
    if version != VERSION {
        return Err(format!(
            "its format version {version} is not known (this build reads {VERSION})"
        ));
    }
    let flags = input.u32()?;
    if flags != 0 {
        return Err(format!("it has unknown flags {flags:#x}"));
    }
    let head = input.u64()?;
    let head_hash: [u8; 32] = input.array()?;

    let count = input.count(56, "segments")?;
    let mut named = Vec::with_capacity(count);
    for _ in 0..count {
        let first = input.u64()?;
        let len = input.u64()?;
        let events = input.count(8, "offsets")?;
        let last_hash = input.array()?;
        let mut offsets = Vec::new();
        input.u64s(events, &mut offsets)?;
        named.push(Named {
            first,
            len,
            offsets,
            last_hash,
        });
    }
    check_segments(&named, listed, head, &head_hash)?;

    let count = input.count(16, "streams")?;
    let mut streams = HashMap::with_capacity(count);
    for _ in 0..count {
        let stream_type = input.text()?;
        let stream_id = input.text()?;
        let events = input.count(8, "positions")?;
        let mut positions = Vec::new();
        input.u64s(events, &mut positions)?;
        if positions.last().is_some_and(|last| *last > head) {
            return Err(format!("a stream has a position past its head {head}"));
        }
        streams.insert(StreamRef::new(stream_type, stream_id), positions);
    }
    let count = input.count(STRIDE as u64 * 8, "commands")?;
    let id_bytes = input.count(1, "bytes of command ids")?;
    let mut ids = Vec::new();
    input.bytes(id_bytes, &mut ids)?;
    let mut entries = Vec::new();
    input.u64s(count.saturating_mul(STRIDE), &mut entries)?;
    let commands = Commands::from_parts(ids, entries, head)?;
    if input.remaining() != 4 {
        return Err("it does not end with its checksum where its contents end".into());
    }
    let stored = input.u32()?;
    if stored != input.crc {
        return Err("its checksum does not match".into());
    }

    let Some(resume) = named.pop() else {
        return Err("it names no segment".into());
    };
    let path = listed
        .get(named.len())
        .map(|(_, path)| path)
        .ok_or("its last segment is missing")?;
    let unreadable = |error: std::io::Error| {
        format!(
            "segment {} cannot be read: {error}",
            segment::name(resume.first)
        )
    };
    let mut file = File::open(path).map_err(unreadable)?;
    let previous = named.last().map_or(GENESIS, |s| s.last_hash);
    check_prefix(&file, &resume, previous, head, &head_hash)?;
    let mut rest = Vec::new();
    file.seek(SeekFrom::Start(resume.len))
        .and_then(|_| file.read_to_end(&mut rest))
        .map_err(unreadable)?;
    let mut segments = Vec::with_capacity(named.len());
    for (segment, (_, path)) in named.into_iter().zip(listed) {
        segments.push(open_sealed(segment, path)?);
    }
    Ok(Some(Loaded {
        state: State {
            head,
            head_hash,
            segments,
            streams,
            commands,
            contents: HashMap::new(),
            damaged_streams: HashMap::new(),
        },
        resume: Resume {
            offsets: resume.offsets,
            len: resume.len,
            rest,
        },
    }))
}

/// The cheap checks of the segments a checkpoint names against the files:
/// the same first positions, no gap, lengths that fit.
fn check_segments(
    named: &[Named],
    listed: &[(u64, PathBuf)],
    head: u64,
    head_hash: &[u8; 32],
) -> Result<(), String> {
    let Some(last) = named.last() else {
        return Err("it names no segment".into());
    };
    let mut next = 1;
    for (i, segment) in named.iter().enumerate() {
        let name = segment::name(segment.first);
        if segment.first != next {
            return Err(format!(
                "segment {name} does not start at position {next}, where the one before it ends"
            ));
        }
        let is_last = i + 1 == named.len();
        if segment.offsets.is_empty() && !is_last {
            return Err(format!("it names segment {name} with no event"));
        }
        if segment
            .offsets
            .iter()
            .zip(segment.offsets.iter().skip(1))
            .any(|(a, b)| a >= b)
            || segment.offsets.last().is_some_and(|o| *o >= segment.len)
        {
            return Err(format!("its offsets of segment {name} are out of order"));
        }
        next = segment.first + segment.offsets.len() as u64;
        let Some((listed_first, path)) = listed.get(i) else {
            return Err(format!("segment {name} is missing"));
        };
        if *listed_first != segment.first {
            return Err(format!(
                "segment {name} is missing (found {} in its place)",
                segment::name(*listed_first)
            ));
        }
        let found = std::fs::metadata(path)
            .map_err(|error| format!("segment {name} cannot be read: {error}"))?
            .len();
        if is_last && found < segment.len {
            return Err(format!(
                "segment {name} is {found} bytes long, shorter than the {} it had",
                segment.len
            ));
        }
        if !is_last && found != segment.len {
            return Err(format!(
                "segment {name} is {found} bytes long, not the {} it had when it was sealed",
                segment.len
            ));
        }
    }
    if next != head + 1 || last.last_hash != *head_hash {
        return Err(format!(
            "its segments end at position {}, not at its head {head}",
            next.saturating_sub(1)
        ));
    }
    Ok(())
}

/// An earlier segment, opened for reading, after checking that it still
/// ends with the commit record of the last position and hash recorded.
fn open_sealed(named: Named, path: &Path) -> Result<Segment, String> {
    let name = segment::name(named.first);
    let file = File::open(path).map_err(|error| format!("segment {name}: {error}"))?;
    let last = named.first + named.offsets.len() as u64 - 1;
    let mut record = [0u8; COMMIT_RECORD];
    let at = named
        .len
        .checked_sub(COMMIT_RECORD as u64)
        .ok_or_else(|| format!("segment {name} is too short to end with a commit"))?;
    file.read_exact_at(&mut record, at)
        .map_err(|error| format!("segment {name}: {error}"))?;
    let ends_as_recorded = matches!(
        segment::frame(&record, 0),
        Frame::Record { kind: COMMIT, body, .. }
            if segment::read_commit(body) == Some((last, named.last_hash))
    );
    if !ends_as_recorded {
        return Err(format!(
            "segment {name} does not end with the commit record of position {last} and the hash recorded"
        ));
    }
    Ok(Segment {
        first: named.first,
        file: Arc::new(file),
        offsets: named.offsets,
        len: named.len,
        last_hash: named.last_hash,
    })
}

/// Re-reads the recorded prefix of the last named segment, a few MiB at a
/// time: whole records, an unbroken chain from `previous`, the recorded
/// offsets, and a last commit record naming `head` and `head_hash`.
fn check_prefix(
    file: &File,
    named: &Named,
    previous: [u8; 32],
    head: u64,
    head_hash: &[u8; 32],
) -> Result<(), String> {
    let name = segment::name(named.first);
    let mut buf = vec![0u8; 4 * CHUNK];
    // `buf[..filled]` holds the bytes from offset `start` of the segment.
    let mut start = 0u64;
    let mut filled = 0usize;
    let mut at = 0usize;
    let mut hash = previous;
    let mut position = named.first - 1;
    let mut committed = 0u64;
    let mut offsets = named.offsets.iter();
    while start + (at as u64) < named.len {
        let window = buf.get(..filled).unwrap_or_default();
        match segment::frame(window, at) {
            Frame::Record {
                kind: EVENT,
                body,
                next,
            } => {
                position += 1;
                if offsets.next() != Some(&(start + at as u64)) {
                    return Err(format!(
                        "segment {name}: position {position} is not at its recorded offset"
                    ));
                }
                let Some((stored, canonical)) = body.split_first_chunk::<32>() else {
                    return Err(format!("segment {name}: position {position} has no hash"));
                };
                if canonical::chain(&hash, canonical) != *stored {
                    return Err(format!(
                        "segment {name}: the chain breaks at position {position}"
                    ));
                }
                hash = *stored;
                at = next;
            }
            Frame::Record {
                kind: COMMIT,
                body,
                next,
            } => {
                if segment::read_commit(body) != Some((position, hash)) {
                    return Err(format!(
                        "segment {name}: the commit record after position {position} does not match"
                    ));
                }
                at = next;
                committed = start + at as u64;
            }
            Frame::Record { .. } => {
                return Err(format!("segment {name}: a content record among the events"))
            }
            Frame::End | Frame::Bad(_) if start + (filled as u64) < named.len => {
                // The record runs past what is read: read on.
                buf.copy_within(at..filled, 0);
                start += at as u64;
                filled -= at;
                at = 0;
                if filled == buf.len() {
                    buf.resize(buf.len() * 2, 0);
                }
                let want = usize::try_from(named.len - start)
                    .unwrap_or(usize::MAX)
                    .min(buf.len())
                    - filled;
                let slot = buf
                    .get_mut(filled..filled + want)
                    .ok_or("a read past its buffer")?;
                file.read_exact_at(slot, start + filled as u64)
                    .map_err(|error| format!("segment {name} cannot be read: {error}"))?;
                filled += want;
            }
            Frame::End => break,
            Frame::Bad(detail) => return Err(format!("segment {name}: {detail}")),
        }
    }
    if offsets.next().is_some() || committed != named.len {
        return Err(format!(
            "segment {name} does not end with a commit record where recorded"
        ));
    }
    if position != head || hash != *head_hash {
        return Err(format!(
            "the record at its head position {head} does not read back with the hash it recorded"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A state with one segment of two events, as the writer would leave
    /// it, and the bytes of that segment.
    fn sample(dir: &Path) -> State {
        let events_dir = dir.join("segments");
        std::fs::create_dir_all(&events_dir).unwrap();
        let mut bytes = Vec::new();
        let mut hash = GENESIS;
        let mut offsets = Vec::new();
        for position in 1..=2u64 {
            let canonical = format!("event {position}").into_bytes();
            hash = canonical::chain(&hash, &canonical);
            offsets.push(bytes.len() as u64);
            segment::put(&mut bytes, EVENT, &[&hash, &canonical]).unwrap();
        }
        segment::put(&mut bytes, COMMIT, &[&segment::commit_body(2, &hash)]).unwrap();
        let path = events_dir.join(segment::name(1));
        std::fs::write(&path, &bytes).unwrap();
        let mut streams = HashMap::new();
        streams.insert(StreamRef::new("thing", "a"), vec![1, 2]);
        let mut commands = Commands::default();
        commands.record("c1", 1, 1);
        commands.record("c1", 2, 2);
        State {
            head: 2,
            head_hash: hash,
            segments: vec![Segment {
                first: 1,
                file: Arc::new(File::open(&path).unwrap()),
                offsets,
                len: bytes.len() as u64,
                last_hash: hash,
            }],
            streams,
            commands,
            contents: HashMap::new(),
            damaged_streams: HashMap::new(),
        }
    }

    fn listed(dir: &Path) -> Vec<(u64, PathBuf)> {
        segment::list(&dir.join("segments"), false).unwrap()
    }

    #[test]
    fn a_checkpoint_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let state = sample(dir.path());
        write(dir.path(), &state).unwrap();
        let loaded = load(dir.path(), &listed(dir.path())).unwrap().unwrap();
        assert_eq!(loaded.state.head, 2);
        assert_eq!(loaded.state.head_hash, state.head_hash);
        assert_eq!(loaded.state.streams, state.streams);
        assert_eq!(loaded.state.commands.parts(), state.commands.parts());
        assert!(loaded.state.segments.is_empty());
        assert_eq!(loaded.resume.offsets, state.segments[0].offsets);
        assert_eq!(loaded.resume.len, state.segments[0].len);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(!dir.path().join(TMP).exists());
    }

    #[test]
    fn every_garbled_or_cut_byte_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &sample(dir.path())).unwrap();
        let path = dir.path().join(FILE);
        let original = std::fs::read(&path).unwrap();
        for at in 0..original.len() {
            let mut bytes = original.clone();
            bytes[at] ^= 0x10;
            std::fs::write(&path, &bytes).unwrap();
            assert!(load(dir.path(), &listed(dir.path())).is_err(), "byte {at}");
            std::fs::write(&path, &original[..at]).unwrap();
            assert!(
                load(dir.path(), &listed(dir.path())).is_err(),
                "cut at {at}"
            );
        }
        let mut longer = original.clone();
        longer.push(0);
        std::fs::write(&path, &longer).unwrap();
        assert!(load(dir.path(), &listed(dir.path())).is_err());
        std::fs::remove_file(&path).unwrap();
        assert!(load(dir.path(), &listed(dir.path())).unwrap().is_none());
    }

    #[test]
    fn an_unknown_version_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &sample(dir.path())).unwrap();
        let path = dir.path().join(FILE);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[8] = 2;
        let end = bytes.len() - 4;
        let crc = crc32c::crc32c(&bytes[..end]);
        bytes[end..].copy_from_slice(&crc.to_le_bytes());
        std::fs::write(&path, &bytes).unwrap();
        let Err(reason) = load(dir.path(), &listed(dir.path())) else {
            panic!("version 2 was read")
        };
        assert!(reason.contains("version 2"), "{reason}");
    }

    #[test]
    fn huge_counts_in_a_garbled_file_allocate_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = Vec::new();
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&VERSION.to_le_bytes());
        bytes.extend_from_slice(&0u32.to_le_bytes());
        bytes.extend_from_slice(&2u64.to_le_bytes());
        bytes.extend_from_slice(&[0; 32]);
        bytes.extend_from_slice(&u64::MAX.to_le_bytes());
        std::fs::write(dir.path().join(FILE), &bytes).unwrap();
        let Err(reason) = load(dir.path(), &[]) else {
            panic!("read")
        };
        assert!(reason.contains("more than it holds"), "{reason}");
    }
}
