//! Creating a keyring and changing its slots (SPEC.md 11.2, 11.6 to 11.9, 11.13). Every
//! change writes a new keyring with the generation one higher, under the same DEK.

use super::{Keyring, UnlockedKeyring};
#[cfg(doc)]
use crate::error::Error;
use crate::error::{InvalidInput, Limit, Result};
use crate::format::kdf::KdfParams;
use crate::format::keyring::{self as wire, KeySlot, SlotKind};
use crate::limits::{MAX_GENERATION, MAX_LABEL_BYTES, MAX_SLOTS};
use crate::password::Password;
use crate::policy::UnlockPolicy;
use crate::primitives::crypto;
use crate::primitives::rng::{self, OsRandom, RandomSource};
use crate::primitives::secret::Key32;
use crate::recovery::RecoveryCode;
use crate::schedule;

/// Builds one slot wrapping `dek` under `kek` (SR-KEY-2..4).
fn make_slot(
    keyring_id: &[u8; 16],
    dek: &Key32,
    kek: &Key32,
    kind: SlotKind,
    label: &str,
    nonce: [u8; 12],
) -> Result<KeySlot> {
    let header = wire::slot_header(&kind, label, &nonce)?;
    let aad = schedule::slot_aad(keyring_id, header.as_slice());
    let (wrap_key, commitment) = schedule::slot_keys(keyring_id, kek, &kind);
    let mut wrapped = [0u8; 48];
    let (ct, tag) = wrapped.split_at_mut(32);
    ct.copy_from_slice(dek.expose());
    tag.copy_from_slice(&crypto::seal_in_place(&wrap_key, &nonce, &aad, ct));
    Ok(wire::finish_slot(
        header,
        kind,
        label,
        nonce,
        wrapped,
        *commitment.expose(),
    ))
}

/// Derives a KEK for a fresh salt and wraps the DEK in a new password slot.
/// Draws salt (32) then nonce (12).
fn new_password_slot(
    id: &[u8; 16],
    dek: &Key32,
    password: &Password,
    kdf: KdfParams,
    label: &str,
    rng: &mut dyn RandomSource,
) -> Result<KeySlot> {
    let salt = rng::array::<32>(rng)?;
    let nonce = rng::array::<12>(rng)?;
    let kek = schedule::derive_kek(&kdf, password, &salt)?;
    make_slot(
        id,
        dek,
        &kek,
        SlotKind::Password { kdf, salt },
        label,
        nonce,
    )
}

impl Keyring {
    /// Creates a keyring with one password slot and returns it unlocked (SR-OP-1).
    ///
    /// `kdf` must satisfy `policy` (SR-POL-3), so the new keyring unlocks under the same
    /// policy. Uses the operating system's CSPRNG.
    ///
    /// # Errors
    /// [`Error::KdfParamsOutOfBounds`] or [`Error::OutOfPolicy`] for `kdf`,
    /// [`Error::LimitExceeded`] for a label over 64 bytes, [`Error::RandomnessUnavailable`].
    pub fn create(
        password: &Password,
        kdf: KdfParams,
        label: &str,
        policy: &UnlockPolicy,
    ) -> Result<UnlockedKeyring> {
        Self::create_with_rng(password, kdf, label, policy, &mut OsRandom)
    }

    /// [`Keyring::create`] with the caller's random source (`hazmat`). Draws, in order:
    /// keyring id (16), DEK (32), salt (32), nonce (12).
    pub(crate) fn create_with_rng(
        password: &Password,
        kdf: KdfParams,
        label: &str,
        policy: &UnlockPolicy,
        rng: &mut dyn RandomSource,
    ) -> Result<UnlockedKeyring> {
        // SPEC.md 11.2: label, then the KDF parameters, then randomness.
        if label.len() > MAX_LABEL_BYTES {
            return Err(Limit::LabelTooLong.into());
        }
        policy.check(&kdf)?;
        let id = rng::array::<16>(rng)?;
        let dek = Key32::from_bytes(rng::array::<32>(rng)?);
        let slot = new_password_slot(&id, &dek, password, kdf, label, rng)?;
        let keyring = Keyring::build(id, 0, vec![slot], &dek)?;
        Ok(UnlockedKeyring::new(keyring, dek, *policy))
    }
}

impl UnlockedKeyring {
    /// The generation a change will write; checked before any randomness is drawn or KDF
    /// run (SR-OP-12).
    fn next_generation(&self) -> Result<u64> {
        self.keyring
            .generation
            .checked_add(1)
            .filter(|g| *g <= MAX_GENERATION)
            .ok_or(Limit::GenerationExhausted.into())
    }

    fn replace_slots(&mut self, generation: u64, slots: Vec<KeySlot>) -> Result<()> {
        self.keyring = Keyring::build(self.keyring.id, generation, slots, &self.dek)?;
        Ok(())
    }

    /// Re-wraps the DEK in password slot `index` under a new password, a fresh salt and
    /// nonce and the given parameters; other slots and all records are untouched (SR-OP-5).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (`no_such_slot`, `wrong_slot_kind`), [`Error::OutOfPolicy`]
    /// or [`Error::KdfParamsOutOfBounds`] for `kdf`, [`Error::RandomnessUnavailable`].
    pub fn change_password(
        &mut self,
        index: usize,
        new_password: &Password,
        kdf: KdfParams,
    ) -> Result<()> {
        self.change_password_with_rng(index, new_password, kdf, &mut OsRandom)
    }

    /// [`UnlockedKeyring::change_password`] with the caller's random source (`hazmat`).
    pub(crate) fn change_password_with_rng(
        &mut self,
        index: usize,
        new_password: &Password,
        kdf: KdfParams,
        rng: &mut dyn RandomSource,
    ) -> Result<()> {
        let slot = self
            .keyring
            .slots
            .get(index)
            .ok_or(InvalidInput::NoSuchSlot)?;
        if !matches!(slot.kind, SlotKind::Password { .. }) {
            return Err(InvalidInput::WrongSlotKind.into());
        }
        self.policy.check(&kdf)?;
        let generation = self.next_generation()?;
        let label = slot.label.clone();
        let new_slot =
            new_password_slot(&self.keyring.id, &self.dek, new_password, kdf, &label, rng)?;
        let mut slots = self.keyring.slots.clone();
        if let Some(s) = slots.get_mut(index) {
            *s = new_slot;
        }
        self.replace_slots(generation, slots)
    }

    /// Appends a password slot (SR-OP-6).
    ///
    /// # Errors
    /// [`Error::LimitExceeded`] (`too_many_slots`, `label_too_long`), [`Error::OutOfPolicy`],
    /// [`Error::KdfParamsOutOfBounds`], [`Error::RandomnessUnavailable`].
    pub fn add_password_slot(
        &mut self,
        password: &Password,
        kdf: KdfParams,
        label: &str,
    ) -> Result<()> {
        self.add_password_slot_with_rng(password, kdf, label, &mut OsRandom)
    }

    /// [`UnlockedKeyring::add_password_slot`] with the caller's random source (`hazmat`).
    pub(crate) fn add_password_slot_with_rng(
        &mut self,
        password: &Password,
        kdf: KdfParams,
        label: &str,
        rng: &mut dyn RandomSource,
    ) -> Result<()> {
        self.check_room(label)?;
        self.policy.check(&kdf)?;
        let generation = self.next_generation()?;
        let slot = new_password_slot(&self.keyring.id, &self.dek, password, kdf, label, rng)?;
        let mut slots = self.keyring.slots.clone();
        slots.push(slot);
        self.replace_slots(generation, slots)
    }

    /// Appends a recovery slot and returns its code, to be shown to the user once
    /// (SR-OP-6, SR-REC-2).
    ///
    /// ```
    /// use strongroom::{KdfParams, Keyring, Password, RecoveryCode, UnlockPolicy};
    ///
    /// # fn main() -> Result<(), strongroom::Error> {
    /// # // Small parameters keep the example fast; real keyrings keep the default policy.
    /// # let policy = UnlockPolicy::builder().pbkdf2_iterations(1_000..=2_000_000).build()?;
    /// let password = Password::new("correct horse battery staple")?;
    /// let kdf = KdfParams::Pbkdf2Sha256 { iterations: 1_000 };
    /// let mut unlocked = Keyring::create(&password, kdf, "laptop", &policy)?;
    ///
    /// // Show the code once; store the new keyring, never the code.
    /// let code = unlocked.add_recovery_slot("paper")?;
    /// let on_paper: String = code.expose().to_string();
    /// let stored = unlocked.keyring().to_text();
    /// drop(unlocked);
    ///
    /// // Password forgotten: the code, typed back in any case and grouping, opens the keyring.
    /// let typed = on_paper.to_lowercase().replace('-', " ");
    /// let keyring = Keyring::from_text(&stored)?;
    /// let mut recovered = keyring.unlock_with_recovery(&RecoveryCode::parse(&typed)?, &policy)?;
    /// recovered.change_password(0, &Password::new("a new passphrase")?, kdf)?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`Error::LimitExceeded`] (`too_many_slots`, `label_too_long`),
    /// [`Error::RandomnessUnavailable`].
    pub fn add_recovery_slot(&mut self, label: &str) -> Result<RecoveryCode> {
        self.add_recovery_slot_with_rng(label, &mut OsRandom)
    }

    /// [`UnlockedKeyring::add_recovery_slot`] with the caller's random source (`hazmat`).
    /// Draws the secret (32) then the nonce (12).
    pub(crate) fn add_recovery_slot_with_rng(
        &mut self,
        label: &str,
        rng: &mut dyn RandomSource,
    ) -> Result<RecoveryCode> {
        self.check_room(label)?;
        let generation = self.next_generation()?;
        let secret = Key32::from_bytes(rng::array::<32>(rng)?);
        let nonce = rng::array::<12>(rng)?;
        let slot = make_slot(
            &self.keyring.id,
            &self.dek,
            &secret,
            SlotKind::Recovery,
            label,
            nonce,
        )?;
        let mut slots = self.keyring.slots.clone();
        slots.push(slot);
        self.replace_slots(generation, slots)?;
        Ok(RecoveryCode::from_secret(secret))
    }

    fn check_room(&self, label: &str) -> Result<()> {
        if self.keyring.slots.len() >= MAX_SLOTS {
            return Err(Limit::TooManySlots.into());
        }
        if label.len() > MAX_LABEL_BYTES {
            return Err(Limit::LabelTooLong.into());
        }
        Ok(())
    }

    /// Removes slot `index`; the last slot cannot be removed (SR-OP-7).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (`no_such_slot`, `last_slot`).
    pub fn remove_slot(&mut self, index: usize) -> Result<()> {
        if index >= self.keyring.slots.len() {
            return Err(InvalidInput::NoSuchSlot.into());
        }
        if self.keyring.slots.len() == 1 {
            return Err(InvalidInput::LastSlot.into());
        }
        let generation = self.next_generation()?;
        let mut slots = self.keyring.slots.clone();
        slots.remove(index);
        self.replace_slots(generation, slots)
    }
}
