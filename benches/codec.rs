//! Decoding and encoding keyrings and records, beside copying the same bytes (the floor
//! of any parser that returns an owned value):
//!
//! - `decode_record/{256B,1MiB}`: `SealedRecord::from_bytes` (copies, then parses),
//!   `from_vec` (takes the buffer, parses only), `from_text` (base64url, then parses),
//!   and `copy` (`to_vec` of the same bytes);
//! - `encode_record/{256B,1MiB}`: `to_text`, `reencode` (from the decoded fields) and
//!   `copy`;
//! - `decode_keyring/{1,8}_slots` and `encode_keyring/{1,8}_slots`: the same for a
//!   keyring with one password slot and with eight slots (password and recovery).
//!
//! Run: `cargo bench --bench codec`.

mod common;

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use strongroom::{Context, KdfParams, Keyring, SealedRecord, hazmat};

use common::{CONTEXT, ThreadCpu, plaintext, unlocked};

fn records(c: &mut Criterion<ThreadCpu>) {
    let k = unlocked();
    for (n, name) in [(256usize, "256B"), (1 << 20, "1MiB")] {
        let rec = k.seal(&plaintext(n), Context::new(CONTEXT)).expect("seal");
        let bytes = rec.as_bytes().to_vec();
        let text = rec.to_text();
        let mut g = c.benchmark_group(format!("decode_record/{name}"));
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function("copy", |b| b.iter(|| black_box(&bytes).to_vec()));
        g.bench_function("from_bytes", |b| {
            b.iter(|| SealedRecord::from_bytes(black_box(&bytes)).expect("decode"))
        });
        g.bench_function("from_vec", |b| {
            b.iter_batched(
                || bytes.clone(),
                |v| SealedRecord::from_vec(v).expect("decode"),
                BatchSize::SmallInput,
            )
        });
        g.bench_function("from_text", |b| {
            b.iter(|| SealedRecord::from_text(black_box(&text)).expect("decode"))
        });
        g.finish();

        let mut g = c.benchmark_group(format!("encode_record/{name}"));
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function("copy", |b| b.iter(|| black_box(&bytes).to_vec()));
        g.bench_function("reencode", |b| {
            b.iter(|| hazmat::reencode_record(black_box(&rec)))
        });
        g.bench_function("to_text", |b| b.iter(|| black_box(&rec).to_text()));
        g.finish();
    }
}

fn keyrings(c: &mut Criterion<ThreadCpu>) {
    let mut k = unlocked();
    let one = k.keyring().clone();
    let password = strongroom::Password::new("another password").expect("password");
    for i in 0..6 {
        k.add_password_slot(
            &password,
            KdfParams::Pbkdf2Sha256 { iterations: 1 },
            &format!("device {i}"),
        )
        .expect("add slot");
    }
    k.add_recovery_slot("paper").expect("recovery");
    let eight = k.keyring().clone();
    assert_eq!(eight.slots().len(), 8);
    for (keyring, name) in [(one, "1_slot"), (eight, "8_slots")] {
        let bytes = keyring.as_bytes().to_vec();
        let text = keyring.to_text();
        let mut g = c.benchmark_group(format!("decode_keyring/{name}"));
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function("copy", |b| b.iter(|| black_box(&bytes).to_vec()));
        g.bench_function("from_bytes", |b| {
            b.iter(|| Keyring::from_bytes(black_box(&bytes)).expect("decode"))
        });
        g.bench_function("from_text", |b| {
            b.iter(|| Keyring::from_text(black_box(&text)).expect("decode"))
        });
        g.finish();

        let mut g = c.benchmark_group(format!("encode_keyring/{name}"));
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function("copy", |b| b.iter(|| black_box(&bytes).to_vec()));
        g.bench_function("reencode", |b| {
            b.iter(|| hazmat::reencode_keyring(black_box(&keyring)).expect("encode"))
        });
        g.bench_function("to_text", |b| b.iter(|| black_box(&keyring).to_text()));
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = records, keyrings
}
criterion_main!(benches);
