/**
 * Password and label preparation (SPEC.md section 7, SR-OP-15, SR-OP-16).
 */

import { invalidInput, limitExceeded } from "./errors.js";
import { utf8 } from "./bytes.js";
import { head } from "./cbor.js";
import { limits } from "./limits.js";

/**
 * An argument error of the host language (SR-PWD-3, SR-OP-16), checked before normalization:
 * TextEncoder would silently turn a lone surrogate into U+FFFD, giving a different password.
 */
function requireWellFormed(str, what) {
  if (typeof str !== "string") throw new TypeError(`${what} must be a string`);
  if (!str.isWellFormed()) throw new TypeError(`${what} contains a lone UTF-16 surrogate`);
}

/**
 * P of SR-PWD-1: UTF-8 of the NFC form, with no other mapping; then the SR-PWD-2 length rules.
 * @param {string} password
 * @returns {Uint8Array}
 */
export function normalizePassword(password) {
  requireWellFormed(password, "password");
  const p = utf8(password.normalize("NFC"));
  if (p.length === 0) throw invalidInput("empty_password");
  if (p.length > limits.maxPasswordBytes) throw limitExceeded("password_too_long");
  return p;
}

/**
 * CheckLabel (section 11.1): labels are stored exactly as given, not normalized (section 6.3).
 * Returns enc(label), head included, ready for slotPrefix.
 * @param {string} label
 * @returns {Uint8Array}
 */
export function checkLabel(label) {
  requireWellFormed(label, "label");
  const b = utf8(label);
  if (b.length > limits.maxLabelBytes) throw limitExceeded("label_too_long");
  const h = head(3, b.length);
  const out = new Uint8Array(h.length + b.length);
  out.set(h, 0);
  out.set(b, h.length);
  return out;
}
