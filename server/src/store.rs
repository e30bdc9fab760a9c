//! The store: one SQLite file (WAL, `synchronous=FULL`) behind one connection and one mutex,
//! so that writes are serialized and each compare-and-swap is atomic; an acknowledgement is
//! sent only after its transaction committed (server/PROTOCOL.md, "Durability and
//! concurrency").
//!
//! Every log is kept as one or more **histories**, named by a device: the honest server and
//! every mode but `fork` use the one history `""`; `fork` keeps one per device. A history is
//! its entries, every checkpoint it ever had (so `truncate` can serve an old one) and, in
//! memory, its Merkle tree (loaded from the leaves on first use, extended after each
//! committed append).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, params};

use crate::tree::Tree;

/// An error answer: status, `error` code, detail, and the current object of a conflict.
#[derive(Debug)]
pub struct Failure {
    /// HTTP status.
    pub status: u16,
    /// The `error` code of PROTOCOL.md's table.
    pub code: &'static str,
    /// A human-readable detail.
    pub detail: String,
    /// Extra fields of the body (a conflict's current object and size).
    pub extra: Vec<(&'static str, serde_json::Value)>,
}

impl Failure {
    /// A failure without extra fields.
    pub fn new(status: u16, code: &'static str, detail: impl Into<String>) -> Self {
        Failure {
            status,
            code,
            detail: detail.into(),
            extra: Vec::new(),
        }
    }

    /// `400 inconsistent`.
    pub fn inconsistent(detail: impl Into<String>) -> Self {
        Failure::new(400, "inconsistent", detail)
    }

    fn internal(e: impl std::fmt::Display) -> Self {
        Failure::new(500, "internal", e.to_string())
    }
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Self {
        Failure::internal(e)
    }
}

/// What a handler gets back: a value, or an error answer.
pub type Result<T> = std::result::Result<T, Failure>;

/// The store shared by the worker threads.
pub struct Store {
    db: Mutex<Db>,
}

/// The connection and the trees, held while one request is served.
pub struct Db {
    conn: Connection,
    trees: HashMap<(String, String, String), Tree>,
    /// `fork`: the (user, log, device) histories that a device appended to since the server
    /// started. Only those devices are shown another device's history.
    appended: HashSet<(String, String, String)>,
}

/// A log's history in a request: whose it is and its current checkpoint.
#[derive(Clone, Debug)]
pub struct Current {
    /// The device name of the history.
    pub device: String,
    /// The current checkpoint's text.
    pub checkpoint: String,
    /// Its size.
    pub size: u64,
}

/// An append after its request-only checks.
pub struct Append<'a> {
    /// `expected_size`.
    pub expected_size: u64,
    /// `expected_root`.
    pub expected_root: [u8; 32],
    /// The entry's text and bytes.
    pub entry_text: &'a str,
    /// The entry's exact bytes.
    pub entry_bytes: &'a [u8],
    /// The checkpoint, decoded.
    pub checkpoint: &'a strongroom::Checkpoint,
    /// Its text.
    pub checkpoint_text: &'a str,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS keyrings (
    user TEXT NOT NULL, generation INTEGER NOT NULL, text TEXT NOT NULL,
    PRIMARY KEY (user, generation));
CREATE TABLE IF NOT EXISTS logs (
    user TEXT NOT NULL, log_id TEXT NOT NULL, device TEXT NOT NULL,
    PRIMARY KEY (user, log_id, device));
CREATE TABLE IF NOT EXISTS entries (
    user TEXT NOT NULL, log_id TEXT NOT NULL, device TEXT NOT NULL,
    position INTEGER NOT NULL, text TEXT NOT NULL, leaf BLOB NOT NULL,
    PRIMARY KEY (user, log_id, device, position));
CREATE TABLE IF NOT EXISTS checkpoints (
    user TEXT NOT NULL, log_id TEXT NOT NULL, device TEXT NOT NULL,
    size INTEGER NOT NULL, text TEXT NOT NULL,
    PRIMARY KEY (user, log_id, device, size));
";

impl Store {
    /// Opens (or creates) the store at `path`.
    pub fn open(path: &Path) -> rusqlite::Result<Store> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        Ok(Store {
            db: Mutex::new(Db {
                conn,
                trees: HashMap::new(),
                appended: HashSet::new(),
            }),
        })
    }

    /// The store for one request; other requests wait.
    pub fn lock(&self) -> MutexGuard<'_, Db> {
        self.db
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl Db {
    /// Every stored keyring generation of `user`, oldest first, as (generation, text).
    pub fn keyrings(&self, user: &str) -> Result<Vec<(u64, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT generation, text FROM keyrings WHERE user = ?1 ORDER BY generation",
        )?;
        let rows = stmt.query_map([user], |r| Ok((to_u64(r.get(0)?), r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The current keyring of `user`, or `404 unknown_user`.
    pub fn keyring(&self, user: &str) -> Result<String> {
        self.conn
            .query_row(
                "SELECT text FROM keyrings WHERE user = ?1 ORDER BY generation DESC LIMIT 1",
                [user],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| Failure::new(404, "unknown_user", format!("no keyring for {user}")))
    }

    /// The current keyring of some other user (the first by name), if any.
    pub fn other_keyring(&self, user: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT text FROM keyrings WHERE user = (SELECT MIN(user) FROM keyrings WHERE user != ?1) \
                 ORDER BY generation DESC LIMIT 1",
                [user],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The keyring id of `user`'s current keyring, or `404 unknown_user`.
    pub fn keyring_id(&self, user: &str) -> Result<[u8; 16]> {
        let text = self.keyring(user)?;
        let keyring = strongroom::Keyring::from_text(&text).map_err(Failure::internal)?;
        Ok(*keyring.id())
    }

    /// PUT keyring: compare-and-swap on the generation (PROTOCOL.md, "Keyrings").
    pub fn put_keyring(
        &mut self,
        user: &str,
        keyring: &strongroom::Keyring,
        text: &str,
        expected: Option<u64>,
    ) -> Result<String> {
        let tx = self.conn.transaction()?;
        let current: Option<(u64, String)> = tx
            .query_row(
                "SELECT generation, text FROM keyrings WHERE user = ?1 ORDER BY generation DESC LIMIT 1",
                [user],
                |r| Ok((to_u64(r.get(0)?), r.get(1)?)),
            )
            .optional()?;
        let conflict = |current: String| {
            let mut f = Failure::new(409, "conflict", "the expected generation is stale");
            f.extra.push(("keyring", current.into()));
            f
        };
        match (current, expected) {
            (Some((_, cur)), _) if cur == text => return Ok(cur),
            (Some((_, cur)), None) => return Err(conflict(cur)),
            (None, Some(_)) => {
                return Err(Failure::new(
                    404,
                    "unknown_user",
                    format!("no keyring for {user}"),
                ));
            }
            (Some((generation, cur)), Some(n)) => {
                if generation != n {
                    return Err(conflict(cur));
                }
                let cur_keyring =
                    strongroom::Keyring::from_text(&cur).map_err(Failure::internal)?;
                if cur_keyring.id() != keyring.id() {
                    return Err(Failure::inconsistent("another keyring id than the user's"));
                }
                if keyring.generation() <= generation {
                    return Err(Failure::inconsistent(format!(
                        "generation {} does not increase from {generation}",
                        keyring.generation()
                    )));
                }
            }
            (None, None) => {}
        }
        tx.execute(
            "INSERT INTO keyrings (user, generation, text) VALUES (?1, ?2, ?3)",
            params![user, to_i64(keyring.generation()), text],
        )?;
        tx.commit()?;
        Ok(text.to_owned())
    }

    fn sizes(&self, user: &str, log: &str) -> Result<Vec<(String, u64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT device, MAX(size) FROM checkpoints WHERE user = ?1 AND log_id = ?2 \
             GROUP BY device ORDER BY device",
        )?;
        let rows = stmt.query_map([user, log], |r| Ok((r.get(0)?, to_u64(r.get(1)?))))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The history served to `device` (PROTOCOL.md, `fork`; with one history, that one). A
    /// device that has no history of an existing log first gets a copy of the shared one
    /// (`""`, the history the honest server wrote; else the longest). A device that has
    /// appended since the server started is served the longest history of another device
    /// that is at least as long as its own (the first by name at equal length), if any; every
    /// other device its own. So two devices that read and then append are each kept unaware
    /// of the other's append until both have appended, and are then shown each other's: a
    /// fork. `404 unknown_log` if no device has the log.
    pub fn served(&mut self, user: &str, log: &str, device: &str) -> Result<Current> {
        let mut sizes = self.sizes(user, log)?;
        let longest = sizes
            .iter()
            .fold(None::<&(String, u64)>, |b, s| match b {
                Some(b) if b.1 >= s.1 => Some(b),
                _ => Some(s),
            })
            .cloned();
        let Some(longest) = longest else {
            return Err(Failure::new(
                404,
                "unknown_log",
                format!("no log {log} for {user}"),
            ));
        };
        if !sizes.iter().any(|(d, _)| d == device) {
            let from = sizes
                .iter()
                .find(|(d, _)| d.is_empty())
                .cloned()
                .unwrap_or(longest);
            self.copy_history(user, log, &from.0, device)?;
            sizes.push((device.to_owned(), from.1));
        }
        let own_size = sizes
            .iter()
            .find(|(d, _)| d == device)
            .map_or(0, |(_, s)| *s);
        let key = (user.to_owned(), log.to_owned(), device.to_owned());
        let mut served = (device.to_owned(), own_size);
        if self.appended.contains(&key) {
            for (d, s) in &sizes {
                if d != device && *s >= own_size && (served.0 == device || *s > served.1) {
                    served = (d.clone(), *s);
                }
            }
        }
        let (served, size) = served;
        let checkpoint = self
            .checkpoint_at(user, log, &served, size)?
            .unwrap_or_default();
        Ok(Current {
            device: served,
            checkpoint,
            size,
        })
    }

    /// Replaces `to`'s history of the log with a copy of `from`'s, in one transaction.
    fn copy_history(&mut self, user: &str, log: &str, from: &str, to: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
        copy_rows(&tx, user, log, from, to, u64::MAX)?;
        tx.commit()?;
        self.trees
            .remove(&(user.to_owned(), log.to_owned(), to.to_owned()));
        Ok(())
    }

    /// The checkpoint of a history at `size`, if it had one.
    pub fn checkpoint_at(
        &self,
        user: &str,
        log: &str,
        device: &str,
        size: u64,
    ) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT text FROM checkpoints WHERE user = ?1 AND log_id = ?2 AND device = ?3 AND size = ?4",
                params![user, log, device, to_i64(size)],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The Merkle tree of a history, loaded from its leaves on first use.
    pub fn tree(&mut self, user: &str, log: &str, device: &str) -> Result<&Tree> {
        let key = (user.to_owned(), log.to_owned(), device.to_owned());
        if !self.trees.contains_key(&key) {
            let mut stmt = self.conn.prepare_cached(
                "SELECT leaf FROM entries WHERE user = ?1 AND log_id = ?2 AND device = ?3 ORDER BY position",
            )?;
            let leaves = stmt
                .query_map([user, log, device], |r| r.get::<_, Vec<u8>>(0))?
                .map(|leaf| {
                    let leaf = leaf?;
                    <[u8; 32]>::try_from(leaf.as_slice())
                        .map_err(|_| Failure::internal("a stored leaf is not 32 bytes"))
                })
                .collect::<Result<Vec<_>>>()?;
            self.trees.insert(key.clone(), Tree::from_leaves(leaves));
        }
        self.trees
            .get(&key)
            .ok_or_else(|| Failure::internal("tree cache"))
    }

    /// Entries `from .. to` of a history (at most `limit`), in order.
    pub fn entries(
        &self,
        user: &str,
        log: &str,
        device: &str,
        from: u64,
        to: u64,
        limit: u64,
    ) -> Result<Vec<(u64, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT position, text FROM entries WHERE user = ?1 AND log_id = ?2 AND device = ?3 \
             AND position >= ?4 AND position < ?5 ORDER BY position LIMIT ?6",
        )?;
        let rows = stmt.query_map(
            params![user, log, device, to_i64(from), to_i64(to), to_i64(limit)],
            |r| Ok((to_u64(r.get(0)?), r.get(1)?)),
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The entry at `position` of a history.
    pub fn entry(
        &self,
        user: &str,
        log: &str,
        device: &str,
        position: u64,
    ) -> Result<Option<String>> {
        Ok(self
            .entries(user, log, device, position, position.saturating_add(1), 1)?
            .pop()
            .map(|(_, text)| text))
    }

    /// Entry 0 of a log of another user (the first by user, log and device), if any.
    pub fn other_entry0(&self, user: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT text FROM entries WHERE user != ?1 AND position = 0 ORDER BY user, log_id, device LIMIT 1",
                [user],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// PUT log: creates the device's history from the log's first checkpoint (already
    /// checked: size 0, empty root, the user's keyring, this log). `Ok(true)`: created (201);
    /// `Ok(false)`: an identical retry (200); otherwise `409` with the served checkpoint.
    pub fn create_log(
        &mut self,
        user: &str,
        log: &str,
        device: &str,
        checkpoint: &str,
    ) -> Result<bool> {
        if !self.sizes(user, log)?.is_empty() {
            let served = self.served(user, log, device)?;
            if self.checkpoint_at(user, log, device, 0)?.as_deref() == Some(checkpoint) {
                return Ok(false);
            }
            let mut f = Failure::new(409, "conflict", "the log exists");
            f.extra.push(("checkpoint", served.checkpoint.into()));
            return Err(f);
        }
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO logs (user, log_id, device) VALUES (?1, ?2, ?3)",
            [user, log, device],
        )?;
        tx.execute(
            "INSERT INTO checkpoints (user, log_id, device, size, text) VALUES (?1, ?2, ?3, 0, ?4)",
            [user, log, device, checkpoint],
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// POST entries: one append by compare-and-swap (PROTOCOL.md, SR-LOG-17) to the device's
    /// history. With `fork` (the hostile mode), an append whose expectation is not the
    /// device's current checkpoint but a checkpoint some history had (its own first, then
    /// the others by name) goes to that history up to the expected size: the device's history
    /// becomes a fork. Returns the position stored (or stored before, for an identical retry).
    pub fn append(
        &mut self,
        user: &str,
        log: &str,
        device: &str,
        fork: bool,
        a: &Append<'_>,
    ) -> Result<u64> {
        let position = self.append_to_history(user, log, device, fork, a)?;
        if fork {
            self.appended
                .insert((user.to_owned(), log.to_owned(), device.to_owned()));
        }
        Ok(position)
    }

    fn append_to_history(
        &mut self,
        user: &str,
        log: &str,
        device: &str,
        fork: bool,
        a: &Append<'_>,
    ) -> Result<u64> {
        let served = self.served(user, log, device)?;
        let sizes = self.sizes(user, log)?;
        let own_size = sizes
            .iter()
            .find(|(d, _)| d == device)
            .map_or(0, |(_, s)| *s);
        let own = self
            .checkpoint_at(user, log, device, own_size)?
            .unwrap_or_default();
        if own == a.checkpoint_text {
            return Ok(own_size.saturating_sub(1));
        }
        let mut source = None;
        if self.matches(&own, a) {
            source = Some(device.to_owned());
        } else if fork {
            let mut candidates: Vec<&str> = vec![device];
            candidates.extend(
                sizes
                    .iter()
                    .map(|(d, _)| d.as_str())
                    .filter(|d| *d != device),
            );
            for d in candidates {
                let at = self.checkpoint_at(user, log, d, a.expected_size)?;
                if at.is_some_and(|c| self.matches(&c, a)) {
                    source = Some(d.to_owned());
                    break;
                }
            }
        }
        let Some(source) = source else {
            let mut f = Failure::new(409, "conflict", "the expected size and root are stale");
            f.extra.push(("checkpoint", served.checkpoint.into()));
            f.extra.push(("size", served.size.into()));
            return Err(f);
        };
        let leaf = strongroom::LogTree::leaf_hash(a.entry_bytes);
        let position = a.expected_size;
        let tree = self.tree(user, log, &source)?;
        if tree.len() < position || tree.root_with(position, leaf) != *a.checkpoint.root() {
            return Err(Failure::inconsistent(
                "the stored entries followed by this entry do not give the checkpoint's root",
            ));
        }
        let mut tree = tree.prefix(position);
        let tx = self.conn.transaction()?;
        if source != device || own_size != position {
            copy_rows(&tx, user, log, &source, device, position)?;
        }
        tx.execute(
            "INSERT INTO entries (user, log_id, device, position, text, leaf) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![user, log, device, to_i64(position), a.entry_text, leaf.as_slice()],
        )?;
        tx.execute(
            "INSERT INTO checkpoints (user, log_id, device, size, text) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![user, log, device, to_i64(position + 1), a.checkpoint_text],
        )?;
        tx.commit()?;
        tree.push(leaf);
        self.trees
            .insert((user.to_owned(), log.to_owned(), device.to_owned()), tree);
        Ok(position)
    }

    /// Whether a stored checkpoint has the append's expected size and root.
    fn matches(&self, checkpoint: &str, a: &Append<'_>) -> bool {
        strongroom::Checkpoint::from_text(checkpoint)
            .is_ok_and(|c| c.size() == a.expected_size && *c.root() == a.expected_root)
    }
}

/// Replaces `to`'s rows of the log with a copy of `from`'s up to size `upto` (the caller's
/// transaction).
fn copy_rows(
    conn: &Connection,
    user: &str,
    log: &str,
    from: &str,
    to: &str,
    upto: u64,
) -> Result<()> {
    let upto = to_i64(upto);
    if from == to {
        conn.execute(
            "DELETE FROM entries WHERE user = ?1 AND log_id = ?2 AND device = ?3 AND position >= ?4",
            params![user, log, to, upto],
        )?;
        conn.execute(
            "DELETE FROM checkpoints WHERE user = ?1 AND log_id = ?2 AND device = ?3 AND size > ?4",
            params![user, log, to, upto],
        )?;
        return Ok(());
    }
    for table in ["logs", "entries", "checkpoints"] {
        conn.execute(
            &format!("DELETE FROM {table} WHERE user = ?1 AND log_id = ?2 AND device = ?3"),
            [user, log, to],
        )?;
    }
    conn.execute(
        "INSERT INTO logs SELECT user, log_id, ?3 FROM logs WHERE user = ?1 AND log_id = ?2 AND device = ?4",
        [user, log, to, from],
    )?;
    conn.execute(
        "INSERT INTO entries SELECT user, log_id, ?3, position, text, leaf FROM entries \
         WHERE user = ?1 AND log_id = ?2 AND device = ?4 AND position < ?5",
        params![user, log, to, from, upto],
    )?;
    conn.execute(
        "INSERT INTO checkpoints SELECT user, log_id, ?3, size, text FROM checkpoints \
         WHERE user = ?1 AND log_id = ?2 AND device = ?4 AND size <= ?5",
        params![user, log, to, from, upto],
    )?;
    Ok(())
}
