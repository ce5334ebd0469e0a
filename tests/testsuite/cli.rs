//! The command line: exit codes, init, the summary line.

use crate::support::{TestBook, TODAY};

#[test]
fn build_prints_a_summary() {
    let book = TestBook::fixture("catalog/fields");
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 0);
    assert!(stderr.contains("Built 9 pages in"), "{stderr}");
}

#[test]
fn bad_today_is_a_usage_error() {
    let book = TestBook::fixture("catalog/fields");
    for bad in ["2026-13-45", "tomorrow", "2026-02-30"] {
        let output = book.cmd(&["build", "--today", bad]).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{bad}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(bad), "{stderr}");
    }
}

#[test]
fn r2_unknown_flag_and_missing_directory_are_usage_errors() {
    let book = TestBook::fixture("catalog/fields");
    book.cmd(&["build", "--no-such-flag"]).assert().code(2);
    book.cmd(&["build", "does-not-exist"]).assert().code(2);
}

#[test]
fn dest_dir_flag_writes_elsewhere() {
    let book = TestBook::fixture("catalog/fields");
    book.cmd(&["build", "-d", "public", "--today", TODAY])
        .assert()
        .success();
    assert!(book.root().join("public/index.html").is_file());
    assert!(!book.out().exists());
}

#[test]
fn init_scaffolds_a_handbook_that_builds() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("hb");
    let output = assert_cmd::Command::cargo_bin("opsbook")
        .unwrap()
        .args(["init", target.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("created book.toml"), "{stdout}");
    assert!(stdout.contains("created owners.yml"), "{stdout}");
    // One example of every type.
    let handbook = opsbook::Handbook::load(&target, &opsbook::LoadOptions::default()).unwrap();
    assert!(!handbook.has_errors(), "{:#?}", handbook.diagnostics);
    assert_eq!(
        crate::support::doc_types(&handbook),
        crate::support::ALL_TYPES
    );
    let names: Vec<&str> = handbook.documents.iter().map(|d| d.rel.as_str()).collect();
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("decisions/") && n.contains("-001-")),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.starts_with("incidents/INC-")),
        "{names:?}"
    );
    assert!(opsbook::build(
        &handbook,
        &opsbook::BuildOptions {
            today: crate::support::today(),
            out: None,
            progress: false,
            cache: Default::default(),
        }
    )
    .is_ok());
}

#[test]
fn init_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("book.toml"), "[book]\ntitle = \"Mine\"\n").unwrap();
    let output = assert_cmd::Command::cargo_bin("opsbook")
        .unwrap()
        .current_dir(dir.path())
        .arg("init")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("book.toml")).unwrap(),
        "[book]\ntitle = \"Mine\"\n"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("kept    book.toml"));
    // A second run keeps everything.
    let again = assert_cmd::Command::cargo_bin("opsbook")
        .unwrap()
        .current_dir(dir.path())
        .arg("init")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).is_empty());
}
