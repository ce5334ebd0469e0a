//! The formats of the check report: one file per format, each a function from a
//! [`Report`](crate::check::Report) to text. Formatters only format: which findings exist, their
//! severity and the exit code are decided elsewhere (`check`, the command).

mod github;
mod json;
mod junit;
mod markdown;
mod sarif;
mod text;

pub use github::{escape_data, escape_property};
pub use markdown::MAX_BYTES as MARKDOWN_MAX_BYTES;

use crate::check::{Finding, Report};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// A format of the check report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// For people: grouped by owner, coloured on a terminal.
    Text,
    /// The contract's JSON object.
    Json,
    /// For a CI job summary or an issue; always under 1 MiB.
    Markdown,
    /// JUnit XML: a test suite per file, a test case per check.
    Junit,
    /// GitHub Actions workflow commands (`::error file=…,line=…::…`).
    Github,
    /// SARIF 2.1.0.
    Sarif,
}

pub const FORMATS: &[(&str, Format)] = &[
    ("text", Format::Text),
    ("json", Format::Json),
    ("markdown", Format::Markdown),
    ("junit", Format::Junit),
    ("github", Format::Github),
    ("sarif", Format::Sarif),
];

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FORMATS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(s.trim()))
            .map(|(_, f)| *f)
            .ok_or_else(|| {
                let names: Vec<&str> = FORMATS.iter().map(|(n, _)| *n).collect();
                format!(
                    "`{s}` is not a report format; use one of {}",
                    names.join(", ")
                )
            })
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = FORMATS
            .iter()
            .find(|(_, g)| g == self)
            .map_or("text", |(n, _)| n);
        f.write_str(name)
    }
}

/// How to render: only the text format has a choice (colour).
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// ANSI colours in the text format.
    pub color: bool,
}

impl Format {
    /// The report in this format. Every format ends with a newline.
    pub fn render(self, report: &Report, options: Options) -> String {
        match self {
            Format::Text => text::render(report, options.color),
            Format::Json => json::render(report),
            Format::Markdown => markdown::render(report),
            Format::Junit => junit::render(report),
            Format::Github => github::render(report),
            Format::Sarif => sarif::render(report),
        }
    }
}

/// The heading a finding is listed under: its owners, or `None` for "No owner".
fn owner_key(f: &Finding) -> Option<String> {
    (!f.owners.is_empty()).then(|| f.owners.join(", "))
}

/// Findings grouped by owner (sorted; the findings without owner last), report order kept
/// inside each group.
fn by_owner(report: &Report) -> Vec<(Option<String>, Vec<&Finding>)> {
    let mut groups: BTreeMap<(bool, String), Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        let key = owner_key(f);
        groups
            .entry((key.is_none(), key.unwrap_or_default()))
            .or_default()
            .push(f);
    }
    groups
        .into_iter()
        .map(|((none, name), list)| ((!none).then_some(name), list))
        .collect()
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `3 errors, 1 warning in 42 documents` (or `no findings in 42 documents`).
fn counts(report: &Report) -> String {
    let s = &report.summary;
    let docs = plural(s.documents, "document");
    if report.findings.is_empty() {
        format!("no findings in {docs}")
    } else {
        format!(
            "{}, {} in {docs}",
            plural(s.errors, "error"),
            plural(s.warnings, "warning")
        )
    }
}

/// `path:line`.
fn location(f: &Finding) -> String {
    format!("{}:{}", f.path, f.line)
}
