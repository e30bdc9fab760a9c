// What the popup and the service worker agree on: storage keys, the record context, the session,
// the KDF of new keyrings and the shape of errors sent between them.
//
// chrome.storage.local holds only public values and ciphertext:
//   keyring        the keyring's text form, "srk1.<base64url>"
//   log            {id, next}: the log's random id (32 hex digits) and the position of the next
//                  entry, the client's own counter, written together with each entry
//   entry:<n>      the record of entry n, text form "srr1.<base64url>"
//   unlockedUntil  when the saved session expires (ms since the epoch), while unlocked
// The session itself (non-extractable CryptoKeys) is in the extension's IndexedDB, written by
// strongroom/storage. The password is never stored, and no raw key is.

/** The IndexedDB session name of strongroom/storage. */
export const SESSION_NAME = "strongroom-log";

/** How long an unlock lasts, in memory and in the saved session: 30 minutes. */
export const SESSION_MAX_AGE_MS = 30 * 60_000;

/**
 * KDF of a new keyring: Argon2id with SPEC.md's defaults (SR-KDF-5: 64 MiB, t = 3, p = 4, RFC
 * 9106's second recommended option). The extension runs it once per create or unlock, about a
 * second in a desktop browser's WebAssembly, which is the point: every guess costs an attacker
 * who copied the keyring the same. A cheaper setting (e.g. 19 MiB, t = 2, the default policy's
 * floor) would only be worth it on low-memory devices.
 */
export const NEW_KEYRING_KDF = Object.freeze({ id: 2 });

/** Largest entry accepted, in UTF-16 code units (records allow far more; a log entry is short). */
export const MAX_ENTRY_CHARS = 10_000;

export const KEY_KEYRING = "keyring";
export const KEY_LOG = "log";
export const KEY_UNLOCKED_UNTIL = "unlockedUntil";
export const entryKey = (position) => `entry:${position}`;

/**
 * The context a log entry is sealed with: the canonical JSON text of ["log", logId, position]
 * (no whitespace, logId as lowercase hex, position as a decimal integer). It binds the record to
 * this log and to its place in it, so that records swapped, moved to another position or to
 * another log fail to open (SR-OP-14).
 */
export function entryContext(logId, position) {
  if (!/^[0-9a-f]{32}$/.test(logId)) throw new TypeError("log id must be 32 lowercase hex digits");
  if (!Number.isSafeInteger(position) || position < 0) throw new TypeError("position must be a non-negative integer");
  return JSON.stringify(["log", logId, position]);
}

/** A fresh log id: 16 random bytes as hex. */
export function newLogId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * An error as a plain object that survives extension messaging (JSON): `code` is the
 * StrongroomError class (e.g. "unlock_failed") or one of this extension's codes ("locked",
 * "no_keyring", "bad_request", "forbidden"), `message` is for people.
 */
export function describeError(err) {
  if (err && typeof err.class === "string") {
    return { code: err.class, reason: err.reason ?? null, message: String(err.message) };
  }
  if (err && typeof err.code === "string") return { code: err.code, reason: null, message: String(err.message) };
  return { code: "internal", reason: null, message: String(err?.message ?? err) };
}

/** An error with one of this extension's codes. */
export function appError(code, message) {
  const err = new Error(message);
  err.code = code;
  return err;
}
