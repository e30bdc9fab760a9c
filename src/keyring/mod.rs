//! Keyrings (SPEC.md section 11): the [`Keyring`] as stored, and the [`UnlockedKeyring`]
//! that holds its DEK. Decoding, the keyring MAC and the authentication tag (11.14) are
//! here; unlocking (11.3 to 11.5) is in `unlock.rs`, creating and changing (11.2, 11.6 to
//! 11.9) in `change.rs`, pins (11.12) in `pin.rs`.

mod change;
mod pin;
mod unlock;

pub use pin::KeyringPin;

use core::fmt;

use sha2::{Digest, Sha256};

use crate::error::{Limit, Result};
use crate::format::Hex;
use crate::format::keyring::{self as wire, KeySlot};
use crate::format::text;
use crate::limits::{MAX_GENERATION, MAX_KEYRING_LEN, MAX_PLAINTEXT_LEN, MAX_SLOTS};
use crate::policy::UnlockPolicy;
use crate::primitives::crypto;
use crate::primitives::rng::RecordRandomness;
use crate::primitives::secret::Key32;
use crate::schedule;

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
    /// The key of checkpoint MACs (SR-LOG-7), derived once like the record root.
    log_key: Key32,
    policy: UnlockPolicy,
    record_randomness: RecordRandomness,
    /// The slot that opened the keyring (the one created, for a new keyring), moved along
    /// when a slot before it is removed; none once it is removed (SPEC.md 11 preamble).
    slot_index: Option<usize>,
}

impl fmt::Debug for UnlockedKeyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnlockedKeyring")
            .field("keyring", &self.keyring)
            .field("slot_index", &self.slot_index)
            .finish_non_exhaustive()
    }
}

impl Keyring {
    /// Assembles and MACs a keyring (SR-KEY-6).
    fn build(id: [u8; 16], generation: u64, slots: Vec<KeySlot>, dek: &Key32) -> Result<Self> {
        if slots.len() > MAX_SLOTS {
            return Err(Limit::TooManySlots.into());
        }
        if generation > MAX_GENERATION {
            return Err(Limit::GenerationExhausted.into());
        }
        let body = wire::keyring_body(&id, generation, &slots);
        let mac = crypto::hmac(&schedule::mac_key(&id, dek), body.as_slice());
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

    /// Decodes a keyring from its binary encoding, strictly (SR-CBOR, SR-OBJ, SR-KDF-3).
    ///
    /// # Errors
    /// [`crate::Error::Malformed`] with a reason code, [`crate::Error::UnsupportedVersion`],
    /// [`crate::Error::UnsupportedAlgorithm`] or [`crate::Error::KdfParamsOutOfBounds`].
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

    /// The keyring digest: SHA-256 of the exact encoding (SPEC.md section 18), which names
    /// this version of the keyring. It changes with every generation.
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(&self.encoded).into()
    }

    /// Checks the keyring MAC over the exact received bytes before reporting success
    /// (SR-KEY-6, SR-KEY-11).
    fn verified(
        &self,
        dek: Key32,
        policy: UnlockPolicy,
        slot_index: usize,
    ) -> Result<UnlockedKeyring> {
        let mac = crypto::hmac(
            &schedule::mac_key(&self.id, &dek),
            wire::mac_input(&self.encoded),
        );
        if !crypto::ct_eq(&mac, &self.mac) {
            return Err(crate::Error::KeyringTampered);
        }
        Ok(UnlockedKeyring::new(
            self.clone(),
            dek,
            policy,
            Some(slot_index),
        ))
    }

    /// Re-encodes the keyring from its decoded fields alone, slot by slot, without looking
    /// at the bytes it was decoded from. Equal to [`Keyring::as_bytes`] for every accepted
    /// input (SR-CBOR-9); tests and fuzz oracles check exactly that.
    #[cfg(any(test, feature = "hazmat"))]
    pub(crate) fn reencode(&self) -> Result<Vec<u8>> {
        let mut slots = Vec::with_capacity(self.slots.len());
        for s in &self.slots {
            // SR-OP-18: a slot of a kind this implementation does not implement is written
            // as the bytes it was read as; it has no fields to encode from.
            let Some(nonce) = s.nonce else {
                slots.push(s.clone());
                continue;
            };
            let header = wire::slot_header(&s.kind, &s.label, &nonce)?;
            slots.push(wire::finish_slot(
                header,
                s.kind,
                &s.label,
                nonce,
                s.wrapped,
                s.commitment,
            ));
        }
        let body = wire::keyring_body(&self.id, self.generation, &slots);
        Ok(wire::finish_keyring(body, &self.mac))
    }
}

impl UnlockedKeyring {
    /// The only constructor, so that every unlocked keyring carries the record root key of
    /// its DEK. The keyring id never changes afterwards, so neither does the root key.
    fn new(keyring: Keyring, dek: Key32, policy: UnlockPolicy, slot_index: Option<usize>) -> Self {
        let record_root = schedule::record_root(&keyring.id, &dek);
        let log_key = schedule::log_key(&keyring.id, &dek);
        UnlockedKeyring {
            keyring,
            dek,
            record_root,
            log_key,
            policy,
            record_randomness: RecordRandomness::default(),
            slot_index,
        }
    }

    /// The current keyring, to store after any change.
    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// The index of the slot that opened the keyring, in the current keyring: the slot
    /// created, for a new keyring; one less for every slot before it that was removed
    /// since; none once it was removed itself. A client remembers the slot (its
    /// [`crate::SlotRef`], kept in [`UnlockedKeyring::pin`]) to try it first next time.
    pub fn slot_index(&self) -> Option<usize> {
        self.slot_index
    }

    /// The authentication tag of `message`: HMAC-SHA256 under the keyring's authentication
    /// key (SR-KEY-15, SPEC.md 11.14), for a client to prove to the application's server
    /// that it holds the keyring's DEK (SR-AUTH-2): register the tag of a fixed label once
    /// and sign requests with it, since no server can check a tag without the key.
    ///
    /// ```
    /// # use strongroom::{KdfParams, Keyring, Password, UnlockPolicy};
    /// # fn main() -> Result<(), strongroom::Error> {
    /// # let policy = UnlockPolicy::builder().pbkdf2_iterations(1_000..=2_000_000).build()?;
    /// # let password = Password::new("correct horse battery staple")?;
    /// # let kdf = KdfParams::Pbkdf2Sha256 { iterations: 1_000 };
    /// # let unlocked = Keyring::create(&password, kdf, "laptop", &policy)?;
    /// // Registered with the server once, at sign-up; the same on every device.
    /// let request_key = unlocked.auth_tag(b"myapp/v1/request-key")?;
    /// # let _ = request_key;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// The key is computed from the DEK alone, never from the password, so the server
    /// learns nothing it could guess the password from, and it is independent of every
    /// other key: whoever holds it can impersonate the client to that server, but can read
    /// no record and forge no keyring. This crate never hands the key itself out. What goes
    /// to a server is the tag, and never the password, a recovery or secret key code, or
    /// anything computed from one of them (SR-AUTH-1).
    ///
    /// # Errors
    /// [`crate::Error::LimitExceeded`] (`plaintext_too_large`) for a message over 16 MiB.
    pub fn auth_tag(&self, message: &[u8]) -> Result<[u8; 32]> {
        if message.len() > MAX_PLAINTEXT_LEN {
            return Err(Limit::PlaintextTooLarge.into());
        }
        let key = schedule::auth_key(&self.keyring.id, &self.dek);
        Ok(crypto::hmac(&key, message))
    }

    /// The policy that new slot parameters must satisfy.
    pub fn policy(&self) -> &UnlockPolicy {
        &self.policy
    }

    pub(crate) fn record_root(&self) -> &Key32 {
        &self.record_root
    }

    pub(crate) fn log_key(&self) -> &Key32 {
        &self.log_key
    }

    /// Where [`UnlockedKeyring::seal`] draws record salts and nonces.
    pub fn record_randomness(&self) -> RecordRandomness {
        self.record_randomness
    }

    /// Sets where [`UnlockedKeyring::seal`] and [`UnlockedKeyring::seal_into`] draw record
    /// salts and nonces: [`RecordRandomness::OperatingSystem`] for a process or virtual
    /// machine that may be resumed more than once from one snapshot.
    pub fn set_record_randomness(&mut self, source: RecordRandomness) {
        self.record_randomness = source;
    }

    #[cfg(any(test, feature = "hazmat"))]
    pub(crate) fn dek(&self) -> &Key32 {
        &self.dek
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::rng::RandomSource;
    use crate::{KdfParams, Password};

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

    // SR-KEY-14: an unlocked keyring carries the record root key of SPEC.md Appendix A.3
    // (keyring id 00..0f, DEK 10..2f) from create, unlock and every change.
    #[test]
    fn sr_key_14_record_root() {
        let expected =
            hex::decode("2734fb206ea3a6d0502a6b6b1093f4a971cd35b81ec5e381f8126371b8517670")
                .unwrap();
        let policy = UnlockPolicy::builder()
            .pbkdf2_iterations(1..=10)
            .build()
            .unwrap();
        let pw = Password::new("pw").unwrap();
        let kdf = KdfParams::Pbkdf2Sha256 { iterations: 1 };
        let mut created =
            Keyring::create_with_rng(&pw, kdf, "t", &policy, &mut Scripted(0)).unwrap();
        let dek: [u8; 32] = core::array::from_fn(|i| 0x10 + i as u8);
        assert_eq!(created.dek().expose(), &dek);
        assert_eq!(created.record_root().expose().to_vec(), expected);
        created.add_recovery_slot("r").unwrap();
        assert_eq!(created.record_root().expose().to_vec(), expected);
        let unlocked = created.keyring().unlock(&pw, &policy).unwrap();
        assert_eq!(unlocked.record_root().expose().to_vec(), expected);
    }
}
