//! A small, strict HTTP/1.1 server on `std::net`: one request per connection, a fixed pool
//! of worker threads, and limits on everything a client controls.
//!
//! - The listener's thread accepts connections and hands them, through a bounded channel
//!   ([`QUEUE`] connections), to `threads` workers. A worker serves one connection at a time:
//!   it reads one request, answers it with `Connection: close`, shuts its side down and closes.
//!   There is no keep-alive, so an idle client holds no worker.
//! - Time: the whole request (head and body) must arrive within the read timeout, counted from
//!   when a worker takes the connection (a deadline, not a per-read timeout: a client that
//!   trickles one byte at a time is cut off too), and the whole answer must be taken by the
//!   client within the write timeout. A request that does not arrive in time, or ends early
//!   (the client closes), is dropped unanswered and reaches no handler.
//! - Size: a request line of at most [`MAX_LINE`] bytes, at most [`MAX_HEADERS`] header
//!   fields of at most [`MAX_LINE`] bytes each (CRLF not counted), lines ended by CRLF;
//!   beyond that `400 bad_request`, answered without reading further.
//! - Body: framed by `Content-Length` only (digits only; repeated fields must agree), at most
//!   [`MAX_BODY`] bytes. A larger declared length is answered `413 too_large` at once,
//!   without reading a byte of the body, and the connection is closed (our side shut down,
//!   then closed: never drained). `Transfer-Encoding` is refused with `400 bad_request`
//!   (every client of the protocol sends a Content-Length; chunked bodies are not supported).
//!   `Expect: 100-continue` is answered `100 Continue` before the body is read.
//! - Answers always carry `Content-Type: application/json`, a `Content-Length` and
//!   `Connection: close`; an answer to `HEAD` has no body.
//!
//! Nothing here panics on what a client sends: every malformed request is an answer or a
//! closed connection. A handler that panicked anyway costs its connection, not its worker.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The longest request line, and the longest header field line, in bytes (CRLF not counted).
pub const MAX_LINE: usize = 8 * 1024;
/// The most header fields in one request.
pub const MAX_HEADERS: usize = 100;
/// The largest request body accepted (PROTOCOL.md, "Conventions").
pub const MAX_BODY: u64 = 1 << 20;
/// Accepted connections waiting for a worker; when full, the listener waits (and the
/// kernel's backlog queues, then refuses, new connections).
const QUEUE: usize = 1024;

/// The timeouts of a connection.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// The time a client has to send its whole request.
    pub read: Duration,
    /// The time a client has to take the whole answer.
    pub write: Duration,
}

/// A request: its head and its whole body.
#[derive(Debug)]
pub struct Request {
    /// The method, a token (`GET`, `PUT`, …): case-sensitive, as HTTP says.
    pub method: String,
    /// The request target in origin form (`/path?query`), undecoded.
    pub target: String,
    /// The header fields in order, names in lowercase, values without surrounding spaces.
    headers: Vec<(String, Vec<u8>)>,
    /// The body (at most [`MAX_BODY`] bytes).
    pub body: Vec<u8>,
}

impl Request {
    /// The first field named `name` (any case), if its value is UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| std::str::from_utf8(v).ok())
    }

    /// Every value of the fields named `name` (any case).
    fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }
}

/// An answer: a status, a JSON body, and optionally an `Allow` field (for `405`).
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The body, JSON.
    pub body: Vec<u8>,
    /// The value of an `Allow` field, if any.
    pub allow: Option<String>,
}

impl Response {
    /// A JSON answer.
    pub fn json(status: u16, body: &Value) -> Response {
        Response {
            status,
            body: body.to_string().into_bytes(),
            allow: None,
        }
    }

    /// An error answer of PROTOCOL.md's table: `{"error": code, "detail": detail}`.
    pub fn error(status: u16, code: &str, detail: impl Into<String>) -> Response {
        Response::json(status, &json!({"error": code, "detail": detail.into()}))
    }
}

/// Why a request reaches no handler.
#[derive(Debug)]
enum Refusal {
    /// Answered with this error, then the connection is closed.
    Answer(Response),
    /// Closed without an answer: the client went away, stalled past the deadline, or the
    /// connection failed.
    Drop,
}

fn bad_request(detail: impl Into<String>) -> Refusal {
    Refusal::Answer(Response::error(400, "bad_request", detail))
}

/// Serves `listener` with `threads` workers calling `handler`, until accepting can no longer
/// hand connections to any worker. Returns only on that failure.
pub fn serve<H>(listener: TcpListener, threads: usize, timeouts: Timeouts, handler: H) -> io::Error
where
    H: Fn(&Request) -> Response + Send + Sync + 'static,
{
    let (sender, receiver) = sync_channel::<TcpStream>(QUEUE);
    let receiver = Arc::new(Mutex::new(receiver));
    let handler = Arc::new(handler);
    for n in 0..threads.max(1) {
        let receiver = Arc::clone(&receiver);
        let handler = Arc::clone(&handler);
        let spawned = std::thread::Builder::new()
            .name(format!("worker-{n}"))
            .spawn(move || work(&receiver, timeouts, &*handler));
        if let Err(e) = spawned {
            return e;
        }
    }
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                if sender.send(stream).is_err() {
                    return io::Error::other("every worker thread has stopped");
                }
            }
            // Out of file descriptors, a connection reset before it was accepted, …: the
            // listener stays; wait a little so that a persistent error does not spin.
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// A worker: takes connections from the queue and serves each, until the queue is gone.
fn work(
    queue: &Mutex<Receiver<TcpStream>>,
    timeouts: Timeouts,
    handler: &dyn Fn(&Request) -> Response,
) {
    loop {
        // The lock is held only while waiting for the next connection.
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(stream) = next else { return };
        // A panic (a bug: nothing a client sends should cause one) loses this connection,
        // not the worker.
        let _ = std::panic::catch_unwind(AssertUnwindSafe(|| {
            connection(&stream, timeouts, handler);
        }));
        // Our side is done: FIN after the answer, then close, whatever is left unread.
        let _ = stream.shutdown(Shutdown::Write);
    }
}

/// Serves one connection: one request, one answer (or none).
fn connection(stream: &TcpStream, timeouts: Timeouts, handler: &dyn Fn(&Request) -> Response) {
    let _ = stream.set_nodelay(true);
    let (response, head_only) = match read_request(stream, timeouts) {
        Ok(request) => (handler(&request), request.method == "HEAD"),
        Err(Refusal::Answer(response)) => (response, false),
        Err(Refusal::Drop) => return,
    };
    let mut w = Timed::new(stream, timeouts.write);
    let _ = w.write_all(&encode(&response, head_only));
}

/// Reads one whole request within the read timeout: the head, then (after `100 Continue`
/// if the client expects it) a body of its Content-Length.
fn read_request(stream: &TcpStream, timeouts: Timeouts) -> Result<Request, Refusal> {
    let mut reader = BufReader::with_capacity(MAX_LINE, Timed::new(stream, timeouts.read));
    let mut request = read_head(&mut reader)?;
    let length = body_length(&request)?;
    if length > 0 && expects_continue(&request) {
        Timed::new(stream, timeouts.write)
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .map_err(|_| Refusal::Drop)?;
    }
    request.body = read_body(&mut reader, length).map_err(|_| Refusal::Drop)?;
    Ok(request)
}

/// The bytes of an answer: status line, fields, and the body unless `head_only`.
fn encode(response: &Response, head_only: bool) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        response.status,
        reason(response.status),
        response.body.len()
    );
    if let Some(allow) = &response.allow {
        out.push_str(&format!("Allow: {allow}\r\n"));
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    if !head_only {
        out.extend_from_slice(&response.body);
    }
    out
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Content Too Large",
        500 => "Internal Server Error",
        _ => "",
    }
}

/// The stream with the connection's deadline applied to every read or write.
struct Timed<'a> {
    stream: &'a TcpStream,
    deadline: Instant,
}

impl<'a> Timed<'a> {
    /// The stream with a deadline `timeout` from now.
    fn new(stream: &'a TcpStream, timeout: Duration) -> Self {
        let now = Instant::now();
        // A timeout too long for the clock: a day is long enough.
        let deadline = now
            .checked_add(timeout)
            .unwrap_or_else(|| now + Duration::from_secs(86_400));
        Timed { stream, deadline }
    }

    fn left(&self) -> io::Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(io::ErrorKind::TimedOut.into())
        } else {
            Ok(left)
        }
    }
}

impl Read for Timed<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.set_read_timeout(Some(self.left()?))?;
        self.stream.read(buf)
    }
}

impl Write for Timed<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.set_write_timeout(Some(self.left()?))?;
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `tchar` of RFC 9110 section 5.6.2: the characters of methods and field names.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Reads one line ended by CRLF into `line` (without the CRLF), refusing it past
/// [`MAX_LINE`] bytes without reading further; `what` names it in the refusal.
fn read_line(r: &mut impl BufRead, line: &mut Vec<u8>, what: &str) -> Result<(), Refusal> {
    line.clear();
    loop {
        let available = match r.fill_buf() {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // A timeout or a failed connection.
            Err(_) => return Err(Refusal::Drop),
        };
        if available.is_empty() {
            // The client closed before the end of the head.
            return Err(Refusal::Drop);
        }
        let (take, ended) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        // The limit, with room for the CRLF.
        if line.len() + take > MAX_LINE + 2 {
            return Err(bad_request(format!("{what} is over {MAX_LINE} bytes")));
        }
        line.extend_from_slice(&available[..take]);
        r.consume(take);
        if ended {
            break;
        }
    }
    match line.len().checked_sub(2) {
        Some(end) if line.get(end) == Some(&b'\r') => line.truncate(end),
        _ => return Err(bad_request(format!("{what} does not end with CRLF"))),
    }
    if line.contains(&b'\r') {
        return Err(bad_request(format!("a bare CR in {what}")));
    }
    Ok(())
}

/// Reads and parses the request line and the header fields (the body is left unread).
fn read_head(r: &mut impl BufRead) -> Result<Request, Refusal> {
    let mut line = Vec::with_capacity(256);
    read_line(r, &mut line, "the request line")?;
    let mut parts = line.split(|&b| b == b' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad_request(
            "the request line is not METHOD SP TARGET SP VERSION",
        ));
    };
    if method.is_empty() || !method.iter().all(|&b| is_tchar(b)) {
        return Err(bad_request("the method is not a token"));
    }
    if target.first() != Some(&b'/') || !target.iter().all(|&b| (0x21..=0x7e).contains(&b)) {
        return Err(bad_request(
            "the request target is not a path (origin form, visible ASCII)",
        ));
    }
    if version != b"HTTP/1.1" && version != b"HTTP/1.0" {
        return Err(bad_request("the version is not HTTP/1.1 (or HTTP/1.0)"));
    }
    // Both are ASCII, checked above.
    let method = String::from_utf8_lossy(method).into_owned();
    let target = String::from_utf8_lossy(target).into_owned();
    let mut headers = Vec::new();
    loop {
        read_line(r, &mut line, "a header field")?;
        if line.is_empty() {
            break;
        }
        if headers.len() == MAX_HEADERS {
            return Err(bad_request(format!(
                "more than {MAX_HEADERS} header fields"
            )));
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return Err(bad_request("a header field without a colon"));
        };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        // A space before the colon (RFC 9112 section 5.1) and a folded line (obs-fold, which
        // starts with a space) fail here.
        if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
            return Err(bad_request("a header field name is not a token"));
        }
        let value = value.trim_ascii();
        if value.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) {
            return Err(bad_request("a control character in a header field value"));
        }
        headers.push((
            String::from_utf8_lossy(name).to_ascii_lowercase(),
            value.to_vec(),
        ));
    }
    Ok(Request {
        method,
        target,
        headers,
        body: Vec::new(),
    })
}

/// The body's length from the head: `Content-Length` (0 without one), refused when the
/// body is framed any other way, ambiguously, or is over [`MAX_BODY`].
fn body_length(request: &Request) -> Result<u64, Refusal> {
    if request.values("transfer-encoding").next().is_some() {
        return Err(bad_request(
            "Transfer-Encoding is not supported: send the body with a Content-Length",
        ));
    }
    let mut length = None;
    for value in request.values("content-length") {
        if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
            return Err(bad_request("Content-Length is not a number (digits only)"));
        }
        // Digits only; past u64 it is too large anyway.
        let n = value.iter().try_fold(0u64, |n, &d| {
            n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        });
        let n = n.unwrap_or(u64::MAX);
        match length {
            Some(previous) if previous != n => {
                return Err(bad_request("Content-Length fields that differ"));
            }
            _ => length = Some(n),
        }
    }
    let length = length.unwrap_or(0);
    if length > MAX_BODY {
        return Err(Refusal::Answer(Response::error(
            413,
            "too_large",
            format!("a body over {MAX_BODY} bytes"),
        )));
    }
    Ok(length)
}

fn expects_continue(request: &Request) -> bool {
    request
        .values("expect")
        .any(|v| v.eq_ignore_ascii_case(b"100-continue"))
}

/// Reads exactly `length` bytes (at most [`MAX_BODY`]); an error if the client closes or
/// stalls before.
fn read_body(r: &mut impl Read, length: u64) -> io::Result<Vec<u8>> {
    let capacity = usize::try_from(length.min(MAX_BODY)).unwrap_or(0);
    let mut body = Vec::with_capacity(capacity);
    r.take(length.min(MAX_BODY)).read_to_end(&mut body)?;
    if body.len() as u64 == length {
        Ok(body)
    } else {
        Err(io::ErrorKind::UnexpectedEof.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> Result<(Request, u64), Refusal> {
        let mut r = bytes;
        let request = read_head(&mut r)?;
        let length = body_length(&request)?;
        Ok((request, length))
    }

    /// The refusal's status, or 0 for a dropped connection.
    fn refused(bytes: &[u8]) -> u16 {
        match parse(bytes) {
            Ok((r, _)) => panic!("accepted: {r:?}"),
            Err(Refusal::Drop) => 0,
            Err(Refusal::Answer(response)) => response.status,
        }
    }

    fn with_fields(fields: &str) -> Vec<u8> {
        format!("PUT /v1/users/a/keyring HTTP/1.1\r\n{fields}\r\n").into_bytes()
    }

    #[test]
    fn a_request_parses() {
        let (request, length) = parse(
            b"POST /x?y=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 007\r\nStrongroom-Client:  d1 \r\n\r\nbody",
        )
        .unwrap();
        assert_eq!(
            (request.method.as_str(), request.target.as_str()),
            ("POST", "/x?y=1")
        );
        assert_eq!(length, 7);
        assert_eq!(request.header("strongroom-client"), Some("d1"));
        assert_eq!(request.header("STRONGROOM-CLIENT"), Some("d1"));
        assert_eq!(request.header("x"), None);
        let (_, length) = parse(b"GET / HTTP/1.0\r\n\r\n").unwrap();
        assert_eq!(length, 0);
    }

    #[test]
    fn request_lines_that_are_refused() {
        for bad in [
            &b"GET /\r\n\r\n"[..],
            b"GET  / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1 \r\n\r\n",
            b"GET / HTTP/2\r\n\r\n",
            b"GET / http/1.1\r\n\r\n",
            b"G(T / HTTP/1.1\r\n\r\n",
            b"GET http://h/ HTTP/1.1\r\n\r\n",
            b"GET * HTTP/1.1\r\n\r\n",
            b"GET /\x7f HTTP/1.1\r\n\r\n",
            b"GET /\xff HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\n\r\n",
            b"GET /\r HTTP/1.1\r\n\r\n",
            b"\r\nGET / HTTP/1.1\r\n\r\n",
        ] {
            assert_eq!(refused(bad), 400, "{:?}", String::from_utf8_lossy(bad));
        }
        // The client closed (or stalled) before the end of the head: no answer.
        assert_eq!(refused(b""), 0);
        assert_eq!(refused(b"GET / HTTP/1.1\r\nHost: x"), 0);
    }

    #[test]
    fn line_limits() {
        let line = |n: usize| format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(n - 14)).into_bytes();
        assert!(parse(&line(MAX_LINE)).is_ok());
        assert_eq!(refused(&line(MAX_LINE + 1)), 400);
        let field = |n: usize| with_fields(&format!("X: {}\r\n", "a".repeat(n - 3)));
        assert!(parse(&field(MAX_LINE)).is_ok());
        assert_eq!(refused(&field(MAX_LINE + 1)), 400);
        let fields = |n: usize| with_fields(&"X: y\r\n".repeat(n));
        assert_eq!(
            parse(&fields(MAX_HEADERS)).unwrap().0.headers.len(),
            MAX_HEADERS
        );
        assert_eq!(refused(&fields(MAX_HEADERS + 1)), 400);
        // A line far too long is refused after MAX_LINE + 2 bytes, whatever follows.
        let mut endless = b"GET /".to_vec();
        endless.resize(100 * MAX_LINE, b'a');
        assert_eq!(refused(&endless), 400);
    }

    #[test]
    fn header_fields_that_are_refused() {
        for bad in [
            "X : y\r\n",
            "X\t: y\r\n",
            " X: y\r\n",
            "X: y\r\n continued\r\n",
            "no colon\r\n",
            ": y\r\n",
            "X(: y\r\n",
            "X: a\x01b\r\n",
            "X: a\x7fb\r\n",
            "X: a\rb\r\n",
        ] {
            assert_eq!(refused(&with_fields(bad)), 400, "{bad:?}");
        }
        assert!(parse(&with_fields("X: a\tb é\r\n")).is_ok());
    }

    #[test]
    fn content_length_strictly() {
        for bad in [
            "Content-Length: \r\n",
            "Content-Length: -1\r\n",
            "Content-Length: +1\r\n",
            "Content-Length: 1.0\r\n",
            "Content-Length: 0x10\r\n",
            "Content-Length: 1 1\r\n",
            "Content-Length: 1,1\r\n",
            "Content-Length: 1\r\nContent-Length: 2\r\n",
            "Transfer-Encoding: chunked\r\n",
            "Transfer-Encoding: identity\r\nContent-Length: 1\r\n",
            "Content-Length: 1\r\ntransfer-encoding: chunked\r\n",
        ] {
            assert_eq!(refused(&with_fields(bad)), 400, "{bad:?}");
        }
        let length = |fields: &str| parse(&with_fields(fields)).map(|(_, n)| n).ok();
        assert_eq!(
            length("Content-Length: 12\r\ncontent-length: 012\r\n"),
            Some(12)
        );
        assert_eq!(length("Content-Length: 1048576\r\n"), Some(MAX_BODY));
        for large in ["1048577", "10000000000000", "99999999999999999999999999"] {
            assert_eq!(
                refused(&with_fields(&format!("Content-Length: {large}\r\n"))),
                413
            );
        }
    }

    #[test]
    fn bodies_are_read_exactly() {
        assert_eq!(read_body(&mut &b"abcdef"[..], 3).unwrap(), b"abc");
        assert!(read_body(&mut &b"ab"[..], 3).is_err());
        assert_eq!(read_body(&mut &b""[..], 0).unwrap(), b"");
    }

    #[test]
    fn answers_are_framed() {
        let mut r = Response::error(405, "method_not_allowed", "DELETE /");
        r.allow = Some("GET, PUT".into());
        let text = String::from_utf8(encode(&r, false)).unwrap();
        // The body's key order depends on serde_json's `preserve_order`, which a workspace
        // build may turn on (the CLI does): compare the head as text and the body as JSON.
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert_eq!(
            head,
            format!(
                "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\nAllow: GET, PUT",
                body.len()
            )
        );
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(body).unwrap(),
            serde_json::json!({"error": "method_not_allowed", "detail": "DELETE /"})
        );
        let head = String::from_utf8(encode(&r, true)).unwrap();
        assert!(
            head.ends_with("\r\n\r\n") && head.contains(&format!("Content-Length: {}", body.len()))
        );
    }
}
