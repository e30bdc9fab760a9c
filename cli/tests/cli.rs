//! The `strongroom` command end to end: every subcommand through the real binary.
//!
//! KDF parameters are tiny and the policy relaxed (`--unsafe-relaxed-policy`), so the tests
//! run in milliseconds; one test checks that the default policy refuses such a keyring.

mod common;

use common::{TempDir, run_in};

const FAST: &[&str] = &["--iterations", "1000", "--unsafe-relaxed-policy"];
const RELAXED: &str = "--unsafe-relaxed-policy";

fn pw(dir: &TempDir, name: &str, password: &str) -> String {
    dir.write(name, format!("{password}\n"))
        .to_string_lossy()
        .into_owned()
}

fn create(dir: &TempDir, name: &str, password_file: &str, extra: &[&str]) {
    let mut args = vec!["keyring", "create", name, "--password-file", password_file];
    args.extend_from_slice(extra);
    let r = run_in(&dir.0, &args, &[], b"").expect(0);
    assert!(r.stderr.contains("created"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
}

#[test]
fn create_info_seal_open() {
    let d = TempDir::new("roundtrip");
    let p = pw(&d, "pw", "correct horse");
    create(
        &d,
        "k.srk",
        &p,
        &[&["--label", "laptop"][..], FAST].concat(),
    );
    let bytes = std::fs::read(d.path("k.srk")).unwrap();
    assert_eq!(bytes[0], 0xa6, "binary keyring: a CBOR map of six entries");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.path("k.srk"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // info: slots, KDF, generation, fingerprint; never the password.
    let info = run_in(&d.0, &["keyring", "info", "k.srk"], &[], b"")
        .expect(0)
        .out();
    for want in [
        "generation   0",
        "slots        1 of 8",
        "\"laptop\"",
        "1000 iterations",
        "digest       ",
    ] {
        assert!(info.contains(want), "{want} missing in:\n{info}");
    }
    assert!(!info.contains("correct horse"));
    let json = run_in(&d.0, &["keyring", "info", "k.srk", "--json"], &[], b"").expect(0);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["generation"], 0);
    assert_eq!(v["slots"][0]["kdf"]["iterations"], 1000);
    assert_eq!(v["slots"][0]["default_policy"], "out of policy");
    assert_eq!(v["id"].as_str().unwrap().len(), 32);

    // seal from stdin to text, from a file to binary; open both.
    let env = [("STRONGROOM_PASSWORD", "correct horse")];
    let ctx = ["--context", "user:alice|log|1"];
    let sealed = run_in(
        &d.0,
        &[&["seal", "-k", "k.srk", "--text", RELAXED][..], &ctx].concat(),
        &env,
        b"2026-11-28 alice logged in",
    )
    .expect(0);
    let text = sealed.out();
    assert!(text.starts_with("srr1.") && text.ends_with('\n'), "{text}");
    d.write("r.srr", &text);
    let opened = run_in(
        &d.0,
        &[&["open", "-k", "k.srk", "r.srr", RELAXED][..], &ctx].concat(),
        &env,
        b"",
    )
    .expect(0);
    assert_eq!(opened.stdout, b"2026-11-28 alice logged in");

    let plain = d.write("data.bin", [0u8, 1, 2, 255, 10, 13]);
    run_in(
        &d.0,
        &[
            "seal",
            "-k",
            "k.srk",
            "--record",
            plain.to_str().unwrap(),
            "-o",
            "data.srr",
            "--context-hex",
            "00ff",
            RELAXED,
        ],
        &env,
        b"",
    )
    .expect(0);
    let rec = std::fs::read(d.path("data.srr")).unwrap();
    assert_eq!(rec[0], 0xa7, "binary record: a CBOR map of seven entries");
    run_in(
        &d.0,
        &[
            "open",
            "-k",
            "k.srk",
            "data.srr",
            "-o",
            "out.bin",
            "--context-hex",
            "00ff",
            RELAXED,
        ],
        &env,
        b"",
    )
    .expect(0);
    assert_eq!(
        std::fs::read(d.path("out.bin")).unwrap(),
        [0u8, 1, 2, 255, 10, 13]
    );
    // A record read from stdin, text form.
    let piped = run_in(
        &d.0,
        &[&["open", "-k", "k.srk", RELAXED][..], &ctx].concat(),
        &env,
        text.as_bytes(),
    )
    .expect(0);
    assert_eq!(piped.stdout, b"2026-11-28 alice logged in");

    // Wrong context, wrong password: exit 1, class in brackets, nothing on stdout.
    let wrong = run_in(
        &d.0,
        &[
            "open",
            "-k",
            "k.srk",
            "r.srr",
            RELAXED,
            "--context",
            "user:mallory|log|1",
        ],
        &env,
        b"",
    )
    .expect(1);
    assert!(wrong.stdout.is_empty());
    assert_eq!(
        wrong.stderr,
        "strongroom: error: opening r.srr: record authentication failed \
         [record_authentication_failed] (wrong --context (it must be exactly the bytes given \
         to seal), or the record was changed or damaged)\n"
    );
    let bad_pw = run_in(
        &d.0,
        &[&["open", "-k", "k.srk", "r.srr", RELAXED][..], &ctx].concat(),
        &[("STRONGROOM_PASSWORD", "wrong")],
        b"",
    )
    .expect(1);
    assert!(bad_pw.stdout.is_empty());
    assert!(
        bad_pw.stderr.contains("[unlock_failed]"),
        "{}",
        bad_pw.stderr
    );
    // Without the relaxed policy the 1000-iteration slot is refused before any KDF runs.
    let strict = run_in(
        &d.0,
        &[&["open", "-k", "k.srk", "r.srr"][..], &ctx].concat(),
        &env,
        b"",
    )
    .expect(1);
    assert!(
        strict.stderr.contains("[out_of_policy]"),
        "{}",
        strict.stderr
    );
    // Not out.bin: a failed open writes nothing.
    run_in(
        &d.0,
        &[
            "open",
            "-k",
            "k.srk",
            "data.srr",
            "-o",
            "nothing.bin",
            RELAXED,
        ],
        &env,
        b"",
    )
    .expect(1);
    assert!(!d.path("nothing.bin").exists());
    assert!(
        d.list().iter().all(|n| !n.contains(".tmp-")),
        "{:?}",
        d.list()
    );
}

#[test]
fn argon2id_text_keyring_and_defaults() {
    let d = TempDir::new("argon");
    let p = pw(&d, "pw", "pässwörd");
    create(
        &d,
        "a.srk",
        &p,
        &[
            "--kdf",
            "argon2id",
            "--memory-kib",
            "64",
            "--time-cost",
            "1",
            "--parallelism",
            "2",
            "--text",
            RELAXED,
        ],
    );
    let text = std::fs::read_to_string(d.path("a.srk")).unwrap();
    assert!(text.starts_with("srk1.") && text.ends_with('\n'));
    let info = run_in(&d.0, &["keyring", "info", "a.srk"], &[], b"")
        .expect(0)
        .out();
    assert!(info.contains("Argon2id, 64 KiB, t=1, p=2"), "{info}");
    // The NFD spelling of the same password unlocks (SR-PWD-1).
    let nfd = "pa\u{308}sswo\u{308}rd";
    run_in(
        &d.0,
        &["seal", "-k", "a.srk", "--text", RELAXED],
        &[("STRONGROOM_PASSWORD", nfd)],
        b"x",
    )
    .expect(0);
    // Options that do not fit the KDF are usage errors (exit 2) before any prompt.
    let r = run_in(
        &d.0,
        &[
            "keyring",
            "create",
            "b.srk",
            "--kdf",
            "argon2id",
            "--iterations",
            "5",
        ],
        &[("STRONGROOM_PASSWORD", "x")],
        b"",
    )
    .expect(2);
    assert!(
        r.stderr.contains("--iterations needs --kdf pbkdf2"),
        "{}",
        r.stderr
    );
    // Unknown options: clap's usage error, exit 2.
    let r = run_in(
        &d.0,
        &["keyring", "create", "dflt.srk", "--json-does-not-exist"],
        &[],
        b"",
    )
    .expect(2);
    assert!(r.stderr.contains("unexpected argument"), "{}", r.stderr);
}

#[test]
fn default_parameters_are_the_spec_defaults() {
    let d = TempDir::new("defaults");
    run_in(
        &d.0,
        &["keyring", "create", "k.srk"],
        &[("STRONGROOM_PASSWORD", "a long enough passphrase")],
        b"",
    )
    .expect(0);
    let v: serde_json::Value = serde_json::from_slice(
        &run_in(&d.0, &["keyring", "info", "k.srk", "--json"], &[], b"")
            .expect(0)
            .stdout,
    )
    .unwrap();
    assert_eq!(v["slots"][0]["kdf"]["name"], "pbkdf2-hmac-sha256");
    assert_eq!(v["slots"][0]["kdf"]["iterations"], 600_000);
    assert_eq!(v["slots"][0]["default_policy"], "ok");
}

#[test]
fn passwd_changes_one_slot_and_keeps_records() {
    let d = TempDir::new("passwd");
    let old = pw(&d, "old", "old password");
    let new = pw(&d, "new", "new password");
    create(&d, "k.srk", &old, FAST);
    let rec = run_in(
        &d.0,
        &[
            "seal",
            "-k",
            "k.srk",
            "--text",
            "--password-file",
            &old,
            RELAXED,
        ],
        &[],
        b"kept",
    )
    .expect(0)
    .stdout;
    d.write("r.srr", &rec);
    let before = std::fs::read(d.path("k.srk")).unwrap();

    // A wrong current password changes nothing.
    let r = run_in(
        &d.0,
        &[
            "keyring",
            "passwd",
            "k.srk",
            "--password-file",
            &new,
            "--new-password-file",
            &new,
            RELAXED,
        ],
        &[],
        b"",
    )
    .expect(1);
    assert!(r.stderr.contains("[unlock_failed]"), "{}", r.stderr);
    assert_eq!(std::fs::read(d.path("k.srk")).unwrap(), before);

    let r = run_in(
        &d.0,
        &[
            "keyring",
            "passwd",
            "k.srk",
            "--password-file",
            &old,
            "--new-password-file",
            &new,
            RELAXED,
        ],
        &[],
        b"",
    )
    .expect(0);
    assert!(
        r.stderr.contains("changed the password of slot 0"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
    // SR-KDF-6: without KDF options the new slot gets the defaults for new slots, not the
    // parameters of the slot it replaces (1,000 iterations here).
    let info = run_in(&d.0, &["keyring", "info", "k.srk"], &[], b"")
        .expect(0)
        .out();
    assert!(
        info.contains("generation   1") && info.contains("600000 iterations"),
        "{info}"
    );
    // Old password refused, new one opens the old record.
    run_in(
        &d.0,
        &[
            "open",
            "-k",
            "k.srk",
            "r.srr",
            "--password-file",
            &old,
            RELAXED,
        ],
        &[],
        b"",
    )
    .expect(1);
    let out = run_in(
        &d.0,
        &[
            "open",
            "-k",
            "k.srk",
            "r.srr",
            "--password-file",
            &new,
            RELAXED,
        ],
        &[],
        b"",
    )
    .expect(0);
    assert_eq!(out.stdout, b"kept");
    // New KDF parameters on request; the environment variables work too. 2,000 iterations
    // are weaker than the slot's 600,000: refused unless allowed (SR-KDF-8).
    let env = [
        ("STRONGROOM_PASSWORD", "new password"),
        ("STRONGROOM_NEW_PASSWORD", "third"),
    ];
    let args = [
        "keyring",
        "passwd",
        "k.srk",
        "--iterations",
        "2000",
        RELAXED,
    ];
    let r = run_in(&d.0, &args, &env, b"").expect(1);
    assert!(
        r.stderr.contains("[invalid_input/weaker_kdf]"),
        "{}",
        r.stderr
    );
    run_in(
        &d.0,
        &[&args[..], &["--allow-weaker-kdf"]].concat(),
        &env,
        b"",
    )
    .expect(0);
    let info = run_in(&d.0, &["keyring", "info", "k.srk"], &[], b"")
        .expect(0)
        .out();
    assert!(
        info.contains("generation   2") && info.contains("2000 iterations"),
        "{info}"
    );
    assert!(
        d.list().iter().all(|n| !n.contains(".tmp-")),
        "{:?}",
        d.list()
    );
}

#[test]
fn recovery_slot_code_and_recovery_unlock() {
    let d = TempDir::new("recovery");
    let p = pw(&d, "pw", "pw one");
    create(&d, "k.srk", &p, FAST);
    let r = run_in(
        &d.0,
        &[
            "keyring",
            "add-recovery",
            "k.srk",
            "--label",
            "paper",
            "--password-file",
            &p,
            RELAXED,
        ],
        &[],
        b"",
    )
    .expect(0);
    let code = r.out().trim().to_string();
    assert_eq!(code.len(), 56 + 13, "{code}");
    assert_eq!(code.split('-').count(), 14);
    assert!(!r.stderr.contains(&code), "the code goes to stdout only");
    assert!(r.stderr.contains("shown once"), "{}", r.stderr);
    let info = run_in(&d.0, &["keyring", "info", "k.srk"], &[], b"")
        .expect(0)
        .out();
    assert!(info.contains("[1] recovery  \"paper\""), "{info}");
    assert!(!info.contains(&code));

    let rec = run_in(
        &d.0,
        &[
            "seal",
            "-k",
            "k.srk",
            "--text",
            "--password-file",
            &p,
            RELAXED,
        ],
        &[],
        b"hello",
    )
    .expect(0)
    .stdout;
    d.write("r.srr", &rec);
    // Open with the recovery code: from a file (typed sloppily), from the environment.
    let sloppy = d.write("code.txt", code.to_lowercase().replace('-', " "));
    let out = run_in(
        &d.0,
        &[
            "open",
            "-k",
            "k.srk",
            "r.srr",
            "--recovery-code-file",
            sloppy.to_str().unwrap(),
        ],
        &[],
        b"",
    )
    .expect(0);
    assert_eq!(out.stdout, b"hello");
    let out = run_in(
        &d.0,
        &["open", "-k", "k.srk", "r.srr", "--recovery"],
        &[("STRONGROOM_RECOVERY_CODE", &code)],
        b"",
    )
    .expect(0);
    assert_eq!(out.stdout, b"hello");
    // A typo is caught by the check symbols, before any slot is tried.
    let mut typo: Vec<char> = code.chars().collect();
    typo[0] = if typo[0] == 'A' { 'B' } else { 'A' };
    let typo: String = typo.into_iter().collect();
    let r = run_in(
        &d.0,
        &["open", "-k", "k.srk", "r.srr", "--recovery"],
        &[("STRONGROOM_RECOVERY_CODE", &typo)],
        b"",
    )
    .expect(1);
    assert!(
        r.stderr.contains("[invalid_input/recovery_code_check]")
            || r.stderr.contains("[invalid_input/recovery_code_format]"),
        "{}",
        r.stderr
    );
    // Forgot the password: reset slot 0 with the recovery code.
    let fresh = pw(&d, "fresh", "fresh password");
    run_in(
        &d.0,
        &[
            "keyring",
            "passwd",
            "k.srk",
            "--recovery",
            "--new-password-file",
            &fresh,
            RELAXED,
        ],
        &[("STRONGROOM_RECOVERY_CODE", &code)],
        b"",
    )
    .expect(0);
    let out = run_in(
        &d.0,
        &[
            "open",
            "-k",
            "k.srk",
            "r.srr",
            "--password-file",
            &fresh,
            RELAXED,
        ],
        &[],
        b"",
    )
    .expect(0);
    assert_eq!(out.stdout, b"hello");
}

#[test]
fn add_and_remove_slots() {
    let d = TempDir::new("slots");
    let p = pw(&d, "pw", "first");
    let p2 = pw(&d, "pw2", "second");
    create(&d, "k.srk", &p, FAST);
    // The last slot cannot be removed; an index past the end is refused; both cost no KDF.
    let r = run_in(
        &d.0,
        &[
            "keyring",
            "remove-slot",
            "k.srk",
            "0",
            "--password-file",
            &p,
            RELAXED,
        ],
        &[],
        b"",
    )
    .expect(1);
    assert!(
        r.stderr.contains("[invalid_input/last_slot]"),
        "{}",
        r.stderr
    );
    run_in(
        &d.0,
        &[
            "keyring",
            "add-password",
            "k.srk",
            "--label",
            "phone",
            "--password-file",
            &p,
            "--new-password-file",
            &p2,
            "--iterations",
            "1000",
            RELAXED,
        ],
        &[],
        b"",
    )
    .expect(0);
    let r = run_in(
        &d.0,
        &[
            "keyring",
            "remove-slot",
            "k.srk",
            "5",
            "--password-file",
            &p,
            RELAXED,
        ],
        &[],
        b"",
    )
    .expect(1);
    assert!(
        r.stderr.contains("[invalid_input/no_such_slot]"),
        "{}",
        r.stderr
    );
    // The second password unlocks; remove slot 0 with it; the first password is gone.
    run_in(
        &d.0,
        &[
            "keyring",
            "remove-slot",
            "k.srk",
            "0",
            "--password-file",
            &p2,
            RELAXED,
        ],
        &[],
        b"",
    )
    .expect(0);
    let info = run_in(&d.0, &["keyring", "info", "k.srk"], &[], b"")
        .expect(0)
        .out();
    assert!(
        info.contains("slots        1 of 8") && info.contains("\"phone\""),
        "{info}"
    );
    assert!(info.contains("generation   2"), "{info}");
    run_in(
        &d.0,
        &[
            "seal",
            "-k",
            "k.srk",
            "--text",
            "--password-file",
            &p,
            RELAXED,
        ],
        &[],
        b"x",
    )
    .expect(1);
    run_in(
        &d.0,
        &[
            "seal",
            "-k",
            "k.srk",
            "--text",
            "--password-file",
            &p2,
            RELAXED,
        ],
        &[],
        b"x",
    )
    .expect(0);
    // --slot names the slot to try; a recovery slot is the wrong kind for a password.
    run_in(
        &d.0,
        &[
            "keyring",
            "add-recovery",
            "k.srk",
            "--password-file",
            &p2,
            RELAXED,
        ],
        &[],
        b"",
    )
    .expect(0);
    let r = run_in(
        &d.0,
        &[
            "seal",
            "-k",
            "k.srk",
            "--text",
            "--slot",
            "1",
            "--password-file",
            &p2,
            RELAXED,
        ],
        &[],
        b"x",
    )
    .expect(1);
    assert!(
        r.stderr.contains("[invalid_input/wrong_slot_kind]"),
        "{}",
        r.stderr
    );
}

#[test]
fn inspect_objects_and_malformed_input() {
    let d = TempDir::new("inspect");
    let p = pw(&d, "pw", "pw");
    create(
        &d,
        "k.srk",
        &p,
        &[&["--label", "laptop"][..], FAST].concat(),
    );
    let rec = run_in(
        &d.0,
        &[
            "seal",
            "-k",
            "k.srk",
            "--record",
            "-o",
            "r.bin",
            "--password-file",
            &p,
            RELAXED,
        ],
        &[],
        b"12345",
    )
    .expect(0);
    assert!(rec.stdout.is_empty());

    let k = run_in(&d.0, &["inspect", "k.srk"], &[], b"")
        .expect(0)
        .out();
    assert!(k.starts_with("keyring (binary form, "), "{k}");
    assert!(k.contains("slot 0: password, label \"laptop\""), "{k}");
    let r = run_in(&d.0, &["inspect", "r.bin"], &[], b"")
        .expect(0)
        .out();
    assert!(r.contains("21 bytes (5 of plaintext, 16-byte tag)"), "{r}");
    // Diagnostic notation of the keyring, with field names.
    let diag = run_in(&d.0, &["inspect", "k.srk", "--diag"], &[], b"")
        .expect(0)
        .out();
    assert!(diag.starts_with("{\n  1: 1,"), "{diag}");
    assert!(diag.contains("2: \"laptop\",  / label /"), "{diag}");
    assert!(diag.contains("3: [1, 1000],"), "{diag}");
    // JSON, and text form from stdin.
    let v: serde_json::Value = serde_json::from_slice(
        &run_in(&d.0, &["inspect", "--json", "r.bin"], &[], b"")
            .expect(0)
            .stdout,
    )
    .unwrap();
    assert_eq!(v["object"], "record");
    assert_eq!(v["plaintext_len"], 5);
    let text = v.get("ciphertext").unwrap().as_str().unwrap().len();
    assert_eq!(text, 42);
    let ktext: serde_json::Value = serde_json::from_slice(
        &run_in(&d.0, &["inspect", "--json", "k.srk"], &[], b"")
            .expect(0)
            .stdout,
    )
    .unwrap();
    let srk = ktext["text"].as_str().unwrap().to_string();
    let again = run_in(&d.0, &["inspect", "--json"], &[], srk.as_bytes()).expect(0);
    let again: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["form"], "text");
    assert_eq!(again["hex"], ktext["hex"]);

    // Malformed input: exact class and reason, exit 1.
    let kbytes = std::fs::read(d.path("k.srk")).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated", kbytes[..50].to_vec(), "malformed/truncated"),
        (
            "trailing",
            [&kbytes[..], &[0u8]].concat(),
            "malformed/trailing_bytes",
        ),
        ("prefix", b"srx1.AAAA\n".to_vec(), "malformed/text_prefix"),
        (
            "b64",
            format!("{}=", srk).into_bytes(),
            "malformed/text_encoding",
        ),
        ("empty", Vec::new(), "malformed/truncated"),
    ];
    for (name, bytes, want) in cases {
        d.write(name, &bytes);
        let r = run_in(&d.0, &["inspect", name], &[], b"").expect(1);
        assert!(r.stdout.is_empty(), "{name}");
        assert!(
            r.stderr.contains(&format!("[{want}]")),
            "{name}: {}",
            r.stderr
        );
        assert_eq!(r.stderr.lines().count(), 1, "one line: {}", r.stderr);
        let j = run_in(&d.0, &["inspect", "--json", name], &[], b"").expect(1);
        let j: serde_json::Value = serde_json::from_slice(&j.stdout).unwrap();
        assert_eq!(j["valid"], false);
        let (class, reason) = want.split_once('/').unwrap();
        assert_eq!(
            (j["class"].as_str().unwrap(), j["reason"].as_str().unwrap()),
            (class, reason)
        );
    }
    // A record decoded as a keyring: the object type is checked first.
    let r = run_in(&d.0, &["inspect", "--type", "keyring", "r.bin"], &[], b"").expect(1);
    assert!(
        r.stderr.contains("[malformed/wrong_object_type]"),
        "{}",
        r.stderr
    );
}

#[test]
fn usage_and_io_errors_and_help() {
    let d = TempDir::new("usage");
    let p = pw(&d, "pw", "pw");
    // No terminal and no password source: exit 2 with a hint, no prompt, no hang.
    let r = run_in(
        &d.0,
        &[
            "keyring",
            "create",
            "k.srk",
            "--iterations",
            "1000",
            RELAXED,
        ],
        &[],
        b"",
    )
    .expect(2);
    assert!(
        r.stderr.contains("--password-file") && r.stderr.contains("STRONGROOM_PASSWORD"),
        "{}",
        r.stderr
    );
    assert!(!d.path("k.srk").exists());
    create(&d, "k.srk", &p, FAST);
    // Refuses to overwrite without --force (before asking for anything).
    let r = run_in(&d.0, &["keyring", "create", "k.srk"], &[], b"").expect(2);
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);
    create(&d, "k.srk", &p, &[&["--force"][..], FAST].concat());
    // Missing files: exit 3, one line, no Rust debug output.
    let r = run_in(&d.0, &["keyring", "info", "missing.srk"], &[], b"").expect(3);
    assert_eq!(
        r.stderr,
        "strongroom: error: reading keyring missing.srk: No such file or directory\n"
    );
    let r = run_in(
        &d.0,
        &[
            "seal",
            "-k",
            "k.srk",
            "nope.txt",
            "--password-file",
            &p,
            RELAXED,
        ],
        &[],
        b"",
    )
    .expect(3);
    assert!(!r.stderr.contains("Os {"), "{}", r.stderr);
    // Empty password: the library's class and reason.
    let e = d.write("empty", "\n");
    let r = run_in(
        &d.0,
        &[
            "keyring",
            "create",
            "e.srk",
            "--password-file",
            e.to_str().unwrap(),
            "--iterations",
            "1000",
            RELAXED,
        ],
        &[],
        b"",
    )
    .expect(1);
    assert!(
        r.stderr.contains("[invalid_input/empty_password]"),
        "{}",
        r.stderr
    );
    // Every subcommand's --help has examples; the top level documents exit codes.
    let top = run_in(&d.0, &["--help"], &[], b"").expect(0).out();
    assert!(
        top.contains("Exit status:") && top.contains("4  nonconforming"),
        "{top}"
    );
    for sub in [
        &["keyring", "create"][..],
        &["keyring", "info"],
        &["keyring", "passwd"],
        &["keyring", "add-password"],
        &["keyring", "add-recovery"],
        &["keyring", "remove-slot"],
        &["seal"],
        &["open"],
        &["inspect"],
        &["vectors", "verify"],
        &["conformance"],
        &["adapter"],
    ] {
        let h = run_in(&d.0, &[sub, &["--help"]].concat(), &[], b"")
            .expect(0)
            .out();
        assert!(
            h.contains("Example"),
            "{sub:?} --help has no examples:\n{h}"
        );
    }
}

#[test]
fn no_progress_line_when_piped() {
    // 600,000 iterations take long enough for the spinner's delay, but stderr is a pipe.
    let d = TempDir::new("progress");
    let r = run_in(
        &d.0,
        &["keyring", "create", "k.srk"],
        &[("STRONGROOM_PASSWORD", "a passphrase")],
        b"",
    )
    .expect(0);
    assert!(
        !r.stderr.contains('\r') && !r.stderr.contains('\x1b'),
        "{:?}",
        r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
}
