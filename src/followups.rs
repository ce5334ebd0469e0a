//! Follow-ups: open checklist items that name who does them (`@handle`) or by when
//! (`due YYYY-MM-DD`), the action items of postmortems and plans.
//!
//! Pure text work on the task items the Markdown pass collected.

use crate::freshness::parse_date;
use crate::handbook::Document;
use jiff::civil::Date;

/// One open checklist item with an owner or a due date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    /// Index of the document in the handbook.
    pub doc: usize,
    /// Line of the task item in the file.
    pub line: usize,
    pub text: String,
    /// The `@handles` written in the item, in order, without duplicates (`@platform`).
    pub handles: Vec<String>,
    pub due: Option<Date>,
    /// A `due` followed by something that is not a date (`due 2026-13-01`), as written.
    pub bad_due: Option<String>,
}

impl FollowUp {
    /// Open and past its due date.
    pub fn is_overdue(&self, today: Date) -> bool {
        self.due.is_some_and(|d| d < today)
    }

    /// Days past due, when overdue.
    pub fn days_overdue(&self, today: Date) -> Option<i64> {
        let due = self.due?;
        let days = crate::freshness::days_between(due, today);
        (days > 0).then_some(days)
    }
}

/// Every follow-up of the handbook, in document order then line.
pub fn collect(documents: &[Document]) -> Vec<FollowUp> {
    use rayon::prelude::*;
    documents
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, doc)| {
            doc.rendered
                .tasks
                .iter()
                .filter(|t| !t.done)
                .filter_map(move |task| {
                    let (handles, due, bad_due) = parse(&task.text);
                    if handles.is_empty() && due.is_none() && bad_due.is_none() {
                        return None;
                    }
                    Some(FollowUp {
                        doc: i,
                        line: task.line,
                        text: task.text.clone(),
                        handles,
                        due,
                        bad_due,
                    })
                })
        })
        .collect()
}

/// The handles and due date of one item's text.
pub fn parse(text: &str) -> (Vec<String>, Option<Date>, Option<String>) {
    let mut handles: Vec<String> = Vec::new();
    let mut due = None;
    let mut bad_due = None;
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        if c == '@' && !prev.is_some_and(|p| p.is_alphanumeric() || p == '.' || p == '_') {
            let rest = &text[i + 1..];
            let len = rest
                .char_indices()
                .find(|&(_, c)| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')))
                .map_or(rest.len(), |(k, _)| k);
            let name = rest[..len].trim_end_matches(['.', '/', '-']);
            if !name.is_empty() {
                let handle = format!("@{name}");
                if !handles.contains(&handle) {
                    handles.push(handle);
                }
            }
        }
        prev = Some(c);
    }
    let lower = text.to_lowercase();
    let mut search = 0;
    while let Some(found) = lower[search..].find("due") {
        let at = search + found;
        search = at + 3;
        let before_ok = lower[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let after = &text[at + 3..];
        if !before_ok || !after.starts_with([' ', ':']) {
            continue;
        }
        let word: String = after
            .trim_start_matches([' ', ':'])
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '-')
            .collect();
        if word.is_empty() {
            continue;
        }
        match parse_date(&word) {
            Ok(d) => {
                due = Some(d);
                bad_due = None;
                break;
            }
            Err(_) => bad_due = Some(word),
        }
    }
    (handles, due, bad_due)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_and_due_dates() {
        let (h, d, bad) = parse("Add expiry alert — @security — due 2026-10-01");
        assert_eq!(h, vec!["@security"]);
        assert_eq!(d, Some(jiff::civil::date(2026, 10, 1)));
        assert_eq!(bad, None);
        let (h, d, _) = parse("Pair with @alice and @org/sre-team, Due: 2026-01-31.");
        assert_eq!(h, vec!["@alice", "@org/sre-team"]);
        assert_eq!(d, Some(jiff::civil::date(2026, 1, 31)));
    }

    #[test]
    fn emails_and_words_are_not_handles_or_dates() {
        let (h, d, bad) = parse("Mail ops@example.com about the overdue residue 2026-01-01");
        assert!(h.is_empty());
        assert_eq!(d, None);
        assert_eq!(bad, None);
    }

    #[test]
    fn a_bad_date_is_reported_as_written() {
        let (_, d, bad) = parse("Rotate keys @platform due 2026-13-01");
        assert_eq!(d, None);
        assert_eq!(bad.as_deref(), Some("2026-13-01"));
    }
}
