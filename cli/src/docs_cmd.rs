//! `strongroom completions` and `strongroom man`: shell completions and manual pages
//! generated from the clap definitions, so they cannot drift from `--help`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use clap_complete::aot::{Shell, generate};

use crate::fail::{CliError, CliResult, show};

/// Help text of `completions`.
pub const COMPLETIONS_HELP: &str = "\
Examples (install for the current user):
  strongroom completions bash > ~/.local/share/bash-completion/completions/strongroom
  strongroom completions zsh > ~/.zfunc/_strongroom    # with fpath=(~/.zfunc $fpath) in .zshrc
  strongroom completions fish > ~/.config/fish/completions/strongroom.fish

The script goes to standard output; open a new shell to use it.";

/// Help text of `man`.
pub const MAN_HELP: &str = "\
Examples:
  strongroom man | man -l -                              # read it now
  strongroom man --out-dir ~/.local/share/man/man1      # install; then `man strongroom`

Without --out-dir, strongroom.1 goes to standard output. With it, one page per command
is written: strongroom.1, strongroom-keyring-create.1, strongroom-seal.1 and so on.";

/// Shells with completion scripts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ShellName {
    /// GNU Bash (bash-completion).
    Bash,
    /// Z shell.
    Zsh,
    /// fish.
    Fish,
}

/// `completions`.
#[derive(Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: ShellName,
}

/// `man`.
#[derive(Args)]
pub struct ManArgs {
    /// Write every page into DIR (created if missing) instead of strongroom.1 to standard
    /// output.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

/// Prints the completion script.
pub fn completions(a: CompletionsArgs) -> CliResult<()> {
    let shell = match a.shell {
        ShellName::Bash => Shell::Bash,
        ShellName::Zsh => Shell::Zsh,
        ShellName::Fish => Shell::Fish,
    };
    let mut cmd = crate::command();
    let mut out = Vec::new();
    generate(shell, &mut cmd, "strongroom", &mut out);
    write_stdout(&out)
}

/// Writes the manual pages.
pub fn man(a: ManArgs) -> CliResult<()> {
    let cmd = crate::command();
    match a.out_dir {
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut out)
                .map_err(|e| CliError::io("rendering the manual page", e))?;
            write_stdout(&out)
        }
        Some(dir) => {
            let doing = || format!("writing manual pages to {}", show(&dir));
            std::fs::create_dir_all(&dir).map_err(|e| CliError::io(doing(), e))?;
            clap_mangen::generate_to(cmd, &dir).map_err(|e| CliError::io(doing(), e))?;
            crate::note(&format!("wrote the manual pages to {}", show(&dir)));
            Ok(())
        }
    }
}

fn write_stdout(bytes: &[u8]) -> CliResult<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| CliError::io("writing standard output", e))
}
