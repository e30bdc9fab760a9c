#!/usr/bin/env node
// Runs bench/bench.html (the same core.js as bench.js) in headless Chromium through
// playwright-core and prints the table.
//
//   node bench/browser.js            # full run
//   node bench/browser.js --quick    # one sample of each (smoke test)
//   node bench/browser.js --json FILE
//
// Pages come from the test server (test/server.js), which serves the library and the
// vectors but not bench/; this runner serves bench/ files itself through page.route, so the
// server's allowlist stays as it is. Chromium: test/support/chromium.js (STRONGROOM_CHROMIUM,
// default /usr/bin/chromium, the shared flags).
import { readFile, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startServer } from "../test/server.js";
import { launchChromium } from "../test/support/chromium.js";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const TIMEOUT_MS = 10 * 60_000;

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const jsonIdx = args.indexOf("--json");
const jsonFile = jsonIdx >= 0 ? args[jsonIdx + 1] : null;
if (args.some((a, i) => !["--quick", "--json"].includes(a) && !(jsonIdx >= 0 && i === jsonIdx + 1)) || (jsonIdx >= 0 && !jsonFile)) {
  console.error("usage: node bench/browser.js [--quick] [--json FILE]");
  process.exit(2);
}

const server = await startServer({ port: 0 });
let browser;
let failed = false;
try {
  browser = await launchChromium();
  const env = {
    engine: `Chromium ${browser.version()} (headless, playwright-core)`,
    loadBefore: loadavg().map((x) => x.toFixed(2)).join(" "),
    started: new Date().toISOString(),
  };
  console.log(`strongroom-js benchmarks, ${env.engine}`);
  console.log(`load average before: ${env.loadBefore}; ${env.started}`);
  const page = await browser.newPage();
  page.on("console", (msg) => process.stderr.write(`  [chromium] ${msg.text()}\n`));
  page.on("pageerror", (err) => process.stderr.write(`  [chromium error] ${err}\n`));
  // Serve bench/*.{html,js} from disk; only names directly in bench/, nothing above it.
  await page.route(`${server.url}/ports/js/bench/*`, async (route) => {
    const name = new URL(route.request().url()).pathname.split("/").pop();
    const type = { ".html": "text/html", ".js": "text/javascript" }[path.extname(name)];
    if (!type || name.includes("..")) return route.fulfill({ status: 404, body: "not found\n" });
    try {
      const body = await readFile(path.join(BENCH_DIR, name));
      return route.fulfill({ status: 200, body, contentType: `${type}; charset=utf-8` });
    } catch {
      return route.fulfill({ status: 404, body: "not found\n" });
    }
  });
  await page.goto(`${server.url}/ports/js/bench/bench.html${quick ? "?quick=1" : ""}`);
  await page.waitForFunction(() => window.__bench !== undefined, null, { timeout: TIMEOUT_MS, polling: 250 });
  const res = await page.evaluate(() => window.__bench);
  if (!res.ok) throw new Error(`benchmark page failed: ${res.error}`);
  env.userAgent = res.userAgent;
  env.loadAfter = loadavg().map((x) => x.toFixed(2)).join(" ");
  console.log(res.table);
  console.log(`load average after: ${env.loadAfter}`);
  if (jsonFile) {
    const { table: _t, ok: _o, userAgent: _u, ...rest } = res;
    await writeFile(jsonFile, JSON.stringify({ env, ...rest }, null, 2) + "\n");
  }
} catch (err) {
  failed = true;
  console.error(err?.stack ?? String(err));
} finally {
  // Close through Playwright and the server handle; nothing is killed by name.
  await browser?.close();
  await server.close();
}
process.exit(failed ? 1 : 0);
