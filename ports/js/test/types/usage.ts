// Compiled by `npm run test:types` (tsc --strict, no emit): the declarations in src/*.d.ts must
// accept the documented uses and reject the traps they exist to catch.
import { Keyring, SealedRecord, StrongroomError, UnlockPolicy, DEFAULT_ARGON2ID, type OpenResult } from "strongroom";
import { saveSession, loadSession, sessionState, resumeSession } from "strongroom/storage";

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
  return `${index} ${resumed === null} ${again.keyring.generation} ${e.class} ${new TextDecoder().decode(await u.open(r, "user:alice|log|1"))}`;
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
  // @ts-expect-error randomness cannot be injected through the public API
  await Keyring.create("pw", { random: { getRandomValues: (a: Uint8Array) => a } });
}
