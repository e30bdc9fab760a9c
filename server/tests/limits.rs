//! The server's HTTP layer (server/src/wire.rs) against broken and hostile clients, through
//! real connections: a body over 1 MiB is refused by its Content-Length without being read
//! (10^13 bytes declared, 2 MiB sent) and the server goes on serving; slow clients are cut
//! off at the read deadline and hold no other client; Content-Length is parsed strictly and
//! Transfer-Encoding refused; a body that ends early is not answered and changes nothing;
//! the limits of the head; 200 connections at once.

mod wire;

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wire::{Server, TempDir, keyring_path, new_keyring, put_user};

/// A connection whose reads give up after 30 s: a test that would hang fails instead.
fn connect(server: &Server) -> TcpStream {
    let stream = TcpStream::connect(&server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
}

/// Everything the server sends until it closes the connection. A reset after the answer
/// (the server closed with bytes of ours unread) ends it too; a read timeout fails the test.
fn until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    match stream.read_to_end(&mut out) {
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            panic!("the server neither answered nor closed within 30 s (read {out:?})")
        }
        _ => out,
    }
}

/// An answer: status, header fields (names in lowercase) and JSON body.
#[derive(Debug)]
struct Answer {
    status: u16,
    fields: Vec<(String, String)>,
    body: Value,
    raw_body: Vec<u8>,
}

impl Answer {
    fn parse(bytes: &[u8]) -> Answer {
        let text = String::from_utf8_lossy(bytes);
        let (head, body) = text
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("no answer: {text:?}"));
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.strip_prefix("HTTP/1.1 "))
            .and_then(|l| l.get(..3))
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status line: {head:?}"));
        let fields = lines
            .map(|l| {
                let (k, v) = l.split_once(':').unwrap();
                (k.to_ascii_lowercase(), v.trim().to_owned())
            })
            .collect();
        Answer {
            status,
            fields,
            body: serde_json::from_str(body).unwrap_or(Value::Null),
            raw_body: body.as_bytes().to_vec(),
        }
    }

    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Status and `error` code.
    fn error(&self) -> (u16, &str) {
        (self.status, self.body["error"].as_str().unwrap_or(""))
    }
}

/// Sends `bytes` on a new connection (a write that fails because the server answered and
/// closed first is not an error) and reads the answer.
fn exchange(server: &Server, bytes: &[u8]) -> Answer {
    let mut stream = connect(server);
    let _ = stream.write_all(bytes);
    Answer::parse(&until_closed(&mut stream))
}

fn put_keyring_body() -> String {
    json!({"keyring": new_keyring().keyring().to_text(), "expected_generation": null}).to_string()
}

#[test]
fn a_declared_body_of_ten_terabytes_is_refused_unread() {
    let dir = TempDir::new();
    let mut server = Server::start(&dir.db(), None);
    let heads = [
        "PUT /v1/users/alice/keyring HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000000000\r\n\r\n",
        "PUT /v1/users/alice/keyring HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 10000000000000\r\n\r\n",
        "POST /v1/users/alice/logs/00000000000000000000000000000000/entries HTTP/1.1\r\nContent-Length: 10000000000000\r\n\r\n",
        "PUT /v1/users/alice/keyring HTTP/1.1\r\nContent-Length: 99999999999999999999999999999999\r\n\r\n",
    ];
    for round in 0..10 {
        let head = heads[round % heads.len()];
        let start = Instant::now();
        let mut stream = connect(&server);
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(b"{\"keyring\": \"srk1.").unwrap();
        let bytes = until_closed(&mut stream);
        // The answer comes at once (no "100 Continue" first), and the connection is closed.
        assert!(bytes.starts_with(b"HTTP/1.1 413 "), "{bytes:?}");
        let answer = Answer::parse(&bytes);
        assert_eq!(answer.error(), (413, "too_large"));
        assert_eq!(answer.field("connection"), Some("close"));
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
        assert!(server.alive(), "the server died on {head:?}");
        // The next request is served, and nothing was stored.
        assert_eq!(server.get(&keyring_path("alice")).0, 404);
    }
    // A client that goes on sending after the answer is not read: its writes fail once the
    // socket buffers are full, long before 10^13 bytes (here: within 64 MiB).
    let mut stream = connect(&server);
    stream.write_all(heads[0].as_bytes()).unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let chunk = vec![b'a'; 64 * 1024];
    let mut sent = 0usize;
    let failed = loop {
        match stream.write(&chunk) {
            Ok(n) if sent < 64 << 20 => sent += n,
            Ok(_) => break None,
            Err(e) => break Some(e),
        }
    };
    let failed = failed.unwrap_or_else(|| panic!("{sent} bytes were taken after the 413"));
    assert!(
        !matches!(failed.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{failed}"
    );
    assert!(server.alive());
    assert_eq!(server.get(&keyring_path("alice")).0, 404);
    eprintln!("after the 413, the server's closed connection took {sent} bytes before: {failed}");
}

#[test]
fn two_mebibytes_sent_are_refused() {
    let dir = TempDir::new();
    let mut server = Server::start(&dir.db(), None);
    let keyring = format!(
        "{{\"keyring\": \"{}\", \"expected_generation\": null}}",
        "a".repeat(2 << 20)
    );
    let mut stream = connect(&server);
    let mut writer = stream.try_clone().unwrap();
    let request = format!(
        "PUT /v1/users/alice/keyring HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{keyring}",
        keyring.len()
    );
    // The client writes the whole body while the server answers: the write may fail.
    let sending = thread::spawn(move || writer.write_all(request.as_bytes()).is_ok());
    let answer = Answer::parse(&until_closed(&mut stream));
    assert_eq!(answer.error(), (413, "too_large"));
    let _ = sending.join().unwrap();
    assert!(server.alive());
    assert_eq!(server.get(&keyring_path("alice")).0, 404);
    // A body of exactly 1 MiB is read (and is not a keyring).
    let body = format!("{{\"keyring\": \"{}\"}}", "a".repeat((1 << 20) - 15));
    assert_eq!(body.len(), 1 << 20);
    let answer = exchange(
        &server,
        format!(
            "PUT /v1/users/alice/keyring HTTP/1.1\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
    assert_eq!(answer.error(), (400, "bad_request"));
}

#[test]
fn a_stalled_client_holds_no_other_client() {
    let dir = TempDir::new();
    let server = Server::start_with(&dir.db(), &["--threads", "2", "--read-timeout-ms", "3000"]);
    put_user(&server, "alice", new_keyring().keyring());
    let path = keyring_path("alice");
    // Half a head, and then nothing.
    let mut stalled = connect(&server);
    stalled
        .write_all(b"GET /v1/users/alice/keyring HTTP/1.1\r\nHo")
        .unwrap();
    let start = Instant::now();
    thread::sleep(Duration::from_millis(100));
    // Served meanwhile by the other worker, each at once.
    for _ in 0..20 {
        let t = Instant::now();
        assert_eq!(server.get(&path).0, 200);
        assert!(
            t.elapsed() < Duration::from_millis(1000),
            "{:?}",
            t.elapsed()
        );
    }
    let served = start.elapsed();
    assert!(served < Duration::from_millis(3000), "{served:?}");
    // The stalled client is dropped at the deadline, unanswered.
    let bytes = until_closed(&mut stalled);
    let dropped = start.elapsed();
    assert_eq!(bytes, b"", "{:?}", String::from_utf8_lossy(&bytes));
    assert!(
        (Duration::from_millis(2800)..Duration::from_secs(10)).contains(&dropped),
        "{dropped:?}"
    );
    eprintln!(
        "20 requests served in {served:?} while a stalled client held a worker; dropped after {dropped:?}"
    );
}

#[test]
fn a_trickling_client_is_cut_off_at_the_deadline() {
    let dir = TempDir::new();
    let server = Server::start_with(&dir.db(), &["--threads", "2", "--read-timeout-ms", "1000"]);
    // One byte every 100 ms: each read comes soon, the request would take 5 s.
    let request = b"GET /v1/users/alice/keyring HTTP/1.1\r\nHost: trickle\r\n\r\n";
    let mut stream = connect(&server);
    let mut writer = stream.try_clone().unwrap();
    let start = Instant::now();
    let trickling = thread::spawn(move || {
        for (i, b) in request.iter().enumerate() {
            if writer.write_all(&[*b]).is_err() {
                return i;
            }
            thread::sleep(Duration::from_millis(100));
        }
        request.len()
    });
    let bytes = until_closed(&mut stream);
    let cut = start.elapsed();
    assert_eq!(bytes, b"", "{:?}", String::from_utf8_lossy(&bytes));
    assert!(
        (Duration::from_millis(900)..Duration::from_millis(4000)).contains(&cut),
        "{cut:?}"
    );
    let sent = trickling.join().unwrap();
    assert!(sent < request.len(), "the whole request went through");
    // The server is fine.
    assert_eq!(server.get(&keyring_path("alice")).0, 404);
}

#[test]
fn more_stalled_clients_than_workers_delay_others_by_their_deadlines_only() {
    let dir = TempDir::new();
    let server = Server::start_with(&dir.db(), &["--threads", "2", "--read-timeout-ms", "1000"]);
    let start = Instant::now();
    let mut stalled: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut s = connect(&server);
            s.write_all(b"PUT /v1/users/alice/keyring HTTP/1.1\r\n")
                .unwrap();
            s
        })
        .collect();
    // Queued behind the four: two deadlines (two workers), then served.
    assert_eq!(server.get(&keyring_path("alice")).0, 404);
    let waited = start.elapsed();
    assert!(waited < Duration::from_secs(8), "{waited:?}");
    for s in &mut stalled {
        assert_eq!(until_closed(s), b"");
    }
    eprintln!("behind 4 stalled clients and 2 workers (1 s deadline), served after {waited:?}");
}

#[test]
fn content_length_is_parsed_strictly() {
    let dir = TempDir::new();
    let server = Server::start(&dir.db(), None);
    let body = put_keyring_body();
    let put = |fields: &str| {
        exchange(
            &server,
            format!("PUT /v1/users/alice/keyring HTTP/1.1\r\nHost: x\r\n{fields}\r\n{body}")
                .as_bytes(),
        )
    };
    let n = body.len();
    for value in [
        String::new(),
        "abc".into(),
        "-1".into(),
        format!("+{n}"),
        format!("{n}.0"),
        format!("0x{n:x}"),
        format!("{n} 0"),
        format!("{n},{n}"),
        format!("{n}, {n}"),
        "\u{0661}".into(),
    ] {
        let answer = put(&format!("Content-Length: {value}\r\n"));
        assert_eq!(answer.error(), (400, "bad_request"), "{value:?}");
    }
    let differing = put(&format!(
        "Content-Length: {n}\r\nContent-Length: {}\r\n",
        n + 1
    ));
    assert_eq!(differing.error(), (400, "bad_request"));
    // Nothing was stored.
    assert_eq!(server.get(&keyring_path("alice")).0, 404);
    // Fields that agree are one length.
    let same = put(&format!("Content-Length: {n}\r\ncontent-length: 0{n}\r\n"));
    assert_eq!(same.status, 200, "{:?}", same.body);
    assert_eq!(server.get(&keyring_path("alice")).0, 200);
}

#[test]
fn transfer_encoding_is_refused() {
    let dir = TempDir::new();
    let server = Server::start(&dir.db(), None);
    let body = put_keyring_body();
    let chunked = format!("{:x}\r\n{body}\r\n0\r\n\r\n", body.len());
    for fields in [
        "Transfer-Encoding: chunked\r\n".to_owned(),
        "Transfer-Encoding: gzip, chunked\r\n".to_owned(),
        format!(
            "Transfer-Encoding: chunked\r\nContent-Length: {}\r\n",
            chunked.len()
        ),
    ] {
        let answer = exchange(
            &server,
            format!("PUT /v1/users/alice/keyring HTTP/1.1\r\nHost: x\r\n{fields}\r\n{chunked}")
                .as_bytes(),
        );
        assert_eq!(answer.error(), (400, "bad_request"), "{fields:?}");
        assert!(
            answer.body["detail"]
                .as_str()
                .unwrap()
                .contains("Transfer-Encoding"),
            "{:?}",
            answer.body
        );
    }
    assert_eq!(server.get(&keyring_path("alice")).0, 404);
}

#[test]
fn a_body_that_ends_early_is_not_answered() {
    let dir = TempDir::new();
    let server = Server::start(&dir.db(), None);
    let body = put_keyring_body();
    let mut stream = connect(&server);
    stream
        .write_all(
            format!(
                "PUT /v1/users/alice/keyring HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{}",
                body.len(),
                &body[..body.len() - 1]
            )
            .as_bytes(),
        )
        .unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    assert_eq!(until_closed(&mut stream), b"");
    assert_eq!(server.get(&keyring_path("alice")).0, 404);
    // The whole body, the same way: stored.
    let mut stream = connect(&server);
    stream
        .write_all(
            format!(
                "PUT /v1/users/alice/keyring HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        )
        .unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    assert_eq!(Answer::parse(&until_closed(&mut stream)).status, 200);
}

#[test]
fn the_head_within_its_limits() {
    let dir = TempDir::new();
    let server = Server::start(&dir.db(), None);
    put_user(&server, "alice", new_keyring().keyring());
    let get = |line_len: usize, fields: &str| {
        // "GET " + target + " HTTP/1.1"
        let target = format!("/v1/users/alice/keyring?{}", "a".repeat(line_len - 37));
        let line = format!("GET {target} HTTP/1.1");
        assert_eq!(line.len(), line_len);
        exchange(&server, format!("{line}\r\n{fields}\r\n").as_bytes())
    };
    // The request line: 8 KiB.
    assert_eq!(get(8192, "").status, 200);
    assert_eq!(get(8193, "").error(), (400, "bad_request"));
    // 100 header fields of up to 8 KiB each.
    let fields = |n: usize, len: usize| {
        (0..n)
            .map(|i| format!("X-{i:03}: {}\r\n", "v".repeat(len - 7)))
            .collect::<String>()
    };
    assert_eq!(get(100, &fields(100, 8192)).status, 200);
    assert_eq!(get(100, &fields(101, 10)).error(), (400, "bad_request"));
    assert_eq!(get(100, &fields(1, 8193)).error(), (400, "bad_request"));
    // A head that does not end: refused after 8 KiB of a line.
    let mut endless = connect(&server);
    let _ = endless.write_all(&[b"GET /".as_slice(), &[b'a'; 1 << 20]].concat());
    assert_eq!(
        Answer::parse(&until_closed(&mut endless)).error(),
        (400, "bad_request")
    );
    // Lines must end with CRLF, and the head must be HTTP/1.x.
    for bad in [
        &b"GET /v1/users/alice/keyring HTTP/1.1\n\n"[..],
        b"GET /v1/users/alice/keyring HTTP/2.0\r\n\r\n",
        b"GET /v1/users/alice/keyring\r\n\r\n",
        b"hello\r\n\r\n",
        b"GET /v1/users/alice/keyring HTTP/1.1\r\nX : y\r\n\r\n",
        b"GET /v1/users/alice/keyring HTTP/1.1\r\nX: y\r\n folded\r\n\r\n",
    ] {
        let answer = exchange(&server, bad);
        assert_eq!(
            answer.error(),
            (400, "bad_request"),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
    assert_eq!(
        exchange(&server, b"GET /v1/users/alice/keyring HTTP/1.0\r\n\r\n").status,
        200
    );
}

#[test]
fn answers_are_framed_json_and_close() {
    let dir = TempDir::new();
    let server = Server::start(&dir.db(), None);
    let path = keyring_path("alice");
    let answer = exchange(
        &server,
        format!("DELETE {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
    );
    assert_eq!(answer.error(), (405, "method_not_allowed"));
    assert_eq!(answer.field("allow"), Some("GET, PUT"));
    assert_eq!(answer.field("content-type"), Some("application/json"));
    assert_eq!(answer.field("connection"), Some("close"));
    assert_eq!(
        answer.field("content-length"),
        Some(answer.raw_body.len().to_string().as_str())
    );
    // Methods are case-sensitive; HEAD is answered without a body.
    assert_eq!(
        exchange(&server, format!("get {path} HTTP/1.1\r\n\r\n").as_bytes()).status,
        405
    );
    let head = exchange(&server, format!("HEAD {path} HTTP/1.1\r\n\r\n").as_bytes());
    assert_eq!((head.status, head.raw_body.len()), (405, 0));
    assert_ne!(head.field("content-length"), Some("0"));
    // Expect: 100-continue: "100 Continue", then the body, then the answer.
    let body = put_keyring_body();
    let mut stream = connect(&server);
    stream
        .write_all(
            format!(
                "PUT {path} HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        )
        .unwrap();
    let mut interim = [0u8; 25];
    stream.read_exact(&mut interim).unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    stream.write_all(body.as_bytes()).unwrap();
    let answer = Answer::parse(&until_closed(&mut stream));
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.field("content-type"), Some("application/json"));
}

#[test]
fn two_hundred_connections_at_once() {
    let dir = TempDir::new();
    let server = Server::start(&dir.db(), None);
    let keyring = new_keyring().keyring().to_text();
    put_user(
        &server,
        "alice",
        &strongroom::Keyring::from_text(&keyring).unwrap(),
    );
    const N: usize = 200;
    let barrier = Arc::new(Barrier::new(N + 1));
    let clients: Vec<_> = (0..N)
        .map(|i| {
            let addr = server.addr.clone();
            let barrier = Arc::clone(&barrier);
            let keyring = keyring.clone();
            thread::spawn(move || {
                let mut stream = TcpStream::connect(&addr).unwrap();
                stream
                    .set_read_timeout(Some(Duration::from_secs(60)))
                    .unwrap();
                // Every connection is open before any request is sent.
                barrier.wait();
                let request = if i % 2 == 0 {
                    "GET /v1/users/alice/keyring HTTP/1.1\r\nHost: x\r\n\r\n".to_owned()
                } else {
                    let body = json!({"keyring": keyring, "expected_generation": null}).to_string();
                    format!(
                        "PUT /v1/users/user{i}/keyring HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    )
                };
                stream.write_all(request.as_bytes()).unwrap();
                Answer::parse(&until_closed(&mut stream))
            })
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    for (i, client) in clients.into_iter().enumerate() {
        let answer = client.join().unwrap();
        assert_eq!(answer.status, 200, "{i}: {:?}", answer.body);
        assert_eq!(answer.body["keyring"], json!(keyring));
    }
    let elapsed = start.elapsed();
    for i in (1..N).step_by(2) {
        assert_eq!(server.get(&keyring_path(&format!("user{i}"))).0, 200);
    }
    eprintln!("{N} connections open at once, all answered in {elapsed:?}");
}
