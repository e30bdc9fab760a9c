// Runs every conformance vector (../../vectors/*.json) through conformance/run-vectors.js in Node,
// once on each backend (node:crypto, what `import "strongroom"` gives in Node, and WebCrypto, what
// browsers run), prints the counts per file and per outcome, and fails on any failure. The same runner runs in
// Chromium (test/browser.test.js). The Slow vector (1,000,000 accumulated seals) is skipped unless
// STRONGROOM_SLOW=1.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { runAllVectors } from "../conformance/run-vectors.js";
import { useBackend, backendName } from "../src/testing.js";

const VECTORS_DIR = fileURLToPath(new URL("../../../vectors/", import.meta.url));
const loadFile = async (name) => JSON.parse(await readFile(path.join(VECTORS_DIR, name), "utf8"));

for (const backend of ["node", "webcrypto"]) {
test(`every conformance vector passes (${backend} backend)`, { timeout: 30 * 60_000 }, async () => {
  await useBackend(backend);
  assert.equal(backendName(), backend);
  const started = Date.now();
  const summary = await runAllVectors({ loadFile, log: () => {}, slow: process.env.STRONGROOM_SLOW === "1" });
  const lines = ["file            pass   fail   skip"];
  const tot = { pass: 0, fail: 0, skip: 0 };
  for (const [name, c] of Object.entries(summary.files)) {
    lines.push(`${name.padEnd(14)} ${String(c.pass).padStart(5)}  ${String(c.fail).padStart(5)}  ${String(c.skip).padStart(5)}`);
    for (const k of Object.keys(tot)) tot[k] += c[k];
  }
  lines.push(`${"total".padEnd(14)} ${String(tot.pass).padStart(5)}  ${String(tot.fail).padStart(5)}  ${String(tot.skip).padStart(5)}`);
  for (const s of summary.skipped) lines.push(`skipped ${s.id}: ${s.reason}`);
  for (const f of summary.failures.slice(0, 50)) lines.push(`FAIL ${f.id} (${f.op}): ${f.message}`);
  lines.push(`${backend} backend: ${summary.total} vectors in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(lines.join("\n"));
  assert.equal(summary.failures.length, 0, `${summary.failures.length} vector(s) failed`);
  assert.ok(tot.pass > 5000, "suspiciously few vectors ran");
  // Only deprecated and Slow vectors may be skipped.
  for (const s of summary.skipped) assert.match(s.reason, /^(deprecated|flag Slow)/);
});
}

// The runner must not be lenient: a wrong expectation, an unknown operation or schema_version, a
// wrong DEK, an unconsumed scripted draw and a scripted draw of the wrong size all fail.
test("the runner catches what it must catch", async () => {
  const keyring = JSON.parse(await readFile(path.join(VECTORS_DIR, "keyring.json"), "utf8"));
  const byId = Object.fromEntries(keyring.vectors.map((v) => [v.id, v]));
  const create = structuredClone(byId["keyring-008"]);
  const wrongDek = structuredClone(create);
  wrongDek.id = "x-wrong-dek";
  wrongDek.output.dek = "00".repeat(32);
  const extraDraw = structuredClone(create);
  extraDraw.id = "x-extra-draw";
  extraDraw.inputs.random.push({ name: "extra", hex: "00" });
  extraDraw.output = {};
  const wrongSize = structuredClone(create);
  wrongSize.id = "x-wrong-size";
  wrongSize.inputs.random[0].hex = "00";
  const wrongClass = structuredClone(byId["keyring-012"]);
  wrongClass.id = "x-wrong-reason";
  wrongClass.expected.reason = "empty_password";
  const unknownOp = { id: "x-unknown-op", operation: "frobnicate", inputs: {}, expected: { result: "success" } };
  const files = {
    "good.json": { schema_version: 1, vectors: [wrongDek, extraDraw, wrongSize, wrongClass, unknownOp] },
    "future.json": { schema_version: 2, vectors: [] },
  };
  const summary = await runAllVectors({ loadFile: async (n) => files[n], files: Object.keys(files) });
  const failed = summary.failures.map((f) => f.id).sort();
  assert.deepEqual(failed, ["future:schema_version", "x-extra-draw", "x-unknown-op", "x-wrong-dek", "x-wrong-reason", "x-wrong-size"]);
  assert.equal(summary.files.good.pass, 0);
});
