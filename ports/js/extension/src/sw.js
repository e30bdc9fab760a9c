// The extension's service worker: holds the UnlockedKeyring while the log is unlocked, seals the
// entries that pages and the popup append, and opens them for the popup.
//
// Chrome stops an idle service worker after about 30 seconds, and with it goes the in-memory
// UnlockedKeyring. The unlock is therefore also saved with strongroom/storage (IndexedDB,
// non-extractable CryptoKeys, maxAgeMs), and the first request after a restart resumes from it
// without the password and without running the KDF again. Lock deletes that session.
//
// Messages (chrome.runtime.sendMessage, answered with {ok: true, instance, ...} or
// {ok: false, instance, error: {code, reason, message}}):
//   from the popup (an extension page): status, unlock {password}, session-saved, read, append
//     {text}, lock
//   from the content script (a page on localhost): append {text} only
// `instance` is a random id of this run of the worker: it changes when the worker is restarted.
import { Keyring, SealedRecord } from "strongroom";
import { saveSession, loadSession, clearSession } from "strongroom/storage";
import {
  SESSION_NAME,
  SESSION_MAX_AGE_MS,
  MAX_ENTRY_CHARS,
  KEY_KEYRING,
  KEY_LOG,
  KEY_UNLOCKED_UNTIL,
  entryKey,
  entryContext,
  describeError,
  appError,
} from "./shared.js";

const INSTANCE = crypto.randomUUID();
const storage = chrome.storage.local;

// The unlocked keyring of this run: {unlocked, expiresAt, via: "password" | "popup" | "session"}.
let current = null;
// Bumped by every lock and unlock, so that a resume that was under way when the user locked does
// not bring the keyring back.
let epoch = 0;
let resuming = null;
// Appends run one at a time: each takes the next position from the counter and writes it back.
let appendQueue = Promise.resolve();

async function readKeyring() {
  const { [KEY_KEYRING]: text } = await storage.get(KEY_KEYRING);
  return typeof text === "string" ? Keyring.fromText(text) : null;
}

async function readLog() {
  const { [KEY_LOG]: log } = await storage.get(KEY_LOG);
  if (!log || typeof log.id !== "string" || !Number.isSafeInteger(log.next)) {
    throw appError("no_keyring", "No log on this device: create a keyring in the popup first.");
  }
  return log;
}

/** Drops the keyring from memory and deletes the saved session. */
async function lock() {
  epoch++;
  current = null;
  await clearSession(SESSION_NAME);
  await storage.remove(KEY_UNLOCKED_UNTIL);
}

/**
 * The UnlockedKeyring, from memory or else from the saved session (after a restart of this
 * worker); null while locked. No password and no KDF here.
 */
async function unlockedKeyring() {
  if (current && Date.now() >= current.expiresAt) await lock();
  if (current) return current.unlocked;
  if (!resuming) {
    const started = epoch;
    resuming = (async () => {
      const keyring = await readKeyring();
      if (!keyring) return null;
      // null: no session, expired (loadSession deletes it), or saved for another keyring.
      const unlocked = await loadSession(SESSION_NAME, keyring);
      if (!unlocked || epoch !== started) return null;
      const { [KEY_UNLOCKED_UNTIL]: until } = await storage.get(KEY_UNLOCKED_UNTIL);
      const expiresAt = Number.isFinite(until) ? until : Date.now() + SESSION_MAX_AGE_MS;
      if (Date.now() >= expiresAt) {
        await lock(); // the unlock has run out (loadSession checks its own copy of the limit too)
        return null;
      }
      current = { unlocked, expiresAt, via: "session" };
      return unlocked;
    })().finally(() => {
      resuming = null;
    });
  }
  return resuming;
}

async function requireUnlocked() {
  const unlocked = await unlockedKeyring();
  if (!unlocked) throw appError("locked", "The log is locked: unlock it in the Strongroom log popup.");
  return unlocked;
}

/** Keeps the unlocked keyring in memory and its session in IndexedDB until expiresAt. */
async function remember(unlocked, via, expiresAt) {
  epoch++;
  current = { unlocked, expiresAt, via };
  await storage.set({ [KEY_UNLOCKED_UNTIL]: expiresAt });
}

const handlers = {
  async status() {
    const keyring = await readKeyring();
    if (!keyring) return { state: "none" };
    const unlocked = await unlockedKeyring();
    const log = await storage.get(KEY_LOG);
    return {
      state: unlocked ? "unlocked" : "locked",
      via: current?.via ?? null,
      expiresAt: current?.expiresAt ?? null,
      entries: log[KEY_LOG]?.next ?? 0,
      kdf: keyring.slots[0].kdf,
    };
  },

  // The password KDF runs here, in the worker (Argon2id in WebAssembly).
  async unlock({ password }) {
    if (typeof password !== "string") throw appError("bad_request", "unlock needs a password");
    const keyring = await readKeyring();
    if (!keyring) throw appError("no_keyring", "No keyring on this device: create one first.");
    const started = performance.now();
    const unlocked = await keyring.unlock(password); // unlock_failed for a wrong password
    const kdfMs = Math.round(performance.now() - started);
    const expiresAt = Date.now() + SESSION_MAX_AGE_MS;
    await saveSession(SESSION_NAME, unlocked, { maxAgeMs: SESSION_MAX_AGE_MS });
    await remember(unlocked, "password", expiresAt);
    return { kdf: keyring.slots[unlocked.slotIndex].kdf, kdfMs, where: "service worker" };
  },

  // The popup created the keyring (its KDF ran in the popup) and saved the session: take it over.
  async "session-saved"() {
    epoch++;
    current = null;
    const unlocked = await unlockedKeyring();
    if (!unlocked) throw appError("locked", "No session was found for the stored keyring.");
    if (current) current.via = "popup";
    return { state: "unlocked" };
  },

  async lock() {
    await lock();
    return { state: "locked" };
  },

  append({ text }) {
    if (typeof text !== "string" || text.length === 0 || text.length > MAX_ENTRY_CHARS) {
      return Promise.reject(appError("bad_request", `an entry is a string of 1 to ${MAX_ENTRY_CHARS} characters`));
    }
    const run = appendQueue.then(async () => {
      const unlocked = await requireUnlocked();
      const log = await readLog();
      const position = log.next;
      const record = await unlocked.seal(text, entryContext(log.id, position));
      // The entry and the counter in one write.
      await storage.set({ [entryKey(position)]: record.toText(), [KEY_LOG]: { id: log.id, next: position + 1 } });
      return { position };
    });
    appendQueue = run.catch(() => {});
    return run;
  },

  async read() {
    const unlocked = await requireUnlocked();
    const log = await readLog();
    const positions = Array.from({ length: log.next }, (_, i) => i);
    const stored = await storage.get(positions.map(entryKey));
    const items = [];
    const entries = positions.map((position) => ({ position }));
    for (const position of positions) {
      const text = stored[entryKey(position)];
      try {
        if (typeof text !== "string") throw appError("missing", "this entry is missing from storage");
        items.push({ position, record: SealedRecord.fromText(text), context: entryContext(log.id, position) });
      } catch (err) {
        entries[position].error = describeError(err);
      }
    }
    const results = await unlocked.openMany(items);
    const decoder = new TextDecoder("utf-8", { fatal: false });
    results.forEach((r, i) => {
      const entry = entries[items[i].position];
      if (r.ok) entry.text = decoder.decode(r.plaintext);
      else entry.error = describeError(r.error);
    });
    return { logId: log.id, entries };
  },
};

// Only the append message may come from a content script (any page on localhost); everything
// else, the password above all, only from this extension's own pages.
const CONTENT_SCRIPT_TYPES = new Set(["append"]);

function senderKind(sender) {
  if (sender.id !== chrome.runtime.id) return null;
  if (typeof sender.url === "string" && sender.url.startsWith(chrome.runtime.getURL(""))) return "extension";
  if (sender.tab) return "content";
  return null;
}

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  const type = message?.type;
  const kind = senderKind(sender);
  let work;
  if (!Object.hasOwn(handlers, type)) work = Promise.reject(appError("bad_request", `unknown message ${JSON.stringify(type)}`));
  else if (kind === "extension" || (kind === "content" && CONTENT_SCRIPT_TYPES.has(type))) {
    work = Promise.resolve().then(() => handlers[type](message));
  } else work = Promise.reject(appError("forbidden", `${type} is not allowed from this sender`));
  work.then(
    (result) => sendResponse({ ok: true, instance: INSTANCE, ...result }),
    (err) => sendResponse({ ok: false, instance: INSTANCE, error: describeError(err) }),
  );
  return true; // the answer comes asynchronously
});
