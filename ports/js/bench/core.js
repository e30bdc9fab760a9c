// Benchmark body shared by Node (bench.js) and Chromium (bench.html via browser.js): the same
// code measures both, so the columns differ only in the engine and the backend.
// No node: imports here (the file is served to the browser as is): the engine-specific floor
// (bare AES-256-GCM of the backend in use) comes in through options.bareGcm.
//
// What is measured (wall time, performance.now(); the Rust figures in BENCHMARKS.md are thread
// CPU time, which excludes time descheduled, so compare at a quiet moment):
// - unlock at the default parameters: Keyring.unlock with PBKDF2-HMAC-SHA256 600,000 iterations
//   and with Argon2id 64 MiB, t=3, p=4, under the default policy; beside each, the bare KDF
//   (WebCrypto deriveBits / the vendored argon2id) so the library's own overhead is visible;
// - seal, open, and seal then open of a 256-byte record with the 39-byte context of the Rust
//   benches, one operation awaited after the other (latency); beside them the bare AES-256-GCM
//   encrypt+decrypt of the same backend with one prebuilt key, the floor of any record format;
// - opening 10,000 records of 256 bytes: one `open` awaited after the other, then `openMany`
//   (up to 64 in flight), and the bare AES-GCM decrypt of the same 10,000 ciphertexts both ways.

import { Keyring, UnlockPolicy } from "../src/index.js";
import { argon2id } from "../src/vendor/argon2id.js";

export const DEFAULT_OPTIONS = {
  unlockRuns: 9, // PBKDF2 unlocks timed (one unlock each)
  argonRuns: 7, // Argon2id unlocks timed
  recordBatches: 15, // batches of record operations; the median batch is reported
  recordBatchSize: 400, // operations per batch (per-op time = batch time / size)
  recordWarmup: 300, // untimed round trips first (JIT, key caches)
  manyRecords: 10_000, // records in the batch-open measurement
  manyRuns: 3, // timed runs of each batch-open variant; the median is reported
};

export const QUICK_OPTIONS = {
  unlockRuns: 1,
  argonRuns: 1,
  recordBatches: 3,
  recordBatchSize: 20,
  recordWarmup: 10,
  manyRecords: 200,
  manyRuns: 1,
};

const PASSWORD = "correct horse battery staple";
const CONTEXT = "user:alice|collection:log|record:000001"; // the Rust benches' context, 39 bytes
const PBKDF2_DEFAULT = { id: 1, iterations: 600000 };
const ARGON2_DEFAULT = { id: 2, memoryKib: 65536, timeCost: 3, parallelism: 4 };

const now = () => performance.now();

function stats(samplesMs) {
  const s = [...samplesMs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], n: s.length };
}

/** Times `fn` `runs` times, one call each (for operations of tens of milliseconds and more). */
async function timeEach(runs, fn) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const t0 = now();
    await fn();
    samples.push(now() - t0);
  }
  return stats(samples);
}

/** Per-operation time in ms from batches of `size` sequential calls (timer resolution is coarse in browsers). */
async function timeBatches(batches, size, fn) {
  const samples = [];
  for (let b = 0; b < batches; b++) {
    const t0 = now();
    for (let i = 0; i < size; i++) await fn();
    samples.push((now() - t0) / size);
  }
  return { ...stats(samples), batch: size };
}

/** WebCrypto's bare AES-256-GCM: the floor in browsers (and of the WebCrypto backend in Node). */
export async function webCryptoBareGcm() {
  const subtle = globalThis.crypto.subtle;
  const key = await subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
  return {
    name: "WebCrypto",
    encrypt: async (iv, aad, pt) => new Uint8Array(await subtle.encrypt({ name: "AES-GCM", iv, additionalData: aad }, key, pt)),
    decrypt: async (iv, aad, ct) => new Uint8Array(await subtle.decrypt({ name: "AES-GCM", iv, additionalData: aad }, key, ct)),
  };
}

/** Runs fn over items with at most `window` pending, as the library's openMany does. */
async function windowed(items, window, fn) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(window, items.length) }, lane));
}

/**
 * Runs every benchmark once, in a fixed order, and returns the figures (milliseconds).
 * @param {{log?: (line: string) => void, bareGcm?: () => Promise<object>} & Partial<typeof DEFAULT_OPTIONS>} options
 */
export async function runBench(options = {}) {
  const o = { ...DEFAULT_OPTIONS, ...options };
  const log = o.log ?? (() => {});
  const subtle = globalThis.crypto.subtle;
  const policy = UnlockPolicy.default();
  const results = {};

  // PBKDF2 at the default parameters. create() runs the KDF once, which also warms it up.
  log("PBKDF2 600,000: creating the keyring");
  const pbkdf2Ring = Keyring.fromBytes((await Keyring.create(PASSWORD, { label: "bench", kdf: PBKDF2_DEFAULT })).keyring.toBytes());
  log(`PBKDF2 600,000: ${o.unlockRuns} unlocks`);
  results.unlock_pbkdf2 = await timeEach(o.unlockRuns, () => pbkdf2Ring.unlock(PASSWORD, policy));
  const salt = crypto.getRandomValues(new Uint8Array(32));
  const pwBytes = new TextEncoder().encode(PASSWORD);
  results.bare_pbkdf2 = await timeEach(o.unlockRuns, async () => {
    const k = await subtle.importKey("raw", pwBytes, "PBKDF2", false, ["deriveBits"]);
    await subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: 600000 }, k, 256);
  });

  // Argon2id at the default parameters (WebAssembly, one thread for all four lanes).
  log("Argon2id 64 MiB t=3 p=4: creating the keyring");
  const argonRing = Keyring.fromBytes((await Keyring.create(PASSWORD, { label: "bench", kdf: ARGON2_DEFAULT })).keyring.toBytes());
  log(`Argon2id 64 MiB t=3 p=4: ${o.argonRuns} unlocks`);
  results.unlock_argon2id = await timeEach(o.argonRuns, () => argonRing.unlock(PASSWORD, policy));
  results.bare_argon2id = await timeEach(o.argonRuns, () =>
    argon2id({ password: pwBytes, salt, parallelism: 4, iterations: 3, memorySize: 65536, hashLength: 32, outputType: "binary" }),
  );

  // Records of 256 bytes, under the PBKDF2 keyring's record root.
  const unlocked = await pbkdf2Ring.unlock(PASSWORD, policy);
  const plaintext = crypto.getRandomValues(new Uint8Array(256));
  const record = await unlocked.seal(plaintext, CONTEXT);
  const opened = await unlocked.open(record, CONTEXT);
  if (opened.length !== 256 || !opened.every((b, i) => b === plaintext[i])) throw new Error("round trip mismatch");
  log(`records 256 B: warm-up ${o.recordWarmup}, then ${o.recordBatches} x ${o.recordBatchSize} operations each`);
  for (let i = 0; i < o.recordWarmup; i++) await unlocked.open(await unlocked.seal(plaintext, CONTEXT), CONTEXT);
  results.seal_256 = await timeBatches(o.recordBatches, o.recordBatchSize, () => unlocked.seal(plaintext, CONTEXT));
  results.open_256 = await timeBatches(o.recordBatches, o.recordBatchSize, () => unlocked.open(record, CONTEXT));
  results.seal_open_256 = await timeBatches(o.recordBatches, o.recordBatchSize, async () =>
    unlocked.open(await unlocked.seal(plaintext, CONTEXT), CONTEXT),
  );

  // Floor: bare AES-256-GCM of the same backend, one prebuilt key, fresh nonce, encrypt + decrypt.
  const bare = await (o.bareGcm ?? webCryptoBareGcm)();
  results.bare_name = bare.name;
  const aad = new TextEncoder().encode(CONTEXT);
  const gcmRoundTrip = async () => {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    await bare.decrypt(iv, aad, await bare.encrypt(iv, aad, plaintext));
  };
  for (let i = 0; i < o.recordWarmup; i++) await gcmRoundTrip();
  results.bare_gcm_256 = await timeBatches(o.recordBatches, o.recordBatchSize, gcmRoundTrip);

  // Opening a log of many 256-byte entries: one at a time, then openMany; bare GCM both ways.
  const n = o.manyRecords;
  log(`${n} records of 256 B: sealing them (sealMany)`);
  const sealed = await unlocked.sealMany(Array.from({ length: n }, (_, i) => ({ plaintext, context: `log:${i}` })));
  const items = sealed.map((r, i) => ({ record: r, context: `log:${i}` }));
  log(`${n} records: sequential open and openMany, ${o.manyRuns} runs each`);
  results.open_many_sequential = await timeEach(o.manyRuns, async () => {
    for (const it of items) await unlocked.open(it.record, it.context);
  });
  results.open_many_batched = await timeEach(o.manyRuns, async () => {
    const out = await unlocked.openMany(items);
    if (out.some((r) => !r.ok)) throw new Error("openMany: a record failed");
  });
  const ivs = items.map(() => crypto.getRandomValues(new Uint8Array(12)));
  const cts = [];
  for (let i = 0; i < n; i++) cts.push(await bare.encrypt(ivs[i], aad, plaintext));
  const idx = Array.from({ length: n }, (_, i) => i);
  results.bare_many_sequential = await timeEach(o.manyRuns, async () => {
    for (const i of idx) await bare.decrypt(ivs[i], aad, cts[i]);
  });
  results.bare_many_batched = await timeEach(o.manyRuns, () => windowed(idx, 64, (i) => bare.decrypt(ivs[i], aad, cts[i])));
  // What it costs the calling thread just to issue the calls (none awaited before all are
  // issued): the bound on what any amount of queueing can gain on one thread.
  const issueSamples = [];
  for (let r = 0; r < o.manyRuns; r++) {
    const pending = [];
    const t0 = now();
    for (const i of idx) pending.push(bare.decrypt(ivs[i], aad, cts[i]));
    issueSamples.push(now() - t0);
    await Promise.all(pending);
  }
  results.bare_many_issue = stats(issueSamples);
  results.many = n;
  // Engine-specific extras (bench.html: openMany split across Web Workers).
  if (o.extra) Object.assign(results, await o.extra({ unlocked, items, timeEach, runs: o.manyRuns }));

  return { options: { ...o, log: undefined, bareGcm: undefined }, results };
}

/** Formats milliseconds as the Rust tables do (µs below 1 ms). */
export function fmt(ms) {
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 1) return `${ms.toPrecision(3)} ms`;
  return `${(ms * 1000).toPrecision(3)} µs`;
}

/** Plain-text table of one run. */
export function table(res) {
  const r = res.results;
  const rows = [
    ["unlock, PBKDF2 600,000 (Keyring.unlock)", r.unlock_pbkdf2],
    ["  bare PBKDF2 600,000 (WebCrypto deriveBits)", r.bare_pbkdf2],
    ["unlock, Argon2id 64 MiB t=3 p=4 (Keyring.unlock)", r.unlock_argon2id],
    ["  bare Argon2id (vendored hash-wasm argon2id)", r.bare_argon2id],
    ["seal, 256 B", r.seal_256],
    ["open, 256 B", r.open_256],
    ["seal then open, 256 B", r.seal_open_256],
    [`  bare AES-256-GCM encrypt+decrypt, 256 B (${r.bare_name})`, r.bare_gcm_256],
    [`open ${r.many} x 256 B, one at a time (whole batch)`, r.open_many_sequential],
    [`open ${r.many} x 256 B, openMany (whole batch)`, r.open_many_batched],
    [`  bare AES-256-GCM decrypt ${r.many} x 256 B, one at a time`, r.bare_many_sequential],
    [`  bare AES-256-GCM decrypt ${r.many} x 256 B, 64 in flight`, r.bare_many_batched],
    [`  issuing ${r.many} bare decrypt calls (calling thread only)`, r.bare_many_issue],
    ...(r.open_many_workers ? [[`open ${r.many} x 256 B, openMany split over ${r.workers} Web Workers`, r.open_many_workers]] : []),
  ];
  const w = Math.max(...rows.map(([n]) => n.length));
  return rows
    .map(([name, s]) => `${name.padEnd(w)}  median ${fmt(s.median).padStart(9)}  (min ${fmt(s.min)}, max ${fmt(s.max)}, ${s.batch ? `${s.n} batches of ${s.batch}` : `n=${s.n}`})`)
    .join("\n")
    + `\nopenMany vs one at a time: ${(r.open_many_sequential.median / r.open_many_batched.median).toFixed(2)}x the throughput`
    + (r.open_many_workers ? `; split over ${r.workers} workers: ${(r.open_many_sequential.median / r.open_many_workers.median).toFixed(2)}x` : "")
    + `; seal then open vs bare AES-GCM: ${(r.seal_open_256.median / r.bare_gcm_256.median).toFixed(2)}x`;
}
