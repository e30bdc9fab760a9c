//! Sealing and opening records beside their baselines, in the same groups and the same run:
//!
//! - `strongroom`: `UnlockedKeyring::seal` / `open` (owned record, owned plaintext);
//! - `strongroom_into`: `seal_into` / `open_into` with reused buffers (open decodes the
//!   record bytes without copying them);
//! - `floor`: the inherent floor of the design built by hand (`common/floor.rs`);
//! - `naive`: plain AES-256-GCM with one prebuilt key and a random nonce from the OS, the
//!   design Strongroom replaces (`Aes256Gcm::encrypt`/`decrypt`, owned output);
//! - `bare_gcm`: the AES-GCM backend alone (prebuilt key schedule, fixed nonce, no
//!   randomness, no allocation; input to a reused output buffer);
//! - `ring_gcm`: the same with `ring` (copy into a reused buffer, then in place), to
//!   evaluate a `ring` backend.
//!
//! Also the parts (randomness, HKDF, key schedule) and parallel sealing with 1 and 2
//! threads. Run: `cargo bench --bench records`; BENCHMARKS.md has the table.

mod common;

use std::hint::black_box;
use std::time::Duration;

use aes_gcm::aead::inout::InOutBuf;
use aes_gcm::aead::{Aead, AeadInOut, Payload};
use aes_gcm::{Aes256Gcm, KeyInit};
use criterion::measurement::Measurement;
use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main,
};
use hkdf::Hkdf;
use sha2::Sha256;
use strongroom::hazmat::{self, RandomSource, ThreadRandom};
use strongroom::{Context, SealedRecord, UnlockedKeyring};

use common::floor::Floor;
use common::{CONTEXT, SIZES, ThreadCpu, plaintext, unlocked};

/// Hands out fixed salt then nonce, for the byte-equality check of the floor.
struct Fixed([u8; 32], [u8; 12], usize);

impl RandomSource for Fixed {
    fn fill(&mut self, dest: &mut [u8]) -> strongroom::Result<()> {
        match self.2 {
            0 => dest.copy_from_slice(&self.0),
            _ => dest.copy_from_slice(&self.1),
        }
        self.2 += 1;
        Ok(())
    }
}

/// The floor must do exactly the library's work: same bytes, and each opens the other's.
fn check_floor_matches(k: &UnlockedKeyring, floor: &mut Floor) {
    let (salt, nonce) = ([7u8; 32], [9u8; 12]);
    for n in [0, 5, 8, 9, 300, 70_000] {
        let pt = plaintext(n);
        let lib = hazmat::seal_with_rng(k, &pt, Context::new(CONTEXT), &mut Fixed(salt, nonce, 0))
            .expect("seal");
        let mut out = Vec::new();
        floor.seal_with(&salt, &nonce, &pt, CONTEXT, &mut out);
        assert_eq!(lib.as_bytes(), &out[..], "floor writes the library's bytes");
        let mut back = Vec::new();
        assert!(floor.open(lib.as_bytes(), CONTEXT, &mut back));
        assert_eq!(back, pt);
        assert!(!floor.open(lib.as_bytes(), b"other", &mut back));
    }
}

fn rng_and_parts(c: &mut Criterion<ThreadCpu>) {
    let mut g = c.benchmark_group("rng_44B");
    g.bench_function("getrandom_1_call", |b| {
        b.iter(|| {
            let mut r = [0u8; 44];
            getrandom::fill(&mut r).expect("os");
            black_box(r)
        })
    });
    g.bench_function("getrandom_2_calls", |b| {
        b.iter(|| {
            let mut s = [0u8; 32];
            let mut n = [0u8; 12];
            getrandom::fill(&mut s).expect("os");
            getrandom::fill(&mut n).expect("os");
            black_box((s, n))
        })
    });
    g.bench_function("getpid", |b| b.iter(|| black_box(std::process::id())));
    g.bench_function("thread_random", |b| {
        b.iter(|| {
            let mut r = [0u8; 44];
            ThreadRandom.fill(&mut r).expect("rng");
            black_box(r)
        })
    });
    g.bench_function("chacha20_owned", |b| {
        use rand_core::{Rng, SeedableRng};
        let mut rng = chacha20::ChaCha20Rng::from_seed([1u8; 32]);
        b.iter(|| {
            let mut r = [0u8; 44];
            rng.fill_bytes(&mut r);
            black_box(r)
        })
    });
    g.finish();

    let mut g = c.benchmark_group("parts");
    let dek = [3u8; 32];
    let id = [4u8; 16];
    let salt = [5u8; 32];
    g.bench_function("hkdf_extract_2_expands", |b| {
        b.iter(|| {
            let hk = Hkdf::<Sha256>::new(Some(black_box(&salt)), &dek);
            let mut k = [0u8; 32];
            let mut m = [0u8; 32];
            hk.expand_multi_info(&[b"strongroom/v1/record/key", &id], &mut k)
                .expect("32");
            hk.expand_multi_info(&[b"strongroom/v1/record/commitment", &id], &mut m)
                .expect("32");
            black_box((k, m))
        })
    });
    g.bench_function("aes256gcm_key_schedule", |b| {
        b.iter(|| black_box(Aes256Gcm::new(black_box(&dek).into())))
    });
    g.bench_function("ring_key_schedule", |b| {
        b.iter(|| {
            let k = ring::aead::UnboundKey::new(&ring::aead::AES_256_GCM, black_box(&dek))
                .expect("key");
            black_box(ring::aead::LessSafeKey::new(k))
        })
    });
    g.bench_function("vec_alloc_free_300B", |b| {
        b.iter(|| black_box(Vec::<u8>::with_capacity(black_box(300))))
    });
    let big = vec![7u8; 1 << 20];
    let mut dst = vec![0u8; 1 << 20];
    g.bench_function("memcpy_1MiB", |b| {
        b.iter(|| dst.copy_from_slice(black_box(&big)))
    });
    g.bench_function("zeroize_1MiB", |b| {
        b.iter(|| zeroize::Zeroize::zeroize(black_box(&mut dst[..])))
    });
    g.bench_function("vec_1MiB_copy_drop", |b| {
        b.iter(|| {
            let mut v = Vec::with_capacity(1 << 20);
            v.extend_from_slice(black_box(&big));
            black_box(v)
        })
    });
    g.bench_function("vec_1MiB_zeroed_drop", |b| {
        b.iter(|| black_box(vec![0u8; black_box(1 << 20)]))
    });
    g.bench_function("zeroizing_1MiB_copy_drop", |b| {
        b.iter(|| {
            let mut v = zeroize::Zeroizing::new(Vec::with_capacity(1 << 20));
            v.extend_from_slice(black_box(&big));
            black_box(v)
        })
    });
    g.finish();
}

struct Fixture {
    k: UnlockedKeyring,
    floor: Floor,
    naive: Aes256Gcm,
    bare: Aes256Gcm,
    ring: ring::aead::LessSafeKey,
}

fn fixture() -> Fixture {
    let k = unlocked();
    let mut floor = Floor::new(hazmat::record_root(&k), *k.keyring().id());
    check_floor_matches(&k, &mut floor);
    let key = [0x42u8; 32];
    Fixture {
        k,
        floor,
        naive: Aes256Gcm::new(&key.into()),
        bare: Aes256Gcm::new(&key.into()),
        ring: ring::aead::LessSafeKey::new(
            ring::aead::UnboundKey::new(&ring::aead::AES_256_GCM, &key).expect("key"),
        ),
    }
}

fn os_nonce() -> [u8; 12] {
    let mut n = [0u8; 12];
    getrandom::fill(&mut n).expect("os");
    n
}

fn naive_seal(c: &Aes256Gcm, pt: &[u8]) -> (Vec<u8>, [u8; 12]) {
    let nonce = os_nonce();
    let ct = c
        .encrypt(
            (&nonce).into(),
            Payload {
                msg: pt,
                aad: CONTEXT,
            },
        )
        .expect("seal");
    (ct, nonce)
}

fn naive_open(c: &Aes256Gcm, ct: &[u8], nonce: &[u8; 12]) -> Vec<u8> {
    c.decrypt(
        nonce.into(),
        Payload {
            msg: ct,
            aad: CONTEXT,
        },
    )
    .expect("open")
}

const FIXED_NONCE: [u8; 12] = [1u8; 12];

fn bare_seal(c: &Aes256Gcm, pt: &[u8], out: &mut [u8]) -> [u8; 16] {
    let buf = InOutBuf::new(pt, out).expect("lengths");
    c.encrypt_inout_detached((&FIXED_NONCE).into(), CONTEXT, buf)
        .expect("seal")
        .into()
}

fn bare_open(c: &Aes256Gcm, ct: &[u8], tag: &[u8; 16], out: &mut [u8]) {
    let buf = InOutBuf::new(ct, out).expect("lengths");
    c.decrypt_inout_detached((&FIXED_NONCE).into(), CONTEXT, buf, tag.into())
        .expect("open")
}

fn ring_seal(key: &ring::aead::LessSafeKey, pt: &[u8], out: &mut Vec<u8>) {
    use ring::aead::{Aad, Nonce};
    out.clear();
    out.extend_from_slice(pt);
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(FIXED_NONCE),
            Aad::from(CONTEXT),
            out,
        )
        .expect("seal");
    out.extend_from_slice(tag.as_ref());
}

fn ring_open(key: &ring::aead::LessSafeKey, ct_tag: &[u8], out: &mut Vec<u8>) {
    use ring::aead::{Aad, Nonce};
    out.clear();
    out.extend_from_slice(ct_tag);
    let n = key
        .open_in_place(
            Nonce::assume_unique_for_key(FIXED_NONCE),
            Aad::from(CONTEXT),
            out,
        )
        .expect("open")
        .len();
    out.truncate(n);
}

/// Fewer samples for the large sizes, so a full run stays within minutes.
fn sized<M: Measurement>(g: &mut BenchmarkGroup<'_, M>, n: usize) {
    g.throughput(Throughput::Bytes(n as u64));
    if n >= 1 << 20 {
        g.sample_size(10);
        g.measurement_time(Duration::from_secs(2));
    }
}

fn seal(c: &mut Criterion<ThreadCpu>) {
    let mut f = fixture();
    for (n, name) in SIZES {
        let pt = plaintext(n);
        let mut out = Vec::with_capacity(n + 256);
        let mut g = c.benchmark_group(format!("seal/{name}"));
        sized(&mut g, n);
        g.bench_function("strongroom", |b| {
            b.iter(|| {
                f.k.seal(black_box(&pt), Context::new(CONTEXT))
                    .expect("seal")
            })
        });
        g.bench_function("strongroom_into", |b| {
            b.iter(|| {
                f.k.seal_into(black_box(&pt), Context::new(CONTEXT), &mut out)
                    .expect("seal")
            })
        });
        g.bench_function("floor", |b| {
            b.iter(|| f.floor.seal(black_box(&pt), CONTEXT, &mut out))
        });
        g.bench_function("naive", |b| b.iter(|| naive_seal(&f.naive, black_box(&pt))));
        out.resize(n, 0);
        g.bench_function("bare_gcm", |b| {
            b.iter(|| bare_seal(&f.bare, black_box(&pt), &mut out))
        });
        g.bench_function("ring_gcm", |b| {
            b.iter(|| ring_seal(&f.ring, black_box(&pt), &mut out))
        });
        g.finish();
    }
}

fn open(c: &mut Criterion<ThreadCpu>) {
    let mut f = fixture();
    for (n, name) in SIZES {
        let pt = plaintext(n);
        let rec = f.k.seal(&pt, Context::new(CONTEXT)).expect("seal");
        let rec_bytes = rec.as_bytes().to_vec();
        let (naive_ct, naive_nonce) = naive_seal(&f.naive, &pt);
        let mut bare_ct = vec![0u8; n];
        let bare_tag = bare_seal(&f.bare, &pt, &mut bare_ct);
        let mut ring_ct = Vec::new();
        ring_seal(&f.ring, &pt, &mut ring_ct);
        let mut out = Vec::with_capacity(n + 256);
        let mut g = c.benchmark_group(format!("open/{name}"));
        sized(&mut g, n);
        g.bench_function("strongroom", |b| {
            b.iter(|| {
                f.k.open(black_box(&rec), Context::new(CONTEXT))
                    .expect("open")
            })
        });
        g.bench_function("strongroom_from_bytes", |b| {
            b.iter(|| {
                let r = SealedRecord::from_bytes(black_box(&rec_bytes)).expect("decode");
                f.k.open(&r, Context::new(CONTEXT)).expect("open")
            })
        });
        g.bench_function("strongroom_into", |b| {
            b.iter(|| {
                f.k.open_into(black_box(&rec_bytes), Context::new(CONTEXT), &mut out)
                    .expect("open")
            })
        });
        g.bench_function("floor", |b| {
            b.iter(|| assert!(f.floor.open(black_box(&rec_bytes), CONTEXT, &mut out)))
        });
        g.bench_function("naive", |b| {
            b.iter(|| naive_open(&f.naive, black_box(&naive_ct), &naive_nonce))
        });
        out.resize(n, 0);
        g.bench_function("bare_gcm", |b| {
            b.iter(|| bare_open(&f.bare, black_box(&bare_ct), &bare_tag, &mut out))
        });
        g.bench_function("ring_gcm", |b| {
            b.iter(|| ring_open(&f.ring, black_box(&ring_ct), &mut out))
        });
        g.finish();
    }
}

fn seal_open(c: &mut Criterion<ThreadCpu>) {
    let mut f = fixture();
    for (n, name) in SIZES {
        let pt = plaintext(n);
        let mut out = Vec::with_capacity(n + 256);
        let mut back = Vec::with_capacity(n);
        let mut g = c.benchmark_group(format!("seal_open/{name}"));
        sized(&mut g, n);
        g.bench_function("strongroom", |b| {
            b.iter(|| {
                let r =
                    f.k.seal(black_box(&pt), Context::new(CONTEXT))
                        .expect("seal");
                f.k.open(&r, Context::new(CONTEXT)).expect("open")
            })
        });
        g.bench_function("strongroom_into", |b| {
            b.iter(|| {
                f.k.seal_into(black_box(&pt), Context::new(CONTEXT), &mut out)
                    .expect("seal");
                f.k.open_into(&out, Context::new(CONTEXT), &mut back)
                    .expect("open")
            })
        });
        g.bench_function("floor", |b| {
            b.iter(|| {
                f.floor.seal(black_box(&pt), CONTEXT, &mut out);
                assert!(f.floor.open(&out, CONTEXT, &mut back));
            })
        });
        g.bench_function("naive", |b| {
            b.iter(|| {
                let (ct, nonce) = naive_seal(&f.naive, black_box(&pt));
                naive_open(&f.naive, &ct, &nonce)
            })
        });
        out.resize(n, 0);
        back.resize(n, 0);
        g.bench_function("bare_gcm", |b| {
            b.iter(|| {
                let tag = bare_seal(&f.bare, black_box(&pt), &mut out);
                bare_open(&f.bare, &out, &tag, &mut back)
            })
        });
        g.bench_function("ring_gcm", |b| {
            b.iter(|| {
                ring_seal(&f.ring, black_box(&pt), &mut out);
                ring_open(&f.ring, &out, &mut back)
            })
        });
        g.finish();
    }
}

/// Records per second with one and two threads sealing with one shared unlocked keyring
/// (wall time: the point is both cores). Each iteration seals `RECORDS` records in total.
fn parallel(c: &mut Criterion) {
    const RECORDS: usize = 4096;
    let k = unlocked();
    for (n, name) in [(256usize, "256B"), (16 * 1024, "16KiB")] {
        let pt = plaintext(n);
        let mut g = c.benchmark_group(format!("parallel_seal/{name}"));
        g.throughput(Throughput::Elements(RECORDS as u64));
        g.sample_size(10);
        for threads in [1usize, 2] {
            g.bench_with_input(BenchmarkId::new("threads", threads), &threads, |b, &t| {
                b.iter(|| {
                    std::thread::scope(|s| {
                        for _ in 0..t {
                            s.spawn(|| {
                                for _ in 0..RECORDS / t {
                                    black_box(k.seal(&pt, Context::new(CONTEXT)).expect("seal"));
                                }
                            });
                        }
                    })
                })
            });
        }
        g.finish();
    }
}

criterion_group! {
    name = single;
    config = common::config();
    targets = rng_and_parts, seal, open, seal_open
}
criterion_group! {
    name = threads;
    config = common::wall_config();
    targets = parallel
}
criterion_main!(single, threads);
