//! recovery.json: recovery codes (SR-REC) and unlocking with them.

use crate::cbor::C;
use crate::exec::hex;
use crate::fx;
use crate::{Expect, File, err, inval, v};

pub fn file() -> File {
    let mut f = File::new(
        "recovery",
        "Recovery codes (SPEC.md section 12): the canonical form, lenient typing, format and \
         check errors, and recovery unlocks.",
        &[],
    );
    let code_of_spec = crate::t_record::spec_keyring_2().codes[0].clone();
    let two = fx::two();
    let code = two.codes[0].clone();
    let pr = |f: &mut File, desc: &str, c: &str, exp: Expect, flags: &[&'static str]| {
        f.add(
            v("parse_recovery_code", desc, &["SR-REC-1", "SR-REC-3"], exp)
                .f(flags)
                .i("recovery_code", c),
        );
    };
    pr(
        &mut f,
        "The recovery code of SPEC.md Appendix A.4",
        &code_of_spec,
        Expect::Ok,
        &["SpecExample"],
    );
    pr(&mut f, "A canonical code", &code, Expect::Ok, &[]);
    pr(&mut f, "Lower case", &code.to_lowercase(), Expect::Ok, &[]);
    pr(
        &mut f,
        "Without hyphens",
        &code.replace('-', ""),
        Expect::Ok,
        &[],
    );
    pr(
        &mut f,
        "Spaces instead of hyphens",
        &code.replace('-', " "),
        Expect::Ok,
        &[],
    );
    let spread: String = code
        .replace('-', "")
        .chars()
        .flat_map(|c| [c, '-', ' '])
        .collect();
    pr(
        &mut f,
        "A hyphen and a space after every symbol, and at the end",
        &spread,
        Expect::Ok,
        &[],
    );
    pr(
        &mut f,
        "O for 0 and I and L for 1, in both cases",
        &code_of_spec
            .replace('0', "o")
            .replacen('1', "I", 1)
            .replace('1', "l"),
        Expect::Ok,
        &[],
    );
    pr(&mut f, "Empty", "", inval("recovery_code_format"), &[]);
    let bare = code.replace('-', "");
    pr(
        &mut f,
        "55 symbols",
        &bare[..55],
        inval("recovery_code_format"),
        &[],
    );
    pr(
        &mut f,
        "57 symbols",
        &format!("{bare}0"),
        inval("recovery_code_format"),
        &[],
    );
    pr(
        &mut f,
        "The letter U, outside the alphabet",
        &format!("U{}", &bare[1..]),
        inval("recovery_code_format"),
        &[],
    );
    pr(
        &mut f,
        "A tab between groups",
        &code.replacen('-', "\t", 1),
        inval("recovery_code_format"),
        &[],
    );
    pr(
        &mut f,
        "An underscore between groups",
        &code.replacen('-', "_", 1),
        inval("recovery_code_format"),
        &[],
    );
    pr(
        &mut f,
        "A fullwidth digit (U+FF10) for 0",
        &format!("\u{ff10}{}", &bare[1..]),
        inval("recovery_code_format"),
        &[],
    );
    pr(
        &mut f,
        "A dotless i (U+0131), which general upper-casing would turn into I",
        &format!("\u{131}{}", &bare[1..]),
        inval("recovery_code_format"),
        &[],
    );
    pr(
        &mut f,
        "A long s (U+017F), which general upper-casing would turn into S",
        &format!("\u{17f}{}", &bare[1..]),
        inval("recovery_code_format"),
        &[],
    );
    // A typo: change one symbol to another valid one.
    let alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let typo = |i: usize| -> String {
        let mut b: Vec<char> = bare.chars().collect();
        let cur = alphabet.find(b[i]).unwrap_or(0);
        b[i] = alphabet.chars().nth((cur + 1) % 32).unwrap_or('0');
        b.into_iter().collect()
    };
    pr(
        &mut f,
        "One symbol of the secret part mistyped",
        &typo(3),
        inval("recovery_code_check"),
        &[],
    );
    pr(
        &mut f,
        "The last symbol (check part) mistyped",
        &typo(55),
        inval("recovery_code_check"),
        &[],
    );
    pr(
        &mut f,
        "Two adjacent symbols swapped",
        &{
            let mut b: Vec<char> = bare.chars().collect();
            let i = (0..55).find(|&i| b[i] != b[i + 1]).unwrap_or(0);
            b.swap(i, i + 1);
            b.into_iter().collect::<String>()
        },
        inval("recovery_code_check"),
        &[],
    );
    pr(
        &mut f,
        "An all-zero code: the check of 32 zero bytes is not 000",
        &"0".repeat(56),
        inval("recovery_code_check"),
        &[],
    );

    // Unlocking.
    let relaxed = fx::relaxed();
    let ur = |f: &mut File,
              desc: &str,
              spec: &[&'static str],
              exp: Expect,
              kr: &[u8],
              c: &str,
              flags: &[&'static str]| {
        f.add(
            v("unlock_recovery", desc, spec, exp)
                .f(flags)
                .i("keyring", hex(kr))
                .i("recovery_code", c)
                .i("policy", relaxed.clone()),
        );
    };
    ur(
        &mut f,
        "Unlock with the recovery code",
        &["SR-OP-4", "SR-KEY-5"],
        Expect::Ok,
        &two.bytes,
        &code,
        &[],
    );
    ur(
        &mut f,
        "Unlock with the recovery code typed in lower case without hyphens",
        &["SR-OP-4", "SR-REC-1"],
        Expect::Ok,
        &two.bytes,
        &code.to_lowercase().replace('-', ""),
        &[],
    );
    ur(
        &mut f,
        "A well-formed recovery code of another keyring",
        &["SR-OP-4", "SR-ERR-2"],
        err("unlock_failed"),
        &two.bytes,
        &fx::three().codes[0],
        &[],
    );
    ur(
        &mut f,
        "A code with a check error",
        &["SR-OP-4", "SR-REC-1"],
        inval("recovery_code_check"),
        &two.bytes,
        &typo(10),
        &[],
    );
    ur(
        &mut f,
        "A valid code on a keyring without recovery slots",
        &["SR-OP-4"],
        err("unlock_failed"),
        &fx::one().bytes,
        &code,
        &[],
    );
    ur(
        &mut f,
        "A malformed code on a keyring without recovery slots: the code is parsed before any slot is looked at",
        &["SR-OP-4", "SR-REC-1"],
        inval("recovery_code_format"),
        &fx::one().bytes,
        "not a code",
        &["OrderOfChecks"],
    );
    let mut t = fx::tree(&two.bytes);
    t.set(4, C::U(7));
    ur(
        &mut f,
        "The recovery slot opens but the generation was changed: the MAC fails",
        &["SR-OP-4", "SR-KEY-6"],
        err("keyring_tampered"),
        &t.enc(),
        &code,
        &[],
    );
    f.add(
        v(
            "unlock_slot",
            "unlock_slot on the recovery slot with a malformed code",
            &["SR-OP-3", "SR-REC-1"],
            inval("recovery_code_format"),
        )
        .i("keyring", two.hex())
        .i("index", 1)
        .i("recovery_code", "0000")
        .i("policy", relaxed.clone()),
    );
    f.add(
        v(
            "unlock_slot",
            "unlock_slot on the recovery slot with another keyring's code",
            &["SR-OP-3"],
            err("unlock_failed"),
        )
        .i("keyring", two.hex())
        .i("index", 1)
        .i("recovery_code", fx::three().codes[0].clone())
        .i("policy", relaxed.clone()),
    );
    f
}
