//! The handbook as a web: which document links to which, which links are broken, and which
//! decision supersedes which.
//!
//! Computed once per load from the links the Markdown pass collected, with hash and binary
//! search lookups only (no scans over the handbook per link), so it stays linear in the number
//! of links. No file system access: every file that exists is already in the loaded model.

use crate::config::Level;
use crate::diagnostics::{Diagnostic, Severity};
use crate::handbook::{Asset, Document};
use crate::links::{self, relative_url, Target};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

/// A Markdown file that exists under the content folder but has no page in this build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unpublished {
    /// `draft: true`, built without `--drafts`.
    Draft,
    /// It could not be read or parsed; that is reported on its own.
    Invalid,
}

/// Who links to whom, and the supersede chain of decisions. Indices are into the handbook's
/// documents.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// For each document, the documents it links to (sorted, no duplicates, never itself).
    pub links_to: Vec<Vec<usize>>,
    /// For each document, the documents that link to it (sorted).
    pub linked_from: Vec<Vec<usize>>,
    /// For each document, the one it says it supersedes.
    pub supersedes: Vec<Option<usize>>,
    /// For each document, the one that replaces it, whichever side of the pair says so.
    pub successor: Vec<Option<usize>>,
}

/// What the graph is computed from.
pub struct Inputs<'a> {
    /// Sorted by `rel`.
    pub documents: &'a [Document],
    pub assets: &'a [Asset],
    pub unpublished: &'a BTreeMap<String, Unpublished>,
    /// Says whether a site path (`owners/platform.html`) is a page the build generates.
    pub generated: &'a (dyn Fn(&str) -> bool + Sync),
    /// How bad a broken link is (`[checks] broken-links`).
    pub broken_links: Level,
}

/// A link that does not lead anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Broken {
    kind: &'static str,
    message: String,
    help: String,
}

/// Anchors a page has besides its headings: the top of the page.
const BUILTIN_ANCHORS: &[&str] = &["top"];

/// Computes the graph and a diagnostic for every broken link and one-sided supersede pair.
pub fn compute(inputs: &Inputs<'_>) -> (Graph, Vec<Diagnostic>) {
    let lookup = Lookup::new(inputs);
    let severity = match inputs.broken_links {
        Level::Error => Severity::Error,
        Level::Warning => Severity::Warning,
    };
    let docs = inputs.documents;
    let per_doc: Vec<(BTreeSet<usize>, Vec<Diagnostic>)> = docs
        .par_iter()
        .enumerate()
        .map(|(i, doc)| {
            let mut targets = BTreeSet::new();
            let mut diagnostics = Vec::new();
            for link in &doc.rendered.links {
                match lookup.check(i, &link.dest, &link.target) {
                    Ok(Some(j)) if j != i => {
                        targets.insert(j);
                    }
                    Ok(_) => {}
                    Err(b) => diagnostics.push(
                        Diagnostic::error(b.kind, &doc.source, link.line)
                            .column(link.column)
                            .message(b.message)
                            .help(b.help),
                    ),
                }
            }
            for d in &mut diagnostics {
                d.severity = severity;
            }
            (targets, diagnostics)
        })
        .collect();

    let mut diagnostics = Vec::new();
    let mut links_to = Vec::with_capacity(docs.len());
    for (targets, diags) in per_doc {
        links_to.push(targets);
        diagnostics.extend(diags);
    }

    let mut supersedes = vec![None; docs.len()];
    let mut superseded_by = vec![None; docs.len()];
    for (i, doc) in docs.iter().enumerate() {
        for (key, value, slot) in [
            ("supersedes", &doc.meta.supersedes, &mut supersedes[i]),
            (
                "superseded_by",
                &doc.meta.superseded_by,
                &mut superseded_by[i],
            ),
        ] {
            let Some(value) = value else { continue };
            let resolved = links::resolve(value, &doc.rel);
            let result = match &resolved.target {
                Target::Document { .. } => lookup.check(i, value, &resolved.target),
                _ => Err(Broken {
                    kind: "broken-link",
                    message: format!("`{key}: {value}` is not a path to a Markdown document"),
                    help: "write the other decision's file name, relative to this file (`2026-001-use-postgres.md`)".to_string(),
                }),
            };
            match result {
                Ok(Some(j)) if j != i => {
                    *slot = Some(j);
                    links_to[i].insert(j);
                }
                Ok(Some(_)) => diagnostics.push(
                    Diagnostic::warning("one-sided-supersede", &doc.source, doc.meta.line_of(key))
                        .message(format!("`{key}` names the document itself"))
                        .help("name the other decision"),
                ),
                Ok(None) => {}
                Err(b) => {
                    let mut d = Diagnostic::error(b.kind, &doc.source, doc.meta.line_of(key))
                        .message(format!("`{key}`: {}", b.message))
                        .help(b.help);
                    d.severity = severity;
                    diagnostics.push(d);
                }
            }
        }
    }
    let mut successor = superseded_by.clone();
    for (i, doc) in docs.iter().enumerate() {
        if let Some(old) = supersedes[i] {
            if superseded_by[old] != Some(i) {
                diagnostics.push(one_sided(doc, "supersedes", &docs[old], "superseded_by"));
            }
            successor[old].get_or_insert(i);
        }
        if let Some(new) = superseded_by[i] {
            if supersedes[new] != Some(i) {
                diagnostics.push(one_sided(doc, "superseded_by", &docs[new], "supersedes"));
            }
        }
    }

    let links_to: Vec<Vec<usize>> = links_to.into_iter().map(Vec::from_iter).collect();
    let mut linked_from = vec![Vec::new(); docs.len()];
    for (i, targets) in links_to.iter().enumerate() {
        for &j in targets {
            linked_from[j].push(i);
        }
    }
    let graph = Graph {
        links_to,
        linked_from,
        supersedes,
        successor,
    };
    (graph, diagnostics)
}

fn one_sided(doc: &Document, key: &str, other: &Document, missing: &str) -> Diagnostic {
    let back = relative_url(other.folder(), &doc.rel);
    Diagnostic::warning("one-sided-supersede", &doc.source, doc.meta.line_of(key))
        .message(format!(
            "`{key}` names {}, which does not say `{missing}` back",
            other.source
        ))
        .help(format!(
            "add `{missing}: {back}` to {}, so both decisions show the link",
            other.source
        ))
}

/// A path as it can be written in a Markdown link: spaces and parentheses percent-encoded.
fn link_text(path: &str) -> String {
    path.replace('%', "%25")
        .replace(' ', "%20")
        .replace('(', "%28")
        .replace(')', "%29")
}

/// Everything a link can point at, indexed.
struct Lookup<'a> {
    documents: &'a [Document],
    /// Each document's position, by its path relative to the content folder.
    by_rel: FxHashMap<&'a str, usize>,
    assets: FxHashSet<&'a str>,
    /// Folders that hold at least one document, so they have a section page.
    folders: FxHashSet<&'a str>,
    unpublished: &'a BTreeMap<String, Unpublished>,
    generated: &'a (dyn Fn(&str) -> bool + Sync),
    /// Each document's heading anchors, built the first time a link asks for one.
    anchors: Vec<OnceLock<FxHashSet<&'a str>>>,
    /// Lowercased paths and file names of everything that exists, for "did you mean" hints;
    /// built on the first broken link only.
    similar: OnceLock<Similar<'a>>,
}

struct Similar<'a> {
    by_lower_path: HashMap<String, &'a str>,
    by_lower_name: HashMap<String, Vec<&'a str>>,
    by_folder: HashMap<&'a str, Vec<&'a str>>,
}

impl<'a> Lookup<'a> {
    fn new(inputs: &Inputs<'a>) -> Lookup<'a> {
        let mut folders = FxHashSet::default();
        folders.insert("");
        for doc in inputs.documents {
            let mut dir = doc.folder();
            while !dir.is_empty() && folders.insert(dir) {
                dir = dir.rsplit_once('/').map_or("", |(d, _)| d);
            }
        }
        Lookup {
            documents: inputs.documents,
            by_rel: inputs
                .documents
                .iter()
                .enumerate()
                .map(|(i, d)| (d.rel.as_str(), i))
                .collect(),
            assets: inputs.assets.iter().map(|a| a.rel.as_str()).collect(),
            folders,
            unpublished: inputs.unpublished,
            generated: inputs.generated,
            anchors: inputs.documents.iter().map(|_| OnceLock::new()).collect(),
            similar: OnceLock::new(),
        }
    }

    fn position(&self, rel: &str) -> Option<usize> {
        self.by_rel.get(rel).copied()
    }

    /// Where a link written in document `from` leads: `Ok(Some(doc))` for another page of the
    /// handbook, `Ok(None)` for anything else that exists (or is not checked), `Err` when it
    /// leads nowhere.
    fn check(&self, from: usize, dest: &str, target: &Target) -> Result<Option<usize>, Broken> {
        let from_doc = &self.documents[from];
        match target {
            Target::External | Target::Unsafe { .. } | Target::Empty => Ok(None),
            Target::SamePage { anchor } => {
                self.check_anchor(from, anchor, dest)?;
                Ok(None)
            }
            Target::Document { path, anchor } => {
                if let Some(j) = self.position(path) {
                    if let Some(anchor) = anchor {
                        self.check_anchor(j, anchor, dest)?;
                    }
                    return Ok(Some(j));
                }
                match self.unpublished.get(path.as_str()) {
                    Some(Unpublished::Invalid) => Ok(None),
                    Some(Unpublished::Draft) => Err(Broken {
                        kind: "broken-link",
                        message: format!(
                            "link to `{dest}`: that document is a draft, so it is not published"
                        ),
                        help: "publish it (remove `draft: true`), build with --drafts, or remove the link".to_string(),
                    }),
                    None => Err(self.missing(from_doc, dest, path)),
                }
            }
            Target::Folder { path, anchor } => {
                if !self.folders.contains(path.as_str()) {
                    return Err(self.missing(from_doc, dest, path));
                }
                let index = if path.is_empty() {
                    "index.md".to_string()
                } else {
                    format!("{path}/index.md")
                };
                let j = self.position(&index);
                match (anchor, j) {
                    (Some(anchor), Some(j)) => self.check_anchor(j, anchor, dest)?,
                    (Some(anchor), None) if !BUILTIN_ANCHORS.contains(&anchor.as_str()) => {
                        return Err(Broken {
                            kind: "broken-anchor",
                            message: format!(
                                "link to `{dest}`: the section page of `{path}/` has no heading `#{anchor}`"
                            ),
                            help: format!("add {index} with that heading, or remove `#{anchor}` from the link"),
                        })
                    }
                    _ => {}
                }
                Ok(j)
            }
            Target::Asset { path } => {
                if self.assets.contains(path.as_str()) || (self.generated)(path) {
                    return Ok(None);
                }
                // A link written to the page rather than its source (`db-failover.html`).
                if let Some(stem) = path.strip_suffix(".html") {
                    if let Some(j) = self.position(&format!("{stem}.md")) {
                        return Ok(Some(j));
                    }
                    if let Some(dir) = stem
                        .strip_suffix("/index")
                        .or((stem == "index").then_some(""))
                    {
                        if self.folders.contains(dir) {
                            return Ok(None);
                        }
                    }
                }
                Err(self.missing(from_doc, dest, path))
            }
            Target::Outside => Err(Broken {
                kind: "broken-link",
                message: format!(
                    "link to `{dest}` climbs out of the content folder; the site cannot serve it"
                ),
                help: "link to a document under the content folder, or use a full https:// URL"
                    .to_string(),
            }),
        }
    }

    fn check_anchor(&self, doc: usize, anchor: &str, dest: &str) -> Result<(), Broken> {
        let d = &self.documents[doc];
        let ids = || {
            d.rendered
                .title_heading
                .iter()
                .chain(&d.rendered.headings)
                .map(|h| h.id.as_str())
        };
        let known = self.anchors[doc].get_or_init(|| ids().collect());
        if BUILTIN_ANCHORS.contains(&anchor) || known.contains(anchor) {
            return Ok(());
        }
        let wanted = crate::slug::heading_slug(anchor);
        let best = ids()
            .map(|id| (strsim::levenshtein(id, &wanted), id))
            .filter(|(distance, id)| *id == wanted || *distance <= (wanted.len() / 3).max(2))
            .min();
        let help = match best {
            Some((_, id)) => format!("did you mean `#{id}`?"),
            None => {
                let list: Vec<String> = ids().take(8).map(|id| format!("#{id}")).collect();
                if list.is_empty() {
                    "that page has no headings; remove the `#` part of the link".to_string()
                } else {
                    format!("its headings are {}", list.join(", "))
                }
            }
        };
        Err(Broken {
            kind: "broken-anchor",
            message: format!(
                "link to `{dest}`: {} has no heading with the anchor `#{anchor}`",
                d.source
            ),
            help,
        })
    }

    fn missing(&self, from: &Document, dest: &str, path: &str) -> Broken {
        let help = match self.suggest(path) {
            Some(found) => format!(
                "did you mean `{}`?",
                link_text(&relative_url(from.folder(), found))
            ),
            None => "fix the path (it is relative to this file), or remove the link".to_string(),
        };
        Broken {
            kind: "broken-link",
            message: format!("link to `{dest}`: there is no `{path}` in the content folder"),
            help,
        }
    }

    /// The existing file the author most likely meant.
    fn suggest(&self, path: &str) -> Option<&'a str> {
        let similar = self.similar.get_or_init(|| {
            let mut s = Similar {
                by_lower_path: HashMap::new(),
                by_lower_name: HashMap::new(),
                by_folder: HashMap::new(),
            };
            let all = self
                .documents
                .iter()
                .map(|d| d.rel.as_str())
                .chain(self.assets.iter().copied());
            for rel in all {
                let (folder, name) = rel.rsplit_once('/').unwrap_or(("", rel));
                s.by_lower_path.insert(rel.to_lowercase(), rel);
                s.by_lower_name
                    .entry(name.to_lowercase())
                    .or_default()
                    .push(rel);
                s.by_folder.entry(folder).or_default().push(rel);
            }
            for list in s.by_lower_name.values_mut().chain(s.by_folder.values_mut()) {
                list.sort_unstable();
            }
            s
        });
        let lower = path.to_lowercase();
        if let Some(found) = similar.by_lower_path.get(&lower) {
            return Some(found);
        }
        if let Some(found) = similar.by_lower_path.get(&format!("{lower}.md")) {
            return Some(found);
        }
        let (folder, name) = path.rsplit_once('/').unwrap_or(("", path));
        if let Some(found) = similar
            .by_lower_name
            .get(&name.to_lowercase())
            .and_then(|l| l.first())
        {
            return Some(found);
        }
        let limit = (name.len() / 3).max(2);
        similar
            .by_folder
            .get(folder)?
            .iter()
            .map(|rel| {
                let other = rel.rsplit_once('/').map_or(*rel, |(_, n)| n);
                (
                    strsim::levenshtein(&other.to_lowercase(), &name.to_lowercase()),
                    *rel,
                )
            })
            .filter(|(d, _)| *d <= limit)
            .min()
            .map(|(_, rel)| rel)
    }
}
