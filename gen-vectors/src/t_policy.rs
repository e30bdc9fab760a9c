//! policy.json: the unlock policy (SR-POL).

use crate::cbor::C;
use crate::exec::hex;
use crate::fx::{self, pw};
use crate::{Expect, File, err, inval, v};

pub fn file() -> File {
    let mut f = File::new(
        "policy",
        "The unlock policy (SPEC.md section 10): slots below the floor or above the ceiling are \
         refused before any KDF runs; unlock checks every password slot, unlock_slot only the \
         chosen one; writers check new parameters; invalid policies are refused.",
        &[
            (
                "ServerEdit",
                "The server rewrote a slot's KDF parameters (the slot would fail anyway; the policy must refuse it before any KDF runs).",
            ),
            (
                "DynamicTyping",
                "The policy is a value that a statically typed API cannot be given (a pair missing, extra or without exactly two elements, a bound that is a boolean, a string, a fraction or null, an integral bound written 2.0, no name); SPEC.md section 11's preamble gives the outcome: policy_invalid, or the policy the integers spell. A port passes the value to its constructor as it is.",
            ),
        ],
    );
    let d = fx::default_policy();
    // Policy construction (SR-POL-5).
    let mp = |f: &mut File, desc: &str, p: serde_json::Value, exp: Expect| {
        f.add(v("make_policy", desc, &["SR-POL-5"], exp).i("policy", p));
    };
    mp(&mut f, "The default policy is valid", d.clone(), Expect::Ok);
    mp(
        &mut f,
        "A policy at the hard limits is valid",
        fx::policy(
            "hard-limits",
            [1, 10_000_000],
            [8, 1_048_576],
            [1, 16],
            [1, 16],
        ),
        Expect::Ok,
    );
    mp(
        &mut f,
        "A policy whose floors equal its ceilings is valid",
        fx::policy(
            "pinned",
            [600_000, 600_000],
            [65_536, 65_536],
            [3, 3],
            [4, 4],
        ),
        Expect::Ok,
    );
    mp(
        &mut f,
        "PBKDF2 floor above the ceiling",
        fx::policy(
            "bad",
            [2_000_001, 2_000_000],
            [19_456, 262_144],
            [2, 8],
            [1, 8],
        ),
        inval("policy_invalid"),
    );
    mp(
        &mut f,
        "PBKDF2 floor 0",
        fx::policy("bad", [0, 2_000_000], [19_456, 262_144], [2, 8], [1, 8]),
        inval("policy_invalid"),
    );
    mp(
        &mut f,
        "PBKDF2 ceiling 10,000,001",
        fx::policy(
            "bad",
            [600_000, 10_000_001],
            [19_456, 262_144],
            [2, 8],
            [1, 8],
        ),
        inval("policy_invalid"),
    );
    mp(
        &mut f,
        "Argon2id memory floor 7",
        fx::policy("bad", [600_000, 2_000_000], [7, 262_144], [2, 8], [1, 8]),
        inval("policy_invalid"),
    );
    mp(
        &mut f,
        "Argon2id memory ceiling 1,048,577",
        fx::policy(
            "bad",
            [600_000, 2_000_000],
            [19_456, 1_048_577],
            [2, 8],
            [1, 8],
        ),
        inval("policy_invalid"),
    );
    mp(
        &mut f,
        "Argon2id time floor 0",
        fx::policy(
            "bad",
            [600_000, 2_000_000],
            [19_456, 262_144],
            [0, 8],
            [1, 8],
        ),
        inval("policy_invalid"),
    );
    mp(
        &mut f,
        "Argon2id time ceiling 17",
        fx::policy(
            "bad",
            [600_000, 2_000_000],
            [19_456, 262_144],
            [2, 17],
            [1, 8],
        ),
        inval("policy_invalid"),
    );
    mp(
        &mut f,
        "Argon2id parallelism floor 0",
        fx::policy(
            "bad",
            [600_000, 2_000_000],
            [19_456, 262_144],
            [2, 8],
            [0, 8],
        ),
        inval("policy_invalid"),
    );
    mp(
        &mut f,
        "Argon2id parallelism ceiling 17",
        fx::policy(
            "bad",
            [600_000, 2_000_000],
            [19_456, 262_144],
            [2, 8],
            [1, 17],
        ),
        inval("policy_invalid"),
    );
    mp(
        &mut f,
        "Argon2id time floor above its ceiling",
        fx::policy(
            "bad",
            [600_000, 2_000_000],
            [19_456, 262_144],
            [9, 8],
            [1, 8],
        ),
        inval("policy_invalid"),
    );

    // Unlock: slots the server rewrote to parameters outside the default policy.
    let one = fx::one();
    let with_kdf = |items: Vec<C>| -> Vec<u8> {
        let mut t = fx::tree(&one.bytes);
        t.get(5).items()[0].set(3, C::A(items));
        t.enc()
    };
    let cases: Vec<(Vec<C>, &str)> = vec![
        (
            vec![C::U(1), C::U(10)],
            "PBKDF2 at 10 iterations (a downgrade)",
        ),
        (
            vec![C::U(1), C::U(599_999)],
            "PBKDF2 at 599,999 iterations, one below the default floor",
        ),
        (
            vec![C::U(1), C::U(2_000_001)],
            "PBKDF2 at 2,000,001 iterations, one above the default ceiling",
        ),
        (
            vec![C::U(1), C::U(10_000_000)],
            "PBKDF2 at the hard maximum of 10,000,000 iterations",
        ),
        (
            vec![C::U(2), C::U(19_455), C::U(2), C::U(1)],
            "Argon2id with 19,455 KiB, one below the memory floor",
        ),
        (
            vec![C::U(2), C::U(262_145), C::U(2), C::U(1)],
            "Argon2id with 262,145 KiB, one above the memory ceiling",
        ),
        (
            vec![C::U(2), C::U(1_048_576), C::U(16), C::U(16)],
            "Argon2id at every hard maximum (1 GiB, t=16, p=16)",
        ),
        (
            vec![C::U(2), C::U(19_456), C::U(1), C::U(1)],
            "Argon2id with time cost 1, below the floor of 2",
        ),
        (
            vec![C::U(2), C::U(19_456), C::U(9), C::U(1)],
            "Argon2id with time cost 9, above the ceiling of 8",
        ),
        (
            vec![C::U(2), C::U(19_456), C::U(2), C::U(9)],
            "Argon2id with parallelism 9, above the ceiling of 8",
        ),
    ];
    for (items, what) in cases {
        let b = with_kdf(items);
        f.add(
            v(
                "unlock_password",
                format!("Default policy, slot with {what}: refused before any KDF"),
                &["SR-POL-1", "SR-POL-2", "SR-POL-6", "SR-KDF-6"],
                err("out_of_policy"),
            )
            .f(&["ServerEdit", "NoKdf"])
            .i("keyring", hex(&b))
            .i("password", pw(fx::PASSWORD))
            .i("policy", d.clone()),
        );
    }
    f.add(
        v(
            "unlock_slot",
            "Default policy, unlock_slot on a slot with PBKDF2 at 10 iterations",
            &["SR-POL-1", "SR-POL-2", "SR-OP-3"],
            err("out_of_policy"),
        )
        .f(&["NoKdf"])
        .i("keyring", one.hex())
        .i("index", 0)
        .i("password", pw(fx::PASSWORD))
        .i("policy", d.clone()),
    );
    // Fail closed over all password slots; unlock_slot checks one.
    let three = fx::three();
    let strict_pbkdf2 = fx::policy(
        "pbkdf2-floor-20",
        [20, 2_000_000],
        [8, 262_144],
        [1, 8],
        [1, 8],
    );
    f.add(
        v("unlock_password", "Slot 1 is below the policy floor: unlock refuses the whole keyring even though slot 0 would open", &["SR-POL-2"], err("out_of_policy"))
            .f(&["NoKdf", "RelaxedPolicy"])
            .i("keyring", three.hex())
            .i("password", pw(fx::PASSWORD))
            .i("policy", fx::policy("argon-floor-128", [1, 2_000_000], [128, 262_144], [1, 8], [1, 8])),
    );
    f.add(
        v(
            "unlock_slot",
            "The same keyring and policy: unlock_slot on slot 0 checks only slot 0 and opens",
            &["SR-POL-2", "SR-OP-3"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .i("keyring", three.hex())
        .i("index", 0)
        .i("password", pw(fx::PASSWORD))
        .i(
            "policy",
            fx::policy(
                "argon-floor-128",
                [1, 2_000_000],
                [128, 262_144],
                [1, 8],
                [1, 8],
            ),
        ),
    );
    f.add(
        v(
            "unlock_slot",
            "The same keyring: unlock_slot on slot 0 under a policy slot 0 violates",
            &["SR-POL-2", "SR-OP-3"],
            err("out_of_policy"),
        )
        .f(&["NoKdf", "RelaxedPolicy"])
        .i("keyring", three.hex())
        .i("index", 0)
        .i("password", pw(fx::PASSWORD))
        .i("policy", strict_pbkdf2.clone()),
    );
    f.add(
        v("unlock_recovery", "Recovery slots are not subject to the policy: a keyring whose password slots violate it opens with its recovery code", &["SR-POL-1", "SR-OP-4"], Expect::Ok)
            .i("keyring", three.hex())
            .i("recovery_code", three.codes[0].clone())
            .i("policy", d.clone()),
    );
    f.add(
        v(
            "unlock_password",
            "Relaxed policy with floor 10: the PBKDF2 slot at exactly the floor opens",
            &["SR-POL-1"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .i("keyring", one.hex())
        .i("password", pw(fx::PASSWORD))
        .i(
            "policy",
            fx::policy("floor-10", [10, 10], [8, 262_144], [1, 8], [1, 8]),
        ),
    );
    // Writers.
    let floor10 = fx::policy(
        "pbkdf2-floor-10",
        [10, 2_000_000],
        [8, 262_144],
        [1, 8],
        [1, 8],
    );
    f.add(
        v(
            "create",
            "Create with PBKDF2 at 10 iterations under the default policy",
            &["SR-POL-3", "SR-OP-1"],
            err("out_of_policy"),
        )
        .f(&["NoKdf"])
        .i("password", pw("x"))
        .i("kdf", fx::pbkdf2(10))
        .i("label", "")
        .i("policy", d.clone())
        .i("random", fx::no_rnd()),
    );
    f.add(
        v(
            "create",
            "Create with Argon2id at 512 MiB under the default policy (ceiling 256 MiB)",
            &["SR-POL-3", "SR-OP-1"],
            err("out_of_policy"),
        )
        .f(&["NoKdf"])
        .i("password", pw("x"))
        .i("kdf", fx::argon(524_288, 3, 4))
        .i("label", "")
        .i("policy", d.clone())
        .i("random", fx::no_rnd()),
    );
    f.add(
        v("create", "Create with PBKDF2 at 10,000,001 iterations under the default policy: the hard limit is checked before the policy", &["SR-POL-3", "SR-KDF-3"], err("kdf_params_out_of_bounds"))
            .f(&["NoKdf", "OrderOfChecks"])
            .i("password", pw("x"))
            .i("kdf", fx::pbkdf2(10_000_001))
            .i("label", "")
            .i("policy", d.clone())
            .i("random", fx::no_rnd()),
    );
    f.add(
        v(
            "add_password_slot",
            "Add a slot with PBKDF2 at 5 iterations under a policy with floor 10",
            &["SR-POL-3", "SR-OP-6", "SR-KDF-6"],
            err("out_of_policy"),
        )
        .f(&["NoKdf"])
        .with(&{
            let mut s = one.setup();
            s.insert("policy".into(), floor10.clone());
            s
        })
        .i("label", "x")
        .i("password", pw("x"))
        .i("kdf", fx::pbkdf2(5))
        .i("random", fx::no_rnd()),
    );
    f.add(
        v(
            "change_password",
            "Change a password to PBKDF2 at 5 iterations under a policy with floor 10",
            &["SR-POL-3", "SR-OP-5", "SR-KDF-6"],
            err("out_of_policy"),
        )
        .f(&["NoKdf"])
        .with(&{
            let mut s = one.setup();
            s.insert("policy".into(), floor10.clone());
            s
        })
        .i("index", 0)
        .i("new_password", pw("x"))
        .i("kdf", fx::pbkdf2(5))
        .i("random", fx::no_rnd()),
    );
    dynamic_policies(&mut f);
    f
}

/// Policies as a dynamically typed API receives them (SPEC.md section 11's preamble).
fn dynamic_policies(f: &mut File) {
    use serde_json::{Value, json};
    let base = || match fx::default_policy() {
        Value::Object(o) => o,
        _ => unreachable!("a policy is an object"),
    };
    let with = |k: &str, v: Value| {
        let mut o = base();
        o.insert(k.into(), v);
        Value::Object(o)
    };
    let mp = |f: &mut File, desc: &str, p: Value, exp: Expect| {
        f.add(
            v("make_policy", desc, &["SR-POL-5"], exp)
                .f(&["DynamicTyping"])
                .i("policy", p),
        );
    };
    let invalid = || inval("policy_invalid");
    mp(
        f,
        "The default policy with an extra pair scrypt_n: a misspelt or unknown pair is refused, not ignored",
        with("scrypt_n", json!([1, 2])),
        invalid(),
    );
    let mut missing = base();
    missing.remove("argon2_parallelism");
    mp(
        f,
        "The default policy without its argon2_parallelism pair",
        Value::Object(missing),
        invalid(),
    );
    mp(
        f,
        "A pair of three elements",
        with("argon2_time_cost", json!([2, 8, 9])),
        invalid(),
    );
    mp(
        f,
        "A pair of one element",
        with("argon2_time_cost", json!([2])),
        invalid(),
    );
    mp(
        f,
        "A pair that is not an array",
        with("argon2_time_cost", json!({"floor": 2, "ceiling": 8})),
        invalid(),
    );
    mp(
        f,
        "A floor true (a boolean is not the integer 1)",
        with("argon2_parallelism", json!([true, 8])),
        invalid(),
    );
    mp(
        f,
        "A ceiling \"8\" (a string)",
        with("argon2_parallelism", json!([1, "8"])),
        invalid(),
    );
    mp(
        f,
        "A floor 1.5",
        with("argon2_time_cost", json!([1.5, 8])),
        invalid(),
    );
    mp(
        f,
        "A ceiling null",
        with("argon2_time_cost", json!([2, null])),
        invalid(),
    );
    mp(
        f,
        "A floor -1: an integer below the hard minimum",
        with("pbkdf2_iterations", json!([-1, 2_000_000])),
        invalid(),
    );
    mp(
        f,
        "A ceiling 2^32 + 8: an integer above the hard maximum, not truncated to 8",
        with("argon2_time_cost", json!([2, 4_294_967_304u64])),
        invalid(),
    );
    mp(
        f,
        "Bounds written 2.0 and 8.0: the integers 2 and 8",
        with("argon2_time_cost", json!([2.0, 8.0])),
        Expect::Ok,
    );
    let mut unnamed = base();
    unnamed.remove("name");
    mp(
        f,
        "The default policy without its name (the name is informative)",
        Value::Object(unnamed),
        Expect::Ok,
    );
}
