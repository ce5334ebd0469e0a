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
