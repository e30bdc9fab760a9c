//! Unlocking a keyring (SPEC.md 11.3 to 11.5): with a password through every password slot,
//! with a password and a secret key through every secret-key slot, through one chosen slot,
//! or with a recovery code.
//!
//! Credentials arrive prepared, as a `Password`, a `SecretKey` or a `RecoveryCode` made
//! before the call, and the keyring arrives decoded: step 1 (Normalize, ParseSecretKey,
//! ParseRecoveryCode) and step 2 (decoding) have already run, in that order for a caller that
//! prepares the credential first (SR-OP-17), and the functions here start at step 3.

use super::{Keyring, UnlockedKeyring};
use crate::error::{Error, InvalidInput, Limit, Result};
use crate::format::keyring::{KeySlot, SlotKind, SlotRef};
use crate::password::Password;
use crate::policy::UnlockPolicy;
use crate::primitives::crypto;
use crate::primitives::secret::Key32;
use crate::recovery::RecoveryCode;
use crate::schedule;
use crate::secret_key::SecretKey;

/// Tries to open one slot with a KEK: commitment first, in constant time, then AES-GCM.
/// Both failures are the same `None` (SR-OP-2), as is a slot of a kind that is never opened.
fn open_slot(keyring_id: &[u8; 16], slot: &KeySlot, kek: &Key32) -> Option<Key32> {
    let (wrap_key, commitment) = schedule::slot_keys(keyring_id, kek, &slot.kind)?;
    if !crypto::ct_eq(commitment.expose(), &slot.commitment) {
        return None;
    }
    let nonce = slot.nonce.as_ref()?;
    let aad = schedule::slot_aad(keyring_id, slot.aad_part());
    let mut dek = Key32::zero();
    let (ct, tag) = slot.wrapped.split_at(32);
    dek.expose_mut().copy_from_slice(ct);
    let tag: [u8; 16] = tag.try_into().ok()?;
    crypto::open_in_place(&wrap_key, nonce, &aad, dek.expose_mut(), &tag).ok()?;
    Some(dek)
}

/// A credential that goes through a KDF: a password for password slots, a password and a
/// secret key for secret-key slots (SR-KEY-16).
#[derive(Clone, Copy)]
enum Credential<'a> {
    Password(&'a Password),
    SecretKey(&'a Password, &'a SecretKey),
}

impl Credential<'_> {
    /// Whether the credential is for slots of `kind`; no other slot is ever tried with it.
    fn fits(self, kind: &SlotKind) -> bool {
        matches!(
            (self, kind),
            (Credential::Password(_), SlotKind::Password { .. })
                | (Credential::SecretKey(..), SlotKind::SecretKey { .. })
        )
    }

    /// The KEK of a slot the credential fits: runs the slot's KDF.
    fn kek(self, kind: &SlotKind) -> Result<Option<Key32>> {
        match (self, kind) {
            (Credential::Password(pw), SlotKind::Password { kdf, salt }) => {
                schedule::derive_kek(kdf, pw, salt).map(Some)
            }
            (Credential::SecretKey(pw, sk), SlotKind::SecretKey { kdf, salt }) => {
                schedule::derive_secret_key_kek(kdf, pw, sk.bytes(), salt).map(Some)
            }
            _ => Ok(None),
        }
    }
}

/// The KDF work of trying a slot (SPEC.md section 10); none for a slot without a KDF.
fn work(slot: &KeySlot) -> u64 {
    slot.kdf().map_or(0, |k| k.work())
}

impl Keyring {
    /// Unlocks with a password, trying every password slot in order (SR-OP-2).
    ///
    /// Every password slot is checked against `policy` before any KDF runs (SR-POL-2), and
    /// so is their total KDF work (SR-POL-7); the cost is one KDF per password slot tried.
    /// [`Keyring::unlock_preferring`] tries the slot the client opened last first, and
    /// [`Keyring::unlock_slot`] tries one slot.
    ///
    /// # Errors
    /// [`Error::OutOfPolicy`] or [`Error::LimitExceeded`] (`unlock_work_exceeded`) before
    /// any KDF work, [`Error::UnlockFailed`] when no slot opens, [`Error::KeyringTampered`]
    /// when a slot opens but the MAC does not verify, [`Error::KdfUnavailable`].
    pub fn unlock(&self, password: &Password, policy: &UnlockPolicy) -> Result<UnlockedKeyring> {
        self.unlock_preferring(password, policy, None)
    }

    /// [`Keyring::unlock`] with a preferred slot: the slot this client opened last (from
    /// [`crate::KeyringPin::preferred`]), tried first if it is one of the keyring's password
    /// slots (SPEC.md 11.3). The work budget then applies to it alone before it is tried,
    /// and to the other slots together, against what is left, only once it has failed; so
    /// an honest keyring costs one KDF evaluation for the right password however many
    /// slots it has. A preferred slot that is not in the keyring changes nothing.
    ///
    /// # Errors
    /// As [`Keyring::unlock`]; `unlock_work_exceeded` also after the preferred slot failed,
    /// when the other slots need more than the budget has left.
    pub fn unlock_preferring(
        &self,
        password: &Password,
        policy: &UnlockPolicy,
        preferred: Option<&SlotRef>,
    ) -> Result<UnlockedKeyring> {
        self.unlock_kind(Credential::Password(password), policy, preferred)
    }

    /// Unlocks with a password and a secret key, trying every secret-key slot in order
    /// (SR-OP-20), with the checks and costs of [`Keyring::unlock`]. Password slots are
    /// never tried: the credential says which kind applies.
    ///
    /// # Errors
    /// As [`Keyring::unlock`].
    pub fn unlock_secret_key(
        &self,
        password: &Password,
        secret_key: &SecretKey,
        policy: &UnlockPolicy,
    ) -> Result<UnlockedKeyring> {
        self.unlock_secret_key_preferring(password, secret_key, policy, None)
    }

    /// [`Keyring::unlock_secret_key`] with a preferred slot, as
    /// [`Keyring::unlock_preferring`].
    ///
    /// # Errors
    /// As [`Keyring::unlock_preferring`].
    pub fn unlock_secret_key_preferring(
        &self,
        password: &Password,
        secret_key: &SecretKey,
        policy: &UnlockPolicy,
        preferred: Option<&SlotRef>,
    ) -> Result<UnlockedKeyring> {
        self.unlock_kind(
            Credential::SecretKey(password, secret_key),
            policy,
            preferred,
        )
    }

    /// Steps 3 to 7 of SPEC.md 11.3 for the slots the credential fits.
    fn unlock_kind(
        &self,
        credential: Credential<'_>,
        policy: &UnlockPolicy,
        preferred: Option<&SlotRef>,
    ) -> Result<UnlockedKeyring> {
        let candidates: Vec<(usize, &KeySlot)> = self
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| credential.fits(&s.kind))
            .collect();
        // Step 3: the preferred slot, if it is one of them, goes first.
        let first = preferred.and_then(|p| {
            candidates
                .iter()
                .find(|(_, s)| s.slot_ref().as_ref() == Some(p))
                .map(|(i, _)| *i)
        });
        let order: Vec<(usize, &KeySlot)> = candidates
            .iter()
            .filter(|(i, _)| Some(*i) == first)
            .chain(candidates.iter().filter(|(i, _)| Some(*i) != first))
            .copied()
            .collect();
        if order.is_empty() {
            return Err(Error::UnlockFailed);
        }
        // Step 4 (SR-POL-1, SR-POL-2): every slot to be tried passes the policy before any KDF.
        for (_, s) in &order {
            if let Some(kdf) = s.kdf() {
                policy.check(kdf)?;
            }
        }
        // Step 5 (SR-POL-7): the work, before any KDF; the preferred slot alone if there is
        // one, since the others run only if it fails.
        let budget = policy.max_unlock_work();
        let total = order
            .iter()
            .map(|(_, s)| work(s))
            .fold(0, u64::saturating_add);
        let first_work = order.first().map_or(0, |(_, s)| work(s));
        let needed = if first.is_some() { first_work } else { total };
        if needed > budget {
            return Err(Limit::UnlockWorkExceeded.into());
        }
        for (n, (index, s)) in order.iter().enumerate() {
            // Step 6.1: the preferred slot failed; the rest must fit what is left of the
            // budget (first_work <= budget after step 5).
            if n == 1
                && first.is_some()
                && total.saturating_sub(first_work) > budget.saturating_sub(first_work)
            {
                return Err(Limit::UnlockWorkExceeded.into());
            }
            let Some(kek) = credential.kek(&s.kind)? else {
                continue;
            };
            if let Some(dek) = open_slot(&self.id, s, &kek) {
                return self.verified(dek, *policy, *index);
            }
        }
        Err(Error::UnlockFailed)
    }

    /// Unlocks with a password through one chosen password slot (SR-OP-3). Only that slot's
    /// parameters are checked against `policy`; the work budget of [`Keyring::unlock`] does
    /// not apply to one slot, whose cost the policy's ceilings already bound.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (`no_such_slot`, `wrong_slot_kind`), then as
    /// [`Keyring::unlock`] without `unlock_work_exceeded`.
    pub fn unlock_slot(
        &self,
        index: usize,
        password: &Password,
        policy: &UnlockPolicy,
    ) -> Result<UnlockedKeyring> {
        self.unlock_one(index, Credential::Password(password), policy)
    }

    /// Unlocks with a password and a secret key through one chosen secret-key slot
    /// (SR-OP-3), as [`Keyring::unlock_slot`].
    ///
    /// # Errors
    /// As [`Keyring::unlock_slot`].
    pub fn unlock_slot_with_secret_key(
        &self,
        index: usize,
        password: &Password,
        secret_key: &SecretKey,
        policy: &UnlockPolicy,
    ) -> Result<UnlockedKeyring> {
        self.unlock_one(index, Credential::SecretKey(password, secret_key), policy)
    }

    /// Steps 3 to 7 of SPEC.md 11.4 for a credential that goes through a KDF.
    fn unlock_one(
        &self,
        index: usize,
        credential: Credential<'_>,
        policy: &UnlockPolicy,
    ) -> Result<UnlockedKeyring> {
        let slot = self.slots.get(index).ok_or(InvalidInput::NoSuchSlot)?;
        if !credential.fits(&slot.kind) {
            return Err(InvalidInput::WrongSlotKind.into());
        }
        if let Some(kdf) = slot.kdf() {
            policy.check(kdf)?;
        }
        let kek = credential.kek(&slot.kind)?.ok_or(Error::UnlockFailed)?;
        match open_slot(&self.id, slot, &kek) {
            Some(dek) => self.verified(dek, *policy, index),
            None => Err(Error::UnlockFailed),
        }
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
        for (index, slot) in self.slots.iter().enumerate() {
            if slot.kind != SlotKind::Recovery {
                continue;
            }
            if let Some(dek) = open_slot(&self.id, slot, code.secret()) {
                return self.verified(dek, *policy, index);
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
            Some(dek) => self.verified(dek, *policy, index),
            None => Err(Error::UnlockFailed),
        }
    }
}
