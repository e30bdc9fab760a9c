/**
 * Text form of SPEC.md section 13: "srk1." / "srr1." / "src1." + canonical unpadded base64url.
 *
 * The decoder follows SR-TXT-4: prefix, then a scan of the body that allocates nothing, then the
 * decoded size against the object's limit, and only then the base64url decoding. The caller then
 * runs the binary decoder (section 5.4) on the result.
 */

import { malformed, fail } from "./errors.js";
import { limits } from "./limits.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/** char code -> 6-bit value, or -1; 128 entries, so non-ASCII is rejected by a bounds check. */
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

const TWO_64 = 2n ** 64n;

const ALPHABET_CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
// The output is ASCII, which UTF-8 decodes unchanged; one decode of a byte buffer is much faster
// than building a 22-million-character string (a 16 MiB record) by concatenation.
const asciiDecoder = new TextDecoder("utf-8");

/** Canonical unpadded base64url (SR-TXT-3). */
export function base64urlEncode(bytes) {
  const n = bytes.length;
  const out = new Uint8Array(Math.floor(n / 3) * 4 + [0, 2, 3][n % 3]);
  let o = 0;
  let i = 0;
  for (; i + 3 <= n; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out[o++] = ALPHABET_CODES[v >> 18];
    out[o++] = ALPHABET_CODES[(v >> 12) & 63];
    out[o++] = ALPHABET_CODES[(v >> 6) & 63];
    out[o++] = ALPHABET_CODES[v & 63];
  }
  if (n - i >= 1) {
    const v = (bytes[i] << 16) | (n - i === 2 ? bytes[i + 1] << 8 : 0);
    out[o++] = ALPHABET_CODES[v >> 18];
    out[o++] = ALPHABET_CODES[(v >> 12) & 63];
    if (n - i === 2) out[o++] = ALPHABET_CODES[(v >> 6) & 63];
  }
  return asciiDecoder.decode(out);
}

/**
 * SR-TXT-1: classifies the start of `text` by the prefix grammar
 * `"sr" ("k" / "r" / "c") ("0" / [1-9] *DIGIT) "."`, version below 2^64.
 * Returns the offset of the body, or throws.
 */
function checkPrefix(text, letter) {
  if (!text.startsWith("sr")) throw malformed("text_prefix");
  const type = text[2];
  if (type !== "k" && type !== "r" && type !== "c") throw malformed("text_prefix");
  let i = 3;
  if (text[i] === "0") {
    i++;
  } else if (text[i] >= "1" && text[i] <= "9") {
    while (text[i] >= "0" && text[i] <= "9") i++;
  } else {
    throw malformed("text_prefix");
  }
  if (text[i] !== ".") throw malformed("text_prefix");
  const version = BigInt(text.slice(3, i)); // only digits, so this cannot throw
  if (version >= TWO_64) throw malformed("text_prefix");
  if (type !== letter) throw malformed("wrong_object_type");
  if (version !== 1n) throw fail("unsupported_version");
  return i + 1;
}

/** SR-TXT-2 scan of text[from..]: alphabet only, length not 1 mod 4, zero unused bits. */
function checkBody(text, from) {
  const n = text.length - from;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || DECODE[c] < 0) throw malformed("text_encoding");
  }
  const rest = n % 4;
  if (rest === 1) throw malformed("text_encoding");
  if (rest !== 0) {
    const last = DECODE[text.charCodeAt(text.length - 1)];
    if ((last & (rest === 2 ? 0x0f : 0x03)) !== 0) throw malformed("text_encoding");
  }
  return n;
}

/** Decodes an already checked canonical body. */
function decodeBody(text, from, n) {
  const out = new Uint8Array(3 * Math.floor(n / 4) + Math.max(0, (n % 4) - 1));
  let o = 0;
  let i = from;
  const end = from + n;
  for (; i + 4 <= end; i += 4) {
    const v =
      (DECODE[text.charCodeAt(i)] << 18) |
      (DECODE[text.charCodeAt(i + 1)] << 12) |
      (DECODE[text.charCodeAt(i + 2)] << 6) |
      DECODE[text.charCodeAt(i + 3)];
    out[o++] = v >> 16;
    out[o++] = (v >> 8) & 0xff;
    out[o++] = v & 0xff;
  }
  if (end - i >= 2) {
    const v = (DECODE[text.charCodeAt(i)] << 18) | (DECODE[text.charCodeAt(i + 1)] << 12) |
      (end - i === 3 ? DECODE[text.charCodeAt(i + 2)] << 6 : 0);
    out[o++] = v >> 16;
    if (end - i === 3) out[o++] = (v >> 8) & 0xff;
  }
  return out;
}

/** SR-TXT-4 steps 1 to 3; returns the bytes for the binary decoder. */
function fromText(text, letter, maxBytes) {
  if (typeof text !== "string") throw new TypeError("expected a string");
  const from = checkPrefix(text, letter);
  const n = checkBody(text, from);
  const decodedLength = 3 * Math.floor(n / 4) + Math.max(0, (n % 4) - 1);
  if (decodedLength > maxBytes) throw malformed("too_large");
  return decodeBody(text, from, n);
}

export const keyringToText = (bytes) => "srk1." + base64urlEncode(bytes);
export const recordToText = (bytes) => "srr1." + base64urlEncode(bytes);
export const checkpointToText = (bytes) => "src1." + base64urlEncode(bytes);
/** Bytes of a keyring text; pass them to decodeKeyring (SR-TXT-4 step 4). */
export const keyringFromText = (text) => fromText(text, "k", limits.maxKeyringBytes);
/** Bytes of a record text; pass them to decodeRecord. */
export const recordFromText = (text) => fromText(text, "r", limits.maxRecordBytes);
/** Bytes of a checkpoint text (SR-LOG-5); pass them to decodeCheckpoint. */
export const checkpointFromText = (text) => fromText(text, "c", limits.maxCheckpointBytes);
