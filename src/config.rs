//! `book.toml`: the typed, strict configuration of a handbook.
//!
//! Every key has a default, so an empty file is a valid configuration. Unknown keys are not
//! errors but warnings that name the key and its line: a typo such as `due-son-days` must not
//! pass silently. This module reads the file; it knows nothing of documents.

use crate::diagnostics::Diagnostic;
use crate::freshness::ReviewEvery;
use anyhow::{Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const CONFIG_FILE: &str = "book.toml";

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, rename_all = "kebab-case")]
pub struct Config {
    pub book: BookConfig,
    pub build: BuildConfig,
    pub output: OutputConfig,
    pub checks: ChecksConfig,
    pub types: BTreeMap<String, TypeConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct BookConfig {
    pub title: String,
    pub description: Option<String>,
    pub language: String,
    pub src: PathBuf,
}

impl Default for BookConfig {
    fn default() -> Self {
        BookConfig {
            title: "Handbook".to_string(),
            description: None,
            language: "en".to_string(),
            src: PathBuf::from("content"),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct BuildConfig {
    pub build_dir: PathBuf,
    pub site_url: Option<String>,
    pub theme: Option<PathBuf>,
    /// Where builds keep what the next build can reuse (highlighted code, page hashes).
    pub cache_dir: PathBuf,
}

impl Default for BuildConfig {
    fn default() -> Self {
        BuildConfig {
            build_dir: PathBuf::from("book"),
            site_url: None,
            theme: None,
            cache_dir: PathBuf::from(".opsbook-cache"),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, rename_all = "kebab-case")]
pub struct OutputConfig {
    pub html: HtmlConfig,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, rename_all = "kebab-case")]
pub struct HtmlConfig {
    /// `{path}` is replaced by the document's path relative to the handbook root.
    pub edit_url_template: Option<String>,
    pub search: SearchConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct SearchConfig {
    /// Build the search index and show the search box on every page (mdBook's key).
    pub enable: bool,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig { enable: true }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    #[default]
    Error,
    Warning,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct ChecksConfig {
    pub require_owner: bool,
    pub due_soon_days: i64,
    pub broken_links: Level,
}

impl Default for ChecksConfig {
    fn default() -> Self {
        ChecksConfig {
            require_owner: true,
            due_soon_days: 14,
            broken_links: Level::Error,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, rename_all = "kebab-case")]
pub struct TypeConfig {
    /// The folder (directly under the content folder) whose documents get this type.
    pub folder: Option<String>,
    /// `90d`, `6w`, `6m`, `1y` or `never`.
    pub review_every: Option<String>,
    /// How the type is named on the site ("Runbook").
    pub label: Option<String>,
    /// The plural, for index pages and navigation ("Runbooks").
    pub plural: Option<String>,
}

/// A configuration that could not be read: the file, line and column, and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}:{column}: {message}")]
pub struct ConfigError {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl Config {
    /// Reads `book.toml` from the handbook root. Returns the configuration and a warning for
    /// every unknown key.
    pub fn load(root: &Path) -> Result<(Config, Vec<Diagnostic>)> {
        let path = root.join(CONFIG_FILE);
        if !path.is_file() {
            if !root.is_dir() {
                anyhow::bail!(
                    "{} is not a directory; pass the folder that holds book.toml",
                    root.display()
                );
            }
            anyhow::bail!(
                "no {CONFIG_FILE} in {}; run `opsbook init {}` to start a handbook there",
                root.display(),
                root.display()
            );
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("could not read {}", path.display()))?;
        Ok(Config::parse(&text)?)
    }

    /// Parses the text of a `book.toml`.
    pub fn parse(text: &str) -> Result<(Config, Vec<Diagnostic>), ConfigError> {
        let error_at = |offset: usize, message: String| {
            let (line, column) = crate::diagnostics::line_col(text, offset);
            ConfigError {
                path: CONFIG_FILE.to_string(),
                line,
                column,
                message,
            }
        };
        let deserializer = toml::Deserializer::new(text);
        let mut unknown = Vec::new();
        let config: Config = serde_ignored::deserialize(deserializer, |path| {
            unknown.push(path.to_string());
        })
        .map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            error_at(offset, e.message().trim_end().to_string())
        })?;

        let warnings = unknown
            .iter()
            .map(|key| {
                let line = find_key_line(text, key);
                Diagnostic::warning("unknown-key", CONFIG_FILE, line)
                    .message(format!("unknown key `{key}` is ignored"))
                    .help(format!(
                        "check the spelling; the keys opsbook reads are listed in the handbook guide{}",
                        suggestion(key).map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default()
                    ))
            })
            .collect();

        config.validate(text)?;
        Ok((config, warnings))
    }

    fn validate(&self, text: &str) -> Result<(), ConfigError> {
        let fail = |key: &str, message: String| ConfigError {
            path: CONFIG_FILE.to_string(),
            line: find_key_line(text, key),
            column: 1,
            message,
        };
        for (name, t) in &self.types {
            if let Some(every) = &t.review_every {
                every
                    .parse::<ReviewEvery>()
                    .map_err(|m| fail(&format!("types.{name}.review-every"), m))?;
            }
            if !is_type_name(name) {
                return Err(fail(
                    &format!("types.{name}"),
                    format!(
                        "`{name}` is not a usable type name; use lowercase letters, digits and `-`"
                    ),
                ));
            }
        }
        if self.checks.due_soon_days < 0 {
            return Err(fail(
                "checks.due-soon-days",
                "`due-soon-days` cannot be negative".to_string(),
            ));
        }
        if let Some(url) = &self.build.site_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(fail(
                    "build.site-url",
                    format!("`site-url` must be an absolute http(s) URL, found `{url}`"),
                ));
            }
        }
        Ok(())
    }

    /// `site-url` with exactly one trailing slash.
    pub fn site_url(&self) -> Option<String> {
        self.build
            .site_url
            .as_ref()
            .map(|u| format!("{}/", u.trim_end_matches('/')))
    }
}

fn is_type_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Every key opsbook reads, for "did you mean" hints.
const KNOWN_KEYS: &[&str] = &[
    "book.title",
    "book.description",
    "book.language",
    "book.src",
    "build.build-dir",
    "build.site-url",
    "build.theme",
    "build.cache-dir",
    "output.html.edit-url-template",
    "checks.require-owner",
    "checks.due-soon-days",
    "checks.broken-links",
];

fn suggestion(key: &str) -> Option<&'static str> {
    let (table, leaf) = key.rsplit_once('.').unwrap_or(("", key));
    KNOWN_KEYS
        .iter()
        .filter(|k| k.rsplit_once('.').map(|(t, _)| t) == Some(table))
        .map(|k| {
            (
                k,
                edit_distance(leaf, k.rsplit_once('.').map_or(*k, |(_, l)| l)),
            )
        })
        .filter(|(_, d)| *d <= 2)
        .min_by_key(|(_, d)| *d)
        .map(|(k, _)| k.rsplit_once('.').map_or(*k, |(_, l)| l))
}

/// Levenshtein distance, for short keys only.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The line of a dotted key (`checks.due-son-days`) in a TOML text: the key's line inside its
/// table, or the table header's line. A best effort for messages; 1 when not found.
fn find_key_line(text: &str, dotted: &str) -> usize {
    let parts: Vec<&str> = dotted.split('.').collect();
    let (leaf, tables) = parts.split_last().map_or(("", &[][..]), |(l, t)| (*l, t));
    let mut current: Vec<String> = Vec::new();
    let mut table_line = 0;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if let Some(header) = line.strip_prefix('[') {
            let name = header.trim_start_matches('[');
            let name = name.split(']').next().unwrap_or("");
            current = name
                .split('.')
                .map(|s| s.trim().trim_matches('"').to_string())
                .collect();
            if current.iter().map(String::as_str).eq(parts.iter().copied()) {
                return i + 1;
            }
            if current
                .iter()
                .map(String::as_str)
                .eq(tables.iter().copied())
            {
                table_line = i + 1;
            }
            continue;
        }
        if current
            .iter()
            .map(String::as_str)
            .eq(tables.iter().copied())
        {
            let key = line
                .split('=')
                .next()
                .unwrap_or("")
                .trim()
                .trim_matches('"');
            if line.contains('=') && key == leaf {
                return i + 1;
            }
        }
    }
    table_line.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_has_defaults() {
        let (c, w) = Config::parse("").unwrap();
        assert!(w.is_empty());
        assert_eq!(c.book.src, PathBuf::from("content"));
        assert_eq!(c.build.build_dir, PathBuf::from("book"));
        assert!(c.checks.require_owner);
        assert_eq!(c.checks.due_soon_days, 14);
        assert_eq!(c.checks.broken_links, Level::Error);
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let text = "[book]\ntitle = \"X\"\n\n[checks]\ndue-son-days = 3\n";
        let (_, w) = Config::parse(text).unwrap();
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].line, 5);
        assert!(
            w[0].message.contains("checks.due-son-days"),
            "{}",
            w[0].message
        );
        assert!(w[0].help.as_deref().unwrap().contains("due-soon-days"));
    }

    #[test]
    fn syntax_error_has_line_and_column() {
        let err = Config::parse("[book]\ntitle = \n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.to_string().starts_with("book.toml:2:"), "{err}");
    }

    #[test]
    fn bad_review_period_points_at_key() {
        let text = "[types.runbook]\nfolder = \"rb\"\nreview-every = \"often\"\n";
        let err = Config::parse(text).unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.message.contains("often"));
    }

    #[test]
    fn wrong_type_is_an_error() {
        let err = Config::parse("[checks]\ndue-soon-days = \"soon\"\n").unwrap_err();
        assert_eq!(err.line, 2);
    }
}
