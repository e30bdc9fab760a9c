//! Shell completions and manual pages, generated from the clap definitions: every shell's
//! script parses in that shell and completes every subcommand, and every page renders
//! without a groff warning and documents its command. A shell or groff that is not
//! installed is reported and skipped here; .ci/run installs them, and sets
//! STRONGROOM_REQUIRE_SHELLS=1 so that a missing one fails there.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{TempDir, run_in};

/// Every command path, as the user types it.
const COMMANDS: &[&[&str]] = &[
    &["keyring", "create"],
    &["keyring", "info"],
    &["keyring", "passwd"],
    &["keyring", "add-password"],
    &["keyring", "add-recovery"],
    &["keyring", "add-secret-key-slot"],
    &["keyring", "remove-slot"],
    &["keyring", "forget-pin"],
    &["seal"],
    &["open"],
    &["inspect"],
    &["vectors", "verify"],
    &["conformance"],
    &["adapter"],
    &["completions"],
    &["man"],
];

fn have(tool: &str) -> bool {
    let found = Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var_os("STRONGROOM_REQUIRE_SHELLS").is_none(),
            "{tool} is required (STRONGROOM_REQUIRE_SHELLS is set) but not installed"
        );
        eprintln!("completions: {tool} not installed, its check is skipped");
    }
    found
}

fn sh(tool: &str, args: &[&str]) -> (bool, String, String) {
    let o = Command::new(tool).args(args).output().unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn script(d: &TempDir, shell: &str) -> String {
    let r = run_in(&d.0, &["completions", shell], &[], b"").expect(0);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let text = r.out();
    for cmd in COMMANDS {
        for word in *cmd {
            assert!(text.contains(word), "{shell}: {word} missing");
        }
    }
    text
}

#[test]
fn bash_completes_every_subcommand() {
    let d = TempDir::new("bash");
    let text = script(&d, "bash");
    let path = d.write("strongroom.bash", &text);
    let path = path.to_str().unwrap();
    let (ok, _, err) = sh("bash", &["-n", path]);
    assert!(ok, "bash -n: {err}");
    // Load the script and ask it, as bash does on <Tab>.
    let complete = |line: &str| -> Vec<String> {
        let words: Vec<&str> = line.split(' ').collect();
        let program = format!(
            "source '{path}'; COMP_WORDS=({}); COMP_CWORD={}; COMP_LINE='{line}'; \
             COMP_POINT=${{#COMP_LINE}}; _strongroom strongroom '{}' '{}'; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            words
                .iter()
                .map(|w| format!("'{w}'"))
                .collect::<Vec<_>>()
                .join(" "),
            words.len() - 1,
            words[words.len() - 1],
            words[words.len().saturating_sub(2)],
        );
        let (ok, out, err) = sh("bash", &["-c", &program]);
        assert!(ok, "{line}: {err}");
        out.lines().map(String::from).collect()
    };
    let top = complete("strongroom ");
    for sub in [
        "keyring",
        "seal",
        "open",
        "inspect",
        "vectors",
        "conformance",
        "completions",
        "man",
    ] {
        assert!(top.contains(&sub.to_string()), "{sub} not offered: {top:?}");
    }
    let keyring = complete("strongroom keyring ");
    for sub in [
        "create",
        "info",
        "passwd",
        "add-password",
        "add-recovery",
        "add-secret-key-slot",
        "remove-slot",
        "forget-pin",
    ] {
        assert!(keyring.contains(&sub.to_string()), "{sub}: {keyring:?}");
    }
    let seal = complete("strongroom seal --");
    for opt in [
        "--keyring",
        "--output",
        "--force",
        "--json",
        "--password-file",
        "--quiet",
        "--secret-key-file",
        "--accept-generation-jump",
        "--max-unlock-work",
    ] {
        assert!(seal.contains(&opt.to_string()), "{opt}: {seal:?}");
    }
    let shells = complete("strongroom completions ");
    for shell in ["bash", "zsh", "fish"] {
        assert!(shells.contains(&shell.to_string()), "{shell}: {shells:?}");
    }
    eprintln!(
        "completions: bash script parses; <Tab> offers {} words after `strongroom `, {} after \
         `strongroom keyring `, every subcommand among them",
        top.len(),
        keyring.len()
    );
}

#[test]
fn zsh_script_parses() {
    let d = TempDir::new("zsh");
    let text = script(&d, "zsh");
    assert!(text.starts_with("#compdef strongroom"), "{}", &text[..40]);
    if !have("zsh") {
        return;
    }
    let path = d.write("_strongroom", &text);
    let (ok, _, err) = sh("zsh", &["-n", path.to_str().unwrap()]);
    assert!(ok, "zsh -n: {err}");
    // Loaded by compinit from a directory in $fpath, it defines the completion function.
    let program = format!(
        "fpath=('{}' $fpath); autoload -Uz compinit; compinit -u -d '{}'; \
         print -r -- ${{_comps[strongroom]}}",
        d.0.display(),
        d.path("zcompdump").display()
    );
    let (ok, out, err) = sh("zsh", &["-f", "-c", &program]);
    assert!(
        ok && out.trim() == "_strongroom",
        "zsh compinit: {out} {err}"
    );
    eprintln!("completions: zsh script parses and compinit binds _strongroom");
}

#[test]
fn fish_completes_every_subcommand() {
    let d = TempDir::new("fish");
    let text = script(&d, "fish");
    if !have("fish") {
        return;
    }
    let path = d.write("strongroom.fish", &text);
    let path = path.to_str().unwrap();
    let (ok, _, err) = sh("fish", &["-n", path]);
    assert!(ok, "fish -n: {err}");
    let complete = |line: &str| -> Vec<String> {
        let (ok, out, err) = sh(
            "fish",
            &[
                "--no-config",
                "-c",
                &format!("source '{path}'; complete -C '{line}'"),
            ],
        );
        assert!(ok, "{err}");
        out.lines()
            .map(|l| l.split('\t').next().unwrap_or("").to_string())
            .collect()
    };
    let top = complete("strongroom ");
    for sub in [
        "keyring",
        "seal",
        "open",
        "inspect",
        "vectors",
        "conformance",
        "completions",
        "man",
    ] {
        assert!(top.contains(&sub.to_string()), "{sub}: {top:?}");
    }
    let keyring = complete("strongroom keyring ");
    for sub in [
        "create",
        "info",
        "passwd",
        "add-password",
        "add-recovery",
        "add-secret-key-slot",
        "remove-slot",
        "forget-pin",
    ] {
        assert!(keyring.contains(&sub.to_string()), "{sub}: {keyring:?}");
    }
    eprintln!("completions: fish script parses; complete -C offers every subcommand");
}

fn groff_clean(page: &Path) {
    if !have("groff") {
        return;
    }
    let (ok, out, err) = sh(
        "groff",
        &["-man", "-Tutf8", "-ww", "-z", page.to_str().unwrap()],
    );
    assert!(
        ok && out.is_empty() && err.is_empty(),
        "{}: {err}",
        page.display()
    );
}

#[test]
fn man_pages_cover_every_command_and_render_cleanly() {
    let d = TempDir::new("man");
    let r = run_in(&d.0, &["man"], &[], b"").expect(0);
    let top = r.out();
    assert!(top.contains("\n.TH strongroom 1 "), "{}", &top[..200]);
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH OPTIONS",
        ".SH SUBCOMMANDS",
        ".SH \"EXIT STATUS\"",
        ".SH \"EXAMPLES\"",
    ] {
        assert!(top.contains(section), "{section} missing");
    }
    for status in 0..=5 {
        assert!(
            top.contains(&format!("\n  {status}  ")),
            "exit status {status} missing"
        );
    }
    groff_clean(&d.write("strongroom.1", &top));

    let dir = d.path("man1");
    let r = run_in(&d.0, &["man", "--out-dir", dir.to_str().unwrap()], &[], b"").expect(0);
    assert!(r.stderr.contains("wrote 25 manual pages"), "{}", r.stderr);
    let mut rendered = 0;
    for cmd in COMMANDS {
        let name = format!("strongroom-{}.1", cmd.join("-"));
        let page = dir.join(&name);
        let text = std::fs::read_to_string(&page).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            text.contains(".SH SYNOPSIS") && text.contains(".SH DESCRIPTION"),
            "{name}"
        );
        if !["adapter"].contains(&cmd[0]) {
            assert!(text.contains(".SH \"EXAMPLES\""), "{name} has no examples");
        }
        groff_clean(&page);
        rendered += 1;
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("strongroom.1")).unwrap(),
        top
    );
    eprintln!(
        "man pages: strongroom.1 and {rendered} command pages generated, each with SYNOPSIS and \
         DESCRIPTION, groff -ww silent"
    );
}
