//! Tamper-evident logs (SPEC.md 11.15) against a hostile storage server, simulated in
//! memory: honest histories, two devices racing, and every attack of the section's table
//! (dropped, reordered, replayed, truncated and forked entries and checkpoints, and objects
//! swapped between logs and users). Every test states the requirements it proves in its
//! first comment line.

mod common;

use common::{FAST_PBKDF2, TestRandom, new_keyring};
use strongroom::hazmat;
use strongroom::{
    Checkpoint, ConsistencyProof, Context, Error, HistoryViolation, InclusionProof, Limit,
    LogAppend, LogId, LogPin, LogState, LogTree, Malformed, SealedRecord, UnlockedKeyring,
    VerifiedCheckpoint,
};

const APP: Context<'static> = Context::new(b"user:alice");

fn hv(h: HistoryViolation) -> Error {
    Error::HistoryViolation(h)
}

fn log_id(seed: u64) -> LogId {
    hazmat::log_id_with_rng(&mut TestRandom::new(seed)).unwrap()
}

/// The honest half of a storage server: one checkpoint and the entries, replaced only by a
/// compare-and-swap on the current size and root.
#[derive(Clone, Default)]
struct Server {
    checkpoint: Option<Vec<u8>>,
    entries: Vec<Vec<u8>>,
}

#[derive(Debug)]
struct Conflict;

impl Server {
    fn create(&mut self, checkpoint: &Checkpoint) {
        assert!(self.checkpoint.is_none());
        self.checkpoint = Some(checkpoint.as_bytes().to_vec());
    }

    fn current(&self) -> Checkpoint {
        Checkpoint::from_bytes(self.checkpoint.as_ref().unwrap()).unwrap()
    }

    fn append(&mut self, a: &LogAppend) -> Result<(), Conflict> {
        let current = self.current();
        if current.size() != a.expected().size() || current.root() != a.expected().root() {
            return Err(Conflict);
        }
        assert_eq!(current.size(), self.entries.len() as u64);
        self.entries.push(a.entry().as_bytes().to_vec());
        self.checkpoint = Some(a.checkpoint().as_bytes().to_vec());
        Ok(())
    }

    fn tree(&self) -> LogTree {
        let mut t = LogTree::new();
        for e in &self.entries {
            t.push_entry(e);
        }
        t
    }

    fn consistency(&self, from: u64, to: u64) -> ConsistencyProof {
        self.tree()
            .consistency_proof(from, to)
            .unwrap_or_else(ConsistencyProof::empty)
    }

    fn served(&self) -> Vec<(u64, Vec<u8>)> {
        self.entries
            .iter()
            .enumerate()
            .map(|(i, e)| (i as u64, e.clone()))
            .collect()
    }
}

/// What a server serves: (position, entry bytes) pairs.
type Served = Vec<(u64, Vec<u8>)>;

fn refs(served: &[(u64, Vec<u8>)]) -> Vec<(u64, &[u8])> {
    served.iter().map(|(p, e)| (*p, &e[..])).collect()
}

/// A client device: its keyring and its state (pin and frontier) of one log.
struct Device<'k> {
    keyring: &'k UnlockedKeyring,
    state: LogState,
}

impl<'k> Device<'k> {
    fn new(keyring: &'k UnlockedKeyring, id: LogId) -> Self {
        Device {
            keyring,
            state: LogState::empty(*keyring.keyring().id(), id),
        }
    }

    /// Verifies what the server serves against the pin and reads forward.
    fn sync_from(
        &mut self,
        checkpoint: &Checkpoint,
        proof: &ConsistencyProof,
        served: &[(u64, Vec<u8>)],
    ) -> Result<Vec<Vec<u8>>, Error> {
        let verified = self
            .keyring
            .verify_checkpoint(checkpoint, self.state.pin(), proof)?;
        let (plaintexts, state) =
            self.keyring
                .open_log_entries(&self.state, &verified, &refs(served), APP)?;
        self.state = state;
        Ok(plaintexts.iter().map(|p| p.to_vec()).collect())
    }

    fn sync(&mut self, server: &Server) -> Result<Vec<Vec<u8>>, Error> {
        let c = server.current();
        let proof = server.consistency(self.state.size(), c.size());
        self.sync_from(&c, &proof, &server.served())
    }

    /// Appends with compare-and-swap, re-sealing at the new position after each conflict.
    /// Returns how many conflicts it met.
    fn append(&mut self, server: &mut Server, plaintext: &[u8]) -> usize {
        let mut conflicts = 0;
        loop {
            self.sync(server).unwrap();
            let a = self
                .keyring
                .seal_log_entry(&self.state, plaintext, APP)
                .unwrap();
            match server.append(&a) {
                Ok(()) => {
                    self.state = a.acknowledged();
                    return conflicts;
                }
                Err(Conflict) => conflicts += 1,
            }
        }
    }
}

/// A keyring, a log on an honest server with `n` entries "entry i", and the device that
/// wrote them.
fn setup(n: usize) -> (UnlockedKeyring, LogId, Server) {
    let k = new_keyring(1, FAST_PBKDF2);
    let id = log_id(2);
    let mut server = Server::default();
    let (c, state) = k.create_log(id);
    server.create(&c);
    let mut d = Device { keyring: &k, state };
    for i in 0..n {
        d.append(&mut server, format!("entry {i}").as_bytes());
    }
    drop(d);
    (k, id, server)
}

fn texts(n: std::ops::Range<usize>) -> Vec<Vec<u8>> {
    n.map(|i| format!("entry {i}").into_bytes()).collect()
}

// SR-LOG-1, SR-LOG-2, SR-LOG-4, SR-LOG-6, SR-LOG-10, SR-LOG-11, SR-LOG-12, SR-LOG-15: an honest
// history: one device appends, a second reads the whole log from nothing (trust on first
// use), both append in turn and read each other's entries, and every pin agrees.
#[test]
fn sr_log_15_honest_history_two_devices() {
    let (k, id, mut server) = setup(10);
    let mut b = Device::new(&k, id);
    assert_eq!(b.sync(&server).unwrap(), texts(0..10));
    assert_eq!(b.state.size(), 10);
    b.append(&mut server, b"entry 10");
    let mut a = Device::new(&k, id);
    assert_eq!(a.sync(&server).unwrap(), texts(0..11));
    a.append(&mut server, b"entry 11");
    assert_eq!(b.sync(&server).unwrap(), texts(11..12));
    assert_eq!(a.state.pin(), b.state.pin());
    // Nothing new: an empty read, the pin unchanged.
    assert_eq!(b.sync(&server).unwrap(), Vec::<Vec<u8>>::new());
    assert_eq!(a.state.pin(), b.state.pin());
    assert_eq!(server.current().size(), 12);
    assert_eq!(server.current().root(), &server.tree().root(12).unwrap());
    // The log-entry context is the one of SR-LOG-2: the entry opens as an ordinary record
    // under it, and under no other.
    let rec = SealedRecord::from_bytes(&server.entries[3]).unwrap();
    let ctx = id.entry_context(3, APP.as_bytes()).unwrap();
    assert_eq!(&k.open(&rec, Context::new(&ctx)).unwrap()[..], b"entry 3");
    for other in [
        id.entry_context(4, APP.as_bytes()).unwrap(),
        id.entry_context(3, b"user:bob").unwrap(),
        log_id(3).entry_context(3, APP.as_bytes()).unwrap(),
        b"user:alice|log|3".to_vec(),
    ] {
        assert_eq!(
            k.open(&rec, Context::new(&other)).unwrap_err(),
            Error::RecordAuthenticationFailed
        );
    }
}

// SR-LOG-8, SR-LOG-11: any single entry of a verified checkpoint opens with its inclusion
// proof, without the rest of the log; another entry's bytes, a proof for another position,
// or no entry at all are refused before anything is decrypted.
#[test]
fn sr_log_11_single_entry_with_inclusion_proof() {
    let (k, id, server) = setup(13);
    let c = server.current();
    let verified = k
        .verify_checkpoint(
            &c,
            &LogPin::empty(*k.keyring().id(), id),
            &ConsistencyProof::empty(),
        )
        .unwrap();
    let tree = server.tree();
    for p in 0..13u64 {
        let proof = tree.inclusion_proof(p, 13).unwrap();
        let entry = &server.entries[p as usize];
        let pt = k
            .open_log_entry(&verified, p, Some(entry), &proof, APP)
            .unwrap();
        assert_eq!(&pt[..], format!("entry {p}").as_bytes());
        // Another position's entry with this position's proof: a reorder or a replay.
        let other = &server.entries[((p + 1) % 13) as usize];
        assert_eq!(
            k.open_log_entry(&verified, p, Some(other), &proof, APP)
                .unwrap_err(),
            hv(HistoryViolation::LogEntryMismatch)
        );
        // The right entry with the proof of another position.
        let wrong = tree.inclusion_proof((p + 1) % 13, 13).unwrap();
        assert_eq!(
            k.open_log_entry(&verified, p, Some(entry), &wrong, APP)
                .unwrap_err(),
            hv(HistoryViolation::LogEntryMismatch)
        );
        assert_eq!(
            k.open_log_entry(&verified, p, None, &proof, APP)
                .unwrap_err(),
            hv(HistoryViolation::LogEntryMissing)
        );
        // The right entry, opened under another application context.
        assert_eq!(
            k.open_log_entry(&verified, p, Some(entry), &proof, Context::new(b"user:bob"))
                .unwrap_err(),
            Error::RecordAuthenticationFailed
        );
    }
    // A position the checkpoint does not cover is missing, whatever is served for it.
    let proof = tree.inclusion_proof(0, 13).unwrap();
    assert_eq!(
        k.open_log_entry(&verified, 13, Some(&server.entries[0]), &proof, APP)
            .unwrap_err(),
        hv(HistoryViolation::LogEntryMissing)
    );
    // SR-LOG-3: the application context is bounded first.
    let long = vec![0u8; 3901];
    assert_eq!(
        k.open_log_entry(&verified, 0, None, &proof, Context::new(&long))
            .unwrap_err(),
        Error::LimitExceeded(Limit::ContextTooLong)
    );
}

// SR-LOG-11: a dropped entry (a gap in what the server serves, or the newest entries
// withheld under the current checkpoint) is log_entry_missing, and no plaintext is released,
// not even of the entries before the gap.
#[test]
fn sr_log_11_dropped_entry_is_missing() {
    let (k, id, server) = setup(8);
    for drop in [0usize, 3, 7] {
        let mut served = server.served();
        served.remove(drop);
        let mut d = Device::new(&k, id);
        let c = server.current();
        assert_eq!(
            d.sync_from(&c, &ConsistencyProof::empty(), &served)
                .unwrap_err(),
            hv(HistoryViolation::LogEntryMissing)
        );
        assert_eq!(d.state.size(), 0, "the state does not move on a failure");
    }
    // Entries served under the wrong position numbers leave a gap too; extra pairs beyond
    // the checkpoint are ignored.
    let mut served = server.served();
    served[5].0 = 50;
    let mut d = Device::new(&k, id);
    assert_eq!(
        d.sync_from(&server.current(), &ConsistencyProof::empty(), &served)
            .unwrap_err(),
        hv(HistoryViolation::LogEntryMissing)
    );
    let mut served = server.served();
    served.push((8, server.entries[0].clone()));
    assert_eq!(
        d.sync_from(&server.current(), &ConsistencyProof::empty(), &served)
            .unwrap()
            .len(),
        8
    );
}

// SR-LOG-4, SR-LOG-11: reordered, replayed, altered and truncated entries under an honest
// checkpoint do not give its root: log_entry_mismatch, before any entry is opened.
#[test]
fn sr_log_11_reordered_replayed_altered_entries() {
    let (k, id, server) = setup(8);
    let c = server.current();
    let mut cases: Vec<(&str, Served)> = Vec::new();
    let mut swapped = server.served();
    let (e2, e5) = (swapped[2].1.clone(), swapped[5].1.clone());
    swapped[2].1 = e5;
    swapped[5].1 = e2;
    cases.push(("reordered", swapped));
    let mut replayed = server.served();
    replayed[6].1 = replayed[1].1.clone();
    cases.push(("replayed", replayed));
    let mut altered = server.served();
    let last = altered[4].1.len() - 1;
    altered[4].1[last] ^= 1;
    cases.push(("altered tag", altered));
    let mut garbage = server.served();
    garbage[0].1 = b"not a record".to_vec();
    cases.push(("not a record", garbage));
    let mut resealed = server.served();
    // An entry sealed again by the key holder at the same position: a genuine record, but
    // not the one the checkpoint commits to.
    let state = LogState::from_parts(
        LogPin::new(*k.keyring().id(), id, 3, server.tree().root(3).unwrap()),
        server.tree().frontier(3).unwrap(),
    )
    .unwrap();
    resealed[3].1 = k
        .seal_log_entry(&state, b"entry 3", APP)
        .unwrap()
        .entry()
        .as_bytes()
        .to_vec();
    cases.push(("resealed", resealed));
    for (name, served) in cases {
        let mut d = Device::new(&k, id);
        assert_eq!(
            d.sync_from(&c, &ConsistencyProof::empty(), &served)
                .unwrap_err(),
            hv(HistoryViolation::LogEntryMismatch),
            "{name}"
        );
    }
}

// SR-LOG-10, SR-LOG-12: checkpoints replayed from the past (rollback, truncation) are
// log_truncated for a client whose pin is newer; a checkpoint of the pinned size with
// another root, or a longer one that does not extend the pin, is log_fork.
#[test]
fn sr_log_10_truncation_rollback_and_fork() {
    let k = new_keyring(1, FAST_PBKDF2);
    let id = log_id(2);
    let mut server = Server::default();
    let (c0, _) = k.create_log(id);
    server.create(&c0);
    let mut a = Device::new(&k, id);
    let mut history = vec![server.clone()];
    for i in 0..6 {
        a.append(&mut server, format!("entry {i}").as_bytes());
        history.push(server.clone());
    }
    // Every older checkpoint, including the empty log's: truncated.
    for old in &history[..6] {
        let mut fresh = Device {
            keyring: &k,
            state: a.state.clone(),
        };
        assert_eq!(
            fresh.sync(old).unwrap_err(),
            hv(HistoryViolation::LogTruncated)
        );
    }
    // The server forks at size 4: device B is shown the log of 4 entries and appends two of
    // its own. Device A (pin at 6) is then shown B's history.
    let mut fork = history[4].clone();
    let mut b = Device::new(&k, id);
    b.append(&mut fork, b"B's entry 4");
    let mut a2 = Device {
        keyring: &k,
        state: a.state.clone(),
    };
    assert_eq!(
        a2.sync(&fork).unwrap_err(),
        hv(HistoryViolation::LogTruncated)
    );
    b.append(&mut fork, b"B's entry 5");
    assert_eq!(a2.sync(&fork).unwrap_err(), hv(HistoryViolation::LogFork));
    b.append(&mut fork, b"B's entry 6");
    // Longer than A's pin: the consistency proof the server can give does not verify, and
    // neither does one computed from A's own history.
    assert_eq!(a2.sync(&fork).unwrap_err(), hv(HistoryViolation::LogFork));
    let forged = server.consistency(6, 7);
    assert_eq!(
        a2.sync_from(&fork.current(), &forged, &fork.served())
            .unwrap_err(),
        hv(HistoryViolation::LogFork)
    );
    // And B, pinned on the fork at 7, refuses A's history the same way: shorter, then
    // longer but not an extension of B's.
    assert_eq!(
        b.sync(&server).unwrap_err(),
        hv(HistoryViolation::LogTruncated)
    );
    let mut longer = server.clone();
    let mut a3 = Device {
        keyring: &k,
        state: a.state.clone(),
    };
    a3.append(&mut longer, b"entry 6");
    assert_eq!(b.sync(&longer).unwrap_err(), hv(HistoryViolation::LogFork));
    a3.append(&mut longer, b"entry 7");
    assert_eq!(b.sync(&longer).unwrap_err(), hv(HistoryViolation::LogFork));
    // The honest log still verifies for A, whose state never moved.
    assert_eq!(a2.sync(&server).unwrap(), Vec::<Vec<u8>>::new());
}

// SR-LOG-9, SR-LOG-10: a consistency proof altered in transit, cut short or padded is
// log_fork, while the honest one verifies; a pin of size 0 needs no proof at all.
#[test]
fn sr_log_9_tampered_consistency_proof() {
    let (k, id, mut server) = setup(5);
    let mut a = Device::new(&k, id);
    a.sync(&server).unwrap();
    let mut b = Device::new(&k, id);
    b.sync(&server).unwrap();
    for i in 5..9 {
        b.append(&mut server, format!("entry {i}").as_bytes());
    }
    let c = server.current();
    let honest = server.consistency(5, 9);
    let h = honest.hashes().to_vec();
    assert!(!h.is_empty());
    let mut flipped = h.clone();
    flipped[0][0] ^= 1;
    let mut longer = h.clone();
    longer.push([0; 32]);
    for bad in [
        flipped,
        h[1..].to_vec(),
        longer,
        Vec::new(),
        vec![[0; 32]; 65],
    ] {
        assert_eq!(
            k.verify_checkpoint(&c, a.state.pin(), &ConsistencyProof::new(bad))
                .unwrap_err(),
            hv(HistoryViolation::LogFork)
        );
    }
    k.verify_checkpoint(&c, a.state.pin(), &honest).unwrap();
    // An empty pin ignores whatever proof comes with the checkpoint (trust on first use).
    let empty = LogPin::empty(*k.keyring().id(), id);
    k.verify_checkpoint(&c, &empty, &ConsistencyProof::new(vec![[1; 32]]))
        .unwrap();
}

// SR-LOG-6, SR-LOG-10: checkpoints swapped between logs of one user are log_replaced, those of
// another user wrong_keyring, and a checkpoint with any byte changed, or another keyring's
// checkpoint relabelled with this keyring's id, fails its MAC.
#[test]
fn sr_log_10_swapped_and_forged_checkpoints() {
    let (k, id, server) = setup(4);
    let pin = LogPin::empty(*k.keyring().id(), id);
    let empty = ConsistencyProof::empty();
    // Another log of the same keyring, with as many entries.
    let other_id = log_id(9);
    let mut other = Server::default();
    other.create(&k.create_log(other_id).0);
    let mut d = Device::new(&k, other_id);
    for i in 0..4 {
        d.append(&mut other, format!("entry {i}").as_bytes());
    }
    assert_eq!(
        k.verify_checkpoint(&other.current(), &pin, &empty)
            .unwrap_err(),
        hv(HistoryViolation::LogReplaced)
    );
    // Its entries under this log's checkpoint: not the committed leaves.
    let mut reader = Device::new(&k, id);
    assert_eq!(
        reader
            .sync_from(&server.current(), &empty, &other.served())
            .unwrap_err(),
        hv(HistoryViolation::LogEntryMismatch)
    );
    // Another user's keyring and log.
    let bob = new_keyring(7, FAST_PBKDF2);
    let (bob_c, _) = bob.create_log(id);
    assert_eq!(
        k.verify_checkpoint(&bob_c, &pin, &empty).unwrap_err(),
        Error::WrongKeyring
    );
    // Bob's checkpoint with Alice's keyring id spliced in: the MAC does not verify.
    let mut spliced = bob_c.as_bytes().to_vec();
    spliced[7..23].copy_from_slice(k.keyring().id());
    let spliced = Checkpoint::from_bytes(&spliced).unwrap();
    assert_eq!(
        k.verify_checkpoint(&spliced, &pin, &empty).unwrap_err(),
        Error::CheckpointAuthenticationFailed
    );
    // Every byte after the keyring id, flipped: a MAC failure (or, where the flip breaks
    // the encoding, a decoding error), never success.
    let good = server.current().as_bytes().to_vec();
    for at in 23..good.len() {
        let mut t = good.clone();
        t[at] ^= 0x01;
        match Checkpoint::from_bytes(&t) {
            Ok(c) => assert_eq!(
                k.verify_checkpoint(&c, &pin, &empty).unwrap_err(),
                Error::CheckpointAuthenticationFailed,
                "byte {at}"
            ),
            Err(e) => assert_eq!(e.class(), "malformed", "byte {at}"),
        }
    }
    // A pin of another keyring names another log, even for this keyring's checkpoint.
    let foreign_pin = LogPin::empty(*bob.keyring().id(), id);
    assert_eq!(
        k.verify_checkpoint(&server.current(), &foreign_pin, &empty)
            .unwrap_err(),
        hv(HistoryViolation::LogReplaced)
    );
}

// SR-LOG-11: entries swapped between users: Bob's entries served in Alice's log are not the
// leaves of her checkpoint, and Bob's record does not open under Alice's keyring anyway.
#[test]
fn sr_log_11_entries_swapped_between_users() {
    let (k, id, server) = setup(3);
    let bob = new_keyring(7, FAST_PBKDF2);
    let mut bob_server = Server::default();
    bob_server.create(&bob.create_log(id).0);
    let mut bd = Device::new(&bob, id);
    for i in 0..3 {
        bd.append(&mut bob_server, format!("entry {i}").as_bytes());
    }
    let mut d = Device::new(&k, id);
    assert_eq!(
        d.sync_from(
            &server.current(),
            &ConsistencyProof::empty(),
            &bob_server.served()
        )
        .unwrap_err(),
        hv(HistoryViolation::LogEntryMismatch)
    );
    let rec = SealedRecord::from_bytes(&bob_server.entries[0]).unwrap();
    let ctx = id.entry_context(0, APP.as_bytes()).unwrap();
    assert_eq!(
        k.open(&rec, Context::new(&ctx)).unwrap_err(),
        Error::WrongKeyring
    );
}

// SR-LOG-15, SR-LOG-12: two devices race from the same state; the server's compare-and-swap
// lets exactly one win; the loser notices the conflict, reads the winner's entry, seals its
// plaintext again at the next position, and both end with the same head. No position ever
// holds an entry other than the one acknowledged, and the loser's first sealing is not in
// the log.
#[test]
fn sr_log_15_two_devices_race() {
    let (k, id, mut server) = setup(3);
    let mut a = Device::new(&k, id);
    let mut b = Device::new(&k, id);
    a.sync(&server).unwrap();
    b.sync(&server).unwrap();
    let pa = k.seal_log_entry(&a.state, b"from A", APP).unwrap();
    let pb = k.seal_log_entry(&b.state, b"from B", APP).unwrap();
    assert_eq!(pa.position(), 3);
    assert_eq!(pb.position(), 3);
    server.append(&pa).unwrap();
    a.state = pa.acknowledged();
    assert!(server.append(&pb).is_err(), "stale expectation");
    // B's append loop: re-reads, re-seals at 4.
    assert_eq!(b.append(&mut server, b"from B"), 0);
    assert_eq!(server.entries.len(), 5);
    assert!(!server.entries.contains(&pb.entry().as_bytes().to_vec()));
    assert_eq!(a.sync(&server).unwrap(), vec![b"from B".to_vec()]);
    assert_eq!(a.state.pin(), b.state.pin());
    // Many rounds of interleaved appends from three devices converge on one history in
    // which each plaintext appears exactly once.
    let mut c = Device::new(&k, id);
    let mut expected: Vec<Vec<u8>> = texts(0..3);
    expected.push(b"from A".to_vec());
    expected.push(b"from B".to_vec());
    let mut conflicts = 0;
    for round in 0..10 {
        let sealed: Vec<LogAppend> = [&mut a, &mut b, &mut c]
            .into_iter()
            .enumerate()
            .map(|(j, d)| {
                d.sync(&server).unwrap();
                k.seal_log_entry(&d.state, format!("r{round} d{j}").as_bytes(), APP)
                    .unwrap()
            })
            .collect();
        for (j, p) in sealed.into_iter().enumerate() {
            let text = format!("r{round} d{j}").into_bytes();
            let d = [&mut a, &mut b, &mut c].into_iter().nth(j).unwrap();
            match server.append(&p) {
                Ok(()) => d.state = p.acknowledged(),
                Err(Conflict) => {
                    conflicts += 1;
                    d.append(&mut server, &text);
                }
            }
            expected.push(text);
        }
    }
    assert!(conflicts >= 10, "{conflicts}");
    let mut fresh = Device::new(&k, id);
    let mut all = fresh.sync(&server).unwrap();
    assert_eq!(all.len(), expected.len());
    all.sort();
    expected.sort();
    assert_eq!(all, expected, "every plaintext exactly once");
    for d in [&mut a, &mut b, &mut c] {
        d.sync(&server).unwrap();
        assert_eq!(d.state.pin(), fresh.state.pin());
    }
}

// SR-LOG-16: a lost answer. If the append went through, the server's next checkpoint
// includes the entry at its position (verified by an inclusion proof); if not, the
// checkpoint is still the expected one and the same append is sent again.
#[test]
fn sr_log_16_lost_answer() {
    let (k, id, mut server) = setup(4);
    let mut a = Device::new(&k, id);
    a.sync(&server).unwrap();
    // The append went through, but the answer was lost; another device appended since.
    let p = k.seal_log_entry(&a.state, b"lost answer", APP).unwrap();
    server.append(&p).unwrap();
    let mut other = Device::new(&k, id);
    other.append(&mut server, b"after");
    let c = server.current();
    let verified: VerifiedCheckpoint = k
        .verify_checkpoint(&c, p.expected(), &server.consistency(4, c.size()))
        .unwrap();
    let proof = server.tree().inclusion_proof(4, c.size()).unwrap();
    assert!(p.included_in(&verified, &proof));
    assert!(!p.included_in(&verified, &InclusionProof::default()));
    a.state = p.clone().acknowledged();
    assert_eq!(a.sync(&server).unwrap(), vec![b"after".to_vec()]);
    // Its own checkpoint counts as well, with no proof.
    let q = k.seal_log_entry(&a.state, b"second", APP).unwrap();
    server.append(&q).unwrap();
    let v = k
        .verify_checkpoint(&server.current(), q.expected(), &server.consistency(6, 7))
        .unwrap();
    assert!(q.included_in(&v, &InclusionProof::default()));
    // The append did not go through: the checkpoint is still the expected one, the entry is
    // not in it, and the identical append (same bytes) is sent again.
    let r = k
        .seal_log_entry(&q.clone().acknowledged(), b"third", APP)
        .unwrap();
    let v = k
        .verify_checkpoint(&server.current(), r.expected(), &ConsistencyProof::empty())
        .unwrap();
    assert_eq!(v.pin(), *r.expected());
    assert!(!r.included_in(&v, &InclusionProof::default()));
    server.append(&r).unwrap();
    assert_eq!(server.entries.last().unwrap(), r.entry().as_bytes());
    // Another log's checkpoint never counts.
    let (other_c, _) = k.create_log(log_id(5));
    let ov = k
        .verify_checkpoint(
            &other_c,
            &LogPin::empty(*k.keyring().id(), log_id(5)),
            &ConsistencyProof::empty(),
        )
        .unwrap();
    assert!(!r.included_in(&ov, &InclusionProof::default()));
}

// SR-LOG-13: a frontier from storage or from the server must fold to the pinned root; with a
// served frontier a device appends without reading the log, and produces the same
// checkpoint as a device that read every entry.
#[test]
fn sr_log_13_frontier_from_server() {
    let (k, id, server) = setup(11);
    let c = server.current();
    let verified = k
        .verify_checkpoint(
            &c,
            &LogPin::empty(*k.keyring().id(), id),
            &ConsistencyProof::empty(),
        )
        .unwrap();
    let frontier = server.tree().frontier(11).unwrap();
    assert_eq!(frontier.len(), 3);
    let state = LogState::from_parts(verified.pin(), frontier.clone()).unwrap();
    let mut reader = Device::new(&k, id);
    reader.sync(&server).unwrap();
    assert_eq!(&state, &reader.state);
    let mut rng = TestRandom::new(4);
    let x = hazmat::seal_log_entry_with_rng(&k, &state, b"x", APP, &mut rng).unwrap();
    let mut rng = TestRandom::new(4);
    let y = hazmat::seal_log_entry_with_rng(&k, &reader.state, b"x", APP, &mut rng).unwrap();
    assert_eq!(x.checkpoint(), y.checkpoint());
    for bad in [
        frontier[1..].to_vec(),
        {
            let mut f = frontier.clone();
            f[2][31] ^= 1;
            f
        },
        server.tree().frontier(10).unwrap(),
        Vec::new(),
    ] {
        assert_eq!(
            LogState::from_parts(verified.pin(), bad).unwrap_err(),
            hv(HistoryViolation::LogEntryMismatch)
        );
    }
}

// SR-LOG-3, SR-LOG-15: appending checks its arguments before any randomness: another
// keyring's state is wrong_keyring, a full log log_full, then the plaintext and the
// application context are bounded.
#[test]
fn sr_log_3_append_limits() {
    let k = new_keyring(1, FAST_PBKDF2);
    let bob = new_keyring(7, FAST_PBKDF2);
    let id = log_id(2);
    let (_, state) = k.create_log(id);
    let (_, bob_state) = bob.create_log(id);
    assert_eq!(
        k.seal_log_entry(&bob_state, b"x", APP).unwrap_err(),
        Error::WrongKeyring
    );
    let long = vec![0u8; 3901];
    assert_eq!(
        k.seal_log_entry(&state, b"x", Context::new(&long))
            .unwrap_err(),
        Error::LimitExceeded(Limit::ContextTooLong)
    );
    k.seal_log_entry(&state, b"x", Context::new(&long[..3900]))
        .unwrap();
    assert_eq!(
        k.seal_log_entry(&state, &vec![0u8; 16 * 1024 * 1024 + 1], APP)
            .unwrap_err(),
        Error::LimitExceeded(Limit::PlaintextTooLarge)
    );
    // A state of 2^53 - 1 entries: 53 frontier hashes, folded to their root.
    let full: u64 = (1 << 53) - 1;
    let frontier: Vec<[u8; 32]> = (0..53u8).map(|i| [i; 32]).collect();
    let root = frontier
        .iter()
        .rev()
        .skip(1)
        .fold(frontier[52], |acc, left| node(left, &acc));
    let state =
        LogState::from_parts(LogPin::new(*k.keyring().id(), id, full, root), frontier).unwrap();
    assert_eq!(
        k.seal_log_entry(&state, b"x", APP).unwrap_err(),
        Error::LimitExceeded(Limit::LogFull)
    );
    assert_eq!(
        id.entry_context(full, b"").unwrap_err(),
        Error::LimitExceeded(Limit::LogFull)
    );
}

fn node(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::new()
        .chain_update([1])
        .chain_update(left)
        .chain_update(right)
        .finalize()
        .into()
}

// SR-LOG-5, SR-TXT-1, SR-CBOR-9: a checkpoint has one encoding and a text form `src1.` that
// round-trips; the prefixes of the other object types are wrong_object_type, another version
// unsupported_version.
#[test]
fn sr_log_5_checkpoint_text_form() {
    let (_, _, server) = setup(2);
    let c = server.current();
    let t = c.to_text();
    assert!(t.starts_with("src1.pwEDAgE"), "{t}");
    assert_eq!(Checkpoint::from_text(&t).unwrap(), c);
    assert_eq!(hazmat::reencode_checkpoint(&c), c.as_bytes());
    let body = &t[5..];
    assert_eq!(
        Checkpoint::from_text(&format!("srk1.{body}")).unwrap_err(),
        Error::Malformed(Malformed::WrongObjectType)
    );
    assert_eq!(
        Checkpoint::from_text(&format!("src2.{body}")).unwrap_err(),
        Error::UnsupportedVersion { version: 2 }
    );
    assert_eq!(
        strongroom::Keyring::from_text(&t).unwrap_err(),
        Error::Malformed(Malformed::WrongObjectType)
    );
    assert_eq!(
        SealedRecord::from_text(&t).unwrap_err(),
        Error::Malformed(Malformed::WrongObjectType)
    );
    // A keyring's or a record's bytes are not a checkpoint.
    let rec = &server.entries[0];
    assert_eq!(
        Checkpoint::from_bytes(rec).unwrap_err(),
        Error::Malformed(Malformed::WrongObjectType)
    );
    let long = format!("src1.{}", "A".repeat(400));
    assert_eq!(
        Checkpoint::from_text(&long).unwrap_err(),
        Error::Malformed(Malformed::TooLarge)
    );
}

// SR-LOG-7: the checkpoint MAC is HMAC-SHA256 under log_key over the checkpoint's bytes
// without its last 35, recomputed here from SPEC.md's formulas.
#[test]
fn sr_log_7_checkpoint_mac_formula() {
    use hmac::{KeyInit, Mac};
    let (k, _, server) = setup(3);
    let dek = hazmat::dek(&k);
    let id = k.keyring().id();
    let hmac = |key: &[u8], parts: &[&[u8]]| -> [u8; 32] {
        let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
        for p in parts {
            m.update(p);
        }
        m.finalize().into_bytes().into()
    };
    let prk_ring = hmac(id, &[&dek]);
    let log_key = hmac(&prk_ring, &[b"strongroom/v1/log/checkpoint-key", &[1]]);
    assert_eq!(hazmat::log_key(&k), log_key);
    let c = server.current();
    let b = c.as_bytes();
    assert_eq!(&hmac(&log_key, &[&b[..b.len() - 35]]), c.mac());
    assert_eq!(&b[b.len() - 35..b.len() - 32], &[0x07, 0x58, 0x20]);
    // A checkpoint MACed under the record root key or the keyring MAC key is refused.
    let pin = LogPin::empty(*id, c.log_id());
    for key in [hazmat::record_root(&k), hazmat::mac_key(&k)] {
        let mut t = b.to_vec();
        let n = t.len();
        let mac = hmac(&key, &[&t[..n - 35]]);
        t[n - 32..].copy_from_slice(&mac);
        let forged = Checkpoint::from_bytes(&t).unwrap();
        assert_eq!(
            k.verify_checkpoint(&forged, &pin, &ConsistencyProof::empty())
                .unwrap_err(),
            Error::CheckpointAuthenticationFailed
        );
    }
}

// SR-LOG-1: log ids come from the operating system's generator, fresh every time; what the
// log types print is public (ids, sizes, roots), never a key.
#[test]
fn sr_log_1_log_ids_and_debug_output() {
    let a = LogId::generate().unwrap();
    let b = LogId::generate().unwrap();
    assert_ne!(a, b);
    assert_eq!(LogId::from_bytes(*a.as_bytes()), a);
    let (k, id, server) = setup(2);
    let c = server.current();
    let shown = format!(
        "{id:?} {c:?} {:?} {:?}",
        LogPin::empty(*k.keyring().id(), id),
        LogState::empty(*k.keyring().id(), id)
    );
    assert!(shown.contains(&hex::encode(id.as_bytes())), "{shown}");
    assert!(shown.contains(&hex::encode(c.root())), "{shown}");
    for secret in [
        hazmat::log_key(&k),
        hazmat::dek(&k),
        hazmat::record_root(&k),
    ] {
        assert!(!shown.contains(&hex::encode(secret)), "{shown}");
        assert!(!format!("{k:?}").contains(&hex::encode(secret)));
    }
}

// SR-LOG-10, SR-LOG-11: a sweep of hostile servers over logs of 1 to 12 entries, read by a
// device on first use and by one pinned halfway: every edit of the served checkpoint or
// entries (drop, swap, replay, alter one byte, withhold the tail, roll back the checkpoint,
// alter one byte of it) fails with the class SPEC.md gives, the device's state never moves,
// and the honest log always reads back whole.
#[test]
fn sr_log_11_hostile_server_sweep() {
    use strongroom::hazmat::RandomSource;
    let k = new_keyring(1, FAST_PBKDF2);
    let mut rng = TestRandom::new(99);
    let mut pick = |n: usize| -> usize {
        let mut b = [0u8; 8];
        rng.fill(&mut b).unwrap();
        (u64::from_be_bytes(b) % n as u64) as usize
    };
    for n in 1..=12usize {
        let id = log_id(100 + n as u64);
        let mut server = Server::default();
        server.create(&k.create_log(id).0);
        let mut w = Device::new(&k, id);
        let mut history = vec![server.clone()];
        for i in 0..n {
            w.append(&mut server, format!("entry {i}").as_bytes());
            history.push(server.clone());
        }
        for pinned in [0, n / 2] {
            let start = if pinned == 0 {
                LogState::empty(*k.keyring().id(), id)
            } else {
                let mut d = Device::new(&k, id);
                d.sync(&history[pinned]).unwrap();
                d.state
            };
            let honest = server.served();
            let c = server.current();
            let proof = server.consistency(pinned as u64, n as u64);
            let mut d = Device {
                keyring: &k,
                state: start.clone(),
            };
            assert_eq!(
                d.sync_from(&c, &proof, &honest).unwrap(),
                texts(pinned..n),
                "n {n}, pinned {pinned}"
            );
            for round in 0..12 {
                let mut served = honest.clone();
                let mut cp = c.as_bytes().to_vec();
                let expected: Error = match round % 7 {
                    0 => {
                        // Drop an entry the reader needs.
                        served.remove(pinned + pick(n - pinned));
                        hv(HistoryViolation::LogEntryMissing)
                    }
                    1 if n - pinned >= 2 => {
                        let a = pinned + pick(n - pinned);
                        let b = pinned + (a - pinned + 1 + pick(n - pinned - 1)) % (n - pinned);
                        let t = served[a].1.clone();
                        served[a].1 = served[b].1.clone();
                        served[b].1 = t;
                        hv(HistoryViolation::LogEntryMismatch)
                    }
                    2 if n >= 2 => {
                        let to = pinned + pick(n - pinned);
                        let from = (to + 1 + pick(n - 1)) % n;
                        served[to].1 = served[from].1.clone();
                        hv(HistoryViolation::LogEntryMismatch)
                    }
                    3 => {
                        let at = pinned + pick(n - pinned);
                        let len = served[at].1.len();
                        served[at].1[pick(len)] ^= 1 << pick(8);
                        hv(HistoryViolation::LogEntryMismatch)
                    }
                    4 => {
                        served.truncate(pinned + pick(n - pinned));
                        hv(HistoryViolation::LogEntryMissing)
                    }
                    5 if pinned > 0 => {
                        cp = history[pick(pinned)].current().as_bytes().to_vec();
                        hv(HistoryViolation::LogTruncated)
                    }
                    6 => {
                        // A byte after the keyring id: the MAC fails, or the encoding.
                        let at = 23 + pick(cp.len() - 23);
                        cp[at] ^= 1 << pick(8);
                        Error::CheckpointAuthenticationFailed
                    }
                    _ => continue,
                };
                let mut d = Device {
                    keyring: &k,
                    state: start.clone(),
                };
                let got = match Checkpoint::from_bytes(&cp) {
                    Ok(cp) => d.sync_from(&cp, &proof, &served).unwrap_err(),
                    Err(e) => {
                        assert_eq!(e.class(), "malformed");
                        continue;
                    }
                };
                assert_eq!(got, expected, "n {n}, pinned {pinned}, round {round}");
                assert_eq!(d.state, start, "the state moved on a failure");
            }
        }
    }
}

// SR-LOG-15, SR-LOG-16: a server stores an append, withholds its answer, and answers the
// identical retry with a conflict. The client verifies the conflict's checkpoint, finds its
// own entry at its position, and does not seal the plaintext a second time.
#[test]
fn sr_log_15_conflict_after_lost_answer_is_not_a_duplicate() {
    let (k, id, mut server) = setup(3);
    let mut a = Device::new(&k, id);
    a.sync(&server).unwrap();
    let p = k.seal_log_entry(&a.state, b"once", APP).unwrap();
    server.append(&p).unwrap(); // stored; the answer never arrives
    assert!(server.append(&p).is_err(), "the retry meets a conflict");
    let c = server.current();
    let verified = k
        .verify_checkpoint(&c, p.expected(), &server.consistency(3, c.size()))
        .unwrap();
    let proof = server
        .tree()
        .inclusion_proof(3, c.size())
        .unwrap_or_default();
    assert!(p.included_in(&verified, &proof), "the append happened");
    a.state = p.acknowledged();
    let mut fresh = Device::new(&k, id);
    let all = fresh.sync(&server).unwrap();
    assert_eq!(all.iter().filter(|t| t.as_slice() == b"once").count(), 1);
    // A conflict caused by another device's entry: not included, so the client seals again.
    let q = k.seal_log_entry(&a.state, b"mine", APP).unwrap();
    let mut b = Device::new(&k, id);
    b.append(&mut server, b"theirs");
    assert!(server.append(&q).is_err());
    let c = server.current();
    let verified = k
        .verify_checkpoint(&c, q.expected(), &server.consistency(4, c.size()))
        .unwrap();
    let proof = server.tree().inclusion_proof(4, c.size()).unwrap();
    assert!(!q.included_in(&verified, &proof));
    a.append(&mut server, b"mine");
    assert_eq!(
        fresh.sync(&server).unwrap(),
        vec![b"theirs".to_vec(), b"mine".to_vec()]
    );
}
