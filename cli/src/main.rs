//! `strongroom`: create and change keyrings, seal and open records, look inside any
//! Strongroom object, run the test vectors, and check other implementations against them.
//!
//! Exit status: 0 success; 1 Strongroom refused (the error class and reason code are
//! printed); 2 usage error; 3 I/O error; 4 nonconforming (`vectors verify`, `conformance`);
//! 5 the keyring changed while the command ran, nothing written.
#![forbid(unsafe_code)]

mod adapter;
mod diag;
mod docs_cmd;
mod fail;
mod files;
mod inspect;
mod keyring_cmd;
mod keyring_file;
mod log_cmd;
mod opts;
mod pins;
mod progress;
mod record_cmd;
mod remote;
mod report;
mod runner;
mod secrets;
mod state;
mod suite;
mod term;
mod vectors;

// The vector consumer shared with the generator and conformance/tests/vectors.rs: one
// executor of vectors/README.md's operations, so `vectors verify`, the adapter and the
// vector test cannot disagree about what an operation means.
use strongroom_conformance as exec;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Args, CommandFactory, FromArgMatches, Subcommand};

use crate::fail::CliError;

const AFTER_HELP: &str = "\
Exit status:
  0  success
  1  Strongroom refused the input or operation (error class and reason code printed)
  2  usage error: bad arguments, no password source, refusing to overwrite
  3  I/O error: a file or stream could not be read or written, a process could not start
  4  nonconforming: `vectors verify` or `conformance` found an unexpected result
  5  the keyring file was changed by someone else while the command ran; nothing written

Examples:
  strongroom keyring create alice.srk --label laptop
  strongroom seal -k alice.srk --context 'user:alice|log|1' --text notes.txt -o notes.srr
  strongroom open -k alice.srk --context 'user:alice|log|1' notes.srr
  strongroom seal -k alice.srk --context 'backup|1' disk.img -o disk.img.srs
  strongroom open -k alice.srk --context 'backup|1' disk.img.srs -o disk.img
  strongroom inspect alice.srk --json
  strongroom vectors verify
  strongroom conformance --impl 'node my-port/adapter.js'

Scripts give passwords with --password-file FILE or $STRONGROOM_PASSWORD (the first line of
either is the password); on a terminal the command asks without echo.

Files: outputs (-o FILE, new keyrings) are written atomically with mode 0600 and replace an
existing file only with --force, never the keyring in use; a changed keyring is written back
the same way, through a symbolic link to the file it points to. State is kept in $STRONGROOM_STATE_DIR, else $XDG_STATE_HOME/strongroom or
~/.local/state/strongroom (macOS: ~/Library/Application Support/strongroom, Windows:
%LOCALAPPDATA%\\strongroom): per keyring id, its pin (so that an older or different copy
is refused before any password is asked) and the secret key of its secret-key slots.";

/// Whether --quiet was given: notes are not printed (errors and prompts are).
static QUIET: AtomicBool = AtomicBool::new(false);

/// Password-based client-side envelope encryption: keyrings, sealed records, test vectors.
#[derive(clap::Parser)]
#[command(name = "strongroom", version, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Options of every subcommand.
#[derive(Args)]
struct GlobalArgs {
    /// Print nothing on standard error but errors and prompts (no notes, no progress line).
    #[arg(short, long, global = true)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Create and change keyrings (key slots wrapping the data key).
    #[command(subcommand)]
    Keyring(keyring_cmd::KeyringCommand),
    /// A log on a storage server: create, append, read and verify (SPEC.md 11.15).
    #[command(subcommand, after_help = log_cmd::common_help())]
    Log(log_cmd::LogCommand),
    /// Seal a file or standard input of any size into a sealed stream (or a record: --text).
    #[command(after_help = record_cmd::SEAL_HELP)]
    Seal(record_cmd::SealArgs),
    /// Open a sealed stream or record and write its plaintext.
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
    /// Print a shell completion script for bash, zsh or fish.
    #[command(after_help = docs_cmd::COMPLETIONS_HELP)]
    Completions(docs_cmd::CompletionsArgs),
    /// Write the manual pages (roff), generated from the same definitions as --help.
    #[command(after_help = docs_cmd::MAN_HELP)]
    Man(docs_cmd::ManArgs),
}

/// The full command definition, for --help, completions and manual pages.
pub fn command() -> clap::Command {
    Cli::command()
}

/// Parses the command line. clap's own errors get the prefix of ours, so that every error
/// starts with `strongroom: error:`; help and version go to standard output as usual.
fn parse() -> Result<Cli, ExitCode> {
    let parsed = command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m));
    parsed.map_err(|e| {
        use clap::error::ErrorKind;
        if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
            let _ = e.print();
            return ExitCode::from(fail::EXIT_OK);
        }
        let text = e.render().to_string();
        let text = text.strip_prefix("error: ").unwrap_or(&text);
        let _ = write!(std::io::stderr().lock(), "strongroom: error: {text}");
        ExitCode::from(fail::EXIT_USAGE)
    })
}

fn main() -> ExitCode {
    let cli = match parse() {
        Ok(c) => c,
        Err(code) => return code,
    };
    QUIET.store(cli.global.quiet, Ordering::Relaxed);
    // Temporaries of runs that were killed before they renamed them (state.rs).
    for path in state::clean_recorded_temporaries() {
        files::note_removed(&path);
    }
    let result = match cli.command {
        Command::Keyring(c) => keyring_cmd::run(c),
        Command::Log(c) => log_cmd::run(c),
        Command::Seal(a) => record_cmd::seal(a),
        Command::Open(a) => record_cmd::open(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Vectors(c) => vectors::run(c),
        Command::Conformance(a) => runner::run(a),
        Command::Adapter => adapter::run(),
        Command::Completions(a) => docs_cmd::completions(a),
        Command::Man(a) => docs_cmd::man(a),
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

/// Prints a notice on standard error (never data, never a secret), unless --quiet.
pub fn note(msg: &str) {
    if !quiet() {
        let _ = writeln!(std::io::stderr().lock(), "strongroom: {msg}");
    }
}

/// Whether --quiet was given.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Parses `--context-hex`.
pub fn parse_hex(s: &str, what: &str) -> Result<Vec<u8>, CliError> {
    hex::decode(s).map_err(|_| CliError::usage(format!("{what}: not valid hex")))
}

/// Path argument default: standard stream.
pub fn dash() -> PathBuf {
    PathBuf::from("-")
}
