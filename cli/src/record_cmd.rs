//! `strongroom seal` and `strongroom open`.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;
use serde_json::json;
use strongroom::{Context, Error, Keyring, Limit, SealedRecord};

use crate::fail::{CliError, CliResult, Doing, show};
use crate::files::{self, Existing};
use crate::opts::UnlockArgs;
use crate::pins;
use crate::secrets;
use crate::term;
use crate::{dash, parse_hex};

/// What `open` and `seal` say about pins and secret keys.
macro_rules! pin_help {
    () => {
        "Pins: before any password is asked, the keyring is checked against what this machine
remembers of it (SPEC.md 11.12; kept in the state directory): an older copy (rollback),
another keyring of the same generation (fork), another keyring in this file (replaced) or one
more than 64 generations ahead (--accept-generation-jump) is refused with exit status 1 and
history_violation. After a successful unlock the keyring is pinned (the first time with a
note), with the slot that opened, which is tried first next time. `strongroom keyring
forget-pin` forgets a pin. A secret-key slot needs the secret key besides the password:
--secret-key-file FILE, else $STRONGROOM_SECRET_KEY, else the state directory's."
    };
}

/// Help text: examples for `seal`.
pub const SEAL_HELP: &str = concat!(
    "\
Examples:
  strongroom seal -k alice.srk --context 'user:alice|log|1' entry.txt -o entry.srr
  echo 'hello' | strongroom seal -k alice.srk --text > hello.srr
  strongroom seal -k alice.srk --context-hex 0001ff --password-file pw.txt data.bin -o data.srr

The context is not stored in the record: pass the same bytes to `open`. Binary output is
refused on a terminal (use --text or -o). The output file is written atomically with mode
0600; an existing file is replaced only with --force, and never the keyring itself.

With the plaintext typed on the terminal, the password is asked first; then type the
plaintext and end it with Ctrl-D on a line of its own.

--json prints {\"command\": \"seal\", \"output\", \"form\", \"size\", \"plaintext_len\",
\"keyring_id\"} on standard output (it needs -o FILE).

",
    pin_help!()
);

/// Help text: examples for `open`.
pub const OPEN_HELP: &str = concat!(
    "\
Examples:
  strongroom open -k alice.srk --context 'user:alice|log|1' entry.srr
  strongroom open -k alice.srk --recovery entry.srr -o entry.txt
  cat hello.srr | strongroom open -k alice.srk

The record may be binary or text form. Nothing is written unless the record authenticates,
and a record of another keyring is refused before any password is asked. The output file is
written atomically with mode 0600 (no partial plaintext is left behind by an interrupted
run); an existing file is replaced only with --force, and never the keyring itself.

",
    pin_help!()
);

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
    /// Replace the output file if it exists.
    #[arg(long)]
    pub force: bool,
    /// Print what was written as JSON on standard output (needs -o FILE).
    #[arg(long)]
    pub json: bool,
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
    /// Replace the output file if it exists.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub context: ContextArgs,
    #[command(flatten)]
    pub unlock: UnlockArgs,
}

/// Checks an output path before any password or KDF work: not the keyring in use, not an
/// existing file without --force.
fn check_output(output: &std::path::Path, keyring: &std::path::Path, force: bool) -> CliResult<()> {
    files::check_not_keyring(output, keyring)?;
    files::check_new_file(output, force)
}

/// Reads the plaintext to seal.
fn read_plaintext(input: &std::path::Path) -> CliResult<zeroize::Zeroizing<Vec<u8>>> {
    files::read_limited(
        input,
        strongroom::MAX_PLAINTEXT_LEN,
        "plaintext",
        Error::LimitExceeded(Limit::PlaintextTooLarge),
    )
    .map(zeroize::Zeroizing::new)
}

/// Seals the input.
pub fn seal(a: SealArgs) -> CliResult<()> {
    if files::is_std(&a.input) && files::is_std(&a.keyring) {
        return Err(CliError::usage(
            "the keyring and the input cannot both be stdin",
        ));
    }
    if a.json && files::is_std(&a.output) {
        return Err(CliError::usage(
            "--json needs -o FILE: standard output carries the record",
        ));
    }
    files::check_binary_output(&a.output, !a.text)?;
    check_output(&a.output, &a.keyring, a.force)?;
    let context = a.context.bytes()?;
    let (keyring, _, _, pin) = pins::read_checked(&a.keyring, a.unlock.accept_generation_jump)?;
    let typed = files::is_std(&a.input) && std::io::stdin().is_terminal();
    let (unlocked, plaintext) = if typed {
        // A person typing: the password first, so that it is never typed into the
        // plaintext by mistake, then a clear prompt for the plaintext.
        let unlocked = a.unlock.unlock(&keyring, &a.keyring, pin.pin())?;
        pins::pin_unlocked(&a.keyring, &unlocked);
        secrets::say(if cfg!(windows) {
            "reading the plaintext from the terminal; end it with Ctrl-Z and Enter"
        } else {
            "reading the plaintext from the terminal; end it with Ctrl-D on a line of its own"
        });
        (unlocked, read_plaintext(&a.input)?)
    } else {
        // Read first, so that an oversized input costs no KDF run.
        let plaintext = read_plaintext(&a.input)?;
        let unlocked = a.unlock.unlock(&keyring, &a.keyring, pin.pin())?;
        pins::pin_unlocked(&a.keyring, &unlocked);
        (unlocked, plaintext)
    };
    let record = unlocked
        .seal(&plaintext, Context::new(&context))
        .doing(|| format!("sealing {}", show(&a.input)))?;
    let bytes = if a.text {
        let mut t = record.to_text().into_bytes();
        t.push(b'\n');
        t
    } else {
        record.as_bytes().to_vec()
    };
    files::write_output(&a.output, &bytes, !a.text, Existing::from_force(a.force))?;
    if a.json {
        let out = json!({
            "command": "seal",
            "output": show(&a.output),
            "form": if a.text { "text" } else { "binary" },
            "size": bytes.len(),
            "plaintext_len": plaintext.len(),
            "keyring_id": hex::encode(record.keyring_id()),
        });
        println!("{}", term::json_pretty(&out));
    }
    Ok(())
}

/// Refuses a record of another keyring from its header, before any password is asked or
/// KDF run (the library would refuse it too, but only after unlocking).
fn check_keyring_id(
    record: &SealedRecord,
    keyring: &Keyring,
    input: &std::path::Path,
) -> CliResult<()> {
    if record.keyring_id() == keyring.id() {
        return Ok(());
    }
    Err(Error::WrongKeyring)
        .doing(|| format!("opening {}", show(input)))
        .map_err(|e| {
            e.with_hint(format!(
                "the record was sealed with keyring {}, this keyring is {}",
                hex::encode(record.keyring_id()),
                hex::encode(keyring.id())
            ))
        })
}

/// Opens a record.
pub fn open(a: OpenArgs) -> CliResult<()> {
    if files::is_std(&a.input) && files::is_std(&a.keyring) {
        return Err(CliError::usage(
            "the keyring and the input cannot both be stdin",
        ));
    }
    check_output(&a.output, &a.keyring, a.force)?;
    let context = a.context.bytes()?;
    let (keyring, _, _, pin) = pins::read_checked(&a.keyring, a.unlock.accept_generation_jump)?;
    let record = files::read_record(&a.input)?;
    check_keyring_id(&record, &keyring, &a.input)?;
    let unlocked = a.unlock.unlock(&keyring, &a.keyring, pin.pin())?;
    pins::pin_unlocked(&a.keyring, &unlocked);
    let plaintext = unlocked
        .open(&record, Context::new(&context))
        .doing(|| format!("opening {}", show(&a.input)))?;
    // Plaintext may be binary; it goes where it was asked to, a terminal included.
    files::write_output(&a.output, &plaintext, false, Existing::from_force(a.force))
}
