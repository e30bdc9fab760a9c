/**
 * Error reporting of SPEC.md section 14.
 *
 * Every failure of the library is a StrongroomError whose `class` and `reason` are the stable
 * strings of section 14, so that callers and the conformance vectors compare strings, never
 * messages. The only other errors are TypeErrors for ill-formed string arguments (SR-PWD-3,
 * SR-OP-16), which the spec deliberately places outside these classes.
 */

/** The classes that carry a reason code (SR-ERR-1). */
const WITH_REASON = new Set(["malformed", "limit_exceeded", "invalid_input"]);

export class StrongroomError extends Error {
  /**
   * @param {string} cls error class of section 14, e.g. "malformed"
   * @param {string|null} [reason] reason code; only for malformed, limit_exceeded, invalid_input
   * @param {string} [message] free text for humans; never compared by anything
   */
  constructor(cls, reason = null, message) {
    super(message ?? (reason === null ? cls : `${cls}: ${reason}`));
    this.name = "StrongroomError";
    // `class` is a reserved word only as an identifier, not as a property name.
    this.class = cls;
    this.reason = WITH_REASON.has(cls) ? reason : null;
  }
}

/** @param {string} reason */
export const malformed = (reason) => new StrongroomError("malformed", reason);
/** @param {string} reason */
export const limitExceeded = (reason) => new StrongroomError("limit_exceeded", reason);
/** @param {string} reason */
export const invalidInput = (reason) => new StrongroomError("invalid_input", reason);
/** For the classes without a reason code (unsupported_version, unlock_failed, ...). */
export const fail = (cls) => new StrongroomError(cls, null);
