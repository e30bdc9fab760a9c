//! The command on a real (pseudo-)terminal, with a scripted person at the keyboard
//! (tests/fixtures/pty_session.py): the order of prompts, what is echoed, asking again, and
//! a keyring changed by someone else while a prompt waits.
#![cfg(unix)]

mod common;

use std::path::Path;
use std::process::Command;

use common::{TempDir, bin, python, repo, run_in};

const RELAXED: &str = "--unsafe-relaxed-policy";

/// One step of the scripted person.
enum Step<'a> {
    /// Wait for this text.
    Expect(&'a str),
    /// Type this.
    Send(&'a str),
    /// Run this shell command to completion (another process acting meanwhile).
    Run(&'a str),
}

/// Runs `args` on a pseudo-terminal in `dir`, playing `steps`; returns the transcript and
/// the exit status.
fn session(dir: &Path, args: &[&str], steps: &[Step<'_>]) -> (String, i32) {
    let steps: Vec<serde_json::Value> = steps
        .iter()
        .map(|s| match s {
            Step::Expect(t) => serde_json::json!({ "expect": t }),
            Step::Send(t) => serde_json::json!({ "send": t }),
            Step::Run(t) => serde_json::json!({ "run": t }),
        })
        .collect();
    let mut cmd = Command::new(python());
    cmd.current_dir(dir)
        .arg(repo().join("cli/tests/fixtures/pty_session.py"))
        .arg(serde_json::Value::Array(steps).to_string())
        .arg("--")
        .arg(bin())
        .args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("STRONGROOM_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("STRONGROOM_STATE_DIR", dir.join("state"));
    let o = cmd.output().expect("python3 runs");
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "the session did not go as scripted:\n{text}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let (transcript, last) = text
        .trim_end()
        .rsplit_once('\n')
        .expect("a transcript and an exit line");
    let code = last
        .strip_prefix("[exit ")
        .and_then(|s| s.strip_suffix(']'))
        .and_then(|s| s.parse().ok())
        .expect("an exit line");
    (transcript.to_string(), code)
}

fn keyring(d: &TempDir) -> String {
    let p = d.write("pw", "hunter2\n").to_string_lossy().into_owned();
    run_in(
        &d.0,
        &[
            "keyring",
            "create",
            "k.srk",
            "--password-file",
            &p,
            "--iterations",
            "1000",
            RELAXED,
        ],
        &[],
        b"",
    )
    .expect(0);
    p
}

#[test]
fn seal_asks_for_the_password_before_reading_a_typed_plaintext() {
    let d = TempDir::new("tty-seal");
    let p = keyring(&d);
    let (t, code) = session(
        &d.0,
        &["seal", "-k", "k.srk", "-o", "diary.srr", RELAXED],
        &[
            Step::Expect("Password for k.srk: "),
            Step::Send("hunter2\n"),
            Step::Expect("end it with Ctrl-D"),
            Step::Send("dear diary\n"),
            Step::Send("\u{4}"),
        ],
    );
    eprintln!("seal on a terminal:\n{t}\n[exit {code}]");
    assert_eq!(code, 0, "{t}");
    let prompt = t.find("Password for k.srk:").unwrap();
    let notice = t.find("reading the plaintext from the terminal").unwrap();
    assert!(prompt < notice, "the password first:\n{t}");
    assert!(!t.contains("hunter2"), "the password is not echoed:\n{t}");
    assert!(
        t.contains("dear diary"),
        "the plaintext is echoed as typed:\n{t}"
    );
    let out = run_in(
        &d.0,
        &[
            "open",
            "-k",
            "k.srk",
            "diary.srr",
            "--password-file",
            &p,
            RELAXED,
        ],
        &[],
        b"",
    )
    .expect(0);
    assert_eq!(out.stdout, b"dear diary\n");
}

#[test]
fn a_mismatched_new_password_is_asked_again() {
    let d = TempDir::new("tty-passwd");
    keyring(&d);
    let (t, code) = session(
        &d.0,
        &["keyring", "passwd", "k.srk", RELAXED],
        &[
            Step::Expect("Password for k.srk: "),
            Step::Send("hunter2\n"),
            Step::Expect("New password: "),
            Step::Send("first try\n"),
            Step::Expect("New password (again): "),
            Step::Send("first typo\n"),
            Step::Expect("do not match; try again"),
            Step::Expect("New password: "),
            Step::Send("second try\n"),
            Step::Expect("New password (again): "),
            Step::Send("second try\n"),
            Step::Expect("changed the password of slot 0"),
        ],
    );
    eprintln!("passwd on a terminal:\n{t}\n[exit {code}]");
    assert_eq!(code, 0, "{t}");
    assert_eq!(
        t.matches("Password for k.srk").count(),
        1,
        "asked once:\n{t}"
    );
    for secret in ["hunter2", "first try", "first typo", "second try"] {
        assert!(!t.contains(secret), "{secret} echoed:\n{t}");
    }
    let new = d.write("new", "second try\n");
    run_in(
        &d.0,
        &[
            "seal",
            "-k",
            "k.srk",
            "--text",
            "--password-file",
            new.to_str().unwrap(),
            RELAXED,
        ],
        &[],
        b"x",
    )
    .expect(0);
    // Three mismatches: give up, nothing changed.
    let before = std::fs::read(d.path("k.srk")).unwrap();
    let (t, code) = session(
        &d.0,
        &["keyring", "passwd", "k.srk", RELAXED],
        &[
            Step::Expect("Password for k.srk: "),
            Step::Send("second try\n"),
            Step::Expect("New password: "),
            Step::Send("a\n"),
            Step::Expect("(again): "),
            Step::Send("b\n"),
            Step::Expect("New password: "),
            Step::Send("a\n"),
            Step::Expect("(again): "),
            Step::Send("b\n"),
            Step::Expect("New password: "),
            Step::Send("a\n"),
            Step::Expect("(again): "),
            Step::Send("b\n"),
            Step::Expect("did not match 3 times"),
        ],
    );
    assert_eq!(code, 2, "{t}");
    assert_eq!(std::fs::read(d.path("k.srk")).unwrap(), before);
}

/// The comparison before writing, without relying on timing: another process changes the
/// keyring while this one waits at its prompt.
#[test]
fn a_keyring_changed_during_the_prompt_is_not_overwritten() {
    let d = TempDir::new("tty-conflict");
    let p = keyring(&d);
    let other = d.write("other", "other slot\n");
    let change = format!(
        "'{}' keyring add-password k.srk --label other --password-file '{p}' \
         --new-password-file '{}' --iterations 1000 {RELAXED} --quiet",
        bin(),
        other.display()
    );
    let (t, code) = session(
        &d.0,
        &["keyring", "passwd", "k.srk", "--password-file", &p, RELAXED],
        &[
            Step::Expect("New password: "),
            Step::Run(&change),
            Step::Send("replacement\n"),
            Step::Expect("New password (again): "),
            Step::Send("replacement\n"),
            Step::Expect("nothing written"),
        ],
    );
    eprintln!("passwd while another process changes the keyring:\n{t}\n[exit {code}]");
    assert_eq!(code, 5, "{t}");
    assert!(t.contains("changed by someone else"), "{t}");
    assert!(t.contains("generation 0 when read, 1 now"), "{t}");
    // The other change is there, this one is not: the old password still opens.
    let v: serde_json::Value = serde_json::from_slice(
        &run_in(&d.0, &["keyring", "info", "k.srk", "--json"], &[], b"")
            .expect(0)
            .stdout,
    )
    .unwrap();
    assert_eq!(v["generation"], 1);
    assert_eq!(v["slots"][1]["label"], "other");
    run_in(
        &d.0,
        &[
            "seal",
            "-k",
            "k.srk",
            "--text",
            "--slot",
            "0",
            "--password-file",
            &p,
            RELAXED,
        ],
        &[],
        b"x",
    )
    .expect(0);
    // Removed meanwhile: not recreated.
    let (t, code) = session(
        &d.0,
        &[
            "keyring",
            "passwd",
            "k.srk",
            "--password-file",
            &p,
            "--slot",
            "0",
            RELAXED,
        ],
        &[
            Step::Expect("New password: "),
            Step::Run("mv k.srk moved.srk"),
            Step::Send("replacement\n"),
            Step::Expect("New password (again): "),
            Step::Send("replacement\n"),
            Step::Expect("nothing written"),
        ],
    );
    assert_eq!(code, 5, "{t}");
    assert!(t.contains("(it was removed)"), "{t}");
    assert!(!d.path("k.srk").exists());
}

// SR-SK-2, SR-PIN-1: on a terminal, keyring create --secret-key asks for the password twice
// and then shows the secret key's code once; a rolled-back keyring is refused before any
// password prompt, and opening the current one asks for the password only (the secret key
// is the one this machine keeps).
#[test]
fn secret_key_shown_once_and_a_rollback_refused_before_the_prompt() {
    let d = TempDir::new("tty-secret-key");
    let (t, code) = session(
        &d.0,
        &[
            "keyring",
            "create",
            "k.srk",
            "--secret-key",
            "--iterations",
            "1000",
            RELAXED,
        ],
        &[
            Step::Expect("New password: "),
            Step::Send("hunter2\n"),
            Step::Expect("New password (again): "),
            Step::Send("hunter2\n"),
            Step::Expect("it is shown once"),
        ],
    );
    eprintln!("keyring create --secret-key on a terminal:\n{t}\n[exit {code}]");
    assert_eq!(code, 0, "{t}");
    assert_eq!(t.matches("SK1-").count(), 1, "{t}");
    assert!(!t.contains("hunter2"), "{t}");
    let old = std::fs::read(d.path("k.srk")).unwrap();
    let (t, code) = session(
        &d.0,
        &["keyring", "add-recovery", "k.srk", RELAXED],
        &[
            Step::Expect("Password for k.srk: "),
            Step::Send("hunter2\n"),
            Step::Expect("write it down now"),
        ],
    );
    assert_eq!(code, 0, "{t}");
    d.write("k.srk", &old);
    let (t, code) = session(&d.0, &["seal", "-k", "k.srk", "-o", "x.srr", RELAXED], &[]);
    eprintln!("seal of a rolled-back keyring on a terminal:\n{t}\n[exit {code}]");
    assert_eq!(code, 1, "{t}");
    assert!(
        t.contains("[history_violation/keyring_rollback]") && !t.contains("Password for"),
        "refused before any prompt:\n{t}"
    );
}
