//! The search index kept in memory between rebuilds (`serve`), so that a change to the text
//! of a few documents rewrites only the index files whose words or snippets changed.
//!
//! The files written are always those [`format::write`] would write for the same index, byte
//! for byte: a served site after any number of updates equals a clean build.

use super::format::{self, key_len, shard_key, shard_name, snippet_file, CHUNK};
use super::index::{document_postings, Posting, SearchIndex, Source};
use crate::cache::{Hasher, Key, Store};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

/// The size of the pieces [`Live::save`] keeps the manifest in (small in tests, so that their
/// indexes are kept in several).
const MANIFEST_PIECE: usize = if cfg!(test) { 1 << 12 } else { 1 << 20 };

/// An index and what was last written of it.
pub struct Live {
    index: SearchIndex,
    /// The first target of each document.
    first_target: Vec<u32>,
    /// The number of postings, which decides [`Live::key_len`].
    postings: usize,
    key_len: usize,
    shards: BTreeSet<String>,
    /// `index.js` without its version line.
    manifest: Vec<u8>,
    /// Every file but `index.js`, by name, with the hash of its contents.
    files: BTreeMap<String, Key>,
    /// Whether `index.snippets` holds every target's snippet. An index loaded from the build
    /// cache holds none (38 MB of 66 for 10,000 pages): the chunks an update changes are made
    /// again from the documents ([`SnippetsOf`]).
    snippets_kept: bool,
}

/// The snippets of document `i`'s targets ([`super::index::document_snippets`] of its
/// current version),
/// for an index that does not keep them.
pub type SnippetsOf<'a> = dyn Fn(usize) -> anyhow::Result<Vec<String>> + Sync + 'a;

/// What an update changes in the search folder.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Update {
    /// Files to write (name, contents); `index.js` is always one of them.
    pub write: Vec<(String, Vec<u8>)>,
    /// Files to remove: shards whose last word went away.
    pub remove: Vec<String>,
}

impl Live {
    /// Keeps `index` and returns its files, as [`format::write`] makes them.
    pub fn new(index: SearchIndex) -> (Live, Vec<(String, Vec<u8>)>) {
        let files = format::write(&index);
        let written = format::Written {
            files: files
                .iter()
                .skip(1)
                .map(|(name, bytes)| (name.clone(), Hasher::new().piece(bytes).finish()))
                .collect(),
            manifest: files
                .first()
                .and_then(|(_, bytes)| {
                    let at = bytes.iter().position(|&b| b == b'\n')?;
                    Some(bytes[at + 1..].to_vec())
                })
                .unwrap_or_default(),
        };
        (Live::from_written(index, written), files)
    }

    /// Keeps `index`, whose files [`format::write_each`] wrote.
    pub fn from_written(index: SearchIndex, written: format::Written) -> Live {
        let mut first_target = Vec::with_capacity(index.docs.len());
        let mut next = 0u32;
        for d in &index.docs {
            first_target.push(next);
            next += 1 + d.headings.len() as u32;
        }
        let postings = index.terms.iter().map(|(_, p)| p.len()).sum();
        let key_len = key_len(postings);
        let shards = index
            .terms
            .iter()
            .map(|(t, _)| shard_key(t, key_len).to_string())
            .collect();
        Live {
            index,
            first_target,
            postings,
            key_len,
            shards,
            manifest: written.manifest,
            files: written.files.into_iter().collect(),
            snippets_kept: true,
        }
    }

    /// Takes new versions of documents whose entries (title, URL, type, owners, tags, state,
    /// headings) did not change: `changes` holds (position, new version). What each document
    /// had in the index is found in the index itself. Returns the files to write and remove,
    /// or `None`, changing nothing, when an entry changed (the index must then be built
    /// again). An index without its snippets ([`Live::load`]) makes the chunks the changed
    /// documents are in again, with `snippets_of` for the other documents in them; it
    /// returns `None` (then the index is left half updated: build it whole) when that fails
    /// or when every file of the index changes.
    pub fn update(
        &mut self,
        changes: &[(usize, Source<'_>)],
        snippets_of: &SnippetsOf<'_>,
    ) -> Option<Update> {
        if changes.iter().any(|(i, new)| !self.same_entry(*i, new)) {
            return None;
        }
        let mut dirty_shards: BTreeSet<String> = BTreeSet::new();
        let mut dirty_chunks: BTreeSet<usize> = BTreeSet::new();
        let mut fresh: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for (i, new) in changes {
            let base = self.first_target[*i];
            let targets = base..base + 1 + new.headings.len() as u32;
            let new = document_postings(new, base);
            let new_terms = new.by_term();
            // The terms whose postings in this document's targets change, with their new
            // ones: first those the document had (a scan of the dictionary, whose terms
            // are a few tens of thousands), then those it gains.
            let mut changed: Vec<(String, Vec<Posting>)> = Vec::new();
            let mut seen: BTreeSet<&str> = BTreeSet::new();
            for (term, list) in &self.index.terms {
                let before = &list[in_targets(list, &targets)];
                if before.is_empty() {
                    continue;
                }
                seen.insert(term);
                let after = new_terms
                    .binary_search_by(|(t, _)| (*t).cmp(term.as_str()))
                    .map_or(&[][..], |k| &new_terms[k].1[..]);
                if before != after {
                    changed.push((term.clone(), after.to_vec()));
                }
            }
            for (term, after) in &new_terms {
                if !seen.contains(term) {
                    changed.push((term.to_string(), after.clone()));
                }
            }
            for (term, after) in changed {
                let before = self.replace_postings(&term, &targets, &after);
                self.postings = self.postings + after.len() - before;
                dirty_shards.insert(shard_key(&term, self.key_len).to_string());
            }
            if !self.snippets_kept {
                dirty_chunks
                    .extend(targets.start as usize / CHUNK..=(targets.end as usize - 1) / CHUNK);
                fresh.insert(*i, new.snippets);
                continue;
            }
            for (k, snippet) in new.snippets.into_iter().enumerate() {
                let at = base as usize + k;
                if self.index.snippets[at] != snippet {
                    self.index.snippets[at] = snippet;
                    dirty_chunks.insert(at / CHUNK);
                }
            }
        }
        if key_len(self.postings) != self.key_len {
            if !self.snippets_kept {
                return None;
            }
            // Every shard changes its name: write them all anew.
            let (live, files) = Live::new(std::mem::take(&mut self.index));
            let remove = self
                .files
                .keys()
                .filter(|name| !live.files.contains_key(*name))
                .cloned()
                .collect();
            *self = live;
            return Some(Update {
                write: files,
                remove,
            });
        }
        let mut update = Update::default();
        let mut shards_changed = false;
        for key in dirty_shards {
            let range = self.shard_range(&key);
            let name = format!("{}.js", shard_name(&key));
            if range.is_empty() {
                shards_changed |= self.shards.remove(&key);
                self.files.remove(&name);
                update.remove.push(name);
            } else {
                shards_changed |= self.shards.insert(key.clone());
                update
                    .write
                    .push(format::shard_file(&key, self.index.terms[range].iter()));
            }
        }
        for n in dirty_chunks {
            if self.snippets_kept {
                let end = ((n + 1) * CHUNK).min(self.index.snippets.len());
                update
                    .write
                    .push(snippet_file(n, &self.index.snippets[n * CHUNK..end]));
                continue;
            }
            let chunk = self
                .chunk(n, &|d| match fresh.get(&d) {
                    Some(snippets) => Ok(snippets.clone()),
                    None => snippets_of(d),
                })
                .ok()?;
            let (name, bytes) = snippet_file(n, &chunk);
            if self.files.get(&name) != Some(&Hasher::new().piece(&bytes).finish()) {
                update.write.push((name, bytes));
            }
        }
        for (name, bytes) in &update.write {
            self.files
                .insert(name.clone(), Hasher::new().piece(bytes).finish());
        }
        if shards_changed {
            self.manifest = format::manifest(
                &self.index,
                self.key_len,
                self.shards.iter().map(String::as_str),
            );
        }
        update
            .write
            .insert(0, ("index.js".to_string(), self.index_js()));
        Some(update)
    }

    /// `index.js` as it stands: the version of the other files, then the manifest.
    fn index_js(&self) -> Vec<u8> {
        let version = format::version_line(self.files.iter().map(|(n, k)| (n.as_str(), *k)));
        [version, self.manifest.clone()].concat()
    }

    /// Whether document `i` of the index has the entry `new` gives it: same title, URL,
    /// type, owners, tags, state and headings.
    fn same_entry(&self, i: usize, new: &Source<'_>) -> bool {
        let index = &self.index;
        let Some(d) = index.docs.get(i) else {
            return false;
        };
        let named = |ids: &[u32], names: &[String], wanted: &[String]| {
            ids.len() == wanted.len()
                && ids
                    .iter()
                    .zip(wanted)
                    .all(|(&id, w)| names.get(id as usize) == Some(w))
        };
        d.title == new.title
            && d.url == new.url
            && index
                .types
                .get(d.doc_type as usize)
                .is_some_and(|(n, l)| n == new.doc_type && l == new.type_label)
            && named(&d.owners, &index.owners, new.owners)
            && named(&d.tags, &index.tags, new.tags)
            && index.states.get(d.state as usize).map(String::as_str) == Some(new.state)
            && d.headings.len() == new.headings.len()
            && d.headings
                .iter()
                .zip(&new.headings)
                .all(|((t, id), (nt, nid, _))| t == nt && id == nid)
    }

    /// Puts `after` in place of the postings of `term` in `targets` (one document's); how
    /// many postings it replaced.
    fn replace_postings(&mut self, term: &str, targets: &Range<u32>, after: &[Posting]) -> usize {
        let terms = &mut self.index.terms;
        match terms.binary_search_by(|(t, _)| t.as_str().cmp(term)) {
            Ok(k) => {
                let list = &mut terms[k].1;
                let range = in_targets(list, targets);
                let before = range.len();
                list.splice(range, after.iter().copied());
                if list.is_empty() {
                    terms.remove(k);
                }
                before
            }
            Err(k) => {
                if !after.is_empty() {
                    terms.insert(k, (term.to_string(), after.to_vec()));
                }
                0
            }
        }
    }

    /// The terms of shard `key`: those starting with it when it is a whole key, else the one
    /// term shorter than a key that it is.
    fn shard_range(&self, key: &str) -> Range<usize> {
        let terms = &self.index.terms;
        let start = terms.partition_point(|(t, _)| t.as_str() < key);
        let end = if key.chars().count() == self.key_len {
            terms.partition_point(|(t, _)| t.as_str() < key || t.starts_with(key))
        } else {
            start + usize::from(terms.get(start).is_some_and(|(t, _)| t == key))
        };
        start..end
    }

    /// The bytes of the index file `name` as it stands (`snippets_of` as for
    /// [`Live::update`]); `Ok(None)` for a name it has no file of.
    pub fn file(
        &self,
        name: &str,
        snippets_of: &SnippetsOf<'_>,
    ) -> anyhow::Result<Option<Vec<u8>>> {
        if name == "index.js" {
            return Ok(Some(self.index_js()));
        }
        if let Some(n) = name
            .strip_prefix("s-")
            .and_then(|n| n.strip_suffix(".js"))
            .and_then(|n| n.parse::<usize>().ok())
        {
            if n * CHUNK >= self.targets() {
                return Ok(None);
            }
            let chunk = self.chunk(n, snippets_of)?;
            return Ok(Some(snippet_file(n, &chunk).1));
        }
        let Some(key) = self
            .shards
            .iter()
            .find(|key| format!("{}.js", shard_name(key)) == name)
        else {
            return Ok(None);
        };
        let range = self.shard_range(key);
        Ok(Some(
            format::shard_file(key, self.index.terms[range].iter()).1,
        ))
    }

    /// How many targets the index has: its snippets.
    fn targets(&self) -> usize {
        match (self.first_target.last(), self.index.docs.last()) {
            (Some(&first), Some(doc)) => first as usize + 1 + doc.headings.len(),
            _ => 0,
        }
    }

    /// The snippets of chunk `n` (a valid one): kept, or made from the documents whose
    /// targets are in it.
    fn chunk(&self, n: usize, snippets_of: &SnippetsOf<'_>) -> anyhow::Result<Vec<String>> {
        let range = n * CHUNK..((n + 1) * CHUNK).min(self.targets());
        if self.snippets_kept {
            return Ok(self.index.snippets[range].to_vec());
        }
        let mut chunk = Vec::with_capacity(range.len());
        let first_doc = self
            .first_target
            .partition_point(|&f| f as usize <= range.start)
            .saturating_sub(1);
        for d in first_doc..self.index.docs.len() {
            let first = self.first_target[d] as usize;
            if first >= range.end {
                break;
            }
            let snippets = snippets_of(d)?;
            anyhow::ensure!(
                snippets.len() == 1 + self.index.docs[d].headings.len(),
                "the search index's document {d} no longer has its headings"
            );
            chunk.extend(
                (first..)
                    .zip(snippets)
                    .filter(|(t, _)| range.contains(t))
                    .map(|(_, s)| s),
            );
        }
        Ok(chunk)
    }

    /// Every file of the index with the hash of its contents, `index.js` first.
    pub fn files(&self) -> impl Iterator<Item = (&str, Key)> {
        let index_js = Hasher::new().piece(&self.index_js()).finish();
        std::iter::once(("index.js", index_js))
            .chain(self.files.iter().map(|(n, k)| (n.as_str(), *k)))
    }

    /// Keeps the index in cache file `name`, with `sources`: the [`source_key`] of each
    /// document it was built from.
    pub fn save(&self, store: &Store, name: &str, sources: &[Key]) {
        // The manifest (5 MB for 10,000 pages) as byte strings, not a sequence of bytes read
        // back one call at a time; in pieces, each far below what `load_value` decodes in
        // one (it grows with the handbook).
        let manifest: Vec<&serde_bytes::Bytes> = self
            .manifest
            .chunks(MANIFEST_PIECE)
            .map(serde_bytes::Bytes::new)
            .collect();
        store.save_value(name, &sources, &(&self.index, manifest, &self.files));
    }

    /// The index kept in cache file `name` by [`Live::save`], with the keys of the documents
    /// it was built from, when `wanted` accepts those keys.
    pub fn load(
        store: &Store,
        name: &str,
        wanted: impl FnOnce(&[Key]) -> bool,
    ) -> Option<(Vec<Key>, Live)> {
        type Saved = (SearchIndex, Vec<serde_bytes::ByteBuf>, Vec<(String, Key)>);
        let (sources, (index, manifest, files)) =
            store.load_value::<Vec<Key>, Saved>(name, |keys| wanted(keys))?;
        let mut joined = Vec::with_capacity(manifest.iter().map(|piece| piece.len()).sum());
        for piece in &manifest {
            joined.extend_from_slice(piece);
        }
        let manifest = joined;
        let mut live = Live::from_written(index, format::Written { files, manifest });
        live.snippets_kept = false;
        Some((sources, live))
    }

    /// The index as it stands.
    pub fn index(&self) -> &SearchIndex {
        &self.index
    }
}

/// A key for everything of `source` the index holds: two documents with the same key have
/// the same entry, postings and snippets.
pub fn source_key(s: &Source<'_>) -> Key {
    key_with_text(s, Hasher::new().piece(s.text.as_bytes()).finish())
}

/// [`source_key`] of `s` with `text`, the hash of its text, in place of the text (equal to
/// [`crate::cache::Body::key`] of the same text).
pub fn key_with_text(s: &Source<'_>, text: Key) -> Key {
    let mut h = Hasher::new();
    h.piece(s.title.as_bytes())
        .piece(s.url.as_bytes())
        .piece(s.doc_type.as_bytes())
        .piece(s.type_label.as_bytes())
        .piece(s.state.as_bytes());
    for list in [s.owners, s.tags] {
        h.piece(&list.len().to_le_bytes());
        for word in list {
            h.piece(word.as_bytes());
        }
    }
    h.piece(&s.extra.len().to_le_bytes());
    for word in &s.extra {
        h.piece(word.as_bytes());
    }
    h.piece(&text.to_le_bytes())
        .piece(&s.body_start.to_le_bytes())
        .piece(&s.headings.len().to_le_bytes());
    for (text, id, offset) in &s.headings {
        h.piece(text.as_bytes())
            .piece(id.as_bytes())
            .piece(&offset.to_le_bytes());
    }
    h.finish()
}

/// Where the postings of `targets` are in `list` (sorted by target).
fn in_targets(list: &[Posting], targets: &Range<u32>) -> Range<usize> {
    let start = list.partition_point(|p| p.target < targets.start);
    let end = start + list[start..].partition_point(|p| p.target < targets.end);
    start..end
}

#[cfg(test)]
mod tests {
    use super::super::index::{build, document_snippets};
    use super::*;

    fn doc<'a>(title: &'a str, text: &'a str, heading_at: Option<usize>) -> Source<'a> {
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
            headings: heading_at
                .map(|at| vec![("Steps", "steps", at)])
                .unwrap_or_default(),
            body_start: 0,
        }
    }

    /// For an index that keeps its snippets: never asked.
    fn kept_snippets(i: usize) -> anyhow::Result<Vec<String>> {
        panic!("snippets of document {i} asked of an index that keeps them")
    }

    /// Applies `update` to the files of a clean build of the index before it.
    fn apply(mut files: BTreeMap<String, Vec<u8>>, update: Update) -> BTreeMap<String, Vec<u8>> {
        for name in update.remove {
            assert!(files.remove(&name).is_some(), "{name} was never written");
        }
        files.extend(update.write);
        files
    }

    fn texts(n: usize, word: &str) -> Vec<String> {
        (0..n)
            .map(|k| {
                format!(
                    "intro {k} {word}\nSteps\nrun step{k} then {word}{}\n",
                    k % 7
                )
            })
            .collect()
    }

    /// An update gives the files a clean build of the new text gives, whatever the size, to
    /// an index kept in memory or one read back from the build cache without its snippets.
    fn updates_equal_clean_builds(n: usize, through_cache: bool) {
        let before = texts(n, "alpha");
        let mut after = before.clone();
        after[n / 2] = "intro changed café\nSteps\nrun zzzunique then omega\n".to_string();
        after[0] = "intro only words\nSteps\nnothing else\n".to_string();
        let source = |t: &'static str| doc("Doc", t, Some(t.find("Steps").unwrap()));
        let before: Vec<&'static str> = before.into_iter().map(|t| &*t.leak()).collect();
        let after: Vec<&'static str> = after.into_iter().map(|t| &*t.leak()).collect();
        let all = |texts: &[&'static str]| -> Vec<Source<'static>> {
            texts.iter().map(|t| source(t)).collect()
        };
        let (mut live, files) = Live::new(build(&all(&before)));
        let dir = tempfile::tempdir().unwrap();
        if through_cache {
            let store = Store::at(dir.path().to_path_buf());
            live.save(&store, "search.bin", &[]);
            live = Live::load(&store, "search.bin", |_| true).unwrap().1;
            assert!(live.index().snippets.is_empty(), "snippets are not kept");
        }
        let files: BTreeMap<String, Vec<u8>> = files.into_iter().collect();
        let changes: Vec<_> = [0, n / 2]
            .into_iter()
            .map(|i| (i, source(after[i])))
            .collect();
        let asked = std::sync::Mutex::new(Vec::new());
        let snippets_of = |i: usize| {
            asked.lock().unwrap().push(i);
            Ok(document_snippets(&source(after[i])))
        };
        let update = live
            .update(&changes, &snippets_of)
            .expect("only text changed");
        let asked = asked.into_inner().unwrap();
        if through_cache {
            // The other documents of the changed chunks: 32 of 2 targets each.
            assert!(!asked.is_empty() && asked.len() <= 64, "{asked:?}");
        } else {
            assert!(asked.is_empty(), "{asked:?}");
        }
        if n >= 6_000 {
            assert!(
                update.write.len() < files.len() / 2,
                "{} of {} files written",
                update.write.len(),
                files.len()
            );
        }
        let updated = apply(files, update);
        let clean: BTreeMap<String, Vec<u8>> =
            format::write(&build(&all(&after))).into_iter().collect();
        assert_eq!(
            updated.keys().collect::<Vec<_>>(),
            clean.keys().collect::<Vec<_>>()
        );
        for (name, bytes) in &clean {
            assert!(updated[name] == *bytes, "{name} differs from a clean build");
        }
        let mut expected = build(&all(&after));
        if through_cache {
            expected.snippets.clear();
        }
        assert_eq!(*live.index(), expected);
    }

    #[test]
    fn an_update_writes_what_a_clean_build_writes() {
        for through_cache in [false, true] {
            updates_equal_clean_builds(3, through_cache);
            updates_equal_clean_builds(400, through_cache);
            // Enough postings for shards by leading characters.
            updates_equal_clean_builds(6_000, through_cache);
        }
    }

    #[test]
    fn a_kept_index_loads_back_updates_and_makes_each_file_again() {
        let before = texts(6_000, "alpha");
        let sources: Vec<Source<'_>> = before.iter().map(|t| doc("Doc", t, None)).collect();
        let (live, files) = Live::new(build(&sources));
        // Kept in more than one piece.
        assert!(
            live.manifest.len() > MANIFEST_PIECE,
            "{}",
            live.manifest.len()
        );
        let keys: Vec<Key> = sources.iter().map(source_key).collect();
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path().to_path_buf());
        live.save(&store, "search.bin", &keys);
        assert!(
            Live::load(&store, "search.bin", |old| old.len() == 1).is_none(),
            "a head it does not want"
        );
        let (old, mut kept) = Live::load(&store, "search.bin", |_| true).unwrap();
        assert_eq!(old, keys);
        let without_snippets = SearchIndex {
            snippets: Vec::new(),
            ..live.index().clone()
        };
        assert_eq!(*kept.index(), without_snippets);
        // Every file, made again by name, is the file the build wrote (the snippets made
        // again from the documents).
        let snippets_of = |i: usize| Ok(document_snippets(&sources[i]));
        let listed: Vec<(&str, Key)> = kept.files().collect();
        assert_eq!(listed.len(), files.len());
        for (name, bytes) in &files {
            assert_eq!(
                kept.file(name, &snippets_of).unwrap().as_ref(),
                Some(bytes),
                "{name}"
            );
            let key = Hasher::new().piece(bytes).finish();
            assert!(listed.contains(&(name.as_str(), key)), "{name}");
        }
        assert_eq!(kept.file("t-ffff.js", &snippets_of).unwrap(), None);
        assert_eq!(kept.file("s-99999.js", &snippets_of).unwrap(), None);
        // A document whose headings no longer match the index: an error, not a wrong file.
        let headed = doc("Doc", &before[0], Some(0));
        let wrong = |_: usize| Ok(document_snippets(&headed));
        assert!(kept.file("s-0.js", &wrong).is_err());

        // Changed text, and a document the same after all: the index of a clean build.
        let changed = format!("{} zebracorn\n", before[17]);
        let mut after: Vec<Source<'_>> = before.iter().map(|t| doc("Doc", t, None)).collect();
        after[17] = doc("Doc", &changed, None);
        let update = kept
            .update(
                &[
                    (17, doc("Doc", &changed, None)),
                    (3, doc("Doc", &before[3], None)),
                ],
                &|i| Ok(document_snippets(&after[i])),
            )
            .unwrap();
        assert!(update.write.len() < 10, "{} files", update.write.len());
        let clean: BTreeMap<String, Vec<u8>> = format::write(&build(&after)).into_iter().collect();
        for (name, bytes) in &update.write {
            assert!(clean[name] == *bytes, "{name} differs from a clean build");
        }
        assert!(
            update.write.iter().any(|(n, _)| n == "s-0.js"),
            "the changed snippet's chunk"
        );
        assert_eq!(
            *kept.index(),
            SearchIndex {
                snippets: Vec::new(),
                ..build(&after)
            }
        );
        // Snippets that cannot be made: no update.
        let failing = |_: usize| -> anyhow::Result<Vec<String>> { anyhow::bail!("unreadable") };
        let again = format!("{changed} again\n");
        assert_eq!(
            kept.update(&[(17, doc("Doc", &again, None))], &failing),
            None
        );
        assert_ne!(source_key(&after[17]), keys[17]);
        assert_eq!(source_key(&after[3]), keys[3]);

        // A damaged file is not read.
        let path = dir.path().join("search.bin");
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes.len() / 2;
        bytes[at] ^= 1;
        std::fs::write(&path, bytes).unwrap();
        assert!(Live::load(&store, "search.bin", |_| true).is_none());
    }

    #[test]
    fn a_word_that_disappears_removes_its_shard() {
        let many = texts(6_000, "alpha");
        let sources: Vec<Source<'_>> = many.iter().map(|t| doc("Doc", t, None)).collect();
        let (mut live, _) = Live::new(build(&sources));
        assert!(live.key_len > 0, "sharded by leading characters");
        let shard = format!("{}.js", shard_name(shard_key("qxylophone", live.key_len)));
        // A word with a shard of its own, then gone again.
        let with = format!("{}qxylophone\n", many[5]);
        let update = live
            .update(&[(5, doc("Doc", &with, None))], &kept_snippets)
            .unwrap();
        assert!(update.write.iter().any(|(n, _)| *n == shard));
        assert!(update.remove.is_empty());
        let update = live
            .update(&[(5, doc("Doc", &many[5], None))], &kept_snippets)
            .unwrap();
        assert_eq!(update.remove, [shard]);
        assert_eq!(*live.index(), build(&sources));
    }

    #[test]
    fn a_changed_entry_needs_a_new_index() {
        let text = "some words\n";
        let (mut live, _) = Live::new(build(&[doc("One", text, None)]));
        assert_eq!(
            live.update(&[(0, doc("Two", text, None))], &kept_snippets),
            None
        );
        assert_eq!(
            live.update(&[(3, doc("One", "other", None))], &kept_snippets),
            None,
            "a document the index does not have"
        );
        assert_eq!(
            *live.index(),
            build(&[doc("One", text, None)]),
            "nothing changed"
        );
    }
}
