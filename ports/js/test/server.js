// Tiny static HTTP server for the browser tests and the demo (node:http only, no dependencies).
//
// URL paths mirror repository paths (e.g. /ports/js/src/index.js, /vectors/kdf.json), so the
// pages can use the same relative imports as the files on disk. Only a fixed allowlist of
// directories is served, read-only; everything else is 404. Listening on 127.0.0.1 keeps it off
// the network, and WebCrypto works there because localhost counts as a secure context.
//
// Usage:  node test/server.js [--port N] [--demo] [--api URL]
//   --demo  prints the demo URL (and serves "/" as a redirect to it).
//   --api   forwards every request under /v1/ to a storage server (server/PROTOCOL.md, e.g.
//           http://127.0.0.1:8420), so that the demo reaches it through same-origin paths: method,
//           headers (Strongroom-Client included), body and status pass through unchanged.
import { createServer, request as httpRequest } from "node:http";
import { readFile, stat, realpath } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";

const JS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const REPO_ROOT = path.resolve(JS_DIR, "..", "..");

// URL prefixes (with trailing slash) that may be served. Anything else, including the rest of the
// repository and all of node_modules (Argon2id is vendored in src/vendor/), stays private.
const ALLOWED = [
  "/ports/js/src/",
  "/ports/js/conformance/",
  "/ports/js/test/browser/",
  "/ports/js/demo/",
  "/vectors/",
];

const MIME = {
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
};

export const DEMO_PATH = "/ports/js/demo/index.html";
export const VECTORS_PAGE_PATH = "/ports/js/test/browser/vectors.html";

/** Maps a request URL path to a file inside the repository, or null if it is not servable. */
function resolvePath(urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null; // malformed percent-encoding
  }
  // Reject NUL and backslashes outright: neither appears in a legitimate path here, and a
  // backslash could act as a separator on Windows.
  if (decoded.includes("\0") || decoded.includes("\\")) return null;
  // Normalise with POSIX rules first so "/vectors/../SPEC.md" is judged as "/SPEC.md".
  const normal = path.posix.normalize(decoded);
  if (!ALLOWED.some((p) => normal.startsWith(p))) return null;
  if (normal.split("/").some((seg) => seg === "..")) return null;
  const file = path.resolve(REPO_ROOT, "." + normal);
  // Belt and braces: the resolved file must still be under the allowed directory.
  const allowedDir = path.resolve(REPO_ROOT, "." + ALLOWED.find((p) => normal.startsWith(p)));
  if (file !== allowedDir && !file.startsWith(allowedDir + path.sep)) return null;
  return { file, allowedDir };
}

/**
 * Forwards one request to the storage server at `api` (an http:// origin), streaming the body
 * both ways. A fresh connection per request (agent: false), so a storage server restarted on the
 * same port is reached again at once. 502 when it cannot be reached.
 */
function proxy(req, res, api) {
  const target = new URL(req.url, api);
  const headers = { ...req.headers, host: target.host };
  delete headers.connection;
  const upstream = httpRequest(
    { protocol: target.protocol, hostname: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers, agent: false },
    (answer) => {
      const out = { ...answer.headers };
      delete out.connection;
      delete out["keep-alive"];
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, out);
      answer.pipe(res);
      answer.on("error", () => res.destroy());
    },
  );
  upstream.on("error", (err) => {
    if (res.headersSent) return res.destroy();
    const body = JSON.stringify({ error: "bad_gateway", detail: `storage server ${api} unreachable: ${err.code || err.message}` });
    res.writeHead(502, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
  req.pipe(upstream);
}

async function handle(req, res, { demo, api }) {
  if (api && req.url.startsWith("/v1/")) return proxy(req, res, api);
  const send = (status, body, headers = {}) => {
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
    res.end(req.method === "HEAD" ? undefined : body);
  };
  if (req.method !== "GET" && req.method !== "HEAD") {
    return send(405, "method not allowed\n", { allow: "GET, HEAD" });
  }
  const urlPath = new URL(req.url, "http://localhost").pathname;
  if (urlPath === "/" || urlPath === "/ports/js/demo/" || urlPath === "/ports/js/demo") {
    return send(302, "", { location: demo || urlPath !== "/" ? DEMO_PATH : VECTORS_PAGE_PATH });
  }
  if (urlPath === "/favicon.ico") return send(204, "");
  const resolved = resolvePath(urlPath);
  if (!resolved) return send(404, "not found\n");
  const { file, allowedDir } = resolved;
  let info;
  try {
    info = await stat(file);
  } catch {
    return send(404, "not found\n");
  }
  if (!info.isFile()) return send(404, "not found\n"); // no directory listings
  // A symlink inside an allowed directory must not lead out of it.
  const real = await realpath(file).catch(() => null);
  const realDir = await realpath(allowedDir).catch(() => null);
  if (!real || !realDir || !real.startsWith(realDir + path.sep)) return send(404, "not found\n");
  const body = await readFile(file);
  const type = MIME[path.extname(file).toLowerCase()] ?? "application/octet-stream";
  // no-store: tests reload pages and must always see the files as they are on disk now.
  res.writeHead(200, {
    "content-type": type,
    "content-length": body.length,
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  res.end(req.method === "HEAD" ? undefined : body);
}

/**
 * Starts the server. port 0 (the default) picks a free port. `api`: the origin of a storage
 * server to which requests under /v1/ are forwarded (none: they are 404 like any other path).
 * @returns {Promise<{url: string, port: number, close: () => Promise<void>}>}
 *   url is the origin, e.g. "http://127.0.0.1:41234" (no trailing slash).
 */
export function startServer({ port = 0, demo = false, api = null } = {}) {
  if (api !== null && !/^http:\/\/[^/]+\/?$/.test(api)) throw new TypeError(`api must be an http:// origin, not ${api}`);
  const server = createServer((req, res) => {
    handle(req, res, { demo, api }).catch((err) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`internal error: ${err && err.message}\n`);
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const { port: actual } = server.address();
      resolve({
        url: `http://127.0.0.1:${actual}`,
        port: actual,
        close: () =>
          new Promise((done) => {
            // Browsers keep connections alive; drop them so close() does not wait on them.
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}

// CLI mode: `node test/server.js [--port N] [--demo]`. Not when `node --test test/` picks this
// file up as a test (it runs every .js under test/; NODE_TEST_CONTEXT is set in that child):
// a server that never exits would hang the whole test run.
const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain && !process.env.NODE_TEST_CONTEXT) {
  const args = process.argv.slice(2);
  const demo = args.includes("--demo");
  const portIdx = args.indexOf("--port");
  const port = portIdx >= 0 ? Number(args[portIdx + 1]) : demo ? 8080 : 0;
  const apiIdx = args.indexOf("--api");
  const api = apiIdx >= 0 ? args[apiIdx + 1] : null;
  if (!Number.isInteger(port) || port < 0 || port > 65535 || (apiIdx >= 0 && !/^http:\/\/[^/]+\/?$/.test(api ?? ""))) {
    console.error("usage: node test/server.js [--port N] [--demo] [--api http://HOST:PORT]");
    process.exit(2);
  }
  const start = (p) =>
    startServer({ port: p, demo, api }).catch((err) => {
      // The demo's fixed port may be taken; fall back to a random one rather than failing.
      if (err.code === "EADDRINUSE" && p !== 0 && portIdx < 0) return start(0);
      throw err;
    });
  const srv = await start(port);
  if (demo) {
    console.log(`Strongroom demo: ${srv.url}${DEMO_PATH}`);
    if (api) console.log(`Storage server: ${api} (requests under /v1/ are forwarded)`);
    else console.log("No --api: the demo needs a storage server (see README.md, Demo).");
  } else {
    console.log(`Serving ports/js and vectors at ${srv.url}/`);
    console.log(`Browser vectors: ${srv.url}${VECTORS_PAGE_PATH}`);
  }
  console.log("Ctrl-C to stop.");
  const stop = () => srv.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
