//! Progress lines on standard error, while a KDF runs or a stream is sealed or opened: shown
//! only on a terminal and only once the work has taken half a second, so quick runs and
//! pipes see nothing.

use std::io::{IsTerminal, Write};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Delay before the line appears.
const DELAY: Duration = Duration::from_millis(500);
const TICK: Duration = Duration::from_millis(100);
const FRAMES: &[char] = &['|', '/', '-', '\\'];

/// A line on standard error redrawn ten times a second by `render(seconds, tick)` from half
/// a second after the start until dropped, then cleared; nothing off a terminal or with
/// --quiet. Both progress lines below are one of these.
struct Line {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Line {
    fn start(render: impl Fn(f64, usize) -> String + Send + 'static) -> Self {
        if !std::io::stderr().is_terminal() || crate::quiet() {
            return Line {
                stop: None,
                thread: None,
            };
        }
        let (tx, rx) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            if !matches!(rx.recv_timeout(DELAY), Err(RecvTimeoutError::Timeout)) {
                return;
            }
            let mut tick = 0usize;
            loop {
                let text = render(started.elapsed().as_secs_f64(), tick);
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r{text}\x1b[K");
                let _ = err.flush();
                drop(err);
                tick += 1;
                if !matches!(rx.recv_timeout(TICK), Err(RecvTimeoutError::Timeout)) {
                    break;
                }
            }
            // Clear the line so the next message starts clean.
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[K");
            let _ = err.flush();
        });
        Line {
            stop: Some(tx),
            thread: Some(thread),
        }
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        // Dropping the sender wakes the thread; joining waits for the line to be cleared.
        self.stop.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Shows `message` with a spinner and elapsed time until dropped.
pub struct Progress {
    _line: Line,
}

impl Progress {
    /// Starts the spinner if standard error is a terminal and --quiet was not given.
    pub fn start(message: impl Into<String>) -> Self {
        let message = message.into();
        Progress {
            _line: Line::start(move |secs, tick| {
                format!("{} {message} ({secs:.1} s)", FRAMES[tick % FRAMES.len()])
            }),
        }
    }
}

/// Runs `f` with a progress line describing the KDF work.
pub fn with_progress<T>(message: impl Into<String>, f: impl FnOnce() -> T) -> T {
    let _p = Progress::start(message);
    f()
}

/// Bytes done, shared between the work and the progress line.
pub type Counter = std::sync::Arc<std::sync::atomic::AtomicU64>;

/// A progress line for a long run through data: `message`, bytes done (of `total` when
/// known) and the rate, updated ten times a second. Shown only on a terminal, without
/// --quiet, and once the run has taken half a second; cleared when dropped.
pub struct ByteProgress {
    _line: Line,
}

impl ByteProgress {
    /// Starts the line (or nothing, off a terminal).
    pub fn start(message: impl Into<String>, done: Counter, total: Option<u64>) -> Self {
        let message = message.into();
        ByteProgress {
            _line: Line::start(move |secs, _| {
                let bytes = done.load(std::sync::atomic::Ordering::Relaxed);
                let rate = if secs > 0.0 { bytes as f64 / secs } else { 0.0 };
                let of = match total {
                    Some(t) if t > 0 => format!(
                        " of {} ({:.0}%)",
                        human(t as f64),
                        (bytes as f64 * 100.0 / t as f64).min(100.0)
                    ),
                    _ => String::new(),
                };
                format!(
                    "{message}: {}{of}, {}/s ({secs:.1} s)",
                    human(bytes as f64),
                    human(rate)
                )
            }),
        }
    }
}

/// `n` bytes in binary units: `512 B`, `1.5 MiB`, `3.2 GiB`.
pub fn human(n: f64) -> String {
    const UNITS: &[&str] = &["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < UNITS.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{v:.0} {}", UNITS[i])
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}
