//! `catalog.json` and `sitemap.xml`: the machine-readable views of the site.

use crate::cache::{Hasher, Key};
use crate::handbook::Handbook;
use crate::site::Facts;
use serde::Serialize;

#[derive(Serialize)]
struct Entry<'a> {
    path: &'a str,
    url: &'a str,
    title: &'a str,
    #[serde(rename = "type")]
    doc_type: &'a str,
    owners: &'a [String],
    status: Option<&'a str>,
    tags: &'a [String],
    last_reviewed: Option<String>,
    next_review: Option<String>,
    state: &'static str,
    checklist: Checklist,
    links_to: Vec<&'a str>,
    linked_from: Vec<&'a str>,
}

#[derive(Serialize)]
struct Checklist {
    done: usize,
    total: usize,
}

/// `catalog.json`: one entry per document, in path order; `links_to` and `linked_from` are
/// source paths.
pub struct Catalog<'a> {
    entries: Vec<Entry<'a>>,
}

impl<'a> Catalog<'a> {
    pub fn new(handbook: &'a Handbook, facts: &Facts) -> Catalog<'a> {
        use rayon::prelude::*;
        let docs = &handbook.documents;
        let entries = docs
            .par_iter()
            .enumerate()
            .map(|(i, d)| Entry {
                path: &d.source,
                url: &d.url,
                title: &d.title,
                doc_type: &d.doc_type,
                owners: &d.meta.owners,
                status: d.meta.status.as_deref(),
                tags: &d.meta.tags,
                last_reviewed: d.meta.last_reviewed.map(|x| x.to_string()),
                next_review: facts.reviews[i].next_review.map(|x| x.to_string()),
                state: facts.reviews[i].state.as_str(),
                checklist: Checklist {
                    done: d.rendered.tasks_done(),
                    total: d.rendered.tasks.len(),
                },
                links_to: handbook.graph.links_to[i]
                    .iter()
                    .map(|&j| docs[j].source.as_str())
                    .collect(),
                linked_from: handbook.graph.linked_from[i]
                    .iter()
                    .map(|&j| docs[j].source.as_str())
                    .collect(),
            })
            .collect();
        Catalog { entries }
    }

    /// A key that covers every entry's content (for the output's record of what it holds):
    /// an unchanged catalog is neither serialized nor written again. Hashing the compact
    /// encoding of the entries takes a fraction of the time of the JSON.
    pub fn key(&self) -> Key {
        use rayon::prelude::*;
        let keys: Vec<Key> = self
            .entries
            .par_iter()
            .map(|entry| {
                let mut hasher = Hasher::new();
                // Writing into a hasher cannot fail; an entry that could not be encoded
                // would only make the key differ from every other build's.
                let _ = postcard::to_io(entry, &mut hasher);
                hasher.finish()
            })
            .collect();
        let mut key = Hasher::new();
        key.piece(b"catalog.json");
        for k in keys {
            key.piece(&k.to_le_bytes());
        }
        key.finish()
    }

    /// The JSON text, indented like `serde_json::to_string_pretty` of the list.
    pub fn json(&self) -> String {
        use rayon::prelude::*;
        if self.entries.is_empty() {
            return "[]\n".to_string();
        }
        // Each entry serialized on its own, in parallel, then indented as an element of the
        // array: the bytes of `to_string_pretty` of the whole list (a JSON string holds no raw
        // line break), in half the time.
        let entries: Vec<String> = self
            .entries
            .par_iter()
            .map(|entry| {
                let pretty = serde_json::to_string_pretty(entry).unwrap_or_else(|_| "{}".into());
                let mut element = String::with_capacity(pretty.len() + pretty.len() / 8);
                for (k, line) in pretty.split('\n').enumerate() {
                    if k > 0 {
                        element.push('\n');
                    }
                    element.push_str("  ");
                    element.push_str(line);
                }
                element
            })
            .collect();
        let mut json =
            String::with_capacity(entries.iter().map(|e| e.len() + 2).sum::<usize>() + 4);
        json.push_str("[\n");
        json.push_str(&entries.join(",\n"));
        json.push_str("\n]\n");
        json
    }
}

/// The sitemap: absolute URLs when `site-url` is set, otherwise relative ones.
pub fn sitemap_xml(handbook: &Handbook, section_urls: &[String]) -> String {
    let base = handbook.config.site_url().unwrap_or_default();
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let mut push = |url: &str, lastmod: Option<String>| {
        xml.push_str("  <url><loc>");
        xml.push_str(&crate::site::theme::escape_html(&format!(
            "{base}{}",
            encode_path(url)
        )));
        xml.push_str("</loc>");
        if let Some(date) = lastmod {
            xml.push_str("<lastmod>");
            xml.push_str(&date);
            xml.push_str("</lastmod>");
        }
        xml.push_str("</url>\n");
    };
    let mut urls: Vec<(&str, Option<String>)> =
        section_urls.iter().map(|u| (u.as_str(), None)).collect();
    // Section pages (`index.md`) are already listed as sections.
    urls.extend(
        handbook
            .documents
            .iter()
            .filter(|d| !d.is_index())
            .map(|d| (d.url.as_str(), d.meta.last_reviewed.map(|x| x.to_string()))),
    );
    urls.sort();
    for (url, lastmod) in urls {
        push(url, lastmod);
    }
    xml.push_str("</urlset>\n");
    xml
}

/// Percent-encodes what may not stand in a URL path (spaces, non-ASCII), keeping `/`.
pub fn encode_path(path: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'<')
        .add(b'>')
        .add(b'?')
        .add(b'`')
        .add(b'{')
        .add(b'}')
        .add(b'%');
    percent_encoding::utf8_percent_encode(path, SET).to_string()
}
