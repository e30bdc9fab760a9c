// Clicks through the demo (demo/) in headless Chromium: create a keyring, add entries, check the
// stored text forms, resume the IndexedDB session after a reload, lock, unlock with the password,
// change the password, unlock with the new one; then a screenshot to test-results/demo.png,
// checked to be a real, non-trivial PNG.
//
// Needs /usr/bin/chromium (scripts/install-browser.sh); fails at once with that hint otherwise.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile, stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { startServer, DEMO_PATH } from "./server.js";
import { launchChromium, requireChromium } from "./support/chromium.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const RESULTS_DIR = path.resolve(here, "..", "test-results");
const SCREENSHOT = path.join(RESULTS_DIR, "demo.png");

const PASSWORD_1 = "correct horse battery staple";
const PASSWORD_2 = "a different, longer passphrase";
const ENTRIES = ["Opened the strongroom", "Checked the ledger: 42 items", "Zürich office: keys rotated ✓"];
// One PBKDF2 at 600,000 iterations takes well under a second in Chromium on one core; the
// generous bound absorbs a loaded CI machine without letting a stuck page hang the run.
const KDF_TIMEOUT = 120_000;

let server;
let browser;

before(async () => {
  requireChromium();
  server = await startServer({ port: 0 });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Width and height from a PNG's IHDR chunk (bytes 16-23, big-endian), after the signature check. */
function pngSize(buf) {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.ok(buf.length > 24 && buf.subarray(0, 8).equals(signature), "not a PNG file");
  assert.equal(buf.subarray(12, 16).toString("latin1"), "IHDR", "PNG without IHDR first");
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

test("demo: create, add entries, reload, unlock, change password, unlock again", { timeout: 600_000 }, async (t) => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (err) => pageErrors.push(String(err)));
  page.on("console", (msg) => {
    if (msg.type() === "error") process.stdout.write(`[chromium console.error] ${msg.text()}\n`);
  });
  // "Forget everything" asks for confirmation; accept dialogs so nothing blocks.
  page.on("dialog", (d) => d.accept());

  const view = () => page.locator("body").getAttribute("data-view");
  const load = async () => {
    await page.waitForSelector("body[data-ready='true']", { timeout: 30_000 });
    const err = await page.locator("#error").isVisible();
    assert.equal(err, false, `error shown at load: ${await page.locator("#error").textContent()}`);
  };
  // Waits for the view, or for the page's error box (then fails with its text, not a timeout).
  const waitView = async (v) => {
    await page.waitForFunction(
      (want) => document.body.dataset.view === want || !document.getElementById("error").hidden,
      v,
      { timeout: KDF_TIMEOUT },
    );
    if (await page.locator("#error").isVisible()) {
      assert.fail(`expected view "${v}", the page shows an error: ${await page.textContent("#error")}`);
    }
  };
  const entryTexts = () => page.locator("#entries li .entry-text").allTextContents();
  const assertEntriesVisible = async () => {
    assert.deepEqual(await entryTexts(), ENTRIES);
    for (const text of ENTRIES) {
      assert.ok(await page.getByText(text, { exact: true }).isVisible(), `entry "${text}" not visible`);
    }
    const body = await page.locator("body").innerText();
    for (const text of ENTRIES) assert.ok(body.includes(text), `page text lacks "${text}"`);
  };
  const unlockWith = async (password) => {
    await page.fill("#unlock-password", password);
    await page.click("#unlock-btn");
  };

  await page.goto(server.url + DEMO_PATH);
  await load();
  assert.equal(await view(), "new", "fresh browser profile starts without a keyring");

  // 1. Create a keyring (PBKDF2, 600,000 iterations: the default choice).
  assert.equal(await page.inputValue("#create-kdf"), "pbkdf2-600000");
  await page.fill("#create-password", PASSWORD_1);
  await page.fill("#create-confirm", PASSWORD_1);
  await page.click("#create-btn");
  await waitView("unlocked");

  // 2. Add entries.
  for (const [i, text] of ENTRIES.entries()) {
    await page.fill("#entry-text", text);
    await page.click("#add-btn");
    await page.waitForFunction((n) => document.querySelectorAll("#entries li").length === n, i + 1);
  }
  await assertEntriesVisible();

  // 3. Stored text forms: one keyring (srk1.), one record per entry (srr1.), no plaintext.
  const keyringText1 = (await page.textContent("#stored-keyring")).trim();
  assert.match(keyringText1, /^srk1\.[A-Za-z0-9_-]+$/);
  const recordTexts = (await page.locator("#stored-records pre").allTextContents()).map((s) => s.trim());
  assert.equal(recordTexts.length, ENTRIES.length);
  for (const r of recordTexts) assert.match(r, /^srr1\.[A-Za-z0-9_-]+$/);
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }));
  for (const text of ENTRIES) assert.ok(!stored.includes(text), "plaintext leaked into localStorage");
  assert.ok(!stored.includes(PASSWORD_1), "password leaked into localStorage");
  assert.ok(stored.includes(keyringText1));

  // 4. Reload: the IndexedDB session resumes without the password.
  await page.reload();
  await load();
  assert.equal(await view(), "unlocked", "session was not resumed from IndexedDB");
  assert.match(await page.textContent("#session-note"), /resumed/i);
  await assertEntriesVisible();

  // 5. Lock (deletes the session), reload: locked, ciphertext still shown, no entries.
  await page.click("#lock-btn");
  await waitView("locked");
  await page.reload();
  await load();
  assert.equal(await view(), "locked");
  assert.equal((await page.textContent("#stored-keyring")).trim(), keyringText1);
  assert.equal(await page.locator("#entries").isVisible(), false);

  // 6. A wrong password is refused; the right one decrypts the entries.
  await unlockWith("not the password");
  await page.waitForSelector("#error:not([hidden])", { timeout: KDF_TIMEOUT });
  assert.match(await page.textContent("#error"), /wrong password/i);
  assert.equal(await view(), "locked");
  await unlockWith(PASSWORD_1);
  await waitView("unlocked");
  await assertEntriesVisible();

  // 7. Change the password: the keyring changes (next generation), the records do not.
  const generation = async () => Number((await page.textContent("#keyring-meta")).match(/generation (\d+)/)[1]);
  const generationBefore = await generation();
  await page.fill("#new-password", PASSWORD_2);
  await page.fill("#new-confirm", PASSWORD_2);
  await page.click("#change-btn");
  await page.waitForFunction(
    (before) => document.getElementById("stored-keyring").textContent.trim() !== before,
    keyringText1,
    { timeout: KDF_TIMEOUT },
  );
  assert.match(await page.textContent("#status"), /password changed/i);
  assert.equal(await generation(), generationBefore + 1);
  const recordTexts2 = (await page.locator("#stored-records pre").allTextContents()).map((s) => s.trim());
  assert.deepEqual(recordTexts2, recordTexts, "records must not change with the password");

  // 8. Lock, reload, the old password fails, the new one unlocks.
  await page.click("#lock-btn");
  await waitView("locked");
  await page.reload();
  await load();
  assert.equal(await view(), "locked");
  await unlockWith(PASSWORD_1);
  await page.waitForSelector("#error:not([hidden])", { timeout: KDF_TIMEOUT });
  assert.match(await page.textContent("#error"), /wrong password/i);
  await unlockWith(PASSWORD_2);
  await waitView("unlocked");
  await assertEntriesVisible();
  assert.match(await page.textContent("#session-note"), /password/i);

  // 9. Screenshot of the final state, checked as a PNG of plausible size.
  await mkdir(RESULTS_DIR, { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  const png = await readFile(SCREENSHOT);
  const { width, height } = pngSize(png);
  const { size } = await stat(SCREENSHOT);
  t.diagnostic(`screenshot ${SCREENSHOT}: ${width}x${height}, ${size} bytes`);
  assert.ok(width >= 800 && height >= 600, `screenshot too small: ${width}x${height}`);
  assert.ok(size > 20_000, `screenshot suspiciously small (${size} bytes): blank page?`);

  assert.deepEqual(pageErrors, [], "uncaught errors in the page");
  await context.close();
});

test("demo: an Argon2id keyring (hash-wasm through the import map) locks and unlocks", { timeout: 300_000 }, async () => {
  // A fresh context has its own empty localStorage and IndexedDB.
  const context = await browser.newContext();
  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (err) => pageErrors.push(String(err)));
  await page.goto(server.url + DEMO_PATH);
  await page.waitForSelector("body[data-view='new'][data-ready='true']", { timeout: 30_000 });
  await page.selectOption("#create-kdf", "argon2id-19456-2-1");
  await page.fill("#create-password", PASSWORD_1);
  await page.fill("#create-confirm", PASSWORD_1);
  await page.click("#create-btn");
  const settled = () =>
    page.waitForFunction(
      () => !document.querySelector("#status.busy"),
      null,
      { timeout: KDF_TIMEOUT },
    );
  await settled();
  assert.equal(await page.locator("#error").isVisible(), false, await page.textContent("#error"));
  assert.equal(await page.locator("body").getAttribute("data-view"), "unlocked");
  assert.match(await page.textContent("#keyring-meta"), /Argon2id, 19 MiB, t=2, p=1/);
  await page.fill("#entry-text", "sealed under an Argon2id keyring");
  await page.click("#add-btn");
  await page.waitForSelector("#entries li");
  await page.click("#lock-btn");
  await page.waitForSelector("body[data-view='locked']");
  await page.fill("#unlock-password", PASSWORD_1);
  await page.click("#unlock-btn");
  await settled();
  assert.equal(await page.locator("#error").isVisible(), false, await page.textContent("#error"));
  assert.deepEqual(await page.locator("#entries li .entry-text").allTextContents(), ["sealed under an Argon2id keyring"]);
  assert.deepEqual(pageErrors, []);
  await context.close();
});
