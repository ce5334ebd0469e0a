//! Navigation: sections by folder, documents by weight then title, the reading order behind
//! previous/next, and the sidebar.
//!
//! The whole tree goes into one shared script file that every page loads; each page carries
//! inline only its own section (with a window of documents around the current one), so a page
//! stays the same size however large the handbook grows, and still works without script.

use crate::doc_types::{humanize, DocTypes};
use crate::handbook::Document;
use crate::links::relative_url;
use serde::Serialize;
use std::cmp::Ordering;

/// A folder of the content tree.
#[derive(Debug, Clone)]
pub struct Section {
    /// Relative to the content folder; "" for the root.
    pub dir: String,
    pub title: String,
    /// The section page in the site (`runbooks/index.html`; `index.html` for the root).
    pub url: String,
    pub weight: Option<f64>,
    /// The section's own `index.md`, as an index into the documents.
    pub index_doc: Option<usize>,
    /// Documents directly in the folder, in navigation order (indices into the documents).
    pub docs: Vec<usize>,
    pub sections: Vec<Section>,
}

impl Section {
    fn new(dir: &str, types: &DocTypes) -> Section {
        let name = dir.rsplit('/').next().unwrap_or(dir);
        // A top-level folder that belongs to a type is named after the type ("Decision log").
        let title = if dir.contains('/') {
            None
        } else {
            types
                .all()
                .find(|t| t.folder.as_deref() == Some(dir))
                .map(|t| t.plural.clone())
        };
        Section {
            dir: dir.to_string(),
            title: title.unwrap_or_else(|| humanize(name)),
            url: if dir.is_empty() {
                "index.html".to_string()
            } else {
                format!("{dir}/index.html")
            },
            weight: None,
            index_doc: None,
            docs: Vec::new(),
            sections: Vec::new(),
        }
    }

    /// The number of documents in this section and below, its own index page left out.
    pub fn total_docs(&self) -> usize {
        self.docs.len() + self.sections.iter().map(Section::total_docs).sum::<usize>()
    }
}

/// A page in reading order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageRef<'a> {
    Section(&'a str),
    Doc(usize),
}

impl<'a> PageRef<'a> {
    /// The page's path in the site.
    pub fn url<'b>(&self, documents: &'b [Document], sections: &SectionsByDir<'b>) -> &'b str {
        match self {
            PageRef::Section(dir) => &sections[dir].url,
            PageRef::Doc(i) => &documents[*i].url,
        }
    }

    /// The document whose text the page shows: its own, or a section's index document.
    pub fn shown_doc(&self, sections: &SectionsByDir<'_>) -> Option<usize> {
        match self {
            PageRef::Section(dir) => sections[dir].index_doc,
            PageRef::Doc(i) => Some(*i),
        }
    }
}

/// The navigation of a handbook.
#[derive(Debug, Clone)]
pub struct Nav {
    pub root: Section,
    /// For each document, its position among its folder's documents.
    positions: Vec<usize>,
}

/// In a folder with many documents (or sub-sections), the sidebar a page carries inline shows
/// only this many on each side of the current one (or of the open sub-section), plus a link to
/// the section page that lists them all. The full tree comes from the shared `nav.js`; the
/// inline part is what shows before it runs, or without script.
pub const INLINE_WINDOW: usize = 3;

/// Every section by its folder (looked up for each page's breadcrumbs: a quick hash).
pub type SectionsByDir<'a> = rustc_hash::FxHashMap<&'a str, &'a Section>;

fn order_key(weight: Option<f64>, title: &str) -> (u8, f64, String) {
    match weight {
        Some(w) => (0, w, title.to_lowercase()),
        None => (1, 0.0, title.to_lowercase()),
    }
}

fn by_weight_then_title(a: &(u8, f64, String), b: &(u8, f64, String)) -> Ordering {
    a.0.cmp(&b.0)
        .then(a.1.total_cmp(&b.1))
        .then_with(|| a.2.cmp(&b.2))
}

impl Nav {
    /// Builds the tree from the documents (sorted by path).
    pub fn new(documents: &[Document], types: &DocTypes) -> Nav {
        let mut root = Section::new("", types);
        for (i, doc) in documents.iter().enumerate() {
            let folder = doc.folder();
            let section = ensure(&mut root, folder, types);
            if doc.is_index() {
                section.index_doc = Some(i);
                section.weight = doc.meta.weight;
                if !folder.is_empty() {
                    section.title = doc.title.clone();
                }
            } else {
                section.docs.push(i);
            }
        }
        // A type's folder has its page (the type's log) even when its documents live elsewhere.
        for t in types.all() {
            if let Some(folder) = &t.folder {
                if documents.iter().any(|d| d.doc_type == t.name) {
                    ensure(&mut root, folder, types);
                }
            }
        }
        sort(&mut root, documents);
        let mut positions = vec![0; documents.len()];
        fn record(s: &Section, positions: &mut [usize]) {
            for (p, &d) in s.docs.iter().enumerate() {
                positions[d] = p;
            }
            for sub in &s.sections {
                record(sub, positions);
            }
        }
        record(&root, &mut positions);
        Nav { root, positions }
    }

    /// Every page in reading order: a section's page, its documents, then its sub-sections.
    pub fn reading_order(&self) -> Vec<PageRef<'_>> {
        fn visit<'a>(s: &'a Section, out: &mut Vec<PageRef<'a>>) {
            out.push(PageRef::Section(&s.dir));
            out.extend(s.docs.iter().map(|&d| PageRef::Doc(d)));
            for sub in &s.sections {
                visit(sub, out);
            }
        }
        let mut out = Vec::new();
        visit(&self.root, &mut out);
        out
    }

    /// Every section, root included, by folder.
    pub fn sections_by_dir(&self) -> SectionsByDir<'_> {
        fn visit<'a>(s: &'a Section, out: &mut SectionsByDir<'a>) {
            out.insert(&s.dir, s);
            for sub in &s.sections {
                visit(sub, out);
            }
        }
        let mut out = SectionsByDir::default();
        visit(&self.root, &mut out);
        out
    }

    /// The sections from the root down to `dir`, both included.
    pub fn chain<'a>(&'a self, dir: &str) -> Vec<&'a Section> {
        let mut chain = vec![&self.root];
        let mut current = &self.root;
        if dir.is_empty() {
            return chain;
        }
        let mut prefix = String::new();
        for part in dir.split('/') {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            match current.sections.iter().find(|s| s.dir == prefix) {
                Some(next) => {
                    chain.push(next);
                    current = next;
                }
                None => break,
            }
        }
        chain
    }

    /// The sidebar of one page: the top level, with the sections on the way to the page open.
    pub fn inline(
        &self,
        documents: &[Document],
        current: PageRef<'_>,
        states: &[&'static str],
    ) -> Vec<NavItem> {
        let dir = match current {
            PageRef::Section(dir) => dir,
            PageRef::Doc(i) => documents[i].folder(),
        };
        let chain = self.chain(dir);
        let position = match current {
            PageRef::Doc(i) => Some(self.positions[i]),
            PageRef::Section(_) => None,
        };
        let current_url = match current {
            PageRef::Doc(i) => documents[i].url.as_str(),
            PageRef::Section(_) => chain.last().map_or("index.html", |s| s.url.as_str()),
        };
        let from_dir = current_url.rsplit_once('/').map_or("", |(d, _)| d);
        let ctx = ItemsContext {
            from_dir,
            chain: &chain,
            documents,
            current,
            position,
            states,
        };
        items(&self.root, 1, &ctx)
    }

    /// The sidebar of one page ([`Nav::inline`]) as the HTML of its list items, made here
    /// rather than by a template macro: a tenth of a clean build's time went to the macro.
    pub fn inline_html(
        &self,
        documents: &[Document],
        current: PageRef<'_>,
        states: &[&'static str],
    ) -> String {
        let mut html = String::with_capacity(8 << 10);
        write_items(&self.inline(documents, current, states), &mut html);
        html
    }

    /// The whole tree for the shared navigation script, serialized as compact JSON: each
    /// section `{"c": [documents, then sections], "t": title, "u": url}`, each document
    /// `{"s": state, "t": title, "u": url}` (`s` only for a state a reader should see).
    /// Written straight from the tree: a tree of JSON values first cost 10,000 maps of
    /// owned strings on every build.
    pub fn tree_json<'a>(
        &'a self,
        documents: &'a [Document],
        states: &'a [&'static str],
    ) -> impl Serialize + 'a {
        TreeJson {
            section: &self.root,
            documents,
            states,
        }
    }
}

/// A section of [`Nav::tree_json`], with its documents and sections.
struct TreeJson<'a> {
    section: &'a Section,
    documents: &'a [Document],
    states: &'a [&'static str],
}

impl Serialize for TreeJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        // Keys in sorted order, as earlier versions wrote them.
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("c", &Children(self))?;
        map.serialize_entry("t", &self.section.title)?;
        map.serialize_entry("u", &self.section.url)?;
        map.end()
    }
}

/// The documents, then the sections, of a [`TreeJson`].
struct Children<'t, 'a>(&'t TreeJson<'a>);

impl Serialize for Children<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq as _;
        let TreeJson {
            section,
            documents,
            states,
        } = *self.0;
        let mut seq = s.serialize_seq(Some(section.docs.len() + section.sections.len()))?;
        for &d in &section.docs {
            seq.serialize_element(&DocJson {
                s: matches!(states[d], "stale" | "never-reviewed" | "due-soon")
                    .then_some(states[d]),
                t: &documents[d].title,
                u: &documents[d].url,
            })?;
        }
        for sub in &section.sections {
            seq.serialize_element(&TreeJson {
                section: sub,
                documents,
                states,
            })?;
        }
        seq.end()
    }
}

/// A document of [`Nav::tree_json`].
#[derive(Serialize)]
struct DocJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    s: Option<&'a str>,
    t: &'a str,
    u: &'a str,
}

fn ensure<'a>(root: &'a mut Section, folder: &str, types: &DocTypes) -> &'a mut Section {
    if folder.is_empty() {
        return root;
    }
    let mut current = root;
    let mut prefix = String::new();
    for part in folder.split('/') {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(part);
        let pos = match current.sections.iter().position(|s| s.dir == prefix) {
            Some(p) => p,
            None => {
                current.sections.push(Section::new(&prefix, types));
                current.sections.len() - 1
            }
        };
        current = &mut current.sections[pos];
    }
    current
}

fn sort(section: &mut Section, documents: &[Document]) {
    // Each document's key made once, not twice per comparison.
    let mut keyed: Vec<((u8, f64, String), usize)> = section
        .docs
        .iter()
        .map(|&i| (order_key(documents[i].meta.weight, &documents[i].title), i))
        .collect();
    keyed.sort_by(|(ka, a), (kb, b)| {
        by_weight_then_title(ka, kb).then_with(|| documents[*a].rel.cmp(&documents[*b].rel))
    });
    section.docs = keyed.into_iter().map(|(_, i)| i).collect();
    section.sections.sort_by(|a, b| {
        by_weight_then_title(
            &order_key(a.weight, &a.title),
            &order_key(b.weight, &b.title),
        )
        .then_with(|| a.dir.cmp(&b.dir))
    });
    for sub in &mut section.sections {
        sort(sub, documents);
    }
}

/// One entry of a page's sidebar.
#[derive(Debug, Clone, Serialize)]
pub struct NavItem {
    pub title: String,
    /// Relative to the site root.
    pub url: String,
    /// Relative to the page the sidebar is on.
    pub href: String,
    pub kind: &'static str,
    pub current: bool,
    pub open: bool,
    /// The review state of a document (`stale`, ...), for a marker.
    pub state: Option<&'static str>,
    pub children: Vec<NavItem>,
    /// Documents of the section left out of the window, and where they are all listed.
    pub more: Option<More>,
}

#[derive(Debug, Clone, Serialize)]
pub struct More {
    pub count: usize,
    /// The section page, relative to the page the sidebar is on.
    pub href: String,
}

struct ItemsContext<'a> {
    /// The folder of the page the sidebar is on, for relative links.
    from_dir: &'a str,
    chain: &'a [&'a Section],
    documents: &'a [Document],
    current: PageRef<'a>,
    /// The current document's position in its folder.
    position: Option<usize>,
    states: &'a [&'static str],
}

fn items(s: &Section, depth: usize, ctx: &ItemsContext<'_>) -> Vec<NavItem> {
    let ItemsContext {
        chain,
        documents,
        current,
        states,
        ..
    } = *ctx;
    let in_chain = |sub: &Section| chain.get(depth).is_some_and(|c| c.dir == sub.dir);
    let current_doc = match current {
        PageRef::Doc(d) => Some(d),
        PageRef::Section(_) => None,
    };
    // The position only applies in the current document's own folder.
    let here = current_doc.is_some_and(|d| s.docs.get(ctx.position.unwrap_or(0)) == Some(&d));
    let (start, end) = window(s.docs.len(), ctx.position.filter(|_| here));
    let mut out: Vec<NavItem> = s.docs[start..end]
        .iter()
        .map(|&d| NavItem {
            title: documents[d].title.clone(),
            url: documents[d].url.clone(),
            href: relative_url(ctx.from_dir, &documents[d].url),
            kind: "doc",
            current: current_doc == Some(d),
            open: false,
            state: Some(states[d]),
            children: Vec::new(),
            more: None,
        })
        .collect();
    more_after_last(&mut out, s.docs.len() - (end - start), s, ctx);
    let open_at = s.sections.iter().position(in_chain);
    let (start, end) = window(s.sections.len(), open_at);
    for sub in &s.sections[start..end] {
        let open = in_chain(sub);
        out.push(NavItem {
            title: sub.title.clone(),
            url: sub.url.clone(),
            href: relative_url(ctx.from_dir, &sub.url),
            kind: "section",
            current: current == PageRef::Section(&sub.dir),
            open,
            state: None,
            children: if open {
                items(sub, depth + 1, ctx)
            } else {
                Vec::new()
            },
            more: None,
        });
    }
    more_after_last(&mut out, s.sections.len() - (end - start), s, ctx);
    out
}

/// Marks the last item so far as followed by a link to section `s`'s page for the `hidden`
/// entries the window left out.
fn more_after_last(out: &mut [NavItem], hidden: usize, s: &Section, ctx: &ItemsContext<'_>) {
    if let (true, Some(last)) = (hidden > 0, out.last_mut()) {
        last.more = Some(More {
            count: hidden,
            href: relative_url(ctx.from_dir, &s.url),
        });
    }
}

/// Writes sidebar items as list items, each on its own line, nested lists for open sections,
/// then a newline.
fn write_items(items: &[NavItem], out: &mut String) {
    use crate::site::theme::escape_html;
    for item in items {
        out.push_str("\n<li class=\"nav-");
        out.push_str(item.kind);
        if item.current {
            out.push_str(" current");
        }
        match item.state {
            Some("stale" | "never-reviewed") => out.push_str(" needs-review"),
            Some("due-soon") => out.push_str(" due-soon"),
            _ => {}
        }
        out.push_str("\"><a href=\"");
        out.push_str(&escape_html(&item.href));
        out.push('"');
        if item.current {
            out.push_str(" aria-current=\"page\"");
        }
        out.push('>');
        out.push_str(&escape_html(&item.title));
        out.push_str("</a>");
        if !item.children.is_empty() {
            out.push_str("<ul>");
            write_items(&item.children, out);
            out.push_str("</ul>");
        }
        out.push_str("</li>");
        if let Some(more) = &item.more {
            out.push_str("\n<li class=\"nav-more\"><a href=\"");
            out.push_str(&escape_html(&more.href));
            out.push_str("\">");
            out.push_str(&more.count.to_string());
            out.push_str(" more…</a></li>");
        }
    }
    out.push('\n');
}

/// The slice of a folder's documents (or sub-sections) a page shows inline: all of a small
/// folder; otherwise `INLINE_WINDOW` on each side of the current one, or the first ones.
fn window(len: usize, position: Option<usize>) -> (usize, usize) {
    let max = 2 * INLINE_WINDOW + 1;
    if len <= max + 10 {
        return (0, len);
    }
    let start = position
        .unwrap_or(0)
        .saturating_sub(INLINE_WINDOW)
        .min(len - max);
    (start, start + max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_is_bounded_and_holds_current() {
        assert_eq!(window(17, Some(3)), (0, 17));
        assert_eq!(window(18, Some(3)), (0, 2 * INLINE_WINDOW + 1));
        let (s, e) = window(1000, Some(500));
        assert_eq!(e - s, 2 * INLINE_WINDOW + 1);
        assert!((s..e).contains(&500));
        let max = 2 * INLINE_WINDOW + 1;
        assert_eq!(window(1000, Some(999)), (1000 - max, 1000));
        assert_eq!(window(1000, None), (0, max));
    }

    fn item(kind: &'static str, title: &str, href: &str) -> NavItem {
        NavItem {
            title: title.into(),
            url: href.into(),
            href: href.into(),
            kind,
            current: false,
            open: false,
            state: None,
            children: Vec::new(),
            more: None,
        }
    }

    #[test]
    fn sidebar_html_nests_open_sections_marks_states_and_escapes() {
        let mut current = item("doc", "Restart <the> API", "a.html");
        current.current = true;
        current.state = Some("stale");
        let mut due = item("doc", "Rotate \"keys\" & certs", "b&c.html");
        due.state = Some("due-soon");
        due.more = Some(More {
            count: 20,
            href: "index.html".into(),
        });
        let mut never = item("doc", "New", "n.html");
        never.state = Some("never-reviewed");
        let mut open = item("section", "Runbooks", "index.html");
        open.open = true;
        open.children = vec![current, never, due];
        let closed = item("section", "SOPs", "../sops/index.html");
        let mut html = String::new();
        write_items(&[open, closed], &mut html);
        assert_eq!(
            html,
            "\n<li class=\"nav-section\"><a href=\"index.html\">Runbooks</a><ul>\
             \n<li class=\"nav-doc current needs-review\"><a href=\"a.html\" aria-current=\"page\">Restart &lt;the&gt; API</a></li>\
             \n<li class=\"nav-doc needs-review\"><a href=\"n.html\">New</a></li>\
             \n<li class=\"nav-doc due-soon\"><a href=\"b&amp;c.html\">Rotate &quot;keys&quot; &amp; certs</a></li>\
             \n<li class=\"nav-more\"><a href=\"index.html\">20 more…</a></li>\
             \n</ul></li>\
             \n<li class=\"nav-section\"><a href=\"../sops/index.html\">SOPs</a></li>\n"
        );
    }
}
