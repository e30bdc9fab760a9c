/**
 * Password and label preparation (SPEC.md section 7, SR-OP-15, SR-OP-16).
 */

import { invalidInput, limitExceeded } from "./errors.js";
import { utf8 } from "./bytes.js";
import { head } from "./cbor.js";
import { limits } from "./limits.js";
import { ASSIGNED_14 } from "./unicode-14.js";

/** True when `cp` lies in one of the [first, last] pairs of ASSIGNED_14 (binary search). */
function assignedIn14(cp) {
  let lo = 0;
  let hi = ASSIGNED_14.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < ASSIGNED_14[2 * mid]) hi = mid - 1;
    else if (cp > ASSIGNED_14[2 * mid + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/**
 * An argument error of the host language (SR-PWD-3, SR-OP-16), checked before normalization:
 * TextEncoder would silently turn a lone surrogate into U+FFFD, giving a different password.
 */
function requireWellFormed(str, what) {
  if (typeof str !== "string") throw new TypeError(`${what} must be a string`);
  if (!str.isWellFormed()) throw new TypeError(`${what} contains a lone UTF-16 surrogate`);
}

/**
 * P of SR-PWD-1: UTF-8 of the NFC form, with no other mapping, of a password whose code points
 * are all assigned in Unicode 14.0 (SR-PWD-4); then the SR-PWD-2 length rules.
 * @param {string} password
 * @returns {Uint8Array}
 */
export function normalizePassword(password) {
  requireWellFormed(password, "password");
  // SR-PWD-4: only what Unicode 14.0 assigns, so that NFC gives the same bytes under every
  // Unicode version from 14.0 on (the engine's own tables are newer).
  for (const ch of password) {
    if (!assignedIn14(ch.codePointAt(0))) throw invalidInput("unassigned_code_point");
  }
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
