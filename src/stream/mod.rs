//! Sealed streams (SPEC.md 11.16): a payload of any length in constant memory, cut into
//! 64 KiB chunks each sealed on its own under a per-stream key (SR-STR-2), in frames whose
//! nonce holds the chunk's index, a final flag and its length (SR-STR-4).
//!
//! `mod.rs` holds what sealing and opening share: the stream's keys and associated data,
//! the frame checks of OpenStream step 6 and the public types that are neither a sealer
//! nor an opener; `seal.rs` is SealStream, `open.rs` OpenStream and OpenChunk.

mod open;
mod seal;

pub use open::{StreamChunks, StreamOpener};
pub use seal::StreamSealer;

#[cfg(any(test, feature = "hazmat"))]
pub(crate) use open::open_slice;
#[cfg(any(test, feature = "hazmat"))]
pub(crate) use seal::{begin_sealing, seal_in_place, seal_reader, seal_slice};

use std::io;

use crate::error::{Error, Limit, Malformed, Result, StreamViolation};
use crate::format::stream::{
    FRAME_HEADER_LEN, FrameFields, STREAM_FRAME_OVERHEAD, STREAM_HEADER_LEN, StreamHeader,
    V1_LOG2_CHUNK, frame_header, nonce,
};
use crate::keyring::UnlockedKeyring;
use crate::limits::MAX_STREAM_CHUNKS;
use crate::primitives::crypto::{Gcm, TAG_LEN};
use crate::primitives::secret::Key32;
use crate::record::{Plaintext, check_context};
use crate::schedule::{stream_aad, stream_keys};

/// The chunk size and chunk count limit a stream is sealed and opened with: SPEC.md's
/// (65,536 bytes, 2^32 chunks) for every stream of the public API. Tests lower the count
/// limit to reach SR-STR-5 without 256 TiB; the benches measure other chunk sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Geometry {
    log2_chunk: u8,
    chunk: usize,
    max_chunks: u64,
}

impl Geometry {
    /// SPEC.md's geometry.
    pub(crate) const V1: Geometry = Geometry {
        log2_chunk: V1_LOG2_CHUNK,
        chunk: 1 << V1_LOG2_CHUNK,
        max_chunks: MAX_STREAM_CHUNKS,
    };

    /// Chunks of 2^`log2_chunk` bytes (2^10 to 2^20) and at most `max_chunks` (at least 1)
    /// of them.
    #[cfg(any(test, feature = "hazmat"))]
    pub(crate) fn new(log2_chunk: u8, max_chunks: u64) -> Option<Geometry> {
        if !(10..=20).contains(&log2_chunk) || max_chunks == 0 || max_chunks > MAX_STREAM_CHUNKS {
            return None;
        }
        Some(Geometry {
            log2_chunk,
            chunk: 1usize.checked_shl(u32::from(log2_chunk))?,
            max_chunks,
        })
    }

    pub(crate) fn log2_chunk(self) -> u8 {
        self.log2_chunk
    }

    pub(crate) fn chunk(self) -> usize {
        self.chunk
    }

    /// A full frame: chunk, frame header and tag (at most 2^20 + 32 bytes).
    fn frame_len(self) -> usize {
        self.chunk.saturating_add(STREAM_FRAME_OVERHEAD)
    }

    /// Offset of frame `index`: `95 + index·(C + 32)`.
    fn frame_offset(self, index: u64) -> Option<u64> {
        let frame = u64::try_from(self.frame_len()).ok()?;
        index
            .checked_mul(frame)?
            .checked_add(STREAM_HEADER_LEN as u64)
    }
}

/// A buffer that holds plaintext at times, wiped in one pass when dropped.
struct Scratch(Vec<u8>);

impl Drop for Scratch {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(self.0.as_mut_slice());
    }
}

/// The keys and associated data of one stream: one HKDF derivation and one AES key
/// schedule serve all of its chunks.
pub(crate) struct StreamKeys {
    gcm: Gcm,
    aad: [u8; 32],
    tag4: [u8; 4],
    geometry: Geometry,
}

impl StreamKeys {
    /// SealStream steps 2 to 4, after the context check of step 1 and with the salt of step
    /// 2 drawn by the caller: the header and the keys.
    fn for_sealing(
        unlocked: &UnlockedKeyring,
        salt: &[u8; 32],
        context: &[u8],
        geometry: Geometry,
    ) -> (StreamHeader, StreamKeys) {
        let keyring_id = unlocked.keyring().id();
        let (key, commitment) = stream_keys(unlocked.record_root(), salt, keyring_id);
        let header = StreamHeader::new(keyring_id, salt, geometry.log2_chunk, commitment.expose());
        let keys = StreamKeys::with_key(&key, &header, context, geometry);
        (header, keys)
    }

    /// OpenStream steps 2 to 5 on a decoded header: keyring id, context length, the
    /// commitment in constant time (SR-STR-6), then the associated data from the header's
    /// exact bytes (SR-STR-3).
    fn for_opening(
        unlocked: &UnlockedKeyring,
        header: &StreamHeader,
        context: &[u8],
        geometry: Geometry,
    ) -> Result<StreamKeys> {
        if header.keyring_id() != unlocked.keyring().id() {
            return Err(Error::WrongKeyring);
        }
        check_context(context)?;
        let (key, expected) =
            stream_keys(unlocked.record_root(), header.salt(), header.keyring_id());
        if !crate::primitives::crypto::ct_eq(expected.expose(), header.commitment()) {
            return Err(Error::StreamAuthenticationFailed);
        }
        if header.log2_chunk() != geometry.log2_chunk {
            // Only a hazmat caller can ask for another geometry than the header's.
            return Err(Malformed::ValueOutOfRange.into());
        }
        Ok(StreamKeys::with_key(&key, header, context, geometry))
    }

    fn with_key(
        key: &Key32,
        header: &StreamHeader,
        context: &[u8],
        geometry: Geometry,
    ) -> StreamKeys {
        StreamKeys {
            gcm: Gcm::new(key),
            aad: stream_aad(header.as_bytes(), context),
            tag4: header.tag4(),
            geometry,
        }
    }

    /// SR-STR-5 for the sealer: no frame of index 2^32, no non-final frame of index
    /// 2^32 - 1.
    fn check_sealable(&self, index: u64, is_final: bool) -> Result<()> {
        let last = self.geometry.max_chunks.saturating_sub(1);
        if index > last || (index == last && !is_final) {
            return Err(Limit::StreamTooLarge.into());
        }
        Ok(())
    }

    /// OpenStream steps 6.2 to 6.4 on the 16-byte frame header of the frame at `position`:
    /// the stream's four salt bytes, fields a sealer can write, and the index in its place.
    /// Returns the final flag and the ciphertext length.
    fn check_frame(&self, h: &[u8; FRAME_HEADER_LEN], position: u64) -> Result<(bool, usize)> {
        let f = FrameFields::parse(h);
        if f.tag4 != self.tag4 {
            return Err(StreamViolation::ChunkFromAnotherStream.into());
        }
        let max = self.geometry.max_chunks;
        let n = usize::try_from(f.len).map_err(|_| Malformed::ChunkFrame)?;
        let is_final = f.final_byte == 1;
        if f.index >= max
            || f.final_byte > 1
            || n > self.geometry.chunk
            || (!is_final && n != self.geometry.chunk)
            || (!is_final && f.index == max.saturating_sub(1))
            || (is_final && n == 0 && f.index > 0)
        {
            return Err(Malformed::ChunkFrame.into());
        }
        if f.index < position {
            return Err(StreamViolation::ChunkDuplicated.into());
        }
        if f.index > position {
            return Err(StreamViolation::ChunkReordered.into());
        }
        Ok((is_final, n))
    }

    /// Seals the chunk in `frame[16 .. len - 16]` in place as frame `index` (SR-STR-4):
    /// writes the frame header before it and the tag after it. `frame` is the chunk plus
    /// 32 bytes; the chunk is at most the chunk size.
    fn seal_frame(&self, index: u64, is_final: bool, frame: &mut [u8]) {
        let n = frame.len().saturating_sub(STREAM_FRAME_OVERHEAD);
        let nonce = nonce(index, is_final, u32::try_from(n).unwrap_or(u32::MAX));
        let Some((head, rest)) = frame.split_at_mut_checked(FRAME_HEADER_LEN) else {
            return;
        };
        head.copy_from_slice(&frame_header(self.tag4, &nonce));
        if let Some((body, tag)) = rest.split_at_mut_checked(n) {
            let t = self.gcm.seal_in_place(&nonce, &self.aad, body);
            tag.copy_from_slice(&t);
        }
    }

    /// OpenStream step 6.7: decrypts `body` in place with the nonce of the reader's own
    /// count `position`, never the one the frame carries. On failure `body` is wiped.
    fn open_body(
        &self,
        position: u64,
        is_final: bool,
        body: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<()> {
        let len = u32::try_from(body.len()).map_err(|_| Error::StreamAuthenticationFailed)?;
        let nonce = nonce(position, is_final, len);
        self.gcm
            .open_in_place(&nonce, &self.aad, body, tag)
            .map_err(|()| Error::StreamAuthenticationFailed)
    }

    /// Step 6.7 from `body` into `out` (equal lengths); `out` is wiped on failure.
    fn open_body_to(
        &self,
        position: u64,
        is_final: bool,
        body: &[u8],
        tag: &[u8; TAG_LEN],
        out: &mut [u8],
    ) -> Result<()> {
        let len = u32::try_from(body.len()).map_err(|_| Error::StreamAuthenticationFailed)?;
        let nonce = nonce(position, is_final, len);
        self.gcm
            .open_to(&nonce, &self.aad, body, out, tag)
            .map_err(|()| Error::StreamAuthenticationFailed)
    }
}

/// What [`UnlockedKeyring::seal_stream`], [`UnlockedKeyring::seal_stream_in_place`] and
/// [`StreamSealer::finish`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamSummary {
    header: StreamHeader,
    chunk_count: u64,
    payload_len: u64,
}

impl StreamSummary {
    /// The stream's header (its first 95 bytes).
    pub fn header(&self) -> &StreamHeader {
        &self.header
    }

    /// Number of chunks (frames) written, at least 1.
    pub fn chunk_count(&self) -> u64 {
        self.chunk_count
    }

    /// Bytes of payload sealed.
    pub fn payload_len(&self) -> u64 {
        self.payload_len
    }

    /// Bytes of stream written: header, payload and 32 bytes per chunk.
    pub fn sealed_len(&self) -> u64 {
        (STREAM_HEADER_LEN as u64)
            .saturating_add(self.payload_len)
            .saturating_add(
                self.chunk_count
                    .saturating_mul(STREAM_FRAME_OVERHEAD as u64),
            )
    }
}

/// One chunk opened on its own (OpenChunk, SPEC.md 11.16.4): authentic and at its position,
/// which says nothing of the chunks around it (SR-STR-7).
#[derive(Debug)]
#[non_exhaustive]
pub struct StreamChunk {
    /// The chunk's plaintext, wiped when dropped.
    pub plaintext: Plaintext,
    /// Whether the chunk was sealed as the stream's final chunk; a chunk that is not final
    /// proves nothing about where the stream ends.
    pub is_final: bool,
}

/// Number of chunks of a sealed stream that is `stream_len` bytes long, header included:
/// `ceil((stream_len - 95) / (65,536 + 32))`, so that its final chunk has index one less.
/// `None` when no stream is that short (a stream has at least one 32-byte frame).
pub fn stream_chunk_count(stream_len: u64) -> Option<u64> {
    let body = stream_len.checked_sub(STREAM_HEADER_LEN as u64)?;
    if body < STREAM_FRAME_OVERHEAD as u64 {
        return None;
    }
    let frame = Geometry::V1.frame_len() as u64;
    Some(body.div_ceil(frame))
}

/// Length of the sealed stream of a payload of `payload_len` bytes: the header, the payload
/// and 32 bytes per chunk (`max(1, ceil(payload_len / 65,536))` chunks). `None` above 2^48
/// bytes of payload (SR-STR-5).
pub fn sealed_stream_len(payload_len: u64) -> Option<u64> {
    let chunks = payload_len.div_ceil(Geometry::V1.chunk as u64).max(1);
    if chunks > MAX_STREAM_CHUNKS {
        return None;
    }
    (STREAM_HEADER_LEN as u64)
        .checked_add(payload_len)?
        .checked_add(chunks.checked_mul(STREAM_FRAME_OVERHEAD as u64)?)
}

/// The crate's [`Error`] inside an `io::Error` from a stream reader or writer of this crate
/// ([`StreamOpener`], [`StreamSealer`], [`UnlockedKeyring::seal_stream`], ...), where the
/// stream itself failed (a SPEC.md class such as `stream_violation`); `None` for an error of
/// the underlying reader or writer, which is passed through as it is.
///
/// ```
/// # fn f(e: std::io::Error) {
/// match strongroom::stream_error(&e) {
///     Some(err) => eprintln!("bad stream: {} {:?}", err.class(), err.reason()),
///     None => eprintln!("I/O error: {e}"),
/// }
/// # }
/// ```
pub fn stream_error(e: &io::Error) -> Option<Error> {
    e.get_ref()?.downcast_ref::<Error>().copied()
}

/// A failure of the stream as an `io::Error` (kind `InvalidData`) that
/// [`stream_error`] turns back into the crate's error.
fn io_error(e: Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

/// Reads into `buf` until it is full or the reader ends; returns the bytes read.
/// `Interrupted` is retried, as `read_exact` does.
fn read_full<R: io::Read + ?Sized>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    match read_some(reader, buf) {
        (_, Some(e)) => Err(e),
        (got, None) => Ok(got),
    }
}

/// [`read_full`] that also says how many bytes it got before the reader failed, if it did:
/// the opener judges a frame on the bytes it has before it reports the reader's error.
fn read_some<R: io::Read + ?Sized>(reader: &mut R, buf: &mut [u8]) -> (usize, Option<io::Error>) {
    let mut got = 0usize;
    while let Some(rest) = buf.get_mut(got..) {
        if rest.is_empty() {
            break;
        }
        match reader.read(rest) {
            Ok(0) => break,
            // A reader never returns more than it was given: `got` stays <= buf.len().
            Ok(k) => got = got.saturating_add(k).min(buf.len()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (got, Some(e)),
        }
    }
    (got, None)
}

#[cfg(test)]
mod tests;
