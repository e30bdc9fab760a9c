//! Keyrings: creating, unlocking and changing them (SPEC.md, "Operations").

use core::fmt;

use crate::crypto::{self, Prk};
use crate::error::{Error, InvalidInput, Limit, Result};
use crate::format::keyring::{
    self as wire, KeySlot, MAX_GENERATION, MAX_KEYRING_LEN, MAX_SLOTS, SlotKind,
};
use crate::format::record::Hex;
use crate::format::text;
use crate::kdf::{KdfParams, UnlockPolicy};
use crate::recovery::RecoveryCode;
use crate::rng::{self, OsRandom, RandomSource};
use crate::secret::{Key32, Password};

/// A keyring as stored on the server: the DEK wrapped in one to eight key slots, under a
/// MAC keyed from the DEK. Decoding one proves only that it is well formed; nothing in it is
/// trusted until [`Keyring::unlock`] has verified the MAC.
#[derive(Clone, PartialEq, Eq)]
pub struct Keyring {
    id: [u8; 16],
    generation: u64,
    slots: Vec<KeySlot>,
    mac: [u8; 32],
    encoded: Vec<u8>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("id", &Hex(&self.id))
            .field("generation", &self.generation)
            .field("slots", &self.slots.len())
            .finish_non_exhaustive()
    }
}

/// A keyring whose DEK is in memory: it seals and opens records and changes slots.
///
/// The DEK and the record root key are wiped when this is dropped. `Send + Sync`, so one
/// unlocked keyring can serve several threads.
pub struct UnlockedKeyring {
    keyring: Keyring,
    dek: Key32,
    /// Derived once here rather than per record: records never see the DEK (SR-KEY-14).
    record_root: Key32,
    policy: UnlockPolicy,
}

impl fmt::Debug for UnlockedKeyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnlockedKeyring")
            .field("keyring", &self.keyring)
            .finish_non_exhaustive()
    }
}

/// Intermediate values of one slot, for test vectors and debugging a port.
#[doc(hidden)]
pub struct SlotSecrets {
    pub kek: [u8; 32],
    pub prk: [u8; 32],
    pub wrap_key: [u8; 32],
    pub commitment: [u8; 32],
    pub aad: Vec<u8>,
}

fn slot_labels(kind: &SlotKind) -> (&'static [u8], &'static [u8]) {
    match kind {
        SlotKind::Password { .. } => (crypto::LABEL_PASSWORD_WRAP, crypto::LABEL_PASSWORD_COMMIT),
        SlotKind::Recovery => (crypto::LABEL_RECOVERY_WRAP, crypto::LABEL_RECOVERY_COMMIT),
    }
}

/// enc(keyring_id) || slot header bytes (SR-KEY-3).
fn slot_aad(keyring_id: &[u8; 16], slot_header: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(slot_header.len().saturating_add(17));
    aad.push(0x50);
    aad.extend_from_slice(keyring_id);
    aad.extend_from_slice(slot_header);
    aad
}

/// wrap key and commitment from a KEK (SR-KEY-2).
fn slot_keys(keyring_id: &[u8; 16], kek: &Key32, kind: &SlotKind) -> (Key32, Key32) {
    let prk = Prk::extract(keyring_id, kek.as_bytes());
    let (wrap_label, commit_label) = slot_labels(kind);
    (prk.expand(&[wrap_label]), prk.expand(&[commit_label]))
}

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
    let aad = slot_aad(keyring_id, header.as_slice());
    let (wrap_key, commitment) = slot_keys(keyring_id, kek, &kind);
    let mut wrapped = [0u8; 48];
    let (ct, tag) = wrapped.split_at_mut(32);
    ct.copy_from_slice(dek.as_bytes());
    tag.copy_from_slice(&crypto::seal_in_place(&wrap_key, &nonce, &aad, ct));
    Ok(wire::finish_slot(
        header,
        kind,
        label,
        nonce,
        wrapped,
        *commitment.as_bytes(),
    ))
}

/// Tries to open one slot with a KEK: commitment first, in constant time, then AES-GCM.
/// Both failures are the same `None` (SR-OP-2).
fn open_slot(keyring_id: &[u8; 16], slot: &KeySlot, kek: &Key32) -> Option<Key32> {
    let (wrap_key, commitment) = slot_keys(keyring_id, kek, &slot.kind);
    if !crypto::ct_eq(commitment.as_bytes(), &slot.commitment) {
        return None;
    }
    let aad = slot_aad(keyring_id, slot.aad_part());
    let mut dek = Key32::zero();
    let (ct, tag) = slot.wrapped.split_at(32);
    dek.as_mut().copy_from_slice(ct);
    let tag: [u8; 16] = tag.try_into().ok()?;
    crypto::open_in_place(&wrap_key, &slot.nonce, &aad, dek.as_mut(), &tag).ok()?;
    Some(dek)
}

fn mac_key(keyring_id: &[u8; 16], dek: &Key32) -> Key32 {
    Prk::extract(keyring_id, dek.as_bytes()).expand(&[crypto::LABEL_KEYRING_MAC])
}

/// The record root key (SR-KEY-14): the MAC key's sibling under prk_ring, so that a holder
/// of it can derive record keys but neither the DEK nor the MAC key.
fn record_root(keyring_id: &[u8; 16], dek: &Key32) -> Key32 {
    Prk::extract(keyring_id, dek.as_bytes()).expand(&[crypto::LABEL_RECORD_ROOT])
}

impl Keyring {
    /// Assembles and MACs a keyring (SR-KEY-6).
    fn build(id: [u8; 16], generation: u64, slots: Vec<KeySlot>, dek: &Key32) -> Result<Self> {
        if slots.len() > MAX_SLOTS {
            return Err(Error::LimitExceeded(Limit::TooManySlots));
        }
        if generation > MAX_GENERATION {
            return Err(Error::LimitExceeded(Limit::GenerationExhausted));
        }
        let body = wire::keyring_body(&id, generation, &slots);
        let mac = crypto::hmac(&mac_key(&id, dek), body.as_slice());
        let encoded = wire::finish_keyring(body, &mac);
        debug_assert!(encoded.len() <= MAX_KEYRING_LEN);
        Ok(Keyring {
            id,
            generation,
            slots,
            mac,
            encoded,
        })
    }

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

    /// [`Keyring::create`] with an explicit random source (for reproducible test vectors).
    /// Draws, in order: keyring id (16), DEK (32), salt (32), nonce (12).
    ///
    /// # Errors
    /// As [`Keyring::create`].
    pub fn create_with_rng(
        password: &Password,
        kdf: KdfParams,
        label: &str,
        policy: &UnlockPolicy,
        rng: &mut dyn RandomSource,
    ) -> Result<UnlockedKeyring> {
        // SPEC.md 11.2: label, then the KDF parameters, then randomness.
        if label.len() > wire::MAX_LABEL_BYTES {
            return Err(Error::LimitExceeded(Limit::LabelTooLong));
        }
        policy.check(&kdf)?;
        let id = rng::array::<16>(rng)?;
        let dek = Key32::from_bytes(rng::array::<32>(rng)?);
        let slot = new_password_slot(&id, &dek, password, kdf, label, rng)?;
        let keyring = Keyring::build(id, 0, vec![slot], &dek)?;
        Ok(UnlockedKeyring::new(keyring, dek, *policy))
    }

    /// Decodes a keyring from its binary encoding, strictly (SR-CBOR, SR-OBJ, SR-KDF-3).
    ///
    /// # Errors
    /// [`Error::Malformed`] with a reason code, [`Error::UnsupportedVersion`],
    /// [`Error::UnsupportedAlgorithm`] or [`Error::KdfParamsOutOfBounds`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let parts = wire::decode_keyring(bytes)?;
        Ok(Keyring {
            id: parts.id,
            generation: parts.generation,
            slots: parts.slots,
            mac: parts.mac,
            encoded: bytes.to_vec(),
        })
    }

    /// Decodes a keyring from its text form (`srk1.` and base64url).
    ///
    /// # Errors
    /// As [`Keyring::from_bytes`], plus `text_prefix` and `text_encoding`.
    pub fn from_text(s: &str) -> Result<Self> {
        Self::from_bytes(&text::decode(text::KEYRING_PREFIX, s, MAX_KEYRING_LEN)?)
    }

    /// The exact binary encoding.
    pub fn as_bytes(&self) -> &[u8] {
        &self.encoded
    }

    /// The text form: `srk1.` followed by unpadded base64url.
    pub fn to_text(&self) -> String {
        text::encode(text::KEYRING_PREFIX, &self.encoded)
    }

    /// The random 16-byte keyring id. Stable for the keyring's life: pin it.
    pub fn id(&self) -> &[u8; 16] {
        &self.id
    }

    /// The generation counter, bumped by every change. A client that remembers the highest
    /// generation it has seen can refuse a rolled-back keyring (SR-OP-10).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The key slots, in order.
    pub fn slots(&self) -> &[KeySlot] {
        &self.slots
    }

    /// The keyring MAC.
    pub fn mac(&self) -> &[u8; 32] {
        &self.mac
    }

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
        let slot = self
            .slots
            .get(index)
            .ok_or(Error::InvalidInput(InvalidInput::NoSuchSlot))?;
        if !matches!(slot.kind, SlotKind::Password { .. }) {
            return Err(Error::InvalidInput(InvalidInput::WrongSlotKind));
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
            let kek = kdf.derive_kek(password, salt)?;
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
        let slot = self
            .slots
            .get(index)
            .ok_or(Error::InvalidInput(InvalidInput::NoSuchSlot))?;
        if slot.kind != SlotKind::Recovery {
            return Err(Error::InvalidInput(InvalidInput::WrongSlotKind));
        }
        match open_slot(&self.id, slot, code.secret()) {
            Some(dek) => self.verified(dek, *policy),
            None => Err(Error::UnlockFailed),
        }
    }

    /// Checks the keyring MAC over the exact received bytes before reporting success
    /// (SR-KEY-6).
    fn verified(&self, dek: Key32, policy: UnlockPolicy) -> Result<UnlockedKeyring> {
        let mac = crypto::hmac(&mac_key(&self.id, &dek), wire::mac_input(&self.encoded));
        if !crypto::ct_eq(&mac, &self.mac) {
            return Err(Error::KeyringTampered);
        }
        Ok(UnlockedKeyring::new(self.clone(), dek, policy))
    }

    /// Re-encodes the keyring from its decoded fields alone, slot by slot, without looking
    /// at the bytes it was decoded from. Equal to [`Keyring::as_bytes`] for every accepted
    /// input (SR-CBOR-9); tests and fuzz oracles check exactly that.
    #[doc(hidden)]
    pub fn reencode(&self) -> Result<Vec<u8>> {
        let mut slots = Vec::with_capacity(self.slots.len());
        for s in &self.slots {
            let header = wire::slot_header(&s.kind, &s.label, &s.nonce)?;
            slots.push(wire::finish_slot(
                header,
                s.kind,
                &s.label,
                s.nonce,
                s.wrapped,
                s.commitment,
            ));
        }
        let body = wire::keyring_body(&self.id, self.generation, &slots);
        Ok(wire::finish_keyring(body, &self.mac))
    }

    /// Intermediate values of slot `index` for a given KEK (vectors and debugging only).
    #[doc(hidden)]
    pub fn slot_secrets(&self, index: usize, kek: &[u8; 32]) -> Option<SlotSecrets> {
        let slot = self.slots.get(index)?;
        let kek = Key32::from_bytes(*kek);
        let (wrap_key, commitment) = slot_keys(&self.id, &kek, &slot.kind);
        Some(SlotSecrets {
            kek: *kek.as_bytes(),
            prk: *crypto::extract_bytes(&self.id, kek.as_bytes()).as_bytes(),
            wrap_key: *wrap_key.as_bytes(),
            commitment: *commitment.as_bytes(),
            aad: slot_aad(&self.id, slot.aad_part()),
        })
    }
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
    let kek = kdf.derive_kek(password, &salt)?;
    make_slot(
        id,
        dek,
        &kek,
        SlotKind::Password { kdf, salt },
        label,
        nonce,
    )
}

impl UnlockedKeyring {
    /// The only constructor, so that every unlocked keyring carries the record root key of
    /// its DEK. The keyring id never changes afterwards, so neither does the root key.
    fn new(keyring: Keyring, dek: Key32, policy: UnlockPolicy) -> Self {
        let record_root = record_root(&keyring.id, &dek);
        UnlockedKeyring {
            keyring,
            dek,
            record_root,
            policy,
        }
    }

    /// The current keyring, to store after any change.
    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// The policy that new slot parameters must satisfy.
    pub fn policy(&self) -> &UnlockPolicy {
        &self.policy
    }

    pub(crate) fn record_root(&self) -> &Key32 {
        &self.record_root
    }

    /// The generation a change will write; checked before any randomness is drawn or KDF
    /// run (SR-OP-12).
    fn next_generation(&self) -> Result<u64> {
        self.keyring
            .generation
            .checked_add(1)
            .filter(|g| *g <= MAX_GENERATION)
            .ok_or(Error::LimitExceeded(Limit::GenerationExhausted))
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

    /// [`UnlockedKeyring::change_password`] with an explicit random source.
    ///
    /// # Errors
    /// As [`UnlockedKeyring::change_password`].
    pub fn change_password_with_rng(
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
            .ok_or(Error::InvalidInput(InvalidInput::NoSuchSlot))?;
        if !matches!(slot.kind, SlotKind::Password { .. }) {
            return Err(Error::InvalidInput(InvalidInput::WrongSlotKind));
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

    /// [`UnlockedKeyring::add_password_slot`] with an explicit random source.
    ///
    /// # Errors
    /// As [`UnlockedKeyring::add_password_slot`].
    pub fn add_password_slot_with_rng(
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
    /// use strongroom::{Bounds, KdfParams, Keyring, Password, RecoveryCode, UnlockPolicy};
    ///
    /// # fn main() -> Result<(), strongroom::Error> {
    /// # // Small parameters keep the example fast; real keyrings keep the default policy.
    /// # let policy = UnlockPolicy::new(
    /// #     Bounds::new(1_000, 2_000_000),
    /// #     Bounds::new(19_456, 262_144),
    /// #     Bounds::new(2, 8),
    /// #     Bounds::new(1, 8),
    /// # )?;
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

    /// [`UnlockedKeyring::add_recovery_slot`] with an explicit random source.
    /// Draws the secret (32) then the nonce (12).
    ///
    /// # Errors
    /// As [`UnlockedKeyring::add_recovery_slot`].
    pub fn add_recovery_slot_with_rng(
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
            return Err(Error::LimitExceeded(Limit::TooManySlots));
        }
        if label.len() > wire::MAX_LABEL_BYTES {
            return Err(Error::LimitExceeded(Limit::LabelTooLong));
        }
        Ok(())
    }

    /// Removes slot `index`; the last slot cannot be removed (SR-OP-7).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (`no_such_slot`, `last_slot`).
    pub fn remove_slot(&mut self, index: usize) -> Result<()> {
        if index >= self.keyring.slots.len() {
            return Err(Error::InvalidInput(InvalidInput::NoSuchSlot));
        }
        if self.keyring.slots.len() == 1 {
            return Err(Error::InvalidInput(InvalidInput::LastSlot));
        }
        let generation = self.next_generation()?;
        let mut slots = self.keyring.slots.clone();
        slots.remove(index);
        self.replace_slots(generation, slots)
    }

    /// prk_ring = HKDF-Extract(keyring_id, DEK) (vectors and debugging only).
    #[doc(hidden)]
    pub fn keyring_prk_bytes(&self) -> [u8; 32] {
        *crypto::extract_bytes(&self.keyring.id, self.dek.as_bytes()).as_bytes()
    }

    /// The keyring MAC key (vectors and debugging only).
    #[doc(hidden)]
    pub fn mac_key_bytes(&self) -> [u8; 32] {
        *mac_key(&self.keyring.id, &self.dek).as_bytes()
    }

    /// The record root key (SR-KEY-14; vectors, benches and debugging only).
    #[doc(hidden)]
    pub fn record_root_bytes(&self) -> [u8; 32] {
        *self.record_root.as_bytes()
    }

    /// The DEK itself (vectors and debugging only).
    #[doc(hidden)]
    pub fn dek_bytes(&self) -> [u8; 32] {
        *self.dek.as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Bounds;
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    fn bare_hmac(key: &[u8], msg: &[&[u8]]) -> [u8; 32] {
        let mut m = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key).unwrap();
        for part in msg {
            m.update(part);
        }
        m.finalize().into_bytes().into()
    }

    /// Counts up from its start byte: from 0, the keyring id 00..0f and DEK 10..2f of
    /// SPEC.md Appendix A.
    struct Scripted(u8);

    impl RandomSource for Scripted {
        fn fill(&mut self, dest: &mut [u8]) -> Result<()> {
            for b in dest {
                *b = self.0;
                self.0 = self.0.wrapping_add(1);
            }
            Ok(())
        }
    }

    // SR-KEY-14: the record root key is HMAC-SHA256(prk_ring, LABEL_RECORD_ROOT || 01) with
    // prk_ring = HMAC-SHA256(keyring_id, DEK), recomputed here with bare HMAC calls from
    // SPEC.md's formula, and equals SPEC.md Appendix A.3's value for keyring id 00..0f and
    // DEK 10..2f. An unlocked keyring carries it from create, unlock and every change.
    #[test]
    fn sr_key_14_record_root() {
        let id: [u8; 16] = core::array::from_fn(|i| i as u8);
        let dek = Key32::from_bytes(core::array::from_fn(|i| 0x10 + i as u8));
        let prk_ring = bare_hmac(&id, &[dek.as_bytes()]);
        let expected = bare_hmac(&prk_ring, &[b"strongroom/v1/record/root-key", &[1]]);
        assert_eq!(
            hex::encode(expected),
            "2734fb206ea3a6d0502a6b6b1093f4a971cd35b81ec5e381f8126371b8517670"
        );
        assert_eq!(record_root(&id, &dek).as_bytes(), &expected);
        // Siblings under one prk_ring, with distinct labels: never equal.
        assert_ne!(mac_key(&id, &dek).as_bytes(), &expected);

        let policy = UnlockPolicy::new(
            Bounds::new(1, 10),
            Bounds::new(8, 64),
            Bounds::new(1, 2),
            Bounds::new(1, 2),
        )
        .unwrap();
        let pw = Password::new("pw").unwrap();
        let kdf = KdfParams::Pbkdf2Sha256 { iterations: 1 };
        let mut created =
            Keyring::create_with_rng(&pw, kdf, "t", &policy, &mut Scripted(0)).unwrap();
        assert_eq!(created.dek_bytes(), *dek.as_bytes());
        assert_eq!(created.record_root_bytes(), expected);
        created.add_recovery_slot("r").unwrap();
        assert_eq!(created.record_root_bytes(), expected);
        let unlocked = created.keyring().unlock(&pw, &policy).unwrap();
        assert_eq!(unlocked.record_root_bytes(), expected);
    }
}
