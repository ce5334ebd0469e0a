//! Document types: inferred from the folder, declared in book.toml, or given explicitly.

use crate::support::TestBook;

#[test]
fn type_comes_from_the_folder() {
    let book = TestBook::fixture("types/inference");
    book.build();
    let catalog = book.catalog();
    let types: Vec<(String, String)> = catalog
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap().to_string(),
                e["type"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expect = [
        ("content/decisions/doc.md", "decision"),
        ("content/incidents/doc.md", "incident"),
        ("content/misc/doc.md", "page"),
        ("content/misc/explicit.md", "sop"),
        ("content/onboarding/doc.md", "onboarding"),
        ("content/playbook/doc.md", "chapter"),
        ("content/policies/doc.md", "policy"),
        ("content/rfcs/doc.md", "rfc"),
        ("content/runbooks/doc.md", "runbook"),
        ("content/runbooks/index.md", "page"),
        ("content/sops/doc.md", "sop"),
        ("content/top.md", "page"),
    ];
    let expect: Vec<(String, String)> = expect
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(types, expect);
}

#[test]
fn review_periods_follow_the_type() {
    let book = TestBook::fixture("types/inference");
    book.build();
    let catalog = book.catalog();
    let next = |path: &str| {
        catalog
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["path"] == path)
            .map(|e| e["next_review"].clone())
            .unwrap()
    };
    // All were last reviewed on 2026-01-10.
    assert_eq!(next("content/runbooks/doc.md"), "2026-02-09"); // overridden to 30d
    assert_eq!(next("content/playbook/doc.md"), "2026-07-09"); // 180d
    assert_eq!(next("content/policies/doc.md"), "2027-01-10"); // declared 1y
    assert_eq!(next("content/misc/doc.md"), "2027-01-10"); // page: 365d
    assert_eq!(next("content/decisions/doc.md"), serde_json::Value::Null); // never
                                                                           // The page shows the type's label.
    assert!(book.main_of("policies/doc.html").contains(">Policy</span>"));
}

#[test]
fn undeclared_type_is_an_invalid_document() {
    let book = TestBook::new();
    book.file("content/a.md", "---\ntitle: A\ntype: playbok\n---\nx\n");
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("content/a.md:3: error[invalid-document]: unknown document type `playbok`"),
        "{stderr}"
    );
    assert!(stderr.contains("[types.playbok]"), "{stderr}");
}
