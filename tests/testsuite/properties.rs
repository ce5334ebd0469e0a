//! Property tests: invariants cheaper to state than to fuzz, checked on generated inputs.
//!
//! - a rebuild, incremental or clean, gives the same bytes;
//! - `review` changes the `last_reviewed` line and nothing else;
//! - a link to a document, written relative or root-relative from any page, is rewritten to
//!   an address that leads back to that document's page;
//! - checklist counts equal a plain count of task items outside code.

use crate::support::{assert_same_tree, snapshot_tree, TestBook};
use jiff::civil::date;
use opsbook::edit::mark_reviewed;
use opsbook::links::{self, Target};
use opsbook::markdown::{render, Input};
use proptest::prelude::*;

/// A path segment: plain, with a space or with a non-ASCII letter.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z][a-z0-9-]{0,7}",
        1 => "[a-z]{1,4} [a-z]{1,4}",
        1 => "[a-z]{1,3}é[a-z]{0,3}",
    ]
    .prop_filter("not a section page", |s| s != "index")
}

/// A document path relative to the content folder, one to three folders deep.
fn doc_path() -> impl Strategy<Value = String> {
    (prop::collection::vec(segment(), 0..3), segment()).prop_map(|(dirs, name)| {
        let mut parts = dirs;
        parts.push(format!("{name}.md"));
        parts.join("/")
    })
}

fn percent_encode(path: &str) -> String {
    percent_encoding::utf8_percent_encode(path, percent_encoding::CONTROLS)
        .to_string()
        .replace(' ', "%20")
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .unwrap()
        .into_owned()
}

/// The relative path from the folder of `from` to `to`.
fn relative_path(from: &str, to: &str) -> String {
    let from_dirs: Vec<&str> = from.split('/').collect::<Vec<_>>();
    let from_dirs = &from_dirs[..from_dirs.len() - 1];
    let to_parts: Vec<&str> = to.split('/').collect();
    let common = from_dirs
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count()
        .min(to_parts.len() - 1);
    let mut out = "../".repeat(from_dirs.len() - common);
    out.push_str(&to_parts[common..].join("/"));
    out
}

/// Where a browser goes from the page of `from` when it follows `href`.
fn follow(from: &str, href: &str) -> String {
    let mut parts: Vec<String> = from.split('/').map(str::to_string).collect();
    parts.pop();
    let path = href.split(['#', '?']).next().unwrap();
    for segment in path.split('/') {
        match segment {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            s => parts.push(percent_decode(s)),
        }
    }
    parts.join("/")
}

/// A Markdown document of task lists, code blocks, quotes and paragraphs, with the number of
/// tasks and of checked tasks a plain count outside code gives.
fn checklist_document() -> impl Strategy<Value = (String, usize, usize)> {
    #[derive(Debug, Clone)]
    enum Block {
        Tasks(Vec<(u8, bool)>),
        Code(Vec<bool>),
        Quote(Vec<bool>),
        Paragraph(String),
        Plain(u8),
    }
    let block = prop_oneof![
        3 => prop::collection::vec((0u8..3, any::<bool>()), 1..6).prop_map(Block::Tasks),
        1 => prop::collection::vec(any::<bool>(), 1..4).prop_map(Block::Code),
        1 => prop::collection::vec(any::<bool>(), 1..3).prop_map(Block::Quote),
        1 => "[a-z ]{1,30}".prop_map(Block::Paragraph),
        1 => (1u8..4).prop_map(Block::Plain),
    ];
    prop::collection::vec(block, 0..8).prop_map(|blocks| {
        let (mut text, mut total, mut done) = (String::new(), 0, 0);
        for block in blocks {
            match block {
                Block::Tasks(items) => {
                    // Each item nests at most one level under the one before it.
                    let mut depth = 0u8;
                    for (i, (want, checked)) in items.into_iter().enumerate() {
                        depth = if i == 0 { 0 } else { want.min(depth + 1) };
                        let mark = match (checked, i % 2) {
                            (true, 0) => "x",
                            (true, _) => "X",
                            (false, _) => " ",
                        };
                        text.push_str(&format!(
                            "{}- [{mark}] item {i}\n",
                            "  ".repeat(depth as usize)
                        ));
                        total += 1;
                        done += usize::from(checked);
                    }
                }
                Block::Code(lines) => {
                    text.push_str("```\n");
                    for checked in lines {
                        text.push_str(if checked {
                            "- [x] code\n"
                        } else {
                            "- [ ] code\n"
                        });
                    }
                    text.push_str("```\n");
                }
                Block::Quote(lines) => {
                    // A list inside a quote is a list: its tasks count (GFM).
                    for checked in lines {
                        text.push_str(if checked {
                            "> - [x] quoted\n"
                        } else {
                            "> - [ ] quoted\n"
                        });
                        total += 1;
                        done += usize::from(checked);
                    }
                }
                Block::Paragraph(words) => {
                    text.push_str(&format!("Some {words} text.\n"));
                }
                Block::Plain(kind) => {
                    // Not tasks: no space after the box, no list, a plain list item.
                    text.push_str(match kind {
                        1 => "- [x]no-space\n",
                        2 => "[x] not a list\n",
                        _ => "- plain item\n",
                    });
                }
            }
            text.push('\n');
        }
        (text, total, done)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn checklist_counts_equal_a_plain_count_outside_code(
        (text, total, done) in checklist_document()
    ) {
        let rendered = render(Input {
            body: &text,
            body_line: 1,
            rel: "plan.md",
            title: None,
            html: false,
            highlights: None,
        });
        prop_assert_eq!(rendered.tasks.len(), total, "{}", text);
        prop_assert_eq!(rendered.tasks_done(), done, "{}", text);
    }

    #[test]
    fn links_to_documents_lead_back_to_their_page(
        from in doc_path(),
        to in doc_path(),
        root_relative in any::<bool>(),
        anchor in proptest::option::of("[a-z][a-z0-9-]{0,8}"),
    ) {
        let path = if root_relative {
            format!("/{to}")
        } else {
            relative_path(&from, &to)
        };
        let mut dest = percent_encode(&path);
        if let Some(a) = &anchor {
            dest.push('#');
            dest.push_str(a);
        }
        let resolved = links::resolve(&dest, &from);
        prop_assert_eq!(
            &resolved.target,
            &Target::Document { path: to.clone(), anchor: anchor.clone() },
            "{} from {}", dest, from
        );
        let page = format!("{}.html", &to[..to.len() - 3]);
        prop_assert_eq!(follow(&from, &resolved.href), page, "{} -> {}", dest, resolved.href);
        prop_assert!(!resolved.href.starts_with('/'), "works from disk: {}", resolved.href);
        match &anchor {
            Some(a) => {
                let fragment = format!("#{a}");
                prop_assert!(resolved.href.ends_with(&fragment), "{}", resolved.href);
            }
            None => prop_assert!(!resolved.href.contains('#')),
        }
    }

    #[test]
    fn review_changes_the_date_line_and_nothing_else(
        lines in prop::collection::vec(
            prop_oneof![
                Just("title: \"Database failover\"".to_string()),
                Just("owner: \"@platform\"".to_string()),
                "# [a-z ]{0,20}".prop_map(|s| s),
                Just(String::new()),
                "tags: \\[[a-z]{1,6}, [a-z]{1,6}\\]".prop_map(|s| s),
                "status: (draft|accepted|active)".prop_map(|s| s),
                "last_reviewed: 20(1[0-9]|2[0-5])-0[1-9]-1[0-9]( # [a-z]{1,8})?".prop_map(|s| s),
            ],
            0..8,
        ),
        body in "[a-zA-Z0-9 .,\n#*-]{0,80}",
        crlf in any::<bool>(),
        bom in any::<bool>(),
    ) {
        // At most one `last_reviewed` key (two would be a duplicate key, refused).
        let mut seen = false;
        let lines: Vec<String> = lines
            .into_iter()
            .filter(|l| !l.starts_with("last_reviewed:") || !std::mem::replace(&mut seen, true))
            .collect();
        let mut seen_keys = std::collections::HashSet::new();
        let lines: Vec<String> = lines
            .into_iter()
            .filter(|l| {
                let key = l.split(':').next().unwrap_or("");
                l.starts_with('#') || l.is_empty() || seen_keys.insert(key.to_string())
            })
            .collect();
        let eol = if crlf { "\r\n" } else { "\n" };
        let mut original = String::new();
        if bom {
            original.push('\u{feff}');
        }
        original.push_str(&format!("---{eol}"));
        for l in &lines {
            original.push_str(l);
            original.push_str(eol);
        }
        original.push_str(&format!("---{eol}"));
        original.push_str(&body.replace('\n', eol));

        let day = date(2026, 11, 21);
        let out = mark_reviewed(&original, day, None).map_err(|p| {
            TestCaseError::fail(format!("{p:?} for {original:?}"))
        })?;
        prop_assert_eq!(out.starts_with('\u{feff}'), bom, "the BOM is kept");
        let date_line = format!("last_reviewed: {day}");
        let other = |text: &str| -> Vec<String> {
            text.split_inclusive('\n')
                .filter(|l| !l.starts_with("last_reviewed:"))
                .map(str::to_string)
                .collect()
        };
        prop_assert_eq!(other(&out), other(&original), "{:?} -> {:?}", original, out);
        let changed: Vec<&str> = out
            .split_inclusive('\n')
            .filter(|l| l.starts_with("last_reviewed:"))
            .collect();
        prop_assert_eq!(changed.len(), 1, "{:?}", out);
        let written = changed[0].trim_end_matches(['\r', '\n']);
        prop_assert!(written.starts_with(&date_line), "{:?}", written);
        if let Some(old) = lines.iter().find(|l| l.starts_with("last_reviewed:")) {
            // A comment after the old date stays.
            let comment = old.split_once(" #").map(|(_, c)| c);
            prop_assert_eq!(written.split_once(" #").map(|(_, c)| c), comment);
        }
        // The line ends like the file's other lines.
        prop_assert!(changed[0].ends_with(eol), "{:?}", changed[0]);
        prop_assert_eq!(changed[0].ends_with("\r\n"), crlf, "{:?}", changed[0]);
    }
}

/// A small generated handbook: pages linking to each other, with tasks and code.
fn handbook() -> impl Strategy<Value = Vec<(String, String)>> {
    let page = (
        prop::sample::select(vec!["runbooks", "sops", "playbook", "decisions", "guides"]),
        "[a-z]{3,8}",
        "[A-Z][a-z]{2,10}( [a-z]{2,8}){0,3}",
        prop::collection::vec("[a-z]{2,9}", 3..30),
        0usize..4,
        any::<bool>(),
    );
    prop::collection::vec(page, 1..12).prop_map(|pages| {
        let mut seen = std::collections::HashSet::new();
        let pages: Vec<_> = pages
            .into_iter()
            .filter(|(dir, name, ..)| seen.insert(format!("{dir}/{name}")))
            .collect();
        let paths: Vec<String> = pages
            .iter()
            .map(|(dir, name, ..)| format!("{dir}/{name}.md"))
            .collect();
        pages
            .iter()
            .enumerate()
            .map(|(i, (_, _, title, words, tasks, code))| {
                let target = &paths[(i + 1) % paths.len()];
                let mut body = format!(
                    "---\ntitle: \"{title}\"\nowner: \"@ops\"\nlast_reviewed: 2026-0{}-10\ntags: [{}]\n---\n\n{}.\n\nSee [the next page](/{target}).\n\n",
                    1 + i % 9,
                    words[0],
                    words.join(" ")
                );
                for t in 0..*tasks {
                    body.push_str(&format!("- [{}] step {t}\n", if t % 2 == 0 { "x" } else { " " }));
                }
                if *code {
                    body.push_str("\n```bash\necho ready\n```\n");
                }
                body.push_str(&format!("\n## {}\n\nMore about {}.\n", words[1], words[2]));
                (paths[i].clone(), body)
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    #[test]
    fn rebuilds_give_the_same_bytes_incremental_or_clean(pages in handbook()) {
        let book = TestBook::new();
        for (path, text) in &pages {
            book.file(&format!("content/{path}"), text);
        }
        let handbook = book.load();
        prop_assert!(!handbook.has_errors(), "{:#?}", handbook.diagnostics);
        let mut cached = book.options();
        cached.cache = opsbook::cache::Store::at(book.root().join(".opsbook-cache"));
        opsbook::build(&handbook, &cached).unwrap();
        let first = snapshot_tree(&book.out());
        // Again with the cache (nothing is rendered twice), then clean elsewhere.
        opsbook::build(&book.load(), &cached).unwrap();
        let again = snapshot_tree(&book.out());
        assert_same_tree(&first, &again);
        let elsewhere = tempfile::tempdir().unwrap();
        let mut options = book.options();
        options.out = Some(elsewhere.path().join("site"));
        opsbook::build(&book.load(), &options).unwrap();
        assert_same_tree(&first, &snapshot_tree(&elsewhere.path().join("site")));
        prop_assert!(first.len() > pages.len(), "{} files", first.len());
    }
}
