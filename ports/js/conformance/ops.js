// The operations of vectors/README.md section 4 on top of the public API of strongroom-js,
// answering exactly as CONFORMANCE.md section 3 says. Shared by the Node vector test, the browser
// vector page (through run-vectors.js) and bin/adapter.js. No node: imports: it runs in Chromium.
//
// Deliberate difference from a byte-level port: an unlocked keyring keeps no DEK (SPEC.md 19.1), so
// `dek` outputs are answered as `dek_fingerprint` (CONFORMANCE.md section 3.1, testing.js, computed
// while the DEK exists inside the unlock), which run-vectors.js and `strongroom conformance`
// compare with the fingerprint of the vector's expected DEK bytes.
//
// The changing operations of the API take a credential again (the current password or recovery
// code); the vectors' `unlock` input is that credential.
import {
  Keyring,
  SealedRecord,
  UnlockPolicy,
  StrongroomError,
  normalizePassword,
  RecoveryCode,
  SecretKey,
  LogId,
  Checkpoint,
  LogState,
  LogTree,
  StreamHeader,
} from "../src/index.js";
import { kdfCalls, dekFingerprint, ScriptedRandom, ScriptError, withRandom } from "../src/testing.js";
import { hex, fromHex, concat } from "../src/bytes.js";
import { decodeKeyring, decodeRecord, decodeCheckpoint, reencodeKeyring, reencodeRecord, reencodeCheckpoint } from "../src/format.js";
import { recoveryPayload } from "../src/recovery-code.js";
import { parseSecretKeyCode, secretKeyPayload, formatSecretKeyCode } from "../src/secret-key.js";
import { Shake128, selfTest as shakeSelfTest } from "./shake128.js";

/** Operation names of vectors/README.md section 4, in its order. */
export const OPERATIONS = [
  "decode_keyring",
  "decode_keyring_text",
  "decode_record",
  "decode_record_text",
  "normalize_password",
  "make_policy",
  "create",
  "create_secret_key",
  "unlock_password",
  "unlock_secret_key",
  "unlock_slot",
  "unlock_recovery",
  "check_pin",
  "change_password",
  "add_password_slot",
  "add_secret_key_slot",
  "add_recovery_slot",
  "remove_slot",
  "seal",
  "open",
  "parse_recovery_code",
  "parse_secret_key",
  "auth_tag",
  "accumulated_seal",
  "decode_checkpoint",
  "decode_checkpoint_text",
  "log_entry_context",
  "log_append",
  "log_read",
  "log_open_entry",
  "decode_stream_header",
  "seal_stream",
  "open_stream",
  "open_stream_chunk",
];

/** A request the vector format does not allow: answered as protocol_error. */
class ProtocolError extends Error {}

/**
 * Bytes input of vectors/README.md 3.1: hex, or {prefix, fill, length} for large inputs.
 * @param {string|{prefix: string, fill: string, length: number}} v
 * @returns {Uint8Array}
 */
export function expand(v) {
  if (typeof v === "string") return fromHex(v);
  if (v && typeof v === "object" && typeof v.prefix === "string") {
    const prefix = fromHex(v.prefix);
    const fill = fromHex(v.fill);
    if (fill.length !== 1 || !Number.isSafeInteger(v.length) || v.length < prefix.length) {
      throw new ProtocolError("bad {prefix, fill, length} value");
    }
    const out = new Uint8Array(v.length).fill(fill[0]);
    out.set(prefix);
    return out;
  }
  throw new ProtocolError("not a bytes value");
}

function password(v) {
  if (!v || typeof v.string !== "string") throw new ProtocolError("password input without string");
  return v.string;
}

/**
 * Vector policy (section 3.4) to UnlockPolicy: the four pairs and max_unlock_work in the API's
 * spelling; `name` is
 * informative and dropped; any other key is passed on, for the constructor to refuse
 * (policy_invalid, SPEC.md section 11's preamble).
 */
const POLICY_KEYS = {
  pbkdf2_iterations: "pbkdf2Iterations",
  argon2_memory_kib: "argon2MemoryKib",
  argon2_time_cost: "argon2TimeCost",
  argon2_parallelism: "argon2Parallelism",
  max_unlock_work: "maxUnlockWork",
};
function policy(p) {
  if (!p) throw new ProtocolError("missing policy");
  const bounds = {};
  for (const [k, v] of Object.entries(p)) if (k !== "name") bounds[POLICY_KEYS[k] ?? k] = v;
  return new UnlockPolicy(bounds);
}

/**
 * Vector KDF object (section 3.3) to the API's KdfParams: parameter names in the API's spelling,
 * everything else (`name`, extra keys, values of any type) passed on for CheckNewKdf to judge
 * (SPEC.md section 11's preamble).
 */
const KDF_KEYS = { memory_kib: "memoryKib", time_cost: "timeCost" };
function kdf(k) {
  if (k === undefined) throw new ProtocolError("missing kdf");
  if (k === null || typeof k !== "object" || Array.isArray(k)) return k;
  return Object.fromEntries(Object.entries(k).map(([key, v]) => [KDF_KEYS[key] ?? key, v]));
}

/** The API's KdfParams back to the vector form, with its registry name. */
function vectorKdf(k) {
  if (k.id === 1) return { id: 1, name: "pbkdf2-hmac-sha256", iterations: k.iterations };
  return { id: 2, name: "argon2id", memory_kib: k.memoryKib, time_cost: k.timeCost, parallelism: k.parallelism };
}

function scripted(args) {
  if (!Array.isArray(args.random)) throw new ProtocolError("missing random list");
  return new ScriptedRandom(args.random);
}

/** Informative values the API can expose, for the intermediates of vectors/README.md 3.6. */
function keyringExtras(keyring) {
  const bytes = keyring.toBytes();
  const id = keyring.id;
  return {
    slots: keyring.slots.map((s) => ({
      slot_bytes: hex(s.bytes),
      commitment: hex(s.commitment),
      wrapped_dek: hex(s.wrappedDek),
      slot_aad: hex(concat(Uint8Array.of(0x50), id, s.bytes.subarray(0, s.bytes.length - 86))),
    })),
    keyring: { mac_input: hex(bytes.subarray(0, bytes.length - 35)), mac: hex(keyring.mac) },
  };
}

function recordExtras(record) {
  const bytes = record.toBytes();
  return {
    record: { header: hex(bytes.subarray(0, 107)), commitment: hex(record.commitment), ciphertext: hex(record.ciphertext) },
  };
}

async function unlockedOutput(u) {
  return {
    keyring_id: hex(u.keyring.id),
    generation: u.keyring.generation,
    slot_index: u.slotIndex,
    dek_fingerprint: await dekFingerprint(u),
  };
}

/** The optional `preferred` input (vectors/README.md section 4) as unlock options. */
function preferredOptions(a) {
  if (a.preferred === undefined) return undefined;
  const p = a.preferred;
  if (!p || typeof p.salt !== "string" || typeof p.commitment !== "string") throw new ProtocolError("bad preferred input");
  return { preferred: { salt: fromHex(p.salt), commitment: fromHex(p.commitment) } };
}

function secretKeyCode(v) {
  if (typeof v !== "string") throw new ProtocolError("secret_key_code must be a string");
  return v;
}

/** Setup of the operations on an unlocked keyring: decode, then unlock as `inputs.unlock` says. */
async function setup(args) {
  const keyring = Keyring.fromBytes(expand(args.keyring)); // a decoding error is the answer
  const pol = policy(args.policy);
  const how = args.unlock;
  try {
    if (how?.method === "password") return await keyring.unlock(password(how.password), pol);
    if (how?.method === "secret_key") {
      return await keyring.unlockWithSecretKey(password(how.password), secretKeyCode(how.secret_key_code), pol);
    }
    if (how?.method === "recovery_code") return await keyring.unlockWithRecovery(how.recovery_code, pol);
  } catch (e) {
    throw new ProtocolError(`setup unlock failed: ${e?.class ?? e?.name}: ${e?.message}`);
  }
  throw new ProtocolError("unknown unlock method");
}

/** The vector's `unlock` input as the credential a changing operation takes. */
function credential(args) {
  const how = args.unlock;
  if (how?.method === "password") return { password: password(how.password) };
  if (how?.method === "secret_key") return { password: password(how.password), secretKey: secretKeyCode(how.secret_key_code) };
  if (how?.method === "recovery_code") return { recoveryCode: how.recovery_code };
  throw new ProtocolError("unknown unlock method");
}

/**
 * Setup of a changing operation: unlocks, keeps the unlocked keyring and its bytes so the runner
 * can check SR-ERR-3, and restarts the KDF count so that only the operation proper is counted.
 */
async function changingSetup(a, ctx) {
  const u = await setup(a);
  ctx.unlocked = u;
  ctx.before = u.keyring.toBytes();
  ctx.kdfStart = kdfCalls();
  return u;
}

/** vectors/README.md 3.5: on success every scripted value must have been drawn. */
function requireConsumed(rng) {
  if (rng.remaining() !== 0) throw new ProtocolError(`${rng.remaining()} scripted random values left unused`);
}

function keyringOutput(ctx, keyring) {
  Object.assign(ctx.extras, keyringExtras(keyring));
  return { keyring: hex(keyring.toBytes()), keyring_text: keyring.toText() };
}

// ---------------------------------------------------------------------------------------------
// Logs (vectors/README.md section 4: log_pin, state, proofs, served)

function hashList(v, what) {
  if (!Array.isArray(v)) throw new ProtocolError(`${what} must be a list of hex hashes`);
  return v.map((h) => {
    const b = expand(h);
    if (b.length !== 32) throw new ProtocolError(`${what}: a hash of ${b.length} bytes`);
    return b;
  });
}

function logPin(v, what = "log_pin") {
  if (!v || typeof v !== "object" || !Number.isSafeInteger(v.size)) throw new ProtocolError(`bad ${what}`);
  return { keyringId: expand(v.keyring_id), logId: LogId.fromBytes(expand(v.log_id)), size: v.size, root: expand(v.root) };
}

/** A stored state (SR-LOG-13 checked here: the operation's first step). */
function logState(v) {
  return LogState.fromParts(logPin(v, "state"), hashList(v.frontier, "state.frontier"));
}

function pinOutput(p) {
  return { keyring_id: hex(p.keyringId), log_id: p.logId.toHex(), size: p.size, root: hex(p.root) };
}

function stateOutput(s) {
  return { ...pinOutput(s.pin), frontier: s.frontier.map(hex) };
}

function checkpointOutput(c) {
  const bytes = c.toBytes();
  // SR-CBOR-9: re-encoding the decoded values gives the input again.
  if (hex(reencodeCheckpoint(decodeCheckpoint(bytes))) !== hex(bytes)) throw new ProtocolError("re-encoding differs");
  return {
    checkpoint: hex(bytes),
    keyring_id: hex(c.keyringId),
    log_id: c.logId.toHex(),
    size: c.size,
    root: hex(c.root),
    mac: hex(c.mac),
    checkpoint_text: c.toText(),
  };
}

function position(v) {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new ProtocolError("position must be a non-negative integer");
  return v;
}

// Each handler returns the success output and may fill ctx.extras. ctx.kdfStart is reset after
// setup so that only the operation proper is counted.
const HANDLERS = {
  async decode_keyring(a, ctx) {
    const bytes = expand(a.keyring);
    const k = Keyring.fromBytes(bytes);
    // SR-CBOR-9: re-encoding the decoded values gives the input again.
    if (hex(reencodeKeyring(decodeKeyring(bytes))) !== hex(bytes)) throw new ProtocolError("re-encoding differs");
    Object.assign(ctx.extras, keyringExtras(k));
    return {
      keyring_id: hex(k.id),
      generation: k.generation,
      slots: k.slots.map((s) => {
        if (s.kind === "password" || s.kind === "secret-key") {
          return { kind: s.kind, label: s.label, kdf: vectorKdf(s.kdf), salt: hex(s.salt), nonce: hex(s.nonce),
                   wrapped_dek: hex(s.wrappedDek), commitment: hex(s.commitment), slot_bytes: hex(s.bytes) };
        }
        if (s.kind === "recovery") {
          return { kind: s.kind, label: s.label, nonce: hex(s.nonce), wrapped_dek: hex(s.wrappedDek),
                   commitment: hex(s.commitment), slot_bytes: hex(s.bytes) };
        }
        // A skippable kind this port does not implement (SPEC.md 6.3.1): kept as bytes.
        return { kind: "unknown", kind_value: s.kindValue, label: s.label, wrapped_dek: hex(s.wrappedDek),
                 commitment: hex(s.commitment), slot_bytes: hex(s.bytes) };
      }),
      mac: hex(k.mac),
    };
  },

  async decode_keyring_text(a) {
    return { keyring: hex(Keyring.fromText(a.text).toBytes()) };
  },

  async decode_record(a, ctx) {
    const bytes = expand(a.record);
    const r = SealedRecord.fromBytes(bytes);
    if (hex(reencodeRecord(decodeRecord(bytes))) !== hex(bytes)) throw new ProtocolError("re-encoding differs");
    Object.assign(ctx.extras, recordExtras(r));
    return {
      keyring_id: hex(r.keyringId),
      salt: hex(r.salt),
      nonce: hex(r.nonce),
      commitment: hex(r.commitment),
      ciphertext: hex(r.ciphertext),
    };
  },

  async decode_record_text(a) {
    return { record: hex(SealedRecord.fromText(a.text).toBytes()) };
  },

  async normalize_password(a) {
    return { nfc_utf8_hex: hex(normalizePassword(password(a.password))) };
  },

  async make_policy(a) {
    policy(a.policy);
    return {};
  },

  async create(a, ctx) {
    const pol = policy(a.policy);
    const rng = scripted(a);
    ctx.kdfStart = kdfCalls();
    const u = await withRandom(rng, () => Keyring.create(password(a.password), { label: a.label, kdf: kdf(a.kdf), policy: pol }));
    requireConsumed(rng);
    return { ...keyringOutput(ctx, u.keyring), dek_fingerprint: await dekFingerprint(u) };
  },

  async create_secret_key(a, ctx) {
    const pol = policy(a.policy);
    const rng = scripted(a);
    ctx.kdfStart = kdfCalls();
    const { unlocked: u, secretKeyCode: code } = await withRandom(rng, () =>
      Keyring.createWithSecretKey(password(a.password), { label: a.label, kdf: kdf(a.kdf), policy: pol }));
    requireConsumed(rng);
    return { ...keyringOutput(ctx, u.keyring), dek_fingerprint: await dekFingerprint(u), secret_key_code: code };
  },

  async unlock_password(a, ctx) {
    // The policy is constructed before the call (SR-POL-5); then credentials first (SR-OP-17):
    // the password is prepared before the keyring is decoded.
    const pol = policy(a.policy);
    const options = preferredOptions(a);
    normalizePassword(password(a.password));
    const k = Keyring.fromBytes(expand(a.keyring));
    ctx.kdfStart = kdfCalls();
    const u = await k.unlock(password(a.password), pol, options);
    Object.assign(ctx.extras, keyringExtras(u.keyring));
    return unlockedOutput(u);
  },

  async unlock_secret_key(a, ctx) {
    const pol = policy(a.policy);
    const options = preferredOptions(a);
    // Credentials first (SR-OP-20): the password, then the secret key code.
    normalizePassword(password(a.password));
    const secretKey = await SecretKey.parse(secretKeyCode(a.secret_key_code));
    const k = Keyring.fromBytes(expand(a.keyring));
    ctx.kdfStart = kdfCalls();
    const u = await k.unlockWithSecretKey(password(a.password), secretKey, pol, options);
    Object.assign(ctx.extras, keyringExtras(u.keyring));
    return unlockedOutput(u);
  },

  async check_pin(a) {
    const k = Keyring.fromBytes(expand(a.keyring));
    const p = a.pin;
    if (!p || typeof p !== "object") throw new ProtocolError("missing pin");
    const pin = { keyringId: p.keyring_id, generation: p.generation, digest: p.digest };
    await k.checkPin(pin, a.accept_jump === undefined ? undefined : { acceptJump: a.accept_jump });
    return {};
  },

  async unlock_slot(a, ctx) {
    const hasPw = a.password !== undefined;
    const hasSk = a.secret_key_code !== undefined;
    if (hasPw === (a.recovery_code !== undefined)) throw new ProtocolError("need exactly one of password, recovery_code");
    if (hasSk && !hasPw) throw new ProtocolError("secret_key_code without password");
    let credential;
    if (hasSk) credential = { password: password(a.password), secretKey: secretKeyCode(a.secret_key_code) };
    else credential = hasPw ? { password: password(a.password) } : { recoveryCode: a.recovery_code };
    const pol = policy(a.policy);
    // Credentials first (SR-OP-17).
    if (hasPw) normalizePassword(credential.password);
    if (hasSk) credential.secretKey = await SecretKey.parse(credential.secretKey);
    if (!hasPw) await RecoveryCode.parse(credential.recoveryCode);
    const k = Keyring.fromBytes(expand(a.keyring));
    ctx.kdfStart = kdfCalls();
    const u = await k.unlockSlot(a.index, credential, pol);
    Object.assign(ctx.extras, keyringExtras(u.keyring));
    return unlockedOutput(u);
  },

  async unlock_recovery(a, ctx) {
    await RecoveryCode.parse(a.recovery_code); // credentials first (SR-OP-17)
    const k = Keyring.fromBytes(expand(a.keyring));
    ctx.kdfStart = kdfCalls();
    const u = await k.unlockWithRecovery(a.recovery_code);
    Object.assign(ctx.extras, keyringExtras(u.keyring));
    return unlockedOutput(u);
  },

  async change_password(a, ctx) {
    const u = await changingSetup(a, ctx);
    const rng = scripted(a);
    const options = { kdf: kdf(a.kdf) };
    if (a.allow_weaker_kdf !== undefined) options.allowWeakerKdf = a.allow_weaker_kdf;
    const k = await withRandom(rng, () => u.changePassword(credential(a), a.index, password(a.new_password), options));
    requireConsumed(rng);
    return keyringOutput(ctx, k);
  },

  async add_password_slot(a, ctx) {
    const u = await changingSetup(a, ctx);
    const rng = scripted(a);
    const k = await withRandom(rng, () => u.addPasswordSlot(credential(a), password(a.password), { label: a.label, kdf: kdf(a.kdf) }));
    requireConsumed(rng);
    return keyringOutput(ctx, k);
  },

  async add_secret_key_slot(a, ctx) {
    const u = await changingSetup(a, ctx);
    const rng = scripted(a);
    const k = await withRandom(rng, () =>
      u.addSecretKeySlot(credential(a), password(a.password), secretKeyCode(a.secret_key_code), { label: a.label, kdf: kdf(a.kdf) }));
    requireConsumed(rng);
    return keyringOutput(ctx, k);
  },

  async add_recovery_slot(a, ctx) {
    const u = await changingSetup(a, ctx);
    const rng = scripted(a);
    const { keyring, recoveryCode } = await withRandom(rng, () => u.addRecoverySlot(credential(a), { label: a.label }));
    requireConsumed(rng);
    return { ...keyringOutput(ctx, keyring), recovery_code: recoveryCode };
  },

  async remove_slot(a, ctx) {
    const u = await changingSetup(a, ctx);
    return keyringOutput(ctx, await u.removeSlot(credential(a), a.index));
  },

  async seal(a, ctx) {
    const u = await setup(a);
    const rng = scripted(a);
    const plaintext = expand(a.plaintext);
    const context = expand(a.context);
    ctx.kdfStart = kdfCalls();
    const r = await withRandom(rng, () => u.seal(plaintext, context));
    requireConsumed(rng);
    Object.assign(ctx.extras, recordExtras(r));
    return { record: hex(r.toBytes()), record_text: r.toText() };
  },

  async open(a, ctx) {
    const u = await setup(a);
    const context = expand(a.context);
    ctx.kdfStart = kdfCalls();
    const r = SealedRecord.fromBytes(expand(a.record)); // step 1; its error is the answer
    Object.assign(ctx.extras, recordExtras(r));
    const pt = await u.open(r, context);
    return { plaintext: hex(pt) };
  },

  async parse_recovery_code(a, ctx) {
    if (typeof a.recovery_code !== "string") throw new ProtocolError("recovery_code must be a string");
    const code = await RecoveryCode.parse(a.recovery_code);
    const secret = code.secretBytes();
    const payload = await recoveryPayload(secret);
    ctx.extras.recovery = { payload: hex(payload), check: hex(payload.subarray(32)) };
    return { secret: hex(secret), canonical: code.toString() };
  },

  async parse_secret_key(a, ctx) {
    // The API never shows a secret key's bytes (a SecretKey holds a non-extractable key); the
    // conformance output needs them, so this goes through the parser under SecretKey.parse.
    const secretKey = await parseSecretKeyCode(secretKeyCode(a.secret_key_code));
    const payload = await secretKeyPayload(secretKey);
    ctx.extras.secret_key = { secret_key: hex(secretKey), payload: hex(payload), check: hex(payload.subarray(16)) };
    return { secret_key: hex(secretKey), canonical: await formatSecretKeyCode(secretKey) };
  },

  async auth_tag(a, ctx) {
    const u = await setup(a);
    const message = expand(a.message);
    ctx.kdfStart = kdfCalls();
    return { tag: hex(await u.authTag(message)) };
  },

  async accumulated_seal(a) {
    return { digest: await accumulatedSeal(a) };
  },

  // Sealed streams (SPEC.md 11.16; vectors/README.md "Sealed streams").
  async decode_stream_header(a) {
    const h = StreamHeader.fromBytes(expand(a.header));
    return {
      header: hex(h.toBytes()),
      keyring_id: hex(h.keyringId),
      salt: hex(h.salt),
      chunk_size_log2: Math.log2(h.chunkSize),
      commitment: hex(h.commitment),
    };
  },

  async seal_stream(a, ctx) {
    const u = await setup(a);
    if (a.salt !== undefined && a.random !== undefined) throw new ProtocolError("seal_stream has both salt and random");
    const rng = a.salt !== undefined ? new ScriptedRandom([{ name: "stream_salt", hex: a.salt }]) : scripted(a);
    const payload = streamPayload(a.payload);
    const context = expand(a.context);
    ctx.kdfStart = kdfCalls();
    // Through the TransformStream (the API an application streams with), in pieces that do not
    // line up with the chunks.
    const stream = await withRandom(rng, () => collectStream(piecewise(payload, 40_000).pipeThrough(u.sealStream(context))));
    requireConsumed(rng);
    const header = stream.subarray(0, 95);
    const frames = [];
    for (let at = 95; at < stream.length; at += 65_568) {
      const end = Math.min(stream.length, at + 65_568);
      frames.push({ frame_header: hex(stream.subarray(at, at + 16)), tag: hex(stream.subarray(end - 16, end)) });
    }
    ctx.extras.stream = { header: hex(header), commitment: hex(header.subarray(63, 95)), frames };
    return {
      stream: hex(stream),
      stream_length: stream.length,
      stream_sha256: await sha256Hex(stream),
      header: hex(header),
      chunks: frames.length,
    };
  },

  async open_stream(a, ctx) {
    const u = await setup(a);
    const stream = expand(a.stream);
    const context = expand(a.context);
    ctx.kdfStart = kdfCalls();
    // Through the TransformStream, fed so that each write completes at most one frame: every
    // chunk released before a failure has reached the reader, and is counted (released_chunks).
    const ts = u.openStream(context);
    const writer = ts.writable.getWriter();
    const reader = ts.readable.getReader();
    const chunks = [];
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        chunks.push(value);
      }
    })();
    const writing = (async () => {
      const first = Math.min(stream.length, 257);
      const pieces = [stream.subarray(0, first)];
      for (let at = first; at < stream.length; at += 65_568) pieces.push(stream.subarray(at, at + 65_568));
      for (const p of pieces) await writer.write(p);
      await writer.close();
    })();
    writing.catch(() => {}); // the reader reports the stream's error
    try {
      await reading;
    } catch (e) {
      ctx.released = chunks.length;
      throw e;
    }
    const payload = concat(...chunks);
    return {
      payload: hex(payload),
      payload_length: payload.length,
      payload_sha256: await sha256Hex(payload),
      chunks: chunks.length,
    };
  },

  async open_stream_chunk(a, ctx) {
    const u = await setup(a);
    const stream = expand(a.stream);
    const context = expand(a.context);
    if (!Number.isInteger(a.index) || a.index < 0 || a.index > 2 ** 32 - 1) throw new ProtocolError("index is not an integer from 0 to 2^32 - 1");
    ctx.kdfStart = kdfCalls();
    const { plaintext, final } = await u.openStreamChunk(stream, a.index, context);
    return { plaintext: hex(plaintext), final };
  },

  async decode_checkpoint(a) {
    return checkpointOutput(Checkpoint.fromBytes(expand(a.checkpoint)));
  },

  async decode_checkpoint_text(a) {
    if (typeof a.text !== "string") throw new ProtocolError("text must be a string");
    return checkpointOutput(Checkpoint.fromText(a.text));
  },

  async log_entry_context(a) {
    return { context: hex(LogId.fromBytes(expand(a.log_id)).entryContext(position(a.position), expand(a.app))) };
  },

  async log_append(a, ctx) {
    const u = await setup(a);
    const plaintext = expand(a.plaintext);
    const app = expand(a.app);
    ctx.kdfStart = kdfCalls();
    const state = logState(a.state);
    const rng = scripted(a);
    const append = await withRandom(rng, () => u.sealLogEntry(state, plaintext, app));
    requireConsumed(rng);
    const entry = append.entry.toBytes();
    ctx.extras.log = {
      context: hex(state.pin.logId.entryContext(append.position, app)),
      leaf: hex(LogTree.leafHash(entry)),
    };
    Object.assign(ctx.extras, recordExtras(append.entry));
    return {
      position: append.position,
      entry: hex(entry),
      checkpoint: hex(append.checkpoint.toBytes()),
      checkpoint_text: append.checkpoint.toText(),
      state: stateOutput(append.after),
    };
  },

  async log_read(a, ctx) {
    const u = await setup(a);
    const app = expand(a.app);
    const proof = hashList(a.consistency_proof, "consistency_proof");
    if (!Array.isArray(a.served)) throw new ProtocolError("served must be a list");
    const served = a.served.map((s) => ({ position: position(s?.position), entry: expand(s?.entry) }));
    ctx.kdfStart = kdfCalls();
    const state = logState(a.state);
    const checkpoint = Checkpoint.fromBytes(expand(a.checkpoint));
    const verified = await u.verifyCheckpoint(checkpoint, state.pin, proof);
    const { plaintexts, state: after } = await u.openLogEntries(state, verified, served, app);
    return { plaintexts: plaintexts.map(hex), state: stateOutput(after) };
  },

  async log_open_entry(a, ctx) {
    const u = await setup(a);
    const app = expand(a.app);
    const pin = logPin(a.log_pin);
    const consistency = hashList(a.consistency_proof, "consistency_proof");
    const inclusion = hashList(a.inclusion_proof, "inclusion_proof");
    const entry = a.entry === null ? null : expand(a.entry);
    const pos = position(a.position);
    ctx.kdfStart = kdfCalls();
    const checkpoint = Checkpoint.fromBytes(expand(a.checkpoint));
    const verified = await u.verifyCheckpoint(checkpoint, pin, consistency);
    const plaintext = await u.openLogEntry(verified, pos, entry, inclusion, app);
    return { plaintext: hex(plaintext), log_pin: pinOutput(verified.pin()) };
  },
};

/**
 * SPEC.md Appendix C through the public API: each iteration creates a keyring from 92 bytes of
 * the stream (scripted randomness in section 9.5's draw order), seals, and hashes the record.
 */
async function accumulatedSeal(a) {
  shakeSelfTest();
  const n = a.iterations;
  if (!Number.isSafeInteger(n) || n < 0) throw new ProtocolError("bad iterations");
  const S = new Shake128().absorb(expand(a.seed));
  const D = new Shake128();
  const pol = policy(a.policy);
  const k = kdf(a.kdf);
  const pw = password(a.password);
  for (let i = 0; i < n; i++) {
    const rng = new ScriptedRandom([S.read(16), S.read(32), S.read(32), S.read(12)]);
    const u = await withRandom(rng, () => Keyring.create(pw, { kdf: k, policy: pol }));
    const plaintext = S.read(S.read(1)[0]);
    const context = S.read(S.read(1)[0]);
    const sealRng = new ScriptedRandom([S.read(32), S.read(12)]);
    const r = await withRandom(sealRng, () => u.seal(plaintext, context));
    if (rng.remaining() || sealRng.remaining()) throw new ProtocolError("accumulated: unused draws");
    D.absorb(r.toBytes());
  }
  return hex(D.read(32));
}

/** A stream payload: a bytes value, or {pattern: "mod251", length} (byte i is i mod 251). */
function streamPayload(v) {
  if (v && typeof v === "object" && Object.hasOwn(v, "pattern")) {
    if (v.pattern !== "mod251" || !Number.isSafeInteger(v.length) || v.length < 0 || Object.keys(v).length !== 2) {
      throw new ProtocolError("payload pattern is not {pattern: \"mod251\", length}");
    }
    const out = new Uint8Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = i % 251;
    return out;
  }
  return expand(v);
}

function piecewise(bytes, size) {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

async function collectStream(rs) {
  const parts = [];
  const reader = rs.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return concat(...parts);
    parts.push(value);
  }
}

async function sha256Hex(bytes) {
  return hex(new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", bytes)));
}

/**
 * Runs one operation and returns the CONFORMANCE.md answer plus what the vector runner checks
 * besides it: the number of KDF runs of the operation proper (setup excluded), whether an unlocked
 * keyring that a changing operation failed on still has its previous bytes, and informative
 * values for the vector's intermediates.
 * @param {string} op
 * @param {object} args
 * @returns {Promise<{answer: object, kdfRuns: number, keyringUnchanged: boolean|null, extras: object}>}
 */
export async function runVectorOperationDetailed(op, args) {
  const ctx = { extras: {}, kdfStart: kdfCalls(), unlocked: null, before: null };
  let answer;
  const handler = Object.hasOwn(HANDLERS, op) ? HANDLERS[op] : null;
  if (!handler) {
    answer = { result: "unsupported" };
  } else {
    try {
      answer = { result: "success", output: await handler(args ?? {}, ctx) };
    } catch (e) {
      if (e instanceof StrongroomError) {
        answer = { result: "error", class: e.class, reason: e.reason ?? null };
        // open_stream: the chunks released before the failure (vectors/README.md, "Sealed streams").
        if (ctx.released !== undefined) answer.released_chunks = ctx.released;
      }
      else if (e instanceof ScriptError || e instanceof ProtocolError) answer = { result: "protocol_error", message: e.message };
      else answer = { result: "protocol_error", message: `${e?.name ?? "Error"}: ${e?.message ?? e}` };
    }
  }
  const kdfRuns = kdfCalls() - ctx.kdfStart;
  let keyringUnchanged = null;
  if (ctx.unlocked && answer.result !== "success") {
    keyringUnchanged = hex(ctx.unlocked.keyring.toBytes()) === hex(ctx.before);
  }
  return { answer, kdfRuns, keyringUnchanged, extras: answer.result === "success" ? ctx.extras : {} };
}

/**
 * CONFORMANCE.md section 3 answer for one request (without its id).
 * @param {string} op
 * @param {object} args the vector's inputs
 */
export async function runVectorOperation(op, args) {
  return (await runVectorOperationDetailed(op, args)).answer;
}
