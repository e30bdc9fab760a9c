// Keyrings and the operations on them (SPEC.md sections 9.2, 9.3, 11.1 to 11.9, 11.12, 11.14).
// Every numbered step of section 11 is marked in the code with its number, because the order of
// the checks is part of the contract (the vectors check it).
//
// What an unlocked keyring keeps (SPEC.md section 19.1): the record root (SR-KEY-14), to seal and
// open, a verify-only keyring MAC key, to check a keyring it is given back, and the sign-only
// authentication key (SR-KEY-15), to compute auth_tag, and the log key (SR-LOG-7, an HMAC key with
// sign and verify), to make and check log checkpoints (SPEC.md 11.15). Nothing from which the DEK can be computed:
// no wrap key, no wrapped-DEK material, no DEK. The DEK exists inside one call (create, unlock, or
// a change that the caller authorizes with a credential again) and is dropped when that call
// returns; a change re-derives it from the credential.
import { fail, invalidInput, limitExceeded, historyViolation } from "./errors.js";
import { concat, ctEqual, utf8, hex, fromHex } from "./bytes.js";
import { decodeKeyring, slotPrefix, assembleKeyringBody } from "./format.js";
import { keyringToText, keyringFromText } from "./text.js";
import { normalizePassword, checkLabel } from "./password.js";
import { parseRecoveryCode, formatRecoveryCode } from "./recovery-code.js";
import {
  SecretKey,
  formatSecretKeyCode,
  importSecretKeyBytes,
  prepareSecretKey,
  secretKeyFromHandle,
} from "./secret-key.js";
import { UnlockPolicy, checkNewKdf, isWeakerKdf, kdfWork, DEFAULT_KDF } from "./policy.js";
import { deriveKekBytes } from "./kdf.js";
import { drawRandom } from "./random.js";
import { limits } from "./limits.js";
import { backend } from "./backend/select.js";
import { slotCommitment, slotWrapKey, macKey, authKey, logKey, recordRoot, secretKeySlotKek } from "./schedule.js";
import { sealWithRoot, openWithRoot, SealedRecord } from "./record.js";
import {
  sealStreamWithRoot,
  sealStreamBytesWithRoot,
  openStreamWithRoot,
  openStreamBytesWithRoot,
  openStreamChunkWithRoot,
  streamChunksWithRoot,
} from "./stream.js";
import {
  createLog,
  sealLogEntry,
  verifyCheckpoint,
  openLogEntry,
  openLogEntries,
} from "./log.js";

const MAX_GENERATION = limits.maxGeneration; // 2^53 - 1 (SR-OP-12)
const MAX_SLOTS = limits.maxSlots;
const AAD_TAIL = 86; // keys 6 and 7 of a slot: 06 58 30 + 48 bytes, 07 58 20 + 32 bytes (SR-KEY-3)
const MAC_TAIL = 35; // 06 58 20 + 32 MAC bytes (SR-KEY-6)
const MAX_JUMP = 64; // SR-PIN-3
// How many records sealMany / openMany keep in flight: enough to keep WebCrypto's queue busy,
// few enough that a 10,000-entry batch does not allocate 10,000 pending jobs at once.
const BATCH_WINDOW = 64;

// Private token: Keyring and UnlockedKeyring are built only by this module.
const INTERNAL = Symbol("strongroom.internal");

// Accessors to private state, filled in by the classes' static blocks: this module's functions
// and the storage/testing hooks below reach private fields without a public property.
let decodedOf;
let rootOf;
let verifyKeyOf;
let authKeyOf;
let logKeyOf;

// Set only by testing.js (not part of the package's exports): called with the DEK handle while it
// exists, so the conformance adapter can compute the DEK fingerprint of CONFORMANCE.md 3.1.
let dekObserver = null;

/** For testing.js only. */
export function setDekObserverForTesting(fn) {
  dekObserver = fn;
}

// ---------------------------------------------------------------------------------------------
// Argument checks at the API boundary (SR-PWD-3, SR-OP-16): ill-formed arguments are TypeErrors,
// raised before step 1 of an operation, never StrongroomErrors.

function requireWellFormed(value, what) {
  if (typeof value !== "string") throw new TypeError(`${what} must be a string`);
  if (!value.isWellFormed()) throw new TypeError(`${what} is not a well-formed string (lone surrogate)`);
  return value;
}

/** An options object with only the keys named: a misspelt option must not be ignored silently. */
function optionsArg(options, allowed, what) {
  if (options === undefined) return {};
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError(`${what} options must be an object`);
  }
  for (const k of Object.keys(options)) {
    if (!allowed.includes(k)) throw new TypeError(`${what}: unknown option "${k}" (allowed: ${allowed.join(", ")})`);
  }
  return options;
}

const CREDENTIAL_SHAPES = "{password}, {password, secretKey} or {recoveryCode}";

/** A secret key argument: a SecretKey, or a code (parsed at step 1 of the operation). */
function secretKeyArg(value, what) {
  if (value instanceof SecretKey || typeof value === "string") return value;
  throw new TypeError(`${what} must be a SecretKey or a secret key code string`);
}

/**
 * {password}, {password, secretKey} or {recoveryCode}, checked for type only (the values are
 * used at step 1 of the operation). A secret key without a password, or a recovery code with
 * anything else, is no credential of SPEC.md 11.4.
 */
function credentialArg(credential) {
  if (credential === null || typeof credential !== "object") {
    throw new TypeError(`credential must be ${CREDENTIAL_SHAPES}`);
  }
  const hasPw = Object.hasOwn(credential, "password");
  const hasSk = Object.hasOwn(credential, "secretKey");
  const hasCode = Object.hasOwn(credential, "recoveryCode");
  if (hasCode) {
    if (hasPw || hasSk) throw new TypeError(`credential must be exactly one of ${CREDENTIAL_SHAPES}`);
    if (typeof credential.recoveryCode !== "string") throw new TypeError("credential.recoveryCode must be a string");
    return { recoveryCode: credential.recoveryCode };
  }
  if (!hasPw) throw new TypeError(`credential must be ${CREDENTIAL_SHAPES}`);
  const password = requireWellFormed(credential.password, "credential.password");
  if (!hasSk) return { password };
  return { password, secretKey: secretKeyArg(credential.secretKey, "credential.secretKey") };
}

/**
 * Step 1 of every operation that takes a credential (SR-OP-17): Normalize the password, then
 * ParseSecretKey a secret key code (SR-OP-20), or ParseRecoveryCode. `kind` is the slot kind the
 * credential opens. The caller wipes what this returns (wipeCredential).
 */
async function prepareCredential(cred) {
  if (cred.recoveryCode !== undefined) return { kind: "recovery", secret: await parseRecoveryCode(cred.recoveryCode) };
  const P = normalizePassword(cred.password);
  if (cred.secretKey === undefined) return { kind: "password", P };
  try {
    return { kind: "secret-key", P, sk: await prepareSecretKey(cred.secretKey) };
  } catch (e) {
    P.fill(0);
    throw e;
  }
}

function wipeCredential(prepared) {
  prepared?.P?.fill(0);
  prepared?.secret?.fill(0);
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
 * Copies a KdfParams given by the application, so that a later change of the caller's object
 * cannot change what is checked vs what is written. Without one, a new slot gets SR-KDF-5's
 * default, never the parameters of a slot it replaces (SR-KDF-6). Whatever else it is (not an
 * object, unknown id, missing or extra parameters) is judged by CheckNewKdf at its step, with the
 * errors of SPEC.md section 11's preamble.
 */
function kdfArg(kdf) {
  if (kdf === undefined) return DEFAULT_KDF;
  if (kdf === null || typeof kdf !== "object" || Array.isArray(kdf)) return { invalid: kdf };
  return { ...kdf };
}

function labelArg(label) {
  return label === undefined ? "" : requireWellFormed(label, "label");
}

/** 32 bytes given as a Uint8Array or as hex (the form a pin keeps), or a TypeError. */
function bytes32(value, what) {
  if (value instanceof Uint8Array && value.length === 32) return Uint8Array.from(value);
  if (typeof value === "string" && /^[0-9a-fA-F]{64}$/.test(value)) return fromHex(value);
  throw new TypeError(`${what} must be 32 bytes (a Uint8Array or 64 hex digits)`);
}

/** The salt and commitment of a slot the client opened last (SPEC.md 11.3 step 3). */
function preferredArg(preferred, what) {
  if (preferred === null || typeof preferred !== "object") throw new TypeError(`${what} must be {salt, commitment}`);
  return { salt: bytes32(preferred.salt, `${what}.salt`), commitment: bytes32(preferred.commitment, `${what}.commitment`) };
}

/**
 * A keyring pin as pin() writes it (SPEC.md 11.12), after a JSON round trip or not: hex keyring
 * id and digest, a generation, and optionally the preferred slot. Anything else is a TypeError: a
 * pin comes from this client's own storage, never from the server.
 */
function pinArg(pin) {
  if (pin === null || typeof pin !== "object") throw new TypeError("pin must be an object made by pin()");
  const { keyringId, generation, digest } = pin;
  if (typeof keyringId !== "string" || !/^[0-9a-fA-F]{32}$/.test(keyringId)) {
    throw new TypeError("pin.keyringId must be 32 hex digits");
  }
  if (!Number.isSafeInteger(generation) || generation < 0) throw new TypeError("pin.generation must be an integer from 0 to 2^53 - 1");
  if (typeof digest !== "string" || !/^[0-9a-fA-F]{64}$/.test(digest)) throw new TypeError("pin.digest must be 64 hex digits");
  const out = { keyringId: fromHex(keyringId), generation, digest: fromHex(digest), preferred: null };
  if (pin.preferred !== undefined && pin.preferred !== null) out.preferred = preferredArg(pin.preferred, "pin.preferred");
  return out;
}

function acceptJumpArg(value) {
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw new TypeError("acceptJump must be a boolean");
  return value;
}

/**
 * The options of an unlock: `pin` (CheckPin first, SR-PIN-1, and its preferred slot tried first),
 * `acceptJump` (with a pin only), and, where the operation tries several slots, `preferred`.
 */
function unlockOptionsArg(options, what, withPreferred) {
  const o = optionsArg(options, withPreferred ? ["preferred", "pin", "acceptJump"] : ["pin", "acceptJump"], what);
  if (o.pin !== undefined && o.preferred !== undefined) {
    throw new TypeError(`${what}: give a pin or a preferred slot, not both (a pin carries its preferred slot)`);
  }
  if (o.acceptJump !== undefined && o.pin === undefined) throw new TypeError(`${what}: acceptJump needs a pin`);
  const pin = o.pin === undefined ? null : pinArg(o.pin);
  const preferred = o.preferred === undefined ? (pin?.preferred ?? null) : preferredArg(o.preferred, "preferred");
  return { pin, acceptJump: acceptJumpArg(o.acceptJump), preferred };
}

// ---------------------------------------------------------------------------------------------
// Slots

/** slot_aad of SR-KEY-3, from the exact received slot bytes (SR-KEY-11). */
function slotAad(keyringId, slotBytes) {
  return concat(Uint8Array.of(0x50), keyringId, slotBytes.subarray(0, slotBytes.length - AAD_TAIL));
}

/** The keyring MAC input of SR-KEY-6, from the exact bytes. */
const macInput = (dec) => dec.bytes.subarray(0, dec.bytes.length - MAC_TAIL);

/**
 * TrySlot(K, s, KEK) of SPEC.md 11.1. Returns null for every failure alike (commitment mismatch or
 * AES-GCM failure: SR-ERR-2), otherwise the DEK handle and what a re-wrap needs: the slot's wrap
 * key (usage unwrapKey only), nonce, AAD and wrapped DEK. The caller drops both when its one call
 * ends.
 */
async function trySlot(dec, slot, kek) {
  // 1. commitment'. 2. CT-Equal before any AES-GCM call (SR-KEY-12, SR-OP-2).
  const commitment = await slotCommitment(kek, dec.id, slot.kind);
  if (!ctEqual(commitment, slot.commitment)) return null;
  // 3. AAD from the received bytes. 4. Unwrap into a DEK handle: the DEK never appears as bytes.
  const aes = await slotWrapKey(kek, dec.id, slot.kind, "unwrapKey");
  const aad = slotAad(dec.id, slot.bytes);
  const dek = await backend().gcmUnwrapIkm(aes, slot.nonce, aad, slot.wrappedDek);
  if (dek === null) return null; // the tag did not verify; try the next slot
  return { dek, source: { aes, iv: slot.nonce, aad, wrapped: slot.wrappedDek } };
}

/**
 * KEK of a password slot (KDF(P, salt, kdf)) or of a secret-key slot (SR-KEY-16, from the same
 * KDF output and the secret key), as a key handle. P is wiped by the caller after its last KDF.
 */
async function slotKek(kind, P, sk, salt, kdf) {
  const kekP = await deriveKekBytes(P, salt, kdf);
  return kind === "secret-key" ? secretKeySlotKek(sk, kekP) : backend().importIkm(kekP);
}

/** KEK of a recovery slot: the secret itself (SR-KEY-5). The bytes are wiped by importIkm. */
function recoveryKek(secret) {
  return backend().importIkm(secret);
}

const sameSlot = (s, preferred) => ctEqual(s.salt, preferred.salt) && ctEqual(s.commitment, preferred.commitment);

/**
 * Steps 3 to 7 of section 11.3 (password slots) and 11.3.1 (secret-key slots), with the
 * credential prepared by step 1 (the caller wipes it). Every slot of the credential's kind is
 * checked against the policy, and the work of the slots to be tried against its budget, before
 * any KDF runs (SR-POL-2, SR-POL-7); the remembered slot, if it is one of them, goes first, so an
 * honest keyring with many slots costs one KDF for the right password. Returns the first slot
 * that yields the DEK, or null.
 */
async function openWithPassword(dec, prepared, policy, preferred) {
  const { kind, P, sk } = prepared;
  // 3. The slots of the credential's kind, the preferred one first.
  const S = [];
  dec.slots.forEach((s, i) => {
    if (s.kind === kind) S.push([i, s]);
  });
  if (S.length === 0) throw fail("unlock_failed");
  const at = preferred ? S.findIndex(([, s]) => sameSlot(s, preferred)) : -1;
  if (at > 0) S.unshift(...S.splice(at, 1));
  const hasPreferred = at >= 0;
  // 4. Policy, fail closed.
  for (const [, s] of S) policy.check(s.kdf);
  // 5. Work: the preferred slot alone, or all of S.
  const work = S.map(([, s]) => kdfWork(s.kdf));
  const total = work.reduce((a, w) => a + w, 0);
  const budget = policy.maxUnlockWork;
  if (hasPreferred ? work[0] > budget : total > budget) throw limitExceeded("unlock_work_exceeded");
  // 6.
  for (let k = 0; k < S.length; k++) {
    // 6.1 The preferred slot failed: the rest must fit in what is left of the budget.
    if (hasPreferred && k === 1 && total - work[0] > budget - work[0]) throw limitExceeded("unlock_work_exceeded");
    const [i, s] = S[k];
    // 6.2 KEK. 6.3 TrySlot.
    const found = await trySlot(dec, s, await slotKek(kind, P, sk, s.salt, s.kdf));
    if (found) return { ...found, index: i };
  }
  return null; // 7.
}

/**
 * Step 3 of section 11.5 with the secret of step 1: imported once (which wipes it), it serves
 * every recovery slot.
 */
async function openWithRecoverySecret(dec, secret) {
  const kek = await recoveryKek(secret);
  for (let i = 0; i < dec.slots.length; i++) {
    const s = dec.slots[i];
    if (s.kind !== "recovery") continue;
    const found = await trySlot(dec, s, kek);
    if (found) return { ...found, index: i };
  }
  return null;
}

/**
 * The keyring MAC check of FinishUnlock(K, DEK), in native code where the backend has it (section
 * 19.2). Returns the verify-only MAC key the unlocked keyring keeps.
 */
async function verifyMac(dec, dek) {
  const verifyKey = await macKey(dek, dec.id, "verify");
  if (!(await backend().hmacVerify(verifyKey, dec.mac, macInput(dec)))) throw fail("keyring_tampered");
  return verifyKey;
}

/**
 * FinishUnlock(K, DEK): verify the MAC, derive what the unlocked keyring keeps (record root,
 * authentication key, log key), drop the DEK.
 */
async function finishUnlock(keyring, dek, policy, slotIndex) {
  const dec = decodedOf(keyring);
  const verifyKey = await verifyMac(dec, dek);
  const root = await recordRoot(dek, dec.id);
  const auth = await authKey(dek, dec.id);
  const log = await logKey(dek, dec.id);
  const unlocked = new UnlockedKeyring(INTERNAL, keyring, root, verifyKey, auth, log, slotIndex, policy);
  if (dekObserver) await dekObserver(dek, unlocked);
  return unlocked;
}

/**
 * CheckPin(K, pin, accept_jump) of SPEC.md 11.12, on a keyring not yet authenticated: every step
 * compares public values, and no KDF or key is involved.
 */
async function checkPinSteps(dec, pin, acceptJump) {
  // 1. Another keyring.
  if (!ctEqual(dec.id, pin.keyringId)) throw historyViolation("keyring_replaced");
  // 2. An older generation.
  if (dec.generation < pin.generation) throw historyViolation("keyring_rollback");
  // 3. The same generation with other bytes.
  if (dec.generation === pin.generation && !ctEqual(await backend().sha256(dec.bytes), pin.digest)) {
    throw historyViolation("keyring_fork");
  }
  // 4. A jump no one confirmed (SR-PIN-3); the difference is exact where pin + 64 might not be.
  if (dec.generation - pin.generation > MAX_JUMP && !acceptJump) throw historyViolation("keyring_generation_jump");
}

/** The pin of a keyring (SPEC.md 11.12): public values, as JSON-ready strings and a number. */
async function pinOf(dec, openedSlot) {
  const pin = { keyringId: hex(dec.id), generation: dec.generation, digest: hex(await backend().sha256(dec.bytes)) };
  if (openedSlot && openedSlot.salt !== null) {
    pin.preferred = { salt: hex(openedSlot.salt), commitment: hex(openedSlot.commitment) };
  }
  return pin;
}

/**
 * BuildSlot of SPEC.md 11.1, for a password, secret-key or recovery slot.
 * `wrapDek(wrapKey, nonce, aad)` produces the 48-byte wrapped DEK:
 * encrypt of the fresh DEK bytes at creation (wrap-key usage encrypt), a re-wrap of another slot's
 * wrapped DEK otherwise (usage wrapKey), so that this function never sees the DEK.
 */
async function buildSlot(keyringId, kind, labelEnc, kek, kdf, salt, nonce, usage, wrapDek) {
  // 1-3. Prefix up to the nonce, with the final entry count (format layer).
  const prefix = slotPrefix(kind, labelEnc, kdf, salt, nonce);
  // 4. Keys.
  const commitment = await slotCommitment(kek, keyringId, kind);
  const wrapKey = await slotWrapKey(kek, keyringId, kind, usage);
  // 5. AAD. 6. Wrap.
  const aad = concat(Uint8Array.of(0x50), keyringId, prefix);
  const wrapped = await wrapDek(wrapKey, nonce, aad);
  if (wrapped === null || wrapped.length !== 48) throw new Error("internal: the DEK could not be wrapped");
  // 7. Slot bytes.
  return concat(prefix, Uint8Array.of(0x06, 0x58, 0x30), wrapped, Uint8Array.of(0x07, 0x58, 0x20), commitment);
}

/** AssembleKeyring of SPEC.md 11.1 with a sign-only MAC key; returns the decoded Keyring. */
async function assembleKeyring(keyringId, generation, slotBytesList, dek) {
  const body = assembleKeyringBody(keyringId, generation, slotBytesList);
  const mac = await backend().hmacSign(await macKey(dek, keyringId, "sign"), body);
  // Decoding what we wrote keeps one representation of a keyring (and would catch an encoder
  // bug as a thrown error rather than a silently unreadable keyring).
  return new Keyring(INTERNAL, decodeKeyring(concat(body, Uint8Array.of(0x06, 0x58, 0x20), mac)));
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
  #decoded;

  static {
    decodedOf = (k) => k.#decoded;
  }

  /** @private Built by fromBytes, fromText, create and the changing operations only. */
  constructor(token, decoded) {
    if (token !== INTERNAL) throw new TypeError("use Keyring.fromBytes, Keyring.fromText or Keyring.create");
    this.#decoded = decoded;
    this.slots = Object.freeze(
      decoded.slots.map((s) =>
        Object.freeze({
          kind: s.kind,
          kindValue: s.kindValue,
          label: s.label,
          kdf: publicKdf(s.kdf),
          get salt() {
            return s.salt === null ? null : Uint8Array.from(s.salt);
          },
          get nonce() {
            return s.nonce === null ? null : Uint8Array.from(s.nonce);
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
   * @param {{label?: string, kdf?: object, policy?: UnlockPolicy}} [options]
   */
  static async create(password, options) {
    requireWellFormed(password, "password");
    const o = optionsArg(options, ["label", "kdf", "policy"], "Keyring.create");
    const { unlocked } = await createKeyring(password, o, "password");
    return unlocked;
  }

  /**
   * SR-OP-19 / SPEC.md 11.2.1: a keyring whose one slot needs the password and a new secret key.
   * The code is for the user, once (the emergency kit, SR-SK-2); keep `secretKey` on the device
   * (strongroom/storage's saveSecretKey in a browser), never with the keyring or on the server.
   * @param {string} password
   * @param {{label?: string, kdf?: object, policy?: UnlockPolicy}} [options]
   * @returns {Promise<{unlocked: UnlockedKeyring, secretKey: SecretKey, secretKeyCode: string}>}
   */
  static async createWithSecretKey(password, options) {
    requireWellFormed(password, "password");
    const o = optionsArg(options, ["label", "kdf", "policy"], "Keyring.createWithSecretKey");
    return createKeyring(password, o, "secret-key");
  }

  /** @returns {Uint8Array} the exact bytes (a copy) */
  toBytes() {
    return Uint8Array.from(this.#decoded.bytes);
  }

  /** @returns {string} "srk1.<base64url>" */
  toText() {
    return keyringToText(this.#decoded.bytes);
  }

  get id() {
    return Uint8Array.from(this.#decoded.id);
  }

  get generation() {
    return this.#decoded.generation;
  }

  get mac() {
    return Uint8Array.from(this.#decoded.mac);
  }

  /**
   * The pin of this keyring as decoded (SPEC.md 11.12): id, generation and digest. Keep a pin
   * only of a keyring whose MAC was verified or that this client wrote and the server stored
   * (SR-PIN-2): UnlockedKeyring#pin gives that one, with the slot that opened it.
   * @returns {Promise<{keyringId: string, generation: number, digest: string}>}
   */
  pin() {
    return pinOf(this.#decoded, null);
  }

  /**
   * CheckPin (SPEC.md 11.12, SR-PIN-1, SR-PIN-3): history_violation keyring_replaced,
   * keyring_rollback, keyring_fork, or keyring_generation_jump (more than 64 generations above the
   * pin, unless `acceptJump`). Runs no KDF.
   * @param {object} pin from pin(), possibly after a JSON round trip
   * @param {{acceptJump?: boolean}} [options]
   */
  async checkPin(pin, options) {
    const p = pinArg(pin);
    const acceptJump = acceptJumpArg(optionsArg(options, ["acceptJump"], "checkPin").acceptJump);
    await checkPinSteps(this.#decoded, p, acceptJump);
  }

  /**
   * SR-OP-2 / SPEC.md 11.3 (step 2, decoding, happened when this Keyring was built).
   * @param {string} password
   * @param {UnlockPolicy} [policy]
   * @param {{preferred?: {salt, commitment}, pin?: object, acceptJump?: boolean}} [options]
   */
  async unlock(password, policy, options) {
    requireWellFormed(password, "password");
    policy = checkPolicyArg(policy);
    const o = unlockOptionsArg(options, "unlock", true);
    return this.#unlockPasswordSlots({ password }, policy, o);
  }

  /**
   * SR-OP-20 / SPEC.md 11.3.1: the secret-key slots, with a password and a secret key (a
   * SecretKey, or its code, parsed after the password is normalized).
   * @param {string} password
   * @param {SecretKey|string} secretKey
   * @param {UnlockPolicy} [policy]
   * @param {{preferred?: {salt, commitment}, pin?: object, acceptJump?: boolean}} [options]
   */
  async unlockWithSecretKey(password, secretKey, policy, options) {
    requireWellFormed(password, "password");
    secretKeyArg(secretKey, "secretKey");
    policy = checkPolicyArg(policy);
    const o = unlockOptionsArg(options, "unlockWithSecretKey", true);
    return this.#unlockPasswordSlots({ password, secretKey }, policy, o);
  }

  /** Sections 11.3 and 11.3.1: credentials, then the pin, then steps 3 to 7. */
  async #unlockPasswordSlots(cred, policy, { pin, acceptJump, preferred }) {
    const dec = this.#decoded;
    // 1. Normalize (and ParseSecretKey); 2. decoding happened when this Keyring was built.
    const prepared = await prepareCredential(cred);
    let found;
    try {
      if (pin) await checkPinSteps(dec, pin, acceptJump);
      found = await openWithPassword(dec, prepared, policy, preferred); // 3-6.
    } finally {
      wipeCredential(prepared);
    }
    if (!found) throw fail("unlock_failed"); // 7.
    return finishUnlock(this, found.dek, policy, found.index);
  }

  /**
   * SR-OP-3 / SPEC.md 11.4.
   * @param {number} index
   * @param {{password: string}|{password: string, secretKey: SecretKey|string}|{recoveryCode: string}} credential
   * @param {UnlockPolicy} [policy]
   * @param {{pin?: object, acceptJump?: boolean}} [options]
   */
  async unlockSlot(index, credential, policy, options) {
    const cred = credentialArg(credential);
    policy = checkPolicyArg(policy);
    const { pin, acceptJump } = unlockOptionsArg(options, "unlockSlot", false);
    const dec = this.#decoded;
    // 1. The credential (SR-OP-17); 2. decoding happened when this Keyring was built.
    const prepared = await prepareCredential(cred);
    let kek;
    try {
      if (pin) await checkPinSteps(dec, pin, acceptJump);
      // 3. Index.
      checkIndex(index, dec.slots.length);
      const s = dec.slots[index];
      // 4. Kind: a slot of a kind this client does not implement matches no credential.
      if (s.kind !== prepared.kind) throw invalidInput("wrong_slot_kind");
      // 5. Policy and KEK.
      if (prepared.kind === "recovery") {
        kek = await recoveryKek(prepared.secret);
      } else {
        policy.check(s.kdf);
        kek = await slotKek(s.kind, prepared.P, prepared.sk, s.salt, s.kdf);
      }
    } finally {
      wipeCredential(prepared);
    }
    // 6. TrySlot.
    const found = await trySlot(dec, dec.slots[index], kek);
    if (!found) throw fail("unlock_failed");
    // 7.
    return finishUnlock(this, found.dek, policy, index);
  }

  /**
   * SR-OP-4 / SPEC.md 11.5. Recovery slots have no KDF, so no policy applies to the unlock;
   * `policy` only becomes the policy in force of the result, against which password slots
   * written later are checked.
   * @param {string} code
   * @param {UnlockPolicy} [policy] policy in force afterwards (default: the default policy)
   * @param {{pin?: object, acceptJump?: boolean}} [options]
   */
  async unlockWithRecovery(code, policy, options) {
    if (typeof code !== "string") throw new TypeError("code must be a string");
    policy = checkPolicyArg(policy);
    const { pin, acceptJump } = unlockOptionsArg(options, "unlockWithRecovery", false);
    // 1. ParseRecoveryCode; 2. decoding happened when this Keyring was built; 3. the slots.
    const secret = await parseRecoveryCode(code);
    try {
      if (pin) await checkPinSteps(this.#decoded, pin, acceptJump);
    } catch (e) {
      secret.fill(0);
      throw e;
    }
    const found = await openWithRecoverySecret(this.#decoded, secret);
    if (!found) throw fail("unlock_failed"); // 4.
    return finishUnlock(this, found.dek, policy, found.index);
  }
}

/**
 * SR-OP-1 (11.2) and SR-OP-19 (11.2.1): one password slot, or one secret-key slot with a new
 * secret key drawn right after the DEK.
 */
async function createKeyring(password, o, kind) {
  const label = labelArg(o.label);
  const policy = checkPolicyArg(o.policy);
  const kdf = kdfArg(o.kdf);
  // 1. Normalize (SR-OP-17). 2. CheckLabel.
  const P = normalizePassword(password);
  let dekBytes = null;
  let skBytes = null;
  try {
    const labelEnc = checkLabel(label);
    // 3. CheckNewKdf.
    const newKdf = checkNewKdf(kdf, policy);
    // 4. Draws, in the order of section 9.5 (and SR-OP-19 for the secret key).
    const keyringId = drawRandom(16);
    dekBytes = drawRandom(32);
    let sk = null;
    let secretKeyCode = null;
    if (kind === "secret-key") {
      skBytes = drawRandom(16);
      secretKeyCode = await formatSecretKeyCode(skBytes);
      sk = await importSecretKeyBytes(skBytes); // wipes skBytes
    }
    const salt = drawRandom(32);
    const nonce = drawRandom(12);
    // 5. KEK.
    const kek = await slotKek(kind, P, sk, salt, newKdf);
    P.fill(0);
    // 6. BuildSlot: the fresh DEK is encrypted directly (section 19.2 "DEK at creation").
    const d = dekBytes;
    const encryptDek = (wk, iv, aad) => backend().gcmEncrypt(wk, iv, aad, d);
    const slot = await buildSlot(keyringId, kind, labelEnc, kek, newKdf, salt, nonce, "encrypt", encryptDek);
    const dek = await backend().importIkm(dekBytes); // wipes dekBytes
    // 7. AssembleKeyring at generation 0.
    const keyring = await assembleKeyring(keyringId, 0, [slot], dek);
    // 8.
    const unlocked = await finishUnlock(keyring, dek, policy, 0);
    return { unlocked, secretKey: sk === null ? null : secretKeyFromHandle(sk), secretKeyCode };
  } finally {
    P.fill(0);
    dekBytes?.fill(0);
    skBytes?.fill(0);
  }
}

/**
 * An unlocked keyring: the record root (SR-KEY-14), a verify-only keyring MAC key, a sign-only
 * authentication key (SR-KEY-15) and the log key (SR-LOG-7, sign and verify, checkpoint MACs
 * only), nothing from which the DEK can be computed. Sealing, opening and
 * auth tags need no credential; every change to the keyring takes one again (a password, a
 * password and secret key, or a recovery code) and re-derives the DEK inside that call.
 */
export class UnlockedKeyring {
  #keyring;
  #root;
  #verifyKey;
  #authKey;
  #logKey;
  #slotIndex;
  // Changing operations run one at a time: each starts from the keyring the previous one left,
  // so two concurrent calls cannot both build on the same generation and lose a slot.
  #queue = Promise.resolve();

  static {
    rootOf = (u) => u.#root;
    verifyKeyOf = (u) => u.#verifyKey;
    authKeyOf = (u) => u.#authKey;
    logKeyOf = (u) => u.#logKey;
  }

  /** @private */
  constructor(token, keyring, root, verifyKey, auth, log, slotIndex, policy) {
    if (token !== INTERNAL) throw new TypeError("use Keyring.create or Keyring#unlock");
    this.#keyring = keyring;
    this.#root = root;
    this.#verifyKey = verifyKey;
    this.#authKey = auth;
    this.#logKey = log;
    this.#slotIndex = slotIndex;
    /** The policy in force (read-only): new KDFs are checked against it. */
    this.policy = policy;
    // Private fields stay writable on a frozen object; freezing fixes `policy`.
    Object.freeze(this);
  }

  /** The current keyring: the one unlocked, or the one the last change returned. */
  get keyring() {
    return this.#keyring;
  }

  /**
   * Index in `keyring.slots` of the slot that opened this keyring (the one created, for a new
   * keyring), kept up to date across removals; null if that slot was removed or is not known.
   */
  get slotIndex() {
    return this.#slotIndex;
  }

  /**
   * The pin of the current keyring (SPEC.md 11.12), with the salt and commitment of the slot that
   * opened it as `preferred` when it has a salt (a password or secret-key slot). Store it after an
   * unlock, or after the server acknowledged a keyring this client wrote (SR-PIN-2).
   * @returns {Promise<{keyringId: string, generation: number, digest: string,
   *   preferred?: {salt: string, commitment: string}}>}
   */
  pin() {
    const dec = decodedOf(this.#keyring);
    return pinOf(dec, this.#slotIndex === null ? null : dec.slots[this.#slotIndex]);
  }

  /**
   * auth_tag of SPEC.md 11.14: HMAC-SHA256 under the authentication key, to authenticate this
   * client to the application's server (SR-AUTH-2). The key is computed from the DEK only, so
   * the server learns nothing about the password from a tag; it is never exposed, only used.
   * @param {Uint8Array|string} message at most 16 MiB (a string is its UTF-8 bytes)
   * @returns {Promise<Uint8Array>} 32 bytes
   */
  async authTag(message) {
    const m = bytesArg(message, "message");
    if (m.length > limits.maxPlaintextBytes) throw limitExceeded("plaintext_too_large");
    return backend().hmacSign(this.#authKey, m);
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
   * The DEK of the current keyring from a credential, for one change (SR-WEB-5): the slots the
   * credential can open are tried as unlock would (the slots of its kind after the policy and
   * work checks, the slot that opened this keyring first; or the recovery slots), and the keyring
   * MAC is verified under the DEK found, so the key that gets re-wrapped is this keyring's DEK.
   * unlock_failed if the credential opens no slot.
   */
  async #authorize(dec, prepared) {
    let found;
    if (prepared.kind === "recovery") {
      found = await openWithRecoverySecret(dec, prepared.secret);
    } else {
      const opened = this.#slotIndex === null ? null : dec.slots[this.#slotIndex];
      const preferred = opened && opened.salt !== null ? opened : null;
      found = await openWithPassword(dec, prepared, this.policy, preferred);
    }
    if (!found) throw fail("unlock_failed");
    await verifyMac(dec, found.dek);
    return found;
  }

  /** The last steps of every change: generation + 1, MAC, and only then the new state (SR-ERR-3). */
  async #commit(dec, slotBytesList, dek) {
    const keyring = await assembleKeyring(dec.id, dec.generation + 1, slotBytesList, dek);
    this.#keyring = keyring;
    return keyring;
  }

  /**
   * BuildSlot for a password or secret-key slot: KEK from P (wiped as soon as the KDF is done)
   * and, for a secret-key slot, the secret key; then re-wrap the DEK of the credential's slot.
   */
  async #passwordSlot(dec, kind, labelEnc, P, sk, kdf, salt, nonce, source) {
    const kek = await slotKek(kind, P, sk, salt, kdf);
    P.fill(0);
    const rewrap = (aes, iv, aad) => backend().gcmRewrap(source, { aes, iv, aad });
    return buildSlot(dec.id, kind, labelEnc, kek, kdf, salt, nonce, "wrapKey", rewrap);
  }

  /**
   * Runs `fn(dec, prepared)` as one change: serialized after the changes before it, with the
   * credential prepared first (SR-OP-17: before any check of the operation) and wiped at the end.
   */
  #change(cred, fn) {
    return this.#serialize(async () => {
      const prepared = await prepareCredential(cred);
      try {
        return await fn(decodedOf(this.#keyring), prepared);
      } finally {
        wipeCredential(prepared);
      }
    });
  }

  /**
   * SR-OP-5 / SPEC.md 11.6, authorized by `credential`.
   * @param {object} credential {password}, {password, secretKey} or {recoveryCode}
   * @param {number} index
   * @param {string} newPassword
   * @param {{kdf?: object, allowWeakerKdf?: boolean}} [options] without kdf: SR-KDF-5's default,
   *   never the old slot's; a KDF weaker than the old slot's needs allowWeakerKdf (SR-KDF-8)
   */
  async changePassword(credential, index, newPassword, options) {
    const cred = credentialArg(credential);
    requireWellFormed(newPassword, "newPassword");
    const o = optionsArg(options, ["kdf", "allowWeakerKdf"], "changePassword");
    const kdf = kdfArg(o.kdf);
    if (o.allowWeakerKdf !== undefined && typeof o.allowWeakerKdf !== "boolean") {
      throw new TypeError("changePassword: allowWeakerKdf must be a boolean");
    }
    const allowWeaker = o.allowWeakerKdf === true;
    return this.#change(cred, async (dec, prepared) => {
      // 1. Normalize (after the current credential, SR-WEB-5).
      const P = normalizePassword(newPassword);
      try {
        // 2. Index. 3. Kind: a password slot only (a secret-key slot is replaced by adding one).
        checkIndex(index, dec.slots.length);
        const old = dec.slots[index];
        if (old.kind !== "password") throw invalidInput("wrong_slot_kind");
        // 4. CheckNewKdf against the policy in force (never the old slot's parameters, SR-KDF-6).
        const newKdf = checkNewKdf(kdf, this.policy);
        // 5. Never weaker than the slot it replaces, unless the caller says so (SR-KDF-8).
        if (!allowWeaker && isWeakerKdf(newKdf, old.kdf)) throw invalidInput("weaker_kdf");
        // 6. Generation.
        if (dec.generation >= MAX_GENERATION) throw limitExceeded("generation_exhausted");
        // 7. Draws.
        const salt = drawRandom(32);
        const nonce = drawRandom(12);
        // The DEK, from the credential (SR-WEB-5).
        const { dek, source } = await this.#authorize(dec, prepared);
        // 8. KEK and the new slot; the label is carried over as its exact key-2 bytes.
        const slot = await this.#passwordSlot(dec, "password", old.labelBytes, P, null, newKdf, salt, nonce, source);
        // 9-10.
        return await this.#commit(dec, dec.slots.map((s, i) => (i === index ? slot : s.bytes)), dek);
      } finally {
        P.fill(0);
      }
    });
  }

  /**
   * SR-OP-6 / SPEC.md 11.7, authorized by `credential`.
   * @param {object} credential {password}, {password, secretKey} or {recoveryCode}
   * @param {string} password the new slot's password
   * @param {{label?: string, kdf?: object}} [options]
   */
  async addPasswordSlot(credential, password, options) {
    const cred = credentialArg(credential);
    requireWellFormed(password, "password");
    const o = optionsArg(options, ["label", "kdf"], "addPasswordSlot");
    return this.#addSlot(cred, "password", password, null, labelArg(o.label), kdfArg(o.kdf));
  }

  /**
   * SR-OP-21 / SPEC.md 11.7.1, authorized by `credential`: a slot that needs `password` and
   * `secretKey` (the user's existing secret key, so that one emergency kit serves every slot, or
   * a new one from SecretKey.generate()).
   * @param {object} credential {password}, {password, secretKey} or {recoveryCode}
   * @param {string} password the new slot's password
   * @param {SecretKey|string} secretKey the new slot's secret key, or its code
   * @param {{label?: string, kdf?: object}} [options]
   */
  async addSecretKeySlot(credential, password, secretKey, options) {
    const cred = credentialArg(credential);
    requireWellFormed(password, "password");
    secretKeyArg(secretKey, "secretKey");
    const o = optionsArg(options, ["label", "kdf"], "addSecretKeySlot");
    return this.#addSlot(cred, "secret-key", password, secretKey, labelArg(o.label), kdfArg(o.kdf));
  }

  /** Sections 11.7 and 11.7.1. */
  #addSlot(cred, kind, password, secretKey, label, kdf) {
    return this.#change(cred, async (dec, prepared) => {
      // 1. Normalize, then (a secret-key slot) ParseSecretKey.
      const P = normalizePassword(password);
      try {
        const sk = kind === "secret-key" ? await prepareSecretKey(secretKey) : null;
        // 2. Slot count. 3. CheckLabel. 4. CheckNewKdf. 5. Generation.
        if (dec.slots.length >= MAX_SLOTS) throw limitExceeded("too_many_slots");
        const labelEnc = checkLabel(label);
        const newKdf = checkNewKdf(kdf, this.policy);
        if (dec.generation >= MAX_GENERATION) throw limitExceeded("generation_exhausted");
        // 6. Draws.
        const salt = drawRandom(32);
        const nonce = drawRandom(12);
        const { dek, source } = await this.#authorize(dec, prepared);
        // 7. KEK and slot. 8. Assemble.
        const slot = await this.#passwordSlot(dec, kind, labelEnc, P, sk, newKdf, salt, nonce, source);
        return await this.#commit(dec, [...dec.slots.map((s) => s.bytes), slot], dek);
      } finally {
        P.fill(0);
      }
    });
  }

  /**
   * SPEC.md 11.8, authorized by `credential`. The recovery code is returned once; the secret
   * bytes are wiped here.
   * @param {object} credential {password}, {password, secretKey} or {recoveryCode}
   * @param {{label?: string}} [options]
   */
  async addRecoverySlot(credential, options) {
    const cred = credentialArg(credential);
    const label = labelArg(optionsArg(options, ["label"], "addRecoverySlot").label);
    return this.#change(cred, async (dec, prepared) => {
      // 1. Slot count. 2. CheckLabel. 3. Generation.
      if (dec.slots.length >= MAX_SLOTS) throw limitExceeded("too_many_slots");
      const labelEnc = checkLabel(label);
      if (dec.generation >= MAX_GENERATION) throw limitExceeded("generation_exhausted");
      // 4. Draws.
      const secret = drawRandom(32);
      try {
        const nonce = drawRandom(12);
        const { dek, source } = await this.#authorize(dec, prepared);
        // The code is formatted before the secret is wiped by importIkm.
        const recoveryCode = await formatRecoveryCode(secret);
        // 5. BuildSlot with KEK = secret. 6. Assemble.
        const kek = await recoveryKek(secret);
        const rewrap = (aes, iv, aad) => backend().gcmRewrap(source, { aes, iv, aad });
        const slot = await buildSlot(dec.id, "recovery", labelEnc, kek, null, null, nonce, "wrapKey", rewrap);
        const keyring = await this.#commit(dec, [...dec.slots.map((s) => s.bytes), slot], dek);
        return { keyring, recoveryCode };
      } finally {
        secret.fill(0);
      }
    });
  }

  /**
   * SR-OP-7 / SPEC.md 11.9, authorized by `credential` (a new MAC needs the DEK). A slot of a
   * kind this client does not implement may be removed like any other (SR-OP-18).
   * @param {object} credential {password}, {password, secretKey} or {recoveryCode}
   * @param {number} index
   */
  async removeSlot(credential, index) {
    const cred = credentialArg(credential);
    return this.#change(cred, async (dec, prepared) => {
      // 1. Index. 2. Last slot. 3. Generation.
      checkIndex(index, dec.slots.length);
      if (dec.slots.length === 1) throw invalidInput("last_slot");
      if (dec.generation >= MAX_GENERATION) throw limitExceeded("generation_exhausted");
      const { dek } = await this.#authorize(dec, prepared);
      // 4.
      const keyring = await this.#commit(
        dec,
        dec.slots.filter((_, i) => i !== index).map((s) => s.bytes),
        dek,
      );
      if (this.#slotIndex === index) this.#slotIndex = null;
      else if (this.#slotIndex !== null && this.#slotIndex > index) this.#slotIndex -= 1;
      return keyring;
    });
  }

  /**
   * SR-OP-8 / SPEC.md 11.10. The context is required: it is what binds a record to its user and
   * position, so that a server cannot move it (SPEC.md 18.2).
   * @param {Uint8Array|string} plaintext a string is sealed as its UTF-8 bytes
   * @param {Uint8Array|string} context
   * @returns {Promise<SealedRecord>}
   */
  async seal(plaintext, context) {
    const pt = bytesArg(plaintext, "plaintext");
    const ctx = contextArg(context);
    return sealWithRoot(this.#root, decodedOf(this.#keyring).id, pt, ctx);
  }

  /**
   * SR-OP-9 / SPEC.md 11.11.
   * @param {SealedRecord|Uint8Array} record
   * @param {Uint8Array|string} context
   * @returns {Promise<Uint8Array>}
   */
  async open(record, context) {
    const ctx = contextArg(context);
    // Step 1: decoding; a byte array is decoded here, a SealedRecord already was.
    const rec = record instanceof SealedRecord ? record : SealedRecord.fromBytes(record);
    return openWithRoot(this.#root, decodedOf(this.#keyring).id, rec, ctx);
  }

  /**
   * Seals many records, keeping several WebCrypto jobs in flight (a batch costs one round trip
   * per window, not per record). The result is in the order of `items`; the first failure rejects
   * the whole batch.
   * @param {Iterable<{plaintext: Uint8Array|string, context: Uint8Array|string}>} items
   * @returns {Promise<SealedRecord[]>}
   */
  async sealMany(items) {
    const list = batchArg(items, "sealMany").map((it) => [bytesArg(it.plaintext, "plaintext"), contextArg(it.context)]);
    const id = decodedOf(this.#keyring).id;
    return windowed(list, ([pt, ctx]) => sealWithRoot(this.#root, id, pt, ctx));
  }

  /**
   * Opens many records with the same concurrency as sealMany. Each result is `{ok: true,
   * plaintext}` or `{ok: false, error}` (a StrongroomError), in the order of `items`, so that one
   * tampered entry does not hide the others.
   * @param {Iterable<{record: SealedRecord|Uint8Array, context: Uint8Array|string}>} items
   * @returns {Promise<Array<{ok: true, plaintext: Uint8Array}|{ok: false, error: Error}>>}
   */
  async openMany(items) {
    const list = batchArg(items, "openMany").map((it) => [it.record, contextArg(it.context)]);
    const id = decodedOf(this.#keyring).id;
    return windowed(list, async ([record, ctx]) => {
      try {
        const rec = record instanceof SealedRecord ? record : SealedRecord.fromBytes(record);
        return { ok: true, plaintext: await openWithRoot(this.#root, id, rec, ctx) };
      } catch (error) {
        if (error instanceof TypeError) throw error; // a caller bug, not a record's fault
        return { ok: false, error };
      }
    });
  }

  // -------------------------------------------------------------------------------------------
  // Sealed streams (SPEC.md 11.16; src/stream.js). The stream key derives from the record root:
  // a session holds nothing more for streams.

  /**
   * SealStream (SPEC.md 11.16.4) as a TransformStream: plaintext bytes in; the header, then the
   * frames out. It holds at most one chunk (64 KiB) and waits for one byte after a chunk before
   * sealing it as not final; the final frame is written when the input ends. limit_exceeded
   * `context_too_long` is thrown here, before the salt is drawn.
   * @param {Uint8Array|string} context
   * @returns {TransformStream<Uint8Array, Uint8Array>}
   */
  sealStream(context) {
    return sealStreamWithRoot(this.#root, decodedOf(this.#keyring).id, contextArg(context));
  }

  /**
   * OpenStream (SPEC.md 11.16.4) as a TransformStream: the sealed stream's bytes in, its plaintext
   * out, each chunk once its tag has verified. Any failure, a stream cut short included, errors
   * the stream: a consumer that needs the payload all or nothing commits what it read only after
   * the stream has ended cleanly (SR-STR-7).
   * @param {Uint8Array|string} context
   * @returns {TransformStream<Uint8Array, Uint8Array>}
   */
  openStream(context) {
    return openStreamWithRoot(this.#root, decodedOf(this.#keyring).id, contextArg(context));
  }

  /**
   * SealStream over a payload held in memory.
   * @param {Uint8Array} payload
   * @param {Uint8Array|string} context
   * @returns {Promise<Uint8Array>} the whole sealed stream
   */
  async sealStreamBytes(payload, context) {
    if (!(payload instanceof Uint8Array)) throw new TypeError("payload must be a Uint8Array");
    return sealStreamBytesWithRoot(this.#root, decodedOf(this.#keyring).id, payload, contextArg(context));
  }

  /**
   * OpenStream over a sealed stream held in memory; all or nothing.
   * @param {Uint8Array} stream
   * @param {Uint8Array|string} context
   * @returns {Promise<Uint8Array>}
   */
  async openStreamBytes(stream, context) {
    if (!(stream instanceof Uint8Array)) throw new TypeError("stream must be a Uint8Array");
    return openStreamBytesWithRoot(this.#root, decodedOf(this.#keyring).id, stream, contextArg(context));
  }

  /**
   * OpenChunk (SPEC.md 11.16.4): chunk `index` alone, read from `source` (a Uint8Array, a Blob or
   * File, or an object with read(offset, length) -> Promise<Uint8Array>): the header (at most 256
   * bytes) and the frame at 95 + index * (65,536 + 32). Proves that the chunk is authentic and at
   * position `index`, not that the stream is complete (SR-STR-7); `final` says whether it is the
   * last chunk.
   * @param {Uint8Array|Blob|{read(offset: number, length: number): Promise<Uint8Array>}} source
   * @param {number} index
   * @param {Uint8Array|string} context
   * @returns {Promise<{plaintext: Uint8Array, final: boolean}>}
   */
  async openStreamChunk(source, index, context) {
    return openStreamChunkWithRoot(this.#root, decodedOf(this.#keyring).id, source, index, contextArg(context));
  }

  /**
   * OpenChunk for many chunks of one stream: the header is read and checked, and the stream key
   * derived, once (steps 1 to 5); then `chunk(index)` reads and opens one frame per call.
   * @param {Uint8Array|Blob|{read(offset: number, length: number): Promise<Uint8Array>}} source
   * @param {Uint8Array|string} context
   * @returns {Promise<{header: StreamHeader,
   *   chunk(index: number): Promise<{plaintext: Uint8Array, final: boolean}>}>}
   */
  async openStreamChunks(source, context) {
    return streamChunksWithRoot(this.#root, decodedOf(this.#keyring).id, source, contextArg(context));
  }

  // -------------------------------------------------------------------------------------------
  // Logs (SPEC.md 11.15; src/log.js)

  /** What the log operations use: the keyring id, the record root and the log key. */
  #logKeys() {
    return { keyringId: decodedOf(this.#keyring).id, root: this.#root, logKey: this.#logKey };
  }

  /**
   * CreateLog (SPEC.md 11.15.8): the log's first checkpoint (size 0, the empty root), to store on
   * the server only if it holds none for this log yet, and the state to keep.
   * @param {LogId} [logId] default: LogId.generate() (SR-LOG-1)
   * @returns {Promise<{checkpoint: Checkpoint, state: LogState}>}
   */
  async createLog(logId) {
    return createLog(this.#logKeys(), logId);
  }

  /**
   * SealEntry (SPEC.md 11.15.8): seals `plaintext` as the next entry of the log whose state is
   * `state`, at the state's size (never a position the server gives), and computes the checkpoint
   * with it appended. Nothing is stored: send the LogAppend as one compare-and-swap (SR-LOG-15).
   * @param {LogState} state
   * @param {Uint8Array|string} plaintext
   * @param {Uint8Array|string} app the application's context of the log (at most 3,900 bytes)
   * @returns {Promise<LogAppend>}
   */
  async sealLogEntry(state, plaintext, app) {
    const pt = bytesArg(plaintext, "plaintext");
    return sealLogEntry(this.#logKeys(), state, pt, appArg(app));
  }

  /**
   * VerifyCheckpoint (SPEC.md 11.15.6, SR-LOG-10): the checkpoint's keyring, its MAC, then that it
   * extends the pinned log (log id, size, root, consistency proof), in this order.
   * @param {Checkpoint|Uint8Array|string} checkpoint
   * @param {LogPin} pin
   * @param {Uint8Array[]} consistencyProof from the pinned size to the checkpoint's (RFC 9162)
   * @returns {Promise<VerifiedCheckpoint>}
   */
  async verifyCheckpoint(checkpoint, pin, consistencyProof) {
    return verifyCheckpoint(this.#logKeys(), checkpoint, pin, consistencyProof);
  }

  /**
   * OpenEntry (SPEC.md 11.15.6, SR-LOG-11): checks the served bytes against the verified
   * checkpoint at `position` by their inclusion proof, then decodes and opens them.
   * @param {VerifiedCheckpoint} verified
   * @param {number} position
   * @param {Uint8Array|null} entry what the server served for the position, or null
   * @param {Uint8Array[]} inclusionProof
   * @param {Uint8Array|string} app
   * @returns {Promise<Uint8Array>}
   */
  async openLogEntry(verified, position, entry, inclusionProof, app) {
    return openLogEntry(this.#logKeys(), verified, position, entry, inclusionProof, appArg(app));
  }

  /**
   * ReadForward (SPEC.md 11.15.6, SR-LOG-11): the entries from the state's size to the verified
   * checkpoint's, from what the server served; all or nothing. Returns the plaintexts in log order
   * and the state at the checkpoint (persist it: the next read starts there).
   * @param {LogState} state
   * @param {VerifiedCheckpoint} verified
   * @param {Iterable<{position: number, entry: Uint8Array}>} served
   * @param {Uint8Array|string} app
   * @returns {Promise<{plaintexts: Uint8Array[], state: LogState}>}
   */
  async openLogEntries(state, verified, served, app) {
    return openLogEntries(this.#logKeys(), state, verified, served, appArg(app));
  }
}

function bytesArg(v, what) {
  if (v instanceof Uint8Array) return v;
  if (typeof v === "string") return utf8(requireWellFormed(v, what));
  throw new TypeError(`${what} must be a Uint8Array or a string`);
}

function contextArg(v) {
  if (v === undefined || v === null) {
    throw new TypeError("context is required (a Uint8Array or a string that binds the record to its user and position; SPEC.md 18.2)");
  }
  return bytesArg(v, "context");
}

function appArg(v) {
  if (v === undefined || v === null) {
    throw new TypeError("app is required (a Uint8Array or a string: the application's context of the log, e.g. the user's account id)");
  }
  return bytesArg(v, "app");
}

function batchArg(items, what) {
  if (items === null || typeof items !== "object" || typeof items[Symbol.iterator] !== "function") {
    throw new TypeError(`${what} expects an array of items`);
  }
  const list = [...items];
  for (const it of list) {
    if (it === null || typeof it !== "object") throw new TypeError(`${what}: each item must be an object`);
  }
  return list;
}

/** Runs fn over `list` with at most BATCH_WINDOW calls pending; results in input order. */
async function windowed(list, fn) {
  const out = new Array(list.length);
  let next = 0;
  async function lane() {
    while (next < list.length) {
      const i = next++;
      out[i] = await fn(list[i]);
    }
  }
  await Promise.all(Array.from({ length: Math.min(BATCH_WINDOW, list.length) }, lane));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Session hooks for src/storage.js: what an unlocked keyring holds, as structured-cloneable
// values, and the way back. Not exported from the package.

/**
 * The state a session keeps: the record root, the verify-only MAC key, the sign-only
 * authentication key and the log key (sign and verify, SPEC.md 19.1), all non-extractable
 * CryptoKeys on WebCrypto, plus public values. Nothing in it yields the DEK, the MAC key or the
 * bytes of any key.
 */
export function exportSessionState(unlocked) {
  if (!(unlocked instanceof UnlockedKeyring)) throw new TypeError("expected an UnlockedKeyring");
  const dec = decodedOf(unlocked.keyring);
  return {
    v: 4,
    keyringId: dec.id.slice(),
    recordRoot: rootOf(unlocked),
    macVerifyKey: verifyKeyOf(unlocked),
    authKey: authKeyOf(unlocked),
    logKey: logKeyOf(unlocked),
    slotIndex: unlocked.slotIndex,
  };
}

/**
 * Rebuilds an UnlockedKeyring for `keyring` from exportSessionState output: wrong_keyring if the
 * ids differ, keyring_tampered if the keyring's MAC does not verify under the stored MAC key.
 */
export async function importSessionState(keyring, state, policy) {
  if (!(keyring instanceof Keyring)) throw new TypeError("keyring must be a Keyring");
  policy = checkPolicyArg(policy);
  const b = backend();
  const okIndex = (i) => i === null || (Number.isInteger(i) && i >= 0);
  if (state?.v !== 4 || !(state.keyringId instanceof Uint8Array) || !b.isHandle(state.recordRoot)
      || !b.isHandle(state.macVerifyKey) || !b.isHandle(state.authKey) || !b.isHandle(state.logKey)
      || !okIndex(state.slotIndex)) {
    throw new TypeError("not a session state of this version of strongroom");
  }
  const dec = decodedOf(keyring);
  if (!ctEqual(state.keyringId, dec.id)) throw fail("wrong_keyring");
  if (!(await b.hmacVerify(state.macVerifyKey, dec.mac, macInput(dec)))) throw fail("keyring_tampered");
  const slotIndex = state.slotIndex !== null && state.slotIndex < dec.slots.length ? state.slotIndex : null;
  return new UnlockedKeyring(INTERNAL, keyring, state.recordRoot, state.macVerifyKey, state.authKey, state.logKey, slotIndex, policy);
}
