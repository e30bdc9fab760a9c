//! What the end-to-end tests share: the reference server as a child process and the
//! `strongroom` command as the client, each device with a state directory of its own.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The server binary of this package.
pub fn server_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_strongroom-server"))
}

/// The `strongroom` command, built beside the server (`cargo test` at the root builds every
/// default member's binaries first; alone, `cargo test -p strongroom-server` builds it here).
pub fn cli_bin() -> PathBuf {
    let bin = server_bin().with_file_name(format!("strongroom{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--locked", "-p", "strongroom-cli"])
            .status()
            .expect("cargo build -p strongroom-cli");
        assert!(status.success(), "cargo build -p strongroom-cli failed");
    }
    bin
}

/// A fresh directory under the target directory's tmp, named for the test and the process.
pub fn tempdir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A running server; killed (SIGKILL) when dropped.
pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Server {
    /// Starts the server on a free port over `db`, honest or in a hostile mode.
    pub fn start(db: &Path, hostile: Option<&str>) -> Server {
        let mut cmd = Command::new(server_bin());
        cmd.args(["--listen", "127.0.0.1:0", "--db"])
            .arg(db)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(mode) = hostile {
            cmd.args(["--hostile", mode]);
        }
        let mut child = cmd.spawn().expect("start strongroom-server");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().expect("stdout"))
            .read_line(&mut line)
            .expect("read the server's first line");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from the server: {line:?}"))
            .to_string();
        Server { child, url }
    }

    /// SIGKILL and wait.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A device: the `strongroom` command with its own state directory and client id.
pub struct Device {
    pub name: String,
    pub state: PathBuf,
    pub user: String,
    pub password: String,
}

impl Device {
    pub fn new(root: &Path, name: &str, user: &str) -> Device {
        let state = root.join(format!("state-{name}"));
        std::fs::create_dir_all(&state).unwrap();
        Device {
            name: name.to_string(),
            state,
            user: user.to_string(),
            password: format!("password of {user}"),
        }
    }

    pub fn command(&self) -> Command {
        let mut c = Command::new(cli_bin());
        c.env("STRONGROOM_STATE_DIR", &self.state)
            .env("STRONGROOM_PASSWORD", &self.password)
            .env("STRONGROOM_CLIENT_ID", &self.name)
            .env_remove("STRONGROOM_SERVER")
            .env_remove("STRONGROOM_USER")
            .stdin(Stdio::null());
        c
    }

    /// Runs `strongroom ARGS` (with --server and --user appended when `server` is given).
    pub fn run(&self, args: &[&str], server: Option<&Server>) -> Output {
        let mut c = self.command();
        c.args(args);
        if let Some(s) = server {
            c.args(["--server", &s.url, "--user", &self.user]);
        }
        c.output().expect("run strongroom")
    }

    /// Runs and asserts success; returns standard output.
    pub fn ok(&self, args: &[&str], server: Option<&Server>) -> String {
        let out = self.run(args, server);
        assert!(
            out.status.success(),
            "{} `strongroom {}` failed: {}",
            self.name,
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// The log commands' arguments for `log SUB` with the relaxed test policy.
    pub fn log_args<'a>(sub: &'a str, log: &'a str) -> Vec<&'a str> {
        vec![
            "log",
            sub,
            "--log",
            log,
            "--context",
            "app:test",
            "--unsafe-relaxed-policy",
        ]
    }
}

/// The `[class/reason]` of a refusal in the command's error message.
pub fn class_of(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    text.lines()
        .filter(|l| l.starts_with("strongroom: error:"))
        .find_map(|l| {
            let start = l.find(" [")? + 2;
            let end = start + l[start..].find(']')?;
            Some(l[start..end].to_string())
        })
        .unwrap_or_else(|| format!("(no class: {})", text.trim()))
}
