//! SR-TXT-5: a text form read from a file loses exactly one line ending (LF or CR LF) and nothing
//! else; the string decoders (SR-TXT-2) take no whitespace at all.
mod common;

use common::{TempDir, run_in};

/// The text form of a valid keyring, from the vectors (keyring-001 decodes).
fn keyring_text() -> String {
    let doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::repo().join("vectors/keyring.json")).unwrap(),
    )
    .unwrap();
    let hex = doc["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|v| (v["operation"] == "decode_keyring").then(|| v["inputs"]["keyring"].clone()))
        .and_then(|k| k.as_str().map(str::to_owned))
        .expect("a decode_keyring vector");
    strongroom::Keyring::from_bytes(&hex::decode(hex).unwrap())
        .unwrap()
        .to_text()
}

#[test]
fn one_line_ending_is_removed_and_nothing_else() {
    let d = TempDir::new("text-files");
    let text = keyring_text();
    for (name, suffix, ok) in [
        ("none", "", true),
        ("lf", "\n", true),
        ("crlf", "\r\n", true),
        ("two-lf", "\n\n", false),
        ("space-lf", " \n", false),
        ("cr", "\r", false),
        ("tab", "\t", false),
    ] {
        d.write(name, format!("{text}{suffix}"));
        let r = run_in(&d.0, &["keyring", "info", name], &[], b"");
        assert_eq!(r.code == 0, ok, "{name}: exit {}: {}", r.code, r.stderr);
        if !ok {
            assert!(r.stderr.contains("text_encoding"), "{name}: {}", r.stderr);
        }
    }
    // A byte order mark in front is not a line ending either.
    d.write("bom", format!("\u{feff}{text}\n"));
    let r = run_in(&d.0, &["keyring", "info", "bom"], &[], b"");
    assert_ne!(r.code, 0, "a BOM must not be stripped: {}", r.stderr);
    // The string decoder itself takes no line ending (SR-TXT-2).
    assert!(strongroom::Keyring::from_text(&format!("{text}\n")).is_err());
}
