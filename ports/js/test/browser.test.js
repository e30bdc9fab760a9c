// Runs the conformance vectors in headless Chromium (through playwright-core) and checks the
// IndexedDB session helper (src/storage.js) in a real browser across a page reload.
//
// The vector run must have zero failures and run exactly as many vectors per file as the same
// runner does under Node in this process, so a browser that silently skips something (e.g.
// Argon2id when hash-wasm fails to load) shows up as a mismatch.
//
// Needs /usr/bin/chromium (scripts/install-browser.sh); fails at once with that hint otherwise.
// STRONGROOM_BROWSER_TIMEOUT_MS overrides the vector-run timeout (default 20 minutes).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { startServer, VECTORS_PAGE_PATH } from "./server.js";
import { launchChromium, requireChromium } from "./support/chromium.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const VECTORS_DIR = path.resolve(here, "..", "..", "..", "vectors");
const RUN_TIMEOUT_MS = Number(process.env.STRONGROOM_BROWSER_TIMEOUT_MS) || 20 * 60_000;

let server;
let browser;

before(async () => {
  requireChromium(); // fail fast and clearly, before anything slow
  server = await startServer({ port: 0 });
  browser = await launchChromium();
});

after(async () => {
  // Close the browser through Playwright and the server through its handle; nothing is killed
  // by name or by process group.
  await browser?.close();
  await server?.close();
});

/** Per-file totals of a runner summary: {file: {pass, fail, skip, run}}. */
function perFile(summary) {
  const out = {};
  for (const [name, c] of Object.entries(summary.files)) {
    out[name] = { pass: c.pass, fail: c.fail, skip: c.skip, run: c.pass + c.fail + c.skip };
  }
  return out;
}

function table(title, counts) {
  const lines = [title];
  for (const [name, c] of Object.entries(counts)) {
    lines.push(`  ${name.padEnd(18)} run ${String(c.run).padStart(5)}  pass ${String(c.pass).padStart(5)}  fail ${c.fail}  skip ${c.skip}`);
  }
  return lines.join("\n");
}

async function nodeSummary() {
  const { runAllVectors } = await import("../conformance/run-vectors.js");
  const loadFile = async (name) => {
    const file = name.endsWith(".json") ? name : `${name}.json`;
    return JSON.parse(await readFile(path.join(VECTORS_DIR, file), "utf8"));
  };
  return runAllVectors({ loadFile, log: () => {} });
}

test("conformance vectors pass in Chromium, same counts as Node", { timeout: RUN_TIMEOUT_MS * 2 }, async (t) => {
  const page = await browser.newPage();
  const pageErrors = [];
  // An uncaught error or a missing module means window.__result may never be set: fail at once
  // with the cause rather than after the long timeout.
  let broken;
  const brokenPage = new Promise((_, reject) => (broken = reject));
  brokenPage.catch(() => {});
  page.on("pageerror", (err) => {
    pageErrors.push(String(err));
    broken(new Error(`uncaught error in the page: ${err}`));
  });
  page.on("response", (res) => {
    if (res.status() >= 400) broken(new Error(`HTTP ${res.status()} for ${res.url()}`));
  });
  // Forward the page's progress lines so a long run shows it is alive.
  page.on("console", (msg) => process.stdout.write(`[chromium] ${msg.text()}\n`));
  await page.goto(server.url + VECTORS_PAGE_PATH);
  await Promise.race([
    page.waitForFunction(() => window.__result !== undefined, null, {
      timeout: RUN_TIMEOUT_MS,
      polling: 500,
    }),
    brokenPage,
  ]);
  const result = await page.evaluate(() => window.__result);
  await page.close();

  assert.equal(result.error, undefined, `the page failed: ${result.error}`);
  assert.deepEqual(pageErrors, [], "uncaught errors in the page");

  // The same runner in Node, for the counts (after the browser, so a broken page fails fast).
  const nodeStart = Date.now();
  const node = await nodeSummary();
  const nodeSeconds = (Date.now() - nodeStart) / 1000;
  t.diagnostic(`node run: ${node.total} vectors in ${nodeSeconds.toFixed(1)} s`);

  const browserCounts = perFile(result);
  const nodeCounts = perFile(node);
  console.log(table(`Chromium (${result.userAgent}), ${result.seconds.toFixed(1)} s:`, browserCounts));
  console.log(table(`Node ${process.version}, ${nodeSeconds.toFixed(1)} s:`, nodeCounts));

  const failures = result.failures ?? [];
  assert.equal(failures.length, 0, `browser failures:\n${JSON.stringify(failures.slice(0, 20), null, 2)}`);
  for (const c of Object.values(browserCounts)) assert.equal(c.fail, 0);
  assert.ok(result.total > 0, "no vectors were run");
  assert.deepEqual(Object.keys(browserCounts).sort(), Object.keys(nodeCounts).sort(), "same files");
  for (const name of Object.keys(nodeCounts)) {
    assert.equal(browserCounts[name].run, nodeCounts[name].run, `${name}: vectors run, browser vs node`);
    assert.equal(browserCounts[name].skip, nodeCounts[name].skip, `${name}: vectors skipped, browser vs node`);
  }
  assert.equal(result.total, node.total, "total vectors, browser vs node");
});

// SR-WEB-2, SR-WEB-1: the session kept in IndexedDB holds only non-extractable CryptoKeys and
// public bytes, and nothing is written to localStorage.
test("IndexedDB session survives a reload and stays non-extractable", { timeout: 180_000 }, async () => {
  const page = await browser.newPage();
  const harness = server.url + "/ports/js/test/browser/harness.html";
  await page.goto(harness);

  // Create a keyring, seal a record, save the session; keep only ciphertext in localStorage.
  const before = await page.evaluate(async () => {
    const sr = await import("/ports/js/src/index.js");
    const storage = await import("/ports/js/src/storage.js");
    const unlocked = await sr.Keyring.create("correct horse battery staple", { label: "test" });
    const rec = await unlocked.seal("hello from before the reload", "log:1");
    localStorage.setItem("kr", unlocked.keyring.toText());
    localStorage.setItem("rec", rec.toText());
    await storage.saveSession("t1", unlocked);
    return { keyringText: unlocked.keyring.toText(), localKeys: Object.keys(localStorage).sort() };
  });
  assert.ok(before.keyringText.startsWith("srk1."));
  assert.deepEqual(before.localKeys, ["kr", "rec"], "storage.js must not write to localStorage");

  await page.reload();

  const afterReload = await page.evaluate(async () => {
    const sr = await import("/ports/js/src/index.js");
    const storage = await import("/ports/js/src/storage.js");
    const keyring = sr.Keyring.fromText(localStorage.getItem("kr"));
    const unlocked = await storage.loadSession("t1", keyring);
    if (!unlocked) return { loaded: false };
    const plain = await unlocked.open(sr.SealedRecord.fromText(localStorage.getItem("rec")), "log:1");
    // Everything in the stored session that is a CryptoKey must be non-extractable.
    const raw = await storage._readRawSession("t1");
    const keys = [];
    const walk = (v) => {
      if (v instanceof CryptoKey) keys.push({ extractable: v.extractable, alg: v.algorithm.name });
      else if (v && typeof v === "object" && !ArrayBuffer.isView(v)) Object.values(v).forEach(walk);
    };
    walk(raw);
    // A session for another keyring is not applied to this one.
    const other = await sr.Keyring.create("another password here", { label: "other" });
    const cross = await storage.loadSession("t1", other.keyring);
    const missing = await storage.loadSession("no-such-session", keyring);
    // The resumed keyring can change slots given the current password (it keeps no key that
    // could); the changed keyring makes the saved session stale until it is saved again.
    const changed = await unlocked.changePassword({ password: "correct horse battery staple" }, 0, "a brand new password");
    const stale = await storage.loadSession("t1", changed);
    await storage.saveSession("t1", unlocked);
    const again = await storage.loadSession("t1", changed);
    const plain2 = again && (await again.open(sr.SealedRecord.fromText(localStorage.getItem("rec")), "log:1"));
    const viaNewPassword = await changed.unlock("a brand new password");
    const plain3 = await viaNewPassword.open(sr.SealedRecord.fromText(localStorage.getItem("rec")), "log:1");
    // The old keyring (an older copy served back) no longer matches the saved session either.
    const rollback = await storage.loadSession("t1", keyring);
    // maxAgeMs: an expired session is not loaded and is deleted.
    await storage.saveSession("t2", unlocked, { maxAgeMs: 1 });
    await new Promise((r) => setTimeout(r, 20));
    const expired = await storage.loadSession("t2", changed);
    const names = await storage.listSessions();
    await storage.clearSession("t1");
    const cleared = await storage.loadSession("t1", changed);
    const dec = (b) => (b ? new TextDecoder().decode(b) : null);
    return {
      loaded: true,
      plain: dec(plain),
      keys,
      cross: cross === null,
      missing: missing === null,
      stale: stale === null,
      plain2: dec(plain2),
      plain3: dec(plain3),
      rollback: rollback === null,
      expired: expired === null,
      names,
      cleared: cleared === null,
      localKeys: Object.keys(localStorage).sort(),
    };
  });
  await page.close();

  assert.equal(afterReload.loaded, true, "loadSession returned null after reload");
  assert.equal(afterReload.plain, "hello from before the reload");
  assert.ok(afterReload.keys.length >= 1, "the stored session holds CryptoKeys");
  for (const k of afterReload.keys) assert.equal(k.extractable, false, `stored ${k.alg} key is extractable`);
  assert.equal(afterReload.cross, true, "a session must not load for a different keyring");
  assert.equal(afterReload.missing, true);
  assert.equal(afterReload.stale, true, "a session must not load for a changed keyring");
  assert.equal(afterReload.plain2, "hello from before the reload", "re-saved session after a change");
  assert.equal(afterReload.plain3, "hello from before the reload", "new password unlocks the changed keyring");
  assert.equal(afterReload.rollback, true, "a session must not load for an older copy of the keyring");
  assert.equal(afterReload.expired, true, "an expired session must not load");
  assert.deepEqual(afterReload.names, ["t1"], "the expired session was deleted");
  assert.equal(afterReload.cleared, true, "clearSession removes the session");
  assert.deepEqual(afterReload.localKeys, ["kr", "rec"]);
});

// SPEC.md 19.1 "The secret key on a device": a secret key is kept as a non-extractable HMAC
// CryptoKey (usage sign) in its own IndexedDB database, survives a reload and an upgrade of the
// session database, and with the password opens the secret-key slot; a pin kept as JSON in the
// page's own storage is checked on the next unlock. A session entry of the previous format
// (version 2, without the authentication key) is dropped by the upgrade, never used.
test("a secret key survives a reload in IndexedDB; sessions of format 2 are dropped", { timeout: 180_000 }, async () => {
  const page = await browser.newPage();
  await page.goto(server.url + "/ports/js/test/browser/harness.html");
  const created = await page.evaluate(async () => {
    // A session database as version 2 of strongroom/storage left it, with one entry.
    await new Promise((resolve, reject) => {
      const del = indexedDB.deleteDatabase("strongroom-sessions");
      del.onsuccess = resolve;
      del.onerror = () => reject(del.error);
    });
    await new Promise((resolve, reject) => {
      const req = indexedDB.open("strongroom-sessions", 2);
      req.onupgradeneeded = () => req.result.createObjectStore("sessions").put({ format: 2, state: { v: 2 } }, "old");
      req.onsuccess = () => { req.result.close(); resolve(); };
      req.onerror = () => reject(req.error);
    });
    const sr = await import("/ports/js/src/index.js");
    const storage = await import("/ports/js/src/storage.js");
    const policy = new sr.UnlockPolicy({ pbkdf2Iterations: [1, 2_000_000], argon2MemoryKib: [8, 262_144], argon2TimeCost: [1, 8], argon2Parallelism: [1, 8], maxUnlockWork: 16_777_216 });
    const { unlocked, secretKey, secretKeyCode } = await sr.Keyring.createWithSecretKey("pw", { label: "laptop", kdf: { id: 1, iterations: 1000 }, policy });
    await storage.saveSecretKey("alice", secretKey);
    localStorage.setItem("kr-sk", unlocked.keyring.toText());
    localStorage.setItem("pin", JSON.stringify(await unlocked.pin()));
    let notASecretKey = null;
    try {
      await storage.saveSecretKey("alice", secretKeyCode);
    } catch (e) {
      notASecretKey = e.name;
    }
    const oldSession = await storage.loadSession("old", unlocked.keyring);
    const names = await storage.listSessions();
    return { secretKeyCode, notASecretKey, oldSession, names };
  });
  assert.match(created.secretKeyCode, /^SK1(-[0-9A-HJKMNP-TV-Z]{4}){8}$/);
  assert.equal(created.notASecretKey, "TypeError");
  assert.equal(created.oldSession, null);
  assert.deepEqual(created.names, [], "the upgrade to format 3 dropped the format-2 entry");

  await page.reload();
  const after = await page.evaluate(async () => {
    const sr = await import("/ports/js/src/index.js");
    const storage = await import("/ports/js/src/storage.js");
    const policy = new sr.UnlockPolicy({ pbkdf2Iterations: [1, 2_000_000], argon2MemoryKib: [8, 262_144], argon2TimeCost: [1, 8], argon2Parallelism: [1, 8], maxUnlockWork: 16_777_216 });
    const keyring = sr.Keyring.fromText(localStorage.getItem("kr-sk"));
    const pin = JSON.parse(localStorage.getItem("pin"));
    const secretKey = await storage.loadSecretKey("alice");
    const u = await keyring.unlockWithSecretKey("pw", secretKey, policy, { pin });
    let wrongPassword = null;
    try {
      await keyring.unlockWithSecretKey("not pw", secretKey, policy, { pin });
    } catch (e) {
      wrongPassword = e.class;
    }
    // What the database holds: one non-extractable HMAC key with the usage sign, no bytes.
    const raw = await new Promise((resolve, reject) => {
      const req = indexedDB.open("strongroom-secret-keys");
      req.onsuccess = () => {
        const tx = req.result.transaction("secret-keys", "readonly");
        const get = tx.objectStore("secret-keys").getAll();
        get.onsuccess = () => { req.result.close(); resolve(get.result); };
        get.onerror = () => reject(get.error);
      };
      req.onerror = () => reject(req.error);
    });
    const entry = raw[0];
    const key = entry.key;
    let exported = "refused";
    try {
      await crypto.subtle.exportKey("raw", key);
      exported = "exported";
    } catch {
      // expected
    }
    const byteFields = Object.values(entry).filter((v) => ArrayBuffer.isView(v) || v instanceof ArrayBuffer).length;
    await storage.deleteSecretKey("alice");
    const gone = await storage.loadSecretKey("alice");
    return {
      slotIndex: u.slotIndex, wrongPassword, entries: raw.length, alg: key.algorithm.name, hash: key.algorithm.hash.name,
      usages: key.usages, extractable: key.extractable, exported, byteFields, gone,
    };
  });
  await page.close();
  assert.equal(after.slotIndex, 0);
  assert.equal(after.wrongPassword, "unlock_failed");
  assert.equal(after.entries, 1);
  assert.deepEqual([after.alg, after.hash, after.usages, after.extractable, after.exported], ["HMAC", "SHA-256", ["sign"], false, "refused"]);
  assert.equal(after.byteFields, 0, "no byte string next to the key");
  assert.equal(after.gone, null);
});

// Sealed streams (SPEC.md 11.16) on WebCrypto in Chromium: a few MiB from a Blob through
// sealStream and openStream, OpenChunk on a File, a resumed IndexedDB session opening the stream
// (streams derive from the record root: the session holds nothing more), and the attack classes.
test("sealed streams in Chromium (WebCrypto): round trip, random access, attack classes", { timeout: 180_000 }, async () => {
  const page = await browser.newPage();
  await page.goto(server.url + "/ports/js/test/browser/harness.html");
  const r = await page.evaluate(async () => {
    const sr = await import("/ports/js/src/index.js");
    const storage = await import("/ports/js/src/storage.js");
    const policy = new sr.UnlockPolicy({ pbkdf2Iterations: [1, 2_000_000], argon2MemoryKib: [8, 262_144], argon2TimeCost: [1, 8], argon2Parallelism: [1, 8], maxUnlockWork: 16_777_216 });
    const u = await sr.Keyring.create("pw", { kdf: { id: 1, iterations: 2 }, policy });
    const stranger = await sr.Keyring.create("pw", { kdf: { id: 1, iterations: 2 }, policy });
    const C = sr.STREAM_CHUNK_SIZE, F = C + 32, H = sr.STREAM_HEADER_LEN;
    const L = 4 * 1024 * 1024 + 5;
    const payload = new Uint8Array(L);
    for (let i = 0; i < L; i += 65536) crypto.getRandomValues(payload.subarray(i, Math.min(L, i + 65536)));
    // Read with a reader: Response(rs).arrayBuffer() would turn the stream's error into a TypeError.
    const bytesOf = async (rs) => {
      const parts = [];
      const reader = rs.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parts.push(value);
      }
      return new Uint8Array(await new Blob(parts).arrayBuffer());
    };
    const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
    let t = performance.now();
    const sealed = await bytesOf(new Blob([payload]).stream().pipeThrough(u.sealStream("ctx")));
    const sealMs = performance.now() - t;
    t = performance.now();
    const opened = await bytesOf(new Blob([sealed]).stream().pipeThrough(u.openStream("ctx")));
    const openMs = performance.now() - t;
    const file = new File([sealed], "report.sr");
    const n = sr.StreamHeader.fromBytes(sealed).chunkCount(sealed.length);
    const c10 = await u.openStreamChunk(file, 10, "ctx");
    const last = await u.openStreamChunk(file, n - 1, "ctx");
    // A session saved to IndexedDB and resumed opens the stream.
    await storage.saveSession("stream", u);
    const resumed = await storage.loadSession("stream", u.keyring);
    const viaSession = await resumed.openStreamBytes(await u.sealStreamBytes(payload.subarray(0, 3 * C + 1), "ctx"), "ctx");
    await storage.clearSession("stream");
    const outcome = async (p) => {
      try {
        await p;
        return "ok";
      } catch (e) {
        return e.reason ? `${e.class}/${e.reason}` : e.class;
      }
    };
    const openVia = (bytes, ctx = "ctx", k = u) => bytesOf(new Blob([bytes]).stream().pipeThrough(k.openStream(ctx)));
    const other = await u.sealStreamBytes(payload.subarray(0, 3 * C), "ctx");
    const fr = (s, i) => s.subarray(H + i * F, H + (i + 1) * F);
    const cat = (...parts) => new Uint8Array(parts.reduce((a, p) => [...a, ...p], []));
    const head = sealed.subarray(0, H);
    const flipped = Uint8Array.from(sealed);
    flipped[H + 5 * F + 99] ^= 1;
    const small = sealed.subarray(0, H + 3 * F); // a stream cut at a chunk boundary
    const attacks = {
      wrong_keyring: await outcome(openVia(sealed, "ctx", stranger)),
      other_context: await outcome(openVia(sealed, "other")),
      truncated_boundary: await outcome(openVia(small)),
      truncated_inside: await outcome(openVia(sealed.subarray(0, sealed.length - 3))),
      swapped: await outcome(openVia(cat(head, fr(sealed, 1), fr(sealed, 0), fr(sealed, 2)))),
      dropped: await outcome(openVia(cat(head, fr(sealed, 0), fr(sealed, 2)))),
      duplicated: await outcome(openVia(cat(head, fr(sealed, 0), fr(sealed, 0)))),
      appended: await outcome(openVia(cat(sealed, [0]))),
      another_stream: await outcome(openVia(cat(head, fr(sealed, 0), fr(other, 1)))),
      altered: await outcome(openVia(flipped)),
    };
    // openStream errors the stream on truncation: read() rejects after the chunks before the cut.
    const reader = new Blob([small]).stream().pipeThrough(u.openStream("ctx")).getReader();
    let released = 0, readError = null;
    for (;;) {
      try {
        const { done } = await reader.read();
        if (done) break;
        released++;
      } catch (e) {
        readError = `${e.class}/${e.reason}`;
        break;
      }
    }
    return {
      ok: same(opened, payload), sealedLength: sealed.length, n, sealMs, openMs,
      c10: same(c10.plaintext, payload.subarray(10 * C, 11 * C)) && !c10.final,
      last: same(last.plaintext, payload.subarray((n - 1) * C)) && last.final,
      viaSession: same(viaSession, payload.subarray(0, 3 * C + 1)),
      attacks, released, readError,
    };
  });
  await page.close();
  console.log(`# Chromium streams: 4 MiB sealed in ${r.sealMs.toFixed(0)} ms, opened in ${r.openMs.toFixed(0)} ms`);
  assert.equal(r.ok, true);
  assert.equal(r.n, 65);
  assert.equal(r.sealedLength, 95 + 4 * 1024 * 1024 + 5 + 65 * 32);
  assert.equal(r.c10, true);
  assert.equal(r.last, true);
  assert.equal(r.viaSession, true);
  assert.deepEqual(r.attacks, {
    wrong_keyring: "wrong_keyring",
    other_context: "stream_authentication_failed",
    truncated_boundary: "stream_violation/stream_truncated",
    truncated_inside: "stream_violation/stream_truncated",
    swapped: "stream_violation/chunk_reordered",
    dropped: "stream_violation/chunk_reordered",
    duplicated: "stream_violation/chunk_duplicated",
    appended: "stream_violation/data_after_final_chunk",
    another_stream: "stream_violation/chunk_from_another_stream",
    altered: "stream_authentication_failed",
  });
  assert.equal(r.readError, "stream_violation/stream_truncated");
  assert.equal(r.released, 3);
});
