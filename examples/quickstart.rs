//! Quick start: create a keyring, seal a few log entries, change the password, reopen them.
//!
//! Run with `cargo run --release --example quickstart`. It uses the real default KDF
//! (PBKDF2-HMAC-SHA256, 600,000 iterations), so each unlock takes a noticeable moment.

use std::time::Instant;

use strongroom::{Context, KdfParams, Keyring, Password, SealedRecord, UnlockPolicy};

fn main() -> Result<(), strongroom::Error> {
    let policy = UnlockPolicy::default();

    // 1. Create a keyring. The server stores `keyring_text`; the DEK stays in memory.
    let password = Password::new("correct horse battery staple")?;
    let t = Instant::now();
    let mut unlocked = Keyring::create(&password, KdfParams::DEFAULT_PBKDF2, "laptop", &policy)?;
    println!("created keyring in {:?}", t.elapsed());
    let keyring_text = unlocked.keyring().to_text();
    println!(
        "keyring ({} bytes): {keyring_text}",
        unlocked.keyring().as_bytes().len()
    );

    // 2. Seal log entries, each bound to its owner and position by the context.
    let entries = [
        "2026-11-28T01:38:22Z alice login ok",
        "2026-11-28T01:40:05Z alice export started",
        "2026-11-28T01:41:17Z alice logout",
    ];
    let mut stored = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let context = format!("user:alice|collection:log|record:{i}");
        let record = unlocked.seal(entry.as_bytes(), Context::new(context.as_bytes()))?;
        println!(
            "record {i}: {} bytes for {} of plaintext",
            record.as_bytes().len(),
            entry.len()
        );
        stored.push(record.to_text());
    }

    // 3. Change the password: one slot is re-wrapped; the records are untouched.
    let new_password = Password::new("a longer and better passphrase")?;
    unlocked.change_password(0, &new_password, KdfParams::DEFAULT_PBKDF2)?;
    let keyring_text = unlocked.keyring().to_text();
    println!(
        "password changed, generation {}",
        unlocked.keyring().generation()
    );
    drop(unlocked);

    // 4. Later: decode what the server returns, unlock with the new password, open.
    let keyring = Keyring::from_text(&keyring_text)?;
    let t = Instant::now();
    match keyring.unlock(&password, &policy) {
        Err(e) => println!("old password: {e} ({:?})", t.elapsed()),
        Ok(_) => unreachable!("the old password must not unlock the new keyring"),
    }
    let t = Instant::now();
    let unlocked = keyring.unlock(&new_password, &policy)?;
    println!("unlocked with the new password in {:?}", t.elapsed());
    for (i, text) in stored.iter().enumerate() {
        let context = format!("user:alice|collection:log|record:{i}");
        let record = SealedRecord::from_text(text)?;
        let plaintext = unlocked.open(&record, Context::new(context.as_bytes()))?;
        println!("record {i}: {}", String::from_utf8_lossy(&plaintext));
    }

    // A record moved to another position fails to open.
    let moved = SealedRecord::from_text(&stored[0])?;
    let err = unlocked
        .open(&moved, Context::new(b"user:alice|collection:log|record:2"))
        .unwrap_err();
    println!("record 0 presented as record 2: {err}");
    Ok(())
}
