//! Where randomness comes from (SPEC.md 9.5). Keys, keyring ids and slot nonces come from
//! the operating system's CSPRNG; the per-record salt and nonce, which are public, come
//! from a thread-local generator seeded from it ([`ThreadRandom`]) unless the caller asks
//! for the operating system's ([`RecordRandomness`]), since a system call per record costs
//! as much as the HKDF. The source is a parameter of the internal operations, so that test
//! vectors can be generated from fixed draws; only the `hazmat` feature lets a caller
//! pass one.

use crate::error::{Error, Result};

/// A cryptographically secure source of random bytes.
///
/// Implement it only over a CSPRNG. Every salt, nonce, key and keyring id that Strongroom
/// writes comes from here (SR-KEY-9); a predictable source breaks every guarantee.
pub trait RandomSource {
    /// Fills `dest` entirely with random bytes.
    ///
    /// # Errors
    /// [`Error::RandomnessUnavailable`] when no randomness can be had.
    fn fill(&mut self, dest: &mut [u8]) -> Result<()>;
}

/// Where `UnlockedKeyring::seal` draws each record's salt and nonce (SR-KEY-9). Keyring
/// ids, DEKs, slot salts and nonces and recovery secrets always come from the operating
/// system.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordRandomness {
    /// A ChaCha20 generator per thread, seeded with 32 bytes from the operating system on
    /// first use and reseeded after every 64 KiB of output and whenever the process id
    /// changes, so a forked child never replays its parent's stream: about ten times
    /// cheaper than a system call for a record's 44 bytes. The salt and nonce are public,
    /// so what matters is that no pair repeats, not that past output stays secret.
    #[default]
    ThreadLocal,
    /// The operating system's generator for every record: one system call per seal. For a
    /// process or virtual machine that is snapshotted and then resumed more than once,
    /// which no generator in user space can detect.
    OperatingSystem,
}

/// The operating system's CSPRNG (`getrandom`).
#[derive(Clone, Copy, Debug, Default)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn fill(&mut self, dest: &mut [u8]) -> Result<()> {
        getrandom::fill(dest).map_err(|_| Error::RandomnessUnavailable)
    }
}

/// A thread-local ChaCha20 generator seeded from the operating system's CSPRNG: about
/// ten times cheaper than a system call for a record's 44 random bytes.
///
/// `UnlockedKeyring::seal` uses it for the record salt and nonce, which are public: what
/// matters is that no (salt, nonce) pair repeats, not that the generator's past outputs
/// stay secret. Each thread seeds its own generator with 32 bytes from the OS on first use
/// and reseeds it after every 64 KiB of output and whenever the process id changes, so a
/// forked child never replays its parent's stream. A process or virtual machine that is
/// snapshotted and then resumed more than once is not detected (no userspace generator
/// can detect it): such deployments set [`RecordRandomness::OperatingSystem`].
#[derive(Clone, Copy, Debug, Default)]
pub struct ThreadRandom;

/// Output after which a thread's generator is reseeded from the OS.
const RESEED_AFTER_BYTES: u64 = 64 * 1024;

struct ThreadState {
    rng: chacha20::ChaCha20Rng,
    pid: u32,
    budget: u64,
}

impl ThreadState {
    fn seeded() -> Result<Self> {
        use rand_core::SeedableRng;
        let mut seed = zeroize::Zeroizing::new([0u8; 32]);
        OsRandom.fill(seed.as_mut())?;
        #[cfg(test)]
        SEEDINGS.with(|n| n.set(n.get().saturating_add(1)));
        Ok(ThreadState {
            rng: chacha20::ChaCha20Rng::from_seed(*seed),
            pid: std::process::id(),
            budget: RESEED_AFTER_BYTES,
        })
    }
}

std::thread_local! {
    static THREAD_RNG: core::cell::RefCell<Option<ThreadState>> =
        const { core::cell::RefCell::new(None) };
}

#[cfg(test)]
std::thread_local! {
    /// How many times this thread's generator was seeded from the OS: the reseed schedule
    /// is otherwise invisible (every output is random either way).
    static SEEDINGS: core::cell::Cell<u64> = const { core::cell::Cell::new(0) };
}

impl RandomSource for ThreadRandom {
    fn fill(&mut self, dest: &mut [u8]) -> Result<()> {
        use rand_core::Rng;
        let drawn = THREAD_RNG.try_with(|cell| {
            // Nothing inside this closure can call back into the generator, so the
            // borrow is never held twice; a failed borrow still reports an error rather
            // than panicking.
            let Ok(mut slot) = cell.try_borrow_mut() else {
                return Err(Error::RandomnessUnavailable);
            };
            let len = dest.len() as u64;
            // getpid is a system call too, but a far cheaper one than getrandom (about
            // 90 ns against 380 ns here, BENCHMARKS.md); it is what makes fork safe.
            let fresh = match slot.as_ref() {
                Some(s) => s.budget < len || s.pid != std::process::id(),
                None => true,
            };
            if fresh {
                *slot = Some(ThreadState::seeded()?);
            }
            let state = slot.as_mut().ok_or(Error::RandomnessUnavailable)?;
            state.budget = state.budget.saturating_sub(len);
            state.rng.fill_bytes(dest);
            Ok(())
        });
        match drawn {
            Ok(result) => result,
            // The thread's generator is gone (a seal from inside a thread-local destructor
            // at thread exit): draw from the operating system, whence it is seeded anyway.
            Err(_) => OsRandom.fill(dest),
        }
    }
}

impl<R: RandomSource + ?Sized> RandomSource for &mut R {
    fn fill(&mut self, dest: &mut [u8]) -> Result<()> {
        (**self).fill(dest)
    }
}

pub(crate) fn array<const N: usize>(rng: &mut dyn RandomSource) -> Result<[u8; N]> {
    let mut out = [0u8; N];
    rng.fill(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // SR-KEY-9 (the generator behind record salts and nonces): seeded on first use, and
    // reseeded from the OS exactly when the next draw would exceed 64 KiB since the last
    // seeding, not earlier and not later.
    #[test]
    fn thread_generator_reseeds_after_64_kib() {
        std::thread::spawn(|| {
            let seedings = || SEEDINGS.with(core::cell::Cell::get);
            let mut buf = [0u8; 32];
            assert_eq!(seedings(), 0);
            ThreadRandom.fill(&mut buf).unwrap();
            assert_eq!(seedings(), 1);
            // 2,048 draws of 32 bytes use the budget of 65,536 bytes exactly.
            for _ in 1..2048 {
                ThreadRandom.fill(&mut buf).unwrap();
            }
            assert_eq!(seedings(), 1);
            ThreadRandom.fill(&mut buf).unwrap();
            assert_eq!(seedings(), 2);
            // A draw larger than the whole budget is still served, after one reseed.
            let mut big = vec![0u8; 70_000];
            ThreadRandom.fill(&mut big).unwrap();
            assert_eq!(seedings(), 3);
            assert!(big.iter().any(|&b| b != 0));
        })
        .join()
        .unwrap();
    }
}
