// Password KDFs (SPEC.md section 8). PBKDF2-HMAC-SHA256 comes from the backend (WebCrypto, or
// node:crypto on Node's thread pool); Argon2id from hash-wasm's WebAssembly build, vendored as
// src/vendor/argon2id.js (scripts/build-argon2.mjs) and imported statically, so that it works in
// an MV3 service worker (no dynamic import()) and from a symlinked install (no runtime dependency).
// The WebAssembly module is compiled only at the first Argon2id call.
import { fail } from "./errors.js";
import { backend } from "./backend/select.js";
import { argon2id as vendoredArgon2id } from "./vendor/argon2id.js";

// Number of KDF evaluations since load, read by testing.kdfCalls(): the vector runner checks that
// failures other than unlock_failed / keyring_tampered ran no KDF (SR-POL-1, vectors README 2).
let calls = 0;

/** @returns {number} KDF evaluations so far (all KDF ids). */
export function kdfCallCount() {
  return calls;
}

let argon2id = vendoredArgon2id;

/** For testing.js only: replace Argon2id (null restores the vendored one). */
export function setArgon2ForTesting(fn) {
  argon2id = fn ?? vendoredArgon2id;
}

/** What a developer needs to know when Argon2id cannot run: the usual causes, by symptom. */
function argon2Hint(err) {
  const text = String(err?.message ?? err);
  if (/unsafe-eval|Content Security Policy|CSP/i.test(text)) {
    return "WebAssembly is blocked by the Content Security Policy: allow it with 'wasm-unsafe-eval' in script-src (an extension: content_security_policy.extension_pages)";
  }
  if (err instanceof RangeError || /memory/i.test(text)) {
    return "the Argon2id memory could not be allocated here; lower the policy's memory ceiling for this device (SPEC.md section 19.3)";
  }
  if (typeof WebAssembly === "undefined") return "this environment has no WebAssembly";
  return `Argon2id (WebAssembly) failed: ${text}`;
}

/**
 * KEK = KDF(P, salt, kdf) of SPEC.md 11.1, as 32 raw bytes. Raw bytes are unavoidable here
 * (section 19.1: PBKDF2 deriveKey cannot produce an HKDF key; Argon2id runs in WebAssembly); the
 * caller imports them as a key at once, which wipes them.
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
    return backend().pbkdf2(P, salt, kdf.iterations);
  }
  if (kdf.id === 2) {
    let out;
    try {
      // RFC 9106 Argon2id v1.3 with any salt length and parallelism; no secret and no associated
      // data is hash-wasm's default (SR-KDF-2).
      out = await argon2id({
        password: P,
        salt,
        parallelism: kdf.parallelism,
        iterations: kdf.timeCost,
        memorySize: kdf.memoryKib,
        hashLength: 32,
        outputType: "binary",
      });
    } catch (err) {
      // SR-KDF-7: report, never substitute; the cause says what to change.
      throw fail("kdf_unavailable", argon2Hint(err), { cause: err });
    }
    calls++; // counted once it ran: an Argon2id that could not start did no work
    return out instanceof Uint8Array ? out : new Uint8Array(out);
  }
  // Unreachable after the decoder / CheckNewKdf; kept so that a bad call never falls through.
  throw fail("unsupported_algorithm");
}
