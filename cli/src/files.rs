//! Reading inputs (file or standard input, bounded) and writing outputs atomically.

use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use strongroom::{Keyring, Malformed, SealedRecord};

use crate::fail::{CliError, CliResult, Doing, show};
use crate::state;

/// Where data comes from or goes to: a path, or `-` for the standard stream.
pub fn is_std(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Reads all of `path` (or standard input for `-`), refusing more than `limit` bytes so a
/// huge or endless input cannot exhaust memory. Past the limit the error is `too_big`: the
/// refusal SPEC.md gives for an object or plaintext of that size.
pub fn read_limited(
    path: &Path,
    limit: usize,
    what: &str,
    too_big: strongroom::Error,
) -> CliResult<Vec<u8>> {
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
        return Err(too_big).doing(|| format!("{}: more than {limit} bytes", doing()));
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
/// the text with one trailing line ending removed: a file ends its line as text files do, and
/// SR-TXT-5 lets a reader of files drop exactly that one LF or CR LF, nothing more (the text
/// decoder then refuses any other whitespace).
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

/// Largest keyring input: the text form of a 4096-byte keyring (5 + 5462 characters) plus a
/// line ending, rounded up.
pub const MAX_KEYRING_INPUT: usize = 8192;

/// Reads and strictly decodes a keyring file in either form.
pub fn read_keyring(path: &Path) -> CliResult<(Keyring, Form)> {
    read_keyring_bytes(path).map(|(k, f, _)| (k, f))
}

/// Reads and strictly decodes a keyring file, keeping the exact bytes read.
pub fn read_keyring_bytes(path: &Path) -> CliResult<(Keyring, Form, Vec<u8>)> {
    let bytes = read_limited(
        path,
        MAX_KEYRING_INPUT,
        "keyring",
        strongroom::Error::Malformed(Malformed::TooLarge),
    )?;
    let (keyring, form) = decode_keyring(&bytes)
        .doing(|| format!("decoding keyring {}", show(path)))
        .map_err(|e| {
            wrong_type_hint(
                e,
                "a sealed record, not a keyring: the keyring goes after -k",
            )
        })?;
    Ok((keyring, form, bytes))
}

/// Decodes a keyring in either form.
pub fn decode_keyring(bytes: &[u8]) -> strongroom::Result<(Keyring, Form)> {
    match as_text(bytes) {
        Some(text) => Ok((Keyring::from_text(text)?, Form::Text)),
        None => Ok((Keyring::from_bytes(bytes)?, Form::Binary)),
    }
}

/// Largest record input: the text form of the largest record plus a line ending.
pub const MAX_RECORD_INPUT: usize = 5 + (16_777_488usize).div_ceil(3) * 4 + 2;

/// Reads and strictly decodes a sealed record in either form.
#[allow(dead_code)]
pub fn read_record(path: &Path) -> CliResult<SealedRecord> {
    let bytes = read_limited(
        path,
        MAX_RECORD_INPUT,
        "record",
        strongroom::Error::Malformed(Malformed::TooLarge),
    )?;
    decode_record(path, bytes)
}

/// Strictly decodes the bytes of a sealed record read from `path`, in either form.
pub fn decode_record(path: &Path, bytes: Vec<u8>) -> CliResult<SealedRecord> {
    let doing = || format!("decoding record {}", show(path));
    match as_text(&bytes) {
        Some(text) => SealedRecord::from_text(text).doing(doing),
        None => SealedRecord::from_vec(bytes).doing(doing),
    }
    .map_err(|e| {
        wrong_type_hint(
            e,
            "a keyring, not a sealed record: the keyring goes after -k, the record is the \
             positional argument",
        )
    })
}

/// Names the mix-up when one kind of object was given where the other was expected.
fn wrong_type_hint(e: CliError, what_it_is: &str) -> CliError {
    match &e {
        CliError::Strongroom {
            err: strongroom::Error::Malformed(Malformed::WrongObjectType),
            ..
        } => e.with_hint(format!("this is {what_it_is}")),
        _ => e,
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

/// What an output may do to a file already at its path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existing {
    /// Fail: nothing is replaced without `--force`.
    Refuse,
    /// Replace it atomically.
    Replace,
}

impl Existing {
    /// `--force` given or not.
    pub fn from_force(force: bool) -> Self {
        if force {
            Existing::Replace
        } else {
            Existing::Refuse
        }
    }
}

/// Where a write to `path` lands: a symbolic link is followed (to its final target, which
/// need not exist yet), so that the file it points to is updated and the link stays.
pub fn resolve_links(path: &Path) -> io::Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = fs::read_link(&p)?;
                p = match p.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// A device, FIFO or socket at the destination (`-o /dev/stdout`, a named pipe) is written
/// to in place: there is no file to replace.
fn is_special(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

fn exists_message(path: &Path) -> CliError {
    CliError::usage(format!(
        "{} already exists; pass --force to replace it",
        show(path)
    ))
}

/// Fails before any expensive work if `path` exists and may not be replaced.
pub fn check_new_file(path: &Path, force: bool) -> CliResult<()> {
    if force || is_std(path) {
        return Ok(());
    }
    let target =
        resolve_links(path).map_err(|e| CliError::io(format!("resolving {}", show(path)), e))?;
    if fs::symlink_metadata(&target).is_ok() && !is_special(&target) {
        return Err(exists_message(path));
    }
    Ok(())
}

/// Fails if the output `path` is the keyring file in use, whatever the path says (a link,
/// `./k.srk`, a hard link): writing a record or plaintext there would destroy the keyring.
/// `--force` does not lift this.
pub fn check_not_keyring(path: &Path, keyring: &Path) -> CliResult<()> {
    if is_std(path) || is_std(keyring) {
        return Ok(());
    }
    let (Ok(out), Ok(key)) = (fs::metadata(path), fs::metadata(keyring)) else {
        return Ok(());
    };
    #[cfg(unix)]
    let same = {
        use std::os::unix::fs::MetadataExt;
        out.dev() == key.dev() && out.ino() == key.ino()
    };
    #[cfg(not(unix))]
    let same = {
        let _ = (out, key);
        matches!((fs::canonicalize(path), fs::canonicalize(keyring)), (Ok(a), Ok(b)) if a == b)
    };
    if same {
        return Err(CliError::usage(format!(
            "refusing to write the output over {}, the keyring in use (even with --force)",
            show(keyring)
        )));
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically, replacing any file there (reports and keyrings).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> CliResult<()> {
    write_file(path, bytes, Existing::Replace)
}

/// Writes `bytes` to `path` atomically: readers see the old file or the new one, never a
/// part, and a crash leaves no partial file under any name.
///
/// On Linux the data goes into an unnamed file in the destination's directory
/// (`O_TMPFILE`), is flushed to disk and only then linked into place: straight to the
/// destination when it is new, through a temporary name and a rename when it replaces a
/// file. Elsewhere, or where the file system lacks `O_TMPFILE`, the data goes into
/// `.NAME.tmp-PID-N` beside the destination, recorded in the state directory first so that
/// the next run removes it if this one is killed (see `state`). Symbolic links are followed
/// and the file they point to is replaced in its own directory. The file gets mode 0600
/// (less any umask bits), whatever the mode of a file it replaces.
pub fn write_file(path: &Path, bytes: &[u8], existing: Existing) -> CliResult<()> {
    write_file_with(path, existing, |w| {
        w.write_all(bytes)
            .map_err(|e| CliError::io(format!("writing {}", show(path)), e))
    })
}

/// As [`write_file`], with the data written by `fill` rather than given at once, so that an
/// output of any size goes to disk in constant memory. The file appears under its name only
/// after `fill` returned `Ok` and the data is on disk; if `fill` fails, nothing is left
/// behind (the unnamed file is dropped, the named temporary removed) and its error is
/// returned as it is. `fill` maps its own write errors.
pub fn write_file_with<T>(
    path: &Path,
    existing: Existing,
    fill: impl FnOnce(&mut dyn Write) -> CliResult<T>,
) -> CliResult<T> {
    let doing = || format!("writing {}", show(path));
    let target = resolve_links(path).map_err(|e| CliError::io(doing(), e))?;
    if is_special(&target) {
        let mut f = OpenOptions::new()
            .write(true)
            .open(&target)
            .map_err(|e| CliError::io(doing(), e))?;
        let t = fill(&mut f)?;
        f.flush().map_err(|e| CliError::io(doing(), e))?;
        return Ok(t);
    }
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .ok_or_else(|| CliError::usage(format!("{}: not a file name", show(path))))?;
    clean_stale_beside(&dir, name);
    let map = |e: io::Error| {
        if e.kind() == io::ErrorKind::AlreadyExists && existing == Existing::Refuse {
            exists_message(path)
        } else {
            CliError::io(doing(), e)
        }
    };
    #[cfg(target_os = "linux")]
    if !named_temporaries_forced()
        && let Some(mut file) = unnamed::create(&dir)
    {
        let t = fill(&mut file)?;
        file.sync_all().map_err(map)?;
        match unnamed::link(&file, &dir, name, existing) {
            Ok(()) => return Ok(t),
            Err(unnamed::Failure::Io(e)) => return Err(map(e)),
            // The data is written but cannot be linked (no /proc): copy it into a named
            // temporary instead.
            Err(unnamed::Failure::Unsupported) => {
                use std::io::Seek;
                file.seek(io::SeekFrom::Start(0)).map_err(map)?;
                write_named(&dir, name, existing, |w| {
                    io::copy(&mut file, w).map_err(|e| CliError::io(doing(), e))?;
                    Ok(())
                })?;
                return Ok(t);
            }
        }
    }
    write_named(&dir, name, existing, fill)
}

/// `$STRONGROOM_NO_TMPFILE` (non-empty, not `0`) skips `O_TMPFILE`: for a file system whose
/// support is broken, and for testing the portable path on Linux.
#[cfg(target_os = "linux")]
fn named_temporaries_forced() -> bool {
    std::env::var_os("STRONGROOM_NO_TMPFILE").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Flushes a directory entry change (a rename or link) to disk; best effort, as some
/// systems cannot open a directory for this.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// The portable path: a named temporary beside the destination, then rename (or, for a new
/// file, a hard link that fails if something appeared there meanwhile).
fn write_named<T>(
    dir: &Path,
    name: &OsStr,
    existing: Existing,
    fill: impl FnOnce(&mut dyn Write) -> CliResult<T>,
) -> CliResult<T> {
    let target = dir.join(name);
    let doing = || format!("writing {}", show(&target));
    let (tmp_path, mut file, entry) =
        create_temp(dir, name).map_err(|e| CliError::io(doing(), e))?;
    let filled = fill(&mut file);
    let result = filled.and_then(|t| {
        (|| -> io::Result<()> {
            file.sync_all()?;
            drop(file);
            match existing {
                Existing::Replace => fs::rename(&tmp_path, &target)?,
                Existing::Refuse => match fs::hard_link(&tmp_path, &target) {
                    Ok(()) => fs::remove_file(&tmp_path)?,
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(e),
                    // No hard links on this file system: check, then rename.
                    Err(_) => {
                        if fs::symlink_metadata(&target).is_ok() {
                            return Err(io::ErrorKind::AlreadyExists.into());
                        }
                        fs::rename(&tmp_path, &target)?;
                    }
                },
            }
            sync_dir(dir);
            Ok(())
        })()
        .map(|()| t)
        .map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists && existing == Existing::Refuse {
                exists_message(&target)
            } else {
                CliError::io(doing(), e)
            }
        })
    });
    if result.is_err() {
        let _ = fs::remove_file(&tmp_path);
    }
    drop(entry);
    result
}

fn create_temp(dir: &Path, name: &OsStr) -> io::Result<(PathBuf, File, state::TempEntry)> {
    let mut last = None;
    for attempt in 0..100u32 {
        let tmp = dir.join(state::temp_name(name, attempt));
        let entry = state::TempEntry::record(&tmp);
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        match opts.open(&tmp) {
            Ok(f) => return Ok((tmp, f, entry)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no temporary file name available")))
}

/// Removes `.NAME.tmp-PID-N` files beside the destination whose writer is gone (a run killed
/// before its rename), and says so. Catches what the state directory could not record.
fn clean_stale_beside(dir: &Path, name: &OsStr) {
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".tmp-");
    let Some(prefix) = prefix.to_str().map(str::to_owned) else {
        return;
    };
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let file_name = e.file_name();
        let ours = file_name.to_str().is_some_and(|n| n.starts_with(&prefix));
        let path = e.path();
        if ours
            && e.file_type().is_ok_and(|t| t.is_file())
            && state::abandoned(&path)
            && fs::remove_file(&path).is_ok()
        {
            note_removed(&path);
        }
    }
}

/// Tells the user about a temporary file that an interrupted run had left.
pub fn note_removed(path: &Path) {
    crate::note(&format!(
        "removed {}, a temporary file left by an interrupted strongroom run",
        show(path)
    ));
}

#[cfg(target_os = "linux")]
mod unnamed {
    use std::ffi::OsStr;
    use std::fs::File;
    use std::io;
    use std::os::fd::AsRawFd;
    use std::path::Path;

    use rustix::fs::{AtFlags, CWD, Mode, OFlags};
    use rustix::io::Errno;

    use super::Existing;
    use crate::state;

    pub enum Failure {
        /// No `O_TMPFILE` or no `/proc` here: take the portable path.
        Unsupported,
        Io(io::Error),
    }

    impl From<io::Error> for Failure {
        fn from(e: io::Error) -> Self {
            Failure::Io(e)
        }
    }

    impl From<Errno> for Failure {
        fn from(e: Errno) -> Self {
            Failure::Io(e.into())
        }
    }

    /// An unnamed file in `dir` (`O_TMPFILE`), or `None` where that is not available (old
    /// kernel, file system without support, or a real problem such as permissions, which
    /// the portable path then reports itself).
    pub fn create(dir: &Path) -> Option<File> {
        rustix::fs::openat(
            CWD,
            dir,
            OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        )
        .ok()
        .map(File::from)
    }

    /// Links the unnamed `file` (its data already on disk) into `dir` as `name`.
    pub fn link(file: &File, dir: &Path, name: &OsStr, existing: Existing) -> Result<(), Failure> {
        let dirfd = rustix::fs::openat(
            CWD,
            dir,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        // linkat(AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; the /proc link works for anyone.
        let proc_path = format!("/proc/self/fd/{}", file.as_raw_fd());
        let link = |to: &OsStr| {
            rustix::fs::linkat(CWD, proc_path.as_str(), &dirfd, to, AtFlags::SYMLINK_FOLLOW)
        };
        match link(name) {
            Ok(()) => {}
            Err(Errno::EXIST) if existing == Existing::Replace => {
                // A link cannot replace a file; a rename can. The complete file has a
                // temporary name only between these two calls, and is recorded meanwhile.
                let mut linked = None;
                for attempt in 0..100u32 {
                    let tmp = state::temp_name(name, attempt);
                    let entry = state::TempEntry::record(&dir.join(&tmp));
                    match link(&tmp) {
                        Ok(()) => {
                            linked = Some((tmp, entry));
                            break;
                        }
                        Err(Errno::EXIST) => continue,
                        Err(e) => return Err(e.into()),
                    }
                }
                let Some((tmp, entry)) = linked else {
                    return Err(io::Error::other("no temporary file name available").into());
                };
                if let Err(e) = rustix::fs::renameat(&dirfd, &tmp, &dirfd, name) {
                    let _ = rustix::fs::unlinkat(&dirfd, &tmp, AtFlags::empty());
                    return Err(e.into());
                }
                drop(entry);
            }
            Err(Errno::EXIST) => return Err(io::Error::from(io::ErrorKind::AlreadyExists).into()),
            // No /proc (a chroot or container without it), or a file system that refuses
            // the link: the portable path.
            Err(Errno::NOENT | Errno::PERM | Errno::XDEV | Errno::OPNOTSUPP) => {
                return Err(Failure::Unsupported);
            }
            Err(e) => return Err(e.into()),
        }
        let _ = rustix::fs::fsync(&dirfd);
        Ok(())
    }
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
pub fn write_output(path: &Path, bytes: &[u8], binary: bool, existing: Existing) -> CliResult<()> {
    write_output_with(path, binary, existing, |w| {
        w.write_all(bytes).map_err(|e| {
            CliError::io(
                if is_std(path) {
                    "writing standard output".to_string()
                } else {
                    format!("writing {}", show(path))
                },
                e,
            )
        })
    })
}

/// As [`write_output`], with the data written by `fill` in pieces: to standard output as it
/// comes (unbuffered: each write reaches the pipe or file at once), or to the file through
/// [`write_file_with`], which keeps it only if `fill` succeeds.
pub fn write_output_with<T>(
    path: &Path,
    binary: bool,
    existing: Existing,
    fill: impl FnOnce(&mut dyn Write) -> CliResult<T>,
) -> CliResult<T> {
    if !is_std(path) {
        return write_file_with(path, existing, fill);
    }
    let stdout = io::stdout();
    if binary && stdout.is_terminal() {
        return Err(CliError::usage(
            "refusing to write binary data to a terminal; use --text or -o FILE",
        ));
    }
    let doing = "writing standard output";
    // Our own handle on the descriptor: large writes go straight to it, not through the
    // line buffer of `Stdout`.
    #[cfg(unix)]
    let mut out = {
        use std::os::fd::AsFd;
        let mut lock = stdout.lock();
        lock.flush().map_err(|e| CliError::io(doing, e))?;
        File::from(
            lock.as_fd()
                .try_clone_to_owned()
                .map_err(|e| CliError::io(doing, e))?,
        )
    };
    #[cfg(not(unix))]
    let mut out = stdout.lock();
    let t = fill(&mut out)?;
    out.flush().map_err(|e| CliError::io(doing, e))?;
    Ok(t)
}

/// Opens an input: the file, or standard input for `-`.
pub fn open_input(path: &Path, what: &str) -> CliResult<Box<dyn Read>> {
    if is_std(path) {
        return Ok(Box::new(io::stdin().lock()));
    }
    File::open(path)
        .map(|f| Box::new(f) as Box<dyn Read>)
        .map_err(|e| CliError::io(format!("reading {what} {}", show(path)), e))
}

/// Length of the input at `path` when it is a regular file (for a progress line).
pub fn input_len(path: &Path) -> Option<u64> {
    if is_std(path) {
        return None;
    }
    fs::metadata(path)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len())
}

/// Reads into `buf` until it is full or the input ends; returns how many bytes were read.
pub fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}
