//! The Markdown report, for a CI job summary (`$GITHUB_STEP_SUMMARY`) or an issue body: a table
//! of counts, then one section per owner with a table of findings. However large the handbook,
//! it stays under [`MAX_BYTES`] (GitHub refuses bigger step summaries): what does not fit is
//! counted in a last "…and N more" line.

use super::{by_owner, counts};
use crate::check::{Finding, Report};
use std::fmt::Write;

/// The largest report written: 1 MiB, minus a margin for the lines that close it.
pub const MAX_BYTES: usize = 1024 * 1024;
const RESERVE: usize = 4 * 1024;
/// Longer messages are cut: one finding must not take the room of hundreds.
const MAX_CELL_CHARS: usize = 300;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Handbook check {}\n", report.today);
    let _ = writeln!(out, "**{}**\n", capitalize(&counts(report)));
    for notice in &report.notices {
        let _ = writeln!(out, "> **Note:** {}\n", escape(notice, usize::MAX));
    }
    out.push_str("| Check | Findings |\n|---|---:|\n");
    let s = &report.summary;
    for (kind, count) in [
        ("stale", s.stale),
        ("due-soon", s.due_soon),
        ("never-reviewed", s.never_reviewed),
        ("missing-owner", s.missing_owner),
        ("unknown-owner", s.unknown_owner),
        ("broken-link", s.broken_link),
        ("broken-anchor", s.broken_anchor),
        ("overdue-action", s.overdue_action),
        ("invalid-document", s.invalid_document),
        ("changed-since-review", s.changed_since_review),
        ("unused-owner", s.unused_owner),
        ("other", s.other),
    ] {
        let _ = writeln!(out, "| {kind} | {count} |");
    }
    out.push('\n');
    let mut written = 0;
    'groups: for (owner, findings) in by_owner(report) {
        let heading = owner.unwrap_or_else(|| "No owner".to_string());
        let header = format!(
            "## {} ({})\n\n| Severity | Kind | Location | Document | Message |\n|---|---|---|---|---|\n",
            escape(&heading, MAX_CELL_CHARS),
            findings.len()
        );
        if out.len() + header.len() + RESERVE > MAX_BYTES {
            break;
        }
        out.push_str(&header);
        for f in findings {
            let row = row(f);
            if out.len() + row.len() + RESERVE > MAX_BYTES {
                out.push('\n');
                break 'groups;
            }
            out.push_str(&row);
            written += 1;
        }
        out.push('\n');
    }
    let more = report.findings.len() - written;
    if more > 0 {
        let _ = writeln!(
            out,
            "…and {more} more finding{} (the JSON report lists them all).",
            if more == 1 { "" } else { "s" }
        );
    }
    out
}

fn row(f: &Finding) -> String {
    let icon = match f.severity {
        crate::diagnostics::Severity::Error => "🔴 error",
        crate::diagnostics::Severity::Warning => "🟡 warning",
    };
    format!(
        "| {icon} | {} | {}:{} | {} | {} |\n",
        f.kind,
        escape(&f.path, MAX_CELL_CHARS),
        f.line,
        f.title
            .as_deref()
            .map_or(String::new(), |t| escape(t, MAX_CELL_CHARS)),
        escape(&f.message, MAX_CELL_CHARS)
    )
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// Text for a table cell: on one line, at most `max` characters, Markdown and HTML syntax
/// backslash-escaped so a title cannot add links, images, HTML or table columns.
pub fn escape(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!' | '~' | '&' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table_or_add_markup() {
        assert_eq!(
            escape("a|b\n<img src=x> [l](u) `c`", 100),
            "a\\|b \\<img src=x\\> \\[l\\](u) \\`c\\`"
        );
        assert_eq!(escape("abcdef", 3), "abc…");
    }
}
