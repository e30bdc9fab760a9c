//! The one error type of the crate, mapped one to one onto the error classes of SPEC.md.

use core::fmt;

/// Every way a Strongroom operation can fail.
///
/// Each variant is one error class of SPEC.md ("Error classes"); [`Error::class`] gives the
/// class string that the test vectors use. Cryptographic failures are deliberately opaque:
/// a wrong password and a tampered slot give the same [`Error::UnlockFailed`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The input is not a valid encoding of the expected object (SPEC.md: class `malformed`).
    Malformed(Malformed),
    /// The object carries a format version this implementation does not support.
    UnsupportedVersion {
        /// The version number read from the object.
        version: u64,
    },
    /// The object names a KDF that is not in the registry, or a critical slot kind this
    /// implementation does not implement (SR-OBJ-6, SR-OBJ-7).
    UnsupportedAlgorithm {
        /// Which registry the unknown identifier belongs to.
        registry: Registry,
        /// The identifier read from the object.
        id: u64,
    },
    /// KDF parameters lie outside the hard limits that every reader and writer enforces.
    KdfParamsOutOfBounds,
    /// KDF parameters are valid but outside the caller's unlock policy; no KDF was run.
    OutOfPolicy,
    /// No key slot opened with the given password or recovery code.
    UnlockFailed,
    /// A slot opened but the keyring MAC did not verify: the keyring was altered.
    KeyringTampered,
    /// The record (or log checkpoint, or log state) belongs to a different keyring than
    /// the one used to open or verify it.
    WrongKeyring,
    /// The record's commitment or tag did not verify (tampered, or wrong context).
    RecordAuthenticationFailed,
    /// A checkpoint's MAC did not verify under the keyring's log key (SR-LOG-10): the
    /// checkpoint was forged or altered, or made under another keyring's key.
    CheckpointAuthenticationFailed,
    /// A sealed stream's commitment does not verify (another context, an altered header), or
    /// one of its chunks fails its AES-GCM tag (SR-STR-6): the stream was altered or relabeled.
    StreamAuthenticationFailed,
    /// The frames of a sealed stream are not the sequence its sealer wrote: cut, reordered,
    /// repeated, extended or mixed with another stream's (SPEC.md 11.16.4). Every such failure
    /// is a failure of the whole stream (SR-STR-7).
    StreamViolation(StreamViolation),
    /// A size, count or work limit of SPEC.md was exceeded.
    LimitExceeded(Limit),
    /// The server served an older or different history than the client's pin: for a
    /// keyring (SPEC.md 11.12) a rollback, a fork, another keyring for the same id, or an
    /// unconfirmed jump; for a log (SPEC.md 11.15) another log, a truncated or forked log, or a
    /// dropped, altered, reordered or replayed entry.
    HistoryViolation(HistoryViolation),
    /// A caller-supplied argument is invalid.
    InvalidInput(InvalidInput),
    /// The operating system's random number generator failed.
    RandomnessUnavailable,
    /// The KDF could not run here (for example Argon2id could not allocate its memory).
    KdfUnavailable,
}

impl Error {
    /// The SPEC.md class string of this error (for example `"unlock_failed"`).
    pub fn class(&self) -> &'static str {
        match self {
            Error::Malformed(_) => "malformed",
            Error::UnsupportedVersion { .. } => "unsupported_version",
            Error::UnsupportedAlgorithm { .. } => "unsupported_algorithm",
            Error::KdfParamsOutOfBounds => "kdf_params_out_of_bounds",
            Error::OutOfPolicy => "out_of_policy",
            Error::UnlockFailed => "unlock_failed",
            Error::KeyringTampered => "keyring_tampered",
            Error::WrongKeyring => "wrong_keyring",
            Error::RecordAuthenticationFailed => "record_authentication_failed",
            Error::CheckpointAuthenticationFailed => "checkpoint_authentication_failed",
            Error::StreamAuthenticationFailed => "stream_authentication_failed",
            Error::StreamViolation(_) => "stream_violation",
            Error::LimitExceeded(_) => "limit_exceeded",
            Error::HistoryViolation(_) => "history_violation",
            Error::InvalidInput(_) => "invalid_input",
            Error::RandomnessUnavailable => "randomness_unavailable",
            Error::KdfUnavailable => "kdf_unavailable",
        }
    }

    /// The SPEC.md reason code, for the classes that carry one.
    pub fn reason(&self) -> Option<&'static str> {
        match self {
            Error::Malformed(m) => Some(m.as_str()),
            Error::LimitExceeded(l) => Some(l.as_str()),
            Error::HistoryViolation(h) => Some(h.as_str()),
            Error::InvalidInput(i) => Some(i.as_str()),
            Error::StreamViolation(v) => Some(v.as_str()),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Malformed(m) => write!(f, "malformed input: {}", m.as_str()),
            Error::UnsupportedVersion { version } => {
                write!(f, "unsupported format version {version}")
            }
            Error::UnsupportedAlgorithm { registry, id } => {
                write!(f, "unsupported {} id {id}", registry.as_str())
            }
            Error::KdfParamsOutOfBounds => f.write_str("KDF parameters outside the hard limits"),
            Error::OutOfPolicy => f.write_str("KDF parameters outside the unlock policy"),
            Error::UnlockFailed => f.write_str("unlock failed: wrong password or recovery code"),
            Error::KeyringTampered => f.write_str("keyring authentication failed"),
            Error::WrongKeyring => f.write_str("object belongs to a different keyring"),
            Error::RecordAuthenticationFailed => f.write_str("record authentication failed"),
            Error::CheckpointAuthenticationFailed => {
                f.write_str("checkpoint authentication failed")
            }
            Error::StreamAuthenticationFailed => f.write_str("stream authentication failed"),
            Error::StreamViolation(v) => write!(f, "stream violation: {}", v.as_str()),
            Error::LimitExceeded(l) => write!(f, "limit exceeded: {}", l.as_str()),
            Error::HistoryViolation(h) => {
                write!(f, "history violation: {}", h.as_str())
            }
            Error::InvalidInput(i) => write!(f, "invalid input: {}", i.as_str()),
            Error::RandomnessUnavailable => f.write_str("random number generator unavailable"),
            Error::KdfUnavailable => f.write_str("the KDF could not run on this machine"),
        }
    }
}

impl std::error::Error for Error {}

impl From<Malformed> for Error {
    fn from(m: Malformed) -> Self {
        Error::Malformed(m)
    }
}

impl From<Limit> for Error {
    fn from(l: Limit) -> Self {
        Error::LimitExceeded(l)
    }
}

impl From<InvalidInput> for Error {
    fn from(i: InvalidInput) -> Self {
        Error::InvalidInput(i)
    }
}

impl From<StreamViolation> for Error {
    fn from(v: StreamViolation) -> Self {
        Error::StreamViolation(v)
    }
}

impl From<HistoryViolation> for Error {
    fn from(h: HistoryViolation) -> Self {
        Error::HistoryViolation(h)
    }
}

/// Which registry an unsupported identifier was looked up in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Registry {
    /// The KDF registry (1 = PBKDF2-HMAC-SHA256, 2 = Argon2id).
    Kdf,
    /// The slot kind registry: a critical kind (below 64) this implementation does not
    /// implement.
    SlotKind,
}

impl Registry {
    /// The registry's name as SPEC.md spells it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Registry::Kdf => "kdf",
            Registry::SlotKind => "slot_kind",
        }
    }
}

macro_rules! reason_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $code:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every reason code, in SPEC.md order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stable reason code string of SPEC.md.
            pub fn as_str(&self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// Looks a reason code string up.
            pub fn from_code(code: &str) -> Option<Self> {
                match code {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

reason_enum! {
    /// Reason codes of the `malformed` class (SPEC.md, SR-CBOR and SR-OBJ).
    Malformed {
        /// The input ended inside a data item, or a length exceeds the remaining input.
        Truncated => "truncated",
        /// Bytes follow the single top-level data item.
        TrailingBytes => "trailing_bytes",
        /// An integer, length or count is not in its shortest encoding.
        NonShortestHead => "non_shortest_head",
        /// An indefinite-length string, array or map.
        IndefiniteLength => "indefinite_length",
        /// Additional information 28, 29 or 30.
        ReservedAdditionalInfo => "reserved_additional_info",
        /// A negative integer, tag, float or simple value.
        ForbiddenMajorType => "forbidden_major_type",
        /// A map key that is not an unsigned integer.
        NonIntegerMapKey => "non_integer_map_key",
        /// Map keys not in increasing order.
        UnsortedMapKeys => "unsorted_map_keys",
        /// The same map key twice.
        DuplicateMapKey => "duplicate_map_key",
        /// A text string that is not valid UTF-8.
        InvalidUtf8 => "invalid_utf8",
        /// Containers nested deeper than the profile allows.
        NestingTooDeep => "nesting_too_deep",
        /// The input is larger than the object's size limit.
        TooLarge => "too_large",
        /// The object type is not the one expected.
        WrongObjectType => "wrong_object_type",
        /// A value has the wrong CBOR type.
        UnexpectedType => "unexpected_type",
        /// A map key the schema does not define.
        UnknownKey => "unknown_key",
        /// A map key the schema requires is absent.
        MissingKey => "missing_key",
        /// A fixed-size byte string or array has the wrong length.
        WrongLength => "wrong_length",
        /// An integer or string length is outside its stated range.
        ValueOutOfRange => "value_out_of_range",
        /// A keyring with no slots or more than eight.
        BadSlotCount => "bad_slot_count",
        /// The text form does not start with a known prefix.
        TextPrefix => "text_prefix",
        /// The text form's base64url is not canonical.
        TextEncoding => "text_encoding",
        /// A sealed stream's frame says what no sealer writes: an index of 2^32 or more, a
        /// final byte other than 0 or 1, a length above the chunk size, a non-final frame
        /// shorter than the chunk size or of index 2^32 - 1, or an empty final frame after the
        /// first (SR-STR-4, SR-STR-5).
        ChunkFrame => "chunk_frame",
    }
}

reason_enum! {
    /// Reason codes of the `limit_exceeded` class.
    Limit {
        /// A record's plaintext is larger than 16 MiB.
        PlaintextTooLarge => "plaintext_too_large",
        /// An application context is longer than 4096 bytes.
        ContextTooLong => "context_too_long",
        /// A keyring would hold more than eight slots.
        TooManySlots => "too_many_slots",
        /// A slot label is longer than 64 bytes of UTF-8.
        LabelTooLong => "label_too_long",
        /// A password is longer than 1024 bytes of UTF-8 after normalization.
        PasswordTooLong => "password_too_long",
        /// The generation counter reached 2^53 - 1.
        GenerationExhausted => "generation_exhausted",
        /// The slots an unlock would try need more KDF work than the policy's
        /// `max_unlock_work` (SR-POL-7).
        UnlockWorkExceeded => "unlock_work_exceeded",
        /// A log already holds 2^53 - 1 entries: no position is left (SR-LOG-3).
        LogFull => "log_full",
        /// A sealed stream would need more than 2^32 chunks (2^48 bytes of payload, SR-STR-5).
        StreamTooLarge => "stream_too_large",
    }
}

reason_enum! {
    /// Reason codes of the `invalid_input` class.
    InvalidInput {
        /// The password holds a code point that Unicode 14.0 leaves unassigned (SR-PWD-4).
        UnassignedCodePoint => "unassigned_code_point",
        /// The password is empty after normalization.
        EmptyPassword => "empty_password",
        /// A recovery code has a character outside the alphabet or the wrong length.
        RecoveryCodeFormat => "recovery_code_format",
        /// A recovery code's check symbols do not match (a typo).
        RecoveryCodeCheck => "recovery_code_check",
        /// No slot at the given index.
        NoSuchSlot => "no_such_slot",
        /// The slot at the given index is of the wrong kind for the operation.
        WrongSlotKind => "wrong_slot_kind",
        /// The last remaining slot cannot be removed.
        LastSlot => "last_slot",
        /// An unlock policy whose bounds are inconsistent or outside the hard limits.
        PolicyInvalid => "policy_invalid",
        /// A password change to a weaker KDF than the slot's, not explicitly allowed
        /// (SR-KDF-8).
        WeakerKdf => "weaker_kdf",
        /// A secret key code without the `SK1` prefix, with a character outside the
        /// alphabet, or not 32 symbols (SR-SK-1).
        SecretKeyFormat => "secret_key_format",
        /// A secret key code's check does not match (a typo).
        SecretKeyCheck => "secret_key_check",
    }
}

reason_enum! {
    /// Reason codes of the `history_violation` class (SPEC.md 11.12 CheckPin, and 11.15
    /// VerifyCheckpoint and VerifyEntries for logs).
    HistoryViolation {
        /// The keyring id differs from the pinned one.
        KeyringReplaced => "keyring_replaced",
        /// The generation is lower than the pinned one.
        KeyringRollback => "keyring_rollback",
        /// The same generation as the pin, other bytes.
        KeyringFork => "keyring_fork",
        /// The generation is more than 64 above the pin's, and the jump was not confirmed.
        KeyringGenerationJump => "keyring_generation_jump",
        /// The checkpoint names another log (or keyring) than the pinned one.
        LogReplaced => "log_replaced",
        /// The checkpoint is shorter than the pinned one: truncation or rollback.
        LogTruncated => "log_truncated",
        /// The checkpoint does not extend the pinned log: the same size with another root,
        /// or a consistency proof that fails.
        LogFork => "log_fork",
        /// An entry the checkpoint covers was not served: a dropped entry, a gap.
        LogEntryMissing => "log_entry_missing",
        /// A served entry (or frontier) is not what the checkpoint commits to at its
        /// position: altered, reordered, replayed or moved from another log.
        LogEntryMismatch => "log_entry_mismatch",
    }
}

reason_enum! {
    /// Reason codes of the `stream_violation` class (SPEC.md 11.16.4, OpenStream step 6):
    /// what the frames of a stream say is wrong with their sequence.
    StreamViolation {
        /// The stream ends where a frame, or the rest of a frame, is due (steps 6.1, 6.5).
        StreamTruncated => "stream_truncated",
        /// A frame whose first four bytes are not the stream's (step 6.2).
        ChunkFromAnotherStream => "chunk_from_another_stream",
        /// A frame whose index is lower than its position: a repeated chunk (step 6.4).
        ChunkDuplicated => "chunk_duplicated",
        /// A frame whose index is higher than its position: chunks swapped, or one dropped
        /// (step 6.4).
        ChunkReordered => "chunk_reordered",
        /// Bytes after the final frame (step 6.6).
        DataAfterFinalChunk => "data_after_final_chunk",
    }
}

/// Shorthand for results of this crate.
pub type Result<T> = core::result::Result<T, Error>;
