// Requirements of the crypto layer that the vectors cannot check through ops.js: argument errors
// at the API boundary, non-extractable keys, SR-ERR-3 on every kind of late failure, SR-KDF-7,
// randomness failures, index checks of a dynamically typed language, serialized changes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Keyring, UnlockPolicy, SealedRecord, StrongroomError } from "../src/index.js";
import {
  dekFingerprint,
  dekFingerprintFromBytes,
  kdfCalls,
  ScriptedRandom,
  ScriptError,
  simulateArgon2Unavailable,
} from "../src/testing.js";
import { fromHex } from "../src/bytes.js";
import { dekKeyOf } from "../src/keyring.js";

const relaxed = new UnlockPolicy({
  pbkdf2Iterations: [1, 2_000_000],
  argon2MemoryKib: [8, 262_144],
  argon2TimeCost: [1, 8],
  argon2Parallelism: [1, 8],
});
const fast = { kdf: { id: 1, iterations: 2 }, policy: relaxed };
const ARGON = { id: 2, memoryKib: 64, timeCost: 1, parallelism: 1 };

async function rejects(promise, cls, reason = null) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof StrongroomError, `expected StrongroomError, got ${e}`);
    assert.equal(e.class, cls);
    assert.equal(e.reason, reason);
    return true;
  });
}

// SR-WEB-2: the DEK is held as a non-extractable CryptoKey, and no key is reachable from the object.
test("the DEK is a non-extractable HKDF key and the unlocked keyring exposes no key", async () => {
  const u = await Keyring.create("pw", "l", fast);
  const dek = dekKeyOf(u);
  assert.equal(dek.extractable, false);
  assert.equal(dek.algorithm.name, "HKDF");
  assert.deepEqual(Object.getOwnPropertySymbols(u), []);
  assert.deepEqual(Object.keys(u).sort(), ["policy"]);
  assert.ok(Object.isFrozen(u));
  await assert.rejects(crypto.subtle.exportKey("raw", dek));
});

// SR-PWD-3, SR-OP-16: ill-formed password and label strings are host-language argument errors.
test("ill-formed strings are TypeErrors before any draw (SR-PWD-3, SR-OP-16)", async () => {
  const rng = new ScriptedRandom([]);
  await assert.rejects(Keyring.create("a\uD800", "l", { ...fast, random: rng }), TypeError);
  await assert.rejects(Keyring.create("pw", "\uDC00", { ...fast, random: rng }), TypeError);
  const u = await Keyring.create("pw", "l", fast);
  await assert.rejects(u.keyring.unlock("\uD800", relaxed), TypeError);
  await assert.rejects(u.addPasswordSlot("x", "\uD800", { kdf: fast.kdf, random: rng }), TypeError);
  await assert.rejects(u.changePassword(0, "\uDBFF", { kdf: fast.kdf, random: rng }), TypeError);
  await assert.rejects(u.addRecoverySlot("\uD800", { random: rng }), TypeError);
  await assert.rejects(u.seal("\uD800"), TypeError);
});

test("slot indexes: strings, fractions, negatives, NaN are no_such_slot", async () => {
  const u = await Keyring.create("pw", "l", fast);
  await u.addPasswordSlot("b", "pw2", fast);
  for (const bad of ["0", 0.5, -1, 2, NaN, Infinity, null, undefined, 1n]) {
    await rejects(u.keyring.unlockSlot(bad, { password: "pw" }, relaxed), "invalid_input", "no_such_slot");
    await rejects(u.changePassword(bad, "x", fast), "invalid_input", "no_such_slot");
    await rejects(u.removeSlot(bad), "invalid_input", "no_such_slot");
  }
  assert.equal(u.keyring.generation, 1);
});

// SR-KEY-13, SR-ERR-3: a failing CSPRNG fails the operation and releases nothing.
test("randomness: a throwing source is randomness_unavailable; nothing changes (SR-KEY-13, SR-ERR-3)", async () => {
  const broken = { getRandomValues() { throw new Error("no entropy"); } };
  await rejects(Keyring.create("pw", "l", { ...fast, random: broken }), "randomness_unavailable");
  const u = await Keyring.create("pw", "l", fast);
  const before = u.keyring.toBytes();
  // The second draw (the nonce) fails: the salt was already drawn, but nothing is released.
  await rejects(u.addPasswordSlot("x", "pw2", { kdf: fast.kdf, random: new ScriptedRandom([new Uint8Array(32)]) }), "randomness_unavailable");
  await rejects(u.addRecoverySlot("r", { random: broken }), "randomness_unavailable");
  await rejects(u.seal("x", "", { random: broken }), "randomness_unavailable");
  assert.deepEqual(u.keyring.toBytes(), before);
  // A wrong-size scripted draw is a broken test script, not a CSPRNG failure.
  await assert.rejects(u.seal("x", "", { random: new ScriptedRandom([new Uint8Array(31)]) }), ScriptError);
});

// SR-KDF-7: no substitute KDF when Argon2id cannot run.
test("Argon2id unavailable: kdf_unavailable at the KDF step, keyring unchanged (SR-KDF-7)", async () => {
  const u = await Keyring.create("pw", "l", fast);
  await u.addPasswordSlot("argon", "pw-argon", { kdf: ARGON });
  const before = u.keyring.toBytes();
  simulateArgon2Unavailable(true);
  try {
    await rejects(Keyring.create("pw", "l", { kdf: ARGON, policy: relaxed }), "kdf_unavailable");
    await rejects(u.addPasswordSlot("x", "pw3", { kdf: ARGON }), "kdf_unavailable");
    await rejects(u.changePassword(0, "pw3", { kdf: ARGON }), "kdf_unavailable");
    await rejects(u.keyring.unlockSlot(1, { password: "pw-argon" }, relaxed), "kdf_unavailable");
    // PBKDF2 and recovery slots still work (section 8).
    await u.keyring.unlockSlot(0, { password: "pw" }, relaxed);
    assert.deepEqual(u.keyring.toBytes(), before);
  } finally {
    simulateArgon2Unavailable(false);
  }
  await u.keyring.unlockSlot(1, { password: "pw-argon" }, relaxed);
});

test("the DEK fingerprint is CONFORMANCE.md section 3.1's, from the held key and from bytes", async () => {
  // keyring-008's DEK and the fingerprint CONFORMANCE.md gives for it (the Rust runner computes
  // the same from a vector's `dek`).
  const dek = "b515b3011fa75d6209f8517a2ad0647a303e56f6a8acf938c8fae02ca6763fef";
  const want = "67fb7ede4d44dd16fbaeb8f62e6840d4ce9722d721369f70c7f70dd66cec45de";
  assert.equal(await dekFingerprintFromBytes(fromHex(dek)), want);
  const random = new ScriptedRandom([new Uint8Array(16), fromHex(dek), new Uint8Array(32), new Uint8Array(12)]);
  const u = await Keyring.create("pw", "l", { ...fast, random });
  assert.equal(await dekFingerprint(u), want);
});

test("re-wrapping keeps working after the unlocked slot was changed or removed", async () => {
  const u = await Keyring.create("pw", "l", fast);
  const fp = await dekFingerprint(u);
  await u.changePassword(0, "pw-new", fast);
  await u.addPasswordSlot("b", "pw-b", fast);
  const { recoveryCode } = await u.addRecoverySlot("r");
  await u.removeSlot(0);
  assert.equal(u.keyring.generation, 4);
  const viaB = await u.keyring.unlock("pw-b", relaxed);
  const viaCode = await u.keyring.unlockWithRecovery(recoveryCode, relaxed);
  assert.equal(await dekFingerprint(viaB), fp);
  assert.equal(await dekFingerprint(viaCode), fp);
  // The recovery-unlocked keyring can add a password slot too (its re-wrap source is the recovery slot).
  await viaCode.addPasswordSlot("c", "pw-c", { kdf: fast.kdf });
  assert.equal(await dekFingerprint(await viaCode.keyring.unlock("pw-c", relaxed)), fp);
});

test("concurrent changes are serialized: no slot is lost", async () => {
  const u = await Keyring.create("pw", "l", fast);
  await Promise.all([u.addPasswordSlot("a", "pa", fast), u.addPasswordSlot("b", "pb", fast), u.addRecoverySlot("r")]);
  assert.equal(u.keyring.generation, 3);
  assert.deepEqual(u.keyring.slots.map((s) => s.label), ["l", "a", "b", "r"]);
});

test("seal/open: strings are UTF-8, wrong context and tampering release nothing", async () => {
  const u = await Keyring.create("pw", "l", fast);
  const rec = await u.seal("héllo", "ctx");
  assert.equal(new TextDecoder().decode(await u.open(rec, new TextEncoder().encode("ctx"))), "héllo");
  await rejects(u.open(rec, "other"), "record_authentication_failed");
  const bytes = rec.toBytes();
  bytes[bytes.length - 1] ^= 1;
  await rejects(u.open(bytes, "ctx"), "record_authentication_failed");
  const other = await Keyring.create("pw", "l", fast);
  await rejects(other.open(rec, "ctx"), "wrong_keyring");
  assert.equal((await u.open(SealedRecord.fromText(rec.toText()), "ctx")).length, 6);
});

test("policy and limit failures run no KDF", async () => {
  const u = await Keyring.create("pw", "l", fast);
  const n = kdfCalls();
  await rejects(u.keyring.unlock("pw"), "out_of_policy"); // default policy, 2 iterations
  await rejects(u.addPasswordSlot("x", "p", { kdf: { id: 1, iterations: 2 } }).then(() => u.addPasswordSlot("y", "p", { kdf: { id: 1, iterations: 0 } })), "kdf_params_out_of_bounds");
  assert.equal(kdfCalls(), n + 1); // only the successful addPasswordSlot
});
