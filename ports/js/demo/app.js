// Strongroom demo: an encrypted log kept entirely in the browser.
//
// Roles: localStorage stands in for the server and holds only ciphertext (the keyring's and the
// records' text forms); IndexedDB (through strongroom/storage) holds the unlocked session as
// non-extractable CryptoKeys, so a reload can resume without the password; neither the password
// nor a recovery code is ever stored. Each log entry is sealed with the context "log:<n>", which
// binds it to its position: a server that swaps two records makes them fail to open instead of
// showing them in the wrong place.
//
// Everything that runs a password KDF (create, unlock, unlock with a recovery code, change the
// password, add a recovery code) runs in a module worker (kdf-worker.js): the worker ends with
// an UnlockedKeyring and posts back the keyring's text form and sessionState(unlocked); this page
// rebuilds the UnlockedKeyring with resumeSession, which runs no KDF. Sealing and opening records
// (AES-GCM and HKDF through WebCrypto, asynchronous) stay here.
import { Keyring, SealedRecord, DEFAULT_KDF, DEFAULT_ARGON2ID } from "../src/index.js";
import { saveSession, loadSession, clearSession, sessionState, resumeSession } from "../src/storage.js";

const LS_KEYRING = "strongroom-demo/keyring";
const LS_RECORDS = "strongroom-demo/records";
const SESSION = "strongroom-demo";

const sameKdf = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** The KDF choices of both forms; the first is SR-KDF-5's default for new slots (DEFAULT_KDF). */
const KDF_CHOICES = {
  "pbkdf2-600000": DEFAULT_KDF,
  "pbkdf2-1000000": { id: 1, iterations: 1_000_000 },
  "argon2id-19456-2-1": { id: 2, memoryKib: 19_456, timeCost: 2, parallelism: 1 },
  "argon2id-65536-3-4": DEFAULT_ARGON2ID,
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

// ---- the KDF worker --------------------------------------------------------------------------

/**
 * Runs one operation of kdf-worker.js in a fresh module worker, terminated after its reply (the
 * password and the KDF's memory go with it). Resolves to the worker's result; rejects with an
 * Error carrying the library's `class` and `reason` when the library refused.
 */
function inWorker(op, args) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./kdf-worker.js", import.meta.url), { type: "module" });
    const finish = (settle, value) => {
      worker.terminate();
      settle(value);
    };
    worker.onmessage = ({ data }) => {
      if (data.ok) return finish(resolve, data.result);
      const err = new Error(data.error.message);
      err.name = data.error.name;
      err.class = data.error.class;
      err.reason = data.error.reason;
      finish(reject, err);
    };
    worker.onmessageerror = () => finish(reject, new Error("kdf-worker: a reply could not be deserialized"));
    worker.onerror = (ev) => {
      ev.preventDefault();
      finish(reject, new Error(`kdf-worker failed: ${ev.message || "the worker script did not load"}`));
    };
    worker.postMessage({ op, ...args });
  });
}

/** The worker's {keyringText, state} as an UnlockedKeyring of this page (MAC verified, no KDF). */
async function adopt({ keyringText, state }) {
  return resumeSession(Keyring.fromText(keyringText), state);
}

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

/** `wrong`: what to say for unlock_failed (a wrong password, or a wrong recovery code). */
function describeError(err, wrong = "Wrong password.") {
  if (typeof err === "string") return err;
  if (err && err.class) {
    const friendly = {
      unlock_failed: wrong,
      out_of_policy: "This keyring's key derivation settings are outside the unlock policy.",
      keyring_tampered: "The stored keyring was modified (its MAC does not verify).",
      record_authentication_failed: "A record failed authentication (modified or moved).",
      kdf_unavailable: "The key derivation function is not available in this browser.",
    }[err.class];
    if (friendly) return friendly;
    if (err.reason === "recovery_code_format" || err.reason === "recovery_code_check") {
      return "That is not a valid recovery code (a symbol is missing or mistyped).";
    }
    if (err.reason === "too_many_slots") return "The keyring already has 8 slots, the most it can hold.";
    if (err.reason === "weaker_kdf") {
      return "That key derivation is weaker than the current password's: choose a stronger one, or allow a weaker one explicitly.";
    }
    return `${err.class}${err.reason ? ` (${err.reason})` : ""}: ${err.message}`;
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

function showError(err, wrong) {
  const box = $("error");
  if (!err) {
    box.hidden = true;
    box.textContent = "";
    return;
  }
  box.textContent = describeError(err, wrong);
  box.hidden = false;
}

/**
 * Runs a UI action with every button disabled (one operation at a time), reporting errors.
 * options.wrong: the message for unlock_failed.
 */
async function busy(message, action, options = {}) {
  const buttons = [...document.querySelectorAll("button")];
  buttons.forEach((b) => (b.disabled = true));
  showError(null);
  setStatus(message, true);
  document.body.dataset.busy = "true";
  const started = performance.now();
  try {
    const done = await action();
    setStatus(done ? `${done} (${Math.round(performance.now() - started)} ms)` : "");
  } catch (err) {
    // Library errors (wrong password etc.) are expected outcomes shown in the page; anything
    // else is a bug worth a console entry.
    if (!(err && err.class)) console.error(err);
    setStatus("");
    showError(err, options.wrong);
  } finally {
    buttons.forEach((b) => (b.disabled = false));
    delete document.body.dataset.busy;
  }
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const c of children) node.append(c);
  return node;
}

/** The stored keyring, decoded (null if there is none or it does not decode). */
function storedKeyring() {
  const text = server.keyringText();
  if (!text) return null;
  try {
    return Keyring.fromText(text);
  } catch {
    return null;
  }
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
  // Unlocking with a recovery code is offered when the stored keyring has a recovery slot.
  $("recovery-unlock-form").hidden = !storedKeyring()?.slots.some((s) => s.kind === "recovery");
  renderStored();
  renderEntries();
}

/** Shows a new recovery code once; dismissing it (or locking) removes it from the page. */
function showRecoveryCode(code) {
  $("recovery-code-value").textContent = code;
  $("panel-recovery-code").hidden = false;
  $("panel-recovery-code").scrollIntoView({ block: "nearest" });
}

function dismissRecoveryCode() {
  $("recovery-code-value").textContent = "";
  $("panel-recovery-code").hidden = true;
}

// ---- actions ---------------------------------------------------------------------------------

/** Opens every stored record with the unlocked keyring; a bad record is shown, not fatal. */
async function decryptAll() {
  const stored = server.records();
  const out = stored.map((r) => ({ n: r.n }));
  const items = [];
  const at = [];
  stored.forEach((r, i) => {
    try {
      items.push({ record: SealedRecord.fromText(r.text), context: `log:${r.n}` });
      at.push(i);
    } catch (err) {
      out[i].error = describeError(err);
    }
  });
  const results = await unlocked.openMany(items);
  results.forEach((res, j) => {
    if (res.ok) out[at[j]].text = decoder.decode(res.plaintext);
    else out[at[j]].error = describeError(res.error);
  });
  entries = out;
}

/** Saves (or deletes) the IndexedDB session for the current keyring. */
async function keepSession() {
  if (remember) await saveSession(SESSION, unlocked);
  else await clearSession(SESSION);
}

async function afterUnlock(how) {
  howUnlocked = how;
  await keepSession();
  await decryptAll();
  render();
}

/** After a change made in the worker: store the new keyring, adopt it, save the session again. */
async function afterChange(result) {
  unlocked = await adopt(result);
  server.saveKeyring(unlocked.keyring);
  // The saved session belonged to the previous keyring (loadSession treats it as stale).
  await keepSession();
  render();
  return unlocked.keyring;
}

async function onCreate(ev) {
  ev.preventDefault();
  const password = $("create-password").value;
  if (password !== $("create-confirm").value) return showError("The passwords do not match.");
  const kdf = KDF_CHOICES[$("create-kdf").value];
  remember = $("create-remember").checked;
  await busy(`Creating keyring (${kdfLabel(kdf)})…`, async () => {
    const result = await inWorker("create", { password, label: "demo", kdf });
    unlocked = await adopt(result);
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
    unlocked = await adopt(await inWorker("unlock", { keyringText: server.keyringText(), password }));
    $("unlock-form").reset();
    await afterUnlock("Unlocked with the password.");
    return "Unlocked";
  });
}

async function onRecoveryUnlock(ev) {
  ev.preventDefault();
  const recoveryCode = $("recovery-code").value;
  remember = $("unlock-remember").checked;
  await busy("Opening the recovery slot…", async () => {
    const result = await inWorker("unlockWithRecovery", { keyringText: server.keyringText(), recoveryCode });
    unlocked = await adopt(result);
    $("recovery-unlock-form").reset();
    await afterUnlock("Unlocked with a recovery code. Set a new password below if you forgot it.");
    return "Unlocked with the recovery code";
  }, { wrong: "Wrong recovery code." });
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

/** The credential of a change: {password} or {recoveryCode}, as the form says. */
function changeCredential() {
  const value = $("change-current").value;
  return $("change-auth").value === "recoveryCode" ? { recoveryCode: value } : { password: value };
}

async function onChangePassword(ev) {
  ev.preventDefault();
  const newPassword = $("new-password").value;
  if (newPassword !== $("new-confirm").value) return showError("The new passwords do not match.");
  const credential = changeCredential();
  // The new slot gets the KDF chosen in the form (default: SR-KDF-5's), never the old slot's.
  const kdf = KDF_CHOICES[$("change-kdf").value];
  const wrong = credential.recoveryCode !== undefined ? "Wrong recovery code." : "Wrong password.";
  await busy(`Replacing the password slot (${kdfLabel(kdf)})…`, async () => {
    // The demo keyring has one password slot (created with it); that is the one replaced.
    const index = unlocked.keyring.slots.findIndex((s) => s.kind === "password");
    const result = await inWorker("changePassword", {
      keyringText: unlocked.keyring.toText(),
      state: sessionState(unlocked),
      credential,
      index,
      newPassword,
      kdf,
      // SR-KDF-8: a weaker KDF than the slot's is refused unless the user says so.
      allowWeakerKdf: $("change-allow-weaker").checked,
    });
    const keyring = await afterChange(result);
    $("change-form").reset();
    updateChangeAuth();
    return `Password changed (keyring generation ${keyring.generation})`;
  }, { wrong });
}

async function onAddRecovery(ev) {
  ev.preventDefault();
  const password = $("add-recovery-password").value;
  await busy("Adding a recovery slot…", async () => {
    const { recoveryCode, ...result } = await inWorker("addRecoverySlot", {
      keyringText: unlocked.keyring.toText(),
      state: sessionState(unlocked),
      credential: { password },
      label: "recovery",
    });
    const keyring = await afterChange(result);
    $("add-recovery-form").reset();
    showRecoveryCode(recoveryCode);
    return `Recovery code added (keyring generation ${keyring.generation})`;
  });
}

async function onLock() {
  await busy("Locking…", async () => {
    unlocked = null;
    entries = [];
    howUnlocked = "";
    dismissRecoveryCode();
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
    howUnlocked = "";
    dismissRecoveryCode();
    server.forget();
    await clearSession(SESSION);
    render();
    return "Everything deleted";
  });
}

function updateChangeAuth() {
  const code = $("change-auth").value === "recoveryCode";
  $("change-current-label").textContent = code ? "Recovery code" : "Current password";
  $("change-current").autocomplete = code ? "off" : "current-password";
}

function fillKdfChoices() {
  for (const select of document.querySelectorAll("select.kdf-choice")) {
    select.replaceChildren(
      ...Object.entries(KDF_CHOICES).map(([value, kdf]) => {
        const note = sameKdf(kdf, DEFAULT_KDF) ? " (default)" : sameKdf(kdf, DEFAULT_ARGON2ID) ? " (Argon2id default)" : "";
        const isDefault = sameKdf(kdf, DEFAULT_KDF);
        return el("option", { value, textContent: kdfLabel(kdf) + note, defaultSelected: isDefault, selected: isDefault });
      }),
    );
  }
}

async function start() {
  fillKdfChoices();
  $("create-form").addEventListener("submit", onCreate);
  $("unlock-form").addEventListener("submit", onUnlock);
  $("recovery-unlock-form").addEventListener("submit", onRecoveryUnlock);
  $("entry-form").addEventListener("submit", onAdd);
  $("change-form").addEventListener("submit", onChangePassword);
  $("change-auth").addEventListener("change", updateChangeAuth);
  $("add-recovery-form").addEventListener("submit", onAddRecovery);
  $("recovery-dismiss-btn").addEventListener("click", dismissRecoveryCode);
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
