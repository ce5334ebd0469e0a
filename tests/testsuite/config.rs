//! book.toml: defaults, unknown keys, broken files.

use crate::support::TestBook;

#[test]
fn empty_config_builds_with_defaults() {
    let book = TestBook::fixture("config/defaults");
    let handbook = book.load();
    assert_eq!(handbook.config.book.title, "Handbook");
    assert_eq!(handbook.config.checks.due_soon_days, 14);
    let report = book.build();
    // The default build-dir is book/ and the default title is used on pages.
    assert_eq!(report.out, book.out());
    assert!(book
        .read("page.html")
        .contains("<title>Only page · Handbook</title>"));
}

#[test]
fn unknown_key_is_a_warning_naming_key_and_line() {
    let book = TestBook::fixture("config/unknown-key");
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(
            "book.toml:5: warning[unknown-key]: unknown key `checks.due-son-days` is ignored"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `due-soon-days`?"), "{stderr}");
}

#[test]
fn invalid_config_is_exit_2_with_file_and_line() {
    let book = TestBook::fixture("config/invalid");
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("book.toml:2:"), "{stderr}");
}

#[test]
fn missing_config_is_exit_2_and_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let output = assert_cmd::Command::cargo_bin("opsbook")
        .unwrap()
        .current_dir(dir.path())
        .args(["build"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no book.toml"), "{stderr}");
    assert!(stderr.contains("opsbook init"), "{stderr}");
}

#[test]
fn custom_build_dir_src_and_site_url() {
    let book = TestBook::new();
    book.file(
        "book.toml",
        "[book]\ntitle = \"T\"\nsrc = \"docs\"\n[build]\nbuild-dir = \"public\"\nsite-url = \"https://h.example/sub\"\n",
    )
    .file("docs/a.md", "---\ntitle: A\n---\nx\n");
    let report = book.build();
    assert_eq!(report.out, book.root().join("public"));
    let sitemap = std::fs::read_to_string(book.root().join("public/sitemap.xml")).unwrap();
    assert!(
        sitemap.contains("<loc>https://h.example/sub/a.html</loc>"),
        "{sitemap}"
    );
    let page = std::fs::read_to_string(book.root().join("public/a.html")).unwrap();
    assert!(page.contains("<link rel=\"canonical\" href=\"https://h.example/sub/a.html\">"));
}

#[test]
fn theme_override_replaces_one_file() {
    let book = TestBook::new();
    book.file("book.toml", "[book]\ntitle = \"T\"\n[build]\ntheme = \"mytheme\"\n")
        .file("content/a.md", "---\ntitle: A\n---\nx\n")
        .file("mytheme/static/opsbook.css", "body { color: hotpink; }\n")
        .file("mytheme/static/extra.txt", "extra\n")
        .file(
            "mytheme/templates/page.html",
            "{% extends \"base.html\" %}{% block main %}<p class=\"custom\">{{ page.title }}</p>{% endblock main %}",
        );
    book.build();
    assert_eq!(
        book.read("_opsbook/opsbook.css"),
        "body { color: hotpink; }\n"
    );
    assert_eq!(book.read("_opsbook/extra.txt"), "extra\n");
    // The overridden page template is used; the untouched base template still wraps it.
    let page = book.read("a.html");
    assert!(page.contains("<p class=\"custom\">A</p>"), "{page}");
    assert!(page.contains("class=\"topbar\""));
    // The default JS is still there.
    assert!(book.read("_opsbook/opsbook.js").contains("OPSBOOK_NAV"));
}

#[test]
fn edit_link_follows_the_template() {
    let book = TestBook::new();
    book.file(
        "book.toml",
        "[book]\ntitle = \"T\"\n[output.html]\nedit-url-template = \"https://git.example/hb/edit/main/{path}\"\n",
    )
    .file("content/runbooks/db.md", "---\ntitle: DB\n---\nx\n");
    book.build();
    assert!(book
        .main_of("runbooks/db.html")
        .contains("<a class=\"edit-link\" href=\"https://git.example/hb/edit/main/content/runbooks/db.md\">Edit this page</a>"));
    // Without the setting there is no edit link.
    let plain = TestBook::fixture("config/defaults");
    plain.build();
    assert!(!plain.read("page.html").contains("edit-link"));
}

#[test]
fn not_found_page_works_from_any_depth_with_site_url() {
    let book = TestBook::new();
    book.file(
        "book.toml",
        "[book]\ntitle = \"T\"\n[build]\nsite-url = \"https://h.example/docs/\"\n",
    )
    .file("content/a.md", "---\ntitle: A\n---\nx\n");
    book.build();
    let page = book.read("404.html");
    assert!(page.contains("<h1>Page not found</h1>"));
    // A server shows 404.html for any missing path; the base makes its links resolve.
    assert!(
        page.contains("<base href=\"https://h.example/docs/\">"),
        "{page}"
    );
    assert!(page.contains("href=\"index.html\">home page</a>"));
    // Without site-url it has no base and links from the root.
    let plain = TestBook::fixture("config/defaults");
    plain.build();
    assert!(!plain.read("404.html").contains("<base"));
}

#[test]
fn log_filter_comes_from_the_environment() {
    let book = TestBook::fixture("config/defaults");
    let output = book
        .cmd(&["build", "--today", crate::support::TODAY])
        .env("OPSBOOK_LOG", "info")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("loaded 1 document in"), "{stderr}");
    assert!(stderr.contains("rendered 2 pages in"), "{stderr}");
    let quiet = book
        .cmd(&["build", "-q", "--today", crate::support::TODAY])
        .output()
        .unwrap();
    assert!(
        quiet.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&quiet.stderr)
    );
}
