//! The generated pages: the logs on the type folders' pages (decision log, incident log,
//! runbooks by service, …), one page per owner and per tag with their indexes, and the
//! handbook's health (on the home page in short, on `health.html` in full).

use super::{ChecklistCtx, Crumb, PageCtx, Row, Site};
use crate::freshness::ReviewState;
use crate::handbook::{OWNERS_DIR, TAGS_DIR};
use crate::site::nav::Section;
use crate::taxonomy::{OwnerEntry, TagEntry};
use serde::Serialize;
use std::cmp::Reverse;

/// The most documents of one kind the home page lists by name; the health page lists all.
pub const HOME_LIST_LIMIT: usize = 10;

/// A table of documents of one type, possibly split into groups (runbooks by service).
#[derive(Serialize)]
pub struct LogCtx<'a> {
    /// The type's name, which picks the table's columns (`decision`, `incident`, …).
    pub kind: &'a str,
    pub plural: &'a str,
    pub total: usize,
    pub groups: Vec<GroupCtx<'a>>,
}

#[derive(Serialize)]
pub struct GroupCtx<'a> {
    pub title: Option<String>,
    pub id: Option<String>,
    pub rows: Vec<&'a Row<'a>>,
}

/// An owner as a link.
#[derive(Serialize, Clone)]
pub struct OwnerLink<'a> {
    pub handle: &'a str,
    pub name: Option<&'a str>,
    pub url: String,
}

/// One open follow-up.
#[derive(Serialize)]
pub struct FollowUpCtx<'a> {
    pub text: &'a str,
    pub due: Option<String>,
    pub days_overdue: Option<i64>,
    pub doc_title: &'a str,
    pub doc_url: &'a str,
    pub line: usize,
    pub owners: Vec<OwnerLink<'a>>,
}

#[derive(Serialize)]
pub struct OwnerPageCtx<'a> {
    pub handle: &'a str,
    pub name: Option<&'a str>,
    pub contact: Option<&'a str>,
    pub listed: bool,
    pub members: Vec<OwnerLink<'a>>,
    pub member_of: Vec<OwnerLink<'a>>,
    pub documents: Vec<&'a Row<'a>>,
    pub needs_review: usize,
    pub followups: Vec<FollowUpCtx<'a>>,
    pub overdue: usize,
}

#[derive(Serialize)]
pub struct OwnerRowCtx<'a> {
    pub owner: OwnerLink<'a>,
    pub contact: Option<&'a str>,
    pub documents: usize,
    pub needs_review: usize,
    pub followups: usize,
    pub overdue: usize,
}

#[derive(Serialize)]
pub struct TagRowCtx<'a> {
    pub name: &'a str,
    pub url: String,
    pub count: usize,
}

#[derive(Serialize)]
pub struct TagPageCtx<'a> {
    pub name: &'a str,
    pub documents: Vec<&'a Row<'a>>,
}

/// A list of documents behind one number of the health panel.
#[derive(Serialize)]
pub struct HealthList<'a> {
    pub id: &'static str,
    pub title: &'static str,
    pub count: usize,
    pub rows: Vec<&'a Row<'a>>,
    /// Rows left out on the home page.
    pub more: usize,
}

#[derive(Serialize)]
pub struct SectionProgressCtx<'a> {
    pub title: &'a str,
    pub url: &'a str,
    pub documents: usize,
    pub needs_review: usize,
    pub checklist: Option<ChecklistCtx>,
}

#[derive(Serialize, Default)]
pub struct HealthCtx<'a> {
    pub full: bool,
    pub documents: usize,
    pub ok: usize,
    pub exempt: usize,
    pub stale: HealthListOpt<'a>,
    pub due_soon: HealthListOpt<'a>,
    pub never_reviewed: HealthListOpt<'a>,
    pub missing_owner: HealthListOpt<'a>,
    pub followups_open: usize,
    pub overdue: Vec<FollowUpCtx<'a>>,
    pub overdue_count: usize,
    pub overdue_more: usize,
    pub checklist: Option<ChecklistCtx>,
    pub sections: Vec<SectionProgressCtx<'a>>,
}

type HealthListOpt<'a> = Option<HealthList<'a>>;

/// A page the build generates besides documents and sections.
#[derive(Debug, Clone, Copy)]
pub enum Extra<'a> {
    OwnersIndex,
    Owner(&'a OwnerEntry),
    TagsIndex,
    Tag(&'a TagEntry),
    Health,
}

pub fn owner_url(slug: &str) -> String {
    format!("{OWNERS_DIR}/{slug}.html")
}

pub fn tag_url(slug: &str) -> String {
    format!("{TAGS_DIR}/{slug}.html")
}

/// `2025-002` from `2025-002-self-managed-kafka.md`: a decision's year and number.
pub(super) fn decision_number(rel: &str) -> Option<(u32, u32, String)> {
    let name = rel.rsplit('/').next()?;
    let year: u32 = name.get(..4)?.parse().ok()?;
    let rest = name.get(4..)?.strip_prefix('-')?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if digits.len() < 2 {
        return None;
    }
    let n: u32 = digits.parse().ok()?;
    Some((year, n, format!("{year}-{digits}")))
}

/// The order RFC statuses are shown in; others follow alphabetically.
const RFC_STATUS_ORDER: &[&str] = &[
    "draft",
    "proposed",
    "in review",
    "review",
    "accepted",
    "approved",
    "implemented",
    "rejected",
    "withdrawn",
    "superseded",
];

impl<'a> Site<'a> {
    /// The extra pages, in a stable order.
    pub(super) fn extras(&self) -> Vec<Extra<'a>> {
        let h = self.handbook;
        let mut extras = vec![Extra::OwnersIndex];
        extras.extend(h.owner_directory.entries.iter().map(Extra::Owner));
        extras.push(Extra::TagsIndex);
        extras.extend(h.tags.iter().map(Extra::Tag));
        extras.push(Extra::Health);
        extras
    }

    pub(super) fn owner_link(&self, handle: &'a str) -> OwnerLink<'a> {
        let entry = self.handbook.owner_directory.get(handle);
        let name = self
            .handbook
            .owners
            .as_ref()
            .and_then(|o| o.get(entry.map_or(handle, |e| e.handle.as_str())))
            .and_then(|o| o.name.as_deref());
        OwnerLink {
            handle,
            name,
            url: entry.map_or_else(String::new, |e| owner_url(&e.slug)),
        }
    }

    pub(super) fn followup(&self, k: usize) -> FollowUpCtx<'a> {
        let f = &self.handbook.followups[k];
        let doc = &self.handbook.documents[f.doc];
        let owners = if f.handles.is_empty() {
            doc.meta.owners.iter().map(|h| self.owner_link(h)).collect()
        } else {
            f.handles.iter().map(|h| self.owner_link(h)).collect()
        };
        FollowUpCtx {
            text: &f.text,
            due: f.due.map(|d| d.to_string()),
            days_overdue: f.days_overdue(self.today),
            doc_title: &doc.title,
            doc_url: &doc.url,
            line: f.line,
            owners,
        }
    }

    /// Follow-ups, the overdue ones first (most overdue first), then by due date.
    fn sorted_followups(&self, mut list: Vec<usize>) -> Vec<usize> {
        let f = &self.handbook.followups;
        list.sort_by_key(|&k| {
            (
                f[k].due.is_none(),
                f[k].due,
                self.handbook.documents[f[k].doc].rel.as_str(),
                f[k].line,
            )
        });
        list
    }

    /// The log of a type on its folder's page: every document of the type in the handbook.
    pub(super) fn log(&self, section: &Section) -> Option<LogCtx<'a>> {
        if section.dir.is_empty() {
            return None;
        }
        let h = self.handbook;
        let t = h
            .types
            .all()
            .find(|t| t.folder.as_deref() == Some(section.dir.as_str()))?;
        let docs: Vec<usize> = (0..h.documents.len())
            .filter(|&i| h.documents[i].doc_type == t.name && !h.documents[i].is_index())
            .collect();
        let total = docs.len();
        let rows =
            |ids: &[usize]| -> Vec<&'a Row<'a>> { ids.iter().map(|&i| self.row(i)).collect() };
        let groups = match t.name.as_str() {
            "decision" => {
                let mut docs = docs;
                docs.sort_by_cached_key(|&i| {
                    let d = &h.documents[i];
                    let number = decision_number(&d.rel).map(|(y, n, _)| (y, n));
                    (
                        Reverse(d.meta.date.map(|x| x.year() as u32).or(number.map(|n| n.0))),
                        Reverse(number),
                        Reverse(d.meta.date),
                        d.title.to_lowercase(),
                    )
                });
                vec![GroupCtx {
                    title: None,
                    id: None,
                    rows: rows(&docs),
                }]
            }
            "incident" => {
                let mut docs = docs;
                docs.sort_by_key(|&i| {
                    let d = &h.documents[i];
                    (Reverse(d.meta.started), Reverse(d.rel.as_str()))
                });
                vec![GroupCtx {
                    title: None,
                    id: None,
                    rows: rows(&docs),
                }]
            }
            "runbook" => self.grouped(docs, |i| h.documents[i].meta.service.clone(), "No service"),
            "rfc" => {
                let mut groups = self.grouped(
                    docs,
                    |i| {
                        h.documents[i]
                            .meta
                            .status
                            .as_ref()
                            .map(|s| s.to_lowercase())
                    },
                    "No status",
                );
                groups.sort_by_key(|g| {
                    let title = g.title.clone().unwrap_or_default().to_lowercase();
                    let rank = RFC_STATUS_ORDER
                        .iter()
                        .position(|s| *s == title)
                        .unwrap_or(RFC_STATUS_ORDER.len());
                    (rank, title)
                });
                for g in &mut groups {
                    if let Some(t) = &mut g.title {
                        *t = capitalize(t);
                    }
                }
                groups
            }
            _ => {
                let mut docs = docs;
                docs.sort_by_cached_key(|&i| h.documents[i].title.to_lowercase());
                vec![GroupCtx {
                    title: None,
                    id: None,
                    rows: rows(&docs),
                }]
            }
        };
        Some(LogCtx {
            kind: &t.name,
            plural: &t.plural,
            total,
            groups,
        })
    }

    /// Documents grouped by a key (alphabetically, documents without one last), each group by
    /// title.
    fn grouped(
        &self,
        docs: Vec<usize>,
        key: impl Fn(usize) -> Option<String>,
        missing: &str,
    ) -> Vec<GroupCtx<'a>> {
        let mut by_key: std::collections::BTreeMap<(bool, String), Vec<usize>> =
            std::collections::BTreeMap::new();
        for i in docs {
            let k = key(i);
            by_key
                .entry((k.is_none(), k.unwrap_or_else(|| missing.to_string())))
                .or_default()
                .push(i);
        }
        by_key
            .into_iter()
            .map(|((_, title), mut ids)| {
                ids.sort_by_cached_key(|&i| self.handbook.documents[i].title.to_lowercase());
                GroupCtx {
                    id: Some(crate::taxonomy::tag_slug(&title)),
                    title: Some(title),
                    rows: ids.iter().map(|&i| self.row(i)).collect(),
                }
            })
            .collect()
    }

    pub(super) fn owner_page(&self, e: &'a OwnerEntry) -> OwnerPageCtx<'a> {
        let h = self.handbook;
        let info = h.owners.as_ref().and_then(|o| o.get(&e.handle));
        let members = info
            .map(|o| o.members.iter().map(|m| self.owner_link(m)).collect())
            .unwrap_or_default();
        let member_of = h
            .owners
            .iter()
            .flat_map(|o| o.by_handle.iter())
            .filter(|(_, o)| {
                o.members.iter().any(|m| {
                    m == &e.handle || m.trim_start_matches('@') == e.handle.trim_start_matches('@')
                })
            })
            .map(|(handle, _)| self.owner_link(handle))
            .collect();
        let mut documents: Vec<usize> = e.documents.clone();
        documents
            .sort_by_cached_key(|&i| (self.state_rank(i), h.documents[i].title.to_lowercase()));
        let followups = self.sorted_followups(e.followups.clone());
        OwnerPageCtx {
            handle: &e.handle,
            name: info.and_then(|o| o.name.as_deref()),
            contact: info.and_then(|o| o.contact.as_deref()),
            listed: e.listed,
            members,
            member_of,
            needs_review: e
                .documents
                .iter()
                .filter(|&&i| self.needs_review(i))
                .count(),
            documents: documents.iter().map(|&i| self.row(i)).collect(),
            overdue: e
                .followups
                .iter()
                .filter(|&&k| h.followups[k].is_overdue(self.today))
                .count(),
            followups: followups.into_iter().map(|k| self.followup(k)).collect(),
        }
    }

    pub(super) fn owner_rows(&self) -> Vec<OwnerRowCtx<'a>> {
        let h = self.handbook;
        h.owner_directory
            .entries
            .iter()
            .map(|e| OwnerRowCtx {
                owner: self.owner_link(&e.handle),
                contact: h
                    .owners
                    .as_ref()
                    .and_then(|o| o.get(&e.handle))
                    .and_then(|o| o.contact.as_deref()),
                documents: e.documents.len(),
                needs_review: e
                    .documents
                    .iter()
                    .filter(|&&i| self.needs_review(i))
                    .count(),
                followups: e.followups.len(),
                overdue: e
                    .followups
                    .iter()
                    .filter(|&&k| h.followups[k].is_overdue(self.today))
                    .count(),
            })
            .collect()
    }

    pub(super) fn tag_rows(&self) -> Vec<TagRowCtx<'a>> {
        self.handbook
            .tags
            .iter()
            .map(|t| TagRowCtx {
                name: &t.name,
                url: tag_url(&t.slug),
                count: t.documents.len(),
            })
            .collect()
    }

    pub(super) fn tag_page(&self, t: &'a TagEntry) -> TagPageCtx<'a> {
        let mut docs = t.documents.clone();
        docs.sort_by_cached_key(|&i| self.handbook.documents[i].title.to_lowercase());
        TagPageCtx {
            name: &t.name,
            documents: docs.iter().map(|&i| self.row(i)).collect(),
        }
    }

    fn needs_review(&self, i: usize) -> bool {
        matches!(
            self.facts.reviews[i].state,
            ReviewState::Stale | ReviewState::NeverReviewed
        )
    }

    /// Stale first, then never reviewed, due soon, the rest.
    fn state_rank(&self, i: usize) -> u8 {
        match self.facts.reviews[i].state {
            ReviewState::Stale => 0,
            ReviewState::NeverReviewed => 1,
            ReviewState::DueSoon => 2,
            ReviewState::Ok => 3,
            ReviewState::Exempt => 4,
        }
    }

    /// The health panel: everything on `health.html` (`full`), the first few of each list on
    /// the home page.
    pub(super) fn health(&self, full: bool) -> HealthCtx<'a> {
        let h = self.handbook;
        let docs = &h.documents;
        let limit = if full { usize::MAX } else { HOME_LIST_LIMIT };
        let mut stale = Vec::new();
        let mut due_soon = Vec::new();
        let mut never = Vec::new();
        let mut no_owner = Vec::new();
        let mut ctx = HealthCtx {
            full,
            documents: docs.len(),
            ..HealthCtx::default()
        };
        for (i, review) in self.facts.reviews.iter().enumerate() {
            match review.state {
                ReviewState::Ok => ctx.ok += 1,
                ReviewState::Stale => stale.push(i),
                ReviewState::DueSoon => due_soon.push(i),
                ReviewState::NeverReviewed => never.push(i),
                ReviewState::Exempt => ctx.exempt += 1,
            }
            if docs[i].meta.owners.is_empty() {
                no_owner.push(i);
            }
        }
        let overdue_days = |i: &usize| self.facts.reviews[*i].days_overdue.unwrap_or(0);
        stale.sort_by_key(|i| (Reverse(overdue_days(i)), *i));
        due_soon.sort_by_key(|i| (self.facts.reviews[*i].next_review, *i));
        let list = |id, title, ids: Vec<usize>| HealthList {
            id,
            title,
            count: ids.len(),
            more: ids.len().saturating_sub(limit),
            rows: ids.iter().take(limit).map(|&i| self.row(i)).collect(),
        };
        ctx.stale = Some(list("stale", "Stale", stale));
        ctx.due_soon = Some(list("due-soon", "Review due soon", due_soon));
        ctx.never_reviewed = Some(list("never-reviewed", "Never reviewed", never));
        ctx.missing_owner = Some(list("no-owner", "Without an owner", no_owner));
        let overdue: Vec<usize> = (0..h.followups.len())
            .filter(|&k| h.followups[k].is_overdue(self.today))
            .collect();
        ctx.followups_open = h.followups.len();
        ctx.overdue_count = overdue.len();
        ctx.overdue_more = overdue.len().saturating_sub(limit);
        ctx.overdue = self
            .sorted_followups(overdue)
            .into_iter()
            .take(limit)
            .map(|k| self.followup(k))
            .collect();
        let done = docs.iter().map(|d| d.rendered.tasks_done()).sum();
        let total = docs.iter().map(|d| d.rendered.tasks.len()).sum();
        ctx.checklist = ChecklistCtx::new(done, total);
        ctx.sections = self
            .nav
            .root
            .sections
            .iter()
            .map(|s| {
                let (done, total, count, needs) = self.section_rollup(s);
                SectionProgressCtx {
                    title: &s.title,
                    url: &s.url,
                    documents: count,
                    needs_review: needs,
                    checklist: ChecklistCtx::new(done, total),
                }
            })
            .collect();
        ctx
    }

    /// (checklist done, checklist total, documents, documents needing review) of a section and
    /// everything below it, its index page included.
    pub(super) fn section_rollup(&self, s: &Section) -> (usize, usize, usize, usize) {
        let docs = &self.handbook.documents;
        let own = s
            .docs
            .iter()
            .chain(s.index_doc.iter())
            .fold((0, 0, 0, 0), |(d, t, n, r), &i| {
                (
                    d + docs[i].rendered.tasks_done(),
                    t + docs[i].rendered.tasks.len(),
                    n + 1,
                    r + usize::from(self.needs_review(i)),
                )
            });
        s.sections.iter().fold(own, |(d, t, n, r), sub| {
            let (sd, st, sn, sr) = self.section_rollup(sub);
            (d + sd, t + st, n + sn, r + sr)
        })
    }

    /// The page context of an extra page, with its URL.
    pub(super) fn extra_page(&self, extra: Extra<'a>) -> (String, PageCtx<'a>) {
        let home = Crumb {
            title: "Home",
            url: "index.html",
        };
        let owners_crumb = Crumb {
            title: "Owners",
            url: "owners/index.html",
        };
        let tags_crumb = Crumb {
            title: "Tags",
            url: "tags/index.html",
        };
        match extra {
            Extra::OwnersIndex => {
                let mut page = PageCtx::generated("owners", "Owners", vec![home]);
                page.owner_index = Some(self.owner_rows());
                ("owners/index.html".to_string(), page)
            }
            Extra::Owner(e) => {
                let ctx = self.owner_page(e);
                let title = ctx.name.unwrap_or(&e.handle);
                let mut page = PageCtx::generated("owner", title, vec![home, owners_crumb]);
                page.owner = Some(ctx);
                (owner_url(&e.slug), page)
            }
            Extra::TagsIndex => {
                let mut page = PageCtx::generated("tags", "Tags", vec![home]);
                page.tag_index = Some(self.tag_rows());
                ("tags/index.html".to_string(), page)
            }
            Extra::Tag(t) => {
                let mut page = PageCtx::generated("tag", &t.name, vec![home, tags_crumb]);
                page.tag = Some(self.tag_page(t));
                (tag_url(&t.slug), page)
            }
            Extra::Health => {
                let mut page = PageCtx::generated("health", "Handbook health", vec![home]);
                page.health = Some(self.health(true));
                ("health.html".to_string(), page)
            }
        }
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decision_numbers_come_from_file_names() {
        assert_eq!(
            decision_number("decisions/2025-002-self-managed-kafka.md"),
            Some((2025, 2, "2025-002".to_string()))
        );
        assert_eq!(decision_number("decisions/use-kafka.md"), None);
        assert_eq!(decision_number("decisions/2025-x.md"), None);
    }
}
