//! The vector suite (vectors/README.md) loaded into cases, and the allowed-deviation lists:
//! what `conformance` and `vectors verify` both run.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::adapter;
use crate::fail::{CliError, CliResult, show};

/// The vector file format versions this runner reads (vectors/README.md section 7).
pub const SCHEMA_VERSION: u64 = 1;

/// What a case must answer.
#[derive(Clone, Debug)]
pub enum Expect {
    /// Success, with these output fields exactly.
    Success {
        /// Expected output fields.
        outputs: Map<String, Value>,
    },
    /// An error of this class and reason.
    Error {
        /// SPEC.md error class.
        class: String,
        /// Reason code, for the classes that have one.
        reason: Option<String>,
        /// `open_stream`: the chunks released before the failure (vectors/README.md section
        /// 4.2), compared when the answer states it.
        released: Option<u64>,
    },
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expect::Success { .. } => f.write_str("success"),
            Expect::Error { class, reason, .. } => {
                f.write_str(&show_class(class, reason.as_deref()))
            }
        }
    }
}

/// `class` or `class/reason`.
pub fn show_class(class: &str, reason: Option<&str>) -> String {
    match reason {
        Some(r) => format!("{class}/{r}"),
        None => class.to_string(),
    }
}

/// One request to send and what must come back.
#[derive(Clone, Debug)]
pub struct Case {
    /// The vector file (e.g. `keyring.json`).
    pub file: String,
    /// The vector id (tamper mutations: `<set>/t<n>` or `<set>/f<offset>.<bit>`).
    pub id: String,
    /// The vector's description.
    pub description: String,
    /// `{"op": ..., "args": ...}`; the runner adds `"id"`.
    pub request: Value,
    /// The expected answer.
    pub expect: Expect,
    /// Why the case is not run (deprecated, slow), if it is not.
    pub skip: Option<String>,
    /// Why the case fails before anything is asked (an operation this runner does not know).
    pub broken: Option<String>,
}

/// The whole suite.
pub struct Suite {
    /// Every case, file by file in name order, vectors in file order.
    pub cases: Vec<Case>,
}

fn bad(path: &Path, msg: impl fmt::Display) -> CliError {
    CliError::usage(format!("{}: {msg}", show(path)))
}

fn expect_of(expected: &Value, output: Option<&Value>) -> Result<Expect, String> {
    let result = expected.get("result").and_then(Value::as_str);
    match result {
        Some("success") => Ok(Expect::Success {
            outputs: output
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
        }),
        Some("error") => Ok(Expect::Error {
            class: expected
                .get("class")
                .and_then(Value::as_str)
                .ok_or("expected error without a class")?
                .to_string(),
            reason: expected
                .get("reason")
                .and_then(Value::as_str)
                .map(String::from),
            released: expected.get("released_chunks").and_then(Value::as_u64),
        }),
        _ => Err("`expected.result` is neither success nor error".into()),
    }
}

/// Loads every `*.json` in `dir` except `schema.json`; `slow` runs vectors flagged `Slow`
/// instead of skipping them.
pub fn load_with(dir: &Path, slow: bool) -> CliResult<Suite> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        CliError::io(
            format!(
                "reading the vector directory {} (give DIR or --vectors DIR)",
                show(dir)
            ),
            e,
        )
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && p.file_name().is_some_and(|n| n != "schema.json")
        })
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(bad(dir, "no vector files (*.json) found"));
    }
    let mut cases = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::io(format!("reading {}", show(path)), e))?;
        let doc: Value = serde_json::from_str(&text).map_err(|e| bad(path, e))?;
        let version = doc.get("schema_version").and_then(Value::as_u64);
        if version != Some(SCHEMA_VERSION) {
            return Err(bad(
                path,
                format!(
                    "schema_version {version:?} is not one this runner reads ({SCHEMA_VERSION}); \
                     update strongroom"
                ),
            ));
        }
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for v in doc
            .get("vectors")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            cases.push(vector_case(&file, v, slow).map_err(|m| bad(path, m))?);
        }
        for set in doc
            .get("tamper_sets")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            cases.extend(tamper_cases(&file, set).map_err(|m| bad(path, m))?);
        }
    }
    Ok(Suite { cases })
}

fn str_field<'a>(v: &'a Value, name: &str) -> Result<&'a str, String> {
    v.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("a vector lacks `{name}`"))
}

fn base_case(file: &str, v: &Value, id: String) -> Result<Case, String> {
    let op = str_field(v, "operation")?;
    let inputs = v.get("inputs").cloned().unwrap_or_else(|| json!({}));
    let skip = match v.get("status").and_then(Value::as_str) {
        Some("deprecated") => Some(format!(
            "deprecated: {}",
            v.get("deprecated_reason")
                .and_then(Value::as_str)
                .unwrap_or("no reason given")
        )),
        _ => None,
    };
    // vectors/README.md section 7: an unknown operation fails, it is never skipped.
    let broken = (!adapter::operations().contains(&op)).then(|| {
        format!("operation {op:?} is unknown to this runner (newer vectors? update strongroom)")
    });
    Ok(Case {
        file: file.to_string(),
        id,
        description: v
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        request: json!({"op": op, "args": inputs}),
        expect: Expect::Success {
            outputs: Map::new(),
        },
        skip,
        broken,
    })
}

fn flagged(v: &Value, flag: &str) -> bool {
    v.get("flags")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|f| f.as_str() == Some(flag)))
}

fn vector_case(file: &str, v: &Value, slow: bool) -> Result<Case, String> {
    let id = str_field(v, "id")?.to_string();
    let mut case = base_case(file, v, id)?;
    case.expect = expect_of(
        v.get("expected").ok_or("a vector lacks `expected`")?,
        v.get("output"),
    )?;
    if case.skip.is_none() && !slow && flagged(v, "Slow") {
        case.skip = Some("flagged Slow (run with --slow)".into());
    }
    Ok(case)
}

/// The base case and one case per mutation of a tamper set (vectors/README.md section 5).
fn tamper_cases(file: &str, set: &Value) -> Result<Vec<Case>, String> {
    let set_id = str_field(set, "id")?;
    let target = str_field(set, "target")?;
    let base = base_case(file, set, set_id.to_string())?;
    let original = set
        .get("inputs")
        .and_then(|i| i.get(target))
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{set_id}: target input `{target}` is not a hex string"))?;
    let bytes = hex::decode(original).map_err(|_| format!("{set_id}: target is not hex"))?;
    // The unmodified base is a case of its own (it must succeed, README section 5), so that every
    // runner counts a set as 1 + its mutations.
    let mut out = vec![base.clone()];
    for m in set
        .get("mutations")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{set_id}: no mutations"))?
    {
        let (suffix, mutated) = if let Some(n) = m.get("truncate").and_then(Value::as_u64) {
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            let kept = bytes
                .get(..n)
                .ok_or_else(|| format!("{set_id}: truncation {n} beyond the input"))?;
            (format!("t{n}"), kept.to_vec())
        } else if let Some(f) = m.get("flip").and_then(Value::as_array) {
            let off = f.first().and_then(Value::as_u64).unwrap_or(u64::MAX);
            let bit = f.get(1).and_then(Value::as_u64).unwrap_or(u64::MAX);
            let off_us = usize::try_from(off).unwrap_or(usize::MAX);
            if off_us >= bytes.len() || bit > 7 {
                return Err(format!("{set_id}: flip [{off}, {bit}] is out of range"));
            }
            let mut b = bytes.clone();
            b[off_us] ^= 1 << bit;
            (format!("f{off}.{bit}"), b)
        } else {
            return Err(format!("{set_id}: a mutation is neither truncate nor flip"));
        };
        let mut case = base.clone();
        case.id = format!("{set_id}/{suffix}");
        case.request["args"][target] = json!(hex::encode(mutated));
        case.expect = expect_of(
            &json!({"result": "error", "class": m.get("class"),
                    "reason": m.get("reason"), "released_chunks": m.get("released_chunks")}),
            None,
        )?;
        case.description = format!("{} ({suffix})", base.description);
        out.push(case);
    }
    Ok(out)
}

/// Keeps the cases whose id contains `filter`.
pub fn filter(cases: Vec<Case>, filter: Option<&str>) -> Vec<Case> {
    match filter {
        Some(f) => cases.into_iter().filter(|c| c.id.contains(f)).collect(),
        None => cases,
    }
}

/// One allowed deviation (vectors/README.md section 8).
#[derive(Clone, Debug)]
pub struct Deviation {
    /// Why it is acceptable.
    pub reason: String,
    /// Output fields not compared (`output.dek`).
    pub fields: Vec<String>,
    /// The outcome observed instead of the expected one.
    pub actual: Option<Value>,
}

/// Reads an allowed-deviations file.
pub fn load_deviations(path: &Path) -> CliResult<BTreeMap<String, Deviation>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::io(format!("reading {}", show(path)), e))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| bad(path, e))?;
    if doc.get("schema_version").and_then(Value::as_u64) != Some(SCHEMA_VERSION) {
        return Err(bad(
            path,
            format!("schema_version must be {SCHEMA_VERSION}"),
        ));
    }
    let mut out = BTreeMap::new();
    for d in doc
        .get("deviations")
        .and_then(Value::as_array)
        .ok_or_else(|| bad(path, "no `deviations` list"))?
    {
        let id = d
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(path, "a deviation lacks `id`"))?;
        let reason = d
            .get("reason")
            .and_then(Value::as_str)
            .filter(|r| !r.trim().is_empty())
            .ok_or_else(|| bad(path, format!("deviation {id} lacks a `reason`")))?;
        let fields = d
            .get("fields")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        let dev = Deviation {
            reason: reason.to_string(),
            fields,
            actual: d.get("actual").cloned(),
        };
        if out.insert(id.to_string(), dev).is_some() {
            return Err(bad(path, format!("deviation {id} is listed twice")));
        }
    }
    Ok(out)
}
