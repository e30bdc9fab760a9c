//! Fuzz oracles: the checks behind every target in `fuzz/` (FUZZING.md).
//!
//! Each target is one line that hands its input to one function here, and
//! `tests/fuzz_replay.rs` replays every committed seed and regression through the same
//! functions on stable Rust, so a machine without nightly still runs the oracles. A
//! function returns what happened to the input ([`Outcome`]); it panics, with a message
//! naming the broken property, exactly when the library misbehaves. Panicking is the point
//! here: it is how libFuzzer learns of a bug. Nothing in this module is public API.
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
//! - `roundtrip`: structured input (`arbitrary`) drives create, seal, open, slot changes
//!   and reloads through the public API, against a model of what should hold.

// This module exists to panic: an oracle reports a library bug to libFuzzer (and to
// tests/fuzz_replay.rs) by panicking with the broken property. It is compiled only with
// the `fuzzing` feature, so no user's build contains it, and the crate's no-panic policy
// (lib.rs) is lifted for it as a whole.
// safe: test-support code behind the `fuzzing` feature; panics are its oracle verdicts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::arithmetic_side_effects,
    clippy::missing_errors_doc,
    clippy::missing_panics_doc
)]

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use arbitrary::{Arbitrary, Unstructured};
use sha2::{Digest, Sha256};

use crate::format::cbor::{self, MAX_DEPTH, Value, Writer};
use crate::format::record::HEADER_LEN;
use crate::format::text::{KEYRING_PREFIX, RECORD_PREFIX};
use crate::hazmat::{self, RandomSource, kdf_calls};
use crate::limits::{MAX_GENERATION, MAX_KEYRING_LEN, MAX_LABEL_BYTES, MAX_SLOTS};
use crate::{
    Context, Error, InvalidInput, KdfParams, Keyring, Limit, MAX_CONTEXT_LEN, Malformed, Password,
    RecoveryCode, SealedRecord, SlotKind, UnlockPolicy, UnlockedKeyring,
};

/// The fuzz targets, in the order CI and the campaign run them.
pub const TARGETS: &[&str] = &[
    "decode_keyring",
    "decode_record",
    "decode_text",
    "cbor_profile",
    "open_record",
    "unlock_keyring",
    "roundtrip",
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
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------
// Fixtures shared by the oracles and the seed generator.

/// Deterministic bytes for reproducible fuzz fixtures and seeds: SHA-256 over
/// `seed || counter`, one block per 32 bytes. Never a substitute for a CSPRNG.
#[derive(Clone, Debug)]
pub struct SeededRandom {
    seed: u64,
    counter: u64,
}

impl SeededRandom {
    /// A stream determined by `seed` alone.
    pub fn new(seed: u64) -> Self {
        SeededRandom { seed, counter: 0 }
    }
}

impl RandomSource for SeededRandom {
    fn fill(&mut self, dest: &mut [u8]) -> crate::Result<()> {
        for chunk in dest.chunks_mut(32) {
            let block = Sha256::new()
                .chain_update(self.seed.to_be_bytes())
                .chain_update(self.counter.to_be_bytes())
                .finalize();
            self.counter += 1;
            chunk.copy_from_slice(&block[..chunk.len()]);
        }
        Ok(())
    }
}

/// Hands out fixed byte strings in order; refuses when out of step. Used to seal again
/// with a record's own salt and nonce.
struct Scripted<'a>(Vec<&'a [u8]>);

impl RandomSource for Scripted<'_> {
    fn fill(&mut self, dest: &mut [u8]) -> crate::Result<()> {
        if self.0.is_empty() || self.0[0].len() != dest.len() {
            return Err(Error::RandomnessUnavailable);
        }
        dest.copy_from_slice(self.0.remove(0));
        Ok(())
    }
}

/// A policy far below the real floors so fixtures cost microseconds (SR-POL-4 says real
/// applications never do this).
pub fn relaxed_policy() -> UnlockPolicy {
    UnlockPolicy::builder()
        .pbkdf2_iterations(1..=2_000_000)
        .argon2_memory_kib(8..=262_144)
        .argon2_time_cost(1..=8)
        .argon2_parallelism(1..=8)
        .build()
        .expect("fixed fuzz policy bounds are within the hard limits")
}

/// Largest PBKDF2 iteration count the `unlock_keyring` policy accepts.
pub const TINY_PBKDF2_CEILING: u32 = 64;
/// Largest Argon2id memory (KiB) the `unlock_keyring` policy accepts.
pub const TINY_ARGON2_MEMORY_CEILING: u32 = 64;
/// Largest Argon2id time cost and parallelism the `unlock_keyring` policy accepts.
pub const TINY_ARGON2_TIME_LANES_CEILING: u32 = 2;

/// The `unlock_keyring` policy: every floor at its minimum, every ceiling tiny.
pub fn tiny_policy() -> UnlockPolicy {
    UnlockPolicy::builder()
        .pbkdf2_iterations(1..=TINY_PBKDF2_CEILING)
        .argon2_memory_kib(8..=TINY_ARGON2_MEMORY_CEILING)
        .argon2_time_cost(1..=TINY_ARGON2_TIME_LANES_CEILING)
        .argon2_parallelism(1..=TINY_ARGON2_TIME_LANES_CEILING)
        .build()
        .expect("fixed fuzz policy bounds are within the hard limits")
}

/// The password of the `open_record` fixture keyring.
pub const FIXTURE_PASSWORD: &str = "fuzz fixture password";
/// The password `unlock_keyring` tries on every input.
pub const UNLOCK_PASSWORD: &str = "correct horse battery staple";
/// The two contexts `open_record` tries on every input. A record opens under at most one.
pub const CONTEXTS: [&[u8]; 2] = [b"", b"user:fuzz|collection:log|record:1"];
/// Seed of the random stream of the fixture keyring.
const FIXTURE_SEED: u64 = 0x5eed_f1c5;
/// The secret of the recovery code `unlock_keyring` tries on every input.
const UNLOCK_RECOVERY_SECRET: [u8; 32] = [0x42; 32];

fn password(s: &str) -> Password {
    Password::new(s).expect("fixed fuzz passwords are valid")
}

/// The recovery code `unlock_keyring` tries; seeds add a slot for it.
pub fn unlock_recovery_code() -> RecoveryCode {
    hazmat::recovery_code_from_secret(UNLOCK_RECOVERY_SECRET)
}

/// The fixed unlocked keyring `open_record` opens inputs with: one PBKDF2 slot with one
/// iteration, created from [`SeededRandom`] so that seeds made elsewhere match it.
pub fn fixture_keyring() -> &'static UnlockedKeyring {
    static FIXTURE: OnceLock<UnlockedKeyring> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        hazmat::create_with_rng(
            &password(FIXTURE_PASSWORD),
            KdfParams::Pbkdf2Sha256 { iterations: 1 },
            "fixture",
            &relaxed_policy(),
            &mut SeededRandom::new(FIXTURE_SEED),
        )
        .expect("the fixture keyring is valid")
    })
}

// ---------------------------------------------------------------------------------------
// decode_keyring, decode_record

/// Error classes that decoding alone may produce (SPEC.md decoding order).
fn is_decoding_error(e: &Error) -> bool {
    matches!(
        e,
        Error::Malformed(_)
            | Error::UnsupportedVersion { .. }
            | Error::UnsupportedAlgorithm { .. }
            | Error::KdfParamsOutOfBounds
    )
}

fn check_binary_decode_error(what: &str, e: &Error) {
    assert!(
        is_decoding_error(e),
        "{what}: decoding failed with a non-decoding error class {e:?}"
    );
    assert!(
        !matches!(
            e,
            Error::Malformed(Malformed::TextPrefix | Malformed::TextEncoding)
        ),
        "{what}: binary decoding reported a text-form error {e:?}"
    );
}

/// Oracle of `decode_keyring`: rejected with a decoding error, or canonical.
pub fn decode_keyring(data: &[u8]) -> Outcome {
    let decoded = Keyring::from_bytes(data);
    assert_eq!(
        decoded,
        Keyring::from_bytes(data),
        "keyring decoding is not a function of the input"
    );
    match decoded {
        Ok(keyring) => {
            check_keyring(&keyring, data);
            Outcome::Accepted
        }
        Err(e) => {
            check_binary_decode_error("keyring", &e);
            Outcome::Rejected(e.class())
        }
    }
}

fn check_keyring(k: &Keyring, data: &[u8]) {
    assert!(
        data.len() <= MAX_KEYRING_LEN,
        "accepted a keyring of {} bytes",
        data.len()
    );
    assert_eq!(k.as_bytes(), data, "keyring does not keep its exact bytes");
    let again = hazmat::reencode_keyring(k)
        .unwrap_or_else(|e| panic!("accepted keyring does not re-encode: {e:?}"));
    assert!(
        again == data,
        "accepted keyring is not the canonical encoding of its fields (SR-CBOR-9)\n input: {}\n again: {}",
        hex(data),
        hex(&again)
    );
    assert!(
        (1..=MAX_SLOTS).contains(&k.slots().len()),
        "accepted {} slots",
        k.slots().len()
    );
    assert!(k.generation() <= MAX_GENERATION, "generation out of range");
    let mut offset = None;
    for slot in k.slots() {
        assert!(slot.label().len() <= MAX_LABEL_BYTES, "label too long");
        if let SlotKind::Password { kdf, .. } = slot.kind() {
            assert!(kdf.check_limits().is_ok(), "accepted KDF {kdf:?}");
        }
        // Slots are stored back to back inside the keyring encoding, in order.
        let at = find(data, slot.as_bytes(), offset.unwrap_or(0))
            .expect("a slot's bytes are not part of its keyring's bytes");
        offset = Some(at + slot.as_bytes().len());
    }
    let text = k.to_text();
    assert!(text.starts_with(KEYRING_PREFIX), "keyring text prefix");
    let back = Keyring::from_text(&text)
        .unwrap_or_else(|e| panic!("text form of an accepted keyring fails: {e:?}"));
    assert_eq!(&back, k, "keyring text round trip changed the keyring");
    // SR-OBJ-1: the object type is read first, so a keyring is never a record.
    assert_eq!(
        SealedRecord::from_bytes(data).err(),
        Some(Error::Malformed(Malformed::WrongObjectType)),
        "keyring bytes decoded as a record must fail with wrong_object_type"
    );
}

/// Oracle of `decode_record`: rejected with a decoding error, or canonical.
pub fn decode_record(data: &[u8]) -> Outcome {
    let decoded = SealedRecord::from_bytes(data);
    assert_eq!(
        decoded,
        SealedRecord::from_vec(data.to_vec()),
        "from_bytes and from_vec disagree"
    );
    match decoded {
        Ok(record) => {
            check_record(&record, data);
            Outcome::Accepted
        }
        Err(e) => {
            check_binary_decode_error("record", &e);
            assert!(
                !matches!(
                    e,
                    Error::UnsupportedAlgorithm { .. } | Error::KdfParamsOutOfBounds
                ),
                "a record has no algorithm registry or KDF, yet decoding said {e:?}"
            );
            Outcome::Rejected(e.class())
        }
    }
}

fn check_record(r: &SealedRecord, data: &[u8]) {
    assert_eq!(r.as_bytes(), data, "record does not keep its exact bytes");
    let again = hazmat::reencode_record(r);
    assert!(
        again == data,
        "accepted record is not the canonical encoding of its fields (SR-CBOR-9)\n input: {}\n again: {}",
        hex(data),
        hex(&again)
    );
    assert_eq!(r.header(), &data[..HEADER_LEN], "record header");
    let ct = r.ciphertext();
    assert!(ct.len() >= 16, "ciphertext shorter than the tag");
    assert!(
        data.ends_with(ct),
        "ciphertext is not the end of the record"
    );
    assert_eq!(r.plaintext_len() + 16, ct.len(), "plaintext length");
    let text = r.to_text();
    assert!(text.starts_with(RECORD_PREFIX), "record text prefix");
    let back = SealedRecord::from_text(&text)
        .unwrap_or_else(|e| panic!("text form of an accepted record fails: {e:?}"));
    assert_eq!(&back, r, "record text round trip changed the record");
    let as_keyring = Keyring::from_bytes(data).err();
    assert!(
        matches!(
            as_keyring,
            Some(Error::Malformed(
                Malformed::WrongObjectType | Malformed::TooLarge
            ))
        ),
        "record bytes decoded as a keyring gave {as_keyring:?}"
    );
}

// ---------------------------------------------------------------------------------------
// decode_text

/// Oracle of `decode_text`: the input, read as UTF-8 (lossily, so that every input
/// reaches the decoder), is tried as a keyring and as a record text.
pub fn decode_text(data: &[u8]) -> Outcome {
    let s = String::from_utf8_lossy(data);
    let keyring = Keyring::from_text(&s);
    let record = SealedRecord::from_text(&s);
    let max_record = crate::limits::MAX_RECORD_LEN;
    check_text(
        &s,
        KEYRING_PREFIX,
        MAX_KEYRING_LEN,
        &keyring,
        Keyring::from_bytes,
        |k| k.to_text(),
    );
    check_text(
        &s,
        RECORD_PREFIX,
        max_record,
        &record,
        SealedRecord::from_bytes,
        |r| r.to_text(),
    );
    match (&keyring, &record) {
        (Ok(_), Ok(_)) => panic!("one text decoded as both a keyring and a record"),
        (Ok(_), _) | (_, Ok(_)) => Outcome::Accepted,
        (Err(e), _) => Outcome::Rejected(e.class()),
    }
}

fn check_text<T: PartialEq + core::fmt::Debug>(
    s: &str,
    prefix: &str,
    max_binary_len: usize,
    decoded: &crate::Result<T>,
    from_bytes: impl Fn(&[u8]) -> crate::Result<T>,
    to_text: impl Fn(&T) -> String,
) {
    // SPEC.md's order for text: prefix (SR-TXT-1), base64url (SR-TXT-2), then the bytes
    // as a binary object, size limit first.
    let Some(body) = s.strip_prefix(prefix) else {
        let ours = prefix.as_bytes()[2];
        let expected = match reference_text_prefix(s) {
            Some((letter, _)) if letter != ours => Error::Malformed(Malformed::WrongObjectType),
            Some((_, version)) => {
                assert_ne!(version, 1, "the exact prefix was not stripped");
                Error::UnsupportedVersion { version }
            }
            None => Error::Malformed(Malformed::TextPrefix),
        };
        assert_eq!(
            decoded.as_ref().err(),
            Some(&expected),
            "text {:?} asked for as {prefix} (SR-TXT-1)",
            s.get(..24).unwrap_or(s)
        );
        return;
    };
    // An independent reading of the body: lenient about the unused low bits, so that it
    // can tell a non-canonical spelling from an invalid one.
    match reference_base64url_decode(body) {
        Some(bytes) if reference_base64url_encode(&bytes) == body => {
            // SR-TXT-4: a canonical body's decoded length is checked before its bytes are
            // looked at; within the limit, text says exactly what binary says.
            if bytes.len() > max_binary_len {
                assert_eq!(
                    decoded.as_ref().err(),
                    Some(&Error::Malformed(Malformed::TooLarge)),
                    "text of {} bytes asked for as {prefix}",
                    bytes.len()
                );
                return;
            }
            let binary = from_bytes(&bytes);
            assert_eq!(
                decoded.as_ref(),
                binary.as_ref(),
                "text and binary decoding disagree"
            );
            if let Ok(value) = decoded {
                assert_eq!(to_text(value), s, "accepted text is not canonical");
            }
        }
        _ => assert_eq!(
            decoded.as_ref().err(),
            Some(&Error::Malformed(Malformed::TextEncoding)),
            "invalid or non-canonical base64url {:?}",
            body.get(..64).unwrap_or(body)
        ),
    }
}

/// SR-TXT-1's grammar, read independently of the library: the type letter and version of
/// the `prefix` a text starts with (`"sr" ("k" / "r") version "."`, the version in canonical
/// decimal below 2^64), or `None` when it starts with no prefix.
fn reference_text_prefix(s: &str) -> Option<(u8, u64)> {
    let b = s.as_bytes();
    let rest = b.strip_prefix(b"sr")?;
    let (&letter, rest) = rest.split_first()?;
    if letter != b'k' && letter != b'r' {
        return None;
    }
    let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || rest.get(digits) != Some(&b'.') || (digits > 1 && rest[0] == b'0') {
        return None;
    }
    let mut version = 0u64;
    for &d in &rest[..digits] {
        version = version.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some((letter, version))
}

const B64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Unpadded base64url decoding that ignores the unused low bits of the last symbol.
/// Written separately from the library's decoder on purpose (a bit accumulator instead of
/// 4-symbol blocks), so that the two can check each other.
fn reference_base64url_decode(body: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in body.chars() {
        let v = B64URL.find(c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // 6 leftover bits means a lone symbol: no byte can end there.
    (bits < 6).then_some(out)
}

fn reference_base64url_encode(bytes: &[u8]) -> String {
    let alphabet = B64URL.as_bytes();
    let mut out = String::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 6 {
            bits -= 6;
            out.push(char::from(alphabet[((acc >> bits) & 63) as usize]));
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(alphabet[((acc << (6 - bits)) & 63) as usize]));
    }
    out
}

// ---------------------------------------------------------------------------------------
// cbor_profile

/// A CBOR value as both readers see it. Maps keep their entries in input order.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Model {
    Uint(u64),
    Bytes(Vec<u8>),
    Text(String),
    Array(Vec<Model>),
    Map(Vec<(Model, Model)>),
    /// Well-formed CBOR outside the profile's data model (negative integer, tag, float,
    /// simple value).
    Other(&'static str),
}

/// Why minicbor did not produce a value.
#[derive(Debug)]
enum Lenient {
    Invalid,
    /// Deeper than this oracle follows; the strict reader stops at depth 4 anyway.
    TooDeep,
}

/// How deep the lenient reader follows containers (keeps it off the stack limit).
const LENIENT_MAX_DEPTH: usize = 16;

impl From<minicbor::decode::Error> for Lenient {
    fn from(_: minicbor::decode::Error) -> Self {
        Lenient::Invalid
    }
}

fn lenient_item(d: &mut minicbor::Decoder<'_>, depth: usize) -> Result<Model, Lenient> {
    use minicbor::data::Type;
    Ok(match d.datatype()? {
        Type::U8 | Type::U16 | Type::U32 | Type::U64 => Model::Uint(d.u64()?),
        Type::I8 | Type::I16 | Type::I32 | Type::I64 | Type::Int => {
            d.int()?;
            Model::Other("negative integer")
        }
        Type::Bytes | Type::BytesIndef => {
            let mut out = Vec::new();
            for chunk in d.bytes_iter()? {
                out.extend_from_slice(chunk?);
            }
            Model::Bytes(out)
        }
        Type::String | Type::StringIndef => {
            let mut out = String::new();
            for chunk in d.str_iter()? {
                out.push_str(chunk?);
            }
            Model::Text(out)
        }
        Type::Array | Type::ArrayIndef => {
            let inner = enter_lenient(depth)?;
            let count = d.array()?;
            let mut items = Vec::new();
            lenient_entries(d, count, |d| {
                items.push(lenient_item(d, inner)?);
                Ok(())
            })?;
            Model::Array(items)
        }
        Type::Map | Type::MapIndef => {
            let inner = enter_lenient(depth)?;
            let count = d.map()?;
            let mut entries = Vec::new();
            lenient_entries(d, count, |d| {
                let key = lenient_item(d, inner)?;
                let value = lenient_item(d, inner)?;
                entries.push((key, value));
                Ok(())
            })?;
            Model::Map(entries)
        }
        Type::Tag => {
            d.tag()?;
            lenient_item(d, enter_lenient(depth)?)?;
            Model::Other("tag")
        }
        Type::Bool
        | Type::Null
        | Type::Undefined
        | Type::Simple
        | Type::F16
        | Type::F32
        | Type::F64 => {
            d.skip()?;
            Model::Other("simple value or float")
        }
        // A break where an item should start, or a reserved head.
        _ => return Err(Lenient::Invalid),
    })
}

fn enter_lenient(depth: usize) -> Result<usize, Lenient> {
    if depth >= LENIENT_MAX_DEPTH {
        return Err(Lenient::TooDeep);
    }
    Ok(depth + 1)
}

/// Reads `count` entries, or entries up to a break for an indefinite container. Each
/// entry takes at least one byte, so a huge count ends at the end of the input.
fn lenient_entries(
    d: &mut minicbor::Decoder<'_>,
    count: Option<u64>,
    mut entry: impl FnMut(&mut minicbor::Decoder<'_>) -> Result<(), Lenient>,
) -> Result<(), Lenient> {
    match count {
        Some(n) => {
            for _ in 0..n {
                entry(d)?;
            }
        }
        None => loop {
            if d.datatype()? == minicbor::data::Type::Break {
                d.set_position(d.position() + 1);
                break;
            }
            entry(d)?;
        },
    }
    Ok(())
}

fn lenient_decode(data: &[u8]) -> Result<Model, Lenient> {
    let mut d = minicbor::Decoder::new(data);
    let value = lenient_item(&mut d, 0)?;
    if d.position() != data.len() {
        return Err(Lenient::Invalid);
    }
    Ok(value)
}

fn model_of(v: &Value<'_>) -> Model {
    match v {
        Value::Uint(n) => Model::Uint(*n),
        Value::Bytes(b) => Model::Bytes(b.to_vec()),
        Value::Text(s) => Model::Text((*s).to_owned()),
        Value::Array(items) => Model::Array(items.iter().map(|i| model_of(&i.value)).collect()),
        Value::Map(entries) => Model::Map(
            entries
                .iter()
                .map(|(k, i)| (Model::Uint(*k), model_of(&i.value)))
                .collect(),
        ),
    }
}

/// The value with every map's entries in key order: equal for two encodings of one
/// value. Only called on values in the profile's data model (integer keys).
fn sorted(m: &Model) -> Model {
    match m {
        Model::Array(items) => Model::Array(items.iter().map(sorted).collect()),
        Model::Map(entries) => {
            let mut entries: Vec<(Model, Model)> = entries
                .iter()
                .map(|(k, v)| (k.clone(), sorted(v)))
                .collect();
            entries.sort_by_key(|(k, _)| match k {
                Model::Uint(n) => *n,
                _ => u64::MAX,
            });
            Model::Map(entries)
        }
        other => other.clone(),
    }
}

/// Container nesting of a value: a scalar is 0, a top-level map 1 (SR-CBOR-7).
fn depth(m: &Model) -> usize {
    match m {
        Model::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Model::Map(entries) => 1 + entries.iter().map(|(_, v)| depth(v)).max().unwrap_or(0),
        _ => 0,
    }
}

/// The profile's one encoding of a value (SR-CBOR-9), written with the library's writer,
/// or `None` when the value is outside the profile's data model (a non-integer key, two
/// equal keys, or anything [`Model::Other`]).
fn canonical(m: &Model) -> Option<Vec<u8>> {
    let mut w = Writer::default();
    write_canonical(&mut w, m)?;
    Some(w.into_vec())
}

fn write_canonical(w: &mut Writer, m: &Model) -> Option<()> {
    match m {
        Model::Uint(n) => {
            w.uint(*n);
        }
        Model::Bytes(b) => {
            w.bytes(b);
        }
        Model::Text(s) => {
            w.text(s);
        }
        Model::Array(items) => {
            w.array(items.len());
            for item in items {
                write_canonical(w, item)?;
            }
        }
        Model::Map(entries) => {
            let mut keyed = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                match k {
                    Model::Uint(k) => keyed.push((*k, v)),
                    _ => return None,
                }
            }
            // A map is a set of entries: its encoding sorts them by key (SR-CBOR-5).
            keyed.sort_by_key(|(k, _)| *k);
            if keyed.windows(2).any(|p| p[0].0 == p[1].0) {
                return None;
            }
            w.map(keyed.len());
            for (k, v) in keyed {
                w.uint(k);
                write_canonical(w, v)?;
            }
        }
        Model::Other(_) => return None,
    }
    Some(())
}

/// Oracle of `cbor_profile`: the strict reader against minicbor.
pub fn cbor_profile(data: &[u8]) -> Outcome {
    let strict = cbor::decode(data);
    let lenient = lenient_decode(data);
    if let Ok(item) = &strict {
        assert_eq!(item.raw, data, "strict item does not span its input");
        let value = model_of(&item.value);
        match &lenient {
            Ok(other) => assert_eq!(&value, other, "strict and lenient readers disagree"),
            Err(e) => panic!("strict reader accepted what minicbor rejects ({e:?})"),
        }
        let again = canonical(&value).expect("strict values are in the profile's data model");
        assert!(
            again == data,
            "strict reader accepted a non-canonical encoding\n input: {}\n canonical: {}",
            hex(data),
            hex(&again)
        );
    }
    match &lenient {
        Ok(value) => match canonical(value) {
            Some(encoding) => {
                let fits = depth(value) <= MAX_DEPTH;
                match cbor::decode(&encoding) {
                    Ok(item) => {
                        assert!(fits, "strict reader accepted nesting {}", depth(value));
                        assert_eq!(
                            model_of(&item.value),
                            sorted(value),
                            "canonical encoding reads back differently"
                        );
                    }
                    Err(e) => assert!(
                        !fits && e == Malformed::NestingTooDeep,
                        "strict reader rejects the canonical encoding {} with {e:?}",
                        hex(&encoding)
                    ),
                }
                assert_eq!(
                    strict.is_ok(),
                    fits && encoding == data,
                    "strict reader must accept exactly the canonical encoding\n input: {}\n canonical: {}\n strict: {:?}",
                    hex(data),
                    hex(&encoding),
                    strict.as_ref().err()
                );
            }
            None => assert!(
                strict.is_err(),
                "strict reader accepted a value outside the profile"
            ),
        },
        Err(Lenient::TooDeep) => assert!(
            strict.is_err(),
            "strict reader accepted nesting deeper than {LENIENT_MAX_DEPTH}"
        ),
        Err(Lenient::Invalid) => {}
    }
    match (&strict, &lenient) {
        (Ok(_), _) => Outcome::Accepted,
        (Err(_), Err(Lenient::Invalid)) => Outcome::Rejected("malformed_cbor"),
        (Err(_), _) => Outcome::Rejected("malformed"),
    }
}

// ---------------------------------------------------------------------------------------
// open_record

/// Oracle of `open_record`: the fixture keyring opens a record under one of
/// [`CONTEXTS`] only if sealing that plaintext, with the record's salt and nonce, gives
/// exactly the input bytes.
pub fn open_record(data: &[u8]) -> Outcome {
    let record = match SealedRecord::from_bytes(data) {
        Ok(r) => r,
        Err(e) => return Outcome::Rejected(e.class()),
    };
    let unlocked = fixture_keyring();
    let ours = record.keyring_id() == unlocked.keyring().id();
    let mut opened = false;
    let mut outcome = None;
    for context in CONTEXTS {
        match unlocked.open(&record, Context::new(context)) {
            Ok(plaintext) => {
                assert!(ours, "opened a record of another keyring");
                let mut script = Scripted(vec![record.salt(), record.nonce()]);
                let sealed =
                    hazmat::seal_with_rng(unlocked, &plaintext, Context::new(context), &mut script)
                        .unwrap_or_else(|e| panic!("sealing an opened plaintext again: {e:?}"));
                assert!(
                    sealed.as_bytes() == data,
                    "opened bytes that sealing does not produce: {}",
                    hex(data)
                );
                assert!(!opened, "one record opened under two different contexts");
                opened = true;
                outcome = Some(Outcome::Accepted);
            }
            Err(e) => {
                let expected = if ours {
                    Error::RecordAuthenticationFailed
                } else {
                    Error::WrongKeyring
                };
                assert_eq!(e, expected, "opening failed with the wrong class");
                outcome.get_or_insert(Outcome::Rejected(e.class()));
            }
        }
    }
    outcome.unwrap_or(Outcome::Rejected("no context tried"))
}

// ---------------------------------------------------------------------------------------
// unlock_keyring

/// Longest any single unlock call may take on a fuzz input. The tiny policy makes every
/// permitted KDF cost microseconds; this is a generous net for a hang, and libFuzzer's
/// `-timeout` is the first one.
const UNLOCK_TIME_LIMIT: Duration = Duration::from_secs(10);

/// The tiny policy, checked independently of [`UnlockPolicy::check`].
fn under_tiny_ceiling(kdf: &KdfParams) -> bool {
    match *kdf {
        KdfParams::Pbkdf2Sha256 { iterations } => (1..=TINY_PBKDF2_CEILING).contains(&iterations),
        KdfParams::Argon2id {
            memory_kib,
            time_cost,
            parallelism,
        } => {
            (8..=TINY_ARGON2_MEMORY_CEILING).contains(&memory_kib)
                && (1..=TINY_ARGON2_TIME_LANES_CEILING).contains(&time_cost)
                && (1..=TINY_ARGON2_TIME_LANES_CEILING).contains(&parallelism)
                && memory_kib >= 8 * parallelism
        }
    }
}

/// Runs `f` and returns its result with the number of KDF runs it caused.
fn counting<T>(what: &str, f: impl FnOnce() -> T) -> (T, u64) {
    let before = kdf_calls();
    let started = Instant::now();
    let out = f();
    let elapsed = started.elapsed();
    assert!(
        elapsed < UNLOCK_TIME_LIMIT,
        "{what} took {elapsed:?} under the tiny policy"
    );
    (out, kdf_calls() - before)
}

/// Oracle of `unlock_keyring`: arbitrary keyring bytes, [`UNLOCK_PASSWORD`] and a fixed
/// recovery code, under [`tiny_policy`].
pub fn unlock_keyring(data: &[u8]) -> Outcome {
    let keyring = match Keyring::from_bytes(data) {
        Ok(k) => k,
        Err(e) => return Outcome::Rejected(e.class()),
    };
    let policy = tiny_policy();
    let pw = password(UNLOCK_PASSWORD);
    let slots = keyring.slots();
    let password_slots: Vec<&KdfParams> = slots.iter().filter_map(|s| s.kdf()).collect();
    let all_permitted = password_slots.iter().all(|k| under_tiny_ceiling(k));

    // Every slot: policy first (SR-POL-1, SR-POL-2), then at most one KDF per slot.
    let (result, ran) = counting("unlock", || keyring.unlock(&pw, &policy));
    if all_permitted {
        assert!(
            ran <= password_slots.len() as u64,
            "unlock ran {ran} KDFs for {} password slots",
            password_slots.len()
        );
    } else {
        assert_eq!(ran, 0, "a KDF ran although a slot is above the ceiling");
        assert_eq!(
            result.as_ref().err(),
            Some(&Error::OutOfPolicy),
            "a slot above the ceiling"
        );
    }
    if password_slots.is_empty() {
        assert_eq!(result.as_ref().err(), Some(&Error::UnlockFailed));
    }
    let outcome = match &result {
        Ok(unlocked) => {
            check_unlocked(&keyring, unlocked);
            Outcome::Accepted
        }
        Err(e) => {
            assert!(
                matches!(
                    e,
                    Error::OutOfPolicy | Error::UnlockFailed | Error::KeyringTampered
                ),
                "unlock failed with {e:?}"
            );
            Outcome::Rejected(e.class())
        }
    };

    // One slot at a time (SR-OP-3), including one index past the end.
    for index in 0..=slots.len() {
        let (r, ran) = counting("unlock_slot", || keyring.unlock_slot(index, &pw, &policy));
        let expected_kdfs = match slots.get(index).map(|s| s.kind()) {
            None => {
                assert_eq!(r.err(), Some(Error::InvalidInput(InvalidInput::NoSuchSlot)));
                0
            }
            Some(SlotKind::Recovery) => {
                assert_eq!(
                    r.err(),
                    Some(Error::InvalidInput(InvalidInput::WrongSlotKind))
                );
                0
            }
            Some(SlotKind::Password { kdf, .. }) if !under_tiny_ceiling(kdf) => {
                assert_eq!(r.err(), Some(Error::OutOfPolicy));
                0
            }
            Some(_) => {
                if let Ok(u) = &r {
                    check_unlocked(&keyring, u);
                }
                1
            }
        };
        assert_eq!(ran, expected_kdfs, "KDF runs for unlock_slot({index})");
    }

    // A recovery code costs no KDF at all (SR-OP-4).
    let (r, ran) = counting("unlock_with_recovery", || {
        keyring.unlock_with_recovery(&unlock_recovery_code(), &policy)
    });
    assert_eq!(ran, 0, "unlock_with_recovery ran a KDF");
    match &r {
        Ok(u) => check_unlocked(&keyring, u),
        Err(e) => assert!(
            matches!(e, Error::UnlockFailed | Error::KeyringTampered),
            "recovery unlock failed with {e:?}"
        ),
    }
    outcome
}

/// What an unlocked keyring must satisfy: it is the keyring that was unlocked, and it
/// seals and opens.
fn check_unlocked(keyring: &Keyring, unlocked: &UnlockedKeyring) {
    assert_eq!(unlocked.keyring(), keyring, "unlocking changed the keyring");
    let record = hazmat::seal_with_rng(
        unlocked,
        b"fuzz",
        Context::new(b"ctx"),
        &mut SeededRandom::new(1),
    )
    .unwrap_or_else(|e| panic!("sealing with an unlocked keyring: {e:?}"));
    let opened = unlocked
        .open(&record, Context::new(b"ctx"))
        .unwrap_or_else(|e| panic!("opening what was just sealed: {e:?}"));
    assert_eq!(&opened[..], b"fuzz");
}

// ---------------------------------------------------------------------------------------
// roundtrip

/// KDF parameters the `roundtrip` scenario may pick: always tiny, always valid.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum SmallKdf {
    /// PBKDF2 with 1 to 16 iterations.
    Pbkdf2 {
        /// Iterations, reduced modulo 16.
        iterations: u8,
    },
    /// Argon2id with one or two lanes, one or two passes, and 8 KiB per lane plus less
    /// than 48 KiB: at most 63 KiB.
    Argon2id {
        /// Extra memory, reduced modulo 48 KiB.
        extra_memory: u8,
        /// Two passes instead of one.
        two_passes: bool,
        /// Two lanes instead of one.
        two_lanes: bool,
    },
}

impl SmallKdf {
    fn params(self) -> KdfParams {
        match self {
            SmallKdf::Pbkdf2 { iterations } => KdfParams::Pbkdf2Sha256 {
                iterations: 1 + u32::from(iterations % 16),
            },
            SmallKdf::Argon2id {
                extra_memory,
                two_passes,
                two_lanes,
            } => {
                let parallelism = 1 + u32::from(two_lanes);
                KdfParams::Argon2id {
                    memory_kib: 8 * parallelism + u32::from(extra_memory % 48),
                    time_cost: 1 + u32::from(two_passes),
                    parallelism,
                }
            }
        }
    }
}

/// One operation of a `roundtrip` scenario.
#[derive(Arbitrary, Debug)]
pub enum Step {
    /// Seal a plaintext under a context, then open it.
    Seal {
        /// The plaintext.
        plaintext: Vec<u8>,
        /// The application context.
        context: Vec<u8>,
    },
    /// Add a password slot.
    AddPassword {
        /// Its password.
        password: String,
        /// Its KDF.
        kdf: SmallKdf,
        /// Its label.
        label: String,
    },
    /// Add a recovery slot.
    AddRecovery {
        /// Its label.
        label: String,
    },
    /// Change the password of a slot (index modulo slot count plus one).
    ChangePassword {
        /// Slot index, reduced modulo the slot count plus one (so one index is invalid).
        slot: u8,
        /// New password.
        password: String,
        /// New KDF.
        kdf: SmallKdf,
    },
    /// Remove a slot (index modulo slot count plus one).
    RemoveSlot {
        /// Slot index, reduced as for [`Step::ChangePassword`].
        slot: u8,
    },
    /// Store and load: decode the text form and unlock it again through every slot.
    Reload,
}

/// A `roundtrip` input: a keyring's creation and then up to [`MAX_STEPS`] steps.
#[derive(Arbitrary, Debug)]
pub struct Scenario {
    /// Seed of the random stream every salt, nonce, key and code comes from.
    pub seed: u64,
    /// The first slot's password.
    pub password: String,
    /// The first slot's KDF.
    pub kdf: SmallKdf,
    /// The first slot's label.
    pub label: String,
    /// What happens next.
    pub steps: Vec<Step>,
}

/// Steps of a scenario that are run; the rest are ignored, to bound KDF work per input.
pub const MAX_STEPS: usize = 16;

/// What a scenario knows about each slot, to unlock it later.
enum Secret {
    Password(Password),
    Recovery(RecoveryCode),
}

struct World {
    unlocked: UnlockedKeyring,
    dek: [u8; 32],
    secrets: Vec<Secret>,
    labels: Vec<String>,
    records: Vec<(SealedRecord, Vec<u8>, Vec<u8>)>,
    rng: SeededRandom,
}

/// Oracle of `roundtrip`: decodes a [`Scenario`] from the bytes the way `fuzz_target!`
/// does for structured input, then runs it.
pub fn roundtrip(data: &[u8]) -> Outcome {
    match Scenario::arbitrary_take_rest(Unstructured::new(data)) {
        Ok(scenario) => run_scenario(&scenario),
        Err(_) => Outcome::Rejected("no_scenario"),
    }
}

/// `Password::new`, checked against SR-PWD-2 from the outside.
fn checked_password(s: &str) -> Option<Password> {
    let result = Password::new(s);
    let nfc_len = {
        use unicode_normalization::UnicodeNormalization;
        s.nfc().collect::<String>().len()
    };
    match (&result, nfc_len) {
        (Err(e), 0) => assert_eq!(*e, Error::InvalidInput(InvalidInput::EmptyPassword)),
        (Err(e), n) if n > crate::MAX_PASSWORD_BYTES => {
            assert_eq!(*e, Error::LimitExceeded(Limit::PasswordTooLong));
        }
        (Err(e), _) => panic!("valid password rejected: {e:?}"),
        (Ok(_), n) => assert!((1..=crate::MAX_PASSWORD_BYTES).contains(&n)),
    }
    result.ok()
}

/// Runs a scenario against a model of the keyring.
pub fn run_scenario(s: &Scenario) -> Outcome {
    let policy = relaxed_policy();
    let mut rng = SeededRandom::new(s.seed);
    let Some(pw) = checked_password(&s.password) else {
        return Outcome::Rejected("invalid_input");
    };
    let created = hazmat::create_with_rng(&pw, s.kdf.params(), &s.label, &policy, &mut rng);
    let unlocked = match created {
        Ok(u) => {
            assert!(
                s.label.len() <= MAX_LABEL_BYTES,
                "created with a long label"
            );
            u
        }
        Err(e) => {
            assert!(s.label.len() > MAX_LABEL_BYTES, "create failed: {e:?}");
            assert_eq!(e, Error::LimitExceeded(Limit::LabelTooLong));
            return Outcome::Rejected(e.class());
        }
    };
    let mut world = World {
        dek: hazmat::dek(&unlocked),
        unlocked,
        secrets: vec![Secret::Password(pw)],
        labels: vec![s.label.clone()],
        records: Vec::new(),
        rng,
    };
    world.check_stored();
    for step in s.steps.iter().take(MAX_STEPS) {
        world.step(step);
        world.check_stored();
    }
    world.check_unlock_every_slot();
    Outcome::Accepted
}

impl World {
    fn slots(&self) -> usize {
        self.secrets.len()
    }

    /// A change either succeeds and bumps the generation by one, or fails with the
    /// expected error and leaves the keyring as it was.
    fn change(
        &mut self,
        expected: Option<Error>,
        f: impl FnOnce(&mut UnlockedKeyring, &mut SeededRandom) -> crate::Result<()>,
    ) -> bool {
        let before = self.unlocked.keyring().clone();
        let result = f(&mut self.unlocked, &mut self.rng);
        let after = self.unlocked.keyring();
        assert_eq!(result.err(), expected, "slot change outcome");
        if expected.is_some() {
            assert_eq!(after, &before, "a failed change altered the keyring");
            false
        } else {
            assert_eq!(after.generation(), before.generation() + 1, "generation");
            assert_eq!(after.id(), before.id(), "keyring id changed");
            true
        }
    }

    fn room_error(&self, label: &str) -> Option<Error> {
        if self.slots() >= MAX_SLOTS {
            Some(Error::LimitExceeded(Limit::TooManySlots))
        } else if label.len() > MAX_LABEL_BYTES {
            Some(Error::LimitExceeded(Limit::LabelTooLong))
        } else {
            None
        }
    }

    fn step(&mut self, step: &Step) {
        match step {
            Step::Seal { plaintext, context } => self.seal(plaintext, context),
            Step::AddPassword {
                password,
                kdf,
                label,
            } => {
                let Some(pw) = checked_password(password) else {
                    return;
                };
                let expected = self.room_error(label);
                let kdf = kdf.params();
                if self.change(expected, |u, rng| {
                    hazmat::add_password_slot_with_rng(u, &pw, kdf, label, rng)
                }) {
                    self.secrets.push(Secret::Password(pw));
                    self.labels.push(label.clone());
                }
            }
            Step::AddRecovery { label } => {
                let expected = self.room_error(label);
                let mut code = None;
                if self.change(expected, |u, rng| {
                    code = Some(hazmat::add_recovery_slot_with_rng(u, label, rng)?);
                    Ok(())
                }) {
                    let code = code.expect("a recovery slot was added");
                    // The code a user writes down parses back to the same code.
                    let parsed = RecoveryCode::parse(&code.expose())
                        .unwrap_or_else(|e| panic!("a fresh recovery code: {e:?}"));
                    self.secrets.push(Secret::Recovery(parsed));
                    self.labels.push(label.clone());
                }
            }
            Step::ChangePassword {
                slot,
                password,
                kdf,
            } => {
                let Some(pw) = checked_password(password) else {
                    return;
                };
                let index = usize::from(*slot) % (self.slots() + 1);
                let expected = match self.secrets.get(index) {
                    None => Some(Error::InvalidInput(InvalidInput::NoSuchSlot)),
                    Some(Secret::Recovery(_)) => {
                        Some(Error::InvalidInput(InvalidInput::WrongSlotKind))
                    }
                    Some(Secret::Password(_)) => None,
                };
                let kdf = kdf.params();
                if self.change(expected, |u, rng| {
                    hazmat::change_password_with_rng(u, index, &pw, kdf, rng)
                }) {
                    self.secrets[index] = Secret::Password(pw);
                }
            }
            Step::RemoveSlot { slot } => {
                let index = usize::from(*slot) % (self.slots() + 1);
                let expected = if index >= self.slots() {
                    Some(Error::InvalidInput(InvalidInput::NoSuchSlot))
                } else if self.slots() == 1 {
                    Some(Error::InvalidInput(InvalidInput::LastSlot))
                } else {
                    None
                };
                if self.change(expected, |u, _| u.remove_slot(index)) {
                    self.secrets.remove(index);
                    self.labels.remove(index);
                }
            }
            Step::Reload => self.reload(),
        }
    }

    fn seal(&mut self, plaintext: &[u8], context: &[u8]) {
        let sealed = hazmat::seal_with_rng(
            &self.unlocked,
            plaintext,
            Context::new(context),
            &mut self.rng,
        );
        if context.len() > MAX_CONTEXT_LEN {
            assert_eq!(
                sealed.err(),
                Some(Error::LimitExceeded(Limit::ContextTooLong))
            );
            return;
        }
        let record = sealed.unwrap_or_else(|e| panic!("seal failed: {e:?}"));
        assert_eq!(record.plaintext_len(), plaintext.len());
        assert_eq!(record.keyring_id(), self.unlocked.keyring().id());
        // decode(encode(r)) == r, in both forms.
        assert_eq!(
            SealedRecord::from_bytes(record.as_bytes()).as_ref(),
            Ok(&record)
        );
        assert_eq!(
            SealedRecord::from_text(&record.to_text()).as_ref(),
            Ok(&record)
        );
        // The context is bound: one more byte and the record no longer opens.
        let mut other = context.to_vec();
        other.push(0);
        let wrong = self.unlocked.open(&record, Context::new(&other));
        let expected = if other.len() > MAX_CONTEXT_LEN {
            Error::LimitExceeded(Limit::ContextTooLong)
        } else {
            Error::RecordAuthenticationFailed
        };
        assert_eq!(wrong.err(), Some(expected), "opened under another context");
        self.records
            .push((record, plaintext.to_vec(), context.to_vec()));
    }

    /// What must hold after every step: the stored forms decode to the same keyring, the
    /// model's labels and slot kinds match, and every record sealed so far still opens.
    fn check_stored(&self) {
        let k = self.unlocked.keyring();
        check_keyring(k, k.as_bytes());
        assert_eq!(Keyring::from_bytes(k.as_bytes()).as_ref(), Ok(k));
        assert_eq!(k.slots().len(), self.slots(), "slot count");
        for ((slot, label), secret) in k.slots().iter().zip(&self.labels).zip(&self.secrets) {
            assert_eq!(slot.label(), label, "slot label");
            let recovery = matches!(secret, Secret::Recovery(_));
            assert_eq!(*slot.kind() == SlotKind::Recovery, recovery, "slot kind");
        }
        assert_eq!(hazmat::dek(&self.unlocked), self.dek, "the DEK changed");
        for (record, plaintext, context) in &self.records {
            let opened = self
                .unlocked
                .open(record, Context::new(context))
                .unwrap_or_else(|e| panic!("a sealed record no longer opens: {e:?}"));
            assert_eq!(&opened[..], &plaintext[..], "open(seal(x)) != x");
        }
    }

    /// Decodes the stored text form and unlocks it through the first slot, keeping the
    /// result: what a client does on its next start.
    fn reload(&mut self) {
        let stored = self.unlocked.keyring().to_text();
        let keyring = Keyring::from_text(&stored)
            .unwrap_or_else(|e| panic!("stored keyring does not load: {e:?}"));
        let policy = relaxed_policy();
        let unlocked = match &self.secrets[0] {
            Secret::Password(pw) => keyring.unlock_slot(0, pw, &policy),
            Secret::Recovery(code) => keyring.unlock_with_recovery(code, &policy),
        }
        .unwrap_or_else(|e| panic!("reloaded keyring does not unlock: {e:?}"));
        assert_eq!(hazmat::dek(&unlocked), self.dek, "reload found another DEK");
        self.unlocked = unlocked;
    }

    /// Every slot opens with its own secret, and a wrong password opens none.
    fn check_unlock_every_slot(&self) {
        let keyring = self.unlocked.keyring();
        let policy = relaxed_policy();
        for (index, secret) in self.secrets.iter().enumerate() {
            let unlocked = match secret {
                Secret::Password(pw) => keyring.unlock_slot(index, pw, &policy),
                Secret::Recovery(code) => keyring.unlock_with_recovery(code, &policy),
            }
            .unwrap_or_else(|e| panic!("slot {index} does not unlock: {e:?}"));
            assert_eq!(
                hazmat::dek(&unlocked),
                self.dek,
                "slot {index} wraps another DEK"
            );
        }
        let wrong = password("not any password a scenario can hold\u{0}");
        let known = self.secrets.iter().any(|s| match s {
            Secret::Password(p) => hazmat::password_bytes(p) == hazmat::password_bytes(&wrong),
            Secret::Recovery(_) => false,
        });
        if !known {
            assert_eq!(
                keyring.unlock(&wrong, &policy).err(),
                Some(Error::UnlockFailed),
                "a wrong password unlocked"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Seeds

/// One seed input for one target.
///
/// Names tell the replay test what to expect: `ok-*` must be [`Outcome::Accepted`],
/// `bad-*` must be [`Outcome::Rejected`]; `vec-*` (from vectors/) only must not panic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seed {
    /// The target whose corpus it belongs to.
    pub target: &'static str,
    /// The file name under `fuzz/seeds/<target>/`.
    pub name: String,
    /// The input.
    pub bytes: Vec<u8>,
}

fn seed(target: &'static str, name: &str, bytes: impl Into<Vec<u8>>) -> Seed {
    Seed {
        target,
        name: name.to_owned(),
        bytes: bytes.into(),
    }
}

/// Replaces `len` bytes at `at` with `with`.
fn splice(bytes: &[u8], at: usize, len: usize, with: &[u8]) -> Vec<u8> {
    let mut out = bytes[..at].to_vec();
    out.extend_from_slice(with);
    out.extend_from_slice(&bytes[at + len..]);
    out
}

fn flip(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[at] ^= 1;
    out
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() {
        return Some(from);
    }
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The keyrings behind the seeds, built through the public API from fixed seeds.
struct SeedKeyrings {
    /// The `open_record` fixture: one PBKDF2 slot, one iteration.
    fixture: Keyring,
    /// [`UNLOCK_PASSWORD`] in a PBKDF2 slot and an Argon2id slot, plus a recovery slot
    /// for [`unlock_recovery_code`]: unlocks under [`tiny_policy`].
    tiny: Keyring,
    /// Eight slots, non-ASCII and 64-byte labels, generation past 23.
    full: Keyring,
    /// One slot above the tiny ceiling (PBKDF2, 1,000 iterations).
    above_ceiling: Keyring,
    /// Only a recovery slot left (the password slot removed).
    recovery_only: Keyring,
}

fn seed_keyrings() -> SeedKeyrings {
    let relaxed = relaxed_policy();
    let unlock_pw = password(UNLOCK_PASSWORD);
    let small_argon = KdfParams::Argon2id {
        memory_kib: 16,
        time_cost: 1,
        parallelism: 1,
    };
    let mut rng = SeededRandom::new(0x5eed_0001);
    let mut tiny = hazmat::create_with_rng(
        &unlock_pw,
        KdfParams::Pbkdf2Sha256 { iterations: 10 },
        "laptop",
        &relaxed,
        &mut rng,
    )
    .expect("seed keyring");
    hazmat::add_password_slot_with_rng(&mut tiny, &unlock_pw, small_argon, "phone", &mut rng)
        .expect("seed slot");
    add_known_recovery_slot(&mut tiny, "paper");

    let mut rng = SeededRandom::new(0x5eed_0002);
    let mut full = hazmat::create_with_rng(
        &password("pässwörd ünïcödé"),
        KdfParams::Pbkdf2Sha256 { iterations: 3 },
        "",
        &relaxed,
        &mut rng,
    )
    .expect("seed keyring");
    // Cycle a recovery slot in and out to push the generation past 23 (a two-byte head).
    for _ in 0..15 {
        hazmat::add_recovery_slot_with_rng(&mut full, "x", &mut rng).expect("seed slot");
        full.remove_slot(1).expect("seed slot");
    }
    let long_label = "L".repeat(MAX_LABEL_BYTES);
    for i in 0..(MAX_SLOTS - 1) {
        if i % 2 == 0 {
            let kdf = KdfParams::Argon2id {
                memory_kib: 8 + i as u32,
                time_cost: 1,
                parallelism: 1,
            };
            let label = if i == 0 {
                long_label.as_str()
            } else {
                "設備"
            };
            hazmat::add_password_slot_with_rng(
                &mut full,
                &password("another"),
                kdf,
                label,
                &mut rng,
            )
            .expect("seed slot");
        } else {
            hazmat::add_recovery_slot_with_rng(&mut full, "recovery", &mut rng).expect("seed slot");
        }
    }

    let mut rng = SeededRandom::new(0x5eed_0003);
    let above_ceiling = hazmat::create_with_rng(
        &unlock_pw,
        KdfParams::Pbkdf2Sha256 { iterations: 1_000 },
        "slow",
        &relaxed,
        &mut rng,
    )
    .expect("seed keyring");

    let mut rng = SeededRandom::new(0x5eed_0004);
    let mut recovery_only = hazmat::create_with_rng(
        &unlock_pw,
        KdfParams::Pbkdf2Sha256 { iterations: 1 },
        "gone",
        &relaxed,
        &mut rng,
    )
    .expect("seed keyring");
    add_known_recovery_slot(&mut recovery_only, "only");
    recovery_only.remove_slot(0).expect("seed slot");

    SeedKeyrings {
        fixture: fixture_keyring().keyring().clone(),
        tiny: tiny.keyring().clone(),
        full: full.keyring().clone(),
        above_ceiling: above_ceiling.keyring().clone(),
        recovery_only: recovery_only.keyring().clone(),
    }
}

/// Adds a recovery slot whose code is [`unlock_recovery_code`].
fn add_known_recovery_slot(unlocked: &mut UnlockedKeyring, label: &str) {
    struct Fixed(Vec<u8>);
    impl RandomSource for Fixed {
        fn fill(&mut self, dest: &mut [u8]) -> crate::Result<()> {
            let n = dest.len();
            dest.copy_from_slice(&self.0[..n]);
            self.0.drain(..n);
            Ok(())
        }
    }
    let mut script = UNLOCK_RECOVERY_SECRET.to_vec();
    script.extend_from_slice(&[0x24; 12]);
    hazmat::add_recovery_slot_with_rng(unlocked, label, &mut Fixed(script)).expect("seed slot");
}

/// Every seed, for every target, built through the public API from fixed random
/// streams: the same bytes on every run and every machine.
pub fn seeds() -> Vec<Seed> {
    let k = seed_keyrings();
    let fixture = fixture_keyring();
    let mut rng = SeededRandom::new(0x5eed_0100);
    let mut records = Vec::new();
    for (name, len, context) in [
        ("empty", 0usize, CONTEXTS[0]),
        ("short", 5, CONTEXTS[1]),
        ("medium", 200, CONTEXTS[0]),
        ("large", 3000, CONTEXTS[1]),
    ] {
        let plaintext: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let record = hazmat::seal_with_rng(fixture, &plaintext, Context::new(context), &mut rng)
            .expect("seed record");
        records.push((name, record));
    }
    let foreign = hazmat::seal_with_rng(
        &hazmat::create_with_rng(
            &password("someone else"),
            KdfParams::Pbkdf2Sha256 { iterations: 1 },
            "other",
            &relaxed_policy(),
            &mut SeededRandom::new(0x5eed_0200),
        )
        .expect("seed keyring"),
        b"not yours",
        Context::new(CONTEXTS[0]),
        &mut rng,
    )
    .expect("seed record");

    let mut out = Vec::new();
    let kr = |k: &Keyring| k.as_bytes().to_vec();
    let rec = |i: usize| records[i].1.as_bytes().to_vec();
    let fixture_bytes = kr(&k.fixture);

    // decode_keyring
    let t = "decode_keyring";
    out.push(seed(t, "ok-fixture", kr(&k.fixture)));
    out.push(seed(t, "ok-three-slots", kr(&k.tiny)));
    out.push(seed(t, "ok-eight-slots", kr(&k.full)));
    out.push(seed(t, "ok-above-ceiling", kr(&k.above_ceiling)));
    out.push(seed(t, "ok-recovery-only", kr(&k.recovery_only)));
    out.push(seed(t, "bad-empty", Vec::new()));
    out.push(seed(
        t,
        "bad-truncated",
        &fixture_bytes[..fixture_bytes.len() - 1],
    ));
    out.push(seed(
        t,
        "bad-trailing-byte",
        [&fixture_bytes[..], &[0]].concat(),
    ));
    out.push(seed(t, "bad-version-2", splice(&fixture_bytes, 4, 1, &[2])));
    // Header: a6 01 01 02 01 03 50 <id: 16> 04 <generation> ...
    out.push(seed(
        t,
        "bad-non-shortest-generation",
        splice(&fixture_bytes, 24, 1, &[0x18, 0x00]),
    ));
    out.push(seed(
        t,
        "bad-indefinite-map",
        [&[0xbf][..], &fixture_bytes[1..], &[0xff]].concat(),
    ));
    let kdf_at = find(&fixture_bytes, &[0x03, 0x82, 0x01, 0x01], 25).expect("KDF array");
    out.push(seed(
        t,
        "bad-unknown-kdf",
        splice(&fixture_bytes, kdf_at + 2, 1, &[0x09]),
    ));
    out.push(seed(
        t,
        "bad-zero-iterations",
        splice(&fixture_bytes, kdf_at + 3, 1, &[0x00]),
    ));
    out.push(seed(
        t,
        "bad-2pow32-iterations",
        splice(
            &fixture_bytes,
            kdf_at + 3,
            1,
            &[0x1b, 0, 0, 0, 1, 0, 0, 0, 0],
        ),
    ));
    out.push(seed(t, "bad-record", rec(1)));

    // decode_record
    let t = "decode_record";
    for (i, (name, _)) in records.iter().enumerate() {
        out.push(seed(t, &format!("ok-{name}"), rec(i)));
    }
    out.push(seed(t, "ok-foreign", foreign.as_bytes()));
    let r = rec(1);
    out.push(seed(t, "bad-truncated", &r[..r.len() - 1]));
    out.push(seed(t, "bad-trailing-byte", [&r[..], &[0]].concat()));
    out.push(seed(t, "bad-version-2", splice(&r, 4, 1, &[2])));
    // Ciphertext entry: 07 55 <21 bytes>; a 15-byte ciphertext is shorter than a tag.
    out.push(seed(
        t,
        "bad-short-ciphertext",
        splice(&r[..HEADER_LEN + 2 + 15], HEADER_LEN + 1, 1, &[0x4f]),
    ));
    out.push(seed(
        t,
        "bad-non-shortest-length",
        splice(&r, HEADER_LEN + 1, 1, &[0x58, 0x15]),
    ));
    out.push(seed(t, "bad-keyring", fixture_bytes.clone()));

    // decode_text
    let t = "decode_text";
    let kt = k.fixture.to_text();
    let rt = records[1].1.to_text();
    out.push(seed(t, "ok-keyring", kt.as_bytes()));
    out.push(seed(
        t,
        "ok-keyring-eight-slots",
        k.full.to_text().as_bytes(),
    ));
    out.push(seed(t, "ok-record", rt.as_bytes()));
    out.push(seed(
        t,
        "ok-record-empty",
        records[0].1.to_text().as_bytes(),
    ));
    out.push(seed(
        t,
        "bad-swapped-prefix",
        format!("srr1.{}", &kt[5..]).as_bytes(),
    ));
    out.push(seed(
        t,
        "bad-upper-prefix",
        format!("SRK1.{}", &kt[5..]).as_bytes(),
    ));
    out.push(seed(t, "bad-padded", format!("{rt}==").as_bytes()));
    out.push(seed(
        t,
        "bad-standard-alphabet",
        kt.replace('-', "+").replace('_', "/").as_bytes(),
    ));
    out.push(seed(t, "bad-prefix-only", "srk1.".as_bytes()));
    out.push(seed(
        t,
        "bad-version-2-prefix",
        format!("srk2.{}", &kt[5..]).as_bytes(),
    ));
    out.push(seed(
        t,
        "bad-leading-zero-version",
        format!("srr01.{}", &rt[5..]).as_bytes(),
    ));
    out.push(seed(t, "bad-newline", format!("{kt}\n").as_bytes()));

    // cbor_profile: canonical items, then one violation of each profile rule.
    let t = "cbor_profile";
    out.push(seed(t, "ok-keyring", fixture_bytes.clone()));
    out.push(seed(t, "ok-record", rec(0)));
    for (name, h) in [
        ("ok-uint-0", "00"),
        ("ok-uint-24", "1818"),
        ("ok-uint-max", "1bffffffffffffffff"),
        ("ok-bytes", "43010203"),
        ("ok-text", "63c3a961"),
        ("ok-empty-map", "a0"),
        ("ok-map-sorted", "a301000218ff1818a0"),
        ("ok-depth-4", "a10181a10280"),
        ("ok-array-mixed", "840141616161a0"),
        ("bad-non-shortest-uint", "1817"),
        ("bad-non-shortest-length", "5801ff"),
        ("bad-non-shortest-count", "990001a0"),
        ("bad-indefinite-bytes", "5f4101ff"),
        ("bad-indefinite-array", "9f00ff"),
        ("bad-indefinite-map", "bf0100ff"),
        ("bad-reserved-info", "1c"),
        ("bad-negative", "20"),
        ("bad-tag", "c249010000000000000000"),
        ("bad-float", "fb3ff0000000000000"),
        ("bad-simple", "f5"),
        ("bad-text-key", "a1616100"),
        ("bad-unsorted", "a2020001 00"),
        ("bad-duplicate", "a2010001 00"),
        ("bad-utf8", "62c328"),
        ("bad-depth-5", "8181818180"),
        ("bad-trailing", "0000"),
        ("bad-truncated", "5bffffffffffffffff00"),
        ("bad-break", "ff"),
    ] {
        out.push(seed(t, name, decode_hex(h)));
    }

    // open_record
    let t = "open_record";
    for (i, (name, _)) in records.iter().enumerate() {
        out.push(seed(t, &format!("ok-{name}"), rec(i)));
    }
    let r = rec(2);
    out.push(seed(t, "bad-foreign", foreign.as_bytes()));
    out.push(seed(t, "bad-salt", flip(&r, 30)));
    out.push(seed(t, "bad-nonce", flip(&r, 60)));
    out.push(seed(t, "bad-commitment", flip(&r, 90)));
    out.push(seed(t, "bad-ciphertext", flip(&r, HEADER_LEN + 10)));
    out.push(seed(t, "bad-tag", flip(&r, r.len() - 1)));

    // unlock_keyring
    let t = "unlock_keyring";
    out.push(seed(t, "ok-three-slots", kr(&k.tiny)));
    out.push(seed(t, "bad-fixture", kr(&k.fixture)));
    out.push(seed(t, "bad-eight-slots", kr(&k.full)));
    out.push(seed(t, "bad-above-ceiling", kr(&k.above_ceiling)));
    out.push(seed(t, "bad-recovery-only", kr(&k.recovery_only)));
    let tiny = kr(&k.tiny);
    out.push(seed(t, "bad-mac", flip(&tiny, tiny.len() - 1)));
    out.push(seed(t, "bad-truncated", &tiny[..tiny.len() / 2]));

    // roundtrip: byte strings that arbitrary turns into scenarios of several sizes; for
    // each size, the first stream (in a fixed order) whose scenario runs to the end.
    let t = "roundtrip";
    for (name, len) in [("ok-short", 64usize), ("ok-medium", 256), ("ok-long", 1024)] {
        let bytes = (0u64..)
            .map(|i| {
                let mut bytes = vec![0u8; len];
                SeededRandom::new(0x5eed_0300 + (len as u64) * 1000 + i)
                    .fill(&mut bytes)
                    .expect("seeded bytes");
                bytes
            })
            .find(|b| roundtrip(b) == Outcome::Accepted)
            .expect("some stream gives a full scenario");
        out.push(seed(t, name, bytes));
    }
    out
}

fn decode_hex(h: &str) -> Vec<u8> {
    let digits: Vec<u8> = h.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    digits
        .chunks(2)
        .map(|pair| {
            let s = core::str::from_utf8(pair).expect("ASCII hex");
            u8::from_str_radix(s, 16).expect("hex digits")
        })
        .collect()
}

/// Largest input taken from the vector suite as a seed.
pub const MAX_VECTOR_SEED_LEN: usize = 4096;

/// Hook for the vector suite (vectors/*.json, issue 3): seeds from one vector file.
///
/// Reads no schema on purpose, so it keeps working as the suite grows: every JSON string
/// that is a text form (`srk1.`/`srr1.`) or even-length lower-case hex of a keyring or
/// record encoding becomes a seed for the targets that read such input, and every hex
/// string of a file whose name starts with `cbor` becomes a `cbor_profile` seed. Names
/// are `vec-<file stem>-<first 8 bytes of SHA-256 in hex>`. Inputs over
/// [`MAX_VECTOR_SEED_LEN`] are left out: libFuzzer sizes its inputs after the largest
/// seed, and multi-KiB plaintexts add length, not structure.
pub fn seeds_from_vectors(file_name: &str, json: &str) -> Vec<Seed> {
    let stem = file_name.trim_end_matches(".json");
    let cbor_file = stem.starts_with("cbor");
    let mut out: Vec<Seed> = Vec::new();
    let mut push = |target: &'static str, bytes: &[u8]| {
        if bytes.len() > MAX_VECTOR_SEED_LEN {
            return;
        }
        let digest = Sha256::digest(bytes);
        let name = format!("vec-{stem}-{}", hex(&digest[..8]));
        if !out.iter().any(|s| s.target == target && s.name == name) {
            out.push(seed(target, &name, bytes));
        }
    };
    for s in json_strings(json) {
        if s.starts_with(KEYRING_PREFIX) || s.starts_with(RECORD_PREFIX) {
            push("decode_text", s.as_bytes());
            continue;
        }
        let is_hex = !s.is_empty()
            && s.len() % 2 == 0
            && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !is_hex {
            continue;
        }
        let bytes = decode_hex(s);
        if cbor_file {
            push("cbor_profile", &bytes);
        }
        // A keyring or record starts with a map head, then key 1 and its object type.
        match bytes.get(..3) {
            Some([0xa0..=0xbf, 0x01, 0x01]) => {
                push("decode_keyring", &bytes);
                push("unlock_keyring", &bytes);
            }
            Some([0xa0..=0xbf, 0x01, 0x02]) => {
                push("decode_record", &bytes);
                push("open_record", &bytes);
            }
            _ => {}
        }
    }
    out
}

/// The string literals of a JSON text, without unescaping (hex and base64url need
/// none; a string with escapes is skipped).
fn json_strings(json: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = json;
    while let Some(start) = rest.find('"') {
        let after = &rest[start + 1..];
        let mut end = None;
        let mut escaped = false;
        for (i, c) in after.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    end = Some(i);
                    break;
                }
                _ => escaped = false,
            }
        }
        let Some(end) = end else { break };
        let literal = &after[..end];
        if !literal.contains('\\') {
            out.push(literal);
        }
        rest = &after[end + 1..];
    }
    out
}
