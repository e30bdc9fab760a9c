// Cross-implementation tests: objects written by the Rust CLI (`strongroom`) are read by
// strongroom-js and the other way round, byte for byte. The vectors already pin both
// implementations to SPEC.md with scripted randomness; these tests add what vectors cannot:
// real randomness, the CLI's file handling (binary and text forms, trailing newlines), and
// keyrings changed alternately by both sides.
//
// Needs the release CLI: `cargo build --release -p strongroom-cli` (or STRONGROOM_BIN=path).
// A missing binary FAILS these tests on purpose: silently skipping would let CI pass without
// ever checking interoperability.
//
// KDF cost: low parameters (PBKDF2 1,000 iterations; Argon2id 64 KiB, t=1, p=1) under a relaxed
// unlock policy on both sides (`--unsafe-relaxed-policy` for the CLI), so the file runs in
// seconds; the default parameters are covered by the vectors and the benchmarks.

import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { Keyring, SealedRecord, SecretKey, UnlockPolicy, StrongroomError } from "../src/index.js";
import { useBackend, backendName } from "../src/testing.js";

// Both backends must interoperate with the Rust CLI: `npm run test:cross` runs this file once
// with STRONGROOM_JS_BACKEND=node and once with webcrypto.
await useBackend(process.env.STRONGROOM_JS_BACKEND ?? "node");
console.log(`strongroom-js backend: ${backendName()}`);

const JS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BIN = process.env.STRONGROOM_BIN
  ? path.resolve(process.env.STRONGROOM_BIN)
  : path.resolve(JS_DIR, "../../target/release/strongroom");

const TMP = mkdtempSync(path.join(tmpdir(), "strongroom-cross-"));
after(() => rmSync(TMP, { recursive: true, force: true }));
const tmp = (name) => path.join(TMP, name);

// Same bounds as the CLI's --unsafe-relaxed-policy (the hard minimums of SPEC.md section 10).
const RELAXED = new UnlockPolicy({
  pbkdf2Iterations: [1, 2000000],
  argon2MemoryKib: [8, 262144],
  argon2TimeCost: [1, 8],
  argon2Parallelism: [1, 8],
  maxUnlockWork: 16777216,
});
const FAST_PBKDF2 = { id: 1, iterations: 1000 };
const FAST_ARGON2 = { id: 2, memoryKib: 64, timeCost: 1, parallelism: 1 };

// A password whose NFC form differs from its input (decomposed e + U+0301, compatibility
// characters left alone by NFC) so both sides must normalize the same way to agree.
const PW_DECOMPOSED = "Cafe\u0301 \u00fcber \u2460 correct horse";
const PW_NFC = PW_DECOMPOSED.normalize("NFC");

const enc = new TextEncoder();

/** Deterministic bytes covering every byte value (NUL, LF, invalid UTF-8), then pseudo-random. */
function binaryPayload(length) {
  const out = new Uint8Array(length);
  let x = 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    if (i < 256) {
      out[i] = i;
      continue;
    }
    // xorshift32: cheap, reproducible, no dependency
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

const PLAINTEXTS = {
  empty: new Uint8Array(0),
  text: enc.encode("Strongroom cross-implementation test: h\u00e9llo, w\u00f6rld \u{1F512}\n"),
  binary: binaryPayload(6 * 1024 + 123), // multi-KiB, not a multiple of the AES block size
};

// Contexts as the CLI takes them: UTF-8 text, or arbitrary bytes as hex.
const CTX_TEXT = "user:alice|collection:notes|id:7";
const CTX_BYTES = new Uint8Array([0x00, 0xff, 0x80, 0x0a, 0x7f]);
const ctxArgs = (ctx) =>
  typeof ctx === "string" ? ["--context", ctx] : ["--context-hex", Buffer.from(ctx).toString("hex")];

function requireBin() {
  if (!existsSync(BIN) || !statSync(BIN).isFile()) {
    throw new Error(
      `strongroom CLI not found at ${BIN}. Build it with \`cargo build --release -p strongroom-cli\` ` +
        "from the repository root, or set STRONGROOM_BIN to its path. These tests never skip.",
    );
  }
  return BIN;
}

/**
 * Runs the CLI. `env` adds variables (passwords are passed as STRONGROOM_* variables, the
 * CLI's non-interactive route); stdout stays a Buffer so binary output is compared exactly.
 */
function cli(args, { env = {}, input } = {}) {
  const res = spawnSync(requireBin(), args, {
    env: { ...cleanEnv(), ...env },
    input,
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
  if (res.error) throw res.error;
  return { status: res.status, stdout: res.stdout, stderr: res.stderr.toString("utf8") };
}

// The CLI falls back to these variables; a developer's own settings must not leak into a test.
// Its state directory (pins, stored secret keys) is one of this run's, not the user's.
function cleanEnv() {
  const env = { ...process.env, STRONGROOM_STATE_DIR: tmp("state") };
  for (const k of ["STRONGROOM_PASSWORD", "STRONGROOM_NEW_PASSWORD", "STRONGROOM_RECOVERY_CODE", "STRONGROOM_SECRET_KEY"]) delete env[k];
  return env;
}

function cliOk(args, opts) {
  const r = cli(args, opts);
  assert.equal(r.status, 0, `strongroom ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r;
}

/** Asserts a CLI failure: exit status 1 (Strongroom refused) and the `[class]` / `[class/reason]` tag. */
function cliFails(args, opts, tag) {
  const r = cli(args, opts);
  assert.equal(r.status, 1, `expected exit 1 (${tag}) from strongroom ${args.join(" ")}, got ${r.status}: ${r.stderr}`);
  assert.ok(r.stderr.includes(`[${tag}]`), `expected [${tag}] in stderr, got: ${r.stderr}`);
  assert.equal(r.stdout.length, 0, "a failed open must write no plaintext");
  return r;
}

/** Text files written by the CLI end in one newline, which the text form itself does not allow. */
const readText = (file) => readFileSync(file, "utf8").replace(/\n$/, "");

async function assertRejects(promise, cls) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof StrongroomError, `expected StrongroomError, got ${e}`);
    assert.equal(e.class, cls);
    return true;
  });
}

const bytesEqual = (actual, expected, what) => {
  assert.ok(actual instanceof Uint8Array, `${what}: not a Uint8Array`);
  assert.equal(actual.length, expected.length, `${what}: length`);
  assert.deepEqual(Buffer.from(actual), Buffer.from(expected), `${what}: bytes differ`);
};

test("the strongroom CLI binary is present", () => {
  requireBin();
  const r = cliOk(["--version"]);
  assert.match(r.stdout.toString(), /strongroom/);
});

// (a) Rust writes, JS reads -------------------------------------------------------------

test("Rust creates a PBKDF2 keyring and seals records; JS decodes, unlocks and opens them", async () => {
  const pw = { STRONGROOM_PASSWORD: PW_NFC };
  const kr = tmp("a-rust.srk");
  cliOk(["keyring", "create", kr, "--label", "rust laptop", "--iterations", "1000", "--unsafe-relaxed-policy"], { env: pw });

  const sealed = {};
  let n = 0;
  for (const [name, pt] of Object.entries(PLAINTEXTS)) {
    for (const ctx of [CTX_TEXT, CTX_BYTES, ""]) {
      for (const text of [false, true]) {
        const out = tmp(`a-${name}-${n++}${text ? ".txt" : ".srr"}`);
        cliOk(["seal", "-k", kr, ...ctxArgs(ctx), ...(text ? ["--text"] : ["--record"]), "--unsafe-relaxed-policy", "-o", out, "-"], {
          env: pw,
          input: pt,
        });
        sealed[out] = { pt, ctx, text, name };
      }
    }
  }

  const keyring = Keyring.fromBytes(new Uint8Array(readFileSync(kr)));
  // The decoded fields agree with the CLI's own decoder.
  const info = JSON.parse(cliOk(["inspect", kr, "--json"]).stdout.toString());
  assert.equal(Buffer.from(keyring.id).toString("hex"), info.id);
  assert.equal(keyring.generation, info.generation);
  assert.equal(keyring.slots.length, 1);
  assert.equal(keyring.slots[0].kind, "password");
  assert.equal(keyring.slots[0].label, "rust laptop");
  assert.deepEqual(keyring.slots[0].kdf, FAST_PBKDF2);
  bytesEqual(keyring.toBytes(), readFileSync(kr), "keyring re-encoding");

  // The decomposed password normalizes to the NFC one the CLI was given.
  const unlocked = await keyring.unlock(PW_DECOMPOSED, RELAXED);
  for (const [file, { pt, ctx, text, name }] of Object.entries(sealed)) {
    const record = text ? SealedRecord.fromText(readText(file)) : SealedRecord.fromBytes(new Uint8Array(readFileSync(file)));
    bytesEqual(record.keyringId, keyring.id, `${name}: record keyring id`);
    bytesEqual(await unlocked.open(record, ctx), pt, `${name} (${text ? "text" : "binary"}, ctx ${JSON.stringify(ctx)})`);
    // Context is bound: a different one fails authentication.
    await assertRejects(unlocked.open(record, "user:mallory|collection:notes|id:7"), "record_authentication_failed");
  }

  // Wrong password, and the default policy refuses the low iteration count before any KDF.
  await assertRejects(keyring.unlock("not the password", RELAXED), "unlock_failed");
  await assertRejects(keyring.unlock(PW_NFC), "out_of_policy");
});

test("Rust creates an Argon2id keyring in text form; JS unlocks it (hash-wasm vs the Rust argon2)", async () => {
  const pw = { STRONGROOM_PASSWORD: PW_NFC };
  const kr = tmp("a-argon.srk");
  cliOk(
    ["keyring", "create", kr, "--text", "--kdf", "argon2id", "--memory-kib", "64", "--time-cost", "1",
      "--parallelism", "1", "--unsafe-relaxed-policy"],
    { env: pw },
  );
  const rec = tmp("a-argon.srr");
  cliOk(["seal", "-k", kr, ...ctxArgs(CTX_TEXT), "--record", "--unsafe-relaxed-policy", "-o", rec, "-"], { env: pw, input: PLAINTEXTS.binary });

  const keyring = Keyring.fromText(readText(kr));
  assert.deepEqual(keyring.slots[0].kdf, FAST_ARGON2);
  assert.equal(keyring.toText(), readText(kr));
  const unlocked = await keyring.unlock(PW_NFC, RELAXED);
  bytesEqual(await unlocked.open(SealedRecord.fromBytes(new Uint8Array(readFileSync(rec))), CTX_TEXT), PLAINTEXTS.binary, "argon2id record");
});

// (b) JS writes, Rust reads -------------------------------------------------------------

for (const [kdfName, kdf] of [["PBKDF2", FAST_PBKDF2], ["Argon2id", FAST_ARGON2]]) {
  test(`JS creates a ${kdfName} keyring and seals records; Rust opens them, and refuses a wrong context`, async () => {
    const unlocked = await Keyring.create(PW_DECOMPOSED, { label: "js device", kdf, policy: RELAXED });
    const krBin = tmp(`b-${kdfName}.srk`);
    const krText = tmp(`b-${kdfName}-text.srk`);
    writeFileSync(krBin, unlocked.keyring.toBytes());
    writeFileSync(krText, unlocked.keyring.toText() + "\n");

    const info = JSON.parse(cliOk(["inspect", krBin, "--json"]).stdout.toString());
    assert.equal(info.valid, true);
    assert.equal(info.id, Buffer.from(unlocked.keyring.id).toString("hex"));
    assert.equal(info.slots[0].label, "js device");

    const pw = { STRONGROOM_PASSWORD: PW_NFC };
    let n = 0;
    for (const [name, pt] of Object.entries(PLAINTEXTS)) {
      for (const ctx of [CTX_TEXT, CTX_BYTES, ""]) {
        // The text plaintext also goes in as a JS string (seal encodes it as UTF-8).
        const input = name === "text" ? new TextDecoder().decode(pt) : pt;
        const record = await unlocked.seal(input, ctx);
        const bin = tmp(`b-${kdfName}-${n}.srr`);
        const txt = tmp(`b-${kdfName}-${n++}.txt`);
        writeFileSync(bin, record.toBytes());
        writeFileSync(txt, record.toText()); // no trailing newline: the CLI must take both
        for (const [kr, file] of [[krBin, bin], [krText, txt]]) {
          const r = cliOk(["open", "-k", kr, ...ctxArgs(ctx), "--unsafe-relaxed-policy", file], { env: pw });
          bytesEqual(new Uint8Array(r.stdout), pt, `${kdfName} ${name} via ${path.basename(file)}`);
          cliFails(["open", "-k", kr, "--context", "user:mallory", "--unsafe-relaxed-policy", file], { env: pw }, "record_authentication_failed");
        }
      }
    }
    const rec = tmp(`b-${kdfName}-0.srr`);
    cliFails(["open", "-k", krBin, ...ctxArgs(CTX_TEXT), "--unsafe-relaxed-policy", rec], { env: { STRONGROOM_PASSWORD: "wrong" } }, "unlock_failed");
    // The CLI's default policy refuses the test-only KDF parameters.
    cliFails(["open", "-k", krBin, ...ctxArgs(CTX_TEXT), rec], { env: pw }, "out_of_policy");
    // A record opened under another keyring is refused as such.
    const other = tmp(`b-${kdfName}-other.srk`);
    cliOk(["keyring", "create", other, "--iterations", "1000", "--unsafe-relaxed-policy"], { env: pw });
    cliFails(["open", "-k", other, ...ctxArgs(CTX_TEXT), "--unsafe-relaxed-policy", rec], { env: pw }, "wrong_keyring");
  });
}

// (c) keyrings changed on one side, used on the other --------------------------------------

test("JS changes the password and adds a recovery slot; Rust unlocks with the new password and the code", async () => {
  const oldPw = "old password \u00e5";
  const newPw = "new password \u00e6 \u{1F511}";
  const unlocked = await Keyring.create(oldPw, { label: "primary", kdf: FAST_PBKDF2, policy: RELAXED });
  const record = await unlocked.seal(PLAINTEXTS.binary, CTX_TEXT);
  const empty = await unlocked.seal(PLAINTEXTS.empty, CTX_BYTES);

  const gen0 = unlocked.keyring.generation;
  await unlocked.changePassword({ password: oldPw }, 0, newPw, { kdf: FAST_PBKDF2 });
  const { keyring, recoveryCode } = await unlocked.addRecoverySlot({ password: newPw }, { label: "paper" });
  assert.equal(keyring.generation, gen0 + 2);
  assert.equal(keyring.slots[0].label, "primary", "changePassword keeps the label");

  const kr = tmp("c-js.srk");
  const rec = tmp("c-js.srr");
  const recEmpty = tmp("c-js-empty.srr");
  writeFileSync(kr, keyring.toBytes());
  writeFileSync(rec, record.toBytes());
  writeFileSync(recEmpty, empty.toText());

  const info = JSON.parse(cliOk(["inspect", kr, "--json"]).stdout.toString());
  assert.equal(info.generation, keyring.generation);
  assert.deepEqual(info.slots.map((s) => [s.kind, s.label]), [["password", "primary"], ["recovery", "paper"]]);

  bytesEqual(new Uint8Array(cliOk(["open", "-k", kr, ...ctxArgs(CTX_TEXT), "--unsafe-relaxed-policy", rec], { env: { STRONGROOM_PASSWORD: newPw } }).stdout), PLAINTEXTS.binary, "new password");
  cliFails(["open", "-k", kr, ...ctxArgs(CTX_TEXT), "--unsafe-relaxed-policy", rec], { env: { STRONGROOM_PASSWORD: oldPw } }, "unlock_failed");
  const r = cliOk(["open", "-k", kr, ...ctxArgs(CTX_TEXT), "--recovery", rec], { env: { STRONGROOM_RECOVERY_CODE: recoveryCode } });
  bytesEqual(new Uint8Array(r.stdout), PLAINTEXTS.binary, "recovery code");
  // The code also works from a file (first line), lower-cased: SPEC.md's lenient parsing.
  const codeFile = tmp("c-code.txt");
  writeFileSync(codeFile, recoveryCode.toLowerCase() + "\n");
  const e = cliOk(["open", "-k", kr, ...ctxArgs(CTX_BYTES), "--recovery-code-file", codeFile, recEmpty]);
  bytesEqual(new Uint8Array(e.stdout), PLAINTEXTS.empty, "empty record via recovery code file");
  // Rust can keep changing the JS-written keyring: add a password slot with the recovery code.
  cliOk(["keyring", "add-password", kr, "--label", "rust", "--recovery", "--iterations", "1000", "--unsafe-relaxed-policy"], {
    env: { STRONGROOM_RECOVERY_CODE: recoveryCode, STRONGROOM_NEW_PASSWORD: "third" },
  });
  const back = Keyring.fromBytes(new Uint8Array(readFileSync(kr)));
  assert.equal(back.generation, keyring.generation + 1);
  const u3 = await back.unlockSlot(2, { password: "third" }, RELAXED);
  bytesEqual(await u3.open(record, CTX_TEXT), PLAINTEXTS.binary, "JS opens after the Rust change");
});

test("Rust changes the password and adds a recovery slot; JS unlocks with the new password and the code", async () => {
  const oldPw = "rust old password";
  const newPw = "rust n\u00e9w password";
  const kr = tmp("c-rust.srk");
  const rec = tmp("c-rust.srr");
  const recEmpty = tmp("c-rust-empty.txt");
  cliOk(["keyring", "create", kr, "--label", "cli", "--iterations", "1000", "--unsafe-relaxed-policy"], { env: { STRONGROOM_PASSWORD: oldPw } });
  cliOk(["seal", "-k", kr, ...ctxArgs(CTX_TEXT), "--record", "--unsafe-relaxed-policy", "-o", rec, "-"], { env: { STRONGROOM_PASSWORD: oldPw }, input: PLAINTEXTS.binary });
  cliOk(["seal", "-k", kr, "--text", "--unsafe-relaxed-policy", "-o", recEmpty, "-"], { env: { STRONGROOM_PASSWORD: oldPw }, input: PLAINTEXTS.empty });
  const gen0 = Keyring.fromBytes(new Uint8Array(readFileSync(kr))).generation;

  // Password change via files this time (first line of each), the other non-interactive route.
  const oldFile = tmp("c-old.txt");
  const newFile = tmp("c-new.txt");
  writeFileSync(oldFile, oldPw + "\n");
  writeFileSync(newFile, newPw + "\n");
  cliOk(["keyring", "passwd", kr, "--password-file", oldFile, "--new-password-file", newFile, "--unsafe-relaxed-policy"]);
  const code = cliOk(["keyring", "add-recovery", kr, "--label", "paper", "--password-file", newFile, "--unsafe-relaxed-policy"])
    .stdout.toString()
    .trim();
  assert.match(code, /^[0-9A-Z]{4}(-[0-9A-Z]{4}){13}$/, "recovery code on stdout");

  const keyring = Keyring.fromBytes(new Uint8Array(readFileSync(kr)));
  assert.equal(keyring.generation, gen0 + 2);
  const record = SealedRecord.fromBytes(new Uint8Array(readFileSync(rec)));
  const emptyRecord = SealedRecord.fromText(readText(recEmpty));

  const byPw = await keyring.unlock(newPw, RELAXED);
  bytesEqual(await byPw.open(record, CTX_TEXT), PLAINTEXTS.binary, "new password");
  bytesEqual(await byPw.open(emptyRecord, ""), PLAINTEXTS.empty, "empty record");
  await assertRejects(keyring.unlock(oldPw, RELAXED), "unlock_failed");

  const byCode = await keyring.unlockWithRecovery(code);
  bytesEqual(await byCode.open(record, CTX_TEXT), PLAINTEXTS.binary, "recovery code");
  const bySlot = await keyring.unlockSlot(1, { recoveryCode: code.toLowerCase().replaceAll("-", " ") }, RELAXED);
  bytesEqual(await bySlot.open(emptyRecord, ""), PLAINTEXTS.empty, "recovery slot, lenient code");

  // And JS can keep changing the Rust-written keyring: remove the recovery slot, Rust still opens.
  const trimmed = await byPw.removeSlot({ password: newPw }, 1);
  writeFileSync(kr, trimmed.toBytes());
  const r = cliOk(["open", "-k", kr, ...ctxArgs(CTX_TEXT), "--unsafe-relaxed-policy", rec], { env: { STRONGROOM_PASSWORD: newPw } });
  bytesEqual(new Uint8Array(r.stdout), PLAINTEXTS.binary, "Rust opens after the JS change");
  cliFails(["open", "-k", kr, "--recovery", "--unsafe-relaxed-policy", rec], { env: { STRONGROOM_RECOVERY_CODE: code } }, "unlock_failed");
});

// (d) secret-key slots (SPEC.md 9.2, 12.1) ----------------------------------------------------

test("Rust creates a secret-key keyring; JS unlocks it with the printed code, not without it", async () => {
  const kr = tmp("d-rust-sk.srk");
  const r = cliOk(["keyring", "create", kr, "--label", "rust sk", "--secret-key", "--no-store-secret-key", "--iterations", "1000",
    "--unsafe-relaxed-policy"], { env: { STRONGROOM_PASSWORD: PW_NFC } });
  const code = (r.stdout.toString() + r.stderr).match(/SK1(-[0-9A-HJKMNP-TV-Z]{4}){8}/)?.[0];
  assert.ok(code, `no secret key code printed: ${r.stdout} ${r.stderr}`);
  const rec = tmp("d-rust-sk.srr");
  cliOk(["seal", "-k", kr, ...ctxArgs(CTX_TEXT), "--record", "--unsafe-relaxed-policy", "-o", rec, "-"],
    { env: { STRONGROOM_PASSWORD: PW_NFC, STRONGROOM_SECRET_KEY: code }, input: PLAINTEXTS.binary });

  const keyring = Keyring.fromBytes(new Uint8Array(readFileSync(kr)));
  assert.deepEqual(keyring.slots.map((s) => [s.kind, s.kindValue, s.label]), [["secret-key", 64, "rust sk"]]);
  const unlocked = await keyring.unlockWithSecretKey(PW_DECOMPOSED, code.toLowerCase(), RELAXED);
  assert.equal(unlocked.slotIndex, 0);
  bytesEqual(await unlocked.open(SealedRecord.fromBytes(new Uint8Array(readFileSync(rec))), CTX_TEXT), PLAINTEXTS.binary, "secret-key record");
  await assertRejects(keyring.unlock(PW_NFC, RELAXED), "unlock_failed"); // a password alone opens no secret-key slot
  await assertRejects(keyring.unlockWithSecretKey(PW_NFC, (await SecretKey.generate()).secretKey, RELAXED), "unlock_failed");
  // JS adds a password slot with the secret-key credential; Rust opens with that password.
  const k2 = await unlocked.addPasswordSlot({ password: PW_NFC, secretKey: code }, "js password", { label: "js", kdf: FAST_PBKDF2 });
  writeFileSync(kr, k2.toBytes());
  const out = cliOk(["open", "-k", kr, ...ctxArgs(CTX_TEXT), "--unsafe-relaxed-policy", rec], { env: { STRONGROOM_PASSWORD: "js password" } });
  bytesEqual(new Uint8Array(out.stdout), PLAINTEXTS.binary, "password slot added by JS");
});

test("JS creates a secret-key keyring; Rust opens its records with the code and refuses another", async () => {
  const { unlocked, secretKeyCode } = await Keyring.createWithSecretKey(PW_DECOMPOSED, { label: "js sk", kdf: FAST_ARGON2, policy: RELAXED });
  const { code: otherCode } = await SecretKey.generate();
  const kr = tmp("d-js-sk.srk");
  const rec = tmp("d-js-sk.srr");
  writeFileSync(kr, unlocked.keyring.toText() + "\n");
  writeFileSync(rec, (await unlocked.seal(PLAINTEXTS.text, CTX_BYTES)).toBytes());
  const info = JSON.parse(cliOk(["inspect", kr, "--json"]).stdout.toString());
  assert.deepEqual(info.slots.map((s) => [s.kind_id, s.label]), [[64, "js sk"]]);
  const codeFile = tmp("d-js-sk.code");
  writeFileSync(codeFile, secretKeyCode.replaceAll("-", " ") + "\n");
  const r = cliOk(["open", "-k", kr, ...ctxArgs(CTX_BYTES), "--unsafe-relaxed-policy", "--secret-key-file", codeFile, rec],
    { env: { STRONGROOM_PASSWORD: PW_NFC } });
  bytesEqual(new Uint8Array(r.stdout), PLAINTEXTS.text, "secret-key record opened by Rust");
  cliFails(["open", "-k", kr, ...ctxArgs(CTX_BYTES), "--unsafe-relaxed-policy", rec],
    { env: { STRONGROOM_PASSWORD: PW_NFC, STRONGROOM_SECRET_KEY: otherCode } }, "unlock_failed");
});

test("sealed streams both ways: Rust seals, JS opens (and a chunk at random); JS seals, Rust opens", async () => {
  const pw = { STRONGROOM_PASSWORD: PW_NFC };
  const kr = tmp("s-rust.srk");
  cliOk(["keyring", "create", kr, "--iterations", "1000", "--unsafe-relaxed-policy"], { env: pw });
  const unlocked = await Keyring.fromBytes(new Uint8Array(readFileSync(kr))).unlock(PW_NFC, RELAXED);
  // Three chunks and a short final one (SPEC.md 11.16: 64 KiB chunks).
  const payload = binaryPayload(3 * 65536 + 1234);
  const stream = tmp("s-rust.srs");
  cliOk(["seal", "-k", kr, ...ctxArgs(CTX_TEXT), "--unsafe-relaxed-policy", "-o", stream, "-"], { env: pw, input: payload });
  const sealed = new Uint8Array(readFileSync(stream));
  bytesEqual(await unlocked.openStreamBytes(sealed, CTX_TEXT), payload, "JS opens Rust's stream");
  const chunk = await unlocked.openStreamChunk(sealed, 2, CTX_TEXT);
  bytesEqual(chunk.plaintext, payload.subarray(2 * 65536, 3 * 65536), "JS opens chunk 2 alone");
  assert.equal(chunk.final, false);
  await assertRejects(unlocked.openStreamBytes(sealed.subarray(0, sealed.length - 1), CTX_TEXT), "stream_violation");

  const fromJs = tmp("s-js.srs");
  writeFileSync(fromJs, await unlocked.sealStreamBytes(payload, CTX_TEXT));
  const r = cliOk(["open", "-k", kr, ...ctxArgs(CTX_TEXT), "--unsafe-relaxed-policy", fromJs], { env: pw });
  bytesEqual(new Uint8Array(r.stdout), payload, "Rust opens JS's stream");
  cliFails(["open", "-k", kr, "--context", "user:mallory", "--unsafe-relaxed-policy", fromJs], { env: pw }, "stream_authentication_failed");
});
