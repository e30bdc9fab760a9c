//! `strongroom vectors verify`: the suite through the built-in implementation, in-process.

use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, Subcommand};

use crate::fail::{CliResult, show};
use crate::report::ProgressLine;
use crate::runner::{self, InProcess};
use crate::suite;

/// `vectors` subcommands.
#[derive(Subcommand)]
pub enum VectorsCommand {
    /// Run every vector through the built-in implementation; summary by file and outcome.
    #[command(after_help = VERIFY_HELP)]
    Verify(VerifyArgs),
}

const VERIFY_HELP: &str = "\
Examples:
  strongroom vectors verify
  strongroom vectors verify path/to/vectors --junit vectors.xml
  strongroom vectors verify --filter tamper-001 --verbose

Runs the same requests that `conformance` sends to another implementation, in-process.
Exit status 4 on any unexpected result (failure or success). Skipped cases (vectors flagged
Slow without --slow, or marked skip in the files) are counted and listed, and do not change
the exit status.";

/// `vectors verify`.
#[derive(Args)]
pub struct VerifyArgs {
    /// The vector directory.
    #[arg(default_value = "vectors")]
    pub dir: PathBuf,
    /// Only cases whose id contains this text.
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// Also run vectors flagged `Slow` (the 1,000,000-iteration accumulated test).
    #[arg(long)]
    pub slow: bool,
    /// Allowed deviations of the built-in implementation [default:
    /// DIR/deviations/rust-crate.json if it exists].
    #[arg(long, value_name = "FILE")]
    pub allow: Option<PathBuf>,
    /// Write a JUnit XML report to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a JSON report to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Print every case.
    #[arg(short, long)]
    pub verbose: bool,
}

/// Runs `vectors verify`.
pub fn run(cmd: VectorsCommand) -> CliResult<()> {
    let VectorsCommand::Verify(a) = cmd;
    let loaded = suite::load_with(&a.dir, a.slow)?;
    let cases = suite::filter(loaded.cases, a.filter.as_deref());
    // The crate's own known deviations live beside the vectors (vectors/README.md section 8).
    let default_allow = a.dir.join("deviations").join("rust-crate.json");
    let allow = a
        .allow
        .clone()
        .or_else(|| default_allow.is_file().then_some(default_allow));
    let allowed = match &allow {
        Some(p) => {
            crate::note(&format!("allowed deviations from {}", show(p)));
            suite::load_deviations(p)?
        }
        None => Default::default(),
    };
    let mut imp = InProcess::new();
    let started = Instant::now();
    let mut line = ProgressLine::new();
    let mut rep = runner::run_cases(&mut imp, &cases, &allowed, a.filter.is_some(), |i, n| {
        line.update(i, n)
    });
    line.finish();
    rep.elapsed = started.elapsed();
    rep.finish_and_print(
        &format!("vectors in {}", show(&a.dir)),
        a.verbose,
        false,
        a.junit.as_deref(),
        a.json.as_deref(),
    )
}
