// Public entry point of strongroom-js. Re-exports only: the format layer (errors, policy,
// password, recovery code, limits) and the crypto layer (keyring, record) live in their own
// modules so that the conformance adapter and tests can reach internals without widening the API.
export { StrongroomError } from "./errors.js";
export { UnlockPolicy, DEFAULT_KDF, DEFAULT_ARGON2ID } from "./policy.js";
export { normalizePassword } from "./password.js";
export { RecoveryCode } from "./recovery-code.js";
export { SecretKey } from "./secret-key.js";
export { Keyring, UnlockedKeyring } from "./keyring.js";
export { SealedRecord } from "./record.js";
// Logs (SPEC.md 11.15): the operations are methods of UnlockedKeyring.
export { LogId, Checkpoint, VerifiedCheckpoint, LogState, LogAppend, LogTree } from "./log.js";
// Sealed streams (SPEC.md 11.16): the operations are methods of UnlockedKeyring.
export { StreamHeader, STREAM_CHUNK_SIZE, STREAM_HEADER_LEN } from "./stream.js";
// SPEC.md section 15 numbers (a frozen object: an application cannot loosen them by accident).
export { limits } from "./limits.js";
