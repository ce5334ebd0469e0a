//! The handbook façade: load once (configuration, owners, documents), then build or check
//! from the same in-memory model.
//!
//! Loading walks the content folder, reads and renders every document in parallel, and
//! collects every problem as a diagnostic instead of stopping at the first: one run lists
//! every bad file. Nothing here writes files or knows about HTML templates.

use crate::cache::{self, Highlights, Memo, Remember, TextFile};
use crate::config::Config;
use crate::diagnostics::{self, Diagnostic};
use crate::doc_types::DocTypes;
use crate::files;
use crate::followups::{self, FollowUp};
use crate::freshness::{self, Review};
use crate::front_matter::{self, FrontMatter};
use crate::graph::{self, Graph, Unpublished};
use crate::markdown::{self, Rendered};
use crate::owners::Owners;
use crate::taxonomy::{self, OwnerDirectory, TagEntry};
use anyhow::Result;
use jiff::civil::Date;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// Output paths that opsbook generates itself; no document or asset may take them.
pub const RESERVED_OUTPUTS: &[&str] = &[
    "404.html",
    "sitemap.xml",
    "catalog.json",
    "print.html",
    "health.html",
    "owners/index.html",
    "tags/index.html",
];
/// The folders of the owner pages and the tag pages.
pub const OWNERS_DIR: &str = "owners";
pub const TAGS_DIR: &str = "tags";
/// The folder of the site that holds the theme's and the build's own files.
pub const ASSET_DIR: &str = "_opsbook";

/// How to load a handbook.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Include documents marked `draft: true`.
    pub drafts: bool,
    /// Leave out the HTML of documents (`Rendered::html` stays empty): for commands that only
    /// read metadata, links and tasks, such as `check`. Much faster on large handbooks, since
    /// code highlighting is most of the cost of rendering.
    pub skip_html: bool,
}

/// What loading may reuse from earlier runs; nothing by default.
#[derive(Clone, Copy, Default)]
pub struct Reuse<'a> {
    /// Highlighted code blocks.
    pub highlights: Option<&'a Highlights>,
    /// Whole documents, by the hash of their file and of everything else loading one reads:
    /// a [`DocumentMemo`] (what `serve` keeps between rebuilds) or [`StoredDocuments`] (what
    /// `build` and `check` keep on disk between runs).
    pub documents: Option<&'a dyn Remember<LoadedFile>>,
    /// Where the documents' plain texts are set aside rather than kept in memory (the
    /// documents read them back when asked).
    pub texts: Option<&'a TextFile>,
}

/// Loaded documents by the hash of their file and of everything else loading one reads.
pub type DocumentMemo = Memo<LoadedFile>;

/// Loaded documents kept in the build cache between runs.
pub type StoredDocuments = cache::Stored<LoadedFile>;

/// The cache file of [`StoredDocuments`] for a way of loading: with HTML (`build`) or without
/// (`check`), so that neither run pushes the other's documents out.
pub fn stored_documents_file(options: &LoadOptions) -> &'static str {
    if options.skip_html {
        "documents-check.bin"
    } else {
        "documents.bin"
    }
}

/// What became of one Markdown file, as kept by a [`DocumentMemo`].
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct LoadedFile(Loaded, Vec<Diagnostic>);

/// One Markdown document of the handbook, parsed and rendered.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Document {
    /// Path relative to the handbook root, `/`-separated (`content/runbooks/db.md`).
    pub source: String,
    /// Path relative to the content folder (`runbooks/db.md`).
    pub rel: String,
    /// The page's path in the site (`runbooks/db.html`).
    pub url: String,
    pub title: String,
    pub doc_type: String,
    pub meta: FrontMatter,
    pub rendered: Rendered,
    /// [`Document::outline_key`], when made as the document was (documents kept between
    /// runs carry it, so that comparing outlines costs no hashing).
    #[serde(default)]
    pub outline: Option<cache::Key>,
}

impl Document {
    /// A folder's own page (`runbooks/index.md`, or `index.md` for the home page).
    pub fn is_index(&self) -> bool {
        self.rel == "index.md" || self.rel.ends_with("/index.md")
    }

    /// The folder the document sits in, relative to the content folder ("" at the top).
    pub fn folder(&self) -> &str {
        self.rel.rsplit_once('/').map_or("", |(dir, _)| dir)
    }

    /// [`Document::outline_key`], made now unless the document carries it.
    pub fn outline(&self) -> cache::Key {
        self.outline.unwrap_or_else(|| self.outline_key())
    }

    /// A hash of everything about the document that anything but its own page, the print
    /// view and the search index reads: all of it except its HTML, its plain text and where
    /// its sections start in that text. Two versions with the same outline differ on no other
    /// page, in no check and in no navigation.
    pub fn outline_key(&self) -> cache::Key {
        use std::io::Write as _;
        let r = &self.rendered;
        let headings: Vec<_> = r
            .headings
            .iter()
            .chain(&r.title_heading)
            .map(|h| (h.level, &h.text, &h.id, h.line))
            .collect();
        let mut hasher = cache::Hasher::new();
        // Writing into a hasher cannot fail.
        let _ = write!(
            hasher,
            "{:?}",
            (
                (&self.source, &self.rel, &self.url, &self.title),
                (&self.doc_type, &self.meta),
                (headings, r.title_heading.is_some()),
                (&r.links, &r.tasks, &r.notes),
            )
        );
        hasher.finish()
    }
}

/// A file under the content folder that is not Markdown: copied as it is.
#[derive(Debug, Clone)]
pub struct Asset {
    pub path: PathBuf,
    /// Path relative to the content folder, which is also its path in the site.
    pub rel: String,
}

/// A loaded handbook.
#[derive(Debug)]
pub struct Handbook {
    pub root: PathBuf,
    pub config: Config,
    pub types: DocTypes,
    pub owners: Option<Owners>,
    /// Sorted by `rel`.
    pub documents: Vec<Document>,
    pub assets: Vec<Asset>,
    /// Markdown files with no page in this build (drafts, unreadable files), by `rel`.
    pub unpublished: BTreeMap<String, Unpublished>,
    /// Who links to whom, and which decision supersedes which.
    pub graph: Graph,
    /// Open checklist items with an owner or a due date, in path then line order.
    pub followups: Vec<FollowUp>,
    pub owner_directory: OwnerDirectory,
    /// Sorted by slug.
    pub tags: Vec<TagEntry>,
    /// Every problem found while loading, sorted by path and line.
    pub diagnostics: Vec<Diagnostic>,
}

impl Handbook {
    /// Loads the handbook at `root`. Fails only when the configuration cannot be read (a usage
    /// problem); content problems are in `diagnostics`.
    pub fn load(root: &Path, options: &LoadOptions) -> Result<Handbook> {
        Handbook::load_reusing(root, options, Reuse::default())
    }

    /// Like [`Handbook::load`], reusing what `reuse` holds from earlier runs. The result is
    /// the same; only the time it takes differs.
    pub fn load_reusing(root: &Path, options: &LoadOptions, reuse: Reuse<'_>) -> Result<Handbook> {
        let started = std::time::Instant::now();
        let (config, mut diagnostics) = Config::load(root)?;
        let types = DocTypes::new(&config);
        let owners = match Owners::load(root) {
            Ok(o) => o,
            Err(d) => {
                diagnostics.push(d);
                None
            }
        };
        let content_dir = root.join(&config.book.src);
        if !content_dir.is_dir() {
            anyhow::bail!(
                "the content folder {} does not exist; create it or set `src` in book.toml",
                content_dir.display()
            );
        }
        let src_prefix = files::rel_path(&content_dir, root).unwrap_or_else(|| "content".into());
        let (mut markdown_files, assets, walk_diagnostics) = walk(&content_dir, &src_prefix);
        // The walk sorts each folder's entries, which is not the order of the paths as
        // strings (`a/b.md` is walked before `a.md`); lookups and reports want the latter.
        // Loaded in that order, the documents need no sorting (moving 10,000 of them took
        // longer than sorting their paths).
        markdown_files.sort_unstable_by(|a, b| a.1.cmp(&b.1));
        diagnostics.extend(walk_diagnostics);
        log::debug!(
            "load: walked the content folder in {:.2?}",
            started.elapsed()
        );

        let ctx = LoadContext {
            types: &types,
            src_prefix: &src_prefix,
            drafts: options.drafts,
            skip_html: options.skip_html,
            highlights: reuse.highlights,
            texts: reuse.texts,
            memo_key: cache::Hasher::new()
                .piece(format!("{types:?}").as_bytes())
                .piece(src_prefix.as_bytes())
                .piece(&[u8::from(options.drafts), u8::from(options.skip_html)])
                .finish()
                .to_le_bytes(),
        };
        let loaded: Vec<(Loaded, Vec<Diagnostic>)> = markdown_files
            .par_iter()
            .map(|(path, rel)| match reuse.documents {
                Some(memo) => load_memoized(path, rel, &ctx, memo),
                None => load_document(path, rel, &ctx),
            })
            .collect();
        crate::highlight::forget_lines();
        log::debug!("load: read the Markdown files in {:.2?}", started.elapsed());
        let mut documents = Vec::with_capacity(loaded.len());
        let mut unpublished = BTreeMap::new();
        for ((loaded, diags), (_, rel)) in loaded.into_iter().zip(&markdown_files) {
            match loaded {
                Loaded::Document(doc) => documents.push(*doc),
                Loaded::Draft => {
                    unpublished.insert(rel.clone(), Unpublished::Draft);
                }
                Loaded::Invalid => {
                    unpublished.insert(rel.clone(), Unpublished::Invalid);
                }
            }
            diagnostics.extend(diags);
        }
        debug_assert!(documents.windows(2).all(|w| w[0].rel < w[1].rel));
        let followups = followups::collect(&documents);
        for f in &followups {
            if let Some(bad) = &f.bad_due {
                diagnostics.push(
                    Diagnostic::warning("invalid-due-date", &documents[f.doc].source, f.line)
                        .message(format!("`due {bad}` is not a date"))
                        .help("write the due date as YYYY-MM-DD"),
                );
            }
        }
        let owner_directory = OwnerDirectory::new(&documents, &followups, owners.as_ref());
        let tags = taxonomy::tags(&documents);
        let tag_slugs: HashSet<&str> = tags.iter().map(|t| t.slug.as_str()).collect();
        let generated = |path: &str| is_generated(path, &owner_directory, &tag_slugs);
        diagnostics.extend(output_collisions(
            &documents,
            &assets,
            &src_prefix,
            &generated,
        ));
        log::debug!(
            "load: follow-ups, owners and tags in {:.2?}",
            started.elapsed()
        );
        let (graph, link_diagnostics) = graph::compute(&graph::Inputs {
            documents: &documents,
            assets: &assets,
            unpublished: &unpublished,
            generated: &generated,
            broken_links: config.checks.broken_links,
        });
        diagnostics.extend(link_diagnostics);
        diagnostics::sort(&mut diagnostics);
        log::debug!("load: links in {:.2?}", started.elapsed());
        Ok(Handbook {
            root: root.to_path_buf(),
            config,
            types,
            owners,
            documents,
            assets,
            unpublished,
            graph,
            followups,
            owner_directory,
            tags,
            diagnostics,
        })
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The folder documents are read from.
    pub fn content_dir(&self) -> PathBuf {
        self.root.join(&self.config.book.src)
    }

    /// How often a document must be reviewed: its own `review_every`, else its type's.
    pub fn review_every(&self, doc: &Document) -> freshness::ReviewEvery {
        doc.meta.review_every.unwrap_or_else(|| {
            self.types
                .get(&doc.doc_type)
                .map_or(freshness::ReviewEvery::Days(365), |t| t.review_every)
        })
    }

    /// A document's review state as of `today`.
    pub fn review(&self, doc: &Document, today: Date) -> Review {
        freshness::review(
            doc.meta.last_reviewed,
            self.review_every(doc),
            doc.meta.status.as_deref(),
            today,
            self.config.checks.due_soon_days,
        )
    }

    /// The index in `documents` of the document at a content-relative path.
    pub fn position(&self, rel: &str) -> Option<usize> {
        self.documents
            .binary_search_by(|d| d.rel.as_str().cmp(rel))
            .ok()
    }

    /// The document at a content-relative path.
    pub fn document(&self, rel: &str) -> Option<&Document> {
        self.position(rel).map(|i| &self.documents[i])
    }

    /// Takes new contents of documents already loaded, when what changed is only their text:
    /// each file still loads as a document with the same outline ([`Document::outline_key`]).
    /// Then the documents are replaced and the versions they replace are returned, with their
    /// positions; the rest of the handbook (links, follow-ups, owners, tags, diagnostics) is
    /// what a full load would give. Otherwise nothing changes and `None` says a full load is
    /// needed. `changes` are (path relative to the content folder, the file's bytes).
    pub fn replace_text(
        &mut self,
        changes: &[(String, Vec<u8>)],
        options: &LoadOptions,
        highlights: Option<&Highlights>,
    ) -> Option<Vec<(usize, Document)>> {
        let src_prefix =
            files::rel_path(&self.content_dir(), &self.root).unwrap_or_else(|| "content".into());
        let ctx = LoadContext {
            types: &self.types,
            src_prefix: &src_prefix,
            drafts: options.drafts,
            skip_html: options.skip_html,
            highlights,
            texts: None,
            memo_key: [0; 16],
        };
        let replaced: Vec<(usize, Document)> = changes
            .par_iter()
            .map(|(rel, bytes)| {
                let i = self.position(rel)?;
                match load_bytes(bytes, rel, &ctx) {
                    (Loaded::Document(doc), _) if doc.outline() == self.documents[i].outline() => {
                        Some((i, *doc))
                    }
                    _ => None,
                }
            })
            .collect::<Option<_>>()?;
        Some(
            replaced
                .into_iter()
                .map(|(i, doc)| (i, std::mem::replace(&mut self.documents[i], doc)))
                .collect(),
        )
    }
}

/// Whether opsbook writes the site path `path` itself (`print.html`, `owners/platform.html`).
fn is_generated(path: &str, owners: &OwnerDirectory, tag_slugs: &HashSet<&str>) -> bool {
    if RESERVED_OUTPUTS.contains(&path) || path.split('/').next() == Some(ASSET_DIR) {
        return true;
    }
    let page = |dir: &str| {
        path.strip_prefix(dir)
            .and_then(|p| p.strip_prefix('/'))
            .and_then(|p| p.strip_suffix(".html"))
    };
    page(OWNERS_DIR).is_some_and(|slug| owners.by_slug(slug).is_some())
        || page(TAGS_DIR).is_some_and(|slug| tag_slugs.contains(slug))
}

/// What became of one Markdown file.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
enum Loaded {
    Document(Box<Document>),
    Draft,
    Invalid,
}

struct LoadContext<'a> {
    types: &'a DocTypes,
    src_prefix: &'a str,
    drafts: bool,
    skip_html: bool,
    highlights: Option<&'a Highlights>,
    texts: Option<&'a TextFile>,
    /// Covers everything but the file that decides what loading a file gives.
    memo_key: [u8; 16],
}

type Walked = (Vec<(PathBuf, String)>, Vec<Asset>, Vec<Diagnostic>);

/// Lists the Markdown files and assets under the content folder in a stable order. Symbolic
/// links are never followed: a link could publish a file from anywhere on the machine.
fn walk(content_dir: &Path, src_prefix: &str) -> Walked {
    let mut markdown = Vec::new();
    let mut assets = Vec::new();
    let mut diagnostics = Vec::new();
    let walker = WalkDir::new(content_dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0 || !e.file_name().to_str().is_some_and(files::is_ignored_name)
        });
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e
                    .path()
                    .and_then(|p| files::rel_path(p, content_dir))
                    .map_or_else(|| src_prefix.to_string(), |r| format!("{src_prefix}/{r}"));
                diagnostics.push(
                    Diagnostic::error("unreadable", path, 0)
                        .message(format!("could not read: {e}"))
                        .help("check the file's permissions"),
                );
                continue;
            }
        };
        if entry.depth() == 0 || entry.file_type().is_dir() {
            continue;
        }
        let Some(rel) = files::rel_path(entry.path(), content_dir) else {
            diagnostics.push(
                Diagnostic::warning("file-name", src_prefix, 0)
                    .message(format!(
                        "{} is skipped: its name is not valid UTF-8",
                        entry.path().display()
                    ))
                    .help("rename the file"),
            );
            continue;
        };
        let source = format!("{src_prefix}/{rel}");
        if entry.path_is_symlink() {
            let target = std::fs::read_link(entry.path())
                .map(|t| t.display().to_string())
                .unwrap_or_default();
            diagnostics.push(
                Diagnostic::warning("symlink", source, 0)
                    .message(format!("symbolic link to `{target}` is not published"))
                    .help("opsbook never follows links out of the handbook; copy the file into content/ instead"),
            );
            continue;
        }
        let is_markdown = rel.len() > 3 && rel[rel.len() - 3..].eq_ignore_ascii_case(".md");
        if is_markdown {
            markdown.push((entry.into_path(), rel));
        } else {
            assets.push(Asset {
                path: entry.into_path(),
                rel,
            });
        }
    }
    (markdown, assets, diagnostics)
}

fn invalid(source: &str, line: usize) -> Diagnostic {
    Diagnostic::error("invalid-document", source, line)
}

/// Reads, parses and renders one document, with the reasons it cannot be used as diagnostics.
fn unreadable(source: &str, e: &std::io::Error) -> (Loaded, Vec<Diagnostic>) {
    let d = Diagnostic::error("unreadable", source, 0)
        .message(format!("could not read: {e}"))
        .help("check the file's permissions");
    (Loaded::Invalid, vec![d])
}

/// Loads a file, or takes what an earlier run made of the same bytes.
fn load_memoized(
    path: &Path,
    rel: &str,
    ctx: &LoadContext<'_>,
    memo: &dyn Remember<LoadedFile>,
) -> (Loaded, Vec<Diagnostic>) {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return unreadable(&format!("{}/{rel}", ctx.src_prefix), &e),
    };
    let key = cache::Hasher::new()
        .piece(&ctx.memo_key)
        .piece(rel.as_bytes())
        .piece(&bytes)
        .finish();
    let LoadedFile(loaded, diagnostics) = memo.remember(key, &mut || {
        let (mut loaded, diagnostics) = load_bytes(&bytes, rel, ctx);
        // Kept with the document: a later run compares outlines without hashing them.
        if let Loaded::Document(doc) = &mut loaded {
            doc.outline = Some(doc.outline_key());
        }
        LoadedFile(loaded, diagnostics)
    });
    // A document reused whole did not ask for its code blocks: keep them for the next run.
    if let (Loaded::Document(doc), Some(highlights)) = (&loaded, ctx.highlights) {
        highlights.touch(&doc.rendered.code_keys);
    }
    (loaded, diagnostics)
}

fn load_document(path: &Path, rel: &str, ctx: &LoadContext<'_>) -> (Loaded, Vec<Diagnostic>) {
    match std::fs::read(path) {
        Ok(bytes) => load_bytes(&bytes, rel, ctx),
        Err(e) => unreadable(&format!("{}/{rel}", ctx.src_prefix), &e),
    }
}

fn load_bytes(bytes: &[u8], rel: &str, ctx: &LoadContext<'_>) -> (Loaded, Vec<Diagnostic>) {
    let source = format!("{}/{rel}", ctx.src_prefix);
    let _crash = crate::crash::working_on(&source);
    let text = match decode_text(bytes) {
        Ok(t) => t,
        Err((offset, line)) => {
            let d = invalid(&source, line)
                .message(format!("the file is not valid UTF-8 (byte {offset})"))
                .help("save the file with UTF-8 encoding");
            return (Loaded::Invalid, vec![d]);
        }
    };
    if text.trim().is_empty() {
        let d = invalid(&source, 1)
            .message("the file is empty")
            .help("add front matter with a `title:`, or delete the file");
        return (Loaded::Invalid, vec![d]);
    }
    let split = match front_matter::split(&text) {
        Ok(s) => s,
        Err(p) => return (Loaded::Invalid, vec![problem(&source, p)]),
    };
    let meta = match front_matter::parse(&split) {
        Ok(m) => m,
        Err(problems) => {
            return (
                Loaded::Invalid,
                problems.into_iter().map(|p| problem(&source, p)).collect(),
            );
        }
    };
    if meta.draft && !ctx.drafts {
        return (Loaded::Draft, Vec::new());
    }
    let mut diagnostics = Vec::new();
    let doc_type = match &meta.doc_type {
        Some(t) if ctx.types.get(t).is_some() => t.clone(),
        Some(t) => {
            let known: Vec<_> = ctx.types.all().map(|t| t.name.as_str()).collect();
            let d = invalid(&source, meta.line_of("type"))
                .message(format!("unknown document type `{t}`"))
                .help(format!(
                    "use one of {}, or declare it with a [types.{t}] table in book.toml",
                    known.join(", ")
                ));
            return (Loaded::Invalid, vec![d]);
        }
        None => ctx.types.infer(rel).to_string(),
    };
    let mut rendered = markdown::render(markdown::Input {
        body: split.body,
        body_line: split.body_line,
        rel,
        title: meta.title.as_deref(),
        html: !ctx.skip_html,
        highlights: ctx.highlights,
    });
    if let Some(texts) = ctx.texts {
        rendered.text = texts.put(std::mem::take(&mut rendered.text));
    }
    for note in &rendered.notes {
        diagnostics.push(Diagnostic::warning(note.kind, &source, note.line).message(&note.message));
    }
    if rendered.text.len() > crate::search::index::MAX_TEXT {
        let mib = |n: usize| n as f64 / (1 << 20) as f64;
        diagnostics.push(
            Diagnostic::warning("search-truncated", &source, split.body_line)
                .message(format!(
                    "the document has {:.1} MiB of text; search finds words in its first {:.0} MiB only",
                    mib(rendered.text.len()),
                    mib(crate::search::index::MAX_TEXT)
                ))
                .help("split it into several pages, or link a large log instead of pasting it"),
        );
    }
    let title = meta
        .title
        .clone()
        .or_else(|| rendered.title_heading.as_ref().map(|h| h.text.clone()))
        .or_else(|| rendered.headings.first().map(|h| h.text.clone()));
    let Some(title) = title else {
        diagnostics.push(
            invalid(&source, 1)
                .message("the document has no title")
                .help("add `title:` to the front matter, or start the document with a `# Heading`"),
        );
        return (Loaded::Invalid, diagnostics);
    };
    let url = format!("{}.html", &rel[..rel.len() - 3]);
    let doc = Document {
        source,
        rel: rel.to_string(),
        url,
        title,
        doc_type,
        meta,
        rendered,
        outline: None,
    };
    (Loaded::Document(Box::new(doc)), diagnostics)
}

fn problem(source: &str, p: front_matter::Problem) -> Diagnostic {
    let mut d = invalid(source, p.line).column(p.column).message(p.message);
    d.help = p.help;
    d
}

/// The text of a file: UTF-8, a leading BOM dropped, CRLF line endings turned into LF so a file
/// saved on Windows renders byte for byte like its LF twin. On invalid UTF-8, the byte offset
/// and line of the first bad byte.
pub fn decode_text(bytes: &[u8]) -> Result<String, (usize, usize)> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
        (offset, line)
    })?;
    // A carriage return not followed by a line feed ends a line too, for CommonMark and YAML
    // alike: made a line feed, so that every line number counts the same lines.
    if !text.contains('\r') {
        return Ok(text.to_string());
    }
    let text = text.replace("\r\n", "\n");
    // Most files with carriage returns are CRLF: a second pass only when one is left alone.
    Ok(if text.contains('\r') {
        text.replace('\r', "\n")
    } else {
        text
    })
}

/// A path as a case-insensitive disk compares it: lowercase letter by letter (so a `Σ` is `σ`
/// wherever it stands), then Unicode's simple case folding where it differs from lowercase: the
/// final sigma, the Greek letter variants and the long s.
fn fold_case(path: &str) -> String {
    path.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'ς' => 'σ',
            'ϐ' => 'β',
            'ϑ' => 'θ',
            'ϕ' => 'φ',
            'ϖ' => 'π',
            'ϰ' => 'κ',
            'ϱ' => 'ρ',
            'ϵ' => 'ε',
            'ſ' => 's',
            'ẛ' => 'ṡ',
            '\u{1fbe}' => 'ι',
            c => c,
        })
        .collect()
}

/// Two sources may not become the same output file, even on a case-insensitive disk
/// (`Onboarding.md` and `onboarding.md`), nor take a file opsbook generates.
fn output_collisions(
    documents: &[Document],
    assets: &[Asset],
    src_prefix: &str,
    generated: &dyn Fn(&str) -> bool,
) -> Vec<Diagnostic> {
    let mut by_output: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for d in documents {
        by_output
            .entry(fold_case(&d.url))
            .or_default()
            .push(d.source.clone());
    }
    for a in assets {
        by_output
            .entry(fold_case(&a.rel))
            .or_default()
            .push(format!("{src_prefix}/{}", a.rel));
    }
    let mut diagnostics = Vec::new();
    for (output, sources) in &by_output {
        let reserved = generated(output);
        if sources.len() > 1 {
            for s in sources {
                diagnostics.push(
                    Diagnostic::error("output-collision", s, 0)
                        .message(format!(
                            "{} files would all be written to `{output}`: {}",
                            sources.len(),
                            sources.join(", ")
                        ))
                        .help("rename all but one of them; names that differ only in case collide too"),
                );
            }
        } else if reserved {
            diagnostics.push(
                Diagnostic::error("output-collision", &sources[0], 0)
                    .message(format!("`{output}` is generated by opsbook itself"))
                    .help("rename the file"),
            );
        }
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f2_lone_carriage_returns_end_lines_as_in_yaml_and_commonmark() {
        // Found by fuzzing: YAML counted each lone CR as a line end and this count did not,
        // so a front-matter error pointed past the end of the file.
        let text = decode_text(b"---\rtitle: a\r\r\r\r\rbad\r---\rbody\r\n").unwrap();
        assert_eq!(text, "---\ntitle: a\n\n\n\n\nbad\n---\nbody\n");
        let split = crate::front_matter::split(&text).unwrap();
        let problems = crate::front_matter::parse(&split).unwrap_err();
        let lines = text.lines().count();
        assert!(
            problems.iter().all(|p| (2..=lines).contains(&p.line)),
            "{problems:?} in {lines} lines"
        );
    }

    #[test]
    fn f2_decode_strips_bom_and_crlf() {
        assert_eq!(
            decode_text(b"\xEF\xBB\xBF---\r\na: b\r\n---\r\n").unwrap(),
            "---\na: b\n---\n"
        );
        assert_eq!(decode_text(b"ok\nbad \xFF here"), Err((7, 2)));
    }
}
