// Randomness (SPEC.md section 9.5). Every draw goes through drawRandom so that a failing source
// becomes randomness_unavailable (SR-KEY-13) with no fallback, and so that the draw sizes and
// order are exactly the ones the vectors script. The source is the backend's CSPRNG (WebCrypto's
// getRandomValues, or OpenSSL's through node:crypto); only the test hooks (testing.js, not part of
// the package's exports) can put a scripted one in its place.
import { fail } from "./errors.js";
import { backend } from "./backend/select.js";

/**
 * Thrown by a scripted test generator (testing.js ScriptedRandom) when the implementation asks
 * for a size other than the next scripted value. It is not a CSPRNG failure but a broken test
 * script (a different draw order), so drawRandom lets it through instead of reporting
 * randomness_unavailable; the conformance layer reports it as protocol_error.
 */
export class ScriptError extends Error {
  constructor(message) {
    super(message);
    this.name = "ScriptError";
  }
}

let override = null;

/** For testing.js only: draw from `source` (anything with getRandomValues) until reset with null. */
export function setRandomSourceForTesting(source) {
  override = source;
}

/**
 * Draws `n` bytes. Any failure of the source, a missing source included, is
 * randomness_unavailable: the operation must not fall back.
 * @param {number} n
 * @returns {Uint8Array}
 */
export function drawRandom(n) {
  const buf = new Uint8Array(n);
  try {
    if (override) override.getRandomValues(buf);
    else backend().randomFill(buf);
  } catch (e) {
    if (e instanceof ScriptError) throw e;
    throw fail("randomness_unavailable", undefined, { cause: e });
  }
  return buf;
}
