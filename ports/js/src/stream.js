// Sealed streams (SPEC.md 11.16): a 95-byte header, then the payload in 64 KiB chunks, each sealed
// on its own with AES-256-GCM under a key of the stream (SR-STR-2) in a frame whose nonce holds the
// chunk index, the final flag and the length (SR-STR-4). The stream key and commitment derive from
// the record root of the unlocked keyring and a fresh salt, so a browser session needs no new key:
// on WebCrypto the stream key is a non-extractable AES-GCM CryptoKey with one usage (encrypt or
// decrypt), derived by HKDF from the record-root CryptoKey, and the commitment comes from
// deriveBits; under Node it is node:crypto's synchronous AES-GCM.
//
// Memory: the sealer holds at most one chunk (C bytes) and knows a chunk is not the final one only
// when a byte after it has arrived (one byte of look-ahead); the opener holds at most the first
// 257 bytes (the header's size limit and one byte more) and then one frame (C + 32 bytes). The opener releases a
// chunk only after its tag has verified (SR-STR-6), holds the final chunk until the input has
// ended (only then is it known that nothing follows it, step 6.6), and errors the stream on any
// failure, truncation included (SR-STR-7): a stream that was cut never ends cleanly.
import { fail, limitExceeded, malformed, streamViolation } from "./errors.js";
import { ctEqual, writeU64be } from "./bytes.js";
import { decodeStreamHeader } from "./format.js";
import { drawRandom } from "./random.js";
import { limits } from "./limits.js";
import { backend } from "./backend/select.js";
import { streamKeys } from "./schedule.js";

/** C of SPEC.md 11.16: the plaintext bytes of every chunk but the final one. */
export const STREAM_CHUNK_SIZE = limits.streamChunkBytes;
/** The length of a v1 stream header (SPEC.md 11.16.2). */
export const STREAM_HEADER_LEN = limits.streamHeaderBytes;

const C = STREAM_CHUNK_SIZE;
const HEADER_LEN = STREAM_HEADER_LEN;
// The opener looks at the first 257 bytes before it decodes the header: an item that runs past
// 256 bytes is too_large only when the input is known to go on past them (SR-STR-1, format.js).
const HEADER_PREFIX = limits.maxStreamHeaderBytes + 1;
const FRAME_HEAD = 16; // tag4 || nonce
const OVERHEAD = limits.streamFrameOverhead; // frame head and GCM tag
const FRAME_MAX = C + OVERHEAD;
const LAST_INDEX = limits.maxStreamChunks - 1; // 2^32 - 1: only a final frame may have it (SR-STR-5)
const MAX_CONTEXT = limits.maxContextBytes;

const INTERNAL = Symbol("strongroom.stream");

// ---------------------------------------------------------------------------------------------
// The header

/** A decoded stream header (SPEC.md 11.16.2). Immutable; byte getters return copies. */
export class StreamHeader {
  #d;

  /** @private */
  constructor(token, decoded) {
    if (token !== INTERNAL) throw new TypeError("use StreamHeader.fromBytes");
    this.#d = decoded;
    Object.freeze(this);
  }

  /**
   * Decodes the header at the start of `bytes` (SR-STR-1): the frames may follow it, so bytes
   * after the header are not an error. Give at least 257 bytes, or the whole stream if it is
   * shorter, for the errors of SR-STR-1 (`truncated`, `too_large`) to be the stream's.
   * @param {Uint8Array} bytes
   */
  static fromBytes(bytes) {
    if (!(bytes instanceof Uint8Array)) throw new TypeError("bytes must be a Uint8Array");
    return new StreamHeader(INTERNAL, decodeStreamHeader(bytes));
  }

  /** The header's exact 95 bytes. */
  toBytes() {
    return Uint8Array.from(this.#d.bytes);
  }

  /** 95 in v1: the frames start at this offset. */
  get byteLength() {
    return this.#d.bytes.length;
  }

  get keyringId() {
    return Uint8Array.from(this.#d.keyringId);
  }

  get salt() {
    return Uint8Array.from(this.#d.salt);
  }

  /** 65,536 in v1 (header key 5 is its log2, 16). */
  get chunkSize() {
    return 2 ** this.#d.chunkExponent;
  }

  get commitment() {
    return Uint8Array.from(this.#d.commitment);
  }

  /**
   * How many chunks a stream of `totalBytes` bytes (header included) has, if it is intact:
   * ceil((T - 95) / (C + 32)) (SPEC.md 11.16.4, OpenChunk); the final chunk is this minus one.
   * @param {number} totalBytes
   */
  chunkCount(totalBytes) {
    if (!Number.isSafeInteger(totalBytes) || totalBytes < 0) throw new RangeError("totalBytes must be a non-negative integer");
    return Math.max(0, Math.ceil((totalBytes - this.#d.bytes.length) / FRAME_MAX));
  }
}

/** The v1 header: fixed heads around the keyring id, the salt and the commitment (11.16.4 step 3). */
function encodeHeader(keyringId, salt, commitment) {
  const h = new Uint8Array(HEADER_LEN);
  h.set([0xa6, 0x01, 0x04, 0x02, 0x01, 0x03, 0x50], 0);
  h.set(keyringId, 7);
  h.set([0x04, 0x58, 0x20], 23);
  h.set(salt, 26);
  h.set([0x05, 0x10], 58);
  h.set([0x06, 0x58, 0x20], 60);
  h.set(commitment, 63);
  return h;
}

/** stream_aad of SR-STR-3: SHA-256(header || u64be(len(context)) || context). */
async function streamAad(header, context) {
  const input = new Uint8Array(header.length + 8 + context.length);
  input.set(header, 0);
  writeU64be(input, header.length, context.length);
  input.set(context, header.length + 8);
  return backend().sha256(input);
}

/** The 12-byte nonce of SR-STR-4, written at `out[at .. at + 12]`. */
function writeNonce(out, at, index, final, n) {
  out[at] = 0;
  out[at + 1] = 0;
  out[at + 2] = 0;
  out[at + 3] = 0;
  out[at + 4] = index >>> 24;
  out[at + 5] = (index >>> 16) & 0xff;
  out[at + 6] = (index >>> 8) & 0xff;
  out[at + 7] = index & 0xff;
  out[at + 8] = final;
  out[at + 9] = n >>> 16;
  out[at + 10] = (n >>> 8) & 0xff;
  out[at + 11] = n & 0xff;
}

/** Copies a context argument (the caller may change its buffer while the stream runs). */
function ownBytes(v) {
  return Uint8Array.from(v);
}

/** A chunk of a Web Stream as a Uint8Array view (any ArrayBufferView or ArrayBuffer). */
function chunkBytes(chunk) {
  if (chunk instanceof Uint8Array) return chunk;
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new TypeError("a stream chunk must be a Uint8Array (or another ArrayBufferView, or an ArrayBuffer)");
}

// ---------------------------------------------------------------------------------------------
// SealStream (SPEC.md 11.16.4)

/** Steps 1 to 4 of SealStream; returns the header and a function that writes frame(i). */
async function prepareSeal(root, keyringId, context) {
  // 1. Context length, before the draw.
  if (context.length > MAX_CONTEXT) throw limitExceeded("context_too_long");
  // 2. Salt, key and commitment.
  const salt = drawRandom(32);
  return finishSeal(root, keyringId, context, salt, await streamKeys(root, salt, keyringId, "encrypt"));
}

async function finishSeal(root, keyringId, context, salt, { aes, commitment }) {
  // 3. Header; 4. stream_aad.
  const header = encodeHeader(keyringId, salt, commitment);
  const aad = await streamAad(header, context);
  const b = backend();
  const tag4 = salt.subarray(0, 4);
  /**
   * frame(i) of SR-STR-4 into `out` at `at` (out must have room for plaintext.length + 32 bytes);
   * stream_too_large for a non-final frame of index 2^32 - 1 (SR-STR-5).
   */
  async function frameInto(out, at, index, final, plaintext) {
    if (index > LAST_INDEX || (index === LAST_INDEX && !final)) throw limitExceeded("stream_too_large");
    const n = plaintext.length;
    out.set(tag4, at);
    writeNonce(out, at + 4, index, final ? 1 : 0, n);
    await b.gcmEncrypt(aes, out.subarray(at + 4, at + 16), aad, plaintext, out.subarray(at + FRAME_HEAD, at + OVERHEAD + n));
  }
  return { header, frameInto };
}

/**
 * SealStream as a TransformStream: plaintext bytes in, header and frames out.
 * @param {object} root record root handle
 * @param {Uint8Array} keyringId
 * @param {Uint8Array} context
 * @param {number} [startIndex] for tests of SR-STR-5 only (the index of the first chunk)
 * @returns {TransformStream<Uint8Array, Uint8Array>}
 */
export function sealStreamWithRoot(root, keyringId, context, startIndex = 0) {
  // Step 1 (the only check before the draw) throws here, at the call; step 2's draw happens here
  // too, synchronously, so that scripted randomness (testing.js) sees it inside its scope.
  if (context.length > MAX_CONTEXT) throw limitExceeded("context_too_long");
  const ctx = ownBytes(context);
  const salt = drawRandom(32);
  const pending = new Uint8Array(C); // the one chunk held back until a byte after it arrives
  let filled = 0;
  let index = startIndex;
  let sealer;

  const emit = async (controller, plaintext, final) => {
    const frame = new Uint8Array(plaintext.length + OVERHEAD);
    await sealer.frameInto(frame, 0, index, final, plaintext);
    index++;
    controller.enqueue(frame);
  };

  return new TransformStream({
    async start(controller) {
      sealer = await finishSeal(root, keyringId, ctx, salt, await streamKeys(root, salt, keyringId, "encrypt"));
      controller.enqueue(sealer.header.slice());
    },
    async transform(chunk, controller) {
      const bytes = chunkBytes(chunk);
      let pos = 0;
      while (pos < bytes.length) {
        // A full pending chunk with a byte after it is not the final one.
        if (filled === C) {
          await emit(controller, pending, false);
          filled = 0;
        }
        // Whole chunks straight from the input, when a byte follows them there.
        if (filled === 0 && bytes.length - pos > C) {
          await emit(controller, bytes.subarray(pos, pos + C), false);
          pos += C;
          continue;
        }
        const n = Math.min(C - filled, bytes.length - pos);
        pending.set(bytes.subarray(pos, pos + n), filled);
        filled += n;
        pos += n;
      }
    },
    async flush(controller) {
      // The payload ended within or right after the pending chunk: it is the final one (possibly
      // empty: an empty payload is one final frame of 32 bytes).
      try {
        await emit(controller, pending.subarray(0, filled), true);
      } finally {
        pending.fill(0);
      }
    },
  });
}

/**
 * SealStream over bytes held in memory: one allocation for the whole stream.
 * @returns {Promise<Uint8Array>}
 */
export async function sealStreamBytesWithRoot(root, keyringId, payload, context) {
  const { header, frameInto } = await prepareSeal(root, keyringId, context);
  const L = payload.length;
  const chunks = Math.max(1, Math.ceil(L / C));
  const out = new Uint8Array(HEADER_LEN + L + chunks * OVERHEAD);
  out.set(header, 0);
  let at = HEADER_LEN;
  for (let i = 0; i < chunks; i++) {
    const pt = payload.subarray(i * C, Math.min(L, (i + 1) * C));
    await frameInto(out, at, i, i === chunks - 1, pt);
    at += pt.length + OVERHEAD;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// OpenStream (SPEC.md 11.16.4)

/**
 * Steps 2 to 5 of OpenStream on a decoded header (step 1): keyring id, context length, key and
 * commitment (compared in constant time before any chunk is decrypted, SR-STR-6), stream_aad.
 */
async function prepareOpen(root, keyringId, h, context) {
  if (!ctEqual(h.keyringId, keyringId)) throw fail("wrong_keyring"); // 2
  if (context.length > MAX_CONTEXT) throw limitExceeded("context_too_long"); // 3
  const { aes, commitment } = await streamKeys(root, h.salt, keyringId, "decrypt"); // 4
  if (!ctEqual(commitment, h.commitment)) throw fail("stream_authentication_failed");
  const aad = await streamAad(h.bytes, context); // 5, from the header's exact bytes
  return { aes, aad, tag4: h.salt.slice(0, 4), headerLength: h.bytes.length };
}

/**
 * Steps 6.2 to 6.4 on the 16-byte frame head at `buf[at ..]`, for position `i`.
 * @returns {{final: number, n: number}}
 */
function checkFrameHead(buf, at, tag4, i) {
  // 6.2
  if (buf[at] !== tag4[0] || buf[at + 1] !== tag4[1] || buf[at + 2] !== tag4[2] || buf[at + 3] !== tag4[3]) {
    throw streamViolation("chunk_from_another_stream");
  }
  // 6.3
  const high = ((buf[at + 4] << 24) | (buf[at + 5] << 16) | (buf[at + 6] << 8) | buf[at + 7]) >>> 0;
  const index = ((buf[at + 8] << 24) | (buf[at + 9] << 16) | (buf[at + 10] << 8) | buf[at + 11]) >>> 0;
  const final = buf[at + 12];
  const n = (buf[at + 13] << 16) | (buf[at + 14] << 8) | buf[at + 15];
  if (
    high !== 0 ||
    final > 1 ||
    n > C ||
    (final === 0 && n !== C) ||
    (final === 0 && index === LAST_INDEX) ||
    (final === 1 && n === 0 && index > 0)
  ) {
    throw malformed("chunk_frame");
  }
  // 6.4
  if (index < i) throw streamViolation("chunk_duplicated");
  if (index > i) throw streamViolation("chunk_reordered");
  return { final, n };
}

/** Step 6.7: decrypts `frame` (head, ct, tag) as chunk i with the reader's own nonce. */
async function decryptFrame(keys, i, final, n, frame) {
  const nonce = new Uint8Array(12);
  writeNonce(nonce, 0, i, final, n);
  const pt = await backend().gcmDecrypt(keys.aes, nonce, keys.aad, frame.subarray(FRAME_HEAD, OVERHEAD + n));
  if (pt === null) throw fail("stream_authentication_failed");
  return pt;
}

/**
 * The opener's state machine, fed with the stream's bytes in pieces of any size; `emit` receives
 * each authenticated chunk in order. `end()` is the end of the input: it releases the final
 * chunk, or fails with stream_truncated.
 */
class Opener {
  #root;
  #keyringId;
  #context;
  #emit;
  #keys = null; // after the header: {aes, aad, tag4}
  #head = new Uint8Array(HEADER_PREFIX); // the first bytes, until the header is decoded
  #headLen = 0;
  #frame = new Uint8Array(FRAME_MAX); // the frame being received
  #have = 0;
  #total = 0; // the frame's length once its head has passed 6.2 to 6.4
  #final = 0;
  #n = 0;
  #i = 0;
  #finalHeld = false; // the final frame is complete and waits for the end of the input (6.6)
  #done = false;

  constructor(root, keyringId, context, emit) {
    this.#root = root;
    this.#keyringId = keyringId;
    this.#context = context;
    this.#emit = emit;
  }

  /** @param {Uint8Array} bytes */
  async push(bytes) {
    if (this.#done) throw new TypeError("the stream has ended");
    let pos = 0;
    if (this.#keys === null) {
      pos = Math.min(HEADER_PREFIX - this.#headLen, bytes.length);
      this.#head.set(bytes.subarray(0, pos), this.#headLen);
      this.#headLen += pos;
      if (this.#headLen < HEADER_PREFIX) return;
      await this.#openHeader();
    }
    if (pos < bytes.length) await this.#frames(bytes.subarray(pos));
  }

  async end() {
    if (this.#keys === null) await this.#openHeader();
    this.#done = true;
    if (!this.#finalHeld) {
      // 6.1 (no frame head, or nothing at all) or 6.5 (a frame cut short): the stream was cut.
      this.#frame.fill(0);
      throw streamViolation("stream_truncated");
    }
    try {
      await this.#emit(await decryptFrame(this.#keys, this.#i, 1, this.#n, this.#frame.subarray(0, this.#total)));
    } finally {
      this.#frame.fill(0);
    }
  }

  /** Steps 1 to 5, on the first min(257, all) bytes; then the rest of them are frame bytes. */
  async #openHeader() {
    const h = decodeStreamHeader(this.#head.subarray(0, this.#headLen)); // 1
    this.#keys = await prepareOpen(this.#root, this.#keyringId, h, this.#context); // 2-5
    const rest = this.#head.subarray(h.bytes.length, this.#headLen);
    if (rest.length > 0) await this.#frames(rest);
  }

  #checkHead(buf, at) {
    const { final, n } = checkFrameHead(buf, at, this.#keys.tag4, this.#i);
    this.#final = final;
    this.#n = n;
    this.#total = OVERHEAD + n;
  }

  async #complete(frame) {
    if (this.#final === 1) {
      // Held until the end of the input: 6.6 comes before 6.7.
      if (frame !== this.#frame) this.#frame.set(frame);
      this.#have = this.#total;
      this.#finalHeld = true;
      return;
    }
    const pt = await decryptFrame(this.#keys, this.#i, 0, this.#n, frame);
    this.#i++;
    this.#have = 0;
    this.#total = 0;
    await this.#emit(pt);
  }

  /** Step 6 for bytes after the header. */
  async #frames(bytes) {
    let pos = 0;
    while (pos < bytes.length) {
      if (this.#finalHeld) throw streamViolation("data_after_final_chunk"); // 6.6
      const left = bytes.length - pos;
      if (this.#have === 0 && left >= FRAME_HEAD) {
        // The frame head in the input itself; the whole frame too, most of the time.
        this.#checkHead(bytes, pos);
        const total = this.#total;
        if (left >= total) {
          await this.#complete(bytes.subarray(pos, pos + total));
          pos += total;
          continue;
        }
        this.#frame.set(bytes.subarray(pos));
        this.#have = left;
        return;
      }
      const want = this.#have < FRAME_HEAD ? FRAME_HEAD : this.#total;
      const take = Math.min(want - this.#have, left);
      this.#frame.set(bytes.subarray(pos, pos + take), this.#have);
      this.#have += take;
      pos += take;
      if (this.#have === FRAME_HEAD && this.#total === 0) this.#checkHead(this.#frame, 0);
      if (this.#total !== 0 && this.#have === this.#total) await this.#complete(this.#frame.subarray(0, this.#total));
    }
  }
}

/**
 * OpenStream as a TransformStream: sealed bytes in, authenticated chunks out; every failure errors
 * the stream (a reader's read() rejects with the StrongroomError), truncation at the end included.
 * @returns {TransformStream<Uint8Array, Uint8Array>}
 */
export function openStreamWithRoot(root, keyringId, context) {
  const ctx = ownBytes(context); // its length is step 3, after the header: checked there
  let opener;
  return new TransformStream({
    start(controller) {
      opener = new Opener(root, keyringId, ctx, (pt) => controller.enqueue(pt));
    },
    transform(chunk) {
      return opener.push(chunkBytes(chunk));
    },
    flush() {
      return opener.end();
    },
  });
}

/**
 * OpenStream over bytes held in memory; all or nothing.
 * @returns {Promise<Uint8Array>}
 */
export async function openStreamBytesWithRoot(root, keyringId, stream, context) {
  const parts = [];
  let total = 0;
  const opener = new Opener(root, keyringId, context, (pt) => {
    parts.push(pt);
    total += pt.length;
  });
  try {
    await opener.push(stream);
    await opener.end();
  } catch (e) {
    for (const p of parts) p.fill(0); // released chunks of a failed stream are not handed out
    throw e;
  }
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
    p.fill(0);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// OpenChunk (SPEC.md 11.16.4): random access

/**
 * A source of stream bytes: a Uint8Array, a Blob (File), or anything with
 * read(offset, length) -> Promise<Uint8Array> that returns fewer bytes only at the end.
 */
function sourceReader(source) {
  if (source instanceof Uint8Array) {
    return async (offset, length) => source.subarray(Math.min(offset, source.length), Math.min(source.length, offset + length));
  }
  if (typeof Blob !== "undefined" && source instanceof Blob) {
    return async (offset, length) => new Uint8Array(await source.slice(offset, offset + length).arrayBuffer());
  }
  if (source !== null && typeof source === "object" && typeof source.read === "function") {
    return async (offset, length) => {
      const r = await source.read(offset, length);
      if (!(r instanceof Uint8Array)) throw new TypeError("source.read must resolve to a Uint8Array");
      return r.length > length ? r.subarray(0, length) : r;
    };
  }
  throw new TypeError("source must be a Uint8Array, a Blob or an object with read(offset, length)");
}

/**
 * Random access to the chunks of a stream: steps 1 to 5 once, then chunk(i) for each chunk wanted.
 * @returns {Promise<{header: StreamHeader, chunk(index: number): Promise<{plaintext: Uint8Array, final: boolean}>}>}
 */
export async function streamChunksWithRoot(root, keyringId, source, context) {
  const read = sourceReader(source);
  const ctx = ownBytes(context);
  const d = decodeStreamHeader(await read(0, HEADER_PREFIX)); // 1
  const keys = await prepareOpen(root, keyringId, d, ctx); // 2-5
  const header = new StreamHeader(INTERNAL, d);
  return {
    header,
    async chunk(index) {
      if (!Number.isInteger(index) || index < 0 || index > LAST_INDEX) {
        throw new RangeError("index must be an integer from 0 to 2^32 - 1");
      }
      const R = await read(keys.headerLength + index * FRAME_MAX, FRAME_MAX);
      // 6.1 (not among OpenChunk's steps, but a read with no frame head is a stream cut there).
      if (R.length < FRAME_HEAD) throw streamViolation("stream_truncated");
      const { final, n } = checkFrameHead(R, 0, keys.tag4, index); // 6.2-6.4
      if (R.length < OVERHEAD + n) throw streamViolation("stream_truncated"); // 6.5
      // 6.6 does not apply: bytes after the frame are the next frame's.
      const plaintext = await decryptFrame(keys, index, final, n, R.subarray(0, OVERHEAD + n)); // 6.7
      return { plaintext, final: final === 1 };
    },
  };
}

/** OpenChunk of one chunk. @returns {Promise<{plaintext: Uint8Array, final: boolean}>} */
export async function openStreamChunkWithRoot(root, keyringId, source, index, context) {
  if (!Number.isInteger(index) || index < 0 || index > LAST_INDEX) {
    throw new RangeError("index must be an integer from 0 to 2^32 - 1");
  }
  return (await streamChunksWithRoot(root, keyringId, source, context)).chunk(index);
}
