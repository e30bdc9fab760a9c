#!/usr/bin/env node
// Node benchmark of strongroom-js (see core.js for what is measured and how).
//
//   node bench/bench.js            # full run, about half a minute
//   node bench/bench.js --quick    # one sample of each (smoke test: the code still runs)
//   node bench/bench.js --json FILE
//
// The figures in BENCHMARKS.md ("JavaScript port") come from a full run at low machine load.
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { runBench, table, QUICK_OPTIONS } from "./core.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const jsonIdx = args.indexOf("--json");
const jsonFile = jsonIdx >= 0 ? args[jsonIdx + 1] : null;
if (args.some((a, i) => !["--quick", "--json"].includes(a) && !(jsonIdx >= 0 && i === jsonIdx + 1)) || (jsonIdx >= 0 && !jsonFile)) {
  console.error("usage: node bench/bench.js [--quick] [--json FILE]");
  process.exit(2);
}

const env = {
  engine: `Node ${process.version} (V8 ${process.versions.v8}, OpenSSL ${process.versions.openssl})`,
  cpu: `${cpus().length} x ${cpus()[0]?.model ?? "unknown"}`,
  loadBefore: loadavg().map((x) => x.toFixed(2)).join(" "),
  started: new Date().toISOString(),
};
console.log(`strongroom-js benchmarks, ${env.engine}`);
console.log(`${env.cpu}; load average before: ${env.loadBefore}; ${env.started}`);
const res = await runBench({ ...(quick ? QUICK_OPTIONS : {}), log: (l) => console.error(`  ${l}`) });
env.loadAfter = loadavg().map((x) => x.toFixed(2)).join(" ");
console.log(table(res));
console.log(`load average after: ${env.loadAfter}`);
if (jsonFile) writeFileSync(jsonFile, JSON.stringify({ env, ...res }, null, 2) + "\n");
