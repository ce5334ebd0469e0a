//! One build per output folder at a time: a second build waits for the first, with a message,
//! and a lock left by a killed build does not stop the next one.

use crate::support::{TestBook, TODAY};
use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

fn lock_file(book: &TestBook) -> std::path::PathBuf {
    book.root().join(".book.opsbook-lock")
}

#[test]
fn b2_a_second_build_waits_for_the_first_and_never_interleaves() {
    let book = TestBook::fixture("generated/handbook");
    let (code, _) = book.cli_build();
    assert_eq!(code, 0);
    // Hold the lock as a running build would.
    let held = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(lock_file(&book))
        .expect("a build leaves its lock file beside the output");
    held.lock().unwrap();
    std::fs::write(lock_file(&book), "4242").unwrap();

    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("opsbook"))
        .current_dir(book.root())
        .args(["build", "--today", TODAY])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(1500) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the second build did not wait"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    held.unlock().unwrap();
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the build never finished");
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("Waiting for another opsbook (process 4242) to finish writing"),
        "{stderr}"
    );
    assert!(book.out().join("index.html").is_file());
}

#[test]
fn b2_a_lock_left_by_a_killed_build_is_recovered() {
    let book = TestBook::fixture("generated/handbook");
    // A lock file naming a process that is gone, and that nobody holds.
    book.file(".book.opsbook-lock", "999999");
    let started = Instant::now();
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("Waiting"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(60));

    // A build killed halfway: the next one builds normally.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("opsbook"))
        .current_dir(book.root())
        .args(["build", "--no-cache", "--today", TODAY])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(30));
    let _ = child.kill();
    let _ = child.wait();
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("Waiting"), "{stderr}");
    assert!(book.out().join("index.html").is_file());
}
