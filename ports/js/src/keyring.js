// Keyrings and the operations on them (SPEC.md sections 9.2, 9.3, 11.1 to 11.9), on WebCrypto as
// section 19.2 prescribes. The DEK only ever exists as a non-extractable HKDF CryptoKey, except
// for the moment of creation (getRandomValues -> encrypt -> importKey -> fill(0)). Every numbered
// step of section 11 is marked in the code with its number, because the order of the checks is
// part of the contract (the vectors check it).
import { fail, invalidInput, limitExceeded } from "./errors.js";
import { concat, ctEqual, utf8 } from "./bytes.js";
import { decodeKeyring, slotPrefix, assembleKeyringBody } from "./format.js";
import { keyringToText, keyringFromText } from "./text.js";
import { normalizePassword, checkLabel } from "./password.js";
import { parseRecoveryCode, formatRecoveryCode } from "./recovery-code.js";
import { UnlockPolicy, checkNewKdf, DEFAULT_KDF, DEFAULT_ARGON2ID } from "./policy.js";
import { deriveKekBytes, importKek } from "./kdf.js";
import { drawRandom } from "./random.js";
import { limits } from "./limits.js";
import { sealWithDek, openWithDek, SealedRecord } from "./record.js";

const subtle = () => globalThis.crypto.subtle;

// Labels of SPEC.md section 9.1.
const LABEL_WRAP = {
  password: utf8("strongroom/v1/password-slot/wrap-key"),
  recovery: utf8("strongroom/v1/recovery-slot/wrap-key"),
};
const LABEL_COMMIT = {
  password: utf8("strongroom/v1/password-slot/commitment"),
  recovery: utf8("strongroom/v1/recovery-slot/commitment"),
};
const LABEL_MAC = utf8("strongroom/v1/keyring/mac-key");

const MAX_GENERATION = limits.maxGeneration; // 2^53 - 1 (SR-OP-12)
const MAX_SLOTS = limits.maxSlots;
const AAD_TAIL = 86; // keys 6 and 7 of a slot: 06 58 30 + 48 bytes, 07 58 20 + 32 bytes (SR-KEY-3)
const MAC_TAIL = 35; // 06 58 20 + 32 MAC bytes (SR-KEY-6)
const GCM = (iv, additionalData) => ({ name: "AES-GCM", iv, additionalData, tagLength: 128 });
const HMAC_256 = { name: "HMAC", hash: "SHA-256", length: 256 };
// Wrap-key usages of section 19.2: at creation, and for a slot added or changed later.
const CREATE_USAGES = ["encrypt", "decrypt", "unwrapKey"];
const NEW_SLOT_USAGES = ["wrapKey", "encrypt", "decrypt", "unwrapKey"];

// Private token: Keyring and UnlockedKeyring are built only by this module.
const INTERNAL = Symbol("strongroom.internal");
// Decoded state of each Keyring and the DEK of each UnlockedKeyring, reachable only from this
// module (a symbol-keyed property would be reachable through Object.getOwnPropertySymbols).
const DECODED = new WeakMap();
const DEKS = new WeakMap();
const dec_ = (keyring) => DECODED.get(keyring);

// ---------------------------------------------------------------------------------------------
// Argument checks at the API boundary (SR-PWD-3, SR-OP-16): ill-formed strings are TypeErrors,
// raised before step 1 of an operation, never StrongroomErrors.

function requireWellFormed(value, what) {
  if (typeof value !== "string") throw new TypeError(`${what} must be a string`);
  if (!value.isWellFormed()) throw new TypeError(`${what} is not a well-formed string (lone surrogate)`);
  return value;
}

/** SR-OP-3/5/7: anything but an integer in range (strings, fractions, negatives) is no_such_slot. */
function checkIndex(index, count) {
  if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= count) {
    throw invalidInput("no_such_slot");
  }
}

function checkPolicyArg(policy) {
  if (policy === undefined) return UnlockPolicy.default();
  if (!(policy instanceof UnlockPolicy)) throw new TypeError("policy must be an UnlockPolicy");
  return policy;
}

/**
 * Copies a KdfParams given by the application into the shape the format layer expects, so that a
 * later change of the caller's object cannot change what is checked vs what is written.
 */
function kdfArg(kdf) {
  if (kdf === undefined) return DEFAULT_KDF;
  if (kdf === null || typeof kdf !== "object") throw new TypeError("kdf must be a KdfParams object");
  if (kdf.id === 2) {
    // SR-KDF-5: Argon2id chosen without parameters gets RFC 9106's second recommended option.
    if (kdf.memoryKib === undefined && kdf.timeCost === undefined && kdf.parallelism === undefined) {
      return DEFAULT_ARGON2ID;
    }
    return { id: 2, memoryKib: kdf.memoryKib, timeCost: kdf.timeCost, parallelism: kdf.parallelism };
  }
  if (kdf.id === 1) return { id: 1, iterations: kdf.iterations ?? DEFAULT_KDF.iterations };
  return { ...kdf }; // an unknown id: CheckNewKdf reports unsupported_algorithm

}

// ---------------------------------------------------------------------------------------------
// Key schedule (SPEC.md 9.2, 9.3) with WebCrypto's HKDF: salt = Extract salt, info = Expand info.

async function hkdfBits(key, salt, info) {
  return new Uint8Array(await subtle().deriveBits({ name: "HKDF", hash: "SHA-256", salt, info }, key, 256));
}

/**
 * SR-KEY-2 for one slot: the commitment (bytes, to compare) and the wrap key (non-extractable
 * AES-GCM key with the given usages).
 */
async function slotKeys(kek, keyringId, kind, usages) {
  const commitment = await hkdfBits(kek, keyringId, LABEL_COMMIT[kind]);
  const wk = await subtle().deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: keyringId, info: LABEL_WRAP[kind] },
    kek,
    { name: "AES-GCM", length: 256 },
    false,
    usages,
  );
  return { commitment, wk };
}

/** SR-KEY-6: the keyring MAC key, non-extractable HMAC with sign and verify. */
function macKey(dek, keyringId) {
  return subtle().deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: keyringId, info: LABEL_MAC },
    dek,
    HMAC_256,
    false,
    ["sign", "verify"],
  );
}

/** slot_aad of SR-KEY-3, from the exact received slot bytes (SR-KEY-11). */
function slotAad(keyringId, slotBytes) {
  return concat(Uint8Array.of(0x50), keyringId, slotBytes.subarray(0, slotBytes.length - AAD_TAIL));
}

/**
 * TrySlot(K, s, KEK) of SPEC.md 11.1. Returns null for every failure alike (commitment mismatch or
 * AES-GCM failure: SR-ERR-2), otherwise the DEK as a non-extractable HKDF key plus the material
 * needed to re-wrap it later (section 19.1: wrap key, nonce, AAD, wrapped DEK).
 */
async function trySlot(dec, slot, kek) {
  // 1. prk_slot, wrap_key, commitment'.
  const { commitment, wk } = await slotKeys(kek, dec.id, slot.kind, ["unwrapKey", "decrypt"]);
  // 2. CT-Equal before any AES-GCM call (SR-KEY-12, SR-OP-2).
  if (!ctEqual(commitment, slot.commitment)) return null;
  // 3. AAD from the received bytes.
  const aad = slotAad(dec.id, slot.bytes);
  // 4. Unwrap straight into a non-extractable HKDF key: the DEK never appears as bytes.
  let dek;
  try {
    dek = await subtle().unwrapKey("raw", slot.wrappedDek, wk, GCM(slot.nonce, aad), "HKDF", false, [
      "deriveBits",
      "deriveKey",
    ]);
  } catch {
    return null; // OperationError: the tag did not verify; try the next slot
  }
  return { dek, rewrap: { wk, nonce: slot.nonce, aad, wrapped: slot.wrappedDek } };
}

/**
 * FinishUnlock(K, DEK): verifies the keyring MAC over the exact received bytes. HMAC verify
 * compares in native code (section 19.2).
 */
async function finishUnlock(keyring, found, policy) {
  const dec = dec_(keyring);
  const mk = await macKey(found.dek, dec.id);
  const ok = await subtle().verify("HMAC", mk, dec.mac, dec.bytes.subarray(0, dec.bytes.length - MAC_TAIL));
  if (!ok) throw fail("keyring_tampered");
  return new UnlockedKeyring(INTERNAL, keyring, found.dek, found.rewrap, mk, policy);
}

/** KEK of a password slot as an HKDF key; P is wiped by the caller after its last KDF. */
async function passwordKek(P, salt, kdf) {
  return importKek(await deriveKekBytes(P, salt, kdf));
}

/** KEK of a recovery slot: the secret itself (SR-KEY-5). `secret` is wiped by importKek. */
function recoveryKek(secret) {
  return importKek(secret);
}

/**
 * BuildSlot of SPEC.md 11.1. `wrapDek(wk, nonce, aad)` produces the 48-byte wrapped DEK (encrypt
 * of the fresh DEK bytes at creation, wrapKey of an extractable HMAC copy otherwise), so that
 * this function never sees the DEK.
 */
async function buildSlot(keyringId, kind, labelEnc, kek, kdf, salt, nonce, wrapDek, usages = NEW_SLOT_USAGES) {
  // 1-3. Prefix up to the nonce, with the final entry count (format layer).
  const prefix = slotPrefix(kind, labelEnc, kdf, salt, nonce);
  // 4. Keys, with the usages section 19.2 gives for a new slot (or, at creation, CREATE_USAGES).
  const { commitment, wk } = await slotKeys(kek, keyringId, kind, usages);
  // 5. AAD.
  const aad = concat(Uint8Array.of(0x50), keyringId, prefix);
  // 6. Wrap.
  const wrapped = await wrapDek(wk, nonce, aad);
  if (wrapped.length !== 48) throw new Error("internal: wrapped DEK is not 48 bytes");
  // 7. Slot bytes.
  const bytes = concat(prefix, Uint8Array.of(0x06, 0x58, 0x30), wrapped, Uint8Array.of(0x07, 0x58, 0x20), commitment);
  return { bytes, rewrap: { wk, nonce, aad, wrapped } };
}

/** AssembleKeyring of SPEC.md 11.1; returns a Keyring decoded from the bytes it wrote. */
async function assembleKeyring(keyringId, generation, slotBytesList, mk) {
  const body = assembleKeyringBody(keyringId, generation, slotBytesList);
  const mac = new Uint8Array(await subtle().sign("HMAC", mk, body));
  const bytes = concat(body, Uint8Array.of(0x06, 0x58, 0x20), mac);
  // Decoding what we wrote keeps one representation of a keyring (and would catch an encoder
  // bug as a thrown error rather than a silently unreadable keyring).
  return new Keyring(INTERNAL, decodeKeyring(bytes));
}

// ---------------------------------------------------------------------------------------------

function publicKdf(kdf) {
  if (kdf === null) return null;
  return Object.freeze(
    kdf.id === 1
      ? { id: 1, iterations: kdf.iterations }
      : { id: 2, memoryKib: kdf.memoryKib, timeCost: kdf.timeCost, parallelism: kdf.parallelism },
  );
}

/** A decoded keyring (not authenticated until unlocked). Immutable. */
export class Keyring {
  /** @private Built by fromBytes, fromText, create and the changing operations only. */
  constructor(token, decoded) {
    if (token !== INTERNAL) throw new TypeError("use Keyring.fromBytes, Keyring.fromText or Keyring.create");
    DECODED.set(this, decoded);
    this.slots = Object.freeze(
      decoded.slots.map((s) =>
        Object.freeze({
          kind: s.kind,
          label: s.label,
          kdf: publicKdf(s.kdf),
          get salt() {
            return s.salt === null ? null : Uint8Array.from(s.salt);
          },
          get nonce() {
            return Uint8Array.from(s.nonce);
          },
          get wrappedDek() {
            return Uint8Array.from(s.wrappedDek);
          },
          get commitment() {
            return Uint8Array.from(s.commitment);
          },
          get bytes() {
            return Uint8Array.from(s.bytes);
          },
        }),
      ),
    );
    Object.freeze(this);
  }

  /** Strict decoder (SPEC.md 5.4). @param {Uint8Array} bytes */
  static fromBytes(bytes) {
    if (!(bytes instanceof Uint8Array)) throw new TypeError("bytes must be a Uint8Array");
    return new Keyring(INTERNAL, decodeKeyring(bytes));
  }

  /** Text form "srk1." (SPEC.md 13). @param {string} text */
  static fromText(text) {
    if (typeof text !== "string") throw new TypeError("text must be a string");
    return new Keyring(INTERNAL, decodeKeyring(keyringFromText(text)));
  }

  /**
   * SR-OP-1 / SPEC.md 11.2.
   * @param {string} password
   * @param {string} label required, may be ""
   * @param {{kdf?: object, policy?: UnlockPolicy, random?: {getRandomValues(a: Uint8Array): Uint8Array}}} [options]
   */
  static async create(password, label, options = {}) {
    requireWellFormed(password, "password");
    requireWellFormed(label, "label");
    const policy = checkPolicyArg(options.policy);
    const kdf = kdfArg(options.kdf);
    // 1. CheckLabel.
    const labelEnc = checkLabel(label);
    // 2. Normalize.
    const P = normalizePassword(password);
    let dekBytes = null;
    try {
      // 3. CheckNewKdf.
      checkNewKdf(kdf, policy);
      // 4. Draws, in the order of section 9.5.
      const keyringId = drawRandom(options.random, 16);
      dekBytes = drawRandom(options.random, 32);
      const salt = drawRandom(options.random, 32);
      const nonce = drawRandom(options.random, 12);
      // 5. KEK.
      const kek = await passwordKek(P, salt, kdf);
      P.fill(0);
      // 6. BuildSlot: the fresh DEK is encrypted directly (section 19.2 "DEK at creation").
      const d = dekBytes;
      const encryptDek = async (wk, iv, aad) => new Uint8Array(await subtle().encrypt(GCM(iv, aad), wk, d));
      const slot = await buildSlot(keyringId, "password", labelEnc, kek, kdf, salt, nonce, encryptDek, CREATE_USAGES);
      const dek = await subtle().importKey("raw", dekBytes, "HKDF", false, ["deriveBits", "deriveKey"]);
      dekBytes.fill(0);
      // 7. AssembleKeyring at generation 0.
      const mk = await macKey(dek, keyringId);
      const keyring = await assembleKeyring(keyringId, 0, [slot.bytes], mk);
      // 8.
      return new UnlockedKeyring(INTERNAL, keyring, dek, slot.rewrap, mk, policy);
    } finally {
      P.fill(0);
      if (dekBytes) dekBytes.fill(0);
    }
  }

  /** @returns {Uint8Array} the exact bytes (a copy) */
  toBytes() {
    return Uint8Array.from(dec_(this).bytes);
  }

  /** @returns {string} "srk1.<base64url>" */
  toText() {
    return keyringToText(dec_(this).bytes);
  }

  get id() {
    return Uint8Array.from(dec_(this).id);
  }

  get generation() {
    return dec_(this).generation;
  }

  get mac() {
    return Uint8Array.from(dec_(this).mac);
  }

  /**
   * SR-OP-2 / SPEC.md 11.3 (step 1, decoding, happened when this Keyring was built).
   * @param {string} password
   * @param {UnlockPolicy} [policy]
   */
  async unlock(password, policy) {
    requireWellFormed(password, "password");
    policy = checkPolicyArg(policy);
    const dec = dec_(this);
    // 2. Normalize.
    const P = normalizePassword(password);
    try {
      // 3. Password slots in keyring order; none: unlock_failed.
      const slots = dec.slots.filter((s) => s.kind === "password");
      if (slots.length === 0) throw fail("unlock_failed");
      // 4. Every slot to be tried is checked before any KDF (fail closed, SR-POL-2).
      for (const s of slots) policy.check(s.kdf);
      // 5. Try each slot; the first that yields the DEK decides (MAC failure ends the unlock).
      for (const s of slots) {
        const kek = await passwordKek(P, s.salt, s.kdf);
        const found = await trySlot(dec, s, kek);
        if (found) {
          P.fill(0);
          return await finishUnlock(this, found, policy);
        }
      }
      // 6.
      throw fail("unlock_failed");
    } finally {
      P.fill(0);
    }
  }

  /**
   * SR-OP-3 / SPEC.md 11.4.
   * @param {number} index
   * @param {{password: string}|{recoveryCode: string}} credential
   * @param {UnlockPolicy} [policy]
   */
  async unlockSlot(index, credential, policy) {
    if (credential === null || typeof credential !== "object") throw new TypeError("credential must be an object");
    const hasPw = "password" in credential;
    const hasCode = "recoveryCode" in credential;
    if (hasPw === hasCode) throw new TypeError("credential must have exactly one of password, recoveryCode");
    if (hasPw) requireWellFormed(credential.password, "password");
    else if (typeof credential.recoveryCode !== "string") throw new TypeError("recoveryCode must be a string");
    policy = checkPolicyArg(policy);
    const dec = dec_(this);
    // 2. Index.
    checkIndex(index, dec.slots.length);
    const s = dec.slots[index];
    // 3. Kind.
    if (s.kind !== (hasPw ? "password" : "recovery")) throw invalidInput("wrong_slot_kind");
    // 4. KEK.
    let kek;
    if (hasPw) {
      const P = normalizePassword(credential.password);
      try {
        policy.check(s.kdf);
        kek = await passwordKek(P, s.salt, s.kdf);
      } finally {
        P.fill(0);
      }
    } else {
      kek = await recoveryKek(await parseRecoveryCode(credential.recoveryCode));
    }
    // 5. TrySlot.
    const found = await trySlot(dec, s, kek);
    if (!found) throw fail("unlock_failed");
    // 6.
    return finishUnlock(this, found, policy);
  }

  /**
   * SR-OP-4 / SPEC.md 11.5. Recovery slots have no KDF, so no policy applies to the unlock;
   * `policy` only becomes the policy in force of the result, against which password slots
   * written later are checked (the spec leaves this open).
   * @param {string} code
   * @param {UnlockPolicy} [policy] policy in force afterwards (default: the default policy)
   */
  async unlockWithRecovery(code, policy) {
    if (typeof code !== "string") throw new TypeError("code must be a string");
    policy = checkPolicyArg(policy);
    const dec = dec_(this);
    // 2. Parse before trying any slot.
    // The secret is imported once as an HKDF key (which wipes the bytes) and serves every slot.
    const kek = await recoveryKek(await parseRecoveryCode(code));
    // 3. Recovery slots in keyring order.
    for (const s of dec.slots) {
      if (s.kind !== "recovery") continue;
      const found = await trySlot(dec, s, kek);
      if (found) return finishUnlock(this, found, policy);
    }
    // 4.
    throw fail("unlock_failed");
  }
}

/**
 * An unlocked keyring: the DEK as a non-extractable HKDF CryptoKey, the MAC key, and, for the slot
 * that was unlocked or created, the wrap key, nonce, AAD and wrapped DEK that let a new slot get a
 * copy of the DEK without it ever becoming a byte array (section 19.1).
 */
export class UnlockedKeyring {
  /** @private */
  constructor(token, keyring, dek, rewrap, mk, policy) {
    if (token !== INTERNAL) throw new TypeError("use Keyring.create or Keyring#unlock");
    this.#keyring = keyring;
    this.#dek = dek;
    this.#rewrap = rewrap;
    this.#mk = mk;
    /** The policy in force (read-only): new KDFs are checked against it. */
    this.policy = policy;
    DEKS.set(this, dek);
    // Private fields stay writable on a frozen object; freezing fixes `policy`.
    Object.freeze(this);
  }

  #keyring;
  #dek;
  #rewrap;
  #mk;
  // Changing operations run one at a time: each starts from the keyring the previous one left,
  // so two concurrent calls cannot both build on the same generation and lose a slot.
  #queue = Promise.resolve();

  get keyring() {
    return this.#keyring;
  }

  #serialize(fn) {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /**
   * Steps 6 and 7 shared by change password (11.6) and add password slot (11.7): draw the salt
   * and nonce, derive the KEK (P is wiped as soon as the KDF is done; the caller's `finally`
   * wipes it on failure) and build the slot around the kept wrapped DEK.
   */
  async #newPasswordSlot(dec, labelEnc, P, kdf, random) {
    const salt = drawRandom(random, 32);
    const nonce = drawRandom(random, 12);
    const kek = await passwordKek(P, salt, kdf);
    P.fill(0);
    return buildSlot(dec.id, "password", labelEnc, kek, kdf, salt, nonce, this.#wrapDek);
  }

  /** Wraps the DEK for a new slot: unwrapKey into an extractable HMAC key, wrapKey, drop it. */
  #wrapDek = async (newWk, nonce, aad) => {
    const r = this.#rewrap;
    const d = await subtle().unwrapKey("raw", r.wrapped, r.wk, GCM(r.nonce, r.aad), HMAC_256, true, ["sign"]);
    return new Uint8Array(await subtle().wrapKey("raw", d, newWk, GCM(nonce, aad)));
  };

  /** Step "generation + 1" and the final assembly, shared by every changing operation. */
  async #commit(dec, slotBytesList) {
    const keyring = await assembleKeyring(dec.id, dec.generation + 1, slotBytesList, this.#mk);
    this.#keyring = keyring; // only now, after every step succeeded (SR-ERR-3)
    return keyring;
  }

  /**
   * SR-OP-5 / SPEC.md 11.6.
   * @param {number} index
   * @param {string} newPassword
   * @param {{kdf?: object, random?: object}} [options]
   */
  async changePassword(index, newPassword, options = {}) {
    requireWellFormed(newPassword, "newPassword");
    const kdf = kdfArg(options.kdf);
    return this.#serialize(async () => {
      const dec = dec_(this.#keyring);
      // 1. Index. 2. Kind.
      checkIndex(index, dec.slots.length);
      const old = dec.slots[index];
      if (old.kind !== "password") throw invalidInput("wrong_slot_kind");
      // 3. Normalize.
      const P = normalizePassword(newPassword);
      try {
        // 4. CheckNewKdf against the policy in force (never the old slot's parameters, SR-KDF-6).
        checkNewKdf(kdf, this.policy);
        // 5. Generation.
        if (dec.generation >= MAX_GENERATION) throw limitExceeded("generation_exhausted");
        // 6. Draws. 7. KEK and the new slot; the label is carried over as its exact key-2 bytes.
        const slot = await this.#newPasswordSlot(dec, old.labelBytes, P, kdf, options.random);
        // 8-9.
        const list = dec.slots.map((s, i) => (i === index ? slot.bytes : s.bytes));
        return await this.#commit(dec, list);
      } finally {
        P.fill(0);
      }
    });
  }

  /**
   * SR-OP-6 / SPEC.md 11.7.
   * @param {string} label
   * @param {string} password
   * @param {{kdf?: object, random?: object}} [options]
   */
  async addPasswordSlot(label, password, options = {}) {
    requireWellFormed(label, "label");
    requireWellFormed(password, "password");
    const kdf = kdfArg(options.kdf);
    return this.#serialize(async () => {
      const dec = dec_(this.#keyring);
      // 1. Slot count.
      if (dec.slots.length >= MAX_SLOTS) throw limitExceeded("too_many_slots");
      // 2. CheckLabel.
      const labelEnc = checkLabel(label);
      // 3. Normalize.
      const P = normalizePassword(password);
      try {
        // 4. CheckNewKdf. 5. Generation.
        checkNewKdf(kdf, this.policy);
        if (dec.generation >= MAX_GENERATION) throw limitExceeded("generation_exhausted");
        // 6. Draws. 7. KEK and slot. 8. Assemble.
        const slot = await this.#newPasswordSlot(dec, labelEnc, P, kdf, options.random);
        return await this.#commit(dec, [...dec.slots.map((s) => s.bytes), slot.bytes]);
      } finally {
        P.fill(0);
      }
    });
  }

  /**
   * SPEC.md 11.8. The recovery code is returned once; the secret bytes are wiped here.
   * @param {string} label
   * @param {{random?: object}} [options]
   */
  async addRecoverySlot(label, options = {}) {
    requireWellFormed(label, "label");
    return this.#serialize(async () => {
      const dec = dec_(this.#keyring);
      // 1. Slot count. 2. CheckLabel. 3. Generation.
      if (dec.slots.length >= MAX_SLOTS) throw limitExceeded("too_many_slots");
      const labelEnc = checkLabel(label);
      if (dec.generation >= MAX_GENERATION) throw limitExceeded("generation_exhausted");
      // 4. Draws.
      const secret = drawRandom(options.random, 32);
      try {
        const nonce = drawRandom(options.random, 12);
        // The code is formatted before the secret is wiped by importKek.
        const recoveryCode = await formatRecoveryCode(secret);
        // 5. BuildSlot with KEK = secret. 6. Assemble.
        const kek = await recoveryKek(secret);
        const slot = await buildSlot(dec.id, "recovery", labelEnc, kek, null, null, nonce, this.#wrapDek);
        const keyring = await this.#commit(dec, [...dec.slots.map((s) => s.bytes), slot.bytes]);
        return { keyring, recoveryCode };
      } finally {
        secret.fill(0);
      }
    });
  }

  /**
   * SR-OP-7 / SPEC.md 11.9.
   * @param {number} index
   */
  async removeSlot(index) {
    return this.#serialize(async () => {
      const dec = dec_(this.#keyring);
      // 1. Index. 2. Last slot. 3. Generation.
      checkIndex(index, dec.slots.length);
      if (dec.slots.length === 1) throw invalidInput("last_slot");
      if (dec.generation >= MAX_GENERATION) throw limitExceeded("generation_exhausted");
      // 4.
      return this.#commit(
        dec,
        dec.slots.filter((_, i) => i !== index).map((s) => s.bytes),
      );
    });
  }

  /**
   * SR-OP-8 / SPEC.md 11.10.
   * @param {Uint8Array|string} plaintext a string is sealed as its UTF-8 bytes
   * @param {Uint8Array|string} [context] default empty
   * @param {{random?: object}} [options]
   * @returns {Promise<SealedRecord>}
   */
  async seal(plaintext, context = new Uint8Array(0), options = {}) {
    const dec = dec_(this.#keyring);
    return sealWithDek(this.#dek, dec.id, bytesArg(plaintext, "plaintext"), bytesArg(context, "context"), options.random);
  }

  /**
   * SR-OP-9 / SPEC.md 11.11.
   * @param {SealedRecord|Uint8Array} record
   * @param {Uint8Array|string} [context]
   * @returns {Promise<Uint8Array>}
   */
  async open(record, context = new Uint8Array(0)) {
    const dec = dec_(this.#keyring);
    // Step 1: decoding; a byte array is decoded here, a SealedRecord already was.
    const rec = record instanceof SealedRecord ? record : SealedRecord.fromBytes(record);
    return openWithDek(this.#dek, dec.id, rec, bytesArg(context, "context"));
  }

  // ---- Session hooks for src/storage.js (added by Helper C; internal, not in index.d.ts) ------
  // storage.js keeps an unlocked keyring in IndexedDB by structured clone. These two methods
  // hand it exactly what this object holds (non-extractable CryptoKeys and public bytes) and
  // rebuild an UnlockedKeyring from that; the DEK never becomes a byte array on the way.

  /**
   * @internal For strongroom/storage only. A structured-cloneable snapshot of the keys.
   * @returns {{v: 1, keyringId: Uint8Array, dek: CryptoKey,
   *   slot: {wrapKey: CryptoKey, nonce: Uint8Array, aad: Uint8Array, wrappedDek: Uint8Array}}}
   */
  _exportSessionState() {
    const r = this.#rewrap;
    return {
      v: 1,
      keyringId: dec_(this.#keyring).id.slice(),
      dek: this.#dek,
      slot: { wrapKey: r.wk, nonce: r.nonce.slice(), aad: r.aad.slice(), wrappedDek: r.wrapped.slice() },
    };
  }

  /**
   * @internal For strongroom/storage only. Rebuilds an UnlockedKeyring for `keyring` from
   * _exportSessionState() output, verifying the keyring MAC under the stored DEK as unlock does
   * (FinishUnlock): wrong_keyring if the ids differ, keyring_tampered if the MAC does not verify.
   */
  static async _fromSessionState(keyring, state, policy) {
    if (!(keyring instanceof Keyring)) throw new TypeError("keyring must be a Keyring");
    policy = checkPolicyArg(policy);
    const ok = (k) => typeof CryptoKey !== "undefined" && k instanceof CryptoKey;
    const bytes = (b) => b instanceof Uint8Array;
    const sl = state?.slot;
    if (state?.v !== 1 || !bytes(state.keyringId) || !ok(state.dek) || !sl || !ok(sl.wrapKey)
        || !bytes(sl.nonce) || !bytes(sl.aad) || !bytes(sl.wrappedDek)) {
      throw new TypeError("not a session state from _exportSessionState");
    }
    const dec = dec_(keyring);
    if (!ctEqual(state.keyringId, dec.id)) throw fail("wrong_keyring");
    const rewrap = { wk: sl.wrapKey, nonce: sl.nonce.slice(), aad: sl.aad.slice(), wrapped: sl.wrappedDek.slice() };
    return finishUnlock(keyring, { dek: state.dek, rewrap }, policy);
  }
}

function bytesArg(v, what) {
  if (v instanceof Uint8Array) return v;
  if (typeof v === "string") return utf8(requireWellFormed(v, what));
  throw new TypeError(`${what} must be a Uint8Array or a string`);
}

/** For testing.js only: the DEK CryptoKey (non-extractable) of an unlocked keyring. */
export function dekKeyOf(unlocked) {
  if (!(unlocked instanceof UnlockedKeyring)) throw new TypeError("not an UnlockedKeyring");
  return DEKS.get(unlocked);
}
