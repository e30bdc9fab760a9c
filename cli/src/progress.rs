//! A progress line on standard error while a KDF runs: shown only on a terminal and only
//! once the work has taken half a second, so quick runs and pipes see nothing.

use std::io::{IsTerminal, Write};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Delay before the line appears.
const DELAY: Duration = Duration::from_millis(500);
const TICK: Duration = Duration::from_millis(100);
const FRAMES: &[char] = &['|', '/', '-', '\\'];

/// Shows `message` with a spinner and elapsed time until dropped.
pub struct Progress {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts the spinner thread if standard error is a terminal and --quiet was not given.
    pub fn start(message: impl Into<String>) -> Self {
        if !std::io::stderr().is_terminal() || crate::quiet() {
            return Progress {
                stop: None,
                thread: None,
            };
        }
        let message = message.into();
        let (tx, rx) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            if !matches!(rx.recv_timeout(DELAY), Err(RecvTimeoutError::Timeout)) {
                return;
            }
            let mut frame = 0usize;
            loop {
                let secs = started.elapsed().as_secs_f64();
                let mut err = std::io::stderr().lock();
                let _ = write!(
                    err,
                    "\r{} {message} ({secs:.1} s)\x1b[K",
                    FRAMES[frame % FRAMES.len()]
                );
                let _ = err.flush();
                drop(err);
                frame += 1;
                if !matches!(rx.recv_timeout(TICK), Err(RecvTimeoutError::Timeout)) {
                    break;
                }
            }
            // Clear the line so the next message starts clean.
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[K");
            let _ = err.flush();
        });
        Progress {
            stop: Some(tx),
            thread: Some(thread),
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        // Dropping the sender wakes the thread; joining waits for the line to be cleared.
        self.stop.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Runs `f` with a progress line describing the KDF work.
pub fn with_progress<T>(message: impl Into<String>, f: impl FnOnce() -> T) -> T {
    let _p = Progress::start(message);
    f()
}
