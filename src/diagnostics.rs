//! Diagnostics: the problems a run found in the handbook, each pinned to a file and line.
//!
//! Content problems are collected across the whole handbook instead of returned early, so one
//! run lists every bad file. This module only describes and formats them; deciding what a
//! diagnostic means for the exit code happens in the commands.

use std::fmt;

/// How bad a diagnostic is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One problem, pinned to a file (relative to the handbook root, `/`-separated) and a line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A short stable name for the kind of problem (`invalid-document`, `symlink`, ...).
    pub kind: &'static str,
    pub path: String,
    /// 1-based; 0 when the problem concerns the file as a whole.
    pub line: usize,
    /// 1-based; 0 when unknown.
    pub column: usize,
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

/// A [`Diagnostic`] as read back from the build cache.
#[derive(serde::Deserialize)]
struct DiagnosticData {
    severity: Severity,
    kind: String,
    path: String,
    line: usize,
    column: usize,
    message: String,
    help: Option<String>,
}

impl<'de> serde::Deserialize<'de> for Diagnostic {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <DiagnosticData as serde::Deserialize>::deserialize(d).map(Diagnostic::from)
    }
}

impl From<DiagnosticData> for Diagnostic {
    fn from(d: DiagnosticData) -> Diagnostic {
        Diagnostic {
            severity: d.severity,
            kind: crate::cache::intern(d.kind),
            path: d.path,
            line: d.line,
            column: d.column,
            message: d.message,
            help: d.help,
        }
    }
}

impl Diagnostic {
    pub fn error(kind: &'static str, path: impl Into<String>, line: usize) -> Self {
        Self::new(Severity::Error, kind, path, line)
    }

    pub fn warning(kind: &'static str, path: impl Into<String>, line: usize) -> Self {
        Self::new(Severity::Warning, kind, path, line)
    }

    fn new(severity: Severity, kind: &'static str, path: impl Into<String>, line: usize) -> Self {
        Diagnostic {
            severity,
            kind,
            path: path.into(),
            line,
            column: 0,
            message: String::new(),
            help: None,
        }
    }

    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn column(mut self, column: usize) -> Self {
        self.column = column;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The `path:line:col` prefix, leaving out the parts that are unknown.
    pub fn location(&self) -> String {
        match (self.line, self.column) {
            (0, _) => self.path.clone(),
            (line, 0) => format!("{}:{}", self.path, line),
            (line, col) => format!("{}:{}:{}", self.path, line, col),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}[{}]: {}",
            self.location(),
            self.severity.as_str(),
            self.kind,
            self.message
        )?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// Sorts diagnostics the way every report shows them: by path, then line, then kind.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (a.path.as_str(), a.line, a.column, a.kind, &a.message).cmp(&(
            b.path.as_str(),
            b.line,
            b.column,
            b.kind,
            &b.message,
        ))
    });
}

/// Converts a byte offset into a 1-based (line, column) pair; the column counts characters.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_and_help() {
        let d = Diagnostic::error("invalid-document", "content/a.md", 3)
            .column(7)
            .message("bad date")
            .help("use YYYY-MM-DD");
        assert_eq!(
            d.to_string(),
            "content/a.md:3:7: error[invalid-document]: bad date\n  help: use YYYY-MM-DD"
        );
    }

    #[test]
    fn line_col_counts_characters() {
        let text = "ab\ncé d\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        // 'é' is two bytes; the 'd' is the fourth character of line 2.
        assert_eq!(line_col(text, 7), (2, 4));
    }
}
