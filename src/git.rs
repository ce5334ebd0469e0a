//! Git history for `opsbook check`: the date of the latest commit of every file under the
//! content folder, read with one `git log` for the whole handbook.
//!
//! Only `check` uses this (for `changed-since-review`). Outside a git checkout, or without git,
//! there is no history and the check is skipped. A shallow clone is said to be one rather than
//! guessed from: its oldest commit would look like a change to every file.

use jiff::civil::Date;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

/// What git knows about the handbook's files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum History {
    /// Not a git checkout, git is not installed, or git failed: nothing to compare.
    #[default]
    Unavailable,
    /// A shallow clone: the history is cut off.
    Shallow,
    /// Path relative to the handbook root (`content/runbooks/db.md`) → the UTC date of the
    /// latest commit that changed it (committer date).
    Dates(BTreeMap<String, Date>),
}

/// The history of the files under `content` (a folder relative to `root`).
pub fn history(root: &Path, content: &Path) -> History {
    let shallow = match git(root, &["rev-parse", "--is-shallow-repository"]) {
        Some(out) => out.trim() == "true",
        None => return History::Unavailable,
    };
    if shallow {
        return History::Shallow;
    }
    let Some(content) = content.to_str() else {
        return History::Unavailable;
    };
    // `--relative` gives paths relative to `root` (the handbook may sit in a sub-folder of
    // the repository); `-z` leaves unusual file names unquoted.
    let log = git(
        root,
        &[
            "log",
            "--no-color",
            "--format=%x01%ct",
            "--name-only",
            "-z",
            "--relative",
            "--",
            content,
        ],
    );
    match log {
        Some(out) => History::Dates(parse_log(&out)),
        None => History::Unavailable,
    }
}

/// Runs git in `dir`; its stdout when it succeeded.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        log::debug!("git {} failed: {}", args.join(" "), output.status);
        return None;
    }
    String::from_utf8(output.stdout).ok()
}

/// Parses `git log --format=%x01%ct --name-only -z`: each commit is `\x01<seconds>` followed
/// by the names of the files it changed, all separated by NUL bytes.
pub fn parse_log(out: &str) -> BTreeMap<String, Date> {
    let mut dates: BTreeMap<String, Date> = BTreeMap::new();
    let mut current: Option<Date> = None;
    for token in out.split('\0') {
        let token = token.trim_start_matches('\n');
        if token.is_empty() {
            continue;
        }
        if let Some(seconds) = token.strip_prefix('\x01') {
            current = seconds
                .trim()
                .parse::<i64>()
                .ok()
                .and_then(|s| jiff::Timestamp::from_second(s).ok())
                .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date());
            continue;
        }
        if let Some(date) = current {
            let latest = dates.entry(token.to_string()).or_insert(date);
            if date > *latest {
                *latest = date;
            }
        }
    }
    dates
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn latest_commit_date_per_file_in_utc() {
        // 1767414600 is 2026-01-03T04:30:00Z (the evening of the 2nd in New York).
        let out =
            "\x011795260617\0\ncontent/a.md\0\0\x011767414600\0\ncontent/a.md\0content/b c.md\0";
        let dates = parse_log(out);
        assert_eq!(dates["content/a.md"], date(2026, 11, 21));
        assert_eq!(dates["content/b c.md"], date(2026, 1, 3));
        assert_eq!(dates.len(), 2);
    }

    #[test]
    fn garbage_is_ignored() {
        assert!(parse_log("").is_empty());
        assert!(parse_log("content/a.md\0").is_empty());
        assert!(parse_log("\x01nope\0content/a.md\0").is_empty());
    }
}
