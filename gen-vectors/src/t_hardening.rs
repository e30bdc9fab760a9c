//! hardening.json: keyring hardening (SPEC.md 21.2): secret-key slots and codes, skippable
//! and critical slot kinds, pins, the unlock work budget and the preferred slot, password
//! changes that never silently weaken the KDF, and the authentication tag.

use serde_json::{Value, json};

use crate::cbor::{C, head};
use crate::exec::{self, Obj, hex};
use crate::fx::{self, Fx, pw};
use crate::{Expect, File, err, inval, limit, mal, v};

/// Draws of create_secret_key (SPEC.md 11.2.1).
const SK_CREATE: &[(&str, usize)] = &[
    ("keyring_id", 16),
    ("dek", 32),
    ("secret_key", 16),
    ("salt", 32),
    ("nonce", 12),
];

fn hist(reason: &'static str) -> Expect {
    Expect::Err("history_violation", Some(reason))
}

fn run_ok(op: &str, inputs: &Obj) -> Obj {
    exec::run(op, inputs)
        .unwrap_or_else(|e| panic!("fixture {op}: {e}"))
        .outcome
        .unwrap_or_else(|e| panic!("fixture {op}: {e}"))
}

fn bytes_of(o: &Obj, k: &str) -> Vec<u8> {
    hex::decode(o[k].as_str().unwrap_or_default()).unwrap_or_default()
}

/// A keyring with one secret-key slot, and the code of its secret key.
struct SkFx {
    fx: Fx,
    code: String,
}

impl SkFx {
    fn setup(&self) -> Obj {
        let mut o = self.fx.setup();
        o.insert(
            "unlock".into(),
            json!({"method": "secret_key", "password": pw(&self.fx.password),
                   "secret_key_code": self.code}),
        );
        o
    }
}

fn create_sk(label: &str, password: &str, kdf: Value, slot_label: &str) -> (Obj, SkFx) {
    let mut i = Obj::new();
    i.insert("password".into(), pw(password));
    i.insert("kdf".into(), kdf);
    i.insert("label".into(), slot_label.into());
    i.insert("policy".into(), fx::relaxed());
    i.insert("random".into(), fx::rnd(label, SK_CREATE));
    let out = run_ok("create_secret_key", &i);
    let bytes = bytes_of(&out, "keyring");
    let fx = Fx {
        id: bytes[7..23].to_vec(),
        dek: bytes_of(&out, "dek"),
        bytes,
        password: password.into(),
        codes: Vec::new(),
        policy: fx::relaxed(),
    };
    let code = out["secret_key_code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    (i, SkFx { fx, code })
}

/// The code of a secret key, computed here from SPEC.md 12.1 (not by the crate).
fn sk_code(key: &[u8; 16]) -> String {
    use sha2::{Digest, Sha256};
    const A: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let check = Sha256::new()
        .chain_update(b"strongroom/v1/secret-key-code")
        .chain_update(key)
        .finalize();
    let mut payload = key.to_vec();
    payload.extend_from_slice(&check[..4]);
    let mut bits = 0u64;
    let mut n = 0;
    let mut symbols = String::new();
    for b in payload {
        bits = (bits << 8) | u64::from(b);
        n += 8;
        while n >= 5 {
            n -= 5;
            symbols.push(A[((bits >> n) & 31) as usize] as char);
        }
    }
    let groups: Vec<&str> = (0..8).map(|g| &symbols[g * 4..g * 4 + 4]).collect();
    format!("SK1-{}", groups.join("-"))
}

/// A keyring with the id, DEK and generation given and exactly these slot encodings, with a
/// valid MAC: what a newer client (or a holder of the DEK) writes.
fn assemble(fx: &Fx, generation: u64, slots: &[Vec<u8>]) -> Vec<u8> {
    let mut body = vec![0xa6, 0x01, 0x01, 0x02, 0x01, 0x03, 0x50];
    body.extend_from_slice(&fx.id);
    body.push(0x04);
    body.extend(head(0, generation));
    body.push(0x05);
    body.extend(head(4, slots.len() as u64));
    for s in slots {
        body.extend_from_slice(s);
    }
    body.extend_from_slice(&[0x06, 0x58, 0x20]);
    body.extend_from_slice(&[0; 32]);
    fx::remac(&body, &fx.dek)
}

/// The slot encodings of a keyring.
fn slots_of(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut t = fx::tree(bytes);
    t.get(5).items().iter().map(C::enc).collect()
}

/// A slot of kind `kind` in the generic shape: keys 1, 2, the `middle` entries (keys 3 to
/// 5), then 6 and 7 with bytes drawn for `label`.
fn generic_slot(label: &str, kind: u64, slot_label: &str, middle: Vec<(u64, C)>) -> Vec<u8> {
    let mut entries = vec![
        (C::U(1), C::U(kind)),
        (C::U(2), C::T(slot_label.as_bytes().to_vec())),
    ];
    entries.extend(middle.into_iter().map(|(k, x)| (C::U(k), x)));
    entries.push((C::U(6), C::B(fx::shake(&format!("{label}/wrapped"), 48))));
    entries.push((C::U(7), C::B(fx::shake(&format!("{label}/commitment"), 32))));
    C::M(entries).enc()
}

/// A fixture with the given bytes in place of `fx`'s (same id, DEK, password, codes).
fn with_bytes(fx: &Fx, bytes: Vec<u8>) -> Fx {
    Fx {
        bytes,
        ..fx.clone()
    }
}

fn policy_work(name: &str, work: u64) -> Value {
    let mut p = fx::relaxed();
    p["name"] = name.into();
    p["max_unlock_work"] = work.into();
    p
}

pub fn file() -> File {
    let mut f = File::new(
        "hardening",
        "Keyring hardening (SPEC.md 21.2): secret-key slots and their codes (6.3, 9.2, 11.2.1, \
         11.3.1, 11.7.1, 12.1), skippable and critical slot kinds (6.3.1), pins (11.12), the \
         unlock work budget and the preferred slot (10, 11.3), password changes that never \
         silently weaken the KDF (8, 11.6), and the authentication tag (9.3.1, 11.14).",
        &[],
    );
    secret_keys(&mut f);
    slot_kinds(&mut f);
    pins(&mut f);
    work(&mut f);
    weaker_kdf(&mut f);
    auth(&mut f);
    later(&mut f);
    f
}

/// Vectors added after the first generation of this file (ids are never renumbered).
fn later(f: &mut File) {
    let one = fx::one();
    let own = slots_of(&one.bytes).remove(0);
    let id = f.next_id();
    let mut bad_label = fx::tree(&generic_slot(&id, 65_536, "x", vec![]));
    bad_label.set(2, C::U(0));
    fx::kdec(
        f,
        "Slot kind 65536 with a label that is an integer: the kind is checked first (value_out_of_range, not unexpected_type)",
        &["SR-OBJ-7", "SR-OBJ-2"],
        mal("value_out_of_range"),
        &assemble(one, 1, &[own, bad_label.enc()]),
        &["OrderOfChecks"],
    );
    let id = f.next_id();
    let (_, sk) = create_sk(&id, "pw", fx::fast_pbkdf2(), "sk");
    f.add(
        v(
            "unlock_slot",
            "unlock_slot with a password and a secret key at a secret-key slot below the policy floor: out_of_policy before any KDF",
            &["SR-OP-3", "SR-POL-2"],
            err("out_of_policy"),
        )
        .f(&["NoKdf"])
        .i("keyring", sk.fx.hex())
        .i("index", 0)
        .i("password", pw("pw"))
        .i("secret_key_code", sk.code.clone())
        .i("policy", fx::policy("floor-100", [100, 2_000_000], [8, 262_144], [1, 8], [1, 8])),
    );
    clarifications(f);
    mutant_gaps(f);
}

/// The vectors that the catalogue of broken ports (tools/pyref/mutants.py, vectors/MUTANTS.md)
/// found missing: each catches a port that passed every earlier vector.
fn mutant_gaps(f: &mut File) {
    // SR-OP-2 step 6.1: after a failed preferred slot, the rest is judged against what the
    // preferred slot left (20 - 10), not against the whole budget (20).
    let abc = three_pbkdf2();
    f.add(
        v(
            "unlock_password",
            "Preferred slot 0 (the wrong one) under a budget of 20: it runs, then the other two (20) exceed the 10 left, though they fit the whole budget",
            &["SR-OP-2", "SR-POL-7"],
            limit("unlock_work_exceeded"),
        )
        .f(&["RelaxedPolicy"])
        .i("keyring", abc.hex())
        .i("password", pw("c"))
        .i("policy", policy_work("relaxed-work-20", 20))
        .i("preferred", preferred_of(&abc.bytes, 0)),
    );
    // SR-KDF-8: Argon2id is compared per parameter; a lower time_cost is weaker even when
    // memory_kib rises and the cost (8 x m x t = 1024) stays the same.
    let argon = fx::make("hardening/argon-t2", "argon", fx::argon(64, 2, 2), "argon");
    f.add(
        v(
            "change_password",
            "Argon2id m = 64, t = 2 to m = 128, t = 1 (same p, same cost): weaker, time_cost is compared on its own",
            &["SR-KDF-8", "SR-OP-5"],
            inval("weaker_kdf"),
        )
        .f(&["RelaxedPolicy", "NoKdf"])
        .with(&argon.setup())
        .i("index", 0)
        .i("new_password", pw("a new passphrase"))
        .i("kdf", fx::argon(128, 1, 2))
        .i("random", fx::no_rnd()),
    );
    // 11.12: the digest of a pin is over the exact bytes received, never over a re-encoding
    // (here: the keyring of keyring-149/150, whose label Cafe + U+0301 is not in NFC).
    let nfd = fx::create_fx(
        "keyring-149",
        fx::PASSWORD,
        fx::fast_pbkdf2(),
        "Cafe\u{301}",
        fx::rnd("keyring-149", fx::CREATE),
    );
    let digest = {
        use sha2::{Digest, Sha256};
        hex(Sha256::digest(&nfd.bytes))
    };
    f.add(
        v(
            "check_pin",
            "The pinned keyring itself, with a label not in NFC (Cafe + U+0301, the keyring of keyring-150): the digest is over its exact bytes, not a re-encoding",
            &["SR-PIN-1", "SR-KEY-11"],
            Expect::Ok,
        )
        .f(&["NoKdf"])
        .i("keyring", nfd.hex())
        .i("pin", json!({"keyring_id": hex(&nfd.id), "generation": 0, "digest": digest}))
        .i("accept_jump", false),
    );
}

/// The salt and commitment of slot `index` of a keyring, as a `preferred` input.
fn preferred_of(bytes: &[u8], index: usize) -> Value {
    let mut t = fx::tree(&slots_of(bytes)[index]);
    let salt = match t.get(4) {
        C::B(b) => hex(b),
        _ => String::new(),
    };
    let commitment = match t.get(7) {
        C::B(b) => hex(b),
        _ => String::new(),
    };
    json!({"salt": salt, "commitment": commitment})
}

/// Adds a secret-key slot to a fixture (a setup step, not a vector).
fn add_sk(k: &Fx, step: &str, label: &str, password: &str, code: &str, kdf: Value) -> Fx {
    let mut i = k.setup();
    i.insert("label".into(), label.into());
    i.insert("password".into(), pw(password));
    i.insert("secret_key_code".into(), code.into());
    i.insert("kdf".into(), kdf);
    i.insert(
        "random".into(),
        fx::rnd(&format!("fixture/{step}"), fx::PW_SLOT),
    );
    let out = run_ok("add_secret_key_slot", &i);
    with_bytes(k, bytes_of(&out, "keyring"))
}

/// Vectors for the ambiguities a port written from SPEC.md alone reported (SPEC.md 10, 11.3,
/// 11.3.1, 6.6, 11.2.1, 11.7.1, 12.1): the slots of the requested kind alone count, a
/// preferred slot already first, non-ASCII in secret key codes, optional keys of a skippable
/// slot, multi-fault inputs of create_secret_key and add_secret_key_slot.
fn clarifications(f: &mut File) {
    let relaxed = fx::relaxed();
    let floor = fx::policy("floor-100", [100, 2_000_000], [8, 262_144], [1, 8], [1, 8]);
    let key_code = sk_code(&[0x33; 16]);
    // Slot 0: password at 100 iterations (within floor-100); slot 1: secret-key slot at 10.
    let pw100 = fx::create_fx_policy(
        fx::PASSWORD,
        fx::pbkdf2(100),
        "laptop",
        floor.clone(),
        fx::rnd("hardening/kinds/create", fx::CREATE),
    );
    let mixed = add_sk(
        &Fx {
            policy: relaxed.clone(),
            ..pw100
        },
        "hardening/kinds/sk",
        "emergency kit",
        "a second passphrase",
        &key_code,
        fx::fast_pbkdf2(),
    );
    f.add(
        v(
            "unlock_password",
            "A password slot within policy next to a secret-key slot below the floor: unlock with the password checks only password slots, and opens slot 0",
            &["SR-POL-2", "SR-POL-1", "SR-OP-2"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .i("keyring", mixed.hex())
        .i("password", pw(fx::PASSWORD))
        .i("policy", floor.clone()),
    );
    f.add(
        v(
            "unlock_secret_key",
            "The same keyring with unlock_secret_key: its secret-key slot is below the floor, out_of_policy before any KDF",
            &["SR-POL-2", "SR-POL-1", "SR-OP-20"],
            err("out_of_policy"),
        )
        .f(&["RelaxedPolicy", "NoKdf"])
        .i("keyring", mixed.hex())
        .i("password", pw("a second passphrase"))
        .i("secret_key_code", key_code.clone())
        .i("policy", floor.clone()),
    );
    // Slot 0: password, PBKDF2 10 (work 10); slot 1: secret-key slot, Argon2id m = 64, t = 1
    // (work 512).
    let both = add_sk(
        fx::one(),
        "hardening/kinds/both",
        "phone",
        "a second passphrase",
        &key_code,
        fx::fast_argon(),
    );
    let up = |f: &mut File, desc: &str, work: u64, preferred: Option<Value>| {
        let mut x = v(
            "unlock_password",
            desc,
            &["SR-POL-7", "SR-OP-2"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .i("keyring", both.hex())
        .i("password", pw(fx::PASSWORD))
        .i("policy", policy_work(&format!("relaxed-work-{work}"), work));
        if let Some(p) = preferred {
            x = x.i("preferred", p);
        }
        f.add(x);
    };
    let us = |f: &mut File, desc: &str, work: u64, preferred: Option<Value>| {
        let mut x = v(
            "unlock_secret_key",
            desc,
            &["SR-POL-7", "SR-OP-20", "SR-OBJ-8"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .i("keyring", both.hex())
        .i("password", pw("a second passphrase"))
        .i("secret_key_code", key_code.clone())
        .i("policy", policy_work(&format!("relaxed-work-{work}"), work));
        if let Some(p) = preferred {
            x = x.i("preferred", p);
        }
        f.add(x);
    };
    up(
        f,
        "A password slot of work 10 and a secret-key slot of work 512 under a budget of 10: unlock counts only the password slot, and opens it",
        10,
        None,
    );
    us(
        f,
        "The same keyring under a budget of 512: unlock_secret_key counts only the secret-key slot, and opens it",
        512,
        None,
    );
    up(
        f,
        "unlock with the secret-key slot as the preferred slot, budget 10: a preferred slot of another kind is ignored, slot 0 opens",
        10,
        Some(preferred_of(&both.bytes, 1)),
    );
    us(
        f,
        "unlock_secret_key with the password slot as the preferred slot, budget 512: ignored, slot 1 opens",
        512,
        Some(preferred_of(&both.bytes, 0)),
    );
    // A preferred slot that is already first.
    let a = fx::make("hardening/three/a", "a", fx::fast_pbkdf2(), "a");
    let ab = fx::add_pw(&a, "hardening/three/b", "b", "b", fx::fast_pbkdf2());
    let abc = fx::add_pw(&ab, "hardening/three/c", "c", "c", fx::fast_pbkdf2());
    f.add(
        v(
            "unlock_password",
            "Preferred slot 0, already first, is the right slot: a budget of 10 (its own work, less than the total 30) opens it",
            &["SR-POL-7", "SR-OP-2"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .i("keyring", abc.hex())
        .i("password", pw("a"))
        .i("policy", policy_work("relaxed-work-10", 10))
        .i("preferred", preferred_of(&abc.bytes, 0)),
    );
    f.add(
        v(
            "unlock_recovery",
            "unlock_recovery is not subject to max_unlock_work: a budget of 1 opens the recovery slot",
            &["SR-POL-7", "SR-OP-4"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .i("keyring", fx::two().hex())
        .i("recovery_code", fx::two().codes[0].clone())
        .i("policy", policy_work("relaxed-work-1", 1)),
    );

    // Secret key codes: the case mapping is ASCII only (SR-SK-1).
    let ps = |f: &mut File, desc: &str, c: &str| {
        f.add(
            v(
                "parse_secret_key",
                desc,
                &["SR-SK-1"],
                inval("secret_key_format"),
            )
            .i("secret_key_code", c),
        );
    };
    let canonical = sk_code(&[0x33; 16]);
    ps(
        f,
        "U+017F LATIN SMALL LETTER LONG S for the S of the prefix: toUpperCase() or str.upper() would make it SK1, SR-SK-1 does not",
        &format!("\u{17f}{}", &canonical[1..]),
    );
    let with = |find: &str| {
        (0..100_000)
            .map(|i| {
                let key = fx::shake(&format!("hardening/secret-key-with/{i}"), 16);
                sk_code(&core::array::from_fn(|j| key[j]))
            })
            .find(|c| c[4..].replace('-', "").contains(find))
            .unwrap_or_else(|| panic!("no code with {find}"))
    };
    let one_code = with("1");
    ps(
        f,
        "U+0131 LATIN SMALL LETTER DOTLESS I for a 1: a general upper-casing gives I, read as 1; SR-SK-1 rejects it",
        &format!("SK1-{}", one_code[4..].replacen('1', "\u{131}", 1)),
    );
    let ss_code = with("SS");
    ps(
        f,
        "U+00DF LATIN SMALL LETTER SHARP S for SS: a general upper-casing gives SS; SR-SK-1 rejects it",
        &format!(
            "SK1{}",
            ss_code[4..].replace('-', "").replacen("SS", "\u{df}", 1)
        ),
    );

    // SR-OBJ-2: optional keys that are absent are skipped.
    let one = fx::one();
    let own = slots_of(&one.bytes).remove(0);
    let id = f.next_id();
    fx::kdec(
        f,
        "A slot of skippable kind 1000 with keys 1, 2, 5, 6 and 7: absent optional keys 3 and 4 are skipped",
        &["SR-OBJ-2", "SR-OBJ-7"],
        Expect::Ok,
        &assemble(
            one,
            1,
            &[
                own.clone(),
                generic_slot(&id, 1000, "k", vec![(5, C::B(vec![0; 12]))]),
            ],
        ),
        &[],
    );
    let id = f.next_id();
    let mut no7 = fx::tree(&generic_slot(&id, 1000, "k", vec![(4, C::U(1))]));
    no7.remove(7);
    fx::kdec(
        f,
        "A slot of skippable kind 1000 with keys 1, 2, 4 and 6, without key 7: missing_key at the end of the map",
        &["SR-OBJ-2", "SR-OBJ-7"],
        mal("missing_key"),
        &assemble(one, 1, &[own.clone(), no7.enc()]),
        &[],
    );

    // create_secret_key: its checks in order (Normalize, CheckLabel, CheckNewKdf, the draws).
    let cs =
        |f: &mut File, desc: &str, p: &str, kdf: Value, label: &str, policy: Value, exp: Expect| {
            f.add(
                v("create_secret_key", desc, &["SR-OP-19", "SR-OP-17"], exp)
                    .f(&["OrderOfChecks", "NoKdf"])
                    .i("password", pw(p))
                    .i("kdf", kdf)
                    .i("label", label)
                    .i("policy", policy)
                    .i("random", fx::no_rnd()),
            );
        };
    let long = "x".repeat(65);
    cs(
        f,
        "An empty password, a 65-byte label and PBKDF2 at 0 iterations: empty_password",
        "",
        fx::pbkdf2(0),
        &long,
        relaxed.clone(),
        inval("empty_password"),
    );
    cs(
        f,
        "A 65-byte label and PBKDF2 at 0 iterations: label_too_long before the KDF check",
        fx::PASSWORD,
        fx::pbkdf2(0),
        &long,
        relaxed.clone(),
        limit("label_too_long"),
    );
    cs(
        f,
        "PBKDF2 at 0 iterations: kdf_params_out_of_bounds, before any draw",
        fx::PASSWORD,
        fx::pbkdf2(0),
        "laptop",
        relaxed.clone(),
        err("kdf_params_out_of_bounds"),
    );
    cs(
        f,
        "PBKDF2 at 10 iterations under the default policy: out_of_policy, before any draw",
        fx::PASSWORD,
        fx::pbkdf2(10),
        "laptop",
        fx::default_policy(),
        err("out_of_policy"),
    );
    cs(
        f,
        "kdf null (given, not absent): not a descriptor, unsupported_algorithm",
        fx::PASSWORD,
        Value::Null,
        "laptop",
        relaxed.clone(),
        err("unsupported_algorithm"),
    );

    // add_secret_key_slot: Normalize, ParseSecretKey, then the steps of add_password_slot.
    let eight = with_bytes(one, assemble(one, 1, &vec![own.clone(); 8]));
    let top = with_bytes(
        one,
        assemble(one, (1 << 53) - 1, std::slice::from_ref(&own)),
    );
    let mut typo = key_code.clone().into_bytes();
    typo[5] = if typo[5] == b'A' { b'B' } else { b'A' };
    let typo = String::from_utf8(typo).unwrap_or_default();
    let ak = |f: &mut File,
              desc: &str,
              k: &Fx,
              p: &str,
              code: &str,
              label: &str,
              kdf: Value,
              exp: Expect| {
        f.add(
            v(
                "add_secret_key_slot",
                desc,
                &["SR-OP-21", "SR-OP-17", "SR-OP-6"],
                exp,
            )
            .f(&["OrderOfChecks", "RelaxedPolicy", "NoKdf"])
            .with(&k.setup())
            .i("label", label)
            .i("password", pw(p))
            .i("secret_key_code", code)
            .i("kdf", kdf)
            .i("random", fx::no_rnd()),
        );
    };
    ak(
        f,
        "An empty password and a malformed secret key code on a keyring with 8 slots: empty_password",
        &eight,
        "",
        "SK1-nonsense",
        "x",
        fx::fast_pbkdf2(),
        inval("empty_password"),
    );
    ak(
        f,
        "A malformed secret key code on a keyring with 8 slots: secret_key_format before too_many_slots",
        &eight,
        "a second passphrase",
        "SK1-nonsense",
        "x",
        fx::fast_pbkdf2(),
        inval("secret_key_format"),
    );
    ak(
        f,
        "A mistyped secret key code, a 65-byte label and PBKDF2 at 0 iterations: secret_key_check first",
        one,
        "a second passphrase",
        &typo,
        &long,
        fx::pbkdf2(0),
        inval("secret_key_check"),
    );
    ak(
        f,
        "A valid code on a keyring with 8 slots and a 65-byte label: too_many_slots before label_too_long",
        &eight,
        "a second passphrase",
        &key_code,
        &long,
        fx::fast_pbkdf2(),
        limit("too_many_slots"),
    );
    ak(
        f,
        "A valid code, a 65-byte label and PBKDF2 at 0 iterations: label_too_long before the KDF check",
        one,
        "a second passphrase",
        &key_code,
        &long,
        fx::pbkdf2(0),
        limit("label_too_long"),
    );
    ak(
        f,
        "A valid code, PBKDF2 at 0 iterations, on a keyring at generation 2^53 - 1: kdf_params_out_of_bounds before generation_exhausted",
        &top,
        "a second passphrase",
        &key_code,
        "x",
        fx::pbkdf2(0),
        err("kdf_params_out_of_bounds"),
    );
    ak(
        f,
        "A valid code on a keyring at generation 2^53 - 1: generation_exhausted before any draw",
        &top,
        "a second passphrase",
        &key_code,
        "x",
        fx::fast_pbkdf2(),
        limit("generation_exhausted"),
    );
}

fn secret_keys(f: &mut File) {
    let relaxed = fx::relaxed();
    // --- create and unlock ------------------------------------------------------------------
    let id = f.next_id();
    let (create_inputs, _) = create_sk(&id, fx::PASSWORD, fx::fast_pbkdf2(), "laptop");
    let (_, out) = f.add(
        v(
            "create_secret_key",
            "Create a keyring with one secret-key slot (PBKDF2): draws id, DEK, secret key, salt, nonce",
            &["SR-OP-19", "SR-KEY-16", "SR-KEY-2", "SR-SK-3"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .with(&create_inputs),
    );
    let sk = SkFx {
        fx: Fx {
            id: bytes_of(&out, "keyring")[7..23].to_vec(),
            dek: bytes_of(&out, "dek"),
            bytes: bytes_of(&out, "keyring"),
            password: fx::PASSWORD.into(),
            codes: Vec::new(),
            policy: relaxed.clone(),
        },
        code: out["secret_key_code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    };
    let id = f.next_id();
    let (argon_inputs, argon_sk) = create_sk(&id, fx::PASSWORD, fx::fast_argon(), "phone");
    f.add(
        v(
            "create_secret_key",
            "Create a keyring with one secret-key slot (Argon2id)",
            &["SR-OP-19", "SR-KEY-16", "SR-SK-3"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .with(&argon_inputs),
    );
    let unlock_sk = |f: &mut File, desc: &str, k: &Fx, p: &str, code: &str, exp: Expect| {
        let flags: &[&'static str] = match exp {
            Expect::Err(_, Some(_)) => &["RelaxedPolicy", "NoKdf"],
            _ => &["RelaxedPolicy"],
        };
        f.add(
            v(
                "unlock_secret_key",
                desc,
                &["SR-OP-20", "SR-KEY-16", "SR-OP-17"],
                exp,
            )
            .f(flags)
            .i("keyring", k.hex())
            .i("password", pw(p))
            .i("secret_key_code", code)
            .i("policy", relaxed.clone()),
        );
    };
    unlock_sk(
        f,
        "Unlock with the password and the secret key",
        &sk.fx,
        fx::PASSWORD,
        &sk.code,
        Expect::Ok,
    );
    unlock_sk(
        f,
        "Unlock the Argon2id secret-key slot with the password and the secret key",
        &argon_sk.fx,
        fx::PASSWORD,
        &argon_sk.code,
        Expect::Ok,
    );
    unlock_sk(
        f,
        "The secret key typed in lower case with spaces: the same key",
        &sk.fx,
        fx::PASSWORD,
        &sk.code.to_lowercase().replace('-', " "),
        Expect::Ok,
    );
    let wrong_key = sk_code(&[0x5a; 16]);
    unlock_sk(
        f,
        "The right password with a wrong (well-formed) secret key",
        &sk.fx,
        fx::PASSWORD,
        &wrong_key,
        err("unlock_failed"),
    );
    unlock_sk(
        f,
        "The right secret key with a wrong password",
        &sk.fx,
        "correct horse battery stapler",
        &sk.code,
        err("unlock_failed"),
    );
    unlock_sk(
        f,
        "The secret key of another keyring (the Argon2id one) with the right password",
        &sk.fx,
        fx::PASSWORD,
        &argon_sk.code,
        err("unlock_failed"),
    );
    unlock_sk(
        f,
        "A secret key code without the SK1 prefix: secret_key_format before any KDF",
        &sk.fx,
        fx::PASSWORD,
        &sk.code[4..],
        inval("secret_key_format"),
    );
    let mut typo = sk.code.clone().into_bytes();
    typo[5] = if typo[5] == b'A' { b'B' } else { b'A' };
    let typo = String::from_utf8(typo).unwrap_or_default();
    unlock_sk(
        f,
        "A secret key code with one symbol mistyped: secret_key_check before any KDF",
        &sk.fx,
        fx::PASSWORD,
        &typo,
        inval("secret_key_check"),
    );
    f.add(
        v(
            "unlock_secret_key",
            "An empty password and a malformed secret key code: the password is prepared first",
            &["SR-OP-20", "SR-OP-17"],
            inval("empty_password"),
        )
        .f(&["OrderOfChecks", "NoKdf"])
        .i("keyring", sk.fx.hex())
        .i("password", pw(""))
        .i("secret_key_code", "SK1-nonsense")
        .i("policy", relaxed.clone()),
    );
    f.add(
        v(
            "unlock_secret_key",
            "A malformed secret key code and a truncated keyring: the credentials come before decoding",
            &["SR-OP-20", "SR-OP-17"],
            inval("secret_key_format"),
        )
        .f(&["OrderOfChecks", "NoKdf"])
        .i("keyring", hex(&sk.fx.bytes[..10]))
        .i("password", pw(fx::PASSWORD))
        .i("secret_key_code", "SK1-nonsense")
        .i("policy", relaxed.clone()),
    );
    f.add(
        v(
            "unlock_secret_key",
            "A keyring with password slots only: no secret-key slot to try",
            &["SR-OP-20"],
            err("unlock_failed"),
        )
        .f(&["RelaxedPolicy", "NoKdf"])
        .i("keyring", fx::one().hex())
        .i("password", pw(fx::PASSWORD))
        .i("secret_key_code", sk.code.clone())
        .i("policy", relaxed.clone()),
    );
    f.add(
        v(
            "unlock_password",
            "Unlock a keyring with only a secret-key slot by the password alone: no slot to try",
            &["SR-OP-2", "SR-OP-20"],
            err("unlock_failed"),
        )
        .f(&["RelaxedPolicy", "NoKdf"])
        .i("keyring", sk.fx.hex())
        .i("password", pw(fx::PASSWORD))
        .i("policy", relaxed.clone()),
    );
    f.add(
        v(
            "decode_keyring",
            "Decode a keyring with a secret-key slot: kind \"secret-key\", kind 64 written 01 18 40",
            &["SR-OBJ-7", "SR-OBJ-2"],
            Expect::Ok,
        )
        .i("keyring", sk.fx.hex()),
    );

    // --- add a secret-key slot to a password keyring ----------------------------------------
    let one = fx::one();
    let id = f.next_id();
    let (_, out) = f.add(
        v(
            "add_secret_key_slot",
            "Add a secret-key slot, under the secret key the user already has, to a password keyring",
            &["SR-OP-21", "SR-OP-6", "SR-KEY-16"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .with(&one.setup())
        .i("label", "with secret key")
        .i("password", pw("a second passphrase"))
        .i("secret_key_code", sk.code.clone())
        .i("kdf", fx::fast_argon())
        .i("random", fx::rnd(&id, fx::PW_SLOT)),
    );
    let both = with_bytes(one, bytes_of(&out, "keyring"));
    f.add(
        v(
            "add_secret_key_slot",
            "Add a secret-key slot with a mistyped secret key code: secret_key_check before any KDF",
            &["SR-OP-21", "SR-SK-1"],
            inval("secret_key_check"),
        )
        .f(&["RelaxedPolicy", "NoKdf"])
        .with(&one.setup())
        .i("label", "x")
        .i("password", pw("a second passphrase"))
        .i("secret_key_code", typo.clone())
        .i("kdf", fx::fast_argon())
        .i("random", fx::no_rnd()),
    );
    f.add(
        v(
            "unlock_secret_key",
            "A keyring with a password slot and a secret-key slot: unlock_secret_key opens slot 1 and never tries slot 0",
            &["SR-OP-20"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .i("keyring", both.hex())
        .i("password", pw("a second passphrase"))
        .i("secret_key_code", sk.code.clone())
        .i("policy", relaxed.clone()),
    );
    f.add(
        v(
            "unlock_password",
            "The same keyring by the password alone: slot 0 opens, the secret-key slot is never tried",
            &["SR-OP-2"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .i("keyring", both.hex())
        .i("password", pw(fx::PASSWORD))
        .i("policy", relaxed.clone()),
    );
    let us = |f: &mut File, desc: &str, index: usize, p: &str, code: Option<&str>, exp: Expect| {
        let flags: &[&'static str] = match exp {
            Expect::Ok => &["RelaxedPolicy"],
            _ => &["RelaxedPolicy", "NoKdf"],
        };
        let mut x = v("unlock_slot", desc, &["SR-OP-3"], exp)
            .f(flags)
            .i("keyring", both.hex())
            .i("index", index)
            .i("password", pw(p))
            .i("policy", relaxed.clone());
        if let Some(c) = code {
            x = x.i("secret_key_code", c);
        }
        f.add(x);
    };
    us(
        f,
        "unlock_slot 1 (secret-key slot) with the password and the secret key",
        1,
        "a second passphrase",
        Some(&sk.code),
        Expect::Ok,
    );
    us(
        f,
        "unlock_slot 1 (secret-key slot) with a password alone: wrong_slot_kind",
        1,
        "a second passphrase",
        None,
        inval("wrong_slot_kind"),
    );
    us(
        f,
        "unlock_slot 0 (password slot) with a password and a secret key: wrong_slot_kind",
        0,
        fx::PASSWORD,
        Some(&sk.code),
        inval("wrong_slot_kind"),
    );
    f.add(
        v(
            "change_password",
            "change_password at a secret-key slot: wrong_slot_kind (a secret-key slot is replaced by adding and removing)",
            &["SR-OP-5", "SR-OP-18"],
            inval("wrong_slot_kind"),
        )
        .f(&["RelaxedPolicy", "NoKdf"])
        .with(&sk.setup())
        .i("index", 0)
        .i("new_password", pw("new"))
        .i("kdf", fx::fast_pbkdf2())
        .i("random", fx::no_rnd()),
    );
    let id = f.next_id();
    f.add(
        v(
            "seal",
            "Seal under a keyring unlocked with the password and the secret key",
            &["SR-OP-8", "SR-OP-20"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .with(&sk.setup())
        .i("plaintext", hex(fx::PLAINTEXT))
        .i("context", hex(fx::CONTEXT))
        .i("random", fx::rnd(&id, fx::SEAL)),
    );

    // --- the code ---------------------------------------------------------------------------
    let key: [u8; 16] = core::array::from_fn(|i| (i as u8) * 17);
    let code = sk_code(&key);
    let ps = |f: &mut File, desc: &str, c: &str, exp: Expect| {
        f.add(v("parse_secret_key", desc, &["SR-SK-1", "SR-SK-3"], exp).i("secret_key_code", c));
    };
    ps(f, "A canonical secret key code", &code, Expect::Ok);
    ps(
        f,
        "The code of the first create_secret_key vector",
        &sk.code,
        Expect::Ok,
    );
    ps(
        f,
        "Lower case, spaces for hyphens",
        &code.to_lowercase().replace('-', " "),
        Expect::Ok,
    );
    let body = code[4..].replace('0', "o").replace('1', "i");
    ps(
        f,
        "O for 0 and I for 1 in the symbols, no hyphen after the prefix",
        &format!("SK1{body}"),
        Expect::Ok,
    );
    ps(
        f,
        "L for 1 in the prefix is not the prefix",
        &format!("SKL-{}", &code[4..]),
        inval("secret_key_format"),
    );
    ps(
        f,
        "Without the SK1 prefix",
        &code[4..],
        inval("secret_key_format"),
    );
    ps(
        f,
        "31 symbols",
        &code[..code.len() - 1],
        inval("secret_key_format"),
    );
    ps(
        f,
        "33 symbols",
        &format!("{code}0"),
        inval("secret_key_format"),
    );
    ps(
        f,
        "U, not in the alphabet",
        &format!("{}U", &code[..code.len() - 1]),
        inval("secret_key_format"),
    );
    ps(
        f,
        "A recovery code is not a secret key code",
        &fx::two().codes[0],
        inval("secret_key_format"),
    );
    ps(f, "The empty string", "", inval("secret_key_format"));
    let mut bad = code.clone().into_bytes();
    let last = bad.len() - 1;
    bad[last] = if bad[last] == b'0' { b'1' } else { b'0' };
    ps(
        f,
        "The last symbol changed: the check does not match",
        &String::from_utf8(bad).unwrap_or_default(),
        inval("secret_key_check"),
    );
}

fn slot_kinds(f: &mut File) {
    let relaxed = fx::relaxed();
    let one = fx::one();
    let own = slots_of(&one.bytes).remove(0);
    let generic = |label: &str, kind: u64| generic_slot(label, kind, "newer", vec![]);
    let full = |label: &str, kind: u64| {
        generic_slot(
            label,
            kind,
            "from a newer client",
            vec![
                (3, C::A(vec![C::U(1), C::T(b"x".to_vec())])),
                (4, C::M(vec![(C::U(1), C::B(vec![]))])),
                (5, C::U(0)),
            ],
        )
    };
    let id = f.next_id();
    let kept = with_bytes(one, assemble(one, 1, &[own.clone(), full(&id, 100)]));
    f.add(
        v(
            "decode_keyring",
            "A password slot and a slot of skippable kind 100 with keys 3, 4 and 5 of any shape: decodes, kind \"unknown\"",
            &["SR-OBJ-7", "SR-OP-18"],
            Expect::Ok,
        )
        .i("keyring", kept.hex()),
    );
    let id = f.next_id();
    let minimal = with_bytes(one, assemble(one, 1, &[generic(&id, 65_535), own.clone()]));
    f.add(
        v(
            "decode_keyring",
            "A slot of skippable kind 65535 with keys 1, 2, 6 and 7 only, before a password slot: decodes",
            &["SR-OBJ-7"],
            Expect::Ok,
        )
        .i("keyring", minimal.hex()),
    );
    let id = f.next_id();
    let k65 = assemble(one, 1, &[own.clone(), generic(&id, 65)]);
    f.add(
        v(
            "decode_keyring",
            "Skippable kind 65, the first kind after the secret-key slot",
            &["SR-OBJ-7"],
            Expect::Ok,
        )
        .i("keyring", hex(&k65)),
    );
    f.add(
        v(
            "unlock_password",
            "Unlock past a slot of skippable kind 65535: it is never tried, slot 1 opens",
            &["SR-OP-18", "SR-OP-2"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .i("keyring", minimal.hex())
        .i("password", pw(fx::PASSWORD))
        .i("policy", relaxed.clone()),
    );
    f.add(
        v(
            "unlock_password",
            "A wrong password with a slot of skippable kind: only the password slot is tried",
            &["SR-OP-18", "SR-OP-2"],
            err("unlock_failed"),
        )
        .f(&["RelaxedPolicy"])
        .i("keyring", kept.hex())
        .i("password", pw("wrong"))
        .i("policy", relaxed.clone()),
    );
    let id = f.next_id();
    f.add(
        v(
            "add_recovery_slot",
            "Add a recovery slot to a keyring with a slot of skippable kind: that slot is kept byte for byte",
            &["SR-OP-18", "SR-OP-6"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .with(&kept.setup())
        .i("label", "recovery")
        .i("random", fx::rnd(&id, fx::RECOVERY)),
    );
    let id = f.next_id();
    f.add(
        v(
            "change_password",
            "Change the password of slot 0 of a keyring with a slot of skippable kind: slot 1 is kept byte for byte",
            &["SR-OP-18", "SR-OP-5"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .with(&kept.setup())
        .i("index", 0)
        .i("new_password", pw("a new passphrase"))
        .i("kdf", fx::fast_pbkdf2())
        .i("random", fx::rnd(&id, fx::PW_SLOT)),
    );
    f.add(
        v(
            "change_password",
            "change_password at the slot of skippable kind: wrong_slot_kind",
            &["SR-OP-18", "SR-OP-5"],
            inval("wrong_slot_kind"),
        )
        .f(&["RelaxedPolicy", "NoKdf"])
        .with(&kept.setup())
        .i("index", 1)
        .i("new_password", pw("a new passphrase"))
        .i("kdf", fx::fast_pbkdf2())
        .i("random", fx::no_rnd()),
    );
    f.add(
        v(
            "remove_slot",
            "Remove the slot of skippable kind",
            &["SR-OP-18", "SR-OP-7"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .with(&kept.setup())
        .i("index", 1),
    );
    f.add(
        v(
            "unlock_slot",
            "unlock_slot at the slot of skippable kind with a password: wrong_slot_kind",
            &["SR-OP-18", "SR-OP-3"],
            inval("wrong_slot_kind"),
        )
        .f(&["RelaxedPolicy", "NoKdf"])
        .i("keyring", kept.hex())
        .i("index", 1)
        .i("password", pw(fx::PASSWORD))
        .i("policy", relaxed.clone()),
    );
    let id = f.next_id();
    let lone = assemble(one, 1, &[generic(&id, 300)]);
    f.add(
        v(
            "unlock_password",
            "A keyring whose only slot is of a skippable kind: nothing to try",
            &["SR-OP-18", "SR-OP-2"],
            err("unlock_failed"),
        )
        .f(&["RelaxedPolicy", "NoKdf"])
        .i("keyring", hex(&lone))
        .i("password", pw(fx::PASSWORD))
        .i("policy", relaxed.clone()),
    );
    let kd = |f: &mut File, desc: &str, spec: &[&'static str], exp: Expect, b: &[u8]| {
        fx::kdec(f, desc, spec, exp, b, &[]);
    };
    for (kind, desc) in [
        (3, "Critical kind 3, not implemented, in the second slot"),
        (63, "Critical kind 63, the last critical kind"),
    ] {
        let id = f.next_id();
        kd(
            f,
            desc,
            &["SR-OBJ-7", "SR-OBJ-6"],
            err("unsupported_algorithm"),
            &assemble(one, 1, &[own.clone(), generic(&id, kind)]),
        );
    }
    for (kind, desc) in [
        (
            65_536,
            "Slot kind 65536, above the registry's range: value_out_of_range",
        ),
        (1 << 32, "Slot kind 2^32: value_out_of_range"),
    ] {
        let id = f.next_id();
        kd(
            f,
            desc,
            &["SR-OBJ-7"],
            mal("value_out_of_range"),
            &assemble(one, 1, &[own.clone(), generic(&id, kind)]),
        );
    }
    let id = f.next_id();
    let mut extra = fx::tree(&generic(&id, 100));
    extra.entries().push((C::U(8), C::U(0)));
    kd(
        f,
        "A slot of skippable kind with a key 8: unknown_key",
        &["SR-OBJ-7", "SR-OBJ-2"],
        mal("unknown_key"),
        &assemble(one, 1, &[own.clone(), extra.enc()]),
    );
    let id = f.next_id();
    let mut missing = fx::tree(&generic(&id, 100));
    missing.remove(6);
    kd(
        f,
        "A slot of skippable kind without key 6: missing_key",
        &["SR-OBJ-7", "SR-OBJ-2"],
        mal("missing_key"),
        &assemble(one, 1, &[own.clone(), missing.enc()]),
    );
    let id = f.next_id();
    let mut short = fx::tree(&generic(&id, 100));
    short.set(7, C::B(vec![0; 31]));
    kd(
        f,
        "A slot of skippable kind with a 31-byte key 7: wrong_length",
        &["SR-OBJ-7", "SR-OBJ-4"],
        mal("wrong_length"),
        &assemble(one, 1, &[own.clone(), short.enc()]),
    );
    let id = f.next_id();
    let long = generic_slot(&id, 100, &"x".repeat(65), vec![]);
    kd(
        f,
        "A slot of skippable kind with a 65-byte label: value_out_of_range",
        &["SR-OBJ-7", "SR-OBJ-5"],
        mal("value_out_of_range"),
        &assemble(one, 1, &[own.clone(), long]),
    );
    let id = f.next_id();
    kd(
        f,
        "Kind 64 is implemented: a secret-key slot without keys 3 and 4 is missing_key",
        &["SR-OBJ-7", "SR-OBJ-2"],
        mal("missing_key"),
        &assemble(one, 1, &[own, generic(&id, 64)]),
    );
}

fn pins(f: &mut File) {
    let one = fx::one();
    let two = fx::two();
    let sha = |b: &[u8]| {
        use sha2::{Digest, Sha256};
        hex(Sha256::digest(b))
    };
    let pin = |k: &Fx, generation: u64, digest: String| json!({"keyring_id": hex(&k.id), "generation": generation, "digest": digest});
    let cp = |f: &mut File,
              desc: &str,
              spec: &[&'static str],
              k: &[u8],
              pin: Value,
              accept: bool,
              exp: Expect| {
        f.add(
            v("check_pin", desc, spec, exp)
                .f(&["NoKdf"])
                .i("keyring", hex(k))
                .i("pin", pin)
                .i("accept_jump", accept),
        );
    };
    let p1 = &["SR-PIN-1"];
    cp(
        f,
        "The pinned keyring itself",
        p1,
        &one.bytes,
        pin(one, 0, sha(&one.bytes)),
        false,
        Expect::Ok,
    );
    cp(
        f,
        "The next generation (a recovery slot added) against the pin of generation 0",
        p1,
        &two.bytes,
        pin(one, 0, sha(&one.bytes)),
        false,
        Expect::Ok,
    );
    cp(
        f,
        "Generation 0 served to a client pinned at generation 1: rollback",
        p1,
        &one.bytes,
        pin(two, 1, sha(&two.bytes)),
        false,
        hist("keyring_rollback"),
    );
    cp(
        f,
        "A rollback is refused even with accept_jump",
        &["SR-PIN-1", "SR-PIN-3"],
        &one.bytes,
        pin(two, 1, sha(&two.bytes)),
        true,
        hist("keyring_rollback"),
    );
    let id = f.next_id();
    let forked = fx::add_pw(
        one,
        &format!("{id}/fork"),
        "other device",
        "another",
        fx::fast_pbkdf2(),
    );
    cp(
        f,
        "A fork: another keyring of generation 1 (a password slot added from generation 0) against the pin of generation 1",
        p1,
        &forked.bytes,
        pin(two, 1, sha(&two.bytes)),
        false,
        hist("keyring_fork"),
    );
    let mut tampered = two.bytes.clone();
    let n = tampered.len();
    tampered[n - 1] ^= 1;
    cp(
        f,
        "The pinned generation with one MAC bit flipped: a fork, found without any key",
        p1,
        &tampered,
        pin(two, 1, sha(&two.bytes)),
        false,
        hist("keyring_fork"),
    );
    cp(
        f,
        "Another keyring id: replaced",
        p1,
        &fx::other().bytes,
        pin(one, 0, sha(&one.bytes)),
        false,
        hist("keyring_replaced"),
    );
    cp(
        f,
        "Another keyring id and a lower generation: replaced is checked first",
        &["SR-PIN-1"],
        &fx::other().bytes,
        pin(one, 5, sha(&one.bytes)),
        false,
        hist("keyring_replaced"),
    );
    let at = |g: u64| assemble(one, g, &slots_of(&one.bytes));
    cp(
        f,
        "A jump of exactly 64 generations (10 to 74): accepted",
        &["SR-PIN-3"],
        &at(74),
        pin(one, 10, sha(&at(10))),
        false,
        Expect::Ok,
    );
    cp(
        f,
        "A jump of 65 generations (10 to 75) without confirmation: generation_jump",
        &["SR-PIN-3"],
        &at(75),
        pin(one, 10, sha(&at(10))),
        false,
        hist("keyring_generation_jump"),
    );
    cp(
        f,
        "A jump to generation 2^53 - 1 without confirmation: generation_jump",
        &["SR-PIN-3"],
        &at((1 << 53) - 1),
        pin(one, 10, sha(&at(10))),
        false,
        hist("keyring_generation_jump"),
    );
    cp(
        f,
        "The same jump, confirmed (accept_jump): accepted",
        &["SR-PIN-3"],
        &at((1 << 53) - 1),
        pin(one, 10, sha(&at(10))),
        true,
        Expect::Ok,
    );
    cp(
        f,
        "A truncated keyring: decoding comes first",
        &["SR-PIN-1"],
        &one.bytes[..20],
        pin(one, 0, sha(&one.bytes)),
        false,
        mal("truncated"),
    );
}

/// Three PBKDF2 slots of 10 iterations: "a", "b", "c" (work 10 each), passwords as labels.
fn three_pbkdf2() -> Fx {
    let a = fx::make("hardening/three/a", "a", fx::fast_pbkdf2(), "a");
    let ab = fx::add_pw(&a, "hardening/three/b", "b", "b", fx::fast_pbkdf2());
    fx::add_pw(&ab, "hardening/three/c", "c", "c", fx::fast_pbkdf2())
}

fn work(f: &mut File) {
    let abc = three_pbkdf2();
    let slots: Vec<Value> = slots_of(&abc.bytes)
        .iter()
        .map(|s| {
            let mut t = fx::tree(s);
            let salt = match t.get(4) {
                C::B(b) => hex(b),
                _ => String::new(),
            };
            let commitment = match t.get(7) {
                C::B(b) => hex(b),
                _ => String::new(),
            };
            json!({"salt": salt, "commitment": commitment})
        })
        .collect();
    let exceeded = || limit("unlock_work_exceeded");
    let up = |f: &mut File,
              desc: &str,
              p: &str,
              work: u64,
              preferred: Option<&Value>,
              exp: Expect,
              no_kdf: bool| {
        let flags: &[&'static str] = if no_kdf {
            &["RelaxedPolicy", "NoKdf"]
        } else {
            &["RelaxedPolicy"]
        };
        let mut x = v("unlock_password", desc, &["SR-POL-7", "SR-OP-2"], exp)
            .f(flags)
            .i("keyring", abc.hex())
            .i("password", pw(p))
            .i("policy", policy_work(&format!("relaxed-work-{work}"), work));
        if let Some(p) = preferred {
            x = x.i("preferred", p.clone());
        }
        f.add(x);
    };
    up(
        f,
        "Three slots of work 10 under a budget of 29: refused before any KDF",
        "c",
        29,
        None,
        exceeded(),
        true,
    );
    up(
        f,
        "Three slots of work 10 under a budget of 30: the third opens",
        "c",
        30,
        None,
        Expect::Ok,
        false,
    );
    up(
        f,
        "Preferred slot 2 under a budget of 10: tried first, and opens",
        "c",
        10,
        Some(&slots[2]),
        Expect::Ok,
        false,
    );
    up(
        f,
        "Preferred slot 0 (the wrong one) under a budget of 10: it runs, then the other two exceed the 0 left",
        "c",
        10,
        Some(&slots[0]),
        exceeded(),
        false,
    );
    up(
        f,
        "Preferred slot 1 under a budget of 30: slot 1, then 0, then 2 opens",
        "c",
        30,
        Some(&slots[1]),
        Expect::Ok,
        false,
    );
    up(
        f,
        "Preferred slot 2 under a budget of 9: the preferred slot alone exceeds it, nothing runs",
        "c",
        9,
        Some(&slots[2]),
        exceeded(),
        true,
    );
    let stranger = json!({"salt": hex([0u8; 32]), "commitment": hex([0u8; 32])});
    up(
        f,
        "A preferred slot that is not in the keyring: as without one (30 > 10)",
        "a",
        10,
        Some(&stranger),
        exceeded(),
        true,
    );
    // Argon2id: 8 x 64 x 1 = 512 units.
    let argon = fx::make("hardening/argon", "argon", fx::fast_argon(), "argon");
    let ua = |f: &mut File, desc: &str, work: u64, exp: Expect, no_kdf: bool| {
        let flags: &[&'static str] = if no_kdf {
            &["RelaxedPolicy", "NoKdf"]
        } else {
            &["RelaxedPolicy"]
        };
        f.add(
            v("unlock_password", desc, &["SR-POL-7"], exp)
                .f(flags)
                .i("keyring", argon.hex())
                .i("password", pw("argon"))
                .i("policy", policy_work(&format!("relaxed-work-{work}"), work)),
        );
    };
    ua(
        f,
        "Argon2id m = 64, t = 1 is work 8 x 64 x 1 = 512: a budget of 511 refuses it",
        511,
        exceeded(),
        true,
    );
    ua(
        f,
        "The same slot under a budget of 512: opens",
        512,
        Expect::Ok,
        false,
    );
    let id = f.next_id();
    let (_, sk) = create_sk(&id, "pw", fx::fast_argon(), "sk");
    f.add(
        v(
            "unlock_secret_key",
            "A secret-key slot of work 512 under a budget of 511: refused before any KDF",
            &["SR-POL-7", "SR-OP-20"],
            exceeded(),
        )
        .f(&["RelaxedPolicy", "NoKdf"])
        .i("keyring", sk.fx.hex())
        .i("password", pw("pw"))
        .i("secret_key_code", sk.code.clone())
        .i("policy", policy_work("relaxed-work-511", 511)),
    );
    let mut sk_ref = fx::tree(&slots_of(&sk.fx.bytes)[0]);
    let sk_pref = json!({
        "salt": match sk_ref.get(4) { C::B(b) => hex(b), _ => String::new() },
        "commitment": match sk_ref.get(7) { C::B(b) => hex(b), _ => String::new() },
    });
    f.add(
        v(
            "unlock_secret_key",
            "unlock_secret_key with its slot preferred under a budget of exactly its work",
            &["SR-POL-7", "SR-OP-20", "SR-OP-2"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .i("keyring", sk.fx.hex())
        .i("password", pw("pw"))
        .i("secret_key_code", sk.code.clone())
        .i("policy", policy_work("relaxed-work-512", 512))
        .i("preferred", sk_pref),
    );
    f.add(
        v(
            "unlock_slot",
            "unlock_slot checks one slot's policy, not the work budget",
            &["SR-OP-3", "SR-POL-7"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .i("keyring", abc.hex())
        .i("index", 2)
        .i("password", pw("c"))
        .i("policy", policy_work("relaxed-work-1", 1)),
    );
    let mp = |f: &mut File, desc: &str, work: Value, exp: Expect| {
        let mut p = fx::default_policy();
        p["max_unlock_work"] = work;
        f.add(v("make_policy", desc, &["SR-POL-5", "SR-POL-7"], exp).i("policy", p));
    };
    mp(f, "max_unlock_work 1: the smallest", json!(1), Expect::Ok);
    mp(
        f,
        "max_unlock_work 2^40: the largest",
        json!(1u64 << 40),
        Expect::Ok,
    );
    mp(f, "max_unlock_work 0", json!(0), inval("policy_invalid"));
    mp(
        f,
        "max_unlock_work 2^40 + 1",
        json!((1u64 << 40) + 1),
        inval("policy_invalid"),
    );
    mp(
        f,
        "max_unlock_work \"16777216\" (a string)",
        json!("16777216"),
        inval("policy_invalid"),
    );
    mp(
        f,
        "max_unlock_work 1.5",
        json!(1.5),
        inval("policy_invalid"),
    );
    let mut missing = fx::default_policy();
    if let Value::Object(o) = &mut missing {
        o.remove("max_unlock_work");
    }
    f.add(
        v(
            "make_policy",
            "The default policy without max_unlock_work",
            &["SR-POL-5", "SR-POL-7"],
            inval("policy_invalid"),
        )
        .i("policy", missing),
    );
}

fn weaker_kdf(f: &mut File) {
    let one = fx::one(); // PBKDF2, 10 iterations
    let three = fx::three(); // slot 1: Argon2id m = 64, t = 1, p = 2
    let cp = |f: &mut File,
              desc: &str,
              k: &Fx,
              index: usize,
              kdf: Value,
              allow: Option<bool>,
              exp: Expect| {
        let ok = exp == Expect::Ok;
        let id = f.next_id();
        let mut x = v("change_password", desc, &["SR-KDF-8", "SR-OP-5"], exp)
            .f(if ok {
                &["RelaxedPolicy"]
            } else {
                &["RelaxedPolicy", "NoKdf"]
            })
            .with(&k.setup())
            .i("index", index)
            .i("new_password", pw("a new passphrase"))
            .i("kdf", kdf)
            .i(
                "random",
                if ok {
                    fx::rnd(&id, fx::PW_SLOT)
                } else {
                    fx::no_rnd()
                },
            );
        if let Some(a) = allow {
            x = x.i("allow_weaker_kdf", a);
        }
        f.add(x);
    };
    let weaker = || inval("weaker_kdf");
    cp(
        f,
        "PBKDF2 10 to PBKDF2 9 iterations: weaker",
        one,
        0,
        fx::pbkdf2(9),
        None,
        weaker(),
    );
    cp(
        f,
        "PBKDF2 10 to PBKDF2 9 with allow_weaker_kdf false: weaker",
        one,
        0,
        fx::pbkdf2(9),
        Some(false),
        weaker(),
    );
    cp(
        f,
        "PBKDF2 10 to PBKDF2 9 with allow_weaker_kdf: allowed",
        one,
        0,
        fx::pbkdf2(9),
        Some(true),
        Expect::Ok,
    );
    cp(
        f,
        "PBKDF2 10 to PBKDF2 10: not weaker",
        one,
        0,
        fx::pbkdf2(10),
        None,
        Expect::Ok,
    );
    cp(
        f,
        "Argon2id to PBKDF2 at 2,000,000 iterations: weaker (memory-hardness lost)",
        three,
        1,
        fx::pbkdf2(2_000_000),
        None,
        weaker(),
    );
    cp(
        f,
        "Argon2id m = 64 to m = 32 (t = 4): weaker",
        three,
        1,
        fx::argon(32, 4, 2),
        None,
        weaker(),
    );
    cp(
        f,
        "Argon2id t = 1 to t = 1, m = 64, p = 1: parallelism alone is never weaker",
        three,
        1,
        fx::argon(64, 1, 1),
        None,
        Expect::Ok,
    );
    cp(
        f,
        "Argon2id m = 64 to m = 128, t = 2, p = 8: stronger",
        three,
        1,
        fx::argon(128, 2, 8),
        None,
        Expect::Ok,
    );
    // Order: CheckNewKdf before the weaker check, the weaker check before the generation.
    // `floor` has one slot at 100 iterations and is unlocked under a PBKDF2 floor of 100.
    let strict = fx::policy("floor-100", [100, 2_000_000], [8, 262_144], [1, 8], [1, 8]);
    let strict_one = fx::create_fx_policy(
        "floor",
        fx::pbkdf2(100),
        "floor",
        strict,
        fx::rnd("hardening/floor/create", fx::CREATE),
    );
    f.add(
        v(
            "change_password",
            "PBKDF2 100 to PBKDF2 10 under a floor of 100: out_of_policy (CheckNewKdf) before weaker_kdf",
            &["SR-KDF-8", "SR-OP-5", "SR-POL-3"],
            err("out_of_policy"),
        )
        .f(&["OrderOfChecks", "NoKdf"])
        .with(&strict_one.setup())
        .i("index", 0)
        .i("new_password", pw("a new passphrase"))
        .i("kdf", fx::pbkdf2(10))
        .i("random", fx::no_rnd()),
    );
    let top = with_bytes(one, assemble(one, (1 << 53) - 1, &slots_of(&one.bytes)));
    f.add(
        v(
            "change_password",
            "A weaker KDF on a keyring at generation 2^53 - 1: weaker_kdf (step 5) before generation_exhausted (step 6)",
            &["SR-KDF-8", "SR-OP-5", "SR-OP-12"],
            weaker(),
        )
        .f(&["OrderOfChecks", "RelaxedPolicy", "NoKdf"])
        .with(&top.setup())
        .i("index", 0)
        .i("new_password", pw("a new passphrase"))
        .i("kdf", fx::pbkdf2(9))
        .i("random", fx::no_rnd()),
    );
    f.add(
        v(
            "change_password",
            "The same with allow_weaker_kdf: generation_exhausted",
            &["SR-KDF-8", "SR-OP-12"],
            limit("generation_exhausted"),
        )
        .f(&["OrderOfChecks", "RelaxedPolicy", "NoKdf"])
        .with(&top.setup())
        .i("index", 0)
        .i("new_password", pw("a new passphrase"))
        .i("kdf", fx::pbkdf2(9))
        .i("allow_weaker_kdf", true)
        .i("random", fx::no_rnd()),
    );
}

fn auth(f: &mut File) {
    let one = fx::one();
    let at = |f: &mut File,
              desc: &str,
              setup: &Obj,
              message: Value,
              exp: Expect,
              flags: &[&'static str]| {
        f.add(
            v("auth_tag", desc, &["SR-KEY-15", "SR-AUTH-2"], exp)
                .f(flags)
                .with(setup)
                .i("message", message),
        );
    };
    at(
        f,
        "The tag of the empty message",
        &one.setup(),
        hex(b"").into(),
        Expect::Ok,
        &["RelaxedPolicy"],
    );
    at(
        f,
        "The tag of a request line",
        &one.setup(),
        hex(b"POST /v1/keyrings/current generation=1").into(),
        Expect::Ok,
        &["RelaxedPolicy"],
    );
    at(
        f,
        "The same keyring unlocked by its recovery code gives the same key: the tag depends on the DEK only",
        &fx::two().setup_recovery(),
        hex(b"POST /v1/keyrings/current generation=1").into(),
        Expect::Ok,
        &["RelaxedPolicy"],
    );
    at(
        f,
        "A message of 16,777,216 bytes, the largest",
        &one.setup(),
        json!({"prefix": "", "fill": "61", "length": 16_777_216}),
        Expect::Ok,
        &["RelaxedPolicy", "LargeInput"],
    );
    at(
        f,
        "A message of 16,777,217 bytes: plaintext_too_large",
        &one.setup(),
        json!({"prefix": "", "fill": "61", "length": 16_777_217}),
        limit("plaintext_too_large"),
        &["RelaxedPolicy", "LargeInput"],
    );
}
