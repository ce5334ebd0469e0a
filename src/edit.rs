//! Front-matter edits that keep every other byte: set one top-level key of a document's front
//! matter and leave comments, key order, the quoting of other keys, blank lines, line endings
//! (LF or CRLF), a UTF-8 byte-order mark and the body exactly as they were.
//!
//! Edits are made on lines. A top-level key is a line that starts at column 0 with `key:`, and
//! only a value written on that one line is ever replaced; a value this module cannot replace
//! exactly (one over several lines, a block scalar, a list or mapping, an anchor, alias or tag)
//! is refused with its line, never guessed at. Parsing stays in `front_matter`: a checked edit
//! reads the text before and after with it and refuses unless the key now reads back as the new
//! value and nothing else in the document changed. This module touches no file.

use crate::front_matter::{self, FrontMatter, Problem};
use jiff::civil::Date;

const BOM: char = '\u{feff}';

/// Where a key that is absent goes.
#[derive(Debug, Clone, Copy)]
pub struct Placement<'a> {
    /// After the whole value of the first of these keys that the front matter has.
    pub after: &'a [&'a str],
    /// Otherwise at the top of the block (else at its end).
    pub at_top: bool,
    /// Replace a commented-out `# key: …` line at column 0 instead of adding a line (for
    /// templates that show an optional key as a comment). Never used on an author's document:
    /// their comments are theirs.
    pub uncomment: bool,
}

impl Placement<'_> {
    /// The end of the block.
    pub const END: Placement<'static> = Placement {
        after: &[],
        at_top: false,
        uncomment: false,
    };

    /// `last_reviewed` goes after `title`, `reviewed_by` after `last_reviewed`, anything else
    /// at the end of the block.
    pub fn default_for(key: &str) -> Placement<'static> {
        match key {
            "last_reviewed" => Placement {
                after: &["title"],
                ..Placement::END
            },
            "reviewed_by" => Placement {
                after: &["last_reviewed"],
                ..Placement::END
            },
            _ => Placement::END,
        }
    }
}

/// Marks a document reviewed: `last_reviewed: DATE`, and `reviewed_by: BY` when given.
pub fn mark_reviewed(text: &str, date: Date, by: Option<&str>) -> Result<String, Problem> {
    if let Some(by) = by {
        // Checked on the original first, so that a refusal names the file's own line.
        write_key(text, "reviewed_by", &yaml_scalar(by), Placement::END)?;
    }
    let mut out = set_key(text, "last_reviewed", &date.to_string())?;
    if let Some(by) = by {
        out = set_key(&out, "reviewed_by", by)?;
    }
    Ok(out)
}

/// Sets a top-level key to a text value (quoted as YAML needs), placed as
/// [`Placement::default_for`] says when it is absent.
pub fn set_key(text: &str, key: &str, value: &str) -> Result<String, Problem> {
    set_key_at(text, key, value, Placement::default_for(key))
}

/// Sets a top-level key to a text value, checked: the text must be a valid document before,
/// and after the edit the key must read back as `value` with every other key and the body as
/// they were. A file without front matter gets a block at the top.
pub fn set_key_at(
    text: &str,
    key: &str,
    value: &str,
    placement: Placement<'_>,
) -> Result<String, Problem> {
    let before = read(text)?;
    let wanted = probe(text, key, value)?;
    let edited = write_key(text, key, &yaml_scalar(value), placement)?;
    verify(&before, &edited, key, &wanted)?;
    Ok(edited)
}

/// Replaces the value of a top-level key that exists, unchecked: `Ok(None)` when the key is
/// absent. For templates, whose front matter may hold a placeholder that is not yet a valid
/// value (`last_reviewed: "{{today}}"`); the caller parses the result. Lines do not move.
pub fn replace_value(text: &str, key: &str, value: &str) -> Result<Option<String>, Problem> {
    let lines = Lines::new(text)?;
    let Some((index, colon)) = lines.find_key(key) else {
        return Ok(None);
    };
    let new_line = lines.replaced_line(index, colon, key, &yaml_scalar(value))?;
    Ok(Some(lines.with(index, 1, &new_line)))
}

/// A text value as a YAML scalar that reads back as exactly that text: plain when that is
/// unambiguous (`Restart the API`, `2026-11-21`), else double-quoted with escapes.
pub fn yaml_scalar(value: &str) -> String {
    if is_plain_safe(value) {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | BOM) => {
                out.push_str(&format!("\\u{:04X}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Words some YAML reader takes for a boolean, null or number when written plain.
const RESERVED: &[&str] = &[
    "true", "false", "yes", "no", "on", "off", "y", "n", "null", "inf", "infinity", "nan",
];

/// Plain is allowed only for a conservative set: a date, or text that starts with a letter and
/// holds letters, digits, spaces and punctuation without meaning in YAML.
fn is_plain_safe(v: &str) -> bool {
    let Some(first) = v.chars().next() else {
        return false;
    };
    if v.trim() != v {
        return false;
    }
    if front_matter_date_shape(v) {
        return true;
    }
    first.is_alphabetic()
        && !RESERVED.iter().any(|w| v.eq_ignore_ascii_case(w))
        && v.chars()
            .all(|c| c.is_alphanumeric() || " -_.,/()'&+!?=~%;".contains(c))
}

fn front_matter_date_shape(v: &str) -> bool {
    v.len() == 10
        && v.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        })
}

fn problem(line: usize, message: impl Into<String>, help: impl Into<String>) -> Problem {
    Problem {
        line,
        column: 0,
        message: message.into(),
        help: Some(help.into()),
    }
}

/// A document as the handbook reads it: its front matter and its body.
struct Read {
    meta: FrontMatter,
    body: String,
}

fn read(text: &str) -> Result<Read, Problem> {
    let normalized = normalize(text);
    let split = front_matter::split(&normalized)?;
    let meta = front_matter::parse(&split).map_err(|problems| {
        let more = problems.len().saturating_sub(1);
        let mut first = problems.into_iter().next().unwrap_or_else(|| Problem {
            line: 1,
            column: 0,
            message: "invalid front matter".to_string(),
            help: None,
        });
        if more > 0 {
            first.message.push_str(&format!(
                " (and {more} more problem{})",
                if more == 1 { "" } else { "s" }
            ));
        }
        first
    })?;
    Ok(Read {
        meta,
        body: split.body.to_string(),
    })
}

/// What the handbook reads: no BOM, LF line endings (as `handbook::decode_text` does).
fn normalize(text: &str) -> String {
    let text = text.strip_prefix(BOM).unwrap_or(text);
    text.replace("\r\n", "\n")
}

/// The front matter a one-key document with this value has: what the edited key must read as.
fn probe(text: &str, key: &str, value: &str) -> Result<FrontMatter, Problem> {
    let doc = format!("---\n{key}: {}\n---\n", yaml_scalar(value));
    let split = front_matter::split(&doc)?;
    front_matter::parse(&split).map_err(|problems| {
        let line = Lines::new(text)
            .ok()
            .and_then(|l| l.find_key(key).map(|(i, _)| i + 1))
            .unwrap_or(1);
        let reason = problems
            .into_iter()
            .next()
            .map_or_else(String::new, |p| p.message);
        problem(
            line,
            format!("cannot set `{key}` to `{value}`: {reason}"),
            format!("give `{key}` a value of the right kind"),
        )
    })
}

/// Refuses the edit unless `key` reads back as wanted and nothing else changed.
fn verify(before: &Read, edited: &str, key: &str, wanted: &FrontMatter) -> Result<(), Problem> {
    let line = Lines::new(edited)
        .ok()
        .and_then(|l| l.find_key(key).map(|(i, _)| i + 1))
        .unwrap_or(1);
    let unsafe_edit = |why: &str| {
        problem(
            line,
            format!("opsbook could not set `{key}` safely: {why}; the file is left as it was"),
            format!("set `{key}` by hand"),
        )
    };
    let after = read(edited).map_err(|p| {
        unsafe_edit(&format!(
            "the edit would break the front matter ({})",
            p.message
        ))
    })?;
    if after.body != before.body {
        return Err(unsafe_edit("the edit would change the body"));
    }
    let (mut old, mut new, mut wanted) = (before.meta.clone(), after.meta, wanted.clone());
    let got = take_field(&mut new, key);
    take_field(&mut old, key);
    let want = take_field(&mut wanted, key);
    if got != want {
        return Err(unsafe_edit(&format!(
            "it would read back as {got} instead of {want}"
        )));
    }
    old.key_lines.clear();
    new.key_lines.clear();
    if old != new {
        return Err(unsafe_edit("the edit would change other keys"));
    }
    Ok(())
}

/// Empties the field `key` is read into and returns its old value, for comparisons. Keys the
/// front matter does not read are not compared.
fn take_field(fm: &mut FrontMatter, key: &str) -> String {
    fn take<T: Default + std::fmt::Debug>(field: &mut T) -> String {
        format!("{:?}", std::mem::take(field))
    }
    match key {
        "title" => take(&mut fm.title),
        "type" => take(&mut fm.doc_type),
        "owner" | "owners" => take(&mut fm.owners),
        "last_reviewed" => take(&mut fm.last_reviewed),
        "reviewed_by" => take(&mut fm.reviewed_by),
        "review_every" => take(&mut fm.review_every),
        "status" => take(&mut fm.status),
        "tags" => take(&mut fm.tags),
        "weight" => take(&mut fm.weight),
        "draft" => take(&mut fm.draft),
        "supersedes" => take(&mut fm.supersedes),
        "superseded_by" => take(&mut fm.superseded_by),
        "severity" => take(&mut fm.severity),
        "started" => take(&mut fm.started),
        "service" => take(&mut fm.service),
        "summary" | "description" => take(&mut fm.summary),
        _ => String::new(),
    }
}

/// Sets `key: scalar` on the lines of `text`, replacing a one-line value or adding a line.
fn write_key(
    text: &str,
    key: &str,
    scalar: &str,
    placement: Placement<'_>,
) -> Result<String, Problem> {
    let lines = Lines::new(text)?;
    let nl = lines.newline;
    let Some(close) = lines.close else {
        // No front matter: a new block at the top, after a BOM.
        let block = format!("---{nl}{key}: {scalar}{nl}---{nl}");
        return Ok(lines.with(0, 0, &block));
    };
    if let Some((index, colon)) = lines.find_key(key) {
        let new_line = lines.replaced_line(index, colon, key, scalar)?;
        return Ok(lines.with(index, 1, &new_line));
    }
    let new_line = format!("{key}: {scalar}{nl}");
    if placement.uncomment {
        if let Some(index) = lines.find_commented_key(key) {
            let eol = line_ending(lines.lines[index]);
            return Ok(lines.with(index, 1, &format!("{key}: {scalar}{eol}")));
        }
    }
    let at = placement
        .after
        .iter()
        .find_map(|k| lines.find_key(k))
        .map(|(index, colon)| lines.value_end(index, colon))
        .unwrap_or(if placement.at_top { 1 } else { close });
    Ok(lines.with(at, 0, &new_line))
}

/// A text cut into lines that keep their endings, with the front matter's fences found.
struct Lines<'a> {
    bom: bool,
    lines: Vec<&'a str>,
    /// The ending of the first line, used for inserted lines.
    newline: &'static str,
    /// The index of the closing fence, when there is front matter (the opening one is 0).
    close: Option<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Result<Lines<'a>, Problem> {
        let (bom, rest) = match text.strip_prefix(BOM) {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        // A carriage return alone ends a line for the build (as in CommonMark and YAML) but
        // not for this line-by-line editor: refused rather than edited differently.
        if let Some(at) = rest
            .match_indices('\r')
            .map(|(i, _)| i)
            .find(|&i| rest.as_bytes().get(i + 1) != Some(&b'\n'))
        {
            return Err(Problem {
                line: rest[..at].matches('\n').count() + 1,
                column: 0,
                message: "the file ends lines with a carriage return alone (old Mac line endings)"
                    .into(),
                help: Some(
                    "save it with LF or CRLF line endings, then run the command again".into(),
                ),
            });
        }
        let lines: Vec<&str> = rest.split_inclusive('\n').collect();
        let newline = if lines.first().is_some_and(|l| l.ends_with("\r\n")) {
            "\r\n"
        } else {
            "\n"
        };
        // The same split the handbook makes; CRLF → LF keeps line numbers.
        let normalized = rest.replace("\r\n", "\n");
        let split = front_matter::split(&normalized)?;
        let close = split.yaml.map(|_| split.body_line - 2);
        Ok(Lines {
            bom,
            lines,
            newline,
            close,
        })
    }

    /// The lines between the fences.
    fn yaml(&self) -> std::ops::Range<usize> {
        match self.close {
            Some(close) => 1..close,
            None => 0..0,
        }
    }

    /// The line of a top-level key and the offset just after its colon.
    fn find_key(&self, key: &str) -> Option<(usize, usize)> {
        self.yaml()
            .find_map(|i| key_colon(content(self.lines[i]), key).map(|c| (i, c)))
    }

    /// A column-0 comment that holds the key: `# owner: "@team"   who keeps this true`.
    fn find_commented_key(&self, key: &str) -> Option<usize> {
        self.yaml().find(|&i| {
            content(self.lines[i])
                .strip_prefix('#')
                .is_some_and(|rest| key_colon(rest.trim_start(), key).is_some())
        })
    }

    /// The next line that is neither blank nor a comment, from `from` on, inside the block.
    fn next_meaningful(&self, from: usize) -> Option<&'a str> {
        (from..self.yaml().end)
            .map(|i| content(self.lines[i]))
            .find(|c| {
                let t = c.trim();
                !t.is_empty() && !t.starts_with('#')
            })
    }

    /// The index after the last line of a key's value (its indented or `- ` lines).
    fn value_end(&self, index: usize, colon: usize) -> usize {
        let empty = value_part(content(self.lines[index]), colon).is_empty();
        let mut end = index + 1;
        for i in index + 1..self.yaml().end {
            let c = content(self.lines[i]);
            if c.trim().is_empty() {
                continue;
            }
            if c.starts_with([' ', '\t']) || (empty && is_dash_item(c)) {
                end = i + 1;
            } else {
                break;
            }
        }
        end
    }

    /// The line `index` (of `key`) with its value replaced by `scalar`, or why not.
    fn replaced_line(
        &self,
        index: usize,
        colon: usize,
        key: &str,
        scalar: &str,
    ) -> Result<String, Problem> {
        let line = self.lines[index];
        let c = content(line);
        let eol = line_ending(line);
        let line_no = index + 1;
        let several_lines = || {
            problem(
                line_no,
                format!("`{key}` has a value written over several lines; opsbook only replaces a value written on one line"),
                format!("write it on one line, such as `{key}: {scalar}`, then run the command again"),
            )
        };
        let value = value_part(c, colon);
        let start = c.len() - c[colon..].trim_start_matches([' ', '\t']).len();
        let continued = self
            .next_meaningful(index + 1)
            .is_some_and(|next| next.starts_with([' ', '\t']) || is_dash_item(next));
        let end = match value.chars().next() {
            None => {
                if continued {
                    return Err(several_lines());
                }
                // An empty value: the new one goes right after the colon; a comment stays.
                return Ok(format!("{}: {scalar}{}{eol}", &c[..colon - 1], &c[colon..]));
            }
            Some('|' | '>') => return Err(several_lines()),
            Some('[' | '{') => {
                return Err(problem(
                    line_no,
                    format!("`{key}` holds a list or a mapping, not a single value"),
                    format!("replace it by hand with a single value, such as `{key}: {scalar}`"),
                ))
            }
            Some('&' | '*' | '!') => {
                return Err(problem(
                    line_no,
                    format!("`{key}` uses a YAML anchor, alias or tag, which opsbook does not edit"),
                    format!("write the value plainly, such as `{key}: {scalar}`, then run the command again"),
                ))
            }
            Some(q @ ('"' | '\'')) => match closing_quote(&c[start..], q) {
                Some(len) => start + len,
                None => return Err(several_lines()),
            },
            Some(_) => {
                if continued {
                    return Err(several_lines());
                }
                start + value.len()
            }
        };
        Ok(format!("{}{scalar}{}{eol}", &c[..start], &c[end..]))
    }

    /// The text with `remove` lines at `at` replaced by `insert`.
    fn with(&self, at: usize, remove: usize, insert: &str) -> String {
        let mut out = String::new();
        if self.bom {
            out.push(BOM);
        }
        for line in &self.lines[..at] {
            out.push_str(line);
        }
        out.push_str(insert);
        for line in &self.lines[at + remove..] {
            out.push_str(line);
        }
        out
    }
}

/// A line without its ending.
fn content(line: &str) -> &str {
    let line = line.strip_suffix('\n').unwrap_or(line);
    line.strip_suffix('\r').unwrap_or(line)
}

fn line_ending(line: &str) -> &str {
    &line[content(line).len()..]
}

fn is_dash_item(c: &str) -> bool {
    c == "-" || c.starts_with("- ") || c.starts_with("-\t")
}

/// When `line` is the line of top-level `key` (`key:`, `"key":`, `'key' :`), the offset just
/// after the colon.
fn key_colon(line: &str, key: &str) -> Option<usize> {
    let rest = line.strip_prefix(key).or_else(|| {
        ['"', '\'']
            .iter()
            .find_map(|&q| line.strip_prefix(q)?.strip_prefix(key)?.strip_prefix(q))
    })?;
    let after = rest.trim_start_matches([' ', '\t']).strip_prefix(':')?;
    if after.is_empty() || after.starts_with([' ', '\t']) {
        Some(line.len() - after.len())
    } else {
        None
    }
}

/// The value written after the colon, without spaces around it and without a comment (for a
/// quoted value, up to the end of the line's content before a comment).
fn value_part(line: &str, colon: usize) -> &str {
    let after = &line[colon..];
    let mut prev_space = true;
    let mut in_quote: Option<char> = None;
    for (i, ch) in after.char_indices() {
        match in_quote {
            Some(q) if ch == q => in_quote = None,
            Some(_) => {}
            None if ch == '#' && prev_space => return after[..i].trim_matches([' ', '\t']),
            None if prev_space
                && (ch == '"' || ch == '\'')
                && after[..i].trim_matches([' ', '\t']).is_empty() =>
            {
                in_quote = Some(ch)
            }
            None => {}
        }
        prev_space = ch == ' ' || ch == '\t';
    }
    after.trim_matches([' ', '\t'])
}

/// The length of a quoted scalar at the start of `s` (quotes included), if it closes on the line.
fn closing_quote(s: &str, quote: char) -> Option<usize> {
    let mut chars = s.char_indices().skip(1).peekable();
    while let Some((i, ch)) = chars.next() {
        if quote == '"' && ch == '\\' {
            chars.next();
        } else if ch == quote {
            if quote == '\'' && chars.peek().is_some_and(|&(_, c)| c == '\'') {
                chars.next();
                continue;
            }
            return Some(i + ch.len_utf8());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const DAY: Date = date(2026, 11, 21);

    fn title_of(text: &str) -> Option<String> {
        read(text).unwrap().meta.title
    }

    #[test]
    fn replaces_a_value_and_keeps_its_comment() {
        let text = "---\ntitle: DB\nlast_reviewed: 2025-01-02   # yearly\nowner: x\n---\nbody\n";
        assert_eq!(
            mark_reviewed(text, DAY, None).unwrap(),
            "---\ntitle: DB\nlast_reviewed: 2026-11-21   # yearly\nowner: x\n---\nbody\n"
        );
    }

    #[test]
    fn replaces_a_quoted_value() {
        let text =
            "---\ntitle: DB\nlast_reviewed: \"2025-01-02\" # q\nreviewed_by: 'o''brien'\n---\n";
        assert_eq!(
            mark_reviewed(text, DAY, Some("sam")).unwrap(),
            "---\ntitle: DB\nlast_reviewed: 2026-11-21 # q\nreviewed_by: sam\n---\n"
        );
    }

    #[test]
    fn inserts_after_the_title_and_its_value() {
        let text = "---\nowner: x\ntitle: >-\n  A long\n  title\n# note\ntags: [a]\n---\n";
        assert_eq!(
            mark_reviewed(text, DAY, Some("alice")).unwrap(),
            "---\nowner: x\ntitle: >-\n  A long\n  title\nlast_reviewed: 2026-11-21\nreviewed_by: alice\n# note\ntags: [a]\n---\n"
        );
        // Without a title: at the end of the block.
        assert_eq!(
            mark_reviewed("---\nowner: x\n---\n# T\n", DAY, None).unwrap(),
            "---\nowner: x\nlast_reviewed: 2026-11-21\n---\n# T\n"
        );
        // reviewed_by right after an existing last_reviewed.
        assert_eq!(
            mark_reviewed(
                "---\nlast_reviewed: 2020-01-01\ntitle: T\n---\n",
                DAY,
                Some("bo")
            )
            .unwrap(),
            "---\nlast_reviewed: 2026-11-21\nreviewed_by: bo\ntitle: T\n---\n"
        );
    }

    #[test]
    fn crlf_stays_crlf_everywhere() {
        let text = "---\r\ntitle: A\r\nowner: x # c\r\n---\r\nbody\r\nmore\r\n";
        let out = mark_reviewed(text, DAY, Some("a b")).unwrap();
        assert_eq!(
            out,
            "---\r\ntitle: A\r\nlast_reviewed: 2026-11-21\r\nreviewed_by: a b\r\nowner: x # c\r\n---\r\nbody\r\nmore\r\n"
        );
        assert!(!out.replace("\r\n", "").contains('\n'));
        let replaced = mark_reviewed(
            "---\r\ntitle: A\r\nlast_reviewed: 2020-01-01\r\n---\r\n",
            DAY,
            None,
        )
        .unwrap();
        assert_eq!(
            replaced,
            "---\r\ntitle: A\r\nlast_reviewed: 2026-11-21\r\n---\r\n"
        );
    }

    #[test]
    fn lone_carriage_returns_are_refused() {
        // From fuzzing: the build reads `---\r` as a fence and a line end, this editor
        // did not, and added a second front matter on top.
        let err = mark_reviewed("---\rtitle: a\n---\nbody\n", DAY, None).unwrap_err();
        assert_eq!(err.line, 1);
        assert!(err.message.contains("carriage return"), "{err:?}");
        let err = mark_reviewed("---\r\ntitle: a\r\n---\r\nbody\rmore\r\n", DAY, None).unwrap_err();
        assert_eq!(err.line, 4);
        // CRLF alone is fine.
        assert!(mark_reviewed("---\r\ntitle: a\r\n---\r\nbody\r\n", DAY, None).is_ok());
    }

    #[test]
    fn bom_is_kept() {
        let text = "\u{feff}---\ntitle: A\n---\n";
        assert_eq!(
            mark_reviewed(text, DAY, None).unwrap(),
            "\u{feff}---\ntitle: A\nlast_reviewed: 2026-11-21\n---\n"
        );
        assert_eq!(
            mark_reviewed("\u{feff}# Hi\n", DAY, None).unwrap(),
            "\u{feff}---\nlast_reviewed: 2026-11-21\n---\n# Hi\n"
        );
    }

    #[test]
    fn comments_blank_lines_and_key_order_are_kept() {
        let text = "---\n# Reviewed every spring.\nzeta: 1\n\nowner: \"@platform\"   # the DRI\ntitle: 'Fail: over'\ncustom:\n  nested: [1, 2]\n\nlast_reviewed: 2024-03-01\n---\n\nBody: `last_reviewed: 1999-01-01`\n";
        let out = mark_reviewed(text, DAY, None).unwrap();
        assert_eq!(out, text.replace("2024-03-01", "2026-11-21"));
    }

    #[test]
    fn file_without_front_matter_gets_a_block() {
        assert_eq!(
            mark_reviewed("# Title\n\ntext\n", DAY, Some("sam")).unwrap(),
            "---\nlast_reviewed: 2026-11-21\nreviewed_by: sam\n---\n# Title\n\ntext\n"
        );
        assert_eq!(
            mark_reviewed("# Title\r\ntext", DAY, None).unwrap(),
            "---\r\nlast_reviewed: 2026-11-21\r\n---\r\n# Title\r\ntext"
        );
        assert_eq!(
            mark_reviewed("", DAY, None).unwrap(),
            "---\nlast_reviewed: 2026-11-21\n---\n"
        );
    }

    #[test]
    fn empty_front_matter_and_missing_final_newline() {
        assert_eq!(
            mark_reviewed("---\n---\n", DAY, None).unwrap(),
            "---\nlast_reviewed: 2026-11-21\n---\n"
        );
        assert_eq!(
            mark_reviewed("---\ntitle: A\n---", DAY, None).unwrap(),
            "---\ntitle: A\nlast_reviewed: 2026-11-21\n---"
        );
    }

    #[test]
    fn invalid_front_matter_is_refused_with_its_line() {
        let p = mark_reviewed("---\ntitle: A\nowner: [x\n---\n", DAY, None).unwrap_err();
        assert!(p.line >= 3, "{p:?}");
        assert!(p.message.contains("invalid front matter"), "{p:?}");
        let p = mark_reviewed("---\ntitle: A\n", DAY, None).unwrap_err();
        assert!(p.message.contains("never closed"), "{p:?}");
        let p = mark_reviewed("---\ntitle: A\nlast_reviewed: soon\n---\n", DAY, None).unwrap_err();
        assert_eq!(p.line, 3);
    }

    #[test]
    fn values_over_several_lines_are_refused() {
        for (text, line) in [
            ("---\ntitle: A\nreviewed_by: |\n  sam\n---\n", 3),
            ("---\ntitle: A\nreviewed_by:\n  sam\n---\n", 3),
            ("---\ntitle: A\nreviewed_by: sam\n  smith\n---\n", 3),
            ("---\ntitle: A\nreviewed_by: \"sam\n  smith\"\n---\n", 3),
            (
                "---\ntitle: A\nlast_reviewed: &d 2020-01-01\nstarted: *d\n---\n",
                3,
            ),
        ] {
            let p = mark_reviewed(text, DAY, Some("alice")).unwrap_err();
            assert_eq!(p.line, line, "{text}: {p:?}");
            assert!(p.help.is_some());
        }
        let p = set_key("---\ntitle: A\nowner: [a, b]\n---\n", "owner", "c").unwrap_err();
        assert!(p.message.contains("list or a mapping"), "{p:?}");
        let p = set_key("---\ntitle: A\nowner:\n- a\n- b\n---\n", "owner", "c").unwrap_err();
        assert!(p.message.contains("several lines"), "{p:?}");
    }

    #[test]
    fn values_that_need_quotes_are_quoted_and_read_back() {
        for value in [
            "Failover: the steps",
            "#1 priority",
            "C# builds",
            "@platform",
            "\"quoted\"",
            "it's fine",
            "- dash",
            "yes",
            "No",
            "null",
            "~",
            "123",
            "1e3",
            "0x1F",
            ".inf",
            "[x]",
            "{x}",
            "a | b",
            "*star",
            "&amp",
            "!tag",
            "%percent",
            "`tick`",
            "back\\slash",
            "tab\there",
            "new\nline",
            "Über Café",
            "ends with colon:",
            "'single'",
            "? question",
            "2026-11-21",
            "zero\u{0}byte",
            "line\u{2028}sep",
        ] {
            let out = set_key("---\ntitle: A\n---\n", "title", value)
                .unwrap_or_else(|p| panic!("{value:?}: {p:?}"));
            assert_eq!(title_of(&out).as_deref(), Some(value.trim()), "{out}");
        }
        assert_eq!(yaml_scalar("Restart the API"), "Restart the API");
        assert_eq!(yaml_scalar("@platform"), "\"@platform\"");
        assert_eq!(yaml_scalar("Fail: over"), "\"Fail: over\"");
        assert_eq!(yaml_scalar("a \"b\""), "\"a \\\"b\\\"\"");
        assert_eq!(
            set_key("---\ntitle: A\n---\n", "reviewed_by", "Ops: #oncall").unwrap(),
            "---\ntitle: A\nreviewed_by: \"Ops: #oncall\"\n---\n"
        );
    }

    #[test]
    fn an_edit_that_would_not_read_back_is_refused() {
        // A front matter written as one flow mapping has no key lines to edit; the checked
        // edit notices that the result does not parse and leaves the text alone.
        let p = mark_reviewed("---\n{title: A, owner: x}\n---\n", DAY, None).unwrap_err();
        assert!(
            p.message.contains("could not set `last_reviewed` safely"),
            "{p:?}"
        );
        assert_eq!(p.help.as_deref(), Some("set `last_reviewed` by hand"));
    }

    #[test]
    fn a_value_of_the_wrong_kind_is_refused() {
        let p = set_key("---\ntitle: A\n---\n", "last_reviewed", "soon").unwrap_err();
        assert!(p.message.contains("cannot set `last_reviewed`"), "{p:?}");
    }

    #[test]
    fn keys_are_matched_exactly() {
        let text = "---\ntitle: A\nlast_reviewed_note: x\n\"last_reviewed\" : 2020-01-01\n---\n";
        assert_eq!(
            mark_reviewed(text, DAY, None).unwrap(),
            "---\ntitle: A\nlast_reviewed_note: x\n\"last_reviewed\" : 2026-11-21\n---\n"
        );
    }

    #[test]
    fn an_empty_value_is_filled_keeping_its_comment() {
        assert_eq!(
            set_key("---\ntitle: A\nnote: # later\n---\n", "note", "now").unwrap(),
            "---\ntitle: A\nnote: now # later\n---\n"
        );
    }

    #[test]
    fn placement_top_after_and_uncomment() {
        let text = "---\n# owner: \"@team\"  who keeps this true\nstatus: draft\n---\n";
        let top = Placement {
            at_top: true,
            ..Placement::END
        };
        let out = set_key_at(text, "title", "T", top).unwrap();
        assert_eq!(
            out,
            "---\ntitle: T\n# owner: \"@team\"  who keeps this true\nstatus: draft\n---\n"
        );
        let owner = Placement {
            after: &["title"],
            at_top: true,
            uncomment: true,
        };
        assert_eq!(
            set_key_at(&out, "owner", "@sre", owner).unwrap(),
            "---\ntitle: T\nowner: \"@sre\"\nstatus: draft\n---\n"
        );
        // Without `uncomment`, an author's comment is never touched.
        assert_eq!(
            set_key(&out, "owner", "@sre").unwrap(),
            "---\ntitle: T\n# owner: \"@team\"  who keeps this true\nstatus: draft\nowner: \"@sre\"\n---\n"
        );
    }

    #[test]
    fn replace_value_is_unchecked_and_keeps_lines() {
        let text =
            "---\ntitle: \"{{title}}\"\nlast_reviewed: \"{{today}}\" # set by opsbook\n---\n";
        let out = replace_value(text, "last_reviewed", "2026-11-21")
            .unwrap()
            .unwrap();
        assert_eq!(
            out,
            "---\ntitle: \"{{title}}\"\nlast_reviewed: 2026-11-21 # set by opsbook\n---\n"
        );
        assert_eq!(replace_value(text, "owner", "x").unwrap(), None);
    }
}
