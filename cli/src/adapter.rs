//! The built-in implementation behind CONFORMANCE.md's protocol: one JSON request per line
//! on standard input, one JSON answer per line on standard output.
//!
//! Each request carries one vector operation and its `inputs` exactly as the vector files
//! spell them (vectors/README.md section 4); the operation itself is carried out by the
//! same executor that generates the vectors and that `conformance/tests/vectors.rs` runs
//! (`strongroom-conformance`). `handle` is also what `vectors verify` calls in-process.

use std::io::{BufRead, Write};

use serde_json::{Map, Value, json};

use crate::exec;
use crate::fail::{CliError, CliResult};

/// Help text.
pub const HELP: &str = "\
Reads one JSON request per line on standard input and answers each with one JSON line on
standard output, as CONFORMANCE.md specifies; this is the built-in implementation that
`strongroom conformance --impl 'strongroom adapter'` drives. A port's adapter speaks the
same protocol.

Example:
  echo '{\"id\":\"hello\",\"op\":\"hello\",\"args\":{\"protocol\":1}}' | strongroom adapter";

/// Protocol version spoken.
pub const PROTOCOL: u64 = 1;

/// Operations of vectors/README.md section 4 that this runner and adapter know.
pub fn operations() -> &'static [&'static str] {
    exec::OPERATIONS
}

/// `info` of the DEK fingerprint (CONFORMANCE.md section 3.1): a label that no Strongroom
/// derivation uses.
pub const DEK_FINGERPRINT_INFO: &[u8] = b"strongroom-conformance/dek-fingerprint";

/// The DEK fingerprint of CONFORMANCE.md section 3.1, lowercase hex:
/// HKDF-SHA256(IKM = DEK, salt = 32 zero bytes, info = [`DEK_FINGERPRINT_INFO`], L = 32).
/// For conformance testing only: it lets a port whose DEK cannot be exported (a
/// non-extractable WebCrypto key) show which DEK it holds.
pub fn dek_fingerprint(dek: &[u8]) -> String {
    let mut okm = [0u8; 32];
    hkdf::Hkdf::<sha2::Sha256>::new(Some(&[0u8; 32]), dek)
        .expand(DEK_FINGERPRINT_INFO, &mut okm)
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    hex::encode(okm)
}

/// Runs the adapter until standard input ends.
pub fn run() -> CliResult<()> {
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line.map_err(|e| CliError::io("reading standard input", e))?;
        if line.trim().is_empty() {
            continue;
        }
        let response = match serde_json::from_str::<Value>(&line) {
            Ok(req) => handle(&req),
            Err(e) => json!({"id": null, "result": "protocol_error",
                             "message": format!("request is not JSON: {e}")}),
        };
        writeln!(stdout, "{response}")
            .and_then(|()| stdout.flush())
            .map_err(|e| CliError::io("writing standard output", e))?;
    }
    Ok(())
}

/// Answers one request.
pub fn handle(req: &Value) -> Value {
    let id = req.get("id").cloned().unwrap_or(Value::Null);
    let op = req.get("op").and_then(Value::as_str).unwrap_or("");
    let empty = Map::new();
    let args = req.get("args").and_then(Value::as_object).unwrap_or(&empty);
    if op == "hello" {
        let mut ops = vec!["hello"];
        ops.extend_from_slice(operations());
        return json!({"id": id, "result": "success", "output": {
            "implementation": format!("strongroom {} (Rust, built in)", env!("CARGO_PKG_VERSION")),
            "protocol": PROTOCOL,
            "operations": ops,
        }});
    }
    if !operations().contains(&op) {
        return json!({"id": id, "result": "unsupported"});
    }
    match exec::run(op, args) {
        Ok(run) => match run.outcome {
            Ok(mut output) => {
                // Answer the DEK's fingerprint next to the DEK itself (CONFORMANCE.md section
                // 3.1), so that the runner's fingerprint comparison runs on every suite run.
                if let Some(fp) = output
                    .get("dek")
                    .and_then(Value::as_str)
                    .and_then(|d| hex::decode(d).ok())
                    .map(|d| dek_fingerprint(&d))
                {
                    output.insert("dek_fingerprint".into(), Value::String(fp));
                }
                json!({"id": id, "result": "success", "output": output})
            }
            Err(e) => {
                let mut a =
                    json!({"id": id, "result": "error", "class": e.class(), "reason": e.reason()});
                // open_stream: the chunks released before the failure (vectors/README.md 4.2).
                if let Some(n) = run.released_chunks {
                    a["released_chunks"] = n.into();
                }
                a
            }
        },
        // The request could not be followed (a broken vector, a draw of the wrong size, a
        // failed setup): not an answer about Strongroom, so the runner fails the case.
        Err(message) => json!({"id": id, "result": "protocol_error", "message": message}),
    }
}
