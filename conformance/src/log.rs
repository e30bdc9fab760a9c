//! The log operations of vectors/README.md section 4 (SPEC.md 11.15): decoding checkpoints,
//! the log-entry context, appending, and the stateful scenarios `log_read` and
//! `log_open_entry`, in which a client with a given state is served a checkpoint, proofs and
//! entries by a server that may lie.

use serde_json::{Value, json};
use strongroom::hazmat;
use strongroom::{
    Checkpoint, ConsistencyProof, Context, Error, InclusionProof, LogId, LogPin, LogState,
    UnlockedKeyring,
};

use crate::Obj;
use crate::input::{Script, as_obj, as_str, as_u64, bytes, field, hex, input_bytes};

fn hash32(v: &Value, what: &str) -> Result<[u8; 32], String> {
    bytes(v)?
        .try_into()
        .map_err(|_| format!("`{what}` is not 32 bytes"))
}

fn id16(v: &Value, what: &str) -> Result<[u8; 16], String> {
    bytes(v)?
        .try_into()
        .map_err(|_| format!("`{what}` is not 16 bytes"))
}

fn hashes(v: &Value, what: &str) -> Result<Vec<[u8; 32]>, String> {
    v.as_array()
        .ok_or_else(|| format!("`{what}` is not a list"))?
        .iter()
        .map(|h| hash32(h, what))
        .collect()
}

/// A log pin: `{keyring_id, log_id, size, root}`.
fn pin(v: &Value) -> Result<LogPin, String> {
    let o = as_obj(v, "log_pin")?;
    Ok(LogPin::new(
        id16(field(o, "keyring_id")?, "keyring_id")?,
        LogId::from_bytes(id16(field(o, "log_id")?, "log_id")?),
        as_u64(field(o, "size")?, "size")?,
        hash32(field(o, "root")?, "root")?,
    ))
}

/// A state: a pin and its `frontier`. A frontier that does not match the pin is the
/// operation's first failure (SR-LOG-13), not a broken vector.
fn state(v: &Value) -> Result<Result<LogState, Error>, String> {
    let p = pin(v)?;
    let frontier = hashes(field(as_obj(v, "state")?, "frontier")?, "frontier")?;
    Ok(LogState::from_parts(p, frontier))
}

pub(crate) fn pin_json(p: &LogPin) -> Obj {
    let mut o = Obj::new();
    o.insert("keyring_id".into(), hex(p.keyring_id()).into());
    o.insert("log_id".into(), hex(p.log_id().as_bytes()).into());
    o.insert("size".into(), p.size().into());
    o.insert("root".into(), hex(p.root()).into());
    o
}

pub(crate) fn state_json(s: &LogState) -> Value {
    let mut o = pin_json(s.pin());
    o.insert(
        "frontier".into(),
        Value::Array(s.frontier().iter().map(|h| hex(h).into()).collect()),
    );
    Value::Object(o)
}

fn checkpoint_out(c: &Checkpoint) -> Obj {
    let mut o = Obj::new();
    o.insert("keyring_id".into(), hex(c.keyring_id()).into());
    o.insert("log_id".into(), hex(c.log_id().as_bytes()).into());
    o.insert("size".into(), c.size().into());
    o.insert("root".into(), hex(c.root()).into());
    o.insert("mac".into(), hex(c.mac()).into());
    o.insert("checkpoint_text".into(), c.to_text().into());
    o
}

/// The served entries: `[{position, entry}]`, `entry` a byte input.
fn served(v: &Value) -> Result<Vec<(u64, Vec<u8>)>, String> {
    v.as_array()
        .ok_or("`served` is not a list")?
        .iter()
        .map(|e| {
            let o = as_obj(e, "served[]")?;
            Ok((
                as_u64(field(o, "position")?, "position")?,
                input_bytes(o, "entry")?,
            ))
        })
        .collect()
}

/// The operations that need no unlocked keyring. `None`: not a log operation.
pub(crate) fn run_plain(
    operation: &str,
    inputs: &Obj,
) -> Option<Result<Result<Obj, Error>, String>> {
    Some(match operation {
        "decode_checkpoint" | "decode_checkpoint_text" => (|| {
            let decoded = if operation == "decode_checkpoint" {
                Checkpoint::from_bytes(&input_bytes(inputs, "checkpoint")?)
            } else {
                Checkpoint::from_text(as_str(field(inputs, "text")?, "text")?)
            };
            Ok(match decoded {
                Err(e) => Err(e),
                Ok(c) => {
                    if hazmat::reencode_checkpoint(&c) != c.as_bytes() {
                        return Err(
                            "the checkpoint does not re-encode to its input (SR-CBOR-9)".into()
                        );
                    }
                    let mut o = checkpoint_out(&c);
                    o.insert("checkpoint".into(), hex(c.as_bytes()).into());
                    Ok(o)
                }
            })
        })(),
        "log_entry_context" => (|| {
            let id = LogId::from_bytes(id16(field(inputs, "log_id")?, "log_id")?);
            let position = as_u64(field(inputs, "position")?, "position")?;
            let app = input_bytes(inputs, "app")?;
            Ok(id.entry_context(position, &app).map(|c| {
                let mut o = Obj::new();
                o.insert("context".into(), hex(c).into());
                o
            }))
        })(),
        _ => return None,
    })
}

/// The operations on an unlocked keyring. `None`: not a log operation.
pub(crate) fn run_unlocked(
    operation: &str,
    inputs: &Obj,
    u: &UnlockedKeyring,
    script: &mut Script,
    inter: &mut Obj,
) -> Option<Result<Result<Obj, Error>, String>> {
    Some(match operation {
        "log_append" => (|| {
            let pt = input_bytes(inputs, "plaintext")?;
            let app = input_bytes(inputs, "app")?;
            let s = match state(field(inputs, "state")?)? {
                Ok(s) => s,
                Err(e) => return Ok(Err(e)),
            };
            Ok(
                hazmat::seal_log_entry_with_rng(u, &s, &pt, Context::new(&app), script).map(|a| {
                    let ctx = a
                        .expected()
                        .log_id()
                        .entry_context(a.position(), &app)
                        .unwrap_or_default();
                    inter.insert(
                        "log".into(),
                        json!({
                            "log_key": hex(hazmat::log_key(u)),
                            "context": hex(&ctx),
                            "leaf": hex(strongroom::LogTree::leaf_hash(a.entry().as_bytes())),
                        }),
                    );
                    let mut o = Obj::new();
                    o.insert("position".into(), a.position().into());
                    o.insert("entry".into(), hex(a.entry().as_bytes()).into());
                    o.insert("checkpoint".into(), hex(a.checkpoint().as_bytes()).into());
                    o.insert("checkpoint_text".into(), a.checkpoint().to_text().into());
                    o.insert("state".into(), state_json(&a.acknowledged()));
                    o
                }),
            )
        })(),
        "log_read" => (|| {
            let s = state(field(inputs, "state")?)?;
            let cb = input_bytes(inputs, "checkpoint")?;
            let proof = ConsistencyProof::new(hashes(
                field(inputs, "consistency_proof")?,
                "consistency_proof",
            )?);
            let entries = served(field(inputs, "served")?)?;
            let refs: Vec<(u64, &[u8])> = entries.iter().map(|(p, e)| (*p, &e[..])).collect();
            let app = input_bytes(inputs, "app")?;
            Ok(s.and_then(|s| {
                let c = Checkpoint::from_bytes(&cb)?;
                let verified = u.verify_checkpoint(&c, s.pin(), &proof)?;
                let (plaintexts, after) =
                    u.open_log_entries(&s, &verified, &refs, Context::new(&app))?;
                let mut o = Obj::new();
                o.insert(
                    "plaintexts".into(),
                    Value::Array(plaintexts.iter().map(|p| hex(&p[..]).into()).collect()),
                );
                o.insert("state".into(), state_json(&after));
                Ok(o)
            }))
        })(),
        "log_open_entry" => (|| {
            let p = pin(field(inputs, "log_pin")?)?;
            let cb = input_bytes(inputs, "checkpoint")?;
            let proof = ConsistencyProof::new(hashes(
                field(inputs, "consistency_proof")?,
                "consistency_proof",
            )?);
            let position = as_u64(field(inputs, "position")?, "position")?;
            let entry = match field(inputs, "entry")? {
                Value::Null => None,
                v => Some(bytes(v)?),
            };
            let inclusion = InclusionProof::new(hashes(
                field(inputs, "inclusion_proof")?,
                "inclusion_proof",
            )?);
            let app = input_bytes(inputs, "app")?;
            Ok((|| {
                let c = Checkpoint::from_bytes(&cb)?;
                let verified = u.verify_checkpoint(&c, &p, &proof)?;
                let pt = u.open_log_entry(
                    &verified,
                    position,
                    entry.as_deref(),
                    &inclusion,
                    Context::new(&app),
                )?;
                let mut o = Obj::new();
                o.insert("plaintext".into(), hex(&pt[..]).into());
                o.insert("log_pin".into(), Value::Object(pin_json(&verified.pin())));
                Ok(o)
            })())
        })(),
        _ => return None,
    })
}
