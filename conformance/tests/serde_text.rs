//! The library's `serde` feature against the vectors: every text-form vector, read from a
//! JSON document through serde, decodes exactly as `from_text` decodes it (the same object,
//! or an error naming the same class and reason), and what decodes serializes back to the
//! same string. Also the crate docs' `Vault` example, end to end.

use std::path::Path;

use serde_json::{Value, json};
use strongroom::{Context, KdfParams, Keyring, Password, SealedRecord, UnlockPolicy};

fn text_vectors() -> Vec<(String, String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "json")
            || path.file_name().is_some_and(|n| n == "schema.json")
        {
            continue;
        }
        let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for v in file["vectors"].as_array().into_iter().flatten() {
            let op = v["operation"].as_str().unwrap_or_default();
            if op == "decode_keyring_text" || op == "decode_record_text" {
                let text = v["inputs"]["text"].as_str().unwrap().to_owned();
                out.push((v["id"].as_str().unwrap().to_owned(), op.to_owned(), text));
            }
        }
    }
    out
}

/// serde's outcome against `from_text`'s, for one object type.
fn agrees<T>(id: &str, text: &str, from_text: strongroom::Result<T>)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let via_serde = serde_json::from_value::<T>(Value::String(text.to_owned()));
    match (&from_text, &via_serde) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b, "{id}");
            assert_eq!(serde_json::to_value(b).unwrap(), json!(text), "{id}");
        }
        (Err(e), Err(s)) => {
            let message = s.to_string();
            assert!(message.contains(&e.to_string()), "{id}: {message} vs {e}");
            assert!(
                !message.contains(text) || text.len() < 8,
                "{id}: echoes its input"
            );
        }
        _ => panic!("{id}: from_text {from_text:?}, serde {via_serde:?}"),
    }
}

#[test]
fn text_vectors_decode_through_serde_as_from_text() {
    let vectors = text_vectors();
    assert!(vectors.len() >= 30, "{} text vectors", vectors.len());
    for (id, op, text) in &vectors {
        // A valid object of one type is never read as the other.
        if op == "decode_keyring_text" {
            agrees(id, text, Keyring::from_text(text));
            if Keyring::from_text(text).is_ok() {
                assert!(
                    serde_json::from_value::<SealedRecord>(json!(text)).is_err(),
                    "{id}"
                );
            }
        } else {
            agrees(id, text, SealedRecord::from_text(text));
            if SealedRecord::from_text(text).is_ok() {
                assert!(
                    serde_json::from_value::<Keyring>(json!(text)).is_err(),
                    "{id}"
                );
            }
        }
    }
    // Anything but a string is refused before any decoding.
    for v in [
        json!(null),
        json!(1),
        json!([1, 2]),
        json!({"text": "srk1.AA"}),
    ] {
        assert!(serde_json::from_value::<Keyring>(v.clone()).is_err());
        assert!(serde_json::from_value::<SealedRecord>(v).is_err());
    }
    // The refusal says what was expected (the visitor's `expecting`), so a user reading a
    // failed configuration file learns which field holds which object.
    let keyring = serde_json::from_value::<Keyring>(json!(1)).err().unwrap();
    assert!(
        keyring
            .to_string()
            .contains("a Strongroom keyring in its text form (srk1.)"),
        "{keyring}"
    );
    let record = serde_json::from_value::<SealedRecord>(json!(null))
        .err()
        .unwrap();
    assert!(
        record
            .to_string()
            .contains("a Strongroom sealed record in its text form (srr1.)"),
        "{record}"
    );
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Vault {
    keyring: Keyring,
    entries: Vec<SealedRecord>,
}

#[test]
fn a_json_document_holds_a_keyring_and_its_records() {
    let policy = UnlockPolicy::builder()
        .pbkdf2_iterations(1_000..=2_000_000)
        .build()
        .unwrap();
    let password = Password::new("correct horse battery staple").unwrap();
    let kdf = KdfParams::Pbkdf2Sha256 { iterations: 1_000 };
    let unlocked = Keyring::create(&password, kdf, "laptop", &policy).unwrap();
    let context = Context::new(b"user:alice|collection:log|record:1");
    let vault = Vault {
        keyring: unlocked.keyring().clone(),
        entries: vec![unlocked.seal(b"alice logged in", context).unwrap()],
    };
    let json = serde_json::to_string(&vault).unwrap();
    assert!(json.starts_with(r#"{"keyring":"srk1."#), "{json}");

    let back: Vault = serde_json::from_str(&json).unwrap();
    let unlocked = back.keyring.unlock(&password, &policy).unwrap();
    assert_eq!(
        &unlocked.open(&back.entries[0], context).unwrap()[..],
        b"alice logged in"
    );

    // One changed character of a record: the document no longer deserializes.
    let tampered = json.replacen("srr1.pw", "srr1.pX", 1);
    assert_ne!(tampered, json);
    assert!(serde_json::from_str::<Vault>(&tampered).is_err());
}
