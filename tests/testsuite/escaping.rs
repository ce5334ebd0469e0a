//! Everything a user writes is text on the page: front matter, config and Markdown cannot
//! inject script (RELIABILITY X1, X2, X4, X5).

use crate::support::{snapshot_tree, TestBook};

/// The tags of an HTML document, each as (name, [(attribute, value)]), read the way a browser
/// tokenizes them: a literal `<` starts a tag, quoted values may hold anything.
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let bytes = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = html[i..].find('<') {
        i += p + 1;
        let name: String = html[i..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if name.is_empty() {
            continue;
        }
        i += name.len();
        let mut attrs = Vec::new();
        loop {
            while i < bytes.len() && (bytes[i] as char).is_ascii_whitespace()
                || (i < bytes.len() && bytes[i] == b'/')
            {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] == b'>' {
                break;
            }
            let start = i;
            while i < bytes.len() && !matches!(bytes[i], b'=' | b'>' | b' ' | b'\n' | b'\t' | b'/')
            {
                i += 1;
            }
            let attr = html[start..i].to_ascii_lowercase();
            let mut value = String::new();
            if i < bytes.len() && bytes[i] == b'=' {
                i += 1;
                if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
                    let quote = bytes[i];
                    let end = html[i + 1..]
                        .find(quote as char)
                        .map_or(bytes.len(), |e| i + 1 + e);
                    value = html[i + 1..end].to_string();
                    i = end + 1;
                } else {
                    let end = html[i..]
                        .find(|c: char| c.is_whitespace() || c == '>')
                        .map_or(bytes.len(), |e| i + e);
                    value = html[i..end].to_string();
                    i = end;
                }
            }
            attrs.push((attr, value));
        }
        out.push((name.to_ascii_lowercase(), attrs));
    }
    out
}

fn assert_no_injection(name: &str, html: &str) {
    for (tag, attrs) in tags(html) {
        if tag == "script" {
            let src = attrs
                .iter()
                .find(|(a, _)| a == "src")
                .map(|(_, v)| v.as_str());
            assert!(
                src.is_none_or(|s| s.contains("_opsbook/")),
                "{name}: foreign script {src:?}"
            );
        }
        assert!(
            !matches!(tag.as_str(), "iframe" | "object" | "embed"),
            "{name}: injected <{tag}>"
        );
        for (attr, value) in attrs {
            assert!(!attr.starts_with("on"), "{name}: <{tag} {attr}={value}>");
            let v = value
                .to_ascii_lowercase()
                .replace(|c: char| c.is_whitespace(), "");
            if matches!(attr.as_str(), "href" | "src" | "action" | "formaction") {
                assert!(
                    !v.starts_with("javascript:")
                        && !v.starts_with("data:")
                        && !v.starts_with("vbscript:"),
                    "{name}: <{tag} {attr}={value}>"
                );
            }
        }
    }
    // Inline scripts are only ours: the theme choice before paint.
    for (i, _) in html.match_indices("<script>") {
        assert!(
            html[i..].starts_with("<script>try{var t=localStorage"),
            "{name}: inline script at {i}"
        );
    }
}

#[test]
fn x1_no_output_file_lets_user_text_run() {
    let book = TestBook::fixture("escaping/xss");
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 0, "{stderr}");
    let files = snapshot_tree(&book.out());
    let mut html_files = 0;
    for (name, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        if name.ends_with(".html") || name.ends_with(".xml") {
            html_files += 1;
            assert_no_injection(name, &text);
        }
        if name.ends_with(".js") {
            // Data inside scripts cannot close the script or break a string.
            assert!(!text.contains("</script"), "{name}");
            assert!(!text.contains('\u{2028}'), "{name}");
        }
    }
    assert!(html_files >= 4, "only {html_files} pages checked");
}

#[test]
fn x1_titles_and_owners_show_as_text() {
    let book = TestBook::fixture("escaping/xss");
    book.cli_build();
    let page = book.read("evil.html");
    assert!(
        page.contains("<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>"),
        "{page}"
    );
    assert!(page.contains("<title>&lt;script&gt;alert(1)&lt;/script&gt; · &lt;script&gt;alert(&#x27;book&#x27;)&lt;/script&gt;</title>"));
    assert!(
        page.contains("&lt;script&gt;alert(&#x27;owner&#x27;)&lt;/script&gt;"),
        "owner name as text"
    );
    assert!(
        page.contains("title=\"&lt;img src=x onerror=alert(2)&gt;\""),
        "contact escaped in an attribute"
    );
    let plain = book.read("plain.html");
    assert!(plain.contains("I put &lt;HTML&gt; in here"));
    // The sidebar of every page carries the title escaped, and nav.js as data.
    assert!(plain.contains(">&lt;script&gt;alert(1)&lt;/script&gt;</a>"));
    assert!(book
        .read("_opsbook/nav.js")
        .contains("\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"));
}

#[test]
fn x4_markdown_body_policy_is_pinned() {
    let book = TestBook::fixture("escaping/xss");
    let (_, stderr) = book.cli_build();
    let main = book.main_of("evil.html");
    // Unsafe link schemes are dropped, with a warning naming the line.
    assert!(
        stderr.contains("content/evil.md:12: warning[unsafe-link]"),
        "{stderr}"
    );
    assert!(!main.to_ascii_lowercase().contains("javascript:"), "{main}");
    // Raw HTML is sanitized: scripts and handlers go, harmless formatting stays.
    assert!(!main.contains("alert('raw')"), "{main}");
    assert!(
        main.contains("<details><summary>Allowed</summary><kbd>Ctrl</kbd></details>"),
        "{main}"
    );
    assert!(main.contains(">data link</a>"));
    // Raw HTML in a heading is raw HTML too: the script and its text are gone.
    assert!(!main.contains("alert('heading')"), "{main}");
    assert!(main.contains("<h2 id="), "{main}");
}

/// Whether `value` holds a string equal to `wanted` (or containing it, with `whole` false)
/// anywhere inside.
fn holds(value: &serde_json::Value, wanted: &str, whole: bool) -> bool {
    match value {
        serde_json::Value::String(s) => {
            if whole {
                s == wanted
            } else {
                s.contains(wanted)
            }
        }
        serde_json::Value::Array(items) => items.iter().any(|v| holds(v, wanted, whole)),
        serde_json::Value::Object(map) => map.values().any(|v| holds(v, wanted, whole)),
        _ => false,
    }
}

/// A front-matter string that would end an inline script, with the two line separators that
/// end a string in older JavaScript engines, in every field that reaches the search index and
/// the navigation data. Those are script files apart from the pages, and in them the string is
/// escaped: no `</script`, no raw separator, and the data parses (as the search client parses
/// it over HTTP, as JSON) back to the very string written. The pages have no inline script but
/// the theme's own.
#[test]
fn x2_script_breakers_in_front_matter_stay_data_in_the_index_and_the_navigation() {
    // (Inside the string: leading and trailing white space, separators included, is trimmed.)
    const BREAKER: &str = "</script>\u{2028}<script>alert(1)</script>\u{2029}end";
    let written = r#"</script>\u2028<script>alert(1)</script>\u2029end"#;
    let book = TestBook::new();
    book.file(
        "content/runbooks/breaker.md",
        &format!(
            "---\ntitle: \"Breaker {written}\"\nowner: \"{written}\"\ntags: [\"{written}\"]\nstatus: \"{written}\"\nservice: \"{written}\"\nlast_reviewed: 2026-11-01\n---\nBody with `</script><script>alert(2)</script>` in code, and\u{2028}separators\u{2029}too.\n"
        ),
    )
    .file(
        "content/other.md",
        "---\ntitle: Other\n---\nSee [the breaker](runbooks/breaker.md).\n",
    );
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 0, "{stderr}");
    let title = format!("Breaker {BREAKER}");
    let files = snapshot_tree(&book.out());

    // The script files with data: the search index (the first `(` to the last `)` are the
    // arguments, as the client reads them) and the navigation (`window.OPSBOOK_NAV = …;`).
    let mut index = Vec::new();
    for (name, bytes) in &files {
        let text = std::str::from_utf8(bytes).unwrap();
        let data = if name.starts_with("_opsbook/search/") {
            let args = &text[text.find('(').unwrap() + 1..text.rfind(')').unwrap()];
            format!("[{args}]")
        } else if name == "_opsbook/nav.js" {
            let start = text.find(" = ").unwrap() + 3;
            text[start..text.rfind(';').unwrap()].to_string()
        } else {
            continue;
        };
        assert!(!text.to_ascii_lowercase().contains("</script"), "{name}");
        assert!(!text.contains(['\u{2028}', '\u{2029}']), "{name}");
        let value: serde_json::Value =
            serde_json::from_str(&data).unwrap_or_else(|e| panic!("{name}: {e}\n{data}"));
        index.push((name.clone(), value));
    }
    let names: Vec<&str> = index.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.contains(&"_opsbook/nav.js"), "{names:?}");
    assert!(names.contains(&"_opsbook/search/index.js"), "{names:?}");
    let find = |wanted: &str, whole: bool| {
        index
            .iter()
            .filter(|(_, v)| holds(v, wanted, whole))
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
    };
    let with_title = find(&title, true);
    assert!(with_title.contains(&"_opsbook/nav.js"), "{with_title:?}");
    assert!(
        with_title.contains(&"_opsbook/search/index.js"),
        "{with_title:?}"
    );
    // Owner and tag, whole, in the index's filters; the code of the body in a snippet.
    assert!(find(BREAKER, true).contains(&"_opsbook/search/index.js"));
    assert!(
        !find("</script><script>alert(2)</script>", false).is_empty(),
        "the body's code is in no snippet"
    );

    // The catalog is JSON too, and reads back the same.
    let catalog = book.catalog();
    let entry = catalog
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "content/runbooks/breaker.md")
        .unwrap();
    assert_eq!(entry["title"], title.as_str());
    assert_eq!(entry["tags"], serde_json::json!([BREAKER]));
    assert_eq!(entry["owners"], serde_json::json!([BREAKER]));

    let mut pages = 0;
    for (name, bytes) in &files {
        if name.ends_with(".html") {
            pages += 1;
            assert_no_injection(name, &String::from_utf8_lossy(bytes));
        }
    }
    assert!(pages >= 5, "only {pages} pages checked");
}
