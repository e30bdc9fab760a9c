// The WebCrypto backend (browsers, web and service workers, and Node when asked for it): every key
// is a non-extractable CryptoKey with the narrowest usages its step needs (SPEC.md section 19.2),
// so that a handle kept by the library, or stored by strongroom/storage, never yields key bytes.
//
// Handle kinds, all opaque to the rest of the library:
//   ikm  an HKDF key (a KEK, the DEK, the record root): deriveBits and deriveKey
//   aes  an AES-256-GCM key with the usages the caller names
//   mac  an HMAC-SHA256 key with the usages the caller names
import { sha256Sync as sha256PureJs } from "../sha256.js";

const subtle = () => globalThis.crypto.subtle;

export const name = "webcrypto";

const HMAC_256 = { name: "HMAC", hash: "SHA-256", length: 256 };
const gcm = (iv, additionalData) => ({ name: "AES-GCM", iv, additionalData, tagLength: 128 });
const hkdfParams = (salt, info) => ({ name: "HKDF", hash: "SHA-256", salt, info });

/** Fills `buf` with WebCrypto's CSPRNG output (looked up at call time: a page may polyfill late). */
export function randomFill(buf) {
  globalThis.crypto.getRandomValues(buf);
}

/** PBKDF2-HMAC-SHA256(P, salt, iterations, 32) as bytes (SR-KDF-1). */
export async function pbkdf2(P, salt, iterations) {
  const pw = await subtle().importKey("raw", P, "PBKDF2", false, ["deriveBits"]);
  return new Uint8Array(await subtle().deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, pw, 256));
}

/** Imports 32 secret bytes as an ikm handle, then wipes them (SR-WEB-3). */
export async function importIkm(bytes) {
  try {
    return await subtle().importKey("raw", bytes, "HKDF", false, ["deriveBits", "deriveKey"]);
  } finally {
    bytes.fill(0);
  }
}

/**
 * Imports secret bytes as an HMAC-SHA256 key with the usage sign only (the secret key of SR-KEY-16,
 * prk_sk), then wipes them. No `length`: the key is as long as its bytes (16 for a secret key).
 */
export async function importHmacSign(bytes) {
  try {
    return await subtle().importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  } finally {
    bytes.fill(0);
  }
}

/** SHA-256 of public bytes (the keyring digest of a pin, SPEC.md 11.12). */
export async function sha256(data) {
  return new Uint8Array(await subtle().digest("SHA-256", data));
}

/**
 * Synchronous SHA-256 of the concatenated parts, for the Merkle tree of logs (public values only,
 * SPEC.md 11.15.3): WebCrypto's digest is asynchronous, so this is plain JavaScript (src/sha256.js).
 */
export const sha256Sync = sha256PureJs;

/** HKDF-SHA256(ikm, salt, info, 32) as bytes: commitments only, never keys. */
export async function hkdfBits(ikm, salt, info) {
  return new Uint8Array(await subtle().deriveBits(hkdfParams(salt, info), ikm, 256));
}

/** HKDF-SHA256 output as an AES-256-GCM key. */
export function hkdfAes(ikm, salt, info, usages) {
  return subtle().deriveKey(hkdfParams(salt, info), ikm, { name: "AES-GCM", length: 256 }, false, usages);
}

/** HKDF-SHA256 output as an HMAC-SHA256 key. */
export function hkdfMac(ikm, salt, info, usages) {
  return subtle().deriveKey(hkdfParams(salt, info), ikm, HMAC_256, false, usages);
}

/**
 * HKDF-SHA256 output as another ikm handle (the record root). WebCrypto cannot derive an HKDF key
 * directly (an HKDF key has no length for deriveKey), so the 32 bytes pass through JavaScript for
 * the two calls between deriveBits and importKey, and are wiped at once.
 */
export async function hkdfIkm(ikm, salt, info) {
  return importIkm(await hkdfBits(ikm, salt, info));
}

/** AES-256-GCM encryption: ciphertext || 16-byte tag, copied into `out` when given. */
export async function gcmEncrypt(aes, iv, aad, plaintext, out) {
  const ct = new Uint8Array(await subtle().encrypt(gcm(iv, aad), aes, plaintext));
  if (!out) return ct;
  out.set(ct);
  return out;
}

/** AES-256-GCM decryption; null when the tag does not verify (nothing is released then). */
export async function gcmDecrypt(aes, iv, aad, ciphertext) {
  try {
    return new Uint8Array(await subtle().decrypt(gcm(iv, aad), aes, ciphertext));
  } catch {
    return null;
  }
}

/**
 * Unwraps a wrapped DEK (usage unwrapKey) straight into an ikm handle: the DEK's bytes never reach
 * JavaScript. null when the tag does not verify.
 */
export async function gcmUnwrapIkm(aes, iv, aad, wrapped) {
  try {
    return await subtle().unwrapKey("raw", wrapped, aes, gcm(iv, aad), "HKDF", false, ["deriveBits", "deriveKey"]);
  } catch {
    return null;
  }
}

/**
 * Re-wraps a DEK from one slot (key usage unwrapKey) under a new slot's wrap key (usage wrapKey):
 * unwrapKey into an extractable HMAC key, which WebCrypto lets wrapKey export inside the browser,
 * then drop it (section 19.1). The DEK's bytes never reach JavaScript. null when the old tag does
 * not verify.
 */
export async function gcmRewrap(from, to) {
  let carrier;
  try {
    carrier = await subtle().unwrapKey("raw", from.wrapped, from.aes, gcm(from.iv, from.aad), HMAC_256, true, ["sign"]);
  } catch {
    return null;
  }
  return new Uint8Array(await subtle().wrapKey("raw", carrier, to.aes, gcm(to.iv, to.aad)));
}

/** HMAC-SHA256 tag of `data` (usage sign). */
export async function hmacSign(mac, data) {
  return new Uint8Array(await subtle().sign("HMAC", mac, data));
}

/** HMAC-SHA256 verification in native code (usage verify). */
export function hmacVerify(mac, tag, data) {
  return subtle().verify("HMAC", mac, tag, data);
}

/** True for a handle this backend made (strongroom/storage checks what it reads back). */
export function isHandle(h) {
  return typeof CryptoKey !== "undefined" && h instanceof CryptoKey && h.extractable === false;
}

/**
 * Record key and commitment (SR-KEY-7) from the same IKM and salt: two independent WebCrypto jobs,
 * issued together so that one seal or open waits for one round trip instead of two.
 */
export async function hkdfAesAndBits(ikm, salt, keyInfo, usages, bitsInfo) {
  const [aes, bits] = await Promise.all([hkdfAes(ikm, salt, keyInfo, usages), hkdfBits(ikm, salt, bitsInfo)]);
  return { aes, bits };
}
