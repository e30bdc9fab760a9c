//! tamper.json: every truncation and every single-bit flip of a reference keyring and a
//! reference record, each with the error class (and reason) it must give.

use serde_json::{Value, json};

use crate::File;
use crate::exec::{self, Obj, hex};
use crate::fx::{self, pw};

/// Mutations where the crate's outcome differs from SPEC.md's (each listed, with the crate's
/// outcome, in vectors/deviations/rust-crate.json; the SPEC.md outcome agrees with tools/pyref).
/// A flipped bit turns a map key's head into a byte string longer than the input: check (f)
/// of SPEC.md 5.3 (`truncated`) comes before the key checks (`non_integer_map_key`).
const SPEC_OUTCOMES: &[(&str, &str, Option<&str>)] = &[
    ("tamper-001/f206.6", "malformed", Some("truncated")),
    ("tamper-001/f256.3", "malformed", Some("truncated")),
    ("tamper-002/f25.3", "malformed", Some("truncated")),
];

/// Runs every mutation of `inputs[target]` through `op`; each must fail.
fn set(f: &mut File, desc: &str, spec: &[&str], op: &str, inputs: Obj, target: &str) {
    let id = f.next_id();
    let base = exec::bytes(&inputs[target]).expect("base bytes");
    let ok = exec::run(op, &inputs).expect("base runs");
    assert!(ok.outcome.is_ok(), "{id}: the unmodified base must succeed");
    let mut mutations = Vec::new();
    let mut record = |m: Value, bytes: Vec<u8>| {
        let mut i = inputs.clone();
        i.insert(target.into(), hex(&bytes).into());
        let run = exec::run(op, &i).unwrap_or_else(|e| panic!("{id} {m}: {e}"));
        let e = match run.outcome {
            Ok(_) => panic!("{id} {m}: a mutation succeeded"),
            Err(e) => e,
        };
        let suffix = match (m.get("truncate"), m.get("flip")) {
            (Some(n), _) => format!("t{n}"),
            (_, Some(fl)) => format!("f{}.{}", fl[0], fl[1]),
            _ => String::new(),
        };
        let mut o = m.as_object().cloned().unwrap_or_default();
        // Where the crate deviates from SPEC.md (listed in vectors/deviations/rust-crate.json),
        // the mutation carries SPEC.md's outcome.
        let (class, reason) = SPEC_OUTCOMES
            .iter()
            .find(|(x, _, _)| *x == format!("{id}/{suffix}"))
            .map(|(_, c, r)| (*c, *r))
            .unwrap_or((e.class(), e.reason()));
        o.insert("class".into(), class.into());
        if let Some(r) = reason {
            o.insert("reason".into(), r.into());
        }
        mutations.push(Value::Object(o));
    };
    for n in 0..base.len() {
        record(json!({"truncate": n}), base[..n].to_vec());
    }
    for off in 0..base.len() {
        for bit in 0..8u8 {
            record(json!({"flip": [off, bit]}), fx::flip(&base, off, bit));
        }
    }
    let mut o = Obj::new();
    o.insert("id".into(), id.into());
    o.insert("description".into(), desc.into());
    o.insert("flags".into(), json!(["RelaxedPolicy"]));
    o.insert("spec".into(), json!(spec));
    o.insert("operation".into(), op.into());
    o.insert("inputs".into(), Value::Object(inputs));
    o.insert("target".into(), target.into());
    o.insert("mutations".into(), Value::Array(mutations));
    f.add_tamper_set(o);
}

pub fn file() -> File {
    let mut f = File::new(
        "tamper",
        "Generated tamper sets: every truncation and every single-bit flip of a reference \
         keyring (a password slot and a recovery slot) unlocked with its password, and of a \
         reference record opened with its context. Each mutation lists the exact error it \
         must give; none may succeed.",
        &[],
    );
    let two = fx::two();
    let mut i = Obj::new();
    i.insert("keyring".into(), two.hex());
    i.insert("password".into(), pw(fx::PASSWORD));
    i.insert("policy".into(), fx::relaxed());
    set(
        &mut f,
        "Every truncation and bit flip of a keyring with a PBKDF2 password slot and a recovery slot, unlocked with the password",
        &[
            "SR-CBOR-11",
            "SR-ERR-1",
            "SR-KEY-3",
            "SR-KEY-6",
            "SR-OP-2",
            "SR-ERR-3",
        ],
        "unlock_password",
        i,
        "keyring",
    );
    let mut i = fx::one().setup();
    i.insert("record".into(), hex(fx::rec()).into());
    i.insert("context".into(), hex(fx::CONTEXT).into());
    set(
        &mut f,
        "Every truncation and bit flip of a 49-byte record, opened with its context",
        &["SR-CBOR-11", "SR-ERR-1", "SR-KEY-8", "SR-OP-9", "SR-ERR-3"],
        "open",
        i,
        "record",
    );
    f
}
