//! The checks behind `opsbook check`: pure functions from a loaded handbook and a `today`
//! (captured once per run) to a [`Report`] of findings, sorted by path, then line, then kind.
//!
//! Every finding kind of the report is decided here, with its severity and the line it points
//! at. The formats (`report/`) only format a `Report`; the exit policy lives in the command.
//! The one thing read from outside the handbook model is git history ([`crate::git`]) and the
//! text of `owners.yml` (to point at a key's line); [`findings`] gathers both and hands them to
//! the pure [`findings_with`].

use crate::diagnostics::{Diagnostic, Severity};
use crate::freshness::ReviewState;
use crate::git::History;
use crate::handbook::{Document, Handbook};
use crate::owners::OWNERS_FILE;
use jiff::civil::Date;
use std::collections::{BTreeMap, HashMap, HashSet};

/// One finding of the report. Serialized in exactly this field order; `due` and
/// `days_overdue` are left out when they do not apply, `title` is `null` for a file that is
/// not a document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    pub kind: &'static str,
    pub severity: Severity,
    /// Relative to the handbook root, `/`-separated.
    pub path: String,
    /// 1-based; 1 when the finding concerns the file as a whole.
    pub line: usize,
    pub title: Option<String>,
    pub owners: Vec<String>,
    pub message: String,
    /// The date that passed (stale: the next review; overdue-action: the due date) or is
    /// coming (due-soon: the next review).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "opt_date")]
    pub due: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_overdue: Option<i64>,
    /// What to do about it; shown by the text and Markdown formats, not part of the JSON.
    #[serde(skip)]
    pub help: Option<String>,
}

/// Counts of the report: the keys of the contract in its order, then this version's additions.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Summary {
    /// Documents checked: every published document and every Markdown file that could not be
    /// parsed (drafts are not checked).
    pub documents: usize,
    pub errors: usize,
    pub warnings: usize,
    pub stale: usize,
    pub due_soon: usize,
    pub never_reviewed: usize,
    pub missing_owner: usize,
    pub unknown_owner: usize,
    pub broken_link: usize,
    pub broken_anchor: usize,
    pub overdue_action: usize,
    pub invalid_document: usize,
    pub changed_since_review: usize,
    pub unused_owner: usize,
    /// Findings of every other kind (load problems passed through: `symlink`, ...).
    pub other: usize,
}

/// The whole report of one run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    #[serde(serialize_with = "date")]
    pub today: Date,
    pub summary: Summary,
    pub findings: Vec<Finding>,
    /// The path of every document checked (published or invalid), sorted; for the formats
    /// that list what passed (JUnit).
    #[serde(skip)]
    pub documents: Vec<String>,
    /// Things a reader should know about the run itself (a shallow git clone, ...); not
    /// findings, so never part of the exit code or the JSON.
    #[serde(skip)]
    pub notices: Vec<String>,
}

impl Report {
    /// The most severe finding, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// The kinds this module reports itself, with a short description (SARIF rules, JUnit).
pub const KINDS: &[(&str, &str)] = &[
    ("stale", "The document's review is overdue"),
    ("due-soon", "The document's review is due soon"),
    ("never-reviewed", "The document has no last_reviewed date"),
    ("missing-owner", "The document has no owner"),
    ("unknown-owner", "An owner is not listed in owners.yml"),
    ("broken-link", "A link leads to a file that does not exist"),
    (
        "broken-anchor",
        "A link leads to a heading the page does not have",
    ),
    ("overdue-action", "An open follow-up is past its due date"),
    ("invalid-document", "A file that cannot be read or parsed"),
    (
        "changed-since-review",
        "The file was changed in git after its last review",
    ),
    (
        "unused-owner",
        "An owner in owners.yml owns no document and no follow-up",
    ),
];

/// A short description of any kind, including load problems passed through.
pub fn describe(kind: &str) -> String {
    KINDS.iter().find(|(k, _)| *k == kind).map_or_else(
        || format!("Handbook problem: {kind}"),
        |(_, d)| d.to_string(),
    )
}

/// Load problems that mean a file could not be used at all: reported as `invalid-document`.
const INVALID_KINDS: &[&str] = &["invalid-document", "unreadable", "invalid-owners"];

/// What [`findings_with`] needs besides the handbook: read from outside it by [`findings`].
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub history: History,
    /// The text of `owners.yml`, when there is one.
    pub owners_text: Option<String>,
}

/// The report of a handbook as of `today`, with git history when the handbook is in a git
/// checkout.
pub fn findings(handbook: &Handbook, today: Date) -> Report {
    let context = Context {
        history: crate::git::history(&handbook.root, &handbook.config.book.src),
        owners_text: handbook
            .owners
            .as_ref()
            .and_then(|_| std::fs::read_to_string(handbook.root.join(OWNERS_FILE)).ok()),
    };
    findings_with(handbook, today, &context)
}

/// The report of a handbook as of `today`: a pure function of its arguments.
pub fn findings_with(handbook: &Handbook, today: Date, context: &Context) -> Report {
    let by_source: HashMap<&str, &Document> = handbook
        .documents
        .iter()
        .map(|d| (d.source.as_str(), d))
        .collect();
    let mut out = Vec::new();
    let mut notices = Vec::new();
    let changed = match &context.history {
        History::Dates(dates) => Some(dates),
        History::Shallow => {
            notices.push(
                "changed-since-review was not checked: this is a shallow git clone, so the \
                 history of the files is incomplete (fetch it with `git fetch --unshallow`, or \
                 check out with `fetch-depth: 0`)"
                    .to_string(),
            );
            None
        }
        History::Unavailable => None,
    };
    for doc in &handbook.documents {
        document_findings(handbook, doc, today, changed, &mut out);
    }
    followup_findings(handbook, today, &mut out);
    owner_findings(handbook, context.owners_text.as_deref(), &mut out);
    for d in &handbook.diagnostics {
        out.push(from_diagnostic(d, by_source.get(d.path.as_str()).copied()));
    }
    out.sort_by(|a, b| {
        (a.path.as_str(), a.line, a.kind, &a.message).cmp(&(
            b.path.as_str(),
            b.line,
            b.kind,
            &b.message,
        ))
    });
    let mut documents: Vec<String> = handbook
        .documents
        .iter()
        .map(|d| d.source.clone())
        .collect();
    let prefix = crate::files::rel_path(&handbook.content_dir(), &handbook.root)
        .unwrap_or_else(|| "content".into());
    documents.extend(
        handbook
            .unpublished
            .iter()
            .filter(|(_, u)| **u == crate::graph::Unpublished::Invalid)
            .map(|(rel, _)| format!("{prefix}/{rel}")),
    );
    documents.sort();
    let summary = summarize(documents.len(), &out);
    Report {
        today,
        summary,
        findings: out,
        documents,
        notices,
    }
}

fn finding(kind: &'static str, severity: Severity, doc: &Document, line: usize) -> Finding {
    Finding {
        kind,
        severity,
        path: doc.source.clone(),
        line: line.max(1),
        title: Some(doc.title.clone()),
        owners: doc.meta.owners.clone(),
        message: String::new(),
        due: None,
        days_overdue: None,
        help: None,
    }
}

fn plural(n: i64, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn document_findings(
    handbook: &Handbook,
    doc: &Document,
    today: Date,
    changed: Option<&BTreeMap<String, Date>>,
    out: &mut Vec<Finding>,
) {
    let review = handbook.review(doc, today);
    let reviewed_line = doc.meta.line_of("last_reviewed");
    let every = handbook.review_every(doc);
    match review.state {
        ReviewState::Stale => {
            let days = review.days_overdue.unwrap_or(0);
            let mut f = finding("stale", Severity::Error, doc, reviewed_line);
            f.message = format!(
                "review overdue by {} (due {}): last reviewed {}, reviewed every {every}",
                plural(days, "day"),
                fmt_opt_date(review.next_review),
                fmt_opt_date(doc.meta.last_reviewed),
            );
            f.help = Some("review the document, then run `opsbook review PATH`".into());
            f.due = review.next_review;
            f.days_overdue = Some(days);
            out.push(f);
        }
        ReviewState::DueSoon => {
            let left = -review.days_overdue.unwrap_or(0);
            let mut f = finding("due-soon", Severity::Warning, doc, reviewed_line);
            f.message = match left {
                0 => "review due today".to_string(),
                n => format!("review due in {}", plural(n, "day")),
            };
            if let Some(next) = review.next_review {
                f.message.push_str(&format!(" ({next})"));
            }
            f.help = Some("review the document, then run `opsbook review PATH`".into());
            f.due = review.next_review;
            out.push(f);
        }
        ReviewState::NeverReviewed => {
            let mut f = finding("never-reviewed", Severity::Error, doc, 1);
            f.message = format!(
                "never reviewed: a {} is reviewed every {every}",
                doc.doc_type
            );
            f.help = Some("review the document, then run `opsbook review PATH` to date it".into());
            out.push(f);
        }
        ReviewState::Ok | ReviewState::Exempt => {}
    }
    // A record that is never reviewed (a decision, a retired document) cannot be changed
    // "since its review".
    let reviewed = review.state != ReviewState::Exempt;
    if let (Some(changed), Some(last), true) = (changed, doc.meta.last_reviewed, reviewed) {
        if let Some(&commit) = changed.get(&doc.source) {
            if commit > last {
                let mut f = finding(
                    "changed-since-review",
                    Severity::Warning,
                    doc,
                    reviewed_line,
                );
                f.message = format!("changed on {commit}, after its last review on {last}");
                f.help = Some(
                    "check that the document is still right, then run `opsbook review PATH`".into(),
                );
                out.push(f);
            }
        }
    }
    if doc.meta.owners.is_empty() {
        let severity = if handbook.config.checks.require_owner {
            Severity::Error
        } else {
            Severity::Warning
        };
        let mut f = finding("missing-owner", severity, doc, 1);
        f.message = "no owner".to_string();
        f.help = Some("add `owner:` with a team (`\"@platform\"`) or a person".into());
        out.push(f);
    }
}

fn fmt_opt_date(d: Option<Date>) -> String {
    d.map_or_else(|| "never".to_string(), |d| d.to_string())
}

fn followup_findings(handbook: &Handbook, today: Date, out: &mut Vec<Finding>) {
    for f in &handbook.followups {
        if !f.is_overdue(today) {
            continue;
        }
        let doc = &handbook.documents[f.doc];
        let days = f.days_overdue(today).unwrap_or(0);
        let mut finding = finding("overdue-action", Severity::Error, doc, f.line);
        if !f.handles.is_empty() {
            finding.owners = f.handles.clone();
        }
        let who = if f.handles.is_empty() {
            "no one".to_string()
        } else {
            f.handles.join(", ")
        };
        let due = f.due.map(|d| d.to_string()).unwrap_or_default();
        finding.message = format!(
            "follow-up of {who} overdue by {} (due {due}): {}",
            plural(days, "day"),
            f.text.trim()
        );
        finding.help = Some("do it and tick the box, or agree a new date and change `due`".into());
        finding.due = f.due;
        finding.days_overdue = Some(days);
        out.push(finding);
    }
}

/// `unknown-owner` for documents and follow-ups whose owners owners.yml does not list, and
/// `unused-owner` for the listed owners nobody names.
fn owner_findings(handbook: &Handbook, owners_text: Option<&str>, out: &mut Vec<Finding>) {
    let Some(owners) = &handbook.owners else {
        return;
    };
    let directory = &handbook.owner_directory;
    let listed: Vec<&str> = owners.by_handle.keys().map(String::as_str).collect();
    let suggestion = |handle: &str| {
        listed
            .iter()
            .map(|l| (crate::config::edit_distance(handle, l), *l))
            .filter(|(d, _)| *d <= 2)
            .min()
            .map(|(_, l)| format!(" (did you mean `{l}`?)"))
            .unwrap_or_default()
    };
    for entry in directory.entries.iter().filter(|e| !e.listed) {
        let help = format!(
            "add `{}` to owners.yml, or correct the name{}",
            entry.handle,
            suggestion(&entry.handle)
        );
        for &i in &entry.documents {
            let doc = &handbook.documents[i];
            let mut f = finding(
                "unknown-owner",
                Severity::Warning,
                doc,
                doc.meta.line_of("owner"),
            );
            f.message = format!("owner `{}` is not listed in owners.yml", entry.handle);
            f.help = Some(help.clone());
            out.push(f);
        }
        for &k in &entry.followups {
            let followup = &handbook.followups[k];
            let doc = &handbook.documents[followup.doc];
            let mut f = finding("unknown-owner", Severity::Warning, doc, followup.line);
            f.owners = vec![entry.handle.clone()];
            f.message = format!(
                "follow-up owner `{}` is not listed in owners.yml",
                entry.handle
            );
            f.help = Some(help.clone());
            out.push(f);
        }
    }
    // A person listed as a member of a team is in use through the team.
    let members: HashSet<&str> = owners
        .by_handle
        .values()
        .flat_map(|o| o.members.iter().map(String::as_str))
        .collect();
    for entry in &directory.entries {
        if !entry.listed
            || !entry.documents.is_empty()
            || !entry.followups.is_empty()
            || members.contains(entry.handle.as_str())
            || members.contains(entry.handle.trim_start_matches('@'))
        {
            continue;
        }
        out.push(Finding {
            kind: "unused-owner",
            severity: Severity::Warning,
            path: OWNERS_FILE.to_string(),
            line: owners_text.map_or(1, |t| key_line(t, &entry.handle)),
            title: None,
            owners: vec![entry.handle.clone()],
            message: format!("`{}` owns no document and no follow-up", entry.handle),
            due: None,
            days_overdue: None,
            help: Some("give it a document to own, or remove it from owners.yml".into()),
        });
    }
}

/// The line of a top-level key in a YAML mapping (`alice:`, `"@platform":`), or 1.
pub fn key_line(text: &str, key: &str) -> usize {
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end();
        let rest = if let Some(r) = line.strip_prefix(key) {
            r
        } else if let Some(q) = ['"', '\''].into_iter().find(|q| line.starts_with(*q)) {
            match line[1..].strip_prefix(key).and_then(|r| r.strip_prefix(q)) {
                Some(r) => r,
                None => continue,
            }
        } else {
            continue;
        };
        if rest.trim_start().starts_with(':') {
            return i + 1;
        }
    }
    1
}

/// A load diagnostic as a finding: unusable files become `invalid-document` errors, everything
/// else keeps its kind and severity.
fn from_diagnostic(d: &Diagnostic, doc: Option<&Document>) -> Finding {
    let (kind, severity) = if INVALID_KINDS.contains(&d.kind) {
        ("invalid-document", Severity::Error)
    } else {
        (d.kind, d.severity)
    };
    Finding {
        kind,
        severity,
        path: d.path.clone(),
        line: d.line.max(1),
        title: doc.map(|d| d.title.clone()),
        owners: doc.map(|d| d.meta.owners.clone()).unwrap_or_default(),
        message: d.message.clone(),
        due: None,
        days_overdue: None,
        help: d.help.clone(),
    }
}

fn summarize(documents: usize, findings: &[Finding]) -> Summary {
    let mut s = Summary {
        documents,
        ..Summary::default()
    };
    for f in findings {
        match f.severity {
            Severity::Error => s.errors += 1,
            Severity::Warning => s.warnings += 1,
        }
        let count = match f.kind {
            "stale" => &mut s.stale,
            "due-soon" => &mut s.due_soon,
            "never-reviewed" => &mut s.never_reviewed,
            "missing-owner" => &mut s.missing_owner,
            "unknown-owner" => &mut s.unknown_owner,
            "broken-link" => &mut s.broken_link,
            "broken-anchor" => &mut s.broken_anchor,
            "overdue-action" => &mut s.overdue_action,
            "invalid-document" => &mut s.invalid_document,
            "changed-since-review" => &mut s.changed_since_review,
            "unused-owner" => &mut s.unused_owner,
            _ => &mut s.other,
        };
        *count += 1;
    }
    s
}

fn date<S: serde::Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(d)
}

fn opt_date<S: serde::Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.collect_str(d),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_lines_of_owners_yml() {
        let text = "# owners\n\"@platform\":\n  name: P\nalice:\n  name: A\n'@sre' :\n";
        assert_eq!(key_line(text, "@platform"), 2);
        assert_eq!(key_line(text, "alice"), 4);
        assert_eq!(key_line(text, "@sre"), 6);
        assert_eq!(key_line(text, "name"), 1, "nested keys are not top-level");
        assert_eq!(key_line(text, "bob"), 1);
    }

    #[test]
    fn summary_counts_by_kind_and_severity() {
        let f = |kind, severity| Finding {
            kind,
            severity,
            path: "content/a.md".into(),
            line: 1,
            title: None,
            owners: vec![],
            message: String::new(),
            due: None,
            days_overdue: None,
            help: None,
        };
        let s = summarize(
            3,
            &[
                f("stale", Severity::Error),
                f("due-soon", Severity::Warning),
                f("symlink", Severity::Warning),
            ],
        );
        assert_eq!((s.documents, s.errors, s.warnings), (3, 1, 2));
        assert_eq!((s.stale, s.due_soon, s.other), (1, 1, 1));
    }
}
