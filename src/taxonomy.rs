//! Owners and tags across the handbook: who owns which documents and follow-ups, which
//! documents carry which tag, and the page (slug) each of them gets.
//!
//! A handle is written the same way everywhere it names the same owner, with one allowance: a
//! follow-up's `@alice` is the owner `alice` when only `alice` is known (people are often
//! listed without the `@` that teams carry).

use crate::followups::FollowUp;
use crate::handbook::Document;
use crate::owners::Owners;
use crate::slug::Anchors;
use std::collections::BTreeMap;

/// One owner: a team or a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerEntry {
    /// As written in front matter or owners.yml (`@platform`, `alice`).
    pub handle: String,
    /// Its page is `owners/<slug>.html`.
    pub slug: String,
    /// Documents it owns (indices, in path order).
    pub documents: Vec<usize>,
    /// Follow-ups assigned to it (indices into the handbook's follow-ups).
    pub followups: Vec<usize>,
    /// Listed in owners.yml.
    pub listed: bool,
}

/// Every owner of the handbook, sorted by handle.
#[derive(Debug, Clone, Default)]
pub struct OwnerDirectory {
    pub entries: Vec<OwnerEntry>,
    by_handle: rustc_hash::FxHashMap<String, usize>,
    by_slug: rustc_hash::FxHashMap<String, usize>,
}

impl OwnerDirectory {
    pub fn new(documents: &[Document], followups: &[FollowUp], file: Option<&Owners>) -> Self {
        let mut entries: BTreeMap<String, OwnerEntry> = BTreeMap::new();
        if let Some(file) = file {
            for handle in file.by_handle.keys() {
                entry(&mut entries, handle).listed = true;
            }
        }
        for (i, doc) in documents.iter().enumerate() {
            for handle in &doc.meta.owners {
                let e = entry(&mut entries, handle);
                if e.documents.last() != Some(&i) {
                    e.documents.push(i);
                }
            }
        }
        for (k, f) in followups.iter().enumerate() {
            for handle in &f.handles {
                let bare = handle.trim_start_matches('@');
                let known = if !entries.contains_key(handle) && entries.contains_key(bare) {
                    bare
                } else {
                    handle.as_str()
                };
                let e = entry(&mut entries, known);
                if e.followups.last() != Some(&k) {
                    e.followups.push(k);
                }
            }
        }
        let mut anchors = Anchors::default();
        let mut list: Vec<OwnerEntry> = entries.into_values().collect();
        for e in &mut list {
            e.slug = anchors.unique(&owner_slug(&e.handle));
        }
        let by_handle = list
            .iter()
            .enumerate()
            .map(|(i, e)| (e.handle.clone(), i))
            .collect();
        let by_slug = list
            .iter()
            .enumerate()
            .map(|(i, e)| (e.slug.clone(), i))
            .collect();
        OwnerDirectory {
            entries: list,
            by_handle,
            by_slug,
        }
    }

    /// The entry of a handle as written (`@alice` finds `alice` when only that is known).
    pub fn get(&self, handle: &str) -> Option<&OwnerEntry> {
        self.by_handle
            .get(handle)
            .or_else(|| self.by_handle.get(handle.trim_start_matches('@')))
            .map(|&i| &self.entries[i])
    }

    /// The owner whose page is `owners/<slug>.html`.
    pub fn by_slug(&self, slug: &str) -> Option<&OwnerEntry> {
        self.by_slug.get(slug).map(|&i| &self.entries[i])
    }
}

fn entry<'a>(entries: &'a mut BTreeMap<String, OwnerEntry>, handle: &str) -> &'a mut OwnerEntry {
    entries
        .entry(handle.to_string())
        .or_insert_with(|| OwnerEntry {
            handle: handle.to_string(),
            slug: String::new(),
            documents: Vec::new(),
            followups: Vec::new(),
            listed: false,
        })
}

/// The page name of an owner: `@platform` → `platform`, `@org/sre` → `org-sre`.
pub fn owner_slug(handle: &str) -> String {
    tag_slug(handle.trim_start_matches('@'))
}

/// The page name of a tag: lowercase, letters and digits kept, runs of anything else one `-`.
pub fn tag_slug(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.trim().chars() {
        if c.is_alphanumeric() || c == '_' {
            slug.extend(c.to_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.is_empty() {
        slug.push_str("untitled");
    }
    slug
}

/// One tag and the documents that carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagEntry {
    /// As first written (tags that differ only in case or punctuation are one tag).
    pub name: String,
    /// Its page is `tags/<slug>.html`.
    pub slug: String,
    pub documents: Vec<usize>,
}

/// Every tag of the handbook, sorted by slug.
pub fn tags(documents: &[Document]) -> Vec<TagEntry> {
    let mut by_slug: BTreeMap<String, TagEntry> = BTreeMap::new();
    for (i, doc) in documents.iter().enumerate() {
        for tag in &doc.meta.tags {
            let slug = tag_slug(tag);
            let e = by_slug.entry(slug.clone()).or_insert_with(|| TagEntry {
                name: tag.clone(),
                slug,
                documents: Vec::new(),
            });
            if e.documents.last() != Some(&i) {
                e.documents.push(i);
            }
        }
    }
    by_slug.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(owner_slug("@platform"), "platform");
        assert_eq!(owner_slug("@org/sre team"), "org-sre-team");
        assert_eq!(tag_slug("On-call & Paging"), "on-call-paging");
        assert_eq!(tag_slug("Café"), "café");
        assert_eq!(tag_slug("!!!"), "untitled");
    }
}
