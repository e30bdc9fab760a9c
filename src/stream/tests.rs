//! The stream internals at a lowered chunk count limit and a small chunk size, so that
//! SR-STR-5 is reached without 256 TiB.

use super::*;
use crate::format::stream::STREAM_CHUNK_SIZE;
use crate::primitives::rng::RandomSource;
use crate::{KdfParams, Keyring, Password, UnlockPolicy};

fn unlocked() -> UnlockedKeyring {
    let policy = UnlockPolicy::builder()
        .pbkdf2_iterations(1..=10)
        .build()
        .unwrap();
    let pw = Password::new("pw").unwrap();
    Keyring::create(&pw, KdfParams::Pbkdf2Sha256 { iterations: 1 }, "t", &policy).unwrap()
}

struct Fixed(u8);

impl RandomSource for Fixed {
    fn fill(&mut self, dest: &mut [u8]) -> Result<()> {
        dest.fill(self.0);
        Ok(())
    }
}

// SR-STR-5: with at most 3 chunks of 1 KiB, a 3 KiB payload seals (its third chunk is
// final), one byte more fails with stream_too_large; the opener refuses a frame of index 3,
// or a non-final frame of index 2, as chunk_frame.
#[test]
fn sr_str_5_chunk_count_limit() {
    let k = unlocked();
    let g = Geometry::new(10, 3).unwrap();
    let ok = seal_slice(&k, &[5u8; 3 * 1024], b"c", g, &mut Fixed(1)).unwrap();
    assert_eq!(ok.len(), 95 + 3 * 1024 + 3 * 32);
    assert_eq!(
        &open_slice(&k, &ok, b"c", g).unwrap()[..],
        &[5u8; 3 * 1024][..]
    );
    assert_eq!(
        seal_slice(&k, &[5u8; 3 * 1024 + 1], b"c", g, &mut Fixed(1)),
        Err(Error::LimitExceeded(Limit::StreamTooLarge))
    );
    let (_, keys) = StreamKeys::for_sealing(&k, &[1; 32], b"c", g);
    assert!(keys.check_sealable(2, true).is_ok());
    assert_eq!(
        keys.check_sealable(2, false),
        Err(Error::LimitExceeded(Limit::StreamTooLarge))
    );
    assert_eq!(
        keys.check_sealable(3, true),
        Err(Error::LimitExceeded(Limit::StreamTooLarge))
    );
    let frame = |index: u64, fin: u8, n: u32| {
        let mut h = [0u8; 16];
        h[..4].copy_from_slice(&[1; 4]);
        h[4..12].copy_from_slice(&index.to_be_bytes());
        h[12] = fin;
        h[13..].copy_from_slice(&n.to_be_bytes()[1..]);
        h
    };
    let cf = Err(Error::Malformed(Malformed::ChunkFrame));
    assert_eq!(keys.check_frame(&frame(3, 1, 5), 3), cf);
    assert_eq!(keys.check_frame(&frame(2, 0, 1024), 2), cf);
    assert_eq!(keys.check_frame(&frame(2, 1, 1024), 2), Ok((true, 1024)));
    assert_eq!(keys.check_frame(&frame(1, 0, 1024), 1), Ok((false, 1024)));
}

// SR-STR-5: the Read/Write sealers stop at the limit too, before writing the frame that
// would pass it.
#[test]
fn sr_str_5_io_sealers_stop_at_the_limit() {
    let k = unlocked();
    let g = Geometry::new(10, 2).unwrap();
    let (header, keys) = StreamKeys::for_sealing(&k, &[1; 32], b"c", g);
    let mut sealer = seal::StreamSealer::for_tests(Vec::new(), keys, header);
    use std::io::Write;
    sealer.write_all(&[0u8; 2048]).unwrap();
    let err = sealer.write_all(&[0u8; 1]).unwrap_err();
    assert_eq!(
        stream_error(&err),
        Some(Error::LimitExceeded(Limit::StreamTooLarge))
    );
}

// SR-STR-5: the in-place sealer checks the limit before it writes or overwrites anything:
// with at most 2 chunks of 1 KiB, 2 KiB seals, one byte more fails with stream_too_large and
// leaves the payload and the writer untouched.
#[test]
fn sr_str_5_in_place_sealer_stops_before_writing() {
    let k = unlocked();
    let g = Geometry::new(10, 2).unwrap();
    let mut fits = vec![3u8; 2048];
    let (header, keys) = StreamKeys::for_sealing(&k, &[1; 32], b"c", g);
    let mut out = Vec::new();
    let summary = seal::seal_in_place(header, keys, &mut fits, &mut out).unwrap();
    assert_eq!(summary.chunk_count(), 2);
    assert_eq!(
        out,
        seal_slice(&k, &[3u8; 2048], b"c", g, &mut Fixed(1)).unwrap()
    );
    let mut over = vec![3u8; 2049];
    let (header, keys) = StreamKeys::for_sealing(&k, &[1; 32], b"c", g);
    let mut out = Vec::new();
    let err = seal::seal_in_place(header, keys, &mut over, &mut out).unwrap_err();
    assert_eq!(
        stream_error(&err),
        Some(Error::LimitExceeded(Limit::StreamTooLarge))
    );
    assert!(out.is_empty());
    assert_eq!(over, vec![3u8; 2049]);
}

// SR-STR-4: every frame check of OpenStream step 6.3 in SPEC.md's list, at the v1 geometry.
#[test]
fn sr_str_4_frame_checks() {
    let k = unlocked();
    let (_, keys) = StreamKeys::for_sealing(&k, &[7; 32], b"", Geometry::V1);
    let frame = |tag: u8, index: u64, fin: u8, n: u32| {
        let mut h = [tag; 16];
        h[4..12].copy_from_slice(&index.to_be_bytes());
        h[12] = fin;
        h[13..].copy_from_slice(&n.to_be_bytes()[1..]);
        h
    };
    let c = STREAM_CHUNK_SIZE as u32;
    let cf = Err(Error::Malformed(Malformed::ChunkFrame));
    let sv = |v| Err(Error::StreamViolation(v));
    assert_eq!(
        keys.check_frame(&frame(7, 0, 0, c), 0),
        Ok((false, c as usize))
    );
    assert_eq!(keys.check_frame(&frame(7, 0, 1, 0), 0), Ok((true, 0)));
    assert_eq!(
        keys.check_frame(&frame(8, 0, 1, 0), 0),
        sv(StreamViolation::ChunkFromAnotherStream)
    );
    assert_eq!(keys.check_frame(&frame(7, 1 << 32, 1, 1), 1 << 32), cf);
    assert_eq!(keys.check_frame(&frame(7, 0, 2, 1), 0), cf);
    assert_eq!(keys.check_frame(&frame(7, 0, 1, c + 1), 0), cf);
    assert_eq!(keys.check_frame(&frame(7, 0, 0, c - 1), 0), cf);
    assert_eq!(
        keys.check_frame(&frame(7, (1 << 32) - 1, 0, c), (1 << 32) - 1),
        cf
    );
    assert_eq!(keys.check_frame(&frame(7, 1, 1, 0), 1), cf);
    // The checks of 6.3 come before the position check of 6.4.
    assert_eq!(keys.check_frame(&frame(7, 1, 2, 1), 0), cf);
    assert_eq!(
        keys.check_frame(&frame(7, 1, 1, 5), 0),
        sv(StreamViolation::ChunkReordered)
    );
    assert_eq!(
        keys.check_frame(&frame(7, 0, 1, 5), 1),
        sv(StreamViolation::ChunkDuplicated)
    );
}
