//! `strongroom-server`: the reference storage server of server/PROTOCOL.md. It stores each
//! user's keyring and logs in one SQLite file and checks what it stores with the
//! `strongroom` crate; with `--hostile MODE` it stores honestly and lies when it serves.

#![forbid(unsafe_code)]

mod cbor;
mod hostile;
mod http;
mod store;
mod tree;
mod wire;

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

/// The reference storage server of Strongroom's HTTP protocol (server/PROTOCOL.md).
#[derive(Parser)]
#[command(name = "strongroom-server", version)]
struct Args {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8420")]
    listen: String,
    /// The SQLite file of the store (created if missing).
    #[arg(long, default_value = "strongroom.sqlite3")]
    db: PathBuf,
    /// Store honestly but serve lies, as PROTOCOL.md's table of hostile modes says.
    #[arg(long, value_enum)]
    hostile: Option<hostile::Mode>,
    /// Worker threads, each serving one connection at a time.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    threads: u16,
    /// Milliseconds a client has to send its whole request, head and body (at most an hour);
    /// past that, the connection is closed unanswered.
    #[arg(
        long,
        default_value_t = 30_000,
        value_parser = clap::value_parser!(u64).range(1..=3_600_000)
    )]
    read_timeout_ms: u64,
    /// Milliseconds a client has to take the whole answer (at most an hour).
    #[arg(
        long,
        default_value_t = 30_000,
        value_parser = clap::value_parser!(u64).range(1..=3_600_000)
    )]
    write_timeout_ms: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let store = match store::Store::open(&args.db) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("strongroom-server: cannot open {}: {e}", args.db.display());
            return ExitCode::FAILURE;
        }
    };
    let listener = match TcpListener::bind(&args.listen) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("strongroom-server: cannot listen on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let addr = match listener.local_addr() {
        Ok(addr) => addr,
        Err(e) => {
            eprintln!("strongroom-server: no local address: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout();
    if writeln!(stdout, "listening on http://{addr}")
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    let app = http::App {
        store,
        mode: args.hostile,
    };
    let timeouts = wire::Timeouts {
        read: Duration::from_millis(args.read_timeout_ms),
        write: Duration::from_millis(args.write_timeout_ms),
    };
    let e = wire::serve(
        listener,
        usize::from(args.threads),
        timeouts,
        move |request| http::handle(&app, request),
    );
    eprintln!("strongroom-server: {e}");
    ExitCode::FAILURE
}
