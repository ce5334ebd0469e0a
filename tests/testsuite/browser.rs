//! Pages in a real browser (headless Chromium), opened straight from disk. Skips with a
//! notice where Chromium is missing, unless OPSBOOK_REQUIRE_BROWSER is set (CI sets it).

use crate::support::TestBook;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The Chromium to run, or `None` (with a notice) to skip; shared with `search.rs`.
pub(crate) fn chromium() -> Option<String> {
    let candidates = [
        std::env::var("OPSBOOK_CHROMIUM").unwrap_or_default(),
        "chromium".into(),
        "chromium-browser".into(),
        "google-chrome".into(),
    ];
    let found = candidates.into_iter().filter(|c| !c.is_empty()).find(|c| {
        Command::new(c)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("OPSBOOK_REQUIRE_BROWSER").is_none(),
            "OPSBOOK_REQUIRE_BROWSER is set but no Chromium was found (install Debian's `chromium`)"
        );
        eprintln!(
            "NOTICE: browser test skipped: Chromium is not installed (apt-get install chromium)"
        );
    }
    found
}

/// The DOM of a page after its scripts ran.
fn dump_dom(browser: &str, page: &Path) -> String {
    dump_dom_url(browser, &format!("file://{}", page.display()))
}

/// The DOM of a URL (a `file://` one, with a query string if need be) after its scripts ran.
pub(crate) fn dump_dom_url(browser: &str, url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--allow-file-access-from-files",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn full_navigation_is_built_from_disk() {
    let Some(browser) = chromium() else { return };
    let book = TestBook::fixture("catalog/fields");
    book.build();
    let dom = dump_dom(&browser, &book.out().join("runbooks/db-failover.html"));
    assert!(
        dom.contains("Database failover"),
        "page did not load: {dom}"
    );
    // The script replaced the inline sidebar with the full, collapsible tree from nav.js.
    assert!(
        dom.matches("<details").count() >= 3,
        "no collapsible tree: {dom}"
    );
    assert!(
        dom.contains("<details open=\"\"><summary><a href=\"../runbooks/index.html\">"),
        "current section not open: {dom}"
    );
    assert!(
        dom.contains("<a href=\"../runbooks/db-failover.html\" aria-current=\"page\">"),
        "{dom}"
    );
}

#[test]
fn x1_injected_markup_does_not_run() {
    let Some(browser) = chromium() else { return };
    let book = TestBook::new();
    let mark = |who: &str| format!("document.body.setAttribute('data-pwned','{who}')");
    book.file(
        "content/evil.md",
        &format!(
            "---\ntitle: \"<img src=x onerror=\\\"{}\\\">\"\nowner: \"\\\" onmouseover=\\\"{}\"\nsummary: \"</script><script>{}</script>\"\n---\n<img src=x onerror=\"{}\">\n\n<script>{}</script>\n\n<svg onload=\"{}\"></svg>\n",
            mark("title"),
            mark("owner"),
            mark("summary"),
            mark("body-img"),
            mark("body-script"),
            mark("svg"),
        ),
    )
    .file("content/other.md", "---\ntitle: Other\n---\nSee [evil](evil.md).\n");
    book.build();
    for page in ["evil.html", "other.html", "index.html"] {
        let dom = dump_dom(&browser, &book.out().join(page));
        assert!(dom.contains("</body>"), "{page} did not load");
        assert!(
            !dom.contains("data-pwned=\""),
            "{page}: injected script ran: {dom}"
        );
    }
    // The title is on the page as text.
    let dom = dump_dom(&browser, &book.out().join("evil.html"));
    assert!(dom.contains("&lt;img src=x onerror="), "{dom}");
}

#[test]
fn review_badge_follows_the_readers_clock() {
    let Some(browser) = chromium() else { return };
    let book = TestBook::new();
    book.file(
        "content/runbooks/old.md",
        "---\ntitle: Old runbook\nowner: \"@ops\"\nlast_reviewed: 2000-01-01\nreview_every: 90d\n---\n\nText.\n",
    );
    // Built as if on 2000-01-15, the page was fresh then.
    let handbook = book.load();
    let mut options = book.options();
    options.today = "2000-01-15".parse().unwrap();
    opsbook::build(&handbook, &options).unwrap();
    let html = book.main_of("runbooks/old.html");
    assert!(
        html.contains("state-ok\" data-next-review=\"2000-03-31\">Reviewed<"),
        "{html}"
    );
    // Read today, the same page says it is stale.
    let dom = dump_dom(&browser, &book.out().join("runbooks/old.html"));
    assert!(
        dom.contains("state-stale\" data-next-review=\"2000-03-31\">Stale<"),
        "{dom}"
    );
    assert!(dom.contains("was due 2000-03-31 ("), "{dom}");
}
