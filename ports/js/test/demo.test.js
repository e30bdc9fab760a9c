// Clicks through the demo (demo/) in headless Chromium: create a keyring, add entries, check the
// stored text forms, resume the IndexedDB session after a reload, lock, unlock with the password,
// change the password, unlock with the new one; then a screenshot to test-results/demo.png,
// decoded here and checked to show the decrypted entries: text pixels inside each entry's box.
//
// Needs /usr/bin/chromium (scripts/install-browser.sh); fails at once with that hint otherwise.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile, stat } from "node:fs/promises";
import { inflateSync } from "node:zlib";
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

/**
 * Decodes an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes) into RGBA rows, so the
 * test can look at the pixels of the screenshot without an image library.
 */
function decodePng(buf) {
  const { width, height } = pngSize(buf);
  const bitDepth = buf[24];
  const colorType = buf[25];
  const interlace = buf[28];
  assert.ok(bitDepth === 8 && (colorType === 2 || colorType === 6) && interlace === 0,
    `unsupported PNG: depth ${bitDepth}, color type ${colorType}, interlace ${interlace}`);
  const channels = colorType === 6 ? 4 : 3;
  const idat = [];
  for (let off = 8; off < buf.length; ) {
    const len = buf.readUInt32BE(off);
    const type = buf.subarray(off + 4, off + 8).toString("latin1");
    if (type === "IDAT") idat.push(buf.subarray(off + 8, off + 8 + len));
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = Buffer.alloc(width * height * 4);
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? line[i - channels] : 0;
      const b = prev[i];
      const c = i >= channels ? prev[i - channels] : 0;
      let v = line[i];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else assert.equal(filter, 0, `bad PNG filter ${filter}`);
      line[i] = v & 0xff;
    }
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      out[o] = line[x * channels]; out[o + 1] = line[x * channels + 1]; out[o + 2] = line[x * channels + 2];
      out[o + 3] = channels === 4 ? line[x * channels + 3] : 255;
    }
    prev = line;
  }
  return { width, height, rgba: out };
}

/** Dark ("ink") pixels in a box of the decoded screenshot: text drawn there, or nothing. */
function inkPixels(img, box) {
  let ink = 0;
  const x0 = Math.max(0, Math.floor(box.x)), y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(img.width, Math.ceil(box.x + box.width)), y1 = Math.min(img.height, Math.ceil(box.y + box.height));
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const o = (y * img.width + x) * 4;
      const lum = 0.2126 * img.rgba[o] + 0.7152 * img.rgba[o + 1] + 0.0722 * img.rgba[o + 2];
      if (lum < 110) ink++;
    }
  }
  return ink;
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
  // SR-WEB-1: the demo keeps neither the password nor a plaintext in localStorage.
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
  // The screenshot itself must show the decrypted entries: each entry's text box (page
  // coordinates, as in a full-page screenshot at device scale 1) holds drawn text, and a box of
  // the same size in the empty space right of it holds none (the check can fail).
  const img = decodePng(png);
  const boxes = await page.locator("#entries .entry-text").evaluateAll((els) =>
    els.map((e) => { const r = e.getBoundingClientRect(); return { x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height }; }));
  assert.equal(boxes.length, ENTRIES.length, "one text box per decrypted entry");
  const listBox = await page.locator("#entries").evaluate((e) => { const r = e.getBoundingClientRect(); return { right: r.right + scrollX }; });
  for (const [i, box] of boxes.entries()) {
    const ink = inkPixels(img, box);
    t.diagnostic(`entry ${i + 1} "${ENTRIES[i]}": ${ink} text pixels in ${Math.round(box.width)}x${Math.round(box.height)}`);
    assert.ok(ink >= 4 * ENTRIES[i].length, `entry ${i + 1} is not drawn in the screenshot (${ink} text pixels)`);
    const blank = { x: listBox.right - box.width / 3 - 8, y: box.y, width: box.width / 3, height: box.height };
    assert.ok(blank.x > box.x + box.width, "room right of the entry for the blank control box");
    assert.equal(inkPixels(img, blank), 0, `control box right of entry ${i + 1} has text pixels`);
  }

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
