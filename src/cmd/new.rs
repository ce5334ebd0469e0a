//! `opsbook new`: create a document from its type's template, named by the type's convention.
//! The created path is the only thing printed on stdout, so `$EDITOR $(opsbook new ...)` works.

use super::{dir_or_current, local_today, print_diagnostics, Outcome};
use jiff::civil::Date;
use opsbook::config::{Config, CONFIG_FILE};
use opsbook::new_doc::{self, Request};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The document type: chapter, sop, runbook, decision, incident, rfc, onboarding, page, or
    /// one declared with a [types.NAME] table in book.toml.
    #[arg(value_name = "TYPE")]
    pub doc_type: String,
    /// The title; the file name is made from it.
    #[arg(value_name = "TITLE")]
    pub title: String,
    /// The owner who keeps the document true: a team (`@platform`) or a person.
    #[arg(long, value_name = "X")]
    pub owner: Option<String>,
    /// The date of the document (YYYY-MM-DD; default: today): names decisions, RFCs and
    /// incidents, and sets `last_reviewed`.
    #[arg(long, value_parser = opsbook::freshness::parse_date, value_name = "DATE")]
    pub today: Option<Date>,
    /// The handbook folder, the one with book.toml (default: the current folder). The printed
    /// path then starts with DIR.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub fn run(args: Args, quiet: bool) -> anyhow::Result<Outcome> {
    let root = dir_or_current(args.dir.clone());
    if !root.join(CONFIG_FILE).is_file() {
        let place = match &args.dir {
            Some(dir) => dir.display().to_string(),
            None => "the current folder".to_string(),
        };
        eprintln!(
            "error: no {CONFIG_FILE} in {place}: run `opsbook init` to start a handbook, or pass --dir with the folder of one"
        );
        return Ok(Outcome::Usage);
    }
    let (config, warnings) = Config::load(&root)?;
    print_diagnostics(&warnings, quiet);
    let created = new_doc::create(
        &root,
        &config,
        &Request {
            doc_type: &args.doc_type,
            title: &args.title,
            owner: args.owner.as_deref(),
            today: args.today.unwrap_or_else(local_today),
        },
    )?;
    let shown = match &args.dir {
        Some(dir) => dir.join(&created.rel).display().to_string(),
        None => created.rel,
    };
    println!("{shown}");
    if !created.has_owner && !quiet {
        eprintln!("note: {shown} has no owner yet; fill in `owner:` (or pass --owner next time)");
    }
    Ok(Outcome::Ok)
}
