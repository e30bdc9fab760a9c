//! `decode_keyring` and `decode_record`: an input is rejected with a decoding error class,
//! or it is the one canonical encoding of what it decodes to (SR-CBOR-9).

use super::*;

/// Error classes that decoding alone may produce (SPEC.md decoding order).
pub(crate) fn is_decoding_error(e: &Error) -> bool {
    matches!(
        e,
        Error::Malformed(_)
            | Error::UnsupportedVersion { .. }
            | Error::UnsupportedAlgorithm { .. }
            | Error::KdfParamsOutOfBounds
    )
}

pub(crate) fn check_binary_decode_error(what: &str, e: &Error) {
    assert!(
        is_decoding_error(e),
        "{what}: decoding failed with a non-decoding error class {e:?}"
    );
    assert!(
        !matches!(
            e,
            Error::Malformed(Malformed::TextPrefix | Malformed::TextEncoding)
        ),
        "{what}: binary decoding reported a text-form error {e:?}"
    );
}

/// Oracle of `decode_keyring`: rejected with a decoding error, or canonical.
pub fn decode_keyring(data: &[u8]) -> Outcome {
    let decoded = Keyring::from_bytes(data);
    assert_eq!(
        decoded,
        Keyring::from_bytes(data),
        "keyring decoding is not a function of the input"
    );
    match decoded {
        Ok(keyring) => {
            check_keyring(&keyring, data);
            Outcome::Accepted
        }
        Err(e) => {
            check_binary_decode_error("keyring", &e);
            Outcome::Rejected(e.class())
        }
    }
}

pub(crate) fn check_keyring(k: &Keyring, data: &[u8]) {
    assert!(
        data.len() <= MAX_KEYRING_LEN,
        "accepted a keyring of {} bytes",
        data.len()
    );
    assert_eq!(k.as_bytes(), data, "keyring does not keep its exact bytes");
    let again = hazmat::reencode_keyring(k)
        .unwrap_or_else(|e| panic!("accepted keyring does not re-encode: {e:?}"));
    assert!(
        again == data,
        "accepted keyring is not the canonical encoding of its fields (SR-CBOR-9)\n input: {}\n again: {}",
        hex(data),
        hex(&again)
    );
    assert!(
        (1..=MAX_SLOTS).contains(&k.slots().len()),
        "accepted {} slots",
        k.slots().len()
    );
    assert!(k.generation() <= MAX_GENERATION, "generation out of range");
    let mut offset = None;
    for slot in k.slots() {
        assert!(slot.label().len() <= MAX_LABEL_BYTES, "label too long");
        if let Some(kdf) = slot.kdf() {
            assert!(kdf.check_limits().is_ok(), "accepted KDF {kdf:?}");
        }
        // SR-OBJ-7: a kind is 1, 2, 64 or a skippable kind this crate does not implement.
        match slot.kind() {
            SlotKind::Password { .. } | SlotKind::Recovery | SlotKind::SecretKey { .. } => {}
            SlotKind::Unknown(kind) => assert!(*kind > 64, "accepted unknown kind {kind}"),
            other => panic!("accepted slot kind {other:?}"),
        }
        // Slots are stored back to back inside the keyring encoding, in order.
        let at = find(data, slot.as_bytes(), offset.unwrap_or(0))
            .expect("a slot's bytes are not part of its keyring's bytes");
        offset = Some(at + slot.as_bytes().len());
    }
    let text = k.to_text();
    assert!(text.starts_with(KEYRING_PREFIX), "keyring text prefix");
    let back = Keyring::from_text(&text)
        .unwrap_or_else(|e| panic!("text form of an accepted keyring fails: {e:?}"));
    assert_eq!(&back, k, "keyring text round trip changed the keyring");
    // SR-OBJ-1: the object type is read first, so a keyring is never a record.
    assert_eq!(
        SealedRecord::from_bytes(data).err(),
        Some(Error::Malformed(Malformed::WrongObjectType)),
        "keyring bytes decoded as a record must fail with wrong_object_type"
    );
}

/// Oracle of `decode_record`: rejected with a decoding error, or canonical.
pub fn decode_record(data: &[u8]) -> Outcome {
    let decoded = SealedRecord::from_bytes(data);
    assert_eq!(
        decoded,
        SealedRecord::from_vec(data.to_vec()),
        "from_bytes and from_vec disagree"
    );
    match decoded {
        Ok(record) => {
            check_record(&record, data);
            Outcome::Accepted
        }
        Err(e) => {
            check_binary_decode_error("record", &e);
            assert!(
                !matches!(
                    e,
                    Error::UnsupportedAlgorithm { .. } | Error::KdfParamsOutOfBounds
                ),
                "a record has no algorithm registry or KDF, yet decoding said {e:?}"
            );
            Outcome::Rejected(e.class())
        }
    }
}

pub(crate) fn check_record(r: &SealedRecord, data: &[u8]) {
    assert_eq!(r.as_bytes(), data, "record does not keep its exact bytes");
    let again = hazmat::reencode_record(r);
    assert!(
        again == data,
        "accepted record is not the canonical encoding of its fields (SR-CBOR-9)\n input: {}\n again: {}",
        hex(data),
        hex(&again)
    );
    assert_eq!(r.header(), &data[..HEADER_LEN], "record header");
    let ct = r.ciphertext();
    assert!(ct.len() >= 16, "ciphertext shorter than the tag");
    assert!(
        data.ends_with(ct),
        "ciphertext is not the end of the record"
    );
    assert_eq!(r.plaintext_len() + 16, ct.len(), "plaintext length");
    let text = r.to_text();
    assert!(text.starts_with(RECORD_PREFIX), "record text prefix");
    let back = SealedRecord::from_text(&text)
        .unwrap_or_else(|e| panic!("text form of an accepted record fails: {e:?}"));
    assert_eq!(&back, r, "record text round trip changed the record");
    let as_keyring = Keyring::from_bytes(data).err();
    assert!(
        matches!(
            as_keyring,
            Some(Error::Malformed(
                Malformed::WrongObjectType | Malformed::TooLarge
            ))
        ),
        "record bytes decoded as a keyring gave {as_keyring:?}"
    );
}
