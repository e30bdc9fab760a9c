//! The KDF descriptor of a password slot (SPEC.md 6.4) and the hard limits every reader and
//! writer enforces on it (SR-KDF-3).
//!
//! ```cddl
//! kdf = [1, iterations: uint]                                  ; PBKDF2-HMAC-SHA256
//!     / [2, memory_kib: uint, time_cost: uint, parallelism: uint] ; Argon2id v1.3
//! ```

use super::cbor::{Item, Writer};
use super::{array, uint};
use crate::error::{Error, Malformed, Registry, Result};
use crate::limits;

/// KDF registry id of PBKDF2-HMAC-SHA256.
pub(crate) const KDF_PBKDF2_SHA256: u64 = 1;
/// KDF registry id of Argon2id v1.3.
pub(crate) const KDF_ARGON2ID: u64 = 2;

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

    /// The defaults of SR-KDF-5 for a KDF registry id: [`KdfParams::DEFAULT_PBKDF2`] for 1,
    /// [`KdfParams::DEFAULT_ARGON2ID`] for 2. An application that stores the user's choice of
    /// KDF by id (or receives a KDF descriptor with an id and no parameters, SPEC.md section
    /// 11's preamble) gets the parameters to write from here.
    ///
    /// ```
    /// use strongroom::KdfParams;
    ///
    /// assert_eq!(KdfParams::defaults_for_id(2)?, KdfParams::DEFAULT_ARGON2ID);
    /// assert!(KdfParams::defaults_for_id(3).is_err());
    /// # Ok::<(), strongroom::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::UnsupportedAlgorithm`] for an id that is not in the KDF registry.
    pub fn defaults_for_id(id: u64) -> Result<KdfParams> {
        match id {
            KDF_PBKDF2_SHA256 => Ok(KdfParams::DEFAULT_PBKDF2),
            KDF_ARGON2ID => Ok(KdfParams::DEFAULT_ARGON2ID),
            id => Err(Error::UnsupportedAlgorithm {
                registry: Registry::Kdf,
                id,
            }),
        }
    }

    /// The KDF's registry id.
    pub fn id(&self) -> u64 {
        match self {
            KdfParams::Pbkdf2Sha256 { .. } => KDF_PBKDF2_SHA256,
            KdfParams::Argon2id { .. } => KDF_ARGON2ID,
        }
    }

    /// The work of one evaluation, in units of one PBKDF2-HMAC-SHA256 iteration (SPEC.md
    /// section 10): `iterations` for PBKDF2, `8 x memory_kib x time_cost` for Argon2id,
    /// whose KiB-pass costs about eight PBKDF2 iterations on a CPU. An unlock adds up the
    /// work of the slots it will try and compares the sum with the policy's
    /// `max_unlock_work` before any KDF runs (SR-POL-7).
    ///
    /// ```
    /// use strongroom::KdfParams;
    ///
    /// assert_eq!(KdfParams::DEFAULT_PBKDF2.work(), 600_000);
    /// assert_eq!(KdfParams::DEFAULT_ARGON2ID.work(), 8 * 65_536 * 3);
    /// ```
    pub fn work(&self) -> u64 {
        match *self {
            KdfParams::Pbkdf2Sha256 { iterations } => u64::from(iterations),
            // At most 2^27 within the hard limits; parameters built beyond them saturate,
            // which is above every budget.
            KdfParams::Argon2id {
                memory_kib,
                time_cost,
                ..
            } => 8u64
                .saturating_mul(u64::from(memory_kib))
                .saturating_mul(u64::from(time_cost)),
        }
    }

    /// Whether these parameters are weaker than `current`, the KDF of the slot they would
    /// replace (SR-KDF-8): the same KDF with fewer PBKDF2 iterations, or less Argon2id
    /// memory or fewer passes; or PBKDF2 in place of Argon2id. Parallelism alone, and
    /// Argon2id in place of PBKDF2, never make a KDF weaker. The comparison is per
    /// parameter, not by [`KdfParams::work`], so every implementation decides alike.
    ///
    /// ```
    /// use strongroom::KdfParams;
    ///
    /// let stronger = KdfParams::Pbkdf2Sha256 { iterations: 2_000_000 };
    /// assert!(KdfParams::DEFAULT_PBKDF2.is_weaker_than(&stronger));
    /// assert!(KdfParams::DEFAULT_PBKDF2.is_weaker_than(&KdfParams::DEFAULT_ARGON2ID));
    /// assert!(!KdfParams::DEFAULT_ARGON2ID.is_weaker_than(&stronger));
    /// ```
    pub fn is_weaker_than(&self, current: &KdfParams) -> bool {
        match (*self, *current) {
            (
                KdfParams::Pbkdf2Sha256 { iterations: new },
                KdfParams::Pbkdf2Sha256 { iterations: old },
            ) => new < old,
            (
                KdfParams::Argon2id {
                    memory_kib: new_m,
                    time_cost: new_t,
                    ..
                },
                KdfParams::Argon2id {
                    memory_kib: old_m,
                    time_cost: old_t,
                    ..
                },
            ) => new_m < old_m || new_t < old_t,
            (KdfParams::Pbkdf2Sha256 { .. }, KdfParams::Argon2id { .. }) => true,
            (KdfParams::Argon2id { .. }, KdfParams::Pbkdf2Sha256 { .. }) => false,
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
    fn from_wire(id: u64, values: &[u64]) -> Result<Self> {
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
}

/// Writes `[kdf id, params...]`.
pub(crate) fn write(w: &mut Writer, kdf: &KdfParams) {
    match *kdf {
        KdfParams::Pbkdf2Sha256 { iterations } => {
            w.array(2)
                .uint(KDF_PBKDF2_SHA256)
                .uint(u64::from(iterations));
        }
        KdfParams::Argon2id {
            memory_kib,
            time_cost,
            parallelism,
        } => {
            w.array(4)
                .uint(KDF_ARGON2ID)
                .uint(u64::from(memory_kib))
                .uint(u64::from(time_cost))
                .uint(u64::from(parallelism));
        }
    }
}

/// Reads `[kdf id, params...]`: the id first (registry), then the array length, then the
/// element types, then the hard limits (SR-KDF-3).
pub(crate) fn decode(item: &Item<'_>) -> Result<KdfParams> {
    let elements = array(item)?;
    let (first, rest) = elements.split_first().ok_or(Malformed::WrongLength)?;
    let id = uint(first)?;
    let expected = match id {
        KDF_PBKDF2_SHA256 => 1,
        KDF_ARGON2ID => 3,
        id => {
            return Err(Error::UnsupportedAlgorithm {
                registry: Registry::Kdf,
                id,
            });
        }
    };
    if rest.len() != expected {
        return Err(Malformed::WrongLength.into());
    }
    let values = rest
        .iter()
        .map(uint)
        .collect::<core::result::Result<Vec<_>, _>>()?;
    KdfParams::from_wire(id, &values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::cbor;

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

    // SR-KDF-5: an id alone means its defaults; an id outside the registry has none.
    #[test]
    fn sr_kdf_5_defaults_for_id() {
        for kdf in [KdfParams::DEFAULT_PBKDF2, KdfParams::DEFAULT_ARGON2ID] {
            assert_eq!(KdfParams::defaults_for_id(kdf.id()), Ok(kdf));
        }
        for id in [0, 3, u64::MAX] {
            assert_eq!(
                KdfParams::defaults_for_id(id),
                Err(Error::UnsupportedAlgorithm {
                    registry: Registry::Kdf,
                    id
                })
            );
        }
    }

    // SR-KDF-8: weaker per parameter and across KDFs; parallelism alone never weaker.
    #[test]
    fn sr_kdf_8_weaker_kdf() {
        let p = |iterations| KdfParams::Pbkdf2Sha256 { iterations };
        let a = |memory_kib, time_cost, parallelism| KdfParams::Argon2id {
            memory_kib,
            time_cost,
            parallelism,
        };
        assert!(p(9).is_weaker_than(&p(10)));
        assert!(!p(10).is_weaker_than(&p(10)) && !p(11).is_weaker_than(&p(10)));
        assert!(a(63, 3, 4).is_weaker_than(&a(64, 3, 4)));
        assert!(a(64, 2, 4).is_weaker_than(&a(64, 3, 4)));
        assert!(a(128, 2, 4).is_weaker_than(&a(64, 3, 4)));
        assert!(!a(64, 3, 1).is_weaker_than(&a(64, 3, 4)));
        assert!(!a(64, 3, 8).is_weaker_than(&a(64, 3, 4)));
        assert!(p(10_000_000).is_weaker_than(&a(8, 1, 1)));
        assert!(!a(8, 1, 1).is_weaker_than(&p(10_000_000)));
    }

    // SR-POL-7: work is iterations for PBKDF2 and 8 x m x t for Argon2id.
    #[test]
    fn sr_pol_7_work() {
        assert_eq!(KdfParams::Pbkdf2Sha256 { iterations: 7 }.work(), 7);
        let a = KdfParams::Argon2id {
            memory_kib: 262_144,
            time_cost: 8,
            parallelism: 8,
        };
        assert_eq!(a.work(), 16_777_216);
        let most = KdfParams::Argon2id {
            memory_kib: u32::MAX,
            time_cost: u32::MAX,
            parallelism: 1,
        };
        assert_eq!(most.work(), u64::MAX);
    }

    #[test]
    fn write_and_decode_mirror() {
        for kdf in [
            KdfParams::DEFAULT_PBKDF2,
            KdfParams::DEFAULT_ARGON2ID,
            KdfParams::Pbkdf2Sha256 { iterations: 1 },
        ] {
            let mut w = Writer::default();
            write(&mut w, &kdf);
            let bytes = w.into_vec();
            assert_eq!(decode(&cbor::decode(&bytes).unwrap()), Ok(kdf));
        }
    }
}
