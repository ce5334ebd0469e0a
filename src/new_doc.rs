//! `opsbook new`: where a new document goes, what it is named, and its first text.
//!
//! Names follow the handbook's conventions: decisions `YYYY-NNN-slug.md` (numbered per year),
//! RFCs `YYYY-MM-slug.md`, incidents `INC-YYYYMMDD-NN.md` (numbered per day), every other type
//! `slug.md`, each in its type's folder under the content folder. The text comes from a
//! template: the handbook's `templates/<type>.md` when there is one, else the built-in one
//! (`scaffold/templates/`; a declared type without either gets the page template).
//!
//! Front-matter values are set with `edit`, never pasted, so any title is quoted as YAML needs.
//! Placeholders (`{{title}}`, `{{owner}}`, `{{today}}`, `{{due}}`, `{{id}}`) are filled in the
//! body only. A file that exists is never overwritten.

use crate::config::Config;
use crate::doc_types::{DocTypes, PAGE};
use crate::edit::{self, Placement};
use crate::files;
use crate::front_matter::{self, Problem};
use anyhow::{bail, Context, Result};
use jiff::civil::Date;
use jiff::ToSpan;
use std::path::{Path, PathBuf};

/// The folder of a handbook's own templates, at its root: `templates/<type>.md`.
pub const TEMPLATES_DIR: &str = "templates";

/// Slugs longer than this are cut at a word boundary.
pub const MAX_SLUG: usize = 60;

/// A follow-up in a new postmortem is due this many days after the incident.
pub const FOLLOW_UP_DAYS: i64 = 14;

/// The handle `{{owner}}` stands for when no owner is given.
pub const OWNER_PLACEHOLDER: &str = "@owner";

/// The placeholders a template's body may use.
pub const PLACEHOLDERS: &[&str] = &["title", "owner", "today", "due", "id"];

const BUILTIN: &[(&str, &str)] = &[
    ("chapter", include_str!("scaffold/templates/chapter.md")),
    ("decision", include_str!("scaffold/templates/decision.md")),
    ("incident", include_str!("scaffold/templates/incident.md")),
    (
        "onboarding",
        include_str!("scaffold/templates/onboarding.md"),
    ),
    (PAGE, include_str!("scaffold/templates/page.md")),
    ("rfc", include_str!("scaffold/templates/rfc.md")),
    ("runbook", include_str!("scaffold/templates/runbook.md")),
    ("sop", include_str!("scaffold/templates/sop.md")),
];

/// What to create.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub doc_type: &'a str,
    pub title: &'a str,
    pub owner: Option<&'a str>,
    pub today: Date,
}

/// The document `create` wrote.
#[derive(Debug, Clone)]
pub struct Created {
    pub path: PathBuf,
    /// Its path from the handbook root, `/`-separated (`content/runbooks/restart-the-api.md`).
    pub rel: String,
    /// Whether its front matter names an owner (from `--owner` or the template).
    pub has_owner: bool,
}

/// Creates a new document of a type in the handbook at `root`, never overwriting a file.
pub fn create(root: &Path, config: &Config, request: &Request<'_>) -> Result<Created> {
    let types = DocTypes::new(config);
    let Some(doc_type) = types.get(request.doc_type) else {
        let known: Vec<&str> = types.all().map(|t| t.name.as_str()).collect();
        bail!(
            "unknown document type `{}`; the types of this handbook are {}\n  help: declare another type with a [types.{}] table in book.toml",
            request.doc_type,
            known.join(", "),
            request.doc_type
        );
    };
    let title = one_line("the title", request.title)?;
    let owner = request.owner.map(|o| one_line("--owner", o)).transpose()?;

    let folder_rel = doc_type.folder.clone().unwrap_or_default();
    let folder = root.join(&config.book.src).join(&folder_rel);
    // Only decisions and incidents are numbered, from the names already in their folder.
    let existing = match doc_type.name.as_str() {
        "decision" | "incident" => file_names(&folder),
        _ => Vec::new(),
    };
    let name = file_name(&doc_type.name, title, request.today, &existing)?;
    let content_rel = if folder_rel.is_empty() {
        name.file.clone()
    } else {
        format!("{folder_rel}/{}", name.file)
    };
    let template = Template::load(root, &doc_type.name)?;
    let inferred = types.infer(&content_rel);
    let values = Values {
        title,
        owner,
        today: request.today,
        id: &name.id,
        doc_type: (inferred != doc_type.name).then_some(doc_type.name.as_str()),
        started: doc_type.name == "incident",
    };
    let text = template.render(&values)?;
    let has_owner = read_back(&text)
        .map(|fm| !fm.owners.is_empty())
        .unwrap_or(false);

    let path = folder.join(&name.file);
    let rel = files::rel_path(&path, root).unwrap_or_else(|| path.display().to_string());
    files::create_dir_all(&folder)?;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path);
    match file {
        Ok(mut f) => {
            use std::io::Write;
            if let Err(e) = f.write_all(text.as_bytes()) {
                drop(f);
                let _ = std::fs::remove_file(&path);
                return Err(e).with_context(|| format!("could not write {rel}"));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => bail!(
            "{rel} already exists; opsbook new never overwrites a file\n  help: choose another title, or edit the existing file"
        ),
        Err(e) => return Err(e).with_context(|| format!("could not create {rel}")),
    }
    Ok(Created {
        path,
        rel,
        has_owner,
    })
}

/// A value given on the command line, trimmed: not empty, one line.
fn one_line<'a>(what: &str, value: &'a str) -> Result<&'a str> {
    let value = value.trim();
    if value.is_empty() {
        bail!("{what} is empty\n  help: for example `opsbook new runbook \"Restart the API\" --owner @platform`");
    }
    if value.chars().any(char::is_control) {
        bail!("{what} must be one line of text, without tabs or control characters");
    }
    Ok(value)
}

/// A new document's file name, and its id for `{{id}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub file: String,
    /// `INC-20261121-02` for an incident, `2026-007` for a decision, `2026-11` for an RFC, the
    /// slug for any other type.
    pub id: String,
}

/// The file name of a new document of a type, given the names of the files already in its
/// folder (for the decision and incident sequence numbers).
pub fn file_name(type_name: &str, title: &str, today: Date, existing: &[String]) -> Result<Name> {
    let slug = || {
        let slug = file_slug(title);
        if slug.is_empty() {
            bail!(
                "the title `{title}` has no letters or digits to make a file name from\n  help: use a title with some letters or digits (accents are fine: é becomes e)"
            );
        }
        Ok(slug)
    };
    let year = today.year();
    let (id, file) = match type_name {
        "decision" => {
            let id = format!("{year:04}-{:03}", next_decision_number(existing, year));
            let file = format!("{id}-{}.md", slug()?);
            (id, file)
        }
        "rfc" => {
            let id = format!("{year:04}-{:02}", today.month());
            let file = format!("{id}-{}.md", slug()?);
            (id, file)
        }
        "incident" => {
            let day = today.strftime("%Y%m%d").to_string();
            let id = format!("INC-{day}-{:02}", next_incident_number(existing, &day));
            let file = format!("{id}.md");
            (id, file)
        }
        _ => {
            let slug = slug()?;
            let file = format!("{slug}.md");
            (slug, file)
        }
    };
    Ok(Name { file, id })
}

/// The next decision number of a year: the highest `YYYY-NNN` of that year + 1. Gaps are not
/// filled; another year's numbers do not count.
pub fn next_decision_number(existing: &[String], year: i16) -> u32 {
    let prefix = format!("{year:04}-");
    existing
        .iter()
        .filter_map(|name| {
            let digits = leading_digits(name.strip_prefix(&prefix)?);
            let rest = &name[prefix.len() + digits.len()..];
            (digits.len() >= 3 && (rest.starts_with('-') || rest.starts_with('.')))
                .then(|| digits.parse::<u32>().ok())
                .flatten()
        })
        .max()
        .map_or(1, |n| n.saturating_add(1))
}

/// The next incident number of a day (`YYYYMMDD`): the highest `INC-YYYYMMDD-NN` + 1.
pub fn next_incident_number(existing: &[String], day: &str) -> u32 {
    let prefix = format!("INC-{day}-");
    existing
        .iter()
        .filter_map(|name| {
            let head = name.get(..prefix.len())?;
            if !head.eq_ignore_ascii_case(&prefix) {
                return None;
            }
            let digits = leading_digits(&name[prefix.len()..]);
            let rest = &name[prefix.len() + digits.len()..];
            (!digits.is_empty() && (rest.starts_with('-') || rest.starts_with('.')))
                .then(|| digits.parse::<u32>().ok())
                .flatten()
        })
        .max()
        .map_or(1, |n| n.saturating_add(1))
}

fn leading_digits(s: &str) -> &str {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    &s[..end]
}

/// The names of the files under a folder, at any depth (none when it does not exist).
fn file_names(folder: &Path) -> Vec<String> {
    walkdir::WalkDir::new(folder)
        .follow_links(false)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect()
}

/// A file-name slug of a title: lowercase ASCII letters and digits, accents folded (`Café` →
/// `cafe`), apostrophes dropped, every other run of characters one `-`, at most
/// [`MAX_SLUG`] characters cut at a word boundary. Empty when nothing is left.
pub fn file_slug(title: &str) -> String {
    use unicode_normalization::char::is_combining_mark;
    use unicode_normalization::UnicodeNormalization;
    let mut slug = String::new();
    let mut dash = false;
    for c in title.nfkd() {
        let folded = match c {
            'ß' => "ss",
            'æ' | 'Æ' => "ae",
            'œ' | 'Œ' => "oe",
            'ø' | 'Ø' => "o",
            'đ' | 'Đ' | 'ð' | 'Ð' => "d",
            'ł' | 'Ł' => "l",
            'þ' | 'Þ' => "th",
            'ı' => "i",
            _ => "",
        };
        if c.is_ascii_alphanumeric() || !folded.is_empty() {
            if dash && !slug.is_empty() {
                slug.push('-');
            }
            dash = false;
            if folded.is_empty() {
                slug.push(c.to_ascii_lowercase());
            } else {
                slug.push_str(folded);
            }
        } else if is_combining_mark(c) || matches!(c, '\'' | '\u{2019}') {
            // Accents left by the decomposition, and apostrophes ("what's" → "whats").
        } else {
            dash = true;
        }
    }
    if slug.len() > MAX_SLUG {
        let cut = slug[..=MAX_SLUG].rfind('-').unwrap_or(MAX_SLUG);
        slug.truncate(cut);
    }
    slug
}

/// The values a template is filled with.
struct Values<'a> {
    title: &'a str,
    owner: Option<&'a str>,
    today: Date,
    id: &'a str,
    /// `type:` to write, when the folder does not imply the type.
    doc_type: Option<&'a str>,
    /// Whether to set `started:` (incidents).
    started: bool,
}

impl Values<'_> {
    /// The keys opsbook sets in the front matter, with where each goes when the template does
    /// not have it: `title` first, then `type`, `owner`, `started`, `last_reviewed`.
    fn keys(&self) -> Vec<(&'static str, String, Placement<'static>)> {
        let mut keys = vec![(
            "title",
            self.title.to_string(),
            Placement {
                at_top: true,
                ..Placement::END
            },
        )];
        if let Some(t) = self.doc_type {
            keys.push((
                "type",
                t.to_string(),
                Placement {
                    after: &["title"],
                    ..Placement::END
                },
            ));
        }
        if let Some(owner) = self.owner {
            keys.push((
                "owner",
                owner.to_string(),
                Placement {
                    after: &["type", "title"],
                    at_top: false,
                    uncomment: true,
                },
            ));
        }
        if self.started {
            keys.push((
                "started",
                self.today.to_string(),
                Placement {
                    after: &["owner", "type", "title"],
                    ..Placement::END
                },
            ));
        }
        keys.push((
            "last_reviewed",
            self.today.to_string(),
            Placement {
                after: &["started", "owner", "type", "title"],
                ..Placement::END
            },
        ));
        keys
    }

    /// The text of a body placeholder.
    fn placeholder(&self, name: &str) -> Option<String> {
        Some(match name {
            "title" => self.title.to_string(),
            "owner" => match self.owner {
                Some(o) if o.starts_with('@') => o.to_string(),
                Some(o) => format!("@{o}"),
                None => OWNER_PLACEHOLDER.to_string(),
            },
            "today" => self.today.to_string(),
            "due" => self
                .today
                .checked_add(FOLLOW_UP_DAYS.days())
                .unwrap_or(self.today)
                .to_string(),
            "id" => self.id.to_string(),
            _ => return None,
        })
    }
}

/// A template's text (BOM dropped, LF line endings) and where it comes from, for messages.
struct Template {
    text: String,
    origin: String,
}

impl Template {
    /// The handbook's `templates/<type>.md`, else the built-in template of the type, else the
    /// page template.
    fn load(root: &Path, type_name: &str) -> Result<Template> {
        let rel = format!("{TEMPLATES_DIR}/{type_name}.md");
        let path = root.join(&rel);
        if path.is_file() {
            let bytes = files::read(&path)?;
            let text = crate::handbook::decode_text(&bytes).map_err(|(offset, line)| {
                anyhow::anyhow!(
                    "{rel}:{line}: the template is not valid UTF-8 (byte {offset})\n  help: save it with UTF-8 encoding"
                )
            })?;
            return Ok(Template { text, origin: rel });
        }
        let (name, text) = BUILTIN
            .iter()
            .find(|(name, _)| *name == type_name)
            .or_else(|| BUILTIN.iter().find(|(name, _)| *name == PAGE))
            .copied()
            .unwrap_or((PAGE, ""));
        Ok(Template {
            text: text.to_string(),
            origin: format!("the built-in template {name}.md"),
        })
    }

    /// An error at a line of the template.
    fn error(&self, p: Problem) -> anyhow::Error {
        let help = p.help.map(|h| format!("\n  help: {h}")).unwrap_or_default();
        match p.line {
            0 => anyhow::anyhow!("{}: {}{help}", self.origin, p.message),
            line => anyhow::anyhow!("{}:{line}: {}{help}", self.origin, p.message),
        }
    }

    /// The new document's text.
    fn render(&self, values: &Values<'_>) -> Result<String> {
        let keys = values.keys();
        let split = front_matter::split(&self.text).map_err(|p| self.error(p))?;
        for (range, name) in placeholders(split.body) {
            if values.placeholder(name).is_none() {
                let line = split.body_line + count_lines(&split.body[..range.start]);
                return Err(self.error(Problem {
                    line,
                    column: 0,
                    message: format!("unknown placeholder `{{{{{name}}}}}`"),
                    help: Some(format!(
                        "the placeholders are {}",
                        PLACEHOLDERS
                            .iter()
                            .map(|p| format!("{{{{{p}}}}}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                }));
            }
        }

        // The keys opsbook sets replace whatever the template holds, in place (lines do not
        // move, so problems found next are at the template's own lines).
        let mut text = self.text.clone();
        for (key, value, _) in &keys {
            if let Some(replaced) =
                edit::replace_value(&text, key, value).map_err(|p| self.error(p))?
            {
                text = replaced;
            }
        }
        let split = front_matter::split(&text).map_err(|p| self.error(p))?;
        if let Some(yaml) = split.yaml {
            for (i, line) in yaml.split('\n').enumerate() {
                if line.contains("{{") && !line.trim_start().starts_with('#') {
                    return Err(self.error(Problem {
                        line: split.yaml_line + i,
                        column: 0,
                        message: "placeholders are filled in the body only, not in the front matter".to_string(),
                        help: Some("opsbook sets title, last_reviewed, owner (with --owner), started (incidents) and type itself; give other keys a fixed value".to_string()),
                    }));
                }
            }
        }
        front_matter::parse(&split).map_err(|problems| {
            let first = problems.into_iter().next().unwrap_or(Problem {
                line: 1,
                column: 0,
                message: "invalid front matter".to_string(),
                help: None,
            });
            self.error(first)
        })?;

        // Then the keys the template does not have are added, each edit checked.
        for (key, value, placement) in &keys {
            text = edit::set_key_at(&text, key, value, *placement).map_err(|p| {
                anyhow::anyhow!("{}: cannot set `{key}`: {}", self.origin, p.message)
            })?;
        }

        // The body is Markdown: its placeholders are plain text replacements.
        let split = front_matter::split(&text).map_err(|p| self.error(p))?;
        let body_start_now = text.len() - split.body.len();
        let mut out = text[..body_start_now].to_string();
        let body = &text[body_start_now..];
        let mut last = 0;
        for (range, name) in placeholders(body) {
            out.push_str(&body[last..range.start]);
            out.push_str(&values.placeholder(name).unwrap_or_default());
            last = range.end;
        }
        out.push_str(&body[last..]);

        // Defensive: the new document must read back with the title it was asked for.
        let fm = read_back(&out).map_err(|p| self.error(p))?;
        if fm.title.as_deref() != Some(values.title) || fm.last_reviewed != Some(values.today) {
            bail!(
                "{}: the new document would not read back with its title and date; nothing was written",
                self.origin
            );
        }
        Ok(out)
    }
}

fn read_back(text: &str) -> Result<front_matter::FrontMatter, Problem> {
    let split = front_matter::split(text)?;
    front_matter::parse(&split).map_err(|problems| {
        problems.into_iter().next().unwrap_or(Problem {
            line: 1,
            column: 0,
            message: "invalid front matter".to_string(),
            help: None,
        })
    })
}

fn count_lines(s: &str) -> usize {
    s.bytes().filter(|&b| b == b'\n').count()
}

/// Every `{{name}}` in a text, where a name is lowercase ASCII letters and `_`. Anything else
/// between braces (`{{ .Values.image }}`) is not a placeholder and stays as written.
fn placeholders(text: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("{{") {
        let start = from + i;
        let name_start = start + 2;
        let name_len = text[name_start..]
            .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
            .unwrap_or(text.len() - name_start);
        let name_end = name_start + name_len;
        if name_len > 0 && text[name_end..].starts_with("}}") {
            found.push((start..name_end + 2, &text[name_start..name_end]));
            from = name_end + 2;
        } else {
            from = start + 1;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const DAY: Date = date(2026, 11, 21);

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn slugs() {
        assert_eq!(file_slug("Restart the API"), "restart-the-api");
        assert_eq!(file_slug("  Über Café: straße  "), "uber-cafe-strasse");
        assert_eq!(file_slug("What's   new?? (v2.0)"), "whats-new-v2-0");
        assert_eq!(file_slug("Ærø — ﬁle №5"), "aero-file-no5");
        assert_eq!(file_slug("!!!"), "");
        assert_eq!(file_slug("障害対応"), "");
        let long = file_slug(
            "A very long title that goes on and on about the failover of the primary database cluster",
        );
        assert!(long.len() <= MAX_SLUG, "{long}");
        assert_eq!(
            long,
            "a-very-long-title-that-goes-on-and-on-about-the-failover-of"
        );
        assert_eq!(file_slug(&"x".repeat(80)).len(), MAX_SLUG);
    }

    #[test]
    fn decision_numbers_follow_the_year_and_skip_gaps() {
        let existing = names(&[
            "2026-001-a.md",
            "2026-002-b.md",
            "2026-005-c.md",
            "2025-009-d.md",
            "2026-11-rfc-like.md",
            "index.md",
        ]);
        assert_eq!(next_decision_number(&existing, 2026), 6);
        assert_eq!(next_decision_number(&existing, 2025), 10);
        assert_eq!(next_decision_number(&existing, 2027), 1);
        assert_eq!(next_decision_number(&names(&["2026-999-x.md"]), 2026), 1000);
        let name = file_name("decision", "Use Postgres", DAY, &existing).unwrap();
        assert_eq!(name.file, "2026-006-use-postgres.md");
        assert_eq!(name.id, "2026-006");
    }

    #[test]
    fn incident_numbers_follow_the_day() {
        let existing = names(&[
            "INC-20261121-01.md",
            "INC-20261120-07.md",
            "inc-20261121-03-db.md",
        ]);
        assert_eq!(next_incident_number(&existing, "20261121"), 4);
        assert_eq!(next_incident_number(&existing, "20261122"), 1);
        let name = file_name("incident", "Löst everything", DAY, &existing).unwrap();
        assert_eq!(name.file, "INC-20261121-04.md");
        // The title does not name an incident's file, so any title will do.
        assert!(file_name("incident", "障害", DAY, &[]).is_ok());
    }

    #[test]
    fn other_names() {
        let rfc = file_name("rfc", "Quarterly review week", DAY, &[]).unwrap();
        assert_eq!(rfc.file, "2026-11-quarterly-review-week.md");
        let runbook = file_name("runbook", "Restart the API", DAY, &[]).unwrap();
        assert_eq!(runbook.file, "restart-the-api.md");
        assert!(file_name("runbook", "???", DAY, &[]).is_err());
    }

    #[test]
    fn placeholders_are_only_lowercase_names_in_double_braces() {
        let found: Vec<&str> = placeholders("{{title}} {{ .Values.x }} {{{id}}} {{Due}} {{}}")
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        assert_eq!(found, ["title", "id"]);
    }

    fn values<'a>(title: &'a str, owner: Option<&'a str>) -> Values<'a> {
        Values {
            title,
            owner,
            today: DAY,
            id: "INC-20261121-01",
            doc_type: None,
            started: false,
        }
    }

    fn template(text: &str) -> Template {
        Template {
            text: text.to_string(),
            origin: "templates/x.md".to_string(),
        }
    }

    #[test]
    fn renders_front_matter_through_the_editor() {
        let t = template(
            "---\n# owner: \"@team\"  fill in\nstatus: draft\n---\n\nDue {{due}}, {{owner}}.\n",
        );
        let out = t.render(&values("Fail: \"over\" #1", None)).unwrap();
        assert_eq!(
            out,
            "---\ntitle: \"Fail: \\\"over\\\" #1\"\nlast_reviewed: 2026-11-21\n# owner: \"@team\"  fill in\nstatus: draft\n---\n\nDue 2026-12-05, @owner.\n"
        );
        let out = t.render(&values("T", Some("sam"))).unwrap();
        assert_eq!(
            out,
            "---\ntitle: T\nowner: sam\nlast_reviewed: 2026-11-21\nstatus: draft\n---\n\nDue 2026-12-05, @sam.\n"
        );
    }

    #[test]
    fn template_keys_are_replaced_in_place() {
        let t = template("---\nstatus: open\ntitle: \"{{title}}\"\nlast_reviewed: \"{{today}}\"\n---\n# {{title}}\n");
        let out = t.render(&values("A: b", Some("@x"))).unwrap();
        assert_eq!(
            out,
            "---\nstatus: open\ntitle: \"A: b\"\nowner: \"@x\"\nlast_reviewed: 2026-11-21\n---\n# A: b\n"
        );
    }

    #[test]
    fn template_problems_name_the_template_line() {
        let err = template("---\ntitle: x\n---\n\n{{tilte}}\n")
            .render(&values("T", None))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("templates/x.md:5: unknown placeholder `{{tilte}}`"),
            "{err}"
        );
        let err = template("---\nservice: \"{{title}}\"\n---\n")
            .render(&values("T", None))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("templates/x.md:2: placeholders are filled in the body only"),
            "{err}"
        );
        let err = template("---\ntags: [a\n---\n")
            .render(&values("T", None))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("templates/x.md:3: invalid front matter"),
            "{err}"
        );
        let err = template("---\ntitle: |\n  x\n---\n")
            .render(&values("T", None))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("templates/x.md:2: `title` has a value written over several lines"),
            "{err}"
        );
    }

    #[test]
    fn built_in_templates_render_and_read_back() {
        for (name, text) in BUILTIN {
            let t = Template {
                text: text.to_string(),
                origin: name.to_string(),
            };
            let mut v = values("A title: with \"quotes\" #1", Some("@platform"));
            v.started = *name == "incident";
            let out = t.render(&v).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!out.contains("{{"), "{name}: {out}");
            let fm = read_back(&out).unwrap();
            assert_eq!(fm.title.as_deref(), Some("A title: with \"quotes\" #1"));
            assert_eq!(fm.owners, ["@platform"], "{name}");
            assert_eq!(fm.last_reviewed, Some(DAY));
        }
    }
}
