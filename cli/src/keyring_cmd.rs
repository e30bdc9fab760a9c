//! `strongroom keyring ...`: create, info, passwd, add-password, add-recovery, remove-slot.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde_json::json;
use sha2::{Digest, Sha256};
use strongroom::{Keyring, SecretKey, SlotKind, UnlockPolicy};

use crate::fail::{CliError, CliResult, Doing, show};
use crate::files::{self, Existing, Form};
use crate::keyring_file::KeyringFile;
use crate::opts::{self, KdfArgs, PolicyArgs, UnlockArgs, describe_kdf};
use crate::pins;
use crate::progress::with_progress;
use crate::secrets::{self, ENV_PASSWORD, Source};
use crate::term;
use crate::{note, opts::relaxed_policy};

/// Keyring subcommands.
#[derive(Subcommand)]
pub enum KeyringCommand {
    /// Create a keyring with one password slot (or secret-key slot, --secret-key).
    #[command(after_help = CREATE_HELP)]
    Create(CreateArgs),
    /// Show a keyring's slots, KDF parameters, generation and digest (no secret).
    #[command(after_help = INFO_HELP)]
    Info(InfoArgs),
    /// Change the password of one password slot (records stay as they are).
    #[command(after_help = PASSWD_HELP)]
    Passwd(PasswdArgs),
    /// Add a password slot (another password or device).
    #[command(after_help = ADD_PASSWORD_HELP)]
    AddPassword(AddPasswordArgs),
    /// Add a recovery slot and print its recovery code, once.
    #[command(after_help = ADD_RECOVERY_HELP)]
    AddRecovery(AddRecoveryArgs),
    /// Add a secret-key slot: opened by a password and the secret key together.
    #[command(after_help = ADD_SECRET_KEY_HELP)]
    AddSecretKeySlot(AddSecretKeySlotArgs),
    /// Remove a slot (not the last one).
    #[command(after_help = REMOVE_HELP)]
    RemoveSlot(RemoveSlotArgs),
    /// Store a keyring file on a storage server (compare-and-swap on its generation).
    Push(crate::log_cmd::PushArgs),
    /// Forget this machine's pin of a keyring (after restoring an older copy on purpose).
    #[command(after_help = FORGET_PIN_HELP)]
    ForgetPin(ForgetPinArgs),
}

const CREATE_HELP: &str = "\
Examples:
  strongroom keyring create alice.srk --label laptop
  strongroom keyring create alice.srk --kdf argon2id --text
  STRONGROOM_PASSWORD=... strongroom keyring create ci.srk --label ci
  strongroom keyring create t.srk --iterations 1000 --unsafe-relaxed-policy   # tests only

  strongroom keyring create alice.srk --secret-key --label laptop

The password is asked twice without echo on a terminal; scripts use --password-file FILE
or $STRONGROOM_PASSWORD (the first line of either). Defaults: PBKDF2-HMAC-SHA256 with
600,000 iterations, or Argon2id with 64 MiB, t=3, p=4. The file is written atomically with
mode 0600; an existing file is replaced only with --force (a symbolic link is followed).
The new keyring is pinned on this machine (see `keyring info`).

--secret-key: the slot needs a new 128-bit secret key besides the password, so that whoever
holds the keyring file cannot guess the password without it (SPEC.md 12.1, 18.11). Its code
(SK1-...) is printed once on standard error, never on standard output; write it into your
emergency kit. This machine keeps it in the state directory (keyrings/ID/secret-key, mode
0600) unless --no-store-secret-key; elsewhere give it with --secret-key-file FILE or
$STRONGROOM_SECRET_KEY.

--json prints {\"command\", \"keyring\", \"id\", \"generation\", \"digest\", \"slots\",
\"slot\": {\"index\", \"kind\", \"label\", \"kdf\"}} on standard output, with
\"secret_key_stored\" (the path, or null) for --secret-key; never the code itself.";

const INFO_HELP: &str = "\
Examples:
  strongroom keyring info alice.srk
  strongroom keyring info alice.srk --json

`id` is the keyring's stable identity; `digest` is the SHA-256 of the exact encoding (the
keyring digest of SPEC.md) and changes with every generation (compare it to check two copies
are the same). `pin` says what this machine remembers of the keyring (SPEC.md 11.12): none
yet, the pinned copy, a newer one, or a copy that open, seal and keyring changes refuse
(an older one, another of the same generation, another keyring in this file, or one more
than 64 generations ahead). A slot of a kind this version does not know is shown as
\"unknown kind N\": it is never tried, kept as it is, and can be removed.

--json adds \"pin\": {\"state\": \"none\"|\"current\"|\"newer\"|\"refused\", \"generation\",
\"reason\"} and \"secret_key_stored\" (the path of the secret key kept for the keyring, or
null); a slot's \"kind\" is \"password\", \"recovery\", \"secret-key\" or \"unknown\" (with
\"kind_value\"), and a slot with a KDF has its \"work\".";

/// What every keyring change says about concurrent updates, and its JSON.
macro_rules! update_note {
    () => {
        "

The keyring file is replaced atomically with mode 0600 (through a symbolic link: the file it
points to). If it changed between being read and being written back (another process or
device), nothing is written and the exit status is 5: run the command again.

Before any password is asked the keyring is checked against this machine's pin (see `open
--help`; --accept-generation-jump for a jump of more than 64 generations), and once the
changed keyring is in its file it is pinned. A secret-key slot opens with the password and
the secret key (--secret-key-file FILE, $STRONGROOM_SECRET_KEY or the state directory).

--json prints {\"command\", \"keyring\", \"id\", \"generation\", \"digest\", \"slots\",
\"slot\": {\"index\", \"kind\", \"label\", \"kdf\"}} on standard output"
    };
}

const PASSWD_HELP: &str = concat!(
    "\
Examples:
  strongroom keyring passwd alice.srk
  strongroom keyring passwd alice.srk --recovery --slot 0       # forgot the password
  strongroom keyring passwd alice.srk --password-file old.txt --new-password-file new.txt

The slot that opens with the current password is changed (or --slot INDEX). The new
password is asked twice on a terminal (again if the two differ), or read from
--new-password-file / $STRONGROOM_NEW_PASSWORD. The new slot uses the KDF options given, else
the defaults for new slots (PBKDF2, 600,000 iterations), never parameters read from the
keyring; a KDF weaker than the slot's current one (fewer iterations, less memory or time,
Argon2id to PBKDF2) is refused with invalid_input/weaker_kdf unless --allow-weaker-kdf.
A secret-key slot is changed by adding a new one with the same secret key and removing the
old one (two generations). Note: an old copy of the keyring still opens with the old
password (SPEC.md SR-OP-11).",
    update_note!(),
    "."
);

const ADD_PASSWORD_HELP: &str = concat!(
    "\
Examples:
  strongroom keyring add-password alice.srk --label phone
  strongroom keyring add-password alice.srk --label phone --kdf argon2id",
    update_note!(),
    "."
);

const ADD_RECOVERY_HELP: &str = concat!(
    "\
Examples:
  strongroom keyring add-recovery alice.srk --label paper

The recovery code goes to standard output, once; it is stored nowhere. Write it down.
Unlock with it later through --recovery (e.g. `strongroom open --recovery ...`).",
    update_note!(),
    ", with the code as \"recovery_code\"."
);

const ADD_SECRET_KEY_HELP: &str = concat!(
    "\
Examples:
  strongroom keyring add-secret-key-slot alice.srk --label laptop
  strongroom keyring add-secret-key-slot alice.srk --secret-key-file kit.txt

The new slot opens with its password (asked twice, or --new-password-file /
$STRONGROOM_NEW_PASSWORD) together with a secret key: the one given (--secret-key-file,
$STRONGROOM_SECRET_KEY) or kept on this machine for the keyring, so that one emergency kit
serves every slot; with none, a new one is made, printed once on standard error and kept in
the state directory (keyrings/ID/secret-key, mode 0600) unless --no-store-secret-key.",
    update_note!(),
    "."
);

const FORGET_PIN_HELP: &str = "\
Examples:
  strongroom keyring forget-pin alice.srk
  strongroom keyring forget-pin --id 00112233445566778899aabbccddeeff

open, seal and keyring changes refuse a keyring older than, or different from, the one this
machine has pinned. If you restored an older copy on purpose (a backup), or know which of
two forked copies is right, forget the pin: the next unlock trusts the keyring it finds, as
on first use, and pins it. Forgets the pin of the keyring id in the file and which keyring
the file held; the secret key kept for the keyring stays.";

const REMOVE_HELP: &str = concat!(
    "\
Examples:
  strongroom keyring info alice.srk            # find the slot index
  strongroom keyring remove-slot alice.srk 1",
    update_note!(),
    ", \"slot\" being the removed one."
);

/// `keyring create`.
#[derive(Args)]
pub struct CreateArgs {
    /// Where to write the keyring (`-` for standard output).
    pub keyring: PathBuf,
    /// Label of the first slot (non-secret, at most 64 bytes).
    #[arg(long, default_value = "password")]
    pub label: String,
    /// Write the text form (`srk1.` + base64url) instead of binary CBOR.
    #[arg(long)]
    pub text: bool,
    /// Replace an existing file.
    #[arg(long)]
    pub force: bool,
    /// Print the result as JSON on standard output instead of a note.
    #[arg(long)]
    pub json: bool,
    /// Read the password from FILE: its first line, without the line ending (the same rule
    /// as $STRONGROOM_PASSWORD).
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Make the slot a secret-key slot: it needs a new secret key (printed once) besides the
    /// password.
    #[arg(long)]
    pub secret_key: bool,
    /// Do not keep the new secret key in the state directory (give it with
    /// --secret-key-file or $STRONGROOM_SECRET_KEY at every unlock).
    #[arg(long, requires = "secret_key")]
    pub no_store_secret_key: bool,
    #[command(flatten)]
    pub kdf: KdfArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

/// `keyring info`.
#[derive(Args)]
pub struct InfoArgs {
    /// The keyring file (`-` for standard input).
    pub keyring: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `keyring passwd`.
#[derive(Args)]
pub struct PasswdArgs {
    /// The keyring file; it is replaced atomically.
    pub keyring: PathBuf,
    /// Read the new password from FILE: its first line, without the line ending (the same
    /// rule as $STRONGROOM_NEW_PASSWORD).
    #[arg(long, value_name = "FILE")]
    pub new_password_file: Option<PathBuf>,
    /// Print the result as JSON on standard output instead of a note.
    #[arg(long)]
    pub json: bool,
    /// Accept new KDF parameters weaker than the slot's current ones (fewer iterations,
    /// less memory or time, Argon2id to PBKDF2), for this change (SPEC.md SR-KDF-8).
    #[arg(long)]
    pub allow_weaker_kdf: bool,
    #[command(flatten)]
    pub unlock: UnlockArgs,
    #[command(flatten)]
    pub kdf: KdfArgs,
}

/// `keyring add-secret-key-slot`.
#[derive(Args)]
pub struct AddSecretKeySlotArgs {
    /// The keyring file; it is replaced atomically.
    pub keyring: PathBuf,
    /// Label of the new slot.
    #[arg(long, default_value = "secret-key")]
    pub label: String,
    /// Read the new slot's password from FILE: its first line, without the line ending (the
    /// same rule as $STRONGROOM_NEW_PASSWORD).
    #[arg(long, value_name = "FILE")]
    pub new_password_file: Option<PathBuf>,
    /// Do not keep a newly made secret key in the state directory.
    #[arg(long)]
    pub no_store_secret_key: bool,
    /// Print the result as JSON on standard output instead of a note.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub unlock: UnlockArgs,
    #[command(flatten)]
    pub kdf: KdfArgs,
}

/// `keyring forget-pin`.
#[derive(Args)]
pub struct ForgetPinArgs {
    /// The keyring file whose pin to forget.
    #[arg(required_unless_present = "id", conflicts_with = "id")]
    pub keyring: Option<PathBuf>,
    /// The keyring id (32 hex digits) instead of a file.
    #[arg(long, value_name = "HEX")]
    pub id: Option<String>,
}

/// `keyring add-password`.
#[derive(Args)]
pub struct AddPasswordArgs {
    /// The keyring file; it is replaced atomically.
    pub keyring: PathBuf,
    /// Label of the new slot.
    #[arg(long, default_value = "password")]
    pub label: String,
    /// Read the new slot's password from FILE: its first line, without the line ending (the
    /// same rule as $STRONGROOM_NEW_PASSWORD).
    #[arg(long, value_name = "FILE")]
    pub new_password_file: Option<PathBuf>,
    /// Print the result as JSON on standard output instead of a note.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub unlock: UnlockArgs,
    #[command(flatten)]
    pub kdf: KdfArgs,
}

/// `keyring add-recovery`.
#[derive(Args)]
pub struct AddRecoveryArgs {
    /// The keyring file; it is replaced atomically.
    pub keyring: PathBuf,
    /// Label of the recovery slot.
    #[arg(long, default_value = "recovery")]
    pub label: String,
    /// Print the result as JSON on standard output instead of a note.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub unlock: UnlockArgs,
}

/// `keyring remove-slot`.
#[derive(Args)]
pub struct RemoveSlotArgs {
    /// The keyring file; it is replaced atomically.
    pub keyring: PathBuf,
    /// Index of the slot to remove (see `keyring info`).
    pub index: usize,
    /// Print the result as JSON on standard output instead of a note.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub unlock: UnlockArgs,
}

/// Runs a keyring subcommand.
pub fn run(cmd: KeyringCommand) -> CliResult<()> {
    match cmd {
        KeyringCommand::Create(a) => create(a),
        KeyringCommand::Info(a) => info(a),
        KeyringCommand::Passwd(a) => passwd(a),
        KeyringCommand::AddPassword(a) => add_password(a),
        KeyringCommand::AddRecovery(a) => add_recovery(a),
        KeyringCommand::AddSecretKeySlot(a) => add_secret_key_slot(a),
        KeyringCommand::RemoveSlot(a) => remove_slot(a),
        KeyringCommand::Push(a) => crate::log_cmd::push(a),
        KeyringCommand::ForgetPin(a) => forget_pin(a),
    }
}

fn create(a: CreateArgs) -> CliResult<()> {
    files::check_new_file(&a.keyring, a.force)?;
    files::check_binary_output(&a.keyring, !a.text)?;
    if a.json && files::is_std(&a.keyring) {
        return Err(CliError::usage(
            "--json needs a keyring FILE: standard output carries the keyring",
        ));
    }
    let kdf = a.kdf.params()?;
    let policy = a.policy.policy();
    let doing = || format!("creating {}", show(&a.keyring));
    // Refuse bad parameters before asking for a password (SR-POL-3).
    policy.check(&kdf).doing(doing)?;
    if a.policy.unsafe_relaxed_policy {
        note("warning: --unsafe-relaxed-policy is for tests only");
    }
    let password = Source {
        file: a.password_file.as_deref(),
        env: ENV_PASSWORD,
        prompt: "New password".to_string(),
        confirm: true,
        file_option: "--password-file",
    }
    .password()?;
    let (unlocked, secret_key) =
        with_progress(format!("deriving key ({})", describe_kdf(&kdf)), || {
            if a.secret_key {
                Keyring::create_with_secret_key(&password, kdf, &a.label, &policy)
                    .map(|(u, k)| (u, Some(k)))
            } else {
                Keyring::create(&password, kdf, &a.label, &policy).map(|u| (u, None))
            }
        })
        .doing(doing)?;
    let form = if a.text { Form::Text } else { Form::Binary };
    let keyring = unlocked.keyring();
    // The secret key is kept before the keyring is written: a keyring whose secret key is
    // lost opens no more.
    let stored = match (&secret_key, a.no_store_secret_key) {
        (Some(k), false) => Some(secrets::store_secret_key(k, keyring.id())?),
        _ => None,
    };
    files::write_output(
        &a.keyring,
        &files::keyring_output(keyring, form),
        form == Form::Binary,
        Existing::from_force(a.force),
    )?;
    // This command's own write: pinned without a word (SR-PIN-2).
    if let Err(e) = pins::store(&a.keyring, &unlocked.pin()) {
        note(&format!(
            "warning: the keyring pin could not be stored ({e})"
        ));
    }
    let kind = if a.secret_key {
        "secret-key"
    } else {
        "password"
    };
    let extra = secret_key.as_ref().map(|_| {
        (
            "secret_key_stored",
            stored
                .as_ref()
                .map_or(serde_json::Value::Null, |p| json!(show(p))),
        )
    });
    report(
        a.json,
        "keyring create",
        &a.keyring,
        keyring,
        0,
        || {
            format!(
                "created {}: id {}, slot 0 {kind} {} ({})",
                show(&a.keyring),
                hex::encode(keyring.id()),
                term::quote(&a.label),
                describe_kdf(&kdf)
            )
        },
        extra,
    );
    if let Some(k) = &secret_key {
        secrets::show_secret_key(k, stored.as_deref());
    }
    Ok(())
}

/// One slot as the JSON reports show it.
fn slot_json(keyring: &Keyring, index: usize) -> serde_json::Value {
    match keyring.slots().get(index) {
        Some(s) => match s.kind() {
            SlotKind::Password { kdf, .. } => json!({
                "index": index, "kind": "password", "label": s.label(), "kdf": kdf_json(kdf),
            }),
            SlotKind::SecretKey { kdf, .. } => json!({
                "index": index, "kind": "secret-key", "label": s.label(), "kdf": kdf_json(kdf),
            }),
            SlotKind::Unknown(n) => json!({
                "index": index, "kind": "unknown", "kind_value": n, "label": s.label(),
            }),
            _ => json!({"index": index, "kind": "recovery", "label": s.label()}),
        },
        None => serde_json::Value::Null,
    }
}

/// Reports a keyring change: a note on standard error, or with --json one JSON object on
/// standard output (the shape documented in README.md, "Command line").
fn report(
    as_json: bool,
    command: &str,
    path: &Path,
    keyring: &Keyring,
    slot: usize,
    note_text: impl FnOnce() -> String,
    extra: Option<(&str, serde_json::Value)>,
) {
    if !as_json {
        note(&note_text());
        return;
    }
    let mut out = json!({
        "command": command,
        "keyring": show(path),
        "id": hex::encode(keyring.id()),
        "generation": keyring.generation(),
        "digest": digest(keyring),
        "slots": keyring.slots().len(),
        "slot": slot_json(keyring, slot),
    });
    if let Some((k, v)) = extra {
        out[k] = v;
    }
    println!("{}", term::json_pretty(&out));
}

/// The keyring digest of SPEC.md (section 18): SHA-256 of the exact encoding, lowercase hex.
fn digest(keyring: &Keyring) -> String {
    hex::encode(Sha256::digest(keyring.as_bytes()))
}

/// Whether parameters pass a policy, in words.
fn policy_word(policy: &UnlockPolicy, kdf: &strongroom::KdfParams) -> &'static str {
    match policy.check(kdf) {
        Ok(()) => "ok",
        Err(strongroom::Error::KdfParamsOutOfBounds) => "out of bounds",
        Err(_) => "out of policy",
    }
}

fn kdf_json(kdf: &strongroom::KdfParams) -> serde_json::Value {
    match *kdf {
        strongroom::KdfParams::Pbkdf2Sha256 { iterations } => {
            json!({"id": 1, "name": "pbkdf2-hmac-sha256", "iterations": iterations})
        }
        strongroom::KdfParams::Argon2id {
            memory_kib,
            time_cost,
            parallelism,
        } => json!({"id": 2, "name": "argon2id", "memory_kib": memory_kib,
                    "time_cost": time_cost, "parallelism": parallelism}),
        _ => json!({"name": "unknown"}),
    }
}

fn info(a: InfoArgs) -> CliResult<()> {
    let (keyring, form) = files::read_keyring(&a.keyring)?;
    let default_policy = UnlockPolicy::default();
    let relaxed = relaxed_policy();
    let form_name = match form {
        Form::Binary => "binary",
        Form::Text => "text",
    };
    let (pin_text, pin_json) = pins::describe(&a.keyring, &keyring);
    let secret_key_file = crate::state::keyring_file(keyring.id(), "secret-key")
        .filter(|p| std::fs::symlink_metadata(p).is_ok());
    if a.json {
        let slots: Vec<_> = (0..keyring.slots().len())
            .map(|i| {
                let mut v = slot_json(&keyring, i);
                if let Some(kdf) = keyring.slots().get(i).and_then(|s| s.kdf()) {
                    v["default_policy"] = json!(policy_word(&default_policy, kdf));
                    v["work"] = json!(kdf.work());
                }
                v
            })
            .collect();
        let out = json!({
            "object": "keyring",
            "form": form_name,
            "size": keyring.as_bytes().len(),
            "id": hex::encode(keyring.id()),
            "digest": digest(&keyring),
            "generation": keyring.generation(),
            "slots": slots,
            "pin": pin_json,
            "secret_key_stored": secret_key_file.as_ref().map(|p| show(p)),
            "hard_limits": opts::hard_limits(),
        });
        println!("{}", term::json_pretty(&out));
        return Ok(());
    }
    println!(
        "keyring      {} ({form_name}, {} bytes)",
        show(&a.keyring),
        keyring.as_bytes().len()
    );
    println!("id           {}", hex::encode(keyring.id()));
    println!("digest       {}", digest(&keyring));
    println!("generation   {}", keyring.generation());
    println!("pin          {pin_text}");
    if let Some(p) = &secret_key_file {
        println!("secret key   kept on this machine in {}", show(p));
    } else if opts::has_secret_key_slot(&keyring) {
        println!(
            "secret key   not kept on this machine (give it with --secret-key-file or \
             $STRONGROOM_SECRET_KEY)"
        );
    }
    println!("slots        {} of 8", keyring.slots().len());
    for (i, s) in keyring.slots().iter().enumerate() {
        let (kind, kdf) = match s.kind() {
            SlotKind::Password { kdf, .. } => ("password", kdf),
            SlotKind::SecretKey { kdf, .. } => ("secret-key", kdf),
            SlotKind::Unknown(n) => {
                println!(
                    "  [{i}] unknown kind {n}  {:?}  (from a newer version: never tried, kept \
                     as it is, removable)",
                    s.label()
                );
                continue;
            }
            _ => {
                println!("  [{i}] recovery  {:?}", s.label());
                continue;
            }
        };
        let verdict = match policy_word(&default_policy, kdf) {
            "ok" => String::new(),
            w if relaxed.check(kdf).is_ok() => {
                format!("  [{w} for the default policy: refused unless relaxed]")
            }
            w => format!("  [{w}]"),
        };
        println!(
            "  [{i}] {kind}  {:?}  {}{verdict}",
            s.label(),
            describe_kdf(kdf)
        );
    }
    Ok(())
}

fn passwd(a: PasswdArgs) -> CliResult<()> {
    let (file, pin) = KeyringFile::read(&a.keyring, a.unlock.accept_generation_jump)?;
    let keyring = &file.keyring;
    let doing = || format!("changing the password in {}", show(&a.keyring));
    // Which slot changes: the one named, else the one that opens, else the only one.
    let password_slots: Vec<usize> = keyring
        .slots()
        .iter()
        .enumerate()
        .filter(|(_, s)| s.kdf().is_some())
        .map(|(i, _)| i)
        .collect();
    let by_recovery = a.unlock.by_recovery();
    if by_recovery && a.unlock.slot.is_none() && password_slots.len() != 1 {
        return Err(CliError::usage(format!(
            "{} has {} password slots: name the one to reset with --slot INDEX",
            show(&a.keyring),
            password_slots.len()
        )));
    }
    if let Some(i) = a.unlock.slot
        && !password_slots.contains(&i)
    {
        let err = if i >= keyring.slots().len() {
            strongroom::InvalidInput::NoSuchSlot
        } else {
            strongroom::InvalidInput::WrongSlotKind
        };
        return Err(strongroom::Error::InvalidInput(err)).doing(doing);
    }
    // The new parameters are the ones given or SPEC.md's defaults, never the slot's
    // (SR-KDF-6); checked before any typing.
    let kdf = a.kdf.params()?;
    let policy = a.unlock.policy()?;
    policy.check(&kdf).doing(doing)?;
    if let Some(i) = a.unlock.slot {
        check_not_weaker(keyring, i, &kdf, a.allow_weaker_kdf, doing)?;
    }
    let mut unlocked = a.unlock.unlock(keyring, &a.keyring, pin.pin())?;
    let read_pin = unlocked.pin();
    let slot = a
        .unlock
        .slot
        .or(if by_recovery {
            None
        } else {
            unlocked.slot_index()
        })
        .or_else(|| password_slots.first().copied())
        .ok_or_else(|| CliError::usage("the keyring has no password slot to change"))?;
    // Before the new password is asked for (SR-KDF-8).
    check_not_weaker(keyring, slot, &kdf, a.allow_weaker_kdf, doing)?;
    let secret_key = match keyring.slots().get(slot).map(|s| s.kind()) {
        Some(SlotKind::SecretKey { .. }) => Some(
            a.unlock
                .secret_key(keyring)?
                .ok_or_else(|| {
                    CliError::usage(format!(
                        "slot {slot} is a secret-key slot: its new password needs the secret \
                         key too; give it with --secret-key-file FILE or ${}",
                        secrets::ENV_SECRET_KEY
                    ))
                })?
                .key,
        ),
        _ => None,
    };
    let new_password = opts::new_password(a.new_password_file.as_deref(), "New password")?;
    let changed_slot = with_progress(format!("deriving key ({})", describe_kdf(&kdf)), || {
        match &secret_key {
            // SPEC.md 11.6: a secret-key slot is changed by adding a new one and removing
            // the old one.
            Some(sk) => {
                let label = keyring.slots().get(slot).map(|s| s.label().to_string());
                let label = label.unwrap_or_default();
                unlocked.add_secret_key_slot(&new_password, sk, kdf, &label)?;
                unlocked.remove_slot(slot)?;
                Ok(unlocked.keyring().slots().len() - 1)
            }
            None if a.allow_weaker_kdf => unlocked
                .change_password_allowing_weaker_kdf(slot, &new_password, kdf)
                .map(|()| slot),
            None => unlocked
                .change_password(slot, &new_password, kdf)
                .map(|()| slot),
        }
    })
    .doing(doing)?;
    let changed = unlocked.keyring();
    file.write_back(changed)?;
    pins::pin_written(&a.keyring, &read_pin, &unlocked, pin.pin().is_none());
    report(
        a.json,
        "keyring passwd",
        &a.keyring,
        changed,
        changed_slot,
        || {
            if changed_slot == slot {
                format!(
                    "changed the password of slot {slot} in {} (generation {})",
                    show(&a.keyring),
                    changed.generation()
                )
            } else {
                format!(
                    "changed the password of secret-key slot {slot} in {}: it is now slot \
                     {changed_slot}, with the same secret key (generation {})",
                    show(&a.keyring),
                    changed.generation()
                )
            }
        },
        None,
    );
    Ok(())
}

/// SR-KDF-8 before any typing or KDF: the new parameters may not be weaker than those of
/// the slot they replace, unless the user said so.
fn check_not_weaker(
    keyring: &Keyring,
    index: usize,
    kdf: &strongroom::KdfParams,
    allowed: bool,
    doing: impl FnOnce() -> String,
) -> CliResult<()> {
    match keyring.slots().get(index).and_then(|s| s.kdf()) {
        Some(current) if !allowed && kdf.is_weaker_than(current) => Err(
            strongroom::Error::InvalidInput(strongroom::InvalidInput::WeakerKdf),
        )
        .doing(doing)
        .map_err(|e| {
            e.with_hint(format!(
                "the new slot would use {}, weaker than slot {index}'s {}: give KDF options at \
                 least as strong (--kdf, --iterations, --memory-kib, --time-cost), or \
                 --allow-weaker-kdf to lower it knowingly",
                describe_kdf(kdf),
                describe_kdf(current)
            ))
        }),
        _ => Ok(()),
    }
}

fn add_password(a: AddPasswordArgs) -> CliResult<()> {
    let (file, pin) = KeyringFile::read(&a.keyring, a.unlock.accept_generation_jump)?;
    let doing = || format!("adding a password slot to {}", show(&a.keyring));
    let kdf = a.kdf.params()?;
    let mut unlocked = a.unlock.unlock(&file.keyring, &a.keyring, pin.pin())?;
    let read_pin = unlocked.pin();
    unlocked.policy().check(&kdf).doing(doing)?;
    let new_password =
        opts::new_password(a.new_password_file.as_deref(), "Password for the new slot")?;
    with_progress(format!("deriving key ({})", describe_kdf(&kdf)), || {
        unlocked.add_password_slot(&new_password, kdf, &a.label)
    })
    .doing(doing)?;
    let changed = unlocked.keyring();
    file.write_back(changed)?;
    pins::pin_written(&a.keyring, &read_pin, &unlocked, pin.pin().is_none());
    let index = changed.slots().len() - 1;
    report(
        a.json,
        "keyring add-password",
        &a.keyring,
        changed,
        index,
        || {
            format!(
                "added password slot {index} {} to {} (generation {})",
                term::quote(&a.label),
                show(&a.keyring),
                changed.generation()
            )
        },
        None,
    );
    Ok(())
}

fn add_secret_key_slot(a: AddSecretKeySlotArgs) -> CliResult<()> {
    let (file, pin) = KeyringFile::read(&a.keyring, a.unlock.accept_generation_jump)?;
    let doing = || format!("adding a secret-key slot to {}", show(&a.keyring));
    let kdf = a.kdf.params()?;
    // The user's secret key if there is one to hand, so that one emergency kit serves every
    // slot; read (and parsed) before any typing.
    let existing = a.unlock.secret_key(&file.keyring)?;
    let mut unlocked = a.unlock.unlock(&file.keyring, &a.keyring, pin.pin())?;
    let read_pin = unlocked.pin();
    unlocked.policy().check(&kdf).doing(doing)?;
    let new_password =
        opts::new_password(a.new_password_file.as_deref(), "Password for the new slot")?;
    let (secret_key, made) = match existing {
        Some(found) => (found.key, false),
        None => (SecretKey::generate().doing(doing)?, true),
    };
    with_progress(format!("deriving key ({})", describe_kdf(&kdf)), || {
        unlocked.add_secret_key_slot(&new_password, &secret_key, kdf, &a.label)
    })
    .doing(doing)?;
    let changed = unlocked.keyring();
    // A new secret key is kept before the keyring that needs it is written.
    let stored = if made && !a.no_store_secret_key {
        Some(secrets::store_secret_key(&secret_key, changed.id())?)
    } else {
        None
    };
    file.write_back(changed)?;
    pins::pin_written(&a.keyring, &read_pin, &unlocked, pin.pin().is_none());
    let index = changed.slots().len() - 1;
    let extra = made.then(|| {
        (
            "secret_key_stored",
            stored
                .as_ref()
                .map_or(serde_json::Value::Null, |p| json!(show(p))),
        )
    });
    report(
        a.json,
        "keyring add-secret-key-slot",
        &a.keyring,
        changed,
        index,
        || {
            format!(
                "added secret-key slot {index} {} to {} (generation {}){}",
                term::quote(&a.label),
                show(&a.keyring),
                changed.generation(),
                if made {
                    ""
                } else {
                    ", with the secret key you already have"
                }
            )
        },
        extra,
    );
    if made {
        secrets::show_secret_key(&secret_key, stored.as_deref());
    }
    Ok(())
}

fn add_recovery(a: AddRecoveryArgs) -> CliResult<()> {
    let (file, pin) = KeyringFile::read(&a.keyring, a.unlock.accept_generation_jump)?;
    let doing = || format!("adding a recovery slot to {}", show(&a.keyring));
    let mut unlocked = a.unlock.unlock(&file.keyring, &a.keyring, pin.pin())?;
    let read_pin = unlocked.pin();
    let code = unlocked.add_recovery_slot(&a.label).doing(doing)?;
    let changed = unlocked.keyring();
    // The keyring is on disk before the code is shown: a code for a slot that was never
    // stored would be worse than no code.
    file.write_back(changed)?;
    pins::pin_written(&a.keyring, &read_pin, &unlocked, pin.pin().is_none());
    let index = changed.slots().len() - 1;
    let shown = code.expose();
    if a.json {
        report(
            true,
            "keyring add-recovery",
            &a.keyring,
            changed,
            index,
            String::new,
            Some(("recovery_code", json!(shown.as_str()))),
        );
        return Ok(());
    }
    note(&format!(
        "added recovery slot {index} {} to {} (generation {}). The recovery code follows; it \
         is shown once and stored nowhere, so write it down now:",
        term::quote(&a.label),
        show(&a.keyring),
        changed.generation()
    ));
    println!("{}", shown.as_str());
    Ok(())
}

fn remove_slot(a: RemoveSlotArgs) -> CliResult<()> {
    let (file, pin) = KeyringFile::read(&a.keyring, a.unlock.accept_generation_jump)?;
    let keyring = &file.keyring;
    let doing = || format!("removing slot {} from {}", a.index, show(&a.keyring));
    // Cheap checks first, so a typo costs no KDF run.
    if a.index >= keyring.slots().len() {
        return Err(strongroom::Error::InvalidInput(
            strongroom::InvalidInput::NoSuchSlot,
        ))
        .doing(doing);
    }
    if keyring.slots().len() == 1 {
        return Err(strongroom::Error::InvalidInput(
            strongroom::InvalidInput::LastSlot,
        ))
        .doing(doing);
    }
    let removed = slot_json(keyring, a.index);
    let mut unlocked = a.unlock.unlock(keyring, &a.keyring, pin.pin())?;
    let read_pin = unlocked.pin();
    unlocked.remove_slot(a.index).doing(doing)?;
    let changed = unlocked.keyring();
    file.write_back(changed)?;
    pins::pin_written(&a.keyring, &read_pin, &unlocked, pin.pin().is_none());
    if a.json {
        let mut out = json!({
            "command": "keyring remove-slot",
            "keyring": show(&a.keyring),
            "id": hex::encode(changed.id()),
            "generation": changed.generation(),
            "digest": digest(changed),
            "slots": changed.slots().len(),
            "slot": removed,
        });
        out["slot"]["removed"] = json!(true);
        println!("{}", term::json_pretty(&out));
        return Ok(());
    }
    note(&format!(
        "removed slot {} from {} ({} left, generation {})",
        a.index,
        show(&a.keyring),
        changed.slots().len(),
        changed.generation()
    ));
    Ok(())
}

fn forget_pin(a: ForgetPinArgs) -> CliResult<()> {
    let (id, path) = match (&a.id, &a.keyring) {
        (Some(h), _) => {
            let bytes = crate::parse_hex(h, "--id")?;
            let id: [u8; 16] = bytes
                .try_into()
                .map_err(|_| CliError::usage("--id: a keyring id is 32 hex digits"))?;
            (id, None)
        }
        (None, Some(p)) => (*files::read_keyring(p)?.0.id(), Some(p)),
        (None, None) => return Err(CliError::usage("give a keyring FILE or --id HEX")),
    };
    let kept = pins::load(&id).unwrap_or(None);
    let forgot = pins::forget(&id)?;
    let unbound = path.is_some_and(|p| pins::unbind(p));
    let what = match (forgot, kept) {
        (true, Some(p)) => format!(
            "forgot the pin of keyring {} (generation {})",
            hex::encode(id),
            p.generation()
        ),
        (true, None) => format!("forgot the (damaged) pin of keyring {}", hex::encode(id)),
        (false, _) => format!("no pin of keyring {} on this machine", hex::encode(id)),
    };
    let also = match (unbound, path) {
        (true, Some(p)) => format!(", and which keyring {} held", show(p)),
        _ => String::new(),
    };
    note(&format!(
        "{what}{also}; the next unlock trusts the keyring it finds and pins it"
    ));
    Ok(())
}
