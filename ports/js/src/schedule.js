// The key schedule of SPEC.md section 9, on whichever backend is selected: every HKDF label of the
// format lives here, and nothing else derives keys. WebCrypto's (and our node:crypto) HKDF runs
// Extract with `salt` and Expand with `info`, exactly as the SR-KEY requirements write them.
import { concat, utf8 } from "./bytes.js";
import { backend } from "./backend/select.js";

// Section 9.1.
const LABEL_WRAP = {
  password: utf8("strongroom/v1/password-slot/wrap-key"),
  recovery: utf8("strongroom/v1/recovery-slot/wrap-key"),
};
const LABEL_COMMIT = {
  password: utf8("strongroom/v1/password-slot/commitment"),
  recovery: utf8("strongroom/v1/recovery-slot/commitment"),
};
const LABEL_MAC = utf8("strongroom/v1/keyring/mac-key");
const LABEL_RECORD_ROOT = utf8("strongroom/v1/record/root-key");
const LABEL_RECORD_KEY = utf8("strongroom/v1/record/key");
const LABEL_RECORD_COMMIT = utf8("strongroom/v1/record/commitment");

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
