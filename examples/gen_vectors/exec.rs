//! The vector consumer: runs one vector's operation through the public API of `strongroom`
//! and reports the outcome, the output fields and the intermediate values.
//!
//! Shared by the generator (`examples/gen_vectors`, which fills in outputs and checks the
//! expected errors it states by hand) and by `tests/vectors.rs` (which compares every committed
//! vector with a fresh run). It reads only the JSON of a vector, as a port in another language
//! would, following vectors/README.md.
#![allow(dead_code)]

use serde_json::{Map, Value, json};
use strongroom::hazmat::{self, RandomSource};
use strongroom::{
    Context, Error, KdfParams, Keyring, Password, RecoveryCode, SealedRecord, SlotKind,
    UnlockPolicy, UnlockedKeyring,
};

/// A JSON object.
pub type Obj = Map<String, Value>;

/// The result of running one vector.
pub struct Run {
    /// The operation's outcome: its output fields, or the error it failed with.
    pub outcome: Result<Obj, Error>,
    /// Intermediate values (positive vectors only; empty on failure).
    pub intermediates: Obj,
    /// KDF evaluations during the operation itself (after any unlock setup).
    pub kdf_calls: u64,
}

/// Lowercase hex.
pub fn hex(b: impl AsRef<[u8]>) -> String {
    hex::encode(b)
}

fn field<'a>(o: &'a Obj, name: &str) -> Result<&'a Value, String> {
    o.get(name).ok_or_else(|| format!("input `{name}` missing"))
}

fn as_obj<'a>(v: &'a Value, what: &str) -> Result<&'a Obj, String> {
    v.as_object()
        .ok_or_else(|| format!("`{what}` is not an object"))
}

fn as_str<'a>(v: &'a Value, what: &str) -> Result<&'a str, String> {
    v.as_str()
        .ok_or_else(|| format!("`{what}` is not a string"))
}

fn as_u64(v: &Value, what: &str) -> Result<u64, String> {
    v.as_u64()
        .ok_or_else(|| format!("`{what}` is not an unsigned integer"))
}

fn as_u32(v: &Value, what: &str) -> Result<u32, String> {
    u32::try_from(as_u64(v, what)?).map_err(|_| format!("`{what}` does not fit 32 bits"))
}

/// A byte input: a hex string, or `{"prefix", "fill", "length"}` (README section 3.1).
pub fn bytes(v: &Value) -> Result<Vec<u8>, String> {
    match v {
        Value::String(s) => hex::decode(s).map_err(|e| format!("bad hex: {e}")),
        Value::Object(o) => {
            let mut out = hex::decode(as_str(field(o, "prefix")?, "prefix")?)
                .map_err(|e| format!("bad hex: {e}"))?;
            let fill = hex::decode(as_str(field(o, "fill")?, "fill")?)
                .map_err(|e| format!("bad hex: {e}"))?;
            let [fill] = fill[..] else {
                return Err("`fill` is not one byte".into());
            };
            let len = usize::try_from(as_u64(field(o, "length")?, "length")?)
                .map_err(|_| "length too large")?;
            if len < out.len() {
                return Err("`length` shorter than `prefix`".into());
            }
            out.resize(len, fill);
            Ok(out)
        }
        _ => Err("byte input is neither a hex string nor a fill object".into()),
    }
}

fn input_bytes(o: &Obj, name: &str) -> Result<Vec<u8>, String> {
    bytes(field(o, name)?)
}

/// The password string of a password object (README section 3.2), checked against its
/// `utf8_hex`.
fn password_string(v: &Value) -> Result<String, String> {
    let o = as_obj(v, "password")?;
    let s = as_str(field(o, "string")?, "password.string")?;
    let utf8 = input_bytes(o, "utf8_hex")?;
    if utf8 != s.as_bytes() {
        return Err("password.utf8_hex does not match password.string".into());
    }
    Ok(s.to_owned())
}

/// KDF parameters (README section 3.3).
pub fn kdf(v: &Value) -> Result<KdfParams, String> {
    let o = as_obj(v, "kdf")?;
    match as_u64(field(o, "id")?, "kdf.id")? {
        1 => Ok(KdfParams::Pbkdf2Sha256 {
            iterations: as_u32(field(o, "iterations")?, "iterations")?,
        }),
        2 => Ok(KdfParams::Argon2id {
            memory_kib: as_u32(field(o, "memory_kib")?, "memory_kib")?,
            time_cost: as_u32(field(o, "time_cost")?, "time_cost")?,
            parallelism: as_u32(field(o, "parallelism")?, "parallelism")?,
        }),
        id => Err(format!("kdf id {id} cannot be passed to the API")),
    }
}

/// The JSON form of KDF parameters.
pub fn kdf_json(k: &KdfParams) -> Value {
    match *k {
        KdfParams::Pbkdf2Sha256 { iterations } => {
            json!({"id": 1, "name": "pbkdf2-hmac-sha256", "iterations": iterations})
        }
        KdfParams::Argon2id {
            memory_kib,
            time_cost,
            parallelism,
        } => json!({"id": 2, "name": "argon2id", "memory_kib": memory_kib,
                    "time_cost": time_cost, "parallelism": parallelism}),
        _ => Value::Null,
    }
}

/// An unlock policy (README section 3.4), or the error constructing it gives.
pub fn policy(v: &Value) -> Result<strongroom::Result<UnlockPolicy>, String> {
    let o = as_obj(v, "policy")?;
    let pair = |name: &str| -> Result<core::ops::RangeInclusive<u32>, String> {
        let a = field(o, name)?
            .as_array()
            .filter(|a| a.len() == 2)
            .ok_or_else(|| format!("policy.{name} is not a pair"))?;
        Ok(as_u32(&a[0], name)?..=as_u32(&a[1], name)?)
    };
    Ok(UnlockPolicy::builder()
        .pbkdf2_iterations(pair("pbkdf2_iterations")?)
        .argon2_memory_kib(pair("argon2_memory_kib")?)
        .argon2_time_cost(pair("argon2_time_cost")?)
        .argon2_parallelism(pair("argon2_parallelism")?)
        .build())
}

/// The scripted generator of README section 3.5.
pub struct Script {
    draws: Vec<Vec<u8>>,
    next: usize,
    /// Set when the implementation asked for a size other than the next value's.
    pub out_of_step: Option<String>,
}

impl Script {
    /// The draws of `inputs.random` (none if absent).
    pub fn from_inputs(o: &Obj) -> Result<Self, String> {
        let mut draws = Vec::new();
        if let Some(list) = o.get("random") {
            let list = list.as_array().ok_or("`random` is not a list")?;
            for d in list {
                draws.push(input_bytes(as_obj(d, "random[]")?, "hex")?);
            }
        }
        Ok(Script {
            draws,
            next: 0,
            out_of_step: None,
        })
    }

    /// Whether every scripted value was handed out.
    pub fn exhausted(&self) -> bool {
        self.next == self.draws.len()
    }
}

impl RandomSource for Script {
    fn fill(&mut self, dest: &mut [u8]) -> strongroom::Result<()> {
        let Some(d) = self.draws.get(self.next) else {
            return Err(Error::RandomnessUnavailable);
        };
        if d.len() != dest.len() {
            self.out_of_step = Some(format!(
                "draw {} asked for {} bytes, script has {}",
                self.next,
                dest.len(),
                d.len()
            ));
            return Err(Error::RandomnessUnavailable);
        }
        dest.copy_from_slice(d);
        self.next += 1;
        Ok(())
    }
}

fn kind_name(k: &SlotKind) -> &'static str {
    match k {
        SlotKind::Password { .. } => "password",
        _ => "recovery",
    }
}

/// The `decode_keyring` output: every decoded field.
pub fn keyring_summary(k: &Keyring) -> Obj {
    let slots: Vec<Value> = k
        .slots()
        .iter()
        .map(|s| {
            let mut o = Obj::new();
            o.insert("kind".into(), kind_name(s.kind()).into());
            o.insert("label".into(), s.label().into());
            if let SlotKind::Password { kdf, salt } = s.kind() {
                o.insert("kdf".into(), kdf_json(kdf));
                o.insert("salt".into(), hex(salt).into());
            }
            o.insert("nonce".into(), hex(s.nonce()).into());
            o.insert("wrapped_dek".into(), hex(s.wrapped_dek()).into());
            o.insert("commitment".into(), hex(s.commitment()).into());
            o.insert("slot_bytes".into(), hex(s.as_bytes()).into());
            Value::Object(o)
        })
        .collect();
    let mut o = Obj::new();
    o.insert("keyring_id".into(), hex(k.id()).into());
    o.insert("generation".into(), k.generation().into());
    o.insert("slots".into(), slots.into());
    o.insert("mac".into(), hex(k.mac()).into());
    o
}

fn unlocked_out(u: &UnlockedKeyring) -> Obj {
    let mut o = Obj::new();
    o.insert("keyring_id".into(), hex(u.keyring().id()).into());
    o.insert("generation".into(), u.keyring().generation().into());
    o.insert("dek".into(), hex(hazmat::dek(u)).into());
    o
}

fn keyring_out(k: &Keyring) -> Obj {
    let mut o = Obj::new();
    o.insert("keyring".into(), hex(k.as_bytes()).into());
    o.insert("keyring_text".into(), k.to_text().into());
    o
}

/// Intermediates of slot `index` of `k` for a KEK.
fn slot_group(k: &Keyring, index: usize, kek: &[u8; 32]) -> Value {
    let Some(s) = hazmat::slot_secrets(k, index, kek) else {
        return Value::Null;
    };
    let slot = &k.slots()[index];
    json!({
        "index": index,
        "kind": kind_name(slot.kind()),
        "kek": hex(s.kek),
        "prk_slot": hex(s.prk),
        "wrap_key": hex(s.wrap_key),
        "commitment": hex(s.commitment),
        "slot_aad": hex(&s.aad),
        "wrapped_dek": hex(slot.wrapped_dek()),
        "slot_bytes": hex(slot.as_bytes()),
    })
}

fn keyring_group(u: &UnlockedKeyring) -> Value {
    let bytes = u.keyring().as_bytes();
    json!({
        "prk_ring": hex(hazmat::keyring_prk(u)),
        "mac_key": hex(hazmat::mac_key(u)),
        "mac_input": hex(&bytes[..bytes.len() - 35]),
        "mac": hex(u.keyring().mac()),
    })
}

fn record_group(u: &UnlockedKeyring, r: &SealedRecord, context: &[u8]) -> Value {
    let s = hazmat::record_secrets(u, r, Context::new(context));
    let mut g = json!({
        "record_root": hex(s.record_root),
        "prk_rec": hex(s.prk),
        "record_key": hex(s.record_key),
        "commitment": hex(s.commitment),
        "header": hex(r.header()),
        "aad": hex(&s.aad),
    });
    // Large ciphertexts are only the tail of the record; not repeated (README 3.6).
    if r.ciphertext().len() <= 4096 + 16 {
        g["ciphertext"] = hex(r.ciphertext()).into();
    }
    g
}

fn recovery_group(code: &RecoveryCode) -> Value {
    let p = hazmat::recovery_payload(code);
    json!({"check": hex(&p[32..]), "payload": hex(p)})
}

/// The index of the first slot of `kinds` whose commitment a KEK reproduces, with that KEK:
/// which slot opened (the API does not say).
fn opened_slot(
    k: &Keyring,
    password: Option<&Password>,
    secret: Option<[u8; 32]>,
    only: Option<usize>,
) -> Option<(usize, [u8; 32])> {
    for (i, s) in k.slots().iter().enumerate() {
        if only.is_some_and(|o| o != i) {
            continue;
        }
        let kek = match (s.kind(), password, secret) {
            (SlotKind::Password { kdf, salt }, Some(p), _) => hazmat::kek(kdf, p, salt).ok()?,
            (SlotKind::Recovery, _, Some(sec)) => sec,
            _ => continue,
        };
        if hazmat::slot_secrets(k, i, &kek).is_some_and(|x| &x.commitment == s.commitment()) {
            return Some((i, kek));
        }
    }
    None
}

fn secret_of(code: &RecoveryCode) -> [u8; 32] {
    let mut s = [0u8; 32];
    s.copy_from_slice(&hazmat::recovery_payload(code)[..32]);
    s
}

/// Decodes `inputs.keyring` and unlocks it as `inputs.unlock` says (the setup of operations
/// on an unlocked keyring). A failure here is a broken vector.
fn setup(o: &Obj, policy: &UnlockPolicy) -> Result<UnlockedKeyring, String> {
    let k = Keyring::from_bytes(&input_bytes(o, "keyring")?)
        .map_err(|e| format!("setup: keyring does not decode: {e}"))?;
    let u = as_obj(field(o, "unlock")?, "unlock")?;
    let r = match as_str(field(u, "method")?, "unlock.method")? {
        "password" => {
            let p = Password::new(&password_string(field(u, "password")?)?)
                .map_err(|e| format!("setup: {e}"))?;
            k.unlock(&p, policy)
        }
        "recovery_code" => {
            let c = RecoveryCode::parse(as_str(field(u, "recovery_code")?, "recovery_code")?)
                .map_err(|e| format!("setup: {e}"))?;
            k.unlock_with_recovery(&c, policy)
        }
        m => return Err(format!("unknown unlock method {m}")),
    };
    r.map_err(|e| format!("setup: unlock failed: {e}"))
}

/// Every operation this consumer knows (README section 4).
pub const OPERATIONS: &[&str] = &[
    "decode_keyring",
    "decode_keyring_text",
    "decode_record",
    "decode_record_text",
    "normalize_password",
    "make_policy",
    "create",
    "unlock_password",
    "unlock_slot",
    "unlock_recovery",
    "change_password",
    "add_password_slot",
    "add_recovery_slot",
    "remove_slot",
    "seal",
    "open",
    "parse_recovery_code",
    "accumulated_seal",
];

/// Runs one operation. `Err` means the vector itself is broken or the consumer could not
/// follow it (unknown operation, missing input, a draw of the wrong size, a failed setup, a
/// decoded object that does not re-encode to its input); such a vector fails.
pub fn run(operation: &str, inputs: &Obj) -> Result<Run, String> {
    let mut inter = Obj::new();
    let mut script = Script::from_inputs(inputs)?;
    // Policy and setup happen before the KDF counter starts.
    let policy_in = match inputs.get("policy") {
        Some(p) if operation != "make_policy" => {
            Some(policy(p)?.map_err(|e| format!("policy of the vector is invalid: {e}"))?)
        }
        _ => None,
    };
    let pol = || policy_in.ok_or_else(|| "input `policy` missing".to_string());
    let mut unlocked = match operation {
        "change_password" | "add_password_slot" | "add_recovery_slot" | "remove_slot" | "seal"
        | "open" => Some(setup(inputs, &pol()?)?),
        _ => None,
    };
    let before = unlocked.as_ref().map(|u| u.keyring().as_bytes().to_vec());
    let calls_before = hazmat::kdf_calls();

    let outcome: Result<Obj, Error> = match operation {
        "decode_keyring" => {
            let b = input_bytes(inputs, "keyring")?;
            match Keyring::from_bytes(&b) {
                Ok(k) => {
                    check_reencode(
                        &b,
                        &hazmat::reencode_keyring(&k).map_err(|e| e.to_string())?,
                    )?;
                    Ok(keyring_summary(&k))
                }
                Err(e) => Err(e),
            }
        }
        "decode_keyring_text" => {
            let t = as_str(field(inputs, "text")?, "text")?;
            Keyring::from_text(t).map(|k| {
                let mut o = Obj::new();
                o.insert("keyring".into(), hex(k.as_bytes()).into());
                o
            })
        }
        "decode_record" => {
            let b = input_bytes(inputs, "record")?;
            let r = SealedRecord::from_bytes(&b);
            // The owning constructor must agree with the borrowing one.
            let r2 = SealedRecord::from_vec(b.clone());
            if r.as_ref().err() != r2.as_ref().err() {
                return Err(format!(
                    "from_bytes and from_vec disagree: {:?} / {:?}",
                    r.as_ref().err(),
                    r2.as_ref().err()
                ));
            }
            match r {
                Ok(r) => {
                    check_reencode(&b, &hazmat::reencode_record(&r))?;
                    let mut o = Obj::new();
                    o.insert("keyring_id".into(), hex(r.keyring_id()).into());
                    o.insert("salt".into(), hex(r.salt()).into());
                    o.insert("nonce".into(), hex(r.nonce()).into());
                    o.insert("commitment".into(), hex(r.commitment()).into());
                    o.insert("ciphertext".into(), hex(r.ciphertext()).into());
                    Ok(o)
                }
                Err(e) => Err(e),
            }
        }
        "decode_record_text" => {
            let t = as_str(field(inputs, "text")?, "text")?;
            SealedRecord::from_text(t).map(|r| {
                let mut o = Obj::new();
                o.insert("record".into(), hex(r.as_bytes()).into());
                o
            })
        }
        "normalize_password" => {
            Password::new(&password_string(field(inputs, "password")?)?).map(|p| {
                let mut o = Obj::new();
                o.insert(
                    "nfc_utf8_hex".into(),
                    hex(hazmat::password_bytes(&p)).into(),
                );
                o
            })
        }
        "make_policy" => policy(field(inputs, "policy")?)?.map(|_| Obj::new()),
        "create" => {
            let label = as_str(field(inputs, "label")?, "label")?;
            let k = kdf(field(inputs, "kdf")?)?;
            let policy = pol()?;
            match Password::new(&password_string(field(inputs, "password")?)?) {
                Err(e) => Err(e),
                Ok(p) => match hazmat::create_with_rng(&p, k, label, &policy, &mut script) {
                    Err(e) => Err(e),
                    Ok(u) => {
                        let mut o = keyring_out(u.keyring());
                        o.insert("dek".into(), hex(hazmat::dek(&u)).into());
                        inter.insert(
                            "password_nfc".into(),
                            hex(hazmat::password_bytes(&p)).into(),
                        );
                        if let SlotKind::Password { salt, .. } = u.keyring().slots()[0].kind() {
                            let kek = hazmat::kek(&k, &p, salt).map_err(|e| e.to_string())?;
                            inter.insert("slot".into(), slot_group(u.keyring(), 0, &kek));
                        }
                        inter.insert("keyring".into(), keyring_group(&u));
                        Ok(o)
                    }
                },
            }
        }
        "unlock_password" | "unlock_slot" | "unlock_recovery" => {
            let b = input_bytes(inputs, "keyring")?;
            let policy = pol()?;
            let index = match inputs.get("index") {
                Some(i) => {
                    Some(usize::try_from(as_u64(i, "index")?).map_err(|_| "index too large")?)
                }
                None => None,
            };
            match Keyring::from_bytes(&b) {
                Err(e) => Err(e),
                Ok(k) => {
                    let pw_in = inputs.get("password");
                    let code_in = inputs.get("recovery_code");
                    let r = match (operation, pw_in, code_in) {
                        ("unlock_password", Some(p), None) => Password::new(&password_string(p)?)
                            .and_then(|pw| k.unlock(&pw, &policy).map(|u| (u, Some(pw), None))),
                        ("unlock_slot", Some(p), None) => {
                            let i = index.ok_or("input `index` missing")?;
                            Password::new(&password_string(p)?).and_then(|pw| {
                                k.unlock_slot(i, &pw, &policy).map(|u| (u, Some(pw), None))
                            })
                        }
                        ("unlock_slot", None, Some(c)) => {
                            let i = index.ok_or("input `index` missing")?;
                            RecoveryCode::parse(as_str(c, "recovery_code")?).and_then(|c| {
                                k.unlock_slot_with_recovery(i, &c, &policy)
                                    .map(|u| (u, None, Some(secret_of(&c))))
                            })
                        }
                        ("unlock_recovery", None, Some(c)) => {
                            RecoveryCode::parse(as_str(c, "recovery_code")?).and_then(|c| {
                                k.unlock_with_recovery(&c, &policy)
                                    .map(|u| (u, None, Some(secret_of(&c))))
                            })
                        }
                        _ => return Err("credential inputs do not fit the operation".into()),
                    };
                    match r {
                        Err(e) => Err(e),
                        Ok((u, pw, secret)) => {
                            let calls = hazmat::kdf_calls();
                            if let Some((i, kek)) = opened_slot(&k, pw.as_ref(), secret, index) {
                                inter.insert("slot".into(), slot_group(&k, i, &kek));
                            }
                            inter.insert("keyring".into(), keyring_group(&u));
                            // The KDF runs of the bookkeeping above are not the operation's.
                            let extra = hazmat::kdf_calls() - calls;
                            return finish(
                                Ok(unlocked_out(&u)),
                                inter,
                                hazmat::kdf_calls() - calls_before - extra,
                                &script,
                            );
                        }
                    }
                }
            }
        }
        "change_password" | "add_password_slot" => {
            let u = unlocked.as_mut().ok_or("no setup")?;
            let k = kdf(field(inputs, "kdf")?)?;
            let pw_name = if operation == "change_password" {
                "new_password"
            } else {
                "password"
            };
            let pw = password_string(field(inputs, pw_name)?)?;
            let res = if operation == "change_password" {
                let index = usize::try_from(as_u64(field(inputs, "index")?, "index")?)
                    .map_err(|_| "index too large")?;
                Password::new(&pw).and_then(|p| {
                    hazmat::change_password_with_rng(u, index, &p, k, &mut script)
                        .map(|()| (p, index))
                })
            } else {
                let label = as_str(field(inputs, "label")?, "label")?;
                Password::new(&pw).and_then(|p| {
                    hazmat::add_password_slot_with_rng(u, &p, k, label, &mut script)
                        .map(|()| (p, u.keyring().slots().len() - 1))
                })
            };
            match res {
                Err(e) => Err(e),
                Ok((p, index)) => {
                    if let SlotKind::Password { salt, .. } = u.keyring().slots()[index].kind() {
                        let kek = hazmat::kek(&k, &p, salt).map_err(|e| e.to_string())?;
                        inter.insert(
                            "password_nfc".into(),
                            hex(hazmat::password_bytes(&p)).into(),
                        );
                        inter.insert("slot".into(), slot_group(u.keyring(), index, &kek));
                    }
                    inter.insert("keyring".into(), keyring_group(u));
                    Ok(keyring_out(u.keyring()))
                }
            }
        }
        "add_recovery_slot" => {
            let u = unlocked.as_mut().ok_or("no setup")?;
            let label = as_str(field(inputs, "label")?, "label")?;
            match hazmat::add_recovery_slot_with_rng(u, label, &mut script) {
                Err(e) => Err(e),
                Ok(code) => {
                    let index = u.keyring().slots().len() - 1;
                    inter.insert(
                        "slot".into(),
                        slot_group(u.keyring(), index, &secret_of(&code)),
                    );
                    inter.insert("keyring".into(), keyring_group(u));
                    inter.insert("recovery".into(), recovery_group(&code));
                    let mut o = keyring_out(u.keyring());
                    o.insert("recovery_code".into(), code.expose().as_str().into());
                    Ok(o)
                }
            }
        }
        "remove_slot" => {
            let u = unlocked.as_mut().ok_or("no setup")?;
            let index = usize::try_from(as_u64(field(inputs, "index")?, "index")?)
                .map_err(|_| "index too large")?;
            match u.remove_slot(index) {
                Err(e) => Err(e),
                Ok(()) => {
                    inter.insert("keyring".into(), keyring_group(u));
                    Ok(keyring_out(u.keyring()))
                }
            }
        }
        "seal" => {
            let u = unlocked.as_ref().ok_or("no setup")?;
            let pt = input_bytes(inputs, "plaintext")?;
            let ctx = input_bytes(inputs, "context")?;
            match hazmat::seal_with_rng(u, &pt, Context::new(&ctx), &mut script) {
                Err(e) => Err(e),
                Ok(r) => {
                    inter.insert("record".into(), record_group(u, &r, &ctx));
                    let mut o = Obj::new();
                    o.insert("record".into(), hex(r.as_bytes()).into());
                    o.insert("record_text".into(), r.to_text().into());
                    Ok(o)
                }
            }
        }
        "open" => {
            let u = unlocked.as_ref().ok_or("no setup")?;
            let rb = input_bytes(inputs, "record")?;
            let ctx = input_bytes(inputs, "context")?;
            // The owning path: decode, then open.
            let a = SealedRecord::from_bytes(&rb).and_then(|r| {
                u.open(&r, Context::new(&ctx)).map(|pt| {
                    inter.insert("record".into(), record_group(u, &r, &ctx));
                    pt.to_vec()
                })
            });
            // The buffer path must agree, and leave its buffer empty on failure (SR-ERR-3).
            let mut buf = b"stale bytes that must not survive".to_vec();
            let b = u
                .open_into(&rb, Context::new(&ctx), &mut buf)
                .map(|()| buf.clone());
            if a.as_ref().err() != b.as_ref().err() {
                return Err(format!(
                    "open and open_into disagree: {:?} / {:?}",
                    a.as_ref().err(),
                    b.as_ref().err()
                ));
            }
            if a.is_err() && !buf.is_empty() {
                return Err("open_into left bytes in its buffer after a failure".into());
            }
            a.map(|pt| {
                let mut o = Obj::new();
                o.insert("plaintext".into(), hex(pt).into());
                o
            })
        }
        "parse_recovery_code" => {
            let c = as_str(field(inputs, "recovery_code")?, "recovery_code")?;
            RecoveryCode::parse(c).map(|code| {
                inter.insert("recovery".into(), recovery_group(&code));
                let mut o = Obj::new();
                o.insert("secret".into(), hex(secret_of(&code)).into());
                o.insert("canonical".into(), code.expose().as_str().into());
                o
            })
        }
        "accumulated_seal" => {
            let iterations = as_u64(field(inputs, "iterations")?, "iterations")?;
            let digest = accumulated(inputs, iterations)?;
            let mut o = Obj::new();
            o.insert("digest".into(), hex(digest).into());
            Ok(o)
        }
        other => return Err(format!("unknown operation `{other}`")),
    };
    // SR-ERR-3: an operation that failed left the unlocked keyring as it was.
    if outcome.is_err() {
        if let (Some(u), Some(b)) = (&unlocked, &before)
            && u.keyring().as_bytes() != b.as_slice()
        {
            return Err("a failed operation changed the unlocked keyring".into());
        }
        inter.clear();
    }
    let calls = hazmat::kdf_calls() - calls_before;
    finish(outcome, inter, calls, &script)
}

fn finish(
    outcome: Result<Obj, Error>,
    inter: Obj,
    kdf_calls: u64,
    s: &Script,
) -> Result<Run, String> {
    if let Some(m) = &s.out_of_step {
        return Err(format!("random draws out of step: {m}"));
    }
    if outcome.is_ok() && !s.exhausted() {
        return Err("the operation succeeded without using every scripted random value".into());
    }
    Ok(Run {
        outcome,
        intermediates: inter,
        kdf_calls,
    })
}

fn check_reencode(input: &[u8], again: &[u8]) -> Result<(), String> {
    if input == again {
        Ok(())
    } else {
        Err("the decoded object does not re-encode to its input (SR-CBOR-9)".into())
    }
}

/// A SHAKE-128 output stream, read front to back.
pub struct Shake(sha3::Shake128Reader);

impl Shake {
    /// The stream of SHAKE-128 over `seed`.
    pub fn new(seed: &[u8]) -> Self {
        use sha3::digest::{ExtendableOutput, Update};
        let mut h = sha3::Shake128::default();
        h.update(seed);
        Shake(h.finalize_xof())
    }

    /// The next `n` bytes.
    pub fn read(&mut self, n: usize) -> Vec<u8> {
        use sha3::digest::XofReader;
        let mut out = vec![0u8; n];
        self.0.read(&mut out);
        out
    }
}

impl RandomSource for Shake {
    fn fill(&mut self, dest: &mut [u8]) -> strongroom::Result<()> {
        use sha3::digest::XofReader;
        self.0.read(dest);
        Ok(())
    }
}

/// The accumulated seal test of SPEC.md Appendix C.
pub fn accumulated(inputs: &Obj, iterations: u64) -> Result<[u8; 32], String> {
    use sha3::digest::{ExtendableOutput, Update, XofReader};
    let seed = input_bytes(inputs, "seed")?;
    let password =
        Password::new(&password_string(field(inputs, "password")?)?).map_err(|e| e.to_string())?;
    let k = kdf(field(inputs, "kdf")?)?;
    let policy = policy(field(inputs, "policy")?)?.map_err(|e| e.to_string())?;
    let mut stream = Shake::new(&seed);
    let mut acc = sha3::Shake128::default();
    for _ in 0..iterations {
        // Draws of create: keyring id, DEK, KDF salt, slot nonce.
        let u = hazmat::create_with_rng(&password, k, "", &policy, &mut stream)
            .map_err(|e| e.to_string())?;
        let pt_len = usize::from(stream.read(1)[0]);
        let pt = stream.read(pt_len);
        let ctx_len = usize::from(stream.read(1)[0]);
        let ctx = stream.read(ctx_len);
        // Draws of seal: record salt, record nonce.
        let r = hazmat::seal_with_rng(&u, &pt, Context::new(&ctx), &mut stream)
            .map_err(|e| e.to_string())?;
        acc.update(r.as_bytes());
    }
    let mut out = [0u8; 32];
    acc.finalize_xof().read(&mut out);
    Ok(out)
}
