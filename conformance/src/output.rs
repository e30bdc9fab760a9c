//! A vector's outputs and intermediate values, in the JSON shapes of vectors/README.md.

use serde_json::{Value, json};
use strongroom::hazmat;
use strongroom::{
    Context, Keyring, Password, RecoveryCode, SealedRecord, SecretKey, SlotKind, UnlockedKeyring,
};

use crate::Obj;
use crate::input::{hex, kdf_json};

pub(crate) fn kind_name(k: &SlotKind) -> &'static str {
    match k {
        SlotKind::Password { .. } => "password",
        SlotKind::Recovery => "recovery",
        SlotKind::SecretKey { .. } => "secret-key",
        _ => "unknown",
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
            if let SlotKind::Unknown(value) = s.kind() {
                o.insert("kind_value".into(), (*value).into());
            }
            o.insert("label".into(), s.label().into());
            if let SlotKind::Password { kdf, salt } | SlotKind::SecretKey { kdf, salt } = s.kind() {
                o.insert("kdf".into(), kdf_json(kdf));
                o.insert("salt".into(), hex(salt).into());
            }
            if let Some(nonce) = s.nonce() {
                o.insert("nonce".into(), hex(nonce).into());
            }
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

pub(crate) fn unlocked_out(u: &UnlockedKeyring) -> Obj {
    let mut o = Obj::new();
    o.insert("keyring_id".into(), hex(u.keyring().id()).into());
    o.insert("generation".into(), u.keyring().generation().into());
    o.insert("slot_index".into(), u.slot_index().into());
    o.insert("dek".into(), hex(hazmat::dek(u)).into());
    o
}

pub(crate) fn keyring_out(k: &Keyring) -> Obj {
    let mut o = Obj::new();
    o.insert("keyring".into(), hex(k.as_bytes()).into());
    o.insert("keyring_text".into(), k.to_text().into());
    o
}

/// Intermediates of slot `index` of `k` for a KEK.
pub(crate) fn slot_group(k: &Keyring, index: usize, kek: &[u8; 32]) -> Value {
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

pub(crate) fn keyring_group(u: &UnlockedKeyring) -> Value {
    let bytes = u.keyring().as_bytes();
    json!({
        "prk_ring": hex(hazmat::keyring_prk(u)),
        "mac_key": hex(hazmat::mac_key(u)),
        "mac_input": hex(&bytes[..bytes.len() - 35]),
        "mac": hex(u.keyring().mac()),
    })
}

pub(crate) fn record_group(u: &UnlockedKeyring, r: &SealedRecord, context: &[u8]) -> Value {
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

pub(crate) fn recovery_group(code: &RecoveryCode) -> Value {
    let p = hazmat::recovery_payload(code);
    json!({"check": hex(&p[32..]), "payload": hex(p)})
}

/// The KEK of slot `index` for a credential (KDF runs the caller does not count), for the
/// intermediate values of the slot that opened.
fn slot_kek(
    k: &Keyring,
    index: usize,
    password: Option<&Password>,
    secret_key: Option<&SecretKey>,
    secret: Option<[u8; 32]>,
) -> Option<[u8; 32]> {
    match (k.slots().get(index)?.kind(), password, secret_key, secret) {
        (SlotKind::Password { kdf, salt }, Some(p), None, _) => hazmat::kek(kdf, p, salt).ok(),
        (SlotKind::SecretKey { kdf, salt }, Some(p), Some(sk), _) => {
            hazmat::secret_key_kek(kdf, p, sk, salt).ok()
        }
        (SlotKind::Recovery, _, _, Some(sec)) => Some(sec),
        _ => None,
    }
}

/// The `slot` group of slot `index` for a credential, if it fits the slot; a secret-key
/// slot's group also has `kdf_output`, the KDF's output before the secret key is mixed in
/// (SR-KEY-16's `kek_p`).
pub(crate) fn credential_slot_group(
    k: &Keyring,
    index: usize,
    password: Option<&Password>,
    secret_key: Option<&SecretKey>,
    secret: Option<[u8; 32]>,
) -> Option<Value> {
    let kek = slot_kek(k, index, password, secret_key, secret)?;
    let mut g = slot_group(k, index, &kek);
    if let (SlotKind::SecretKey { kdf, salt }, Some(p)) = (k.slots().get(index)?.kind(), password) {
        g["kdf_output"] = hex(hazmat::kek(kdf, p, salt).ok()?).into();
    }
    Some(g)
}

/// The secret key group of the intermediates: the key, its check and the payload its code
/// spells (SPEC.md 12.1).
pub(crate) fn secret_key_group(key: &SecretKey) -> Value {
    let p = hazmat::secret_key_payload(key);
    json!({"secret_key": hex(&p[..16]), "check": hex(&p[16..]), "payload": hex(p)})
}

pub(crate) fn secret_of(code: &RecoveryCode) -> [u8; 32] {
    let mut s = [0u8; 32];
    s.copy_from_slice(&hazmat::recovery_payload(code)[..32]);
    s
}
