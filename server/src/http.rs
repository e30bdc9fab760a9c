//! Routing and the handlers of server/PROTOCOL.md: requests in, JSON out, every error
//! answer in the protocol's table and changing nothing. The HTTP itself (limits, framing,
//! `413` for a body over 1 MiB before it is read) is `wire`'s.

use std::cell::Cell;

use serde_json::{Value, json};

use crate::hostile::{self, Mode};
use crate::store::{Append, Current, Db, Failure, Result, Store};
use crate::wire::{Request, Response};

/// The most entries one listing answers.
const MAX_LISTING: u64 = 10_000;

/// What every worker thread shares.
pub struct App {
    /// The store.
    pub store: Store,
    /// The hostile mode, if any.
    pub mode: Option<Mode>,
}

/// A successful answer: status and body.
type Reply = (u16, Value);

/// Serves one request (its whole body read): its answer.
pub fn handle(app: &App, request: &Request) -> Response {
    // The methods of a path, when it is asked with another (for `Allow`).
    let allowed = Cell::new(None);
    let (status, body) = match route(app, request, &allowed) {
        Ok(reply) => reply,
        Err(f) => {
            let mut body = json!({"error": f.code, "detail": f.detail});
            for (k, v) in f.extra {
                body[k] = v;
            }
            (f.status, body)
        }
    };
    let mut response = Response::json(status, &body);
    if status == 405 {
        response.allow = allowed.get().map(|methods: &[&str]| methods.join(", "));
    }
    response
}

fn bad_request(detail: impl Into<String>) -> Failure {
    Failure::new(400, "bad_request", detail)
}

fn not_found(detail: impl Into<String>) -> Failure {
    Failure::new(404, "not_found", detail)
}

fn malformed(what: &str, e: &strongroom::Error) -> Failure {
    let reason = e.reason().map(|r| format!(" {r}")).unwrap_or_default();
    Failure::new(
        400,
        "malformed_object",
        format!("{what}: {}{reason} ({e})", e.class()),
    )
}

/// `[A-Za-z0-9._-]{1,64}`: a user name or a device name.
pub fn valid_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
}

fn valid_log(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

struct Query<'a>(Vec<(&'a str, &'a str)>);

impl Query<'_> {
    fn number(&self, key: &str) -> Result<Option<u64>> {
        match self.0.iter().find(|(k, _)| *k == key) {
            None => Ok(None),
            Some((_, v)) => v
                .parse::<u64>()
                .map(Some)
                .map_err(|_| bad_request(format!("query {key}={v} is not a number"))),
        }
    }
}

fn route(
    app: &App,
    request: &Request,
    allowed: &Cell<Option<&'static [&'static str]>>,
) -> Result<Reply> {
    let url = request.target.as_str();
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let query = Query(
        query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| p.split_once('=').unwrap_or((p, "")))
            .collect(),
    );
    let segments: Vec<&str> = path.split('/').collect();
    let method = request.method.as_str();
    let device = match app.mode {
        Some(Mode::Fork) => request
            .header("Strongroom-Client")
            .filter(|d| valid_name(d))
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    };
    let allow = |methods: &'static [&'static str]| -> Result<()> {
        if methods.contains(&method) {
            Ok(())
        } else {
            allowed.set(Some(methods));
            Err(Failure::new(
                405,
                "method_not_allowed",
                format!("{method} {path}"),
            ))
        }
    };
    let names = |user: &str, log: Option<&str>| -> Result<()> {
        if !valid_name(user) {
            return Err(bad_request("bad user name"));
        }
        if log.is_some_and(|l| !valid_log(l)) {
            return Err(bad_request("bad log id: 32 lowercase hex characters"));
        }
        Ok(())
    };
    let ctx = |user: &str, log: &str| Ctx {
        app,
        user: user.to_owned(),
        log: log.to_owned(),
        device: device.clone(),
    };
    match segments.as_slice() {
        ["", "v1", "users", user, "keyring"] => {
            allow(&["GET", "PUT"])?;
            names(user, None)?;
            if method == "GET" {
                get_keyring(app, user)
            } else {
                let body = read_body(request)?;
                put_keyring(app, user, &body)
            }
        }
        ["", "v1", "users", user, "logs", log] => {
            allow(&["PUT"])?;
            names(user, Some(log))?;
            let body = read_body(request)?;
            ctx(user, log).put_log(&body)
        }
        ["", "v1", "users", user, "logs", log, "checkpoint"] => {
            allow(&["GET"])?;
            names(user, Some(log))?;
            ctx(user, log).get_checkpoint(query.number("from")?)
        }
        ["", "v1", "users", user, "logs", log, "entries"] => {
            allow(&["GET", "POST"])?;
            names(user, Some(log))?;
            if method == "GET" {
                ctx(user, log).get_entries(query.number("from")?, query.number("to")?)
            } else {
                let body = read_body(request)?;
                ctx(user, log).post_entry(&body)
            }
        }
        ["", "v1", "users", user, "logs", log, "entries", position] => {
            allow(&["GET"])?;
            names(user, Some(log))?;
            let position = position
                .parse::<u64>()
                .map_err(|_| bad_request("the position is not a number"))?;
            ctx(user, log).get_entry(position, query.number("size")?)
        }
        _ => Err(not_found(format!("no such path: {path}"))),
    }
}

/// The body as a JSON object (`wire` read it whole, at most 1 MiB): `400` if it is not one.
fn read_body(request: &Request) -> Result<serde_json::Map<String, Value>> {
    match serde_json::from_slice(&request.body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(bad_request("the body is not a JSON object")),
        Err(e) => Err(bad_request(format!("the body is not JSON: {e}"))),
    }
}

fn string_field<'a>(body: &'a serde_json::Map<String, Value>, key: &str) -> Result<&'a str> {
    body.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| bad_request(format!("field {key}: a string is required")))
}

fn number_field(body: &serde_json::Map<String, Value>, key: &str) -> Result<u64> {
    body.get(key)
        .and_then(Value::as_u64)
        .ok_or_else(|| bad_request(format!("field {key}: a non-negative integer is required")))
}

fn hashes(list: &[[u8; 32]]) -> Value {
    list.iter().map(hex::encode).collect::<Vec<_>>().into()
}

fn get_keyring(app: &App, user: &str) -> Result<Reply> {
    let db = app.store.lock();
    let current = db.keyring(user)?;
    let served = match app.mode {
        Some(Mode::KeyringRollback) => {
            let all = db.keyrings(user)?;
            match all.len().checked_sub(2).and_then(|i| all.get(i)) {
                Some((_, previous)) => previous.clone(),
                None => current,
            }
        }
        Some(Mode::SlotTransplant) => db
            .other_keyring(user)?
            .and_then(|other| {
                let target = strongroom::Keyring::from_text(&current).ok()?;
                let donor = strongroom::Keyring::from_text(&other).ok()?;
                hostile::transplant_slot(&target, &donor)
            })
            .unwrap_or(current),
        Some(Mode::KdfSwap) => {
            let all = db.keyrings(user)?;
            all.len()
                .checked_sub(2)
                .and_then(|i| all.get(i))
                .and_then(|(_, previous)| {
                    let c = strongroom::Keyring::from_text(&current).ok()?;
                    let p = strongroom::Keyring::from_text(previous).ok()?;
                    hostile::swap_kdf(&c, &p)
                })
                .unwrap_or(current)
        }
        _ => current,
    };
    Ok((200, json!({ "keyring": served })))
}

fn put_keyring(app: &App, user: &str, body: &serde_json::Map<String, Value>) -> Result<Reply> {
    let text = string_field(body, "keyring")?;
    let expected = match body.get("expected_generation") {
        Some(Value::Null) => None,
        Some(v) => Some(v.as_u64().ok_or_else(|| {
            bad_request("field expected_generation: null or a non-negative integer is required")
        })?),
        None => return Err(bad_request("field expected_generation is required")),
    };
    let keyring = strongroom::Keyring::from_text(text).map_err(|e| malformed("keyring", &e))?;
    let stored = app
        .store
        .lock()
        .put_keyring(user, &keyring, text, expected)?;
    Ok((200, json!({ "keyring": stored })))
}

/// One request on one log.
struct Ctx<'a> {
    app: &'a App,
    user: String,
    log: String,
    device: String,
}

impl Ctx<'_> {
    fn checkpoint(&self, body: &serde_json::Map<String, Value>) -> Result<strongroom::Checkpoint> {
        strongroom::Checkpoint::from_text(string_field(body, "checkpoint")?)
            .map_err(|e| malformed("checkpoint", &e))
    }

    /// Checks that a checkpoint names the user's keyring and this log.
    fn check_names(&self, db: &Db, checkpoint: &strongroom::Checkpoint) -> Result<()> {
        if *checkpoint.keyring_id() != db.keyring_id(&self.user)? {
            return Err(Failure::inconsistent(
                "the checkpoint names another keyring id than the user's",
            ));
        }
        if hex::encode(checkpoint.log_id().as_bytes()) != self.log {
            return Err(Failure::inconsistent("the checkpoint names another log"));
        }
        Ok(())
    }

    fn put_log(&self, body: &serde_json::Map<String, Value>) -> Result<Reply> {
        let checkpoint = self.checkpoint(body)?;
        let text = string_field(body, "checkpoint")?;
        let mut db = self.app.store.lock();
        self.check_names(&db, &checkpoint)?;
        if checkpoint.size() != 0 || *checkpoint.root() != crate::tree::empty_root() {
            return Err(Failure::inconsistent(
                "a log's first checkpoint has size 0 and the empty root",
            ));
        }
        let created = db.create_log(&self.user, &self.log, &self.device, text)?;
        Ok((
            if created { 201 } else { 200 },
            json!({ "checkpoint": text }),
        ))
    }

    /// The history served and its checkpoint, after `truncate`'s lie.
    fn view(&self, db: &mut Db) -> Result<Current> {
        db.keyring(&self.user)?;
        let mut current = db.served(&self.user, &self.log, &self.device)?;
        if self.app.mode == Some(Mode::Truncate) && current.size >= 2 {
            let size = current.size - 2;
            if let Some(old) = db.checkpoint_at(&self.user, &self.log, &current.device, size)? {
                current.checkpoint = old;
                current.size = size;
            }
        }
        Ok(current)
    }

    /// What the server serves at `position` in place of `honest` (none: left out).
    fn lie(
        &self,
        db: &Db,
        view: &Current,
        position: u64,
        honest: String,
    ) -> Result<Option<String>> {
        let entry = |p: u64| db.entry(&self.user, &self.log, &view.device, p);
        let two = view.size >= 2;
        Ok(match (self.app.mode, position) {
            (Some(Mode::RecordSwap), 0) => Some(db.other_entry0(&self.user)?.unwrap_or(honest)),
            (Some(Mode::EntrySwap), 0) if two => entry(1)?,
            (Some(Mode::EntryDrop), 1) => None,
            (Some(Mode::Reorder), 0) if two => entry(1)?,
            (Some(Mode::Reorder), 1) => entry(0)?,
            (Some(Mode::Replay), 1) => entry(0)?,
            _ => Some(honest),
        })
    }

    fn get_checkpoint(&self, from: Option<u64>) -> Result<Reply> {
        let mut db = self.app.store.lock();
        let view = self.view(&mut db)?;
        let mut checkpoint = view.checkpoint.clone();
        if self.app.mode == Some(Mode::ForgeCheckpoint) {
            let decoded = strongroom::Checkpoint::from_text(&checkpoint)
                .map_err(|e| Failure::new(500, "internal", e.to_string()))?;
            checkpoint = hostile::forge_checkpoint(&decoded);
        }
        let tree = db.tree(&self.user, &self.log, &view.device)?;
        let consistency = tree.consistency_proof(from.unwrap_or(0), view.size);
        let frontier = tree.frontier(view.size).unwrap_or_default();
        Ok((
            200,
            json!({
                "checkpoint": checkpoint,
                "size": view.size,
                "consistency": hashes(&consistency),
                "frontier": hashes(&frontier),
            }),
        ))
    }

    fn get_entries(&self, from: Option<u64>, to: Option<u64>) -> Result<Reply> {
        let mut db = self.app.store.lock();
        let view = self.view(&mut db)?;
        let from = from.unwrap_or(0);
        let to = to.unwrap_or(view.size).min(view.size);
        let listed = db.entries(&self.user, &self.log, &view.device, from, to, MAX_LISTING)?;
        let mut entries = Vec::with_capacity(listed.len());
        for (position, honest) in listed {
            if let Some(entry) = self.lie(&db, &view, position, honest)? {
                entries.push(json!({ "position": position, "entry": entry }));
            }
        }
        Ok((200, json!({ "entries": entries, "size": view.size })))
    }

    fn get_entry(&self, position: u64, size: Option<u64>) -> Result<Reply> {
        let mut db = self.app.store.lock();
        let view = self.view(&mut db)?;
        let size = size.unwrap_or(view.size);
        if size > view.size || position >= size {
            return Err(not_found(format!(
                "no entry {position} in a log of size {size}"
            )));
        }
        let honest = db
            .entry(&self.user, &self.log, &view.device, position)?
            .ok_or_else(|| not_found("no such entry"))?;
        let entry = self
            .lie(&db, &view, position, honest)?
            .ok_or_else(|| not_found(format!("no entry {position}")))?;
        let tree = db.tree(&self.user, &self.log, &view.device)?;
        let inclusion = tree.inclusion_proof(position, size).unwrap_or_default();
        Ok((
            200,
            json!({
                "position": position,
                "entry": entry,
                "inclusion": hashes(&inclusion),
                "size": size,
            }),
        ))
    }

    fn post_entry(&self, body: &serde_json::Map<String, Value>) -> Result<Reply> {
        let expected_size = number_field(body, "expected_size")?;
        let root_hex = string_field(body, "expected_root")?;
        if root_hex.len() != 64
            || root_hex
                .bytes()
                .any(|b| !matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(bad_request(
                "field expected_root: 64 lowercase hex characters",
            ));
        }
        let mut expected_root = [0u8; 32];
        hex::decode_to_slice(root_hex, &mut expected_root)
            .map_err(|e| bad_request(format!("field expected_root: {e}")))?;
        let entry_text = string_field(body, "entry")?;
        let entry =
            strongroom::SealedRecord::from_text(entry_text).map_err(|e| malformed("entry", &e))?;
        let checkpoint = self.checkpoint(body)?;
        let checkpoint_text = string_field(body, "checkpoint")?;
        let mut db = self.app.store.lock();
        self.check_names(&db, &checkpoint)?;
        if expected_size.checked_add(1) != Some(checkpoint.size()) {
            return Err(Failure::inconsistent(format!(
                "the checkpoint's size {} is not the expected size {expected_size} + 1",
                checkpoint.size()
            )));
        }
        let append = Append {
            expected_size,
            expected_root,
            entry_text,
            entry_bytes: entry.as_bytes(),
            checkpoint: &checkpoint,
            checkpoint_text,
        };
        let fork = self.app.mode == Some(Mode::Fork);
        let position = db.append(&self.user, &self.log, &self.device, fork, &append)?;
        Ok((
            200,
            json!({ "checkpoint": checkpoint_text, "position": position }),
        ))
    }
}
