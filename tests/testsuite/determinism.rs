//! The same input and --today give byte-identical output.

use crate::support::{assert_same_tree, fixtures, snapshot_tree, TestBook, TODAY};

#[test]
fn rebuild_is_byte_identical() {
    let book = TestBook::fixture("catalog/fields");
    book.build();
    let first = snapshot_tree(&book.out());
    book.build();
    assert_same_tree(&first, &snapshot_tree(&book.out()));
}

#[test]
fn r1_output_does_not_depend_on_file_creation_order_time_zone_or_locale() {
    // The same handbook, its files created in reverse order, built by the binary under another
    // time zone and locale.
    let a = TestBook::fixture("catalog/fields");
    a.cmd(&["build", "--today", TODAY]).assert().success();
    let b = TestBook::new();
    let mut files: Vec<_> = walkdir::WalkDir::new(fixtures().join("catalog/fields"))
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .collect();
    files.reverse();
    for f in files {
        let rel = f
            .path()
            .strip_prefix(fixtures().join("catalog/fields"))
            .unwrap();
        b.bytes(rel.to_str().unwrap(), &std::fs::read(f.path()).unwrap());
    }
    b.cmd(&["build", "--today", TODAY])
        .env("TZ", "Pacific/Kiritimati")
        .env("LC_ALL", "de_DE.UTF-8")
        .assert()
        .success();
    assert_same_tree(&snapshot_tree(&a.out()), &snapshot_tree(&b.out()));
}

#[test]
fn r1_only_today_changes_the_date_dependent_parts() {
    let book = TestBook::fixture("catalog/fields");
    book.cmd(&["build", "--today", TODAY]).assert().success();
    let before = snapshot_tree(&book.out());
    book.cmd(&["build", "--today", "2026-12-01"])
        .assert()
        .success();
    let after = snapshot_tree(&book.out());
    // Theme files do not depend on the date.
    assert_eq!(
        before["_opsbook/opsbook.css"],
        after["_opsbook/opsbook.css"]
    );
    let catalog: serde_json::Value = serde_json::from_slice(&after["catalog.json"]).unwrap();
    assert_eq!(catalog[3]["state"], "stale", "triage was due 2026-11-28");
}

#[test]
fn generated_pages_are_byte_identical_on_rebuild() {
    // Owners, tags, logs, the health report and the print view are built in parallel.
    let book = TestBook::fixture("generated/handbook");
    book.build();
    let first = snapshot_tree(&book.out());
    for page in [
        "owners/platform.html",
        "tags/on-call.html",
        "health.html",
        "print.html",
    ] {
        assert!(first.contains_key(page), "{page} was not built");
    }
    book.build();
    assert_same_tree(&first, &snapshot_tree(&book.out()));
}
