//! Unlocking a keyring at the default KDF parameters beside the bare KDF call, and the
//! PBKDF2 compression bound:
//!
//! - `unlock/pbkdf2_600k`: `Keyring::unlock` (default PBKDF2, 600,000 iterations) beside
//!   `pbkdf2::pbkdf2_hmac::<Sha256>` alone (the crate Strongroom calls), `ring::pbkdf2`,
//!   a hand-written PBKDF2 over `sha2::block_api::compress256` (precomputed pad states,
//!   two compressions per iteration, checked against RFC 7914 before timing) and the
//!   bound itself: 1,200,000 chained SHA-256 compressions;
//! - `unlock/argon2id_64MiB_t3_p4`: `Keyring::unlock` (default Argon2id) beside
//!   `argon2::Argon2::hash_password_into` alone.
//!
//! Run: `cargo bench --bench unlock`.

mod common;

use std::hint::black_box;
use std::num::NonZeroU32;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use sha2::Sha256;
use sha2::block_api::compress256;
use strongroom::{KdfParams, Keyring, Password, UnlockPolicy};

use common::ThreadCpu;

const PASSWORD: &str = "correct horse battery staple";
const SALT: [u8; 32] = [0x5a; 32];
const ITERATIONS: u32 = 600_000;

const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// SHA-256 state after one block of `key ^ pad` (keys up to 64 bytes; longer keys are
/// hashed first, as HMAC requires).
fn pad_state(key: &[u8], pad: u8) -> [u32; 8] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        use sha2::Digest;
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    for b in &mut k {
        *b ^= pad;
    }
    let mut s = IV;
    compress256(&mut s, &[k]);
    s
}

/// One block holding a 32-byte message after a 64-byte prefix: 32 bytes, 0x80, zeros,
/// and the bit length 768.
fn block_32(msg: &[u32; 8]) -> [u8; 64] {
    let mut b = [0u8; 64];
    for (i, w) in msg.iter().enumerate() {
        b[4 * i..4 * i + 4].copy_from_slice(&w.to_be_bytes());
    }
    b[32] = 0x80;
    b[62..64].copy_from_slice(&768u16.to_be_bytes());
    b
}

/// PBKDF2-HMAC-SHA256 with 32 bytes of output (one block), two compressions per
/// iteration after the first: the shape a hand-tuned implementation would have.
fn pbkdf2_by_compressions(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 32] {
    use hmac::{Hmac, KeyInit, Mac};
    let inner = pad_state(password, 0x36);
    let outer = pad_state(password, 0x5c);
    // U1 = HMAC(P, salt || INT(1)) with the general HMAC (salt has any length).
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(password).expect("any length");
    mac.update(salt);
    mac.update(&1u32.to_be_bytes());
    let u1: [u8; 32] = mac.finalize().into_bytes().into();
    let mut u = [0u32; 8];
    for (i, w) in u.iter_mut().enumerate() {
        *w = u32::from_be_bytes(u1[4 * i..4 * i + 4].try_into().expect("4"));
    }
    let mut t = u;
    for _ in 1..iterations {
        let mut s = inner;
        compress256(&mut s, &[block_32(&u)]);
        let mut o = outer;
        compress256(&mut o, &[block_32(&s)]);
        u = o;
        for (t, u) in t.iter_mut().zip(u) {
            *t ^= u;
        }
    }
    let mut out = [0u8; 32];
    for (i, w) in t.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&w.to_be_bytes());
    }
    out
}

/// The bound: `n` chained compressions, nothing else.
fn compressions(n: u32) -> [u32; 8] {
    let mut s = IV;
    for _ in 0..n {
        let b = block_32(&s);
        compress256(&mut s, &[b]);
    }
    s
}

fn check_pbkdf2_by_compressions() {
    // RFC 7914 section 11, first 32 bytes; and agreement with the pbkdf2 crate.
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    assert_eq!(
        hex(&pbkdf2_by_compressions(b"passwd", b"salt", 1)),
        "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
    );
    assert_eq!(
        hex(&pbkdf2_by_compressions(b"Password", b"NaCl", 80_000)),
        "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
    );
    for (pw, n) in [(&b"x"[..], 2), (&[7u8; 100][..], 3), (&[1u8; 64][..], 1000)] {
        let mut want = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<Sha256>(pw, &SALT, n, &mut want);
        assert_eq!(pbkdf2_by_compressions(pw, &SALT, n), want);
    }
}

fn unlock(c: &mut Criterion<ThreadCpu>) {
    check_pbkdf2_by_compressions();
    let policy = UnlockPolicy::default();
    let password = Password::new(PASSWORD).expect("password");

    let mut g = c.benchmark_group("unlock/pbkdf2_600k");
    g.sample_size(10);
    g.warm_up_time(Duration::from_millis(100));
    g.measurement_time(Duration::from_secs(3));
    let keyring = Keyring::create(&password, KdfParams::DEFAULT_PBKDF2, "bench", &policy)
        .expect("create")
        .keyring()
        .clone();
    g.bench_function("strongroom", |b| {
        b.iter(|| {
            keyring
                .unlock(black_box(&password), &policy)
                .expect("unlock")
        })
    });
    g.bench_function("bare_kdf", |b| {
        b.iter(|| {
            let mut out = [0u8; 32];
            pbkdf2::pbkdf2_hmac::<Sha256>(
                PASSWORD.as_bytes(),
                black_box(&SALT),
                ITERATIONS,
                &mut out,
            );
            out
        })
    });
    g.bench_function("ring_pbkdf2", |b| {
        b.iter(|| {
            let mut out = [0u8; 32];
            ring::pbkdf2::derive(
                ring::pbkdf2::PBKDF2_HMAC_SHA256,
                NonZeroU32::new(ITERATIONS).expect("nonzero"),
                black_box(&SALT),
                PASSWORD.as_bytes(),
                &mut out,
            );
            out
        })
    });
    g.bench_function("by_compressions", |b| {
        b.iter(|| pbkdf2_by_compressions(PASSWORD.as_bytes(), black_box(&SALT), ITERATIONS))
    });
    g.bench_function("compression_bound", |b| {
        b.iter(|| compressions(black_box(2 * ITERATIONS)))
    });
    g.finish();

    let mut g = c.benchmark_group("unlock/argon2id_64MiB_t3_p4");
    g.sample_size(10);
    g.warm_up_time(Duration::from_millis(100));
    g.measurement_time(Duration::from_secs(4));
    let keyring = Keyring::create(&password, KdfParams::DEFAULT_ARGON2ID, "bench", &policy)
        .expect("create")
        .keyring()
        .clone();
    g.bench_function("strongroom", |b| {
        b.iter(|| {
            keyring
                .unlock(black_box(&password), &policy)
                .expect("unlock")
        })
    });
    g.bench_function("bare_kdf", |b| {
        let params = argon2::Params::new(65_536, 3, 4, Some(32)).expect("params");
        let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        b.iter(|| {
            let mut out = [0u8; 32];
            a.hash_password_into(PASSWORD.as_bytes(), black_box(&SALT), &mut out)
                .expect("argon2");
            out
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = unlock
}
criterion_main!(benches);
