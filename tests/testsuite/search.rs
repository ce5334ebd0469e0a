//! Search in a real browser (headless Chromium), every page opened from `file://`: the index
//! the build writes, the client in `search.js`, the box in the top bar.
//!
//! A test either opens a page with `?q=`, or writes a harness page next to a built page (a copy
//! of it with a small driver script) that presses keys and types through real DOM events;
//! the assertions read what the results list shows in the dumped DOM.

use crate::browser::{chromium, dump_dom_url};
use crate::support::TestBook;

fn built() -> TestBook {
    let book = TestBook::fixture("search/basic");
    book.build();
    book
}

fn url(book: &TestBook, page: &str) -> String {
    format!("file://{}/{page}", book.out().display())
}

/// Helpers for driver scripts: `key`, `type`, `waitFor`, `searched(n)`, `report`, `settle`.
const PRELUDE: &str = r#"
function key(k, opts) {
  var t = document.activeElement || document.body;
  t.dispatchEvent(new KeyboardEvent("keydown", Object.assign({ key: k, bubbles: true, cancelable: true }, opts || {})));
}
function type(text) {
  var i = document.getElementById("search-input");
  i.value = text;
  i.dispatchEvent(new Event("input", { bubbles: true }));
}
function report(name, value) { document.body.setAttribute("data-test-" + name, String(value)); }
function waitFor(cond, then) {
  var tries = 0;
  (function poll() {
    if (cond()) then();
    else if (++tries < 400) setTimeout(poll, 10);
    else report("timeout", "yes");
  })();
}
function searched(n) { return function () { return window.OPSBOOK_SEARCH && window.OPSBOOK_SEARCH.done >= n; }; }
function settle(then) { setTimeout(then, 200); }
"#;

/// Writes `page` again as `name` with the driver `script` run after load, and returns the
/// DOM of `name` (or of wherever the driver navigated) after the scripts ran.
fn drive(browser: &str, book: &TestBook, page: &str, name: &str, script: &str) -> String {
    let html = std::fs::read_to_string(book.out().join(page)).unwrap();
    let driver = format!(
        "<script>{PRELUDE}\nwindow.addEventListener(\"load\", function () {{\n{script}\n}});</script>\n</body>"
    );
    let harness = html.replacen("</body>", &driver, 1);
    std::fs::write(book.out().join(name), harness).unwrap();
    dump_dom_url(browser, &url(book, name))
}

/// The text of the results list (tags removed), for assertions on what a reader sees.
fn results_text(dom: &str) -> String {
    let start = dom
        .find("id=\"search-results\"")
        .unwrap_or_else(|| panic!("no results list: {dom}"));
    let list = &dom[start..];
    let list = &list[..list.find("</ul>").unwrap_or(list.len())];
    let mut text = String::new();
    let mut in_tag = false;
    for c in list.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The titles of the results, in order.
fn result_titles(dom: &str) -> Vec<String> {
    dom.split("<span class=\"search-title\">")
        .skip(1)
        .map(|s| {
            let end = s.find("</span>").unwrap_or(s.len());
            s[..end].replace("<mark>", "").replace("</mark>", "")
        })
        .collect()
}

#[test]
fn the_build_writes_the_index_and_every_page_has_the_box() {
    let book = built();
    let out = book.out();
    let index = std::fs::read_to_string(out.join("_opsbook/search/index.js")).unwrap();
    // The index names the version of the other index files, then loads itself.
    let (version, index) = index.split_once('\n').unwrap();
    assert!(
        version.starts_with("window.OPSBOOK_SEARCH_VERSION = \""),
        "{version}"
    );
    assert!(
        index.starts_with("OPSBOOK_SEARCH_LOAD(\"index\","),
        "{index}"
    );
    assert!(index.contains("Database failover"));
    assert!(out.join("_opsbook/search/t-all.js").is_file());
    assert!(out.join("_opsbook/search/s-0.js").is_file());
    assert!(out.join("_opsbook/search.js").is_file());
    for page in [
        "index.html",
        "runbooks/db-failover.html",
        "404.html",
        "tags/index.html",
    ] {
        let html = std::fs::read_to_string(out.join(page)).unwrap();
        assert!(html.contains("id=\"search-input\""), "{page}");
    }
}

#[test]
fn drafts_are_not_in_the_index() {
    let book = TestBook::new();
    book.file("content/a.md", "---\ntitle: Visible\n---\nzebrafish\n")
        .file(
            "content/b.md",
            "---\ntitle: Hidden plan\ndraft: true\n---\nunicornfish\n",
        );
    book.build();
    let dir = book.out().join("_opsbook/search");
    let mut all = String::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        all.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    assert!(all.contains("zebrafish"));
    assert!(!all.contains("unicornfish") && !all.contains("Hidden plan"));
}

#[test]
fn query_in_the_url_runs_the_search_from_file_url() {
    let Some(browser) = chromium() else { return };
    let book = built();
    let dom = dump_dom_url(
        &browser,
        &format!("{}?q=failover", url(&book, "index.html")),
    );
    assert!(dom.contains("id=\"search-panel\""), "no panel: {dom}");
    assert!(
        !dom.contains("id=\"search-panel\" hidden"),
        "panel hidden: {dom}"
    );
    let titles = result_titles(&dom);
    // Title matches first; the decision and both runbooks have "failover" in their title.
    assert_eq!(
        titles[..3]
            .iter()
            .collect::<std::collections::BTreeSet<_>>(),
        ["Cache failover", "Database failover", "Failover policy"]
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .iter()
            .collect()
    );
    let text = results_text(&dom);
    assert!(
        text.contains("3 results") || dom.contains("3 results"),
        "{dom}"
    );
    assert!(text.contains("Runbook · @platform"), "{text}");
    assert!(text.contains("Decision · @platform"), "{text}");
    assert!(
        text.contains("stale"),
        "the old cache runbook shows its state: {text}"
    );
    // The matched word is marked in the title and in the snippet.
    assert!(
        dom.contains("<span class=\"search-title\">Database <mark>failover</mark></span>"),
        "{dom}"
    );
    assert!(
        dom.contains("We fail over automatically") || text.contains("fail over"),
        "snippet: {text}"
    );
    // The box holds the query, and the result links carry the words to mark on arrival.
    assert!(
        dom.contains("href=\"runbooks/db-failover.html?highlight=failover\""),
        "{dom}"
    );
}

#[test]
fn a_heading_match_lands_on_its_section_and_ranks_above_body_matches() {
    let Some(browser) = chromium() else { return };
    let book = built();
    let dom = dump_dom_url(&browser, &format!("{}?q=replica", url(&book, "index.html")));
    let titles = result_titles(&dom);
    assert_eq!(titles, ["Database failover"], "{dom}");
    assert!(
        dom.contains("href=\"runbooks/db-failover.html?highlight=replica#promote-the-replica\""),
        "{dom}"
    );
    assert!(
        dom.contains("<span class=\"search-heading\">Promote the <mark>replica</mark></span>"),
        "{dom}"
    );
    // "database": a title match ranks above the cache runbook, which has it in its text.
    let dom = dump_dom_url(
        &browser,
        &format!("{}?q=database", url(&book, "index.html")),
    );
    let titles = result_titles(&dom);
    assert_eq!(
        titles.first().map(String::as_str),
        Some("Database failover"),
        "{dom}"
    );
    assert_eq!(
        titles.last().map(String::as_str),
        Some("Cache failover"),
        "{dom}"
    );
}

#[test]
fn slash_focuses_the_box_and_typing_shows_results() {
    let Some(browser) = chromium() else { return };
    let book = built();
    let dom = drive(
        &browser,
        &book,
        "runbooks/db-failover.html",
        "runbooks/harness-slash.html",
        r#"key("/");
report("focused", document.activeElement && document.activeElement.id);
type("sentin");
waitFor(searched(1), function () { settle(function () { report("done", "yes"); }); });"#,
    );
    assert!(dom.contains("data-test-focused=\"search-input\""), "{dom}");
    assert!(dom.contains("data-test-done=\"yes\""), "{dom}");
    // A prefix finds the word; the heading section is the target.
    assert_eq!(result_titles(&dom), ["Cache failover"], "{dom}");
    assert!(
        dom.contains("href=\"../runbooks/cache-failover.html?highlight=sentin#check-sentinel\""),
        "{dom}"
    );
    assert!(dom.contains("<mark>sentinel</mark>"), "{dom}");
}

#[test]
fn ctrl_k_focuses_the_box() {
    let Some(browser) = chromium() else { return };
    let book = built();
    let dom = drive(
        &browser,
        &book,
        "index.html",
        "harness-ctrl-k.html",
        r#"document.body.focus();
key("k", { ctrlKey: true });
report("ctrl", document.activeElement && document.activeElement.id);
document.getElementById("search-input").blur();
key("k", { metaKey: true });
report("meta", document.activeElement && document.activeElement.id);"#,
    );
    assert!(dom.contains("data-test-ctrl=\"search-input\""), "{dom}");
    assert!(dom.contains("data-test-meta=\"search-input\""), "{dom}");
}

#[test]
fn arrow_keys_choose_a_result_and_enter_opens_it_with_the_words_marked() {
    let Some(browser) = chromium() else { return };
    let book = built();
    // The list, then ArrowDown / ArrowUp move the selection.
    let dom = drive(
        &browser,
        &book,
        "index.html",
        "harness-arrows.html",
        r#"key("/");
type("failover");
waitFor(searched(1), function () {
  key("ArrowDown"); key("ArrowDown"); key("ArrowUp"); key("ArrowDown");
  var active = document.querySelector(".search-result.active .search-title");
  report("active", active ? active.textContent : "none");
  report("selected", document.querySelectorAll("[aria-selected=true]").length);
});"#,
    );
    let titles = result_titles(&dom);
    assert!(
        dom.contains(&format!("data-test-active=\"{}\"", titles[2])),
        "{dom}"
    );
    assert!(dom.contains("data-test-selected=\"1\""), "{dom}");
    // Enter on the second result opens its page, which marks the words.
    let dom = drive(
        &browser,
        &book,
        "index.html",
        "harness-enter.html",
        r#"key("/");
type("promote replica");
waitFor(searched(1), function () { key("Enter"); });"#,
    );
    assert!(dom.contains("<h1"), "{dom}");
    assert!(
        dom.contains("data-page=\"runbooks/db-failover.html\""),
        "did not navigate: {dom}"
    );
    assert!(dom.contains("<mark>replica</mark>"), "{dom}");
    assert!(dom.contains("<mark>promote</mark>"), "{dom}");
}

#[test]
fn filters_narrow_the_results() {
    let Some(browser) = chromium() else { return };
    let book = built();
    // Query syntax.
    let dom = dump_dom_url(
        &browser,
        &format!("{}?q=type:decision%20failover", url(&book, "index.html")),
    );
    assert_eq!(result_titles(&dom), ["Failover policy"], "{dom}");
    let dom = dump_dom_url(
        &browser,
        &format!("{}?q=owner:@platform%20failover", url(&book, "index.html")),
    );
    let mut titles = result_titles(&dom);
    titles.sort();
    assert_eq!(titles, ["Database failover", "Failover policy"], "{dom}");
    let dom = dump_dom_url(
        &browser,
        &format!("{}?q=state:stale", url(&book, "index.html")),
    );
    assert_eq!(result_titles(&dom), ["Cache failover"], "{dom}");
    let dom = dump_dom_url(
        &browser,
        &format!("{}?q=tag:database%20type:runbook", url(&book, "index.html")),
    );
    assert_eq!(result_titles(&dom), ["Database failover"], "{dom}");
    // The filter row.
    let dom = drive(
        &browser,
        &book,
        "index.html",
        "harness-filter.html",
        r#"key("/");
type("failover");
waitFor(searched(1), function () {
  var select = document.querySelector("select[name=search-type]");
  select.value = "runbook";
  select.dispatchEvent(new Event("change", { bubbles: true }));
  waitFor(searched(2), function () { report("done", "yes"); });
});"#,
    );
    assert!(dom.contains("data-test-done=\"yes\""), "{dom}");
    let mut titles = result_titles(&dom);
    titles.sort();
    assert_eq!(titles, ["Cache failover", "Database failover"], "{dom}");
}

#[test]
fn a_query_without_diacritics_finds_words_with_them() {
    let Some(browser) = chromium() else { return };
    let book = built();
    let dom = dump_dom_url(
        &browser,
        &format!("{}?q=cafe%20creme", url(&book, "index.html")),
    );
    assert_eq!(result_titles(&dom), ["Café opening hours"], "{dom}");
    assert!(dom.contains("<mark>Café</mark> opening hours"), "{dom}");
    assert!(dom.contains("<mark>Crème</mark>"), "{dom}");
    // CJK text is found by bigrams.
    let dom = dump_dom_url(
        &browser,
        &format!("{}?q=%E6%95%85%E9%9A%9C", url(&book, "index.html")),
    );
    assert_eq!(result_titles(&dom), ["Café opening hours"], "{dom}");
}

#[test]
fn x3_markup_in_titles_text_and_queries_never_runs() {
    let Some(browser) = chromium() else { return };
    let book = TestBook::new();
    let payload = |who: &str| {
        format!("window.PWNED=1;document.documentElement.setAttribute('data-pwned','{who}')")
    };
    book.file(
        "content/evil.md",
        &format!(
            "---\ntitle: \"zzevil <img src=x onerror=\\\"{}\\\">\"\n---\nzzevil \\<script>{}\\</script> and \\\"><img src=x onerror=\\\"{}\\\">\n\n## zzevil <b onmouseover=x>head</b>\n",
            payload("title"),
            payload("body"),
            payload("body2"),
        ),
    );
    book.build();
    // From the URL: the query itself is markup.
    // (Its words are all in the title, so the search finds the page.)
    let query = "zzevil%20%22%3E%3Cimg%20src%3Dx%20onerror%3D%22window.PWNED%3D1%3Bdocument.documentElement.setAttribute('data-pwned'%2C'title')%22%3E";
    let dom = dump_dom_url(&browser, &format!("{}?q={query}", url(&book, "index.html")));
    assert!(!dom.contains("data-pwned=\""), "script ran: {dom}");
    assert_eq!(result_titles(&dom).len(), 1, "{dom}");
    // The title is shown as text.
    assert!(dom.contains("&lt;img src=x onerror="), "{dom}");
    // Typed, with the markup in the box.
    let dom = drive(
        &browser,
        &book,
        "index.html",
        "harness-xss.html",
        r#"key("/");
type('zzevil "><img src=x onerror="window.PWNED=1">');
waitFor(searched(1), function () { settle(function () {
  report("pwned", window.PWNED ? "yes" : "no");
  report("results", document.querySelectorAll(".search-result").length);
}); });"#,
    );
    assert!(dom.contains("data-test-pwned=\"no\""), "{dom}");
    assert!(dom.contains("data-test-results=\"1\""), "{dom}");
    assert!(!dom.contains("data-pwned=\""), "script ran: {dom}");
    // The target page marks the words of a hostile `?highlight=` as text.
    let dom = dump_dom_url(
        &browser,
        &format!("{}?highlight={query}", url(&book, "evil.html")),
    );
    assert!(!dom.contains("data-pwned=\""), "script ran: {dom}");
    assert!(dom.contains("<mark>zzevil</mark>"), "{dom}");
    assert!(dom.contains("&lt;script&gt;"), "{dom}");
}

#[test]
fn the_client_folds_and_splits_words_like_the_index() {
    let Some(browser) = chromium() else { return };
    let book = built();
    let samples = [
        "Fail over: db-primary_2, INC-20250314-02!",
        "PostgreSQL ÉTÉ Straße Cafe\u{301} crème brûlée",
        "сервер базы данных Ελληνικά ΟΔΟΣ x² ½",
        "数据库故障 切替 DB データベース 库 x",
        "İstanbul ﬁle ǅemal Å",
    ];
    let json = serde_json::to_string(&samples).unwrap();
    let dom = drive(
        &browser,
        &book,
        "index.html",
        "harness-words.html",
        &format!(
            r#"key("/");
waitFor(function () {{ return window.OPSBOOK_SEARCH; }}, function () {{
  var s = window.OPSBOOK_SEARCH;
  var out = {json}.map(function (x) {{ return s.terms(s.fold(x)).join("|"); }});
  var pre = document.createElement("pre");
  pre.id = "words";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
}});"#
        ),
    );
    let start = dom.find("<pre id=\"words\">").expect("no words") + "<pre id=\"words\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let text = dom[start..end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let client: Vec<String> = serde_json::from_str(&text).unwrap();
    let index: Vec<String> = samples
        .iter()
        .map(|s| opsbook::search::tokenize::tokenize(s).join("|"))
        .collect();
    assert_eq!(client, index);
}

#[test]
fn the_snippet_shows_the_matched_word_of_a_long_section() {
    let Some(browser) = chromium() else { return };
    let book = TestBook::new();
    let filler = "Nothing to see in this sentence at all. ".repeat(6);
    book.file(
        "content/long.md",
        &format!("---\ntitle: Long page\n---\n{filler}Then zanzibar appears late. {filler}\n"),
    );
    book.build();
    let dom = dump_dom_url(
        &browser,
        &format!("{}?q=zanzibar", url(&book, "index.html")),
    );
    assert_eq!(result_titles(&dom), ["Long page"], "{dom}");
    let start = dom
        .find("<span class=\"search-snippet\">")
        .expect("no snippet");
    let snippet = &dom[start..start + dom[start..].find("</span>").unwrap()];
    assert!(snippet.contains("<mark>zanzibar</mark>"), "{snippet}");
    assert!(snippet.contains(">…"), "starts inside the text: {snippet}");
}

/// Every word of a query must be in a result; an exact word ranks above a word it only
/// begins; the count covers every result, not only the twenty shown.
#[test]
fn every_word_must_match_exact_words_rank_first_and_all_results_are_counted() {
    let Some(browser) = chromium() else { return };
    let book = TestBook::new();
    for k in 0..30 {
        // Pages 0-24 have both words; 25-29 only the first.
        let second = if k < 25 { "quokka" } else { "wombat" };
        book.file(
            &format!("content/p{k:02}.md"),
            &format!("---\ntitle: Page {k:02}\n---\nThe numbat met a {second} here.\n"),
        );
    }
    book.file(
        "content/prefix.md",
        // The shortest title: it would come first if a longer word counted like the word.
        "---\ntitle: Pre\n---\nThe numbat and the quokkas.\n",
    );
    book.file(
        "content/exact.md",
        "---\ntitle: Exact words in a longer title than the others\n---\nA numbat, a quokka.\n",
    );
    book.build();
    let dom = dump_dom_url(
        &browser,
        &format!("{}?q=numbat+quokka", url(&book, "index.html")),
    );
    let titles = result_titles(&dom);
    assert_eq!(titles.len(), 20, "{dom}");
    // 26 pages with both words exactly, one with a longer word beginning with the second.
    assert!(dom.contains("27 results, the first 20 shown"), "{dom}");
    assert!(
        !titles
            .iter()
            .any(|t| ["Page 25", "Page 29"].contains(&t.as_str())),
        "a page without the second word: {titles:?}"
    );
    assert!(
        !titles.contains(&"Pre".to_string()),
        "a page with only a longer word ranks below the 20 with the exact one: {titles:?}"
    );
    // Equal scores: shorter titles first, then the documents' order.
    let expected: Vec<String> = (0..20).map(|k| format!("Page {k:02}")).collect();
    assert_eq!(titles, expected);
}

/// `[output.html.search] enable = false` (mdBook's key): no index, no box, no warning.
#[test]
fn search_can_be_turned_off_in_book_toml() {
    let book = TestBook::fixture("search/basic");
    let toml = std::fs::read_to_string(book.root().join("book.toml")).unwrap();
    book.file(
        "book.toml",
        &format!("{toml}\n[output.html.search]\nenable = false\n"),
    );
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("unknown-key"), "{stderr}");
    assert!(!book.out().join("_opsbook/search").exists());
    let page = book.read("runbooks/db-failover.html");
    assert!(!page.contains("search-input"), "{page}");
    // Turned on again, both come back.
    book.file("book.toml", &toml);
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 0, "{stderr}");
    assert!(book.out().join("_opsbook/search/index.js").is_file());
    assert!(book
        .read("runbooks/db-failover.html")
        .contains("search-input"));
}

/// Serves `dir` over HTTP on a free loopback port (GET only, files only) for as long as the
/// test runs: the index files are then fetched, not run as scripts.
fn serve_dir(dir: std::path::PathBuf) -> u16 {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(500).flatten() {
            let dir = dir.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                let _ = reader.read_line(&mut line);
                let path = line.split_whitespace().nth(1).unwrap_or("/");
                let path = path
                    .split('?')
                    .next()
                    .unwrap_or("/")
                    .trim_start_matches('/');
                let mut header = String::new();
                while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                    header.clear();
                }
                let file = dir.join(if path.is_empty() { "index.html" } else { path });
                let (status, body) = match std::fs::read(&file) {
                    Ok(b) if !path.contains("..") => ("200 OK", b),
                    _ => ("404 Not Found", Vec::new()),
                };
                let kind = match file.extension().and_then(|e| e.to_str()) {
                    Some("html") => "text/html; charset=utf-8",
                    Some("js") => "text/javascript",
                    Some("css") => "text/css",
                    _ => "application/octet-stream",
                };
                let mut stream = stream;
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(&body);
            });
        }
    });
    port
}

/// Over HTTP the client fetches the index files and parses them as JSON; the results are
/// the same as from disk.
#[test]
fn search_over_http_fetches_the_index_files() {
    let Some(browser) = chromium() else { return };
    let book = built();
    let port = serve_dir(book.out());
    let dom = dump_dom_url(
        &browser,
        &format!("http://127.0.0.1:{port}/index.html?q=replica"),
    );
    assert_eq!(result_titles(&dom), ["Database failover"], "{dom}");
    assert!(
        dom.contains("<span class=\"search-heading\">Promote the <mark>replica</mark></span>"),
        "{dom}"
    );
    // Fetched, not added as scripts: no index file in the page.
    assert!(!dom.contains("_opsbook/search/index.js"), "{dom}");
    // The snippet comes from a fetched snippet file too.
    assert!(
        dom.contains("<mark>replica</mark> and watch the lag"),
        "{dom}"
    );
}
