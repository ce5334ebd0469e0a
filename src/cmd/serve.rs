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
    /// Open the handbook in the default browser once it is served (the command in the
    /// BROWSER environment variable when it is set).
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
        Notice::Updated {
            documents,
            pages,
            elapsed,
        } => {
            if !quiet {
                eprintln!(
                    "Updated {} ({} page{}) in {} ms",
                    documents.join(", "),
                    thousands(pages),
                    if pages == 1 { "" } else { "s" },
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
                "warning: the system's file watcher failed ({reason}); polling for changes instead"
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
            // For tests of the fallback to polling, which cannot exhaust the real limit.
            native_watcher_fails: std::env::var_os("OPSBOOK_SIMULATE_WATCH_LIMIT")
                .is_some_and(|v| v == "1"),
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

/// Opens `url` in a browser: with the commands in `BROWSER` when it is set (the convention
/// of xdg-open and Python's webbrowser: commands separated by `:`, `;` on Windows, tried in
/// turn; `%s` in one stands for the URL, which otherwise comes last), else with the system's
/// opener.
fn open_browser(url: &str) {
    let commands: Vec<(String, Vec<String>)> = match std::env::var("BROWSER") {
        Ok(list) if !list.trim().is_empty() => browser_commands(&list, url),
        _ => vec![system_opener(url)],
    };
    let mut error = String::from("the BROWSER variable names no command");
    for (program, args) in commands {
        match std::process::Command::new(&program)
            .args(&args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
        {
            Ok(mut child) => {
                // Reaped when it ends (xdg-open at once, a browser started directly later).
                std::thread::spawn(move || child.wait());
                return;
            }
            Err(e) => error = format!("{program}: {e}"),
        }
    }
    eprintln!("warning: could not open a browser ({error}); open {url} yourself");
}

fn system_opener(url: &str) -> (String, Vec<String>) {
    if cfg!(target_os = "macos") {
        ("open".into(), vec![url.into()])
    } else if cfg!(windows) {
        (
            "cmd".into(),
            vec!["/C".into(), "start".into(), String::new(), url.into()],
        )
    } else {
        ("xdg-open".into(), vec![url.into()])
    }
}

/// The commands of a `BROWSER` value, each with its arguments split at whitespace.
fn browser_commands(list: &str, url: &str) -> Vec<(String, Vec<String>)> {
    let separator = if cfg!(windows) { ';' } else { ':' };
    list.split(separator)
        .filter_map(|command| {
            let mut words = command.split_whitespace();
            let program = words.next()?.to_string();
            let mut args: Vec<String> = words.map(|w| w.replace("%s", url)).collect();
            if !command.contains("%s") {
                args.push(url.to_string());
            }
            Some((program, args))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_commands_follow_the_browser_variable_convention() {
        let url = "http://127.0.0.1:3000/";
        let own = |p: &str, a: &[&str]| (p.to_string(), a.iter().map(|s| s.to_string()).collect());
        assert_eq!(
            browser_commands("firefox", url),
            vec![own("firefox", &[url])]
        );
        if cfg!(windows) {
            return;
        }
        assert_eq!(
            browser_commands("chromium --new-window %s:: lynx", url),
            vec![own("chromium", &["--new-window", url]), own("lynx", &[url])]
        );
        assert_eq!(
            browser_commands("/opt/b/open-url --url=%s", url),
            vec![own("/opt/b/open-url", &[&format!("--url={url}")])]
        );
        assert!(browser_commands(" : ", url).is_empty());
    }
}
