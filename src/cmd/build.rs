//! `opsbook build`: load the handbook, stop on content errors, build the site.

use super::{
    cache_store, dir_or_current, load_with_cache, local_today, print_diagnostics,
    stderr_is_terminal, thousands, Outcome,
};
use jiff::civil::Date;
use opsbook::cache::Highlights;
use opsbook::LoadOptions;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The handbook folder (the one with book.toml).
    pub dir: Option<PathBuf>,
    /// Where to write the site (default: `[build] build-dir`, `book/`).
    #[arg(short = 'd', long = "dest-dir", value_name = "OUT")]
    pub out: Option<PathBuf>,
    /// The date review states are computed against (YYYY-MM-DD; default: today).
    #[arg(long, value_parser = opsbook::freshness::parse_date, value_name = "DATE")]
    pub today: Option<Date>,
    /// Include documents marked `draft: true`.
    #[arg(long)]
    pub drafts: bool,
    /// Build from scratch: neither read nor write the build cache (`[build] cache-dir`).
    #[arg(long)]
    pub no_cache: bool,
}

pub fn run(args: Args, quiet: bool) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let dir = dir_or_current(args.dir);
    let store = cache_store(&dir, args.no_cache)?;
    let highlights = Highlights::load(&store);
    // The documents' plain texts wait for the search index in an unnamed file rather than in
    // memory (without a cache, in the handbook's folder).
    let texts = store.text_file(&dir);
    let handbook = load_with_cache(
        &dir,
        &LoadOptions {
            drafts: args.drafts,
            skip_html: false,
        },
        &store,
        Some(&highlights),
        texts.as_ref(),
    )?;
    log::info!(
        "loaded {} document{} in {:.2?}",
        handbook.documents.len(),
        if handbook.documents.len() == 1 {
            ""
        } else {
            "s"
        },
        started.elapsed()
    );
    print_diagnostics(&handbook.diagnostics, quiet);
    if handbook.has_errors() {
        let errors = handbook.diagnostics.iter().filter(|d| d.is_error()).count();
        eprintln!(
            "error: {errors} problem{} in the handbook; nothing was written (the previous output is untouched)",
            if errors == 1 { "" } else { "s" }
        );
        return Ok(Outcome::ContentErrors);
    }
    let today = args.today.unwrap_or_else(local_today);
    let options = opsbook::BuildOptions {
        today,
        out: args.out,
        progress: !quiet && stderr_is_terminal() && handbook.documents.len() > 300,
        cache: store.clone(),
    };
    // Every code block was highlighted (or found) while loading: the cache of them is
    // saved beside the build.
    let report = std::thread::scope(|scope| {
        // Dropped once saved: the build needs none of them (77 MB for 50,000 pages).
        let store = &store;
        scope.spawn(move || highlights.save(store));
        opsbook::build(&handbook, &options)
    })?;
    // The process ends here: its memory goes back whole, without freeing each of the
    // handbook's hundreds of thousands of allocations first (20 ms for 10,000 pages).
    std::mem::forget(handbook);
    if !quiet {
        eprintln!(
            "Built {} pages in {:.2} s → {}",
            thousands(report.pages),
            started.elapsed().as_secs_f64(),
            report
                .out
                .strip_prefix(".")
                .unwrap_or(&report.out)
                .display()
        );
    }
    Ok(Outcome::Ok)
}
