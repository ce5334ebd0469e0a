//! The benchmark script's own logic (`bench/test_bench.py`: the growth table, the trash),
//! run with the system's Python 3; skipped with a notice where there is none.

use std::process::Command;

#[test]
fn bench_script_tests_pass() {
    let bench = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bench");
    let Ok(out) = Command::new("python3")
        .args(["-m", "unittest", "-q", "test_bench"])
        .current_dir(&bench)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
    else {
        eprintln!("note: python3 not found; the benchmark script's tests were skipped");
        return;
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "bench/test_bench.py failed:\n{stderr}"
    );
    assert!(stderr.contains("\nOK"), "{stderr}");
}
