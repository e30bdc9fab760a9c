//! Every size, count and cost limit of SPEC.md (section 15, and the KDF hard limits of
//! SR-KDF-3). Readers and writers enforce them whatever the unlock policy says, so no input
//! can make a client allocate or compute without bound.

/// Largest PBKDF2 iteration count.
pub const PBKDF2_MAX_ITERATIONS: u32 = 10_000_000;
/// Largest Argon2id memory cost in KiB (1 GiB).
pub const ARGON2_MAX_MEMORY_KIB: u32 = 1_048_576;
/// Largest Argon2id time cost.
pub const ARGON2_MAX_TIME_COST: u32 = 16;
/// Largest Argon2id parallelism.
pub const ARGON2_MAX_PARALLELISM: u32 = 16;

/// Largest keyring encoding, in bytes (SR-CBOR-10).
pub const MAX_KEYRING_LEN: usize = 4096;
/// Largest plaintext one record carries: 16 MiB.
pub const MAX_PLAINTEXT_LEN: usize = 16 * 1024 * 1024;
/// Largest record encoding, in bytes (SR-CBOR-10): the plaintext, its 16-byte tag and 256
/// bytes of room for the header.
pub const MAX_RECORD_LEN: usize = MAX_PLAINTEXT_LEN + 16 + 256;
/// Longest application context, in bytes (SR-OP-8).
pub const MAX_CONTEXT_LEN: usize = 4096;
/// Most key slots in one keyring.
pub const MAX_SLOTS: usize = 8;
/// Longest slot label, in bytes of UTF-8.
pub const MAX_LABEL_BYTES: usize = 64;
/// Longest password, in bytes of UTF-8 after NFC normalization (SR-PWD-2).
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Largest generation counter: 2^53 - 1, exact in a JavaScript number.
pub const MAX_GENERATION: u64 = (1 << 53) - 1;
/// Largest `max_unlock_work` an unlock policy may set: 2^40 units of one PBKDF2 iteration
/// (SR-POL-5, SR-POL-7).
pub const MAX_UNLOCK_WORK: u64 = 1 << 40;
/// Largest generation jump above a pin that CheckPin accepts without confirmation
/// (SR-PIN-3).
pub const MAX_PIN_JUMP: u64 = 64;

/// Largest checkpoint encoding, in bytes (SR-LOG-5); the largest valid one is 121.
pub const MAX_CHECKPOINT_LEN: usize = 256;
/// Most entries a log holds: 2^53 - 1, exact in a JavaScript number (SR-LOG-3).
pub const MAX_LOG_SIZE: u64 = (1 << 53) - 1;
/// Longest application context of a log entry, in bytes (SR-LOG-3): with the rest of the
/// log-entry context it stays within [`MAX_CONTEXT_LEN`].
pub const MAX_LOG_APP_CONTEXT_LEN: usize = 3900;
/// Most hashes an inclusion or consistency proof may carry (SR-LOG-8, SR-LOG-9); a log of
/// at most 2^53 - 1 entries never needs more than 54.
pub const MAX_PROOF_HASHES: usize = 64;

/// Largest stream header item, in bytes (SR-STR-1); v1 headers are 95.
pub const MAX_STREAM_HEADER_LEN: usize = 256;
/// Most chunks a sealed stream holds: 2^32, so a payload is at most 2^48 bytes (SR-STR-5).
pub const MAX_STREAM_CHUNKS: u64 = 1 << 32;
