//! Runs every conformance vector in `vectors/` through the public API (vectors/README.md).
//!
//! Every vector file is first validated against `vectors/schema.json` (with the `jsonschema`
//! crate, offline: no remote references are resolved) and the allowed-deviation list against
//! its `$defs/deviations`. Then every vector and every tamper-set mutation is run by this
//! crate's consumer and must give exactly the expected class and reason, the expected output
//! and intermediate values, no plaintext or changed keyring on failure, and no KDF run where
//! the operation must fail before one. Failures name the vector
//! id. Nothing is skipped silently: deprecated and `Slow` vectors are counted and reported,
//! and the 1,000,000-iteration accumulated vector runs in the ignored test `accumulated_slow`
//! (`cargo test --release -p strongroom-conformance --test vectors -- --ignored`).

use strongroom_conformance as exec;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("vectors")
}

fn load(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every vector file (all `*.json` directly in vectors/ except the schema).
fn files() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir())
        .expect("vectors/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter(|p| p.file_name().is_some_and(|n| n != "schema.json"))
        .collect();
    out.sort();
    out
}

/// The crate's allowed deviations: id -> actual outcome.
fn deviations() -> BTreeMap<String, Value> {
    let d = load(&dir().join("deviations").join("rust-crate.json"));
    d["deviations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|x| {
            (
                x["id"].as_str().unwrap_or_default().to_owned(),
                x["actual"].clone(),
            )
        })
        .collect()
}

/// The outcome as a vector's `expected` states it, with `released_chunks` for an
/// `open_stream` that failed (vectors/README.md section 4.2).
fn outcome_json(run: &exec::Run) -> Value {
    match &run.outcome {
        Ok(_) => serde_json::json!({"result": "success"}),
        Err(e) => {
            let mut o = serde_json::json!({"result": "error", "class": e.class()});
            if let Some(r) = e.reason() {
                o["reason"] = r.into();
            }
            if let Some(n) = run.released_chunks {
                o["released_chunks"] = n.into();
            }
            o
        }
    }
}

/// Classes after which a KDF may have run.
const KDF_CLASSES: &[&str] = &["unlock_failed", "keyring_tampered"];

struct Tally {
    run: usize,
    deviations_seen: BTreeSet<String>,
    skipped: Vec<String>,
    failures: Vec<String>,
}

#[allow(clippy::too_many_arguments)]
fn check(
    t: &mut Tally,
    devs: &BTreeMap<String, Value>,
    id: &str,
    op: &str,
    inputs: &exec::Obj,
    expected: &Value,
    flags: &[Value],
    want_out: Option<&Value>,
    want_inter: Option<&Value>,
) {
    t.run += 1;
    let run = match exec::run(op, inputs) {
        Ok(r) => r,
        Err(e) => {
            t.failures.push(format!("{id}: {e}"));
            return;
        }
    };
    let got = outcome_json(&run);
    let allowed = devs.get(id);
    if &got != expected {
        if allowed == Some(&got) {
            t.deviations_seen.insert(id.to_owned());
        } else {
            t.failures
                .push(format!("{id}: expected {expected}, got {got}"));
        }
        return;
    }
    if allowed.is_some() {
        t.failures.push(format!(
            "{id}: listed as a deviation but now passes; remove it"
        ));
    }
    match &run.outcome {
        Ok(out) => {
            if let Some(Value::Object(w)) = want_out {
                for (k, v) in w {
                    if out.get(k) != Some(v) {
                        t.failures.push(format!("{id}: output.{k} differs"));
                    }
                }
            }
            if let Some(Value::Object(w)) = want_inter {
                for (k, v) in w {
                    if run.intermediates.get(k) != Some(v) {
                        t.failures.push(format!("{id}: intermediates.{k} differs"));
                    }
                }
            }
        }
        Err(e) => {
            // A preferred slot that failed has run its KDF before the others exceed the
            // work budget (SPEC.md 11.3 step 6.1).
            let after_kdf =
                KDF_CLASSES.contains(&e.class()) || e.reason() == Some("unlock_work_exceeded");
            let no_kdf = flags.iter().any(|f| f == "NoKdf") || !after_kdf;
            if no_kdf && run.kdf_calls != 0 {
                t.failures.push(format!(
                    "{id}: {} KDF runs before failing with {e}",
                    run.kdf_calls
                ));
            }
        }
    }
}

fn run_file(name: &str) {
    let path = dir().join(format!("{name}.json"));
    let doc = load(&path);
    validate(&doc, &path);
    assert_eq!(doc["schema_version"], 1, "{name}: unknown schema_version");
    let devs = deviations();
    let slow = std::env::var_os("STRONGROOM_SLOW_VECTORS").is_some();
    let mut t = Tally {
        run: 0,
        deviations_seen: BTreeSet::new(),
        skipped: Vec::new(),
        failures: Vec::new(),
    };
    let notes = doc["notes"].as_object().cloned().unwrap_or_default();
    for v in doc["vectors"].as_array().into_iter().flatten() {
        let id = v["id"].as_str().unwrap_or("?");
        let flags = v["flags"].as_array().cloned().unwrap_or_default();
        for f in &flags {
            if !notes.contains_key(f.as_str().unwrap_or_default()) {
                t.failures.push(format!("{id}: flag {f} has no note"));
            }
        }
        if v["status"] == "deprecated" || (!slow && flags.iter().any(|f| f == "Slow")) {
            t.skipped.push(id.to_owned());
            continue;
        }
        let op = v["operation"].as_str().unwrap_or_default();
        if !exec::OPERATIONS.contains(&op) {
            t.failures.push(format!("{id}: unknown operation {op}"));
            continue;
        }
        let inputs = v["inputs"].as_object().cloned().unwrap_or_default();
        check(
            &mut t,
            &devs,
            id,
            op,
            &inputs,
            &v["expected"],
            &flags,
            v.get("output"),
            v.get("intermediates"),
        );
    }
    for s in doc["tamper_sets"].as_array().into_iter().flatten() {
        let sid = s["id"].as_str().unwrap_or("?");
        let op = s["operation"].as_str().unwrap_or_default();
        let target = s["target"].as_str().unwrap_or_default();
        let inputs = s["inputs"].as_object().cloned().unwrap_or_default();
        let base = exec::bytes(&inputs[target]).expect("tamper base");
        let ok = serde_json::json!({"result": "success"});
        check(&mut t, &devs, sid, op, &inputs, &ok, &[], None, None);
        for m in s["mutations"].as_array().into_iter().flatten() {
            let (suffix, bytes) = if let Some(n) = m["truncate"].as_u64() {
                (format!("t{n}"), base[..n as usize].to_vec())
            } else {
                let off = m["flip"][0].as_u64().unwrap_or(0) as usize;
                let bit = m["flip"][1].as_u64().unwrap_or(0);
                let mut b = base.clone();
                b[off] ^= 1 << bit;
                (format!("f{off}.{bit}"), b)
            };
            let mut i = inputs.clone();
            i.insert(target.into(), exec::hex(&bytes).into());
            let mut exp = serde_json::json!({"result": "error", "class": m["class"]});
            if let Some(r) = m.get("reason") {
                exp["reason"] = r.clone();
            }
            if let Some(n) = m.get("released_chunks") {
                exp["released_chunks"] = n.clone();
            }
            check(
                &mut t,
                &devs,
                &format!("{sid}/{suffix}"),
                op,
                &i,
                &exp,
                &[],
                None,
                None,
            );
        }
    }
    // Every deviation listed for this file must still occur.
    let prefix = format!("{name}-");
    for id in devs.keys().filter(|d| d.starts_with(&prefix)) {
        if !t.deviations_seen.contains(id) && !t.skipped.contains(id) {
            t.failures
                .push(format!("{id}: allowed deviation did not occur"));
        }
    }
    println!(
        "{name}: {} passed, {} failed, {} known deviations, {} skipped {:?}",
        t.run - t.failures.len().min(t.run),
        t.failures.len(),
        t.deviations_seen.len(),
        t.skipped.len(),
        t.skipped
    );
    assert!(
        t.failures.is_empty(),
        "{name}.json:\n{}",
        t.failures.join("\n")
    );
    assert!(t.run > 0, "{name}.json ran no vector");
}

fn schema() -> Value {
    load(&dir().join("schema.json"))
}

fn validate(doc: &Value, path: &Path) {
    let v = jsonschema::validator_for(&schema()).expect("schema.json is a valid JSON Schema");
    let errors: Vec<String> = v
        .iter_errors(doc)
        .take(10)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{} does not match schema.json:\n{}",
        path.display(),
        errors.join("\n")
    );
}

#[test]
fn every_file_is_known_and_ids_are_unique() {
    let known: BTreeSet<&str> = FILES.iter().copied().collect();
    let mut ids = BTreeSet::new();
    for p in files() {
        let stem = p
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        assert!(
            known.contains(stem.as_str()),
            "{}: no test runs this file",
            p.display()
        );
        let doc = load(&p);
        assert_eq!(doc["file"], stem.as_str(), "{}: `file` field", p.display());
        for list in ["vectors", "tamper_sets"] {
            for v in doc[list].as_array().into_iter().flatten() {
                let id = v["id"].as_str().unwrap_or_default().to_owned();
                assert!(id.starts_with(&format!("{stem}-")), "{id} in {stem}.json");
                assert!(ids.insert(id.clone()), "duplicate id {id}");
            }
        }
    }
    assert!(ids.len() >= 600, "only {} vectors", ids.len());
}

#[test]
fn deviation_list_matches_schema() {
    let s = schema();
    let mut sub = s["$defs"]["deviations"].clone();
    sub["$defs"] = s["$defs"].clone();
    sub["$schema"] = s["$schema"].clone();
    let v = jsonschema::validator_for(&sub).expect("deviations schema");
    for p in std::fs::read_dir(dir().join("deviations"))
        .expect("vectors/deviations/")
        .flatten()
    {
        let doc = load(&p.path());
        let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(
            errors.is_empty(),
            "{}: {}",
            p.path().display(),
            errors.join("; ")
        );
    }
}

/// The 1,000,000-iteration accumulated digest (SPEC.md Appendix C): minutes in the test
/// profile, seconds in release.
#[test]
#[ignore = "slow: cargo test --release -p strongroom-conformance --test vectors -- --ignored"]
fn accumulated_slow() {
    let doc = load(&dir().join("accumulated.json"));
    for v in doc["vectors"].as_array().into_iter().flatten() {
        let inputs = v["inputs"].as_object().cloned().unwrap_or_default();
        let n = inputs["iterations"].as_u64().unwrap_or(0);
        let digest = exec::accumulated(&inputs, n).expect("accumulated");
        assert_eq!(v["output"]["digest"], exec::hex(digest), "{}", v["id"]);
    }
}

const FILES: &[&str] = &[
    "keyring",
    "record",
    "cbor",
    "object",
    "version",
    "kdf",
    "policy",
    "password",
    "text",
    "recovery",
    "tamper",
    "accumulated",
    "hardening",
    "log",
    "stream",
];

macro_rules! file_tests {
    ($($name:ident),*) => {$(
        #[test]
        fn $name() {
            run_file(stringify!($name));
        }
    )*};
}

file_tests!(
    keyring,
    record,
    cbor,
    object,
    version,
    kdf,
    policy,
    password,
    text,
    recovery,
    tamper,
    accumulated,
    hardening,
    log,
    stream
);
