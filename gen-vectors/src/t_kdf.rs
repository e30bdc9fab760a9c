//! kdf.json: both KDFs at several parameter sets (a few at the real defaults) and the hard
//! limits of SR-KDF-3 at decode and at write time.

use crate::cbor::C;
use crate::exec::hex;
use crate::fx::{self, pw};
use crate::{Expect, File, err, mal, v};

pub fn file() -> File {
    let mut f = File::new(
        "kdf",
        "Password KDFs (SPEC.md section 8): PBKDF2-HMAC-SHA256 and Argon2id at several \
         parameter sets including the real defaults, and the hard limits, which reject absurd \
         parameters at decode time before any KDF runs and bound what a writer may use, \
         and KDF descriptors as a dynamically typed API receives them.",
        &[(
            "DynamicTyping",
            "The kdf input is a value that a statically typed API cannot be given (not an object, an id that is a string, a fraction or a boolean, a name that contradicts the id, a parameter missing, extra or not an integer, an integral number written 1000.0, or an id with no parameters); SPEC.md section 11's preamble gives the outcome at CheckNewKdf's step: unsupported_algorithm, kdf_params_out_of_bounds, or SR-KDF-5's defaults for an id alone. A port passes the value to its API as it is.",
        )],
    );
    let relaxed = fx::relaxed();
    let pos = |f: &mut File,
               desc: String,
               spec: &[&'static str],
               kdf: serde_json::Value,
               password: &str,
               policy: serde_json::Value,
               flags: &[&'static str]| {
        let id = f.next_id();
        let (_, out) = f.add(
            v("create", desc.clone(), spec, Expect::Ok)
                .f(flags)
                .i("password", pw(password))
                .i("kdf", kdf)
                .i("label", "kdf")
                .i("policy", policy.clone())
                .i("random", fx::rnd(&id, fx::CREATE)),
        );
        f.add(
            v(
                "unlock_password",
                format!("Unlock the keyring of {id}"),
                spec,
                Expect::Ok,
            )
            .f(flags)
            .i("keyring", out["keyring"].clone())
            .i("password", pw(password))
            .i("policy", policy),
        );
    };
    // Real defaults: a handful only, to keep test suites fast.
    pos(&mut f, "Create with the default KDF for new slots: PBKDF2, 600,000 iterations, under the default policy".into(), &["SR-KDF-1", "SR-KDF-5", "SR-POL-6", "SR-OP-1"], fx::pbkdf2(600_000), "default pbkdf2 password", fx::default_policy(), &["DefaultParams"]);
    pos(
        &mut f,
        "Create with the default Argon2id parameters: 64 MiB, t=3, p=4, under the default policy"
            .into(),
        &["SR-KDF-2", "SR-KDF-5", "SR-POL-6", "SR-OP-1"],
        fx::argon(65_536, 3, 4),
        "default argon2id password",
        fx::default_policy(),
        &["DefaultParams"],
    );
    // Small parameters under the relaxed policy.
    for it in [1u32, 2, 1000, 4096] {
        pos(
            &mut f,
            format!("Create with PBKDF2 at {it} iterations"),
            &["SR-KDF-1", "SR-KDF-3"],
            fx::pbkdf2(it),
            "pbkdf2 password",
            relaxed.clone(),
            &["RelaxedPolicy"],
        );
    }
    for (m, t, p, note) in [
        (8u32, 1u32, 1u32, " (the smallest allowed)"),
        (16, 1, 2, " (memory exactly 8 x parallelism)"),
        (64, 2, 4, ""),
        (1024, 3, 1, ""),
        (
            128,
            1,
            16,
            " (parallelism 16 with the smallest memory for it)",
        ),
        (256, 8, 8, ""),
    ] {
        let policy = if p > 8 {
            fx::policy("relaxed-p16", [1, 2_000_000], [8, 262_144], [1, 8], [1, 16])
        } else {
            relaxed.clone()
        };
        pos(
            &mut f,
            format!("Create with Argon2id m={m} KiB, t={t}, p={p}{note}"),
            &["SR-KDF-2", "SR-KDF-3"],
            fx::argon(m, t, p),
            "argon2id password",
            policy,
            &["RelaxedPolicy"],
        );
    }
    pos(
        &mut f,
        "Create with Argon2id under a policy whose bounds are all at the hard limits".into(),
        &["SR-KDF-2", "SR-POL-5"],
        fx::argon(8, 16, 1),
        "argon2id password",
        fx::policy(
            "hard-limits",
            [1, 10_000_000],
            [8, 1_048_576],
            [1, 16],
            [1, 16],
        ),
        &["RelaxedPolicy"],
    );

    // Hard limits at decode time: absurd and just-out-of-range parameters.
    let k = fx::one().bytes.clone();
    let with_kdf = |items: Vec<C>| -> Vec<u8> {
        let mut t = fx::tree(&k);
        t.get(5).items()[0].set(3, C::A(items));
        t.enc()
    };
    let kd = &["SR-KDF-3", "SR-CBOR-11"];
    let cases: Vec<(Vec<C>, String)> = vec![
        (
            vec![C::U(1), C::U(0)],
            "PBKDF2 iterations 0 (Appendix B)".into(),
        ),
        (
            vec![C::U(1), C::U(10_000_001)],
            "PBKDF2 iterations 10,000,001, one above the hard maximum".into(),
        ),
        (
            vec![C::U(1), C::U(1 << 32)],
            "PBKDF2 iterations 2^32 (Appendix B)".into(),
        ),
        (
            vec![C::U(1), C::U(u64::MAX)],
            "PBKDF2 iterations 2^64 - 1".into(),
        ),
        (
            vec![C::U(2), C::U(7), C::U(1), C::U(1)],
            "Argon2id memory 7 KiB with parallelism 1 (below 8 x p)".into(),
        ),
        (
            vec![C::U(2), C::U(127), C::U(1), C::U(16)],
            "Argon2id memory 127 KiB with parallelism 16 (below 8 x p = 128)".into(),
        ),
        (
            vec![C::U(2), C::U(1_048_577), C::U(1), C::U(1)],
            "Argon2id memory 1,048,577 KiB, one above 1 GiB".into(),
        ),
        (
            vec![C::U(2), C::U(1 << 40), C::U(1), C::U(1)],
            "Argon2id memory 2^40 KiB (an exabyte)".into(),
        ),
        (
            vec![C::U(2), C::U(64), C::U(0), C::U(1)],
            "Argon2id time cost 0".into(),
        ),
        (
            vec![C::U(2), C::U(64), C::U(17), C::U(1)],
            "Argon2id time cost 17".into(),
        ),
        (
            vec![C::U(2), C::U(64), C::U(1 << 32), C::U(1)],
            "Argon2id time cost 2^32".into(),
        ),
        (
            vec![C::U(2), C::U(64), C::U(1), C::U(0)],
            "Argon2id parallelism 0".into(),
        ),
        (
            vec![C::U(2), C::U(1024), C::U(1), C::U(17)],
            "Argon2id parallelism 17".into(),
        ),
        (
            vec![C::U(2), C::U(1 << 40), C::U(1 << 32), C::U(1 << 32)],
            "Argon2id with every parameter absurd".into(),
        ),
    ];
    for (items, what) in cases {
        let fl: &[&'static str] = if what.contains("Appendix B") {
            &["SpecExample", "NoKdf"]
        } else {
            &["NoKdf"]
        };
        f.add(
            v(
                "decode_keyring",
                format!("{what}: rejected at decode time"),
                kd,
                err("kdf_params_out_of_bounds"),
            )
            .f(fl)
            .i("keyring", hex(with_kdf(items.clone()))),
        );
    }
    let max = with_kdf(vec![C::U(2), C::U(1_048_576), C::U(16), C::U(16)]);
    f.add(v("decode_keyring", "Argon2id at every hard maximum (1 GiB, t=16, p=16) decodes; only the policy stops it (policy.json)", &["SR-KDF-3"], Expect::Ok).i("keyring", hex(&max)));
    f.add(
        v(
            "decode_keyring",
            "PBKDF2 at the hard maximum of 10,000,000 iterations decodes",
            &["SR-KDF-3"],
            Expect::Ok,
        )
        .i("keyring", hex(with_kdf(vec![C::U(1), C::U(10_000_000)]))),
    );
    let absurd = with_kdf(vec![C::U(1), C::U(1 << 32)]);
    f.add(
        v(
            "unlock_password",
            "Unlocking a keyring with 2^32 PBKDF2 iterations fails at decoding: no KDF runs",
            &["SR-KDF-3", "SR-POL-1"],
            err("kdf_params_out_of_bounds"),
        )
        .f(&["NoKdf"])
        .i("keyring", hex(&absurd))
        .i("password", pw(fx::PASSWORD))
        .i("policy", relaxed.clone()),
    );
    f.add(
        v(
            "unlock_slot",
            "Unlocking slot 0 of a keyring with Argon2id at 2^40 KiB fails at decoding",
            &["SR-KDF-3"],
            err("kdf_params_out_of_bounds"),
        )
        .f(&["NoKdf"])
        .i(
            "keyring",
            hex(with_kdf(vec![C::U(2), C::U(1 << 40), C::U(1), C::U(1)])),
        )
        .i("index", 0)
        .i("password", pw(fx::PASSWORD))
        .i("policy", relaxed.clone()),
    );
    // Order: the KDF walk against profile and schema errors.
    let mut t = fx::tree(&absurd);
    t.set(3, C::B(vec![0; 15]));
    f.add(
        v(
            "decode_keyring",
            "Iterations 2^32 and a 15-byte keyring id: the id comes earlier in the walk",
            &["SR-KDF-3", "SR-OBJ-4", "SR-CBOR-11"],
            mal("wrong_length"),
        )
        .f(&["OrderOfChecks"])
        .i("keyring", hex(t.enc())),
    );
    let mut t = fx::tree(&absurd);
    t.get(5).items()[0].set(4, C::B(vec![0; 31]));
    f.add(
        v(
            "decode_keyring",
            "Iterations 2^32 and a 31-byte salt in the same slot: the KDF descriptor comes first",
            &["SR-KDF-3", "SR-CBOR-11"],
            err("kdf_params_out_of_bounds"),
        )
        .f(&["OrderOfChecks"])
        .i("keyring", hex(t.enc())),
    );
    let mut t = fx::tree(&absurd);
    let mac = t.get(6).enc();
    let mut raw = vec![0x59, 0x00, 0x20];
    raw.extend_from_slice(&mac[2..]);
    t.set(6, C::Raw(raw));
    f.add(v("decode_keyring", "Iterations 2^32 and a non-shortest MAC head after it: the profile (step 3) reads the whole input before the schema", &["SR-KDF-3", "SR-CBOR-2", "SR-CBOR-11"], mal("non_shortest_head")).f(&["OrderOfChecks"]).i("keyring", hex(t.enc())));

    // Hard limits at write time.
    let hard = fx::policy(
        "hard-limits",
        [1, 10_000_000],
        [8, 1_048_576],
        [1, 16],
        [1, 16],
    );
    for (kdf, what) in [
        (fx::pbkdf2(0), "PBKDF2 iterations 0"),
        (fx::pbkdf2(10_000_001), "PBKDF2 iterations 10,000,001"),
        (fx::pbkdf2(u32::MAX), "PBKDF2 iterations 2^32 - 1"),
        (fx::argon(1_048_577, 1, 1), "Argon2id memory 1,048,577 KiB"),
        (
            fx::argon(8, 1, 2),
            "Argon2id memory 8 KiB with parallelism 2 (below 8 x p)",
        ),
        (fx::argon(64, 0, 1), "Argon2id time cost 0"),
        (fx::argon(64, 17, 1), "Argon2id time cost 17"),
        (fx::argon(256, 1, 17), "Argon2id parallelism 17"),
        (
            fx::argon(u32::MAX, u32::MAX, u32::MAX),
            "Argon2id with every parameter 2^32 - 1",
        ),
    ] {
        f.add(
            v(
                "create",
                format!("Create with {what} under a policy at the hard limits"),
                &["SR-KDF-3", "SR-POL-3", "SR-OP-1"],
                err("kdf_params_out_of_bounds"),
            )
            .f(&["NoKdf"])
            .i("password", pw("x"))
            .i("kdf", kdf)
            .i("label", "")
            .i("policy", hard.clone())
            .i("random", fx::no_rnd()),
        );
    }
    let one = fx::one();
    f.add(
        v(
            "add_password_slot",
            "Add a password slot with PBKDF2 iterations 10,000,001",
            &["SR-KDF-3", "SR-POL-3", "SR-OP-6"],
            err("kdf_params_out_of_bounds"),
        )
        .f(&["NoKdf"])
        .with(&one.setup())
        .i("label", "x")
        .i("password", pw("x"))
        .i("kdf", fx::pbkdf2(10_000_001))
        .i("random", fx::no_rnd()),
    );
    f.add(
        v(
            "change_password",
            "Change a password to Argon2id with time cost 17",
            &["SR-KDF-3", "SR-POL-3", "SR-OP-5"],
            err("kdf_params_out_of_bounds"),
        )
        .f(&["NoKdf"])
        .with(&one.setup())
        .i("index", 0)
        .i("new_password", pw("x"))
        .i("kdf", fx::argon(64, 17, 1))
        .i("random", fx::no_rnd()),
    );
    descriptors(&mut f);
    f
}

/// KDF descriptors judged by SPEC.md section 11's preamble, through create.
fn descriptors(f: &mut File) {
    use serde_json::{Value, json};
    let relaxed = fx::relaxed();
    let bad = |f: &mut File, desc: &str, kdf: Value, exp: Expect| {
        f.add(
            v("create", desc, &["SR-POL-3", "SR-OP-1"], exp)
                .f(&["DynamicTyping", "NoKdf"])
                .i("password", pw("x"))
                .i("kdf", kdf)
                .i("label", "")
                .i("policy", relaxed.clone())
                .i("random", fx::no_rnd()),
        );
    };
    let ua = || err("unsupported_algorithm");
    let oob = || err("kdf_params_out_of_bounds");
    bad(
        f,
        "KDF descriptor whose name argon2id contradicts id 1",
        json!({"id": 1, "name": "argon2id", "iterations": 10}),
        ua(),
    );
    bad(f, "KDF descriptor null", Value::Null, ua());
    bad(
        f,
        "KDF descriptor with the id given as the string \"1\"",
        json!({"id": "1", "name": "pbkdf2-hmac-sha256", "iterations": 10}),
        ua(),
    );
    bad(
        f,
        "KDF descriptor without an id",
        json!({"name": "pbkdf2-hmac-sha256", "iterations": 10}),
        ua(),
    );
    bad(
        f,
        "KDF descriptor with id 1.5",
        json!({"id": 1.5, "iterations": 10}),
        ua(),
    );
    bad(
        f,
        "KDF descriptor with id true (a boolean is not the integer 1)",
        json!({"id": true, "iterations": 10}),
        ua(),
    );
    bad(
        f,
        "KDF descriptor with id 3, not in the registry",
        json!({"id": 3, "iterations": 10}),
        ua(),
    );
    bad(
        f,
        "KDF descriptor given as the array [1, 10] of the binary form",
        json!([1, 10]),
        ua(),
    );
    bad(
        f,
        "KDF descriptor given as a string",
        json!("pbkdf2-hmac-sha256"),
        ua(),
    );
    bad(
        f,
        "KDF descriptor with name null",
        json!({"id": 1, "name": null, "iterations": 10}),
        ua(),
    );
    bad(
        f,
        "KDF descriptor whose name contradicts its id and whose iterations is true: the name is judged first",
        json!({"id": 1, "name": "argon2id", "iterations": true}),
        ua(),
    );
    bad(
        f,
        "PBKDF2 descriptor with an extra memory_kib",
        json!({"id": 1, "name": "pbkdf2-hmac-sha256", "iterations": 10, "memory_kib": 8}),
        oob(),
    );
    bad(
        f,
        "Argon2id descriptor with memory_kib only (time_cost and parallelism missing, not defaulted)",
        json!({"id": 2, "name": "argon2id", "memory_kib": 64}),
        oob(),
    );
    bad(
        f,
        "PBKDF2 descriptor with iterations true",
        json!({"id": 1, "iterations": true}),
        oob(),
    );
    bad(
        f,
        "PBKDF2 descriptor with iterations \"1000\" (a string)",
        json!({"id": 1, "iterations": "1000"}),
        oob(),
    );
    bad(
        f,
        "PBKDF2 descriptor with iterations 1000.5",
        json!({"id": 1, "iterations": 1000.5}),
        oob(),
    );
    bad(
        f,
        "PBKDF2 descriptor with iterations null",
        json!({"id": 1, "iterations": null}),
        oob(),
    );
    bad(
        f,
        "PBKDF2 descriptor with iterations -1: an integer outside the hard limits",
        json!({"id": 1, "iterations": -1}),
        oob(),
    );
    bad(
        f,
        "PBKDF2 descriptor with iterations 2^32 + 10: outside the hard limits, not truncated to 10",
        json!({"id": 1, "iterations": 4_294_967_306u64}),
        oob(),
    );
    bad(
        f,
        "Argon2id descriptor with parallelism 1.5",
        json!({"id": 2, "memory_kib": 64, "time_cost": 1, "parallelism": 1.5}),
        oob(),
    );
    f.add(
        v(
            "change_password",
            "change_password with the KDF descriptor null",
            &["SR-POL-3", "SR-OP-5"],
            ua(),
        )
        .f(&["DynamicTyping", "NoKdf"])
        .with(&fx::one().setup())
        .i("index", 0)
        .i("new_password", pw("x"))
        .i("kdf", Value::Null)
        .i("random", fx::no_rnd()),
    );
    f.add(
        v(
            "add_password_slot",
            "add_password_slot with an Argon2id descriptor lacking parallelism",
            &["SR-POL-3", "SR-OP-6"],
            oob(),
        )
        .f(&["DynamicTyping", "NoKdf"])
        .with(&fx::one().setup())
        .i("label", "x")
        .i("password", pw("x"))
        .i(
            "kdf",
            json!({"id": 2, "name": "argon2id", "memory_kib": 64, "time_cost": 1}),
        )
        .i("random", fx::no_rnd()),
    );
    // Accepted descriptors; the randomness of an earlier vector shows that they write the
    // same bytes as the descriptor spelt out.
    let same = |f: &mut File,
                desc: &str,
                spec: &[&'static str],
                kdf: Value,
                password: &str,
                policy: Value,
                like: &str,
                flags: &[&'static str]| {
        f.add(
            v("create", desc, spec, Expect::Ok)
                .f(flags)
                .i("password", pw(password))
                .i("kdf", kdf)
                .i("label", "kdf")
                .i("policy", policy)
                .i("random", fx::rnd(like, fx::CREATE)),
        );
    };
    same(
        f,
        "PBKDF2 descriptor with iterations 1000.0, the integer 1000, and no name: the keyring of kdf-009 byte for byte",
        &["SR-KDF-1", "SR-OP-1"],
        json!({"id": 1, "iterations": 1000.0}),
        "pbkdf2 password",
        relaxed.clone(),
        "kdf-009",
        &["DynamicTyping", "RelaxedPolicy"],
    );
    same(
        f,
        "Argon2id descriptor with parallelism 2.0: the keyring of kdf-015 byte for byte",
        &["SR-KDF-2", "SR-OP-1"],
        json!({"id": 2, "name": "argon2id", "memory_kib": 16, "time_cost": 1, "parallelism": 2.0}),
        "argon2id password",
        relaxed.clone(),
        "kdf-015",
        &["DynamicTyping", "RelaxedPolicy"],
    );
    same(
        f,
        "KDF descriptor {\"id\": 1} alone: SR-KDF-5's PBKDF2 default of 600,000 iterations, the keyring of kdf-001 byte for byte",
        &["SR-KDF-5", "SR-KDF-1", "SR-OP-1"],
        json!({"id": 1}),
        "default pbkdf2 password",
        fx::default_policy(),
        "kdf-001",
        &["DynamicTyping", "DefaultParams"],
    );
    same(
        f,
        "KDF descriptor {\"id\": 2} alone: SR-KDF-5's Argon2id defaults (64 MiB, t=3, p=4), the keyring of kdf-003 byte for byte",
        &["SR-KDF-5", "SR-KDF-2", "SR-OP-1"],
        json!({"id": 2}),
        "default argon2id password",
        fx::default_policy(),
        "kdf-003",
        &["DynamicTyping", "DefaultParams"],
    );
    same(
        f,
        "KDF descriptor with an id and its registry name but no parameters: the name is not a parameter, so SR-KDF-5's defaults (the keyring of kdf-001 byte for byte)",
        &["SR-KDF-5", "SR-KDF-1", "SR-OP-1"],
        json!({"id": 1, "name": "pbkdf2-hmac-sha256"}),
        "default pbkdf2 password",
        fx::default_policy(),
        "kdf-001",
        &["DynamicTyping", "DefaultParams"],
    );
}
