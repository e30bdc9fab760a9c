//! Logs (SPEC.md 11.15) at 10^3 and 10^6 entries of 32-byte plaintexts:
//!
//! - `log_append/{1e3,1e6}`: `seal_log_entry` on a state of that size: seal the entry, hash
//!   its leaf, push it on the frontier, fold the new root, MAC the checkpoint; beside
//!   `seal` of the same plaintext alone (what a record costs without the log);
//! - `log_verify_entry/{1e3,1e6}`: `open_log_entry` of the middle entry with its inclusion
//!   proof against a verified checkpoint, beside `open` of the same record alone;
//! - `log_verify_checkpoint/{1e3,1e6}`: `verify_checkpoint` with the MAC and a consistency
//!   proof from half the size;
//! - `log_read_all/{1e3,1e6}`: `open_log_entries` from the empty state, which verifies the
//!   whole log (every leaf, the root) and opens every entry; `tree_only` recomputes the
//!   root from the entries' bytes, without opening them.
//!
//! Building the 10^6-entry log takes a few seconds and about 200 MB.
//!
//! Run: `cargo bench -p strongroom-benches --bench logs`.

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use strongroom::{
    ConsistencyProof, Context, LogId, LogPin, LogState, LogTree, SealedRecord, UnlockedKeyring,
};

use common::{ThreadCpu, config, unlocked};

const APP: Context<'static> = Context::new(b"user:alice");

struct Log {
    entries: Vec<Vec<u8>>,
    state: LogState,
    checkpoint: strongroom::Checkpoint,
    tree: LogTree,
}

fn build(k: &UnlockedKeyring, n: usize) -> Log {
    let id = LogId::from_bytes([7; 16]);
    let (mut checkpoint, mut state) = k.create_log(id);
    let mut entries = Vec::with_capacity(n);
    let mut tree = LogTree::new();
    for i in 0..n {
        let a = k
            .seal_log_entry(&state, &(i as u64).to_be_bytes().repeat(4), APP)
            .expect("append");
        entries.push(a.entry().as_bytes().to_vec());
        tree.push_entry(a.entry().as_bytes());
        checkpoint = a.checkpoint().clone();
        state = a.acknowledged();
    }
    Log {
        entries,
        state,
        checkpoint,
        tree,
    }
}

fn logs(c: &mut Criterion<ThreadCpu>) {
    let k = unlocked();
    let plaintext = [0x5au8; 32];
    for (n, name) in [(1_000usize, "1e3"), (1_000_000, "1e6")] {
        let log = build(&k, n);
        let id = log.state.pin().log_id();
        let empty = LogPin::empty(*k.keyring().id(), id);
        let verified = k
            .verify_checkpoint(&log.checkpoint, &empty, &ConsistencyProof::empty())
            .expect("verify");

        let mut g = c.benchmark_group(format!("log_append/{name}"));
        g.bench_function("seal_log_entry", |b| {
            b.iter(|| {
                k.seal_log_entry(black_box(&log.state), &plaintext, APP)
                    .expect("append")
            })
        });
        let ctx = id.entry_context(n as u64, APP.as_bytes()).expect("context");
        g.bench_function("seal_only", |b| {
            b.iter(|| k.seal(&plaintext, Context::new(&ctx)).expect("seal"))
        });
        g.finish();

        let mid = (n / 2) as u64;
        let proof = log.tree.inclusion_proof(mid, n as u64).expect("proof");
        let entry = &log.entries[mid as usize];
        let record = SealedRecord::from_bytes(entry).expect("record");
        let mid_ctx = id.entry_context(mid, APP.as_bytes()).expect("context");
        let mut g = c.benchmark_group(format!("log_verify_entry/{name}"));
        g.bench_function("open_log_entry", |b| {
            b.iter(|| {
                k.open_log_entry(&verified, mid, Some(black_box(entry)), &proof, APP)
                    .expect("open")
            })
        });
        g.bench_function("open_only", |b| {
            b.iter(|| {
                k.open(black_box(&record), Context::new(&mid_ctx))
                    .expect("open")
            })
        });
        g.finish();

        let half = (n / 2) as u64;
        let half_pin = LogPin::new(
            *k.keyring().id(),
            id,
            half,
            log.tree.root(half).expect("root"),
        );
        let consistency = log
            .tree
            .consistency_proof(half, n as u64)
            .expect("consistency");
        let mut g = c.benchmark_group(format!("log_verify_checkpoint/{name}"));
        g.bench_function("verify_checkpoint", |b| {
            b.iter(|| {
                k.verify_checkpoint(black_box(&log.checkpoint), &half_pin, &consistency)
                    .expect("verify")
            })
        });
        g.finish();

        let served: Vec<(u64, &[u8])> = log
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (i as u64, &e[..]))
            .collect();
        let start = LogState::empty(*k.keyring().id(), id);
        let mut g = c.benchmark_group(format!("log_read_all/{name}"));
        if n > 10_000 {
            g.sample_size(10)
                .warm_up_time(Duration::from_millis(100))
                .measurement_time(Duration::from_secs(20));
        }
        g.bench_function("open_log_entries", |b| {
            b.iter_batched(
                || (),
                |()| {
                    k.open_log_entries(&start, &verified, black_box(&served), APP)
                        .expect("read")
                },
                BatchSize::PerIteration,
            )
        });
        g.bench_function("tree_only", |b| {
            b.iter(|| {
                let mut t = LogTree::new();
                for e in &log.entries {
                    t.push_entry(black_box(e));
                }
                t.root(t.len())
            })
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = config();
    targets = logs
}
criterion_main!(benches);
