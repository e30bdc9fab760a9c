//! `strongroom inspect`: any object, binary or text form, decoded strictly without keys.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::json;
use strongroom::{KdfParams, Keyring, SealedRecord, SlotKind, StreamHeader};

use crate::dash;
use crate::diag;
use crate::fail::{CliError, CliResult, show};
use crate::files::{self, Form};
use crate::term;

/// Help text.
pub const HELP: &str = "\
Examples:
  strongroom inspect alice.srk
  strongroom inspect entry.srr --diag
  strongroom inspect --json < entry.srr
  strongroom inspect disk.img.srs
  echo 'srk1.oQEB' | strongroom inspect

Binary or text form is detected; so is the object type (or give --type). Malformed input
is reported with its SPEC.md error class and reason code (exit status 1; with --json the
verdict is printed as JSON on standard output as well). Labels are chosen by whoever made
the keyring: in every view, characters that could reorder or hide text on a terminal
(bidirectional controls, line separators, escape sequences) are shown escaped.

A sealed stream (object type 4) shows its 95-byte header and the chunk count and payload
length that its length implies (read to the end in constant memory; a file's size is
taken as it is); the chunks themselves are checked only by `open`, with the key.";

/// Object types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ObjectType {
    /// A keyring (`srk1.`).
    Keyring,
    /// A sealed record (`srr1.`).
    Record,
    /// A sealed stream (binary only).
    Stream,
}

/// `inspect`.
#[derive(Args)]
pub struct InspectArgs {
    /// The object (`-` or nothing for standard input).
    #[arg(default_value_os_t = dash())]
    pub input: PathBuf,
    /// Print CBOR diagnostic notation (with field names as comments).
    #[arg(long, conflicts_with = "json")]
    pub diag: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Decode as this object type instead of guessing from the prefix or header.
    #[arg(long = "type", value_enum, value_name = "TYPE")]
    pub object_type: Option<ObjectType>,
}

enum Object {
    Keyring(Keyring),
    Record(SealedRecord),
}

/// Guesses the object type from the text prefix or the header bytes `a? 01 0t`.
fn guess(bytes: &[u8], text: Option<&str>) -> ObjectType {
    match text {
        Some(t) if t.starts_with("srr") => ObjectType::Record,
        Some(_) => ObjectType::Keyring,
        None if bytes.get(1) == Some(&0x01) && bytes.get(2) == Some(&0x02) => ObjectType::Record,
        None if bytes.get(1) == Some(&0x01) && bytes.get(2) == Some(&0x04) => ObjectType::Stream,
        None => ObjectType::Keyring,
    }
}

fn type_name(t: ObjectType) -> &'static str {
    match t {
        ObjectType::Keyring => "keyring",
        ObjectType::Record => "record",
        ObjectType::Stream => "stream",
    }
}

/// Runs `inspect`.
pub fn run(a: InspectArgs) -> CliResult<()> {
    let mut input = files::open_input(&a.input, "object")?;
    let reading = || format!("reading object {}", show(&a.input));
    let mut bytes = vec![0u8; 258];
    let got = files::read_full(&mut *input, &mut bytes).map_err(|e| CliError::io(reading(), e))?;
    bytes.truncate(got);
    let peeked = files::as_text(&bytes).is_some();
    if a.object_type == Some(ObjectType::Stream)
        || (a.object_type.is_none() && !peeked && guess(&bytes, None) == ObjectType::Stream)
    {
        return inspect_stream(&a, bytes, input);
    }
    // Any other object: all of it, bounded.
    let limit = files::MAX_RECORD_INPUT;
    let left = (limit + 1).saturating_sub(bytes.len()) as u64;
    std::io::Read::read_to_end(&mut std::io::Read::take(input, left), &mut bytes)
        .map_err(|e| CliError::io(reading(), e))?;
    if bytes.len() > limit {
        return Err(CliError::Strongroom {
            doing: format!("{}: more than {limit} bytes", reading()),
            err: strongroom::Error::Malformed(strongroom::Malformed::TooLarge),
            hint: None,
        });
    }
    let text = files::as_text(&bytes);
    let form = if text.is_some() {
        Form::Text
    } else {
        Form::Binary
    };
    let ty = a.object_type.unwrap_or_else(|| guess(&bytes, text));
    let decoded = match (ty, text) {
        (ObjectType::Keyring, Some(t)) => Keyring::from_text(t).map(Object::Keyring),
        (ObjectType::Keyring, None) => Keyring::from_bytes(&bytes).map(Object::Keyring),
        (ObjectType::Record, Some(t)) => SealedRecord::from_text(t).map(Object::Record),
        (ObjectType::Record, None) => SealedRecord::from_bytes(&bytes).map(Object::Record),
        (ObjectType::Stream, _) => Err(strongroom::Malformed::TextPrefix.into()),
    };
    let form_name = if form == Form::Text { "text" } else { "binary" };
    let object = match decoded {
        Ok(o) => o,
        Err(err) => return Err(refusal(&a, ty, form_name, err)),
    };
    let encoding = match &object {
        Object::Keyring(k) => k.as_bytes(),
        Object::Record(r) => r.as_bytes(),
    };
    if a.diag {
        let node = diag::parse(encoding)
            .ok_or_else(|| CliError::usage("internal: accepted object is not one CBOR item"))?;
        print!("{}", diag::render(&node));
        return Ok(());
    }
    if a.json {
        let out = match &object {
            Object::Keyring(k) => keyring_json(k, form_name),
            Object::Record(r) => record_json(r, form_name),
        };
        println!("{}", term::json_pretty(&out));
        return Ok(());
    }
    match &object {
        Object::Keyring(k) => print_keyring(k, form_name),
        Object::Record(r) => print_record(r, form_name),
    }
    Ok(())
}

/// A decoding failure: printed as JSON too with --json.
fn refusal(a: &InspectArgs, ty: ObjectType, form_name: &str, err: strongroom::Error) -> CliError {
    if a.json {
        let out = json!({
            "valid": false,
            "object": type_name(ty),
            "form": form_name,
            "class": err.class(),
            "reason": err.reason(),
            "message": err.to_string(),
        });
        println!("{}", term::json_pretty(&out));
    }
    CliError::Strongroom {
        doing: format!(
            "decoding {} {} as a {}",
            form_name,
            show(&a.input),
            type_name(ty)
        ),
        err,
        hint: None,
    }
}

/// `inspect` of a sealed stream: its header from the first bytes, its length from the file's
/// size or by reading standard input to the end.
fn inspect_stream(
    a: &InspectArgs,
    prefix: Vec<u8>,
    mut rest: Box<dyn std::io::Read>,
) -> CliResult<()> {
    let header = match StreamHeader::decode(&prefix) {
        Ok(h) => h,
        Err(err) => return Err(refusal(a, ObjectType::Stream, "binary", err)),
    };
    let size = match files::input_len(&a.input) {
        Some(n) => n,
        None => {
            let more = std::io::copy(&mut rest, &mut std::io::sink())
                .map_err(|e| CliError::io(format!("reading object {}", show(&a.input)), e))?;
            (prefix.len() as u64).saturating_add(more)
        }
    };
    let chunks = strongroom::stream_chunk_count(size);
    let payload = chunks.and_then(|c| {
        size.checked_sub(strongroom::STREAM_HEADER_LEN as u64)?
            .checked_sub(c.checked_mul(strongroom::STREAM_FRAME_OVERHEAD as u64)?)
    });
    if a.diag {
        let node = diag::parse(header.as_bytes())
            .ok_or_else(|| CliError::usage("internal: accepted header is not one CBOR item"))?;
        print!("{}", diag::render(&node));
        return Ok(());
    }
    if a.json {
        let out = json!({
            "valid": true,
            "object": "stream",
            "form": "binary",
            "size": size,
            "version": 1,
            "keyring_id": hex::encode(header.keyring_id()),
            "salt": hex::encode(header.salt()),
            "chunk_size": header.chunk_size(),
            "commitment": hex::encode(header.commitment()),
            "chunks": chunks,
            "payload_len": payload,
            "header": hex::encode(header.as_bytes()),
        });
        println!("{}", term::json_pretty(&out));
        return Ok(());
    }
    println!("sealed stream (binary, {size} bytes), format version 1");
    println!("  keyring id   {}", hex::encode(header.keyring_id()));
    println!("  salt         {}", hex::encode(header.salt()));
    println!("  chunk size   {} bytes", header.chunk_size());
    println!("  commitment   {}", hex::encode(header.commitment()));
    match (chunks, payload) {
        (Some(c), Some(p)) => {
            println!("  chunks       {c} (from the length: 95-byte header, 32 bytes per frame)");
            println!("  payload      {p} bytes (if the stream is whole; only `open` can tell)");
        }
        _ => println!("  chunks       none: too short for a frame (a cut stream)"),
    }
    Ok(())
}

fn kdf_fields(kdf: &KdfParams) -> serde_json::Value {
    match *kdf {
        KdfParams::Pbkdf2Sha256 { iterations } => {
            json!({"id": 1, "name": "pbkdf2-hmac-sha256", "iterations": iterations})
        }
        KdfParams::Argon2id {
            memory_kib,
            time_cost,
            parallelism,
        } => json!({"id": 2, "name": "argon2id", "memory_kib": memory_kib,
                    "time_cost": time_cost, "parallelism": parallelism}),
        _ => json!({"name": "unknown"}),
    }
}

/// A slot kind's name in the views: "unknown" for a skippable kind this version does not
/// implement (its number is `kind_id`).
fn kind_name(kind: &SlotKind) -> &'static str {
    match kind {
        SlotKind::Password { .. } => "password",
        SlotKind::SecretKey { .. } => "secret-key",
        SlotKind::Unknown(_) => "unknown",
        _ => "recovery",
    }
}

fn keyring_json(k: &Keyring, form: &str) -> serde_json::Value {
    let slots: Vec<_> = k
        .slots()
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut v = json!({
                "index": i,
                "kind": kind_name(s.kind()),
                "kind_id": s.kind().id(),
                "label": s.label(),
            });
            if let SlotKind::Password { kdf, salt } | SlotKind::SecretKey { kdf, salt } = s.kind() {
                v["kdf"] = kdf_fields(kdf);
                v["salt"] = json!(hex::encode(salt));
            }
            if let Some(nonce) = s.nonce() {
                v["nonce"] = json!(hex::encode(nonce));
            }
            v["wrapped_dek"] = json!(hex::encode(s.wrapped_dek()));
            v["commitment"] = json!(hex::encode(s.commitment()));
            v
        })
        .collect();
    json!({
        "valid": true,
        "object": "keyring",
        "form": form,
        "size": k.as_bytes().len(),
        "version": 1,
        "id": hex::encode(k.id()),
        "generation": k.generation(),
        "slots": slots,
        "mac": hex::encode(k.mac()),
        "hex": hex::encode(k.as_bytes()),
        "text": k.to_text(),
    })
}

fn record_json(r: &SealedRecord, form: &str) -> serde_json::Value {
    json!({
        "valid": true,
        "object": "record",
        "form": form,
        "size": r.as_bytes().len(),
        "version": 1,
        "keyring_id": hex::encode(r.keyring_id()),
        "salt": hex::encode(r.salt()),
        "nonce": hex::encode(r.nonce()),
        "commitment": hex::encode(r.commitment()),
        "ciphertext_len": r.ciphertext().len(),
        "plaintext_len": r.plaintext_len(),
        "header": hex::encode(r.header()),
        "ciphertext": hex::encode(r.ciphertext()),
    })
}

fn print_keyring(k: &Keyring, form: &str) {
    println!(
        "keyring ({form} form, {} bytes), format version 1",
        k.as_bytes().len()
    );
    println!("  id           {}", hex::encode(k.id()));
    println!("  generation   {}", k.generation());
    println!("  mac          {}", hex::encode(k.mac()));
    println!("  slots        {}", k.slots().len());
    for (i, s) in k.slots().iter().enumerate() {
        match s.kind() {
            SlotKind::Password { kdf, salt } | SlotKind::SecretKey { kdf, salt } => {
                println!("  slot {i}: {}, label {:?}", kind_name(s.kind()), s.label());
                println!("    kdf          {}", crate::opts::describe_kdf(kdf));
                println!("    salt         {}", hex::encode(salt));
            }
            SlotKind::Unknown(n) => println!(
                "  slot {i}: unknown kind {n} (never tried, kept as it is), label {:?}",
                s.label()
            ),
            _ => println!("  slot {i}: recovery, label {:?}", s.label()),
        }
        if let Some(nonce) = s.nonce() {
            println!("    nonce        {}", hex::encode(nonce));
        }
        println!("    wrapped DEK  {}", hex::encode(s.wrapped_dek()));
        println!("    commitment   {}", hex::encode(s.commitment()));
    }
}

fn print_record(r: &SealedRecord, form: &str) {
    println!(
        "sealed record ({form} form, {} bytes), format version 1",
        r.as_bytes().len()
    );
    println!("  keyring id   {}", hex::encode(r.keyring_id()));
    println!("  salt         {}", hex::encode(r.salt()));
    println!("  nonce        {}", hex::encode(r.nonce()));
    println!("  commitment   {}", hex::encode(r.commitment()));
    println!(
        "  ciphertext   {} bytes ({} of plaintext, 16-byte tag)",
        r.ciphertext().len(),
        r.plaintext_len()
    );
}
