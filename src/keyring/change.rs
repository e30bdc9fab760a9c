//! Creating a keyring and changing its slots (SPEC.md 11.2, 11.2.1, 11.6 to 11.9, 11.13).
//! Every change writes a new keyring with the generation one higher, under the same DEK.

use super::{Keyring, UnlockedKeyring};
use crate::error::{Error, InvalidInput, Limit, Result};
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
use crate::secret_key::SecretKey;

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
    let (wrap_key, commitment) =
        schedule::slot_keys(keyring_id, kek, &kind).ok_or(InvalidInput::WrongSlotKind)?;
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

/// Derives a KEK for a fresh salt and wraps the DEK in a new password slot, or a new
/// secret-key slot when a secret key is given (SR-KEY-16). Draws salt (32) then nonce (12).
fn new_password_slot(
    id: &[u8; 16],
    dek: &Key32,
    password: &Password,
    secret_key: Option<&SecretKey>,
    kdf: KdfParams,
    label: &str,
    rng: &mut dyn RandomSource,
) -> Result<KeySlot> {
    let salt = rng::array::<32>(rng)?;
    let nonce = rng::array::<12>(rng)?;
    let (kek, kind) = match secret_key {
        None => (
            schedule::derive_kek(&kdf, password, &salt)?,
            SlotKind::Password { kdf, salt },
        ),
        Some(sk) => (
            schedule::derive_secret_key_kek(&kdf, password, sk.bytes(), &salt)?,
            SlotKind::SecretKey { kdf, salt },
        ),
    };
    make_slot(id, dek, &kek, kind, label, nonce)
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
        Self::create_slot(password, false, kdf, label, policy, rng).map(|(u, _)| u)
    }

    /// Creates a keyring with one secret-key slot (SR-OP-19) under a new secret key, and
    /// returns it unlocked with the secret key. Show the key's code to the user once, for
    /// the emergency kit ([`SecretKey::expose`], SR-SK-2), and keep the key on the device:
    /// every unlock of the slot needs it ([`Keyring::unlock_secret_key`]).
    ///
    /// A server that holds the keyring and every record cannot guess the password offline
    /// without the 128-bit secret key as well (SPEC.md 18.11). Uses the operating system's
    /// CSPRNG.
    ///
    /// ```
    /// use strongroom::{KdfParams, Keyring, Password, SecretKey, UnlockPolicy};
    ///
    /// # fn main() -> Result<(), strongroom::Error> {
    /// # let policy = UnlockPolicy::builder().pbkdf2_iterations(1_000..=2_000_000).build()?;
    /// let password = Password::new("correct horse battery staple")?;
    /// let kdf = KdfParams::Pbkdf2Sha256 { iterations: 1_000 };
    /// let (unlocked, secret_key) = Keyring::create_with_secret_key(&password, kdf, "laptop", &policy)?;
    /// let emergency_kit = secret_key.expose().to_string(); // shown once
    /// let stored = unlocked.keyring().to_text();
    ///
    /// // The password alone opens nothing; with the secret key it does.
    /// let keyring = Keyring::from_text(&stored)?;
    /// assert!(keyring.unlock(&password, &policy).is_err());
    /// let secret_key = SecretKey::parse(&emergency_kit)?;
    /// let unlocked = keyring.unlock_secret_key(&password, &secret_key, &policy)?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// As [`Keyring::create`].
    pub fn create_with_secret_key(
        password: &Password,
        kdf: KdfParams,
        label: &str,
        policy: &UnlockPolicy,
    ) -> Result<(UnlockedKeyring, SecretKey)> {
        Self::create_with_secret_key_with_rng(password, kdf, label, policy, &mut OsRandom)
    }

    /// [`Keyring::create_with_secret_key`] with the caller's random source (`hazmat`).
    /// Draws, in order: keyring id (16), DEK (32), secret key (16), salt (32), nonce (12).
    pub(crate) fn create_with_secret_key_with_rng(
        password: &Password,
        kdf: KdfParams,
        label: &str,
        policy: &UnlockPolicy,
        rng: &mut dyn RandomSource,
    ) -> Result<(UnlockedKeyring, SecretKey)> {
        let (unlocked, secret_key) = Self::create_slot(password, true, kdf, label, policy, rng)?;
        let secret_key = secret_key.ok_or(Error::RandomnessUnavailable)?;
        Ok((unlocked, secret_key))
    }

    /// SPEC.md 11.2, and 11.2.1 with a secret key drawn right after the DEK.
    fn create_slot(
        password: &Password,
        with_secret_key: bool,
        kdf: KdfParams,
        label: &str,
        policy: &UnlockPolicy,
        rng: &mut dyn RandomSource,
    ) -> Result<(UnlockedKeyring, Option<SecretKey>)> {
        // SPEC.md 11.2: label, then the KDF parameters, then randomness.
        if label.len() > MAX_LABEL_BYTES {
            return Err(Limit::LabelTooLong.into());
        }
        policy.check(&kdf)?;
        let id = rng::array::<16>(rng)?;
        let dek = Key32::from_bytes(rng::array::<32>(rng)?);
        let secret_key = if with_secret_key {
            Some(SecretKey::generate_with_rng(rng)?)
        } else {
            None
        };
        let slot = new_password_slot(&id, &dek, password, secret_key.as_ref(), kdf, label, rng)?;
        let keyring = Keyring::build(id, 0, vec![slot], &dek)?;
        Ok((
            UnlockedKeyring::new(keyring, dek, *policy, Some(0)),
            secret_key,
        ))
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
    /// `kdf` may not be weaker than the slot's current KDF ([`KdfParams::is_weaker_than`],
    /// SR-KDF-8), so that a change with default parameters never silently lowers what the
    /// user had; [`UnlockedKeyring::change_password_allowing_weaker_kdf`] allows it for one
    /// change. The parameters are the caller's, never taken from the keyring (SR-KDF-6).
    /// A secret-key slot is changed by adding a new one and removing the old one.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (`no_such_slot`, `wrong_slot_kind` for any slot but a
    /// password slot, `weaker_kdf`), [`Error::OutOfPolicy`] or
    /// [`Error::KdfParamsOutOfBounds`] for `kdf`, [`Error::LimitExceeded`]
    /// (`generation_exhausted`), [`Error::RandomnessUnavailable`].
    pub fn change_password(
        &mut self,
        index: usize,
        new_password: &Password,
        kdf: KdfParams,
    ) -> Result<()> {
        self.change_password_with_rng(index, new_password, kdf, false, &mut OsRandom)
    }

    /// [`UnlockedKeyring::change_password`] that accepts a KDF weaker than the slot's for
    /// this one change (SR-KDF-8): for a user who chose to make unlocking cheaper, for
    /// example on a slow device. Every other check applies.
    ///
    /// # Errors
    /// As [`UnlockedKeyring::change_password`], without `weaker_kdf`.
    pub fn change_password_allowing_weaker_kdf(
        &mut self,
        index: usize,
        new_password: &Password,
        kdf: KdfParams,
    ) -> Result<()> {
        self.change_password_with_rng(index, new_password, kdf, true, &mut OsRandom)
    }

    /// [`UnlockedKeyring::change_password`] with the caller's random source (`hazmat`).
    pub(crate) fn change_password_with_rng(
        &mut self,
        index: usize,
        new_password: &Password,
        kdf: KdfParams,
        allow_weaker_kdf: bool,
        rng: &mut dyn RandomSource,
    ) -> Result<()> {
        let slot = self
            .keyring
            .slots
            .get(index)
            .ok_or(InvalidInput::NoSuchSlot)?;
        let SlotKind::Password { kdf: current, .. } = slot.kind else {
            return Err(InvalidInput::WrongSlotKind.into());
        };
        self.policy.check(&kdf)?;
        if !allow_weaker_kdf && kdf.is_weaker_than(&current) {
            return Err(InvalidInput::WeakerKdf.into());
        }
        let generation = self.next_generation()?;
        let label = slot.label.clone();
        let new_slot = new_password_slot(
            &self.keyring.id,
            &self.dek,
            new_password,
            None,
            kdf,
            &label,
            rng,
        )?;
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
        self.add_kdf_slot(password, None, kdf, label, rng)
    }

    /// Appends a secret-key slot (SR-OP-21): unlocked with `password` and `secret_key`
    /// together ([`Keyring::unlock_secret_key`]). Pass the secret key the user already has
    /// (parsed from their emergency kit, [`SecretKey::parse`]), so that one kit serves every
    /// slot, or a new one from [`SecretKey::generate`], whose code the user must then see
    /// once (SR-SK-2).
    ///
    /// # Errors
    /// As [`UnlockedKeyring::add_password_slot`].
    pub fn add_secret_key_slot(
        &mut self,
        password: &Password,
        secret_key: &SecretKey,
        kdf: KdfParams,
        label: &str,
    ) -> Result<()> {
        self.add_secret_key_slot_with_rng(password, secret_key, kdf, label, &mut OsRandom)
    }

    /// [`UnlockedKeyring::add_secret_key_slot`] with the caller's random source (`hazmat`).
    pub(crate) fn add_secret_key_slot_with_rng(
        &mut self,
        password: &Password,
        secret_key: &SecretKey,
        kdf: KdfParams,
        label: &str,
        rng: &mut dyn RandomSource,
    ) -> Result<()> {
        self.add_kdf_slot(password, Some(secret_key), kdf, label, rng)
    }

    /// SPEC.md 11.7 (and 11.7.1 with a secret key) from step 2 on.
    fn add_kdf_slot(
        &mut self,
        password: &Password,
        secret_key: Option<&SecretKey>,
        kdf: KdfParams,
        label: &str,
        rng: &mut dyn RandomSource,
    ) -> Result<()> {
        self.check_room(label)?;
        self.policy.check(&kdf)?;
        let generation = self.next_generation()?;
        let slot = new_password_slot(
            &self.keyring.id,
            &self.dek,
            password,
            secret_key,
            kdf,
            label,
            rng,
        )?;
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

    /// Removes slot `index`, of any kind, including one of a kind this implementation does
    /// not implement (SR-OP-18); the last slot cannot be removed (SR-OP-7).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (`no_such_slot`, `last_slot`), [`Error::LimitExceeded`]
    /// (`generation_exhausted`).
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
        self.replace_slots(generation, slots)?;
        self.slot_index = match self.slot_index {
            Some(opened) if opened == index => None,
            Some(opened) if opened > index => opened.checked_sub(1),
            other => other,
        };
        Ok(())
    }
}
