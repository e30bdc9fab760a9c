//! Spec traceability gate: every requirement of SPEC.md traced to the code that
//! implements it and to the tests and vectors that exercise it.
//!
//! The checker reads
//! - SPEC.md: each `**SR-AREA-N**` in bold defines a requirement; its text runs to the end of
//!   the list item (the indented lines that follow), and its keyword is the first BCP 14 key
//!   word in that text. A requirement is "MUST-level" when the text contains MUST, MUST NOT,
//!   REQUIRED, SHALL or SHALL NOT anywhere.
//! - every source and documentation file of the repository (see [`classify`]): a comment in
//!   a test whose text *starts* with requirement ids (`// SR-OP-5: ...`,
//!   `// SR-CBOR-3, SR-CBOR-4: ...`, `// SR-OBJ-2..5: ...`) is a test citation; any mention
//!   in library code (`(SR-KEY-3)` in a doc comment) is an implementation citation; every
//!   other mention is a plain reference, which must still name an existing id.
//! - vectors/**/*.json (absent until the vector suite lands): every JSON object with a
//!   `spec` array of strings is one vector exercising those ids.
//! - spec-exceptions.toml: MUST-level requirements that no test in this repository can
//!   exercise, each with a reason.
//!
//! It fails when a MUST-level requirement has no test, no vector and no exception, when any
//! citation names an id that SPEC.md does not define, when SPEC.md defines an id twice, and
//! when the committed SPEC-COVERAGE.md differs from what it generates (it then rewrites the
//! file, so a local `cargo test --test spec_coverage` followed by a commit fixes it).
//!
//! Everything here is offline and dependency-free (a small JSON reader and a reader for the
//! TOML subset of the exceptions file are at the end), so it runs in the ordinary
//! `cargo test`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

const SPEC: &str = "SPEC.md";
const REPORT: &str = "SPEC-COVERAGE.md";
const EXCEPTIONS: &str = "spec-exceptions.toml";
const VECTORS: &str = "vectors";

/// BCP 14 key words, longest first where one is a prefix of another at the same position.
const KEYWORDS: &[&str] = &[
    "MUST NOT",
    "MUST",
    "REQUIRED",
    "SHALL NOT",
    "SHALL",
    "SHOULD NOT",
    "SHOULD",
    "NOT RECOMMENDED",
    "RECOMMENDED",
    "MAY",
    "OPTIONAL",
];
const MUST_LEVEL: &[&str] = &["MUST NOT", "MUST", "REQUIRED", "SHALL NOT", "SHALL"];

/// Directories never read: build output, VCS data, fuzzing state, caches.
const SKIP_DIRS: &[&str] = &[
    ".git",
    "target",
    "node_modules",
    "__pycache__",
    ".pytest_cache",
    "fuzz/corpus",
    "fuzz/artifacts",
    "fuzz/coverage",
    "fuzz/target",
];
/// Extensions of the files whose comments and text are read for citations.
const TEXT_EXTENSIONS: &[&str] = &[
    "rs", "md", "py", "js", "mjs", "cjs", "ts", "toml", "txt", "sh", "yml", "yaml",
];
/// Files larger than this are data, not sources.
const MAX_SOURCE_BYTES: u64 = 2 * 1024 * 1024;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------------------

/// A requirement id `SR-AREA-N`, ordered by area name then number.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Id {
    area: String,
    n: u32,
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SR-{}-{}", self.area, self.n)
    }
}

struct Requirement {
    id: Id,
    line: usize,
    section: String,
    keyword: &'static str,
    must_level: bool,
}

/// Where a citation sits: `path:line`, with forward slashes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Site {
    path: String,
    line: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Context {
    /// Library or command-line code of the Rust crates.
    Implementation,
    /// A test, a fuzz oracle, or a test of another implementation.
    Test,
    /// Anything else (documentation, the specification itself, other implementations).
    Other,
}

#[derive(Default)]
struct Citations {
    implemented: BTreeMap<Id, Vec<Site>>,
    tested: BTreeMap<Id, Vec<Site>>,
    /// Vectors per id, per vector file.
    vectors: BTreeMap<Id, BTreeMap<String, usize>>,
    /// Every mention of an id anywhere, definitions excluded (for the dangling check).
    all: Vec<(Id, Site)>,
    /// Problems found while reading (malformed vector files and the like).
    errors: Vec<String>,
    vector_files: usize,
    vector_count: usize,
}

struct Exception {
    id: Id,
    reason: String,
    line: usize,
}

// ---------------------------------------------------------------------------------------
// Ids in text
// ---------------------------------------------------------------------------------------

/// One id or id range at byte offset `at` of `s`: `SR-AREA-N` or `SR-AREA-N..M`
/// (or `SR-AREA-N..SR-AREA-M`). Returns the ids and the offset just past the match.
fn id_at(s: &str, at: usize) -> Option<(Vec<Id>, usize)> {
    let b = s.as_bytes();
    if at > 0
        && b.get(at - 1)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'-')
    {
        return None;
    }
    let rest = s.get(at..)?;
    let body = rest.strip_prefix("SR-")?;
    let area_len = body.bytes().take_while(|c| c.is_ascii_uppercase()).count();
    if area_len == 0 || body.as_bytes().get(area_len) != Some(&b'-') {
        return None;
    }
    let area = &body[..area_len];
    let digits = &body[area_len + 1..];
    let n_len = digits.bytes().take_while(u8::is_ascii_digit).count();
    if n_len == 0 {
        return None;
    }
    let first: u32 = digits[..n_len].parse().ok()?;
    let mut end = at + 3 + area_len + 1 + n_len;
    let mut last = first;
    // A range: "..M" or "..SR-AREA-M" of the same area.
    if let Some(tail) = s.get(end..).and_then(|t| t.strip_prefix("..")) {
        let same_area = format!("SR-{area}-");
        let (skip, tail) = match tail.strip_prefix(same_area.as_str()) {
            Some(t) => (2 + same_area.len(), t),
            None => (2, tail),
        };
        let m_len = tail.bytes().take_while(u8::is_ascii_digit).count();
        if let Ok(m) = tail[..m_len].parse::<u32>()
            && m > first
            && m - first < 100
        {
            last = m;
            end += skip + m_len;
        }
    }
    // Not the start of a longer token (SR-KEY-1x, SR-KEY-1-foo).
    if s.as_bytes()
        .get(end)
        .is_some_and(|c| c.is_ascii_alphanumeric())
    {
        return None;
    }
    let ids = (first..=last)
        .map(|n| Id {
            area: area.to_owned(),
            n,
        })
        .collect();
    Some((ids, end))
}

/// Every id mentioned in `line`, ranges expanded.
fn ids_in(line: &str) -> Vec<Id> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(pos) = line.get(from..).and_then(|t| t.find("SR-")) {
        let at = from + pos;
        match id_at(line, at) {
            Some((ids, end)) => {
                out.extend(ids);
                from = end;
            }
            None => from = at + 3,
        }
    }
    out
}

/// The text of a comment line after its marker, or `None` if the line is not a comment.
fn comment_text(line: &str) -> Option<&str> {
    let t = line.trim_start();
    for marker in ["///", "//!", "//", "/**", "/*", "*", "#", "\"\"\"", "--"] {
        if let Some(rest) = t.strip_prefix(marker) {
            // `#[test]` and `#!` are attributes, not comments.
            if marker == "#" && (rest.starts_with('[') || rest.starts_with('!')) {
                return None;
            }
            return Some(rest.trim_start());
        }
    }
    None
}

/// The ids that open a comment: `SR-A-1, SR-B-2 and SR-C-3..5: ...`. A run of ids that
/// wraps onto the next comment line is read there too, since that line starts with an id.
fn leading_ids(text: &str) -> Vec<Id> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some((ids, end)) = id_at(text, at) {
        out.extend(ids);
        let next = ["and ", "& ", ", ", "/ ", ","]
            .iter()
            .find_map(|sep| text[end..].trim_start().strip_prefix(sep))
            .map(str::trim_start);
        match next {
            Some(next) if next.starts_with("SR-") => at = text.len() - next.len(),
            _ => break,
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// SPEC.md
// ---------------------------------------------------------------------------------------

struct Spec {
    requirements: Vec<Requirement>,
    /// Line numbers of definitions per id (more than one is an error).
    definitions: BTreeMap<Id, Vec<usize>>,
    /// Mentions that are not definitions.
    citations: Vec<(Id, usize)>,
    errors: Vec<String>,
}

fn first_keyword(text: &str) -> Option<&'static str> {
    // Positions left to right; at each, the longest key word first (KEYWORDS order).
    text.char_indices().find_map(|(i, _)| {
        KEYWORDS
            .iter()
            .copied()
            .find(|kw| text[i..].starts_with(kw) && whole_word(text.as_bytes(), i, kw.len()))
    })
}

/// True when `len` bytes at `i` are a whole word: no letter or digit touches them.
fn whole_word(b: &[u8], i: usize, len: usize) -> bool {
    let alnum = |j: Option<usize>| {
        j.and_then(|j| b.get(j))
            .is_some_and(u8::is_ascii_alphanumeric)
    };
    !alnum(i.checked_sub(1)) && !alnum(Some(i + len))
}

fn has_keyword(text: &str, kw: &str) -> bool {
    text.match_indices(kw)
        .any(|(i, _)| whole_word(text.as_bytes(), i, kw.len()))
}

fn parse_spec(text: &str) -> Spec {
    let lines: Vec<&str> = text.lines().collect();
    let mut spec = Spec {
        requirements: Vec::new(),
        definitions: BTreeMap::new(),
        citations: Vec::new(),
        errors: Vec::new(),
    };
    let mut section = String::new();
    let mut in_code = false;
    for (i, line) in lines.iter().enumerate() {
        let lineno = i + 1;
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        }
        if !in_code && line.starts_with('#') {
            let heading = line.trim_start_matches('#').trim();
            let number = heading.split_whitespace().next().unwrap_or("");
            if number.chars().next().is_some_and(|c| c.is_ascii_digit())
                || number.starts_with("Appendix")
            {
                section = number.trim_end_matches('.').to_owned();
            } else if heading.starts_with("Appendix") {
                section = heading
                    .split_whitespace()
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ");
            }
        }
        let mut from = 0;
        while let Some(pos) = line.get(from..).and_then(|t| t.find("SR-")) {
            let at = from + pos;
            let Some((ids, end)) = id_at(line, at) else {
                from = at + 3;
                continue;
            };
            from = end;
            let bold = line[..at].ends_with("**") && line[end..].starts_with("**");
            if !bold || ids.len() != 1 {
                spec.citations
                    .extend(ids.into_iter().map(|id| (id, lineno)));
                continue;
            }
            let id = ids.into_iter().next().expect("one id");
            spec.definitions.entry(id.clone()).or_default().push(lineno);
            // The requirement text: this line from the id on, and the continuation lines
            // indented deeper than the line's list marker.
            let indent = line.len() - line.trim_start().len();
            let mut body = line[end..].to_owned();
            for next in lines.iter().skip(i + 1) {
                let next_indent = next.len() - next.trim_start().len();
                if next.trim().is_empty() || next_indent <= indent {
                    break;
                }
                body.push(' ');
                body.push_str(next.trim());
            }
            match first_keyword(&body) {
                Some(keyword) => spec.requirements.push(Requirement {
                    id,
                    line: lineno,
                    section: section.clone(),
                    keyword,
                    must_level: MUST_LEVEL.iter().any(|kw| has_keyword(&body, kw)),
                }),
                None => spec.errors.push(format!(
                    "SPEC.md:{lineno}: {id} has no BCP 14 key word (MUST, SHOULD, MAY, ...)"
                )),
            }
        }
    }
    spec
}

// ---------------------------------------------------------------------------------------
// Sources
// ---------------------------------------------------------------------------------------

fn rel(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let r = rel(&path);
        if path.is_dir() {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if SKIP_DIRS.contains(&r.as_str()) || SKIP_DIRS.contains(&name) {
                continue;
            }
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// How a file's citations count, by its path.
fn classify(path: &str) -> Context {
    let name = path.rsplit('/').next().unwrap_or(path);
    let in_dir = |d: &str| path.starts_with(&format!("{d}/")) || path.contains(&format!("/{d}/"));
    let test_name = name.starts_with("test_")
        || name.contains("_test.")
        || name.contains(".test.")
        || name.contains(".spec.");
    if path.ends_with(".rs") {
        if in_dir("tests") || path.starts_with("fuzz/") || path.starts_with("fuzz-oracles/") {
            return Context::Test;
        }
        if path.starts_with("src/") || path.starts_with("cli/src/") {
            return Context::Implementation;
        }
        return Context::Other;
    }
    if in_dir("tests") || in_dir("test") || test_name {
        let code = [".py", ".js", ".mjs", ".cjs", ".ts"];
        if code.iter().any(|e| name.ends_with(e)) {
            return Context::Test;
        }
    }
    Context::Other
}

/// Line ranges of `#[cfg(test)]` modules in a Rust file (1-based, inclusive): from the
/// attribute to the closing brace at the module's own indentation (rustfmt layout).
fn test_regions(lines: &[&str]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].trim_start();
        let is_cfg_test = t.starts_with("#[cfg(")
            && t.contains("test")
            && !t.contains("not(test)")
            && !t.contains("doctest");
        if is_cfg_test {
            // Skip further attributes to the item.
            let mut j = i + 1;
            while j < lines.len() && lines[j].trim_start().starts_with("#[") {
                j += 1;
            }
            if let Some(item) = lines.get(j) {
                let it = item.trim_start();
                let is_mod = it.starts_with("mod ") || it.contains(" mod ");
                if is_mod && it.trim_end().ends_with('{') {
                    let indent = &item[..item.len() - it.len()];
                    let close = format!("{indent}}}");
                    let end = (j + 1..lines.len())
                        .find(|&k| lines[k].trim_end() == close)
                        .unwrap_or(lines.len() - 1);
                    out.push((i + 1, end + 1));
                    i = end + 1;
                    continue;
                }
            }
        }
        i += 1;
    }
    out
}

fn scan_sources(cites: &mut Citations) {
    let mut files = Vec::new();
    walk(&root(), &mut files);
    for path in files {
        let r = rel(&path);
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        // This file's own tests use made-up ids (SR-X-1), so it is not read.
        let skipped = [SPEC, REPORT, EXCEPTIONS, "tests/spec_coverage.rs"];
        if skipped.contains(&r.as_str()) || r.starts_with(&format!("{VECTORS}/")) {
            continue;
        }
        if !TEXT_EXTENSIONS.contains(&ext) {
            continue;
        }
        if fs::metadata(&path)
            .map(|m| m.len() > MAX_SOURCE_BYTES)
            .unwrap_or(true)
        {
            continue;
        }
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        let context = classify(&r);
        let lines: Vec<&str> = text.lines().collect();
        let regions = if ext == "rs" && context == Context::Implementation {
            test_regions(&lines)
        } else {
            Vec::new()
        };
        for (i, line) in lines.iter().enumerate() {
            let lineno = i + 1;
            let site = Site {
                path: r.clone(),
                line: lineno,
            };
            let mentioned = ids_in(line);
            cites
                .all
                .extend(mentioned.iter().map(|id| (id.clone(), site.clone())));
            let in_test_module = regions.iter().any(|&(a, b)| a <= lineno && lineno <= b);
            let line_context = if in_test_module {
                Context::Test
            } else {
                context
            };
            match line_context {
                Context::Implementation => {
                    for id in mentioned {
                        cites.implemented.entry(id).or_default().push(site.clone());
                    }
                }
                Context::Test => {
                    for id in comment_text(line).map(leading_ids).unwrap_or_default() {
                        cites.tested.entry(id).or_default().push(site.clone());
                    }
                }
                Context::Other => {}
            }
        }
    }
    for sites in cites
        .implemented
        .values_mut()
        .chain(cites.tested.values_mut())
    {
        sites.sort();
        sites.dedup();
    }
}

// ---------------------------------------------------------------------------------------
// Vectors
// ---------------------------------------------------------------------------------------

fn scan_vectors(cites: &mut Citations) {
    let mut files = Vec::new();
    walk(&root().join(VECTORS), &mut files);
    for path in files {
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let r = rel(&path);
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                cites.errors.push(format!("{r}: cannot read: {e}"));
                continue;
            }
        };
        let value = match json::parse(&text) {
            Ok(v) => v,
            Err(e) => {
                cites.errors.push(format!("{r}: not JSON: {e}"));
                continue;
            }
        };
        cites.vector_files += 1;
        let name = r
            .strip_prefix(&format!("{VECTORS}/"))
            .unwrap_or(&r)
            .to_owned();
        let mut found = Vec::new();
        collect_spec_arrays(&value, &mut found, &mut cites.errors, &r);
        for ids in found {
            cites.vector_count += 1;
            let mut seen = BTreeSet::new();
            for s in ids {
                let parsed = id_at(&s, 0).filter(|(_, end)| *end == s.len());
                let Some((ids, _)) = parsed else {
                    cites
                        .errors
                        .push(format!("{r}: `spec` entry {s:?} is not a requirement id"));
                    continue;
                };
                for id in ids {
                    cites.all.push((
                        id.clone(),
                        Site {
                            path: r.clone(),
                            line: 0,
                        },
                    ));
                    if seen.insert(id.clone()) {
                        *cites
                            .vectors
                            .entry(id)
                            .or_default()
                            .entry(name.clone())
                            .or_default() += 1;
                    }
                }
            }
        }
    }
}

/// Every `spec` member that is an array, anywhere in the document: one vector each.
fn collect_spec_arrays(
    v: &json::Value,
    out: &mut Vec<Vec<String>>,
    errors: &mut Vec<String>,
    file: &str,
) {
    match v {
        json::Value::Object(members) => {
            for (k, child) in members {
                if k == "spec" {
                    match child {
                        json::Value::Array(items) => {
                            let mut ids = Vec::new();
                            for item in items {
                                match item {
                                    json::Value::String(s) => ids.push(s.clone()),
                                    _ => errors
                                        .push(format!("{file}: a `spec` array holds a non-string")),
                                }
                            }
                            out.push(ids);
                        }
                        // `spec` as a schema keyword or a description elsewhere: not a vector.
                        _ => collect_spec_arrays(child, out, errors, file),
                    }
                } else {
                    collect_spec_arrays(child, out, errors, file);
                }
            }
        }
        json::Value::Array(items) => {
            for item in items {
                collect_spec_arrays(item, out, errors, file);
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------
// Exceptions
// ---------------------------------------------------------------------------------------

fn read_exceptions() -> (Vec<Exception>, Vec<String>) {
    let path = root().join(EXCEPTIONS);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(_) => return (Vec::new(), Vec::new()),
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let tables = match toml_subset::parse(&text, "exception") {
        Ok(t) => t,
        Err(e) => return (out, vec![format!("{EXCEPTIONS}: {e}")]),
    };
    for (line, fields) in tables {
        let id = fields.get("id").cloned().unwrap_or_default();
        let reason = fields.get("reason").cloned().unwrap_or_default();
        for key in fields.keys() {
            if key != "id" && key != "reason" {
                errors.push(format!("{EXCEPTIONS}:{line}: unknown field `{key}`"));
            }
        }
        let Some((ids, end)) = id_at(&id, 0) else {
            errors.push(format!(
                "{EXCEPTIONS}:{line}: `id` {id:?} is not a requirement id"
            ));
            continue;
        };
        if end != id.len() || ids.len() != 1 {
            errors.push(format!(
                "{EXCEPTIONS}:{line}: `id` must name exactly one requirement"
            ));
            continue;
        }
        if reason.trim().len() < 20 {
            errors.push(format!(
                "{EXCEPTIONS}:{line}: {id} needs a reason (a sentence at least)"
            ));
        }
        out.push(Exception {
            id: ids.into_iter().next().expect("one id"),
            reason,
            line,
        });
    }
    (out, errors)
}

// ---------------------------------------------------------------------------------------
// The analysis and the report
// ---------------------------------------------------------------------------------------

struct Analysis {
    spec: Spec,
    cites: Citations,
    exceptions: Vec<Exception>,
    errors: Vec<String>,
}

fn analyse() -> Analysis {
    let spec_text = fs::read_to_string(root().join(SPEC)).expect("SPEC.md at the crate root");
    let spec = parse_spec(&spec_text);
    let mut cites = Citations::default();
    scan_sources(&mut cites);
    scan_vectors(&mut cites);
    let (exceptions, mut errors) = read_exceptions();
    errors.extend(spec.errors.iter().cloned());
    errors.append(&mut cites.errors);
    Analysis {
        spec,
        cites,
        exceptions,
        errors,
    }
}

fn status_of(a: &Analysis, r: &Requirement) -> &'static str {
    let tested = a.cites.tested.contains_key(&r.id) || a.cites.vectors.contains_key(&r.id);
    let excepted = a.exceptions.iter().any(|e| e.id == r.id);
    match (tested, excepted, r.must_level) {
        (true, true, _) => "tested, and exception",
        (true, false, _) => "tested",
        (false, true, _) => "exception",
        (false, false, true) => "**UNCOVERED**",
        (false, false, false) => "not tested",
    }
}

/// `a.rs:1,5; b.rs:7` from a sorted list of sites.
fn sites_cell(sites: Option<&Vec<Site>>) -> String {
    let Some(sites) = sites else {
        return "-".to_owned();
    };
    let mut by_file: Vec<(String, Vec<usize>)> = Vec::new();
    for s in sites {
        match by_file.last_mut() {
            Some((p, lines)) if *p == s.path => lines.push(s.line),
            _ => by_file.push((s.path.clone(), vec![s.line])),
        }
    }
    by_file
        .iter()
        .map(|(p, lines)| {
            let l: Vec<String> = lines.iter().map(usize::to_string).collect();
            format!("{p}:{}", l.join(","))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn render(a: &Analysis) -> String {
    let mut out = String::new();
    let reqs = &a.spec.requirements;
    let _ = writeln!(out, "# SPEC.md requirement coverage\n");
    let _ = writeln!(
        out,
        "Generated by `tests/spec_coverage.rs` from SPEC.md, the requirement citations in the \
         code and tests, the `spec` arrays of vectors/*.json and {EXCEPTIONS}. Do not edit by \
         hand: `cargo test --test spec_coverage` rewrites this file when it is out of date \
         (and fails once, so CI catches a stale copy); commit the result.\n"
    );
    let _ = writeln!(out, "## Summary\n");
    let _ = writeln!(
        out,
        "| keyword | requirements | tested (test or vector) | exception only | not tested |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    let mut must_total = 0;
    let mut must_ok = 0;
    for kw in KEYWORDS {
        let of_kw: Vec<&Requirement> = reqs.iter().filter(|r| r.keyword == *kw).collect();
        if of_kw.is_empty() {
            continue;
        }
        let mut tested = 0;
        let mut excepted = 0;
        let mut none = 0;
        for r in &of_kw {
            match status_of(a, r) {
                "tested" | "tested, and exception" => tested += 1,
                "exception" => excepted += 1,
                _ => none += 1,
            }
        }
        let _ = writeln!(
            out,
            "| {kw} | {} | {tested} | {excepted} | {none} |",
            of_kw.len()
        );
    }
    for r in reqs.iter().filter(|r| r.must_level) {
        must_total += 1;
        if status_of(a, r) != "**UNCOVERED**" {
            must_ok += 1;
        }
    }
    let tested_total = reqs
        .iter()
        .filter(|r| status_of(a, r).starts_with("tested"))
        .count();
    let _ =
        writeln!(
        out,
        "| all | {} | {tested_total} | {} | {} |\n",
        reqs.len(),
        reqs.iter().filter(|r| status_of(a, r) == "exception").count(),
        reqs.iter()
            .filter(|r| !status_of(a, r).starts_with("tested") && status_of(a, r) != "exception")
            .count(),
    );
    let pct = if must_total == 0 {
        100
    } else {
        must_ok * 100 / must_total
    };
    let _ = writeln!(
        out,
        "MUST-level requirements (MUST, MUST NOT, SHALL, REQUIRED anywhere in the text) covered \
         by a test, a vector or a reasoned exception: **{must_ok} of {must_total} ({pct}%)**. \
         Vector files read: {}; vectors citing requirements: {}.\n",
        a.cites.vector_files, a.cites.vector_count
    );
    let _ = writeln!(out, "## How citations are read\n");
    let _ = writeln!(
        out,
        "- **Requirement**: `**SR-AREA-N**` in bold in SPEC.md; *keyword* is the first BCP 14 \
         key word of its list item.\n\
         - **Implemented at**: any mention of the id in library or command-line code (`src/`, \
         `cli/src/`), usually a doc comment such as `(SR-KEY-3)`; `#[cfg(test)]` modules \
         excepted.\n\
         - **Tested by**: a comment in a test (`tests/`, `cli/tests/`, `fuzz/`, the fuzz \
         oracles in `src/fuzzing.rs`, `#[cfg(test)]` modules, test files of other \
         implementations) whose text *starts* with the id: `// SR-OP-5: ...`, \
         `// SR-CBOR-3, SR-CBOR-4: ...`, `// SR-OBJ-2..5: ...`. A mention later in a comment \
         is a reference, not a test.\n\
         - **Vectors**: JSON objects in vectors/ with a `spec` array naming the id.\n\
         - Every mention anywhere (SPEC.md, docs, code, vectors, exceptions) must name an id \
         that SPEC.md defines.\n"
    );
    let _ = writeln!(out, "## Requirements\n");
    let _ = writeln!(
        out,
        "| requirement | keyword | section | implemented at | tested by | vectors | status |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    let mut sorted: Vec<&Requirement> = reqs.iter().collect();
    sorted.sort_by_key(|r| r.line);
    for r in sorted {
        let vectors = match a.cites.vectors.get(&r.id) {
            None => "-".to_owned(),
            Some(per_file) => {
                let total: usize = per_file.values().sum();
                let files: Vec<String> = per_file.iter().map(|(f, n)| format!("{f} {n}")).collect();
                format!("{total} ({})", files.join(", "))
            }
        };
        let _ = writeln!(
            out,
            "| [{id}](SPEC.md#L{line}) | {kw} | {sec} | {imp} | {test} | {vectors} | {status} |",
            id = r.id,
            line = r.line,
            kw = r.keyword,
            sec = r.section,
            imp = sites_cell(a.cites.implemented.get(&r.id)),
            test = sites_cell(a.cites.tested.get(&r.id)),
            status = status_of(a, r),
        );
    }
    let _ = writeln!(out, "\n## Exceptions\n");
    if a.exceptions.is_empty() {
        let _ = writeln!(out, "None.");
    } else {
        let _ = writeln!(
            out,
            "MUST-level requirements that no test of this repository can exercise, from \
             {EXCEPTIONS}. An exception stays listed when a test covers part of the \
             requirement (status \"tested, and exception\").\n"
        );
        let _ = writeln!(out, "| requirement | keyword | reason |");
        let _ = writeln!(out, "|---|---|---|");
        for e in &a.exceptions {
            let kw = reqs
                .iter()
                .find(|r| r.id == e.id)
                .map_or("?", |r| r.keyword);
            let _ = writeln!(out, "| {} | {kw} | {} |", e.id, escape(&e.reason));
        }
    }
    out
}

/// Every gate failure, as messages; empty when the repository passes.
fn gate_failures(a: &Analysis) -> Vec<String> {
    let mut failures = a.errors.clone();
    for (id, lines) in &a.spec.definitions {
        if lines.len() > 1 {
            failures.push(format!(
                "{id} is defined {} times in SPEC.md, at lines {lines:?}",
                lines.len()
            ));
        }
    }
    let defined: BTreeSet<&Id> = a.spec.definitions.keys().collect();
    let mut dangling: BTreeMap<&Id, Vec<String>> = BTreeMap::new();
    for (id, site) in &a.cites.all {
        if !defined.contains(id) {
            let at = if site.line == 0 {
                site.path.clone()
            } else {
                format!("{}:{}", site.path, site.line)
            };
            dangling.entry(id).or_default().push(at);
        }
    }
    for (id, line) in &a.spec.citations {
        if !defined.contains(id) {
            dangling
                .entry(id)
                .or_default()
                .push(format!("SPEC.md:{line}"));
        }
    }
    for e in &a.exceptions {
        if !defined.contains(&e.id) {
            dangling
                .entry(&e.id)
                .or_default()
                .push(format!("{EXCEPTIONS}:{}", e.line));
        }
    }
    for (id, sites) in dangling {
        failures.push(format!(
            "{id} is cited but SPEC.md does not define it: {}",
            sites.join(", ")
        ));
    }
    let mut seen = BTreeSet::new();
    for e in &a.exceptions {
        if !seen.insert(&e.id) {
            failures.push(format!("{EXCEPTIONS}:{}: {} is listed twice", e.line, e.id));
        }
        if let Some(r) = a.spec.requirements.iter().find(|r| r.id == e.id)
            && !r.must_level
        {
            failures.push(format!(
                "{EXCEPTIONS}:{}: {} is a {} requirement; exceptions are for MUST-level \
                 requirements only",
                e.line, e.id, r.keyword
            ));
        }
    }
    for r in &a.spec.requirements {
        if status_of(a, r) == "**UNCOVERED**" {
            failures.push(format!(
                "{} ({}, SPEC.md:{}) has no test citation, no vector and no exception",
                r.id, r.keyword, r.line
            ));
        }
    }
    failures
}

#[test]
fn spec_requirements_are_traced() {
    let a = analyse();
    assert!(
        !a.spec.requirements.is_empty(),
        "no requirement found in SPEC.md"
    );
    let failures = gate_failures(&a);
    // The report is written even when the gate fails, so the table shows what is missing.
    let report = render(&a);
    let path = root().join(REPORT);
    let current = fs::read_to_string(&path).unwrap_or_default();
    let stale = current != report;
    if stale {
        fs::write(&path, &report).expect("write SPEC-COVERAGE.md");
    }
    let summary: Vec<&str> = report
        .lines()
        .skip_while(|l| !l.starts_with("| keyword"))
        .take_while(|l| !l.starts_with("## How"))
        .collect();
    println!("{}", summary.join("\n"));
    assert!(
        failures.is_empty(),
        "spec traceability gate failed:\n  - {}",
        failures.join("\n  - ")
    );
    assert!(
        !stale,
        "{REPORT} was out of date and has been regenerated; review and commit it"
    );
}

// ---------------------------------------------------------------------------------------
// The checker's own tests
// ---------------------------------------------------------------------------------------

fn id(area: &str, n: u32) -> Id {
    Id {
        area: area.to_owned(),
        n,
    }
}

#[test]
fn checker_reads_ids_and_ranges() {
    assert_eq!(ids_in("(SR-KEY-3)"), vec![id("KEY", 3)]);
    assert_eq!(ids_in("SR-KEY-10, not SR-KEY-1x"), vec![id("KEY", 10)]);
    assert_eq!(
        ids_in("SR-OBJ-2..5 and SR-CBOR-1..SR-CBOR-2"),
        vec![
            id("OBJ", 2),
            id("OBJ", 3),
            id("OBJ", 4),
            id("OBJ", 5),
            id("CBOR", 1),
            id("CBOR", 2)
        ]
    );
    assert!(ids_in("SR-AREA-N, SR-CBOR, XSR-KEY-1").is_empty());
    assert_eq!(
        leading_ids("SR-OP-6, SR-OP-7: slot limits, unlike SR-OP-8"),
        vec![id("OP", 6), id("OP", 7)]
    );
    assert_eq!(leading_ids("SR-TXT-1"), vec![id("TXT", 1)]);
    assert_eq!(
        leading_ids("SR-A-1 and SR-B-2..3,"),
        vec![id("A", 1), id("B", 2), id("B", 3)]
    );
    assert!(leading_ids("See SR-OP-1.").is_empty());
    assert_eq!(comment_text("    // SR-OP-1: x"), Some("SR-OP-1: x"));
    assert_eq!(comment_text("#[cfg(test)]"), None);
}

#[test]
fn checker_reads_spec_definitions() {
    let spec = parse_spec(
        "## 5. Things\n\n- **SR-X-1** A decoder MUST do\n  this, and MUST NOT do that.\n\
         - **SR-X-2** Applications SHOULD\n  consider it (SR-X-1).\n- **SR-X-1** MAY again.\n",
    );
    assert_eq!(spec.requirements.len(), 3);
    assert_eq!(spec.requirements[0].keyword, "MUST");
    assert!(spec.requirements[0].must_level);
    assert_eq!(spec.requirements[1].keyword, "SHOULD");
    assert!(!spec.requirements[1].must_level);
    assert_eq!(spec.requirements[0].section, "5");
    assert_eq!(spec.definitions[&id("X", 1)], vec![3, 7]);
    assert_eq!(spec.citations, vec![(id("X", 1), 6)]);
}

#[test]
fn checker_finds_test_modules() {
    let src = [
        "fn a() {}",
        "#[cfg(test)]",
        "mod tests {",
        "    // SR-X-1",
        "    fn b() {",
        "    }",
        "}",
        "fn c() {}",
    ];
    assert_eq!(test_regions(&src), vec![(2, 7)]);
    assert_eq!(classify("tests/operations.rs"), Context::Test);
    assert_eq!(classify("cli/tests/cli.rs"), Context::Test);
    assert_eq!(classify("fuzz-oracles/src/roundtrip.rs"), Context::Test);
    assert_eq!(classify("conformance/tests/vectors.rs"), Context::Test);
    assert_eq!(classify("conformance/src/lib.rs"), Context::Other);
    assert_eq!(classify("src/keyring.rs"), Context::Implementation);
    assert_eq!(classify("tools/pyref/test_ref.py"), Context::Test);
    assert_eq!(classify("tools/pyref/strongroom_ref.py"), Context::Other);
    assert_eq!(classify("README.md"), Context::Other);
}

#[test]
fn checker_reads_json_and_exceptions() {
    let v = json::parse(
        r#"{"a": [{"spec": ["SR-X-1", "SR-Y-2"]}, {"spec": []}], "b": "\u00e9\"", "c": -1.5e3}"#,
    )
    .unwrap();
    let mut found = Vec::new();
    let mut errors = Vec::new();
    collect_spec_arrays(&v, &mut found, &mut errors, "t");
    assert_eq!(
        found,
        vec![vec!["SR-X-1".to_owned(), "SR-Y-2".to_owned()], vec![]]
    );
    assert!(errors.is_empty());
    assert!(json::parse("{\"a\": }").is_err());
    assert!(json::parse("[1] x").is_err());

    let t = toml_subset::parse(
        "# c\n[[exception]]\nid = \"SR-X-1\"\nreason = \"a \\\"b\\\" c\"  # why\n\n[[exception]]\nid = 'SR-Y-2'\n",
        "exception",
    )
    .unwrap();
    assert_eq!(t.len(), 2);
    assert_eq!(t[0].1["reason"], "a \"b\" c");
    assert_eq!(t[1].1["id"], "SR-Y-2");
    assert!(toml_subset::parse("id = \"x\"\n", "exception").is_err());
    assert!(toml_subset::parse("[[exception]]\nid = x\n", "exception").is_err());
}

// ---------------------------------------------------------------------------------------
// A JSON reader (RFC 8259), enough for the vector files
// ---------------------------------------------------------------------------------------

mod json {
    #[derive(Debug, PartialEq)]
    pub enum Value {
        Null,
        Bool(bool),
        Number(f64),
        String(String),
        Array(Vec<Value>),
        Object(Vec<(String, Value)>),
    }

    pub fn parse(s: &str) -> Result<Value, String> {
        let mut p = Parser {
            b: s.as_bytes(),
            i: 0,
            depth: 0,
        };
        let v = p.value()?;
        p.ws();
        if p.i != p.b.len() {
            return Err(format!("trailing data at byte {}", p.i));
        }
        Ok(v)
    }

    struct Parser<'a> {
        b: &'a [u8],
        i: usize,
        depth: usize,
    }

    impl Parser<'_> {
        fn err<T>(&self, what: &str) -> Result<T, String> {
            Err(format!("{what} at byte {}", self.i))
        }

        fn ws(&mut self) {
            while matches!(self.b.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                self.i += 1;
            }
        }

        fn eat(&mut self, lit: &str) -> bool {
            if self.b[self.i..].starts_with(lit.as_bytes()) {
                self.i += lit.len();
                true
            } else {
                false
            }
        }

        fn value(&mut self) -> Result<Value, String> {
            self.ws();
            match self.b.get(self.i) {
                Some(b'{') => self.nested(|p| p.object()),
                Some(b'[') => self.nested(|p| p.array()),
                Some(b'"') => Ok(Value::String(self.string()?)),
                Some(b't') if self.eat("true") => Ok(Value::Bool(true)),
                Some(b'f') if self.eat("false") => Ok(Value::Bool(false)),
                Some(b'n') if self.eat("null") => Ok(Value::Null),
                Some(b'-' | b'0'..=b'9') => self.number(),
                _ => self.err("expected a value"),
            }
        }

        fn nested(
            &mut self,
            f: impl FnOnce(&mut Self) -> Result<Value, String>,
        ) -> Result<Value, String> {
            self.depth += 1;
            if self.depth > 128 {
                return self.err("nesting too deep");
            }
            let v = f(self);
            self.depth -= 1;
            v
        }

        fn object(&mut self) -> Result<Value, String> {
            self.i += 1;
            let mut members = Vec::new();
            self.ws();
            if self.eat("}") {
                return Ok(Value::Object(members));
            }
            loop {
                self.ws();
                if self.b.get(self.i) != Some(&b'"') {
                    return self.err("expected a member name");
                }
                let k = self.string()?;
                self.ws();
                if !self.eat(":") {
                    return self.err("expected ':'");
                }
                let v = self.value()?;
                members.push((k, v));
                self.ws();
                if self.eat(",") {
                    continue;
                }
                if self.eat("}") {
                    return Ok(Value::Object(members));
                }
                return self.err("expected ',' or '}'");
            }
        }

        fn array(&mut self) -> Result<Value, String> {
            self.i += 1;
            let mut items = Vec::new();
            self.ws();
            if self.eat("]") {
                return Ok(Value::Array(items));
            }
            loop {
                items.push(self.value()?);
                self.ws();
                if self.eat(",") {
                    continue;
                }
                if self.eat("]") {
                    return Ok(Value::Array(items));
                }
                return self.err("expected ',' or ']'");
            }
        }

        fn number(&mut self) -> Result<Value, String> {
            let start = self.i;
            while matches!(
                self.b.get(self.i),
                Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
            ) {
                self.i += 1;
            }
            let text = std::str::from_utf8(&self.b[start..self.i]).map_err(|e| e.to_string())?;
            text.parse()
                .map(Value::Number)
                .or_else(|_| self.err("bad number"))
        }

        fn hex4(&mut self) -> Result<u32, String> {
            let h = self.b.get(self.i..self.i + 4).ok_or("short \\u escape")?;
            let h = std::str::from_utf8(h).map_err(|e| e.to_string())?;
            self.i += 4;
            u32::from_str_radix(h, 16).map_err(|e| e.to_string())
        }

        fn string(&mut self) -> Result<String, String> {
            self.i += 1;
            let mut out = String::new();
            loop {
                let start = self.i;
                while !matches!(self.b.get(self.i), Some(b'"' | b'\\') | None) {
                    self.i += 1;
                }
                out.push_str(
                    std::str::from_utf8(&self.b[start..self.i]).map_err(|e| e.to_string())?,
                );
                match self.b.get(self.i) {
                    None => return self.err("unterminated string"),
                    Some(b'"') => {
                        self.i += 1;
                        return Ok(out);
                    }
                    _ => {}
                }
                self.i += 1;
                let c = *self.b.get(self.i).ok_or("unterminated escape")?;
                self.i += 1;
                match c {
                    b'"' => out.push('"'),
                    b'\\' => out.push('\\'),
                    b'/' => out.push('/'),
                    b'b' => out.push('\u{8}'),
                    b'f' => out.push('\u{c}'),
                    b'n' => out.push('\n'),
                    b'r' => out.push('\r'),
                    b't' => out.push('\t'),
                    b'u' => {
                        let hi = self.hex4()?;
                        let code = if (0xd800..0xdc00).contains(&hi) && self.eat("\\u") {
                            let lo = self.hex4()?;
                            0x10000 + ((hi - 0xd800) << 10) + (lo.wrapping_sub(0xdc00) & 0x3ff)
                        } else {
                            hi
                        };
                        out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                    }
                    _ => return self.err("bad escape"),
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The TOML subset of spec-exceptions.toml
// ---------------------------------------------------------------------------------------

mod toml_subset {
    use std::collections::BTreeMap;

    /// One `[[table]]`: its line number and its fields.
    pub type Table = (usize, BTreeMap<String, String>);

    /// Reads `[[table]]` headers followed by `key = "string"` lines (basic or literal
    /// strings, one line each), with `#` comments and blank lines. Returns each table's
    /// line and fields. Anything else is an error, so the file cannot silently mean
    /// something this reader did not see.
    pub fn parse(text: &str, table: &str) -> Result<Vec<Table>, String> {
        let header = format!("[[{table}]]");
        let mut out: Vec<Table> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let lineno = i + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line == header {
                out.push((lineno, BTreeMap::new()));
                continue;
            }
            let (key, rest) = line
                .split_once('=')
                .ok_or_else(|| format!("line {lineno}: expected {header} or key = \"value\""))?;
            let key = key.trim();
            if key.is_empty() || !key.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
                return Err(format!("line {lineno}: bad key {key:?}"));
            }
            let (value, after) = string(rest.trim()).map_err(|e| format!("line {lineno}: {e}"))?;
            let after = after.trim();
            if !(after.is_empty() || after.starts_with('#')) {
                return Err(format!(
                    "line {lineno}: unexpected {after:?} after the value"
                ));
            }
            let Some((_, fields)) = out.last_mut() else {
                return Err(format!("line {lineno}: key outside a {header} table"));
            };
            if fields.insert(key.to_owned(), value).is_some() {
                return Err(format!("line {lineno}: duplicate key {key}"));
            }
        }
        Ok(out)
    }

    fn string(s: &str) -> Result<(String, &str), String> {
        if let Some(body) = s.strip_prefix('\'') {
            let end = body.find('\'').ok_or("unterminated string")?;
            return Ok((body[..end].to_owned(), &body[end + 1..]));
        }
        let body = s.strip_prefix('"').ok_or("expected a quoted string")?;
        let mut out = String::new();
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => return Ok((out, &body[i + 1..])),
                '\\' => match chars.next().map(|(_, c)| c) {
                    Some('"') => out.push('"'),
                    Some('\\') => out.push('\\'),
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    other => return Err(format!("unsupported escape {other:?}")),
                },
                c => out.push(c),
            }
        }
        Err("unterminated string".to_owned())
    }
}
