//! The search index kept in memory between rebuilds (`serve`), so that a change to the text
//! of a few documents rewrites only the index files whose words or snippets changed.
//!
//! The files written are always those [`format::write`] would write for the same index, byte
//! for byte: a served site after any number of updates equals a clean build.

use super::format::{self, key_len, shard_key, shard_name, snippet_file, CHUNK};
use super::index::{document_postings, Posting, SearchIndex, Source};
use crate::cache::{Hasher, Key};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

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
}

/// What an update changes in the search folder.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Update {
    /// Files to write (name, contents); `index.js` is always one of them.
    pub write: Vec<(String, Vec<u8>)>,
    /// Files to remove: shards whose last word went away.
    pub remove: Vec<String>,
}

/// What a document's entry in the documents table is made of: a change to any of it changes
/// `index.js` beyond its version, and the numbering of targets.
fn entry<'s>(s: &'s Source<'_>) -> impl PartialEq + 's {
    (
        (s.title, s.url, s.doc_type, s.type_label),
        (s.owners, s.tags, s.state, &s.extra),
        s.headings
            .iter()
            .map(|(t, id, _)| (*t, *id))
            .collect::<Vec<_>>(),
    )
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
        }
    }

    /// Takes new text of documents whose entries (title, URL, type, owners, tags, state,
    /// headings) did not change: `changes` holds (position, old version, new version). Returns
    /// the files to write and remove, or `None`, changing nothing, when an entry changed (the
    /// index must then be built again).
    pub fn update(&mut self, changes: &[(usize, Source<'_>, Source<'_>)]) -> Option<Update> {
        let known = |i: usize| i < self.first_target.len();
        if changes
            .iter()
            .any(|(i, old, new)| !known(*i) || entry(old) != entry(new))
        {
            return None;
        }
        let mut dirty_shards: BTreeSet<String> = BTreeSet::new();
        let mut dirty_chunks: BTreeSet<usize> = BTreeSet::new();
        for (i, old, new) in changes {
            let base = self.first_target[*i];
            let targets = base..base + 1 + old.headings.len() as u32;
            let old = document_postings(old, base);
            let new = document_postings(new, base);
            let (old_terms, new_terms) = (old.by_term(), new.by_term());
            let mut changed: BTreeMap<&str, (&[Posting], &[Posting])> = BTreeMap::new();
            for (term, list) in &old_terms {
                changed.entry(term).or_default().0 = list;
            }
            for (term, list) in &new_terms {
                changed.entry(term).or_default().1 = list;
            }
            for (term, (before, after)) in changed {
                if before != after {
                    self.replace_postings(term, &targets, after);
                    self.postings = self.postings + after.len() - before.len();
                    dirty_shards.insert(shard_key(term, self.key_len).to_string());
                }
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
            let end = ((n + 1) * CHUNK).min(self.index.snippets.len());
            update
                .write
                .push(snippet_file(n, &self.index.snippets[n * CHUNK..end]));
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
        let version = format::version_line(self.files.iter().map(|(n, k)| (n.as_str(), *k)));
        update.write.insert(
            0,
            (
                "index.js".to_string(),
                [version, self.manifest.clone()].concat(),
            ),
        );
        Some(update)
    }

    /// Puts `after` in place of the postings of `term` in `targets` (one document's).
    fn replace_postings(&mut self, term: &str, targets: &Range<u32>, after: &[Posting]) {
        let terms = &mut self.index.terms;
        match terms.binary_search_by(|(t, _)| t.as_str().cmp(term)) {
            Ok(k) => {
                let list = &mut terms[k].1;
                let start = list.partition_point(|p| p.target < targets.start);
                let end = list.partition_point(|p| p.target < targets.end);
                list.splice(start..end, after.iter().copied());
                if list.is_empty() {
                    terms.remove(k);
                }
            }
            Err(k) if !after.is_empty() => terms.insert(k, (term.to_string(), after.to_vec())),
            Err(_) => {}
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

    /// The index as it stands.
    pub fn index(&self) -> &SearchIndex {
        &self.index
    }
}

#[cfg(test)]
mod tests {
    use super::super::index::build;
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

    /// An update gives the files a clean build of the new text gives, whatever the size.
    fn updates_equal_clean_builds(n: usize) {
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
        let files: BTreeMap<String, Vec<u8>> = files.into_iter().collect();
        let changes: Vec<_> = [0, n / 2]
            .into_iter()
            .map(|i| (i, source(before[i]), source(after[i])))
            .collect();
        let update = live.update(&changes).expect("only text changed");
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
        assert_eq!(*live.index(), build(&all(&after)));
    }

    #[test]
    fn an_update_writes_what_a_clean_build_writes() {
        updates_equal_clean_builds(3);
        updates_equal_clean_builds(400);
        // Enough postings for shards by leading characters.
        updates_equal_clean_builds(6_000);
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
            .update(&[(5, doc("Doc", &many[5], None), doc("Doc", &with, None))])
            .unwrap();
        assert!(update.write.iter().any(|(n, _)| *n == shard));
        assert!(update.remove.is_empty());
        let update = live
            .update(&[(5, doc("Doc", &with, None), doc("Doc", &many[5], None))])
            .unwrap();
        assert_eq!(update.remove, [shard]);
        assert_eq!(*live.index(), build(&sources));
    }

    #[test]
    fn a_changed_entry_needs_a_new_index() {
        let text = "some words\n";
        let (mut live, _) = Live::new(build(&[doc("One", text, None)]));
        assert_eq!(
            live.update(&[(0, doc("One", text, None), doc("Two", text, None))]),
            None
        );
        assert_eq!(
            live.update(&[(3, doc("One", text, None), doc("One", "other", None))]),
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
