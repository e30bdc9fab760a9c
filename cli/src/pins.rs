//! Keyring pins (SPEC.md 11.12, SR-PIN-1 to SR-PIN-3): what this machine remembers of each
//! keyring it has unlocked or written, so that an older copy (a rollback), another keyring of
//! the same generation (a fork), another keyring in the same file (replaced) or a generation
//! far ahead (a jump) is refused before any KDF runs.
//!
//! One pin per keyring id, in `keyrings/ID/pin` of the state directory, and for each keyring
//! file the id it held when last used (`paths/`), which is how a keyring put in the place of
//! another is noticed. A pin is written only from a keyring whose MAC was verified (after an
//! unlock) or that this command wrote itself, once the file is renamed into place (SR-PIN-2),
//! and it only moves forward: a pin is never replaced by one of a lower generation, so that
//! two commands running at once cannot move it back.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use serde_json::json;
use sha2::{Digest, Sha256};
use strongroom::{Error, HistoryViolation, Keyring, KeyringPin, SlotRef, UnlockedKeyring};

use crate::fail::{CliError, CliResult, show};
use crate::files::{self, Existing};
use crate::state;

/// What CheckPin found for a keyring about to be used.
pub enum PinState {
    /// No pin: this machine has not used the keyring yet (trust on first use).
    None,
    /// The pin, which the keyring passed.
    Pinned(KeyringPin),
}

impl PinState {
    /// The pin, if any.
    pub fn pin(&self) -> Option<&KeyringPin> {
        match self {
            PinState::None => None,
            PinState::Pinned(p) => Some(p),
        }
    }
}

fn decode_hex<const N: usize>(v: &serde_json::Value) -> Option<[u8; N]> {
    hex::decode(v.as_str()?).ok()?.try_into().ok()
}

fn encode(pin: &KeyringPin) -> Vec<u8> {
    let preferred = pin.preferred().map_or(
        serde_json::Value::Null,
        |p| json!({"salt": hex::encode(p.salt()), "commitment": hex::encode(p.commitment())}),
    );
    let v = json!({
        "version": 1,
        "keyring_id": hex::encode(pin.keyring_id()),
        "generation": pin.generation(),
        "digest": hex::encode(pin.digest()),
        "preferred": preferred,
    });
    let mut out = serde_json::to_vec_pretty(&v).unwrap_or_default();
    out.push(b'\n');
    out
}

fn decode(bytes: &[u8]) -> Option<KeyringPin> {
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    if v["version"] != 1 {
        return None;
    }
    let id = decode_hex::<16>(&v["keyring_id"])?;
    let generation = v["generation"].as_u64()?;
    let digest = decode_hex::<32>(&v["digest"])?;
    let preferred = match &v["preferred"] {
        serde_json::Value::Null => None,
        p => Some(SlotRef::new(
            decode_hex::<32>(&p["salt"])?,
            decode_hex::<32>(&p["commitment"])?,
        )),
    };
    Some(KeyringPin::new(id, generation, digest).with_preferred(preferred))
}

/// The pin kept for keyring `id`, if any.
pub fn load(id: &[u8; 16]) -> CliResult<Option<KeyringPin>> {
    let Some(path) = state::keyring_file(id, "pin") else {
        return Ok(None);
    };
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(CliError::io(format!("reading {}", show(&path)), e)),
    };
    match decode(&bytes) {
        Some(pin) if pin.keyring_id() == id => Ok(Some(pin)),
        _ => Err(CliError::io(
            format!("reading the pin of keyring {}", hex::encode(id)),
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} is damaged; remove it with `strongroom keyring forget-pin --id {}`",
                    show(&path),
                    hex::encode(id)
                ),
            ),
        )),
    }
}

/// The file in `paths/` that says which keyring `path` held.
fn binding_file(path: &Path) -> Option<PathBuf> {
    let abs = fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .ok()?;
    let digest = Sha256::digest(abs.as_os_str().as_encoded_bytes());
    Some(state::dir()?.join("paths").join(hex::encode(digest)))
}

/// The keyring id that the file at `path` held when this machine last used it.
fn bound_id(path: &Path) -> Option<[u8; 16]> {
    if files::is_std(path) {
        return None;
    }
    let bytes = fs::read(binding_file(path)?).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    decode_hex::<16>(&v["keyring_id"])
}

/// Records that the file at `path` holds keyring `id` (best effort: a failure only means
/// that a keyring put in its place is not recognised as such).
fn bind(path: &Path, id: &[u8; 16]) {
    if files::is_std(path) || bound_id(path) == Some(*id) {
        return;
    }
    let Some(file) = binding_file(path) else {
        return;
    };
    if state::paths_dir().is_err() {
        return;
    }
    let abs = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let v = json!({"path": abs.to_string_lossy(), "keyring_id": hex::encode(id)});
    let mut bytes = serde_json::to_vec_pretty(&v).unwrap_or_default();
    bytes.push(b'\n');
    let _ = files::write_file(&file, &bytes, Existing::Replace);
}

/// The first 8 bytes of a digest, for messages.
fn short(digest: &[u8; 32]) -> String {
    hex::encode(&digest[..8])
}

/// CheckPin for the keyring read from `path` (SR-PIN-1), before any KDF: against the pin
/// of the keyring the file held before, if it held another one (`keyring_replaced`), then
/// against the keyring's own pin. `accept_jump` is `--accept-generation-jump` (SR-PIN-3).
pub fn check(path: &Path, keyring: &Keyring, accept_jump: bool) -> CliResult<PinState> {
    let doing = || format!("checking {} against this machine's pin", show(path));
    if let Some(before) = bound_id(path).filter(|b| b != keyring.id())
        && let Some(pin) = load(&before)?
        && let Err(err) = keyring.check_pin(&pin)
    {
        let hint = format!(
            "{} held keyring {} (generation {}) when this machine last used it, and now holds \
             keyring {}: another keyring was put in its place. If you did that on purpose, run \
             `strongroom keyring forget-pin {}`",
            show(path),
            hex::encode(before),
            pin.generation(),
            hex::encode(keyring.id()),
            show(path)
        );
        return Err(history(err, doing(), hint));
    }
    let Some(pin) = load(keyring.id())? else {
        return Ok(PinState::None);
    };
    let result = if accept_jump {
        keyring.check_pin_accepting_jump(&pin)
    } else {
        keyring.check_pin(&pin)
    };
    let Err(err) = result else {
        return Ok(PinState::Pinned(pin));
    };
    let forget = format!("`strongroom keyring forget-pin {}`", show(path));
    let (g, p) = (keyring.generation(), pin.generation());
    let hint = match err {
        Error::HistoryViolation(HistoryViolation::KeyringRollback) => format!(
            "{} is generation {g}, older than generation {p} that this machine has already \
             seen: an old copy is being served (a changed password or a removed slot would work \
             again). Use the current keyring; if you restored this old copy on purpose, run \
             {forget} first",
            show(path)
        ),
        Error::HistoryViolation(HistoryViolation::KeyringFork) => format!(
            "{} is generation {g}, as pinned, but not the same keyring (digest {}..., pinned \
             {}...): two different changes were made from the same earlier copy (a fork), or the \
             copy was forged. Find out which copy is right; if it is this one, run {forget}",
            show(path),
            short(&keyring.digest()),
            short(pin.digest())
        ),
        Error::HistoryViolation(HistoryViolation::KeyringGenerationJump) => format!(
            "{} is generation {g}, {} generations above generation {p} pinned on this machine \
             (at most 64 are accepted unasked): if you expect that many changes since this \
             machine last used it, run the command again with --accept-generation-jump",
            show(path),
            g.saturating_sub(p)
        ),
        _ => format!("if you know this keyring is right, run {forget}"),
    };
    Err(history(err, doing(), hint))
}

fn history(err: Error, doing: String, hint: String) -> CliError {
    CliError::Strongroom {
        doing,
        err,
        hint: Some(hint),
    }
}

/// Whether an error is a CheckPin refusal.
fn is_history_violation(e: &CliError) -> bool {
    matches!(
        e,
        CliError::Strongroom {
            err: Error::HistoryViolation(_),
            ..
        }
    )
}

/// Reads and decodes the keyring at `path` and runs CheckPin on it (SR-PIN-1), before any
/// KDF. A refusal is confirmed on a second reading: another `strongroom` may have replaced the
/// file and moved the pin forward between this command's reading of the one and of the
/// other, and the file as it is now is then checked instead.
pub fn read_checked(
    path: &Path,
    accept_jump: bool,
) -> CliResult<(Keyring, files::Form, Vec<u8>, PinState)> {
    let (mut keyring, mut form, mut bytes) = files::read_keyring_bytes(path)?;
    let mut rereads = 0;
    loop {
        match check(path, &keyring, accept_jump) {
            Ok(state) => return Ok((keyring, form, bytes, state)),
            Err(e) if is_history_violation(&e) && !files::is_std(path) && rereads < 3 => {
                let (k, f, b) = files::read_keyring_bytes(path)?;
                if b == bytes {
                    return Err(e);
                }
                (keyring, form, bytes) = (k, f, b);
                rereads += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Takes the lock that serializes pin updates for keyring `id` (none without a state
/// directory or a lock: the update then goes ahead unserialized).
fn lock(id: &[u8; 16]) -> Option<File> {
    let dir = state::keyring_dir(id).ok()?;
    let mut options = fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let f = options.open(dir.join("lock")).ok()?;
    f.lock().ok()?;
    Some(f)
}

/// Whether `pin` is to replace the pin `kept`: none is kept, or `pin` is of a higher
/// generation, or of the same keyring version with another preferred slot. Never a lower
/// generation, and never other bytes at the same generation (a fork, which the next CheckPin
/// reports rather than this command hiding it).
fn replaces(kept: Option<&KeyringPin>, pin: &KeyringPin) -> bool {
    match kept {
        None => true,
        Some(k) if k == pin => false,
        Some(k) => {
            k.generation() < pin.generation()
                || (k.generation() == pin.generation() && k.digest() == pin.digest())
        }
    }
}

/// Stores `pin` for its keyring unless the pin kept is of a higher generation, or of the
/// same generation and other bytes (a fork the next CheckPin reports), or already equal.
/// Returns whether no pin was kept before (trust on first use). Binds `path` to the id.
pub fn store(path: &Path, pin: &KeyringPin) -> CliResult<bool> {
    let id = *pin.keyring_id();
    let _lock = lock(&id);
    let kept = load(&id).unwrap_or(None);
    // An unlock through a recovery slot names no slot to prefer: keep the one known.
    let pin = match (pin.preferred(), &kept) {
        (None, Some(k)) => pin.with_preferred(k.preferred().copied()),
        _ => *pin,
    };
    let pin = &pin;
    if replaces(kept.as_ref(), pin) {
        let dir = state::keyring_dir(&id)
            .map_err(|e| CliError::io("creating the state directory for the pin", e))?;
        files::write_file(&dir.join("pin"), &encode(pin), Existing::Replace)?;
    }
    bind(path, &id);
    Ok(kept.is_none())
}

/// Pins a keyring after a successful unlock (its MAC verified, SR-PIN-2) and says so the
/// first time. A pin that cannot be stored is a warning, not a failure of the command.
pub fn pin_unlocked(path: &Path, unlocked: &UnlockedKeyring) {
    match store(path, &unlocked.pin()) {
        Ok(true) => note_first_use(unlocked.keyring()),
        Ok(false) => {}
        Err(e) => warn_unstored(&e),
    }
}

/// Pins a keyring after a change: the new keyring once it is in its file (the rename is
/// the acknowledgment of SR-PIN-2), or, when the change went to standard output where
/// nothing confirms it was stored, `read` (the keyring as unlocked before the change).
/// `first_use`: no pin was kept when the keyring was read (trust on first use, said once).
pub fn pin_written(path: &Path, read: &KeyringPin, unlocked: &UnlockedKeyring, first_use: bool) {
    let pin = if files::is_std(path) {
        *read
    } else {
        unlocked.pin()
    };
    match store(path, &pin) {
        Ok(true) if first_use => note_first_use(unlocked.keyring()),
        Ok(_) => {}
        Err(e) => warn_unstored(&e),
    }
}

fn warn_unstored(e: &CliError) {
    crate::note(&format!(
        "warning: the keyring pin could not be stored ({e}); an older copy of this keyring \
         would not be recognised"
    ));
}

fn note_first_use(keyring: &Keyring) {
    crate::note(&format!(
        "first use of keyring {} on this machine: trusted as found and pinned at generation \
         {}; from now on an older or different copy is refused",
        hex::encode(keyring.id()),
        keyring.generation()
    ));
}

/// Removes the pin of keyring `id`; whether there was one.
pub fn forget(id: &[u8; 16]) -> CliResult<bool> {
    let Some(path) = state::keyring_file(id, "pin") else {
        return Ok(false);
    };
    let _lock = lock(id);
    match fs::remove_file(&path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(CliError::io(format!("removing {}", show(&path)), e)),
    }
}

/// Forgets which keyring the file at `path` held; whether it was recorded.
pub fn unbind(path: &Path) -> bool {
    binding_file(path).is_some_and(|f| fs::remove_file(f).is_ok())
}

/// What `keyring info` says about the pin: one line of text and a JSON value.
pub fn describe(path: &Path, keyring: &Keyring) -> (String, serde_json::Value) {
    let state = match check(path, keyring, false) {
        Ok(s) => s,
        Err(CliError::Strongroom {
            err: Error::HistoryViolation(h),
            ..
        }) => {
            let pinned = load(keyring.id()).ok().flatten();
            let text = match (&h, &pinned) {
                (HistoryViolation::KeyringReplaced, _) => format!(
                    "REFUSED [keyring_replaced]: {} held another keyring when this machine last \
                     used it (open, seal and changes refuse it; see `keyring forget-pin`)",
                    show(path)
                ),
                (_, Some(p)) => format!(
                    "REFUSED [{}]: generation {} pinned on this machine, this copy is generation \
                     {} (open, seal and changes refuse it; see `keyring forget-pin`)",
                    h.as_str(),
                    p.generation(),
                    keyring.generation()
                ),
                (_, None) => format!("REFUSED [{}]", h.as_str()),
            };
            let v = json!({
                "state": "refused",
                "reason": h.as_str(),
                "generation": pinned.map(|p| p.generation()),
            });
            return (text, v);
        }
        Err(e) => return (format!("unknown ({e})"), json!({"state": "unknown"})),
    };
    match state {
        PinState::None => (
            "none: not used on this machine yet (the first unlock trusts it and pins it)"
                .to_string(),
            json!({"state": "none"}),
        ),
        PinState::Pinned(p) if p.generation() == keyring.generation() => (
            format!(
                "generation {} pinned on this machine: this copy is the pinned one",
                p.generation()
            ),
            json!({"state": "current", "generation": p.generation()}),
        ),
        PinState::Pinned(p) => (
            format!(
                "generation {} pinned on this machine: this copy is {} generations newer \
                 (pinned at its next unlock)",
                p.generation(),
                keyring.generation().saturating_sub(p.generation())
            ),
            json!({"state": "newer", "generation": p.generation()}),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // SR-PIN-2: a pin only moves forward, so that two commands running at once, or a change
    // written to standard output (which pins the keyring it read), never move it back.
    #[test]
    fn pins_only_move_forward() {
        let at = |g, d| KeyringPin::new([7; 16], g, [d; 32]);
        let preferred = at(3, 1).with_preferred(Some(SlotRef::new([1; 32], [2; 32])));
        assert!(replaces(None, &at(0, 0)));
        assert!(replaces(Some(&at(3, 1)), &at(4, 2)));
        assert!(replaces(Some(&at(3, 1)), &preferred));
        assert!(!replaces(Some(&preferred), &preferred));
        assert!(!replaces(Some(&at(3, 1)), &at(2, 1)));
        assert!(!replaces(Some(&at(3, 1)), &at(3, 2)));
    }

    #[test]
    fn pins_round_trip() {
        let p = KeyringPin::new([7; 16], 42, [9; 32]);
        assert_eq!(decode(&encode(&p)), Some(p));
        let q = p.with_preferred(Some(SlotRef::new([1; 32], [2; 32])));
        assert_eq!(decode(&encode(&q)), Some(q));
        assert_eq!(decode(b"{}"), None);
        assert_eq!(decode(b"not json"), None);
    }
}
