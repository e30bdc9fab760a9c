//! A vector's inputs, read from its JSON as vectors/README.md section 3 defines them.

use serde_json::{Value, json};
use strongroom::hazmat::RandomSource;
use strongroom::{Error, KdfParams, UnlockPolicy};

use crate::Obj;

/// Lowercase hex.
pub fn hex(b: impl AsRef<[u8]>) -> String {
    hex::encode(b)
}

pub(crate) fn field<'a>(o: &'a Obj, name: &str) -> Result<&'a Value, String> {
    o.get(name).ok_or_else(|| format!("input `{name}` missing"))
}

pub(crate) fn as_obj<'a>(v: &'a Value, what: &str) -> Result<&'a Obj, String> {
    v.as_object()
        .ok_or_else(|| format!("`{what}` is not an object"))
}

pub(crate) fn as_str<'a>(v: &'a Value, what: &str) -> Result<&'a str, String> {
    v.as_str()
        .ok_or_else(|| format!("`{what}` is not a string"))
}

pub(crate) fn as_u64(v: &Value, what: &str) -> Result<u64, String> {
    v.as_u64()
        .ok_or_else(|| format!("`{what}` is not an unsigned integer"))
}

pub(crate) fn as_u32(v: &Value, what: &str) -> Result<u32, String> {
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

pub(crate) fn input_bytes(o: &Obj, name: &str) -> Result<Vec<u8>, String> {
    bytes(field(o, name)?)
}

/// The password string of a password object (README section 3.2), checked against its
/// `utf8_hex`.
pub(crate) fn password_string(v: &Value) -> Result<String, String> {
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
