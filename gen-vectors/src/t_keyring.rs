//! keyring.json: creating, unlocking and changing keyrings, and their cryptographic negatives.

use crate::cbor::C;
use crate::exec::hex;
use crate::fx::{self, Fx, pw};
use crate::{Expect, File, err, inval, limit, v};

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
    f
}
