//! The decoder accepts exactly one encoding per object: schema rules per object type,
//! every bit flip and truncation rejected. The property tests of decode-then-encode and
//! seal-then-open (proptest) are in fuzz-oracles/tests/properties.rs, beside the fuzz
//! oracles that check the same properties.

mod common;

use common::{FAST_PBKDF2, TestRandom, relaxed_policy};
use strongroom::{
    Context, Error, Keyring, Malformed, Password, Registry, SealedRecord, UnlockedKeyring, hazmat,
};

fn unlocked(seed: u64) -> UnlockedKeyring {
    let mut u = hazmat::create_with_rng(
        &Password::new("pw").unwrap(),
        FAST_PBKDF2,
        "laptop",
        &relaxed_policy(),
        &mut TestRandom::new(seed),
    )
    .unwrap();
    hazmat::add_recovery_slot_with_rng(&mut u, "paper", &mut TestRandom::new(seed + 1000)).unwrap();
    u
}

fn keyring_err(bytes: &[u8]) -> Error {
    Keyring::from_bytes(bytes).unwrap_err()
}

fn record_err(bytes: &[u8]) -> Error {
    SealedRecord::from_bytes(bytes).unwrap_err()
}

fn m(reason: Malformed) -> Error {
    Error::Malformed(reason)
}

/// A record's bytes with `edit` applied to the header map, for schema negatives.
fn record_bytes() -> Vec<u8> {
    let u = unlocked(1);
    hazmat::seal_with_rng(&u, b"hello", Context::new(b""), &mut TestRandom::new(2))
        .unwrap()
        .into_bytes()
}

// SR-OBJ-1: object type and version come first; version errors before anything else.
#[test]
fn sr_obj_1_type_and_version_first() {
    let k = unlocked(3);
    let kb = k.keyring().as_bytes().to_vec();
    let rb = record_bytes();
    // A record handed to the keyring decoder and vice versa.
    assert_eq!(keyring_err(&rb), m(Malformed::WrongObjectType));
    assert_eq!(record_err(&kb), m(Malformed::WrongObjectType));
    // Version 2, even with garbage after it: unsupported_version, not malformed.
    let mut v2 = kb.clone();
    v2[4] = 0x02;
    v2.truncate(10);
    assert_eq!(keyring_err(&v2), Error::UnsupportedVersion { version: 2 });
    let mut v0 = rb.clone();
    v0[4] = 0x00;
    assert_eq!(record_err(&v0), Error::UnsupportedVersion { version: 0 });
    // Top level not a map.
    assert_eq!(keyring_err(&[0x80]), m(Malformed::UnexpectedType));
    assert_eq!(keyring_err(&[]), m(Malformed::Truncated));
}

// SR-CBOR-1: trailing bytes after the object.
#[test]
fn sr_cbor_1_trailing_bytes_per_object() {
    let mut kb = unlocked(4).keyring().as_bytes().to_vec();
    kb.push(0x00);
    assert_eq!(keyring_err(&kb), m(Malformed::TrailingBytes));
    let mut rb = record_bytes();
    rb.push(0x00);
    assert_eq!(record_err(&rb), m(Malformed::TrailingBytes));
}

// SR-CBOR-2: a non-shortest head inside each object (generation 0 as 18 00; nonce length
// 12 as 58 0c).
#[test]
fn sr_cbor_2_non_shortest_per_object() {
    let kb = unlocked(5).keyring().as_bytes().to_vec();
    let mut bad = kb[..24].to_vec();
    bad.extend_from_slice(&[0x18, 0x00]);
    bad.extend_from_slice(&kb[25..]);
    assert_eq!(keyring_err(&bad), m(Malformed::NonShortestHead));
    let rb = record_bytes();
    let mut bad = rb[..59].to_vec();
    bad.extend_from_slice(&[0x58, 0x0c]);
    bad.extend_from_slice(&rb[60..]);
    assert_eq!(record_err(&bad), m(Malformed::NonShortestHead));
}

// SR-CBOR-3, SR-CBOR-4: indefinite lengths and forbidden types inside objects.
#[test]
fn sr_cbor_3_and_4_per_object() {
    let rb = record_bytes();
    // Indefinite-length nonce: 5f 4c <12> ff.
    let mut bad = rb[..59].to_vec();
    bad.push(0x5f);
    bad.extend_from_slice(&rb[59..72]);
    bad.push(0xff);
    bad.extend_from_slice(&rb[72..]);
    assert_eq!(record_err(&bad), m(Malformed::IndefiniteLength));
    // A tag (d8 40) before the salt.
    let mut bad = rb[..24].to_vec();
    bad.extend_from_slice(&[0xd8, 0x40]);
    bad.extend_from_slice(&rb[24..]);
    assert_eq!(record_err(&bad), m(Malformed::ForbiddenMajorType));
    // Generation as a negative integer.
    let kb = unlocked(6).keyring().as_bytes().to_vec();
    let mut bad = kb.clone();
    bad[24] = 0x20;
    assert_eq!(keyring_err(&bad), m(Malformed::ForbiddenMajorType));
}

// SR-CBOR-5: unsorted and duplicate keys inside a record.
#[test]
fn sr_cbor_5_per_object() {
    let rb = record_bytes();
    // Swap entries 4 (salt) and 5 (nonce).
    let mut bad = rb[..23].to_vec();
    bad.extend_from_slice(&rb[58..72]);
    bad.extend_from_slice(&rb[23..58]);
    bad.extend_from_slice(&rb[72..]);
    assert_eq!(record_err(&bad), m(Malformed::UnsortedMapKeys));
    // Key 4 twice (the nonce entry relabelled).
    let mut bad = rb.clone();
    bad[58] = 0x04;
    assert_eq!(record_err(&bad), m(Malformed::DuplicateMapKey));
}

// SR-CBOR-10: size limits before parsing.
#[test]
fn sr_cbor_10_too_large() {
    let mut kb = unlocked(7).keyring().as_bytes().to_vec();
    kb.resize(4097, 0);
    assert_eq!(keyring_err(&kb), m(Malformed::TooLarge));
    // A valid v1 header followed by too many bytes: the header peek passes, the size fails.
    let mut big = record_bytes();
    big.resize(16_777_216 + 16 + 256 + 1, 0);
    assert_eq!(record_err(&big), m(Malformed::TooLarge));
    // The peek comes first (SR-OBJ-1): a later version is reported as such at any size,
    // and garbage is not a map.
    big[4] = 0x02;
    assert_eq!(record_err(&big), Error::UnsupportedVersion { version: 2 });
    let garbage = vec![0u8; 16_777_216 + 16 + 256 + 1];
    assert_eq!(record_err(&garbage), m(Malformed::UnexpectedType));
}

// SR-OBJ-2..5: schema errors in a keyring.
#[test]
fn sr_obj_schema_keyring() {
    let kb = unlocked(8).keyring().as_bytes().to_vec();
    // Unknown key 7 after the MAC: map count 6 -> 7 and an entry 07 00.
    let mut bad = kb.clone();
    bad[0] = 0xa7;
    bad.extend_from_slice(&[0x07, 0x00]);
    assert_eq!(keyring_err(&bad), m(Malformed::UnknownKey));
    // Missing key 4 (generation): drop "04 00", count 6 -> 5.
    let mut bad = kb[..23].to_vec();
    bad.extend_from_slice(&kb[25..]);
    bad[0] = 0xa5;
    assert_eq!(keyring_err(&bad), m(Malformed::MissingKey));
    // Generation as a byte string.
    let mut bad = kb.clone();
    bad[24] = 0x40;
    assert_eq!(keyring_err(&bad), m(Malformed::UnexpectedType));
    // Keyring id of 15 bytes.
    let mut bad = kb[..6].to_vec();
    bad.push(0x4f);
    bad.extend_from_slice(&kb[8..]);
    assert_eq!(keyring_err(&bad), m(Malformed::WrongLength));
    // Generation 2^53.
    let mut bad = kb[..24].to_vec();
    bad.extend_from_slice(&[0x1b, 0x00, 0x20, 0, 0, 0, 0, 0, 0]);
    bad.extend_from_slice(&kb[25..]);
    assert_eq!(keyring_err(&bad), m(Malformed::ValueOutOfRange));
    // Zero slots.
    let mut bad = kb[..26].to_vec();
    bad.push(0x80);
    bad.extend_from_slice(&kb[kb.len() - 35..]);
    assert_eq!(keyring_err(&bad), m(Malformed::BadSlotCount));
}

// Registries: an unknown slot kind and an unknown KDF id are unsupported_algorithm.
#[test]
fn registries_unknown_ids() {
    let u = unlocked(9);
    let kb = u.keyring().as_bytes().to_vec();
    let s0 = u.keyring().slots()[0].as_bytes();
    let at = kb.windows(s0.len()).position(|w| w == s0).unwrap();
    // Slot map: a7 01 01 ...: kind at at+2.
    let mut bad = kb.clone();
    bad[at + 2] = 0x03;
    assert_eq!(
        keyring_err(&bad),
        Error::UnsupportedAlgorithm {
            registry: Registry::SlotKind,
            id: 3
        }
    );
    // KDF array 82 01 0a -> 82 03 0a.
    let kdf = kb.windows(3).position(|w| w == [0x82, 0x01, 0x0a]).unwrap();
    let mut bad = kb.clone();
    bad[kdf + 1] = 0x03;
    assert_eq!(
        keyring_err(&bad),
        Error::UnsupportedAlgorithm {
            registry: Registry::Kdf,
            id: 3
        }
    );
    // PBKDF2 with an Argon2id-length array.
    let mut bad = kb[..kdf].to_vec();
    bad.extend_from_slice(&[0x83, 0x01, 0x0a, 0x01]);
    bad.extend_from_slice(&kb[kdf + 3..]);
    assert_eq!(keyring_err(&bad), m(Malformed::WrongLength));
    // A label of 65 bytes.
    let label = kb.windows(7).position(|w| w == b"\x66laptop").unwrap();
    let mut bad = kb[..label].to_vec();
    bad.extend_from_slice(&[0x78, 65]);
    bad.extend_from_slice(&[b'l'; 65]);
    bad.extend_from_slice(&kb[label + 7..]);
    assert_eq!(keyring_err(&bad), m(Malformed::ValueOutOfRange));
}

// SR-OBJ-4: ciphertext shorter than a tag.
#[test]
fn sr_obj_4_record_ciphertext_lengths() {
    let rb = record_bytes();
    let mut bad = rb[..107].to_vec();
    bad.extend_from_slice(&[0x07, 0x4f]);
    bad.extend_from_slice(&[0u8; 15]);
    assert_eq!(record_err(&bad), m(Malformed::WrongLength));
    let mut ok = rb[..107].to_vec();
    ok.extend_from_slice(&[0x07, 0x50]);
    ok.extend_from_slice(&[0u8; 16]);
    assert!(SealedRecord::from_bytes(&ok).is_ok());
}

// Text form: each object's text parses back to the same bytes; the other prefix is the
// wrong object type.
#[test]
fn sr_txt_roundtrip_per_object() {
    let u = unlocked(10);
    let kt = u.keyring().to_text();
    assert!(kt.starts_with("srk1."));
    assert_eq!(
        Keyring::from_text(&kt).unwrap().as_bytes(),
        u.keyring().as_bytes()
    );
    let r = u.seal(b"x", Context::new(b"")).unwrap();
    let rt = r.to_text();
    assert!(rt.starts_with("srr1."));
    assert_eq!(
        SealedRecord::from_text(&rt).unwrap().as_bytes(),
        r.as_bytes()
    );
    assert_eq!(
        Keyring::from_text(&rt).unwrap_err(),
        m(Malformed::WrongObjectType)
    );
    assert_eq!(
        SealedRecord::from_text(&format!("{rt}=")).unwrap_err(),
        m(Malformed::TextEncoding)
    );
}

/// Every single-bit flip and every truncation of `bytes` must be rejected by decode or by
/// `verify` (SR-CBOR-9 uniqueness plus authentication).
fn assert_every_mutation_rejected(
    bytes: &[u8],
    verify: impl Fn(&[u8]) -> Result<(), Error>,
) -> (usize, usize) {
    let (mut at_decode, mut at_crypto) = (0, 0);
    for bit in 0..bytes.len() * 8 {
        let mut t = bytes.to_vec();
        t[bit / 8] ^= 1 << (bit % 8);
        match verify(&t) {
            Ok(()) => panic!("bit flip {bit} accepted"),
            Err(Error::Malformed(_))
            | Err(Error::UnsupportedVersion { .. })
            | Err(Error::UnsupportedAlgorithm { .. })
            | Err(Error::KdfParamsOutOfBounds) => at_decode += 1,
            Err(_) => at_crypto += 1,
        }
    }
    for len in 0..bytes.len() {
        assert!(
            verify(&bytes[..len]).is_err(),
            "truncation to {len} accepted"
        );
    }
    (at_decode, at_crypto)
}

// Every bit flip and truncation of a keyring is rejected, at decode or at unlock.
#[test]
fn every_keyring_bit_flip_and_truncation_rejected() {
    let u = unlocked(11);
    let policy = relaxed_policy();
    let pw = Password::new("pw").unwrap();
    let (d, c) = assert_every_mutation_rejected(u.keyring().as_bytes(), |b| {
        Keyring::from_bytes(b)?.unlock(&pw, &policy).map(|_| ())
    });
    assert!(d > 0 && c > 0);
}

// Every bit flip and truncation of a record is rejected, at decode or at open.
#[test]
fn every_record_bit_flip_and_truncation_rejected() {
    let u = unlocked(12);
    let r = u
        .seal(b"2026-11-28 alice login", Context::new(b"ctx"))
        .unwrap();
    let (d, c) = assert_every_mutation_rejected(r.as_bytes(), |b| {
        u.open(&SealedRecord::from_bytes(b)?, Context::new(b"ctx"))
            .map(|_| ())
    });
    assert!(d > 0 && c > 0);
}
