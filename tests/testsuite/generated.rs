//! The pages a build generates from the handbook's metadata: type logs, owner and tag pages,
//! the health report, the print view, and the cross-links between documents.

use crate::support::{section_of, table_rows, text_of, TestBook};

fn built() -> TestBook {
    let book = TestBook::fixture("generated/handbook");
    book.build();
    book
}

fn rows(book: &TestBook, page: &str, marker: &str) -> Vec<Vec<String>> {
    table_rows(&book.main_of(page), marker)
}

#[test]
fn decision_log_lists_newest_first_with_successors() {
    let book = built();
    assert_eq!(
        rows(&book, "decisions/index.html", "log-decision"),
        [
            [
                "2026-002",
                "2026-10-01",
                "No Kafka at all",
                "accepted",
                "@platform"
            ],
            [
                "2026-001",
                "2026-03-01",
                "Managed Kafka",
                "superseded → No Kafka at all",
                "bob"
            ],
            [
                "2025-002",
                "2025-06-01",
                "Run Kafka ourselves",
                "superseded → Managed Kafka",
                "bob"
            ],
            [
                "2025-001",
                "2025-02-01",
                "Use Postgres",
                "accepted",
                "alice"
            ],
        ]
    );
    let main = book.main_of("decisions/index.html");
    assert!(main.contains("<tr class=\"superseded\">"), "{main}");
    assert!(main.contains("href=\"../decisions/2026-001-managed-kafka.html\""));
}

#[test]
fn incident_log_counts_open_and_overdue_follow_ups() {
    let book = built();
    assert_eq!(
        rows(&book, "incidents/index.html", "log-incident"),
        [
            [
                "INC-20260301-01",
                "2026-03-01",
                "SEV-1",
                "Database down resolved",
                "1 1 overdue",
                "bob"
            ],
            [
                "INC-20260110-01",
                "2026-01-10",
                "SEV-2",
                "Queue stalled resolved",
                "2 1 overdue",
                "@platform"
            ],
        ]
    );
}

#[test]
fn runbooks_by_service_rfcs_by_status_and_onboarding_progress() {
    let book = built();
    let main = book.main_of("runbooks/index.html");
    let groups: Vec<String> = main
        .split("<h3 class=\"group-heading\"")
        .skip(1)
        .map(|g| text_of(&format!("<h3{}", &g[..g.find("</h3>").unwrap()])))
        .collect();
    assert_eq!(groups, ["deliveryd 1", "postgres 1", "No service 1"]);
    assert!(main.contains("id=\"runbook-postgres\""));
    let first = table_rows(&main, "log-runbook");
    assert_eq!(first[0][0], "Queue backlog");
    assert_eq!(first[0][2], "Stale");

    let rfcs = book.main_of("rfcs/index.html");
    let groups: Vec<String> = rfcs
        .split("<h3 class=\"group-heading\"")
        .skip(1)
        .map(|g| text_of(&format!("<h3{}", &g[..g.find("</h3>").unwrap()])))
        .collect();
    assert_eq!(groups, ["In review 1", "Accepted 1"]);

    assert_eq!(
        rows(&book, "onboarding/index.html", "log-onboarding"),
        [["Engineer plan", "alice", "1/3", "Reviewed"]]
    );
    assert_eq!(
        rows(&book, "sops/index.html", "log-sop"),
        [["Ticket triage", "alice", "Reviewed", "2026-09-01", "2/3"]]
    );
}

#[test]
fn owner_pages_show_contact_documents_and_follow_ups() {
    let book = built();
    let platform = book.main_of("owners/platform.html");
    let text = text_of(&platform);
    assert!(text.contains("Platform team"), "{text}");
    assert!(text.contains("#platform-oncall"), "{text}");
    assert!(text.contains("Members alice , bob"), "{text}");
    // Its documents, stale first.
    let docs: Vec<String> = table_rows(&platform, "doc-table")
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(
        docs,
        [
            "Queue backlog",
            "Generated pages",
            "Operating cadence",
            "INC-20260110-01: Queue stalled resolved",
            "No Kafka at all accepted"
        ]
    );
    // Its follow-ups: the overdue one marked, the done one absent.
    let follow_ups = section_of(&platform, "follow-ups", "</article>");
    assert!(follow_ups
        .contains("<li class=\"overdue\"><span class=\"followup-text\">Alert on consumer lag"));
    assert!(follow_ups.contains("overdue since 2026-02-01"));
    assert!(!follow_ups.contains("Restart the consumers"));

    // `@alice` in a follow-up is the owner `alice` of owners.yml.
    let alice = text_of(&book.main_of("owners/alice.html"));
    assert!(alice.contains("Alice Example"), "{alice}");
    assert!(alice.contains("alice@example.com"), "{alice}");
    assert!(alice.contains("Member of @platform"), "{alice}");
    assert!(alice.contains("Write the drain script"), "{alice}");
    assert!(alice.contains("due 2026-12-31"), "{alice}");

    let index = rows(&book, "owners/index.html", "doc-table");
    let platform_row = index.iter().find(|r| r[0].contains("@platform")).unwrap();
    assert_eq!(platform_row[1], "#platform-oncall");
    assert_eq!(platform_row[2], "5");
    assert_eq!(platform_row[3], "1");
    assert_eq!(platform_row[4], "1 1 overdue");
}

#[test]
fn tag_pages_merge_spellings_and_are_indexed() {
    let book = built();
    let tag = rows(&book, "tags/on-call.html", "doc-table");
    let titles: Vec<&str> = tag.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        titles,
        [
            "INC-20260110-01: Queue stalled resolved",
            "INC-20260301-01: Database down resolved"
        ]
    );
    let index = text_of(&book.main_of("tags/index.html"));
    assert_eq!(index, "Home Tags Cadence 1 On-Call 2 postgres 1 queues 1");
    // Tags on a page link to their tag page.
    assert!(book
        .main_of("runbooks/db.html")
        .contains("<a class=\"tag\" href=\"../tags/postgres.html\">postgres</a>"));
}

#[test]
fn supersedes_resolve_both_ways_and_one_sided_pairs_are_warned() {
    let book = TestBook::fixture("generated/handbook");
    let handbook = book.load();
    let warnings: Vec<String> = handbook
        .diagnostics
        .iter()
        .map(|d| format!("{}:{} {}", d.path, d.line, d.kind))
        .collect();
    assert_eq!(
        warnings,
        ["content/decisions/2026-002-no-kafka.md:5 one-sided-supersede"]
    );
    book.build();
    // Named by the old decision (superseded_by) and by the new one (supersedes).
    for (page, successor) in [
        (
            "decisions/2025-002-run-kafka.html",
            "2026-001-managed-kafka.html",
        ),
        (
            "decisions/2026-001-managed-kafka.html",
            "2026-002-no-kafka.html",
        ),
    ] {
        let main = book.main_of(page);
        let banner = section_of(&main, "content", "</div>");
        assert!(
            main.contains(&format!(
                "was replaced by <a href=\"../decisions/{successor}\""
            )),
            "{page}: {banner}"
        );
    }
    assert!(!book
        .main_of("decisions/2026-002-no-kafka.html")
        .contains("callout-superseded"));
    // The pair is a link in the catalog.
    let catalog = book.catalog();
    let entry = |path: &str| {
        catalog
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["path"] == path)
            .unwrap()
            .clone()
    };
    assert_eq!(
        entry("content/decisions/2026-001-managed-kafka.md")["linked_from"],
        serde_json::json!([
            "content/decisions/2025-002-run-kafka.md",
            "content/decisions/2026-002-no-kafka.md"
        ])
    );
}

#[test]
fn a_missing_supersede_target_is_a_broken_link() {
    let book = TestBook::fixture("generated/handbook");
    book.file(
        "content/decisions/2026-003-x.md",
        "---\ntitle: X\nsupersedes: 2025-009-nope.md\n---\n\nText.\n",
    );
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("content/decisions/2026-003-x.md:3: error[broken-link]: `supersedes`"),
        "{stderr}"
    );
}

#[test]
fn backlinks_list_the_pages_that_link_here() {
    let book = built();
    let main = book.main_of("runbooks/queue.html");
    let backlinks = text_of(&section_of(&main, "linked-from", "</section>"));
    assert_eq!(
        backlinks,
        "Linked from INC-20260110-01: Queue stalled Incident"
    );
}

#[test]
fn health_numbers_link_to_the_documents_behind_them() {
    let book = built();
    let home = book.main_of("index.html");
    for (id, n) in [
        ("stale", 1),
        ("due-soon", 0),
        ("never-reviewed", 1),
        ("no-owner", 1),
        ("overdue", 2),
    ] {
        let link = format!("href=\"health.html#{id}\"><span class=\"n\">{n}</span>");
        assert!(home.contains(&link), "missing {link} in {home}");
    }
    let health = book.main_of("health.html");
    let stale = table_rows(&section_of(&health, "stale", "</section>"), "doc-table");
    assert_eq!(stale[0][0], "Queue backlog");
    let never = table_rows(
        &section_of(&health, "never-reviewed", "</section>"),
        "doc-table",
    );
    assert_eq!(never.len(), 1);
    assert_eq!(never[0][0], "Hiring loop");
    let no_owner = table_rows(&section_of(&health, "no-owner", "</section>"), "doc-table");
    assert_eq!(no_owner.len(), 1);
    assert_eq!(no_owner[0][0], "Restart anything");
    let overdue = text_of(&section_of(&health, "overdue", "</section>"));
    assert!(overdue.contains("Alert on consumer lag"), "{overdue}");
    assert!(
        overdue.contains("Add a replica in a second zone"),
        "{overdue}"
    );
    assert!(!overdue.contains("Write the drain script"), "{overdue}");
}

#[test]
fn checklists_roll_up_per_section_and_for_the_handbook() {
    let book = built();
    let health = book.main_of("index.html");
    let sections = table_rows(&section_of(&health, "progress", "</section>"), "doc-table");
    let find = |name: &str| sections.iter().find(|r| r[0] == name).unwrap().clone();
    assert_eq!(find("Runbooks"), ["Runbooks", "3", "1", "1/2"]);
    assert_eq!(find("Incident log"), ["Incident log", "2", "0", "1/5"]);
    assert_eq!(find("Decision log")[3], "");
    // The whole handbook: 5 done of 13.
    assert!(health.contains("<span class=\"n\">38%</span>"), "{health}");
    // A section page shows its own roll-up.
    assert!(book
        .main_of("runbooks/index.html")
        .contains("title=\"1 of 2 items done\""));
}

#[test]
fn print_view_holds_every_page_with_links_inside_it() {
    let book = built();
    let print = book.read("print.html");
    let handbook = book.load();
    for doc in &handbook.documents {
        let id = format!("id=\"p:{}\"", doc.url.trim_end_matches(".html"));
        assert!(print.contains(&id), "missing {id}");
    }
    // Reading order: a section, then its documents.
    let at = |s: &str| print.find(s).unwrap_or_else(|| panic!("no {s}"));
    assert!(at("id=\"p:runbooks/index\"") < at("id=\"p:runbooks/db\""));
    // A link to another page points inside the print page, anchors prefixed.
    assert!(
        print.contains("href=\"#p:runbooks/queue--drain-the-queue\""),
        "link"
    );
    assert!(
        print.contains("id=\"p:runbooks/queue--drain-the-queue\""),
        "anchor"
    );
    let main = &print[print.find("<main").unwrap()..];
    assert!(
        !main.contains("href=\"../"),
        "a relative link escaped the print page"
    );
}

#[test]
fn a_print_template_without_the_parts_marker_is_a_clear_error() {
    let book = TestBook::fixture("generated/handbook");
    book.file(
        "book.toml",
        "[book]\ntitle = \"G\"\n[build]\ntheme = \"mytheme\"\n",
    )
    .file(
        "mytheme/templates/print.html",
        "{% extends \"base.html\" %}{% block main %}nothing here{% endblock main %}",
    );
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("print.html: it must contain `<!-- opsbook:print-parts -->`"),
        "{stderr}"
    );
    assert!(!book.out().exists());
}
