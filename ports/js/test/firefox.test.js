// Runs the conformance vectors in headless Firefox ESR (Debian's firefox-esr, driven through
// puppeteer-core over WebDriver BiDi), the same page and the same checks as the Chromium run in
// test/browser.test.js.
//
// The vector run must have zero failures and run exactly as many vectors per file as the same
// runner does under Node in this process, so a browser that silently skips something (e.g.
// Argon2id when its WebAssembly module fails to load) shows up as a mismatch.
//
// Needs /usr/bin/firefox-esr (scripts/install-firefox.sh); fails at once with that hint otherwise.
// The browser runs with non-local connections disabled (test/support/firefox.js): an attempt to
// reach the network aborts it and fails the test.
// STRONGROOM_BROWSER_TIMEOUT_MS overrides the vector-run timeout (default 20 minutes).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { startServer, VECTORS_PAGE_PATH } from "./server.js";
import { collectFatalErrors, launchFirefox, requireFirefox } from "./support/firefox.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const VECTORS_DIR = path.resolve(here, "..", "..", "..", "vectors");
const RUN_TIMEOUT_MS = Number(process.env.STRONGROOM_BROWSER_TIMEOUT_MS) || 20 * 60_000;

let server;
let browser;
let fatalErrors = [];

before(async () => {
  requireFirefox(); // fail fast and clearly, before anything slow
  server = await startServer({ port: 0 });
  browser = await launchFirefox();
  fatalErrors = collectFatalErrors(browser);
});

after(async () => {
  // Close the browser through puppeteer (which ends the process it started) and the server
  // through its handle; nothing is killed by name or by process group.
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

/**
 * Waits until the page has set window.__result, polling from Node. (puppeteer's waitForFunction
 * would hold one protocol call open for the whole run, which its 180 s protocol timeout cuts off.)
 */
async function waitForResult(page, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await page.evaluate(() => window.__result !== undefined)) return;
    if (Date.now() > deadline) throw new Error(`no result from the page after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

test("conformance vectors pass in Firefox, same counts as Node", { timeout: RUN_TIMEOUT_MS * 2 }, async (t) => {
  const page = await browser.newPage();
  const pageErrors = [];
  // An uncaught error, a missing module or a browser that went away means window.__result may
  // never be set: fail at once with the cause rather than after the long timeout.
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
  // A browser that went away (e.g. aborted on a non-local connection) fails with its last words.
  const exited = async (fallback) => {
    await new Promise((r) => setTimeout(r, 200)); // let the stderr reader see the last lines
    return new Error(`Firefox exited during the run: ${fatalErrors.join("; ") || fallback}`);
  };
  browser.once("disconnected", async () => broken(await exited("no FATAL ERROR line on stderr")));
  // Forward the page's progress lines so a long run shows it is alive.
  page.on("console", (msg) => process.stdout.write(`[firefox] ${msg.text()}\n`));
  await page.goto(server.url + VECTORS_PAGE_PATH);
  const done = waitForResult(page, RUN_TIMEOUT_MS).catch(async (err) => {
    throw browser.connected ? err : await exited(err.message);
  });
  await Promise.race([done, brokenPage]);
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
  console.log(table(`Firefox (${result.userAgent}), ${result.seconds.toFixed(1)} s:`, browserCounts));
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
  assert.deepEqual(fatalErrors, [], "Firefox reported fatal errors (e.g. a non-local connection)");
});
