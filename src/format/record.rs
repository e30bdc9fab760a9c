//! The sealed record object on the wire (SPEC.md, "Sealed record").

use core::ops::Range;

use super::cbor::Writer;
use super::{Fields, OBJECT_RECORD, VERSION, bytes, decode_object, fixed};
use crate::crypto::TAG_LEN;
use crate::error::{Malformed, Result};

/// Largest plaintext a v1 record carries: 16 MiB.
pub(crate) const MAX_PLAINTEXT: usize = 16 * 1024 * 1024;
/// Largest record encoding accepted (SR-CBOR-10): plaintext, tag and 256 bytes of header room.
pub(crate) const MAX_RECORD_LEN: usize = MAX_PLAINTEXT + TAG_LEN + 256;
/// Every record header is exactly this long: the encoding up to the ciphertext entry.
pub(crate) const HEADER_LEN: usize = 107;

const RECORD_KEYS: &[u64] = &[1, 2, 3, 4, 5, 6, 7];

/// A sealed record: one log entry (or any value) encrypted under a keyring's DEK.
///
/// Holds the record's exact encoding; the accessors borrow from it.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedRecord {
    pub(crate) encoded: Vec<u8>,
    pub(crate) keyring_id: [u8; 16],
    pub(crate) salt: [u8; 32],
    pub(crate) nonce: [u8; 12],
    pub(crate) commitment: [u8; 32],
    pub(crate) ciphertext: Range<usize>,
}

impl core::fmt::Debug for SealedRecord {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SealedRecord")
            .field("keyring_id", &Hex(&self.keyring_id))
            .field("len", &self.encoded.len())
            .finish_non_exhaustive()
    }
}

pub(crate) struct Hex<'a>(pub(crate) &'a [u8]);

impl core::fmt::Debug for Hex<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// The record header, 107 bytes, which is the first part of the record AAD (SR-KEY-8).
pub(crate) fn header(
    keyring_id: &[u8; 16],
    salt: &[u8; 32],
    nonce: &[u8; 12],
    commitment: &[u8; 32],
    ciphertext_len: usize,
) -> Writer {
    let mut w = Writer::with_capacity(HEADER_LEN + 6 + ciphertext_len);
    w.map(RECORD_KEYS.len())
        .uint(1)
        .uint(OBJECT_RECORD)
        .uint(2)
        .uint(VERSION)
        .uint(3)
        .bytes(keyring_id)
        .uint(4)
        .bytes(salt)
        .uint(5)
        .bytes(nonce)
        .uint(6)
        .bytes(commitment);
    debug_assert_eq!(w.len(), HEADER_LEN);
    w
}

impl SealedRecord {
    /// Decodes a record in SPEC.md's decoding order, taking ownership of the bytes.
    pub(crate) fn decode_owned(encoded: Vec<u8>) -> Result<Self> {
        let (keyring_id, salt, nonce, commitment, ciphertext) = {
            let item = decode_object(&encoded, OBJECT_RECORD, MAX_RECORD_LEN)?;
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
            if ct.len() > MAX_PLAINTEXT + TAG_LEN {
                return Err(Malformed::ValueOutOfRange.into());
            }
            f.finish()?;
            // The ciphertext is the last bytes of the encoding (key 7 is the last entry).
            let start = encoded.len() - ct.len();
            (keyring_id, salt, nonce, commitment, start..encoded.len())
        };
        Ok(SealedRecord {
            encoded,
            keyring_id,
            salt,
            nonce,
            commitment,
            ciphertext,
        })
    }

    /// Decodes a record from its binary encoding.
    ///
    /// # Errors
    /// [`crate::Error::Malformed`] for any deviation from the profile or schema,
    /// [`crate::Error::UnsupportedVersion`] for a version other than 1.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > MAX_RECORD_LEN {
            return Err(Malformed::TooLarge.into());
        }
        Self::decode_owned(bytes.to_vec())
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
        // A record's text is at most 4/3 of its binary limit plus the prefix.
        if text.len() > super::text::RECORD_PREFIX.len() + MAX_RECORD_LEN.div_ceil(3) * 4 {
            return Err(Malformed::TooLarge.into());
        }
        Self::decode_owned(super::text::decode(super::text::RECORD_PREFIX, text)?)
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
        &self.keyring_id
    }

    /// The per-record HKDF salt.
    pub fn salt(&self) -> &[u8; 32] {
        &self.salt
    }

    /// The AES-GCM nonce.
    pub fn nonce(&self) -> &[u8; 12] {
        &self.nonce
    }

    /// The record key commitment.
    pub fn commitment(&self) -> &[u8; 32] {
        &self.commitment
    }

    /// The ciphertext followed by the 16-byte tag.
    pub fn ciphertext(&self) -> &[u8] {
        self.encoded.get(self.ciphertext.clone()).unwrap_or_default()
    }

    /// The 107-byte header that the AAD starts with (SR-KEY-8).
    pub fn header(&self) -> &[u8] {
        self.encoded.get(..HEADER_LEN).unwrap_or_default()
    }

    /// Re-encodes the record from its decoded fields alone (SR-CBOR-9); equal to
    /// [`SealedRecord::as_bytes`] for every accepted input.
    #[doc(hidden)]
    pub fn reencode(&self) -> Vec<u8> {
        let ct = self.ciphertext();
        let mut w = header(
            &self.keyring_id,
            &self.salt,
            &self.nonce,
            &self.commitment,
            ct.len(),
        );
        w.uint(7).bytes(ct);
        w.into_vec()
    }

    /// Length of the plaintext inside.
    pub fn plaintext_len(&self) -> usize {
        self.ciphertext.len() - TAG_LEN
    }
}
