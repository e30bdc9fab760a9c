// Issue 14, keyring hardening (SPEC.md 6.3.1, 9.2, 9.3.1, 10, 11.2.1 to 11.14, 12.1), through the
// public API on both backends: secret keys and secret-key slots, skippable and critical slot kinds,
// the authentication key, pins and CheckPin, the unlock work budget and the preferred slot, and
// password changes that never silently weaken the KDF. Expected values are computed here with
// node:crypto from scripted draws, independently of src/, so a wrong label, order or encoding in
// the library fails a test.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, createHmac, pbkdf2Sync } from "node:crypto";
import { Keyring, UnlockPolicy, StrongroomError, SecretKey, DEFAULT_KDF } from "../src/index.js";
import { kdfCalls, ScriptedRandom, useBackend, withRandom } from "../src/testing.js";
import { exportSessionState, importSessionState } from "../src/keyring.js";
import { assembleKeyringBody } from "../src/format.js";
import { hex } from "../src/bytes.js";
import { formatRecoveryCode } from "../src/recovery-code.js";

const policy = (maxUnlockWork = 16_777_216) => new UnlockPolicy({
  pbkdf2Iterations: [1, 2_000_000],
  argon2MemoryKib: [8, 262_144],
  argon2TimeCost: [1, 8],
  argon2Parallelism: [1, 8],
  maxUnlockWork,
});
const relaxed = policy();
const FAST = { id: 1, iterations: 2 };
const ARGON = { id: 2, memoryKib: 64, timeCost: 1, parallelism: 1 };
const fast = { kdf: FAST, policy: relaxed };
const PW = { password: "pw" };
const te = new TextEncoder();

async function rejects(promise, cls, reason = null) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof StrongroomError, `expected StrongroomError, got ${e?.stack ?? e}`);
    assert.equal(e.class, cls);
    assert.equal(e.reason, reason);
    return true;
  });
}

function throwsSr(fn, cls, reason = null) {
  assert.throws(fn, (e) => e instanceof StrongroomError && e.class === cls && e.reason === reason);
}

// ---- Independent computations (node:crypto only) ------------------------------------------------

const hmac = (key, ...parts) => {
  const h = createHmac("sha256", key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const sha256 = (...parts) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const ONE = Uint8Array.of(1);
const hkdf = (ikm, salt, info) => hmac(hmac(salt, ikm), te.encode(info), ONE);
const cat = (...parts) => Uint8Array.from(parts.flatMap((p) => [...p]));
const bytes = (n, fill) => new Uint8Array(n).fill(fill);

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** SecretKeyCode of SPEC.md 12.1, with BigInt arithmetic rather than the library's bit loop. */
function expectedCode(secretKey) {
  const payload = cat(secretKey, sha256(te.encode("strongroom/v1/secret-key-code"), secretKey).subarray(0, 4));
  let n = BigInt(`0x${hex(payload)}`);
  const symbols = [];
  for (let i = 0; i < 32; i++) {
    symbols.unshift(CROCKFORD[Number(n & 31n)]);
    n >>= 5n;
  }
  const groups = [];
  for (let i = 0; i < 32; i += 4) groups.push(symbols.slice(i, i + 4).join(""));
  return `SK1-${groups.join("-")}`;
}

/** A keyring with the given slots, generation and a valid MAC under `dek` (SR-KEY-6). */
function forgeKeyring(dek, id, generation, slotBytesList) {
  const body = assembleKeyringBody(id, generation, slotBytesList);
  const mac = hmac(hkdf(dek, id, "strongroom/v1/keyring/mac-key"), body);
  return Keyring.fromBytes(cat(body, Uint8Array.of(0x06, 0x58, 0x20), mac));
}

/** CBOR unsigned integer head (major 0), enough for slot kinds. */
function uint(n) {
  if (n < 24) return Uint8Array.of(n);
  if (n < 256) return Uint8Array.of(0x18, n);
  if (n < 65536) return Uint8Array.of(0x19, n >> 8, n & 255);
  return Uint8Array.of(0x1a, (n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255);
}

/**
 * A slot of kind `kind` with the label "future", the given optional entries (keys 3 to 5, each as
 * [key, encoded value]) and keys 6 and 7: the generic shape of a skippable slot (SPEC.md 6.3).
 */
function futureSlot(kind, optional = [], extra = []) {
  const entries = [[1, uint(kind)], [2, cat(Uint8Array.of(0x66), te.encode("future"))], ...optional,
    [6, cat(Uint8Array.of(0x58, 0x30), bytes(48, 0xa6))], [7, cat(Uint8Array.of(0x58, 0x20), bytes(32, 0xa7))], ...extra];
  return cat(Uint8Array.of(0xa0 + entries.length), ...entries.map(([k, v]) => cat(Uint8Array.of(k), v)));
}

const ID = bytes(16, 0x11);
const DEK = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const SK = Uint8Array.from({ length: 16 }, (_, i) => 0xf0 + i);
const SALT = bytes(32, 0x5a);
const NONCE = bytes(12, 0x4e);

for (const backend of ["node", "webcrypto"]) {
  const t = (name, fn) => test(`${name} [${backend}]`, async () => {
    await useBackend(backend);
    await fn();
  });

  // ---- 12.1 Secret key codes -------------------------------------------------------------------

  t("SR-SK-1/3: secret key codes: exact encoding, lenient parse, format before check", async () => {
    const code = await SecretKey.format(SK);
    assert.equal(code, expectedCode(SK));
    assert.match(code, /^SK1(-[0-9A-HJKMNP-TV-Z]{4}){8}$/);
    assert.equal(code.length, 43);
    const { secretKey, code: fresh } = await SecretKey.generate();
    assert.ok(secretKey instanceof SecretKey);
    assert.match(fresh, /^SK1(-[0-9A-HJKMNP-TV-Z]{4}){8}$/);
    assert.equal(JSON.stringify({ secretKey }), '{"secretKey":"[SecretKey]"}');
    assert.equal(String(secretKey), "[SecretKey]");
    // Lenient: case, separators anywhere, O -> 0, I and L -> 1 (after the prefix only).
    const body = code.slice(4);
    for (const variant of [code.toLowerCase(), `SK1${body.replaceAll("-", "")}`, `s k 1 - ${body.replaceAll("-", " ")}`,
      `SK1-${body.replaceAll("0", "o").replaceAll("1", "l")}`, `SK1-${body.replaceAll("1", "I")}`]) {
      await SecretKey.parse(variant); // resolves: the check matched
    }
    // The three SR-SK-1 failures, format first.
    const bad = async (c, reason) => rejects(SecretKey.parse(c), "invalid_input", reason);
    await bad(body, "secret_key_format"); // no prefix
    await bad(`SKI-${body}`, "secret_key_format"); // the look-alike mapping is not for the prefix
    await bad(`SK2-${body}`, "secret_key_format");
    await bad(code.slice(0, -1), "secret_key_format"); // 31 symbols
    await bad(`${code}0`, "secret_key_format"); // 33 symbols
    await bad(`${code.slice(0, -1)}U`, "secret_key_format"); // U is not in the alphabet
    await bad(`${code.slice(0, -1)}\u0130`, "secret_key_format"); // non-ASCII
    await bad(code.replace(/-/, "\t"), "secret_key_format"); // other whitespace
    await bad("", "secret_key_format");
    // A recovery code is not a secret key code, and a secret key code is not a recovery code.
    await bad(`SK1-${"0".repeat(56)}`, "secret_key_format");
    const flipped = code.slice(0, 5) + (code[5] === "A" ? "B" : "A") + code.slice(6);
    await bad(flipped, "secret_key_check");
    await bad(`SK1-${body.slice(0, -1)}${body.at(-1) === "0" ? "1" : "0"}`, "secret_key_check");
    await assert.rejects(SecretKey.parse(42), TypeError);
    assert.throws(() => SecretKey.format(new Uint8Array(15)), TypeError);
    assert.throws(() => new SecretKey(), TypeError);
  });

  // ---- 11.2.1, 9.2 Create with a secret key ------------------------------------------------------

  t("SR-OP-19, SR-KEY-16: createWithSecretKey draws id, DEK, secret key, salt, nonce; the slot is kind 64", async () => {
    const rng = new ScriptedRandom([ID, DEK, SK, SALT, NONCE]);
    const { unlocked, secretKey, secretKeyCode } = await withRandom(rng, () =>
      Keyring.createWithSecretKey("pw", { label: "laptop", kdf: { id: 1, iterations: 3 }, policy: relaxed }));
    assert.equal(rng.remaining(), 0);
    assert.ok(secretKey instanceof SecretKey);
    assert.equal(secretKeyCode, expectedCode(SK));
    assert.equal(unlocked.slotIndex, 0);
    const slot = unlocked.keyring.slots[0];
    assert.equal(slot.kind, "secret-key");
    assert.equal(slot.kindValue, 64);
    assert.deepEqual({ ...slot.kdf }, { id: 1, iterations: 3 });
    // Key 1 is kind 64, encoded as 18 40 (SPEC.md 6.3).
    assert.equal(hex(slot.bytes.subarray(0, 4)), "a7011840");
    // The commitment, from KEK = HKDF-Expand(HKDF-Extract(salt = SK, IKM = KDF(P)), label, 32).
    const kekP = new Uint8Array(pbkdf2Sync("pw", SALT, 3, 32, "sha256"));
    const kek = hmac(hmac(SK, kekP), te.encode("strongroom/v1/secret-key-slot/kek"), ONE);
    assert.equal(hex(slot.commitment), hex(hkdf(kek, ID, "strongroom/v1/secret-key-slot/commitment")));
    // The wrapped DEK opens under the secret-key wrap label and nothing else.
    const { createDecipheriv } = await import("node:crypto");
    const wrapKey = hkdf(kek, ID, "strongroom/v1/secret-key-slot/wrap-key");
    const b = slot.bytes;
    const d = createDecipheriv("aes-256-gcm", wrapKey, NONCE);
    d.setAAD(cat(Uint8Array.of(0x50), ID, b.subarray(0, b.length - 86)));
    d.setAuthTag(slot.wrappedDek.subarray(32));
    assert.equal(hex(cat(d.update(slot.wrappedDek.subarray(0, 32)), d.final())), hex(DEK));
  });

  // ---- 11.3.1 and 11.4 Unlock with a password and a secret key -------------------------------------

  t("SR-OP-20: unlockWithSecretKey needs both secrets; unlock never tries a secret-key slot", async () => {
    const { unlocked, secretKey, secretKeyCode } = await Keyring.createWithSecretKey("pw", { label: "l", ...fast });
    const record = await unlocked.seal("entry", "ctx");
    const k = Keyring.fromBytes(unlocked.keyring.toBytes());
    // With a SecretKey and with the code.
    for (const sk of [secretKey, secretKeyCode, secretKeyCode.toLowerCase()]) {
      const u = await k.unlockWithSecretKey("pw", sk, relaxed);
      assert.equal(u.slotIndex, 0);
      assert.equal(new TextDecoder().decode(await u.open(record, "ctx")), "entry");
    }
    const other = (await SecretKey.generate()).secretKey;
    let n = kdfCalls();
    await rejects(k.unlockWithSecretKey("pw", other, relaxed), "unlock_failed");
    await rejects(k.unlockWithSecretKey("wrong", secretKey, relaxed), "unlock_failed");
    assert.equal(kdfCalls(), n + 2);
    // No slot of the credential's kind: unlock_failed before any KDF.
    const plain = (await Keyring.create("pw", fast)).keyring;
    n = kdfCalls();
    await rejects(k.unlock("pw", relaxed), "unlock_failed");
    await rejects(plain.unlockWithSecretKey("pw", secretKey, relaxed), "unlock_failed");
    // A bad code fails at step 1, before any KDF.
    await rejects(k.unlockWithSecretKey("pw", "SK1-0000", relaxed), "invalid_input", "secret_key_format");
    assert.equal(kdfCalls(), n);
    // The password comes first (SR-OP-17, SR-OP-20): an empty password wins over a bad code.
    await rejects(k.unlockWithSecretKey("", "nonsense", relaxed), "invalid_input", "empty_password");
    await assert.rejects(k.unlockWithSecretKey("pw", 42, relaxed), TypeError);
    await assert.rejects(k.unlockWithSecretKey("pw", secretKey, relaxed, { bogus: 1 }), TypeError);
  });

  t("SR-OP-3: unlockSlot with {password, secretKey}; the credential must match the slot's kind", async () => {
    const { unlocked, secretKey } = await Keyring.createWithSecretKey("pw", { label: "l", ...fast });
    await unlocked.addPasswordSlot({ password: "pw", secretKey }, "plain", { label: "p", kdf: FAST });
    const k = unlocked.keyring;
    assert.deepEqual(k.slots.map((s) => s.kind), ["secret-key", "password"]);
    assert.equal((await k.unlockSlot(0, { password: "pw", secretKey }, relaxed)).slotIndex, 0);
    assert.equal((await k.unlockSlot(1, { password: "plain" }, relaxed)).slotIndex, 1);
    const n = kdfCalls();
    await rejects(k.unlockSlot(0, { password: "pw" }, relaxed), "invalid_input", "wrong_slot_kind");
    await rejects(k.unlockSlot(1, { password: "plain", secretKey }, relaxed), "invalid_input", "wrong_slot_kind");
    assert.equal(kdfCalls(), n);
    await rejects(k.unlockSlot(0, { password: "wrong", secretKey }, relaxed), "unlock_failed");
    await assert.rejects(k.unlockSlot(0, { secretKey }, relaxed), TypeError);
    await assert.rejects(k.unlockSlot(0, { recoveryCode: "x", secretKey }, relaxed), TypeError);
  });

  // ---- 11.7.1 Add a secret-key slot; credentials with a secret key ------------------------------------

  t("SR-OP-21: addSecretKeySlot; {password, secretKey} authorizes changes; changePassword refuses the slot", async () => {
    const u = await Keyring.create("pw", { label: "p", ...fast });
    const { secretKey, code } = await SecretKey.generate();
    const k1 = await u.addSecretKeySlot(PW, "pw2", secretKey, { label: "device", kdf: FAST });
    assert.equal(k1.slots[1].kind, "secret-key");
    assert.equal(k1.slots[1].label, "device");
    assert.equal((await k1.unlockWithSecretKey("pw2", code, relaxed)).slotIndex, 1);
    // Another slot with the same secret key (one emergency kit), given as its code.
    const k2 = await u.addSecretKeySlot({ password: "pw2", secretKey }, "pw3", code, { kdf: FAST });
    assert.equal((await k2.unlockWithSecretKey("pw3", secretKey, relaxed)).slotIndex, 2);
    // A secret-key credential opens only secret-key slots.
    await rejects(u.removeSlot({ password: "pw", secretKey }, 0), "unlock_failed");
    const n = kdfCalls();
    await rejects(u.changePassword(PW, 1, "x", { kdf: FAST }), "invalid_input", "wrong_slot_kind");
    await rejects(u.addSecretKeySlot(PW, "x", "SK1-XXXX", { kdf: FAST }), "invalid_input", "secret_key_format");
    assert.equal(kdfCalls(), n);
    const k3 = await u.removeSlot({ password: "pw2", secretKey }, 0);
    assert.deepEqual(k3.slots.map((s) => s.kind), ["secret-key", "secret-key"]);
    await assert.rejects(u.addSecretKeySlot(PW, "x", undefined), TypeError);
  });

  // ---- 6.3.1 Skippable and critical slot kinds ---------------------------------------------------------

  t("SR-OBJ-7, SR-OP-18: a skippable slot of an unknown kind is kept byte for byte, never tried, removable, not changeable", async () => {
    const created = await withRandom(new ScriptedRandom([ID, DEK, SALT, NONCE]), () => Keyring.create("pw", { label: "p", ...fast }));
    const pwSlot = created.keyring.slots[0].bytes;
    const future = futureSlot(65, [[3, Uint8Array.of(0x19, 0x01, 0x00)], [5, Uint8Array.of(0x61, 0x78)]]);
    const k = forgeKeyring(DEK, ID, 7, [future, pwSlot]);
    assert.equal(k.slots[0].kind, "unknown");
    assert.equal(k.slots[0].kindValue, 65);
    assert.equal(k.slots[0].label, "future");
    assert.equal(k.slots[0].kdf, null);
    assert.equal(k.slots[0].salt, null);
    assert.equal(k.slots[0].nonce, null);
    assert.equal(hex(k.slots[0].bytes), hex(future));
    assert.equal(hex(Keyring.fromText(k.toText()).toBytes()), hex(k.toBytes()));
    // Unlock tries only the password slot: one KDF.
    let n = kdfCalls();
    const u = await k.unlock("pw", relaxed);
    assert.equal(kdfCalls(), n + 1);
    assert.equal(u.slotIndex, 1);
    n = kdfCalls();
    await rejects(k.unlockSlot(0, PW, relaxed), "invalid_input", "wrong_slot_kind");
    await rejects(k.unlockSlot(0, { recoveryCode: await formatRecoveryCode(bytes(32, 9)) }, relaxed), "invalid_input", "wrong_slot_kind");
    await rejects(u.changePassword(PW, 0, "x", { kdf: FAST }), "invalid_input", "wrong_slot_kind");
    assert.equal(kdfCalls(), n);
    // Kept byte for byte by every change, under the new MAC.
    const added = await u.addPasswordSlot(PW, "pw2", { kdf: FAST });
    assert.equal(hex(added.slots[0].bytes), hex(future));
    assert.equal(added.generation, 8);
    const { keyring: withRecovery } = await u.addRecoverySlot(PW);
    assert.equal(hex(withRecovery.slots[0].bytes), hex(future));
    await Keyring.fromBytes(withRecovery.toBytes()).unlock("pw2", relaxed); // MAC covers it
    const removed = await u.removeSlot(PW, 0);
    assert.deepEqual(removed.slots.map((s) => s.kind), ["password", "password", "recovery"]);
    assert.equal(u.slotIndex, 0); // kept pointing at the slot that opened
  });

  t("SR-OBJ-7: the generic shape of a skippable slot, critical kinds, kinds above 65,535", () => {
    const ok = (slot) => forgeKeyring(DEK, ID, 0, [slot]).slots[0];
    assert.equal(ok(futureSlot(65)).kindValue, 65); // keys 3, 4, 5 all absent
    assert.equal(ok(futureSlot(65_535, [[4, Uint8Array.of(0x40)]])).kindValue, 65_535);
    assert.equal(ok(futureSlot(1000, [[3, Uint8Array.of(0x00)], [4, Uint8Array.of(0x60)], [5, Uint8Array.of(0x80)]])).kindValue, 1000);
    const bad = (slot, cls, reason = null) => throwsSr(() => forgeKeyring(DEK, ID, 0, [slot]), cls, reason);
    bad(futureSlot(65_536), "malformed", "value_out_of_range");
    bad(futureSlot(2 ** 32 - 1), "malformed", "value_out_of_range");
    const kind64bit = futureSlot(65).slice();
    bad(cat(kind64bit.subarray(0, 2), Uint8Array.of(0x1b, 0, 0, 0, 1, 0, 0, 0, 0x41), kind64bit.subarray(4)), "malformed", "value_out_of_range");
    for (const critical of [0, 3, 4, 63]) bad(futureSlot(critical), "unsupported_algorithm");
    bad(futureSlot(65, [], [[8, Uint8Array.of(0x00)]]), "malformed", "unknown_key");
    // Keys 6 and 7 are required; key 2 too.
    const noCommitment = cat(Uint8Array.of(0xa3, 0x01, 0x18, 0x41, 0x02, 0x60, 0x06, 0x58, 0x30), bytes(48, 1));
    bad(noCommitment, "malformed", "missing_key");
    const noLabel = cat(Uint8Array.of(0xa3, 0x01, 0x18, 0x41, 0x06, 0x58, 0x30), bytes(48, 1), Uint8Array.of(0x07, 0x58, 0x20), bytes(32, 2));
    bad(noLabel, "malformed", "missing_key");
    // Values of keys 3 to 5 are checked by the profile only: a float is still forbidden.
    bad(futureSlot(65, [[3, Uint8Array.of(0xf9, 0x00, 0x00)]]), "malformed", "forbidden_major_type");
    bad(futureSlot(65, [[4, Uint8Array.of(0x20)]]), "malformed", "forbidden_major_type");
    assert.equal(ok(futureSlot(65, [[5, Uint8Array.of(0x81, 0x00)]])).kindValue, 65); // a scalar at depth 5
    bad(futureSlot(65, [[5, Uint8Array.of(0x81, 0x80)]]), "malformed", "nesting_too_deep"); // an array at depth 5
    // A secret-key slot (implemented) follows its own schema: key 3 is required.
    const sk = cat(Uint8Array.of(0xa6, 0x01, 0x18, 0x40, 0x02, 0x60, 0x04, 0x58, 0x20), bytes(32, 1),
      Uint8Array.of(0x05, 0x4c), bytes(12, 2), Uint8Array.of(0x06, 0x58, 0x30), bytes(48, 3), Uint8Array.of(0x07, 0x58, 0x20), bytes(32, 4));
    bad(sk, "malformed", "missing_key");
  });

  // ---- 9.3.1, 11.14 The authentication key -----------------------------------------------------------

  t("SR-KEY-15: authTag is HMAC-SHA256 under HKDF(DEK, id, auth-key label); 16 MiB at most; survives a session", async () => {
    const u = await withRandom(new ScriptedRandom([ID, DEK, SALT, NONCE]), () => Keyring.create("pw", fast));
    const authKey = hkdf(DEK, ID, "strongroom/v1/auth-key");
    assert.equal(hex(await u.authTag("GET /records")), hex(hmac(authKey, te.encode("GET /records"))));
    assert.equal(hex(await u.authTag(new Uint8Array(0))), hex(hmac(authKey, new Uint8Array(0))));
    // Not the MAC key, not the record root.
    assert.notEqual(hex(authKey), hex(hkdf(DEK, ID, "strongroom/v1/keyring/mac-key")));
    const max = new Uint8Array(16 * 1024 * 1024);
    assert.equal((await u.authTag(max)).length, 32);
    await rejects(u.authTag(new Uint8Array(16 * 1024 * 1024 + 1)), "limit_exceeded", "plaintext_too_large");
    await assert.rejects(u.authTag(42), TypeError);
    const again = await Keyring.fromBytes(u.keyring.toBytes()).unlock("pw", relaxed);
    assert.equal(hex(await again.authTag("x")), hex(hmac(authKey, te.encode("x"))));
    const resumed = await importSessionState(u.keyring, exportSessionState(u), relaxed);
    assert.equal(hex(await resumed.authTag("x")), hex(hmac(authKey, te.encode("x"))));
  });

  // ---- 11.12 Pins --------------------------------------------------------------------------------------

  t("SR-PIN-1: pin() and checkPin: replaced, rollback, fork, generation jump (64 allowed, 65 not), acceptJump", async () => {
    const u = await Keyring.create("pw", { label: "l", ...fast });
    const k0 = u.keyring;
    const pin0 = await u.pin();
    assert.deepEqual(Object.keys(pin0).sort(), ["digest", "generation", "keyringId", "preferred"]);
    assert.equal(pin0.keyringId, hex(k0.id));
    assert.equal(pin0.generation, 0);
    assert.equal(pin0.digest, hex(sha256(k0.toBytes())));
    assert.deepEqual(pin0.preferred, { salt: hex(k0.slots[0].salt), commitment: hex(k0.slots[0].commitment) });
    assert.deepEqual(await k0.pin(), { keyringId: pin0.keyringId, generation: 0, digest: pin0.digest });
    const stored = JSON.parse(JSON.stringify(pin0)); // a pin survives JSON
    await k0.checkPin(stored);
    // A newer generation passes; the old one is a rollback from the new pin.
    const k1 = await u.addPasswordSlot(PW, "pw2", { kdf: FAST });
    await k1.checkPin(stored);
    const pin1 = await u.pin();
    await rejects(k0.checkPin(pin1), "history_violation", "keyring_rollback");
    // A fork: another keyring of the same generation and id.
    const v = await Keyring.fromBytes(k0.toBytes()).unlock("pw", relaxed);
    const fork = await v.addRecoverySlot(PW);
    assert.equal(fork.keyring.generation, 1);
    await rejects(fork.keyring.checkPin(pin1), "history_violation", "keyring_fork");
    // Another keyring for this id.
    const other = (await Keyring.create("pw", fast)).keyring;
    await rejects(other.checkPin(pin1), "history_violation", "keyring_replaced");
    // The jump bound (SR-PIN-3): up to 64 above the pin passes, 65 needs a confirmation.
    const slot = k0.slots[0].bytes;
    const d = await withRandom(new ScriptedRandom([ID, DEK, SALT, NONCE]), () => Keyring.create("pw", fast));
    const base = await d.pin();
    const jumped64 = forgeKeyring(DEK, ID, 64, [d.keyring.slots[0].bytes]);
    const jumped65 = forgeKeyring(DEK, ID, 65, [d.keyring.slots[0].bytes]);
    await jumped64.checkPin(base);
    await rejects(jumped65.checkPin(base), "history_violation", "keyring_generation_jump");
    await jumped65.checkPin(base, { acceptJump: true });
    const huge = forgeKeyring(DEK, ID, 2 ** 53 - 1, [d.keyring.slots[0].bytes]);
    await rejects(huge.checkPin(base), "history_violation", "keyring_generation_jump");
    assert.ok(slot.length > 0);
    // Order: replaced before rollback before fork.
    const otherOld = forgeKeyring(DEK, bytes(16, 0x22), 0, [d.keyring.slots[0].bytes]);
    await rejects(otherOld.checkPin({ ...base, generation: 5 }), "history_violation", "keyring_replaced");
    // Pins come from the client's own storage: a malformed one is a TypeError.
    for (const bad of [null, {}, { ...pin0, keyringId: "xyz" }, { ...pin0, generation: -1 }, { ...pin0, generation: 1.5 },
      { ...pin0, digest: "00" }, { ...pin0, preferred: { salt: "00" } }]) {
      await assert.rejects(k0.checkPin(bad), TypeError);
    }
    await assert.rejects(k0.checkPin(pin0, { acceptJump: "yes" }), TypeError);
    const err = await k0.checkPin(pin1).catch((e) => e);
    assert.match(err.message, /older or different keyring/);
  });

  t("SR-PIN-1: unlock with a pin checks it before any KDF and tries the pinned slot first", async () => {
    const u = await Keyring.create("a", { label: "a", ...fast });
    await u.addPasswordSlot({ password: "a" }, "b", { label: "b", kdf: FAST });
    const k = await u.addPasswordSlot({ password: "a" }, "c", { label: "c", kdf: FAST });
    const uc = await k.unlock("c", relaxed);
    assert.equal(uc.slotIndex, 2);
    const pin = await uc.pin();
    assert.deepEqual(pin.preferred, { salt: hex(k.slots[2].salt), commitment: hex(k.slots[2].commitment) });
    let n = kdfCalls();
    const again = await k.unlock("c", relaxed, { pin });
    assert.equal(kdfCalls(), n + 1); // the pinned slot first: one KDF, not three
    assert.equal(again.slotIndex, 2);
    // A history violation fails before any KDF, for every unlock.
    const older = (await Keyring.fromBytes(k.toBytes()).unlock("a", relaxed));
    const newer = await older.removeSlot({ password: "a" }, 1);
    const newPin = await older.pin();
    assert.equal(newPin.generation, newer.generation);
    n = kdfCalls();
    await rejects(k.unlock("c", relaxed, { pin: newPin }), "history_violation", "keyring_rollback");
    await rejects(k.unlockSlot(2, { password: "c" }, relaxed, { pin: newPin }), "history_violation", "keyring_rollback");
    const { recoveryCode } = await uc.addRecoverySlot({ password: "c" });
    await rejects(k.unlockWithRecovery(recoveryCode, relaxed, { pin: newPin }), "history_violation", "keyring_rollback");
    assert.equal(kdfCalls(), n + 1); // only addRecoverySlot's authorization ran a KDF
    await assert.rejects(k.unlock("c", relaxed, { pin, preferred: pin.preferred }), TypeError);
    await assert.rejects(k.unlock("c", relaxed, { acceptJump: true }), TypeError);
  });

  // ---- 10 and 11.3 Unlock work and the preferred slot ------------------------------------------------------

  t("SR-POL-5/7: maxUnlockWork is required, 1 to 2^40; work(PBKDF2) = iterations, work(Argon2id) = 8 m t", async () => {
    assert.equal(UnlockPolicy.default().maxUnlockWork, 16_777_216);
    assert.equal(policy(1).maxUnlockWork, 1);
    assert.equal(policy(2 ** 40).maxUnlockWork, 2 ** 40);
    for (const bad of [0, -1, 2 ** 40 + 1, 1.5, NaN, "8", null, 2n, [1]]) {
      throwsSr(() => policy(bad), "invalid_input", "policy_invalid");
    }
    // Missing: no default is filled in (SPEC.md section 11's preamble).
    const { maxUnlockWork: _, ...fourPairs } = { ...UnlockPolicy.default() };
    throwsSr(() => new UnlockPolicy(fourPairs), "invalid_input", "policy_invalid");
    throwsSr(() => new UnlockPolicy({ ...fourPairs, maxUnlockWork: undefined }), "invalid_input", "policy_invalid");
    // Budget exactly the work passes, one less fails, before any KDF.
    const p = await Keyring.create("pw", { kdf: { id: 1, iterations: 1000 }, policy: relaxed });
    const a = await Keyring.create("pw", { kdf: ARGON, policy: relaxed }); // 8 x 64 x 1 = 512
    const a2 = await Keyring.create("pw", { kdf: { id: 2, memoryKib: 64, timeCost: 2, parallelism: 2 }, policy: relaxed }); // 1,024
    const sk = await Keyring.createWithSecretKey("pw", { kdf: ARGON, policy: relaxed });
    const n = kdfCalls();
    await rejects(p.keyring.unlock("pw", policy(999)), "limit_exceeded", "unlock_work_exceeded");
    await rejects(a.keyring.unlock("pw", policy(511)), "limit_exceeded", "unlock_work_exceeded");
    await rejects(a2.keyring.unlock("pw", policy(1023)), "limit_exceeded", "unlock_work_exceeded");
    await rejects(sk.unlocked.keyring.unlockWithSecretKey("pw", sk.secretKey, policy(511)), "limit_exceeded", "unlock_work_exceeded");
    assert.equal(kdfCalls(), n);
    await p.keyring.unlock("pw", policy(1000));
    await a.keyring.unlock("pw", policy(512));
    await a2.keyring.unlock("pw", policy(1024)); // parallelism does not count
    await sk.unlocked.keyring.unlockWithSecretKey("pw", sk.secretKey, policy(512));
    // unlockSlot tries one slot, checked by the policy alone (SPEC.md 10): no budget.
    await p.keyring.unlockSlot(0, PW, policy(1));
    // The policy check comes first: out_of_policy wins over the budget.
    const strict = new UnlockPolicy({ ...UnlockPolicy.default(), maxUnlockWork: 1 });
    await rejects(p.keyring.unlock("pw", strict), "out_of_policy");
  });

  t("SR-POL-7, SR-OP-2: the budget covers every slot tried; a preferred slot is checked alone, the rest after it fails", async () => {
    const u = await Keyring.create("a", { label: "a", kdf: { id: 1, iterations: 1000 }, policy: relaxed });
    await u.addPasswordSlot({ password: "a" }, "b", { kdf: { id: 1, iterations: 1000 } });
    const k = await u.addPasswordSlot({ password: "a" }, "c", { kdf: { id: 1, iterations: 1000 } });
    const pref = { salt: k.slots[2].salt, commitment: k.slots[2].commitment };
    let n = kdfCalls();
    // Three slots: 3,000 units.
    await rejects(k.unlock("c", policy(2999)), "limit_exceeded", "unlock_work_exceeded");
    assert.equal(kdfCalls(), n);
    assert.equal((await k.unlock("c", policy(3000))).slotIndex, 2);
    assert.equal(kdfCalls(), n + 3);
    // The preferred slot alone needs 1,000: it opens with a budget of 1,000, in one KDF.
    n = kdfCalls();
    assert.equal((await k.unlock("c", policy(1000), { preferred: pref })).slotIndex, 2);
    assert.equal(kdfCalls(), n + 1);
    // Preferred but the wrong password: the other two (2,000) must fit in what is left.
    n = kdfCalls();
    await rejects(k.unlock("a", policy(2999), { preferred: pref }), "limit_exceeded", "unlock_work_exceeded");
    assert.equal(kdfCalls(), n + 1);
    assert.equal((await k.unlock("a", policy(3000), { preferred: pref })).slotIndex, 0);
    await rejects(k.unlock("c", policy(999), { preferred: pref }), "limit_exceeded", "unlock_work_exceeded");
    // Hex strings work too (the form a stored pin keeps); a preferred slot not in the keyring is ignored.
    n = kdfCalls();
    await k.unlock("c", relaxed, { preferred: { salt: hex(pref.salt), commitment: hex(pref.commitment) } });
    assert.equal(kdfCalls(), n + 1);
    n = kdfCalls();
    await rejects(k.unlock("c", policy(2999), { preferred: { salt: bytes(32, 0), commitment: bytes(32, 0) } }),
      "limit_exceeded", "unlock_work_exceeded");
    assert.equal(kdfCalls(), n);
    await assert.rejects(k.unlock("c", relaxed, { preferred: { salt: bytes(31, 0), commitment: pref.commitment } }), TypeError);
  });

  t("slotIndex: the slot that opened, for every unlock, kept across removals", async () => {
    const u = await Keyring.create("a", { label: "a", ...fast });
    assert.equal(u.slotIndex, 0);
    const { keyring, recoveryCode } = await u.addRecoverySlot({ password: "a" });
    const k = await u.addPasswordSlot({ password: "a" }, "b", { kdf: FAST });
    assert.equal((await k.unlock("b", relaxed)).slotIndex, 2);
    assert.equal((await k.unlockWithRecovery(recoveryCode, relaxed)).slotIndex, 1);
    assert.equal((await keyring.unlockSlot(1, { recoveryCode }, relaxed)).slotIndex, 1);
    const v = await k.unlock("b", relaxed);
    await v.removeSlot({ password: "b" }, 0);
    assert.equal(v.slotIndex, 1);
    await v.removeSlot({ password: "b" }, 1);
    assert.equal(v.slotIndex, null);
    assert.equal((await v.pin()).preferred, undefined);
  });

  // ---- 8 SR-KDF-8 Never weaker ----------------------------------------------------------------------------

  t("SR-KDF-8: changePassword refuses a weaker KDF before any draw or KDF, unless allowWeakerKdf", async () => {
    const cases = [
      [{ id: 1, iterations: 1000 }, { id: 1, iterations: 999 }, true],
      [{ id: 1, iterations: 1000 }, { id: 1, iterations: 1000 }, false],
      [{ id: 1, iterations: 1000 }, ARGON, false], // PBKDF2 to Argon2id is never weaker
      [ARGON, { id: 1, iterations: 1_000_000 }, true], // Argon2id to PBKDF2 always is
      [{ id: 2, memoryKib: 64, timeCost: 2, parallelism: 2 }, { id: 2, memoryKib: 56, timeCost: 2, parallelism: 2 }, true],
      [{ id: 2, memoryKib: 64, timeCost: 2, parallelism: 2 }, { id: 2, memoryKib: 64, timeCost: 1, parallelism: 2 }, true],
      [{ id: 2, memoryKib: 64, timeCost: 2, parallelism: 2 }, { id: 2, memoryKib: 64, timeCost: 2, parallelism: 1 }, false],
      [{ id: 2, memoryKib: 64, timeCost: 2, parallelism: 2 }, { id: 2, memoryKib: 128, timeCost: 1, parallelism: 2 }, true],
    ];
    for (const [from, to, weaker] of cases) {
      const u = await Keyring.create("pw", { kdf: from, policy: relaxed });
      const before = u.keyring.toBytes();
      if (weaker) {
        const n = kdfCalls();
        const rng = new ScriptedRandom([]);
        await withRandom(rng, () => rejects(u.changePassword(PW, 0, "new", { kdf: to }), "invalid_input", "weaker_kdf"));
        assert.equal(kdfCalls(), n, `${JSON.stringify(from)} -> ${JSON.stringify(to)}`);
        assert.deepEqual(u.keyring.toBytes(), before);
        await u.changePassword(PW, 0, "new", { kdf: to, allowWeakerKdf: true });
      } else {
        await u.changePassword(PW, 0, "new", { kdf: to, allowWeakerKdf: false });
      }
      assert.deepEqual({ ...u.keyring.slots[0].kdf }, { ...to });
    }
    // Order: kind, then CheckNewKdf, then weaker_kdf, then the generation.
    const u = await Keyring.create("pw", { kdf: { id: 1, iterations: 1000 }, policy: relaxed });
    await u.addRecoverySlot(PW);
    await rejects(u.changePassword(PW, 1, "x", { kdf: { id: 1, iterations: 1 } }), "invalid_input", "wrong_slot_kind");
    await rejects(u.changePassword(PW, 0, "x", { kdf: { id: 1, iterations: 0 } }), "kdf_params_out_of_bounds");
    await assert.rejects(u.changePassword(PW, 0, "x", { kdf: FAST, allowWeakerKdf: 1 }), TypeError);
    // Without a KDF: SR-KDF-5's default, which is stronger than 1,000 iterations.
    await u.changePassword(PW, 0, "y");
    assert.deepEqual({ ...u.keyring.slots[0].kdf }, { ...DEFAULT_KDF });
  });
}

test("history_violation carries its reason like the other reason classes", () => {
  const e = new StrongroomError("history_violation", "keyring_fork");
  assert.equal(e.class, "history_violation");
  assert.equal(e.reason, "keyring_fork");
  assert.match(e.message, /keyring_fork/);
});
