//! A failed build leaves the previous output untouched (RELIABILITY B1).

use crate::support::{assert_no_leftovers, assert_same_tree, snapshot_tree, TestBook};

#[test]
fn b1_content_error_leaves_previous_output_untouched() {
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
fn b1_template_error_leaves_previous_output_untouched() {
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
    // Nor a file of that name.
    std::fs::remove_dir_all(book.out()).unwrap();
    book.file("book", "a file, not a folder\n");
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is not a folder"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(book.out()).unwrap(),
        "a file, not a folder\n"
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

#[cfg(target_os = "linux")]
#[test]
fn b1_leftovers_of_a_killed_build_are_removed() {
    let book = TestBook::fixture("catalog/fields");
    // A build interrupted by SIGINT leaves its staging folder; its process is gone.
    book.file(".book.opsbook-tmp-4000000000/index.html", "half written\n");
    book.file(".book.opsbook-old-4000000001/index.html", "old\n");
    book.build();
    assert_no_leftovers(&book);
}

#[cfg(unix)]
#[test]
fn b1_sigint_during_the_build_leaves_previous_output_untouched() {
    let book = TestBook::new();
    book.file(
        "content/first.md",
        "---\ntitle: First\n---\nThe previous site.\n",
    );
    book.build();
    let before = snapshot_tree(&book.out());
    // Enough pages that the build is still writing when the signal arrives.
    for i in 0..3000 {
        book.file(
            &format!("content/s{}/page-{i:04}.md", i % 30),
            &format!(
                "---\ntitle: Page {i}\n---\n## Steps\n\n- [ ] one\n\n```bash\necho {i}\n```\n"
            ),
        );
    }
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("opsbook"))
        .current_dir(book.root())
        .args(["build", "--today", crate::support::TODAY])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the staging folder exists, then interrupt.
    let started = std::time::Instant::now();
    while !std::fs::read_dir(book.root()).unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .contains("opsbook-tmp")
    }) {
        assert!(
            started.elapsed().as_secs() < 60,
            "the build never started writing"
        );
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    if !status.success() {
        // Interrupted: the previous site is exactly as it was.
        assert_same_tree(&before, &snapshot_tree(&book.out()));
    }
    // Either way, the next build succeeds and leaves nothing behind.
    book.build();
    assert!(book.out().join("s0/page-0000.html").is_file());
    assert_no_leftovers(&book);
}

/// B1, disk full: every write past a small size fails (the file size limit of `ulimit -f`,
/// with SIGXFSZ ignored, makes `write` fail with EFBIG as a full disk fails with ENOSPC). The
/// build fails naming the problem, exits non-zero, leaves the previous site exactly as it was
/// and no staging folder behind.
#[cfg(unix)]
#[test]
fn b1_a_write_that_fails_midway_leaves_previous_output_untouched() {
    let book = TestBook::new();
    book.file(
        "content/first.md",
        "---\ntitle: First\n---\nThe previous site.\n",
    );
    book.build();
    let before = snapshot_tree(&book.out());
    // A page larger than the limit (in blocks of 512 bytes: 64 KiB).
    book.file(
        "content/big.md",
        &format!(
            "---\ntitle: Big\n---\n{}\n",
            "A line of the page that makes it large.\n\n".repeat(4000)
        ),
    );
    let out = std::process::Command::new("sh")
        .current_dir(book.root())
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 128; exec \"$0\" build --no-cache --today \"$1\"")
        .arg(assert_cmd::cargo::cargo_bin("opsbook"))
        .arg(crate::support::TODAY)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(out.status.code().is_some(), "killed by a signal: {stderr}");
    assert_ne!(out.status.code(), Some(101), "a crash: {stderr}");
    assert!(stderr.contains("error"), "{stderr}");
    assert!(stderr.to_lowercase().contains("file too large"), "{stderr}");
    assert_same_tree(&before, &snapshot_tree(&book.out()));
    assert_no_leftovers(&book);
}

/// No staging or old-output folders are left beside the output.

#[test]
fn r2_a_crash_exits_101_naming_the_file_and_asking_for_a_report() {
    let book = crate::support::TestBook::fixture("generated/handbook");
    for command in [
        &["build", "--today", crate::support::TODAY][..],
        &["check"][..],
    ] {
        let out = book
            .cmd(command)
            .env("OPSBOOK_CRASH_ON", "content/runbooks/db.md")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(101), "{command:?}: {stderr}");
        assert!(stderr.contains("opsbook crashed"), "{stderr}");
        assert!(
            stderr.contains("while working on content/runbooks/db.md"),
            "{stderr}"
        );
        assert!(stderr.contains("Please report it"), "{stderr}");
    }
    assert!(!book.out().exists(), "a crashed build writes nothing");
}
