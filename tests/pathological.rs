//! The pathological-input budgets (RELIABILITY's P rows, and Y1's time and memory), for the
//! release binary: `cargo test --release --test pathological` (the README's test command runs
//! it). Each case builds a handbook holding one bad file with `opsbook build` and measures the
//! wall time and the peak resident memory of that process. A case fails when it takes more
//! than three times its budget, so that a busy CI machine does not make it flaky; the figures
//! are printed (`-- --nocapture`) for the benchmark notes.
//!
//! In a debug build the cases are skipped: the functional side of each row (the warning, the
//! fallback, no stack overflow) is tested by the main suite, and debug timings mean nothing.

#[path = "common/pathological_markdown.rs"]
mod pathological_markdown;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How much slower than its budget a case may be before it fails.
const SLACK: u32 = 3;

struct Run {
    code: i32,
    stderr: String,
    elapsed: Duration,
    peak_mib: f64,
}

/// `opsbook build` in `dir`, measured: wall time and peak RSS of that one process.
fn build(dir: &Path) -> Run {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_opsbook"))
        .current_dir(dir)
        .args(["build", "--no-cache", "--today", "2026-11-21"])
        .env_remove("OPSBOOK_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = pipe.read_to_string(&mut s);
        s
    });
    let (code, peak_mib) = wait_measured(child);
    #[cfg(target_os = "linux")]
    assert!(peak_mib > 1.0, "no memory figure was read");
    let elapsed = started.elapsed();
    Run {
        code,
        stderr: reader.join().unwrap(),
        elapsed,
        peak_mib,
    }
}

/// Waits for the child and returns its exit code and peak resident memory in MiB.
///
/// The peak is the kernel's high-water mark of the child's own memory (`VmHWM`), read every
/// millisecond while it runs: `wait4`'s `ru_maxrss` would not do, as a child started by a big
/// test process inherits that process's mark.
fn wait_measured(mut child: std::process::Child) -> (i32, f64) {
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code().unwrap_or(-1), peak_kib as f64 / 1024.0);
        }
        if let Ok(status) = std::fs::read_to_string(&status_file) {
            if let Some(kib) = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak_kib = peak_kib.max(kib);
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// A handbook with one document `content/NAME.md` of `body` (front matter added).
fn handbook(name: &str, front: &str, body: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("book.toml"), "[book]\ntitle = \"P\"\n").unwrap();
    std::fs::create_dir_all(dir.path().join("content")).unwrap();
    std::fs::write(
        dir.path().join(format!("content/{name}.md")),
        format!("---\ntitle: {name}\n{front}---\n{body}"),
    )
    .unwrap();
    dir
}

/// Builds and checks the budgets; returns the run for more checks.
fn within_budget(case: &str, dir: &Path, expect_code: i32, seconds: f64, mib: f64) -> Run {
    let run = build(dir);
    eprintln!(
        "{case}: {:.3} s (budget {seconds} s), peak {:.1} MiB (budget {mib} MiB), exit {}",
        run.elapsed.as_secs_f64(),
        run.peak_mib,
        run.code
    );
    assert_eq!(run.code, expect_code, "{case}: {}", run.stderr);
    assert!(
        run.elapsed.as_secs_f64() <= seconds * SLACK as f64,
        "{case}: {:?} is over {SLACK}x its budget of {seconds} s",
        run.elapsed
    );
    assert!(
        run.peak_mib <= mib * SLACK as f64,
        "{case}: {:.1} MiB is over {SLACK}x its budget of {mib} MiB",
        run.peak_mib
    );
    assert!(!run.stderr.contains("panicked"), "{case}: {}", run.stderr);
    run
}

/// P1: a 10 MB document of prose, lists and tasks: < 5 s, < 500 MB; search keeps its first
/// mebibyte of text, with a warning.
#[test]
#[cfg_attr(debug_assertions, ignore = "budgets are for the release binary")]
fn p1_budget_ten_megabyte_document() {
    let mut body = String::new();
    let mut i = 0;
    while body.len() < 10 * 1024 * 1024 {
        i += 1;
        body.push_str(&format!(
            "## Step {i}\n\nThe on-call engineer confirms the alert, checks the dashboard and notes the time in the incident channel.\n\n- [ ] check replica lag for step {i}\n- [x] page the owner\n- see [the step](#step-{i})\n\n"
        ));
    }
    let dir = handbook("huge", "", &body);
    let run = within_budget("P1 10 MB document", dir.path(), 0, 5.0, 500.0);
    assert!(
        run.stderr.contains("warning[search-truncated]"),
        "{}",
        run.stderr
    );
}

/// P2: the inputs that made Markdown parsers quadratic or overflow their stack: < 2 s each.
#[test]
#[cfg_attr(debug_assertions, ignore = "budgets are for the release binary")]
fn p2_budget_pathological_markdown() {
    let mut cases = pathological_markdown::cases();
    cases.extend([
        (
            "tables",
            format!("|{}\n|{}\n", "a|".repeat(10_000), "-|".repeat(10_000)),
        ),
        ("backticks", "`".repeat(100_000) + "x"),
        ("headings", "# a\n".repeat(100_000)),
    ]);
    for (name, body) in cases {
        let dir = handbook(name, "", &body);
        within_budget(&format!("P2 {name}"), dir.path(), 0, 2.0, 300.0);
    }
}

/// P3: highlighting a 1 MB line, 4,096 nested parentheses and an unknown language: < 2 s in
/// all, the long line shown as plain text with a warning.
#[test]
#[cfg_attr(debug_assertions, ignore = "budgets are for the release binary")]
fn p3_budget_highlighting() {
    let body = format!(
        "```rust\nlet s = \"{}\";\n```\n\n```rust\nfn f() {{ {}x{} }}\n```\n\n```nonexistent-lang\nplain\n```\n",
        "x".repeat(1024 * 1024),
        "(".repeat(4096),
        ")".repeat(4096)
    );
    let dir = handbook("code", "", &body);
    let run = within_budget("P3 highlighting", dir.path(), 0, 2.0, 300.0);
    assert!(run.stderr.contains("warning[highlight]"), "{}", run.stderr);
}

/// Y1: a YAML alias bomb is refused within 1 s and 100 MB, exit 1 (a content error).
#[test]
#[cfg_attr(debug_assertions, ignore = "budgets are for the release binary")]
fn y1_budget_alias_bomb() {
    let mut front = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let (prev, name) = (w[0], w[1]);
        front.push_str(&format!(
            "{name}: &{name} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
    }
    let dir = handbook("bomb", &front, "Body.\n");
    let run = within_budget("Y1 alias bomb", dir.path(), 1, 1.0, 100.0);
    assert!(run.stderr.contains("content/bomb.md"), "{}", run.stderr);
}
