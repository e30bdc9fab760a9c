/**
 * Error reporting of SPEC.md section 14.
 *
 * Every failure of the library is a StrongroomError whose `class` and `reason` are the stable
 * strings of section 14, so that callers and the conformance vectors compare strings, never
 * messages. `message` is for people (the same wording as the Rust crate's Display), and
 * `cause`, where there is one, is the host error behind it (kdf_unavailable says what failed to
 * load or allocate). The only other errors are TypeErrors for ill-formed arguments (SR-PWD-3,
 * SR-OP-16), which the spec deliberately places outside these classes.
 */

/** The classes that carry a reason code (SR-ERR-1). */
const WITH_REASON = new Set(["malformed", "limit_exceeded", "invalid_input", "history_violation", "stream_violation"]);

/** Human wording per class; a reason code is appended where the class has one. */
const MESSAGES = {
  malformed: "malformed input",
  unsupported_version: "unsupported format version",
  unsupported_algorithm: "unsupported algorithm id",
  kdf_params_out_of_bounds: "KDF parameters outside the hard limits",
  out_of_policy: "KDF parameters outside the unlock policy",
  unlock_failed: "unlock failed: wrong password or recovery code",
  keyring_tampered: "keyring authentication failed",
  wrong_keyring: "object belongs to a different keyring (a record, a log checkpoint or a log state)",
  record_authentication_failed: "record authentication failed (tampered record, or not the context it was sealed with)",
  checkpoint_authentication_failed: "checkpoint authentication failed",
  stream_authentication_failed:
    "stream authentication failed (tampered header or chunk, or not the context it was sealed with)",
  stream_violation: "the stream is not the sequence of chunks its sealer wrote",
  limit_exceeded: "limit exceeded",
  history_violation: "the server served an older or different keyring or log than this client has seen",
  invalid_input: "invalid input",
  randomness_unavailable: "random number generator unavailable",
  kdf_unavailable: "the KDF could not run on this machine",
};

export class StrongroomError extends Error {
  /**
   * @param {string} cls error class of section 14, e.g. "malformed"
   * @param {string|null} [reason] reason code; only for malformed, limit_exceeded, invalid_input,
   *   history_violation, stream_violation
   * @param {string} [detail] appended to the message for people; never compared by anything
   * @param {{cause?: unknown}} [options]
   */
  constructor(cls, reason = null, detail, options) {
    const base = MESSAGES[cls] ?? cls;
    const r = WITH_REASON.has(cls) ? reason : null;
    let message = r === null ? base : `${base}: ${r}`;
    if (detail) message += ` (${detail})`;
    super(message, options);
    this.name = "StrongroomError";
    // `class` is a reserved word only as an identifier, not as a property name.
    this.class = cls;
    this.reason = r;
  }
}

/** @param {string} reason */
export const malformed = (reason) => new StrongroomError("malformed", reason);
/** @param {string} reason */
export const limitExceeded = (reason) => new StrongroomError("limit_exceeded", reason);
/** @param {string} reason */
export const invalidInput = (reason) => new StrongroomError("invalid_input", reason);
/**
 * @param {string} reason keyring_replaced, keyring_rollback, keyring_fork, keyring_generation_jump,
 *   log_replaced, log_truncated, log_fork, log_entry_missing or log_entry_mismatch
 */
export const historyViolation = (reason) => new StrongroomError("history_violation", reason);
/**
 * SPEC.md 11.16.4: the frames of a stream are not what its sealer wrote.
 * @param {string} reason stream_truncated, chunk_from_another_stream, chunk_duplicated,
 *   chunk_reordered or data_after_final_chunk
 */
export const streamViolation = (reason) => new StrongroomError("stream_violation", reason, STREAM_DETAIL[reason]);

// Readable wording of each stream_violation reason (appended to the message; never compared).
const STREAM_DETAIL = {
  stream_truncated: "the stream ends where a chunk, or the rest of one, is due: it was cut short",
  chunk_from_another_stream: "a chunk of another stream stands in the place of one of this stream's",
  chunk_duplicated: "a chunk appears again after its position",
  chunk_reordered: "a chunk appears before its position: chunks were swapped or one was dropped",
  data_after_final_chunk: "bytes follow the final chunk",
};

/** For the classes without a reason code (unsupported_version, unlock_failed, ...). */
export const fail = (cls, detail, options) => new StrongroomError(cls, null, detail, options);
