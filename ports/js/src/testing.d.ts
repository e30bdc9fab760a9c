// Test hooks (src/testing.js): for this repository's tests, the conformance adapter and the
// benchmarks only. Not in the package's exports, so applications cannot import them.
import type { UnlockedKeyring } from "./index.js";

/** Anything shaped like WebCrypto's getRandomValues. */
export interface RandomSource {
  getRandomValues(array: Uint8Array): Uint8Array;
}

/** Number of KDF evaluations (PBKDF2 or Argon2id) since the library was loaded. */
export function kdfCalls(): number;

/**
 * The DEK fingerprint of CONFORMANCE.md section 3.1: hex of HKDF-SHA256(IKM = DEK, salt = 32 zero
 * bytes, info = "strongroom-conformance/dek-fingerprint", 32 bytes), recorded while the DEK existed
 * inside the create or unlock call that made `unlocked`. Conformance testing only.
 */
export function dekFingerprint(unlocked: UnlockedKeyring): Promise<string>;
/** The same fingerprint from known DEK bytes (a vector's expected `dek`). */
export function dekFingerprintFromBytes(dek: Uint8Array): Promise<string>;

/** Thrown by ScriptedRandom for a draw of the wrong size: a broken script, not a CSPRNG failure. */
export class ScriptError extends Error {}

/**
 * Scripted generator of vectors/README.md section 3.5: the listed values in order. A draw of
 * another size throws ScriptError; once exhausted it throws like a failed CSPRNG (the operation
 * fails with randomness_unavailable).
 */
export class ScriptedRandom implements RandomSource {
  constructor(values: Array<{ name?: string; hex: string } | Uint8Array>);
  getRandomValues(array: Uint8Array): Uint8Array;
  /** Number of scripted values not yet used. */
  remaining(): number;
}

/** Runs `fn` with every draw taken from `source`, then restores the CSPRNG. Calls must not overlap. */
export function withRandom<T>(source: RandomSource, fn: () => Promise<T>): Promise<T>;

/** Makes Argon2id unavailable (kdf_unavailable, SR-KDF-7) until called again with `false`. */
export function simulateArgon2Unavailable(on: boolean): void;

/** "webcrypto" or "node". */
export function backendName(): "webcrypto" | "node";
/** Switches the backend for every later call (keys of one do not work with the other). */
export function useBackend(name: "webcrypto" | "node"): Promise<void>;
