//! Drafts are left out unless `--drafts`.

use crate::support::{TestBook, TODAY};

#[test]
fn drafts_are_left_out_by_default() {
    let book = TestBook::fixture("drafts/basic");
    book.build();
    assert!(book.out().join("published.html").is_file());
    assert!(!book.out().join("unfinished.html").exists());
    assert!(!book.read("catalog.json").contains("Unfinished"));
    assert!(!book.read("_opsbook/nav.js").contains("Unfinished"));
}

#[test]
fn drafts_flag_includes_them() {
    let book = TestBook::fixture("drafts/basic");
    book.cmd(&["build", "--drafts", "--today", TODAY])
        .assert()
        .success();
    assert!(book.read("unfinished.html").contains("Not ready."));
    assert!(book.read("catalog.json").contains("Unfinished"));
}
