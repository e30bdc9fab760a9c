// Test hooks of strongroom-js (package subpath "strongroom/testing"). For the vector tests, the
// conformance adapter and benchmarks only: NOT for applications. Nothing here weakens the library
// (no key is ever exported); the DEK fingerprint is the one-way HKDF output of CONFORMANCE.md
// section 3.1, under a label that no Strongroom derivation uses.
import { kdfCallCount, setArgon2LoaderForTesting } from "./kdf.js";
import { ScriptError } from "./random.js";
import { hex, fromHex, utf8 } from "./bytes.js";
import { dekKeyOf } from "./keyring.js";

export { ScriptError };

/** @returns {number} number of KDF evaluations (PBKDF2 or Argon2id) since the module loaded. */
export function kdfCalls() {
  return kdfCallCount();
}

// CONFORMANCE.md section 3.1; `strongroom conformance` computes the same from a vector's `dek`.
const FP_INFO = utf8("strongroom-conformance/dek-fingerprint");
const ZERO32 = new Uint8Array(32);

async function fingerprintOfKey(hkdfKey) {
  const bits = await globalThis.crypto.subtle.deriveBits(
    { name: "HKDF", hash: "SHA-256", salt: ZERO32, info: FP_INFO },
    hkdfKey,
    256,
  );
  return hex(new Uint8Array(bits));
}

/**
 * The DEK fingerprint of CONFORMANCE.md section 3.1, lowercase hex: HKDF-SHA256(IKM = DEK,
 * salt = 32 zero bytes, info = "strongroom-conformance/dek-fingerprint", L = 32). Lets a test or
 * the conformance adapter check which DEK an unlocked keyring holds without the DEK ever being
 * extractable. Conformance testing only: an application API must not expose it.
 * @param {import("./keyring.js").UnlockedKeyring} unlocked
 * @returns {Promise<string>}
 */
export function dekFingerprint(unlocked) {
  return fingerprintOfKey(dekKeyOf(unlocked));
}

/**
 * The same fingerprint computed from known DEK bytes (a vector's expected `dek`).
 * @param {Uint8Array} dek
 * @returns {Promise<string>}
 */
export async function dekFingerprintFromBytes(dek) {
  const key = await globalThis.crypto.subtle.importKey("raw", dek, "HKDF", false, ["deriveBits"]);
  return fingerprintOfKey(key);
}

/**
 * Scripted generator of vectors/README.md section 3.5: returns the listed values in order; a
 * request of another size is a ScriptError (the draw order differs: protocol_error, not a
 * Strongroom error); once exhausted it throws like a failing CSPRNG (randomness_unavailable).
 */
export class ScriptedRandom {
  /** @param {Array<{name?: string, hex: string}|Uint8Array>} values */
  constructor(values) {
    this.values = values.map((v) => (v instanceof Uint8Array ? Uint8Array.from(v) : fromHex(v.hex)));
    this.names = values.map((v, i) => (v instanceof Uint8Array ? `#${i}` : (v.name ?? `#${i}`)));
    this.next = 0;
  }

  /** @param {Uint8Array} array */
  getRandomValues(array) {
    if (this.next >= this.values.length) throw new Error("scripted randomness exhausted");
    const v = this.values[this.next];
    if (v.length !== array.length) {
      throw new ScriptError(
        `scripted draw ${this.next} (${this.names[this.next]}) has ${v.length} bytes, implementation asked for ${array.length}`,
      );
    }
    array.set(v);
    this.next++;
    return array;
  }

  /** @returns {number} how many scripted values are still unused. */
  remaining() {
    return this.values.length - this.next;
  }
}

/**
 * Makes the next Argon2id evaluations behave as on a client without Argon2id (SR-KDF-7:
 * kdf_unavailable), or restores the real hash-wasm with `false`.
 * @param {boolean} on
 */
export function simulateArgon2Unavailable(on) {
  setArgon2LoaderForTesting(on ? async () => { throw new Error("simulated: no Argon2id here"); } : null);
}
