// Test hooks of strongroom-js, for the vector tests, the conformance adapter and the benchmarks.
// NOT part of the package's exports (package.json): an application cannot import it. Nothing here
// exports a key; the DEK fingerprint is the one-way HKDF output of CONFORMANCE.md section 3.1,
// under a label that no Strongroom derivation uses.
import { kdfCallCount, setArgon2ForTesting } from "./kdf.js";
import { ScriptError, setRandomSourceForTesting } from "./random.js";
import { hex, fromHex, utf8 } from "./bytes.js";
import { setDekObserverForTesting } from "./keyring.js";
import { backend, setBackend } from "./backend/select.js";
import * as webcryptoBackend from "./backend/webcrypto.js";

export { ScriptError };

/** @returns {number} number of KDF evaluations (PBKDF2 or Argon2id) since the module loaded. */
export function kdfCalls() {
  return kdfCallCount();
}

// CONFORMANCE.md section 3.1; `strongroom conformance` computes the same from a vector's `dek`.
const FP_INFO = utf8("strongroom-conformance/dek-fingerprint");
const ZERO32 = new Uint8Array(32);
const fingerprints = new WeakMap();

// Every keyring unlocked or created from now on records its DEK fingerprint, computed while the
// DEK exists inside that call (an unlocked keyring keeps no DEK to compute it from later).
setDekObserverForTesting(async (dek, unlocked) => {
  fingerprints.set(unlocked, hex(await backend().hkdfBits(dek, ZERO32, FP_INFO)));
});

/**
 * The DEK fingerprint of CONFORMANCE.md section 3.1, lowercase hex: HKDF-SHA256(IKM = DEK,
 * salt = 32 zero bytes, info = "strongroom-conformance/dek-fingerprint", L = 32), of the keyring
 * `unlocked` was unlocked or created from. Conformance testing only.
 * @param {import("./keyring.js").UnlockedKeyring} unlocked
 * @returns {Promise<string>}
 */
export async function dekFingerprint(unlocked) {
  const fp = fingerprints.get(unlocked);
  if (fp === undefined) throw new Error("no DEK fingerprint: keyring unlocked before testing.js was loaded, or resumed from a session");
  return fp;
}

/**
 * The same fingerprint computed from known DEK bytes (a vector's expected `dek`).
 * @param {Uint8Array} dek
 * @returns {Promise<string>}
 */
export async function dekFingerprintFromBytes(dek) {
  const key = await backend().importIkm(Uint8Array.from(dek));
  return hex(await backend().hkdfBits(key, ZERO32, FP_INFO));
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
 * Runs `fn` with every random draw taken from `source` (a ScriptedRandom, or anything with
 * getRandomValues), then restores the platform CSPRNG. Calls must not overlap.
 * @template T
 * @param {{getRandomValues(a: Uint8Array): Uint8Array}} source
 * @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
export async function withRandom(source, fn) {
  setRandomSourceForTesting(source);
  try {
    return await fn();
  } finally {
    setRandomSourceForTesting(null);
  }
}

/**
 * Makes the next Argon2id evaluations behave as on a client without Argon2id (SR-KDF-7:
 * kdf_unavailable), or restores the real one with `false`.
 * @param {boolean} on
 */
export function simulateArgon2Unavailable(on) {
  setArgon2ForTesting(
    on
      ? async () => {
          throw new Error("simulated: no Argon2id here");
        }
      : null,
  );
}

/** The name of the backend in use: "webcrypto" or "node". */
export function backendName() {
  return backend().name;
}

/**
 * Switches the backend for every later call: "webcrypto", or "node" (Node only). Keys made by one
 * backend do not work with the other, so switch before unlocking anything.
 * @param {"webcrypto"|"node"} name
 */
export async function useBackend(name) {
  if (name === "webcrypto") setBackend(webcryptoBackend);
  else if (name === "node") setBackend(await import("./backend/node.js"));
  else throw new TypeError(`unknown backend ${name}`);
}
