// strongroom/storage — keep an unlocked keyring's session, and the user's secret keys, in
// IndexedDB (browsers and extension service workers; the WebCrypto backend).
//
// A session entry holds what the UnlockedKeyring holds in memory: its record root, a verify-only
// keyring MAC key and a sign-only authentication key as non-extractable CryptoKeys (structured
// clone keeps them non-extractable), plus public bytes. Nothing in it yields the DEK, the
// MAC-signing key or the authentication key's bytes (SPEC.md section 19.1). The Keyring itself is
// not stored: pass the current one to loadSession.
//
// A saved secret key is the non-extractable HMAC CryptoKey (usage sign) a SecretKey holds, in a
// database of its own ("strongroom-secret-keys") that session format changes never clear.
import type { Keyring, SecretKey, UnlockedKeyring, UnlockPolicy } from "./index.js";

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

/**
 * A structured-cloneable object with exactly what saveSession stores, to hand an unlocked keyring
 * from a Web Worker (which ran the KDF) to a page with postMessage.
 */
export interface SessionState {
  readonly v: 4;
  readonly keyringId: Uint8Array;
  readonly recordRoot: CryptoKey;
  readonly macVerifyKey: CryptoKey;
  readonly authKey: CryptoKey;
  /** The log key (SPEC.md 11.15.4, SR-LOG-7): HMAC-SHA256, usages sign and verify. */
  readonly logKey: CryptoKey;
  readonly slotIndex: number | null;
}

/** The session state of an unlocked keyring (see SessionState). */
export function sessionState(unlocked: UnlockedKeyring): SessionState;

/**
 * An UnlockedKeyring for `keyring` from a SessionState. Rejects with wrong_keyring for another
 * keyring's state and keyring_tampered if `keyring` does not verify under it.
 */
export function resumeSession(keyring: Keyring, state: SessionState, options?: LoadSessionOptions): Promise<UnlockedKeyring>;

/**
 * Saves (or replaces) the secret key `name` on this origin: its non-extractable HMAC CryptoKey,
 * never bytes or the code (SR-WEB-1). Keep the keyring elsewhere (the server); the secret key never
 * leaves the device except as the code in the user's emergency kit (SR-SK-2). TypeError for a
 * SecretKey of the node:crypto backend.
 */
export function saveSecretKey(name: string, secretKey: SecretKey): Promise<void>;

/** The secret key saved as `name`, or null (a new device or cleared storage: ask for the code). */
export function loadSecretKey(name: string): Promise<SecretKey | null>;

/** Deletes the secret key `name`; resolves even if there was none. */
export function deleteSecretKey(name: string): Promise<void>;
