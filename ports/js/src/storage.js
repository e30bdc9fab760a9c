// Browser storage for what a device keeps between page loads: an unlocked keyring's session, so
// that a page reload, or a browser extension's service worker being stopped and started again,
// does not force the user to type the password again (and rerun the KDF); and the user's secret
// keys (SPEC.md 12.1), which a secret-key slot needs at every unlock.
//
// What a session stores (SPEC.md section 19.1): the keyring's record root (SR-KEY-14), its keyring
// MAC key with the usage "verify" only, its authentication key (SR-KEY-15) with the usage "sign"
// only and its log key (SR-LOG-7) with the usages "sign" and "verify" (to write and check log
// checkpoints, SPEC.md 11.15), all as non-extractable CryptoKeys, plus public values (keyring id, generation, MAC,
// the index of the slot that opened it). No wrap key, no wrapped DEK and no DEK: nothing from
// which the DEK, the MAC-signing key or any other key derived from the DEK can be computed.
// Changing the keyring always takes a credential again.
//
// What a saved secret key is: the non-extractable HMAC CryptoKey (usage "sign") that
// SecretKey.parse or SecretKey.generate made; its bytes were wiped when it was imported
// (SR-WEB-1). It lives in a database of its own, so that a future change of the session format,
// which drops old sessions, can never drop a secret key (only the emergency kit brings one back).
//
// Why IndexedDB and never localStorage: IndexedDB stores CryptoKey objects by structured clone,
// and a clone of a non-extractable key stays non-extractable; localStorage only holds strings,
// which would mean exporting key bytes.
//
// What a script on this origin can do with a saved session (SPEC.md section 19.1 has the whole
// table): while it runs, open every record it is given, seal new ones, compute auth tags and MAC
// log checkpoints;
// derive, and keep, the record keys of records whose salts it knows or chooses. It cannot obtain
// the DEK, the authentication key or the secret key, forge a keyring, add a slot or change a
// password. Use maxAgeMs and clearSession ("lock", "log out").
//
// The keyring itself is not stored: the caller passes the current Keyring to loadSession (it
// usually lives with the application's data, e.g. on the server). A session applies only to the
// exact keyring it was saved with (same id, generation and MAC). Any change to the keyring made
// elsewhere (password changed, slot added or removed, or an older copy served back) makes the
// session stale: loadSession returns null and the user unlocks again. After changing the keyring
// on this device, call saveSession again.
//
// Browser only (needs globalThis.indexedDB; works in pages, workers and extension service
// workers), and the WebCrypto backend. Data is per origin, like all IndexedDB data.
import { UnlockedKeyring, exportSessionState, importSessionState } from "./keyring.js";
import { SecretKey, secretKeyHandle, secretKeyFromHandle } from "./secret-key.js";
import { UnlockPolicy } from "./policy.js";

const DB_NAME = "strongroom-sessions";
// Version 2 dropped every entry written by version 1 of this module, which stored a slot's wrap
// key together with its wrapped DEK (from which the DEK could be computed). Version 3 drops the
// entries of version 2, which have no authentication key; version 4 those of version 3, which
// have no log key.
const DB_VERSION = 4;
const STORE = "sessions";
const FORMAT = 4; // version of the stored entry shape

const SECRET_KEY_DB = "strongroom-secret-keys";
const SECRET_KEY_DB_VERSION = 1;
const SECRET_KEY_STORE = "secret-keys";
const SECRET_KEY_FORMAT = 1;

function requireIndexedDb() {
  const idb = globalThis.indexedDB;
  if (!idb) throw new Error("strongroom/storage: IndexedDB is not available in this environment");
  return idb;
}

function checkName(name) {
  if (typeof name !== "string" || name.length === 0) {
    throw new TypeError("strongroom/storage: session name must be a non-empty string");
  }
}

/** Promise wrapper for an IDBRequest. */
function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/**
 * Opens a database once per page (the promise is shared); `upgrade(db, tx, oldVersion)` creates
 * or clears its stores.
 */
function opener(name, version, upgrade) {
  let dbPromise = null;
  return () => {
    if (dbPromise) return dbPromise;
    const idb = requireIndexedDb();
    dbPromise = new Promise((resolve, reject) => {
      const req = idb.open(name, version);
      req.onupgradeneeded = (event) => upgrade(req.result, req.transaction, event.oldVersion);
      req.onsuccess = () => {
        const db = req.result;
        // Another tab upgrading the database must not be blocked by this connection.
        db.onversionchange = () => {
          db.close();
          dbPromise = null;
        };
        resolve(db);
      };
      req.onerror = () => {
        dbPromise = null;
        reject(req.error);
      };
      req.onblocked = () => {
        dbPromise = null;
        reject(new Error("strongroom/storage: IndexedDB open blocked by another connection"));
      };
    });
    return dbPromise;
  };
}

const openSessions = opener(DB_NAME, DB_VERSION, (db, tx, oldVersion) => {
  if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE);
  else if (oldVersion < DB_VERSION) tx.objectStore(STORE).clear();
});

const openSecretKeys = opener(SECRET_KEY_DB, SECRET_KEY_DB_VERSION, (db) => {
  if (!db.objectStoreNames.contains(SECRET_KEY_STORE)) db.createObjectStore(SECRET_KEY_STORE);
});

/** Runs fn(store) in one transaction and resolves when the transaction has committed. */
async function withStore(mode, fn, open = openSessions, storeName = STORE) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(storeName, mode);
    let result;
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error("strongroom/storage: transaction aborted"));
    Promise.resolve(fn(tx.objectStore(storeName))).then(
      (r) => { result = r; },
      (err) => { try { tx.abort(); } catch { /* already finished */ } reject(err); },
    );
  });
}

const withSecretKeys = (mode, fn) => withStore(mode, fn, openSecretKeys, SECRET_KEY_STORE);

function bytesEqual(a, b) {
  // Public values only (keyring ids and MACs): no constant-time need.
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Saves the unlocked keyring's keys under `name` (replacing any previous session of that name).
 * options.maxAgeMs: after that many milliseconds loadSession treats the session as expired.
 */
export async function saveSession(name, unlocked, options = {}) {
  checkName(name);
  if (!(unlocked instanceof UnlockedKeyring)) {
    throw new TypeError("strongroom/storage: saveSession expects an UnlockedKeyring");
  }
  const { maxAgeMs = null } = options;
  if (maxAgeMs !== null && !(Number.isFinite(maxAgeMs) && maxAgeMs > 0)) {
    throw new TypeError("strongroom/storage: maxAgeMs must be a positive number");
  }
  const state = exportSessionState(unlocked);
  const now = Date.now();
  const keyring = unlocked.keyring;
  const entry = {
    format: FORMAT,
    keyringId: keyring.id,
    generation: keyring.generation,
    keyringMac: keyring.mac,
    state,
    savedAt: now,
    expiresAt: maxAgeMs === null ? null : now + maxAgeMs,
  };
  await withStore("readwrite", (store) => request(store.put(entry, name)));
}

/**
 * Returns an UnlockedKeyring for `keyring` from the session saved under `name`, or null when
 * there is none, it expired, or it was saved with another keyring or another version of this one.
 * options.policy: the UnlockPolicy the resumed keyring carries (default: UnlockPolicy.default()).
 * Throws (e.g. keyring_tampered) if the keyring does not verify under the stored DEK.
 */
export async function loadSession(name, keyring, options = {}) {
  checkName(name);
  const policy = options.policy ?? UnlockPolicy.default();
  const entry = await withStore("readonly", (store) => request(store.get(name)));
  if (!entry) return null;
  if (entry.format !== FORMAT || !entry.state) {
    await clearSession(name); // an entry of another version is never used, so it is not kept
    return null;
  }
  if (entry.expiresAt !== null && entry.expiresAt !== undefined && Date.now() >= entry.expiresAt) {
    await clearSession(name);
    return null;
  }
  // Only the exact keyring the session was saved with (see the top of this file).
  if (!bytesEqual(entry.keyringId, keyring.id)) return null;
  if (entry.generation !== keyring.generation || !bytesEqual(entry.keyringMac, keyring.mac)) return null;
  try {
    return await importSessionState(keyring, entry.state, policy);
  } catch (err) {
    if (err && err.class === "wrong_keyring") return null;
    throw err;
  }
}

/** Deletes the session saved under `name` (no error if there is none). */
export async function clearSession(name) {
  checkName(name);
  await withStore("readwrite", (store) => request(store.delete(name)));
}

/** Names of all saved sessions on this origin. */
export async function listSessions() {
  const keys = await withStore("readonly", (store) => request(store.getAllKeys()));
  return keys.map(String);
}

/**
 * The session state of an unlocked keyring as a structured-cloneable object (non-extractable
 * CryptoKeys and public bytes), for postMessage between a worker and a page: a Web Worker that
 * runs the KDF hands the page its result this way. It holds exactly what saveSession stores.
 */
export function sessionState(unlocked) {
  if (!(unlocked instanceof UnlockedKeyring)) throw new TypeError("sessionState expects an UnlockedKeyring");
  return exportSessionState(unlocked);
}

/**
 * The way back from sessionState: an UnlockedKeyring for `keyring`. Throws wrong_keyring if the
 * state belongs to another keyring, keyring_tampered if `keyring` does not verify under it.
 * options.policy: the policy in force of the result (default: UnlockPolicy.default()).
 */
export function resumeSession(keyring, state, options = {}) {
  return importSessionState(keyring, state, options.policy ?? UnlockPolicy.default());
}

/**
 * Saves a secret key under `name` (replacing any of that name): the non-extractable HMAC
 * CryptoKey it holds, nothing else. Needs the WebCrypto backend (a node:crypto key has no
 * IndexedDB form).
 * @param {string} name
 * @param {SecretKey} secretKey
 */
export async function saveSecretKey(name, secretKey) {
  checkName(name);
  if (!(secretKey instanceof SecretKey)) throw new TypeError("strongroom/storage: saveSecretKey expects a SecretKey");
  const key = secretKeyHandle(secretKey);
  if (!isSecretKeyHandle(key)) {
    throw new TypeError("strongroom/storage: saveSecretKey needs a SecretKey of the WebCrypto backend");
  }
  const entry = { format: SECRET_KEY_FORMAT, key, savedAt: Date.now() };
  await withSecretKeys("readwrite", (store) => request(store.put(entry, name)));
}

/**
 * The secret key saved under `name`, or null if there is none (a new device, cleared storage:
 * ask the user for the code from the emergency kit).
 * @param {string} name
 * @returns {Promise<SecretKey|null>}
 */
export async function loadSecretKey(name) {
  checkName(name);
  const entry = await withSecretKeys("readonly", (store) => request(store.get(name)));
  if (!entry) return null;
  if (entry.format !== SECRET_KEY_FORMAT || !isSecretKeyHandle(entry.key)) {
    throw new Error(`strongroom/storage: the entry "${name}" is not a secret key saved by strongroom`);
  }
  return secretKeyFromHandle(entry.key);
}

/** Deletes the secret key saved under `name` (no error if there is none). */
export async function deleteSecretKey(name) {
  checkName(name);
  await withSecretKeys("readwrite", (store) => request(store.delete(name)));
}

/** A non-extractable HMAC-SHA256 CryptoKey whose only usage is sign: what SecretKey holds. */
function isSecretKeyHandle(key) {
  return typeof CryptoKey !== "undefined" && key instanceof CryptoKey && key.extractable === false
    && key.algorithm.name === "HMAC" && key.algorithm.hash?.name === "SHA-256"
    && key.usages.length === 1 && key.usages[0] === "sign";
}

/** Internal, for tests: the stored entry as IndexedDB returns it (CryptoKeys, bytes). */
export async function _readRawSession(name) {
  checkName(name);
  return (await withStore("readonly", (store) => request(store.get(name)))) ?? null;
}
