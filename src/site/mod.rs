//! The site: turns a loaded handbook into the static website.
//!
//! The only user of the theme. Facts that several pages need (review states, who links to
//! whom) are computed once per build; pages are then rendered and written in parallel into a
//! staging folder that replaces the previous output only when everything succeeded.

pub mod catalog;
pub mod nav;
pub mod output;
pub mod theme;

use crate::freshness::{Review, ReviewState};
use crate::handbook::{Document, Handbook, ASSET_DIR};
use crate::links::root_prefix;
use anyhow::{Context, Result};
use jiff::civil::Date;
use nav::{Nav, NavItem, PageRef, Section};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
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
}

/// What a build wrote.
#[derive(Debug, Clone)]
pub struct BuildReport {
    pub out: PathBuf,
    /// HTML pages written (documents, sections, home, 404).
    pub pages: usize,
    pub documents: usize,
    pub assets: usize,
}

/// Facts about the documents that several pages need, computed once per build.
pub struct Facts {
    pub reviews: Vec<Review>,
    pub states: Vec<&'static str>,
}

impl Facts {
    pub fn new(handbook: &Handbook, today: Date) -> Facts {
        let reviews: Vec<Review> = handbook
            .documents
            .par_iter()
            .map(|d| handbook.review(d, today))
            .collect();
        let states = reviews.iter().map(|r| r.state.as_str()).collect();
        Facts { reviews, states }
    }
}

/// Builds the site of a loaded handbook. The caller decides beforehand whether content
/// errors stop the build; this fails only on theme and file-system problems, and then leaves
/// the previous output as it was.
pub fn build(handbook: &Handbook, options: &BuildOptions) -> Result<BuildReport> {
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
    let staging = output::Staging::new(&out)?;
    let site = Site::new(handbook, &facts, &nav, &theme, options.today);
    log::info!("prepared the site in {:.2?}", started.elapsed());

    let order = nav.reading_order();
    let sections = nav.sections_by_dir();
    let mut dirs: BTreeSet<&str> = BTreeSet::new();
    dirs.insert(ASSET_DIR);
    for page in &order {
        let url = match page {
            PageRef::Section(dir) => sections[dir].url.as_str(),
            PageRef::Doc(i) => handbook.documents[*i].url.as_str(),
        };
        if let Some((dir, _)) = url.rsplit_once('/') {
            dirs.insert(dir);
        }
    }
    for asset in &handbook.assets {
        if let Some((dir, _)) = asset.rel.rsplit_once('/') {
            dirs.insert(dir);
        }
    }
    for dir in &dirs {
        crate::files::create_dir_all(&staging.dir.join(dir))?;
    }

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
    order
        .par_iter()
        .enumerate()
        .try_for_each(|(k, page)| -> Result<()> {
            let prev = k.checked_sub(1).map(|p| order[p]);
            let next = order.get(k + 1).copied();
            let (url, html) = site.render_page(*page, prev, next, &sections)?;
            crate::files::write(&staging.dir.join(url), html.as_bytes())?;
            progress.inc(1);
            Ok(())
        })?;
    progress.finish_and_clear();
    log::info!(
        "rendered {} pages in {:.2?}",
        order.len(),
        started.elapsed()
    );

    handbook.assets.par_iter().try_for_each(|a| -> Result<()> {
        std::fs::copy(&a.path, staging.dir.join(&a.rel))
            .with_context(|| format!("could not copy {}", a.path.display()))?;
        Ok(())
    })?;

    let not_found = site.render_404()?;
    crate::files::write(&staging.dir.join("404.html"), not_found.as_bytes())?;
    for (name, bytes) in site.generated_assets() {
        crate::files::write(&staging.dir.join(ASSET_DIR).join(&name), &bytes)?;
    }
    let section_urls: Vec<String> = sections.values().map(|s| s.url.clone()).collect();
    crate::files::write(
        &staging.dir.join("sitemap.xml"),
        catalog::sitemap_xml(handbook, &section_urls).as_bytes(),
    )?;
    crate::files::write(
        &staging.dir.join("catalog.json"),
        catalog::catalog_json(handbook, &facts).as_bytes(),
    )?;
    log::info!(
        "wrote assets and generated files in {:.2?}",
        started.elapsed()
    );
    staging.commit()?;
    log::info!("swapped the output in {:.2?}", started.elapsed());
    Ok(BuildReport {
        out,
        pages: order.len() + 1,
        documents: handbook.documents.len(),
        assets: handbook.assets.len(),
    })
}

/// Everything page rendering shares.
struct Site<'a> {
    handbook: &'a Handbook,
    facts: &'a Facts,
    nav: &'a Nav,
    theme: &'a Theme,
    site: SiteCtx<'a>,
    nav_js: String,
    syntax_css: String,
}

#[derive(Serialize)]
struct SiteCtx<'a> {
    title: &'a str,
    description: Option<&'a str>,
    language: &'a str,
    today: String,
    site_url: Option<String>,
    /// Appended to asset URLs so browsers fetch a changed file.
    version: String,
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
    tags: &'a [String],
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
    linked_from: Vec<RowCtx<'a>>,
}

/// A document as a row of a list or table.
#[derive(Serialize)]
struct RowCtx<'a> {
    title: &'a str,
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
}

#[derive(Serialize)]
struct SubsectionCtx<'a> {
    title: &'a str,
    url: &'a str,
    count: usize,
}

#[derive(Serialize)]
struct SectionCtx<'a> {
    documents: Vec<RowCtx<'a>>,
    sections: Vec<SubsectionCtx<'a>>,
    total: usize,
    checklist: Option<ChecklistCtx>,
}

#[derive(Serialize, Default)]
struct HealthCtx<'a> {
    documents: usize,
    ok: usize,
    stale: usize,
    due_soon: usize,
    never_reviewed: usize,
    exempt: usize,
    missing_owner: usize,
    checklist: Option<ChecklistCtx>,
    stale_documents: Vec<RowCtx<'a>>,
    due_soon_documents: Vec<RowCtx<'a>>,
}

#[derive(Serialize)]
struct PageCtx<'a> {
    kind: &'static str,
    url: &'a str,
    title: &'a str,
    title_id: Option<&'a str>,
    content: &'a str,
    toc: Vec<TocEntry<'a>>,
    breadcrumbs: Vec<Crumb<'a>>,
    prev: Option<Crumb<'a>>,
    next: Option<Crumb<'a>>,
    doc: Option<DocCtx<'a>>,
    section: Option<SectionCtx<'a>>,
    health: Option<HealthCtx<'a>>,
    edit_url: Option<String>,
}

/// The most stale documents the home page lists by name.
const HEALTH_LIST_LIMIT: usize = 10;

impl<'a> Site<'a> {
    fn new(
        handbook: &'a Handbook,
        facts: &'a Facts,
        nav: &'a Nav,
        theme: &'a Theme,
        today: Date,
    ) -> Site<'a> {
        let nav_js = format!(
            "window.OPSBOOK_NAV = {};\n",
            script_safe_json(&nav.tree_json(&handbook.documents, &facts.states))
        );
        let syntax_css = crate::highlight::stylesheet();
        let mut hash = Fnv::default();
        for bytes in theme.static_files.values() {
            hash.write(bytes);
        }
        hash.write(nav_js.as_bytes());
        hash.write(syntax_css.as_bytes());
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
                site_url: config.site_url(),
                version: format!("{:08x}", hash.0 as u32),
            },
            nav_js,
            syntax_css,
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
        files.push(("nav.js".to_string(), self.nav_js.clone().into_bytes()));
        files.push((
            "syntax.css".to_string(),
            self.syntax_css.clone().into_bytes(),
        ));
        files
    }

    fn row(&self, i: usize) -> RowCtx<'a> {
        let doc = &self.handbook.documents[i];
        let review = &self.facts.reviews[i];
        RowCtx {
            title: &doc.title,
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
        }
    }

    fn type_label(&self, doc: &Document) -> &'a str {
        self.handbook
            .types
            .get(&doc.doc_type)
            .map_or("Page", |t| t.label.as_str())
    }

    fn crumb(&self, page: PageRef<'a>, sections: &HashMap<&str, &'a Section>) -> Crumb<'a> {
        match page {
            PageRef::Section(dir) => {
                let s = sections[dir];
                Crumb {
                    title: if dir.is_empty() { "Home" } else { &s.title },
                    url: &s.url,
                }
            }
            PageRef::Doc(i) => {
                let d = &self.handbook.documents[i];
                Crumb {
                    title: &d.title,
                    url: &d.url,
                }
            }
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

    fn context(&self, url: &str, page: &PageCtx<'_>, nav: &[NavItem]) -> tera::Context {
        let mut ctx = tera::Context::new();
        ctx.insert("site", &self.site);
        ctx.insert("root", &root_prefix(url));
        ctx.insert("page", page);
        ctx.insert("nav", nav);
        ctx
    }

    fn render(&self, template: &str, ctx: &tera::Context) -> Result<String> {
        self.theme
            .tera
            .render(template, ctx)
            .map_err(|e| anyhow::anyhow!("template {template}: {}", theme::tera_error_chain(&e)))
    }

    fn render_page(
        &self,
        page: PageRef<'a>,
        prev: Option<PageRef<'a>>,
        next: Option<PageRef<'a>>,
        sections: &HashMap<&str, &'a Section>,
    ) -> Result<(&'a str, String)> {
        let docs = &self.handbook.documents;
        let nav = self.nav.inline(docs, page, &self.facts.states);
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
            kind: "document",
            url,
            title: doc.map_or("", |d| d.title.as_str()),
            title_id: doc
                .and_then(|d| d.rendered.title_heading.as_ref())
                .map(|h| h.id.as_str()),
            content: doc.map_or("", |d| d.rendered.html.as_str()),
            toc,
            breadcrumbs,
            prev: prev.map(|p| self.crumb(p, sections)),
            next: next.map(|p| self.crumb(p, sections)),
            doc: None,
            section: None,
            health: None,
            edit_url: self.edit_url(doc),
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
                    ctx.health = Some(self.health());
                    "home.html"
                } else {
                    ctx.kind = "section";
                    "section.html"
                }
            }
        };
        let html = self.render(template, &self.context(url, &ctx, &nav))?;
        Ok((url, html))
    }

    fn render_404(&self) -> Result<String> {
        let ctx = PageCtx {
            kind: "404",
            url: "404.html",
            title: "Page not found",
            title_id: None,
            content: "",
            toc: Vec::new(),
            breadcrumbs: Vec::new(),
            prev: None,
            next: None,
            doc: None,
            section: None,
            health: None,
            edit_url: None,
        };
        let nav = self.nav.inline(
            &self.handbook.documents,
            PageRef::Section(""),
            &self.facts.states,
        );
        self.render("404.html", &self.context("404.html", &ctx, &nav))
    }

    fn doc_ctx(&self, i: usize) -> DocCtx<'a> {
        let doc = &self.handbook.documents[i];
        let review = &self.facts.reviews[i];
        let owners_file = self.handbook.owners.as_ref();
        let mut linked_from: Vec<RowCtx<'a>> = self.handbook.graph.linked_from[i]
            .iter()
            .map(|&j| self.row(j))
            .collect();
        linked_from.sort_by(|a, b| {
            a.title
                .to_lowercase()
                .cmp(&b.title.to_lowercase())
                .then(a.url.cmp(b.url))
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
                    }
                })
                .collect(),
            status: doc.meta.status.as_deref(),
            tags: &doc.meta.tags,
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
        }
    }

    fn section_ctx(&self, s: &'a Section) -> SectionCtx<'a> {
        let docs = &self.handbook.documents;
        let (done, total) = section_tasks(s, docs);
        SectionCtx {
            documents: s.docs.iter().map(|&i| self.row(i)).collect(),
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

    fn health(&self) -> HealthCtx<'a> {
        let docs = &self.handbook.documents;
        let mut h = HealthCtx {
            documents: docs.len(),
            ..HealthCtx::default()
        };
        let mut stale = Vec::new();
        let mut due_soon = Vec::new();
        for (i, review) in self.facts.reviews.iter().enumerate() {
            match review.state {
                ReviewState::Ok => h.ok += 1,
                ReviewState::Stale => {
                    h.stale += 1;
                    stale.push(i);
                }
                ReviewState::DueSoon => {
                    h.due_soon += 1;
                    due_soon.push(i);
                }
                ReviewState::NeverReviewed => {
                    h.never_reviewed += 1;
                    stale.push(i);
                }
                ReviewState::Exempt => h.exempt += 1,
            }
            if docs[i].meta.owners.is_empty() {
                h.missing_owner += 1;
            }
        }
        let overdue =
            |i: &usize| std::cmp::Reverse(self.facts.reviews[*i].days_overdue.unwrap_or(i64::MAX));
        stale.sort_by_key(overdue);
        due_soon
            .sort_by_key(|i| std::cmp::Reverse(self.facts.reviews[*i].days_overdue.unwrap_or(0)));
        h.stale_documents = stale
            .into_iter()
            .take(HEALTH_LIST_LIMIT)
            .map(|i| self.row(i))
            .collect();
        h.due_soon_documents = due_soon
            .into_iter()
            .take(HEALTH_LIST_LIMIT)
            .map(|i| self.row(i))
            .collect();
        let done = docs.iter().map(|d| d.rendered.tasks_done()).sum();
        let total = docs.iter().map(|d| d.rendered.tasks.len()).sum();
        h.checklist = ChecklistCtx::new(done, total);
        h
    }
}

fn section_tasks(s: &Section, docs: &[Document]) -> (usize, usize) {
    let own = s
        .docs
        .iter()
        .chain(s.index_doc.iter())
        .fold((0, 0), |(d, t), &i| {
            (
                d + docs[i].rendered.tasks_done(),
                t + docs[i].rendered.tasks.len(),
            )
        });
    s.sections.iter().fold(own, |(d, t), sub| {
        let (sd, st) = section_tasks(sub, docs);
        (d + sd, t + st)
    })
}

/// JSON that is safe inside a `<script>` element and a `.js` file: `<`, `>` and `&` escaped,
/// and the two line separators JavaScript once refused in strings.
pub fn script_safe_json(value: &serde_json::Value) -> String {
    let json = value.to_string();
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => out.push(c),
        }
    }
    out
}

/// FNV-1a: a small, stable hash for cache-busting asset URLs (std's hasher may change
/// between Rust releases, which would change the output).
#[derive(Debug)]
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_script() {
        let v = serde_json::json!({"t": "</script><script>alert(1)</script>\u{2028}"});
        let s = script_safe_json(&v);
        assert!(!s.contains('<'));
        assert!(!s.contains('\u{2028}'));
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }
}
