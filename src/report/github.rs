//! GitHub Actions workflow commands: one `::error` or `::warning` annotation per finding, with
//! file, line and title, worst first, then a one-line summary. Printed to a step's output,
//! GitHub shows them on the files, but only the first [`MAX_ANNOTATIONS`] errors and as many
//! warnings of a step: the rest are left out here and counted in one `::notice`, so that none
//! disappears without a word (the Markdown summary and the JSON and SARIF reports hold all).

use super::counts;
use crate::check::{Finding, Report};
use crate::diagnostics::Severity;
use std::cmp::Reverse;
use std::fmt::Write;

/// Annotations of each kind (errors, warnings) GitHub shows for one step.
pub const MAX_ANNOTATIONS: usize = 10;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    // Worst first: errors before warnings, the longest overdue first, then in report order.
    let mut ordered: Vec<&Finding> = report.findings.iter().collect();
    ordered.sort_by_key(|f| (Reverse(f.severity), Reverse(f.days_overdue)));
    let (mut errors, mut warnings, mut left_out) = (0, 0, 0);
    for f in ordered {
        let (command, shown) = match f.severity {
            Severity::Error => ("error", &mut errors),
            Severity::Warning => ("warning", &mut warnings),
        };
        if *shown == MAX_ANNOTATIONS {
            left_out += 1;
            continue;
        }
        *shown += 1;
        let title = match &f.title {
            Some(t) => format!("{}: {t}", f.kind),
            None => f.kind.to_string(),
        };
        let _ = writeln!(
            out,
            "::{command} file={},line={},title={}::{}",
            escape_property(&f.path),
            f.line,
            escape_property(&title),
            escape_data(&f.message)
        );
    }
    if left_out > 0 {
        let _ = writeln!(
            out,
            "::notice title=opsbook check::{left_out} more {} not annotated: GitHub shows {MAX_ANNOTATIONS} errors and {MAX_ANNOTATIONS} warnings per step; every finding is in the json, sarif and markdown reports",
            if left_out == 1 { "finding is" } else { "findings are" }
        );
    }
    for notice in &report.notices {
        let _ = writeln!(out, "::notice title=opsbook check::{}", escape_data(notice));
    }
    let _ = writeln!(out, "opsbook check {}: {}", report.today, counts(report));
    out
}

/// The message of a workflow command: `%`, CR and LF escaped.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property of a workflow command (`file=`, `title=`): also `:` and `,`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r4_workflow_command_escaping() {
        assert_eq!(
            escape_data("50% done\r\nnext: a, b"),
            "50%25 done%0D%0Anext: a, b"
        );
        assert_eq!(
            escape_property("stale: A, B %\nC"),
            "stale%3A A%2C B %25%0AC"
        );
        // `%` first, so an escape is never escaped twice.
        assert_eq!(escape_property("%3A"), "%253A");
    }

    fn finding(severity: Severity, path: &str, days_overdue: Option<i64>) -> Finding {
        Finding {
            kind: if severity == Severity::Error {
                "stale"
            } else {
                "due-soon"
            },
            severity,
            path: path.to_string(),
            line: 4,
            title: None,
            owners: Vec::new(),
            message: "m".to_string(),
            due: None,
            days_overdue,
            help: None,
        }
    }

    /// At most ten of each kind, worst first, and one notice for the rest.
    #[test]
    fn r3_ten_errors_and_ten_warnings_at_most_worst_first_and_a_notice_for_the_rest() {
        let mut findings: Vec<Finding> = (0..14)
            .map(|k| finding(Severity::Error, &format!("e{k:02}.md"), Some(k)))
            .collect();
        findings.extend((0..12).map(|k| finding(Severity::Warning, &format!("w{k:02}.md"), None)));
        findings.push(finding(Severity::Error, "a.md", None));
        let report = Report {
            today: "2026-11-21".parse().unwrap(),
            summary: Default::default(),
            findings,
            documents: Vec::new(),
            notices: Vec::new(),
        };
        let out = render(&report);
        let files: Vec<&str> = out
            .lines()
            .filter_map(|l| l.split_once(" file=")?.1.split(',').next())
            .collect();
        let errors: Vec<String> = (4..14).rev().map(|k| format!("e{k:02}.md")).collect();
        let warnings: Vec<String> = (0..10).map(|k| format!("w{k:02}.md")).collect();
        assert_eq!(files[..10], errors);
        assert_eq!(files[10..], warnings);
        assert_eq!(out.matches("::error ").count(), MAX_ANNOTATIONS);
        assert_eq!(out.matches("::warning ").count(), MAX_ANNOTATIONS);
        let notice: Vec<&str> = out.lines().filter(|l| l.starts_with("::notice ")).collect();
        assert_eq!(notice.len(), 1, "{out}");
        assert!(
            notice[0]
                .starts_with("::notice title=opsbook check::7 more findings are not annotated"),
            "{out}"
        );
        // Nothing left out, no notice.
        let report = Report {
            findings: report.findings[..3].to_vec(),
            ..report
        };
        assert!(!render(&report).contains("::notice"));
    }
}
