//! Incremental builds: a build that reuses the cache writes only what changed, and its output
//! is byte for byte the output of a clean build of the same handbook.

use crate::support::{
    assert_no_leftovers, assert_same_tree, clean_build_in_copy, snapshot_tree, TestBook, TODAY,
};
use std::path::Path;

/// `opsbook build` through the binary with the cache on; returns stderr.
fn build(book: &TestBook) -> String {
    let out = book
        .cmd(&["-v", "build", "--today", TODAY])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    stderr
}

/// How many files the last build wrote, from its `-v` log.
fn written(stderr: &str) -> usize {
    let line = stderr
        .lines()
        .find(|l| l.contains("files written)"))
        .unwrap_or_else(|| panic!("no count of written files in:\n{stderr}"));
    let count = line.rsplit('(').next().unwrap();
    count.split(' ').next().unwrap().parse().unwrap()
}

/// The output of a clean, cache-less build of the handbook as it is now, in a copy.
fn clean_output(book: &TestBook) -> std::collections::BTreeMap<String, Vec<u8>> {
    let copy = clean_build_in_copy(book.root());
    assert!(
        !copy.path().join(".opsbook-cache").exists(),
        "--no-cache wrote a cache"
    );
    snapshot_tree(&copy.path().join("book"))
}

fn assert_like_clean(book: &TestBook, after: &str) {
    let incremental = snapshot_tree(&book.out());
    let clean = clean_output(book);
    assert_eq!(
        incremental.keys().collect::<Vec<_>>(),
        clean.keys().collect::<Vec<_>>(),
        "after {after}: the files differ"
    );
    assert_same_tree(&incremental, &clean);
}

/// A runbook of the book other than its section page and `except`.
fn a_runbook(book: &TestBook, except: &str) -> std::path::PathBuf {
    book.root()
        .join("content/runbooks")
        .read_dir()
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.extension().is_some_and(|e| e == "md")
                && !p.ends_with("index.md")
                && !p.ends_with(except)
        })
        .unwrap()
}

fn edit(path: &Path, f: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, f(text)).unwrap();
}

#[test]
fn incremental_builds_equal_clean_builds_after_edits_renames_and_deletions() {
    let book = TestBook::fixture("generated/handbook");
    let content = book.root().join("content");
    let first = build(&book);
    assert!(written(&first) > 20, "{first}");
    assert!(book.root().join(".opsbook-cache/documents.bin").is_file());

    let again = build(&book);
    assert_eq!(written(&again), 0, "nothing changed, nothing is written");
    assert_like_clean(&book, "a rebuild with no change");

    // A body edit: the page itself and what shows its text are written, not the rest.
    let runbook = a_runbook(&book, "index.md");
    edit(&runbook, |t| {
        t + "\nA new paragraph about `pg_ctl promote`.\n\n```bash\necho fresh\n```\n"
    });
    let edited = build(&book);
    assert!(
        book.root().join(".opsbook-cache/highlights.bin").is_file(),
        "the new code block is kept highlighted"
    );
    assert!(
        edited.contains("1 changed document indexed again"),
        "the search index kept from the last build is updated, not built again:\n{edited}"
    );
    let parts = edited
        .lines()
        .find_map(|l| l.split_once("print.html: ")?.1.split_once(" parts copied"))
        .and_then(|(counts, _)| counts.split_once(" of "))
        .map(|(copied, all)| {
            (
                copied.parse::<usize>().unwrap(),
                all.parse::<usize>().unwrap(),
            )
        })
        .unwrap_or_else(|| panic!("print.html is made again from the last one:\n{edited}"));
    assert!(
        parts.0 > 0 && parts.0 < parts.1,
        "the edited page's part is made, the others copied: {parts:?}"
    );
    let count = written(&edited);
    let total = snapshot_tree(&book.out()).len();
    assert!(
        count >= 1 && count < total / 2,
        "{count} of {total} written"
    );
    assert_like_clean(&book, "a body edit");
    // The files the update replaced leave with its staging folder.
    assert_no_leftovers(&book);

    // A field only lists show (not the navigation): the section page, the type's log and the
    // pages linking to the document carry its row.
    edit(&runbook, |t| {
        t.replacen("title: ", "status: retired\ntitle: ", 1)
    });
    build(&book);
    assert_like_clean(&book, "a status edit");

    // A title edit shows in the navigation of every page.
    edit(&runbook, |t| t.replacen("title: ", "title: Renamed ", 1));
    build(&book);
    assert_like_clean(&book, "a title edit");

    // A rename: the old page disappears, the new one appears.
    let renamed = runbook.with_file_name("moved-elsewhere.md");
    std::fs::rename(&runbook, &renamed).unwrap();
    let old_url = format!(
        "runbooks/{}.html",
        runbook.file_stem().unwrap().to_string_lossy()
    );
    build(&book);
    assert!(
        !book.out().join(&old_url).exists(),
        "{old_url} is still there"
    );
    assert!(book.out().join("runbooks/moved-elsewhere.html").is_file());
    assert_like_clean(&book, "a rename");

    // A new folder with a page and an image, then its deletion.
    book.file(
        "content/guides/new-area/index.md",
        "---\ntitle: New area\nowners: [\"@platform\"]\n---\n\n![diagram](diagram.png)\n",
    );
    book.bytes(
        "content/guides/new-area/diagram.png",
        b"\x89PNG\r\n\x1a\nfake",
    );
    build(&book);
    assert!(book.out().join("guides/new-area/diagram.png").is_file());
    assert_like_clean(&book, "a new folder");
    std::fs::remove_dir_all(content.join("guides/new-area")).unwrap();
    build(&book);
    assert!(
        !book.out().join("guides/new-area").exists(),
        "an emptied folder is removed"
    );
    assert_like_clean(&book, "a deleted folder");

    // A theme change re-renders every page.
    book.file(
        "book.toml",
        &(std::fs::read_to_string(book.root().join("book.toml")).unwrap()
            + "\n[output.html]\nedit-url-template = \"https://example.com/edit/{path}\"\n"),
    );
    build(&book);
    assert_like_clean(&book, "a configuration change");
    book.file(
        "theme/templates/404.html",
        "{% extends \"base.html\" %}{% block main %}<p>Gone, sorry.</p>{% endblock main %}",
    );
    let tb = std::fs::read_to_string(book.root().join("book.toml")).unwrap();
    book.file(
        "book.toml",
        &tb.replace("[build]", "[build]\ntheme = \"theme\""),
    );
    if !tb.contains("[build]") {
        book.file("book.toml", &(tb + "\n[build]\ntheme = \"theme\"\n"));
    }
    build(&book);
    assert!(book.read("404.html").contains("Gone, sorry."));
    assert_like_clean(&book, "a theme change");
}

#[test]
fn a_damaged_cache_or_a_hand_edited_output_gives_a_correct_build() {
    let book = TestBook::fixture("generated/handbook");
    build(&book);
    let cache = book.root().join(".opsbook-cache");
    for entry in std::fs::read_dir(&cache).unwrap() {
        let path = entry.unwrap().path();
        let mut bytes = std::fs::read(&path).unwrap();
        let half = bytes.len() / 2;
        bytes.truncate(half);
        bytes.extend_from_slice(b"garbage");
        std::fs::write(&path, bytes).unwrap();
    }
    let stderr = build(&book);
    assert!(written(&stderr) > 20, "a damaged cache means a clean build");
    assert_like_clean(&book, "a damaged cache");

    // A page deleted from the output by hand is written again.
    std::fs::remove_file(book.out().join("index.html")).unwrap();
    let stderr = build(&book);
    assert_eq!(written(&stderr), 1, "{stderr}");
    assert_like_clean(&book, "a page deleted from the output");

    // A print view changed by hand is not copied from: it is made whole.
    let print = book.out().join("print.html");
    let mut bytes = std::fs::read(&print).unwrap();
    let at = bytes.len() / 2;
    bytes.splice(at..at, b"<p>hand-made</p>".iter().copied());
    std::fs::write(&print, bytes).unwrap();
    let page = a_runbook(&book, "index.md");
    edit(&page, |t| t + "\nOne more line.\n");
    let stderr = build(&book);
    assert!(!stderr.contains("parts copied"), "{stderr}");
    assert_like_clean(&book, "a print view changed by hand");

    // So is a search file, made again from the index kept in the cache.
    let search = book.out().join("_opsbook/search");
    let shard = std::fs::read_dir(&search)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with("t-"))
        .expect("a term shard");
    for name in ["index.js", "s-0.js", shard.as_str()] {
        std::fs::remove_file(search.join(name)).unwrap();
        let stderr = build(&book);
        assert!(
            stderr.contains("0 changed documents indexed again"),
            "{stderr}"
        );
        assert_eq!(written(&stderr), 1, "{stderr}");
        assert_like_clean(&book, &format!("{name} deleted from the output"));
    }
}

#[test]
fn b1_a_failed_incremental_build_leaves_the_output_untouched() {
    let book = TestBook::fixture("generated/handbook");
    build(&book);
    let before = snapshot_tree(&book.out());
    book.file(
        "theme/templates/page.html",
        "{% extends \"base.html\" %}{% block main %}{{ page.nonexistent.field }}{% endblock main %}",
    );
    let tb = std::fs::read_to_string(book.root().join("book.toml")).unwrap();
    book.file("book.toml", &(tb + "\n[build]\ntheme = \"theme\"\n"));
    let out = book.cmd(&["build", "--today", TODAY]).output().unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert_same_tree(&snapshot_tree(&book.out()), &before);
}

#[test]
fn clean_removes_the_output_and_the_cache() {
    let book = TestBook::fixture("generated/handbook");
    build(&book);
    let cache = book.root().join(".opsbook-cache");
    assert!(cache.join("CACHEDIR.TAG").is_file());
    let out = book.cmd(&["clean"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(!book.out().exists());
    assert!(!cache.exists());
    // The next build is a clean one and says so by writing every file.
    let stderr = build(&book);
    assert_eq!(written(&stderr), snapshot_tree(&book.out()).len() - 1);
}

/// (reused, total) from the `-v` log line about Markdown files taken from the cache.
fn reused(stderr: &str) -> (usize, usize) {
    let line = stderr
        .lines()
        .find(|l| l.contains("Markdown files from the cache"))
        .unwrap_or_else(|| panic!("no count of reused files in:\n{stderr}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "reused").unwrap();
    (
        words[at + 1].parse().unwrap(),
        words[at + 3].parse().unwrap(),
    )
}

#[test]
fn a_document_text_damaged_in_the_cache_fails_one_build_and_the_next_is_clean() {
    let book = TestBook::fixture("generated/handbook");
    build(&book);
    let before = snapshot_tree(&book.out());
    // The documents' texts are kept after their heads and read only for a page rendered
    // again: damage one where the heads cannot see it.
    let documents = book.root().join(".opsbook-cache/documents.bin");
    let mut bytes = std::fs::read(&documents).unwrap();
    let word = b"Promote the replica";
    let at = bytes
        .windows(word.len())
        .rposition(|w| w == word)
        .expect("a task of db.md in the cache");
    bytes[at] = b'p';
    std::fs::write(&documents, bytes).unwrap();
    // A new title (of another page) shows in the navigation of every page: every page is
    // rendered again, db.md's from its cached HTML.
    let other = a_runbook(&book, "db.md");
    edit(&other, |t| t.replacen("title: ", "title: Renamed ", 1));
    let out = book.cmd(&["build", "--today", TODAY]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("documents.bin is damaged") && stderr.contains("build again"),
        "{stderr}"
    );
    assert_same_tree(&snapshot_tree(&book.out()), &before);
    assert!(!documents.exists(), "the damaged cache file is removed");
    build(&book);
    assert_like_clean(&book, "a damaged document text in the cache");
}

#[test]
fn unchanged_documents_are_reused_whole_and_their_code_stays_cached() {
    let book = TestBook::fixture("generated/handbook");
    book.file(
        "content/guides/shell.md",
        "---\ntitle: Shell\n---\n\n```bash\necho \"$HOME\"\n```\n\n```rust\nfn main() {}\n```\n",
    );
    let cache = book.root().join(".opsbook-cache");
    let (none, total) = reused(&build(&book));
    assert_eq!(none, 0, "the first build parses every file");
    assert!(total > 10);
    assert!(cache.join("documents.bin").is_file());
    let highlights = std::fs::read(cache.join("highlights.bin")).unwrap();
    assert!(
        String::from_utf8_lossy(&highlights).contains("hl-k"),
        "the code blocks are cached"
    );

    assert_eq!(reused(&build(&book)), (total, total));
    assert_eq!(
        std::fs::read(cache.join("highlights.bin")).unwrap(),
        highlights,
        "the code blocks of documents reused whole stay in the highlight cache"
    );
    assert_like_clean(&book, "a build that reused every document");

    // One edited file is parsed again, the rest reused.
    let runbook = a_runbook(&book, "index.md");
    edit(&runbook, |t| t + "\nOne more paragraph, with `code`.\n");
    assert_eq!(reused(&build(&book)), (total - 1, total));
    assert_like_clean(&book, "a body edit through the document cache");

    // Document types decide what a file becomes: changing them parses every file again.
    let toml = std::fs::read_to_string(book.root().join("book.toml")).unwrap();
    book.file(
        "book.toml",
        &(toml + "\n[types.runbook]\nreview-every = \"30d\"\n"),
    );
    assert_eq!(reused(&build(&book)), (0, total));
    assert_like_clean(&book, "a change of document types");

    // `--no-cache` neither reads nor writes it.
    std::fs::remove_dir_all(&cache).unwrap();
    let out = book
        .cmd(&["-v", "build", "--no-cache", "--today", TODAY])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(!cache.exists());
}

#[test]
fn check_reuses_unchanged_documents_and_sees_every_edit() {
    let book = TestBook::fixture("generated/handbook");
    let check = |extra: &[&str]| {
        let mut args = vec!["-v", "check", "--today", TODAY, "--format", "json"];
        args.extend_from_slice(extra);
        let out = book.cmd(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(matches!(out.status.code(), Some(0 | 1)), "{stderr}");
        (String::from_utf8(out.stdout).unwrap(), stderr)
    };
    let (first, stderr) = check(&[]);
    let (none, total) = reused(&stderr);
    assert_eq!(none, 0);
    assert!(book
        .root()
        .join(".opsbook-cache/documents-check.bin")
        .is_file());
    let (second, stderr) = check(&[]);
    assert_eq!(reused(&stderr), (total, total));
    assert_eq!(first, second, "the report does not depend on the cache");

    // A document loses its owner and gets a broken link: the report says so at once.
    let runbook = a_runbook(&book, "index.md");
    edit(&runbook, |t| {
        t.lines()
            .filter(|l| !l.starts_with("owners:") && !l.starts_with("  - "))
            .collect::<Vec<_>>()
            .join("\n")
            + "\n\nSee [the missing page](no-such-page.md).\n"
    });
    let (edited, stderr) = check(&[]);
    assert_eq!(reused(&stderr), (total - 1, total));
    assert_ne!(edited, first);
    assert!(edited.contains("no-such-page.md"), "{edited}");
    let (uncached, stderr) = check(&["--no-cache"]);
    assert!(!stderr.contains("from the cache"), "{stderr}");
    assert_eq!(
        edited, uncached,
        "the cached run reports what a clean run reports"
    );
}

/// catalog.json (14 MB for 10,000 documents) is neither serialized nor written again when no
/// entry changed: a written file is a new file in the output.
#[cfg(unix)]
#[test]
fn catalog_json_is_written_again_only_when_an_entry_changes() {
    use std::os::unix::fs::MetadataExt;
    let book = TestBook::fixture("generated/handbook");
    build(&book);
    let catalog = book.out().join("catalog.json");
    let inode = || std::fs::metadata(&catalog).unwrap().ino();
    let first = inode();
    let runbook = a_runbook(&book, "no-such-page.md");
    edit(&runbook, |t| t + "\nOne more sentence of body text.\n");
    let stderr = build(&book);
    assert!(written(&stderr) >= 1, "{stderr}");
    assert!(
        stderr.contains("catalog.json: no entry changed") || stderr.contains("only the text of"),
        "the catalog is not made again when no entry changed:\n{stderr}"
    );
    assert_eq!(
        inode(),
        first,
        "a body edit changes no entry of the catalog"
    );
    assert_like_clean(&book, "a body edit");

    edit(&runbook, |t| {
        t.replacen("title: ", "status: retired\ntitle: ", 1)
    });
    let stderr = build(&book);
    assert!(
        !stderr.contains("catalog.json: no entry changed"),
        "{stderr}"
    );
    assert_ne!(inode(), first, "a status edit changes the document's entry");
    let source = runbook
        .strip_prefix(book.root())
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let entries: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&catalog).unwrap()).unwrap();
    let entry = entries
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == source.as_str())
        .unwrap_or_else(|| panic!("no entry for {source}"));
    assert_eq!(entry["status"], "retired");
    assert_like_clean(&book, "a status edit");
}

/// The modification time of a file of the output.
fn modified(book: &TestBook, rel: &str) -> std::time::SystemTime {
    std::fs::metadata(book.out().join(rel))
        .unwrap()
        .modified()
        .unwrap()
}

#[test]
fn when_only_text_changed_only_the_pages_that_show_it_are_made() {
    let book = TestBook::fixture("generated/handbook");
    build(&book);
    let runbook = a_runbook(&book, "index.md");
    let page = format!(
        "runbooks/{}.html",
        runbook.file_stem().unwrap().to_string_lossy()
    );
    let other = a_runbook(&book, runbook.file_name().unwrap().to_str().unwrap());
    let other_page = format!(
        "runbooks/{}.html",
        other.file_stem().unwrap().to_string_lossy()
    );
    let kept = [
        "health.html",
        "catalog.json",
        "sitemap.xml",
        "_opsbook/nav.js",
    ];
    let before: Vec<_> = kept
        .iter()
        .chain([&other_page.as_str()])
        .map(|f| modified(&book, f))
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(20));

    // A body edit and a new picture under the same name: the page, the print view, the
    // search index and the picture are made again, nothing else.
    edit(&runbook, |t| t + "\nA paragraph about `vacuum full`.\n");
    let picture = book.root().join("content/runbooks/diagram.png");
    std::fs::write(&picture, b"\x89PNG\r\n\x1a\nfirst").unwrap();
    build(&book);
    std::fs::write(&picture, b"\x89PNG\r\n\x1a\nsecond").unwrap();
    edit(&runbook, |t| t + "\nAnd another about `reindex`.\n");
    let stderr = build(&book);
    assert!(
        stderr.contains("only the text of 1 document changed"),
        "{stderr}"
    );
    assert!(book.read(&page).contains("reindex"));
    assert_eq!(
        std::fs::read(book.out().join("runbooks/diagram.png")).unwrap(),
        b"\x89PNG\r\n\x1a\nsecond"
    );
    let after: Vec<_> = kept
        .iter()
        .chain([&other_page.as_str()])
        .map(|f| modified(&book, f))
        .collect();
    assert_eq!(before, after, "{kept:?} and {other_page} were kept");
    assert_like_clean(&book, "a text edit");

    // A section's own page (here the home page) shows its index document's text.
    let index = book.root().join("content/index.md");
    edit(&index, |t| t + "\nA note for the whole handbook.\n");
    let stderr = build(&book);
    assert!(
        stderr.contains("only the text of 1 document changed"),
        "{stderr}"
    );
    assert!(book.read("index.html").contains("whole handbook"));
    assert_like_clean(&book, "an index document edit");

    // A page removed from the output by hand: everything is made, and it is back.
    std::fs::remove_file(book.out().join(&other_page)).unwrap();
    edit(&runbook, |t| t + "\nOne more line.\n");
    let stderr = build(&book);
    assert!(!stderr.contains("only the text"), "{stderr}");
    assert_like_clean(&book, "a page removed by hand");

    // More than text: a heading, the date.
    edit(&runbook, |t| t + "\n## A new heading\n\nWith text.\n");
    let stderr = build(&book);
    assert!(!stderr.contains("only the text"), "{stderr}");
    assert_like_clean(&book, "a new heading");
    let stderr = book
        .cmd(&["-v", "build", "--today", "2026-12-30"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&stderr.stderr);
    assert!(!stderr.contains("only the text"), "{stderr}");
}
