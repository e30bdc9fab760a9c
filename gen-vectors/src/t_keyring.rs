//! keyring.json: creating, unlocking and changing keyrings, and their cryptographic negatives.

use crate::cbor::C;
use crate::exec::hex;
use crate::fx::{self, Fx, pw};
use crate::{Expect, File, err, inval, limit, mal, v};

/// Bytes a, a+1, ... (SPEC.md's `00..0f`).
pub fn seq(start: u8, n: usize) -> Vec<u8> {
    (0..n).map(|i| start.wrapping_add(i as u8)).collect()
}

/// The keyring of SPEC.md Appendix A.1 (default parameters).
pub fn spec_keyring_1() -> Fx {
    static F: std::sync::OnceLock<Fx> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        fx::create_fx_policy(
            "correct horse battery staple",
            fx::pbkdf2(600_000),
            "laptop",
            fx::default_policy(),
            fx::rnd_fixed(&[
                ("keyring_id", seq(0x00, 16)),
                ("dek", seq(0x10, 32)),
                ("salt", seq(0x30, 32)),
                ("nonce", seq(0x50, 12)),
            ]),
        )
    })
    .clone()
}

/// The NFD password of Appendix A.2 step 2.
pub const SPEC_NFD_PASSWORD: &str = "pa\u{0308}sswo\u{0308}rd";

pub fn file() -> File {
    let mut f = File::new(
        "keyring",
        "Creating, unlocking and changing keyrings (SPEC.md 11.2 to 11.9), keyrings with 1 to 8 \
         slots, and the cryptographic negatives of keyrings: wrong passwords, altered slot \
         fields, moved slots, keyring MAC failures.",
        &[
            (
                "ServerEdit",
                "The keyring was edited the way a malicious server can: without the DEK, so its MAC no longer matches unless stated otherwise.",
            ),
            (
                "Remac",
                "The generator recomputed the keyring MAC after an edit, which only a holder of the DEK can do, to isolate a check that comes before the MAC.",
            ),
            (
                "MultiSlot",
                "The keyring has several slots; the vector checks the slot order of SPEC.md 11.3.",
            ),
            (
                "MultiFault",
                "The input has two or three faults, each of which alone fails the operation at a different numbered step of SPEC.md section 11; the expected error is that of the first failing step, the credential first (SR-OP-17), then decoding, then the operation's own steps in order (vectors/README.md section 4). A port that checks in another order reports another of the faults.",
            ),
            (
                "DynamicTyping",
                "An input is a JSON value that a statically typed API cannot be given (a boolean, a string, a fraction or a negative number as a slot index, or 1.0 for the integer 1); SPEC.md section 11's preamble gives the outcome. A port passes the value to its API as it is; one whose API cannot take it maps it as the preamble says (anything but an integer in range is no_such_slot, at the index step).",
            ),
            (
                "ExactLabel",
                "The label is not in NFC, or starts with U+FEFF: it is written, authenticated (slot AAD, keyring MAC) and decoded as its exact bytes (SPEC.md section 6.3, SR-KEY-11, section 19.4). A port that normalizes, strips or re-encodes a label anywhere writes other bytes or fails the slot or the MAC.",
            ),
            (
                "PartitioningOracle",
                "The slot's wrapped DEK is a ciphertext that AES-GCM authenticates under two wrap keys (two passwords over the same salt): the generator solved the tag collision in GF(2^128). Only the key commitment tells the passwords apart (SPEC.md section 18.5); a port that skips it opens the slot with the wrong password and fails later, with keyring_tampered.",
            ),
        ],
    );
    let relaxed = fx::relaxed();

    // --- SPEC.md Appendix A ------------------------------------------------------------
    let k1 = spec_keyring_1();
    f.add(
        v("create", "SPEC.md Appendix A.1: create with PBKDF2 at 600,000 iterations under the default policy", &["SR-OP-1", "SR-KDF-1", "SR-KDF-5", "SR-KEY-1", "SR-KEY-2", "SR-KEY-3", "SR-KEY-4", "SR-KEY-6", "SR-KEY-9", "SR-PWD-1", "SR-POL-6", "SR-TXT-3"], Expect::Ok)
            .f(&["SpecExample", "DefaultParams"])
            .i("password", pw("correct horse battery staple"))
            .i("kdf", fx::pbkdf2(600_000))
            .i("label", "laptop")
            .i("policy", fx::default_policy())
            .i("random", fx::rnd_fixed(&[("keyring_id", seq(0, 16)), ("dek", seq(0x10, 32)), ("salt", seq(0x30, 32)), ("nonce", seq(0x50, 12))])),
    );
    f.add(
        v(
            "unlock_password",
            "Unlock the keyring of SPEC.md Appendix A.1 with its password under the default policy",
            &[
                "SR-OP-2",
                "SR-KDF-1",
                "SR-KEY-2",
                "SR-KEY-6",
                "SR-KEY-11",
                "SR-KEY-12",
                "SR-POL-1",
                "SR-POL-2",
            ],
            Expect::Ok,
        )
        .f(&["SpecExample", "DefaultParams"])
        .i("keyring", k1.hex())
        .i("password", pw("correct horse battery staple"))
        .i("policy", fx::default_policy()),
    );
    let (_, out) = f.add(
        v(
            "add_recovery_slot",
            "SPEC.md Appendix A.2 step 1: add a recovery slot to the keyring of A.1",
            &[
                "SR-OP-6", "SR-KEY-5", "SR-KEY-2", "SR-KEY-3", "SR-KEY-4", "SR-KEY-6", "SR-REC-3",
                "SR-OP-10",
            ],
            Expect::Ok,
        )
        .f(&["SpecExample", "DefaultParams"])
        .with(&k1.setup())
        .i("label", "recovery")
        .i(
            "random",
            fx::rnd_fixed(&[("secret", seq(0x60, 32)), ("nonce", seq(0x80, 12))]),
        ),
    );
    let k2a = Fx {
        bytes: hex::decode(out["keyring"].as_str().unwrap_or_default()).unwrap_or_default(),
        codes: vec![out["recovery_code"].as_str().unwrap_or_default().to_owned()],
        ..k1.clone()
    };
    let (_, out) = f.add(
        v("add_password_slot", "SPEC.md Appendix A.2 step 2: add an Argon2id slot with an NFD password, unlocking by recovery code", &["SR-OP-6", "SR-KDF-2", "SR-PWD-1", "SR-KEY-2", "SR-KEY-3", "SR-KEY-4", "SR-KEY-6", "SR-KDF-4", "SR-KDF-6", "SR-POL-3"], Expect::Ok)
            .f(&["SpecExample"])
            .with(&k2a.setup_recovery())
            .i("label", "phone")
            .i("password", pw(SPEC_NFD_PASSWORD))
            .i("kdf", fx::argon(19_456, 2, 1))
            .i("random", fx::rnd_fixed(&[("salt", seq(0x90, 32)), ("nonce", seq(0xb0, 12))])),
    );
    let k2 = Fx {
        bytes: hex::decode(out["keyring"].as_str().unwrap_or_default()).unwrap_or_default(),
        ..k2a.clone()
    };
    f.add(
        v("unlock_slot", "Unlock slot 2 (Argon2id, m=19456, t=2, p=1) of SPEC.md Appendix A.2 with the NFC spelling of its NFD password", &["SR-OP-3", "SR-KDF-2", "SR-PWD-1", "SR-POL-2"], Expect::Ok)
            .f(&["SpecExample"])
            .i("keyring", k2.hex())
            .i("index", 2)
            .i("password", pw("p\u{e4}ssw\u{f6}rd"))
            .i("policy", fx::default_policy()),
    );
    f.add(
        v(
            "unlock_recovery",
            "Unlock the keyring of SPEC.md Appendix A.2 with the recovery code of A.4",
            &["SR-OP-4", "SR-REC-1", "SR-KEY-5", "SR-KEY-6"],
            Expect::Ok,
        )
        .f(&["SpecExample"])
        .i("keyring", k2.hex())
        .i("recovery_code", k2.codes[0].clone())
        .i("policy", fx::default_policy()),
    );
    f.add(
        v("decode_keyring", "Decode the keyring of SPEC.md Appendix A.2 (three slots: password, recovery, password)", &["SR-OBJ-1", "SR-OBJ-2", "SR-CBOR-9", "SR-OP-10"], Expect::Ok)
            .f(&["SpecExample"])
            .i("keyring", k2.hex()),
    );

    // --- create ---------------------------------------------------------------------------
    let id = f.next_id();
    f.add(
        v(
            "create",
            "Create with PBKDF2 at 10 iterations under a relaxed policy",
            &["SR-OP-1", "SR-KDF-1", "SR-POL-3", "SR-KEY-9"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .i("password", pw("hunter2 is not a good password"))
        .i("kdf", fx::fast_pbkdf2())
        .i("label", "desktop")
        .i("policy", relaxed.clone())
        .i("random", fx::rnd(&id, fx::CREATE)),
    );
    let id = f.next_id();
    f.add(
        v(
            "create",
            "Create with Argon2id (m=64 KiB, t=1, p=2) under a relaxed policy",
            &["SR-OP-1", "SR-KDF-2", "SR-POL-3"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .i("password", pw("argon2 all the things"))
        .i("kdf", fx::fast_argon())
        .i("label", "tablet")
        .i("policy", relaxed.clone())
        .i("random", fx::rnd(&id, fx::CREATE)),
    );
    let id = f.next_id();
    f.add(
        v(
            "create",
            "Create with an empty label",
            &["SR-OP-1", "SR-OBJ-5"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .i("password", pw("no label"))
        .i("kdf", fx::fast_pbkdf2())
        .i("label", "")
        .i("policy", relaxed.clone())
        .i("random", fx::rnd(&id, fx::CREATE)),
    );
    let label64 = format!("{}{}", "\u{1F511}".repeat(15), "keys");
    assert_eq!(label64.len(), 64);
    let id = f.next_id();
    f.add(
        v("create", "Create with a label of exactly 64 UTF-8 bytes (15 four-byte emoji and 4 ASCII letters): a two-byte text head", &["SR-OP-1", "SR-OP-15", "SR-OBJ-5"], Expect::Ok)
            .f(&["RelaxedPolicy"])
            .i("password", pw("long label"))
            .i("kdf", fx::fast_pbkdf2())
            .i("label", label64.clone())
            .i("policy", relaxed.clone())
            .i("random", fx::rnd(&id, fx::CREATE)),
    );
    let label65 = format!("{label64}!");
    f.add(
        v(
            "create",
            "Create with a label of 65 UTF-8 bytes",
            &["SR-OP-15", "SR-OP-1"],
            limit("label_too_long"),
        )
        .f(&["NoKdf"])
        .i("password", pw("long label"))
        .i("kdf", fx::fast_pbkdf2())
        .i("label", label65.clone())
        .i("policy", relaxed.clone())
        .i("random", fx::no_rnd()),
    );
    f.add(
        v(
            "create",
            "Create with every argument valid but a CSPRNG that fails",
            &["SR-KEY-13", "SR-OP-1"],
            err("randomness_unavailable"),
        )
        .f(&["NoKdf"])
        .i("password", pw("no randomness"))
        .i("kdf", fx::fast_pbkdf2())
        .i("label", "")
        .i("policy", relaxed.clone())
        .i("random", fx::no_rnd()),
    );
    let id = f.next_id();
    f.add(
        v(
            "create",
            "Create with a CSPRNG that fails after the keyring id and DEK",
            &["SR-KEY-13"],
            err("randomness_unavailable"),
        )
        .f(&["NoKdf"])
        .i("password", pw("no randomness"))
        .i("kdf", fx::fast_pbkdf2())
        .i("label", "")
        .i("policy", relaxed.clone())
        .i("random", fx::rnd(&id, &fx::CREATE[..2])),
    );

    // --- unlock ---------------------------------------------------------------------------
    let one = fx::one();
    let three = fx::three();
    f.add(
        v(
            "unlock_password",
            "Unlock a one-slot keyring with its password",
            &["SR-OP-2", "SR-KEY-6"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .i("keyring", one.hex())
        .i("password", pw(fx::PASSWORD))
        .i("policy", relaxed.clone()),
    );
    f.add(
        v("unlock_password", "Unlock with the password of the second password slot: slot 0 fails its commitment, slot 1 opens", &["SR-OP-2", "SR-KDF-2"], Expect::Ok)
            .f(&["RelaxedPolicy", "MultiSlot"])
            .i("keyring", three.hex())
            .i("password", pw("phone passphrase"))
            .i("policy", relaxed.clone()),
    );
    f.add(
        v(
            "unlock_slot",
            "Unlock slot 1 (Argon2id) directly",
            &["SR-OP-3", "SR-KDF-2"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy", "MultiSlot"])
        .i("keyring", three.hex())
        .i("index", 1)
        .i("password", pw("phone passphrase"))
        .i("policy", relaxed.clone()),
    );
    f.add(
        v(
            "unlock_slot",
            "Unlock slot 2 (recovery) directly with its recovery code",
            &["SR-OP-3", "SR-REC-1"],
            Expect::Ok,
        )
        .f(&["MultiSlot"])
        .i("keyring", three.hex())
        .i("index", 2)
        .i("recovery_code", three.codes[0].clone())
        .i("policy", relaxed.clone()),
    );
    f.add(
        v(
            "unlock_password",
            "Wrong password",
            &["SR-OP-2", "SR-ERR-2"],
            err("unlock_failed"),
        )
        .f(&["RelaxedPolicy"])
        .i("keyring", one.hex())
        .i("password", pw("correct horse battery stapler"))
        .i("policy", relaxed.clone()),
    );
    f.add(
        v(
            "unlock_password",
            "Wrong password on a keyring with two password slots and a recovery slot",
            &["SR-OP-2", "SR-ERR-2"],
            err("unlock_failed"),
        )
        .f(&["RelaxedPolicy", "MultiSlot"])
        .i("keyring", three.hex())
        .i("password", pw("Correct horse battery staple"))
        .i("policy", relaxed.clone()),
    );
    f.add(
        v(
            "unlock_slot",
            "The right password for slot 1 tried on slot 0",
            &["SR-OP-3", "SR-ERR-2"],
            err("unlock_failed"),
        )
        .f(&["RelaxedPolicy", "MultiSlot"])
        .i("keyring", three.hex())
        .i("index", 0)
        .i("password", pw("phone passphrase"))
        .i("policy", relaxed.clone()),
    );
    f.add(
        v(
            "unlock_slot",
            "Slot index equal to the number of slots",
            &["SR-OP-3"],
            inval("no_such_slot"),
        )
        .f(&["NoKdf"])
        .i("keyring", three.hex())
        .i("index", 3)
        .i("password", pw(fx::PASSWORD))
        .i("policy", relaxed.clone()),
    );
    f.add(
        v(
            "unlock_slot",
            "A password for a recovery slot",
            &["SR-OP-3"],
            inval("wrong_slot_kind"),
        )
        .f(&["NoKdf"])
        .i("keyring", three.hex())
        .i("index", 2)
        .i("password", pw(fx::PASSWORD))
        .i("policy", relaxed.clone()),
    );
    f.add(
        v(
            "unlock_slot",
            "A recovery code for a password slot",
            &["SR-OP-3"],
            inval("wrong_slot_kind"),
        )
        .f(&["NoKdf"])
        .i("keyring", three.hex())
        .i("index", 0)
        .i("recovery_code", three.codes[0].clone())
        .i("policy", relaxed.clone()),
    );
    let rec_only = fx::remove(fx::two(), 0);
    let rec_only = Fx {
        password: String::new(),
        ..rec_only
    };
    f.add(
        v("unlock_password", "A keyring whose only slot is a recovery slot, unlocked with a password: no password slot to try", &["SR-OP-2"], err("unlock_failed"))
            .f(&["NoKdf"])
            .i("keyring", rec_only.hex())
            .i("password", pw(fx::PASSWORD))
            .i("policy", relaxed.clone()),
    );
    f.add(
        v(
            "unlock_recovery",
            "The same recovery-only keyring opens with its recovery code",
            &["SR-OP-4", "SR-OP-7"],
            Expect::Ok,
        )
        .i("keyring", rec_only.hex())
        .i("recovery_code", rec_only.codes[0].clone())
        .i("policy", relaxed.clone()),
    );

    // --- 1 to 8 slots ---------------------------------------------------------------------
    let mut cur = fx::one().clone();
    let mut last_password = fx::PASSWORD.to_owned();
    for n in 2..=8usize {
        let id = f.next_id();
        let kind = n % 3;
        let (out, desc);
        if kind == 0 {
            desc = format!("Add a recovery slot to a keyring with {} slots", n - 1);
            let (_, o) = f.add(
                v(
                    "add_recovery_slot",
                    desc,
                    &["SR-OP-6", "SR-KEY-5", "SR-OP-12"],
                    Expect::Ok,
                )
                .f(&["MultiSlot"])
                .with(&cur.setup())
                .i("label", format!("recovery {n}"))
                .i("random", fx::rnd(&id, fx::RECOVERY)),
            );
            out = o;
            cur.codes
                .push(out["recovery_code"].as_str().unwrap_or_default().to_owned());
        } else {
            let pass = format!("password of slot {}", n - 1);
            let kdf = if kind == 1 {
                fx::fast_argon()
            } else {
                fx::pbkdf2(20 + n as u32)
            };
            desc = format!("Add a password slot to a keyring with {} slots", n - 1);
            let (_, o) = f.add(
                v(
                    "add_password_slot",
                    desc,
                    &["SR-OP-6", "SR-KDF-4", "SR-POL-3", "SR-OP-12"],
                    Expect::Ok,
                )
                .f(&["RelaxedPolicy", "MultiSlot"])
                .with(&cur.setup())
                .i("label", format!("device {n}"))
                .i("password", pw(&pass))
                .i("kdf", kdf)
                .i("random", fx::rnd(&id, fx::PW_SLOT)),
            );
            out = o;
            last_password = pass;
        }
        cur.bytes = hex::decode(out["keyring"].as_str().unwrap_or_default()).unwrap_or_default();
        f.add(
            v("unlock_password", format!("Unlock a keyring with {n} slots with the password of its last password slot, trying every earlier password slot first"), &["SR-OP-2", "SR-OBJ-5"], Expect::Ok)
                .f(&["RelaxedPolicy", "MultiSlot"])
                .i("keyring", cur.hex())
                .i("password", pw(&last_password))
                .i("policy", relaxed.clone()),
        );
    }
    let eight = cur.clone();
    f.add(
        v(
            "decode_keyring",
            "Decode a keyring with 8 slots (the most allowed)",
            &["SR-OBJ-5", "SR-CBOR-9"],
            Expect::Ok,
        )
        .i("keyring", eight.hex()),
    );
    f.add(
        v(
            "add_password_slot",
            "Add a ninth slot",
            &["SR-OP-6"],
            limit("too_many_slots"),
        )
        .f(&["NoKdf"])
        .with(&eight.setup())
        .i("label", "nine")
        .i("password", pw("nine"))
        .i("kdf", fx::fast_pbkdf2())
        .i("random", fx::no_rnd()),
    );
    f.add(
        v(
            "add_recovery_slot",
            "Add a ninth slot (recovery)",
            &["SR-OP-6"],
            limit("too_many_slots"),
        )
        .f(&["NoKdf"])
        .with(&eight.setup())
        .i("label", "nine")
        .i("random", fx::no_rnd()),
    );
    f.add(
        v(
            "unlock_recovery",
            "Unlock the 8-slot keyring with the recovery code of its second recovery slot",
            &["SR-OP-4"],
            Expect::Ok,
        )
        .f(&["MultiSlot"])
        .i("keyring", eight.hex())
        .i("recovery_code", eight.codes[1].clone())
        .i("policy", relaxed.clone()),
    );

    // --- change password ------------------------------------------------------------------
    let id = f.next_id();
    let (_, out) = f.add(
        v(
            "change_password",
            "Change the password of slot 0 and move it from PBKDF2 to Argon2id",
            &["SR-OP-5", "SR-KDF-4", "SR-KDF-6", "SR-POL-3", "SR-OP-12"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .with(&one.setup())
        .i("index", 0)
        .i("new_password", pw("a much better passphrase"))
        .i("kdf", fx::fast_argon())
        .i("random", fx::rnd(&id, fx::PW_SLOT)),
    );
    let changed = out["keyring"].as_str().unwrap_or_default().to_owned();
    f.add(
        v(
            "unlock_password",
            "After a password change the new password opens the keyring",
            &["SR-OP-5", "SR-OP-2"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .i("keyring", changed.clone())
        .i("password", pw("a much better passphrase"))
        .i("policy", relaxed.clone()),
    );
    f.add(
        v(
            "unlock_password",
            "After a password change the old password no longer opens the new keyring",
            &["SR-OP-5", "SR-OP-11"],
            err("unlock_failed"),
        )
        .f(&["RelaxedPolicy"])
        .i("keyring", changed)
        .i("password", pw(fx::PASSWORD))
        .i("policy", relaxed.clone()),
    );
    let id = f.next_id();
    f.add(
        v(
            "change_password",
            "Change the password of slot 1 of three: slots 0 and 2 stay byte for byte",
            &["SR-OP-5"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy", "MultiSlot"])
        .with(&three.setup())
        .i("index", 1)
        .i("new_password", pw("new phone passphrase"))
        .i("kdf", fx::pbkdf2(1000))
        // Argon2id to PBKDF2 is weaker (SR-KDF-8): the caller allows it for this change.
        .i("allow_weaker_kdf", true)
        .i("random", fx::rnd(&id, fx::PW_SLOT)),
    );
    f.add(
        v(
            "change_password",
            "Change the password of a recovery slot",
            &["SR-OP-5"],
            inval("wrong_slot_kind"),
        )
        .f(&["NoKdf"])
        .with(&three.setup())
        .i("index", 2)
        .i("new_password", pw("new"))
        .i("kdf", fx::fast_pbkdf2())
        .i("random", fx::no_rnd()),
    );
    f.add(
        v(
            "change_password",
            "Change the password of a slot that does not exist",
            &["SR-OP-5"],
            inval("no_such_slot"),
        )
        .f(&["NoKdf"])
        .with(&three.setup())
        .i("index", 3)
        .i("new_password", pw("new"))
        .i("kdf", fx::fast_pbkdf2())
        .i("random", fx::no_rnd()),
    );
    f.add(
        v(
            "change_password",
            "Change to an empty password",
            &["SR-OP-5", "SR-PWD-2"],
            inval("empty_password"),
        )
        .f(&["NoKdf"])
        .with(&one.setup())
        .i("index", 0)
        .i("new_password", pw(""))
        .i("kdf", fx::fast_pbkdf2())
        .i("random", fx::no_rnd()),
    );
    f.add(
        v(
            "change_password",
            "Change with a failing CSPRNG",
            &["SR-OP-5", "SR-KEY-13"],
            err("randomness_unavailable"),
        )
        .f(&["NoKdf"])
        .with(&one.setup())
        .i("index", 0)
        .i("new_password", pw("new"))
        .i("kdf", fx::fast_pbkdf2())
        .i("random", fx::no_rnd()),
    );

    // --- add and remove -------------------------------------------------------------------
    f.add(
        v(
            "add_password_slot",
            "Add a password slot with a 65-byte label",
            &["SR-OP-15", "SR-OP-6"],
            limit("label_too_long"),
        )
        .f(&["NoKdf"])
        .with(&one.setup())
        .i("label", label65.clone())
        .i("password", pw("x"))
        .i("kdf", fx::fast_pbkdf2())
        .i("random", fx::no_rnd()),
    );
    f.add(
        v(
            "add_recovery_slot",
            "Add a recovery slot with a 65-byte label",
            &["SR-OP-15"],
            limit("label_too_long"),
        )
        .with(&one.setup())
        .i("label", label65.clone())
        .i("random", fx::no_rnd()),
    );
    let id = f.next_id();
    f.add(
        v(
            "add_recovery_slot",
            "Add a recovery slot with a 64-byte label",
            &["SR-OP-15", "SR-OP-6"],
            Expect::Ok,
        )
        .with(&one.setup())
        .i("label", label64.clone())
        .i("random", fx::rnd(&id, fx::RECOVERY)),
    );
    f.add(
        v(
            "add_recovery_slot",
            "Add a recovery slot with a failing CSPRNG",
            &["SR-KEY-13"],
            err("randomness_unavailable"),
        )
        .with(&one.setup())
        .i("label", "recovery")
        .i("random", fx::no_rnd()),
    );
    let (_, out) = f.add(
        v(
            "remove_slot",
            "Remove slot 0 of three: the Argon2id and recovery slots keep their bytes and order",
            &["SR-OP-7", "SR-OP-12"],
            Expect::Ok,
        )
        .f(&["MultiSlot"])
        .with(&three.setup())
        .i("index", 0),
    );
    let removed = out["keyring"].as_str().unwrap_or_default().to_owned();
    f.add(
        v(
            "unlock_password",
            "The password of a removed slot no longer opens the new keyring",
            &["SR-OP-7", "SR-OP-11"],
            err("unlock_failed"),
        )
        .f(&["RelaxedPolicy"])
        .i("keyring", removed.clone())
        .i("password", pw(fx::PASSWORD))
        .i("policy", relaxed.clone()),
    );
    f.add(
        v(
            "unlock_password",
            "The remaining password slot still opens it",
            &["SR-OP-7"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .i("keyring", removed)
        .i("password", pw("phone passphrase"))
        .i("policy", relaxed.clone()),
    );
    f.add(
        v(
            "remove_slot",
            "Remove the only slot",
            &["SR-OP-7"],
            inval("last_slot"),
        )
        .with(&one.setup())
        .i("index", 0),
    );
    f.add(
        v(
            "remove_slot",
            "Remove a slot that does not exist",
            &["SR-OP-7"],
            inval("no_such_slot"),
        )
        .with(&three.setup())
        .i("index", 3),
    );
    f.add(
        v(
            "remove_slot",
            "Remove slot index 1 of a one-slot keyring: no_such_slot comes before last_slot",
            &["SR-OP-7"],
            inval("no_such_slot"),
        )
        .f(&["OrderOfChecks"])
        .with(&one.setup())
        .i("index", 1),
    );

    // --- generation -----------------------------------------------------------------------
    let max_gen = (1u64 << 53) - 1;
    let at_gen = |g: u64| -> Fx {
        let mut t = fx::tree(&one.bytes);
        t.set(4, C::U(g));
        Fx {
            bytes: fx::remac(&t.enc(), &one.dek),
            ..one.clone()
        }
    };
    let g_max = at_gen(max_gen);
    let g_near = at_gen(max_gen - 1);
    f.add(
        v(
            "unlock_password",
            "A keyring at generation 2^53 - 1 (nine-byte head) unlocks",
            &["SR-OBJ-5", "SR-OP-10", "SR-CBOR-2"],
            Expect::Ok,
        )
        .f(&["Remac", "RelaxedPolicy"])
        .i("keyring", g_max.hex())
        .i("password", pw(fx::PASSWORD))
        .i("policy", relaxed.clone()),
    );
    let id = f.next_id();
    f.add(
        v(
            "change_password",
            "Change the password at generation 2^53 - 2: the result has generation 2^53 - 1",
            &["SR-OP-12", "SR-OP-5"],
            Expect::Ok,
        )
        .f(&["Remac", "RelaxedPolicy"])
        .with(&g_near.setup())
        .i("index", 0)
        .i("new_password", pw("last change"))
        .i("kdf", fx::fast_pbkdf2())
        .i("random", fx::rnd(&id, fx::PW_SLOT)),
    );
    f.add(
        v(
            "change_password",
            "Change the password at generation 2^53 - 1",
            &["SR-OP-12"],
            limit("generation_exhausted"),
        )
        .f(&["Remac", "NoKdf"])
        .with(&g_max.setup())
        .i("index", 0)
        .i("new_password", pw("one change too many"))
        .i("kdf", fx::fast_pbkdf2())
        .i("random", fx::no_rnd()),
    );
    f.add(
        v(
            "add_password_slot",
            "Add a password slot at generation 2^53 - 1",
            &["SR-OP-12"],
            limit("generation_exhausted"),
        )
        .f(&["Remac", "NoKdf"])
        .with(&g_max.setup())
        .i("label", "x")
        .i("password", pw("x"))
        .i("kdf", fx::fast_pbkdf2())
        .i("random", fx::no_rnd()),
    );
    f.add(
        v(
            "add_recovery_slot",
            "Add a recovery slot at generation 2^53 - 1",
            &["SR-OP-12"],
            limit("generation_exhausted"),
        )
        .f(&["Remac"])
        .with(&g_max.setup())
        .i("label", "x")
        .i("random", fx::no_rnd()),
    );
    let g_max2 = {
        let mut t = fx::tree(&fx::two().bytes);
        t.set(4, C::U(max_gen));
        Fx {
            bytes: fx::remac(&t.enc(), &one.dek),
            ..fx::two().clone()
        }
    };
    f.add(
        v(
            "remove_slot",
            "Remove a slot at generation 2^53 - 1",
            &["SR-OP-12"],
            limit("generation_exhausted"),
        )
        .f(&["Remac"])
        .with(&g_max2.setup())
        .i("index", 1),
    );

    // --- cryptographic negatives: altered slot fields ---------------------------------------
    let slot0 = |t: &mut C| -> C { t.get(5).items()[0].clone() };
    let edit_slot = |base: &Fx, index: usize, edit: &dyn Fn(&mut C)| -> Vec<u8> {
        let mut t = fx::tree(&base.bytes);
        edit(&mut t.get(5).items()[index]);
        t.enc()
    };
    let flip_in = |b: &[u8], n: usize| -> Vec<u8> {
        let mut b = b.to_vec();
        b[n] ^= 0x01;
        b
    };
    #[allow(clippy::type_complexity)]
    let cases: Vec<(&str, Box<dyn Fn(&mut C)>)> = vec![
        (
            "the label changed (\"laptop\" to \"Laptop\")",
            Box::new(|s: &mut C| s.set(2, C::T(b"Laptop".to_vec()))),
        ),
        (
            "the PBKDF2 iteration count changed (10 to 11), still within policy",
            Box::new(|s: &mut C| s.set(3, C::A(vec![C::U(1), C::U(11)]))),
        ),
        (
            "the KDF changed from PBKDF2 to Argon2id",
            Box::new(|s: &mut C| s.set(3, C::A(vec![C::U(2), C::U(64), C::U(1), C::U(2)]))),
        ),
        (
            "one bit of the salt flipped",
            Box::new(move |s: &mut C| {
                if let C::B(b) = s.get(4) {
                    *b = flip_in(b, 5)
                }
            }),
        ),
        (
            "one bit of the nonce flipped",
            Box::new(move |s: &mut C| {
                if let C::B(b) = s.get(5) {
                    *b = flip_in(b, 3)
                }
            }),
        ),
        (
            "one bit of the wrapped DEK ciphertext flipped",
            Box::new(move |s: &mut C| {
                if let C::B(b) = s.get(6) {
                    *b = flip_in(b, 10)
                }
            }),
        ),
        (
            "one bit of the wrapped DEK tag flipped",
            Box::new(move |s: &mut C| {
                if let C::B(b) = s.get(6) {
                    *b = flip_in(b, 40)
                }
            }),
        ),
        (
            "one bit of the key commitment flipped",
            Box::new(move |s: &mut C| {
                if let C::B(b) = s.get(7) {
                    *b = flip_in(b, 31)
                }
            }),
        ),
    ];
    for (what, edit) in &cases {
        let bytes = edit_slot(one, 0, edit.as_ref());
        f.add(
            v(
                "unlock_password",
                format!("Slot field altered by the server: {what}"),
                &["SR-KEY-3", "SR-KEY-2", "SR-OP-2", "SR-ERR-2", "SR-KEY-12"],
                err("unlock_failed"),
            )
            .f(&["ServerEdit", "RelaxedPolicy"])
            .i("keyring", hex(&bytes))
            .i("password", pw(fx::PASSWORD))
            .i("policy", relaxed.clone()),
        );
        f.add(
            v("unlock_slot", format!("The same slot tried alone: {what}, with the MAC recomputed so that only the slot check can fail"), &["SR-KEY-3", "SR-OP-3", "SR-ERR-2"], err("unlock_failed"))
                .f(&["Remac", "RelaxedPolicy"])
                .i("keyring", hex(fx::remac(&bytes, &one.dek)))
                .i("index", 0)
                .i("password", pw(fx::PASSWORD))
                .i("policy", relaxed.clone()),
        );
    }
    // Recovery slot fields.
    let two = fx::two();
    for (what, key, off) in [
        ("nonce", 5u64, 0usize),
        ("wrapped DEK", 6, 47),
        ("commitment", 7, 0),
    ] {
        let bytes = edit_slot(two, 1, &|s: &mut C| {
            if let C::B(b) = s.get(key) {
                b[off] ^= 0x80;
            }
        });
        f.add(
            v(
                "unlock_recovery",
                format!("Recovery slot {what} altered"),
                &["SR-KEY-3", "SR-OP-4", "SR-ERR-2"],
                err("unlock_failed"),
            )
            .f(&["ServerEdit"])
            .i("keyring", hex(&bytes))
            .i("recovery_code", two.codes[0].clone())
            .i("policy", relaxed.clone()),
        );
    }
    let bytes = edit_slot(two, 1, &|s: &mut C| s.set(2, C::T(b"Recovery".to_vec())));
    f.add(
        v(
            "unlock_recovery",
            "Recovery slot label altered (it is in the slot AAD)",
            &["SR-KEY-3", "SR-OP-4"],
            err("unlock_failed"),
        )
        .f(&["ServerEdit"])
        .i("keyring", hex(&bytes))
        .i("recovery_code", two.codes[0].clone())
        .i("policy", relaxed.clone()),
    );
    // A password slot turned into a recovery slot (keys 3 and 4 removed).
    let bytes = edit_slot(one, 0, &|s: &mut C| {
        s.set(1, C::U(2));
        s.remove(3);
        s.remove(4);
    });
    f.add(
        v("unlock_password", "The server turned the only password slot into a recovery slot: no password slot is left to try", &["SR-OP-2", "SR-KEY-3"], err("unlock_failed"))
            .f(&["ServerEdit", "NoKdf"])
            .i("keyring", hex(&bytes))
            .i("password", pw(fx::PASSWORD))
            .i("policy", relaxed.clone()),
    );

    // --- moved slots ----------------------------------------------------------------------
    let other = fx::other();
    let moved = {
        let mut t = fx::tree(&one.bytes);
        let s = slot0(&mut fx::tree(&other.bytes));
        t.get(5).items()[0] = s;
        t.enc()
    };
    f.add(
        v("unlock_password", "A slot moved from another keyring with the same password replaces slot 0: the keyring id in its HKDF salt and AAD makes it fail", &["SR-KEY-2", "SR-KEY-3", "SR-OP-2"], err("unlock_failed"))
            .f(&["ServerEdit", "RelaxedPolicy"])
            .i("keyring", hex(&moved))
            .i("password", pw(fx::PASSWORD))
            .i("policy", relaxed.clone()),
    );
    f.add(
        v(
            "unlock_password",
            "The same moved slot with a recomputed MAC: the slot itself fails",
            &["SR-KEY-2", "SR-KEY-3"],
            err("unlock_failed"),
        )
        .f(&["Remac", "RelaxedPolicy"])
        .i("keyring", hex(fx::remac(&moved, &one.dek)))
        .i("password", pw(fx::PASSWORD))
        .i("policy", relaxed.clone()),
    );
    let appended = {
        let mut t = fx::tree(&one.bytes);
        let s = slot0(&mut fx::tree(&other.bytes));
        t.get(5).items().push(s);
        t.enc()
    };
    f.add(
        v(
            "unlock_slot",
            "A slot of another keyring appended as slot 1 and tried alone",
            &["SR-KEY-2", "SR-OP-3"],
            err("unlock_failed"),
        )
        .f(&["ServerEdit", "RelaxedPolicy"])
        .i("keyring", hex(&appended))
        .i("index", 1)
        .i("password", pw(fx::PASSWORD))
        .i("policy", relaxed.clone()),
    );
    f.add(
        v("unlock_password", "The same keyring unlocked with the password: slot 0 opens, then the MAC over the added slot fails", &["SR-KEY-6", "SR-OP-2"], err("keyring_tampered"))
            .f(&["ServerEdit", "RelaxedPolicy"])
            .i("keyring", hex(&appended))
            .i("password", pw(fx::PASSWORD))
            .i("policy", relaxed.clone()),
    );

    // --- keyring MAC ----------------------------------------------------------------------
    let n = one.bytes.len();
    f.add(
        v(
            "unlock_password",
            "Last bit of the keyring MAC flipped",
            &["SR-KEY-6", "SR-KEY-12", "SR-OP-2"],
            err("keyring_tampered"),
        )
        .f(&["ServerEdit", "RelaxedPolicy"])
        .i("keyring", hex(fx::flip(&one.bytes, n - 1, 0)))
        .i("password", pw(fx::PASSWORD))
        .i("policy", relaxed.clone()),
    );
    let mut t = fx::tree(&one.bytes);
    t.set(4, C::U(1));
    f.add(
        v(
            "unlock_password",
            "Generation raised from 0 to 1 by the server",
            &["SR-KEY-6", "SR-OP-10"],
            err("keyring_tampered"),
        )
        .f(&["ServerEdit", "RelaxedPolicy"])
        .i("keyring", hex(t.enc()))
        .i("password", pw(fx::PASSWORD))
        .i("policy", relaxed.clone()),
    );
    let mut t = fx::tree(&three.bytes);
    t.get(5).items().swap(0, 1);
    f.add(
        v(
            "unlock_password",
            "Slots 0 and 1 swapped by the server",
            &["SR-KEY-6"],
            err("keyring_tampered"),
        )
        .f(&["ServerEdit", "RelaxedPolicy", "MultiSlot"])
        .i("keyring", hex(t.enc()))
        .i("password", pw(fx::PASSWORD))
        .i("policy", relaxed.clone()),
    );
    let mut t = fx::tree(&three.bytes);
    t.get(5).items().remove(2);
    f.add(
        v(
            "unlock_password",
            "The recovery slot removed by the server",
            &["SR-KEY-6"],
            err("keyring_tampered"),
        )
        .f(&["ServerEdit", "RelaxedPolicy", "MultiSlot"])
        .i("keyring", hex(t.enc()))
        .i("password", pw(fx::PASSWORD))
        .i("policy", relaxed.clone()),
    );
    // A slot made by the server (its own DEK and password) appended to the user's keyring.
    let server = fx::same_id();
    let injected = {
        let mut t = fx::tree(&one.bytes);
        t.get(5)
            .items()
            .push(fx::tree(&server.bytes).get(5).items()[0].clone());
        t.enc()
    };
    f.add(
        v("unlock_slot", "A slot the server made with its own DEK for this keyring id, appended and opened with the server's password: the MAC (keyed by the user's DEK) fails", &["SR-KEY-6", "SR-OP-3"], err("keyring_tampered"))
            .f(&["ServerEdit", "RelaxedPolicy"])
            .i("keyring", hex(&injected))
            .i("index", 1)
            .i("password", pw(&server.password))
            .i("policy", relaxed.clone()),
    );
    f.add(
        v("unlock_password", "A keyring the server made with the user's keyring id, its own DEK and an unknown password: the user's password fails", &["SR-OP-2", "SR-SEC-1"], err("unlock_failed"))
            .f(&["RelaxedPolicy"])
            .i("keyring", server.hex())
            .i("password", pw(fx::PASSWORD))
            .i("policy", relaxed.clone()),
    );
    order_of_steps(&mut f, one, &eight, &g_max, &g_max2);
    dynamic_index(&mut f, one, three);
    exact_labels(&mut f);
    commitments(&mut f, one);
    f
}

/// A label of 65 bytes, one over SR-OP-15's limit.
fn long_label() -> String {
    "x".repeat(65)
}

/// `one` with its last byte cut off: malformed (truncated) whatever else is wrong.
fn malformed_keyring(one: &Fx) -> String {
    hex(&one.bytes[..one.bytes.len() - 1])
}

/// A recovery code whose symbols are valid but whose check does not match.
fn bad_check_code() -> String {
    let mut code = fx::two().codes[0].clone();
    let last = if code.ends_with('0') { "1" } else { "0" };
    code.replace_range(code.len() - 1.., last);
    code
}

/// Two and three faults for every operation on keyrings: the step that fails first decides
/// (SR-OP-17 and the numbered steps of SPEC.md 11.2 to 11.9).
fn order_of_steps(f: &mut File, one: &Fx, eight: &Fx, g_max: &Fx, g_max2: &Fx) {
    let relaxed = fx::relaxed();
    let d = fx::default_policy();
    let floor10 = fx::policy(
        "pbkdf2-floor-10",
        [10, 2_000_000],
        [8, 262_144],
        [1, 8],
        [1, 8],
    );
    let with_policy = |fx: &Fx, policy: &serde_json::Value| {
        let mut s = fx.setup();
        s.insert("policy".into(), policy.clone());
        s
    };
    let mf = &["MultiFault", "NoKdf"];

    // create (11.2): Normalize, CheckLabel, CheckNewKdf, then the draws.
    let create = |f: &mut File,
                  desc: &str,
                  spec: &[&'static str],
                  exp: Expect,
                  password: &str,
                  label: &str,
                  kdf: serde_json::Value,
                  policy: &serde_json::Value| {
        f.add(
            v("create", desc, spec, exp)
                .f(mf)
                .i("password", pw(password))
                .i("kdf", kdf)
                .i("label", label)
                .i("policy", policy.clone())
                .i("random", fx::no_rnd()),
        );
    };
    create(
        f,
        "Create with an empty password and a 65-byte label: the password is step 1",
        &["SR-OP-17", "SR-OP-1", "SR-PWD-2", "SR-OP-15"],
        inval("empty_password"),
        "",
        &long_label(),
        fx::fast_pbkdf2(),
        &relaxed,
    );
    create(
        f,
        "Create with a 65-byte label and PBKDF2 at 10 iterations under the default policy: the label (step 2) before the KDF (step 3)",
        &["SR-OP-1", "SR-OP-15", "SR-POL-3"],
        limit("label_too_long"),
        "x",
        &long_label(),
        fx::pbkdf2(10),
        &d,
    );
    create(
        f,
        "Create with an empty password, a 65-byte label and an out-of-policy KDF: the password first",
        &["SR-OP-17", "SR-OP-1", "SR-PWD-2"],
        inval("empty_password"),
        "",
        &long_label(),
        fx::pbkdf2(10),
        &d,
    );
    create(
        f,
        "Create with a 65-byte label and KDF id 9: the label before the KDF descriptor",
        &["SR-OP-1", "SR-OP-15"],
        limit("label_too_long"),
        "x",
        &long_label(),
        serde_json::json!({"id": 9, "iterations": 10}),
        &relaxed,
    );
    create(
        f,
        "Create with a password holding U+0378 and a 65-byte label: SR-PWD-4 in step 1",
        &["SR-OP-17", "SR-PWD-4", "SR-OP-1"],
        inval("unassigned_code_point"),
        "\u{378}",
        &long_label(),
        fx::fast_pbkdf2(),
        &relaxed,
    );

    // unlock_password (11.3): Normalize, decode, policy, slots.
    let unlock = |f: &mut File,
                  desc: &str,
                  spec: &[&'static str],
                  exp: Expect,
                  keyring: String,
                  password: &str,
                  policy: &serde_json::Value| {
        f.add(
            v("unlock_password", desc, spec, exp)
                .f(mf)
                .i("keyring", keyring)
                .i("password", pw(password))
                .i("policy", policy.clone()),
        );
    };
    unlock(
        f,
        "Unlock a truncated keyring with an empty password: the password is prepared before the keyring is decoded",
        &["SR-OP-17", "SR-OP-2", "SR-PWD-2"],
        inval("empty_password"),
        malformed_keyring(one),
        "",
        &relaxed,
    );
    unlock(
        f,
        "Unlock a truncated keyring with a password holding U+1FAE8: unassigned_code_point",
        &["SR-OP-17", "SR-OP-2", "SR-PWD-4"],
        inval("unassigned_code_point"),
        malformed_keyring(one),
        "\u{1FAE8}",
        &relaxed,
    );
    unlock(
        f,
        "Unlock with a 1,025-byte password a keyring whose slot is below the default policy: the password before the policy",
        &["SR-OP-17", "SR-OP-2", "SR-PWD-2", "SR-POL-2"],
        limit("password_too_long"),
        hex(&one.bytes),
        &"a".repeat(1025),
        &d,
    );
    unlock(
        f,
        "Unlock a truncated keyring with an empty password under a policy its slot would violate: the password first",
        &["SR-OP-17", "SR-OP-2"],
        inval("empty_password"),
        malformed_keyring(one),
        "",
        &d,
    );

    // unlock_slot (11.4): the credential, decode, index, kind, policy.
    let slot = |f: &mut File,
                desc: &str,
                spec: &[&'static str],
                exp: Expect,
                keyring: String,
                index: serde_json::Value,
                cred: (&str, serde_json::Value),
                policy: &serde_json::Value| {
        let mut flags = mf.to_vec();
        if !index.is_u64() {
            flags.push("DynamicTyping");
        }
        f.add(
            v("unlock_slot", desc, spec, exp)
                .f(&flags)
                .i("keyring", keyring)
                .i("index", index)
                .i(cred.0, cred.1)
                .i("policy", policy.clone()),
        );
    };
    slot(
        f,
        "unlock_slot with a recovery code of 55 symbols on a truncated keyring: the code is parsed first",
        &["SR-OP-17", "SR-OP-3", "SR-REC-1"],
        inval("recovery_code_format"),
        malformed_keyring(one),
        1.into(),
        ("recovery_code", fx::two().codes[0][1..].into()),
        &relaxed,
    );
    slot(
        f,
        "unlock_slot with an empty password and index 5 of a one-slot keyring: the password before the index",
        &["SR-OP-17", "SR-OP-3"],
        inval("empty_password"),
        hex(&one.bytes),
        5.into(),
        ("password", pw("")),
        &relaxed,
    );
    slot(
        f,
        "unlock_slot with a valid password, a truncated keyring and index 9: decoding (step 2) before the index (step 3)",
        &["SR-OP-3", "SR-OP-17"],
        mal("truncated"),
        malformed_keyring(one),
        9.into(),
        ("password", pw(fx::PASSWORD)),
        &relaxed,
    );
    slot(
        f,
        "unlock_slot on index 1 of a one-slot keyring whose slot is below the default policy: the index before the policy",
        &["SR-OP-3", "SR-POL-2"],
        inval("no_such_slot"),
        hex(&one.bytes),
        1.into(),
        ("password", pw(fx::PASSWORD)),
        &d,
    );
    slot(
        f,
        "unlock_slot with a recovery code whose check fails and index 7 of a two-slot keyring: the code before the index",
        &["SR-OP-17", "SR-OP-3", "SR-REC-1"],
        inval("recovery_code_check"),
        fx::two().hex().as_str().unwrap_or_default().to_owned(),
        7.into(),
        ("recovery_code", bad_check_code().into()),
        &relaxed,
    );
    slot(
        f,
        "unlock_slot with a recovery code on the password slot 0, which is below the default policy: the kind (step 4) before the policy (step 5)",
        &["SR-OP-3", "SR-POL-2"],
        inval("wrong_slot_kind"),
        fx::two().hex().as_str().unwrap_or_default().to_owned(),
        0.into(),
        ("recovery_code", fx::two().codes[0].clone().into()),
        &d,
    );
    slot(
        f,
        "unlock_slot with an empty password, a truncated keyring and index true: three faults, the password first",
        &["SR-OP-17", "SR-OP-3"],
        inval("empty_password"),
        malformed_keyring(one),
        true.into(),
        ("password", pw("")),
        &relaxed,
    );

    // unlock_recovery (11.5): ParseRecoveryCode, decode, slots.
    let rec = |f: &mut File, desc: &str, exp: Expect, keyring: String, code: String| {
        f.add(
            v(
                "unlock_recovery",
                desc,
                &["SR-OP-17", "SR-OP-4", "SR-REC-1"],
                exp,
            )
            .f(mf)
            .i("keyring", keyring)
            .i("recovery_code", code)
            .i("policy", relaxed.clone()),
        );
    };
    rec(
        f,
        "unlock_recovery with a code holding U (outside the alphabet) on a truncated keyring: the code is parsed first",
        inval("recovery_code_format"),
        malformed_keyring(one),
        format!("U{}", &fx::two().codes[0][1..]),
    );
    rec(
        f,
        "unlock_recovery with a code whose check fails on a truncated keyring: recovery_code_check",
        inval("recovery_code_check"),
        malformed_keyring(one),
        bad_check_code(),
    );
    rec(
        f,
        "unlock_recovery with a code of 55 symbols on a keyring with no recovery slot: the code before the slots",
        inval("recovery_code_format"),
        hex(&one.bytes),
        fx::two().codes[0][1..].to_owned(),
    );

    // change_password (11.6): Normalize, index, kind, CheckNewKdf, generation.
    let change = |f: &mut File,
                  desc: &str,
                  spec: &[&'static str],
                  exp: Expect,
                  setup: serde_json::Map<String, serde_json::Value>,
                  index: serde_json::Value,
                  password: &str,
                  kdf: serde_json::Value| {
        let mut flags = mf.to_vec();
        if !index.is_u64() || kdf.get("name").is_none() {
            flags.push("DynamicTyping");
        }
        f.add(
            v("change_password", desc, spec, exp)
                .f(&flags)
                .with(&setup)
                .i("index", index)
                .i("new_password", pw(password))
                .i("kdf", kdf)
                .i("random", fx::no_rnd()),
        );
    };
    change(
        f,
        "Change password with an empty new password and index 5: the new password first",
        &["SR-OP-17", "SR-OP-5", "SR-PWD-2"],
        inval("empty_password"),
        one.setup(),
        5.into(),
        "",
        fx::fast_pbkdf2(),
    );
    change(
        f,
        "Change the password of the recovery slot 1 to PBKDF2 at 5 iterations under a floor of 10: the kind (step 3) before the KDF (step 4)",
        &["SR-OP-5", "SR-POL-3"],
        inval("wrong_slot_kind"),
        with_policy(fx::two(), &floor10),
        1.into(),
        "x",
        fx::pbkdf2(5),
    );
    change(
        f,
        "Change password at generation 2^53 - 1 to PBKDF2 at 5 iterations under a floor of 10: the KDF (step 4) before the generation (step 5)",
        &["SR-OP-5", "SR-POL-3", "SR-OP-12"],
        err("out_of_policy"),
        with_policy(g_max, &floor10),
        0.into(),
        "x",
        fx::pbkdf2(5),
    );
    change(
        f,
        "Change password on index 3 of a two-slot keyring with an out-of-policy KDF: the index first",
        &["SR-OP-5", "SR-POL-3"],
        inval("no_such_slot"),
        with_policy(fx::two(), &floor10),
        3.into(),
        "x",
        fx::pbkdf2(5),
    );
    change(
        f,
        "Change password with an empty new password, index 5 and a null KDF: three faults, the password first",
        &["SR-OP-17", "SR-OP-5"],
        inval("empty_password"),
        one.setup(),
        5.into(),
        "",
        serde_json::Value::Null,
    );
    change(
        f,
        "Change password at generation 2^53 - 1 with the KDF id given as the string \"1\": the descriptor (step 4) before the generation",
        &["SR-OP-5", "SR-OP-12"],
        err("unsupported_algorithm"),
        g_max.setup(),
        0.into(),
        "x",
        serde_json::json!({"id": "1", "iterations": 10}),
    );
    change(
        f,
        "Change password with a new password holding U+FFFE, index 5 and an out-of-policy KDF: SR-PWD-4 first",
        &["SR-OP-17", "SR-OP-5", "SR-PWD-4"],
        inval("unassigned_code_point"),
        with_policy(one, &floor10),
        5.into(),
        "\u{FFFE}",
        fx::pbkdf2(5),
    );

    // add_password_slot (11.7): Normalize, slot count, CheckLabel, CheckNewKdf, generation.
    let add = |f: &mut File,
               desc: &str,
               spec: &[&'static str],
               exp: Expect,
               setup: serde_json::Map<String, serde_json::Value>,
               label: &str,
               password: &str,
               kdf: serde_json::Value| {
        let mut flags = mf.to_vec();
        if kdf.get("name").is_none() {
            flags.push("DynamicTyping");
        }
        f.add(
            v("add_password_slot", desc, spec, exp)
                .f(&flags)
                .with(&setup)
                .i("label", label)
                .i("password", pw(password))
                .i("kdf", kdf)
                .i("random", fx::no_rnd()),
        );
    };
    add(
        f,
        "Add a password slot to a keyring with 8 slots with an empty password: the password before the slot count",
        &["SR-OP-17", "SR-OP-6", "SR-PWD-2"],
        inval("empty_password"),
        eight.setup(),
        "nine",
        "",
        fx::fast_pbkdf2(),
    );
    add(
        f,
        "Add a password slot to a keyring with 8 slots with a 65-byte label: the slot count (step 2) before the label (step 3)",
        &["SR-OP-6", "SR-OP-15"],
        limit("too_many_slots"),
        eight.setup(),
        &long_label(),
        "nine",
        fx::fast_pbkdf2(),
    );
    add(
        f,
        "Add a password slot with a 65-byte label and PBKDF2 at 5 iterations under a floor of 10: the label before the KDF",
        &["SR-OP-6", "SR-OP-15", "SR-POL-3"],
        limit("label_too_long"),
        with_policy(one, &floor10),
        &long_label(),
        "x",
        fx::pbkdf2(5),
    );
    add(
        f,
        "Add a password slot to a keyring with 8 slots with an empty password and a 65-byte label: three faults, the password first",
        &["SR-OP-17", "SR-OP-6"],
        inval("empty_password"),
        eight.setup(),
        &long_label(),
        "",
        fx::fast_pbkdf2(),
    );
    add(
        f,
        "Add a password slot at generation 2^53 - 1 with PBKDF2 at 5 iterations under a floor of 10: the KDF before the generation",
        &["SR-OP-6", "SR-POL-3", "SR-OP-12"],
        err("out_of_policy"),
        with_policy(g_max, &floor10),
        "x",
        "x",
        fx::pbkdf2(5),
    );
    add(
        f,
        "Add a password slot to a keyring with 8 slots with an Argon2id descriptor lacking two parameters: the slot count before the descriptor",
        &["SR-OP-6"],
        limit("too_many_slots"),
        eight.setup(),
        "nine",
        "nine",
        serde_json::json!({"id": 2, "memory_kib": 64}),
    );

    // add_recovery_slot (11.8): slot count, CheckLabel, generation.
    f.add(
        v("add_recovery_slot", "Add a recovery slot to a keyring with 8 slots with a 65-byte label: the slot count (step 1) before the label (step 2)", &["SR-OP-6", "SR-OP-15"], limit("too_many_slots"))
            .f(mf)
            .with(&eight.setup())
            .i("label", long_label())
            .i("random", fx::no_rnd()),
    );
    f.add(
        v("add_recovery_slot", "Add a recovery slot at generation 2^53 - 1 with a 65-byte label: the label before the generation", &["SR-OP-6", "SR-OP-15", "SR-OP-12"], limit("label_too_long"))
            .f(mf)
            .with(&g_max.setup())
            .i("label", long_label())
            .i("random", fx::no_rnd()),
    );

    // remove_slot (11.9): index, last slot, generation.
    let remove = |f: &mut File,
                  desc: &str,
                  exp: Expect,
                  setup: serde_json::Map<String, serde_json::Value>,
                  index: u64| {
        f.add(
            v("remove_slot", desc, &["SR-OP-7", "SR-OP-12"], exp)
                .f(mf)
                .with(&setup)
                .i("index", index),
        );
    };
    remove(
        f,
        "Remove the only slot of a keyring at generation 2^53 - 1: last_slot (step 2) before the generation (step 3)",
        inval("last_slot"),
        g_max.setup(),
        0,
    );
    remove(
        f,
        "Remove slot 2 of a two-slot keyring at generation 2^53 - 1: the index first",
        inval("no_such_slot"),
        g_max2.setup(),
        2,
    );
    remove(
        f,
        "Remove slot 1 of a one-slot keyring at generation 2^53 - 1: three faults, the index first",
        inval("no_such_slot"),
        g_max.setup(),
        1,
    );
}

/// Slot indexes that only a dynamically typed API can be given (SPEC.md section 11's
/// preamble): anything but an integer in range is no_such_slot, and 1.0 is 1.
fn dynamic_index(f: &mut File, one: &Fx, three: &Fx) {
    let relaxed = fx::relaxed();
    let two = fx::two();
    let dt = &["DynamicTyping", "NoKdf"];
    let code = || {
        (
            "recovery_code",
            serde_json::Value::from(two.codes[0].clone()),
        )
    };
    let password = || ("password", pw(fx::PASSWORD));
    let slot = |f: &mut File,
                desc: &str,
                exp: Expect,
                k: &Fx,
                index: serde_json::Value,
                cred: (&str, serde_json::Value),
                flags: &[&'static str]| {
        f.add(
            v("unlock_slot", desc, &["SR-OP-3"], exp)
                .f(flags)
                .i("keyring", k.hex())
                .i("index", index)
                .i(cred.0, cred.1)
                .i("policy", relaxed.clone()),
        );
    };
    slot(
        f,
        "unlock_slot with index true: not an integer (true is not 1)",
        inval("no_such_slot"),
        two,
        true.into(),
        code(),
        dt,
    );
    slot(
        f,
        "unlock_slot with index -1 and the recovery code of slot 1: a negative index is no_such_slot, never counted from the end",
        inval("no_such_slot"),
        two,
        (-1).into(),
        code(),
        dt,
    );
    slot(
        f,
        "unlock_slot with index 0.5",
        inval("no_such_slot"),
        one,
        0.5.into(),
        password(),
        dt,
    );
    slot(
        f,
        "unlock_slot with index \"0\" (a string)",
        inval("no_such_slot"),
        one,
        "0".into(),
        password(),
        dt,
    );
    slot(
        f,
        "unlock_slot with index null",
        inval("no_such_slot"),
        one,
        serde_json::Value::Null,
        password(),
        dt,
    );
    slot(
        f,
        "unlock_slot with index 4294967296 (2^32): out of range, not truncated to 0",
        inval("no_such_slot"),
        one,
        (1u64 << 32).into(),
        password(),
        dt,
    );
    slot(
        f,
        "unlock_slot with index 1.0, the integer 1: slot 1 (Argon2id) opens with its password",
        Expect::Ok,
        three,
        1.0.into(),
        ("password", pw("phone passphrase")),
        &["DynamicTyping", "RelaxedPolicy"],
    );
    f.add(
        v(
            "change_password",
            "change_password with index true",
            &["SR-OP-5"],
            inval("no_such_slot"),
        )
        .f(dt)
        .with(&one.setup())
        .i("index", true)
        .i("new_password", pw("x"))
        .i("kdf", fx::fast_pbkdf2())
        .i("random", fx::no_rnd()),
    );
    let id = f.next_id();
    f.add(
        v(
            "change_password",
            "change_password with index 0.0, the integer 0",
            &["SR-OP-5"],
            Expect::Ok,
        )
        .f(&["DynamicTyping", "RelaxedPolicy"])
        .with(&one.setup())
        .i("index", 0.0)
        .i("new_password", pw("index zero point zero"))
        .i("kdf", fx::fast_pbkdf2())
        .i("random", fx::rnd(&id, fx::PW_SLOT)),
    );
    let remove = |f: &mut File,
                  desc: &str,
                  exp: Expect,
                  index: serde_json::Value,
                  flags: &[&'static str]| {
        f.add(
            v("remove_slot", desc, &["SR-OP-7"], exp)
                .f(flags)
                .with(&two.setup())
                .i("index", index),
        );
    };
    remove(
        f,
        "remove_slot with index -1 on a two-slot keyring: no_such_slot, not the last slot",
        inval("no_such_slot"),
        (-1).into(),
        dt,
    );
    remove(
        f,
        "remove_slot with index \"1\" (a string)",
        inval("no_such_slot"),
        "1".into(),
        dt,
    );
    remove(
        f,
        "remove_slot with index 1.0, the integer 1: the recovery slot is removed",
        Expect::Ok,
        1.0.into(),
        &["DynamicTyping", "RelaxedPolicy"],
    );
}

/// Labels whose exact bytes matter: not in NFC, or with a leading U+FEFF.
fn exact_labels(f: &mut File) {
    let relaxed = fx::relaxed();
    for (label, what) in [
        (
            "Cafe\u{301}",
            "the NFD label Cafe + U+0301 (43 61 66 65 cc 81)",
        ),
        ("\u{feff}laptop", "a label starting with U+FEFF (ef bb bf)"),
    ] {
        let id = f.next_id();
        let (_, out) = f.add(
            v(
                "create",
                format!("Create with {what}: stored as given, not normalized or stripped"),
                &["SR-OP-1", "SR-OP-15", "SR-KEY-3"],
                Expect::Ok,
            )
            .f(&["ExactLabel", "RelaxedPolicy"])
            .i("password", pw(fx::PASSWORD))
            .i("kdf", fx::fast_pbkdf2())
            .i("label", label)
            .i("policy", relaxed.clone())
            .i("random", fx::rnd(&id, fx::CREATE)),
        );
        let keyring = out["keyring"].clone();
        f.add(
            v("decode_keyring", format!("Decode the keyring with {what}: the label decodes to the same string and re-encodes to the same bytes"), &["SR-CBOR-9", "SR-OBJ-5"], Expect::Ok)
                .f(&["ExactLabel"])
                .i("keyring", keyring.clone()),
        );
        f.add(
            v("unlock_password", format!("Unlock the keyring with {what}: the slot AAD and the keyring MAC are over the received bytes"), &["SR-KEY-11", "SR-KEY-3", "SR-KEY-6", "SR-OP-2"], Expect::Ok)
                .f(&["ExactLabel", "RelaxedPolicy"])
                .i("keyring", keyring.clone())
                .i("password", pw(fx::PASSWORD))
                .i("policy", relaxed.clone()),
        );
        let mut setup = fx::Fx {
            bytes: hex::decode(keyring.as_str().unwrap_or_default()).unwrap_or_default(),
            ..fx::one().clone()
        }
        .setup();
        setup.insert("policy".into(), relaxed.clone());
        let id = f.next_id();
        f.add(
            v("change_password", format!("Change the password of the slot with {what}: the new slot keeps the label's exact bytes"), &["SR-OP-5", "SR-KEY-11"], Expect::Ok)
                .f(&["ExactLabel", "RelaxedPolicy"])
                .with(&setup)
                .i("index", 0)
                .i("new_password", pw("a new password"))
                .i("kdf", fx::fast_pbkdf2())
                .i("random", fx::rnd(&id, fx::PW_SLOT)),
        );
    }
    let id = f.next_id();
    f.add(
        v(
            "add_password_slot",
            "Add a password slot labelled with the NFD string e + U+0301: stored as given",
            &["SR-OP-6", "SR-OP-15"],
            Expect::Ok,
        )
        .f(&["ExactLabel", "RelaxedPolicy"])
        .with(&fx::one().setup())
        .i("label", "e\u{301}")
        .i("password", pw("x"))
        .i("kdf", fx::fast_pbkdf2())
        .i("random", fx::rnd(&id, fx::PW_SLOT)),
    );
}

/// Key commitments that only the commitment check catches.
fn commitments(f: &mut File, one: &Fx) {
    use strongroom::{Keyring, Password, SlotKind, hazmat};
    let relaxed = fx::relaxed();
    // The commitment of slot 0 replaced, the MAC recomputed with the DEK: the AES-GCM tag
    // still verifies (the commitment is not in the slot AAD), so only the commitment fails.
    let mut t = fx::tree(&one.bytes);
    let mut commitment = match t.get(5).items()[0].get(7) {
        C::B(b) => b.clone(),
        other => panic!("slot commitment {other:?}"),
    };
    commitment[0] ^= 0x80;
    t.get(5).items()[0].set(7, C::B(commitment));
    let replaced = fx::remac(&t.enc(), &one.dek);
    f.add(
        v("unlock_password", "Slot 0's key commitment changed and the MAC recomputed with the DEK: AES-GCM alone would open the slot, the commitment check refuses it", &["SR-OP-2", "SR-KEY-2", "SR-ERR-2"], err("unlock_failed"))
            .f(&["Remac", "RelaxedPolicy"])
            .i("keyring", hex(&replaced))
            .i("password", pw(fx::PASSWORD))
            .i("policy", relaxed.clone()),
    );

    // The partitioning-oracle shape: slot 0's wrapped DEK authenticates under the wrap keys of
    // two passwords; the commitment is the first password's.
    let other_password = "a password the server guessed";
    let keyring = Keyring::from_bytes(&one.bytes).expect("fixture decodes");
    let (kdf, salt) = match keyring.slots()[0].kind() {
        SlotKind::Password { kdf, salt } => (*kdf, *salt),
        _ => panic!("slot 0 is a password slot"),
    };
    let secrets = |password: &str| {
        let kek =
            hazmat::kek(&kdf, &Password::new(password).expect("password"), &salt).expect("KDF");
        hazmat::slot_secrets(&keyring, 0, &kek).expect("slot 0")
    };
    let (a, b) = (secrets(fx::PASSWORD), secrets(other_password));
    let nonce = *keyring.slots()[0]
        .nonce()
        .expect("a password slot has a nonce");
    let wrapped = crate::gcm::collide(
        &a.wrap_key,
        &b.wrap_key,
        &nonce,
        &a.aad,
        32,
        &fx::shake("keyring/partitioning/filler", 16),
    );
    let dek = crate::gcm::decrypt(&a.wrap_key, &nonce, &a.aad, &wrapped).expect("opens under A");
    let mut t = fx::tree(&one.bytes);
    t.get(5).items()[0].set(6, C::B(wrapped));
    // The keyring MAC under the DEK that password A unwraps, so that A opens the keyring.
    let colliding = fx::remac(&t.enc(), &dek);
    f.add(
        v("unlock_password", "A slot whose wrapped DEK authenticates under the wrap keys of two passwords, with the first password's commitment: the first password opens it (the DEK it unwraps keys the MAC)", &["SR-OP-2", "SR-KEY-2", "SR-KEY-4"], Expect::Ok)
            .f(&["PartitioningOracle", "Remac", "RelaxedPolicy"])
            .i("keyring", hex(&colliding))
            .i("password", pw(fx::PASSWORD))
            .i("policy", relaxed.clone()),
    );
    f.add(
        v("unlock_password", "The same slot with the second password: its AES-GCM tag verifies, the commitment does not (a port without the commitment check unwraps another DEK and reports keyring_tampered)", &["SR-OP-2", "SR-KEY-2", "SR-ERR-2"], err("unlock_failed"))
            .f(&["PartitioningOracle", "Remac", "RelaxedPolicy"])
            .i("keyring", hex(&colliding))
            .i("password", pw(other_password))
            .i("policy", relaxed.clone()),
    );
    f.add(
        v(
            "unlock_slot",
            "The same slot tried alone with the second password",
            &["SR-OP-3", "SR-KEY-2", "SR-ERR-2"],
            err("unlock_failed"),
        )
        .f(&["PartitioningOracle", "Remac", "RelaxedPolicy"])
        .i("keyring", hex(&colliding))
        .i("index", 0)
        .i("password", pw(other_password))
        .i("policy", relaxed),
    );
}
