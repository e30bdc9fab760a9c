// Type declarations of the public API of strongroom-js (Strongroom v1). Hand-written: the
// implementation is plain JavaScript (src/index.js in browsers, on WebCrypto; src/node.js under
// Node, on node:crypto; the same API and bytes). Every name here is the API contract shared by
// the library, the storage module, the demo, the extension and the conformance adapter.

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
  | "checkpoint_authentication_failed"
  | "stream_authentication_failed"
  | "stream_violation"
  | "limit_exceeded"
  | "history_violation"
  | "invalid_input"
  | "randomness_unavailable"
  | "kdf_unavailable";

/**
 * Every failure of the library (SR-ERR-1). `class` and `reason` are SPEC.md section 14's strings;
 * `reason` is set exactly for `malformed`, `limit_exceeded`, `invalid_input` and
 * `history_violation` (`keyring_replaced`, `keyring_rollback`, `keyring_fork`,
 * `keyring_generation_jump`: the server served an older or different keyring than the pin;
 * `log_replaced`, `log_truncated`, `log_fork`, `log_entry_missing`, `log_entry_mismatch`: a log's
 * checkpoint or entries are not the history the log pin commits to, SPEC.md 11.15) and
 * `stream_violation` (`stream_truncated`, `chunk_from_another_stream`, `chunk_duplicated`,
 * `chunk_reordered`, `data_after_final_chunk`: the frames of a sealed stream are not the sequence
 * its sealer wrote, SPEC.md 11.16.4).
 *
 * Two failures are deliberately not StrongroomErrors: a password or label that is not a
 * well-formed string (lone UTF-16 surrogates) throws a `TypeError` at the API boundary
 * (SR-PWD-3, SR-OP-16), and so does an argument of the wrong JavaScript type.
 *
 * `unlock_failed` and `record_authentication_failed` never say which check failed (SR-ERR-2).
 */
export class StrongroomError extends Error {
  /**
   * `message` is for people, e.g. "malformed input: truncated" (the Rust crate's wording), with
   * `detail` appended in parentheses; `options.cause` is the host error behind it, if any
   * (kdf_unavailable carries the WebAssembly or memory error and says what to change).
   */
  constructor(cls: ErrorClass, reason?: string | null, detail?: string, options?: { cause?: unknown });
  /** The error class, e.g. `"malformed"`. */
  readonly class: ErrorClass;
  /** The reason code, e.g. `"truncated"`; `null` for classes without one. */
  readonly reason: string | null;
}

/**
 * KDF of a password slot (SPEC.md section 8). `id: 1` is PBKDF2-HMAC-SHA256, `id: 2` is
 * Argon2id v1.3 (hash-wasm's WebAssembly build, vendored in the package; `{id: 2}` alone means
 * SR-KDF-5's Argon2id defaults, 64 MiB, t = 3, p = 4).
 */
export type KdfParams =
  | { id: 1; iterations: number }
  | { id: 2; memoryKib: number; timeCost: number; parallelism: number };

/**
 * What `create`, `changePassword` and `addPasswordSlot` accept: a full KdfParams, or a shorthand
 * that SR-KDF-5's defaults complete (`{id: 1}`: 600,000 iterations; `{id: 2}`: 64 MiB, t = 3, p = 4).
 */
export type KdfChoice = KdfParams | { id: 1 } | { id: 2 };

/** The default KDF of new password slots (SR-KDF-5): `{id: 1, iterations: 600000}`. */
export const DEFAULT_KDF: KdfParams;
/** SR-KDF-5's Argon2id parameters: `{id: 2, memoryKib: 65536, timeCost: 3, parallelism: 4}`. */
export const DEFAULT_ARGON2ID: KdfParams;

/**
 * Unlock policy (SPEC.md section 10): a floor against KDF downgrade by the server and a ceiling
 * against being made to work too long. Checked before any KDF runs, and against the KDF of every
 * slot this client writes.
 */
export class UnlockPolicy {
  /** SPEC.md section 10's default policy (SR-POL-6). Keep it outside tests and migrations. */
  static default(): UnlockPolicy;
  /**
   * Each pair is `[floor, ceiling]`, inclusive; `maxUnlockWork` (required, no default is filled
   * in) bounds the total KDF work of one `unlock` or `unlockWithSecretKey` (SR-POL-7), in PBKDF2
   * iterations: a PBKDF2 slot costs its iterations, an Argon2id slot 8 x memoryKib x timeCost.
   * The default policy's budget is 16,777,216. Throws StrongroomError invalid_input
   * `policy_invalid` unless hard minimum <= floor <= ceiling <= hard maximum (SR-POL-5) and
   * 1 <= maxUnlockWork <= 2^40.
   */
  constructor(bounds: {
    pbkdf2Iterations: [number, number];
    argon2MemoryKib: [number, number];
    argon2TimeCost: [number, number];
    argon2Parallelism: [number, number];
    maxUnlockWork: number;
  });
  readonly pbkdf2Iterations: readonly [number, number];
  readonly argon2MemoryKib: readonly [number, number];
  readonly argon2TimeCost: readonly [number, number];
  readonly argon2Parallelism: readonly [number, number];
  readonly maxUnlockWork: number;
}

/**
 * A secret key (SPEC.md section 12.1): 16 random bytes that a secret-key slot needs besides the
 * password (SR-KEY-16). It holds them as an HMAC-SHA256 key with the usage `sign` only, a
 * non-extractable CryptoKey on WebCrypto (strongroom/storage's `saveSecretKey` keeps it in
 * IndexedDB as it is); its bytes and its code cannot be read back. The code (`SK1-` and 8 groups
 * of 4 symbols) goes to the user once, for the emergency kit, and never to the server (SR-SK-2).
 */
export class SecretKey {
  private constructor();
  /**
   * A code as the user typed it (SR-SK-1: `-` and spaces ignored, ASCII case, O -> 0, I and
   * L -> 1 after the `SK1` prefix). invalid_input `secret_key_format` or `secret_key_check`.
   */
  static parse(code: string): Promise<SecretKey>;
  /** 16 new bytes from the CSPRNG and their code, to show once (new_secret_key(), SPEC.md 11.7.1). */
  static generate(): Promise<{ secretKey: SecretKey; code: string }>;
  /** The code (SR-SK-3) of 16 secret-key bytes made elsewhere; the bytes are not kept. */
  static format(bytes: Uint8Array): Promise<string>;
  /** `"[SecretKey]"`: nothing about the key. */
  toJSON(): string;
  toString(): string;
}

/** A secret key, or its code (parsed at step 1 of the operation). */
export type SecretKeyInput = SecretKey | string;

/**
 * What a client remembers of a keyring it has unlocked or written (SPEC.md 11.12): plain JSON
 * (hex strings and a number), to keep in the client's own storage, never the server's.
 * `preferred` is the slot that opened it (salt and commitment), tried first by the next unlock.
 */
export interface KeyringPin {
  keyringId: string;
  generation: number;
  /** SHA-256 of the keyring's exact bytes, hex. */
  digest: string;
  preferred?: PreferredSlot;
}

/** A slot by its salt and commitment (32 bytes each, as bytes or hex). */
export interface PreferredSlot {
  salt: Uint8Array | string;
  commitment: Uint8Array | string;
}

/**
 * Options of `unlock` and `unlockWithSecretKey`: a `pin` (CheckPin before any KDF, SR-PIN-1; its
 * preferred slot goes first) or a `preferred` slot alone; `acceptJump` (with a pin) confirms a
 * generation more than 64 above the pin's (SR-PIN-3).
 */
export type UnlockOptions =
  | { pin?: KeyringPin; acceptJump?: boolean; preferred?: never }
  | { preferred?: PreferredSlot; pin?: never; acceptJump?: never };

/** Options of `unlockSlot` and `unlockWithRecovery`: a pin, and the confirmation of a jump. */
export type PinOptions = { pin?: KeyringPin; acceptJump?: boolean };

/**
 * What authorizes a change to a keyring (SPEC.md section 19.1): the password of one of its
 * password slots, the password and secret key of one of its secret-key slots, or one of its
 * recovery codes. An unlocked keyring keeps nothing from which the DEK can be computed, so every
 * change derives it again from a credential, inside that one call.
 */
export type Credential =
  | { password: string; secretKey?: undefined; recoveryCode?: undefined }
  | { password: string; secretKey: SecretKeyInput; recoveryCode?: undefined }
  | { recoveryCode: string; password?: undefined; secretKey?: undefined };

/**
 * One key slot of a decoded keyring (SPEC.md section 6.3). Byte fields are copies. `"unknown"` is
 * a skippable kind (64 to 65,535) this version does not implement (SPEC.md 6.3.1): it is kept byte
 * for byte, never tried, may be removed, cannot be changed; show it as "unknown kind N".
 */
export interface KeySlot {
  readonly kind: "password" | "recovery" | "secret-key" | "unknown";
  /** The kind's number: 1 password, 2 recovery, 64 secret-key, or the unknown kind's value. */
  readonly kindValue: number;
  /** The label as stored (UTF-8, never normalized). */
  readonly label: string;
  /** KDF of a password or secret-key slot; `null` otherwise. */
  readonly kdf: KdfParams | null;
  /** 32-byte KDF salt of a password or secret-key slot; `null` otherwise. */
  readonly salt: Uint8Array | null;
  /** 12-byte nonce; `null` for a slot of an unknown kind. */
  readonly nonce: Uint8Array | null;
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
  /**
   * Strict decoder (SPEC.md section 5.4). Throws StrongroomError (malformed, ...); an input over
   * the size limit is refused before it is copied.
   */
  static fromBytes(bytes: Uint8Array): Keyring;
  /** Decodes the text form `srk1.<base64url>` (SPEC.md section 13). */
  static fromText(text: string): Keyring;
  /**
   * Creates a keyring with one password slot at index 0, generation 0 (SR-OP-1). `label`
   * defaults to `""`, `kdf` to DEFAULT_KDF (SR-KDF-5), `policy` to the default policy (the new
   * KDF must be within it, SR-POL-3). The returned UnlockedKeyring's `keyring` holds the bytes to
   * store. An unknown option is a TypeError.
   */
  static create(password: string, options?: { label?: string; kdf?: KdfChoice; policy?: UnlockPolicy }): Promise<UnlockedKeyring>;
  /**
   * Creates a keyring whose one slot (a secret-key slot, kind 64) needs the password and a new
   * secret key (SR-OP-19). Show `secretKeyCode` to the user once (emergency kit, SR-SK-2) and keep
   * `secretKey` on the device (strongroom/storage's `saveSecretKey`), never with the keyring.
   */
  static createWithSecretKey(
    password: string,
    options?: { label?: string; kdf?: KdfChoice; policy?: UnlockPolicy },
  ): Promise<{ unlocked: UnlockedKeyring; secretKey: SecretKey; secretKeyCode: string }>;
  /** The exact bytes (as received, or as written). */
  toBytes(): Uint8Array;
  /** The text form `srk1.<base64url>`. */
  toText(): string;
  /** 16-byte keyring id (a copy). */
  readonly id: Uint8Array;
  /**
   * Generation (0 to 2^53 - 1). Unverified until unlocked; keep a pin (`UnlockedKeyring#pin`)
   * rather than the generation alone, which catches rollbacks but not forks (SR-OP-10).
   */
  readonly generation: number;
  /** 32-byte keyring MAC (a copy). */
  readonly mac: Uint8Array;
  /** The slots in keyring order (1 to 8). */
  readonly slots: readonly KeySlot[];
  /**
   * The pin of this keyring as decoded: id, generation, digest (no preferred slot). Pin only a
   * keyring whose MAC was verified, or that this client wrote and the server acknowledged
   * (SR-PIN-2); `UnlockedKeyring#pin` is the one to store after an unlock.
   */
  pin(): Promise<KeyringPin>;
  /**
   * CheckPin (SPEC.md 11.12): history_violation `keyring_replaced` (another id), `keyring_rollback`
   * (lower generation), `keyring_fork` (same generation, other bytes), `keyring_generation_jump`
   * (more than 64 above the pin, unless `acceptJump`). No KDF, no key. A malformed pin is a TypeError.
   */
  checkPin(pin: KeyringPin, options?: { acceptJump?: boolean }): Promise<void>;
  /**
   * Unlocks with a password, trying every password slot in order (SR-OP-2), the preferred slot
   * (or the pin's) first. Every password slot is checked against `policy` (default: the default
   * policy) before any KDF runs: one slot out of policy fails with `out_of_policy`; then their
   * work against `policy.maxUnlockWork` (limit_exceeded `unlock_work_exceeded`; with a preferred
   * slot, that slot alone first, the others once it failed). Never tries a secret-key slot.
   * Wrong password: `unlock_failed`; a slot opened but the MAC is wrong: `keyring_tampered`.
   * With `pin`, CheckPin runs first (history_violation).
   */
  unlock(password: string, policy?: UnlockPolicy, options?: UnlockOptions): Promise<UnlockedKeyring>;
  /**
   * Unlocks with a password and a secret key, trying the secret-key slots only (SR-OP-20), as
   * `unlock` does for password slots. The password is prepared first, then the code parsed
   * (invalid_input `secret_key_format` / `secret_key_check`), both before any KDF.
   */
  unlockWithSecretKey(password: string, secretKey: SecretKeyInput, policy?: UnlockPolicy, options?: UnlockOptions): Promise<UnlockedKeyring>;
  /**
   * Tries only slot `index` (SR-OP-3): `{password}` for a password slot, `{password, secretKey}`
   * for a secret-key slot, `{recoveryCode}` for a recovery slot. invalid_input `no_such_slot` for
   * an index that is not an integer in range, `wrong_slot_kind` for a credential of another kind
   * (or a slot of an unknown kind). The work budget does not apply: one slot, checked by the
   * policy alone.
   */
  unlockSlot(index: number, credential: Credential, policy?: UnlockPolicy, options?: PinOptions): Promise<UnlockedKeyring>;
  /**
   * Unlocks with a recovery code, trying every recovery slot in order (SR-OP-4). The code is
   * parsed first (invalid_input `recovery_code_format` / `recovery_code_check`). Recovery slots
   * have no KDF, so `policy` plays no part in the unlock; it becomes the policy in force of the
   * returned UnlockedKeyring (for password slots written later). Default: the default policy.
   */
  unlockWithRecovery(code: string, policy?: UnlockPolicy, options?: PinOptions): Promise<UnlockedKeyring>;
}

/** One item of a batch open: the plaintext, or the error of that record alone. */
export type OpenResult = { ok: true; plaintext: Uint8Array } | { ok: false; error: StrongroomError };

/**
 * An unlocked keyring. It holds the record root (SR-KEY-14), a verify-only keyring MAC key, a
 * sign-only authentication key (SR-KEY-15) and the log key (SR-LOG-7: HMAC, sign and verify,
 * checkpoint MACs only), non-extractable on WebCrypto, and nothing from which
 * the DEK can be computed (SPEC.md 19.1): sealing, opening and auth tags need no credential,
 * every change to the keyring takes one again.
 *
 * Changes run one at a time, replace `this.keyring` only on success (SR-ERR-3) and return the
 * new Keyring, whose generation is one higher: store (upload) its bytes. A credential that opens
 * no slot fails the change with `unlock_failed`, after the change's own argument checks and
 * before its KDF. Changing a password or removing a slot does not revoke the old credential for
 * anyone holding an old copy (SR-OP-11).
 */
export class UnlockedKeyring {
  private constructor();
  /** The current keyring (MAC verified, or written by this client). */
  readonly keyring: Keyring;
  /**
   * The policy in force: the one passed to create/unlock (the default policy if none was).
   * New KDFs and the credential's slots are checked against it (SR-POL-3, SR-POL-2).
   */
  readonly policy: UnlockPolicy;
  /**
   * Index in `keyring.slots` of the slot that opened this keyring (0 for a created one), kept
   * up to date when a slot before it is removed; null once that slot is removed.
   */
  readonly slotIndex: number | null;
  /**
   * The pin of the current keyring, with the slot that opened it as `preferred` (a password or
   * secret-key slot). Store it after an unlock, and after the server acknowledged a keyring this
   * client wrote (SR-PIN-2); pass it to the next unlock.
   */
  pin(): Promise<KeyringPin>;
  /**
   * HMAC-SHA256 of `message` (at most 16 MiB; a string is its UTF-8) under the authentication key
   * (SPEC.md 11.14, SR-KEY-15), to authenticate this client to the application's server
   * (SR-AUTH-2). The key is derived from the DEK only, never exposed: not a password verifier.
   */
  authTag(message: Uint8Array | string): Promise<Uint8Array>;
  /**
   * Replaces password slot `index` by a slot for `newPassword` with fresh salt and nonce, keeping
   * its label byte for byte (SR-OP-5). `kdf` defaults to SR-KDF-5's default, never to the old
   * slot's parameters (SR-KDF-6); a KDF weaker than the old slot's (lower iterations, memoryKib
   * or timeCost, or PBKDF2 replacing Argon2id) fails with invalid_input `weaker_kdf` unless
   * `allowWeakerKdf` (SR-KDF-8), so the default on an Argon2id slot needs an explicit `kdf`.
   * A secret-key slot is not changed here (`wrong_slot_kind`): add a new one and remove the old.
   */
  changePassword(
    credential: Credential,
    index: number,
    newPassword: string,
    options?: { kdf?: KdfChoice; allowWeakerKdf?: boolean },
  ): Promise<Keyring>;
  /** Appends a password slot (SR-OP-6); at most 8 slots. `label` defaults to `""`. */
  addPasswordSlot(credential: Credential, password: string, options?: { label?: string; kdf?: KdfChoice }): Promise<Keyring>;
  /**
   * Appends a secret-key slot for `password` and `secretKey` (SR-OP-21): the user's existing
   * secret key (one emergency kit for every slot) or a new one from `SecretKey.generate()`.
   */
  addSecretKeySlot(
    credential: Credential,
    password: string,
    secretKey: SecretKeyInput,
    options?: { label?: string; kdf?: KdfChoice },
  ): Promise<Keyring>;
  /**
   * Appends a recovery slot and returns its recovery code, to be shown to the user once and never
   * stored or sent (SR-REC-2).
   */
  addRecoverySlot(credential: Credential, options?: { label?: string }): Promise<{ keyring: Keyring; recoveryCode: string }>;
  /**
   * Removes slot `index` (SR-OP-7), of any kind, unknown ones included; the only slot cannot be
   * removed (`last_slot`).
   */
  removeSlot(credential: Credential, index: number): Promise<Keyring>;
  /**
   * Seals a plaintext (at most 16 MiB; a string is encoded as UTF-8) bound to `context` (at most
   * 4,096 bytes), SR-OP-8. The context is required: pass one that says where the record belongs
   * (user, collection, position), SR-OP-14, so that a server cannot move it.
   */
  seal(plaintext: Uint8Array | string, context: Uint8Array | string): Promise<SealedRecord>;
  /**
   * Opens a record with the same context it was sealed with (SR-OP-9). `wrong_keyring` for a
   * record of another keyring; `record_authentication_failed` for any tampering or a wrong
   * context. No plaintext is released unless the tag verifies.
   */
  open(record: SealedRecord | Uint8Array, context: Uint8Array | string): Promise<Uint8Array>;
  /**
   * Seals every item, keeping up to 64 records in flight (a browser's WebCrypto runs them in
   * parallel). Results in input order; the first failure rejects the batch.
   */
  sealMany(items: Iterable<{ plaintext: Uint8Array | string; context: Uint8Array | string }>): Promise<SealedRecord[]>;
  /**
   * Opens every item with the same concurrency; one result per item, in input order, so that one
   * tampered or foreign record does not hide the others.
   */
  openMany(items: Iterable<{ record: SealedRecord | Uint8Array; context: Uint8Array | string }>): Promise<OpenResult[]>;

  // Sealed streams (SPEC.md 11.16). The stream key derives from the record root: a saved session
  // needs nothing more. `context` is required and at most 4,096 bytes, as for records.
  /**
   * SealStream as a TransformStream: plaintext bytes in; the 95-byte header, then one frame per
   * 64 KiB chunk out. Holds at most one chunk, plus one byte of look-ahead to know which chunk is
   * final; the final frame is written when the writable side closes. Throws limit_exceeded
   * `context_too_long` at the call; errors the stream with `stream_too_large` past 2^32 chunks.
   */
  sealStream(context: Uint8Array | string): TransformStream<Uint8Array, Uint8Array>;
  /**
   * OpenStream as a TransformStream: the sealed bytes in, the plaintext out, each chunk only
   * after its tag verified (SR-STR-6); the final chunk when the input ends. Any failure errors the
   * stream (read() rejects with the StrongroomError), a stream cut short included: it never ends
   * cleanly unless it is complete. A consumer that needs the payload all or nothing commits what
   * it read only after the stream ended cleanly (SR-STR-7).
   */
  openStream(context: Uint8Array | string): TransformStream<Uint8Array, Uint8Array>;
  /** SealStream over a payload in memory: the whole sealed stream. */
  sealStreamBytes(payload: Uint8Array, context: Uint8Array | string): Promise<Uint8Array>;
  /** OpenStream over a sealed stream in memory; all or nothing. */
  openStreamBytes(stream: Uint8Array, context: Uint8Array | string): Promise<Uint8Array>;
  /**
   * OpenChunk: chunk `index` alone (one read of the header prefix, one of at most 65,568 bytes).
   * Proves the chunk authentic and at its position, not that the stream is complete.
   */
  openStreamChunk(source: StreamSource, index: number, context: Uint8Array | string): Promise<StreamChunk>;
  /** OpenChunk for many chunks of one stream: the header checked and the key derived once. */
  openStreamChunks(source: StreamSource, context: Uint8Array | string): Promise<{ header: StreamHeader; chunk(index: number): Promise<StreamChunk> }>;

  // Logs (SPEC.md 11.15). `app` is the application's context of the log (e.g. the user's account
  // id), at most 3,900 bytes (limit_exceeded `context_too_long`); a string is its UTF-8 bytes.
  /**
   * CreateLog (SPEC.md 11.15.8): the first checkpoint (size 0, the empty root), to store on the
   * server only if it has none for this log yet, and the state to keep. `logId` defaults to
   * `LogId.generate()` (SR-LOG-1).
   */
  createLog(logId?: LogId): Promise<{ checkpoint: Checkpoint; state: LogState }>;
  /**
   * SealEntry (SPEC.md 11.15.8): the next entry at `state.size`, and the checkpoint with it
   * appended. `wrong_keyring` for another keyring's state; limit_exceeded `log_full`,
   * `plaintext_too_large`, `context_too_long`. Nothing is stored: send the append as one
   * compare-and-swap (SR-LOG-15).
   */
  sealLogEntry(state: LogState, plaintext: Uint8Array | string, app: Uint8Array | string): Promise<LogAppend>;
  /**
   * VerifyCheckpoint (SPEC.md 11.15.6, SR-LOG-10), in this order: decode (a Checkpoint, its bytes
   * or its text), `wrong_keyring`, `checkpoint_authentication_failed`, then history_violation
   * `log_replaced`, `log_truncated`, `log_fork` (the pinned size with another root, or a
   * consistency proof from the pin that fails; the proof is looked at only when the checkpoint is
   * longer than a non-empty pin).
   */
  verifyCheckpoint(checkpoint: Checkpoint | Uint8Array | string, pin: LogPin, consistencyProof: readonly Uint8Array[]): Promise<VerifiedCheckpoint>;
  /**
   * OpenEntry (SPEC.md 11.15.6, SR-LOG-11): `context_too_long`; history_violation
   * `log_entry_missing` (no entry, or a position the checkpoint does not cover) or
   * `log_entry_mismatch` (not the committed entry); then the record's decoding and open errors.
   */
  openLogEntry(verified: VerifiedCheckpoint, position: number, entry: Uint8Array | null, inclusionProof: readonly Uint8Array[], app: Uint8Array | string): Promise<Uint8Array>;
  /**
   * ReadForward (SPEC.md 11.15.6, SR-LOG-11): every entry from `state.size` to `verified.size`
   * from what the server served (the first pair for each position counts), all or nothing.
   * Returns the plaintexts in log order and the state at the checkpoint: persist it.
   */
  openLogEntries(state: LogState, verified: VerifiedCheckpoint, served: Iterable<{ position: number; entry: Uint8Array }>, app: Uint8Array | string): Promise<{ plaintexts: Uint8Array[]; state: LogState }>;
}

/**
 * Where OpenChunk reads a sealed stream: bytes in memory, a Blob or File (read with
 * `blob.slice(offset, end).arrayBuffer()`), or an object whose read(offset, length) resolves to at
 * most `length` bytes (fewer only at the end of the stream).
 */
export type StreamSource = Uint8Array | Blob | { read(offset: number, length: number): Promise<Uint8Array> };

/** One chunk opened by OpenChunk: its plaintext, and whether it is the stream's final chunk. */
export interface StreamChunk {
  plaintext: Uint8Array;
  final: boolean;
}

/** C of SPEC.md 11.16: 65,536 bytes of plaintext in every chunk but the final one. */
export const STREAM_CHUNK_SIZE: 65536;
/** The length of a v1 stream header; frame i starts at 95 + i * (65,536 + 32). */
export const STREAM_HEADER_LEN: 95;

/** A decoded stream header (SPEC.md 11.16.2). Byte fields are copies. */
export class StreamHeader {
  private constructor();
  /**
   * Decodes the header at the start of `bytes` (SR-STR-1); frames may follow it. Pass the first
   * 257 bytes of the stream, or all of it when shorter.
   */
  static fromBytes(bytes: Uint8Array): StreamHeader;
  /** The header's exact 95 bytes. */
  toBytes(): Uint8Array;
  readonly byteLength: number;
  readonly keyringId: Uint8Array;
  readonly salt: Uint8Array;
  readonly commitment: Uint8Array;
  /** 65,536 in v1. */
  readonly chunkSize: number;
  /** The number of chunks of an intact stream of `totalBytes` bytes: ceil((T - 95) / 65,568). */
  chunkCount(totalBytes: number): number;
}

/** The identity of a log: 16 random bytes drawn by the client that creates it (SR-LOG-1). */
export class LogId {
  private constructor();
  /** From the CSPRNG (`randomness_unavailable` if it fails). */
  static generate(): LogId;
  /** From 16 bytes (TypeError otherwise). */
  static fromBytes(bytes: Uint8Array): LogId;
  /** From 32 hex digits (TypeError otherwise). */
  static fromHex(hex: string): LogId;
  /** The 16 bytes (a copy). */
  readonly bytes: Uint8Array;
  toHex(): string;
  equals(other: LogId): boolean;
  /**
   * The log-entry context of SR-LOG-2 for `position` and `app` (limit_exceeded
   * `context_too_long`, then `log_full`). The log operations build it themselves.
   */
  entryContext(position: number, app: Uint8Array): Uint8Array;
}

/**
 * A log checkpoint (SPEC.md 11.15.4, object type 3, text `src1.`). Decoding proves only that it is
 * well formed: `UnlockedKeyring#verifyCheckpoint` checks it. Byte fields are copies.
 */
export class Checkpoint {
  private constructor();
  /** Strict decoder (SR-LOG-5): at most 256 bytes. */
  static fromBytes(bytes: Uint8Array): Checkpoint;
  /** Decodes the text form `src1.<base64url>`. */
  static fromText(text: string): Checkpoint;
  toBytes(): Uint8Array;
  toText(): string;
  readonly keyringId: Uint8Array;
  readonly logId: LogId;
  /** The number of entries it commits to (at most 2^53 - 1). */
  readonly size: number;
  /** The Merkle root of those entries (32 bytes). */
  readonly root: Uint8Array;
  readonly mac: Uint8Array;
}

/**
 * What a client remembers of a log (SPEC.md 11.15.7): the keyring id, log id, size and root of the
 * last checkpoint it accepted or wrote. Update it only from a VerifiedCheckpoint or an acknowledged
 * append (SR-LOG-12).
 */
export interface LogPin {
  readonly keyringId: Uint8Array;
  readonly logId: LogId;
  readonly size: number;
  readonly root: Uint8Array;
}

/** LogState.toJSON(): public values as lowercase hex. */
export interface LogStateJSON {
  keyringId: string;
  logId: string;
  size: number;
  root: string;
  frontier: string[];
}

/** A log pin with the frontier of its tree: what a client keeps per log (SPEC.md 11.15.7). */
export class LogState {
  private constructor();
  /** Size 0 and the empty root: every checkpoint of the log passes (trust on first use). */
  static empty(keyringId: Uint8Array, logId: LogId): LogState;
  /**
   * A pin and a frontier from storage or a server (SR-LOG-13): history_violation
   * `log_entry_mismatch` unless the frontier has popcount(size) hashes and folds to the root.
   */
  static fromParts(pin: LogPin, frontier: readonly Uint8Array[]): LogState;
  /**
   * The way back from toJSON, checked as fromParts checks. Also reads the snake_case form
   * (`keyring_id`, `log_id`) of the vectors and of the `strongroom` command's state files.
   */
  static fromJSON(json: LogStateJSON | { keyring_id: string; log_id: string; size: number; root: string; frontier: string[] }): LogState;
  readonly pin: LogPin;
  /** The roots of the pinned tree's perfect subtrees, largest first (copies). */
  readonly frontier: Uint8Array[];
  /** The number of entries: the position of the next one. */
  readonly size: number;
  toJSON(): LogStateJSON;
}

/** A checkpoint that passed VerifyCheckpoint against a pin (SR-LOG-10). */
export class VerifiedCheckpoint {
  private constructor();
  readonly checkpoint: Checkpoint;
  readonly size: number;
  readonly root: Uint8Array;
  readonly logId: LogId;
  /** The pin to store for the log once the checkpoint is accepted (SR-LOG-12). */
  pin(): LogPin;
}

/**
 * An append from `sealLogEntry`: send `expected` (size and root), `entry` and `checkpoint` to the
 * server as one compare-and-swap. On success keep `after`. On a conflict or a lost answer, verify
 * the server's checkpoint against `expected` and ask `includedIn`: true means the append happened;
 * otherwise discard this append (on a lost answer, if the server still has `expected`, send the
 * identical append again) and seal the plaintext anew from the new state (SR-LOG-15, SR-LOG-16).
 */
export class LogAppend {
  private constructor();
  /** The entry's position: the log's size before the append. */
  readonly position: number;
  readonly entry: SealedRecord;
  readonly checkpoint: Checkpoint;
  readonly expected: LogPin;
  readonly after: LogState;
  /** Whether `verified` holds this entry at its position, by the inclusion proof of `position`. */
  includedIn(verified: VerifiedCheckpoint, inclusionProof: readonly Uint8Array[]): Promise<boolean>;
}

/**
 * The leaf hashes of a log, for servers and tests (RFC 9162 MTH, PATH, PROOF). Methods return null
 * where Rust's LogTree returns None (a size above the leaves held, an index not below the size,
 * sizes not 0 < old < new).
 */
export class LogTree {
  constructor();
  /** SHA-256(00 || entry) (SR-LOG-4). */
  static leafHash(entry: Uint8Array): Uint8Array;
  pushEntry(entry: Uint8Array): this;
  pushLeafHash(leaf: Uint8Array): this;
  readonly length: number;
  root(size: number): Uint8Array | null;
  frontier(size: number): Uint8Array[] | null;
  inclusionProof(index: number, size: number): Uint8Array[] | null;
  consistencyProof(oldSize: number, newSize: number): Uint8Array[] | null;
}

/** A decoded sealed record (SPEC.md section 6.5). Byte fields are copies. */
export class SealedRecord {
  private constructor();
  /** Strict decoder (SPEC.md section 5.4); an input over the size limit is refused before it is copied. */
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
  /** Largest checkpoint encoding (SR-LOG-5). */
  readonly maxCheckpointBytes: 256;
  /** 2^53 - 1: the most entries a log can hold (SR-LOG-3). */
  readonly maxLogSize: number;
  /** Largest application context of a log entry (SR-LOG-3). */
  readonly maxLogAppContextBytes: 3900;
  /** Most hashes in an inclusion or consistency proof (SR-LOG-8, SR-LOG-9). */
  readonly maxProofHashes: 64;
  /** Largest stream header item (SR-STR-1). */
  readonly maxStreamHeaderBytes: 256;
  /** A v1 stream header (SPEC.md 11.16.2). */
  readonly streamHeaderBytes: 95;
  /** Header key 5: log2 of the chunk size. */
  readonly streamChunkExponent: 16;
  readonly streamChunkBytes: 65536;
  /** Frame head and GCM tag of each chunk (SR-STR-4). */
  readonly streamFrameOverhead: 32;
  /** Most chunks in a stream: 2^32 (SR-STR-5). */
  readonly maxStreamChunks: number;
  /** Hard [minimum, maximum] of each KDF parameter (SR-KDF-3); memoryKib is also >= 8 * parallelism. */
  readonly pbkdf2Iterations: readonly [1, 10000000];
  readonly argon2MemoryKib: readonly [8, 1048576];
  readonly argon2TimeCost: readonly [1, 16];
  readonly argon2Parallelism: readonly [1, 16];
};
