// The example Manifest V3 extension (ports/js/extension) in headless Chromium: built with esbuild,
// loaded unpacked, driven through its popup, its service worker and a page on 127.0.0.1 that
// appends through its content script.
//
// What it proves, in order: a keyring is created in the popup (Argon2id in the page); a page
// appends entries, sealed by the service worker with the context ["log", logId, position]; the
// popup reads them, newest last; a content script can append but not read, unlock or lock;
// records swapped in storage fail to open; the service worker, stopped (CDP
// ServiceWorker.stopAllWorkers), resumes from the IndexedDB session without the password; what
// is stored is ciphertext, text forms and non-extractable CryptoKeys, it opens in Node with the
// documented context, and the password is nowhere in the profile's files; lock deletes the
// session and the log is unreadable; a wrong password is a clear error; the right one unlocks
// (Argon2id in the service worker); an unlock that ran out is not resumed.
//
// Screenshots of the popup go to $STRONGROOM_SCREENSHOTS or <tmp>/strongroom-extension-screenshots
// (paths printed). Needs /usr/bin/chromium (scripts/install-browser.sh).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Keyring, SealedRecord } from "strongroom";
import { buildExtension } from "../extension/build.mjs";
import { entryContext } from "../extension/src/shared.js";
import { requireChromium } from "./support/chromium.js";
import {
  launchWithExtension,
  stopServiceWorkers,
  openPopup,
  popupState,
  createInPopup,
  unlockInPopup,
  lockInPopup,
  reopenPopup,
  askWorker,
  startLogPageServer,
  openLogPage,
  appendFromPage,
  evaluateInContentScript,
  readExtensionStorage,
  allStrings,
  allCryptoKeys,
  filesContaining,
  screenshotDir,
} from "./support/extension.js";

const PASSWORD = "correct horse battery staple, extension edition";
const WRONG_PASSWORD = "correct horse battery stapler";
const ARGON2ID_DEFAULT = { id: 2, memoryKib: 65536, timeCost: 3, parallelism: 4 };

let buildDir;
let built;
let server;
let browser; // {context, extensionId, userDataDir, close}
let popup;
let logPage;
let shots;
const timings = {};

async function shot(name) {
  const file = path.join(shots, `${name}.png`);
  await popup.bringToFront();
  await popup.locator("body").screenshot({ path: file });
  console.log(`screenshot: ${file}`);
}

async function timed(name, fn) {
  const started = Date.now();
  try {
    return await fn();
  } finally {
    timings[name] = Date.now() - started;
  }
}

before(async () => {
  requireChromium();
  buildDir = await mkdtemp(path.join(tmpdir(), "strongroom-ext-build-"));
  built = await timed("build", () => buildExtension({ outdir: buildDir, quiet: true }));
  shots = await screenshotDir("strongroom-extension-screenshots");
  server = await startLogPageServer();
  browser = await timed("launch", () => launchWithExtension(buildDir));
});

after(async () => {
  // Through the handles only: the browser (and its profile), the server, the build.
  await browser?.close();
  await server?.close();
  if (buildDir) await rm(buildDir, { recursive: true, force: true });
  console.log(`timings (ms): ${JSON.stringify(timings)}`);
});

test("the build bundles strongroom's browser entry, without import()", async () => {
  assert.ok(built.inputs.some((p) => p.endsWith(path.join("src", "index.js"))), "src/index.js bundled");
  assert.ok(built.inputs.some((p) => p.endsWith(path.join("src", "vendor", "argon2id.js"))), "vendored Argon2id bundled");
  assert.ok(built.inputs.some((p) => p.endsWith(path.join("src", "storage.js"))), "strongroom/storage bundled");
  assert.deepEqual(Object.keys(built.bundles).sort(), ["content.js", "popup.js", "sw.js"]);
  // hash-wasm's MIT notice travels with the bundles (esbuild drops its // comment).
  const notices = await readFile(path.join(buildDir, "THIRD_PARTY_NOTICES.txt"), "utf8");
  assert.match(notices, /Copyright \(c\) 2020 Dani Biró/);
  const manifest = JSON.parse(await readFile(path.join(buildDir, "manifest.json"), "utf8"));
  assert.equal(manifest.content_security_policy.extension_pages, "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'");
  assert.deepEqual(manifest.permissions, ["storage"]);
  assert.match(browser.extensionId, /^[a-p]{32}$/);
});

test("create in the popup: passwords must match; Argon2id runs in the page", { timeout: 180_000 }, async () => {
  popup = await openPopup(browser.context, browser.extensionId);
  let s = await popupState(popup);
  assert.equal(s.state, "none");
  await shot("1-no-keyring");

  s = await createInPopup(popup, PASSWORD, PASSWORD + "x");
  assert.equal(s.state, "none");
  assert.match(s.error, /differ/);

  s = await timed("create (Argon2id in the popup)", () => createInPopup(popup, PASSWORD));
  assert.equal(s.error, null, s.error);
  assert.equal(s.state, "unlocked");
  assert.equal(s.lastKdf.where, "popup");
  assert.deepEqual(s.lastKdf.kdf, ARGON2ID_DEFAULT);
  assert.deepEqual(s.entries, []);
  // The password fields were cleared.
  assert.equal(await popup.inputValue("#create-password"), "");
  assert.equal(await popup.inputValue("#create-password2"), "");
  const status = await askWorker(popup, { type: "status" });
  assert.equal(status.state, "unlocked");
  assert.equal(status.via, "popup", "the service worker took over the popup's session");
});

let firstInstance;

test("a page on 127.0.0.1 appends through the content script; the popup reads the log", { timeout: 120_000 }, async () => {
  logPage = await openLogPage(browser.context, server.url);
  const r0 = await appendFromPage(logPage, "first entry");
  assert.deepEqual({ ok: r0.ok, position: r0.position }, { ok: true, position: 0 }, JSON.stringify(r0));
  const r1 = await appendFromPage(logPage, "second entry: <b>not HTML</b> ✓");
  assert.equal(r1.position, 1);
  // Concurrent appends get distinct consecutive positions (the worker runs them one at a time).
  const many = await Promise.all(["third", "fourth", "fifth"].map((t) => appendFromPage(logPage, t)));
  assert.deepEqual(many.map((r) => r.position).sort(), [2, 3, 4]);
  // An invalid entry is refused, not stored.
  const bad = await appendFromPage(logPage, "");
  assert.equal(bad.ok, false);
  assert.equal(bad.error.code, "bad_request");
  // http://localhost/* matches too (any port).
  const localPage = await openLogPage(browser.context, server.url.replace("127.0.0.1", "localhost"));
  const r5 = await appendFromPage(localPage, "from localhost");
  assert.equal(r5.position, 5);
  await localPage.close();

  const s = await reopenPopup(popup);
  assert.equal(s.state, "unlocked");
  const texts = s.entries.map((e) => e.text);
  assert.deepEqual(texts.slice(0, 2), ["first entry", "second entry: <b>not HTML</b> ✓"]);
  assert.deepEqual(texts.slice(2, 5).sort(), ["fifth", "fourth", "third"]);
  assert.equal(texts[5], "from localhost", "newest last");
  assert.ok(s.entries.every((e, i) => e.n === i + 1 && !e.failed));
  // Shown as text: the page's markup did not become an element of the popup.
  assert.equal(await popup.locator("#entries b").count(), 0);
  firstInstance = (await askWorker(popup, { type: "status" })).instance;
});

test("a content script may only append: no read, unlock, lock or status", { timeout: 60_000 }, async () => {
  const answers = await evaluateInContentScript(
    browser.context,
    logPage,
    browser.extensionId,
    `Promise.all([
      chrome.runtime.sendMessage({ type: "read" }),
      chrome.runtime.sendMessage({ type: "unlock", password: "guess" }),
      chrome.runtime.sendMessage({ type: "lock" }),
      chrome.runtime.sendMessage({ type: "status" }),
      chrome.runtime.sendMessage({ type: "session-saved" }),
      chrome.runtime.sendMessage({ type: "append", text: "from the content script world" }),
    ])`,
  );
  for (const a of answers.slice(0, 5)) {
    assert.equal(a.ok, false, JSON.stringify(a));
    assert.equal(a.error.code, "forbidden");
  }
  assert.equal(answers[5].ok, true);
  assert.equal(answers[5].position, 6);
  assert.equal((await askWorker(popup, { type: "status" })).state, "unlocked", "still unlocked");
  const { entries } = await askWorker(popup, { type: "read" });
  assert.equal(entries.length, 7);
  assert.equal(entries[6].text, "from the content script world");
});

test("records moved to another position fail to open (the context binds the position)", async () => {
  const swapped = await popup.evaluate(async () => {
    const s = chrome.storage.local;
    const { "entry:0": a, "entry:1": b } = await s.get(["entry:0", "entry:1"]);
    await s.set({ "entry:0": b, "entry:1": a });
    const read = await chrome.runtime.sendMessage({ type: "read" });
    await s.set({ "entry:0": a, "entry:1": b });
    return read.entries;
  });
  assert.equal(swapped[0].error?.code, "record_authentication_failed");
  assert.equal(swapped[1].error?.code, "record_authentication_failed");
  assert.equal(swapped[2].error, undefined);
  const again = await askWorker(popup, { type: "read" });
  assert.equal(again.entries[0].text, "first entry");
});

test("the service worker, stopped, resumes from the saved session without the password", { timeout: 60_000 }, async () => {
  await timed("stop service worker", () => stopServiceWorkers(browser.context, popup));
  // The first request after the stop comes from the page: it starts the worker again, which
  // finds no keyring in memory and resumes the session from IndexedDB.
  const r = await timed("append after restart", () => appendFromPage(logPage, "after the restart"));
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.position, 7);
  const status = await askWorker(popup, { type: "status" });
  assert.notEqual(status.instance, firstInstance, "a new run of the service worker");
  assert.equal(status.state, "unlocked");
  assert.equal(status.via, "session", "resumed from the saved session, not from a password");

  // Once more, with the popup as the first to ask.
  await stopServiceWorkers(browser.context, popup);
  const s = await reopenPopup(popup);
  assert.equal(s.state, "unlocked");
  assert.equal(s.entries.length, 8);
  assert.equal(s.entries[7].text, "after the restart");
  await shot("2-unlocked-with-entries");
});

test("stored data: ciphertext and text forms, non-extractable keys, no password", { timeout: 60_000 }, async () => {
  const stored = await readExtensionStorage(popup);
  const { local, idb } = stored;
  const keys = Object.keys(local).sort();
  assert.deepEqual(keys, ["entry:0", "entry:1", "entry:2", "entry:3", "entry:4", "entry:5", "entry:6", "entry:7", "keyring", "log", "unlockedUntil"]);
  assert.match(local.keyring, /^srk1\.[A-Za-z0-9_-]+$/);
  for (let i = 0; i < 8; i++) assert.match(local[`entry:${i}`], /^srr1\.[A-Za-z0-9_-]+$/);
  assert.match(local.log.id, /^[0-9a-f]{32}$/);
  assert.equal(local.log.next, 8);
  assert.equal(typeof local.unlockedUntil, "number");

  // IndexedDB: strongroom/storage's one session, CryptoKeys all non-extractable, the MAC key
  // verify-only, the authentication key sign-only and the log key sign and verify; nothing else.
  assert.deepEqual(Object.keys(idb), ["strongroom-sessions"]);
  const sessions = idb["strongroom-sessions"].sessions;
  assert.deepEqual(sessions.map((e) => e.key), ["strongroom-log"]);
  const cryptoKeys = allCryptoKeys(sessions);
  assert.ok(cryptoKeys.length >= 2, JSON.stringify(sessions));
  for (const k of cryptoKeys) assert.equal(k.extractable, false, JSON.stringify(k));
  const hmac = cryptoKeys.filter((k) => k.algorithm === "HMAC");
  assert.deepEqual(hmac.map((k) => [...k.usages].sort().join()).sort(), ["sign", "sign,verify", "verify"], JSON.stringify(hmac));

  // No plaintext and no password in any stored string.
  for (const text of allStrings(stored)) {
    assert.ok(!text.includes(PASSWORD), "the password is stored");
    for (const plain of ["first entry", "after the restart", "from localhost"]) {
      assert.ok(!text.includes(plain), `plaintext "${plain}" is stored`);
    }
  }

  // The same data opens in Node (node:crypto backend) with the documented context.
  const keyring = Keyring.fromText(local.keyring);
  assert.deepEqual(keyring.slots.map((s) => s.kdf), [ARGON2ID_DEFAULT]);
  assert.equal(keyring.slots[0].label, "popup");
  const unlocked = await timed("unlock in Node", () => keyring.unlock(PASSWORD));
  const plain = await unlocked.open(SealedRecord.fromText(local["entry:7"]), entryContext(local.log.id, 7));
  assert.equal(new TextDecoder().decode(plain), "after the restart");
  assert.equal(entryContext(local.log.id, 7), `["log","${local.log.id}",7]`);

  // Nor anywhere in the profile's files (LevelDB, IndexedDB, preferences, caches).
  const hits = await filesContaining(browser.userDataDir, PASSWORD);
  assert.deepEqual(hits, [], "the password is in the profile");
});

test("lock: the log is unreadable, appends are refused, the session is gone", { timeout: 60_000 }, async () => {
  const s = await lockInPopup(popup);
  assert.equal(s.state, "locked");
  assert.deepEqual(s.entries, []);
  await shot("3-locked");

  const read = await askWorker(popup, { type: "read" });
  assert.equal(read.ok, false);
  assert.equal(read.error.code, "locked");
  const r = await appendFromPage(logPage, "while locked");
  assert.equal(r.ok, false);
  assert.equal(r.error.code, "locked");

  const { local, idb } = await readExtensionStorage(popup);
  assert.deepEqual(idb["strongroom-sessions"].sessions, [], "the session entry is deleted");
  assert.equal(local.unlockedUntil, undefined);
  assert.equal(local.log.next, 8, "nothing appended while locked");

  // A restarted worker does not come back unlocked.
  await stopServiceWorkers(browser.context, popup);
  const status = await askWorker(popup, { type: "status" });
  assert.equal(status.state, "locked");
});

test("a wrong password is a clear error", { timeout: 120_000 }, async () => {
  const s = await timed("wrong password (Argon2id in the service worker)", () => unlockInPopup(popup, WRONG_PASSWORD));
  assert.equal(s.state, "locked");
  assert.equal(s.errorCode, "unlock_failed");
  assert.match(s.error, /^Wrong password/);
  assert.equal(await popup.inputValue("#unlock-password"), "", "the password field was cleared");
  await shot("4-wrong-password");
});

test("the right password unlocks, Argon2id in the service worker", { timeout: 120_000 }, async () => {
  const s = await timed("unlock (Argon2id in the service worker)", () => unlockInPopup(popup, PASSWORD));
  assert.equal(s.error, null, s.error);
  assert.equal(s.state, "unlocked");
  assert.equal(s.lastKdf.where, "service worker");
  assert.deepEqual(s.lastKdf.kdf, ARGON2ID_DEFAULT);
  assert.equal(s.entries.length, 8);
  assert.equal(s.entries[0].text, "first entry");
  const status = await askWorker(popup, { type: "status" });
  assert.equal(status.via, "password");
  const r = await appendFromPage(logPage, "after unlocking again");
  assert.equal(r.position, 8);
  const after = await reopenPopup(popup);
  assert.equal(after.entries.at(-1).text, "after unlocking again");
  await shot("5-unlocked-again");
  console.log(`KDF in the popup: ${timings["create (Argon2id in the popup)"]} ms (create, incl. storage); ` +
    `in the service worker: ${s.lastKdf.kdfMs} ms (unlock)`);
});

test("an unlock that has run out is not resumed after a restart", { timeout: 60_000 }, async () => {
  // As if the 30 minutes had passed while the worker was stopped: the extension's own limit (the
  // session in IndexedDB has its own, maxAgeMs, checked by loadSession).
  await popup.evaluate(() => chrome.storage.local.set({ unlockedUntil: Date.now() - 1 }));
  await stopServiceWorkers(browser.context, popup);
  const status = await askWorker(popup, { type: "status" });
  assert.equal(status.state, "locked");
  const { idb, local } = await readExtensionStorage(popup);
  assert.deepEqual(idb["strongroom-sessions"].sessions, [], "the expired session is deleted");
  assert.equal(local.unlockedUntil, undefined);
});
