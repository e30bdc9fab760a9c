//! What the command says and when: checks before prompts, one rule for secrets from files
//! and the environment, limits and hints, error style, --quiet, --json, escaped labels.

mod common;

use common::{TempDir, run_in};

const RELAXED: &str = "--unsafe-relaxed-policy";

fn setup(d: &TempDir, label: &str) -> String {
    let p = d.write("pw", "pw\n").to_string_lossy().into_owned();
    run_in(
        &d.0,
        &[
            "keyring",
            "create",
            "k.srk",
            "--label",
            label,
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
fn another_keyrings_record_is_refused_before_any_password() {
    let d = TempDir::new("wrong-keyring");
    let p = setup(&d, "a");
    run_in(
        &d.0,
        &[
            "keyring",
            "create",
            "other.srk",
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
    run_in(
        &d.0,
        &[
            "seal",
            "-k",
            "other.srk",
            "--record",
            "-o",
            "r.srr",
            "--password-file",
            &p,
            RELAXED,
        ],
        &[],
        b"x",
    )
    .expect(0);
    // No password source and no terminal: had the command asked, it would fail with exit 2
    // ("no terminal to ask for password on"). It answers from the header instead.
    let r = run_in(&d.0, &["open", "-k", "k.srk", "r.srr"], &[], b"").expect(1);
    assert!(r.stderr.contains("[wrong_keyring]"), "{}", r.stderr);
    assert!(
        r.stderr.contains("the record was sealed with keyring"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("no terminal"), "{}", r.stderr);
}

#[test]
fn secrets_from_files_and_the_environment_follow_one_first_line_rule() {
    let d = TempDir::new("first-line");
    let p = setup(&d, "a");
    let seal = |args: &[&str], env: &[(&str, &str)]| {
        let all = [&["seal", "-k", "k.srk", "--text", RELAXED][..], args].concat();
        run_in(&d.0, &all, env, b"x")
    };
    for (name, contents) in [
        ("lf", "pw\n"),
        ("crlf", "pw\r\n"),
        ("none", "pw"),
        ("more", "pw\nsecond line: a note\n"),
        ("more-crlf", "pw\r\nnote\r\n"),
    ] {
        let f = d.write(name, contents);
        seal(&["--password-file", f.to_str().unwrap()], &[]).expect(0);
        seal(&[], &[("STRONGROOM_PASSWORD", contents)]).expect(0);
    }
    // Whitespace is part of the password; an empty first line is an empty password.
    let f = d.write("spaces", " pw\n");
    seal(&["--password-file", f.to_str().unwrap()], &[]).expect(1);
    let f = d.write("blank", "\npw\n");
    let r = seal(&["--password-file", f.to_str().unwrap()], &[]).expect(1);
    assert!(
        r.stderr.contains("[invalid_input/empty_password]"),
        "{}",
        r.stderr
    );
    let r = seal(&[], &[("STRONGROOM_PASSWORD", "\npw")]).expect(1);
    assert!(
        r.stderr.contains("[invalid_input/empty_password]"),
        "{}",
        r.stderr
    );
    // The help says so, in the same words.
    let h = run_in(&d.0, &["seal", "--help"], &[], b"").expect(0).out();
    assert!(h.contains("first line"), "{h}");
    drop(p);
}

// SR-PWD-4: a password with a code point that Unicode 14.0 leaves unassigned is refused when it
// is first set, before any file is written, with the reason code and a hint.
#[test]
fn unassigned_code_points_are_refused_when_the_password_is_set() {
    let d = TempDir::new("unassigned");
    let r = run_in(
        &d.0,
        &[
            "keyring",
            "create",
            "k.srk",
            "--label",
            "a",
            "--iterations",
            "1000",
            RELAXED,
        ],
        &[("STRONGROOM_PASSWORD", "shaking \u{1FAE8} face")],
        b"",
    )
    .expect(1);
    assert!(
        r.stderr.contains("[invalid_input/unassigned_code_point]")
            && r.stderr.contains("Unicode 14.0"),
        "{}",
        r.stderr
    );
    assert!(!d.0.join("k.srk").exists());
}

#[test]
fn limits_carry_specs_class_and_exit_1() {
    let d = TempDir::new("limits");
    let p = setup(&d, "a");
    let big = d.write("big", vec![0u8; 16 * 1024 * 1024 + 1]);
    let r = run_in(
        &d.0,
        &[
            "seal",
            "-k",
            "k.srk",
            "--record",
            big.to_str().unwrap(),
            "-o",
            "big.srr",
            "--password-file",
            &p,
            RELAXED,
        ],
        &[],
        b"",
    )
    .expect(1);
    assert!(
        r.stderr.contains("[limit_exceeded/plaintext_too_large]"),
        "{}",
        r.stderr
    );
    assert!(!d.path("big.srr").exists());
    let huge = d.write("huge.srr", vec![b'A'; 23 * 1024 * 1024]);
    let r = run_in(
        &d.0,
        &[
            "open",
            "-k",
            "k.srk",
            huge.to_str().unwrap(),
            "--password-file",
            &p,
            RELAXED,
        ],
        &[],
        b"",
    )
    .expect(1);
    assert!(r.stderr.contains("[malformed/too_large]"), "{}", r.stderr);
    let r = run_in(&d.0, &["keyring", "info", "huge.srr"], &[], b"").expect(1);
    assert!(r.stderr.contains("[malformed/too_large]"), "{}", r.stderr);
}

#[test]
fn errors_keep_the_code_and_add_a_hint() {
    let d = TempDir::new("hints");
    let p = setup(&d, "a");
    run_in(
        &d.0,
        &[
            "seal",
            "-k",
            "k.srk",
            "--record",
            "-o",
            "r.srr",
            "--password-file",
            &p,
            RELAXED,
            "--context",
            "a",
        ],
        &[],
        b"x",
    )
    .expect(0);
    d.write("notes.png", b"\x89PNG\r\n\x1a\n");
    let open = |args: &[&str]| {
        let all = [&["open", "--password-file", &p, RELAXED][..], args].concat();
        run_in(&d.0, &all, &[], b"")
    };
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (
            vec!["-k", "k.srk", "notes.png"],
            "[malformed/",
            "not a Strongroom object, or a damaged one",
        ),
        (
            vec!["-k", "k.srk", "k.srk"],
            "[malformed/wrong_object_type]",
            "this is a keyring, not a sealed record",
        ),
        (
            vec!["-k", "r.srr", "r.srr"],
            "[malformed/wrong_object_type]",
            "this is a sealed record, not a keyring",
        ),
        (
            vec!["-k", "k.srk", "r.srr", "--context", "b"],
            "[record_authentication_failed]",
            "wrong --context",
        ),
    ];
    for (args, code, hint) in cases {
        let r = open(&args).expect(1);
        assert!(r.stderr.starts_with("strongroom: error: "), "{}", r.stderr);
        assert!(r.stderr.contains(code), "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(hint), "{args:?}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "one line: {}", r.stderr);
    }
    let r = run_in(
        &d.0,
        &["open", "-k", "k.srk", "r.srr", "--context", "a"],
        &[("STRONGROOM_PASSWORD", "wrong")],
        b"",
    );
    // The default policy refuses the 1000-iteration slot; the hint names the bounds.
    assert!(
        r.stderr.contains("[out_of_policy]") && r.stderr.contains("600,000"),
        "{}",
        r.stderr
    );
}

#[test]
fn every_error_starts_the_same_way() {
    let d = TempDir::new("style");
    for args in [
        &["--bogus"][..],
        &["seal"],
        &["keyring", "frobnicate"],
        &["inspect", "--type", "cake"],
    ] {
        let r = run_in(&d.0, args, &[], b"").expect(2);
        assert!(
            r.stderr.starts_with("strongroom: error: "),
            "{args:?}: {}",
            r.stderr
        );
        assert!(!r.stderr.contains("\nerror:"), "{}", r.stderr);
    }
    // Help and version are not errors.
    let r = run_in(&d.0, &["--version"], &[], b"").expect(0);
    assert!(r.out().starts_with("strongroom "), "{}", r.out());
    let top = run_in(&d.0, &["--help"], &[], b"").expect(0).out();
    for status in [
        "0  success",
        "1  Strongroom refused",
        "2  usage",
        "3  I/O",
        "4  nonconforming",
        "5  the keyring file was changed",
    ] {
        assert!(top.contains(status), "{status}: {top}");
    }
}

#[test]
fn quiet_and_json_reports() {
    let d = TempDir::new("json");
    let p = d.write("pw", "pw\n").to_string_lossy().into_owned();
    let p2 = d.write("pw2", "pw2\n").to_string_lossy().into_owned();
    let fast = ["--iterations", "1000", RELAXED];
    let json = |args: &[&str]| -> serde_json::Value {
        let r = run_in(&d.0, args, &[], b"plain").expect(0);
        assert!(
            !r.stderr.contains("strongroom: created") && !r.stderr.contains("strongroom: added"),
            "--json replaces the note: {}",
            r.stderr
        );
        serde_json::from_slice(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.out()))
    };
    let v = json(
        &[
            &[
                "keyring",
                "create",
                "k.srk",
                "--password-file",
                &p,
                "--json",
                "--label",
                "laptop",
            ][..],
            &fast,
        ]
        .concat(),
    );
    assert_eq!(v["command"], "keyring create");
    assert_eq!(v["keyring"], "k.srk");
    assert_eq!(v["generation"], 0);
    assert_eq!(v["slots"], 1);
    assert_eq!(v["slot"]["index"], 0);
    assert_eq!(v["slot"]["kind"], "password");
    assert_eq!(v["slot"]["label"], "laptop");
    assert_eq!(v["slot"]["kdf"]["iterations"], 1000);
    assert_eq!(v["id"].as_str().unwrap().len(), 32);
    assert_eq!(v["digest"].as_str().unwrap().len(), 64);
    let id = v["id"].clone();

    let v = json(
        &[
            &[
                "keyring",
                "add-password",
                "k.srk",
                "--password-file",
                &p,
                "--new-password-file",
                &p2,
                "--label",
                "phone",
                "--json",
            ][..],
            &fast,
        ]
        .concat(),
    );
    assert_eq!(
        (
            v["command"].as_str(),
            v["generation"].as_u64(),
            v["slots"].as_u64()
        ),
        (Some("keyring add-password"), Some(1), Some(2))
    );
    assert_eq!(v["slot"]["label"], "phone");
    assert_eq!(v["id"], id);

    let v = json(
        &[
            &[
                "keyring",
                "passwd",
                "k.srk",
                "--password-file",
                &p2,
                "--new-password-file",
                &p,
                "--json",
            ][..],
            &fast,
        ]
        .concat(),
    );
    assert_eq!(v["command"], "keyring passwd");
    assert_eq!(
        v["slot"]["index"], 1,
        "the slot that opened with the password"
    );
    assert_eq!(v["generation"], 2);

    let v = json(&[
        "keyring",
        "add-recovery",
        "k.srk",
        "--password-file",
        &p,
        "--json",
        RELAXED,
    ]);
    assert_eq!(v["command"], "keyring add-recovery");
    assert_eq!(v["slot"]["kind"], "recovery");
    let code = v["recovery_code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 69);
    let r = run_in(
        &d.0,
        &["seal", "-k", "k.srk", "--recovery", "--text"],
        &[("STRONGROOM_RECOVERY_CODE", &code)],
        b"x",
    );
    r.expect(0);

    let v = json(&[
        "keyring",
        "remove-slot",
        "k.srk",
        "0",
        "--password-file",
        &p,
        "--json",
        RELAXED,
    ]);
    assert_eq!(v["command"], "keyring remove-slot");
    assert_eq!(v["slot"]["index"], 0);
    assert_eq!(v["slot"]["label"], "laptop");
    assert_eq!(v["slot"]["removed"], true);
    assert_eq!(v["slots"], 2);
    assert_eq!(v["generation"], 4);

    let v = json(&[
        "seal",
        "-k",
        "k.srk",
        "--record",
        "-o",
        "r.srr",
        "--password-file",
        &p,
        "--json",
        RELAXED,
    ]);
    assert_eq!(v["command"], "seal");
    assert_eq!(v["output"], "r.srr");
    assert_eq!(v["form"], "binary");
    assert_eq!(v["plaintext_len"], 5);
    assert_eq!(v["size"], std::fs::metadata(d.path("r.srr")).unwrap().len());
    assert_eq!(v["keyring_id"], id);
    // Standard output carries the record: --json needs -o.
    let r = run_in(
        &d.0,
        &[
            "seal",
            "-k",
            "k.srk",
            "--text",
            "--json",
            "--password-file",
            &p,
            RELAXED,
        ],
        &[],
        b"x",
    )
    .expect(2);
    assert!(r.stderr.contains("--json needs -o FILE"), "{}", r.stderr);

    // --quiet: no notes, no warnings; errors still shown.
    let r = run_in(
        &d.0,
        &[
            "-q",
            "keyring",
            "create",
            "q.srk",
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
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let r = run_in(
        &d.0,
        &[
            "keyring",
            "add-recovery",
            "q.srk",
            "--password-file",
            &p,
            RELAXED,
            "--quiet",
        ],
        &[],
        b"",
    )
    .expect(0);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    assert_eq!(
        r.out().trim().len(),
        69,
        "the code itself is output, not a note"
    );
    let r = run_in(
        &d.0,
        &["--quiet", "keyring", "info", "missing.srk"],
        &[],
        b"",
    )
    .expect(3);
    assert!(r.stderr.starts_with("strongroom: error: "), "{}", r.stderr);
}

#[test]
fn labels_are_escaped_in_every_view() {
    let d = TempDir::new("labels");
    let evil = "inv\u{202e}fdp.exe\u{2028}line\u{1b}[2J\u{2066}x";
    let p = setup(&d, evil);
    let raw = ['\u{202e}', '\u{2028}', '\u{1b}', '\u{2066}'];
    let clean = |what: &str, s: &str| {
        for c in raw {
            assert!(!s.contains(c), "{what} prints {c:?} raw:\n{s}");
        }
    };
    for args in [
        &["inspect", "k.srk"][..],
        &["inspect", "k.srk", "--diag"],
        &["inspect", "k.srk", "--json"],
        &["keyring", "info", "k.srk"],
        &["keyring", "info", "k.srk", "--json"],
    ] {
        let r = run_in(&d.0, args, &[], b"").expect(0);
        clean(&format!("{args:?}"), &r.out());
        assert!(
            r.out().contains("202e"),
            "{args:?} shows the escape:\n{}",
            r.out()
        );
    }
    // The JSON still holds the label itself.
    let r = run_in(&d.0, &["inspect", "k.srk", "--json"], &[], b"").expect(0);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(v["slots"][0]["label"], evil);
    let r = run_in(
        &d.0,
        &[
            "keyring",
            "add-password",
            "k.srk",
            "--label",
            evil,
            "--password-file",
            &p,
            "--new-password-file",
            &p,
            "--iterations",
            "1000",
            RELAXED,
        ],
        &[],
        b"",
    )
    .expect(0);
    clean("the note of add-password", &r.stderr);
    let r = run_in(
        &d.0,
        &[
            "keyring",
            "remove-slot",
            "k.srk",
            "1",
            "--password-file",
            &p,
            RELAXED,
            "--json",
        ],
        &[],
        b"",
    )
    .expect(0);
    clean("remove-slot --json", &r.out());
}
