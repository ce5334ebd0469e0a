//! `opsbook new`: names by type, sequence numbers, templates (built-in, the handbook's own, for
//! declared types), never overwriting, and documents that build cleanly.

use crate::support::{TestBook, TODAY};

/// Runs `opsbook new ARGS...`: (exit code, stdout, stderr).
fn new(book: &TestBook, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["new"];
    all.extend_from_slice(args);
    let output = book.cmd(&all).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Creates a document and returns the path printed on stdout (the only output there).
fn created(book: &TestBook, args: &[&str]) -> String {
    let (code, stdout, stderr) = new(book, args);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    assert_eq!(stdout.lines().count(), 1, "one line on stdout: {stdout:?}");
    let path = stdout.trim_end_matches('\n').to_string();
    assert!(book.root().join(&path).is_file(), "{path} was not created");
    path
}

fn text_of(book: &TestBook, rel: &str) -> String {
    std::fs::read_to_string(book.root().join(rel)).unwrap()
}

#[test]
fn new_names_each_built_in_type_by_its_convention() {
    let book = TestBook::new();
    let cases = [
        (
            "runbook",
            "Restart the API",
            "content/runbooks/restart-the-api.md",
        ),
        ("sop", "Support triage", "content/sops/support-triage.md"),
        ("chapter", "How we work", "content/playbook/how-we-work.md"),
        (
            "onboarding",
            "First 90 days",
            "content/onboarding/first-90-days.md",
        ),
        ("page", "About us", "content/about-us.md"),
        (
            "decision",
            "Use Postgres",
            "content/decisions/2026-001-use-postgres.md",
        ),
        (
            "rfc",
            "Quarterly review week",
            "content/rfcs/2026-11-quarterly-review-week.md",
        ),
        (
            "incident",
            "API outage",
            "content/incidents/INC-20261121-01.md",
        ),
    ];
    for (doc_type, title, expected) in cases {
        let (code, stdout, stderr) = new(&book, &[doc_type, title, "--today", TODAY]);
        assert_eq!(code, 0, "{doc_type}: {stderr}");
        assert_eq!(stdout, format!("{expected}\n"), "{doc_type}");
    }
    // Each is the type its folder says, with the title it was given.
    let handbook = book.load();
    assert!(!handbook.has_errors(), "{:#?}", handbook.diagnostics);
    for (doc_type, title, expected) in cases {
        let rel = expected.strip_prefix("content/").unwrap();
        let doc = handbook.document(rel).unwrap();
        assert_eq!(doc.doc_type, doc_type);
        assert_eq!(doc.meta.title.as_deref(), Some(title));
        assert_eq!(
            doc.meta.doc_type, None,
            "{rel}: no `type:` when the folder says it"
        );
        assert_eq!(doc.meta.last_reviewed, Some(crate::support::today()));
    }
}

#[test]
fn new_decision_takes_the_next_number_of_the_year_after_gaps() {
    let book = TestBook::new();
    for name in [
        "2026-001-a.md",
        "2026-002-b.md",
        "2026-005-c.md",
        "2025-011-old.md",
    ] {
        book.file(&format!("content/decisions/{name}"), "---\ntitle: X\n---\n");
    }
    let path = created(&book, &["decision", "Use Postgres", "--today", TODAY]);
    assert_eq!(path, "content/decisions/2026-006-use-postgres.md");
    let path = created(&book, &["decision", "Use Redis", "--today", TODAY]);
    assert_eq!(path, "content/decisions/2026-007-use-redis.md");
    assert!(text_of(&book, &path).contains("\nDecision 2026-007.\n"));
}

#[test]
fn new_decision_starts_at_001_in_a_new_year() {
    let book = TestBook::new();
    book.file(
        "content/decisions/2025-009-last-year.md",
        "---\ntitle: X\n---\n",
    );
    let path = created(&book, &["decision", "New year", "--today", "2026-01-02"]);
    assert_eq!(path, "content/decisions/2026-001-new-year.md");
}

#[test]
fn new_incidents_on_the_same_day_count_up() {
    let book = TestBook::new();
    book.file(
        "content/incidents/INC-20261120-04.md",
        "---\ntitle: X\n---\n",
    );
    let first = created(&book, &["incident", "Database down", "--today", TODAY]);
    assert_eq!(first, "content/incidents/INC-20261121-01.md");
    let second = created(&book, &["incident", "Database down", "--today", TODAY]);
    assert_eq!(second, "content/incidents/INC-20261121-02.md");
    let text = text_of(&book, &second);
    assert!(text.contains("started: 2026-11-21\n"), "{text}");
    assert!(text.contains("severity: SEV-3"), "{text}");
    assert!(
        text.contains("Postmortem of INC-20261121-02, opened 2026-11-21."),
        "{text}"
    );
}

#[test]
fn new_never_overwrites_an_existing_rfc() {
    let book = TestBook::new();
    let existing = "---\ntitle: Review week\nstatus: accepted\n---\n\nMine.\n";
    book.file("content/rfcs/2026-11-review-week.md", existing);
    let (code, stdout, stderr) = new(&book, &["rfc", "Review week", "--today", TODAY]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("content/rfcs/2026-11-review-week.md already exists"),
        "{stderr}"
    );
    assert_eq!(
        text_of(&book, "content/rfcs/2026-11-review-week.md"),
        existing
    );
}

#[test]
fn new_fills_the_owner_in_front_matter_and_follow_ups() {
    let book = TestBook::new();
    let path = created(
        &book,
        &[
            "incident",
            "Login fails",
            "--owner",
            "@sre",
            "--today",
            TODAY,
        ],
    );
    let text = text_of(&book, &path);
    assert!(
        text.starts_with("---\ntitle: Login fails\nowner: \"@sre\"\nstarted: 2026-11-21\nlast_reviewed: 2026-11-21\n"),
        "{text}"
    );
    assert!(
        text.contains("\n- [ ] Action — @sre — due 2026-12-05\n"),
        "{text}"
    );

    // Without --owner the key stays a comment to fill in, the follow-up a placeholder handle,
    // and stderr says so.
    let (code, stdout, stderr) = new(&book, &["incident", "Login slow", "--today", TODAY]);
    assert_eq!(code, 0, "{stderr}");
    let text = text_of(&book, stdout.trim_end());
    assert!(text.contains("\n# owner: \"@team\""), "{text}");
    assert!(!text.contains("\nowner:"), "{text}");
    assert!(
        text.contains("\n- [ ] Action — @owner — due 2026-12-05\n"),
        "{text}"
    );
    assert!(stderr.contains("has no owner yet"), "{stderr}");

    // A person's name becomes a handle in the follow-up.
    let path = created(
        &book,
        &[
            "incident",
            "Disk full",
            "--owner",
            "alice",
            "--today",
            TODAY,
        ],
    );
    let text = text_of(&book, &path);
    assert!(text.contains("\nowner: alice\n"), "{text}");
    assert!(text.contains("— @alice — due"), "{text}");
}

#[test]
fn new_titles_that_need_quoting_read_back_exactly() {
    let book = TestBook::new();
    let titles = [
        "Failover: the \"primary\" #1",
        "@platform's on-call",
        "- not a list",
        "yes",
        "2026-11-21",
        "C:\\temp \\n cleanup",
        "Über Café — straße",
        "[draft] {braces} & *stars*",
    ];
    for (i, title) in titles.iter().enumerate() {
        let path = created(
            &book,
            // `--` lets a title start with `-`.
            &[
                "--owner",
                "Ops: #oncall",
                "--today",
                TODAY,
                "--",
                "runbook",
                title,
            ],
        );
        let handbook = book.load();
        let doc = handbook
            .document(path.strip_prefix("content/").unwrap())
            .unwrap_or_else(|| panic!("{i}: {path} not loaded: {:#?}", handbook.diagnostics));
        assert_eq!(doc.meta.title.as_deref(), Some(*title), "{path}");
        assert_eq!(doc.meta.owners, ["Ops: #oncall"], "{path}");
    }
}

#[test]
fn new_uses_the_handbooks_own_template() {
    let book = TestBook::fixture("new/custom");
    let path = created(
        &book,
        &[
            "runbook",
            "Restart: API",
            "--owner",
            "sre",
            "--today",
            TODAY,
        ],
    );
    assert_eq!(path, "content/runbooks/restart-api.md");
    assert_eq!(
        text_of(&book, &path),
        "---\nservice: api\ntitle: \"Restart: API\"\nowner: sre\nlast_reviewed: 2026-11-21\n---\n\nRunbook restart-api by @sre; check it again by 2026-12-05.\n"
    );
}

#[test]
fn new_declared_types_use_their_folder_and_template() {
    let book = TestBook::fixture("new/custom");
    // A declared type with a folder and a template of its own.
    let path = created(
        &book,
        &[
            "policy",
            "Data retention",
            "--owner",
            "@legal",
            "--today",
            TODAY,
        ],
    );
    assert_eq!(path, "content/policies/data-retention.md");
    assert_eq!(
        text_of(&book, &path),
        "---\ntitle: Data retention\nowner: \"@legal\"\nlast_reviewed: 2026-11-21\napplies_to: everyone\n---\n\n# Data retention\n\nPolicy data-retention, owned by @legal, effective 2026-11-21.\n\nBraces that are not placeholders stay: {{ .Values.image }}.\n"
    );
    // A declared type without a folder or template: at the top, `type:` written, the page
    // skeleton.
    let path = created(&book, &["note", "Office hours", "--today", TODAY]);
    assert_eq!(path, "content/office-hours.md");
    let text = text_of(&book, &path);
    assert!(
        text.starts_with("---\ntitle: Office hours\ntype: note\nlast_reviewed: 2026-11-21\n"),
        "{text}"
    );
    assert!(text.contains("## Details"), "{text}");

    let handbook = book.load();
    assert!(!handbook.has_errors(), "{:#?}", handbook.diagnostics);
    assert_eq!(
        handbook
            .document("policies/data-retention.md")
            .unwrap()
            .doc_type,
        "policy"
    );
    assert_eq!(
        handbook.document("office-hours.md").unwrap().doc_type,
        "note"
    );
}

#[test]
fn new_follows_configured_folders() {
    let book = TestBook::new();
    book.file(
        "book.toml",
        "[book]\ntitle = \"T\"\nsrc = \"docs\"\n\n[types.runbook]\nfolder = \"ops\"\n",
    );
    std::fs::create_dir_all(book.root().join("docs")).unwrap();
    let path = created(&book, &["runbook", "Rotate keys", "--today", TODAY]);
    assert_eq!(path, "docs/ops/rotate-keys.md");
    assert!(!text_of(&book, &path).contains("type:"));
    let handbook = book.load();
    assert_eq!(
        handbook.document("ops/rotate-keys.md").unwrap().doc_type,
        "runbook"
    );
}

#[test]
fn new_documents_of_every_type_build_without_diagnostics() {
    let book = TestBook::fixture("new/custom");
    for doc_type in crate::support::ALL_TYPES.iter().chain(&["policy", "note"]) {
        for owner in [None, Some("@platform")] {
            let title = format!("A {doc_type}: \"quoted\" #{}", owner.is_some());
            let mut args = vec![*doc_type, title.as_str(), "--today", TODAY];
            if let Some(owner) = owner {
                args.extend(["--owner", owner]);
            }
            created(&book, &args);
        }
    }
    book.file(
        "owners.yml",
        "\"@platform\":\n  name: Platform\n\"@ops\":\n  name: Ops\n",
    );
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "only the summary line: {stderr}");
    assert!(lines[0].starts_with("Built "), "{stderr}");
    let handbook = book.load();
    assert!(
        handbook.diagnostics.is_empty(),
        "{:#?}",
        handbook.diagnostics
    );
    let types = crate::support::doc_types(&handbook);
    assert!(
        types.contains(&"policy") && types.contains(&"note"),
        "{types:?}"
    );
}

#[test]
fn new_with_dir_prints_a_path_from_the_current_folder() {
    let book = TestBook::new();
    std::fs::create_dir_all(book.root().join("hb/content")).unwrap();
    book.file("hb/book.toml", "[book]\ntitle = \"T\"\n");
    let (code, stdout, stderr) = new(
        &book,
        &["runbook", "Restart", "--dir", "hb", "--today", TODAY],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "hb/content/runbooks/restart.md\n");
    assert!(book.root().join("hb/content/runbooks/restart.md").is_file());
}

#[test]
fn new_usage_errors_exit_2_and_write_nothing() {
    let book = TestBook::new();
    let cases: [(&[&str], &str); 7] = [
        (&["widget", "X"], "unknown document type `widget`; the types of this handbook are chapter, decision, incident, onboarding, page, rfc, runbook, sop"),
        (&["runbook", "   "], "the title is empty"),
        (&["runbook", "?!?"], "has no letters or digits"),
        (&["runbook", "Two\nlines"], "one line"),
        (&["runbook", "X", "--owner", ""], "--owner is empty"),
        (&["runbook", "X", "--today", "2026-02-30"], "2026-02-30"),
        (&["runbook"], "TITLE"),
    ];
    for (args, expected) in cases {
        let (code, stdout, stderr) = new(&book, args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert_eq!(stdout, "", "{args:?}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    let files = crate::support::snapshot_tree(&book.root().join("content"));
    assert!(files.is_empty(), "{:?}", files.keys());

    // Outside a handbook.
    let empty = tempfile::tempdir().unwrap();
    let output = assert_cmd::Command::cargo_bin("opsbook")
        .unwrap()
        .current_dir(empty.path())
        .args(["new", "runbook", "X"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no book.toml in the current folder")
            && stderr.contains("opsbook init")
            && stderr.contains("--dir"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_dir(empty.path()).unwrap().count(), 0);
}

#[test]
fn new_reports_a_broken_template_with_its_line() {
    let book = TestBook::new();
    book.file(
        "templates/sop.md",
        "---\nstatus: draft\n---\n\n## Steps\n\n- [ ] {{step}}\n",
    );
    let (code, stdout, stderr) = new(&book, &["sop", "Triage", "--today", TODAY]);
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("templates/sop.md:7: unknown placeholder `{{step}}`"),
        "{stderr}"
    );
    assert!(!book.root().join("content/sops/triage.md").exists());
}
