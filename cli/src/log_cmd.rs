//! `strongroom log create|append|read|verify` and `strongroom keyring push`: a user's
//! keyring and logs on a storage server (server/PROTOCOL.md), checked as SPEC.md 11.12
//! and 11.15 say, with the keyring pin and the log state kept in the state directory.
//!
//! Nothing the server says is believed: the keyring goes through CheckPin before any
//! password is asked and through its MAC at the unlock; a checkpoint through
//! VerifyCheckpoint against this machine's log pin; entries through ReadForward (or
//! OpenEntry for one position) before any plaintext is written. A failure of any of them
//! is printed with its class and reason and leaves the pins as they were (SR-LOG-14: an
//! alarm, not a reason to start over).

use std::fs::{self, File};
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use serde_json::{Value, json};
use strongroom::{
    Checkpoint, ConsistencyProof, Context, Error, InclusionProof, Keyring, LogAppend, LogId,
    LogPin, LogState, SealedRecord, UnlockedKeyring, VerifiedCheckpoint,
};

use crate::fail::{CliError, CliResult, Doing, show};
use crate::files::{self, Existing};
use crate::opts::UnlockArgs;
use crate::pins;
use crate::remote::{self, Answer, Remote};
use crate::state;
use crate::term;

/// The server and user options of every command here.
#[derive(Args, Debug)]
pub struct ServerArgs {
    /// The storage server, http://HOST:PORT (server/PROTOCOL.md).
    #[arg(long, value_name = "URL", env = "STRONGROOM_SERVER")]
    pub server: String,
    /// The user on the server.
    #[arg(long, value_name = "NAME", env = "STRONGROOM_USER")]
    pub user: String,
}

/// What identifies a log on the server and in its entries' context.
#[derive(Args, Debug)]
pub struct LogArgs {
    /// The log id, 32 hex digits, as `log create` printed it. Take it from your own notes or
    /// another device, not from the server (SR-LOG-18).
    #[arg(long, value_name = "HEX")]
    pub log: String,
    /// The application context bound into every entry (for example the user's account id);
    /// the same for every entry of a log.
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub context: String,
}

/// `strongroom log`.
#[derive(Subcommand)]
pub enum LogCommand {
    /// Create a log on the server and print its id.
    #[command(after_help = CREATE_HELP)]
    Create(CreateArgs),
    /// Append entries: a file, standard input, or one entry per line (--lines).
    #[command(after_help = APPEND_HELP)]
    Append(AppendArgs),
    /// Verify the whole log and write its entries (or one, --position).
    #[command(after_help = READ_HELP)]
    Read(ReadArgs),
    /// Verify the whole log against this machine's pin and advance the pin.
    #[command(after_help = VERIFY_HELP)]
    Verify(VerifyArgs),
}

const COMMON_HELP: &str = "\
The keyring comes from the server and is checked against this machine's keyring pin before
any password is asked (SPEC.md 11.12). Each log's state (pin and frontier, SPEC.md 11.15.7)
is kept in the state directory under logs/KEYRING_ID/LOG_ID.json: a checkpoint shorter than
the pin (log_truncated), not extending it (log_fork), of another log (log_replaced), a
forged one (checkpoint_authentication_failed), or entries the checkpoint does not commit to
(log_entry_missing, log_entry_mismatch) are refused with exit status 1 and nothing is
written. Treat those as an alarm about the server: the pin is kept as it was. A machine
without a pin trusts the first checkpoint it is served (SPEC.md 11.15.9).";

const CREATE_HELP: &str = "\
Examples:
  strongroom log create --server http://127.0.0.1:8420 --user alice --context user:alice

Prints the new log's id (32 hex digits) on standard output. Give it to other devices
yourself (--log); the server's word for it is not enough (SR-LOG-18).";

const APPEND_HELP: &str = "\
Examples:
  echo 'first entry' | strongroom log append --server URL --user alice --log ID
  strongroom log append --server URL --user alice --log ID --lines entries.txt

Each entry is sealed at the next position of this machine's log state and sent as one
compare-and-swap (SR-LOG-15). When another device appended first, the server's checkpoint is
verified and the entry is sealed again at the next free position; when an answer is lost, the
server's checkpoint shows whether the append went through before anything is sent again
(SR-LOG-16), so an entry is never stored twice. --json prints {\"appended\", \"conflicts\",
\"resent\", \"size\", \"root\"}.";

const READ_HELP: &str = "\
Examples:
  strongroom log read --server URL --user alice --log ID
  strongroom log read --server URL --user alice --log ID --position 41 --json

Without --position the whole log is verified from its first entry before anything is
written (ReadForward, SPEC.md 11.15.6), then each entry is written followed by a newline.
--position P fetches one entry and its inclusion proof (OpenEntry): O(log n) whatever the
size. --json writes one JSON object per entry: {\"position\", \"text\"} or {\"position\",
\"hex\"} for entries that are not UTF-8.";

const VERIFY_HELP: &str = "\
Examples:
  strongroom log verify --server URL --user alice --log ID

Verifies the served checkpoint against this machine's pin and every entry against the
checkpoint, without decrypting anything but to check it, and prints the log's size and root.";

/// `log create`.
#[derive(Args)]
pub struct CreateArgs {
    #[command(flatten)]
    server: ServerArgs,
    #[command(flatten)]
    unlock: UnlockArgs,
}

/// `log append`.
#[derive(Args)]
pub struct AppendArgs {
    /// The entry's file (`-` or nothing for standard input).
    #[arg(default_value_os_t = crate::dash())]
    input: PathBuf,
    /// Append one entry per line of the input (without its newline; an empty last line is
    /// not an entry).
    #[arg(long)]
    lines: bool,
    /// Print a summary as JSON on standard output.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    server: ServerArgs,
    #[command(flatten)]
    log: LogArgs,
    #[command(flatten)]
    unlock: UnlockArgs,
}

/// `log read`.
#[derive(Args)]
pub struct ReadArgs {
    /// Read only the entry at this position (with its inclusion proof).
    #[arg(long, value_name = "P")]
    position: Option<u64>,
    /// One JSON object per entry.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    server: ServerArgs,
    #[command(flatten)]
    log: LogArgs,
    #[command(flatten)]
    unlock: UnlockArgs,
}

/// `log verify`.
#[derive(Args)]
pub struct VerifyArgs {
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    server: ServerArgs,
    #[command(flatten)]
    log: LogArgs,
    #[command(flatten)]
    unlock: UnlockArgs,
}

/// `keyring push`.
#[derive(Args)]
pub struct PushArgs {
    /// The keyring file to store on the server.
    keyring: PathBuf,
    #[command(flatten)]
    server: ServerArgs,
    /// Accept a keyring more than 64 generations ahead of this machine's pin.
    #[arg(long)]
    accept_generation_jump: bool,
}

/// Runs `strongroom log`.
pub fn run(c: LogCommand) -> CliResult<()> {
    match c {
        LogCommand::Create(a) => create(a),
        LogCommand::Append(a) => append(a),
        LogCommand::Read(a) => read(a),
        LogCommand::Verify(a) => verify(a),
    }
}

/// The help text shared by the log commands.
pub const fn common_help() -> &'static str {
    COMMON_HELP
}

// ---------------------------------------------------------------------------------------
// The device, the keyring and the log state.

/// This machine's client id (PROTOCOL.md's `Strongroom-Client`), drawn once and kept in
/// the state directory, so that a server can tell devices apart (the hostile `fork` mode
/// does; an honest server ignores it).
fn client_id() -> Option<String> {
    if let Ok(id) = std::env::var("STRONGROOM_CLIENT_ID")
        && !id.is_empty()
    {
        return Some(id);
    }
    let dir = state::dir()?;
    let file = dir.join("client-id");
    if let Ok(s) = fs::read_to_string(&file) {
        let s = s.trim();
        if !s.is_empty() {
            return Some(s.to_string());
        }
    }
    let id = hex::encode(LogId::generate().ok()?.as_bytes());
    fs::create_dir_all(&dir).ok()?;
    files::write_file(&file, format!("{id}\n").as_bytes(), Existing::Replace).ok()?;
    Some(id)
}

fn remote(a: &ServerArgs) -> CliResult<Remote> {
    Remote::new(&a.server, &a.user, client_id())
}

/// The state directory, which the log commands cannot do without (their pins live there).
fn state_dir() -> CliResult<PathBuf> {
    state::dir().ok_or_else(|| {
        CliError::usage("no state directory (HOME is not set): set $STRONGROOM_STATE_DIR")
    })
}

/// The bytes of an entry the server served in text form. An entry that is not a record's
/// text form is served bytes all the same: ReadForward or OpenEntry finds that they are not
/// what the checkpoint commits to.
fn served_bytes(text: &str) -> Vec<u8> {
    SealedRecord::from_text(text)
        .map(|r| r.as_bytes().to_vec())
        .unwrap_or_else(|_| text.as_bytes().to_vec())
}

/// Where the keyring last served for this server and user is kept: the path its keyring
/// pin is bound to, so that the server serving another keyring for the user is
/// `keyring_replaced` (SPEC.md 11.12), as for a keyring file.
fn keyring_copy(remote: &Remote) -> CliResult<PathBuf> {
    let dir = state_dir()?;
    let host = remote
        .url()
        .trim_start_matches("http://")
        .replace([':', '[', ']'], "_");
    let d = dir.join("servers").join(host);
    fs::create_dir_all(&d).map_err(|e| CliError::io(format!("creating {}", show(&d)), e))?;
    Ok(d.join(format!("{}.srk", remote.user())))
}

/// Fetches the user's keyring, checks it against this machine's pin before any password is
/// asked, unlocks it and pins it.
fn unlock_served(remote: &Remote, unlock: &UnlockArgs) -> CliResult<UnlockedKeyring> {
    let doing = "fetching the keyring";
    let answer = remote
        .get(&remote.path("/keyring"))
        .map_err(|e| remote::unanswered(remote, doing, e))?;
    if answer.status != 200 {
        return Err(remote::unexpected(remote, doing, &answer));
    }
    let text = answer
        .str("keyring")
        .map_err(|e| remote::bad_answer(remote, doing, e))?;
    let served = || format!("the keyring {} serves for {}", remote.url(), remote.user());
    let keyring = Keyring::from_text(text).doing(|| format!("decoding {}", served()))?;
    let copy = keyring_copy(remote)?;
    let pin = pins::check(&copy, &keyring, unlock.accept_generation_jump)
        .map_err(|e| e.with_served_hint(&served()))?;
    let unlocked = unlock.unlock(&keyring, &copy, pin.pin())?;
    // The copy is for `strongroom keyring info` and for the pin's binding; failing to keep
    // it loses nothing the next run needs.
    let mut t = keyring.to_text().into_bytes();
    t.push(b'\n');
    let _ = files::write_file(&copy, &t, Existing::Replace);
    pins::pin_unlocked(&copy, &unlocked);
    Ok(unlocked)
}

trait ServedHint {
    fn with_served_hint(self, what: &str) -> Self;
}

impl ServedHint for CliError {
    /// The keyring pin's messages speak of a file; here the "file" is what the server serves.
    fn with_served_hint(self, what: &str) -> Self {
        match self {
            CliError::Strongroom { err, hint, .. } => CliError::Strongroom {
                doing: format!("checking {what} against this machine's pin"),
                err,
                hint: hint.map(|h| format!("{h}. The server may be lying: treat this as an alarm")),
            },
            other => other,
        }
    }
}

fn parse_log_id(s: &str) -> CliResult<LogId> {
    let bytes: [u8; 16] = hex::decode(s)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| CliError::usage(format!("--log {s}: give the 32 hex digits of a log id")))?;
    Ok(LogId::from_bytes(bytes))
}

/// The log state kept for one log, and the lock that keeps two commands of this machine
/// from appending to it at once.
struct StateFile {
    path: PathBuf,
    _lock: File,
}

impl StateFile {
    fn open(keyring_id: &[u8; 16], log_id: &LogId) -> CliResult<Self> {
        let base = state_dir()?;
        let dir = base.join("logs").join(hex::encode(keyring_id));
        let mut b = fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(0o700);
        }
        b.create(&dir)
            .map_err(|e| CliError::io(format!("creating {}", show(&dir)), e))?;
        let name = hex::encode(log_id.as_bytes());
        let lock_path = dir.join(format!("{name}.lock"));
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| CliError::io(format!("opening {}", show(&lock_path)), e))?;
        lock.lock()
            .map_err(|e| CliError::io(format!("locking {}", show(&lock_path)), e))?;
        Ok(StateFile {
            path: dir.join(format!("{name}.json")),
            _lock: lock,
        })
    }

    /// The kept state, or none (this machine has not used the log: trust on first use).
    fn load(&self, keyring_id: &[u8; 16], log_id: &LogId) -> CliResult<Option<LogState>> {
        let bytes = match fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(CliError::io(format!("reading {}", show(&self.path)), e)),
        };
        let damaged = || {
            CliError::io(
                format!("reading {}", show(&self.path)),
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    "the log state is damaged; remove it to trust the server's log again (first use)",
                ),
            )
        };
        let v: Value = serde_json::from_slice(&bytes).map_err(|_| damaged())?;
        let h32 =
            |v: &Value| -> Option<[u8; 32]> { hex::decode(v.as_str()?).ok()?.try_into().ok() };
        if v["version"] != 1
            || v["keyring_id"].as_str() != Some(&hex::encode(keyring_id))
            || v["log_id"].as_str() != Some(&hex::encode(log_id.as_bytes()))
        {
            return Err(damaged());
        }
        let size = v["size"].as_u64().ok_or_else(damaged)?;
        let root = h32(&v["root"]).ok_or_else(damaged)?;
        let frontier = v["frontier"]
            .as_array()
            .ok_or_else(damaged)?
            .iter()
            .map(h32)
            .collect::<Option<Vec<_>>>()
            .ok_or_else(damaged)?;
        // SR-LOG-13: a frontier from storage is checked against the pin it came with.
        LogState::from_parts(LogPin::new(*keyring_id, *log_id, size, root), frontier)
            .map(Some)
            .doing(|| format!("checking the log state in {}", show(&self.path)))
    }

    /// Keeps `s` (SR-LOG-12: only states from verified checkpoints or acknowledged appends
    /// get here). Never moves the pin back.
    fn store(&self, s: &LogState) -> CliResult<()> {
        let p = s.pin();
        let v = json!({
            "version": 1,
            "keyring_id": hex::encode(p.keyring_id()),
            "log_id": hex::encode(p.log_id().as_bytes()),
            "size": p.size(),
            "root": hex::encode(p.root()),
            "frontier": s.frontier().iter().map(hex::encode).collect::<Vec<_>>(),
        });
        let mut out = serde_json::to_vec_pretty(&v).unwrap_or_default();
        out.push(b'\n');
        files::write_file(&self.path, &out, Existing::Replace)
    }
}

/// A log of an unlocked keyring on a server, with this machine's state of it.
struct Session {
    remote: Remote,
    unlocked: UnlockedKeyring,
    log_id: LogId,
    file: StateFile,
    state: LogState,
    first_use: bool,
}

/// A refusal of what the server served, with the alarm of SR-LOG-14.
fn alarm(remote: &Remote, doing: String, err: Error) -> CliError {
    let hint = match &err {
        Error::HistoryViolation(_) | Error::CheckpointAuthenticationFailed => format!(
            "{} served a log that this machine's pin or the log's own checkpoint contradicts: \
             the server is misbehaving (or lost acknowledged writes). Nothing was written and \
             the pin is unchanged; do not start over from the server's copy",
            remote.url()
        ),
        _ => format!("as served by {}", remote.url()),
    };
    CliError::Strongroom {
        doing,
        err,
        hint: Some(hint),
    }
}

impl Session {
    fn open(server: &ServerArgs, log: &LogArgs, unlock: &UnlockArgs) -> CliResult<Self> {
        let remote = remote(server)?;
        let log_id = parse_log_id(&log.log)?;
        if log.context.len() > 3900 {
            return Err(Error::LimitExceeded(strongroom::Limit::ContextTooLong))
                .doing(|| "checking --context".to_string());
        }
        let unlocked = unlock_served(&remote, unlock)?;
        let keyring_id = *unlocked.keyring().id();
        let file = StateFile::open(&keyring_id, &log_id)?;
        let kept = file.load(&keyring_id, &log_id)?;
        let first_use = kept.is_none();
        let state = kept.unwrap_or_else(|| LogState::empty(keyring_id, log_id));
        Ok(Session {
            remote,
            unlocked,
            log_id,
            file,
            state,
            first_use,
        })
    }

    fn log_path(&self, rest: &str) -> String {
        self.remote.path(&format!(
            "/logs/{}{rest}",
            hex::encode(self.log_id.as_bytes())
        ))
    }

    fn get(&self, path: &str, doing: &str) -> CliResult<Answer> {
        let answer = self
            .remote
            .get(path)
            .map_err(|e| remote::unanswered(&self.remote, doing, e))?;
        if answer.status != 200 {
            return Err(remote::unexpected(&self.remote, doing, &answer));
        }
        Ok(answer)
    }

    /// Fetches the server's checkpoint with the consistency proof from `pin` and verifies
    /// it (VerifyCheckpoint, SR-LOG-10). Returns it with the frontier the server serves.
    fn fetch_checkpoint(&self, pin: &LogPin) -> CliResult<(VerifiedCheckpoint, Vec<[u8; 32]>)> {
        let doing = "fetching the log's checkpoint";
        let answer = self.get(
            &self.log_path(&format!("/checkpoint?from={}", pin.size())),
            doing,
        )?;
        self.verify_answer(&answer, pin)
    }

    fn verify_answer(
        &self,
        answer: &Answer,
        pin: &LogPin,
    ) -> CliResult<(VerifiedCheckpoint, Vec<[u8; 32]>)> {
        let doing = "reading the log's checkpoint";
        let bad = |e| remote::bad_answer(&self.remote, doing, e);
        let text = answer.str("checkpoint").map_err(bad)?;
        let proof = answer.hashes("consistency").map_err(bad)?;
        let frontier = answer.hashes("frontier").map_err(bad)?;
        let what = || format!("verifying the checkpoint {} serves", self.remote.url());
        let checkpoint = Checkpoint::from_text(text).map_err(|e| alarm(&self.remote, what(), e))?;
        let verified = self
            .unlocked
            .verify_checkpoint(&checkpoint, pin, &ConsistencyProof::new(proof))
            .map_err(|e| alarm(&self.remote, what(), e))?;
        Ok((verified, frontier))
    }

    /// The state at a verified checkpoint from the frontier the server served (SR-LOG-13).
    fn state_at(
        &self,
        verified: &VerifiedCheckpoint,
        frontier: Vec<[u8; 32]>,
    ) -> CliResult<LogState> {
        if verified.size() == self.state.size() {
            return Ok(self.state.clone());
        }
        self.accept_frontier(verified, frontier)
    }

    /// SR-LOG-13: the frontier the server serves for a verified checkpoint, accepted only if
    /// it folds to the checkpoint's root.
    fn accept_frontier(
        &self,
        verified: &VerifiedCheckpoint,
        frontier: Vec<[u8; 32]>,
    ) -> CliResult<LogState> {
        LogState::from_parts(verified.pin(), frontier).map_err(|e| {
            alarm(
                &self.remote,
                format!("checking the frontier {} serves", self.remote.url()),
                e,
            )
        })
    }

    /// Brings the state to the server's verified checkpoint.
    fn sync(&mut self) -> CliResult<()> {
        let (verified, frontier) = self.fetch_checkpoint(&self.state.pin().clone())?;
        let state = self.state_at(&verified, frontier)?;
        self.advance(state)
    }

    fn advance(&mut self, state: LogState) -> CliResult<()> {
        if self.first_use && state.size() > 0 {
            crate::note(&format!(
                "first use of log {} on this machine: trusted as served at {} entries \
                 (SPEC.md 11.15.9); from now on a shorter or different history is refused",
                hex::encode(self.log_id.as_bytes()),
                state.size()
            ));
            self.first_use = false;
        }
        if state.size() != self.state.size() || state.pin().root() != self.state.pin().root() {
            self.file.store(&state)?;
        }
        self.state = state;
        Ok(())
    }

    /// Fetches the entries from `from` to `to` in order, in as many answers as it takes.
    fn fetch_entries(&self, from: u64, to: u64) -> CliResult<Vec<(u64, Vec<u8>)>> {
        let doing = "fetching the log's entries";
        let mut out = Vec::new();
        let mut next = from;
        while next < to {
            let answer = self.get(
                &self.log_path(&format!("/entries?from={next}&to={to}")),
                doing,
            )?;
            let bad = || {
                remote::bad_answer(
                    &self.remote,
                    doing,
                    io::Error::new(io::ErrorKind::InvalidData, "a malformed entry listing"),
                )
            };
            let list = answer.body["entries"].as_array().ok_or_else(bad)?;
            let mut last = None;
            for e in list {
                let p = e["position"].as_u64().ok_or_else(bad)?;
                let text = e["entry"].as_str().ok_or_else(bad)?;
                out.push((p, served_bytes(text)));
                last = Some(p);
            }
            // Stop when the server stops making progress; ReadForward reports what is missing.
            match last {
                Some(p) if p >= next => next = p + 1,
                _ => break,
            }
        }
        Ok(out)
    }

    /// Reads and verifies the whole log at a verified checkpoint (ReadForward from the empty
    /// state, SR-LOG-11), and returns the plaintexts and the state at the checkpoint.
    fn read_all(
        &self,
        verified: &VerifiedCheckpoint,
        app: &[u8],
    ) -> CliResult<(Vec<strongroom::Plaintext>, LogState)> {
        let served = self.fetch_entries(0, verified.size())?;
        let pairs: Vec<(u64, &[u8])> = served.iter().map(|(p, b)| (*p, b.as_slice())).collect();
        let empty = LogState::empty(*self.unlocked.keyring().id(), self.log_id);
        self.unlocked
            .open_log_entries(&empty, verified, &pairs, Context::new(app))
            .map_err(|e| {
                alarm(
                    &self.remote,
                    format!(
                        "verifying the log's entries as {} serves them",
                        self.remote.url()
                    ),
                    e,
                )
            })
    }
}

// ---------------------------------------------------------------------------------------
// The commands.

fn create(a: CreateArgs) -> CliResult<()> {
    let remote = remote(&a.server)?;
    let unlocked = unlock_served(&remote, &a.unlock)?;
    let log_id = LogId::generate().doing(|| "drawing a log id".to_string())?;
    let (checkpoint, state) = unlocked.create_log(log_id);
    let file = StateFile::open(unlocked.keyring().id(), &log_id)?;
    let path = remote.path(&format!("/logs/{}", hex::encode(log_id.as_bytes())));
    let doing = "creating the log";
    let answer = remote
        .request(
            "PUT",
            &path,
            Some(&json!({"checkpoint": checkpoint.to_text()})),
        )
        .map_err(|e| remote::unanswered(&remote, doing, e))?;
    if !matches!(answer.status, 200 | 201) {
        return Err(remote::unexpected(&remote, doing, &answer));
    }
    file.store(&state)?;
    println!("{}", hex::encode(log_id.as_bytes()));
    Ok(())
}

/// How one append ended.
enum Outcome {
    /// Stored; the state after it.
    Stored(LogState),
    /// Another entry took the position; the state at the server's checkpoint.
    Lost(LogState),
    /// No answer and nothing moved: send the same bytes again.
    Resend,
}

impl Session {
    /// Sends one append as a compare-and-swap and works out what happened (SR-LOG-15,
    /// SR-LOG-16).
    fn send(&self, append: &LogAppend) -> CliResult<Outcome> {
        let expected = append.expected();
        let body = json!({
            "expected_size": expected.size(),
            "expected_root": hex::encode(expected.root()),
            "entry": append.entry().to_text(),
            "checkpoint": append.checkpoint().to_text(),
        });
        let doing = "appending";
        match self
            .remote
            .request("POST", &self.log_path("/entries"), Some(&body))
        {
            Ok(answer) if answer.status == 200 => {
                // The server says stored; it says so only of this exact checkpoint.
                if answer.str("checkpoint").ok() != Some(append.checkpoint().to_text().as_str()) {
                    return Err(remote::unexpected(&self.remote, doing, &answer));
                }
                Ok(Outcome::Stored(append.clone().acknowledged()))
            }
            Ok(answer) if answer.status == 409 => self.settle(append),
            Ok(answer) => Err(remote::unexpected(&self.remote, doing, &answer)),
            Err(_) => {
                // SR-LOG-16: either outcome is possible; the server's checkpoint decides
                // (fetched with the patience of a GET, through a restart of the server).
                self.settle(append)
            }
        }
    }

    /// After a conflict or a lost answer: verifies the server's checkpoint against the
    /// append's expected pin and finds out whether it holds the append's entry.
    fn settle(&self, append: &LogAppend) -> CliResult<Outcome> {
        let (verified, frontier) = self.fetch_checkpoint(append.expected())?;
        if verified.size() == append.expected().size() {
            return Ok(Outcome::Resend);
        }
        let position = append.position();
        // A checkpoint one entry longer than expected holds this entry exactly when it is this
        // append's own (same keyring, log and size: the bytes differ only if the root does),
        // which the empty proof checks; a longer one needs the inclusion proof.
        let proof = if verified.size() == position + 1 {
            Vec::new()
        } else {
            let answer = self.get(
                &self.log_path(&format!("/entries/{position}?size={}", verified.size())),
                "fetching an inclusion proof",
            )?;
            answer
                .hashes("inclusion")
                .map_err(|e| remote::bad_answer(&self.remote, "fetching an inclusion proof", e))?
        };
        let state = self.accept_frontier(&verified, frontier)?;
        if append.included_in(&verified, &InclusionProof::new(proof)) {
            Ok(Outcome::Stored(state))
        } else {
            Ok(Outcome::Lost(state))
        }
    }

    /// Appends one entry, sealing it again at the next position as often as other devices
    /// take the position first. Returns the conflicts and resends it took.
    fn append_one(&mut self, plaintext: &[u8], app: &[u8], rng: &mut u64) -> CliResult<(u64, u64)> {
        let (mut conflicts, mut resent) = (0u64, 0u64);
        loop {
            let append = self
                .unlocked
                .seal_log_entry(&self.state, plaintext, Context::new(app))
                .doing(|| "sealing the entry".to_string())?;
            loop {
                match self.send(&append)? {
                    Outcome::Stored(state) => {
                        self.advance(state)?;
                        return Ok((conflicts, resent));
                    }
                    Outcome::Resend => resent += 1,
                    Outcome::Lost(state) => {
                        // SR-LOG-15: the sealed entry is discarded, never sent again.
                        conflicts += 1;
                        self.advance(state)?;
                        backoff(conflicts, rng);
                        break;
                    }
                }
                if resent > 100 {
                    return Err(CliError::io(
                        format!("appending on {}", self.remote.url()),
                        io::Error::other("no answer after 100 attempts"),
                    ));
                }
            }
        }
    }
}

/// A short random pause after a lost race, growing with the conflicts of this entry, so
/// that devices racing for the same position spread out.
fn backoff(conflicts: u64, rng: &mut u64) {
    // xorshift: the pause needs no secrecy, only spread.
    *rng ^= *rng << 13;
    *rng ^= *rng >> 7;
    *rng ^= *rng << 17;
    let cap_us = 200u64 << conflicts.min(6);
    std::thread::sleep(Duration::from_micros(*rng % cap_us));
}

fn append(a: AppendArgs) -> CliResult<()> {
    let input = files::read_limited(
        &a.input,
        if a.lines {
            256 << 20
        } else {
            strongroom::MAX_PLAINTEXT_LEN
        },
        "the entry",
        Error::LimitExceeded(strongroom::Limit::PlaintextTooLarge),
    )
    .map(zeroize::Zeroizing::new)?;
    let entries: Vec<&[u8]> = if a.lines {
        let mut v: Vec<&[u8]> = input.split(|b| *b == b'\n').collect();
        if v.last().is_some_and(|l| l.is_empty()) {
            v.pop();
        }
        v
    } else {
        vec![&input[..]]
    };
    let mut s = Session::open(&a.server, &a.log, &a.unlock)?;
    s.sync()?;
    let app = a.log.context.as_bytes();
    let mut rng = u64::from_le_bytes(
        LogId::generate()
            .map(|id| id.as_bytes()[..8].try_into().unwrap_or([1; 8]))
            .unwrap_or([1; 8]),
    ) | 1;
    let (mut conflicts, mut resent) = (0, 0);
    let progress = std::io::stderr().is_terminal() && !crate::quiet() && entries.len() > 1;
    for (i, entry) in entries.iter().enumerate() {
        let (c, r) = s.append_one(entry, app, &mut rng)?;
        conflicts += c;
        resent += r;
        if progress {
            eprint!("\rstrongroom: appended {}/{}", i + 1, entries.len());
        }
    }
    if progress {
        eprintln!();
    }
    if a.json {
        let out = json!({
            "command": "log append",
            "appended": entries.len(),
            "conflicts": conflicts,
            "resent": resent,
            "size": s.state.size(),
            "root": hex::encode(s.state.pin().root()),
        });
        println!("{}", term::json_pretty(&out));
    } else {
        crate::note(&format!(
            "appended {} entr{} to log {}; it has {} entries ({} conflicts with other devices)",
            entries.len(),
            if entries.len() == 1 { "y" } else { "ies" },
            hex::encode(s.log_id.as_bytes()),
            s.state.size(),
            conflicts
        ));
    }
    Ok(())
}

fn write_entry(
    out: &mut impl Write,
    position: u64,
    plaintext: &[u8],
    json: bool,
) -> io::Result<()> {
    if json {
        let v = match std::str::from_utf8(plaintext) {
            Ok(t) => json!({"position": position, "text": t}),
            Err(_) => json!({"position": position, "hex": hex::encode(plaintext)}),
        };
        writeln!(out, "{v}")
    } else {
        out.write_all(plaintext)?;
        out.write_all(b"\n")
    }
}

fn read(a: ReadArgs) -> CliResult<()> {
    let mut s = Session::open(&a.server, &a.log, &a.unlock)?;
    let app = a.log.context.as_bytes().to_vec();
    let pin = *s.state.pin();
    let (verified, frontier) = s.fetch_checkpoint(&pin)?;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let write_err = |e| CliError::io("writing the entries", e);
    if let Some(p) = a.position {
        let doing = "fetching the entry";
        let path = s.log_path(&format!("/entries/{p}?size={}", verified.size()));
        // A position the checkpoint does not cover is log_entry_missing, whatever the
        // server answers for it.
        let (entry, proof) = if p < verified.size() {
            let answer = s
                .remote
                .get(&path)
                .map_err(|e| remote::unanswered(&s.remote, doing, e))?;
            match answer.status {
                200 => {
                    let bad = |e| remote::bad_answer(&s.remote, doing, e);
                    let text = answer.str("entry").map_err(bad)?;
                    (
                        Some(served_bytes(text)),
                        answer.hashes("inclusion").map_err(bad)?,
                    )
                }
                404 => (None, Vec::new()),
                _ => return Err(remote::unexpected(&s.remote, doing, &answer)),
            }
        } else {
            (None, Vec::new())
        };
        let plaintext = s
            .unlocked
            .open_log_entry(
                &verified,
                p,
                entry.as_deref(),
                &InclusionProof::new(proof),
                Context::new(&app),
            )
            .map_err(|e| alarm(&s.remote, format!("verifying entry {p} as served"), e))?;
        let state = s.state_at(&verified, frontier)?;
        s.advance(state)?;
        write_entry(&mut out, p, &plaintext, a.json).map_err(write_err)?;
    } else {
        let (plaintexts, state) = s.read_all(&verified, &app)?;
        s.advance(state)?;
        for (p, t) in plaintexts.iter().enumerate() {
            write_entry(&mut out, p as u64, t, a.json).map_err(write_err)?;
        }
    }
    out.flush().map_err(write_err)
}

fn verify(a: VerifyArgs) -> CliResult<()> {
    let mut s = Session::open(&a.server, &a.log, &a.unlock)?;
    let app = a.log.context.as_bytes().to_vec();
    let pin = *s.state.pin();
    let (verified, _) = s.fetch_checkpoint(&pin)?;
    let (_, state) = s.read_all(&verified, &app)?;
    s.advance(state)?;
    let p = s.state.pin();
    if a.json {
        let out = json!({
            "command": "log verify",
            "log_id": hex::encode(p.log_id().as_bytes()),
            "size": p.size(),
            "root": hex::encode(p.root()),
        });
        println!("{}", term::json_pretty(&out));
    } else {
        println!(
            "log {}: {} entries, root {}, verified and pinned",
            hex::encode(p.log_id().as_bytes()),
            p.size(),
            hex::encode(p.root())
        );
    }
    Ok(())
}

/// `keyring push`: stores a keyring file on the server as a compare-and-swap on the
/// generation the server holds.
pub fn push(a: PushArgs) -> CliResult<()> {
    let remote = remote(&a.server)?;
    let (keyring, _, _, _) = pins::read_checked(&a.keyring, a.accept_generation_jump)?;
    let doing = "storing the keyring";
    let current = remote
        .get(&remote.path("/keyring"))
        .map_err(|e| remote::unanswered(&remote, doing, e))?;
    let expected = match current.status {
        404 => Value::Null,
        200 => {
            let text = current
                .str("keyring")
                .map_err(|e| remote::bad_answer(&remote, doing, e))?;
            let served = Keyring::from_text(text)
                .doing(|| format!("decoding the keyring {} serves", remote.url()))?;
            if served.id() != keyring.id() {
                return Err(CliError::usage(format!(
                    "{} holds keyring {} for {}, not {} ({}): refusing to replace a user's keyring",
                    remote.url(),
                    hex::encode(served.id()),
                    remote.user(),
                    hex::encode(keyring.id()),
                    show(&a.keyring)
                )));
            }
            served.generation().into()
        }
        _ => return Err(remote::unexpected(&remote, doing, &current)),
    };
    let body = json!({"keyring": keyring.to_text(), "expected_generation": expected});
    let answer = remote
        .request("PUT", &remote.path("/keyring"), Some(&body))
        .map_err(|e| remote::unanswered(&remote, doing, e))?;
    match answer.status {
        200 | 201 => {
            crate::note(&format!(
                "stored keyring {} generation {} for {} on {}",
                hex::encode(keyring.id()),
                keyring.generation(),
                remote.user(),
                remote.url()
            ));
            Ok(())
        }
        409 => Err(CliError::Conflict(format!(
            "{} changed the keyring of {} while this command ran; nothing was stored: \
             fetch the current one and apply the change again",
            remote.url(),
            remote.user()
        ))),
        _ => Err(remote::unexpected(&remote, doing, &answer)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_ids_are_32_hex_digits() {
        assert!(parse_log_id("00112233445566778899aabbccddeeff").is_ok());
        assert!(parse_log_id("00112233").is_err());
        assert!(parse_log_id("zz112233445566778899aabbccddeeff").is_err());
    }
}
