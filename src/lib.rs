//! Strongroom: password-based, client-side envelope encryption with a strict, versioned,
//! deterministic CBOR container.
//!
//! A master password goes through a KDF (PBKDF2-HMAC-SHA256 or Argon2id) to a key-encryption
//! key that unwraps a random data key (DEK) from a [`Keyring`]'s [`KeySlot`]; each record is
//! sealed with AES-256-GCM under its own HKDF subkey of the DEK, with a key commitment and
//! the record header plus an application [`Context`] as associated data. The server that
//! stores keyrings and [`SealedRecord`]s is assumed malicious; SPEC.md in the repository is
//! the normative description, and this crate implements it.
//!
//! ```
//! use strongroom::{Context, KdfParams, Keyring, Password, SealedRecord, UnlockPolicy};
//!
//! # fn main() -> Result<(), strongroom::Error> {
//! // Small KDF parameters keep the example fast; real keyrings use the default policy
//! // (PBKDF2 with 600,000 iterations at least).
//! let policy = UnlockPolicy::builder()
//!     .pbkdf2_iterations(1_000..=2_000_000)
//!     .build()?;
//! let kdf = KdfParams::Pbkdf2Sha256 { iterations: 1_000 };
//!
//! // Create: the keyring goes to the server, the unlocked keyring stays in memory.
//! let password = Password::new("correct horse battery staple")?;
//! let mut unlocked = Keyring::create(&password, kdf, "laptop", &policy)?;
//! let stored_keyring = unlocked.keyring().to_text();
//!
//! // Seal a log entry bound to who owns it and where it lives.
//! let context = Context::new(b"user:alice|collection:log|record:1");
//! let record = unlocked.seal(b"2026-11-28 alice logged in", context)?;
//! let stored_record = record.to_text();
//!
//! // Change the password: one slot is re-wrapped, records are untouched.
//! let new_password = Password::new("a better passphrase")?;
//! unlocked.change_password(0, &new_password, kdf)?;
//! let stored_keyring = unlocked.keyring().to_text();
//! drop(unlocked);
//!
//! // Later, from what the server returns: decode strictly, unlock, open.
//! let keyring = Keyring::from_text(&stored_keyring)?;
//! assert!(keyring.unlock(&password, &policy).is_err());
//! let unlocked = keyring.unlock(&new_password, &policy)?;
//! let record = SealedRecord::from_text(&stored_record)?;
//! let plaintext = unlocked.open(&record, context)?;
//! assert_eq!(&plaintext[..], b"2026-11-28 alice logged in");
//! # Ok(())
//! # }
//! ```
//!
//! # Against a hostile server
//!
//! What SPEC.md adds for a server that is not only curious (its section 21.2):
//!
//! - **Secret keys.** [`Keyring::create_with_secret_key`] writes a slot whose KEK needs the
//!   password and a 128-bit [`SecretKey`] kept on the user's devices and in an emergency kit
//!   (`SK1-…`), so that the server's copy of the keyring alone cannot be guessed offline;
//!   [`Keyring::unlock_secret_key`] opens it, [`UnlockedKeyring::add_secret_key_slot`] adds one.
//! - **Pins.** [`UnlockedKeyring::pin`] gives a [`KeyringPin`] to store per keyring;
//!   [`Keyring::check_pin`] refuses a served keyring that is another keyring, older, a fork
//!   of the pinned generation, or an unconfirmed jump ([`HistoryViolation`]), before any KDF.
//! - **Bounded work.** The policy's `max_unlock_work` bounds the KDF work of one unlock, and
//!   [`Keyring::unlock_preferring`] tries first the slot a pin names ([`SlotRef`]);
//!   [`UnlockedKeyring::slot_index`] says which slot opened.
//! - **Never weaker.** [`UnlockedKeyring::change_password`] refuses a KDF weaker than the
//!   slot's (`weaker_kdf`) unless the caller says so.
//! - **Logs.** [`UnlockedKeyring::seal_log_entry`] binds each entry to its [`LogId`] and
//!   position and MACs a [`Checkpoint`] over an RFC 9162 Merkle tree of all entries;
//!   [`UnlockedKeyring::verify_checkpoint`] against a [`LogPin`] and
//!   [`UnlockedKeyring::open_log_entries`] refuse a replaced, truncated or forked log and a
//!   dropped, altered, reordered or replayed entry (SPEC.md 11.15).
//! - **Streams.** [`UnlockedKeyring::seal_stream`] seals a payload of any size in constant
//!   memory as 64 KiB chunks (SPEC.md 11.16); [`UnlockedKeyring::open_stream`] gives a
//!   [`std::io::Read`] that releases each chunk once authenticated and fails, never ends
//!   early, on a cut, reordered, repeated, extended or mixed stream ([`StreamViolation`]);
//!   [`UnlockedKeyring::stream_chunks`] opens any one chunk on its own.
//! - **Logging in.** [`UnlockedKeyring::auth_tag`] signs requests to the application's server
//!   with a key derived from the DEK, never from the password.
//! - **Newer slot kinds.** A keyring with a slot of a kind this crate does not implement (from
//!   a newer client, kinds 65 to 65,535) still opens through its other slots; the slot is kept
//!   byte for byte ([`SlotKind::Unknown`]).
//!
//! # Async code
//!
//! [`Keyring::create`], [`Keyring::unlock`], [`UnlockedKeyring::change_password`] and
//! [`UnlockedKeyring::add_password_slot`] (and their secret-key counterparts) run a password
//! KDF, slow on purpose: tens to hundreds of milliseconds of one core per slot tried at the
//! default policy, and Argon2id holds its memory for that long. Every call in this crate is synchronous CPU work that
//! blocks its thread. In an async runtime, run the KDF calls where blocking is allowed, for
//! example with tokio's `spawn_blocking`:
//!
//! ```ignore
//! let unlocked = tokio::task::spawn_blocking(move || keyring.unlock(&password, &policy))
//!     .await
//!     .expect("unlock task panicked")?;
//! let unlocked = std::sync::Arc::new(unlocked);
//! ```
//!
//! An [`UnlockedKeyring`] is `Send + Sync`: share it in an `Arc` and seal and open from any
//! task. Sealing or opening a record of a few kilobytes takes microseconds and can stay on
//! the async thread; records of megabytes take milliseconds and belong on a blocking thread
//! as well.
//!
//! # Debug builds
//!
//! Unoptimized code makes the KDFs many times slower: in a debug build of a project that
//! depends on this crate, creating and unlocking a keyring at the default policy takes
//! seconds instead of a tenth of one. Cargo reads profile settings only from the top-level
//! project, so the remedy goes in the dependent's `Cargo.toml`: optimize dependencies and
//! keep the project's own code quick to build and debug.
//!
//! ```toml
//! [profile.dev.package."*"]
//! opt-level = 3
//! ```
//!
//! # Features
//!
//! - `serde` (off by default): `Serialize` and `Deserialize` for [`Keyring`] and
//!   [`SealedRecord`], as their text forms, so that a JSON document (or any serde format)
//!   can hold them without glue code. Deserializing decodes as strictly as
//!   [`Keyring::from_text`] and [`SealedRecord::from_text`]:
//!
//!   ```ignore
//!   #[derive(serde::Serialize, serde::Deserialize)]
//!   struct Vault {
//!       keyring: strongroom::Keyring,            // "srk1.…"
//!       entries: Vec<strongroom::SealedRecord>,  // "srr1.…"
//!   }
//!
//!   let vault: Vault = serde_json::from_str(&json)?; // a malformed object fails here
//!   ```
//!
//! - `ring` (off by default): AES-256-GCM from `ring` (assembly) instead of RustCrypto's
//!   `aes-gcm`, for records and streams; the same bytes either way (BENCHMARKS.md compares
//!   them). The default build is pure Rust.
//!
//! - `hazmat` (off by default): the `hazmat` module, with the DEK and every intermediate
//!   key, injectable randomness and test hooks, for test-vector generators, conformance
//!   adapters, fuzzers and benches. An application never needs it.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]
// No-panic policy: library code holds no unwrap, expect, panic, unchecked index or
// slice, or arithmetic that can overflow or divide by zero. The few sites that are provably
// safe carry `#[allow(..)]` with a `// safe:` reason, which .ci/no-panic checks. Tests
// (cfg(test)) are exempt. Every public function returning Result documents its errors.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::panic_in_result_fn,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented,
        clippy::indexing_slicing,
        clippy::string_slice,
        clippy::arithmetic_side_effects,
        clippy::missing_errors_doc,
        clippy::missing_panics_doc
    )
)]

// Where each section of SPEC.md lives, from the face down. Every `use crate::` points down
// ("over" means uses): no module uses one above it, and format/ and primitives/ do not use
// each other.
//
//   face        lib.rs (this file: the public surface), hazmat.rs (feature `hazmat`),
//               text_serde.rs (feature `serde`)
//   operations  log/ (11.15: mod.rs checkpoints, pins and the operations, merkle.rs the
//               RFC 9162 tree and proofs, context.rs the entry context) and stream/ (11.16:
//               mod.rs keys and frame checks, seal.rs SealStream, open.rs OpenStream and
//               OpenChunk) over record.rs (11.10, 11.11) over keyring/ (11: mod.rs decoding and the keyring MAC,
//               unlock.rs 11.3 to 11.5, change.rs 11.2 and 11.6 to 11.9, pin.rs 11.12)
//   keys        recovery.rs (12), secret_key.rs (12.1) over schedule.rs (9.1 to 9.4); policy.rs (10)
//   bottom      format/ (cbor.rs 5, mod.rs 6.1 and 6.6, kdf.rs 6.4, keyring.rs 6.2 and 6.3,
//               record.rs 6.5, checkpoint.rs 11.15.4, stream.rs 11.16.2 and 11.16.3, text.rs
//               13) beside primitives/ (crypto.rs 2.3 and the AES-GCM backends, kdf.rs 8,
//               rng.rs 9.5, secret.rs 9.6) and password.rs (7)
//   foundation  error.rs (14), limits.rs (15)
mod error;
pub mod limits;

mod format;
mod primitives;

mod password;
mod policy;
mod recovery;
mod schedule;
mod secret_key;

mod keyring;
mod log;
mod record;
mod stream;

#[cfg(feature = "hazmat")]
pub mod hazmat;
#[cfg(feature = "serde")]
mod text_serde;

pub use error::{
    Error, HistoryViolation, InvalidInput, Limit, Malformed, Registry, Result, StreamViolation,
};
pub use format::kdf::KdfParams;
pub use format::keyring::{KeySlot, SlotKind, SlotRef};
pub use format::record::SealedRecord;
pub use format::stream::{
    STREAM_CHUNK_SIZE, STREAM_FRAME_OVERHEAD, STREAM_HEADER_LEN, StreamHeader,
};
pub use keyring::{Keyring, KeyringPin, UnlockedKeyring};
pub use limits::{MAX_CONTEXT_LEN, MAX_PASSWORD_BYTES, MAX_PLAINTEXT_LEN};
pub use log::{
    Checkpoint, ConsistencyProof, InclusionProof, LogAppend, LogId, LogPin, LogState, LogTree,
    VerifiedCheckpoint,
};
pub use password::Password;
pub use policy::{Bounds, UnlockPolicy, UnlockPolicyBuilder};
pub use primitives::rng::RecordRandomness;
pub use record::{Context, Plaintext};
pub use recovery::RecoveryCode;
pub use secret_key::SecretKey;
pub use stream::{
    StreamChunk, StreamChunks, StreamOpener, StreamSealer, StreamSummary, sealed_stream_len,
    stream_chunk_count, stream_error,
};

/// README.md's example compiles and runs as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
