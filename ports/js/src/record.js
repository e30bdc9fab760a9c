// Sealed records (SPEC.md sections 9.4, 11.10, 11.11) on WebCrypto: the record key is a
// non-extractable AES-GCM key derived from the DEK by HKDF, the commitment is HKDF bits compared
// in constant time before any AES-GCM call, and WebCrypto's one-shot decrypt releases nothing
// before the tag verifies (SR-OP-9).
import { fail, limitExceeded } from "./errors.js";
import { concat, ctEqual, u64be, utf8 } from "./bytes.js";
import { decodeRecord, recordHeader, recordTail } from "./format.js";
import { recordToText, recordFromText } from "./text.js";
import { drawRandom } from "./random.js";
import { limits } from "./limits.js";

const subtle = () => globalThis.crypto.subtle;

const LABEL_RECORD_KEY = utf8("strongroom/v1/record/key");
const LABEL_RECORD_COMMIT = utf8("strongroom/v1/record/commitment");
const MAX_PLAINTEXT = limits.maxPlaintextBytes;
const MAX_CONTEXT = limits.maxContextBytes;
const HEADER_LEN = limits.recordHeaderBytes;

const INTERNAL = Symbol("strongroom.record");
// Decoded state of each SealedRecord, reachable only from this module.
const DECODED = new WeakMap();

/**
 * SR-KEY-7: record key (non-extractable AES-GCM) and commitment (bytes). The two derivations are
 * independent, so they are issued together: each WebCrypto call is an asynchronous job (a thread
 * pool hop in Node), and overlapping them takes one call's latency off every seal and open.
 */
async function recordKeys(dek, recordSalt, keyringId, usages) {
  const [rk, commitmentBits] = await Promise.all([
    subtle().deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: recordSalt, info: concat(LABEL_RECORD_KEY, keyringId) },
      dek,
      { name: "AES-GCM", length: 256 },
      false,
      usages,
    ),
    subtle().deriveBits(
      { name: "HKDF", hash: "SHA-256", salt: recordSalt, info: concat(LABEL_RECORD_COMMIT, keyringId) },
      dek,
      256,
    ),
  ]);
  return { rk, commitment: new Uint8Array(commitmentBits) };
}

/** record_aad of SR-KEY-8. */
function recordAad(header, context) {
  return concat(header, u64be(context.length), context);
}

/** A decoded sealed record (SPEC.md 6.5). Immutable; byte getters return copies. */
export class SealedRecord {
  /** @private */
  constructor(token, decoded) {
    if (token !== INTERNAL) throw new TypeError("use SealedRecord.fromBytes or UnlockedKeyring#seal");
    DECODED.set(this, decoded);
    Object.freeze(this);
  }

  /** Strict decoder (SPEC.md 5.4). @param {Uint8Array} bytes */
  static fromBytes(bytes) {
    if (!(bytes instanceof Uint8Array)) throw new TypeError("bytes must be a Uint8Array");
    return new SealedRecord(INTERNAL, decodeRecord(bytes));
  }

  /** Text form "srr1." (SPEC.md 13). @param {string} text */
  static fromText(text) {
    if (typeof text !== "string") throw new TypeError("text must be a string");
    return new SealedRecord(INTERNAL, decodeRecord(recordFromText(text)));
  }

  toBytes() {
    return Uint8Array.from(DECODED.get(this).bytes);
  }

  toText() {
    return recordToText(DECODED.get(this).bytes);
  }

  get keyringId() {
    return Uint8Array.from(DECODED.get(this).keyringId);
  }

  get salt() {
    return Uint8Array.from(DECODED.get(this).salt);
  }

  get nonce() {
    return Uint8Array.from(DECODED.get(this).nonce);
  }

  get commitment() {
    return Uint8Array.from(DECODED.get(this).commitment);
  }

  get ciphertext() {
    return Uint8Array.from(DECODED.get(this).ciphertext);
  }
}

/**
 * Seal (SPEC.md 11.10) under the DEK CryptoKey of an unlocked keyring with id `keyringId`.
 * @param {CryptoKey} dek
 * @param {Uint8Array} keyringId
 * @param {Uint8Array} plaintext
 * @param {Uint8Array} context
 * @param {object} [random]
 * @returns {Promise<SealedRecord>}
 */
export async function sealWithDek(dek, keyringId, plaintext, context, random) {
  // 1-2. Limits, before any draw.
  if (plaintext.length > MAX_PLAINTEXT) throw limitExceeded("plaintext_too_large");
  if (context.length > MAX_CONTEXT) throw limitExceeded("context_too_long");
  // 3. Draws.
  const salt = drawRandom(random, 32);
  const nonce = drawRandom(random, 12);
  // 4. Keys and commitment.
  const { rk, commitment } = await recordKeys(dek, salt, keyringId, ["encrypt"]);
  // 5-6. Header and AAD.
  const header = recordHeader(keyringId, salt, nonce, commitment);
  // 7. Encrypt.
  const ct = new Uint8Array(
    await subtle().encrypt({ name: "AES-GCM", iv: nonce, additionalData: recordAad(header, context), tagLength: 128 }, rk, plaintext),
  );
  // 8. header || 07 || head(2, len(ct)) || ct.
  const bytes = concat(header, recordTail(ct), ct);
  return new SealedRecord(INTERNAL, decodeRecord(bytes));
}

/**
 * Open (SPEC.md 11.11); step 1 (decoding) is done by the caller.
 * @param {CryptoKey} dek
 * @param {Uint8Array} keyringId
 * @param {SealedRecord} record
 * @param {Uint8Array} context
 * @returns {Promise<Uint8Array>}
 */
export async function openWithDek(dek, keyringId, record, context) {
  const r = DECODED.get(record);
  // 2. Keyring id (public values; compared in full anyway).
  if (!ctEqual(r.keyringId, keyringId)) throw fail("wrong_keyring");
  // 3. Context length.
  if (context.length > MAX_CONTEXT) throw limitExceeded("context_too_long");
  // 4. Keys.
  const { rk, commitment } = await recordKeys(dek, r.salt, keyringId, ["decrypt"]);
  // 5. Commitment before AES-GCM; same error as a tag failure (SR-ERR-2).
  if (!ctEqual(commitment, r.commitment)) throw fail("record_authentication_failed");
  // 6. AAD from the exact received header (SR-KEY-11).
  const aad = recordAad(r.bytes.subarray(0, HEADER_LEN), context);
  // 7. One-shot decrypt: nothing is released unless the tag verifies.
  let pt;
  try {
    pt = await subtle().decrypt({ name: "AES-GCM", iv: r.nonce, additionalData: aad, tagLength: 128 }, rk, r.ciphertext);
  } catch {
    throw fail("record_authentication_failed");
  }
  return new Uint8Array(pt);
}
