//! Input helpers and the fixtures (reference keyrings and records) that many vectors share.

use std::sync::OnceLock;

use serde_json::{Value, json};
use strongroom::{Error, InvalidInput, Password, hazmat};

use crate::exec::{self, Obj, hex};

/// SHAKE-128 of `strongroom/vectors/v1/<label>`, `n` bytes: every random value of every
/// vector and fixture.
pub fn shake(label: &str, n: usize) -> Vec<u8> {
    exec::Shake::new(format!("strongroom/vectors/v1/{label}").as_bytes()).read(n)
}

/// Draws of create, in SPEC.md 9.5 order.
pub const CREATE: &[(&str, usize)] =
    &[("keyring_id", 16), ("dek", 32), ("salt", 32), ("nonce", 12)];
/// Draws of adding a password slot or changing a password.
pub const PW_SLOT: &[(&str, usize)] = &[("salt", 32), ("nonce", 12)];
/// Draws of adding a recovery slot.
pub const RECOVERY: &[(&str, usize)] = &[("secret", 32), ("nonce", 12)];
/// Draws of seal.
pub const SEAL: &[(&str, usize)] = &[("record_salt", 32), ("record_nonce", 12)];

/// A `random` list for vector (or fixture) `label`.
pub fn rnd(label: &str, draws: &[(&str, usize)]) -> Value {
    Value::Array(
        draws
            .iter()
            .map(|(name, n)| json!({"name": name, "hex": hex(shake(&format!("{label}/{name}"), *n))}))
            .collect(),
    )
}

/// A `random` list with given values.
pub fn rnd_fixed(draws: &[(&str, Vec<u8>)]) -> Value {
    Value::Array(
        draws
            .iter()
            .map(|(name, b)| json!({"name": name, "hex": hex(b)}))
            .collect(),
    )
}

/// An empty `random` list: the operation must fail before drawing.
pub fn no_rnd() -> Value {
    json!([])
}

/// A password object (README section 3.2). A password that SR-PWD-4 rejects has no `P`: its
/// object has no `nfc_utf8_hex`.
pub fn pw(s: &str) -> Value {
    let nfc = match Password::new(s) {
        Ok(p) => hex(hazmat::password_bytes(&p)),
        Err(Error::InvalidInput(InvalidInput::UnassignedCodePoint)) => {
            return json!({"string": s, "utf8_hex": hex(s)});
        }
        Err(_) if s.is_ascii() => hex(s),
        // The one failing non-ASCII password of the vectors: U+0958 x 341, whose NFC is
        // U+0915 U+093C (a composition exclusion).
        Err(_) if s.chars().all(|c| c == '\u{958}') => {
            hex("\u{915}\u{93c}".repeat(s.chars().count()))
        }
        Err(_) => panic!("failing non-ASCII password needs its NFC by hand"),
    };
    json!({"string": s, "utf8_hex": hex(s), "nfc_utf8_hex": nfc})
}

/// PBKDF2 parameters.
pub fn pbkdf2(iterations: u32) -> Value {
    json!({"id": 1, "name": "pbkdf2-hmac-sha256", "iterations": iterations})
}

/// Argon2id parameters.
pub fn argon(m: u32, t: u32, p: u32) -> Value {
    json!({"id": 2, "name": "argon2id", "memory_kib": m, "time_cost": t, "parallelism": p})
}

/// SPEC.md section 10's default `max_unlock_work` (SR-POL-7).
pub const DEFAULT_MAX_UNLOCK_WORK: u64 = 16_777_216;

/// A policy object, with the default work budget.
pub fn policy(name: &str, pb: [u32; 2], m: [u32; 2], t: [u32; 2], p: [u32; 2]) -> Value {
    json!({"name": name, "pbkdf2_iterations": pb, "argon2_memory_kib": m,
           "argon2_time_cost": t, "argon2_parallelism": p,
           "max_unlock_work": DEFAULT_MAX_UNLOCK_WORK})
}

/// SPEC.md section 10's default policy, spelled out.
pub fn default_policy() -> Value {
    policy(
        "default",
        [600_000, 2_000_000],
        [19_456, 262_144],
        [2, 8],
        [1, 8],
    )
}

/// The relaxed policy most vectors use: floors at the hard minimums, default ceilings.
pub fn relaxed() -> Value {
    policy("relaxed-test", [1, 2_000_000], [8, 262_144], [1, 8], [1, 8])
}

/// Small KDF parameters of most vectors.
pub fn fast_pbkdf2() -> Value {
    pbkdf2(10)
}

/// Small Argon2id parameters of most vectors.
pub fn fast_argon() -> Value {
    argon(64, 1, 2)
}

/// A reusable keyring: its bytes and the setup inputs that unlock it.
#[derive(Clone)]
pub struct Fx {
    /// The keyring's encoding.
    pub bytes: Vec<u8>,
    /// The password of its first password slot, if any.
    pub password: String,
    /// The recovery codes of its recovery slots, in slot order.
    pub codes: Vec<String>,
    /// Its DEK.
    pub dek: Vec<u8>,
    /// Its id.
    pub id: Vec<u8>,
    /// The policy the fixture was made and is unlocked under.
    pub policy: Value,
}

impl Fx {
    /// `keyring`, `unlock` (by password) and `policy` inputs.
    pub fn setup(&self) -> Obj {
        let mut o = Obj::new();
        o.insert("keyring".into(), hex(&self.bytes).into());
        o.insert(
            "unlock".into(),
            json!({"method": "password", "password": pw(&self.password)}),
        );
        o.insert("policy".into(), self.policy.clone());
        o
    }

    /// The same with a recovery-code unlock.
    pub fn setup_recovery(&self) -> Obj {
        let mut o = self.setup();
        o.insert(
            "unlock".into(),
            json!({"method": "recovery_code", "recovery_code": self.codes[0]}),
        );
        o
    }

    /// The keyring as a hex input.
    pub fn hex(&self) -> Value {
        hex(&self.bytes).into()
    }
}

fn run_ok(op: &str, inputs: &Obj) -> Obj {
    exec::run(op, inputs)
        .unwrap_or_else(|e| panic!("fixture {op}: {e}"))
        .outcome
        .unwrap_or_else(|e| panic!("fixture {op}: {e}"))
}

fn str_of(o: &Obj, k: &str) -> String {
    o[k].as_str().unwrap_or_default().to_owned()
}

/// Creates a fixture keyring with given create draws.
pub fn create_fx(name: &str, password: &str, kdf: Value, label: &str, random: Value) -> Fx {
    let _ = name;
    create_fx_policy(password, kdf, label, relaxed(), random)
}

/// Creates a fixture keyring under a given policy.
pub fn create_fx_policy(
    password: &str,
    kdf: Value,
    label: &str,
    policy: Value,
    random: Value,
) -> Fx {
    let mut i = Obj::new();
    i.insert("password".into(), pw(password));
    i.insert("kdf".into(), kdf);
    i.insert("label".into(), label.into());
    i.insert("policy".into(), policy.clone());
    i.insert("random".into(), random);
    let out = run_ok("create", &i);
    let bytes = hex::decode(str_of(&out, "keyring")).unwrap_or_default();
    Fx {
        id: bytes[7..23].to_vec(),
        bytes,
        password: password.into(),
        codes: Vec::new(),
        dek: hex::decode(str_of(&out, "dek")).unwrap_or_default(),
        policy,
    }
}

/// A fixture with fresh draws named after it.
pub fn make(name: &str, password: &str, kdf: Value, label: &str) -> Fx {
    create_fx(
        name,
        password,
        kdf,
        label,
        rnd(&format!("fixture/{name}/create"), CREATE),
    )
}

/// Adds a password slot to a fixture.
pub fn add_pw(fx: &Fx, step: &str, label: &str, password: &str, kdf: Value) -> Fx {
    let mut i = fx.setup();
    i.insert("label".into(), label.into());
    i.insert("password".into(), pw(password));
    i.insert("kdf".into(), kdf);
    i.insert("random".into(), rnd(&format!("fixture/{step}"), PW_SLOT));
    let out = run_ok("add_password_slot", &i);
    Fx {
        bytes: hex::decode(str_of(&out, "keyring")).unwrap_or_default(),
        ..fx.clone()
    }
}

/// Adds a recovery slot to a fixture.
pub fn add_rec(fx: &Fx, step: &str, label: &str) -> Fx {
    let mut i = fx.setup();
    if fx.password.is_empty() {
        i = fx.setup_recovery();
    }
    i.insert("label".into(), label.into());
    i.insert("random".into(), rnd(&format!("fixture/{step}"), RECOVERY));
    let out = run_ok("add_recovery_slot", &i);
    let mut codes = fx.codes.clone();
    codes.push(str_of(&out, "recovery_code"));
    Fx {
        bytes: hex::decode(str_of(&out, "keyring")).unwrap_or_default(),
        codes,
        ..fx.clone()
    }
}

/// Removes a slot from a fixture.
pub fn remove(fx: &Fx, index: usize) -> Fx {
    let mut i = fx.setup();
    i.insert("index".into(), index.into());
    let out = run_ok("remove_slot", &i);
    Fx {
        bytes: hex::decode(str_of(&out, "keyring")).unwrap_or_default(),
        ..fx.clone()
    }
}

/// Seals with a fixture; returns the record bytes.
pub fn seal(fx: &Fx, label: &str, plaintext: &[u8], context: &[u8]) -> Vec<u8> {
    let mut i = fx.setup();
    i.insert("plaintext".into(), hex(plaintext).into());
    i.insert("context".into(), hex(context).into());
    i.insert("random".into(), rnd(&format!("fixture/{label}"), SEAL));
    let out = run_ok("seal", &i);
    hex::decode(str_of(&out, "record")).unwrap_or_default()
}

/// The password of the reference keyrings.
pub const PASSWORD: &str = "correct horse battery staple";
/// The context of the reference record.
pub const CONTEXT: &[u8] = b"user:alice|collection:notes|record:7";
/// The plaintext of the reference record.
pub const PLAINTEXT: &[u8] = b"Meet at the north gate at 7; bring the spare key.";

/// One password slot (PBKDF2, 10 iterations, label "laptop").
pub fn one() -> &'static Fx {
    static F: OnceLock<Fx> = OnceLock::new();
    F.get_or_init(|| make("one", PASSWORD, fast_pbkdf2(), "laptop"))
}

/// `one` plus a recovery slot ("recovery").
pub fn two() -> &'static Fx {
    static F: OnceLock<Fx> = OnceLock::new();
    F.get_or_init(|| add_rec(one(), "two/recovery", "recovery"))
}

/// Another user's keyring with the same password (a different id and DEK).
pub fn other() -> &'static Fx {
    static F: OnceLock<Fx> = OnceLock::new();
    F.get_or_init(|| make("other", PASSWORD, fast_pbkdf2(), "laptop"))
}

/// A keyring the server made with the id of `one` and a DEK of its own.
pub fn same_id() -> &'static Fx {
    static F: OnceLock<Fx> = OnceLock::new();
    F.get_or_init(|| {
        let id = one().id.clone();
        let r = rnd_fixed(&[
            ("keyring_id", id),
            ("dek", shake("fixture/same-id/dek", 32)),
            ("salt", shake("fixture/same-id/salt", 32)),
            ("nonce", shake("fixture/same-id/nonce", 12)),
        ]);
        create_fx(
            "same-id",
            "server chosen password",
            fast_pbkdf2(),
            "laptop",
            r,
        )
    })
}

/// Password slot (PBKDF2), a second password slot (Argon2id, other password) and a recovery
/// slot.
pub fn three() -> &'static Fx {
    static F: OnceLock<Fx> = OnceLock::new();
    F.get_or_init(|| {
        let a = add_pw(
            one(),
            "three/phone",
            "phone",
            "phone passphrase",
            fast_argon(),
        );
        add_rec(&a, "three/recovery", "recovery")
    })
}

/// The reference record: `PLAINTEXT` sealed under `one` with `CONTEXT`.
pub fn rec() -> &'static Vec<u8> {
    static F: OnceLock<Vec<u8>> = OnceLock::new();
    F.get_or_init(|| seal(one(), "rec", PLAINTEXT, CONTEXT))
}

/// HMAC-SHA256, for re-MACing keyrings the generator edits on purpose.
pub fn hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&ipad)
        .chain_update(msg)
        .finalize();
    let outer = Sha256::new()
        .chain_update(&opad)
        .chain_update(inner)
        .finalize();
    let mut out = [0u8; 32];
    out.copy_from_slice(&outer);
    out
}

/// Replaces a keyring's MAC by the correct one for `dek` (SR-KEY-6): what only a holder of
/// the DEK can do. Used to isolate one check from the MAC check.
pub fn remac(bytes: &[u8], dek: &[u8]) -> Vec<u8> {
    let id = &bytes[7..23];
    let prk = hmac(id, dek);
    let mut info = b"strongroom/v1/keyring/mac-key".to_vec();
    info.push(1);
    let mac_key = hmac(&prk, &info);
    let body = &bytes[..bytes.len() - 35];
    let mut out = body.to_vec();
    out.extend_from_slice(&[0x06, 0x58, 0x20]);
    out.extend_from_slice(&hmac(&mac_key, body));
    out
}

/// The keyring or record as a CBOR tree.
pub fn tree(bytes: &[u8]) -> crate::cbor::C {
    crate::cbor::C::parse(bytes)
}

/// Flips bit `bit` of byte `offset`.
pub fn flip(bytes: &[u8], offset: usize, bit: u8) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[offset] ^= 1 << bit;
    b
}

/// Offset of the first occurrence of `needle` in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .expect("needle present")
}

/// Adds a recovery slot with given draws (unlocking by password).
pub fn add_rec_fixed(fx: &Fx, label: &str, secret: Vec<u8>, nonce: Vec<u8>) -> Fx {
    let mut i = fx.setup();
    i.insert("label".into(), label.into());
    i.insert(
        "random".into(),
        rnd_fixed(&[("secret", secret), ("nonce", nonce)]),
    );
    let out = run_ok("add_recovery_slot", &i);
    let mut codes = fx.codes.clone();
    codes.push(str_of(&out, "recovery_code"));
    Fx {
        bytes: hex::decode(str_of(&out, "keyring")).unwrap_or_default(),
        codes,
        ..fx.clone()
    }
}

/// Adds a password slot with given draws (unlocking by the first recovery code).
pub fn add_pw_fixed(
    fx: &Fx,
    label: &str,
    password: &str,
    kdf: Value,
    salt: Vec<u8>,
    nonce: Vec<u8>,
) -> Fx {
    let mut i = fx.setup_recovery();
    i.insert("label".into(), label.into());
    i.insert("password".into(), pw(password));
    i.insert("kdf".into(), kdf);
    i.insert(
        "random".into(),
        rnd_fixed(&[("salt", salt), ("nonce", nonce)]),
    );
    let out = run_ok("add_password_slot", &i);
    Fx {
        bytes: hex::decode(str_of(&out, "keyring")).unwrap_or_default(),
        ..fx.clone()
    }
}

/// A `decode_keyring` vector for the bytes `b`.
pub fn kdec(
    f: &mut crate::File,
    desc: &str,
    spec: &[&'static str],
    exp: crate::Expect,
    b: &[u8],
    flags: &[&'static str],
) {
    f.add(
        crate::v("decode_keyring", desc, spec, exp)
            .f(flags)
            .i("keyring", crate::exec::hex(b)),
    );
}

/// A `decode_record` vector for the bytes `b`.
pub fn rdec(
    f: &mut crate::File,
    desc: &str,
    spec: &[&'static str],
    exp: crate::Expect,
    b: &[u8],
    flags: &[&'static str],
) {
    f.add(
        crate::v("decode_record", desc, spec, exp)
            .f(flags)
            .i("record", crate::exec::hex(b)),
    );
}

/// `base` decoded into an editable tree, edited, and encoded again.
pub fn edited(base: &[u8], edit: &dyn Fn(&mut crate::cbor::C)) -> Vec<u8> {
    let mut t = tree(base);
    edit(&mut t);
    t.enc()
}
