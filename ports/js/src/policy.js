/**
 * Unlock policy (SPEC.md section 10): a local floor against KDF downgrades by the server and a
 * ceiling against being made to work too long.
 */

import { invalidInput, fail } from "./errors.js";
import { checkKdfLimits } from "./format.js";
import { limits } from "./limits.js";

/** SR-KDF-5 defaults for new slots. */
export const DEFAULT_KDF = Object.freeze({ id: 1, iterations: 600_000 });
export const DEFAULT_ARGON2ID = Object.freeze({ id: 2, memoryKib: 65_536, timeCost: 3, parallelism: 4 });

const FIELDS = ["pbkdf2Iterations", "argon2MemoryKib", "argon2TimeCost", "argon2Parallelism"];
const MAX_UNLOCK_WORK = 2 ** 40; // SR-POL-5's upper bound of max_unlock_work

/**
 * work(kdf) of SPEC.md section 10, in PBKDF2 iterations: `iterations`, or 8 x m x t for Argon2id.
 * Exact in a Number: at the hard limits, 8 slots x 8 x 2^20 x 16 = 2^30.
 */
export function kdfWork(kdf) {
  return kdf.id === 1 ? kdf.iterations : 8 * kdf.memoryKib * kdf.timeCost;
}

export class UnlockPolicy {
  /**
   * Each pair is [floor, ceiling], inclusive; `maxUnlockWork` bounds the total KDF work of one
   * unlock (SR-POL-7). SR-POL-5: hard minimum <= floor <= ceiling <= hard maximum for every
   * parameter and 1 <= maxUnlockWork <= 2^40, else invalid_input policy_invalid. Malformed
   * arguments (a missing entry, a non-integer bound) get the same error: they are equally not a
   * policy.
   * @param {{pbkdf2Iterations: [number, number], argon2MemoryKib: [number, number],
   *          argon2TimeCost: [number, number], argon2Parallelism: [number, number],
   *          maxUnlockWork: number}} bounds
   */
  constructor(bounds) {
    // Exactly the four pairs and the budget (SPEC.md section 11's preamble): a misspelt or
    // forgotten entry is not replaced by a default, so a policy always says what it allows.
    if (bounds === null || typeof bounds !== "object"
        || Object.keys(bounds).some((k) => !FIELDS.includes(k) && k !== "maxUnlockWork")) {
      throw invalidInput("policy_invalid");
    }
    for (const f of FIELDS) {
      const pair = bounds?.[f];
      if (!Array.isArray(pair) || pair.length !== 2) throw invalidInput("policy_invalid");
      const [floor, ceiling] = pair;
      const [lo, hi] = limits[f];
      if (!Number.isSafeInteger(floor) || !Number.isSafeInteger(ceiling)) throw invalidInput("policy_invalid");
      if (!(lo <= floor && floor <= ceiling && ceiling <= hi)) throw invalidInput("policy_invalid");
      this[f] = Object.freeze([floor, ceiling]);
    }
    const work = bounds.maxUnlockWork;
    if (!Number.isSafeInteger(work) || work < 1 || work > MAX_UNLOCK_WORK) throw invalidInput("policy_invalid");
    this.maxUnlockWork = work;
    Object.freeze(this);
  }

  /** SR-POL-6: the table of section 10. */
  static default() {
    return new UnlockPolicy({
      pbkdf2Iterations: [600_000, 2_000_000],
      argon2MemoryKib: [19_456, 262_144],
      argon2TimeCost: [2, 8],
      argon2Parallelism: [1, 8],
      maxUnlockWork: 16_777_216,
    });
  }

  /** True when every parameter of `kdf` lies in [floor, ceiling] for its KDF. */
  allows(kdf) {
    const inside = (v, [lo, hi]) => v >= lo && v <= hi;
    if (kdf.id === 1) return inside(kdf.iterations, this.pbkdf2Iterations);
    if (kdf.id === 2) {
      return (
        inside(kdf.memoryKib, this.argon2MemoryKib) &&
        inside(kdf.timeCost, this.argon2TimeCost) &&
        inside(kdf.parallelism, this.argon2Parallelism)
      );
    }
    return false;
  }

  /** SR-POL-1: throws out_of_policy for a password slot's KDF outside the policy. */
  check(kdf) {
    if (!this.allows(kdf)) throw fail("out_of_policy");
  }
}

/**
 * SR-KDF-8: true when `next` is weaker than `prev`, the authenticated KDF of the slot a password
 * change replaces. Per parameter, not by estimated cost, so that every implementation agrees;
 * parallelism alone never counts, and PBKDF2 replacing Argon2id loses memory-hardness.
 */
export function isWeakerKdf(next, prev) {
  if (prev.id === 2 && next.id === 1) return true;
  if (prev.id !== next.id) return false;
  if (next.id === 1) return next.iterations < prev.iterations;
  return next.memoryKib < prev.memoryKib || next.timeCost < prev.timeCost;
}

/** Parameter names of each KDF id in the API's spelling, and the registry names (section 17). */
const KDF_PARAMS = { 1: ["iterations"], 2: ["memoryKib", "timeCost", "parallelism"] };
const KDF_NAMES = { 1: "pbkdf2-hmac-sha256", 2: "argon2id" };
const KDF_DEFAULTS = { 1: DEFAULT_KDF, 2: DEFAULT_ARGON2ID };

/**
 * The KDF descriptor rules of SPEC.md section 11's preamble, for an object from the caller:
 * returns a clean descriptor or throws unsupported_algorithm / kdf_params_out_of_bounds.
 */
function descriptor(kdf) {
  if (kdf === null || typeof kdf !== "object" || "invalid" in kdf) throw fail("unsupported_algorithm");
  const { id } = kdf;
  if (!Number.isInteger(id) || !Object.hasOwn(KDF_PARAMS, id)) throw fail("unsupported_algorithm");
  if (kdf.name !== undefined && kdf.name !== KDF_NAMES[id]) throw fail("unsupported_algorithm");
  const params = KDF_PARAMS[id];
  const keys = Object.keys(kdf).filter((k) => k !== "id" && k !== "name");
  if (keys.length === 0) return KDF_DEFAULTS[id]; // SR-KDF-5: an id alone means its defaults
  if (keys.some((k) => !params.includes(k)) || params.some((k) => !Number.isInteger(kdf[k]))) {
    throw fail("kdf_params_out_of_bounds");
  }
  return id === 1
    ? { id: 1, iterations: kdf.iterations }
    : { id: 2, memoryKib: kdf.memoryKib, timeCost: kdf.timeCost, parallelism: kdf.parallelism };
}

/**
 * CheckNewKdf (section 11.1, SR-POL-3): the descriptor, then unsupported_algorithm,
 * kdf_params_out_of_bounds, out_of_policy, so that nothing we write is rejected by our own reader.
 * Returns the descriptor to write.
 */
export function checkNewKdf(kdf, policy) {
  const d = descriptor(kdf);
  checkKdfLimits(d);
  if (!(policy instanceof UnlockPolicy)) throw new TypeError("policy must be an UnlockPolicy");
  policy.check(d);
  return d;
}
