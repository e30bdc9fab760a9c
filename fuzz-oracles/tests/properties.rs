//! Property tests (proptest) of the guarantees the fuzz oracles check, run in the ordinary
//! `cargo test`: open(seal(x)) is x, every decoded object re-encodes to its input, and
//! create then unlock round-trips.

use proptest::prelude::*;
use strongroom::{Context, KdfParams, Keyring, Password, SealedRecord, UnlockedKeyring, hazmat};
use strongroom_fuzz_oracles::{SeededRandom, relaxed_policy};

const FAST_PBKDF2: KdfParams = KdfParams::Pbkdf2Sha256 { iterations: 10 };

fn unlocked(seed: u64) -> UnlockedKeyring {
    let mut u = hazmat::create_with_rng(
        &Password::new("pw").unwrap(),
        FAST_PBKDF2,
        "laptop",
        &relaxed_policy(),
        &mut SeededRandom::new(seed),
    )
    .unwrap();
    hazmat::add_recovery_slot_with_rng(&mut u, "paper", &mut SeededRandom::new(seed + 1000))
        .unwrap();
    u
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    // SR-OP-8, SR-OP-9: open(seal(x)) == x for any plaintext and context.
    #[test]
    fn seal_open_roundtrip(pt in proptest::collection::vec(any::<u8>(), 0..2048),
                           ctx in proptest::collection::vec(any::<u8>(), 0..64),
                           seed in any::<u64>()) {
        let u = unlocked(13);
        let r = hazmat::seal_with_rng(&u, &pt, Context::new(&ctx), &mut SeededRandom::new(seed)).unwrap();
        let r = SealedRecord::from_bytes(r.as_bytes()).unwrap();
        prop_assert_eq!(&u.open(&r, Context::new(&ctx)).unwrap()[..], &pt[..]);
        prop_assert_eq!(hazmat::reencode_record(&r), r.as_bytes().to_vec());
    }

    // SR-CBOR-9: whatever a mutation of a valid record or keyring turns into, if it decodes,
    // re-encoding the decoded fields gives back exactly the input bytes.
    #[test]
    fn decode_encode_identity(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
                              insert in proptest::option::of((any::<prop::sample::Index>(), any::<u8>())),
                              cut in proptest::option::of(any::<prop::sample::Index>())) {
        let u = unlocked(14);
        for base in [u.keyring().as_bytes().to_vec(), u.seal(b"abc", Context::new(b"")).unwrap().into_bytes()] {
            let mut b = base.clone();
            for (i, v) in &edits {
                let at = i.index(b.len());
                b[at] = *v;
            }
            if let Some((i, v)) = insert {
                let at = i.index(b.len());
                b.insert(at, v);
            }
            if let Some(i) = cut {
                let at = i.index(b.len());
                b.truncate(at.max(1));
            }
            if let Ok(k) = Keyring::from_bytes(&b) {
                prop_assert_eq!(hazmat::reencode_keyring(&k).unwrap(), b.clone());
            }
            if let Ok(r) = SealedRecord::from_bytes(&b) {
                prop_assert_eq!(hazmat::reencode_record(&r), b.clone());
            }
        }
    }

    // SR-OP-1, SR-OP-2: create then unlock round-trips for arbitrary passwords and labels.
    #[test]
    fn create_unlock_roundtrip(password in "\\PC{1,40}", label in "\\PC{0,16}", seed in any::<u64>()) {
        let policy = relaxed_policy();
        let Ok(pw) = Password::new(&password) else { return Ok(()) };
        let label: String = label.chars().take(16).collect();
        if label.len() > 64 { return Ok(()) }
        let u = hazmat::create_with_rng(&pw, FAST_PBKDF2, &label, &policy, &mut SeededRandom::new(seed)).unwrap();
        let k = Keyring::from_bytes(u.keyring().as_bytes()).unwrap();
        prop_assert_eq!(hazmat::reencode_keyring(&k).unwrap(), u.keyring().as_bytes().to_vec());
        prop_assert_eq!(hazmat::dek(&k.unlock(&pw, &policy).unwrap()), hazmat::dek(&u));
    }
}
