//! `opsbook serve` for real: the binary on a free loopback port, a small HTTP client on plain
//! sockets, the reload channel read as Server-Sent Events. Every wait has a deadline; every
//! server is stopped (SIGINT by its PID, then killed) when its test ends, also on panic.

use crate::browser::chromium;
use crate::support::{TestBook, TODAY};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(30);

/// A running `opsbook serve`; dropping it stops the process.
struct Served {
    child: Child,
    port: u16,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Served {
    fn start(book: &TestBook) -> Served {
        Self::start_with(book, &[])
    }

    fn start_with(book: &TestBook, extra: &[&str]) -> Served {
        Self::start_with_env(book, extra, &[])
    }

    fn start_with_env(book: &TestBook, extra: &[&str], env: &[(&str, &str)]) -> Served {
        Self::launch(
            Command::new(assert_cmd::cargo::cargo_bin("opsbook")),
            book,
            extra,
            env,
        )
    }

    /// The server with at most `files` open file descriptors (through the shell's `ulimit`,
    /// which then becomes the server: the PID is the server's).
    #[cfg(unix)]
    fn start_with_file_limit(book: &TestBook, files: u32) -> Served {
        let mut sh = Command::new("sh");
        sh.arg("-c")
            .arg(format!("ulimit -n {files} && exec \"$0\" \"$@\""))
            .arg(assert_cmd::cargo::cargo_bin("opsbook"));
        Self::launch(sh, book, &[], &[])
    }

    fn launch(
        mut command: Command,
        book: &TestBook,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Served {
        let mut child = command
            .args(["serve", "--today", TODAY])
            .args(if extra.contains(&"-p") {
                &[][..]
            } else {
                &["-p", "0"][..]
            })
            .args(extra)
            .arg(book.root())
            .env_remove("OPSBOOK_LOG")
            .env_remove("BROWSER")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start opsbook serve");
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        {
            let lines = lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    lines.lock().unwrap().push(line);
                }
            });
        }
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut served = Served {
            child,
            port: 0,
            stderr: lines,
        };
        let line = rx
            .recv_timeout(DEADLINE)
            .unwrap_or_else(|_| panic!("no `Serving on` line; stderr: {:?}", served.stderr()));
        let port = line
            .strip_prefix("Serving on http://127.0.0.1:")
            .and_then(|rest| rest.strip_suffix('/'))
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        served.port = port;
        // Exactly one line on stdout.
        assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
        served
    }

    fn stderr(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    /// How many stderr lines end with `suffix` (the debug log has one line per request).
    fn lines_ending(&self, suffix: &str) -> usize {
        self.stderr().iter().filter(|l| l.ends_with(suffix)).count()
    }

    /// Builds after a change: whole ones (`Rebuilt …`) and updates of text (`Updated …`).
    fn rebuilds(&self) -> usize {
        self.stderr()
            .iter()
            .filter(|l| l.starts_with("Rebuilt ") || l.starts_with("Updated "))
            .count()
    }

    /// Builds after a change that were tried: those that worked and those that failed.
    fn builds_tried(&self) -> usize {
        self.rebuilds()
            + self
                .stderr()
                .iter()
                .filter(|l| l.starts_with("error: the handbook did not build"))
                .count()
    }

    /// Updates of the text of documents only (`Updated content/x.md (1 page) in 3 ms`).
    fn text_updates(&self) -> usize {
        self.stderr()
            .iter()
            .filter(|l| l.starts_with("Updated "))
            .count()
    }

    fn get(&self, target: &str) -> HttpResponse {
        get(self.port, target, "")
    }

    fn events(&self) -> Events {
        Events::open(self.port)
    }

    /// Sends SIGINT (Ctrl-C) and waits for the exit code.
    fn interrupt(&mut self) -> Option<i32> {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() && self.interrupt().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[derive(Debug)]
struct HttpResponse {
    status: u16,
    head: String,
    body: String,
}

impl HttpResponse {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }
}

/// Sends raw bytes, reads the whole answer (the server closes or the read times out).
fn raw(port: u16, request: &[u8]) -> HttpResponse {
    exchange(port, request).0
}

/// Like [`raw`], and whether the server ended the connection after its answer (rather than
/// the read timing out).
fn exchange(port: u16, request: &[u8]) -> (HttpResponse, bool) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut bytes = Vec::new();
    let read = stream.read_to_end(&mut bytes);
    let closed = !matches!(
        &read,
        Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)
    );
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let chunked = head
        .to_ascii_lowercase()
        .contains("\r\ntransfer-encoding: chunked");
    let response = HttpResponse {
        status,
        head: head.to_string(),
        body: if chunked {
            dechunk(body)
        } else {
            body.to_string()
        },
    };
    (response, closed)
}

/// The body of a `Transfer-Encoding: chunked` answer.
fn dechunk(mut rest: &str) -> String {
    let mut body = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).expect("chunk size");
        if size == 0 {
            break;
        }
        body.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
    body
}

fn get(port: u16, target: &str, headers: &str) -> HttpResponse {
    raw(
        port,
        format!(
            "GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n{headers}\r\n"
        )
        .as_bytes(),
    )
}

/// A reload channel, read event by event.
struct Events {
    rx: Receiver<(String, String)>,
}

impl Events {
    fn open(port: u16) -> Events {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            stream,
            "GET /_opsbook/reload HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let reader = BufReader::new(stream);
            let mut name = String::new();
            for line in reader.lines().map_while(Result::ok) {
                if let Some(n) = line.strip_prefix("event: ") {
                    name = n.to_string();
                } else if let Some(data) = line.strip_prefix("data: ") {
                    if tx.send((name.clone(), data.to_string())).is_err() {
                        return;
                    }
                }
            }
        });
        let events = Events { rx };
        let (name, _) = events.next().expect("hello");
        assert_eq!(name, "hello");
        events
    }

    fn next(&self) -> Option<(String, String)> {
        self.rx.recv_timeout(DEADLINE).ok()
    }

    /// The next event, which must be `name`; returns its data as JSON.
    fn expect(&self, name: &str) -> serde_json::Value {
        let (got, data) = self
            .next()
            .unwrap_or_else(|| panic!("no `{name}` event within {DEADLINE:?}"));
        assert_eq!(got, name, "{data}");
        serde_json::from_str(&data).unwrap()
    }

    /// The next `name` event, skipping `error` events before it (a build that started while
    /// files were still being written may see a half-written one); returns its data and how
    /// many errors came first.
    fn until(&self, name: &str) -> (serde_json::Value, usize) {
        self.until_within(name, DEADLINE)
    }

    /// [`Events::until`] with a deadline of its own for each event.
    fn until_within(&self, name: &str, deadline: Duration) -> (serde_json::Value, usize) {
        let mut errors = 0;
        loop {
            let (got, data) = self
                .rx
                .recv_timeout(deadline)
                .unwrap_or_else(|_| panic!("no `{name}` event within {deadline:?}"));
            if got == "error" && name != "error" {
                errors += 1;
                continue;
            }
            assert_eq!(got, name, "{data}");
            return (serde_json::from_str(&data).unwrap(), errors);
        }
    }

    /// No event within `window`.
    fn quiet_for(&self, window: Duration) -> Option<(String, String)> {
        self.rx.recv_timeout(window).ok()
    }
}

fn book() -> TestBook {
    TestBook::fixture("serve/basic")
}

fn without_script(html: &str) -> String {
    let start = html.rfind("<script>(function(){").expect("reload script");
    let end = start + html[start..].find("</script>").unwrap() + "</script>".len();
    format!("{}{}", &html[..start], &html[end..])
}

#[test]
fn serve_serves_the_built_site_with_the_reload_script() {
    let book = book();
    let served = Served::start(&book);
    let page = served.get("/alpha.html");
    assert_eq!(page.status, 200, "{page:?}");
    assert_eq!(
        page.header("Content-Type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert!(page.body.contains("Alpha text, first version."));
    assert!(page.body.contains("/_opsbook/reload"));
    assert!(!page.head.to_ascii_lowercase().contains("access-control-"));
    // The files are `opsbook build`'s: the script is only in the response.
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 0, "{stderr}");
    for (url, file) in [("/alpha.html", "alpha.html"), ("/", "index.html")] {
        assert_eq!(
            without_script(&served.get(url).body),
            book.read(file),
            "{url}"
        );
    }
    let css = served.get("/_opsbook/opsbook.css");
    assert_eq!(css.status, 200);
    assert_eq!(
        css.header("Content-Type").as_deref(),
        Some("text/css; charset=utf-8")
    );
    assert_eq!(
        served
            .get("/catalog.json")
            .header("Content-Type")
            .as_deref(),
        Some("application/json")
    );
    let folder = served.get("/runbooks?x=1");
    assert_eq!(folder.status, 301);
    assert_eq!(folder.header("Location").as_deref(), Some("/runbooks/?x=1"));
    assert_eq!(served.get("/runbooks/").status, 200);
    let missing = served.get("/nope.html");
    assert_eq!(missing.status, 404);
    // The built 404 page, with links resolving against the root whatever the depth.
    assert_eq!(
        without_script(&missing.body),
        book.read("404.html")
            .replacen("<head>", "<head><base href=\"/\">", 1)
            .replace("href=\"#content\"", "href=\"/nope.html#content\"")
    );
    // Serving never writes the published output.
    assert!(!book.root().join(".opsbook-serve").exists());
}

#[test]
fn serve_shows_edits_new_deleted_and_renamed_files() {
    let book = book();
    let served = Served::start(&book);
    let events = served.events();

    book.file(
        "content/alpha.md",
        "---\ntitle: Alpha\nowner: \"@ops\"\nlast_reviewed: 2026-11-01\n---\nAlpha text, second version.\n",
    );
    let reload = events.expect("reload");
    // The reload is sent once the rebuild is complete: the new page is served right away.
    let page = served.get("/alpha.html");
    assert!(page.body.contains("second version"), "{}", page.body);
    assert!(page.body.contains(reload["build"].as_str().unwrap()));

    book.file(
        "content/beta.md",
        "---\ntitle: Beta\nowner: \"@ops\"\nlast_reviewed: 2026-11-01\n---\nA new page.\n",
    );
    events.expect("reload");
    assert!(served.get("/beta.html").body.contains("A new page."));

    std::fs::rename(
        book.root().join("content/beta.md"),
        book.root().join("content/gamma.md"),
    )
    .unwrap();
    events.expect("reload");
    assert_eq!(served.get("/beta.html").status, 404);
    assert!(served.get("/gamma.html").body.contains("A new page."));

    std::fs::remove_file(book.root().join("content/gamma.md")).unwrap();
    events.expect("reload");
    assert_eq!(served.get("/gamma.html").status, 404);
}

/// Every file of a clean `opsbook build` of the handbook as it is now, as the server sends it
/// (HTML without the reload script): the served site is exactly what `build` writes.
fn assert_served_equals_a_clean_build(served: &Served, book: &TestBook) {
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 0, "{stderr}");
    assert_served_equals(served, &book.out());
}

/// Every file of a built site (`out`) is served with the same bytes (HTML without the reload
/// script).
fn assert_served_equals(served: &Served, out: &std::path::Path) {
    if let Some(difference) = served_difference(served, out) {
        panic!("{difference}");
    }
}

/// The first file of a built site (`out`) that is not served with the same bytes, if any.
fn served_difference(served: &Served, out: &std::path::Path) -> Option<String> {
    let mut compared = 0;
    for entry in walkdir::WalkDir::new(out) {
        let entry = entry.unwrap();
        let rel = entry
            .path()
            .strip_prefix(out)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if !entry.file_type().is_file() || rel.split('/').any(|part| part.starts_with('.')) {
            continue;
        }
        let built = std::fs::read_to_string(entry.path()).unwrap();
        let response = served.get(&format!("/{rel}"));
        if response.status != 200 {
            return Some(format!("/{rel}: {}", response.status));
        }
        let body = if rel.ends_with(".html") {
            without_script(&response.body)
        } else {
            response.body
        };
        if body != built {
            return Some(format!("/{rel} differs from a clean build"));
        }
        compared += 1;
    }
    assert!(compared > 10, "only {compared} files compared");
    None
}

/// A save that changes only the text of a page is applied to the last build: its page, the
/// search index and (when asked for) the print view are written again, nothing else, and the
/// site is still exactly what a clean build writes.
#[test]
fn serve_applies_a_text_edit_to_its_page_and_the_search_index_only() {
    let book = book();
    let served = Served::start(&book);
    let events = served.events();
    let before = without_script(&served.get("/runbooks/db.html").body);
    book.file(
        "content/alpha.md",
        "---\ntitle: Alpha\nowner: \"@ops\"\nlast_reviewed: 2026-11-01\n---\nAlpha text, now about zanzibar.\n",
    );
    events.expect("reload");
    wait_until("the update line", || served.text_updates() == 1);
    assert_eq!(served.rebuilds(), 1, "{:?}", served.stderr());
    assert!(
        served
            .stderr()
            .iter()
            .any(|l| l.starts_with("Updated content/alpha.md (1 page) in ")),
        "{:?}",
        served.stderr()
    );
    assert!(served
        .get("/alpha.html")
        .body
        .contains("now about zanzibar"));
    assert!(served
        .get("/_opsbook/search/t-all.js")
        .body
        .contains("zanzibar"));
    assert!(served
        .get("/print.html")
        .body
        .contains("now about zanzibar"));
    // The page that links to it shows only its title: it stays as it was.
    assert_eq!(
        without_script(&served.get("/runbooks/db.html").body),
        before
    );
    assert_served_equals_a_clean_build(&served, &book);

    // The home page is the text of content/index.md.
    book.file(
        "content/index.md",
        "---\ntitle: Home\nowner: \"@ops\"\nlast_reviewed: 2026-11-01\n---\nWelcome, says the new home page.\n",
    );
    events.expect("reload");
    wait_until("the second update", || served.text_updates() == 2);
    assert!(served.get("/").body.contains("says the new home page"));
    assert_served_equals_a_clean_build(&served, &book);
}

/// A change other pages show (a title, a link, a task, a heading) builds the whole site.
#[test]
fn serve_builds_everything_when_more_than_text_changes() {
    let book = book();
    let served = Served::start(&book);
    let events = served.events();
    for (k, body) in [
        "---\ntitle: Alpha renamed\nowner: \"@ops\"\nlast_reviewed: 2026-11-01\n---\nAlpha text.\n",
        "---\ntitle: Alpha renamed\nowner: \"@ops\"\nlast_reviewed: 2026-11-01\n---\nAlpha text.\n\n## A new heading\n",
        "---\ntitle: Alpha renamed\nowner: \"@ops\"\nlast_reviewed: 2026-11-01\n---\nAlpha text, see [db](runbooks/db.md).\n\n## A new heading\n",
        "---\ntitle: Alpha renamed\nowner: \"@ops\"\nlast_reviewed: 2026-11-01\n---\nAlpha text, see [db](runbooks/db.md).\n\n## A new heading\n\n- [ ] a task\n",
    ]
    .iter()
    .enumerate()
    {
        book.file("content/alpha.md", body);
        events.expect("reload");
        wait_until("the rebuild", || served.rebuilds() == k + 1);
    }
    assert_eq!(served.text_updates(), 0, "{:?}", served.stderr());
    assert!(served
        .get("/runbooks/db.html")
        .body
        .contains("Alpha renamed"));
    assert_served_equals_a_clean_build(&served, &book);
}

/// More clients at once than connections are read at once: the ones over the cap wait their
/// turn; none that just sent its request is closed for a newcomer (only slow ones are).
#[test]
fn s11_serve_answers_every_client_of_a_burst_larger_than_the_connection_cap() {
    let book = book();
    let served = Served::start(&book);
    let port = served.port;
    let barrier = Arc::new(std::sync::Barrier::new(200));
    let clients: Vec<_> = (0..200)
        .map(|_| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                // Connected, the request a moment later (a browser opening several at once).
                let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
                std::thread::sleep(Duration::from_millis(100));
                let request = format!(
                    "GET /alpha.html HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
                );
                let _ = stream.write_all(request.as_bytes());
                stream
                    .set_read_timeout(Some(Duration::from_secs(10)))
                    .unwrap();
                let mut answer = Vec::new();
                let _ = stream.read_to_end(&mut answer);
                answer.starts_with(b"HTTP/1.1 200 ")
            })
        })
        .collect();
    let failed = clients
        .into_iter()
        .map(|c| c.join().unwrap())
        .filter(|ok| !ok)
        .count();
    assert_eq!(failed, 0, "{failed} of 200 clients got no answer");
}

#[test]
fn w3_serve_with_poll_sees_edits_too() {
    let book = book();
    let served = Served::start_with(&book, &["--poll"]);
    let events = served.events();
    book.file(
        "content/alpha.md",
        "---\ntitle: Alpha\nowner: \"@ops\"\nlast_reviewed: 2026-11-01\n---\nPolled version.\n",
    );
    events.expect("reload");
    assert!(served.get("/alpha.html").body.contains("Polled version."));
}

#[test]
fn w1_serve_rebuilds_once_for_an_editor_save() {
    let book = book();
    let served = Served::start(&book);
    let events = served.events();
    let content = book.root().join("content");
    // An editor's atomic save: swap file, temporary file, rename over the original.
    std::fs::write(content.join(".alpha.md.swp"), "swap").unwrap();
    std::fs::write(content.join("4913"), "").unwrap();
    std::fs::remove_file(content.join("4913")).unwrap();
    std::fs::write(
        content.join("alpha.md___jb_tmp___"),
        "---\ntitle: Alpha\nowner: \"@ops\"\nlast_reviewed: 2026-11-01\n---\nSaved atomically.\n",
    )
    .unwrap();
    std::fs::rename(content.join("alpha.md"), content.join("alpha.md~")).unwrap();
    std::fs::rename(
        content.join("alpha.md___jb_tmp___"),
        content.join("alpha.md"),
    )
    .unwrap();
    events.expect("reload");
    assert!(served.get("/alpha.html").body.contains("Saved atomically."));
    // Nothing more comes: the burst was one rebuild.
    assert_eq!(events.quiet_for(Duration::from_millis(1500)), None);
    assert_eq!(served.rebuilds(), 1, "{:?}", served.stderr());
    // Leftovers alone never rebuild.
    std::fs::write(content.join("alpha.md.swx"), "x").unwrap();
    std::fs::remove_file(content.join(".alpha.md.swp")).unwrap();
    assert_eq!(events.quiet_for(Duration::from_millis(1000)), None);
    assert_eq!(served.rebuilds(), 1);
}

/// W2, by hand: a hundred files written into a new folder, some renamed and deleted, in one
/// go. At most two builds (one may start while the test, slowed down by a busy machine, is
/// still writing, and then see a half-written file); the end state is a clean build's.
#[test]
fn w2_a_storm_of_writes_renames_and_deletions_builds_at_most_twice() {
    let book = book();
    let served = Served::start(&book);
    let events = served.events();
    // A `git checkout`: a hundred files written, some renamed and deleted, in one go.
    for k in 0..100 {
        book.file(
            &format!("content/storm/s{k:03}.md"),
            &format!("---\ntitle: Storm {k}\nowner: \"@ops\"\nlast_reviewed: 2026-11-01\n---\nPage {k}.\n"),
        );
    }
    for k in 0..10 {
        std::fs::rename(
            book.root().join(format!("content/storm/s{k:03}.md")),
            book.root().join(format!("content/storm/r{k:03}.md")),
        )
        .unwrap();
        std::fs::remove_file(book.root().join(format!("content/storm/s{:03}.md", 90 + k))).unwrap();
    }
    std::fs::remove_file(book.root().join("content/runbooks/db.md")).unwrap();
    events.until("reload");
    while let Some((name, _)) = events.quiet_for(Duration::from_millis(1500)) {
        assert!(served.builds_tried() <= 2, "{name}: {:?}", served.stderr());
    }
    assert!(served.builds_tried() <= 2, "{:?}", served.stderr());
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 0, "{stderr}");
    for (url, file) in [
        ("/catalog.json", "catalog.json"),
        ("/sitemap.xml", "sitemap.xml"),
        ("/storm/r003.html", "storm/r003.html"),
        ("/storm/index.html", "storm/index.html"),
    ] {
        let served_body = served.get(url).body;
        let built = book.read(file);
        let served_body = if file.ends_with(".html") {
            without_script(&served_body)
        } else {
            served_body
        };
        assert!(served_body == built, "{url} differs from a clean build");
    }
    assert_eq!(served.get("/storm/s095.html").status, 404);
    assert_eq!(served.get("/runbooks/db.html").status, 404);
}

#[test]
fn w4_serve_keeps_the_last_good_page_and_reports_a_broken_edit() {
    let book = book();
    let served = Served::start(&book);
    let events = served.events();
    let build = served.get("/alpha.html");
    book.file(
        "content/alpha.md",
        "---\ntitle: Alpha\nowner: [unclosed\nlast_reviewed: 2026-11-01\n---\nBroken version.\n",
    );
    let error = events.expect("error");
    let problems = error["errors"].as_array().unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p["path"] == "content/alpha.md" && p["line"].as_u64().unwrap() >= 2),
        "{error}"
    );
    let page = served.get("/alpha.html");
    assert!(page.body.contains("first version"), "{}", page.body);
    assert_eq!(without_script(&page.body), without_script(&build.body));
    // A page opened now hears of the problem at once.
    let late = served.events();
    late.expect("error");
    // The terminal too (printed before the event, read here by another thread).
    wait_until("the problem on stderr", || {
        served
            .stderr()
            .iter()
            .any(|l| l.starts_with("content/alpha.md:"))
    });

    // A broken link under the default policy is also an error, with its line.
    book.file(
        "content/alpha.md",
        "---\ntitle: Alpha\nowner: \"@ops\"\nlast_reviewed: 2026-11-01\n---\nFixed.\n\nSee [x](missing.md).\n",
    );
    let error = events.expect("error");
    assert!(
        error["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["path"] == "content/alpha.md"
                && p["line"] == 8
                && p["kind"] == "broken-link"),
        "{error}"
    );

    book.file(
        "content/alpha.md",
        "---\ntitle: Alpha\nowner: \"@ops\"\nlast_reviewed: 2026-11-01\n---\nFixed for good.\n",
    );
    let reload = events.expect("reload");
    assert_eq!(reload["errors"].as_array().unwrap().len(), 0);
    assert!(served.get("/alpha.html").body.contains("Fixed for good."));
    let fresh = Events::open(served.port);
    assert_eq!(fresh.quiet_for(Duration::from_millis(300)), None);
}

#[test]
fn w4_serve_starts_with_a_broken_handbook_and_builds_once_it_is_fixed() {
    let book = book();
    book.file(
        "content/alpha.md",
        "---\ntitle: [unclosed\n---\nBroken from the start.\n",
    );
    let served = Served::start(&book);
    let events = served.events();
    // Opened while broken: `hello` (checked by `events()`), then the problems at once.
    let error = events.expect("error");
    assert_eq!(error["errors"][0]["path"], "content/alpha.md", "{error}");
    let page = served.get("/alpha.html");
    assert_eq!(page.status, 404);
    assert!(
        page.body.contains("/_opsbook/reload"),
        "the overlay needs the script"
    );
    book.file(
        "content/alpha.md",
        "---\ntitle: Alpha\nowner: \"@ops\"\nlast_reviewed: 2026-11-01\n---\nNow it builds.\n",
    );
    events.expect("reload");
    assert!(served.get("/alpha.html").body.contains("Now it builds."));
}

#[test]
fn w4_serve_rebuilds_for_book_toml_and_the_theme_and_survives_a_broken_template() {
    let book = book();
    let served = Served::start(&book);
    let events = served.events();
    // book.toml, saved by renaming over it: the root stays watched.
    book.file("theme/static/opsbook.css", "body { color: teal }\n");
    book.file(
        "book.toml.tmp",
        "[book]\ntitle = \"Renamed handbook\"\n[build]\ntheme = \"theme\"\n",
    );
    std::fs::rename(
        book.root().join("book.toml.tmp"),
        book.root().join("book.toml"),
    )
    .unwrap();
    events.expect("reload");
    assert!(served.get("/alpha.html").body.contains("Renamed handbook"));
    assert!(served.get("/_opsbook/opsbook.css").body.contains("teal"));
    // The theme folder named by the new book.toml is watched from now on.
    book.file(
        "theme/static/opsbook.css",
        "body { color: rebeccapurple }\n",
    );
    events.expect("reload");
    assert!(served
        .get("/_opsbook/opsbook.css")
        .body
        .contains("rebeccapurple"));
    book.file("theme/templates/page.html", "{% if %}broken{% endif %}\n");
    let error = events.expect("error");
    assert_eq!(error["errors"][0]["kind"], "build-failed", "{error}");
    assert!(served.get("/alpha.html").body.contains("Alpha text"));
    std::fs::remove_file(book.root().join("theme/templates/page.html")).unwrap();
    events.expect("reload");
    assert!(served.get("/alpha.html").body.contains("Alpha text"));
}

/// A handbook with a secret file beside its content: no request may reach it.
fn book_with_a_secret() -> TestBook {
    let book = book();
    std::fs::write(book.root().join("secret.txt"), "TOP-SECRET").unwrap();
    book
}

/// A refusal (400 or 404) whose body shows neither the secret, nor the password file, nor a
/// path of this machine.
fn assert_refused(served: &Served, book: &TestBook, target: &str) -> HttpResponse {
    let r = get(served.port, target, "");
    assert!(r.status == 400 || r.status == 404, "{target}: {}", r.status);
    assert!(!r.body.contains("TOP-SECRET"), "{target}");
    assert!(!r.body.contains("root:x:0:0"), "{target}");
    assert!(
        !r.body.contains(&book.root().display().to_string()),
        "{target}"
    );
    let served_folder = std::env::temp_dir().join("opsbook-serve-");
    assert!(
        !r.body.contains(&served_folder.display().to_string()),
        "{target}"
    );
    r
}

/// The first line and the headers of the reload channel's answer (the stream itself never
/// ends, so only the head is read).
fn reload_head(port: u16, headers: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET /_opsbook/reload HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{headers}\r\n"
    )
    .unwrap();
    let mut head = String::new();
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            return head;
        }
        head.push_str(&line);
    }
}

/// Traversal in any encoding, raw (`--path-as-is`) or escaped once or twice, with slashes or
/// backslashes, to a file beside the handbook or to /etc/passwd.
#[test]
fn s1_serve_refuses_traversal_in_any_encoding() {
    let book = book_with_a_secret();
    let served = Served::start(&book);
    for target in [
        "/../Cargo.toml",
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2e%2e%2fsecret.txt",
        "/.%252e/secret.txt",
        "/..%5csecret.txt",
        "/..\\secret.txt",
        "/../../etc/passwd",
        "/../../../../../../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/.%252e/.%252e/etc/passwd",
        "/..%2f..%2fetc%2fpasswd",
        "/..\\..\\secret.txt",
        "/..%5c..%5csecret.txt",
        "/runbooks/../../secret.txt",
    ] {
        assert_refused(&served, &book, target);
    }
    assert_eq!(served.get("/alpha.html").status, 200);
}

/// Request targets that are not a path of this server: 400, never resolved against the root.
#[test]
fn s2_serve_refuses_request_targets_that_are_not_an_origin_path() {
    let book = book_with_a_secret();
    let served = Served::start(&book);
    let port = served.port;
    let ours = format!("http://127.0.0.1:{port}/alpha.html");
    for target in [
        "../secret.txt",
        "http://evil/secret.txt",
        ours.as_str(),
        "//evil/",
        "*",
        "/alpha.html#frag",
        "/%00",
        "/alpha.html%00",
    ] {
        let r = assert_refused(&served, &book, target);
        assert_eq!(r.status, 400, "{target}");
    }
    // An invalid escape, and invalid UTF-8 once decoded: 400 or 404.
    for target in ["/%zz", "/%ff", "/%c3%28.html"] {
        assert_refused(&served, &book, target);
    }
    assert_eq!(
        raw(port, b"GET /a b c HTTP/1.1\r\nHost: x\r\n\r\n").status,
        400
    );
    assert_eq!(served.get("/alpha.html").status, 200);
}

/// Only files of the build output are served: not the handbook's sources, not hidden files,
/// not other spellings of a page (case, trailing dot, alternate data stream).
#[test]
fn s3_serve_serves_the_files_of_the_build_output_and_nothing_else() {
    let book = book_with_a_secret();
    book.file(".git/config", "[core]\n\trepositoryformatversion = 0\n");
    let served = Served::start(&book);
    for target in [
        "/.opsbook-output",
        "/.git/config",
        "/content/alpha.md",
        "/../content/alpha.md",
        "/book.toml",
        "/secret.txt",
        "/book/alpha.html",
        "/ALPHA.HTML",
        "/Alpha.html",
        "/alpha.html/.",
        "/alpha.html\\",
        "/alpha.html::$DATA",
        "/alpha.html.",
    ] {
        let r = assert_refused(&served, &book, target);
        assert!(!r.body.contains("repositoryformatversion"), "{target}");
    }
    // Every file a clean build writes is served as built.
    assert_served_equals_a_clean_build(&served, &book);
    assert_eq!(served.get("/book/alpha.html").status, 404);
    assert_eq!(served.get("/alpha.html").status, 200);
}

/// DNS rebinding: a Host other than this server's (loopback names and addresses with its
/// port) is refused on every path, the reload channel included.
#[test]
fn s7_serve_refuses_a_foreign_host_on_every_path() {
    let book = book();
    let served = Served::start(&book);
    let port = served.port;
    let with_host = |host: &str, target: &str| {
        raw(
            port,
            format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
    };
    let foreign = with_host("evil.example", "/alpha.html");
    assert_eq!(foreign.status, 403);
    assert!(!foreign.body.contains("Alpha text"), "{}", foreign.body);
    let foreign = raw(
        port,
        format!("GET /_opsbook/reload HTTP/1.1\r\nHost: evil.example:{port}\r\nConnection: close\r\n\r\n").as_bytes(),
    );
    assert_eq!(foreign.status, 403);
    let evil = format!("evil.example:{port}");
    let other_port = format!("127.0.0.1:{}", port.wrapping_add(1));
    let suffixed = format!("localhost.evil.example:{port}");
    for (host, target) in [
        (evil.as_str(), "/"),
        (evil.as_str(), "/alpha.html"),
        (evil.as_str(), "/nope.html"),
        (evil.as_str(), "/_opsbook/opsbook.css"),
        (evil.as_str(), "/catalog.json"),
        (other_port.as_str(), "/"),
        (suffixed.as_str(), "/"),
    ] {
        let r = with_host(host, target);
        assert_eq!(r.status, 403, "{host} {target}");
        assert!(!r.body.contains("Alpha text"), "{host} {target}");
    }
    // Two Host headers, even both ours, are refused; no Host at all too.
    assert_eq!(
        get(port, "/", &format!("Host: localhost:{port}\r\n")).status,
        403
    );
    assert_eq!(
        raw(port, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n").status,
        403
    );
    assert_eq!(
        raw(
            port,
            format!("GET / HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n")
                .as_bytes()
        )
        .status,
        200
    );
    for host in [format!("127.0.0.1:{port}"), format!("[::1]:{port}")] {
        assert_eq!(with_host(&host, "/alpha.html").status, 200, "{host}");
    }
    assert_eq!(served.get("/alpha.html").status, 200);
}

/// The reload channel wants our own origin: a page of another origin cannot open it, while
/// the page's own origin and clients that send no Origin (not a browser page) can.
#[test]
fn s9_serve_reload_channel_refuses_other_origins() {
    let book = book();
    let served = Served::start(&book);
    let port = served.port;
    let origin = get(port, "/_opsbook/reload", "Origin: http://evil.example\r\n");
    assert_eq!(origin.status, 403);
    for origin in [
        "http://evil.example".to_string(),
        format!("http://evil.example:{port}"),
        "http://10.0.0.5".to_string(),
        format!("http://10.0.0.5:{port}"),
        "null".to_string(),
        format!("https://127.0.0.1:{port}"),
    ] {
        let head = reload_head(port, &format!("Origin: {origin}\r\n"));
        assert!(head.starts_with("HTTP/1.1 403 "), "{origin}: {head}");
    }
    for headers in [
        format!("Origin: http://127.0.0.1:{port}\r\n"),
        String::new(),
    ] {
        let head = reload_head(port, &headers);
        assert!(head.starts_with("HTTP/1.1 200 "), "{headers:?}: {head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: text/event-stream"),
            "{head}"
        );
    }
    assert_eq!(served.get("/alpha.html").status, 200);
}

/// Framing the server cannot read one way only (smuggling), oversized or countless headers,
/// a method a static site does not take: refused, the connection closed, the server serving.
#[test]
fn s10_serve_refuses_ambiguous_framing_and_keeps_serving() {
    let book = book();
    let served = Served::start(&book);
    let port = served.port;
    // Each is answered, the connection is closed (not left to time out), and the next normal
    // request is served.
    let refused = |request: &[u8]| {
        let (answer, closed) = exchange(port, request);
        assert!(closed, "the connection stayed open after {}", answer.status);
        assert_eq!(served.get("/alpha.html").status, 200);
        answer
    };
    assert_eq!(refused(b"GARBAGE\r\n\r\n").status, 400);
    let post = refused(
        format!("POST /alpha.html HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes(),
    );
    assert_eq!(post.status, 405);
    // A space before the colon, conflicting lengths, chunked and a length at once.
    let smuggled = refused(
        format!("POST /alpha.html HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nTransfer-Encoding : chunked\r\nContent-Length: 4\r\nConnection: close\r\n\r\nabcd").as_bytes(),
    );
    assert_eq!(smuggled.status, 400);
    assert_eq!(smuggled.header("Connection").as_deref(), Some("close"));
    let conflicting = refused(
        format!("POST /alpha.html HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde").as_bytes(),
    );
    assert_eq!(conflicting.status, 400);
    let both = refused(
        format!("POST /alpha.html HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n").as_bytes(),
    );
    assert_eq!(both.status, 400);
    let head = |extra: &str| {
        format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n{extra}\r\n")
    };
    let big = refused(head(&format!("X-Big: {}\r\n", "a".repeat(100_000))).as_bytes());
    assert_eq!(big.status, 431);
    let many = refused(head(&"X-A: b\r\n".repeat(10_000)).as_bytes());
    assert_eq!(many.status, 431);
    assert_eq!(served.get("/alpha.html").status, 200);
}

/// Symbolic links inside the served folder that lead out of it (to a key beside it, to /etc,
/// to the folder above) are not followed: 404, as if they were not there. A link that stays
/// inside is served, so it is the link's target that is checked.
#[cfg(unix)]
#[test]
fn s4_serve_does_not_follow_symlinks_out_of_the_served_folder() {
    let book = book();
    // The server's folder in a temporary folder of this test's own, to put links into it.
    let temp = tempfile::tempdir().unwrap();
    let served = Served::start_with_env(&book, &[], &[("TMPDIR", temp.path().to_str().unwrap())]);
    let site = std::fs::read_dir(temp.path())
        .unwrap()
        .map(|e| e.unwrap().path().join("site"))
        .find(|site| site.join("alpha.html").is_file())
        .expect("the served folder");
    let outside = tempfile::tempdir().unwrap();
    let key = outside.path().join("id_rsa");
    std::fs::write(&key, "-----BEGIN OPENSSH PRIVATE KEY-----\n").unwrap();
    let link = |target: &std::path::Path, name: &str| {
        std::os::unix::fs::symlink(target, site.join(name)).unwrap();
    };
    link(&key, "id_rsa");
    link(&key, "key.html");
    link(std::path::Path::new("/etc"), "etc");
    link(std::path::Path::new("/etc/passwd"), "passwd.txt");
    link(outside.path(), "outside");
    link(std::path::Path::new(".."), "up");
    std::fs::write(
        site.parent().unwrap().join("beside.txt"),
        "-----BEGIN OPENSSH PRIVATE KEY-----\n",
    )
    .unwrap();
    link(&site.join("alpha.html"), "alias.html");
    for target in [
        "/id_rsa",
        "/key.html",
        "/etc",
        "/etc/",
        "/etc/passwd",
        "/etc/hostname",
        "/passwd.txt",
        "/outside/id_rsa",
        "/outside/",
        "/up/",
        "/up/beside.txt",
    ] {
        let r = served.get(target);
        assert_eq!(r.status, 404, "{target}: {}", r.head);
        assert!(!r.body.contains("PRIVATE KEY"), "{target}");
        assert!(!r.body.contains("root:x:0:0"), "{target}");
    }
    for inside in ["/alias.html", "/up/site/alpha.html"] {
        let r = served.get(inside);
        assert_eq!(r.status, 200, "{inside}");
        assert!(r.body.contains("Alpha text"), "{inside}");
    }
    assert_eq!(served.get("/alpha.html").status, 200);
}

/// A page on another origin may send requests to the server (a browser does), but may not
/// read the answers: no answer carries `Access-Control-Allow-Origin` or any other CORS
/// header, whether a page, a file, a 404, a preflight or the reload channel.
#[test]
fn s8_serve_sends_no_cors_headers() {
    let book = book();
    let served = Served::start(&book);
    let port = served.port;
    let cross = "Origin: http://evil.example\r\n";
    let no_cors = |what: &str, head: &str| {
        assert!(
            !head.to_ascii_lowercase().contains("access-control-"),
            "{what}: {head}"
        );
    };
    for (target, status) in [
        ("/", 200),
        ("/alpha.html", 200),
        ("/catalog.json", 200),
        ("/_opsbook/opsbook.css", 200),
        ("/_opsbook/search/index.js", 200),
        ("/nope.html", 404),
    ] {
        for headers in ["", cross] {
            let r = get(port, target, headers);
            assert_eq!(r.status, status, "{target} {headers:?}");
            assert_eq!(r.header("Access-Control-Allow-Origin"), None, "{target}");
            no_cors(target, &r.head);
        }
    }
    // A preflight is not granted.
    let preflight = raw(
        port,
        format!(
            "OPTIONS /alpha.html HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n{cross}Access-Control-Request-Method: GET\r\n\r\n"
        )
        .as_bytes(),
    );
    assert!(preflight.status >= 400, "{}", preflight.head);
    no_cors("preflight", &preflight.head);
    // The reload channel, opened by our own page (a stream) and by a foreign one (refused).
    let own = reload_head(port, &format!("Origin: http://127.0.0.1:{port}\r\n"));
    assert!(own.starts_with("HTTP/1.1 200 "), "{own}");
    no_cors("the reload channel", &own);
    let foreign = reload_head(port, cross);
    assert!(foreign.starts_with("HTTP/1.1 403 "), "{foreign}");
    no_cors("the reload channel, refused", &foreign);
    assert_eq!(served.get("/alpha.html").status, 200);
}

#[test]
fn serve_exits_0_on_ctrl_c_and_2_on_usage_errors() {
    let book = book();
    let mut served = Served::start(&book);
    assert_eq!(served.get("/").status, 200);
    assert_eq!(served.interrupt(), Some(0));

    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(assert_cmd::cargo::cargo_bin("opsbook"))
        .args(["serve", "-p", "0"])
        .arg(empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("book.toml"));
    let out = book
        .cmd(&["serve", "--host", "evil.example"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// A child process killed (by its PID) when the test ends, also on panic.
struct KillOnDrop(Child);

/// Headless Chromium holding `url` open until the returned guard is dropped (the profile
/// folder lives as long as the guard).
fn open_in_chromium(browser: &str, url: &str) -> (KillOnDrop, tempfile::TempDir) {
    let profile = tempfile::tempdir().unwrap();
    let child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    (KillOnDrop(child), profile)
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A page open in a real browser reloads by itself after an edit. The browser runs headless
/// without `--dump-dom` (virtual time does not play well with a stream that never ends); the
/// server's debug log shows what the page did: its request, its reload channel, and after
/// the edit the same two again.
/// Saves by writing a temporary file and renaming it over the page, one after another: each
/// replaces the file watched by a new one, and each is seen, with one rebuild and one reload.
#[test]
fn w1_serve_keeps_watching_a_page_that_atomic_saves_replace() {
    let book = book();
    let served = Served::start(&book);
    let events = served.events();
    let content = book.root().join("content");
    for (k, text) in ["First save.", "Second save.", "Third save."]
        .into_iter()
        .enumerate()
    {
        std::fs::write(
            content.join(".alpha.md.tmp"),
            format!("---\ntitle: Alpha\nowner: \"@ops\"\nlast_reviewed: 2026-11-01\n---\n{text}\n"),
        )
        .unwrap();
        std::fs::rename(content.join(".alpha.md.tmp"), content.join("alpha.md")).unwrap();
        events.expect("reload");
        assert!(served.get("/alpha.html").body.contains(text), "{text}");
        assert_eq!(events.quiet_for(Duration::from_millis(500)), None, "{text}");
        wait_until("the rebuild line", || served.rebuilds() > k);
        assert_eq!(served.rebuilds(), k + 1, "{:?}", served.stderr());
    }
}

#[test]
fn w1_serve_reloads_an_open_page_in_a_browser() {
    let Some(browser) = chromium() else { return };
    let book = book();
    let served = Served::start_with(&book, &["-vv"]);
    let count = |suffix: &str| served.lines_ending(suffix);
    let _browser = open_in_chromium(
        &browser,
        &format!("http://127.0.0.1:{}/alpha.html", served.port),
    );
    wait_until("the page's reload channel", || {
        count("reload channel opened") >= 1
    });
    assert_eq!(count("GET /alpha.html"), 1);
    book.file(
        "content/alpha.md",
        "---\ntitle: Alpha\nowner: \"@ops\"\nlast_reviewed: 2026-11-01\n---\nEdited while open.\n",
    );
    wait_until("the page to load again", || count("GET /alpha.html") >= 2);
    wait_until("the reloaded page's channel", || {
        count("reload channel opened") >= 2
    });
    // Once: the reloaded page has the new build id and does not reload again.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(count("GET /alpha.html"), 2, "{:?}", served.stderr());
}

/// Load on loopback: 50 clients for 30 s (OPSBOOK_LOAD_SECS) over 200 pages, with 200 open
/// reload channels that must each receive one reload after an edit made under load. Run with
/// `cargo test --release -- --ignored serve_load --nocapture`.
#[test]
#[ignore]
fn serve_load() {
    let book = TestBook::new();
    for k in 0..200 {
        book.file(
            &format!("content/p{k:03}.md"),
            &format!(
                "---\ntitle: Page {k}\nowner: \"@ops\"\nlast_reviewed: 2026-11-01\n---\n{}\n",
                "Some words about operating the service. ".repeat(200)
            ),
        );
    }
    let served = Served::start(&book);
    let port = served.port;
    let channels: Vec<Events> = (0..200).map(|_| Events::open(port)).collect();
    let secs: u64 = std::env::var("OPSBOOK_LOAD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let until = Instant::now() + Duration::from_secs(secs);
    let clients: Vec<_> = (0..50)
        .map(|c| {
            std::thread::spawn(move || {
                let mut latencies = Vec::new();
                let mut errors = 0usize;
                let mut k = c;
                while Instant::now() < until {
                    let started = Instant::now();
                    let r = get(port, &format!("/p{:03}.html", k % 200), "");
                    latencies.push(started.elapsed());
                    if r.status != 200 {
                        errors += 1;
                    }
                    k += 7;
                }
                (latencies, errors)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(secs / 2));
    book.file(
        "content/p000.md",
        "---\ntitle: Page 0\nowner: \"@ops\"\nlast_reviewed: 2026-11-01\n---\nEdited under load.\n",
    );
    let edited = Instant::now();
    let mut reloads = 0;
    let mut slowest = Duration::ZERO;
    for channel in &channels {
        if let Some((name, _)) = channel.next() {
            if name == "reload" {
                reloads += 1;
                slowest = slowest.max(edited.elapsed());
            }
        }
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for client in clients {
        let (l, e) = client.join().unwrap();
        latencies.extend(l);
        errors += e;
    }
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    eprintln!(
        "serve_load: {} requests in {secs} s ({:.0}/s), {errors} errors, p50 {:.2?}, p99 {:.2?}, max {:.2?}; {reloads}/200 reloads, the last {:.2?} after the edit",
        latencies.len(),
        latencies.len() as f64 / secs as f64,
        pct(0.5),
        pct(0.99),
        latencies.last().unwrap(),
        slowest
    );
    assert_eq!(errors, 0);
    assert_eq!(reloads, 200);
    for channel in &channels {
        assert_eq!(channel.quiet_for(Duration::from_millis(10)), None);
    }
}

/// A page open across a server restart reconnects by itself and reloads once, since the new
/// server's build id differs; it does not reload in a loop.
#[test]
fn w5_serve_restart_reconnects_an_open_page_and_reloads_it_once() {
    let Some(browser) = chromium() else { return };
    let book = book();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let mut first = Served::start_with(&book, &["-vv", "-p", &port]);
    let count = |served: &Served, suffix: &str| served.lines_ending(suffix);
    let _browser = open_in_chromium(&browser, &format!("http://127.0.0.1:{port}/alpha.html"));
    wait_until("the page's reload channel", || {
        count(&first, "reload channel opened") >= 1
    });
    assert_eq!(first.interrupt(), Some(0));
    let second = Served::start_with(&book, &["-vv", "-p", &port]);
    wait_until("the page to reconnect and reload", || {
        count(&second, "GET /alpha.html") >= 1 && count(&second, "reload channel opened") >= 2
    });
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        count(&second, "GET /alpha.html"),
        1,
        "{:?}",
        second.stderr()
    );
}

/// Answers one request for the backoff test: the page, a refusal of the reload channel (the
/// time of each attempt written down), or 404.
fn answer_while_the_server_is_gone(stream: TcpStream, page: &str, attempts: &Mutex<Vec<Instant>>) {
    let mut stream = stream;
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut first = String::new();
    if reader.read_line(&mut first).unwrap_or(0) == 0 {
        return;
    }
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
    }
    let target = first.split_whitespace().nth(1).unwrap_or("");
    let answer = if target.starts_with("/_opsbook/reload") {
        attempts.lock().unwrap().push(Instant::now());
        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            .to_string()
    } else if target == "/alpha.html" {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
            page.len()
        )
    } else {
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string()
    };
    let _ = stream.write_all(answer.as_bytes());
}

/// While the server is gone, an open page tries its reload channel again and again, waiting
/// longer each time (half a second, doubled each time, at most five), each wait drawn at
/// random between half of it and all of it, so that many tabs do not all come back at once.
/// The test serves the page (as `serve` sent it) itself and refuses the channel, to see every
/// attempt.
#[test]
fn w5_reload_channel_reconnects_with_jittered_backoff_up_to_five_seconds() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let Some(browser) = chromium() else { return };
    let book = book();
    let page = {
        let served = Served::start(&book);
        served.get("/alpha.html").body
    };
    assert!(page.contains("/_opsbook/reload"));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let attempts = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let server = {
        let (attempts, stop) = (attempts.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (attempts, page) = (attempts.clone(), page.clone());
                        std::thread::spawn(move || {
                            answer_while_the_server_is_gone(stream, &page, &attempts)
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        })
    };
    let browser = open_in_chromium(&browser, &format!("http://127.0.0.1:{port}/alpha.html"));
    // Chromium may take a while to start on a busy machine; the attempts then take at most
    // 17.5 s (the six longest waits).
    wait_until("the page's first attempt", || {
        !attempts.lock().unwrap().is_empty()
    });
    let first = Instant::now();
    while attempts.lock().unwrap().len() < 7 {
        assert!(
            first.elapsed() < Duration::from_secs(40),
            "attempts so far: {:?}",
            attempts.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(browser);
    stop.store(true, Ordering::SeqCst);
    server.join().unwrap();

    let attempts = attempts.lock().unwrap().clone();
    let gaps: Vec<Duration> = attempts.windows(2).map(|w| w[1] - w[0]).collect();
    eprintln!("waits between attempts: {gaps:?}");
    // The wait before attempt k+1 is drawn from [d/2, d] for d = 0.5 s doubled up to 5 s;
    // above it, some room for a busy machine.
    let slack = Duration::from_millis(1500);
    let mut below_full = 0;
    for (gap, d) in gaps.iter().zip([500u64, 1000, 2000, 4000, 5000, 5000]) {
        let d = Duration::from_millis(d);
        assert!(*gap >= d / 2 - Duration::from_millis(10), "{gaps:?}");
        assert!(*gap <= d + slack, "{gaps:?}");
        below_full += usize::from(*gap < d * 9 / 10);
    }
    assert!(
        gaps.iter().all(|g| *g <= Duration::from_secs(5) + slack),
        "{gaps:?}"
    );
    // Jitter: not every wait is the full step (all six would be in the top tenth by chance
    // once in a million runs).
    assert!(below_full > 0, "no jitter: {gaps:?}");
}

/// A broken edit shows an overlay on an open page, naming the file and line, with the
/// problem as text: markup in it (here from a link as written) is shown, never run.
#[test]
fn w4_serve_overlay_names_the_problem_as_text() {
    let Some(browser) = chromium() else { return };
    let book = book();
    let served = Served::start(&book);
    let events = served.events();
    book.file(
        "content/alpha.md",
        "---\ntitle: Alpha\nowner: \"@ops\"\nlast_reviewed: 2026-11-01\n---\nSee [x](a<img/src=x/onerror=document.body.setAttribute('data-pwned','1')>.md).\n",
    );
    let error = events.expect("error");
    assert!(error.to_string().contains("content/alpha.md"), "{error}");
    let profile = tempfile::tempdir().unwrap();
    let mut child = KillOnDrop(
        Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--timeout=5000",
                "--dump-dom",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!("http://127.0.0.1:{}/alpha.html", served.port))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromium"),
    );
    let mut stdout = child.0.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut dom = String::new();
        let _ = stdout.read_to_string(&mut dom);
        dom
    });
    wait_until("chromium to dump the page", || {
        child.0.try_wait().unwrap().is_some()
    });
    let dom = reader.join().unwrap();
    let overlay = &dom[dom
        .find("id=\"opsbook-serve-overlay\"")
        .unwrap_or_else(|| panic!("no overlay: {dom}"))..];
    assert!(overlay.contains("content/alpha.md:6"), "{overlay}");
    assert!(overlay.contains("&lt;img/src=x"), "{overlay}");
    assert!(!dom.contains("data-pwned=\""), "{dom}");
    // The last good page is still the one shown under the overlay.
    assert!(dom.contains("Alpha text, first version."));
}

/// Slow clients (slowloris): hundreds of connections trickling a request head, more than
/// the server reads at once, do not keep a normal client waiting, do not cost a thread each,
/// and are closed once the head timeout has passed.
#[test]
fn s11_serve_answers_a_normal_client_while_slow_clients_trickle_headers() {
    use opsbook::serve::connections::{HEAD_TIMEOUT, MAX_CONNECTIONS};
    let book = book();
    let served = Served::start(&book);
    let port = served.port;
    let slow_count = MAX_CONNECTIONS + 172;
    let started = Instant::now();
    let mut slow: Vec<Option<(TcpStream, Vec<u8>)>> = (0..slow_count)
        .map(|_| {
            let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
            let _ = s.write_all(b"GET /");
            Some((s, Vec::new()))
        })
        .collect();
    // One byte a second on every socket, from this thread.
    let trickle = |slow: &mut Vec<Option<(TcpStream, Vec<u8>)>>| {
        for (s, _) in slow.iter_mut().flatten() {
            let _ = s.write_all(b"a");
        }
    };
    std::thread::sleep(Duration::from_millis(500));
    trickle(&mut slow);

    let asked = Instant::now();
    let page = served.get("/alpha.html");
    let waited = asked.elapsed();
    assert_eq!(page.status, 200, "{page:?}");
    assert!(page.body.contains("Alpha text"));
    eprintln!("a normal GET beside {slow_count} slow clients took {waited:?}");
    // RELIABILITY S11: under a second. A debug build takes a few milliseconds here, some
    // tens with every other serve test running on two cores.
    assert!(waited < Duration::from_secs(1), "took {waited:?}");
    #[cfg(target_os = "linux")]
    {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", served.child.id())).unwrap();
        let threads: usize = status
            .lines()
            .find_map(|l| l.strip_prefix("Threads:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap();
        // Connections, the build's thread pool (one per core) and a handful more: accept,
        // build, heartbeat, watcher, Ctrl-C.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert!(threads <= MAX_CONNECTIONS + cores + 16, "{threads} threads");
    }

    // Every slow socket is closed by the server: those it read until the head timeout passed
    // with a 408, those beyond the limit earlier, without an answer.
    let mut answered_408 = 0;
    let mut open = slow_count;
    let limit = HEAD_TIMEOUT + Duration::from_secs(20);
    while open > 0 {
        assert!(
            started.elapsed() < limit,
            "{open} slow connections still open after {limit:?}"
        );
        std::thread::sleep(Duration::from_secs(1));
        trickle(&mut slow);
        for entry in slow.iter_mut() {
            let Some((s, bytes)) = entry else { continue };
            s.set_nonblocking(true).unwrap();
            let closed = loop {
                let mut chunk = [0u8; 1024];
                match s.read(&mut chunk) {
                    Ok(0) => break true,
                    Ok(n) => bytes.extend_from_slice(&chunk[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break false,
                    Err(_) => break true,
                }
            };
            // Whatever came is (the start of) a 408.
            let n = bytes.len().min(13);
            assert_eq!(
                &bytes[..n],
                &b"HTTP/1.1 408 "[..n],
                "{}",
                String::from_utf8_lossy(bytes)
            );
            if closed {
                if bytes.starts_with(b"HTTP/1.1 408 ") {
                    answered_408 += 1;
                }
                *entry = None;
                open -= 1;
            } else {
                s.set_nonblocking(false).unwrap();
            }
        }
    }
    assert!(answered_408 > 0);
    assert!(started.elapsed() >= HEAD_TIMEOUT);
    assert!(HEAD_TIMEOUT <= Duration::from_secs(10), "{HEAD_TIMEOUT:?}");
    assert_eq!(served.get("/alpha.html").status, 200);
}

/// Out of file descriptors, the server cannot accept connections for a while; it must go on
/// once some are free (tiny_http's accept loop ended for good on the first such error).
#[cfg(unix)]
#[test]
fn serve_keeps_accepting_after_running_out_of_file_descriptors() {
    let book = book();
    let served = Served::start_with_file_limit(&book, 64);
    let port = served.port;
    assert_eq!(served.get("/alpha.html").status, 200);
    // More idle connections than the server has descriptors left.
    let idle: Vec<TcpStream> = (0..100)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    drop(idle);
    // Served again once descriptors are free (a moment, while the server closes the idle
    // connections and accepts those still queued).
    wait_until("a page again", || served.get("/alpha.html").status == 200);
    assert!(
        served
            .stderr()
            .iter()
            .any(|l| l.contains("could not accept a connection")),
        "{:?}",
        served.stderr()
    );
}

/// Browsers keep connections open: several requests on one, a HEAD without a body, and
/// HTTP/1.0 closing unless asked not to.
#[test]
fn serve_answers_several_requests_on_one_connection() {
    let book = book();
    let served = Served::start(&book);
    let port = served.port;
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    // Two requests in one write (pipelined), then a third after the answers.
    write!(
        stream,
        "GET /alpha.html HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\nHEAD /alpha.html HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    )
    .unwrap();
    let read_answer = |reader: &mut BufReader<TcpStream>, with_body: bool| {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            assert!(reader.read_line(&mut line).unwrap() > 0, "closed early");
            if line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let length: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse().unwrap())
            })
            .unwrap_or_else(|| panic!("no Content-Length: {head}"));
        let mut body = vec![0; if with_body { length } else { 0 }];
        reader.read_exact(&mut body).unwrap();
        (head, String::from_utf8(body).unwrap(), length)
    };
    let (head, body, length) = read_answer(&mut reader, true);
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    assert!(body.contains("Alpha text"));
    let (head, body, head_length) = read_answer(&mut reader, false);
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    assert!(body.is_empty());
    assert_eq!(head_length, length);
    write!(
        stream,
        "GET /runbooks/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let (head, _, _) = read_answer(&mut reader, true);
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    assert!(head.to_ascii_lowercase().contains("connection: close"));
    let mut rest = Vec::new();
    assert_eq!(reader.read_to_end(&mut rest).unwrap(), 0, "closed after it");

    let old = raw(
        port,
        format!("GET /alpha.html HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n").as_bytes(),
    );
    assert!(old.head.starts_with("HTTP/1.0 200 "), "{}", old.head);
    assert!(old.body.contains("Alpha text"));
}

/// A rebuild with hundreds of problems gives an event of hundreds of kilobytes; an open page
/// gets all of it (what its socket does not take at once is written as the page reads; see
/// `reload::tests` for that part).
#[test]
fn w4_serve_sends_a_large_error_event_whole() {
    let book = book();
    let served = Served::start(&book);
    let events = served.events();
    let links: String = (0..600)
        .map(|k| format!("See [page {k}](missing-page-number-{k:04}.md).\n\n"))
        .collect();
    book.file(
        "content/alpha.md",
        &format!("---\ntitle: Alpha\nowner: \"@ops\"\nlast_reviewed: 2026-11-01\n---\n{links}"),
    );
    let error = events.expect("error");
    let problems = error["errors"].as_array().unwrap();
    assert_eq!(problems.len(), 600, "{}", error.to_string().len());
    assert!(error.to_string().len() > 100_000);
    assert!(problems
        .iter()
        .all(|p| p["kind"] == "broken-link" && p["path"] == "content/alpha.md"));
}

/// `--host 0.0.0.0` says that the handbook is visible on the network. Other machines reach it
/// by an IP address of this one, so any IP-literal Host is accepted; names other than
/// localhost are still refused (DNS rebinding needs a name), and the reload channel wants the
/// origin the page came from. The test talks over loopback only.
#[test]
fn s6_serve_on_every_interface_warns_and_accepts_ip_addresses_only() {
    let book = book();
    let served = Served::start_with(&book, &["--host", "0.0.0.0"]);
    let port = served.port;
    wait_until("the warning", || {
        served
            .stderr()
            .iter()
            .any(|l| l.contains("the handbook is now visible to every machine"))
    });
    let with_host = |host: &str, target: &str, extra: &str| {
        raw(
            port,
            format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{extra}\r\n")
                .as_bytes(),
        )
    };
    let lan = format!("192.168.1.23:{port}");
    assert_eq!(with_host(&lan, "/alpha.html", "").status, 200);
    assert_eq!(
        with_host(&format!("[fd00::23]:{port}"), "/", "").status,
        200
    );
    assert_eq!(with_host(&format!("localhost:{port}"), "/", "").status, 200);
    let named = with_host(&format!("evil.example:{port}"), "/", "");
    assert_eq!(named.status, 403);
    assert!(named.body.contains("IP addresses"), "{}", named.body);
    assert_eq!(with_host("192.168.1.23:1", "/", "").status, 403);
    // The reload channel: the page's own origin only.
    let channel = |origin: &str| {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "GET /_opsbook/reload HTTP/1.1\r\nHost: {lan}\r\nOrigin: {origin}\r\n\r\n"
        )
        .unwrap();
        let mut line = String::new();
        BufReader::new(stream).read_line(&mut line).unwrap();
        line
    };
    assert!(channel(&format!("http://{lan}")).starts_with("HTTP/1.1 200 "));
    assert!(channel(&format!("http://10.0.0.5:{port}")).starts_with("HTTP/1.1 403 "));
    assert!(channel("http://10.0.0.5").starts_with("HTTP/1.1 403 "));
}

/// The default binding is loopback only, on the printed address and nowhere else.
#[cfg(target_os = "linux")]
#[test]
fn s6_serve_listens_only_on_the_printed_loopback_address() {
    let book = book();
    let served = Served::start(&book);
    assert_eq!(served.get("/").status, 200);
    // Another loopback address of the same machine: nothing listens there.
    let other = TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 2], served.port)),
        Duration::from_secs(5),
    );
    assert!(other.is_err(), "{other:?}");
}

/// `--open` runs the command in BROWSER with the URL that is served.
#[cfg(unix)]
#[test]
fn serve_open_opens_the_served_url_with_the_browser_command() {
    use std::os::unix::fs::PermissionsExt;
    let book = book();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("browser.sh");
    let opened = dir.path().join("opened.txt");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{0}.tmp' && mv '{0}.tmp' '{0}'\n",
            opened.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let browser = format!("{} --new-tab %s", script.display());
    let served = Served::start_with_env(&book, &["--open"], &[("BROWSER", &browser)]);
    wait_until("the browser command", || opened.exists());
    assert_eq!(
        std::fs::read_to_string(&opened).unwrap(),
        format!("--new-tab\nhttp://127.0.0.1:{}/\n", served.port)
    );
    // A command that cannot start: a warning with the URL, and the server keeps serving.
    let missing = dir.path().join("no-such-browser");
    let served = Served::start_with_env(
        &book,
        &["--open"],
        &[("BROWSER", &missing.display().to_string())],
    );
    wait_until("the warning", || {
        served
            .stderr()
            .iter()
            .any(|l| l.starts_with("warning: could not open a browser"))
    });
    let warning = served
        .stderr()
        .into_iter()
        .find(|l| l.starts_with("warning: could not open a browser"))
        .unwrap();
    assert!(
        warning.ends_with(&format!("open http://127.0.0.1:{}/ yourself", served.port)),
        "{warning}"
    );
    assert_eq!(served.get("/").status, 200);
}

/// When the system's watcher cannot start (here simulated: the real inotify limit is the
/// machine's), the server says so, with the sysctl hint, and polls: edits still show up.
#[test]
fn w3_serve_falls_back_to_polling_when_the_system_watcher_fails() {
    let book = book();
    let served = Served::start_with_env(&book, &[], &[("OPSBOOK_SIMULATE_WATCH_LIMIT", "1")]);
    let failed = |l: &String| l.starts_with("warning: the system's file watcher failed (");
    // The warning and its hint come before the stdout line, but stderr is read by a thread.
    wait_until("the warning and its hint", || {
        let stderr = served.stderr();
        stderr
            .iter()
            .position(failed)
            .is_some_and(|at| stderr.len() > at + 1)
    });
    let stderr = served.stderr();
    let warning = stderr.iter().position(failed).unwrap();
    assert!(
        stderr[warning].contains("OS file watch limit reached")
            && stderr[warning].ends_with("polling for changes instead"),
        "{}",
        stderr[warning]
    );
    assert!(stderr[warning + 1].contains("fs.inotify.max_user_watches"));
    let events = served.events();
    book.file(
        "content/alpha.md",
        "---\ntitle: Alpha\nowner: \"@ops\"\nlast_reviewed: 2026-11-01\n---\nSeen by polling.\n",
    );
    events.expect("reload");
    assert!(served.get("/alpha.html").body.contains("Seen by polling."));
    book.file(
        "content/delta.md",
        "---\ntitle: Delta\nowner: \"@ops\"\nlast_reviewed: 2026-11-01\n---\nNew while polling.\n",
    );
    events.expect("reload");
    assert!(served
        .get("/delta.html")
        .body
        .contains("New while polling."));
}

/// The relative URLs of a page as served (stylesheets, scripts, links), resolved the way a
/// browser does against `base`; fragment-only links are kept whole.
fn page_urls(html: &str, base: &str) -> Vec<String> {
    let mut urls = Vec::new();
    for attr in ["href=\"", "src=\""] {
        for (at, _) in html.match_indices(attr) {
            let rest = &html[at + attr.len()..];
            let url = &rest[..rest.find('"').unwrap()];
            if url.is_empty() || url.contains("://") {
                continue;
            }
            urls.push(if url.starts_with('/') {
                url.to_string()
            } else {
                format!("{base}{url}")
            });
        }
    }
    urls
}

/// A missing page at any depth gets the site's 404 page with every link working: its URLs
/// are relative to the site's root, so the server gives it a base there.
#[test]
fn serve_deep_404_links_resolve_against_the_root() {
    let book = book();
    book.file(
        "book.toml",
        "[book]\ntitle = \"Serve\"\n[build]\nsite-url = \"https://handbook.example/\"\n",
    );
    let served = Served::start(&book);
    let missing = served.get("/a/b/missing.html");
    assert_eq!(missing.status, 404);
    let html = &missing.body;
    let base = html.find("<base href=\"/\">").expect("a base at the root");
    assert!(
        base < html.find("<link rel=\"stylesheet\"").unwrap(),
        "the base comes before the first relative URL"
    );
    assert!(
        !html.contains("handbook.example/\">"),
        "the published base is gone"
    );
    let urls = page_urls(html, "/");
    assert!(urls.iter().any(|u| u.starts_with("/_opsbook/opsbook.css")));
    assert!(urls.iter().any(|u| u.starts_with("/_opsbook/nav.js")));
    for url in &urls {
        if let Some((page, _fragment)) = url.split_once('#') {
            // The skip link stays on this page.
            assert_eq!(page, "/a/b/missing.html", "{url}");
            continue;
        }
        assert_eq!(served.get(url).status, 200, "{url}");
    }
    // The same page at the root is the built 404.html with the base added.
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 0, "{stderr}");
    let top = served.get("/missing.html");
    assert_eq!(
        without_script(&top.body),
        book.read("404.html")
            .replace("<base href=\"https://handbook.example/\">", "")
            .replacen("<head>", "<head><base href=\"/\">", 1)
            .replace("href=\"#content\"", "href=\"/missing.html#content\"")
    );
}

/// In a browser, the deep 404 page loads the stylesheet and the scripts from the root (the
/// server's debug log shows each request).
#[test]
fn serve_deep_404_is_styled_in_a_browser() {
    let Some(browser) = chromium() else { return };
    let book = book();
    let served = Served::start_with(&book, &["-vv"]);
    let _browser = open_in_chromium(
        &browser,
        &format!("http://127.0.0.1:{}/a/b/missing.html", served.port),
    );
    let requested = |prefix: &str| {
        served
            .stderr()
            .iter()
            .any(|l| l.contains(&format!("GET {prefix}")))
    };
    wait_until("the stylesheet and the scripts", || {
        requested("/_opsbook/opsbook.css?v=")
            && requested("/_opsbook/nav.js?v=")
            && requested("/_opsbook/opsbook.js?v=")
    });
    wait_until("the page's reload channel", || {
        served.lines_ending("reload channel opened") >= 1
    });
    assert!(!requested("/a/b/_opsbook/"), "{:?}", served.stderr());
}

/// owners.yml is watched like book.toml: a team's name shows on its page after a save.
#[test]
fn serve_rebuilds_for_owners_yml() {
    let book = book();
    let served = Served::start(&book);
    let events = served.events();
    book.file(
        "owners.yml",
        "\"@ops\":\n  name: Operations guild\n  contact: \"#ops-oncall\"\n",
    );
    events.expect("reload");
    let page = served.get("/alpha.html");
    assert!(page.body.contains("Operations guild"), "{}", page.body);
}

/// Deleting a page that another links to is a broken link: the last good site stays served
/// (the deleted page too) and the problem names the linking file and line; restoring the
/// page builds again.
#[test]
fn w4_serve_keeps_the_last_good_site_when_a_linked_page_is_deleted() {
    let book = book();
    let served = Served::start(&book);
    let events = served.events();
    let alpha = std::fs::read_to_string(book.root().join("content/alpha.md")).unwrap();
    std::fs::remove_file(book.root().join("content/alpha.md")).unwrap();
    let error = events.expect("error");
    assert!(
        error["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["path"] == "content/runbooks/db.md"
                && p["line"] == 6
                && p["kind"] == "broken-link"),
        "{error}"
    );
    assert!(served.get("/alpha.html").body.contains("Alpha text"));
    book.file("content/alpha.md", &alpha);
    events.expect("reload");
    assert_eq!(served.get("/runbooks/db.html").status, 200);
}

/// Runs git in `dir`, quietly; panics when it fails.
fn git(dir: &std::path::Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args(["-c", "commit.gpgsign=false", "-c", "core.autocrlf=false"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// W2: `git checkout` between two branches that differ in 1,000 files (950 edited, 50
/// deleted, 50 added in a new folder), ten times, under a running server: at most two builds
/// each, and each time the served site is the clean build of the checked-out tree, file for
/// file, with the other branch's pages gone.
#[test]
fn w2_git_checkout_of_a_thousand_files_ten_times() {
    let book = book();
    let root = book.root();
    let page = |version: &str, k: usize| {
        format!(
            "---\ntitle: Storm page {k}\nowner: \"@ops\"\nlast_reviewed: 2026-11-01\n---\n\nVersion {version} of page {k}. Back to [alpha](../../alpha.md).\n\n- [x] checked in {version}\n"
        )
    };
    let path = |k: usize| format!("content/storm/d{}/p{:03}.md", k / 100, k % 100);
    for k in 0..1000 {
        book.file(&path(k), &page("A", k));
    }
    book.file(".gitignore", "book/\n.opsbook-cache/\n");
    git(root, &["init", "-q", "-b", "a"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "a"]);
    git(root, &["checkout", "-q", "-b", "b"]);
    for k in 0..1000 {
        if k % 20 == 7 {
            std::fs::remove_file(root.join(path(k))).unwrap();
        } else {
            book.file(&path(k), &page("B", k));
        }
    }
    for k in 0..50 {
        book.file(
            &format!("content/storm/extra/e{k:02}.md"),
            &page("B", 1000 + k),
        );
    }
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "b"]);

    // The clean build of each branch, made in a copy.
    let mut clean = std::collections::HashMap::new();
    for branch in ["a", "b"] {
        git(root, &["checkout", "-q", branch]);
        clean.insert(branch, crate::support::clean_build_in_copy(root));
    }

    let served = Served::start(&book);
    let events = served.events();
    for round in 0..10 {
        let branch = if round % 2 == 0 { "a" } else { "b" };
        let before = served.builds_tried();
        git(root, &["checkout", "-q", branch]);
        // A busy machine may build while git is still writing, then again once it is done:
        // the site must end up as the clean build, by the reload of at most a second build.
        // (The debug binary takes seconds for these thousand pages on a loaded machine.)
        let expected = clean[branch].path().join("book");
        loop {
            events.until_within("reload", Duration::from_secs(90));
            while events.quiet_for(Duration::from_millis(700)).is_some() {}
            let builds = served.builds_tried() - before;
            assert!(
                (1..=2).contains(&builds),
                "checkout {round} of {branch}: {builds} builds\n{:?}",
                served.stderr()
            );
            match served_difference(&served, &expected) {
                None => break,
                Some(difference) => assert!(
                    builds < 2,
                    "checkout {round} of {branch}, after {builds} builds: {difference}"
                ),
            }
        }
        let (gone, kept) = if branch == "a" {
            ("/storm/extra/e07.html", "/storm/d0/p007.html")
        } else {
            ("/storm/d0/p007.html", "/storm/extra/e07.html")
        };
        assert_eq!(
            served.get(gone).status,
            404,
            "{gone} after checkout {round}"
        );
        assert_eq!(
            served.get(kept).status,
            200,
            "{kept} after checkout {round}"
        );
    }
}

/// `serve` and `build` of the same handbook at once: the server builds into a folder of its
/// own and takes no lock on the build output, so the build neither waits nor fails, its output
/// is a clean build's, and the server serves that same site, never a mix.
#[test]
fn b2_serve_and_build_of_one_handbook_never_write_the_same_output() {
    use crate::support::{assert_same_tree, snapshot_tree};
    let book = book();
    let (code, stderr) = book.cli_build();
    assert_eq!(code, 0, "{stderr}");
    let built = snapshot_tree(&book.out());
    let served = Served::start(&book);
    let events = served.events();
    // Serving leaves the build output and its lock alone.
    assert_same_tree(&built, &snapshot_tree(&book.out()));
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(book.root().join(".book.opsbook-lock"))
        .unwrap();
    lock.try_lock()
        .expect("serve holds no lock on the build output");
    lock.unlock().unwrap();
    drop(lock);
    // An edit: the server rebuilds while a build of the same handbook runs.
    book.file(
        "content/alpha.md",
        "---\ntitle: Alpha\nowner: \"@ops\"\nlast_reviewed: 2026-11-01\n---\nEdited while both run.\n",
    );
    let (code, stderr) = std::thread::scope(|scope| {
        let build = scope.spawn(|| book.cli_build());
        events.expect("reload");
        build.join().unwrap()
    });
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("Waiting"), "{stderr}");
    assert!(book.read("alpha.html").contains("Edited while both run."));
    assert!(served
        .get("/alpha.html")
        .body
        .contains("Edited while both run."));
    // Both are a clean build of the handbook as it is now.
    assert_served_equals_a_clean_build(&served, &book);
}

/// An alias bomb saved into a page while serving: the open pages hear of it (the repetition
/// limit, the file and a line of its front matter), and the other pages, and the last good
/// version of that one, are still served.
#[test]
fn y1_serve_keeps_serving_when_a_page_becomes_an_alias_bomb() {
    let book = book();
    let served = Served::start(&book);
    let events = served.events();
    let before = without_script(&served.get("/alpha.html").body);
    let mut bomb = String::from("---\ntitle: Alpha\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let refs = vec![format!("*{}", w[0]); 9].join(",");
        bomb.push_str(&format!("{}: &{} [{refs}]\n", w[1], w[1]));
    }
    bomb.push_str("---\nBoom.\n");
    let saved = Instant::now();
    book.file("content/alpha.md", &bomb);
    let error = events.expect("error");
    eprintln!(
        "the error reached the page {:?} after the save",
        saved.elapsed()
    );
    assert!(
        error["errors"].as_array().unwrap().iter().any(|p| {
            p["path"] == "content/alpha.md"
                && (2..=11).contains(&p["line"].as_u64().unwrap())
                && p["message"]
                    .as_str()
                    .unwrap()
                    .contains("repetition limit exceeded")
        }),
        "{error}"
    );
    assert_eq!(without_script(&served.get("/alpha.html").body), before);
    for url in ["/", "/runbooks/db.html", "/catalog.json"] {
        assert_eq!(served.get(url).status, 200, "{url}");
    }
}
