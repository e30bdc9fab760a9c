#!/usr/bin/env node
// Conformance adapter for strongroom-js: speaks the JSON-lines protocol of CONFORMANCE.md on
// stdin/stdout so that `strongroom conformance --impl 'node ports/js/bin/adapter.js'` can run
// every vector against this port. All Strongroom logic lives in conformance/ops.js (shared with
// the Node and browser vector tests); this file is only transport.
//
// Protocol duties (CONFORMANCE.md sections 1-4):
// - one answer line per request, in request order, echoing `id`;
// - stdout carries answers only (logs go to stderr, which the runner shows after a crash);
// - each answer is flushed before the next request is processed;
// - exit when stdin ends.

import { readFileSync } from "node:fs";
import { runVectorOperation, OPERATIONS } from "../conformance/ops.js";
import { useBackend, backendName } from "../src/testing.js";

// `--backend webcrypto` runs the browsers' backend under Node; the default is node:crypto, what
// `import "strongroom"` gives a Node application.
const backendArg = process.argv.indexOf("--backend");
await useBackend(backendArg > 0 ? process.argv[backendArg + 1] : "node");

const PROTOCOL = 1;

// The implementation name reported by `hello` carries the package version so a report says
// which build of the port it judged.
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const IMPLEMENTATION = `strongroom-js ${pkg.version} (Node ${process.versions.node}, ${backendName()} backend)`;

const log = (...parts) => process.stderr.write(`adapter: ${parts.join(" ")}\n`);

// A crash must be visible to the runner as a closed stdout (it restarts the adapter and shows
// stderr), never as a silently missing answer while the process lingers.
process.on("uncaughtException", (e) => {
  log("uncaught exception:", e?.stack ?? String(e));
  process.exit(3);
});
process.on("unhandledRejection", (e) => {
  log("unhandled rejection:", e?.stack ?? String(e));
  process.exit(3);
});

/** Writes one answer line and resolves once Node has handed it to the pipe (the "flush"). */
function send(answer) {
  return new Promise((resolve, reject) => {
    process.stdout.write(JSON.stringify(answer) + "\n", (err) => (err ? reject(err) : resolve()));
  });
}

/** Answers one request line. Never throws: every failure becomes a protocol answer. */
async function answer(line) {
  let req;
  try {
    req = JSON.parse(line);
  } catch (e) {
    // Without a parsed id the runner cannot match this answer; it treats the mismatch as a
    // stream out of step and restarts us, which is the right outcome for a broken request.
    return { id: null, result: "protocol_error", message: `request is not JSON: ${e.message}` };
  }
  if (req === null || typeof req !== "object" || Array.isArray(req)) {
    return { id: null, result: "protocol_error", message: "request is not a JSON object" };
  }
  const id = req.id;
  const op = req.op;
  if (op === "hello") {
    return {
      id,
      result: "success",
      output: { implementation: IMPLEMENTATION, protocol: PROTOCOL, operations: ["hello", ...OPERATIONS] },
    };
  }
  // An operation this port does not know (e.g. vectors newer than the port) is skipped by the
  // runner, as CONFORMANCE.md section 9 asks.
  if (typeof op !== "string" || !OPERATIONS.includes(op)) {
    return { id, result: "unsupported" };
  }
  try {
    const res = await runVectorOperation(op, req.args ?? {});
    return { id, ...res };
  } catch (e) {
    // ops.js turns every library error into an `error` answer itself; anything thrown out of it
    // is a bug in the harness, so report it as such rather than guess an error class.
    log(`${id}: ops.js threw:`, e?.stack ?? String(e));
    return { id, result: "protocol_error", message: `ops.js threw: ${e?.name ?? "Error"}: ${e?.message ?? e}` };
  }
}

// Requests are buffered as they arrive and handled strictly one after another: the runner
// sends the next request only after our answer, but a replayed file (or a careless runner) may
// deliver many lines in one chunk, and async operations must not overlap or reorder.
const queue = [];
let pending = "";
let ended = false;
let busy = false;

async function drain() {
  if (busy) return;
  busy = true;
  try {
    while (queue.length > 0) {
      const line = queue.shift();
      if (line.trim() === "") continue; // blank lines are not requests; answering would desync
      await send(await answer(line));
    }
  } catch (e) {
    // stdout is gone (runner killed or closed the pipe): nothing more can be answered.
    log("cannot write answer:", e?.message ?? String(e));
    process.exit(3);
  }
  busy = false;
  if (ended) process.exit(0);
}

process.stdin.setEncoding("utf8"); // decodes UTF-8 sequences split across chunks correctly
process.stdin.on("data", (chunk) => {
  pending += chunk;
  let nl;
  while ((nl = pending.indexOf("\n")) >= 0) {
    queue.push(pending.slice(0, nl).replace(/\r$/, ""));
    pending = pending.slice(nl + 1);
  }
  drain();
});
process.stdin.on("end", () => {
  // A last request without a trailing newline is still a request.
  if (pending.trim() !== "") queue.push(pending);
  pending = "";
  ended = true;
  drain();
});
