//! Getting passwords and recovery codes: from a file, an environment variable, or a prompt
//! without echo on the terminal. Nothing read here is ever printed.

use std::io::IsTerminal;
use std::path::Path;

use strongroom::{Password, RecoveryCode};
use zeroize::Zeroizing;

use crate::fail::{CliError, CliResult, Doing, show};

/// Environment variable read for the (current) password when no file is given.
pub const ENV_PASSWORD: &str = "STRONGROOM_PASSWORD";
/// Environment variable read for the new password (`passwd`, `add-password`).
pub const ENV_NEW_PASSWORD: &str = "STRONGROOM_NEW_PASSWORD";
/// Environment variable read for a recovery code.
pub const ENV_RECOVERY_CODE: &str = "STRONGROOM_RECOVERY_CODE";

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
            // The file holds one line; its line ending is not part of the secret.
            let line = s
                .strip_suffix("\r\n")
                .or_else(|| s.strip_suffix('\n'))
                .unwrap_or(s);
            return Ok(Zeroizing::new(line.to_string()));
        }
        if let Some(value) = std::env::var_os(self.env) {
            let value = value
                .into_string()
                .map_err(|_| CliError::usage(format!("${} is not valid UTF-8", self.env)))?;
            return Ok(Zeroizing::new(value));
        }
        if std::io::stderr().is_terminal() {
            let first = prompt(&format!("{}: ", self.prompt))?;
            if self.confirm {
                let again = prompt(&format!("{} (again): ", self.prompt))?;
                if *first != *again {
                    return Err(CliError::usage("the two entries do not match"));
                }
            }
            return Ok(first);
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

/// Asks on the terminal without echo (rpassword talks to /dev/tty, not to stdin, so piped
/// data on stdin is left alone).
fn prompt(text: &str) -> CliResult<Zeroizing<String>> {
    rpassword::prompt_password(text)
        .map(Zeroizing::new)
        .map_err(|e| CliError::io("reading from the terminal", e))
}
