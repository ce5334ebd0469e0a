//! `opsbook check`: the findings of every kind, each report format against a reviewed golden
//! file, exit codes, git history and the size limit of the Markdown report.
//!
//! The golden files are `tests/fixtures/check/every-kind.*`. After a deliberate change, rewrite
//! them with `OPSBOOK_UPDATE_GOLDEN=1 cargo test --test testsuite check`, and review the diff.

use crate::support::{fixtures, TestBook, TODAY};
use opsbook::report::Format;
use opsbook::{Handbook, LoadOptions};
use std::path::Path;
use std::process::Command;

/// The binary, run in the handbook's folder, with no git repository above it (a temporary
/// folder may sit inside one) and no colour settings from the environment.
fn check(book: &TestBook, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = book.cmd(&["check", "--today", TODAY]);
    cmd.args(args)
        .env("GIT_CEILING_DIRECTORIES", book.root().parent().unwrap())
        .env_remove("NO_COLOR");
    cmd
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(book: &TestBook, args: &[&str]) -> Run {
    let output = check(book, args).output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Compares `actual` with `tests/fixtures/check/<name>`, or rewrites it when asked to.
fn golden(name: &str, actual: &str) {
    let path = fixtures().join("check").join(name);
    if std::env::var_os("OPSBOOK_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (set OPSBOOK_UPDATE_GOLDEN=1)", path.display()));
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| "the length".to_string(), |i| format!("line {}", i + 1));
        panic!(
            "{name} differs from the golden file at {line}:\n--- actual ---\n{actual}\n\
             (set OPSBOOK_UPDATE_GOLDEN=1 to accept it)"
        );
    }
}

/// The keys of the JSON object that starts at `start` (or holds it as its first key), in the
/// order they are written (serde_json's `Value` would sort them).
fn keys_in_order<'a>(json: &'a str, start: &str) -> Vec<&'a str> {
    let from = json.find(start).expect("start in the JSON");
    let object = &json[from..];
    let object = &object[..object.find('}').unwrap()];
    object
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let key = l.strip_prefix('"')?.split('"').next()?;
            l.contains("\": ").then_some(key)
        })
        .filter(|k| !k.is_empty() && *k != "summary")
        .collect()
}

fn every_kind() -> TestBook {
    TestBook::fixture("check/every-kind")
}

/// Every kind a handbook's content can produce, except `changed-since-review` (git only,
/// tested below).
const EVERY_KIND: &[&str] = &[
    "stale",
    "due-soon",
    "never-reviewed",
    "missing-owner",
    "unknown-owner",
    "unused-owner",
    "broken-link",
    "broken-anchor",
    "overdue-action",
    "invalid-document",
    "invalid-due-date",
    "one-sided-supersede",
    "unknown-key",
];

#[test]
fn r1_json_report_matches_the_golden_file_byte_for_byte_twice() {
    let book = every_kind();
    let first = run(&book, &["--format", "json"]);
    let second = run(&book, &["--format", "json"]);
    assert_eq!(first.code, 1, "{}", first.stderr);
    assert_eq!(first.stdout, second.stdout, "two runs differ");
    golden("every-kind.json", &first.stdout);

    let report: serde_json::Value = serde_json::from_str(&first.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    for kind in EVERY_KIND {
        assert!(
            findings.iter().any(|f| f["kind"] == *kind),
            "no `{kind}` finding"
        );
    }
    // The summary's keys, in the contract's order, then the additions.
    let keys = keys_in_order(&first.stdout, "\"summary\": {");
    let contract = [
        "documents",
        "errors",
        "warnings",
        "stale",
        "due-soon",
        "never-reviewed",
        "missing-owner",
        "unknown-owner",
        "broken-link",
        "broken-anchor",
        "overdue-action",
        "invalid-document",
    ];
    assert_eq!(&keys[..contract.len()], contract);
    // Sorted by path, then line, then kind.
    let order: Vec<(String, u64, String)> = findings
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
}

/// The every-kind handbook again, its files created in the reverse order.
fn every_kind_reversed() -> TestBook {
    let from = fixtures().join("check/every-kind");
    let book = TestBook::new();
    let mut files: Vec<_> = walkdir::WalkDir::new(&from)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .collect();
    files.reverse();
    for f in files {
        let rel = f.path().strip_prefix(&from).unwrap().to_str().unwrap();
        book.bytes(rel, &std::fs::read(f.path()).unwrap());
    }
    book
}

/// Every format of the report is the same, byte for byte, for a copy of the handbook made in
/// another order, in another folder, under another time zone and locale.
#[test]
fn r1_reports_do_not_depend_on_time_zone_locale_file_order_or_folder() {
    let a = every_kind();
    let b = every_kind_reversed();
    for format in ["json", "sarif", "text", "github", "markdown", "junit"] {
        let here = run(&a, &["--format", format]);
        let there = check(&b, &["--format", format])
            .env("TZ", "Pacific/Kiritimati")
            .env("LC_ALL", "de_DE.UTF-8")
            .env("LANG", "de_DE.UTF-8")
            .output()
            .unwrap();
        assert_eq!(here.code, 1, "{format}: {}", here.stderr);
        assert_eq!(there.status.code(), Some(1), "{format}");
        assert!(
            here.stdout.as_bytes() == there.stdout,
            "{format} differs:\n{}\n---\n{}",
            here.stdout,
            String::from_utf8_lossy(&there.stdout)
        );
    }
}

/// `9 days` and `1 day` alike as `N days`: the parts of a message that count days.
fn without_day_counts(message: &str) -> String {
    let words: Vec<&str> = message.split(' ').collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let is_count = words[i].bytes().all(|b| b.is_ascii_digit());
        if is_count && words.get(i + 1).is_some_and(|w| w.starts_with("day")) {
            out.push("N days".to_string());
            i += 2;
        } else {
            out.push(words[i].to_string());
            i += 1;
        }
    }
    out.join(" ")
}

/// Another `--today` changes only what depends on the date: the date itself, the days
/// overdue (one more a day later) and the messages that count days.
#[test]
fn r1_changing_only_today_changes_only_the_date_dependent_fields() {
    let book = every_kind();
    let json = |today: &str| -> serde_json::Value {
        let out = book
            .cmd(&["check", "--today", today, "--format", "json"])
            .env("GIT_CEILING_DIRECTORIES", book.root().parent().unwrap())
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let before = json(TODAY);
    let after = json("2026-11-22");
    assert_eq!(before["today"], TODAY);
    assert_eq!(after["today"], "2026-11-22");
    assert_eq!(before["summary"], after["summary"]);
    let (before, after) = (
        before["findings"].as_array().unwrap(),
        after["findings"].as_array().unwrap(),
    );
    assert_eq!(before.len(), after.len());
    let mut changed = 0;
    for (b, a) in before.iter().zip(after) {
        let (b, a) = (b.as_object().unwrap(), a.as_object().unwrap());
        assert_eq!(
            b.keys().collect::<Vec<_>>(),
            a.keys().collect::<Vec<_>>(),
            "{b:?}"
        );
        for (key, value) in b {
            match key.as_str() {
                "days_overdue" => {
                    assert_eq!(a[key].as_i64(), Some(value.as_i64().unwrap() + 1), "{b:?}")
                }
                "message" => {
                    let (b, a) = (value.as_str().unwrap(), a[key].as_str().unwrap());
                    assert_eq!(without_day_counts(b), without_day_counts(a));
                    changed += usize::from(a != b);
                }
                _ => assert_eq!(&a[key], value, "{key} of {b:?}"),
            }
        }
    }
    assert_eq!(changed, 3, "stale, due-soon and overdue-action count days");
}

#[test]
fn stale_finding_points_at_last_reviewed_with_due_date_and_days() {
    let book = every_kind();
    let report: serde_json::Value =
        serde_json::from_str(&run(&book, &["--format", "json"]).stdout).unwrap();
    let stale = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "stale")
        .unwrap();
    let out = run(&book, &["--format", "json"]).stdout;
    let fields = keys_in_order(&out, "\"kind\": \"stale\"");
    assert_eq!(
        fields,
        [
            "kind",
            "severity",
            "path",
            "line",
            "title",
            "owners",
            "message",
            "due",
            "days_overdue"
        ]
    );
    assert_eq!(stale["path"], "content/runbooks/db-failover.md");
    assert_eq!(stale["line"], 4);
    assert_eq!(stale["due"], "2026-07-31");
    assert_eq!(stale["days_overdue"], 113);
    assert_eq!(stale["owners"], serde_json::json!(["@platform"]));
}

#[test]
fn text_report_matches_the_golden_file_without_colour() {
    let book = every_kind();
    let out = run(&book, &[]);
    assert_eq!(out.code, 1);
    assert!(!out.stdout.contains('\x1b'), "colour in a pipe");
    golden("every-kind.txt", &out.stdout);
    assert!(out
        .stdout
        .contains("content/runbooks/db-failover.md:4: error[stale]: review overdue by 113 days"));
    assert!(out.stdout.contains("\nNo owner (3)\n"));
}

#[test]
fn markdown_report_matches_the_golden_file() {
    let out = run(&every_kind(), &["--format", "markdown"]);
    golden("every-kind.md", &out.stdout);
    assert!(out.stdout.contains("| stale | 1 |"));
}

#[test]
fn junit_report_matches_the_golden_file_and_is_valid_xml() {
    let out = run(&every_kind(), &["--format", "junit"]);
    golden("every-kind.junit.xml", &out.stdout);
    let xml = roxmltree::Document::parse(&out.stdout).expect("valid XML");
    let root = xml.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let cases: Vec<_> = root
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(
        root.attribute("tests").unwrap().parse::<usize>().unwrap(),
        cases.len()
    );
    let failures: Vec<_> = root
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    assert_eq!(
        root.attribute("failures")
            .unwrap()
            .parse::<usize>()
            .unwrap(),
        failures.len()
    );
    // The stale runbook fails its review check, with the message.
    let review = cases
        .iter()
        .find(|c| {
            c.attribute("classname") == Some("content/runbooks/db-failover.md")
                && c.attribute("name") == Some("review")
        })
        .unwrap();
    let failure = review
        .children()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert_eq!(failure.attribute("type"), Some("stale"));
    assert!(failure
        .attribute("message")
        .unwrap()
        .starts_with("review overdue by 113 days"));
    // A document without findings has passing test cases.
    let clean = cases
        .iter()
        .filter(|c| c.attribute("classname") == Some("content/index.md"))
        .count();
    assert_eq!(clean, 4);
    // The title with a line break, `:` and `%` survives the round trip.
    assert!(out.stdout.contains("error[missing-owner]"));
}

#[test]
fn r4_github_annotations_match_the_golden_file_and_escape_properties() {
    let out = run(&every_kind(), &["--format", "github"]);
    golden("every-kind.github.txt", &out.stdout);
    assert!(out.stdout.contains(
        "::error file=content/runbooks/db-failover.md,line=4,title=stale%3A Database failover::review overdue by 113 days"
    ));
    // The title `Release: 100% done, then\nthe next step`.
    assert!(out.stdout.contains(
        "::error file=content/sops/orphan.md,line=1,title=missing-owner%3A Release%3A 100%25 done%2C then%0Athe next step::no owner\n"
    ));
    assert!(out
        .stdout
        .contains("::warning file=content/runbooks/cache.md,line=4,"));
    for line in out.stdout.lines() {
        assert!(
            line.starts_with("::error ")
                || line.starts_with("::warning ")
                || line.starts_with("opsbook check "),
            "{line}"
        );
    }
    assert!(out
        .stdout
        .ends_with("opsbook check 2026-11-21: 7 errors, 7 warnings in 9 documents\n"));
}

/// 75 stale documents in GitHub Actions: ten annotations, the longest overdue first, and one
/// notice counting the 65 left out; the JSON, SARIF and Markdown reports of the same run hold
/// all 75, and every count agrees.
#[test]
fn r3_github_annotations_stop_at_ten_worst_first_and_the_other_reports_hold_all() {
    let book = TestBook::new();
    let first: jiff::civil::Date = "2026-01-01".parse().unwrap();
    for k in 0..75 {
        // Reviewed on shuffled days: the order of the paths is not the order of staleness.
        let reviewed = first
            .checked_add(jiff::Span::new().days((k * 37) % 75))
            .unwrap();
        book.file(
            &format!("content/runbooks/doc-{k:02}.md"),
            &format!("---\ntitle: Doc {k}\nowner: alice\nlast_reviewed: {reviewed}\nreview_every: 30d\n---\n\nText.\n"),
        );
    }
    std::fs::create_dir(book.root().join("out")).unwrap();
    let out = run(
        &book,
        &[
            "--format",
            "github",
            "--report",
            "json=out/check.json",
            "--report",
            "sarif=out/check.sarif",
            "--report",
            "markdown=out/summary.md",
        ],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let read = |p: &str| std::fs::read_to_string(book.root().join(p)).unwrap();
    let report: serde_json::Value = serde_json::from_str(&read("out/check.json")).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 75);
    assert!(findings.iter().all(|f| f["kind"] == "stale"));
    assert_eq!(report["summary"]["stale"], 75);
    assert_eq!(report["summary"]["errors"], 75);

    let mut worst: Vec<(i64, &str)> = findings
        .iter()
        .map(|f| {
            (
                f["days_overdue"].as_i64().unwrap(),
                f["path"].as_str().unwrap(),
            )
        })
        .collect();
    worst.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let worst: Vec<&str> = worst[..10].iter().map(|(_, path)| *path).collect();
    let annotated: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error ") || l.starts_with("::warning "))
        .map(|l| l.split_once(" file=").unwrap().1.split(',').next().unwrap())
        .collect();
    assert_eq!(annotated, worst, "{}", out.stdout);
    let notices: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("::notice "))
        .collect();
    assert_eq!(notices.len(), 1, "{}", out.stdout);
    assert!(
        notices[0].starts_with("::notice title=opsbook check::65 more findings are not annotated"),
        "{}",
        notices[0]
    );
    assert!(
        out.stdout
            .ends_with("opsbook check 2026-11-21: 75 errors, 0 warnings in 75 documents\n"),
        "{}",
        out.stdout
    );

    let sarif: serde_json::Value = serde_json::from_str(&read("out/check.sarif")).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 75);
    let summary = read("out/summary.md");
    assert!(summary.contains("| stale | 75 |"), "{summary}");
    let rows = summary.lines().filter(|l| l.starts_with("| 🔴")).count();
    assert_eq!(rows, 75, "{summary}");
}

#[test]
fn r4_annotation_escaping_of_paths_and_messages() {
    use opsbook::report::{escape_data, escape_property};
    assert_eq!(
        escape_property("content/a,b:c%d.md"),
        "content/a%2Cb%3Ac%25d.md"
    );
    assert_eq!(escape_property("x\r\ny"), "x%0D%0Ay");
    assert_eq!(
        escape_data("a: b, 100%\nnext"),
        "a: b, 100%25%0Anext",
        "messages keep `:` and `,`"
    );
}

#[test]
fn r4_sarif_report_matches_the_golden_file_and_has_the_required_fields() {
    let out = run(&every_kind(), &["--format", "sarif"]);
    let normalized = out
        .stdout
        .replace(env!("CARGO_PKG_VERSION"), "<opsbook version>");
    golden("every-kind.sarif", &normalized);
    let sarif: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["$schema"].as_str().unwrap().contains("sarif"));
    let runs = sarif["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "opsbook");
    assert!(driver["informationUri"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    let rules: Vec<&str> = driver["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert!(r["shortDescription"]["text"].is_string());
            r["id"].as_str().unwrap()
        })
        .collect();
    let results = runs[0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 14);
    for r in results {
        let rule = r["ruleId"].as_str().unwrap();
        assert!(rules.contains(&rule), "no rule for {rule}");
        assert_eq!(rules[r["ruleIndex"].as_u64().unwrap() as usize], rule);
        assert!(["error", "warning"].contains(&r["level"].as_str().unwrap()));
        assert!(r["message"]["text"].is_string());
        let location = &r["locations"][0]["physicalLocation"];
        assert!(location["artifactLocation"]["uri"].is_string());
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
    }
}

#[test]
fn several_reports_in_one_run_and_text_still_on_stdout() {
    let book = every_kind();
    std::fs::create_dir(book.root().join("out")).unwrap();
    let out = run(
        &book,
        &[
            "--report",
            "json=out/check.json",
            "--report",
            "github=annotations.txt",
            "--report",
            "junit=out/junit.xml",
        ],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.contains("error[stale]"), "text on stdout");
    let read = |p: &str| std::fs::read_to_string(book.root().join(p)).unwrap();
    assert_eq!(
        read("out/check.json"),
        run(&book, &["--format", "json"]).stdout
    );
    assert_eq!(
        read("annotations.txt"),
        run(&book, &["--format", "github"]).stdout
    );
    assert!(read("out/junit.xml").starts_with("<?xml"));
    // No temporary files are left beside the reports.
    let names: Vec<String> = std::fs::read_dir(book.root().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");

    // `-q` leaves stdout empty when the reports go to files; `-o` writes the chosen format.
    let quiet = run(&book, &["-q", "--report", "json=q.json"]);
    assert_eq!(quiet.stdout, "");
    let o = run(&book, &["--format", "markdown", "-o", "report.md"]);
    assert_eq!((o.code, o.stdout.as_str()), (1, ""));
    assert_eq!(
        read("report.md"),
        run(&book, &["--format", "markdown"]).stdout
    );
}

#[test]
fn r2_fail_on_decides_the_exit_code() {
    let book = every_kind();
    assert_eq!(run(&book, &["--fail-on", "error"]).code, 1);
    assert_eq!(run(&book, &["--fail-on", "warning"]).code, 1);
    assert_eq!(run(&book, &["--fail-on", "never"]).code, 0);

    // Only a warning (a review due soon).
    let warned = TestBook::new();
    warned.file(
        "content/a.md",
        "---\ntitle: A\nowner: alice\nlast_reviewed: 2025-11-30\n---\n\nText.\n",
    );
    let out = run(&warned, &["--format", "json"]);
    assert!(out.stdout.contains("\"due-soon\": 1"), "{}", out.stdout);
    assert_eq!(out.code, 0, "warnings pass by default");
    assert_eq!(run(&warned, &["--fail-on", "warning"]).code, 1);

    let clean = TestBook::new();
    clean.file(
        "content/a.md",
        "---\ntitle: A\nowner: alice\nlast_reviewed: 2026-11-01\n---\n\nText.\n",
    );
    let out = run(&clean, &["--fail-on", "warning"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(out.stdout.contains("no findings in 1 document"));
}

#[test]
fn r2_usage_and_configuration_problems_exit_2() {
    let book = every_kind();
    let bad_today = book
        .cmd(&["check", "--today", "2026-02-30"])
        .output()
        .unwrap();
    assert_eq!(bad_today.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad_today.stderr);
    assert!(stderr.contains("2026-02-30"), "{stderr}");

    let format = run(&book, &["--format", "yaml"]);
    assert_eq!(format.code, 2);
    assert!(
        format.stderr.contains("text, json, markdown"),
        "{}",
        format.stderr
    );
    assert_eq!(run(&book, &["--report", "json"]).code, 2);
    assert_eq!(run(&book, &["--fail-on", "sometimes"]).code, 2);

    let missing = run(&book, &["no-such-folder"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("no-such-folder"),
        "{}",
        missing.stderr
    );

    let unwritable = run(
        &book,
        &["--format", "json", "-o", "no-such-folder/report.json"],
    );
    assert_eq!(unwritable.code, 2);
    assert!(
        unwritable.stderr.contains("no-such-folder/report.json"),
        "{}",
        unwritable.stderr
    );
    let folder = run(&book, &["-o", "content"]);
    assert_eq!(folder.code, 2, "{}", folder.stderr);

    let broken = TestBook::new();
    broken.file("book.toml", "[book]\ntitle = \"Broken\n");
    let out = run(&broken, &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("book.toml:2"), "{}", out.stderr);
}

/// An unreadable file: a document is an `invalid-document` finding, the other documents are
/// still checked and the exit code is 1 (contract section 7: a document that cannot be read
/// or parsed is a finding, so that the nightly report is always complete), while an unreadable
/// book.toml is a configuration problem, exit 2, as is an unknown flag. The file is a socket,
/// which no one can read, not even root.
#[cfg(unix)]
#[test]
fn r2_unreadable_files_and_unknown_flags() {
    use std::os::unix::net::UnixListener;
    let book = TestBook::new();
    book.file(
        "content/a.md",
        "---\ntitle: A\nowner: alice\nlast_reviewed: 2020-01-01\n---\n\nText.\n",
    );
    let _document = UnixListener::bind(book.root().join("content/locked.md")).unwrap();
    let out = run(&book, &["--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = findings
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("content/a.md", "stale"),
            ("content/locked.md", "invalid-document")
        ]
    );
    assert!(
        findings[1]["message"]
            .as_str()
            .unwrap()
            .starts_with("could not read"),
        "{}",
        out.stdout
    );
    assert_eq!(report["summary"]["documents"], 2);
    assert_eq!(run(&book, &["--fail-on", "never"]).code, 0);

    assert_eq!(run(&book, &["--no-such-flag"]).code, 2);
    std::fs::remove_file(book.root().join("book.toml")).unwrap();
    let _config = UnixListener::bind(book.root().join("book.toml")).unwrap();
    let out = run(&book, &["--format", "json"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("book.toml"), "{}", out.stderr);
    assert_eq!(out.stdout, "");
}

#[test]
fn require_owner_false_makes_missing_owner_a_warning() {
    let book = TestBook::new();
    book.file("book.toml", "[checks]\nrequire-owner = false\n")
        .file(
            "content/a.md",
            "---\ntitle: A\nlast_reviewed: 2026-11-01\n---\n\nText.\n",
        );
    let out = run(&book, &["--format", "json"]);
    assert_eq!(out.code, 0);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let f = &report["findings"][0];
    assert_eq!(
        (f["kind"].as_str(), f["severity"].as_str()),
        (Some("missing-owner"), Some("warning"))
    );
    assert_eq!(f["line"], 1);
}

#[test]
fn invalid_documents_do_not_hide_the_others() {
    let book = TestBook::new();
    book.file("content/a.md", "---\ntitle: [unclosed\n---\n")
        .file("content/b.md", "")
        .file(
            "content/c.md",
            "---\ntitle: C\nowner: x\nlast_reviewed: 2020-01-01\n---\n",
        );
    let out = run(&book, &["--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let kinds: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("content/a.md", "invalid-document"),
            ("content/b.md", "invalid-document"),
            ("content/c.md", "stale"),
        ]
    );
    assert_eq!(report["summary"]["documents"], 3);
    assert_eq!(report["findings"][0]["title"], serde_json::Value::Null);
}

// ---- git history --------------------------------------------------------------------------

fn has_git() -> bool {
    let found = Command::new("git").arg("--version").output().is_ok();
    if !found {
        println!("NOTICE: git test skipped: git is not installed");
    }
    found
}

/// Runs git in `dir` with a fixed identity and commit date, and no user configuration.
fn git(dir: &Path, date: &str, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

fn doc(reviewed: &str, extra: &str) -> String {
    format!("---\ntitle: Doc\nowner: alice\nlast_reviewed: {reviewed}\n{extra}---\n\nText.\n")
}

/// A repository whose handbook sits in `handbook/`, with commits on known dates.
fn repository() -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    let book = root.join("handbook");
    let write = |rel: &str, text: &str| {
        let path = book.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("book.toml", "[book]\ntitle = \"Git\"\n");
    write("content/unchanged.md", &doc("2026-06-01", ""));
    write("content/changed later.md", &doc("2026-06-01", ""));
    write("content/same-day.md", &doc("2026-06-01", ""));
    write(
        "content/decisions/2026-001-a.md",
        &doc("2026-06-01", "status: accepted\n"),
    );
    git(root, "2026-05-01T12:00:00+00:00", &["init", "-q"]);
    git(root, "2026-05-01T12:00:00+00:00", &["add", "."]);
    git(
        root,
        "2026-05-01T12:00:00+00:00",
        &["commit", "-q", "-m", "first"],
    );
    write(
        "content/changed later.md",
        &doc("2026-06-01", "tags: [x]\n"),
    );
    write(
        "content/decisions/2026-001-a.md",
        &doc("2026-06-01", "status: accepted\ntags: [x]\n"),
    );
    git(
        root,
        "2026-07-01T12:00:00+00:00",
        &["commit", "-q", "-am", "later"],
    );
    // 01:00 on June 2nd at +05:00 is still June 1st in UTC: the day of the review.
    write("content/same-day.md", &doc("2026-06-01", "tags: [y]\n"));
    git(
        root,
        "2026-06-02T01:00:00+05:00",
        &["commit", "-q", "-am", "same day"],
    );
    repo
}

fn findings_in(dir: &Path) -> (Vec<(String, String)>, String) {
    let output = assert_cmd::Command::cargo_bin("opsbook")
        .unwrap()
        .args(["check", "--today", "2026-07-15", "--format", "json"])
        .arg(dir)
        .env_remove("OPSBOOK_LOG")
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (
        findings,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn changed_since_review_uses_the_commit_dates_of_git() {
    if !has_git() {
        return;
    }
    let repo = repository();
    let (findings, _) = findings_in(&repo.path().join("handbook"));
    assert_eq!(
        findings,
        [(
            "content/changed later.md".to_string(),
            "changed-since-review".to_string()
        )]
    );
    let output = assert_cmd::Command::cargo_bin("opsbook")
        .unwrap()
        .args([
            "check",
            "handbook",
            "--today",
            "2026-07-15",
            "--format",
            "github",
        ])
        .current_dir(repo.path())
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("::warning file=content/changed later.md,line=4,title=changed-since-review%3A Doc::changed on 2026-07-01, after its last review on 2026-06-01"),
        "{text}"
    );
    assert_eq!(output.status.code(), Some(0), "a warning passes");
}

#[test]
fn shallow_clone_is_said_once_instead_of_guessed() {
    if !has_git() {
        return;
    }
    let repo = repository();
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", repo.path().display());
    git(
        clone.path(),
        "2026-07-01T12:00:00+00:00",
        &["clone", "-q", "--depth", "1", &url, "shallow"],
    );
    let (findings, stderr) = findings_in(&clone.path().join("shallow/handbook"));
    assert!(findings.is_empty(), "{findings:?}");
    assert_eq!(stderr.matches("note:").count(), 1, "{stderr}");
    assert!(stderr.contains("shallow git clone"), "{stderr}");
}

#[test]
fn outside_git_the_history_check_is_skipped_silently() {
    let book = TestBook::new();
    book.file("content/a.md", &doc("2026-06-01", ""));
    let out = run(&book, &["--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(out.stderr, "");
}

// ---- size ---------------------------------------------------------------------------------

#[test]
fn r3_markdown_report_stays_under_one_mebibyte_for_a_huge_handbook() {
    let book = TestBook::new();
    let long_title = "A very long title that repeats itself | and has pipes ".repeat(5);
    let content = book.root().join("content/runbooks");
    std::fs::create_dir_all(&content).unwrap();
    for i in 0..5000 {
        std::fs::write(
            content.join(format!("doc-{i:05}.md")),
            format!("---\ntitle: \"{long_title}{i}\"\nlast_reviewed: 2020-01-01\n---\n\nText.\n"),
        )
        .unwrap();
    }
    let handbook = Handbook::load(
        book.root(),
        &LoadOptions {
            drafts: false,
            skip_html: true,
        },
    )
    .unwrap();
    let report = opsbook::check::findings(&handbook, crate::support::today());
    assert_eq!(
        report.findings.len(),
        10_000,
        "stale and missing-owner each"
    );
    let markdown = Format::Markdown.render(&report, Default::default());
    assert!(markdown.len() < 1024 * 1024, "{} bytes", markdown.len());
    assert!(markdown.len() > 900 * 1024, "the room is used");
    let last = markdown.lines().last().unwrap();
    assert!(
        last.starts_with("…and ") && last.contains(" more findings"),
        "{last}"
    );
    // The count of the cut line and the rows shown add up to every finding.
    let more: usize = last
        .trim_start_matches("…and ")
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let rows = markdown
        .lines()
        .filter(|l| l.starts_with("| 🔴") || l.starts_with("| 🟡"))
        .count();
    assert_eq!(rows + more, 10_000);
}

#[test]
fn a_broken_owners_yml_is_an_invalid_document_and_the_rest_is_checked() {
    let book = TestBook::new();
    book.file("owners.yml", "\"@platform\":\n  name: [unclosed\n")
        .file(
            "content/a.md",
            "---\ntitle: A\nowner: \"@platform\"\nlast_reviewed: 2020-01-01\n---\n",
        );
    let out = run(&book, &["--format", "json"]);
    assert_eq!(out.code, 1);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let kinds: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("content/a.md", "stale"),
            ("owners.yml", "invalid-document")
        ]
    );
}
