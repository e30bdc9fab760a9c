//! Tamper-evident logs (SPEC.md 11.15): entries are sealed records bound to their log and
//! position, a MACed [`Checkpoint`] commits to every entry through an RFC 9162 Merkle tree,
//! and a [`LogPin`] per log lets a client refuse a replaced, truncated or forked log and any
//! dropped, altered, reordered or replayed entry.
//!
//! `merkle.rs` holds the tree (hashing, frontier, proofs), `context.rs` the entry context;
//! this file the objects a client keeps and the operations on an [`UnlockedKeyring`].

mod context;
mod merkle;

pub use merkle::{ConsistencyProof, InclusionProof, LogTree};

use core::fmt;
use std::collections::BTreeMap;

use crate::error::{Error, HistoryViolation, Limit, Result};
use crate::format::checkpoint::{self as wire, CheckpointParts};
use crate::format::record::SealedRecord;
use crate::format::{Hex, text};
use crate::keyring::UnlockedKeyring;
use crate::limits::{MAX_CHECKPOINT_LEN, MAX_LOG_APP_CONTEXT_LEN, MAX_LOG_SIZE, MAX_RECORD_LEN};
use crate::primitives::crypto;
use crate::primitives::rng::{self, OsRandom, RandomSource};
use crate::record::{Context, Plaintext};
use merkle::Hash;

/// The identity of a log: 16 random bytes drawn by the client that creates it (SR-LOG-1).
///
/// Every entry's context and every checkpoint carry it, so that nothing of one log can be
/// served as part of another. A client learns the id of a log it did not create from its
/// own records or, on first use, from the server (SPEC.md 11.15.9).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LogId([u8; 16]);

impl LogId {
    /// A fresh log id from the operating system's CSPRNG (SR-LOG-1).
    ///
    /// # Errors
    /// [`Error::RandomnessUnavailable`].
    pub fn generate() -> Result<Self> {
        Self::generate_with(&mut OsRandom)
    }

    pub(crate) fn generate_with(rng: &mut dyn RandomSource) -> Result<Self> {
        Ok(LogId(rng::array::<16>(rng)?))
    }

    /// A log id from its 16 bytes, as the client stored it.
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        LogId(bytes)
    }

    /// The id's 16 bytes.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The exact context of the entry at `position` with the application context `app`
    /// (SR-LOG-2): the CBOR array `["strongroom/v1/log-entry", log id, position, app]`.
    /// [`UnlockedKeyring::seal_log_entry`] and the open operations build it themselves.
    ///
    /// # Errors
    /// [`Error::LimitExceeded`]: `context_too_long` for an application context over 3,900
    /// bytes, `log_full` for a position of 2^53 - 1 or more.
    pub fn entry_context(&self, position: u64, app: &[u8]) -> Result<Vec<u8>> {
        context::entry_context(&self.0, position, app)
    }
}

impl fmt::Debug for LogId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LogId({:?})", Hex(&self.0))
    }
}

/// A log checkpoint (object type 3, text `src1.`): a keyring id, a log id, the number of
/// entries and the Merkle root of all of them, under a MAC with the keyring's log key
/// (SR-LOG-5, SR-LOG-6).
///
/// Decoding one proves only that it is well formed; [`UnlockedKeyring::verify_checkpoint`]
/// checks its MAC and compares it with the client's pin.
#[derive(Clone, PartialEq, Eq)]
pub struct Checkpoint {
    encoded: Vec<u8>,
    parts: CheckpointParts,
}

impl fmt::Debug for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Checkpoint")
            .field("keyring_id", &Hex(&self.parts.keyring_id))
            .field("log_id", &Hex(&self.parts.log_id))
            .field("size", &self.parts.size)
            .field("root", &Hex(&self.parts.root))
            .finish_non_exhaustive()
    }
}

impl Checkpoint {
    /// Decodes a checkpoint from its binary encoding, strictly (SR-LOG-5: the decoding
    /// order of SPEC.md 5.4 with object type 3 and a 256-byte limit).
    ///
    /// # Errors
    /// [`Error::Malformed`] with a reason code, [`Error::UnsupportedVersion`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let parts = wire::decode(bytes)?;
        Ok(Checkpoint {
            encoded: bytes.to_vec(),
            parts,
        })
    }

    /// Decodes a checkpoint from its text form (`src1.` and base64url).
    ///
    /// # Errors
    /// As [`Checkpoint::from_bytes`], plus `text_prefix`, `text_encoding`, and
    /// `wrong_object_type` for the text of another object type.
    pub fn from_text(s: &str) -> Result<Self> {
        Self::from_bytes(&text::decode(
            text::CHECKPOINT_PREFIX,
            s,
            MAX_CHECKPOINT_LEN,
        )?)
    }

    /// The exact binary encoding.
    pub fn as_bytes(&self) -> &[u8] {
        &self.encoded
    }

    /// The text form: `src1.` followed by unpadded base64url.
    pub fn to_text(&self) -> String {
        text::encode(text::CHECKPOINT_PREFIX, &self.encoded)
    }

    /// The id of the keyring whose log key MACed it.
    pub fn keyring_id(&self) -> &[u8; 16] {
        &self.parts.keyring_id
    }

    /// The log it is a checkpoint of.
    pub fn log_id(&self) -> LogId {
        LogId(self.parts.log_id)
    }

    /// The number of entries it commits to.
    pub fn size(&self) -> u64 {
        self.parts.size
    }

    /// The Merkle root of those entries.
    pub fn root(&self) -> &[u8; 32] {
        &self.parts.root
    }

    /// The MAC.
    pub fn mac(&self) -> &[u8; 32] {
        &self.parts.mac
    }

    /// Re-encodes the checkpoint from its decoded fields (SR-CBOR-9): equal to
    /// [`Checkpoint::as_bytes`] for every accepted input.
    #[cfg(any(test, feature = "hazmat"))]
    pub(crate) fn reencode(&self) -> Vec<u8> {
        let p = &self.parts;
        wire::finish(
            wire::body(&p.keyring_id, &p.log_id, p.size, &p.root),
            &p.mac,
        )
    }
}

/// A checkpoint whose MAC verified and that passed VerifyCheckpoint against a pin
/// (SR-LOG-10): the only kind entries are verified against.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifiedCheckpoint {
    checkpoint: Checkpoint,
}

impl fmt::Debug for VerifiedCheckpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("VerifiedCheckpoint")
            .field(&self.checkpoint)
            .finish()
    }
}

impl VerifiedCheckpoint {
    /// The checkpoint.
    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// The number of entries it commits to.
    pub fn size(&self) -> u64 {
        self.checkpoint.size()
    }

    /// The Merkle root of those entries.
    pub fn root(&self) -> &[u8; 32] {
        self.checkpoint.root()
    }

    /// The log it is a checkpoint of.
    pub fn log_id(&self) -> LogId {
        self.checkpoint.log_id()
    }

    /// The pin to store for this log once the checkpoint is accepted (SR-LOG-12).
    pub fn pin(&self) -> LogPin {
        let p = &self.checkpoint.parts;
        LogPin::new(p.keyring_id, LogId(p.log_id), p.size, p.root)
    }
}

/// What a client remembers of a log (SPEC.md 11.15.7): keyring id, log id, size and root of
/// the last checkpoint it accepted or wrote.
///
/// Update it only from a [`VerifiedCheckpoint`] or from an acknowledged append
/// (SR-LOG-12); a new device starts from [`LogPin::empty`] (trust on first use, SPEC.md
/// 11.15.9).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct LogPin {
    keyring_id: [u8; 16],
    log_id: LogId,
    size: u64,
    root: [u8; 32],
}

impl LogPin {
    /// A pin from stored values.
    pub const fn new(keyring_id: [u8; 16], log_id: LogId, size: u64, root: [u8; 32]) -> Self {
        LogPin {
            keyring_id,
            log_id,
            size,
            root,
        }
    }

    /// The pin of a log of which nothing has been seen: size 0 and the empty root. Every
    /// checkpoint of that log passes against it (trust on first use).
    pub fn empty(keyring_id: [u8; 16], log_id: LogId) -> Self {
        LogPin::new(keyring_id, log_id, 0, merkle::empty_root())
    }

    /// The pinned keyring id.
    pub fn keyring_id(&self) -> &[u8; 16] {
        &self.keyring_id
    }

    /// The pinned log id.
    pub fn log_id(&self) -> LogId {
        self.log_id
    }

    /// The pinned number of entries.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The pinned root.
    pub fn root(&self) -> &[u8; 32] {
        &self.root
    }
}

impl fmt::Debug for LogPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogPin")
            .field("keyring_id", &Hex(&self.keyring_id))
            .field("log_id", &Hex(&self.log_id.0))
            .field("size", &self.size)
            .field("root", &Hex(&self.root))
            .finish()
    }
}

/// A pin together with the frontier of its tree (at most 53 hashes), which is all a client
/// needs to append without asking the server for anything but the current checkpoint
/// (SPEC.md 11.15.8).
///
/// ```
/// use strongroom::{ConsistencyProof, Context, KdfParams, Keyring, LogId, LogState, Password,
///     UnlockPolicy};
///
/// # fn main() -> Result<(), strongroom::Error> {
/// # let policy = UnlockPolicy::builder().pbkdf2_iterations(1_000..=2_000_000).build()?;
/// # let kdf = KdfParams::Pbkdf2Sha256 { iterations: 1_000 };
/// let unlocked = Keyring::create(&Password::new("pw")?, kdf, "laptop", &policy)?;
/// let app = Context::new(b"user:alice");
///
/// // One device creates the log and appends; each append goes to the server as one
/// // compare-and-swap of (expected size and root, entry, checkpoint).
/// let (first_checkpoint, mut state) = unlocked.create_log(LogId::generate()?);
/// let mut stored = Vec::new(); // what the server keeps: (position, entry bytes)
/// let mut checkpoint = first_checkpoint;
/// for text in [&b"alice logged in"[..], b"alice changed her password"] {
///     let append = unlocked.seal_log_entry(&state, text, app)?;
///     stored.push((append.position(), append.entry().as_bytes().to_vec()));
///     checkpoint = append.checkpoint().clone();
///     state = append.acknowledged(); // once the server said yes
/// }
///
/// // Another device, on first use, verifies the checkpoint and reads the whole log.
/// let fresh = LogState::empty(*unlocked.keyring().id(), state.pin().log_id());
/// let verified =
///     unlocked.verify_checkpoint(&checkpoint, fresh.pin(), &ConsistencyProof::empty())?;
/// let served: Vec<(u64, &[u8])> = stored.iter().map(|(p, e)| (*p, &e[..])).collect();
/// let (plaintexts, pinned) = unlocked.open_log_entries(&fresh, &verified, &served, app)?;
/// assert_eq!(&plaintexts[1][..], b"alice changed her password");
/// assert_eq!(pinned.pin(), state.pin()); // store it: the next read starts here
///
/// // A server that drops an entry is caught before anything is released.
/// let err = unlocked.open_log_entries(&fresh, &verified, &served[1..], app).unwrap_err();
/// assert_eq!(err.reason(), Some("log_entry_missing"));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct LogState {
    pin: LogPin,
    frontier: Vec<Hash>,
}

impl fmt::Debug for LogState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogState")
            .field("pin", &self.pin)
            .field("frontier", &self.frontier.len())
            .finish()
    }
}

impl LogState {
    /// The state of a log of which nothing has been seen ([`LogPin::empty`]).
    pub fn empty(keyring_id: [u8; 16], log_id: LogId) -> Self {
        LogState {
            pin: LogPin::empty(keyring_id, log_id),
            frontier: Vec::new(),
        }
    }

    /// A state from a pin and a frontier, from the client's storage or from a server
    /// (SR-LOG-13): the frontier must hold one hash per set bit of the pinned size and fold
    /// to the pinned root.
    ///
    /// # Errors
    /// [`Error::HistoryViolation`] `log_entry_mismatch` when it does not.
    pub fn from_parts(pin: LogPin, frontier: Vec<[u8; 32]>) -> Result<Self> {
        if !merkle::frontier_matches(&frontier, pin.size, &pin.root) {
            return Err(HistoryViolation::LogEntryMismatch.into());
        }
        Ok(LogState { pin, frontier })
    }

    /// The pin.
    pub fn pin(&self) -> &LogPin {
        &self.pin
    }

    /// The frontier: the roots of the perfect subtrees of the pinned tree, largest first.
    pub fn frontier(&self) -> &[[u8; 32]] {
        &self.frontier
    }

    /// The number of entries, and so the position of the next one.
    pub fn size(&self) -> u64 {
        self.pin.size
    }

    /// This state with one more leaf.
    fn pushed(&self, leaf: Hash) -> (Vec<Hash>, Hash) {
        let mut frontier = self.frontier.clone();
        merkle::frontier_push(&mut frontier, self.pin.size, leaf);
        let root = merkle::frontier_root(&frontier);
        (frontier, root)
    }
}

/// An append prepared by [`UnlockedKeyring::seal_log_entry`]: the sealed entry at its
/// position, the checkpoint that commits to it, and what the server's current checkpoint
/// must still be for the append to go through (SPEC.md 11.15.8).
///
/// Send [`LogAppend::expected`], [`LogAppend::entry`] and [`LogAppend::checkpoint`] as one
/// compare-and-swap. On success take [`LogAppend::acknowledged`]. On a conflict, verify the
/// server's checkpoint against [`LogAppend::expected`]: if [`LogAppend::included_in`] says it
/// holds this entry (an earlier attempt went through), the append happened; otherwise drop
/// this value, whose entry is bound to a position another entry now holds, and seal again
/// from the new state (SR-LOG-15). On a lost answer, the same check, then either the same
/// append again or as after a conflict (SR-LOG-16).
#[derive(Clone, Debug)]
pub struct LogAppend {
    entry: SealedRecord,
    leaf: Hash,
    checkpoint: Checkpoint,
    before: LogPin,
    after: LogState,
}

impl LogAppend {
    /// The entry's position: the size of the log before the append.
    pub fn position(&self) -> u64 {
        self.before.size
    }

    /// The sealed entry.
    pub fn entry(&self) -> &SealedRecord {
        &self.entry
    }

    /// The checkpoint of the log with the entry appended.
    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// The pin the append builds on: the server's checkpoint must still have this size and
    /// root (the compare of the compare-and-swap).
    pub fn expected(&self) -> &LogPin {
        &self.before
    }

    /// The state after the append, once the server has acknowledged storing it
    /// (SR-LOG-12).
    pub fn acknowledged(self) -> LogState {
        self.after
    }

    /// Whether a verified checkpoint holds this entry at its position (SR-LOG-16): after a
    /// lost answer, the client verifies the server's current checkpoint against
    /// [`LogAppend::expected`] and asks this. `proof` is the inclusion proof of the position
    /// in that checkpoint (the empty proof if it is this append's own checkpoint).
    pub fn included_in(&self, verified: &VerifiedCheckpoint, proof: &InclusionProof) -> bool {
        let c = &verified.checkpoint;
        if c.parts.log_id != self.before.log_id.0 || c.parts.keyring_id != self.before.keyring_id {
            return false;
        }
        if c.encoded == self.checkpoint.encoded {
            return true;
        }
        merkle::verify_inclusion(
            self.before.size,
            c.parts.size,
            &self.leaf,
            proof.hashes(),
            &c.parts.root,
        )
    }
}

impl UnlockedKeyring {
    /// A checkpoint MACed under this keyring's log key (SR-LOG-6). Callers pass a size and
    /// a root they computed themselves.
    pub(crate) fn make_checkpoint(&self, log_id: &LogId, size: u64, root: &Hash) -> Checkpoint {
        let keyring_id = *self.keyring().id();
        let body = wire::body(&keyring_id, &log_id.0, size, root);
        let mac = crypto::hmac(self.log_key(), &body);
        let encoded = wire::finish(body, &mac);
        Checkpoint {
            encoded,
            parts: CheckpointParts {
                keyring_id,
                log_id: log_id.0,
                size,
                root: *root,
                mac,
            },
        }
    }

    /// Creates a log (SPEC.md 11.15.8): its first checkpoint, of size 0 and the empty
    /// root, to store on the server (only if it holds no checkpoint for this log yet), and
    /// the state to keep. The log id comes from [`LogId::generate`] (SR-LOG-1).
    pub fn create_log(&self, log_id: LogId) -> (Checkpoint, LogState) {
        let state = LogState::empty(*self.keyring().id(), log_id);
        let checkpoint = self.make_checkpoint(&log_id, 0, &state.pin.root);
        (checkpoint, state)
    }

    /// Seals `plaintext` as the next entry of the log whose state is `state`, and computes
    /// the checkpoint of the log with it appended (SPEC.md 11.15.8, SR-LOG-15). The position
    /// is the state's size, never a number the server gives. Nothing is stored: send the
    /// returned [`LogAppend`] as one compare-and-swap.
    ///
    /// # Errors
    /// [`Error::WrongKeyring`] for a state of another keyring's log,
    /// [`Error::LimitExceeded`] (`log_full`, `plaintext_too_large`, `context_too_long` for
    /// an application context over 3,900 bytes), [`Error::RandomnessUnavailable`].
    pub fn seal_log_entry(
        &self,
        state: &LogState,
        plaintext: &[u8],
        app: Context<'_>,
    ) -> Result<LogAppend> {
        self.seal_log_entry_with(state, plaintext, app, |ctx| self.seal(plaintext, ctx))
    }

    /// [`UnlockedKeyring::seal_log_entry`] with the caller's random source (`hazmat`).
    #[cfg(any(test, feature = "hazmat"))]
    pub(crate) fn seal_log_entry_with_rng(
        &self,
        state: &LogState,
        plaintext: &[u8],
        app: Context<'_>,
        rng: &mut dyn RandomSource,
    ) -> Result<LogAppend> {
        self.seal_log_entry_with(state, plaintext, app, |ctx| {
            self.seal_with_rng(plaintext, ctx, rng)
        })
    }

    fn seal_log_entry_with(
        &self,
        state: &LogState,
        plaintext: &[u8],
        app: Context<'_>,
        seal: impl FnOnce(Context<'_>) -> Result<SealedRecord>,
    ) -> Result<LogAppend> {
        if &state.pin.keyring_id != self.keyring().id() {
            return Err(Error::WrongKeyring);
        }
        let position = state.pin.size;
        if position >= MAX_LOG_SIZE {
            return Err(Limit::LogFull.into());
        }
        if plaintext.len() > crate::limits::MAX_PLAINTEXT_LEN {
            return Err(Limit::PlaintextTooLarge.into());
        }
        let context = context::entry_context(&state.pin.log_id.0, position, app.as_bytes())?;
        let entry = seal(Context::new(&context))?;
        let leaf = merkle::leaf_hash(entry.as_bytes());
        let (frontier, root) = state.pushed(leaf);
        // Cannot overflow: position < MAX_LOG_SIZE.
        let size = position.saturating_add(1);
        let checkpoint = self.make_checkpoint(&state.pin.log_id, size, &root);
        let after = LogState {
            pin: LogPin::new(state.pin.keyring_id, state.pin.log_id, size, root),
            frontier,
        };
        Ok(LogAppend {
            entry,
            leaf,
            checkpoint,
            before: state.pin,
            after,
        })
    }

    /// VerifyCheckpoint (SPEC.md 11.15.6, SR-LOG-10): checks a served checkpoint's keyring,
    /// its MAC, and that it extends the pinned log, in this order. `proof` is the server's
    /// consistency proof from the pinned size to the checkpoint's; it is looked at only
    /// when the checkpoint is longer than a non-empty pin.
    ///
    /// # Errors
    /// [`Error::WrongKeyring`] for another keyring's checkpoint,
    /// [`Error::CheckpointAuthenticationFailed`] for a MAC that does not verify,
    /// [`Error::HistoryViolation`] with `log_replaced` (another log), `log_truncated`
    /// (shorter than the pin), `log_fork` (the pinned size with another root, or a
    /// consistency proof that fails).
    pub fn verify_checkpoint(
        &self,
        checkpoint: &Checkpoint,
        pin: &LogPin,
        proof: &ConsistencyProof,
    ) -> Result<VerifiedCheckpoint> {
        let c = &checkpoint.parts;
        if &c.keyring_id != self.keyring().id() {
            return Err(Error::WrongKeyring);
        }
        let mac = crypto::hmac(self.log_key(), wire::mac_input(&checkpoint.encoded));
        if !crypto::ct_eq(&mac, &c.mac) {
            return Err(Error::CheckpointAuthenticationFailed);
        }
        if c.log_id != pin.log_id.0 || c.keyring_id != pin.keyring_id {
            return Err(HistoryViolation::LogReplaced.into());
        }
        if c.size < pin.size {
            return Err(HistoryViolation::LogTruncated.into());
        }
        if c.size == pin.size {
            if !crypto::ct_eq(&c.root, &pin.root) {
                return Err(HistoryViolation::LogFork.into());
            }
        } else if pin.size > 0
            && !merkle::verify_consistency(pin.size, c.size, &pin.root, &c.root, proof.hashes())
        {
            return Err(HistoryViolation::LogFork.into());
        }
        Ok(VerifiedCheckpoint {
            checkpoint: checkpoint.clone(),
        })
    }

    /// Opens the entry at `position` of a verified checkpoint's log (SPEC.md 11.15.6,
    /// SR-LOG-11): checks that the served bytes are the leaf the checkpoint commits to at
    /// that position, by their inclusion proof, before it decodes and opens them under the
    /// entry's context. `entry` is what the server served for the position, or none.
    ///
    /// # Errors
    /// [`Error::LimitExceeded`] `context_too_long`; [`Error::HistoryViolation`]
    /// `log_entry_missing` (no entry, or a position the checkpoint does not cover) or
    /// `log_entry_mismatch` (not the committed entry); then as [`SealedRecord::from_bytes`]
    /// and [`UnlockedKeyring::open`].
    pub fn open_log_entry(
        &self,
        verified: &VerifiedCheckpoint,
        position: u64,
        entry: Option<&[u8]>,
        proof: &InclusionProof,
        app: Context<'_>,
    ) -> Result<Plaintext> {
        if app.as_bytes().len() > MAX_LOG_APP_CONTEXT_LEN {
            return Err(Limit::ContextTooLong.into());
        }
        let c = &verified.checkpoint.parts;
        let entry = match entry {
            Some(e) if position < c.size => e,
            _ => return Err(HistoryViolation::LogEntryMissing.into()),
        };
        if entry.len() > MAX_RECORD_LEN
            || !merkle::verify_inclusion(
                position,
                c.size,
                &merkle::leaf_hash(entry),
                proof.hashes(),
                &c.root,
            )
        {
            return Err(HistoryViolation::LogEntryMismatch.into());
        }
        self.open_entry_at(&LogId(c.log_id), position, entry, app)
    }

    fn open_entry_at(
        &self,
        log_id: &LogId,
        position: u64,
        entry: &[u8],
        app: Context<'_>,
    ) -> Result<Plaintext> {
        let record = SealedRecord::from_bytes(entry)?;
        let context = context::entry_context(&log_id.0, position, app.as_bytes())?;
        self.open(&record, Context::new(&context))
    }

    /// Reads a log forward (SPEC.md 11.15.6, SR-LOG-11): the entries from the state's size
    /// up to the verified checkpoint's, from what the server served as (position, bytes)
    /// pairs. Every position must be served (the first pair for a position counts; others
    /// and positions outside the range are ignored), and the served leaves appended to the
    /// state's frontier must give the checkpoint's root, before any entry is decoded or
    /// opened. Returns the plaintexts in log order and the state at the checkpoint.
    ///
    /// From [`LogState::empty`] this verifies a whole log.
    ///
    /// # Errors
    /// [`Error::LimitExceeded`] `context_too_long`; [`Error::WrongKeyring`];
    /// [`Error::HistoryViolation`] `log_replaced`, `log_truncated`, `log_fork` (the state's
    /// size with another root), `log_entry_missing` (a position not served) or
    /// `log_entry_mismatch` (the entries do not give the checkpoint's root); then as
    /// [`SealedRecord::from_bytes`] and [`UnlockedKeyring::open`] for the first entry that
    /// fails.
    pub fn open_log_entries(
        &self,
        state: &LogState,
        verified: &VerifiedCheckpoint,
        served: &[(u64, &[u8])],
        app: Context<'_>,
    ) -> Result<(Vec<Plaintext>, LogState)> {
        if app.as_bytes().len() > MAX_LOG_APP_CONTEXT_LEN {
            return Err(Limit::ContextTooLong.into());
        }
        let c = &verified.checkpoint.parts;
        if &state.pin.keyring_id != self.keyring().id() || &c.keyring_id != self.keyring().id() {
            return Err(Error::WrongKeyring);
        }
        if c.log_id != state.pin.log_id.0 {
            return Err(HistoryViolation::LogReplaced.into());
        }
        if c.size < state.pin.size {
            return Err(HistoryViolation::LogTruncated.into());
        }
        if c.size == state.pin.size && !crypto::ct_eq(&c.root, &state.pin.root) {
            return Err(HistoryViolation::LogFork.into());
        }
        let mut by_position: BTreeMap<u64, &[u8]> = BTreeMap::new();
        for (position, bytes) in served {
            if (state.pin.size..c.size).contains(position) {
                by_position.entry(*position).or_insert(bytes);
            }
        }
        let mut frontier = state.frontier.clone();
        let mut entries = Vec::with_capacity(by_position.len());
        for position in state.pin.size..c.size {
            let entry = *by_position
                .get(&position)
                .ok_or(HistoryViolation::LogEntryMissing)?;
            if entry.len() > MAX_RECORD_LEN {
                return Err(HistoryViolation::LogEntryMismatch.into());
            }
            merkle::frontier_push(&mut frontier, position, merkle::leaf_hash(entry));
            entries.push((position, entry));
        }
        if !crypto::ct_eq(&merkle::frontier_root(&frontier), &c.root) {
            return Err(HistoryViolation::LogEntryMismatch.into());
        }
        let log_id = LogId(c.log_id);
        let mut plaintexts = Vec::with_capacity(entries.len());
        for (position, entry) in entries {
            plaintexts.push(self.open_entry_at(&log_id, position, entry, app)?);
        }
        let state = LogState {
            pin: verified.pin(),
            frontier,
        };
        Ok((plaintexts, state))
    }
}
