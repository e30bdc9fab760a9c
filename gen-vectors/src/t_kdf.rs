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
         parameters at decode time before any KDF runs and bound what a writer may use.",
        &[],
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
    f
}
