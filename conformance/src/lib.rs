//! The reference consumer of Strongroom's conformance vectors: runs one vector's operation
//! through the public API of `strongroom` (with its `hazmat` feature, for the DEK,
//! intermediate keys and scripted randomness that vectors publish) and reports the outcome,
//! the output fields and the intermediate values.
//!
//! It reads only the JSON of a vector, as a port in another language would, following
//! vectors/README.md. Three programs share it, so that they cannot disagree about what an
//! operation means: the vector generator (`gen-vectors/`, which fills in outputs and checks
//! the expected errors it states by hand), this crate's test of every committed vector
//! (`tests/vectors.rs`), and the `strongroom` command (`vectors verify`, and `adapter`, which
//! speaks CONFORMANCE.md's protocol as the built-in implementation).

mod accumulated;
mod input;
mod log;
mod output;
mod stream;

use serde_json::{Map, Value};
use strongroom::hazmat;
use strongroom::{
    Context, Error, KdfParams, Keyring, Password, RecoveryCode, SealedRecord, SecretKey, SlotKind,
    UnlockPolicy, UnlockedKeyring,
};

pub use accumulated::{Shake, accumulated};
pub use input::{Script, bytes, hex, kdf, kdf_json, policy};
pub use output::keyring_summary;
pub use stream::payload;

use input::{as_obj, as_str, as_u64, field, flag, input_bytes, password_string};
use output::{
    credential_slot_group, keyring_group, keyring_out, record_group, recovery_group,
    secret_key_group, secret_of, slot_group, unlocked_out,
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
    /// For an `open_stream` that failed: the chunks it released before the failure
    /// (vectors/README.md section 4.2); `None` for every other outcome.
    pub released_chunks: Option<u64>,
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
        "secret_key" => {
            let p = Password::new(&password_string(field(u, "password")?)?)
                .map_err(|e| format!("setup: {e}"))?;
            let sk = SecretKey::parse(as_str(field(u, "secret_key_code")?, "secret_key_code")?)
                .map_err(|e| format!("setup: {e}"))?;
            k.unlock_secret_key(&p, &sk, policy)
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
    "create_secret_key",
    "unlock_password",
    "unlock_secret_key",
    "unlock_slot",
    "unlock_recovery",
    "check_pin",
    "change_password",
    "add_password_slot",
    "add_secret_key_slot",
    "add_recovery_slot",
    "remove_slot",
    "seal",
    "open",
    "parse_recovery_code",
    "parse_secret_key",
    "auth_tag",
    "accumulated_seal",
    "decode_checkpoint",
    "decode_checkpoint_text",
    "log_entry_context",
    "log_append",
    "log_read",
    "log_open_entry",
    "decode_stream_header",
    "seal_stream",
    "open_stream",
    "open_stream_chunk",
];

/// Runs one operation. `Err` means the vector itself is broken or the consumer could not
/// follow it (unknown operation, missing input, a draw of the wrong size, a failed setup, a
/// decoded object that does not re-encode to its input); such a vector fails.
pub fn run(operation: &str, inputs: &Obj) -> Result<Run, String> {
    let mut inter = Obj::new();
    let mut released: Option<u64> = None;
    let mut script = Script::from_inputs(inputs)?;
    // The policy is an argument, constructed before the operation is called (SR-POL-5); it
    // and the setup happen before the KDF counter starts.
    let policy_in = match inputs.get("policy") {
        Some(p) if operation != "make_policy" => {
            Some(policy(p).map_err(|e| format!("policy of the vector is invalid: {e}"))?)
        }
        _ => None,
    };
    let pol = || policy_in.ok_or_else(|| "input `policy` missing".to_string());
    let mut unlocked = match operation {
        "change_password"
        | "add_password_slot"
        | "add_secret_key_slot"
        | "add_recovery_slot"
        | "remove_slot"
        | "seal"
        | "open"
        | "auth_tag"
        | "log_append"
        | "log_read"
        | "log_open_entry"
        | "seal_stream"
        | "open_stream"
        | "open_stream_chunk" => Some(setup(inputs, &pol()?)?),
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
        "make_policy" => policy(field(inputs, "policy")?).map(|_| Obj::new()),
        "create" | "create_secret_key" => {
            let label = as_str(field(inputs, "label")?, "label")?;
            let (k, descriptor) = kdf_arg(field(inputs, "kdf")?);
            let policy = pol()?;
            match Password::new(&password_string(field(inputs, "password")?)?) {
                Err(e) => Err(e),
                Ok(p) => {
                    let created = if operation == "create" {
                        hazmat::create_with_rng(&p, k, label, &policy, &mut script)
                            .map(|u| (u, None))
                    } else {
                        hazmat::create_with_secret_key_with_rng(&p, k, label, &policy, &mut script)
                            .map(|(u, sk)| (u, Some(sk)))
                    };
                    match at_kdf_step(created, descriptor)? {
                        Err(e) => Err(e),
                        Ok((u, sk)) => {
                            let mut o = keyring_out(u.keyring());
                            o.insert("dek".into(), hex(hazmat::dek(&u)).into());
                            inter.insert(
                                "password_nfc".into(),
                                hex(hazmat::password_bytes(&p)).into(),
                            );
                            if let Some(g) =
                                credential_slot_group(u.keyring(), 0, Some(&p), sk.as_ref(), None)
                            {
                                inter.insert("slot".into(), g);
                            }
                            inter.insert("keyring".into(), keyring_group(&u));
                            if let Some(sk) = &sk {
                                inter.insert("secret_key".into(), secret_key_group(sk));
                                o.insert("secret_key_code".into(), sk.expose().as_str().into());
                            }
                            Ok(o)
                        }
                    }
                }
            }
        }
        "unlock_password" | "unlock_secret_key" | "unlock_slot" | "unlock_recovery" => {
            let b = input_bytes(inputs, "keyring")?;
            let policy = pol()?;
            let index = match operation {
                "unlock_slot" => Some(input::index(field(inputs, "index")?)),
                _ => None,
            };
            let preferred = input::preferred(inputs)?;
            // Credentials first (SR-OP-17, SR-OP-20: the password, then the secret key), then
            // decoding, then the operation's own steps.
            let credential = match (
                operation,
                inputs.get("password"),
                inputs.get("secret_key_code"),
                inputs.get("recovery_code"),
            ) {
                ("unlock_password" | "unlock_slot", Some(p), None, None) => {
                    Password::new(&password_string(p)?).map(Credential::Password)
                }
                ("unlock_secret_key" | "unlock_slot", Some(p), Some(c), None) => {
                    let code = as_str(c, "secret_key_code")?;
                    Password::new(&password_string(p)?)
                        .and_then(|p| SecretKey::parse(code).map(|sk| Credential::SecretKey(p, sk)))
                }
                ("unlock_slot" | "unlock_recovery", None, None, Some(c)) => {
                    RecoveryCode::parse(as_str(c, "recovery_code")?).map(Credential::Code)
                }
                _ => return Err("credential inputs do not fit the operation".into()),
            };
            let r = credential.and_then(|c| {
                let k = Keyring::from_bytes(&b)?;
                let p = preferred.as_ref();
                let u = match (&c, index) {
                    (Credential::Password(pw), None) => k.unlock_preferring(pw, &policy, p),
                    (Credential::Password(pw), Some(i)) => k.unlock_slot(i, pw, &policy),
                    (Credential::SecretKey(pw, sk), None) => {
                        k.unlock_secret_key_preferring(pw, sk, &policy, p)
                    }
                    (Credential::SecretKey(pw, sk), Some(i)) => {
                        k.unlock_slot_with_secret_key(i, pw, sk, &policy)
                    }
                    (Credential::Code(code), Some(i)) => {
                        k.unlock_slot_with_recovery(i, code, &policy)
                    }
                    (Credential::Code(code), None) => k.unlock_with_recovery(code, &policy),
                }?;
                Ok((k, u, c))
            });
            match r {
                Err(e) => Err(e),
                Ok((k, u, c)) => {
                    let calls = hazmat::kdf_calls();
                    let (pw, sk, secret) = match &c {
                        Credential::Password(pw) => (Some(pw), None, None),
                        Credential::SecretKey(pw, sk) => (Some(pw), Some(sk), None),
                        Credential::Code(code) => (None, None, Some(secret_of(code))),
                    };
                    let i = u.slot_index().ok_or("an unlock names no slot")?;
                    if let Some(g) = credential_slot_group(&k, i, pw, sk, secret) {
                        inter.insert("slot".into(), g);
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
        "check_pin" => {
            let b = input_bytes(inputs, "keyring")?;
            let pin = input::pin(field(inputs, "pin")?)?;
            let accept_jump = flag(inputs, "accept_jump", None)?;
            Keyring::from_bytes(&b).and_then(|k| {
                if accept_jump {
                    k.check_pin_accepting_jump(&pin)
                } else {
                    k.check_pin(&pin)
                }
                .map(|()| Obj::new())
            })
        }
        "change_password" | "add_password_slot" => {
            let u = unlocked.as_mut().ok_or("no setup")?;
            let (k, descriptor) = kdf_arg(field(inputs, "kdf")?);
            let pw_name = if operation == "change_password" {
                "new_password"
            } else {
                "password"
            };
            let pw = password_string(field(inputs, pw_name)?)?;
            // The new password is prepared first (SR-OP-17); the library takes it prepared.
            let res = match Password::new(&pw) {
                Err(e) => Err(e),
                Ok(p) => {
                    let written = if operation == "change_password" {
                        let index = input::index(field(inputs, "index")?);
                        let changed = if flag(inputs, "allow_weaker_kdf", Some(false))? {
                            hazmat::change_password_allowing_weaker_kdf_with_rng(
                                u,
                                index,
                                &p,
                                k,
                                &mut script,
                            )
                        } else {
                            hazmat::change_password_with_rng(u, index, &p, k, &mut script)
                        };
                        at_kdf_step(changed, descriptor)?.map(|()| index)
                    } else {
                        let label = as_str(field(inputs, "label")?, "label")?;
                        at_kdf_step(
                            hazmat::add_password_slot_with_rng(u, &p, k, label, &mut script),
                            descriptor,
                        )?
                        .map(|()| u.keyring().slots().len() - 1)
                    };
                    written.map(|index| (p, index))
                }
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
        "add_secret_key_slot" => {
            let u = unlocked.as_mut().ok_or("no setup")?;
            let (k, descriptor) = kdf_arg(field(inputs, "kdf")?);
            let pw = password_string(field(inputs, "password")?)?;
            let code = as_str(field(inputs, "secret_key_code")?, "secret_key_code")?;
            let label = as_str(field(inputs, "label")?, "label")?;
            // Both credentials are prepared first (SR-OP-21): the password, then the key.
            let res =
                match Password::new(&pw).and_then(|p| SecretKey::parse(code).map(|sk| (p, sk))) {
                    Err(e) => Err(e),
                    Ok((p, sk)) => at_kdf_step(
                        hazmat::add_secret_key_slot_with_rng(u, &p, &sk, k, label, &mut script),
                        descriptor,
                    )?
                    .map(|()| (p, sk)),
                };
            match res {
                Err(e) => Err(e),
                Ok((p, sk)) => {
                    let index = u.keyring().slots().len() - 1;
                    let g = credential_slot_group(u.keyring(), index, Some(&p), Some(&sk), None)
                        .ok_or("the new slot is not a secret-key slot")?;
                    inter.insert(
                        "password_nfc".into(),
                        hex(hazmat::password_bytes(&p)).into(),
                    );
                    inter.insert("slot".into(), g);
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
            let index = input::index(field(inputs, "index")?);
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
        "parse_secret_key" => {
            let c = as_str(field(inputs, "secret_key_code")?, "secret_key_code")?;
            SecretKey::parse(c).map(|sk| {
                inter.insert("secret_key".into(), secret_key_group(&sk));
                let mut o = Obj::new();
                o.insert(
                    "secret_key".into(),
                    hex(hazmat::secret_key_bytes(&sk)).into(),
                );
                o.insert("canonical".into(), sk.expose().as_str().into());
                o
            })
        }
        "auth_tag" => {
            let u = unlocked.as_ref().ok_or("no setup")?;
            let message = input_bytes(inputs, "message")?;
            u.auth_tag(&message).map(|tag| {
                inter.insert(
                    "auth".into(),
                    serde_json::json!({"auth_key": hex(hazmat::auth_key(u))}),
                );
                let mut o = Obj::new();
                o.insert("tag".into(), hex(tag).into());
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
        other => {
            let log_op = match &unlocked {
                Some(u) => {
                    log::run_unlocked(other, inputs, u, &mut script, &mut inter).or_else(|| {
                        stream::run_unlocked(
                            other,
                            inputs,
                            u,
                            &mut script,
                            &mut inter,
                            &mut released,
                        )
                    })
                }
                None => log::run_plain(other, inputs).or_else(|| stream::run_plain(other, inputs)),
            };
            match log_op {
                Some(r) => r?,
                None => return Err(format!("unknown operation `{other}`")),
            }
        }
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
    let mut r = finish(outcome, inter, calls, &script)?;
    r.released_chunks = released;
    Ok(r)
}

/// A prepared credential of an unlock.
enum Credential {
    Password(Password),
    SecretKey(Password, SecretKey),
    Code(RecoveryCode),
}

/// Parameters outside the hard limits (SR-KDF-3): what the library is given in place of a KDF
/// descriptor it cannot be given (a descriptor error of SPEC.md section 11's preamble).
const OUT_OF_BOUNDS: KdfParams = KdfParams::Pbkdf2Sha256 { iterations: 0 };

/// The `kdf` input of an operation that writes a slot: the parameters to pass and, for a
/// descriptor that is not valid, its error. CheckNewKdf judges the descriptor first and then
/// the hard limits; passing parameters outside the hard limits makes the library fail at
/// that same step, so every step before CheckNewKdf (the password, the label, the index, the
/// slot kind, the slot count) still decides first, by the library's own order.
fn kdf_arg(v: &Value) -> (KdfParams, Option<Error>) {
    match kdf(v) {
        Ok(k) => (k, None),
        Err(e) => (OUT_OF_BOUNDS, Some(e)),
    }
}

/// The outcome of an operation called through `kdf_arg`: the descriptor's error where the
/// library reached CheckNewKdf, the library's outcome otherwise. `Err` if the library accepted
/// the out-of-bounds parameters (it never does).
fn at_kdf_step<T>(
    r: Result<T, Error>,
    descriptor: Option<Error>,
) -> Result<Result<T, Error>, String> {
    match (r, descriptor) {
        (Ok(_), Some(e)) => Err(format!(
            "the library accepted out-of-bounds KDF parameters in place of a descriptor that \
             fails with {e}"
        )),
        (Err(Error::KdfParamsOutOfBounds), Some(e)) => Ok(Err(e)),
        (r, _) => Ok(r),
    }
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
        released_chunks: None,
    })
}

fn check_reencode(input: &[u8], again: &[u8]) -> Result<(), String> {
    if input == again {
        Ok(())
    } else {
        Err("the decoded object does not re-encode to its input (SR-CBOR-9)".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn outcome(op: &str, inputs: Value) -> Result<Obj, Error> {
        let Value::Object(o) = inputs else {
            panic!("inputs are an object")
        };
        run(op, &o)
            .expect("the consumer follows the vector")
            .outcome
    }

    fn relaxed() -> Value {
        json!({"pbkdf2_iterations": [1, 2_000_000], "argon2_memory_kib": [8, 262_144],
               "argon2_time_cost": [1, 8], "argon2_parallelism": [1, 8],
               "max_unlock_work": 16_777_216})
    }

    // SR-OP-17 from bytes: the credential is prepared before the keyring is decoded.
    #[test]
    fn sr_op_17_credentials_before_decoding() {
        let unlock = |password: &str| {
            outcome(
                "unlock_password",
                json!({"keyring": "a6", "policy": relaxed(),
                       "password": {"string": password, "utf8_hex": hex(password)}}),
            )
        };
        assert_eq!(
            unlock("").unwrap_err(),
            Error::InvalidInput(strongroom::InvalidInput::EmptyPassword)
        );
        assert_eq!(
            unlock("x").unwrap_err(),
            Error::Malformed(strongroom::Malformed::Truncated)
        );
    }

    // A KDF descriptor that the API cannot be given fails at CheckNewKdf's step (SPEC.md 11.2
    // step 3), so the label (step 2) still decides first.
    #[test]
    fn descriptor_errors_come_at_check_new_kdf() {
        let create = |label: &str| {
            outcome(
                "create",
                json!({"password": {"string": "x", "utf8_hex": "78"}, "label": label,
                       "kdf": {"id": "1", "iterations": 10}, "policy": relaxed(),
                       "random": []}),
            )
        };
        assert_eq!(
            create(&"x".repeat(65)).unwrap_err(),
            Error::LimitExceeded(strongroom::Limit::LabelTooLong)
        );
        assert!(matches!(
            create("x").unwrap_err(),
            Error::UnsupportedAlgorithm { .. }
        ));
    }
}
