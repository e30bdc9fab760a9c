//! Where randomness comes from. Injectable so that test vectors can be generated from fixed
//! seeds; the default is the operating system's CSPRNG.

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

/// The operating system's CSPRNG (`getrandom`).
#[derive(Clone, Copy, Debug, Default)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn fill(&mut self, dest: &mut [u8]) -> Result<()> {
        getrandom::fill(dest).map_err(|_| Error::RandomnessUnavailable)
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
