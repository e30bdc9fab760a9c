//! The operations of SPEC.md through the public API, each test citing the requirement it
//! proves.

mod common;

use common::{FAST_ARGON2, FAST_PBKDF2, TestRandom, new_keyring, policy, pw, relaxed_policy};
use strongroom::{
    Context, Error, InvalidInput, KdfParams, Keyring, Limit, RecoveryCode, SealedRecord, SlotKind,
    UnlockPolicy, UnlockedKeyring, hazmat,
};

/// Re-decodes what a server would hand back.
fn from_server(k: &Keyring) -> Keyring {
    Keyring::from_bytes(k.as_bytes()).unwrap()
}

// SR-OP-1, SR-OP-2, SR-KDF-1, SR-KDF-2: create then unlock with both KDFs.
#[test]
fn sr_op_1_create_then_unlock_both_kdfs() {
    for kdf in [FAST_PBKDF2, FAST_ARGON2] {
        let unlocked = new_keyring(1, kdf);
        let k = from_server(unlocked.keyring());
        assert_eq!(k.generation(), 0);
        assert_eq!(k.slots().len(), 1);
        assert_eq!(k.slots()[0].kdf(), Some(&kdf));
        assert_eq!(k.slots()[0].label(), "laptop");
        let again = k.unlock(&pw("correct horse"), &relaxed_policy()).unwrap();
        assert_eq!(hazmat::dek(&again), hazmat::dek(&unlocked));
    }
}

// SR-OP-2: a wrong password is unlock_failed.
#[test]
fn sr_op_2_wrong_password() {
    let k = from_server(new_keyring(2, FAST_PBKDF2).keyring());
    let err = k
        .unlock(&pw("correct horsE"), &relaxed_policy())
        .unwrap_err();
    assert_eq!(err, Error::UnlockFailed);
    assert_eq!(err.class(), "unlock_failed");
}

// SR-PWD-1: NFC and NFD spellings of a password unlock the same keyring.
#[test]
fn sr_pwd_1_nfd_password_unlocks_nfc_keyring() {
    let policy = relaxed_policy();
    let unlocked = hazmat::create_with_rng(
        &pw("p\u{e4}ssw\u{f6}rd"),
        FAST_PBKDF2,
        "",
        &policy,
        &mut TestRandom::new(3),
    )
    .unwrap();
    let k = from_server(unlocked.keyring());
    assert!(k.unlock(&pw("pa\u{308}sswo\u{308}rd"), &policy).is_ok());
}

// SR-POL-3: a keyring cannot be created with parameters its own policy would refuse.
#[test]
fn sr_pol_3_create_checks_policy() {
    let err = hazmat::create_with_rng(
        &pw("x"),
        FAST_PBKDF2,
        "",
        &UnlockPolicy::default(),
        &mut TestRandom::new(4),
    )
    .unwrap_err();
    assert_eq!(err, Error::OutOfPolicy);
    let err = hazmat::create_with_rng(
        &pw("x"),
        KdfParams::Pbkdf2Sha256 { iterations: 0 },
        "",
        &relaxed_policy(),
        &mut TestRandom::new(4),
    )
    .unwrap_err();
    assert_eq!(err, Error::KdfParamsOutOfBounds);
}

/// Rewrites the KDF array of the first slot: `82 01 0a` (PBKDF2, 10 iterations) becomes
/// `new_kdf`. Only lengths inside the slot change; the result is a well-formed keyring whose
/// MAC no longer matches, which is what a hostile server would send.
fn with_kdf_bytes(k: &Keyring, new_kdf: &[u8]) -> Vec<u8> {
    let bytes = k.as_bytes();
    let at = bytes
        .windows(3)
        .position(|w| w == [0x03, 0x82, 0x01])
        .expect("kdf entry");
    let mut out = bytes[..at + 1].to_vec();
    out.extend_from_slice(new_kdf);
    out.extend_from_slice(&bytes[at + 4..]);
    out
}

// SR-POL-1, SR-KDF-3: parameters outside policy or hard limits cost zero KDF runs.
#[test]
fn sr_pol_1_policy_checked_before_any_kdf() {
    let k = new_keyring(5, FAST_PBKDF2);
    // 10,000,000 iterations: within the hard limits, above the default ceiling.
    let hostile = with_kdf_bytes(k.keyring(), &[0x82, 0x01, 0x1a, 0x00, 0x98, 0x96, 0x80]);
    let hostile = Keyring::from_bytes(&hostile).unwrap();
    let before = hazmat::kdf_calls();
    let err = hostile
        .unlock(&pw("correct horse"), &UnlockPolicy::default())
        .unwrap_err();
    assert_eq!(err, Error::OutOfPolicy);
    assert_eq!(
        hazmat::kdf_calls(),
        before,
        "a KDF ran before the policy check"
    );
    // Downgrade: 10 iterations under the default floor of 600,000.
    let err = from_server(k.keyring())
        .unlock(&pw("correct horse"), &UnlockPolicy::default())
        .unwrap_err();
    assert_eq!(err, Error::OutOfPolicy);
    assert_eq!(hazmat::kdf_calls(), before);
    // Beyond the hard limits the keyring does not even decode.
    for absurd in [
        vec![0x82, 0x01, 0x1a, 0x00, 0x98, 0x96, 0x81], // 10,000,001
        vec![0x82, 0x01, 0x1b, 0, 0, 0, 1, 0, 0, 0, 0], // 2^32
        vec![0x84, 0x02, 0x1b, 0, 0, 1, 0, 0, 0, 0, 0, 0x03, 0x04], // 2^40 KiB
        vec![0x84, 0x02, 0x19, 0x04, 0x00, 0x11, 0x01], // t = 17
    ] {
        let err = Keyring::from_bytes(&with_kdf_bytes(k.keyring(), &absurd)).unwrap_err();
        assert_eq!(err, Error::KdfParamsOutOfBounds, "{absurd:02x?}");
    }
    assert_eq!(hazmat::kdf_calls(), before);
}

// SR-POL-2: unlock checks every password slot first (fail closed); unlock_slot checks one.
#[test]
fn sr_pol_2_all_slots_checked_first() {
    let mut unlocked = new_keyring(6, FAST_PBKDF2);
    hazmat::add_password_slot_with_rng(
        &mut unlocked,
        &pw("second"),
        KdfParams::Pbkdf2Sha256 { iterations: 20 },
        "phone",
        &mut TestRandom::new(60),
    )
    .unwrap();
    let k = from_server(unlocked.keyring());
    let floor_15 = policy(15..=100, 8..=64, 1..=1, 1..=1).unwrap();
    let before = hazmat::kdf_calls();
    assert_eq!(
        k.unlock(&pw("second"), &floor_15).unwrap_err(),
        Error::OutOfPolicy
    );
    assert_eq!(hazmat::kdf_calls(), before);
    assert!(k.unlock_slot(1, &pw("second"), &floor_15).is_ok());
    assert_eq!(
        hazmat::kdf_calls(),
        before + 1,
        "exactly one KDF for one slot"
    );
    assert_eq!(
        k.unlock_slot(0, &pw("correct horse"), &floor_15)
            .unwrap_err(),
        Error::OutOfPolicy
    );
}

// SR-OP-3: unlock_slot argument errors.
#[test]
fn sr_op_3_unlock_slot_arguments() {
    let mut unlocked = new_keyring(7, FAST_PBKDF2);
    hazmat::add_recovery_slot_with_rng(&mut unlocked, "paper", &mut TestRandom::new(70)).unwrap();
    let k = from_server(unlocked.keyring());
    let p = relaxed_policy();
    assert_eq!(
        k.unlock_slot(2, &pw("correct horse"), &p).unwrap_err(),
        Error::InvalidInput(InvalidInput::NoSuchSlot)
    );
    assert_eq!(
        k.unlock_slot(1, &pw("correct horse"), &p).unwrap_err(),
        Error::InvalidInput(InvalidInput::WrongSlotKind)
    );
    assert!(k.unlock_slot(0, &pw("correct horse"), &p).is_ok());
}

// SR-OP-5: change password re-wraps one slot; old password fails, records still open,
// other slots unchanged byte for byte, generation bumped.
#[test]
fn sr_op_5_change_password() {
    let mut unlocked = new_keyring(8, FAST_PBKDF2);
    let code = hazmat::add_recovery_slot_with_rng(&mut unlocked, "paper", &mut TestRandom::new(80))
        .unwrap();
    let record = unlocked.seal(b"entry", Context::new(b"ctx")).unwrap();
    let before = from_server(unlocked.keyring());
    hazmat::change_password_with_rng(
        &mut unlocked,
        0,
        &pw("new pass"),
        FAST_ARGON2,
        &mut TestRandom::new(81),
    )
    .unwrap();
    let after = from_server(unlocked.keyring());
    assert_eq!(after.generation(), before.generation() + 1);
    assert_eq!(after.id(), before.id());
    assert_eq!(after.slots()[1].as_bytes(), before.slots()[1].as_bytes());
    assert_ne!(after.slots()[0].as_bytes(), before.slots()[0].as_bytes());
    assert_eq!(after.slots()[0].label(), "laptop");
    let p = relaxed_policy();
    assert_eq!(
        after.unlock(&pw("correct horse"), &p).unwrap_err(),
        Error::UnlockFailed
    );
    let reopened = after.unlock(&pw("new pass"), &p).unwrap();
    assert_eq!(
        &reopened.open(&record, Context::new(b"ctx")).unwrap()[..],
        b"entry"
    );
    assert!(after.unlock_with_recovery(&code, &p).is_ok());
    // SR-OP-11: the old keyring copy still opens with the old password.
    assert!(before.unlock(&pw("correct horse"), &p).is_ok());
    // Recovery slots cannot take a password.
    assert_eq!(
        unlocked
            .change_password(1, &pw("x"), FAST_PBKDF2)
            .unwrap_err(),
        Error::InvalidInput(InvalidInput::WrongSlotKind)
    );
    // New parameters must satisfy the policy in force (SR-POL-3).
    assert_eq!(
        unlocked
            .change_password(
                0,
                &pw("x"),
                KdfParams::Pbkdf2Sha256 {
                    iterations: 3_000_000
                }
            )
            .unwrap_err(),
        Error::OutOfPolicy
    );
}

// SR-OP-4, SR-OP-6, SR-REC-1: recovery slot round trip; a wrong code fails like a wrong
// password; a typo is caught before any slot is tried.
#[test]
fn sr_op_4_recovery() {
    let mut unlocked = new_keyring(9, FAST_PBKDF2);
    let code = hazmat::add_recovery_slot_with_rng(&mut unlocked, "paper", &mut TestRandom::new(90))
        .unwrap();
    let k = from_server(unlocked.keyring());
    assert_eq!(k.slots()[1].kind(), &SlotKind::Recovery);
    let p = relaxed_policy();
    let typed = RecoveryCode::parse(&code.expose().to_lowercase()).unwrap();
    assert_eq!(
        hazmat::dek(&k.unlock_with_recovery(&typed, &p).unwrap()),
        hazmat::dek(&unlocked)
    );
    let other = hazmat::add_recovery_slot_with_rng(
        &mut new_keyring(10, FAST_PBKDF2),
        "x",
        &mut TestRandom::new(91),
    )
    .unwrap();
    assert_eq!(
        k.unlock_with_recovery(&other, &p).unwrap_err(),
        Error::UnlockFailed
    );
    // A password never opens a recovery slot, and vice versa.
    let only_recovery = {
        let mut u = new_keyring(11, FAST_PBKDF2);
        let c =
            hazmat::add_recovery_slot_with_rng(&mut u, "paper", &mut TestRandom::new(92)).unwrap();
        u.remove_slot(0).unwrap();
        (from_server(u.keyring()), c)
    };
    assert_eq!(
        only_recovery
            .0
            .unlock(&pw("correct horse"), &p)
            .unwrap_err(),
        Error::UnlockFailed
    );
    assert!(
        only_recovery
            .0
            .unlock_with_recovery(&only_recovery.1, &p)
            .is_ok()
    );
}

// SR-OP-6, SR-OP-7: slot count limits.
#[test]
fn sr_op_6_and_7_slot_limits() {
    let mut unlocked = new_keyring(12, FAST_PBKDF2);
    for i in 1..8 {
        hazmat::add_password_slot_with_rng(
            &mut unlocked,
            &pw(&format!("pw{i}")),
            FAST_PBKDF2,
            &format!("slot {i}"),
            &mut TestRandom::new(120 + i),
        )
        .unwrap();
    }
    assert_eq!(unlocked.keyring().slots().len(), 8);
    assert_eq!(unlocked.keyring().generation(), 7);
    assert_eq!(
        unlocked.add_recovery_slot("nine").unwrap_err(),
        Error::LimitExceeded(Limit::TooManySlots)
    );
    let k = from_server(unlocked.keyring());
    assert!(k.unlock(&pw("pw7"), &relaxed_policy()).is_ok());
    for _ in 0..7 {
        unlocked.remove_slot(0).unwrap();
    }
    assert_eq!(
        unlocked.remove_slot(0).unwrap_err(),
        Error::InvalidInput(InvalidInput::LastSlot)
    );
    assert_eq!(
        unlocked.remove_slot(5).unwrap_err(),
        Error::InvalidInput(InvalidInput::NoSuchSlot)
    );
    assert_eq!(
        unlocked.add_recovery_slot(&"l".repeat(65)).unwrap_err(),
        Error::LimitExceeded(Limit::LabelTooLong)
    );
    let k = from_server(unlocked.keyring());
    assert_eq!(k.generation(), 14);
    assert!(k.unlock(&pw("pw7"), &relaxed_policy()).is_ok());
    assert_eq!(
        k.unlock(&pw("pw1"), &relaxed_policy()).unwrap_err(),
        Error::UnlockFailed
    );
}

// SR-KEY-6: a keyring whose unauthenticated parts changed (here the generation, which no
// slot AAD covers) unlocks its slot but fails the keyring MAC.
#[test]
fn sr_key_6_keyring_mac() {
    let k = new_keyring(13, FAST_PBKDF2);
    let mut bytes = k.keyring().as_bytes().to_vec();
    // a6 01 01 02 01 03 50 <16 id> 04 00: the generation is at offset 24.
    assert_eq!(&bytes[23..26], &[0x04, 0x00, 0x05]);
    bytes[24] = 0x05;
    let rolled = Keyring::from_bytes(&bytes).unwrap();
    assert_eq!(
        rolled
            .unlock(&pw("correct horse"), &relaxed_policy())
            .unwrap_err(),
        Error::KeyringTampered
    );
    // Swapping the order of two slots is caught the same way.
    let mut u = new_keyring(14, FAST_PBKDF2);
    hazmat::add_password_slot_with_rng(
        &mut u,
        &pw("b"),
        FAST_PBKDF2,
        "b",
        &mut TestRandom::new(140),
    )
    .unwrap();
    let k = u.keyring();
    let (s0, s1) = (k.slots()[0].as_bytes(), k.slots()[1].as_bytes());
    let bytes = k.as_bytes();
    let start = bytes.windows(s0.len()).position(|w| w == s0).unwrap();
    let mut swapped = bytes[..start].to_vec();
    swapped.extend_from_slice(s1);
    swapped.extend_from_slice(s0);
    swapped.extend_from_slice(&bytes[start + s0.len() + s1.len()..]);
    let swapped = Keyring::from_bytes(&swapped).unwrap();
    assert_eq!(
        swapped.unlock(&pw("b"), &relaxed_policy()).unwrap_err(),
        Error::KeyringTampered
    );
}

// SR-KEY-3: a slot moved from another keyring (same password) does not open.
#[test]
fn sr_key_3_slot_moved_between_keyrings() {
    let a = new_keyring(15, FAST_PBKDF2);
    let b = new_keyring(16, FAST_PBKDF2);
    let (ka, kb) = (a.keyring().as_bytes(), b.keyring().as_bytes());
    let sa = a.keyring().slots()[0].as_bytes();
    let sb = b.keyring().slots()[0].as_bytes();
    let pos = ka.windows(sa.len()).position(|w| w == sa).unwrap();
    let mut moved = ka[..pos].to_vec();
    moved.extend_from_slice(sb);
    moved.extend_from_slice(&ka[pos + sa.len()..]);
    assert_ne!(ka, kb);
    let moved = Keyring::from_bytes(&moved).unwrap();
    assert_eq!(
        moved
            .unlock(&pw("correct horse"), &relaxed_policy())
            .unwrap_err(),
        Error::UnlockFailed
    );
}

// SR-OP-8, SR-OP-9: seal/open, limits, wrong context, wrong keyring.
#[test]
fn sr_op_8_and_9_records() {
    let u = new_keyring(17, FAST_PBKDF2);
    let ctx = b"user:alice|collection:log|record:1";
    for len in [0usize, 1, 15, 16, 17, 255, 4096, 70_000] {
        let pt: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let r = u.seal(&pt, Context::new(ctx)).unwrap();
        assert_eq!(r.as_bytes().len(), pt.len() + overhead(pt.len()));
        let r = SealedRecord::from_bytes(r.as_bytes()).unwrap();
        assert_eq!(&u.open(&r, Context::new(ctx)).unwrap()[..], &pt[..]);
        let r = SealedRecord::from_text(&r.to_text()).unwrap();
        assert_eq!(&u.open(&r, Context::new(ctx)).unwrap()[..], &pt[..]);
        assert_eq!(
            u.open(&r, Context::new(b"user:alice|collection:log|record:2"))
                .unwrap_err(),
            Error::RecordAuthenticationFailed
        );
        assert_eq!(
            u.open(&r, Context::new(b"")).unwrap_err(),
            Error::RecordAuthenticationFailed
        );
    }
    let empty_ctx = u.seal(b"x", Context::new(b"")).unwrap();
    assert_eq!(&u.open(&empty_ctx, Context::new(b"")).unwrap()[..], b"x");
    // Another user's keyring: a different id.
    let other = new_keyring(18, FAST_PBKDF2);
    let r = other.seal(b"theirs", Context::new(ctx)).unwrap();
    assert_eq!(
        u.open(&r, Context::new(ctx)).unwrap_err(),
        Error::WrongKeyring
    );
    // Limits.
    assert_eq!(
        u.seal(
            &vec![0u8; strongroom::MAX_PLAINTEXT_LEN + 1],
            Context::new(b"")
        )
        .unwrap_err(),
        Error::LimitExceeded(Limit::PlaintextTooLarge)
    );
    assert_eq!(
        u.seal(b"", Context::new(&[0u8; 4097])).unwrap_err(),
        Error::LimitExceeded(Limit::ContextTooLong)
    );
    assert!(u.seal(b"", Context::new(&[0u8; 4096])).is_ok());
    let big = u
        .seal(&vec![7u8; strongroom::MAX_PLAINTEXT_LEN], Context::new(b""))
        .unwrap();
    let big = SealedRecord::from_vec(big.into_bytes()).unwrap();
    assert_eq!(
        u.open(&big, Context::new(b"")).unwrap().len(),
        strongroom::MAX_PLAINTEXT_LEN
    );
}

/// Bytes a record adds to its plaintext: 107 header + key 7 + bstr head + 16 tag.
fn overhead(pt_len: usize) -> usize {
    let ct = pt_len + 16;
    let head = match ct {
        0..=23 => 1,
        24..=0xff => 2,
        0x100..=0xffff => 3,
        _ => 5,
    };
    107 + 1 + head + 16
}

// SR-OP-9, SR-KEY-8: each header field, the ciphertext and the tag are authenticated.
#[test]
fn sr_op_9_each_record_field_tampered() {
    let u = new_keyring(19, FAST_PBKDF2);
    let r = u.seal(b"log line", Context::new(b"ctx")).unwrap();
    let bytes = r.as_bytes();
    // (offset of a byte inside the field, what it is)
    let fields = [
        (30, "salt"),
        (60, "nonce"),
        (80, "commitment"),
        (110, "ciphertext"),
        (bytes.len() - 1, "tag"),
    ];
    for (at, name) in fields {
        let mut t = bytes.to_vec();
        t[at] ^= 0x01;
        let t = SealedRecord::from_bytes(&t).unwrap();
        assert_eq!(
            u.open(&t, Context::new(b"ctx")).unwrap_err(),
            Error::RecordAuthenticationFailed,
            "{name}"
        );
    }
    // The keyring id is checked first.
    let mut t = bytes.to_vec();
    t[7] ^= 0x01;
    let t = SealedRecord::from_bytes(&t).unwrap();
    assert_eq!(
        u.open(&t, Context::new(b"ctx")).unwrap_err(),
        Error::WrongKeyring
    );
}

// Secrets are types: Debug shows no key bytes.
#[test]
fn debug_output_has_no_secrets() {
    let u = new_keyring(20, FAST_PBKDF2);
    let dek_hex: String = hazmat::dek(&u).iter().map(|b| format!("{b:02x}")).collect();
    let shown = format!("{u:?} {:?}", pw("hunter2"));
    assert!(!shown.contains(&dek_hex[..16]));
    assert!(!shown.contains("hunter2"));
}

#[test]
fn unlocked_keyring_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<UnlockedKeyring>();
    check::<Keyring>();
    check::<SealedRecord>();
}
