#!/usr/bin/env node
// Sealed-stream throughput (SPEC.md 11.16): seal and open of 256 MiB through
// UnlockedKeyring#sealStream / #openStream, against bare AES-256-GCM over the same 64 KiB chunks
// (one key, a counter nonce, no framing, no Web Streams), in Node on node:crypto and in headless
// Chromium on WebCrypto. One run each.
//
//   node bench/stream.js               # Node and Chromium, 256 MiB
//   node bench/stream.js --mib 64      # another size
//   node bench/stream.js --node-only
//
// The payload arrives in 1 MiB pieces from a ReadableStream; sealed frames are kept (256 MiB plus
// 32 bytes a chunk) so that open is timed on its own, from the same pieces.
import { createCipheriv, createDecipheriv, randomFillSync } from "node:crypto";
import { cpus } from "node:os";

const args = process.argv.slice(2);
const mibIdx = args.indexOf("--mib");
const MIB = mibIdx >= 0 ? Number(args[mibIdx + 1]) : 256;
const nodeOnly = args.includes("--node-only");

/** The benchmark body, run in Node and (as source text) in the page. */
async function benchStreams(sr, mib, bare) {
  const policy = new sr.UnlockPolicy({ pbkdf2Iterations: [1, 2_000_000], argon2MemoryKib: [8, 262_144], argon2TimeCost: [1, 8], argon2Parallelism: [1, 8], maxUnlockWork: 16_777_216 });
  const u = await sr.Keyring.create("pw", { kdf: { id: 1, iterations: 2 }, policy });
  const TOTAL = mib * 1024 * 1024;
  const PIECE = 1024 * 1024;
  const piece = new Uint8Array(PIECE);
  for (let i = 0; i < PIECE; i += 65536) crypto.getRandomValues(piece.subarray(i, i + 65536));
  const source = () => {
    let sent = 0;
    return new ReadableStream({
      pull(c) {
        if (sent >= TOTAL) return c.close();
        sent += PIECE;
        c.enqueue(piece.slice());
      },
    });
  };
  const frames = [];
  let t = performance.now();
  await source().pipeThrough(u.sealStream("bench")).pipeTo(new WritableStream({ write(f) { frames.push(f); } }));
  const sealS = (performance.now() - t) / 1000;
  let i = 0;
  const sealedSource = new ReadableStream({
    pull(c) {
      if (i >= frames.length) return c.close();
      c.enqueue(frames[i++]);
    },
  });
  let out = 0;
  t = performance.now();
  await sealedSource.pipeThrough(u.openStream("bench")).pipeTo(new WritableStream({ write(p) { out += p.length; } }));
  const openS = (performance.now() - t) / 1000;
  if (out !== TOTAL) throw new Error(`opened ${out} bytes of ${TOTAL}`);
  frames.length = 0;
  const b = await bare(TOTAL, piece);
  return { mib, sealS, openS, bareSealS: b.sealS, bareOpenS: b.openS };
}

/** Bare node:crypto AES-256-GCM over 64 KiB chunks (counter nonces, 16-byte tags). */
async function bareNode(total, piece) {
  const key = randomFillSync(Buffer.alloc(32));
  const aad = randomFillSync(Buffer.alloc(32));
  const C = 65536;
  const cts = [];
  const nonce = (i) => {
    const n = Buffer.alloc(12);
    n.writeUInt32BE(i, 8);
    return n;
  };
  let t = performance.now();
  for (let i = 0, done = 0; done < total; i++, done += C) {
    const pt = piece.subarray(done % piece.length, (done % piece.length) + C);
    const c = createCipheriv("aes-256-gcm", key, nonce(i), { authTagLength: 16 });
    c.setAAD(aad);
    const ct = c.update(pt);
    c.final();
    cts.push([ct, c.getAuthTag()]);
  }
  const sealS = (performance.now() - t) / 1000;
  t = performance.now();
  for (let i = 0; i < cts.length; i++) {
    const d = createDecipheriv("aes-256-gcm", key, nonce(i), { authTagLength: 16 });
    d.setAAD(aad);
    d.setAuthTag(cts[i][1]);
    d.update(cts[i][0]);
    d.final();
  }
  return { sealS, openS: (performance.now() - t) / 1000 };
}

const BARE_WEBCRYPTO = `async (total, piece) => {
  const key = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
  const aad = crypto.getRandomValues(new Uint8Array(32));
  const C = 65536;
  const cts = [];
  const nonce = (i) => { const n = new Uint8Array(12); new DataView(n.buffer).setUint32(8, i); return n; };
  let t = performance.now();
  for (let i = 0, done = 0; done < total; i++, done += C) {
    const pt = piece.subarray(done % piece.length, (done % piece.length) + C);
    cts.push(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce(i), additionalData: aad }, key, pt));
  }
  const sealS = (performance.now() - t) / 1000;
  t = performance.now();
  for (let i = 0; i < cts.length; i++) await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce(i), additionalData: aad }, key, cts[i]);
  return { sealS, openS: (performance.now() - t) / 1000 };
}`;

const rate = (mib, s) => `${(mib / s).toFixed(0)} MiB/s`;
function report(where, r) {
  console.log(`${where}: ${r.mib} MiB`);
  console.log(`  sealStream  ${r.sealS.toFixed(2)} s  ${rate(r.mib, r.sealS).padStart(10)}   bare AES-256-GCM encrypt ${r.bareSealS.toFixed(2)} s  ${rate(r.mib, r.bareSealS)}  (stream/bare ${(r.sealS / r.bareSealS).toFixed(2)}x)`);
  console.log(`  openStream  ${r.openS.toFixed(2)} s  ${rate(r.mib, r.openS).padStart(10)}   bare AES-256-GCM decrypt ${r.bareOpenS.toFixed(2)} s  ${rate(r.mib, r.bareOpenS)}  (stream/bare ${(r.openS / r.bareOpenS).toFixed(2)}x)`);
}

console.log(`Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? "?"})`);
const sr = await import("../src/node.js");
report("Node, node:crypto backend", await benchStreams(sr, MIB, bareNode));

if (!nodeOnly) {
  const { startServer } = await import("../test/server.js");
  const { launchChromium } = await import("../test/support/chromium.js");
  const server = await startServer({ port: 0 });
  let browser;
  try {
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(server.url + "/ports/js/test/browser/harness.html");
    const r = await page.evaluate(
      async ([body, bare, mib]) => {
        const sr = await import("/ports/js/src/index.js");
        const run = (0, eval)(`(${body})`);
        return run(sr, mib, (0, eval)(`(${bare})`));
      },
      [benchStreams.toString(), BARE_WEBCRYPTO, MIB],
    );
    report(`Chromium ${browser.version()} (headless), WebCrypto backend`, r);
  } finally {
    await browser?.close();
    await server.close();
  }
}
