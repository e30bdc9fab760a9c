// Logs (SPEC.md 11.15) through the public API, on both backends: a log written and read by two
// devices against a compare-and-swap server, the two-device race and the lost answer of SR-LOG-15
// and SR-LOG-16 (LogAppend#includedIn), what a hostile server's forks, truncations, drops and
// replays give, the LogTree proofs against the verifiers of SPEC.md 11.15.5, persistence of a
// LogState (SR-LOG-13), the text prefixes, and the log key in a session state.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  Keyring,
  UnlockPolicy,
  StrongroomError,
  LogId,
  Checkpoint,
  LogState,
  LogTree,
  VerifiedCheckpoint,
  limits,
} from "../src/index.js";
import { useBackend } from "../src/testing.js";
import { exportSessionState, importSessionState } from "../src/keyring.js";
import { merkleForTesting } from "../src/log.js";
import { hex } from "../src/bytes.js";

const policy = new UnlockPolicy({
  pbkdf2Iterations: [1, 2_000_000], argon2MemoryKib: [8, 262_144], argon2TimeCost: [1, 8],
  argon2Parallelism: [1, 8], maxUnlockWork: 16_777_216,
});
const KDF = { id: 1, iterations: 2 };
const APP = "user:alice";
const text = (u8) => new TextDecoder().decode(u8);

/** Rejects with a StrongroomError of this class (and reason). */
async function rejects(promise, cls, reason = null) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof StrongroomError, `not a StrongroomError: ${e}`);
    assert.deepEqual([e.class, e.reason], [cls, reason]);
    return true;
  });
}

/**
 * A storage server as SR-LOG-17 describes it: one entry and its checkpoint per append, stored only
 * if its checkpoint still has the expected size and root. `loseAnswers` drops the answer of the
 * next stored append (the client sees nothing).
 */
class Server {
  constructor(checkpoint) {
    this.checkpoint = checkpoint;
    this.entries = [];
    this.tree = new LogTree();
    this.loseAnswers = 0;
  }

  append(a) {
    const e = a.expected;
    const same = this.checkpoint.size === e.size && hex(this.checkpoint.root) === hex(e.root);
    if (!same) {
      if (hex(this.checkpoint.toBytes()) === hex(a.checkpoint.toBytes())) return { ok: true }; // a retry
      return { ok: false, checkpoint: this.checkpoint };
    }
    this.entries.push(a.entry.toBytes());
    this.tree.pushEntry(a.entry.toBytes());
    this.checkpoint = a.checkpoint;
    if (this.loseAnswers > 0) {
      this.loseAnswers--;
      return null; // stored, but the answer is lost
    }
    return { ok: true };
  }

  consistency(from) {
    return from === 0 || from === this.checkpoint.size ? [] : this.tree.consistencyProof(from, this.checkpoint.size);
  }

  served(from) {
    return this.entries.slice(from).map((entry, i) => ({ position: from + i, entry }));
  }
}

/** A device's client: keeps a LogState, appends by CAS, reads forward. */
class Device {
  constructor(unlocked, state) {
    this.u = unlocked;
    this.state = state;
  }

  async sync(server) {
    const verified = await this.u.verifyCheckpoint(server.checkpoint, this.state.pin, server.consistency(this.state.size));
    const { plaintexts, state } = await this.u.openLogEntries(this.state, verified, server.served(this.state.size), APP);
    this.state = state;
    return plaintexts.map(text);
  }

  /** SR-LOG-15 and SR-LOG-16: returns the position the entry ended up at. */
  async append(server, plaintext) {
    for (;;) {
      const a = await this.u.sealLogEntry(this.state, plaintext, APP);
      let answer = server.append(a);
      if (answer === null) {
        // Lost answer: fetch the server's checkpoint and verify it against the expected pin.
        const verified = await this.u.verifyCheckpoint(server.checkpoint, a.expected, server.consistency(a.expected.size));
        if (await a.includedIn(verified, server.tree.inclusionProof(a.position, verified.size))) {
          this.state = a.after; // it happened; the state must be read forward to the server's
          if (verified.size > a.after.size) await this.sync(server);
          return a.position;
        }
        answer = server.append(a); // the identical append again
      }
      if (answer.ok) {
        this.state = a.after;
        return a.position;
      }
      const verified = await this.u.verifyCheckpoint(answer.checkpoint, a.expected, server.consistency(a.expected.size));
      if (await a.includedIn(verified, server.tree.inclusionProof(a.position, verified.size))) {
        this.state = a.after;
        await this.sync(server);
        return a.position;
      }
      await this.sync(server); // discard `a`, read the other device's entries, seal again
    }
  }
}

async function newKeyring() {
  const unlocked = await Keyring.create("pw", { label: "laptop", kdf: KDF, policy });
  const other = await unlocked.keyring.unlock("pw", policy); // the same keyring on a second device
  return { unlocked, other };
}

for (const backend of ["node", "webcrypto"]) {
  test(`logs: two devices, appends, reads and the race of SR-LOG-15 (${backend})`, async () => {
    await useBackend(backend);
    const { unlocked: a, other: b } = await newKeyring();
    const { checkpoint, state } = await a.createLog();
    assert.equal(checkpoint.size, 0);
    assert.equal(hex(checkpoint.root), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert.ok(checkpoint.toText().startsWith("src1.pwEDAgE"));
    const server = new Server(checkpoint);
    const A = new Device(a, state);
    // B learns the log id from A (SR-LOG-18), not from the server, and starts from the empty pin.
    const B = new Device(b, LogState.empty(b.keyring.id, LogId.fromHex(state.pin.logId.toHex())));

    assert.equal(await A.append(server, "a0"), 0);
    assert.equal(await A.append(server, "a1"), 1);
    assert.deepEqual(await B.sync(server), ["a0", "a1"]);
    // Both at size 2 seal at position 2: the server stores A's, answers B with a conflict; B
    // verifies A's checkpoint, reads A's entry and seals again at 3.
    const raceA = await A.u.sealLogEntry(A.state, "a2", APP);
    const raceB = await B.u.sealLogEntry(B.state, "b2", APP);
    assert.equal(raceA.position, 2);
    assert.equal(raceB.position, 2);
    assert.deepEqual(server.append(raceA), { ok: true });
    A.state = raceA.after;
    const conflict = server.append(raceB);
    assert.equal(conflict.ok, false);
    const verified = await b.verifyCheckpoint(conflict.checkpoint, raceB.expected, server.consistency(2));
    assert.equal(await raceB.includedIn(verified, server.tree.inclusionProof(2, 3)), false);
    assert.equal(await raceA.includedIn(verified, []), true, "its own checkpoint");
    assert.equal(await B.append(server, "b2"), 3);
    assert.deepEqual(await A.sync(server), ["b2"]);
    assert.equal(A.state.size, 4);
    assert.deepEqual(A.state.toJSON(), B.state.toJSON());
    // B's first sealing, bound to position 2, is in no checkpoint: served there it is refused.
    const fresh = LogState.empty(a.keyring.id, A.state.pin.logId);
    const v = await a.verifyCheckpoint(server.checkpoint, fresh.pin, []);
    const forged = server.served(0);
    forged[2] = { position: 2, entry: raceB.entry.toBytes() };
    await rejects(a.openLogEntries(fresh, v, forged, APP), "history_violation", "log_entry_mismatch");
    const all = await a.openLogEntries(fresh, v, server.served(0), APP);
    assert.deepEqual(all.plaintexts.map(text), ["a0", "a1", "a2", "b2"]);
  });

  test(`logs: a lost answer, then includedIn (SR-LOG-16) (${backend})`, async () => {
    await useBackend(backend);
    const { unlocked: a, other: b } = await newKeyring();
    const { checkpoint, state } = await a.createLog(LogId.generate());
    const server = new Server(checkpoint);
    const A = new Device(a, state);
    const B = new Device(b, LogState.fromJSON(JSON.parse(JSON.stringify(state.toJSON()))));
    await A.append(server, "a0");
    // A's answer is lost, and B appends right after: A must find its entry in B's checkpoint
    // and not seal it twice.
    server.loseAnswers = 1;
    const lost = await A.u.sealLogEntry(A.state, "a1", APP);
    assert.equal(server.append(lost), null);
    await B.sync(server);
    assert.equal(await B.append(server, "b2"), 2);
    const verified = await a.verifyCheckpoint(server.checkpoint, lost.expected, server.consistency(lost.expected.size));
    assert.equal(verified.size, 3);
    assert.equal(await lost.includedIn(verified, server.tree.inclusionProof(1, 3)), true);
    assert.equal(await lost.includedIn(verified, server.tree.inclusionProof(0, 3)), false, "another position's proof");
    // And through Device.append: a lost answer on an otherwise idle server is retried identically.
    server.loseAnswers = 1;
    A.state = lost.after;
    await A.sync(server);
    assert.equal(await A.append(server, "a3"), 3);
    assert.deepEqual(await B.sync(server), ["a3"]);
    assert.equal(server.entries.length, 4);
  });

  test(`logs: what a hostile server's answers give (${backend})`, async () => {
    await useBackend(backend);
    const { unlocked: u } = await newKeyring();
    const stranger = await Keyring.create("pw", { kdf: KDF, policy });
    const { checkpoint, state } = await u.createLog();
    const server = new Server(checkpoint);
    const D = new Device(u, state);
    const checkpoints = [checkpoint];
    for (let i = 0; i < 6; i++) {
      await D.append(server, `e${i}`);
      checkpoints.push(server.checkpoint);
    }
    const pin = D.state.pin;
    // Rollback / truncation, forks, another log, another user, a forged MAC.
    await rejects(u.verifyCheckpoint(checkpoints[3], pin, []), "history_violation", "log_truncated");
    const forkState = (await u.sealLogEntry(LogState.fromParts(checkpointPin(u, checkpoints[5]), server.tree.frontier(5)), "fork", APP));
    await rejects(u.verifyCheckpoint(forkState.checkpoint, pin, []), "history_violation", "log_fork");
    const pin4 = { ...pin, size: 4, root: server.tree.root(4) };
    await rejects(u.verifyCheckpoint(server.checkpoint, pin4, []), "history_violation", "log_fork");
    const bad = server.tree.consistencyProof(4, 6);
    bad[0] = bad[0].slice();
    bad[0][0] ^= 1;
    await rejects(u.verifyCheckpoint(server.checkpoint, pin4, bad), "history_violation", "log_fork");
    assert.equal((await u.verifyCheckpoint(server.checkpoint, pin4, server.tree.consistencyProof(4, 6))).size, 6);
    const otherLog = await u.createLog();
    await rejects(u.verifyCheckpoint(otherLog.checkpoint, pin, []), "history_violation", "log_replaced");
    const foreign = await stranger.createLog(pin.logId);
    await rejects(u.verifyCheckpoint(foreign.checkpoint, pin, []), "wrong_keyring");
    const spliced = foreign.checkpoint.toBytes();
    spliced.set(u.keyring.id, 7);
    await rejects(u.verifyCheckpoint(spliced, LogState.empty(u.keyring.id, pin.logId).pin, []), "checkpoint_authentication_failed");
    const flipped = server.checkpoint.toBytes();
    flipped[flipped.length - 1] ^= 1;
    await rejects(u.verifyCheckpoint(flipped, pin, []), "checkpoint_authentication_failed");
    await rejects(u.verifyCheckpoint(flipped.subarray(0, flipped.length - 1), pin, []), "malformed", "truncated");
    // Entries: dropped, withheld, reordered, replayed; the state's keyring; the app context.
    const empty = LogState.empty(u.keyring.id, pin.logId);
    const v = await u.verifyCheckpoint(server.checkpoint, empty.pin, []);
    const served = server.served(0);
    await rejects(u.openLogEntries(empty, v, served.filter((s) => s.position !== 3), APP), "history_violation", "log_entry_missing");
    await rejects(u.openLogEntries(empty, v, served.slice(0, 5), APP), "history_violation", "log_entry_missing");
    const swapped = served.map((s) => ({ ...s }));
    [swapped[1].entry, swapped[2].entry] = [swapped[2].entry, swapped[1].entry];
    await rejects(u.openLogEntries(empty, v, swapped, APP), "history_violation", "log_entry_mismatch");
    // The first pair for a position counts; others and positions outside the range are ignored.
    const noisy = [{ position: 99, entry: new Uint8Array(3) }, ...served, { position: 0, entry: served[1].entry }];
    assert.equal((await u.openLogEntries(empty, v, noisy, APP)).plaintexts.length, 6);
    await rejects(u.openLogEntries(empty, v, served, "user:bob"), "record_authentication_failed");
    await rejects(u.openLogEntries(empty, v, served, new Uint8Array(limits.maxLogAppContextBytes + 1)), "limit_exceeded", "context_too_long");
    await rejects(u.sealLogEntry(LogState.empty(stranger.keyring.id, pin.logId), "x", APP), "wrong_keyring");
    await rejects(u.sealLogEntry(D.state, "x", new Uint8Array(3901)), "limit_exceeded", "context_too_long");
    // One entry with its inclusion proof (OpenEntry).
    assert.equal(text(await u.openLogEntry(v, 3, served[3].entry, server.tree.inclusionProof(3, 6), APP)), "e3");
    await rejects(u.openLogEntry(v, 3, served[4].entry, server.tree.inclusionProof(3, 6), APP), "history_violation", "log_entry_mismatch");
    await rejects(u.openLogEntry(v, 3, null, server.tree.inclusionProof(3, 6), APP), "history_violation", "log_entry_missing");
    await rejects(u.openLogEntry(v, 6, served[3].entry, [], APP), "history_violation", "log_entry_missing");
    // Argument errors are TypeErrors, outside the error classes.
    await assert.rejects(u.openLogEntry(checkpoints[6], 0, null, [], APP), TypeError);
    await assert.rejects(u.verifyCheckpoint(server.checkpoint, pin, [new Uint8Array(31)]), TypeError);
    await assert.rejects(u.sealLogEntry(D.state, "x"), TypeError);
  });

  test(`logs: LogTree proofs against VerifyInclusion and VerifyConsistency (${backend})`, async () => {
    await useBackend(backend);
    const { verifyInclusion, verifyConsistency } = merkleForTesting;
    const tree = new LogTree();
    assert.equal(hex(tree.root(0)), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    for (let i = 0; i < 33; i++) tree.pushEntry(Uint8Array.of(i, i + 1, i + 2));
    for (let n = 1; n <= 33; n++) {
      const root = tree.root(n);
      const state = LogState.fromParts({ keyringId: new Uint8Array(16), logId: LogId.fromBytes(new Uint8Array(16)), size: n, root }, tree.frontier(n));
      assert.equal(state.frontier.length, n.toString(2).split("1").length - 1, "popcount(size) hashes");
      for (let i = 0; i < n; i++) {
        const proof = tree.inclusionProof(i, n);
        const leaf = LogTree.leafHash(Uint8Array.of(i, i + 1, i + 2));
        assert.ok(verifyInclusion(i, n, leaf, proof, root), `inclusion ${i} of ${n}`);
        if (n > 1) assert.ok(!verifyInclusion((i + 1) % n, n, leaf, proof, root), `inclusion ${i} of ${n} at another index`);
      }
      for (let m = 1; m < n; m++) {
        const proof = tree.consistencyProof(m, n);
        assert.ok(verifyConsistency(m, n, tree.root(m), root, proof), `consistency ${m} -> ${n}`);
        assert.ok(!verifyConsistency(m, n, tree.root(m), tree.root(n - 1), proof), `consistency ${m} -> ${n}, wrong root`);
      }
    }
    // The bounds of SR-LOG-8 and SR-LOG-9, before any hashing.
    const h = new Uint8Array(32);
    assert.equal(verifyInclusion(0, 2, h, Array(65).fill(h), h), false);
    assert.equal(verifyInclusion(2, 2, h, [h], h), false);
    assert.equal(verifyConsistency(2, 4, h, h, []), false);
    assert.equal(tree.inclusionProof(33, 33), null);
    assert.equal(tree.consistencyProof(0, 3), null);
    assert.equal(tree.root(34), null);
  });
}

/** The pin of a checkpoint the test knows to be genuine (setting up a fork of it). */
function checkpointPin(u, c) {
  return { keyringId: u.keyring.id, logId: c.logId, size: c.size, root: c.root };
}

test("logs: LogState persistence and SR-LOG-13", async () => {
  await useBackend("node");
  const { unlocked: u } = await newKeyring();
  const { state } = await u.createLog();
  let s = state;
  for (let i = 0; i < 5; i++) s = (await u.sealLogEntry(s, `e${i}`, APP)).after;
  const json = JSON.parse(JSON.stringify(s));
  assert.deepEqual(Object.keys(json), ["keyringId", "logId", "size", "root", "frontier"]);
  assert.equal(json.size, 5);
  assert.equal(json.frontier.length, 2);
  assert.deepEqual(LogState.fromJSON(json).toJSON(), json);
  // The snake_case form of the vectors and of the strongroom command's state files.
  const cli = { version: 1, keyring_id: json.keyringId, log_id: json.logId, size: 5, root: json.root, frontier: json.frontier };
  assert.deepEqual(LogState.fromJSON(cli).toJSON(), json);
  const reordered = { ...json, frontier: [...json.frontier].reverse() };
  assert.throws(() => LogState.fromJSON(reordered), (e) => e.class === "history_violation" && e.reason === "log_entry_mismatch");
  assert.throws(() => LogState.fromJSON({ ...json, frontier: json.frontier.slice(1) }), (e) => e.reason === "log_entry_mismatch");
  assert.throws(() => LogState.fromJSON({ ...json, size: 4 }), (e) => e.reason === "log_entry_mismatch");
  assert.throws(() => LogState.fromJSON({ ...json, root: "00" }), TypeError);
  // The pin is a frozen copy.
  const pin = s.pin;
  assert.ok(Object.isFrozen(pin));
  pin.root.fill(0);
  assert.notEqual(hex(s.pin.root), hex(pin.root));
});

test("logs: text prefixes (SR-TXT-1 with the type letter c) and checkpoint decoding", async () => {
  await useBackend("node");
  const { unlocked: u } = await newKeyring();
  const { checkpoint } = await u.createLog();
  const t = checkpoint.toText();
  assert.equal(hex(Checkpoint.fromText(t).toBytes()), hex(checkpoint.toBytes()));
  const wrongType = (e) => e.class === "malformed" && e.reason === "wrong_object_type";
  assert.throws(() => Keyring.fromText(t), wrongType);
  assert.throws(() => Keyring.fromText("src7." + t.slice(5)), wrongType);
  assert.throws(() => Checkpoint.fromText(u.keyring.toText()), wrongType);
  assert.throws(() => Checkpoint.fromText("src2." + t.slice(5)), (e) => e.class === "unsupported_version");
  assert.throws(() => Checkpoint.fromText("SRC1." + t.slice(5)), (e) => e.reason === "text_prefix");
  assert.throws(() => Checkpoint.fromBytes(u.keyring.toBytes()), wrongType);
  assert.throws(() => Checkpoint.fromBytes(new Uint8Array(257)), (e) => e.class === "malformed");
  assert.equal(checkpoint.logId instanceof LogId, true);
  assert.equal(checkpoint.toBytes().length, 113);
  assert.throws(() => new VerifiedCheckpoint(), TypeError);
});

test("logs: the log key in a session state (SPEC.md 19.1)", async () => {
  for (const backend of ["node", "webcrypto"]) {
    await useBackend(backend);
    const { unlocked: u } = await newKeyring();
    const { checkpoint, state } = await u.createLog();
    const a = await u.sealLogEntry(state, "before the reload", APP);
    const session = exportSessionState(u);
    assert.equal(session.v, 4);
    if (backend === "webcrypto") {
      assert.equal(session.logKey.extractable, false);
      assert.deepEqual([...session.logKey.usages].sort(), ["sign", "verify"]);
      assert.equal(session.logKey.algorithm.name, "HMAC");
    }
    const resumed = await importSessionState(u.keyring, session, policy);
    const v = await resumed.verifyCheckpoint(a.checkpoint, state.pin, []);
    assert.equal(text(await resumed.openLogEntry(v, 0, a.entry.toBytes(), [], APP)), "before the reload");
    const b = await resumed.sealLogEntry(a.after, "after", APP);
    await u.verifyCheckpoint(b.checkpoint, a.after.pin, new LogTree().pushEntry(a.entry.toBytes()).pushEntry(b.entry.toBytes()).consistencyProof(1, 2));
    assert.equal(checkpoint.size, 0);
    const { logKey, ...old } = session;
    await assert.rejects(importSessionState(u.keyring, { ...old, v: 3 }, policy), TypeError);
    assert.ok(logKey);
  }
});
