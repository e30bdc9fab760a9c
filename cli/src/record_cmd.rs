//! `strongroom seal` and `strongroom open`.

use std::path::PathBuf;

use clap::Args;

use crate::fail::{CliError, CliResult, Doing, show};
use crate::files;
use crate::opts::UnlockArgs;
use crate::{dash, parse_hex};

/// Help text: examples for `seal`.
pub const SEAL_HELP: &str = "\
Examples:
  strongroom seal -k alice.srk --context 'user:alice|log|1' entry.txt -o entry.srr
  echo 'hello' | strongroom seal -k alice.srk --text > hello.srr
  strongroom seal -k alice.srk --context-hex 0001ff --password-file pw.txt data.bin -o data.srr

The context is not stored in the record: pass the same bytes to `open`. Binary output is
refused on a terminal (use --text or -o). Output files are written atomically.";

/// Help text: examples for `open`.
pub const OPEN_HELP: &str = "\
Examples:
  strongroom open -k alice.srk --context 'user:alice|log|1' entry.srr
  strongroom open -k alice.srk --recovery entry.srr -o entry.txt
  cat hello.srr | strongroom open -k alice.srk

The record may be binary or text form. Nothing is written unless the record authenticates.";

/// The application context, as text or hex.
#[derive(Args, Debug)]
pub struct ContextArgs {
    /// Application context as UTF-8 text (for example "user:alice|collection:log|id:1").
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub context: String,
    /// Application context as hex bytes (instead of --context).
    #[arg(long, value_name = "HEX", conflicts_with = "context")]
    pub context_hex: Option<String>,
}

impl ContextArgs {
    fn bytes(&self) -> CliResult<Vec<u8>> {
        match &self.context_hex {
            Some(h) => parse_hex(h, "--context-hex"),
            None => Ok(self.context.as_bytes().to_vec()),
        }
    }
}

/// `seal`.
#[derive(Args)]
pub struct SealArgs {
    /// The plaintext file (`-` or nothing for standard input).
    #[arg(default_value_os_t = dash())]
    pub input: PathBuf,
    /// The keyring file.
    #[arg(short, long, value_name = "FILE")]
    pub keyring: PathBuf,
    /// Where to write the record (`-` for standard output).
    #[arg(short, long, value_name = "FILE", default_value_os_t = dash())]
    pub output: PathBuf,
    /// Write the text form (`srr1.` + base64url, with a newline) instead of binary CBOR.
    #[arg(long)]
    pub text: bool,
    #[command(flatten)]
    pub context: ContextArgs,
    #[command(flatten)]
    pub unlock: UnlockArgs,
}

/// `open`.
#[derive(Args)]
pub struct OpenArgs {
    /// The record file, binary or text form (`-` or nothing for standard input).
    #[arg(default_value_os_t = dash())]
    pub input: PathBuf,
    /// The keyring file.
    #[arg(short, long, value_name = "FILE")]
    pub keyring: PathBuf,
    /// Where to write the plaintext (`-` for standard output).
    #[arg(short, long, value_name = "FILE", default_value_os_t = dash())]
    pub output: PathBuf,
    #[command(flatten)]
    pub context: ContextArgs,
    #[command(flatten)]
    pub unlock: UnlockArgs,
}

/// Seals the input.
pub fn seal(a: SealArgs) -> CliResult<()> {
    if files::is_std(&a.input) && files::is_std(&a.keyring) {
        return Err(CliError::usage(
            "the keyring and the input cannot both be stdin",
        ));
    }
    files::check_binary_output(&a.output, !a.text)?;
    let context = a.context.bytes()?;
    let (keyring, _) = files::read_keyring(&a.keyring)?;
    // Read the plaintext before unlocking so an oversized input costs no KDF run.
    let plaintext = zeroize::Zeroizing::new(files::read_limited(
        &a.input,
        strongroom::MAX_PLAINTEXT_LEN,
        "plaintext",
    )?);
    let unlocked = a.unlock.unlock(&keyring, &a.keyring)?.unlocked;
    let record = unlocked
        .seal(&plaintext, &context)
        .doing(|| format!("sealing {}", show(&a.input)))?;
    if a.text {
        let mut t = record.to_text().into_bytes();
        t.push(b'\n');
        files::write_output(&a.output, &t, false)
    } else {
        files::write_output(&a.output, record.as_bytes(), true)
    }
}

/// Opens a record.
pub fn open(a: OpenArgs) -> CliResult<()> {
    if files::is_std(&a.input) && files::is_std(&a.keyring) {
        return Err(CliError::usage(
            "the keyring and the input cannot both be stdin",
        ));
    }
    let context = a.context.bytes()?;
    let (keyring, _) = files::read_keyring(&a.keyring)?;
    let record = files::read_record(&a.input)?;
    let unlocked = a.unlock.unlock(&keyring, &a.keyring)?.unlocked;
    let plaintext = unlocked
        .open(&record, &context)
        .doing(|| format!("opening {}", show(&a.input)))?;
    // Plaintext may be binary; it goes where it was asked to, a terminal included.
    files::write_output(&a.output, &plaintext, false)
}
