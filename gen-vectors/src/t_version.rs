//! version.json: format versions, object types and the registries (SR-OBJ-1, SR-OBJ-6,
//! SR-VER).

use serde_json::json;

use crate::cbor::C;
use crate::exec::hex;
use crate::fx::{self, kdec, rdec};
use crate::{File, err, mal, v};

pub fn file() -> File {
    let mut f = File::new(
        "version",
        "Format versions and registries: an unknown version is rejected from the header alone, \
         before the rest is parsed; unknown KDF ids and slot kinds are unsupported_algorithm \
         (SPEC.md 6.1, 6.6, 16, 17).",
        &[],
    );
    let k = fx::one().bytes.clone();
    let two = fx::two().bytes.clone();
    let r = fx::rec().clone();
    let ked = fx::edited;
    let ver = &["SR-OBJ-1", "SR-VER-1", "SR-CBOR-11"];
    let reg = &["SR-OBJ-6", "SR-VER-4"];
    kdec(
        &mut f,
        "Keyring header with version 2 (Appendix B)",
        ver,
        err("unsupported_version"),
        &[0xa2, 0x01, 0x01, 0x02, 0x02],
        &["SpecExample"],
    );
    rdec(
        &mut f,
        "Record header with version 0 (Appendix B)",
        ver,
        err("unsupported_version"),
        &[0xa2, 0x01, 0x02, 0x02, 0x00],
        &["SpecExample"],
    );
    kdec(
        &mut f,
        "A complete keyring with version 2",
        ver,
        err("unsupported_version"),
        &ked(&k, &|t| t.set(2, C::U(2))),
        &[],
    );
    kdec(
        &mut f,
        "A complete keyring with version 0 (reserved)",
        ver,
        err("unsupported_version"),
        &ked(&k, &|t| t.set(2, C::U(0))),
        &[],
    );
    kdec(
        &mut f,
        "Keyring version 2^64 - 1",
        ver,
        err("unsupported_version"),
        &ked(&k, &|t| t.set(2, C::U(u64::MAX))),
        &[],
    );
    rdec(
        &mut f,
        "A complete record with version 2",
        ver,
        err("unsupported_version"),
        &ked(&r, &|t| t.set(2, C::U(2))),
        &[],
    );
    let mut b = vec![0xa3, 0x01, 0x01, 0x02, 0x02, 0x03];
    b.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    kdec(
        &mut f,
        "Version 2 followed by bytes no v1 decoder accepts (ff): nothing after the version is parsed",
        ver,
        err("unsupported_version"),
        &b,
        &["OrderOfChecks"],
    );
    let mut b = vec![0xa3, 0x01, 0x02, 0x02, 0x02, 0x03, 0x5f, 0x41, 0x00, 0xff];
    b.extend_from_slice(&[0xc0, 0xc0]);
    rdec(
        &mut f,
        "Record version 2 with an indefinite-length string and tags after the version",
        ver,
        err("unsupported_version"),
        &b,
        &["OrderOfChecks"],
    );
    let mut b = ked(&k, &|t| t.set(2, C::U(2)));
    b.resize(4097, 0);
    kdec(
        &mut f,
        "A keyring with version 2 padded to 4,097 bytes: the header peek comes before the size limit",
        &["SR-CBOR-10", "SR-CBOR-11", "SR-OBJ-1", "SR-VER-1"],
        err("unsupported_version"),
        &b,
        &["OrderOfChecks"],
    );
    f.add(
        v("decode_record", "A record with version 2 padded to 16,777,489 bytes: reported as a later version whatever its size", &["SR-CBOR-10", "SR-CBOR-11", "SR-OBJ-1"], err("unsupported_version"))
            .f(&["OrderOfChecks", "LargeInput"])
            .i("record", json!({"prefix": hex(ked(&r, &|t| t.set(2, C::U(2)))), "fill": "00", "length": 16_777_489})),
    );
    kdec(
        &mut f,
        "Keyring header with version 2 and a map count of 1,000 with nothing after it: the peek does not compare counts with the input",
        &["SR-OBJ-1", "SR-CBOR-8", "SR-CBOR-11"],
        err("unsupported_version"),
        &[0xb9, 0x03, 0xe8, 0x01, 0x01, 0x02, 0x02],
        &["OrderOfChecks"],
    );
    rdec(
        &mut f,
        "Record header with version 2 and a map count of 7 with nothing after it",
        &["SR-OBJ-1", "SR-CBOR-8", "SR-CBOR-11"],
        err("unsupported_version"),
        &[0xa7, 0x01, 0x02, 0x02, 0x02],
        &["OrderOfChecks"],
    );
    kdec(
        &mut f,
        "Keyring header with version 1 and a map count of 7 with nothing after it: the profile step finds the truncation",
        &["SR-CBOR-8", "SR-CBOR-11"],
        mal("truncated"),
        &[0xa7, 0x01, 0x01, 0x02, 0x01],
        &["OrderOfChecks"],
    );
    kdec(
        &mut f,
        "Object type 2 (record) given to the keyring decoder, version 2: the object type comes first",
        &["SR-OBJ-1"],
        mal("wrong_object_type"),
        &[0xa2, 0x01, 0x02, 0x02, 0x02],
        &["OrderOfChecks"],
    );
    // Registries.
    let sed = |base: &[u8], i: usize, edit: &dyn Fn(&mut C)| -> Vec<u8> {
        let mut t = fx::tree(base);
        edit(&mut t.get(5).items()[i]);
        t.enc()
    };
    kdec(
        &mut f,
        "KDF id 3 (Appendix B)",
        reg,
        err("unsupported_algorithm"),
        &sed(&k, 0, &|s| s.set(3, C::A(vec![C::U(3), C::U(10)]))),
        &["SpecExample"],
    );
    kdec(
        &mut f,
        "KDF id 0 (reserved)",
        reg,
        err("unsupported_algorithm"),
        &sed(&k, 0, &|s| s.set(3, C::A(vec![C::U(0), C::U(10)]))),
        &[],
    );
    kdec(
        &mut f,
        "KDF id 2^32",
        reg,
        err("unsupported_algorithm"),
        &sed(&k, 0, &|s| s.set(3, C::A(vec![C::U(1 << 32), C::U(10)]))),
        &[],
    );
    kdec(
        &mut f,
        "KDF id 3 in a one-element descriptor: the id is checked before the element count",
        &["SR-OBJ-6", "SR-CBOR-11"],
        err("unsupported_algorithm"),
        &sed(&k, 0, &|s| s.set(3, C::A(vec![C::U(3)]))),
        &["OrderOfChecks"],
    );
    kdec(
        &mut f,
        "Slot kind 3 (Appendix B)",
        reg,
        err("unsupported_algorithm"),
        &sed(&k, 0, &|s| s.set(1, C::U(3))),
        &["SpecExample"],
    );
    kdec(
        &mut f,
        "Slot kind 0 (reserved)",
        reg,
        err("unsupported_algorithm"),
        &sed(&k, 0, &|s| s.set(1, C::U(0))),
        &[],
    );
    kdec(
        &mut f,
        "Slot kind 3 in the second slot of a keyring whose first slot is fine",
        reg,
        err("unsupported_algorithm"),
        &sed(&two, 1, &|s| s.set(1, C::U(3))),
        &[],
    );
    kdec(
        &mut f,
        "Slot kind 2 (recovery) on a slot with password-slot keys: key 3 is not in the recovery schema",
        &["SR-OBJ-2", "SR-OBJ-6"],
        mal("unknown_key"),
        &sed(&k, 0, &|s| s.set(1, C::U(2))),
        &[],
    );
    kdec(
        &mut f,
        "Slot kind 1 (password) on a recovery slot: key 3 is missing",
        &["SR-OBJ-2", "SR-OBJ-6"],
        mal("missing_key"),
        &sed(&two, 1, &|s| s.set(1, C::U(1))),
        &[],
    );
    f.add(
        v(
            "unlock_password",
            "Unlocking a keyring with an unknown KDF id fails at decoding, before any KDF",
            &["SR-OBJ-6", "SR-POL-1"],
            err("unsupported_algorithm"),
        )
        .f(&["NoKdf"])
        .i(
            "keyring",
            hex(sed(&k, 0, &|s| s.set(3, C::A(vec![C::U(3), C::U(10)])))),
        )
        .i("password", fx::pw(fx::PASSWORD))
        .i("policy", fx::relaxed()),
    );
    f
}
