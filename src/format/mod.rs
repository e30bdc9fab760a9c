//! The wire format, bottom layer of the crate: the strict CBOR profile (SPEC.md 5), the
//! objects and their schemas (6), and the text form (13).
//!
//! Nothing in here touches a key; `keyring/` and `record.rs` at the crate root add the
//! cryptography on top of these codecs. This file holds what every object shares: the
//! common header (6.1) and the schema walk (6.6).

pub(crate) mod cbor;
pub(crate) mod checkpoint;
pub(crate) mod kdf;
pub(crate) mod keyring;
pub(crate) mod record;
pub(crate) mod stream;
pub(crate) mod text;

use crate::error::{Error, Malformed};
use cbor::{Item, Value};

/// Object type registry (SPEC.md, key 1 of every object).
pub(crate) const OBJECT_KEYRING: u64 = 1;
/// Object type registry: sealed record.
pub(crate) const OBJECT_RECORD: u64 = 2;
/// Object type registry: log checkpoint (SR-LOG-5).
pub(crate) const OBJECT_CHECKPOINT: u64 = 3;
/// Object type registry: sealed stream header (SR-STR-1).
pub(crate) const OBJECT_STREAM: u64 = 4;
/// The only format version this implementation reads and writes.
pub(crate) const VERSION: u64 = 1;

/// Steps 1 to 3 of SPEC.md's decoding order: header peek (object type and version first,
/// SR-OBJ-1; at most five heads, nothing allocated), size limit, then the whole input against
/// the profile. The peek comes before the size limit so that an object of a later version is
/// reported as such whatever its size.
pub(crate) fn decode_object<'a>(
    buf: &'a [u8],
    object: u64,
    schema: &[u64],
    max_len: usize,
) -> Result<Item<'a>, Error> {
    let version = cbor::peek_header(buf, object, schema)?;
    if version != VERSION {
        return Err(Error::UnsupportedVersion { version });
    }
    if buf.len() > max_len {
        return Err(Malformed::TooLarge.into());
    }
    Ok(cbor::decode(buf)?)
}

/// Walks a map's entries in schema order (SR-OBJ-2): each expected key must come next; a
/// key the schema knows but that arrives early means the expected one is missing, a key the
/// schema does not know is unknown.
pub(crate) struct Fields<'v, 'a> {
    entries: &'v [(u64, Item<'a>)],
    next: usize,
    schema: &'static [u64],
}

impl<'v, 'a> Fields<'v, 'a> {
    pub(crate) fn new(item: &'v Item<'a>, schema: &'static [u64]) -> Result<Self, Malformed> {
        match &item.value {
            Value::Map(entries) => Ok(Fields {
                entries,
                next: 0,
                schema,
            }),
            _ => Err(Malformed::UnexpectedType),
        }
    }

    pub(crate) fn take(&mut self, key: u64) -> Result<&'v Item<'a>, Malformed> {
        let (found, item) = self.entries.get(self.next).ok_or(Malformed::MissingKey)?;
        if *found == key {
            // Cannot saturate: `next` indexes an entry of a slice.
            self.next = self.next.saturating_add(1);
            Ok(item)
        } else if self.schema.contains(found) {
            Err(Malformed::MissingKey)
        } else {
            Err(Malformed::UnknownKey)
        }
    }

    /// The value of `key` if it is the next entry, else nothing: an optional key of a
    /// skippable slot (SR-OBJ-7). A later key stays for the next `take`, which decides
    /// between `missing_key` and `unknown_key` as for any other map.
    pub(crate) fn take_optional(&mut self, key: u64) -> Option<&'v Item<'a>> {
        match self.entries.get(self.next) {
            Some((found, item)) if *found == key => {
                // Cannot saturate: `next` indexes an entry of a slice.
                self.next = self.next.saturating_add(1);
                Some(item)
            }
            _ => None,
        }
    }

    /// Any entry left over after the last schema key is unknown.
    pub(crate) fn finish(self) -> Result<(), Malformed> {
        if self.next < self.entries.len() {
            return Err(Malformed::UnknownKey);
        }
        Ok(())
    }
}

pub(crate) fn uint(item: &Item<'_>) -> Result<u64, Malformed> {
    match item.value {
        Value::Uint(v) => Ok(v),
        _ => Err(Malformed::UnexpectedType),
    }
}

pub(crate) fn bytes<'a>(item: &Item<'a>) -> Result<&'a [u8], Malformed> {
    match item.value {
        Value::Bytes(b) => Ok(b),
        _ => Err(Malformed::UnexpectedType),
    }
}

pub(crate) fn fixed<const N: usize>(item: &Item<'_>) -> Result<[u8; N], Malformed> {
    bytes(item)?.try_into().map_err(|_| Malformed::WrongLength)
}

pub(crate) fn text<'a>(item: &Item<'a>) -> Result<&'a str, Malformed> {
    match item.value {
        Value::Text(s) => Ok(s),
        _ => Err(Malformed::UnexpectedType),
    }
}

pub(crate) fn array<'v, 'a>(item: &'v Item<'a>) -> Result<&'v [Item<'a>], Malformed> {
    match &item.value {
        Value::Array(items) => Ok(items),
        _ => Err(Malformed::UnexpectedType),
    }
}

/// Lowercase hex in `Debug` output of public identifiers (never of secrets).
pub(crate) struct Hex<'a>(pub(crate) &'a [u8]);

impl core::fmt::Debug for Hex<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}
