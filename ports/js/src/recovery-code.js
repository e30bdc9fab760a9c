/**
 * Recovery codes (SPEC.md section 12): the 32-byte recovery secret plus a 3-byte SHA-256 check,
 * as 56 Crockford base32 symbols in 14 groups of 4.
 *
 * The check needs SHA-256 and WebCrypto's digest is asynchronous, so everything that computes or
 * verifies the check returns a Promise. The format checks still happen before any hashing.
 */

import { invalidInput } from "./errors.js";
import { concat, utf8, ctEqual } from "./bytes.js";
import { symbolValue, isSeparator, encodeGroups, decodeSymbols } from "./crockford.js";

const LABEL_RECOVERY_CODE = utf8("strongroom/v1/recovery-code");
const SYMBOLS = 56;

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
  return encodeGroups(await recoveryPayload(secret), 4); // 280 bits: exactly 56 symbols
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
    if (isSeparator(c)) continue; // "-" and U+0020 only; other whitespace is an error
    const v = symbolValue(c);
    if (v < 0) throw invalidInput("recovery_code_format");
    values.push(v);
    // More symbols than a code has can never become valid; stop early on absurdly long input.
    if (values.length > SYMBOLS) throw invalidInput("recovery_code_format");
  }
  if (values.length !== SYMBOLS) throw invalidInput("recovery_code_format");
  const payload = decodeSymbols(values);
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
