/**
 * Binary objects of SPEC.md sections 5 and 6: the strict decoder (decoding order of section 5.4)
 * and the encoders the crypto layer assembles keyrings and records from.
 *
 * The decoder works in the four steps of SR-CBOR-11 (header peek, size, generic profile parse,
 * schema walk) rather than one fused pass: the spec defines the reported error by that order,
 * and keeping the steps apart is the simplest way to be sure we report the same first error as
 * every other port. Inputs are small (4 KiB keyrings) or have few items (records), so the second
 * pass costs nothing that matters.
 */

import { StrongroomError, malformed, fail } from "./errors.js";
import { concat } from "./bytes.js";
import { head, encodeUint, encodeBytes, encodeTextString, readHead } from "./cbor.js";
import { limits } from "./limits.js";

const TYPE_KEYRING = 1;
const TYPE_RECORD = 2;
const TYPE_CHECKPOINT = 3;
const TYPE_STREAM = 4;
const KIND_PASSWORD = 1;
const KIND_RECOVERY = 2;
const KIND_SECRET_KEY = 64;
// Kinds 1 to 63 are critical, 64 to 65,535 skippable (SPEC.md 6.3.1): a skippable kind this
// decoder does not implement is kept as bytes so that a keyring a newer client extended still
// opens here with the slots this client knows.
const FIRST_SKIPPABLE_KIND = 64;
const MAX_KIND = 65_535;
const KIND_NAMES = { [KIND_PASSWORD]: "password", [KIND_RECOVERY]: "recovery", [KIND_SECRET_KEY]: "secret-key" };
const KIND_VALUES = { password: KIND_PASSWORD, recovery: KIND_RECOVERY, "secret-key": KIND_SECRET_KEY };

/** Schemas of SR-OBJ-2 (key lists in order). */
const KEYRING_KEYS = [1, 2, 3, 4, 5, 6];
const RECORD_KEYS = [1, 2, 3, 4, 5, 6, 7];
const CHECKPOINT_KEYS = [1, 2, 3, 4, 5, 6, 7]; // SR-LOG-5
const STREAM_KEYS = [1, 2, 3, 4, 5, 6]; // SR-STR-1
const PASSWORD_SLOT_KEYS = [1, 2, 3, 4, 5, 6, 7];
const RECOVERY_SLOT_KEYS = [1, 2, 5, 6, 7];
const SLOT_KEYS = { password: PASSWORD_SLOT_KEYS, recovery: RECOVERY_SLOT_KEYS, "secret-key": PASSWORD_SLOT_KEYS };
/** A skippable slot of a kind this decoder does not implement: 3, 4 and 5 may be absent. */
const UNKNOWN_SLOT_KEYS = [1, 2, 3, 4, 5, 6, 7];
const UNKNOWN_SLOT_OPTIONAL = new Set([3, 4, 5]);

// fatal: invalid UTF-8 is an error, never U+FFFD (SR-CBOR-6). ignoreBOM: a leading U+FEFF is part
// of the label as stored, and must survive a decode/encode round trip (SR-CBOR-9).
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Copies into a fresh Uint8Array so later changes to the caller's buffer cannot reach us. */
function privateCopy(bytes) {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("expected a Uint8Array");
  return new Uint8Array(bytes); // copies, also for a Node Buffer (whose slice() would not)
}

// ---------------------------------------------------------------------------------------------
// Step 1: header peek (SR-OBJ-1)

/**
 * Reads at most five heads by checks (a) to (e) and nothing else: no string bytes, no count
 * compared with the input. Works for every format version, which is why it runs before the size
 * limit (a v2 object may be larger).
 */
function headerPeek(buf, view, objectType) {
  const schema = { [TYPE_KEYRING]: KEYRING_KEYS, [TYPE_RECORD]: RECORD_KEYS, [TYPE_CHECKPOINT]: CHECKPOINT_KEYS, [TYPE_STREAM]: STREAM_KEYS }[objectType];
  const top = readHead(buf, view, 0, false);
  if (top.major !== 5) throw malformed("unexpected_type");
  if (top.arg === 0) throw malformed("wrong_object_type");
  const k1 = readHead(buf, view, top.end, false);
  if (k1.major !== 0) throw malformed("non_integer_map_key");
  if (k1.arg !== 1) throw malformed("wrong_object_type");
  const v1 = readHead(buf, view, k1.end, false);
  if (v1.major !== 0 || v1.arg !== objectType) throw malformed("wrong_object_type");
  if (top.arg === 1) throw malformed("missing_key");
  const k2 = readHead(buf, view, v1.end, false);
  if (k2.major !== 0) throw malformed("non_integer_map_key");
  if (k2.arg === 1) throw malformed("duplicate_map_key");
  if (k2.arg === 0) throw malformed("unsorted_map_keys");
  if (k2.arg !== 2) throw malformed(schema.includes(k2.arg) ? "missing_key" : "unknown_key");
  const v2 = readHead(buf, view, k2.end, false);
  if (v2.major !== 0) throw malformed("unexpected_type");
  if (v2.arg !== 1) throw fail("unsupported_version");
}

// ---------------------------------------------------------------------------------------------
// Step 3: profile (SR-CBOR-1 to SR-CBOR-8), no schema

/**
 * @typedef {object} Item generic CBOR item of the profile
 * @property {number} major
 * @property {number|bigint} arg value (major 0), length (2, 3), count (4, 5)
 * @property {number} start offset of the head
 * @property {number} body offset after the head (start of string bytes)
 * @property {number} end offset after the whole item
 * @property {Item[]} [items] array elements
 * @property {Array<[Item, Item]>} [entries] map entries, key then value
 * @property {string} [text] decoded text string
 */

/** Parses one item at `pos`, at nesting depth `depth` (top level 1). Depth is bounded by 5. */
function parseItem(buf, view, pos, depth) {
  const h = readHead(buf, view, pos, true);
  return parseAfterHead(buf, view, h, pos, depth);
}

function parseAfterHead(buf, view, h, pos, depth) {
  const item = { major: h.major, arg: h.arg, start: pos, body: h.end, end: h.end };
  switch (h.major) {
    case 0:
      return item;
    case 2:
      item.end = h.end + h.arg; // (f) guarantees arg <= remaining, so arg is a small Number
      return item;
    case 3:
      item.end = h.end + h.arg;
      try {
        item.text = utf8Decoder.decode(buf.subarray(h.end, item.end));
      } catch {
        throw malformed("invalid_utf8");
      }
      return item;
    case 4: {
      if (depth > limits.maxNestingDepth) throw malformed("nesting_too_deep");
      item.items = [];
      let p = h.end;
      for (let i = 0; i < h.arg; i++) {
        const child = parseItem(buf, view, p, depth + 1);
        item.items.push(child);
        p = child.end;
      }
      item.end = p;
      return item;
    }
    case 5: {
      if (depth > limits.maxNestingDepth) throw malformed("nesting_too_deep");
      item.entries = [];
      let p = h.end;
      let prev = -1;
      for (let i = 0; i < h.arg; i++) {
        const kh = readHead(buf, view, p, true);
        // SR-CBOR-5, right after the key's head and before anything else of the key.
        if (kh.major !== 0) throw malformed("non_integer_map_key");
        // A BigInt key is above 2^53, so it never equals a Number key: === is exact here.
        if (kh.arg === prev) throw malformed("duplicate_map_key");
        if (kh.arg < prev) throw malformed("unsorted_map_keys");
        prev = kh.arg;
        const key = { major: 0, arg: kh.arg, start: p, body: kh.end, end: kh.end };
        const value = parseItem(buf, view, kh.end, depth + 1);
        item.entries.push([key, value]);
        p = value.end;
      }
      item.end = p;
      return item;
    }
    default:
      throw new Error("unreachable: readHead rejects major types 1, 6, 7");
  }
}

// ---------------------------------------------------------------------------------------------
// Step 4: schema walk (section 6.6)

/**
 * SR-OBJ-2 matching, entry by entry: returns a function that takes each key in turn, and
 * `finish()` for the missing_key check after the last entry. The profile already guarantees
 * strictly increasing keys, so a schema key that is not the next expected one is a later one:
 * missing_key if a required key was passed over, accepted if only optional ones were.
 */
function keyMatcher(schema, startIndex = 0, optional = new Set()) {
  let next = startIndex;
  return {
    take(key) {
      let j = next;
      while (j < schema.length && schema[j] !== key && optional.has(schema[j])) j++;
      if (j < schema.length && schema[j] === key) {
        next = j + 1;
        return key;
      }
      throw malformed(schema.includes(key) ? "missing_key" : "unknown_key");
    },
    finish() {
      for (let j = next; j < schema.length; j++) if (!optional.has(schema[j])) throw malformed("missing_key");
    },
  };
}

function expectBytes(buf, item, length) {
  if (item.major !== 2) throw malformed("unexpected_type");
  if (item.arg !== length) throw malformed("wrong_length");
  return buf.slice(item.body, item.end);
}

/** Both the decoder and the encoders apply SR-KDF-3 through this one function. */
function kdfWithinHardLimits(kdf) {
  const inRange = (v, [lo, hi]) => Number.isSafeInteger(v) && v >= lo && v <= hi;
  if (kdf.id === 1) return inRange(kdf.iterations, limits.pbkdf2Iterations);
  return (
    inRange(kdf.memoryKib, limits.argon2MemoryKib) &&
    inRange(kdf.timeCost, limits.argon2TimeCost) &&
    inRange(kdf.parallelism, limits.argon2Parallelism) &&
    kdf.memoryKib >= 8 * kdf.parallelism
  );
}

function walkKdf(item) {
  if (item.major !== 4) throw malformed("unexpected_type");
  const els = item.items;
  if (els.length === 0) throw malformed("wrong_length");
  if (els[0].major !== 0) throw malformed("unexpected_type");
  const id = els[0].arg;
  if (id !== 1 && id !== 2) throw fail("unsupported_algorithm");
  if (els.length !== (id === 1 ? 2 : 4)) throw malformed("wrong_length");
  for (let i = 1; i < els.length; i++) {
    if (els[i].major !== 0) throw malformed("unexpected_type");
  }
  // A BigInt parameter is above 2^53 and therefore outside the limits; Number.isSafeInteger
  // rejects it in kdfWithinHardLimits, so the error is the same as for any other big value.
  const kdf =
    id === 1
      ? { id: 1, iterations: els[1].arg }
      : { id: 2, memoryKib: els[1].arg, timeCost: els[2].arg, parallelism: els[3].arg };
  if (!kdfWithinHardLimits(kdf)) throw fail("kdf_params_out_of_bounds");
  return kdf;
}

function walkSlot(buf, item) {
  if (item.major !== 5) throw malformed("unexpected_type");
  const entries = item.entries;
  if (entries.length === 0) throw malformed("missing_key");
  const [k1, v1] = entries[0];
  if (k1.arg !== 1) throw malformed(PASSWORD_SLOT_KEYS.includes(k1.arg) ? "missing_key" : "unknown_key");
  // Step 3 of the slot walk (section 6.6): type, range, then critical or skippable.
  if (v1.major !== 0) throw malformed("unexpected_type");
  if (typeof v1.arg === "bigint" || v1.arg > MAX_KIND) throw malformed("value_out_of_range");
  const kindValue = v1.arg;
  const kind = KIND_NAMES[kindValue] ?? (kindValue >= FIRST_SKIPPABLE_KIND ? "unknown" : null);
  if (kind === null) throw fail("unsupported_algorithm"); // SR-OBJ-7: a critical kind we lack
  const match = kind === "unknown"
    ? keyMatcher(UNKNOWN_SLOT_KEYS, 1, UNKNOWN_SLOT_OPTIONAL)
    : keyMatcher(SLOT_KEYS[kind], 1);
  const slot = {
    kind,
    kindValue,
    label: "",
    labelBytes: null,
    kdf: null,
    salt: null,
    nonce: null,
    wrappedDek: null,
    commitment: null,
    bytes: buf.slice(item.start, item.end),
  };
  for (let i = 1; i < entries.length; i++) {
    const [k, v] = entries[i];
    const key = match.take(k.arg);
    // Keys 3 to 5 of a kind we do not implement mean nothing to us; the profile has checked them.
    if (kind === "unknown" && UNKNOWN_SLOT_OPTIONAL.has(key)) continue;
    switch (key) {
      case 2:
        if (v.major !== 3) throw malformed("unexpected_type");
        if (v.arg > limits.maxLabelBytes) throw malformed("value_out_of_range");
        slot.label = v.text;
        slot.labelBytes = buf.slice(v.start, v.end);
        break;
      case 3:
        slot.kdf = walkKdf(v);
        break;
      case 4:
        slot.salt = expectBytes(buf, v, 32);
        break;
      case 5:
        slot.nonce = expectBytes(buf, v, 12);
        break;
      case 6:
        slot.wrappedDek = expectBytes(buf, v, 48);
        break;
      case 7:
        slot.commitment = expectBytes(buf, v, 32);
        break;
    }
  }
  match.finish();
  return slot;
}

function walkKeyring(buf, top) {
  const match = keyMatcher(KEYRING_KEYS, 2); // keys 1 and 2 were checked by the header peek
  const out = { bytes: buf, id: null, generation: 0, slots: [], mac: null };
  for (let i = 2; i < top.entries.length; i++) {
    const [k, v] = top.entries[i];
    switch (match.take(k.arg)) {
      case 3:
        out.id = expectBytes(buf, v, 16);
        break;
      case 4:
        if (v.major !== 0) throw malformed("unexpected_type");
        if (typeof v.arg === "bigint" || v.arg > limits.maxGeneration) {
          throw malformed("value_out_of_range");
        }
        out.generation = v.arg;
        break;
      case 5:
        if (v.major !== 4) throw malformed("unexpected_type");
        if (v.items.length < limits.minSlots || v.items.length > limits.maxSlots) {
          throw malformed("bad_slot_count");
        }
        for (const s of v.items) out.slots.push(walkSlot(buf, s));
        break;
      case 6:
        out.mac = expectBytes(buf, v, 32);
        break;
    }
  }
  match.finish();
  return out;
}

function walkRecord(buf, top) {
  const match = keyMatcher(RECORD_KEYS, 2);
  const out = { bytes: buf, keyringId: null, salt: null, nonce: null, commitment: null, ciphertext: null, header: null };
  for (let i = 2; i < top.entries.length; i++) {
    const [k, v] = top.entries[i];
    switch (match.take(k.arg)) {
      case 3:
        out.keyringId = expectBytes(buf, v, 16);
        break;
      case 4:
        out.salt = expectBytes(buf, v, 32);
        break;
      case 5:
        out.nonce = expectBytes(buf, v, 12);
        break;
      case 6:
        out.commitment = expectBytes(buf, v, 32);
        break;
      case 7:
        if (v.major !== 2) throw malformed("unexpected_type");
        if (v.arg < limits.minCiphertextBytes) throw malformed("wrong_length");
        if (v.arg > limits.maxCiphertextBytes) throw malformed("value_out_of_range");
        // A view, not a copy: up to 16 MiB, and `buf` is already our private copy.
        out.ciphertext = buf.subarray(v.body, v.end);
        break;
    }
  }
  match.finish();
  // Every field before key 7 has a fixed size and a fixed head, so the header is always the
  // first 107 bytes (section 6.5) once the walk has passed.
  out.header = buf.slice(0, limits.recordHeaderBytes);
  return out;
}

/** The schema walk of SR-LOG-5 (SPEC.md 11.15.4). */
function walkCheckpoint(buf, top) {
  const match = keyMatcher(CHECKPOINT_KEYS, 2);
  const out = { bytes: buf, keyringId: null, logId: null, size: 0, root: null, mac: null };
  for (let i = 2; i < top.entries.length; i++) {
    const [k, v] = top.entries[i];
    switch (match.take(k.arg)) {
      case 3:
        out.keyringId = expectBytes(buf, v, 16);
        break;
      case 4:
        out.logId = expectBytes(buf, v, 16);
        break;
      case 5:
        if (v.major !== 0) throw malformed("unexpected_type");
        // A BigInt is above 2^53 - 1; a Number here is at most 2^53 - 1 (readHead).
        if (typeof v.arg === "bigint" || v.arg > limits.maxLogSize) throw malformed("value_out_of_range");
        out.size = v.arg;
        break;
      case 6:
        out.root = expectBytes(buf, v, 32);
        break;
      case 7:
        out.mac = expectBytes(buf, v, 32);
        break;
    }
  }
  match.finish();
  return out;
}

/** The schema walk of SR-STR-1 (SPEC.md 11.16.2). */
function walkStreamHeader(buf, top) {
  const match = keyMatcher(STREAM_KEYS, 2);
  const out = { bytes: null, keyringId: null, salt: null, chunkExponent: 0, commitment: null };
  for (let i = 2; i < top.entries.length; i++) {
    const [k, v] = top.entries[i];
    switch (match.take(k.arg)) {
      case 3:
        out.keyringId = expectBytes(buf, v, 16);
        break;
      case 4:
        out.salt = expectBytes(buf, v, 32);
        break;
      case 5:
        if (v.major !== 0) throw malformed("unexpected_type");
        if (v.arg !== limits.streamChunkExponent) throw malformed("value_out_of_range");
        out.chunkExponent = v.arg;
        break;
      case 6:
        out.commitment = expectBytes(buf, v, 32);
        break;
    }
  }
  match.finish();
  // Every field has a fixed size and a fixed head once the walk has passed: 95 bytes (11.16.2).
  out.bytes = buf.slice(0, top.end);
  return out;
}

/**
 * Steps 1 and 2 of section 5.4 on the caller's bytes, then a private copy: the header peek reads
 * at most five heads and the size check needs only the length, so an oversized input is refused
 * before anything proportional to it is allocated.
 */
function peekAndCopy(bytes, objectType, maxBytes) {
  headerPeek(bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), objectType); // step 1
  if (bytes.length > maxBytes) throw malformed("too_large"); // step 2
  return privateCopy(bytes);
}

/** Step 3 of section 5.4 for both object types, on the private copy; returns the top-level item. */
function decodeProfile(buf, objectType) {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  // The peek again, on the copy: the caller may have changed its buffer since step 1.
  headerPeek(buf, view, objectType);
  const top = parseItem(buf, view, 0, 1); // step 3
  if (top.end !== buf.length) throw malformed("trailing_bytes");
  return top;
}

/**
 * Safety net for the promise that a decoder throws nothing but StrongroomError for any bytes. The
 * checks above are meant to make this unreachable (the tests fuzz for the "internal" message); if
 * it is ever reached, the message names the bug instead of leaking a RangeError to the caller.
 */
function guarded(fn) {
  try {
    return fn();
  } catch (e) {
    if (e instanceof StrongroomError) throw e;
    throw new StrongroomError("malformed", "truncated", `internal decoder error: ${e}`);
  }
}

/**
 * Strict keyring decoder (SPEC.md 5.4 and 6.6).
 * @param {Uint8Array} bytes
 * @returns {{bytes: Uint8Array, id: Uint8Array, generation: number, slots: object[], mac: Uint8Array}}
 */
export function decodeKeyring(bytes) {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("expected a Uint8Array");
  return guarded(() => {
    const buf = peekAndCopy(bytes, TYPE_KEYRING, limits.maxKeyringBytes);
    return walkKeyring(buf, decodeProfile(buf, TYPE_KEYRING));
  });
}

/**
 * Strict sealed-record decoder (SPEC.md 5.4 and 6.6).
 * @param {Uint8Array} bytes
 */
export function decodeRecord(bytes) {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("expected a Uint8Array");
  return guarded(() => {
    const buf = peekAndCopy(bytes, TYPE_RECORD, limits.maxRecordBytes);
    return walkRecord(buf, decodeProfile(buf, TYPE_RECORD));
  });
}

/**
 * Strict checkpoint decoder (SPEC.md 5.4 and SR-LOG-5): object type 3, at most 256 bytes.
 * @param {Uint8Array} bytes
 * @returns {{bytes: Uint8Array, keyringId: Uint8Array, logId: Uint8Array, size: number,
 *   root: Uint8Array, mac: Uint8Array}}
 */
export function decodeCheckpoint(bytes) {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("expected a Uint8Array");
  return guarded(() => {
    const buf = peekAndCopy(bytes, TYPE_CHECKPOINT, limits.maxCheckpointBytes);
    return walkCheckpoint(buf, decodeProfile(buf, TYPE_CHECKPOINT));
  });
}

/**
 * Stream header decoder (SR-STR-1): the first CBOR item of `bytes` (the frames may follow it: no
 * trailing_bytes check), object type 4, at most 256 bytes. The item is read within the first 256
 * bytes of the input: an item that runs past them is malformed `too_large` when the input goes on
 * past them, and `truncated` when the input itself ends inside the item (SPEC.md 11.16.2).
 * @param {Uint8Array} bytes the start of the stream (at least the whole header, or all there is)
 * @returns {{bytes: Uint8Array, keyringId: Uint8Array, salt: Uint8Array, chunkExponent: number,
 *   commitment: Uint8Array}} `bytes` is the header's exact encoding (95 bytes)
 */
export function decodeStreamHeader(bytes) {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("expected a Uint8Array");
  return guarded(() => {
    const max = limits.maxStreamHeaderBytes;
    headerPeek(bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), TYPE_STREAM); // step 1
    const longer = bytes.length > max;
    const buf = privateCopy(bytes.subarray(0, max));
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    headerPeek(buf, view, TYPE_STREAM);
    let top;
    try {
      top = parseItem(buf, view, 0, 1); // steps 2 and 3: the item, within the size limit
    } catch (e) {
      if (longer && e instanceof StrongroomError && e.reason === "truncated") throw malformed("too_large");
      throw e;
    }
    return walkStreamHeader(buf, top);
  });
}

// ---------------------------------------------------------------------------------------------
// Encoders

/**
 * The checkpoint's keys 1 to 6 (SPEC.md 11.15.4): the MAC input of SR-LOG-6. The map head already
 * counts key 7, which checkpointTail appends.
 */
export function checkpointBody(keyringId, logId, size, root) {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError("checkpoint size out of range");
  return concat(
    head(5, 7),
    encodeUint(1), encodeUint(TYPE_CHECKPOINT),
    encodeUint(2), encodeUint(1),
    encodeUint(3), encodeBytes(fixedBytes(keyringId, 16, "keyring id")),
    encodeUint(4), encodeBytes(fixedBytes(logId, 16, "log id")),
    encodeUint(5), encodeUint(size),
    encodeUint(6), encodeBytes(fixedBytes(root, 32, "root")),
  );
}

/** The checkpoint's last 35 bytes: 07 58 20 || mac. */
export function checkpointTail(mac) {
  return concat(encodeUint(7), encodeBytes(fixedBytes(mac, 32, "mac")));
}

/** Re-encodes a decoded checkpoint from its values (SR-CBOR-9). */
export function reencodeCheckpoint(c) {
  return concat(checkpointBody(c.keyringId, c.logId, c.size, c.root), checkpointTail(c.mac));
}

/**
 * SR-KDF-3 for parameters the caller chose (SR-POL-3) as well as decoded ones. The id check
 * comes first because an id we do not know has no limits to check (section 11.1 CheckNewKdf).
 */
export function checkKdfLimits(kdf) {
  if (kdf === null || typeof kdf !== "object" || (kdf.id !== 1 && kdf.id !== 2)) {
    throw fail("unsupported_algorithm");
  }
  if (!kdfWithinHardLimits(kdf)) throw fail("kdf_params_out_of_bounds");
}

/** enc(kdf), the KDF descriptor of section 6.4. Checks the hard limits first (SR-KDF-3). */
export function encodeKdf(kdf) {
  checkKdfLimits(kdf);
  if (kdf.id === 1) return concat(head(4, 2), encodeUint(1), encodeUint(kdf.iterations));
  return concat(
    head(4, 4),
    encodeUint(2),
    encodeUint(kdf.memoryKib),
    encodeUint(kdf.timeCost),
    encodeUint(kdf.parallelism),
  );
}

const fixedBytes = (u8, n, what) => {
  if (!(u8 instanceof Uint8Array) || u8.length !== n) throw new TypeError(`${what}: expected ${n} bytes`);
  return u8;
};

/**
 * BuildSlot steps 1 to 3 (section 11.1): the slot map up to and including the nonce, with the
 * final entry count in its head. This prefix is also the slot AAD after `50 || keyring_id`.
 * @param {"password"|"recovery"|"secret-key"} kind
 * @param {Uint8Array} labelEncoded enc(label), head included (see password.js checkLabel)
 * @param {object|null} kdf required for password and secret-key slots
 * @param {Uint8Array|null} salt 32 bytes, password and secret-key slots only
 * @param {Uint8Array} nonce 12 bytes
 */
export function slotPrefix(kind, labelEncoded, kdf, salt, nonce) {
  const parts = [];
  if (kind === "password" || kind === "secret-key") {
    parts.push(head(5, 7), encodeUint(1), encodeUint(KIND_VALUES[kind]), encodeUint(2), labelEncoded);
    parts.push(encodeUint(3), encodeKdf(kdf), encodeUint(4), encodeBytes(fixedBytes(salt, 32, "salt")));
  } else if (kind === "recovery") {
    parts.push(head(5, 5), encodeUint(1), encodeUint(KIND_RECOVERY), encodeUint(2), labelEncoded);
  } else {
    throw fail("unsupported_algorithm");
  }
  parts.push(encodeUint(5), encodeBytes(fixedBytes(nonce, 12, "nonce")));
  return concat(...parts);
}

/** The last 86 bytes of every slot (keys 6 and 7, section 6.3). */
export function slotTail(wrappedDek, commitment) {
  return concat(
    encodeUint(6),
    encodeBytes(fixedBytes(wrappedDek, 48, "wrappedDek")),
    encodeUint(7),
    encodeBytes(fixedBytes(commitment, 32, "commitment")),
  );
}

/**
 * AssembleKeyring step 1: the keyring up to (not including) key 6, which is the MAC input.
 * Slots are given as their exact encodings and kept byte for byte (SR-KEY-11).
 */
export function assembleKeyringBody(id, generation, slotBytesList) {
  if (!Number.isSafeInteger(generation) || generation < 0) throw new RangeError("generation out of range");
  if (slotBytesList.length < limits.minSlots || slotBytesList.length > limits.maxSlots) {
    throw new RangeError("slot count out of range");
  }
  return concat(
    head(5, 6),
    encodeUint(1), encodeUint(TYPE_KEYRING),
    encodeUint(2), encodeUint(1),
    encodeUint(3), encodeBytes(fixedBytes(id, 16, "keyring id")),
    encodeUint(4), encodeUint(generation),
    encodeUint(5), head(4, slotBytesList.length),
    ...slotBytesList,
  );
}

/** AssembleKeyring step 3: body || 06 58 20 || mac. */
export function keyringTail(mac) {
  return concat(encodeUint(6), encodeBytes(fixedBytes(mac, 32, "mac")));
}

/** Seal step 5: the 107-byte header (keys 1 to 6), the first part of the record AAD. */
export function recordHeader(keyringId, salt, nonce, commitment) {
  const out = new Uint8Array(limits.recordHeaderBytes);
  writeRecordHeader(out, keyringId, salt, nonce, commitment);
  return out;
}

// The 107-byte header of section 6.5 is fixed: a7 01 02 02 01 03 50 id(16) 04 58 20 salt(32)
// 05 4c nonce(12) 06 58 20 commitment(32). Written field by field into its final place, since
// sealing small records is the hot path.
function writeRecordHeader(out, keyringId, salt, nonce, commitment) {
  out.set([0xa7, 0x01, TYPE_RECORD, 0x02, 0x01, 0x03, 0x50], 0);
  out.set(fixedBytes(keyringId, 16, "keyring id"), 7);
  out.set([0x04, 0x58, 0x20], 23);
  out.set(fixedBytes(salt, 32, "salt"), 26);
  out.set([0x05, 0x4c], 58);
  out.set(fixedBytes(nonce, 12, "nonce"), 60);
  out.set([0x06, 0x58, 0x20], 72);
  out.set(fixedBytes(commitment, 32, "commitment"), 75);
}

/** Seal step 8 without the header: 07 || head(2, len(ct)). */
export function recordTail(ciphertext) {
  return concat(encodeUint(7), head(2, ciphertext.length));
}

/**
 * Seal steps 5 and 8 in one buffer: header || 07 || head(2, len(ct)) || ct, with the ciphertext
 * written later into the returned `ciphertext` view (so a 16 MiB record is written once).
 * @returns {{bytes: Uint8Array, header: Uint8Array, ciphertext: Uint8Array}}
 */
export function allocateRecord(keyringId, salt, nonce, commitment, ciphertextLength) {
  const tail = concat(encodeUint(7), head(2, ciphertextLength));
  const h = limits.recordHeaderBytes;
  const bytes = new Uint8Array(h + tail.length + ciphertextLength);
  writeRecordHeader(bytes, keyringId, salt, nonce, commitment);
  bytes.set(tail, h);
  return { bytes, header: bytes.subarray(0, h), ciphertext: bytes.subarray(h + tail.length) };
}

// ---------------------------------------------------------------------------------------------
// Re-encoding from decoded values (SR-CBOR-9 round trip, used by the tests)

/**
 * Encodes a decoded slot from its values, not from its stored bytes; a slot of a kind this
 * decoder does not implement has no values but its bytes (SR-OP-18).
 */
function reencodeSlot(s) {
  if (s.kind === "unknown") return s.bytes;
  return concat(
    slotPrefix(s.kind, encodeTextString(s.label), s.kdf, s.salt, s.nonce),
    slotTail(s.wrappedDek, s.commitment),
  );
}

/** Re-encodes a DecodedKeyring from its values; equals the input bytes by SR-CBOR-9. */
export function reencodeKeyring(k) {
  return concat(assembleKeyringBody(k.id, k.generation, k.slots.map(reencodeSlot)), keyringTail(k.mac));
}

/** Re-encodes a DecodedRecord from its values. */
export function reencodeRecord(r) {
  return concat(recordHeader(r.keyringId, r.salt, r.nonce, r.commitment), recordTail(r.ciphertext), r.ciphertext);
}
