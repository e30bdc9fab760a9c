//! SealStream (SPEC.md 11.16.4): from a reader, from a caller that writes into a
//! [`StreamSealer`], or from a slice.

use std::io::{self, IoSlice, Read, Write};

use super::{Geometry, Scratch, StreamKeys, StreamSummary, io_error, read_full};
use crate::error::{Error, Result};
use crate::format::stream::{
    FRAME_HEADER_LEN, STREAM_FRAME_OVERHEAD, StreamHeader, frame_header, nonce,
};
use crate::keyring::UnlockedKeyring;
use crate::primitives::rng::RecordRandomness;
use crate::primitives::rng::{self, OsRandom, RandomSource, ThreadRandom};
use crate::record::{Context, check_context};

/// SealStream steps 1 to 4: the context check, the salt (drawn from `rng`), the header and
/// the keys.
fn begin(
    unlocked: &UnlockedKeyring,
    context: &[u8],
    geometry: Geometry,
    rng: &mut dyn RandomSource,
) -> Result<(StreamHeader, StreamKeys)> {
    check_context(context)?;
    let salt = rng::array::<32>(rng)?;
    Ok(StreamKeys::for_sealing(unlocked, &salt, context, geometry))
}

/// [`begin`] with SPEC.md's geometry and the caller's salt source, for the hazmat sealers.
#[cfg(any(test, feature = "hazmat"))]
pub(crate) fn begin_sealing(
    unlocked: &UnlockedKeyring,
    context: &[u8],
    rng: &mut dyn RandomSource,
) -> io::Result<(StreamHeader, StreamKeys)> {
    begin(unlocked, context, Geometry::V1, rng).map_err(io_error)
}

/// The salt's source: the keyring's record randomness setting, as for record salts.
fn begin_fresh(unlocked: &UnlockedKeyring, context: &[u8]) -> Result<(StreamHeader, StreamKeys)> {
    match unlocked.record_randomness() {
        RecordRandomness::OperatingSystem => begin(unlocked, context, Geometry::V1, &mut OsRandom),
        _ => begin(unlocked, context, Geometry::V1, &mut ThreadRandom),
    }
}

/// SealStream into a vector, for a payload in memory.
pub(crate) fn seal_slice(
    unlocked: &UnlockedKeyring,
    payload: &[u8],
    context: &[u8],
    geometry: Geometry,
    rng: &mut dyn RandomSource,
) -> Result<Vec<u8>> {
    let (header, keys) = begin(unlocked, context, geometry, rng)?;
    let c = geometry.chunk();
    let chunks = payload.len().div_ceil(c).max(1);
    let last = u64::try_from(chunks.saturating_sub(1)).unwrap_or(u64::MAX);
    // Step 5 would fail at frame 2^32 - 1; failing before the first frame writes nothing.
    keys.check_sealable(last, true)?;
    let len = chunks
        .checked_mul(STREAM_FRAME_OVERHEAD)
        .and_then(|f| f.checked_add(payload.len()))
        .and_then(|f| f.checked_add(header.as_bytes().len()))
        .ok_or(Error::LimitExceeded(crate::Limit::StreamTooLarge))?;
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(header.as_bytes());
    let mut pieces = payload.chunks(c);
    let mut index = 0u64;
    loop {
        let piece = pieces.next().unwrap_or_default();
        let is_final = index == last;
        let n = u32::try_from(piece.len()).unwrap_or(u32::MAX);
        let nonce = crate::format::stream::nonce(index, is_final, n);
        out.extend_from_slice(&crate::format::stream::frame_header(keys.tag4, &nonce));
        let start = out.len();
        out.resize(start.saturating_add(piece.len()), 0);
        let body = out.get_mut(start..).unwrap_or_default();
        let tag = keys.gcm.seal_to(&nonce, &keys.aad, piece, body);
        out.extend_from_slice(&tag);
        if is_final {
            return Ok(out);
        }
        index = index.saturating_add(1);
    }
}

/// SealStream steps 5 and 6 from a reader, after [`begin`]: `seal_stream`'s loop.
pub(crate) fn seal_reader<R: Read, W: Write>(
    header: StreamHeader,
    keys: StreamKeys,
    mut reader: R,
    mut writer: W,
) -> io::Result<StreamSummary> {
    writer.write_all(header.as_bytes())?;
    let c = keys.geometry.chunk();
    let mut frame = Scratch(vec![0u8; keys.geometry.frame_len()]);
    // Each read asks for one chunk and one byte more, which lands where the tag goes
    // (a frame is the chunk and 32 bytes): more than `c` bytes means the chunk is not
    // the final one, and that byte starts the next chunk. One read per chunk.
    let body = FRAME_HEADER_LEN;
    let probe_at = body.saturating_add(c);
    let mut n = read_full(
        &mut reader,
        frame.0.get_mut(body..=probe_at).unwrap_or_default(),
    )?;
    let mut index = 0u64;
    let mut payload_len = 0u64;
    loop {
        let is_final = n <= c;
        let chunk = n.min(c);
        let ahead = frame.0.get(probe_at).copied().unwrap_or(0);
        keys.check_sealable(index, is_final).map_err(io_error)?;
        let f = frame
            .0
            .get_mut(..chunk.saturating_add(STREAM_FRAME_OVERHEAD))
            .unwrap_or_default();
        keys.seal_frame(index, is_final, f);
        writer.write_all(f)?;
        payload_len = payload_len.saturating_add(chunk as u64);
        index = index.saturating_add(1);
        if is_final {
            break;
        }
        // The byte read ahead starts the next chunk.
        if let Some(first) = frame.0.get_mut(body) {
            *first = ahead;
        }
        let rest = frame
            .0
            .get_mut(body.saturating_add(1)..=probe_at)
            .unwrap_or_default();
        n = read_full(&mut reader, rest)?.saturating_add(1);
    }
    writer.flush()?;
    Ok(StreamSummary {
        header,
        chunk_count: index,
        payload_len,
    })
}

/// SealStream steps 5 and 6 over a buffer the caller owns, after [`begin`]: each chunk is
/// encrypted in place in `payload` and written from there.
pub(crate) fn seal_in_place<W: Write>(
    header: StreamHeader,
    keys: StreamKeys,
    payload: &mut [u8],
    mut writer: W,
) -> io::Result<StreamSummary> {
    let c = keys.geometry.chunk();
    let chunks = payload.len().div_ceil(c).max(1);
    let last = u64::try_from(chunks.saturating_sub(1)).unwrap_or(u64::MAX);
    // Step 5 would fail at frame 2^32 - 1; failing before the first frame writes nothing and
    // leaves the payload as it was.
    keys.check_sealable(last, true).map_err(io_error)?;
    writer.write_all(header.as_bytes())?;
    let mut pieces = payload.chunks_mut(c);
    let mut index = 0u64;
    let mut payload_len = 0u64;
    loop {
        // An empty payload is one empty final chunk.
        let piece = pieces.next().unwrap_or_default();
        let is_final = index >= last;
        let n = u32::try_from(piece.len()).unwrap_or(u32::MAX);
        let nonce = nonce(index, is_final, n);
        let tag = keys.gcm.seal_in_place(&nonce, &keys.aad, piece);
        let head = frame_header(keys.tag4, &nonce);
        write_all_parts(&mut writer, [&head, piece, &tag])?;
        payload_len = payload_len.saturating_add(piece.len() as u64);
        index = index.saturating_add(1);
        if is_final {
            break;
        }
    }
    writer.flush()?;
    Ok(StreamSummary {
        header,
        chunk_count: index,
        payload_len,
    })
}

/// `write_all` of three buffers with [`Write::write_vectored`]: a partial write resumes
/// where it stopped, `Interrupted` is retried, a write of 0 bytes is `WriteZero`.
fn write_all_parts<W: Write + ?Sized>(writer: &mut W, mut parts: [&[u8]; 3]) -> io::Result<()> {
    while parts.iter().any(|p| !p.is_empty()) {
        let bufs = parts.map(IoSlice::new);
        match writer.write_vectored(&bufs) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "failed to write a whole stream frame",
                ));
            }
            Ok(mut written) => {
                for part in &mut parts {
                    let k = written.min(part.len());
                    *part = part.get(k..).unwrap_or_default();
                    written = written.saturating_sub(k);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

impl UnlockedKeyring {
    /// Seals everything `reader` yields, bound to `context`, as a sealed stream written to
    /// `writer` (SealStream, SPEC.md 11.16.4), in constant memory: one chunk (64 KiB) and
    /// its frame at a time. It reads one byte ahead to tell the final chunk. The stream salt
    /// comes from [`UnlockedKeyring::record_randomness`], as record salts do.
    ///
    /// The writer is flushed at the end. A stream whose sealing failed part way is cut:
    /// every reader rejects it (`stream_truncated`), so the partial output is harmless, but
    /// the caller should delete it.
    ///
    /// # Errors
    /// An `io::Error` from the reader or the writer, passed through; otherwise an `io::Error`
    /// of kind `InvalidData` carrying the crate's [`Error`] (see [`crate::stream_error`]):
    /// [`Error::LimitExceeded`] (`context_too_long` before anything is written,
    /// `stream_too_large` beyond 2^48 bytes), [`Error::RandomnessUnavailable`].
    pub fn seal_stream<R: Read, W: Write>(
        &self,
        reader: R,
        writer: W,
        context: Context<'_>,
    ) -> io::Result<StreamSummary> {
        let (header, keys) = begin_fresh(self, context.as_bytes()).map_err(io_error)?;
        seal_reader(header, keys, reader, writer)
    }

    /// Seals `payload`, a buffer the caller owns, bound to `context`, as a sealed stream
    /// written to `writer`, without copying it: each 64 KiB chunk is encrypted in place in
    /// `payload` and written from there, between its 16-byte frame header and its tag. The
    /// output bytes are exactly what [`UnlockedKeyring::seal_stream`] writes for the same
    /// payload and salt; the salt comes from [`UnlockedKeyring::record_randomness`].
    ///
    /// **`payload` is overwritten with ciphertext**, chunk by chunk: on success it holds the
    /// stream's frame bodies, in order (the payload itself is gone). If sealing fails part way,
    /// the chunks sealed so far are ciphertext and the rest is still plaintext; the stream
    /// written is cut, every reader rejects it (`stream_truncated`), and the caller should
    /// delete it. A payload beyond the chunk count limit fails before anything is written or
    /// overwritten.
    ///
    /// Each frame is written with [`Write::write_vectored`] (header, chunk, tag), so a writer
    /// that implements it (a file, a socket, a `Vec`) gets one call per frame. The writer is
    /// flushed at the end.
    ///
    /// # Errors
    /// As [`UnlockedKeyring::seal_stream`]: an `io::Error` from the writer, passed through;
    /// otherwise an `io::Error` of kind `InvalidData` carrying the crate's [`Error`] (see
    /// [`crate::stream_error`]): [`Error::LimitExceeded`] (`context_too_long` before the salt
    /// is drawn, `stream_too_large` beyond 2^48 bytes, before anything is written),
    /// [`Error::RandomnessUnavailable`].
    pub fn seal_stream_in_place<W: Write>(
        &self,
        payload: &mut [u8],
        writer: W,
        context: Context<'_>,
    ) -> io::Result<StreamSummary> {
        let (header, keys) = begin_fresh(self, context.as_bytes()).map_err(io_error)?;
        seal_in_place(header, keys, payload, writer)
    }

    /// A sealer that the caller writes the payload into ([`std::io::Write`]), for payloads
    /// that are produced rather than read. The header is written to `writer` at once; each
    /// chunk is sealed and written when the next byte after it arrives, and the final one by
    /// [`StreamSealer::finish`], which must be called: a sealer dropped without it leaves a
    /// cut stream, which every reader rejects (`stream_truncated`).
    ///
    /// # Errors
    /// An `io::Error` from `writer`; an `io::Error` carrying [`Error::LimitExceeded`]
    /// (`context_too_long`) or [`Error::RandomnessUnavailable`] (see [`crate::stream_error`]).
    pub fn stream_sealer<W: Write>(
        &self,
        mut writer: W,
        context: Context<'_>,
    ) -> io::Result<StreamSealer<W>> {
        let (header, keys) = begin_fresh(self, context.as_bytes()).map_err(io_error)?;
        writer.write_all(header.as_bytes())?;
        let frame = Scratch(vec![0u8; keys.geometry.frame_len()]);
        Ok(StreamSealer {
            writer,
            keys,
            header,
            frame,
            filled: 0,
            index: 0,
            payload_len: 0,
            broken: false,
        })
    }

    /// Seals `payload`, held in memory, as a sealed stream bound to `context`: the bytes
    /// [`UnlockedKeyring::seal_stream`] would write.
    ///
    /// # Errors
    /// [`Error::LimitExceeded`] (`context_too_long`), [`Error::RandomnessUnavailable`].
    pub fn seal_stream_to_vec(&self, payload: &[u8], context: Context<'_>) -> Result<Vec<u8>> {
        let context = context.as_bytes();
        match self.record_randomness() {
            RecordRandomness::OperatingSystem => {
                seal_slice(self, payload, context, Geometry::V1, &mut OsRandom)
            }
            _ => seal_slice(self, payload, context, Geometry::V1, &mut ThreadRandom),
        }
    }
}

/// Seals what is written into it as a sealed stream (SealStream, SPEC.md 11.16.4); made by
/// [`UnlockedKeyring::stream_sealer`].
///
/// Memory is one chunk and its frame (64 KiB and 32 bytes), wiped when dropped.
/// [`Write::flush`] flushes the underlying writer but cannot write a partial chunk (every
/// chunk but the final one is full); [`StreamSealer::finish`] writes the final chunk. After
/// any error the sealer is unusable and the stream it wrote is cut.
pub struct StreamSealer<W: Write> {
    writer: W,
    keys: StreamKeys,
    header: StreamHeader,
    frame: Scratch,
    filled: usize,
    index: u64,
    payload_len: u64,
    broken: bool,
}

impl<W: Write> StreamSealer<W> {
    /// The header written at the start of the stream.
    pub fn header(&self) -> &StreamHeader {
        &self.header
    }

    #[cfg(test)]
    pub(crate) fn for_tests(writer: W, keys: StreamKeys, header: StreamHeader) -> Self {
        let frame = Scratch(vec![0u8; keys.geometry.frame_len()]);
        StreamSealer {
            writer,
            keys,
            header,
            frame,
            filled: 0,
            index: 0,
            payload_len: 0,
            broken: false,
        }
    }

    /// Seals and writes the buffered chunk as frame `self.index`.
    fn emit(&mut self, is_final: bool) -> io::Result<()> {
        self.broken = true;
        self.keys
            .check_sealable(self.index, is_final)
            .map_err(io_error)?;
        let len = self.filled.saturating_add(STREAM_FRAME_OVERHEAD);
        let f = self.frame.0.get_mut(..len).unwrap_or_default();
        self.keys.seal_frame(self.index, is_final, f);
        self.writer.write_all(f)?;
        self.payload_len = self.payload_len.saturating_add(self.filled as u64);
        self.index = self.index.saturating_add(1);
        self.filled = 0;
        self.broken = false;
        Ok(())
    }

    /// Seals and writes the final chunk (what was written since the last full chunk, possibly
    /// nothing), flushes the writer and returns it with a summary of the stream.
    ///
    /// # Errors
    /// An `io::Error` from the writer; an `io::Error` carrying [`Error::LimitExceeded`]
    /// (`stream_too_large`, see [`crate::stream_error`]); an `io::Error` of kind `Other`
    /// when an earlier call failed.
    pub fn finish(mut self) -> io::Result<(W, StreamSummary)> {
        if self.broken {
            return Err(broken());
        }
        self.emit(true)?;
        self.writer.flush()?;
        let summary = StreamSummary {
            header: self.header,
            chunk_count: self.index,
            payload_len: self.payload_len,
        };
        Ok((self.writer, summary))
    }
}

fn broken() -> io::Error {
    io::Error::other("the stream sealer failed earlier; the stream it wrote is cut")
}

impl<W: Write> Write for StreamSealer<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.broken {
            return Err(broken());
        }
        let c = self.keys.geometry.chunk();
        let mut rest = buf;
        while !rest.is_empty() {
            if self.filled >= c {
                // More payload follows a full chunk: it is not the final one.
                self.emit(false)?;
            }
            let room = c.saturating_sub(self.filled);
            let (now, later) = rest.split_at(room.min(rest.len()));
            let start = FRAME_HEADER_LEN.saturating_add(self.filled);
            let end = start.saturating_add(now.len());
            if let Some(dst) = self.frame.0.get_mut(start..end) {
                dst.copy_from_slice(now);
            }
            self.filled = self.filled.saturating_add(now.len());
            rest = later;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

impl<W: Write> core::fmt::Debug for StreamSealer<W> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StreamSealer")
            .field("header", &self.header)
            .field("chunks_written", &self.index)
            .finish_non_exhaustive()
    }
}
