//! `opsbook review`: only `last_reviewed` and `reviewed_by` change, byte for byte; bad input is
//! refused with the file and line, and the file is left as it was.

use crate::support::{TestBook, TODAY};

/// Runs `opsbook review ARGS...`: (exit code, stderr).
fn review(book: &TestBook, args: &[&str]) -> (i32, String) {
    let mut all = vec!["review"];
    all.extend_from_slice(args);
    let output = book.cmd(&all).output().unwrap();
    assert!(
        output.stdout.is_empty(),
        "review prints nothing on stdout: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn bytes_of(book: &TestBook, rel: &str) -> Vec<u8> {
    std::fs::read(book.root().join(rel)).unwrap()
}

/// Asserts a file holds exactly `expected`, showing both as text when not.
fn assert_bytes(book: &TestBook, rel: &str, expected: &[u8]) {
    let got = bytes_of(book, rel);
    assert!(
        got == expected,
        "{rel}:\n--- got ---\n{:?}\n--- expected ---\n{:?}",
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(expected)
    );
}

const COMMENTED: &str = "---
# Owned by the database team; see owners.yml.
service: postgres
owner: '@platform'          # the DRI
tags: [postgres, \"fail: over\"]
title: \"Database failover\"

last_reviewed: 2025-02-03   # last drill
review_every: 90d
---

# Database failover

Front matter-like text in the body stays: `last_reviewed: 2020-01-01`.
---
trailing text without a final newline";

#[test]
fn review_keeps_every_other_byte() {
    let book = TestBook::new();
    book.file("content/runbooks/commented.md", COMMENTED);
    let crlf = "---\r\ntitle: Restart the API\r\nowner: sam # on call\r\n---\r\n\r\n## Steps\r\n\r\n1. Restart.\r\n";
    book.file("content/runbooks/crlf.md", crlf);
    let bom = "\u{feff}---\ntags: [x]\ntitle: With a BOM\n---\nText\n";
    book.file("content/bom.md", bom);
    book.file("content/plain.md", "# No front matter\n\nJust text.\n");

    let (code, stderr) = review(
        &book,
        &[
            "content/runbooks/commented.md",
            "content/runbooks/crlf.md",
            "content/bom.md",
            "content/plain.md",
            "--today",
            TODAY,
        ],
    );
    assert_eq!(code, 0, "{stderr}");

    assert_bytes(
        &book,
        "content/runbooks/commented.md",
        COMMENTED
            .replace(
                "last_reviewed: 2025-02-03   # last drill",
                "last_reviewed: 2026-11-21   # last drill",
            )
            .as_bytes(),
    );
    assert_bytes(
        &book,
        "content/runbooks/crlf.md",
        b"---\r\ntitle: Restart the API\r\nlast_reviewed: 2026-11-21\r\nowner: sam # on call\r\n---\r\n\r\n## Steps\r\n\r\n1. Restart.\r\n",
    );
    assert_bytes(
        &book,
        "content/bom.md",
        "\u{feff}---\ntags: [x]\ntitle: With a BOM\nlast_reviewed: 2026-11-21\n---\nText\n"
            .as_bytes(),
    );
    assert_bytes(
        &book,
        "content/plain.md",
        b"---\nlast_reviewed: 2026-11-21\n---\n# No front matter\n\nJust text.\n",
    );
    // Nothing else is left in the folders (no temporary files).
    let mut names: Vec<String> = std::fs::read_dir(book.root().join("content/runbooks"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["commented.md", "crlf.md"]);
}

#[test]
fn review_by_inserts_then_replaces_reviewed_by() {
    let book = TestBook::new();
    book.file(
        "content/sops/triage.md",
        "---\ntitle: Triage\r\nowner: x\n---\nbody\n",
    );
    // The first line ends with LF, so inserted lines do too; the CRLF line keeps its CR.
    let (code, stderr) = review(
        &book,
        &[
            "content/sops/triage.md",
            "--today",
            "2026-01-05",
            "--by",
            "@platform",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(
            "Reviewed content/sops/triage.md (last_reviewed: 2026-01-05, reviewed_by: @platform)"
        ),
        "{stderr}"
    );
    assert_bytes(
        &book,
        "content/sops/triage.md",
        b"---\ntitle: Triage\r\nlast_reviewed: 2026-01-05\nreviewed_by: \"@platform\"\nowner: x\n---\nbody\n",
    );

    let (code, stderr) = review(
        &book,
        &[
            "content/sops/triage.md",
            "--today",
            TODAY,
            "--by",
            "Ana: SRE #2",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_bytes(
        &book,
        "content/sops/triage.md",
        b"---\ntitle: Triage\r\nlast_reviewed: 2026-11-21\nreviewed_by: \"Ana: SRE #2\"\nowner: x\n---\nbody\n",
    );
    let handbook = book.load();
    let doc = &handbook.documents[0];
    assert_eq!(doc.meta.reviewed_by.as_deref(), Some("Ana: SRE #2"));
}

#[test]
fn review_refuses_invalid_front_matter_and_leaves_the_file_alone() {
    let book = TestBook::new();
    let bad = "---\ntitle: Bad\nowner: [unclosed\n---\nbody\n";
    book.file("content/runbooks/bad.md", bad);
    let multi = "---\ntitle: Multi\nlast_reviewed: >-\n  2025-01-01\n---\n";
    book.file("content/runbooks/multi.md", multi);
    let date = "---\ntitle: Date\nlast_reviewed: last week\n---\n";
    book.file("content/runbooks/date.md", date);

    let (code, stderr) = review(
        &book,
        &["content/runbooks/bad.md", "--today", TODAY, "--by", "sam"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("content/runbooks/bad.md:4: error: invalid front matter"),
        "{stderr}"
    );
    assert!(stderr.contains("help:"), "{stderr}");
    assert_bytes(&book, "content/runbooks/bad.md", bad.as_bytes());

    let (code, stderr) = review(&book, &["content/runbooks/multi.md", "--today", TODAY]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("content/runbooks/multi.md:3: error: `last_reviewed` has a value written over several lines"),
        "{stderr}"
    );
    assert_bytes(&book, "content/runbooks/multi.md", multi.as_bytes());

    let (code, stderr) = review(&book, &["content/runbooks/date.md", "--today", TODAY]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("content/runbooks/date.md:3: error: `last_reviewed`"),
        "{stderr}"
    );
    assert_bytes(&book, "content/runbooks/date.md", date.as_bytes());
}

#[test]
fn review_refuses_missing_files_folders_and_other_files() {
    let book = TestBook::new();
    book.file("content/notes.txt", "not a document\n");
    let (code, stderr) = review(&book, &["content/missing.md", "--today", TODAY]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("content/missing.md: error: no such file"),
        "{stderr}"
    );
    let (code, stderr) = review(&book, &["content", "--today", TODAY]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("content: error: is a folder"), "{stderr}");
    let (code, stderr) = review(&book, &["content/notes.txt", "--today", TODAY]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("content/notes.txt: error: is not a Markdown document"),
        "{stderr}"
    );
    assert_bytes(&book, "content/notes.txt", b"not a document\n");
    // No path at all is a usage error too.
    let (code, _) = review(&book, &[]);
    assert_eq!(code, 2);
}

#[test]
fn review_of_several_files_writes_the_good_ones_and_reports_each_bad_one() {
    let book = TestBook::new();
    book.file("content/a.md", "---\ntitle: A\n---\n");
    book.file("content/b.md", "---\ntitle: [B\n---\n");
    book.file("content/c.md", "---\ntitle: C\n---\n");
    let (code, stderr) = review(
        &book,
        &[
            "content/a.md",
            "content/b.md",
            "content/gone.md",
            "content/c.md",
            "--today",
            TODAY,
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("content/b.md:3: error:"), "{stderr}");
    assert!(stderr.contains("content/gone.md: error:"), "{stderr}");
    assert!(
        stderr.contains("2 of 4 files were not marked reviewed"),
        "{stderr}"
    );
    assert_bytes(
        &book,
        "content/a.md",
        b"---\ntitle: A\nlast_reviewed: 2026-11-21\n---\n",
    );
    assert_bytes(&book, "content/b.md", b"---\ntitle: [B\n---\n");
    assert_bytes(
        &book,
        "content/c.md",
        b"---\ntitle: C\nlast_reviewed: 2026-11-21\n---\n",
    );
}

#[test]
fn review_prints_one_line_per_file_unless_quiet() {
    let book = TestBook::new();
    book.file("content/runbooks/db.md", "---\ntitle: DB\n---\n");
    let (code, stderr) = review(&book, &["content/runbooks/db.md", "--today", TODAY]);
    assert_eq!(code, 0);
    assert_eq!(
        stderr,
        "Reviewed content/runbooks/db.md (last_reviewed: 2026-11-21)\n"
    );
    let (code, stderr) = review(&book, &["-q", "content/runbooks/db.md", "--today", TODAY]);
    assert_eq!(code, 0);
    assert_eq!(stderr, "");
}

#[test]
fn review_rejects_a_bad_date_and_an_empty_name() {
    let book = TestBook::new();
    let text = "---\ntitle: DB\n---\n";
    book.file("content/db.md", text);
    let (code, stderr) = review(&book, &["content/db.md", "--today", "2026-02-30"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("2026-02-30"), "{stderr}");
    let (code, stderr) = review(&book, &["content/db.md", "--by", " "]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--by needs a name"), "{stderr}");
    assert_bytes(&book, "content/db.md", text.as_bytes());
}

#[test]
fn review_without_today_uses_the_local_date() {
    let book = TestBook::new();
    book.file("content/db.md", "---\ntitle: DB\n---\n");
    let (code, stderr) = review(&book, &["content/db.md"]);
    assert_eq!(code, 0, "{stderr}");
    let handbook = book.load();
    assert!(handbook.documents[0].meta.last_reviewed.is_some());
}

#[test]
fn reviewed_document_is_fresh_in_the_built_site() {
    let book = TestBook::new();
    book.file(
        "content/runbooks/db.md",
        "---\ntitle: DB\nowner: sam\nlast_reviewed: 2025-01-01\n---\n\nText.\n",
    );
    review(&book, &["content/runbooks/db.md", "--today", TODAY]);
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 0, "{stderr}");
    let catalog = book.catalog();
    assert_eq!(catalog[0]["last_reviewed"], TODAY);
    assert_eq!(catalog[0]["state"], "ok");
}

#[cfg(unix)]
#[test]
fn review_keeps_the_file_permissions_and_refuses_read_only_files() {
    use std::os::unix::fs::PermissionsExt;
    let book = TestBook::new();
    book.file("content/db.md", "---\ntitle: DB\n---\n");
    let path = book.root().join("content/db.md");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let (code, stderr) = review(&book, &["content/db.md", "--today", TODAY]);
    assert_eq!(code, 0, "{stderr}");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o640);

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let before = bytes_of(&book, "content/db.md");
    let (code, stderr) = review(&book, &["content/db.md", "--today", "2027-01-01"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("read-only"), "{stderr}");
    assert_eq!(bytes_of(&book, "content/db.md"), before);
}

#[cfg(unix)]
#[test]
fn review_through_a_symbolic_link_edits_the_target_and_keeps_the_link() {
    let book = TestBook::new();
    book.file("shared/db.md", "---\ntitle: DB\n---\n");
    std::os::unix::fs::symlink(
        book.root().join("shared/db.md"),
        book.root().join("link.md"),
    )
    .unwrap();
    let (code, stderr) = review(&book, &["link.md", "--today", TODAY]);
    assert_eq!(code, 0, "{stderr}");
    assert!(std::fs::symlink_metadata(book.root().join("link.md"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_bytes(
        &book,
        "shared/db.md",
        b"---\ntitle: DB\nlast_reviewed: 2026-11-21\n---\n",
    );
}
