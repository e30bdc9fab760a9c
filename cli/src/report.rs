//! Results of a vector run: the readable summary, JUnit XML and JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

use serde_json::json;

use crate::fail::{CliError, CliResult};
use crate::files;
use crate::suite::{Case, Deviation};

/// Where one case ended up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The answer matched the expected outcome class (and reason, and bytes).
    Pass,
    /// Not run: the implementation does not support the operation, or the vector asks to.
    Skip(String),
    /// Failed, but listed in the allowed-deviations file.
    KnownDeviation {
        /// The reason given in the file.
        reason: String,
        /// What actually happened.
        detail: String,
    },
    /// An error, a crash, a timeout, garbage, or wrong bytes where the vector says otherwise.
    UnexpectedFailure(String),
    /// Success where the vector expects an error.
    UnexpectedSuccess(String),
}

impl Outcome {
    /// The outcome class name used in reports.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Skip(_) => "skip",
            Outcome::KnownDeviation { .. } => "known_deviation",
            Outcome::UnexpectedFailure(_) => "unexpected_failure",
            Outcome::UnexpectedSuccess(_) => "unexpected_success",
        }
    }

    fn detail(&self) -> String {
        match self {
            Outcome::Pass => String::new(),
            Outcome::Skip(s) | Outcome::UnexpectedFailure(s) | Outcome::UnexpectedSuccess(s) => {
                s.clone()
            }
            Outcome::KnownDeviation { reason, detail } => format!("{detail} (allowed: {reason})"),
        }
    }

    fn unexpected(&self) -> bool {
        matches!(
            self,
            Outcome::UnexpectedFailure(_) | Outcome::UnexpectedSuccess(_)
        )
    }
}

/// One case's result.
#[derive(Debug)]
pub struct CaseResult {
    /// Vector file name.
    pub file: String,
    /// Case id.
    pub id: String,
    /// Protocol operation.
    pub op: String,
    /// The vector's description.
    pub description: String,
    /// Expected outcome, as text.
    pub expected: String,
    /// Where it ended up.
    pub outcome: Outcome,
    /// Time taken.
    pub elapsed: Duration,
}

/// A whole run.
#[derive(Debug)]
pub struct Report {
    /// The implementation's name (from `hello`).
    pub implementation: String,
    /// Every case, in order.
    pub results: Vec<CaseResult>,
    /// Allowed deviations that did not occur (passing now, or no such case).
    pub stale: Vec<String>,
    /// Wall time.
    pub elapsed: Duration,
    /// Restarts of the implementation after crashes, timeouts or garbage.
    pub restarts: usize,
}

const CLASSES: [&str; 5] = [
    "pass",
    "skip",
    "known_deviation",
    "unexpected_failure",
    "unexpected_success",
];

impl Report {
    /// An empty report.
    pub fn new(implementation: &str) -> Self {
        Report {
            implementation: implementation.to_string(),
            results: Vec::new(),
            stale: Vec::new(),
            elapsed: Duration::ZERO,
            restarts: 0,
        }
    }

    /// Adds a case.
    pub fn push(&mut self, case: &Case, outcome: Outcome, elapsed: Duration) {
        self.results.push(CaseResult {
            file: case.file.clone(),
            id: case.id.clone(),
            op: case
                .request
                .get("op")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string(),
            description: case.description.clone(),
            expected: case.expect.to_string(),
            outcome,
            elapsed,
        });
    }

    /// Records allowed deviations whose vector is not in the suite at all.
    pub fn note_unknown_deviations(&mut self, allowed: &BTreeMap<String, Deviation>) {
        for id in allowed.keys() {
            if !self.results.iter().any(|r| &r.id == id) {
                self.stale.push(id.clone());
            }
        }
    }

    /// Counts per file and class.
    pub fn counts(&self) -> BTreeMap<String, [usize; 5]> {
        let mut m: BTreeMap<String, [usize; 5]> = BTreeMap::new();
        for r in &self.results {
            let idx = CLASSES
                .iter()
                .position(|c| *c == r.outcome.name())
                .unwrap_or(0);
            m.entry(r.file.clone()).or_default()[idx] += 1;
        }
        m
    }

    fn totals(&self) -> [usize; 5] {
        let mut t = [0usize; 5];
        for c in self.counts().values() {
            for i in 0..5 {
                t[i] += c[i];
            }
        }
        t
    }

    /// The readable summary.
    pub fn summary(&self, label: &str, verbose: bool) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "implementation: {} ({label})", self.implementation);
        let width = self
            .counts()
            .keys()
            .map(|k| k.len())
            .chain([5])
            .max()
            .unwrap_or(5);
        let _ = writeln!(
            s,
            "{:<width$}  {:>6}  {:>6}  {:>6}  {:>10}  {:>10}  {:>10}",
            "file", "cases", "pass", "skip", "known dev", "unexp fail", "unexp succ"
        );
        let row = |s: &mut String, name: &str, c: &[usize; 5]| {
            let total: usize = c.iter().sum();
            let _ = writeln!(
                s,
                "{name:<width$}  {total:>6}  {:>6}  {:>6}  {:>10}  {:>10}  {:>10}",
                c[0], c[1], c[2], c[3], c[4]
            );
        };
        for (file, c) in self.counts() {
            row(&mut s, &file, &c);
        }
        row(&mut s, "total", &self.totals());
        for r in &self.results {
            let show = verbose || !matches!(r.outcome, Outcome::Pass | Outcome::Skip(_));
            if show {
                let tag = match &r.outcome {
                    Outcome::Pass => "PASS",
                    Outcome::Skip(_) => "SKIP",
                    Outcome::KnownDeviation { .. } => "KNOWN",
                    Outcome::UnexpectedFailure(_) => "FAIL",
                    Outcome::UnexpectedSuccess(_) => "UNEXPECTED SUCCESS",
                };
                let _ = writeln!(s, "{tag} {} [{}] {}", r.id, r.op, r.outcome.detail());
            }
        }
        for id in &self.stale {
            let _ = writeln!(
                s,
                "FAIL allowed deviation {id} names no vector in the suite; remove it from the list"
            );
        }
        let t = self.totals();
        let _ = writeln!(
            s,
            "{} passed, {} failed, {} skipped, {} known deviations ({:.1} s{})",
            t[0],
            t[3] + t[4],
            t[1],
            t[2],
            self.elapsed.as_secs_f64(),
            if self.restarts > 0 {
                format!(", implementation restarted {} times", self.restarts)
            } else {
                String::new()
            }
        );
        s
    }

    /// JUnit XML: one test suite per vector file; known deviations and skips are
    /// `<skipped>`, unexpected results `<failure>`.
    pub fn junit(&self) -> String {
        let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let t = self.totals();
        let _ = writeln!(
            s,
            "<testsuites name=\"strongroom conformance: {}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{:.3}\">",
            xml(&self.implementation),
            self.results.len(),
            t[3] + t[4],
            t[1] + t[2],
            self.elapsed.as_secs_f64()
        );
        let mut by_file: BTreeMap<&str, Vec<&CaseResult>> = BTreeMap::new();
        for r in &self.results {
            by_file.entry(&r.file).or_default().push(r);
        }
        for (file, rs) in by_file {
            let fails = rs.iter().filter(|r| r.outcome.unexpected()).count();
            let skipped = rs
                .iter()
                .filter(|r| matches!(r.outcome, Outcome::Skip(_) | Outcome::KnownDeviation { .. }))
                .count();
            let time: f64 = rs.iter().map(|r| r.elapsed.as_secs_f64()).sum();
            let _ = writeln!(
                s,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{fails}\" errors=\"0\" skipped=\"{skipped}\" time=\"{time:.3}\">",
                xml(file),
                rs.len()
            );
            for r in rs {
                let _ = write!(
                    s,
                    "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
                    xml(file),
                    xml(&format!("{} [{}] {}", r.id, r.op, r.description)),
                    r.elapsed.as_secs_f64()
                );
                match &r.outcome {
                    Outcome::Pass => s.push_str("/>\n"),
                    Outcome::Skip(d) => {
                        let _ = writeln!(
                            s,
                            ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                            xml(d)
                        );
                    }
                    Outcome::KnownDeviation { .. } => {
                        let _ = writeln!(
                            s,
                            ">\n      <skipped message=\"known deviation: {}\"/>\n    </testcase>",
                            xml(&r.outcome.detail())
                        );
                    }
                    Outcome::UnexpectedFailure(d) | Outcome::UnexpectedSuccess(d) => {
                        let _ = writeln!(
                            s,
                            ">\n      <failure type=\"{}\" message=\"{}\">expected {}: {}</failure>\n    </testcase>",
                            r.outcome.name(),
                            xml(d),
                            xml(&r.expected),
                            xml(d)
                        );
                    }
                }
            }
            s.push_str("  </testsuite>\n");
        }
        s.push_str("</testsuites>\n");
        s
    }

    /// The JSON report.
    pub fn json(&self) -> serde_json::Value {
        let t = self.totals();
        let files: serde_json::Map<String, serde_json::Value> = self
            .counts()
            .into_iter()
            .map(|(f, c)| {
                let per: serde_json::Map<String, serde_json::Value> = CLASSES
                    .iter()
                    .zip(c)
                    .map(|(k, v)| (k.to_string(), json!(v)))
                    .collect();
                (f, serde_json::Value::Object(per))
            })
            .collect();
        let cases: Vec<_> = self
            .results
            .iter()
            .map(|r| {
                json!({
                    "file": r.file, "id": r.id, "op": r.op, "description": r.description,
                    "expected": r.expected, "outcome": r.outcome.name(),
                    "detail": r.outcome.detail(), "seconds": r.elapsed.as_secs_f64(),
                })
            })
            .collect();
        json!({
            "implementation": self.implementation,
            "protocol": crate::adapter::PROTOCOL,
            "totals": {
                "cases": self.results.len(), "pass": t[0], "skip": t[1], "known_deviation": t[2],
                "unexpected_failure": t[3], "unexpected_success": t[4],
            },
            "files": files,
            "stale_deviations": self.stale,
            "restarts": self.restarts,
            "seconds": self.elapsed.as_secs_f64(),
            "cases": cases,
        })
    }

    /// Prints the summary, writes the requested reports, and fails on unexpected results.
    pub fn finish_and_print(
        &self,
        label: &str,
        verbose: bool,
        no_skips: bool,
        junit: Option<&Path>,
        json_out: Option<&Path>,
    ) -> CliResult<()> {
        print!("{}", self.summary(label, verbose));
        let _ = std::io::stdout().flush();
        if let Some(p) = junit {
            files::write_atomic(p, self.junit().as_bytes())?;
        }
        if let Some(p) = json_out {
            let mut text = serde_json::to_string_pretty(&self.json()).unwrap_or_default();
            text.push('\n');
            files::write_atomic(p, text.as_bytes())?;
        }
        let t = self.totals();
        let unexpected = t[3] + t[4];
        if !self.stale.is_empty() {
            return Err(CliError::Nonconforming(format!(
                "{} allowed deviation(s) name no vector in the suite",
                self.stale.len()
            )));
        }
        if unexpected > 0 {
            return Err(CliError::Nonconforming(format!(
                "{unexpected} unexpected result(s) ({} unexpected failures, {} unexpected successes)",
                t[3], t[4]
            )));
        }
        if no_skips && t[1] > 0 {
            return Err(CliError::Nonconforming(format!(
                "{} case(s) skipped and --no-skips was given",
                t[1]
            )));
        }
        if self.results.is_empty() {
            return Err(CliError::Nonconforming("no case was run".into()));
        }
        Ok(())
    }
}

/// Escapes text for XML attributes and content; drops characters XML 1.0 cannot carry.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

/// `[n/total]` on standard error while a run goes, on a terminal only.
pub struct ProgressLine {
    on: bool,
}

impl ProgressLine {
    /// A progress line if standard error is a terminal.
    pub fn new() -> Self {
        ProgressLine {
            on: std::io::stderr().is_terminal(),
        }
    }

    /// Updates the count.
    pub fn update(&mut self, done: usize, total: usize) {
        if self.on && (done.is_multiple_of(16) || done == total) {
            let _ = write!(
                std::io::stderr(),
                "\r[{done}/{total}] running vectors\x1b[K"
            );
        }
    }

    /// Clears the line.
    pub fn finish(&mut self) {
        if self.on {
            let _ = write!(std::io::stderr(), "\r\x1b[K");
        }
    }
}
