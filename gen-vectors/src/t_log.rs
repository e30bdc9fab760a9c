//! log.json: logs (SPEC.md 11.15). Checkpoint decoding and the log-entry context, appends
//! from given states, and stateful scenarios: a client with a state (pin and frontier) is
//! served a checkpoint, a consistency proof and entries by an honest or a hostile server,
//! and the vector states what the client must conclude.

use serde_json::{Value, json};
use strongroom::hazmat::{self, cbor::Writer};
use strongroom::{Keyring, LogId, LogState, LogTree, Password, UnlockedKeyring};

use crate::exec::{self, Obj, hex};
use crate::fx::{self, Fx};
use crate::{Expect, File, err, limit, mal, v};

/// One scenario: description, inputs, expected outcome, requirement ids, flags.
type Case<D, L> = (D, Obj, Expect, L, L);

fn hv(reason: &'static str) -> Expect {
    Expect::Err("history_violation", Some(reason))
}

/// Scripted record randomness named after `label` (the draws of seal).
fn script(label: &str) -> exec::Script {
    let mut o = Obj::new();
    o.insert("random".into(), fx::rnd(label, fx::SEAL));
    exec::Script::from_inputs(&o).expect("script")
}

/// The log-entry application context of every scenario.
const APP: &[u8] = b"user:alice";

/// An honest log kept by the generator: the entries and checkpoints at every size.
struct Log {
    id: Vec<u8>,
    entries: Vec<Vec<u8>>,
    /// Checkpoint bytes at each size, 0 to `entries.len()`.
    checkpoints: Vec<Vec<u8>>,
    /// State JSON at each size.
    states: Vec<Value>,
}

impl Log {
    fn tree(&self, size: usize) -> LogTree {
        let mut t = LogTree::new();
        for e in &self.entries[..size] {
            t.push_entry(e);
        }
        t
    }

    fn consistency(&self, from: usize, to: usize) -> Value {
        let proof = self
            .tree(to)
            .consistency_proof(from as u64, to as u64)
            .map(|p| p.hashes().to_vec())
            .unwrap_or_default();
        Value::Array(proof.iter().map(|h| hex(h).into()).collect())
    }

    fn inclusion(&self, index: usize, size: usize) -> Value {
        let proof = self
            .tree(size)
            .inclusion_proof(index as u64, size as u64)
            .map(|p| p.hashes().to_vec())
            .unwrap_or_default();
        Value::Array(proof.iter().map(|h| hex(h).into()).collect())
    }

    fn served(&self, size: usize) -> Vec<(u64, Vec<u8>)> {
        (0..size)
            .map(|i| (i as u64, self.entries[i].clone()))
            .collect()
    }
}

fn served_json(s: &[(u64, Vec<u8>)]) -> Value {
    Value::Array(
        s.iter()
            .map(|(p, e)| json!({"position": p, "entry": hex(e)}))
            .collect(),
    )
}

fn unlock(fx: &Fx) -> UnlockedKeyring {
    let policy = exec::policy(&fx.policy).expect("fixture policy");
    Keyring::from_bytes(&fx.bytes)
        .and_then(|k| k.unlock(&Password::new(&fx.password)?, &policy))
        .expect("fixture unlocks")
}

fn empty_state(fx: &Fx, id: &[u8]) -> Value {
    let s = LogState::empty(
        fx.id.clone().try_into().expect("16 bytes"),
        LogId::from_bytes(id.try_into().expect("16 bytes")),
    );
    state_json(&s)
}

fn state_json(s: &LogState) -> Value {
    json!({
        "keyring_id": hex(s.pin().keyring_id()),
        "log_id": hex(s.pin().log_id().as_bytes()),
        "size": s.pin().size(),
        "root": hex(s.pin().root()),
        "frontier": s.frontier().iter().map(hex).collect::<Vec<_>>(),
    })
}

/// The pin part of a state JSON.
fn pin_of(state: &Value) -> Value {
    let mut o = state.as_object().cloned().unwrap_or_default();
    o.remove("frontier");
    Value::Object(o)
}

/// Builds a log of `texts` with `fx`, each append through the consumer's `log_append`, so
/// every entry is what a conforming client seals from scripted randomness.
fn build(fx: &Fx, name: &str, texts: &[&[u8]]) -> Log {
    let id = fx::shake(&format!("log/{name}/log_id"), 16);
    let u = unlock(fx);
    let lid = LogId::from_bytes(id.clone().try_into().expect("16 bytes"));
    let (c0, s0) = u.create_log(lid);
    let mut log = Log {
        id,
        entries: Vec::new(),
        checkpoints: vec![c0.as_bytes().to_vec()],
        states: vec![state_json(&s0)],
    };
    for (i, t) in texts.iter().enumerate() {
        let mut inputs = fx.setup();
        inputs.insert("state".into(), log.states[i].clone());
        inputs.insert("plaintext".into(), hex(t).into());
        inputs.insert("app".into(), hex(APP).into());
        inputs.insert(
            "random".into(),
            fx::rnd(&format!("log/{name}/entry/{i}"), fx::SEAL),
        );
        let out = exec::run("log_append", &inputs)
            .expect("log_append runs")
            .outcome
            .expect("log_append succeeds");
        let b = |k: &str| hex::decode(out[k].as_str().unwrap_or_default()).unwrap_or_default();
        log.entries.push(b("entry"));
        log.checkpoints.push(b("checkpoint"));
        log.states.push(out["state"].clone());
    }
    log
}

/// A checkpoint encoding from its fields, with a given MAC (no key involved).
fn raw_checkpoint(keyring_id: &[u8], log_id: &[u8], size: u64, root: &[u8], mac: &[u8]) -> Vec<u8> {
    let mut w = Writer::default();
    w.map(7)
        .uint(1)
        .uint(3)
        .uint(2)
        .uint(1)
        .uint(3)
        .bytes(keyring_id)
        .uint(4)
        .bytes(log_id)
        .uint(5)
        .uint(size)
        .uint(6)
        .bytes(root)
        .uint(7)
        .bytes(mac);
    w.into_vec()
}

pub fn file() -> File {
    let mut f = File::new(
        "log",
        "Logs (SPEC.md 11.15): checkpoint decoding, the log-entry context, appends, and \
         stateful scenarios in which a client with a given state (pin and frontier) is served \
         a checkpoint, a consistency proof and entries by an honest or a hostile server: \
         dropped, reordered, replayed, altered, truncated and forked entries and checkpoints, \
         and objects swapped between logs and users.",
        &[
            (
                "HostileServer",
                "The server serves something other than what an honest server stored: the \
                 expected error is what the client must conclude, and no plaintext may be \
                 released.",
            ),
            (
                "MultiFault",
                "The input has two faults, each of which alone fails the operation at a \
                 different step; the expected error is that of the first step the operation's \
                 order of checks reaches (vectors/README.md section 4).",
            ),
            (
                "KeyHolder",
                "The generator made an object only a holder of the keyring's keys can make (a \
                 checkpoint of a fork, an entry sealed again): what a compromised device, or \
                 a server replaying what two honest devices wrote, can serve.",
            ),
        ],
    );
    let one = fx::one();
    let texts: Vec<Vec<u8>> = (0..7)
        .map(|i| format!("2026-12-06 entry {i}").into_bytes())
        .collect();
    let refs: Vec<&[u8]> = texts.iter().map(|t| &t[..]).collect();
    let log = build(one, "main", &refs[..6]);
    // The same log forked at 4: a different entry 4 and 5 (a second device shown size 4).
    let mut fork_texts = refs[..4].to_vec();
    fork_texts.push(b"fork entry 4");
    fork_texts.push(b"fork entry 5");
    let fork = {
        // Same log id and the same first four entries (same names of their draws).
        let mut l = build(one, "main", &refs[..4]);
        let u = unlock(one);
        let lid = LogId::from_bytes(l.id.clone().try_into().expect("16"));
        let mut state = LogState::from_parts(
            u.verify_checkpoint(
                &strongroom::Checkpoint::from_bytes(&l.checkpoints[4]).expect("cp"),
                &strongroom::LogPin::empty(*u.keyring().id(), lid),
                &strongroom::ConsistencyProof::empty(),
            )
            .expect("verified")
            .pin(),
            l.tree(4).frontier(4).expect("frontier"),
        )
        .expect("state");
        for (i, t) in fork_texts[4..].iter().enumerate() {
            let a = hazmat::seal_log_entry_with_rng(
                &u,
                &state,
                t,
                strongroom::Context::new(APP),
                &mut script(&format!("log/fork/entry/{}", i + 4)),
            )
            .expect("fork append");
            l.entries.push(a.entry().as_bytes().to_vec());
            l.checkpoints.push(a.checkpoint().as_bytes().to_vec());
            state = a.acknowledged();
            l.states.push(state_json(&state));
        }
        l
    };
    let other_log = build(one, "other-log", &refs[..6]);
    let bob = fx::other();
    let bob_log = build(bob, "bob", &refs[..6]);

    // --- Checkpoint decoding (SR-LOG-5) ------------------------------------------------
    let cp3 = log.checkpoints[3].clone();
    f.add(
        v(
            "decode_checkpoint",
            "Decode an honest checkpoint of size 3",
            &["SR-LOG-5", "SR-CBOR-9"],
            Expect::Ok,
        )
        .i("checkpoint", hex(&cp3)),
    );
    let text = strongroom::Checkpoint::from_bytes(&cp3)
        .expect("cp")
        .to_text();
    f.add(
        v(
            "decode_checkpoint_text",
            "Decode the same checkpoint from its text form src1.",
            &["SR-LOG-5", "SR-TXT-1"],
            Expect::Ok,
        )
        .i("text", text.clone()),
    );
    let body = &text[5..];
    for (prefix, expect, what) in [
        ("srk1.", mal("wrong_object_type"), "a keyring prefix"),
        ("srr1.", mal("wrong_object_type"), "a record prefix"),
        ("src2.", err("unsupported_version"), "version 2"),
        ("SRC1.", mal("text_prefix"), "an upper-case prefix"),
    ] {
        f.add(
            v(
                "decode_checkpoint_text",
                format!("A checkpoint's text under {what}"),
                &["SR-TXT-1", "SR-LOG-5"],
                expect,
            )
            .i("text", format!("{prefix}{body}")),
        );
    }
    let k1 = &one.id;
    let root = [0x11u8; 32];
    let mac = [0x22u8; 32];
    let over = raw_checkpoint(k1, &log.id, 1 << 53, &root, &mac);
    let mut trailing = cp3.clone();
    trailing.push(0);
    let short_id = raw_checkpoint(k1, &log.id[..15], 3, &root, &mac);
    let mut v2 = cp3.clone();
    v2[4] = 0x02;
    let mut big = vec![0xa7, 0x01, 0x03, 0x02, 0x01];
    big.resize(257, 0);
    let mut size_bytes = cp3.clone();
    size_bytes[42] = 0x40;
    for (bytes, expect, what) in [
        (over, mal("value_out_of_range"), "a size of 2^53"),
        (trailing, mal("trailing_bytes"), "a byte after the map"),
        (short_id, mal("wrong_length"), "a 15-byte log id"),
        (v2, err("unsupported_version"), "version 2"),
        (big, mal("too_large"), "257 bytes"),
        (
            size_bytes,
            mal("unexpected_type"),
            "a size that is a byte string",
        ),
        (
            log.entries[0].clone(),
            mal("wrong_object_type"),
            "a sealed record",
        ),
    ] {
        f.add(
            v(
                "decode_checkpoint",
                format!("A checkpoint with {what}"),
                &["SR-LOG-5"],
                expect,
            )
            .i("checkpoint", hex(&bytes)),
        );
    }

    // --- The log-entry context (SR-LOG-2, SR-LOG-3) -------------------------------------
    let example_id: Vec<u8> = (0xa0..=0xaf).collect();
    f.add(
        v(
            "log_entry_context",
            "SPEC.md 11.15.2's example: log id a0..af, position 1, app user:alice",
            &["SR-LOG-2"],
            Expect::Ok,
        )
        .f(&["SpecExample"])
        .i("log_id", hex(&example_id))
        .i("position", 1)
        .i("app", hex(APP)),
    );
    for (position, app, expect, what) in [
        (
            (1u64 << 53) - 2,
            vec![0x61; 3900],
            Expect::Ok,
            "the largest position and application context",
        ),
        (1u64 << 53, Vec::new(), limit("log_full"), "position 2^53"),
        (
            (1u64 << 53) - 1,
            Vec::new(),
            limit("log_full"),
            "position 2^53 - 1",
        ),
        (
            0,
            vec![0x61; 3901],
            limit("context_too_long"),
            "an application context of 3,901 bytes",
        ),
    ] {
        f.add(
            v(
                "log_entry_context",
                format!("The log-entry context at {what}"),
                &["SR-LOG-2", "SR-LOG-3"],
                expect,
            )
            .i("log_id", hex(&log.id))
            .i("position", position)
            .i("app", hex(&app)),
        );
    }

    // --- Appends (SR-LOG-13's SealEntry) ------------------------------------------------
    for size in [0usize, 3, 5] {
        f.add(
            v(
                "log_append",
                format!("Append an entry to the log of {size} entries"),
                &["SR-LOG-2", "SR-LOG-4", "SR-LOG-6", "SR-LOG-7", "SR-LOG-15"],
                Expect::Ok,
            )
            .with(&one.setup())
            .i("state", log.states[size].clone())
            .i("plaintext", hex(&texts[size]))
            .i("app", hex(APP))
            .i(
                "random",
                fx::rnd(&format!("log/main/entry/{size}"), fx::SEAL),
            ),
        );
    }
    let mut bad_frontier = log.states[5].clone();
    bad_frontier["frontier"][0] = hex([0u8; 32]).into();
    f.add(
        v(
            "log_append",
            "Append from a stored state whose frontier does not fold to its root",
            &["SR-LOG-13"],
            hv("log_entry_mismatch"),
        )
        .with(&one.setup())
        .i("state", bad_frontier.clone())
        .i("plaintext", hex(&texts[5]))
        .i("app", hex(APP))
        .i("random", fx::no_rnd()),
    );
    f.add(
        v(
            "log_append",
            "Append with an application context of 3,901 bytes",
            &["SR-LOG-3"],
            limit("context_too_long"),
        )
        .with(&one.setup())
        .i("state", log.states[2].clone())
        .i("plaintext", hex(&texts[2]))
        .i("app", hex(vec![0x61; 3901]))
        .i("random", fx::no_rnd()),
    );
    f.add(
        v(
            "log_append",
            "Append to another user's log state",
            &["SR-LOG-15"],
            err("wrong_keyring"),
        )
        .with(&one.setup())
        .i("state", bob_log.states[2].clone())
        .i("plaintext", hex(&texts[2]))
        .i("app", hex(APP))
        .i("random", fx::no_rnd()),
    );

    // --- Reading: honest histories (SR-LOG-10, SR-LOG-11) -------------------------------
    let read = |state: &Value, cp: &[u8], proof: Value, served: Value| {
        let mut o = one.setup();
        o.insert("state".into(), state.clone());
        o.insert("checkpoint".into(), hex(cp).into());
        o.insert("consistency_proof".into(), proof);
        o.insert("served".into(), served);
        o.insert("app".into(), hex(APP).into());
        o
    };
    let honest6 = served_json(&log.served(6));
    let empty0 = empty_state(one, &log.id);
    let cases: Vec<Case<String, Vec<&'static str>>> = vec![
        (
            "A new device reads the whole log of 6 entries (trust on first use)".into(),
            read(&empty0, &log.checkpoints[6], json!([]), honest6.clone()),
            Expect::Ok,
            vec!["SR-LOG-10", "SR-LOG-11", "SR-LOG-4", "SR-LOG-6"],
            vec![],
        ),
        (
            "A device pinned at 2 reads entries 2 to 5 with a consistency proof".into(),
            read(
                &log.states[2],
                &log.checkpoints[6],
                log.consistency(2, 6),
                honest6.clone(),
            ),
            Expect::Ok,
            vec!["SR-LOG-9", "SR-LOG-10", "SR-LOG-11", "SR-LOG-12"],
            vec![],
        ),
        (
            "A device pinned at 4 is served only the new entries 4 and 5".into(),
            read(
                &log.states[4],
                &log.checkpoints[6],
                log.consistency(4, 6),
                served_json(&log.served(6)[4..]),
            ),
            Expect::Ok,
            vec!["SR-LOG-9", "SR-LOG-11"],
            vec![],
        ),
        (
            "Nothing new: the checkpoint of the pinned size, no entries".into(),
            read(&log.states[6], &log.checkpoints[6], json!([]), json!([])),
            Expect::Ok,
            vec!["SR-LOG-10", "SR-LOG-11"],
            vec![],
        ),
    ];
    let mut cases = cases;
    // --- Reading: a hostile server -----------------------------------------------------
    let mut gap = log.served(6);
    gap.remove(3);
    let mut swapped = log.served(6);
    let e1 = swapped[1].1.clone();
    swapped[1].1 = swapped[2].1.clone();
    swapped[2].1 = e1;
    let mut replayed = log.served(6);
    replayed[3].1 = replayed[0].1.clone();
    let mut altered = log.served(6);
    let n = altered[5].1.len();
    altered[5].1[n - 1] ^= 0x01;
    let mut flipped_mac = log.checkpoints[6].clone();
    let m = flipped_mac.len();
    flipped_mac[m - 1] ^= 0x01;
    let mut relabelled = bob_log.checkpoints[6].clone();
    relabelled[7..23].copy_from_slice(&one.id);
    let mut bad_proof: Vec<Value> = log
        .consistency(3, 6)
        .as_array()
        .cloned()
        .unwrap_or_default();
    if let Some(first) = bad_proof.first_mut() {
        let mut h = hex::decode(first.as_str().unwrap_or_default()).unwrap_or_default();
        h[0] ^= 1;
        *first = hex(h).into();
    }
    let resealed = {
        let u = unlock(one);
        let st = LogState::from_parts(
            strongroom::LogPin::new(
                *u.keyring().id(),
                LogId::from_bytes(log.id.clone().try_into().expect("16")),
                2,
                log.tree(2).root(2).expect("root"),
            ),
            log.tree(2).frontier(2).expect("frontier"),
        )
        .expect("state");
        hazmat::seal_log_entry_with_rng(
            &u,
            &st,
            &texts[2],
            strongroom::Context::new(APP),
            &mut script("log/main/resealed/2"),
        )
        .expect("reseal")
        .entry()
        .as_bytes()
        .to_vec()
    };
    let mut resealed_served = log.served(6);
    resealed_served[2].1 = resealed;
    let hostile: Vec<Case<&str, Vec<&'static str>>> = vec![
        (
            "Entry 3 dropped from what the server serves (a gap)",
            read(&empty0, &log.checkpoints[6], json!([]), served_json(&gap)),
            hv("log_entry_missing"),
            vec!["SR-LOG-11"],
            vec!["HostileServer"],
        ),
        (
            "The newest entry withheld under the current checkpoint",
            read(
                &log.states[4],
                &log.checkpoints[6],
                log.consistency(4, 6),
                served_json(&log.served(5)),
            ),
            hv("log_entry_missing"),
            vec!["SR-LOG-11"],
            vec!["HostileServer"],
        ),
        (
            "Entries 1 and 2 served in each other's place (reordered)",
            read(
                &empty0,
                &log.checkpoints[6],
                json!([]),
                served_json(&swapped),
            ),
            hv("log_entry_mismatch"),
            vec!["SR-LOG-11", "SR-LOG-4"],
            vec!["HostileServer"],
        ),
        (
            "Entry 0 served again at position 3 (replayed)",
            read(
                &empty0,
                &log.checkpoints[6],
                json!([]),
                served_json(&replayed),
            ),
            hv("log_entry_mismatch"),
            vec!["SR-LOG-11", "SR-LOG-4"],
            vec!["HostileServer"],
        ),
        (
            "The last byte of entry 5's tag altered",
            read(
                &empty0,
                &log.checkpoints[6],
                json!([]),
                served_json(&altered),
            ),
            hv("log_entry_mismatch"),
            vec!["SR-LOG-11", "SR-LOG-4"],
            vec!["HostileServer"],
        ),
        (
            "Entry 2 sealed again at its own position: a genuine record, not the committed one",
            read(
                &empty0,
                &log.checkpoints[6],
                json!([]),
                served_json(&resealed_served),
            ),
            hv("log_entry_mismatch"),
            vec!["SR-LOG-11", "SR-LOG-4"],
            vec!["HostileServer", "KeyHolder"],
        ),
        (
            "Another log's entries under this log's checkpoint",
            read(
                &empty0,
                &log.checkpoints[6],
                json!([]),
                served_json(&other_log.served(6)),
            ),
            hv("log_entry_mismatch"),
            vec!["SR-LOG-11"],
            vec!["HostileServer"],
        ),
        (
            "Another user's entries under this log's checkpoint",
            read(
                &empty0,
                &log.checkpoints[6],
                json!([]),
                served_json(&bob_log.served(6)),
            ),
            hv("log_entry_mismatch"),
            vec!["SR-LOG-11"],
            vec!["HostileServer"],
        ),
        (
            "An older checkpoint (size 3) served to a device pinned at 5 (rollback)",
            read(
                &log.states[5],
                &log.checkpoints[3],
                json!([]),
                served_json(&log.served(3)),
            ),
            hv("log_truncated"),
            vec!["SR-LOG-10", "SR-LOG-12"],
            vec!["HostileServer"],
        ),
        (
            "The empty log's checkpoint served to a device pinned at 6",
            read(&log.states[6], &log.checkpoints[0], json!([]), json!([])),
            hv("log_truncated"),
            vec!["SR-LOG-10"],
            vec!["HostileServer"],
        ),
        (
            "A fork of the pinned size: another entry 4 and 5, shown to a device pinned at 6",
            read(
                &log.states[6],
                &fork.checkpoints[6],
                json!([]),
                served_json(&fork.served(6)),
            ),
            hv("log_fork"),
            vec!["SR-LOG-10"],
            vec!["HostileServer", "KeyHolder"],
        ),
        (
            "A longer fork: size 6 from the fork, shown to a device pinned at 5, with the fork's own proof",
            read(
                &log.states[5],
                &fork.checkpoints[6],
                fork.consistency(5, 6),
                served_json(&fork.served(6)),
            ),
            hv("log_fork"),
            vec!["SR-LOG-10", "SR-LOG-9"],
            vec!["HostileServer", "KeyHolder"],
        ),
        (
            "A consistency proof with one bit flipped",
            read(
                &log.states[3],
                &log.checkpoints[6],
                Value::Array(bad_proof),
                honest6.clone(),
            ),
            hv("log_fork"),
            vec!["SR-LOG-9", "SR-LOG-10"],
            vec!["HostileServer"],
        ),
        (
            "No consistency proof where one is needed",
            read(
                &log.states[3],
                &log.checkpoints[6],
                json!([]),
                honest6.clone(),
            ),
            hv("log_fork"),
            vec!["SR-LOG-9", "SR-LOG-10"],
            vec!["HostileServer"],
        ),
        (
            "The checkpoint of another log of the same user",
            read(
                &log.states[2],
                &other_log.checkpoints[6],
                other_log.consistency(2, 6),
                served_json(&other_log.served(6)),
            ),
            hv("log_replaced"),
            vec!["SR-LOG-10"],
            vec!["HostileServer"],
        ),
        (
            "Another user's checkpoint",
            read(
                &log.states[2],
                &bob_log.checkpoints[6],
                json!([]),
                served_json(&bob_log.served(6)),
            ),
            err("wrong_keyring"),
            vec!["SR-LOG-10"],
            vec!["HostileServer"],
        ),
        (
            "Another user's checkpoint with this keyring's id spliced in",
            read(
                &empty0,
                &relabelled,
                json!([]),
                served_json(&bob_log.served(6)),
            ),
            err("checkpoint_authentication_failed"),
            vec!["SR-LOG-6", "SR-LOG-10"],
            vec!["HostileServer"],
        ),
        (
            "The checkpoint's MAC with its last bit flipped",
            read(&empty0, &flipped_mac, json!([]), honest6.clone()),
            err("checkpoint_authentication_failed"),
            vec!["SR-LOG-6", "SR-LOG-10"],
            vec!["HostileServer"],
        ),
        (
            "A checkpoint cut short by one byte",
            read(
                &empty0,
                &log.checkpoints[6][..log.checkpoints[6].len() - 1],
                json!([]),
                honest6.clone(),
            ),
            mal("truncated"),
            vec!["SR-LOG-5", "SR-LOG-10"],
            vec!["HostileServer"],
        ),
        (
            "A stored state whose frontier does not fold to its root",
            read(
                &bad_frontier,
                &log.checkpoints[6],
                json!([]),
                honest6.clone(),
            ),
            hv("log_entry_mismatch"),
            vec!["SR-LOG-13"],
            vec![],
        ),
    ];
    for (d, o, e, s, fl) in hostile {
        cases.push((d.into(), o, e, s, fl));
    }
    for (desc, inputs, expect, spec, flags) in cases {
        let mut vec = v("log_read", desc, &spec, expect).with(&inputs);
        vec.flags.extend(flags);
        f.add(vec);
    }

    // --- One entry with its inclusion proof (SR-LOG-8, SR-LOG-11) -----------------------
    let open = |position: u64, entry: Value, proof: Value, app: &[u8]| {
        let mut o = one.setup();
        o.insert("log_pin".into(), pin_of(&empty0));
        o.insert("checkpoint".into(), hex(&log.checkpoints[6]).into());
        o.insert("consistency_proof".into(), json!([]));
        o.insert("position".into(), position.into());
        o.insert("entry".into(), entry);
        o.insert("inclusion_proof".into(), proof);
        o.insert("app".into(), hex(app).into());
        o
    };
    let e3: Value = hex(&log.entries[3]).into();
    let p3 = log.inclusion(3, 6);
    let one_entry: Vec<Case<&str, &[&'static str]>> = vec![
        (
            "Open entry 3 of 6 with its inclusion proof",
            open(3, e3.clone(), p3.clone(), APP),
            Expect::Ok,
            &["SR-LOG-8", "SR-LOG-11"],
            &[],
        ),
        (
            "Entry 4's bytes served for position 3",
            open(3, hex(&log.entries[4]).into(), p3.clone(), APP),
            hv("log_entry_mismatch"),
            &["SR-LOG-8", "SR-LOG-11"],
            &["HostileServer"],
        ),
        (
            "Entry 3 with the inclusion proof of position 4",
            open(3, e3.clone(), log.inclusion(4, 6), APP),
            hv("log_entry_mismatch"),
            &["SR-LOG-8", "SR-LOG-11"],
            &["HostileServer"],
        ),
        (
            "No entry served for position 3",
            open(3, Value::Null, p3.clone(), APP),
            hv("log_entry_missing"),
            &["SR-LOG-11"],
            &["HostileServer"],
        ),
        (
            "Position 6 of a checkpoint of size 6",
            open(6, e3.clone(), p3.clone(), APP),
            hv("log_entry_missing"),
            &["SR-LOG-11"],
            &["HostileServer"],
        ),
        (
            "Entry 3 opened under another application context",
            open(3, e3.clone(), p3.clone(), b"user:bob"),
            err("record_authentication_failed"),
            &["SR-LOG-2", "SR-LOG-11"],
            &[],
        ),
    ];
    for (desc, inputs, expect, spec, flags) in one_entry {
        f.add(
            v("log_open_entry", desc, spec, expect)
                .with(&inputs)
                .f(flags),
        );
    }

    // --- Added after the first release of log.json (ids stay stable: appended here) -------
    // A checkpoint's text given to the keyring and record decoders: the type letter `c`
    // belongs to the prefix grammar (section 13), so the type is wrong, not the prefix.
    for (op, what) in [
        ("decode_keyring_text", "keyring"),
        ("decode_record_text", "record"),
    ] {
        f.add(
            v(
                op,
                format!("A checkpoint's text src1. given to the {what} decoder"),
                &["SR-TXT-1", "SR-LOG-5"],
                mal("wrong_object_type"),
            )
            .i("text", text.clone()),
        );
    }
    f.add(
        v(
            "decode_keyring_text",
            "src2.AA given to the keyring decoder: a checkpoint prefix of another version is \
             still another type",
            &["SR-TXT-1"],
            mal("wrong_object_type"),
        )
        .i("text", "src2.AA"),
    );
    f.add(
        v(
            "log_entry_context",
            "Position 2^53 - 1 and an application context of 3,901 bytes: the context is \
             checked first",
            &["SR-LOG-2", "SR-LOG-3"],
            limit("context_too_long"),
        )
        .f(&["MultiFault"])
        .i("log_id", hex(&log.id))
        .i("position", (1u64 << 53) - 1)
        .i("app", hex([0x61; 3901])),
    );
    f.add(
        v(
            "log_read",
            "A stored state of another keyring (bob's log at size 2) read against this \
             keyring's checkpoint: VerifyCheckpoint step 4",
            &["SR-LOG-10"],
            hv("log_replaced"),
        )
        .with(&read(
            &bob_log.states[2],
            &log.checkpoints[6],
            json!([]),
            honest6.clone(),
        )),
    );
    f
}
