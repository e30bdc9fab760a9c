//! `unlock_keyring`: no KDF above the policy ceiling, at most one per password slot.

use super::*;

/// Longest any single unlock call may take on a fuzz input. The tiny policy makes every
/// permitted KDF cost microseconds; this is a generous net for a hang, and libFuzzer's
/// `-timeout` is the first one.
pub(crate) const UNLOCK_TIME_LIMIT: Duration = Duration::from_secs(10);

/// The tiny policy, checked independently of [`UnlockPolicy::check`].
pub(crate) fn under_tiny_ceiling(kdf: &KdfParams) -> bool {
    match *kdf {
        KdfParams::Pbkdf2Sha256 { iterations } => (1..=TINY_PBKDF2_CEILING).contains(&iterations),
        KdfParams::Argon2id {
            memory_kib,
            time_cost,
            parallelism,
        } => {
            (8..=TINY_ARGON2_MEMORY_CEILING).contains(&memory_kib)
                && (1..=TINY_ARGON2_TIME_LANES_CEILING).contains(&time_cost)
                && (1..=TINY_ARGON2_TIME_LANES_CEILING).contains(&parallelism)
                && memory_kib >= 8 * parallelism
        }
        // A KDF this oracle does not know is not one it permits.
        _ => false,
    }
}

/// Runs `f` and returns its result with the number of KDF runs it caused.
pub(crate) fn counting<T>(what: &str, f: impl FnOnce() -> T) -> (T, u64) {
    let before = kdf_calls();
    let started = Instant::now();
    let out = f();
    let elapsed = started.elapsed();
    assert!(
        elapsed < UNLOCK_TIME_LIMIT,
        "{what} took {elapsed:?} under the tiny policy"
    );
    (out, kdf_calls() - before)
}

/// Oracle of `unlock_keyring`: arbitrary keyring bytes, [`UNLOCK_PASSWORD`] and a fixed
/// recovery code, under [`tiny_policy`].
pub fn unlock_keyring(data: &[u8]) -> Outcome {
    let keyring = match Keyring::from_bytes(data) {
        Ok(k) => k,
        Err(e) => return Outcome::Rejected(e.class()),
    };
    let policy = tiny_policy();
    let pw = password(UNLOCK_PASSWORD);
    let slots = keyring.slots();
    let password_slots: Vec<&KdfParams> = slots.iter().filter_map(|s| s.kdf()).collect();
    let all_permitted = password_slots.iter().all(|k| under_tiny_ceiling(k));

    // Every slot: policy first (SR-POL-1, SR-POL-2), then at most one KDF per slot.
    let (result, ran) = counting("unlock", || keyring.unlock(&pw, &policy));
    if all_permitted {
        assert!(
            ran <= password_slots.len() as u64,
            "unlock ran {ran} KDFs for {} password slots",
            password_slots.len()
        );
    } else {
        assert_eq!(ran, 0, "a KDF ran although a slot is above the ceiling");
        assert_eq!(
            result.as_ref().err(),
            Some(&Error::OutOfPolicy),
            "a slot above the ceiling"
        );
    }
    if password_slots.is_empty() {
        assert_eq!(result.as_ref().err(), Some(&Error::UnlockFailed));
    }
    let outcome = match &result {
        Ok(unlocked) => {
            check_unlocked(&keyring, unlocked);
            Outcome::Accepted
        }
        Err(e) => {
            assert!(
                matches!(
                    e,
                    Error::OutOfPolicy | Error::UnlockFailed | Error::KeyringTampered
                ),
                "unlock failed with {e:?}"
            );
            Outcome::Rejected(e.class())
        }
    };

    // One slot at a time (SR-OP-3), including one index past the end.
    for index in 0..=slots.len() {
        let (r, ran) = counting("unlock_slot", || keyring.unlock_slot(index, &pw, &policy));
        let expected_kdfs = match slots.get(index).map(|s| s.kind()) {
            None => {
                assert_eq!(r.err(), Some(Error::InvalidInput(InvalidInput::NoSuchSlot)));
                0
            }
            Some(SlotKind::Recovery) => {
                assert_eq!(
                    r.err(),
                    Some(Error::InvalidInput(InvalidInput::WrongSlotKind))
                );
                0
            }
            Some(SlotKind::Password { kdf, .. }) if !under_tiny_ceiling(kdf) => {
                assert_eq!(r.err(), Some(Error::OutOfPolicy));
                0
            }
            Some(_) => {
                if let Ok(u) = &r {
                    check_unlocked(&keyring, u);
                }
                1
            }
        };
        assert_eq!(ran, expected_kdfs, "KDF runs for unlock_slot({index})");
    }

    // A recovery code costs no KDF at all (SR-OP-4).
    let (r, ran) = counting("unlock_with_recovery", || {
        keyring.unlock_with_recovery(&unlock_recovery_code(), &policy)
    });
    assert_eq!(ran, 0, "unlock_with_recovery ran a KDF");
    match &r {
        Ok(u) => check_unlocked(&keyring, u),
        Err(e) => assert!(
            matches!(e, Error::UnlockFailed | Error::KeyringTampered),
            "recovery unlock failed with {e:?}"
        ),
    }
    outcome
}

/// What an unlocked keyring must satisfy: it is the keyring that was unlocked, and it
/// seals and opens.
pub(crate) fn check_unlocked(keyring: &Keyring, unlocked: &UnlockedKeyring) {
    assert_eq!(unlocked.keyring(), keyring, "unlocking changed the keyring");
    let record = hazmat::seal_with_rng(
        unlocked,
        b"fuzz",
        Context::new(b"ctx"),
        &mut SeededRandom::new(1),
    )
    .unwrap_or_else(|e| panic!("sealing with an unlocked keyring: {e:?}"));
    let opened = unlocked
        .open(&record, Context::new(b"ctx"))
        .unwrap_or_else(|e| panic!("opening what was just sealed: {e:?}"));
    assert_eq!(&opened[..], b"fuzz");
}
