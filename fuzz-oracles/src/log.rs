//! `decode_checkpoint` and `verify_log` (SPEC.md 11.15): a checkpoint is rejected with a
//! decoding error or is the one encoding of its fields; and a fixed client, reading a fixed
//! honest log through whatever a server serves, either reads exactly the honest entries or
//! fails with a class SPEC.md allows, releasing nothing.

use strongroom::{Checkpoint, ConsistencyProof, LogId, LogState, LogTree, VerifiedCheckpoint};

use super::*;

/// Oracle of `decode_checkpoint`: rejected with a decoding error class, or canonical, with
/// a text form that decodes back to it; no other object type's decoder accepts it.
pub fn decode_checkpoint(data: &[u8]) -> Outcome {
    let decoded = Checkpoint::from_bytes(data);
    assert_eq!(
        decoded,
        Checkpoint::from_bytes(data),
        "checkpoint decoding is not a function of the input"
    );
    match decoded {
        Ok(c) => {
            assert_eq!(c.as_bytes(), data, "checkpoint does not keep its bytes");
            assert!(
                hazmat::reencode_checkpoint(&c) == data,
                "accepted checkpoint is not the canonical encoding of its fields (SR-CBOR-9): {}",
                hex(data)
            );
            assert!(
                (113..=121).contains(&data.len()),
                "accepted a checkpoint of {} bytes",
                data.len()
            );
            assert!(c.size() <= strongroom::limits::MAX_LOG_SIZE);
            assert_eq!(
                Checkpoint::from_text(&c.to_text()).as_ref(),
                Ok(&c),
                "text form does not decode back"
            );
            assert!(Keyring::from_bytes(data).is_err() && SealedRecord::from_bytes(data).is_err());
            Outcome::Accepted
        }
        Err(e) => {
            check_binary_decode_error("checkpoint", &e);
            Outcome::Rejected(e.class())
        }
    }
}

/// Entries of the `verify_log` fixture log.
pub const LOG_FIXTURE_ENTRIES: usize = 4;
/// The application context of the fixture log's entries.
pub const LOG_FIXTURE_APP: &[u8] = b"user:fuzz";

/// The fixture log, sealed by the fixture keyring from seeded randomness: its entries,
/// its checkpoint at every size and the client state at every size.
pub struct LogFixture {
    /// The log id.
    pub id: LogId,
    /// Entry bytes, in log order.
    pub entries: Vec<Vec<u8>>,
    /// Checkpoint at size 0 to [`LOG_FIXTURE_ENTRIES`].
    pub checkpoints: Vec<Checkpoint>,
    /// Client state at each size.
    pub states: Vec<LogState>,
    /// The plaintexts.
    pub texts: Vec<Vec<u8>>,
}

/// The `verify_log` fixture.
pub fn log_fixture() -> &'static LogFixture {
    static F: OnceLock<LogFixture> = OnceLock::new();
    F.get_or_init(|| {
        let k = fixture_keyring();
        let mut rng = SeededRandom::new(0x5eed_0300);
        let id = hazmat::log_id_with_rng(&mut rng).expect("log id");
        let (c0, s0) = k.create_log(id);
        let mut f = LogFixture {
            id,
            entries: Vec::new(),
            checkpoints: vec![c0],
            states: vec![s0],
            texts: Vec::new(),
        };
        for i in 0..LOG_FIXTURE_ENTRIES {
            let text = format!("fuzz entry {i}").into_bytes();
            let a = hazmat::seal_log_entry_with_rng(
                k,
                &f.states[i],
                &text,
                Context::new(LOG_FIXTURE_APP),
                &mut rng,
            )
            .expect("fixture append");
            f.entries.push(a.entry().as_bytes().to_vec());
            f.checkpoints.push(a.checkpoint().clone());
            f.states.push(a.acknowledged());
            f.texts.push(text);
        }
        f
    })
}

/// What a `verify_log` input makes the server serve.
#[derive(Debug)]
struct Served {
    pinned: usize,
    checkpoint: Vec<u8>,
    proof: Vec<[u8; 32]>,
    entries: Vec<(u64, Vec<u8>)>,
}

fn served(data: &[u8]) -> arbitrary::Result<Served> {
    let f = log_fixture();
    let mut u = Unstructured::new(data);
    let pinned = usize::from(u.arbitrary::<u8>()?) % (LOG_FIXTURE_ENTRIES + 1);
    let size_choice = usize::from(u.arbitrary::<u8>()?) % (LOG_FIXTURE_ENTRIES + 1);
    let checkpoint = match u.arbitrary::<u8>()? % 4 {
        0 | 1 => f.checkpoints[LOG_FIXTURE_ENTRIES].as_bytes().to_vec(),
        2 => f.checkpoints[size_choice].as_bytes().to_vec(),
        _ => {
            let mut c = f.checkpoints[size_choice].as_bytes().to_vec();
            let at = usize::from(u.arbitrary::<u8>()?) % c.len();
            c[at] ^= u.arbitrary::<u8>()?.max(1);
            c
        }
    };
    let tree = LogTree::from_leaf_hashes(f.entries.iter().map(|e| LogTree::leaf_hash(e)).collect());
    let to = Checkpoint::from_bytes(&checkpoint).map_or(0, |c| c.size());
    let mut proof = tree
        .consistency_proof(pinned as u64, to)
        .map(|p| p.hashes().to_vec())
        .unwrap_or_default();
    if u.arbitrary::<bool>()? {
        proof = u
            .arbitrary_iter::<[u8; 32]>()?
            .take(8)
            .collect::<arbitrary::Result<_>>()?;
    }
    let mut entries = Vec::new();
    for _ in 0..usize::from(u.arbitrary::<u8>()? % 8) {
        let position = u64::from(u.arbitrary::<u8>()? % 6);
        let bytes = match u.arbitrary::<u8>()? % 3 {
            0 => f.entries[(position as usize).min(LOG_FIXTURE_ENTRIES - 1)].clone(),
            1 => f.entries[usize::from(u.arbitrary::<u8>()?) % LOG_FIXTURE_ENTRIES].clone(),
            _ => {
                let mut e =
                    f.entries[usize::from(u.arbitrary::<u8>()?) % LOG_FIXTURE_ENTRIES].clone();
                let at = usize::from(u.arbitrary::<u16>()?) % e.len();
                e[at] ^= u.arbitrary::<u8>()?.max(1);
                e
            }
        };
        entries.push((position, bytes));
    }
    if u.arbitrary::<bool>()? {
        // The honest entries the reader needs, after whatever came before.
        for p in pinned..LOG_FIXTURE_ENTRIES {
            entries.push((p as u64, f.entries[p].clone()));
        }
    }
    Ok(Served {
        pinned,
        checkpoint,
        proof,
        entries,
    })
}

/// Oracle of `verify_log`: the fixture client, pinned at some size of the fixture log,
/// verifies what the input makes the server serve and reads forward. It either reads
/// exactly the honest entries after its pin up to an honest checkpoint, and moves to the
/// honest state there, or fails with a decoding error, `wrong_keyring` (a checkpoint whose
/// keyring id was changed), `checkpoint_authentication_failed` or a history violation
/// (SPEC.md 11.15.6).
pub fn verify_log(data: &[u8]) -> Outcome {
    let Ok(s) = served(data) else {
        return Outcome::Rejected("not_enough_input");
    };
    let f = log_fixture();
    let k = fixture_keyring();
    let state = &f.states[s.pinned];
    let refs: Vec<(u64, &[u8])> = s.entries.iter().map(|(p, e)| (*p, &e[..])).collect();
    let result = Checkpoint::from_bytes(&s.checkpoint).and_then(|c| {
        let verified: VerifiedCheckpoint =
            k.verify_checkpoint(&c, state.pin(), &ConsistencyProof::new(s.proof.clone()))?;
        k.open_log_entries(state, &verified, &refs, Context::new(LOG_FIXTURE_APP))
    });
    match result {
        Ok((plaintexts, after)) => {
            let size = after.size() as usize;
            assert!(
                size >= s.pinned && size <= LOG_FIXTURE_ENTRIES,
                "read to size {size}"
            );
            assert!(
                s.checkpoint == f.checkpoints[size].as_bytes(),
                "accepted a checkpoint that is not the honest one of its size"
            );
            assert_eq!(&after, &f.states[size], "the state is not the honest one");
            let got: Vec<Vec<u8>> = plaintexts.iter().map(|p| p.to_vec()).collect();
            assert_eq!(got, f.texts[s.pinned..size], "released other plaintexts");
            Outcome::Accepted
        }
        Err(e) => {
            let allowed = is_decoding_error(&e)
                || matches!(
                    e,
                    Error::WrongKeyring
                        | Error::CheckpointAuthenticationFailed
                        | Error::HistoryViolation(_)
                );
            assert!(allowed, "reading a log failed with {e:?}");
            if let Error::HistoryViolation(h) = e {
                assert!(
                    h.as_str().starts_with("log_"),
                    "a keyring reason for a log: {h}"
                );
            }
            Outcome::Rejected(e.class())
        }
    }
}
