//! Issue 14, keyring hardening: secret-key slots (SPEC.md 6.3, 9.2, 11.2.1, 11.3.1, 11.7.1,
//! 12.1), skippable slot kinds (6.3.1), the authentication key (9.3.1, 11.14), pins (11.12),
//! the unlock work budget (10, 11.3) and password changes that never silently weaken the KDF
//! (8, 11.6). Every test states the requirement it proves in its first comment line.

mod common;

use common::{FAST_ARGON2, FAST_PBKDF2, Scripted, TestRandom, new_keyring, pw, relaxed_policy};
use strongroom::hazmat::{self, RandomSource};
use strongroom::{
    Error, HistoryViolation, InvalidInput, KdfParams, Keyring, KeyringPin, Limit, Malformed,
    Registry, SecretKey, SlotKind, SlotRef, UnlockPolicy, UnlockedKeyring,
};

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// The head of a CBOR item of major type `major` with argument `v`, shortest form.
fn head(major: u8, v: u64) -> Vec<u8> {
    let m = major << 5;
    match v {
        0..=23 => vec![m | v as u8],
        24..=0xff => vec![m | 24, v as u8],
        0x100..=0xffff => [vec![m | 25], (v as u16).to_be_bytes().to_vec()].concat(),
        0x1_0000..=0xffff_ffff => [vec![m | 26], (v as u32).to_be_bytes().to_vec()].concat(),
        _ => [vec![m | 27], v.to_be_bytes().to_vec()].concat(),
    }
}

/// A keyring with the id and DEK of `unlocked`, the given generation and exactly these
/// slot encodings, with a valid MAC: what a holder of the DEK (a newer client, or a
/// compromised one) can write.
fn assemble(unlocked: &UnlockedKeyring, generation: u64, slots: &[Vec<u8>]) -> Vec<u8> {
    let mut body = vec![0xa6, 0x01, 0x01, 0x02, 0x01, 0x03, 0x50];
    body.extend_from_slice(unlocked.keyring().id());
    body.push(0x04);
    body.extend(head(0, generation));
    body.push(0x05);
    body.extend(head(4, slots.len() as u64));
    for s in slots {
        body.extend_from_slice(s);
    }
    let mac = hmac_sha256(&hazmat::mac_key(unlocked), &[&body]);
    body.extend_from_slice(&[0x06, 0x58, 0x20]);
    body.extend_from_slice(&mac);
    body
}

fn slot_bytes(unlocked: &UnlockedKeyring) -> Vec<Vec<u8>> {
    unlocked
        .keyring()
        .slots()
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect()
}

/// A slot of kind `kind` with the generic shape: keys 1, 2, then `middle` (keys 3 to 5 as
/// the caller encodes them, with their count), then 6 (48 bytes) and 7 (32 bytes).
fn generic_slot(kind: u64, label: &str, middle: (usize, &[u8])) -> Vec<u8> {
    let mut s = head(5, 4 + middle.0 as u64);
    s.push(0x01);
    s.extend(head(0, kind));
    s.push(0x02);
    s.extend(head(3, label.len() as u64));
    s.extend_from_slice(label.as_bytes());
    s.extend_from_slice(middle.1);
    s.extend_from_slice(&[0x06, 0x58, 0x30]);
    s.extend_from_slice(&[0xaa; 48]);
    s.extend_from_slice(&[0x07, 0x58, 0x20]);
    s.extend_from_slice(&[0xbb; 32]);
    s
}

fn sk(seed: u8) -> SecretKey {
    hazmat::secret_key_from_bytes(core::array::from_fn(|i| seed.wrapping_add(i as u8)))
}

/// A keyring with one secret-key slot for "correct horse" and `sk(1)`.
fn secret_key_keyring(seed: u64, kdf: KdfParams) -> UnlockedKeyring {
    let mut rng = TestRandom::new(seed);
    let (u, _) = hazmat::create_with_secret_key_with_rng(
        &pw("correct horse"),
        kdf,
        "laptop",
        &relaxed_policy(),
        &mut rng,
    )
    .unwrap();
    // Replace the drawn key with a known one, so tests can name it.
    let mut u = u;
    hazmat::add_secret_key_slot_with_rng(
        &mut u,
        &pw("correct horse"),
        &sk(1),
        kdf,
        "known",
        &mut TestRandom::new(seed + 1000),
    )
    .unwrap();
    u.remove_slot(0).unwrap();
    u
}

fn work_policy(max_unlock_work: u64) -> UnlockPolicy {
    UnlockPolicy::builder()
        .pbkdf2_iterations(1..=2_000_000)
        .argon2_memory_kib(8..=262_144)
        .argon2_time_cost(1..=8)
        .argon2_parallelism(1..=8)
        .max_unlock_work(max_unlock_work)
        .build()
        .unwrap()
}

/// Counts the draws a change makes from its random source.
struct Counting {
    draws: usize,
    inner: TestRandom,
}

impl RandomSource for Counting {
    fn fill(&mut self, dest: &mut [u8]) -> strongroom::Result<()> {
        self.draws += 1;
        self.inner.fill(dest)
    }
}

// ---------------------------------------------------------------------------------------
// Secret keys and secret-key slots
// ---------------------------------------------------------------------------------------

/// Crockford base32 of `bytes` (a multiple of 5), written here from SPEC.md 12.1 alone.
fn crockford(bytes: &[u8]) -> String {
    const A: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut bits = String::new();
    for b in bytes {
        bits.push_str(&format!("{b:08b}"));
    }
    bits.as_bytes()
        .chunks(5)
        .map(|c| A[usize::from_str_radix(std::str::from_utf8(c).unwrap(), 2).unwrap()] as char)
        .collect()
}

// SR-SK-3, SR-SK-1: the code is "SK1-" and the Crockford base32 of secret || SHA-256(label ||
// secret)[0..4] in 8 groups of 4, computed here independently, and it parses back.
#[test]
fn sr_sk_3_code_known_answer() {
    let key = sk(0x30);
    let secret = hazmat::secret_key_bytes(&key);
    let check = sha256(&[b"strongroom/v1/secret-key-code", &secret]);
    let symbols = crockford(&[&secret[..], &check[..4]].concat());
    let groups: Vec<&str> = (0..8).map(|i| &symbols[i * 4..i * 4 + 4]).collect();
    let expected = format!("SK1-{}", groups.join("-"));
    assert_eq!(*key.expose(), expected);
    assert_eq!(expected.len(), 43);
    assert_eq!(
        hazmat::secret_key_bytes(&SecretKey::parse(&expected).unwrap()),
        secret
    );
    assert_eq!(
        &hazmat::secret_key_payload(&key)[..],
        &[&secret[..], &check[..4]].concat()[..]
    );
}

// SR-SK-1: lenient typing (case, spaces, hyphens, O/I/L) parses; a missing prefix, a symbol
// outside the alphabet, a wrong count and a wrong check fail with their reasons; a recovery
// code is not a secret key.
#[test]
fn sr_sk_1_parse_rules() {
    let key = sk(0x51);
    let code = key.expose().to_string();
    let bytes = hazmat::secret_key_bytes(&key);
    let parsed = |s: &str| SecretKey::parse(s).map(|k| hazmat::secret_key_bytes(&k));
    assert_eq!(parsed(&code.to_lowercase()), Ok(bytes));
    assert_eq!(parsed(&code.replace('-', "  ")), Ok(bytes));
    let body = code[4..].replace('0', "O").replace('1', "I");
    assert_eq!(parsed(&format!("sk1 {body}")), Ok(bytes));
    let body_l = code[4..].replace('1', "l");
    assert_eq!(parsed(&format!("SK1{body_l}")), Ok(bytes));
    let format = Err(Error::InvalidInput(InvalidInput::SecretKeyFormat));
    assert_eq!(parsed(&code[4..]), format);
    assert_eq!(parsed(&format!("SK2-{}", &code[4..])), format);
    assert_eq!(parsed(&format!("{code}A")), format);
    assert_eq!(parsed(&code[..code.len() - 1]), format);
    assert_eq!(parsed(&format!("{}U", &code[..code.len() - 1])), format);
    assert_eq!(parsed(&format!("{}é", &code[..code.len() - 1])), format);
    assert_eq!(parsed(""), format);
    let recovery = hazmat::recovery_code_from_secret([7; 32])
        .expose()
        .to_string();
    assert_eq!(parsed(&recovery), format);
    // One symbol changed: the check catches it.
    let mut typo = code.clone().into_bytes();
    typo[10] = if typo[10] == b'A' { b'B' } else { b'A' };
    assert_eq!(
        parsed(std::str::from_utf8(&typo).unwrap()),
        Err(Error::InvalidInput(InvalidInput::SecretKeyCheck))
    );
}

// SR-SK-2: the library's part: the code comes back from create_with_secret_key, is not in
// the keyring, and no Debug output shows the key.
#[test]
fn sr_sk_2_code_returned_never_stored() {
    let mut rng = Scripted(vec![
        vec![1; 16],
        vec![2; 32],
        vec![3; 16],
        vec![4; 32],
        vec![5; 12],
    ]);
    let (u, key) = hazmat::create_with_secret_key_with_rng(
        &pw("pw"),
        FAST_PBKDF2,
        "a",
        &relaxed_policy(),
        &mut rng,
    )
    .unwrap();
    assert_eq!(hazmat::secret_key_bytes(&key), [3; 16]);
    let bytes = u.keyring().as_bytes();
    assert!(!bytes.windows(16).any(|w| w == [3; 16]));
    assert!(!u.keyring().to_text().contains(&key.expose()[4..]));
    assert_eq!(format!("{key:?}"), "SecretKey(..)");
    assert!(!format!("{u:?}").contains("030303"));
}

// SR-OP-19: create_with_secret_key draws id, DEK, secret key, salt, nonce in that order and
// writes one kind-64 slot laid out as a password slot with `01 40` for `01 01` (SPEC.md 6.3).
#[test]
fn sr_op_19_create_with_secret_key() {
    let script = |with_key: bool| {
        let mut s = vec![vec![1; 16], vec![2; 32]];
        if with_key {
            s.push(vec![3; 16]);
        }
        s.extend([vec![4; 32], vec![5; 12]]);
        Scripted(s)
    };
    let policy = relaxed_policy();
    let (u, key) = hazmat::create_with_secret_key_with_rng(
        &pw("pw"),
        FAST_ARGON2,
        "laptop",
        &policy,
        &mut script(true),
    )
    .unwrap();
    let plain = hazmat::create_with_rng(
        &pw("pw"),
        FAST_ARGON2,
        "laptop",
        &policy,
        &mut script(false),
    )
    .unwrap();
    assert_eq!(u.keyring().id(), &[1; 16]);
    assert_eq!(hazmat::dek(&u), [2; 32]);
    assert_eq!(hazmat::secret_key_bytes(&key), [3; 16]);
    assert_eq!(u.slot_index(), Some(0));
    assert_eq!(u.keyring().generation(), 0);
    let s = &u.keyring().slots()[0];
    assert_eq!(
        s.kind(),
        &SlotKind::SecretKey {
            kdf: FAST_ARGON2,
            salt: [4; 32]
        }
    );
    assert_eq!(s.nonce(), Some(&[5; 12]));
    let (a, b) = (s.as_bytes(), plain.keyring().slots()[0].as_bytes());
    // `01 18 40` (key 1, kind 64) in place of `01 01`: one byte longer, the rest of the AAD
    // part the same.
    assert_eq!(a.len(), b.len() + 1);
    assert_eq!(&a[..4], &[0xa7, 0x01, 0x18, 0x40]);
    assert_eq!(&b[..3], &[0xa7, 0x01, 0x01]);
    assert_eq!(&a[4..a.len() - 86], &b[3..b.len() - 86]);
    // Decodes back as written.
    let k = Keyring::from_bytes(u.keyring().as_bytes()).unwrap();
    assert_eq!(k.slots()[0].kind(), s.kind());
}

// SR-KEY-16: KEK = HMAC(HMAC(secret_key, KDF(P, salt, kdf)), "strongroom/v1/secret-key-slot/kek"
// || 01), and the slot's commitment follows SR-KEY-2 with the secret-key labels.
#[test]
fn sr_key_16_secret_key_slot_kek() {
    let u = secret_key_keyring(3, FAST_PBKDF2);
    let k = u.keyring();
    let s = &k.slots()[0];
    let SlotKind::SecretKey { kdf, salt } = *s.kind() else {
        panic!("secret-key slot")
    };
    let kek_p = hazmat::kek(&kdf, &pw("correct horse"), &salt).unwrap();
    let prk_sk = hmac_sha256(&hazmat::secret_key_bytes(&sk(1)), &[&kek_p]);
    let kek = hmac_sha256(&prk_sk, &[b"strongroom/v1/secret-key-slot/kek", &[1]]);
    assert_eq!(
        hazmat::secret_key_kek(&kdf, &pw("correct horse"), &sk(1), &salt).unwrap(),
        kek
    );
    let prk = hmac_sha256(k.id(), &[&kek]);
    let commitment = hmac_sha256(&prk, &[b"strongroom/v1/secret-key-slot/commitment", &[1]]);
    assert_eq!(s.commitment(), &commitment);
    let secrets = hazmat::slot_secrets(k, 0, &kek).unwrap();
    assert_eq!(secrets.commitment, commitment);
    let wrap = hmac_sha256(&prk, &[b"strongroom/v1/secret-key-slot/wrap-key", &[1]]);
    assert_eq!(secrets.wrap_key, wrap);
    // Neither secret alone: the password slot's KEK does not open it.
    assert_ne!(hmac_sha256(&prk, &[b"x"]), [0; 32]);
    assert!(hazmat::slot_secrets(k, 0, &kek_p).unwrap().commitment != commitment);
}

// SR-OP-20: unlock_secret_key opens a secret-key slot with both secrets; a wrong secret key
// or a wrong password is unlock_failed; a password slot is never tried, nor is a secret-key
// slot by unlock.
#[test]
fn sr_op_20_unlock_secret_key() {
    let mut u = secret_key_keyring(4, FAST_PBKDF2);
    hazmat::add_password_slot_with_rng(
        &mut u,
        &pw("correct horse"),
        FAST_PBKDF2,
        "plain",
        &mut TestRandom::new(40),
    )
    .unwrap();
    let k = Keyring::from_bytes(u.keyring().as_bytes()).unwrap();
    let policy = relaxed_policy();
    let before = hazmat::kdf_calls();
    let opened = k
        .unlock_secret_key(&pw("correct horse"), &sk(1), &policy)
        .unwrap();
    assert_eq!(hazmat::kdf_calls() - before, 1);
    assert_eq!(opened.slot_index(), Some(0));
    assert_eq!(hazmat::dek(&opened), hazmat::dek(&u));
    let before = hazmat::kdf_calls();
    assert_eq!(
        k.unlock_secret_key(&pw("correct horse"), &sk(2), &policy)
            .unwrap_err(),
        Error::UnlockFailed
    );
    assert_eq!(
        k.unlock_secret_key(&pw("wrong"), &sk(1), &policy)
            .unwrap_err(),
        Error::UnlockFailed
    );
    // One KDF each: the password slot was not tried.
    assert_eq!(hazmat::kdf_calls() - before, 2);
    // unlock with the password alone opens the password slot, never the secret-key slot.
    let before = hazmat::kdf_calls();
    assert_eq!(
        k.unlock(&pw("correct horse"), &policy)
            .unwrap()
            .slot_index(),
        Some(1)
    );
    assert_eq!(hazmat::kdf_calls() - before, 1);
    // A keyring with only a secret-key slot: unlock has no slot to try and runs no KDF.
    let only =
        Keyring::from_bytes(secret_key_keyring(5, FAST_PBKDF2).keyring().as_bytes()).unwrap();
    let before = hazmat::kdf_calls();
    assert_eq!(
        only.unlock(&pw("correct horse"), &policy).unwrap_err(),
        Error::UnlockFailed
    );
    assert_eq!(hazmat::kdf_calls(), before);
}

// SR-OP-3: unlock_slot takes a password and a secret key for a secret-key slot; the other
// credential at either kind of slot is wrong_slot_kind, before any KDF.
#[test]
fn sr_op_3_unlock_slot_with_secret_key() {
    let mut u = secret_key_keyring(6, FAST_PBKDF2);
    hazmat::add_password_slot_with_rng(
        &mut u,
        &pw("p"),
        FAST_PBKDF2,
        "plain",
        &mut TestRandom::new(60),
    )
    .unwrap();
    let k = Keyring::from_bytes(u.keyring().as_bytes()).unwrap();
    let policy = relaxed_policy();
    let opened = k
        .unlock_slot_with_secret_key(0, &pw("correct horse"), &sk(1), &policy)
        .unwrap();
    assert_eq!(opened.slot_index(), Some(0));
    let before = hazmat::kdf_calls();
    let wrong = Err(Error::InvalidInput(InvalidInput::WrongSlotKind));
    assert_eq!(
        k.unlock_slot_with_secret_key(1, &pw("p"), &sk(1), &policy)
            .map(|_| ()),
        wrong
    );
    assert_eq!(
        k.unlock_slot(0, &pw("correct horse"), &policy).map(|_| ()),
        wrong
    );
    assert_eq!(
        k.unlock_slot_with_secret_key(2, &pw("p"), &sk(1), &policy)
            .map(|_| ()),
        Err(Error::InvalidInput(InvalidInput::NoSuchSlot))
    );
    assert_eq!(hazmat::kdf_calls(), before);
    assert_eq!(
        k.unlock_slot_with_secret_key(0, &pw("correct horse"), &sk(9), &policy)
            .map(|_| ()),
        Err(Error::UnlockFailed)
    );
    // SR-POL-2 for the one slot: below the floor is out_of_policy, before any KDF.
    let floor = UnlockPolicy::builder()
        .pbkdf2_iterations(11..=1_000)
        .build()
        .unwrap();
    let before = hazmat::kdf_calls();
    assert_eq!(
        k.unlock_slot_with_secret_key(0, &pw("correct horse"), &sk(1), &floor)
            .map(|_| ()),
        Err(Error::OutOfPolicy)
    );
    assert_eq!(hazmat::kdf_calls(), before);
}

// SR-OP-21: add_secret_key_slot appends a kind-64 slot under the caller's secret key, keeps
// every other slot byte for byte and raises the generation by one.
#[test]
fn sr_op_21_add_secret_key_slot() {
    let mut u = new_keyring(7, FAST_PBKDF2);
    let before = slot_bytes(&u);
    let key = SecretKey::generate().unwrap();
    hazmat::add_secret_key_slot_with_rng(
        &mut u,
        &pw("second"),
        &key,
        FAST_ARGON2,
        "phone",
        &mut TestRandom::new(70),
    )
    .unwrap();
    let k = Keyring::from_bytes(u.keyring().as_bytes()).unwrap();
    assert_eq!(k.generation(), 1);
    assert_eq!(k.slots().len(), 2);
    assert_eq!(k.slots()[0].as_bytes(), &before[0][..]);
    assert!(matches!(k.slots()[1].kind(), SlotKind::SecretKey { .. }));
    assert_eq!(k.slots()[1].label(), "phone");
    let again = SecretKey::parse(&key.expose()).unwrap();
    let opened = k
        .unlock_secret_key(&pw("second"), &again, &relaxed_policy())
        .unwrap();
    assert_eq!(opened.slot_index(), Some(1));
    // The checks of 11.7 apply: the KDF is checked against the policy.
    let strict = UnlockPolicy::default();
    let mut v = k.unlock(&pw("correct horse"), &strict.clone()).err();
    assert_eq!(v.take(), Some(Error::OutOfPolicy));
    assert_eq!(
        u.add_secret_key_slot(
            &pw("x"),
            &key,
            KdfParams::Pbkdf2Sha256 { iterations: 0 },
            "b"
        ),
        Err(Error::KdfParamsOutOfBounds)
    );
}

// ---------------------------------------------------------------------------------------
// Skippable and critical slot kinds
// ---------------------------------------------------------------------------------------

// SR-OBJ-7, SR-OBJ-6: a critical kind not implemented is unsupported_algorithm, a kind above
// 65,535 value_out_of_range, a skippable kind of the generic shape decodes (keys 3 to 5
// optional, any profile-valid values), and anything else in it is still malformed.
#[test]
fn sr_obj_7_critical_and_skippable_kinds() {
    let u = new_keyring(8, FAST_PBKDF2);
    let own = slot_bytes(&u).remove(0);
    let with = |extra: Vec<u8>| Keyring::from_bytes(&assemble(&u, 0, &[own.clone(), extra]));
    for kind in [0, 3, 5, 63] {
        assert_eq!(
            with(generic_slot(kind, "x", (0, &[]))).unwrap_err(),
            Error::UnsupportedAlgorithm {
                registry: Registry::SlotKind,
                id: kind
            },
            "kind {kind}"
        );
    }
    for kind in [65_536, 1 << 32, u64::MAX] {
        assert_eq!(
            with(generic_slot(kind, "x", (0, &[]))).unwrap_err(),
            Error::Malformed(Malformed::ValueOutOfRange),
            "kind {kind}"
        );
    }
    // The kind is read before the rest of the slot (SPEC.md 6.6, step 3 before step 4): a
    // kind above 65,535 is out of range even where the label is not a text string.
    let mut bad_label = generic_slot(65_536, "", (0, &[]));
    let at = bad_label.iter().position(|&b| b == 0x60).unwrap();
    bad_label[at] = 0x00;
    assert_eq!(
        with(bad_label).unwrap_err(),
        Error::Malformed(Malformed::ValueOutOfRange)
    );
    // Key 3: [1, "a"]; key 4: {1: h''}; key 5: 0 (any values the profile accepts).
    let middle: &[u8] = &[
        0x03, 0x82, 0x01, 0x61, 0x61, 0x04, 0xa1, 0x01, 0x40, 0x05, 0x00,
    ];
    for (kind, m) in [
        (65, (0, &[][..])),
        (100, (3, middle)),
        (65_535, (1, &middle[..5])),
        (4_000, (1, &middle[9..])),
    ] {
        let slot = generic_slot(kind, "newer", m);
        let k = with(slot.clone()).unwrap();
        assert_eq!(k.slots()[1].kind(), &SlotKind::Unknown(kind as u16));
        assert_eq!(k.slots()[1].label(), "newer");
        assert_eq!(k.slots()[1].as_bytes(), &slot[..]);
        assert_eq!(k.slots()[1].kdf(), None);
        assert_eq!(k.slots()[1].nonce(), None);
        assert_eq!(k.slots()[1].wrapped_dek(), &[0xaa; 48]);
        assert_eq!(hazmat::reencode_keyring(&k).unwrap(), k.as_bytes());
    }
    // Still malformed: a label too long, a key above 7, a missing key 6, a short commitment,
    // keys out of order (the profile), a non-profile value in key 3.
    let long = "x".repeat(65);
    assert_eq!(
        with(generic_slot(100, &long, (0, &[]))).unwrap_err(),
        Error::Malformed(Malformed::ValueOutOfRange)
    );
    let mut extra = generic_slot(100, "x", (0, &[]));
    extra[0] += 1;
    extra.extend_from_slice(&[0x08, 0x00]);
    assert_eq!(
        with(extra).unwrap_err(),
        Error::Malformed(Malformed::UnknownKey)
    );
    let mut missing = head(5, 3);
    missing.extend_from_slice(&[0x01, 0x18, 0x64, 0x02, 0x60, 0x07, 0x58, 0x20]);
    missing.extend_from_slice(&[0; 32]);
    assert_eq!(
        with(missing).unwrap_err(),
        Error::Malformed(Malformed::MissingKey)
    );
    let mut short = generic_slot(100, "x", (0, &[]));
    let n = short.len();
    short[n - 33] = 0x1f;
    short.truncate(n - 1);
    assert_eq!(
        with(short).unwrap_err(),
        Error::Malformed(Malformed::WrongLength)
    );
    let float: &[u8] = &[0x03, 0xf9, 0x3c, 0x00];
    assert!(matches!(
        with(generic_slot(100, "x", (1, float))).unwrap_err(),
        Error::Malformed(_)
    ));
    // Kind 64 is implemented here: the generic shape is not enough for it.
    assert_eq!(
        with(generic_slot(64, "x", (0, &[]))).unwrap_err(),
        Error::Malformed(Malformed::MissingKey)
    );
}

// SR-OP-18: a slot of a kind not implemented is never tried, kept byte for byte by every
// change, refused by change_password and unlock_slot (wrong_slot_kind) and removable.
#[test]
fn sr_op_18_unknown_slot_never_tried_kept_removable() {
    let u = new_keyring(9, FAST_PBKDF2);
    let own = slot_bytes(&u).remove(0);
    let unknown = generic_slot(200, "from a newer client", (0, &[]));
    let k = Keyring::from_bytes(&assemble(&u, 3, &[unknown.clone(), own])).unwrap();
    let policy = relaxed_policy();
    let before = hazmat::kdf_calls();
    let mut opened = k.unlock(&pw("correct horse"), &policy).unwrap();
    assert_eq!(hazmat::kdf_calls() - before, 1);
    assert_eq!(opened.slot_index(), Some(1));
    assert_eq!(
        k.unlock(&pw("wrong"), &policy).unwrap_err(),
        Error::UnlockFailed
    );
    let wrong = Err(Error::InvalidInput(InvalidInput::WrongSlotKind));
    assert_eq!(
        k.unlock_slot(0, &pw("correct horse"), &policy).map(|_| ()),
        wrong
    );
    assert_eq!(
        k.unlock_slot_with_secret_key(0, &pw("correct horse"), &sk(1), &policy)
            .map(|_| ()),
        wrong
    );
    let code = hazmat::recovery_code_from_secret([1; 32]);
    assert_eq!(
        k.unlock_slot_with_recovery(0, &code, &policy).map(|_| ()),
        wrong
    );
    assert_eq!(
        k.unlock_with_recovery(&code, &policy).unwrap_err(),
        Error::UnlockFailed
    );
    assert_eq!(
        hazmat::change_password_with_rng(
            &mut opened,
            0,
            &pw("n"),
            FAST_PBKDF2,
            &mut TestRandom::new(1)
        ),
        wrong
    );
    // Changes elsewhere keep it byte for byte.
    hazmat::change_password_with_rng(
        &mut opened,
        1,
        &pw("n"),
        FAST_PBKDF2,
        &mut TestRandom::new(2),
    )
    .unwrap();
    hazmat::add_recovery_slot_with_rng(&mut opened, "r", &mut TestRandom::new(3)).unwrap();
    let k2 = Keyring::from_bytes(opened.keyring().as_bytes()).unwrap();
    assert_eq!(k2.generation(), 5);
    assert_eq!(k2.slots()[0].as_bytes(), &unknown[..]);
    assert_eq!(opened.slot_index(), Some(1));
    // Removable; the slot that opened moves down by one.
    opened.remove_slot(0).unwrap();
    assert_eq!(opened.slot_index(), Some(0));
    let k3 = Keyring::from_bytes(opened.keyring().as_bytes()).unwrap();
    assert_eq!(k3.slots().len(), 2);
    assert!(k3.unlock(&pw("n"), &policy).is_ok());
    // A keyring of an unknown slot alone has nothing to try.
    let lone = Keyring::from_bytes(&assemble(&u, 0, &[unknown])).unwrap();
    assert_eq!(
        lone.unlock(&pw("correct horse"), &policy).unwrap_err(),
        Error::UnlockFailed
    );
}

// ---------------------------------------------------------------------------------------
// Authentication key
// ---------------------------------------------------------------------------------------

// SR-KEY-15, SR-AUTH-2: auth_tag = HMAC(HMAC(prk_ring, "strongroom/v1/auth-key" || 01),
// message), a key unlike the MAC key and record root, for messages up to 16 MiB.
#[test]
fn sr_key_15_auth_tag() {
    let u = new_keyring(10, FAST_PBKDF2);
    let prk_ring = hazmat::keyring_prk(&u);
    let auth_key = hmac_sha256(&prk_ring, &[b"strongroom/v1/auth-key", &[1]]);
    assert_eq!(hazmat::auth_key(&u), auth_key);
    assert_ne!(auth_key, hazmat::mac_key(&u));
    assert_ne!(auth_key, hazmat::record_root(&u));
    assert_ne!(auth_key, hazmat::dek(&u));
    for msg in [&b""[..], b"GET /records/42", &[0u8; 1000]] {
        assert_eq!(u.auth_tag(msg).unwrap(), hmac_sha256(&auth_key, &[msg]));
    }
    // The same keyring after a password change has the same key (it depends on the DEK).
    let mut v = new_keyring(10, FAST_PBKDF2);
    hazmat::change_password_with_rng(&mut v, 0, &pw("n"), FAST_PBKDF2, &mut TestRandom::new(5))
        .unwrap();
    assert_eq!(v.auth_tag(b"m").unwrap(), u.auth_tag(b"m").unwrap());
    let max = vec![0u8; strongroom::MAX_PLAINTEXT_LEN];
    assert!(u.auth_tag(&max).is_ok());
    let over = vec![0u8; strongroom::MAX_PLAINTEXT_LEN + 1];
    assert_eq!(
        u.auth_tag(&over),
        Err(Error::LimitExceeded(Limit::PlaintextTooLarge))
    );
}

// SR-AUTH-1: the library's part: the authentication key and tag do not depend on the
// password (a password change keeps them), and nothing the library gives an application to
// send (the tag) equals a KEK of the keyring.
#[test]
fn sr_auth_1_tag_is_not_a_password_verifier() {
    let u = new_keyring(11, FAST_PBKDF2);
    let SlotKind::Password { kdf, salt } = *u.keyring().slots()[0].kind() else {
        panic!()
    };
    let kek = hazmat::kek(&kdf, &pw("correct horse"), &salt).unwrap();
    let tag = u.auth_tag(b"").unwrap();
    assert_ne!(tag, kek);
    assert_ne!(hazmat::auth_key(&u), kek);
}

// ---------------------------------------------------------------------------------------
// Pins
// ---------------------------------------------------------------------------------------

// SR-PIN-1: CheckPin refuses another id (keyring_replaced), a lower generation
// (keyring_rollback) and other bytes at the pinned generation (keyring_fork), in that order,
// whether or not the keyring's MAC would verify; it runs no KDF.
#[test]
fn sr_pin_1_check_pin() {
    let mut u = new_keyring(12, FAST_PBKDF2);
    let g0 = u.keyring().clone();
    let pin0 = u.pin();
    assert_eq!(pin0.keyring_id(), g0.id());
    assert_eq!(pin0.generation(), 0);
    assert_eq!(pin0.digest(), &sha256(&[g0.as_bytes()]));
    hazmat::add_recovery_slot_with_rng(&mut u, "r", &mut TestRandom::new(1)).unwrap();
    let g1 = u.keyring().clone();
    let mut other = new_keyring(12, FAST_PBKDF2);
    hazmat::add_password_slot_with_rng(
        &mut other,
        &pw("x"),
        FAST_PBKDF2,
        "b",
        &mut TestRandom::new(2),
    )
    .unwrap();
    let stranger = new_keyring(13, FAST_PBKDF2).keyring().clone();
    let before = hazmat::kdf_calls();
    assert_eq!(g0.check_pin(&pin0), Ok(()));
    assert_eq!(g1.check_pin(&pin0), Ok(()));
    let hv = |h| Err(Error::HistoryViolation(h));
    assert_eq!(
        g0.check_pin(&g1.pin()),
        hv(HistoryViolation::KeyringRollback)
    );
    // A fork: the same generation 1, other bytes (another slot added from generation 0).
    let fork = other.keyring().clone();
    assert_eq!(fork.id(), g1.id());
    assert_eq!(fork.generation(), 1);
    assert_eq!(fork.check_pin(&g1.pin()), hv(HistoryViolation::KeyringFork));
    // Same bytes but a tampered MAC: still a fork; CheckPin does not need the MAC.
    let mut tampered = g1.as_bytes().to_vec();
    let n = tampered.len();
    tampered[n - 1] ^= 1;
    let tampered = Keyring::from_bytes(&tampered).unwrap();
    assert_eq!(
        tampered.check_pin(&g1.pin()),
        hv(HistoryViolation::KeyringFork)
    );
    // Another keyring: replaced, checked before the generation.
    let later = KeyringPin::new(*stranger.id(), 0, [0; 32]);
    assert_eq!(g1.check_pin(&later), hv(HistoryViolation::KeyringReplaced));
    let high = KeyringPin::new(*g0.id(), 9, [0; 32]);
    assert_eq!(
        stranger.check_pin(&high),
        hv(HistoryViolation::KeyringReplaced)
    );
    assert_eq!(hazmat::kdf_calls(), before);
}

// SR-PIN-3: a jump of 64 generations passes, 65 is keyring_generation_jump unless accepted,
// and accepting a jump never accepts a rollback or a fork.
#[test]
fn sr_pin_3_generation_jump() {
    let u = new_keyring(14, FAST_PBKDF2);
    let own = slot_bytes(&u);
    let at = |g| Keyring::from_bytes(&assemble(&u, g, &own)).unwrap();
    let pin = at(10).pin();
    assert_eq!(at(74).check_pin(&pin), Ok(()));
    let jump = Err(Error::HistoryViolation(
        HistoryViolation::KeyringGenerationJump,
    ));
    assert_eq!(at(75).check_pin(&pin), jump);
    let top = at((1 << 53) - 1);
    assert_eq!(top.check_pin(&pin), jump);
    assert_eq!(top.check_pin_accepting_jump(&pin), Ok(()));
    assert_eq!(at(75).check_pin_accepting_jump(&pin), Ok(()));
    assert_eq!(
        at(9).check_pin_accepting_jump(&pin),
        Err(Error::HistoryViolation(HistoryViolation::KeyringRollback))
    );
    let forged = KeyringPin::new(*u.keyring().id(), 10, [1; 32]);
    assert_eq!(
        at(10).check_pin_accepting_jump(&forged),
        Err(Error::HistoryViolation(HistoryViolation::KeyringFork))
    );
    // A pin near the top of the range does not overflow.
    let near = KeyringPin::new(*u.keyring().id(), (1 << 53) - 2, [0; 32]);
    assert_eq!(top.check_pin(&near), Ok(()));
}

// SR-PIN-2, SR-OP-10, SR-OP-13: the library's part: the pin an unlock returns is that of
// the verified keyring with the slot that opened it; a decoded keyring's pin has no slot;
// after a change the pin names the new bytes, and the preferred slot follows the slot.
#[test]
fn sr_pin_2_pin_from_verified_keyring() {
    let mut u = new_keyring(15, FAST_PBKDF2);
    hazmat::add_password_slot_with_rng(&mut u, &pw("b"), FAST_PBKDF2, "b", &mut TestRandom::new(3))
        .unwrap();
    let k = Keyring::from_bytes(u.keyring().as_bytes()).unwrap();
    assert_eq!(k.pin().preferred(), None);
    let opened = k.unlock(&pw("b"), &relaxed_policy()).unwrap();
    let pin = opened.pin();
    assert_eq!(pin.generation(), 1);
    assert_eq!(pin.digest(), &k.digest());
    assert_eq!(pin.preferred(), k.slots()[1].slot_ref().as_ref());
    let SlotKind::Password { salt, .. } = *k.slots()[1].kind() else {
        panic!()
    };
    assert_eq!(
        pin.preferred(),
        Some(&SlotRef::new(salt, *k.slots()[1].commitment()))
    );
    let mut opened = opened;
    hazmat::change_password_with_rng(
        &mut opened,
        1,
        &pw("c"),
        FAST_PBKDF2,
        &mut TestRandom::new(4),
    )
    .unwrap();
    let after = opened.pin();
    assert_eq!(after.digest(), &opened.keyring().digest());
    assert_eq!(
        after.preferred(),
        opened.keyring().slots()[1].slot_ref().as_ref()
    );
    assert_ne!(after.preferred(), pin.preferred());
    opened.remove_slot(1).unwrap();
    assert_eq!(opened.slot_index(), None);
    assert_eq!(opened.pin().preferred(), None);
}

// ---------------------------------------------------------------------------------------
// Unlock work and the preferred slot
// ---------------------------------------------------------------------------------------

/// Three PBKDF2 slots of 1,000 iterations: "a", "b", "c".
fn three_slots() -> Keyring {
    let kdf = KdfParams::Pbkdf2Sha256 { iterations: 1_000 };
    let mut u = hazmat::create_with_rng(
        &pw("a"),
        kdf,
        "a",
        &relaxed_policy(),
        &mut TestRandom::new(16),
    )
    .unwrap();
    for (i, p) in ["b", "c"].into_iter().enumerate() {
        hazmat::add_password_slot_with_rng(
            &mut u,
            &pw(p),
            kdf,
            p,
            &mut TestRandom::new(17 + i as u64),
        )
        .unwrap();
    }
    Keyring::from_bytes(u.keyring().as_bytes()).unwrap()
}

// SR-POL-7: the total work of the slots to try is checked against max_unlock_work before any
// KDF; work is iterations for PBKDF2 and 8 x m x t for Argon2id.
#[test]
fn sr_pol_7_work_budget() {
    let k = three_slots();
    let exceeded = Error::LimitExceeded(Limit::UnlockWorkExceeded);
    let before = hazmat::kdf_calls();
    assert_eq!(
        k.unlock(&pw("a"), &work_policy(2_999)).unwrap_err(),
        exceeded
    );
    assert_eq!(hazmat::kdf_calls(), before);
    assert_eq!(
        k.unlock(&pw("c"), &work_policy(3_000))
            .unwrap()
            .slot_index(),
        Some(2)
    );
    // unlock_slot checks one slot's policy, not the budget.
    assert!(k.unlock_slot(2, &pw("c"), &work_policy(1)).is_ok());
    // Argon2id: 8 x 64 x 1 = 512 units.
    let a = new_keyring(18, FAST_ARGON2);
    let k2 = Keyring::from_bytes(a.keyring().as_bytes()).unwrap();
    assert_eq!(FAST_ARGON2.work(), 512);
    assert_eq!(
        k2.unlock(&pw("correct horse"), &work_policy(511))
            .unwrap_err(),
        exceeded
    );
    assert!(k2.unlock(&pw("correct horse"), &work_policy(512)).is_ok());
    // Secret-key slots are counted alike.
    let s = secret_key_keyring(19, FAST_ARGON2);
    let ks = Keyring::from_bytes(s.keyring().as_bytes()).unwrap();
    assert_eq!(
        ks.unlock_secret_key(&pw("correct horse"), &sk(1), &work_policy(511))
            .unwrap_err(),
        exceeded
    );
    // The out-of-policy check comes first (step 4 before step 5).
    let strict = UnlockPolicy::builder().max_unlock_work(1).build().unwrap();
    assert_eq!(k.unlock(&pw("a"), &strict).unwrap_err(), Error::OutOfPolicy);
}

// SR-POL-5, SR-POL-7: max_unlock_work is from 1 to 2^40, default 16,777,216.
#[test]
fn sr_pol_5_max_unlock_work_bounds() {
    assert_eq!(UnlockPolicy::default().max_unlock_work(), 16_777_216);
    for w in [1, 1 << 40] {
        assert_eq!(
            UnlockPolicy::builder()
                .max_unlock_work(w)
                .build()
                .unwrap()
                .max_unlock_work(),
            w
        );
    }
    for w in [0, (1 << 40) + 1, u64::MAX] {
        assert_eq!(
            UnlockPolicy::builder().max_unlock_work(w).build(),
            Err(Error::InvalidInput(InvalidInput::PolicyInvalid))
        );
    }
}

// SR-OP-2, SR-POL-7: a preferred slot is tried first and checked alone; after it fails, the
// other slots must fit what is left of the budget before any of them is tried; a preferred
// slot that is not a candidate changes nothing.
#[test]
fn sr_op_2_preferred_slot_first() {
    let k = three_slots();
    let refs: Vec<SlotRef> = k.slots().iter().map(|s| s.slot_ref().unwrap()).collect();
    let exceeded = Error::LimitExceeded(Limit::UnlockWorkExceeded);
    // Right password, preferred slot: one KDF, within a budget for one slot.
    let before = hazmat::kdf_calls();
    let opened = k
        .unlock_preferring(&pw("c"), &work_policy(1_000), Some(&refs[2]))
        .unwrap();
    assert_eq!(opened.slot_index(), Some(2));
    assert_eq!(hazmat::kdf_calls() - before, 1);
    // Wrong preferred slot: it runs, then the two others (2,000) exceed the 0 left.
    let before = hazmat::kdf_calls();
    assert_eq!(
        k.unlock_preferring(&pw("c"), &work_policy(1_000), Some(&refs[0]))
            .unwrap_err(),
        exceeded
    );
    assert_eq!(hazmat::kdf_calls() - before, 1);
    // With 3,000 the rest fits: preferred "b" first, then "a", then "c".
    let before = hazmat::kdf_calls();
    let opened = k
        .unlock_preferring(&pw("c"), &work_policy(3_000), Some(&refs[1]))
        .unwrap();
    assert_eq!(opened.slot_index(), Some(2));
    assert_eq!(hazmat::kdf_calls() - before, 3);
    let before = hazmat::kdf_calls();
    let opened = k
        .unlock_preferring(&pw("a"), &work_policy(3_000), Some(&refs[1]))
        .unwrap();
    assert_eq!(opened.slot_index(), Some(0));
    assert_eq!(hazmat::kdf_calls() - before, 2);
    // The preferred slot alone above the budget: nothing runs.
    let before = hazmat::kdf_calls();
    assert_eq!(
        k.unlock_preferring(&pw("a"), &work_policy(999), Some(&refs[0]))
            .unwrap_err(),
        exceeded
    );
    assert_eq!(hazmat::kdf_calls(), before);
    // Not in the keyring: as without a preferred slot (total 3,000 > 1,000).
    let stranger = SlotRef::new([0; 32], [0; 32]);
    assert_eq!(
        k.unlock_preferring(&pw("a"), &work_policy(1_000), Some(&stranger))
            .unwrap_err(),
        exceeded
    );
    // A secret-key slot's ref is not a candidate of unlock with a password.
    let s = secret_key_keyring(20, KdfParams::Pbkdf2Sha256 { iterations: 1_000 });
    let sref = s.keyring().slots()[0].slot_ref().unwrap();
    assert_eq!(
        k.unlock_preferring(&pw("a"), &work_policy(1_000), Some(&sref))
            .unwrap_err(),
        exceeded
    );
    // unlock_secret_key takes one too.
    let ks = Keyring::from_bytes(s.keyring().as_bytes()).unwrap();
    let opened = ks
        .unlock_secret_key_preferring(
            &pw("correct horse"),
            &sk(1),
            &work_policy(1_000),
            Some(&sref),
        )
        .unwrap();
    assert_eq!(opened.slot_index(), Some(0));
}

// ---------------------------------------------------------------------------------------
// Password changes never weaker
// ---------------------------------------------------------------------------------------

// SR-KDF-8, SR-OP-5: a weaker KDF fails with weaker_kdf after CheckNewKdf and before the
// generation check, any randomness or KDF; allowed explicitly, it succeeds; equal, stronger,
// parallelism-only and PBKDF2-to-Argon2id changes are not weaker.
#[test]
fn sr_kdf_8_change_never_weaker() {
    let argon = KdfParams::Argon2id {
        memory_kib: 64,
        time_cost: 2,
        parallelism: 2,
    };
    let weaker = KdfParams::Argon2id {
        memory_kib: 32,
        time_cost: 4,
        parallelism: 2,
    };
    let mut u = new_keyring(21, argon);
    let weak = Err(Error::InvalidInput(InvalidInput::WeakerKdf));
    for kdf in [
        weaker,
        KdfParams::Argon2id {
            memory_kib: 128,
            time_cost: 1,
            parallelism: 2,
        },
        KdfParams::Pbkdf2Sha256 {
            iterations: 2_000_000,
        },
    ] {
        let mut rng = Counting {
            draws: 0,
            inner: TestRandom::new(1),
        };
        let before = hazmat::kdf_calls();
        assert_eq!(
            hazmat::change_password_with_rng(&mut u, 0, &pw("n"), kdf, &mut rng),
            weak,
            "{kdf:?}"
        );
        assert_eq!((rng.draws, hazmat::kdf_calls()), (0, before));
    }
    assert_eq!(u.keyring().generation(), 0);
    // CheckNewKdf comes first: out of the hard limits is reported, not weaker_kdf.
    assert_eq!(
        hazmat::change_password_with_rng(
            &mut u,
            0,
            &pw("n"),
            KdfParams::Pbkdf2Sha256 { iterations: 0 },
            &mut TestRandom::new(1)
        ),
        Err(Error::KdfParamsOutOfBounds)
    );
    // Not weaker: the same, more, another parallelism.
    for kdf in [
        argon,
        KdfParams::Argon2id {
            memory_kib: 64,
            time_cost: 2,
            parallelism: 1,
        },
        KdfParams::Argon2id {
            memory_kib: 65,
            time_cost: 3,
            parallelism: 8,
        },
    ] {
        hazmat::change_password_with_rng(&mut u, 0, &pw("n"), kdf, &mut TestRandom::new(2))
            .unwrap();
    }
    // Explicitly allowed: it goes through, and the slot is the weaker one.
    hazmat::change_password_allowing_weaker_kdf_with_rng(
        &mut u,
        0,
        &pw("n"),
        FAST_PBKDF2,
        &mut TestRandom::new(3),
    )
    .unwrap();
    assert_eq!(u.keyring().slots()[0].kdf(), Some(&FAST_PBKDF2));
    // PBKDF2 to Argon2id is never weaker, however cheap.
    hazmat::change_password_with_rng(&mut u, 0, &pw("n"), FAST_ARGON2, &mut TestRandom::new(4))
        .unwrap();
    // PBKDF2: fewer iterations are weaker.
    let mut p = new_keyring(22, KdfParams::Pbkdf2Sha256 { iterations: 20 });
    assert_eq!(
        hazmat::change_password_with_rng(&mut p, 0, &pw("n"), FAST_PBKDF2, &mut TestRandom::new(5)),
        weak
    );
    assert!(
        p.change_password_allowing_weaker_kdf(0, &pw("n"), FAST_PBKDF2)
            .is_ok()
    );
}

// SR-OP-5: a secret-key slot is not changed by change_password (wrong_slot_kind), even with a
// weaker KDF allowed.
#[test]
fn sr_op_5_secret_key_slot_not_changed() {
    let mut u = secret_key_keyring(23, FAST_PBKDF2);
    let wrong = Err(Error::InvalidInput(InvalidInput::WrongSlotKind));
    assert_eq!(u.change_password(0, &pw("n"), FAST_PBKDF2), wrong);
    assert_eq!(
        u.change_password_allowing_weaker_kdf(0, &pw("n"), FAST_PBKDF2),
        wrong
    );
}

// SR-ERR-1: the new class and reasons are the strings of SPEC.md section 14.
#[test]
fn sr_err_1_new_strings() {
    let e = Error::HistoryViolation(HistoryViolation::KeyringGenerationJump);
    assert_eq!(
        (e.class(), e.reason()),
        ("history_violation", Some("keyring_generation_jump"))
    );
    assert_eq!(
        Error::LimitExceeded(Limit::UnlockWorkExceeded).reason(),
        Some("unlock_work_exceeded")
    );
    for (i, s) in [
        (InvalidInput::WeakerKdf, "weaker_kdf"),
        (InvalidInput::SecretKeyFormat, "secret_key_format"),
        (InvalidInput::SecretKeyCheck, "secret_key_check"),
    ] {
        assert_eq!(Error::InvalidInput(i).reason(), Some(s));
    }
    assert!(e.to_string().contains("keyring_generation_jump"));
}

// ---------------------------------------------------------------------------------------
// Clarifications after the first Python port (slot_index, kind 64, kinds per unlock, codes)
// ---------------------------------------------------------------------------------------

// SR-OP-22: the index of the slot that opened follows the slot: one less after a lower slot
// is removed, none once its own slot is removed; unchanged by removing a higher slot, by
// changing the password of any slot (its own included) and by adding slots of every kind.
#[test]
fn sr_op_22_slot_index_follows_the_slot() {
    let mut u = new_keyring(30, FAST_PBKDF2);
    for (i, p) in ["b", "c"].into_iter().enumerate() {
        hazmat::add_password_slot_with_rng(
            &mut u,
            &pw(p),
            FAST_PBKDF2,
            p,
            &mut TestRandom::new(31 + i as u64),
        )
        .unwrap();
    }
    let k = Keyring::from_bytes(u.keyring().as_bytes()).unwrap();
    let mut opened = k.unlock(&pw("b"), &relaxed_policy()).unwrap();
    assert_eq!(opened.slot_index(), Some(1));
    for (index, seed) in [(0, 33), (1, 34), (2, 35)] {
        hazmat::change_password_with_rng(
            &mut opened,
            index,
            &pw("b"),
            FAST_PBKDF2,
            &mut TestRandom::new(seed),
        )
        .unwrap();
        assert_eq!(opened.slot_index(), Some(1), "change of slot {index}");
    }
    hazmat::add_recovery_slot_with_rng(&mut opened, "r", &mut TestRandom::new(36)).unwrap();
    hazmat::add_secret_key_slot_with_rng(
        &mut opened,
        &pw("s"),
        &sk(3),
        FAST_PBKDF2,
        "s",
        &mut TestRandom::new(37),
    )
    .unwrap();
    assert_eq!(opened.slot_index(), Some(1));
    // Slots: a, b, c, r, s. Removing a higher one leaves it; a lower one lowers it.
    opened.remove_slot(4).unwrap();
    assert_eq!(opened.slot_index(), Some(1));
    opened.remove_slot(0).unwrap();
    assert_eq!(opened.slot_index(), Some(0));
    assert_eq!(opened.keyring().slots()[0].label(), "b");
    opened.remove_slot(0).unwrap();
    assert_eq!(opened.slot_index(), None);
    // Once gone it stays gone, whatever is added or removed.
    hazmat::add_recovery_slot_with_rng(&mut opened, "r2", &mut TestRandom::new(38)).unwrap();
    opened.remove_slot(0).unwrap();
    assert_eq!(opened.slot_index(), None);
}

// SR-OBJ-8: kind 64 is implemented here: decoded by the secret-key schema (a kind-64 slot of
// the generic shape without keys 3 and 4 is missing_key, where kind 65 decodes), and tried by
// unlock_secret_key and unlock_slot with a secret key.
#[test]
fn sr_obj_8_kind_64_is_implemented() {
    let u = new_keyring(40, FAST_PBKDF2);
    let own = slot_bytes(&u).remove(0);
    let generic = |kind| generic_slot(kind, "g", (0, &[]));
    assert_eq!(
        Keyring::from_bytes(&assemble(&u, 1, &[own.clone(), generic(64)])).unwrap_err(),
        Error::Malformed(Malformed::MissingKey)
    );
    let k65 = Keyring::from_bytes(&assemble(&u, 1, &[own, generic(65)])).unwrap();
    assert!(matches!(k65.slots()[1].kind(), SlotKind::Unknown(_)));
    let s = secret_key_keyring(41, FAST_PBKDF2);
    let k = Keyring::from_bytes(s.keyring().as_bytes()).unwrap();
    assert!(matches!(k.slots()[0].kind(), SlotKind::SecretKey { .. }));
    let policy = relaxed_policy();
    assert!(
        k.unlock_secret_key(&pw("correct horse"), &sk(1), &policy)
            .is_ok()
    );
    assert!(
        k.unlock_slot_with_secret_key(0, &pw("correct horse"), &sk(1), &policy)
            .is_ok()
    );
}

// SR-POL-1, SR-POL-2, SR-POL-7: only the slots of the credential's kind are checked against
// the policy, counted in the work budget and eligible as the preferred slot: a secret-key
// slot below the floor or above the budget does not stop unlock with a password, and a
// password slot does not stop unlock_secret_key.
#[test]
fn sr_pol_2_only_the_requested_kind_counts() {
    // Slot 0: password at 1,000 iterations; slot 1: secret-key slot at 10 iterations.
    let mut u = new_keyring(42, KdfParams::Pbkdf2Sha256 { iterations: 1_000 });
    hazmat::add_secret_key_slot_with_rng(
        &mut u,
        &pw("second"),
        &sk(1),
        FAST_PBKDF2,
        "sk",
        &mut TestRandom::new(43),
    )
    .unwrap();
    let k = Keyring::from_bytes(u.keyring().as_bytes()).unwrap();
    let floor = UnlockPolicy::builder()
        .pbkdf2_iterations(100..=2_000_000)
        .build()
        .unwrap();
    let opened = k.unlock(&pw("correct horse"), &floor).unwrap();
    assert_eq!(opened.slot_index(), Some(0));
    let before = hazmat::kdf_calls();
    assert_eq!(
        k.unlock_secret_key(&pw("second"), &sk(1), &floor)
            .unwrap_err(),
        Error::OutOfPolicy
    );
    assert_eq!(hazmat::kdf_calls(), before);
    // Work: 1,000 for the password slot, 10 for the secret-key slot; neither counts the other.
    assert!(k.unlock(&pw("correct horse"), &work_policy(1_000)).is_ok());
    assert!(
        k.unlock_secret_key(&pw("second"), &sk(1), &work_policy(10))
            .is_ok()
    );
    // A preferred slot of the other kind is ignored, as if absent.
    let refs: Vec<SlotRef> = k.slots().iter().map(|s| s.slot_ref().unwrap()).collect();
    assert_eq!(
        k.unlock_preferring(&pw("correct horse"), &work_policy(1_000), Some(&refs[1]))
            .unwrap()
            .slot_index(),
        Some(0)
    );
    assert_eq!(
        k.unlock_secret_key_preferring(&pw("second"), &sk(1), &work_policy(10), Some(&refs[0]))
            .unwrap()
            .slot_index(),
        Some(1)
    );
}

// SR-OP-2, SR-POL-7: a preferred slot that is already first is still the preferred slot: the
// budget applies to it alone, so a budget of its own work opens it although the total is more.
#[test]
fn sr_op_2_preferred_slot_already_first() {
    let k = three_slots();
    let first = k.slots()[0].slot_ref().unwrap();
    let before = hazmat::kdf_calls();
    let opened = k
        .unlock_preferring(&pw("a"), &work_policy(1_000), Some(&first))
        .unwrap();
    assert_eq!(opened.slot_index(), Some(0));
    assert_eq!(hazmat::kdf_calls() - before, 1);
    // Without it the same budget refuses the three slots before any KDF.
    assert_eq!(
        k.unlock(&pw("a"), &work_policy(1_000)).unwrap_err(),
        Error::LimitExceeded(Limit::UnlockWorkExceeded)
    );
}

// SR-SK-1: the case mapping is ASCII only: characters that a general upper-casing turns into
// alphabet symbols or into the prefix (long s, dotless i, sharp s) are secret_key_format.
#[test]
fn sr_sk_1_ascii_case_mapping_only() {
    let key = hazmat::secret_key_from_bytes([7; 16]);
    let code = key.expose().to_string();
    assert!(SecretKey::parse(&code).is_ok());
    let format = Err(Error::InvalidInput(InvalidInput::SecretKeyFormat));
    let long_s = code.replacen('S', "\u{17f}", 1);
    assert_eq!(SecretKey::parse(&long_s).map(|_| ()), format);
    assert_eq!(
        long_s.to_uppercase(),
        code,
        "a general upper-casing would accept it"
    );
    let body = &code[4..];
    for (from, to) in [("1", "\u{131}"), ("SS", "\u{df}")] {
        if let Some(at) = body.find(from) {
            let bad = format!("SK1-{}{to}{}", &body[..at], &body[at + from.len()..]);
            assert_eq!(SecretKey::parse(&bad).map(|_| ()), format, "{bad}");
        }
    }
    for bad in ["\u{131}", "\u{df}", "\u{17f}"] {
        assert_eq!(
            SecretKey::parse(&format!("{code}{bad}")).map(|_| ()),
            format
        );
    }
}
