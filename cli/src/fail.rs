//! One error type for the command, each kind with its documented exit status.

use std::fmt;
use std::io;
use std::path::Path;

/// Exit status: success.
pub const EXIT_OK: u8 = 0;
/// Exit status: Strongroom refused the input or the operation (decoding, authentication,
/// policy, limits). The error class and reason code are printed.
pub const EXIT_REFUSED: u8 = 1;
/// Exit status: bad command line, or a password / input that cannot be had.
pub const EXIT_USAGE: u8 = 2;
/// Exit status: reading or writing a file or stream failed, or a process could not start.
pub const EXIT_IO: u8 = 3;
/// Exit status: `vectors verify` or `conformance` found an unexpected result.
pub const EXIT_NONCONFORMING: u8 = 4;
/// Exit status: the keyring file changed between reading it and writing the change back
/// (another process or machine updated it); nothing was written.
pub const EXIT_CONFLICT: u8 = 5;

/// Why a command failed.
#[derive(Debug)]
pub enum CliError {
    /// The library refused: the class and reason come from SPEC.md.
    Strongroom {
        /// What the command was doing ("unlocking keyring.srk").
        doing: String,
        /// The library error.
        err: strongroom::Error,
        /// What a person can do about it, when the call site knows better than
        /// [`default_hint`].
        hint: Option<String>,
    },
    /// A usage problem: message only.
    Usage(String),
    /// An I/O problem.
    Io {
        /// What failed ("reading keyring.srk").
        doing: String,
        /// The OS error.
        err: io::Error,
    },
    /// A conformance check found unexpected results (the report is already printed).
    Nonconforming(String),
    /// The keyring changed under the command; nothing was written.
    Conflict(String),
}

/// Shorthand.
pub type CliResult<T> = Result<T, CliError>;

impl CliError {
    /// The exit status documented in `--help` and README.md.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Strongroom { .. } => EXIT_REFUSED,
            CliError::Usage(_) => EXIT_USAGE,
            CliError::Io { .. } => EXIT_IO,
            CliError::Nonconforming(_) => EXIT_NONCONFORMING,
            CliError::Conflict(_) => EXIT_CONFLICT,
        }
    }

    /// Replaces the hint of a library error (other kinds are returned unchanged).
    pub fn with_hint(self, text: impl Into<String>) -> Self {
        match self {
            CliError::Strongroom { doing, err, .. } => CliError::Strongroom {
                doing,
                err,
                hint: Some(text.into()),
            },
            other => other,
        }
    }

    /// A usage error.
    pub fn usage(msg: impl Into<String>) -> Self {
        CliError::Usage(msg.into())
    }

    /// An I/O error about a path.
    pub fn io(doing: impl Into<String>, err: io::Error) -> Self {
        CliError::Io {
            doing: doing.into(),
            err,
        }
    }
}

/// `class` or `class/reason`, as the vectors and SPEC.md spell them.
pub fn class_reason(err: &strongroom::Error) -> String {
    match err.reason() {
        Some(r) => format!("{}/{}", err.class(), r),
        None => err.class().to_string(),
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Strongroom { doing, err, hint } => {
                write!(f, "{doing}: {err} [{}]", class_reason(err))?;
                match hint.as_deref().or_else(|| default_hint(err)) {
                    Some(h) => write!(f, " ({h})"),
                    None => Ok(()),
                }
            }
            CliError::Usage(msg) => f.write_str(msg),
            CliError::Io { doing, err } => write!(f, "{doing}: {}", io_message(err)),
            CliError::Nonconforming(msg) | CliError::Conflict(msg) => f.write_str(msg),
        }
    }
}

/// What a person can do about a refusal; the class and reason code stay in the message for
/// scripts and bug reports, the hint is for the person reading it.
pub fn default_hint(err: &strongroom::Error) -> Option<&'static str> {
    use strongroom::{Error, InvalidInput, Limit, Malformed};
    Some(match err {
        Error::InvalidInput(InvalidInput::UnassignedCodePoint) => {
            "the password holds a character that Unicode 14.0 does not assign (one added since \
             2021, such as a recent emoji, or a noncharacter): every implementation must \
             derive the same key from it, so choose a password without it"
        }
        Error::OutOfPolicy => {
            "the default unlock policy accepts PBKDF2 600,000..2,000,000 iterations and \
             Argon2id 19,456..262,144 KiB, t 2..8, p 1..8"
        }
        Error::RecordAuthenticationFailed => {
            "wrong --context (it must be exactly the bytes given to seal), or the record was \
             changed or damaged"
        }
        Error::UnlockFailed => "no slot opens with this password or recovery code",
        Error::LimitExceeded(Limit::UnlockWorkExceeded) => {
            "the slots this unlock would try need more KDF work than the policy allows \
             (--max-unlock-work, default 16,777,216: one Argon2id run at 256 MiB, t=8, or eight \
             PBKDF2 runs at 2,000,000); the keyring may hold slots someone added to slow you \
             down: try your own slot with --slot INDEX (see `keyring info`), or raise \
             --max-unlock-work if you trust them"
        }
        Error::InvalidInput(InvalidInput::SecretKeyFormat) => {
            "a secret key code is SK1- and 32 letters and digits in groups of four (the line \
             from the emergency kit): is this the right file or variable?"
        }
        Error::InvalidInput(InvalidInput::SecretKeyCheck) => {
            "the secret key code's check does not match: a symbol was mistyped; compare it \
             with the emergency kit"
        }
        Error::InvalidInput(InvalidInput::WeakerKdf) => {
            "the new KDF parameters are weaker than the slot's: give stronger ones, or \
             --allow-weaker-kdf to lower them knowingly"
        }
        Error::HistoryViolation(_) => {
            "this keyring is not the one this machine pinned, nor a later one; if you know it \
             is right, run `strongroom keyring forget-pin`"
        }
        Error::KeyringTampered => {
            "the keyring's MAC does not verify: it was changed outside Strongroom or damaged; \
             use a known good copy"
        }
        Error::UnsupportedVersion { .. } => "made by a newer version of Strongroom?",
        Error::LimitExceeded(Limit::PlaintextTooLarge) => {
            "a record holds at most 16 MiB (16,777,216 bytes) of plaintext: seal a stream \
             instead (`strongroom seal` without --text or --record)"
        }
        Error::StreamAuthenticationFailed => {
            "wrong --context (it must be exactly the bytes given to seal), or the stream was \
             changed or damaged; nothing was kept"
        }
        Error::StreamViolation(_) => {
            "the stream's chunks are not the sequence its sealer wrote: it was cut, reordered, \
             repeated, extended or mixed with another stream's; nothing was kept"
        }
        Error::LimitExceeded(Limit::ContextTooLong) => "a context is at most 4096 bytes",
        Error::Malformed(Malformed::WrongObjectType) => {
            "a keyring where a record was expected, or the other way round: the keyring goes \
             after -k, the record or plaintext is the positional argument"
        }
        Error::Malformed(Malformed::TextPrefix) => {
            "the text form starts with srk1. (keyring) or srr1. (record); a sealed stream has no \
             text form; is this the right file?"
        }
        Error::Malformed(Malformed::TooLarge) => {
            "larger than any Strongroom object: a keyring is at most 4096 bytes, a record at \
             most 16,777,488"
        }
        Error::Malformed(_) => "not a Strongroom object, or a damaged one: is this the right file?",
        _ => return None,
    })
}

/// The OS message without Rust's " (os error 2)" suffix.
fn io_message(err: &io::Error) -> String {
    let s = err.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Maps a library error with what was being done.
pub trait Doing<T> {
    /// Attaches `doing` to a library error.
    fn doing(self, doing: impl FnOnce() -> String) -> CliResult<T>;
}

impl<T> Doing<T> for Result<T, strongroom::Error> {
    fn doing(self, doing: impl FnOnce() -> String) -> CliResult<T> {
        self.map_err(|err| CliError::Strongroom {
            doing: doing(),
            err,
            hint: None,
        })
    }
}

/// `path` for messages, with `-` for standard streams.
pub fn show(path: &Path) -> String {
    path.display().to_string()
}
