//! Shared by the benches: a thread-CPU-time clock for criterion, the fixtures, and the
//! hand-built floor of the record design (`floor.rs`).
#![allow(dead_code)]

pub mod floor;

use std::time::Duration;

use criterion::Criterion;
use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use strongroom::{KdfParams, Keyring, Password, UnlockPolicy, UnlockedKeyring};

/// The CPU time of the calling thread (`CLOCK_THREAD_CPUTIME_ID`).
///
/// The machine is shared: wall-clock samples include the time other processes hold the
/// core, thread CPU time does not (it still includes this thread's time in the kernel,
/// so a `getrandom` system call is counted). Parallel benches use wall time instead.
pub struct ThreadCpu;

static WALL: WallTime = WallTime;

impl Measurement for ThreadCpu {
    type Intermediate = cpu_time::ThreadTime;
    type Value = Duration;

    fn start(&self) -> Self::Intermediate {
        cpu_time::ThreadTime::now()
    }
    fn end(&self, i: Self::Intermediate) -> Self::Value {
        i.elapsed()
    }
    fn add(&self, v1: &Self::Value, v2: &Self::Value) -> Self::Value {
        *v1 + *v2
    }
    fn zero(&self) -> Self::Value {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Self::Value) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        // Same unit (nanoseconds) as wall time, so criterion's duration formatting applies.
        WALL.formatter()
    }
}

/// Modest defaults so that a full `cargo bench` takes minutes. Command-line flags
/// (`--sample-size`, `--measurement-time`, `--warm-up-time`) override them.
pub fn config() -> Criterion<ThreadCpu> {
    Criterion::default()
        .with_measurement(ThreadCpu)
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(1500))
        .without_plots()
}

/// The same with wall-clock time, for the benches that use more than one thread.
pub fn wall_config() -> Criterion<WallTime> {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(2000))
        .without_plots()
}

/// A policy that admits the tiny KDF of [`unlocked`]; record benches never run a KDF.
pub fn relaxed_policy() -> UnlockPolicy {
    UnlockPolicy::builder()
        .pbkdf2_iterations(1..=2_000_000)
        .argon2_memory_kib(8..=262_144)
        .argon2_time_cost(1..=8)
        .argon2_parallelism(1..=8)
        .build()
        .expect("valid bounds")
}

/// An unlocked keyring for record benches (the KDF cost is irrelevant to sealing).
pub fn unlocked() -> UnlockedKeyring {
    let password = Password::new("correct horse battery staple").expect("password");
    Keyring::create(
        &password,
        KdfParams::Pbkdf2Sha256 { iterations: 1 },
        "bench",
        &relaxed_policy(),
    )
    .expect("create")
}

/// The application context every record bench binds (39 bytes, a realistic id string).
pub const CONTEXT: &[u8] = b"user:alice|collection:log|record:000001";

/// Record sizes of the issue: 64 B, 256 B, 1 KiB, 16 KiB, 1 MiB, 16 MiB.
pub const SIZES: [(usize, &str); 6] = [
    (64, "64B"),
    (256, "256B"),
    (1024, "1KiB"),
    (16 * 1024, "16KiB"),
    (1024 * 1024, "1MiB"),
    (16 * 1024 * 1024, "16MiB"),
];

/// Deterministic plaintext of `n` bytes.
pub fn plaintext(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31 + 7) as u8).collect()
}
