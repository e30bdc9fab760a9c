//! `strongroom completions` and `strongroom man`: shell completions and manual pages
//! generated from the clap definitions, so they cannot drift from `--help`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use clap_complete::aot::{Shell, generate};

use crate::fail::{CliError, CliResult, show};

/// Help text of `completions`.
pub const COMPLETIONS_HELP: &str = "\
Examples:
  strongroom completions bash > ~/.local/share/bash-completion/completions/strongroom
  strongroom completions zsh > ~/.zfunc/_strongroom    # with fpath=(~/.zfunc $fpath) in .zshrc
  strongroom completions fish > ~/.config/fish/completions/strongroom.fish

The script goes to standard output; the examples install it for the current user. Open a
new shell to use it.";

/// Help text of `man`.
pub const MAN_HELP: &str = "\
Examples:
  strongroom man | man -l -                              # read it now
  strongroom man --out-dir ~/.local/share/man/man1      # install; then `man strongroom`

Without --out-dir, strongroom.1 goes to standard output. With it, one page per command
is written: strongroom.1, strongroom-keyring-create.1, strongroom-seal.1 and so on
(existing pages of those names are replaced).";

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
    let mut cmd = crate::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    collect_pages(&cmd, &mut pages).map_err(|e| CliError::io("rendering the manual pages", e))?;
    match a.out_dir {
        None => {
            let (_, top) = pages
                .pop()
                .ok_or_else(|| CliError::usage("no manual page to render"))?;
            write_stdout(&top)
        }
        Some(dir) => {
            let doing = || format!("writing manual pages to {}", show(&dir));
            std::fs::create_dir_all(&dir).map_err(|e| CliError::io(doing(), e))?;
            for (name, page) in &pages {
                std::fs::write(dir.join(name), page).map_err(|e| CliError::io(doing(), e))?;
            }
            crate::note(&format!(
                "wrote {} manual pages to {}",
                pages.len(),
                show(&dir)
            ));
            Ok(())
        }
    }
}

/// Pages of `cmd` and its subcommands, depth first, `cmd`'s own last.
fn collect_pages(cmd: &clap::Command, out: &mut Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect_pages(sub, out)?;
    }
    let man = clap_mangen::Man::new(cmd.clone());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut page)?;
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(&mut page)?;
    }
    if let Some(after) = cmd.get_after_help() {
        page.extend_from_slice(after_help_roff(&after.to_string()).as_bytes());
    }
    if cmd.get_version().is_some() {
        man.render_version_section(&mut page)?;
    }
    out.push((man.get_filename(), page));
    Ok(())
}

/// The text after `--help`'s options as man-page sections: a paragraph that starts with
/// "Exit status:" or "Examples" becomes that section, kept line by line (its columns
/// matter); the prose paragraphs go to NOTES, filled.
fn after_help_roff(text: &str) -> String {
    let mut exit = String::new();
    let mut examples = String::new();
    let mut notes = String::new();
    for para in text.split("\n\n") {
        let (first, rest) = para.split_once('\n').unwrap_or((para, ""));
        let verbatim = |body: &str| {
            let mut s = String::from(".PP\n.nf\n");
            for line in body.lines() {
                s.push_str(&roff_line(line));
                s.push('\n');
            }
            s.push_str(".fi\n");
            s
        };
        if first.starts_with("Exit status") {
            exit.push_str(&verbatim(rest));
        } else if first.starts_with("Examples") {
            if first != "Examples:" {
                examples.push_str(".PP\n");
                examples.push_str(&roff_line(first.trim_start_matches("Examples ")));
                examples.push('\n');
            }
            examples.push_str(&verbatim(rest));
        } else {
            notes.push_str(".PP\n");
            for line in para.lines() {
                notes.push_str(&roff_line(line));
                notes.push('\n');
            }
        }
    }
    let mut out = String::new();
    for (title, body) in [
        ("EXIT STATUS", exit),
        ("EXAMPLES", examples),
        ("NOTES", notes),
    ] {
        if !body.is_empty() {
            out.push_str(&format!(".SH \"{title}\"\n"));
            out.push_str(&body);
        }
    }
    out
}

/// One line of text for roff: backslashes and hyphens escaped, and a line that would read
/// as a request (leading `.` or `'`) guarded.
fn roff_line(line: &str) -> String {
    let escaped = line.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

fn write_stdout(bytes: &[u8]) -> CliResult<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| CliError::io("writing standard output", e))
}
