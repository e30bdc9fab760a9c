// Shared by test/extension.test.js and test/install.test.js: load the example extension
// (ports/js/extension) into headless Chromium and drive its popup, its service worker and a page
// on 127.0.0.1 that appends through its content script.
// (No side effects at import: `node --test test/` also runs this file as if it were a test.)
import { createServer } from "node:http";
import { mkdir, mkdtemp, rm, readdir, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { CHROMIUM_PATH, CHROMIUM_ARGS, requireChromium } from "./chromium.js";

/**
 * Launches Chromium with the unpacked extension in `extDir`, in a fresh profile (a persistent
 * context: Chromium loads extensions only into one). Returns {context, extensionId, userDataDir,
 * close}; close() closes the browser through its handle and deletes the profile.
 *
 * Chromium's plain --headless is the new headless mode (the old one is a separate binary,
 * chrome-headless-shell, since Chrome 132) and loads extensions. Playwright adds
 * --disable-extensions to its default arguments; --disable-extensions-except and
 * --load-extension override it for this one extension, and ignoring the default as well makes
 * that independent of the flags' order.
 */
export async function launchWithExtension(extDir) {
  requireChromium();
  const { chromium } = await import("playwright-core");
  const userDataDir = await mkdtemp(path.join(tmpdir(), "strongroom-ext-profile-"));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS, `--disable-extensions-except=${extDir}`, `--load-extension=${extDir}`],
      ignoreDefaultArgs: ["--disable-extensions"],
      viewport: { width: 800, height: 600 },
      timeout: 60_000,
    });
    const worker = context.serviceWorkers().find(isExtensionWorker) ??
      (await context.waitForEvent("serviceworker", { predicate: isExtensionWorker, timeout: 30_000 }));
    const extensionId = new URL(worker.url()).host;
    return {
      context,
      extensionId,
      userDataDir,
      close: async () => {
        await context.close();
        await rm(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await context?.close().catch(() => {});
    await rm(userDataDir, { recursive: true, force: true });
    throw err;
  }
}

const isExtensionWorker = (w) => w.url().startsWith("chrome-extension://") && w.url().endsWith("/sw.js");

/**
 * Stops every service worker of the profile, the extension's included, as Chrome does after 30 s
 * of idleness: CDP ServiceWorker.stopAllWorkers, through a CDP session on any page (the
 * ServiceWorker domain must be enabled first, else "ServiceWorker domain not enabled").
 * Resolves once CDP reports every version of the extension's worker "stopped" (Playwright's
 * Worker "close" event comes late or not at all for a stopped extension worker).
 */
export async function stopServiceWorkers(context, page) {
  const cdp = await context.newCDPSession(page);
  const running = new Map(); // versionId -> runningStatus, of the extension's sw.js
  let wake;
  cdp.on("ServiceWorker.workerVersionUpdated", ({ versions }) => {
    for (const v of versions) {
      if (v.scriptURL.startsWith("chrome-extension://") && v.scriptURL.endsWith("/sw.js")) running.set(v.versionId, v.runningStatus);
    }
    wake?.();
  });
  const allStopped = () => running.size > 0 && [...running.values()].every((s) => s === "stopped");
  try {
    await cdp.send("ServiceWorker.enable"); // reports the current versions
    await cdp.send("ServiceWorker.stopAllWorkers");
    await withTimeout(
      (async () => {
        while (!allStopped()) await new Promise((r) => (wake = r));
      })(),
      10_000,
      "the service worker did not stop",
    );
  } finally {
    wake?.();
    await cdp.detach().catch(() => {});
  }
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms))),
  ]);
}

/** Opens the popup in a tab (chrome-extension://ID/popup.html) and waits for its first render. */
export async function openPopup(context, extensionId) {
  const page = await context.newPage();
  await page.setViewportSize({ width: 390, height: 520 });
  page.on("pageerror", (err) => console.error(`[popup] uncaught: ${err}`));
  await page.goto(`chrome-extension://${extensionId}/popup.html`);
  await page.waitForSelector("body[data-actions]", { timeout: 30_000 });
  return page;
}

/** Runs `fn` (which clicks something in the popup) and waits for that action to finish. */
export async function popupAction(page, fn, timeout = 120_000) {
  const before = Number(await page.evaluate(() => document.body.dataset.actions ?? 0));
  await fn();
  await page.waitForFunction((n) => Number(document.body.dataset.actions) > n, before, { timeout, polling: 50 });
  return popupState(page);
}

/** What the popup shows. */
export function popupState(page) {
  return page.evaluate(() => ({
    state: document.body.dataset.state,
    error: document.getElementById("error").hidden ? null : document.getElementById("error").textContent,
    errorCode: document.body.dataset.error ?? null,
    info: document.getElementById("info").textContent,
    entries: Array.from(document.querySelectorAll("#entries li"), (li) => ({
      n: li.value,
      text: li.textContent,
      failed: li.classList.contains("failed"),
    })),
    lastKdf: document.body.dataset.lastKdf ? JSON.parse(document.body.dataset.lastKdf) : null,
  }));
}

export async function createInPopup(page, password, repeat = password) {
  return popupAction(page, async () => {
    await page.fill("#create-password", password);
    await page.fill("#create-password2", repeat);
    await page.click("#create-button");
  });
}

export async function unlockInPopup(page, password) {
  return popupAction(page, async () => {
    await page.fill("#unlock-password", password);
    await page.click("#unlock-button");
  });
}

export async function lockInPopup(page) {
  return popupAction(page, () => page.click("#lock-button"));
}

/** Reloads the popup (a fresh popup, as when the user opens it again). */
export async function reopenPopup(page) {
  await page.reload();
  await page.waitForSelector("body[data-actions]", { timeout: 30_000 });
  return popupState(page);
}

/** Sends a message to the service worker from an extension page, as the popup does. */
export function askWorker(page, message) {
  return page.evaluate((m) => chrome.runtime.sendMessage(m), message);
}

// A page of "the application": it appends to the log through the content script's
// window.postMessage protocol (extension/src/content.js).
const LOG_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A page that logs</title></head>
<body><h1>A page that logs</h1>
<script>
  const waiting = new Map();
  let nextId = 0;
  window.addEventListener("message", (event) => {
    if (event.source !== window || event.data?.type !== "strongroom-log-append-result") return;
    waiting.get(event.data.id)?.(event.data);
    waiting.delete(event.data.id);
  });
  window.appendToLog = (text) => new Promise((resolve) => {
    const id = ++nextId;
    waiting.set(id, resolve);
    window.postMessage({ type: "strongroom-log-append", text, id }, "*");
  });
</script></body></html>`;

/** Serves the log page at /log.html on 127.0.0.1 (a random port). */
export function startLogPageServer() {
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    if (url.pathname !== "/log.html") {
      res.writeHead(404, { "content-type": "text/plain" });
      return res.end("not found\n");
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(LOG_PAGE);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({
        port,
        url: `http://127.0.0.1:${port}/log.html`,
        close: () => new Promise((done) => { server.closeAllConnections?.(); server.close(() => done()); }),
      });
    });
  });
}

/** Opens the log page and waits for the extension's content script to be listening. */
export async function openLogPage(context, url) {
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForSelector('html[data-strongroom-log="ready"]', { state: "attached", timeout: 15_000 });
  return page;
}

/**
 * Evaluates `expression` (awaited, result by value) in the isolated world of the extension's
 * content script on `page`, found through CDP Runtime execution contexts: what a compromised or
 * curious content script could send to the service worker.
 */
export async function evaluateInContentScript(context, page, extensionId, expression) {
  const cdp = await context.newCDPSession(page);
  try {
    const contexts = [];
    cdp.on("Runtime.executionContextCreated", ({ context: c }) => contexts.push(c));
    await cdp.send("Runtime.enable"); // reports the existing contexts
    const world = contexts.find((c) => c.auxData?.type === "isolated" && c.origin === `chrome-extension://${extensionId}`) ??
      contexts.find((c) => c.auxData?.type === "isolated" && c.name === "Strongroom log");
    if (!world) throw new Error(`no content script world on ${page.url()}: ${JSON.stringify(contexts)}`);
    const { result, exceptionDetails } = await cdp.send("Runtime.evaluate", {
      expression,
      contextId: world.id,
      awaitPromise: true,
      returnByValue: true,
    });
    if (exceptionDetails) throw new Error(`in the content script: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    return result.value;
  } finally {
    await cdp.detach().catch(() => {});
  }
}

export function appendFromPage(page, text) {
  return page.evaluate((t) => window.appendToLog(t), text);
}

/**
 * Everything the extension keeps, read from an extension page: chrome.storage.local as it is,
 * and every entry of every IndexedDB database of the extension's origin, with each CryptoKey
 * described ({extractable, type, algorithm, usages}) and byte arrays as lengths.
 */
export function readExtensionStorage(page) {
  return page.evaluate(async () => {
    const local = await chrome.storage.local.get(null);
    const describe = (v) => {
      if (v instanceof CryptoKey) {
        return { cryptoKey: { extractable: v.extractable, type: v.type, algorithm: v.algorithm.name, usages: [...v.usages] } };
      }
      if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return { bytes: v.byteLength };
      if (Array.isArray(v)) return v.map(describe);
      if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, describe(x)]));
      return v;
    };
    const req = (r) => new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
    const idb = {};
    for (const { name } of await indexedDB.databases()) {
      const db = await req(indexedDB.open(name));
      idb[name] = {};
      for (const storeName of db.objectStoreNames) {
        const tx = db.transaction(storeName, "readonly");
        const store = tx.objectStore(storeName);
        const [keys, values] = await Promise.all([req(store.getAllKeys()), req(store.getAll())]);
        idb[name][storeName] = keys.map((k, i) => ({ key: String(k), value: describe(values[i]) }));
      }
      db.close();
    }
    return { local, idb };
  });
}

/** Every string inside a (JSON-like) value. */
export function allStrings(value, out = []) {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => allStrings(v, out));
  else if (value && typeof value === "object") Object.entries(value).forEach(([k, v]) => { out.push(k); allStrings(v, out); });
  return out;
}

/** Every CryptoKey description found by readExtensionStorage. */
export function allCryptoKeys(value, out = []) {
  if (Array.isArray(value)) value.forEach((v) => allCryptoKeys(v, out));
  else if (value && typeof value === "object") {
    if (value.cryptoKey) out.push(value.cryptoKey);
    else Object.values(value).forEach((v) => allCryptoKeys(v, out));
  }
  return out;
}

/**
 * Files of the profile directory whose bytes contain `needle` as UTF-8 or UTF-16LE (how
 * LevelDB, IndexedDB and Chromium's own stores would hold a string). Returns their paths.
 */
export async function filesContaining(dir, needle) {
  const forms = [Buffer.from(needle, "utf8"), Buffer.from(needle, "utf16le")];
  const hits = [];
  const walk = async (d) => {
    for (const entry of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) await walk(p);
      else if (entry.isFile()) {
        const info = await stat(p).catch(() => null);
        if (!info || info.size > 64 * 1024 * 1024) continue;
        const bytes = await readFile(p).catch(() => null);
        if (bytes && forms.some((f) => bytes.includes(f))) hits.push(p);
      }
    }
  };
  await walk(dir);
  return hits;
}

/**
 * Where the screenshots go: $STRONGROOM_SCREENSHOTS (created if needed, files overwritten), else
 * one fixed directory in the temp dir, emptied at each run so that runs do not pile up files, and
 * kept afterwards for a person to look at.
 */
export async function screenshotDir(name) {
  const chosen = process.env.STRONGROOM_SCREENSHOTS;
  const dir = chosen ? path.resolve(chosen) : path.join(tmpdir(), name);
  if (!chosen) await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  return dir;
}
