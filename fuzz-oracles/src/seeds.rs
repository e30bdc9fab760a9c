//! The committed seeds (`fuzz/seeds/`), generated rather than collected, and seeds read from
//! the conformance vectors.

use super::*;

/// One seed input for one target.
///
/// Names tell the replay test what to expect: `ok-*` must be [`Outcome::Accepted`],
/// `bad-*` must be [`Outcome::Rejected`]; `vec-*` (from vectors/) only must not panic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seed {
    /// The target whose corpus it belongs to.
    pub target: &'static str,
    /// The file name under `fuzz/seeds/<target>/`.
    pub name: String,
    /// The input.
    pub bytes: Vec<u8>,
}

pub(crate) fn seed(target: &'static str, name: &str, bytes: impl Into<Vec<u8>>) -> Seed {
    Seed {
        target,
        name: name.to_owned(),
        bytes: bytes.into(),
    }
}

/// Replaces `len` bytes at `at` with `with`.
pub(crate) fn splice(bytes: &[u8], at: usize, len: usize, with: &[u8]) -> Vec<u8> {
    let mut out = bytes[..at].to_vec();
    out.extend_from_slice(with);
    out.extend_from_slice(&bytes[at + len..]);
    out
}

pub(crate) fn flip(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[at] ^= 1;
    out
}

pub(crate) fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() {
        return Some(from);
    }
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The keyrings behind the seeds, built through the public API from fixed seeds.
pub(crate) struct SeedKeyrings {
    /// The `open_record` fixture: one PBKDF2 slot, one iteration.
    fixture: Keyring,
    /// [`UNLOCK_PASSWORD`] in a PBKDF2 slot and an Argon2id slot, plus a recovery slot
    /// for [`unlock_recovery_code`]: unlocks under [`tiny_policy`].
    tiny: Keyring,
    /// Eight slots, non-ASCII and 64-byte labels, generation past 23.
    full: Keyring,
    /// One slot above the tiny ceiling (PBKDF2, 1,000 iterations).
    above_ceiling: Keyring,
    /// Only a recovery slot left (the password slot removed).
    recovery_only: Keyring,
    /// [`UNLOCK_PASSWORD`] and [`unlock_secret_key`] in a secret-key slot, and nothing else:
    /// `unlock_secret_key` opens it, `unlock` has no slot to try.
    secret_key: Keyring,
}

pub(crate) fn seed_keyrings() -> SeedKeyrings {
    let relaxed = relaxed_policy();
    let unlock_pw = password(UNLOCK_PASSWORD);
    let small_argon = KdfParams::Argon2id {
        memory_kib: 16,
        time_cost: 1,
        parallelism: 1,
    };
    let mut rng = SeededRandom::new(0x5eed_0001);
    let mut tiny = hazmat::create_with_rng(
        &unlock_pw,
        KdfParams::Pbkdf2Sha256 { iterations: 10 },
        "laptop",
        &relaxed,
        &mut rng,
    )
    .expect("seed keyring");
    hazmat::add_password_slot_with_rng(&mut tiny, &unlock_pw, small_argon, "phone", &mut rng)
        .expect("seed slot");
    add_known_recovery_slot(&mut tiny, "paper");

    let mut rng = SeededRandom::new(0x5eed_0002);
    let mut full = hazmat::create_with_rng(
        &password("pässwörd ünïcödé"),
        KdfParams::Pbkdf2Sha256 { iterations: 3 },
        "",
        &relaxed,
        &mut rng,
    )
    .expect("seed keyring");
    // Cycle a recovery slot in and out to push the generation past 23 (a two-byte head).
    for _ in 0..15 {
        hazmat::add_recovery_slot_with_rng(&mut full, "x", &mut rng).expect("seed slot");
        full.remove_slot(1).expect("seed slot");
    }
    let long_label = "L".repeat(MAX_LABEL_BYTES);
    for i in 0..(MAX_SLOTS - 1) {
        if i % 2 == 0 {
            let kdf = KdfParams::Argon2id {
                memory_kib: 8 + i as u32,
                time_cost: 1,
                parallelism: 1,
            };
            let label = if i == 0 {
                long_label.as_str()
            } else {
                "設備"
            };
            hazmat::add_password_slot_with_rng(
                &mut full,
                &password("another"),
                kdf,
                label,
                &mut rng,
            )
            .expect("seed slot");
        } else {
            hazmat::add_recovery_slot_with_rng(&mut full, "recovery", &mut rng).expect("seed slot");
        }
    }

    let mut rng = SeededRandom::new(0x5eed_0003);
    let above_ceiling = hazmat::create_with_rng(
        &unlock_pw,
        KdfParams::Pbkdf2Sha256 { iterations: 1_000 },
        "slow",
        &relaxed,
        &mut rng,
    )
    .expect("seed keyring");

    let mut rng = SeededRandom::new(0x5eed_0004);
    let mut recovery_only = hazmat::create_with_rng(
        &unlock_pw,
        KdfParams::Pbkdf2Sha256 { iterations: 1 },
        "gone",
        &relaxed,
        &mut rng,
    )
    .expect("seed keyring");
    add_known_recovery_slot(&mut recovery_only, "only");
    recovery_only.remove_slot(0).expect("seed slot");

    let mut rng = SeededRandom::new(0x5eed_0005);
    let (mut secret_key, _) = hazmat::create_with_secret_key_with_rng(
        &unlock_pw,
        KdfParams::Pbkdf2Sha256 { iterations: 10 },
        "with secret key",
        &relaxed,
        &mut rng,
    )
    .expect("seed keyring");
    hazmat::add_secret_key_slot_with_rng(
        &mut secret_key,
        &unlock_pw,
        &unlock_secret_key(),
        small_argon,
        "known secret key",
        &mut rng,
    )
    .expect("seed slot");
    secret_key.remove_slot(0).expect("seed slot");

    SeedKeyrings {
        secret_key: secret_key.keyring().clone(),
        fixture: fixture_keyring().keyring().clone(),
        tiny: tiny.keyring().clone(),
        full: full.keyring().clone(),
        above_ceiling: above_ceiling.keyring().clone(),
        recovery_only: recovery_only.keyring().clone(),
    }
}

/// Adds a recovery slot whose code is [`unlock_recovery_code`].
pub(crate) fn add_known_recovery_slot(unlocked: &mut UnlockedKeyring, label: &str) {
    struct Fixed(Vec<u8>);
    impl RandomSource for Fixed {
        fn fill(&mut self, dest: &mut [u8]) -> strongroom::Result<()> {
            let n = dest.len();
            dest.copy_from_slice(&self.0[..n]);
            self.0.drain(..n);
            Ok(())
        }
    }
    let mut script = UNLOCK_RECOVERY_SECRET.to_vec();
    script.extend_from_slice(&[0x24; 12]);
    hazmat::add_recovery_slot_with_rng(unlocked, label, &mut Fixed(script)).expect("seed slot");
}

/// Every seed, for every target, built through the public API from fixed random
/// streams: the same bytes on every run and every machine.
pub fn seeds() -> Vec<Seed> {
    let k = seed_keyrings();
    let fixture = fixture_keyring();
    let mut rng = SeededRandom::new(0x5eed_0100);
    let mut records = Vec::new();
    for (name, len, context) in [
        ("empty", 0usize, CONTEXTS[0]),
        ("short", 5, CONTEXTS[1]),
        ("medium", 200, CONTEXTS[0]),
        ("large", 3000, CONTEXTS[1]),
    ] {
        let plaintext: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let record = hazmat::seal_with_rng(fixture, &plaintext, Context::new(context), &mut rng)
            .expect("seed record");
        records.push((name, record));
    }
    let foreign = hazmat::seal_with_rng(
        &hazmat::create_with_rng(
            &password("someone else"),
            KdfParams::Pbkdf2Sha256 { iterations: 1 },
            "other",
            &relaxed_policy(),
            &mut SeededRandom::new(0x5eed_0200),
        )
        .expect("seed keyring"),
        b"not yours",
        Context::new(CONTEXTS[0]),
        &mut rng,
    )
    .expect("seed record");

    let mut out = Vec::new();
    let kr = |k: &Keyring| k.as_bytes().to_vec();
    let rec = |i: usize| records[i].1.as_bytes().to_vec();
    let fixture_bytes = kr(&k.fixture);

    // decode_keyring
    let t = "decode_keyring";
    out.push(seed(t, "ok-fixture", kr(&k.fixture)));
    out.push(seed(t, "ok-three-slots", kr(&k.tiny)));
    out.push(seed(t, "ok-eight-slots", kr(&k.full)));
    out.push(seed(t, "ok-above-ceiling", kr(&k.above_ceiling)));
    out.push(seed(t, "ok-recovery-only", kr(&k.recovery_only)));
    out.push(seed(t, "ok-secret-key", kr(&k.secret_key)));
    out.push(seed(t, "bad-empty", Vec::new()));
    out.push(seed(
        t,
        "bad-truncated",
        &fixture_bytes[..fixture_bytes.len() - 1],
    ));
    out.push(seed(
        t,
        "bad-trailing-byte",
        [&fixture_bytes[..], &[0]].concat(),
    ));
    out.push(seed(t, "bad-version-2", splice(&fixture_bytes, 4, 1, &[2])));
    // Header: a6 01 01 02 01 03 50 <id: 16> 04 <generation> ...
    out.push(seed(
        t,
        "bad-non-shortest-generation",
        splice(&fixture_bytes, 24, 1, &[0x18, 0x00]),
    ));
    out.push(seed(
        t,
        "bad-indefinite-map",
        [&[0xbf][..], &fixture_bytes[1..], &[0xff]].concat(),
    ));
    let kdf_at = find(&fixture_bytes, &[0x03, 0x82, 0x01, 0x01], 25).expect("KDF array");
    out.push(seed(
        t,
        "bad-unknown-kdf",
        splice(&fixture_bytes, kdf_at + 2, 1, &[0x09]),
    ));
    out.push(seed(
        t,
        "bad-zero-iterations",
        splice(&fixture_bytes, kdf_at + 3, 1, &[0x00]),
    ));
    out.push(seed(
        t,
        "bad-2pow32-iterations",
        splice(
            &fixture_bytes,
            kdf_at + 3,
            1,
            &[0x1b, 0, 0, 0, 1, 0, 0, 0, 0],
        ),
    ));
    out.push(seed(t, "bad-record", rec(1)));

    // decode_record
    let t = "decode_record";
    for (i, (name, _)) in records.iter().enumerate() {
        out.push(seed(t, &format!("ok-{name}"), rec(i)));
    }
    out.push(seed(t, "ok-foreign", foreign.as_bytes()));
    let r = rec(1);
    out.push(seed(t, "bad-truncated", &r[..r.len() - 1]));
    out.push(seed(t, "bad-trailing-byte", [&r[..], &[0]].concat()));
    out.push(seed(t, "bad-version-2", splice(&r, 4, 1, &[2])));
    // Ciphertext entry: 07 55 <21 bytes>; a 15-byte ciphertext is shorter than a tag.
    out.push(seed(
        t,
        "bad-short-ciphertext",
        splice(&r[..HEADER_LEN + 2 + 15], HEADER_LEN + 1, 1, &[0x4f]),
    ));
    out.push(seed(
        t,
        "bad-non-shortest-length",
        splice(&r, HEADER_LEN + 1, 1, &[0x58, 0x15]),
    ));
    out.push(seed(t, "bad-keyring", fixture_bytes.clone()));

    // decode_text
    let t = "decode_text";
    let kt = k.fixture.to_text();
    let rt = records[1].1.to_text();
    out.push(seed(t, "ok-keyring", kt.as_bytes()));
    out.push(seed(
        t,
        "ok-keyring-eight-slots",
        k.full.to_text().as_bytes(),
    ));
    out.push(seed(t, "ok-record", rt.as_bytes()));
    out.push(seed(
        t,
        "ok-record-empty",
        records[0].1.to_text().as_bytes(),
    ));
    out.push(seed(
        t,
        "bad-swapped-prefix",
        format!("srr1.{}", &kt[5..]).as_bytes(),
    ));
    out.push(seed(
        t,
        "bad-upper-prefix",
        format!("SRK1.{}", &kt[5..]).as_bytes(),
    ));
    out.push(seed(t, "bad-padded", format!("{rt}==").as_bytes()));
    out.push(seed(
        t,
        "bad-standard-alphabet",
        kt.replace('-', "+").replace('_', "/").as_bytes(),
    ));
    out.push(seed(t, "bad-prefix-only", "srk1.".as_bytes()));
    out.push(seed(
        t,
        "bad-version-2-prefix",
        format!("srk2.{}", &kt[5..]).as_bytes(),
    ));
    out.push(seed(
        t,
        "bad-leading-zero-version",
        format!("srr01.{}", &rt[5..]).as_bytes(),
    ));
    out.push(seed(t, "bad-newline", format!("{kt}\n").as_bytes()));

    // cbor_profile: canonical items, then one violation of each profile rule.
    let t = "cbor_profile";
    out.push(seed(t, "ok-keyring", fixture_bytes.clone()));
    out.push(seed(t, "ok-record", rec(0)));
    for (name, h) in [
        ("ok-uint-0", "00"),
        ("ok-uint-24", "1818"),
        ("ok-uint-max", "1bffffffffffffffff"),
        ("ok-bytes", "43010203"),
        ("ok-text", "63c3a961"),
        ("ok-empty-map", "a0"),
        ("ok-map-sorted", "a301000218ff1818a0"),
        ("ok-depth-4", "a10181a10280"),
        ("ok-array-mixed", "840141616161a0"),
        ("bad-non-shortest-uint", "1817"),
        ("bad-non-shortest-length", "5801ff"),
        ("bad-non-shortest-count", "990001a0"),
        ("bad-indefinite-bytes", "5f4101ff"),
        ("bad-indefinite-array", "9f00ff"),
        ("bad-indefinite-map", "bf0100ff"),
        ("bad-reserved-info", "1c"),
        ("bad-negative", "20"),
        ("bad-tag", "c249010000000000000000"),
        ("bad-float", "fb3ff0000000000000"),
        ("bad-simple", "f5"),
        ("bad-text-key", "a1616100"),
        ("bad-unsorted", "a2020001 00"),
        ("bad-duplicate", "a2010001 00"),
        ("bad-utf8", "62c328"),
        ("bad-depth-5", "8181818180"),
        ("bad-trailing", "0000"),
        ("bad-truncated", "5bffffffffffffffff00"),
        ("bad-break", "ff"),
    ] {
        out.push(seed(t, name, decode_hex(h)));
    }

    // open_record
    let t = "open_record";
    for (i, (name, _)) in records.iter().enumerate() {
        out.push(seed(t, &format!("ok-{name}"), rec(i)));
    }
    let r = rec(2);
    out.push(seed(t, "bad-foreign", foreign.as_bytes()));
    out.push(seed(t, "bad-salt", flip(&r, 30)));
    out.push(seed(t, "bad-nonce", flip(&r, 60)));
    out.push(seed(t, "bad-commitment", flip(&r, 90)));
    out.push(seed(t, "bad-ciphertext", flip(&r, HEADER_LEN + 10)));
    out.push(seed(t, "bad-tag", flip(&r, r.len() - 1)));

    // unlock_keyring
    let t = "unlock_keyring";
    out.push(seed(t, "ok-three-slots", kr(&k.tiny)));
    out.push(seed(t, "bad-fixture", kr(&k.fixture)));
    out.push(seed(t, "bad-eight-slots", kr(&k.full)));
    out.push(seed(t, "bad-above-ceiling", kr(&k.above_ceiling)));
    out.push(seed(t, "bad-recovery-only", kr(&k.recovery_only)));
    out.push(seed(t, "bad-secret-key-only", kr(&k.secret_key)));
    let tiny = kr(&k.tiny);
    out.push(seed(t, "bad-mac", flip(&tiny, tiny.len() - 1)));
    out.push(seed(t, "bad-truncated", &tiny[..tiny.len() / 2]));

    // decode_text, for checkpoints
    let t = "decode_text";
    let lf = log_fixture();
    let ct = lf.checkpoints[2].to_text();
    out.push(seed(t, "ok-checkpoint", ct.as_bytes()));
    out.push(seed(
        t,
        "bad-checkpoint-as-keyring-prefix",
        format!("srk1.{}", &ct[5..]).as_bytes(),
    ));

    // decode_checkpoint
    let t = "decode_checkpoint";
    for (i, c) in lf.checkpoints.iter().enumerate() {
        out.push(seed(t, &format!("ok-size-{i}"), c.as_bytes()));
    }
    let c = lf.checkpoints[3].as_bytes().to_vec();
    out.push(seed(t, "bad-truncated", &c[..c.len() - 1]));
    out.push(seed(t, "bad-trailing-byte", [&c[..], &[0]].concat()));
    out.push(seed(t, "bad-version-2", splice(&c, 4, 1, &[2])));
    out.push(seed(t, "bad-size-as-bytes", splice(&c, 42, 1, &[0x40])));
    out.push(seed(t, "bad-record", lf.entries[0].clone()));

    // verify_log: the bytes `served` reads as (pinned, size, checkpoint choice, ...).
    let t = "verify_log";
    for (name, bytes) in [
        // Pinned at 0, the current checkpoint, honest proof, no extra entries, then the
        // honest entries.
        ("ok-first-use", vec![0u8, 0, 0, 0, 0, 1]),
        ("ok-from-pin-2", vec![2u8, 0, 0, 0, 0, 1]),
        ("ok-nothing-new", vec![4u8, 0, 0, 0, 0, 1]),
        ("bad-nothing-served", vec![0u8, 0, 0, 0, 0, 0]),
        ("bad-rolled-back", vec![4u8, 1, 2, 0, 0, 0]),
        ("bad-altered-checkpoint", vec![0u8, 4, 3, 50, 1, 0, 0, 1]),
        ("bad-replayed-first", vec![0u8, 0, 0, 0, 1, 0, 1, 1, 1]),
    ] {
        out.push(seed(t, name, bytes));
    }

    // roundtrip: byte strings that arbitrary turns into scenarios of several sizes; for
    // each size, the first stream (in a fixed order) whose scenario runs to the end.
    let t = "roundtrip";
    for (name, len) in [("ok-short", 64usize), ("ok-medium", 256), ("ok-long", 1024)] {
        let bytes = (0u64..)
            .map(|i| {
                let mut bytes = vec![0u8; len];
                SeededRandom::new(0x5eed_0300 + (len as u64) * 1000 + i)
                    .fill(&mut bytes)
                    .expect("seeded bytes");
                bytes
            })
            .find(|b| roundtrip(b) == Outcome::Accepted)
            .expect("some stream gives a full scenario");
        out.push(seed(t, name, bytes));
    }

    // decode_stream_header, open_stream
    crate::stream::stream_seeds(&mut out);
    out
}

pub(crate) fn decode_hex(h: &str) -> Vec<u8> {
    let digits: Vec<u8> = h.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    digits
        .chunks(2)
        .map(|pair| {
            let s = core::str::from_utf8(pair).expect("ASCII hex");
            u8::from_str_radix(s, 16).expect("hex digits")
        })
        .collect()
}

/// Largest input taken from the vector suite as a seed.
pub const MAX_VECTOR_SEED_LEN: usize = 4096;

/// Hook for the vector suite (vectors/*.json, issue 3): seeds from one vector file.
///
/// Reads no schema on purpose, so it keeps working as the suite grows: every JSON string
/// that is a text form (`srk1.`/`srr1.`) or even-length lower-case hex of a keyring or
/// record encoding becomes a seed for the targets that read such input, and every hex
/// string of a file whose name starts with `cbor` becomes a `cbor_profile` seed. Names
/// are `vec-<file stem>-<first 8 bytes of SHA-256 in hex>`. Inputs over
/// [`MAX_VECTOR_SEED_LEN`] are left out: libFuzzer sizes its inputs after the largest
/// seed, and multi-KiB plaintexts add length, not structure.
pub fn seeds_from_vectors(file_name: &str, json: &str) -> Vec<Seed> {
    let stem = file_name.trim_end_matches(".json");
    let cbor_file = stem.starts_with("cbor");
    let mut out: Vec<Seed> = Vec::new();
    let mut push = |target: &'static str, bytes: &[u8]| {
        if bytes.len() > MAX_VECTOR_SEED_LEN {
            return;
        }
        let digest = Sha256::digest(bytes);
        let name = format!("vec-{stem}-{}", hex(&digest[..8]));
        if !out.iter().any(|s| s.target == target && s.name == name) {
            out.push(seed(target, &name, bytes));
        }
    };
    for s in json_strings(json) {
        if s.starts_with(KEYRING_PREFIX)
            || s.starts_with(RECORD_PREFIX)
            || s.starts_with(CHECKPOINT_PREFIX)
        {
            push("decode_text", s.as_bytes());
            continue;
        }
        let is_hex = !s.is_empty()
            && s.len() % 2 == 0
            && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !is_hex {
            continue;
        }
        let bytes = decode_hex(s);
        if cbor_file {
            push("cbor_profile", &bytes);
        }
        // A keyring or record starts with a map head, then key 1 and its object type.
        match bytes.get(..3) {
            Some([0xa0..=0xbf, 0x01, 0x01]) => {
                push("decode_keyring", &bytes);
                push("unlock_keyring", &bytes);
            }
            Some([0xa0..=0xbf, 0x01, 0x02]) => {
                push("decode_record", &bytes);
                push("open_record", &bytes);
            }
            Some([0xa0..=0xbf, 0x01, 0x03]) => push("decode_checkpoint", &bytes),
            _ => {}
        }
    }
    out
}

/// The string literals of a JSON text, without unescaping (hex and base64url need
/// none; a string with escapes is skipped).
pub(crate) fn json_strings(json: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = json;
    while let Some(start) = rest.find('"') {
        let after = &rest[start + 1..];
        let mut end = None;
        let mut escaped = false;
        for (i, c) in after.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    end = Some(i);
                    break;
                }
                _ => escaped = false,
            }
        }
        let Some(end) = end else { break };
        let literal = &after[..end];
        if !literal.contains('\\') {
            out.push(literal);
        }
        rest = &after[end + 1..];
    }
    out
}
