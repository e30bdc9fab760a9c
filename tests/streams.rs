//! Sealed streams (SPEC.md 11.16): round trips through every API, the key schedule, every
//! attack row of 11.16.4 with its class and reason, random access, the release rule and
//! constant memory.

mod common;

use std::io::{Cursor, Read, Write};

use common::{FAST_PBKDF2, TestRandom, new_keyring};
use strongroom::{
    Context, Error, Malformed, STREAM_CHUNK_SIZE, STREAM_HEADER_LEN, StreamHeader, StreamViolation,
    UnlockedKeyring, hazmat, sealed_stream_len, stream_chunk_count, stream_error,
};

const C: usize = STREAM_CHUNK_SIZE;
const CTX: Context<'static> = Context::new(b"user:alice|backup:1");

fn payload(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
}

fn seal(k: &UnlockedKeyring, p: &[u8], seed: u64) -> Vec<u8> {
    hazmat::seal_stream_with_rng(k, p, CTX, &mut TestRandom::new(seed)).unwrap()
}

/// The header and the frames of a stream, as the sealer laid them out.
fn split(stream: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let (header, mut rest) = stream.split_at(STREAM_HEADER_LEN);
    let mut frames = Vec::new();
    while !rest.is_empty() {
        let n = u32::from_be_bytes([0, rest[13], rest[14], rest[15]]) as usize;
        let (f, r) = rest.split_at(n + 32);
        frames.push(f.to_vec());
        rest = r;
    }
    (header.to_vec(), frames)
}

fn join(header: &[u8], frames: &[Vec<u8>]) -> Vec<u8> {
    let mut out = header.to_vec();
    for f in frames {
        out.extend_from_slice(f);
    }
    out
}

/// Opens through the slice API and through the Read adaptor, checks that both agree, and
/// returns the outcome; the adaptor must never end cleanly on a failed stream.
fn open_both(k: &UnlockedKeyring, stream: &[u8], ctx: Context<'_>) -> Result<Vec<u8>, Error> {
    let slice = k.open_stream_from_slice(stream, ctx).map(|p| p.to_vec());
    let adaptor = (|| {
        let mut opener = k.open_stream(stream, ctx)?;
        let mut out = Vec::new();
        opener.read_to_end(&mut out)?;
        assert!(opener.is_complete());
        Ok::<_, std::io::Error>(out)
    })()
    .map_err(|e| stream_error(&e).expect("a stream failure, not an I/O error"));
    assert_eq!(slice, adaptor);
    slice
}

fn violation(v: StreamViolation) -> Result<Vec<u8>, Error> {
    Err(Error::StreamViolation(v))
}

// SR-STR-4, SR-STR-6: round trips at 0, 1, C - 1, C, C + 1 and 3C + 5 bytes through every
// sealing API (from a reader, written into a StreamSealer in odd pieces, from a slice) and
// every opening API, with the lengths of SPEC.md 11.16.3.
#[test]
fn round_trips_at_chunk_boundaries() {
    let k = new_keyring(1, FAST_PBKDF2);
    for n in [0, 1, C - 1, C, C + 1, 3 * C + 5] {
        let p = payload(n);
        let chunks = n.div_ceil(C).max(1) as u64;
        let expected_len = sealed_stream_len(n as u64).unwrap();
        assert_eq!(expected_len, (95 + n + 32 * chunks as usize) as u64);

        let mut a = Vec::new();
        let summary = k.seal_stream(&p[..], &mut a, CTX).unwrap();
        assert_eq!(summary.chunk_count(), chunks);
        assert_eq!(summary.payload_len(), n as u64);
        assert_eq!(summary.sealed_len(), expected_len);
        assert_eq!(&a[..95], summary.header().as_bytes());

        let mut sealer = k.stream_sealer(Vec::new(), CTX).unwrap();
        for piece in p.chunks(4093) {
            sealer.write_all(piece).unwrap();
        }
        let (b, summary_b) = sealer.finish().unwrap();
        assert_eq!(summary_b.chunk_count(), chunks);

        let c = k.seal_stream_to_vec(&p, CTX).unwrap();
        for s in [&a, &b, &c] {
            assert_eq!(s.len() as u64, expected_len, "n = {n}");
            assert_eq!(stream_chunk_count(s.len() as u64), Some(chunks));
            assert_eq!(open_both(&k, s, CTX).unwrap(), p, "n = {n}");
            // Chunk by chunk: full chunks, then the final one.
            let mut opener = k.open_stream(&s[..], CTX).unwrap();
            let mut sizes = Vec::new();
            while let Some(chunk) = opener.next_chunk().unwrap() {
                sizes.push(chunk.len());
            }
            assert_eq!(sizes.len() as u64, chunks);
            assert!(sizes[..sizes.len() - 1].iter().all(|&s| s == C));
            assert_eq!(opener.chunks_opened(), chunks);
        }
        // Fresh salts: three seals of one payload share no header.
        assert!(a[..95] != b[..95] && b[..95] != c[..95]);
    }
    assert_eq!(
        sealed_stream_len(1 << 48),
        Some(95 + (1 << 48) + 32 * (1 << 32))
    );
    assert_eq!(sealed_stream_len((1 << 48) + 1), None);
    assert_eq!(stream_chunk_count(126), None);
    assert_eq!(stream_chunk_count(127), Some(1));
}

// SR-STR-2, SR-STR-3, SR-STR-4: prk_str = HMAC(stream_salt, record_root), stream_key and
// commitment = HMAC(prk_str, label || keyring_id || 01), recomputed with bare HMAC; the
// header carries the commitment; stream_aad = SHA-256(header || u64be(len(context)) || context).
// SR-STR-4: each frame is tag4 || nonce || AES-256-GCM(stream_key, nonce, stream_aad, chunk).
#[test]
fn sr_str_2_3_4_schedule_and_frames_by_formula() {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    use hmac::{Hmac, Mac};
    use sha2::{Digest, Sha256};
    let hm = |key: &[u8], parts: &[&[u8]]| -> [u8; 32] {
        let mut m = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key).unwrap();
        for p in parts {
            m.update(p);
        }
        m.finalize().into_bytes().into()
    };
    let k = new_keyring(2, FAST_PBKDF2);
    let p = payload(2 * C + 9);
    let s = seal(&k, &p, 7);
    let header = StreamHeader::decode(&s).unwrap();
    let root = hazmat::record_root(&k);
    let id = k.keyring().id();
    let prk = hm(header.salt(), &[&root]);
    let key = hm(&prk, &[b"strongroom/v1/stream/key", id, &[1]]);
    let commitment = hm(&prk, &[b"strongroom/v1/stream/commitment", id, &[1]]);
    assert_eq!(header.commitment(), &commitment);
    assert_eq!(header.keyring_id(), id);
    let aad: [u8; 32] = Sha256::new()
        .chain_update(&s[..95])
        .chain_update((CTX.as_bytes().len() as u64).to_be_bytes())
        .chain_update(CTX.as_bytes())
        .finalize()
        .into();
    let secrets = hazmat::stream_secrets(&k, &header, CTX);
    assert_eq!(
        (
            secrets.prk,
            secrets.stream_key,
            secrets.commitment,
            secrets.aad
        ),
        (prk, key, commitment, aad)
    );
    let cipher = aes_gcm::Aes256Gcm::new(&key.into());
    let (_, frames) = split(&s);
    assert_eq!(frames.len(), 3);
    for (i, f) in frames.iter().enumerate() {
        let last = i == 2;
        let n = if last { 9 } else { C };
        assert_eq!(&f[..4], &header.salt()[..4]);
        let mut nonce = (i as u64).to_be_bytes().to_vec();
        nonce.push(last as u8);
        nonce.extend_from_slice(&(n as u32).to_be_bytes()[1..]);
        assert_eq!(&f[4..16], &nonce[..]);
        let pt = cipher
            .decrypt(
                &<[u8; 12]>::try_from(&nonce[..]).unwrap().into(),
                Payload {
                    msg: &f[16..],
                    aad: &aad,
                },
            )
            .unwrap();
        assert_eq!(pt, &p[i * C..i * C + n]);
    }
    // The same salt gives the same stream; another salt another key.
    assert_eq!(seal(&k, &p, 7), s);
    assert_ne!(seal(&k, &p, 8)[..95], s[..95]);
}

// SR-STR-1: OpenStream step 1 decodes the header with SPEC.md's decoding order, before it
// looks at the keyring: a stream that is not a stream header is malformed whatever follows.
#[test]
fn sr_str_1_header_errors_through_open_stream() {
    let k = new_keyring(3, FAST_PBKDF2);
    let s = seal(&k, &payload(10), 1);
    let err = |bytes: &[u8]| k.open_stream_from_slice(bytes, CTX).unwrap_err();
    assert_eq!(err(&s[..50]), Error::Malformed(Malformed::Truncated));
    assert_eq!(err(&[]), Error::Malformed(Malformed::Truncated));
    let mut t = s.clone();
    t[2] = 0x02; // a record's object type
    assert_eq!(err(&t), Error::Malformed(Malformed::WrongObjectType));
    let mut t = s.clone();
    t[59] = 0x14; // chunk size 2^20
    assert_eq!(err(&t), Error::Malformed(Malformed::ValueOutOfRange));
    let mut t = s.clone();
    t[4] = 0x02;
    assert_eq!(err(&t), Error::UnsupportedVersion { version: 2 });
    let record = k.seal(b"x", CTX).unwrap();
    assert_eq!(
        err(record.as_bytes()),
        Error::Malformed(Malformed::WrongObjectType)
    );
    // Through the reader too, with the same error.
    let e = k.open_stream(&t[..], CTX).unwrap_err();
    assert_eq!(
        stream_error(&e),
        Some(Error::UnsupportedVersion { version: 2 })
    );
}

// SR-STR-6: every attack row of SPEC.md 11.16.4's table, with its class and reason, through
// the slice API and the Read adaptor (open_both checks that they agree).
#[test]
fn sr_str_6_every_attack_row() {
    let k = new_keyring(4, FAST_PBKDF2);
    let other_keyring = new_keyring(5, FAST_PBKDF2);
    let p = payload(3 * C + 5);
    let s = seal(&k, &p, 1);
    let (h, frames) = split(&s);
    assert_eq!(frames.len(), 4);
    let t = Error::StreamAuthenticationFailed;

    // Another user's stream: wrong_keyring (step 2), before the context is looked at.
    let foreign = seal(&other_keyring, &p, 1);
    assert_eq!(open_both(&k, &foreign, CTX), Err(Error::WrongKeyring));
    assert_eq!(
        open_both(&k, &foreign, Context::new(&[0; 5000])),
        Err(Error::WrongKeyring)
    );
    // Context too long (step 3).
    assert_eq!(
        open_both(&k, &s, Context::new(&[0; 4097])),
        Err(Error::LimitExceeded(strongroom::Limit::ContextTooLong))
    );
    // Another context, or an altered header: stream_authentication_failed (step 4).
    assert_eq!(
        open_both(&k, &s, Context::new(b"user:bob|backup:1")),
        Err(t)
    );
    for at in [7, 30, 57, 63, 94] {
        let mut x = s.clone();
        x[at] ^= 0x01;
        let expected = if at < 23 {
            Err(Error::WrongKeyring)
        } else {
            Err(t)
        };
        // A changed salt also changes tag4: the commitment fails first (step 4).
        assert_eq!(open_both(&k, &x, CTX), expected, "header byte {at}");
    }

    // Cut at every chunk boundary (including right after the header): stream_truncated (6.1).
    for keep in 0..4 {
        let cut = join(&h, &frames[..keep]);
        assert_eq!(
            open_both(&k, &cut, CTX),
            violation(StreamViolation::StreamTruncated),
            "{keep} frames kept"
        );
    }
    // Cut inside a frame header (6.1) and inside a frame body or tag (6.5).
    for at in [
        95 + 1,
        95 + 15,
        95 + 16,
        95 + 1000,
        95 + C + 31,
        s.len() - 1,
        s.len() - 17,
    ] {
        assert_eq!(
            open_both(&k, &s[..at], CTX),
            violation(StreamViolation::StreamTruncated),
            "cut at {at}"
        );
    }

    // Swap two chunks; drop one before the final one: chunk_reordered (6.4).
    let mut swapped = frames.clone();
    swapped.swap(1, 2);
    assert_eq!(
        open_both(&k, &join(&h, &swapped), CTX),
        violation(StreamViolation::ChunkReordered)
    );
    let mut dropped = frames.clone();
    dropped.remove(1);
    assert_eq!(
        open_both(&k, &join(&h, &dropped), CTX),
        violation(StreamViolation::ChunkReordered)
    );
    let mut dropped_first = frames.clone();
    dropped_first.remove(0);
    assert_eq!(
        open_both(&k, &join(&h, &dropped_first), CTX),
        violation(StreamViolation::ChunkReordered)
    );
    // Repeat a chunk: chunk_duplicated (6.4).
    let mut repeated = frames.clone();
    repeated.insert(2, frames[1].clone());
    assert_eq!(
        open_both(&k, &join(&h, &repeated), CTX),
        violation(StreamViolation::ChunkDuplicated)
    );
    // Append a chunk, or bytes, after the final one: data_after_final_chunk (6.6).
    let mut appended = frames.clone();
    appended.push(frames[0].clone());
    assert_eq!(
        open_both(&k, &join(&h, &appended), CTX),
        violation(StreamViolation::DataAfterFinalChunk)
    );
    for extra in [&[0u8][..], &[0; 16], &s[95..]] {
        let mut x = s.clone();
        x.extend_from_slice(extra);
        assert_eq!(
            open_both(&k, &x, CTX),
            violation(StreamViolation::DataAfterFinalChunk)
        );
    }
    // A chunk of another stream of the same keyring in place of one of this stream's:
    // chunk_from_another_stream (6.2).
    let s2 = seal(&k, &p, 2);
    let (_, frames2) = split(&s2);
    let mut mixed = frames.clone();
    mixed[1] = frames2[1].clone();
    assert_eq!(
        open_both(&k, &join(&h, &mixed), CTX),
        violation(StreamViolation::ChunkFromAnotherStream)
    );

    // Alter a chunk anywhere: stream_authentication_failed (6.7).
    for (f, at) in [(0, 16), (0, 100), (1, C + 31), (3, 16), (3, 5 + 16 + 15)] {
        let mut x = frames.clone();
        x[f][at] ^= 0x80;
        assert_eq!(
            open_both(&k, &join(&h, &x), CTX),
            Err(t),
            "frame {f} byte {at}"
        );
    }
    // Relabel chunks to pass 6.2 to 6.6: another stream's chunk with this stream's tag4,
    // a swapped pair with their indexes swapped back, a non-final chunk relabeled final
    // (the stream then ends there, cut), the final one relabeled as a longer one.
    let mut x = mixed.clone();
    x[1][..4].copy_from_slice(&frames[1][..4]);
    assert_eq!(open_both(&k, &join(&h, &x), CTX), Err(t));
    let mut x = swapped.clone();
    let (a, b) = (x[1][4..12].to_vec(), x[2][4..12].to_vec());
    x[1][4..12].copy_from_slice(&b);
    x[2][4..12].copy_from_slice(&a);
    assert_eq!(open_both(&k, &join(&h, &x), CTX), Err(t));
    let mut x = frames[..2].to_vec();
    x[1][12] = 1;
    assert_eq!(open_both(&k, &join(&h, &x), CTX), Err(t));
    // The other keyring cannot open this stream however it is served.
    assert_eq!(open_both(&other_keyring, &s, CTX), Err(Error::WrongKeyring));
}

/// Opens `stream` chunk by chunk through the Read adaptor and returns how many chunks it
/// released before its failure, with the failure.
fn released_then_error<R: Read>(k: &UnlockedKeyring, reader: R) -> (usize, std::io::Error) {
    let mut opener = match k.open_stream(reader, CTX) {
        Ok(o) => o,
        Err(e) => return (0, e),
    };
    let mut released = 0;
    loop {
        match opener.next_chunk() {
            Ok(Some(_)) => released += 1,
            Ok(None) => panic!("a failed stream ended cleanly after {released} chunks"),
            Err(e) => {
                assert!(!opener.is_complete());
                return (released, e);
            }
        }
    }
}

// SR-STR-6: the rows of SPEC.md 11.16.4's attack table for the header, as revised: an altered
// keyring id is wrong_keyring (step 2, before the context's length at step 3); an altered
// salt or commitment stream_authentication_failed (step 4).
// SR-STR-1: an altered header structure is malformed, and a cut inside the header malformed
// truncated, through both opening APIs and OpenChunk's header, whatever the context.
#[test]
fn sr_str_6_header_rows_of_the_attack_table() {
    let k = new_keyring(11, FAST_PBKDF2);
    let s = seal(&k, &payload(C + 7), 1);
    let long = Context::new(&[0; 4097]);
    for at in 7..23 {
        let mut x = s.clone();
        x[at] ^= 0x40;
        assert_eq!(open_both(&k, &x, CTX), Err(Error::WrongKeyring), "{at}");
        assert_eq!(open_both(&k, &x, long), Err(Error::WrongKeyring), "{at}");
        let h = StreamHeader::decode(&x).unwrap();
        assert_eq!(k.stream_chunks(&h, long).unwrap_err(), Error::WrongKeyring);
    }
    for at in (26..58).chain(63..95) {
        let mut x = s.clone();
        x[at] ^= 0x40;
        assert_eq!(
            open_both(&k, &x, CTX),
            Err(Error::StreamAuthenticationFailed),
            "{at}"
        );
    }
    // The context's length is checked at step 3, after the header: not when open_stream is
    // called with it.
    assert_eq!(
        open_both(&k, &s, long),
        Err(Error::LimitExceeded(strongroom::Limit::ContextTooLong))
    );
    assert_eq!(
        open_both(&k, &s[..60], long),
        Err(Error::Malformed(Malformed::Truncated))
    );

    // A cut anywhere inside the header: malformed truncated.
    for cut in 0..STREAM_HEADER_LEN {
        assert_eq!(
            open_both(&k, &s[..cut], CTX),
            Err(Error::Malformed(Malformed::Truncated)),
            "cut at {cut}"
        );
        let e = k
            .open_stream_chunk(Cursor::new(&s[..cut]), 0, CTX)
            .unwrap_err();
        assert_eq!(
            stream_error(&e),
            Some(Error::Malformed(Malformed::Truncated))
        );
    }

    // The header's structure, with the frames after it: malformed, with the reason of the
    // decoding order.
    let edit = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut x = s.clone();
        f(&mut x);
        open_both(&k, &x, CTX)
    };
    let m = |r: Malformed| Err(Error::Malformed(r));
    assert_eq!(edit(&|x| x[59] = 0x11), m(Malformed::ValueOutOfRange));
    assert_eq!(edit(&|x| x[59] = 0x40), m(Malformed::UnexpectedType));
    assert_eq!(
        edit(&|x| {
            x.splice(59..60, [0x18, 0x10]);
        }),
        m(Malformed::NonShortestHead)
    );
    assert_eq!(
        edit(&|x| {
            x[25] = 0x1f;
            x.remove(26);
        }),
        m(Malformed::WrongLength)
    );
    assert_eq!(
        edit(&|x| {
            x[0] = 0xa7;
            x.splice(95..95, [0x07, 0x00]);
        }),
        m(Malformed::UnknownKey)
    );
    assert_eq!(
        edit(&|x| {
            x[0] = 0xa5;
            x.drain(60..95);
        }),
        m(Malformed::MissingKey)
    );
    assert_eq!(edit(&|x| x[0] = 0x86), m(Malformed::UnexpectedType));
    assert_eq!(edit(&|x| x[2] = 0x03), m(Malformed::WrongObjectType));
}

// SR-STR-1: the 256-byte window. A header item that does not end within the stream's first
// 256 bytes is too_large only when the stream is longer than 256 bytes, else truncated; an
// item that ends at byte 256 is read whole (its salt then has the wrong length).
#[test]
fn sr_str_1_the_256_byte_window() {
    let k = new_keyring(12, FAST_PBKDF2);
    let s = seal(&k, &payload(10), 1);
    // A header whose salt is `len` bytes long: the item is 63 + len bytes.
    let header_with_salt = |len: u8| {
        let mut h = s[..23].to_vec();
        h.extend([0x04, 0x58, len]);
        h.extend(std::iter::repeat_n(0x33, len as usize));
        h.extend_from_slice(&s[58..95]);
        assert_eq!(h.len(), 63 + len as usize);
        h
    };
    let m = |r: Malformed| Err(Error::Malformed(r));
    // Ends at byte 256 exactly: read whole, whatever follows.
    let ends_at_256 = header_with_salt(193);
    assert_eq!(ends_at_256.len(), 256);
    for extra in [0, 1, 1000] {
        let mut x = ends_at_256.clone();
        x.extend(std::iter::repeat_n(0, extra));
        assert_eq!(
            StreamHeader::decode(&x).unwrap_err(),
            Error::Malformed(Malformed::WrongLength)
        );
        assert_eq!(open_both(&k, &x, CTX), m(Malformed::WrongLength), "{extra}");
    }
    // Ends at byte 257: too_large when the stream has 257 bytes or more, truncated when it
    // stops at 256 or before.
    let ends_at_257 = header_with_salt(194);
    assert_eq!(ends_at_257.len(), 257);
    for len in [257, 258, 2000] {
        let mut x = ends_at_257.clone();
        x.resize(len, 0);
        assert_eq!(open_both(&k, &x, CTX), m(Malformed::TooLarge), "{len}");
        let e = k.open_stream_chunk(Cursor::new(&x), 0, CTX).unwrap_err();
        assert_eq!(
            stream_error(&e),
            Some(Error::Malformed(Malformed::TooLarge))
        );
    }
    for len in [256, 255, 100] {
        assert_eq!(
            open_both(&k, &ends_at_257[..len], CTX),
            m(Malformed::Truncated),
            "{len}"
        );
    }
    // A profile error inside the window is reported as it is found, even when the item
    // would not end within it.
    // Key 5's value at byte 221 as `18 10`: the item would end at byte 258.
    let mut x = ends_at_257.clone();
    assert_eq!(&x[220..222], &[0x05, 0x10]);
    x.splice(221..222, [0x18, 0x10]);
    x.resize(300, 0);
    assert_eq!(open_both(&k, &x, CTX), m(Malformed::NonShortestHead));
    let mut x = s.clone();
    x.splice(23..24, [0x18, 0x04]);
    x.resize(400, 0);
    assert_eq!(open_both(&k, &x, CTX), m(Malformed::NonShortestHead));
    // OpenChunk's header argument: the first 257 bytes, or more, or the header alone.
    let h = StreamHeader::decode(&s[..s.len().min(257)]).unwrap();
    assert_eq!(StreamHeader::decode(&s[..95]).unwrap(), h);
}

// SR-STR-6: the final chunk repeated after itself is data_after_final_chunk (6.6), not
// chunk_duplicated; and a reader fed from a pipe releases the chunks before the final one
// but never the final one, which it yields only after the end of its input.
// SR-STR-7: the released count is the same whatever follows the final frame.
#[test]
fn sr_str_6_final_chunk_repeated_after_itself() {
    let k = new_keyring(13, FAST_PBKDF2);
    for n in [0, 5, C, 3 * C + 5] {
        let s = seal(&k, &payload(n), 1);
        let (h, frames) = split(&s);
        let last = frames.len() - 1;
        let mut x = frames.clone();
        x.push(frames[last].clone());
        let x = join(&h, &x);
        assert_eq!(
            open_both(&k, &x, CTX),
            violation(StreamViolation::DataAfterFinalChunk),
            "n = {n}"
        );
        for extra in [&[0u8][..], &frames[last][..], &frames[0][..]] {
            let y = [&s[..], extra].concat();
            let (released, e) = released_then_error(&k, &y[..]);
            assert_eq!(released, last, "n = {n}");
            assert_eq!(
                stream_error(&e),
                Some(Error::StreamViolation(StreamViolation::DataAfterFinalChunk))
            );
        }
        // A reader that fails where the stream should end: the final chunk is never
        // released, since the end of the input was not seen.
        let (released, e) = released_then_error(&k, FailsAtEnd(&s[..]));
        assert_eq!(released, last, "n = {n}");
        assert_eq!(stream_error(&e), None);
        assert_eq!(e.to_string(), "no end of input");
    }
}

/// A reader that hands over its bytes and then fails instead of reporting the end.
struct FailsAtEnd<'a>(&'a [u8]);

impl Read for FailsAtEnd<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.0.is_empty() {
            return Err(std::io::Error::other("no end of input"));
        }
        let n = buf.len().min(self.0.len()).min(1000);
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

// SR-STR-6: edits of a frame's index, final byte or length give the first of steps 6.3 to
// 6.6 that fails (chunk_frame, chunk_duplicated, chunk_reordered, stream_truncated,
// data_after_final_chunk); a full final chunk relabelled not final passes 6.3 to 6.6 and
// fails at 6.7, as does a non-final chunk relabelled final at the end of a cut stream.
// SR-STR-4: the final flag and the length are in the nonce the tag authenticates.
#[test]
fn sr_str_6_frame_field_edits() {
    let k = new_keyring(14, FAST_PBKDF2);
    let s = seal(&k, &payload(3 * C + 5), 1);
    let (h, frames) = split(&s);
    assert_eq!(frames.len(), 4);
    let cf = Err(Error::Malformed(Malformed::ChunkFrame));
    let t = Err(Error::StreamAuthenticationFailed);
    let edit = |f: usize, e: &dyn Fn(&mut Vec<u8>)| {
        let mut x = frames.clone();
        e(&mut x[f]);
        open_both(&k, &join(&h, &x), CTX)
    };
    let index = |i: u64| move |x: &mut Vec<u8>| x[4..12].copy_from_slice(&i.to_be_bytes());
    let len = |n: u32| move |x: &mut Vec<u8>| x[13..16].copy_from_slice(&n.to_be_bytes()[1..]);
    // Index of a non-final frame.
    assert_eq!(
        edit(1, &index(0)),
        violation(StreamViolation::ChunkDuplicated)
    );
    assert_eq!(
        edit(1, &index(2)),
        violation(StreamViolation::ChunkReordered)
    );
    assert_eq!(edit(1, &index(1 << 32)), cf);
    assert_eq!(edit(1, &index((1 << 32) - 1)), cf);
    // Final byte of a non-final frame: 1 passes 6.3 to 6.5, then 6.6 finds the rest.
    assert_eq!(
        edit(1, &|x| x[12] = 1),
        violation(StreamViolation::DataAfterFinalChunk)
    );
    assert_eq!(
        edit(2, &|x| x[12] = 1),
        violation(StreamViolation::DataAfterFinalChunk)
    );
    assert_eq!(edit(1, &|x| x[12] = 2), cf);
    assert_eq!(edit(1, &|x| x[12] = 0xff), cf);
    // Length of a non-final frame: anything but C.
    for n in [0, 1, C as u32 - 1, C as u32 + 1, 0xff_ffff] {
        assert_eq!(edit(1, &len(n)), cf, "length {n}");
    }
    // The final frame (5 bytes): its index, final byte and length.
    assert_eq!(
        edit(3, &index(2)),
        violation(StreamViolation::ChunkDuplicated)
    );
    assert_eq!(
        edit(3, &index(4)),
        violation(StreamViolation::ChunkReordered)
    );
    assert_eq!(edit(3, &|x| x[12] = 0), cf);
    assert_eq!(edit(3, &|x| x[12] = 2), cf);
    assert_eq!(edit(3, &len(0)), cf);
    assert_eq!(edit(3, &len(C as u32 + 1)), cf);
    assert_eq!(
        edit(3, &len(6)),
        violation(StreamViolation::StreamTruncated)
    );
    assert_eq!(
        edit(3, &len(C as u32)),
        violation(StreamViolation::StreamTruncated)
    );
    assert_eq!(
        edit(3, &len(4)),
        violation(StreamViolation::DataAfterFinalChunk)
    );
    assert_eq!(
        edit(3, &len(1)),
        violation(StreamViolation::DataAfterFinalChunk)
    );

    // A full final chunk relabelled not final: 6.3 to 6.6 pass (n = C), 6.7 fails, after
    // the chunks before it were released.
    let full = seal(&k, &payload(2 * C), 2);
    let (fh, ff) = split(&full);
    assert_eq!((ff.len(), ff[1][12]), (2, 1));
    let mut x = ff.clone();
    x[1][12] = 0;
    let x = join(&fh, &x);
    assert_eq!(open_both(&k, &x, CTX), t);
    let (released, e) = released_then_error(&k, &x[..]);
    assert_eq!(released, 1);
    assert_eq!(stream_error(&e), Some(Error::StreamAuthenticationFailed));
    let chunks = k
        .stream_chunks(&StreamHeader::decode(&x).unwrap(), CTX)
        .unwrap();
    assert_eq!(
        chunks.open_chunk(1, &x[95 + C + 32..]).unwrap_err(),
        Error::StreamAuthenticationFailed
    );
    // The same for a one-chunk stream of exactly C bytes.
    let one = seal(&k, &payload(C), 3);
    let mut x = one.clone();
    x[95 + 12] = 0;
    assert_eq!(open_both(&k, &x, CTX), t);
    // And a cut stream whose last remaining (non-final) frame is relabelled final.
    let mut x = frames[..3].to_vec();
    x[2][12] = 1;
    assert_eq!(open_both(&k, &join(&h, &x), CTX), t);
}

// SR-STR-6: a chunk of another stream whose salt shares its first four bytes with this
// stream's passes 6.2 (the 2^-32 case of the attack table) and fails at 6.7.
#[test]
fn sr_str_6_another_streams_chunk_with_the_same_tag4() {
    let k = new_keyring(15, FAST_PBKDF2);
    let p = payload(2 * C + 1);
    let salt = |last: u8| {
        let mut s = vec![0xab; 32];
        s[31] = last;
        s
    };
    let seal_with = |salt: Vec<u8>| {
        hazmat::seal_stream_with_rng(&k, &p, CTX, &mut common::Scripted(vec![salt])).unwrap()
    };
    let a = seal_with(salt(1));
    let b = seal_with(salt(2));
    let (h, fa) = split(&a);
    let (_, fb) = split(&b);
    assert_eq!(fa[1][..4], fb[1][..4]);
    assert_ne!(a[..95], b[..95]);
    let mut x = fa.clone();
    x[1] = fb[1].clone();
    assert_eq!(
        open_both(&k, &join(&h, &x), CTX),
        Err(Error::StreamAuthenticationFailed)
    );
    let chunks = k
        .stream_chunks(&StreamHeader::decode(&a).unwrap(), CTX)
        .unwrap();
    assert_eq!(
        chunks.open_chunk(1, &fb[1]).unwrap_err(),
        Error::StreamAuthenticationFailed
    );
}

// SR-STR-7: OpenChunk makes step 6.1: fewer than 16 bytes read, or an index beyond the final
// chunk, is stream_truncated; it does not make 6.6 (the next frame's bytes are ignored); an
// index of 2^32 or more (an argument error in SPEC.md) is stream_truncated too.
#[test]
fn sr_str_7_open_chunk_step_6_1() {
    let k = new_keyring(16, FAST_PBKDF2);
    let s = seal(&k, &payload(C + 9), 1);
    let header = StreamHeader::decode(&s).unwrap();
    let chunks = k.stream_chunks(&header, CTX).unwrap();
    let tr = Error::StreamViolation(StreamViolation::StreamTruncated);
    for n in [0, 1, 15] {
        assert_eq!(chunks.open_chunk(0, &s[95..95 + n]).unwrap_err(), tr);
        assert_eq!(
            chunks.open_chunk(1, &s[95 + C + 32..][..n]).unwrap_err(),
            tr
        );
    }
    for i in [2, 3, (1 << 32) - 1, 1 << 32, u64::MAX] {
        let e = chunks.read_chunk(Cursor::new(&s), i).unwrap_err();
        assert_eq!(stream_error(&e), Some(tr), "{i}");
        let e = k.open_stream_chunk(Cursor::new(&s), i, CTX).unwrap_err();
        assert_eq!(stream_error(&e), Some(tr), "{i}");
    }
    for i in [1 << 32, u64::MAX] {
        assert_eq!(chunks.open_chunk(i, &s[95..]).unwrap_err(), tr);
    }
    // The final frame with bytes after it: 6.6 is not made.
    let c = chunks
        .open_chunk(1, &[&s[95 + C + 32..], &[0u8; 40][..]].concat())
        .unwrap();
    assert!(c.is_final);
    assert_eq!(&c.plaintext[..], &payload(C + 9)[C..]);
}

// SR-STR-5: a frame whose index is 2^32 or more, or a non-final frame of index 2^32 - 1, is
// malformed chunk_frame before its position is compared (a reader never gets that far in a
// real stream); other impossible frame fields are chunk_frame too.
#[test]
fn sr_str_5_chunk_frame_at_the_index_limit() {
    let k = new_keyring(6, FAST_PBKDF2);
    let s = seal(&k, &payload(C + 3), 1);
    let with = |edit: &dyn Fn(&mut Vec<u8>)| {
        let mut x = s.clone();
        edit(&mut x);
        open_both(&k, &x, CTX)
    };
    let cf = Err(Error::Malformed(Malformed::ChunkFrame));
    let index = |i: u64| move |x: &mut Vec<u8>| x[99..107].copy_from_slice(&i.to_be_bytes());
    assert_eq!(with(&index(1 << 32)), cf);
    assert_eq!(with(&index(u64::MAX)), cf);
    assert_eq!(with(&index((1 << 32) - 1)), cf); // frame 0 is not final
    assert_eq!(with(&index(1)), violation(StreamViolation::ChunkReordered));
    assert_eq!(with(&|x| x[107] = 2), cf);
    assert_eq!(
        with(&|x| x[108..111].copy_from_slice(&[0x01, 0x00, 0x01])),
        cf
    );
    assert_eq!(
        with(&|x| x[108..111].copy_from_slice(&[0x00, 0xff, 0xff])),
        cf
    );
    // An empty final frame as the second frame, after an authentic first one.
    let (h, frames) = split(&seal(&k, &payload(2 * C), 1));
    assert_eq!(frames.len(), 2);
    let mut x = frames[..1].to_vec();
    let mut empty_final = frames[0][..16].to_vec();
    empty_final[4..12].copy_from_slice(&1u64.to_be_bytes());
    empty_final[12] = 1;
    empty_final[13..16].copy_from_slice(&[0, 0, 0]);
    empty_final.extend([0; 16]);
    x.push(empty_final);
    assert_eq!(open_both(&k, &join(&h, &x), CTX), cf);
}

// SR-STR-7: the Read adaptor releases authenticated chunks as it goes, and a failure after
// them is an error, never a clean end of file, and stays an error on every later call.
#[test]
fn sr_str_7_failure_after_released_chunks_is_never_eof() {
    let k = new_keyring(7, FAST_PBKDF2);
    let p = payload(3 * C + 5);
    let s = seal(&k, &p, 1);
    for cut in [
        95 + (C + 32),
        95 + 2 * (C + 32),
        s.len() - 1,
        95 + 2 * (C + 32) + 10,
    ] {
        let mut opener = k.open_stream(&s[..cut], CTX).unwrap();
        let mut released = Vec::new();
        let mut buf = [0u8; 1000];
        let err = loop {
            match opener.read(&mut buf) {
                Ok(0) => panic!("a cut stream ended cleanly at {cut}"),
                Ok(n) => released.extend_from_slice(&buf[..n]),
                Err(e) => break e,
            }
        };
        assert_eq!(
            stream_error(&err),
            Some(Error::StreamViolation(StreamViolation::StreamTruncated))
        );
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        // Only whole authenticated chunks were released, and they are the payload's.
        assert_eq!(released.len() % C, 0);
        assert_eq!(&released[..], &p[..released.len()]);
        assert!(!opener.is_complete());
        for _ in 0..3 {
            let again = opener.read(&mut buf).unwrap_err();
            assert_eq!(stream_error(&again), stream_error(&err));
            assert!(opener.next_chunk().is_err());
        }
    }
    // An I/O error of the reader is passed through as it is, not as a stream class.
    struct Failing<'a>(&'a [u8]);
    impl Read for Failing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Err(std::io::Error::other("disk on fire"));
            }
            let n = buf.len().min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let mut opener = k.open_stream(Failing(&s[..95 + C]), CTX).unwrap();
    let e = opener.read_to_end(&mut Vec::new()).unwrap_err();
    assert_eq!(stream_error(&e), None);
    assert!(opener.read(&mut [0u8; 4]).is_err());
}

// SR-STR-7: OpenChunk (random access) opens every chunk of a stream on its own, says which
// is final, and refuses a frame read at another chunk's offset.
#[test]
fn sr_str_7_random_access_to_every_chunk() {
    let k = new_keyring(8, FAST_PBKDF2);
    let p = payload(5 * C + 77);
    let s = seal(&k, &p, 1);
    let header = StreamHeader::decode(&s).unwrap();
    let chunks = k.stream_chunks(&header, CTX).unwrap();
    let count = stream_chunk_count(s.len() as u64).unwrap();
    assert_eq!(count, 6);
    for i in 0..count {
        let c = chunks.read_chunk(Cursor::new(&s), i).unwrap();
        let start = i as usize * C;
        let end = (start + C).min(p.len());
        assert_eq!(&c.plaintext[..], &p[start..end]);
        assert_eq!(c.is_final, i == count - 1);
        let one = k.open_stream_chunk(Cursor::new(&s), i, CTX).unwrap();
        assert_eq!(&one.plaintext[..], &p[start..end]);
        // The frame with whatever follows it: the rest is ignored.
        let off = chunks.frame_offset(i).unwrap() as usize;
        let c = chunks.open_chunk(i, &s[off..]).unwrap();
        assert_eq!(&c.plaintext[..], &p[start..end]);
    }
    let off1 = chunks.frame_offset(1).unwrap() as usize;
    assert_eq!(off1, 95 + C + 32);
    assert_eq!(
        chunks.open_chunk(2, &s[off1..]).unwrap_err(),
        Error::StreamViolation(StreamViolation::ChunkDuplicated)
    );
    assert_eq!(
        chunks.open_chunk(0, &s[off1..]).unwrap_err(),
        Error::StreamViolation(StreamViolation::ChunkReordered)
    );
    assert_eq!(
        chunks.open_chunk(1, &s[off1..off1 + 100]).unwrap_err(),
        Error::StreamViolation(StreamViolation::StreamTruncated)
    );
    let e = chunks.read_chunk(Cursor::new(&s), count).unwrap_err();
    assert_eq!(
        stream_error(&e),
        Some(Error::StreamViolation(StreamViolation::StreamTruncated))
    );
    let mut x = s.clone();
    x[off1 + 40] ^= 1;
    assert_eq!(
        chunks.open_chunk(1, &x[off1..]).unwrap_err(),
        Error::StreamAuthenticationFailed
    );
    // Another context: the commitment does not cover it, the chunks' AAD does (step 6.7).
    let elsewhere = k.stream_chunks(&header, Context::new(b"other")).unwrap();
    assert_eq!(
        elsewhere.open_chunk(1, &s[off1..]).unwrap_err(),
        Error::StreamAuthenticationFailed
    );
}

/// A reader of `left` deterministic bytes that records the largest read it was asked for.
struct Source {
    left: u64,
    counter: u64,
    largest_read: usize,
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.largest_read = self.largest_read.max(buf.len());
        let n = (buf.len() as u64).min(self.left) as usize;
        for b in &mut buf[..n] {
            *b = (self.counter % 251) as u8;
            self.counter += 1;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// A writer that counts and hashes what it is given and records the largest write.
#[derive(Default)]
struct Sink {
    total: u64,
    largest_write: usize,
    hash: u64,
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.largest_write = self.largest_write.max(buf.len());
        self.total += buf.len() as u64;
        for &b in buf {
            self.hash = self.hash.wrapping_mul(0x100_0000_01b3) ^ u64::from(b);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// SR-STR-6: 64 MiB through the Read/Write adaptors in constant memory: a sealer on one
// thread writing into a pipe, an opener on another reading from it, neither ever asking for
// or handing over more than one frame (65,568 bytes) at a time, and the payload intact.
#[test]
fn constant_memory_through_a_pipe() {
    const N: u64 = 64 << 20;
    let k = std::sync::Arc::new(new_keyring(9, FAST_PBKDF2));
    let (reader, writer) = std::io::pipe().unwrap();
    let sealing = {
        let k = k.clone();
        std::thread::spawn(move || {
            let mut source = Source {
                left: N,
                counter: 0,
                largest_read: 0,
            };
            let mut w = Recording {
                inner: writer,
                largest_write: 0,
            };
            let summary = k.seal_stream(&mut source, &mut w, CTX).unwrap();
            (summary, source.largest_read, w.largest_write)
        })
    };
    let mut opener = k
        .open_stream(
            RecordingReader {
                inner: reader,
                largest: 0,
            },
            CTX,
        )
        .unwrap();
    let mut sink = Sink::default();
    std::io::copy(&mut opener, &mut sink).unwrap();
    assert!(opener.is_complete());
    let largest_opener_read = opener.into_inner().largest;
    let (summary, largest_seal_read, largest_seal_write) = sealing.join().unwrap();
    assert_eq!(sink.total, N);
    assert_eq!(summary.payload_len(), N);
    assert_eq!(summary.chunk_count(), N / C as u64);
    let mut expected = Sink::default();
    std::io::copy(
        &mut Source {
            left: N,
            counter: 0,
            largest_read: 0,
        },
        &mut expected,
    )
    .unwrap();
    assert_eq!(sink.hash, expected.hash);
    let frame = C + 32;
    // The sealer reads a chunk and one byte ahead at a time.
    assert!(largest_seal_read <= C + 1, "{largest_seal_read}");
    assert!(largest_seal_write <= frame, "{largest_seal_write}");
    assert!(largest_opener_read <= frame, "{largest_opener_read}");
}

struct Recording<W> {
    inner: W,
    largest_write: usize,
}

impl<W: Write> Write for Recording<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.largest_write = self.largest_write.max(buf.len());
        self.inner.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

struct RecordingReader<R> {
    inner: R,
    largest: usize,
}

impl<R: Read> Read for RecordingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.largest = self.largest.max(buf.len());
        self.inner.read(buf)
    }
}

// SR-STR-2: every stream draws its salt afresh; with the operating system's generator too.
#[test]
fn sr_str_2_fresh_salt_per_stream() {
    let mut k = new_keyring(10, FAST_PBKDF2);
    let a = k.seal_stream_to_vec(b"x", CTX).unwrap();
    k.set_record_randomness(strongroom::RecordRandomness::OperatingSystem);
    let b = k.seal_stream_to_vec(b"x", CTX).unwrap();
    let mut c = Vec::new();
    k.seal_stream(&b"x"[..], &mut c, CTX).unwrap();
    assert!(a[26..58] != b[26..58] && b[26..58] != c[26..58]);
    for s in [a, b, c] {
        assert_eq!(open_both(&k, &s, CTX).unwrap(), b"x");
    }
    assert_eq!(
        k.seal_stream_to_vec(b"x", Context::new(&[0; 4097])),
        Err(Error::LimitExceeded(strongroom::Limit::ContextTooLong))
    );
    let e = k
        .seal_stream(&b"x"[..], Vec::new(), Context::new(&[0; 4097]))
        .unwrap_err();
    assert_eq!(
        stream_error(&e),
        Some(Error::LimitExceeded(strongroom::Limit::ContextTooLong))
    );
}

/// A reader over a slice that counts the calls made to it.
struct Counting<'a> {
    inner: &'a [u8],
    calls: usize,
}

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.calls += 1;
        self.inner.read(buf)
    }
}

// SR-STR-6: one read per frame from an unbuffered reader: the opener reads a frame in one call
// of up to C + 32 bytes (and one more call to see the end of the input after the final frame),
// the sealer a chunk and the byte after it in one call.
#[test]
fn one_read_per_frame() {
    let k = new_keyring(17, FAST_PBKDF2);
    let p = payload(8 * C + 5);
    let s = seal(&k, &p, 1);
    let mut r = Counting {
        inner: &s,
        calls: 0,
    };
    let mut out = Vec::new();
    k.open_stream(&mut r, CTX)
        .unwrap()
        .read_to_end(&mut out)
        .unwrap();
    assert_eq!(out, p);
    // The header (one call), 9 frames, the end of the input.
    assert_eq!(r.calls, 1 + 9 + 1);
    let mut r = Counting {
        inner: &p,
        calls: 0,
    };
    k.seal_stream(&mut r, Vec::new(), CTX).unwrap();
    // 9 chunks, the last one ending the input (a call that returns 0).
    assert_eq!(r.calls, 9 + 1);
}

/// A writer that takes one byte per call, with `Interrupted` before every other call.
#[derive(Default)]
struct Trickle {
    out: Vec<u8>,
    calls: usize,
}

impl Write for Trickle {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.calls += 1;
        if self.calls % 2 == 1 {
            return Err(std::io::ErrorKind::Interrupted.into());
        }
        match buf.first() {
            Some(&b) => {
                self.out.push(b);
                Ok(1)
            }
            None => Ok(0),
        }
    }

    fn write_vectored(&mut self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
        let first = bufs
            .iter()
            .find(|b| !b.is_empty())
            .map_or(&[][..], |b| &b[..]);
        self.write(first)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// SR-STR-4: seal_stream_in_place writes exactly the bytes of seal_stream (and of the slice
// sealer) under the same salt, at 0, 1, C - 1, C, C + 1 and 3C + 5 bytes, leaves the frame
// bodies (the ciphertext chunks) in the caller's buffer, and the stream opens back; through a
// writer that takes one byte per call (and is interrupted) the bytes are the same.
#[test]
fn seal_in_place_writes_the_bytes_of_seal_stream() {
    let k = new_keyring(18, FAST_PBKDF2);
    for n in [0, 1, C - 1, C, C + 1, 3 * C + 5] {
        let p = payload(n);
        let mut by_reader = Vec::new();
        let summary_r = hazmat::seal_stream_from_reader_with_rng(
            &k,
            &p[..],
            &mut by_reader,
            CTX,
            &mut TestRandom::new(n as u64),
        )
        .unwrap();
        assert_eq!(by_reader, seal(&k, &p, n as u64), "n = {n}");

        let mut buf = p.clone();
        let mut in_place = Vec::new();
        let summary = hazmat::seal_stream_in_place_with_rng(
            &k,
            &mut buf,
            &mut in_place,
            CTX,
            &mut TestRandom::new(n as u64),
        )
        .unwrap();
        assert_eq!(in_place, by_reader, "n = {n}");
        assert_eq!(summary, summary_r);
        assert_eq!(summary.payload_len(), n as u64);
        assert_eq!(summary.sealed_len(), in_place.len() as u64);
        assert_eq!(open_both(&k, &in_place, CTX).unwrap(), p, "n = {n}");
        // The buffer holds the ciphertext: the frames' bodies, in order.
        let (_, frames) = split(&in_place);
        let bodies: Vec<u8> = frames
            .iter()
            .flat_map(|f| f[16..f.len() - 16].iter().copied())
            .collect();
        assert_eq!(buf, bodies, "n = {n}");
        assert!(n < 16 || buf != p);

        let mut buf = p.clone();
        let mut trickle = Trickle::default();
        hazmat::seal_stream_in_place_with_rng(
            &k,
            &mut buf,
            &mut trickle,
            CTX,
            &mut TestRandom::new(n as u64),
        )
        .unwrap();
        assert_eq!(trickle.out, in_place, "n = {n}");

        // The public API, with a fresh salt: the same length, and it opens.
        let mut buf = p.clone();
        let mut fresh = Vec::new();
        k.seal_stream_in_place(&mut buf, &mut fresh, CTX).unwrap();
        assert_eq!(fresh.len(), in_place.len());
        assert!(fresh[..95] != in_place[..95]);
        assert_eq!(open_both(&k, &fresh, CTX).unwrap(), p, "n = {n}");
    }
    // context_too_long before the salt is drawn: an empty script is never asked.
    let mut buf = payload(10);
    let mut out = Vec::new();
    let e = hazmat::seal_stream_in_place_with_rng(
        &k,
        &mut buf,
        &mut out,
        Context::new(&[0; 4097]),
        &mut common::Scripted(vec![]),
    )
    .unwrap_err();
    assert_eq!(
        stream_error(&e),
        Some(Error::LimitExceeded(strongroom::Limit::ContextTooLong))
    );
    assert!(out.is_empty());
    assert_eq!(buf, payload(10));
    // A writer's error is passed through as it is.
    let e = k.seal_stream_in_place(&mut buf, Failing, CTX).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe);
    assert_eq!(stream_error(&e), None);
}

/// A writer that fails every call.
struct Failing;

impl Write for Failing {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::ErrorKind::BrokenPipe.into())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
