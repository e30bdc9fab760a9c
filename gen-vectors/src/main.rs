//! Writes every conformance vector file in `vectors/` from fixed seeds (vectors/README.md).
//!
//! ```text
//! cargo run --profile test -p strongroom-gen-vectors            # rewrite vectors/*.json
//! cargo run --release -p strongroom-gen-vectors -- --accumulated 1000000   # print a digest
//! ```
//!
//! Every random value is SHAKE-128 of a label naming the vector (or fixture) and the draw, so
//! a vector depends only on its own id: adding vectors changes no other vector. Ids are
//! numbered per file in the order the topic functions add them, so new vectors are appended
//! at the end of their topic function, never inserted; the generator refuses to give an
//! existing id a different operation or description (README section 7).
//!
//! Negative vectors state their expected error by hand, from SPEC.md; the generator runs each
//! through the crate (the shared consumer, `strongroom-conformance`) and stops if the crate
//! disagrees.
//! Tamper-set outcomes are computed by the crate and cross-checked by `vectors/check_pyref.py`.

mod cbor;
mod fx;
mod gcm;
mod t_accumulated;
mod t_cbor;
mod t_hardening;
mod t_kdf;
mod t_keyring;
mod t_log;
mod t_object;
mod t_password;
mod t_policy;
mod t_record;
mod t_recovery;
mod t_stream;
mod t_tamper;
mod t_text;
mod t_version;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

// The vector consumer that conformance/tests/vectors.rs and the `strongroom` command run too.
use strongroom_conformance as exec;

use exec::Obj;

/// Version of the vector file format (README section 7).
pub const SCHEMA_VERSION: u64 = 1;

/// What a vector expects.
#[derive(Clone, Debug, PartialEq)]
pub enum Expect {
    /// The operation succeeds.
    Ok,
    /// It fails with this class and reason.
    Err(&'static str, Option<&'static str>),
}

/// Shorthand: `malformed` with a reason.
pub fn mal(reason: &'static str) -> Expect {
    Expect::Err("malformed", Some(reason))
}

/// Shorthand: an error class without a reason.
pub fn err(class: &'static str) -> Expect {
    Expect::Err(class, None)
}

/// Shorthand: `invalid_input` with a reason.
pub fn inval(reason: &'static str) -> Expect {
    Expect::Err("invalid_input", Some(reason))
}

/// Shorthand: `limit_exceeded` with a reason.
pub fn limit(reason: &'static str) -> Expect {
    Expect::Err("limit_exceeded", Some(reason))
}

/// One vector to add.
pub struct V {
    /// One sentence.
    pub desc: String,
    /// Flags, each explained in the file's notes.
    pub flags: Vec<&'static str>,
    /// SPEC.md requirement ids.
    pub spec: Vec<&'static str>,
    /// The operation.
    pub op: &'static str,
    /// Its inputs.
    pub inputs: Obj,
    /// The expected outcome.
    pub expect: Expect,
    /// For an `open_stream` that fails: the chunks released before the failure
    /// (vectors/README.md section 4.2), stated by hand.
    pub released: Option<u64>,
}

/// Builds a vector.
pub fn v(op: &'static str, desc: impl Into<String>, spec: &[&'static str], expect: Expect) -> V {
    V {
        desc: desc.into(),
        flags: Vec::new(),
        spec: spec.to_vec(),
        op,
        inputs: Obj::new(),
        expect,
        released: None,
    }
}

impl V {
    /// Adds an input.
    pub fn i(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.inputs.insert(name.into(), value.into());
        self
    }

    /// Adds flags.
    pub fn f(mut self, flags: &[&'static str]) -> Self {
        self.flags.extend_from_slice(flags);
        self
    }

    /// The chunks an `open_stream` that fails releases before its failure.
    pub fn rel(mut self, n: u64) -> Self {
        self.released = Some(n);
        self
    }

    /// Adds every input of an object (fixture setups).
    pub fn with(mut self, o: &Obj) -> Self {
        for (k, val) in o {
            self.inputs.insert(k.clone(), val.clone());
        }
        self
    }
}

/// One output file.
pub struct File {
    name: &'static str,
    description: &'static str,
    notes: Vec<(&'static str, &'static str)>,
    vectors: Vec<Value>,
    tamper_sets: Vec<Value>,
    old: BTreeMap<String, (String, String)>,
}

impl File {
    /// A new, empty file.
    pub fn new(
        name: &'static str,
        description: &'static str,
        notes: &[(&'static str, &'static str)],
    ) -> Self {
        let mut notes = notes.to_vec();
        notes.extend_from_slice(COMMON_NOTES);
        File {
            name,
            description,
            notes,
            vectors: Vec::new(),
            tamper_sets: Vec::new(),
            old: old_ids(name),
        }
    }

    /// The id the next vector will get.
    pub fn next_id(&self) -> String {
        format!(
            "{}-{:03}",
            self.name,
            self.vectors.len() + self.tamper_sets.len() + 1
        )
    }

    /// Runs a vector through the consumer, checks the stated expectation and appends it.
    /// Returns the id and the output fields (empty on failure).
    pub fn add(&mut self, vec: V) -> (String, Obj) {
        let id = self.next_id();
        self.check_stable(&id, vec.op, &vec.desc);
        let run = exec::run(vec.op, &vec.inputs)
            .unwrap_or_else(|e| panic!("{id} ({}): consumer error: {e}", vec.desc));
        let got = match &run.outcome {
            Ok(_) => Expect::Ok,
            Err(e) => Expect::Err(e.class(), e.reason()),
        };
        // A disagreement with SPEC.md is allowed only where vectors/deviations/rust-crate.json
        // lists it (with the crate's actual outcome and a reason); the vector keeps SPEC.md's
        // expectation either way.
        let deviates = got != vec.expect;
        if run.released_chunks != vec.released {
            MISMATCHES
                .lock()
                .map(|mut m| {
                    m.push(format!(
                        "{id} ({}): {:?} chunks released stated, the crate released {:?}",
                        vec.desc, vec.released, run.released_chunks
                    ))
                })
                .ok();
        }
        if deviates && deviation(&id) != Some(got.clone()) {
            MISMATCHES
                .lock()
                .map(|mut m| {
                    m.push(format!(
                        "{id} ({}): SPEC.md expects {:?}, the crate gives {:?}",
                        vec.desc, vec.expect, got
                    ))
                })
                .ok();
        }
        for fl in &vec.flags {
            assert!(
                self.notes.iter().any(|(n, _)| n == fl),
                "{id}: flag {fl} has no note in {}",
                self.name
            );
        }
        let mut o = Obj::new();
        o.insert("id".into(), id.clone().into());
        o.insert("description".into(), vec.desc.into());
        o.insert("flags".into(), json!(vec.flags));
        o.insert("spec".into(), json!(vec.spec));
        o.insert("operation".into(), vec.op.into());
        o.insert("inputs".into(), Value::Object(vec.inputs));
        let output = match run.outcome {
            _ if deviates => {
                let Expect::Err(class, reason) = vec.expect.clone() else {
                    panic!("{id}: a deviation must expect an error (got {got:?})");
                };
                let mut x = Obj::new();
                x.insert("result".into(), "error".into());
                x.insert("class".into(), class.into());
                if let Some(r) = reason {
                    x.insert("reason".into(), r.into());
                }
                o.insert("expected".into(), Value::Object(x));
                Obj::new()
            }
            Ok(out) => {
                if !run.intermediates.is_empty() {
                    o.insert(
                        "intermediates".into(),
                        Value::Object(run.intermediates.clone()),
                    );
                }
                o.insert("output".into(), Value::Object(out.clone()));
                o.insert("expected".into(), json!({"result": "success"}));
                out
            }
            Err(e) => {
                let mut x = Obj::new();
                x.insert("result".into(), "error".into());
                x.insert("class".into(), e.class().into());
                if let Some(r) = e.reason() {
                    x.insert("reason".into(), r.into());
                }
                if let Some(n) = run.released_chunks {
                    x.insert("released_chunks".into(), n.into());
                }
                o.insert("expected".into(), Value::Object(x));
                Obj::new()
            }
        };
        self.vectors.push(Value::Object(o));
        (id, output)
    }

    /// Appends a success vector whose output was computed once by hand (a `Slow` vector),
    /// without running it.
    pub fn add_precomputed(&mut self, vec: V, output: Value) {
        let id = self.next_id();
        self.check_stable(&id, vec.op, &vec.desc);
        let mut o = Obj::new();
        o.insert("id".into(), id.into());
        o.insert("description".into(), vec.desc.into());
        o.insert("flags".into(), json!(vec.flags));
        o.insert("spec".into(), json!(vec.spec));
        o.insert("operation".into(), vec.op.into());
        o.insert("inputs".into(), Value::Object(vec.inputs));
        o.insert("output".into(), output);
        o.insert("expected".into(), json!({"result": "success"}));
        self.vectors.push(Value::Object(o));
    }

    /// Appends a tamper set (built by `t_tamper`).
    pub fn add_tamper_set(&mut self, set: Obj) {
        let id = set["id"].as_str().unwrap_or_default().to_owned();
        assert_eq!(id, self.next_id());
        let desc = set["description"].as_str().unwrap_or_default().to_owned();
        let op = set["operation"].as_str().unwrap_or_default().to_owned();
        self.check_stable(&id, &op, &desc);
        self.tamper_sets.push(Value::Object(set));
    }

    fn check_stable(&self, id: &str, op: &str, desc: &str) {
        if std::env::var_os("GEN_VECTORS_ALLOW_RENUMBER").is_some() {
            return;
        }
        if let Some((old_op, old_desc)) = self.old.get(id) {
            assert!(
                old_op == op && old_desc == desc,
                "{id} would change meaning (was {old_op}: {old_desc:?}, now {op}: {desc:?}); \
                 append new vectors at the end of their topic function instead \
                 (vectors/README.md section 7)"
            );
        }
    }

    fn to_json(&self) -> Value {
        let mut notes = Obj::new();
        for (k, text) in &self.notes {
            let used = self.vectors.iter().chain(&self.tamper_sets).any(|v| {
                v["flags"]
                    .as_array()
                    .is_some_and(|f| f.iter().any(|x| x == k))
            });
            if used {
                notes.insert((*k).into(), (*text).into());
            }
        }
        let mut o = Obj::new();
        o.insert("schema_version".into(), SCHEMA_VERSION.into());
        o.insert("file".into(), self.name.into());
        o.insert("description".into(), self.description.into());
        o.insert("notes".into(), Value::Object(notes));
        o.insert("vectors".into(), Value::Array(self.vectors.clone()));
        if !self.tamper_sets.is_empty() {
            o.insert("tamper_sets".into(), Value::Array(self.tamper_sets.clone()));
        }
        Value::Object(o)
    }
}

/// Disagreements between the stated expectation and the crate that are not listed as known
/// deviations; reported together at the end.
static MISMATCHES: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// The crate's listed outcome for a vector where it deviates from SPEC.md, if any.
fn deviation(id: &str) -> Option<Expect> {
    static LIST: std::sync::OnceLock<Vec<(String, Expect)>> = std::sync::OnceLock::new();
    let list = LIST.get_or_init(|| {
        let path = vectors_dir().join("deviations").join("rust-crate.json");
        let Ok(text) = std::fs::read_to_string(path) else {
            return Vec::new();
        };
        let v: Value = serde_json::from_str(&text).expect("deviations file is JSON");
        let leak = |s: &str| -> &'static str { Box::leak(s.to_owned().into_boxed_str()) };
        v["deviations"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| {
                let id = d["id"].as_str()?.to_owned();
                let a = &d["actual"];
                let e = if a["result"] == "success" {
                    Expect::Ok
                } else {
                    Expect::Err(leak(a["class"].as_str()?), a["reason"].as_str().map(leak))
                };
                Some((id, e))
            })
            .collect()
    });
    list.iter().find(|(i, _)| i == id).map(|(_, e)| e.clone())
}

/// Flags that any file may use.
const COMMON_NOTES: &[(&str, &str)] = &[
    (
        "SpecExample",
        "Reproduces a worked example of SPEC.md Appendix A or a row of Appendix B byte for byte.",
    ),
    (
        "DefaultParams",
        "Runs a KDF at the real default parameters (PBKDF2 600,000 iterations or Argon2id \
         64 MiB, t=3, p=4) or at the default policy's floor; takes a noticeable fraction of a \
         second.",
    ),
    (
        "RelaxedPolicy",
        "Uses KDF parameters below the default floor under a relaxed test policy stated in \
         the vector; real applications keep the default policy (SR-POL-4).",
    ),
    (
        "NoKdf",
        "The operation must fail before any KDF runs; a consumer that can count KDF \
         evaluations checks that there were none.",
    ),
    (
        "OrderOfChecks",
        "The input breaks more than one rule; the expected error is the one SPEC.md's \
         order of checks reports first.",
    ),
    (
        "LargeInput",
        "A byte input is given as a fill object (README section 3.1) because it is too large \
         to store as hex.",
    ),
    (
        "Slow",
        "Takes minutes; consumers may run it only on request, and say so when they skip it.",
    ),
];

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("vectors")
}

/// Ids and their (operation, description) in the committed file, if any.
fn old_ids(name: &str) -> BTreeMap<String, (String, String)> {
    let mut out = BTreeMap::new();
    let Ok(text) = std::fs::read_to_string(vectors_dir().join(format!("{name}.json"))) else {
        return out;
    };
    let Ok(v) = serde_json::from_str::<Value>(&text) else {
        return out;
    };
    for list in ["vectors", "tamper_sets"] {
        for x in v[list].as_array().into_iter().flatten() {
            if let (Some(id), Some(op), Some(d)) = (
                x["id"].as_str(),
                x["operation"].as_str(),
                x["description"].as_str(),
            ) {
                out.insert(id.into(), (op.into(), d.into()));
            }
        }
    }
    out
}

/// JSON with two-space indentation, where an array or object that fits on one line of at
/// most 100 columns is written on one line. Deterministic: key order is insertion order.
pub fn pretty(v: &Value) -> String {
    let mut out = String::new();
    write_value(v, 0, 0, &mut out);
    out.push('\n');
    out
}

/// One-line JSON with a space after every `:` and `,`.
fn compact(v: &Value) -> String {
    match v {
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(compact).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(o) => {
            let items: Vec<String> = o
                .iter()
                .map(|(k, x)| {
                    format!(
                        "{}: {}",
                        serde_json::to_string(k).unwrap_or_default(),
                        compact(x)
                    )
                })
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        _ => serde_json::to_string(v).unwrap_or_default(),
    }
}

fn write_value(v: &Value, indent: usize, used: usize, out: &mut String) {
    let compact = compact(v);
    let container = matches!(v, Value::Array(_) | Value::Object(_));
    if !container || indent + used + compact.len() <= 100 {
        out.push_str(&compact);
        return;
    }
    let pad = " ".repeat(indent + 2);
    match v {
        Value::Array(a) => {
            out.push_str("[\n");
            for (i, x) in a.iter().enumerate() {
                out.push_str(&pad);
                write_value(x, indent + 2, 0, out);
                if i + 1 < a.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            out.push_str(&" ".repeat(indent));
            out.push(']');
        }
        Value::Object(o) => {
            out.push_str("{\n");
            for (i, (k, x)) in o.iter().enumerate() {
                let key = serde_json::to_string(k).unwrap_or_default();
                out.push_str(&pad);
                out.push_str(&key);
                out.push_str(": ");
                write_value(x, indent + 2, key.len() + 2, out);
                if i + 1 < o.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            out.push_str(&" ".repeat(indent));
            out.push('}');
        }
        _ => out.push_str(&compact),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, n] = &args[..]
        && flag == "--accumulated"
    {
        let n: u64 = n.parse().expect("iterations");
        let t = std::time::Instant::now();
        let digest = exec::accumulated(&t_accumulated::inputs(), n).expect("accumulated");
        println!(
            "iterations {n}: digest {} ({:.1} s)",
            exec::hex(digest),
            t.elapsed().as_secs_f64()
        );
        return;
    }

    assert!(
        args.is_empty(),
        "usage: strongroom-gen-vectors [--accumulated N]"
    );

    let files = vec![
        t_keyring::file(),
        t_record::file(),
        t_cbor::file(),
        t_object::file(),
        t_version::file(),
        t_kdf::file(),
        t_policy::file(),
        t_password::file(),
        t_text::file(),
        t_recovery::file(),
        t_tamper::file(),
        t_accumulated::file(),
        t_hardening::file(),
        t_log::file(),
        t_stream::file(),
    ];
    let mism = MISMATCHES.lock().map(|m| m.clone()).unwrap_or_default();
    if !mism.is_empty() {
        for m in &mism {
            eprintln!("{m}");
        }
        eprintln!(
            "{} vectors disagree with the crate; nothing written",
            mism.len()
        );
        std::process::exit(1);
    }
    let dir = vectors_dir();
    for f in &files {
        let path = dir.join(format!("{}.json", f.name));
        std::fs::write(&path, pretty(&f.to_json())).expect("write vector file");
        println!(
            "{}: {} vectors{}",
            path.display(),
            f.vectors.len(),
            if f.tamper_sets.is_empty() {
                String::new()
            } else {
                format!(", {} tamper sets", f.tamper_sets.len())
            }
        );
    }
}
