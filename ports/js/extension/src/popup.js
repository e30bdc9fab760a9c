// The popup: create a keyring, unlock, read the log, append, lock.
//
// Where the password KDF runs: creating a keyring runs Argon2id here, in the popup page (the
// extension pages' CSP allows WebAssembly with 'wasm-unsafe-eval'), then saves the session with
// strongroom/storage and tells the service worker, which resumes it from IndexedDB (same origin:
// chrome-extension://<id>). Unlocking sends the password to the service worker, which runs
// Argon2id there. The password is never stored; the inputs are cleared after use.
import { Keyring } from "strongroom";
import { saveSession } from "strongroom/storage";
import {
  SESSION_NAME,
  SESSION_MAX_AGE_MS,
  NEW_KEYRING_KDF,
  KEY_KEYRING,
  KEY_LOG,
  KEY_UNLOCKED_UNTIL,
  newLogId,
  describeError,
  appError,
} from "./shared.js";

const $ = (id) => document.getElementById(id);

/** Sends a message to the service worker; throws its error (with .code) if it reports one. */
async function ask(message) {
  const res = await chrome.runtime.sendMessage(message);
  if (!res) throw appError("unavailable", "The extension's service worker did not answer.");
  if (!res.ok) throw appError(res.error.code, res.error.message);
  return res;
}

function kdfText(kdf) {
  if (!kdf) return "?";
  if (kdf.id === 2) return `Argon2id (${kdf.memoryKib / 1024} MiB, t=${kdf.timeCost}, p=${kdf.parallelism})`;
  return `PBKDF2 (${kdf.iterations} iterations)`;
}

/** What the user should read for an error. */
function errorText(err) {
  const { code, message } = describeError(err);
  switch (code) {
    case "unlock_failed":
      return "Wrong password: it does not open this keyring. Try again.";
    case "out_of_policy":
      return "This keyring's KDF settings are outside this extension's policy; it was not unlocked.";
    case "kdf_unavailable":
      return `The password KDF could not run here: ${message}`;
    case "keyring_tampered":
      return "The stored keyring has been tampered with; it was not unlocked.";
    default:
      return message;
  }
}

function showError(err) {
  $("error").textContent = errorText(err);
  $("error").hidden = false;
  document.body.dataset.error = describeError(err).code;
}

function clearMessages() {
  $("error").hidden = true;
  $("error").textContent = "";
  delete document.body.dataset.error;
}

function setInfo(text) {
  $("info").textContent = text;
}

function setBusy(busy) {
  for (const b of document.querySelectorAll("button, input")) b.disabled = busy;
  document.body.dataset.busy = String(busy);
}

/**
 * Lets the browser paint (e.g. "Creating…") before a KDF blocks this page's thread. A hidden page
 * gets no animation frames, hence the timeout.
 */
const nextPaint = () =>
  new Promise((r) => {
    requestAnimationFrame(() => setTimeout(r, 0));
    setTimeout(r, 100);
  });

function showView(state) {
  document.body.dataset.state = state;
  $("create-view").hidden = state !== "none";
  $("unlock-view").hidden = state !== "locked";
  $("log-view").hidden = state !== "unlocked";
  const badge = $("state");
  badge.textContent = { none: "no keyring", locked: "locked", unlocked: "unlocked" }[state];
  badge.className = `badge ${state}`;
}

function renderEntries(entries) {
  const list = $("entries");
  list.replaceChildren(
    ...entries.map((e) => {
      const li = document.createElement("li");
      li.value = e.position + 1;
      if (e.error) {
        li.className = "failed";
        li.textContent = `Entry ${e.position + 1} could not be opened (${e.error.code}).`;
      } else {
        li.textContent = e.text; // text, never HTML: entries come from web pages
      }
      return li;
    }),
  );
  $("empty").hidden = entries.length !== 0;
  list.scrollTop = list.scrollHeight; // newest last
  document.body.dataset.entries = String(entries.length);
}

async function refresh() {
  const status = await ask({ type: "status" });
  showView(status.state);
  if (status.state === "unlocked") {
    const { entries } = await ask({ type: "read" });
    renderEntries(entries);
    const until = new Date(status.expiresAt).toLocaleTimeString();
    if (!$("info").textContent) setInfo(`Unlocked until ${until}.`);
  } else {
    renderEntries([]);
  }
  return status;
}

// Count of finished actions, on <body data-actions>: tests wait for it to grow.
let actions = 0;

/** Runs an action with the controls disabled; reports its error; refreshes the view. */
async function act(fn) {
  clearMessages();
  setBusy(true);
  try {
    await fn();
  } catch (err) {
    showError(err);
  } finally {
    setBusy(false);
    try {
      await refresh();
    } catch (err) {
      showError(err);
    }
    document.body.dataset.actions = String(++actions);
  }
}

async function createKeyring() {
  const pw = $("create-password").value;
  const pw2 = $("create-password2").value;
  if (pw !== pw2) throw appError("mismatch", "The two passwords differ: type the same password twice.");
  const { [KEY_KEYRING]: existing } = await chrome.storage.local.get(KEY_KEYRING);
  if (existing) throw appError("exists", "This device already has a keyring.");
  setInfo("Creating the keyring (Argon2id) in this popup…");
  await nextPaint();
  const started = performance.now();
  // The KDF runs in this page (Argon2id, WebAssembly).
  const unlocked = await Keyring.create(pw, { label: "popup", kdf: NEW_KEYRING_KDF });
  const kdfMs = Math.round(performance.now() - started);
  $("create-password").value = "";
  $("create-password2").value = "";
  const expiresAt = Date.now() + SESSION_MAX_AGE_MS;
  await chrome.storage.local.set({
    [KEY_KEYRING]: unlocked.keyring.toText(),
    [KEY_LOG]: { id: newLogId(), next: 0 },
    [KEY_UNLOCKED_UNTIL]: expiresAt,
  });
  await saveSession(SESSION_NAME, unlocked, { maxAgeMs: SESSION_MAX_AGE_MS });
  await ask({ type: "session-saved" }); // the service worker takes the session over
  const kdf = unlocked.keyring.slots[0].kdf;
  document.body.dataset.lastKdf = JSON.stringify({ op: "create", where: "popup", kdf, kdfMs });
  setInfo(`Created with ${kdfText(kdf)} in the popup in ${kdfMs} ms.`);
}

async function unlock() {
  const input = $("unlock-password");
  const password = input.value;
  input.value = "";
  setInfo("Unlocking (Argon2id in the service worker)…");
  let res;
  try {
    res = await ask({ type: "unlock", password });
  } catch (err) {
    setInfo("");
    throw err;
  }
  document.body.dataset.lastKdf = JSON.stringify({ op: "unlock", where: res.where, kdf: res.kdf, kdfMs: res.kdfMs });
  setInfo(`Unlocked with ${kdfText(res.kdf)} in the ${res.where} in ${res.kdfMs} ms.`);
}

$("create-form").addEventListener("submit", (e) => {
  e.preventDefault();
  act(createKeyring);
});
$("unlock-form").addEventListener("submit", (e) => {
  e.preventDefault();
  act(unlock);
});
$("append-form").addEventListener("submit", (e) => {
  e.preventDefault();
  act(async () => {
    const input = $("append-text");
    await ask({ type: "append", text: input.value });
    input.value = "";
  });
});
$("lock-button").addEventListener("click", () =>
  act(async () => {
    await ask({ type: "lock" });
    setInfo("Locked: the session was deleted.");
  }),
);

act(async () => {});
