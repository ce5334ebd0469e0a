//! The sample handbook in `content/` builds cleanly and shows every feature.

use crate::support::TODAY;
use std::path::Path;

#[test]
fn sample_handbook_builds_without_errors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let handbook = opsbook::Handbook::load(root, &opsbook::LoadOptions::default()).unwrap();
    let problems: Vec<String> = handbook
        .diagnostics
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(
        handbook.documents.len() >= 30,
        "{} documents",
        handbook.documents.len()
    );
    assert_eq!(
        crate::support::doc_types(&handbook),
        crate::support::ALL_TYPES
    );

    let out = tempfile::tempdir().unwrap();
    let options = opsbook::BuildOptions {
        today: TODAY.parse().unwrap(),
        out: Some(out.path().join("book")),
        progress: false,
        cache: Default::default(),
    };
    let report = opsbook::build(&handbook, &options).unwrap();
    assert_eq!(report.documents, handbook.documents.len());
    // Some documents are deliberately overdue, so the health panel has something to show.
    let catalog: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("book/catalog.json")).unwrap(),
    )
    .unwrap();
    let states: Vec<&str> = catalog
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["state"].as_str().unwrap())
        .collect();
    for state in ["ok", "stale", "due-soon", "never-reviewed", "exempt"] {
        assert!(states.contains(&state), "no {state} document in the sample");
    }
    // The sample exercises the cross-linking features: links between documents, a supersede
    // pair, overdue follow-ups, a document without owner, tags.
    assert!(
        handbook
            .graph
            .linked_from
            .iter()
            .filter(|l| !l.is_empty())
            .count()
            >= 20
    );
    assert!(handbook.graph.successor.iter().any(Option::is_some));
    let today = TODAY.parse().unwrap();
    assert!(handbook.followups.iter().any(|f| f.is_overdue(today)));
    assert!(handbook.documents.iter().any(|d| d.meta.owners.is_empty()));
    assert!(handbook.tags.len() >= 10);
    for page in [
        "decisions/index.html",
        "incidents/index.html",
        "owners/index.html",
        "owners/platform.html",
        "tags/index.html",
        "health.html",
        "print.html",
    ] {
        assert!(out.path().join("book").join(page).is_file(), "{page}");
    }
}

#[test]
fn loading_without_html_sees_the_same_links_tasks_and_problems() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let full = opsbook::Handbook::load(root, &opsbook::LoadOptions::default()).unwrap();
    let lean = opsbook::Handbook::load(
        root,
        &opsbook::LoadOptions {
            skip_html: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(full.documents.len(), lean.documents.len());
    for (a, b) in full.documents.iter().zip(&lean.documents) {
        assert!(!a.rendered.html.is_empty(), "{}", a.source);
        assert!(b.rendered.html.is_empty(), "{}", b.source);
        assert_eq!(a.rendered.links, b.rendered.links, "{}", a.source);
        assert_eq!(a.rendered.tasks, b.rendered.tasks, "{}", a.source);
        assert_eq!(a.rendered.headings, b.rendered.headings, "{}", a.source);
        assert_eq!(a.rendered.text, b.rendered.text, "{}", a.source);
    }
    assert_eq!(full.graph.links_to, lean.graph.links_to);
    assert_eq!(full.followups, lean.followups);
    assert_eq!(full.diagnostics, lean.diagnostics);
}
