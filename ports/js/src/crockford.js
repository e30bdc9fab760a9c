/**
 * Crockford base32 as recovery codes (SPEC.md section 12) and secret key codes (section 12.1) use
 * it: the alphabet without I, L, O and U, most significant bit first, and the lenient reading of
 * SR-REC-1 and SR-SK-1 (ASCII case, O -> 0, I and L -> 1). ASCII only: String.toUpperCase would map
 * U+0131 and U+017F onto I and S, which both rules reject.
 */

export const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** ASCII char code -> symbol value after the lenient mappings, or -1. */
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 32; i++) {
  VALUE[ALPHABET.charCodeAt(i)] = i;
  VALUE[ALPHABET.toLowerCase().charCodeAt(i)] = i;
}
for (const [c, v] of [["O", 0], ["o", 0], ["I", 1], ["i", 1], ["L", 1], ["l", 1]]) VALUE[c.charCodeAt(0)] = v;

/** The symbol value of UTF-16 code unit `c` (case, O, I, L mapped), or -1 for anything else. */
export const symbolValue = (c) => (c < 128 ? VALUE[c] : -1);

/** True for the two separators both rules ignore: "-" and U+0020 (no other whitespace). */
export const isSeparator = (c) => c === 0x2d || c === 0x20;

/**
 * The payload as symbols in groups of `group`, joined by "-". The payload's bit length is a
 * multiple of 5 in both uses (280 and 160 bits), so nothing is left over.
 */
export function encodeGroups(payload, group) {
  let out = "";
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (const byte of payload) {
    acc = ((acc << 8) | byte) & 0xfff; // at most 12 live bits, so no overflow
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      if (n > 0 && n % group === 0) out += "-";
      out += ALPHABET[(acc >> bits) & 31];
      n++;
    }
  }
  return out;
}

/** Symbol values (5 bits each, a multiple of 8 bits in all) back to bytes. */
export function decodeSymbols(values) {
  const out = new Uint8Array((values.length * 5) / 8);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (const v of values) {
    acc = ((acc << 5) | v) & 0x1fff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}
