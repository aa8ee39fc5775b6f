//! Sealing sensitive fields: the chain covers a salted digest of each one, the
//! value lives beside the log, addressed by that digest.
//!
//! On append, every field the schema declares sensitive is replaced in the
//! payload by `{"$sealed": "<hex SHA-256(salt ‖ canonical JSON of value)>"}`
//! and `(salt, value)` is stored under the digest. The hash chain covers the
//! sealed payload only. Redaction is leaving the marker in place; erasure is
//! deleting salt and value. Neither changes a byte that the chain covers, and
//! without the random 16-byte salt nobody can confirm a guessed value against
//! the digest, however short the text.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::canonical;
use super::error::StoreError;
use super::model::SealedField;
use crate::domain::sensitivity::{SensitiveField, Sensitivity};

/// The key of a sealed-field marker.
pub const MARKER_KEY: &str = "$sealed";

/// How the store learns, per event type, which fields are sensitive. It is
/// given to the store when it is opened, so that the store needs no domain
/// type.
pub trait EventSchema: Send + Sync + 'static {
    /// The sensitive fields of `event_type` in streams of `stream_type`, or
    /// `None` when the event type is unknown (the append is refused).
    fn sensitive_fields(
        &self,
        stream_type: &str,
        event_type: &str,
    ) -> Option<&'static [SensitiveField]>;
}

/// A schema that knows every event type and seals nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenSchema;

impl EventSchema for OpenSchema {
    fn sensitive_fields(&self, _: &str, _: &str) -> Option<&'static [SensitiveField]> {
        Some(&[])
    }
}

impl<F> EventSchema for F
where
    F: Fn(&str, &str) -> Option<&'static [SensitiveField]> + Send + Sync + 'static,
{
    fn sensitive_fields(
        &self,
        stream_type: &str,
        event_type: &str,
    ) -> Option<&'static [SensitiveField]> {
        self(stream_type, event_type)
    }
}

/// A sealed value as kept beside the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Content {
    pub(crate) sensitivity: Sensitivity,
    /// `(salt, canonical JSON)`, or `None` once erased.
    pub(crate) held: Option<([u8; 16], Vec<u8>)>,
}

impl Content {
    /// `u8 version = 1 ‖ u8 sensitivity (0 confidential, 1 personal) ‖ u8
    /// held (0 erased, 1 held) [‖ salt[16] ‖ canonical JSON]`.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let class = match self.sensitivity {
            Sensitivity::Confidential => 0,
            Sensitivity::Personal => 1,
        };
        match &self.held {
            Some((salt, json)) => {
                let mut out = Vec::with_capacity(19 + json.len());
                out.extend_from_slice(&[1, class, 1]);
                out.extend_from_slice(salt);
                out.extend_from_slice(json);
                out
            }
            None => vec![1, class, 0],
        }
    }

    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        let (&[version, class, held], rest) = bytes.split_first_chunk::<3>()?;
        if version != 1 {
            return None;
        }
        let sensitivity = match class {
            0 => Sensitivity::Confidential,
            1 => Sensitivity::Personal,
            _ => return None,
        };
        let held = match held {
            0 => None,
            1 => {
                let (salt, json) = rest.split_first_chunk::<16>()?;
                Some((*salt, json.to_vec()))
            }
            _ => return None,
        };
        Some(Self { sensitivity, held })
    }

    /// The erased form of this content.
    pub(crate) fn erased(&self) -> Self {
        Self {
            sensitivity: self.sensitivity,
            held: None,
        }
    }
}

/// How a backend finds the content stored under a digest.
pub(crate) type Lookup<'a> = dyn FnMut(&[u8; 32]) -> Result<Option<Content>, StoreError> + 'a;

/// A field sealed by [`seal`], to be stored under its digest.
#[derive(Debug, Clone)]
pub(crate) struct Sealed {
    pub(crate) digest: [u8; 32],
    pub(crate) content: Content,
}

/// The marker that stands for a sealed field.
pub fn marker(digest: &[u8; 32]) -> Value {
    let mut map = Map::new();
    map.insert(MARKER_KEY.to_owned(), Value::String(hex::encode(digest)));
    Value::Object(map)
}

/// The digest of a sealed value.
pub fn digest(salt: &[u8; 16], canonical_json: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(canonical_json);
    hasher.finalize().into()
}

/// Whether canonical JSON holds a key named `$sealed` (in canonical JSON the
/// bytes `"$sealed":` can only be such a key).
pub(crate) fn has_marker(canonical_json: &[u8]) -> bool {
    const NEEDLE: &[u8] = b"\"$sealed\":";
    canonical_json.windows(NEEDLE.len()).any(|w| w == NEEDLE)
}

/// Replaces every sensitive field of `payload` by its marker.
pub(crate) fn seal(
    payload: &mut Value,
    fields: &[SensitiveField],
) -> Result<Vec<Sealed>, StoreError> {
    let mut sealed = Vec::new();
    for field in fields {
        let segments = parse_pointer(field.pointer)?;
        let mut slots = Vec::new();
        collect(payload, &segments, &mut slots);
        for slot in slots {
            if slot.is_null() {
                continue;
            }
            let json = canonical::json(slot);
            let mut salt = [0; 16];
            getrandom::getrandom(&mut salt)
                .map_err(|error| StoreError::Io(format!("no randomness for a salt: {error}")))?;
            let digest = digest(&salt, &json);
            *slot = marker(&digest);
            sealed.push(Sealed {
                digest,
                content: Content {
                    sensitivity: field.sensitivity,
                    held: Some((salt, json)),
                },
            });
        }
    }
    Ok(sealed)
}

fn parse_pointer(pointer: &str) -> Result<Vec<String>, StoreError> {
    if pointer.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = pointer.strip_prefix('/') else {
        return Err(StoreError::invalid(format!(
            "sensitive field pointer {pointer:?} does not start with /"
        )));
    };
    Ok(rest
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn collect<'v>(value: &'v mut Value, segments: &[String], out: &mut Vec<&'v mut Value>) {
    let Some((first, rest)) = segments.split_first() else {
        out.push(value);
        return;
    };
    match value {
        Value::Object(map) => {
            if let Some(child) = map.get_mut(first.as_str()) {
                collect(child, rest, out);
            }
        }
        Value::Array(items) => {
            if first == "*" {
                for item in items {
                    collect(item, rest, out);
                }
            } else if let Some(child) = first.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                collect(child, rest, out);
            }
        }
        _ => {}
    }
}

/// Puts back every sealed field of `payload` that `lookup` still holds, and
/// lists all of them. `position` names the event in errors.
pub(crate) fn unseal(
    position: u64,
    payload: &mut Value,
    lookup: &mut Lookup<'_>,
) -> Result<Vec<SealedField>, StoreError> {
    let mut found = Vec::new();
    walk(position, payload, &mut String::new(), lookup, &mut found)?;
    Ok(found)
}

fn marker_digest(value: &Value) -> Option<&str> {
    match value {
        Value::Object(map) if map.len() == 1 => map.get(MARKER_KEY)?.as_str(),
        _ => None,
    }
}

fn walk(
    position: u64,
    value: &mut Value,
    pointer: &mut String,
    lookup: &mut Lookup<'_>,
    found: &mut Vec<SealedField>,
) -> Result<(), StoreError> {
    if let Some(text) = marker_digest(value) {
        let mut digest = [0; 32];
        hex::decode_to_slice(text, &mut digest)
            .map_err(|_| StoreError::corrupt(position, format!("bad sealed digest {text:?}")))?;
        let content = lookup(&digest)?.ok_or_else(|| {
            StoreError::corrupt(position, format!("no content for sealed field {text}"))
        })?;
        let mut revealed = None;
        if let Some((salt, json)) = &content.held {
            if self::digest(salt, json) != digest {
                return Err(StoreError::corrupt(
                    position,
                    format!("content of sealed field {text} does not match its digest"),
                ));
            }
            let plain: Value = serde_json::from_slice(json).map_err(|error| {
                StoreError::corrupt(position, format!("sealed field {text}: {error}"))
            })?;
            *value = plain.clone();
            revealed = Some(plain);
        }
        found.push(SealedField {
            pointer: pointer.clone(),
            digest,
            sensitivity: content.sensitivity,
            value: revealed,
        });
        return Ok(());
    }
    let len = pointer.len();
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                walk(position, child, pointer, lookup, found)?;
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                pointer.push('/');
                pointer.push_str(&i.to_string());
                walk(position, child, pointer, lookup, found)?;
                pointer.truncate(len);
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::HashMap;

    #[test]
    fn seal_and_unseal_round_trip_with_wildcards() {
        let original = json!({"notes": "private", "goals": [{"text": "a"}, {"text": "b"}], "n": 1});
        let mut payload = original.clone();
        let fields = [
            SensitiveField::confidential("/notes"),
            SensitiveField::personal("/goals/*/text"),
        ];
        let sealed = seal(&mut payload, &fields).unwrap();
        assert_eq!(sealed.len(), 3);
        assert!(has_marker(&canonical::json(&payload)));
        assert!(!canonical::json(&payload)
            .windows(7)
            .any(|w| w == b"private"));
        let store: HashMap<[u8; 32], Content> =
            sealed.into_iter().map(|s| (s.digest, s.content)).collect();
        let fields = unseal(1, &mut payload, &mut |d| Ok(store.get(d).cloned())).unwrap();
        assert_eq!(payload, original);
        assert_eq!(fields.len(), 3);
        assert!(fields.iter().any(|f| f.pointer == "/goals/1/text"));
    }

    #[test]
    fn content_encoding_round_trips() {
        let held = Content {
            sensitivity: Sensitivity::Personal,
            held: Some(([7; 16], b"\"x\"".to_vec())),
        };
        assert_eq!(Content::decode(&held.encode()), Some(held.clone()));
        assert_eq!(
            Content::decode(&held.erased().encode()),
            Some(held.erased())
        );
        assert_eq!(Content::decode(&[9]), None);
    }
}
