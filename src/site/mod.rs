//! The site: turns a loaded handbook into the static website.
//!
//! The only user of the theme. Facts that several pages need (review states, who links to
//! whom) are computed once per build; pages are then rendered and written in parallel into a
//! staging folder that replaces the previous output only when everything succeeded.

pub mod catalog;
pub mod nav;
pub mod output;
mod pages;
mod print;
mod shape;
pub mod theme;

use crate::cache;
use crate::freshness::Review;
use crate::handbook::{Document, Handbook, ASSET_DIR};
use crate::links::root_prefix;
use anyhow::{Context, Result};
use jiff::civil::Date;
use nav::{Nav, PageRef, Section, SectionsByDir};
use pages::{FollowUpCtx, HealthCtx, LogCtx, OwnerPageCtx, OwnerRowCtx, TagPageCtx, TagRowCtx};
use rayon::prelude::*;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::PathBuf;
use theme::Theme;

/// How to build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The date review states are computed against, captured once per run.
    pub today: Date,
    /// The output folder; `[build] build-dir` of book.toml when `None`.
    pub out: Option<PathBuf>,
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// Where the hashes of the last build's files are kept, so that an unchanged page is
    /// neither rendered nor written again. Without one, every build is a clean one.
    pub cache: cache::Store,
}

/// What a build wrote.
#[derive(Debug, Clone)]
pub struct BuildReport {
    pub out: PathBuf,
    /// HTML pages written (documents, sections, home, 404).
    pub pages: usize,
    pub documents: usize,
    pub assets: usize,
    /// Files written; the others were already in the output as they are.
    pub written: usize,
}

/// Facts about the documents that several pages need, computed once per build.
pub struct Facts {
    pub reviews: Vec<Review>,
    pub states: Vec<&'static str>,
    /// For each document, its open follow-ups and how many of them are overdue.
    pub followups: Vec<(usize, usize)>,
    /// For each document, the index of its first follow-up in the handbook's list.
    pub followup_start: Vec<usize>,
}

impl Facts {
    pub fn new(handbook: &Handbook, today: Date) -> Facts {
        let reviews: Vec<Review> = handbook
            .documents
            .par_iter()
            .map(|d| handbook.review(d, today))
            .collect();
        let states = reviews.iter().map(|r| r.state.as_str()).collect();
        let mut followups = vec![(0, 0); handbook.documents.len()];
        let mut followup_start = vec![handbook.followups.len(); handbook.documents.len()];
        for (k, f) in handbook.followups.iter().enumerate().rev() {
            followups[f.doc].0 += 1;
            followups[f.doc].1 += usize::from(f.is_overdue(today));
            followup_start[f.doc] = k;
        }
        Facts {
            reviews,
            states,
            followups,
            followup_start,
        }
    }
}

/// What a build keeps for the updates that follow it (`serve`): the theme, the facts and
/// the navigation, which a change to the text of documents leaves as they are, the search
/// index, and the hashes of the output's files.
pub struct Kept {
    theme: Theme,
    facts: Facts,
    nav: Nav,
    shared: Shared,
    today: Date,
    out: PathBuf,
    /// The search index, when the site has one.
    search: Option<crate::search::live::Live>,
    /// The key of every page, in reading order (the print view's key is made of them).
    page_keys: Vec<cache::Key>,
    /// Whether `print.html` misses text changed since it was written ([`refresh_print`]).
    print_stale: bool,
    /// The hashes of the output's files, as updates leave them.
    pages: cache::Pages,
    /// Whether `pages` changed since the build saved them in the cache.
    pages_changed: bool,
    /// The build cache (where `print.html` is described for [`refresh_print`]).
    cache: cache::Store,
}

impl Kept {
    /// The date the build computed review states against.
    pub fn today(&self) -> Date {
        self.today
    }

    /// Saves the hashes of the output's files in the cache, for the next build (updates
    /// keep them in memory only).
    pub fn save_pages(&mut self, options: &BuildOptions) {
        if self.pages_changed {
            self.pages
                .save(&options.cache, &cache::Pages::file_for(&self.out));
            self.pages_changed = false;
        }
    }
}

/// Builds the site of a loaded handbook. The caller decides beforehand whether content
/// errors stop the build; this fails only on theme and file-system problems, and then leaves
/// the previous output as it was.
pub fn build(handbook: &Handbook, options: &BuildOptions) -> Result<BuildReport> {
    build_with(handbook, options, false).map(|(report, _)| report)
}

/// Like [`build`], keeping what [`update_text`] needs to apply later changes to the text of
/// documents without building the whole site again.
pub fn build_keeping(handbook: &Handbook, options: &BuildOptions) -> Result<(BuildReport, Kept)> {
    let (report, kept) = build_with(handbook, options, true)?;
    let kept = kept.context("a build that keeps its state returns it")?;
    Ok((report, kept))
}

fn build_with(
    handbook: &Handbook,
    options: &BuildOptions,
    keep: bool,
) -> Result<(BuildReport, Option<Kept>)> {
    let started = std::time::Instant::now();
    let out = options
        .out
        .clone()
        .unwrap_or_else(|| handbook.root.join(&handbook.config.build.build_dir));
    output::check_destination(&out, &handbook.root, &handbook.content_dir())?;
    let theme_dir = handbook
        .config
        .build
        .theme
        .as_ref()
        .map(|t| handbook.root.join(t));
    let theme = Theme::load(theme_dir.as_deref())?;
    let facts = Facts::new(handbook, options.today);
    let nav = Nav::new(&handbook.documents, &handbook.types);
    let pages_file = cache::Pages::file_for(&out);
    let previous = cache::Pages::load(&options.cache, &pages_file);
    log::debug!(
        "prepare: theme, facts, nav and last page keys in {:.2?}",
        started.elapsed()
    );
    // A build that keeps its state for updates (`serve`) has its own way; the others record
    // the handbook's shape for the next build, and compare it with the last one's.
    let shape_file = shape::Shape::file_for(&out);
    let shape = (!keep && options.cache.dir.is_some())
        .then(|| shape::Shape::of(handbook, theme.key, options.today));
    let html_changed = shape
        .as_ref()
        .and_then(|s| s.changed_html(&options.cache, &shape_file, &previous));
    log::debug!("prepare: the handbook's shape in {:.2?}", started.elapsed());
    let writer = output::Writer::new(&out, previous)?;
    let search_dir = search_dir();
    // Only the HTML or text of documents changed since the last build: the pages that show
    // no changed document, and every file but the print view and the search index, stay.
    let search_files = format!("{search_dir}/");
    let html_changed = html_changed.filter(|_| {
        writer.keep_previous(|path| path == print::PRINT || path.starts_with(&search_files))
    });
    log::debug!("prepare: output checked in {:.2?}", started.elapsed());
    if let Some(changed) = &html_changed {
        let n = changed.iter().filter(|&&c| c).count();
        log::info!(
            "only the text of {n} document{} changed: the pages that do not show it stay",
            if n == 1 { "" } else { "s" }
        );
    }
    let searchable = handbook.config.output.html.search.enable;
    let shared = Shared::new(handbook, &facts, &nav, &theme);
    let rows = Rows::new(handbook.documents.len());
    let site = Site::new(
        handbook,
        &facts,
        &nav,
        &theme,
        &shared,
        &rows,
        options.today,
    );
    log::info!("prepared the site in {:.2?}", started.elapsed());

    let order = nav.reading_order();
    let sections = nav.sections_by_dir();

    if !writer.is_update() {
        // A clean build writes every file: make the folders once, up front.
        let mut dirs: BTreeSet<&str> = BTreeSet::new();
        dirs.insert(ASSET_DIR);
        for page in &order {
            if let Some((dir, _)) = page.url(&handbook.documents, &sections).rsplit_once('/') {
                dirs.insert(dir);
            }
        }
        for asset in &handbook.assets {
            if let Some((dir, _)) = asset.rel.rsplit_once('/') {
                dirs.insert(dir);
            }
        }
        if searchable {
            dirs.insert(&search_dir);
        }
        dirs.insert(crate::handbook::OWNERS_DIR);
        dirs.insert(crate::handbook::TAGS_DIR);
        for dir in &dirs {
            crate::files::create_dir_all(&writer.dir().join(dir))?;
        }
    }

    let search = || -> Result<(Option<crate::search::live::Live>, Background)> {
        if !searchable {
            return Ok((None, Background::default()));
        }
        let file = cache::output_file("search", &out);
        let (live, keys) = write_search(handbook, &facts, &writer, &options.cache, &file)?;
        log::info!("wrote the search index in {:.2?}", started.elapsed());
        if keep {
            live.save(&options.cache, &file, &keys);
            Ok((Some(live), Background::default()))
        } else {
            // Kept in the cache while the pages are rendered; the build waits for it at
            // the end.
            let store = options.cache.clone();
            let saving = std::thread::spawn(move || live.save(&store, &file, &keys));
            Ok((None, Background(Some(saving))))
        }
    };

    let progress = if options.progress {
        indicatif::ProgressBar::new(order.len() as u64).with_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} Rendering {pos}/{len} pages {wide_bar} {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        )
    } else {
        indicatif::ProgressBar::hidden()
    };
    let pages = || -> Result<Vec<cache::Key>> {
        order
            .par_iter()
            .enumerate()
            .map(|(k, page)| -> Result<cache::Key> {
                let prev = k.checked_sub(1).map(|p| order[p]);
                let next = order.get(k + 1).copied();
                let _crash = crate::crash::working_on(match page {
                    PageRef::Doc(i) => &handbook.documents[*i].source,
                    PageRef::Section(dir) => sections[dir]
                        .index_doc
                        .map_or(&sections[dir].url, |i| &handbook.documents[i].source),
                });
                if let Some(changed) = &html_changed {
                    if !page.shown_doc(&sections).is_some_and(|i| changed[i]) {
                        let url = page.url(&handbook.documents, &sections);
                        if let Some(key) = writer.previous_key(url) {
                            progress.inc(1);
                            return Ok(key);
                        }
                    }
                }
                let mut view = site.page_view(*page, prev, next, &sections);
                let key = site.fingerprint(&mut view);
                writer.emit(view.url(), key, || site.render_view(&view))?;
                progress.inc(1);
                Ok(key)
            })
            .collect()
    };
    // The print view (on an incremental build mostly a copy of the last one, in the kernel)
    // beside everything else that is left, once the pages' keys are known.
    let finish = |page_keys: &[cache::Key]| -> Result<()> {
        progress.finish_and_clear();
        log::info!(
            "rendered {} pages in {:.2?}",
            order.len(),
            started.elapsed()
        );
        let (print, rest) = rayon::join(
            || site.write_print(&writer, page_keys, &options.cache),
            || -> Result<()> {
                handbook.assets.par_iter().try_for_each(|a| -> Result<()> {
                    let bytes = std::fs::read(&a.path)
                        .with_context(|| format!("could not copy {}", a.path.display()))?;
                    writer.emit_bytes(&a.rel, &bytes)?;
                    Ok(())
                })?;
                if html_changed.is_some() {
                    // Generated from the handbook's shape alone: kept.
                    return Ok(());
                }
                site.extras()
                    .par_iter()
                    .try_for_each(|extra| -> Result<()> {
                        let mut view = site.extra_view(*extra);
                        let key = site.fingerprint(&mut view);
                        writer.emit(view.url(), key, || site.render_view(&view))?;
                        Ok(())
                    })?;
                let mut not_found = site.not_found_view();
                let key = site.fingerprint(&mut not_found);
                writer.emit("404.html", key, || site.render_view(&not_found))?;
                for (name, bytes) in site.generated_assets() {
                    writer.emit_bytes(&format!("{ASSET_DIR}/{name}"), &bytes)?;
                }
                let section_urls: Vec<String> = sections.values().map(|s| s.url.clone()).collect();
                writer.emit_bytes(
                    "sitemap.xml",
                    catalog::sitemap_xml(handbook, &section_urls).as_bytes(),
                )?;
                let catalog = catalog::Catalog::new(handbook, &facts);
                if !writer.emit("catalog.json", catalog.key(), || Ok(catalog.json()))? {
                    log::info!("catalog.json: no entry changed");
                }
                Ok(())
            },
        );
        print?;
        rest?;
        log::info!(
            "wrote the print view, generated pages, assets and files in {:.2?}",
            started.elapsed()
        );
        Ok(())
    };
    // The search index beside the pages: an incremental build reads the kept index (one
    // thread) while the pages' keys are made and the print view and the rest are written; a
    // clean build's index leaves a core idle a third of the time (its dictionary is merged on
    // one thread), which the pages take. Neither holds much of the other's memory: a clean
    // build of 50,000 pages peaked no higher than with the index first (1.84 GiB).
    let (search, pages) = rayon::join(search, || -> Result<Vec<cache::Key>> {
        let keys = pages()?;
        finish(&keys)?;
        Ok(keys)
    });
    let ((live_search, _saving), page_keys) = (search?, pages?);

    let update = writer.is_update();
    let (pages, written) = writer.commit()?;
    pages.save(&options.cache, &pages_file);
    if let Some(shape) = &shape {
        shape.save(&options.cache, &shape_file, &pages);
    }
    let pages = if keep { pages } else { cache::Pages::default() };
    log::info!(
        "{} the output in {:.2?} ({written} files written)",
        if update { "updated" } else { "swapped" },
        started.elapsed()
    );
    let report = BuildReport {
        out: out.clone(),
        pages: order.len() + 1,
        documents: handbook.documents.len(),
        assets: handbook.assets.len(),
        written,
    };
    drop(site);
    let kept = keep.then(|| Kept {
        theme,
        facts,
        nav,
        shared,
        today: options.today,
        out,
        search: live_search,
        page_keys,
        print_stale: false,
        pages,
        pages_changed: false,
        cache: options.cache.clone(),
    });
    Ok((report, kept))
}

/// Writes the search index of `handbook` and returns it with the key of each document's
/// part of it (`Live::save` keeps both in the cache). When the output was built before and
/// the cache file `file` holds that build's index, only the documents that changed since
/// are indexed again and only the index files they change are made (the others are made
/// only when the output lacks them); otherwise the index is built whole.
fn write_search(
    handbook: &Handbook,
    facts: &Facts,
    writer: &output::Writer,
    store: &cache::Store,
    file: &str,
) -> Result<(crate::search::live::Live, Vec<cache::Key>)> {
    use crate::search::index::Source;
    use crate::search::live::Live;
    let started = std::time::Instant::now();
    let search_dir = search_dir();
    let path = |name: &str| format!("{search_dir}/{name}");
    let state = |i: usize| facts.states.get(i).copied().unwrap_or("ok");
    // The keys need no text: a document's text is read from the build cache only when it
    // is indexed.
    let keys: Vec<cache::Key> = (0..handbook.documents.len())
        .into_par_iter()
        .map(|i| Source::key_of(handbook, i, state(i)))
        .collect::<Result<_>>()?;
    // Indexing a document again costs a scan of the dictionary: past a few percent of the
    // handbook, building the index whole is quicker.
    let few = 64.max(keys.len() / 64);
    let mut changed: Vec<usize> = Vec::new();
    // The kept index holds no snippets: those of the chunks it writes are made again.
    let snippets_of = |i: usize| crate::search::index::snippets_of(handbook, i, state(i));
    let kept = writer
        .is_update()
        .then(|| {
            Live::load(store, file, |old| {
                if old.len() != keys.len() {
                    return false;
                }
                changed = (0..keys.len()).filter(|&i| old[i] != keys[i]).collect();
                changed.len() <= few
            })
        })
        .flatten();
    if let Some((_, mut live)) = kept {
        let changes: Vec<(usize, Source<'_>)> = changed
            .iter()
            .map(|&i| Ok((i, Source::of(handbook, i, state(i))?)))
            .collect::<Result<_>>()?;
        if let Some(update) = live.update(&changes, &snippets_of) {
            log::info!(
                "updated the kept search index: {} changed document{} indexed again in {:.2?}",
                changes.len(),
                if changes.len() == 1 { "" } else { "s" },
                started.elapsed()
            );
            for (name, bytes) in &update.write {
                writer.emit_bytes(&path(name), bytes)?;
            }
            let files: Vec<(&str, cache::Key)> = live.files().collect();
            files.par_iter().try_for_each(|(name, key)| -> Result<()> {
                if !update.write.iter().any(|(n, _)| n == name) {
                    writer.emit(&path(name), *key, || {
                        live.file(name, &snippets_of)?
                            .with_context(|| format!("the search index has no file {name}"))
                    })?;
                }
                Ok(())
            })?;
            return Ok((live, keys));
        }
    }
    let n = handbook.documents.len();
    let heads: Vec<Source<'_>> = (0..n)
        .into_par_iter()
        .map(|i| Source::head_of(handbook, &handbook.documents[i], state(i)))
        .collect::<Result<_>>()?;
    let mut builder = crate::search::index::Builder::new(&heads);
    drop(heads);
    // A batch of documents at a time: texts set aside in a file are read for their batch
    // only, and let go of once indexed.
    const BATCH: usize = 2048;
    for start in (0..n).step_by(BATCH) {
        let range = start..n.min(start + BATCH);
        let texts: Vec<std::borrow::Cow<'_, str>> = range
            .clone()
            .into_par_iter()
            .map(|i| handbook.documents[i].rendered.text.read())
            .collect::<Result<_>>()?;
        let sources: Vec<Source<'_>> = range
            .zip(&texts)
            .map(|(i, text)| {
                Source::with_full_text(handbook, &handbook.documents[i], text, state(i))
            })
            .collect();
        builder.add(&sources);
    }
    let index = builder.finish();
    log::debug!("search: index built in {:.2?}", started.elapsed());
    let written = crate::search::format::write_each(&index, |name, bytes| {
        writer.emit_bytes(&path(name), bytes).map(drop)
    })?;
    Ok((Live::from_written(index, written), keys))
}

/// The search index's folder in the output.
fn search_dir() -> String {
    format!("{ASSET_DIR}/{}", crate::search::SEARCH_DIR)
}

/// Work a build does beside its own, waited for when the build ends (however it ends).
#[derive(Default)]
struct Background(Option<std::thread::JoinHandle<()>>);

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(handle) = self.0.take() {
            // A panic there has already been reported by the panic hook.
            let _ = handle.join();
        }
    }
}

/// Applies a change to the text of documents to a site built with [`build_keeping`]:
/// `handbook` holds the new versions (see `Handbook::replace_text`) and `replaced` the
/// versions they replaced, with their positions. Renders and writes the pages that show the
/// documents' text and the search files that changed; `print.html` is written again only
/// when asked for ([`refresh_print`]). The output is then what a clean build of the new
/// handbook writes. `Ok(None)`, changing nothing, when the change is more than text after all
/// or the date changed: build the whole site again.
pub fn update_text(
    handbook: &Handbook,
    replaced: &[(usize, Document)],
    kept: &mut Kept,
    options: &BuildOptions,
) -> Result<Option<BuildReport>> {
    if options.today != kept.today {
        return Ok(None);
    }
    let state = |i: usize| kept.facts.states[i];
    let changes: Vec<_> = replaced
        .iter()
        .map(|(i, _)| {
            Ok((
                *i,
                crate::search::index::Source::of(handbook, *i, state(*i))?,
            ))
        })
        .collect::<Result<_>>()?;
    let started = std::time::Instant::now();
    let search = match &mut kept.search {
        Some(live) => match live.update(&changes, &|i| {
            crate::search::index::snippets_of(handbook, i, state(i))
        }) {
            Some(update) => update,
            None => return Ok(None),
        },
        None => crate::search::live::Update::default(),
    };
    drop(changes);
    log::debug!("update: search index in {:.2?}", started.elapsed());
    let rows = Rows::new(handbook.documents.len());
    let site = Site::new(
        handbook,
        &kept.facts,
        &kept.nav,
        &kept.theme,
        &kept.shared,
        &rows,
        kept.today,
    );
    let order = kept.nav.reading_order();
    let sections = kept.nav.sections_by_dir();
    log::debug!("update: site in {:.2?}", started.elapsed());
    let mut pages = Vec::new();
    for (i, _) in replaced {
        pages.extend((0..order.len()).filter(|&k| order[k].shown_doc(&sections) == Some(*i)));
    }
    let mut keys = Vec::new();
    let search_dir = search_dir();
    let outcome =
        output::Writer::patch(&kept.out, std::mem::take(&mut kept.pages)).and_then(|writer| {
            for &k in &pages {
                let prev = k.checked_sub(1).map(|p| order[p]);
                let mut view = site.page_view(order[k], prev, order.get(k + 1).copied(), &sections);
                let key = site.fingerprint(&mut view);
                writer.emit(view.url(), key, || site.render_view(&view))?;
                keys.push((k, key));
            }
            for (name, bytes) in &search.write {
                writer.emit_bytes(&format!("{search_dir}/{name}"), bytes)?;
            }
            for name in &search.remove {
                writer.remove(&format!("{search_dir}/{name}"));
            }
            log::debug!("update: rendered in {:.2?}", started.elapsed());
            writer.commit()
        });
    drop(site);
    drop(order);
    drop(sections);
    let (written_pages, written) = outcome?;
    log::debug!(
        "update: {written} files committed in {:.2?}",
        started.elapsed()
    );
    kept.pages = written_pages;
    kept.pages_changed = true;
    for (k, key) in keys {
        kept.page_keys[k] = key;
    }
    kept.print_stale = true;
    Ok(Some(BuildReport {
        out: kept.out.clone(),
        pages: pages.len(),
        documents: replaced.len(),
        assets: 0,
        written,
    }))
}

/// Writes `print.html` again if text changed since it was written (see [`update_text`]).
pub fn refresh_print(handbook: &Handbook, kept: &mut Kept) -> Result<()> {
    if !kept.print_stale {
        return Ok(());
    }
    let rows = Rows::new(handbook.documents.len());
    let site = Site::new(
        handbook,
        &kept.facts,
        &kept.nav,
        &kept.theme,
        &kept.shared,
        &rows,
        kept.today,
    );
    let outcome =
        output::Writer::patch(&kept.out, std::mem::take(&mut kept.pages)).and_then(|writer| {
            site.write_print(&writer, &kept.page_keys, &kept.cache)?;
            writer.commit()
        });
    drop(site);
    kept.pages = outcome?.0;
    kept.pages_changed = true;
    kept.print_stale = false;
    Ok(())
}

/// A key no earlier build can have written.
fn rand_key() -> cache::Key {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    u128::from(h.finish())
}

/// A page about to be rendered: its template and everything the template sees.
struct View<'a> {
    template: &'static str,
    page: PageCtx<'a>,
    /// The page the navigation is shown for: the navigation is made only when the page is
    /// rendered, and its hash is the tree's and this page's.
    nav: PageRef<'a>,
}

impl View<'_> {
    fn url(&self) -> &str {
        &self.page.url
    }
}

/// Everything page rendering shares.
struct Site<'a> {
    handbook: &'a Handbook,
    facts: &'a Facts,
    nav: &'a Nav,
    theme: &'a Theme,
    site: SiteCtx<'a>,
    today: Date,
    nav_js: &'a str,
    /// A hash of everything the navigation of any page is made from.
    nav_key: cache::Key,
    syntax_css: &'a str,
    rows: &'a Rows<'a>,
}

#[derive(Serialize)]
struct SiteCtx<'a> {
    title: &'a str,
    description: Option<&'a str>,
    language: &'a str,
    today: String,
    due_soon_days: i64,
    site_url: Option<String>,
    /// Appended to asset URLs so browsers fetch a changed file.
    version: &'a str,
    /// The site has a search index and box.
    search: bool,
}

#[derive(Serialize)]
struct Crumb<'a> {
    title: &'a str,
    url: &'a str,
}

#[derive(Serialize)]
struct TocEntry<'a> {
    level: u8,
    text: &'a str,
    id: &'a str,
}

#[derive(Serialize)]
struct OwnerCtx<'a> {
    handle: &'a str,
    name: Option<&'a str>,
    contact: Option<&'a str>,
    url: String,
}

#[derive(Serialize)]
struct TagLink<'a> {
    name: &'a str,
    url: String,
}

#[derive(Serialize)]
struct ChecklistCtx {
    done: usize,
    total: usize,
    percent: usize,
}

impl ChecklistCtx {
    fn new(done: usize, total: usize) -> Option<ChecklistCtx> {
        (total > 0).then(|| ChecklistCtx {
            done,
            total,
            percent: done * 100 / total,
        })
    }
}

#[derive(Serialize)]
struct DocCtx<'a> {
    source: &'a str,
    type_name: &'a str,
    type_label: &'a str,
    owners: Vec<OwnerCtx<'a>>,
    status: Option<&'a str>,
    tags: Vec<TagLink<'a>>,
    summary: Option<&'a str>,
    service: Option<&'a str>,
    severity: Option<&'a str>,
    started: Option<String>,
    last_reviewed: Option<String>,
    reviewed_by: Option<&'a str>,
    next_review: Option<String>,
    review_every: String,
    state: &'static str,
    state_label: &'static str,
    days_overdue: Option<i64>,
    checklist: Option<ChecklistCtx>,
    linked_from: Vec<&'a Row<'a>>,
    supersedes: Option<Crumb<'a>>,
    superseded_by: Option<Crumb<'a>>,
    followups_open: usize,
    overdue_followups: Vec<FollowUpCtx<'a>>,
}

/// A document as a row of a list or table.
#[derive(Serialize)]
struct RowCtx<'a> {
    title: &'a str,
    /// The title without a leading ID the log shows in its own column (`INC-…: `).
    short_title: &'a str,
    url: &'a str,
    type_label: &'a str,
    owners: &'a [String],
    status: Option<&'a str>,
    state: &'static str,
    state_label: &'static str,
    last_reviewed: Option<String>,
    next_review: Option<String>,
    days_overdue: Option<i64>,
    checklist: Option<ChecklistCtx>,
    /// A decision's number or an incident's ID, from the file name.
    id: Option<String>,
    date: Option<String>,
    severity: Option<&'a str>,
    started: Option<String>,
    service: Option<&'a str>,
    followups_open: usize,
    followups_overdue: usize,
    superseded_by: Option<Crumb<'a>>,
    owner_links: Vec<pages::OwnerLink<'a>>,
}

/// A document's row, made once per build however many lists show it, with a hash of it.
struct Row<'a> {
    ctx: RowCtx<'a>,
    key: cache::Key,
    /// The title in lower case, for sorting.
    sort_title: String,
}

impl Serialize for Row<'_> {
    /// Templates (JSON values, human-readable) see the row; a page's fingerprint (postcard,
    /// not human-readable) sees its hash, which stands for every field of it.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            self.ctx.serialize(s)
        } else {
            self.key.serialize(s)
        }
    }
}

/// The rows of a build's documents, each made when first asked for: a build lists every
/// document several times (its section, its type's log, its owners' and tags' pages, the
/// pages it links to), and `serve` renders only a few pages.
struct Rows<'a>(Vec<std::sync::OnceLock<Row<'a>>>);

impl Rows<'_> {
    fn new(documents: usize) -> Self {
        Rows((0..documents).map(|_| std::sync::OnceLock::new()).collect())
    }
}

#[derive(Serialize)]
struct SubsectionCtx<'a> {
    title: &'a str,
    url: &'a str,
    count: usize,
}

#[derive(Serialize)]
struct SectionCtx<'a> {
    documents: Vec<&'a Row<'a>>,
    sections: Vec<SubsectionCtx<'a>>,
    total: usize,
    checklist: Option<ChecklistCtx>,
    log: Option<LogCtx<'a>>,
}

/// A page's HTML: its document's, read from the build cache only when the page is rendered
/// (a page's fingerprint takes the hash of it), or none.
#[derive(Clone, Copy, Default)]
struct Content<'a>(Option<&'a cache::Body>);

impl Serialize for Content<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error as _;
        match self.0 {
            Some(body) => s.serialize_str(body.get().map_err(S::Error::custom)?),
            None => s.serialize_str(""),
        }
    }
}

#[derive(Serialize)]
struct PageCtx<'a> {
    kind: &'static str,
    url: Cow<'a, str>,
    title: &'a str,
    title_id: Option<&'a str>,
    content: Content<'a>,
    toc: Vec<TocEntry<'a>>,
    breadcrumbs: Vec<Crumb<'a>>,
    prev: Option<Crumb<'a>>,
    next: Option<Crumb<'a>>,
    doc: Option<DocCtx<'a>>,
    section: Option<SectionCtx<'a>>,
    health: Option<HealthCtx<'a>>,
    owner: Option<OwnerPageCtx<'a>>,
    owner_index: Option<Vec<OwnerRowCtx<'a>>>,
    tag: Option<TagPageCtx<'a>>,
    tag_index: Option<Vec<TagRowCtx<'a>>>,
    edit_url: Option<String>,
}

impl<'a> PageCtx<'a> {
    /// A page that is not a document: only a title and breadcrumbs to begin with.
    fn generated(kind: &'static str, title: &'a str, breadcrumbs: Vec<Crumb<'a>>) -> Self {
        PageCtx {
            kind,
            url: Cow::Borrowed(""),
            title,
            title_id: None,
            content: Content::default(),
            toc: Vec::new(),
            breadcrumbs,
            prev: None,
            next: None,
            doc: None,
            section: None,
            health: None,
            owner: None,
            owner_index: None,
            tag: None,
            tag_index: None,
            edit_url: None,
        }
    }
}

/// What every page shares that is made from the whole handbook, once per build: the
/// navigation script and its hash, the highlighting stylesheet, the assets' version.
struct Shared {
    nav_js: String,
    /// A hash of everything the navigation of any page is made from.
    nav_key: cache::Key,
    syntax_css: String,
    /// Appended to asset URLs so browsers fetch a changed file.
    version: String,
}

impl Shared {
    fn new(handbook: &Handbook, facts: &Facts, nav: &Nav, theme: &Theme) -> Shared {
        let nav_js = format!(
            "window.OPSBOOK_NAV = {};\n",
            script_safe_json(&nav.tree_json(&handbook.documents, &facts.states))
        );
        let syntax_css = crate::highlight::stylesheet();
        let mut hash = cache::Hasher::new();
        for bytes in theme.static_files.values() {
            hash.piece(bytes);
        }
        hash.piece(nav_js.as_bytes()).piece(syntax_css.as_bytes());
        let mut nav_key = cache::Hasher::new();
        nav_key.piece(nav_js.as_bytes());
        for (doc, state) in handbook.documents.iter().zip(&facts.states) {
            nav_key.piece(doc.url.as_bytes()).piece(state.as_bytes());
        }
        // Not the search index: it changes with any text, and a page that names its version
        // would change with it. The index has its own (`search::format::version_line`).
        Shared {
            nav_js,
            nav_key: nav_key.finish(),
            syntax_css,
            version: format!("{:08x}", hash.finish() as u32),
        }
    }
}

impl<'a> Site<'a> {
    fn new(
        handbook: &'a Handbook,
        facts: &'a Facts,
        nav: &'a Nav,
        theme: &'a Theme,
        shared: &'a Shared,
        rows: &'a Rows<'a>,
        today: Date,
    ) -> Site<'a> {
        let config = &handbook.config;
        Site {
            handbook,
            facts,
            nav,
            theme,
            site: SiteCtx {
                title: &config.book.title,
                description: config.book.description.as_deref(),
                language: &config.book.language,
                today: today.to_string(),
                due_soon_days: config.checks.due_soon_days,
                site_url: config.site_url(),
                version: &shared.version,
                search: config.output.html.search.enable,
            },
            today,
            nav_js: &shared.nav_js,
            nav_key: shared.nav_key,
            syntax_css: &shared.syntax_css,
            rows,
        }
    }

    /// The theme's static files and the generated ones, by name under the asset folder.
    fn generated_assets(&self) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<(String, Vec<u8>)> = self
            .theme
            .static_files
            .iter()
            .map(|(n, b)| (n.clone(), b.to_vec()))
            .collect();
        files.push(("nav.js".to_string(), self.nav_js.as_bytes().to_vec()));
        files.push((
            "syntax.css".to_string(),
            self.syntax_css.as_bytes().to_vec(),
        ));
        files
    }

    /// Document `i` as a row of a list.
    fn row(&self, i: usize) -> &'a Row<'a> {
        self.rows.0[i].get_or_init(|| {
            let ctx = self.row_ctx(i);
            // Serializing into memory cannot fail; if it ever did, the key would only be
            // a random one, and the pages listing the row would be rendered to be safe.
            let key = postcard::to_stdvec(&ctx).map_or_else(
                |_| rand_key(),
                |bytes| cache::Hasher::new().piece(&bytes).finish(),
            );
            Row {
                sort_title: ctx.title.to_lowercase(),
                ctx,
                key,
            }
        })
    }

    fn row_ctx(&self, i: usize) -> RowCtx<'a> {
        let doc = &self.handbook.documents[i];
        let review = &self.facts.reviews[i];
        let (followups_open, followups_overdue) = self.facts.followups[i];
        let stem = doc.rel.rsplit('/').next().unwrap_or(&doc.rel);
        let stem = &stem[..stem.len() - 3];
        let id = match doc.doc_type.as_str() {
            "decision" => pages::decision_number(&doc.rel).map(|(_, _, n)| n),
            "incident" if stem.to_ascii_uppercase().starts_with("INC-") => Some(stem.to_string()),
            _ => None,
        };
        let short_title = id
            .as_deref()
            .and_then(|id| doc.title.strip_prefix(id))
            .map(|rest| rest.trim_start_matches([':', ' ', '—', '-']))
            .filter(|rest| !rest.is_empty())
            .unwrap_or(&doc.title);
        RowCtx {
            title: &doc.title,
            short_title,
            url: &doc.url,
            type_label: self.type_label(doc),
            owners: &doc.meta.owners,
            status: doc.meta.status.as_deref(),
            state: review.state.as_str(),
            state_label: review.state.label(),
            last_reviewed: doc.meta.last_reviewed.map(|d| d.to_string()),
            next_review: review.next_review.map(|d| d.to_string()),
            days_overdue: review.days_overdue,
            checklist: ChecklistCtx::new(doc.rendered.tasks_done(), doc.rendered.tasks.len()),
            id,
            date: doc.meta.date.map(|d| d.to_string()),
            severity: doc.meta.severity.as_deref(),
            started: doc.meta.started.map(|d| d.to_string()),
            service: doc.meta.service.as_deref(),
            followups_open,
            followups_overdue,
            superseded_by: self.handbook.graph.successor[i].map(|j| self.doc_crumb(j)),
            owner_links: doc.meta.owners.iter().map(|h| self.owner_link(h)).collect(),
        }
    }

    fn type_label(&self, doc: &Document) -> &'a str {
        self.handbook
            .types
            .get(&doc.doc_type)
            .map_or("Page", |t| t.label.as_str())
    }

    fn crumb(&self, page: PageRef<'a>, sections: &SectionsByDir<'a>) -> Crumb<'a> {
        match page {
            PageRef::Section(dir) => {
                let s = sections[dir];
                Crumb {
                    title: if dir.is_empty() { "Home" } else { &s.title },
                    url: &s.url,
                }
            }
            PageRef::Doc(i) => self.doc_crumb(i),
        }
    }

    fn doc_crumb(&self, i: usize) -> Crumb<'a> {
        let d = &self.handbook.documents[i];
        Crumb {
            title: &d.title,
            url: &d.url,
        }
    }

    fn edit_url(&self, doc: Option<&Document>) -> Option<String> {
        let template = self
            .handbook
            .config
            .output
            .html
            .edit_url_template
            .as_ref()?;
        Some(template.replace("{path}", &doc?.source))
    }

    /// What a template sees. Fails only when a document's HTML cannot be read back from
    /// the build cache.
    fn context(&self, url: &str, page: &PageCtx<'_>, nav_html: &str) -> Result<tera::Context> {
        let mut ctx = tera::Context::new();
        ctx.insert("site", &self.site);
        ctx.insert("root", &root_prefix(url));
        ctx.try_insert("page", page)
            .map_err(|e| anyhow::anyhow!("page {url}: {}", theme::tera_error_chain(&e)))?;
        ctx.insert("nav_html", nav_html);
        Ok(ctx)
    }

    fn render(&self, template: &str, ctx: &tera::Context) -> Result<String> {
        self.theme
            .tera
            .render(template, ctx)
            .map_err(|e| anyhow::anyhow!("template {template}: {}", theme::tera_error_chain(&e)))
    }

    /// Renders a view with its template.
    fn render_view(&self, view: &View<'_>) -> Result<String> {
        self.render(
            view.template,
            &self.context(
                view.url(),
                &view.page,
                &self
                    .nav
                    .inline_html(&self.handbook.documents, view.nav, &self.facts.states),
            )?,
        )
    }

    /// A hash of everything a view's output depends on: the theme, the template and all it
    /// sees. Equal hashes, equal bytes.
    fn fingerprint(&self, view: &mut View<'_>) -> cache::Key {
        let mut hasher = cache::Hasher::new();
        // The page's HTML is hashed as it is, not escaped into JSON, which cost ten times as
        // much (a tenth of an incremental build of 10,000 pages).
        let content = std::mem::take(&mut view.page.content);
        hasher
            .piece(&self.theme.key.to_le_bytes())
            .piece(view.template.as_bytes())
            .piece(&content.0.map_or(0, cache::Body::key).to_le_bytes());
        // Serializing into a hasher cannot fail; if it ever did, the hash would still differ
        // from any earlier one only by chance, so the page is rendered to be safe.
        let nav = match view.nav {
            PageRef::Section(dir) => (0, dir.to_string()),
            PageRef::Doc(i) => (1, i.to_string()),
        };
        let seen = (
            &self.site,
            root_prefix(view.url()),
            &view.page,
            self.nav_key,
            nav,
        );
        // In postcard, not JSON: no escaping, and for one Rust type equal bytes mean equal
        // values (no context type skips fields). Buffered: the serializer writes a few bytes
        // at a time, and each write into the hasher has a fixed cost.
        let mut buffered = std::io::BufWriter::with_capacity(1 << 14, &mut hasher);
        let serialized = postcard::to_io(&seen, &mut buffered).is_ok()
            && std::io::Write::flush(&mut buffered).is_ok();
        drop(buffered);
        view.page.content = content;
        if serialized {
            hasher.finish()
        } else {
            rand_key()
        }
    }

    fn page_view(
        &self,
        page: PageRef<'a>,
        prev: Option<PageRef<'a>>,
        next: Option<PageRef<'a>>,
        sections: &SectionsByDir<'a>,
    ) -> View<'a> {
        let docs = &self.handbook.documents;
        let (folder, url, doc) = match page {
            PageRef::Section(dir) => {
                let s = sections[dir];
                (dir, s.url.as_str(), s.index_doc.map(|i| &docs[i]))
            }
            PageRef::Doc(i) => (docs[i].folder(), docs[i].url.as_str(), Some(&docs[i])),
        };
        let mut chain = self.nav.chain(folder);
        if matches!(page, PageRef::Section(_)) {
            chain.pop();
        }
        let breadcrumbs = chain
            .iter()
            .map(|s| self.crumb(PageRef::Section(&s.dir), sections))
            .collect();
        let toc = doc
            .map(|d| {
                d.rendered
                    .headings
                    .iter()
                    .filter(|h| (2..=3).contains(&h.level))
                    .map(|h| TocEntry {
                        level: h.level,
                        text: &h.text,
                        id: &h.id,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut ctx = PageCtx {
            url: Cow::Borrowed(url),
            title_id: doc
                .and_then(|d| d.rendered.title_heading.as_ref())
                .map(|h| h.id.as_str()),
            content: Content(doc.map(|d| &d.rendered.html)),
            toc,
            prev: prev.map(|p| self.crumb(p, sections)),
            next: next.map(|p| self.crumb(p, sections)),
            edit_url: self.edit_url(doc),
            ..PageCtx::generated(
                "document",
                doc.map_or("", |d| d.title.as_str()),
                breadcrumbs,
            )
        };
        let template = match page {
            PageRef::Doc(i) => {
                ctx.doc = Some(self.doc_ctx(i));
                "page.html"
            }
            PageRef::Section(dir) => {
                let s = sections[dir];
                ctx.section = Some(self.section_ctx(s));
                if doc.is_none() || ctx.title.is_empty() {
                    ctx.title = if dir.is_empty() {
                        self.site.title
                    } else {
                        &s.title
                    };
                }
                if let Some(i) = s.index_doc {
                    ctx.doc = Some(self.doc_ctx(i));
                }
                if dir.is_empty() {
                    ctx.kind = "home";
                    ctx.health = Some(self.health(false));
                    "home.html"
                } else {
                    ctx.kind = "section";
                    "section.html"
                }
            }
        };
        View {
            template,
            page: ctx,
            nav: page,
        }
    }

    fn extra_view(&self, extra: pages::Extra<'a>) -> View<'a> {
        let (url, mut page) = self.extra_page(extra);
        page.url = Cow::Owned(url);
        let template = match page.kind {
            "owners" => "owners.html",
            "owner" => "owner.html",
            "tags" => "tags.html",
            "tag" => "tag.html",
            _ => "health.html",
        };
        View {
            template,
            page,
            nav: PageRef::Section(""),
        }
    }

    fn not_found_view(&self) -> View<'a> {
        let mut page = PageCtx::generated("404", "Page not found", Vec::new());
        page.url = Cow::Borrowed("404.html");
        View {
            template: "404.html",
            page,
            nav: PageRef::Section(""),
        }
    }

    fn doc_ctx(&self, i: usize) -> DocCtx<'a> {
        let doc = &self.handbook.documents[i];
        let review = &self.facts.reviews[i];
        let owners_file = self.handbook.owners.as_ref();
        let graph = &self.handbook.graph;
        let mut linked_from: Vec<&'a Row<'a>> = self.handbook.graph.linked_from[i]
            .iter()
            .map(|&j| self.row(j))
            .collect();
        linked_from.sort_by(|a, b| {
            a.sort_title
                .cmp(&b.sort_title)
                .then(a.ctx.url.cmp(b.ctx.url))
        });
        DocCtx {
            source: &doc.source,
            type_name: &doc.doc_type,
            type_label: self.type_label(doc),
            owners: doc
                .meta
                .owners
                .iter()
                .map(|h| {
                    let entry = owners_file.and_then(|o| o.get(h));
                    OwnerCtx {
                        handle: h,
                        name: entry.and_then(|e| e.name.as_deref()),
                        contact: entry.and_then(|e| e.contact.as_deref()),
                        url: self.owner_link(h).url,
                    }
                })
                .collect(),
            status: doc.meta.status.as_deref(),
            tags: doc
                .meta
                .tags
                .iter()
                .map(|t| TagLink {
                    name: t,
                    url: pages::tag_url(&crate::taxonomy::tag_slug(t)),
                })
                .collect(),
            summary: doc.meta.summary.as_deref(),
            service: doc.meta.service.as_deref(),
            severity: doc.meta.severity.as_deref(),
            started: doc.meta.started.map(|d| d.to_string()),
            last_reviewed: doc.meta.last_reviewed.map(|d| d.to_string()),
            reviewed_by: doc.meta.reviewed_by.as_deref(),
            next_review: review.next_review.map(|d| d.to_string()),
            review_every: self.handbook.review_every(doc).to_string(),
            state: review.state.as_str(),
            state_label: review.state.label(),
            days_overdue: review.days_overdue,
            checklist: ChecklistCtx::new(doc.rendered.tasks_done(), doc.rendered.tasks.len()),
            linked_from,
            supersedes: graph.supersedes[i].map(|j| self.doc_crumb(j)),
            superseded_by: graph.successor[i].map(|j| self.doc_crumb(j)),
            followups_open: self.facts.followups[i].0,
            overdue_followups: self
                .handbook
                .followups
                .iter()
                .enumerate()
                .skip(self.facts.followup_start[i])
                .take_while(|(_, f)| f.doc == i)
                .filter(|(_, f)| f.is_overdue(self.today))
                .map(|(k, _)| self.followup(k))
                .collect(),
        }
    }

    fn section_ctx(&self, s: &'a Section) -> SectionCtx<'a> {
        let docs = &self.handbook.documents;
        let (done, total, _, _) = self.section_rollup(s);
        let log = self.log(s);
        // The log lists the type's documents; the folder's other documents are listed after.
        let own = |&&i: &&usize| log.as_ref().is_none_or(|l| docs[i].doc_type != l.kind);
        SectionCtx {
            documents: s.docs.iter().filter(own).map(|&i| self.row(i)).collect(),
            log,
            sections: s
                .sections
                .iter()
                .map(|sub| SubsectionCtx {
                    title: &sub.title,
                    url: &sub.url,
                    count: sub.total_docs(),
                })
                .collect(),
            total: s.total_docs(),
            checklist: ChecklistCtx::new(done, total),
        }
    }
}

/// JSON that is safe inside a `<script>` element and a `.js` file: `<`, `>` and `&` escaped,
/// and the two line separators JavaScript once refused in strings.
pub fn script_safe_json(value: &impl serde::Serialize) -> String {
    let mut out = String::new();
    // Serializing plain data to a string cannot fail (no map has non-string keys).
    let json = serde_json::to_string(value).unwrap_or_default();
    crate::search::format::push_script_safe(&mut out, &json);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x2_script_json_cannot_close_the_script() {
        let v = serde_json::json!({"t": "</script><script>alert(1)</script>\u{2028}"});
        let s = script_safe_json(&v);
        assert!(!s.contains('<'));
        assert!(!s.contains('\u{2028}'));
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }
}
