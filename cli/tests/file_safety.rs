//! Files the command changes: concurrent keyring updates, symbolic links, refusing to
//! overwrite, modes, the temporaries of killed runs and the state directory that tracks
//! them. Every test runs the real binary.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::{TempDir, bin, run_in};

const RELAXED: &str = "--unsafe-relaxed-policy";

fn pw(dir: &TempDir, name: &str, password: &str) -> String {
    dir.write(name, format!("{password}\n"))
        .to_string_lossy()
        .into_owned()
}

/// A keyring with one password slot ("base") and cheap KDF parameters.
fn keyring(dir: &TempDir, name: &str, password_file: &str) {
    run_in(
        &dir.0,
        &[
            "keyring",
            "create",
            name,
            "--label",
            "base",
            "--password-file",
            password_file,
            "--iterations",
            "1000",
            RELAXED,
        ],
        &[],
        b"",
    )
    .expect(0);
}

fn info(dir: &Path, keyring: &str) -> serde_json::Value {
    let r = run_in(dir, &["keyring", "info", keyring, "--json"], &[], b"").expect(0);
    serde_json::from_slice(&r.stdout).unwrap()
}

fn labels(v: &serde_json::Value) -> Vec<String> {
    v["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["label"].as_str().unwrap().to_string())
        .collect()
}

/// Whether `password_file` opens the keyring (a seal to standard output succeeds).
fn opens(dir: &Path, keyring: &str, password_file: &str) -> bool {
    let r = run_in(
        dir,
        &[
            "seal",
            "-k",
            keyring,
            "--text",
            "--password-file",
            password_file,
            RELAXED,
        ],
        &[],
        b"x",
    );
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    r.code == 0
}

/// Starts the binary without waiting (standard input closed, outputs piped).
fn spawn(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Child {
    let mut cmd = Command::new(bin());
    cmd.current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, _) in std::env::vars() {
        if k.starts_with("STRONGROOM_") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("the binary starts")
}

const WRITERS: usize = 8;
const ROUNDS: usize = 3;
/// Enough KDF work (two derivations per command) that the read-to-write windows of eight
/// processes on two cores overlap.
const WRITER_ITERATIONS: &str = "50000";

#[test]
fn concurrent_writers_lose_nothing() {
    let d = TempDir::new("concurrent");
    let state = d.path("state");
    let state = state.to_str().unwrap();
    let base = pw(&d, "base", "base password");
    let news: Vec<String> = (0..WRITERS)
        .map(|i| pw(&d, &format!("p{i}"), &format!("writer {i} password")))
        .collect();
    let mut figures = Vec::new();

    // add-password: every success's slot is there and opens; no failure left a trace.
    for round in 0..ROUNDS {
        let name = format!("add{round}.srk");
        keyring(&d, &name, &base);
        let children: Vec<Child> = (0..WRITERS)
            .map(|i| {
                let label = format!("w{i}");
                spawn(
                    &d.0,
                    &[
                        "keyring",
                        "add-password",
                        &name,
                        "--label",
                        &label,
                        "--password-file",
                        &base,
                        "--new-password-file",
                        &news[i],
                        "--iterations",
                        WRITER_ITERATIONS,
                        RELAXED,
                        "--json",
                    ],
                    &[("STRONGROOM_STATE_DIR", state)],
                )
            })
            .collect();
        let mut won = Vec::new();
        let mut conflicts = 0;
        for (i, c) in children.into_iter().enumerate() {
            let o = c.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&o.stderr);
            match o.status.code() {
                Some(0) => {
                    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
                    assert_eq!(v["slot"]["label"], format!("w{i}"), "{v}");
                    won.push(i);
                }
                Some(5) => {
                    assert!(o.stdout.is_empty());
                    assert!(
                        stderr.contains("changed by someone else")
                            && stderr.contains("nothing written"),
                        "{stderr}"
                    );
                    conflicts += 1;
                }
                other => panic!("writer {i}: exit {other:?}: {stderr}"),
            }
        }
        let v = info(&d.0, &name);
        let mut want = vec!["base".to_string()];
        want.extend(won.iter().map(|i| format!("w{i}")));
        let mut have = labels(&v);
        have.sort();
        want.sort();
        assert_eq!(
            have, want,
            "round {round}: the slots are exactly the successes'"
        );
        assert_eq!(v["generation"], won.len(), "one generation per success");
        for (i, new) in news.iter().enumerate() {
            assert_eq!(
                opens(&d.0, &name, new),
                won.contains(&i),
                "round {round}, writer {i}"
            );
        }
        figures.push(format!(
            "add-password round {round}: {WRITERS} writers, {} succeeded, {conflicts} refused \
             (exit 5), final generation {}",
            won.len(),
            v["generation"]
        ));
    }

    // passwd: exactly one change wins; the others fail with exit 5 (read before the
    // winner wrote) or 1 (read after it: the old password no longer opens).
    for round in 0..ROUNDS {
        let name = format!("pw{round}.srk");
        keyring(&d, &name, &base);
        let children: Vec<Child> = (0..WRITERS)
            .map(|i| {
                spawn(
                    &d.0,
                    &[
                        "keyring",
                        "passwd",
                        &name,
                        "--password-file",
                        &base,
                        "--new-password-file",
                        &news[i],
                        "--iterations",
                        WRITER_ITERATIONS,
                        RELAXED,
                    ],
                    &[("STRONGROOM_STATE_DIR", state)],
                )
            })
            .collect();
        let mut won = Vec::new();
        let (mut conflicts, mut unlock_failed) = (0, 0);
        for (i, c) in children.into_iter().enumerate() {
            let o = c.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&o.stderr);
            match o.status.code() {
                Some(0) => won.push(i),
                Some(5) => conflicts += 1,
                Some(1) if stderr.contains("[unlock_failed]") => unlock_failed += 1,
                other => panic!("writer {i}: exit {other:?}: {stderr}"),
            }
        }
        assert_eq!(
            won.len(),
            1,
            "round {round}: exactly one password change wins"
        );
        let v = info(&d.0, &name);
        assert_eq!(v["generation"], 1);
        assert!(!opens(&d.0, &name, &base));
        for (i, new) in news.iter().enumerate() {
            assert_eq!(opens(&d.0, &name, new), won.contains(&i), "writer {i}");
        }
        figures.push(format!(
            "passwd round {round}: {WRITERS} writers, 1 succeeded, {conflicts} refused (exit 5), \
             {unlock_failed} found the password already changed (exit 1)"
        ));
    }
    assert!(
        d.list().iter().all(|n| !n.contains(".tmp-")),
        "{:?}",
        d.list()
    );
    for f in figures {
        eprintln!("concurrent writers: {f}");
    }
}

#[cfg(unix)]
#[test]
fn a_symlinked_keyring_is_updated_where_it_lives() {
    use std::os::unix::fs::symlink;
    let d = TempDir::new("symlink");
    std::fs::create_dir(d.path("synced")).unwrap();
    let p = pw(&d, "pw", "first");
    let p2 = pw(&d, "pw2", "second");
    keyring(&d, "synced/k.srk", &p);
    symlink("synced/k.srk", d.path("k.srk")).unwrap();
    let abs = d.path("abs.srk");
    symlink(d.path("synced/k.srk"), &abs).unwrap();
    let fast = ["--iterations", "1000", RELAXED];
    let steps: Vec<Vec<&str>> = vec![
        [
            &[
                "keyring",
                "passwd",
                "k.srk",
                "--password-file",
                &p,
                "--new-password-file",
                &p2,
            ][..],
            &fast,
        ]
        .concat(),
        [
            &[
                "keyring",
                "add-password",
                "abs.srk",
                "--password-file",
                &p2,
                "--new-password-file",
                &p,
            ][..],
            &fast,
        ]
        .concat(),
        vec![
            "keyring",
            "add-recovery",
            "k.srk",
            "--password-file",
            &p2,
            RELAXED,
        ],
        vec![
            "keyring",
            "remove-slot",
            "abs.srk",
            "2",
            "--password-file",
            &p,
            RELAXED,
        ],
    ];
    for (n, args) in steps.iter().enumerate() {
        run_in(&d.0, args, &[], b"").expect(0);
        for link in ["k.srk", "abs.srk"] {
            assert!(
                std::fs::symlink_metadata(d.path(link))
                    .unwrap()
                    .file_type()
                    .is_symlink(),
                "{link} is still a link"
            );
        }
        assert_eq!(info(&d.0, "synced/k.srk")["generation"], n + 1);
    }
    assert!(opens(&d.0, "synced/k.srk", &p2));
    assert!(opens(&d.0, "synced/k.srk", &p));
    // No temporary in either directory.
    for dir in [d.0.clone(), d.path("synced")] {
        for e in std::fs::read_dir(dir).unwrap() {
            let n = e.unwrap().file_name().to_string_lossy().into_owned();
            assert!(!n.contains(".tmp-"), "{n}");
        }
    }
}

#[test]
fn outputs_never_replace_a_file_unasked_nor_the_keyring() {
    let d = TempDir::new("overwrite");
    let p = pw(&d, "pw", "pw");
    keyring(&d, "k.srk", &p);
    let keyring_bytes = std::fs::read(d.path("k.srk")).unwrap();
    d.write("taken", "precious");
    let seal = |out: &str, extra: &[&str]| {
        let args = [
            &[
                "seal",
                "-k",
                "k.srk",
                "-o",
                out,
                "--password-file",
                &p,
                RELAXED,
            ][..],
            extra,
        ]
        .concat();
        run_in(&d.0, &args, &[], b"plaintext")
    };
    // Refused before any password is read: no --password-file needed to see it.
    let r = run_in(&d.0, &["seal", "-k", "k.srk", "-o", "taken"], &[], b"x").expect(2);
    assert!(
        r.stderr.contains("taken already exists; pass --force"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(d.path("taken")).unwrap(), b"precious");
    seal("taken", &["--force"]).expect(0);
    assert_ne!(std::fs::read(d.path("taken")).unwrap(), b"precious");
    seal("r.srr", &[]).expect(0);
    // The keyring in use, under any name, even with --force.
    #[cfg(unix)]
    std::os::unix::fs::symlink("k.srk", d.path("alias.srk")).unwrap();
    std::fs::hard_link(d.path("k.srk"), d.path("hard.srk")).unwrap();
    for out in ["k.srk", "./k.srk", "hard.srk", "alias.srk"] {
        if !d.path(out).exists() {
            continue;
        }
        let r = seal(out, &["--force"]).expect(2);
        assert!(
            r.stderr.contains("the keyring in use"),
            "{out}: {}",
            r.stderr
        );
        let r = run_in(
            &d.0,
            &[
                "open",
                "-k",
                "k.srk",
                "r.srr",
                "-o",
                out,
                "--force",
                "--password-file",
                &p,
                RELAXED,
            ],
            &[],
            b"",
        )
        .expect(2);
        assert!(
            r.stderr.contains("the keyring in use"),
            "{out}: {}",
            r.stderr
        );
    }
    assert_eq!(std::fs::read(d.path("k.srk")).unwrap(), keyring_bytes);
    // open -o: the same rule.
    d.write("plain.txt", "older");
    let open = |extra: &[&str]| {
        let args = [
            &[
                "open",
                "-k",
                "k.srk",
                "r.srr",
                "-o",
                "plain.txt",
                "--password-file",
                &p,
                RELAXED,
            ][..],
            extra,
        ]
        .concat();
        run_in(&d.0, &args, &[], b"")
    };
    open(&[]).expect(2);
    assert_eq!(std::fs::read(d.path("plain.txt")).unwrap(), b"older");
    open(&["--force"]).expect(0);
    assert_eq!(std::fs::read(d.path("plain.txt")).unwrap(), b"plaintext");
    // A device is written to, not replaced (no --force needed for /dev/null).
    #[cfg(unix)]
    run_in(
        &d.0,
        &[
            "open",
            "-k",
            "k.srk",
            "r.srr",
            "-o",
            "/dev/null",
            "--password-file",
            &p,
            RELAXED,
        ],
        &[],
        b"",
    )
    .expect(0);
}

#[cfg(unix)]
#[test]
fn new_and_replaced_files_are_0600() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let d = TempDir::new("modes");
    let p = pw(&d, "pw", "pw");
    let p2 = pw(&d, "pw2", "pw2");
    let loose = |name: &str| {
        let path = d.write(name, "old contents");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        path
    };
    let k = loose("k.srk");
    run_in(
        &d.0,
        &[
            "keyring",
            "create",
            "k.srk",
            "--force",
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
    assert_eq!(mode(&k), 0o600, "create --force over a 0644 file");
    let r = loose("r.srr");
    run_in(
        &d.0,
        &[
            "seal",
            "-k",
            "k.srk",
            "-o",
            "r.srr",
            "--force",
            "--password-file",
            &p,
            RELAXED,
        ],
        &[],
        b"secret",
    )
    .expect(0);
    assert_eq!(mode(&r), 0o600, "seal -o --force over a 0644 file");
    let out = loose("out.txt");
    run_in(
        &d.0,
        &[
            "open",
            "-k",
            "k.srk",
            "r.srr",
            "-o",
            "out.txt",
            "--force",
            "--password-file",
            &p,
            RELAXED,
        ],
        &[],
        b"",
    )
    .expect(0);
    assert_eq!(std::fs::read(&out).unwrap(), b"secret");
    assert_eq!(mode(&out), 0o600, "open -o --force over a 0644 file");
    run_in(
        &d.0,
        &[
            "open",
            "-k",
            "k.srk",
            "r.srr",
            "-o",
            "new.txt",
            "--password-file",
            &p,
            RELAXED,
        ],
        &[],
        b"",
    )
    .expect(0);
    assert_eq!(mode(&d.path("new.txt")), 0o600, "a new plaintext output");
    // A keyring someone loosened is tightened by the next change.
    std::fs::set_permissions(&k, std::fs::Permissions::from_mode(0o644)).unwrap();
    run_in(
        &d.0,
        &[
            "keyring",
            "passwd",
            "k.srk",
            "--password-file",
            &p,
            "--new-password-file",
            &p2,
            RELAXED,
        ],
        &[],
        b"",
    )
    .expect(0);
    assert_eq!(mode(&k), 0o600, "passwd on a 0644 keyring");
}

/// A PID above the kernel's maximum (2^22 on Linux): never a running process.
const DEAD_PID: u32 = 4_194_400;

#[cfg(unix)]
#[test]
fn temporaries_of_killed_runs_are_removed_and_reported() {
    let d = TempDir::new("stale");
    let state = d.path("state");
    let p = pw(&d, "pw", "pw");
    keyring(&d, "k.srk", &p);
    let env = [("STRONGROOM_STATE_DIR", state.to_str().unwrap())];
    // 1. Recorded in the state directory: removed by the next run of any command.
    std::fs::create_dir_all(d.path("elsewhere")).unwrap();
    let stale = d.write(
        &format!("elsewhere/.out.txt.tmp-{DEAD_PID}-0"),
        "partial plaintext",
    );
    let entries = state.join("temporaries");
    std::fs::create_dir_all(&entries).unwrap();
    std::fs::write(
        entries.join(format!("{DEAD_PID}-0")),
        stale.to_str().unwrap(),
    )
    .unwrap();
    // An entry of a live writer (this test process) and its file are left alone.
    let live = d.write(
        &format!("elsewhere/.x.tmp-{}-0", std::process::id()),
        "being written",
    );
    std::fs::write(
        entries.join(format!("{}-0", std::process::id())),
        live.to_str().unwrap(),
    )
    .unwrap();
    // An entry naming a file that is not of our naming is dropped without touching it.
    let foreign = d.write("elsewhere/notes.txt", "mine");
    std::fs::write(
        entries.join(format!("{DEAD_PID}-1")),
        foreign.to_str().unwrap(),
    )
    .unwrap();
    let r = run_in(&d.0, &["keyring", "info", "k.srk"], &env, b"").expect(0);
    assert!(!stale.exists());
    assert!(
        r.stderr.contains("removed") && r.stderr.contains(".out.txt.tmp-4194400-0"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("left by an interrupted strongroom run"),
        "{}",
        r.stderr
    );
    assert!(live.exists() && foreign.exists());
    assert!(!entries.join(format!("{DEAD_PID}-0")).exists());
    assert!(!entries.join(format!("{DEAD_PID}-1")).exists());
    assert!(entries.join(format!("{}-0", std::process::id())).exists());

    // 2. Not recorded (no usable state directory): found beside the destination on the
    // next write to it.
    let beside = d.write(&format!(".r.srr.tmp-{DEAD_PID}-3"), "partial");
    let other_dest = d.write(&format!(".other.tmp-{DEAD_PID}-3"), "another file's");
    let r = run_in(
        &d.0,
        &[
            "seal",
            "-k",
            "k.srk",
            "-o",
            "r.srr",
            "--password-file",
            &p,
            RELAXED,
            "--quiet",
        ],
        &env,
        b"x",
    )
    .expect(0);
    assert!(r.stderr.is_empty(), "--quiet: {}", r.stderr);
    assert!(!beside.exists());
    assert!(
        other_dest.exists(),
        "only temporaries of the destination written"
    );
}

/// The state directory follows the platform's conventions; observed through the cleanup
/// of a recorded temporary, which only the right directory can trigger.
#[cfg(all(unix, not(target_os = "macos")))]
#[test]
fn state_directory_follows_xdg_and_the_override() {
    let d = TempDir::new("statedir");
    let check = |state_base: &Path, env: &[(&str, &str)]| {
        let tmp = d.write(&format!(".f.tmp-{DEAD_PID}-9"), "x");
        let entries = state_base.join("temporaries");
        std::fs::create_dir_all(&entries).unwrap();
        std::fs::write(entries.join(format!("{DEAD_PID}-9")), tmp.to_str().unwrap()).unwrap();
        let r = run_in(&d.0, &["completions", "bash"], env, b"").expect(0);
        assert!(
            !tmp.exists(),
            "{env:?} should use {}: {}",
            state_base.display(),
            r.stderr
        );
        assert!(r.stderr.contains("removed"), "{}", r.stderr);
    };
    let home = d.path("home");
    let xdg = d.path("xdg");
    let own = d.path("own");
    let (h, x, o) = (
        home.to_str().unwrap(),
        xdg.to_str().unwrap(),
        own.to_str().unwrap(),
    );
    check(
        &xdg.join("strongroom"),
        &[("HOME", h), ("XDG_STATE_HOME", x)],
    );
    check(
        &home.join(".local/state/strongroom"),
        &[("HOME", h), ("XDG_STATE_HOME", "")],
    );
    // A relative $XDG_STATE_HOME is ignored, as the XDG specification says.
    check(
        &home.join(".local/state/strongroom"),
        &[("HOME", h), ("XDG_STATE_HOME", "relative/dir")],
    );
    check(
        &own,
        &[
            ("HOME", h),
            ("XDG_STATE_HOME", x),
            ("STRONGROOM_STATE_DIR", o),
        ],
    );
    // Created by the command itself (here by a write through a named temporary), private.
    let fresh = d.path("fresh/state");
    let p = d.write("pw", "pw\n");
    run_in(
        &d.0,
        &[
            "keyring",
            "create",
            "k.srk",
            "--password-file",
            p.to_str().unwrap(),
            "--iterations",
            "1000",
            RELAXED,
        ],
        &[
            ("STRONGROOM_STATE_DIR", fresh.to_str().unwrap()),
            ("STRONGROOM_NO_TMPFILE", "1"),
        ],
        b"",
    )
    .expect(0);
    use std::os::unix::fs::PermissionsExt;
    for dir in [fresh.clone(), fresh.join("temporaries")] {
        let m = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(m, 0o700, "{}", dir.display());
    }
    assert_eq!(
        std::fs::read_dir(fresh.join("temporaries"))
            .unwrap()
            .count(),
        0,
        "the entry is gone once the file is in place"
    );
}
