//! text.json: the text form (SR-TXT).

use crate::exec::hex;
use crate::fx;
use crate::{Expect, File, err, mal, v};

pub fn file() -> File {
    let mut f = File::new(
        "text",
        "The text form (SPEC.md section 13): the prefix grammar, canonical unpadded base64url, \
         and the text decoding order (prefix, body, decoded size, then the binary decoding \
         order).",
        &[],
    );
    let k1 = crate::t_keyring::spec_keyring_1();
    let one = fx::one();
    let kt = |f: &mut File,
              desc: &str,
              spec: &[&'static str],
              exp: Expect,
              t: &str,
              flags: &[&'static str]| {
        f.add(
            v("decode_keyring_text", desc, spec, exp)
                .f(flags)
                .i("text", t),
        );
    };
    let rt = |f: &mut File,
              desc: &str,
              spec: &[&'static str],
              exp: Expect,
              t: &str,
              flags: &[&'static str]| {
        f.add(
            v("decode_record_text", desc, spec, exp)
                .f(flags)
                .i("text", t),
        );
    };
    let text_of = |op: &str, b: &[u8]| -> String {
        let mut i = crate::exec::Obj::new();
        i.insert(op.into(), hex(b).into());
        let _ = i;
        let pre = if op == "keyring" { "srk1." } else { "srr1." };
        let mut s = String::from(pre);
        s.push_str(&b64(b));
        s
    };
    let k1t = text_of("keyring", &k1.bytes);
    let r = fx::rec().clone();
    let rtext = text_of("record", &r);
    let s1 = &["SR-TXT-1", "SR-TXT-4"];
    let s2 = &["SR-TXT-2", "SR-TXT-4"];
    kt(
        &mut f,
        "The keyring of SPEC.md Appendix A.5",
        &["SR-TXT-1", "SR-TXT-2", "SR-TXT-3"],
        Expect::Ok,
        &k1t,
        &["SpecExample"],
    );
    kt(
        &mut f,
        "A two-slot keyring",
        &["SR-TXT-1", "SR-TXT-2"],
        Expect::Ok,
        &text_of("keyring", &fx::two().bytes),
        &[],
    );
    rt(
        &mut f,
        "A record",
        &["SR-TXT-1", "SR-TXT-2"],
        Expect::Ok,
        &rtext,
        &[],
    );
    kt(
        &mut f,
        "A record text given to the keyring decoder (Appendix B)",
        s1,
        mal("wrong_object_type"),
        &rtext,
        &["SpecExample"],
    );
    rt(
        &mut f,
        "A keyring text given to the record decoder",
        s1,
        mal("wrong_object_type"),
        &k1t,
        &[],
    );
    kt(
        &mut f,
        "Upper-case prefix SRK1. (Appendix B)",
        s1,
        mal("text_prefix"),
        "SRK1.pgEBAgE",
        &["SpecExample"],
    );
    kt(&mut f, "Empty text", s1, mal("text_prefix"), "", &[]);
    kt(
        &mut f,
        "No dot after the version",
        s1,
        mal("text_prefix"),
        &k1t.replacen("srk1.", "srk1", 1),
        &[],
    );
    kt(
        &mut f,
        "A colon instead of the dot",
        s1,
        mal("text_prefix"),
        &k1t.replacen("srk1.", "srk1:", 1),
        &[],
    );
    kt(
        &mut f,
        "A leading space",
        s1,
        mal("text_prefix"),
        &format!(" {k1t}"),
        &[],
    );
    kt(
        &mut f,
        "Base64url without any prefix",
        s1,
        mal("text_prefix"),
        &k1t[5..],
        &[],
    );
    kt(
        &mut f,
        "srr2. given to the keyring decoder: the other type letter, whatever the version (Appendix B)",
        s1,
        mal("wrong_object_type"),
        "srr2.AA",
        &["SpecExample"],
    );
    kt(
        &mut f,
        "srk2.: a keyring prefix of version 2 (Appendix B)",
        s1,
        err("unsupported_version"),
        "srk2.pgEBAgI",
        &["SpecExample"],
    );
    kt(
        &mut f,
        "srk0. with an empty body: version 0 (Appendix B)",
        s1,
        err("unsupported_version"),
        "srk0.",
        &["SpecExample"],
    );
    kt(
        &mut f,
        "srk2. followed by characters that are no base64url: known from the prefix alone",
        s1,
        err("unsupported_version"),
        "srk2.$$$ not base64 $$$",
        &["OrderOfChecks"],
    );
    rt(
        &mut f,
        "srr3. given to the record decoder",
        s1,
        err("unsupported_version"),
        "srr3.AAAA",
        &[],
    );
    kt(
        &mut f,
        "srk01.: leading zero, not canonical decimal (Appendix B)",
        s1,
        mal("text_prefix"),
        "srk01.pgEBAgE",
        &["SpecExample"],
    );
    kt(
        &mut f,
        "srk18446744073709551616.: version 2^64 (Appendix B)",
        s1,
        mal("text_prefix"),
        "srk18446744073709551616.AA",
        &["SpecExample"],
    );
    kt(
        &mut f,
        "srk18446744073709551615.: version 2^64 - 1 is a version",
        s1,
        err("unsupported_version"),
        "srk18446744073709551615.AA",
        &[],
    );
    kt(
        &mut f,
        "srk.: no version digits",
        s1,
        mal("text_prefix"),
        "srk.pgEBAgE",
        &[],
    );
    kt(
        &mut f,
        "srx1.: an unknown type letter",
        s1,
        mal("text_prefix"),
        "srx1.pgEBAgE",
        &[],
    );
    kt(
        &mut f,
        "Padding = after the body (Appendix B)",
        s2,
        mal("text_encoding"),
        "srk1.pgEBAgE=",
        &["SpecExample"],
    );
    kt(
        &mut f,
        "Non-zero unused bits in the last character (Appendix B)",
        s2,
        mal("text_encoding"),
        "srk1.pgEBAgF",
        &["SpecExample"],
    );
    kt(
        &mut f,
        "A keyring text with a line break in the middle",
        s2,
        mal("text_encoding"),
        &format!("{}\n{}", &k1t[..80], &k1t[80..]),
        &[],
    );
    kt(
        &mut f,
        "A keyring text with a trailing line break",
        s2,
        mal("text_encoding"),
        &format!("{k1t}\n"),
        &[],
    );
    kt(
        &mut f,
        "A keyring text with a space in the body",
        s2,
        mal("text_encoding"),
        &format!("{} {}", &k1t[..40], &k1t[40..]),
        &[],
    );
    kt(
        &mut f,
        "Standard base64 + and / instead of - and _",
        s2,
        mal("text_encoding"),
        &k1t.replace('-', "+").replace('_', "/"),
        &[],
    );
    kt(
        &mut f,
        "A non-ASCII character (\u{e9}) in the body",
        s2,
        mal("text_encoding"),
        &format!("{}\u{e9}{}", &k1t[..40], &k1t[40..]),
        &[],
    );
    kt(
        &mut f,
        "A body whose length is 1 modulo 4",
        s2,
        mal("text_encoding"),
        &format!("{k1t}A"),
        &[],
    );
    let body = b64(&one.bytes);
    let ones = format!("srk1.{body}");
    kt(
        &mut f,
        "A keyring body of length 0 modulo 4 decodes",
        &["SR-TXT-2"],
        Expect::Ok,
        &ones,
        &[],
    );
    kt(
        &mut f,
        "Non-zero unused bits when the length is 3 modulo 4",
        s2,
        mal("text_encoding"),
        "srk1.pgEBAgEAAAB",
        &[],
    );
    kt(
        &mut f,
        "An empty body: zero bytes, which are truncated",
        &["SR-TXT-2", "SR-TXT-4", "SR-CBOR-8"],
        mal("truncated"),
        "srk1.",
        &[],
    );
    kt(
        &mut f,
        "srk1.pgEBAgE: valid text of a truncated keyring (Appendix B)",
        &["SR-TXT-4", "SR-CBOR-8"],
        mal("truncated"),
        "srk1.pgEBAgE",
        &["SpecExample"],
    );
    let big = format!("srk1.{}", "A".repeat(8000));
    kt(
        &mut f,
        "srk1. and 8,000 A: 6,000 decoded bytes, too large, found before decoding (Appendix B)",
        &["SR-TXT-4", "SR-CBOR-10"],
        mal("too_large"),
        &big,
        &["SpecExample"],
    );
    kt(
        &mut f,
        "srk1. and 8,000 A and $: the body is checked before the size (Appendix B)",
        &["SR-TXT-4", "SR-TXT-2"],
        mal("text_encoding"),
        &format!("{big}$"),
        &["SpecExample", "OrderOfChecks"],
    );
    let exact = format!("srk1.{}", b64(&[0u8; 4096]));
    kt(
        &mut f,
        "A body of exactly 4,096 zero bytes: within the size, then the binary decoding finds no map",
        &["SR-TXT-4", "SR-OBJ-1"],
        mal("unexpected_type"),
        &exact,
        &["OrderOfChecks"],
    );
    let mut v2 = fx::tree(&one.bytes);
    v2.set(2, crate::cbor::C::U(2));
    kt(
        &mut f,
        "srk1. on the bytes of a version 2 keyring: the binary decoding reports the version",
        &["SR-TXT-4", "SR-OBJ-1"],
        err("unsupported_version"),
        &format!("srk1.{}", b64(&v2.enc())),
        &[],
    );
    // SR-TXT-5: only a reader of files or lines may drop one line ending; the string
    // decoders take none.
    let s5 = &["SR-TXT-5", "SR-TXT-2"];
    kt(
        &mut f,
        "A keyring text with a trailing CR LF given to the string decoder",
        s5,
        mal("text_encoding"),
        &format!("{k1t}\r\n"),
        &[],
    );
    rt(
        &mut f,
        "A record text with a trailing line break given to the string decoder",
        s5,
        mal("text_encoding"),
        &format!("{rtext}\n"),
        &[],
    );
    rt(
        &mut f,
        "A record text with a trailing CR LF given to the string decoder",
        s5,
        mal("text_encoding"),
        &format!("{rtext}\r\n"),
        &[],
    );
    f
}

/// Unpadded base64url.
pub fn b64(b: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let mut n = [0u8; 3];
        n[..chunk.len()].copy_from_slice(chunk);
        let v = u32::from_be_bytes([0, n[0], n[1], n[2]]);
        for i in 0..=chunk.len() {
            out.push(char::from(A[((v >> (18 - 6 * i)) & 0x3f) as usize]));
        }
    }
    out
}
