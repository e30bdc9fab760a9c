//! Each hostile mode of server/PROTOCOL.md serves exactly the lie of its row and nothing
//! else: the setup (keyrings, logs, appends) goes through the hostile server itself and
//! works, and every served object is compared with what was stored. That a client detects
//! each lie is server/tests/hostile.rs's (the CLI's) and tests/logs.rs's business.

mod wire;

use serde_json::{Value, json};
use strongroom::{Checkpoint, ConsistencyProof, Error, HistoryViolation, Keyring, UnlockedKeyring};
use wire::{
    Log, STRONGER, Server, TempDir, append_body, keyring_path, listing, new_keyring, password,
    policy, put_user, verified,
};

/// What the setup stored: alice at generation 1 (the password changed to a higher cost)
/// with a log of four entries, bob at generation 0 with a log of one entry.
struct Fixture {
    _dir: TempDir,
    server: Server,
    alice: UnlockedKeyring,
    alice_gen0: Keyring,
    bob: UnlockedKeyring,
    log: Log,
    bob_log: Log,
}

fn setup(mode: &str) -> Fixture {
    let dir = TempDir::new();
    let server = Server::start(&dir.db(), Some(mode));
    let mut alice = new_keyring();
    let alice_gen0 = alice.keyring().clone();
    put_user(&server, "alice", alice.keyring());
    let bob = new_keyring();
    put_user(&server, "bob", bob.keyring());
    let mut log = Log::create(&server, "alice", &alice);
    for i in 0..4u8 {
        log.append(&server, "alice", &alice, &[b'a', i]);
    }
    let mut bob_log = Log::create(&server, "bob", &bob);
    bob_log.append(&server, "bob", &bob, b"bob's");
    alice.change_password(0, &password(), STRONGER).unwrap();
    let (status, body) = server.request(
        "PUT",
        &keyring_path("alice"),
        Some(&json!({"keyring": alice.keyring().to_text(), "expected_generation": 0})),
    );
    assert_eq!(status, 200, "{body}");
    Fixture {
        _dir: dir,
        server,
        alice,
        alice_gen0,
        bob,
        log,
        bob_log,
    }
}

impl Fixture {
    fn served_keyring(&self) -> String {
        let (status, body) = self.server.get(&keyring_path("alice"));
        assert_eq!(status, 200, "{body}");
        body["keyring"].as_str().unwrap().to_owned()
    }

    fn entries_path(&self) -> String {
        format!("{}/entries", self.log.path("alice"))
    }

    /// The listing of alice's log, as (position, entry) pairs.
    fn listing(&self) -> (Vec<(u64, String)>, u64) {
        listing(&self.server, &self.entries_path())
    }

    fn entry(&self, p: u64) -> (u16, Value) {
        self.server.get(&format!("{}/{p}", self.entries_path()))
    }

    fn served_checkpoint(&self) -> Value {
        let (status, body) = self
            .server
            .get(&format!("{}/checkpoint", self.log.path("alice")));
        assert_eq!(status, 200, "{body}");
        body
    }

    /// The honest listing with position `p` holding entry `e` (or dropped).
    fn expected(&self, changes: &[(u64, Option<usize>)]) -> Vec<(u64, String)> {
        let mut out = Vec::new();
        for (p, e) in self.log.entries.iter().enumerate() {
            let p = p as u64;
            match changes.iter().find(|(q, _)| *q == p) {
                Some((_, Some(i))) => out.push((p, self.log.entries[*i].clone())),
                Some((_, None)) => {}
                None => out.push((p, e.clone())),
            }
        }
        out
    }

    /// Everything but the listing and the single entries is honest.
    fn honest_checkpoint_and_keyring(&self) {
        assert_eq!(self.served_keyring(), self.alice.keyring().to_text());
        let body = self.served_checkpoint();
        assert_eq!(body["checkpoint"], json!(self.log.checkpoints[4].to_text()));
        assert_eq!(body["size"], json!(4));
    }
}

fn slots(text: &str) -> Vec<Vec<u8>> {
    let k = Keyring::from_text(text).unwrap();
    k.slots().iter().map(|s| s.as_bytes().to_vec()).collect()
}

#[test]
fn slot_transplant() {
    let f = setup("slot-transplant");
    let served = f.served_keyring();
    let honest = f.alice.keyring();
    assert_ne!(served, honest.to_text());
    let k = Keyring::from_text(&served).unwrap();
    assert_eq!((k.id(), k.generation()), (honest.id(), honest.generation()));
    assert_eq!(slots(&served)[0], slots(&f.bob.keyring().to_text())[0]);
    assert_eq!(k.mac(), honest.mac());
    // Bob's keyring (another user's first slot for him: alice's).
    let (_, body) = f.server.get(&keyring_path("bob"));
    assert_eq!(
        slots(body["keyring"].as_str().unwrap())[0],
        slots(&honest.to_text())[0]
    );
    // Logs are honest.
    assert_eq!(f.listing().0, f.expected(&[]));
}

#[test]
fn keyring_rollback() {
    let f = setup("keyring-rollback");
    assert_eq!(f.served_keyring(), f.alice_gen0.to_text());
    // Bob has one generation: served as stored.
    let (_, body) = f.server.get(&keyring_path("bob"));
    assert_eq!(body["keyring"], json!(f.bob.keyring().to_text()));
}

#[test]
fn kdf_swap() {
    let f = setup("kdf-swap");
    let served = Keyring::from_text(&f.served_keyring()).unwrap();
    let honest = f.alice.keyring();
    assert_eq!(honest.slots()[0].kdf(), Some(&STRONGER));
    assert_eq!(served.slots()[0].kdf(), f.alice_gen0.slots()[0].kdf());
    assert_eq!(
        served.slots()[0].wrapped_dek(),
        honest.slots()[0].wrapped_dek()
    );
    assert_eq!(
        (served.generation(), served.mac()),
        (honest.generation(), honest.mac())
    );
    // The lie does not unlock: the KEK comes out other than the slot's.
    assert!(served.unlock(&password(), &policy()).is_err());
}

#[test]
fn record_swap() {
    let f = setup("record-swap");
    let bobs = f.bob_log.entries[0].clone();
    let mut expected = f.expected(&[]);
    expected[0].1 = bobs.clone();
    assert_eq!(f.listing().0, expected);
    assert_eq!(f.entry(0).1["entry"], json!(bobs));
    assert_eq!(f.entry(1).1["entry"], json!(f.log.entries[1]));
    f.honest_checkpoint_and_keyring();
}

#[test]
fn entry_swap() {
    let f = setup("entry-swap");
    assert_eq!(f.listing().0, f.expected(&[(0, Some(1))]));
    assert_eq!(f.entry(0).1["entry"], json!(f.log.entries[1]));
    assert_eq!(f.entry(1).1["entry"], json!(f.log.entries[1]));
    f.honest_checkpoint_and_keyring();
}

#[test]
fn entry_drop() {
    let f = setup("entry-drop");
    let (served, size) = f.listing();
    assert_eq!(served, f.expected(&[(1, None)]));
    assert_eq!(size, 4);
    assert_eq!(f.entry(1).0, 404);
    assert_eq!(f.entry(2).1["entry"], json!(f.log.entries[2]));
    f.honest_checkpoint_and_keyring();
}

#[test]
fn reorder() {
    let f = setup("reorder");
    assert_eq!(f.listing().0, f.expected(&[(0, Some(1)), (1, Some(0))]));
    assert_eq!(f.entry(0).1["entry"], json!(f.log.entries[1]));
    assert_eq!(f.entry(1).1["entry"], json!(f.log.entries[0]));
    f.honest_checkpoint_and_keyring();
}

#[test]
fn replay() {
    let f = setup("replay");
    assert_eq!(f.listing().0, f.expected(&[(1, Some(0))]));
    assert_eq!(f.entry(1).1["entry"], json!(f.log.entries[0]));
    assert_eq!(f.entry(0).1["entry"], json!(f.log.entries[0]));
    f.honest_checkpoint_and_keyring();
}

#[test]
fn truncate() {
    let f = setup("truncate");
    let body = f.served_checkpoint();
    assert_eq!(body["checkpoint"], json!(f.log.checkpoints[2].to_text()));
    assert_eq!(body["size"], json!(2));
    let (served, size) = f.listing();
    assert_eq!((served, size), (f.expected(&[(2, None), (3, None)]), 2));
    assert_eq!(f.entry(2).0, 404);
    assert_eq!(f.entry(1).1["entry"], json!(f.log.entries[1]));
    // The client pinned at 4 sees a truncation.
    let pin = f.log.state.pin();
    assert_eq!(
        verified(&f.server, "alice", &f.log.id, &f.alice, pin).err(),
        Some(HistoryViolation::LogTruncated.into())
    );
    // Bob's log of one entry has no checkpoint from two appends ago: honest.
    let (_, body) = f
        .server
        .get(&format!("{}/checkpoint", f.bob_log.path("bob")));
    assert_eq!(body["size"], json!(1));
}

#[test]
fn forge_checkpoint() {
    let f = setup("forge-checkpoint");
    let body = f.served_checkpoint();
    let served = Checkpoint::from_text(body["checkpoint"].as_str().unwrap()).unwrap();
    let honest = &f.log.checkpoints[4];
    let differing: Vec<usize> = (0..honest.as_bytes().len())
        .filter(|i| served.as_bytes()[*i] != honest.as_bytes()[*i])
        .collect();
    assert_eq!(differing.len(), 1);
    assert_ne!(served.root(), honest.root());
    assert_eq!(
        (served.size(), served.log_id(), served.mac()),
        (honest.size(), honest.log_id(), honest.mac())
    );
    assert_eq!(
        f.alice
            .verify_checkpoint(&served, f.log.state.pin(), &ConsistencyProof::empty())
            .err(),
        Some(Error::CheckpointAuthenticationFailed)
    );
    assert_eq!(f.listing().0, f.expected(&[]));
}

/// The fork: devices A and B both pinned at size 4 append one entry each; each is then
/// served the other's history, in whatever order their first requests came.
#[test]
fn fork() {
    let f = setup("fork");
    let server = &f.server;
    let entries = f.entries_path();
    let mut a = Log {
        id: f.log.id,
        state: f.log.state.clone(),
        checkpoints: f.log.checkpoints.clone(),
        entries: f.log.entries.clone(),
    };
    let mut b = Log {
        id: f.log.id,
        state: f.log.state.clone(),
        checkpoints: f.log.checkpoints.clone(),
        entries: f.log.entries.clone(),
    };
    // A appends before B has made any request.
    a.append_as(server, Some("A"), "alice", &f.alice, b"from A");
    b.append_as(server, Some("B"), "alice", &f.alice, b"from B");
    let checkpoint_as = |device: &str| {
        let (status, body) = server.request_as(
            Some(device),
            "GET",
            &format!("{}/checkpoint?from=4", f.log.path("alice")),
            None,
        );
        assert_eq!(status, 200, "{body}");
        body
    };
    // Each is served the other's history.
    assert_eq!(
        checkpoint_as("A")["checkpoint"],
        json!(b.checkpoints[5].to_text())
    );
    assert_eq!(
        checkpoint_as("B")["checkpoint"],
        json!(a.checkpoints[5].to_text())
    );
    let (status, body) = server.request_as(Some("A"), "GET", &entries, None);
    assert_eq!(status, 200);
    assert_eq!(body["entries"][4]["entry"], json!(b.entries[4]), "{body}");
    // A's pin (its own append) against what it is served: a fork.
    let served = Checkpoint::from_text(checkpoint_as("A")["checkpoint"].as_str().unwrap()).unwrap();
    assert_eq!(
        f.alice
            .verify_checkpoint(&served, a.state.pin(), &ConsistencyProof::empty())
            .err(),
        Some(HistoryViolation::LogFork.into())
    );
    // A device without the header, and a new device, see a history of the longest.
    let (_, body) = server.get(&format!("{}/checkpoint", f.log.path("alice")));
    assert_eq!(body["size"], json!(5));
    // A device that reads B's history and appends to it extends B's history as its own.
    let mut c = Log {
        id: f.log.id,
        state: b.state.clone(),
        checkpoints: b.checkpoints.clone(),
        entries: b.entries.clone(),
    };
    c.append_as(server, Some("C"), "alice", &f.alice, b"from C");
    assert_eq!(
        checkpoint_as("A")["checkpoint"],
        json!(c.checkpoints[6].to_text())
    );
    let v = verified(server, "alice", &f.log.id, &f.alice, b.state.pin());
    assert_eq!(v.unwrap().size(), 6);
    // A stale append that no history ever had: a conflict with the served checkpoint.
    let stale = {
        let other = new_keyring();
        let (cp, state) = other.create_log(f.log.id);
        let _ = cp;
        append_body(&other.seal_log_entry(&state, b"x", wire::APP).unwrap())
    };
    let (status, body) = server.request_as(Some("A"), "POST", &entries, Some(&stale));
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("inconsistent")),
        "{body}"
    );
    let mut wrong_root = append_body(&a.seal(&f.alice, b"y"));
    wrong_root["expected_root"] = json!("00".repeat(32));
    let (status, body) = server.request_as(Some("A"), "POST", &entries, Some(&wrong_root));
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("conflict")),
        "{body}"
    );
    assert_eq!(body["checkpoint"], json!(c.checkpoints[6].to_text()));
}
