// Format-layer vector test: every decoding, text, password, policy, recovery-code and
// secret-key-code vector of vectors/*.json, plus the decoding part of every tamper mutation. Node
// only (reads files).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

import { StrongroomError } from "../src/errors.js";
import { hex, fromHex } from "../src/bytes.js";
import { decodeKeyring, decodeRecord, decodeCheckpoint, reencodeKeyring, reencodeRecord, reencodeCheckpoint } from "../src/format.js";
import { keyringFromText, recordFromText, checkpointFromText, keyringToText, recordToText, checkpointToText } from "../src/text.js";
import { LogId } from "../src/log.js";
import { normalizePassword, checkLabel } from "../src/password.js";
import { UnlockPolicy, checkNewKdf } from "../src/policy.js";
import { parseRecoveryCode, formatRecoveryCode, recoveryPayload } from "../src/recovery-code.js";
import { parseSecretKeyCode, formatSecretKeyCode } from "../src/secret-key.js";

const VECTORS = fileURLToPath(new URL("../../../vectors/", import.meta.url));
const OPERATIONS = [
  "decode_keyring", "decode_keyring_text", "decode_record", "decode_record_text",
  "normalize_password", "make_policy", "parse_recovery_code", "parse_secret_key",
  "decode_checkpoint", "decode_checkpoint_text", "log_entry_context",
];
// Operations of vectors/README.md section 4 that the crypto layer's test runs (test/vectors.test.js).
// Any other operation fails this test: a new kind of vector must never be skipped silently.
const CRYPTO_OPERATIONS = new Set([
  "create", "unlock_password", "unlock_slot", "unlock_recovery", "change_password", "add_password_slot",
  "add_recovery_slot", "remove_slot", "seal", "open", "accumulated_seal",
  "create_secret_key", "unlock_secret_key", "check_pin", "add_secret_key_slot", "auth_tag",
  "log_append", "log_read", "log_open_entry",
  "decode_stream_header", "seal_stream", "open_stream", "open_stream_chunk",
]);
const DECODING_CLASSES = new Set(["malformed", "unsupported_version", "unsupported_algorithm", "kdf_params_out_of_bounds"]);

/** Byte values of vectors/README.md 3.1, including the LargeInput form. */
function bytesOf(v) {
  if (typeof v === "string") return fromHex(v);
  const out = new Uint8Array(v.length).fill(parseInt(v.fill, 16));
  out.set(fromHex(v.prefix), 0);
  return out;
}

const kdfOut = (k) =>
  k.id === 1
    ? { id: 1, name: "pbkdf2-hmac-sha256", iterations: k.iterations }
    : { id: 2, name: "argon2id", memory_kib: k.memoryKib, time_cost: k.timeCost, parallelism: k.parallelism };

function keyringOutput(d) {
  return {
    keyring_id: hex(d.id),
    generation: d.generation,
    slots: d.slots.map((s) => {
      if (s.kind === "unknown") {
        // A skippable kind this decoder does not implement: its number and bytes (SPEC.md 6.3.1).
        return { kind: "unknown", kind_value: s.kindValue, label: s.label, wrapped_dek: hex(s.wrappedDek),
          commitment: hex(s.commitment), slot_bytes: hex(s.bytes) };
      }
      const o = { kind: s.kind, label: s.label };
      if (s.kind === "password" || s.kind === "secret-key") Object.assign(o, { kdf: kdfOut(s.kdf), salt: hex(s.salt) });
      return Object.assign(o, {
        nonce: hex(s.nonce), wrapped_dek: hex(s.wrappedDek), commitment: hex(s.commitment), slot_bytes: hex(s.bytes),
      });
    }),
    mac: hex(d.mac),
  };
}

const checkpointOutput = (d) => ({
  checkpoint: hex(d.bytes), keyring_id: hex(d.keyringId), log_id: hex(d.logId), size: d.size, root: hex(d.root),
  mac: hex(d.mac), checkpoint_text: checkpointToText(d.bytes),
});

const recordOutput = (d) => ({
  keyring_id: hex(d.keyringId), salt: hex(d.salt), nonce: hex(d.nonce), commitment: hex(d.commitment), ciphertext: hex(d.ciphertext),
});

/** Runs one operation; returns the output object, or throws (a StrongroomError on failure). */
async function run(op, inputs) {
  switch (op) {
    case "decode_keyring": {
      const input = bytesOf(inputs.keyring);
      const d = decodeKeyring(input);
      input.fill(0); // the decoder must have copied
      assert.equal(hex(reencodeKeyring(d)), hex(d.bytes), "re-encoding gives the input (SR-CBOR-9)");
      assert.equal(hex(d.bytes), inputs.keyring);
      return keyringOutput(d);
    }
    case "decode_record": {
      const input = bytesOf(inputs.record);
      const d = decodeRecord(input);
      input.fill(0);
      assert.ok(reencodeRecord(d).every((b, i) => b === d.bytes[i]) && reencodeRecord(d).length === d.bytes.length,
        "re-encoding gives the input (SR-CBOR-9)");
      assert.equal(hex(d.header), hex(d.bytes.subarray(0, 107)));
      return recordOutput(d);
    }
    case "decode_keyring_text": {
      const d = decodeKeyring(keyringFromText(inputs.text));
      assert.equal(keyringToText(d.bytes), inputs.text, "text re-encoding (SR-TXT-3)");
      return { keyring: hex(d.bytes) };
    }
    case "decode_record_text": {
      const d = decodeRecord(recordFromText(inputs.text));
      assert.equal(recordToText(d.bytes), inputs.text, "text re-encoding (SR-TXT-3)");
      return { record: hex(d.bytes) };
    }
    case "decode_checkpoint": {
      const input = bytesOf(inputs.checkpoint);
      const d = decodeCheckpoint(input);
      input.fill(0);
      assert.equal(hex(reencodeCheckpoint(d)), hex(d.bytes), "re-encoding gives the input (SR-CBOR-9)");
      return checkpointOutput(d);
    }
    case "decode_checkpoint_text": {
      const d = decodeCheckpoint(checkpointFromText(inputs.text));
      assert.equal(checkpointToText(d.bytes), inputs.text, "text re-encoding (SR-TXT-3)");
      return checkpointOutput(d);
    }
    case "log_entry_context":
      return { context: hex(LogId.fromBytes(fromHex(inputs.log_id)).entryContext(inputs.position, bytesOf(inputs.app))) };
    case "normalize_password": {
      assert.equal(hex(new TextEncoder().encode(inputs.password.string)), inputs.password.utf8_hex, "vector string");
      return { nfc_utf8_hex: hex(normalizePassword(inputs.password.string)) };
    }
    case "make_policy": {
      // The four pairs in the API's spelling; `name` is informative; any other key goes to the
      // constructor, which refuses it (SPEC.md section 11's preamble), as conformance/ops.js does.
      const keys = {
        pbkdf2_iterations: "pbkdf2Iterations", argon2_memory_kib: "argon2MemoryKib",
        argon2_time_cost: "argon2TimeCost", argon2_parallelism: "argon2Parallelism",
        max_unlock_work: "maxUnlockWork",
      };
      const bounds = {};
      for (const [k, v] of Object.entries(inputs.policy)) if (k !== "name") bounds[keys[k] ?? k] = v;
      new UnlockPolicy(bounds);
      return {};
    }
    case "parse_recovery_code": {
      const secret = await parseRecoveryCode(inputs.recovery_code);
      return { secret: hex(secret), canonical: await formatRecoveryCode(secret) };
    }
    case "parse_secret_key": {
      const secretKey = await parseSecretKeyCode(inputs.secret_key_code);
      return { secret_key: hex(secretKey), canonical: await formatSecretKeyCode(secretKey) };
    }
    default:
      throw new Error(`unknown operation ${op}`);
  }
}

/** Asserts the outcome of one vector (or tamper mutation) against its expectation. */
async function check(id, op, inputs, expected, output) {
  let got;
  try {
    got = await run(op, inputs);
  } catch (e) {
    if (!(e instanceof StrongroomError)) {
      throw new Error(`${id}: threw ${e?.name}: ${e?.message}`, { cause: e });
    }
    assert.equal(expected.result, "error", `${id}: unexpected ${e.class}/${e.reason}`);
    assert.deepEqual([e.class, e.reason], [expected.class, expected.reason ?? null], id);
    return;
  }
  assert.equal(expected.result, "success", `${id}: succeeded, expected ${expected.class}/${expected.reason}`);
  if (output) assert.deepEqual(got, output, `${id}: output`);
}

const files = readdirSync(VECTORS).filter((f) => f.endsWith(".json") && f !== "schema.json").sort();
const counts = Object.fromEntries(OPERATIONS.map((op) => [op, 0]));
let tamperDecodeRuns = 0;
let deprecated = 0;

for (const file of files) {
  const doc = JSON.parse(readFileSync(join(VECTORS, file), "utf8"));
  test(`vectors/${file}`, async (t) => {
    assert.equal(doc.schema_version, 1, "unknown schema_version");
    for (const v of doc.vectors ?? []) {
      if (!OPERATIONS.includes(v.operation)) {
        assert.ok(CRYPTO_OPERATIONS.has(v.operation), `${v.id}: unknown operation ${v.operation}`);
        continue; // crypto operations: test/vectors.test.js
      }
      if (v.status === "deprecated") {
        deprecated++;
        continue;
      }
      await check(v.id, v.operation, v.inputs, v.expected, v.output);
      counts[v.operation]++;
    }
    for (const set of doc.tamper_sets ?? []) {
      // A stream's tamper set opens the stream (a keyed operation): test/vectors.test.js runs it.
      if (set.target === "stream" && set.operation === "open_stream") continue;
      const op = { keyring: "decode_keyring", record: "decode_record" }[set.target];
      assert.ok(op, `${set.id}: unknown target ${set.target}`);
      const base = bytesOf(set.inputs[set.target]);
      // The unmodified base decodes.
      await check(`${set.id}/base`, op, { [set.target]: hex(base) }, { result: "success" });
      for (const m of set.mutations) {
        let bytes;
        let id;
        if ("truncate" in m) {
          bytes = base.slice(0, m.truncate);
          id = `${set.id}/t${m.truncate}`;
        } else {
          bytes = base.slice();
          bytes[m.flip[0]] ^= 1 << m.flip[1];
          id = `${set.id}/f${m.flip[0]}.${m.flip[1]}`;
        }
        // Decoding errors must come from the decoder; every other class comes later (crypto).
        const expected = DECODING_CLASSES.has(m.class)
          ? { result: "error", class: m.class, reason: m.reason }
          : { result: "success" };
        await check(id, op, { [set.target]: hex(bytes) }, expected);
        tamperDecodeRuns++;
      }
    }
  });
}

test("SPEC.md A.4 recovery payload", async () => {
  const secret = fromHex("606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f");
  assert.equal(hex(await recoveryPayload(secret)), hex(secret) + "55c09b");
});

test("ill-formed strings are TypeErrors, not StrongroomErrors (SR-PWD-3)", () => {
  assert.throws(() => normalizePassword("ab\ud800"), TypeError);
  assert.throws(() => normalizePassword("\udc00"), TypeError);
});

test("the decoder throws nothing but StrongroomError (deterministic mutation fuzz)", () => {
  const doc = JSON.parse(readFileSync(join(VECTORS, "tamper.json"), "utf8"));
  const bases = doc.tamper_sets.map((set) => [set.target, bytesOf(set.inputs[set.target])]);
  // And checkpoints (SR-LOG-5): every checkpoint of vectors/log.json.
  const log = JSON.parse(readFileSync(join(VECTORS, "log.json"), "utf8"));
  for (const v of log.vectors) if (v.operation === "decode_checkpoint") bases.push(["checkpoint", bytesOf(v.inputs.checkpoint)]);
  const special = [0x00, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1f, 0x3b, 0x40, 0x5b, 0x7b, 0x9b, 0xbb, 0xbf, 0xff, 0xc0];
  let seed = 1;
  const rnd = (n) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  for (let i = 0; i < 20000; i++) {
    const [target, base] = bases[i % bases.length];
    const b = base.slice(0, rnd(base.length + 1));
    for (let j = 0; j <= rnd(3) && b.length; j++) {
      b[rnd(b.length)] = rnd(2) ? special[rnd(special.length)] : rnd(256);
      if (rnd(4) === 0 && b.length > 9) b.set([0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], rnd(b.length - 9));
    }
    try {
      ({ keyring: decodeKeyring, record: decodeRecord, checkpoint: decodeCheckpoint })[target](b);
    } catch (e) {
      assert.ok(e instanceof StrongroomError && !/internal/.test(e.message), `${hex(b)}: ${e}`);
    }
  }
});

test("decoders copy their input and accept a Node Buffer without sharing it", () => {
  const text = JSON.parse(readFileSync(join(VECTORS, "text.json"), "utf8")).vectors.find((v) => v.id === "text-001");
  const input = Buffer.from(text.output.keyring, "hex");
  const d = decodeKeyring(input);
  input.fill(0);
  assert.equal(hex(d.bytes), text.output.keyring);
  // generation 0 is one byte (G = 1), so the slot starts at 26 + G (section 6.2)
  assert.equal(hex(d.slots[0].bytes), hex(d.bytes.subarray(27, 27 + d.slots[0].bytes.length)));
  assert.throws(() => decodeKeyring("a6"), TypeError);
});

test("labels: TypeError for ill-formed, label_too_long above 64 bytes, enc(label) otherwise", () => {
  assert.throws(() => checkLabel("\ud83d"), TypeError);
  assert.equal(hex(checkLabel("")), "60");
  assert.equal(hex(checkLabel("laptop")), "666c6170746f70");
  assert.equal(hex(checkLabel("\ufeffa")), "64efbbbf61"); // a BOM is kept, like any character
  assert.equal(checkLabel("x".repeat(64)).length, 66);
  assert.throws(() => checkLabel("é".repeat(33)), (e) => e.class === "limit_exceeded" && e.reason === "label_too_long");
});

test("policy and new-KDF checks", () => {
  const bad = { pbkdf2Iterations: [1.5, 2], argon2MemoryKib: [8, 8], argon2TimeCost: [1, 1], argon2Parallelism: [1, 1], maxUnlockWork: 1 };
  assert.throws(() => new UnlockPolicy(bad), (e) => e.class === "invalid_input" && e.reason === "policy_invalid");
  const p = UnlockPolicy.default();
  const err = (cls) => (e) => e instanceof StrongroomError && e.class === cls;
  assert.throws(() => checkNewKdf({ id: 3 }, p), err("unsupported_algorithm"));
  assert.throws(() => checkNewKdf({ id: 1, iterations: 0 }, p), err("kdf_params_out_of_bounds"));
  assert.throws(() => checkNewKdf({ id: 2, memoryKib: 63, timeCost: 1, parallelism: 8 }, p), err("kdf_params_out_of_bounds"));
  assert.throws(() => checkNewKdf({ id: 1, iterations: 10 }, p), err("out_of_policy"));
  checkNewKdf({ id: 1, iterations: 600000 }, p);
  checkNewKdf({ id: 2, memoryKib: 65536, timeCost: 3, parallelism: 4 }, p);
});

test("every listed operation ran at least one vector", () => {
  console.log("format vectors per operation:", JSON.stringify(counts));
  console.log(`tamper mutations (decoding part): ${tamperDecodeRuns}; deprecated skipped: ${deprecated}`);
  for (const op of OPERATIONS) assert.ok(counts[op] > 0, `no vector ran for ${op}`);
  assert.ok(tamperDecodeRuns > 0, "no tamper mutation ran");
});
