// Strongroom demo: an encrypted log kept on a storage server that may lie.
//
// Roles:
// - The storage server (server/PROTOCOL.md, reached through same-origin /v1/ paths; test/server.js
//   --api forwards them) holds only ciphertext: each user's keyring (srk1.), and one log per user
//   made of sealed entries (srr1.) and MACed checkpoints (src1.). It may lie; the page checks
//   everything it serves.
// - This browser (localStorage, per user) keeps what lets the page catch a lie: the keyring pin
//   (SPEC.md 11.12, id, generation and digest of the last keyring it unlocked or wrote), the log id
//   (drawn here when the log was created, SR-LOG-1, or typed in from another device, SR-LOG-18)
//   and the log state (pin and frontier, SPEC.md 11.15.7), and a random device id sent as the
//   Strongroom-Client header. Nothing of it is secret; none of it comes from the server unchecked.
// - IndexedDB (strongroom/storage) holds the unlocked session as non-extractable CryptoKeys, so a
//   reload can resume without the password; neither the password nor a recovery code is stored.
//
// Reading the log: the checkpoint is fetched with a consistency proof from the pinned size and
// checked by VerifyCheckpoint against the log pin; every entry is then fetched and the whole log
// is verified and opened by ReadForward from the empty state (openLogEntries); only then are the
// pins moved. Adding an entry: SealEntry at the pinned size, sent as a compare-and-swap; a
// conflict or a lost answer is handled by SR-LOG-15 and SR-LOG-16. Any history_violation,
// checkpoint_authentication_failed, keyring_tampered, wrong_keyring or
// record_authentication_failed raised by what the server served shows the red alarm (#alarm,
// SR-LOG-14), shows no entry and leaves the pins as they were.
//
// Everything that runs a password KDF (create, unlock, unlock with a recovery code, change the
// password, add a recovery code) runs in a module worker (kdf-worker.js): the worker ends with
// an UnlockedKeyring and posts back the keyring's text form and sessionState(unlocked); this page
// rebuilds the UnlockedKeyring with resumeSession, which runs no KDF. Sealing, opening and the
// log's checks (AES-GCM, HKDF, HMAC and SHA-256 through WebCrypto) stay here.
//
// Test hook: `?test-kdf` in the page URL adds PBKDF2 choices of 1,000 and 2,000 iterations and
// lowers the unlock policy's PBKDF2 floor to 1,000 (far too cheap for real use).
import { Keyring, LogId, LogState, UnlockPolicy, DEFAULT_KDF, DEFAULT_ARGON2ID } from "../src/index.js";
import { saveSession, loadSession, clearSession, sessionState, resumeSession } from "../src/storage.js";

const TEST_KDF = new URLSearchParams(location.search).has("test-kdf");

const sameKdf = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** The KDF choices of both forms; the first is SR-KDF-5's default for new slots (DEFAULT_KDF). */
const KDF_CHOICES = {
  "pbkdf2-600000": DEFAULT_KDF,
  "pbkdf2-1000000": { id: 1, iterations: 1_000_000 },
  "argon2id-19456-2-1": { id: 2, memoryKib: 19_456, timeCost: 2, parallelism: 1 },
  "argon2id-65536-3-4": DEFAULT_ARGON2ID,
  ...(TEST_KDF ? { "pbkdf2-1000": { id: 1, iterations: 1_000 }, "pbkdf2-2000": { id: 1, iterations: 2_000 } } : {}),
};

/** The unlock policy given to the worker: null for SPEC.md section 10's default. */
const POLICY = TEST_KDF
  ? { pbkdf2Iterations: [1_000, 2_000_000], argon2MemoryKib: [19_456, 262_144], argon2TimeCost: [2, 8], argon2Parallelism: [1, 8], maxUnlockWork: 16_777_216 }
  : null;
const POLICY_OPTIONS = POLICY ? { policy: new UnlockPolicy(POLICY) } : {};

/** The classes that mean "the server served something false" (SR-LOG-14, SR-PIN-1). */
const ALARM_CLASSES = new Set([
  "history_violation",
  "checkpoint_authentication_failed",
  "keyring_tampered",
  "wrong_keyring",
  "record_authentication_failed",
]);

const $ = (id) => document.getElementById(id);
const decoder = new TextDecoder();

// ---- bytes -----------------------------------------------------------------------------------

const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** Lowercase hex of 32-byte hashes from the server; anything else is a protocol error. */
function hashesFromHex(list, what) {
  if (!Array.isArray(list)) throw new ProtocolError(`${what}: not a list of hashes`);
  return list.map((h) => {
    if (typeof h !== "string" || !/^[0-9a-f]{64}$/.test(h)) throw new ProtocolError(`${what}: not a 32-byte hash in hex`);
    return Uint8Array.from(h.match(/../g), (x) => parseInt(x, 16));
  });
}

/**
 * The bytes of a served object's text form (`prefix` + base64url), decoded without parsing the
 * object: a served entry is checked against the checkpoint before it is decoded (OpenEntry order).
 */
function textBytes(text, prefix, what) {
  if (typeof text !== "string" || !text.startsWith(prefix) || !/^[A-Za-z0-9_-]*$/.test(text.slice(prefix.length))) {
    throw new ProtocolError(`${what}: not a ${prefix} text form`);
  }
  const b64 = text.slice(prefix.length).replaceAll("-", "+").replaceAll("_", "/");
  try {
    return Uint8Array.from(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
  } catch {
    throw new ProtocolError(`${what}: bad base64url`);
  }
}

// ---- what this browser keeps (localStorage; public values only) ------------------------------

const LS = "strongroom-demo/";
const local = {
  get(key) {
    return localStorage.getItem(LS + key);
  },
  set(key, value) {
    localStorage.setItem(LS + key, value);
  },
  remove(key) {
    localStorage.removeItem(LS + key);
  },
  json(key) {
    try {
      return JSON.parse(this.get(key) ?? "null");
    } catch {
      return null;
    }
  },
};

/** This browser profile's device id (the Strongroom-Client header), drawn once. */
function deviceId() {
  let id = local.get("device");
  if (!id || !/^[A-Za-z0-9._-]{1,64}$/.test(id)) {
    id = "web-" + toHex(crypto.getRandomValues(new Uint8Array(12)));
    local.set("device", id);
  }
  return id;
}

const keys = {
  keyringPin: (u) => `user/${u}/keyring-pin`,
  logId: (u) => `user/${u}/log-id`,
  logState: (u, logId) => `user/${u}/log/${logId}`,
};
const sessionName = (u) => `strongroom-demo/${u}`;
/** The application context of the user's log entries (SR-LOG-2's `app`). */
const appContext = (u) => `strongroom-demo/user:${u}`;

const pins = {
  keyring: (u) => local.json(keys.keyringPin(u)),
  saveKeyring: (u, pin) => local.set(keys.keyringPin(u), JSON.stringify(pin)),
  logId: (u) => local.get(keys.logId(u)),
  saveLogId: (u, hex) => local.set(keys.logId(u), hex),
  /** The stored LogState (SR-LOG-13 checks it on the way back), or null. */
  logState(u, logId) {
    const json = local.json(keys.logState(u, logId));
    return json ? LogState.fromJSON(json) : null;
  },
  saveLogState: (u, state) => local.set(keys.logState(u, state.pin.logId.toHex()), JSON.stringify(state.toJSON())),
  forget(u) {
    const logId = local.get(keys.logId(u));
    if (logId) local.remove(keys.logState(u, logId));
    local.remove(keys.logId(u));
    local.remove(keys.keyringPin(u));
  },
};

// ---- the storage server ----------------------------------------------------------------------

/** The server answered something this page cannot use (not an attack the format detects). */
class ProtocolError extends Error {
  constructor(message) {
    super(`The server's answer does not follow the protocol: ${message}`);
    this.name = "ProtocolError";
  }
}

/** The server answered with an error status. */
class ServerError extends Error {
  constructor(status, body, what) {
    super(`${what}: the server answered ${status} ${body?.error ?? ""}${body?.detail ? ` (${body.detail})` : ""}`);
    this.name = "ServerError";
    this.status = status;
    this.code = body?.error ?? null;
  }
}

/** No answer (network error, or the forwarding server could not reach the storage server). */
class NoAnswer extends Error {
  constructor(detail) {
    super(`The storage server did not answer (${detail}).`);
    this.name = "NoAnswer";
  }
}

/** A compare-and-swap on the keyring lost to another device's write: a message, not a bug. */
class Conflict extends Error {
  constructor(message) {
    super(message);
    this.name = "Conflict";
  }
}

const enc = encodeURIComponent;

/** One request: {status, body}; throws NoAnswer when there is none. */
async function api(method, path, body) {
  let res;
  try {
    res = await fetch(`/v1${path}`, {
      method,
      cache: "no-store",
      headers: { "content-type": "application/json", "strongroom-client": deviceId() },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new NoAnswer(String(err?.message ?? err));
  }
  if (res.status === 502 || res.status === 503 || res.status === 504) throw new NoAnswer(`status ${res.status}`);
  let json = null;
  try {
    json = await res.json();
  } catch {
    // an error page without JSON: json stays null
  }
  return { status: res.status, body: json };
}

function ok(answer, what) {
  if (answer.status >= 200 && answer.status < 300 && answer.body && typeof answer.body === "object") return answer.body;
  throw new ServerError(answer.status, answer.body, what);
}

const server = {
  /** The user's keyring text, or null if the server has none. */
  async keyring(u) {
    const a = await api("GET", `/users/${enc(u)}/keyring`);
    if (a.status === 404 && a.body?.error === "unknown_user") return null;
    const { keyring } = ok(a, "fetching the keyring");
    if (typeof keyring !== "string") throw new ProtocolError("no keyring in the answer");
    return keyring;
  },
  /** PUT keyring as a compare-and-swap: true when stored, false on a conflict. */
  async putKeyring(u, keyringText, expectedGeneration) {
    const a = await api("PUT", `/users/${enc(u)}/keyring`, { keyring: keyringText, expected_generation: expectedGeneration });
    if (a.status === 409) return false;
    ok(a, "storing the keyring");
    return true;
  },
  async createLog(u, logId, checkpointText) {
    ok(await api("PUT", `/users/${enc(u)}/logs/${logId}`, { checkpoint: checkpointText }), "creating the log");
  },
  /** {checkpoint (text), consistency (hashes from `from`)}. */
  async checkpoint(u, logId, from) {
    const b = ok(await api("GET", `/users/${enc(u)}/logs/${logId}/checkpoint?from=${from}`), "fetching the log's checkpoint");
    if (typeof b.checkpoint !== "string") throw new ProtocolError("no checkpoint in the answer");
    return { checkpoint: b.checkpoint, consistency: hashesFromHex(b.consistency ?? [], "consistency proof") };
  },
  /** Every listed entry of positions [from, to): [{position, text}] as served. */
  async entries(u, logId, from, to) {
    const out = [];
    let next = from;
    while (next < to) {
      const b = ok(await api("GET", `/users/${enc(u)}/logs/${logId}/entries?from=${next}&to=${to}`), "fetching log entries");
      if (!Array.isArray(b.entries)) throw new ProtocolError("no entry list in the answer");
      if (b.entries.length === 0) break; // what is missing is ReadForward's to find
      for (const e of b.entries) {
        if (!e || !Number.isSafeInteger(e.position) || e.position < 0 || typeof e.entry !== "string") throw new ProtocolError("a malformed entry in the list");
        out.push({ position: e.position, text: e.entry });
      }
      const last = b.entries[b.entries.length - 1].position;
      if (last < next) break;
      next = last + 1;
    }
    return out;
  },
  /** The inclusion proof of `position` in the tree of `size`, or null if the server has none. */
  async inclusion(u, logId, position, size) {
    const a = await api("GET", `/users/${enc(u)}/logs/${logId}/entries/${position}?size=${size}`);
    if (a.status === 404) return null;
    return hashesFromHex(ok(a, "fetching an inclusion proof").inclusion, "inclusion proof");
  },
  /** One append: "ok", "conflict" or "lost" (no answer). */
  async append(u, logId, body) {
    let a;
    try {
      a = await api("POST", `/users/${enc(u)}/logs/${logId}/entries`, body);
    } catch (err) {
      if (err instanceof NoAnswer) return "lost";
      throw err;
    }
    if (a.status === 409) return "conflict";
    ok(a, "appending to the log");
    return "ok";
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
  return resumeSession(Keyring.fromText(keyringText), state, POLICY_OPTIONS);
}

// ---- state -----------------------------------------------------------------------------------

let user = null; // the user name the page works for
let servedKeyring = null; // the keyring text the server last served (or this page wrote)
let unlocked = null; // UnlockedKeyring while unlocked, else null
let remember = true; // keep the session in IndexedDB
let howUnlocked = "";
let logReady = false; // the log was read and verified: entries may be shown and added
let entries = []; // [{position, text}] decrypted, for display
let storedRecords = []; // [{position, text}] as served (ciphertext)
let storedCheckpoint = "";
let alarmShown = false;

function kdfLabel(kdf) {
  if (!kdf) return "recovery";
  return kdf.id === 1
    ? `PBKDF2-SHA256, ${kdf.iterations.toLocaleString("en")} iterations`
    : `Argon2id, ${Math.round(kdf.memoryKib / 1024)} MiB, t=${kdf.timeCost}, p=${kdf.parallelism}`;
}

const isAlarm = (err) => !!err && ALARM_CLASSES.has(err.class);

/** What the server did, per reason code (or class), in plain words for the alarm. */
const ALARM_WORDS = {
  keyring_rollback: "served an older keyring than the one this browser last unlocked (a rollback)",
  keyring_fork: "served another keyring of the generation this browser last unlocked (a fork, or a modified keyring)",
  keyring_replaced: "served another keyring than this user's",
  keyring_generation_jump: "served a keyring more than 64 generations ahead of the one this browser knows",
  log_replaced: "served another log than the one this browser follows",
  log_truncated: "served a shorter log than this browser has already seen (entries were taken away)",
  log_fork: "showed this browser another history of the log than the one it has pinned (a fork)",
  log_entry_missing: "withheld an entry that the log's checkpoint covers",
  log_entry_mismatch: "served entries that are not the ones the log's checkpoint commits to (altered, moved, replayed or taken from elsewhere)",
  checkpoint_authentication_failed: "served a log checkpoint that fails authentication (forged or altered)",
  keyring_tampered: "served a keyring that fails authentication (modified)",
  wrong_keyring: "served data that belongs to another keyring",
  record_authentication_failed: "served a log entry that fails authentication (modified or moved)",
};

/** `wrong`: what to say for unlock_failed (a wrong password, or a wrong recovery code). */
function describeError(err, wrong = "Wrong password.") {
  if (typeof err === "string") return err;
  if (err && err.class) {
    const friendly = {
      unlock_failed: wrong,
      out_of_policy: "This keyring's key derivation settings are outside the unlock policy.",
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

function setStatus(text, isBusy = false) {
  $("status").textContent = text;
  $("status").classList.toggle("busy", isBusy);
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
 * The alarm (SR-LOG-14): the server served something that fails a check. Nothing it served is
 * shown, the pins stay where they were, and the page says so in plain words with the code.
 */
function showAlarm(err) {
  logReady = false;
  entries = [];
  storedRecords = [];
  storedCheckpoint = "";
  alarmShown = true;
  const box = $("alarm");
  box.dataset.class = err.class;
  box.dataset.reason = err.reason ?? "";
  const code = err.reason ? `${err.class}/${err.reason}` : err.class;
  const what = ALARM_WORDS[err.reason] ?? ALARM_WORDS[err.class] ?? "served data that fails verification";
  $("alarm-text").textContent =
    `The server ${what}: do not trust what it serves for "${user}". This browser kept its pins and shows nothing the server sent; ` +
    "tell whoever runs the server, and compare pins with your other devices.";
  $("alarm-code").textContent = code;
  box.hidden = false;
}

function clearAlarm() {
  alarmShown = false;
  const box = $("alarm");
  box.hidden = true;
  delete box.dataset.class;
  delete box.dataset.reason;
}

/**
 * Runs a UI action with every button disabled (one operation at a time), reporting errors:
 * an alarm for what the server's data failed, a message for the rest. options.wrong: the message
 * for unlock_failed.
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
    setStatus("");
    if (isAlarm(err)) {
      showAlarm(err);
    } else {
      // Library errors (wrong password etc.) and the server's error answers are expected
      // outcomes shown in the page; anything else is a bug worth a console entry.
      if (!(err && (err.class || err instanceof ServerError || err instanceof NoAnswer || err instanceof ProtocolError || err instanceof Conflict))) console.error(err);
      showError(err, options.wrong);
    }
  } finally {
    render();
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

const short = (hex) => `${hex.slice(0, 16)}…`;

function renderStored() {
  $("stored-keyring").textContent = servedKeyring ?? "";
  let meta = "";
  if (servedKeyring) {
    try {
      const kr = Keyring.fromText(servedKeyring);
      const slots = kr.slots.map((s) => `${s.kind} "${s.label}" (${kdfLabel(s.kdf)})`).join(", ");
      meta = `generation ${kr.generation}, ${kr.toBytes().length} bytes, slots: ${slots}`;
    } catch (err) {
      meta = `does not decode: ${describeError(err)}`;
    }
  }
  $("keyring-meta").textContent = meta;
  $("stored-checkpoint").textContent = storedCheckpoint;
  const list = $("stored-records");
  list.replaceChildren(
    ...storedRecords.map((r) =>
      el("li", { className: "stored-record" },
        el("div", { className: "meta", textContent: `position ${r.position}, ${r.text.length} characters` }),
        el("pre", { className: "blob", textContent: r.text })),
    ),
  );
  $("records-empty").hidden = list.children.length > 0;
  // What this browser keeps to catch the server lying.
  const lines = [];
  if (user) {
    const kp = pins.keyring(user);
    lines.push(kp ? `keyring pin: generation ${kp.generation}, digest ${short(kp.digest)}` : "keyring pin: none yet (the first unlock trusts the server)");
    const logId = pins.logId(user);
    let ls = null;
    try {
      ls = logId ? pins.logState(user, logId) : null;
    } catch {
      ls = null;
    }
    lines.push(logId ? `log ${logId}: ${ls ? `pinned at size ${ls.size}, root ${short(ls.toJSON().root)}` : "not read yet"}` : "log: none on this device");
    lines.push(`device id (Strongroom-Client): ${deviceId()}`);
  }
  $("pins").textContent = lines.join("\n");
}

function renderEntries() {
  const list = $("entries");
  const shown = logReady && !alarmShown ? entries : [];
  list.replaceChildren(
    ...shown.map((e) =>
      el("li", { className: "entry", value: e.position + 1 },
        el("span", { className: "ctx", textContent: `#${e.position}` }),
        el("span", { className: "entry-text", textContent: e.text })),
    ),
  );
  $("entries-empty").hidden = shown.length > 0 || !logReady;
  $("session-note").textContent = howUnlocked;
  const logId = user ? pins.logId(user) : null;
  $("log-id").textContent = logId ?? "";
  $("log-setup").hidden = !unlocked || !!logId;
  $("entry-form").hidden = !logReady;
}

function render() {
  let view = "user";
  if (user && unlocked) view = "unlocked";
  else if (user && servedKeyring) view = "locked";
  else if (user && servedKeyring === null) view = "new";
  document.body.dataset.view = view;
  $("current-user").textContent = user ?? "";
  // Unlocking with a recovery code is offered when the served keyring has a recovery slot.
  let hasRecovery = false;
  try {
    hasRecovery = !!servedKeyring && Keyring.fromText(servedKeyring).slots.some((s) => s.kind === "recovery");
  } catch {
    hasRecovery = false;
  }
  $("recovery-unlock-form").hidden = !hasRecovery;
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

// ---- the keyring -----------------------------------------------------------------------------

/**
 * Fetches the user's keyring and runs CheckPin against this browser's pin before anything else
 * (SR-PIN-1): a keyring that fails is an alarm, and nothing is derived from it.
 * Returns the Keyring, or null when the server has none.
 */
async function fetchCheckedKeyring() {
  const text = await server.keyring(user);
  servedKeyring = text;
  if (text === null) return null;
  const keyring = Keyring.fromText(text);
  const pin = pins.keyring(user);
  if (pin) await keyring.checkPin(pin);
  return keyring;
}

/** Saves (or deletes) the IndexedDB session for the current keyring. */
async function keepSession() {
  if (remember) await saveSession(sessionName(user), unlocked);
  else await clearSession(sessionName(user));
}

/** After an unlock that passed CheckPin: move the keyring pin (SR-PIN-2), read the log. */
async function afterUnlock(how) {
  howUnlocked = how;
  pins.saveKeyring(user, await unlocked.pin());
  await keepSession();
  await readLog();
}

/**
 * After a change made in the worker: store the new keyring on the server as a compare-and-swap
 * on the generation it replaces; only once stored, adopt it, move the pin and save the session.
 */
async function afterChange(result) {
  const before = unlocked.keyring.generation;
  const candidate = await adopt(result);
  if (!(await server.putKeyring(user, result.keyringText, before))) {
    throw new Conflict("The keyring was changed on another device since this one unlocked it; nothing was changed here. Lock, unlock again, and retry.");
  }
  unlocked = candidate;
  servedKeyring = result.keyringText;
  pins.saveKeyring(user, await unlocked.pin());
  // The saved session belonged to the previous keyring (loadSession treats it as stale).
  await keepSession();
  return unlocked.keyring;
}

// ---- the log ---------------------------------------------------------------------------------

/** The served entries as ReadForward's (position, bytes) pairs. */
const servedPairs = (list) => list.map((e) => ({ position: e.position, entry: textBytes(e.text, "srr1.", `entry ${e.position}`) }));

/**
 * Fetches the checkpoint with a consistency proof from `pin.size` and checks it against `pin`
 * (VerifyCheckpoint, SR-LOG-10).
 */
async function fetchVerified(logId, pin) {
  const served = await server.checkpoint(user, logId, pin.size);
  const verified = await unlocked.verifyCheckpoint(served.checkpoint, pin, served.consistency);
  return { verified, text: served.checkpoint };
}

/**
 * Reads the whole log: the checkpoint verified against the log pin, every entry fetched and the
 * log verified and opened from the empty state (ReadForward); the pins move only at the end.
 */
async function readLog() {
  logReady = false;
  entries = [];
  storedRecords = [];
  storedCheckpoint = "";
  const logId = pins.logId(user);
  if (!logId) return;
  const id = LogId.fromHex(logId);
  const held = pins.logState(user, logId) ?? LogState.empty(unlocked.keyring.id, id);
  const { verified, text } = await fetchVerified(logId, held.pin);
  const listed = await server.entries(user, logId, 0, verified.size);
  const { plaintexts, state } = await unlocked.openLogEntries(LogState.empty(unlocked.keyring.id, id), verified, servedPairs(listed), appContext(user));
  pins.saveLogState(user, state);
  entries = plaintexts.map((p, position) => ({ position, text: decoder.decode(p) }));
  // Only the entries the checkpoint covers, each the first listed for its position (ReadForward's).
  const firstAt = new Map();
  for (const e of listed) if (e.position < verified.size && !firstAt.has(e.position)) firstAt.set(e.position, e);
  storedRecords = [...firstAt.values()].sort((a, b) => a.position - b.position);
  storedCheckpoint = text;
  logReady = true;
  clearAlarm();
}

/**
 * Brings `state` forward to a verified checkpoint (ReadForward from `state`), adds the entries
 * read to the page, and persists the state. Used after a conflict (SR-LOG-15).
 */
async function readForward(state, verified, text) {
  const logId = state.pin.logId.toHex();
  const listed = await server.entries(user, logId, state.size, verified.size);
  const res = await unlocked.openLogEntries(state, verified, servedPairs(listed), appContext(user));
  pins.saveLogState(user, res.state);
  if (entries.length === state.size) {
    res.plaintexts.forEach((p, i) => entries.push({ position: state.size + i, text: decoder.decode(p) }));
    const firstAt = new Map();
    for (const e of listed) if (!firstAt.has(e.position)) firstAt.set(e.position, e);
    for (let p = state.size; p < verified.size; p++) storedRecords.push(firstAt.get(p));
  }
  storedCheckpoint = text;
  return res.state;
}

/**
 * Appends one entry (SealEntry, then a compare-and-swap): on a conflict, the server's checkpoint
 * is verified against the append's expected pin; unless it holds this very entry, the sealed entry
 * is discarded, the state brought forward, and the plaintext sealed again at the new position
 * (SR-LOG-15). On no answer, SR-LOG-16: the append happened, or the identical bytes are sent
 * again, or it is a conflict. Returns the position.
 */
async function appendEntry(text) {
  const logId = pins.logId(user);
  let state = pins.logState(user, logId);
  if (!state) throw new Error("Read the log first.");
  for (let attempt = 0; attempt < 8; attempt++) {
    const append = await unlocked.sealLogEntry(state, text, appContext(user));
    const body = {
      expected_size: append.expected.size,
      expected_root: toHex(append.expected.root),
      entry: append.entry.toText(),
      checkpoint: append.checkpoint.toText(),
    };
    let answer = await server.append(user, logId, body);
    for (let resend = 0; ; resend++) {
      if (answer === "ok") {
        pins.saveLogState(user, append.after);
        entries.push({ position: append.position, text });
        storedRecords.push({ position: append.position, text: body.entry });
        storedCheckpoint = body.checkpoint;
        return append.position;
      }
      // A conflict or no answer: what is the server's checkpoint now?
      const { verified, text: cpText } = await fetchVerified(logId, append.expected);
      if (verified.size > append.position) {
        const own = verified.checkpoint.toText() === body.checkpoint;
        const proof = own ? [] : await server.inclusion(user, logId, append.position, verified.size);
        if (proof && (await append.includedIn(verified, proof))) {
          // An earlier attempt went through: keep it, and read what came after it.
          pins.saveLogState(user, append.after);
          entries.push({ position: append.position, text });
          storedRecords.push({ position: append.position, text: body.entry });
          if (!own) await readForward(append.after, verified, cpText);
          else storedCheckpoint = body.checkpoint;
          return append.position;
        }
      }
      if (answer === "lost" && verified.size === append.expected.size) {
        // Still the expected size and root (VerifyCheckpoint checked the root): the identical
        // append again.
        if (resend >= 3) throw new NoAnswer("appends get no answer; try again later");
        answer = await server.append(user, logId, body);
        continue;
      }
      // SR-LOG-15: this sealed entry is never sent again.
      state = await readForward(state, verified, cpText);
      break;
    }
  }
  throw new Error("The log kept changing under this append (8 conflicts in a row); try again.");
}

/** Creates a log for the user (SR-LOG-1: the id is drawn here) and keeps its id and state. */
async function createLog() {
  const { checkpoint, state } = await unlocked.createLog();
  const logId = state.pin.logId.toHex();
  await server.createLog(user, logId, checkpoint.toText());
  pins.saveLogId(user, logId);
  pins.saveLogState(user, state);
}

// ---- actions ---------------------------------------------------------------------------------

/** Switches to a user: fetches the keyring, checks its pin, resumes a saved session if any. */
async function openUser(name) {
  user = name;
  local.set("last-user", name);
  unlocked = null;
  howUnlocked = "";
  servedKeyring = undefined;
  logReady = false;
  entries = [];
  storedRecords = [];
  storedCheckpoint = "";
  clearAlarm();
  dismissRecoveryCode();
  render();
  const keyring = await fetchCheckedKeyring();
  if (!keyring) return `No keyring for "${name}" on the server yet`;
  // Resume a saved session if there is one for this keyring (no password, no KDF).
  const resumed = await loadSession(sessionName(user), keyring, POLICY_OPTIONS);
  if (!resumed) return `Keyring of "${name}" fetched`;
  unlocked = resumed;
  remember = true;
  await afterUnlock("Session resumed from IndexedDB (no password needed).");
  return "Session resumed";
}

async function onUser(ev) {
  ev.preventDefault();
  const name = $("user-name").value.trim();
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) return showError("A user name is 1 to 64 letters, digits, '.', '_' or '-'.");
  await busy(`Opening "${name}"…`, () => openUser(name));
}

async function onCreate(ev) {
  ev.preventDefault();
  const password = $("create-password").value;
  if (password !== $("create-confirm").value) return showError("The passwords do not match.");
  const kdf = KDF_CHOICES[$("create-kdf").value];
  remember = $("create-remember").checked;
  await busy(`Creating keyring (${kdfLabel(kdf)})…`, async () => {
    const result = await inWorker("create", { password, label: "demo", kdf, policy: POLICY });
    const candidate = await adopt(result);
    if (!(await server.putKeyring(user, result.keyringText, null))) {
      servedKeyring = await server.keyring(user);
      throw new Conflict(`The server already has a keyring for "${user}": unlock it instead.`);
    }
    unlocked = candidate;
    servedKeyring = result.keyringText;
    $("create-form").reset();
    // A new keyring: the pins of an old one of this name mean nothing for it.
    pins.forget(user);
    pins.saveKeyring(user, await unlocked.pin());
    await createLog();
    howUnlocked = "Unlocked (new keyring).";
    await keepSession();
    await readLog();
    return "Keyring created";
  });
}

/** Unlocks with `op` of the worker ("unlock" or "unlockWithRecovery") after CheckPin. */
async function unlockWith(op, args) {
  const keyring = await fetchCheckedKeyring();
  if (!keyring) throw new Error(`The server has no keyring for "${user}".`);
  const pin = pins.keyring(user) ?? undefined;
  unlocked = await adopt(await inWorker(op, { keyringText: servedKeyring, pin, policy: POLICY, ...args }));
}

async function onUnlock(ev) {
  ev.preventDefault();
  const password = $("unlock-password").value;
  remember = $("unlock-remember").checked;
  await busy("Deriving the key from the password…", async () => {
    await unlockWith("unlock", { password });
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
    await unlockWith("unlockWithRecovery", { recoveryCode });
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
    const position = await appendEntry(text);
    $("entry-text").value = "";
    return `Entry #${position} sealed and stored`;
  });
}

async function onRefresh() {
  await busy("Reading the log from the server…", async () => {
    await fetchCheckedKeyring();
    await readLog();
    return "Log read and verified";
  });
}

async function onJoinLog(ev) {
  ev.preventDefault();
  const logId = $("log-id-input").value.trim().toLowerCase();
  await busy("Opening the log…", async () => {
    LogId.fromHex(logId); // a TypeError for anything but 32 hex digits
    pins.saveLogId(user, logId);
    $("log-join-form").reset();
    await readLog();
    return "Log opened";
  });
}

async function onCreateLog() {
  await busy("Creating a log…", async () => {
    await createLog();
    await readLog();
    return "Log created";
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
      policy: POLICY,
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
      policy: POLICY,
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
    logReady = false;
    entries = [];
    storedRecords = [];
    storedCheckpoint = "";
    howUnlocked = "";
    dismissRecoveryCode();
    await clearSession(sessionName(user));
    return "Locked; the saved session was deleted";
  });
}

async function onReset() {
  if (!window.confirm(`Forget "${user}" in this browser (pins, log id, saved session)? The server keeps its data.`)) return;
  await busy("Forgetting…", async () => {
    unlocked = null;
    logReady = false;
    entries = [];
    storedRecords = [];
    storedCheckpoint = "";
    howUnlocked = "";
    dismissRecoveryCode();
    clearAlarm();
    pins.forget(user);
    await clearSession(sessionName(user));
    return `This browser forgot "${user}"`;
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
        const note = sameKdf(kdf, DEFAULT_KDF) ? " (default)" : sameKdf(kdf, DEFAULT_ARGON2ID) ? " (Argon2id default)" : kdf.id === 1 && kdf.iterations < 600_000 ? " (test only)" : "";
        const isDefault = sameKdf(kdf, DEFAULT_KDF);
        return el("option", { value, textContent: kdfLabel(kdf) + note, defaultSelected: isDefault, selected: isDefault });
      }),
    );
  }
}

async function start() {
  fillKdfChoices();
  $("user-form").addEventListener("submit", onUser);
  $("create-form").addEventListener("submit", onCreate);
  $("unlock-form").addEventListener("submit", onUnlock);
  $("recovery-unlock-form").addEventListener("submit", onRecoveryUnlock);
  $("entry-form").addEventListener("submit", onAdd);
  $("refresh-btn").addEventListener("click", onRefresh);
  $("log-join-form").addEventListener("submit", onJoinLog);
  $("log-create-btn").addEventListener("click", onCreateLog);
  $("change-form").addEventListener("submit", onChangePassword);
  $("change-auth").addEventListener("change", updateChangeAuth);
  $("add-recovery-form").addEventListener("submit", onAddRecovery);
  $("recovery-dismiss-btn").addEventListener("click", dismissRecoveryCode);
  $("lock-btn").addEventListener("click", onLock);
  $("reset-btn").addEventListener("click", onReset);

  const last = local.get("last-user");
  if (last && /^[A-Za-z0-9._-]{1,64}$/.test(last)) {
    $("user-name").value = last;
    await busy(`Opening "${last}"…`, () => openUser(last));
  } else {
    render();
  }
  document.body.dataset.ready = "true"; // tests wait for this
}

start().catch((err) => {
  console.error(err);
  showError(err);
  document.body.dataset.ready = "true";
});
