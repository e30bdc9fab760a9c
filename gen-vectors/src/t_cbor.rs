//! cbor.json: one negative per rule of the CBOR profile (SR-CBOR-1 to SR-CBOR-10), for
//! keyrings and for records, at several depths.

use serde_json::json;

use crate::cbor::C;
use crate::exec::hex;
use crate::fx::{self, kdec, rdec};
use crate::{Expect, File, mal, v};

/// `n` as `ai` = 24..27 with a longer argument than needed.
fn long_uint(major: u8, ai: u8, n: u64) -> Vec<u8> {
    let mut out = vec![(major << 5) | ai];
    let len = 1usize << (ai - 24);
    out.extend_from_slice(&n.to_be_bytes()[8 - len..]);
    out
}

/// A keyring or record where the head of the map at the top is replaced.
fn with_top_head(base: &[u8], head: &[u8]) -> Vec<u8> {
    let mut out = head.to_vec();
    out.extend_from_slice(&base[1..]);
    out
}

/// Text string with raw (possibly invalid) bytes.
fn tstr(b: &[u8]) -> C {
    C::T(b.to_vec())
}

fn raw(b: &[u8]) -> C {
    C::Raw(b.to_vec())
}

/// An item that is a `Raw` head followed by the encoding of `inner`'s content.
fn raw_then(head: &[u8], tail: &[u8]) -> C {
    let mut b = head.to_vec();
    b.extend_from_slice(tail);
    C::Raw(b)
}

pub fn file() -> File {
    let mut f = File::new(
        "cbor",
        "The deterministic CBOR profile (SPEC.md section 5): trailing bytes, non-shortest \
         heads of every size and major type, indefinite lengths, reserved additional \
         information, forbidden major types, map key rules, UTF-8, nesting depth, truncation and \
         size limits, each for keyrings and for sealed records. Every input differs from a \
         valid object in one place.",
        &[],
    );
    let k = fx::one().bytes.clone();
    let r = fx::rec().clone();
    let kt = || fx::tree(&k);
    let rt = || fx::tree(&r);
    let slot_edit = |edit: &dyn Fn(&mut C)| -> Vec<u8> {
        let mut t = kt();
        edit(&mut t.get(5).items()[0]);
        t.enc()
    };
    let ked = |edit: &dyn Fn(&mut C)| -> Vec<u8> {
        let mut t = kt();
        edit(&mut t);
        t.enc()
    };
    let red = |edit: &dyn Fn(&mut C)| -> Vec<u8> {
        let mut t = rt();
        edit(&mut t);
        t.enc()
    };
    let k1 = &["SR-CBOR-1", "SR-CBOR-11"];
    let k2 = &["SR-CBOR-2", "SR-CBOR-9", "SR-CBOR-11"];
    let k3 = &["SR-CBOR-3", "SR-CBOR-11"];
    let k4 = &["SR-CBOR-4", "SR-CBOR-11"];
    let k5 = &["SR-CBOR-5", "SR-CBOR-11"];
    let k6 = &["SR-CBOR-6", "SR-CBOR-11"];
    let k7 = &["SR-CBOR-7", "SR-CBOR-11"];
    let k8 = &["SR-CBOR-8", "SR-CBOR-11"];
    let k10 = &["SR-CBOR-10", "SR-CBOR-11"];

    // --- SR-CBOR-1: trailing bytes -----------------------------------------------------
    let mut b = k.clone();
    b.push(0);
    kdec(
        &mut f,
        "Keyring followed by one 00 byte (Appendix B)",
        k1,
        mal("trailing_bytes"),
        &b,
        &["SpecExample"],
    );
    let mut b = k.clone();
    b.push(0xff);
    kdec(
        &mut f,
        "Keyring followed by a break byte ff: the item is complete, so the ff is a trailing byte",
        k1,
        mal("trailing_bytes"),
        &b,
        &[],
    );
    let mut b = k.clone();
    b.extend_from_slice(&k);
    kdec(
        &mut f,
        "Two copies of the keyring back to back",
        k1,
        mal("trailing_bytes"),
        &b,
        &[],
    );
    let mut b = r.clone();
    b.push(0);
    rdec(
        &mut f,
        "Record followed by one 00 byte",
        k1,
        mal("trailing_bytes"),
        &b,
        &[],
    );
    let mut b = r.clone();
    b.extend_from_slice(&r);
    rdec(
        &mut f,
        "Two copies of the record back to back",
        k1,
        mal("trailing_bytes"),
        &b,
        &[],
    );

    // --- SR-CBOR-2: non-shortest heads ---------------------------------------------------
    for (ai, n, what) in [
        (24u8, 0u64, "one-byte argument 18 00 for 0"),
        (25, 255, "two-byte argument for 255"),
        (26, 65_535, "four-byte argument for 65535"),
        (27, 0xffff_ffff, "eight-byte argument for 2^32 - 1"),
    ] {
        let b = ked(&|t: &mut C| t.set(4, C::Raw(long_uint(0, ai, n))));
        kdec(
            &mut f,
            &format!("Generation with a {what}"),
            k2,
            mal("non_shortest_head"),
            &b,
            &[],
        );
    }
    kdec(
        &mut f,
        "Top-level map count 6 written as b8 06 (header peek)",
        k2,
        mal("non_shortest_head"),
        &with_top_head(&k, &[0xb8, 0x06]),
        &[],
    );
    let b = ked(&|t: &mut C| t.entries()[0].0 = raw(&[0x18, 0x01]));
    kdec(
        &mut f,
        "Map key 1 written as 18 01 (header peek)",
        k2,
        mal("non_shortest_head"),
        &b,
        &[],
    );
    let b = ked(&|t: &mut C| t.set(2, raw(&[0x18, 0x01])));
    kdec(
        &mut f,
        "Format version 1 written as 18 01 (header peek)",
        k2,
        mal("non_shortest_head"),
        &b,
        &[],
    );
    let b = ked(&|t: &mut C| t.entries()[2].0 = raw(&[0x18, 0x03]));
    kdec(
        &mut f,
        "Map key 3 written as 18 03",
        k2,
        mal("non_shortest_head"),
        &b,
        &[],
    );
    let id = fx::one().id.clone();
    let b = ked(&|t: &mut C| t.set(3, raw_then(&[0x58, 0x10], &id)));
    kdec(
        &mut f,
        "Keyring id byte string length 16 written as 58 10",
        k2,
        mal("non_shortest_head"),
        &b,
        &[],
    );
    let b = ked(&|t: &mut C| {
        let s = t.get(5).items()[0].enc();
        t.set(5, raw_then(&[0x98, 0x01], &s));
    });
    kdec(
        &mut f,
        "Slot array count 1 written as 98 01",
        k2,
        mal("non_shortest_head"),
        &b,
        &[],
    );
    let b = slot_edit(&|s: &mut C| {
        let e = s.enc();
        *s = raw_then(&[0xb8, 0x07], &e[1..]);
    });
    kdec(
        &mut f,
        "Slot map count 7 written as b8 07",
        k2,
        mal("non_shortest_head"),
        &b,
        &[],
    );
    let b = slot_edit(&|s: &mut C| s.set(2, raw_then(&[0x78, 0x06], b"laptop")));
    kdec(
        &mut f,
        "Label length 6 written as 78 06",
        k2,
        mal("non_shortest_head"),
        &b,
        &[],
    );
    let b = slot_edit(&|s: &mut C| s.set(3, raw(&[0x98, 0x02, 0x01, 0x0a])));
    kdec(
        &mut f,
        "KDF array count 2 written as 98 02",
        k2,
        mal("non_shortest_head"),
        &b,
        &[],
    );
    let b = slot_edit(&|s: &mut C| s.set(3, raw(&[0x82, 0x01, 0x18, 0x0a])));
    kdec(
        &mut f,
        "PBKDF2 iteration count 10 written as 18 0a",
        k2,
        mal("non_shortest_head"),
        &b,
        &[],
    );
    let b = slot_edit(&|s: &mut C| {
        let salt = s.get(4).enc();
        s.set(4, raw_then(&[0x59, 0x00, 0x20], &salt[2..]));
    });
    kdec(
        &mut f,
        "Salt length 32 written as 59 00 20",
        k2,
        mal("non_shortest_head"),
        &b,
        &[],
    );
    let b = ked(&|t: &mut C| {
        let mac = t.get(6).enc();
        t.set(6, raw_then(&[0x5a, 0x00, 0x00, 0x00, 0x20], &mac[2..]));
    });
    kdec(
        &mut f,
        "MAC length 32 written as 5a 00 00 00 20",
        k2,
        mal("non_shortest_head"),
        &b,
        &[],
    );
    rdec(
        &mut f,
        "Record map count 7 written as b8 07 (header peek)",
        k2,
        mal("non_shortest_head"),
        &with_top_head(&r, &[0xb8, 0x07]),
        &[],
    );
    let b = red(&|t: &mut C| t.set(1, raw(&[0x18, 0x02])));
    rdec(
        &mut f,
        "Record object type 2 written as 18 02 (header peek)",
        k2,
        mal("non_shortest_head"),
        &b,
        &[],
    );
    let b = red(&|t: &mut C| t.entries()[3].0 = raw(&[0x18, 0x04]));
    rdec(
        &mut f,
        "Record map key 4 written as 18 04",
        k2,
        mal("non_shortest_head"),
        &b,
        &[],
    );
    let b = red(&|t: &mut C| {
        let n = t.get(5).enc();
        t.set(5, raw_then(&[0x58, 0x0c], &n[1..]));
    });
    rdec(
        &mut f,
        "Record nonce length 12 written as 58 0c",
        k2,
        mal("non_shortest_head"),
        &b,
        &[],
    );
    let ct_len = r.len() - 107 - 2;
    for head in [
        vec![0x59, 0x00, ct_len as u8],
        vec![0x5a, 0x00, 0x00, 0x00, ct_len as u8],
        vec![0x5b, 0, 0, 0, 0, 0, 0, 0, ct_len as u8],
    ] {
        let b = red(&|t: &mut C| {
            let c = t.get(7).enc();
            t.set(7, raw_then(&head, &c[2..]));
        });
        rdec(
            &mut f,
            &format!(
                "Ciphertext length {ct_len} written with a {}-byte head",
                head.len()
            ),
            k2,
            mal("non_shortest_head"),
            &b,
            &[],
        );
    }

    // --- SR-CBOR-3: indefinite lengths and reserved additional information ---------------
    kdec(
        &mut f,
        "Indefinite-length map (Appendix B)",
        k3,
        mal("indefinite_length"),
        &[0xbf, 0x01, 0x01, 0x02, 0x01, 0xff],
        &["SpecExample"],
    );
    let mut b = with_top_head(&k, &[0xbf]);
    b.push(0xff);
    kdec(
        &mut f,
        "The whole keyring as an indefinite-length map ending in a break",
        k3,
        mal("indefinite_length"),
        &b,
        &[],
    );
    let b = ked(&|t: &mut C| {
        let s = t.get(5).items()[0].enc();
        let mut x = vec![0x9f];
        x.extend_from_slice(&s);
        x.push(0xff);
        t.set(5, C::Raw(x));
    });
    kdec(
        &mut f,
        "Slot array of indefinite length",
        k3,
        mal("indefinite_length"),
        &b,
        &[],
    );
    let b = slot_edit(&|s: &mut C| {
        let e = s.enc();
        let mut x = vec![0xbf];
        x.extend_from_slice(&e[1..]);
        x.push(0xff);
        *s = C::Raw(x);
    });
    kdec(
        &mut f,
        "Slot map of indefinite length",
        k3,
        mal("indefinite_length"),
        &b,
        &[],
    );
    let b = slot_edit(&|s: &mut C| {
        s.set(
            2,
            raw(&[0x7f, 0x66, b'l', b'a', b'p', b't', b'o', b'p', 0xff]),
        )
    });
    kdec(
        &mut f,
        "Label as an indefinite-length text string of one chunk",
        k3,
        mal("indefinite_length"),
        &b,
        &[],
    );
    let b = ked(&|t: &mut C| {
        let mut x = vec![0x5f, 0x50];
        x.extend_from_slice(&id);
        x.push(0xff);
        t.set(3, C::Raw(x));
    });
    kdec(
        &mut f,
        "Keyring id as an indefinite-length byte string of one chunk",
        k3,
        mal("indefinite_length"),
        &b,
        &[],
    );
    let b = slot_edit(&|s: &mut C| s.set(3, raw(&[0x9f, 0x01, 0x0a, 0xff])));
    kdec(
        &mut f,
        "KDF descriptor as an indefinite-length array",
        k3,
        mal("indefinite_length"),
        &b,
        &[],
    );
    let b = ked(&|t: &mut C| t.set(4, raw(&[0x1f])));
    kdec(
        &mut f,
        "Generation head 1f: major type 0 with additional information 31",
        k3,
        mal("indefinite_length"),
        &b,
        &[],
    );
    for ai in [28u8, 29, 30] {
        let b = ked(&|t: &mut C| t.set(4, raw(&[ai])));
        kdec(
            &mut f,
            &format!(
                "Generation head {:02x}: additional information {ai} is reserved",
                ai
            ),
            k3,
            mal("reserved_additional_info"),
            &b,
            &[],
        );
    }
    let b = ked(&|t: &mut C| t.set(3, raw(&[0x5c])));
    kdec(
        &mut f,
        "Keyring id head 5c (byte string, reserved additional information 28)",
        k3,
        mal("reserved_additional_info"),
        &b,
        &[],
    );
    let b = ked(&|t: &mut C| t.set(5, raw(&[0x9d])));
    kdec(
        &mut f,
        "Slot array head 9d (reserved additional information 29)",
        k3,
        mal("reserved_additional_info"),
        &b,
        &[],
    );
    let b = slot_edit(&|s: &mut C| s.set(2, raw(&[0x7e])));
    kdec(
        &mut f,
        "Label head 7e (reserved additional information 30)",
        k3,
        mal("reserved_additional_info"),
        &b,
        &[],
    );
    kdec(
        &mut f,
        "Top-level head bc (map, reserved additional information 28; header peek)",
        k3,
        mal("reserved_additional_info"),
        &with_top_head(&k, &[0xbc]),
        &[],
    );
    let mut b = with_top_head(&r, &[0xbf]);
    b.push(0xff);
    rdec(
        &mut f,
        "The whole record as an indefinite-length map",
        k3,
        mal("indefinite_length"),
        &b,
        &[],
    );
    let b = red(&|t: &mut C| {
        let c = t.get(7).enc();
        let mut x = vec![0x5f];
        x.extend_from_slice(&c);
        x.push(0xff);
        t.set(7, C::Raw(x));
    });
    rdec(
        &mut f,
        "Ciphertext as an indefinite-length byte string of one chunk",
        k3,
        mal("indefinite_length"),
        &b,
        &[],
    );
    let b = red(&|t: &mut C| {
        let C::B(c) = t.get(7).clone() else { return };
        let (a, bb) = c.split_at(10);
        let mut x = vec![0x5f];
        x.extend(C::B(a.to_vec()).enc());
        x.extend(C::B(bb.to_vec()).enc());
        x.push(0xff);
        t.set(7, C::Raw(x));
    });
    rdec(
        &mut f,
        "Ciphertext as an indefinite-length byte string of two chunks",
        k3,
        mal("indefinite_length"),
        &b,
        &[],
    );
    let b = red(&|t: &mut C| t.set(5, raw(&[0x5d])));
    rdec(
        &mut f,
        "Nonce head 5d (reserved additional information 29)",
        k3,
        mal("reserved_additional_info"),
        &b,
        &[],
    );

    // --- SR-CBOR-4: forbidden major types ---------------------------------------------------
    kdec(
        &mut f,
        "A tag c0 alone (Appendix B)",
        k4,
        mal("forbidden_major_type"),
        &[0xc0],
        &["SpecExample"],
    );
    let forbidden: &[(&[u8], &str)] = &[
        (&[0x20], "the negative integer -1 (20)"),
        (
            &[0x3f],
            "major type 1 with additional information 31 (3f): the major type is checked first",
        ),
        (&[0xf4], "false (f4)"),
        (&[0xf5], "true (f5)"),
        (&[0xf6], "null (f6)"),
        (&[0xf7], "undefined (f7)"),
        (&[0xe0], "simple value 0 (e0)"),
        (&[0xf8, 0x20], "simple value 32 (f8 20)"),
        (
            &[0xf9, 0x00, 0x00],
            "the half-precision float 0.0 (f9 00 00)",
        ),
        (
            &[0xfa, 0x3f, 0x80, 0x00, 0x00],
            "the single-precision float 1.0",
        ),
        (
            &[0xfb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0],
            "the double-precision float 1.0",
        ),
        (
            &[0xff],
            "a lone break byte ff: major type 7 is checked before additional information 31",
        ),
        (&[0xc1, 0x00], "tag 1 (epoch time) around 0"),
    ];
    for (bytes, what) in forbidden {
        let b = ked(&|t: &mut C| t.set(4, raw(bytes)));
        kdec(
            &mut f,
            &format!("Generation replaced by {what}"),
            k4,
            mal("forbidden_major_type"),
            &b,
            &[],
        );
    }
    let b = ked(&|t: &mut C| {
        let mut x = vec![0xc2, 0x50];
        x.extend_from_slice(&id);
        t.set(3, C::Raw(x));
    });
    kdec(
        &mut f,
        "Keyring id wrapped in tag 2 (bignum)",
        k4,
        mal("forbidden_major_type"),
        &b,
        &[],
    );
    let mut b = vec![0xd9, 0xd9, 0xf7];
    b.extend_from_slice(&k);
    kdec(
        &mut f,
        "Keyring behind the self-described CBOR tag 55799 (d9 d9 f7; header peek)",
        k4,
        mal("forbidden_major_type"),
        &b,
        &[],
    );
    let b = ked(&|t: &mut C| t.entries()[2].0 = raw(&[0x22]));
    kdec(
        &mut f,
        "Map key -3 (22) instead of 3: the head check comes before the key checks",
        k4,
        mal("forbidden_major_type"),
        &b,
        &[],
    );
    let b = slot_edit(&|s: &mut C| s.set(3, raw(&[0x82, 0x01, 0x29])));
    kdec(
        &mut f,
        "PBKDF2 iteration count -10 (29)",
        k4,
        mal("forbidden_major_type"),
        &b,
        &[],
    );
    let b = red(&|t: &mut C| {
        let s = t.get(4).enc();
        let mut x = vec![0xc2];
        x.extend_from_slice(&s);
        t.set(4, C::Raw(x));
    });
    rdec(
        &mut f,
        "Record salt wrapped in tag 2",
        k4,
        mal("forbidden_major_type"),
        &b,
        &[],
    );
    let b = red(&|t: &mut C| t.set(5, raw(&[0xf6])));
    rdec(
        &mut f,
        "Record nonce replaced by null",
        k4,
        mal("forbidden_major_type"),
        &b,
        &[],
    );
    let b = red(&|t: &mut C| t.set(2, raw(&[0x20])));
    rdec(
        &mut f,
        "Record version -1 (header peek)",
        k4,
        mal("forbidden_major_type"),
        &b,
        &[],
    );
    let b = red(&|t: &mut C| t.entries()[6].0 = raw(&[0x26]));
    rdec(
        &mut f,
        "Record map key -7 instead of 7",
        k4,
        mal("forbidden_major_type"),
        &b,
        &[],
    );

    // --- SR-CBOR-5: map keys -----------------------------------------------------------------
    let b = ked(&|t: &mut C| t.entries()[2].0 = tstr(b"3"));
    kdec(
        &mut f,
        "Keyring map key \"3\" (a text string) instead of 3",
        k5,
        mal("non_integer_map_key"),
        &b,
        &[],
    );
    let b = ked(&|t: &mut C| t.entries()[2].0 = C::B(vec![3]));
    kdec(
        &mut f,
        "Keyring map key h'03' (a byte string) instead of 3",
        k5,
        mal("non_integer_map_key"),
        &b,
        &[],
    );
    let b = ked(&|t: &mut C| t.entries()[2].0 = C::A(vec![C::U(3)]));
    kdec(
        &mut f,
        "Keyring map key [3] (an array) instead of 3",
        k5,
        mal("non_integer_map_key"),
        &b,
        &[],
    );
    let b = slot_edit(&|s: &mut C| s.entries()[1].0 = C::M(vec![]));
    kdec(
        &mut f,
        "Slot map key {} (a map) instead of 2",
        k5,
        mal("non_integer_map_key"),
        &b,
        &[],
    );
    let b = ked(&|t: &mut C| {
        let e = t.entries()[2].clone();
        t.entries().insert(3, e);
    });
    kdec(
        &mut f,
        "Keyring id entry (key 3) twice",
        k5,
        mal("duplicate_map_key"),
        &b,
        &[],
    );
    let b = slot_edit(&|s: &mut C| {
        let e = s.entries()[1].clone();
        s.entries().insert(2, e);
    });
    kdec(
        &mut f,
        "Slot label entry (key 2) twice",
        k5,
        mal("duplicate_map_key"),
        &b,
        &[],
    );
    let b = ked(&|t: &mut C| t.entries().swap(2, 3));
    kdec(
        &mut f,
        "Keyring keys 3 and 4 in the wrong order",
        k5,
        mal("unsorted_map_keys"),
        &b,
        &[],
    );
    let b = slot_edit(&|s: &mut C| s.entries().swap(3, 4));
    kdec(
        &mut f,
        "Slot keys 4 and 5 in the wrong order",
        k5,
        mal("unsorted_map_keys"),
        &b,
        &[],
    );
    let b = ked(&|t: &mut C| t.entries().swap(4, 5));
    kdec(
        &mut f,
        "Keyring keys 5 and 6 in the wrong order (MAC before the slots)",
        k5,
        mal("unsorted_map_keys"),
        &b,
        &[],
    );
    let b = red(&|t: &mut C| t.entries()[3].0 = tstr(b"4"));
    rdec(
        &mut f,
        "Record map key \"4\" instead of 4",
        k5,
        mal("non_integer_map_key"),
        &b,
        &[],
    );
    let b = red(&|t: &mut C| {
        let e = t.entries()[4].clone();
        t.entries().insert(5, e);
    });
    rdec(
        &mut f,
        "Record nonce entry (key 5) twice",
        k5,
        mal("duplicate_map_key"),
        &b,
        &[],
    );
    let b = red(&|t: &mut C| t.entries().swap(4, 5));
    rdec(
        &mut f,
        "Record keys 5 and 6 in the wrong order",
        k5,
        mal("unsorted_map_keys"),
        &b,
        &[],
    );
    let b = red(&|t: &mut C| {
        let e = t.entries()[6].clone();
        t.entries().push(e);
    });
    rdec(
        &mut f,
        "Record ciphertext entry (key 7) twice",
        k5,
        mal("duplicate_map_key"),
        &b,
        &[],
    );

    // --- SR-CBOR-6: UTF-8 ---------------------------------------------------------------------
    let bad_utf8: &[(&[u8], &str)] = &[
        (&[0x62, 0xc3, 0x28], "62 c3 28 (Appendix B)"),
        (&[0x62, 0xc0, 0x80], "the overlong two-byte NUL c0 80"),
        (
            &[0x63, 0xe0, 0x80, 0xaf],
            "the overlong three-byte form e0 80 af of /",
        ),
        (
            &[0x64, 0xf0, 0x80, 0x80, 0xaf],
            "the overlong four-byte form f0 80 80 af",
        ),
        (
            &[0x63, 0xed, 0xa0, 0x80],
            "the UTF-16 surrogate U+D800 (ed a0 80)",
        ),
        (
            &[0x63, 0xed, 0xbf, 0xbf],
            "the UTF-16 surrogate U+DFFF (ed bf bf)",
        ),
        (
            &[0x64, 0xf4, 0x90, 0x80, 0x80],
            "U+110000, above U+10FFFF (f4 90 80 80)",
        ),
        (&[0x61, 0x80], "a lone continuation byte 80"),
        (
            &[0x67, b'l', b'a', b'p', b't', b'o', b'p', 0xc3],
            "\"laptop\" followed by a truncated sequence c3",
        ),
        (&[0x61, 0xff], "the byte ff"),
        (&[0x61, 0xfe], "the byte fe"),
        (
            &[0x65, 0xf8, 0x88, 0x80, 0x80, 0x80],
            "a five-byte sequence f8 88 80 80 80",
        ),
    ];
    for (bytes, what) in bad_utf8 {
        let b = slot_edit(&|s: &mut C| s.set(2, raw(bytes)));
        let fl: &[&'static str] = if what.contains("Appendix B") {
            &["SpecExample"]
        } else {
            &[]
        };
        kdec(
            &mut f,
            &format!("Label with invalid UTF-8: {what}"),
            k6,
            mal("invalid_utf8"),
            &b,
            fl,
        );
    }
    let b = red(&|t: &mut C| t.set(4, raw(&[0x62, 0xc3, 0x28])));
    rdec(
        &mut f,
        "Record salt replaced by a text string with invalid UTF-8: the profile (step 3) reports it before the schema would reject the type",
        k6,
        mal("invalid_utf8"),
        &b,
        &["OrderOfChecks"],
    );
    let b = slot_edit(&|s: &mut C| s.set(2, tstr("caf\u{e9} \u{1F511}".as_bytes())));
    kdec(
        &mut f,
        "Label with valid multi-byte UTF-8 (caf\u{e9} and an emoji) decodes",
        &["SR-CBOR-6", "SR-OBJ-5"],
        Expect::Ok,
        &b,
        &[],
    );

    // --- SR-CBOR-7: nesting ------------------------------------------------------------------
    let b = slot_edit(&|s: &mut C| s.set(3, C::A(vec![C::U(1), C::A(vec![C::U(1)])])));
    kdec(
        &mut f,
        "KDF descriptor [1, [1]]: an array at depth 5 (Appendix B)",
        k7,
        mal("nesting_too_deep"),
        &b,
        &["SpecExample"],
    );
    let b = slot_edit(&|s: &mut C| s.set(3, C::A(vec![C::U(1), C::M(vec![])])));
    kdec(
        &mut f,
        "KDF descriptor [1, {}]: an empty map at depth 5",
        k7,
        mal("nesting_too_deep"),
        &b,
        &[],
    );
    let b = ked(&|t: &mut C| t.set(4, C::A(vec![C::A(vec![C::A(vec![C::A(vec![C::U(0)])])])])));
    kdec(
        &mut f,
        "Generation [[[[0]]]]: arrays at depths 2 to 5",
        k7,
        mal("nesting_too_deep"),
        &b,
        &[],
    );
    let b = slot_edit(&|s: &mut C| s.set(2, C::M(vec![(C::U(1), C::M(vec![]))])));
    kdec(
        &mut f,
        "Label {1: {}}: a map at depth 5",
        k7,
        mal("nesting_too_deep"),
        &b,
        &[],
    );
    let b = ked(&|t: &mut C| t.set(4, C::A(vec![C::A(vec![C::A(vec![C::U(0)])])])));
    kdec(
        &mut f,
        "Generation [[[0]]]: depth 4 is allowed by the profile, so the schema reports the type",
        &["SR-CBOR-7", "SR-OBJ-3", "SR-CBOR-11"],
        mal("unexpected_type"),
        &b,
        &["OrderOfChecks"],
    );
    let b = red(&|t: &mut C| t.set(7, C::A(vec![C::A(vec![C::A(vec![C::A(vec![])])])])));
    rdec(
        &mut f,
        "Record ciphertext [[[[]]]]: arrays at depths 2 to 5",
        k7,
        mal("nesting_too_deep"),
        &b,
        &[],
    );

    // --- SR-CBOR-8: truncation -------------------------------------------------------------
    kdec(
        &mut f,
        "Empty input (Appendix B)",
        k8,
        mal("truncated"),
        &[],
        &["SpecExample"],
    );
    kdec(
        &mut f,
        "Keyring without its last byte (Appendix B)",
        k8,
        mal("truncated"),
        &k[..k.len() - 1],
        &["SpecExample"],
    );
    kdec(
        &mut f,
        "Keyring cut after the keyring id: the next map key is missing",
        k8,
        mal("truncated"),
        &k[..23],
        &[],
    );
    let p = fx::find(&k, b"laptop");
    kdec(
        &mut f,
        "Keyring cut inside the label",
        k8,
        mal("truncated"),
        &k[..p + 3],
        &[],
    );
    kdec(
        &mut f,
        "Keyring cut inside a head: 58 without its length byte",
        k8,
        mal("truncated"),
        &[0xa6, 0x01, 0x01, 0x02, 0x01, 0x03, 0x58],
        &[],
    );
    let b = ked(&|t: &mut C| t.set(3, raw(&[0x5a, 0xff, 0xff, 0xff, 0xff])));
    kdec(
        &mut f,
        "Keyring id length 2^32 - 1 (5a ff ff ff ff): rejected before allocating",
        k8,
        mal("truncated"),
        &b,
        &[],
    );
    let b = ked(&|t: &mut C| {
        t.set(
            3,
            raw(&[0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
        )
    });
    kdec(
        &mut f,
        "Keyring id length 2^64 - 1",
        k8,
        mal("truncated"),
        &b,
        &[],
    );
    let b = ked(&|t: &mut C| t.set(5, raw(&[0x9a, 0x7f, 0xff, 0xff, 0xff])));
    kdec(
        &mut f,
        "Slot array count 2^31 - 1 with a few hundred bytes left",
        k8,
        mal("truncated"),
        &b,
        &[],
    );
    let b = ked(&|t: &mut C| {
        t.set(
            5,
            raw(&[0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
        )
    });
    kdec(
        &mut f,
        "Slot array count 2^64 - 1",
        k8,
        mal("truncated"),
        &b,
        &[],
    );
    let b = slot_edit(&|s: &mut C| *s = raw(&[0xbb, 0x80, 0, 0, 0, 0, 0, 0, 0]));
    kdec(
        &mut f,
        "Slot map count 2^63: twice the count overflows 64 bits, and is still more than the bytes left",
        k8,
        mal("truncated"),
        &b,
        &[],
    );
    let mut b = vec![0xbb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    b.extend_from_slice(&k[1..]);
    kdec(
        &mut f,
        "Top-level map count 2^64 - 1: the peek reads version 1, then the profile finds the count larger than the input",
        k8,
        mal("truncated"),
        &b,
        &[],
    );
    kdec(
        &mut f,
        "Top-level map of 6 entries, version 2, nothing more: the header peek does not compare the count with the bytes left (Appendix B)",
        &["SR-OBJ-1", "SR-CBOR-8", "SR-CBOR-11"],
        Expect::Err("unsupported_version", None),
        &[0xa6, 0x01, 0x01, 0x02, 0x02],
        &["SpecExample", "OrderOfChecks"],
    );
    rdec(
        &mut f,
        "Empty input given to the record decoder",
        k8,
        mal("truncated"),
        &[],
        &[],
    );
    rdec(
        &mut f,
        "Record without its last byte",
        k8,
        mal("truncated"),
        &r[..r.len() - 1],
        &[],
    );
    rdec(
        &mut f,
        "Record cut after key 7 (no ciphertext head)",
        k8,
        mal("truncated"),
        &r[..108],
        &[],
    );
    rdec(
        &mut f,
        "Record cut inside the ciphertext head (58 without its length byte)",
        k8,
        mal("truncated"),
        &r[..109],
        &[],
    );
    let b = red(&|t: &mut C| t.set(7, raw(&[0x5a, 0x00, 0xff, 0xff, 0xff])));
    rdec(
        &mut f,
        "Record ciphertext length 16,777,215 with no bytes left",
        k8,
        mal("truncated"),
        &b,
        &[],
    );
    let b = red(&|t: &mut C| {
        t.set(
            7,
            raw(&[0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
        )
    });
    rdec(
        &mut f,
        "Record ciphertext length 2^64 - 1",
        k8,
        mal("truncated"),
        &b,
        &[],
    );

    // --- SR-CBOR-10: sizes -------------------------------------------------------------------
    let big = |base: &[u8], len: usize| json!({"prefix": hex(base), "fill": "00", "length": len});
    f.add(
        v("decode_keyring", "A valid keyring padded with zero bytes to 4,097 bytes: too large, checked before anything else", k10, mal("too_large"))
            .i("keyring", big(&k, 4097)),
    );
    f.add(
        v("decode_keyring", "The same padded to exactly 4,096 bytes: the size is fine, the padding is trailing bytes", &["SR-CBOR-10", "SR-CBOR-1"], mal("trailing_bytes"))
            .i("keyring", big(&k, 4096)),
    );
    f.add(
        v(
            "decode_keyring",
            "4,097 bytes of ff: the header peek (head check (b)) comes before the size check",
            &["SR-CBOR-4", "SR-CBOR-10", "SR-CBOR-11"],
            mal("forbidden_major_type"),
        )
        .f(&["OrderOfChecks"])
        .i(
            "keyring",
            json!({"prefix": "", "fill": "ff", "length": 4097}),
        ),
    );
    f.add(
        v(
            "decode_record",
            "A valid record padded with zero bytes to 16,777,489 bytes",
            k10,
            mal("too_large"),
        )
        .f(&["LargeInput"])
        .i("record", big(&r, 16_777_489)),
    );
    f.add(
        v("decode_record", "The same padded to exactly 16,777,488 bytes: the size is fine, the padding is trailing bytes", &["SR-CBOR-10", "SR-CBOR-1"], mal("trailing_bytes"))
            .f(&["LargeInput"])
            .i("record", big(&r, 16_777_488)),
    );
    // --- Appendix B rows added with the peek of checks (a) to (e) ---------------------------
    kdec(
        &mut f,
        "A third key whose head is a 2-byte string with 1 byte left: check (f) before the key checks (Appendix B)",
        &["SR-CBOR-8", "SR-CBOR-5", "SR-CBOR-11"],
        mal("truncated"),
        &[0xa3, 0x01, 0x01, 0x02, 0x01, 0x42, 0x00],
        &["SpecExample", "OrderOfChecks"],
    );
    kdec(
        &mut f,
        "The break byte ff alone (Appendix B)",
        k4,
        mal("forbidden_major_type"),
        &[0xff],
        &["SpecExample"],
    );
    kdec(
        &mut f,
        "fc: major type 7 with additional information 28 (Appendix B)",
        k4,
        mal("forbidden_major_type"),
        &[0xfc],
        &["SpecExample"],
    );
    kdec(
        &mut f,
        "A top-level text string 61 ff: its byte is never read (Appendix B)",
        &["SR-OBJ-1", "SR-CBOR-11"],
        mal("unexpected_type"),
        &[0x61, 0xff],
        &["SpecExample"],
    );
    kdec(
        &mut f,
        "A top-level array 82 01 c0: its items are never read (Appendix B)",
        &["SR-OBJ-1", "SR-CBOR-11"],
        mal("unexpected_type"),
        &[0x82, 0x01, 0xc0],
        &["SpecExample"],
    );
    kdec(
        &mut f,
        "Second key -1 (a2 01 01 20 01): head check (b) before the key checks (Appendix B)",
        &["SR-CBOR-4", "SR-CBOR-11"],
        mal("forbidden_major_type"),
        &[0xa2, 0x01, 0x01, 0x20, 0x01],
        &["SpecExample"],
    );
    kdec(
        &mut f,
        "Map count 2^63 + 2 with version 1: the profile finds the count larger than the input, without overflow (Appendix B)",
        &["SR-CBOR-8", "SR-CBOR-11"],
        mal("truncated"),
        &[
            0xbb, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x01, 0x01, 0x02, 0x01, 0x61, 0xff,
        ],
        &["SpecExample"],
    );
    kdec(
        &mut f,
        "The keyring with its first byte changed to a2: a 2-entry map, then trailing bytes (Appendix B)",
        k1,
        mal("trailing_bytes"),
        &with_top_head(&k, &[0xa2]),
        &["SpecExample"],
    );
    let mut b = vec![0xa3, 0x01, 0x01, 0x02, 0x02, 0x03, 0x59, 0x10, 0x00];
    b.resize(4105, 0);
    kdec(
        &mut f,
        "A version 2 keyring of 4,105 bytes: the peek comes before the size (Appendix B)",
        &["SR-OBJ-1", "SR-CBOR-10", "SR-CBOR-11"],
        Expect::Err("unsupported_version", None),
        &b,
        &["SpecExample", "OrderOfChecks"],
    );
    kdec(
        &mut f,
        "A third key whose head is an array of 2^64 - 1 items: check (f) (truncated) before the key checks (non_integer_map_key)",
        &["SR-CBOR-8", "SR-CBOR-5", "SR-CBOR-11"],
        mal("truncated"),
        &[
            0xa3, 0x01, 0x01, 0x02, 0x01, 0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        ],
        &["OrderOfChecks"],
    );
    kdec(
        &mut f,
        "A third key whose head is a map of 2 entries with 1 byte left: check (f) before the key checks",
        &["SR-CBOR-8", "SR-CBOR-5", "SR-CBOR-11"],
        mal("truncated"),
        &[0xa3, 0x01, 0x01, 0x02, 0x01, 0xa2, 0x00],
        &["OrderOfChecks"],
    );
    kdec(
        &mut f,
        "A third key whose head is a map of about 2^62 entries (bb 52 7d ...): check (f) before the key checks",
        &["SR-CBOR-8", "SR-CBOR-5", "SR-CBOR-11"],
        mal("truncated"),
        &[
            0xa3, 0x01, 0x01, 0x02, 0x01, 0xbb, 0x52, 0x7d, 0x61, 0xd2, 0, 0, 0, 0, 0, 0,
        ],
        &["OrderOfChecks"],
    );
    // Check (f) for a map counts two bytes per entry; for an array, one per item.
    let mut counted = vec![0xb8, 0x78];
    counted.extend_from_slice(&k[1..]);
    counted.push(0x40);
    assert!(
        (120..240).contains(&(counted.len() - 2)),
        "the rule for arrays must pass"
    );
    kdec(
        &mut f,
        "The keyring's map head a6 made b8 78 (120 entries) and a byte 40 appended: 120 entries need at least 240 bytes, and fewer remain (check (f) for maps), although more than 120 do (the rule for arrays)",
        &["SR-CBOR-8", "SR-CBOR-11"],
        mal("truncated"),
        &counted,
        &["OrderOfChecks"],
    );
    f
}
