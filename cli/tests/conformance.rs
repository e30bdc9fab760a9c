//! The conformance runner end to end: the built-in implementation as a real child process
//! over the whole suite, and deliberately wrong implementations that the runner must report
//! exactly (cli/tests/fixtures/faulty_adapter.py).

mod common;

use std::path::Path;

use common::{TempDir, bin, python, repo, run_in};
use serde_json::{Value, json};

fn vectors_dir() -> std::path::PathBuf {
    let v = repo().join("vectors");
    assert!(
        v.join("README.md").is_file(),
        "the vector suite is missing at {}",
        v.display()
    );
    v
}

/// A small suite for the fault tests: the first vectors of three files, leaving out those
/// with real-world KDF costs, so a 3-second timeout is generous for every honest answer.
fn mini_suite(dir: &TempDir) -> Vec<(String, String)> {
    let out = dir.path("vectors");
    std::fs::create_dir_all(&out).unwrap();
    let mut picked = Vec::new();
    for file in ["cbor.json", "keyring.json", "record.json"] {
        let mut doc: Value =
            serde_json::from_str(&std::fs::read_to_string(vectors_dir().join(file)).unwrap())
                .unwrap();
        let vectors: Vec<Value> = doc["vectors"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| {
                let s = v.to_string();
                !(s.contains("DefaultParams") || s.contains("600000") || s.contains("19456"))
            })
            .take(12)
            .cloned()
            .collect();
        for v in &vectors {
            picked.push((
                v["id"].as_str().unwrap().to_string(),
                v["expected"]["result"].as_str().unwrap().to_string(),
            ));
        }
        doc["vectors"] = Value::Array(vectors);
        std::fs::write(out.join(file), doc.to_string()).unwrap();
    }
    picked
}

fn report(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn outcomes(rep: &Value) -> Vec<(String, String)> {
    rep["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn builtin_adapter_passes_every_vector() {
    let d = TempDir::new("conf-builtin");
    let vectors = vectors_dir();
    let allow = vectors.join("deviations").join("rust-crate.json");
    let mut args = vec![
        "conformance".to_string(),
        "--impl".into(),
        format!("'{}' adapter", bin()),
        "--vectors".into(),
        vectors.to_string_lossy().into_owned(),
        "--json".into(),
        "report.json".into(),
        "--junit".into(),
        "report.xml".into(),
    ];
    if allow.is_file() {
        args.extend(["--allow".into(), allow.to_string_lossy().into_owned()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run_in(&d.0, &args, &[], b"").expect(0);
    let rep = report(&d.path("report.json"));
    let t = &rep["totals"];
    assert_eq!(t["unexpected_failure"], 0, "{}", r.out());
    assert_eq!(t["unexpected_success"], 0, "{}", r.out());
    // The only skips are vectors the suite itself marks: Slow (run with --slow) or deprecated.
    for c in rep["cases"].as_array().unwrap() {
        if c["outcome"] == "skip" {
            let why = c["detail"].as_str().unwrap();
            assert!(
                why.contains("flagged Slow") || why.starts_with("deprecated"),
                "{c}"
            );
        }
    }
    assert!(t["pass"].as_u64().unwrap() > 100, "{}", r.out());
    assert_eq!(rep["restarts"], 0);
    assert!(r.out().contains("0 failed"), "{}", r.out());
    let xml = std::fs::read_to_string(d.path("report.xml")).unwrap();
    assert!(
        xml.starts_with("<?xml") && !xml.contains("<failure"),
        "{xml}"
    );

    // `vectors verify` runs the same cases in-process and agrees.
    let v = run_in(
        &d.0,
        &[
            "vectors",
            "verify",
            vectors.to_str().unwrap(),
            "--json",
            "verify.json",
        ],
        &[],
        b"",
    )
    .expect(0);
    let vrep = report(&d.path("verify.json"));
    assert_eq!(vrep["totals"], rep["totals"], "{}", v.out());
    assert_eq!(outcomes(&vrep), outcomes(&rep));
}

#[test]
fn faulty_implementations_are_reported_exactly() {
    let d = TempDir::new("conf-faulty");
    let picked = mini_suite(&d);
    let ok: Vec<&str> = picked
        .iter()
        .filter(|(_, r)| r == "success")
        .map(|(i, _)| i.as_str())
        .collect();
    let err: Vec<&str> = picked
        .iter()
        .filter(|(_, r)| r == "error")
        .map(|(i, _)| i.as_str())
        .collect();
    assert!(ok.len() >= 3 && err.len() >= 3, "{picked:?}");
    let faults = [
        ("flip", ok[0], "unexpected_failure"),
        ("flip", err[0], "unexpected_success"),
        ("crash", ok[1], "unexpected_failure"),
        ("hang", err[1], "unexpected_failure"),
        ("garbage", ok[2], "unexpected_failure"),
        ("wrongid", err[2], "unexpected_failure"),
    ];
    let command = faulty_adapter(faults.iter().map(|(kind, id, _)| format!("{kind}:{id}")));
    let r = run_in(
        &d.0,
        &[
            "conformance",
            "--impl",
            &command,
            "--vectors",
            "vectors",
            "--timeout",
            "3",
            "--json",
            "report.json",
            "--junit",
            "report.xml",
        ],
        &[],
        b"",
    )
    .expect(4);
    let rep = report(&d.path("report.json"));
    for (id, outcome) in outcomes(&rep) {
        let want = faults
            .iter()
            .find(|(_, f, _)| *f == id)
            .map_or("pass", |(_, _, o)| *o);
        assert_eq!(outcome, want, "{id}\n{}", r.out());
    }
    assert_eq!(rep["totals"]["cases"], picked.len());
    assert_eq!(rep["totals"]["unexpected_failure"], 5);
    assert_eq!(rep["totals"]["unexpected_success"], 1);
    // After the crash, the hang, the garbage and the wrong id the adapter is restarted.
    assert_eq!(rep["restarts"], 4, "{}", r.out());
    let detail = |id: &str| -> String {
        rep["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()["detail"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        detail(ok[1]).contains("exited with status 3"),
        "{}",
        detail(ok[1])
    );
    assert!(
        detail(ok[1]).contains("simulated crash"),
        "stderr tail: {}",
        detail(ok[1])
    );
    assert!(
        detail(err[1]).contains("no answer within 3.0 s"),
        "{}",
        detail(err[1])
    );
    assert!(detail(ok[2]).contains("not JSON"), "{}", detail(ok[2]));
    assert!(detail(err[2]).contains("while id"), "{}", detail(err[2]));
    assert!(detail(err[0]).contains("got success"), "{}", detail(err[0]));
    // The readable summary names each vector; JUnit has one failure per fault.
    let out = r.out();
    for (_, id, _) in &faults {
        assert!(out.contains(id), "{id} missing from the summary:\n{out}");
    }
    assert!(
        out.contains(&format!("UNEXPECTED SUCCESS {}", err[0])),
        "{out}"
    );
    let xml = std::fs::read_to_string(d.path("report.xml")).unwrap();
    assert_eq!(xml.matches("<failure").count(), 6, "{xml}");
}

#[test]
fn dek_fingerprint_is_compared_for_dek() {
    // CONFORMANCE.md section 3.1: an answer with `dek_fingerprint` and no `dek` is checked
    // against the fingerprint of the vector's expected DEK; one with both is checked on both.
    let d = TempDir::new("conf-fingerprint");
    mini_suite(&d);
    let keyring: Value =
        serde_json::from_str(&std::fs::read_to_string(d.path("vectors/keyring.json")).unwrap())
            .unwrap();
    let with_dek: Vec<String> = keyring["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["output"].get("dek").is_some())
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    assert!(with_dek.len() >= 5, "{with_dek:?}");
    let faults = [
        ("fingerprint", &with_dek[0], "pass"),
        ("fingerprint", &with_dek[1], "pass"),
        ("badfingerprint", &with_dek[2], "unexpected_failure"),
        ("dekbadfingerprint", &with_dek[3], "unexpected_failure"),
        ("nodek", &with_dek[4], "unexpected_failure"),
    ];
    let command = faulty_adapter(faults.iter().map(|(kind, id, _)| format!("{kind}:{id}")));
    let r = run_in(
        &d.0,
        &[
            "conformance",
            "--impl",
            &command,
            "--vectors",
            "vectors",
            "--timeout",
            "10",
            "--json",
            "report.json",
        ],
        &[],
        b"",
    )
    .expect(4);
    let rep = report(&d.path("report.json"));
    for (id, outcome) in outcomes(&rep) {
        let want = faults
            .iter()
            .find(|(_, f, _)| **f == id)
            .map_or("pass", |(_, _, o)| *o);
        assert_eq!(outcome, want, "{id}\n{}", r.out());
    }
    assert_eq!(rep["totals"]["unexpected_failure"], 3, "{}", r.out());
    assert_eq!(rep["totals"]["known_deviation"], 0, "{}", r.out());
    let detail = |id: &str| -> String {
        rep["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()["detail"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for id in [&with_dek[2], &with_dek[3]] {
        assert!(
            detail(id).contains("output \"dek_fingerprint\" differs"),
            "{}",
            detail(id)
        );
    }
    assert!(
        detail(&with_dek[4]).contains("without the output \"dek\" or \"dek_fingerprint\""),
        "{}",
        detail(&with_dek[4])
    );
}

#[test]
fn allowed_deviations_known_and_stale() {
    let d = TempDir::new("conf-deviations");
    let picked = mini_suite(&d);
    let ok = picked
        .iter()
        .find(|(_, r)| r == "success")
        .unwrap()
        .0
        .clone();
    let err = picked.iter().find(|(_, r)| r == "error").unwrap().0.clone();
    let command = faulty_adapter([format!("flip:{ok}")]);
    let allow = |entries: Value| {
        d.write(
            "allow.json",
            json!({"schema_version": 1, "implementation": "faulty", "deviations": entries})
                .to_string(),
        )
    };
    let args = |extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = [
            "conformance",
            "--impl",
            &command,
            "--vectors",
            "vectors",
            "--timeout",
            "3",
            "--json",
            "report.json",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let run = |extra: &[&str], code: i32| {
        let a = args(extra);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        run_in(&d.0, &a, &[], b"").expect(code)
    };

    // The flipped vector, listed with the outcome actually observed: a known deviation.
    allow(
        json!([{"id": ok, "actual": {"result": "error", "class": "unlock_failed"},
                  "reason": "this adapter flips it on purpose"}]),
    );
    let r = run(&["--allow", "allow.json"], 0);
    let rep = report(&d.path("report.json"));
    assert_eq!(rep["totals"]["known_deviation"], 1, "{}", r.out());
    assert!(
        r.out().contains("this adapter flips it on purpose"),
        "{}",
        r.out()
    );

    // Listed with a different outcome than observed: still unexpected.
    allow(
        json!([{"id": ok, "actual": {"result": "error", "class": "keyring_tampered"},
                  "reason": "wrong guess"}]),
    );
    run(&["--allow", "allow.json"], 4);

    // A listed vector that passes (stale entry), and an id that is not in the suite: fail.
    allow(json!([
        {"id": ok, "reason": "flipped"},
        {"id": err, "reason": "no longer deviates"},
    ]));
    let r = run(&["--allow", "allow.json"], 4);
    let rep = report(&d.path("report.json"));
    let stale = rep["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == err.as_str())
        .unwrap();
    assert_eq!(stale["outcome"], "unexpected_success", "{}", r.out());
    assert!(
        stale["detail"]
            .as_str()
            .unwrap()
            .contains("remove the entry")
    );
    allow(json!([{"id": ok, "reason": "flipped"}, {"id": "no-such-vector", "reason": "x"}]));
    let r = run(&["--allow", "allow.json"], 4);
    assert!(
        r.out().contains("no-such-vector names no vector"),
        "{}",
        r.out()
    );
    // An entry without a reason is refused.
    allow(json!([{"id": ok}]));
    let r = run(&["--allow", "allow.json"], 2);
    assert!(r.stderr.contains("lacks a `reason`"), "{}", r.stderr);
}

#[test]
fn adapter_speaks_the_protocol() {
    let d = TempDir::new("adapter");
    let input = concat!(
        r#"{"id":"hello","op":"hello","args":{"protocol":1}}"#,
        "\n",
        r#"{"id":"a","op":"normalize_password","args":{"password":{"string":"cafe\u0301","utf8_hex":"63616665cc81","nfc_utf8_hex":"636166c3a9"}}}"#,
        "\n",
        r#"{"id":"b","op":"decode_keyring_text","args":{"text":"srx1.AAAA"}}"#,
        "\n",
        r#"{"id":"c","op":"no_such_op","args":{}}"#,
        "\n",
        "not json\n",
    );
    let r = run_in(&d.0, &["adapter"], &[], input.as_bytes()).expect(0);
    let lines: Vec<Value> = r
        .out()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0]["output"]["protocol"], 1);
    assert!(lines[0]["output"]["operations"].as_array().unwrap().len() >= 18);
    assert_eq!(
        lines[1],
        json!({"id": "a", "result": "success", "output": {"nfc_utf8_hex": "636166c3a9"}})
    );
    assert_eq!(
        lines[2],
        json!({"id": "b", "result": "error", "class": "malformed", "reason": "text_prefix"})
    );
    assert_eq!(lines[3], json!({"id": "c", "result": "unsupported"}));
    assert_eq!(lines[4]["result"], "protocol_error");
}

#[test]
fn conformance_md_example_exchange_is_true() {
    let doc = std::fs::read_to_string(repo().join("CONFORMANCE.md")).unwrap();
    let block = doc
        .split("<!-- example-exchange:begin -->")
        .nth(1)
        .and_then(|s| s.split("<!-- example-exchange:end -->").next())
        .expect("CONFORMANCE.md has the example exchange markers");
    let lines: Vec<&str> = block.lines().filter(|l| l.starts_with('{')).collect();
    assert!(
        lines.len() >= 8 && lines.len().is_multiple_of(2),
        "{lines:?}"
    );
    let requests: String = lines.iter().step_by(2).map(|l| format!("{l}\n")).collect();
    let d = TempDir::new("exchange");
    let r = run_in(&d.0, &["adapter"], &[], requests.as_bytes()).expect(0);
    let answers: Vec<Value> = r
        .out()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let documented: Vec<Value> = lines
        .iter()
        .skip(1)
        .step_by(2)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers, documented);
}

/// The command line of the faulty adapter (cli/tests/fixtures/faulty_adapter.py) wrapping the
/// built-in adapter, with one `kind:id` argument per fault.
fn faulty_adapter(faults: impl IntoIterator<Item = String>) -> String {
    let script = repo().join("cli/tests/fixtures/faulty_adapter.py");
    let mut command = format!("{} '{}' '{}'", python(), script.display(), bin());
    for fault in faults {
        command.push(' ');
        command.push_str(&fault);
    }
    command
}
