// The README's five-line example, extracted from README.md and run as written, so that the
// example a porter copies cannot drift from the API.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

test("README five-line example runs and opens the entry", async () => {
  const readme = await readFile(join(here, "..", "README.md"), "utf8");
  const m = readme.match(/## Five lines\n\n```js\n([\s\S]*?)```/);
  assert.ok(m, "README.md has a '## Five lines' section with a js block");
  const code = m[1];
  const lines = code.split("\n").filter((l) => l.trim());
  assert.equal(lines.length, 5, "the example is five lines, import included");
  // Resolve the bare specifier to this package's entry point, then export what the example made.
  const src = code.replace('from "strongroom"', `from ${JSON.stringify(pathToFileURL(join(here, "..", "src", "index.js")).href)}`)
    + "\nexport { entry };\n";
  const dir = await mkdtemp(join(tmpdir(), "strongroom-readme-"));
  try {
    const file = join(dir, "example.mjs");
    await writeFile(file, src);
    const { entry } = await import(pathToFileURL(file).href);
    assert.equal(entry, "2026-11-28 alice logged in");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
