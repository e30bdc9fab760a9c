//! `strongroom conformance`: drives an implementation over every vector through the
//! protocol of CONFORMANCE.md and sorts each case into pass, skip, known deviation,
//! unexpected failure or unexpected success.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::{Value, json};

use crate::adapter;
use crate::fail::{CliError, CliResult};
use crate::report::{self, Outcome, Report};
use crate::suite::{self, Case, Deviation, Expect};

/// Help text.
pub const HELP: &str = "\
Examples:
  strongroom conformance --impl 'strongroom adapter'
  strongroom conformance --impl 'python3 port/adapter.py' --allow port/deviations.json \\
      --junit conformance.xml --json conformance.json
  strongroom conformance --impl './adapter' --vectors path/to/vectors --timeout 60

COMMAND is run with `sh -c`, speaks CONFORMANCE.md's protocol (one JSON request per line
on its stdin, one JSON answer per line on its stdout) and is restarted after a crash,
a timeout or an answer that is not protocol. An adapter whose DEK cannot be exported
answers `dek_fingerprint` for `dek` (CONFORMANCE.md section 3.1). Exit status 4 when any
case is an unexpected failure or an unexpected success; known deviations (listed with a
reason in --allow FILE) and skips (operations the implementation declares it does not
support) do not fail.";

/// `conformance` options.
#[derive(Args)]
pub struct ConformanceArgs {
    /// The implementation's adapter command line (run with `sh -c`).
    #[arg(long = "impl", value_name = "COMMAND")]
    pub implementation: String,
    /// The vector directory.
    #[arg(long, value_name = "DIR", default_value = "vectors")]
    pub vectors: PathBuf,
    /// Allowed deviations: vector ids with a reason each (format in vectors/README.md).
    #[arg(long, value_name = "FILE")]
    pub allow: Option<PathBuf>,
    /// Seconds one case may take before the implementation is killed.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub timeout: f64,
    /// Only cases whose id contains this text.
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// Write a JUnit XML report to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a JSON report to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Count skipped cases as failures (for an implementation meant to be complete).
    #[arg(long)]
    pub no_skips: bool,
    /// Also run vectors flagged `Slow`.
    #[arg(long)]
    pub slow: bool,
    /// Print every case, not only the unexpected ones.
    #[arg(short, long)]
    pub verbose: bool,
}

/// What came back for one case.
#[derive(Debug)]
pub enum Answer {
    /// A JSON object with the right id.
    Response(Value),
    /// The process ended before answering.
    Crashed(String),
    /// No answer within the timeout.
    TimedOut(Duration),
    /// A line that is not a protocol answer for this request.
    Garbage(String),
}

/// Something that answers protocol requests.
pub trait Implementation {
    /// Sends one request and waits for its answer.
    fn ask(&mut self, request: &Value) -> Answer;
    /// Operations the implementation declared in its `hello` answer.
    fn ops(&self) -> &BTreeSet<String>;
    /// The implementation's name from `hello`.
    fn name(&self) -> &str;
}

/// The built-in implementation, called in-process (`vectors verify`).
pub struct InProcess {
    ops: BTreeSet<String>,
}

impl InProcess {
    /// The built-in adapter.
    pub fn new() -> Self {
        InProcess {
            ops: adapter::operations()
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }
}

impl Implementation for InProcess {
    fn ask(&mut self, request: &Value) -> Answer {
        Answer::Response(adapter::handle(request))
    }
    fn ops(&self) -> &BTreeSet<String> {
        &self.ops
    }
    fn name(&self) -> &str {
        "built-in (in-process)"
    }
}

/// Lines from the child's stdout, read on a thread so that waiting can time out.
enum Line {
    Text(String),
    TooLong,
    Eof,
}

/// Longest answer line accepted: a 16 MiB plaintext in hex plus room.
const MAX_LINE: u64 = 40 * 1024 * 1024;
/// Bytes of the child's stderr kept for crash reports.
const STDERR_TAIL: usize = 2000;
/// Lines of that tail shown when the implementation does not answer `hello`.
const HELLO_STDERR_LINES: usize = 20;

struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Line>,
    stderr: Arc<Mutex<Vec<u8>>>,
}

/// An implementation run as a child process.
pub struct Process {
    command: String,
    timeout: Duration,
    running: Option<Running>,
    ops: BTreeSet<String>,
    name: String,
    /// How many times the process was (re)started.
    pub starts: usize,
}

impl Process {
    /// Starts the command and exchanges `hello`.
    pub fn start(command: &str, timeout: Duration) -> CliResult<Self> {
        let mut p = Process {
            command: command.to_string(),
            timeout,
            running: None,
            ops: BTreeSet::new(),
            name: String::new(),
            starts: 0,
        };
        p.restart()?;
        Ok(p)
    }

    fn spawn(&self) -> std::io::Result<Running> {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(&self.command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        #[cfg(unix)]
        {
            // Its own process group, so a timeout kills the whole adapter, shell and all.
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        let mut child = cmd.spawn()?;
        let stdin = child.stdin.take();
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| std::io::Error::other("no stdout pipe"))?;
        let mut stderr = child
            .stderr
            .take()
            .ok_or_else(|| std::io::Error::other("no stderr pipe"))?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut buf = Vec::new();
                match (&mut reader).take(MAX_LINE).read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => {
                        let _ = tx.send(Line::Eof);
                        return;
                    }
                    Ok(_) if buf.last() != Some(&b'\n') && buf.len() as u64 >= MAX_LINE => {
                        let _ = tx.send(Line::TooLong);
                        return;
                    }
                    Ok(_) => {
                        let text = String::from_utf8_lossy(&buf).trim_end().to_string();
                        if tx.send(Line::Text(text)).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        let tail = Arc::new(Mutex::new(Vec::new()));
        let tail_w = Arc::clone(&tail);
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                if let Ok(mut t) = tail_w.lock() {
                    t.extend_from_slice(&chunk[..n]);
                    let excess = t.len().saturating_sub(STDERR_TAIL);
                    t.drain(..excess);
                }
            }
        });
        Ok(Running {
            child,
            stdin,
            lines: rx,
            stderr: tail,
        })
    }

    /// (Re)starts the process and says hello; a failed hello is fatal for the run.
    fn restart(&mut self) -> CliResult<()> {
        self.kill();
        let running = self
            .spawn()
            .map_err(|e| CliError::io(format!("starting {:?}", self.command), e))?;
        self.running = Some(running);
        self.starts += 1;
        let hello = json!({"id": "hello", "op": "hello", "args": {"protocol": adapter::PROTOCOL}});
        match self.exchange(&hello) {
            Answer::Response(v) if v.get("result").and_then(Value::as_str) == Some("success") => {
                let out = v.get("output").cloned().unwrap_or(Value::Null);
                self.name = out
                    .get("implementation")
                    .and_then(Value::as_str)
                    .unwrap_or("unnamed implementation")
                    .to_string();
                let protocol = out.get("protocol");
                if protocol.and_then(Value::as_u64) != Some(adapter::PROTOCOL) {
                    let theirs =
                        protocol.map_or_else(|| "no protocol".into(), |p| format!("protocol {p}"));
                    return Err(CliError::Nonconforming(format!(
                        "{:?} speaks {theirs}, this runner speaks protocol {}",
                        self.command,
                        adapter::PROTOCOL
                    )));
                }
                self.ops = out
                    .get("operations")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|o| o.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                Ok(())
            }
            other => {
                // A porter's first failure is usually the adapter not starting at all
                // ("Cannot find module ..."): its own words are the useful part.
                let tail = self.stderr_tail();
                let mut msg = format!(
                    "{:?} did not answer hello: {}",
                    self.command,
                    describe(&other)
                );
                if tail.is_empty() {
                    msg.push_str(" (nothing on its standard error)");
                } else {
                    let lines: Vec<&str> = tail.lines().collect();
                    let shown = &lines[lines.len().saturating_sub(HELLO_STDERR_LINES)..];
                    msg.push_str(&format!(
                        "\nits standard error (last {} lines):",
                        shown.len()
                    ));
                    for l in shown {
                        msg.push_str("\n  | ");
                        msg.push_str(&clip(&crate::term::line(l), 200));
                    }
                }
                Err(CliError::Nonconforming(msg))
            }
        }
    }

    fn stderr_tail(&self) -> String {
        let Some(r) = &self.running else {
            return String::new();
        };
        // Give the stderr thread a moment to collect the last words of a crashed process.
        std::thread::sleep(Duration::from_millis(50));
        let bytes = r.stderr.lock().map(|t| t.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).trim().to_string()
    }

    fn kill(&mut self) {
        if let Some(mut r) = self.running.take() {
            drop(r.stdin.take());
            #[cfg(unix)]
            {
                // The whole process group (the adapter may be a shell pipeline). Through
                // kill(2) directly: procps-ng's kill(1) reads `kill -KILL -12345` as
                // `kill(-1, SIGKILL)`, every process of the user. The child is the leader of
                // its own group (process_group(0) above), and a pid of 0 or 1 is never used.
                if let Some(pgid) = i32::try_from(r.child.id())
                    .ok()
                    .filter(|p| *p > 1)
                    .and_then(rustix::process::Pid::from_raw)
                {
                    let _ =
                        rustix::process::kill_process_group(pgid, rustix::process::Signal::KILL);
                }
            }
            let _ = r.child.kill();
            let _ = r.child.wait();
        }
    }

    /// Writes one request and reads one line, within the timeout.
    fn exchange(&mut self, request: &Value) -> Answer {
        let timeout = self.timeout;
        let Some(r) = self.running.as_mut() else {
            return Answer::Crashed("not running".into());
        };
        let mut line = request.to_string();
        line.push('\n');
        // A writer thread: a hung implementation that stops reading must not hang us.
        if let Some(mut stdin) = r.stdin.take() {
            let (done_tx, done_rx) = mpsc::channel();
            std::thread::spawn(move || {
                let ok = stdin
                    .write_all(line.as_bytes())
                    .and_then(|()| stdin.flush());
                let _ = done_tx.send((stdin, ok.is_ok()));
            });
            match done_rx.recv_timeout(timeout) {
                Ok((stdin, true)) => r.stdin = Some(stdin),
                Ok((_, false)) => {
                    // Broken pipe: the process is gone; its exit is reported below.
                }
                Err(_) => return Answer::TimedOut(timeout),
            }
        }
        let started = Instant::now();
        match r.lines.recv_timeout(timeout) {
            Ok(Line::Text(text)) => parse_answer(&text, request),
            Ok(Line::TooLong) => Answer::Garbage(format!("an answer line over {MAX_LINE} bytes")),
            Ok(Line::Eof) | Err(RecvTimeoutError::Disconnected) => {
                let status = wait_briefly(&mut r.child);
                Answer::Crashed(status)
            }
            Err(RecvTimeoutError::Timeout) => Answer::TimedOut(started.elapsed()),
        }
    }
}

/// The exit status of a process that closed its stdout, if it exits soon.
fn wait_briefly(child: &mut Child) -> String {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return describe_status(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => return "closed its output without exiting".into(),
        }
    }
}

fn describe_status(status: std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return format!("killed by signal {sig}");
        }
    }
    match status.code() {
        Some(c) => format!("exited with status {c}"),
        None => "exited".into(),
    }
}

fn parse_answer(text: &str, request: &Value) -> Answer {
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return Answer::Garbage(format!("not JSON: {}", clip(text, 120)));
    };
    if !v.is_object() {
        return Answer::Garbage(format!("not a JSON object: {}", clip(text, 120)));
    }
    if v.get("id") != request.get("id") {
        return Answer::Garbage(format!(
            "answer for id {} while id {} was asked",
            v.get("id").unwrap_or(&Value::Null),
            request.get("id").unwrap_or(&Value::Null)
        ));
    }
    Answer::Response(v)
}

/// Shortens a string for a one-line message.
pub fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}...", s.chars().take(n).collect::<String>())
    }
}

fn describe(a: &Answer) -> String {
    match a {
        Answer::Response(v) => clip(&v.to_string(), 200),
        Answer::Crashed(s) => format!("the implementation {s}"),
        Answer::TimedOut(d) => format!("no answer within {:.1} s", d.as_secs_f64()),
        Answer::Garbage(s) => format!("garbage answer: {s}"),
    }
}

impl Implementation for Process {
    fn ask(&mut self, request: &Value) -> Answer {
        let answer = self.exchange(request);
        let broken = match &answer {
            Answer::Response(_) => false,
            Answer::Crashed(s) => {
                let tail = self.stderr_tail();
                let answer = if tail.is_empty() {
                    Answer::Crashed(s.clone())
                } else {
                    Answer::Crashed(format!("{s}; stderr: {}", clip(&tail, 300)))
                };
                if self.restart().is_err() {
                    self.running = None;
                }
                return answer;
            }
            Answer::TimedOut(_) | Answer::Garbage(_) => true,
        };
        if broken {
            // The stream is out of step (or the process is stuck): start afresh so the
            // next vector is judged on its own.
            if self.restart().is_err() {
                self.running = None;
            }
        }
        answer
    }
    fn ops(&self) -> &BTreeSet<String> {
        &self.ops
    }
    fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Judges one answer against the expectation.
pub fn judge(expect: &Expect, answer: &Answer, ignore: &[String]) -> Outcome {
    let v = match answer {
        Answer::Response(v) => v,
        other => return Outcome::UnexpectedFailure(describe(other)),
    };
    let result = v.get("result").and_then(Value::as_str).unwrap_or("");
    match (result, expect) {
        ("unsupported", _) => {
            Outcome::Skip("the implementation does not support this operation".into())
        }
        ("protocol_error", _) => Outcome::UnexpectedFailure(format!(
            "adapter reported a protocol error: {}",
            v.get("message")
                .and_then(Value::as_str)
                .unwrap_or("(no message)")
        )),
        ("success", Expect::Success { outputs }) => {
            let empty = serde_json::Map::new();
            let got = v.get("output").and_then(Value::as_object).unwrap_or(&empty);
            for (k, want) in outputs {
                if ignore
                    .iter()
                    .any(|f| f.strip_prefix("output.") == Some(k.as_str()))
                {
                    continue;
                }
                // A port that cannot export the DEK answers its fingerprint instead
                // (CONFORMANCE.md section 3.1); an answer with both is checked on both.
                if k == "dek"
                    && let Some(g) = got.get("dek_fingerprint")
                {
                    let expected = want
                        .as_str()
                        .and_then(|d| hex::decode(d).ok())
                        .map(|d| adapter::dek_fingerprint(&d));
                    let Some(expected) = expected else {
                        return Outcome::UnexpectedFailure(format!(
                            "the vector's output \"dek\" is not hex: {}",
                            clip(&want.to_string(), 80)
                        ));
                    };
                    if g.as_str() != Some(expected.as_str()) {
                        return Outcome::UnexpectedFailure(format!(
                            "output \"dek_fingerprint\" differs: expected {} (the \
                             fingerprint of the expected dek), got {}",
                            clip(&Value::String(expected).to_string(), 80),
                            clip(&g.to_string(), 80)
                        ));
                    }
                    if !got.contains_key("dek") {
                        continue;
                    }
                }
                match got.get(k) {
                    Some(g) if g == want => {}
                    Some(g) => {
                        return Outcome::UnexpectedFailure(format!(
                            "output {k:?} differs: expected {}, got {}",
                            clip(&want.to_string(), 80),
                            clip(&g.to_string(), 80)
                        ));
                    }
                    None if k == "dek" => {
                        return Outcome::UnexpectedFailure(
                            "success without the output \"dek\" or \"dek_fingerprint\"".into(),
                        );
                    }
                    None => {
                        return Outcome::UnexpectedFailure(format!(
                            "success without the output {k:?}"
                        ));
                    }
                }
            }
            Outcome::Pass
        }
        ("success", Expect::Error { class, reason, .. }) => Outcome::UnexpectedSuccess(format!(
            "expected {}, got success",
            suite::show_class(class, reason.as_deref())
        )),
        ("error", expected) => {
            let got_class = v.get("class").and_then(Value::as_str).unwrap_or("");
            let got_reason = v.get("reason").and_then(Value::as_str);
            if v.get("output").is_some_and(|o| !o.is_null()) {
                // SPEC.md: a failed operation releases nothing (no plaintext, no key).
                return Outcome::UnexpectedFailure(format!(
                    "error {} carries output (released data on failure)",
                    suite::show_class(got_class, got_reason)
                ));
            }
            match expected {
                Expect::Error {
                    class,
                    reason,
                    released,
                } if class == got_class && reason.as_deref() == got_reason => {
                    // open_stream: an adapter that releases chunks states how many it released
                    // before the failure; one that opens all or nothing states nothing
                    // (vectors/README.md section 4.2).
                    match (released, v.get("released_chunks")) {
                        (_, None) => Outcome::Pass,
                        (Some(want), Some(got)) if got.as_u64() == Some(*want) => Outcome::Pass,
                        (want, Some(got)) => Outcome::UnexpectedFailure(format!(
                            "expected {} chunk(s) released before the failure, got {}",
                            want.map_or_else(|| "no".to_string(), |n| n.to_string()),
                            clip(&got.to_string(), 40)
                        )),
                    }
                }
                Expect::Error { class, reason, .. } => Outcome::UnexpectedFailure(format!(
                    "expected {}, got {}",
                    suite::show_class(class, reason.as_deref()),
                    suite::show_class(got_class, got_reason)
                )),
                Expect::Success { .. } => Outcome::UnexpectedFailure(format!(
                    "expected success, got {}",
                    suite::show_class(got_class, got_reason)
                )),
            }
        }
        _ => Outcome::UnexpectedFailure(format!(
            "answer has no valid \"result\": {}",
            clip(&v.to_string(), 120)
        )),
    }
}

/// Whether an allowed deviation covers what happened.
fn deviation_covers(dev: &Deviation, expect: &Expect, answer: &Answer) -> bool {
    if dev.fields.is_empty() && dev.actual.is_none() {
        return true;
    }
    if !dev.fields.is_empty() && judge(expect, answer, &dev.fields) == Outcome::Pass {
        return true;
    }
    if let (Some(actual), Answer::Response(v)) = (&dev.actual, answer) {
        let same =
            |k: &str| actual.get(k).and_then(Value::as_str) == v.get(k).and_then(Value::as_str);
        return same("result") && same("class") && same("reason");
    }
    false
}

/// Runs every case through `imp` and collects the report. `filtered`: only part of the
/// suite runs, so allowed deviations for absent cases are not stale.
pub fn run_cases(
    imp: &mut dyn Implementation,
    cases: &[Case],
    allowed: &BTreeMap<String, Deviation>,
    filtered: bool,
    mut progress: impl FnMut(usize, usize),
) -> Report {
    let mut report = Report::new(imp.name());
    for (n, case) in cases.iter().enumerate() {
        progress(n, cases.len());
        let op = case.request.get("op").and_then(Value::as_str).unwrap_or("");
        let started = Instant::now();
        let dev = allowed.get(&case.id);
        let outcome = if let Some(why) = &case.broken {
            Outcome::UnexpectedFailure(why.clone())
        } else if let Some(why) = &case.skip {
            Outcome::Skip(why.clone())
        } else if !imp.ops().contains(op) {
            Outcome::Skip(format!("the implementation does not list operation {op:?}"))
        } else {
            let mut req = case.request.clone();
            req["id"] = json!(case.id);
            let answer = imp.ask(&req);
            match (judge(&case.expect, &answer, &[]), dev) {
                (Outcome::Pass, Some(_)) => Outcome::UnexpectedSuccess(
                    "passes, but the allowed-deviations file lists it: remove the entry".into(),
                ),
                (Outcome::UnexpectedFailure(d) | Outcome::UnexpectedSuccess(d), Some(dev))
                    if deviation_covers(dev, &case.expect, &answer) =>
                {
                    Outcome::KnownDeviation {
                        reason: dev.reason.clone(),
                        detail: d,
                    }
                }
                (Outcome::UnexpectedFailure(d), Some(_)) => Outcome::UnexpectedFailure(format!(
                    "{d} (listed as a deviation, but not this one)"
                )),
                (Outcome::UnexpectedSuccess(d), Some(_)) => Outcome::UnexpectedSuccess(format!(
                    "{d} (listed as a deviation, but not this one)"
                )),
                (o, _) => o,
            }
        };
        report.push(case, outcome, started.elapsed());
    }
    progress(cases.len(), cases.len());
    if !filtered {
        report.note_unknown_deviations(allowed);
    }
    report
}

/// Runs `conformance`.
pub fn run(a: ConformanceArgs) -> CliResult<()> {
    let loaded = suite::load_with(&a.vectors, a.slow)?;
    let cases = suite::filter(loaded.cases, a.filter.as_deref());
    let allowed = match &a.allow {
        Some(p) => suite::load_deviations(p)?,
        None => BTreeMap::new(),
    };
    if !(a.timeout > 0.0 && a.timeout.is_finite()) {
        return Err(CliError::usage(
            "--timeout must be a positive number of seconds",
        ));
    }
    let mut imp = Process::start(&a.implementation, Duration::from_secs_f64(a.timeout))?;
    let started = Instant::now();
    let mut line = report::ProgressLine::new();
    let filtered = a.filter.is_some();
    let mut rep = run_cases(&mut imp, &cases, &allowed, filtered, |i, n| {
        line.update(i, n)
    });
    line.finish();
    rep.elapsed = started.elapsed();
    rep.restarts = imp.starts.saturating_sub(1);
    rep.finish_and_print(
        &a.implementation,
        a.verbose,
        a.no_skips,
        a.junit.as_deref(),
        a.json.as_deref(),
    )
}
