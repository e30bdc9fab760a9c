#!/usr/bin/env node
// Differential check of the port's decoders against the independent Python reference
// (tools/pyref/strongroom_ref.py, written from SPEC.md alone).
//
// Deterministic: a seeded PRNG (sfc32; no Math.random) derives every input from the reference
// objects of vectors/*.json. Five categories, --count inputs each:
//
//   bytes     byte-level mutations of the vectors' keyrings and records: bit flips, byte
//             overwrites, deletions, insertions and overwrites of CBOR heads, truncations,
//             appended bytes, duplicated spans, growth past the keyring size limit; now and
//             then given to the other object type's decoder
//   struct    structure-level edits, re-encoded: the vectors' objects parsed into a CBOR tree
//             (map entries deleted, added, duplicated, swapped or given non-integer keys, values
//             replaced by other types or boundary integers, byte strings resized, labels of 64/65
//             bytes or invalid UTF-8, slot lists emptied or grown to 9, values nested deeper,
//             non-shortest heads, tags, floats, negative integers), plus keyrings and records
//             built from scratch from such values
//   text      the text form: the vectors' texts and the text of (mutated) objects with
//             characters substituted, inserted or deleted, prefixes changed, padding, whitespace,
//             non-ASCII, lone surrogates, oversized bodies; plus random strings after a prefix
//   recovery  recovery codes from the vectors and from random secrets, with case changes,
//             look-alikes (O, I, L, U+0131, U+017F), separators, symbols substituted, swapped,
//             inserted or deleted
//   secret    secret key codes (SPEC.md 12.1) of random keys, with the same mutations and a
//             damaged SK1 prefix
//
// Every input is decoded by both implementations (decodeKeyring / decodeRecord, keyringFromText /
// recordFromText then the binary decoder, parseRecoveryCode); the outcomes must be identical:
// on success the value re-encoded from its decoded fields (and, for a keyring, every slot's
// exact bytes and label bytes; for a recovery code, the secret), on failure the error class and
// reason. A success whose re-encoding differs from the input (SR-CBOR-9) is also a failure.
// All inputs go through one Python process (JSON lines, scripts/diff_pyref.py), in batches.
//
// Usage (from ports/js):
//   node scripts/diff-pyref.mjs                    # --count 10000 --seed 1 (the CI run)
//   node scripts/diff-pyref.mjs --count 30000 --seed 7
//   node scripts/diff-pyref.mjs --verbose          # also every outcome's count per category
//   node scripts/diff-pyref.mjs --replay keyring a601...       # one input (hex), both outcomes
//   node scripts/diff-pyref.mjs --replay recovery '"C1GP-..."' # text ops take a JSON string
//
// Needs python3 (or $PYTHON) with `cryptography` (tools/pyref imports it; argon2-cffi is not
// needed for decoding). Exit status: 0 if every outcome agrees, 1 at the first disagreement
// (printed with a --replay command), 2 on a usage or setup error.

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import { decodeKeyring, decodeRecord, reencodeKeyring, reencodeRecord } from "../src/format.js";
import { keyringFromText, recordFromText } from "../src/text.js";
import { formatRecoveryCode, parseRecoveryCode } from "../src/recovery-code.js";
import { formatSecretKeyCode, parseSecretKeyCode } from "../src/secret-key.js";
import { StrongroomError } from "../src/errors.js";

const SCRIPTS = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(SCRIPTS, "..", "..", "..");
const VECTORS = path.join(REPO_ROOT, "vectors");
const CATEGORIES = ["bytes", "struct", "text", "recovery", "secret"];
const BATCH = 500;

// ---------------------------------------------------------------------------------------------
// Arguments

function usage(msg) {
  if (msg) console.error(`diff-pyref: ${msg}`);
  console.error("usage: node scripts/diff-pyref.mjs [--count N] [--seed S] [--verbose] | --replay OP INPUT");
  process.exit(2);
}

const opts = { count: 10000, seed: 1, replay: null, verbose: false };
{
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const v = argv[++i];
      if (v === undefined || !/^\d+$/.test(v) || Number(v) > 0xffffffff) usage(`${a} needs an integer 0..2^32-1`);
      return Number(v);
    };
    if (a === "--count") opts.count = num();
    else if (a === "--seed") opts.seed = num();
    else if (a === "--replay") {
      if (argv.length < i + 3) usage("--replay needs OP and INPUT");
      opts.replay = [argv[i + 1], argv[i + 2]];
      i += 2;
    } else if (a === "--verbose") opts.verbose = true;
    else if (a === "--help" || a === "-h") usage();
    else usage(`unknown argument ${a}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Seeded PRNG: sfc32, seeded through splitmix32 from (seed, category), one stream per category so
// that a category's inputs do not depend on the others or on --count.

function makeRng(seed, stream) {
  let s = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
  const splitmix = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = 1;
  const u32 = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 15; i++) u32();
  const int = (n) => Math.floor((u32() / 2 ** 32) * n);
  return {
    u32,
    int,
    chance: (p) => u32() < p * 2 ** 32,
    pick: (arr) => arr[int(arr.length)],
    bytes: (n) => Uint8Array.from({ length: n }, () => u32() & 0xff),
  };
}

// ---------------------------------------------------------------------------------------------
// Byte helpers (the harness's own, not the port's)

const toHex = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString("hex");
const fromHex = (h) => new Uint8Array(Buffer.from(h, "hex"));
const cat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
const utf8 = (s) => new TextEncoder().encode(s);
const base64url = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString("base64url");

// ---------------------------------------------------------------------------------------------
// The reference objects and strings of vectors/*.json

function loadVectors() {
  const objects = new Map(); // hex -> "keyring" | "record"
  const texts = new Set();
  const codes = new Set();
  const walk = (x) => {
    if (Array.isArray(x)) return x.forEach(walk);
    if (x === null || typeof x !== "object") return;
    if (x.inputs && typeof x.inputs === "object") {
      const inp = x.inputs;
      for (const t of ["keyring", "record"]) {
        if (typeof inp[t] === "string" && inp[t].length <= 2 * 8192) objects.set(inp[t], t);
      }
      if (typeof inp.text === "string" && inp.text.length <= 12000) texts.add(inp.text);
      if (typeof inp.recovery_code === "string") codes.add(inp.recovery_code);
      if (typeof inp.unlock?.recovery_code === "string") codes.add(inp.unlock.recovery_code);
    }
    for (const v of Object.values(x)) walk(v);
  };
  for (const f of readdirSync(VECTORS).filter((f) => f.endsWith(".json") && f !== "schema.json").sort()) {
    walk(JSON.parse(readFileSync(path.join(VECTORS, f), "utf8")));
  }
  return {
    objects: [...objects].map(([h, t]) => ({ type: t, bytes: fromHex(h) })),
    texts: [...texts],
    codes: [...codes],
  };
}

// ---------------------------------------------------------------------------------------------
// A small generic CBOR tree for the structure-level edits (parses whatever uses majors 0, 2, 3,
// 4, 5 with definite lengths; encodes with shortest heads unless a node is marked `wide`).

function parseTree(buf) {
  let p = 0;
  const headAt = () => {
    if (p >= buf.length) throw new Error("eof");
    const ib = buf[p++];
    const major = ib >> 5;
    const ai = ib & 31;
    let n;
    if (ai < 24) n = BigInt(ai);
    else if (ai <= 27) {
      const len = 1 << (ai - 24);
      if (p + len > buf.length) throw new Error("eof");
      n = 0n;
      for (let i = 0; i < len; i++) n = (n << 8n) | BigInt(buf[p++]);
    } else throw new Error("unsupported");
    return [major, n];
  };
  const item = (depth) => {
    if (depth > 8) throw new Error("deep");
    const [major, n] = headAt();
    const len = Number(n);
    switch (major) {
      case 0:
        return { k: "u", n };
      case 2:
      case 3: {
        if (p + len > buf.length) throw new Error("eof");
        const b = buf.slice(p, p + len);
        p += len;
        return { k: major === 2 ? "b" : "t", b };
      }
      case 4: {
        if (len > buf.length) throw new Error("eof");
        return { k: "a", items: Array.from({ length: len }, () => item(depth + 1)) };
      }
      case 5: {
        if (len > buf.length) throw new Error("eof");
        const entries = [];
        for (let i = 0; i < len; i++) entries.push([item(depth + 1), item(depth + 1)]);
        return { k: "m", entries };
      }
      default:
        throw new Error("unsupported");
    }
  };
  const root = item(0);
  if (p !== buf.length) throw new Error("trailing");
  return root;
}

function encHead(major, n, wide = false) {
  n = BigInt(n);
  let ai;
  let len;
  if (n < 24n) [ai, len] = [Number(n), 0];
  else if (n < 0x100n) [ai, len] = [24, 1];
  else if (n < 0x10000n) [ai, len] = [25, 2];
  else if (n < 0x100000000n) [ai, len] = [26, 4];
  else [ai, len] = [27, 8];
  if (wide && ai < 27) [ai, len] = ai < 24 ? [24, 1] : [ai + 1, len * 2];
  const out = new Uint8Array(1 + len);
  out[0] = (major << 5) | ai;
  for (let i = len; i >= 1; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

function encTree(v) {
  switch (v.k) {
    case "u":
      return encHead(0, v.n, v.wide);
    case "b":
      return cat(encHead(2, v.b.length, v.wide), v.b);
    case "t":
      return cat(encHead(3, v.b.length, v.wide), v.b);
    case "a":
      return cat(encHead(4, v.items.length, v.wide), ...v.items.map(encTree));
    case "m":
      return cat(encHead(5, v.entries.length, v.wide), ...v.entries.flatMap(([k, x]) => [encTree(k), encTree(x)]));
    case "raw":
      return v.b;
    default:
      throw new Error(`bad node ${v.k}`);
  }
}

const U = (n) => ({ k: "u", n: BigInt(n) });
const Bs = (len, fill = 7) => ({ k: "b", b: new Uint8Array(len).fill(fill) });
const T = (s) => ({ k: "t", b: typeof s === "string" ? utf8(s) : Uint8Array.from(s) });
const A = (items) => ({ k: "a", items });
const M = (pairs) => ({ k: "m", entries: pairs.map(([key, val]) => [U(key), val]) });
const RAW = (...bytes) => ({ k: "raw", b: Uint8Array.from(bytes) });

const BOUNDARY_INTS = [
  0, 1, 2, 3, 7, 8, 9, 16, 17, 23, 24, 64, 65, 255, 256, 19456, 65535, 65536, 600000, 1048576,
  1048577, 10000000, 10000001, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 2n ** 53n, 2n ** 64n - 1n,
];
const BSTR_LENGTHS = [0, 1, 11, 12, 13, 15, 16, 17, 31, 32, 33, 47, 48, 49, 100];
const LABELS = [
  "", "laptop", "x".repeat(64), "x".repeat(65), "é".repeat(32), "é".repeat(33), "\u{1F511}".repeat(16),
  "\u{1F511}".repeat(17), [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82], [0xff], [0x61, 0x00, 0x62],
];
const ODD_ITEMS = [
  [0x20], [0x38, 0x18], [0xc0, 0x00], [0xd8, 0x18, 0x00], [0xf4], [0xf5], [0xf6], [0xf7], [0xf9, 0, 0],
  [0xfb, 0, 0, 0, 0, 0, 0, 0, 0], [0x5f, 0xff], [0x9f, 0xff], [0xbf, 0xff], [0x7f, 0xff], [0x1c], [0xff],
];

function randValue(r, depth = 0) {
  const x = r.int(100);
  if (x < 30) return U(r.pick(BOUNDARY_INTS));
  if (x < 50) return Bs(r.pick(BSTR_LENGTHS), r.int(256));
  if (x < 62) return T(r.pick(LABELS));
  if (x < 70) return RAW(...r.pick(ODD_ITEMS));
  if (x < 85 && depth < 5) return A(Array.from({ length: r.int(6) }, () => randValue(r, depth + 1)));
  if (depth < 5) return M([[r.pick([0, 1, 2, 3, 5, 7, 9]), randValue(r, depth + 1)]]);
  return U(1);
}

/** Every node of the tree with a setter, for picking one to edit. */
function nodesOf(root) {
  const out = [];
  const visit = (v, set) => {
    out.push({ v, set });
    if (v.k === "a") v.items.forEach((it, i) => visit(it, (n) => (v.items[i] = n)));
    if (v.k === "m") {
      v.entries.forEach((e) => {
        visit(e[0], (n) => (e[0] = n));
        visit(e[1], (n) => (e[1] = n));
      });
    }
  };
  let top = root;
  visit(root, (n) => (top = n));
  return { nodes: out, root: () => top };
}

function editTree(r, root) {
  const { nodes, root: getRoot } = nodesOf(root);
  // Bias towards containers so that the schema walk is exercised, not only leaf types.
  const containers = nodes.filter((n) => n.v.k === "m" || n.v.k === "a");
  const { v, set } = containers.length && r.chance(0.5) ? r.pick(containers) : r.pick(nodes);
  const x = r.int(100);
  if (x < 6) set(randValue(r));
  else if (x < 9) v.wide = true;
  else if (x < 13) set(r.chance(0.5) ? A([v]) : M([[1, v]]));
  else if (v.k === "u") v.n = BigInt(r.pick(BOUNDARY_INTS));
  else if (v.k === "b") {
    const n = r.chance(0.5) ? r.pick(BSTR_LENGTHS) : Math.max(0, v.b.length + r.pick([-1, 1]));
    const b = new Uint8Array(n).fill(r.int(256));
    b.set(v.b.subarray(0, Math.min(n, v.b.length)));
    v.b = b;
  } else if (v.k === "t") v.b = T(r.pick(LABELS)).b;
  else if (v.k === "m") {
    const e = v.entries;
    const y = r.int(8);
    const at = r.int(e.length + 1);
    if (y === 0 && e.length) e.splice(r.int(e.length), 1);
    else if (y === 1) e.splice(at, 0, [U(r.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 100, 2n ** 64n - 1n])), randValue(r)]);
    else if (y === 2 && e.length) e.splice(at, 0, [structuredClone(r.pick(e)[0]), randValue(r)]);
    else if (y === 3 && e.length > 1) {
      const i = r.int(e.length - 1);
      [e[i], e[i + 1]] = [e[i + 1], e[i]];
    } else if (y === 4 && e.length) r.pick(e)[0] = r.pick([T("a"), Bs(1), RAW(0x20), A([]), U(2n ** 64n - 1n)]);
    else if (y === 5 && e.length) {
      const k = r.pick(e)[0];
      if (k.k === "u") k.n = k.n + (r.chance(0.5) || k.n === 0n ? 1n : -1n);
    } else if (e.length) r.pick(e)[1] = randValue(r);
  } else if (v.k === "a") {
    const it = v.items;
    const y = r.int(6);
    if (y === 0 && it.length) it.splice(r.int(it.length), 1);
    else if (y === 1 && it.length) it.splice(r.int(it.length + 1), 0, structuredClone(r.pick(it)));
    else if (y === 2) it.length = 0;
    else if (y === 3 && it.length) while (it.length < 9) it.push(structuredClone(r.pick(it)));
    else it.splice(r.int(it.length + 1), 0, randValue(r));
  }
  return getRoot();
}

// From-scratch objects (fixed-fill byte strings): most of them pass the profile, so the schema
// walk sees many combinations of keys, types, lengths and KDF parameters.
function scratchObject(r) {
  const kdfs = [[1, 600000], [1, 10], [2, 19456, 2, 1], [2, 8, 1, 1], [2, 64, 1, 8], [2, 63, 1, 8],
    [2, 1048576, 16, 16], [1, 0], [1, 10000001], [3, 1], [2, 8, 1], [1], [], [1, 1, 1], [2, 8, 0, 1],
    [2, 8, 17, 1], [2, 8, 1, 0], [2, 8, 1, 17], [2, 1048577, 1, 1], [2, 16, 1, 3]];
  const slot = () => {
    if (r.chance(0.15)) {
      // SPEC.md 6.3.1: a kind this decoder may not implement, skippable (64 to 65,535), critical
      // (1 to 63) or out of range, with keys 3 to 5 present or not and of any type.
      const kind = r.pick([64, 65, 66, 255, 256, 1000, 65534, 65535, 65536, 2 ** 32, 2n ** 64n - 1n, 4, 63]);
      const pairs = [[1, U(kind)], [2, T(r.pick(LABELS))]];
      for (const k of [3, 4, 5]) if (r.chance(0.5)) pairs.push([k, r.pick([A(r.pick(kdfs).map(U)), Bs(32), Bs(12), U(7), T("x"), A([]), M([])])]);
      pairs.push([6, Bs(48)], [7, Bs(32)]);
      return M(pairs);
    }
    const pw = r.chance(0.6);
    const pairs = [[1, U(pw ? r.pick([1, 1, 1, 64]) : r.pick([2, 2, 2, 0, 3, 1]))], [2, T(r.pick(LABELS))]];
    if (pw) pairs.push([3, A(r.pick(kdfs).map(U))], [4, Bs(32)]);
    pairs.push([5, Bs(12)], [6, Bs(48)], [7, Bs(32)]);
    return M(pairs);
  };
  const isKeyring = r.chance(0.7);
  const v = isKeyring
    ? M([[1, U(1)], [2, U(1)], [3, Bs(16)], [4, U(r.pick([0, 5, 2 ** 53 - 1, 2n ** 53n]))],
      [5, A(Array.from({ length: r.pick([1, 1, 2, 3, 8, 9, 0]) }, slot))], [6, Bs(32)]])
    : M([[1, U(2)], [2, U(1)], [3, Bs(16)], [4, Bs(32)], [5, Bs(12)], [6, Bs(32)],
      [7, Bs(r.pick([15, 16, 17, 100]))]]);
  return { type: isKeyring ? "keyring" : "record", v };
}

// ---------------------------------------------------------------------------------------------
// Input generators, one per category. Each returns {op, input} with input a Uint8Array (binary
// ops) or a string (text ops).

const SNIPPETS = [
  [0x00], [0x01], [0x02], [0x03], [0x07], [0x08], [0x17], [0x18, 0x18], [0x18, 0x05],
  [0x1b, 0, 0, 0, 0, 0, 0, 0, 5], [0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
  [0x1b, 0, 0x20, 0, 0, 0, 0, 0, 0], [0x1b, 0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0x40], [0x41, 0],
  [0x60], [0x80], [0xa0], [0x81, 0x00], [0x82, 0x01, 0x0a], [0x84, 0x02, 0x18, 0x40, 0x01, 0x01],
  [0x84, 0x02, 0x08, 0x01, 0x02], [0xc0], [0xff], [0x62, 0xc3, 0x28], [0x3b], [0x5b, 0, 0, 0, 0, 0, 0, 0, 1, 0],
  [0xa1, 0x01, 0x01], [0xbf], [0x9f], [0xf9, 0, 0], [0x1c], [0x5a, 0xff, 0xff, 0xff, 0xff], [0xb9, 0xff, 0xff],
];
const INTERESTING = [0x00, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1f, 0x20, 0x40, 0x5b, 0x60, 0x7b, 0x80,
  0x9b, 0xa0, 0xbb, 0xbf, 0xc0, 0xe0, 0xf9, 0xff];

function mutateBytes(r, base) {
  let b = base.slice();
  const n = 1 + r.int(4);
  for (let j = 0; j < n; j++) {
    const o = r.int(b.length + 1);
    const at = Math.min(o, Math.max(0, b.length - 1));
    switch (r.int(10)) {
      case 0:
        if (b.length) b[at] ^= 1 << r.int(8);
        break;
      case 1:
        if (b.length) b[at] = r.pick(INTERESTING);
        break;
      case 2:
        if (b.length) b[at] = r.int(256);
        break;
      case 3:
        b = cat(b.subarray(0, o), b.subarray(Math.min(b.length, o + 1 + r.int(9))));
        break;
      case 4:
        b = cat(b.subarray(0, o), Uint8Array.from(r.pick(SNIPPETS)), b.subarray(o));
        break;
      case 5: {
        const s = Uint8Array.from(r.pick(SNIPPETS));
        b = cat(b.subarray(0, o), s, b.subarray(Math.min(b.length, o + s.length)));
        break;
      }
      case 6:
        b = b.slice(0, o);
        break;
      case 7:
        b = cat(b, r.chance(0.5) ? r.bytes(1 + r.int(16)) : Uint8Array.from(r.pick(SNIPPETS)));
        break;
      case 8: {
        const from = r.int(b.length + 1);
        const span = b.slice(from, from + 1 + r.int(40));
        b = cat(b.subarray(0, o), span, b.subarray(o));
        break;
      }
      default:
        // Past the keyring limit (4096 bytes): too_large comes after the header peek.
        if (r.chance(0.3)) b = cat(b, new Uint8Array(Math.max(0, 4097 - b.length) + r.int(8)));
        else if (b.length) b[at] ^= 0x80;
    }
  }
  return b;
}

const otherType = (t) => (t === "keyring" ? "record" : "keyring");

function genBytes(r, V) {
  const base = r.pick(V.objects);
  const b = mutateBytes(r, base.bytes);
  return { op: r.chance(0.05) ? otherType(base.type) : base.type, input: b };
}

function makeStructGen(V) {
  const trees = [];
  for (const o of V.objects) {
    try {
      trees.push({ type: o.type, v: parseTree(o.bytes) });
    } catch {
      // an invalid vector that the small parser does not follow; the byte category covers it
    }
  }
  return (r) => {
    let type;
    let v;
    if (r.chance(0.7)) {
      const t = r.pick(trees);
      type = t.type;
      v = structuredClone(t.v);
    } else ({ type, v } = scratchObject(r));
    const n = r.int(4);
    for (let j = 0; j < n; j++) v = editTree(r, v);
    return { op: r.chance(0.03) ? otherType(type) : type, input: encTree(v) };
  };
}

const PREFIXES = ["srk1.", "srr1.", "srk2.", "srr0.", "srk01.", "srk", "sr", "", "SRK1.", "srk18446744073709551615.",
  "srk18446744073709551616.", "srr18446744073709551615.", "srx1.", "srk1", "srk1..", "srr99999999999999999999.",
  "srk+1.", "srk1 .", " srk1.", "srk\u0661.", "srr1.srk1.", "sr\u212a1."];
const TEXT_CHARS = [..."AAgEBpw-_=+/ .Q09azZ$\n\t", "\u00e9", "\u00a0", "\ud800", "\udc00", "\u{1F511}", "\uff21", "\u0000"];

function mutateText(r, s) {
  const n = r.int(4);
  for (let j = 0; j < n; j++) {
    const o = r.int(s.length + 1);
    switch (r.int(9)) {
      case 0:
        s = s.slice(0, o) + r.pick(TEXT_CHARS) + s.slice(o + 1);
        break;
      case 1:
        s = s.slice(0, o) + r.pick(TEXT_CHARS) + s.slice(o);
        break;
      case 2:
        s = s.slice(0, o) + s.slice(o + 1 + r.int(3));
        break;
      case 3:
        s = s.slice(0, o);
        break;
      case 4: {
        const dot = s.indexOf(".");
        s = r.pick(PREFIXES) + (dot >= 0 ? s.slice(dot + 1) : s);
        break;
      }
      case 5:
        s += r.pick(["=", "==", "\n", " ", "A", "AA", "AAA", "Ag", "Aw", "AB"]);
        break;
      case 6: {
        const c = s[o] ?? "";
        s = s.slice(0, o) + (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) + s.slice(o + 1);
        break;
      }
      case 7:
        // The last character of a body with 2 or 3 leftover symbols (non-zero unused bits).
        s = s.slice(0, -1) + r.pick([..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"]);
        break;
      default:
        // Bodies that decode to more than 4096 bytes (keyring limit), canonical or not.
        if (r.chance(0.4)) s = s.slice(0, 5) + "A".repeat(5460 + r.int(8));
        else s = s.slice(0, o) + s.slice(o, o + 1 + r.int(20)).repeat(2) + s.slice(o + 1 + r.int(20));
    }
  }
  return s;
}

function genText(r, V) {
  let s;
  let type;
  const x = r.int(100);
  if (x < 25) {
    s = r.pick(PREFIXES);
    const n = r.int(12);
    for (let j = 0; j < n; j++) s += r.pick(TEXT_CHARS);
    type = r.chance(0.5) ? "keyring" : "record";
  } else if (x < 45 && V.texts.length) {
    s = mutateText(r, r.pick(V.texts));
    type = s.startsWith("srr") ? "record" : "keyring";
  } else {
    const base = r.pick(V.objects);
    const b = r.chance(0.4) ? mutateBytes(r, base.bytes) : base.bytes;
    s = mutateText(r, (base.type === "keyring" ? "srk1." : "srr1.") + base64url(b));
    type = base.type;
  }
  if (r.chance(0.1)) type = otherType(type);
  return { op: `${type}_text`, input: s };
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CODE_SUBS = ["", "-", " ", "\t", "o", "O", "0", "i", "I", "l", "L", "1", "u", "U", "\u0131", "\u017f", "c",
  "\u00a0", "--", "v", "V", "W", "\ud800", "Z", "\u{1D7D8}", "\uff10", "\n", "_", "=", "*"];

async function genRecovery(r, V) {
  let s = V.codes.length && r.chance(0.3) ? r.pick(V.codes) : await formatRecoveryCode(r.bytes(32));
  const y = r.int(5);
  if (y === 0) s = s.toLowerCase();
  else if (y === 1) s = [...s].map((c) => (r.chance(0.5) ? c.toLowerCase() : c)).join("");
  else if (y === 2) s = s.replaceAll("-", r.pick(["", " ", "  ", "-"]));
  const n = r.int(4);
  for (let j = 0; j < n; j++) {
    const o = r.int(s.length + 1);
    const z = r.int(6);
    if (z <= 1) s = s.slice(0, o) + r.pick(CODE_SUBS) + s.slice(o + (r.chance(0.5) ? 1 : 0));
    else if (z === 2) s = s.slice(0, o) + r.pick([...CROCKFORD]) + s.slice(o + 1);
    else if (z === 3 && o + 1 < s.length) s = s.slice(0, o) + s[o + 1] + s[o] + s.slice(o + 2);
    else if (z === 4) s = s.slice(0, o) + r.pick([..."OILoil"]) + s.slice(o + 1);
    else s = s.slice(0, o) + s.slice(o + 1);
  }
  return { op: "recovery", input: s };
}

/** Secret key codes (SPEC.md 12.1): random keys, the same mutations, and prefix damage. */
async function genSecret(r) {
  let s = await formatSecretKeyCode(r.bytes(16));
  const y = r.int(6);
  if (y === 0) s = s.toLowerCase();
  else if (y === 1) s = [...s].map((c) => (r.chance(0.5) ? c.toLowerCase() : c)).join("");
  else if (y === 2) s = s.replaceAll("-", r.pick(["", " ", "  ", "-"]));
  else if (y === 3) s = r.pick(["", "SK", "SK2", "SKI", "SKl", "S K 1", "sk1", "SK11", "KS1", "5K1", "ſK1"]) + s.slice(3);
  const n = r.int(3);
  for (let j = 0; j < n; j++) {
    const o = r.int(s.length + 1);
    const z = r.int(6);
    if (z <= 1) s = s.slice(0, o) + r.pick(CODE_SUBS) + s.slice(o + (r.chance(0.5) ? 1 : 0));
    else if (z === 2) s = s.slice(0, o) + r.pick([...CROCKFORD]) + s.slice(o + 1);
    else if (z === 3 && o + 1 < s.length) s = s.slice(0, o) + s[o + 1] + s[o] + s.slice(o + 2);
    else if (z === 4) s = s.slice(0, o) + r.pick([..."OILoil"]) + s.slice(o + 1);
    else s = s.slice(0, o) + s.slice(o + 1);
  }
  return { op: "secret", input: s };
}

// ---------------------------------------------------------------------------------------------
// Outcomes. JavaScript side here; the Python side (scripts/diff_pyref.py) uses the same notation.

function okKeyring(k) {
  const slots = k.slots.map((s) => `${toHex(s.bytes)}/${toHex(s.labelBytes)}`).join(",");
  return `ok ${toHex(reencodeKeyring(k))} ${slots}`;
}
const okRecord = (rec) => `ok ${toHex(reencodeRecord(rec))} -`;

/** Returns [outcome, bytes that a success must re-encode to (null if not applicable)]. */
async function jsOutcome(op, input) {
  let bytes = null;
  try {
    switch (op) {
      case "keyring":
        return [okKeyring(decodeKeyring((bytes = input))), bytes];
      case "record":
        return [okRecord(decodeRecord((bytes = input))), bytes];
      case "keyring_text":
        bytes = keyringFromText(input);
        return [okKeyring(decodeKeyring(bytes)), bytes];
      case "record_text":
        bytes = recordFromText(input);
        return [okRecord(decodeRecord(bytes)), bytes];
      case "recovery":
        return [`ok ${toHex(await parseRecoveryCode(input))}`, null];
      case "secret":
        return [`ok ${toHex(await parseSecretKeyCode(input))}`, null];
      default:
        throw new Error(`unknown op ${op}`);
    }
  } catch (e) {
    if (e instanceof StrongroomError) return [`err ${e.class} ${e.reason ?? "null"}`, null];
    return [`crash ${e?.name}: ${e?.message}`, null];
  }
}

const isBinaryOp = (op) => op === "keyring" || op === "record";
const wireInput = (op, input) => (isBinaryOp(op) ? toHex(input) : input);
/** JSON with every non-ASCII UTF-16 unit escaped, so a reproducer survives any terminal. */
const asciiJson = (s) => JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
const shellQuote = (s) => `'${s.replaceAll("'", `'\\''`)}'`;

// ---------------------------------------------------------------------------------------------
// The Python process: JSON lines in, JSON lines out; a ["sync"] line ends each batch.

function startPython() {
  const python = process.env.PYTHON || "python3";
  const child = spawn(python, [path.join(SCRIPTS, "diff_pyref.py")], { stdio: ["pipe", "pipe", "inherit"] });
  const waiting = [];
  let lines = [];
  child.on("error", (e) => {
    console.error(`diff-pyref: cannot start ${python}: ${e.message}`);
    process.exit(2);
  });
  let closing = false;
  child.on("exit", (code, signal) => {
    if (!closing || waiting.length) {
      console.error(`diff-pyref: ${python} scripts/diff_pyref.py exited (${signal ?? `status ${code}`}) before answering`);
      process.exit(2);
    }
  });
  child.stdin.on("error", () => {}); // EPIPE if Python died; reported by the exit handler above
  createInterface({ input: child.stdout }).on("line", (line) => {
    const v = JSON.parse(line);
    if (v === "sync") {
      waiting.shift()(lines);
      lines = [];
    } else lines.push(v);
  });
  return {
    /** Sends a batch of [op, wireInput] pairs; resolves to Python's outcomes, in order. */
    run(batch) {
      const p = new Promise((resolve) => waiting.push(resolve));
      child.stdin.write(batch.map((x) => JSON.stringify(x)).join("\n") + '\n["sync"]\n');
      return p;
    },
    close() {
      closing = true;
      child.stdin.end();
    },
    kill() {
      closing = true;
      child.kill();
    },
  };
}

function report(title, c, py) {
  const binary = isBinaryOp(c.op);
  console.error(`\ndiff-pyref: ${title}`);
  if (c.category) console.error(`  category: ${c.category}, case ${c.index} (--seed ${opts.seed})`);
  console.error(`  op:       ${c.op}`);
  console.error(`  input:    ${binary ? toHex(c.input) : asciiJson(c.input)}`);
  console.error(`  js:       ${c.js}`);
  if (py !== undefined) console.error(`  pyref:    ${py}`);
  const arg = binary ? toHex(c.input) : shellQuote(asciiJson(c.input));
  console.error(`  replay:   (cd ports/js && node scripts/diff-pyref.mjs --replay ${c.op} ${arg})`);
}

// ---------------------------------------------------------------------------------------------

async function replay(op, arg) {
  if (!["keyring", "record", "keyring_text", "record_text", "recovery", "secret"].includes(op)) usage(`unknown op ${op}`);
  let input;
  try {
    input = isBinaryOp(op) ? fromHex(arg) : JSON.parse(arg);
  } catch {
    usage("INPUT must be hex (keyring, record) or a JSON string (text ops, recovery)");
  }
  if (isBinaryOp(op) && toHex(input) !== arg.toLowerCase()) usage("INPUT is not valid hex");
  if (!isBinaryOp(op) && typeof input !== "string") usage("INPUT must be a JSON string");
  const py = startPython();
  const [js] = await jsOutcome(op, input);
  const [pyOut] = await py.run([[op, wireInput(op, input)]]);
  py.close();
  console.log(`js:    ${js}\npyref: ${pyOut}\n${js === pyOut ? "same" : "DIFFERENT"}`);
  process.exitCode = js === pyOut ? 0 : 1;
}

async function main() {
  const started = process.hrtime.bigint();
  const V = loadVectors();
  const structGen = makeStructGen(V);
  const gens = {
    bytes: (r) => genBytes(r, V),
    struct: (r) => structGen(r),
    text: (r) => genText(r, V),
    recovery: (r) => genRecovery(r, V),
    secret: (r) => genSecret(r),
  };
  const py = startPython();
  const stats = {};
  const digest = createHash("sha256"); // of every input sent, so that two runs can be compared
  let pending = null; // [cases, promise of Python's outcomes]

  const check = async ([cases, promise]) => {
    const answers = await promise;
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i];
      const s = stats[c.category];
      if (answers[i] !== c.js) {
        report("DISAGREEMENT", c, answers[i]);
        py.kill();
        process.exit(1);
      }
      const key = c.js.startsWith("ok") ? "ok" : c.js;
      s.outcomes.set(key, (s.outcomes.get(key) ?? 0) + 1);
      s.n++;
    }
  };

  for (const [ci, category] of CATEGORIES.entries()) {
    const r = makeRng(opts.seed, ci);
    stats[category] = { n: 0, outcomes: new Map() };
    for (let done = 0; done < opts.count; ) {
      const size = Math.min(BATCH, opts.count - done);
      const cases = [];
      for (let i = 0; i < size; i++) {
        const { op, input } = await gens[category](r);
        const [js, mustEqual] = await jsOutcome(op, input);
        const c = { category, index: done + i, op, input, js };
        if (js.startsWith("crash")) {
          report("the port threw something other than a StrongroomError", c);
          py.kill();
          process.exit(1);
        }
        if (mustEqual && js.split(" ")[1] !== toHex(mustEqual)) {
          report("the port's re-encoding of a decoded value differs from its input (SR-CBOR-9)", c);
          py.kill();
          process.exit(1);
        }
        cases.push(c);
      }
      done += size;
      // Python works on this batch while the next one is generated.
      const wire = cases.map((c) => [c.op, wireInput(c.op, c.input)]);
      for (const w of wire) digest.update(JSON.stringify(w) + "\n");
      const next = [cases, py.run(wire)];
      if (pending) await check(pending);
      pending = next;
    }
  }
  if (pending) await check(pending);
  py.close();

  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  let total = 0;
  console.log(`diff-pyref: seed ${opts.seed}, --count ${opts.count} per category; JS and tools/pyref agree on every input`);
  for (const category of CATEGORIES) {
    const s = stats[category];
    total += s.n;
    const ok = s.outcomes.get("ok") ?? 0;
    const distinct = [...s.outcomes.keys()].filter((k) => k !== "ok").length;
    console.log(
      `  ${category.padEnd(9)} ${String(s.n).padStart(7)} inputs: ${String(ok).padStart(6)} decoded, ` +
        `${String(s.n - ok).padStart(7)} errors (${distinct} distinct class/reason)`,
    );
    if (opts.verbose) {
      for (const [k, n] of [...s.outcomes].sort((a, b) => b[1] - a[1])) console.log(`      ${String(n).padStart(7)}  ${k}`);
    }
  }
  console.log(`  total     ${String(total).padStart(7)} inputs in ${seconds.toFixed(1)} s (inputs sha256 ${digest.digest("hex").slice(0, 16)})`);
}

if (opts.replay) await replay(...opts.replay);
else await main();
