// Password KDFs (SPEC.md section 8): PBKDF2-HMAC-SHA256 through WebCrypto, Argon2id through the
// hash-wasm package, imported lazily so that clients that only meet PBKDF2 and recovery slots
// never load WebAssembly (issue 8).
import { fail } from "./errors.js";

const subtle = () => globalThis.crypto.subtle;

// Number of KDF evaluations since load, read by testing.kdfCalls(): the vector runner checks that
// failures other than unlock_failed / keyring_tampered ran no KDF (SR-POL-1, vectors README 2).
let calls = 0;

/** @returns {number} KDF evaluations so far (all KDF ids). */
export function kdfCallCount() {
  return calls;
}

let argon2Module = null;
// Replaced only by testing.simulateArgon2Unavailable, to test SR-KDF-7 without breaking the
// installation or exhausting memory.
let importArgon2 = () => import("hash-wasm");

/** For testing.js only: swap the loader (null restores the real one) and forget the module. */
export function setArgon2LoaderForTesting(loader) {
  importArgon2 = loader ?? (() => import("hash-wasm"));
  argon2Module = null;
}

/** Loads hash-wasm once; any failure to load means Argon2id cannot run here (SR-KDF-7). */
async function loadArgon2() {
  if (argon2Module) return argon2Module;
  try {
    const mod = await importArgon2();
    if (typeof mod.argon2id !== "function") throw new Error("hash-wasm has no argon2id");
    argon2Module = mod;
    return mod;
  } catch {
    throw fail("kdf_unavailable");
  }
}

/**
 * KEK = KDF(P, salt, kdf) of SPEC.md 11.1, as 32 raw bytes. Raw bytes are unavoidable here
 * (section 19.1: PBKDF2 deriveKey cannot produce an HKDF key; Argon2id runs in WebAssembly); the
 * caller imports them as an HKDF key at once and wipes them (importKek).
 *
 * `P` is not wiped here: unlock tries several slots with the same P, and the caller wipes it after
 * its last KDF.
 * @param {Uint8Array} P normalized password
 * @param {Uint8Array} salt 32 bytes
 * @param {{id:1, iterations:number}|{id:2, memoryKib:number, timeCost:number, parallelism:number}} kdf
 *   already checked against the hard limits (decoder or CheckNewKdf)
 * @returns {Promise<Uint8Array>}
 */
export async function deriveKekBytes(P, salt, kdf) {
  if (kdf.id === 1) {
    calls++;
    const pw = await subtle().importKey("raw", P, "PBKDF2", false, ["deriveBits"]);
    return new Uint8Array(
      await subtle().deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: kdf.iterations }, pw, 256),
    );
  }
  if (kdf.id === 2) {
    const { argon2id } = await loadArgon2();
    calls++;
    try {
      // hash-wasm implements RFC 9106 Argon2id v1.3 with any salt length and parallelism; no
      // secret and no associated data is its default (SR-KDF-2).
      const out = await argon2id({
        password: P,
        salt,
        parallelism: kdf.parallelism,
        iterations: kdf.timeCost,
        memorySize: kdf.memoryKib,
        hashLength: 32,
        outputType: "binary",
      });
      return out instanceof Uint8Array ? out : new Uint8Array(out);
    } catch {
      // Typically a failed WebAssembly.Memory grow (SR-KDF-7: report, never substitute).
      throw fail("kdf_unavailable");
    }
  }
  // Unreachable after the decoder / CheckNewKdf; kept so that a bad call never falls through.
  throw fail("unsupported_algorithm");
}

/**
 * Imports KEK bytes as a non-extractable HKDF key and wipes them (section 19.2, SR-WEB-3).
 * @param {Uint8Array} kekBytes
 * @returns {Promise<CryptoKey>}
 */
export async function importKek(kekBytes) {
  try {
    return await subtle().importKey("raw", kekBytes, "HKDF", false, ["deriveBits", "deriveKey"]);
  } finally {
    kekBytes.fill(0);
  }
}
