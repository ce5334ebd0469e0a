//! catalog.json: one entry per document, every field of the contract.

use crate::support::TestBook;
use serde_json::json;

#[test]
fn catalog_has_every_field() {
    let book = TestBook::fixture("catalog/fields");
    book.build();
    let expected = json!([
        {
            "path": "content/decisions/2026-001-use-postgres.md",
            "url": "decisions/2026-001-use-postgres.html",
            "title": "Use Postgres",
            "type": "decision",
            "owners": ["alice", "bob"],
            "status": "accepted",
            "tags": [],
            "last_reviewed": "2026-01-15",
            "next_review": null,
            "state": "exempt",
            "checklist": {"done": 0, "total": 0},
            "links_to": [],
            "linked_from": ["content/runbooks/db-failover.md"]
        },
        {
            "path": "content/runbooks/db-failover.md",
            "url": "runbooks/db-failover.html",
            "title": "Database failover",
            "type": "runbook",
            "owners": ["@platform"],
            "status": null,
            "tags": ["postgres", "failover"],
            "last_reviewed": "2026-05-02",
            "next_review": "2026-07-31",
            "state": "stale",
            "checklist": {"done": 1, "total": 2},
            "links_to": ["content/decisions/2026-001-use-postgres.md", "content/sops/triage.md"],
            "linked_from": ["content/sops/triage.md"]
        },
        {
            "path": "content/sops/never.md",
            "url": "sops/never.html",
            "title": "Never reviewed",
            "type": "sop",
            "owners": [],
            "status": null,
            "tags": [],
            "last_reviewed": null,
            "next_review": null,
            "state": "never-reviewed",
            "checklist": {"done": 0, "total": 0},
            "links_to": [],
            "linked_from": []
        },
        {
            "path": "content/sops/triage.md",
            "url": "sops/triage.html",
            "title": "Triage",
            "type": "sop",
            "owners": ["alice"],
            "status": null,
            "tags": [],
            "last_reviewed": "2026-06-01",
            "next_review": "2026-11-28",
            "state": "due-soon",
            "checklist": {"done": 0, "total": 0},
            "links_to": ["content/runbooks/db-failover.md"],
            "linked_from": ["content/runbooks/db-failover.md"]
        }
    ]);
    assert_eq!(book.catalog(), expected);
    // Field order is the contract's, so diffs of the file stay readable.
    let text = book.read("catalog.json");
    let order: Vec<usize> = [
        "\"path\"",
        "\"url\"",
        "\"title\"",
        "\"type\"",
        "\"owners\"",
        "\"status\"",
        "\"tags\"",
        "\"last_reviewed\"",
        "\"next_review\"",
        "\"state\"",
        "\"checklist\"",
        "\"links_to\"",
        "\"linked_from\"",
    ]
    .iter()
    .map(|k| text.find(k).unwrap())
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
}

#[test]
fn pages_show_review_state_against_today() {
    let book = TestBook::fixture("catalog/fields");
    book.build();
    let main = book.main_of("runbooks/db-failover.html");
    assert!(main.contains("state-stale"), "{main}");
    assert!(main.contains("was due 2026-07-31 (113 days ago)"), "{main}");
    assert!(
        main.contains("Platform team"),
        "owner name from owners.yml: {main}"
    );
    let main = book.main_of("sops/triage.html");
    assert!(main.contains("state-due-soon"), "{main}");
    let main = book.main_of("sops/never.html");
    assert!(main.contains("Never reviewed"), "{main}");
    assert!(main.contains("No owner"), "{main}");
    // The home page counts them.
    let home = book.main_of("index.html");
    assert!(home.contains("<span class=\"n\">1</span> stale"), "{home}");
    assert!(
        home.contains("<span class=\"n\">1</span> due soon"),
        "{home}"
    );
    assert!(
        home.contains("<span class=\"n\">1</span> never reviewed"),
        "{home}"
    );
}

#[test]
fn sitemap_lists_every_page() {
    let book = TestBook::fixture("catalog/fields");
    book.build();
    let sitemap = book.read("sitemap.xml");
    for url in [
        "index.html",
        "runbooks/db-failover.html",
        "sops/index.html",
        "decisions/2026-001-use-postgres.html",
    ] {
        assert!(
            sitemap.contains(&format!("<loc>{url}</loc>")),
            "{url} in {sitemap}"
        );
    }
    assert!(sitemap.contains("<lastmod>2026-05-02</lastmod>"));
}
