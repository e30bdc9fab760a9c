// The static test server (test/server.js): serves only the allowlisted directories, with the
// MIME types browsers insist on for modules and wasm, and refuses traversal in any spelling.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { startServer, DEMO_PATH } from "./server.js";

let server;
before(async () => {
  server = await startServer({ port: 0 });
});
after(() => server.close());

/** Raw GET (no URL normalisation by the client, unlike fetch). */
function get(rawPath, method = "GET") {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: rawPath, method }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("serves the allowlisted files with their MIME types", async () => {
  const cases = [
    ["/ports/js/src/index.js", "text/javascript"],
    ["/ports/js/conformance/run-vectors.js", "text/javascript"],
    ["/ports/js/test/browser/vectors.html", "text/html"],
    ["/ports/js/demo/style.css", "text/css"],
    ["/ports/js/src/vendor/argon2id.js", "text/javascript"],
    ["/vectors/kdf.json", "application/json"],
  ];
  for (const [p, type] of cases) {
    const res = await get(p);
    assert.equal(res.status, 200, p);
    assert.ok(res.headers["content-type"].startsWith(type), `${p}: ${res.headers["content-type"]}`);
    assert.ok(res.body.length > 0, p);
  }
  assert.equal((await get("/")).status, 302);
  assert.equal((await get("/ports/js/demo/")).headers.location, DEMO_PATH);
});

test("refuses everything else, traversal included", async () => {
  const refused = [
    "/SPEC.md",
    "/ports/js/package.json",
    "/ports/js/node_modules/playwright-core/package.json",
    "/vectors/../SPEC.md",
    "/vectors/%2e%2e/SPEC.md",
    "/vectors/..%2fSPEC.md",
    "/vectors/%2e%2e%2fSPEC.md",
    "/vectors/..%5cSPEC.md",
    "/ports/js/src/../../../SPEC.md",
    "/ports/js/src/%00index.js",
    "/vectors/%zz",
    "/vectors/",
    "/vectors/deviations",
    "/.git/config",
  ];
  for (const p of refused) assert.equal((await get(p)).status, 404, p);
  assert.equal((await get("/vectors/kdf.json", "POST")).status, 405);
});
