//! The two library targets of sealed streams (issue 18), measured in one run:
//!
//! - **Seal at 1 GiB**: `UnlockedKeyring::seal_stream` from a 1 GiB payload in memory into a
//!   writer that discards, against bare AES-256-GCM of the same backend sealing the same
//!   64 KiB chunks in place with a prebuilt key (the cipher alone, no framing, no copies).
//!   Target: the library at least 0.9 times the bare throughput. A third line, the bare cipher
//!   with each chunk first copied into a buffer, is the floor for any sealer that reads its
//!   input through `Read` with a backend that encrypts only in place (ring). A fourth,
//!   `UnlockedKeyring::seal_stream_in_place` of the same buffer (overwritten with ciphertext
//!   at each repetition; the cipher's cost does not depend on the data), is the library
//!   without that copy.
//! - **Random access**: one chunk of a 4 GiB sealed stream in a file (on /dev/shm when it
//!   exists, so that the disk does not decide), by `open_stream_chunk` after the unlock: open
//!   the file, decode the header, derive the keys, seek, read and decrypt one frame.
//!   Target: under 1 ms.
//!
//! Wall time, the median of 5 interleaved repetitions. Not criterion: one sample of a 1 GiB
//! seal already takes a second. `cargo bench -p strongroom-benches --bench stream_targets`
//! (`--features ring` for the ring backend); under `cargo test --benches` it runs at 4 MiB and
//! 64 MiB only, to check that it works.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes256Gcm, KeyInit};
use strongroom::{Context, KdfParams, Keyring, Password, STREAM_CHUNK_SIZE, UnlockPolicy};

const BACKEND: &str = if cfg!(feature = "ring") {
    "ring"
} else {
    "aes-gcm (RustCrypto)"
};

/// A writer that counts and discards.
struct Discard(u64);

impl Write for Discard {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn nonce(i: u64, last: bool, n: usize) -> [u8; 12] {
    let mut out = [0u8; 12];
    out[..8].copy_from_slice(&i.to_be_bytes());
    out[8] = u8::from(last);
    out[9..].copy_from_slice(&(n as u32).to_be_bytes()[1..]);
    out
}

/// The cipher alone over the chunks of `buf`, in place, with the backend the library uses.
fn bare_seal(key: &[u8; 32], aad: &[u8], buf: &mut [u8]) {
    let count = buf.len().div_ceil(STREAM_CHUNK_SIZE);
    if cfg!(feature = "ring") {
        use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
        let k = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).expect("key"));
        for (i, c) in buf.chunks_mut(STREAM_CHUNK_SIZE).enumerate() {
            let n = nonce(i as u64, i + 1 == count, c.len());
            let tag = k
                .seal_in_place_separate_tag(Nonce::assume_unique_for_key(n), Aad::from(aad), c)
                .expect("seal");
            let _ = std::hint::black_box(tag);
        }
    } else {
        let cipher = Aes256Gcm::new(key.into());
        for (i, c) in buf.chunks_mut(STREAM_CHUNK_SIZE).enumerate() {
            let n = nonce(i as u64, i + 1 == count, c.len());
            let tag = cipher
                .encrypt_inout_detached(&n.into(), aad, c.into())
                .expect("seal");
            let _ = std::hint::black_box(tag);
        }
    }
}

/// The cipher over the same chunks, each first copied from `src` into one reused buffer, as
/// any sealer that reads its input (`Read`) and encrypts in place must: the floor for a
/// backend without out-of-place encryption (ring).
fn bare_seal_copying(key: &[u8; 32], aad: &[u8], src: &[u8], buf: &mut [u8]) {
    let count = src.len().div_ceil(STREAM_CHUNK_SIZE);
    if cfg!(feature = "ring") {
        use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
        let k = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).expect("key"));
        for (i, c) in src.chunks(STREAM_CHUNK_SIZE).enumerate() {
            let b = &mut buf[..c.len()];
            b.copy_from_slice(c);
            let n = nonce(i as u64, i + 1 == count, c.len());
            let tag = k
                .seal_in_place_separate_tag(Nonce::assume_unique_for_key(n), Aad::from(aad), b)
                .expect("seal");
            let _ = std::hint::black_box(tag);
        }
    } else {
        let cipher = Aes256Gcm::new(key.into());
        for (i, c) in src.chunks(STREAM_CHUNK_SIZE).enumerate() {
            let b = &mut buf[..c.len()];
            b.copy_from_slice(c);
            let n = nonce(i as u64, i + 1 == count, c.len());
            let tag = cipher
                .encrypt_inout_detached(&n.into(), aad, b.into())
                .expect("seal");
            std::hint::black_box(tag);
        }
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn gib_per_s(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64() / f64::from(1u32 << 30)
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (seal_len, access_len) = if full {
        (1usize << 30, 4u64 << 30)
    } else {
        (4usize << 20, 64u64 << 20)
    };
    let policy = UnlockPolicy::builder()
        .pbkdf2_iterations(1..=600_000)
        .build()
        .expect("policy");
    let password = Password::new("bench").expect("password");
    let unlocked = Keyring::create(
        &password,
        KdfParams::Pbkdf2Sha256 { iterations: 1 },
        "b",
        &policy,
    )
    .expect("keyring");
    let context = Context::new(b"bench:stream");
    let key = [7u8; 32];
    let aad = [9u8; 32];
    let mut payload: Vec<u8> = (0..seal_len).map(|i| (i % 251) as u8).collect();

    // Seal at 1 GiB: library and bare interleaved, 5 repetitions each.
    let (mut lib, mut bare, mut copying, mut in_place) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut scratch = vec![0u8; STREAM_CHUNK_SIZE];
    for _ in 0..5 {
        let t = Instant::now();
        bare_seal_copying(&key, &aad, &payload, &mut scratch);
        copying.push(t.elapsed());
        let t = Instant::now();
        let summary = unlocked
            .seal_stream(&payload[..], Discard(0), context)
            .expect("seal");
        lib.push(t.elapsed());
        assert_eq!(summary.payload_len(), seal_len as u64);
        let t = Instant::now();
        bare_seal(&key, &aad, &mut payload);
        bare.push(t.elapsed());
        let t = Instant::now();
        let summary = unlocked
            .seal_stream_in_place(&mut payload, Discard(0), context)
            .expect("seal in place");
        in_place.push(t.elapsed());
        assert_eq!(summary.payload_len(), seal_len as u64);
    }
    let (lib, bare, copying, in_place) =
        (median(lib), median(bare), median(copying), median(in_place));
    println!(
        "seal {} MiB, backend {BACKEND}: library {:.3} s ({:.2} GiB/s), bare AES-256-GCM over \
         the same 64 KiB chunks in place {:.3} s ({:.2} GiB/s): ratio {:.2} (target >= 0.90); \
         bare with each chunk first copied into a buffer {:.3} s: ratio {:.2}",
        seal_len >> 20,
        lib.as_secs_f64(),
        gib_per_s(seal_len, lib),
        bare.as_secs_f64(),
        gib_per_s(seal_len, bare),
        bare.as_secs_f64() / lib.as_secs_f64(),
        copying.as_secs_f64(),
        copying.as_secs_f64() / lib.as_secs_f64()
    );
    println!(
        "seal {} MiB in place, backend {BACKEND}: seal_stream_in_place {:.3} s ({:.2} GiB/s): \
         ratio to bare in place {:.2} (target >= 0.90)",
        seal_len >> 20,
        in_place.as_secs_f64(),
        gib_per_s(seal_len, in_place),
        bare.as_secs_f64() / in_place.as_secs_f64()
    );
    drop(payload);

    // Random access in a 4 GiB stream on disk (tmpfs when available).
    let dir = if std::path::Path::new("/dev/shm").is_dir() {
        std::path::PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let path = dir.join(format!("strongroom-stream-targets-{}", std::process::id()));
    struct Remove(std::path::PathBuf);
    impl Drop for Remove {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
    let _remove = Remove(path.clone());
    {
        let file = std::fs::File::create(&path).expect("create");
        let mut w = io::BufWriter::with_capacity(1 << 20, file);
        let zeros = io::Read::take(io::repeat(0x5a), access_len);
        unlocked
            .seal_stream(zeros, &mut w, context)
            .expect("seal the stream");
        w.flush().expect("flush");
    }
    let len = std::fs::metadata(&path).expect("metadata").len();
    let chunks = strongroom::stream_chunk_count(len).expect("chunk count");
    let mut times = Vec::new();
    let mut index = 12_345u64;
    for _ in 0..101 {
        index = (index
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1))
            % chunks;
        let t = Instant::now();
        let file = std::fs::File::open(&path).expect("open");
        let chunk = unlocked
            .open_stream_chunk(file, index, context)
            .expect("chunk");
        times.push(t.elapsed());
        assert!(chunk.plaintext.iter().all(|b| *b == 0x5a));
    }
    let t = median(times);
    println!(
        "random access, backend {BACKEND}: one chunk of a {} MiB stream ({chunks} chunks) in {}: \
         median {:.1} µs over 101 random chunks (open the file, decode the header, derive the \
         keys, seek, read, decrypt; target < 1 ms)",
        len >> 20,
        dir.display(),
        t.as_secs_f64() * 1e6
    );
}
