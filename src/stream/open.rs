//! OpenStream and OpenChunk (SPEC.md 11.16.4): chunk by chunk from a reader
//! ([`StreamOpener`]), all at once from a slice, and one chunk at a time by position
//! ([`StreamChunks`]).

use std::io::{self, Read, Seek, SeekFrom};

use super::{Geometry, Scratch, StreamChunk, StreamKeys, io_error, read_full, read_some};
use crate::error::{Error, Result, StreamViolation};
use crate::format::stream::{
    self as wire, FRAME_HEADER_LEN, STREAM_FRAME_OVERHEAD, STREAM_HEADER_LEN, StreamHeader,
};
use crate::keyring::UnlockedKeyring;
use crate::limits::MAX_STREAM_HEADER_LEN;
use crate::primitives::crypto::TAG_LEN;
use crate::record::{Context, Plaintext};

/// Splits `frame` (a frame header, `n` bytes of ciphertext and a tag, possibly followed by
/// more) into its parts.
fn parts(frame: &[u8], n: usize) -> Option<(&[u8], [u8; TAG_LEN])> {
    let body = frame.get(FRAME_HEADER_LEN..FRAME_HEADER_LEN.checked_add(n)?)?;
    let tag_start = FRAME_HEADER_LEN.checked_add(n)?;
    let tag = frame.get(tag_start..tag_start.checked_add(TAG_LEN)?)?;
    Some((body, tag.try_into().ok()?))
}

fn frame_header(r: &[u8]) -> Option<&[u8; FRAME_HEADER_LEN]> {
    r.get(..FRAME_HEADER_LEN)?.try_into().ok()
}

/// OpenStream over a stream in memory, all or nothing.
pub(crate) fn open_slice(
    unlocked: &UnlockedKeyring,
    stream: &[u8],
    context: &[u8],
    geometry: Geometry,
) -> Result<Plaintext> {
    let header = wire::decode(stream, geometry.log2_chunk())?;
    let keys = StreamKeys::for_opening(unlocked, &header, context, geometry)?;
    let mut rest = stream.get(STREAM_HEADER_LEN..).unwrap_or_default();
    // At most the input's size: the frames hold fewer plaintext bytes than that.
    let mut out = Plaintext(Vec::with_capacity(rest.len()));
    let mut position = 0u64;
    loop {
        // 6.1 to 6.4.
        let h = frame_header(rest).ok_or(StreamViolation::StreamTruncated)?;
        let (is_final, n) = keys.check_frame(h, position)?;
        // 6.5, 6.6.
        let (body, tag) = parts(rest, n).ok_or(StreamViolation::StreamTruncated)?;
        let frame_len = n.saturating_add(STREAM_FRAME_OVERHEAD);
        if is_final && rest.len() > frame_len {
            return Err(StreamViolation::DataAfterFinalChunk.into());
        }
        // 6.7: into the output, which is wiped (by Plaintext's drop) on any failure.
        let start = out.0.len();
        out.0.resize(start.saturating_add(n), 0);
        let dst = out.0.get_mut(start..).unwrap_or_default();
        keys.open_body_to(position, is_final, body, &tag, dst)?;
        if is_final {
            return Ok(out);
        }
        rest = rest.get(frame_len..).unwrap_or_default();
        position = position.saturating_add(1);
    }
}

/// Where a [`StreamOpener`] stands.
enum State {
    /// More chunks are due.
    Open,
    /// The final chunk was yielded.
    Done,
    /// The stream failed; every later call reports this again (SR-STR-7).
    Failed(Error),
    /// The underlying reader failed part way through a frame: the stream cannot go on.
    Broken,
}

/// Opens a sealed stream from a reader, chunk by chunk (OpenStream, SPEC.md 11.16.4); made
/// by [`UnlockedKeyring::open_stream`], which has already checked the header, the keyring,
/// the context and the commitment.
///
/// As a [`Read`] it yields the payload, releasing each chunk only after its tag has
/// verified (SR-STR-6). [`StreamOpener::next_chunk`] gives the same bytes a chunk at a time.
/// The final chunk is released only once the underlying reader has reported the end of its
/// input (step 6.6, SPEC.md 11.16.4), so that a stream with anything after its final frame
/// releases exactly the chunks before it, as every implementation does.
/// A stream that turns out to be cut, reordered, altered or extended fails with an
/// `io::Error` of kind `InvalidData` carrying the crate's [`Error`] ([`crate::stream_error`]
/// gets it back), and keeps failing: it never ends as a clean end of file. The bytes already
/// released then belong to a failed stream and are to be discarded (SR-STR-7): a caller that
/// needs the payload all or nothing writes it to a temporary place and keeps it only once
/// `read` has returned 0 (or `next_chunk` `None`).
///
/// Memory is one frame (64 KiB and 32 bytes), wiped when dropped.
pub struct StreamOpener<R: Read> {
    reader: R,
    keys: StreamKeys,
    header: StreamHeader,
    /// Bytes read past the header while decoding it; consumed before the reader.
    ahead: Vec<u8>,
    ahead_pos: usize,
    /// The current frame: its opened chunk at `FRAME_HEADER_LEN..`.
    frame: Scratch,
    /// The part of the current chunk not yet returned by `read`.
    unread: core::ops::Range<usize>,
    position: u64,
    state: State,
}

impl<R: Read> StreamOpener<R> {
    /// The stream's header.
    pub fn header(&self) -> &StreamHeader {
        &self.header
    }

    /// Number of chunks opened and released so far.
    pub fn chunks_opened(&self) -> u64 {
        self.position
    }

    /// Whether the final chunk has been opened: only then is the stream known to be
    /// complete.
    pub fn is_complete(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// The underlying reader.
    pub fn into_inner(self) -> R {
        self.reader
    }

    /// The next chunk's plaintext, once its tag has verified; `None` after the final chunk.
    /// If part of the current chunk has not been read through [`Read`], that part comes
    /// first. The slice is valid until the next call.
    ///
    /// # Errors
    /// As [`Read::read`] on the opener: an `io::Error` of the reader, or one carrying
    /// [`Error::StreamViolation`], [`Error::Malformed`] (`chunk_frame`) or
    /// [`Error::StreamAuthenticationFailed`], after which the stream has failed as a whole.
    pub fn next_chunk(&mut self) -> io::Result<Option<&[u8]>> {
        if self.unread.is_empty() && !self.advance()? {
            return Ok(None);
        }
        let range = core::mem::replace(&mut self.unread, 0..0);
        Ok(self.frame.0.get(range))
    }

    /// Opens the next frame into `self.frame` and sets `unread` to its chunk; false when the
    /// final chunk was already yielded.
    fn advance(&mut self) -> io::Result<bool> {
        match self.state {
            State::Open => {}
            State::Done => return Ok(false),
            State::Failed(e) => return Err(io_error(e)),
            State::Broken => return Err(io::Error::other("the stream's reader failed earlier")),
        }
        match self.open_frame() {
            Ok(Ok(range)) => {
                self.unread = range;
                Ok(true)
            }
            Ok(Err(e)) => {
                self.state = State::Failed(e);
                Err(io_error(e))
            }
            Err(e) => {
                self.state = State::Broken;
                Err(e)
            }
        }
    }

    /// Fills `frame[from..to]` from the bytes read ahead, then the reader; returns how many
    /// bytes it got (fewer only at the end of the stream, or when the reader failed, whose
    /// error comes with them).
    fn fill(&mut self, from: usize, to: usize) -> (usize, Option<io::Error>) {
        let Some(dst) = self.frame.0.get_mut(from..to) else {
            return (0, None);
        };
        let ahead = self.ahead.get(self.ahead_pos..).unwrap_or_default();
        let k = ahead.len().min(dst.len());
        let (now, later) = dst.split_at_mut(k);
        now.copy_from_slice(ahead.get(..k).unwrap_or_default());
        self.ahead_pos = self.ahead_pos.saturating_add(k);
        let (got, failure) = read_some(&mut self.reader, later);
        (k.saturating_add(got), failure)
    }

    /// OpenStream step 6 for the frame at `self.position`. The outer error is the reader's,
    /// the inner one the stream's.
    ///
    /// The frame is read in one call of up to `C + 32` bytes: a non-final frame is exactly
    /// that long (6.3) and a final one must end the input (6.6), so the read never takes a
    /// byte that the next frame would need. The checks are made on the bytes read, in
    /// SPEC.md's order, before an error of the reader after them is reported.
    fn open_frame(&mut self) -> io::Result<Result<core::ops::Range<usize>>> {
        let window = self.keys.geometry.frame_len();
        let (got, failure) = self.fill(0, window);
        // 6.1.
        if got < FRAME_HEADER_LEN {
            return match failure {
                Some(e) => Err(e),
                None => Ok(Err(StreamViolation::StreamTruncated.into())),
            };
        }
        // 6.2 to 6.4.
        let Some(h) = frame_header(&self.frame.0) else {
            return Ok(Err(StreamViolation::StreamTruncated.into()));
        };
        let (is_final, n) = match self.keys.check_frame(h, self.position) {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
        // 6.5.
        let end = n.saturating_add(STREAM_FRAME_OVERHEAD);
        if got < end {
            return match failure {
                Some(e) => Err(e),
                None => Ok(Err(StreamViolation::StreamTruncated.into())),
            };
        }
        // 6.6: one byte more is one too many.
        if is_final && got > end {
            return Ok(Err(StreamViolation::DataAfterFinalChunk.into()));
        }
        if let Some(e) = failure {
            // A final frame whose end of input was not seen.
            return Err(e);
        }
        if is_final && got == window {
            // A full final chunk filled the read: whether the input ends there is unknown.
            let mut probe = [0u8; 1];
            let left =
                self.ahead.len() > self.ahead_pos || read_full(&mut self.reader, &mut probe)? > 0;
            if left {
                return Ok(Err(StreamViolation::DataAfterFinalChunk.into()));
            }
        }
        // 6.7, in place; the chunk is wiped if its tag fails.
        let body_end = FRAME_HEADER_LEN.saturating_add(n);
        let tag: Option<[u8; TAG_LEN]> = self
            .frame
            .0
            .get(body_end..end)
            .and_then(|t| t.try_into().ok());
        let (Some(tag), Some(body)) = (tag, self.frame.0.get_mut(FRAME_HEADER_LEN..body_end))
        else {
            return Ok(Err(StreamViolation::StreamTruncated.into()));
        };
        if let Err(e) = self.keys.open_body(self.position, is_final, body, &tag) {
            return Ok(Err(e));
        }
        // 6.8.
        self.position = self.position.saturating_add(1);
        if is_final {
            self.state = State::Done;
        }
        Ok(Ok(FRAME_HEADER_LEN..body_end))
    }
}

impl<R: Read> Read for StreamOpener<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        // A final chunk may be empty: go on until there are bytes or the stream ended.
        while self.unread.is_empty() {
            if !self.advance()? {
                return Ok(0);
            }
        }
        let src = self.frame.0.get(self.unread.clone()).unwrap_or_default();
        let k = src.len().min(buf.len());
        let (dst, _) = buf.split_at_mut(k);
        dst.copy_from_slice(src.get(..k).unwrap_or_default());
        self.unread.start = self.unread.start.saturating_add(k);
        Ok(k)
    }
}

impl<R: Read> core::fmt::Debug for StreamOpener<R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StreamOpener")
            .field("header", &self.header)
            .field("chunks_opened", &self.position)
            .finish_non_exhaustive()
    }
}

/// The keys of one stream, for opening any of its chunks on its own (OpenChunk, SPEC.md
/// 11.16.4): the derivation and the header checks are done once, by
/// [`UnlockedKeyring::stream_chunks`], and each chunk then costs one read of at most
/// 65,568 bytes and one AES-GCM call.
///
/// An opened chunk is authentic and at its position; that proves nothing about the rest of
/// the stream, nor that it is the final one unless it says so (SR-STR-7).
pub struct StreamChunks {
    keys: StreamKeys,
    header: StreamHeader,
}

impl StreamChunks {
    /// The stream's header.
    pub fn header(&self) -> &StreamHeader {
        &self.header
    }

    /// OpenChunk's `i` is 0 to 2^32 - 1 (SR-STR-5); beyond, there is no frame to read.
    fn check_index(&self, index: u64) -> Result<()> {
        if index >= self.keys.geometry.max_chunks {
            return Err(StreamViolation::StreamTruncated.into());
        }
        Ok(())
    }

    /// The offset of chunk `index`'s frame in the stream: `95 + index · 65,568`.
    pub fn frame_offset(&self, index: u64) -> Option<u64> {
        self.keys.geometry.frame_offset(index)
    }

    /// Opens chunk `index` from `frame`, the bytes read at [`StreamChunks::frame_offset`]:
    /// up to 65,568 bytes, fewer only for the final frame; bytes beyond the frame (of the
    /// next frame) are ignored, since OpenChunk does not make step 6.6.
    ///
    /// # Errors
    /// [`Error::StreamViolation`] (`stream_truncated` when `frame` has fewer than 16 bytes,
    /// step 6.1, or is shorter than its header says, step 6.5; `chunk_from_another_stream`,
    /// `chunk_duplicated` or `chunk_reordered` when it is not frame `index` of this stream),
    /// [`Error::Malformed`] (`chunk_frame`), [`Error::StreamAuthenticationFailed`]. An
    /// `index` of 2^32 or more, which SPEC.md makes an argument error outside its classes,
    /// is `stream_truncated` before `frame` is looked at: no stream has such a chunk.
    pub fn open_chunk(&self, index: u64, frame: &[u8]) -> Result<StreamChunk> {
        self.check_index(index)?;
        let h = frame_header(frame).ok_or(StreamViolation::StreamTruncated)?;
        let (is_final, n) = self.keys.check_frame(h, index)?;
        let (body, tag) = parts(frame, n).ok_or(StreamViolation::StreamTruncated)?;
        let mut plaintext = Plaintext(vec![0u8; n]);
        self.keys
            .open_body_to(index, is_final, body, &tag, &mut plaintext.0)?;
        Ok(StreamChunk {
            plaintext,
            is_final,
        })
    }

    /// Seeks `reader` (the whole stream, header included) to chunk `index`'s frame, reads
    /// it and opens it as [`StreamChunks::open_chunk`] does.
    ///
    /// # Errors
    /// An `io::Error` from the reader; an `io::Error` of kind `InvalidData` carrying one of
    /// the errors of [`StreamChunks::open_chunk`] (see [`crate::stream_error`]).
    pub fn read_chunk<R: Read + Seek>(&self, mut reader: R, index: u64) -> io::Result<StreamChunk> {
        self.check_index(index).map_err(io_error)?;
        let offset = self
            .frame_offset(index)
            .ok_or_else(|| io_error(StreamViolation::StreamTruncated.into()))?;
        reader.seek(SeekFrom::Start(offset))?;
        let mut frame = vec![0u8; self.keys.geometry.frame_len()];
        let got = read_full(&mut reader, &mut frame)?;
        self.open_chunk(index, frame.get(..got).unwrap_or_default())
            .map_err(io_error)
    }
}

impl core::fmt::Debug for StreamChunks {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StreamChunks")
            .field("header", &self.header)
            .finish_non_exhaustive()
    }
}

/// Reads the start of a stream (up to one byte more than the largest header) and decodes
/// its header; returns the header and the bytes read.
fn read_header<R: Read>(reader: &mut R, log2_chunk: u8) -> io::Result<(StreamHeader, Vec<u8>)> {
    let mut ahead = vec![0u8; MAX_STREAM_HEADER_LEN.saturating_add(1)];
    let got = read_full(reader, &mut ahead)?;
    ahead.truncate(got);
    let header = wire::decode(&ahead, log2_chunk).map_err(io_error)?;
    Ok((header, ahead))
}

impl UnlockedKeyring {
    /// Opens a sealed stream from `reader` (OpenStream, SPEC.md 11.16.4): reads and decodes
    /// the header (SR-STR-1) and checks the keyring, the context and the key commitment
    /// (steps 1 to 5) before it returns; the chunks are then opened as the returned
    /// [`StreamOpener`] is read.
    ///
    /// ```
    /// # use strongroom::{Context, KdfParams, Keyring, Password, UnlockPolicy};
    /// # use std::io::Read;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let policy = UnlockPolicy::builder().pbkdf2_iterations(1..=10).build()?;
    /// # let unlocked = Keyring::create(&Password::new("pw")?, KdfParams::Pbkdf2Sha256 { iterations: 1 }, "t", &policy)?;
    /// let context = Context::new(b"user:alice|backup:2026-11-28");
    /// let payload = vec![7u8; 200_000];
    /// let mut sealed = Vec::new();
    /// unlocked.seal_stream(&payload[..], &mut sealed, context)?;
    ///
    /// let mut opened = Vec::new();
    /// unlocked.open_stream(&sealed[..], context)?.read_to_end(&mut opened)?;
    /// assert_eq!(opened, payload);
    ///
    /// // A cut stream is an error, never a short payload.
    /// let cut = &sealed[..sealed.len() - 100];
    /// let err = unlocked.open_stream(cut, context)?.read_to_end(&mut Vec::new()).unwrap_err();
    /// assert_eq!(strongroom::stream_error(&err).unwrap().reason(), Some("stream_truncated"));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// An `io::Error` from the reader; an `io::Error` of kind `InvalidData` carrying the
    /// crate's [`Error`] ([`crate::stream_error`]): [`Error::Malformed`] or
    /// [`Error::UnsupportedVersion`] for the header, [`Error::WrongKeyring`],
    /// [`Error::LimitExceeded`] (`context_too_long`), [`Error::StreamAuthenticationFailed`].
    pub fn open_stream<R: Read>(
        &self,
        mut reader: R,
        context: Context<'_>,
    ) -> io::Result<StreamOpener<R>> {
        let geometry = Geometry::V1;
        let (header, ahead) = read_header(&mut reader, geometry.log2_chunk())?;
        let keys = StreamKeys::for_opening(self, &header, context.as_bytes(), geometry)
            .map_err(io_error)?;
        Ok(StreamOpener {
            reader,
            keys,
            header,
            ahead,
            ahead_pos: STREAM_HEADER_LEN,
            frame: Scratch(vec![0u8; geometry.frame_len()]),
            unread: 0..0,
            position: 0,
            state: State::Open,
        })
    }

    /// Opens a sealed stream held in memory, all or nothing: the payload only if every
    /// chunk verified and the stream ended exactly after its final chunk.
    ///
    /// # Errors
    /// [`Error::Malformed`] or [`Error::UnsupportedVersion`] for the header,
    /// [`Error::WrongKeyring`], [`Error::LimitExceeded`] (`context_too_long`),
    /// [`Error::StreamAuthenticationFailed`], [`Error::StreamViolation`],
    /// [`Error::Malformed`] (`chunk_frame`): the first failure in OpenStream's order.
    pub fn open_stream_from_slice(&self, stream: &[u8], context: Context<'_>) -> Result<Plaintext> {
        open_slice(self, stream, context.as_bytes(), Geometry::V1)
    }

    /// The keys of the stream whose header is `header`, for opening its chunks one at a time
    /// (OpenChunk, SPEC.md 11.16.4): OpenStream steps 2 to 5, once.
    ///
    /// # Errors
    /// [`Error::WrongKeyring`], [`Error::LimitExceeded`] (`context_too_long`),
    /// [`Error::StreamAuthenticationFailed`].
    pub fn stream_chunks(
        &self,
        header: &StreamHeader,
        context: Context<'_>,
    ) -> Result<StreamChunks> {
        let keys = StreamKeys::for_opening(self, header, context.as_bytes(), Geometry::V1)?;
        Ok(StreamChunks {
            keys,
            header: header.clone(),
        })
    }

    /// Opens chunk `index` of the stream `reader` holds, reading only its header and that
    /// chunk's frame: [`StreamHeader::decode`], [`UnlockedKeyring::stream_chunks`] and
    /// [`StreamChunks::read_chunk`] in one call. To open many chunks of one stream, keep the
    /// [`StreamChunks`] instead (one key derivation for all).
    ///
    /// # Errors
    /// As [`UnlockedKeyring::open_stream`] for the header, then as
    /// [`StreamChunks::read_chunk`].
    pub fn open_stream_chunk<R: Read + Seek>(
        &self,
        mut reader: R,
        index: u64,
        context: Context<'_>,
    ) -> io::Result<StreamChunk> {
        reader.seek(SeekFrom::Start(0))?;
        let (header, _) = read_header(&mut reader, Geometry::V1.log2_chunk())?;
        self.stream_chunks(&header, context)
            .map_err(io_error)?
            .read_chunk(reader, index)
    }
}
