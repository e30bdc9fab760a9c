//! Unlocking a keyring (SPEC.md 11.3 to 11.5): with a password through every password slot
//! or one chosen slot, or with a recovery code.
//!
//! Credentials arrive prepared, as a `Password` or a `RecoveryCode` made before the call, and
//! the keyring arrives decoded: step 1 (Normalize, ParseRecoveryCode) and step 2 (decoding)
//! have already run, in that order for a caller that prepares the credential first (SR-OP-17),
//! and the functions here start at step 3.

use super::{Keyring, UnlockedKeyring};
use crate::error::{Error, InvalidInput, Result};
use crate::format::keyring::{KeySlot, SlotKind};
use crate::password::Password;
use crate::policy::UnlockPolicy;
use crate::primitives::crypto;
use crate::primitives::secret::Key32;
use crate::recovery::RecoveryCode;
use crate::schedule;

/// Tries to open one slot with a KEK: commitment first, in constant time, then AES-GCM.
/// Both failures are the same `None` (SR-OP-2).
fn open_slot(keyring_id: &[u8; 16], slot: &KeySlot, kek: &Key32) -> Option<Key32> {
    let (wrap_key, commitment) = schedule::slot_keys(keyring_id, kek, &slot.kind);
    if !crypto::ct_eq(commitment.expose(), &slot.commitment) {
        return None;
    }
    let aad = schedule::slot_aad(keyring_id, slot.aad_part());
    let mut dek = Key32::zero();
    let (ct, tag) = slot.wrapped.split_at(32);
    dek.expose_mut().copy_from_slice(ct);
    let tag: [u8; 16] = tag.try_into().ok()?;
    crypto::open_in_place(&wrap_key, &slot.nonce, &aad, dek.expose_mut(), &tag).ok()?;
    Some(dek)
}

impl Keyring {
    /// Unlocks with a password, trying every password slot in order (SR-OP-2).
    ///
    /// Every password slot is checked against `policy` before any KDF runs (SR-POL-2); the
    /// cost is one KDF per password slot tried. Use [`Keyring::unlock_slot`] to try one slot.
    ///
    /// # Errors
    /// [`Error::OutOfPolicy`] before any KDF work, [`Error::UnlockFailed`] when no slot
    /// opens, [`Error::KeyringTampered`] when a slot opens but the MAC does not verify.
    pub fn unlock(&self, password: &Password, policy: &UnlockPolicy) -> Result<UnlockedKeyring> {
        let candidates: Vec<usize> = self
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s.kind, SlotKind::Password { .. }))
            .map(|(i, _)| i)
            .collect();
        self.unlock_password_slots(&candidates, password, policy)
    }

    /// Unlocks with a password through one chosen slot (SR-OP-3).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (`no_such_slot`, `wrong_slot_kind`), then as
    /// [`Keyring::unlock`].
    pub fn unlock_slot(
        &self,
        index: usize,
        password: &Password,
        policy: &UnlockPolicy,
    ) -> Result<UnlockedKeyring> {
        let slot = self.slots.get(index).ok_or(InvalidInput::NoSuchSlot)?;
        if !matches!(slot.kind, SlotKind::Password { .. }) {
            return Err(InvalidInput::WrongSlotKind.into());
        }
        self.unlock_password_slots(&[index], password, policy)
    }

    fn unlock_password_slots(
        &self,
        indices: &[usize],
        password: &Password,
        policy: &UnlockPolicy,
    ) -> Result<UnlockedKeyring> {
        // SR-POL-1, SR-POL-2: every slot to be tried passes the policy before any KDF.
        for &i in indices {
            if let Some(SlotKind::Password { kdf, .. }) = self.slots.get(i).map(|s| &s.kind) {
                policy.check(kdf)?;
            }
        }
        for &i in indices {
            let Some(slot) = self.slots.get(i) else {
                continue;
            };
            let SlotKind::Password { kdf, salt } = &slot.kind else {
                continue;
            };
            let kek = schedule::derive_kek(kdf, password, salt)?;
            if let Some(dek) = open_slot(&self.id, slot, &kek) {
                return self.verified(dek, *policy);
            }
        }
        Err(Error::UnlockFailed)
    }

    /// Unlocks with a recovery code, trying every recovery slot (SR-OP-4).
    ///
    /// The policy given is kept for later slot changes; no KDF runs here.
    ///
    /// # Errors
    /// [`Error::UnlockFailed`] when no recovery slot opens, [`Error::KeyringTampered`].
    pub fn unlock_with_recovery(
        &self,
        code: &RecoveryCode,
        policy: &UnlockPolicy,
    ) -> Result<UnlockedKeyring> {
        for slot in &self.slots {
            if slot.kind != SlotKind::Recovery {
                continue;
            }
            if let Some(dek) = open_slot(&self.id, slot, code.secret()) {
                return self.verified(dek, *policy);
            }
        }
        Err(Error::UnlockFailed)
    }

    /// Unlocks with a recovery code through one chosen recovery slot (SR-OP-3).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (`no_such_slot`, `wrong_slot_kind`), [`Error::UnlockFailed`],
    /// [`Error::KeyringTampered`].
    pub fn unlock_slot_with_recovery(
        &self,
        index: usize,
        code: &RecoveryCode,
        policy: &UnlockPolicy,
    ) -> Result<UnlockedKeyring> {
        let slot = self.slots.get(index).ok_or(InvalidInput::NoSuchSlot)?;
        if slot.kind != SlotKind::Recovery {
            return Err(InvalidInput::WrongSlotKind.into());
        }
        match open_slot(&self.id, slot, code.secret()) {
            Some(dek) => self.verified(dek, *policy),
            None => Err(Error::UnlockFailed),
        }
    }
}
