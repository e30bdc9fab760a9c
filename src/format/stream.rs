//! The sealed stream on the wire (SPEC.md 11.16.2, 11.16.3): the header object and the
//! 16-byte frame header that precedes each chunk's ciphertext.
//!
//! ```cddl
//! stream-header = {
//!   1 => 4,                            ; object type: sealed stream
//!   2 => 1,                            ; format version
//!   3 => bstr .size 16,                ; keyring id
//!   4 => bstr .size 32,                ; stream salt (CSPRNG)
//!   5 => 16,                           ; log2 of the chunk size: 16 (65,536 bytes) in v1
//!   6 => bstr .size 32,                ; key commitment, SR-STR-2
//! }
//! ```
//!
//! Every field has a fixed length, so a header is always 95 bytes:
//! `a6 01 04 02 01 03 50 || keyring id || 04 58 20 || salt || 05 10 || 06 58 20 || commitment`.
//! A frame is `salt[0..4] || u64be(index) || u8(final) || u24be(len) || ciphertext || tag`,
//! its bytes 4 to 16 being the chunk's AES-GCM nonce.

use super::cbor::{Reader, Writer};
use super::{Fields, Hex, OBJECT_STREAM, VERSION, fixed, uint};
use crate::error::{Error, Malformed, Result};
use crate::limits::MAX_STREAM_HEADER_LEN;

const STREAM_KEYS: &[u64] = &[1, 2, 3, 4, 5, 6];

/// Length of every v1 stream header, in bytes.
pub const STREAM_HEADER_LEN: usize = 95;
/// The chunk size of v1 streams, in bytes: every chunk but the final one holds exactly this
/// many bytes of payload (SPEC.md 11.16.1).
pub const STREAM_CHUNK_SIZE: usize = 1 << V1_LOG2_CHUNK;
/// Bytes each frame adds to its chunk: the 16-byte frame header and the 16-byte tag.
pub const STREAM_FRAME_OVERHEAD: usize = FRAME_HEADER_LEN + 16;

/// log2 of the v1 chunk size, header key 5.
pub(crate) const V1_LOG2_CHUNK: u8 = 16;
/// The frame header: tag4 (4) and the nonce (12).
pub(crate) const FRAME_HEADER_LEN: usize = 16;

/// The header of a sealed stream (SPEC.md 11.16.2): which keyring sealed it, the stream's
/// salt and key commitment, and its exact 95 bytes, which every chunk authenticates.
///
/// Public: a server sees it. [`StreamHeader::decode`] reads it from the start of a stream.
#[derive(Clone, PartialEq, Eq)]
pub struct StreamHeader {
    bytes: [u8; STREAM_HEADER_LEN],
    keyring_id: [u8; 16],
    salt: [u8; 32],
    log2_chunk: u8,
    commitment: [u8; 32],
}

impl StreamHeader {
    /// Decodes the header at the start of `prefix`, the first bytes of a stream (SR-STR-1):
    /// SPEC.md's decoding order (section 5.4) for object type 4, without its
    /// `trailing_bytes` check since the frames follow. Pass at least the first 257 bytes of
    /// the stream when it has that many (or all of it), so that an oversized header is
    /// reported as `too_large` rather than `truncated`.
    ///
    /// # Errors
    /// [`Error::Malformed`] (`truncated` when `prefix` ends inside the header, `too_large`
    /// for a header item that does not end within 256 bytes, or the first profile or schema
    /// violation, `value_out_of_range` for a chunk size other than 65,536);
    /// [`Error::UnsupportedVersion`].
    pub fn decode(prefix: &[u8]) -> Result<StreamHeader> {
        decode(prefix, V1_LOG2_CHUNK)
    }

    /// The header's exact bytes, as decoded or written.
    pub fn as_bytes(&self) -> &[u8; STREAM_HEADER_LEN] {
        &self.bytes
    }

    /// The id of the keyring that sealed the stream.
    pub fn keyring_id(&self) -> &[u8; 16] {
        &self.keyring_id
    }

    /// The stream's salt (SR-STR-2).
    pub fn salt(&self) -> &[u8; 32] {
        &self.salt
    }

    /// The key commitment (SR-STR-2).
    pub fn commitment(&self) -> &[u8; 32] {
        &self.commitment
    }

    /// The chunk size the header names: [`STREAM_CHUNK_SIZE`] for every v1 stream.
    pub fn chunk_size(&self) -> usize {
        1usize.checked_shl(u32::from(self.log2_chunk)).unwrap_or(0)
    }

    pub(crate) fn log2_chunk(&self) -> u8 {
        self.log2_chunk
    }

    /// The first four bytes of the salt, which open every frame (SR-STR-4).
    pub(crate) fn tag4(&self) -> [u8; 4] {
        let [a, b, c, d, ..] = self.salt;
        [a, b, c, d]
    }

    /// The header the sealer writes (SealStream step 3).
    pub(crate) fn new(
        keyring_id: &[u8; 16],
        salt: &[u8; 32],
        log2_chunk: u8,
        commitment: &[u8; 32],
    ) -> Self {
        let mut w = Writer::with_capacity(STREAM_HEADER_LEN);
        w.map(STREAM_KEYS.len())
            .uint(1)
            .uint(OBJECT_STREAM)
            .uint(2)
            .uint(VERSION)
            .uint(3)
            .bytes(keyring_id)
            .uint(4)
            .bytes(salt)
            .uint(5)
            .uint(u64::from(log2_chunk))
            .uint(6)
            .bytes(commitment);
        let mut bytes = [0u8; STREAM_HEADER_LEN];
        // Every field has a fixed length and log2_chunk < 24 encodes in one byte, so the
        // writer produced exactly 95 bytes.
        if let Some(src) = w.as_slice().get(..STREAM_HEADER_LEN) {
            bytes.copy_from_slice(src);
        }
        StreamHeader {
            bytes,
            keyring_id: *keyring_id,
            salt: *salt,
            log2_chunk,
            commitment: *commitment,
        }
    }
}

impl core::fmt::Debug for StreamHeader {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StreamHeader")
            .field("keyring_id", &Hex(&self.keyring_id))
            .field("salt", &Hex(&self.salt))
            .field("chunk_size", &self.chunk_size())
            .finish_non_exhaustive()
    }
}

/// SR-STR-1 with the chunk size exponent `log2_chunk` that key 5 must hold (16 in v1; the
/// benches measure other sizes through `hazmat`).
///
/// The size limit of step 2 applies to the item, whose end is known only by reading it: the
/// profile reader reads within the first 256 bytes, and running out of them is `too_large`
/// when the input goes on beyond them and `truncated` when it does not. A profile violation
/// within those 256 bytes is reported as it is found.
pub(crate) fn decode(prefix: &[u8], log2_chunk: u8) -> Result<StreamHeader> {
    let version = super::cbor::peek_header(prefix, OBJECT_STREAM, STREAM_KEYS)?;
    if version != VERSION {
        return Err(Error::UnsupportedVersion { version });
    }
    let window = prefix.get(..MAX_STREAM_HEADER_LEN).unwrap_or(prefix);
    let item = match Reader::new(window).item(0) {
        Ok(item) => item,
        Err(Malformed::Truncated) if prefix.len() > MAX_STREAM_HEADER_LEN => {
            return Err(Malformed::TooLarge.into());
        }
        Err(e) => return Err(e.into()),
    };
    let mut f = Fields::new(&item, STREAM_KEYS)?;
    // Keys 1 and 2 were checked by the header peek.
    f.take(1)?;
    f.take(2)?;
    let keyring_id = fixed::<16>(f.take(3)?)?;
    let salt = fixed::<32>(f.take(4)?)?;
    if uint(f.take(5)?)? != u64::from(log2_chunk) {
        return Err(Malformed::ValueOutOfRange.into());
    }
    let commitment = fixed::<32>(f.take(6)?)?;
    f.finish()?;
    // The schema fixes every length: a header that passed it is 95 bytes.
    let bytes: [u8; STREAM_HEADER_LEN] = item.raw.try_into().map_err(|_| Malformed::WrongLength)?;
    Ok(StreamHeader {
        bytes,
        keyring_id,
        salt,
        log2_chunk,
        commitment,
    })
}

/// What a frame header says (SR-STR-4); none of it is trusted before the tag verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FrameFields {
    pub(crate) tag4: [u8; 4],
    pub(crate) index: u64,
    pub(crate) final_byte: u8,
    pub(crate) len: u32,
}

impl FrameFields {
    pub(crate) fn parse(h: &[u8; FRAME_HEADER_LEN]) -> Self {
        let [
            t0,
            t1,
            t2,
            t3,
            i0,
            i1,
            i2,
            i3,
            i4,
            i5,
            i6,
            i7,
            fin,
            n0,
            n1,
            n2,
        ] = *h;
        FrameFields {
            tag4: [t0, t1, t2, t3],
            index: u64::from_be_bytes([i0, i1, i2, i3, i4, i5, i6, i7]),
            final_byte: fin,
            len: u32::from_be_bytes([0, n0, n1, n2]),
        }
    }
}

/// The AES-GCM nonce of chunk `index`: `u64be(index) || u8(final) || u24be(len)`
/// (SR-STR-4). `len` is at most the chunk size, below 2^24.
pub(crate) fn nonce(index: u64, is_final: bool, len: u32) -> [u8; 12] {
    let [i0, i1, i2, i3, i4, i5, i6, i7] = index.to_be_bytes();
    let [_, n0, n1, n2] = len.to_be_bytes();
    [
        i0,
        i1,
        i2,
        i3,
        i4,
        i5,
        i6,
        i7,
        u8::from(is_final),
        n0,
        n1,
        n2,
    ]
}

/// The frame header of chunk `index`: `tag4 || nonce`.
pub(crate) fn frame_header(tag4: [u8; 4], nonce: &[u8; 12]) -> [u8; FRAME_HEADER_LEN] {
    let [t0, t1, t2, t3] = tag4;
    let [a, b, c, d, e, f, g, h, i, j, k, l] = *nonce;
    [t0, t1, t2, t3, a, b, c, d, e, f, g, h, i, j, k, l]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> StreamHeader {
        StreamHeader::new(&[1; 16], &[2; 32], 16, &[3; 32])
    }

    // SR-STR-1: the layout of SPEC.md 11.16.2, byte for byte, and its decoding from a prefix
    // that frames follow.
    #[test]
    fn sr_str_1_layout_and_roundtrip() {
        let h = sample();
        let mut expected = vec![0xa6, 0x01, 0x04, 0x02, 0x01, 0x03, 0x50];
        expected.extend([1; 16]);
        expected.extend([0x04, 0x58, 0x20]);
        expected.extend([2; 32]);
        expected.extend([0x05, 0x10, 0x06, 0x58, 0x20]);
        expected.extend([3; 32]);
        assert_eq!(&h.as_bytes()[..], &expected[..]);
        let mut stream = expected.clone();
        stream.extend([0xff; 300]);
        assert_eq!(StreamHeader::decode(&stream).unwrap(), h);
        assert_eq!(StreamHeader::decode(&expected).unwrap(), h);
        assert_eq!(h.tag4(), [2; 4]);
        assert_eq!(h.chunk_size(), STREAM_CHUNK_SIZE);
    }

    // SR-STR-1: the decoding order on a stream prefix.
    #[test]
    fn sr_str_1_decoding_order() {
        let m = |e: Malformed| Err::<StreamHeader, Error>(e.into());
        let b = sample().as_bytes().to_vec();
        for cut in 0..b.len() {
            assert_eq!(
                StreamHeader::decode(&b[..cut]),
                m(Malformed::Truncated),
                "{cut}"
            );
        }
        let mut t = b.clone();
        t[2] = 0x02;
        assert_eq!(StreamHeader::decode(&t), m(Malformed::WrongObjectType));
        let mut t = b.clone();
        t[4] = 0x02;
        assert_eq!(
            StreamHeader::decode(&t),
            Err(Error::UnsupportedVersion { version: 2 })
        );
        // Chunk size 2^17, and key 5 as a byte string.
        let mut t = b.clone();
        t[59] = 0x11;
        assert_eq!(StreamHeader::decode(&t), m(Malformed::ValueOutOfRange));
        let mut t = b.clone();
        t[59] = 0x40;
        assert_eq!(StreamHeader::decode(&t), m(Malformed::UnexpectedType));
        // A 31-byte salt.
        let mut t = b.clone();
        t[25] = 0x1f;
        t.remove(26);
        assert_eq!(StreamHeader::decode(&t), m(Malformed::WrongLength));
        // A salt of 300 bytes: too large when the input goes on, truncated when it stops.
        let mut t = b[..23].to_vec();
        t.extend([0x04, 0x59, 0x01, 0x2c]);
        t.extend([0; 300]);
        assert_eq!(StreamHeader::decode(&t), m(Malformed::TooLarge));
        assert_eq!(StreamHeader::decode(&t[..200]), m(Malformed::Truncated));
        // A seventh key; a missing commitment; a non-shortest head.
        let mut t = b.clone();
        t[0] = 0xa7;
        t.extend([0x07, 0x00]);
        assert_eq!(StreamHeader::decode(&t), m(Malformed::UnknownKey));
        let mut t = b[..60].to_vec();
        t[0] = 0xa5;
        assert_eq!(StreamHeader::decode(&t), m(Malformed::MissingKey));
        let mut t = b.clone();
        t.splice(59..60, [0x18, 0x10]);
        assert_eq!(StreamHeader::decode(&t), m(Malformed::NonShortestHead));
    }

    // SR-STR-4: the frame header is tag4 || u64be(index) || u8(final) || u24be(len).
    #[test]
    fn sr_str_4_frame_header_layout() {
        let n = nonce(0x0102_0304_0506_0708, true, 0x00_ab_cd_ef);
        assert_eq!(hex::encode(n), "010203040506070801abcdef");
        let h = frame_header([9, 8, 7, 6], &n);
        assert_eq!(hex::encode(h), "09080706010203040506070801abcdef");
        let f = FrameFields::parse(&h);
        assert_eq!(f.tag4, [9, 8, 7, 6]);
        assert_eq!(f.index, 0x0102_0304_0506_0708);
        assert_eq!((f.final_byte, f.len), (1, 0xab_cdef));
    }
}
