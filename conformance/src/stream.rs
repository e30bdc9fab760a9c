//! The sealed-stream operations of vectors/README.md section 4.2 (SPEC.md 11.16):
//! `decode_stream_header`, `seal_stream`, `open_stream` (which, on failure, also reports how
//! many chunks it released before the failure) and `open_stream_chunk`.
//!
//! Each operation runs through two paths of the crate that must agree: `open_stream`
//! through the incremental [`strongroom::StreamOpener`] (`next_chunk`, counting what it
//! releases) and the all-or-nothing `open_stream_from_slice`; `open_stream_chunk` through
//! `open_stream_chunk` (a reader that seeks) and `stream_chunks` + `open_chunk` on the frame
//! the consumer cuts out itself.

use std::io::Cursor;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use strongroom::hazmat;
use strongroom::{
    Context, Error, STREAM_CHUNK_SIZE, STREAM_FRAME_OVERHEAD, STREAM_HEADER_LEN, StreamHeader,
    UnlockedKeyring, stream_error,
};

use crate::Obj;
use crate::input::{Script, as_str, as_u64, bytes, field, hex, input_bytes};

/// Byte values above this length are left out of an output (their length and SHA-256 stay):
/// the vector files would otherwise carry every large stream twice.
pub const INLINE_MAX: usize = 4096;

/// The bytes the header decoder is given at most: one more than the 256-byte window, so that
/// an item longer than the window is told from a truncated one (SR-STR-1).
const HEADER_PREFIX: usize = 257;

/// A frame of a non-final chunk: 16-byte frame header, 65,536 bytes, 16-byte tag.
const FRAME_LEN: usize = STREAM_CHUNK_SIZE + STREAM_FRAME_OVERHEAD;

/// A payload input: a bytes value (README section 3.1) or `{"pattern": "mod251", "length":
/// N}`, byte `i` being `i mod 251`.
pub fn payload(v: &Value) -> Result<Vec<u8>, String> {
    if let Value::Object(o) = v
        && o.contains_key("pattern")
    {
        if o.len() != 2 || as_str(field(o, "pattern")?, "payload.pattern")? != "mod251" {
            return Err("payload pattern is not {\"pattern\": \"mod251\", \"length\": N}".into());
        }
        let n = usize::try_from(as_u64(field(o, "length")?, "payload.length")?)
            .map_err(|_| "payload.length too large")?;
        // i mod 251 < 251 fits in a byte.
        return Ok((0..n).map(|i| (i % 251) as u8).collect());
    }
    bytes(v)
}

fn sha256_hex(b: &[u8]) -> String {
    hex(Sha256::digest(b))
}

/// The v1 header from its fields, by the byte layout of SPEC.md 11.16.2 (a re-encoding that
/// does not copy the received bytes).
fn encode_header(h: &StreamHeader) -> Vec<u8> {
    let mut out = vec![0xa6, 0x01, 0x04, 0x02, 0x01, 0x03, 0x50];
    out.extend_from_slice(h.keyring_id());
    out.extend_from_slice(&[0x04, 0x58, 0x20]);
    out.extend_from_slice(h.salt());
    out.extend_from_slice(&[0x05, h.chunk_size().trailing_zeros() as u8]);
    out.extend_from_slice(&[0x06, 0x58, 0x20]);
    out.extend_from_slice(h.commitment());
    out
}

fn header_out(h: &StreamHeader) -> Obj {
    let mut o = Obj::new();
    o.insert("header".into(), hex(h.as_bytes()).into());
    o.insert("keyring_id".into(), hex(h.keyring_id()).into());
    o.insert("salt".into(), hex(h.salt()).into());
    o.insert(
        "chunk_size_log2".into(),
        h.chunk_size().trailing_zeros().into(),
    );
    o.insert("commitment".into(), hex(h.commitment()).into());
    o
}

/// The crate's error inside an `io::Error` of a stream reader; `Err` for an I/O error of the
/// in-memory reader, which cannot happen.
fn from_io(e: &std::io::Error) -> Result<Error, String> {
    stream_error(e).ok_or_else(|| format!("an I/O error that is not a stream failure: {e}"))
}

/// `decode_stream_header`, which needs no keyring.
pub(crate) fn run_plain(op: &str, inputs: &Obj) -> Option<Result<Result<Obj, Error>, String>> {
    if op != "decode_stream_header" {
        return None;
    }
    Some((|| {
        let b = input_bytes(inputs, "header")?;
        match StreamHeader::decode(&b) {
            Err(e) => Ok(Err(e)),
            Ok(h) => {
                let again = encode_header(&h);
                if again != h.as_bytes().as_slice() || b.get(..STREAM_HEADER_LEN) != Some(&again) {
                    return Err(
                        "the decoded stream header does not re-encode to its input (SR-CBOR-9)"
                            .into(),
                    );
                }
                Ok(Ok(header_out(&h)))
            }
        }
    })())
}

/// The frames of a stream the consumer sealed itself: `(offset, length)` of each.
fn frames(stream: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = STREAM_HEADER_LEN;
    while at < stream.len() {
        let len = FRAME_LEN.min(stream.len() - at);
        out.push((at, len));
        at += len;
    }
    out
}

/// The operations on an unlocked keyring. `released` gets the number of chunks an
/// `open_stream` that failed had released.
pub(crate) fn run_unlocked(
    op: &str,
    inputs: &Obj,
    u: &UnlockedKeyring,
    script: &mut Script,
    inter: &mut Obj,
    released: &mut Option<u64>,
) -> Option<Result<Result<Obj, Error>, String>> {
    let r = match op {
        "seal_stream" => seal(inputs, u, script, inter),
        "open_stream" => open(inputs, u, released),
        "open_stream_chunk" => open_chunk(inputs, u),
        _ => return None,
    };
    Some(r)
}

fn seal(
    inputs: &Obj,
    u: &UnlockedKeyring,
    script: &mut Script,
    inter: &mut Obj,
) -> Result<Result<Obj, Error>, String> {
    let pt = payload(field(inputs, "payload")?)?;
    let ctx = input_bytes(inputs, "context")?;
    let stream = match hazmat::seal_stream_with_rng(u, &pt, Context::new(&ctx), script) {
        Err(e) => return Ok(Err(e)),
        Ok(s) => s,
    };
    let h = StreamHeader::decode(stream.get(..HEADER_PREFIX.min(stream.len())).unwrap_or(&[]))
        .map_err(|e| format!("the sealed stream's header does not decode: {e}"))?;
    // What was sealed opens again, through the incremental reader.
    let back = u
        .open_stream_from_slice(&stream, Context::new(&ctx))
        .map_err(|e| format!("the sealed stream does not open: {e}"))?;
    if back.as_ref() != pt.as_slice() {
        return Err("the sealed stream opens to another payload".into());
    }
    let s = hazmat::stream_secrets(u, &h, Context::new(&ctx));
    let fr = frames(&stream);
    let list: Vec<Value> = fr
        .iter()
        .map(|&(at, len)| {
            json!({"frame_header": hex(&stream[at..at + 16]),
                   "tag": hex(&stream[at + len - 16..at + len])})
        })
        .collect();
    inter.insert(
        "stream".into(),
        json!({
            "record_root": hex(s.record_root),
            "prk_str": hex(s.prk),
            "stream_key": hex(s.stream_key),
            "commitment": hex(s.commitment),
            "header": hex(h.as_bytes()),
            "stream_aad": hex(s.aad),
            "frames": list,
        }),
    );
    let mut o = Obj::new();
    if stream.len() <= INLINE_MAX {
        o.insert("stream".into(), hex(&stream).into());
    }
    o.insert("stream_length".into(), stream.len().into());
    o.insert("stream_sha256".into(), sha256_hex(&stream).into());
    o.insert("header".into(), hex(h.as_bytes()).into());
    o.insert("chunks".into(), fr.len().into());
    Ok(Ok(o))
}

fn open(
    inputs: &Obj,
    u: &UnlockedKeyring,
    released: &mut Option<u64>,
) -> Result<Result<Obj, Error>, String> {
    let stream = input_bytes(inputs, "stream")?;
    let ctx = input_bytes(inputs, "context")?;
    // The incremental reader: each chunk released after its tag verified (SR-STR-6).
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    let incremental: Result<(), Error> = match u.open_stream(&stream[..], Context::new(&ctx)) {
        Err(e) => Err(from_io(&e)?),
        Ok(mut opener) => loop {
            match opener.next_chunk() {
                Ok(Some(c)) => chunks.push(c.to_vec()),
                Ok(None) => {
                    if !opener.is_complete() {
                        return Err("the opener ended without its final chunk".into());
                    }
                    break Ok(());
                }
                Err(e) => {
                    let e = from_io(&e)?;
                    if opener.chunks_opened() != chunks.len() as u64 {
                        return Err(format!(
                            "the opener says {} chunks opened, {} were released",
                            opener.chunks_opened(),
                            chunks.len()
                        ));
                    }
                    // SR-STR-7: a failed stream keeps failing, never a clean end.
                    match opener.next_chunk() {
                        Err(again) if stream_error(&again) == Some(e) => {}
                        _ => return Err("a failed opener did not fail again".into()),
                    }
                    break Err(e);
                }
            }
        },
    };
    // The all-or-nothing path must agree.
    let whole = u.open_stream_from_slice(&stream, Context::new(&ctx));
    match (&incremental, &whole) {
        (Ok(()), Ok(p)) if p.as_ref() == chunks.concat().as_slice() => {}
        (Err(a), Err(b)) if a == b => {}
        _ => {
            return Err(format!(
                "open_stream and open_stream_from_slice disagree: {:?} / {:?}",
                incremental,
                whole.as_ref().map(|p| p.len())
            ));
        }
    }
    if let Err(e) = incremental {
        *released = Some(chunks.len() as u64);
        return Ok(Err(e));
    }
    let pt = chunks.concat();
    let mut o = Obj::new();
    if pt.len() <= INLINE_MAX {
        o.insert("payload".into(), hex(&pt).into());
    }
    o.insert("payload_length".into(), pt.len().into());
    o.insert("payload_sha256".into(), sha256_hex(&pt).into());
    o.insert("chunks".into(), chunks.len().into());
    Ok(Ok(o))
}

fn open_chunk(inputs: &Obj, u: &UnlockedKeyring) -> Result<Result<Obj, Error>, String> {
    let stream = input_bytes(inputs, "stream")?;
    let ctx = input_bytes(inputs, "context")?;
    let index = as_u64(field(inputs, "index")?, "index")?;
    if index >= 1 << 32 {
        return Err("`index` is not an integer from 0 to 2^32 - 1".into());
    }
    // Through a reader that seeks.
    let a = u
        .open_stream_chunk(Cursor::new(&stream), index, Context::new(&ctx))
        .map_err(|e| from_io(&e));
    let a = match a {
        Ok(c) => Ok((c.plaintext.to_vec(), c.is_final)),
        Err(e) => Err(e?),
    };
    // Through the header and the frame cut out here.
    let b = StreamHeader::decode(stream.get(..HEADER_PREFIX.min(stream.len())).unwrap_or(&[]))
        .and_then(|h| u.stream_chunks(&h, Context::new(&ctx)))
        .and_then(|c| {
            let at = c
                .frame_offset(index)
                .and_then(|x| usize::try_from(x).ok())
                .unwrap_or(usize::MAX);
            let frame = stream
                .get(at.min(stream.len())..at.saturating_add(FRAME_LEN).min(stream.len()))
                .unwrap_or(&[]);
            c.open_chunk(index, frame)
        })
        .map(|c| (c.plaintext.to_vec(), c.is_final));
    if a != b {
        return Err(format!(
            "open_stream_chunk and stream_chunks/open_chunk disagree: {:?} / {:?}",
            a.as_ref().map(|x| x.1),
            b.as_ref().map(|x| x.1)
        ));
    }
    Ok(a.map(|(pt, is_final)| {
        let mut o = Obj::new();
        o.insert("plaintext".into(), hex(pt).into());
        o.insert("final".into(), is_final.into());
        o
    }))
}
