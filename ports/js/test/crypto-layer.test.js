// Requirements of the crypto layer that the vectors cannot check through ops.js: what an unlocked
// keyring keeps (SR-WEB-1/2), changes authorized by a credential, argument errors at the API
// boundary, SR-ERR-3 on every kind of late failure, SR-KDF-7, randomness failures, index checks of
// a dynamically typed language, serialized changes, batches. Every test runs on both backends.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Keyring, UnlockPolicy, SealedRecord, StrongroomError, DEFAULT_KDF } from "../src/index.js";
import {
  dekFingerprint,
  dekFingerprintFromBytes,
  kdfCalls,
  ScriptedRandom,
  ScriptError,
  simulateArgon2Unavailable,
  useBackend,
  withRandom,
} from "../src/testing.js";
import { exportSessionState } from "../src/keyring.js";
import { fromHex } from "../src/bytes.js";

const relaxed = new UnlockPolicy({
  pbkdf2Iterations: [1, 2_000_000],
  argon2MemoryKib: [8, 262_144],
  argon2TimeCost: [1, 8],
  argon2Parallelism: [1, 8],
  maxUnlockWork: 16_777_216,
});
const FAST = { id: 1, iterations: 2 };
const fast = { kdf: FAST, policy: relaxed };
const ARGON = { id: 2, memoryKib: 64, timeCost: 1, parallelism: 1 };
const PW = { password: "pw" };

async function rejects(promise, cls, reason = null) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof StrongroomError, `expected StrongroomError, got ${e?.stack ?? e}`);
    assert.equal(e.class, cls);
    assert.equal(e.reason, reason);
    return true;
  });
}

for (const backend of ["node", "webcrypto"]) {
  const t = (name, fn) => test(`${name} [${backend}]`, async () => {
    await useBackend(backend);
    await fn();
  });

  // SR-WEB-1, SR-WEB-2: the object exposes no key; what it holds is the record root and a
  // verify-only MAC key, never the DEK or a wrap key.
  t("an unlocked keyring holds the record root, a verify-only MAC key, a sign-only auth key and a sign+verify log key, nothing else (SR-WEB-2)", async () => {
    const u = await Keyring.create("pw", { label: "l", ...fast });
    assert.deepEqual(Object.getOwnPropertySymbols(u), []);
    assert.deepEqual(Object.keys(u).sort(), ["policy"]);
    assert.ok(Object.isFrozen(u));
    const state = exportSessionState(u);
    assert.deepEqual(Object.keys(state).sort(), ["authKey", "keyringId", "logKey", "macVerifyKey", "recordRoot", "slotIndex", "v"]);
    if (backend === "webcrypto") {
      assert.equal(state.recordRoot.extractable, false);
      assert.equal(state.recordRoot.algorithm.name, "HKDF");
      assert.deepEqual([...state.recordRoot.usages].sort(), ["deriveBits", "deriveKey"]);
      assert.equal(state.macVerifyKey.extractable, false);
      assert.equal(state.macVerifyKey.algorithm.name, "HMAC");
      assert.deepEqual([...state.macVerifyKey.usages], ["verify"]);
      assert.equal(state.authKey.extractable, false);
      assert.equal(state.authKey.algorithm.name, "HMAC");
      assert.deepEqual([...state.authKey.usages], ["sign"]);
      // The log key (SR-LOG-7, SPEC.md 19.1): HMAC, sign and verify, never exported.
      assert.equal(state.logKey.extractable, false);
      assert.equal(state.logKey.algorithm.name, "HMAC");
      assert.deepEqual([...state.logKey.usages].sort(), ["sign", "verify"]);
      await assert.rejects(crypto.subtle.exportKey("raw", state.recordRoot));
      await assert.rejects(crypto.subtle.exportKey("raw", state.authKey));
      await assert.rejects(crypto.subtle.exportKey("raw", state.logKey));
      await assert.rejects(crypto.subtle.sign("HMAC", state.macVerifyKey, new Uint8Array(1)));
    }
  });

  // SR-PWD-3, SR-OP-16: ill-formed password and label strings are host-language argument errors.
  t("ill-formed strings are TypeErrors before any draw (SR-PWD-3, SR-OP-16)", async () => {
    const rng = new ScriptedRandom([]);
    await withRandom(rng, async () => {
      await assert.rejects(Keyring.create("a\uD800", { label: "l", ...fast }), TypeError);
      await assert.rejects(Keyring.create("pw", { label: "\uDC00", ...fast }), TypeError);
    });
    const u = await Keyring.create("pw", { label: "l", ...fast });
    await withRandom(rng, async () => {
      await assert.rejects(u.keyring.unlock("\uD800", relaxed), TypeError);
      await assert.rejects(u.addPasswordSlot(PW, "\uD800", { kdf: FAST }), TypeError);
      await assert.rejects(u.addPasswordSlot({ password: "\uD800" }, "x", { kdf: FAST }), TypeError);
      await assert.rejects(u.changePassword(PW, 0, "\uDBFF", { kdf: FAST }), TypeError);
      await assert.rejects(u.addRecoverySlot(PW, { label: "\uD800" }), TypeError);
      await assert.rejects(u.seal("\uD800", "ctx"), TypeError);
    });
    assert.equal(rng.remaining(), 0);
  });

  t("argument traps are TypeErrors: required context, credentials, unknown options", async () => {
    const u = await Keyring.create("pw", { label: "l", ...fast });
    // The context is what binds a record to its user and position: no empty default.
    await assert.rejects(u.seal("x"), /context is required/);
    const rec = await u.seal("x", "ctx");
    await assert.rejects(u.open(rec), /context is required/);
    await assert.rejects(u.sealMany([{ plaintext: "x" }]), /context is required/);
    // A change without a credential, or with both kinds, or a misspelt option.
    await assert.rejects(u.addPasswordSlot("pw2", "label"), TypeError);
    await assert.rejects(u.addPasswordSlot({ password: "pw", recoveryCode: "x" }, "pw2"), TypeError);
    await assert.rejects(u.addPasswordSlot(PW, "pw2", { lable: "typo" }), /unknown option "lable"/);
    await assert.rejects(Keyring.create("pw", { kdf: FAST, policy: relaxed, random: {} }), /unknown option "random"/);
    await assert.rejects(u.removeSlot(0), TypeError);
    assert.equal(u.keyring.generation, 0);
  });

  t("slot indexes: strings, fractions, negatives, NaN are no_such_slot", async () => {
    const u = await Keyring.create("pw", { label: "l", ...fast });
    await u.addPasswordSlot(PW, "pw2", { label: "b", kdf: FAST });
    const n = kdfCalls();
    for (const bad of ["0", 0.5, -1, 2, NaN, Infinity, null, undefined, 1n]) {
      await rejects(u.keyring.unlockSlot(bad, PW, relaxed), "invalid_input", "no_such_slot");
      await rejects(u.changePassword(PW, bad, "x", { kdf: FAST }), "invalid_input", "no_such_slot");
      await rejects(u.removeSlot(PW, bad), "invalid_input", "no_such_slot");
    }
    assert.equal(kdfCalls(), n, "an index error runs no KDF, the credential's included");
    assert.equal(u.keyring.generation, 1);
  });

  // SR-WEB-5, SR-ERR-3: every change takes a credential again and re-derives the DEK inside the
  // call; a credential that opens no slot is unlock_failed and changes nothing.
  t("changes are authorized by a credential: a wrong one is unlock_failed and changes nothing (SR-WEB-5, SR-ERR-3)", async () => {
    const u = await Keyring.create("pw", { label: "l", ...fast });
    const { recoveryCode } = await u.addRecoverySlot(PW, { label: "paper" });
    const before = u.keyring.toBytes();
    await rejects(u.addPasswordSlot({ password: "wrong" }, "pw2", { kdf: FAST }), "unlock_failed");
    await rejects(u.changePassword({ password: "wrong" }, 0, "pw2", { kdf: FAST }), "unlock_failed");
    await rejects(u.addRecoverySlot({ password: "wrong" }), "unlock_failed");
    await rejects(u.removeSlot({ password: "wrong" }, 1), "unlock_failed");
    await rejects(u.removeSlot({ recoveryCode: "0000-0000" }, 1), "invalid_input", "recovery_code_format");
    assert.deepEqual(u.keyring.toBytes(), before);
    // The recovery code authorizes a change as well as the password does.
    await u.changePassword({ recoveryCode }, 0, "pw-new", { kdf: FAST });
    await rejects(u.keyring.unlock("pw", relaxed), "unlock_failed");
    await u.keyring.unlock("pw-new", relaxed);
    // The credential of a slot about to be removed still authorizes its removal.
    await u.removeSlot({ password: "pw-new" }, 0);
    assert.deepEqual(u.keyring.slots.map((s) => s.kind), ["recovery"]);
    assert.equal(u.slotIndex, null, "the opened slot is gone");
    await rejects(u.keyring.unlock("pw-new", relaxed), "unlock_failed");
  });

  t("the DEK never changes across changes, whichever credential authorizes them", async () => {
    const u = await Keyring.create("pw", { label: "l", ...fast });
    const fp = await dekFingerprint(u);
    await u.changePassword(PW, 0, "pw-new", { kdf: FAST });
    await u.addPasswordSlot({ password: "pw-new" }, "pw-b", { label: "b", kdf: FAST });
    const { recoveryCode } = await u.addRecoverySlot({ password: "pw-b" }, { label: "r" });
    await u.removeSlot({ recoveryCode }, 0);
    assert.equal(u.keyring.generation, 4);
    assert.equal(await dekFingerprint(await u.keyring.unlock("pw-b", relaxed)), fp);
    const viaCode = await u.keyring.unlockWithRecovery(recoveryCode, relaxed);
    assert.equal(await dekFingerprint(viaCode), fp);
    assert.equal(viaCode.slotIndex, 1);
    await viaCode.addPasswordSlot({ recoveryCode }, "pw-c", { label: "c", kdf: FAST });
    assert.equal(await dekFingerprint(await viaCode.keyring.unlock("pw-c", relaxed)), fp);
  });

  // SR-KDF-5, SR-KDF-6: without kdf, a changed slot gets the default for new slots, not the old
  // slot's parameters (which came from the server).
  t("changePassword without kdf uses SR-KDF-5's default, never the old slot's KDF (SR-KDF-6, SR-KDF-8)", async () => {
    const u = await Keyring.create("pw", { label: "l", kdf: ARGON, policy: relaxed });
    // The default (PBKDF2) would drop the Argon2id slot's memory-hardness: refused (SR-KDF-8).
    const n = kdfCalls();
    await rejects(u.changePassword(PW, 0, "pw2"), "invalid_input", "weaker_kdf");
    assert.equal(kdfCalls(), n);
    assert.deepEqual({ ...u.keyring.slots[0].kdf }, ARGON);
    // Explicitly allowed, the default is written, never the old slot's parameters.
    await u.changePassword(PW, 0, "pw2", { allowWeakerKdf: true });
    assert.deepEqual({ ...u.keyring.slots[0].kdf }, { ...DEFAULT_KDF });
    await u.addPasswordSlot({ password: "pw2" }, "pw3");
    assert.deepEqual({ ...u.keyring.slots[1].kdf }, { ...DEFAULT_KDF });
  });

  // SR-KEY-13, SR-ERR-3: a failing CSPRNG fails the operation and releases nothing.
  t("randomness: a throwing source is randomness_unavailable; nothing changes (SR-KEY-13, SR-ERR-3)", async () => {
    const broken = { getRandomValues() { throw new Error("no entropy"); } };
    await withRandom(broken, () => rejects(Keyring.create("pw", fast), "randomness_unavailable"));
    const u = await Keyring.create("pw", { label: "l", ...fast });
    const before = u.keyring.toBytes();
    const n = kdfCalls();
    // The second draw (the nonce) fails: the salt was already drawn, but nothing is released and
    // the credential was not even tried.
    await withRandom(new ScriptedRandom([new Uint8Array(32)]), () => rejects(u.addPasswordSlot(PW, "pw2", { kdf: FAST }), "randomness_unavailable"));
    await withRandom(broken, () => rejects(u.addRecoverySlot(PW), "randomness_unavailable"));
    await withRandom(broken, () => rejects(u.seal("x", ""), "randomness_unavailable"));
    assert.equal(kdfCalls(), n);
    assert.deepEqual(u.keyring.toBytes(), before);
    // A wrong-size scripted draw is a broken test script, not a CSPRNG failure.
    await withRandom(new ScriptedRandom([new Uint8Array(31)]), () => assert.rejects(u.seal("x", ""), ScriptError));
  });

  // SR-KDF-7: no substitute KDF when Argon2id cannot run, and the error says why.
  t("Argon2id unavailable: kdf_unavailable with its cause, keyring unchanged (SR-KDF-7)", async () => {
    const u = await Keyring.create("pw", { label: "l", ...fast });
    await u.addPasswordSlot(PW, "pw-argon", { label: "argon", kdf: ARGON });
    const before = u.keyring.toBytes();
    simulateArgon2Unavailable(true);
    try {
      await assert.rejects(Keyring.create("pw", { kdf: ARGON, policy: relaxed }), (e) => {
        assert.equal(e.class, "kdf_unavailable");
        assert.match(e.message, /^the KDF could not run on this machine \(Argon2id \(WebAssembly\) failed: simulated: no Argon2id here\)$/);
        assert.equal(e.cause?.message, "simulated: no Argon2id here");
        return true;
      });
      await rejects(u.addPasswordSlot(PW, "pw3", { kdf: ARGON }), "kdf_unavailable");
      await rejects(u.changePassword(PW, 0, "pw3", { kdf: ARGON }), "kdf_unavailable");
      await rejects(u.keyring.unlockSlot(1, { password: "pw-argon" }, relaxed), "kdf_unavailable");
      // PBKDF2 and recovery slots still work (section 8).
      await u.keyring.unlockSlot(0, PW, relaxed);
      assert.deepEqual(u.keyring.toBytes(), before);
    } finally {
      simulateArgon2Unavailable(false);
    }
    await u.keyring.unlockSlot(1, { password: "pw-argon" }, relaxed);
  });

  t("the DEK fingerprint is CONFORMANCE.md section 3.1's, from the DEK in use and from bytes", async () => {
    // keyring-008's DEK and the fingerprint CONFORMANCE.md gives for it.
    const dek = "b515b3011fa75d6209f8517a2ad0647a303e56f6a8acf938c8fae02ca6763fef";
    const want = "67fb7ede4d44dd16fbaeb8f62e6840d4ce9722d721369f70c7f70dd66cec45de";
    assert.equal(await dekFingerprintFromBytes(fromHex(dek)), want);
    const random = new ScriptedRandom([new Uint8Array(16), fromHex(dek), new Uint8Array(32), new Uint8Array(12)]);
    const u = await withRandom(random, () => Keyring.create("pw", { label: "l", ...fast }));
    assert.equal(await dekFingerprint(u), want);
  });

  t("concurrent changes are serialized: no slot is lost", async () => {
    const u = await Keyring.create("pw", { label: "l", ...fast });
    await Promise.all([
      u.addPasswordSlot(PW, "pa", { label: "a", kdf: FAST }),
      u.addPasswordSlot(PW, "pb", { label: "b", kdf: FAST }),
      u.addRecoverySlot(PW, { label: "r" }),
    ]);
    assert.equal(u.keyring.generation, 3);
    assert.deepEqual(u.keyring.slots.map((s) => s.label), ["l", "a", "b", "r"]);
  });

  t("seal/open: strings are UTF-8, wrong context and tampering release nothing", async () => {
    const u = await Keyring.create("pw", { label: "l", ...fast });
    const rec = await u.seal("héllo", "ctx");
    assert.equal(new TextDecoder().decode(await u.open(rec, new TextEncoder().encode("ctx"))), "héllo");
    await rejects(u.open(rec, "other"), "record_authentication_failed");
    const bytes = rec.toBytes();
    bytes[bytes.length - 1] ^= 1;
    await rejects(u.open(bytes, "ctx"), "record_authentication_failed");
    const other = await Keyring.create("pw", { label: "l", ...fast });
    await rejects(other.open(rec, "ctx"), "wrong_keyring");
    assert.equal((await u.open(SealedRecord.fromText(rec.toText()), "ctx")).length, 6);
  });

  t("sealMany / openMany: input order, one result per item, a bad entry does not hide the others", async () => {
    const u = await Keyring.create("pw", { label: "l", ...fast });
    const items = Array.from({ length: 200 }, (_, i) => ({ plaintext: `entry ${i}`, context: `log:${i}` }));
    const sealed = await u.sealMany(items);
    assert.equal(sealed.length, 200);
    const toOpen = sealed.map((record, i) => ({ record, context: `log:${i}` }));
    toOpen[7].context = "log:8"; // moved to another position
    const tampered = sealed[9].toBytes();
    tampered[120] ^= 1;
    toOpen[9].record = tampered;
    toOpen[11].record = new Uint8Array([0xa0]); // not a record
    const opened = await u.openMany(toOpen);
    assert.equal(opened.length, 200);
    opened.forEach((r, i) => {
      if (i === 7 || i === 9) {
        assert.equal(r.ok, false);
        assert.equal(r.error.class, "record_authentication_failed");
      } else if (i === 11) {
        assert.equal(r.ok, false);
        assert.equal(r.error.class, "malformed");
      } else {
        assert.equal(new TextDecoder().decode(r.plaintext), `entry ${i}`);
      }
    });
    assert.deepEqual(await u.sealMany([]), []);
  });

  t("policy and limit failures run no KDF", async () => {
    const u = await Keyring.create("pw", { label: "l", ...fast });
    const n = kdfCalls();
    await rejects(u.keyring.unlock("pw"), "out_of_policy"); // default policy, 2 iterations
    await rejects(u.addPasswordSlot(PW, "p", { kdf: { id: 1, iterations: 0 } }), "kdf_params_out_of_bounds");
    assert.equal(kdfCalls(), n);
    await u.addPasswordSlot(PW, "p", { kdf: FAST }); // the credential's KDF and the new slot's
    assert.equal(kdfCalls(), n + 2);
  });
}

test("error messages read like the Rust crate's, with the class and reason kept", async () => {
  const e = new StrongroomError("malformed", "truncated");
  assert.equal(e.message, "malformed input: truncated");
  assert.equal(new StrongroomError("unlock_failed").message, "unlock failed: wrong password or recovery code");
  await assert.rejects(() => Promise.resolve().then(() => Keyring.fromBytes(new Uint8Array([0x01]))), (err) => {
    assert.equal(err.class, "malformed");
    assert.equal(err.reason, "unexpected_type");
    assert.equal(err.message, "malformed input: unexpected_type");
    assert.ok(err instanceof StrongroomError);
    return true;
  });
});

// The size limit is checked on the caller's bytes before any copy (SPEC.md 5.4 step 2): a huge
// input costs no allocation proportional to it.
test("fromBytes refuses an oversized input before copying it", () => {
  const Real = globalThis.Uint8Array;
  let bigCopies = 0;
  class Spy extends Real {
    constructor(...args) {
      super(...args);
      if (args[0] instanceof Real && args[0].length > 1 << 20) bigCopies++;
    }
  }
  // The input is a Spy itself, so that the library's `instanceof Uint8Array` holds while the
  // global is swapped. A record map head (a7), key 1 = 2, key 2 = 1: passes the header peek.
  const huge = new Spy(64 * 1024 * 1024);
  huge.set([0xa7, 0x01, 0x02, 0x02, 0x01]);
  const hugeKeyring = new Spy(1024 * 1024 * 2);
  hugeKeyring.set([0xa6, 0x01, 0x01, 0x02, 0x01]);
  globalThis.Uint8Array = Spy;
  try {
    assert.throws(() => SealedRecord.fromBytes(huge), (e) => e.class === "malformed" && e.reason === "too_large");
    assert.throws(() => Keyring.fromBytes(hugeKeyring), (e) => e.class === "malformed" && e.reason === "too_large");
  } finally {
    globalThis.Uint8Array = Real;
  }
  assert.equal(bigCopies, 0);
  // Sanity check of the spy: a decode that passes the size check does copy its input.
  globalThis.Uint8Array = Spy;
  try {
    assert.throws(() => SealedRecord.fromBytes(huge.subarray(0, 16_777_488)), (e) => e.class === "malformed");
  } finally {
    globalThis.Uint8Array = Real;
  }
  assert.equal(bigCopies, 1);
});

// SR-PWD-4, SR-OP-17 and section 11's preamble, at the API: what vectors/password.json and the
// multi-fault vectors check through ops.js, here through the public API directly.
test("SR-PWD-4: a code point unassigned in Unicode 14.0 is unassigned_code_point, before NFC", async () => {
  const { normalizePassword } = await import("../src/index.js");
  for (const pw of ["pass\u{1E08F}\u{0316}word", "\u{1FAE8}", "\u{FFFE}", "\u{10FFFF}", "a\u{0378}"]) {
    assert.throws(() => normalizePassword(pw), (e) => e.class === "invalid_input" && e.reason === "unassigned_code_point", pw);
  }
  // Assigned in 14.0: kept, and NFC only (no OpaqueString mappings).
  const hex = (s) => Buffer.from(normalizePassword(s)).toString("hex");
  assert.equal(hex("\u{1F979}"), "f09fa5b9");
  assert.equal(hex("a\u00a0b\u3000c"), "61c2a062e38080" + "63");
  assert.equal(hex("\u200d\ufe0f"), "e2808defb88f");
  assert.equal(hex("\ufb01\uff21"), "efac81efbca1");
  assert.equal(hex("e\u0301"), "c3a9");
  assert.equal(hex("\ue000"), "ee8080"); // private use is assigned
});

test("SR-OP-17: the password comes before every other check of an operation", async () => {
  await rejects(Keyring.create("", { label: "x".repeat(65), kdf: { id: 9 }, policy: relaxed }), "invalid_input", "empty_password");
  await rejects(Keyring.create("ok", { label: "x".repeat(65), kdf: { id: 9 }, policy: relaxed }), "limit_exceeded", "label_too_long");
  const u = await Keyring.create("pw", { label: "l", ...fast });
  await rejects(u.changePassword(PW, 7, "", { kdf: { id: 9 } }), "invalid_input", "empty_password");
  await rejects(u.changePassword({ recoveryCode: "x" }, 7, "", { kdf: { id: 9 } }), "invalid_input", "recovery_code_format");
  await rejects(u.keyring.unlockSlot(7, { password: "" }, relaxed), "invalid_input", "empty_password");
  await rejects(u.keyring.unlockSlot(7, { recoveryCode: "x" }, relaxed), "invalid_input", "recovery_code_format");
});

test("KDF descriptors and policies from a dynamically typed caller (SPEC.md section 11 preamble)", async () => {
  const c = (kdf) => Keyring.create("pw", { kdf, policy: relaxed });
  for (const bad of [null, 1, "pbkdf2", [1, 2], { id: 3 }, { id: true, iterations: 2 }, { id: "1", iterations: 2 },
    { id: 1, name: "argon2id", iterations: 2 }, { iterations: 2 }]) {
    await rejects(c(bad), "unsupported_algorithm");
  }
  for (const bad of [{ id: 1, iterations: 2, memoryKib: 64 }, { id: 2, memoryKib: 64, timeCost: 1 }, { id: 1, iterations: 1.5 },
    { id: 1, iterations: true }, { id: 1, iterations: "2" }, { id: 2, memoryKib: 64, timeCost: 1, parallelism: NaN }]) {
    await rejects(c(bad), "kdf_params_out_of_bounds");
  }
  // 1.0 is the integer 1; an id alone means SR-KDF-5's defaults; a matching name is accepted.
  const u = await c({ id: 1.0, name: "pbkdf2-hmac-sha256", iterations: 2.0 });
  assert.deepEqual({ ...u.keyring.slots[0].kdf }, { id: 1, iterations: 2 });
  const bounds = { pbkdf2Iterations: [1, 2], argon2MemoryKib: [8, 64], argon2TimeCost: [1, 2], argon2Parallelism: [1, 2], maxUnlockWork: 1 };
  assert.throws(() => new UnlockPolicy({ ...bounds, extra: [1, 2] }), (e) => e.reason === "policy_invalid");
  assert.throws(() => new UnlockPolicy({ ...bounds, argon2TimeCost: [true, 2] }), (e) => e.reason === "policy_invalid");
  assert.ok(new UnlockPolicy({ ...bounds, argon2TimeCost: [1.0, 2] }));
});
