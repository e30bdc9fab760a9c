// The install routes of the package, as a user takes them: `npm pack`, then `npm install` of the
// tarball into a fresh project (offline, with an empty npm cache: the package has no runtime
// dependencies), and from there
//   1. Node: import { Keyring } from "strongroom" (the "node" export, node:crypto), Argon2id;
//      strongroom/testing is not exported and not in the tarball;
//   2. a page: a script bundled by esbuild from the fresh project (the "default" export,
//      WebCrypto), Argon2id in headless Chromium;
//   3. the example extension built against the installed copy: Argon2id in its popup and in its
//      service worker;
// and `npm install <directory>` (npm links the directory), Argon2id in Node.
//
// Needs npm on PATH and /usr/bin/chromium (scripts/install-browser.sh). No network.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { createServer } from "node:http";
import { mkdtemp, rm, writeFile, readFile, lstat, realpath } from "node:fs/promises";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import path from "node:path";
import * as esbuild from "esbuild";
import { buildExtension } from "../extension/build.mjs";
import { launchChromium, requireChromium } from "./support/chromium.js";
import {
  launchWithExtension,
  openPopup,
  createInPopup,
  lockInPopup,
  unlockInPopup,
  stopServiceWorkers,
  reopenPopup,
  askWorker,
} from "./support/extension.js";

const run = promisify(execFile);
const JS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

let tmp; // everything below lives in here and is deleted at the end
let npmEnv;
let tarball;
let packed; // npm pack --json, first item
let fresh; // the project that installed the tarball
const timings = {};

async function timed(name, fn) {
  const started = Date.now();
  try {
    return await fn();
  } finally {
    timings[name] = Date.now() - started;
  }
}

/** npm, offline, with an empty cache of its own and no settings inherited from `npm run`. */
async function npm(args, cwd) {
  try {
    return await run(NPM, args, { cwd, env: npmEnv, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    throw new Error(`npm ${args.join(" ")} failed in ${cwd}:\n${err.stderr || err.message}`);
  }
}

async function freshProject(name) {
  const dir = path.join(tmp, name);
  await run("mkdir", ["-p", dir]);
  await npm(["init", "-y"], dir);
  await npm(["pkg", "set", "type=module"], dir);
  return dir;
}

async function node(script, cwd) {
  const file = path.join(cwd, "check.mjs");
  await writeFile(file, script);
  const { stdout } = await run(process.execPath, [file], { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
  return JSON.parse(stdout.trim().split("\n").at(-1));
}

// Run from the fresh project by `node check.mjs`: create an Argon2id keyring, seal, unlock from
// the text form, open; a relaxed policy for tiny parameters; strongroom/testing must not load.
const NODE_CHECK = `
import { Keyring, SealedRecord, UnlockPolicy, DEFAULT_ARGON2ID } from "strongroom";
import { createRequire } from "node:module";
const out = {};
const pw = "a password for the install test";
// The default policy's Argon2id floor: 19,456 KiB, t = 2 (p = 1).
const kdf = { id: 2, memoryKib: 19456, timeCost: 2, parallelism: 1 };
const created = await Keyring.create(pw, { label: "node", kdf });
const record = await created.seal("hello from node", "ctx/1");
const unlocked = await Keyring.fromText(created.keyring.toText()).unlock(pw);
out.opened = new TextDecoder().decode(await unlocked.open(SealedRecord.fromText(record.toText()), "ctx/1"));
out.kdf = Keyring.fromText(created.keyring.toText()).slots[0].kdf;
// Tiny parameters, within an explicit relaxed policy (tests and migrations only).
const relaxed = new UnlockPolicy({
  pbkdf2Iterations: [1, 10000000], argon2MemoryKib: [8, 1048576], argon2TimeCost: [1, 16], argon2Parallelism: [1, 16],
  maxUnlockWork: 16777216,
});
const tiny = await Keyring.create(pw, { kdf: { id: 2, memoryKib: 64, timeCost: 1, parallelism: 1 }, policy: relaxed });
await tiny.keyring.unlock(pw, relaxed);
try { await tiny.keyring.unlock(pw); out.tinyDefault = "unlocked"; } catch (e) { out.tinyDefault = e.class; }
try { await Keyring.fromText(created.keyring.toText()).unlock("wrong"); out.wrong = "unlocked"; } catch (e) { out.wrong = e.class; }
out.defaultArgon2id = DEFAULT_ARGON2ID;
for (const spec of ["strongroom/testing", "strongroom/src/testing.js", "strongroom/src/keyring.js"]) {
  try { await import(spec); out[spec] = "loaded"; } catch (e) { out[spec] = e.code; }
}
out.entry = createRequire(import.meta.url).resolve("strongroom/package.json");
console.log(JSON.stringify(out));
`;

function checkNodeResult(r) {
  assert.equal(r.opened, "hello from node");
  assert.deepEqual(r.kdf, { id: 2, memoryKib: 19456, timeCost: 2, parallelism: 1 });
  assert.equal(r.tinyDefault, "out_of_policy", "tiny Argon2id is refused by the default policy");
  assert.equal(r.wrong, "unlock_failed");
  assert.deepEqual(r.defaultArgon2id, { id: 2, memoryKib: 65536, timeCost: 3, parallelism: 4 });
  assert.equal(r["strongroom/testing"], "ERR_PACKAGE_PATH_NOT_EXPORTED");
  assert.equal(r["strongroom/src/testing.js"], "ERR_PACKAGE_PATH_NOT_EXPORTED");
  assert.equal(r["strongroom/src/keyring.js"], "ERR_PACKAGE_PATH_NOT_EXPORTED");
}

before(async () => {
  requireChromium();
  tmp = await mkdtemp(path.join(tmpdir(), "strongroom-install-"));
  npmEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  Object.assign(npmEnv, {
    npm_config_cache: path.join(tmp, "npm-cache"),
    npm_config_offline: "true",
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
    npm_config_loglevel: "error",
  });
  const { stdout } = await timed("npm pack", () => npm(["pack", "--json", "--pack-destination", tmp], JS_DIR));
  packed = JSON.parse(stdout)[0];
  tarball = path.join(tmp, packed.filename);
  fresh = await freshProject("fresh");
  await timed("npm install <tarball>", () => npm(["install", tarball], fresh));
});

after(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
  console.log(`timings (ms): ${JSON.stringify(timings)}`);
});

test("the tarball: src/ with the vendored Argon2id; no tests, no testing.js, no extension", () => {
  const files = packed.files.map((f) => f.path);
  for (const f of ["package.json", "src/index.js", "src/node.js", "src/storage.js", "src/vendor/argon2id.js", "src/index.d.ts", "src/storage.d.ts"]) {
    assert.ok(files.includes(f), `${f} is packed`);
  }
  const unwanted = files.filter((f) => /(^|\/)test(s)?\//.test(f) || /testing\.(js|d\.ts)$/.test(f) || f.startsWith("extension/") || f.startsWith("node_modules/"));
  assert.deepEqual(unwanted, []);
  assert.equal(packed.name, "strongroom");
  console.log(`packed ${packed.filename}: ${files.length} files, ${packed.size} bytes`);
});

test("installed tarball: Node imports strongroom and runs Argon2id", { timeout: 60_000 }, async () => {
  const pkg = JSON.parse(await readFile(path.join(fresh, "package.json"), "utf8"));
  assert.match(pkg.dependencies.strongroom, /^file:.*\.tgz$/);
  const installed = path.join(fresh, "node_modules", "strongroom");
  assert.equal((await lstat(installed)).isSymbolicLink(), false, "a tarball install is a copy");
  const r = await timed("node check (tarball)", () => node(NODE_CHECK, fresh));
  checkNodeResult(r);
  assert.equal(r.entry, path.join(installed, "package.json"));
});

test("installed tarball: a page bundled with esbuild runs Argon2id in Chromium", { timeout: 120_000 }, async () => {
  const pageDir = path.join(fresh, "web");
  await run("mkdir", ["-p", pageDir]);
  await writeFile(
    path.join(pageDir, "page.js"),
    `import { Keyring, SealedRecord } from "strongroom";
import { saveSession, loadSession, clearSession } from "strongroom/storage";
window.check = async () => {
  const pw = "a password for the page";
  const t0 = performance.now();
  const created = await Keyring.create(pw, { kdf: { id: 2 } });
  const createMs = performance.now() - t0;
  const record = await created.seal("hello from the page", "page/1");
  const keyring = Keyring.fromText(created.keyring.toText());
  const t1 = performance.now();
  const unlocked = await keyring.unlock(pw);
  const unlockMs = performance.now() - t1;
  await saveSession("install-test", unlocked, { maxAgeMs: 60000 });
  const resumed = await loadSession("install-test", keyring);
  await clearSession("install-test");
  const text = new TextDecoder().decode(await resumed.open(SealedRecord.fromText(record.toText()), "page/1"));
  return { text, kdf: keyring.slots[0].kdf, createMs, unlockMs };
};
`,
  );
  const result = await timed("esbuild page", () =>
    esbuild.build({
      entryPoints: [path.join(pageDir, "page.js")],
      absWorkingDir: fresh,
      outfile: path.join(pageDir, "bundle.js"),
      bundle: true,
      format: "iife",
      platform: "browser",
      metafile: true,
      logLevel: "silent",
    }),
  );
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(inputs.includes("node_modules/strongroom/src/index.js"), inputs.join("\n"));
  assert.ok(inputs.includes("node_modules/strongroom/src/vendor/argon2id.js"));
  assert.ok(!inputs.some((p) => /src\/(node|backend\/node)\.js$/.test(p)), "no Node entry in a browser bundle");
  assert.ok(inputs.every((p) => !p.includes("..")), "everything comes from the fresh project");

  const bundle = await readFile(path.join(pageDir, "bundle.js"));
  const html = '<!doctype html><meta charset="utf-8"><title>install test</title><script src="bundle.js"></script>';
  const server = createServer((req, res) => {
    const p = new URL(req.url, "http://127.0.0.1").pathname;
    if (p === "/") res.writeHead(200, { "content-type": "text/html" }).end(html);
    else if (p === "/bundle.js") res.writeHead(200, { "content-type": "text/javascript" }).end(bundle);
    else res.writeHead(404).end();
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    const r = await timed("page check (Argon2id x2)", () => page.evaluate(() => window.check()));
    assert.deepEqual(errors, []);
    assert.equal(r.text, "hello from the page");
    assert.deepEqual(r.kdf, { id: 2, memoryKib: 65536, timeCost: 3, parallelism: 4 });
    console.log(`page: Argon2id (64 MiB, t=3, p=4) create ${r.createMs.toFixed(0)} ms, unlock ${r.unlockMs.toFixed(0)} ms`);
  } finally {
    await browser.close();
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
  }
});

test("installed tarball: the extension built against it runs Argon2id in the popup and the service worker", { timeout: 180_000 }, async () => {
  const outdir = path.join(tmp, "extension-from-tarball");
  const built = await timed("build extension", () => buildExtension({ strongroom: fresh, outdir, quiet: true }));
  const installed = await realpath(path.join(fresh, "node_modules", "strongroom"));
  assert.equal(built.strongroom.dir, path.join(fresh, "node_modules", "strongroom"));
  const libInputs = built.inputs.filter((p) => !p.startsWith(path.join(JS_DIR, "extension") + path.sep));
  assert.ok(libInputs.length > 10);
  for (const p of libInputs) assert.ok(p.startsWith(installed + path.sep), `${p} is not from the installed copy`);

  const browser = await launchWithExtension(outdir);
  try {
    const popup = await openPopup(browser.context, browser.extensionId);
    const password = "installed extension password";
    let s = await timed("extension create (popup)", () => createInPopup(popup, password));
    assert.equal(s.error, null, s.error);
    assert.equal(s.state, "unlocked");
    assert.equal(s.lastKdf.where, "popup");
    assert.equal(s.lastKdf.kdf.id, 2);
    await popup.fill("#append-text", "an entry");
    await popup.click("#append-button");
    await popup.waitForFunction(() => document.querySelectorAll("#entries li").length === 1);
    s = await lockInPopup(popup);
    assert.equal(s.state, "locked");
    s = await timed("extension unlock (service worker)", () => unlockInPopup(popup, password));
    assert.equal(s.error, null, s.error);
    assert.equal(s.state, "unlocked");
    assert.equal(s.lastKdf.where, "service worker");
    assert.equal(s.lastKdf.kdf.id, 2);
    assert.deepEqual(s.entries.map((e) => e.text), ["an entry"]);
    await stopServiceWorkers(browser.context, popup);
    s = await reopenPopup(popup);
    assert.deepEqual(s.entries.map((e) => e.text), ["an entry"], "resumed after a restart of the worker");
    assert.equal((await askWorker(popup, { type: "status" })).via, "session");
  } finally {
    await browser.close();
  }
});

test("npm install <directory>: a link to the package; Argon2id works from it in Node", { timeout: 60_000 }, async () => {
  const linked = await freshProject("linked");
  await timed("npm install <dir>", () => npm(["install", JS_DIR], linked));
  const dep = path.join(linked, "node_modules", "strongroom");
  assert.equal((await lstat(dep)).isSymbolicLink(), true, "npm links a directory dependency");
  assert.equal(await realpath(dep), await realpath(JS_DIR));
  const r = await timed("node check (directory)", () => node(NODE_CHECK, linked));
  checkNodeResult(r);
});
