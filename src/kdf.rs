//! Password KDFs, their hard limits (SR-KDF-3) and the unlock policy (SR-POL).

use sha2::Sha256;

use crate::error::{Error, InvalidInput, Result};
use crate::secret::{Key32, Password};

/// KDF registry id of PBKDF2-HMAC-SHA256.
pub(crate) const KDF_PBKDF2_SHA256: u64 = 1;
/// KDF registry id of Argon2id v1.3.
pub(crate) const KDF_ARGON2ID: u64 = 2;

std::thread_local! {
    /// KDF invocations on this thread; lets tests and fuzz oracles prove that a rejected
    /// keyring cost no KDF work (SR-POL-1).
    static KDF_CALLS: core::cell::Cell<u64> = const { core::cell::Cell::new(0) };
}

/// Number of KDF runs on the current thread so far (tests and fuzzing only).
#[doc(hidden)]
pub fn kdf_calls() -> u64 {
    KDF_CALLS.with(|c| c.get())
}

/// Hard limits that every reader and writer enforces, whatever the policy (SR-KDF-3).
pub mod limits {
    /// Largest PBKDF2 iteration count.
    pub const PBKDF2_MAX_ITERATIONS: u32 = 10_000_000;
    /// Largest Argon2id memory cost in KiB (1 GiB).
    pub const ARGON2_MAX_MEMORY_KIB: u32 = 1_048_576;
    /// Largest Argon2id time cost.
    pub const ARGON2_MAX_TIME_COST: u32 = 16;
    /// Largest Argon2id parallelism.
    pub const ARGON2_MAX_PARALLELISM: u32 = 16;
}

/// A password KDF with its parameters, as stored in a password slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KdfParams {
    /// PBKDF2-HMAC-SHA256 (KDF id 1).
    Pbkdf2Sha256 {
        /// Iteration count, 1 to 10,000,000.
        iterations: u32,
    },
    /// Argon2id version 1.3 (KDF id 2), 32-byte output, no secret or associated data.
    Argon2id {
        /// Memory cost in KiB, from 8 x parallelism to 1,048,576.
        memory_kib: u32,
        /// Number of passes, 1 to 16.
        time_cost: u32,
        /// Degree of parallelism (lanes), 1 to 16.
        parallelism: u32,
    },
}

impl KdfParams {
    /// PBKDF2-HMAC-SHA256 with 600,000 iterations, the default for new slots (SR-KDF-5).
    pub const DEFAULT_PBKDF2: KdfParams = KdfParams::Pbkdf2Sha256 {
        iterations: 600_000,
    };

    /// Argon2id with 64 MiB, t = 3, p = 4 (RFC 9106's second recommendation; SR-KDF-5).
    pub const DEFAULT_ARGON2ID: KdfParams = KdfParams::Argon2id {
        memory_kib: 65_536,
        time_cost: 3,
        parallelism: 4,
    };

    /// The KDF's registry id.
    pub fn id(&self) -> u64 {
        match self {
            KdfParams::Pbkdf2Sha256 { .. } => KDF_PBKDF2_SHA256,
            KdfParams::Argon2id { .. } => KDF_ARGON2ID,
        }
    }

    /// Checks the hard limits of SR-KDF-3.
    ///
    /// # Errors
    /// [`Error::KdfParamsOutOfBounds`] when a parameter is outside them.
    pub fn check_limits(&self) -> Result<()> {
        let ok = match *self {
            KdfParams::Pbkdf2Sha256 { iterations } => {
                (1..=limits::PBKDF2_MAX_ITERATIONS).contains(&iterations)
            }
            KdfParams::Argon2id {
                memory_kib,
                time_cost,
                parallelism,
            } => {
                (1..=limits::ARGON2_MAX_PARALLELISM).contains(&parallelism)
                    && (1..=limits::ARGON2_MAX_TIME_COST).contains(&time_cost)
                    && u64::from(memory_kib) >= 8 * u64::from(parallelism)
                    && memory_kib <= limits::ARGON2_MAX_MEMORY_KIB
            }
        };
        if ok {
            Ok(())
        } else {
            Err(Error::KdfParamsOutOfBounds)
        }
    }

    /// Builds parameters from a decoded KDF array's integers, checking the hard limits
    /// before any conversion (so 2^40 KiB is out of bounds, not truncated).
    pub(crate) fn from_wire(id: u64, values: &[u64]) -> Result<Self> {
        let narrow = |v: u64| u32::try_from(v).map_err(|_| Error::KdfParamsOutOfBounds);
        let params = match (id, values) {
            (KDF_PBKDF2_SHA256, [iterations]) => KdfParams::Pbkdf2Sha256 {
                iterations: narrow(*iterations)?,
            },
            (KDF_ARGON2ID, [m, t, p]) => KdfParams::Argon2id {
                memory_kib: narrow(*m)?,
                time_cost: narrow(*t)?,
                parallelism: narrow(*p)?,
            },
            // Callers check the id and the array length first.
            _ => return Err(Error::KdfParamsOutOfBounds),
        };
        params.check_limits()?;
        Ok(params)
    }

    /// The integers after the id in the wire array.
    pub(crate) fn wire_values(&self) -> Vec<u64> {
        match *self {
            KdfParams::Pbkdf2Sha256 { iterations } => vec![u64::from(iterations)],
            KdfParams::Argon2id {
                memory_kib,
                time_cost,
                parallelism,
            } => vec![
                u64::from(memory_kib),
                u64::from(time_cost),
                u64::from(parallelism),
            ],
        }
    }

    /// The KEK for a password and salt (test vectors and debugging only).
    #[doc(hidden)]
    pub fn kek_bytes(&self, password: &Password, salt: &[u8; 32]) -> Result<[u8; 32]> {
        Ok(*self.derive_kek(password, salt)?.as_bytes())
    }

    /// Runs the KDF: KEK = PBKDF2 or Argon2id over the normalized password (SR-KDF-1,
    /// SR-KDF-2). Limits are checked again here so no caller can reach an unbounded KDF.
    pub(crate) fn derive_kek(&self, password: &Password, salt: &[u8; 32]) -> Result<Key32> {
        self.check_limits()?;
        KDF_CALLS.with(|c| c.set(c.get().saturating_add(1)));
        let mut kek = Key32::zero();
        match *self {
            KdfParams::Pbkdf2Sha256 { iterations } => {
                pbkdf2::pbkdf2_hmac::<Sha256>(
                    password.normalized_bytes(),
                    salt,
                    iterations,
                    kek.as_mut(),
                );
            }
            KdfParams::Argon2id {
                memory_kib,
                time_cost,
                parallelism,
            } => {
                let params = argon2::Params::new(memory_kib, time_cost, parallelism, Some(32))
                    .map_err(|_| Error::KdfParamsOutOfBounds)?;
                // The limits were checked above, so a failure here is the machine's (memory).
                argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
                    .hash_password_into(password.normalized_bytes(), salt, kek.as_mut())
                    .map_err(|_| Error::KdfUnavailable)?;
            }
        }
        Ok(kek)
    }
}

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

/// What a client accepts before it runs a KDF on parameters it read from the server
/// (SR-POL). The floor stops a downgrade to a cheap KDF; the ceiling stops a container from
/// making the client hang or run out of memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnlockPolicy {
    pbkdf2_iterations: Bounds,
    argon2_memory_kib: Bounds,
    argon2_time_cost: Bounds,
    argon2_parallelism: Bounds,
}

impl Default for UnlockPolicy {
    /// PBKDF2 600,000 to 2,000,000 iterations; Argon2id 19,456 to 262,144 KiB, t 2 to 8,
    /// p 1 to 8.
    fn default() -> Self {
        UnlockPolicy {
            pbkdf2_iterations: Bounds::new(600_000, 2_000_000),
            argon2_memory_kib: Bounds::new(19_456, 262_144),
            argon2_time_cost: Bounds::new(2, 8),
            argon2_parallelism: Bounds::new(1, 8),
        }
    }
}

impl UnlockPolicy {
    /// A policy with explicit bounds for every parameter.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (`policy_invalid`) when a floor exceeds its ceiling or a bound
    /// lies outside the hard limits.
    pub fn new(
        pbkdf2_iterations: Bounds,
        argon2_memory_kib: Bounds,
        argon2_time_cost: Bounds,
        argon2_parallelism: Bounds,
    ) -> Result<Self> {
        let valid = pbkdf2_iterations.within(1, limits::PBKDF2_MAX_ITERATIONS)
            && argon2_memory_kib.within(8, limits::ARGON2_MAX_MEMORY_KIB)
            && argon2_time_cost.within(1, limits::ARGON2_MAX_TIME_COST)
            && argon2_parallelism.within(1, limits::ARGON2_MAX_PARALLELISM);
        if !valid {
            return Err(Error::InvalidInput(InvalidInput::PolicyInvalid));
        }
        Ok(UnlockPolicy {
            pbkdf2_iterations,
            argon2_memory_kib,
            argon2_time_cost,
            argon2_parallelism,
        })
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

    fn kek(params: KdfParams, pw: &str, salt: &[u8]) -> Vec<u8> {
        // Known-answer tests use other salt sizes and output lengths than the format, so
        // they call the primitives the same way derive_kek does.
        match params {
            KdfParams::Pbkdf2Sha256 { iterations } => {
                let mut out = vec![0u8; 32];
                pbkdf2::pbkdf2_hmac::<Sha256>(pw.as_bytes(), salt, iterations, &mut out);
                out
            }
            _ => unreachable!(),
        }
    }

    // SR-KDF-1: RFC 7914 section 11 (PBKDF2-HMAC-SHA256), first 32 bytes of each.
    #[test]
    fn sr_kdf_1_rfc7914_pbkdf2_sha256() {
        let v1 = kek(KdfParams::Pbkdf2Sha256 { iterations: 1 }, "passwd", b"salt");
        assert_eq!(
            hex::encode(v1),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        );
        let v2 = kek(
            KdfParams::Pbkdf2Sha256 { iterations: 80_000 },
            "Password",
            b"NaCl",
        );
        assert_eq!(
            hex::encode(v2),
            "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
        );
    }

    // SR-KDF-2: RFC 9106 section 5.3 (Argon2id with secret and associated data; the format
    // itself uses neither, but the same primitive must pass the RFC's answer).
    #[test]
    fn sr_kdf_2_rfc9106_argon2id() {
        let params = argon2::ParamsBuilder::new()
            .m_cost(32)
            .t_cost(3)
            .p_cost(4)
            .data(argon2::AssociatedData::new(&[4u8; 12]).unwrap())
            .output_len(32)
            .build()
            .unwrap();
        let a = argon2::Argon2::new_with_secret(
            &[3u8; 8],
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            params,
        )
        .unwrap();
        let mut out = [0u8; 32];
        a.hash_password_into(&[1u8; 32], &[2u8; 16], &mut out)
            .unwrap();
        assert_eq!(
            hex::encode(out),
            "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"
        );
    }

    // SR-KDF-3: hard limits, both edges.
    #[test]
    fn sr_kdf_3_hard_limits() {
        let p = |iterations| KdfParams::Pbkdf2Sha256 { iterations }.check_limits();
        assert!(p(1).is_ok() && p(10_000_000).is_ok());
        assert_eq!(p(0), Err(Error::KdfParamsOutOfBounds));
        assert_eq!(p(10_000_001), Err(Error::KdfParamsOutOfBounds));
        let a = |memory_kib, time_cost, parallelism| {
            KdfParams::Argon2id {
                memory_kib,
                time_cost,
                parallelism,
            }
            .check_limits()
        };
        assert!(a(8, 1, 1).is_ok() && a(1_048_576, 16, 16).is_ok() && a(128, 1, 16).is_ok());
        for bad in [
            a(1_048_577, 3, 4),
            a(7, 1, 1),
            a(127, 1, 16),
            a(65536, 0, 4),
            a(65536, 17, 4),
            a(65536, 3, 0),
            a(65536, 3, 17),
        ] {
            assert_eq!(bad, Err(Error::KdfParamsOutOfBounds));
        }
        // 2^32 iterations and 2^40 KiB never reach a u32, let alone a KDF.
        assert_eq!(
            KdfParams::from_wire(1, &[1 << 32]),
            Err(Error::KdfParamsOutOfBounds)
        );
        assert_eq!(
            KdfParams::from_wire(2, &[1 << 40, 3, 4]),
            Err(Error::KdfParamsOutOfBounds)
        );
    }

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

    #[test]
    fn policy_validation() {
        let b = Bounds::new;
        assert!(UnlockPolicy::new(b(1, 10), b(8, 64), b(1, 1), b(1, 1)).is_ok());
        for bad in [
            UnlockPolicy::new(b(10, 1), b(8, 64), b(1, 1), b(1, 1)),
            UnlockPolicy::new(b(0, 10), b(8, 64), b(1, 1), b(1, 1)),
            UnlockPolicy::new(b(1, 10_000_001), b(8, 64), b(1, 1), b(1, 1)),
            UnlockPolicy::new(b(1, 10), b(8, 1_048_577), b(1, 1), b(1, 1)),
            UnlockPolicy::new(b(1, 10), b(8, 64), b(1, 17), b(1, 1)),
            UnlockPolicy::new(b(1, 10), b(8, 64), b(1, 1), b(0, 1)),
        ] {
            assert_eq!(bad, Err(Error::InvalidInput(InvalidInput::PolicyInvalid)));
        }
    }
}
