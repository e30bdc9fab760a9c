//! A vector's inputs, read from its JSON as vectors/README.md section 3 defines them.

use serde_json::{Value, json};
use strongroom::hazmat::RandomSource;
use strongroom::{Error, InvalidInput, KdfParams, KeyringPin, Registry, SlotRef, UnlockPolicy};

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

/// An integer as SPEC.md section 11's preamble defines it: a number with no fractional part,
/// `1` and `1.0` alike; `true`, `"1"`, `null` and `1.5` are not integers. JSON has no NaN or
/// infinity. A value beyond the range of `i128` saturates, which no caller can tell from the
/// value itself: every range it is compared with is far smaller.
pub(crate) fn integer(v: &Value) -> Option<i128> {
    let Value::Number(n) = v else {
        return None;
    };
    if let Some(u) = n.as_u64() {
        return Some(i128::from(u));
    }
    if let Some(i) = n.as_i64() {
        return Some(i128::from(i));
    }
    let f = n.as_f64()?;
    #[allow(clippy::cast_possible_truncation)]
    (f.is_finite() && f.fract() == 0.0).then_some(f as i128)
}

/// An integer for a `u32` parameter of the API. One outside the `u32` range becomes 0 or
/// `u32::MAX`, which lie outside every hard limit (SR-KDF-3, SR-POL-5), so the library reports
/// it exactly as it reports a `u32` out of bounds, at the same step.
fn saturating_u32(i: i128) -> u32 {
    if i < 0 {
        0
    } else {
        u32::try_from(i).unwrap_or(u32::MAX)
    }
}

/// A slot index (`unlock_slot`, `change_password`, `remove_slot`). SPEC.md section 11's
/// preamble: anything but an integer in range (`true`, `-1`, `1.5`, `"0"`) is `no_such_slot`,
/// and `1.0` is 1. Such a value is passed to the library as `usize::MAX`, never a slot (a
/// keyring has at most 8), so the library reports `no_such_slot` at its own index step, after
/// every step that comes before it (the credential, the decoding).
pub(crate) fn index(v: &Value) -> usize {
    integer(v)
        .and_then(|i| usize::try_from(i).ok())
        .unwrap_or(usize::MAX)
}

/// The registry names of the KDF ids (SPEC.md section 17), and each id's parameters.
fn kdf_registry(id: u64) -> Option<(&'static str, &'static [&'static str])> {
    match id {
        1 => Some(("pbkdf2-hmac-sha256", &["iterations"])),
        2 => Some(("argon2id", &["memory_kib", "time_cost", "parallelism"][..])),
        _ => None,
    }
}

/// A KDF descriptor (README section 3.3) as CheckNewKdf judges it in a dynamically typed API
/// (SPEC.md section 11's preamble): the parameters to write, or the error of the descriptor.
/// Not an object, an `id` missing, not an integer or not in the registry, or a `name` that is
/// not the registry name of `id`: `unsupported_algorithm`; some but not all parameters, an
/// extra key, or a parameter that is not an integer: `kdf_params_out_of_bounds`; the `id`
/// alone: SR-KDF-5's defaults. The hard limits and the policy are the library's to check.
/// The `id` carried by `unsupported_algorithm` is informative only (SR-ERR-1 compares the
/// class); one that is not a `u64` is given as `u64::MAX`.
pub fn kdf(v: &Value) -> Result<KdfParams, Error> {
    let unsupported = |id: u64| Error::UnsupportedAlgorithm {
        registry: Registry::Kdf,
        id,
    };
    let Value::Object(o) = v else {
        return Err(unsupported(u64::MAX));
    };
    let id = o
        .get("id")
        .and_then(integer)
        .and_then(|i| u64::try_from(i).ok())
        .ok_or(unsupported(u64::MAX))?;
    let defaults = KdfParams::defaults_for_id(id)?;
    let (name, params) = kdf_registry(id).ok_or(unsupported(id))?;
    if o.get("name").is_some_and(|n| n != name) {
        return Err(unsupported(id));
    }
    if o.keys().all(|k| k == "id" || k == "name") {
        return Ok(defaults);
    }
    let extra = o
        .keys()
        .any(|k| k != "id" && k != "name" && !params.contains(&k.as_str()));
    let values: Option<Vec<u32>> = params
        .iter()
        .map(|p| o.get(*p).and_then(integer).map(saturating_u32))
        .collect();
    match (extra, values.as_deref()) {
        (false, Some(&[iterations])) => Ok(KdfParams::Pbkdf2Sha256 { iterations }),
        (false, Some(&[memory_kib, time_cost, parallelism])) => Ok(KdfParams::Argon2id {
            memory_kib,
            time_cost,
            parallelism,
        }),
        _ => Err(Error::KdfParamsOutOfBounds),
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

/// An unlock policy (README section 3.4) as a dynamically typed API constructs it (SPEC.md
/// section 11's preamble): exactly the four pairs, `max_unlock_work` and an informative
/// `name`; a missing or extra entry, a pair without exactly two elements, or a bound that is
/// not an integer is `policy_invalid`, and the bounds themselves are the library's to check
/// (SR-POL-5, SR-POL-7).
pub fn policy(v: &Value) -> Result<UnlockPolicy, Error> {
    const PAIRS: [&str; 4] = [
        "pbkdf2_iterations",
        "argon2_memory_kib",
        "argon2_time_cost",
        "argon2_parallelism",
    ];
    const WORK: &str = "max_unlock_work";
    let invalid = Error::InvalidInput(InvalidInput::PolicyInvalid);
    let Value::Object(o) = v else {
        return Err(invalid);
    };
    if o.keys()
        .any(|k| k != "name" && k != WORK && !PAIRS.contains(&k.as_str()))
    {
        return Err(invalid);
    }
    // An integer outside u64 reaches the library as 0 or u64::MAX, outside its range.
    let work = o.get(WORK).and_then(integer).ok_or(invalid)?;
    let work = if work < 0 {
        0
    } else {
        u64::try_from(work).unwrap_or(u64::MAX)
    };
    let pair = |name: &str| -> Result<core::ops::RangeInclusive<u32>, Error> {
        match o.get(name) {
            Some(Value::Array(a)) if a.len() == 2 => {
                let floor = integer(&a[0]).ok_or(invalid)?;
                let ceiling = integer(&a[1]).ok_or(invalid)?;
                Ok(saturating_u32(floor)..=saturating_u32(ceiling))
            }
            _ => Err(invalid),
        }
    };
    UnlockPolicy::builder()
        .pbkdf2_iterations(pair(PAIRS[0])?)
        .argon2_memory_kib(pair(PAIRS[1])?)
        .argon2_time_cost(pair(PAIRS[2])?)
        .argon2_parallelism(pair(PAIRS[3])?)
        .max_unlock_work(work)
        .build()
}

/// A fixed-size byte input given as hex (`preferred`, `pin`).
fn fixed<const N: usize>(o: &Obj, name: &str) -> Result<[u8; N], String> {
    input_bytes(o, name)?
        .try_into()
        .map_err(|_| format!("`{name}` is not {N} bytes"))
}

/// The `preferred` input (README section 4): the salt and commitment of a slot.
pub(crate) fn preferred(o: &Obj) -> Result<Option<SlotRef>, String> {
    let Some(v) = o.get("preferred") else {
        return Ok(None);
    };
    let p = as_obj(v, "preferred")?;
    Ok(Some(SlotRef::new(
        fixed(p, "salt")?,
        fixed(p, "commitment")?,
    )))
}

/// The `pin` input of `check_pin` (README section 4).
pub(crate) fn pin(v: &Value) -> Result<KeyringPin, String> {
    let p = as_obj(v, "pin")?;
    Ok(KeyringPin::new(
        fixed(p, "keyring_id")?,
        as_u64(field(p, "generation")?, "pin.generation")?,
        fixed(p, "digest")?,
    ))
}

/// A boolean input; absent is `default`.
pub(crate) fn flag(o: &Obj, name: &str, default: Option<bool>) -> Result<bool, String> {
    match (o.get(name), default) {
        (Some(v), _) => v
            .as_bool()
            .ok_or_else(|| format!("`{name}` is not a boolean")),
        (None, Some(d)) => Ok(d),
        (None, None) => Err(format!("input `{name}` missing")),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // SPEC.md section 11's preamble: what an integer is.
    #[test]
    fn integers() {
        assert_eq!(integer(&json!(1)), Some(1));
        assert_eq!(integer(&json!(1.0)), Some(1));
        assert_eq!(integer(&json!(-1)), Some(-1));
        assert_eq!(integer(&json!(1e30)), Some(1e30 as i128));
        for not in [json!(true), json!("1"), json!(null), json!(1.5), json!([1])] {
            assert_eq!(integer(&not), None, "{not}");
        }
        assert_eq!(index(&json!(2.0)), 2);
        for bad in [json!(true), json!(-1), json!(1.5), json!("0"), json!(1e30)] {
            assert_eq!(index(&bad), usize::MAX, "{bad}");
        }
    }

    // SPEC.md section 11's preamble: KDF descriptors.
    #[test]
    fn kdf_descriptors() {
        let ua = |v: Value| matches!(kdf(&v), Err(Error::UnsupportedAlgorithm { .. }));
        let oob = |v: Value| kdf(&v) == Err(Error::KdfParamsOutOfBounds);
        assert!(ua(json!(null)));
        assert!(ua(json!([1, 10])));
        assert!(ua(json!({"iterations": 10})));
        assert!(ua(json!({"id": "1", "iterations": 10})));
        assert!(ua(json!({"id": 3})));
        assert!(ua(json!({"id": -1})));
        assert!(ua(json!({"id": 1, "name": "argon2id", "iterations": true})));
        assert!(oob(json!({"id": 1, "iterations": 10, "memory_kib": 8})));
        assert!(oob(json!({"id": 2, "memory_kib": 64})));
        assert!(oob(json!({"id": 1, "iterations": "10"})));
        assert_eq!(
            kdf(&json!({"id": 1, "iterations": 10.0})),
            Ok(KdfParams::Pbkdf2Sha256 { iterations: 10 })
        );
        assert_eq!(kdf(&json!({"id": 2})), Ok(KdfParams::DEFAULT_ARGON2ID));
        assert_eq!(
            kdf(&json!({"id": 1, "name": "pbkdf2-hmac-sha256"})),
            Ok(KdfParams::DEFAULT_PBKDF2)
        );
        // Integers outside u32 reach the library as values outside every hard limit.
        for v in [json!(-1), json!(1u64 << 32)] {
            let k = kdf(&json!({"id": 1, "iterations": v})).unwrap();
            assert_eq!(k.check_limits(), Err(Error::KdfParamsOutOfBounds));
        }
    }

    // SPEC.md section 11's preamble: policies.
    #[test]
    fn policies() {
        let ok = json!({"pbkdf2_iterations": [1, 10], "argon2_memory_kib": [8, 64],
                        "argon2_time_cost": [1.0, 2], "argon2_parallelism": [1, 1],
                        "max_unlock_work": 1000});
        assert!(policy(&ok).is_ok());
        let invalid = Err(Error::InvalidInput(InvalidInput::PolicyInvalid));
        let with = |k: &str, v: Value| {
            let mut o = ok.clone();
            o[k] = v;
            policy(&o)
        };
        assert_eq!(with("extra", json!([1, 2])), invalid);
        assert_eq!(with("argon2_time_cost", json!([1, 2, 3])), invalid);
        assert_eq!(with("argon2_time_cost", json!([true, 2])), invalid);
        assert_eq!(with("argon2_time_cost", json!([1, 2.5])), invalid);
        assert_eq!(with("argon2_time_cost", json!([-1, 2])), invalid);
        assert_eq!(with("argon2_time_cost", json!([1, 1u64 << 32])), invalid);
        assert!(with("name", json!(null)).is_ok());
        assert_eq!(with("max_unlock_work", json!(0)), invalid);
        assert_eq!(with("max_unlock_work", json!(-1)), invalid);
        assert_eq!(with("max_unlock_work", json!((1u64 << 40) + 1)), invalid);
        assert_eq!(with("max_unlock_work", json!("1000")), invalid);
        assert!(with("max_unlock_work", json!(1u64 << 40)).is_ok());
        let mut missing = ok.clone();
        missing.as_object_mut().unwrap().remove("max_unlock_work");
        assert_eq!(policy(&missing), invalid);
        assert_eq!(policy(&json!(null)), invalid);
    }
}
