//! Keyring pins and CheckPin (SPEC.md 11.12, SR-PIN-1 to SR-PIN-3): what a client remembers
//! of the last keyring it unlocked or wrote, so that it can refuse a rolled-back, forked or
//! replaced keyring before it unlocks it.

use core::fmt;

use super::{Keyring, UnlockedKeyring};
use crate::error::{HistoryViolation, Result};
use crate::format::Hex;
use crate::format::keyring::SlotRef;
use crate::limits::MAX_PIN_JUMP;
use crate::primitives::crypto;

/// What a client remembers of a keyring: its id, generation and digest (SHA-256 of its
/// exact bytes), and optionally the slot that opened it, to try first next time.
///
/// Take it from an [`UnlockedKeyring`] ([`UnlockedKeyring::pin`]): after an unlock, whose
/// keyring MAC was verified, or after a change, once the server has acknowledged storing
/// the new keyring (SR-PIN-2). Before the next unlock of a keyring served for that id, run
/// [`Keyring::check_pin`] and refuse the keyring if it fails (SR-PIN-1).
///
/// ```
/// use strongroom::{KdfParams, Keyring, Password, UnlockPolicy};
///
/// # fn main() -> Result<(), strongroom::Error> {
/// # let policy = UnlockPolicy::builder().pbkdf2_iterations(1_000..=2_000_000).build()?;
/// let password = Password::new("correct horse battery staple")?;
/// let kdf = KdfParams::Pbkdf2Sha256 { iterations: 1_000 };
/// let mut unlocked = Keyring::create(&password, kdf, "laptop", &policy)?;
/// let old = unlocked.keyring().clone();
/// unlocked.add_recovery_slot("paper")?;
/// let pin = unlocked.pin(); // once the server has stored the new keyring
///
/// // Later, the server serves the keyring from before the change: refused, no KDF run.
/// let err = old.check_pin(&pin).unwrap_err();
/// assert_eq!(err.reason(), Some("keyring_rollback"));
///
/// // The current keyring passes, and the pinned slot is tried first.
/// let served = Keyring::from_text(&unlocked.keyring().to_text())?;
/// served.check_pin(&pin)?;
/// let unlocked = served.unlock_preferring(&password, &policy, pin.preferred())?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyringPin {
    keyring_id: [u8; 16],
    generation: u64,
    digest: [u8; 32],
    preferred: Option<SlotRef>,
}

impl KeyringPin {
    /// A pin from stored values (SPEC.md 11.12), without a preferred slot.
    pub const fn new(keyring_id: [u8; 16], generation: u64, digest: [u8; 32]) -> Self {
        KeyringPin {
            keyring_id,
            generation,
            digest,
            preferred: None,
        }
    }

    /// The same pin with a preferred slot: the one to try first at the next unlock.
    #[must_use]
    pub const fn with_preferred(mut self, preferred: Option<SlotRef>) -> Self {
        self.preferred = preferred;
        self
    }

    /// The pinned keyring id.
    pub fn keyring_id(&self) -> &[u8; 16] {
        &self.keyring_id
    }

    /// The pinned generation.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The pinned keyring digest: SHA-256 of the keyring's exact bytes.
    pub fn digest(&self) -> &[u8; 32] {
        &self.digest
    }

    /// The slot that opened the pinned keyring, if the pin remembers one, for
    /// [`Keyring::unlock_preferring`] and [`Keyring::unlock_secret_key_preferring`].
    pub fn preferred(&self) -> Option<&SlotRef> {
        self.preferred.as_ref()
    }
}

impl fmt::Debug for KeyringPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyringPin")
            .field("keyring_id", &Hex(&self.keyring_id))
            .field("generation", &self.generation)
            .field("digest", &Hex(&self.digest))
            .field("preferred", &self.preferred)
            .finish()
    }
}

impl Keyring {
    /// A pin of this keyring as decoded, with no preferred slot.
    ///
    /// Nothing in a keyring that has only been decoded is authenticated: a client updates
    /// its pin only from a keyring whose MAC it has verified, or from one it wrote itself
    /// once the server has acknowledged storing it, never from one it has only decoded
    /// (SR-PIN-2). [`UnlockedKeyring::pin`] is the usual source.
    pub fn pin(&self) -> KeyringPin {
        KeyringPin::new(self.id, self.generation, self.digest())
    }

    /// CheckPin (SPEC.md 11.12): refuses a keyring that is not the pinned one or a later
    /// one, before anything else is done with it (SR-PIN-1). Runs no KDF and needs no key:
    /// an honest server never serves another id, a lower generation or other bytes at the
    /// pinned generation, whether the keyring's MAC would verify or not. A generation more
    /// than 64 above the pin's is refused too (SR-PIN-3): a holder of the DEK can forge a
    /// keyring at generation 2^53 - 1, after which no change is possible;
    /// [`Keyring::check_pin_accepting_jump`] accepts it once the jump has been confirmed.
    ///
    /// # Errors
    /// [`crate::Error::HistoryViolation`] with `keyring_replaced` (another keyring id),
    /// `keyring_rollback` (a lower generation), `keyring_fork` (the pinned generation, other
    /// bytes) or `keyring_generation_jump`, in that order.
    pub fn check_pin(&self, pin: &KeyringPin) -> Result<()> {
        self.check_pin_as(pin, false)
    }

    /// [`Keyring::check_pin`] for a generation jump above 64 that the user (or the
    /// application, from what it knows out of band) has confirmed for this keyring
    /// (SR-PIN-3); every other check still applies.
    ///
    /// # Errors
    /// [`crate::Error::HistoryViolation`] with `keyring_replaced`, `keyring_rollback` or
    /// `keyring_fork`.
    pub fn check_pin_accepting_jump(&self, pin: &KeyringPin) -> Result<()> {
        self.check_pin_as(pin, true)
    }

    fn check_pin_as(&self, pin: &KeyringPin, accept_jump: bool) -> Result<()> {
        if self.id != pin.keyring_id {
            return Err(HistoryViolation::KeyringReplaced.into());
        }
        if self.generation < pin.generation {
            return Err(HistoryViolation::KeyringRollback.into());
        }
        // The digests are public (a hash of what the server stores); the comparison is
        // constant time only because nothing is lost by it.
        if self.generation == pin.generation && !crypto::ct_eq(&self.digest(), &pin.digest) {
            return Err(HistoryViolation::KeyringFork.into());
        }
        if self.generation > pin.generation.saturating_add(MAX_PIN_JUMP) && !accept_jump {
            return Err(HistoryViolation::KeyringGenerationJump.into());
        }
        Ok(())
    }
}

impl UnlockedKeyring {
    /// The pin of the current keyring, with the slot that opened it as the preferred slot
    /// (if it is a password or secret-key slot and still in the keyring).
    ///
    /// After an unlock the keyring's MAC has been verified, so the pin may be stored at
    /// once; after a change, store it once the server has acknowledged storing the new
    /// keyring (SR-PIN-2).
    pub fn pin(&self) -> KeyringPin {
        let preferred = self
            .slot_index
            .and_then(|i| self.keyring.slots.get(i))
            .and_then(|s| s.slot_ref());
        self.keyring.pin().with_preferred(preferred)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Error, KdfParams, Password, UnlockPolicy};

    // SR-PIN-1, SR-PIN-3: the four outcomes of CheckPin, in order, and the jump bound.
    #[test]
    fn sr_pin_1_check_pin_outcomes() {
        let policy = UnlockPolicy::builder()
            .pbkdf2_iterations(1..=10)
            .build()
            .unwrap();
        let pw = Password::new("pw").unwrap();
        let kdf = KdfParams::Pbkdf2Sha256 { iterations: 1 };
        let mut u = Keyring::create(&pw, kdf, "a", &policy).unwrap();
        let g0 = u.keyring().clone();
        let pin0 = u.pin();
        assert_eq!(pin0.preferred(), g0.slots()[0].slot_ref().as_ref());
        assert_eq!(g0.check_pin(&pin0), Ok(()));
        u.add_recovery_slot("r").unwrap();
        let g1 = u.keyring().clone();
        assert_eq!(g1.check_pin(&pin0), Ok(()));
        let err = |h| Err(Error::HistoryViolation(h));
        assert_eq!(
            g0.check_pin(&g1.pin()),
            err(HistoryViolation::KeyringRollback)
        );
        let fork = KeyringPin::new(*g0.id(), 0, [0; 32]);
        assert_eq!(g0.check_pin(&fork), err(HistoryViolation::KeyringFork));
        let other = KeyringPin::new([1; 16], 0, g0.digest());
        assert_eq!(g0.check_pin(&other), err(HistoryViolation::KeyringReplaced));
        // A pin one generation behind: not the pinned bytes, so only the jump matters.
        let behind = KeyringPin::new(*g1.id(), 0, [0; 32]);
        assert_eq!(g1.check_pin(&behind), Ok(()));
        assert_eq!(
            g0.check_pin_accepting_jump(&g1.pin()),
            err(HistoryViolation::KeyringRollback)
        );
        let shown = format!("{pin0:?}");
        assert!(shown.contains(&format!("{:?}", Hex(g0.id()))), "{shown}");
    }
}
