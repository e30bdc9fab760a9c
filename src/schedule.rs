//! The key schedule (SPEC.md section 9): every derivation label, and every key, commitment
//! and AAD derived from a KEK, the DEK or the record root key. The KEK itself comes from a
//! password through the slot's KDF descriptor (section 8).

use crate::error::Result;
use crate::format::kdf::KdfParams;
use crate::format::keyring::SlotKind;
use crate::password::Password;
use crate::primitives::crypto::Prk;
use crate::primitives::kdf;
use crate::primitives::secret::Key32;

/// HKDF info of the password-slot wrap key (SR-KEY-2).
pub(crate) const LABEL_PASSWORD_WRAP: &[u8] = b"strongroom/v1/password-slot/wrap-key";
/// HKDF info of the password-slot key commitment (SR-KEY-2).
pub(crate) const LABEL_PASSWORD_COMMIT: &[u8] = b"strongroom/v1/password-slot/commitment";
/// HKDF info of the recovery-slot wrap key (SR-KEY-2).
pub(crate) const LABEL_RECOVERY_WRAP: &[u8] = b"strongroom/v1/recovery-slot/wrap-key";
/// HKDF info of the recovery-slot key commitment (SR-KEY-2).
pub(crate) const LABEL_RECOVERY_COMMIT: &[u8] = b"strongroom/v1/recovery-slot/commitment";
/// HKDF info of the secret-key-slot wrap key (SR-KEY-2, SR-KEY-16).
pub(crate) const LABEL_SECRET_KEY_WRAP: &[u8] = b"strongroom/v1/secret-key-slot/wrap-key";
/// HKDF info of the secret-key-slot key commitment (SR-KEY-2, SR-KEY-16).
pub(crate) const LABEL_SECRET_KEY_COMMIT: &[u8] = b"strongroom/v1/secret-key-slot/commitment";
/// HKDF info of a secret-key slot's KEK, from the KDF output and the secret key (SR-KEY-16).
pub(crate) const LABEL_SECRET_KEY_KEK: &[u8] = b"strongroom/v1/secret-key-slot/kek";
/// HKDF info of the keyring MAC key (SR-KEY-6).
pub(crate) const LABEL_KEYRING_MAC: &[u8] = b"strongroom/v1/keyring/mac-key";
/// HKDF info of the authentication key, a sibling of the MAC key under prk_ring (SR-KEY-15).
pub(crate) const LABEL_AUTH_KEY: &[u8] = b"strongroom/v1/auth-key";
/// HKDF info of the log checkpoint key, a sibling of the MAC key under prk_ring (SR-LOG-7).
pub(crate) const LABEL_LOG_CHECKPOINT_KEY: &[u8] = b"strongroom/v1/log/checkpoint-key";
/// HKDF info of the record root key, the MAC key's sibling under prk_ring (SR-KEY-14).
pub(crate) const LABEL_RECORD_ROOT: &[u8] = b"strongroom/v1/record/root-key";
/// HKDF info prefix of the record key; the keyring id follows (SR-KEY-7).
pub(crate) const LABEL_RECORD_KEY: &[u8] = b"strongroom/v1/record/key";
/// HKDF info prefix of the record commitment; the keyring id follows (SR-KEY-7).
pub(crate) const LABEL_RECORD_COMMIT: &[u8] = b"strongroom/v1/record/commitment";
/// HKDF info prefix of a sealed stream's key; the keyring id follows (SR-STR-2).
pub(crate) const LABEL_STREAM_KEY: &[u8] = b"strongroom/v1/stream/key";
/// HKDF info prefix of a sealed stream's commitment; the keyring id follows (SR-STR-2).
pub(crate) const LABEL_STREAM_COMMIT: &[u8] = b"strongroom/v1/stream/commitment";
/// Domain-separation prefix of a recovery code's check hash (SR-REC-1).
pub(crate) const LABEL_RECOVERY_CODE: &[u8] = b"strongroom/v1/recovery-code";
/// Domain-separation prefix of a secret key code's check hash (SR-SK-1).
pub(crate) const LABEL_SECRET_KEY_CODE: &[u8] = b"strongroom/v1/secret-key-code";

/// The KEK of a password slot: its KDF over the normalized password (SR-KDF-1, SR-KDF-2).
/// The hard limits are checked again here, so no caller can reach an unbounded KDF.
///
/// # Errors
/// [`crate::Error::KdfParamsOutOfBounds`], [`crate::Error::KdfUnavailable`].
pub(crate) fn derive_kek(kdf: &KdfParams, password: &Password, salt: &[u8; 32]) -> Result<Key32> {
    kdf.check_limits()?;
    match *kdf {
        KdfParams::Pbkdf2Sha256 { iterations } => {
            Ok(kdf::pbkdf2_sha256(password.expose(), salt, iterations))
        }
        KdfParams::Argon2id {
            memory_kib,
            time_cost,
            parallelism,
        } => kdf::argon2id(password.expose(), salt, memory_kib, time_cost, parallelism),
    }
}

/// The KEK of a secret-key slot (SR-KEY-16): the password slot's KEK for the same salt and
/// KDF, then HKDF keyed by the secret key, so that neither secret alone gives the KEK.
///
/// # Errors
/// As [`derive_kek`].
pub(crate) fn derive_secret_key_kek(
    kdf: &KdfParams,
    password: &Password,
    secret_key: &[u8; 16],
    salt: &[u8; 32],
) -> Result<Key32> {
    let kek_p = derive_kek(kdf, password, salt)?;
    Ok(Prk::extract(secret_key, kek_p.expose()).expand(&[LABEL_SECRET_KEY_KEK]))
}

/// wrap_key and commitment of a slot from its KEK (SR-KEY-2); none for a kind this
/// implementation does not implement, which it never opens or writes.
pub(crate) fn slot_keys(
    keyring_id: &[u8; 16],
    kek: &Key32,
    kind: &SlotKind,
) -> Option<(Key32, Key32)> {
    let (wrap_label, commit_label) = match kind {
        SlotKind::Password { .. } => (LABEL_PASSWORD_WRAP, LABEL_PASSWORD_COMMIT),
        SlotKind::Recovery => (LABEL_RECOVERY_WRAP, LABEL_RECOVERY_COMMIT),
        SlotKind::SecretKey { .. } => (LABEL_SECRET_KEY_WRAP, LABEL_SECRET_KEY_COMMIT),
        SlotKind::Unknown(_) => return None,
    };
    let prk = Prk::extract(keyring_id, kek.expose());
    Some((prk.expand(&[wrap_label]), prk.expand(&[commit_label])))
}

/// enc(keyring_id) || the slot's encoding up to and including its nonce (SR-KEY-3).
pub(crate) fn slot_aad(keyring_id: &[u8; 16], slot_header: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(slot_header.len().saturating_add(17));
    aad.push(0x50);
    aad.extend_from_slice(keyring_id);
    aad.extend_from_slice(slot_header);
    aad
}

/// prk_ring = HKDF-Extract(keyring_id, DEK), as bytes (SR-KEY-6).
#[cfg(any(test, feature = "hazmat"))]
pub(crate) fn keyring_prk(keyring_id: &[u8; 16], dek: &Key32) -> Key32 {
    crate::primitives::crypto::extract_bytes(keyring_id, dek.expose())
}

/// The keyring MAC key (SR-KEY-6).
pub(crate) fn mac_key(keyring_id: &[u8; 16], dek: &Key32) -> Key32 {
    Prk::extract(keyring_id, dek.expose()).expand(&[LABEL_KEYRING_MAC])
}

/// The authentication key (SR-KEY-15): a sibling of the MAC key under prk_ring, computed from
/// the DEK alone, so that what a server learns from it says nothing of the password.
pub(crate) fn auth_key(keyring_id: &[u8; 16], dek: &Key32) -> Key32 {
    Prk::extract(keyring_id, dek.expose()).expand(&[LABEL_AUTH_KEY])
}

/// The log checkpoint key (SR-LOG-7): a sibling of the MAC key under prk_ring, used for
/// nothing but checkpoint MACs.
pub(crate) fn log_key(keyring_id: &[u8; 16], dek: &Key32) -> Key32 {
    Prk::extract(keyring_id, dek.expose()).expand(&[LABEL_LOG_CHECKPOINT_KEY])
}

/// The record root key (SR-KEY-14): the MAC key's sibling under prk_ring, so that a holder
/// of it can derive record keys but neither the DEK nor the MAC key.
pub(crate) fn record_root(keyring_id: &[u8; 16], dek: &Key32) -> Key32 {
    Prk::extract(keyring_id, dek.expose()).expand(&[LABEL_RECORD_ROOT])
}

/// record_key and commitment from the record root key, never the DEK (SR-KEY-7, SR-KEY-14).
pub(crate) fn record_keys(
    record_root: &Key32,
    salt: &[u8; 32],
    keyring_id: &[u8; 16],
) -> (Key32, Key32) {
    let prk = Prk::extract(salt, record_root.expose());
    (
        prk.expand(&[LABEL_RECORD_KEY, keyring_id]),
        prk.expand(&[LABEL_RECORD_COMMIT, keyring_id]),
    )
}

/// header || u64be(len(context)) || context (SR-KEY-8).
pub(crate) fn record_aad(header: &[u8], context: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(header.len().saturating_add(8).saturating_add(context.len()));
    aad.extend_from_slice(header);
    aad.extend_from_slice(&(context.len() as u64).to_be_bytes());
    aad.extend_from_slice(context);
    aad
}

/// stream_key and commitment of a sealed stream from the record root key and the stream
/// salt (SR-STR-2): the record derivation of SR-KEY-7 with the stream labels.
pub(crate) fn stream_keys(
    record_root: &Key32,
    stream_salt: &[u8; 32],
    keyring_id: &[u8; 16],
) -> (Key32, Key32) {
    let prk = Prk::extract(stream_salt, record_root.expose());
    (
        prk.expand(&[LABEL_STREAM_KEY, keyring_id]),
        prk.expand(&[LABEL_STREAM_COMMIT, keyring_id]),
    )
}

/// SHA-256(header || u64be(len(context)) || context), the associated data of every chunk
/// (SR-STR-3). Hashed so that each chunk's GHASH covers 32 bytes of AAD, not up to 4 KiB.
pub(crate) fn stream_aad(header: &[u8], context: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(header);
    h.update((context.len() as u64).to_be_bytes());
    h.update(context);
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    fn bare_hmac(key: &[u8], msg: &[&[u8]]) -> [u8; 32] {
        let mut m = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key).unwrap();
        for part in msg {
            m.update(part);
        }
        m.finalize().into_bytes().into()
    }

    // SR-KEY-14: the record root key is HMAC-SHA256(prk_ring, LABEL_RECORD_ROOT || 01) with
    // prk_ring = HMAC-SHA256(keyring_id, DEK), recomputed here with bare HMAC calls from
    // SPEC.md's formula, and equals SPEC.md Appendix A.3's value for keyring id 00..0f and
    // DEK 10..2f.
    #[test]
    fn sr_key_14_record_root_formula() {
        let id: [u8; 16] = core::array::from_fn(|i| i as u8);
        let dek = Key32::from_bytes(core::array::from_fn(|i| 0x10 + i as u8));
        let prk_ring = bare_hmac(&id, &[dek.expose()]);
        assert_eq!(keyring_prk(&id, &dek).expose(), &prk_ring);
        let expected = bare_hmac(&prk_ring, &[b"strongroom/v1/record/root-key", &[1]]);
        assert_eq!(
            hex::encode(expected),
            "2734fb206ea3a6d0502a6b6b1093f4a971cd35b81ec5e381f8126371b8517670"
        );
        assert_eq!(record_root(&id, &dek).expose(), &expected);
        // Siblings under one prk_ring, with distinct labels: never equal.
        assert_eq!(
            mac_key(&id, &dek).expose(),
            &bare_hmac(&prk_ring, &[b"strongroom/v1/keyring/mac-key", &[1]])
        );
        assert_ne!(mac_key(&id, &dek).expose(), &expected);
    }

    // SR-KEY-15: auth_key = HMAC-SHA256(prk_ring, "strongroom/v1/auth-key" || 01), a sibling
    // of the MAC key and the record root key, equal to neither.
    #[test]
    fn sr_key_15_auth_key_formula() {
        let id: [u8; 16] = core::array::from_fn(|i| i as u8);
        let dek = Key32::from_bytes(core::array::from_fn(|i| 0x10 + i as u8));
        let prk_ring = bare_hmac(&id, &[dek.expose()]);
        let expected = bare_hmac(&prk_ring, &[b"strongroom/v1/auth-key", &[1]]);
        assert_eq!(auth_key(&id, &dek).expose(), &expected);
        assert_ne!(auth_key(&id, &dek).expose(), mac_key(&id, &dek).expose());
        assert_ne!(
            auth_key(&id, &dek).expose(),
            record_root(&id, &dek).expose()
        );
    }

    // SR-LOG-7: log_key = HMAC-SHA256(prk_ring, "strongroom/v1/log/checkpoint-key" || 01),
    // a sibling of the MAC key, the auth key and the record root key, equal to none of them.
    #[test]
    fn sr_log_7_log_key_formula() {
        let id: [u8; 16] = core::array::from_fn(|i| i as u8);
        let dek = Key32::from_bytes(core::array::from_fn(|i| 0x10 + i as u8));
        let prk_ring = bare_hmac(&id, &[dek.expose()]);
        let expected = bare_hmac(&prk_ring, &[b"strongroom/v1/log/checkpoint-key", &[1]]);
        assert_eq!(log_key(&id, &dek).expose(), &expected);
        for other in [
            mac_key(&id, &dek),
            auth_key(&id, &dek),
            record_root(&id, &dek),
        ] {
            assert_ne!(other.expose(), &expected);
        }
    }

    // SR-KEY-16: KEK = HMAC(HMAC(secret_key, kek_p), "strongroom/v1/secret-key-slot/kek" || 01)
    // with kek_p the password slot's KEK for the same salt and KDF.
    #[test]
    fn sr_key_16_secret_key_kek_formula() {
        let pw = Password::new("pw").unwrap();
        let kdf = KdfParams::Pbkdf2Sha256 { iterations: 2 };
        let salt = [7u8; 32];
        let sk = [9u8; 16];
        let kek_p = derive_kek(&kdf, &pw, &salt).unwrap();
        let prk_sk = bare_hmac(&sk, &[kek_p.expose()]);
        let expected = bare_hmac(&prk_sk, &[b"strongroom/v1/secret-key-slot/kek", &[1]]);
        let kek = derive_secret_key_kek(&kdf, &pw, &sk, &salt).unwrap();
        assert_eq!(kek.expose(), &expected);
        assert_ne!(kek.expose(), kek_p.expose());
        let other = derive_secret_key_kek(&kdf, &pw, &[8u8; 16], &salt).unwrap();
        assert_ne!(kek.expose(), other.expose());
    }

    // Section 9.1: every label starts with strongroom/v1/ and no two are equal.
    #[test]
    fn labels_are_distinct() {
        let all = [
            LABEL_PASSWORD_WRAP,
            LABEL_PASSWORD_COMMIT,
            LABEL_RECOVERY_WRAP,
            LABEL_RECOVERY_COMMIT,
            LABEL_SECRET_KEY_WRAP,
            LABEL_SECRET_KEY_COMMIT,
            LABEL_SECRET_KEY_KEK,
            LABEL_KEYRING_MAC,
            LABEL_AUTH_KEY,
            LABEL_LOG_CHECKPOINT_KEY,
            LABEL_RECORD_ROOT,
            LABEL_RECORD_KEY,
            LABEL_RECORD_COMMIT,
            LABEL_STREAM_KEY,
            LABEL_STREAM_COMMIT,
            LABEL_RECOVERY_CODE,
            LABEL_SECRET_KEY_CODE,
        ];
        for (i, a) in all.iter().enumerate() {
            assert!(a.starts_with(b"strongroom/v1/"));
            for b in &all[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}
