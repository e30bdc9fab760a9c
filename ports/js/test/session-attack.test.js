// SR-WEB-1, SR-WEB-2, SR-WEB-4: plays the attacker of SPEC.md section 19.1 against a saved
// session in headless Chromium. It reads everything the session stores straight from IndexedDB,
// adds everything the server holds (the keyring's and a record's public fields), and tries every
// route of test/browser/attacker.js (export, decrypt and unwrap, GCM keystream reuse, HKDF with
// every label of SPEC.md, HMAC sign). The test fails if any route yields the DEK, the keyring MAC
// key, the record root's or the authentication key's bytes, or forges the keyring MAC. The same
// origin also keeps a secret key (strongroom/storage's saveSecretKey, SPEC.md 19.1): the attacker
// gets that database as well, and must not get the secret key's bytes out of it either.
//
// A control run proves the routes work: the same attacker, given a session laid out as version 1
// of strongroom/storage stored it (the DEK key plus the unlocked slot's wrap key, nonce, AAD and
// wrapped DEK), must recover the DEK and the MAC key.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { startServer } from "./server.js";
import { launchChromium, requireChromium } from "./support/chromium.js";

const here = path.dirname(fileURLToPath(import.meta.url));
let server;
let browser;

before(async () => {
  requireChromium();
  server = await startServer({ port: 0 });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Every HKDF label SPEC.md names (section 9.1 and any other `strongroom.../...` string). */
async function specLabels() {
  const spec = await readFile(path.join(here, "..", "..", "..", "SPEC.md"), "utf8");
  const found = new Set(spec.match(/strongroom(?:-conformance)?\/[a-z0-9/-]+/g));
  return [...found].sort();
}

test("a saved session yields neither the DEK nor the MAC key by any WebCrypto route (SR-WEB-1, SR-WEB-2)", { timeout: 600_000 }, async () => {
  const labels = await specLabels();
  assert.ok(labels.includes("strongroom/v1/keyring/mac-key") && labels.includes("strongroom/v1/record/root-key"), `labels: ${labels}`);
  const page = await browser.newPage();
  page.on("pageerror", (e) => console.log(`[chromium] ${e}`));
  await page.goto(server.url + "/ports/js/test/browser/harness.html");
  const result = await page.evaluate(async (labels) => {
    const sr = await import("/ports/js/src/index.js");
    const storage = await import("/ports/js/src/storage.js");
    const testing = await import("/ports/js/src/testing.js");
    const { attack, readDatabase } = await import("/ports/js/test/browser/attacker.js");
    const subtle = crypto.subtle;
    const te = new TextEncoder();
    const hex = (u8) => Array.from(new Uint8Array(u8), (b) => b.toString(16).padStart(2, "0")).join("");

    // A keyring whose DEK the test knows (scripted draws: id, DEK, salt, nonce).
    const keyringId = crypto.getRandomValues(new Uint8Array(16));
    const dek = crypto.getRandomValues(new Uint8Array(32));
    const policy = new sr.UnlockPolicy({ pbkdf2Iterations: [1, 2_000_000], argon2MemoryKib: [8, 262_144], argon2TimeCost: [1, 8], argon2Parallelism: [1, 8], maxUnlockWork: 16_777_216 });
    const random = new testing.ScriptedRandom([keyringId, dek, crypto.getRandomValues(new Uint8Array(32)), crypto.getRandomValues(new Uint8Array(12))]);
    const unlocked = await testing.withRandom(random, () => sr.Keyring.create("pw", { label: "l", kdf: { id: 1, iterations: 2 }, policy }));
    // A secret-key slot whose secret key (known to the test) the origin keeps in IndexedDB.
    const secretKeyBytes = crypto.getRandomValues(new Uint8Array(16));
    const { secretKey } = await testing.withRandom(new testing.ScriptedRandom([Uint8Array.from(secretKeyBytes)]), () => sr.SecretKey.generate());
    await unlocked.addSecretKeySlot({ password: "pw" }, "pw-sk", secretKey, { label: "sk", kdf: { id: 1, iterations: 2 } });
    await storage.saveSecretKey("attack", secretKey);
    const { recoveryCode } = await unlocked.addRecoverySlot({ password: "pw" }, { label: "r" });
    const record = await unlocked.seal("entry", "log:1");
    await storage.saveSession("attack", unlocked);
    const keyring = unlocked.keyring;

    // What must not come out, computed from the known DEK.
    const dekKey = await subtle.importKey("raw", dek, "HKDF", false, ["deriveBits"]);
    const hkdf = (salt, info) => subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info: te.encode(info) }, dekKey, 256);
    const macKey = new Uint8Array(await hkdf(keyringId, "strongroom/v1/keyring/mac-key"));
    const recordRoot = new Uint8Array(await hkdf(keyringId, "strongroom/v1/record/root-key"));
    const authKey = new Uint8Array(await hkdf(keyringId, "strongroom/v1/auth-key"));
    const logKey = new Uint8Array(await hkdf(keyringId, "strongroom/v1/log/checkpoint-key"));
    const secrets = {
      DEK: hex(dek), "MAC key": hex(macKey), "record root": hex(recordRoot), "auth key": hex(authKey), "log key": hex(logKey),
      "secret key": hex(secretKeyBytes),
    };

    // What the server holds, which the attacker has as well.
    const server = {
      slots: keyring.slots.map((s) => ({ salt: s.salt, nonce: s.nonce, wrappedDek: s.wrappedDek, commitment: s.commitment, bytes: s.bytes })),
      record: { salt: record.salt, nonce: record.nonce, commitment: record.commitment, ciphertext: record.ciphertext },
    };
    const kb = keyring.toBytes();
    const common = { labels, keyringId, macInput: kb.subarray(0, kb.length - 35), mac: keyring.mac, secrets };

    const stored = { sessions: await readDatabase("strongroom-sessions"), secretKeys: await readDatabase("strongroom-secret-keys") };
    const current = await attack({ loot: { stored, server }, ...common });

    // Control: the layout version 1 stored (DEK key, plus the unlocked slot's wrap key with
    // encrypt/decrypt/unwrapKey, its nonce, AAD and wrapped DEK).
    const kek = await subtle.importKey("raw", new Uint8Array(await subtle.deriveBits(
      { name: "PBKDF2", hash: "SHA-256", salt: keyring.slots[0].salt, iterations: 2 },
      await subtle.importKey("raw", te.encode("pw"), "PBKDF2", false, ["deriveBits"]), 256)), "HKDF", false, ["deriveKey"]);
    const wrapKey = await subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt: keyringId, info: te.encode("strongroom/v1/password-slot/wrap-key") },
      kek, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt", "unwrapKey"]);
    const slot0 = keyring.slots[0].bytes;
    const legacyEntry = {
      format: 1,
      state: {
        v: 1,
        keyringId,
        dek: await subtle.importKey("raw", dek, "HKDF", false, ["deriveBits", "deriveKey"]),
        slot: { wrapKey, nonce: keyring.slots[0].nonce, aad: new Uint8Array([0x50, ...keyringId, ...slot0.subarray(0, slot0.length - 86)]), wrappedDek: keyring.slots[0].wrappedDek },
      },
    };
    const control = await attack({ loot: { stored: [legacyEntry], server }, ...common });

    // The session still works for what it is for, and the record opens.
    const resumed = await storage.loadSession("attack", keyring, { policy });
    const opened = new TextDecoder().decode(await resumed.open(record, "log:1"));
    // A resumed session cannot change the keyring without a credential.
    let changeWithoutCredential = "allowed";
    try {
      await resumed.addPasswordSlot({ password: "not the password" }, "x", { kdf: { id: 1, iterations: 2 } });
    } catch (e) {
      changeWithoutCredential = e.class ?? String(e);
    }
    const withCode = await resumed.addPasswordSlot({ recoveryCode }, "pw2", { label: "second", kdf: { id: 1, iterations: 2 } });
    // The saved secret key still does its one job: with the password, it opens the secret-key slot.
    const reloaded = await storage.loadSecretKey("attack");
    const bySecretKey = (await withCode.unlockWithSecretKey("pw-sk", reloaded, policy)).slotIndex;
    const tagsAgree = hex(await resumed.authTag("x")) === hex(await unlocked.authTag("x"));
    await storage.clearSession("attack");
    await storage.deleteSecretKey("attack");
    const afterClear = { ...(await readDatabase("strongroom-sessions")), ...(await readDatabase("strongroom-secret-keys")) };
    return { current, control, opened, changeWithoutCredential, slotsAfter: withCode.slots.length, bySecretKey, tagsAgree, afterClear };
  }, labels);
  await page.close();

  const { current, control } = result;
  console.log(`labels tried: ${labels.length}; stored keys: ${JSON.stringify(current.keys)}`);
  console.log(`attempts on the saved session: ${JSON.stringify(current.tried)}, hits: ${current.hits.length}`);
  console.log(`attempts on the version-1 layout (control): ${JSON.stringify(control.tried)}, hits: ${control.hits.length}`);
  const byRoute = {};
  for (const h of control.hits) byRoute[`${h.route} -> ${h.secret}`] = (byRoute[`${h.route} -> ${h.secret}`] ?? 0) + 1;
  console.log(`control hits by route: ${JSON.stringify(byRoute)}`);
  for (const r of ["decrypt", "keystream"]) {
    const h = control.hits.find((x) => x.route === r);
    if (h) console.log(`  e.g. ${h.route} -> ${h.secret} via ${h.how}`);
  }

  // The session holds exactly four keys (record root, MAC verify, auth sign, log key sign and
  // verify) and the secret-key database one (HMAC sign), all non-extractable, with the narrowest
  // usages.
  assert.deepEqual(
    current.keys.map((k) => `${k.alg}:${k.usages.sort().join("+")}:${k.extractable}`).sort(),
    ["HKDF:deriveBits+deriveKey:false", "HMAC:sign+verify:false", "HMAC:sign:false", "HMAC:sign:false", "HMAC:verify:false"],
  );
  // Every route was exercised where the stored keys allow it.
  assert.ok(current.tried.export > 0 && current.tried.derive > 500 && current.tried.sign > 100, JSON.stringify(current.tried));
  assert.deepEqual(current.hits, [], `the saved session gave up a secret:\n${JSON.stringify(current.hits, null, 2)}`);

  // The control proves the attacker is effective against the old layout.
  const controlSecrets = new Set(control.hits.map((h) => h.secret));
  assert.ok(controlSecrets.has("DEK"), "control: the version-1 layout must give up the DEK");
  assert.ok(controlSecrets.has("MAC key"), "control: the version-1 layout must give up the MAC key");
  const controlRoutes = new Set(control.hits.map((h) => h.route));
  for (const r of ["decrypt", "keystream", "derive"]) assert.ok(controlRoutes.has(r), `control: route ${r} must succeed on the version-1 layout`);

  assert.equal(result.opened, "entry");
  assert.equal(result.changeWithoutCredential, "unlock_failed");
  assert.equal(result.slotsAfter, 4);
  assert.equal(result.bySecretKey, 1);
  assert.ok(result.tagsAgree, "a resumed session computes the same auth tags");
  assert.deepEqual(result.afterClear, { sessions: [], "secret-keys": [] }, "clearSession and deleteSecretKey leave nothing behind");
});
