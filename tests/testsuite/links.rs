//! Links to other documents become links to their pages, relative, anchors kept.

use crate::support::TestBook;

#[test]
fn relative_markdown_links_are_rewritten() {
    let book = TestBook::fixture("links/rewrite");
    book.build();
    let main = book.main_of("sops/deep/triage.html");
    for expected in [
        "href=\"../../runbooks/db.html#failover-steps\"",
        "href=\"../../runbooks/db.html\"", // root-relative made relative
        "href=\"../../runbooks/db.html?plain=1#failover-steps-1\"",
        "href=\"./triage.html\"",
        "href=\"../../runbooks/index.html\"", // folder → its section page
        "href=\"https://example.com/x.md\"",  // external untouched
        "href=\"mailto:ops@example.com\"",
        "href=\"#intro\"",
        "src=\"../../img/diagram.svg\"",
    ] {
        assert!(main.contains(expected), "missing {expected} in {main}");
    }
    // Links inside code stay text.
    assert!(
        main.contains("<code>[not a link](../../runbooks/db.md)</code>"),
        "{main}"
    );
    assert!(main.contains("[also not a link](../../runbooks/db.md)"));
    // The only `.md` destination left is the external one.
    assert_eq!(
        main.matches(".md\"").count(),
        1,
        "an .md link survived: {main}"
    );
}

#[test]
fn links_are_recorded_with_their_lines() {
    let book = TestBook::fixture("links/rewrite");
    let handbook = book.load();
    let doc = handbook.document("sops/deep/triage.md").unwrap();
    let lines: Vec<(usize, &str)> = doc
        .rendered
        .links
        .iter()
        .map(|l| (l.line, l.dest.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            (4, "../../runbooks/db.md#failover-steps"),
            (5, "/runbooks/db.md"),
            (5, "../../runbooks/db.md?plain=1#failover-steps-1"),
            (6, "./triage.md"),
            (6, "../../runbooks/"),
            (7, "https://example.com/x.md"),
            (7, "mailto:ops@example.com"),
            (7, "#intro"),
            (8, "../../img/diagram.svg"),
        ]
    );
}

#[test]
fn headings_get_unique_github_anchors() {
    let book = TestBook::fixture("links/rewrite");
    book.build();
    let main = book.main_of("runbooks/db.html");
    assert!(main.contains("<h2 id=\"failover-steps\">"), "{main}");
    assert!(main.contains("<h2 id=\"failover-steps-1\">"), "{main}");
    // The table of contents links to both.
    assert!(main.contains("href=\"#failover-steps-1\""), "{main}");
}

#[test]
fn backlinks_are_shown_and_cataloged() {
    let book = TestBook::fixture("links/rewrite");
    book.build();
    let main = book.main_of("runbooks/db.html");
    assert!(main.contains("Linked from"), "{main}");
    assert!(
        main.contains("href=\"../sops/deep/triage.html\">Triage</a>"),
        "{main}"
    );
}

#[test]
fn documents_are_found_by_path_whatever_the_walk_order() {
    // `a/b.md` is walked before `a.md`, but sorts after it as a path.
    let book = TestBook::new();
    book.file("content/a.md", "---\ntitle: A\n---\nSee [b](a/b.md).\n")
        .file(
            "content/a/b.md",
            "---\ntitle: B\n---\nBack to [a](../a.md).\n",
        )
        .file("content/a-z.md", "---\ntitle: AZ\n---\nx\n");
    let handbook = book.load();
    for rel in ["a.md", "a/b.md", "a-z.md"] {
        assert_eq!(handbook.document(rel).map(|d| d.rel.as_str()), Some(rel));
    }
    book.build();
    let catalog = book.catalog();
    let paths: Vec<&str> = catalog
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["content/a-z.md", "content/a.md", "content/a/b.md"]);
    assert_eq!(
        catalog[1]["linked_from"],
        serde_json::json!(["content/a/b.md"])
    );
}

/// (line, column, kind) of every broken-link diagnostic.
fn broken(handbook: &opsbook::Handbook) -> Vec<(usize, usize, &'static str)> {
    handbook
        .diagnostics
        .iter()
        .filter(|d| d.kind.starts_with("broken-"))
        .map(|d| (d.line, d.column, d.kind))
        .collect()
}

#[test]
fn every_broken_link_and_anchor_is_found_with_line_and_column() {
    let book = TestBook::fixture("links/broken");
    let handbook = book.load();
    assert_eq!(
        broken(&handbook),
        [
            (8, 15, "broken-link"),    // missing file
            (9, 17, "broken-anchor"),  // missing anchor in another page
            (10, 12, "broken-anchor"), // missing anchor on the same page
            (11, 20, "broken-link"),   // `./` prefix and a query
            (12, 18, "broken-link"),   // percent-encoded, non-ASCII name
            (12, 70, "broken-anchor"), // non-ASCII anchor written without the umlaut
            (13, 8, "broken-link"),    // a draft is not published
            (14, 10, "broken-link"),   // climbs out of the content folder
            (15, 9, "broken-link"),    // a folder that does not exist
            (16, 8, "broken-link"),    // a missing image
            (17, 8, "broken-link"),    // a moved file
            (18, 7, "broken-link"),    // wrong case: breaks on a case-sensitive server
        ]
    );
    // Every diagnostic is an error under the default policy and names the link as written.
    let d: Vec<_> = handbook
        .diagnostics
        .iter()
        .filter(|d| d.kind.starts_with("broken-"))
        .collect();
    assert!(d
        .iter()
        .all(|d| d.is_error() && d.path == "content/guide/links.md"));
    assert!(
        d[0].message.contains("`../runbooks/db-falover.md`"),
        "{}",
        d[0]
    );
    let help = |k: usize| d[k].help.clone().unwrap_or_default();
    assert_eq!(help(0), "did you mean `../runbooks/db-failover.md`?");
    assert_eq!(help(1), "did you mean `#failover-steps`?");
    assert_eq!(help(2), "did you mean `#intro`?");
    assert_eq!(help(4), "did you mean `../runbooks/café%20menu.md`?");
    assert_eq!(help(5), "did you mean `#über-uns`?");
    assert!(help(6).contains("--drafts"), "{}", help(6));
    assert_eq!(help(10), "did you mean `../runbooks/db-failover.md`?");
    assert_eq!(help(11), "did you mean `../runbooks/db-failover.md`?");
    // Links in code spans and code blocks are not links.
    assert!(!handbook
        .diagnostics
        .iter()
        .any(|d| d.message.contains("missing-in")));
}

#[test]
fn build_fails_listing_every_broken_link_and_keeps_the_previous_site() {
    let book = TestBook::fixture("links/broken");
    let links = std::fs::read_to_string(book.root().join("content/guide/links.md")).unwrap();
    // Without lines 8 to 18 (the broken ones) the handbook builds.
    let fixed: String = links
        .lines()
        .enumerate()
        .filter(|(i, _)| !(7..18).contains(i))
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    book.file("content/guide/links.md", &fixed);
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 0, "{stderr}");
    let before = crate::support::snapshot_tree(&book.out());

    book.file("content/guide/links.md", &links);
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stderr.matches("error[broken-link]").count(), 9, "{stderr}");
    assert_eq!(
        stderr.matches("error[broken-anchor]").count(),
        3,
        "{stderr}"
    );
    assert!(
        stderr.contains("content/guide/links.md:9:17: error[broken-anchor]"),
        "{stderr}"
    );
    assert!(stderr.contains("previous output is untouched"), "{stderr}");
    crate::support::assert_same_tree(&before, &crate::support::snapshot_tree(&book.out()));
}

#[test]
fn warning_policy_builds_and_warns() {
    let book = TestBook::fixture("links/broken");
    book.file(
        "book.toml",
        "[book]\ntitle = \"Broken\"\n[checks]\nbroken-links = \"warning\"\n",
    );
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stderr.matches("warning[broken-link]").count(),
        9,
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("warning[broken-anchor]").count(),
        3,
        "{stderr}"
    );
    assert!(book.out().join("guide/links.html").is_file());
}

#[test]
fn links_to_drafts_are_fine_when_drafts_are_built() {
    let book = TestBook::fixture("links/broken");
    let handbook = opsbook::Handbook::load(
        book.root(),
        &opsbook::LoadOptions {
            drafts: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(!broken(&handbook).contains(&(13, 8, "broken-link")));
    assert_eq!(broken(&handbook).len(), 11);
}
