//! Fixtures the oracles and the seed generator share: deterministic randomness, policies,
//! the keyring `open_record` opens inputs with, and the credentials `unlock_keyring` tries.

use super::*;

/// Deterministic bytes for reproducible fuzz fixtures and seeds: SHA-256 over
/// `seed || counter`, one block per 32 bytes. Never a substitute for a CSPRNG.
#[derive(Clone, Debug)]
pub struct SeededRandom {
    seed: u64,
    counter: u64,
}

impl SeededRandom {
    /// A stream determined by `seed` alone.
    pub fn new(seed: u64) -> Self {
        SeededRandom { seed, counter: 0 }
    }
}

impl RandomSource for SeededRandom {
    fn fill(&mut self, dest: &mut [u8]) -> strongroom::Result<()> {
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

/// Hands out fixed byte strings in order; refuses when out of step. Used to seal again
/// with a record's own salt and nonce.
pub(crate) struct Scripted<'a>(pub(crate) Vec<&'a [u8]>);

impl RandomSource for Scripted<'_> {
    fn fill(&mut self, dest: &mut [u8]) -> strongroom::Result<()> {
        if self.0.is_empty() || self.0[0].len() != dest.len() {
            return Err(Error::RandomnessUnavailable);
        }
        dest.copy_from_slice(self.0.remove(0));
        Ok(())
    }
}

/// A policy far below the real floors so fixtures cost microseconds (SR-POL-4 says real
/// applications never do this).
pub fn relaxed_policy() -> UnlockPolicy {
    UnlockPolicy::builder()
        .pbkdf2_iterations(1..=2_000_000)
        .argon2_memory_kib(8..=262_144)
        .argon2_time_cost(1..=8)
        .argon2_parallelism(1..=8)
        .build()
        .expect("fixed fuzz policy bounds are within the hard limits")
}

/// Largest PBKDF2 iteration count the `unlock_keyring` policy accepts.
pub const TINY_PBKDF2_CEILING: u32 = 64;
/// Largest Argon2id memory (KiB) the `unlock_keyring` policy accepts.
pub const TINY_ARGON2_MEMORY_CEILING: u32 = 64;
/// Largest Argon2id time cost and parallelism the `unlock_keyring` policy accepts.
pub const TINY_ARGON2_TIME_LANES_CEILING: u32 = 2;

/// The `unlock_keyring` policy: every floor at its minimum, every ceiling tiny.
pub fn tiny_policy() -> UnlockPolicy {
    UnlockPolicy::builder()
        .pbkdf2_iterations(1..=TINY_PBKDF2_CEILING)
        .argon2_memory_kib(8..=TINY_ARGON2_MEMORY_CEILING)
        .argon2_time_cost(1..=TINY_ARGON2_TIME_LANES_CEILING)
        .argon2_parallelism(1..=TINY_ARGON2_TIME_LANES_CEILING)
        .build()
        .expect("fixed fuzz policy bounds are within the hard limits")
}

/// The password of the `open_record` fixture keyring.
pub const FIXTURE_PASSWORD: &str = "fuzz fixture password";
/// The password `unlock_keyring` tries on every input.
pub const UNLOCK_PASSWORD: &str = "correct horse battery staple";
/// The two contexts `open_record` tries on every input. A record opens under at most one.
pub const CONTEXTS: [&[u8]; 2] = [b"", b"user:fuzz|collection:log|record:1"];
/// Seed of the random stream of the fixture keyring.
pub(crate) const FIXTURE_SEED: u64 = 0x5eed_f1c5;
/// The secret of the recovery code `unlock_keyring` tries on every input.
pub(crate) const UNLOCK_RECOVERY_SECRET: [u8; 32] = [0x42; 32];

pub(crate) fn password(s: &str) -> Password {
    Password::new(s).expect("fixed fuzz passwords are valid")
}

/// The recovery code `unlock_keyring` tries; seeds add a slot for it.
pub fn unlock_recovery_code() -> RecoveryCode {
    hazmat::recovery_code_from_secret(UNLOCK_RECOVERY_SECRET)
}

/// The secret key `unlock_keyring` tries with [`UNLOCK_PASSWORD`] on secret-key slots.
pub(crate) const UNLOCK_SECRET_KEY: [u8; 16] = [0x24; 16];

/// The secret key `unlock_keyring` tries; seeds add a secret-key slot for it.
pub fn unlock_secret_key() -> SecretKey {
    hazmat::secret_key_from_bytes(UNLOCK_SECRET_KEY)
}

/// The fixed unlocked keyring `open_record` opens inputs with: one PBKDF2 slot with one
/// iteration, created from [`SeededRandom`] so that seeds made elsewhere match it.
pub fn fixture_keyring() -> &'static UnlockedKeyring {
    static FIXTURE: OnceLock<UnlockedKeyring> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        hazmat::create_with_rng(
            &password(FIXTURE_PASSWORD),
            KdfParams::Pbkdf2Sha256 { iterations: 1 },
            "fixture",
            &relaxed_policy(),
            &mut SeededRandom::new(FIXTURE_SEED),
        )
        .expect("the fixture keyring is valid")
    })
}
