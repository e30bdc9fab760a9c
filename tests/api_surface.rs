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
        (Error::WrongKeyring, "record belongs to a different keyring"),
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
