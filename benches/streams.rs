//! Sealed streams (SPEC.md 11.16): the chunk size, the backends and random access.
//!
//! - `stream_seal_open/{16KiB,64KiB,256KiB,1MiB}`: a 4 MiB payload sealed then opened in
//!   memory with that chunk size (`hazmat::seal_stream_with_chunk_size` and
//!   `open_stream_with_chunk_size`: the v1 code with another exponent in key 5), beside the
//!   bare AES-256-GCM calls over the same chunks with a prebuilt key (`bare_aes_gcm`,
//!   RustCrypto; `bare_ring`, ring): what the stream format costs on top of the cipher. The
//!   library's line is named after its backend: `strongroom_aes_gcm` by default,
//!   `strongroom_ring` with `--features ring` (which turns on the library's `ring` feature).
//! - `stream_io/64KiB`: the same payload through `seal_stream` (reader to writer) and
//!   `open_stream` (`Read`), the v1 chunk size.
//! - `stream_random_access`: one chunk of a 64 GiB stream (chunk 2^20), read from a virtual
//!   reader that holds only the header and that frame: `open_stream_chunk` (header decode,
//!   HKDF, seek, read, one AES-GCM call) and `StreamChunks::read_chunk` with the keys derived
//!   once.
//!
//! Run: `cargo bench -p strongroom-benches --bench streams` and again with
//! `--features ring`; BENCHMARKS.md ("Sealed streams") has the table.

mod common;

use std::hint::black_box;
use std::io::{Read, Seek, SeekFrom};
use std::time::Duration;

use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes256Gcm, KeyInit};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use strongroom::hazmat::{self, ThreadRandom};
use strongroom::{Context, STREAM_CHUNK_SIZE, StreamHeader, UnlockedKeyring};

use common::{CONTEXT, ThreadCpu, plaintext, unlocked};

const PAYLOAD: usize = 4 << 20;
const CHUNK_SIZES: [(u8, &str); 4] = [(14, "16KiB"), (16, "64KiB"), (18, "256KiB"), (20, "1MiB")];

const BACKEND: &str = if cfg!(feature = "ring") {
    "strongroom_ring"
} else {
    "strongroom_aes_gcm"
};

fn config() -> Criterion<ThreadCpu> {
    common::config()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_millis(1000))
}

fn nonce(i: u64, last: bool, n: usize) -> [u8; 12] {
    let mut out = [0u8; 12];
    out[..8].copy_from_slice(&i.to_be_bytes());
    out[8] = last as u8;
    out[9..].copy_from_slice(&(n as u32).to_be_bytes()[1..]);
    out
}

/// Every chunk sealed then opened in place with RustCrypto's AES-256-GCM, prebuilt key.
fn bare_aes_gcm(cipher: &Aes256Gcm, aad: &[u8], buf: &mut [u8], chunk: usize) {
    let count = buf.len().div_ceil(chunk);
    for (i, c) in buf.chunks_mut(chunk).enumerate() {
        let n = nonce(i as u64, i + 1 == count, c.len());
        let tag = cipher
            .encrypt_inout_detached(&n.into(), aad, c.into())
            .expect("seal");
        cipher
            .decrypt_inout_detached(&n.into(), aad, c.into(), &tag)
            .expect("open");
    }
}

/// The same with ring.
fn bare_ring(key: &ring::aead::LessSafeKey, aad: &[u8], buf: &mut [u8], chunk: usize) {
    use ring::aead::{Aad, Nonce};
    let count = buf.len().div_ceil(chunk);
    for (i, c) in buf.chunks_mut(chunk).enumerate() {
        let n = nonce(i as u64, i + 1 == count, c.len());
        let tag = key
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key(n), Aad::from(aad), c)
            .expect("seal");
        key.open_in_place_separate_tag(
            Nonce::assume_unique_for_key(n),
            Aad::from(aad),
            tag,
            c,
            0..,
        )
        .expect("open");
    }
}

fn seal_open(c: &mut Criterion<ThreadCpu>) {
    let k = unlocked();
    let ctx = Context::new(CONTEXT);
    let pt = plaintext(PAYLOAD);
    let key = [7u8; 32];
    let aad = [9u8; 32];
    let cipher = Aes256Gcm::new(&key.into());
    let ring_key = ring::aead::LessSafeKey::new(
        ring::aead::UnboundKey::new(&ring::aead::AES_256_GCM, &key).expect("key"),
    );
    let mut g = c.benchmark_group("stream_seal_open");
    g.throughput(Throughput::Bytes(PAYLOAD as u64));
    for (log2, name) in CHUNK_SIZES {
        let chunk = 1usize << log2;
        // The round trip is correct before it is timed.
        let s = hazmat::seal_stream_with_chunk_size(&k, &pt, ctx, log2, &mut ThreadRandom)
            .expect("size")
            .expect("seal");
        assert_eq!(s.len(), 95 + PAYLOAD + 32 * PAYLOAD.div_ceil(chunk));
        let back = hazmat::open_stream_with_chunk_size(&k, &s, ctx, log2)
            .expect("size")
            .expect("open");
        assert_eq!(&back[..], &pt[..]);
        g.bench_function(BenchmarkId::new(BACKEND, name), |b| {
            b.iter(|| {
                let s = hazmat::seal_stream_with_chunk_size(
                    &k,
                    black_box(&pt),
                    ctx,
                    log2,
                    &mut ThreadRandom,
                )
                .expect("size")
                .expect("seal");
                hazmat::open_stream_with_chunk_size(&k, black_box(&s), ctx, log2)
                    .expect("size")
                    .expect("open")
            })
        });
        let mut buf = pt.clone();
        g.bench_function(BenchmarkId::new("bare_aes_gcm", name), |b| {
            b.iter(|| bare_aes_gcm(&cipher, &aad, black_box(&mut buf), chunk))
        });
        g.bench_function(BenchmarkId::new("bare_ring", name), |b| {
            b.iter(|| bare_ring(&ring_key, &aad, black_box(&mut buf), chunk))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("stream_io");
    g.throughput(Throughput::Bytes(PAYLOAD as u64));
    let mut sealed = Vec::with_capacity(PAYLOAD + 8192);
    let mut opened = Vec::with_capacity(PAYLOAD);
    g.bench_function(BenchmarkId::new(BACKEND, "64KiB"), |b| {
        b.iter(|| {
            sealed.clear();
            opened.clear();
            k.seal_stream(black_box(&pt[..]), &mut sealed, ctx)
                .expect("seal");
            k.open_stream(&sealed[..], ctx)
                .expect("header")
                .read_to_end(&mut opened)
                .expect("open");
            assert_eq!(opened.len(), PAYLOAD);
        })
    });
    g.finish();
}

/// A stream of `len` bytes that holds only its header and the frame of one chunk; every
/// other byte reads as zero.
struct Virtual {
    header: Vec<u8>,
    frame_at: u64,
    frame: Vec<u8>,
    len: u64,
    pos: u64,
}

impl Read for Virtual {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (buf.len() as u64).min(self.len.saturating_sub(self.pos)) as usize;
        for (j, b) in buf[..n].iter_mut().enumerate() {
            let p = self.pos + j as u64;
            *b = if p < self.header.len() as u64 {
                self.header[p as usize]
            } else if p >= self.frame_at && p < self.frame_at + self.frame.len() as u64 {
                self.frame[(p - self.frame_at) as usize]
            } else {
                0
            };
        }
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Virtual {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        self.pos = match to {
            SeekFrom::Start(p) => p,
            SeekFrom::End(d) => self.len.saturating_add_signed(d),
            SeekFrom::Current(d) => self.pos.saturating_add_signed(d),
        };
        Ok(self.pos)
    }
}

/// Chunk `index` (not final) of a stream of `index + 2` full chunks, sealed by hand with the
/// stream's key (hazmat), in a virtual reader.
fn virtual_stream(k: &UnlockedKeyring, ctx: Context<'_>, index: u64) -> Virtual {
    let small = hazmat::seal_stream_with_rng(k, b"", ctx, &mut ThreadRandom).expect("seal");
    let header = StreamHeader::decode(&small).expect("header");
    let secrets = hazmat::stream_secrets(k, &header, ctx);
    let cipher = Aes256Gcm::new(&secrets.stream_key.into());
    let c = STREAM_CHUNK_SIZE;
    let n = nonce(index, false, c);
    let mut frame = header.salt()[..4].to_vec();
    frame.extend_from_slice(&n);
    let mut body = plaintext(c);
    let tag = cipher
        .encrypt_inout_detached(&n.into(), &secrets.aad, body.as_mut_slice().into())
        .expect("seal");
    frame.extend_from_slice(&body);
    frame.extend_from_slice(&tag);
    let frame_len = (c + 32) as u64;
    Virtual {
        header: header.as_bytes().to_vec(),
        frame_at: 95 + index * frame_len,
        frame,
        len: 95 + (index + 2) * frame_len,
        pos: 0,
    }
}

fn random_access(c: &mut Criterion<ThreadCpu>) {
    let k = unlocked();
    let ctx = Context::new(CONTEXT);
    let index = 1 << 20;
    let mut v = virtual_stream(&k, ctx, index);
    let chunk = k.open_stream_chunk(&mut v, index, ctx).expect("open");
    assert_eq!(&chunk.plaintext[..], &plaintext(STREAM_CHUNK_SIZE)[..]);
    assert!(!chunk.is_final);
    let mut g = c.benchmark_group("stream_random_access");
    g.bench_function(BenchmarkId::new(BACKEND, "open_stream_chunk_64GiB"), |b| {
        b.iter(|| {
            k.open_stream_chunk(&mut v, black_box(index), ctx)
                .expect("open")
        })
    });
    let header = StreamHeader::decode(&v.header).expect("header");
    let chunks = k.stream_chunks(&header, ctx).expect("keys");
    g.bench_function(BenchmarkId::new(BACKEND, "read_chunk_64GiB"), |b| {
        b.iter(|| chunks.read_chunk(&mut v, black_box(index)).expect("open"))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = seal_open, random_access
}
criterion_main!(benches);
