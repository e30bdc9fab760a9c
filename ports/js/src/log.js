// Logs (SPEC.md 11.15): entries are sealed records bound to their log and position by the
// log-entry context (SR-LOG-2), a MACed checkpoint (object type 3, text "src1.") commits to every
// entry through an RFC 9162 Merkle tree (SR-LOG-4), and a log pin per log lets a client refuse a
// replaced, truncated or forked log and any dropped, altered, reordered or replayed entry.
//
// This module holds the public objects (LogId, Checkpoint, VerifiedCheckpoint, LogState,
// LogAppend, LogTree) and the operations, which UnlockedKeyring (src/keyring.js) calls with its
// private keys: the record root (to seal and open entries) and the log key (SR-LOG-7, an HMAC key
// with sign and verify, to make and check checkpoint MACs). The reference is the Rust crate's
// src/log/mod.rs: every check here is in its order, and the numbered steps are SPEC.md's.
//
// Hashing: the Merkle tree hashes public values only (entry bytes the server stores, and hashes),
// synchronously (backend().sha256Sync: OpenSSL under Node, plain JavaScript under WebCrypto).
// Sizes and positions are Numbers: every size is at most 2^53 - 1 (SR-LOG-3, SR-LOG-5), so the
// arithmetic below uses % 2 and Math.floor(x / 2), never 32-bit bit operators.
import { fail, limitExceeded, historyViolation } from "./errors.js";
import { concat, ctEqual, hex, fromHex } from "./bytes.js";
import { head, encodeUint, encodeBytes, encodeTextString } from "./cbor.js";
import { decodeCheckpoint, checkpointBody, checkpointTail } from "./format.js";
import { checkpointToText, checkpointFromText } from "./text.js";
import { drawRandom } from "./random.js";
import { limits } from "./limits.js";
import { backend } from "./backend/select.js";
import { SealedRecord, sealWithRoot, openWithRoot } from "./record.js";

const MAX_LOG_SIZE = limits.maxLogSize; // 2^53 - 1
const MAX_APP = limits.maxLogAppContextBytes; // 3,900
const MAX_PROOF = limits.maxProofHashes; // 64
const MAX_RECORD = limits.maxRecordBytes;
const MAC_ENTRY_LEN = 35; // 07 58 20 || mac (SR-LOG-6)
const LOG_ENTRY_CONTEXT_TYPE = encodeTextString("strongroom/v1/log-entry");
// How many entries openLogEntries opens at once (as sealMany / openMany do).
const OPEN_WINDOW = 64;

const INTERNAL = Symbol("strongroom.log");

// ---------------------------------------------------------------------------------------------
// The Merkle tree (SPEC.md 11.15.3, 11.15.5; RFC 9162 section 2.1)

const sha256 = (...parts) => backend().sha256Sync(...parts);
const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** SHA-256(""): the root of the empty log. */
const emptyRoot = () => sha256();
/** SR-LOG-4: SHA-256(00 || entry bytes). */
const leafHash = (entry) => sha256(LEAF_PREFIX, entry);
/** SR-LOG-4: SHA-256(01 || left || right). */
const nodeHash = (left, right) => sha256(NODE_PREFIX, left, right);

const odd = (x) => x % 2 === 1;
const half = (x) => Math.floor(x / 2);

function popcount(n) {
  let c = 0;
  for (let x = n; x > 0; x = half(x)) if (odd(x)) c++;
  return c;
}

const isPowerOfTwo = (n) => n > 0 && popcount(n) === 1;

/**
 * Append(frontier, n, h) of SPEC.md 11.15.3, in place: merges as binary addition carries. A
 * frontier shorter than popcount(n) (not one this module accepts) stops merging, as Rust does.
 */
function frontierPush(frontier, size, leaf) {
  let node = leaf;
  let s = size;
  while (odd(s)) {
    if (frontier.length === 0) break;
    node = nodeHash(frontier.pop(), node);
    s = half(s);
  }
  frontier.push(node);
}

/** Root(frontier) of SPEC.md 11.15.3: folded from the right. */
function frontierRoot(frontier) {
  if (frontier.length === 0) return emptyRoot();
  let r = frontier[frontier.length - 1];
  for (let i = frontier.length - 2; i >= 0; i--) r = nodeHash(frontier[i], r);
  return r;
}

/** SR-LOG-13: one hash per set bit of `size`, folding to `root`. */
function frontierMatches(frontier, size, root) {
  return frontier.length === popcount(size) && ctEqual(frontierRoot(frontier), root);
}

/** VerifyInclusion of SPEC.md 11.15.5 (RFC 9162 2.1.3.2), SR-LOG-8. */
function verifyInclusion(index, size, leaf, proof, root) {
  if (index >= size || size > MAX_LOG_SIZE || proof.length > MAX_PROOF) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && ctEqual(r, root);
}

/** VerifyConsistency of SPEC.md 11.15.5 (RFC 9162 2.1.4.2), SR-LOG-9, for 0 < m < n. */
function verifyConsistency(m, n, rootM, rootN, proof) {
  if (m === 0 || m >= n || n > MAX_LOG_SIZE || proof.length > MAX_PROOF || proof.length === 0) return false;
  const path = isPowerOfTwo(m) ? [rootM, ...proof] : proof;
  let fn = m - 1;
  let sn = n - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0];
  let sr = path[0];
  for (let i = 1; i < path.length; i++) {
    const c = path[i];
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && ctEqual(fr, rootM) && ctEqual(sr, rootN);
}

/** The largest power of two strictly below n, for n >= 2 (RFC 9162's split point k). */
function split(n) {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH of a list of leaf hashes. */
function mth(leaves) {
  const frontier = [];
  for (let i = 0; i < leaves.length; i++) frontierPush(frontier, i, leaves[i]);
  return frontierRoot(frontier);
}

/** RFC 9162 PATH(m, D[n]), appended to `out` leaf side first. */
function path(m, leaves, out) {
  if (leaves.length <= 1) return;
  const k = split(leaves.length);
  if (m < k) {
    path(m, leaves.slice(0, k), out);
    out.push(mth(leaves.slice(k)));
  } else {
    path(m - k, leaves.slice(k), out);
    out.push(mth(leaves.slice(0, k)));
  }
}

/** RFC 9162 SUBPROOF(m, D[n], b), appended to `out`. */
function subproof(m, leaves, complete, out) {
  const n = leaves.length;
  if (m === n) {
    if (!complete) out.push(mth(leaves));
    return;
  }
  const k = split(n);
  if (m <= k) {
    subproof(m, leaves.slice(0, k), complete, out);
    out.push(mth(leaves.slice(k)));
  } else {
    subproof(m - k, leaves.slice(k), false, out);
    out.push(mth(leaves.slice(0, k)));
  }
}

// ---------------------------------------------------------------------------------------------
// Argument checks (TypeErrors: caller bugs, outside the error classes of SPEC.md section 14)

function bytes(v, n, what) {
  if (!(v instanceof Uint8Array) || (n !== undefined && v.length !== n)) {
    throw new TypeError(`${what} must be a Uint8Array${n === undefined ? "" : ` of ${n} bytes`}`);
  }
  return v;
}

function count(v, what) {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new TypeError(`${what} must be a non-negative integer`);
  return v;
}

/** A proof from the server: a list of 32-byte hashes (null or undefined: the empty proof). */
function proofArg(v, what) {
  if (v === undefined || v === null) return [];
  if (typeof v !== "object" || typeof v[Symbol.iterator] !== "function") throw new TypeError(`${what} must be an array of 32-byte Uint8Arrays`);
  const list = [...v];
  for (const h of list) bytes(h, 32, `each hash of ${what}`);
  return list;
}

function hexArg(v, n, what) {
  if (typeof v !== "string" || v.length !== 2 * n) throw new TypeError(`${what} must be ${n} bytes of hex`);
  return fromHex(v);
}

// ---------------------------------------------------------------------------------------------
// Log ids and the entry context (SPEC.md 11.15.2)

/**
 * The log-entry context of SR-LOG-2: enc(["strongroom/v1/log-entry", log_id, position, app]).
 * limit_exceeded context_too_long for an app over 3,900 bytes, then log_full for a position of
 * 2^53 - 1 or more (SR-LOG-3), in the Rust crate's order.
 */
function entryContext(logId, position, app) {
  if (app.length > MAX_APP) throw limitExceeded("context_too_long");
  if (!(position < MAX_LOG_SIZE)) throw limitExceeded("log_full");
  return concat(head(4, 4), LOG_ENTRY_CONTEXT_TYPE, encodeBytes(logId), encodeUint(position), encodeBytes(app));
}

/** The identity of a log: 16 random bytes drawn by the client that creates it (SR-LOG-1). */
export class LogId {
  #bytes;

  /** @private */
  constructor(token, b) {
    if (token !== INTERNAL) throw new TypeError("use LogId.generate, LogId.fromBytes or LogId.fromHex");
    this.#bytes = b;
    Object.freeze(this);
  }

  /** A fresh log id from the CSPRNG (SR-LOG-1). randomness_unavailable if it fails. */
  static generate() {
    return new LogId(INTERNAL, drawRandom(16));
  }

  /** A log id from its 16 bytes, as the client stored them. @param {Uint8Array} b */
  static fromBytes(b) {
    return new LogId(INTERNAL, Uint8Array.from(bytes(b, 16, "log id")));
  }

  /** A log id from 32 hex digits. @param {string} s */
  static fromHex(s) {
    return new LogId(INTERNAL, hexArg(s, 16, "log id"));
  }

  /** The 16 bytes (a copy). */
  get bytes() {
    return Uint8Array.from(this.#bytes);
  }

  /** Lowercase hex. */
  toHex() {
    return hex(this.#bytes);
  }

  toString() {
    return `LogId(${hex(this.#bytes)})`;
  }

  /** Whether `other` is the same log id. @param {LogId} other */
  equals(other) {
    return other instanceof LogId && ctEqual(this.#bytes, other.#bytes);
  }

  /**
   * The exact context of the entry at `position` with the application context `app` (SR-LOG-2).
   * The log operations build it themselves; this is for tests and other implementations.
   * @param {number} position
   * @param {Uint8Array} app
   */
  entryContext(position, app) {
    return entryContext(this.#bytes, count(position, "position"), bytes(app, undefined, "app"));
  }
}

const logIdArg = (v, what = "logId") => {
  if (v instanceof LogId) return v;
  if (v instanceof Uint8Array) return LogId.fromBytes(v);
  throw new TypeError(`${what} must be a LogId`);
};

// ---------------------------------------------------------------------------------------------
// Checkpoints (SPEC.md 11.15.4)

let checkpointFields;

/**
 * A log checkpoint (object type 3, text "src1."): keyring id, log id, size and Merkle root under
 * a MAC with the keyring's log key (SR-LOG-5, SR-LOG-6). Decoding one proves only that it is well
 * formed; UnlockedKeyring#verifyCheckpoint checks its MAC and compares it with the client's pin.
 */
export class Checkpoint {
  #d;

  static {
    checkpointFields = (c) => c.#d;
  }

  /** @private */
  constructor(token, decoded) {
    if (token !== INTERNAL) throw new TypeError("use Checkpoint.fromBytes or Checkpoint.fromText");
    this.#d = decoded;
    Object.freeze(this);
  }

  /** Strict decoder (SR-LOG-5). @param {Uint8Array} b */
  static fromBytes(b) {
    if (!(b instanceof Uint8Array)) throw new TypeError("bytes must be a Uint8Array");
    return new Checkpoint(INTERNAL, decodeCheckpoint(b));
  }

  /** Text form "src1." (SPEC.md 13). @param {string} text */
  static fromText(text) {
    if (typeof text !== "string") throw new TypeError("text must be a string");
    return new Checkpoint(INTERNAL, decodeCheckpoint(checkpointFromText(text)));
  }

  toBytes() {
    return Uint8Array.from(this.#d.bytes);
  }

  toText() {
    return checkpointToText(this.#d.bytes);
  }

  /** The id of the keyring whose log key MACed it. */
  get keyringId() {
    return Uint8Array.from(this.#d.keyringId);
  }

  /** The log it is a checkpoint of. */
  get logId() {
    return LogId.fromBytes(this.#d.logId);
  }

  /** The number of entries it commits to. */
  get size() {
    return this.#d.size;
  }

  /** The Merkle root of those entries. */
  get root() {
    return Uint8Array.from(this.#d.root);
  }

  get mac() {
    return Uint8Array.from(this.#d.mac);
  }
}

/** A Checkpoint, its bytes or its text: VerifyCheckpoint's step 1 decodes the last two. */
function checkpointArg(v) {
  if (v instanceof Checkpoint) return v;
  if (v instanceof Uint8Array) return Checkpoint.fromBytes(v);
  if (typeof v === "string") return Checkpoint.fromText(v);
  throw new TypeError("checkpoint must be a Checkpoint, its bytes or its text");
}

/** A checkpoint MACed under the log key (SR-LOG-6), for a size and root computed here. */
async function makeCheckpoint(k, logId, size, root) {
  const body = checkpointBody(k.keyringId, logId, size, root);
  const mac = await backend().hmacSign(k.logKey, body);
  return new Checkpoint(INTERNAL, decodeCheckpoint(concat(body, checkpointTail(mac))));
}

// ---------------------------------------------------------------------------------------------
// Pins and states (SPEC.md 11.15.7)

/** A frozen LogPin {keyringId, logId, size, root}. */
function makePin(keyringId, logId, size, root) {
  return Object.freeze({ keyringId: Uint8Array.from(keyringId), logId, size, root: Uint8Array.from(root) });
}

/** A caller's LogPin, checked for shape (TypeError) and copied. */
function pinArg(p, what = "pin") {
  if (p === null || typeof p !== "object") throw new TypeError(`${what} must be a LogPin {keyringId, logId, size, root}`);
  const size = count(p.size, `${what}.size`);
  if (!Number.isSafeInteger(size)) throw new TypeError(`${what}.size must be at most 2^53 - 1`);
  return makePin(bytes(p.keyringId, 16, `${what}.keyringId`), logIdArg(p.logId, `${what}.logId`), size, bytes(p.root, 32, `${what}.root`));
}

let stateFields;

/**
 * A log pin with the frontier of its tree (at most 53 hashes): what a client keeps per log, to
 * append and to read forward without a proof (SPEC.md 11.15.7). Immutable.
 */
export class LogState {
  #pin;
  #frontier;

  static {
    stateFields = (s) => ({ pin: s.#pin, frontier: s.#frontier });
  }

  /** @private */
  constructor(token, pin, frontier) {
    if (token !== INTERNAL) throw new TypeError("use LogState.empty, LogState.fromParts or LogState.fromJSON");
    this.#pin = pin;
    this.#frontier = frontier;
    Object.freeze(this);
  }

  /**
   * The state of a log of which nothing has been seen: size 0 and the empty root. Every
   * checkpoint of that log passes against it (trust on first use, SPEC.md 11.15.9).
   * @param {Uint8Array} keyringId
   * @param {LogId} logId
   */
  static empty(keyringId, logId) {
    return new LogState(INTERNAL, makePin(bytes(keyringId, 16, "keyringId"), logIdArg(logId), 0, emptyRoot()), []);
  }

  /**
   * A state from a pin and a frontier from the client's storage or from a server (SR-LOG-13):
   * history_violation log_entry_mismatch unless the frontier has one hash per set bit of the
   * pinned size and folds to the pinned root.
   * @param {{keyringId: Uint8Array, logId: LogId, size: number, root: Uint8Array}} pin
   * @param {Uint8Array[]} frontier
   */
  static fromParts(pin, frontier) {
    const p = pinArg(pin);
    const f = proofArg(frontier, "frontier").map((h) => Uint8Array.from(h));
    if (!frontierMatches(f, p.size, p.root)) throw historyViolation("log_entry_mismatch");
    return new LogState(INTERNAL, p, f);
  }

  /**
   * The way back from toJSON (stored state, checked by SR-LOG-13 like any frontier read back).
   * Also reads the snake_case form of the vectors and of the `strongroom` command's state files
   * (`keyring_id`, `log_id`; other keys such as `version` are ignored).
   * @param {{keyringId: string, logId: string, size: number, root: string, frontier: string[]}} o
   */
  static fromJSON(o) {
    if (o === null || typeof o !== "object" || !Array.isArray(o.frontier)) throw new TypeError("not a LogState JSON object");
    const pin = {
      keyringId: hexArg(o.keyringId ?? o.keyring_id, 16, "keyringId"),
      logId: LogId.fromHex(o.logId ?? o.log_id),
      size: o.size,
      root: hexArg(o.root, 32, "root"),
    };
    return LogState.fromParts(pin, o.frontier.map((h) => hexArg(h, 32, "frontier hash")));
  }

  /** The pin: {keyringId, logId, size, root} (frozen; the byte arrays are copies). */
  get pin() {
    const p = this.#pin;
    return makePin(p.keyringId, p.logId, p.size, p.root);
  }

  /** The frontier: the roots of the pinned tree's perfect subtrees, largest first (copies). */
  get frontier() {
    return this.#frontier.map((h) => Uint8Array.from(h));
  }

  /** The number of entries, and so the position of the next one. */
  get size() {
    return this.#pin.size;
  }

  /** Public values as hex strings, for the application to persist per log (SR-LOG-14). */
  toJSON() {
    const p = this.#pin;
    return {
      keyringId: hex(p.keyringId),
      logId: p.logId.toHex(),
      size: p.size,
      root: hex(p.root),
      frontier: this.#frontier.map(hex),
    };
  }
}

function stateArg(s) {
  if (!(s instanceof LogState)) throw new TypeError("state must be a LogState");
  return stateFields(s);
}

let verifiedFields;

/**
 * A checkpoint whose MAC verified and that passed VerifyCheckpoint against a pin (SR-LOG-10):
 * the only kind entries are opened against. Made by UnlockedKeyring#verifyCheckpoint only.
 */
export class VerifiedCheckpoint {
  #checkpoint;

  static {
    verifiedFields = (v) => checkpointFields(v.#checkpoint);
  }

  /** @private */
  constructor(token, checkpoint) {
    if (token !== INTERNAL) throw new TypeError("use UnlockedKeyring#verifyCheckpoint");
    this.#checkpoint = checkpoint;
    Object.freeze(this);
  }

  get checkpoint() {
    return this.#checkpoint;
  }

  get size() {
    return this.#checkpoint.size;
  }

  get root() {
    return this.#checkpoint.root;
  }

  get logId() {
    return this.#checkpoint.logId;
  }

  /** The pin to store for this log once the checkpoint is accepted (SR-LOG-12). */
  pin() {
    const d = checkpointFields(this.#checkpoint);
    return makePin(d.keyringId, LogId.fromBytes(d.logId), d.size, d.root);
  }
}

function verifiedArg(v) {
  if (!(v instanceof VerifiedCheckpoint)) throw new TypeError("verified must be a VerifiedCheckpoint (from UnlockedKeyring#verifyCheckpoint)");
  return verifiedFields(v);
}

/**
 * An append made by UnlockedKeyring#sealLogEntry: the sealed entry at its position, the checkpoint
 * that commits to it, and what the server's checkpoint must still be for the append to go through
 * (SPEC.md 11.15.8). Send expected, entry and checkpoint as one compare-and-swap; on success keep
 * `after`; on a conflict or a lost answer see includedIn (SR-LOG-15, SR-LOG-16).
 */
export class LogAppend {
  #entry;
  #leaf;
  #checkpoint;
  #before;
  #after;

  /** @private */
  constructor(token, entry, leaf, checkpoint, before, after) {
    if (token !== INTERNAL) throw new TypeError("use UnlockedKeyring#sealLogEntry");
    this.#entry = entry;
    this.#leaf = leaf;
    this.#checkpoint = checkpoint;
    this.#before = before;
    this.#after = after;
    Object.freeze(this);
  }

  /** The entry's position: the size of the log before the append. */
  get position() {
    return this.#before.size;
  }

  /** The sealed entry (a SealedRecord). */
  get entry() {
    return this.#entry;
  }

  /** The checkpoint of the log with the entry appended. */
  get checkpoint() {
    return this.#checkpoint;
  }

  /** The pin the append builds on: the compare of the compare-and-swap. */
  get expected() {
    const p = this.#before;
    return makePin(p.keyringId, p.logId, p.size, p.root);
  }

  /** The state after the append, to keep once the server has acknowledged it (SR-LOG-12). */
  get after() {
    return this.#after;
  }

  /**
   * Whether a verified checkpoint holds this entry at its position (SR-LOG-15, SR-LOG-16): after a
   * conflict or a lost answer, verify the server's checkpoint against `expected` and ask this,
   * with the inclusion proof of `position` in that checkpoint (empty if it is this append's own).
   * @param {VerifiedCheckpoint} verified
   * @param {Uint8Array[]} inclusionProof
   * @returns {Promise<boolean>}
   */
  async includedIn(verified, inclusionProof) {
    const c = verifiedArg(verified);
    const proof = proofArg(inclusionProof, "inclusionProof");
    const b = this.#before;
    if (!ctEqual(c.logId, b.logId.bytes) || !ctEqual(c.keyringId, b.keyringId)) return false;
    if (ctEqual(c.bytes, checkpointFields(this.#checkpoint).bytes)) return true;
    return verifyInclusion(b.size, c.size, this.#leaf, proof, c.root);
  }
}

// ---------------------------------------------------------------------------------------------
// The operations, for UnlockedKeyring (src/keyring.js). `k` is {keyringId, root, logKey}: the
// unlocked keyring's id, record root and log key. Arguments arrive converted to bytes.

/** CreateLog(U) of SPEC.md 11.15.8. */
export async function createLog(k, logId) {
  const id = logId === undefined ? LogId.generate() : logIdArg(logId);
  const state = LogState.empty(k.keyringId, id);
  const checkpoint = await makeCheckpoint(k, id.bytes, 0, stateFields(state).pin.root);
  return { checkpoint, state };
}

/** SealEntry(U, S, plaintext, app) of SPEC.md 11.15.8, in its order. */
export async function sealLogEntry(k, state, plaintext, app) {
  const { pin, frontier } = stateArg(state);
  // 1. The state's keyring.
  if (!ctEqual(pin.keyringId, k.keyringId)) throw fail("wrong_keyring");
  // 2. log_full.
  const n = pin.size;
  if (n >= MAX_LOG_SIZE) throw limitExceeded("log_full");
  // 3. Plaintext size. 4. app size (in entryContext).
  if (plaintext.length > limits.maxPlaintextBytes) throw limitExceeded("plaintext_too_large");
  const logIdBytes = pin.logId.bytes;
  const context = entryContext(logIdBytes, n, app);
  // 5. Seal (draws the record salt and nonce).
  const entry = await sealWithRoot(k.root, k.keyringId, plaintext, context);
  // 6. Append and fold.
  const leaf = leafHash(entry.toBytes());
  const after = [...frontier];
  frontierPush(after, n, leaf);
  const root = frontierRoot(after);
  // 7. The checkpoint of size n + 1.
  const checkpoint = await makeCheckpoint(k, logIdBytes, n + 1, root);
  // 8.
  const afterState = new LogState(INTERNAL, makePin(pin.keyringId, pin.logId, n + 1, root), after);
  return new LogAppend(INTERNAL, entry, leaf, checkpoint, pin, afterState);
}

/** VerifyCheckpoint(C, P, proof) of SPEC.md 11.15.6, SR-LOG-10, in its order. */
export async function verifyCheckpoint(k, checkpoint, pin, consistencyProof) {
  // 1. Decode.
  const cp = checkpointArg(checkpoint);
  const p = pinArg(pin);
  const proof = proofArg(consistencyProof, "consistencyProof");
  const c = checkpointFields(cp);
  // 2. Another keyring.
  if (!ctEqual(c.keyringId, k.keyringId)) throw fail("wrong_keyring");
  // 3. The MAC over the exact bytes received (SR-LOG-6), verified in native code.
  const macInput = c.bytes.subarray(0, c.bytes.length - MAC_ENTRY_LEN);
  if (!(await backend().hmacVerify(k.logKey, c.mac, macInput))) throw fail("checkpoint_authentication_failed");
  // 4. Another log (or keyring) than the pinned one.
  if (!ctEqual(c.logId, p.logId.bytes) || !ctEqual(c.keyringId, p.keyringId)) throw historyViolation("log_replaced");
  // 5. Shorter than the pin.
  if (c.size < p.size) throw historyViolation("log_truncated");
  // 6. The pinned size with another root. 7. Longer, not consistent with a non-empty pin.
  if (c.size === p.size) {
    if (!ctEqual(c.root, p.root)) throw historyViolation("log_fork");
  } else if (p.size > 0 && !verifyConsistency(p.size, c.size, p.root, c.root, proof)) {
    throw historyViolation("log_fork");
  }
  // 8.
  return new VerifiedCheckpoint(INTERNAL, cp);
}

/** Decodes and opens one entry under its context (OpenEntry steps 4 and 5). */
function openEntryAt(k, logId, position, entry, app) {
  const record = SealedRecord.fromBytes(entry);
  return openWithRoot(k.root, k.keyringId, record, entryContext(logId, position, app));
}

/** OpenEntry(C, position, entry, proof, app) of SPEC.md 11.15.6, SR-LOG-11, in its order. */
export async function openLogEntry(k, verified, position, entry, inclusionProof, app) {
  const c = verifiedArg(verified);
  count(position, "position");
  if (entry !== null && entry !== undefined) bytes(entry, undefined, "entry");
  const proof = proofArg(inclusionProof, "inclusionProof");
  // 1. app size.
  if (app.length > MAX_APP) throw limitExceeded("context_too_long");
  // 2. Not covered, or not served.
  if (entry === null || entry === undefined || !(position < c.size)) throw historyViolation("log_entry_missing");
  // 3. Not the committed leaf.
  if (entry.length > MAX_RECORD || !verifyInclusion(position, c.size, leafHash(entry), proof, c.root)) {
    throw historyViolation("log_entry_mismatch");
  }
  // 4-5. Decode and open.
  return openEntryAt(k, c.logId, position, entry, app);
}

/** ReadForward(S, C, served, app) of SPEC.md 11.15.6, SR-LOG-11, in its order. */
export async function openLogEntries(k, state, verified, served, app) {
  const { pin, frontier } = stateArg(state);
  const c = verifiedArg(verified);
  if (served === null || typeof served !== "object" || typeof served[Symbol.iterator] !== "function") {
    throw new TypeError("served must be an array of {position, entry}");
  }
  const pairs = [...served];
  for (const s of pairs) {
    if (s === null || typeof s !== "object") throw new TypeError("each served item must be {position, entry}");
    count(s.position, "served position");
    bytes(s.entry, undefined, "served entry");
  }
  // 1. app size.
  if (app.length > MAX_APP) throw limitExceeded("context_too_long");
  // 2. Keyring ids.
  if (!ctEqual(pin.keyringId, k.keyringId) || !ctEqual(c.keyringId, k.keyringId)) throw fail("wrong_keyring");
  // 3. Log id.
  if (!ctEqual(c.logId, pin.logId.bytes)) throw historyViolation("log_replaced");
  // 4. Size and root.
  if (c.size < pin.size) throw historyViolation("log_truncated");
  if (c.size === pin.size && !ctEqual(c.root, pin.root)) throw historyViolation("log_fork");
  // 5. Every position, the first pair for each; the leaves appended to the state's frontier.
  const byPosition = new Map();
  for (const s of pairs) {
    if (s.position >= pin.size && s.position < c.size && !byPosition.has(s.position)) byPosition.set(s.position, s.entry);
  }
  const f = [...frontier];
  const entries = [];
  for (let p = pin.size; p < c.size; p++) {
    const entry = byPosition.get(p);
    if (entry === undefined) throw historyViolation("log_entry_missing");
    if (entry.length > MAX_RECORD) throw historyViolation("log_entry_mismatch");
    frontierPush(f, p, leafHash(entry));
    entries.push([p, entry]);
  }
  // 6. The root.
  if (!ctEqual(frontierRoot(f), c.root)) throw historyViolation("log_entry_mismatch");
  // 7. Decode and open each entry; the first failure in log order fails the whole read, and
  // nothing opened before it is released (SR-ERR-3).
  const plaintexts = [];
  try {
    for (let i = 0; i < entries.length; i += OPEN_WINDOW) {
      const batch = entries.slice(i, i + OPEN_WINDOW);
      const results = await Promise.allSettled(batch.map(([p, e]) => openEntryAt(k, c.logId, p, e, app)));
      for (const r of results) {
        if (r.status === "rejected") throw r.reason;
        plaintexts.push(r.value);
      }
      // Whatever opened after a failure in this batch is dropped with the batch.
    }
  } catch (e) {
    for (const pt of plaintexts) pt.fill(0);
    throw e;
  }
  // 8.
  const after = new LogState(INTERNAL, makePin(c.keyringId, LogId.fromBytes(c.logId), c.size, c.root), f);
  return { plaintexts, state: after };
}

// ---------------------------------------------------------------------------------------------
// LogTree: what a server (or a test) keeps

/**
 * The leaf hashes of a log, to compute roots, frontiers and proofs for any size up to the number
 * of leaves held (RFC 9162 MTH, PATH and PROOF), in time linear in the size of the tree. A client
 * never needs one: it keeps a LogState and verifies what a server sends.
 */
export class LogTree {
  #leaves = [];

  /** The leaf hash of an entry's exact bytes (SR-LOG-4). @param {Uint8Array} entry */
  static leafHash(entry) {
    return leafHash(bytes(entry, undefined, "entry"));
  }

  /** Appends the entry with these exact bytes. @param {Uint8Array} entry */
  pushEntry(entry) {
    this.#leaves.push(LogTree.leafHash(entry));
    return this;
  }

  /** Appends a leaf hash. @param {Uint8Array} leaf */
  pushLeafHash(leaf) {
    this.#leaves.push(Uint8Array.from(bytes(leaf, 32, "leaf hash")));
    return this;
  }

  /** The number of leaves held. */
  get length() {
    return this.#leaves.length;
  }

  #prefix(size) {
    count(size, "size");
    return size <= this.#leaves.length ? this.#leaves.slice(0, size) : null;
  }

  /** The root of the first `size` leaves, or null if fewer are held. @param {number} size */
  root(size) {
    const leaves = this.#prefix(size);
    return leaves === null ? null : mth(leaves);
  }

  /** The frontier of the first `size` leaves (SR-LOG-13), or null. @param {number} size */
  frontier(size) {
    const leaves = this.#prefix(size);
    if (leaves === null) return null;
    const f = [];
    for (let i = 0; i < leaves.length; i++) frontierPush(f, i, leaves[i]);
    return f;
  }

  /**
   * The inclusion proof of leaf `index` in the tree of the first `size` leaves (RFC 9162 PATH), or
   * null if index >= size or fewer leaves are held.
   */
  inclusionProof(index, size) {
    const leaves = this.#prefix(size);
    count(index, "index");
    if (leaves === null || index >= leaves.length) return null;
    const out = [];
    path(index, leaves, out);
    return out;
  }

  /**
   * The consistency proof from the first `oldSize` leaves to the first `newSize` (RFC 9162 PROOF),
   * or null unless 0 < oldSize < newSize and enough leaves are held.
   */
  consistencyProof(oldSize, newSize) {
    const leaves = this.#prefix(newSize);
    count(oldSize, "oldSize");
    if (leaves === null || oldSize === 0 || oldSize >= leaves.length) return null;
    const out = [];
    subproof(oldSize, leaves, true, out);
    return out;
  }
}

/** For tests: the pure verification functions of SPEC.md 11.15.5. */
export const merkleForTesting = Object.freeze({ verifyInclusion, verifyConsistency, frontierRoot, emptyRoot });
