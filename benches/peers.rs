//! One small record (256 bytes) sealed and opened by Strongroom and by the crates a user
//! would otherwise pick for a per-record store, all in one group:
//!
//! - `strongroom`: an unlocked keyring's `seal` then `open` (the password KDF ran once,
//!   at unlock; see `benches/unlock.rs`);
//! - `minicocoon_aes`, `minicocoon_chacha`: `cocoon::MiniCocoon` with a 32-byte key (no
//!   password, no per-record subkey, no key commitment, no context binding), AES-256-GCM
//!   and its default ChaCha20-Poly1305;
//! - `cocoon_password`: `cocoon::Cocoon` with a password (PBKDF2-SHA256, 100,000
//!   iterations, inside every wrap and every unwrap), AES-256-GCM;
//! - `age_x25519`: `age::encrypt` / `age::decrypt` to an X25519 identity, one age file
//!   per record;
//! - `age_scrypt`: the same with a passphrase (scrypt at the work factor age calibrates
//!   on this machine, printed at start).
//!
//! Run: `cargo bench --bench peers`. The bytes each adds to a 256-byte record are printed
//! at start.

mod common;

use std::hint::black_box;
use std::time::Duration;

use age::secrecy::SecretString;
use cocoon::{Cocoon, CocoonCipher, MiniCocoon};
use criterion::{Criterion, criterion_group, criterion_main};

use common::{CONTEXT, ThreadCpu, plaintext, unlocked};
use strongroom::Context;

const N: usize = 256;
const PASSWORD: &str = "correct horse battery staple";

fn peers(c: &mut Criterion<ThreadCpu>) {
    let pt = plaintext(N);
    let k = unlocked();
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).expect("os");
    let mut mini_aes =
        MiniCocoon::from_key(&[0x42; 32], &seed).with_cipher(CocoonCipher::Aes256Gcm);
    let mut mini_chacha = MiniCocoon::from_key(&[0x42; 32], &seed);
    let mut cocoon = Cocoon::new(PASSWORD.as_bytes()).with_cipher(CocoonCipher::Aes256Gcm);
    let x_identity = age::x25519::Identity::generate();
    let x_recipient = x_identity.to_public();
    let s_recipient = age::scrypt::Recipient::new(SecretString::from(PASSWORD.to_owned()));
    let s_identity = age::scrypt::Identity::new(SecretString::from(PASSWORD.to_owned()));

    // Correctness and size once, outside timing.
    let sr = k.seal(&pt, Context::new(CONTEXT)).expect("seal");
    assert_eq!(
        &k.open(&sr, Context::new(CONTEXT)).expect("open")[..],
        &pt[..]
    );
    let ma = mini_aes.wrap(&pt).expect("wrap");
    assert_eq!(mini_aes.unwrap(&ma).expect("unwrap"), pt);
    let mc = mini_chacha.wrap(&pt).expect("wrap");
    let cp = cocoon.wrap(&pt).expect("wrap");
    assert_eq!(cocoon.unwrap(&cp).expect("unwrap"), pt);
    let ax = age::encrypt(&x_recipient, &pt).expect("age");
    assert_eq!(age::decrypt(&x_identity, &ax).expect("age"), pt);
    let start = std::time::Instant::now();
    let ascr = age::encrypt(&s_recipient, &pt).expect("age");
    let scrypt_line = String::from_utf8_lossy(&ascr)
        .lines()
        .find(|l| l.starts_with("-> scrypt"))
        .map(str::to_owned)
        .unwrap_or_default();
    eprintln!(
        "age scrypt stanza: {scrypt_line} (one encryption took {:?} wall)",
        start.elapsed()
    );
    assert_eq!(age::decrypt(&s_identity, &ascr).expect("age"), pt);
    for (name, len) in [
        ("strongroom", sr.as_bytes().len()),
        ("strongroom text", sr.to_text().len()),
        ("minicocoon_aes", ma.len()),
        ("minicocoon_chacha", mc.len()),
        ("cocoon_password", cp.len()),
        ("age_x25519", ax.len()),
        ("age_scrypt", ascr.len()),
    ] {
        eprintln!("overhead on {N} B: {name}: {} bytes", len - N);
    }

    let mut g = c.benchmark_group("peers/256B_seal_open");
    g.sample_size(10);
    g.warm_up_time(Duration::from_millis(200));
    g.measurement_time(Duration::from_secs(2));
    g.bench_function("strongroom", |b| {
        b.iter(|| {
            let r = k.seal(black_box(&pt), Context::new(CONTEXT)).expect("seal");
            k.open(&r, Context::new(CONTEXT)).expect("open")
        })
    });
    g.bench_function("minicocoon_aes", |b| {
        b.iter(|| {
            let w = mini_aes.wrap(black_box(&pt)).expect("wrap");
            mini_aes.unwrap(&w).expect("unwrap")
        })
    });
    g.bench_function("minicocoon_chacha", |b| {
        b.iter(|| {
            let w = mini_chacha.wrap(black_box(&pt)).expect("wrap");
            mini_chacha.unwrap(&w).expect("unwrap")
        })
    });
    g.bench_function("cocoon_password", |b| {
        b.iter(|| {
            let w = cocoon.wrap(black_box(&pt)).expect("wrap");
            cocoon.unwrap(&w).expect("unwrap")
        })
    });
    g.bench_function("age_x25519", |b| {
        b.iter(|| {
            let w = age::encrypt(&x_recipient, black_box(&pt)).expect("age");
            age::decrypt(&x_identity, &w).expect("age")
        })
    });
    g.bench_function("age_scrypt", |b| {
        b.iter(|| {
            let w = age::encrypt(&s_recipient, black_box(&pt)).expect("age");
            age::decrypt(&s_identity, &w).expect("age")
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = peers
}
criterion_main!(benches);
