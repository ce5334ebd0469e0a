//! `opsbook serve`: build into a private folder, serve it on loopback, rebuild on every change
//! and reload the open pages. Ends with exit 0 on Ctrl-C.

use super::{dir_or_current, print_diagnostics, thousands, Outcome};
use jiff::civil::Date;
use opsbook::serve::{Notice, ServeOptions, Server};
use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The handbook folder (the one with book.toml).
    pub dir: Option<PathBuf>,
    /// The port to listen on (0 picks a free one).
    #[arg(short, long, default_value_t = 3000)]
    pub port: u16,
    /// The address to listen on; anything but a loopback address makes the handbook visible
    /// on the network.
    #[arg(long, default_value = "127.0.0.1", value_parser = parse_host, value_name = "ADDR")]
    pub host: IpAddr,
    /// Open the handbook in the default browser once it is served.
    #[arg(long)]
    pub open: bool,
    /// Poll the files for changes instead of using the system's file watcher (network
    /// drives, containers, WSL).
    #[arg(long)]
    pub poll: bool,
    /// The date review states are computed against (YYYY-MM-DD; default: today).
    #[arg(long, value_parser = opsbook::freshness::parse_date, value_name = "DATE")]
    pub today: Option<Date>,
    /// Include documents marked `draft: true`.
    #[arg(long)]
    pub drafts: bool,
}

fn parse_host(s: &str) -> Result<IpAddr, String> {
    if s.eq_ignore_ascii_case("localhost") {
        return Ok(IpAddr::from([127, 0, 0, 1]));
    }
    s.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .map_err(|_| format!("`{s}` is not an IP address (for example 127.0.0.1 or 0.0.0.0)"))
}

pub fn run(args: Args, quiet: bool) -> anyhow::Result<Outcome> {
    let root = opsbook::serve::absolute_root(&dir_or_current(args.dir))?;
    // Warnings are printed when they change, not again on every rebuild.
    let last_warnings = std::sync::Mutex::new(Vec::new());
    let notify = Arc::new(move |notice: Notice<'_>| match notice {
        Notice::Built {
            pages,
            elapsed,
            initial,
        } => {
            if !quiet {
                eprintln!(
                    "{} {} pages in {} ms",
                    if initial { "Built" } else { "Rebuilt" },
                    thousands(pages),
                    elapsed.as_millis()
                );
            }
        }
        Notice::Warnings(d) => {
            let mut last = last_warnings.lock().unwrap_or_else(|e| e.into_inner());
            if last.as_slice() != d {
                print_diagnostics(d, quiet);
                *last = d.to_vec();
            }
        }
        Notice::Failed(d) => {
            print_diagnostics(d, false);
            eprintln!(
                "error: the handbook did not build ({} problem{}); the last good version is still served",
                d.len(),
                if d.len() == 1 { "" } else { "s" }
            );
        }
        Notice::Polling { reason } => {
            eprintln!(
                "warning: the file watcher could not start ({reason}); polling for changes instead"
            );
            eprintln!("  help: on Linux, raise the limit with `sudo sysctl fs.inotify.max_user_watches=524288`, or pass --poll");
        }
    });
    let (stop_tx, stop_rx) = std::sync::mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = stop_tx.send(());
    })?;
    let server = Server::start(
        ServeOptions {
            root,
            host: args.host,
            port: args.port,
            poll: args.poll,
            today: args.today,
            drafts: args.drafts,
        },
        notify,
    )?;
    if !args.host.is_loopback() {
        eprintln!(
            "warning: listening on {}: the handbook is now visible to every machine that can reach this one",
            args.host
        );
    }
    let url = server.url();
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "Serving on {url}")?;
        stdout.flush()?;
    }
    if !quiet {
        eprintln!("Watching for changes; press Ctrl-C to stop");
    }
    if args.open {
        open_browser(&url);
    }
    let _ = stop_rx.recv();
    drop(server);
    if !quiet {
        eprintln!("Stopped");
    }
    Ok(Outcome::Ok)
}

fn open_browser(url: &str) {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    if let Err(e) = command
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        eprintln!("warning: could not open a browser ({e}); open {url} yourself");
    }
}
