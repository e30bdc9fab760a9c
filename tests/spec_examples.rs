//! SPEC.md's worked examples (appendix), reproduced byte for byte through the public API.
//! Every `<!-- example: NAME -->` block in SPEC.md is compared; a block this test does not
//! know fails the test, so the appendix and the code cannot drift apart silently.

mod common;

use std::collections::BTreeMap;

use common::{Scripted, seq};
use strongroom::{Context, KdfParams, Keyring, Password, SealedRecord, UnlockPolicy, hazmat};

/// name -> content of every marked block (hex lowercased with whitespace removed; text
/// trimmed).
fn spec_examples() -> BTreeMap<String, String> {
    let path = std::env::var("STRONGROOM_SPEC")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/SPEC.md").to_owned());
    let spec = std::fs::read_to_string(&path).expect("SPEC.md");
    let mut out = BTreeMap::new();
    let mut rest = spec.as_str();
    // Markers start a line; a mention inside prose or code is not a marker.
    while let Some(at) = rest.find("\n<!-- example: ") {
        rest = &rest[at + "\n<!-- example: ".len()..];
        let end = rest.find(" -->").expect("marker end");
        let name = rest[..end].to_owned();
        let fence = rest.find("```").expect("fence") + 3;
        let body_start = fence + rest[fence..].find('\n').expect("fence line") + 1;
        let body_end = body_start + rest[body_start..].find("```").expect("closing fence");
        let body = rest[body_start..body_end].trim();
        let is_hex = body
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c.is_whitespace());
        let value = if is_hex {
            body.split_whitespace().collect::<String>().to_lowercase()
        } else {
            body.to_owned()
        };
        assert!(out.insert(name.clone(), value).is_none(), "{name} twice");
        rest = &rest[body_end..];
    }
    out
}

fn h(b: impl AsRef<[u8]>) -> String {
    hex::encode(b)
}

fn arr<const N: usize>(v: Vec<u8>) -> [u8; N] {
    v.try_into().unwrap()
}

/// Every value the examples define, computed by the crate.
fn computed() -> BTreeMap<String, String> {
    let mut c = BTreeMap::new();
    let policy = UnlockPolicy::default();

    // Example 1.
    let pw1 = Password::new("correct horse battery staple").unwrap();
    let mut unlocked = hazmat::create_with_rng(
        &pw1,
        KdfParams::DEFAULT_PBKDF2,
        "laptop",
        &policy,
        &mut Scripted(vec![
            seq(0x00, 16),
            seq(0x10, 32),
            seq(0x30, 32),
            seq(0x50, 12),
        ]),
    )
    .unwrap();
    let k1 = unlocked.keyring().clone();
    let kek1 = hazmat::kek(&KdfParams::DEFAULT_PBKDF2, &pw1, &arr(seq(0x30, 32))).unwrap();
    c.insert(
        "keyring-1/password-nfc".into(),
        h(hazmat::password_bytes(&pw1)),
    );
    slot_values(&mut c, "keyring-1", &k1, 0, &kek1);
    c.insert(
        "keyring-1/prk-ring".into(),
        h(hazmat::keyring_prk(&unlocked)),
    );
    c.insert("keyring-1/mac-key".into(), h(hazmat::mac_key(&unlocked)));
    c.insert("keyring-1/mac-input".into(), h(mac_input(&k1)));
    c.insert("keyring-1/mac".into(), h(k1.mac()));
    c.insert("keyring-1".into(), h(k1.as_bytes()));
    c.insert("text-keyring-1".into(), k1.to_text());

    // Example 2: a recovery slot, then an Argon2id password slot given in NFD.
    let code = hazmat::add_recovery_slot_with_rng(
        &mut unlocked,
        "recovery",
        &mut Scripted(vec![seq(0x60, 32), seq(0x80, 12)]),
    )
    .unwrap();
    let step1 = unlocked.keyring().clone();
    slot_values(&mut c, "keyring-2/slot-1", &step1, 1, &arr(seq(0x60, 32)));
    c.insert("keyring-2/step-1/mac-input".into(), h(mac_input(&step1)));
    c.insert("keyring-2/step-1/mac".into(), h(step1.mac()));
    c.insert("keyring-2/step-1".into(), h(step1.as_bytes()));
    let argon = KdfParams::Argon2id {
        memory_kib: 19_456,
        time_cost: 2,
        parallelism: 1,
    };
    let pw2 = Password::new("pa\u{308}sswo\u{308}rd").unwrap();
    hazmat::add_password_slot_with_rng(
        &mut unlocked,
        &pw2,
        argon,
        "phone",
        &mut Scripted(vec![seq(0x90, 32), seq(0xb0, 12)]),
    )
    .unwrap();
    let k2 = unlocked.keyring().clone();
    let kek2 = hazmat::kek(&argon, &pw2, &arr(seq(0x90, 32))).unwrap();
    c.insert(
        "keyring-2/slot-2/password-nfc".into(),
        h(hazmat::password_bytes(&pw2)),
    );
    slot_values(&mut c, "keyring-2/slot-2", &k2, 2, &kek2);
    c.insert(
        "keyring-2/prk-ring".into(),
        h(hazmat::keyring_prk(&unlocked)),
    );
    c.insert("keyring-2/mac-key".into(), h(hazmat::mac_key(&unlocked)));
    c.insert("keyring-2/mac-input".into(), h(mac_input(&k2)));
    c.insert("keyring-2/mac".into(), h(k2.mac()));
    c.insert("keyring-2".into(), h(k2.as_bytes()));

    // Example 3: a record.
    let context = b"user:alice|collection:log|record:1";
    let record = hazmat::seal_with_rng(
        &unlocked,
        b"2026-11-28T01:38:22Z alice login ok",
        Context::new(context),
        &mut Scripted(vec![seq(0xc0, 32), seq(0xe0, 12)]),
    )
    .unwrap();
    let rs = hazmat::record_secrets(&unlocked, &record, Context::new(context));
    c.insert("record-1/record-root".into(), h(rs.record_root));
    assert_eq!(rs.record_root, hazmat::record_root(&unlocked));
    c.insert("record-1/prk-rec".into(), h(rs.prk));
    c.insert("record-1/record-key".into(), h(rs.record_key));
    c.insert("record-1/commitment".into(), h(rs.commitment));
    c.insert("record-1/header".into(), h(record.header()));
    c.insert("record-1/aad".into(), h(&rs.aad));
    c.insert("record-1/ciphertext".into(), h(record.ciphertext()));
    c.insert("record-1".into(), h(record.as_bytes()));
    c.insert("text-record-1".into(), record.to_text());

    // Example 4: the recovery code of example 2.
    let payload = hazmat::recovery_payload(&code);
    c.insert("recovery-code-1/check".into(), h(&payload[32..]));
    c.insert("recovery-code-1/payload".into(), h(payload));
    c.insert("recovery-code-1".into(), code.expose().to_string());

    // Example 6: a log of three entries under the keyring of example 2.
    let log_id = strongroom::LogId::from_bytes(arr(seq(0xf0, 16)));
    let app = b"user:alice";
    let (_, mut state) = unlocked.create_log(log_id);
    let mut entries = Vec::new();
    let mut last = None;
    for (i, (salt, nonce)) in [(0x20u8, 0x40u8), (0x50, 0x70), (0x80, 0xa0)]
        .into_iter()
        .enumerate()
    {
        let a = hazmat::seal_log_entry_with_rng(
            &unlocked,
            &state,
            format!("entry {i}").as_bytes(),
            Context::new(app),
            &mut Scripted(vec![seq(salt, 32), seq(nonce, 12)]),
        )
        .unwrap();
        entries.push(a.entry().as_bytes().to_vec());
        last = Some(a.checkpoint().clone());
        state = a.acknowledged();
    }
    let checkpoint = last.unwrap();
    c.insert("log-1/log-key".into(), h(hazmat::log_key(&unlocked)));
    c.insert(
        "log-1/context-1".into(),
        h(log_id.entry_context(1, app).unwrap()),
    );
    c.insert("log-1/entry-1".into(), h(&entries[1]));
    let leaves: Vec<[u8; 32]> = entries
        .iter()
        .map(|e| strongroom::LogTree::leaf_hash(e))
        .collect();
    for (i, leaf) in leaves.iter().enumerate() {
        c.insert(format!("log-1/leaf-{i}"), h(leaf));
    }
    let tree = strongroom::LogTree::from_leaf_hashes(leaves);
    c.insert("log-1/node-01".into(), h(tree.root(2).unwrap()));
    c.insert("log-1/root-3".into(), h(tree.root(3).unwrap()));
    assert_eq!(checkpoint.root(), &tree.root(3).unwrap());
    assert_eq!(state.pin().root(), checkpoint.root());
    let cp = checkpoint.as_bytes();
    c.insert(
        "log-1/checkpoint-3/mac-input".into(),
        h(&cp[..cp.len() - 35]),
    );
    c.insert("log-1/checkpoint-3/mac".into(), h(checkpoint.mac()));
    c.insert("log-1/checkpoint-3".into(), h(cp));
    c.insert("text-checkpoint-1".into(), checkpoint.to_text());

    // Example 7: a sealed stream of 70,000 bytes (two chunks) under the keyring of example 2.
    let stream_context = b"user:alice|collection:files|file:1";
    let payload: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    let stream = hazmat::seal_stream_with_rng(
        &unlocked,
        &payload,
        Context::new(stream_context),
        &mut Scripted(vec![seq(0xb0, 32)]),
    )
    .unwrap();
    let header = strongroom::StreamHeader::decode(&stream).unwrap();
    let ss = hazmat::stream_secrets(&unlocked, &header, Context::new(stream_context));
    c.insert("stream-1/prk-str".into(), h(ss.prk));
    c.insert("stream-1/stream-key".into(), h(ss.stream_key));
    c.insert("stream-1/commitment".into(), h(ss.commitment));
    c.insert("stream-1/header".into(), h(header.as_bytes()));
    c.insert("stream-1/stream-aad".into(), h(ss.aad));
    let frame1 = strongroom::STREAM_HEADER_LEN + strongroom::STREAM_CHUNK_SIZE + 32;
    let tag0 = frame1 - 16;
    c.insert(
        "stream-1/frame-0/header".into(),
        h(&stream[strongroom::STREAM_HEADER_LEN..strongroom::STREAM_HEADER_LEN + 16]),
    );
    c.insert("stream-1/frame-0/tag".into(), h(&stream[tag0..frame1]));
    c.insert(
        "stream-1/frame-1/header".into(),
        h(&stream[frame1..frame1 + 16]),
    );
    c.insert(
        "stream-1/frame-1/tag".into(),
        h(&stream[stream.len() - 16..]),
    );
    {
        use sha2::Digest;
        c.insert("stream-1/sha256".into(), h(sha2::Sha256::digest(&stream)));
    }
    assert_eq!(
        &unlocked
            .open_stream_from_slice(&stream, Context::new(stream_context))
            .unwrap()[..],
        &payload[..]
    );

    // The examples also open: the final keyring with each secret, the record with its
    // context.
    let k2 = Keyring::from_bytes(k2.as_bytes()).unwrap();
    k2.unlock(&pw1, &policy).unwrap();
    k2.unlock_slot(2, &Password::new("p\u{e4}ssw\u{f6}rd").unwrap(), &policy)
        .unwrap();
    let reopened = k2.unlock_with_recovery(&code, &policy).unwrap();
    let record = SealedRecord::from_bytes(record.as_bytes()).unwrap();
    assert_eq!(
        &reopened.open(&record, Context::new(context)).unwrap()[..],
        b"2026-11-28T01:38:22Z alice login ok"
    );
    c
}

fn mac_input(k: &Keyring) -> Vec<u8> {
    let b = k.as_bytes();
    b[..b.len() - 35].to_vec()
}

fn slot_values(
    c: &mut BTreeMap<String, String>,
    prefix: &str,
    k: &Keyring,
    index: usize,
    kek: &[u8; 32],
) {
    let s = hazmat::slot_secrets(k, index, kek).unwrap();
    let slot = &k.slots()[index];
    c.insert(format!("{prefix}/kek"), h(s.kek));
    c.insert(format!("{prefix}/prk-slot"), h(s.prk));
    c.insert(format!("{prefix}/wrap-key"), h(s.wrap_key));
    c.insert(format!("{prefix}/commitment"), h(s.commitment));
    c.insert(format!("{prefix}/slot-aad"), h(&s.aad));
    c.insert(format!("{prefix}/wrapped-dek"), h(slot.wrapped_dek()));
    c.insert(format!("{prefix}/slot"), h(slot.as_bytes()));
    assert_eq!(slot.commitment(), &s.commitment);
}

// SR-CBOR-9, SR-KEY-1..8, SR-KEY-14, SR-KDF-1, SR-KDF-2, SR-PWD-1, SR-REC-1, SR-TXT-1,
// SR-LOG-2, SR-LOG-4, SR-LOG-6, SR-LOG-7, SR-STR-2, SR-STR-3, SR-STR-4:
// the worked examples of SPEC.md are what the crate produces.
#[test]
fn spec_worked_examples_match() {
    let spec = spec_examples();
    let ours = computed();
    assert!(
        spec.len() >= 40,
        "only {} examples found in SPEC.md",
        spec.len()
    );
    for (name, expected) in &spec {
        let got = ours
            .get(name)
            .unwrap_or_else(|| panic!("SPEC.md example {name} is not computed by this test"));
        assert_eq!(got, expected, "SPEC.md example {name} differs");
    }
    for name in ours.keys() {
        assert!(spec.contains_key(name), "{name} is missing from SPEC.md");
    }
}
