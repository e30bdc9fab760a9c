//! A keyring read in order to change it, and written back only if the file still holds the
//! bytes that were read.
//!
//! Two guards, because neither suffices alone. An advisory lock (`flock` on Unix, through
//! std's `File::lock`) serializes the final compare-and-replace among `strongroom`
//! processes on this machine, so two of them cannot both pass the comparison and then
//! overwrite each other. The comparison catches every other writer, which no lock reaches:
//! another machine through a synced folder, an older `strongroom`, an editor. The lock is
//! held only for the comparison and the write, never while a person types a password, so a
//! forgotten prompt blocks nobody; the price is that of two concurrent changes the later one
//! fails (exit status 5) and has to be run again.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use strongroom::Keyring;

use crate::fail::{CliError, CliResult, show};
use crate::files::{self, Existing, Form};
use crate::pins::{self, PinState};

/// A keyring file as read for a change.
pub struct KeyringFile {
    /// The path as given (for messages).
    pub path: PathBuf,
    /// The decoded keyring.
    pub keyring: Keyring,
    /// The form it was stored in; the change is written back in the same form.
    pub form: Form,
    /// Exactly the bytes read.
    bytes: Vec<u8>,
}

impl KeyringFile {
    /// Reads and decodes `path` (`-`: standard input, then the change goes to standard
    /// output and there is nothing to guard), and checks it against this machine's pin
    /// before anything else is done with it (SR-PIN-1).
    pub fn read(path: &Path, accept_jump: bool) -> CliResult<(Self, PinState)> {
        let (keyring, form, bytes, pin) = pins::read_checked(path, accept_jump)?;
        let file = KeyringFile {
            path: path.to_path_buf(),
            keyring,
            form,
            bytes,
        };
        Ok((file, pin))
    }

    /// Writes `changed` back if the file still holds the bytes read; otherwise writes
    /// nothing and fails with [`CliError::Conflict`]. A symbolic link is followed: the file
    /// it points to is replaced, in its own directory, and the link stays.
    pub fn write_back(&self, changed: &Keyring) -> CliResult<()> {
        let out = files::keyring_output(changed, self.form);
        if files::is_std(&self.path) {
            return files::write_output(
                &self.path,
                &out,
                self.form == Form::Binary,
                Existing::Replace,
            );
        }
        let doing = || format!("updating {}", show(&self.path));
        let target = files::resolve_links(&self.path).map_err(|e| CliError::io(doing(), e))?;
        let _lock = match lock(&target) {
            Ok(l) => l,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(self.conflict("it was removed"));
            }
            Err(e) => return Err(CliError::io(format!("locking {}", show(&self.path)), e)),
        };
        let mut now = Vec::new();
        let read = File::open(&target).and_then(|f| {
            f.take(files::MAX_KEYRING_INPUT as u64 + 1)
                .read_to_end(&mut now)
        });
        if let Err(e) = read {
            return Err(self.conflict(&format!("it can no longer be read ({e})")));
        }
        if now != self.bytes {
            let then = self.keyring.generation();
            let what = match files::decode_keyring(&now) {
                Ok((k, _)) if k.id() != self.keyring.id() => {
                    "it now holds a different keyring".to_string()
                }
                Ok((k, _)) => format!("generation {then} when read, {} now", k.generation()),
                Err(_) => "it no longer holds a valid keyring".to_string(),
            };
            return Err(self.conflict(&what));
        }
        files::write_file(&target, &out, Existing::Replace)
    }

    fn conflict(&self, what: &str) -> CliError {
        CliError::Conflict(format!(
            "{} was changed by someone else while this command ran ({what}); nothing written. \
             Run the command again to apply the change to the keyring as it is now",
            show(&self.path)
        ))
    }
}

/// Takes the update lock for the keyring file at `target`, waiting for another process
/// that holds it (its critical section is one compare and one write).
#[cfg(unix)]
fn lock(target: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::MetadataExt;
    let mut told = false;
    loop {
        let f = File::open(target)?;
        match f.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                if !told {
                    crate::note(&format!(
                        "waiting for another process to finish updating {}",
                        show(target)
                    ));
                    told = true;
                }
                f.lock()?;
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
        // The holder may have replaced the file while we waited: our lock is then on the
        // old inode, which nobody else will lock again. Start over on the new one.
        let held = f.metadata()?;
        let current = std::fs::metadata(target)?;
        if held.dev() == current.dev() && held.ino() == current.ino() {
            return Ok(f);
        }
    }
}

/// Windows locks are mandatory for the locked bytes, which would make readers of the keyring
/// fail; so the lock is on `.NAME.lock` beside it, a file that is never removed.
#[cfg(not(unix))]
fn lock(target: &Path) -> std::io::Result<File> {
    let mut name = std::ffi::OsString::from(".");
    name.push(target.file_name().unwrap_or_default());
    name.push(".lock");
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(target.with_file_name(name))?;
    f.lock()?;
    Ok(f)
}
