//! Getting passwords and recovery codes: from a file, an environment variable, or a prompt
//! without echo on the terminal. Nothing read here is ever printed.

use std::io::IsTerminal;
use std::path::Path;

use strongroom::{Password, RecoveryCode, SecretKey};
use zeroize::Zeroizing;

use crate::fail::{CliError, CliResult, Doing, show};

/// Environment variable read for the (current) password when no file is given.
pub const ENV_PASSWORD: &str = "STRONGROOM_PASSWORD";
/// Environment variable read for the new password (`passwd`, `add-password`).
pub const ENV_NEW_PASSWORD: &str = "STRONGROOM_NEW_PASSWORD";
/// Environment variable read for a recovery code.
pub const ENV_RECOVERY_CODE: &str = "STRONGROOM_RECOVERY_CODE";
/// Environment variable read for the secret key of a secret-key slot (its SK1- code).
pub const ENV_SECRET_KEY: &str = "STRONGROOM_SECRET_KEY";

/// Where one secret may come from, in order: the file, the environment variable, then a
/// prompt if standard error is a terminal.
pub struct Source<'a> {
    /// `--password-file` or similar.
    pub file: Option<&'a Path>,
    /// The environment variable to look at.
    pub env: &'static str,
    /// The prompt ("Password for keyring.srk").
    pub prompt: String,
    /// Ask twice on a terminal (new passwords).
    pub confirm: bool,
    /// The option that names the file, for the error message.
    pub file_option: &'static str,
}

/// How many times a new secret may be mistyped on a terminal before the command gives up.
const CONFIRM_ATTEMPTS: usize = 3;

/// The one rule for a secret read from a file or an environment variable: its first line,
/// that is everything before the first line feed, without a carriage return before it.
/// The rest is ignored, so a password manager's output (password first, notes after) or a
/// file written by `echo` works as is.
pub fn first_line(s: &str) -> &str {
    let line = s.split('\n').next().unwrap_or("");
    line.strip_suffix('\r').unwrap_or(line)
}

impl Source<'_> {
    /// Reads the secret as a string.
    fn read(&self) -> CliResult<Zeroizing<String>> {
        if let Some(path) = self.file {
            let bytes = Zeroizing::new(
                std::fs::read(path)
                    .map_err(|e| CliError::io(format!("reading {}", show(path)), e))?,
            );
            let s = std::str::from_utf8(&bytes)
                .map_err(|_| CliError::usage(format!("{}: not valid UTF-8 text", show(path))))?;
            return Ok(Zeroizing::new(first_line(s).to_string()));
        }
        if let Some(value) = std::env::var_os(self.env) {
            let value = Zeroizing::new(
                value
                    .into_string()
                    .map_err(|_| CliError::usage(format!("${} is not valid UTF-8", self.env)))?,
            );
            return Ok(Zeroizing::new(first_line(&value).to_string()));
        }
        if std::io::stderr().is_terminal() {
            if !self.confirm {
                return prompt(&format!("{}: ", self.prompt));
            }
            // A mistyped confirmation costs one more try, not the whole command (the
            // current password may already have been typed and checked).
            for attempt in 1..=CONFIRM_ATTEMPTS {
                let first = prompt(&format!("{}: ", self.prompt))?;
                let again = prompt(&format!("{} (again): ", self.prompt))?;
                if *first == *again {
                    return Ok(first);
                }
                if attempt < CONFIRM_ATTEMPTS {
                    say("the two entries do not match; try again");
                }
            }
            return Err(CliError::usage(format!(
                "the two entries did not match {CONFIRM_ATTEMPTS} times; nothing changed"
            )));
        }
        Err(CliError::usage(format!(
            "no terminal to ask for {} on: use {} FILE or set ${}",
            self.prompt.to_lowercase(),
            self.file_option,
            self.env
        )))
    }

    /// Reads and normalizes a password (SR-PWD-1, SR-PWD-2).
    pub fn password(&self) -> CliResult<Password> {
        let s = self.read()?;
        Password::new(&s).doing(|| "reading the password".to_string())
    }

    /// Reads and parses a recovery code (SR-REC-1).
    pub fn recovery_code(&self) -> CliResult<RecoveryCode> {
        let s = self.read()?;
        RecoveryCode::parse(s.trim()).doing(|| "reading the recovery code".to_string())
    }
}

/// A secret key and where it came from (for messages; never the key itself).
pub struct FoundSecretKey {
    /// The key.
    pub key: SecretKey,
    /// `--secret-key-file FILE`, `$STRONGROOM_SECRET_KEY` or the state directory's file.
    pub from: String,
}

/// The secret key for keyring `id`, from the first of: `file` (`--secret-key-file`), the
/// variable `$STRONGROOM_SECRET_KEY`, the state directory's `keyrings/ID/secret-key`; each
/// holds the SK1- code on its first line. None when none of them is there. A code that does
/// not parse fails (`secret_key_format`, `secret_key_check`), wherever it came from.
pub fn secret_key(file: Option<&Path>, id: &[u8; 16]) -> CliResult<Option<FoundSecretKey>> {
    let (text, from, read) = if let Some(path) = file {
        let bytes = Zeroizing::new(
            std::fs::read(path).map_err(|e| CliError::io(format!("reading {}", show(path)), e))?,
        );
        let s = std::str::from_utf8(&bytes)
            .map_err(|_| CliError::usage(format!("{}: not valid UTF-8 text", show(path))))?;
        (
            Zeroizing::new(first_line(s).to_string()),
            format!("--secret-key-file {}", show(path)),
            Some(path.to_path_buf()),
        )
    } else if let Some(value) = std::env::var_os(ENV_SECRET_KEY) {
        let value = Zeroizing::new(
            value
                .into_string()
                .map_err(|_| CliError::usage(format!("${ENV_SECRET_KEY} is not valid UTF-8")))?,
        );
        (
            Zeroizing::new(first_line(&value).to_string()),
            format!("${ENV_SECRET_KEY}"),
            None,
        )
    } else {
        let Some(path) = crate::state::keyring_file(id, "secret-key") else {
            return Ok(None);
        };
        let bytes = match std::fs::read(&path) {
            Ok(b) => Zeroizing::new(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(CliError::io(format!("reading {}", show(&path)), e)),
        };
        let s = std::str::from_utf8(&bytes)
            .map_err(|_| CliError::usage(format!("{}: not valid UTF-8 text", show(&path))))?;
        (
            Zeroizing::new(first_line(s).to_string()),
            show(&path),
            Some(path),
        )
    };
    if let Some(path) = &read {
        warn_if_readable_by_others(path);
    }
    let key =
        SecretKey::parse(text.trim()).doing(|| format!("reading the secret key from {from}"))?;
    Ok(Some(FoundSecretKey { key, from }))
}

/// Warns when a regular file holding a secret key may be read by other users.
#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(m) = std::fs::metadata(path)
        && m.is_file()
        && m.permissions().mode() & 0o077 != 0
    {
        crate::note(&format!(
            "warning: {} holds a secret key and other users may read it (mode {:o}): \
             chmod 600 it",
            show(path),
            m.permissions().mode() & 0o777
        ));
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

/// Keeps `key` as the secret key of keyring `id` in the state directory
/// (`keyrings/ID/secret-key`, mode 0600), never replacing one already there; returns the path.
pub fn store_secret_key(key: &SecretKey, id: &[u8; 16]) -> CliResult<std::path::PathBuf> {
    let dir = crate::state::keyring_dir(id)
        .map_err(|e| CliError::io("creating the state directory for the secret key", e))?;
    let path = dir.join("secret-key");
    let mut text = Zeroizing::new(key.expose().as_bytes().to_vec());
    text.push(b'\n');
    crate::files::write_file(&path, &text, crate::files::Existing::Refuse)?;
    Ok(path)
}

/// Shows a new secret key's code once, on standard error (even with --quiet: it is the one
/// time it is shown, SR-SK-2), never on standard output, which may carry a keyring or JSON.
pub fn show_secret_key(key: &SecretKey, stored: Option<&Path>) {
    let code = key.expose();
    let kept = match stored {
        Some(p) => format!(
            "This machine keeps it in {} (mode 0600); keep the code apart from the keyring, \
             in your emergency kit (on paper or offline).",
            show(p)
        ),
        None => "It is stored nowhere: write it down now, and give it with \
                 --secret-key-file FILE or $STRONGROOM_SECRET_KEY to unlock."
            .to_string(),
    };
    say(&format!(
        "the new secret key follows; it is shown once. Every unlock of a secret-key slot needs \
         it with the password. {kept}"
    ));
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{}", code.as_str());
}

/// Part of the conversation on the terminal (shown even with --quiet, like the prompts).
pub fn say(msg: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "strongroom: {msg}");
}

/// Asks on the terminal without echo (rpassword talks to /dev/tty, not to stdin, so piped
/// data on stdin is left alone).
fn prompt(text: &str) -> CliResult<Zeroizing<String>> {
    rpassword::prompt_password(text)
        .map(Zeroizing::new)
        .map_err(|e| CliError::io("reading from the terminal", e))
}
