//! The honest server against server/PROTOCOL.md, through its HTTP interface: keyrings and
//! logs by compare-and-swap (stale expectation 409 with the current object, identical retry
//! 200, inconsistent object 400 and nothing changed), every error of the table, proofs and
//! frontiers that the `strongroom` crate verifies, and a SIGKILL that loses nothing.

mod wire;

use std::io::{Read, Write};
use std::net::TcpStream;

use serde_json::json;
use strongroom::{
    Checkpoint, ConsistencyProof, HistoryViolation, InclusionProof, Keyring, LogPin, LogState,
    SealedRecord,
};
use wire::{
    APP, Log, STRONGER, Server, TempDir, append_body, hashes, keyring_path, listing, log_path,
    new_keyring, password, policy, put_user, verified,
};

#[test]
fn keyrings_by_compare_and_swap() {
    let dir = TempDir::new();
    let server = Server::start(&dir.db(), None);
    let path = keyring_path("alice");
    let (status, body) = server.get(&path);
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("unknown_user"))
    );

    let mut alice = new_keyring();
    let gen0 = alice.keyring().to_text();
    put_user(&server, "alice", alice.keyring());
    // An identical retry succeeds, whatever it expects.
    for expected in [json!(null), json!(0), json!(7)] {
        let (status, body) = server.request(
            "PUT",
            &path,
            Some(&json!({"keyring": gen0, "expected_generation": expected})),
        );
        assert_eq!((status, &body["keyring"]), (200, &json!(gen0)));
    }
    // Creating the user again with another keyring: a conflict that carries the current one.
    let other = new_keyring().keyring().to_text();
    let (status, body) = server.request(
        "PUT",
        &path,
        Some(&json!({"keyring": other, "expected_generation": null})),
    );
    assert_eq!((status, body["error"].as_str()), (409, Some("conflict")));
    assert_eq!(body["keyring"], json!(gen0));

    alice.change_password(0, &password(), STRONGER).unwrap();
    let gen1 = alice.keyring().to_text();
    let put = |keyring: &str, expected: u64| {
        server.request(
            "PUT",
            &path,
            Some(&json!({"keyring": keyring, "expected_generation": expected})),
        )
    };
    // Another keyring id, or a generation that does not increase: inconsistent.
    let (status, body) = put(&other, 0);
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("inconsistent")),
        "{body}"
    );
    let (status, body) = put(&gen1, 0);
    assert_eq!((status, &body["keyring"]), (200, &json!(gen1)));
    assert_eq!(server.get(&path).1["keyring"], json!(gen1));
    // A stale expectation: 409 with generation 1.
    let mut gen2 = Keyring::from_text(&gen1)
        .unwrap()
        .unlock(&password(), &policy())
        .unwrap();
    gen2.change_password(0, &password(), STRONGER).unwrap();
    let (status, body) = put(&gen2.keyring().to_text(), 0);
    assert_eq!((status, &body["keyring"]), (409, &json!(gen1)));
    let (status, body) = put(&gen0, 1);
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("inconsistent"))
    );
    assert_eq!(server.get(&path).1["keyring"], json!(gen1));

    // Unknown user with an expectation.
    let (status, body) = server.request(
        "PUT",
        &keyring_path("bob"),
        Some(&json!({"keyring": gen1, "expected_generation": 0})),
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("unknown_user"))
    );
}

#[test]
fn every_error_of_the_table() {
    let dir = TempDir::new();
    let server = Server::start(&dir.db(), None);
    let alice = new_keyring();
    put_user(&server, "alice", alice.keyring());
    let log = Log::create(&server, "alice", &alice);
    let path = keyring_path("alice");
    let error = |r: (u16, serde_json::Value)| (r.0, r.1["error"].as_str().unwrap_or("").to_owned());
    let e = |status: u16, code: &str| (status, code.to_owned());

    // Bodies that are not JSON objects, or lack a field.
    let raw = |body: &str| {
        server.raw(
            format!(
                "PUT {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        )
    };
    assert_eq!(error(raw("{not json")), e(400, "bad_request"));
    assert_eq!(error(raw("[1]")), e(400, "bad_request"));
    assert_eq!(error(raw("")), e(400, "bad_request"));
    let put = |body: serde_json::Value| error(server.request("PUT", &path, Some(&body)));
    assert_eq!(put(json!({"keyring": "srk1.AAAA"})), e(400, "bad_request"));
    assert_eq!(
        put(json!({"keyring": 5, "expected_generation": null})),
        e(400, "bad_request")
    );
    assert_eq!(
        put(json!({"keyring": "x", "expected_generation": -1})),
        e(400, "bad_request")
    );
    // A text that does not decode: the detail names the class.
    let (status, body) = server.request(
        "PUT",
        &path,
        Some(&json!({"keyring": "srk1.AAAA", "expected_generation": null})),
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("malformed_object"))
    );
    assert!(
        body["detail"].as_str().unwrap().contains("malformed"),
        "{body}"
    );
    // A sealed record is not a keyring.
    let record = alice.seal(b"x", APP).unwrap().to_text();
    assert_eq!(
        put(json!({"keyring": record, "expected_generation": null})),
        e(400, "malformed_object")
    );

    // Names, paths and methods.
    assert_eq!(
        error(server.get("/v1/users/al%ice/keyring")),
        e(400, "bad_request")
    );
    assert_eq!(
        error(server.get(&format!("/v1/users/{}/keyring", "a".repeat(65)))),
        e(400, "bad_request")
    );
    assert_eq!(
        error(server.get("/v1/users/alice/logs/ABCD/checkpoint")),
        e(400, "bad_request")
    );
    assert_eq!(error(server.get("/v1/users/alice")), e(404, "not_found"));
    assert_eq!(error(server.get("/")), e(404, "not_found"));
    assert_eq!(
        error(server.request("POST", &path, None)),
        e(405, "method_not_allowed")
    );
    assert_eq!(
        error(server.request("DELETE", &log.path("alice"), None)),
        e(405, "method_not_allowed")
    );
    assert_eq!(
        error(server.get(&format!("{}/entries?from=x", log.path("alice")))),
        e(400, "bad_request")
    );

    // Unknown user and log.
    let bob_log = log_path("bob", &log.id);
    assert_eq!(
        error(server.get(&format!("{bob_log}/checkpoint"))),
        e(404, "unknown_user")
    );
    let other = strongroom::LogId::generate().unwrap();
    let other_path = log_path("alice", &other);
    assert_eq!(
        error(server.get(&format!("{other_path}/checkpoint"))),
        e(404, "unknown_log")
    );
    assert_eq!(
        error(server.get(&format!("{other_path}/entries"))),
        e(404, "unknown_log")
    );
    assert_eq!(
        error(server.get(&format!("{other_path}/entries/0"))),
        e(404, "unknown_log")
    );
    let a = log.seal(&alice, b"x");
    let mut body = append_body(&a);
    assert_eq!(
        error(server.request("POST", &format!("{other_path}/entries"), Some(&body))),
        e(400, "inconsistent"),
        "a checkpoint of another log"
    );
    // A log's first checkpoint under another user or another log id.
    let (first, _) = alice.create_log(other);
    assert_eq!(
        error(server.request(
            "PUT",
            &log.path("alice"),
            Some(&json!({"checkpoint": first.to_text()}))
        )),
        e(400, "inconsistent")
    );
    let stranger = new_keyring();
    put_user(&server, "bob", stranger.keyring());
    assert_eq!(
        error(server.request(
            "PUT",
            &other_path.replace("alice", "bob"),
            Some(&json!({"checkpoint": first.to_text()}))
        )),
        e(400, "inconsistent")
    );
    // A checkpoint that is not of size 0.
    assert_eq!(
        error(server.request(
            "PUT",
            &log.path("alice"),
            Some(&json!({"checkpoint": a.checkpoint().to_text()}))
        )),
        e(400, "inconsistent")
    );
    // A malformed entry, a bad root.
    body["entry"] = json!("srr1.AAAA");
    let entries = format!("{}/entries", log.path("alice"));
    assert_eq!(
        error(server.request("POST", &entries, Some(&body))),
        e(400, "malformed_object")
    );
    body["entry"] = json!(a.entry().to_text());
    body["expected_root"] = json!("AB".repeat(32));
    assert_eq!(
        error(server.request("POST", &entries, Some(&body))),
        e(400, "bad_request")
    );
    // Nothing of this changed the log.
    assert_eq!(
        server.get(&format!("{}/checkpoint", log.path("alice"))).1["size"],
        json!(0)
    );
}

#[test]
fn bodies_over_one_mebibyte() {
    let dir = TempDir::new();
    let server = Server::start(&dir.db(), None);
    // Refused by its Content-Length, before the body is read: only the head is sent.
    let mut stream = TcpStream::connect(&server.addr).unwrap();
    stream
        .write_all(b"PUT /v1/users/alice/keyring HTTP/1.1\r\nContent-Length: 2000000000\r\n\r\n{")
        .unwrap();
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 413");
    drop(stream);
    // A body of 1 MiB + 1 sent whole.
    let body = format!("{{\"keyring\": \"{}\"}}", "a".repeat((1 << 20) - 14));
    assert_eq!(body.len(), (1 << 20) + 1);
    let (status, answer) = server.raw(
        format!("PUT /v1/users/alice/keyring HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}", body.len())
            .as_bytes(),
    );
    assert_eq!((status, answer["error"].as_str()), (413, Some("too_large")));
    // Exactly 1 MiB is read (and is not a keyring).
    let body = &body[1..];
    let (status, _) = server.raw(
        format!("PUT /v1/users/alice/keyring HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}", body.len())
            .as_bytes(),
    );
    assert_eq!(status, 400);
    // The server still answers, and nothing was stored.
    assert_eq!(server.get("/v1/users/alice/keyring").0, 404);
}

#[test]
fn appends_by_compare_and_swap_and_proofs_that_verify() {
    let dir = TempDir::new();
    let server = Server::start(&dir.db(), None);
    let alice = new_keyring();
    put_user(&server, "alice", alice.keyring());
    let mut log = Log::create(&server, "alice", &alice);
    // The first checkpoint again: 200.
    let first = log.checkpoints[0].to_text();
    let (status, body) = server.request(
        "PUT",
        &log.path("alice"),
        Some(&json!({"checkpoint": first})),
    );
    assert_eq!((status, &body["checkpoint"]), (200, &json!(first)));

    let entries_path = format!("{}/entries", log.path("alice"));
    let stale = log.seal(&alice, b"never stored");
    for i in 0..7u8 {
        log.append(&server, "alice", &alice, &[b'e', i]);
    }
    // A stale expectation: 409 with the current checkpoint and size.
    let (status, body) = server.request("POST", &entries_path, Some(&append_body(&stale)));
    assert_eq!((status, body["error"].as_str()), (409, Some("conflict")));
    assert_eq!(body["checkpoint"], json!(log.checkpoints[7].to_text()));
    assert_eq!(body["size"], json!(7));
    // An identical retry of the last append: 200, same position.
    let retry = json!({
        "expected_size": 6,
        "expected_root": hex::encode(log.checkpoints[6].root()),
        "entry": log.entries[6],
        "checkpoint": log.checkpoints[7].to_text(),
    });
    let (status, body) = server.request("POST", &entries_path, Some(&retry));
    assert_eq!((status, &body["position"]), (200, &json!(6)), "{body}");

    // A root that the stored entries and the new one do not give: 400, nothing changes.
    let a = log.seal(&alice, b"a");
    let b = log.seal(&alice, b"b");
    let mut wrong = append_body(&a);
    wrong["entry"] = json!(b.entry().to_text());
    let (status, body) = server.request("POST", &entries_path, Some(&wrong));
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("inconsistent")),
        "{body}"
    );
    // A size that is not expected + 1.
    let mut wrong = append_body(&a);
    wrong["expected_size"] = json!(5);
    let (status, body) = server.request("POST", &entries_path, Some(&wrong));
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("inconsistent")),
        "{body}"
    );
    let (_, body) = server.get(&format!("{}/checkpoint", log.path("alice")));
    assert_eq!(body["checkpoint"], json!(log.checkpoints[7].to_text()));

    // Consistency proofs from every earlier size verify, and the frontier is accepted.
    for m in 0..=7u64 {
        let pin = if m == 0 {
            LogPin::empty(*alice.keyring().id(), log.id)
        } else {
            alice
                .verify_checkpoint(
                    &log.checkpoints[m as usize],
                    &LogPin::empty(*alice.keyring().id(), log.id),
                    &ConsistencyProof::empty(),
                )
                .unwrap()
                .pin()
        };
        let v = verified(&server, "alice", &log.id, &alice, &pin).unwrap();
        assert_eq!(v.size(), 7);
    }
    let (_, body) = server.get(&format!("{}/checkpoint?from=3", log.path("alice")));
    let state = LogState::from_parts(*log.state.pin(), hashes(&body["frontier"])).unwrap();
    assert_eq!(state.frontier(), log.state.frontier());
    // A pin past the size: no proof.
    let (_, body) = server.get(&format!("{}/checkpoint?from=9", log.path("alice")));
    assert_eq!(body["consistency"], json!([]));

    // The whole log reads forward from the empty state.
    let empty = LogState::empty(*alice.keyring().id(), log.id);
    let v = alice
        .verify_checkpoint(&log.checkpoints[7], empty.pin(), &ConsistencyProof::empty())
        .unwrap();
    let (served, size) = listing(&server, &format!("{entries_path}?from=0"));
    assert_eq!(size, 7);
    let pairs: Vec<(u64, Vec<u8>)> = served
        .iter()
        .map(|(p, t)| (*p, SealedRecord::from_text(t).unwrap().into_bytes()))
        .collect();
    let pairs: Vec<(u64, &[u8])> = pairs.iter().map(|(p, b)| (*p, b.as_slice())).collect();
    let (plaintexts, _) = alice.open_log_entries(&empty, &v, &pairs, APP).unwrap();
    assert_eq!(plaintexts.len(), 7);
    assert_eq!(plaintexts[3].as_bytes(), b"e\x03");
    // A range.
    let (served, _) = listing(&server, &format!("{entries_path}?from=2&to=4"));
    assert_eq!(served.iter().map(|e| e.0).collect::<Vec<_>>(), [2, 3]);
    let (served, _) = listing(&server, &format!("{entries_path}?from=5&to=100"));
    assert_eq!(served.iter().map(|e| e.0).collect::<Vec<_>>(), [5, 6]);

    // Each entry with its inclusion proof in trees of every size that holds it.
    for size in 1..=7u64 {
        let v = alice
            .verify_checkpoint(
                &log.checkpoints[size as usize],
                empty.pin(),
                &ConsistencyProof::empty(),
            )
            .unwrap();
        for p in 0..size {
            let (status, body) = server.get(&format!("{entries_path}/{p}?size={size}"));
            assert_eq!(status, 200, "{body}");
            assert_eq!(body["size"], json!(size));
            let entry = SealedRecord::from_text(body["entry"].as_str().unwrap()).unwrap();
            let proof = InclusionProof::new(hashes(&body["inclusion"]));
            let plaintext = alice
                .open_log_entry(&v, p, Some(entry.as_bytes()), &proof, APP)
                .unwrap();
            assert_eq!(plaintext.as_bytes(), [b'e', p as u8]);
            // The proof of another position does not verify.
            if size > 1 {
                let other = (p + 1) % size;
                assert_eq!(
                    alice
                        .open_log_entry(&v, other, Some(entry.as_bytes()), &proof, APP)
                        .err(),
                    Some(HistoryViolation::LogEntryMismatch.into())
                );
            }
        }
        assert_eq!(
            server.get(&format!("{entries_path}/{size}?size={size}")).0,
            404
        );
    }
    assert_eq!(server.get(&format!("{entries_path}/7")).0, 404);
    assert_eq!(server.get(&format!("{entries_path}/0?size=8")).0, 404);
}

#[test]
fn racing_appends_one_wins() {
    let dir = TempDir::new();
    let server = Server::start(&dir.db(), None);
    let alice = new_keyring();
    put_user(&server, "alice", alice.keyring());
    let log = Log::create(&server, "alice", &alice);
    let path = format!("{}/entries", log.path("alice"));
    for round in 0..10u8 {
        let (_, body) = server.get(&format!("{}/checkpoint", log.path("alice")));
        let size = body["size"].as_u64().unwrap();
        assert_eq!(size, u64::from(round));
        // Both devices hold the state at `size` (entries read forward from the empty state).
        let (served, _) = listing(&server, &path);
        let empty = LogState::empty(*alice.keyring().id(), log.id);
        let cp = Checkpoint::from_text(body["checkpoint"].as_str().unwrap()).unwrap();
        let v = alice
            .verify_checkpoint(&cp, empty.pin(), &ConsistencyProof::empty())
            .unwrap();
        let bytes: Vec<(u64, Vec<u8>)> = served
            .iter()
            .map(|(p, t)| (*p, SealedRecord::from_text(t).unwrap().into_bytes()))
            .collect();
        let pairs: Vec<(u64, &[u8])> = bytes.iter().map(|(p, b)| (*p, b.as_slice())).collect();
        let (_, state) = alice.open_log_entries(&empty, &v, &pairs, APP).unwrap();
        let appends: Vec<_> = (0..4u8)
            .map(|d| append_body(&alice.seal_log_entry(&state, &[round, d], APP).unwrap()))
            .collect();
        let statuses: Vec<u16> = std::thread::scope(|s| {
            let handles: Vec<_> = appends
                .iter()
                .map(|a| s.spawn(|| server.request("POST", &path, Some(a)).0))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            1,
            "{statuses:?}"
        );
        assert_eq!(
            statuses.iter().filter(|s| **s == 409).count(),
            3,
            "{statuses:?}"
        );
    }
}

#[test]
fn a_killed_server_keeps_every_acknowledged_write() {
    let dir = TempDir::new();
    let server = Server::start(&dir.db(), None);
    let alice = new_keyring();
    put_user(&server, "alice", alice.keyring());
    let mut log = Log::create(&server, "alice", &alice);
    for i in 0..5u8 {
        log.append(&server, "alice", &alice, &[i]);
    }
    server.kill();
    let server = Server::start(&dir.db(), None);
    assert_eq!(
        server.get(&keyring_path("alice")).1["keyring"],
        json!(alice.keyring().to_text())
    );
    let v = verified(&server, "alice", &log.id, &alice, log.state.pin()).unwrap();
    assert_eq!(v.size(), 5);
    // The tree is rebuilt from the stored leaves: the next append checks against it.
    log.append(&server, "alice", &alice, b"after the restart");
    let v = verified(
        &server,
        "alice",
        &log.id,
        &alice,
        &LogPin::empty(*alice.keyring().id(), log.id),
    )
    .unwrap();
    assert_eq!(v.size(), 6);
    let (served, _) = listing(&server, &format!("{}/entries", log.path("alice")));
    assert_eq!(served.len(), 6);
}

#[test]
fn proofs_of_a_large_log_are_fast() {
    // Appends go through the server's own tree; 10,000 entries stored directly would take
    // the HTTP round trips, so the tree is measured in the unit tests and here the log is
    // 300 entries with every proof served.
    let dir = TempDir::new();
    let server = Server::start(&dir.db(), None);
    let alice = new_keyring();
    put_user(&server, "alice", alice.keyring());
    let mut log = Log::create(&server, "alice", &alice);
    let start = std::time::Instant::now();
    for i in 0..300u32 {
        log.append(&server, "alice", &alice, &i.to_be_bytes());
    }
    let appends = start.elapsed();
    let start = std::time::Instant::now();
    let path = format!("{}/entries", log.path("alice"));
    for p in (0..300).step_by(7) {
        assert_eq!(server.get(&format!("{path}/{p}")).0, 200);
    }
    eprintln!(
        "300 appends in {appends:?}; 43 entries with inclusion proofs in {:?}",
        start.elapsed()
    );
}
