// The key schedule of SPEC.md section 9, on whichever backend is selected: every HKDF label of the
// format lives here, and nothing else derives keys. WebCrypto's (and our node:crypto) HKDF runs
// Extract with `salt` and Expand with `info`, exactly as the SR-KEY requirements write them.
import { concat, utf8 } from "./bytes.js";
import { backend } from "./backend/select.js";

// Section 9.1.
const LABEL_WRAP = {
  password: utf8("strongroom/v1/password-slot/wrap-key"),
  recovery: utf8("strongroom/v1/recovery-slot/wrap-key"),
  "secret-key": utf8("strongroom/v1/secret-key-slot/wrap-key"),
};
const LABEL_COMMIT = {
  password: utf8("strongroom/v1/password-slot/commitment"),
  recovery: utf8("strongroom/v1/recovery-slot/commitment"),
  "secret-key": utf8("strongroom/v1/secret-key-slot/commitment"),
};
const LABEL_SECRET_KEY_KEK = utf8("strongroom/v1/secret-key-slot/kek");
const LABEL_MAC = utf8("strongroom/v1/keyring/mac-key");
const LABEL_AUTH_KEY = utf8("strongroom/v1/auth-key");
const LABEL_LOG_CHECKPOINT = utf8("strongroom/v1/log/checkpoint-key");
const LABEL_RECORD_ROOT = utf8("strongroom/v1/record/root-key");
const LABEL_RECORD_KEY = utf8("strongroom/v1/record/key");
const LABEL_RECORD_COMMIT = utf8("strongroom/v1/record/commitment");
const LABEL_STREAM_KEY = utf8("strongroom/v1/stream/key");
const LABEL_STREAM_COMMIT = utf8("strongroom/v1/stream/commitment");

/** SR-KEY-2: a slot's key commitment, as bytes to compare. */
export function slotCommitment(kek, keyringId, kind) {
  return backend().hkdfBits(kek, keyringId, LABEL_COMMIT[kind]);
}

/**
 * SR-KEY-2: a slot's wrap key, with only the usage its one call needs: unwrapKey to unlock (and to
 * re-wrap from), encrypt at creation, wrapKey for a slot written later (section 19.2).
 */
export function slotWrapKey(kek, keyringId, kind, usage) {
  return backend().hkdfAes(kek, keyringId, LABEL_WRAP[kind], [usage]);
}

/** SR-KEY-6: the keyring MAC key with one usage, sign (writes) or verify (unlock, sessions). */
export function macKey(dek, keyringId, usage) {
  return backend().hkdfMac(dek, keyringId, LABEL_MAC, [usage]);
}

/**
 * SR-KEY-15: the authentication key, with the usage sign only (it exists to compute auth_tag,
 * SPEC.md 11.14). A sibling of the MAC key and the record root under prk_ring: nothing else is
 * computable from it.
 */
export function authKey(dek, keyringId) {
  return backend().hkdfMac(dek, keyringId, LABEL_AUTH_KEY, ["sign"]);
}

/**
 * SR-LOG-7: the log key, HKDF-Expand(prk_ring, "strongroom/v1/log/checkpoint-key"), a sibling of
 * the MAC key, the authentication key and the record root under prk_ring. An HMAC key with the
 * usages sign (a checkpoint this client writes) and verify (one it is served), and used for
 * checkpoint MACs only (SPEC.md 19.1, "The log key in a session").
 */
export function logKey(dek, keyringId) {
  return backend().hkdfMac(dek, keyringId, LABEL_LOG_CHECKPOINT, ["sign", "verify"]);
}

/**
 * SR-KEY-16: the KEK of a secret-key slot from kek_p = KDF(P, salt, kdf) (wiped here) and the
 * secret key, held as an HMAC key with usage sign (its one use is the key of prk_sk's HMAC, which
 * is why a browser can keep it non-extractable). HKDF-Extract with the secret key as salt is
 * HMAC(secret_key, kek_p), and HKDF-Expand to 32 bytes is one HMAC over label || 01; WebCrypto's
 * HKDF cannot expand alone, so the two HMACs are spelt out, and prk_sk and the KEK pass through
 * JavaScript as bytes between a sign and an import, wiped at once.
 */
export async function secretKeySlotKek(secretKey, kekP) {
  const b = backend();
  let prk;
  try {
    prk = await b.hmacSign(secretKey, kekP);
  } finally {
    kekP.fill(0);
  }
  const prkKey = await b.importHmacSign(prk);
  return b.importIkm(await b.hmacSign(prkKey, concat(LABEL_SECRET_KEY_KEK, Uint8Array.of(1))));
}

/**
 * SR-KEY-14: the record root, the only key an unlocked keyring keeps. It yields record keys and
 * commitments, and nothing else: not the DEK, not the MAC key.
 */
export function recordRoot(dek, keyringId) {
  return backend().hkdfIkm(dek, keyringId, LABEL_RECORD_ROOT);
}

/** SR-KEY-7: a record's key (AES-GCM, one usage) and commitment (bytes), from the record root. */
export async function recordKeys(root, recordSalt, keyringId, usage) {
  const { aes, bits } = await backend().hkdfAesAndBits(
    root,
    recordSalt,
    concat(LABEL_RECORD_KEY, keyringId),
    [usage],
    concat(LABEL_RECORD_COMMIT, keyringId),
  );
  return { aes, commitment: bits };
}

/**
 * SR-STR-2: a stream's key (AES-GCM, one usage) and commitment (bytes), from the record root and
 * the stream salt: one Extract, two Expands, as for a record (no new key type in a session).
 */
export async function streamKeys(root, streamSalt, keyringId, usage) {
  const { aes, bits } = await backend().hkdfAesAndBits(
    root,
    streamSalt,
    concat(LABEL_STREAM_KEY, keyringId),
    [usage],
    concat(LABEL_STREAM_COMMIT, keyringId),
  );
  return { aes, commitment: bits };
}
