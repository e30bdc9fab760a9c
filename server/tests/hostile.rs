//! Every hostile mode of the reference server (server/PROTOCOL.md) against the Rust client,
//! the `strongroom` command: the attack is detected with the class and reason SPEC.md's
//! tables give it, and no plaintext is written.
//!
//! Each mode gets a fresh store. The setup runs against the honest server: alice creates a
//! keyring (PBKDF2, 1,000 iterations), stores it, creates a log, appends three entries,
//! changes her password to a higher cost (generation 2) and stores that; bob does the same
//! with one entry; devices A and B of alice read the log (each pins keyring generation 2 and
//! the log at 3 entries). Then the server restarts over the same store in the mode, and
//! device A reads the log (for `fork`, A and B each read and append first). The results are written
//! to target/hostile/rust.json, which the JavaScript demo's test prints beside its own
//! (ports/js/test/demo-server.test.js).

mod support;

use std::path::Path;

use support::{Device, Server, class_of, tempdir};

/// Mode, what the client must report (SPEC.md 11.12's CheckPin table and 11.15.6's table),
/// and why.
// SR-LOG-10 SR-LOG-11 SR-PIN-1: each hostile mode detected with its class before any
// plaintext is released.
const MODES: &[(&str, &str)] = &[
    // The same generation as pinned, other bytes: CheckPin, before any password.
    ("slot-transplant", "history_violation/keyring_fork"),
    ("keyring-rollback", "history_violation/keyring_rollback"),
    ("kdf-swap", "history_violation/keyring_fork"),
    ("record-swap", "history_violation/log_entry_mismatch"),
    ("entry-swap", "history_violation/log_entry_mismatch"),
    ("entry-drop", "history_violation/log_entry_missing"),
    ("reorder", "history_violation/log_entry_mismatch"),
    ("replay", "history_violation/log_entry_mismatch"),
    ("truncate", "history_violation/log_truncated"),
    ("forge-checkpoint", "checkpoint_authentication_failed"),
    ("fork", "history_violation/log_fork"),
];

struct Setup {
    alice_a: Device,
    alice_b: Device,
    log: String,
}

fn setup(dir: &Path, server: &Server) -> Setup {
    let mut logs = Vec::new();
    for (user, entries) in [("alice", 3), ("bob", 1)] {
        let owner = Device::new(dir, &format!("{user}-owner"), user);
        let file = dir.join(format!("{user}.srk"));
        let file = file.to_str().unwrap();
        owner.ok(
            &[
                "keyring",
                "create",
                file,
                "--iterations",
                "1000",
                "--unsafe-relaxed-policy",
            ],
            None,
        );
        owner.ok(&["keyring", "push", file], Some(server));
        let log = owner.ok(&["log", "create", "--unsafe-relaxed-policy"], Some(server));
        let log = log.trim().to_string();
        for i in 0..entries {
            let entry = dir.join(format!("{user}-entry-{i}"));
            std::fs::write(&entry, format!("{user}'s entry {i}")).unwrap();
            let mut args = Device::log_args("append", &log);
            args.push(entry.to_str().unwrap());
            owner.ok(&args, Some(server));
        }
        // Generation 2 at a higher cost: what keyring-rollback and kdf-swap go back to.
        let mut passwd = owner.command();
        passwd
            .args([
                "keyring",
                "passwd",
                file,
                "--iterations",
                "3000",
                "--unsafe-relaxed-policy",
            ])
            .env("STRONGROOM_NEW_PASSWORD", &owner.password);
        let out = passwd.output().unwrap();
        assert!(
            out.status.success(),
            "passwd: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        owner.ok(&["keyring", "push", file], Some(server));
        logs.push(log);
    }
    let alice_a = Device::new(dir, "alice-a", "alice");
    let alice_b = Device::new(dir, "alice-b", "alice");
    for d in [&alice_a, &alice_b] {
        let out = d.ok(&Device::log_args("read", &logs[0]), Some(server));
        assert_eq!(
            out, "alice's entry 0\nalice's entry 1\nalice's entry 2\n",
            "honest read by {}",
            d.name
        );
    }
    Setup {
        alice_a,
        alice_b,
        log: logs.remove(0),
    }
}

/// Runs the attack of `mode`; returns the class device A reported and its standard output.
fn attack(mode: &str, s: &Setup, server: &Server) -> (String, Vec<u8>) {
    if mode == "fork" {
        // Each device reads first, as a device opening the app does: the server then keeps
        // a history per device and shows each its own, until both have appended.
        for d in [&s.alice_a, &s.alice_b] {
            d.ok(&Device::log_args("read", &s.log), Some(server));
        }
        for (d, text) in [(&s.alice_a, "a3"), (&s.alice_b, "b3")] {
            let entry = d.state.join("entry");
            std::fs::write(&entry, text).unwrap();
            let mut args = Device::log_args("append", &s.log);
            args.push(entry.to_str().unwrap());
            d.ok(&args, Some(server));
        }
    }
    let out = s
        .alice_a
        .run(&Device::log_args("read", &s.log), Some(server));
    assert!(
        !out.status.success(),
        "{mode}: the read succeeded: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(out.status.code(), Some(1), "{mode}: exit status");
    (class_of(&out.stderr), out.stdout)
}

#[test]
fn every_hostile_mode_is_detected_by_the_cli() {
    let root = tempdir("hostile");
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for (mode, expected) in MODES {
        let dir = root.join(mode);
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("store.sqlite3");
        let honest = Server::start(&db, None);
        let s = setup(&dir, &honest);
        drop(honest);
        let hostile = Server::start(&db, Some(mode));
        let (class, stdout) = attack(mode, &s, &hostile);
        // SR-LOG-11: nothing of a log that fails to verify is released.
        if !stdout.is_empty() {
            failures.push(format!(
                "{mode}: plaintext written: {:?}",
                String::from_utf8_lossy(&stdout)
            ));
        }
        if class != *expected {
            failures.push(format!("{mode}: expected {expected}, got {class}"));
        }
        rows.push((mode.to_string(), class));
    }
    println!("\n{:<18} Rust CLI", "mode");
    for (mode, class) in &rows {
        println!("{mode:<18} {class}");
    }
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/hostile");
    std::fs::create_dir_all(&out).unwrap();
    let json: serde_json::Map<String, serde_json::Value> =
        rows.into_iter().map(|(m, c)| (m, c.into())).collect();
    std::fs::write(
        out.join("rust.json"),
        serde_json::to_string_pretty(&json).unwrap(),
    )
    .unwrap();
    let _ = std::fs::remove_dir_all(&root);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
