//! password.json: password preparation (SR-PWD).

use crate::fx::{self, pw};
use crate::{Expect, File, inval, limit, v};

pub fn file() -> File {
    let mut f = File::new(
        "password",
        "Password preparation (SPEC.md section 7): NFC and nothing else, an NFD input giving \
         the NFC result, length limits counted in bytes after normalization.",
        &[],
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
    f
}
