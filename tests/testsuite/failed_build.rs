//! A failed build leaves the previous output untouched (RELIABILITY B1).

use crate::support::{assert_same_tree, snapshot_tree, TestBook};

#[test]
fn content_error_leaves_previous_output_untouched() {
    let book = TestBook::fixture("catalog/fields");
    book.build();
    let before = snapshot_tree(&book.out());
    book.file("content/runbooks/broken.md", "---\ntitle: [unclosed\n---\n");
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("previous output is untouched"), "{stderr}");
    assert_same_tree(&before, &snapshot_tree(&book.out()));
    assert_no_leftovers(&book);
}

#[test]
fn template_error_leaves_previous_output_untouched() {
    let book = TestBook::fixture("catalog/fields");
    book.build();
    let before = snapshot_tree(&book.out());
    // A theme whose page template fails while rendering (an unknown filter on a real value).
    book.file("book.toml", "[book]\ntitle = \"Catalog\"\n[build]\ntheme = \"broken-theme\"\n")
        .file("broken-theme/templates/page.html", "{% extends \"base.html\" %}{% block main %}{{ page.title | nosuchfilter }}{% endblock main %}");
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("nosuchfilter"), "{stderr}");
    assert_same_tree(&before, &snapshot_tree(&book.out()));
    assert_no_leftovers(&book);

    // A template that compiles but fails at render time, deep in the build.
    book.file("broken-theme/templates/page.html", "{% extends \"base.html\" %}{% block main %}{{ page.no_such_field.deeper }}{% endblock main %}");
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("page.html"), "{stderr}");
    assert_same_tree(&before, &snapshot_tree(&book.out()));
    assert_no_leftovers(&book);
}

#[test]
fn output_folder_not_made_by_opsbook_is_never_replaced() {
    let book = TestBook::fixture("catalog/fields");
    book.file("book/notes.txt", "my own notes\n");
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("was not made by opsbook"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(book.out().join("notes.txt")).unwrap(),
        "my own notes\n"
    );
    // Nor can the output be the handbook itself.
    let output = book.cmd(&["build", "-d", "."]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(book.root().join("content/sops/triage.md").is_file());
}

#[test]
fn clean_removes_only_opsbook_output() {
    let book = TestBook::fixture("catalog/fields");
    book.build();
    book.cmd(&["clean"]).assert().success();
    assert!(!book.out().exists());
    book.file("book/notes.txt", "mine\n");
    book.cmd(&["clean"]).assert().code(2);
    assert!(book.out().join("notes.txt").is_file());
}

/// No staging or old-output folders are left beside the output.
fn assert_no_leftovers(book: &TestBook) {
    let leftovers: Vec<String> = std::fs::read_dir(book.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("opsbook-tmp") || n.contains("opsbook-old"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
