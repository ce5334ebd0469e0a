//! Files that are not Markdown are copied to the same path; links never leave the handbook.

use crate::support::TestBook;

#[test]
fn assets_are_copied_byte_for_byte() {
    let book = TestBook::fixture("assets/copy");
    book.build();
    for rel in ["runbooks/img/topology.svg", "runbooks/files/checklist.pdf"] {
        let source = std::fs::read(book.root().join("content").join(rel)).unwrap();
        let copied = std::fs::read(book.out().join(rel)).unwrap();
        assert_eq!(source, copied, "{rel}");
    }
    let main = book.main_of("runbooks/failover.html");
    assert!(main.contains("src=\"img/topology.svg\""));
    assert!(main.contains("href=\"files/checklist.pdf\""));
    // Hidden files are neither documents nor assets.
    assert!(!book.out().join(".hidden.html").exists());
    assert!(!book.out().join(".hidden.md").exists());
}

#[cfg(unix)]
#[test]
fn s5_symlinks_are_not_published_and_warned() {
    let book = TestBook::fixture("assets/copy");
    let secret_dir = tempfile::tempdir().unwrap();
    let secret = secret_dir.path().join("credentials");
    std::fs::write(&secret, "aws_secret_access_key = hunter2\n").unwrap();
    std::os::unix::fs::symlink(&secret, book.root().join("content/creds.md")).unwrap();
    std::os::unix::fs::symlink(&secret, book.root().join("content/creds.txt")).unwrap();
    // A directory loop must not hang the walk.
    std::os::unix::fs::symlink(
        book.root().join("content"),
        book.root().join("content/runbooks/loop"),
    )
    .unwrap();
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("content/creds.md: warning[symlink]"),
        "{stderr}"
    );
    assert!(
        stderr.contains("content/creds.txt: warning[symlink]"),
        "{stderr}"
    );
    assert!(
        stderr.contains("content/runbooks/loop: warning[symlink]"),
        "{stderr}"
    );
    for file in crate::support::snapshot_tree(&book.out()).values() {
        assert!(!String::from_utf8_lossy(file).contains("hunter2"));
    }
}
