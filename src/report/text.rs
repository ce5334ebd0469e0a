//! The text report, for people: findings grouped by owner as `path:line: severity[kind]:
//! message` with a help line, notices, then a one-line summary.

use super::{by_owner, counts, location};
use crate::check::Report;
use crate::diagnostics::Severity;
use std::fmt::Write;

const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[1;33m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

pub fn render(report: &Report, color: bool) -> String {
    let paint = |code: &'static str, text: &str| {
        if color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    };
    let mut out = String::new();
    for (owner, findings) in by_owner(report) {
        let heading = owner.unwrap_or_else(|| "No owner".to_string());
        let _ = writeln!(
            out,
            "{} ({})",
            paint(BOLD, &one_line(&heading)),
            findings.len()
        );
        for f in findings {
            let severity = match f.severity {
                Severity::Error => paint(RED, "error"),
                Severity::Warning => paint(YELLOW, "warning"),
            };
            let _ = writeln!(
                out,
                "  {}: {severity}[{}]: {}",
                one_line(&location(f)),
                f.kind,
                one_line(&f.message)
            );
            if let Some(help) = &f.help {
                let _ = writeln!(
                    out,
                    "    {}",
                    paint(DIM, &format!("help: {}", one_line(help)))
                );
            }
        }
        out.push('\n');
    }
    for notice in &report.notices {
        let _ = writeln!(out, "note: {}", one_line(notice));
    }
    let summary = format!("opsbook check {}: {}", report.today, counts(report));
    let _ = writeln!(out, "{}", paint(BOLD, &summary));
    out
}

/// Text on one line, without control characters (a title cannot move the cursor or fake a
/// line of the report).
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
