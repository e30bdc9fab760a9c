//! record.json: sealing and opening records, and their cryptographic negatives.

use crate::cbor::C;
use crate::exec::hex;
use crate::fx::{self, Fx};
use crate::t_keyring::seq;
use crate::{Expect, File, err, limit, v};

/// Plaintext of `n` bytes: a readable repeating pattern.
fn text(n: usize) -> Vec<u8> {
    let pattern = b"The quick brown fox jumps over the lazy dog. ";
    (0..n).map(|i| pattern[i % pattern.len()]).collect()
}

pub fn file() -> File {
    let mut f = File::new(
        "record",
        "Sealing and opening records (SPEC.md 11.10, 11.11): plaintext sizes from empty to \
         multi-KiB across every ciphertext head size, empty and non-empty contexts, and the \
         negatives: wrong context, wrong keyring, another user's record, every header field, \
         the ciphertext and the tag altered.",
        &[
            (
                "ServerEdit",
                "The record was edited the way a malicious server can.",
            ),
            (
                "MultiFault",
                "The input has two or three faults, each of which alone fails the operation at a different numbered step of SPEC.md 11.10 or 11.11; the expected error is that of the first failing step (vectors/README.md section 4). A port that checks in another order reports another of the faults.",
            ),
            (
                "ReEncrypted",
                "The generator altered the record header and encrypted the plaintext again under the record key over the altered header, which only a holder of the DEK can do: the AES-GCM tag verifies, and only the key commitment can fail.",
            ),
            (
                "PartitioningOracle",
                "The record's ciphertext is one that AES-GCM authenticates under two record keys (two keyrings with the same id and different DEKs): the generator solved the tag collision in GF(2^128). Only the key commitment tells the keys apart (SPEC.md section 18.5); a port that skips it releases a plaintext under the wrong keyring.",
            ),
        ],
    );
    let one = fx::one();

    // --- SPEC.md Appendix A.3 -----------------------------------------------------------
    // The keyring of A.2 (id 00..0f, DEK 10..2f), opened by its recovery code (no KDF).
    let spec = spec_keyring_2();
    let spec_ctx = b"user:alice|collection:log|record:1";
    let spec_pt = b"2026-11-28T01:38:22Z alice login ok";
    let (_, out) = f.add(
        v(
            "seal",
            "SPEC.md Appendix A.3: seal a 35-byte log entry under the keyring of A.2",
            &[
                "SR-OP-8",
                "SR-KEY-14",
                "SR-KEY-7",
                "SR-KEY-8",
                "SR-KEY-10",
                "SR-KEY-9",
                "SR-TXT-3",
                "SR-OP-14",
            ],
            Expect::Ok,
        )
        .f(&["SpecExample"])
        .with(&spec.setup_recovery())
        .i("plaintext", hex(spec_pt))
        .i("context", hex(spec_ctx))
        .i(
            "random",
            fx::rnd_fixed(&[
                ("record_salt", seq(0xc0, 32)),
                ("record_nonce", seq(0xe0, 12)),
            ]),
        ),
    );
    let spec_rec = out["record"].as_str().unwrap_or_default().to_owned();
    f.add(
        v(
            "open",
            "Open the record of SPEC.md Appendix A.3",
            &["SR-OP-9", "SR-KEY-14", "SR-KEY-7", "SR-KEY-8", "SR-KEY-12"],
            Expect::Ok,
        )
        .f(&["SpecExample"])
        .with(&spec.setup_recovery())
        .i("record", spec_rec.clone())
        .i("context", hex(spec_ctx)),
    );
    f.add(
        v(
            "decode_record",
            "Decode the record of SPEC.md Appendix A.3",
            &["SR-OBJ-1", "SR-OBJ-2", "SR-CBOR-9"],
            Expect::Ok,
        )
        .f(&["SpecExample"])
        .i("record", spec_rec),
    );

    // --- seal and open: sizes and contexts -------------------------------------------------
    let sizes: &[(usize, &str)] = &[
        (0, "empty plaintext: 16-byte ciphertext, head 50"),
        (1, "1-byte plaintext"),
        (
            7,
            "7-byte plaintext: 23-byte ciphertext, the largest one-byte head (57)",
        ),
        (
            8,
            "8-byte plaintext: 24-byte ciphertext, the smallest two-byte head (58 18)",
        ),
        (
            239,
            "239-byte plaintext: 255-byte ciphertext, the largest two-byte head",
        ),
        (
            240,
            "240-byte plaintext: 256-byte ciphertext, the smallest three-byte head (59 01 00)",
        ),
        (4096, "4 KiB plaintext"),
        (5000, "5,000-byte plaintext (multi-KiB)"),
        (
            65519,
            "65,519-byte plaintext: 65,535-byte ciphertext, the largest three-byte head",
        ),
        (
            65520,
            "65,520-byte plaintext: 65,536-byte ciphertext, the smallest five-byte head (5a 00 01 00 00)",
        ),
    ];
    let ctx = fx::CONTEXT;
    for &(n, what) in sizes {
        let id = f.next_id();
        // Large plaintexts are one repeated byte, given as a fill object.
        let (pt, pt_in, flags): (Vec<u8>, serde_json::Value, &[&'static str]) = if n >= 4096 {
            (
                vec![b'a'; n],
                serde_json::json!({"prefix": "", "fill": "61", "length": n}),
                &["RelaxedPolicy", "LargeInput"],
            )
        } else {
            (text(n), hex(text(n)).into(), &["RelaxedPolicy"])
        };
        let (_, out) = f.add(
            v(
                "seal",
                format!("Seal a {what}"),
                &[
                    "SR-OP-8",
                    "SR-KEY-14",
                    "SR-KEY-7",
                    "SR-KEY-8",
                    "SR-KEY-10",
                    "SR-CBOR-2",
                ],
                Expect::Ok,
            )
            .f(flags)
            .with(&one.setup())
            .i("plaintext", pt_in)
            .i("context", hex(ctx))
            .i("random", fx::rnd(&id, fx::SEAL)),
        );
        if n < 65519 {
            f.add(
                v(
                    "open",
                    format!("Open the record just sealed ({what})"),
                    &["SR-OP-9"],
                    Expect::Ok,
                )
                .f(&["RelaxedPolicy"])
                .with(&one.setup())
                .i("record", out["record"].clone())
                .i("context", hex(ctx)),
            );
        }
        let _ = pt;
    }
    let contexts: &[(Vec<u8>, &str)] = &[
        (Vec::new(), "an empty context"),
        (vec![0x00], "a one-byte context 00"),
        (
            seq(0, 255).into_iter().chain(seq(0, 255)).collect(),
            "a 510-byte binary context",
        ),
        (
            vec![b'c'; 4096],
            "a context of 4,096 bytes, the most allowed",
        ),
    ];
    for (c, what) in contexts {
        let id = f.next_id();
        let (_, out) = f.add(
            v(
                "seal",
                format!("Seal with {what}"),
                &["SR-OP-8", "SR-KEY-8"],
                Expect::Ok,
            )
            .f(&["RelaxedPolicy"])
            .with(&one.setup())
            .i("plaintext", hex(b"context test"))
            .i("context", hex(c))
            .i("random", fx::rnd(&id, fx::SEAL)),
        );
        f.add(
            v(
                "open",
                format!("Open with {what}"),
                &["SR-OP-9", "SR-KEY-8"],
                Expect::Ok,
            )
            .f(&["RelaxedPolicy"])
            .with(&one.setup())
            .i("record", out["record"].clone())
            .i("context", hex(c)),
        );
    }
    let id = f.next_id();
    f.add(
        v(
            "seal",
            "Empty plaintext with an empty context",
            &["SR-OP-8"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .with(&one.setup())
        .i("plaintext", "")
        .i("context", "")
        .i("random", fx::rnd(&id, fx::SEAL)),
    );
    f.add(
        v(
            "seal",
            "Seal under a keyring unlocked by recovery code",
            &["SR-OP-8", "SR-OP-4"],
            Expect::Ok,
        )
        .with(&fx::two().setup_recovery())
        .i("plaintext", hex(b"sealed after recovery"))
        .i("context", hex(ctx))
        .i("random", fx::rnd(&f.next_id(), fx::SEAL)),
    );

    // --- seal limits ------------------------------------------------------------------------
    f.add(
        v(
            "seal",
            "Context of 4,097 bytes",
            &["SR-OP-8"],
            limit("context_too_long"),
        )
        .f(&["RelaxedPolicy"])
        .with(&one.setup())
        .i("plaintext", hex(b"x"))
        .i("context", hex(vec![b'c'; 4097]))
        .i("random", fx::no_rnd()),
    );
    let big = serde_json::json!({"prefix": "", "fill": "61", "length": 16_777_217});
    f.add(
        v(
            "seal",
            "Plaintext of 16,777,217 bytes (16 MiB + 1)",
            &["SR-OP-8"],
            limit("plaintext_too_large"),
        )
        .f(&["RelaxedPolicy", "LargeInput"])
        .with(&one.setup())
        .i("plaintext", big.clone())
        .i("context", hex(ctx))
        .i("random", fx::no_rnd()),
    );
    f.add(
        v(
            "seal",
            "Plaintext of 16 MiB + 1 and a 4,097-byte context: the plaintext is checked first",
            &["SR-OP-8"],
            limit("plaintext_too_large"),
        )
        .f(&["RelaxedPolicy", "LargeInput", "OrderOfChecks", "MultiFault"])
        .with(&one.setup())
        .i("plaintext", big)
        .i("context", hex(vec![b'c'; 4097]))
        .i("random", fx::no_rnd()),
    );
    f.add(
        v(
            "seal",
            "Valid arguments but a failing CSPRNG",
            &["SR-KEY-13", "SR-OP-8"],
            err("randomness_unavailable"),
        )
        .f(&["RelaxedPolicy"])
        .with(&one.setup())
        .i("plaintext", hex(b"x"))
        .i("context", hex(ctx))
        .i("random", fx::no_rnd()),
    );

    // --- open negatives ---------------------------------------------------------------------
    let rec = fx::rec();
    let open = |f: &mut File,
                desc: &str,
                spec: &[&'static str],
                exp: Expect,
                fxk: &Fx,
                record: &[u8],
                context: &[u8],
                flags: &[&'static str]| {
        let mut fl = vec!["RelaxedPolicy"];
        fl.extend_from_slice(flags);
        f.add(
            v("open", desc, spec, exp)
                .f(&fl)
                .with(&fxk.setup())
                .i("record", hex(record))
                .i("context", hex(context)),
        );
    };
    open(
        &mut f,
        "Open the reference record",
        &["SR-OP-9"],
        Expect::Ok,
        one,
        rec,
        ctx,
        &[],
    );
    open(
        &mut f,
        "Wrong context: record 8 where record 7 was sealed",
        &["SR-OP-9", "SR-KEY-8", "SR-OP-14"],
        err("record_authentication_failed"),
        one,
        rec,
        b"user:alice|collection:notes|record:8",
        &[],
    );
    open(
        &mut f,
        "Wrong context: another user",
        &["SR-OP-9", "SR-KEY-8"],
        err("record_authentication_failed"),
        one,
        rec,
        b"user:bob|collection:notes|record:7",
        &[],
    );
    open(
        &mut f,
        "Wrong context: empty instead of the sealing context",
        &["SR-OP-9", "SR-KEY-8"],
        err("record_authentication_failed"),
        one,
        rec,
        b"",
        &[],
    );
    let mut longer = ctx.to_vec();
    longer.push(0);
    open(
        &mut f,
        "Wrong context: the sealing context with a 00 byte appended (the length prefix differs)",
        &["SR-OP-9", "SR-KEY-8"],
        err("record_authentication_failed"),
        one,
        rec,
        &longer,
        &[],
    );
    open(
        &mut f,
        "Open with a 4,097-byte context",
        &["SR-OP-9"],
        limit("context_too_long"),
        one,
        rec,
        &[b'c'; 4097],
        &[],
    );
    open(
        &mut f,
        "Another keyring (another user's, same password) opens the record: wrong_keyring",
        &["SR-OP-9"],
        err("wrong_keyring"),
        fx::other(),
        rec,
        ctx,
        &[],
    );
    open(
        &mut f,
        "Another keyring and a 4,097-byte context: the keyring id is checked first",
        &["SR-OP-9"],
        err("wrong_keyring"),
        fx::other(),
        rec,
        &[b'c'; 4097],
        &["OrderOfChecks"],
    );
    let other_rec = fx::seal(fx::other(), "other-rec", fx::PLAINTEXT, ctx);
    open(
        &mut f,
        "A record of another user's keyring served to this user",
        &["SR-OP-9"],
        err("wrong_keyring"),
        one,
        &other_rec,
        ctx,
        &["ServerEdit"],
    );
    // Another user's record relabelled with this keyring's id.
    let mut t = fx::tree(&other_rec);
    t.set(3, C::B(one.id.clone()));
    open(
        &mut f,
        "Another user's record with its keyring id replaced by this keyring's id: the commitment fails",
        &["SR-KEY-7", "SR-OP-9", "SR-KEY-12"],
        err("record_authentication_failed"),
        one,
        &t.enc(),
        ctx,
        &["ServerEdit"],
    );
    let forged = fx::seal(fx::same_id(), "same-id-rec", b"pay the server", ctx);
    open(
        &mut f,
        "A record the server sealed under its own keyring with this keyring's id and its own DEK",
        &["SR-KEY-7", "SR-OP-9"],
        err("record_authentication_failed"),
        one,
        &forged,
        ctx,
        &["ServerEdit"],
    );
    // Every header field, the ciphertext and the tag.
    let n = rec.len();
    let fields: &[(&str, usize, Expect)] = &[
        ("keyring id (offset 7)", 7, err("wrong_keyring")),
        (
            "keyring id, last byte (offset 22)",
            22,
            err("wrong_keyring"),
        ),
        (
            "HKDF salt (offset 26)",
            26,
            err("record_authentication_failed"),
        ),
        (
            "HKDF salt, last byte (offset 57)",
            57,
            err("record_authentication_failed"),
        ),
        ("nonce (offset 60)", 60, err("record_authentication_failed")),
        (
            "nonce, last byte (offset 71)",
            71,
            err("record_authentication_failed"),
        ),
        (
            "key commitment (offset 75)",
            75,
            err("record_authentication_failed"),
        ),
        (
            "key commitment, last byte (offset 106)",
            106,
            err("record_authentication_failed"),
        ),
        (
            "first ciphertext byte",
            n - 16 - fx::PLAINTEXT.len(),
            err("record_authentication_failed"),
        ),
        (
            "last ciphertext byte",
            n - 17,
            err("record_authentication_failed"),
        ),
        (
            "first tag byte",
            n - 16,
            err("record_authentication_failed"),
        ),
        ("last tag byte", n - 1, err("record_authentication_failed")),
    ];
    for (what, off, exp) in fields {
        open(
            &mut f,
            &format!("One bit flipped in the {what}"),
            &["SR-KEY-8", "SR-OP-9", "SR-KEY-7", "SR-ERR-2", "SR-ERR-3"],
            exp.clone(),
            one,
            &fx::flip(rec, *off, 0),
            ctx,
            &["ServerEdit"],
        );
    }
    let mut t = fx::tree(rec);
    if let C::B(b) = t.get(7) {
        b.pop();
    }
    open(
        &mut f,
        "Ciphertext and tag shortened by one byte (the head adjusted)",
        &["SR-OP-9", "SR-ERR-3"],
        err("record_authentication_failed"),
        one,
        &t.enc(),
        ctx,
        &["ServerEdit"],
    );
    let mut t = fx::tree(rec);
    if let C::B(b) = t.get(7) {
        b.push(0);
    }
    open(
        &mut f,
        "Ciphertext and tag extended by one byte (the head adjusted)",
        &["SR-OP-9", "SR-ERR-3"],
        err("record_authentication_failed"),
        one,
        &t.enc(),
        ctx,
        &["ServerEdit"],
    );
    let mut t = fx::tree(rec);
    if let C::B(b) = t.get(7) {
        b.truncate(16);
    }
    open(
        &mut f,
        "Ciphertext removed, only 16 bytes left (read as an empty plaintext's tag)",
        &["SR-OP-9"],
        err("record_authentication_failed"),
        one,
        &t.enc(),
        ctx,
        &["ServerEdit"],
    );
    let swapped = {
        let a = fx::seal(one, "swap-a", b"first record", ctx);
        let b = fx::seal(one, "swap-b", b"other record", ctx);
        let mut ta = fx::tree(&a);
        let mut tb = fx::tree(&b);
        let cb = tb.get(7).clone();
        ta.set(7, cb);
        ta.enc()
    };
    open(
        &mut f,
        "Ciphertext of one record spliced under the header of another of the same keyring",
        &["SR-KEY-8", "SR-OP-9"],
        err("record_authentication_failed"),
        one,
        &swapped,
        ctx,
        &["ServerEdit"],
    );
    open(
        &mut f,
        "A malformed record given to open: the decoding error is reported",
        &["SR-OP-9", "SR-CBOR-8"],
        crate::mal("truncated"),
        one,
        &rec[..n - 1],
        ctx,
        &["ServerEdit"],
    );
    open_order(&mut f);
    commitments(&mut f);
    f
}

/// `open` with two and three faults (SPEC.md 11.11: decode, keyring id, context, commitment,
/// tag). Seal's two checks are record-034.
fn open_order(f: &mut File) {
    let one = fx::one();
    let rec = fx::rec();
    let long = vec![b'c'; 4097];
    let open = |f: &mut File, desc: &str, exp: Expect, setup: &Fx, record: &[u8]| {
        f.add(
            v("open", desc, &["SR-OP-9"], exp)
                .f(&["MultiFault", "RelaxedPolicy"])
                .with(&setup.setup())
                .i("record", hex(record))
                .i("context", hex(&long)),
        );
    };
    open(
        f,
        "A truncated record and a 4,097-byte context: decoding (step 1) before the context (step 3)",
        crate::mal("truncated"),
        one,
        &rec[..rec.len() - 1],
    );
    open(
        f,
        "A record whose commitment was altered and a 4,097-byte context: the context (step 3) before the commitment (step 5)",
        limit("context_too_long"),
        one,
        &fx::flip(rec, 75, 0),
    );
    let last = rec.len() - 1;
    open(
        f,
        "Another keyring, a 4,097-byte context and a flipped tag bit: three faults, the keyring id (step 2) first",
        err("wrong_keyring"),
        fx::other(),
        &fx::flip(rec, last, 0),
    );
}

/// Records whose AES-GCM tag verifies but whose key commitment does not.
fn commitments(f: &mut File) {
    use strongroom::{Context, Keyring, Password, SealedRecord, UnlockPolicy, hazmat};
    let policy = UnlockPolicy::builder()
        .pbkdf2_iterations(1..=2_000_000)
        .argon2_memory_kib(8..=262_144)
        .argon2_time_cost(1..=8)
        .build()
        .expect("relaxed policy");
    let unlock = |k: &Fx| {
        Keyring::from_bytes(&k.bytes)
            .expect("fixture decodes")
            .unlock(&Password::new(&k.password).expect("password"), &policy)
            .expect("fixture unlocks")
    };
    let ctx = fx::CONTEXT;
    let (one, server) = (fx::one(), fx::same_id());
    let u1 = unlock(one);
    // SPEC.md 6.5: bytes 0..107 are the header, the commitment its last 32 bytes.
    let header_of = |salt: &[u8], nonce: &[u8], commitment: &[u8]| -> Vec<u8> {
        let mut h = vec![0xa7, 0x01, 0x02, 0x02, 0x01, 0x03, 0x50];
        h.extend_from_slice(&one.id);
        h.extend_from_slice(&[0x04, 0x58, 0x20]);
        h.extend_from_slice(salt);
        h.extend_from_slice(&[0x05, 0x4c]);
        h.extend_from_slice(nonce);
        h.extend_from_slice(&[0x06, 0x58, 0x20]);
        h.extend_from_slice(commitment);
        h
    };
    let aad_of = |header: &[u8]| -> Vec<u8> {
        let mut a = header.to_vec();
        a.extend_from_slice(&(ctx.len() as u64).to_be_bytes());
        a.extend_from_slice(ctx);
        a
    };
    let record_of = |header: &[u8], sealed: &[u8]| -> Vec<u8> {
        let mut r = header.to_vec();
        r.push(0x07);
        r.extend(crate::cbor::head(2, sealed.len() as u64));
        r.extend_from_slice(sealed);
        r
    };

    // The reference record with another commitment, encrypted again under its own record key
    // over the altered header.
    let rec = fx::rec();
    let decoded = SealedRecord::from_bytes(rec).expect("reference record");
    let key = hazmat::record_secrets(&u1, &decoded, Context::new(ctx)).record_key;
    let nonce = *decoded.nonce();
    let mut commitment = decoded.commitment().to_vec();
    commitment[31] ^= 0x01;
    let header = header_of(decoded.salt(), &nonce, &commitment);
    let sealed = crate::gcm::encrypt(&key, &nonce, &aad_of(&header), fx::PLAINTEXT);
    f.add(
        v("open", "The reference record with one bit of its commitment flipped and its plaintext encrypted again under the record key over that header: the tag verifies, the commitment check refuses it", &["SR-OP-9", "SR-KEY-7", "SR-ERR-2"], err("record_authentication_failed"))
            .f(&["ReEncrypted", "RelaxedPolicy"])
            .with(&one.setup())
            .i("record", hex(record_of(&header, &sealed)))
            .i("context", hex(ctx)),
    );

    // The partitioning-oracle shape: one ciphertext, valid under the record keys of two
    // keyrings that share an id, with the first keyring's commitment.
    let u2 = unlock(server);
    let salt = fx::shake("record/partitioning/salt", 32);
    let nonce: [u8; 12] = fx::shake("record/partitioning/nonce", 12)
        .try_into()
        .expect("nonce");
    let probe = |commitment: &[u8]| {
        SealedRecord::from_bytes(&record_of(&header_of(&salt, &nonce, commitment), &[0; 16]))
            .expect("probe record")
    };
    let s1 = hazmat::record_secrets(&u1, &probe(&[0; 32]), Context::new(ctx));
    let s2 = hazmat::record_secrets(&u2, &probe(&[0; 32]), Context::new(ctx));
    let header = header_of(&salt, &nonce, &s1.commitment);
    let sealed = crate::gcm::collide(
        &s1.record_key,
        &s2.record_key,
        &nonce,
        &aad_of(&header),
        48,
        &fx::shake("record/partitioning/filler", 32),
    );
    let colliding = record_of(&header, &sealed);
    f.add(
        v("open", "A record whose ciphertext authenticates under the record keys of two keyrings with the same id, with the first keyring's commitment: the first keyring opens it", &["SR-OP-9", "SR-KEY-7", "SR-KEY-14"], Expect::Ok)
            .f(&["PartitioningOracle", "RelaxedPolicy"])
            .with(&one.setup())
            .i("record", hex(&colliding))
            .i("context", hex(ctx)),
    );
    f.add(
        v("open", "The same record opened by the second keyring (the same keyring id, another DEK): its tag verifies, the commitment does not (a port without the commitment check releases a plaintext)", &["SR-OP-9", "SR-KEY-7", "SR-ERR-2"], err("record_authentication_failed"))
            .f(&["PartitioningOracle", "RelaxedPolicy"])
            .with(&server.setup())
            .i("record", hex(&colliding))
            .i("context", hex(ctx)),
    );
}

/// The keyring of SPEC.md Appendix A.2, unlocked by its recovery code in the vectors that use
/// it (so that no 600,000-iteration KDF runs).
pub fn spec_keyring_2() -> Fx {
    static F: std::sync::OnceLock<Fx> = std::sync::OnceLock::new();
    F.get_or_init(spec_keyring_2_uncached).clone()
}

fn spec_keyring_2_uncached() -> Fx {
    let k1 = crate::t_keyring::spec_keyring_1();
    let k2a = fx::add_rec_fixed(&k1, "recovery", seq(0x60, 32), seq(0x80, 12));
    fx::add_pw_fixed(
        &k2a,
        "phone",
        crate::t_keyring::SPEC_NFD_PASSWORD,
        fx::argon(19_456, 2, 1),
        seq(0x90, 32),
        seq(0xb0, 12),
    )
}
