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

/// Why a command failed.
#[derive(Debug)]
pub enum CliError {
    /// The library refused: the class and reason come from SPEC.md.
    Strongroom {
        /// What the command was doing ("unlocking keyring.srk").
        doing: String,
        /// The library error.
        err: strongroom::Error,
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
            CliError::Strongroom { doing, err } => {
                write!(f, "{doing}: {err} [{}]", class_reason(err))?;
                if *err == strongroom::Error::OutOfPolicy {
                    // The one refusal a user can act on without a different password.
                    write!(
                        f,
                        " (the default unlock policy accepts PBKDF2 600,000..2,000,000 \
                         iterations and Argon2id 19,456..262,144 KiB, t 2..8, p 1..8)"
                    )?;
                }
                Ok(())
            }
            CliError::Usage(msg) => f.write_str(msg),
            CliError::Io { doing, err } => write!(f, "{doing}: {}", io_message(err)),
            CliError::Nonconforming(msg) => f.write_str(msg),
        }
    }
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
        })
    }
}

/// `path` for messages, with `-` for standard streams.
pub fn show(path: &Path) -> String {
    path.display().to_string()
}
