//! Bad input: every case gets an error that names the file and the line in the `.md` file,
//! never a panic, and one run lists every bad file (RELIABILITY Y1–Y4, F1–F3, P1, P2).

use crate::support::{assert_same_tree, snapshot_tree, TestBook};
use std::time::{Duration, Instant};

/// Builds through the binary and returns (exit code, stderr).
fn build_with(files: &[(&str, &[u8])]) -> (i32, String) {
    let book = TestBook::new();
    for (rel, bytes) in files {
        book.bytes(rel, bytes);
    }
    book.cli_build()
}

fn assert_error(files: &[(&str, &[u8])], expected: &[&str]) {
    let (code, stderr) = build_with(files);
    assert_eq!(code, 1, "exit code; stderr: {stderr}");
    for e in expected {
        assert!(stderr.contains(e), "expected `{e}` in:\n{stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn y3_invalid_yaml_points_at_the_md_line() {
    assert_error(
        &[(
            "content/a.md",
            b"---\ntitle: A\nowner: [unclosed\n---\nbody\n",
        )],
        &[
            "content/a.md:4:",
            "error[invalid-document]: invalid front matter",
        ],
    );
}

#[test]
fn y3_yaml_syntax_cases() {
    assert_error(
        &[("content/tab.md", b"---\ntitle: A\ntags:\n\t- x\n---\n")],
        &["content/tab.md:4:", "spaces, never tabs"],
    );
    assert_error(
        &[("content/colon.md", b"---\ntitle: a: b\n---\n")],
        &["content/colon.md:2:", "put quotes around"],
    );
    assert_error(
        &[(
            "content/dup.md",
            b"---\ntitle: A\nowner: x\nowner: y\n---\n",
        )],
        &["content/dup.md:", "duplicate"],
    );
}

#[test]
fn f1_unclosed_fence_empty_file_and_long_fence() {
    assert_error(&[("content/a.md", b"---\ntitle: A\n\nNo closing fence.\n")], &["content/a.md:1: error[invalid-document]: the front matter opened on line 1 is never closed"]);
    assert_error(
        &[("content/empty.md", b"")],
        &["content/empty.md:1: error[invalid-document]: the file is empty"],
    );
    assert_error(
        &[("content/dashes.md", b"----\ntitle: A\n----\n")],
        &["content/dashes.md:1:", "exactly three dashes"],
    );
}

#[test]
fn f1_no_front_matter_takes_the_first_heading() {
    let book = TestBook::new();
    book.file("content/plain.md", "# Plain page\n\nJust text.\n");
    book.build();
    let main = book.main_of("plain.html");
    assert!(main.contains(">Plain page</h1>"), "{main}");
    assert!(main.contains("No owner"), "{main}");
    assert!(main.contains("Never reviewed"), "{main}");
    // Without a heading either, it is invalid.
    assert_error(
        &[("content/x.md", b"Just text, no title anywhere.\n")],
        &["content/x.md:1: error[invalid-document]: the document has no title"],
    );
}

#[test]
fn f2_bom_and_crlf_render_exactly_like_lf() {
    let lf = "---\ntitle: Endings\nowner: alice\nlast_reviewed: 2026-10-01\n---\n## Steps\n\n- [x] one\n- [ ] two\n\n```bash\necho hi\n```\n\nText\nmore text.\n";
    let crlf = format!("\u{feff}{}", lf.replace('\n', "\r\n"));
    let a = TestBook::new();
    a.file("content/doc.md", lf);
    a.build();
    let b = TestBook::new();
    b.file("content/doc.md", &crlf);
    b.build();
    assert_same_tree(&snapshot_tree(&a.out()), &snapshot_tree(&b.out()));
    // Mixed endings parse too.
    let mixed = "---\r\ntitle: Mixed\n---\r\nText\n";
    let c = TestBook::new();
    c.file("content/doc.md", mixed);
    c.build();
    assert!(c.read("doc.html").contains(">Mixed</h1>"));
}

#[test]
fn f2_invalid_utf8_names_byte_and_line() {
    assert_error(
        &[("content/latin1.md", b"---\ntitle: Caf\xe9\n---\n")],
        &[
            "content/latin1.md:2: error[invalid-document]: the file is not valid UTF-8 (byte 14)",
            "save the file with UTF-8",
        ],
    );
}

#[test]
fn y4_impossible_and_unreadable_dates() {
    assert_error(
        &[("content/a.md", b"---\ntitle: A\nowner: me\nlast_reviewed: 2026-13-45\n---\n")],
        &["content/a.md:4: error[invalid-document]: `last_reviewed`: `2026-13-45` is not a real calendar date"],
    );
    assert_error(
        &[(
            "content/b.md",
            b"---\ntitle: B\nlast_reviewed: \"next week\"\n---\n",
        )],
        &["content/b.md:3:", "write it as YYYY-MM-DD"],
    );
    assert_error(
        &[(
            "content/c.md",
            b"---\ntitle: C\nlast_reviewed: 2024-02-30\n---\n",
        )],
        &["content/c.md:3:", "not a real calendar date"],
    );
}

#[test]
fn y4_field_types_are_validated() {
    assert_error(
        &[("content/a.md", b"---\ntitle: A\nowner: 42\n---\n")],
        &[
            "content/a.md:3:",
            "`owner` must be a name or a list of names, found the number 42",
        ],
    );
    assert_error(
        &[("content/b.md", b"---\ntitle: B\nowner: ~\n---\n")],
        &["content/b.md:3:", "found nothing"],
    );
    assert_error(
        &[("content/c.md", b"---\ntitle: C\ndraft: maybe\n---\n")],
        &["content/c.md:3:", "`draft` must be `true` or `false`"],
    );
    // `no` is a name in YAML 1.2, and a list of owners is fine.
    let book = TestBook::new();
    book.file("content/a.md", "---\ntitle: A\nowner: no\n---\n")
        .file("content/b.md", "---\ntitle: B\nowner: [a, b]\n---\n");
    book.build();
    let catalog = book.catalog();
    assert_eq!(catalog[0]["owners"], serde_json::json!(["no"]));
    assert_eq!(catalog[1]["owners"], serde_json::json!(["a", "b"]));
}

#[test]
fn y4_oversized_front_matter_is_rejected() {
    let big = format!(
        "---\ntitle: A\nnotes: \"{}\"\n---\n",
        "x".repeat(1024 * 1024)
    );
    assert_error(
        &[("content/a.md", big.as_bytes())],
        &["content/a.md:1:", "the limit is 64 KiB"],
    );
}

#[test]
fn y1_alias_bomb_is_rejected_fast() {
    let mut bomb = String::from("---\ntitle: Bomb\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let (prev, name) = (w[0], w[1]);
        let refs = vec![format!("*{prev}"); 9].join(",");
        bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    bomb.push_str("---\nbody\n");
    let book = TestBook::new();
    book.file("content/bomb.md", &bomb)
        .file("content/fine.md", "---\ntitle: Fine\n---\nok\n");
    let started = Instant::now();
    let handbook = book.load();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    let d = &handbook.diagnostics[0];
    assert_eq!(d.path, "content/bomb.md");
    assert!(d.message.contains("repetition limit exceeded"), "{d}");
    // The line is in the front matter (lines 2 to 11 of the file).
    assert!((2..=11).contains(&d.line), "{d}");
    // The other document still loads.
    assert_eq!(handbook.documents.len(), 1);
    let (code, _) = book.cli_build();
    assert_eq!(code, 1);
}

#[test]
fn y2_deep_nesting_is_an_error_not_a_crash() {
    for yaml in [
        format!("title: {}", "[".repeat(10_000)),
        "title: &a [*a]".to_string(),
        "title: T\nx: &a {y: *a}".to_string(),
    ] {
        let text = format!("---\n{yaml}\n---\n");
        let (code, stderr) = build_with(&[("content/deep.md", text.as_bytes())]);
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains("content/deep.md:"), "{stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("overflow"),
            "{stderr}"
        );
    }
    let text = format!("---\ntitle: {}\n---\n", "[".repeat(10_000));
    let (_, stderr) = build_with(&[("content/deep.md", text.as_bytes())]);
    assert!(
        stderr.contains("content/deep.md:2:") && stderr.contains("recursion limit exceeded"),
        "{stderr}"
    );
    // `file:line:column`: the column of the YAML error, on the line of the .md file.
    let after = &stderr[stderr.find("content/deep.md:2:").unwrap() + "content/deep.md:2:".len()..];
    let (column, rest) = after.split_once(':').unwrap();
    assert!(
        column.parse::<usize>().is_ok_and(|c| c > 1) && rest.starts_with(" error["),
        "{stderr}"
    );
}

#[test]
fn f3_output_collisions_list_every_file() {
    assert_error(
        &[
            ("content/Onboarding.md", b"---\ntitle: A\n---\n"),
            ("content/onboarding.md", b"---\ntitle: B\n---\n"),
        ],
        &[
            "content/Onboarding.md: error[output-collision]: 2 files would all be written to `onboarding.html`: content/Onboarding.md, content/onboarding.md",
            "content/onboarding.md: error[output-collision]",
        ],
    );
    assert_error(
        &[("content/404.md", b"---\ntitle: Mine\n---\n")],
        &["content/404.md: error[output-collision]: `404.html` is generated by opsbook itself"],
    );
    assert_error(
        &[
            ("content/guide.md", b"---\ntitle: A\n---\n"),
            ("content/guide.MD", b"---\ntitle: B\n---\n"),
        ],
        &["content/guide.MD, content/guide.md"],
    );
}

/// Names a case-insensitive disk takes for the same file collide, compared the way such a
/// disk compares them (Unicode case folding: `Ä` and `ä`, a final `ς` and `σ`), and nothing is
/// written. Titles do not name the output, so equal titles are fine.
#[test]
fn f3_names_equal_under_unicode_case_folding_collide() {
    for (a, b) in [
        ("content/Ärger.md", "content/ärger.md"),
        ("content/ΣΊΣΥΦΟΣ.md", "content/σίσυφος.md"),
        ("content/Runbooks/μέτρα.md", "content/runbooks/ΜΈΤΡΑ.md"),
    ] {
        let book = TestBook::new();
        book.file(a, "---\ntitle: A\n---\n")
            .file(b, "---\ntitle: B\n---\n")
            .file("content/fine.md", "---\ntitle: Fine\n---\n");
        let (code, stderr) = book.cli_build();
        assert_eq!(code, 1, "{a} {b}: {stderr}");
        for name in [a, b] {
            assert!(
                stderr.contains(&format!("{name}: error[output-collision]: 2 files")),
                "{name}: {stderr}"
            );
        }
        assert!(stderr.contains(&format!("{a}, {b}")), "{stderr}");
        assert!(!book.out().exists(), "nothing is written");
    }
    let book = TestBook::new();
    book.file("content/a.md", "---\ntitle: Same title\n---\nA.\n")
        .file("content/b.md", "---\ntitle: Same title\n---\nB.\n");
    book.build();
    assert!(book.read("a.html").contains("A."));
    assert!(book.read("b.html").contains("B."));
}

#[test]
fn y3_one_run_lists_every_bad_file() {
    let book = TestBook::new();
    book.file("content/a.md", "---\ntitle: [unclosed\n---\n")
        .file("content/b.md", "")
        .file(
            "content/sub/c.md",
            "---\ntitle: C\nlast_reviewed: 2026-13-45\n---\n",
        )
        .bytes("content/sub/d.md", b"\xff\xfe")
        .file("content/ok.md", "---\ntitle: OK\n---\n");
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 1);
    for f in [
        "content/a.md:",
        "content/b.md:",
        "content/sub/c.md:3:",
        "content/sub/d.md:",
    ] {
        assert!(stderr.contains(f), "{f} missing from:\n{stderr}");
    }
    assert!(
        stderr.contains("error: 4 problems in the handbook"),
        "{stderr}"
    );
    assert!(!book.out().exists(), "nothing is written");
}

#[test]
fn p1_ten_megabyte_document_builds_in_seconds() {
    let mut body = String::from("---\ntitle: Huge\n---\n");
    let mut i = 0;
    while body.len() < 10 * 1024 * 1024 {
        i += 1;
        body.push_str(&format!(
            "## Section {i}\n\nThe on-call engineer checks the dashboard, confirms the alert and writes a note in the incident channel before acting.\n\n- [ ] step one for section {i}\n- [x] step two\n- item with `code` and a [link](#section-{i})\n\n"
        ));
    }
    let book = TestBook::new();
    book.file("content/huge.md", &body);
    let started = Instant::now();
    let (code, stderr) = book.cli_build();
    let elapsed = started.elapsed();
    assert_eq!(code, 0, "{stderr}");
    // Only a bound against hanging: the debug binary on a busy machine says little about
    // speed. The budget (5 s, 500 MB) is held by tests/pathological.rs for the release binary.
    assert!(elapsed < Duration::from_secs(180), "took {elapsed:?}");
    let catalog = book.catalog();
    assert_eq!(catalog[0]["checklist"]["total"], 2 * i);
    // Search indexes the first mebibyte of its text, and says so.
    assert!(
        stderr.contains("content/huge.md:4: warning[search-truncated]"),
        "{stderr}"
    );
}

#[test]
fn p2_pathological_markdown_does_not_overflow() {
    let mut cases = crate::pathological_markdown::cases();
    cases.push((
        "tasks",
        (0..5_000)
            .map(|d| format!("{}- [ ] task\n", "  ".repeat(d)))
            .collect(),
    ));
    for (name, body) in cases {
        let book = TestBook::new();
        book.file(
            &format!("content/{name}.md"),
            &format!("---\ntitle: {name}\n---\n{body}"),
        );
        let started = Instant::now();
        let (code, stderr) = book.cli_build();
        assert_eq!(code, 0, "{name}: {stderr}");
        // Against hanging only; tests/pathological.rs holds the release budgets.
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{name} took {:?}",
            started.elapsed()
        );
    }
}
