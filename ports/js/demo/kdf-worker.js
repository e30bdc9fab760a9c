// Strongroom demo: the password KDF (PBKDF2 or Argon2id) off the page's main thread.
//
// app.js starts one module worker per operation and terminates it after the reply, so that the
// password, the recovery code and the KDF's memory do not outlive the operation. Each operation
// ends with an UnlockedKeyring here; the reply carries the keyring's text form and
// sessionState(unlocked) (non-extractable CryptoKeys, structured-cloned by postMessage), and the
// page rebuilds the UnlockedKeyring with resumeSession(Keyring.fromText(keyringText), state),
// which verifies the keyring MAC and runs no KDF.
//
// Messages in:  {op, ...arguments} (see OPS).
// Messages out: {ok: true, result: {keyringText, state, recoveryCode?}} or
//               {ok: false, error: {class, reason, name, message}} (a StrongroomError's own
//               fields do not survive a structured clone, so they are copied out).
import { Keyring, UnlockPolicy } from "../src/index.js";
import { sessionState, resumeSession } from "../src/storage.js";

function reply(unlocked) {
  return { keyringText: unlocked.keyring.toText(), state: sessionState(unlocked) };
}

// Every operation gets the page's policy (null: SPEC.md section 10's default); an unlock also gets
// the page's keyring pin (CheckPin runs again here, before any KDF, and the pin's preferred slot
// goes first).
const policyOf = (p) => (p ? new UnlockPolicy(p) : undefined);
const pinOf = (pin) => (pin ? { pin } : {});

// The page's unlocked keyring, rebuilt here from its session state: a change needs no unlock of
// its own, only the credential the change itself checks (SPEC.md section 19.1).
const resume = ({ keyringText, state, policy }) => resumeSession(Keyring.fromText(keyringText), state, { policy: policyOf(policy) });


const OPS = {
  async create({ password, label, kdf, policy }) {
    return reply(await Keyring.create(password, { label, kdf, policy: policyOf(policy) }));
  },
  async unlock({ keyringText, password, pin, policy }) {
    return reply(await Keyring.fromText(keyringText).unlock(password, policyOf(policy), pinOf(pin)));
  },
  async unlockWithRecovery({ keyringText, recoveryCode, pin, policy }) {
    return reply(await Keyring.fromText(keyringText).unlockWithRecovery(recoveryCode, policyOf(policy), pinOf(pin)));
  },
  async changePassword(msg) {
    const unlocked = await resume(msg);
    await unlocked.changePassword(msg.credential, msg.index, msg.newPassword, { kdf: msg.kdf, allowWeakerKdf: msg.allowWeakerKdf === true });
    return reply(unlocked);
  },
  async addRecoverySlot(msg) {
    const unlocked = await resume(msg);
    const { recoveryCode } = await unlocked.addRecoverySlot(msg.credential, { label: msg.label });
    return { ...reply(unlocked), recoveryCode };
  },
};

self.onmessage = async ({ data }) => {
  try {
    const op = OPS[data?.op];
    if (!op) throw new TypeError(`kdf-worker: unknown operation ${JSON.stringify(data?.op)}`);
    self.postMessage({ ok: true, result: await op(data) });
  } catch (err) {
    self.postMessage({
      ok: false,
      error: {
        class: err?.class ?? null,
        reason: err?.reason ?? null,
        name: err?.name ?? "Error",
        message: String(err?.message ?? err),
      },
    });
  }
};
