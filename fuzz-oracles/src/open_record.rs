//! `open_record`: a fixed keyring opens arbitrary bytes only if sealing gives those bytes.

use super::*;

/// Oracle of `open_record`: the fixture keyring opens a record under one of
/// [`CONTEXTS`] only if sealing that plaintext, with the record's salt and nonce, gives
/// exactly the input bytes.
pub fn open_record(data: &[u8]) -> Outcome {
    let record = match SealedRecord::from_bytes(data) {
        Ok(r) => r,
        Err(e) => return Outcome::Rejected(e.class()),
    };
    let unlocked = fixture_keyring();
    let ours = record.keyring_id() == unlocked.keyring().id();
    let mut opened = false;
    let mut outcome = None;
    for context in CONTEXTS {
        match unlocked.open(&record, Context::new(context)) {
            Ok(plaintext) => {
                assert!(ours, "opened a record of another keyring");
                let mut script = Scripted(vec![record.salt(), record.nonce()]);
                let sealed =
                    hazmat::seal_with_rng(unlocked, &plaintext, Context::new(context), &mut script)
                        .unwrap_or_else(|e| panic!("sealing an opened plaintext again: {e:?}"));
                assert!(
                    sealed.as_bytes() == data,
                    "opened bytes that sealing does not produce: {}",
                    hex(data)
                );
                assert!(!opened, "one record opened under two different contexts");
                opened = true;
                outcome = Some(Outcome::Accepted);
            }
            Err(e) => {
                let expected = if ours {
                    Error::RecordAuthenticationFailed
                } else {
                    Error::WrongKeyring
                };
                assert_eq!(e, expected, "opening failed with the wrong class");
                outcome.get_or_insert(Outcome::Rejected(e.class()));
            }
        }
    }
    outcome.unwrap_or(Outcome::Rejected("no context tried"))
}
