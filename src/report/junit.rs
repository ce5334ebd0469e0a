//! JUnit XML, for CI systems that show test reports (GitLab's `artifacts:reports:junit`): one
//! test suite per file, one test case per check of a document (`review`, `owner`, `links`,
//! `follow-ups`) and per other kind found in the file. Errors are failures; warnings pass and
//! are listed in the test case's `system-out`.

use crate::check::{Finding, Report};
use crate::diagnostics::Severity;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The checks every document gets a test case for.
const DOCUMENT_CHECKS: &[&str] = &["review", "owner", "links", "follow-ups"];

/// The test case a finding kind belongs to.
fn check_of(kind: &str) -> &str {
    match kind {
        "stale" | "due-soon" | "never-reviewed" | "changed-since-review" => "review",
        "missing-owner" | "unknown-owner" => "owner",
        "broken-link" | "broken-anchor" | "one-sided-supersede" | "unsafe-link" => "links",
        "overdue-action" | "invalid-due-date" => "follow-ups",
        other => other,
    }
}

pub fn render(report: &Report) -> String {
    // path → check → findings; documents get every check, other files only what was found.
    let mut suites: BTreeMap<&str, BTreeMap<&str, Vec<&Finding>>> = BTreeMap::new();
    for path in &report.documents {
        let checks = suites.entry(path).or_default();
        for check in DOCUMENT_CHECKS {
            checks.entry(check).or_default();
        }
    }
    for f in &report.findings {
        suites
            .entry(&f.path)
            .or_default()
            .entry(check_of(f.kind))
            .or_default()
            .push(f);
    }
    let failed = |list: &[&Finding]| list.iter().any(|f| f.severity == Severity::Error);
    let tests: usize = suites.values().map(BTreeMap::len).sum();
    let failures: usize = suites
        .values()
        .flat_map(BTreeMap::values)
        .filter(|l| failed(l))
        .count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"opsbook check {}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">",
        report.today
    );
    for (path, checks) in &suites {
        let suite_failures = checks.values().filter(|l| failed(l)).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{suite_failures}\" errors=\"0\" skipped=\"0\">",
            escape(path),
            checks.len()
        );
        for (check, findings) in checks {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
                escape(path),
                escape(check)
            );
            if findings.is_empty() {
                out.push_str("/>\n");
                continue;
            }
            out.push_str(">\n");
            let (errors, warnings): (Vec<&Finding>, Vec<&Finding>) =
                findings.iter().partition(|f| f.severity == Severity::Error);
            if let Some(first) = errors.first() {
                let message = if errors.len() == 1 {
                    first.message.clone()
                } else {
                    format!("{} problems; the first: {}", errors.len(), first.message)
                };
                let _ = write!(
                    out,
                    "      <failure type=\"{}\" message=\"{}\">",
                    escape(first.kind),
                    escape(&message)
                );
                for f in &errors {
                    out.push_str(&escape(&line(f)));
                    out.push('\n');
                }
                out.push_str("</failure>\n");
            }
            if !warnings.is_empty() {
                out.push_str("      <system-out>");
                for f in &warnings {
                    out.push_str(&escape(&line(f)));
                    out.push('\n');
                }
                out.push_str("</system-out>\n");
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn line(f: &Finding) -> String {
    format!(
        "{}:{}: {}[{}]: {}",
        f.path,
        f.line,
        f.severity.as_str(),
        f.kind,
        f.message
    )
}

/// Text for XML attributes and content: the five entities, and characters XML 1.0 cannot hold
/// (control characters other than tab and newline) replaced by U+FFFD.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escaping() {
        assert_eq!(
            escape("<a href=\"x\">&'\u{1}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;\u{FFFD}"
        );
    }
}
