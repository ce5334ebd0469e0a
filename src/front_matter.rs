//! Front matter: splitting the YAML block off a document and reading its keys.
//!
//! All YAML parsing of the project happens here. Every problem is reported with a line of the
//! `.md` file (not of the YAML block), so an author can jump straight to it. The parser's own
//! limits (alias repetition, nesting depth) protect against hostile input; a size cap on the
//! block bounds the rest.

use crate::freshness::{parse_date, ReviewEvery};
use jiff::civil::Date;
use serde_yaml::Value;
use std::collections::BTreeMap;

/// Front matter larger than this is rejected before it reaches the YAML parser.
pub const MAX_FRONT_MATTER_BYTES: usize = 64 * 1024;

/// A document's text cut into its front matter and its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    /// The YAML between the fences, if the document has front matter.
    pub yaml: Option<&'a str>,
    /// The 1-based line of the file on which the YAML starts.
    pub yaml_line: usize,
    pub body: &'a str,
    /// The 1-based line of the file on which the body starts.
    pub body_line: usize,
}

/// A problem in the front matter, at a line of the `.md` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub help: Option<String>,
}

impl Problem {
    fn at(line: usize, message: impl Into<String>) -> Self {
        Problem {
            line,
            column: 0,
            message: message.into(),
            help: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

fn is_fence(line: &str) -> bool {
    line.trim_end() == "---"
}

/// Splits front matter off a text whose BOM is already removed and whose line endings are `\n`.
///
/// Front matter opens with a line of exactly `---` on the first line and closes with the next
/// line of `---` (or `...`). A text that does not open with `---` has no front matter.
pub fn split(text: &str) -> Result<Split<'_>, Problem> {
    let first_line = text.split('\n').next().unwrap_or("");
    if !is_fence(first_line) {
        let trimmed = first_line.trim_end();
        if trimmed.len() > 3 && trimmed.bytes().all(|b| b == b'-') {
            return Err(Problem::at(
                1,
                format!("the front matter fence is `{trimmed}`; it must be exactly three dashes"),
            )
            .help("write `---` on the first line and on the line after the last key"));
        }
        return Ok(Split {
            yaml: None,
            yaml_line: 0,
            body: text,
            body_line: 1,
        });
    }
    let yaml_start = first_line.len() + 1;
    let mut offset = yaml_start.min(text.len());
    let mut line_no = 2;
    while offset < text.len() {
        let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        let line = &text[offset..end];
        if is_fence(line) || line.trim_end() == "..." {
            let body_start = (end + 1).min(text.len());
            return Ok(Split {
                yaml: Some(&text[yaml_start..offset]),
                yaml_line: 2,
                body: &text[body_start..],
                body_line: line_no + 1,
            });
        }
        offset = end + 1;
        line_no += 1;
    }
    Err(
        Problem::at(1, "the front matter opened on line 1 is never closed")
            .help("add a line `---` after the last front-matter key"),
    )
}

/// The metadata of a document, as written in its front matter.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub doc_type: Option<String>,
    pub owners: Vec<String>,
    pub last_reviewed: Option<Date>,
    pub reviewed_by: Option<String>,
    pub review_every: Option<ReviewEvery>,
    pub status: Option<String>,
    pub tags: Vec<String>,
    pub weight: Option<f64>,
    pub draft: bool,
    pub supersedes: Option<String>,
    pub superseded_by: Option<String>,
    pub severity: Option<String>,
    pub started: Option<Date>,
    /// When a decision was taken or an RFC was written.
    pub date: Option<Date>,
    pub service: Option<String>,
    pub summary: Option<String>,
    /// The line (of the `.md` file) of each top-level key, for findings that point at a key.
    pub key_lines: BTreeMap<String, usize>,
}

impl FrontMatter {
    /// The line of a key in the `.md` file, or 1 when the key is absent.
    pub fn line_of(&self, key: &str) -> usize {
        self.key_lines.get(key).copied().unwrap_or(1)
    }
}

/// Parses the YAML of a split document. Returns every problem found, not just the first.
pub fn parse(split: &Split<'_>) -> Result<FrontMatter, Vec<Problem>> {
    let Some(yaml) = split.yaml else {
        return Ok(FrontMatter::default());
    };
    let base = split.yaml_line;
    if yaml.len() > MAX_FRONT_MATTER_BYTES {
        return Err(vec![Problem::at(
            1,
            format!(
                "the front matter is {} KiB; the limit is {} KiB",
                yaml.len() / 1024,
                MAX_FRONT_MATTER_BYTES / 1024
            ),
        )
        .help("move long text into the body of the document")]);
    }
    let key_lines = top_level_key_lines(yaml, base);
    let value: Value = match serde_yaml::from_str(yaml) {
        Ok(v) => v,
        Err(e) => {
            let (line, column) = e
                .location()
                .map_or((base, 0), |l| (base + l.line() - 1, l.column()));
            let message = clean_yaml_message(&e.to_string());
            let source_line = yaml
                .split('\n')
                .nth(line.saturating_sub(base))
                .unwrap_or("");
            let mut p = Problem::at(line, format!("invalid front matter: {message}"));
            p.column = column;
            return Err(vec![p.help(yaml_help(&message, source_line))]);
        }
    };
    let mapping = match value {
        Value::Null => {
            return Ok(FrontMatter {
                key_lines,
                ..FrontMatter::default()
            })
        }
        Value::Mapping(m) => m,
        other => {
            return Err(vec![Problem::at(
                base,
                format!(
                    "the front matter must be a list of `key: value` lines, found {}",
                    describe(&other)
                ),
            )])
        }
    };

    let mut fm = FrontMatter::default();
    let mut problems = Vec::new();
    for (key, value) in mapping {
        let Value::String(key) = key else {
            problems.push(Problem::at(
                base,
                format!("front matter keys must be names, found {}", describe(&key)),
            ));
            continue;
        };
        let line = key_lines.get(&key).copied().unwrap_or(base);
        let mut field = Field {
            key: &key,
            line,
            problems: &mut problems,
        };
        match key.as_str() {
            "title" => fm.title = field.text(value),
            "type" => fm.doc_type = field.text(value),
            "owner" | "owners" => fm.owners = field.names(value),
            "last_reviewed" => fm.last_reviewed = field.date(value),
            "reviewed_by" => fm.reviewed_by = field.text(value),
            "review_every" => fm.review_every = field.period(value),
            "status" => fm.status = field.text(value),
            "tags" => fm.tags = field.names(value),
            "weight" => fm.weight = field.number(value),
            "draft" => fm.draft = field.flag(value),
            "supersedes" => fm.supersedes = field.text(value),
            "superseded_by" => fm.superseded_by = field.text(value),
            "severity" => fm.severity = field.text(value),
            "started" => fm.started = field.date(value),
            "date" => fm.date = field.date(value),
            "service" => fm.service = field.text(value),
            "summary" | "description" => fm.summary = field.text(value),
            // Other keys are the author's own; they are kept in the file and ignored here.
            _ => {}
        }
    }
    fm.key_lines = key_lines;
    if problems.is_empty() {
        Ok(fm)
    } else {
        Err(problems)
    }
}

/// Reads one key's value with a message that names the key when its shape is wrong.
struct Field<'a> {
    key: &'a str,
    line: usize,
    problems: &'a mut Vec<Problem>,
}

impl Field<'_> {
    fn wrong(&mut self, expected: &str, found: &Value) {
        self.problems.push(
            Problem::at(
                self.line,
                format!(
                    "`{}` must be {expected}, found {}",
                    self.key,
                    describe(found)
                ),
            )
            .help(format!("fix or remove the `{}:` line", self.key)),
        );
    }

    fn scalar_text(value: &Value) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            _ => None,
        }
    }

    fn text(&mut self, value: Value) -> Option<String> {
        match Self::scalar_text(&value) {
            Some(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            _ => {
                self.wrong("text", &value);
                None
            }
        }
    }

    /// A name or a list of names (owners, tags).
    fn names(&mut self, value: Value) -> Vec<String> {
        let items = match value {
            Value::Sequence(items) => items,
            single => vec![single],
        };
        let mut names = Vec::new();
        for item in items {
            match Self::scalar_text(&item) {
                Some(s) if !s.trim().is_empty() => names.push(s.trim().to_string()),
                _ => {
                    self.wrong("a name or a list of names", &item);
                    return Vec::new();
                }
            }
        }
        names
    }

    fn date(&mut self, value: Value) -> Option<Date> {
        let Some(s) = Self::scalar_text(&value) else {
            self.wrong("a date written as YYYY-MM-DD", &value);
            return None;
        };
        match parse_date(&s) {
            Ok(d) => Some(d),
            Err(message) => {
                self.problems.push(
                    Problem::at(self.line, format!("`{}`: {message}", self.key))
                        .help("write the date as YYYY-MM-DD, for example 2026-03-31"),
                );
                None
            }
        }
    }

    fn period(&mut self, value: Value) -> Option<ReviewEvery> {
        let Some(s) = Self::scalar_text(&value) else {
            self.wrong("a review period such as `90d`, `6m` or `never`", &value);
            return None;
        };
        match s.parse() {
            Ok(p) => Some(p),
            Err(message) => {
                self.problems
                    .push(Problem::at(self.line, format!("`{}`: {message}", self.key)));
                None
            }
        }
    }

    fn number(&mut self, value: Value) -> Option<f64> {
        match value.as_f64() {
            Some(n) if n.is_finite() => Some(n),
            _ => {
                self.wrong("a number", &value);
                None
            }
        }
    }

    fn flag(&mut self, value: Value) -> bool {
        match value {
            Value::Bool(b) => b,
            other => {
                self.wrong("`true` or `false`", &other);
                false
            }
        }
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing (an empty value)".to_string(),
        Value::Bool(b) => format!("`{b}`"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("\"{}\"", s.chars().take(60).collect::<String>()),
        Value::Sequence(_) => "a list".to_string(),
        Value::Mapping(_) => "a nested mapping".to_string(),
        Value::Tagged(t) => format!("a value tagged {}", t.tag),
    }
}

/// serde_yaml appends " at line L column C" to its messages; the location is reported apart.
fn clean_yaml_message(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

fn yaml_help(message: &str, source_line: &str) -> String {
    if source_line.starts_with('\t') || message.contains("tab") {
        "indent YAML with spaces, never tabs".to_string()
    } else if message.contains("repetition limit") || message.contains("recursion limit") {
        "the front matter is nested or repeated far beyond what a document needs; simplify it"
            .to_string()
    } else if message.contains("duplicate") {
        "each key may appear once; merge the two lines".to_string()
    } else if message.contains("mapping values are not allowed") {
        "put quotes around a value that contains `: `, e.g. title: \"Failover: the steps\""
            .to_string()
    } else {
        "front matter is YAML `key: value` lines between two `---` lines".to_string()
    }
}

/// The 1-based file line of each top-level key of a YAML block (`key:` at column 0).
fn top_level_key_lines(yaml: &str, base: usize) -> BTreeMap<String, usize> {
    let mut lines = BTreeMap::new();
    for (i, line) in yaml.split('\n').enumerate() {
        let first = line.as_bytes().first().copied().unwrap_or(b' ');
        if first == b' ' || first == b'\t' || first == b'#' || first == b'-' {
            continue;
        }
        let Some(colon) = line.find(':') else {
            continue;
        };
        let key = line[..colon].trim().trim_matches(|c| c == '"' || c == '\'');
        if !key.is_empty() {
            lines.entry(key.to_string()).or_insert(base + i);
        }
    }
    lines
}

/// Reads any YAML file of the handbook (`owners.yml`) into `T`, with the problem at a line of
/// the file. `first_line` is the file line on which `text` starts.
pub fn from_yaml<T: serde::de::DeserializeOwned>(
    text: &str,
    first_line: usize,
) -> Result<T, Problem> {
    if text.len() > 4 * 1024 * 1024 {
        return Err(Problem::at(first_line, "the file is larger than 4 MiB"));
    }
    serde_yaml::from_str(text).map_err(|e| {
        let (line, column) = e
            .location()
            .map_or((first_line, 0), |l| (first_line + l.line() - 1, l.column()));
        let mut p = Problem::at(line, clean_yaml_message(&e.to_string()));
        p.column = column;
        p
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn parse_text(text: &str) -> Result<FrontMatter, Vec<Problem>> {
        let split = split(text).map_err(|p| vec![p])?;
        parse(&split)
    }

    #[test]
    fn splits_and_reports_body_line() {
        let s = split("---\ntitle: A\n---\n# Body\n").unwrap();
        assert_eq!(s.yaml, Some("title: A\n"));
        assert_eq!(s.body, "# Body\n");
        assert_eq!(s.body_line, 4);
    }

    #[test]
    fn f1_no_front_matter_is_all_body() {
        let s = split("# Title\ntext").unwrap();
        assert_eq!(s.yaml, None);
        assert_eq!(s.body_line, 1);
        let s = split("").unwrap();
        assert_eq!((s.yaml, s.body), (None, ""));
    }

    #[test]
    fn f1_unclosed_and_long_fences_are_errors() {
        let p = split("---\ntitle: A\n# no end\n").unwrap_err();
        assert_eq!(p.line, 1);
        assert!(p.message.contains("never closed"));
        let p = split("----\ntitle: A\n----\n").unwrap_err();
        assert!(p.message.contains("exactly three dashes"));
    }

    #[test]
    fn reads_keys() {
        let fm = parse_text(
            "---\ntitle: DB failover\nowner: [\"@platform\", alice]\nlast_reviewed: 2026-05-02\nreview_every: 30d\ntags: [db]\nweight: 2\ndraft: false\ncustom: kept\n---\n",
        )
        .unwrap();
        assert_eq!(fm.title.as_deref(), Some("DB failover"));
        assert_eq!(fm.owners, vec!["@platform", "alice"]);
        assert_eq!(fm.last_reviewed, Some(date(2026, 5, 2)));
        assert_eq!(fm.review_every, Some(ReviewEvery::Days(30)));
        assert_eq!(fm.weight, Some(2.0));
        assert_eq!(fm.line_of("last_reviewed"), 4);
        assert_eq!(fm.line_of("absent"), 1);
    }

    #[test]
    fn y4_no_is_a_name_not_a_boolean() {
        let fm = parse_text("---\ntitle: A\nowner: no\n---\n").unwrap();
        assert_eq!(fm.owners, vec!["no"]);
    }

    #[test]
    fn y4_type_errors_name_the_key_and_line() {
        let problems = parse_text(
            "---\ntitle: A\nowner: 42\nlast_reviewed: 2024-02-30\nstarted: next week\n---\n",
        )
        .unwrap_err();
        assert_eq!(problems.len(), 3);
        assert_eq!(problems[0].line, 3);
        assert!(problems[0].message.contains("`owner`"));
        assert!(problems[0].message.contains("42"));
        assert_eq!(problems[1].line, 4);
        assert!(problems[1].message.contains("not a real calendar date"));
        assert_eq!(problems[2].line, 5);
        let problems = parse_text("---\ntitle: A\nowner: ~\n---\n").unwrap_err();
        assert!(problems[0].message.contains("empty"), "{:?}", problems);
    }

    #[test]
    fn y3_syntax_errors_point_into_the_md_file() {
        let problems = parse_text("---\ntitle: A\nowner: [unclosed\n---\nbody").unwrap_err();
        assert!(problems[0].line >= 3, "{problems:?}");
        let problems = parse_text("---\ntitle: a: b\n---\n").unwrap_err();
        assert_eq!(problems[0].line, 2, "{problems:?}");
        let problems = parse_text("---\ntitle: A\nowner: x\nowner: y\n---\n").unwrap_err();
        assert!(problems[0].message.contains("duplicate"), "{problems:?}");
        let problems = parse_text("---\ntitle: A\ntags:\n\t- a\n---\n").unwrap_err();
        assert_eq!(problems[0].line, 4, "{problems:?}");
    }

    #[test]
    fn y1_alias_bomb_and_deep_nesting_are_rejected() {
        let mut bomb = String::from("---\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (i, name) in ["b", "c", "d", "e", "f", "g", "h", "i"].iter().enumerate() {
            let prev = ["a", "b", "c", "d", "e", "f", "g", "h"][i];
            bomb.push_str(&format!("{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
        }
        bomb.push_str("---\n");
        let problems = parse_text(&bomb).unwrap_err();
        assert!(
            problems[0].message.contains("repetition limit"),
            "{problems:?}"
        );

        let deep = format!("---\ntitle: {}\n---\n", "[".repeat(10_000));
        let problems = parse_text(&deep).unwrap_err();
        assert!(
            problems[0].message.contains("recursion limit"),
            "{problems:?}"
        );
        assert_eq!(problems[0].line, 2);
    }

    #[test]
    fn y4_oversized_front_matter_is_rejected() {
        let big = format!(
            "---\ntitle: A\nnotes: \"{}\"\n---\n",
            "x".repeat(MAX_FRONT_MATTER_BYTES)
        );
        let problems = parse_text(&big).unwrap_err();
        assert!(problems[0].message.contains("limit"));
    }
}
