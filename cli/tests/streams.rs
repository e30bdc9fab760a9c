//! `strongroom seal` / `open` / `inspect` on sealed streams (SPEC.md 11.16): round trips of
//! every boundary size through files and pipes, the SR-STR-7 release rule (a cut or
//! reordered stream fails with `stream_violation` and leaves no output file), `--chunk`, the
//! keyring check before any password, and records kept behind --text / --record.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{TempDir, bin, run_in, state_dir};

const RELAXED: &str = "--unsafe-relaxed-policy";
const ENV: &[(&str, &str)] = &[("STRONGROOM_PASSWORD", "pw")];
const HEADER: usize = 95;
const FRAME: usize = 65_536 + 32;

/// A directory with keyring `k.srk` (PBKDF2, 1,000 iterations, password `pw`).
fn setup(name: &str) -> TempDir {
    let d = TempDir::new(name);
    run_in(
        &d.0,
        &[
            "keyring",
            "create",
            "k.srk",
            "--iterations",
            "1000",
            RELAXED,
        ],
        ENV,
        b"",
    )
    .expect(0);
    d
}

/// Deterministic, incompressible-looking payload.
fn payload(n: usize) -> Vec<u8> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64 ^ n as u64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn sealed_len(n: usize) -> usize {
    HEADER + n + 32 * n.div_ceil(65_536).max(1)
}

/// `seal` of `input` with the context given, to `-o out` (JSON checked).
fn seal_file(d: &TempDir, input: &str, out: &str) {
    let r = run_in(
        &d.0,
        &[
            "seal",
            "-k",
            "k.srk",
            RELAXED,
            "--context",
            "ctx",
            input,
            "-o",
            out,
            "--json",
        ],
        ENV,
        b"",
    )
    .expect(0);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(v["form"], "stream");
    assert_eq!(
        v["size"].as_u64().unwrap(),
        std::fs::metadata(d.path(out)).unwrap().len()
    );
}

fn open_args<'a>(input: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec!["open", "-k", "k.srk", RELAXED, "--context", "ctx", input];
    a.extend_from_slice(extra);
    a
}

#[test]
fn round_trips_through_files_and_pipes() {
    let d = setup("stream-roundtrip");
    for n in [0usize, 1, 65_536, 65_537, 5 << 20] {
        let data = payload(n);
        d.write("in.bin", &data);

        // Files: -o for both.
        seal_file(&d, "in.bin", "s.srs");
        let sealed = std::fs::read(d.path("s.srs")).unwrap();
        assert_eq!(sealed.len(), sealed_len(n), "size {n}");
        assert_eq!(&sealed[..3], &[0xa6, 0x01, 0x04], "a stream header");
        run_in(&d.0, &open_args("s.srs", &["-o", "out.bin"]), ENV, b"").expect(0);
        assert_eq!(std::fs::read(d.path("out.bin")).unwrap(), data, "size {n}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for f in ["s.srs", "out.bin"] {
                let mode = std::fs::metadata(d.path(f)).unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o600, "{f}");
            }
        }

        // Pipes: standard input to standard output, both ways.
        let s = run_in(
            &d.0,
            &["seal", "-k", "k.srk", RELAXED, "--context", "ctx"],
            ENV,
            &data,
        )
        .expect(0);
        assert_eq!(s.stdout.len(), sealed_len(n));
        let o = run_in(&d.0, &open_args("-", &[]), ENV, &s.stdout).expect(0);
        assert!(o.stdout == data, "pipe round trip of {n} bytes");
        // Either way round: a piped stream opens from a file, a file's from a pipe.
        let o = run_in(&d.0, &open_args("-", &[]), ENV, &sealed).expect(0);
        assert!(o.stdout == data);

        for f in ["in.bin", "s.srs", "out.bin"] {
            std::fs::remove_file(d.path(f)).unwrap();
        }
    }
}

#[test]
fn a_real_pipe_between_two_processes() {
    let d = setup("stream-pipe");
    let data = payload(3 * 65_536 + 5);
    let envs = [("STRONGROOM_STATE_DIR", state_dir(&d.0))];
    let mut seal = Command::new(bin())
        .current_dir(&d.0)
        .args(["seal", "-k", "k.srk", RELAXED, "--context", "ctx"])
        .env("STRONGROOM_PASSWORD", "pw")
        .envs(envs.clone())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let open = Command::new(bin())
        .current_dir(&d.0)
        .args(open_args("-", &[]))
        .env("STRONGROOM_PASSWORD", "pw")
        .envs(envs)
        .stdin(seal.stdout.take().unwrap())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = seal.stdin.take().unwrap();
    let feed = data.clone();
    let writer = std::thread::spawn(move || input.write_all(&feed).unwrap());
    let out = open.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(seal.wait().unwrap().success());
    assert!(out.status.success());
    assert!(out.stdout == data);
}

/// Runs `open` of a damaged stream to `-o out.bin`: exit 1, the class printed, no output
/// file and no temporary left in the directory.
fn refused_leaves_nothing(d: &TempDir, damaged: &[u8], reason: &str) {
    d.write("bad.srs", damaged);
    let before = d.list();
    let r = run_in(&d.0, &open_args("bad.srs", &["-o", "out.bin"]), ENV, b"").expect(1);
    assert!(
        r.stderr.contains(&format!("[stream_violation/{reason}]")),
        "{}",
        r.stderr
    );
    assert!(
        !d.path("out.bin").exists(),
        "a partial plaintext file was left"
    );
    assert_eq!(d.list(), before, "something was left behind");
    // Without O_TMPFILE (a named temporary, removed on failure): the same.
    let r = run_in(
        &d.0,
        &open_args("bad.srs", &["-o", "out.bin"]),
        &[
            ("STRONGROOM_PASSWORD", "pw"),
            ("STRONGROOM_NO_TMPFILE", "1"),
        ],
        b"",
    )
    .expect(1);
    assert!(r.stderr.contains("stream_violation"), "{}", r.stderr);
    assert_eq!(d.list(), before, "a named temporary was left behind");
}

#[test]
fn truncated_and_reordered_streams_leave_no_output() {
    let d = setup("stream-violations");
    let data = payload(3 * 65_536 + 100);
    d.write("in.bin", &data);
    seal_file(&d, "in.bin", "s.srs");
    let sealed = std::fs::read(d.path("s.srs")).unwrap();

    // Cut after two whole frames: the chunks before the cut verify, the stream does not end.
    refused_leaves_nothing(&d, &sealed[..HEADER + 2 * FRAME], "stream_truncated");
    // Cut inside the final frame.
    refused_leaves_nothing(&d, &sealed[..sealed.len() - 1], "stream_truncated");
    // Frames 1 and 2 swapped.
    let mut swapped = sealed[..HEADER + FRAME].to_vec();
    swapped.extend_from_slice(&sealed[HEADER + 2 * FRAME..HEADER + 3 * FRAME]);
    swapped.extend_from_slice(&sealed[HEADER + FRAME..HEADER + 2 * FRAME]);
    swapped.extend_from_slice(&sealed[HEADER + 3 * FRAME..]);
    refused_leaves_nothing(&d, &swapped, "chunk_reordered");
    // A byte after the final frame.
    let mut longer = sealed.clone();
    longer.push(0);
    refused_leaves_nothing(&d, &longer, "data_after_final_chunk");

    // A flipped ciphertext bit: stream_authentication_failed, nothing kept.
    let mut flipped = sealed.clone();
    flipped[HEADER + FRAME + 100] ^= 1;
    d.write("bad.srs", &flipped);
    let r = run_in(&d.0, &open_args("bad.srs", &["-o", "out.bin"]), ENV, b"").expect(1);
    assert!(
        r.stderr.contains("[stream_authentication_failed]"),
        "{}",
        r.stderr
    );
    assert!(!d.path("out.bin").exists());

    // To standard output the verified chunks are released as they verify, and the failure
    // still exits 1 with the class and a word about what was written.
    let r = run_in(
        &d.0,
        &open_args("-", &[]),
        ENV,
        &sealed[..HEADER + 2 * FRAME],
    )
    .expect(1);
    assert!(
        r.stdout == data[..2 * 65_536],
        "two verified chunks released"
    );
    assert!(
        r.stderr.contains("[stream_violation/stream_truncated]"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("discard"), "{}", r.stderr);
}

#[test]
fn open_one_chunk() {
    let d = setup("stream-chunk");
    let data = payload(3 * 65_536 + 100);
    d.write("in.bin", &data);
    seal_file(&d, "in.bin", "s.srs");
    for (i, want) in [
        (0u64, &data[..65_536]),
        (2, &data[2 * 65_536..3 * 65_536]),
        (3, &data[3 * 65_536..]),
    ] {
        let idx = i.to_string();
        let r = run_in(&d.0, &open_args("s.srs", &["--chunk", &idx]), ENV, b"").expect(0);
        assert!(r.stdout == want, "chunk {i}");
    }
    let r = run_in(
        &d.0,
        &open_args("s.srs", &["--chunk", "3", "-o", "c.bin", "--json"]),
        ENV,
        b"",
    )
    .expect(0);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(v["is_final"], true);
    assert_eq!(v["plaintext_len"], 100);
    // Past the end: refused, with the chunk count.
    let r = run_in(&d.0, &open_args("s.srs", &["--chunk", "4"]), ENV, b"").expect(1);
    assert!(r.stderr.contains("stream_violation"), "{}", r.stderr);
    assert!(r.stderr.contains("4 chunk(s)"), "{}", r.stderr);
    // A chunk moved to another position does not open there.
    let sealed = std::fs::read(d.path("s.srs")).unwrap();
    let mut moved = sealed.clone();
    moved[HEADER..HEADER + FRAME].copy_from_slice(&sealed[HEADER + FRAME..HEADER + 2 * FRAME]);
    d.write("moved.srs", &moved);
    let r = run_in(&d.0, &open_args("moved.srs", &["--chunk", "0"]), ENV, b"").expect(1);
    assert!(
        r.stderr.contains("[stream_violation/chunk_reordered]"),
        "{}",
        r.stderr
    );
    // --chunk needs a file, and a stream.
    run_in(&d.0, &open_args("-", &["--chunk", "0"]), ENV, &sealed).expect(2);
    let rec = run_in(
        &d.0,
        &[
            "seal",
            "-k",
            "k.srk",
            RELAXED,
            "--context",
            "ctx",
            "--record",
            "-o",
            "r.srr",
            "in.bin",
        ],
        ENV,
        b"",
    )
    .expect(0);
    drop(rec);
    let r = run_in(&d.0, &open_args("r.srr", &["--chunk", "0"]), ENV, b"").expect(2);
    assert!(r.stderr.contains("not one"), "{}", r.stderr);
}

#[test]
fn another_keyring_is_refused_before_any_password() {
    let d = setup("stream-wrong-keyring");
    run_in(
        &d.0,
        &[
            "keyring",
            "create",
            "other.srk",
            "--iterations",
            "1000",
            RELAXED,
        ],
        ENV,
        b"",
    )
    .expect(0);
    d.write("in.bin", payload(1000));
    seal_file(&d, "in.bin", "s.srs");
    // No password source at all: the keyring check comes first.
    let r = run_in(
        &d.0,
        &[
            "open",
            "-k",
            "other.srk",
            RELAXED,
            "--context",
            "ctx",
            "s.srs",
        ],
        &[],
        b"",
    )
    .expect(1);
    assert!(r.stderr.contains("[wrong_keyring]"), "{}", r.stderr);
    assert!(
        r.stderr.contains("the stream was sealed with keyring"),
        "{}",
        r.stderr
    );
    // The wrong context: stream_authentication_failed, nothing written.
    let r = run_in(
        &d.0,
        &[
            "open",
            "-k",
            "k.srk",
            RELAXED,
            "--context",
            "other",
            "s.srs",
            "-o",
            "o.bin",
        ],
        ENV,
        b"",
    )
    .expect(1);
    assert!(
        r.stderr.contains("[stream_authentication_failed]"),
        "{}",
        r.stderr
    );
    assert!(!d.path("o.bin").exists());
}

#[test]
fn records_stay_behind_text_and_record() {
    let d = setup("stream-records");
    // --text: a record, text form; open detects it.
    let t = run_in(
        &d.0,
        &["seal", "-k", "k.srk", RELAXED, "--context", "ctx", "--text"],
        ENV,
        b"hello",
    )
    .expect(0);
    assert!(t.stdout.starts_with(b"srr1."));
    let o = run_in(&d.0, &open_args("-", &[]), ENV, &t.stdout).expect(0);
    assert_eq!(o.stdout, b"hello");
    // --record: binary record (a CBOR map of seven entries, object type 2).
    let b = run_in(
        &d.0,
        &[
            "seal",
            "-k",
            "k.srk",
            RELAXED,
            "--context",
            "ctx",
            "--record",
        ],
        ENV,
        b"hello",
    )
    .expect(0);
    assert_eq!(&b.stdout[..3], &[0xa7, 0x01, 0x02]);
    let o = run_in(&d.0, &open_args("-", &[]), ENV, &b.stdout).expect(0);
    assert_eq!(o.stdout, b"hello");
    // Over 16 MiB: --text refuses and points to the stream form.
    d.write("big.bin", vec![7u8; (16 << 20) + 1]);
    let r = run_in(
        &d.0,
        &[
            "seal", "-k", "k.srk", RELAXED, "--text", "big.bin", "-o", "big.srr",
        ],
        ENV,
        b"",
    )
    .expect(1);
    assert!(r.stderr.contains("plaintext_too_large"), "{}", r.stderr);
    assert!(r.stderr.contains("sealed stream"), "{}", r.stderr);
    assert!(!d.path("big.srr").exists());
    // The same file seals as a stream.
    seal_file(&d, "big.bin", "big.srs");
}

#[test]
fn inspect_shows_a_stream_header_and_chunk_count() {
    let d = setup("stream-inspect");
    d.write("in.bin", payload(2 * 65_536 + 7));
    seal_file(&d, "in.bin", "s.srs");
    let r = run_in(&d.0, &["inspect", "s.srs"], &[], b"")
        .expect(0)
        .out();
    assert!(r.starts_with("sealed stream (binary, "), "{r}");
    assert!(r.contains("chunks       3 "), "{r}");
    assert!(r.contains("payload      131079 bytes"), "{r}");
    let sealed = std::fs::read(d.path("s.srs")).unwrap();
    let v: serde_json::Value = serde_json::from_slice(
        &run_in(&d.0, &["inspect", "--json"], &[], &sealed)
            .expect(0)
            .stdout,
    )
    .unwrap();
    assert_eq!(v["object"], "stream");
    assert_eq!(v["chunks"], 3);
    assert_eq!(v["size"], sealed.len());
    assert_eq!(v["chunk_size"], 65_536);
    assert_eq!(v["header"].as_str().unwrap().len(), 2 * HEADER);
    let diag = run_in(&d.0, &["inspect", "s.srs", "--diag"], &[], b"")
        .expect(0)
        .out();
    assert!(diag.starts_with("{\n  1: 4,"), "{diag}");
    // A cut header: malformed/truncated.
    d.write("cut.srs", &sealed[..50]);
    let r = run_in(&d.0, &["inspect", "cut.srs"], &[], b"").expect(1);
    assert!(r.stderr.contains("malformed/truncated"), "{}", r.stderr);
}
