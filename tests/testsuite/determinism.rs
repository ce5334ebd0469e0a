//! The same input and --today give byte-identical output.

use crate::support::{assert_same_tree, fixtures, snapshot_tree, TestBook, TODAY};
use assert_cmd::Command;

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

#[test]
fn texts_set_aside_in_a_file_give_the_site_of_texts_kept_in_memory() {
    // The binary sets the documents' plain texts aside in an unnamed file (in the cache
    // folder, or without a cache in the handbook's) until the search index reads them; the
    // library keeps them in memory. The sites are the same, search index included.
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let copy = crate::support::clean_build_in_copy(repo);
    let cli = snapshot_tree(&copy.path().join("book"));
    assert!(
        cli.keys().filter(|k| k.contains("/search/")).count() > 3,
        "the sample handbook has a search index"
    );

    let handbook = opsbook::Handbook::load(copy.path(), &opsbook::LoadOptions::default()).unwrap();
    let library = copy.path().join("library");
    let options = opsbook::BuildOptions {
        today: crate::support::today(),
        out: Some(library.clone()),
        progress: false,
        cache: Default::default(),
    };
    opsbook::build(&handbook, &options).unwrap();
    assert_same_tree(&cli, &snapshot_tree(&library));

    let cached = copy.path().join("cached");
    Command::cargo_bin("opsbook")
        .unwrap()
        .current_dir(copy.path())
        .args(["build", "--today", TODAY, "-d", "cached"])
        .assert()
        .success();
    assert_same_tree(&cli, &snapshot_tree(&cached));
    let names: Vec<String> = std::fs::read_dir(copy.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n != ".opsbook-cache" && !n.ends_with(".opsbook-lock"))
        .collect();
    assert!(
        names.is_empty(),
        "nothing left beside the handbook: {names:?}"
    );
}
