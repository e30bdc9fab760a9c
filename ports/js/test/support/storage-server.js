// Starts and stops the reference storage server (server/, `strongroom-server`) for the demo
// tests: a temporary SQLite file per test, the address read from the first stdout line
// ("listening on http://IP:PORT"), SIGKILL to stop (the server loses no acknowledged write).
// (No side effects at import: `node --test test/` also runs this file as if it were a test.)
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, "..", "..", "..", "..");

// STRONGROOM_SERVER_BIN overrides the path.
export const SERVER_BIN = process.env.STRONGROOM_SERVER_BIN || path.join(REPO_ROOT, "target", "debug", "strongroom-server");

/** Throws a clear, actionable error when the server binary is missing. */
export function requireServerBinary() {
  if (!existsSync(SERVER_BIN)) {
    throw new Error(
      `strongroom-server not found at ${SERVER_BIN}. Build it first: (cd ${REPO_ROOT} && cargo build -p strongroom-server), ` +
        "or set STRONGROOM_SERVER_BIN to the binary.",
    );
  }
  return SERVER_BIN;
}

/** A fresh temporary directory for a database; {db, cleanup}. */
export async function tempDb() {
  const dir = await mkdtemp(path.join(tmpdir(), "strongroom-demo-"));
  return { db: path.join(dir, "store.sqlite3"), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Starts strongroom-server on `db` (listening on `listen`, default a free port) with an optional
 * hostile mode. Resolves to {url, port, stop(), output()} once it printed its address.
 */
export function startStorageServer({ db, listen = "127.0.0.1:0", hostile = null } = {}) {
  const bin = requireServerBinary();
  const args = ["--listen", listen, "--db", db, ...(hostile ? ["--hostile", hostile] : [])];
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`strongroom-server did not print its address within 20 s (${args.join(" ")}): ${err}`));
    }, 20_000);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`strongroom-server exited (${code ?? signal}) before listening: ${err}`));
    });
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/^listening on (http:\/\/[0-9.]+:(\d+))\s*$/m);
      if (!m) return;
      clearTimeout(timer);
      child.stdout.removeAllListeners("data");
      child.stdout.resume();
      resolve({
        url: m[1],
        port: Number(m[2]),
        hostile,
        output: () => err,
        /** SIGKILL, and wait for the exit. */
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
          await exited;
        },
      });
    });
  });
}
