//! Reading inputs (file or standard input, bounded) and writing outputs atomically.

use std::fs::{self, File, OpenOptions};
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use strongroom::{Keyring, SealedRecord};

use crate::fail::{CliError, CliResult, Doing, show};

/// Where data comes from or goes to: a path, or `-` for the standard stream.
pub fn is_std(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Reads all of `path` (or standard input for `-`), refusing more than `limit` bytes so a
/// huge or endless input cannot exhaust memory.
pub fn read_limited(path: &Path, limit: usize, what: &str) -> CliResult<Vec<u8>> {
    let doing = || format!("reading {what} {}", show(path));
    let mut buf = Vec::new();
    let limit_plus_one = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let n = if is_std(path) {
        io::stdin()
            .lock()
            .take(limit_plus_one)
            .read_to_end(&mut buf)
    } else {
        File::open(path).and_then(|f| f.take(limit_plus_one).read_to_end(&mut buf))
    }
    .map_err(|e| CliError::io(doing(), e))?;
    if n > limit {
        return Err(CliError::usage(format!(
            "{}: larger than {limit} bytes, the most a {what} can be",
            doing()
        )));
    }
    Ok(buf)
}

/// Form in which an object was read, so that a changed keyring is written back the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// The binary CBOR encoding.
    Binary,
    /// The text form (`srk1.` / `srr1.` and base64url), one line.
    Text,
}

/// If `bytes` look like a text form (they start with a text prefix, or are printable ASCII),
/// the text with one trailing line ending removed.
pub fn as_text(bytes: &[u8]) -> Option<&str> {
    let s = std::str::from_utf8(bytes).ok()?;
    let trimmed = s
        .strip_suffix("\r\n")
        .or_else(|| s.strip_suffix('\n'))
        .unwrap_or(s);
    // Binary objects always start with a CBOR map head (0xa0..0xbf), which is not UTF-8
    // on its own, so anything that is valid UTF-8 and starts with a letter is meant as text.
    let first = trimmed.bytes().next()?;
    first.is_ascii_alphanumeric().then_some(trimmed)
}

/// Reads and strictly decodes a keyring file in either form.
pub fn read_keyring(path: &Path) -> CliResult<(Keyring, Form)> {
    // Text form of a 4096-byte keyring: 5 + 5462 characters, plus a line ending.
    let bytes = read_limited(path, 8192, "keyring")?;
    let doing = || format!("decoding keyring {}", show(path));
    match as_text(&bytes) {
        Some(text) => Ok((Keyring::from_text(text).doing(doing)?, Form::Text)),
        None => Ok((Keyring::from_bytes(&bytes).doing(doing)?, Form::Binary)),
    }
}

/// Largest record input: the text form of the largest record plus a line ending.
pub const MAX_RECORD_INPUT: usize = 5 + (16_777_488usize).div_ceil(3) * 4 + 2;

/// Reads and strictly decodes a sealed record in either form.
pub fn read_record(path: &Path) -> CliResult<SealedRecord> {
    let bytes = read_limited(path, MAX_RECORD_INPUT, "record")?;
    let doing = || format!("decoding record {}", show(path));
    match as_text(&bytes) {
        Some(text) => SealedRecord::from_text(text).doing(doing),
        None => SealedRecord::from_vec(bytes).doing(doing),
    }
}

/// The bytes to store for a keyring in the given form (text ends with a newline).
pub fn keyring_output(keyring: &Keyring, form: Form) -> Vec<u8> {
    match form {
        Form::Binary => keyring.as_bytes().to_vec(),
        Form::Text => {
            let mut t = keyring.to_text().into_bytes();
            t.push(b'\n');
            t
        }
    }
}

/// Fails before any expensive work if `path` exists and may not be replaced.
pub fn check_new_file(path: &Path, force: bool) -> CliResult<()> {
    if !force && !is_std(path) && fs::symlink_metadata(path).is_ok() {
        return Err(CliError::usage(format!(
            "{} already exists; pass --force to replace it",
            show(path)
        )));
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory is written,
/// flushed to disk (fsync) and then renamed over `path`, and the directory is synced. A
/// crash leaves either the old file or the new one, never a mixture; the old file stays in
/// place until the new one is on disk. New files get mode 0600; a replaced file keeps its
/// permissions.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> CliResult<()> {
    let doing = || format!("writing {}", show(path));
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| CliError::usage(format!("{}: not a file name", show(path))))?;
    let existing_perms = fs::metadata(path).ok().map(|m| m.permissions());
    let (tmp_path, mut file) = create_temp(&dir, name).map_err(|e| CliError::io(doing(), e))?;
    let result = (|| -> io::Result<()> {
        if let Some(perms) = existing_perms {
            file.set_permissions(perms)?;
        }
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp_path, path)?;
        // The rename itself is durable only once the directory entry is on disk.
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp_path);
    }
    result.map_err(|e| CliError::io(doing(), e))
}

fn create_temp(dir: &Path, name: &std::ffi::OsStr) -> io::Result<(PathBuf, File)> {
    let pid = std::process::id();
    let mut last = None;
    for attempt in 0..100u32 {
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".tmp-{pid}-{attempt}"));
        let tmp = dir.join(tmp_name);
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        match opts.open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no temporary file name available")))
}

/// Fails early (before any KDF work) if binary data would go to a terminal.
pub fn check_binary_output(path: &Path, binary: bool) -> CliResult<()> {
    if binary && is_std(path) && io::stdout().is_terminal() {
        return Err(CliError::usage(
            "refusing to write binary data to a terminal; use --text or -o FILE",
        ));
    }
    Ok(())
}

/// Writes an output: to standard output for `-` (refusing binary data on a terminal), else
/// atomically to the file.
pub fn write_output(path: &Path, bytes: &[u8], binary: bool) -> CliResult<()> {
    if is_std(path) {
        let mut out = io::stdout().lock();
        if binary && out.is_terminal() {
            return Err(CliError::usage(
                "refusing to write binary data to a terminal; use --text or -o FILE",
            ));
        }
        out.write_all(bytes)
            .and_then(|()| out.flush())
            .map_err(|e| CliError::io("writing standard output", e))
    } else {
        write_atomic(path, bytes)
    }
}
