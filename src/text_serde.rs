//! Keyrings and sealed records in serde documents (feature `serde`), as their text forms:
//! `"srk1.…"` and `"srr1.…"` strings (SPEC.md section 13).
//!
//! Deserializing decodes exactly as strictly as [`Keyring::from_text`] and
//! [`SealedRecord::from_text`]: the text form, then every rule of the binary encoding. A
//! document can therefore hold only well-formed objects; as with bytes from the server,
//! nothing in a keyring is trusted until [`Keyring::unlock`] has verified its MAC.

use core::fmt;
use core::marker::PhantomData;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::error::Result;
use crate::format::record::SealedRecord;
use crate::keyring::Keyring;

impl Serialize for Keyring {
    fn serialize<S: Serializer>(&self, serializer: S) -> core::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_text())
    }
}

impl Serialize for SealedRecord {
    fn serialize<S: Serializer>(&self, serializer: S) -> core::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_text())
    }
}

impl<'de> Deserialize<'de> for Keyring {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> core::result::Result<Self, D::Error> {
        deserializer.deserialize_str(TextForm {
            what: "a Strongroom keyring in its text form (srk1.)",
            decode: Keyring::from_text,
            _object: PhantomData,
        })
    }
}

impl<'de> Deserialize<'de> for SealedRecord {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> core::result::Result<Self, D::Error> {
        deserializer.deserialize_str(TextForm {
            what: "a Strongroom sealed record in its text form (srr1.)",
            decode: SealedRecord::from_text,
            _object: PhantomData,
        })
    }
}

/// Reads a string and decodes it with the object's own strict text decoder.
struct TextForm<T> {
    what: &'static str,
    decode: fn(&str) -> Result<T>,
    _object: PhantomData<T>,
}

impl<T> Visitor<'_> for TextForm<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.what)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> core::result::Result<T, E> {
        // The error names the class and reason of SPEC.md, never the input.
        (self.decode)(text).map_err(|e| E::custom(format_args!("{}: {e}", self.what)))
    }
}
