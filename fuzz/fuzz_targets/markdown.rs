//! The one Markdown pass: never panics, every line it reports is a line of the body, anchors
//! are unique, no script or `javascript:` link gets through, and the pass without HTML (what
//! `check` runs) sees exactly what the pass with HTML sees.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opsbook::markdown::{render, Input};

fuzz_target!(|body: &str| {
    let body_line = 3;
    let input = Input {
        body,
        body_line,
        rel: "runbooks/page.md",
        title: None,
        html: true,
        highlights: None,
    };
    let full = render(input);
    let last = body_line + body.split('\n').count() - 1;
    let in_body = |line: usize| line >= body_line && line <= last;
    for h in &full.headings {
        assert!(
            in_body(h.line),
            "heading line {} not in {body_line}..={last}",
            h.line
        );
        assert!(h.text_offset <= full.text.len());
    }
    for l in &full.links {
        assert!(
            in_body(l.line),
            "link line {} not in {body_line}..={last}",
            l.line
        );
        assert!(l.column >= 1);
    }
    for t in &full.tasks {
        assert!(
            in_body(t.line),
            "task line {} not in {body_line}..={last}",
            t.line
        );
    }
    let mut ids: Vec<&str> = full.headings.iter().map(|h| h.id.as_str()).collect();
    ids.extend(full.title_heading.iter().map(|h| h.id.as_str()));
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "heading anchors are unique");
    // Text has its `<` escaped, so every `<` opens a tag: no tag is a script, and no address
    // in a tag runs script once a browser has read it (entities decoded, tabs and line feeds
    // dropped, leading spaces and controls trimmed). Text may say `src="javascript:` as words,
    // and a relative path may hold `javascript:` further in.
    let full_html = full.html.get().expect("a rendered body is in memory");
    let html = full_html.to_ascii_lowercase();
    for tag in html.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or("");
        assert!(!tag.starts_with("script"), "{full_html}");
        for attr in ["href=\"", "src=\""] {
            for value in tag.split(attr).skip(1) {
                let value = value.split('"').next().unwrap_or("");
                let read: String = value
                    .replace("&#9;", "")
                    .replace("&#x9;", "")
                    .replace("&#10;", "")
                    .replace("&#xa;", "")
                    .replace("&#13;", "")
                    .replace("&#xd;", "")
                    .chars()
                    .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                    .collect();
                let read = read.trim_start_matches(|c: char| c <= ' ');
                assert!(
                    !read.starts_with("javascript:") && !read.starts_with("vbscript:"),
                    "{full_html}"
                );
            }
        }
    }

    let lean = render(Input {
        html: false,
        ..input
    });
    assert_eq!(lean.headings, full.headings);
    assert_eq!(lean.links, full.links);
    assert_eq!(lean.tasks, full.tasks);
    assert_eq!(lean.text, full.text);
    assert_eq!(lean.title_heading, full.title_heading);
});
