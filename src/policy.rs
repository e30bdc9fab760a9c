//! The unlock policy (SPEC.md section 10): the bounds a client accepts on KDF parameters it
//! reads from the server, and the total KDF work one unlock may spend, checked before any
//! KDF runs.

use core::ops::RangeInclusive;

use crate::error::{Error, InvalidInput, Result};
use crate::format::kdf::KdfParams;
use crate::limits;

/// An inclusive range `[floor, ceiling]` for one KDF parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    /// Smallest accepted value.
    pub floor: u32,
    /// Largest accepted value.
    pub ceiling: u32,
}

impl Bounds {
    /// `[floor, ceiling]`.
    pub const fn new(floor: u32, ceiling: u32) -> Self {
        Bounds { floor, ceiling }
    }

    fn contains(&self, v: u32) -> bool {
        self.floor <= v && v <= self.ceiling
    }

    fn within(&self, min: u32, max: u32) -> bool {
        min <= self.floor && self.floor <= self.ceiling && self.ceiling <= max
    }
}

impl From<RangeInclusive<u32>> for Bounds {
    /// `floor..=ceiling`; an empty range is kept as it is and fails the policy's checks.
    fn from(range: RangeInclusive<u32>) -> Self {
        Bounds::new(*range.start(), *range.end())
    }
}

/// Named bounds for an [`UnlockPolicy`], from [`UnlockPolicy::builder`]. Each range is
/// inclusive: `floor..=ceiling`.
#[derive(Clone, Copy, Debug)]
#[must_use]
pub struct UnlockPolicyBuilder(UnlockPolicy);

impl UnlockPolicyBuilder {
    /// Accepted PBKDF2 iteration counts (default `600_000..=2_000_000`).
    pub fn pbkdf2_iterations(mut self, accepted: RangeInclusive<u32>) -> Self {
        self.0.pbkdf2_iterations = Bounds::from(accepted);
        self
    }

    /// Accepted Argon2id memory costs in KiB (default `19_456..=262_144`).
    pub fn argon2_memory_kib(mut self, accepted: RangeInclusive<u32>) -> Self {
        self.0.argon2_memory_kib = Bounds::from(accepted);
        self
    }

    /// Accepted Argon2id time costs (default `2..=8`).
    pub fn argon2_time_cost(mut self, accepted: RangeInclusive<u32>) -> Self {
        self.0.argon2_time_cost = Bounds::from(accepted);
        self
    }

    /// Accepted Argon2id parallelism (default `1..=8`).
    pub fn argon2_parallelism(mut self, accepted: RangeInclusive<u32>) -> Self {
        self.0.argon2_parallelism = Bounds::from(accepted);
        self
    }

    /// The most KDF work one unlock may spend on all the slots it tries, in units of one
    /// PBKDF2 iteration ([`KdfParams::work`]); 1 to 2^40 (default
    /// [`UnlockPolicy::DEFAULT_MAX_UNLOCK_WORK`], SR-POL-7).
    pub fn max_unlock_work(mut self, work: u64) -> Self {
        self.0.max_unlock_work = work;
        self
    }

    /// The policy, once every bound is checked (SR-POL-5).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (`policy_invalid`) when a floor exceeds its ceiling, a
    /// bound lies outside the hard limits of [`crate::limits`], or `max_unlock_work` is not
    /// from 1 to [`limits::MAX_UNLOCK_WORK`].
    pub fn build(self) -> Result<UnlockPolicy> {
        let p = self.0;
        let valid = p.pbkdf2_iterations.within(1, limits::PBKDF2_MAX_ITERATIONS)
            && p.argon2_memory_kib.within(8, limits::ARGON2_MAX_MEMORY_KIB)
            && p.argon2_time_cost.within(1, limits::ARGON2_MAX_TIME_COST)
            && p.argon2_parallelism
                .within(1, limits::ARGON2_MAX_PARALLELISM)
            && (1..=limits::MAX_UNLOCK_WORK).contains(&p.max_unlock_work);
        if !valid {
            return Err(InvalidInput::PolicyInvalid.into());
        }
        Ok(p)
    }
}

/// What a client accepts before it runs a KDF on parameters it read from the server
/// (SR-POL). The floor stops a downgrade to a cheap KDF; the ceiling stops a container from
/// making the client hang or run out of memory, and the work budget stops many slots at the
/// ceiling from doing the same together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnlockPolicy {
    pbkdf2_iterations: Bounds,
    argon2_memory_kib: Bounds,
    argon2_time_cost: Bounds,
    argon2_parallelism: Bounds,
    max_unlock_work: u64,
}

impl Default for UnlockPolicy {
    /// PBKDF2 600,000 to 2,000,000 iterations; Argon2id 19,456 to 262,144 KiB, t 2 to 8,
    /// p 1 to 8; at most 16,777,216 units of work per unlock.
    fn default() -> Self {
        UnlockPolicy {
            pbkdf2_iterations: Bounds::new(600_000, 2_000_000),
            argon2_memory_kib: Bounds::new(19_456, 262_144),
            argon2_time_cost: Bounds::new(2, 8),
            argon2_parallelism: Bounds::new(1, 8),
            max_unlock_work: Self::DEFAULT_MAX_UNLOCK_WORK,
        }
    }
}

impl UnlockPolicy {
    /// The default work budget of one unlock (SR-POL-7): one Argon2id evaluation at the
    /// default ceiling (256 MiB, t = 8), or eight PBKDF2 slots at 2,000,000 iterations.
    pub const DEFAULT_MAX_UNLOCK_WORK: u64 = 16_777_216;

    /// A builder that starts from [`UnlockPolicy::default`]: set the bounds that differ,
    /// by name, then [`UnlockPolicyBuilder::build`].
    ///
    /// ```
    /// use strongroom::UnlockPolicy;
    ///
    /// // Accept slots written by an older client with 310,000 PBKDF2 iterations.
    /// let policy = UnlockPolicy::builder()
    ///     .pbkdf2_iterations(310_000..=2_000_000)
    ///     .build()?;
    /// assert_eq!(policy.pbkdf2_iterations().floor, 310_000);
    /// assert_eq!(policy.argon2_memory_kib(), UnlockPolicy::default().argon2_memory_kib());
    /// # Ok::<(), strongroom::Error>(())
    /// ```
    pub fn builder() -> UnlockPolicyBuilder {
        UnlockPolicyBuilder(UnlockPolicy::default())
    }

    /// A builder that starts from this policy, to change some of its bounds (for example
    /// the work budget left for a second unlock), then [`UnlockPolicyBuilder::build`].
    ///
    /// ```
    /// use strongroom::UnlockPolicy;
    ///
    /// let policy = UnlockPolicy::builder().pbkdf2_iterations(1_000..=2_000_000).build()?;
    /// let smaller = policy.to_builder().max_unlock_work(5_000).build()?;
    /// assert_eq!(smaller.pbkdf2_iterations(), policy.pbkdf2_iterations());
    /// assert_eq!(smaller.max_unlock_work(), 5_000);
    /// # Ok::<(), strongroom::Error>(())
    /// ```
    pub fn to_builder(&self) -> UnlockPolicyBuilder {
        UnlockPolicyBuilder(*self)
    }

    /// Accepted PBKDF2 iteration counts.
    pub fn pbkdf2_iterations(&self) -> Bounds {
        self.pbkdf2_iterations
    }

    /// Accepted Argon2id memory costs in KiB.
    pub fn argon2_memory_kib(&self) -> Bounds {
        self.argon2_memory_kib
    }

    /// Accepted Argon2id time costs.
    pub fn argon2_time_cost(&self) -> Bounds {
        self.argon2_time_cost
    }

    /// Accepted Argon2id parallelism.
    pub fn argon2_parallelism(&self) -> Bounds {
        self.argon2_parallelism
    }

    /// The most KDF work one unlock may spend (SR-POL-7), in units of one PBKDF2 iteration.
    pub fn max_unlock_work(&self) -> u64 {
        self.max_unlock_work
    }

    /// Checks parameters against the hard limits and then this policy; runs no KDF.
    ///
    /// # Errors
    /// [`Error::KdfParamsOutOfBounds`] outside the hard limits, [`Error::OutOfPolicy`]
    /// outside this policy.
    pub fn check(&self, params: &KdfParams) -> Result<()> {
        params.check_limits()?;
        let ok = match *params {
            KdfParams::Pbkdf2Sha256 { iterations } => self.pbkdf2_iterations.contains(iterations),
            KdfParams::Argon2id {
                memory_kib,
                time_cost,
                parallelism,
            } => {
                self.argon2_memory_kib.contains(memory_kib)
                    && self.argon2_time_cost.contains(time_cost)
                    && self.argon2_parallelism.contains(parallelism)
            }
        };
        if ok { Ok(()) } else { Err(Error::OutOfPolicy) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // SR-POL-1 (the check itself; slot-level ordering is tested in keyring tests).
    #[test]
    fn sr_pol_1_default_policy_bounds() {
        let pol = UnlockPolicy::default();
        assert!(pol.check(&KdfParams::DEFAULT_PBKDF2).is_ok());
        assert!(pol.check(&KdfParams::DEFAULT_ARGON2ID).is_ok());
        assert_eq!(
            pol.check(&KdfParams::Pbkdf2Sha256 {
                iterations: 599_999
            }),
            Err(Error::OutOfPolicy)
        );
        assert_eq!(
            pol.check(&KdfParams::Pbkdf2Sha256 {
                iterations: 2_000_001
            }),
            Err(Error::OutOfPolicy)
        );
        assert_eq!(
            pol.check(&KdfParams::Argon2id {
                memory_kib: 19_455,
                time_cost: 2,
                parallelism: 1
            }),
            Err(Error::OutOfPolicy)
        );
        assert_eq!(
            pol.check(&KdfParams::Argon2id {
                memory_kib: 19_456,
                time_cost: 1,
                parallelism: 1
            }),
            Err(Error::OutOfPolicy)
        );
        assert_eq!(
            pol.check(&KdfParams::Pbkdf2Sha256 { iterations: 0 }),
            Err(Error::KdfParamsOutOfBounds)
        );
    }

    // SR-POL-5: every bound is checked against the hard limits, floor before ceiling.
    #[test]
    fn policy_validation() {
        let build = |p: UnlockPolicyBuilder| p.build();
        let b = UnlockPolicy::builder;
        assert!(
            b().pbkdf2_iterations(1..=10)
                .argon2_memory_kib(8..=64)
                .argon2_time_cost(1..=1)
                .argon2_parallelism(1..=1)
                .build()
                .is_ok()
        );
        assert_eq!(build(b()), Ok(UnlockPolicy::default()));
        for work in [1, 1 << 40] {
            assert_eq!(
                build(b().max_unlock_work(work)).unwrap().max_unlock_work(),
                work
            );
        }
        #[allow(clippy::reversed_empty_ranges)]
        let reversed = b().pbkdf2_iterations(10..=1);
        for bad in [
            reversed,
            b().pbkdf2_iterations(0..=10),
            b().pbkdf2_iterations(1..=10_000_001),
            b().argon2_memory_kib(8..=1_048_577),
            b().argon2_memory_kib(7..=64),
            b().argon2_time_cost(1..=17),
            b().argon2_parallelism(0..=1),
            b().max_unlock_work(0),
            b().max_unlock_work((1 << 40) + 1),
        ] {
            assert_eq!(
                build(bad),
                Err(Error::InvalidInput(InvalidInput::PolicyInvalid))
            );
        }
    }
}
