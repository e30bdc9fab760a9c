// Sealed streams (SPEC.md 11.16) through the public API, on both backends: round trips at the
// chunk boundaries through the TransformStreams and the in-memory helpers, identical bytes on
// node:crypto and WebCrypto for a scripted salt, the header layout and decoder (SR-STR-1), every
// attack row of 11.16.4's table with its class/reason (through openStreamBytes, through openStream
// where reader.read() must reject, and through OpenChunk where the row applies), the release
// rules (nothing of the final chunk before the input ends; a cut stream errors, never ends),
// random access to every chunk from a Uint8Array, a Blob and a read(offset, length) source,
// stream_too_large (SR-STR-5), and a 64 MiB stream through sealStream -> openStream in constant
// memory.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";

import {
  Keyring,
  UnlockPolicy,
  StrongroomError,
  StreamHeader,
  STREAM_CHUNK_SIZE,
  STREAM_HEADER_LEN,
} from "../src/index.js";
import { useBackend, withRandom, ScriptedRandom } from "../src/testing.js";
import { exportSessionState } from "../src/keyring.js";
import { sealStreamWithRoot } from "../src/stream.js";
import { hex, utf8 } from "../src/bytes.js";

const C = STREAM_CHUNK_SIZE;
const F = C + 32; // a full frame
const H = STREAM_HEADER_LEN;
const policy = new UnlockPolicy({
  pbkdf2Iterations: [1, 2_000_000], argon2MemoryKib: [8, 262_144], argon2TimeCost: [1, 8],
  argon2Parallelism: [1, 8], maxUnlockWork: 16_777_216,
});
const KDF = { id: 1, iterations: 2 };
const CTX = "files/alice/report.pdf";

function payload(n, seed = 1) {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** A ReadableStream of `bytes` in pieces of `size` bytes. */
function readable(bytes, size) {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

async function collect(rs) {
  const parts = [];
  for await (const p of rs) parts.push(p);
  return Buffer.concat(parts);
}

const sealVia = (u, bytes, size, ctx = CTX) => collect(readable(bytes, size).pipeThrough(u.sealStream(ctx)));
const openVia = (u, bytes, size, ctx = CTX) => collect(readable(bytes, size).pipeThrough(u.openStream(ctx)));

function isErr(cls, reason = null) {
  return (e) => {
    assert.ok(e instanceof StrongroomError, `expected a StrongroomError, got ${e}`);
    assert.equal(e.class, cls, `class (${e.message})`);
    assert.equal(e.reason, reason, `reason (${e.message})`);
    return true;
  };
}

const frameAt = (s, i) => 95 + i * F;
const cat = (...parts) => Uint8Array.from(Buffer.concat(parts.map((p) => Buffer.from(p))));

for (const backend of ["node", "webcrypto"]) {
  test(`round trips at the chunk boundaries (${backend} backend)`, async () => {
    await useBackend(backend);
    const u = await Keyring.create("pw", { kdf: KDF, policy });
    for (const L of [0, 1, C - 1, C, C + 1, 3 * C + 5]) {
      const pt = payload(L, L + 1);
      const chunks = Math.max(1, Math.ceil(L / C));
      const sealed = await u.sealStreamBytes(pt, CTX);
      assert.equal(sealed.length, H + L + 32 * chunks, `length for ${L}`);
      assert.deepEqual(await u.openStreamBytes(sealed, CTX), pt);
      // Through the streams, with pieces that do and do not line up with the frames.
      for (const size of [1000, C, 3 * C + 7]) {
        if (L > 70_000 && size === 1000 && backend === "webcrypto") continue; // slow, same path as node
        const viaStream = await sealVia(u, pt, size);
        assert.equal(viaStream.length, sealed.length);
        assert.deepEqual(new Uint8Array(await openVia(u, viaStream, size === C ? F : 777)), pt, `stream ${L}/${size}`);
        assert.deepEqual(await u.openStreamBytes(new Uint8Array(viaStream), CTX), pt);
      }
      // The last frame says final, the others not.
      for (let i = 0; i < chunks; i++) assert.equal(sealed[frameAt(sealed, i) + 12], i === chunks - 1 ? 1 : 0);
    }
    // A one-byte-at-a-time writer still gets the right frames.
    const pt = payload(C + 3);
    assert.deepEqual(new Uint8Array(await openVia(u, new Uint8Array(await sealVia(u, pt, 1)), 1)), pt);
  });

  test(`the release rules: one chunk held, the final one only at the end (${backend} backend)`, async () => {
    await useBackend(backend);
    const u = await Keyring.create("pw", { kdf: KDF, policy });
    const pending = (p) => Promise.race([p.then(() => "done"), new Promise((r) => setTimeout(() => r("pending"), 50))]);
    // Sealer: C bytes give only the header (the chunk may be the final one); one byte more releases
    // frame 0 as not final; the end releases the final frame.
    const ts = u.sealStream(CTX);
    const w = ts.writable.getWriter();
    const r = ts.readable.getReader();
    assert.equal((await r.read()).value.length, H);
    w.write(payload(C));
    const next = r.read();
    assert.equal(await pending(next), "pending");
    w.write(Uint8Array.of(7));
    const f0 = (await next).value;
    assert.equal(f0.length, F);
    assert.equal(f0[12], 0);
    w.close();
    const f1 = (await r.read()).value;
    assert.equal(f1.length, 33);
    assert.equal(f1[12], 1);
    assert.equal((await r.read()).done, true);

    // Opener: the complete final frame is not released before the input ends (6.6 comes first).
    const sealed = await u.sealStreamBytes(payload(10), CTX);
    const ots = u.openStream(CTX);
    const ow = ots.writable.getWriter();
    const or = ots.readable.getReader();
    ow.write(sealed);
    const first = or.read();
    assert.equal(await pending(first), "pending");
    ow.close();
    assert.deepEqual((await first).value, payload(10));
    assert.equal((await or.read()).done, true);

    // A stream cut after chunk 1 of 4: chunks 0 and 1 come out, then read() rejects, never done.
    const big = await u.sealStreamBytes(payload(3 * C + 5), CTX);
    const cut = big.subarray(0, frameAt(big, 2));
    const reader = readable(cut, 5000).pipeThrough(u.openStream(CTX)).getReader();
    const got = [];
    await assert.rejects(async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw new Error("a truncated stream ended cleanly");
        got.push(value);
      }
    }, isErr("stream_violation", "stream_truncated"));
    assert.equal(got.length, 2);
    assert.deepEqual(new Uint8Array(Buffer.concat(got)), payload(3 * C + 5).subarray(0, 2 * C));
    // An empty input, too.
    await assert.rejects(openVia(u, new Uint8Array(0), 1), isErr("malformed", "truncated"));
    await assert.rejects(openVia(u, big.subarray(0, H), 1), isErr("stream_violation", "stream_truncated"));
  });

  test(`every attack row of SPEC.md 11.16.4 gives its class and reason (${backend} backend)`, async () => {
    await useBackend(backend);
    const u = await Keyring.create("pw", { kdf: KDF, policy });
    const stranger = await Keyring.create("pw", { kdf: KDF, policy });
    const pt = payload(3 * C + 5);
    const s = await u.sealStreamBytes(pt, CTX);
    const other = await u.sealStreamBytes(payload(3 * C + 5, 9), CTX); // same keyring, another salt
    const frame = (bytes, i) => bytes.subarray(frameAt(bytes, i), Math.min(bytes.length, frameAt(bytes, i + 1)));
    const header = s.subarray(0, H);
    const flip = (bytes, at, bit = 0) => {
      const t = Uint8Array.from(bytes);
      t[at] ^= 1 << bit;
      return t;
    };

    /** [name, stream bytes, class, reason, context?, keyring?] */
    const rows = [
      ["another user's stream", s, "wrong_keyring", null, CTX, stranger],
      ["another context", s, "stream_authentication_failed", null, "files/alice/other.pdf"],
      ["altered header: salt", flip(s, 40), "stream_authentication_failed", null],
      ["altered header: commitment", flip(s, 90, 7), "stream_authentication_failed", null],
      ["altered header: keyring id", flip(s, 10), "wrong_keyring", null],
      ["altered header: chunk size", flip(s, 59, 0), "malformed", "value_out_of_range"],
      ["cut after the header", s.subarray(0, H), "stream_violation", "stream_truncated"],
      ...[1, 2, 3].map((k) => [`cut at chunk boundary ${k}`, s.subarray(0, frameAt(s, k)), "stream_violation", "stream_truncated"]),
      ["cut inside a frame head", s.subarray(0, frameAt(s, 1) + 7), "stream_violation", "stream_truncated"],
      ["cut inside a frame's ciphertext", s.subarray(0, frameAt(s, 1) + 100), "stream_violation", "stream_truncated"],
      ["cut inside the final frame", s.subarray(0, s.length - 1), "stream_violation", "stream_truncated"],
      ["chunks 0 and 1 swapped", cat(header, frame(s, 1), frame(s, 0), frame(s, 2), frame(s, 3)), "stream_violation", "chunk_reordered"],
      ["chunks 1 and 2 swapped", cat(header, frame(s, 0), frame(s, 2), frame(s, 1), frame(s, 3)), "stream_violation", "chunk_reordered"],
      ["chunk 1 dropped", cat(header, frame(s, 0), frame(s, 2), frame(s, 3)), "stream_violation", "chunk_reordered"],
      ["chunk 0 repeated", cat(header, frame(s, 0), frame(s, 0), frame(s, 1), frame(s, 2), frame(s, 3)), "stream_violation", "chunk_duplicated"],
      ["final chunk repeated", cat(s, frame(s, 3)), "stream_violation", "data_after_final_chunk"],
      ["a byte appended", cat(s, [0]), "stream_violation", "data_after_final_chunk"],
      ["a chunk of another stream", cat(header, frame(s, 0), frame(other, 1), frame(s, 2), frame(s, 3)), "stream_violation", "chunk_from_another_stream"],
      ["a chunk altered", flip(s, frameAt(s, 2) + 500), "stream_authentication_failed", null],
      ["a tag altered", flip(s, s.length - 1), "stream_authentication_failed", null],
      ["another stream's chunk relabelled", cat(header, frame(s, 0), cat(s.subarray(26, 30), frame(other, 1).subarray(4)), frame(s, 2), frame(s, 3)), "stream_authentication_failed", null],
      ["chunk 2 relabelled as chunk 1", (() => {
        const f2 = Uint8Array.from(frame(s, 2));
        f2[11] = 1;
        return cat(header, frame(s, 0), f2, frame(s, 3));
      })(), "stream_authentication_failed", null],
      ["frame final byte 2", (() => {
        const t = Uint8Array.from(s);
        t[frameAt(s, 1) + 12] = 2;
        return t;
      })(), "malformed", "chunk_frame"],
      ["non-final frame marked final", (() => {
        // final = 1 with a full length passes 6.3; the frames after it are data after the final chunk.
        const t = Uint8Array.from(s);
        t[frameAt(s, 0) + 12] = 1;
        return t;
      })(), "stream_violation", "data_after_final_chunk"],
      ["index 2^32", (() => {
        const t = Uint8Array.from(s);
        t[frameAt(s, 0) + 7] = 1;
        return t;
      })(), "malformed", "chunk_frame"],
      ["a final frame longer than C", (() => {
        const t = Uint8Array.from(s);
        t[frameAt(s, 3) + 13] = 0x01;
        t[frameAt(s, 3) + 14] = 0x00;
        t[frameAt(s, 3) + 15] = 0x01;
        return t;
      })(), "malformed", "chunk_frame"],
    ];
    for (const [name, bytes, cls, reason, ctx = CTX, keyring = u] of rows) {
      await assert.rejects(keyring.openStreamBytes(bytes, ctx), isErr(cls, reason), `${name} (openStreamBytes)`);
      // Through the TransformStream, in pieces that cut across the frames: read() rejects.
      await assert.rejects(openVia(keyring, bytes, 10_000, ctx), isErr(cls, reason), `${name} (openStream)`);
    }

    // OpenChunk: the rows that concern one chunk, at its position.
    await assert.rejects(stranger.openStreamChunk(s, 0, CTX), isErr("wrong_keyring"));
    await assert.rejects(u.openStreamChunk(s, 0, "other"), isErr("stream_authentication_failed"));
    const swapped = cat(header, frame(s, 1), frame(s, 0), frame(s, 2), frame(s, 3));
    await assert.rejects(u.openStreamChunk(swapped, 0, CTX), isErr("stream_violation", "chunk_reordered"));
    await assert.rejects(u.openStreamChunk(swapped, 1, CTX), isErr("stream_violation", "chunk_duplicated"));
    const mixed = cat(header, frame(s, 0), frame(other, 1), frame(s, 2), frame(s, 3));
    await assert.rejects(u.openStreamChunk(mixed, 1, CTX), isErr("stream_violation", "chunk_from_another_stream"));
    await assert.rejects(u.openStreamChunk(flip(s, frameAt(s, 2) + 40), 2, CTX), isErr("stream_authentication_failed"));
    await assert.rejects(u.openStreamChunk(s.subarray(0, s.length - 1), 3, CTX), isErr("stream_violation", "stream_truncated"));
    await assert.rejects(u.openStreamChunk(s, 4, CTX), isErr("stream_violation", "stream_truncated"));
    // Appended bytes do not concern chunk 3 (6.6 is not a step of OpenChunk).
    assert.deepEqual((await u.openStreamChunk(cat(s, [1, 2, 3]), 3, CTX)).plaintext, pt.subarray(3 * C));
  });

  test(`random access to every chunk (${backend} backend)`, async () => {
    await useBackend(backend);
    const u = await Keyring.create("pw", { kdf: KDF, policy });
    for (const L of [0, C, 3 * C + 5]) {
      const pt = payload(L, 3);
      const s = await u.sealStreamBytes(pt, CTX);
      const header = StreamHeader.fromBytes(s);
      const n = header.chunkCount(s.length);
      assert.equal(n, Math.max(1, Math.ceil(L / C)));
      let reads = 0;
      const sources = {
        bytes: s,
        blob: new Blob([s]),
        reader: {
          async read(offset, length) {
            reads++;
            assert.ok(length <= F + 1, "OpenChunk reads at most one frame (or the header prefix)");
            return s.slice(offset, offset + length);
          },
        },
      };
      for (const [kind, source] of Object.entries(sources)) {
        for (let i = 0; i < n; i++) {
          const { plaintext, final } = await u.openStreamChunk(source, i, CTX);
          assert.deepEqual(plaintext, pt.subarray(i * C, Math.min(L, (i + 1) * C)), `${kind} chunk ${i}`);
          assert.equal(final, i === n - 1);
        }
        const many = await u.openStreamChunks(source, CTX);
        assert.deepEqual(many.header.toBytes(), header.toBytes());
        assert.deepEqual((await many.chunk(n - 1)).plaintext, pt.subarray((n - 1) * C));
      }
      assert.equal(reads, 2 * n + 2);
    }
    await assert.rejects(u.openStreamChunk(new Uint8Array(200), -1, CTX), RangeError);
    await assert.rejects(u.openStreamChunk("nope", 0, CTX), TypeError);
  });

  test(`identical bytes on both backends for a scripted salt; the header layout (${backend} backend)`, async () => {
    await useBackend("node");
    const created = await Keyring.create("pw", { kdf: KDF, policy });
    const keyringBytes = created.keyring.toBytes();
    const salt = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
    const pt = payload(C + 17, 5);
    const sealWith = async (name) => {
      await useBackend(name);
      const u = await Keyring.fromBytes(keyringBytes).unlock("pw", policy);
      const viaBytes = await withRandom(new ScriptedRandom([salt]), () => u.sealStreamBytes(pt, CTX));
      const viaStream = new Uint8Array(await withRandom(new ScriptedRandom([salt]), () => sealVia(u, pt, 4096)));
      assert.deepEqual(viaStream, viaBytes);
      return viaBytes;
    };
    const a = await sealWith("node");
    const b = await sealWith("webcrypto");
    assert.equal(hex(a), hex(b));
    await useBackend(backend);
    const h = StreamHeader.fromBytes(a);
    assert.equal(hex(a.subarray(0, 7)), "a6010402010350");
    assert.deepEqual(h.keyringId, created.keyring.id instanceof Uint8Array ? created.keyring.id : h.keyringId);
    assert.equal(hex(a.subarray(23, 26)), "045820");
    assert.deepEqual(h.salt, salt);
    assert.equal(hex(a.subarray(58, 63)), "0510065820");
    assert.equal(h.chunkSize, C);
    assert.equal(h.byteLength, 95);
    assert.deepEqual(a.subarray(H, H + 4), salt.subarray(0, 4)); // tag4
    // The frame head: u64be(0) || 00 || u24be(C).
    assert.equal(hex(a.subarray(H + 4, H + 16)), "0000000000000000" + "00" + "010000");
  });

  test(`limits and argument checks (${backend} backend)`, async () => {
    await useBackend(backend);
    const u = await Keyring.create("pw", { kdf: KDF, policy });
    const stranger = await Keyring.create("pw", { kdf: KDF, policy });
    const long = new Uint8Array(4097);
    // SealStream step 1: at the call, before the salt is drawn.
    // (an empty script would fail a draw with randomness_unavailable)
    await assert.rejects(withRandom(new ScriptedRandom([]), async () => u.sealStream(long)), isErr("limit_exceeded", "context_too_long"));
    assert.throws(() => u.sealStream(long), isErr("limit_exceeded", "context_too_long"));
    await assert.rejects(u.sealStreamBytes(new Uint8Array(1), long), isErr("limit_exceeded", "context_too_long"));
    assert.throws(() => u.sealStream(), TypeError);
    // OpenStream: the header (1) and the keyring (2) come before the context length (3).
    const s = await u.sealStreamBytes(new Uint8Array(5), CTX);
    await assert.rejects(u.openStreamBytes(new Uint8Array([0xa1]), long), isErr("malformed", "truncated"));
    await assert.rejects(stranger.openStreamBytes(s, long), isErr("wrong_keyring"));
    await assert.rejects(u.openStreamBytes(s, long), isErr("limit_exceeded", "context_too_long"));
    await assert.rejects(openVia(u, s, 7, long), isErr("limit_exceeded", "context_too_long"));
    // A chunk that is not bytes errors the stream with a TypeError.
    await assert.rejects(collect(new ReadableStream({ start(c) { c.enqueue("text"); c.close(); } }).pipeThrough(u.sealStream(CTX))), TypeError);

    // SR-STR-5: from index 2^32 - 2 (a test hook), a third chunk would need a non-final frame of
    // index 2^32 - 1: stream_too_large; two chunks (the second final at 2^32 - 1) are fine.
    const { recordRoot, keyringId } = exportSessionState(u);
    const sealFrom = (bytes) => collect(readable(bytes, C).pipeThrough(sealStreamWithRoot(recordRoot, keyringId, utf8(CTX), 2 ** 32 - 2)));
    const ok = await sealFrom(payload(2 * C));
    assert.equal(ok[H + F + 12], 1);
    assert.equal(hex(ok.subarray(H + F + 4, H + F + 12)), "00000000ffffffff");
    await assert.rejects(sealFrom(payload(2 * C + 1)), isErr("limit_exceeded", "stream_too_large"));
  });
}

test("the stream header decoder (SR-STR-1)", () => {
  const good = new Uint8Array(95);
  good.set([0xa6, 0x01, 0x04, 0x02, 0x01, 0x03, 0x50]);
  good.set([0x04, 0x58, 0x20], 23);
  good.set([0x05, 0x10, 0x06, 0x58, 0x20], 58);
  const dec = (b) => StreamHeader.fromBytes(b);
  assert.equal(dec(good).byteLength, 95);
  assert.equal(dec(cat(good, new Uint8Array(1000))).byteLength, 95); // frames may follow
  for (let cut = 0; cut < 95; cut++) assert.throws(() => dec(good.subarray(0, cut)), isErr("malformed", "truncated"), `cut ${cut}`);
  const t = (at, v) => {
    const b = Uint8Array.from(good);
    b[at] = v;
    return b;
  };
  assert.throws(() => dec(t(2, 0x02)), isErr("malformed", "wrong_object_type"));
  assert.throws(() => dec(t(4, 0x02)), isErr("unsupported_version"));
  assert.throws(() => dec(t(59, 0x11)), isErr("malformed", "value_out_of_range"));
  assert.throws(() => dec(t(59, 0x40)), isErr("malformed", "unexpected_type"));
  assert.throws(() => dec(t(0, 0xa7)), isErr("malformed", "truncated"));
  assert.throws(() => dec(cat(t(0, 0xa7), [0x07, 0x00])), isErr("malformed", "unknown_key"));
  assert.throws(() => dec(cat(t(0, 0xa5).subarray(0, 58), good.subarray(60))), isErr("malformed", "missing_key"));
  // A salt of 300 bytes: too_large when the input goes on past 256 bytes, truncated when it stops.
  const big = cat(good.subarray(0, 23), [0x04, 0x59, 0x01, 0x2c], new Uint8Array(300), good.subarray(58));
  assert.throws(() => dec(big), isErr("malformed", "too_large"));
  assert.throws(() => dec(big.subarray(0, 200)), isErr("malformed", "truncated"));
  assert.throws(() => dec(big.subarray(0, 256)), isErr("malformed", "truncated"));
  assert.throws(() => dec(big.subarray(0, 257)), isErr("malformed", "too_large"));
  assert.throws(() => dec("x"), TypeError);
});

test("a 64 MiB stream through sealStream -> openStream in constant memory (node backend)", { timeout: 300_000 }, async (t) => {
  await useBackend("node");
  const u = await Keyring.create("pw", { kdf: KDF, policy });
  const TOTAL = 64 * 1024 * 1024;
  const PIECE = 1024 * 1024 + 3; // not a multiple of the chunk size
  const inHash = createHash("sha256");
  const outHash = createHash("sha256");
  let produced = 0;
  let counter = 0;
  const source = new ReadableStream({
    pull(c) {
      if (produced >= TOTAL) return c.close();
      const n = Math.min(PIECE, TOTAL - produced);
      const piece = new Uint8Array(n);
      const view = new Uint32Array(piece.buffer, 0, n >>> 2);
      for (let i = 0; i < view.length; i++) view[i] = counter++;
      inHash.update(piece);
      produced += n;
      c.enqueue(piece);
    },
  });
  globalThis.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  let received = 0;
  const started = Date.now();
  await source
    .pipeThrough(u.sealStream(CTX))
    .pipeThrough(u.openStream(CTX))
    .pipeTo(new WritableStream({
      write(chunk) {
        received += chunk.length;
        outHash.update(chunk);
        if ((received & 0xfffff) < C) peak = Math.max(peak, process.memoryUsage().rss);
      },
    }));
  peak = Math.max(peak, process.memoryUsage().rss);
  const seconds = (Date.now() - started) / 1000;
  const growth = (peak - base) / 2 ** 20;
  t.diagnostic(`64 MiB sealed and opened in ${seconds.toFixed(2)} s; rss ${(base / 2 ** 20).toFixed(1)} -> peak ${(peak / 2 ** 20).toFixed(1)} MiB (growth ${growth.toFixed(1)} MiB)`);
  console.log(`# stream 64 MiB: ${seconds.toFixed(2)} s, rss growth ${growth.toFixed(1)} MiB`);
  assert.equal(received, TOTAL);
  assert.equal(outHash.digest("hex"), inHash.digest("hex"));
  // The pipeline holds a few pieces of 1 MiB and one frame per stage; garbage not yet collected
  // comes on top. Holding the stream would be 64 MiB or more of growth.
  assert.ok(growth < 40, `rss grew by ${growth.toFixed(1)} MiB`);
});
