//! What the public API shows of its values: accessors, `Debug` and `Display` output, settings
//! read back. These are not in the vectors (which compare bytes and error codes), so each is
//! pinned here.

mod common;

use common::{FAST_PBKDF2, new_keyring};
use strongroom::{Context, Error, Keyring, RecordRandomness, SealedRecord};

fn sealed() -> (strongroom::UnlockedKeyring, SealedRecord) {
    let unlocked = new_keyring(41, FAST_PBKDF2);
    let record = unlocked.seal(b"entry 7", Context::new(b"log:7")).unwrap();
    (unlocked, record)
}

#[test]
fn plaintext_accessors_give_the_opened_bytes() {
    let (unlocked, record) = sealed();
    let pt = unlocked.open(&record, Context::new(b"log:7")).unwrap();
    assert_eq!(pt.as_bytes(), b"entry 7");
    assert_eq!(AsRef::<[u8]>::as_ref(&pt), b"entry 7");
    assert_eq!(&pt[..], b"entry 7");
    assert_eq!(
        format!("{pt:?}"),
        "Plaintext(7 bytes)",
        "Debug shows the length, never the bytes"
    );
    assert_eq!(&pt.into_zeroizing()[..], b"entry 7");
}

#[test]
fn debug_output_shows_public_identifiers_in_hex_and_no_secret() {
    let (unlocked, record) = sealed();
    let id = hex::encode(unlocked.keyring().id());
    let k = format!("{:?}", unlocked.keyring());
    let r = format!("{record:?}");
    assert!(k.contains(&id), "keyring Debug shows its id in hex: {k}");
    assert!(
        r.contains(&id),
        "record Debug shows its keyring id in hex: {r}"
    );
    let u = format!("{unlocked:?}");
    assert!(
        !u.contains(&hex::encode(strongroom::hazmat::dek(&unlocked))),
        "no DEK in Debug: {u}"
    );
}

#[test]
fn error_display_is_the_rust_wording_with_the_codes() {
    let cases: Vec<(Error, &str)> = vec![
        (
            Error::UnlockFailed,
            "unlock failed: wrong password or recovery code",
        ),
        (Error::KeyringTampered, "keyring authentication failed"),
        (Error::WrongKeyring, "object belongs to a different keyring"),
        (
            Error::CheckpointAuthenticationFailed,
            "checkpoint authentication failed",
        ),
        (
            Error::RecordAuthenticationFailed,
            "record authentication failed",
        ),
        (
            Error::OutOfPolicy,
            "KDF parameters outside the unlock policy",
        ),
    ];
    for (e, want) in cases {
        assert_eq!(e.to_string(), want);
    }
    // A decoding error names its reason code; an unknown KDF id names its registry and value.
    let err = Keyring::from_bytes(&[0x01]).unwrap_err();
    assert_eq!(err.to_string(), "malformed input: unexpected_type");
    let mut bytes = new_keyring(42, FAST_PBKDF2).keyring().as_bytes().to_vec();
    let at = bytes
        .windows(3)
        .position(|w| w == [0x03, 0x82, 0x01])
        .expect("the KDF descriptor [1, n]");
    bytes[at + 2] = 0x03; // KDF id 3
    let err = Keyring::from_bytes(&bytes).unwrap_err();
    assert_eq!(err.class(), "unsupported_algorithm");
    assert_eq!(err.to_string(), "unsupported kdf id 3");
}

#[test]
fn record_randomness_setting_reads_back() {
    let (mut unlocked, _) = sealed();
    assert_eq!(unlocked.record_randomness(), RecordRandomness::ThreadLocal);
    unlocked.set_record_randomness(RecordRandomness::OperatingSystem);
    assert_eq!(
        unlocked.record_randomness(),
        RecordRandomness::OperatingSystem
    );
    // Records still seal and open with the operating system's generator.
    let r = unlocked.seal(b"x", Context::new(b"c")).unwrap();
    assert_eq!(&unlocked.open(&r, Context::new(b"c")).unwrap()[..], b"x");
}

// The gaps the cargo-mutants run of MUTATION-TESTING.md found in hazmat: the CBOR writer's
// output, the strict reader's bound on a map used as a map key, and randomness drawn
// through a `&mut` borrow of a source.
#[test]
fn hazmat_cbor_writer_writes_shortest_heads() {
    use strongroom::hazmat::cbor::{Value, Writer, decode};
    let mut w = Writer::default();
    w.map(2).uint(1).bytes(b"ab").uint(2).array(5);
    w.text("x")
        .uint(24)
        .uint(0x100)
        .uint(0x1_0000)
        .uint(1 << 32);
    let bytes = w.into_vec();
    assert_eq!(
        hex::encode(&bytes),
        "a2014261620285617818181901001a000100001b0000000100000000"
    );
    assert_eq!(
        decode(&bytes),
        Ok(Value::Map(vec![
            (1, Value::Bytes(b"ab".to_vec())),
            (
                2,
                Value::Array(vec![
                    Value::Text("x".into()),
                    Value::Uint(24),
                    Value::Uint(0x100),
                    Value::Uint(0x1_0000),
                    Value::Uint(1 << 32),
                ])
            ),
        ]))
    );
}

// SR-CBOR-8: a map used as a map key whose count needs more bytes than remain (two per
// entry) is `truncated`, read with its head, before `non_integer_map_key`.
#[test]
fn hazmat_cbor_map_key_that_overruns_is_truncated() {
    use strongroom::Malformed;
    use strongroom::hazmat::cbor::decode;
    // { {3 entries}: ... } with 3 bytes left: enough for 3 one-byte items, not 3 entries.
    assert_eq!(
        decode(&[0xa1, 0xa3, 0x00, 0x00, 0x00]),
        Err(Malformed::Truncated)
    );
    // With 6 bytes left the key's head is in bounds, and the key's type is the error.
    assert_eq!(
        decode(&[0xa1, 0xa3, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]),
        Err(Malformed::NonIntegerMapKey)
    );
}

#[test]
fn randomness_through_a_mutable_borrow_is_the_source_itself() {
    use strongroom::hazmat::RandomSource;
    struct Counter(u8);
    impl RandomSource for Counter {
        fn fill(&mut self, dest: &mut [u8]) -> strongroom::Result<()> {
            for b in dest {
                self.0 = self.0.wrapping_add(1);
                *b = self.0;
            }
            Ok(())
        }
    }
    let mut counter = Counter(0);
    let mut borrowed = &mut counter;
    let mut buf = [0u8; 4];
    RandomSource::fill(&mut borrowed, &mut buf).unwrap();
    assert_eq!(buf, [1, 2, 3, 4]);
    RandomSource::fill(&mut borrowed, &mut buf).unwrap();
    assert_eq!(buf, [5, 6, 7, 8]);
}
