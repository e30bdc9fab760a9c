/**
 * Encoder side of the CBOR profile (SPEC.md section 5) plus the head reader used by the decoder.
 * Only what v1 needs: unsigned integers, byte strings, text strings, array and map heads.
 */

import { malformed } from "./errors.js";
import { utf8 } from "./bytes.js";

/**
 * head(M, n): the shortest head (SR-CBOR-2). `n` may be a Number (<= 2^53 - 1) or a BigInt, so
 * that 8-byte heads never lose precision.
 */
export function head(major, n) {
  const m = major << 5;
  if (typeof n === "bigint") {
    if (n < 0n || n > 0xffffffffffffffffn) throw new RangeError("head: argument out of range");
    if (n <= BigInt(Number.MAX_SAFE_INTEGER)) return head(major, Number(n));
    const out = new Uint8Array(9);
    out[0] = m | 27;
    new DataView(out.buffer).setBigUint64(1, n);
    return out;
  }
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError("head: argument out of range");
  if (n < 24) return Uint8Array.of(m | n);
  if (n < 0x100) return Uint8Array.of(m | 24, n);
  if (n < 0x10000) return Uint8Array.of(m | 25, n >> 8, n & 0xff);
  if (n < 0x100000000) {
    return Uint8Array.of(m | 26, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  }
  const out = new Uint8Array(9);
  out[0] = m | 27;
  new DataView(out.buffer).setBigUint64(1, BigInt(n));
  return out;
}

/** enc(n) of an unsigned integer. */
export const encodeUint = (n) => head(0, n);

/** enc(b) of a byte string: head(2, len) || b. */
export function encodeBytes(u8) {
  const h = head(2, u8.length);
  const out = new Uint8Array(h.length + u8.length);
  out.set(h, 0);
  out.set(u8, h.length);
  return out;
}

/** enc(s) of a text string. Callers check well-formedness first (SR-OP-16). */
export function encodeTextString(str) {
  const b = utf8(str);
  const h = head(3, b.length);
  const out = new Uint8Array(h.length + b.length);
  out.set(h, 0);
  out.set(b, h.length);
  return out;
}

const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Reads one head at `pos` by the checks (a) to (e) of SPEC.md 5.3, and also (f) when `checkRemaining`
 * is true (the profile step; the header peek passes false). Returns the major type, the argument and
 * the offset after the head. The argument is a Number when it is at most 2^53 - 1 and a BigInt
 * above, so comparisons with small Numbers stay exact and nothing ever wraps around (SR-CBOR-8);
 * a BigInt argument is never equal to a small Number, which is what every caller wants.
 *
 * @param {Uint8Array} buf
 * @param {DataView} view a view of exactly `buf`
 * @param {number} pos
 * @param {boolean} checkRemaining
 * @returns {{major: number, arg: number|bigint, end: number}}
 */
export function readHead(buf, view, pos, checkRemaining) {
  if (pos >= buf.length) throw malformed("truncated"); // (a)
  const ib = buf[pos];
  const major = ib >> 5;
  const ai = ib & 0x1f;
  if (major === 1 || major === 6 || major === 7) throw malformed("forbidden_major_type"); // (b)
  if (ai >= 28 && ai <= 30) throw malformed("reserved_additional_info"); // (c)
  if (ai === 31) throw malformed("indefinite_length");
  let arg;
  let end;
  if (ai < 24) {
    arg = ai;
    end = pos + 1;
  } else {
    const n = 1 << (ai - 24); // 1, 2, 4 or 8 argument bytes
    if (buf.length - (pos + 1) < n) throw malformed("truncated"); // (d)
    end = pos + 1 + n;
    let min; // smallest argument that needs this many bytes (e)
    if (ai === 24) {
      arg = buf[pos + 1];
      min = 24;
    } else if (ai === 25) {
      arg = view.getUint16(pos + 1);
      min = 0x100;
    } else if (ai === 26) {
      arg = view.getUint32(pos + 1);
      min = 0x10000;
    } else {
      const big = view.getBigUint64(pos + 1);
      if (big < 0x100000000n) throw malformed("non_shortest_head");
      arg = big <= MAX_SAFE_BIG ? Number(big) : big;
      min = 0x100000000;
    }
    if (arg < min) throw malformed("non_shortest_head"); // (e)
  }
  if (checkRemaining) {
    // (f): every item takes at least one byte and every map entry two (SR-CBOR-8), checked
    // before anything is allocated. Mixed Number/BigInt comparison is exact in JavaScript.
    const remaining = buf.length - end;
    if ((major === 2 || major === 3 || major === 4) && arg > remaining) throw malformed("truncated");
    if (major === 5 && arg > Math.floor(remaining / 2)) throw malformed("truncated");
  }
  return { major, arg, end };
}
