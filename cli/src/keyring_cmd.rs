//! `strongroom keyring ...`: create, info, passwd, add-password, add-recovery, remove-slot.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde_json::json;
use sha2::{Digest, Sha256};
use strongroom::{Keyring, SlotKind, UnlockPolicy};

use crate::fail::{CliError, CliResult, Doing, show};
use crate::files::{self, Existing, Form};
use crate::keyring_file::KeyringFile;
use crate::opts::{self, KdfArgs, PolicyArgs, UnlockArgs, describe_kdf};
use crate::progress::with_progress;
use crate::secrets::{ENV_PASSWORD, Source};
use crate::term;
use crate::{note, opts::relaxed_policy};

/// Keyring subcommands.
#[derive(Subcommand)]
pub enum KeyringCommand {
    /// Create a keyring with one password slot.
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
    /// Remove a slot (not the last one).
    #[command(after_help = REMOVE_HELP)]
    RemoveSlot(RemoveSlotArgs),
}

const CREATE_HELP: &str = "\
Examples:
  strongroom keyring create alice.srk --label laptop
  strongroom keyring create alice.srk --kdf argon2id --text
  STRONGROOM_PASSWORD=... strongroom keyring create ci.srk --label ci
  strongroom keyring create t.srk --iterations 1000 --unsafe-relaxed-policy   # tests only

The password is asked twice without echo on a terminal; scripts use --password-file FILE
or $STRONGROOM_PASSWORD (the first line of either). Defaults: PBKDF2-HMAC-SHA256 with
600,000 iterations, or Argon2id with 64 MiB, t=3, p=4. The file is written atomically with
mode 0600; an existing file is replaced only with --force (a symbolic link is followed).

--json prints {\"command\", \"keyring\", \"id\", \"generation\", \"digest\", \"slots\",
\"slot\": {\"index\", \"kind\", \"label\", \"kdf\"}} on standard output.";

const INFO_HELP: &str = "\
Examples:
  strongroom keyring info alice.srk
  strongroom keyring info alice.srk --json

`id` is the keyring's stable identity (pin it); `digest` is the SHA-256 of the exact
encoding (the keyring digest of SPEC.md) and changes with every generation (compare it to check
two copies are the same).";

/// What every keyring change says about concurrent updates, and its JSON.
macro_rules! update_note {
    () => {
        "

The keyring file is replaced atomically with mode 0600 (through a symbolic link: the file it
points to). If it changed between being read and being written back (another process or
device), nothing is written and the exit status is 5: run the command again.

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
--new-password-file / $STRONGROOM_NEW_PASSWORD. The KDF parameters stay unless --kdf /
--iterations / ... are given. Note: an old copy of the keyring still opens with the old
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
    #[command(flatten)]
    pub unlock: UnlockArgs,
    #[command(flatten)]
    pub kdf: KdfArgs,
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
        KeyringCommand::RemoveSlot(a) => remove_slot(a),
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
    let unlocked = with_progress(format!("deriving key ({})", describe_kdf(&kdf)), || {
        Keyring::create(&password, kdf, &a.label, &policy)
    })
    .doing(doing)?;
    let form = if a.text { Form::Text } else { Form::Binary };
    let keyring = unlocked.keyring();
    files::write_output(
        &a.keyring,
        &files::keyring_output(keyring, form),
        form == Form::Binary,
        Existing::from_force(a.force),
    )?;
    report(
        a.json,
        "keyring create",
        &a.keyring,
        keyring,
        0,
        || {
            format!(
                "created {}: id {}, slot 0 password {} ({})",
                show(&a.keyring),
                hex::encode(keyring.id()),
                term::quote(&a.label),
                describe_kdf(&kdf)
            )
        },
        None,
    );
    Ok(())
}

/// One slot as the JSON reports show it.
fn slot_json(keyring: &Keyring, index: usize) -> serde_json::Value {
    match keyring.slots().get(index) {
        Some(s) => match s.kind() {
            SlotKind::Password { kdf, .. } => json!({
                "index": index, "kind": "password", "label": s.label(), "kdf": kdf_json(kdf),
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
    if a.json {
        let slots: Vec<_> = keyring
            .slots()
            .iter()
            .enumerate()
            .map(|(i, s)| match s.kind() {
                SlotKind::Password { kdf, .. } => json!({
                    "index": i, "kind": "password", "label": s.label(), "kdf": kdf_json(kdf),
                    "default_policy": policy_word(&default_policy, kdf),
                }),
                _ => json!({"index": i, "kind": "recovery", "label": s.label()}),
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
    println!("slots        {} of 8", keyring.slots().len());
    for (i, s) in keyring.slots().iter().enumerate() {
        match s.kind() {
            SlotKind::Password { kdf, .. } => {
                let verdict = match policy_word(&default_policy, kdf) {
                    "ok" => String::new(),
                    w if relaxed.check(kdf).is_ok() => {
                        format!("  [{w} for the default policy: refused unless relaxed]")
                    }
                    w => format!("  [{w}]"),
                };
                println!(
                    "  [{i}] password  {:?}  {}{verdict}",
                    s.label(),
                    describe_kdf(kdf)
                );
            }
            _ => println!("  [{i}] recovery  {:?}", s.label()),
        }
    }
    Ok(())
}

fn passwd(a: PasswdArgs) -> CliResult<()> {
    let file = KeyringFile::read(&a.keyring)?;
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
    let by_recovery = a.unlock.recovery || a.unlock.recovery_code_file.is_some();
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
    let current = a
        .unlock
        .slot
        .or_else(|| password_slots.first().copied())
        .and_then(|i| keyring.slots().get(i))
        .and_then(|s| s.kdf().copied());
    let kdf = a.kdf.params_or(current)?;
    let unlocked = a.unlock.unlock(keyring, &a.keyring)?;
    let slot = a
        .unlock
        .slot
        .or(unlocked.slot)
        .or_else(|| password_slots.first().copied())
        .ok_or_else(|| CliError::usage("the keyring has no password slot to change"))?;
    let mut unlocked = unlocked.unlocked;
    // Check the new parameters before asking for the new password.
    unlocked.policy().check(&kdf).doing(doing)?;
    let new_password = opts::new_password(a.new_password_file.as_deref(), "New password")?;
    with_progress(format!("deriving key ({})", describe_kdf(&kdf)), || {
        unlocked.change_password(slot, &new_password, kdf)
    })
    .doing(doing)?;
    let changed = unlocked.keyring();
    file.write_back(changed)?;
    report(
        a.json,
        "keyring passwd",
        &a.keyring,
        changed,
        slot,
        || {
            format!(
                "changed the password of slot {slot} in {} (generation {})",
                show(&a.keyring),
                changed.generation()
            )
        },
        None,
    );
    Ok(())
}

fn add_password(a: AddPasswordArgs) -> CliResult<()> {
    let file = KeyringFile::read(&a.keyring)?;
    let doing = || format!("adding a password slot to {}", show(&a.keyring));
    let kdf = a.kdf.params()?;
    let mut unlocked = a.unlock.unlock(&file.keyring, &a.keyring)?.unlocked;
    unlocked.policy().check(&kdf).doing(doing)?;
    let new_password =
        opts::new_password(a.new_password_file.as_deref(), "Password for the new slot")?;
    with_progress(format!("deriving key ({})", describe_kdf(&kdf)), || {
        unlocked.add_password_slot(&new_password, kdf, &a.label)
    })
    .doing(doing)?;
    let changed = unlocked.keyring();
    file.write_back(changed)?;
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

fn add_recovery(a: AddRecoveryArgs) -> CliResult<()> {
    let file = KeyringFile::read(&a.keyring)?;
    let doing = || format!("adding a recovery slot to {}", show(&a.keyring));
    let mut unlocked = a.unlock.unlock(&file.keyring, &a.keyring)?.unlocked;
    let code = unlocked.add_recovery_slot(&a.label).doing(doing)?;
    let changed = unlocked.keyring();
    // The keyring is on disk before the code is shown: a code for a slot that was never
    // stored would be worse than no code.
    file.write_back(changed)?;
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
    let file = KeyringFile::read(&a.keyring)?;
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
    let mut unlocked = a.unlock.unlock(keyring, &a.keyring)?.unlocked;
    unlocked.remove_slot(a.index).doing(doing)?;
    let changed = unlocked.keyring();
    file.write_back(changed)?;
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
