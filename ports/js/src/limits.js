/**
 * The numbers of SPEC.md section 15 (and the hard KDF limits of SR-KDF-3), in one place so that
 * the decoder, the encoders and the operations cannot drift apart.
 */
export const limits = Object.freeze({
  maxKeyringBytes: 4096,
  maxRecordBytes: 16_777_488, // 16 MiB + 16 + 256 (SR-CBOR-10)
  maxPlaintextBytes: 16_777_216,
  minCiphertextBytes: 16, // the tag alone (empty plaintext)
  maxCiphertextBytes: 16_777_232,
  maxContextBytes: 4096,
  minSlots: 1,
  maxSlots: 8,
  maxLabelBytes: 64,
  maxPasswordBytes: 1024,
  maxGeneration: Number.MAX_SAFE_INTEGER, // 2^53 - 1, so a generation is always a safe Number
  maxNestingDepth: 4,
  recordHeaderBytes: 107,
  maxCheckpointBytes: 256, // SR-LOG-5
  maxLogSize: Number.MAX_SAFE_INTEGER, // 2^53 - 1 entries (SR-LOG-3, SR-LOG-5)
  maxLogAppContextBytes: 3900, // SR-LOG-3
  maxProofHashes: 64, // SR-LOG-8, SR-LOG-9
  maxStreamHeaderBytes: 256, // SR-STR-1
  streamHeaderBytes: 95, // SPEC.md 11.16.2
  streamChunkExponent: 16, // SR-STR-1: chunks of 2^16 = 65,536 bytes
  streamChunkBytes: 65_536,
  streamFrameOverhead: 32, // 16 bytes of frame header (tag4 || nonce) and the 16-byte tag (SR-STR-4)
  maxStreamChunks: 2 ** 32, // SR-STR-5
  pbkdf2Iterations: Object.freeze([1, 10_000_000]),
  argon2MemoryKib: Object.freeze([8, 1_048_576]), // and memoryKib >= 8 * parallelism
  argon2TimeCost: Object.freeze([1, 16]),
  argon2Parallelism: Object.freeze([1, 16]),
});
