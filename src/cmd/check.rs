//! `opsbook check`: load the handbook (without HTML), compute the report once, write it in the
//! requested formats, and turn `--fail-on` into the exit code. The findings are
//! `opsbook::check`'s, the formats `opsbook::report`'s; this file only routes them.

use super::{cache_store, dir_or_current, load_with_cache, local_today, Outcome};
use jiff::civil::Date;
use opsbook::check::Report;
use opsbook::diagnostics::Severity;
use opsbook::report::{Format, Options};
use opsbook::LoadOptions;
use std::fs::OpenOptions;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The handbook folder (the one with book.toml).
    pub dir: Option<PathBuf>,
    /// The date reviews and due dates are checked against (YYYY-MM-DD; default: today).
    #[arg(long, value_parser = opsbook::freshness::parse_date, value_name = "DATE")]
    pub today: Option<Date>,
    /// The report format: text, json, markdown, junit, github or sarif (default: text).
    #[arg(long, value_parser = parse_format, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// Write the report to FILE instead of printing it.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write the report as FORMAT to FILE (repeatable: `--report json=check.json`).
    #[arg(long = "report", value_parser = parse_report, value_name = "FORMAT=FILE")]
    pub reports: Vec<(Format, PathBuf)>,
    /// Exit with 1 when a finding is at least this severe: error, warning or never.
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "LEVEL")]
    pub fail_on: FailOn,
    /// Neither read nor write the cache of loaded documents (`[build] cache-dir`).
    #[arg(long)]
    pub no_cache: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Never,
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

fn parse_report(s: &str) -> Result<(Format, PathBuf), String> {
    let (format, file) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}` is not FORMAT=FILE; write it like `json=report.json`"))?;
    if file.is_empty() {
        return Err(format!("`{s}` has no file after `=`"));
    }
    Ok((format.parse()?, PathBuf::from(file)))
}

pub fn run(args: Args, quiet: bool) -> anyhow::Result<Outcome> {
    let today = args.today.unwrap_or_else(local_today);
    let dir = dir_or_current(args.dir);
    // What a document yields does not depend on the date, so the documents of the last run
    // whose files did not change are reused: a nightly job on a kept checkout re-reads only
    // what changed.
    let store = cache_store(&dir, args.no_cache)?;
    let handbook = load_with_cache(
        &dir,
        &LoadOptions {
            drafts: false,
            skip_html: true,
        },
        &store,
        None,
        None,
    )?;
    let report = opsbook::check::findings(&handbook, today);
    let format = args.format.unwrap_or(Format::Text);
    let to_stdout =
        args.output.is_none() && (args.format.is_some() || args.reports.is_empty() || !quiet);

    let mut failed = false;
    let mut files: Vec<(Format, &Path)> = Vec::new();
    if let Some(out) = &args.output {
        files.push((format, out));
    }
    files.extend(args.reports.iter().map(|(f, p)| (*f, p.as_path())));
    for (format, path) in files {
        let text = format.render(&report, Options { color: false });
        match write_atomically(path, text.as_bytes()) {
            Ok(()) => log::info!("wrote the {format} report to {}", path.display()),
            Err(e) => {
                failed = true;
                eprintln!(
                    "error: could not write the {format} report to {}: {e}",
                    path.display()
                );
                eprintln!("  help: check that the folder exists and is writable");
            }
        }
    }
    if to_stdout {
        let color = format == Format::Text && use_color();
        let text = format.render(&report, Options { color });
        let mut stdout = std::io::stdout().lock();
        if let Err(e) = stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
        {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                eprintln!("error: could not print the report: {e}");
                failed = true;
            }
        }
    }
    let notices_shown = to_stdout && format == Format::Text;
    if !quiet && !notices_shown {
        for notice in &report.notices {
            eprintln!("note: {notice}");
        }
    }
    if failed {
        return Ok(Outcome::Usage);
    }
    Ok(outcome(&report, args.fail_on))
}

/// The exit policy: 1 when a finding is at or above `--fail-on`.
fn outcome(report: &Report, fail_on: FailOn) -> Outcome {
    let threshold = match fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Never => return Outcome::Ok,
    };
    match report.worst() {
        Some(worst) if worst >= threshold => Outcome::ContentErrors,
        _ => Outcome::Ok,
    }
}

/// Colour only for a terminal, and never when `NO_COLOR` is set (https://no-color.org).
fn use_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Writes `bytes` to `path` through a temporary file beside it and a rename, so a reader never
/// sees half a report. Something that is not a regular file (`/dev/null`, a pipe) is written
/// directly: it cannot be replaced.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {
            return Err(std::io::Error::other("it is a folder; give a file name"));
        }
        Ok(meta) if !meta.is_file() => {
            return OpenOptions::new().write(true).open(path)?.write_all(bytes);
        }
        _ => {}
    }
    opsbook::files::replace_atomically(path, bytes, None)
}
