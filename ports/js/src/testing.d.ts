// Test hooks (package subpath "strongroom/testing"): for tests, the conformance adapter and
// benchmarks only, not for applications.
import type { UnlockedKeyring, RandomSource } from "./index.js";

/** Number of KDF evaluations (PBKDF2 or Argon2id) since the library was loaded. */
export function kdfCalls(): number;

/**
 * The DEK fingerprint of CONFORMANCE.md section 3.1: hex of HKDF-SHA256(IKM = DEK, salt = 32 zero
 * bytes, info = "strongroom-conformance/dek-fingerprint", 32 bytes). Identifies the DEK an
 * unlocked keyring holds without extracting it; conformance testing only.
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

/** Makes Argon2id unavailable (kdf_unavailable, SR-KDF-7) until called again with `false`. */
export function simulateArgon2Unavailable(on: boolean): void;
