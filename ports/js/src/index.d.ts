// Type declarations of the public API of strongroom-js (Strongroom v1 on WebCrypto).
// Hand-written: the implementation is plain JavaScript (src/index.js). Every name here is the
// API contract shared by the library, the storage module, the demo and the conformance adapter.

/** SPEC.md section 14 error classes: stable strings shared by every implementation. */
export type ErrorClass =
  | "malformed"
  | "unsupported_version"
  | "unsupported_algorithm"
  | "kdf_params_out_of_bounds"
  | "out_of_policy"
  | "unlock_failed"
  | "keyring_tampered"
  | "wrong_keyring"
  | "record_authentication_failed"
  | "limit_exceeded"
  | "invalid_input"
  | "randomness_unavailable"
  | "kdf_unavailable";

/**
 * Every failure of the library (SR-ERR-1). `class` and `reason` are SPEC.md section 14's strings;
 * `reason` is set exactly for `malformed`, `limit_exceeded` and `invalid_input`.
 *
 * Two failures are deliberately not StrongroomErrors: a password or label that is not a
 * well-formed string (lone UTF-16 surrogates) throws a `TypeError` at the API boundary
 * (SR-PWD-3, SR-OP-16), and so does an argument of the wrong JavaScript type.
 *
 * `unlock_failed` and `record_authentication_failed` never say which check failed (SR-ERR-2).
 */
export class StrongroomError extends Error {
  constructor(cls: ErrorClass, reason?: string | null, message?: string);
  /** The error class, e.g. `"malformed"`. */
  readonly class: ErrorClass;
  /** The reason code, e.g. `"truncated"`; `null` for classes without one. */
  readonly reason: string | null;
}

/**
 * KDF of a password slot (SPEC.md section 8). `id: 1` is PBKDF2-HMAC-SHA256, `id: 2` is
 * Argon2id v1.3 (computed by the hash-wasm package, loaded only when first needed).
 */
export type KdfParams =
  | { id: 1; iterations: number }
  | { id: 2; memoryKib: number; timeCost: number; parallelism: number };

/** The default KDF of new password slots (SR-KDF-5): `{id: 1, iterations: 600000}`. */
export const DEFAULT_KDF: KdfParams;

/**
 * Unlock policy (SPEC.md section 10): a floor against KDF downgrade by the server and a ceiling
 * against being made to work too long. Checked before any KDF runs, and against the KDF of every
 * slot this client writes.
 */
export class UnlockPolicy {
  /** SPEC.md section 10's default policy (SR-POL-6). Keep it outside tests and migrations. */
  static default(): UnlockPolicy;
  /**
   * Each pair is `[floor, ceiling]`, inclusive. Throws StrongroomError invalid_input
   * `policy_invalid` unless hard minimum <= floor <= ceiling <= hard maximum (SR-POL-5).
   */
  constructor(bounds: {
    pbkdf2Iterations: [number, number];
    argon2MemoryKib: [number, number];
    argon2TimeCost: [number, number];
    argon2Parallelism: [number, number];
  });
}

/**
 * Source of randomness: anything shaped like WebCrypto's `getRandomValues`. Defaults to
 * `globalThis.crypto`. An exception thrown by it fails the operation with
 * `randomness_unavailable` (SR-KEY-13); there is never a fallback.
 */
export interface RandomSource {
  getRandomValues(array: Uint8Array): Uint8Array;
}

/** One key slot of a decoded keyring (SPEC.md section 6.3). Byte fields are copies. */
export interface KeySlot {
  readonly kind: "password" | "recovery";
  /** The label as stored (UTF-8, never normalized). */
  readonly label: string;
  /** KDF of a password slot; `null` for a recovery slot. */
  readonly kdf: KdfParams | null;
  /** 32-byte KDF salt of a password slot; `null` for a recovery slot. */
  readonly salt: Uint8Array | null;
  readonly nonce: Uint8Array;
  readonly wrappedDek: Uint8Array;
  readonly commitment: Uint8Array;
  /** The exact encoding of the slot map, as received. */
  readonly bytes: Uint8Array;
}

/**
 * A decoded keyring (SPEC.md section 6.2): immutable, not yet authenticated. Its fields come from
 * the server and must not be trusted until an unlock has verified the keyring MAC.
 */
export class Keyring {
  private constructor();
  /** Strict decoder (SPEC.md section 5.4). Throws StrongroomError (malformed, ...). */
  static fromBytes(bytes: Uint8Array): Keyring;
  /** Decodes the text form `srk1.<base64url>` (SPEC.md section 13). */
  static fromText(text: string): Keyring;
  /**
   * Creates a keyring with one password slot at index 0, generation 0 (SR-OP-1).
   * `label` is required and may be `""`. `kdf` defaults to DEFAULT_KDF, `policy` to the default
   * policy (the new KDF must be within it, SR-POL-3), `random` to `globalThis.crypto`.
   * The returned UnlockedKeyring's `keyring` holds the bytes to store.
   */
  static create(
    password: string,
    label: string,
    options?: { kdf?: KdfParams; policy?: UnlockPolicy; random?: RandomSource },
  ): Promise<UnlockedKeyring>;
  /** The exact bytes (as received, or as written). */
  toBytes(): Uint8Array;
  /** The text form `srk1.<base64url>`. */
  toText(): string;
  /** 16-byte keyring id (a copy). */
  readonly id: Uint8Array;
  /**
   * Generation (0 to 2^53 - 1). Unverified until unlocked; remember the highest generation seen
   * after a successful unlock and refuse lower ones (SR-OP-10, SR-OP-13).
   */
  readonly generation: number;
  /** 32-byte keyring MAC (a copy). */
  readonly mac: Uint8Array;
  /** The slots in keyring order (1 to 8). */
  readonly slots: readonly KeySlot[];
  /**
   * Unlocks with a password, trying every password slot in order (SR-OP-2). Every password slot
   * is checked against `policy` (default: the default policy) before any KDF runs: one slot out
   * of policy fails with `out_of_policy`. Wrong password: `unlock_failed`; a slot opened but the
   * MAC is wrong: `keyring_tampered`.
   */
  unlock(password: string, policy?: UnlockPolicy): Promise<UnlockedKeyring>;
  /**
   * Tries only slot `index` (SR-OP-3): `{password}` for a password slot, `{recoveryCode}` for a
   * recovery slot. invalid_input `no_such_slot` for an index that is not an integer in range,
   * `wrong_slot_kind` for a credential of the other kind.
   */
  unlockSlot(
    index: number,
    credential: { password: string } | { recoveryCode: string },
    policy?: UnlockPolicy,
  ): Promise<UnlockedKeyring>;
  /**
   * Unlocks with a recovery code, trying every recovery slot in order (SR-OP-4). The code is
   * parsed first (invalid_input `recovery_code_format` / `recovery_code_check`). Recovery slots
   * have no KDF, so `policy` plays no part in the unlock; it becomes the policy in force of the
   * returned UnlockedKeyring (for password slots written later). Default: the default policy.
   */
  unlockWithRecovery(code: string, policy?: UnlockPolicy): Promise<UnlockedKeyring>;
}

/**
 * An unlocked keyring: holds the DEK as a non-extractable CryptoKey, never as bytes. Methods that
 * change the keyring replace `this.keyring` only on success (SR-ERR-3) and return the new Keyring,
 * whose generation is one higher; store (upload) its bytes. Changing a password or removing a slot
 * does not revoke the old credential for anyone holding an old copy (SR-OP-11).
 */
export class UnlockedKeyring {
  private constructor();
  /** The current keyring (MAC verified, or written by this client). */
  readonly keyring: Keyring;
  /**
   * The policy in force: the one passed to create/unlock (the default policy if none was).
   * changePassword and addPasswordSlot check their new KDF against it (SR-POL-3).
   */
  readonly policy: UnlockPolicy;
  /**
   * Replaces password slot `index` by a slot for `newPassword` with fresh salt and nonce, keeping
   * its label byte for byte (SR-OP-5). Confirm the user's current password first.
   */
  changePassword(
    index: number,
    newPassword: string,
    options?: { kdf?: KdfParams; random?: RandomSource },
  ): Promise<Keyring>;
  /** Appends a password slot (SR-OP-6); at most 8 slots. */
  addPasswordSlot(
    label: string,
    password: string,
    options?: { kdf?: KdfParams; random?: RandomSource },
  ): Promise<Keyring>;
  /**
   * Appends a recovery slot and returns its recovery code, to be shown to the user once and never
   * stored or sent (SR-REC-2).
   */
  addRecoverySlot(
    label: string,
    options?: { random?: RandomSource },
  ): Promise<{ keyring: Keyring; recoveryCode: string }>;
  /** Removes slot `index` (SR-OP-7); the only slot cannot be removed (`last_slot`). */
  removeSlot(index: number): Promise<Keyring>;
  /**
   * Seals a plaintext (at most 16 MiB; a string is encoded as UTF-8) bound to `context` (at most
   * 4,096 bytes; default empty), SR-OP-8. Pass a context that says where the record belongs
   * (user, collection, record id), SR-OP-14.
   */
  seal(
    plaintext: Uint8Array | string,
    context?: Uint8Array | string,
    options?: { random?: RandomSource },
  ): Promise<SealedRecord>;
  /**
   * Opens a record with the same context it was sealed with (SR-OP-9). `wrong_keyring` for a
   * record of another keyring; `record_authentication_failed` for any tampering or a wrong
   * context. No plaintext is released unless the tag verifies.
   */
  open(record: SealedRecord | Uint8Array, context?: Uint8Array | string): Promise<Uint8Array>;
}

/** A decoded sealed record (SPEC.md section 6.5). Byte fields are copies. */
export class SealedRecord {
  private constructor();
  /** Strict decoder (SPEC.md section 5.4). */
  static fromBytes(bytes: Uint8Array): SealedRecord;
  /** Decodes the text form `srr1.<base64url>`. */
  static fromText(text: string): SealedRecord;
  toBytes(): Uint8Array;
  toText(): string;
  readonly keyringId: Uint8Array;
  readonly salt: Uint8Array;
  readonly nonce: Uint8Array;
  readonly commitment: Uint8Array;
  /** Ciphertext followed by the 16-byte tag. */
  readonly ciphertext: Uint8Array;
}

/**
 * `P` of SR-PWD-1: UTF-8 of the NFC normalization. TypeError for an ill-formed string;
 * invalid_input `empty_password`, limit_exceeded `password_too_long`.
 */
export function normalizePassword(password: string): Uint8Array;

/** A recovery code (SPEC.md section 12). */
export class RecoveryCode {
  private constructor();
  /**
   * Lenient parse (SR-REC-1): ignores `-` and spaces, ASCII case, O->0, I/L->1. invalid_input
   * `recovery_code_format` or `recovery_code_check`.
   */
  static parse(code: string): Promise<RecoveryCode>;
  /** The code of a 32-byte secret (async: the check is SHA-256 through WebCrypto). */
  static fromSecret(secret: Uint8Array): Promise<RecoveryCode>;
  /** The canonical form: 14 groups of 4 symbols joined by `-` (SR-REC-3). */
  toString(): string;
  /** The 32-byte recovery secret (a copy; wipe it with fill(0) when done). */
  secretBytes(): Uint8Array;
}

/** The numbers of SPEC.md section 15 and the hard KDF limits of SR-KDF-3 (frozen). */
export const limits: {
  /** Largest keyring encoding (SR-CBOR-10). */
  readonly maxKeyringBytes: 4096;
  /** Largest record encoding (SR-CBOR-10). */
  readonly maxRecordBytes: 16777488;
  /** Largest plaintext of one record (SR-OP-8). */
  readonly maxPlaintextBytes: 16777216;
  readonly minCiphertextBytes: 16;
  readonly maxCiphertextBytes: 16777232;
  /** Largest context (SR-OP-8, SR-OP-9). */
  readonly maxContextBytes: 4096;
  readonly minSlots: 1;
  readonly maxSlots: 8;
  /** Largest label, in UTF-8 bytes (SR-OP-15). */
  readonly maxLabelBytes: 64;
  /** Largest normalized password, in bytes (SR-PWD-2). */
  readonly maxPasswordBytes: 1024;
  /** 2^53 - 1 (SR-OP-12). */
  readonly maxGeneration: number;
  readonly maxNestingDepth: 4;
  readonly recordHeaderBytes: 107;
  /** Hard [minimum, maximum] of each KDF parameter (SR-KDF-3); memoryKib is also >= 8 * parallelism. */
  readonly pbkdf2Iterations: readonly [1, 10000000];
  readonly argon2MemoryKib: readonly [8, 1048576];
  readonly argon2TimeCost: readonly [1, 16];
  readonly argon2Parallelism: readonly [1, 16];
};
