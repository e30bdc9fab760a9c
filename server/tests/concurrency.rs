//! The honest server under concurrency and under SIGKILL, through the real HTTP server and
//! the `strongroom` command (SPEC.md 11.15.8, SR-LOG-15 to SR-LOG-17).
//!
//! - Eight devices append 1,000 entries each to one log at once. Afterwards every entry is
//!   in the log exactly once, in each device's own order, and every device verifies the
//!   same size and root against its own pin. The figures (entries per second, conflicts)
//!   are printed; BENCHMARKS.md quotes a run.
//! - Two devices append while the server is killed with SIGKILL and restarted, again and
//!   again: no acknowledged entry is lost (each device's pin only moves on an
//!   acknowledgement, so a lost entry would fail its verify with log_truncated or log_fork),
//!   and none is stored twice.
//!
//! `STRONGROOM_TEST_CLIENTS` and `STRONGROOM_TEST_ENTRIES` change the first test's size.

mod support;

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use support::{Device, Server, tempdir};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// alice's keyring on the server and a new log; returns the log id.
fn create_log(dir: &Path, server_url: &str) -> String {
    let owner = Device::new(dir, "owner", "alice");
    let file = dir.join("alice.srk");
    let file = file.to_str().unwrap();
    let run = |args: &[&str]| {
        let out = owner
            .command()
            .args(args)
            .args(["--server", server_url, "--user", "alice"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    owner.ok(
        &[
            "keyring",
            "create",
            file,
            "--iterations",
            "1000",
            "--unsafe-relaxed-policy",
        ],
        None,
    );
    run(&["keyring", "push", file]);
    run(&["log", "create", "--unsafe-relaxed-policy"])
        .trim()
        .to_string()
}

/// Starts `device` appending `lines` to the log, one entry per line, with a JSON summary.
fn spawn_append(device: &Device, url: &str, log: &str, lines: &[String]) -> Child {
    let input = device.state.join("lines.txt");
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let mut args = Device::log_args("append", log);
    args.extend(["--lines", "--json", "--quiet", input.to_str().unwrap()]);
    device
        .command()
        .args(&args)
        .args(["--server", url, "--user", &device.user])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn summary(child: Child, name: &str) -> serde_json::Value {
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{name}: append failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Reads the whole log as `device` (verifying it against its pin) and checks that it holds
/// each device's lines exactly once and in order; returns (size, root).
fn check_log(
    device: &Device,
    url: &str,
    log: &str,
    expected: &HashMap<String, Vec<String>>,
) -> (u64, String) {
    let mut args = Device::log_args("read", log);
    args.push("--json");
    let out = device
        .command()
        .args(&args)
        .args(["--server", url, "--user", &device.user])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}: read: {}",
        device.name,
        String::from_utf8_lossy(&out.stderr)
    );
    let mut seen: HashMap<String, Vec<String>> = HashMap::new();
    let mut n = 0u64;
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["position"].as_u64(), Some(n), "positions in order");
        let text = v["text"].as_str().unwrap().to_string();
        let who = text.split(' ').next().unwrap().to_string();
        seen.entry(who).or_default().push(text);
        n += 1;
    }
    for (who, lines) in expected {
        assert_eq!(
            seen.get(who),
            Some(lines),
            "{who}'s entries: each once, in order"
        );
    }
    assert_eq!(
        n as usize,
        expected.values().map(Vec::len).sum::<usize>(),
        "no other entries"
    );
    let mut vargs = Device::log_args("verify", log);
    vargs.push("--json");
    let v = device
        .command()
        .args(&vargs)
        .args(["--server", url, "--user", &device.user])
        .output()
        .unwrap();
    assert!(
        v.status.success(),
        "{}: verify: {}",
        device.name,
        String::from_utf8_lossy(&v.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&v.stdout).unwrap();
    (
        v["size"].as_u64().unwrap(),
        v["root"].as_str().unwrap().to_string(),
    )
}

// SR-LOG-15 SR-LOG-17: concurrent appends through compare-and-swap: every entry once, one head.
#[test]
fn eight_devices_append_a_thousand_entries_each_to_one_log() {
    let clients = env_usize("STRONGROOM_TEST_CLIENTS", 8);
    let entries = env_usize("STRONGROOM_TEST_ENTRIES", 1000);
    let dir = tempdir("concurrency");
    let server = Server::start(&dir.join("store.sqlite3"), None);
    let log = create_log(&dir, &server.url);
    let devices: Vec<Device> = (0..clients)
        .map(|i| Device::new(&dir, &format!("device{i}"), "alice"))
        .collect();
    let mut expected = HashMap::new();
    for d in &devices {
        let lines: Vec<String> = (0..entries)
            .map(|j| format!("{} entry {j}", d.name))
            .collect();
        expected.insert(d.name.clone(), lines);
    }
    let start = Instant::now();
    let children: Vec<Child> = devices
        .iter()
        .map(|d| spawn_append(d, &server.url, &log, &expected[&d.name]))
        .collect();
    let mut conflicts = 0;
    let mut resent = 0;
    for (child, d) in children.into_iter().zip(&devices) {
        let s = summary(child, &d.name);
        assert_eq!(s["appended"].as_u64(), Some(entries as u64));
        conflicts += s["conflicts"].as_u64().unwrap();
        resent += s["resent"].as_u64().unwrap();
    }
    let elapsed = start.elapsed();
    let total = (clients * entries) as f64;
    let mut heads = Vec::new();
    for d in &devices {
        heads.push(check_log(d, &server.url, &log, &expected));
    }
    assert!(
        heads.iter().all(|h| h == &heads[0]),
        "every device verifies the same head"
    );
    assert_eq!(heads[0].0, total as u64);
    println!(
        "concurrency: {clients} devices x {entries} entries = {total} appends in {:.1} s: \
         {:.0} entries/s; {conflicts} conflicts retried ({:.2} per entry), {resent} resent; \
         head {} at size {}",
        elapsed.as_secs_f64(),
        total / elapsed.as_secs_f64(),
        conflicts as f64 / total,
        &heads[0].1[..16],
        heads[0].0
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts the server on a fixed port (to restart it where the clients look for it).
fn start_on(port: u16, db: &Path) -> Server {
    // The port may still be held for a moment by the process just killed.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut cmd = std::process::Command::new(support::server_bin());
        cmd.args(["--listen", &format!("127.0.0.1:{port}"), "--db"])
            .arg(db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().unwrap();
        let mut line = String::new();
        use std::io::BufRead;
        let _ = std::io::BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line);
        if let Some(url) = line.trim().strip_prefix("listening on ") {
            return Server {
                child,
                url: url.to_string(),
            };
        }
        let _ = child.kill();
        let _ = child.wait();
        assert!(
            Instant::now() < deadline,
            "the server did not restart on port {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

// SR-LOG-16 SR-LOG-17: the server killed with SIGKILL between and during appends loses no
// acknowledged entry, and no entry is stored twice.
#[test]
fn sigkill_mid_run_loses_no_acknowledged_entry() {
    let dir = tempdir("crash");
    let db = dir.join("store.sqlite3");
    let port = free_port();
    let mut server = start_on(port, &db);
    let log = create_log(&dir, &server.url);
    let url = server.url.clone();
    let devices: Vec<Device> = (0..2)
        .map(|i| Device::new(&dir, &format!("writer{i}"), "alice"))
        .collect();
    let mut expected = HashMap::new();
    for d in &devices {
        let lines: Vec<String> = (0..1000).map(|j| format!("{} entry {j}", d.name)).collect();
        expected.insert(d.name.clone(), lines);
    }
    let mut children: Vec<Child> = devices
        .iter()
        .map(|d| spawn_append(d, &url, &log, &expected[&d.name]))
        .collect();
    let mut kills = 0;
    let start = Instant::now();
    // Kill and restart the server every 100 ms while the writers run.
    while children.iter_mut().any(|c| c.try_wait().unwrap().is_none()) {
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "the writers did not finish"
        );
        std::thread::sleep(Duration::from_millis(100));
        server.kill();
        kills += 1;
        server = start_on(port, &db);
    }
    for (child, d) in children.into_iter().zip(&devices) {
        let s = summary(child, &d.name);
        assert_eq!(s["appended"].as_u64(), Some(1000));
    }
    // The pins only moved on acknowledgements: a lost entry would fail these verifies.
    let mut heads = Vec::new();
    for d in &devices {
        heads.push(check_log(d, &url, &log, &expected));
    }
    assert_eq!(heads[0], heads[1]);
    println!(
        "crash: {kills} SIGKILLs of the server during 2,000 appends by 2 devices in {:.1} s; \
         every acknowledged entry present once, both devices verify size {}",
        start.elapsed().as_secs_f64(),
        heads[0].0
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
