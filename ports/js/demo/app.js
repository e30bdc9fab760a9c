// Strongroom demo: an encrypted log kept entirely in the browser.
//
// Roles: localStorage stands in for the server and holds only ciphertext (the keyring's and the
// records' text forms); IndexedDB (through strongroom/storage) holds the unlocked session as
// non-extractable CryptoKeys, so a reload can resume without the password; the password itself
// is never stored. Each log entry is sealed with the context "log:<n>", which binds it to its
// position: a server that swaps two records makes them fail to open instead of showing them in
// the wrong place.
import { Keyring, SealedRecord } from "../src/index.js";
import { saveSession, loadSession, clearSession } from "../src/storage.js";

const LS_KEYRING = "strongroom-demo/keyring";
const LS_RECORDS = "strongroom-demo/records";
const SESSION = "strongroom-demo";

const KDF_CHOICES = {
  "pbkdf2-600000": { id: 1, iterations: 600_000 },
  "pbkdf2-1000000": { id: 1, iterations: 1_000_000 },
  "argon2id-19456-2-1": { id: 2, memoryKib: 19_456, timeCost: 2, parallelism: 1 },
};

const $ = (id) => document.getElementById(id);
const decoder = new TextDecoder();

// ---- "server" (localStorage): ciphertext only ------------------------------------------------

const server = {
  keyringText: () => localStorage.getItem(LS_KEYRING),
  saveKeyring: (keyring) => localStorage.setItem(LS_KEYRING, keyring.toText()),
  /** [{n, text}] in insertion order. */
  records: () => {
    try {
      const list = JSON.parse(localStorage.getItem(LS_RECORDS) ?? "[]");
      return Array.isArray(list) ? list : [];
    } catch {
      return []; // a corrupted list shows as empty rather than breaking the page
    }
  },
  saveRecords: (list) => localStorage.setItem(LS_RECORDS, JSON.stringify(list)),
  forget: () => {
    localStorage.removeItem(LS_KEYRING);
    localStorage.removeItem(LS_RECORDS);
  },
};

// ---- state -----------------------------------------------------------------------------------

let unlocked = null; // UnlockedKeyring while unlocked, else null
let remember = true; // keep the session in IndexedDB
let howUnlocked = "";
let entries = []; // [{n, text} | {n, error}] decrypted, for display

function kdfLabel(kdf) {
  if (!kdf) return "recovery";
  return kdf.id === 1
    ? `PBKDF2-SHA256, ${kdf.iterations.toLocaleString("en")} iterations`
    : `Argon2id, ${Math.round(kdf.memoryKib / 1024)} MiB, t=${kdf.timeCost}, p=${kdf.parallelism}`;
}

function describeError(err) {
  if (err && err.class) {
    const friendly = {
      unlock_failed: "Wrong password.",
      out_of_policy: "This keyring's key derivation settings are outside the unlock policy.",
      keyring_tampered: "The stored keyring was modified (its MAC does not verify).",
      record_authentication_failed: "A record failed authentication (modified or moved).",
      kdf_unavailable: "The key derivation function is not available in this browser.",
    }[err.class];
    return friendly ?? `${err.class}${err.reason ? ` (${err.reason})` : ""}: ${err.message}`;
  }
  return String(err && err.message ? err.message : err);
}

// ---- UI helpers ------------------------------------------------------------------------------

function setView(view) {
  document.body.dataset.view = view;
}

function setStatus(text, busy = false) {
  $("status").textContent = text;
  $("status").classList.toggle("busy", busy);
}

function showError(err) {
  const box = $("error");
  if (!err) {
    box.hidden = true;
    box.textContent = "";
    return;
  }
  box.textContent = describeError(err);
  box.hidden = false;
}

/** Runs a UI action with every button disabled (KDF work takes a while), reporting errors. */
async function busy(message, action) {
  const buttons = [...document.querySelectorAll("button")];
  buttons.forEach((b) => (b.disabled = true));
  showError(null);
  setStatus(message, true);
  // Let the browser paint the status before the KDF occupies the main thread's promise chain.
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  const started = performance.now();
  try {
    const done = await action();
    setStatus(done ? `${done} (${Math.round(performance.now() - started)} ms)` : "");
  } catch (err) {
    // Library errors (wrong password etc.) are expected outcomes shown in the page; anything
    // else is a bug worth a console entry.
    if (!(err && err.class)) console.error(err);
    setStatus("");
    showError(err);
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const c of children) node.append(c);
  return node;
}

function renderStored() {
  const text = server.keyringText();
  $("stored-keyring").textContent = text ?? "";
  let meta = "";
  if (text) {
    try {
      const kr = Keyring.fromText(text);
      const slots = kr.slots.map((s) => `${s.kind} "${s.label}" (${kdfLabel(s.kdf)})`).join(", ");
      meta = `generation ${kr.generation}, ${kr.toBytes().length} bytes, slots: ${slots}`;
    } catch (err) {
      meta = `does not decode: ${describeError(err)}`;
    }
  }
  $("keyring-meta").textContent = meta;
  const list = $("stored-records");
  list.replaceChildren(
    ...server.records().map((r) =>
      el("li", { className: "stored-record" },
        el("div", { className: "meta", textContent: `context "log:${r.n}", ${r.text.length} characters` }),
        el("pre", { className: "blob", textContent: r.text })),
    ),
  );
  $("records-empty").hidden = list.children.length > 0;
}

function renderEntries() {
  const list = $("entries");
  list.replaceChildren(
    ...entries.map((e) =>
      el("li", { className: e.error ? "entry broken" : "entry", value: e.n },
        el("span", { className: "ctx", textContent: `log:${e.n}` }),
        el("span", { className: "entry-text", textContent: e.error ? `⚠ ${e.error}` : e.text })),
    ),
  );
  $("entries-empty").hidden = entries.length > 0;
  $("session-note").textContent = howUnlocked;
}

function render() {
  if (unlocked) setView("unlocked");
  else if (server.keyringText()) setView("locked");
  else setView("new");
  renderStored();
  renderEntries();
}

// ---- actions ---------------------------------------------------------------------------------

/** Opens every stored record with the unlocked keyring; a bad record is shown, not fatal. */
async function decryptAll() {
  const out = [];
  for (const r of server.records()) {
    try {
      const plain = await unlocked.open(SealedRecord.fromText(r.text), `log:${r.n}`);
      out.push({ n: r.n, text: decoder.decode(plain) });
    } catch (err) {
      out.push({ n: r.n, error: describeError(err) });
    }
  }
  entries = out;
}

async function afterUnlock(how) {
  howUnlocked = how;
  if (remember) await saveSession(SESSION, unlocked);
  else await clearSession(SESSION);
  await decryptAll();
  render();
}

async function onCreate(ev) {
  ev.preventDefault();
  const password = $("create-password").value;
  if (password !== $("create-confirm").value) return showError("The passwords do not match.");
  const kdf = KDF_CHOICES[$("create-kdf").value];
  remember = $("create-remember").checked;
  await busy(`Creating keyring (${kdfLabel(kdf)})…`, async () => {
    unlocked = await Keyring.create(password, "demo", { kdf });
    server.saveKeyring(unlocked.keyring);
    server.saveRecords([]);
    $("create-form").reset();
    await afterUnlock("Unlocked (new keyring).");
    return "Keyring created";
  });
}

async function onUnlock(ev) {
  ev.preventDefault();
  const password = $("unlock-password").value;
  remember = $("unlock-remember").checked;
  await busy("Deriving the key from the password…", async () => {
    const keyring = Keyring.fromText(server.keyringText());
    unlocked = await keyring.unlock(password);
    $("unlock-form").reset();
    await afterUnlock("Unlocked with the password.");
    return "Unlocked";
  });
}

async function onAdd(ev) {
  ev.preventDefault();
  const text = $("entry-text").value;
  if (!text) return;
  await busy("Sealing…", async () => {
    const list = server.records();
    const n = list.reduce((m, r) => Math.max(m, r.n), 0) + 1;
    const record = await unlocked.seal(text, `log:${n}`);
    list.push({ n, text: record.toText() });
    server.saveRecords(list);
    entries.push({ n, text });
    $("entry-text").value = "";
    render();
    return `Entry log:${n} sealed`;
  });
}

async function onChangePassword(ev) {
  ev.preventDefault();
  const password = $("new-password").value;
  if (password !== $("new-confirm").value) return showError("The new passwords do not match.");
  await busy("Rewrapping the key under the new password…", async () => {
    // The demo keyring has one password slot; change the first password slot, keeping its KDF.
    const slots = unlocked.keyring.slots;
    const index = slots.findIndex((s) => s.kind === "password");
    const kdf = slots[index].kdf;
    const keyring = await unlocked.changePassword(index, password, { kdf });
    server.saveKeyring(keyring);
    // The old session was bound to the old slot (storage.js treats it as stale); save anew.
    if (remember) await saveSession(SESSION, unlocked);
    $("change-form").reset();
    render();
    return `Password changed (keyring generation ${keyring.generation})`;
  });
}

async function onLock() {
  await busy("Locking…", async () => {
    unlocked = null;
    entries = [];
    howUnlocked = "";
    await clearSession(SESSION);
    render();
    return "Locked; the saved session was deleted";
  });
}

async function onReset() {
  if (!window.confirm("Delete the keyring, all records and the saved session from this browser?")) return;
  await busy("Deleting…", async () => {
    unlocked = null;
    entries = [];
    server.forget();
    await clearSession(SESSION);
    render();
    return "Everything deleted";
  });
}

async function start() {
  $("create-form").addEventListener("submit", onCreate);
  $("unlock-form").addEventListener("submit", onUnlock);
  $("entry-form").addEventListener("submit", onAdd);
  $("change-form").addEventListener("submit", onChangePassword);
  $("lock-btn").addEventListener("click", onLock);
  $("reset-btn").addEventListener("click", onReset);

  const text = server.keyringText();
  if (text) {
    // Resume a saved session if there is one for this keyring (no password, no KDF).
    try {
      const keyring = Keyring.fromText(text);
      const resumed = await loadSession(SESSION, keyring);
      if (resumed) {
        unlocked = resumed;
        remember = true;
        await decryptAll();
        howUnlocked = "Session resumed from IndexedDB (no password needed).";
        setStatus("Session resumed");
      }
    } catch (err) {
      console.error(err);
      showError(err);
    }
  }
  render();
  document.body.dataset.ready = "true"; // tests wait for this
}

start().catch((err) => {
  console.error(err);
  showError(err);
  document.body.dataset.ready = "true";
});
