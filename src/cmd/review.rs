//! `opsbook review`: mark documents reviewed. Only `last_reviewed` (and `reviewed_by`) change;
//! the edit itself is `opsbook::edit::mark_reviewed`, this file reads and writes the files.
//!
//! A file is replaced atomically (a temporary file in the same folder, then a rename) with the
//! permissions it had, so an interrupted run never leaves half a document behind.

use super::{local_today, Outcome};
use jiff::civil::Date;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The Markdown files to mark reviewed.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The date of the review (YYYY-MM-DD; default: today).
    #[arg(long, value_parser = opsbook::freshness::parse_date, value_name = "DATE")]
    pub today: Option<Date>,
    /// Also set `reviewed_by` to this name.
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
}

/// Why one file was not marked reviewed; it is left untouched.
struct Refusal {
    /// The line of the file, 0 for the file as a whole.
    line: usize,
    message: String,
    help: Option<String>,
}

impl Refusal {
    fn file(message: impl Into<String>, help: impl Into<String>) -> Refusal {
        Refusal {
            line: 0,
            message: message.into(),
            help: Some(help.into()),
        }
    }
}

pub fn run(args: Args, quiet: bool) -> anyhow::Result<Outcome> {
    let today = args.today.unwrap_or_else(local_today);
    let by = args.by.as_deref().map(str::trim);
    if by == Some("") {
        eprintln!("error: --by needs a name, such as `--by alice`");
        return Ok(Outcome::Usage);
    }
    let mut failed = 0;
    for path in &args.paths {
        match review(path, today, by) {
            Ok(()) => {
                if !quiet {
                    let by = by
                        .map(|b| format!(", reviewed_by: {b}"))
                        .unwrap_or_default();
                    eprintln!("Reviewed {} (last_reviewed: {today}{by})", path.display());
                }
            }
            Err(r) => {
                failed += 1;
                let location = match r.line {
                    0 => path.display().to_string(),
                    line => format!("{}:{line}", path.display()),
                };
                eprintln!("{location}: error: {}", r.message);
                if let Some(help) = r.help {
                    eprintln!("  help: {help}");
                }
            }
        }
    }
    if failed == 0 {
        return Ok(Outcome::Ok);
    }
    if args.paths.len() > 1 {
        eprintln!(
            "error: {failed} of {} files were not marked reviewed (they are unchanged)",
            args.paths.len()
        );
    }
    Ok(Outcome::Usage)
}

fn review(path: &Path, today: Date, by: Option<&str>) -> Result<(), Refusal> {
    let target = document_file(path)?;
    let bytes = std::fs::read(&target).map_err(|e| {
        Refusal::file(
            format!("could not read the file: {e}"),
            "check the file's permissions",
        )
    })?;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        let offset = e.valid_up_to();
        Refusal {
            line: bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1,
            message: format!("the file is not valid UTF-8 (byte {offset})"),
            help: Some("save the file with UTF-8 encoding".to_string()),
        }
    })?;
    let edited = opsbook::edit::mark_reviewed(text, today, by).map_err(|p| Refusal {
        line: p.line,
        message: p.message,
        help: p.help,
    })?;
    if edited == text {
        return Ok(());
    }
    let permissions = std::fs::metadata(&target)
        .map_err(|e| Refusal::file(format!("could not read the file: {e}"), "check the path"))?
        .permissions();
    opsbook::files::replace_atomically(&target, edited.as_bytes(), Some(permissions)).map_err(|e| {
        Refusal::file(
            format!("could not write the file: {e}"),
            "check that the folder is writable; the file is unchanged",
        )
    })
}

/// The file to edit: an existing, writable `.md` file (a symbolic link's target, so the link
/// stays a link).
fn document_file(path: &Path) -> Result<PathBuf, Refusal> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Refusal::file(
                "no such file",
                "check the path; give the Markdown files to mark reviewed",
            ))
        }
        Err(e) => return Err(Refusal::file(format!("cannot open: {e}"), "check the path")),
    };
    if meta.is_dir() {
        return Err(Refusal::file(
            "is a folder, not a document",
            format!(
                "pass the Markdown files in it, for example `opsbook review {}/*.md`",
                path.display()
            ),
        ));
    }
    let is_markdown = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("md"));
    if !meta.is_file() || !is_markdown {
        return Err(Refusal::file(
            "is not a Markdown document (.md)",
            "opsbook review only edits the front matter of .md files",
        ));
    }
    if meta.permissions().readonly() {
        return Err(Refusal::file(
            "the file is read-only",
            "make it writable if it should be marked reviewed",
        ));
    }
    std::fs::canonicalize(path)
        .map_err(|e| Refusal::file(format!("cannot resolve the path: {e}"), "check the path"))
}
