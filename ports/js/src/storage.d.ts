// strongroom/storage — keep an unlocked keyring's keys in IndexedDB (browser only).
//
// The stored entry holds the same non-extractable CryptoKeys the UnlockedKeyring holds in memory
// (structured clone keeps them non-extractable) plus public bytes; never raw key material and
// never localStorage. The Keyring itself is not stored: pass the current one to loadSession.
import type { Keyring, UnlockedKeyring, UnlockPolicy } from "./index.js";

export interface SaveSessionOptions {
  /** After this many milliseconds loadSession treats the session as expired (and deletes it). */
  maxAgeMs?: number;
}

export interface LoadSessionOptions {
  /** Policy carried by the resumed UnlockedKeyring; default UnlockPolicy.default(). */
  policy?: UnlockPolicy;
}

/** Saves (or replaces) the session `name` for this unlocked keyring. */
export function saveSession(name: string, unlocked: UnlockedKeyring, options?: SaveSessionOptions): Promise<void>;

/**
 * Resumes the session `name` for `keyring`. Resolves to null when there is no such session, it
 * expired, or `keyring` is not exactly the keyring it was saved with (another keyring, or this
 * one changed since: password changed, slot added or removed, older copy): unlock again then,
 * and call saveSession after changing the keyring on this device.
 * Rejects with StrongroomError keyring_tampered if `keyring` does not verify under the stored key.
 */
export function loadSession(name: string, keyring: Keyring, options?: LoadSessionOptions): Promise<UnlockedKeyring | null>;

/** Deletes the session `name`; resolves even if there was none. */
export function clearSession(name: string): Promise<void>;

/** Names of the sessions saved on this origin. */
export function listSessions(): Promise<string[]>;
