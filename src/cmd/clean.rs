//! `opsbook clean`: remove the build output.

use super::{dir_or_current, Outcome};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The handbook folder (the one with book.toml).
    pub dir: Option<PathBuf>,
    /// The output folder to remove (default: `[build] build-dir`, `book/`).
    #[arg(short = 'd', long = "dest-dir", value_name = "OUT")]
    pub out: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let dir = dir_or_current(args.dir);
    let out = match args.out {
        Some(out) => out,
        None => {
            let (config, _) = opsbook::config::Config::load(&dir)?;
            dir.join(config.build.build_dir)
        }
    };
    if opsbook::site::output::clean(&out)? {
        eprintln!("Removed {}", out.display());
    } else {
        eprintln!("Nothing to remove: {} does not exist", out.display());
    }
    Ok(Outcome::Ok)
}
