//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::ops::RangeInclusive;

use strongroom::hazmat::{self, RandomSource};
use strongroom::{KdfParams, Password, UnlockPolicy, UnlockedKeyring};

/// A policy relaxed far below the real floors, so tests run the KDFs in microseconds.
/// Real applications keep `UnlockPolicy::default()` (SR-POL-4).
pub fn relaxed_policy() -> UnlockPolicy {
    policy(1..=2_000_000, 8..=262_144, 1..=8, 1..=8).unwrap()
}

/// A policy with every bound given: PBKDF2 iterations, Argon2id memory, time and lanes.
pub fn policy(
    p: RangeInclusive<u32>,
    m: RangeInclusive<u32>,
    t: RangeInclusive<u32>,
    l: RangeInclusive<u32>,
) -> strongroom::Result<UnlockPolicy> {
    UnlockPolicy::builder()
        .pbkdf2_iterations(p)
        .argon2_memory_kib(m)
        .argon2_time_cost(t)
        .argon2_parallelism(l)
        .build()
}

pub const FAST_PBKDF2: KdfParams = KdfParams::Pbkdf2Sha256 { iterations: 10 };
pub const FAST_ARGON2: KdfParams = KdfParams::Argon2id {
    memory_kib: 64,
    time_cost: 1,
    parallelism: 2,
};

/// A deterministic byte stream: SHA-256 over `seed || counter`, one block per 32 bytes.
/// Reproducible tests, never a real CSPRNG. The same construction as the fuzz fixtures'
/// `SeededRandom` (fuzz-oracles/src/fixtures.rs).
pub struct TestRandom {
    seed: u64,
    counter: u64,
}

impl TestRandom {
    pub fn new(seed: u64) -> Self {
        TestRandom { seed, counter: 0 }
    }
}

impl RandomSource for TestRandom {
    fn fill(&mut self, dest: &mut [u8]) -> strongroom::Result<()> {
        use sha2::{Digest, Sha256};
        for chunk in dest.chunks_mut(32) {
            let block = Sha256::new()
                .chain_update(self.seed.to_be_bytes())
                .chain_update(self.counter.to_be_bytes())
                .finalize();
            self.counter += 1;
            chunk.copy_from_slice(&block[..chunk.len()]);
        }
        Ok(())
    }
}

/// Scripted randomness: hands out the given byte strings in order (worked examples).
pub struct Scripted(pub Vec<Vec<u8>>);

impl RandomSource for Scripted {
    fn fill(&mut self, dest: &mut [u8]) -> strongroom::Result<()> {
        assert!(!self.0.is_empty(), "script exhausted");
        let next = self.0.remove(0);
        assert_eq!(next.len(), dest.len(), "script out of step");
        dest.copy_from_slice(&next);
        Ok(())
    }
}

/// Bytes a, a+1, ..., for n bytes (the SPEC.md examples' "00..0f" notation).
pub fn seq(start: u8, n: usize) -> Vec<u8> {
    (0..n).map(|i| start.wrapping_add(i as u8)).collect()
}

pub fn pw(s: &str) -> Password {
    Password::new(s).unwrap()
}

/// A keyring with one PBKDF2 or Argon2id slot for the password "correct horse", labelled
/// "laptop", from deterministic randomness.
pub fn new_keyring(seed: u64, kdf: KdfParams) -> UnlockedKeyring {
    hazmat::create_with_rng(
        &pw("correct horse"),
        kdf,
        "laptop",
        &relaxed_policy(),
        &mut TestRandom::new(seed),
    )
    .unwrap()
}
