//! `opsbook init`: the files of a new handbook, built into the binary so it works anywhere.
//! Existing files are never overwritten.

use anyhow::{Context, Result};
use jiff::civil::Date;
use std::path::Path;

/// (path in the new handbook, text). `{today}`, `{year}`, `{month}` and `{yyyymmdd}` are
/// filled in with the date of the run.
const FILES: &[(&str, &str)] = &[
    ("book.toml", include_str!("scaffold/book.toml")),
    ("owners.yml", include_str!("scaffold/owners.yml")),
    ("content/index.md", include_str!("scaffold/index.md")),
    (
        "content/playbook/how-we-work.md",
        include_str!("scaffold/chapter.md"),
    ),
    (
        "content/sops/support-triage.md",
        include_str!("scaffold/sop.md"),
    ),
    (
        "content/runbooks/restart-the-api.md",
        include_str!("scaffold/runbook.md"),
    ),
    (
        "content/decisions/{year}-001-adopt-opsbook.md",
        include_str!("scaffold/decision.md"),
    ),
    (
        "content/incidents/INC-{yyyymmdd}-01.md",
        include_str!("scaffold/incident.md"),
    ),
    (
        "content/rfcs/{year}-{month}-quarterly-review-week.md",
        include_str!("scaffold/rfc.md"),
    ),
    (
        "content/onboarding/first-90-days.md",
        include_str!("scaffold/onboarding.md"),
    ),
    ("content/about.md", include_str!("scaffold/page.md")),
];

/// What `init` did.
#[derive(Debug, Default)]
pub struct InitReport {
    pub created: Vec<String>,
    pub kept: Vec<String>,
}

fn fill(text: &str, today: Date) -> String {
    text.replace("{today}", &today.to_string())
        .replace("{year}", &format!("{:04}", today.year()))
        .replace("{month}", &format!("{:02}", today.month()))
        .replace("{yyyymmdd}", &today.strftime("%Y%m%d").to_string())
}

/// Writes the scaffold into `dir` (created if needed), keeping every file that exists.
pub fn init(dir: &Path) -> Result<InitReport> {
    init_on(dir, jiff::Zoned::now().date())
}

/// `init` with a fixed date, for tests.
pub fn init_on(dir: &Path, today: Date) -> Result<InitReport> {
    let mut report = InitReport::default();
    for (path, text) in FILES {
        let path = fill(path, today);
        let target = dir.join(&path);
        if let Some(parent) = target.parent() {
            crate::files::create_dir_all(parent)?;
        }
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target);
        match file {
            Ok(mut f) => {
                use std::io::Write;
                f.write_all(fill(text, today).as_bytes())
                    .with_context(|| format!("could not write {}", target.display()))?;
                report.created.push(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => report.kept.push(path),
            Err(e) => {
                return Err(e).with_context(|| format!("could not create {}", target.display()))
            }
        }
    }
    Ok(report)
}
