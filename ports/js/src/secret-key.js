/**
 * Secret keys (SPEC.md section 12.1): 16 random bytes that a secret-key slot's KEK needs besides
 * the password (SR-KEY-16), written for the user as "SK1-" and 32 Crockford base32 symbols (the
 * key and a 4-byte SHA-256 check) in 8 groups of 4.
 *
 * A SecretKey never keeps the bytes where a script can read them. The KEK uses the secret key only
 * as the key of one HMAC (prk_sk = HMAC-SHA256(secret_key, kek_p)), so the bytes are imported at
 * once as an HMAC key with the usage sign and wiped (SR-WEB-1, SR-WEB-3): a non-extractable
 * CryptoKey on WebCrypto, which strongroom/storage can keep in IndexedDB as it is; a private field
 * on the node:crypto backend. The code cannot be computed again from a SecretKey: it is returned
 * once, when the key is generated, for the emergency kit (SR-SK-2).
 */

import { invalidInput } from "./errors.js";
import { concat, utf8, ctEqual } from "./bytes.js";
import { drawRandom } from "./random.js";
import { backend } from "./backend/select.js";
import { symbolValue, isSeparator, encodeGroups, decodeSymbols } from "./crockford.js";

const LABEL_SECRET_KEY_CODE = utf8("strongroom/v1/secret-key-code");
const PREFIX = "SK1";
const SYMBOLS = 32;
const SECRET_KEY_BYTES = 16;

const INTERNAL = Symbol("strongroom.secret-key");

function requireSecretKeyBytes(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== SECRET_KEY_BYTES) {
    throw new TypeError("a secret key is 16 bytes");
  }
}

/** check = SHA-256("strongroom/v1/secret-key-code" || secret_key)[0 .. 4]. */
async function checkBytes(secretKey) {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", concat(LABEL_SECRET_KEY_CODE, secretKey));
  return new Uint8Array(digest, 0, 4);
}

/** payload = secret_key || check (20 bytes); exposed for tests against the vectors' intermediates. */
export async function secretKeyPayload(secretKey) {
  requireSecretKeyBytes(secretKey);
  return concat(secretKey, await checkBytes(secretKey));
}

/** SecretKeyCode(secret_key) of section 12.1, written as SR-SK-3 requires. */
export async function formatSecretKeyCode(secretKey) {
  const payload = await secretKeyPayload(secretKey);
  try {
    return `${PREFIX}-${encodeGroups(payload, 4)}`; // 160 bits: exactly 32 symbols
  } finally {
    payload.fill(0);
  }
}

/** ASCII a-z to A-Z and nothing else (section 12's warning about toUpperCase). */
const upperAscii = (c) => (c >= 0x61 && c <= 0x7a ? c - 0x20 : c);

/**
 * ParseSecretKey (SR-SK-1): separators removed and ASCII case folded before the "SK1" prefix is
 * required, so "sk1-..." and "S K 1 ..." are read, while the look-alike mappings (O, I, L) apply
 * only after the prefix: "SKI-..." is not a secret key code. Every format error comes before the
 * hash, so secret_key_check means a mistyped symbol, nothing else. Returns the 16 bytes; the
 * caller imports and wipes them.
 * @param {string} code
 * @returns {Promise<Uint8Array>}
 */
export async function parseSecretKeyCode(code) {
  if (typeof code !== "string") throw new TypeError("secret key code must be a string");
  const values = [];
  let prefix = 0;
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i);
    if (isSeparator(c)) continue;
    if (prefix < PREFIX.length) {
      if (upperAscii(c) !== PREFIX.charCodeAt(prefix)) throw invalidInput("secret_key_format");
      prefix++;
      continue;
    }
    const v = symbolValue(c);
    if (v < 0) throw invalidInput("secret_key_format");
    values.push(v);
    // More symbols than a code has can never become valid; stop early on absurdly long input.
    if (values.length > SYMBOLS) throw invalidInput("secret_key_format");
  }
  if (prefix < PREFIX.length || values.length !== SYMBOLS) throw invalidInput("secret_key_format");
  const payload = decodeSymbols(values);
  const secretKey = payload.slice(0, SECRET_KEY_BYTES);
  const ok = ctEqual(payload.subarray(SECRET_KEY_BYTES), await checkBytes(secretKey));
  payload.fill(0);
  if (!ok) {
    secretKey.fill(0);
    throw invalidInput("secret_key_check");
  }
  return secretKey;
}

// Filled in by SecretKey's static block: the key schedule and strongroom/storage reach the key
// handle without a public property.
let handleOf;

/** A secret key held as an HMAC key with the usage sign; never as bytes a script can read. */
export class SecretKey {
  #key;

  static {
    handleOf = (sk) => sk.#key;
  }

  /** @private use parse(), generate() or strongroom/storage's loadSecretKey(). */
  constructor(token, key) {
    if (token !== INTERNAL) throw new TypeError("use SecretKey.parse or SecretKey.generate");
    this.#key = key;
    Object.freeze(this);
  }

  /**
   * SR-SK-1: a secret key code as the user typed it (separators, case and the look-alikes O, I, L
   * are forgiven). invalid_input secret_key_format or secret_key_check. The bytes are imported
   * and wiped before this resolves.
   * @param {string} code
   * @returns {Promise<SecretKey>}
   */
  static async parse(code) {
    return new SecretKey(INTERNAL, await backend().importHmacSign(await parseSecretKeyCode(code)));
  }

  /**
   * new_secret_key() of SPEC.md 11.7.1: 16 bytes from the CSPRNG (randomness_unavailable if it
   * fails), and their code, to be shown to the user once for the emergency kit (SR-SK-2) and
   * never sent to the server.
   * @returns {Promise<{secretKey: SecretKey, code: string}>}
   */
  static async generate() {
    const bytes = drawRandom(SECRET_KEY_BYTES);
    try {
      const code = await formatSecretKeyCode(bytes);
      return { secretKey: new SecretKey(INTERNAL, await backend().importHmacSign(bytes)), code };
    } finally {
      bytes.fill(0);
    }
  }

  /**
   * SR-SK-3: the code of 16 secret-key bytes (for secret keys made outside this library). The
   * bytes are not kept; wiping them is the caller's.
   * @param {Uint8Array} bytes
   * @returns {Promise<string>}
   */
  static format(bytes) {
    requireSecretKeyBytes(bytes);
    return formatSecretKeyCode(bytes);
  }

  /** A SecretKey says nothing about itself: no code, no bytes, in logs or JSON. */
  toJSON() {
    return "[SecretKey]";
  }

  toString() {
    return "[SecretKey]";
  }
}

/** The key handle of a SecretKey (for the key schedule and strongroom/storage only). */
export function secretKeyHandle(secretKey) {
  if (!(secretKey instanceof SecretKey)) throw new TypeError("expected a SecretKey");
  return handleOf(secretKey);
}

/** A SecretKey around an HMAC sign handle that strongroom/storage read back. */
export function secretKeyFromHandle(handle) {
  return new SecretKey(INTERNAL, handle);
}

/**
 * Step 1's secret-key half for every operation that takes one (SR-OP-17, SR-OP-20, SR-OP-21): a
 * SecretKey is ready, a code is parsed and imported here.
 * @param {SecretKey|string} secretKey
 */
export async function prepareSecretKey(secretKey) {
  if (secretKey instanceof SecretKey) return handleOf(secretKey);
  return backend().importHmacSign(await parseSecretKeyCode(secretKey));
}

/** Import and wipe, for bytes that create_with_secret_key drew itself. */
export function importSecretKeyBytes(bytes) {
  return backend().importHmacSign(bytes);
}
