// Sealed records (SPEC.md sections 9.4, 11.10, 11.11): the record key is an AES-GCM key derived
// from the record root (SR-KEY-14, SR-KEY-7), the commitment is compared in constant time before
// any AES-GCM call, and decryption releases nothing before the tag verifies (SR-OP-9).
import { fail, limitExceeded } from "./errors.js";
import { ctEqual, writeU64be } from "./bytes.js";
import { decodeRecord, allocateRecord } from "./format.js";
import { recordToText, recordFromText } from "./text.js";
import { drawRandom } from "./random.js";
import { limits } from "./limits.js";
import { backend } from "./backend/select.js";
import { recordKeys } from "./schedule.js";

const MAX_PLAINTEXT = limits.maxPlaintextBytes;
const MAX_CONTEXT = limits.maxContextBytes;
const HEADER_LEN = limits.recordHeaderBytes;

const INTERNAL = Symbol("strongroom.record");
let decodedOf;

/** record_aad of SR-KEY-8: header || u64be(len(context)) || context, in one allocation. */
function recordAad(header, context) {
  const aad = new Uint8Array(header.length + 8 + context.length);
  aad.set(header, 0);
  writeU64be(aad, header.length, context.length);
  aad.set(context, header.length + 8);
  return aad;
}

/** A decoded sealed record (SPEC.md 6.5). Immutable; byte getters return copies. */
export class SealedRecord {
  #decoded;

  static {
    decodedOf = (r) => r.#decoded;
  }

  /** @private */
  constructor(token, decoded) {
    if (token !== INTERNAL) throw new TypeError("use SealedRecord.fromBytes or UnlockedKeyring#seal");
    this.#decoded = decoded;
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
    return Uint8Array.from(this.#decoded.bytes);
  }

  toText() {
    return recordToText(this.#decoded.bytes);
  }

  get keyringId() {
    return Uint8Array.from(this.#decoded.keyringId);
  }

  get salt() {
    return Uint8Array.from(this.#decoded.salt);
  }

  get nonce() {
    return Uint8Array.from(this.#decoded.nonce);
  }

  get commitment() {
    return Uint8Array.from(this.#decoded.commitment);
  }

  get ciphertext() {
    return Uint8Array.from(this.#decoded.ciphertext);
  }
}

/**
 * Seal (SPEC.md 11.10) under the record root of an unlocked keyring with id `keyringId`.
 * @param {object} root record root handle
 * @param {Uint8Array} keyringId
 * @param {Uint8Array} plaintext
 * @param {Uint8Array} context
 * @returns {Promise<SealedRecord>}
 */
export async function sealWithRoot(root, keyringId, plaintext, context) {
  // 1-2. Limits, before any draw.
  if (plaintext.length > MAX_PLAINTEXT) throw limitExceeded("plaintext_too_large");
  if (context.length > MAX_CONTEXT) throw limitExceeded("context_too_long");
  // 3. Draws.
  const salt = drawRandom(32);
  const nonce = drawRandom(12);
  // 4. Keys and commitment.
  const { aes, commitment } = await recordKeys(root, salt, keyringId, "encrypt");
  // 5-6. Header and AAD; 8. the record is laid out at once (header || 07 || head(2, len(ct)) ||
  // ct) so that the header is written once and the ciphertext lands in its final place.
  const out = allocateRecord(keyringId, salt, nonce, commitment, plaintext.length + 16);
  // 7. Encrypt, into the record.
  await backend().gcmEncrypt(aes, nonce, recordAad(out.header, context), plaintext, out.ciphertext);
  // The fields are the values just encoded (the vectors pin the encoder), so the record is built
  // from them rather than decoded again: a second strict decode would cost as much as the crypto.
  return new SealedRecord(INTERNAL, {
    bytes: out.bytes,
    keyringId: out.header.subarray(7, 23),
    salt: out.header.subarray(26, 58),
    nonce: out.header.subarray(60, 72),
    commitment: out.header.subarray(75, 107),
    ciphertext: out.ciphertext,
    header: out.header,
  });
}

/**
 * Open (SPEC.md 11.11); step 1 (decoding) is done by the caller.
 * @param {object} root record root handle
 * @param {Uint8Array} keyringId
 * @param {SealedRecord} record
 * @param {Uint8Array} context
 * @returns {Promise<Uint8Array>}
 */
export async function openWithRoot(root, keyringId, record, context) {
  const r = decodedOf(record);
  // 2. Keyring id (public values; compared in full anyway).
  if (!ctEqual(r.keyringId, keyringId)) throw fail("wrong_keyring");
  // 3. Context length.
  if (context.length > MAX_CONTEXT) throw limitExceeded("context_too_long");
  // 4. Keys.
  const { aes, commitment } = await recordKeys(root, r.salt, keyringId, "decrypt");
  // 5. Commitment before AES-GCM; same error as a tag failure (SR-ERR-2).
  if (!ctEqual(commitment, r.commitment)) throw fail("record_authentication_failed");
  // 6. AAD from the exact received header (SR-KEY-11).
  const aad = recordAad(r.bytes.subarray(0, HEADER_LEN), context);
  // 7. One-shot decrypt: nothing is released unless the tag verifies.
  const pt = await backend().gcmDecrypt(aes, r.nonce, aad, r.ciphertext);
  if (pt === null) throw fail("record_authentication_failed");
  return pt;
}
