//! Navigation: one shared nav.js for the whole tree; each page carries only a bounded part of
//! it inline, so the output grows linearly with the handbook.

use crate::support::TestBook;

fn big_section(n: usize) -> TestBook {
    let book = TestBook::new();
    book.file(
        "content/runbooks/index.md",
        "---\ntitle: Runbooks\n---\nAll of them.\n",
    );
    for i in 0..n {
        book.file(
            &format!("content/runbooks/rb-{i:03}.md"),
            &format!("---\ntitle: Runbook {i:03}\nweight: {i}\n---\nBody.\n"),
        );
    }
    book.file("content/sops/one.md", "---\ntitle: One SOP\n---\nBody.\n");
    book
}

/// The inline sidebar of a page.
fn sidebar(page: &str) -> &str {
    &page[page.find("<nav id=\"sidebar\"").unwrap()..page.find("</nav>").unwrap()]
}

/// The size of page `path` in a build of `small` and in one of `large`.
fn page_sizes(small: TestBook, large: TestBook, path: &str) -> (usize, usize) {
    small.build();
    large.build();
    (small.read(path).len(), large.read(path).len())
}

#[test]
fn inline_sidebar_is_bounded_and_holds_the_current_page() {
    let book = big_section(200);
    book.build();
    let page = book.read("runbooks/rb-150.html");
    let sidebar = sidebar(&page);
    let docs = sidebar.matches("class=\"nav-doc").count();
    assert!(docs <= 7, "{docs} documents inline");
    assert!(
        sidebar.contains("<a href=\"rb-150.html\" aria-current=\"page\">Runbook 150</a>"),
        "{sidebar}"
    );
    assert!(
        sidebar.contains("Runbook 149") && sidebar.contains("Runbook 151"),
        "neighbours inline"
    );
    assert!(
        sidebar.contains("<a href=\"index.html\">193 more…</a>"),
        "{sidebar}"
    );
    // Other sections are listed, closed.
    assert!(
        sidebar.contains("<a href=\"../sops/index.html\">SOPs</a>"),
        "{sidebar}"
    );
    assert!(!sidebar.contains("One SOP"));
    // The whole tree is in the shared script, once.
    let nav = book.read("_opsbook/nav.js");
    assert_eq!(nav.matches("\"Runbook ").count(), 200);
    assert!(nav.contains("One SOP"));
}

/// A runbook folder per service: the open section's sub-sections are windowed like documents.
fn many_services(n: usize) -> TestBook {
    let book = TestBook::new();
    for i in 0..n {
        book.file(
            &format!("content/runbooks/svc-{i:02}/restart.md"),
            &format!("---\ntitle: Restart svc-{i:02}\n---\nBody.\n"),
        );
    }
    book
}

#[test]
fn inline_sidebar_windows_many_sub_sections_around_the_open_one() {
    let book = many_services(40);
    book.build();
    let page = book.read("runbooks/svc-30/restart.html");
    let sidebar = sidebar(&page);
    let sections = sidebar.matches("<a href=\"../svc-").count();
    assert!(
        sections <= 6,
        "{sections} sibling sections inline: {sidebar}"
    );
    assert!(
        sidebar.contains("<a href=\"restart.html\" aria-current=\"page\">Restart svc-30</a>"),
        "{sidebar}"
    );
    assert!(
        sidebar.contains("../svc-29/index.html") && sidebar.contains("../svc-31/index.html"),
        "neighbouring sections inline: {sidebar}"
    );
    assert!(
        sidebar.contains("<a href=\"../index.html\">33 more…</a>"),
        "{sidebar}"
    );
    assert!(!sidebar.contains("svc-05/index.html"), "{sidebar}");
    // A page elsewhere shows the section closed, and nav.js still has every service.
    let nav = book.read("_opsbook/nav.js");
    assert_eq!(nav.matches("\"Restart svc-").count(), 40);
}

#[test]
fn page_size_does_not_grow_with_the_handbook() {
    let (a, b) = page_sizes(big_section(50), big_section(400), "runbooks/rb-025.html");
    assert!(
        b < a + 600,
        "a page grew from {a} to {b} bytes with 8x the documents"
    );
    let (a, b) = page_sizes(
        many_services(25),
        many_services(200),
        "runbooks/svc-12/restart.html",
    );
    assert!(
        b < a + 600,
        "a page grew from {a} to {b} bytes with 8x the sections"
    );
}

#[test]
fn previous_next_and_breadcrumbs_follow_navigation_order() {
    let book = big_section(3);
    book.build();
    let main = book.main_of("runbooks/rb-001.html");
    assert!(
        main.contains("<a class=\"prev\" rel=\"prev\" href=\"../runbooks/rb-000.html\">"),
        "{main}"
    );
    assert!(
        main.contains("<a class=\"next\" rel=\"next\" href=\"../runbooks/rb-002.html\">"),
        "{main}"
    );
    assert!(main.contains("<a href=\"../index.html\">Home</a><span class=\"sep\" aria-hidden=\"true\">/</span><a href=\"../runbooks/index.html\">Runbooks</a>"), "{main}");
    // The last runbook leads to the next section's page.
    let main = book.main_of("runbooks/rb-002.html");
    assert!(
        main.contains("href=\"../sops/index.html\"><span class=\"muted\">Next →</span> SOPs</a>"),
        "{main}"
    );
}

/// nav.js holds the whole tree as data: each section `{"c": [documents, then sections],
/// "t", "u"}`, each document `{"s", "t", "u"}` with `s` only for a state a reader should
/// notice. The client script reads exactly these keys.
#[test]
fn nav_js_holds_the_tree_as_sections_and_documents_with_their_states() {
    let book = TestBook::new();
    book.file(
        "content/runbooks/index.md",
        "---\ntitle: Runbooks\n---\nAll of them.\n",
    );
    book.file(
        "content/runbooks/api/restart.md",
        "---\ntitle: Restart the API\nowner: \"@ops\"\nlast_reviewed: 2020-01-01\n---\nBody.\n",
    );
    book.file(
        "content/runbooks/api/drain.md",
        &format!(
            "---\ntitle: Drain </script> a node\nowner: \"@ops\"\nlast_reviewed: {}\n---\nBody.\n",
            crate::support::today()
        ),
    );
    book.file("content/sops/one.md", "---\ntitle: One SOP\n---\nBody.\n");
    book.build();
    let nav = book.read("_opsbook/nav.js");
    let json = nav
        .strip_prefix("window.OPSBOOK_NAV = ")
        .and_then(|rest| rest.strip_suffix(";\n"))
        .unwrap_or_else(|| panic!("not a navigation script: {nav}"));
    assert!(!json.contains("</script>"), "{json}");
    let tree: serde_json::Value = serde_json::from_str(json).unwrap();
    let sections = |v: &serde_json::Value| -> Vec<String> {
        v["c"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                format!(
                    "{} -> {}",
                    c["t"].as_str().unwrap(),
                    c["u"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(tree["u"], "index.html");
    assert_eq!(
        sections(&tree),
        ["Runbooks -> runbooks/index.html", "SOPs -> sops/index.html"],
        "{json}"
    );
    let api = &tree["c"][0]["c"][0];
    assert_eq!(api["u"], "runbooks/api/index.html", "{json}");
    assert_eq!(
        api["c"],
        serde_json::json!([
            {"t": "Drain </script> a node", "u": "runbooks/api/drain.html"},
            {"s": "stale", "t": "Restart the API", "u": "runbooks/api/restart.html"},
        ]),
        "{json}"
    );
    // Keys in one order, so that the script is the same bytes from build to build.
    assert!(
        json.contains(r#"{"s":"stale","t":"Restart the API","u":"runbooks/api/restart.html"}"#),
        "{json}"
    );
    let sop = &tree["c"][1]["c"][0];
    assert_eq!(sop["t"], "One SOP");
    assert_eq!(sop["s"], "never-reviewed", "{json}");
}
