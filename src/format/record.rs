//! The sealed record object on the wire (SPEC.md 6.5).
//!
//! ```cddl
//! record = {
//!   1 => 2,                            ; object type: sealed record
//!   2 => 1,                            ; format version
//!   3 => bstr .size 16,                ; keyring id
//!   4 => bstr .size 32,                ; HKDF salt (random)
//!   5 => bstr .size 12,                ; AES-GCM nonce (random)
//!   6 => bstr .size 32,                ; key commitment
//!   7 => bstr .size (16..16777232),    ; ciphertext || tag
//! }
//! ```
//!
//! Keys 1 to 6 have fixed sizes, so every record starts with the same 107-byte header
//! layout: one encoder writes it ([`header_array`]) and the common case of decoding is a
//! comparison against that template.

use core::ops::Range;

use super::{Fields, Hex, OBJECT_RECORD, bytes, decode_object, fixed};
use crate::error::{Malformed, Result};
use crate::limits::{MAX_PLAINTEXT_LEN, MAX_RECORD_LEN};

/// Length of the AES-GCM tag at the end of key 7.
pub(crate) const TAG_LEN: usize = 16;
/// Every record header is exactly this long: the encoding up to the ciphertext entry.
pub(crate) const HEADER_LEN: usize = 107;

const RECORD_KEYS: &[u64] = &[1, 2, 3, 4, 5, 6, 7];

/// A sealed record: one log entry (or any value) encrypted under a keyring's DEK.
///
/// Holds the record's exact encoding; the accessors borrow from it.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedRecord {
    encoded: Vec<u8>,
    parts: RecordParts,
}

impl core::fmt::Debug for SealedRecord {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SealedRecord")
            .field("keyring_id", &Hex(&self.parts.keyring_id))
            .field("len", &self.encoded.len())
            .finish_non_exhaustive()
    }
}

/// The fields of a record encoding and where its ciphertext lies, without owning it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RecordParts {
    pub(crate) keyring_id: [u8; 16],
    pub(crate) salt: [u8; 32],
    pub(crate) nonce: [u8; 12],
    pub(crate) commitment: [u8; 32],
    /// Ciphertext and tag: always the last bytes of the encoding (key 7 is last).
    pub(crate) ciphertext: Range<usize>,
}

/// The header bytes that are the same in every record, by offset: map(7), 1: 2, 2: 1,
/// 3: bstr(16) | 4: bstr(32) | 5: bstr(12) | 6: bstr(32), and key 7 after the header.
const FIXED: [(usize, &[u8]); 5] = [
    (0, &[0xa7, 0x01, 0x02, 0x02, 0x01, 0x03, 0x50]),
    (23, &[0x04, 0x58, 0x20]),
    (58, &[0x05, 0x4c]),
    (72, &[0x06, 0x58, 0x20]),
    (HEADER_LEN, &[0x07]),
];

/// The canonical head of a byte string of `n` bytes (n < 2^32): up to 5 bytes, and how
/// many of them are used.
pub(crate) fn bytes_head(n: usize) -> ([u8; 5], usize) {
    let mut h = [0u8; 5];
    // The casts are exact: each arm's range fits the target width.
    let used = match n {
        0..=23 => {
            h[0] = 0x40 | n as u8;
            1
        }
        24..=0xff => {
            h[..2].copy_from_slice(&[0x58, n as u8]);
            2
        }
        0x100..=0xffff => {
            h[0] = 0x59;
            h[1..3].copy_from_slice(&(n as u16).to_be_bytes());
            3
        }
        _ => {
            h[0] = 0x5a;
            h[1..5].copy_from_slice(&(n as u32).to_be_bytes());
            5
        }
    };
    (h, used)
}

/// The record header: the encoding of keys 1 to 6, which is the first part of the record
/// AAD (SR-KEY-8).
pub(crate) fn header_array(
    keyring_id: &[u8; 16],
    salt: &[u8; 32],
    nonce: &[u8; 12],
    commitment: &[u8; 32],
) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    for (at, bytes) in &FIXED[..4] {
        // The offsets are constants inside the header (header_array_decodes).
        if let Some(dst) = h.get_mut(*at..).and_then(|t| t.get_mut(..bytes.len())) {
            dst.copy_from_slice(bytes);
        }
    }
    h[7..23].copy_from_slice(keyring_id);
    h[26..58].copy_from_slice(salt);
    h[60..72].copy_from_slice(nonce);
    h[75..107].copy_from_slice(commitment);
    h
}

impl RecordParts {
    /// Decodes a record in SPEC.md's decoding order.
    ///
    /// Every valid record has the same 107-byte header layout, so the common case is a
    /// comparison against that template and one canonical length (no allocation); any
    /// input the template does not match goes through the general strict decoder, which
    /// accepts nothing more (`template_agrees_with_decoder`) and names the first
    /// violation in reading order.
    pub(crate) fn parse(encoded: &[u8]) -> Result<Self> {
        match Self::template(encoded) {
            Some(parts) => Ok(parts),
            None => Self::general(encoded),
        }
    }

    fn template(encoded: &[u8]) -> Option<Self> {
        for (at, bytes) in FIXED {
            if encoded.get(at..)?.get(..bytes.len())? != bytes {
                return None;
            }
        }
        let rest = encoded.get(HEADER_LEN + 1..)?;
        let (ct_len, used) = match *rest.first()? {
            b @ 0x40..=0x57 => (usize::from(b & 0x1f), 1),
            0x58 => (usize::from(*rest.get(1)?), 2),
            0x59 => (
                usize::from(u16::from_be_bytes(rest.get(1..3)?.try_into().ok()?)),
                3,
            ),
            0x5a => (
                usize::try_from(u32::from_be_bytes(rest.get(1..5)?.try_into().ok()?)).ok()?,
                5,
            ),
            _ => return None,
        };
        // Shortest head only (SR-CBOR), the schema's length bounds, nothing after it.
        if bytes_head(ct_len).1 != used
            || !(TAG_LEN..=MAX_PLAINTEXT_LEN + TAG_LEN).contains(&ct_len)
            || Some(rest.len()) != used.checked_add(ct_len)
        {
            return None;
        }
        Some(RecordParts {
            keyring_id: encoded.get(7..23)?.try_into().ok()?,
            salt: encoded.get(26..58)?.try_into().ok()?,
            nonce: encoded.get(60..72)?.try_into().ok()?,
            commitment: encoded.get(75..107)?.try_into().ok()?,
            ciphertext: encoded.len().checked_sub(ct_len)?..encoded.len(),
        })
    }

    fn general(encoded: &[u8]) -> Result<Self> {
        let (keyring_id, salt, nonce, commitment, ciphertext) = {
            let item = decode_object(encoded, OBJECT_RECORD, RECORD_KEYS, MAX_RECORD_LEN)?;
            let mut f = Fields::new(&item, RECORD_KEYS)?;
            f.take(1)?;
            f.take(2)?;
            let keyring_id = fixed::<16>(f.take(3)?)?;
            let salt = fixed::<32>(f.take(4)?)?;
            let nonce = fixed::<12>(f.take(5)?)?;
            let commitment = fixed::<32>(f.take(6)?)?;
            let ct = bytes(f.take(7)?)?;
            if ct.len() < TAG_LEN {
                return Err(Malformed::WrongLength.into());
            }
            if ct.len() > MAX_PLAINTEXT_LEN + TAG_LEN {
                return Err(Malformed::ValueOutOfRange.into());
            }
            f.finish()?;
            // The ciphertext is the last bytes of the encoding (key 7 is the last entry).
            let start = encoded
                .len()
                .checked_sub(ct.len())
                .ok_or(Malformed::Truncated)?;
            (keyring_id, salt, nonce, commitment, start..encoded.len())
        };
        Ok(RecordParts {
            keyring_id,
            salt,
            nonce,
            commitment,
            ciphertext,
        })
    }
}

impl SealedRecord {
    /// Decodes a record in SPEC.md's decoding order, taking ownership of the bytes.
    pub(crate) fn decode_owned(encoded: Vec<u8>) -> Result<Self> {
        let parts = RecordParts::parse(&encoded)?;
        Ok(Self::from_parts(encoded, parts))
    }

    /// A record from an encoding and its fields, known to agree (the sealer just wrote
    /// them, or [`RecordParts::parse`] read them from it).
    pub(crate) fn from_parts(encoded: Vec<u8>, parts: RecordParts) -> Self {
        debug_assert_eq!(RecordParts::parse(&encoded).ok(), Some(parts.clone()));
        SealedRecord { encoded, parts }
    }

    /// Decodes a record from its binary encoding.
    ///
    /// # Errors
    /// [`crate::Error::Malformed`] for any deviation from the profile or schema,
    /// [`crate::Error::UnsupportedVersion`] for a version other than 1.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        // Decode the borrowed bytes first: nothing is copied unless they are a record.
        let parts = RecordParts::parse(bytes)?;
        Ok(Self::from_parts(bytes.to_vec(), parts))
    }

    /// Decodes a record, taking ownership of the buffer (no copy).
    ///
    /// # Errors
    /// As [`SealedRecord::from_bytes`].
    pub fn from_vec(bytes: Vec<u8>) -> Result<Self> {
        Self::decode_owned(bytes)
    }

    /// Decodes a record from its text form (`srr1.` and base64url).
    ///
    /// # Errors
    /// As [`SealedRecord::from_bytes`], plus `text_prefix` and `text_encoding`.
    pub fn from_text(text: &str) -> Result<Self> {
        Self::decode_owned(super::text::decode(
            super::text::RECORD_PREFIX,
            text,
            MAX_RECORD_LEN,
        )?)
    }

    /// The record's exact binary encoding.
    pub fn as_bytes(&self) -> &[u8] {
        &self.encoded
    }

    /// Consumes the record, returning its encoding.
    pub fn into_bytes(self) -> Vec<u8> {
        self.encoded
    }

    /// The text form: `srr1.` followed by unpadded base64url.
    pub fn to_text(&self) -> String {
        super::text::encode(super::text::RECORD_PREFIX, &self.encoded)
    }

    /// The id of the keyring whose DEK sealed this record.
    pub fn keyring_id(&self) -> &[u8; 16] {
        &self.parts.keyring_id
    }

    /// The per-record HKDF salt.
    pub fn salt(&self) -> &[u8; 32] {
        &self.parts.salt
    }

    /// The AES-GCM nonce.
    pub fn nonce(&self) -> &[u8; 12] {
        &self.parts.nonce
    }

    /// The record key commitment.
    pub fn commitment(&self) -> &[u8; 32] {
        &self.parts.commitment
    }

    /// The ciphertext followed by the 16-byte tag.
    pub fn ciphertext(&self) -> &[u8] {
        self.encoded
            .get(self.parts.ciphertext.clone())
            .unwrap_or_default()
    }

    /// The 107-byte header that the AAD starts with (SR-KEY-8).
    pub fn header(&self) -> &[u8] {
        self.encoded.get(..HEADER_LEN).unwrap_or_default()
    }

    /// Re-encodes the record from its decoded fields alone (SR-CBOR-9); equal to
    /// [`SealedRecord::as_bytes`] for every accepted input.
    #[cfg(any(test, feature = "hazmat"))]
    pub(crate) fn reencode(&self) -> Vec<u8> {
        let p = &self.parts;
        let ct = self.ciphertext();
        let (head, used) = bytes_head(ct.len());
        let mut out = Vec::with_capacity(ct.len().saturating_add(HEADER_LEN + 6));
        out.extend_from_slice(&header_array(
            &p.keyring_id,
            &p.salt,
            &p.nonce,
            &p.commitment,
        ));
        out.push(0x07);
        out.extend_from_slice(head.get(..used).unwrap_or_default());
        out.extend_from_slice(ct);
        out
    }

    /// Length of the plaintext inside.
    pub fn plaintext_len(&self) -> usize {
        // Every record's ciphertext holds at least the tag (checked when decoding).
        self.parts.ciphertext.len().saturating_sub(TAG_LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::cbor::Writer;

    fn fields(seed: u8) -> ([u8; 16], [u8; 32], [u8; 12], [u8; 32]) {
        let f = |n: u8| seed.wrapping_mul(31).wrapping_add(n);
        (
            core::array::from_fn(|i| f(i as u8)),
            core::array::from_fn(|i| f(100 + i as u8)),
            core::array::from_fn(|i| f(200 + i as u8)),
            core::array::from_fn(|i| f(50 + i as u8)),
        )
    }

    /// A record written with the general CBOR writer, field by field: an encoder
    /// independent of [`header_array`].
    fn record(ct_len: usize, seed: u8) -> Vec<u8> {
        let (id, salt, nonce, commitment) = fields(seed);
        let mut w = Writer::default();
        w.map(7)
            .uint(1)
            .uint(OBJECT_RECORD)
            .uint(2)
            .uint(crate::format::VERSION)
            .uint(3)
            .bytes(&id)
            .uint(4)
            .bytes(&salt)
            .uint(5)
            .bytes(&nonce)
            .uint(6)
            .bytes(&commitment)
            .uint(7)
            .bytes(&vec![seed; ct_len]);
        w.into_vec()
    }

    // The one header encoder writes what the general writer writes, and re-encoding a
    // decoded record goes through it.
    #[test]
    fn header_array_decodes() {
        for seed in 0..8 {
            let (id, salt, nonce, commitment) = fields(seed);
            let good = record(16, seed);
            assert_eq!(
                &header_array(&id, &salt, &nonce, &commitment)[..],
                &good[..HEADER_LEN]
            );
            let r = SealedRecord::from_bytes(&good).unwrap();
            assert_eq!(r.reencode(), good);
        }
    }

    #[test]
    fn bytes_head_matches_writer() {
        for n in [
            0,
            1,
            16,
            23,
            24,
            255,
            256,
            0xffff,
            0x1_0000,
            MAX_PLAINTEXT_LEN + TAG_LEN,
        ] {
            let mut w = Writer::default();
            w.bytes(&vec![0; n]);
            let (h, used) = bytes_head(n);
            assert_eq!(&h[..used], &w.as_slice()[..used], "n = {n}");
            assert_eq!(w.as_slice().len(), used + n, "n = {n}");
        }
    }

    // The template path accepts exactly what the general decoder accepts, with the same
    // fields: every valid record, and no mutation of one that the decoder rejects.
    #[test]
    fn template_agrees_with_decoder() {
        let lens = [16, 17, 23, 24, 100, 255, 256, 257, 0xffff, 0x1_0000];
        for (i, &len) in lens.iter().enumerate() {
            let good = record(len, i as u8);
            let parts = RecordParts::template(&good).expect("template accepts a valid record");
            assert_eq!(RecordParts::general(&good).expect("valid"), parts);
            assert_eq!(parts.ciphertext.len(), len);

            let mut variants: Vec<Vec<u8>> = Vec::new();
            for at in 0..(HEADER_LEN + 6).min(good.len()) {
                for mask in [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff] {
                    let mut m = good.clone();
                    m[at] ^= mask;
                    variants.push(m);
                }
            }
            for cut in [1, 2, 15, 16, 17] {
                variants.push(good[..good.len() - cut].to_vec());
            }
            let mut longer = good.clone();
            longer.push(0);
            variants.push(longer);
            for m in variants {
                let general = RecordParts::general(&m);
                match RecordParts::template(&m) {
                    Some(p) => assert_eq!(general.as_ref().ok(), Some(&p)),
                    None => assert!(
                        general.is_err(),
                        "general accepts what the template does not"
                    ),
                }
            }
        }
        // At the size limit (SR-OBJ-5): the longest ciphertext is accepted by both paths,
        // one byte more by neither (the general decoder says why).
        let longest = record(MAX_PLAINTEXT_LEN + TAG_LEN, 9);
        let parts = RecordParts::template(&longest).expect("template accepts the longest");
        assert_eq!(RecordParts::general(&longest).expect("valid"), parts);
        let too_long = record(MAX_PLAINTEXT_LEN + TAG_LEN + 1, 9);
        assert!(RecordParts::template(&too_long).is_none());
        assert_eq!(
            RecordParts::general(&too_long),
            Err(Malformed::ValueOutOfRange.into())
        );
        // Non-shortest ciphertext heads are rejected by both.
        let mut m = record(16, 0);
        m.splice(HEADER_LEN + 1..HEADER_LEN + 2, [0x58, 16]);
        assert!(RecordParts::template(&m).is_none());
        assert!(RecordParts::general(&m).is_err());
    }
}
