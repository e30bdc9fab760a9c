//! Fuzz oracles: the checks behind every target in `fuzz/` (FUZZING.md).
//!
//! Each target is one line that hands its input to one function here, and
//! `tests/fuzz_replay.rs` replays every committed seed and regression through the same
//! functions on stable Rust, so a machine without nightly still runs the oracles. A
//! function returns what happened to the input ([`Outcome`]); it panics, with a message
//! naming the broken property, exactly when the library misbehaves. Panicking is the point
//! here: it is how libFuzzer learns of a bug.
//!
//! The oracles see the library as a dependent with the `hazmat` feature does: its public
//! API, plus the DEK, the re-encoders, the KDF counter, scripted randomness and the strict
//! CBOR reader from `strongroom::hazmat`. This crate is not published; the library does not
//! depend on it. `tests/properties.rs` holds the property tests (proptest) of the same
//! guarantees.
//!
//! The properties checked, by target:
//! - `decode_keyring`, `decode_record`: an input is rejected with a decoding error class,
//!   or it decodes to a value whose re-encoding from its fields alone is the input, byte
//!   for byte (SR-CBOR-9: one value, one encoding), and whose text form decodes back to it.
//! - `decode_text`: the same for the text form, and agreement with an independent
//!   base64url decoder: text is accepted only in its one canonical spelling.
//! - `cbor_profile`: the strict reader against minicbor as a lenient reader: whenever the
//!   strict reader accepts, minicbor reads the same value; whenever minicbor reads a value
//!   of the profile's data model, the strict reader accepts exactly its canonical encoding.
//! - `open_record`: a fixed unlocked keyring opens arbitrary bytes only if sealing would
//!   produce exactly those bytes (checked by sealing the plaintext again).
//! - `unlock_keyring`: under a policy with a tiny ceiling, no KDF runs for a slot above
//!   the ceiling, at most one KDF runs per password slot, and every input finishes fast.
//! - `decode_checkpoint`: as `decode_keyring`, for log checkpoints (SPEC.md 11.15.4).
//! - `verify_log`: a fixed client pinned on a fixed honest log reads what the input makes a
//!   server serve (checkpoint, consistency proof, entries): it reads exactly the honest
//!   entries up to an honest checkpoint, or fails with a class SPEC.md 11.15.6 allows.
//! - `decode_stream_header`: a stream prefix is rejected with a decoding class, or its first
//!   95 bytes are a header in SPEC.md 11.16.2's layout that decodes alone to the same header.
//! - `open_stream`: the fixture keyring opens a sealed stream only if sealing its payload
//!   again with the stream's salt gives exactly the input; every rejection has a class of
//!   OpenStream (SPEC.md 11.16.4); the `Read` adaptor and the slice API agree, and the
//!   adaptor never ends cleanly on a stream that fails.
//! - `roundtrip`: structured input (`arbitrary`) drives create, seal, open, slot changes
//!   and reloads through the public API, against a model of what should hold.

mod cbor_profile;
mod decode;
mod fixtures;
mod log;
mod open_record;
mod roundtrip;
mod seeds;
mod stream;
mod text;
mod unlock_keyring;

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use arbitrary::{Arbitrary, Unstructured};
use sha2::{Digest, Sha256};
use strongroom::hazmat::cbor::{self, MAX_DEPTH, Value, Writer};
use strongroom::hazmat::{self, RECORD_HEADER_LEN as HEADER_LEN, RandomSource, kdf_calls};
use strongroom::limits::{
    MAX_GENERATION, MAX_KEYRING_LEN, MAX_LABEL_BYTES, MAX_RECORD_LEN, MAX_SLOTS,
};
use strongroom::{
    Context, Error, InvalidInput, KdfParams, KeySlot, Keyring, Limit, MAX_CONTEXT_LEN,
    MAX_PASSWORD_BYTES, Malformed, Password, RecoveryCode, SealedRecord, SecretKey, SlotKind,
    UnlockPolicy, UnlockedKeyring,
};

pub use cbor_profile::*;
pub use decode::*;
pub use fixtures::*;
pub use log::*;
pub use open_record::*;
pub use roundtrip::*;
pub use seeds::*;
pub use stream::*;
pub use text::*;
pub use unlock_keyring::*;

/// Text prefix of a keyring (SR-TXT-1).
const KEYRING_PREFIX: &str = "srk1.";
/// Text prefix of a sealed record (SR-TXT-1).
const RECORD_PREFIX: &str = "srr1.";
/// Text prefix of a log checkpoint (SR-TXT-1, SR-LOG-5).
const CHECKPOINT_PREFIX: &str = "src1.";

/// The fuzz targets, in the order CI and the campaign run them.
pub const TARGETS: &[&str] = &[
    "decode_keyring",
    "decode_record",
    "decode_text",
    "cbor_profile",
    "open_record",
    "unlock_keyring",
    "roundtrip",
    "decode_checkpoint",
    "verify_log",
    "decode_stream_header",
    "open_stream",
];

/// What an oracle saw. Violations are panics, not outcomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The input was accepted: decoded, opened, unlocked, or (roundtrip) run to the end.
    Accepted,
    /// The input was rejected with this SPEC.md error class (or `"malformed_cbor"` when
    /// only minicbor, not the library, was asked).
    Rejected(&'static str),
}

/// Runs the oracle of `target` on `data`; `None` for an unknown target name.
pub fn run(target: &str, data: &[u8]) -> Option<Outcome> {
    Some(match target {
        "decode_keyring" => decode_keyring(data),
        "decode_record" => decode_record(data),
        "decode_text" => decode_text(data),
        "cbor_profile" => cbor_profile(data),
        "open_record" => open_record(data),
        "unlock_keyring" => unlock_keyring(data),
        "roundtrip" => roundtrip(data),
        "decode_checkpoint" => decode_checkpoint(data),
        "verify_log" => verify_log(data),
        "decode_stream_header" => decode_stream_header(data),
        "open_stream" => open_stream(data),
        _ => return None,
    })
}
