/**
 * Recovery codes (SPEC.md section 12): the 32-byte recovery secret plus a 3-byte SHA-256 check,
 * as 56 Crockford base32 symbols in 14 groups of 4.
 *
 * The check needs SHA-256 and WebCrypto's digest is asynchronous, so everything that computes or
 * verifies the check returns a Promise. The format checks still happen before any hashing.
 */

import { invalidInput } from "./errors.js";
import { concat, utf8, ctEqual } from "./bytes.js";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const LABEL_RECOVERY_CODE = utf8("strongroom/v1/recovery-code");
const SYMBOLS = 56;

/** ASCII char code -> symbol value after the SR-REC-1 mappings (case, O -> 0, I/L -> 1), or -1. */
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 32; i++) {
  VALUE[ALPHABET.charCodeAt(i)] = i;
  VALUE[ALPHABET.toLowerCase().charCodeAt(i)] = i;
}
for (const [c, v] of [["O", 0], ["o", 0], ["I", 1], ["i", 1], ["L", 1], ["l", 1]]) VALUE[c.charCodeAt(0)] = v;

function requireSecret(secret) {
  if (!(secret instanceof Uint8Array) || secret.length !== 32) {
    throw new TypeError("recovery secret must be 32 bytes");
  }
}

/** check = SHA-256("strongroom/v1/recovery-code" || secret)[0 .. 3]. */
async function checkBytes(secret) {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", concat(LABEL_RECOVERY_CODE, secret));
  return new Uint8Array(digest, 0, 3);
}

/** payload = secret || check (35 bytes); exposed for tests against the vectors' intermediates. */
export async function recoveryPayload(secret) {
  requireSecret(secret);
  return concat(secret, await checkBytes(secret));
}

/** RecoveryCode(secret) of section 12, written as SR-REC-3 requires. */
export async function formatRecoveryCode(secret) {
  const payload = await recoveryPayload(secret);
  let out = "";
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (const byte of payload) {
    acc = ((acc << 8) | byte) & 0xfff; // at most 12 live bits, so no overflow
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      if (n > 0 && n % 4 === 0) out += "-";
      out += ALPHABET[(acc >> bits) & 31];
      n++;
    }
  }
  return out; // 280 bits = exactly 56 symbols, nothing left over
}

/**
 * ParseRecoveryCode (SR-REC-1): lenient about hyphens, spaces, case and the look-alikes O, I, L;
 * strict about everything else. The mapping is ASCII only, never String.toUpperCase(), which
 * would accept U+0131 and U+017F (section 12).
 * @param {string} code
 * @returns {Promise<Uint8Array>} the 32-byte secret
 */
export async function parseRecoveryCode(code) {
  if (typeof code !== "string") throw new TypeError("recovery code must be a string");
  const values = [];
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i);
    if (c === 0x2d || c === 0x20) continue; // "-" and U+0020 only; other whitespace is an error
    const v = c < 128 ? VALUE[c] : -1;
    if (v < 0) throw invalidInput("recovery_code_format");
    values.push(v);
    // More symbols than a code has can never become valid; stop early on absurdly long input.
    if (values.length > SYMBOLS) throw invalidInput("recovery_code_format");
  }
  if (values.length !== SYMBOLS) throw invalidInput("recovery_code_format");
  const payload = new Uint8Array(35);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (const v of values) {
    acc = ((acc << 5) | v) & 0x1fff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      payload[o++] = (acc >> bits) & 0xff;
    }
  }
  const secret = payload.slice(0, 32);
  // The check is not secret-dependent in any useful way, but ctEqual costs nothing here.
  if (!ctEqual(payload.subarray(32), await checkBytes(secret))) throw invalidInput("recovery_code_check");
  return secret;
}

/** A parsed recovery code. Construct with `await RecoveryCode.parse(code)` or `fromSecret`. */
export class RecoveryCode {
  #secret;
  #canonical;

  /** @private use parse() or fromSecret(); both compute the check asynchronously. */
  constructor(secret, canonical) {
    this.#secret = secret;
    this.#canonical = canonical;
  }

  /** @returns {Promise<RecoveryCode>} */
  static async parse(code) {
    const secret = await parseRecoveryCode(code);
    return new RecoveryCode(secret, await formatRecoveryCode(secret));
  }

  /** @returns {Promise<RecoveryCode>} */
  static async fromSecret(secret) {
    requireSecret(secret);
    const copy = new Uint8Array(secret);
    return new RecoveryCode(copy, await formatRecoveryCode(copy));
  }

  /** The canonical form of SR-REC-3. */
  toString() {
    return this.#canonical;
  }

  /** A copy of the 32-byte secret, so callers cannot change ours. */
  secretBytes() {
    return new Uint8Array(this.#secret);
  }
}
