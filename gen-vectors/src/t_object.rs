//! object.json: the object schemas (SR-OBJ-1 to SR-OBJ-5) and the walk order of SPEC.md 6.6.

use serde_json::json;

use crate::cbor::C;
use crate::exec::hex;
use crate::fx::{self, kdec, rdec};
use crate::{Expect, File, err, mal, v};

pub fn file() -> File {
    let mut f = File::new(
        "object",
        "Object schemas (SPEC.md section 6): the header peek, unknown and missing keys, value \
         types, fixed lengths, ranges and slot counts, for keyrings, slots, KDF descriptors and \
         records, and the order in which the schema walk reports them.",
        &[],
    );
    let k = fx::one().bytes.clone();
    let two = fx::two().bytes.clone();
    let r = fx::rec().clone();
    let ked = fx::edited;
    let sed = |base: &[u8], i: usize, edit: &dyn Fn(&mut C)| -> Vec<u8> {
        let mut t = fx::tree(base);
        edit(&mut t.get(5).items()[i]);
        t.enc()
    };
    let o1 = &["SR-OBJ-1", "SR-CBOR-11"];
    let o2 = &["SR-OBJ-2", "SR-CBOR-11"];
    let o3 = &["SR-OBJ-3", "SR-CBOR-11"];
    let o4 = &["SR-OBJ-4", "SR-CBOR-11"];
    let o5 = &["SR-OBJ-5", "SR-CBOR-11"];
    let b = |h: &[u8]| h.to_vec();

    // --- header peek (SPEC.md 5.4 step 2; Appendix B) --------------------------------------
    kdec(
        &mut f,
        "An array [1, 1] (Appendix B)",
        o1,
        mal("unexpected_type"),
        &b(&[0x82, 0x01, 0x01]),
        &["SpecExample"],
    );
    kdec(
        &mut f,
        "A byte string at the top level",
        o1,
        mal("unexpected_type"),
        &b(&[0x41, 0x00]),
        &[],
    );
    kdec(
        &mut f,
        "The unsigned integer 1 at the top level",
        o1,
        mal("unexpected_type"),
        &b(&[0x01]),
        &[],
    );
    kdec(
        &mut f,
        "An empty map (Appendix B)",
        o1,
        mal("wrong_object_type"),
        &b(&[0xa0]),
        &["SpecExample"],
    );
    kdec(
        &mut f,
        "A record header given to the keyring decoder (Appendix B)",
        o1,
        mal("wrong_object_type"),
        &b(&[0xa2, 0x01, 0x02, 0x02, 0x01]),
        &["SpecExample"],
    );
    kdec(
        &mut f,
        "First key 2 instead of 1 (Appendix B)",
        o1,
        mal("wrong_object_type"),
        &b(&[0xa2, 0x02, 0x01, 0x01, 0x01]),
        &["SpecExample"],
    );
    kdec(
        &mut f,
        "First key \"1\", a text string",
        &["SR-OBJ-1", "SR-CBOR-5"],
        mal("non_integer_map_key"),
        &b(&[0xa2, 0x61, 0x31, 0x01, 0x02, 0x01]),
        &[],
    );
    kdec(
        &mut f,
        "Object type given as a byte string",
        o1,
        mal("wrong_object_type"),
        &b(&[0xa2, 0x01, 0x41, 0x01, 0x02, 0x01]),
        &[],
    );
    kdec(
        &mut f,
        "Object type 0 (reserved)",
        o1,
        mal("wrong_object_type"),
        &b(&[0xa2, 0x01, 0x00, 0x02, 0x01]),
        &[],
    );
    kdec(
        &mut f,
        "Object type 3 (unassigned)",
        o1,
        mal("wrong_object_type"),
        &b(&[0xa2, 0x01, 0x03, 0x02, 0x01]),
        &[],
    );
    kdec(
        &mut f,
        "A map with the object type only (Appendix B)",
        o1,
        mal("missing_key"),
        &b(&[0xa1, 0x01, 0x01]),
        &["SpecExample"],
    );
    kdec(
        &mut f,
        "Key 1 twice (Appendix B)",
        &["SR-OBJ-1", "SR-CBOR-5"],
        mal("duplicate_map_key"),
        &b(&[0xa2, 0x01, 0x01, 0x01, 0x01]),
        &["SpecExample"],
    );
    kdec(
        &mut f,
        "Key 0 after key 1 (Appendix B)",
        &["SR-OBJ-1", "SR-CBOR-5"],
        mal("unsorted_map_keys"),
        &b(&[0xa2, 0x01, 0x01, 0x00, 0x01]),
        &["SpecExample"],
    );
    kdec(
        &mut f,
        "Key 3 where 2 is expected (Appendix B)",
        o1,
        mal("missing_key"),
        &b(&[0xa2, 0x01, 0x01, 0x03, 0x01]),
        &["SpecExample"],
    );
    kdec(
        &mut f,
        "Key 9 where 2 is expected (Appendix B)",
        o1,
        mal("unknown_key"),
        &b(&[0xa2, 0x01, 0x01, 0x09, 0x01]),
        &["SpecExample"],
    );
    kdec(
        &mut f,
        "Version given as a byte string (Appendix B)",
        o1,
        mal("unexpected_type"),
        &b(&[0xa2, 0x01, 0x01, 0x02, 0x41, 0x01]),
        &["SpecExample"],
    );
    kdec(
        &mut f,
        "A v1 keyring with nothing after the version (Appendix B)",
        &["SR-OBJ-2"],
        mal("missing_key"),
        &b(&[0xa2, 0x01, 0x01, 0x02, 0x01]),
        &["SpecExample"],
    );
    rdec(
        &mut f,
        "A keyring given to the record decoder",
        o1,
        mal("wrong_object_type"),
        &k,
        &[],
    );
    rdec(
        &mut f,
        "Record: key 7 where 2 is expected (7 is a record key)",
        o1,
        mal("missing_key"),
        &b(&[0xa2, 0x01, 0x02, 0x07, 0x01]),
        &[],
    );
    rdec(
        &mut f,
        "Record: key 8 where 2 is expected",
        o1,
        mal("unknown_key"),
        &b(&[0xa2, 0x01, 0x02, 0x08, 0x01]),
        &[],
    );

    // --- keyring: keys --------------------------------------------------------------------
    kdec(
        &mut f,
        "Keyring id (key 3) missing: key 4 arrives where 3 is expected",
        o2,
        mal("missing_key"),
        &ked(&k, &|t| t.remove(3)),
        &[],
    );
    kdec(
        &mut f,
        "Generation (key 4) missing",
        o2,
        mal("missing_key"),
        &ked(&k, &|t| t.remove(4)),
        &[],
    );
    kdec(
        &mut f,
        "Slots (key 5) missing",
        o2,
        mal("missing_key"),
        &ked(&k, &|t| t.remove(5)),
        &[],
    );
    kdec(
        &mut f,
        "MAC (key 6) missing: the map ends while a schema key remains",
        o2,
        mal("missing_key"),
        &ked(&k, &|t| t.remove(6)),
        &[],
    );
    kdec(
        &mut f,
        "Key 7 after the MAC: not in the keyring schema",
        o2,
        mal("unknown_key"),
        &ked(&k, &|t| t.entries().push((C::U(7), C::U(0)))),
        &[],
    );
    kdec(
        &mut f,
        "Key 9 between the generation and the slots: the profile finds key 5 after key 9 (unsorted) before the schema would see the unknown key",
        &["SR-CBOR-5", "SR-OBJ-2", "SR-CBOR-11"],
        mal("unsorted_map_keys"),
        &ked(&k, &|t| t.entries().insert(4, (C::U(9), C::U(0)))),
        &["OrderOfChecks"],
    );
    kdec(
        &mut f,
        "Key 7 (no keyring key) in place of the MAC",
        o2,
        mal("unknown_key"),
        &ked(&k, &|t| {
            t.remove(6);
            t.entries().push((C::U(7), C::B(vec![0; 32])));
        }),
        &[],
    );
    // --- keyring: types, lengths, ranges --------------------------------------------------
    kdec(
        &mut f,
        "Keyring id as a text string",
        o3,
        mal("unexpected_type"),
        &ked(&k, &|t| t.set(3, C::T(b"0123456789abcdef".to_vec()))),
        &[],
    );
    kdec(
        &mut f,
        "Generation as a byte string",
        o3,
        mal("unexpected_type"),
        &ked(&k, &|t| t.set(4, C::B(vec![0]))),
        &[],
    );
    kdec(
        &mut f,
        "Slots as a map",
        o3,
        mal("unexpected_type"),
        &ked(&k, &|t| {
            let s = t.get(5).items()[0].clone();
            t.set(5, C::M(vec![(C::U(0), s)]));
        }),
        &[],
    );
    kdec(
        &mut f,
        "MAC as an array",
        o3,
        mal("unexpected_type"),
        &ked(&k, &|t| t.set(6, C::A(vec![C::U(0)]))),
        &[],
    );
    kdec(
        &mut f,
        "Keyring id of 15 bytes",
        o4,
        mal("wrong_length"),
        &ked(&k, &|t| t.set(3, C::B(vec![7; 15]))),
        &[],
    );
    kdec(
        &mut f,
        "Keyring id of 17 bytes",
        o4,
        mal("wrong_length"),
        &ked(&k, &|t| t.set(3, C::B(vec![7; 17]))),
        &[],
    );
    kdec(
        &mut f,
        "Keyring id empty",
        o4,
        mal("wrong_length"),
        &ked(&k, &|t| t.set(3, C::B(vec![]))),
        &[],
    );
    kdec(
        &mut f,
        "MAC of 31 bytes",
        o4,
        mal("wrong_length"),
        &ked(&k, &|t| t.set(6, C::B(vec![7; 31]))),
        &[],
    );
    kdec(
        &mut f,
        "MAC of 33 bytes",
        o4,
        mal("wrong_length"),
        &ked(&k, &|t| t.set(6, C::B(vec![7; 33]))),
        &[],
    );
    kdec(
        &mut f,
        "Generation 2^53 (Appendix B)",
        o5,
        mal("value_out_of_range"),
        &ked(&k, &|t| t.set(4, C::U(1 << 53))),
        &["SpecExample"],
    );
    kdec(
        &mut f,
        "Generation 2^64 - 1",
        o5,
        mal("value_out_of_range"),
        &ked(&k, &|t| t.set(4, C::U(u64::MAX))),
        &[],
    );
    for (g, what) in [
        (23u64, "23 (largest one-byte head)"),
        (24, "24 (18 18)"),
        (255, "255"),
        (256, "256 (19 01 00)"),
        (65_535, "65,535"),
        (65_536, "65,536 (1a 00 01 00 00)"),
        (0xffff_ffff, "2^32 - 1"),
        (1 << 32, "2^32 (1b 00 00 00 01 00 00 00 00)"),
        ((1 << 53) - 1, "2^53 - 1, the largest allowed"),
    ] {
        kdec(
            &mut f,
            &format!("Generation {what} decodes"),
            &["SR-OBJ-5", "SR-CBOR-2", "SR-CBOR-9"],
            Expect::Ok,
            &ked(&k, &|t| t.set(4, C::U(g))),
            &[],
        );
    }
    kdec(
        &mut f,
        "Empty slot array (Appendix B)",
        o5,
        mal("bad_slot_count"),
        &ked(&k, &|t| t.set(5, C::A(vec![]))),
        &["SpecExample"],
    );
    kdec(
        &mut f,
        "Nine slots",
        o5,
        mal("bad_slot_count"),
        &ked(&k, &|t| {
            let s = t.get(5).items()[0].clone();
            t.set(5, C::A(vec![s; 9]));
        }),
        &[],
    );
    kdec(
        &mut f,
        "Eight copies of the same slot decode (the MAC is not checked by decoding)",
        &["SR-OBJ-5"],
        Expect::Ok,
        &ked(&k, &|t| {
            let s = t.get(5).items()[0].clone();
            t.set(5, C::A(vec![s; 8]));
        }),
        &[],
    );
    // --- slots ------------------------------------------------------------------------------
    kdec(
        &mut f,
        "A slot that is an array",
        o3,
        mal("unexpected_type"),
        &sed(&k, 0, &|s| *s = C::A(vec![C::U(1)])),
        &[],
    );
    kdec(
        &mut f,
        "A slot that is an empty map",
        o2,
        mal("missing_key"),
        &sed(&k, 0, &|s| *s = C::M(vec![])),
        &[],
    );
    kdec(
        &mut f,
        "A slot whose first key is 2 (no kind)",
        o2,
        mal("missing_key"),
        &sed(&k, 0, &|s| s.remove(1)),
        &[],
    );
    kdec(
        &mut f,
        "A slot whose first key is 8",
        o2,
        mal("unknown_key"),
        &sed(&k, 0, &|s| *s = C::M(vec![(C::U(8), C::U(1))])),
        &[],
    );
    kdec(
        &mut f,
        "Slot kind as a text string",
        o3,
        mal("unexpected_type"),
        &sed(&k, 0, &|s| s.set(1, C::T(b"1".to_vec()))),
        &[],
    );
    kdec(
        &mut f,
        "Label as the byte string 41 00 (Appendix B)",
        o3,
        mal("unexpected_type"),
        &sed(&k, 0, &|s| s.set(2, C::B(vec![0]))),
        &["SpecExample"],
    );
    kdec(
        &mut f,
        "Label of 65 bytes",
        o5,
        mal("value_out_of_range"),
        &sed(&k, 0, &|s| s.set(2, C::T(vec![b'x'; 65]))),
        &[],
    );
    kdec(
        &mut f,
        "Label of 64 bytes decodes",
        &["SR-OBJ-5"],
        Expect::Ok,
        &sed(&k, 0, &|s| s.set(2, C::T(vec![b'x'; 64]))),
        &[],
    );
    kdec(
        &mut f,
        "Label of 33 two-byte characters: 66 bytes; bytes, not characters, are counted",
        &["SR-OBJ-5"],
        mal("value_out_of_range"),
        &sed(&k, 0, &|s| s.set(2, C::T("\u{e9}".repeat(33).into_bytes()))),
        &[],
    );
    kdec(
        &mut f,
        "Password slot without its label (key 2)",
        o2,
        mal("missing_key"),
        &sed(&k, 0, &|s| s.remove(2)),
        &[],
    );
    kdec(
        &mut f,
        "Password slot without its salt (key 4)",
        o2,
        mal("missing_key"),
        &sed(&k, 0, &|s| s.remove(4)),
        &[],
    );
    kdec(
        &mut f,
        "Password slot without its commitment (key 7)",
        o2,
        mal("missing_key"),
        &sed(&k, 0, &|s| s.remove(7)),
        &[],
    );
    kdec(
        &mut f,
        "Password slot with an extra key 8",
        o2,
        mal("unknown_key"),
        &sed(&k, 0, &|s| s.entries().push((C::U(8), C::U(0)))),
        &[],
    );
    kdec(
        &mut f,
        "Recovery slot with a KDF (key 3)",
        o2,
        mal("unknown_key"),
        &sed(&two, 1, &|s| {
            s.entries()
                .insert(2, (C::U(3), C::A(vec![C::U(1), C::U(10)])))
        }),
        &[],
    );
    kdec(
        &mut f,
        "Recovery slot with a salt (key 4)",
        o2,
        mal("unknown_key"),
        &sed(&two, 1, &|s| {
            s.entries().insert(2, (C::U(4), C::B(vec![0; 32])))
        }),
        &[],
    );
    kdec(
        &mut f,
        "Recovery slot without its nonce (key 5)",
        o2,
        mal("missing_key"),
        &sed(&two, 1, &|s| s.remove(5)),
        &[],
    );
    for (key, len, what) in [
        (4u64, 31usize, "salt of 31 bytes"),
        (4, 33, "salt of 33 bytes"),
        (5, 11, "nonce of 11 bytes"),
        (5, 13, "nonce of 13 bytes"),
        (6, 47, "wrapped DEK of 47 bytes"),
        (6, 49, "wrapped DEK of 49 bytes"),
        (7, 31, "commitment of 31 bytes"),
        (7, 0, "empty commitment"),
    ] {
        kdec(
            &mut f,
            &format!("Password slot {what}"),
            o4,
            mal("wrong_length"),
            &sed(&k, 0, &|s| s.set(key, C::B(vec![9; len]))),
            &[],
        );
    }
    kdec(
        &mut f,
        "Recovery slot wrapped DEK of 32 bytes (the tag missing)",
        o4,
        mal("wrong_length"),
        &sed(&two, 1, &|s| s.set(6, C::B(vec![9; 32]))),
        &[],
    );
    kdec(
        &mut f,
        "Password slot nonce as a text string",
        o3,
        mal("unexpected_type"),
        &sed(&k, 0, &|s| s.set(5, C::T(vec![b'n'; 12]))),
        &[],
    );
    // --- KDF descriptors --------------------------------------------------------------------
    let kdf = |items: Vec<C>| -> Vec<u8> { sed(&k, 0, &|s| s.set(3, C::A(items.clone()))) };
    kdec(
        &mut f,
        "KDF descriptor as a map",
        o3,
        mal("unexpected_type"),
        &sed(&k, 0, &|s| s.set(3, C::M(vec![(C::U(1), C::U(10))]))),
        &[],
    );
    kdec(
        &mut f,
        "KDF descriptor as the unsigned integer 1",
        o3,
        mal("unexpected_type"),
        &sed(&k, 0, &|s| s.set(3, C::U(1))),
        &[],
    );
    kdec(
        &mut f,
        "Empty KDF descriptor []",
        o5,
        mal("wrong_length"),
        &kdf(vec![]),
        &[],
    );
    kdec(
        &mut f,
        "KDF id as a text string",
        o3,
        mal("unexpected_type"),
        &kdf(vec![C::T(b"pbkdf2".to_vec()), C::U(10)]),
        &[],
    );
    kdec(
        &mut f,
        "PBKDF2 descriptor [1] without the iteration count",
        o5,
        mal("wrong_length"),
        &kdf(vec![C::U(1)]),
        &[],
    );
    kdec(
        &mut f,
        "PBKDF2 descriptor [1, 600000, 0] (Appendix B)",
        o5,
        mal("wrong_length"),
        &kdf(vec![C::U(1), C::U(600_000), C::U(0)]),
        &["SpecExample"],
    );
    kdec(
        &mut f,
        "Argon2id descriptor [2, 64, 1] without parallelism",
        o5,
        mal("wrong_length"),
        &kdf(vec![C::U(2), C::U(64), C::U(1)]),
        &[],
    );
    kdec(
        &mut f,
        "Argon2id descriptor with a fifth element",
        o5,
        mal("wrong_length"),
        &kdf(vec![C::U(2), C::U(64), C::U(1), C::U(2), C::U(0)]),
        &[],
    );
    kdec(
        &mut f,
        "PBKDF2 iteration count as a byte string",
        o3,
        mal("unexpected_type"),
        &kdf(vec![C::U(1), C::B(vec![10])]),
        &[],
    );
    kdec(
        &mut f,
        "Argon2id parallelism as a text string",
        o3,
        mal("unexpected_type"),
        &kdf(vec![C::U(2), C::U(64), C::U(1), C::T(b"2".to_vec())]),
        &[],
    );
    // --- walk order -------------------------------------------------------------------------
    kdec(
        &mut f,
        "Keyring id of 15 bytes and a MAC of 31 bytes: the walk reports the id first",
        &["SR-OBJ-4", "SR-CBOR-11"],
        mal("wrong_length"),
        &ked(&k, &|t| {
            t.set(3, C::B(vec![1; 15]));
            t.set(6, C::B(vec![1; 31]));
        }),
        &["OrderOfChecks"],
    );
    kdec(
        &mut f,
        "Generation 2^53 and no slots: the generation comes first",
        &["SR-OBJ-5", "SR-CBOR-11"],
        mal("value_out_of_range"),
        &ked(&k, &|t| {
            t.set(4, C::U(1 << 53));
            t.set(5, C::A(vec![]));
        }),
        &["OrderOfChecks"],
    );
    kdec(
        &mut f,
        "Slot 0 with a 31-byte commitment and slot 1 with unknown kind 9: slot 0 is walked first",
        &["SR-OBJ-4", "SR-OBJ-6", "SR-CBOR-11"],
        mal("wrong_length"),
        &ked(&two, &|t| {
            t.get(5).items()[0].set(7, C::B(vec![1; 31]));
            t.get(5).items()[1].set(1, C::U(9));
        }),
        &["OrderOfChecks"],
    );
    kdec(
        &mut f,
        "Slot 0 with unknown kind 9 and slot 1 with a 31-byte commitment",
        &["SR-OBJ-6", "SR-CBOR-11"],
        err("unsupported_algorithm"),
        &ked(&two, &|t| {
            t.get(5).items()[0].set(1, C::U(9));
            t.get(5).items()[1].set(7, C::B(vec![1; 31]));
        }),
        &["OrderOfChecks"],
    );
    kdec(
        &mut f,
        "Label of 65 bytes and a salt of 31 bytes in the same slot: the label comes first",
        &["SR-OBJ-5", "SR-CBOR-11"],
        mal("value_out_of_range"),
        &sed(&k, 0, &|s| {
            s.set(2, C::T(vec![b'x'; 65]));
            s.set(4, C::B(vec![1; 31]));
        }),
        &["OrderOfChecks"],
    );

    // --- records ------------------------------------------------------------------------------
    let red = |edit: &dyn Fn(&mut C)| -> Vec<u8> {
        let mut t = fx::tree(&r);
        edit(&mut t);
        t.enc()
    };
    rdec(
        &mut f,
        "Record without its nonce: key 6 follows key 4",
        o2,
        mal("missing_key"),
        &red(&|t| t.remove(5)),
        &[],
    );
    rdec(
        &mut f,
        "Record without its ciphertext (key 7)",
        o2,
        mal("missing_key"),
        &red(&|t| t.remove(7)),
        &[],
    );
    rdec(
        &mut f,
        "Record without its keyring id (key 3)",
        o2,
        mal("missing_key"),
        &red(&|t| t.remove(3)),
        &[],
    );
    rdec(
        &mut f,
        "Record with a key 8 after the ciphertext",
        o2,
        mal("unknown_key"),
        &red(&|t| t.entries().push((C::U(8), C::U(0)))),
        &[],
    );
    rdec(
        &mut f,
        "Record keyring id of 15 bytes (Appendix B)",
        o4,
        mal("wrong_length"),
        &red(&|t| t.set(3, C::B(vec![0; 15]))),
        &["SpecExample"],
    );
    rdec(
        &mut f,
        "Record salt of 31 bytes",
        o4,
        mal("wrong_length"),
        &red(&|t| t.set(4, C::B(vec![0; 31]))),
        &[],
    );
    rdec(
        &mut f,
        "Record nonce of 16 bytes",
        o4,
        mal("wrong_length"),
        &red(&|t| t.set(5, C::B(vec![0; 16]))),
        &[],
    );
    rdec(
        &mut f,
        "Record commitment of 33 bytes",
        o4,
        mal("wrong_length"),
        &red(&|t| t.set(6, C::B(vec![0; 33]))),
        &[],
    );
    rdec(
        &mut f,
        "Record ciphertext of 15 bytes, shorter than the tag (Appendix B)",
        o4,
        mal("wrong_length"),
        &red(&|t| t.set(7, C::B(vec![0; 15]))),
        &["SpecExample"],
    );
    rdec(
        &mut f,
        "Record ciphertext empty",
        o4,
        mal("wrong_length"),
        &red(&|t| t.set(7, C::B(vec![]))),
        &[],
    );
    rdec(
        &mut f,
        "Record ciphertext of exactly 16 bytes decodes (an empty plaintext's tag)",
        &["SR-OBJ-4"],
        Expect::Ok,
        &red(&|t| t.set(7, C::B(vec![0; 16]))),
        &[],
    );
    rdec(
        &mut f,
        "Record ciphertext as a text string",
        o3,
        mal("unexpected_type"),
        &red(&|t| t.set(7, C::T(vec![b'c'; 20]))),
        &[],
    );
    rdec(
        &mut f,
        "Record salt as an unsigned integer",
        o3,
        mal("unexpected_type"),
        &red(&|t| t.set(4, C::U(0))),
        &[],
    );
    rdec(
        &mut f,
        "Record keyring id of 15 bytes and a 15-byte ciphertext: the id comes first",
        &["SR-OBJ-4", "SR-CBOR-11"],
        mal("wrong_length"),
        &red(&|t| {
            t.set(3, C::B(vec![0; 15]));
            t.set(7, C::B(vec![0; 15]));
        }),
        &["OrderOfChecks"],
    );
    let mut head = r[..107].to_vec();
    head.extend_from_slice(&[0x07, 0x5a, 0x01, 0x00, 0x00, 0x11]);
    f.add(
        v("decode_record", "Record ciphertext of 16,777,233 bytes (one more than the largest): the record passes the size check and fails the range", &["SR-OBJ-5", "SR-CBOR-10"], mal("value_out_of_range"))
            .f(&["LargeInput"])
            .i("record", json!({"prefix": hex(&head), "fill": "00", "length": 107 + 6 + 16_777_233})),
    );
    f
}
