//! What the server's integration tests share: the built binary on a free port with a fresh
//! database, a minimal HTTP/1.1 client over `TcpStream`, and keyrings and logs built with
//! the `strongroom` crate under a KDF cheap enough for tests.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::{Value, json};
use strongroom::{
    Checkpoint, ConsistencyProof, Context, KdfParams, Keyring, LogAppend, LogId, LogPin, LogState,
    Password, UnlockPolicy, UnlockedKeyring,
};

pub const FAST: KdfParams = KdfParams::Pbkdf2Sha256 { iterations: 10 };
pub const STRONGER: KdfParams = KdfParams::Pbkdf2Sha256 { iterations: 20 };
pub const APP: Context<'static> = Context::new(b"user:test");

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "strongroom-server-test-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn db(&self) -> PathBuf {
        self.0.join("store.sqlite3")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running server, killed when dropped.
pub struct Server {
    child: Child,
    pub addr: String,
}

impl Server {
    /// Starts the binary on `--listen 127.0.0.1:0` with the given database and mode, and
    /// reads its address from the one line it prints.
    pub fn start(db: &std::path::Path, hostile: Option<&str>) -> Server {
        let mut args = vec!["--threads", "3"];
        if let Some(mode) = hostile {
            args.extend(["--hostile", mode]);
        }
        Server::start_with(db, &args)
    }

    /// Starts the binary on `--listen 127.0.0.1:0` with the given database and these
    /// options (`--threads`, `--read-timeout-ms`, …).
    pub fn start_with(db: &std::path::Path, options: &[&str]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_strongroom-server"));
        cmd.args(["--listen", "127.0.0.1:0", "--db"])
            .arg(db)
            .args(options)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = cmd.spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim_end()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Server { child, addr }
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGKILL, as a crash would.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub fn request(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        self.request_as(None, method, path, body)
    }

    /// One request on its own connection, optionally as the device `client`.
    pub fn request_as(
        &self,
        client: Option<&str>,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        if let Some(c) = client {
            head.push_str(&format!("Strongroom-Client: {c}\r\n"));
        }
        head.push_str("\r\n");
        self.raw(&[head.as_bytes(), body.as_bytes()].concat())
    }

    /// Sends these bytes and parses the answer: status and JSON body.
    ///
    /// A server may answer before it has read everything (a body over 1 MiB is refused by its
    /// Content-Length, unread) and close: the write can then fail, and the answer is read
    /// all the same.
    pub fn raw(&self, bytes: &[u8]) -> (u16, Value) {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        let _ = stream.write_all(bytes);
        read_response(&mut stream)
    }

    pub fn get(&self, path: &str) -> (u16, Value) {
        self.request("GET", path, None)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn read_response(stream: &mut TcpStream) -> (u16, Value) {
    let mut answer = Vec::new();
    // A reset after the answer (the server closed with bytes of ours unread) ends it too:
    // what was read before the error is in `answer`.
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8(answer).unwrap();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no answer: {text:?}"));
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body:?}"))
    };
    (status, body)
}

pub fn policy() -> UnlockPolicy {
    UnlockPolicy::builder()
        .pbkdf2_iterations(1..=1_000_000)
        .build()
        .unwrap()
}

pub fn password() -> Password {
    Password::new("correct horse").unwrap()
}

pub fn new_keyring() -> UnlockedKeyring {
    Keyring::create(&password(), FAST, "laptop", &policy()).unwrap()
}

pub fn keyring_path(user: &str) -> String {
    format!("/v1/users/{user}/keyring")
}

pub fn log_path(user: &str, log: &LogId) -> String {
    format!("/v1/users/{user}/logs/{}", hex::encode(log.as_bytes()))
}

/// Stores a new user's keyring.
pub fn put_user(server: &Server, user: &str, keyring: &Keyring) {
    let (status, body) = server.request(
        "PUT",
        &keyring_path(user),
        Some(&json!({"keyring": keyring.to_text(), "expected_generation": null})),
    );
    assert_eq!(
        (status, &body["keyring"]),
        (200, &json!(keyring.to_text())),
        "{body}"
    );
}

/// A client's view of one log: its keyring, its state and every checkpoint it wrote.
pub struct Log {
    pub id: LogId,
    pub state: LogState,
    pub checkpoints: Vec<Checkpoint>,
    pub entries: Vec<String>,
}

impl Log {
    pub fn path(&self, user: &str) -> String {
        log_path(user, &self.id)
    }

    /// Creates a log on the server.
    pub fn create(server: &Server, user: &str, u: &UnlockedKeyring) -> Log {
        Log::create_as(server, None, user, u)
    }

    pub fn create_as(
        server: &Server,
        client: Option<&str>,
        user: &str,
        u: &UnlockedKeyring,
    ) -> Log {
        let id = LogId::generate().unwrap();
        let (checkpoint, state) = u.create_log(id);
        let (status, body) = server.request_as(
            client,
            "PUT",
            &log_path(user, &id),
            Some(&json!({"checkpoint": checkpoint.to_text()})),
        );
        assert_eq!(status, 201, "{body}");
        Log {
            id,
            state,
            checkpoints: vec![checkpoint],
            entries: Vec::new(),
        }
    }

    pub fn seal(&self, u: &UnlockedKeyring, plaintext: &[u8]) -> LogAppend {
        u.seal_log_entry(&self.state, plaintext, APP).unwrap()
    }

    /// Appends `plaintext` and expects success.
    pub fn append(&mut self, server: &Server, user: &str, u: &UnlockedKeyring, plaintext: &[u8]) {
        self.append_as(server, None, user, u, plaintext);
    }

    pub fn append_as(
        &mut self,
        server: &Server,
        client: Option<&str>,
        user: &str,
        u: &UnlockedKeyring,
        plaintext: &[u8],
    ) {
        let a = self.seal(u, plaintext);
        let (status, body) = server.request_as(
            client,
            "POST",
            &format!("{}/entries", self.path(user)),
            Some(&append_body(&a)),
        );
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["position"], json!(a.position()));
        self.checkpoints.push(a.checkpoint().clone());
        self.entries.push(a.entry().to_text());
        self.state = a.acknowledged();
    }
}

pub fn append_body(a: &LogAppend) -> Value {
    json!({
        "expected_size": a.expected().size(),
        "expected_root": hex::encode(a.expected().root()),
        "entry": a.entry().to_text(),
        "checkpoint": a.checkpoint().to_text(),
    })
}

pub fn hashes(v: &Value) -> Vec<[u8; 32]> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let mut out = [0u8; 32];
            hex::decode_to_slice(h.as_str().unwrap(), &mut out).unwrap();
            out
        })
        .collect()
}

/// The served checkpoint, verified against `pin` with the served consistency proof.
pub fn verified(
    server: &Server,
    user: &str,
    log: &LogId,
    u: &UnlockedKeyring,
    pin: &LogPin,
) -> strongroom::Result<strongroom::VerifiedCheckpoint> {
    let (status, body) = server.get(&format!(
        "{}/checkpoint?from={}",
        log_path(user, log),
        pin.size()
    ));
    assert_eq!(status, 200, "{body}");
    let checkpoint = Checkpoint::from_text(body["checkpoint"].as_str().unwrap()).unwrap();
    let proof = ConsistencyProof::new(hashes(&body["consistency"]));
    u.verify_checkpoint(&checkpoint, pin, &proof)
}

/// The listing of entries as (position, text).
pub fn listing(server: &Server, path: &str) -> (Vec<(u64, String)>, u64) {
    let (status, body) = server.get(path);
    assert_eq!(status, 200, "{body}");
    let entries = body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["position"].as_u64().unwrap(),
                e["entry"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (entries, body["size"].as_u64().unwrap())
}
