//! A client of the reference storage server (server/PROTOCOL.md): keyrings and logs over
//! plain HTTP/1.1, one connection per request.
//!
//! Nothing the server answers is trusted: keyrings go through CheckPin and their MAC,
//! checkpoints through VerifyCheckpoint, entries through ReadForward or OpenEntry. This
//! module only moves bytes and parses the envelope; a malformed answer is an I/O error
//! (exit status 3), never a Strongroom refusal, because it says nothing about the objects.
//!
//! Plain HTTP only: the reference server is for tests and local use, and a deployment puts
//! TLS in front of both (the format's guarantees do not depend on the transport).

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use serde_json::{Value, json};

use crate::fail::{CliError, CliResult};

/// The largest answer read: 10,000 entries of a listing (PROTOCOL.md) of small records, or
/// a handful of large ones. Larger answers are refused, not buffered.
const MAX_ANSWER: u64 = 256 << 20;

/// How long one request may take before it counts as unanswered (SR-LOG-16).
const TIMEOUT: Duration = Duration::from_secs(60);

/// How long a GET is tried again while the server does not answer.
const PATIENCE: Duration = Duration::from_secs(30);

/// A server and a user on it.
#[derive(Clone, Debug)]
pub struct Remote {
    host: String,
    port: u16,
    user: String,
    client: Option<String>,
}

/// An answer: its status and its JSON body.
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body (an object; `{}` if empty).
    pub body: Value,
}

/// How a request failed to get an answer: the request may or may not have been applied.
#[derive(Debug)]
pub struct NoAnswer(pub io::Error);

impl Remote {
    /// Parses `http://HOST[:PORT]` and checks the user name (PROTOCOL.md's `{user}`).
    pub fn new(url: &str, user: &str, client: Option<String>) -> CliResult<Self> {
        let rest = url.strip_prefix("http://").ok_or_else(|| {
            CliError::usage(format!(
                "--server {url}: only http://HOST:PORT is supported (put TLS in front of the \
                 reference server)"
            ))
        })?;
        let authority = rest.trim_end_matches('/');
        if authority.is_empty() || authority.contains('/') {
            return Err(CliError::usage(format!(
                "--server {url}: give http://HOST:PORT, without a path"
            )));
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (
                h.to_string(),
                p.parse::<u16>()
                    .map_err(|_| CliError::usage(format!("--server {url}: bad port")))?,
            ),
            _ => (authority.to_string(), 80),
        };
        if !valid_name(user) {
            return Err(CliError::usage(format!(
                "--user {user}: 1 to 64 characters of A-Z a-z 0-9 . _ -"
            )));
        }
        if let Some(c) = &client
            && !valid_name(c)
        {
            return Err(CliError::usage(format!(
                "client id {c}: 1 to 64 characters of A-Z a-z 0-9 . _ -"
            )));
        }
        Ok(Remote {
            host,
            port,
            user: user.to_string(),
            client,
        })
    }

    /// `http://HOST:PORT`, for messages.
    pub fn url(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }

    /// The user.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// `/v1/users/USER` followed by `rest`.
    pub fn path(&self, rest: &str) -> String {
        format!("/v1/users/{}{rest}", self.user)
    }

    /// One request; `Err` when no answer came (connection refused or dropped, timeout,
    /// an answer that is not HTTP or not JSON).
    pub fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, NoAnswer> {
        self.try_request(method, path, body).map_err(NoAnswer)
    }

    /// A GET, tried again for up to 30 seconds while no answer comes (a server restarting):
    /// reading changes nothing on the server, so trying again is always safe.
    pub fn get(&self, path: &str) -> Result<Answer, NoAnswer> {
        let start = std::time::Instant::now();
        let mut pause = Duration::from_millis(50);
        loop {
            match self.try_request("GET", path, None) {
                Ok(a) => return Ok(a),
                Err(e) if start.elapsed() >= PATIENCE => return Err(NoAnswer(e)),
                Err(_) => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_secs(1));
                }
            }
        }
    }

    fn try_request(&self, method: &str, path: &str, body: Option<&Value>) -> io::Result<Answer> {
        let addr = (self.host.as_str(), self.port)
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| io::Error::other("the server's name resolves to no address"))?;
        let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT)?;
        stream.set_read_timeout(Some(TIMEOUT))?;
        stream.set_write_timeout(Some(TIMEOUT))?;
        let payload = body.map(|b| b.to_string()).unwrap_or_default();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}:{}\r\nConnection: close\r\n\
             Accept: application/json\r\nContent-Length: {}\r\n",
            self.host,
            self.port,
            payload.len()
        );
        if body.is_some() {
            head.push_str("Content-Type: application/json\r\n");
        }
        if let Some(c) = &self.client {
            head.push_str(&format!("Strongroom-Client: {c}\r\n"));
        }
        head.push_str("\r\n");
        let sent = stream
            .write_all(head.as_bytes())
            .and_then(|()| stream.write_all(payload.as_bytes()))
            .and_then(|()| stream.flush());
        match sent {
            Ok(()) => read_answer(BufReader::new(stream)),
            // A server may answer before it has read the whole body (413 for a body it will
            // not read) and close: its answer is still there to read.
            Err(e) => read_answer(BufReader::new(stream)).map_err(|_| e),
        }
    }
}

/// Parses an HTTP/1.1 answer with a Content-Length (or none: read to the end).
fn read_answer(mut r: impl BufRead) -> io::Result<Answer> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
    let mut line = String::new();
    r.by_ref().take(8192).read_line(&mut line)?;
    let status = line
        .strip_prefix("HTTP/1.")
        .and_then(|s| s.get(2..5))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| bad("the server's answer is not HTTP/1.x"))?;
    let mut length: Option<u64> = None;
    let mut chunked = false;
    for _ in 0..100 {
        line.clear();
        r.by_ref().take(8192).read_line(&mut line)?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = Some(
                    v.trim()
                        .parse()
                        .map_err(|_| bad("a bad Content-Length in the server's answer"))?,
                );
            } else if k.eq_ignore_ascii_case("transfer-encoding") {
                if !v.trim().eq_ignore_ascii_case("chunked") {
                    return Err(bad("an unknown Transfer-Encoding in the server's answer"));
                }
                chunked = true;
            }
        }
    }
    let body = if chunked {
        read_chunked(&mut r)?
    } else {
        if length.is_some_and(|n| n > MAX_ANSWER) {
            return Err(bad("the server's answer is over 256 MiB"));
        }
        let mut body = Vec::new();
        r.take(length.unwrap_or(MAX_ANSWER + 1))
            .read_to_end(&mut body)?;
        if body.len() as u64 > MAX_ANSWER {
            return Err(bad("the server's answer is over 256 MiB"));
        }
        if length.is_some_and(|n| n != body.len() as u64) {
            return Err(bad("the server's answer ended early"));
        }
        body
    };
    let body = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(&body).map_err(|_| bad("the server's answer is not JSON"))?
    };
    if !body.is_object() {
        return Err(bad("the server's answer is not a JSON object"));
    }
    Ok(Answer { status, body })
}

/// Reads a chunked body (RFC 9112 section 7.1), at most [`MAX_ANSWER`] bytes.
fn read_chunked(r: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
    let mut body = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        r.by_ref().take(1024).read_line(&mut line)?;
        let size = line.trim_end().split(';').next().unwrap_or("");
        let size = u64::from_str_radix(size.trim(), 16)
            .map_err(|_| bad("a bad chunk size in the server's answer"))?;
        if size == 0 {
            // Trailers, up to the empty line.
            for _ in 0..100 {
                line.clear();
                r.by_ref().take(8192).read_line(&mut line)?;
                if line.trim_end().is_empty() {
                    return Ok(body);
                }
            }
            return Err(bad("too many trailers in the server's answer"));
        }
        if body.len() as u64 + size > MAX_ANSWER {
            return Err(bad("the server's answer is over 256 MiB"));
        }
        let start = body.len();
        r.by_ref().take(size).read_to_end(&mut body)?;
        if (body.len() - start) as u64 != size {
            return Err(bad("the server's answer ended early"));
        }
        let mut crlf = [0u8; 2];
        r.read_exact(&mut crlf)?;
        if &crlf != b"\r\n" {
            return Err(bad("a chunk of the server's answer does not end with CRLF"));
        }
    }
}

/// PROTOCOL.md's names: 1 to 64 characters of `[A-Za-z0-9._-]`.
fn valid_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

impl Answer {
    /// A string field of the body.
    pub fn str(&self, key: &str) -> io::Result<&str> {
        self.body[key].as_str().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the server's answer has no string `{key}`"),
            )
        })
    }

    /// A list of 32-byte hashes (hex) of the body; absent is empty.
    pub fn hashes(&self, key: &str) -> io::Result<Vec<[u8; 32]>> {
        let bad = || {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the server's `{key}` is not a list of 32-byte hex hashes"),
            )
        };
        match &self.body[key] {
            Value::Null => Ok(Vec::new()),
            Value::Array(a) if a.len() <= 64 => a
                .iter()
                .map(|h| {
                    h.as_str()
                        .and_then(|s| hex::decode(s).ok())
                        .and_then(|b| b.try_into().ok())
                        .ok_or_else(bad)
                })
                .collect(),
            _ => Err(bad()),
        }
    }

    /// The server's `error` and `detail`, for messages.
    pub fn error(&self) -> String {
        let code = self.body["error"].as_str().unwrap_or("(no error code)");
        match self.body["detail"].as_str() {
            Some(d) => format!("{} {code}: {d}", self.status),
            None => format!("{} {code}", self.status),
        }
    }
}

/// An I/O error for an answer the command did not expect.
pub fn unexpected(remote: &Remote, doing: &str, answer: &Answer) -> CliError {
    CliError::io(
        format!("{doing} on {}", remote.url()),
        io::Error::other(format!("the server answered {}", answer.error())),
    )
}

/// An I/O error for a request that got no answer.
pub fn unanswered(remote: &Remote, doing: &str, e: NoAnswer) -> CliError {
    CliError::io(format!("{doing} on {}", remote.url()), e.0)
}

/// An I/O error for an answer without the fields the protocol promises.
pub fn bad_answer(remote: &Remote, doing: &str, e: io::Error) -> CliError {
    CliError::io(format!("{doing} on {}", remote.url()), e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_an_answer_with_a_length() {
        let a = read_answer(
            &b"HTTP/1.1 409 Conflict\r\nContent-Length: 17\r\n\r\n{\"error\":\"conflict\"}"[..],
        );
        // 17 bytes of a 19-byte body: the JSON is cut and does not parse.
        assert!(a.is_err());
        let a = read_answer(
            &b"HTTP/1.1 409 Conflict\r\ncontent-length: 20\r\n\r\n{\"error\":\"conflict\"}"[..],
        )
        .unwrap();
        assert_eq!(a.status, 409);
        assert_eq!(a.str("error").unwrap(), "conflict");
    }

    #[test]
    fn refuses_what_is_not_http_or_too_large() {
        assert!(read_answer(&b"SSH-2.0-OpenSSH\r\n\r\n"[..]).is_err());
        assert!(
            read_answer(&b"HTTP/1.1 200 OK\r\nContent-Length: 999999999999\r\n\r\n"[..]).is_err()
        );
        assert!(
            read_answer(&b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"[..]).is_err()
        );
        assert!(read_answer(&b"HTTP/1.1 200 OK\r\n\r\n[1]"[..]).is_err());
    }

    #[test]
    fn reads_a_chunked_answer() {
        let a = read_answer(
            &b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\nT: 1\r\n\r\n"[..],
        )
        .unwrap();
        assert_eq!(a.body["a"], 1);
    }

    #[test]
    fn urls_and_names() {
        assert!(Remote::new("http://127.0.0.1:8420", "alice", None).is_ok());
        assert!(Remote::new("https://example.com", "alice", None).is_err());
        assert!(Remote::new("http://h:1/path", "alice", None).is_err());
        assert!(Remote::new("http://h:1", "al/ice", None).is_err());
        assert!(Remote::new("http://h:1", "", None).is_err());
        let r = Remote::new("http://localhost", "a.b-c_d", None).unwrap();
        assert_eq!(r.url(), "http://localhost:80");
    }
}
