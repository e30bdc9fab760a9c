//! The keyring object and its key slots on the wire (SPEC.md 6.2 and 6.3).
//!
//! ```cddl
//! keyring = {
//!   1 => 1,                            ; object type: keyring
//!   2 => 1,                            ; format version
//!   3 => bstr .size 16,                ; keyring id (random)
//!   4 => uint .le 9007199254740991,    ; generation (at most 2^53 - 1, JS-safe)
//!   5 => [1*8 slot],                   ; key slots, order significant
//!   6 => bstr .size 32,                ; keyring MAC
//! }
//!
//! slot = password-slot / recovery-slot / secret-key-slot / skippable-slot
//!
//! password-slot = {
//!   1 => 1,                            ; slot kind: password
//!   2 => label,                        ; non-secret label
//!   3 => kdf,                          ; KDF id and parameters
//!   4 => bstr .size 32,                ; KDF salt
//!   5 => bstr .size 12,                ; AES-GCM nonce
//!   6 => bstr .size 48,                ; wrapped DEK: ciphertext (32) || tag (16)
//!   7 => bstr .size 32,                ; key commitment
//! }
//!
//! recovery-slot = {
//!   1 => 2,                            ; slot kind: recovery
//!   2 => label,
//!   5 => bstr .size 12,                ; AES-GCM nonce
//!   6 => bstr .size 48,                ; wrapped DEK: ciphertext (32) || tag (16)
//!   7 => bstr .size 32,                ; key commitment
//! }
//!
//! secret-key-slot = {                  ; a password slot whose KEK also needs the secret key
//!   1 => 64,                           ; slot kind: secret-key (skippable, section 6.3.1)
//!   2 => label,
//!   3 => kdf,
//!   4 => bstr .size 32,                ; KDF salt
//!   5 => bstr .size 12,                ; AES-GCM nonce
//!   6 => bstr .size 48,                ; wrapped DEK
//!   7 => bstr .size 32,                ; key commitment
//! }
//!
//! skippable-slot = {                   ; a kind from 65 to 65535 this decoder does not implement
//!   1 => 65..65535,
//!   2 => label,
//!   ? 3 => any,                        ; within the profile of section 5
//!   ? 4 => any,
//!   ? 5 => any,
//!   6 => bstr .size 48,
//!   7 => bstr .size 32,
//! }
//!
//! label = tstr .size (0..64)           ; at most 64 bytes of UTF-8 (bytes, not characters)
//! ```

use super::cbor::{Item, Writer};
use super::kdf::{self, KdfParams};
use super::{Fields, Hex, OBJECT_KEYRING, VERSION, array, decode_object, fixed, text, uint};
use crate::error::{Error, Limit, Malformed, Registry, Result};
use crate::limits::{MAX_GENERATION, MAX_KEYRING_LEN, MAX_LABEL_BYTES, MAX_SLOTS};

/// Slot kind registry id: password slot.
pub(crate) const SLOT_PASSWORD: u64 = 1;
/// Slot kind registry id: recovery slot.
pub(crate) const SLOT_RECOVERY: u64 = 2;
/// Slot kind registry id: secret-key slot, the first skippable kind (SR-OBJ-7).
pub(crate) const SLOT_SECRET_KEY: u64 = 64;
/// The largest slot kind; above it a kind is `value_out_of_range` (SR-OBJ-7).
const SLOT_KIND_MAX: u64 = 65_535;

/// Bytes of a slot encoding after its AAD part: the wrapped-DEK entry (06 58 30 + 48) and
/// the commitment entry (07 58 20 + 32) (SR-KEY-3).
pub(crate) const SLOT_TAIL_LEN: usize = 51 + 35;
/// Bytes of the MAC entry that ends a keyring encoding: 06 58 20 + 32 (SR-KEY-6).
pub(crate) const MAC_ENTRY_LEN: usize = 35;

const KEYRING_KEYS: &[u64] = &[1, 2, 3, 4, 5, 6];
const PASSWORD_SLOT_KEYS: &[u64] = &[1, 2, 3, 4, 5, 6, 7];
const RECOVERY_SLOT_KEYS: &[u64] = &[1, 2, 5, 6, 7];

/// The kind of a key slot and what it needs to derive its KEK.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SlotKind {
    /// A password slot: the KEK comes from the master password through a KDF.
    Password {
        /// The KDF and its parameters.
        kdf: KdfParams,
        /// The 32-byte KDF salt.
        salt: [u8; 32],
    },
    /// A recovery slot: the KEK is the 256-bit recovery secret itself.
    Recovery,
    /// A secret-key slot (kind 64): the KEK comes from the master password through a KDF
    /// and from the 128-bit secret key together (SR-KEY-16).
    SecretKey {
        /// The KDF and its parameters.
        kdf: KdfParams,
        /// The 32-byte KDF salt.
        salt: [u8; 32],
    },
    /// A skippable slot of a kind this implementation does not implement (65 to 65,535,
    /// added by a newer client): kept byte for byte in every keyring written, never tried,
    /// removable, not changeable (SR-OBJ-7, SR-OP-18).
    Unknown(u16),
}

impl SlotKind {
    /// The slot kind's registry id.
    pub fn id(&self) -> u64 {
        match self {
            SlotKind::Password { .. } => SLOT_PASSWORD,
            SlotKind::Recovery => SLOT_RECOVERY,
            SlotKind::SecretKey { .. } => SLOT_SECRET_KEY,
            SlotKind::Unknown(kind) => u64::from(*kind),
        }
    }
}

/// Which slot a client opened last: its salt and key commitment, both public and both
/// fresh for every slot written. Given to an unlock as the preferred slot, it is tried
/// first (SPEC.md 11.3), so that an honest keyring with many slots costs one KDF evaluation
/// for the right password; a [`crate::KeyringPin`] carries one.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SlotRef {
    salt: [u8; 32],
    commitment: [u8; 32],
}

impl SlotRef {
    /// The slot with this salt and commitment.
    pub const fn new(salt: [u8; 32], commitment: [u8; 32]) -> Self {
        SlotRef { salt, commitment }
    }

    /// The slot's KDF salt.
    pub fn salt(&self) -> &[u8; 32] {
        &self.salt
    }

    /// The slot's key commitment.
    pub fn commitment(&self) -> &[u8; 32] {
        &self.commitment
    }
}

impl core::fmt::Debug for SlotRef {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SlotRef")
            .field("salt", &Hex(&self.salt))
            .field("commitment", &Hex(&self.commitment))
            .finish()
    }
}

/// One key slot: the DEK wrapped under a KEK, with what is needed to re-derive that KEK.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeySlot {
    pub(crate) kind: SlotKind,
    pub(crate) label: String,
    /// Absent only in a slot of a kind this implementation does not implement, whose key 5
    /// (if any) it does not interpret.
    pub(crate) nonce: Option<[u8; 12]>,
    pub(crate) wrapped: [u8; 48],
    pub(crate) commitment: [u8; 32],
    /// The slot's exact encoding, from which its AAD is cut (SR-KEY-3).
    pub(crate) encoded: Vec<u8>,
}

impl KeySlot {
    /// The slot's kind, with the KDF parameters and salt of a password or secret-key slot.
    pub fn kind(&self) -> &SlotKind {
        &self.kind
    }

    /// The non-secret label that lets a client pick the slot to try.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The KDF parameters of a password or secret-key slot.
    pub fn kdf(&self) -> Option<&KdfParams> {
        match &self.kind {
            SlotKind::Password { kdf, .. } | SlotKind::SecretKey { kdf, .. } => Some(kdf),
            SlotKind::Recovery | SlotKind::Unknown(_) => None,
        }
    }

    /// The AES-GCM nonce of the wrapped DEK; none for a slot of a kind this implementation
    /// does not implement.
    pub fn nonce(&self) -> Option<&[u8; 12]> {
        self.nonce.as_ref()
    }

    /// The wrapped DEK: 32 bytes of ciphertext, then the 16-byte tag.
    pub fn wrapped_dek(&self) -> &[u8; 48] {
        &self.wrapped
    }

    /// The key commitment of the slot's KEK.
    pub fn commitment(&self) -> &[u8; 32] {
        &self.commitment
    }

    /// The salt and commitment that name this slot as a preferred slot (SPEC.md 11.3), for
    /// a password or secret-key slot; none for other kinds, which an unlock with a password
    /// never tries.
    pub fn slot_ref(&self) -> Option<SlotRef> {
        match &self.kind {
            SlotKind::Password { salt, .. } | SlotKind::SecretKey { salt, .. } => {
                Some(SlotRef::new(*salt, self.commitment))
            }
            SlotKind::Recovery | SlotKind::Unknown(_) => None,
        }
    }

    /// The slot's exact encoding.
    pub fn as_bytes(&self) -> &[u8] {
        &self.encoded
    }

    /// The bytes authenticated with the wrapped DEK, after `enc(keyring_id)`: the slot
    /// encoding without its last two entries (SR-KEY-3).
    pub(crate) fn aad_part(&self) -> &[u8] {
        let end = self.encoded.len().saturating_sub(SLOT_TAIL_LEN);
        self.encoded.get(..end).unwrap_or_default()
    }
}

/// The slot encoding up to and including the nonce: the part that goes into the AAD.
pub(crate) fn slot_header(kind: &SlotKind, label: &str, nonce: &[u8; 12]) -> Result<Writer> {
    if label.len() > MAX_LABEL_BYTES {
        return Err(Limit::LabelTooLong.into());
    }
    let mut w = Writer::with_capacity(256);
    match kind {
        SlotKind::Password { kdf: params, salt } | SlotKind::SecretKey { kdf: params, salt } => {
            params.check_limits()?;
            w.map(PASSWORD_SLOT_KEYS.len())
                .uint(1)
                .uint(kind.id())
                .uint(2)
                .text(label)
                .uint(3);
            kdf::write(&mut w, params);
            w.uint(4).bytes(salt);
        }
        SlotKind::Recovery => {
            w.map(RECOVERY_SLOT_KEYS.len())
                .uint(1)
                .uint(SLOT_RECOVERY)
                .uint(2)
                .text(label);
        }
        // Only a newer client writes such a slot; this one keeps the bytes it read.
        SlotKind::Unknown(_) => {
            return Err(Error::UnsupportedAlgorithm {
                registry: Registry::SlotKind,
                id: kind.id(),
            });
        }
    }
    w.uint(5).bytes(nonce);
    Ok(w)
}

/// Completes a slot started by [`slot_header`].
pub(crate) fn finish_slot(
    header: Writer,
    kind: SlotKind,
    label: &str,
    nonce: [u8; 12],
    wrapped: [u8; 48],
    commitment: [u8; 32],
) -> KeySlot {
    let mut w = header;
    w.uint(6).bytes(&wrapped).uint(7).bytes(&commitment);
    KeySlot {
        kind,
        label: label.to_owned(),
        nonce: Some(nonce),
        wrapped,
        commitment,
        encoded: w.into_vec(),
    }
}

/// The keyring encoding without its MAC entry: what the keyring MAC covers (SR-KEY-6).
pub(crate) fn keyring_body(id: &[u8; 16], generation: u64, slots: &[KeySlot]) -> Writer {
    let capacity = slots
        .iter()
        .map(|s| s.encoded.len())
        .fold(64, usize::saturating_add);
    let mut w = Writer::with_capacity(capacity);
    w.map(KEYRING_KEYS.len())
        .uint(1)
        .uint(OBJECT_KEYRING)
        .uint(2)
        .uint(VERSION)
        .uint(3)
        .bytes(id)
        .uint(4)
        .uint(generation)
        .uint(5)
        .array(slots.len());
    for s in slots {
        w.raw(&s.encoded);
    }
    w
}

/// Appends the MAC entry to a keyring body.
pub(crate) fn finish_keyring(body: Writer, mac: &[u8; 32]) -> Vec<u8> {
    let mut w = body;
    w.uint(6).bytes(mac);
    w.into_vec()
}

/// A keyring as decoded, before any key is involved.
pub(crate) struct KeyringParts {
    pub(crate) id: [u8; 16],
    pub(crate) generation: u64,
    pub(crate) slots: Vec<KeySlot>,
    pub(crate) mac: [u8; 32],
}

/// Decodes a keyring in SPEC.md's decoding order.
pub(crate) fn decode_keyring(buf: &[u8]) -> Result<KeyringParts> {
    let item = decode_object(buf, OBJECT_KEYRING, KEYRING_KEYS, MAX_KEYRING_LEN)?;
    let mut f = Fields::new(&item, KEYRING_KEYS)?;
    // Keys 1 and 2 were checked by the header peek.
    f.take(1)?;
    f.take(2)?;
    let id = fixed::<16>(f.take(3)?)?;
    let generation = uint(f.take(4)?)?;
    if generation > MAX_GENERATION {
        return Err(Malformed::ValueOutOfRange.into());
    }
    let slot_items = array(f.take(5)?)?;
    if slot_items.is_empty() || slot_items.len() > MAX_SLOTS {
        return Err(Malformed::BadSlotCount.into());
    }
    let slots = slot_items
        .iter()
        .map(decode_slot)
        .collect::<Result<Vec<_>>>()?;
    let mac = fixed::<32>(f.take(6)?)?;
    f.finish()?;
    Ok(KeyringParts {
        id,
        generation,
        slots,
        mac,
    })
}

/// Decodes one slot by the slot walk of SPEC.md 6.6: the kind first, since it decides the
/// schema; until it is known, the schema is the union of every kind's keys.
fn decode_slot(item: &Item<'_>) -> Result<KeySlot> {
    let kind_id = {
        let mut probe = Fields::new(item, PASSWORD_SLOT_KEYS)?;
        uint(probe.take(1)?)?
    };
    if kind_id > SLOT_KIND_MAX {
        return Err(Malformed::ValueOutOfRange.into());
    }
    let schema = match kind_id {
        SLOT_PASSWORD | SLOT_SECRET_KEY => PASSWORD_SLOT_KEYS,
        SLOT_RECOVERY => RECOVERY_SLOT_KEYS,
        // SR-OBJ-7: a skippable kind this decoder does not implement has the generic shape,
        // which the same key set describes (keys 3, 4 and 5 optional).
        id if id > SLOT_SECRET_KEY => PASSWORD_SLOT_KEYS,
        id => {
            return Err(Error::UnsupportedAlgorithm {
                registry: Registry::SlotKind,
                id,
            });
        }
    };
    let mut f = Fields::new(item, schema)?;
    f.take(1)?;
    let label = text(f.take(2)?)?;
    if label.len() > MAX_LABEL_BYTES {
        return Err(Malformed::ValueOutOfRange.into());
    }
    let (kind, nonce) = match kind_id {
        SLOT_PASSWORD | SLOT_SECRET_KEY => {
            let params = kdf::decode(f.take(3)?)?;
            let salt = fixed::<32>(f.take(4)?)?;
            let nonce = fixed::<12>(f.take(5)?)?;
            let kind = if kind_id == SLOT_PASSWORD {
                SlotKind::Password { kdf: params, salt }
            } else {
                SlotKind::SecretKey { kdf: params, salt }
            };
            (kind, Some(nonce))
        }
        SLOT_RECOVERY => (SlotKind::Recovery, Some(fixed::<12>(f.take(5)?)?)),
        _ => {
            // Values checked by the profile only: this decoder does not know what they mean.
            for key in [3, 4, 5] {
                f.take_optional(key);
            }
            let kind = u16::try_from(kind_id).map_err(|_| Malformed::ValueOutOfRange)?;
            (SlotKind::Unknown(kind), None)
        }
    };
    let wrapped = fixed::<48>(f.take(6)?)?;
    let commitment = fixed::<32>(f.take(7)?)?;
    f.finish()?;
    Ok(KeySlot {
        kind,
        label: label.to_owned(),
        nonce,
        wrapped,
        commitment,
        encoded: item.raw.to_vec(),
    })
}

/// The bytes of a keyring encoding that its MAC covers.
pub(crate) fn mac_input(encoded: &[u8]) -> &[u8] {
    let end = encoded.len().saturating_sub(MAC_ENTRY_LEN);
    encoded.get(..end).unwrap_or_default()
}
