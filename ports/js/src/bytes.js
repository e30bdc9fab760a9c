/**
 * Small byte helpers shared by the format and crypto layers. No Node Buffer: the same code runs
 * in browsers.
 */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Lowercase hex, the notation of SPEC.md section 2.2 and of the vectors. */
export function hex(u8) {
  let s = "";
  for (let i = 0; i < u8.length; i++) s += HEX[u8[i]];
  return s;
}

/** Strict: an odd length or a non-hex digit is a programming error in a test or vector. */
export function fromHex(str) {
  if (typeof str !== "string" || str.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(str)) {
    throw new TypeError("fromHex: not an even-length hex string");
  }
  const out = new Uint8Array(str.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(str.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Concatenation into one fresh buffer (the `||` of the spec). */
export function concat(...parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * CT-Equal of SPEC.md 2.3 (SR-KEY-12): accumulates over every byte so the running time does not
 * depend on where the first difference is. Lengths are public (commitments and MACs are fixed
 * size), so an early return on a length mismatch leaks nothing.
 */
export function ctEqual(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/** u64be(n) of section 2.2 for 0 <= n < 2^53; used for the context length in the record AAD. */
export function u64be(n) {
  const out = new Uint8Array(8);
  writeU64be(out, 0, n);
  return out;
}

/** Writes u64be(n) at `offset` (n a safe integer, as every length here is). */
export function writeU64be(out, offset, n) {
  const hi = Math.floor(n / 0x100000000);
  const lo = n >>> 0;
  out[offset] = hi >>> 24;
  out[offset + 1] = (hi >>> 16) & 0xff;
  out[offset + 2] = (hi >>> 8) & 0xff;
  out[offset + 3] = hi & 0xff;
  out[offset + 4] = lo >>> 24;
  out[offset + 5] = (lo >>> 16) & 0xff;
  out[offset + 6] = (lo >>> 8) & 0xff;
  out[offset + 7] = lo & 0xff;
}

const encoder = new TextEncoder();
/** UTF-8 of a string. Callers check well-formedness first (SR-PWD-3, SR-OP-16). */
export const utf8 = (str) => encoder.encode(str);
