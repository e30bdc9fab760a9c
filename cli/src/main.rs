//! `strongroom`: create and change keyrings, seal and open records, look inside any
//! Strongroom object, run the test vectors, and check other implementations against them.
//!
//! Exit status: 0 success; 1 Strongroom refused (the error class and reason code are
//! printed); 2 usage error; 3 I/O error; 4 nonconforming (`vectors verify`, `conformance`).
#![forbid(unsafe_code)]

mod adapter;
mod diag;
// The vector consumer shared with the generator and tests/vectors.rs: one executor of
// vectors/README.md's operations, so `vectors verify`, the adapter and the crate's own
// vector test cannot disagree about what an operation means.
#[path = "../../examples/gen_vectors/exec.rs"]
// Its lints are checked where it is owned (the example, `cargo clippy --all-targets`).
#[allow(clippy::all)]
mod exec;
mod fail;
mod files;
mod inspect;
mod keyring_cmd;
mod opts;
mod progress;
mod record_cmd;
mod report;
mod runner;
mod secrets;
mod vectors;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::fail::CliError;

const AFTER_HELP: &str = "\
Exit status:
  0  success
  1  Strongroom refused the input or operation (error class and reason code printed)
  2  usage error: bad arguments, no password source, refusing to overwrite
  3  I/O error: a file or stream could not be read or written, a process could not start
  4  nonconforming: `vectors verify` or `conformance` found an unexpected result

Examples:
  strongroom keyring create alice.srk --label laptop
  strongroom seal -k alice.srk --context 'user:alice|log|1' --text notes.txt -o notes.srr
  strongroom open -k alice.srk --context 'user:alice|log|1' notes.srr
  strongroom inspect alice.srk --json
  strongroom vectors verify
  strongroom conformance --impl 'node my-port/adapter.js'

Scripts give passwords with --password-file FILE or $STRONGROOM_PASSWORD; on a terminal
the command asks without echo.";

/// Password-based client-side envelope encryption: keyrings, sealed records, test vectors.
#[derive(Parser)]
#[command(name = "strongroom", version, after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create and change keyrings (key slots wrapping the data key).
    #[command(subcommand)]
    Keyring(keyring_cmd::KeyringCommand),
    /// Seal a file or standard input into a record.
    #[command(after_help = record_cmd::SEAL_HELP)]
    Seal(record_cmd::SealArgs),
    /// Open a sealed record and write its plaintext.
    #[command(after_help = record_cmd::OPEN_HELP)]
    Open(record_cmd::OpenArgs),
    /// Decode any Strongroom object without keys: readable, CBOR diagnostic or JSON.
    #[command(after_help = inspect::HELP)]
    Inspect(inspect::InspectArgs),
    /// Run the test vectors against the built-in implementation.
    #[command(subcommand)]
    Vectors(vectors::VectorsCommand),
    /// Check another implementation against every vector through CONFORMANCE.md's protocol.
    #[command(after_help = runner::HELP)]
    Conformance(runner::ConformanceArgs),
    /// Speak CONFORMANCE.md's protocol on stdin/stdout as the built-in implementation.
    #[command(after_help = adapter::HELP)]
    Adapter,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Keyring(c) => keyring_cmd::run(c),
        Command::Seal(a) => record_cmd::seal(a),
        Command::Open(a) => record_cmd::open(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Vectors(c) => vectors::run(c),
        Command::Conformance(a) => runner::run(a),
        Command::Adapter => adapter::run(),
    };
    match result {
        Ok(()) => ExitCode::from(fail::EXIT_OK),
        Err(e) => {
            report_error(&e);
            ExitCode::from(e.exit_code())
        }
    }
}

fn report_error(e: &CliError) {
    let mut err = std::io::stderr().lock();
    // One line, no debug output: the message already names what failed and why.
    let _ = writeln!(err, "strongroom: error: {e}");
}

/// Prints a notice on standard error (never data, never a secret).
pub fn note(msg: &str) {
    let _ = writeln!(std::io::stderr().lock(), "strongroom: {msg}");
}

/// Parses `--context-hex`.
pub fn parse_hex(s: &str, what: &str) -> Result<Vec<u8>, CliError> {
    hex::decode(s).map_err(|_| CliError::usage(format!("{what}: not valid hex")))
}

/// Path argument default: standard stream.
pub fn dash() -> PathBuf {
    PathBuf::from("-")
}
