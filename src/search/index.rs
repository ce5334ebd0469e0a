//! The search index as data: documents with their headings as targets, and a sorted term
//! dictionary whose postings say in which target and which field a term occurs.
//!
//! Built from each document's `Rendered::text` and headings (the one Markdown pass already
//! made them); nothing here parses Markdown or HTML.

use super::tokenize::{fold_into, for_each_term};
use crate::cache::Key;
use crate::handbook::{Document, Handbook};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

/// Where a term occurs; a higher field ranks higher.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    bytemuck::NoUninit,
    bytemuck::CheckedBitPattern,
)]
#[repr(u8)]
pub enum Field {
    Body = 0,
    /// Owners, tags, service, status: words a reader may type that are not in the text.
    Meta = 1,
    Heading = 2,
    Title = 3,
}

impl Field {
    pub fn from_code(code: u64) -> Field {
        match code & 3 {
            0 => Field::Body,
            1 => Field::Meta,
            2 => Field::Heading,
            _ => Field::Title,
        }
    }
}

/// A term in one target. Packed: five bytes instead of eight, and a handbook of 50,000 pages
/// has tens of millions of postings while its index is built. On a little-endian machine, a
/// list of postings in memory is the bytes the build cache keeps of it (see `packed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, bytemuck::NoUninit, bytemuck::CheckedBitPattern)]
#[repr(C, packed)]
pub struct Posting {
    /// The target: a document's top (its title and the text before its first heading) or
    /// one of its headings; numbered document by document, in order.
    pub target: u32,
    /// The best field the term occurs in, in that target.
    pub field: Field,
}

/// A document as search results show and filter it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DocEntry {
    pub title: String,
    pub url: String,
    /// Index into `SearchIndex::types`.
    pub doc_type: u32,
    /// Indexes into `SearchIndex::owners`.
    pub owners: Vec<u32>,
    /// Index into `SearchIndex::states`.
    pub state: u32,
    /// Indexes into `SearchIndex::tags`.
    pub tags: Vec<u32>,
    /// The headings, each a target after the document's top: (text, anchor id).
    pub headings: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct SearchIndex {
    /// (name, label) of each document type that occurs, by name.
    pub types: Vec<(String, String)>,
    pub owners: Vec<String>,
    pub tags: Vec<String>,
    pub states: Vec<String>,
    pub docs: Vec<DocEntry>,
    /// Sorted by term; each posting list sorted by target.
    #[serde(with = "packed")]
    pub terms: Vec<(String, Vec<Posting>)>,
    /// For each target, the start of its text, for result snippets. Not kept in the build
    /// cache: made again from the documents for the few chunks an update changes.
    #[serde(skip)]
    pub snippets: Vec<String>,
}

/// Posting lists in the build cache: five bytes a posting (the target in little-endian order,
/// then the field), read and written as one byte string per term. A handbook of 10,000 pages
/// has millions of postings: on a little-endian machine a list is written and read as it lies
/// in memory (a posting is packed), instead of a posting at a time (a sixth of an
/// incremental build's instructions went to that).
mod packed {
    use super::Posting;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    struct List<'a>(&'a [Posting]);

    impl Serialize for List<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            if cfg!(target_endian = "little") {
                return s.serialize_bytes(bytemuck::cast_slice(self.0));
            }
            let mut bytes = Vec::with_capacity(self.0.len() * 5);
            for p in self.0 {
                let target = p.target;
                bytes.extend_from_slice(&target.to_le_bytes());
                bytes.push(p.field as u8);
            }
            s.serialize_bytes(&bytes)
        }
    }

    struct Owned(Vec<Posting>);

    impl<'de> Deserialize<'de> for Owned {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Owned, D::Error> {
            struct Visitor;
            impl serde::de::Visitor<'_> for Visitor {
                type Value = Owned;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("postings of five bytes each, each field 0 to 3")
                }
                fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<Owned, E> {
                    // Checks the length and every field; a damaged list fails to decode
                    // and the index is made again.
                    let list: &[Posting] = bytemuck::checked::try_cast_slice(bytes)
                        .map_err(|_| E::invalid_length(bytes.len(), &self))?;
                    let mut list = list.to_vec();
                    if cfg!(target_endian = "big") {
                        for p in &mut list {
                            p.target = u32::from_le(p.target);
                        }
                    }
                    Ok(Owned(list))
                }
            }
            // A byte buffer, not borrowed bytes: the list is copied out, so a reader may decode
            // it from scratch space it reuses.
            d.deserialize_byte_buf(Visitor)
        }
    }

    pub fn serialize<S: Serializer>(
        terms: &[(String, Vec<Posting>)],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(terms.iter().map(|(t, list)| (t, List(list))))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<(String, Vec<Posting>)>, D::Error> {
        let terms = Vec::<(String, Owned)>::deserialize(d)?;
        Ok(terms.into_iter().map(|(t, list)| (t, list.0)).collect())
    }
}

/// One document's terms: its folded text, once, and one posting per term and target as a
/// byte range of that text (sorted by term, then target); and its targets' snippets.
/// Ranges instead of strings: a large handbook has millions of them.
pub(super) struct DocumentTerms {
    folded: String,
    postings: Vec<(u32, u32, Posting)>,
    pub(super) snippets: Vec<String>,
}

impl DocumentTerms {
    pub(super) fn term(&self, k: usize) -> &str {
        let (start, end, _) = self.postings[k];
        &self.folded[start as usize..end as usize]
    }
}

/// How much of each target's text a result can show (the client shows a part of it, from a
/// little before the first matched word).
pub const SNIPPET_CHARS: usize = 320;

/// What the index needs of one document; the site fills it from the handbook and its facts.
pub struct Source<'a> {
    pub title: &'a str,
    pub url: &'a str,
    pub doc_type: &'a str,
    pub type_label: &'a str,
    pub owners: &'a [String],
    pub tags: &'a [String],
    pub state: &'a str,
    /// Other words the document is found by (service, status).
    pub extra: Vec<&'a str>,
    pub text: &'a str,
    /// (text, id, offset of the heading's section in `text`).
    pub headings: Vec<(&'a str, &'a str, usize)>,
    /// Where the body starts in `text` (after a title heading).
    pub body_start: usize,
}

/// The most text of one document that is indexed: a document longer than this (a log pasted
/// whole, say) is found by its title, headings and first part only, and the build says so.
pub const MAX_TEXT: usize = 1 << 20;

/// How much of `text` is indexed: all of it, or up to [`MAX_TEXT`] bytes, cut between words.
pub fn indexed_len(text: &str) -> usize {
    if text.len() <= MAX_TEXT {
        return text.len();
    }
    let mut end = MAX_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end]
        .rfind(char::is_whitespace)
        .filter(|&space| space > MAX_TEXT / 2)
        .unwrap_or(end)
}

impl<'a> Source<'a> {
    /// A loaded document with its review state; its text is read from where it is kept
    /// (and kept in memory from then on) when it is not in memory.
    pub fn of(handbook: &'a Handbook, i: usize, state: &'a str) -> anyhow::Result<Source<'a>> {
        Source::of_document(handbook, &handbook.documents[i], state)
    }

    /// A document of `handbook` (or a version it replaced) with its review state.
    pub fn of_document(
        handbook: &'a Handbook,
        d: &'a Document,
        state: &'a str,
    ) -> anyhow::Result<Source<'a>> {
        Ok(Source::with_full_text(
            handbook,
            d,
            d.rendered.text.get()?,
            state,
        ))
    }

    /// A document with its text, read by the caller (see [`Body::read`]).
    pub fn with_full_text(
        handbook: &'a Handbook,
        d: &'a Document,
        text: &'a str,
        state: &'a str,
    ) -> Source<'a> {
        let end = indexed_len(text);
        Source::with_text(handbook, d, state, &text[..end], end)
    }

    /// A document without its text: what [`Builder::new`] needs (its headings are those of
    /// the indexed part). The text is read only when it is longer than what is indexed.
    pub fn head_of(
        handbook: &'a Handbook,
        d: &'a Document,
        state: &'a str,
    ) -> anyhow::Result<Source<'a>> {
        let text = &d.rendered.text;
        let end = match text.len() {
            len if len > MAX_TEXT => indexed_len(&text.read()?),
            len => len,
        };
        Ok(Source::with_text(handbook, d, state, "", end))
    }

    /// The key of document `i`'s part of the index ([`crate::search::live::source_key`]),
    /// without reading its text unless it is longer than what is indexed.
    pub fn key_of(handbook: &'a Handbook, i: usize, state: &'a str) -> anyhow::Result<Key> {
        let d = &handbook.documents[i];
        let text = &d.rendered.text;
        if text.len() > MAX_TEXT {
            let text = text.read()?;
            let source = Source::with_full_text(handbook, d, &text, state);
            return Ok(crate::search::live::source_key(&source));
        }
        let head = Source::with_text(handbook, d, state, "", text.len());
        Ok(crate::search::live::key_with_text(&head, text.key()))
    }

    /// `text` is the indexed part of the document's text, `end` its length (the text itself
    /// may be left out when only the key is wanted).
    fn with_text(
        handbook: &'a Handbook,
        d: &'a Document,
        state: &'a str,
        text: &'a str,
        end: usize,
    ) -> Source<'a> {
        let r = &d.rendered;
        Source {
            title: &d.title,
            url: &d.url,
            doc_type: &d.doc_type,
            type_label: handbook
                .types
                .get(&d.doc_type)
                .map_or("Page", |t| t.label.as_str()),
            owners: &d.meta.owners,
            tags: &d.meta.tags,
            state,
            extra: [d.meta.service.as_deref(), d.meta.status.as_deref()]
                .into_iter()
                .flatten()
                .collect(),
            text,
            headings: r
                .headings
                .iter()
                .filter(|h| h.text_offset <= end)
                .map(|h| (h.text.as_str(), h.id.as_str(), h.text_offset))
                .collect(),
            body_start: r
                .title_heading
                .as_ref()
                .map_or(0, |h| (h.text.len() + 1).min(end)),
        }
    }
}

/// Builds the index of `sources`, in their order.
pub fn build(sources: &[Source<'_>]) -> SearchIndex {
    let mut builder = Builder::new(sources);
    builder.add(sources);
    builder.finish()
}

/// An index built a part at a time: the documents' entries first, from their heads, then
/// their terms, a batch of documents at a time, so that a caller can let go of each batch's
/// text once it is indexed.
pub struct Builder {
    index: SearchIndex,
    /// The first target of each document.
    first_target: Vec<u32>,
    /// How many documents' terms were added.
    added: usize,
    dictionary: FxHashMap<Box<str>, Vec<Posting>>,
}

impl Builder {
    /// Numbers the vocabularies and makes each document's entry. `heads` need no text (see
    /// [`Source::head_of`]): the documents [`Builder::add`] gets later, in the same order.
    pub fn new(heads: &[Source<'_>]) -> Builder {
        let mut index = SearchIndex::default();
        let mut types: BTreeMap<&str, &str> = BTreeMap::new();
        let mut owners: BTreeMap<&str, u32> = BTreeMap::new();
        let mut tags: BTreeMap<&str, u32> = BTreeMap::new();
        let mut states: BTreeMap<&str, u32> = BTreeMap::new();
        for s in heads {
            types.insert(s.doc_type, s.type_label);
            owners.extend(s.owners.iter().map(|o| (o.as_str(), 0)));
            tags.extend(s.tags.iter().map(|t| (t.as_str(), 0)));
            states.insert(s.state, 0);
        }
        let number = |map: &mut BTreeMap<&str, u32>| {
            for (k, v) in map.values_mut().enumerate() {
                *v = k as u32;
            }
        };
        number(&mut owners);
        number(&mut tags);
        number(&mut states);
        let type_ids: BTreeMap<&str, u32> = types
            .keys()
            .enumerate()
            .map(|(k, n)| (*n, k as u32))
            .collect();
        index.types = types
            .iter()
            .map(|(n, l)| (n.to_string(), l.to_string()))
            .collect();
        index.owners = owners.keys().map(|s| s.to_string()).collect();
        index.tags = tags.keys().map(|s| s.to_string()).collect();
        index.states = states.keys().map(|s| s.to_string()).collect();

        let mut first_target = Vec::with_capacity(heads.len());
        let mut next = 0u32;
        for s in heads {
            first_target.push(next);
            next += 1 + s.headings.len() as u32;
            index.docs.push(DocEntry {
                title: s.title.to_string(),
                url: s.url.to_string(),
                doc_type: type_ids[s.doc_type],
                owners: s.owners.iter().map(|o| owners[o.as_str()]).collect(),
                state: states[s.state],
                tags: s.tags.iter().map(|t| tags[t.as_str()]).collect(),
                headings: s
                    .headings
                    .iter()
                    .map(|(t, id, _)| (t.to_string(), id.to_string()))
                    .collect(),
            });
        }
        Builder {
            index,
            first_target,
            added: 0,
            dictionary: FxHashMap::default(),
        }
    }

    /// Indexes the terms of the next documents, in order.
    ///
    /// # Panics
    ///
    /// When there are more documents than the heads given to [`Builder::new`].
    pub fn add(&mut self, sources: &[Source<'_>]) {
        // Documents a wave at a time, each wave's runs of documents in parallel: a run's
        // terms, one posting per term and target, in a small dictionary of its own; the runs
        // are then merged in order into the handbook's, so every posting list stays sorted by
        // target. A document's words and folded text live only while its wave does: memory
        // holds the dictionary, not every document's words at once.
        let run = 64;
        let wave = run * rayon::current_num_threads().max(1) * 4;
        let firsts = &self.first_target[self.added..self.added + sources.len()];
        for (docs, firsts) in sources.chunks(wave).zip(firsts.chunks(wave)) {
            let runs: Vec<(Dictionary, Vec<String>)> = docs
                .par_chunks(run)
                .zip(firsts.par_chunks(run))
                .map(|(docs, firsts)| {
                    let mut dictionary = Dictionary::default();
                    let mut snippets = Vec::new();
                    for (s, &base) in docs.iter().zip(firsts) {
                        let doc = document_postings(s, base);
                        let mut k = 0;
                        while k < doc.postings.len() {
                            let term = doc.term(k);
                            // One lookup per term of the document, for all its targets.
                            let n = doc.postings[k..]
                                .iter()
                                .take_while(|&&(s, e, _)| {
                                    &doc.folded[s as usize..e as usize] == term
                                })
                                .count();
                            dictionary.add(term, doc.postings[k..k + n].iter().map(|p| p.2));
                            k += n;
                        }
                        snippets.extend(doc.snippets);
                    }
                    (dictionary, snippets)
                })
                .collect();
            for (part, snippets) in runs {
                for (term, postings) in part.0 {
                    match self.dictionary.get_mut(&term) {
                        Some(list) => list.extend(postings),
                        None => {
                            self.dictionary.insert(term, postings);
                        }
                    }
                }
                self.index.snippets.extend(snippets);
            }
        }
        self.added += sources.len();
    }

    /// The index, its dictionary sorted.
    pub fn finish(self) -> SearchIndex {
        let Builder {
            mut index,
            dictionary,
            ..
        } = self;
        // Posting lists grew by doubling; the index keeps them for the rest of the build, so
        // each is copied to its exact size (the allocator would keep the block when asked to
        // shrink it by less than half).
        let mut terms: Vec<(String, Vec<Posting>)> = dictionary
            .into_iter()
            .map(|(t, p)| {
                let p = if p.capacity() > p.len() + p.len() / 8 {
                    p.as_slice().to_vec()
                } else {
                    p
                };
                (t.into_string(), p)
            })
            .collect();
        terms.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
        index.terms = terms;
        index
    }
}

impl DocumentTerms {
    /// Each term with its postings, in term order.
    pub(super) fn by_term(&self) -> Vec<(&str, Vec<Posting>)> {
        let mut out: Vec<(&str, Vec<Posting>)> = Vec::new();
        for (k, &(_, _, posting)) in self.postings.iter().enumerate() {
            let term = self.term(k);
            match out.last_mut() {
                Some((last, list)) if *last == term => list.push(posting),
                _ => out.push((term, vec![posting])),
            }
        }
        out
    }
}

/// Terms and their postings, in the order they were added.
#[derive(Default)]
struct Dictionary(FxHashMap<Box<str>, Vec<Posting>>);

impl Dictionary {
    fn add(&mut self, term: &str, postings: impl Iterator<Item = Posting>) {
        match self.0.get_mut(term) {
            Some(list) => list.extend(postings),
            None => {
                self.0.insert(term.into(), postings.collect());
            }
        }
    }
}

/// Where the sections of `s` start and end in its text: the top, then one per heading.
fn section_bounds(s: &Source<'_>) -> Vec<usize> {
    let mut bounds: Vec<usize> = Vec::with_capacity(s.headings.len() + 2);
    bounds.push(s.body_start.min(s.text.len()));
    for (_, _, offset) in &s.headings {
        let last = *bounds.last().unwrap_or(&0);
        bounds.push((*offset).clamp(last, s.text.len()));
    }
    bounds.push(s.text.len());
    bounds
}

/// Section `k` of `s` (see [`section_bounds`]), and its text after its heading: what its
/// snippet is made from.
fn section<'t>(s: &Source<'t>, bounds: &[usize], k: usize) -> (&'t str, &'t str) {
    let section = s.text.get(bounds[k]..bounds[k + 1]).unwrap_or("");
    let body = match k {
        0 => section,
        _ => {
            let heading = s.headings[k - 1].0;
            section
                .trim_start()
                .strip_prefix(heading)
                .unwrap_or(section)
        }
    };
    (section, body)
}

/// The snippets of the targets of `s`: those [`document_postings`] gives, without the work
/// of the postings.
pub fn document_snippets(s: &Source<'_>) -> Vec<String> {
    let bounds = section_bounds(s);
    (0..=s.headings.len())
        .map(|k| snippet(section(s, &bounds, k).1))
        .collect()
}

/// [`document_snippets`] of document `i` of `handbook` with review state `state`, its text
/// read (from the build cache when it is there) and not kept.
pub fn snippets_of(handbook: &Handbook, i: usize, state: &str) -> anyhow::Result<Vec<String>> {
    let d = &handbook.documents[i];
    let text = d.rendered.text.read()?;
    Ok(document_snippets(&Source::with_full_text(
        handbook, d, &text, state,
    )))
}

/// The postings of one document (sorted by term, then target) and its targets' snippets.
pub(super) fn document_postings(s: &Source<'_>, base: u32) -> DocumentTerms {
    let bounds = section_bounds(s);
    let mut meta = String::new();
    for word in s
        .owners
        .iter()
        .chain(s.tags)
        .map(String::as_str)
        .chain(s.extra.iter().copied())
    {
        meta.push_str(word);
        meta.push(' ');
    }
    // Every piece of the document folded into one string: (target, field, range), in the
    // order of their targets (the title and the owners, tags and so on belong to the first).
    let mut folded = String::with_capacity(s.text.len() + s.title.len() + meta.len() + 64);
    let mut pieces: Vec<(u32, Field, usize, usize)> = Vec::with_capacity(2 * bounds.len() + 2);
    let mut add = |folded: &mut String, target: u32, field: Field, text: &str| {
        let start = folded.len();
        fold_into(text, folded);
        pieces.push((target, field, start, folded.len()));
        folded.push('\n');
    };
    add(&mut folded, base, Field::Title, s.title);
    add(&mut folded, base, Field::Meta, &meta);
    let mut snippets = Vec::with_capacity(s.headings.len() + 1);
    for k in 0..=s.headings.len() {
        let (section, body) = section(s, &bounds, k);
        snippets.push(snippet(body));
        add(&mut folded, base + k as u32, Field::Body, section);
        if k > 0 {
            add(
                &mut folded,
                base + k as u32,
                Field::Heading,
                s.headings[k - 1].0,
            );
        }
    }

    // Each distinct term gets a number (one hash lookup per word), and each word becomes
    // (term, target, field), in target order.
    let mut ids: FxHashMap<&str, u32> = FxHashMap::default();
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    let mut flat: Vec<(u32, u32, Field)> = Vec::with_capacity(folded.len() / 6);
    for &(target, field, start, end) in &pieces {
        for_each_term(&folded[start..end], |t| {
            let id = *ids.entry(t).or_insert_with(|| {
                let at = t.as_ptr() as usize - folded.as_ptr() as usize;
                ranges.push((at as u32, (at + t.len()) as u32));
                (ranges.len() - 1) as u32
            });
            flat.push((id, target, field));
        });
    }
    let term = |id: u32| {
        let (s, e) = ranges[id as usize];
        &folded[s as usize..e as usize]
    };
    let mut order: Vec<u32> = (0..ranges.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| term(a).cmp(term(b)));
    // Where each term's words go once sorted by term: a counting sort, stable, so each
    // term's words stay in target order.
    let mut slot = vec![0u32; ranges.len()];
    let mut counts = vec![0u32; ranges.len()];
    for &(id, _, _) in &flat {
        counts[id as usize] += 1;
    }
    let mut next = 0;
    for &id in &order {
        slot[id as usize] = next;
        next += counts[id as usize];
    }
    let mut sorted = vec![(0u32, 0u32, Field::Body); flat.len()];
    for &(id, target, field) in &flat {
        let at = &mut slot[id as usize];
        sorted[*at as usize] = (id, target, field);
        *at += 1;
    }
    // One posting per term and target, with the best field.
    let mut postings: Vec<(u32, u32, Posting)> = Vec::with_capacity(ranges.len() * 2);
    for (id, target, field) in sorted {
        let (s, e) = ranges[id as usize];
        match postings.last_mut() {
            Some((ls, _, last)) if *ls == s && last.target == target => {
                last.field = Field::max(last.field, field);
            }
            _ => postings.push((s, e, Posting { target, field })),
        }
    }
    DocumentTerms {
        folded,
        postings,
        snippets,
    }
}

/// The first words of a section, whitespace collapsed, cut at a word boundary.
fn snippet(text: &str) -> String {
    let mut out = String::new();
    let mut chars = 0;
    for word in text.split_whitespace() {
        let n = word.chars().count();
        if chars + n + 1 > SNIPPET_CHARS && chars > 0 {
            out.push('…');
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        if n > SNIPPET_CHARS {
            out.extend(word.chars().take(SNIPPET_CHARS));
            out.push('…');
            break;
        }
        out.push_str(word);
        chars += n + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postings_take_five_bytes() {
        // Tens of millions of them are held while a large handbook's index is built.
        assert_eq!(std::mem::size_of::<Posting>(), 5);
    }

    /// The terms of an index as the build cache keeps them.
    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Terms(#[serde(with = "packed")] Vec<(String, Vec<Posting>)>);

    #[test]
    fn posting_lists_are_kept_as_five_bytes_each_little_endian_and_read_back() {
        let postings = vec![
            Posting {
                target: 1,
                field: Field::Title,
            },
            Posting {
                target: 0x0102_0304,
                field: Field::Body,
            },
            Posting {
                target: u32::MAX,
                field: Field::Heading,
            },
        ];
        let terms = Terms(vec![("deploy".into(), postings), ("x".into(), Vec::new())]);
        let bytes = postcard::to_stdvec(&terms).unwrap();
        let list = [
            15, // the list's length in bytes
            1, 0, 0, 0, 3, // target 1, title
            4, 3, 2, 1, 0, // target 0x01020304, body
            255, 255, 255, 255, 2, // the last target, heading
        ];
        let expected = [&[2, 6][..], b"deploy", &list, &[1, b'x', 0]].concat();
        assert_eq!(bytes, expected);
        assert_eq!(postcard::from_bytes::<Terms>(&bytes).unwrap(), terms);
    }

    #[test]
    fn a_damaged_posting_list_does_not_decode() {
        let terms = Terms(vec![(
            "deploy".into(),
            vec![Posting {
                target: 7,
                field: Field::Meta,
            }],
        )]);
        let good = postcard::to_stdvec(&terms).unwrap();
        // A field that is none of the four.
        let mut bad_field = good.clone();
        *bad_field.last_mut().unwrap() = 4;
        assert!(postcard::from_bytes::<Terms>(&bad_field).is_err());
        // A list whose length is not a multiple of five.
        let short = [&[1, 6][..], b"deploy", &[4, 7, 0, 0, 0]].concat();
        assert!(postcard::from_bytes::<Terms>(&short).is_err());
        assert_eq!(postcard::from_bytes::<Terms>(&good).unwrap(), terms);
    }

    fn source<'a>(
        title: &'a str,
        text: &'a str,
        headings: Vec<(&'a str, &'a str, usize)>,
    ) -> Source<'a> {
        Source {
            title,
            url: "a.html",
            doc_type: "runbook",
            type_label: "Runbook",
            owners: &[],
            tags: &[],
            state: "ok",
            extra: vec![],
            text,
            headings,
            body_start: 0,
        }
    }

    fn postings<'a>(index: &'a SearchIndex, term: &str) -> &'a [Posting] {
        index
            .terms
            .iter()
            .find(|(t, _)| t == term)
            .map_or(&[], |(_, p)| p.as_slice())
    }

    #[test]
    fn fields_rank_title_heading_meta_body() {
        let text = "Intro about failover.\nRecovery steps\nPromote the replica. Failover again.\n";
        let offset = text.find("Recovery").unwrap();
        let mut s = source(
            "Database Failover",
            text,
            vec![("Recovery steps", "recovery-steps", offset)],
        );
        let owners = vec!["@platform".to_string()];
        s.owners = &owners;
        s.extra = vec!["postgres"];
        let index = build(&[s]);
        // Title beats the body of the same target; the heading's own section has it as body.
        assert_eq!(
            postings(&index, "failover"),
            [
                Posting {
                    target: 0,
                    field: Field::Title
                },
                Posting {
                    target: 1,
                    field: Field::Body
                }
            ]
        );
        assert_eq!(
            postings(&index, "recovery"),
            [Posting {
                target: 1,
                field: Field::Heading
            }]
        );
        assert_eq!(
            postings(&index, "replica"),
            [Posting {
                target: 1,
                field: Field::Body
            }]
        );
        assert_eq!(
            postings(&index, "platform"),
            [Posting {
                target: 0,
                field: Field::Meta
            }]
        );
        assert_eq!(
            postings(&index, "postgres"),
            [Posting {
                target: 0,
                field: Field::Meta
            }]
        );
        assert_eq!(
            index.snippets,
            [
                "Intro about failover.",
                "Promote the replica. Failover again."
            ]
        );
        assert_eq!(
            index.docs[0].headings,
            [("Recovery steps".to_string(), "recovery-steps".to_string())]
        );
    }

    #[test]
    fn an_index_built_a_batch_at_a_time_is_the_index_built_whole() {
        let texts: Vec<String> = (0..700)
            .map(|k| {
                format!(
                    "shared words {k} word{k}\nStep {}\nrestart service{}\n",
                    k % 7,
                    k % 11
                )
            })
            .collect();
        let titles: Vec<String> = (0..700).map(|k| format!("Runbook {k}")).collect();
        let sources: Vec<Source<'_>> = texts
            .iter()
            .zip(&titles)
            .map(|(text, title)| {
                let at = text.find("Step").unwrap();
                source(title, text, vec![("Step", "step", at)])
            })
            .collect();
        // Heads carry no text: only what the entries need.
        let heads: Vec<Source<'_>> = sources
            .iter()
            .map(|s| Source {
                text: "",
                headings: s.headings.clone(),
                extra: vec![],
                ..*s
            })
            .collect();
        let mut builder = Builder::new(&heads);
        // Batches that do not line up with the builder's own waves.
        for batch in sources.chunks(333) {
            builder.add(batch);
        }
        let index = builder.finish();
        assert_eq!(index, build(&sources));
        assert_eq!(postings(&index, "restart").len(), 700);
        assert_eq!(index.snippets.len(), 1400);
    }

    #[test]
    fn targets_are_numbered_across_documents_and_terms_sorted() {
        let a = source(
            "Zebra",
            "zebra text\nAlpha\nmore\n",
            vec![("Alpha", "alpha", 11)],
        );
        let b = source("Café menu", "beta", vec![]);
        let index = build(&[a, b]);
        assert_eq!(
            postings(&index, "cafe"),
            [Posting {
                target: 2,
                field: Field::Title
            }]
        );
        let names: Vec<&str> = index.terms.iter().map(|(t, _)| t.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        assert_eq!(index.snippets.len(), 3);
    }

    #[test]
    fn long_texts_are_indexed_up_to_the_cap_between_words() {
        assert_eq!(indexed_len("short text"), 10);
        let long = "word ".repeat(MAX_TEXT / 5 + 100);
        let end = indexed_len(&long);
        assert!(end <= MAX_TEXT && end > MAX_TEXT - 5, "{end}");
        assert_eq!(&long[end..end + 1], " ", "cut before a space");
        // Multi-byte characters are never cut in half.
        let wide = "é".repeat(MAX_TEXT);
        let end = indexed_len(&wide);
        assert!(wide.is_char_boundary(end) && end <= MAX_TEXT && end > MAX_TEXT - 2);
    }

    #[test]
    fn snippets_are_cut_at_words() {
        let long = "word ".repeat(100);
        let s = snippet(&long);
        assert!(s.chars().count() <= SNIPPET_CHARS + 1, "{s}");
        assert!(s.ends_with("word…"));
        assert_eq!(snippet("  a\n\n b  "), "a b");
    }

    #[test]
    fn filters_are_numbered_in_sorted_order() {
        let owners_a = vec!["@z".to_string(), "@a".to_string()];
        let tags_b = vec!["db".to_string()];
        let mut a = source("A", "", vec![]);
        a.owners = &owners_a;
        let mut b = source("B", "", vec![]);
        b.tags = &tags_b;
        b.state = "stale";
        b.doc_type = "decision";
        b.type_label = "Decision";
        let index = build(&[a, b]);
        assert_eq!(index.owners, ["@a", "@z"]);
        assert_eq!(index.docs[0].owners, [1, 0]);
        assert_eq!(index.states, ["ok", "stale"]);
        assert_eq!(
            index.types[0],
            ("decision".to_string(), "Decision".to_string())
        );
        assert_eq!(index.docs[1].doc_type, 0);
        assert_eq!(index.docs[1].tags, [0]);
    }
}
