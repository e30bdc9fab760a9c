//! Issue 14 in the command: keyring pins (rollback, fork, replaced keyring, generation jump,
//! trust on first use, forget-pin), secret-key slots (create, unlock through a file, the
//! variable and the state directory, wrong and mistyped keys, add-secret-key-slot, passwd),
//! password changes that never weaken the KDF, the unlock work budget with the preferred slot,
//! and slots of kinds this version does not know.
//!
//! KDF parameters are tiny under `--unsafe-relaxed-policy`, so every run takes milliseconds.

mod common;

use std::path::{Path, PathBuf};

use common::{TempDir, run_in, state_dir};
use strongroom::{Keyring, Password, UnlockPolicy};

const RELAXED: &str = "--unsafe-relaxed-policy";
const FAST: &[&str] = &["--iterations", "1000", RELAXED];

fn pw(dir: &TempDir, name: &str, password: &str) -> String {
    dir.write(name, format!("{password}\n"))
        .to_string_lossy()
        .into_owned()
}

/// Runs with the test directory's own state directory.
fn run(d: &TempDir, args: &[&str]) -> common::Run {
    run_in(&d.0, args, &[], b"")
}

/// Runs with another state directory: another machine.
fn run_elsewhere(d: &TempDir, state: &str, args: &[&str]) -> common::Run {
    let s = d.path(state);
    run_in(
        &d.0,
        args,
        &[("STRONGROOM_STATE_DIR", s.to_str().unwrap())],
        b"",
    )
}

fn create(d: &TempDir, name: &str, password_file: &str, extra: &[&str]) -> String {
    let args = [
        &["keyring", "create", name, "--password-file", password_file][..],
        FAST,
        extra,
    ]
    .concat();
    run(d, &args).expect(0);
    keyring_id(&d.path(name))
}

fn keyring_id(path: &Path) -> String {
    let k = Keyring::from_bytes(&std::fs::read(path).unwrap()).unwrap();
    hex::encode(k.id())
}

fn info_json(d: &TempDir, name: &str) -> serde_json::Value {
    let r = run(d, &["keyring", "info", name, "--json"]).expect(0);
    serde_json::from_slice(&r.stdout).unwrap()
}

/// The pin file the command keeps for keyring `id` in the test's state directory.
fn pin_file(d: &TempDir, id: &str) -> PathBuf {
    state_dir(&d.0).join("keyrings").join(id).join("pin")
}

fn pin_json(d: &TempDir, id: &str) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(pin_file(d, id)).unwrap()).unwrap()
}

fn open_args<'a>(keyring: &'a str, password_file: &'a str) -> Vec<&'a str> {
    vec![
        "seal",
        "-k",
        keyring,
        "--text",
        "--password-file",
        password_file,
        RELAXED,
    ]
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

// SR-PIN-1: open, seal and the keyring commands refuse an older copy (rollback) before any
// password is asked or KDF run, say so with class, reason and a hint, and change nothing.
#[test]
fn rollback_is_refused_by_every_command() {
    let d = TempDir::new("rollback");
    let p = pw(&d, "pw", "pw");
    let id = create(&d, "k.srk", &p, &[]);
    let old = std::fs::read(d.path("k.srk")).unwrap();
    let rec = run(&d, &open_args("k.srk", &p)).expect(0).stdout;
    d.write("r.srr", &rec);
    run(
        &d,
        &[
            "keyring",
            "add-recovery",
            "k.srk",
            "--password-file",
            &p,
            RELAXED,
        ],
    )
    .expect(0);
    assert_eq!(pin_json(&d, &id)["generation"], 1);
    let current = std::fs::read(d.path("k.srk")).unwrap();
    d.write("k.srk", &old);
    // No password source at all: a prompt would fail with exit status 2, so exit status 1
    // shows the refusal came first.
    let commands: Vec<Vec<&str>> = vec![
        vec!["open", "-k", "k.srk", "r.srr", RELAXED],
        vec!["seal", "-k", "k.srk", "--text", RELAXED],
        vec!["keyring", "passwd", "k.srk", RELAXED],
        vec!["keyring", "add-password", "k.srk", RELAXED],
        vec!["keyring", "add-recovery", "k.srk", RELAXED],
        vec!["keyring", "add-secret-key-slot", "k.srk", RELAXED],
        vec!["keyring", "remove-slot", "k.srk", "0", RELAXED],
    ];
    for args in &commands {
        let r = run(&d, args).expect(1);
        assert!(
            r.stderr
                .contains("[history_violation/keyring_rollback] (k.srk is generation 0, older than generation 1"),
            "{args:?}: {}",
            r.stderr
        );
        assert!(
            r.stderr.contains("keyring forget-pin k.srk"),
            "{}",
            r.stderr
        );
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert!(r.stdout.is_empty());
        assert_eq!(std::fs::read(d.path("k.srk")).unwrap(), old, "{args:?}");
    }
    assert_eq!(
        pin_json(&d, &id)["generation"],
        1,
        "the pin never moves back"
    );
    // keyring info reports it and still shows the keyring.
    let info = run(&d, &["keyring", "info", "k.srk"]).expect(0).out();
    assert!(
        info.contains("pin          REFUSED [keyring_rollback]: generation 1 pinned"),
        "{info}"
    );
    assert_eq!(info_json(&d, "k.srk")["pin"]["state"], "refused");
    // The current copy is accepted again.
    d.write("k.srk", &current);
    run(&d, &open_args("k.srk", &p)).expect(0);
    let v = info_json(&d, "k.srk");
    assert_eq!(v["pin"]["state"], "current");

    // A user who restored the old copy on purpose forgets the pin: the next unlock trusts
    // what it finds, says so, and pins it.
    d.write("k.srk", &old);
    let r = run(&d, &["keyring", "forget-pin", "k.srk"]).expect(0);
    assert!(
        r.stderr
            .contains(&format!("forgot the pin of keyring {id} (generation 1)")),
        "{}",
        r.stderr
    );
    assert!(!pin_file(&d, &id).exists());
    let r = run(&d, &open_args("k.srk", &p)).expect(0);
    assert!(r.stderr.contains("first use of keyring"), "{}", r.stderr);
    assert_eq!(pin_json(&d, &id)["generation"], 0);
    let r = run(&d, &["keyring", "forget-pin", "--id", &id]).expect(0);
    assert!(r.stderr.contains("forgot the pin"), "{}", r.stderr);
    let r = run(&d, &["keyring", "forget-pin", "--id", &id]).expect(0);
    assert!(r.stderr.contains("no pin of keyring"), "{}", r.stderr);
}

// SR-PIN-1: a fork (another keyring of the pinned generation, made from an older copy on
// another machine) and a keyring put in the place of another are refused.
#[test]
fn fork_and_replaced_keyring_are_refused() {
    let d = TempDir::new("fork");
    let p = pw(&d, "pw", "pw");
    let id = create(&d, "k.srk", &p, &[]);
    let gen0 = std::fs::read(d.path("k.srk")).unwrap();
    // This machine removes nothing but adds a recovery slot: generation 1, pinned.
    run(
        &d,
        &[
            "keyring",
            "add-recovery",
            "k.srk",
            "--password-file",
            &p,
            RELAXED,
        ],
    )
    .expect(0);
    // Another machine, served generation 0, adds a password slot: another generation 1.
    d.write("other.srk", &gen0);
    run_elsewhere(
        &d,
        "elsewhere",
        &[
            "keyring",
            "add-password",
            "other.srk",
            "--password-file",
            &p,
            "--new-password-file",
            &p,
            "--iterations",
            "1000",
            RELAXED,
        ],
    )
    .expect(0);
    let fork = std::fs::read(d.path("other.srk")).unwrap();
    d.write("k.srk", &fork);
    for args in [
        open_args("k.srk", &p),
        vec![
            "keyring",
            "add-password",
            "k.srk",
            "--password-file",
            &p,
            RELAXED,
        ],
    ] {
        let r = run(&d, &args).expect(1);
        assert!(
            r.stderr.contains(
                "[history_violation/keyring_fork] (k.srk is generation 1, as pinned, but not the same keyring"
            ),
            "{}",
            r.stderr
        );
    }
    assert_eq!(pin_json(&d, &id)["generation"], 1);

    // Another keyring in the file this machine knows as keyring `id`.
    let _other = create(&d, "new.srk", &p, &[]);
    let replacement = std::fs::read(d.path("new.srk")).unwrap();
    d.write("k.srk", &replacement);
    let r = run(&d, &open_args("k.srk", &p)).expect(1);
    assert!(
        r.stderr.contains("[history_violation/keyring_replaced]")
            && r.stderr
                .contains(&format!("k.srk held keyring {id} (generation 1)"))
            && r.stderr.contains("another keyring was put in its place"),
        "{}",
        r.stderr
    );
    let info = run(&d, &["keyring", "info", "k.srk"]).expect(0).out();
    assert!(info.contains("REFUSED [keyring_replaced]"), "{info}");
    // Forgetting which keyring the file held lets it through.
    run(&d, &["keyring", "forget-pin", "k.srk"]).expect(0);
    run(&d, &open_args("k.srk", &p)).expect(0);
}

// SR-PIN-3: a generation more than 64 above the pin is refused unless confirmed with
// --accept-generation-jump; the pin then moves to it.
#[test]
fn generation_jump_needs_confirmation() {
    let d = TempDir::new("jump");
    let p = pw(&d, "pw", "pw");
    let id = create(&d, "k.srk", &p, &[]);
    let policy = UnlockPolicy::builder()
        .pbkdf2_iterations(1..=2_000_000)
        .build()
        .unwrap();
    let k = Keyring::from_bytes(&std::fs::read(d.path("k.srk")).unwrap()).unwrap();
    let mut u = k.unlock(&Password::new("pw").unwrap(), &policy).unwrap();
    for _ in 0..33 {
        u.add_recovery_slot("r").unwrap();
        u.remove_slot(1).unwrap();
    }
    assert_eq!(u.keyring().generation(), 66);
    d.write("k.srk", u.keyring().as_bytes());
    let r = run(&d, &open_args("k.srk", &p)).expect(1);
    assert!(
        r.stderr
            .contains("[history_violation/keyring_generation_jump]")
            && r.stderr
                .contains("k.srk is generation 66, 66 generations above generation 0")
            && r.stderr.contains("--accept-generation-jump"),
        "{}",
        r.stderr
    );
    let args = [&open_args("k.srk", &p)[..], &["--accept-generation-jump"]].concat();
    run(&d, &args).expect(0);
    assert_eq!(pin_json(&d, &id)["generation"], 66);
    run(&d, &open_args("k.srk", &p)).expect(0);
}

// SR-PIN-2: the pin follows the command's own writes and successful unlocks, and remembers
// the slot that opened, which the next unlock tries first; trust on first use is said once,
// and not with --quiet.
#[test]
fn pins_follow_changes_and_first_use_is_said_once() {
    let d = TempDir::new("follow");
    let p = pw(&d, "pw", "pw");
    let p2 = pw(&d, "pw2", "second");
    // Made on another machine: no pin here.
    let made = run_elsewhere(
        &d,
        "elsewhere",
        &[
            &["keyring", "create", "k.srk", "--password-file", &p][..],
            FAST,
        ]
        .concat(),
    )
    .expect(0);
    assert!(!made.stderr.contains("first use"), "{}", made.stderr);
    let id = keyring_id(&d.path("k.srk"));
    assert_eq!(info_json(&d, "k.srk")["pin"]["state"], "none");
    let quiet = [&open_args("k.srk", &p)[..], &["--quiet"]].concat();
    let r = run(&d, &quiet).expect(0);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    std::fs::remove_file(pin_file(&d, &id)).unwrap();
    let r = run(&d, &open_args("k.srk", &p)).expect(0);
    assert!(
        r.stderr.contains(&format!(
            "first use of keyring {id} on this machine: trusted as found and pinned at \
             generation 0"
        )),
        "{}",
        r.stderr
    );
    let r = run(&d, &open_args("k.srk", &p)).expect(0);
    assert!(r.stderr.is_empty(), "said once: {}", r.stderr);
    #[cfg(unix)]
    {
        assert_eq!(mode(&pin_file(&d, &id)), 0o600);
        assert_eq!(mode(&pin_file(&d, &id).with_file_name("lock")), 0o600);
        assert_eq!(mode(pin_file(&d, &id).parent().unwrap()), 0o700);
    }

    // A change moves the pin to the keyring written.
    run(
        &d,
        &[
            &[
                "keyring",
                "add-password",
                "k.srk",
                "--password-file",
                &p,
                "--new-password-file",
                &p2,
            ][..],
            FAST,
        ]
        .concat(),
    )
    .expect(0);
    let digest = info_json(&d, "k.srk")["digest"].clone();
    let pin = pin_json(&d, &id);
    assert_eq!(pin["generation"], 1);
    assert_eq!(pin["digest"], digest);
    let inspect = run(&d, &["inspect", "k.srk", "--json"]).expect(0);
    let slots: serde_json::Value = serde_json::from_slice(&inspect.stdout).unwrap();
    assert_eq!(pin["preferred"]["salt"], slots["slots"][0]["salt"]);
    // Opening with the second password: the pin now prefers slot 1.
    run(&d, &open_args("k.srk", &p2)).expect(0);
    let pin = pin_json(&d, &id);
    assert_eq!(pin["preferred"]["salt"], slots["slots"][1]["salt"]);
    assert_eq!(
        pin["preferred"]["commitment"],
        slots["slots"][1]["commitment"]
    );
    // passwd changes the slot that opened (UnlockedKeyring::slot_index), slot 1.
    let p3 = pw(&d, "pw3", "third");
    let r = run(
        &d,
        &[
            &[
                "keyring",
                "passwd",
                "k.srk",
                "--password-file",
                &p2,
                "--new-password-file",
                &p3,
            ][..],
            FAST,
        ]
        .concat(),
    )
    .expect(0);
    assert!(
        r.stderr.contains("changed the password of slot 1"),
        "{}",
        r.stderr
    );
    assert_eq!(pin_json(&d, &id)["generation"], 2);
    run(&d, &open_args("k.srk", &p3)).expect(0);
    run(&d, &open_args("k.srk", &p)).expect(0);
}

// SR-POL-7: the work budget is checked before any password is asked; the slot this machine
// opened last is tried first and alone counts against it.
#[test]
fn unlock_work_budget_and_the_preferred_slot() {
    let d = TempDir::new("work");
    let p = pw(&d, "pw", "pw");
    let p2 = pw(&d, "pw2", "second");
    create(&d, "k.srk", &p, &[]);
    run(
        &d,
        &[
            &[
                "keyring",
                "add-password",
                "k.srk",
                "--password-file",
                &p,
                "--new-password-file",
                &p2,
            ][..],
            FAST,
        ]
        .concat(),
    )
    .expect(0);
    // Two slots of 1,000 iterations each; a budget of 1,500. On another machine (no pin)
    // both would be tried: refused, with no password source, so before any prompt.
    let r = run_elsewhere(
        &d,
        "elsewhere",
        &[
            "seal",
            "-k",
            "k.srk",
            "--text",
            RELAXED,
            "--max-unlock-work",
            "1500",
        ],
    )
    .expect(1);
    assert!(
        r.stderr.contains("[limit_exceeded/unlock_work_exceeded]")
            && r.stderr.contains("--slot INDEX"),
        "{}",
        r.stderr
    );
    // Here the pin prefers slot 0 (opened last by add-password): 1,000 fits.
    let args = [&open_args("k.srk", &p)[..], &["--max-unlock-work", "1500"]].concat();
    run(&d, &args).expect(0);
    // The wrong password fails the preferred slot; the other slot would exceed what is left.
    let wrong = pw(&d, "wrong", "wrong");
    let args = [
        &open_args("k.srk", &wrong)[..],
        &["--max-unlock-work", "1500"],
    ]
    .concat();
    let r = run(&d, &args).expect(1);
    assert!(
        r.stderr.contains("[limit_exceeded/unlock_work_exceeded]"),
        "{}",
        r.stderr
    );
    // --slot tries one slot, which the budget does not limit.
    let args = [
        &open_args("k.srk", &p2)[..],
        &["--max-unlock-work", "1500", "--slot", "1"],
    ]
    .concat();
    run_elsewhere(&d, "elsewhere", &args).expect(0);
    let r = run(
        &d,
        &[&open_args("k.srk", &p)[..], &["--max-unlock-work", "0"]].concat(),
    )
    .expect(1);
    assert!(
        r.stderr.contains("[invalid_input/policy_invalid]"),
        "{}",
        r.stderr
    );
}

/// The SK1- code printed on standard error.
fn printed_code(stderr: &str) -> String {
    stderr
        .lines()
        .find(|l| l.starts_with("SK1-"))
        .unwrap_or_else(|| panic!("no code in {stderr}"))
        .to_string()
}

// SR-OP-19, SR-SK-2: keyring create --secret-key shows the code once, on standard error,
// keeps it in the state directory (mode 0600), and the slot opens with the password and
// that key from the state directory, a file or the variable, never with the password alone.
#[test]
fn secret_key_slots_create_and_unlock() {
    let d = TempDir::new("secret-key");
    let p = pw(&d, "pw", "pw");
    let r = run(
        &d,
        &[
            &[
                "keyring",
                "create",
                "k.srk",
                "--secret-key",
                "--label",
                "laptop",
                "--password-file",
                &p,
            ][..],
            FAST,
        ]
        .concat(),
    )
    .expect(0);
    assert!(r.stdout.is_empty());
    let code = printed_code(&r.stderr);
    assert_eq!(code.len(), 43);
    assert_eq!(r.stderr.matches("SK1-").count(), 1, "{}", r.stderr);
    let id = keyring_id(&d.path("k.srk"));
    let stored = state_dir(&d.0)
        .join("keyrings")
        .join(&id)
        .join("secret-key");
    assert_eq!(
        std::fs::read_to_string(&stored).unwrap(),
        format!("{code}\n")
    );
    #[cfg(unix)]
    assert_eq!(mode(&stored), 0o600);
    let info = run(&d, &["keyring", "info", "k.srk"]).expect(0).out();
    assert!(info.contains("[0] secret-key  \"laptop\""), "{info}");
    assert!(info.contains("secret key   kept on this machine"), "{info}");
    assert!(!info.contains(&code));
    let v = info_json(&d, "k.srk");
    assert_eq!(v["slots"][0]["kind"], "secret-key");
    let r = run(&d, &["inspect", "k.srk", "--json"]).expect(0);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(v["slots"][0]["kind"], "secret-key");
    assert_eq!(v["slots"][0]["kind_id"], 64);
    assert_eq!(v["slots"][0]["kdf"]["iterations"], 1000);
    let shown = run(&d, &["inspect", "k.srk"]).expect(0).out();
    assert!(
        shown.contains("slot 0: secret-key, label \"laptop\""),
        "{shown}"
    );

    // This machine: the key from the state directory.
    let rec = run(&d, &open_args("k.srk", &p)).expect(0).stdout;
    d.write("r.srr", &rec);
    // Another machine without the key: told how to give it, before any prompt.
    let open = |extra: &[&str], env: &[(&str, &str)]| {
        let s = d.path("elsewhere");
        let mut e = vec![("STRONGROOM_STATE_DIR", s.to_str().unwrap())];
        e.extend_from_slice(env);
        run_in(
            &d.0,
            &[
                &[
                    "open",
                    "-k",
                    "k.srk",
                    "r.srr",
                    "--password-file",
                    &p,
                    RELAXED,
                ][..],
                extra,
            ]
            .concat(),
            &e,
            b"",
        )
    };
    let r = open(&[], &[]).expect(2);
    assert!(
        r.stderr
            .contains("--secret-key-file FILE or $STRONGROOM_SECRET_KEY"),
        "{}",
        r.stderr
    );
    // From a file (first line, as for passwords), from the variable.
    let kit = d.write(
        "kit.txt",
        format!("{}\nemergency kit of alice\n", code.to_lowercase()),
    );
    let kit = kit.to_str().unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(kit, std::fs::Permissions::from_mode(0o644)).unwrap();
        let r = open(&["--secret-key-file", kit], &[]).expect(0);
        assert!(
            r.stderr
                .contains("other users may read it (mode 644): chmod 600 it"),
            "{}",
            r.stderr
        );
        std::fs::set_permissions(kit, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let r = open(&["--secret-key-file", kit], &[]).expect(0);
    assert_eq!(r.stdout, b"");
    assert!(!r.stderr.contains("other users"), "{}", r.stderr);
    open(&[], &[("STRONGROOM_SECRET_KEY", &code)]).expect(0);
    // The file comes before the variable.
    let other = "SK1-0000-0000-0000-0000-0000-0000-0000-0000";
    let r = open(
        &["--secret-key-file", kit],
        &[("STRONGROOM_SECRET_KEY", other)],
    );
    r.expect(0);
}

// SR-SK-1, SR-OP-20: a wrong secret key fails like a wrong password; a mistyped code or a
// file that holds no code fails before any KDF with its own reason.
#[test]
fn wrong_and_mistyped_secret_keys() {
    let d = TempDir::new("wrong-sk");
    let p = pw(&d, "pw", "pw");
    let r = run(
        &d,
        &[
            &[
                "keyring",
                "create",
                "k.srk",
                "--secret-key",
                "--no-store-secret-key",
                "--password-file",
                &p,
            ][..],
            FAST,
        ]
        .concat(),
    )
    .expect(0);
    let code = printed_code(&r.stderr);
    assert!(r.stderr.contains("stored nowhere"), "{}", r.stderr);
    let id = keyring_id(&d.path("k.srk"));
    assert!(
        !state_dir(&d.0)
            .join("keyrings")
            .join(&id)
            .join("secret-key")
            .exists()
    );
    let seal = |key: &str| {
        run_in(
            &d.0,
            &open_args("k.srk", &p),
            &[("STRONGROOM_SECRET_KEY", key)],
            b"x",
        )
    };
    seal(&code).expect(0);
    // Another valid key: the slot does not open.
    let k2 = strongroom::SecretKey::generate().unwrap();
    let r = seal(&k2.expose()).expect(1);
    assert!(
        r.stderr.contains("[unlock_failed]")
            && r.stderr
                .contains("the secret key from $STRONGROOM_SECRET_KEY"),
        "{}",
        r.stderr
    );
    // One symbol changed: the check catches it.
    let mut typo: Vec<char> = code.chars().collect();
    typo[10] = if typo[10] == 'A' { 'B' } else { 'A' };
    let typo: String = typo.into_iter().collect();
    let r = seal(&typo).expect(1);
    assert!(
        r.stderr.contains(
            "reading the secret key from $STRONGROOM_SECRET_KEY: invalid input: secret_key_check"
        ),
        "{}",
        r.stderr
    );
    let f = d.write("notakey.txt", "correct horse\n");
    let r = run_in(
        &d.0,
        &[
            &open_args("k.srk", &p)[..],
            &["--secret-key-file", f.to_str().unwrap()],
        ]
        .concat(),
        &[],
        b"x",
    )
    .expect(1);
    assert!(
        r.stderr.contains("[invalid_input/secret_key_format]"),
        "{}",
        r.stderr
    );
    // The right key with the wrong password.
    let wrong = pw(&d, "wrong", "wrong");
    let r = run_in(
        &d.0,
        &open_args("k.srk", &wrong),
        &[("STRONGROOM_SECRET_KEY", &code)],
        b"x",
    )
    .expect(1);
    assert!(r.stderr.contains("[unlock_failed]"), "{}", r.stderr);
}

// SR-OP-21: add-secret-key-slot uses the secret key this machine has, or makes one (shown
// once, kept); passwd of a secret-key slot keeps the key; the password slot still works.
#[test]
fn add_secret_key_slot_and_change_its_password() {
    let d = TempDir::new("add-sk");
    let p = pw(&d, "pw", "pw");
    let p2 = pw(&d, "pw2", "second");
    let id = create(&d, "k.srk", &p, &[]);
    let r = run(
        &d,
        &[
            &[
                "keyring",
                "add-secret-key-slot",
                "k.srk",
                "--label",
                "laptop",
                "--password-file",
                &p,
                "--new-password-file",
                &p2,
                "--json",
            ][..],
            FAST,
        ]
        .concat(),
    )
    .expect(0);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(v["slot"]["kind"], "secret-key");
    assert_eq!(v["slot"]["index"], 1);
    assert!(
        v["secret_key_stored"]
            .as_str()
            .unwrap()
            .ends_with("secret-key")
    );
    let code = printed_code(&r.stderr);
    assert!(!String::from_utf8_lossy(&r.stdout).contains(&code));
    // The second password opens slot 1 with the stored key; the first opens slot 0.
    run(&d, &open_args("k.srk", &p2)).expect(0);
    run(&d, &open_args("k.srk", &p)).expect(0);
    // A second secret-key slot reuses the key: nothing printed.
    let p3 = pw(&d, "pw3", "third");
    let r = run(
        &d,
        &[
            &[
                "keyring",
                "add-secret-key-slot",
                "k.srk",
                "--password-file",
                &p,
                "--new-password-file",
                &p3,
            ][..],
            FAST,
        ]
        .concat(),
    )
    .expect(0);
    assert!(
        !r.stderr.contains("SK1-") && r.stderr.contains("with the secret key you already have"),
        "{}",
        r.stderr
    );
    run(&d, &open_args("k.srk", &p3)).expect(0);
    // passwd of secret-key slot 1: a new slot with the same key replaces it.
    let p4 = pw(&d, "pw4", "fourth");
    let r = run(
        &d,
        &[
            &[
                "keyring",
                "passwd",
                "k.srk",
                "--slot",
                "1",
                "--password-file",
                &p2,
                "--new-password-file",
                &p4,
            ][..],
            FAST,
        ]
        .concat(),
    )
    .expect(0);
    assert!(
        r.stderr
            .contains("changed the password of secret-key slot 1 in k.srk: it is now slot 2"),
        "{}",
        r.stderr
    );
    let v = info_json(&d, "k.srk");
    assert_eq!(v["generation"], 4);
    assert_eq!(v["slots"][2]["label"], "laptop");
    assert_eq!(pin_json(&d, &id)["generation"], 4);
    run(&d, &open_args("k.srk", &p4)).expect(0);
    run(&d, &open_args("k.srk", &p2)).expect(1);
}

// SR-KDF-6, SR-KDF-8: passwd takes the KDF options given or the defaults for new slots,
// never the slot's own parameters, and refuses weaker ones before the new password is asked
// unless --allow-weaker-kdf.
#[test]
fn passwd_never_weakens_the_kdf() {
    let d = TempDir::new("weaker");
    let p = pw(&d, "pw", "pw");
    let p2 = pw(&d, "pw2", "second");
    run(
        &d,
        &[
            "keyring",
            "create",
            "k.srk",
            "--password-file",
            &p,
            "--kdf",
            "argon2id",
            "--memory-kib",
            "64",
            "--time-cost",
            "2",
            RELAXED,
        ],
    )
    .expect(0);
    // Without options: PBKDF2 600,000 would replace Argon2id: weaker. No new password source
    // is given, so the refusal comes before that prompt.
    let r = run(
        &d,
        &["keyring", "passwd", "k.srk", "--password-file", &p, RELAXED],
    )
    .expect(1);
    assert!(
        r.stderr.contains("[invalid_input/weaker_kdf]")
            && r.stderr.contains("--allow-weaker-kdf")
            && r.stderr
                .contains("weaker than slot 0's Argon2id, 64 KiB, t=2"),
        "{}",
        r.stderr
    );
    // Less memory: weaker; the same with more time: not weaker.
    let base = ["keyring", "passwd", "k.srk", "--password-file", &p, RELAXED];
    let less = [
        &base[..],
        &[
            "--kdf",
            "argon2id",
            "--memory-kib",
            "32",
            "--time-cost",
            "2",
        ],
    ]
    .concat();
    run(&d, &less).expect(1);
    let more = [
        &base[..],
        &[
            "--kdf",
            "argon2id",
            "--memory-kib",
            "64",
            "--time-cost",
            "3",
            "--new-password-file",
            &p2,
        ],
    ]
    .concat();
    run(&d, &more).expect(0);
    // Lowered knowingly.
    let base2 = [
        "keyring",
        "passwd",
        "k.srk",
        "--password-file",
        &p2,
        RELAXED,
    ];
    let lowered = [
        &base2[..],
        &[
            "--iterations",
            "1000",
            "--new-password-file",
            &p,
            "--allow-weaker-kdf",
        ],
    ]
    .concat();
    run(&d, &lowered).expect(0);
    let v = info_json(&d, "k.srk");
    assert_eq!(v["slots"][0]["kdf"]["iterations"], 1000);
    assert_eq!(v["generation"], 2);
    // PBKDF2 to the default 600,000: stronger, allowed, and the default.
    let p3 = pw(&d, "pw3", "third");
    run(
        &d,
        &[
            "keyring",
            "passwd",
            "k.srk",
            "--password-file",
            &p,
            "--new-password-file",
            &p3,
            RELAXED,
        ],
    )
    .expect(0);
    assert_eq!(
        info_json(&d, "k.srk")["slots"][0]["kdf"]["iterations"],
        600_000
    );
}

/// The keyring of a vector of vectors/hardening.json.
fn vector_keyring(id: &str) -> Vec<u8> {
    let path = common::repo().join("vectors/hardening.json");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let vector = v["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id)
        .unwrap();
    hex::decode(vector["inputs"]["keyring"].as_str().unwrap()).unwrap()
}

// SR-OBJ-7, SR-OP-18: a slot of a skippable kind this version does not know is shown as
// "unknown kind N" with its label, never tried (the password slot opens the keyring), kept
// through a change, and removable.
#[test]
fn unknown_slot_kinds_are_shown_kept_and_removable() {
    let d = TempDir::new("unknown-kind");
    let p = pw(&d, "pw", "correct horse battery staple");
    // hardening-040: kind 65535 labelled "newer" before the password slot "laptop".
    d.write("k.srk", vector_keyring("hardening-040"));
    let info = run(&d, &["keyring", "info", "k.srk"]).expect(0).out();
    assert!(
        info.contains("  [0] unknown kind 65535  \"newer\"  (from a newer version")
            && info.contains("  [1] password  \"laptop\""),
        "{info}"
    );
    let v = info_json(&d, "k.srk");
    assert_eq!(v["slots"][0]["kind"], "unknown");
    assert_eq!(v["slots"][0]["kind_value"], 65535);
    assert_eq!(v["slots"][0]["label"], "newer");
    let shown = run(&d, &["inspect", "k.srk"]).expect(0).out();
    assert!(
        shown.contains("slot 0: unknown kind 65535 (never tried, kept as it is), label \"newer\""),
        "{shown}"
    );
    let r = run(&d, &["inspect", "k.srk", "--json"]).expect(0);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(v["slots"][0]["kind"], "unknown");
    assert_eq!(v["slots"][0]["kind_id"], 65535);
    assert_eq!(v["slots"][1]["kind"], "password");
    let rec = run(&d, &open_args("k.srk", &p)).expect(0).stdout;
    d.write("r.srr", &rec);
    let unknown_slot = Keyring::from_bytes(&std::fs::read(d.path("k.srk")).unwrap())
        .unwrap()
        .slots()[0]
        .as_bytes()
        .to_vec();
    // A change keeps it byte for byte; --slot at it is the wrong kind.
    run(
        &d,
        &[
            "keyring",
            "add-recovery",
            "k.srk",
            "--password-file",
            &p,
            RELAXED,
        ],
    )
    .expect(0);
    let k = Keyring::from_bytes(&std::fs::read(d.path("k.srk")).unwrap()).unwrap();
    assert_eq!(k.slots()[0].as_bytes(), &unknown_slot[..]);
    let r = run(
        &d,
        &[
            "open",
            "-k",
            "k.srk",
            "r.srr",
            "--slot",
            "0",
            "--password-file",
            &p,
            RELAXED,
        ],
    )
    .expect(1);
    assert!(
        r.stderr.contains("[invalid_input/wrong_slot_kind]"),
        "{}",
        r.stderr
    );
    let r = run(
        &d,
        &[
            "keyring",
            "remove-slot",
            "k.srk",
            "0",
            "--password-file",
            &p,
            RELAXED,
            "--json",
        ],
    )
    .expect(0);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(v["slot"]["kind"], "unknown");
    assert_eq!(v["slot"]["removed"], true);
    let info = run(&d, &["keyring", "info", "k.srk"]).expect(0).out();
    assert!(!info.contains("unknown kind"), "{info}");
    let out = run(
        &d,
        &[
            "open",
            "-k",
            "k.srk",
            "r.srr",
            "--password-file",
            &p,
            RELAXED,
        ],
    )
    .expect(0);
    assert_eq!(out.stdout, b"");

    // hardening-037: kind 100 after the password slot (the same keyring id, so on a machine
    // that has not pinned a later generation of it).
    d.write("k2.srk", vector_keyring("hardening-037"));
    let info = run_elsewhere(&d, "elsewhere", &["keyring", "info", "k2.srk"])
        .expect(0)
        .out();
    assert!(
        info.contains("  [1] unknown kind 100  \"from a newer client\""),
        "{info}"
    );
    run_elsewhere(&d, "elsewhere", &open_args("k2.srk", &p)).expect(0);
}

// SR-PIN-2: a change written to standard output is not known to be stored anywhere, so the
// pin stays at the keyring read (the file, never replaced, still opens); an unlock with a
// recovery code keeps the slot to prefer.
#[test]
fn a_change_to_standard_output_pins_the_keyring_read() {
    let d = TempDir::new("stdout-change");
    let p = pw(&d, "pw", "pw");
    let id = create(&d, "k.srk", &p, &[]);
    let preferred = pin_json(&d, &id)["preferred"].clone();
    assert!(preferred.is_object(), "{preferred}");
    let bytes = std::fs::read(d.path("k.srk")).unwrap();
    let r = run_in(
        &d.0,
        &[
            "keyring",
            "add-recovery",
            "-",
            "--password-file",
            &p,
            RELAXED,
        ],
        &[],
        &bytes,
    )
    .expect(0);
    assert!(!r.stdout.is_empty());
    assert_eq!(pin_json(&d, &id)["generation"], 0);
    run(&d, &open_args("k.srk", &p)).expect(0);
    // The keyring with a recovery slot, written by this machine through a file this time.
    let r = run(
        &d,
        &[
            "keyring",
            "add-recovery",
            "k.srk",
            "--password-file",
            &p,
            RELAXED,
        ],
    )
    .expect(0);
    let code = r.out().trim().to_string();
    assert_eq!(pin_json(&d, &id)["generation"], 1);
    let code_file = d.write("code.txt", format!("{code}\n"));
    run(
        &d,
        &[
            "seal",
            "-k",
            "k.srk",
            "--text",
            "--recovery-code-file",
            code_file.to_str().unwrap(),
        ],
    )
    .expect(0);
    assert_eq!(pin_json(&d, &id)["preferred"], preferred);
}

// SR-OP-20: a keyring with a password slot and a secret-key slot, on a machine without the
// secret key: the password slot is tried, and a failure says the secret-key slots were not.
#[test]
fn without_the_secret_key_only_password_slots_are_tried() {
    let d = TempDir::new("no-sk");
    let p = pw(&d, "pw", "pw");
    let p2 = pw(&d, "pw2", "second");
    create(&d, "k.srk", &p, &[]);
    run(
        &d,
        &[
            &[
                "keyring",
                "add-secret-key-slot",
                "k.srk",
                "--password-file",
                &p,
                "--new-password-file",
                &p2,
            ][..],
            FAST,
        ]
        .concat(),
    )
    .expect(0);
    run_elsewhere(&d, "elsewhere", &open_args("k.srk", &p)).expect(0);
    let r = run_elsewhere(&d, "elsewhere", &open_args("k.srk", &p2)).expect(1);
    assert!(
        r.stderr.contains("[unlock_failed]")
            && r.stderr.contains("the secret-key slots were not tried"),
        "{}",
        r.stderr
    );
}
