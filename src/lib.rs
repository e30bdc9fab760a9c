//! Strongroom: password-based, client-side envelope encryption with a strict, versioned,
//! deterministic CBOR container.
//!
//! A master password goes through a KDF (PBKDF2-HMAC-SHA256 or Argon2id) to a key-encryption
//! key that unwraps a random data key (DEK) from a [`Keyring`]'s [`KeySlot`]; each record is
//! sealed with AES-256-GCM under its own HKDF subkey of the DEK, with a key commitment and
//! the record header plus an application context as associated data. The server that stores
//! keyrings and [`SealedRecord`]s is assumed malicious; SPEC.md in the repository is the
//! normative description, and this crate implements it.
//!
//! ```
//! use strongroom::{Keyring, KdfParams, Password, SealedRecord, UnlockPolicy};
//!
//! # fn main() -> Result<(), strongroom::Error> {
//! // Small KDF parameters keep the example fast; real keyrings use the default policy
//! // (PBKDF2 with 600,000 iterations at least).
//! let policy = UnlockPolicy::new(
//!     strongroom::Bounds::new(1_000, 2_000_000),
//!     strongroom::Bounds::new(19_456, 262_144),
//!     strongroom::Bounds::new(2, 8),
//!     strongroom::Bounds::new(1, 8),
//! )?;
//! let kdf = KdfParams::Pbkdf2Sha256 { iterations: 1_000 };
//!
//! // Create: the keyring goes to the server, the unlocked keyring stays in memory.
//! let password = Password::new("correct horse battery staple")?;
//! let mut unlocked = Keyring::create(&password, kdf, "laptop", &policy)?;
//! let stored_keyring = unlocked.keyring().to_text();
//!
//! // Seal a log entry bound to who owns it and where it lives.
//! let context = b"user:alice|collection:log|record:1";
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
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]
// No-panic policy (issue 7): library code holds no unwrap, expect, panic, unchecked index or
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

// The layers, bottom up: error and limits; the wire format (format/) beside the primitives
// (primitives/); password, policy, key schedule and recovery codes on top of those; keyrings
// and records; and this file, the face, which re-exports what a user needs.
mod error;
pub mod limits;

mod format;
mod primitives;

mod password;
mod policy;
mod recovery;
mod schedule;

mod keyring;
mod record;

/// Fuzz oracles shared by `fuzz/` and `tests/fuzz_replay.rs` (FUZZING.md); not public API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

pub use error::{Error, InvalidInput, Limit, Malformed, Registry, Result};
pub use format::kdf::KdfParams;
pub use format::keyring::{KeySlot, SlotKind};
pub use format::record::SealedRecord;
pub use keyring::{Keyring, UnlockedKeyring};
pub use limits::{MAX_CONTEXT_LEN, MAX_PASSWORD_BYTES, MAX_PLAINTEXT_LEN};
pub use password::Password;
pub use policy::{Bounds, UnlockPolicy};
pub use primitives::rng::{OsRandom, RandomSource, ThreadRandom};
pub use record::Plaintext;
pub use recovery::RecoveryCode;

#[doc(hidden)]
pub use keyring::SlotSecrets;
#[doc(hidden)]
pub use record::RecordSecrets;

/// Number of KDF runs on the current thread so far (tests and fuzzing only).
#[doc(hidden)]
pub fn kdf_calls() -> u64 {
    primitives::kdf::calls()
}

/// README.md's example compiles and runs as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
