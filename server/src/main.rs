//! `strongroom-server`: the reference storage server of server/PROTOCOL.md. It stores each
//! user's keyring and logs in one SQLite file and checks what it stores with the
//! `strongroom` crate; with `--hostile MODE` it stores honestly and lies when it serves.

#![forbid(unsafe_code)]

mod cbor;
mod hostile;
mod http;
mod store;
mod tree;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

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
    /// Worker threads serving requests.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    threads: u16,
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
    let server = match tiny_http::Server::http(&args.listen) {
        Ok(server) => Arc::new(server),
        Err(e) => {
            eprintln!("strongroom-server: cannot listen on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let Some(addr) = server.server_addr().to_ip() else {
        eprintln!("strongroom-server: not listening on an IP address");
        return ExitCode::FAILURE;
    };
    let mut stdout = std::io::stdout();
    if writeln!(stdout, "listening on http://{addr}")
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    let app = Arc::new(http::App {
        store,
        mode: args.hostile,
    });
    let workers: Vec<_> = (0..args.threads)
        .map(|_| {
            let server = Arc::clone(&server);
            let app = Arc::clone(&app);
            std::thread::spawn(move || {
                while let Ok(request) = server.recv() {
                    http::handle(&app, request);
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    ExitCode::SUCCESS
}
