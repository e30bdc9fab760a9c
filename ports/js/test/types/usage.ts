// Compiled by `npm run test:types` (tsc --strict, no emit): the declarations in src/*.d.ts must
// accept the documented uses and reject the traps they exist to catch.
import { Keyring, StreamHeader, STREAM_CHUNK_SIZE, STREAM_HEADER_LEN, type StreamChunk, SealedRecord, SecretKey, StrongroomError, UnlockPolicy, DEFAULT_ARGON2ID, type KeyringPin, type OpenResult,
  LogId, Checkpoint, LogState, LogTree, VerifiedCheckpoint, LogAppend, type LogPin, type LogStateJSON } from "strongroom";
import { saveSession, loadSession, sessionState, resumeSession, saveSecretKey, loadSecretKey } from "strongroom/storage";

export async function documentedUses(keyringText: string): Promise<string> {
  const u = await Keyring.create("pw", { label: "laptop", kdf: { id: 2 } });
  await Keyring.create("pw", { kdf: { id: 1 } });
  await Keyring.create("pw", { kdf: DEFAULT_ARGON2ID, policy: UnlockPolicy.default() });
  const r: SealedRecord = await u.seal("entry", "user:alice|log|1");
  const many: SealedRecord[] = await u.sealMany([{ plaintext: "a", context: "log:1" }]);
  const opened: OpenResult[] = await u.openMany(many.map((record, i) => ({ record, context: `log:${i}` })));
  for (const o of opened) if (!o.ok) console.log(o.error.class, o.error.reason, o.error.message);
  await u.changePassword({ password: "pw" }, 0, "new", { kdf: { id: 2, memoryKib: 65536, timeCost: 3, parallelism: 4 } });
  const { recoveryCode } = await u.addRecoverySlot({ password: "new" }, { label: "paper" });
  await u.addPasswordSlot({ recoveryCode }, "third", { label: "phone" });
  await u.removeSlot({ recoveryCode }, 1);
  const index: number | null = u.slotIndex;
  await saveSession("main", u, { maxAgeMs: 60_000 });
  const k = Keyring.fromText(keyringText);
  const resumed = await loadSession("main", k);
  const again = await resumeSession(k, sessionState(u));
  const e = new StrongroomError("malformed", "truncated");
  // Issue 14: secret keys, pins, the auth key, the work budget, never-weaker password changes.
  const policy = new UnlockPolicy({
    pbkdf2Iterations: [600_000, 2_000_000], argon2MemoryKib: [19_456, 262_144], argon2TimeCost: [2, 8],
    argon2Parallelism: [1, 8], maxUnlockWork: 16_777_216,
  });
  const budget: number = policy.maxUnlockWork;
  const { unlocked, secretKey, secretKeyCode } = await Keyring.createWithSecretKey("pw", { kdf: { id: 2 }, policy });
  await saveSecretKey("alice", secretKey);
  const saved: SecretKey | null = await loadSecretKey("alice");
  const pin: KeyringPin = await unlocked.pin();
  localStorage.setItem("pin", JSON.stringify(pin));
  const stored = JSON.parse(localStorage.getItem("pin") ?? "null") as KeyringPin;
  if (stored) await unlocked.keyring.checkPin(stored, { acceptJump: false });
  const sk = await unlocked.keyring.unlockWithSecretKey("pw", saved ?? secretKeyCode, policy, { pin: stored });
  await unlocked.keyring.unlock("pw", policy, { preferred: { salt: new Uint8Array(32), commitment: "00".repeat(32) } });
  await unlocked.keyring.unlockSlot(0, { password: "pw", secretKey: secretKeyCode }, policy, { pin, acceptJump: true });
  const tag: Uint8Array = await sk.authTag("POST /records/1");
  const { secretKey: fresh, code } = await SecretKey.generate();
  await u.addSecretKeySlot({ password: "new" }, "pw4", fresh, { label: "desktop" });
  await sk.changePassword({ password: "pw", secretKey }, 1, "pw5", { kdf: { id: 1, iterations: 100_000 }, allowWeakerKdf: true });
  const kinds: string[] = sk.keyring.slots.map((s) => (s.kind === "unknown" ? `unknown kind ${s.kindValue}` : s.kind));
  return `${index} ${resumed === null} ${again.keyring.generation} ${e.class} ${budget} ${tag.length} ${code} ${kinds} ${new TextDecoder().decode(await u.open(r, "user:alice|log|1"))}`;
}

// Logs (SPEC.md 11.15): the API the web demo is built against.
export async function logUses(u: Awaited<ReturnType<typeof Keyring.create>>): Promise<string> {
  const { checkpoint, state } = await u.createLog();
  const again = await u.createLog(LogId.fromHex("00".repeat(16)));
  const id: LogId = LogId.generate();
  const b: Uint8Array = LogId.fromBytes(id.bytes).bytes;
  const append: LogAppend = await u.sealLogEntry(state, "alice logged in", "user:alice");
  const tree = new LogTree().pushEntry(append.entry.toBytes());
  const pin: LogPin = state.pin;
  const verified: VerifiedCheckpoint = await u.verifyCheckpoint(append.checkpoint.toText(), pin, []);
  const included: boolean = await append.includedIn(verified, tree.inclusionProof(0, 1) ?? []);
  const one: Uint8Array = await u.openLogEntry(verified, 0, append.entry.toBytes(), [], "user:alice");
  const { plaintexts, state: next } = await u.openLogEntries(state, verified, [{ position: 0, entry: append.entry.toBytes() }], new Uint8Array(0));
  const json: LogStateJSON = next.toJSON();
  const back: LogState = LogState.fromJSON(JSON.parse(JSON.stringify(json)));
  const parts = LogState.fromParts(verified.pin(), tree.frontier(1) ?? []);
  const empty = LogState.empty(u.keyring.id, append.after.pin.logId);
  const c: Checkpoint = Checkpoint.fromBytes(checkpoint.toBytes());
  const root: Uint8Array | null = tree.root(1);
  const size: number = c.size + again.state.size + back.size + parts.frontier.length + empty.size + append.position + append.expected.size;
  return `${id.toHex()} ${b.length} ${included} ${one.length} ${plaintexts.length} ${size} ${root?.length} ${c.logId.toHex()} ${tree.consistencyProof(1, 1)}`;
}

export async function traps(u: Awaited<ReturnType<typeof Keyring.create>>, r: SealedRecord): Promise<void> {
  // @ts-expect-error the context is required
  await u.seal("entry");
  // @ts-expect-error the context is required
  await u.open(r);
  // @ts-expect-error a change takes a credential first
  await u.addPasswordSlot("label", "password");
  // @ts-expect-error the label is an option, not a positional argument
  await Keyring.create("pw", "label");
  // @ts-expect-error a credential has a password or a recovery code
  await u.removeSlot({ pin: "1234" }, 0);
  // @ts-expect-error a secret key is no credential without the password
  await u.removeSlot({ secretKey: "SK1-..." }, 0);
  // @ts-expect-error a recovery code does not go with a secret key
  await u.removeSlot({ recoveryCode: "x", secretKey: "SK1-..." }, 0);
  // @ts-expect-error a policy states its work budget
  new UnlockPolicy({ pbkdf2Iterations: [1, 2], argon2MemoryKib: [8, 8], argon2TimeCost: [1, 1], argon2Parallelism: [1, 1] });
  // @ts-expect-error a pin carries its preferred slot: not both
  await u.keyring.unlock("pw", undefined, { pin: await u.pin(), preferred: { salt: "", commitment: "" } });
  // @ts-expect-error allowWeakerKdf is a boolean
  await u.changePassword({ password: "pw" }, 0, "x", { allowWeakerKdf: "yes" });
  // @ts-expect-error the auth key itself is never exposed
  u.authKey;
  const { state } = await u.createLog();
  // @ts-expect-error a log entry needs the application's context
  await u.sealLogEntry(state, "entry");
  // @ts-expect-error a pin is a LogPin, not a state
  await u.verifyCheckpoint(new Uint8Array(0), state, []);
  // @ts-expect-error only a verified checkpoint opens entries
  await u.openLogEntry(Checkpoint.fromBytes(new Uint8Array(0)), 0, null, [], "app");
  // @ts-expect-error a log id is not a string
  await u.createLog("00");
  // @ts-expect-error randomness cannot be injected through the public API
  await Keyring.create("pw", { random: { getRandomValues: (a: Uint8Array) => a } });

  // Sealed streams (SPEC.md 11.16).
  const sealer: TransformStream<Uint8Array, Uint8Array> = u.sealStream("files/a");
  const opened: ReadableStream<Uint8Array> = new ReadableStream<Uint8Array>().pipeThrough(sealer).pipeThrough(u.openStream("files/a"));
  void opened;
  const sealedBytes: Uint8Array = await u.sealStreamBytes(new Uint8Array(3), "files/a");
  const plain: Uint8Array = await u.openStreamBytes(sealedBytes, "files/a");
  void plain;
  const chunk: StreamChunk = await u.openStreamChunk(new Blob([sealedBytes.slice()]), 0, "files/a");
  const fin: boolean = chunk.final;
  void fin;
  await u.openStreamChunk({ read: async (offset: number, length: number) => sealedBytes.slice(offset, offset + length) }, 0, "files/a");
  const many = await u.openStreamChunks(sealedBytes, "files/a");
  const hdr: StreamHeader = many.header;
  const n: number = StreamHeader.fromBytes(sealedBytes).chunkCount(sealedBytes.length) + hdr.chunkSize + STREAM_CHUNK_SIZE + STREAM_HEADER_LEN;
  void n;
  // @ts-expect-error a stream needs its context
  u.sealStream();
  // @ts-expect-error the in-memory helper takes bytes, not a string
  await u.sealStreamBytes("text", "files/a");
  // @ts-expect-error a source is bytes, a Blob or a reader
  await u.openStreamChunk("sealed", 0, "files/a");
}
