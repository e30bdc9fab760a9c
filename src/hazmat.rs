//! Hazardous materials: key bytes, intermediate values, injectable randomness and test
//! hooks, behind the non-default feature `hazmat`.
//!
//! Nothing here is needed to use Strongroom, and each item can silently break what the
//! rest of the crate guarantees:
//!
//! - the key accessors copy secrets out of the types that wipe them (the DEK, the MAC key,
//!   the record root key, a KEK, a recovery secret, a normalized password), so the copies
//!   outlive the wipe;
//! - the `*_with_rng` functions take their randomness from the caller, and a source that
//!   repeats or predicts a value voids SR-KEY-9 (every key, salt and nonce fresh CSPRNG
//!   output) without any error.
//!
//! They exist for the test-vector generator, the conformance adapter of the `strongroom`
//! command, the fuzz oracles, the benches and the tests, which publish or check exactly
//! these values (vectors/README.md). Applications leave the feature off, and a build that
//! does not enable it cannot name anything in this module. The module is exempt from
//! semantic versioning.

use crate::error::Result;
use crate::format::kdf::KdfParams;
use crate::format::record::{HEADER_LEN, SealedRecord};
use crate::keyring::{Keyring, UnlockedKeyring};
use crate::password::Password;
use crate::primitives::crypto;
use crate::primitives::kdf;
use crate::primitives::secret::Key32;
use crate::record::Context;
use crate::recovery::RecoveryCode;
use crate::schedule;
use crate::secret_key::SecretKey;

pub use crate::primitives::rng::{OsRandom, RandomSource, ThreadRandom};

/// The keyring's log checkpoint key (SR-LOG-7).
pub fn log_key(unlocked: &UnlockedKeyring) -> [u8; 32] {
    *unlocked.log_key().expose()
}

/// A checkpoint MACed under the keyring's log key for any size and root: what only a
/// holder of the DEK can make, for vectors of forks and of checkpoints that lie.
pub fn make_checkpoint(
    unlocked: &UnlockedKeyring,
    log_id: &crate::LogId,
    size: u64,
    root: &[u8; 32],
) -> crate::Checkpoint {
    unlocked.make_checkpoint(log_id, size, root)
}

/// [`UnlockedKeyring::seal_log_entry`] drawing the record salt (32) then nonce (12) from
/// `rng`.
///
/// # Errors
/// As [`UnlockedKeyring::seal_log_entry`].
pub fn seal_log_entry_with_rng(
    unlocked: &UnlockedKeyring,
    state: &crate::LogState,
    plaintext: &[u8],
    app: Context<'_>,
    rng: &mut dyn RandomSource,
) -> Result<crate::LogAppend> {
    unlocked.seal_log_entry_with_rng(state, plaintext, app, rng)
}

/// [`crate::LogId::generate`] drawing its 16 bytes from `rng`.
///
/// # Errors
/// [`crate::Error::RandomnessUnavailable`].
pub fn log_id_with_rng(rng: &mut dyn RandomSource) -> Result<crate::LogId> {
    crate::LogId::generate_with(rng)
}

/// Re-encodes a checkpoint from its decoded fields alone (SR-CBOR-9).
pub fn reencode_checkpoint(checkpoint: &crate::Checkpoint) -> Vec<u8> {
    checkpoint.reencode()
}

/// Length of every record header (keys 1 to 6), the first part of the record AAD.
pub const RECORD_HEADER_LEN: usize = HEADER_LEN;

/// [`Keyring::create`] drawing from `rng`: keyring id (16), DEK (32), salt (32), nonce (12),
/// in SPEC.md 9.5's order, after every argument check.
///
/// # Errors
/// As [`Keyring::create`].
pub fn create_with_rng(
    password: &Password,
    kdf: KdfParams,
    label: &str,
    policy: &crate::UnlockPolicy,
    rng: &mut dyn RandomSource,
) -> Result<UnlockedKeyring> {
    Keyring::create_with_rng(password, kdf, label, policy, rng)
}

/// [`UnlockedKeyring::change_password`] drawing salt (32) then nonce (12) from `rng`.
///
/// # Errors
/// As [`UnlockedKeyring::change_password`].
pub fn change_password_with_rng(
    unlocked: &mut UnlockedKeyring,
    index: usize,
    new_password: &Password,
    kdf: KdfParams,
    rng: &mut dyn RandomSource,
) -> Result<()> {
    unlocked.change_password_with_rng(index, new_password, kdf, false, rng)
}

/// [`UnlockedKeyring::change_password_allowing_weaker_kdf`] drawing salt (32) then nonce (12)
/// from `rng`.
///
/// # Errors
/// As [`UnlockedKeyring::change_password_allowing_weaker_kdf`].
pub fn change_password_allowing_weaker_kdf_with_rng(
    unlocked: &mut UnlockedKeyring,
    index: usize,
    new_password: &Password,
    kdf: KdfParams,
    rng: &mut dyn RandomSource,
) -> Result<()> {
    unlocked.change_password_with_rng(index, new_password, kdf, true, rng)
}

/// [`Keyring::create_with_secret_key`] drawing from `rng`: keyring id (16), DEK (32), secret
/// key (16), salt (32), nonce (12), in SPEC.md 11.2.1's order, after every argument check.
///
/// # Errors
/// As [`Keyring::create_with_secret_key`].
pub fn create_with_secret_key_with_rng(
    password: &Password,
    kdf: KdfParams,
    label: &str,
    policy: &crate::UnlockPolicy,
    rng: &mut dyn RandomSource,
) -> Result<(UnlockedKeyring, SecretKey)> {
    Keyring::create_with_secret_key_with_rng(password, kdf, label, policy, rng)
}

/// [`UnlockedKeyring::add_secret_key_slot`] drawing salt (32) then nonce (12) from `rng`.
///
/// # Errors
/// As [`UnlockedKeyring::add_secret_key_slot`].
pub fn add_secret_key_slot_with_rng(
    unlocked: &mut UnlockedKeyring,
    password: &Password,
    secret_key: &SecretKey,
    kdf: KdfParams,
    label: &str,
    rng: &mut dyn RandomSource,
) -> Result<()> {
    unlocked.add_secret_key_slot_with_rng(password, secret_key, kdf, label, rng)
}

/// [`UnlockedKeyring::add_password_slot`] drawing salt (32) then nonce (12) from `rng`.
///
/// # Errors
/// As [`UnlockedKeyring::add_password_slot`].
pub fn add_password_slot_with_rng(
    unlocked: &mut UnlockedKeyring,
    password: &Password,
    kdf: KdfParams,
    label: &str,
    rng: &mut dyn RandomSource,
) -> Result<()> {
    unlocked.add_password_slot_with_rng(password, kdf, label, rng)
}

/// [`UnlockedKeyring::add_recovery_slot`] drawing the recovery secret (32) then the nonce
/// (12) from `rng`.
///
/// # Errors
/// As [`UnlockedKeyring::add_recovery_slot`].
pub fn add_recovery_slot_with_rng(
    unlocked: &mut UnlockedKeyring,
    label: &str,
    rng: &mut dyn RandomSource,
) -> Result<RecoveryCode> {
    unlocked.add_recovery_slot_with_rng(label, rng)
}

/// [`UnlockedKeyring::seal`] drawing the record salt (32) then nonce (12) from `rng`.
///
/// # Errors
/// As [`UnlockedKeyring::seal`].
pub fn seal_with_rng(
    unlocked: &UnlockedKeyring,
    plaintext: &[u8],
    context: Context<'_>,
    rng: &mut dyn RandomSource,
) -> Result<SealedRecord> {
    unlocked.seal_with_rng(plaintext, context, rng)
}

/// The DEK.
pub fn dek(unlocked: &UnlockedKeyring) -> [u8; 32] {
    *unlocked.dek().expose()
}

/// prk_ring = HKDF-Extract(keyring_id, DEK) (SR-KEY-6).
pub fn keyring_prk(unlocked: &UnlockedKeyring) -> [u8; 32] {
    *schedule::keyring_prk(unlocked.keyring().id(), unlocked.dek()).expose()
}

/// The keyring MAC key (SR-KEY-6).
pub fn mac_key(unlocked: &UnlockedKeyring) -> [u8; 32] {
    *schedule::mac_key(unlocked.keyring().id(), unlocked.dek()).expose()
}

/// The record root key (SR-KEY-14).
pub fn record_root(unlocked: &UnlockedKeyring) -> [u8; 32] {
    *unlocked.record_root().expose()
}

/// The KEK that `kdf` derives from a password and salt (SR-KDF-1, SR-KDF-2). Runs the KDF.
///
/// # Errors
/// [`crate::Error::KdfParamsOutOfBounds`], [`crate::Error::KdfUnavailable`].
pub fn kek(kdf: &KdfParams, password: &Password, salt: &[u8; 32]) -> Result<[u8; 32]> {
    Ok(*schedule::derive_kek(kdf, password, salt)?.expose())
}

/// The KEK of a secret-key slot (SR-KEY-16) from a password, a secret key and a salt. Runs
/// the KDF.
///
/// # Errors
/// As [`kek`].
pub fn secret_key_kek(
    kdf: &KdfParams,
    password: &Password,
    secret_key: &SecretKey,
    salt: &[u8; 32],
) -> Result<[u8; 32]> {
    Ok(*schedule::derive_secret_key_kek(kdf, password, secret_key.bytes(), salt)?.expose())
}

/// The authentication key (SR-KEY-15), which the library otherwise never hands out.
pub fn auth_key(unlocked: &UnlockedKeyring) -> [u8; 32] {
    *schedule::auth_key(unlocked.keyring().id(), unlocked.dek()).expose()
}

/// The 16 bytes of a secret key.
pub fn secret_key_bytes(secret_key: &SecretKey) -> [u8; 16] {
    *secret_key.bytes()
}

/// The secret key with the given bytes.
pub fn secret_key_from_bytes(bytes: [u8; 16]) -> SecretKey {
    SecretKey::from_bytes(bytes)
}

/// The 20 bytes a secret key code spells: secret key (16) || check (4) (SR-SK-1).
pub fn secret_key_payload(secret_key: &SecretKey) -> [u8; 20] {
    secret_key.payload()
}

/// The normalized UTF-8 bytes of a password, as they enter the KDF (SR-PWD-1).
pub fn password_bytes(password: &Password) -> &[u8] {
    password.expose()
}

/// The 35 bytes a recovery code spells: secret (32) || check (3) (SR-REC-1).
pub fn recovery_payload(code: &RecoveryCode) -> [u8; 35] {
    code.payload()
}

/// The recovery code of a given secret.
pub fn recovery_code_from_secret(secret: [u8; 32]) -> RecoveryCode {
    RecoveryCode::from_secret(Key32::from_bytes(secret))
}

/// Intermediate values of one key slot (SR-KEY-2, SR-KEY-3), as vectors publish them.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SlotSecrets {
    /// The KEK the values were derived from.
    pub kek: [u8; 32],
    /// prk_slot = HKDF-Extract(keyring_id, KEK).
    pub prk: [u8; 32],
    /// The key that wraps the DEK.
    pub wrap_key: [u8; 32],
    /// The key commitment the slot must carry.
    pub commitment: [u8; 32],
    /// enc(keyring_id) || the slot's encoding up to its nonce.
    pub aad: Vec<u8>,
}

/// The intermediate values of slot `index` of `keyring` for `kek`, whether or not `kek`
/// is the slot's; `None` when there is no such slot or it is of a kind this implementation
/// does not implement.
pub fn slot_secrets(keyring: &Keyring, index: usize, kek: &[u8; 32]) -> Option<SlotSecrets> {
    let slot = keyring.slots().get(index)?;
    let id = keyring.id();
    let kek = Key32::from_bytes(*kek);
    let (wrap_key, commitment) = schedule::slot_keys(id, &kek, slot.kind())?;
    Some(SlotSecrets {
        kek: *kek.expose(),
        prk: *crypto::extract_bytes(id, kek.expose()).expose(),
        wrap_key: *wrap_key.expose(),
        commitment: *commitment.expose(),
        aad: schedule::slot_aad(id, slot.aad_part()),
    })
}

/// Intermediate values of one record (SR-KEY-7, SR-KEY-8, SR-KEY-14), as vectors publish
/// them.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RecordSecrets {
    /// The keyring's record root key.
    pub record_root: [u8; 32],
    /// prk_rec = HKDF-Extract(record salt, record_root).
    pub prk: [u8; 32],
    /// The AES-GCM key of the record.
    pub record_key: [u8; 32],
    /// The key commitment the record must carry.
    pub commitment: [u8; 32],
    /// header || u64be(len(context)) || context.
    pub aad: Vec<u8>,
}

/// The intermediate values of `record` under `unlocked` and `context`, whether or not the
/// record opens with them.
pub fn record_secrets(
    unlocked: &UnlockedKeyring,
    record: &SealedRecord,
    context: Context<'_>,
) -> RecordSecrets {
    let root = unlocked.record_root();
    let (record_key, commitment) = schedule::record_keys(root, record.salt(), record.keyring_id());
    RecordSecrets {
        record_root: *root.expose(),
        prk: *crypto::extract_bytes(record.salt(), root.expose()).expose(),
        record_key: *record_key.expose(),
        commitment: *commitment.expose(),
        aad: schedule::record_aad(record.header(), context.as_bytes()),
    }
}

/// The keyring re-encoded from its decoded fields alone, slot by slot, without looking at
/// the bytes it was decoded from: equal to [`Keyring::as_bytes`] for every keyring the
/// decoder accepts (SR-CBOR-9), which tests and fuzz oracles check.
///
/// # Errors
/// Only for a keyring no decoder could have produced (a label or KDF beyond the limits).
pub fn reencode_keyring(keyring: &Keyring) -> Result<Vec<u8>> {
    keyring.reencode()
}

/// The record re-encoded from its decoded fields alone (SR-CBOR-9).
pub fn reencode_record(record: &SealedRecord) -> Vec<u8> {
    record.reencode()
}

/// Number of KDF runs on the current thread so far: how tests prove that a rejected
/// keyring cost no KDF work (SR-POL-1).
pub fn kdf_calls() -> u64 {
    kdf::calls()
}

/// The strict CBOR profile of SPEC.md section 5, for checking other CBOR readers against
/// (the `cbor_profile` fuzz oracle compares it with a lenient general-purpose decoder).
pub mod cbor {
    use crate::error::Malformed;
    use crate::format::cbor as profile;

    /// Deepest container nesting the profile accepts; a top-level map is depth 1.
    pub const MAX_DEPTH: usize = profile::MAX_DEPTH;

    /// A value of the profile's data model.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum Value {
        /// An unsigned integer.
        Uint(u64),
        /// A byte string.
        Bytes(Vec<u8>),
        /// A text string.
        Text(String),
        /// An array.
        Array(Vec<Value>),
        /// A map, its entries in encoded order (keys are unsigned integers).
        Map(Vec<(u64, Value)>),
    }

    impl Value {
        fn of(v: &profile::Value<'_>) -> Value {
            match v {
                profile::Value::Uint(n) => Value::Uint(*n),
                profile::Value::Bytes(b) => Value::Bytes(b.to_vec()),
                profile::Value::Text(s) => Value::Text((*s).to_owned()),
                profile::Value::Array(items) => {
                    Value::Array(items.iter().map(|i| Value::of(&i.value)).collect())
                }
                profile::Value::Map(entries) => Value::Map(
                    entries
                        .iter()
                        .map(|(k, i)| (*k, Value::of(&i.value)))
                        .collect(),
                ),
            }
        }
    }

    /// Decodes exactly one data item spanning all of `input`, under every rule of the
    /// profile (SR-CBOR-1 to SR-CBOR-8), reporting the first violation in reading order.
    ///
    /// # Errors
    /// The [`Malformed`] reason of the first violation.
    pub fn decode(input: &[u8]) -> Result<Value, Malformed> {
        profile::decode(input).map(|item| Value::of(&item.value))
    }

    /// The library's encoder: shortest heads, definite lengths (SR-CBOR-9). The caller
    /// orders map entries.
    #[derive(Default)]
    pub struct Writer(profile::Writer);

    impl Writer {
        /// An unsigned integer.
        pub fn uint(&mut self, v: u64) -> &mut Self {
            self.0.uint(v);
            self
        }

        /// A byte string.
        pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
            self.0.bytes(b);
            self
        }

        /// A text string.
        pub fn text(&mut self, s: &str) -> &mut Self {
            self.0.text(s);
            self
        }

        /// The head of an array of `n` items, which follow.
        pub fn array(&mut self, n: usize) -> &mut Self {
            self.0.array(n);
            self
        }

        /// The head of a map of `n` entries, which follow, each a key then a value.
        pub fn map(&mut self, n: usize) -> &mut Self {
            self.0.map(n);
            self
        }

        /// The encoding written so far.
        pub fn into_vec(self) -> Vec<u8> {
            self.0.into_vec()
        }
    }
}

/// [`UnlockedKeyring::seal_stream_to_vec`] drawing the stream salt (32) from `rng`: with a
/// scripted source, a deterministic stream for vectors and fuzz oracles.
///
/// # Errors
/// As [`UnlockedKeyring::seal_stream_to_vec`].
pub fn seal_stream_with_rng(
    unlocked: &UnlockedKeyring,
    payload: &[u8],
    context: Context<'_>,
    rng: &mut dyn RandomSource,
) -> Result<Vec<u8>> {
    crate::stream::seal_slice(
        unlocked,
        payload,
        context.as_bytes(),
        crate::stream::Geometry::V1,
        rng,
    )
}

/// [`UnlockedKeyring::seal_stream`] drawing the stream salt (32) from `rng`: the bytes of
/// [`seal_stream_with_rng`], written by the reader-based sealer.
///
/// # Errors
/// As [`UnlockedKeyring::seal_stream`].
pub fn seal_stream_from_reader_with_rng<R: std::io::Read, W: std::io::Write>(
    unlocked: &UnlockedKeyring,
    reader: R,
    writer: W,
    context: Context<'_>,
    rng: &mut dyn RandomSource,
) -> std::io::Result<crate::StreamSummary> {
    let (header, keys) = crate::stream::begin_sealing(unlocked, context.as_bytes(), rng)?;
    crate::stream::seal_reader(header, keys, reader, writer)
}

/// [`UnlockedKeyring::seal_stream_in_place`] drawing the stream salt (32) from `rng`:
/// `payload` is overwritten with ciphertext.
///
/// # Errors
/// As [`UnlockedKeyring::seal_stream_in_place`].
pub fn seal_stream_in_place_with_rng<W: std::io::Write>(
    unlocked: &UnlockedKeyring,
    payload: &mut [u8],
    writer: W,
    context: Context<'_>,
    rng: &mut dyn RandomSource,
) -> std::io::Result<crate::StreamSummary> {
    let (header, keys) = crate::stream::begin_sealing(unlocked, context.as_bytes(), rng)?;
    crate::stream::seal_in_place(header, keys, payload, writer)
}

/// Seals with chunks of 2^`log2_chunk` bytes (10 to 20) instead of 2^16, the header's key 5
/// saying so: not a v1 stream (no v1 reader opens it), only for measuring the chunk size
/// (benches/streams.rs). `None` for an exponent out of range.
///
/// # Errors
/// As [`UnlockedKeyring::seal_stream_to_vec`].
pub fn seal_stream_with_chunk_size(
    unlocked: &UnlockedKeyring,
    payload: &[u8],
    context: Context<'_>,
    log2_chunk: u8,
    rng: &mut dyn RandomSource,
) -> Option<Result<Vec<u8>>> {
    let geometry = crate::stream::Geometry::new(log2_chunk, crate::limits::MAX_STREAM_CHUNKS)?;
    Some(crate::stream::seal_slice(
        unlocked,
        payload,
        context.as_bytes(),
        geometry,
        rng,
    ))
}

/// Opens what [`seal_stream_with_chunk_size`] sealed with the same exponent.
///
/// # Errors
/// As [`UnlockedKeyring::open_stream_from_slice`].
pub fn open_stream_with_chunk_size(
    unlocked: &UnlockedKeyring,
    stream: &[u8],
    context: Context<'_>,
    log2_chunk: u8,
) -> Option<Result<crate::Plaintext>> {
    let geometry = crate::stream::Geometry::new(log2_chunk, crate::limits::MAX_STREAM_CHUNKS)?;
    Some(crate::stream::open_slice(
        unlocked,
        stream,
        context.as_bytes(),
        geometry,
    ))
}

/// Intermediate values of one sealed stream (SR-STR-2, SR-STR-3), as vectors publish them.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct StreamSecrets {
    /// The keyring's record root key.
    pub record_root: [u8; 32],
    /// prk_str = HKDF-Extract(stream salt, record_root).
    pub prk: [u8; 32],
    /// The AES-GCM key of every chunk.
    pub stream_key: [u8; 32],
    /// The key commitment the header must carry.
    pub commitment: [u8; 32],
    /// SHA-256(header || u64be(len(context)) || context).
    pub aad: [u8; 32],
}

/// The intermediate values of the stream with header `header` under `unlocked` and
/// `context`, whether or not the stream opens with them.
pub fn stream_secrets(
    unlocked: &UnlockedKeyring,
    header: &crate::StreamHeader,
    context: Context<'_>,
) -> StreamSecrets {
    let root = unlocked.record_root();
    let (stream_key, commitment) = schedule::stream_keys(root, header.salt(), header.keyring_id());
    StreamSecrets {
        record_root: *root.expose(),
        prk: *crypto::extract_bytes(header.salt(), root.expose()).expose(),
        stream_key: *stream_key.expose(),
        commitment: *commitment.expose(),
        aad: schedule::stream_aad(header.as_bytes(), context.as_bytes()),
    }
}
