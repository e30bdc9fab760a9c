//! `unlock_keyring`: no KDF above the policy ceiling, at most one per slot of the kind the
//! credential fits (password slots for a password, secret-key slots for a password and a
//! secret key), none for a slot of a kind this implementation does not implement.

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

/// The KDFs of the slots of one kind: password slots (`secret_key` false) or secret-key
/// slots (true).
fn kdfs_of(slots: &[KeySlot], secret_key: bool) -> Vec<&KdfParams> {
    slots
        .iter()
        .filter_map(|s| match s.kind() {
            SlotKind::Password { kdf, .. } if !secret_key => Some(kdf),
            SlotKind::SecretKey { kdf, .. } if secret_key => Some(kdf),
            _ => None,
        })
        .collect()
}

/// Oracle of `unlock_keyring`: arbitrary keyring bytes, [`UNLOCK_PASSWORD`] (alone and with
/// the fixed secret key) and a fixed recovery code, under [`tiny_policy`].
pub fn unlock_keyring(data: &[u8]) -> Outcome {
    let keyring = match Keyring::from_bytes(data) {
        Ok(k) => k,
        Err(e) => return Outcome::Rejected(e.class()),
    };
    let policy = tiny_policy();
    let pw = password(UNLOCK_PASSWORD);
    let sk = unlock_secret_key();
    let slots = keyring.slots();

    // The same rules for the secret-key slots and unlock_secret_key (SR-OP-20).
    let secret_slots = kdfs_of(slots, true);
    let (r, ran) = counting("unlock_secret_key", || {
        keyring.unlock_secret_key(&pw, &sk, &policy)
    });
    check_kdf_unlock(&keyring, &secret_slots, &r, ran);

    let outcome = {
        let password_slots = kdfs_of(slots, false);
        let (result, ran) = counting("unlock", || keyring.unlock(&pw, &policy));
        check_kdf_unlock(&keyring, &password_slots, &result, ran);
        match &result {
            Ok(_) => Outcome::Accepted,
            Err(e) => Outcome::Rejected(e.class()),
        }
    };

    // One slot at a time (SR-OP-3), including one index past the end.
    for index in 0..=slots.len() {
        let (r, ran) = counting("unlock_slot", || keyring.unlock_slot(index, &pw, &policy));
        let expected_kdfs = one_slot(&keyring, index, false, &r);
        assert_eq!(ran, expected_kdfs, "KDF runs for unlock_slot({index})");
        let (r, ran) = counting("unlock_slot_with_secret_key", || {
            keyring.unlock_slot_with_secret_key(index, &pw, &sk, &policy)
        });
        let expected_kdfs = one_slot(&keyring, index, true, &r);
        assert_eq!(
            ran, expected_kdfs,
            "KDF runs for unlock_slot_with_secret_key({index})"
        );
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

/// The checks of an unlock through every slot of one kind, whose KDFs are `kdfs`: the policy
/// first (SR-POL-1, SR-POL-2), then the work budget (SR-POL-7), then at most one KDF per slot.
fn check_kdf_unlock(
    keyring: &Keyring,
    kdfs: &[&KdfParams],
    result: &Result<UnlockedKeyring, Error>,
    ran: u64,
) {
    let all_permitted = kdfs.iter().all(|k| under_tiny_ceiling(k));
    let work: u64 = kdfs.iter().map(|k| k.work()).sum();
    let within_budget = work <= tiny_policy().max_unlock_work();
    if !within_budget && all_permitted {
        assert_eq!(ran, 0, "a KDF ran although the work budget is exceeded");
        assert_eq!(
            result.as_ref().err(),
            Some(&Error::LimitExceeded(Limit::UnlockWorkExceeded)),
            "slots above the work budget"
        );
    } else if all_permitted {
        assert!(
            ran <= kdfs.len() as u64,
            "unlock ran {ran} KDFs for {} slots",
            kdfs.len()
        );
    } else {
        assert_eq!(ran, 0, "a KDF ran although a slot is above the ceiling");
        assert_eq!(
            result.as_ref().err(),
            Some(&Error::OutOfPolicy),
            "a slot above the ceiling"
        );
    }
    if kdfs.is_empty() {
        assert_eq!(result.as_ref().err(), Some(&Error::UnlockFailed));
    }
    match result {
        Ok(unlocked) => {
            let index = unlocked
                .slot_index()
                .expect("an unlocked keyring names the slot that opened it");
            assert!(
                keyring.slots()[index].kdf().is_some(),
                "slot {index} that opened has no KDF"
            );
            check_unlocked(keyring, unlocked);
        }
        Err(e) => assert!(
            matches!(
                e,
                Error::OutOfPolicy
                    | Error::UnlockFailed
                    | Error::KeyringTampered
                    | Error::LimitExceeded(Limit::UnlockWorkExceeded)
            ),
            "unlock failed with {e:?}"
        ),
    }
}

/// The outcome of unlock_slot (a password, `secret_key` false) or
/// unlock_slot_with_secret_key (true) at `index`; returns the KDF runs it may cost.
fn one_slot(
    keyring: &Keyring,
    index: usize,
    secret_key: bool,
    r: &Result<UnlockedKeyring, Error>,
) -> u64 {
    fn fits(kind: &SlotKind, secret_key: bool) -> Option<&KdfParams> {
        match kind {
            SlotKind::Password { kdf, .. } if !secret_key => Some(kdf),
            SlotKind::SecretKey { kdf, .. } if secret_key => Some(kdf),
            _ => None,
        }
    }
    match keyring
        .slots()
        .get(index)
        .map(|s| fits(s.kind(), secret_key))
    {
        None => {
            assert_eq!(
                r.as_ref().err(),
                Some(&Error::InvalidInput(InvalidInput::NoSuchSlot))
            );
            0
        }
        // A recovery slot, a slot of the other KDF kind, or of a kind not implemented.
        Some(None) => {
            assert_eq!(
                r.as_ref().err(),
                Some(&Error::InvalidInput(InvalidInput::WrongSlotKind))
            );
            0
        }
        Some(Some(kdf)) if !under_tiny_ceiling(kdf) => {
            assert_eq!(r.as_ref().err(), Some(&Error::OutOfPolicy));
            0
        }
        Some(Some(_)) => {
            match r {
                Ok(u) => {
                    assert_eq!(u.slot_index(), Some(index), "unlock_slot({index}) opened");
                    check_unlocked(keyring, u);
                }
                Err(e) => assert!(
                    matches!(e, Error::UnlockFailed | Error::KeyringTampered),
                    "unlock_slot failed with {e:?}"
                ),
            }
            1
        }
    }
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
