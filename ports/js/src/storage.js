// Browser session storage for an unlocked keyring: keeps its keys in IndexedDB so a page reload
// does not force the user to type the password again (and rerun the KDF).
//
// Why IndexedDB and never localStorage: IndexedDB stores CryptoKey objects by structured clone,
// and a clone of a non-extractable key stays non-extractable — the key bytes are never visible
// to JavaScript, not even to code that reads the database. localStorage only holds strings,
// which would mean exporting raw key bytes. What this module stores is exactly what the
// UnlockedKeyring holds in memory (CryptoKeys plus public bytes such as nonces), obtained
// through the keyring's internal _exportSessionState() hook; no raw DEK ever exists here.
//
// The keyring itself is not stored: the caller passes the current Keyring to loadSession (it
// usually lives with the application's data, e.g. on the server). A session applies only to the
// exact keyring it was saved with (same id, generation and MAC). Any change to the keyring made
// elsewhere (password changed, slot added or removed, or an older copy served back) makes the
// session stale: loadSession returns null and the user unlocks again, so changing the password
// on one device ends the saved sessions of the others. After changing the keyring on this
// device, call saveSession again.
//
// What a saved session gives: anyone who can run script on this origin can use it exactly like
// the unlocked keyring in memory (open, seal, add a slot) until it is cleared, but cannot read
// the key bytes out of it. Use maxAgeMs and clearSession (on "lock" / "log out") accordingly.
//
// Browser only (needs globalThis.indexedDB). Sessions are per origin, like all IndexedDB data.
import { UnlockedKeyring } from "./keyring.js";
import { UnlockPolicy } from "./policy.js";

const DB_NAME = "strongroom-sessions";
const DB_VERSION = 1;
const STORE = "sessions";
const FORMAT = 1; // version of the stored entry shape, so a later change can ignore old entries

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

let dbPromise = null;

function openDb() {
  if (dbPromise) return dbPromise;
  const idb = requireIndexedDb();
  dbPromise = new Promise((resolve, reject) => {
    const req = idb.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE);
    };
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
}

/** Runs fn(store) in one transaction and resolves when the transaction has committed. */
async function withStore(mode, fn) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    let result;
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error("strongroom/storage: transaction aborted"));
    Promise.resolve(fn(tx.objectStore(STORE))).then(
      (r) => { result = r; },
      (err) => { try { tx.abort(); } catch { /* already finished */ } reject(err); },
    );
  });
}

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
  const state = unlocked._exportSessionState();
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
  if (!entry || entry.format !== FORMAT || !entry.state) return null;
  if (entry.expiresAt !== null && entry.expiresAt !== undefined && Date.now() >= entry.expiresAt) {
    await clearSession(name);
    return null;
  }
  // Only the exact keyring the session was saved with (see the top of this file).
  if (!bytesEqual(entry.keyringId, keyring.id)) return null;
  if (entry.generation !== keyring.generation || !bytesEqual(entry.keyringMac, keyring.mac)) return null;
  try {
    return await UnlockedKeyring._fromSessionState(keyring, entry.state, policy);
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

/** Internal, for tests: the stored entry as IndexedDB returns it (CryptoKeys, bytes). */
export async function _readRawSession(name) {
  checkName(name);
  return (await withStore("readonly", (store) => request(store.get(name)))) ?? null;
}
