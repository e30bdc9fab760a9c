#!/usr/bin/env node
// Node benchmark of strongroom-js (see core.js for what is measured and how).
//
//   node bench/bench.js                      # full run on the node:crypto backend (what Node gets)
//   node bench/bench.js --backend webcrypto  # the same on Node's WebCrypto
//   node bench/bench.js --quick              # one sample of each (smoke test: the code still runs)
//   node bench/bench.js --json FILE
//
// The figures in BENCHMARKS.md ("JavaScript port") come from a full run at low machine load.
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { runBench, table, QUICK_OPTIONS, webCryptoBareGcm } from "./core.js";
import { useBackend, backendName } from "../src/testing.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const valueOf = (flag) => (args.indexOf(flag) >= 0 ? args[args.indexOf(flag) + 1] : null);
const jsonFile = valueOf("--json");
const backend = valueOf("--backend") ?? "node";
const known = new Set(["--quick", "--json", jsonFile, "--backend", backend]);
if (args.some((a) => !known.has(a)) || (args.includes("--json") && !jsonFile) || !["node", "webcrypto"].includes(backend)) {
  console.error("usage: node bench/bench.js [--backend node|webcrypto] [--quick] [--json FILE]");
  process.exit(2);
}
await useBackend(backend);

/** node:crypto's bare AES-256-GCM, the floor of the node backend. */
async function nodeBareGcm() {
  const key = randomBytes(32);
  return {
    name: "node:crypto",
    encrypt: (iv, aad, pt) => {
      const c = createCipheriv("aes-256-gcm", key, iv);
      c.setAAD(aad);
      return Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
    },
    decrypt: (iv, aad, ct) => {
      const d = createDecipheriv("aes-256-gcm", key, iv);
      d.setAAD(aad);
      d.setAuthTag(ct.subarray(ct.length - 16));
      return Buffer.concat([d.update(ct.subarray(0, ct.length - 16)), d.final()]);
    },
  };
}

const env = {
  engine: `Node ${process.version} (V8 ${process.versions.v8}, OpenSSL ${process.versions.openssl}), ${backendName()} backend`,
  cpu: `${cpus().length} x ${cpus()[0]?.model ?? "unknown"}`,
  loadBefore: loadavg().map((x) => x.toFixed(2)).join(" "),
  started: new Date().toISOString(),
};
console.log(`strongroom-js benchmarks, ${env.engine}`);
console.log(`${env.cpu}; load average before: ${env.loadBefore}; ${env.started}`);
const bareGcm = backend === "node" ? nodeBareGcm : webCryptoBareGcm;
const res = await runBench({ ...(quick ? QUICK_OPTIONS : {}), bareGcm, log: (l) => console.error(`  ${l}`) });
env.loadAfter = loadavg().map((x) => x.toFixed(2)).join(" ");
console.log(table(res));
console.log(`load average after: ${env.loadAfter}`);
if (jsonFile) writeFileSync(jsonFile, JSON.stringify({ env, ...res }, null, 2) + "\n");
