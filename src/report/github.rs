//! GitHub Actions workflow commands: one `::error` or `::warning` annotation per finding, with
//! file, line and title, then a one-line summary. Printed to a step's output, GitHub shows them
//! on the files (only the first few per step, hence the Markdown summary beside them).

use super::counts;
use crate::check::Report;
use crate::diagnostics::Severity;
use std::fmt::Write;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
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
}
