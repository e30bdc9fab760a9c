//! accumulated.json: the accumulated seal test of SPEC.md Appendix C.

use serde_json::json;

use crate::exec::{Obj, hex};
use crate::fx::{self, pw};
use crate::{Expect, File, v};

/// The SHAKE-128 seed (ASCII).
pub const SEED: &[u8] = b"strongroom/v1/accumulated-seal";

/// The digest for 1,000,000 iterations, computed once in release mode with
/// `cargo run --release -p strongroom-gen-vectors -- --accumulated 1000000` (and cross-checked
/// with `python3 vectors/check_pyref.py --slow`); too slow to recompute on every run.
pub const DIGEST_1M: &str = "4efbf097400b8d681e6a81706bd2dbb6bb5cb348b109a6e7d84a032d30ed9a73";

/// Inputs shared by both vectors (without `iterations`).
pub fn inputs() -> Obj {
    let mut o = Obj::new();
    o.insert("seed".into(), hex(SEED).into());
    o.insert("password".into(), pw("accumulated"));
    o.insert("kdf".into(), fx::pbkdf2(1));
    o.insert("policy".into(), fx::relaxed());
    o
}

pub fn file() -> File {
    let mut f = File::new(
        "accumulated",
        "The accumulated seal test (SPEC.md Appendix C): a SHAKE-128 stream drives pseudo-random \
         keyrings, plaintexts, contexts, salts and nonces; the records are hashed into one digest.",
        &[],
    );
    let spec = &[
        "SR-OP-8",
        "SR-KEY-14",
        "SR-KEY-7",
        "SR-KEY-8",
        "SR-KEY-10",
        "SR-CBOR-2",
        "SR-OP-1",
    ];
    f.add(
        v(
            "accumulated_seal",
            "10,000 pseudo-random seals (checked in CI)",
            spec,
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .with(&inputs())
        .i("iterations", 10_000),
    );
    let mut i = inputs();
    i.insert("iterations".into(), 1_000_000.into());
    f.add_precomputed(
        v(
            "accumulated_seal",
            "1,000,000 pseudo-random seals",
            spec,
            Expect::Ok,
        )
        .f(&["RelaxedPolicy", "Slow"])
        .with(&i),
        json!({"digest": DIGEST_1M}),
    );
    f
}
