//! Code blocks: highlighted with classes, or plain when the language is unknown or the code
//! too large.

use crate::support::TestBook;

#[test]
fn known_language_is_highlighted_unknown_is_plain() {
    let book = TestBook::fixture("highlight/basic");
    book.build();
    let main = book.main_of("code.html");
    assert!(
        main.contains("<code class=\"language-rust\"><span class=\"hl-k\">fn </span>"),
        "{main}"
    );
    assert!(
        main.contains(
            "<code class=\"language-nonexistent-lang\">&lt;b&gt;raw&lt;/b&gt; &amp; stuff"
        ),
        "{main}"
    );
    assert!(main.contains("indented &lt;code&gt;"), "{main}");
    // Light and dark colours ship with the site.
    let css = book.read("_opsbook/syntax.css");
    assert!(css.contains(".hl-"));
    assert!(css.contains(".hl-k { color: light-dark("), "{css}");
}

#[test]
fn p3_huge_line_falls_back_to_plain_text_with_a_warning() {
    let book = TestBook::new();
    let line = "x".repeat(1024 * 1024);
    book.file(
        "content/big.md",
        &format!("---\ntitle: Big\n---\n\n```rust\nlet s = \"{line}\";\n```\n"),
    );
    let started = std::time::Instant::now();
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 0, "{stderr}");
    // Against hanging only; tests/pathological.rs holds the release budget (2 s).
    assert!(
        started.elapsed().as_secs() < 120,
        "took {:?}",
        started.elapsed()
    );
    assert!(
        stderr.contains("content/big.md:5: warning[highlight]"),
        "{stderr}"
    );
    assert!(stderr.contains("shown as plain text"), "{stderr}");
    let main = book.main_of("big.html");
    assert!(
        main.contains("<code class=\"language-rust\">let s = \"xxx"),
        "{}",
        &main[..500.min(main.len())]
    );
}
