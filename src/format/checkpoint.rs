//! The log checkpoint object on the wire (SPEC.md 11.15.4, SR-LOG-5).
//!
//! ```cddl
//! checkpoint = {
//!   1 => 3,                            ; object type: checkpoint
//!   2 => 1,                            ; format version
//!   3 => bstr .size 16,                ; keyring id
//!   4 => bstr .size 16,                ; log id
//!   5 => uint .le 9007199254740991,    ; size: number of entries
//!   6 => bstr .size 32,                ; root: RFC 9162 Merkle tree hash of the entries
//!   7 => bstr .size 32,                ; MAC under the log key over keys 1 to 6
//! }
//! ```
//!
//! Every field but the size has a fixed length, so a checkpoint is 112 + S bytes, where S
//! (1, 2, 3, 5 or 9) is the length of the size's encoding; the MAC covers all but the last
//! 35 bytes, as the keyring MAC does.

use super::cbor::Writer;
use super::{Fields, OBJECT_CHECKPOINT, VERSION, decode_object, fixed, uint};
use crate::error::{Malformed, Result};
use crate::limits::{MAX_CHECKPOINT_LEN, MAX_LOG_SIZE};

const CHECKPOINT_KEYS: &[u64] = &[1, 2, 3, 4, 5, 6, 7];

/// Length of the last entry (key 7 and the 32-byte MAC), which the MAC does not cover.
pub(crate) const MAC_ENTRY_LEN: usize = 35;

/// The fields of a decoded checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CheckpointParts {
    pub(crate) keyring_id: [u8; 16],
    pub(crate) log_id: [u8; 16],
    pub(crate) size: u64,
    pub(crate) root: [u8; 32],
    pub(crate) mac: [u8; 32],
}

/// Decodes a checkpoint in SPEC.md's decoding order (section 5.4): header peek, size
/// limit, profile, then the schema walk of SR-LOG-5.
pub(crate) fn decode(encoded: &[u8]) -> Result<CheckpointParts> {
    let item = decode_object(
        encoded,
        OBJECT_CHECKPOINT,
        CHECKPOINT_KEYS,
        MAX_CHECKPOINT_LEN,
    )?;
    let mut f = Fields::new(&item, CHECKPOINT_KEYS)?;
    f.take(1)?;
    f.take(2)?;
    let keyring_id = fixed::<16>(f.take(3)?)?;
    let log_id = fixed::<16>(f.take(4)?)?;
    let size = uint(f.take(5)?)?;
    if size > MAX_LOG_SIZE {
        return Err(Malformed::ValueOutOfRange.into());
    }
    let root = fixed::<32>(f.take(6)?)?;
    let mac = fixed::<32>(f.take(7)?)?;
    f.finish()?;
    Ok(CheckpointParts {
        keyring_id,
        log_id,
        size,
        root,
        mac,
    })
}

/// The encoding of keys 1 to 6: the MAC input (SR-LOG-6).
pub(crate) fn body(
    keyring_id: &[u8; 16],
    log_id: &[u8; 16],
    size: u64,
    root: &[u8; 32],
) -> Vec<u8> {
    let mut w = Writer::with_capacity(128);
    w.map(7)
        .uint(1)
        .uint(OBJECT_CHECKPOINT)
        .uint(2)
        .uint(VERSION)
        .uint(3)
        .bytes(keyring_id)
        .uint(4)
        .bytes(log_id)
        .uint(5)
        .uint(size)
        .uint(6)
        .bytes(root);
    w.into_vec()
}

/// Appends key 7 and the MAC to a body from [`body`].
pub(crate) fn finish(body: Vec<u8>, mac: &[u8; 32]) -> Vec<u8> {
    let mut w = Writer::with_capacity(body.len().saturating_add(MAC_ENTRY_LEN));
    w.raw(&body).uint(7).bytes(mac);
    w.into_vec()
}

/// The bytes the MAC covers: everything but the last entry (SR-LOG-6). A decoded
/// checkpoint always ends with its 35-byte MAC entry.
pub(crate) fn mac_input(encoded: &[u8]) -> &[u8] {
    let end = encoded.len().saturating_sub(MAC_ENTRY_LEN);
    encoded.get(..end).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    fn sample(size: u64) -> Vec<u8> {
        finish(body(&[1; 16], &[2; 16], size, &[3; 32]), &[4; 32])
    }

    // SR-LOG-5: the layout of SPEC.md 11.15.4, byte for byte, and its decoding.
    #[test]
    fn sr_log_5_layout_and_roundtrip() {
        let b = sample(5);
        let mut expected = vec![0xa7, 0x01, 0x03, 0x02, 0x01, 0x03, 0x50];
        expected.extend([1; 16]);
        expected.extend([0x04, 0x50]);
        expected.extend([2; 16]);
        expected.extend([0x05, 0x05, 0x06, 0x58, 0x20]);
        expected.extend([3; 32]);
        expected.extend([0x07, 0x58, 0x20]);
        expected.extend([4; 32]);
        assert_eq!(b, expected);
        assert_eq!(b.len(), 113);
        let p = decode(&b).unwrap();
        assert_eq!((p.size, p.root, p.mac), (5, [3; 32], [4; 32]));
        assert_eq!(mac_input(&b), &b[..b.len() - 35]);
        for (size, len) in [
            (0, 113),
            (24, 114),
            (256, 115),
            (65_536, 117),
            (MAX_LOG_SIZE, 121),
        ] {
            let b = sample(size);
            assert_eq!(b.len(), len, "size {size}");
            assert_eq!(decode(&b).unwrap().size, size);
        }
    }

    // SR-LOG-5: the schema walk, field by field, in key order.
    #[test]
    fn sr_log_5_schema_errors() {
        let m = |e: Malformed| Err::<CheckpointParts, Error>(e.into());
        let b = sample(5);
        // Wrong object type, version, and the size limit after the header peek.
        let mut t = b.clone();
        t[2] = 0x01;
        assert_eq!(decode(&t), m(Malformed::WrongObjectType));
        let mut t = b.clone();
        t[4] = 0x02;
        assert_eq!(decode(&t), Err(Error::UnsupportedVersion { version: 2 }));
        let mut big = b.clone();
        big.resize(MAX_CHECKPOINT_LEN + 1, 0);
        assert_eq!(decode(&big), m(Malformed::TooLarge));
        // A 15-byte log id.
        let mut t = b.clone();
        t[24] = 0x4f;
        t.remove(25);
        assert_eq!(decode(&t), m(Malformed::WrongLength));
        // A size above 2^53 - 1.
        let over = finish(
            body(&[1; 16], &[2; 16], MAX_LOG_SIZE + 1, &[3; 32]),
            &[4; 32],
        );
        assert_eq!(decode(&over), m(Malformed::ValueOutOfRange));
        // The size as a byte string.
        let mut t = b.clone();
        t[42] = 0x40;
        assert_eq!(decode(&t), m(Malformed::UnexpectedType));
        // Trailing bytes, a missing MAC, an extra key.
        let mut t = b.clone();
        t.push(0);
        assert_eq!(decode(&t), m(Malformed::TrailingBytes));
        let mut t = b[..b.len() - 35].to_vec();
        t[0] = 0xa6;
        assert_eq!(decode(&t), m(Malformed::MissingKey));
        let mut t = b.clone();
        t[0] = 0xa8;
        t.extend([0x08, 0x00]);
        assert_eq!(decode(&t), m(Malformed::UnknownKey));
        // A non-shortest size.
        let mut t = b.clone();
        t.splice(42..43, [0x18, 0x05]);
        assert_eq!(decode(&t), m(Malformed::NonShortestHead));
    }
}
