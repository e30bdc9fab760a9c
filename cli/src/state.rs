//! The command's state directory: what it keeps between runs, per user.
//!
//! Location, first match wins:
//!
//! 1. `$STRONGROOM_STATE_DIR`, if set and not empty;
//! 2. Linux and other Unix systems: `$XDG_STATE_HOME/strongroom` if `$XDG_STATE_HOME` is an
//!    absolute path, else `~/.local/state/strongroom` (XDG Base Directory specification);
//! 3. macOS: `~/Library/Application Support/strongroom`;
//! 4. Windows: `%LOCALAPPDATA%\strongroom`.
//!
//! Layout (created on first use, directories with mode 0700):
//!
//! ```text
//! temporaries/          one entry per named temporary file being written
//!   PID-N               its content: the temporary file's absolute path
//! keyrings/             per-keyring state, one directory per keyring id (32 hex digits)
//!   ID/pin              the keyring pin (SPEC.md 11.12): JSON with the id, generation,
//!                       digest and the slot that opened it last (its salt and commitment)
//!   ID/secret-key       the secret key of the keyring's secret-key slots: its SK1- code and
//!                       a line feed (mode 0600)
//!   ID/lock             taken while the pin is read and replaced
//! paths/                which keyring each keyring file held when last used: one file per
//!   SHA256              path (hex SHA-256 of the absolute path), JSON with the path and id
//! ```
//!
//! Files are written atomically with mode 0600 (`files::write_file`).
//!
//! Outputs are written through an unnamed file where the system allows it (Linux
//! `O_TMPFILE`). Where it does not, the output is written under a temporary name beside its
//! destination, and that name is recorded in `temporaries/` first; a run that is killed
//! before the rename leaves the entry behind, and the next run of `strongroom` removes the
//! temporary file (only one whose name has our pattern and whose writer is gone) and says so.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// The environment variable that overrides the location.
pub const ENV_STATE_DIR: &str = "STRONGROOM_STATE_DIR";

/// The state directory for this user and platform, if one can be named.
pub fn dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os(ENV_STATE_DIR).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    platform_dir()
}

#[cfg(target_os = "macos")]
fn platform_dir() -> Option<PathBuf> {
    Some(home()?.join("Library/Application Support/strongroom"))
}

#[cfg(windows)]
fn platform_dir() -> Option<PathBuf> {
    let local = std::env::var_os("LOCALAPPDATA").filter(|d| !d.is_empty())?;
    Some(PathBuf::from(local).join("strongroom"))
}

#[cfg(not(any(target_os = "macos", windows)))]
fn platform_dir() -> Option<PathBuf> {
    // The specification ignores a relative $XDG_STATE_HOME.
    if let Some(x) = std::env::var_os("XDG_STATE_HOME").map(PathBuf::from)
        && x.is_absolute()
    {
        return Some(x.join("strongroom"));
    }
    Some(home()?.join(".local/state/strongroom"))
}

#[cfg(not(windows))]
fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// `dir()/keyrings/ID`, created (mode 0700) if missing.
pub fn keyring_dir(id: &[u8; 16]) -> io::Result<PathBuf> {
    subdir(&format!("keyrings/{}", hex::encode(id)))
}

/// `dir()/keyrings/ID/name`, without creating anything (none without a state directory).
pub fn keyring_file(id: &[u8; 16], name: &str) -> Option<PathBuf> {
    Some(dir()?.join("keyrings").join(hex::encode(id)).join(name))
}

/// `dir()/paths`, created (mode 0700) if missing.
pub fn paths_dir() -> io::Result<PathBuf> {
    subdir("paths")
}

/// `dir()/sub`, created (mode 0700) if missing.
fn subdir(sub: &str) -> io::Result<PathBuf> {
    let base = dir().ok_or_else(|| io::Error::other("no state directory (HOME is not set)"))?;
    let d = base.join(sub);
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(&d)?;
    Ok(d)
}

/// The record of one named temporary file; removing it (or dropping it) deletes the entry.
pub struct TempEntry(Option<PathBuf>);

impl TempEntry {
    /// Records `temp` before it is created. Without a usable state directory nothing is
    /// recorded: the in-directory scan of `files` still finds the file on a later write to
    /// the same destination.
    pub fn record(temp: &Path) -> TempEntry {
        static N: AtomicU32 = AtomicU32::new(0);
        let entry = (|| -> io::Result<PathBuf> {
            let d = subdir("temporaries")?;
            let abs = std::path::absolute(temp)?;
            let e = d.join(format!(
                "{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            fs::write(&e, path_bytes(&abs))?;
            Ok(e)
        })();
        TempEntry(entry.ok())
    }
}

impl Drop for TempEntry {
    fn drop(&mut self) {
        if let Some(e) = self.0.take() {
            let _ = fs::remove_file(e);
        }
    }
}

#[cfg(unix)]
fn path_bytes(p: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    p.as_os_str().as_bytes().to_vec()
}

#[cfg(not(unix))]
fn path_bytes(p: &Path) -> Vec<u8> {
    p.to_string_lossy().into_owned().into_bytes()
}

#[cfg(unix)]
fn bytes_path(b: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(b))
}

#[cfg(not(unix))]
fn bytes_path(b: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(b).into_owned())
}

/// Whether the process `pid` may still be running (and so still writing its temporary).
#[cfg(unix)]
pub fn process_alive(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    // Signal 0 checks existence; EPERM means it exists under another user.
    !matches!(
        rustix::process::test_kill_process(pid),
        Err(rustix::io::Errno::SRCH)
    )
}

#[cfg(not(unix))]
pub fn process_alive(_pid: u32) -> bool {
    false
}

/// If `name` is `.DEST.tmp-PID-N`, the PID.
pub fn temp_pid(name: &std::ffi::OsStr) -> Option<u32> {
    let s = name.to_str()?;
    let rest = s.strip_prefix('.')?;
    let (_, tail) = rest.rsplit_once(".tmp-")?;
    let (pid, n) = tail.split_once('-')?;
    n.parse::<u32>().ok()?;
    pid.parse().ok()
}

/// The name of the temporary for `dest` written by this process, attempt `n`.
pub fn temp_name(dest: &std::ffi::OsStr, n: u32) -> OsString {
    let mut t = OsString::from(".");
    t.push(dest);
    t.push(format!(".tmp-{}-{n}", std::process::id()));
    t
}

/// Whether the writer `pid` of `path` (a temporary, or its entry in `temporaries/`) is
/// gone. Without a portable existence check (non-Unix systems), a file is taken as
/// abandoned once it is an hour old: no write of a 16 MiB output takes that long.
fn writer_gone(pid: u32, path: &Path) -> bool {
    if pid == std::process::id() {
        return false;
    }
    if cfg!(unix) {
        return !process_alive(pid);
    }
    fs::symlink_metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age.as_secs() > 3600)
}

/// Whether the temporary at `path` (named by [`temp_name`]) was abandoned by a writer that
/// is gone.
pub fn abandoned(path: &Path) -> bool {
    path.file_name()
        .and_then(temp_pid)
        .is_some_and(|pid| writer_gone(pid, path))
}

/// Removes the temporaries that killed runs left behind (as recorded in `temporaries/`)
/// and returns the paths removed. Entries of runs still going are left alone.
pub fn clean_recorded_temporaries() -> Vec<PathBuf> {
    let mut removed = Vec::new();
    let Some(base) = dir() else {
        return removed;
    };
    let Ok(entries) = fs::read_dir(base.join("temporaries")) else {
        return removed;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.split_once('-'))
            .and_then(|(p, _)| p.parse::<u32>().ok())
        else {
            continue;
        };
        if !writer_gone(pid, &e.path()) {
            continue;
        }
        let Ok(content) = fs::read(e.path()) else {
            continue;
        };
        let temp = bytes_path(&content);
        // Only a file of our own naming, written by that very process, is ever removed.
        let ours = temp.file_name().and_then(temp_pid) == Some(pid);
        if ours
            && fs::symlink_metadata(&temp).is_ok_and(|m| m.is_file())
            && fs::remove_file(&temp).is_ok()
        {
            removed.push(temp);
        }
        let _ = fs::remove_file(e.path());
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_round_trip() {
        let n = temp_name(std::ffi::OsStr::new("k.srk"), 7);
        assert_eq!(temp_pid(&n), Some(std::process::id()));
        assert_eq!(
            temp_pid(std::ffi::OsStr::new(".a.tmp-b.tmp-12-3")),
            Some(12)
        );
        for not_ours in ["a.tmp-1-2", ".a.tmp-x-2", ".a.tmp-1-", ".a.tmp-1", ".a"] {
            assert_eq!(temp_pid(std::ffi::OsStr::new(not_ours)), None, "{not_ours}");
        }
    }
}
