//! The subcommands. Each file drives the library for one command; none holds logic of its own
//! beyond options and printing.

mod build;
mod check;
mod clean;
mod init;
mod new;
mod review;
mod serve;

use clap::{Parser, Subcommand};
use jiff::civil::Date;
use opsbook::cache::{Highlights, Store, TextFile};
use opsbook::diagnostics::Diagnostic;
use opsbook::handbook::{stored_documents_file, Reuse, StoredDocuments};
use opsbook::{Handbook, LoadOptions};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "opsbook", version, about = "Build and check an operating handbook", long_about = None)]
pub struct Cli {
    /// Print only errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Print more about what happens (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a handbook: book.toml, owners.yml and one example document of every type.
    Init(init::Args),
    /// Build the handbook into a static site.
    Build(build::Args),
    /// Serve the handbook on localhost, rebuilding and reloading open pages on every change.
    Serve(serve::Args),
    /// Report stale reviews, missing owners, broken links and overdue follow-ups.
    Check(check::Args),
    /// Create a new document from its type's template, named by the type's convention.
    New(new::Args),
    /// Mark documents reviewed: set `last_reviewed` (and `reviewed_by`), changing nothing else.
    Review(review::Args),
    /// Remove the build output.
    Clean(clean::Args),
}

/// How a command ended, as an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// The handbook has content problems (exit 1).
    ContentErrors,
    /// Bad usage or configuration (exit 2).
    Usage,
}

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> ExitCode {
        match o {
            Outcome::Ok => ExitCode::SUCCESS,
            Outcome::ContentErrors => ExitCode::from(1),
            Outcome::Usage => ExitCode::from(2),
        }
    }
}

pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Init(args) => init::run(args),
        Command::Build(args) => build::run(args, cli.quiet),
        Command::Serve(args) => serve::run(args, cli.quiet),
        Command::Check(args) => check::run(args, cli.quiet),
        Command::New(args) => new::run(args, cli.quiet),
        Command::Review(args) => review::run(args, cli.quiet),
        Command::Clean(args) => clean::run(args),
    }
}

/// `RUST_LOG`-style filtering through `OPSBOOK_LOG`; `-q` and `-v` set the default level.
pub fn init_logging(quiet: bool, verbose: u8) {
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        _ => "debug",
    };
    env_logger::Builder::from_env(env_logger::Env::new().filter_or("OPSBOOK_LOG", default))
        .format_timestamp(None)
        .format_target(false)
        .init();
}

/// Today's date in the local time zone, read once per run.
pub fn local_today() -> Date {
    jiff::Zoned::now().date()
}

/// Prints diagnostics to stderr, errors always, warnings unless quiet.
pub fn print_diagnostics(diagnostics: &[Diagnostic], quiet: bool) {
    let mut stderr = std::io::stderr().lock();
    for d in diagnostics {
        if quiet && !d.is_error() {
            continue;
        }
        use std::io::Write;
        let _ = writeln!(stderr, "{d}");
    }
}

pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// `1,204` for 1204.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The handbook folder: the argument, or the current folder.
pub fn dir_or_current(dir: Option<PathBuf>) -> PathBuf {
    dir.unwrap_or_else(|| PathBuf::from("."))
}

/// The build cache of the handbook at `dir` (`[build] cache-dir`); none with `--no-cache`.
pub fn cache_store(dir: &Path, no_cache: bool) -> anyhow::Result<Store> {
    if no_cache {
        return Ok(Store::default());
    }
    let (config, _) = opsbook::config::Config::load(dir)?;
    Ok(Store::at(dir.join(config.build.cache_dir)))
}

/// Loads the handbook at `dir`, reusing the documents that the last run with the same kind of
/// `options` kept in `store` and keeping this run's there for the next. The cache file is
/// saved before this returns, so its bytes are not held while the caller works.
pub fn load_with_cache(
    dir: &Path,
    options: &LoadOptions,
    store: &Store,
    highlights: Option<&Highlights>,
    texts: Option<&TextFile>,
) -> anyhow::Result<Handbook> {
    let file = stored_documents_file(options);
    let documents = store
        .dir
        .is_some()
        .then(|| StoredDocuments::load(store, file));
    let handbook = Handbook::load_reusing(
        dir,
        options,
        Reuse {
            highlights,
            documents: documents.as_ref().map(|d| d as _),
            texts,
        },
    )?;
    if let Some(documents) = documents {
        let (reused, made) = documents.counts();
        log::info!(
            "reused {reused} of {} Markdown files from the cache",
            reused + made
        );
        documents.save(store, file);
    }
    Ok(handbook)
}
