//! `opsbook clean`: remove the build output and the build cache.

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
    let (config, _) = opsbook::config::Config::load(&dir)?;
    let out = args
        .out
        .unwrap_or_else(|| dir.join(&config.build.build_dir));
    if opsbook::site::output::clean(&out)? {
        eprintln!("Removed {}", out.display());
    } else {
        eprintln!("Nothing to remove: {} does not exist", out.display());
    }
    // The build cache goes too: after `clean`, the next build starts from nothing.
    let cache = dir.join(&config.build.cache_dir);
    if cache.join(opsbook::cache::MARKER).is_file() {
        std::fs::remove_dir_all(&cache)
            .map_err(|e| anyhow::anyhow!("could not remove {}: {e}", cache.display()))?;
        eprintln!("Removed {}", cache.display());
    }
    Ok(Outcome::Ok)
}
