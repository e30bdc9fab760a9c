// The demo (demo/) against every hostile mode of the reference storage server (server/PROTOCOL.md,
// "Hostile modes"), in headless Chromium.
//
// For each mode, on a fresh temporary database: an honest strongroom-server; in the browser, user
// alice on device A (a browser context of its own: its own localStorage and IndexedDB, so its own
// pins and device id) creates a keyring with a cheap KDF (the demo's ?test-kdf hook: PBKDF2 with
// 1,000 iterations), adds 3 log entries and changes the password to a higher cost (PBKDF2 2,000,
// generation 1), and reads the log; device B unlocks alice's keyring and opens her log by its id
// (typed in, SR-LOG-18); user bob (a third context) creates a keyring with 1 entry (record-swap
// and slot-transplant take another user's data). Then the server is killed and restarted over the
// same database with --hostile MODE, and device A reloads, unlocks and reads (for fork: A and B
// each add an entry first, then A reads). The test asserts the demo's #alarm shows the expected
// class and reason, and that no entry's text is on the page.
//
// At the end it prints one table: mode | Rust CLI (from target/hostile/rust.json, written by
// server/tests/hostile.rs, if present) | JS demo.
//
// Needs /usr/bin/chromium (scripts/install-browser.sh) and target/debug/strongroom-server
// (cargo build -p strongroom-server); fails at once with a hint otherwise.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { startServer, DEMO_PATH } from "./server.js";
import { launchChromium, requireChromium } from "./support/chromium.js";
import { requireServerBinary, startStorageServer, tempDb, REPO_ROOT } from "./support/storage-server.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const RESULTS_DIR = path.resolve(here, "..", "test-results");
const RUST_RESULTS = path.join(REPO_ROOT, "target", "hostile", "rust.json");

const PAGE = DEMO_PATH + "?test-kdf";
const P1 = "alice's first password";
const P2 = "alice's second, costlier password";
const BOB_PASSWORD = "bob's password";
const ALICE_ENTRIES = ["alice: opened the strongroom", "alice: counted 42 items", "alice: rotated the keys ✓"];
const BOB_ENTRY = "bob: a private note";
const FORK_ENTRIES = ["alice on device A after the restart", "alice on device B after the restart"];
const ALL_TEXTS = [...ALICE_ENTRIES, BOB_ENTRY, ...FORK_ENTRIES];

/** PROTOCOL.md's modes and what the demo must report (class/reason). */
const EXPECTED = {
  "slot-transplant": "history_violation/keyring_fork",
  "keyring-rollback": "history_violation/keyring_rollback",
  "kdf-swap": "history_violation/keyring_fork",
  "record-swap": "history_violation/log_entry_mismatch",
  "entry-swap": "history_violation/log_entry_mismatch",
  "entry-drop": "history_violation/log_entry_missing",
  reorder: "history_violation/log_entry_mismatch",
  replay: "history_violation/log_entry_mismatch",
  truncate: "history_violation/log_truncated",
  "forge-checkpoint": "checkpoint_authentication_failed",
  fork: "history_violation/log_fork",
};

const measured = {}; // mode -> what the demo showed
let browser;
let screenshotTaken = false;

before(async () => {
  requireChromium();
  requireServerBinary();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  let rust = null;
  try {
    rust = JSON.parse(await readFile(RUST_RESULTS, "utf8"));
  } catch {
    rust = null;
  }
  const rows = Object.keys(EXPECTED).map((mode) => [mode, rust ? (rust[mode] ?? "not run") : "not run", measured[mode] ?? "not run"]);
  const head = ["mode", "Rust CLI", "JS demo"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => "| " + cells.map((c, i) => c.padEnd(widths[i])).join(" | ") + " |";
  const table = [line(head), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|", ...rows.map(line)].join("\n");
  process.stdout.write(`\nHostile modes (expected: ${rust ? "" : "Rust results not found at " + RUST_RESULTS + "; "}see EXPECTED in this file)\n${table}\n`);
});

/** One device: a browser context with the demo open, and the helpers the test uses. */
async function device(web, name) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (err) => pageErrors.push(String(err)));
  page.on("dialog", (d) => d.accept());
  const d = {
    name,
    context,
    page,
    pageErrors,
    view: () => page.locator("body").getAttribute("data-view"),
    async load() {
      await page.waitForSelector("body[data-ready='true']", { timeout: 30_000 });
      await d.settled();
    },
    async open() {
      await page.goto(web.url + PAGE);
      await d.load();
    },
    async settled() {
      await page.waitForFunction(() => !document.body.dataset.busy, null, { timeout: 60_000 });
    },
    errorText: async () => ((await page.locator("#error").isVisible()) ? await page.textContent("#error") : null),
    alarm: async () => ((await page.locator("#alarm").isVisible())
      ? { class: await page.getAttribute("#alarm", "data-class"), reason: await page.getAttribute("#alarm", "data-reason"), text: await page.textContent("#alarm") }
      : null),
    /** Waits for the action to end without an error or alarm. */
    async ok(what) {
      await d.settled();
      const err = await d.errorText();
      const alarm = await d.alarm();
      assert.equal(err, null, `${name}, ${what}: the page shows an error: ${err}`);
      assert.equal(alarm, null, `${name}, ${what}: the page shows an alarm: ${alarm?.text}`);
    },
    async user(u) {
      await page.fill("#user-name", u);
      await page.click("#user-btn");
      await d.ok(`open user ${u}`);
    },
    async create(password, kdfChoice) {
      await page.selectOption("#create-kdf", kdfChoice);
      await page.fill("#create-password", password);
      await page.fill("#create-confirm", password);
      await page.click("#create-btn");
      await d.ok("create");
      assert.equal(await d.view(), "unlocked");
    },
    async unlock(password) {
      await page.fill("#unlock-password", password);
      await page.click("#unlock-btn");
      await d.settled();
    },
    async add(text) {
      const before = await page.locator("#entries li").count();
      await page.fill("#entry-text", text);
      await page.click("#add-btn");
      await d.ok(`add "${text}"`);
      assert.equal(await page.locator("#entries li").count(), before + 1);
    },
    async changePassword(current, next, kdfChoice) {
      await page.selectOption("#change-auth", "password");
      await page.fill("#change-current", current);
      await page.fill("#new-password", next);
      await page.fill("#new-confirm", next);
      await page.selectOption("#change-kdf", kdfChoice);
      await page.click("#change-btn");
      await d.ok("change password");
    },
    async read() {
      await page.click("#refresh-btn");
      await d.settled();
    },
    entryTexts: () => page.locator("#entries li .entry-text").allTextContents(),
    generation: async () => Number((await page.textContent("#keyring-meta")).match(/generation (\d+)/)[1]),
  };
  await d.open();
  return d;
}

/** What the page shows of the alarm as "class/reason" (or the error, or that nothing showed). */
async function outcome(d) {
  const alarm = await d.alarm();
  if (alarm) return alarm.reason ? `${alarm.class}/${alarm.reason}` : alarm.class;
  const err = await d.errorText();
  return err ? `no alarm; error: ${err}` : `no alarm (view ${await d.view()}, ${(await d.entryTexts()).length} entries)`;
}

for (const [mode, expected] of Object.entries(EXPECTED)) {
  test(`demo against --hostile ${mode}: the alarm shows ${expected}`, { timeout: 180_000 }, async (t) => {
    const { db, cleanup } = await tempDb();
    let store = await startStorageServer({ db });
    const web = await startServer({ port: 0, api: store.url });
    const devices = [];
    try {
      // Honest setup.
      const a = await device(web, "A");
      devices.push(a);
      await a.user("alice");
      assert.equal(await a.view(), "new");
      await a.create(P1, "pbkdf2-1000");
      for (const text of ALICE_ENTRIES) await a.add(text);
      await a.changePassword(P1, P2, "pbkdf2-2000");
      assert.equal(await a.generation(), 1);
      await a.read();
      await a.ok("read");
      assert.deepEqual(await a.entryTexts(), ALICE_ENTRIES);
      const logId = (await a.page.textContent("#log-id")).trim();
      assert.match(logId, /^[0-9a-f]{32}$/);

      const b = await device(web, "B");
      devices.push(b);
      await b.user("alice");
      await b.unlock(P2);
      await b.ok("unlock on B");
      assert.ok(await b.page.locator("#log-setup").isVisible(), "B is asked for the log id");
      await b.page.fill("#log-id-input", logId);
      await b.page.click("#log-join-btn");
      await b.ok("open the log on B");
      assert.deepEqual(await b.entryTexts(), ALICE_ENTRIES);

      const bob = await device(web, "bob");
      devices.push(bob);
      await bob.user("bob");
      await bob.create(BOB_PASSWORD, "pbkdf2-1000");
      await bob.add(BOB_ENTRY);

      // Device A locks, except for fork, where A and B stay unlocked (sessions in IndexedDB).
      if (mode !== "fork") {
        await a.page.click("#lock-btn");
        await a.ok("lock");
      }

      // The server turns hostile, over the same database and on the same port.
      await store.stop();
      store = await startStorageServer({ db, listen: `127.0.0.1:${store.port}`, hostile: mode });

      if (mode === "fork") {
        // Both devices read the log (each gets its own history), then each appends to it.
        for (const d of [a, b]) {
          await d.page.reload();
          await d.load();
          assert.equal(await d.view(), "unlocked", `${d.name}: the session did not resume`);
          await d.ok("read after the restart");
        }
        await a.add(FORK_ENTRIES[0]);
        await b.add(FORK_ENTRIES[1]);
        await a.read();
      } else {
        await a.page.reload();
        await a.load();
        if (!(await a.alarm())) {
          assert.equal(await a.view(), "locked", `A: ${await outcome(a)}`);
          await a.unlock(P2);
        }
      }

      const got = await outcome(a);
      measured[mode] = got;
      t.diagnostic(`${mode}: ${got}`);
      const alarm = await a.alarm();
      assert.ok(alarm, `no alarm for ${mode}: ${got}`);
      assert.equal(got, expected, `${mode}: the demo reported ${got}`);
      assert.match(alarm.text, /The server .*: do not trust/);
      assert.ok(alarm.text.includes(expected), "the code is in the alarm's text");
      assert.equal(await a.page.locator("#entries li").count(), 0, "entries shown beside the alarm");
      const body = await a.page.locator("body").innerText();
      for (const text of ALL_TEXTS) assert.ok(!body.includes(text), `"${text}" is on the page beside the alarm`);
      assert.ok(await a.page.locator("#alarm[role='alert']").isVisible());
      if (!screenshotTaken) {
        await mkdir(RESULTS_DIR, { recursive: true });
        await a.page.screenshot({ path: path.join(RESULTS_DIR, `demo-alarm-${mode}.png`), fullPage: false });
        screenshotTaken = true;
      }
      for (const d of devices) assert.deepEqual(d.pageErrors, [], `uncaught errors on ${d.name}`);
    } catch (err) {
      measured[mode] ??= `test failed: ${String(err.message).split("\n")[0]}`;
      throw err;
    } finally {
      for (const d of devices) await d.context.close().catch(() => {});
      await web.close();
      await store.stop();
      await cleanup();
    }
  });
}
