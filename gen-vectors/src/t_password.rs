//! password.json: password preparation (SR-PWD).

use crate::fx::{self, pw};
use crate::{Expect, File, inval, limit, v};

pub fn file() -> File {
    let mut f = File::new(
        "password",
        "Password preparation (SPEC.md section 7): code points assigned in Unicode 14.0 only, \
         NFC and nothing else (none of RFC 8265 OpaqueString's other rules), an NFD input \
         giving the NFC result, length limits counted in bytes after normalization.",
        &[
            (
                "UnicodeVersion",
                "The password holds a code point at SR-PWD-4's boundary: one that Unicode 14.0 leaves unassigned (General_Category Cn, noncharacters included), rejected with unassigned_code_point before NFC whatever a later Unicode version assigns there, or one that Unicode 14.0 assigns, accepted. A port whose language has tables of another Unicode version checks against vectors/data/unicode-14.0-assigned.json.",
            ),
            (
                "NoOpaqueStringMapping",
                "The password holds a character that RFC 8265's OpaqueString profile would map (non-ASCII spaces) or reject (controls, default-ignorable code points), or that NFKC would map; SR-PWD-1 applies NFC and nothing else, so it is kept (SPEC.md section 7).",
            ),
        ],
    );
    let np = |f: &mut File, desc: &str, s: &str, exp: Expect| {
        f.add(v("normalize_password", desc, &["SR-PWD-1", "SR-PWD-2"], exp).i("password", pw(s)));
    };
    np(
        &mut f,
        "ASCII is unchanged",
        "correct horse battery staple",
        Expect::Ok,
    );
    np(
        &mut f,
        "NFD e + U+0301 becomes NFC U+00E9 (c3 a9)",
        "e\u{301}",
        Expect::Ok,
    );
    np(&mut f, "NFC U+00E9 stays (c3 a9)", "\u{e9}", Expect::Ok);
    np(
        &mut f,
        "The NFD password of SPEC.md Appendix A.2 becomes p\u{e4}ssw\u{f6}rd",
        crate::t_keyring::SPEC_NFD_PASSWORD,
        Expect::Ok,
    );
    np(
        &mut f,
        "Hangul jamo U+1100 U+1161 U+11A8 compose to U+AC01",
        "\u{1100}\u{1161}\u{11a8}",
        Expect::Ok,
    );
    np(
        &mut f,
        "The ligature U+FB01 is kept (NFC, not NFKC)",
        "\u{fb01}le",
        Expect::Ok,
    );
    np(
        &mut f,
        "Fullwidth letters are kept (no width mapping)",
        "\u{ff21}\u{ff22}\u{ff23}",
        Expect::Ok,
    );
    np(&mut f, "Case is kept", "PassWORD", Expect::Ok);
    np(
        &mut f,
        "Leading and trailing spaces and a tab are kept",
        " pass\tword ",
        Expect::Ok,
    );
    np(
        &mut f,
        "The ohm sign U+2126 becomes U+03A9 (a singleton decomposition)",
        "\u{2126}",
        Expect::Ok,
    );
    np(
        &mut f,
        "A lone combining mark stays as it is",
        "\u{301}",
        Expect::Ok,
    );
    np(&mut f, "Emoji are kept", "\u{1F511}\u{1F510}", Expect::Ok);
    np(&mut f, "The empty password", "", inval("empty_password"));
    np(&mut f, "Exactly 1,024 bytes", &"a".repeat(1024), Expect::Ok);
    np(
        &mut f,
        "1,025 bytes",
        &"a".repeat(1025),
        limit("password_too_long"),
    );
    np(
        &mut f,
        "512 NFD e-acute (1,536 bytes as given) are 1,024 bytes after NFC: accepted",
        &"e\u{301}".repeat(512),
        Expect::Ok,
    );
    np(
        &mut f,
        "341 U+0958 (1,023 bytes as given) become 2,046 bytes after NFC (a composition exclusion): too long",
        &"\u{958}".repeat(341),
        Expect::Err("limit_exceeded", Some("password_too_long")),
    );
    // Through the operations.
    let id = f.next_id();
    let (_, out) = f.add(
        v(
            "create",
            "Create with the NFC password caf\u{e9}",
            &["SR-PWD-1", "SR-OP-1"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .i("password", pw("caf\u{e9}"))
        .i("kdf", fx::fast_pbkdf2())
        .i("label", "")
        .i("policy", fx::relaxed())
        .i("random", fx::rnd(&id, fx::CREATE)),
    );
    f.add(
        v(
            "unlock_password",
            "Unlock it with the NFD spelling cafe + U+0301",
            &["SR-PWD-1", "SR-OP-2"],
            Expect::Ok,
        )
        .f(&["RelaxedPolicy"])
        .i("keyring", out["keyring"].clone())
        .i("password", pw("cafe\u{301}"))
        .i("policy", fx::relaxed()),
    );
    f.add(
        v(
            "unlock_password",
            "Unlock it with CAF\u{c9}: no case folding",
            &["SR-PWD-1"],
            crate::err("unlock_failed"),
        )
        .f(&["RelaxedPolicy"])
        .i("keyring", out["keyring"].clone())
        .i("password", pw("CAF\u{c9}"))
        .i("policy", fx::relaxed()),
    );
    f.add(
        v(
            "unlock_password",
            "Unlock with an empty password",
            &["SR-PWD-2", "SR-OP-2"],
            inval("empty_password"),
        )
        .f(&["NoKdf"])
        .i("keyring", fx::one().hex())
        .i("password", pw(""))
        .i("policy", fx::relaxed()),
    );
    f.add(
        v(
            "unlock_password",
            "Unlock with a 1,025-byte password",
            &["SR-PWD-2", "SR-OP-2"],
            limit("password_too_long"),
        )
        .f(&["NoKdf"])
        .i("keyring", fx::one().hex())
        .i("password", pw(&"a".repeat(1025)))
        .i("policy", fx::relaxed()),
    );
    f.add(
        v(
            "create",
            "Create with an empty password",
            &["SR-PWD-2", "SR-OP-1"],
            inval("empty_password"),
        )
        .f(&["NoKdf"])
        .i("password", pw(""))
        .i("kdf", fx::fast_pbkdf2())
        .i("label", "")
        .i("policy", fx::relaxed())
        .i("random", fx::no_rnd()),
    );
    // --- SR-PWD-4: code points assigned in Unicode 14.0 -------------------------------------
    let np4 = |f: &mut File, desc: &str, s: &str, exp: Expect, flags: &[&'static str]| {
        f.add(
            v(
                "normalize_password",
                desc,
                &["SR-PWD-4", "SR-PWD-1", "SR-PWD-2"],
                exp,
            )
            .f(flags)
            .i("password", pw(s)),
        );
    };
    let unassigned = || inval("unassigned_code_point");
    np4(
        &mut f,
        "U+0378, unassigned in Unicode 14.0 (and still unassigned today), between two letters",
        "pass\u{378}word",
        unassigned(),
        &["UnicodeVersion"],
    );
    np4(
        &mut f,
        "U+1FAE8 SHAKING FACE, assigned in Unicode 15.0: unassigned in 14.0, so rejected",
        "\u{1FAE8}",
        unassigned(),
        &["UnicodeVersion"],
    );
    np4(
        &mut f,
        "The noncharacter U+FFFF (General_Category Cn)",
        "a\u{FFFF}",
        unassigned(),
        &["UnicodeVersion"],
    );
    np4(
        &mut f,
        "The noncharacter U+FDD0, the first of U+FDD0..U+FDEF",
        "\u{FDD0}a",
        unassigned(),
        &["UnicodeVersion"],
    );
    np4(
        &mut f,
        "The noncharacter U+FFFE",
        "\u{FFFE}",
        unassigned(),
        &["UnicodeVersion"],
    );
    np4(
        &mut f,
        "The noncharacter U+10FFFF, the last code point",
        "z\u{10FFFF}",
        unassigned(),
        &["UnicodeVersion"],
    );
    np4(
        &mut f,
        "SPEC.md section 7's example pass U+1E08F U+0316 word: U+1E08F is unassigned in Unicode 14.0 (a combining mark of class 230 from 15.0 on, which NFC would reorder after U+0316), so it is rejected and P never depends on the Unicode version",
        SPEC_UNICODE_15_PASSWORD,
        unassigned(),
        &["UnicodeVersion"],
    );
    np4(
        &mut f,
        "U+1F979 FACE HOLDING BACK TEARS, assigned in Unicode 14.0: accepted (f0 9f a5 b9)",
        "\u{1F979}",
        Expect::Ok,
        &["UnicodeVersion"],
    );
    np4(
        &mut f,
        "U+E000, the first private-use code point: assigned (General_Category Co), accepted (ee 80 80)",
        "\u{E000}",
        Expect::Ok,
        &["UnicodeVersion"],
    );
    np4(
        &mut f,
        "1,100 bytes with an unassigned code point at the end: SR-PWD-4 comes before the length check",
        &format!("{}\u{378}", "a".repeat(1100)),
        unassigned(),
        &["UnicodeVersion", "OrderOfChecks"],
    );
    // --- Not OpaqueString (SPEC.md section 7) ----------------------------------------------
    let np_os = |f: &mut File, desc: &str, s: &str| {
        f.add(
            v(
                "normalize_password",
                desc,
                &["SR-PWD-1", "SR-PWD-4"],
                Expect::Ok,
            )
            .f(&["NoOpaqueStringMapping"])
            .i("password", pw(s)),
        );
    };
    np_os(
        &mut f,
        "U+00A0 NO-BREAK SPACE is kept (c2 a0), not mapped to U+0020 as OpaqueString does",
        "a\u{a0}b",
    );
    np_os(
        &mut f,
        "U+3000 IDEOGRAPHIC SPACE is kept (e3 80 80), not mapped to U+0020",
        "a\u{3000}b",
    );
    np_os(
        &mut f,
        "U+200D ZERO WIDTH JOINER and U+FE0F VARIATION SELECTOR-16 are kept (default-ignorable code points, which OpaqueString rejects)",
        "\u{200d}\u{fe0f}",
    );
    np_os(
        &mut f,
        "U+FB01 LATIN SMALL LIGATURE FI alone is kept (ef ac 81): no compatibility mapping",
        "\u{fb01}",
    );
    np_os(
        &mut f,
        "U+FF21 FULLWIDTH LATIN CAPITAL LETTER A is kept (ef bc a1): no width mapping",
        "\u{ff21}",
    );
    np_os(
        &mut f,
        "A tab between two letters is kept (a control character, which OpaqueString rejects)",
        "a\tb",
    );
    // Through the operations: Normalize is step 1, before any KDF.
    f.add(
        v(
            "create",
            "Create with SPEC.md section 7's example password pass U+1E08F U+0316 word: rejected before anything is drawn or derived",
            &["SR-PWD-4", "SR-OP-1", "SR-OP-17"],
            inval("unassigned_code_point"),
        )
        .f(&["UnicodeVersion", "NoKdf"])
        .i("password", pw(SPEC_UNICODE_15_PASSWORD))
        .i("kdf", fx::fast_pbkdf2())
        .i("label", "")
        .i("policy", fx::relaxed())
        .i("random", fx::no_rnd()),
    );
    f.add(
        v(
            "unlock_password",
            "Unlock with a password holding U+1FAE8 (assigned in Unicode 15.0): rejected before any slot is tried",
            &["SR-PWD-4", "SR-OP-2", "SR-OP-17"],
            inval("unassigned_code_point"),
        )
        .f(&["UnicodeVersion", "NoKdf"])
        .i("keyring", fx::one().hex())
        .i("password", pw("correct horse \u{1FAE8} staple"))
        .i("policy", fx::relaxed()),
    );
    let id = f.next_id();
    let (_, out) = f.add(
        v(
            "create",
            "Create with a password holding U+1F979 (assigned in Unicode 14.0) and U+00A0",
            &["SR-PWD-4", "SR-PWD-1", "SR-OP-1"],
            Expect::Ok,
        )
        .f(&["UnicodeVersion", "NoOpaqueStringMapping", "RelaxedPolicy"])
        .i("password", pw("tears\u{1F979}\u{a0}ok"))
        .i("kdf", fx::fast_pbkdf2())
        .i("label", "")
        .i("policy", fx::relaxed())
        .i("random", fx::rnd(&id, fx::CREATE)),
    );
    f.add(
        v(
            "unlock_password",
            "Unlock it with U+0020 in place of U+00A0: a different password",
            &["SR-PWD-1", "SR-OP-2"],
            crate::err("unlock_failed"),
        )
        .f(&["NoOpaqueStringMapping", "RelaxedPolicy"])
        .i("keyring", out["keyring"].clone())
        .i("password", pw("tears\u{1F979} ok"))
        .i("policy", fx::relaxed()),
    );
    f
}

/// SPEC.md section 7's example of a password whose NFC depends on the Unicode version.
pub const SPEC_UNICODE_15_PASSWORD: &str = "pass\u{1E08F}\u{0316}word";
