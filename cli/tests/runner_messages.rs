//! What `conformance` and `vectors verify` tell a porter: the adapter's own error output when
//! it never answers `hello`, and an exit status for skipped cases that matches `--help`.

mod common;

use common::{TempDir, repo, run_in};

#[test]
fn conformance_shows_the_adapter_stderr_when_hello_fails() {
    let d = TempDir::new("hello-stderr");
    let vectors = repo().join("vectors");
    let impl_cmd = "echo \"Error: Cannot find module '/nowhere/adapter.js'\" >&2; \
                    echo '    at Module._resolveFilename' >&2; exit 1";
    let r = run_in(
        &d.0,
        &[
            "conformance",
            "--impl",
            impl_cmd,
            "--vectors",
            vectors.to_str().unwrap(),
        ],
        &[],
        b"",
    )
    .expect(4);
    assert!(r.stderr.contains("did not answer hello"), "{}", r.stderr);
    assert!(
        r.stderr.contains("exited with status 1"),
        "the reason stays: {}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("  | Error: Cannot find module '/nowhere/adapter.js'"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("Module._resolveFilename"), "{}", r.stderr);

    // Silent failure: said so rather than an empty section.
    let r = run_in(
        &d.0,
        &[
            "conformance",
            "--impl",
            "exit 0",
            "--vectors",
            vectors.to_str().unwrap(),
        ],
        &[],
        b"",
    )
    .expect(4);
    assert!(
        r.stderr.contains("nothing on its standard error"),
        "{}",
        r.stderr
    );
}

#[test]
fn vectors_verify_skips_do_not_fail_and_the_help_says_so() {
    let d = TempDir::new("verify-skip");
    let help = run_in(&d.0, &["vectors", "verify", "--help"], &[], b"")
        .expect(0)
        .out();
    assert!(
        !help.contains("or skipped case"),
        "the help must not promise a failure on skips:\n{help}"
    );
    assert!(help.contains("do not change"), "{help}");
    // accumulated-002 is flagged Slow: without --slow it is skipped, and the run passes.
    let vectors = repo().join("vectors");
    let r = run_in(
        &d.0,
        &[
            "vectors",
            "verify",
            vectors.to_str().unwrap(),
            "--filter",
            "accumulated-002",
        ],
        &[],
        b"",
    )
    .expect(0);
    assert!(r.out().contains("1 skipped"), "{}", r.out());
}
