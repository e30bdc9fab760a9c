//! SIGKILL at random points of `open -o` and `seal -o` with multi-MiB data: an output is
//! either absent (or the old file) or complete; a new output leaves no temporary file and no
//! plaintext anywhere else; a replacement can leave its complete output under a temporary
//! name only if killed between link and rename, which the next run removes. On the portable path (named
//! temporaries, forced with $STRONGROOM_NO_TMPFILE) a killed run may leave its temporary,
//! and the next run removes it and says so.
//!
//! Half of the kills come at a random point of the whole run, half at a random point after
//! the output file was seen open (through /proc), so that the write itself is hit often.
//! The delays come from a generator seeded by the clock; the seed is printed, and
//! STRONGROOM_KILL_SEED=N repeats the choice of delays.
#![cfg(unix)]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{TempDir, bin, run_in};

const RELAXED: &str = "--unsafe-relaxed-policy";
/// Runs per scenario; four scenarios.
const KILLS: usize = 8;
const PLAINTEXT_LEN: usize = 12 * 1024 * 1024;

/// xorshift64*: enough to spread kill times, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in [0, max).
    fn below(&mut self, max: Duration) -> Duration {
        let nanos = max.as_nanos().max(1) as u64;
        Duration::from_nanos(self.next() % nanos)
    }
}

fn command(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(bin());
    cmd.current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, _) in std::env::vars() {
        if k.starts_with("STRONGROOM_") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// When, in a complete run, the output starts being written and when the run ends: the
/// means of three runs watched through /proc (without /proc the write is taken to start
/// halfway).
fn calibrate(
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    reset: impl Fn(),
) -> (Duration, Duration) {
    let mut write_start = Duration::ZERO;
    let mut end = Duration::ZERO;
    for _ in 0..3 {
        reset();
        let t = Instant::now();
        let mut child = command(dir, args, env).spawn().unwrap();
        let mut seen = None;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if seen.is_none() && writing_output(child.id(), dir) {
                seen = Some(t.elapsed());
            }
            std::thread::sleep(Duration::from_micros(100));
        };
        assert!(status.success(), "{args:?}");
        let e = t.elapsed();
        end += e;
        write_start += seen.unwrap_or(e / 2);
    }
    (write_start / 3, end / 3)
}

/// How a run ended.
#[derive(PartialEq)]
enum End {
    /// It finished before the kill.
    Finished,
    /// Killed; had it an output file open (unnamed, or a named temporary) at that moment?
    Killed { writing: bool },
}

/// When to kill.
enum When {
    /// This long after the start.
    After(Duration),
    /// This long after the output file was first seen open.
    AfterWriteStarts(Duration),
}

/// Starts the command and kills it (SIGKILL, through its own Child handle) as `when` says,
/// unless it ended first.
fn run_and_kill(dir: &Path, args: &[&str], env: &[(&str, &str)], when: When) -> End {
    let mut child = command(dir, args, env).spawn().unwrap();
    let start = Instant::now();
    let mut deadline = match when {
        When::After(d) => Some(start + d),
        When::AfterWriteStarts(_) => None,
    };
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{args:?} failed on its own: {status}");
            return End::Finished;
        }
        match (deadline, &when) {
            (None, When::AfterWriteStarts(d)) if writing_output(child.id(), dir) => {
                deadline = Some(Instant::now() + *d);
            }
            (Some(t), _) if Instant::now() >= t => {
                let writing = writing_output(child.id(), dir);
                child.kill().unwrap();
                child.wait().unwrap();
                return End::Killed { writing };
            }
            _ => {}
        }
        std::thread::sleep(Duration::from_micros(100));
    }
}

/// Whether process `pid` (our child) has a file open for the output: an unnamed one
/// (`O_TMPFILE` shows as `DIR/#INODE (deleted)`) or a named temporary, in `dir`. Linux
/// only; elsewhere `false`, and the figure is not reported.
fn writing_output(pid: u32, dir: &Path) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    let dir = dir.to_string_lossy().into_owned();
    fds.flatten().any(|fd| {
        std::fs::read_link(fd.path()).is_ok_and(|t| {
            let t = t.to_string_lossy();
            t.starts_with(&dir)
                && (t.contains(".tmp-")
                    || t.ends_with("(deleted)")
                    || t.ends_with("out.bin")
                    || t.ends_with("new.srr"))
        })
    })
}

/// Every file in `dir` that holds a piece of the plaintext (its first 4 KiB, or 4 KiB from
/// its middle), except `allowed`.
fn plaintext_holders(dir: &Path, plaintext: &[u8], allowed: &[&str]) -> Vec<String> {
    let head = &plaintext[..4096];
    let mid = &plaintext[PLAINTEXT_LEN / 2..PLAINTEXT_LEN / 2 + 4096];
    let mut found = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if allowed.contains(&name.as_str()) || !e.file_type().unwrap().is_file() {
            continue;
        }
        let bytes = std::fs::read(e.path()).unwrap();
        let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        if !bytes.is_empty() && (has(head) || has(mid)) {
            found.push(name);
        }
    }
    found
}

fn temporaries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    v.sort();
    v
}

#[test]
fn sigkill_leaves_no_temporary_and_no_plaintext() {
    let seed = std::env::var("STRONGROOM_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("kill test: seed {seed} (STRONGROOM_KILL_SEED={seed} repeats it)");
    let mut rng = Rng(seed);
    let d = TempDir::new("kill");
    let state = d.path("state");
    let state = state.to_str().unwrap();
    let env = [("STRONGROOM_STATE_DIR", state)];
    let named = [
        ("STRONGROOM_STATE_DIR", state),
        ("STRONGROOM_NO_TMPFILE", "1"),
    ];
    let p = d.write("pw", "pw\n").to_string_lossy().into_owned();
    run_in(
        &d.0,
        &[
            "keyring",
            "create",
            "k.srk",
            "--password-file",
            &p,
            "--iterations",
            "1000",
            RELAXED,
        ],
        &env,
        b"",
    )
    .expect(0);
    // Not compressible, recognisable anywhere.
    let mut fill = Rng(0x5eed);
    let plaintext: Vec<u8> = (0..PLAINTEXT_LEN / 8)
        .flat_map(|_| fill.next().to_le_bytes())
        .collect();
    d.write("plain.bin", &plaintext);
    run_in(
        &d.0,
        &[
            "seal",
            "-k",
            "k.srk",
            "plain.bin",
            "-o",
            "r.srr",
            "--password-file",
            &p,
            RELAXED,
        ],
        &env,
        b"",
    )
    .expect(0);
    let record = std::fs::read(d.path("r.srr")).unwrap();
    let old = b"the previous contents of out.bin".to_vec();

    let open_new: &[&str] = &[
        "open",
        "-k",
        "k.srk",
        "r.srr",
        "-o",
        "out.bin",
        "--password-file",
        &p,
        RELAXED,
    ];
    let open_force: &[&str] = &[
        "open",
        "-k",
        "k.srk",
        "r.srr",
        "-o",
        "out.bin",
        "--force",
        "--password-file",
        &p,
        RELAXED,
    ];
    let seal_new: &[&str] = &[
        "seal",
        "-k",
        "k.srk",
        "plain.bin",
        "-o",
        "new.srr",
        "--password-file",
        &p,
        RELAXED,
    ];
    struct Scenario<'a> {
        name: &'a str,
        args: &'a [&'a str],
        env: &'a [(&'a str, &'a str)],
        before: Option<&'a [u8]>,
        output: &'a str,
    }
    let scenarios = [
        Scenario {
            name: "open -o (new file)",
            args: open_new,
            env: &env,
            before: None,
            output: "out.bin",
        },
        Scenario {
            name: "open -o --force (replacing a file)",
            args: open_force,
            env: &env,
            before: Some(&old),
            output: "out.bin",
        },
        Scenario {
            name: "seal -o (new file)",
            args: seal_new,
            env: &env,
            before: None,
            output: "new.srr",
        },
        Scenario {
            name: "open -o --force, named temporaries ($STRONGROOM_NO_TMPFILE)",
            args: open_force,
            env: &named,
            before: Some(&old),
            output: "out.bin",
        },
    ];
    let allowed = ["pw", "plain.bin", "out.bin"];
    let mut report = Vec::new();
    for s in &scenarios {
        let reset = || {
            let _ = std::fs::remove_file(d.path(s.output));
            if let Some(b) = s.before {
                std::fs::write(d.path(s.output), b).unwrap();
            }
        };
        let (write_start, full) = calibrate(&d.0, s.args, s.env, reset);
        let (mut killed, mut writing, mut absent, mut complete) = (0, 0, 0, 0);
        let (mut left, mut left_plain, mut cleaned) = (0, 0, 0);
        for k in 0..KILLS {
            reset();
            let when = if k % 2 == 0 {
                When::After(rng.below(full.mul_f64(1.1)))
            } else {
                When::AfterWriteStarts(rng.below(full.saturating_sub(write_start) / 2))
            };
            if let End::Killed { writing: w } = run_and_kill(&d.0, s.args, s.env, when) {
                killed += 1;
                writing += usize::from(w);
            }
            // The output: all or nothing.
            let want: &[u8] = if s.output == "new.srr" {
                &record
            } else {
                &plaintext
            };
            match std::fs::read(d.path(s.output)) {
                Err(_) => absent += 1,
                Ok(b) if Some(&b[..]) == s.before => absent += 1,
                Ok(b) if s.output == "new.srr" => {
                    // A fresh record: another salt and nonce, the same length.
                    assert_eq!(b.len(), want.len(), "{}: partial record", s.name);
                    complete += 1;
                }
                Ok(b) => {
                    assert!(b == want, "{}: partial output", s.name);
                    complete += 1;
                }
            }
            let temps = temporaries(&d.0);
            let holders = plaintext_holders(&d.0, &plaintext, &allowed);
            left += temps.len();
            left_plain += holders.len();
            if s.env.len() == 1 {
                // With unnamed files, a new output never has another name, and a
                // replacement has one only between its link and its rename, complete.
                if s.before.is_none() {
                    assert!(temps.is_empty(), "{}: left {temps:?}", s.name);
                    assert!(holders.is_empty(), "{}: plaintext in {holders:?}", s.name);
                }
                for t in &temps {
                    let b = std::fs::read(d.path(t)).unwrap();
                    assert!(b == want, "{}: {t} is not the complete output", s.name);
                }
            }
            if !temps.is_empty() {
                // The next run, of any command, removes them and says so.
                let r = run_in(&d.0, &["keyring", "info", "k.srk"], &env, b"").expect(0);
                assert!(r.stderr.contains("removed"), "{}", r.stderr);
                cleaned += temps.len();
                assert_eq!(temporaries(&d.0), Vec::<String>::new(), "{}", r.stderr);
                assert_eq!(
                    plaintext_holders(&d.0, &plaintext, &allowed),
                    Vec::<String>::new()
                );
            }
        }
        report.push(format!(
            "{}: {KILLS} runs (full run {:.0} ms, output written from {:.0} ms), {killed} killed, {writing} of them while \
             writing the output; output absent or old {absent}, complete {complete}, partial 0; \
             temporaries left {left} (holding plaintext {left_plain}), removed by the next run \
             {cleaned}; plaintext found outside a complete output after that: 0",
            s.name,
            full.as_secs_f64() * 1000.0,
            write_start.as_secs_f64() * 1000.0
        ));
    }
    for r in report {
        eprintln!("kill test: {r}");
    }
}
