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

test("--api forwards /v1/ requests: method, headers, body and status pass through", async () => {
  const { createServer } = await import("node:http");
  const seen = [];
  const upstream = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, client: req.headers["strongroom-client"], body: Buffer.concat(chunks).toString() });
      res.writeHead(409, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "conflict" }));
    });
  });
  await new Promise((r) => upstream.listen(0, "127.0.0.1", r));
  const api = `http://127.0.0.1:${upstream.address().port}`;
  const proxied = await startServer({ port: 0, api });
  try {
    const res = await fetch(`${proxied.url}/v1/users/alice/keyring?x=1`, {
      method: "PUT",
      headers: { "content-type": "application/json", "strongroom-client": "device-1" },
      body: JSON.stringify({ keyring: "srk1.x", expected_generation: null }),
    });
    assert.equal(res.status, 409);
    assert.deepEqual(await res.json(), { error: "conflict" });
    assert.deepEqual(seen, [{ method: "PUT", url: "/v1/users/alice/keyring?x=1", client: "device-1", body: '{"keyring":"srk1.x","expected_generation":null}' }]);
    // Static files are still served; without api, /v1/ is a 404 like any other path.
    assert.equal((await fetch(`${proxied.url}/ports/js/demo/style.css`)).status, 200);
    assert.equal((await get("/v1/users/alice/keyring")).status, 404);
  } finally {
    await proxied.close();
    await new Promise((r) => upstream.close(r));
  }
  // The storage server gone: 502 with a JSON error.
  const orphan = await startServer({ port: 0, api });
  try {
    const res = await fetch(`${orphan.url}/v1/users/alice/keyring`);
    assert.equal(res.status, 502);
    assert.equal((await res.json()).error, "bad_gateway");
  } finally {
    await orphan.close();
  }
});
