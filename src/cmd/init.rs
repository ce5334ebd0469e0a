//! `opsbook init`: scaffold a handbook, never overwriting a file.

use super::Outcome;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to start the handbook (default: the current folder).
    pub dir: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let dir = super::dir_or_current(args.dir);
    let report = opsbook::scaffold::init(&dir)?;
    for path in &report.created {
        println!("created {path}");
    }
    for path in &report.kept {
        eprintln!("kept    {path} (already exists)");
    }
    eprintln!(
        "Next: `opsbook build {}`, then open book/index.html.",
        dir.display()
    );
    Ok(Outcome::Ok)
}
