//! `strongroom seal` and `strongroom open`.

use std::io::{self, BufReader, IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use serde_json::json;
use strongroom::{Context, Error, Keyring, Limit, Malformed, StreamHeader, UnlockedKeyring};

use crate::fail::{CliError, CliResult, Doing, show};
use crate::files::{self, Existing};
use crate::opts::UnlockArgs;
use crate::pins;
use crate::progress::{ByteProgress, Counter};
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
  strongroom seal -k alice.srk --context 'backup|2026-11-28' disk.img -o disk.img.srs
  tar c photos | strongroom seal -k alice.srk --context 'backup|photos' > photos.tar.srs
  echo 'hello' | strongroom seal -k alice.srk --text > hello.srr
  strongroom seal -k alice.srk --context-hex 0001ff --password-file pw.txt data.bin -o data.srs

What is written: by default a sealed stream (SPEC.md 11.16, binary): a 95-byte header, then
the payload in 64 KiB chunks, each sealed on its own; any size, from a file or a pipe, in
constant memory. --text writes a sealed record in its text form (`srr1.` and base64url, one
line) and --record a sealed record in binary CBOR: a record holds at most 16 MiB (16,777,216
bytes) of plaintext, and more is refused. `open` tells them apart by their header.

The context is not stored in the output: pass the same bytes to `open`. Binary output is
refused on a terminal (use --text or -o). The output file is written atomically with mode
0600 (a stream is written into an unnamed file and linked into place only once its final
chunk is on disk; an interrupted or failed run leaves nothing); an existing file is replaced
only with --force, and never the keyring itself. A run that lasts shows a progress line on
standard error when it is a terminal (bytes done, rate); --quiet hides it.

With the plaintext typed on the terminal, the password is asked first; then type the
plaintext and end it with Ctrl-D on a line of its own.

--json prints {\"command\": \"seal\", \"output\", \"form\" (stream, text or binary),
\"size\", \"plaintext_len\", \"keyring_id\"} on standard output (it needs -o FILE); for a
stream also \"chunks\", and \"unlock_seconds\" and \"seal_seconds\" (the time spent
unlocking, and sealing after the unlock).

",
    pin_help!()
);

/// Help text: examples for `open`.
pub const OPEN_HELP: &str = concat!(
    "\
Examples:
  strongroom open -k alice.srk --context 'backup|2026-11-28' disk.img.srs -o disk.img
  strongroom open -k alice.srk --context 'backup|photos' photos.tar.srs | tar x
  strongroom open -k alice.srk --context 'backup|2026-11-28' disk.img.srs --chunk 1000 -o part
  strongroom open -k alice.srk --recovery entry.srr -o entry.txt
  cat hello.srr | strongroom open -k alice.srk

The input may be a sealed stream (object type 4) or a sealed record (object type 2, binary or
text form): the type is read from its header. A record or stream of another keyring is
refused before any password is asked.

To a file (-o FILE), nothing is kept unless everything authenticates: the plaintext goes into
an unnamed file (or a temporary name) with mode 0600 and becomes FILE only after the final
chunk of a stream verified, and the stream ended there. A stream that is cut, reordered,
repeated, extended, altered or mixed with another leaves no output file and exits with
status 1, its error class printed (stream_violation, stream_authentication_failed,
malformed). An existing file is replaced only with --force, and never the keyring itself.

To standard output (no -o, or -o -), a stream's plaintext is written chunk by chunk as each
chunk verifies, so that a pipeline runs in constant memory. A later failure still exits with
status 1 and prints the class: what was written before it belongs to a failed stream and
must be discarded. Check the exit status (in a shell: set -o pipefail), or use -o FILE to
get all or nothing.

--chunk N prints only chunk N's plaintext (0-based, 64 KiB each but the final one), reading
the header and that chunk's frame only, however large the stream (the input must be a file).
An authentic chunk says nothing about the rest of the stream. A run that lasts shows a
progress line on standard error when it is a terminal; --quiet hides it.

--json (with -o FILE) prints {\"command\": \"open\", \"object\" (stream or record),
\"output\", \"plaintext_len\", \"keyring_id\"} on standard output; for a stream also
\"chunks\", \"unlock_seconds\" and \"open_seconds\".

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
    /// Where to write the output (`-` for standard output).
    #[arg(short, long, value_name = "FILE", default_value_os_t = dash())]
    pub output: PathBuf,
    /// Write a sealed record in text form (`srr1.` + base64url, with a newline) instead of a
    /// sealed stream; at most 16 MiB of plaintext.
    #[arg(long, conflicts_with = "record")]
    pub text: bool,
    /// Write a sealed record in binary CBOR instead of a sealed stream; at most 16 MiB of
    /// plaintext.
    #[arg(long)]
    pub record: bool,
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
    /// The sealed stream or record, binary or text form (`-` or nothing for standard input).
    #[arg(default_value_os_t = dash())]
    pub input: PathBuf,
    /// The keyring file.
    #[arg(short, long, value_name = "FILE")]
    pub keyring: PathBuf,
    /// Where to write the plaintext (`-` for standard output).
    #[arg(short, long, value_name = "FILE", default_value_os_t = dash())]
    pub output: PathBuf,
    /// Open only chunk N of a sealed stream (0-based), reading nothing else of it.
    #[arg(long, value_name = "N")]
    pub chunk: Option<u64>,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub force: bool,
    /// Print what was opened as JSON on standard output (needs -o FILE).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub context: ContextArgs,
    #[command(flatten)]
    pub unlock: UnlockArgs,
}

/// Buffer between the input and the stream code: 1 MiB, so that the input is read in large
/// pieces whatever the stream code asks for (a 16-byte frame header, a 64 KiB chunk, the
/// byte it reads ahead).
const IO_BUF: usize = 1 << 20;

/// Bytes `open` reads before it decides what the input is: a stream header is decoded from
/// its first 257 bytes (SR-STR-1), one more tells `too_large` from `truncated`.
const PEEK: usize = 258;

/// Checks an output path before any password or KDF work: not the keyring in use, not an
/// existing file without --force.
fn check_output(output: &Path, keyring: &Path, force: bool) -> CliResult<()> {
    files::check_not_keyring(output, keyring)?;
    files::check_new_file(output, force)
}

/// Reads the plaintext of a record (--text, --record): at most 16 MiB.
fn read_plaintext(input: &Path) -> CliResult<zeroize::Zeroizing<Vec<u8>>> {
    files::read_limited(
        input,
        strongroom::MAX_PLAINTEXT_LEN,
        "plaintext",
        Error::LimitExceeded(Limit::PlaintextTooLarge),
    )
    .map(zeroize::Zeroizing::new)
    .map_err(|e| {
        e.with_hint(
            "--text and --record write a sealed record, which holds at most 16 MiB \
             (16,777,216 bytes) of plaintext; without them `seal` writes a sealed stream \
             (binary, any size)",
        )
    })
}

/// A reader that counts the bytes it passes (for the progress line) and remembers whether
/// it failed (to tell an input error from an output error).
struct Counted<R> {
    inner: R,
    done: Counter,
    failed: bool,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                self.done
                    .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
                Ok(n)
            }
            Err(e) => {
                if e.kind() != io::ErrorKind::Interrupted {
                    self.failed = true;
                }
                Err(e)
            }
        }
    }
}

/// A stream failure (the library's error inside the `io::Error`) as a refusal with its
/// class; any other `io::Error` as what `io_doing` says.
fn stream_failure(e: io::Error, doing: String, io_doing: impl FnOnce() -> String) -> CliError {
    match strongroom::stream_error(&e) {
        Some(err) => CliError::Strongroom {
            doing,
            err,
            hint: None,
        },
        None => CliError::io(io_doing(), e),
    }
}

/// Seals the input: a sealed stream, or a record with --text or --record.
pub fn seal(a: SealArgs) -> CliResult<()> {
    if files::is_std(&a.input) && files::is_std(&a.keyring) {
        return Err(CliError::usage(
            "the keyring and the input cannot both be stdin",
        ));
    }
    if a.json && files::is_std(&a.output) {
        return Err(CliError::usage(
            "--json needs -o FILE: standard output carries the sealed data",
        ));
    }
    files::check_binary_output(&a.output, !a.text)?;
    check_output(&a.output, &a.keyring, a.force)?;
    let context = a.context.bytes()?;
    let (keyring, _, _, pin) = pins::read_checked(&a.keyring, a.unlock.accept_generation_jump)?;
    if !a.text && !a.record {
        return seal_stream(&a, &keyring, pin.pin(), &context);
    }
    let typed = files::is_std(&a.input) && std::io::stdin().is_terminal();
    let (unlocked, plaintext) = if typed {
        // A person typing: the password first, so that it is never typed into the
        // plaintext by mistake, then a clear prompt for the plaintext.
        let unlocked = a.unlock.unlock(&keyring, &a.keyring, pin.pin())?;
        pins::pin_unlocked(&a.keyring, &unlocked);
        say_typing();
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

fn say_typing() {
    secrets::say(if cfg!(windows) {
        "reading the plaintext from the terminal; end it with Ctrl-Z and Enter"
    } else {
        "reading the plaintext from the terminal; end it with Ctrl-D on a line of its own"
    });
}

/// `seal` without --text or --record: a sealed stream, in constant memory.
fn seal_stream(
    a: &SealArgs,
    keyring: &Keyring,
    pin: Option<&strongroom::KeyringPin>,
    context: &[u8],
) -> CliResult<()> {
    let typed = files::is_std(&a.input) && std::io::stdin().is_terminal();
    // Opened before the unlock: a missing file costs no KDF run.
    let input = files::open_input(&a.input, "plaintext")?;
    let started = Instant::now();
    let unlocked = a.unlock.unlock(keyring, &a.keyring, pin)?;
    pins::pin_unlocked(&a.keyring, &unlocked);
    let unlock_seconds = started.elapsed().as_secs_f64();
    if typed {
        say_typing();
    }
    let done = Counter::default();
    let mut reader = Counted {
        inner: BufReader::with_capacity(IO_BUF, input),
        done: done.clone(),
        failed: false,
    };
    let sealing = Instant::now();
    let summary = {
        let _progress = (!typed).then(|| {
            ByteProgress::start(
                format!("sealing {}", show(&a.input)),
                done,
                files::input_len(&a.input),
            )
        });
        files::write_output_with(&a.output, true, Existing::from_force(a.force), |w| {
            unlocked
                .seal_stream(&mut reader, w, Context::new(context))
                .map_err(|e| {
                    let read_failed = reader.failed;
                    stream_failure(e, format!("sealing {}", show(&a.input)), || {
                        if read_failed {
                            format!("reading plaintext {}", show(&a.input))
                        } else if files::is_std(&a.output) {
                            "writing standard output".into()
                        } else {
                            format!("writing {}", show(&a.output))
                        }
                    })
                })
        })?
    };
    let seal_seconds = sealing.elapsed().as_secs_f64();
    if a.json {
        let out = json!({
            "command": "seal",
            "output": show(&a.output),
            "form": "stream",
            "size": summary.sealed_len(),
            "plaintext_len": summary.payload_len(),
            "chunks": summary.chunk_count(),
            "keyring_id": hex::encode(summary.header().keyring_id()),
            "unlock_seconds": unlock_seconds,
            "seal_seconds": seal_seconds,
        });
        println!("{}", term::json_pretty(&out));
    }
    Ok(())
}

/// Refuses a record or stream of another keyring from its header, before any password is
/// asked or KDF run (the library would refuse it too, but only after unlocking).
fn check_keyring_id(id: &[u8; 16], what: &str, keyring: &Keyring, input: &Path) -> CliResult<()> {
    if id == keyring.id() {
        return Ok(());
    }
    Err(Error::WrongKeyring)
        .doing(|| format!("opening {}", show(input)))
        .map_err(|e| {
            e.with_hint(format!(
                "the {what} was sealed with keyring {}, this keyring is {}",
                hex::encode(id),
                hex::encode(keyring.id())
            ))
        })
}

/// Whether the first bytes of an input are a sealed stream's header: a CBOR map whose first
/// entry is object type 4 (`a6 01 04`); a record starts `a? 01 02`, a keyring `a? 01 01`.
fn is_stream(prefix: &[u8]) -> bool {
    matches!(prefix, [0xa0..=0xbf, 0x01, 0x04, ..])
}

/// Opens a sealed stream or record, whichever the input's header says it is.
pub fn open(a: OpenArgs) -> CliResult<()> {
    if files::is_std(&a.input) && files::is_std(&a.keyring) {
        return Err(CliError::usage(
            "the keyring and the input cannot both be stdin",
        ));
    }
    if a.json && files::is_std(&a.output) {
        return Err(CliError::usage(
            "--json needs -o FILE: standard output carries the plaintext",
        ));
    }
    if a.chunk.is_some() && files::is_std(&a.input) {
        return Err(CliError::usage(
            "--chunk reads one chunk of a sealed stream in place: give the stream as a file",
        ));
    }
    check_output(&a.output, &a.keyring, a.force)?;
    let context = a.context.bytes()?;
    let (keyring, _, _, pin) = pins::read_checked(&a.keyring, a.unlock.accept_generation_jump)?;
    let mut input = files::open_input(&a.input, "input")?;
    let mut prefix = vec![0u8; PEEK];
    let got = files::read_full(&mut *input, &mut prefix)
        .map_err(|e| CliError::io(format!("reading {}", show(&a.input)), e))?;
    prefix.truncate(got);
    if is_stream(&prefix) {
        return open_stream(&a, &keyring, pin.pin(), &context, prefix, input);
    }
    if a.chunk.is_some() {
        return Err(CliError::usage(format!(
            "--chunk opens a chunk of a sealed stream, and {} is not one",
            show(&a.input)
        )));
    }
    // A record: the rest of it, bounded.
    let mut bytes = prefix;
    let limit = files::MAX_RECORD_INPUT;
    let left = (limit + 1).saturating_sub(bytes.len()) as u64;
    input
        .take(left)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::io(format!("reading record {}", show(&a.input)), e))?;
    if bytes.len() > limit {
        return Err(Error::Malformed(Malformed::TooLarge))
            .doing(|| format!("reading record {}: more than {limit} bytes", show(&a.input)));
    }
    let record = files::decode_record(&a.input, bytes)?;
    check_keyring_id(record.keyring_id(), "record", &keyring, &a.input)?;
    let unlocked = a.unlock.unlock(&keyring, &a.keyring, pin.pin())?;
    pins::pin_unlocked(&a.keyring, &unlocked);
    let plaintext = unlocked
        .open(&record, Context::new(&context))
        .doing(|| format!("opening {}", show(&a.input)))?;
    // Plaintext may be binary; it goes where it was asked to, a terminal included.
    files::write_output(&a.output, &plaintext, false, Existing::from_force(a.force))?;
    if a.json {
        let out = json!({
            "command": "open",
            "object": "record",
            "output": show(&a.output),
            "plaintext_len": plaintext.len(),
            "keyring_id": hex::encode(record.keyring_id()),
        });
        println!("{}", term::json_pretty(&out));
    }
    Ok(())
}

/// `open` of a sealed stream: all of it, or one chunk with --chunk.
fn open_stream(
    a: &OpenArgs,
    keyring: &Keyring,
    pin: Option<&strongroom::KeyringPin>,
    context: &[u8],
    prefix: Vec<u8>,
    input: Box<dyn Read>,
) -> CliResult<()> {
    let header =
        StreamHeader::decode(&prefix).doing(|| format!("decoding stream {}", show(&a.input)))?;
    check_keyring_id(header.keyring_id(), "stream", keyring, &a.input)?;
    let started = Instant::now();
    let unlocked = a.unlock.unlock(keyring, &a.keyring, pin)?;
    pins::pin_unlocked(&a.keyring, &unlocked);
    let unlock_seconds = started.elapsed().as_secs_f64();
    if let Some(index) = a.chunk {
        drop(input);
        return open_one_chunk(a, &unlocked, &header, context, index);
    }
    let ctx = Context::new(context);
    let doing = || format!("opening {}", show(&a.input));
    let reading = || format!("reading {}", show(&a.input));
    let done = Counter::default();
    let reader = Counted {
        inner: BufReader::with_capacity(IO_BUF, io::Cursor::new(prefix).chain(input)),
        done: done.clone(),
        failed: false,
    };
    let opening = Instant::now();
    let mut opener = unlocked
        .open_stream(reader, ctx)
        .map_err(|e| stream_failure(e, doing(), reading))?;
    let to_stdout = files::is_std(&a.output);
    let (plaintext_len, chunks) = {
        let _progress = ByteProgress::start(
            format!("opening {}", show(&a.input)),
            done,
            files::input_len(&a.input),
        );
        files::write_output_with(&a.output, false, Existing::from_force(a.force), |w| {
            let mut len = 0u64;
            loop {
                match opener.next_chunk() {
                    Ok(Some(chunk)) => {
                        w.write_all(chunk).map_err(|e| {
                            CliError::io(
                                if to_stdout {
                                    "writing standard output".into()
                                } else {
                                    format!("writing {}", show(&a.output))
                                },
                                e,
                            )
                        })?;
                        len += chunk.len() as u64;
                    }
                    Ok(None) => return Ok((len, opener.chunks_opened())),
                    Err(e) => {
                        let opened = opener.chunks_opened();
                        let err = stream_failure(e, doing(), reading);
                        return Err(if to_stdout && opened > 0 {
                            released_hint(err, opened)
                        } else {
                            err
                        });
                    }
                }
            }
        })?
    };
    let open_seconds = opening.elapsed().as_secs_f64();
    if a.json {
        let out = json!({
            "command": "open",
            "object": "stream",
            "output": show(&a.output),
            "plaintext_len": plaintext_len,
            "chunks": chunks,
            "keyring_id": hex::encode(header.keyring_id()),
            "unlock_seconds": unlock_seconds,
            "open_seconds": open_seconds,
        });
        println!("{}", term::json_pretty(&out));
    }
    Ok(())
}

/// The hint of a stream that failed after some of its plaintext went to standard output.
fn released_hint(err: CliError, opened: u64) -> CliError {
    err.with_hint(format!(
        "the {opened} chunk(s) already written to standard output belong to a failed stream: \
         discard them"
    ))
}

/// `open --chunk N`: seeks to chunk N's frame and opens it alone.
fn open_one_chunk(
    a: &OpenArgs,
    unlocked: &UnlockedKeyring,
    header: &StreamHeader,
    context: &[u8],
    index: u64,
) -> CliResult<()> {
    let doing = || format!("opening chunk {index} of {}", show(&a.input));
    let chunks = unlocked
        .stream_chunks(header, Context::new(context))
        .doing(doing)?;
    let mut file = std::fs::File::open(&a.input)
        .map_err(|e| CliError::io(format!("reading {}", show(&a.input)), e))?;
    let count = file
        .metadata()
        .ok()
        .and_then(|m| strongroom::stream_chunk_count(m.len()));
    let chunk = chunks.read_chunk(&mut file, index).map_err(|e| {
        let err = stream_failure(e, doing(), || format!("reading {}", show(&a.input)));
        match count {
            Some(n) if index >= n => err.with_hint(format!(
                "the stream has {n} chunk(s), numbered 0 to {}",
                n.saturating_sub(1)
            )),
            _ => err,
        }
    })?;
    files::write_output(
        &a.output,
        &chunk.plaintext,
        false,
        Existing::from_force(a.force),
    )?;
    if a.json {
        let out = json!({
            "command": "open",
            "object": "stream",
            "output": show(&a.output),
            "chunk": index,
            "is_final": chunk.is_final,
            "plaintext_len": chunk.plaintext.len(),
            "keyring_id": hex::encode(header.keyring_id()),
        });
        println!("{}", term::json_pretty(&out));
    }
    Ok(())
}
