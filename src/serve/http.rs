//! Answering one HTTP request: the Host and Origin checks, the reload channel, files of the
//! current build with the reload script added to HTML, the site's 404 page.
//!
//! Only files of the build output are served ([`super::resolve`]); no CORS header is ever
//! sent; a `Host` other than the bound address, `localhost` or `--host` is refused, so a page
//! on another site cannot read the handbook through DNS rebinding. [`handle`] only decides
//! the answer; [`super::connections`] reads the request and writes the answer.

use super::reload::{self, Hub, Status, RELOAD_PATH};
use super::request::Head;
use super::resolve::{self, Located, Refusal};
use super::response::Reply;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

/// What every request needs to know.
pub struct Context {
    /// The output folder of the build being served, canonical (it may not exist while no
    /// build has succeeded). Rebuilds write the other folder and then switch this one, so a
    /// request never meets a site half swapped.
    pub root: Arc<RwLock<PathBuf>>,
    pub port: u16,
    /// `Host` values accepted besides `localhost` and the loopback addresses, lowercase.
    pub hosts: Vec<String>,
    /// Bound to every interface: any IP-literal `Host` is fine (no DNS name, no rebinding).
    pub any_ip: bool,
    pub hub: Arc<Hub>,
    /// Called with the path of a file before it is served, for files written only when asked
    /// for (`print.html` after an edit of text).
    pub refresh: Option<Refresh>,
}

/// See [`Context::refresh`].
pub type Refresh = Box<dyn Fn(&str) + Send + Sync>;

/// A `Host` value (or the authority of an `Origin`) as a lowercase name and a port.
fn authority(host: &str) -> Option<(String, u16)> {
    let host = host.trim().to_ascii_lowercase();
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) if !port.contains(']') => (name.to_string(), port.parse().ok()?),
        _ => (host, 80),
    };
    (!name.is_empty()).then_some((name, port))
}

impl Context {
    /// Whether a `Host` header value names this server.
    pub fn host_allowed(&self, host: &str) -> bool {
        let Some((name, port)) = authority(host) else {
            return false;
        };
        if port != self.port {
            return false;
        }
        if name == "localhost" || self.hosts.contains(&name) {
            return true;
        }
        let ip = name.trim_start_matches('[').trim_end_matches(']');
        match ip.parse::<IpAddr>() {
            Ok(ip) => ip.is_loopback() || self.any_ip,
            Err(_) => false,
        }
    }

    /// Whether an `Origin` header value is this server as the request reached it (`host`, the
    /// request's `Host`): the reload channel's check. Same origin only, so that when bound to
    /// every interface a page served by another machine cannot listen in either.
    pub fn origin_allowed(&self, origin: &str, host: &str) -> bool {
        origin
            .strip_prefix("http://")
            .filter(|o| !o.contains('/'))
            .is_some_and(|o| self.host_allowed(o) && authority(o) == authority(host))
    }
}

/// What to answer.
pub enum Answer {
    Reply(Reply),
    /// Open a reload channel: the connection goes to the hub.
    Events,
}

/// Decides the answer to one request.
pub fn handle(request: &Head, ctx: &Context) -> Answer {
    let hosts: Vec<&str> = request.fields_named("Host").collect();
    if hosts.len() != 1 || !ctx.host_allowed(hosts[0]) {
        log::info!("refused Host {:?} for {}", hosts, request.target);
        let detail = if ctx.any_ip {
            "this server answers to its IP addresses and localhost, not to names"
        } else {
            "this server answers only to its own address (localhost)"
        };
        return Answer::Reply(Reply::text(403, detail));
    }
    let target = request.target.as_str();
    let path = target.split_once('?').map_or(target, |(p, _)| p);
    if path == RELOAD_PATH {
        if request.method != "GET" {
            return Answer::Reply(Reply::text(405, "").with("Allow", "GET"));
        }
        if let Some(origin) = request.field("Origin") {
            if !ctx.origin_allowed(origin, hosts[0]) {
                log::info!("refused the reload channel to Origin {origin:?}");
                return Answer::Reply(Reply::text(403, "foreign Origin"));
            }
        }
        log::info!("reload channel opened");
        return Answer::Events;
    }
    if !matches!(request.method.as_str(), "GET" | "HEAD") {
        return Answer::Reply(Reply::text(405, "").with("Allow", "GET, HEAD"));
    }
    log::debug!("{} {target}", request.method);
    let resolved = match resolve::resolve_url(target) {
        Ok(r) => r,
        Err(Refusal::BadRequest) => return Answer::Reply(Reply::text(400, "")),
        Err(Refusal::TooLong) => return Answer::Reply(Reply::text(414, "")),
        Err(Refusal::NotFound) => return Answer::Reply(not_found(path, ctx)),
    };
    // The status before the folder: a page may then name an older build than its content
    // (one extra reload), never a newer one (a missed reload).
    if let Some(refresh) = &ctx.refresh {
        refresh(&resolved.rel);
    }
    let status = ctx.hub.status();
    let root = ctx.root.read().unwrap_or_else(|e| e.into_inner()).clone();
    Answer::Reply(match resolve::locate(&root, &resolved) {
        Some(Located::File(file)) => serve_file(path, ctx, &file, &status),
        Some(Located::Folder) => {
            let query = target
                .split_once('?')
                .map_or(String::new(), |(_, q)| format!("?{q}"));
            // The target passed `resolve_url`: no control characters, safe in a header.
            let location = format!("{path}/{query}");
            Reply::text(301, "").with("Location", &location)
        }
        None => not_found(path, ctx),
    })
}

fn serve_file(path: &str, ctx: &Context, file: &std::path::Path, status: &Status) -> Reply {
    let Ok(bytes) = std::fs::read(file) else {
        // Swapped away by a rebuild between the lookup and the read.
        return not_found(path, ctx);
    };
    let content_type = resolve::content_type(file);
    let body = if content_type.starts_with("text/html") {
        let html = String::from_utf8_lossy(&bytes);
        reload::inject(&html, status).into_bytes()
    } else {
        bytes
    };
    Reply::new(200, content_type, body)
}

/// The site's own 404 page, with the reload script; a plain one while no build succeeded.
/// `path` is the path asked for, at whatever depth: see [`rooted`].
fn not_found(path: &str, ctx: &Context) -> Reply {
    let status = ctx.hub.status();
    let root = ctx.root.read().unwrap_or_else(|e| e.into_inner()).clone();
    let html = std::fs::read_to_string(root.join("404.html")).unwrap_or_else(|_| {
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Not found</title></head><body><h1>Not found</h1><p>This page is not part of the handbook, or the handbook has not built yet.</p></body></html>".into()
    });
    let html = reload::inject(&rooted(&html, path), &status);
    Reply::new(404, "text/html; charset=utf-8", html.into_bytes())
}

/// The 404 page as served at `path`: `404.html` is built for the site's root (relative links
/// such as `_opsbook/opsbook.css`) but answers any missing URL, `/a/b/missing.html` too. A
/// `<base href="/">` first thing in its head makes every relative URL, those its scripts
/// make included, resolve against the root; a `<base>` it has (the published `site_url`) is
/// dropped, since here the site is at `/`. Links to a fragment of the page itself
/// (`href="#content"`) name `path`, or the base would send them to the home page.
pub fn rooted(html: &str, path: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let mut text = String::with_capacity(html.len() + 64);
    let mut at = 0;
    while let Some(start) = tag_start(&lower, "<base", at) {
        text.push_str(&html[at..start]);
        at = lower[start..]
            .find('>')
            .map_or(html.len(), |end| start + end + 1);
    }
    text.push_str(&html[at..]);
    let page = crate::site::theme::escape_html(path);
    let text = text.replace("href=\"#", &format!("href=\"{page}#"));
    let lower = text.to_ascii_lowercase();
    // After the `<head>` tag, else after the doctype (never before it: quirks mode), else
    // first.
    let at = tag_start(&lower, "<head", 0)
        .and_then(|start| lower[start..].find('>').map(|end| start + end + 1))
        .or_else(|| {
            let doctype = lower.trim_start().starts_with("<!doctype");
            doctype
                .then(|| lower.find('>').map(|end| end + 1))
                .flatten()
        })
        .unwrap_or(0);
    format!("{}<base href=\"/\">{}", &text[..at], &text[at..])
}

/// Where a tag named `name` (given with its `<`, lowercase) starts in `lower` from `from`:
/// the name must end there (`<head>` or `<head ...`, not `<header>`).
fn tag_start(lower: &str, name: &str, from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(i) = lower[at..].find(name) {
        let start = at + i;
        let after = lower.as_bytes().get(start + name.len()).copied();
        if matches!(after, Some(b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r')) {
            return Some(start);
        }
        at = start + name.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::reload::Status;

    fn ctx(hosts: &[&str], any_ip: bool) -> Context {
        Context {
            root: Arc::new(RwLock::new(PathBuf::from("/nonexistent"))),
            port: 3000,
            hosts: hosts.iter().map(|h| h.to_string()).collect(),
            any_ip,
            hub: Arc::new(Hub::new(Status {
                build: "1".into(),
                errors: vec![],
            })),
            refresh: None,
        }
    }

    #[test]
    fn s7_only_our_own_host_names_are_accepted() {
        let c = ctx(&["127.0.0.1"], false);
        for ok in [
            "127.0.0.1:3000",
            "localhost:3000",
            "LOCALHOST:3000",
            "[::1]:3000",
        ] {
            assert!(c.host_allowed(ok), "{ok}");
        }
        for bad in [
            "evil.example:3000",
            "evil.example",
            "127.0.0.1:3001",
            "127.0.0.1",
            "localhost",
            "10.0.0.5:3000",
            "localhost.evil.example:3000",
            "",
            ":3000",
        ] {
            assert!(!c.host_allowed(bad), "{bad}");
        }
        let lan = ctx(&["0.0.0.0", "handbook.lan"], true);
        assert!(lan.host_allowed("10.0.0.5:3000"));
        assert!(lan.host_allowed("handbook.lan:3000"));
        assert!(!lan.host_allowed("evil.example:3000"));
    }

    #[test]
    fn s9_the_reload_channel_wants_our_own_origin() {
        let c = ctx(&["127.0.0.1"], false);
        let host = "127.0.0.1:3000";
        assert!(c.origin_allowed("http://127.0.0.1:3000", host));
        assert!(c.origin_allowed("http://LOCALHOST:3000", "localhost:3000"));
        for bad in [
            "http://evil.example",
            "http://evil.example:3000",
            "http://10.0.0.5:3000",
            "http://10.0.0.5",
            "null",
            "https://127.0.0.1:3000",
            "http://127.0.0.1:3000/x",
            // Ours, but not the origin the request came to.
            "http://localhost:3000",
        ] {
            assert!(!c.origin_allowed(bad, host), "{bad}");
        }
        // Bound to every interface: a page opened by the machine's LAN address may listen,
        // a page from another machine may not.
        let lan = ctx(&["0.0.0.0"], true);
        assert!(lan.origin_allowed("http://192.168.1.23:3000", "192.168.1.23:3000"));
        assert!(!lan.origin_allowed("http://10.0.0.5:3000", "192.168.1.23:3000"));
        assert!(!lan.origin_allowed("http://10.0.0.5", "192.168.1.23:3000"));
    }

    fn request(text: &str) -> Head {
        crate::serve::request::parse(text.as_bytes())
            .unwrap()
            .unwrap()
            .0
    }

    fn status(answer: Answer) -> u16 {
        match answer {
            Answer::Reply(r) => r.status,
            Answer::Events => 0,
        }
    }

    #[test]
    fn requests_are_answered_by_their_checks() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::write(root.join("index.html"), "<html><body>home</body></html>").unwrap();
        let mut c = ctx(&["127.0.0.1"], false);
        c.root = Arc::new(RwLock::new(root));
        let ask = |text: &str| status(handle(&request(text), &c));
        assert_eq!(ask("GET / HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n\r\n"), 200);
        assert_eq!(ask("HEAD / HTTP/1.1\r\nHost: localhost:3000\r\n\r\n"), 200);
        assert_eq!(ask("GET / HTTP/1.1\r\n\r\n"), 403);
        assert_eq!(
            ask("GET / HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nHost: 127.0.0.1:3000\r\n\r\n"),
            403
        );
        assert_eq!(
            ask("GET / HTTP/1.1\r\nHost: evil.example:3000\r\n\r\n"),
            403
        );
        assert_eq!(ask("POST / HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n\r\n"), 405);
        assert_eq!(ask("GET * HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n\r\n"), 400);
        assert_eq!(
            ask("GET /missing.html HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n\r\n"),
            404
        );
        let reload = "GET /_opsbook/reload HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n";
        assert_eq!(ask(&format!("{reload}\r\n")), 0);
        assert_eq!(
            ask(&format!("{reload}Origin: http://127.0.0.1:3000\r\n\r\n")),
            0
        );
        assert_eq!(
            ask(&format!("{reload}Origin: http://evil.example\r\n\r\n")),
            403
        );
        assert_eq!(
            ask("HEAD /_opsbook/reload HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n\r\n"),
            405
        );
    }

    #[test]
    fn the_404_page_resolves_its_links_against_the_root_at_any_depth() {
        let page = "<!DOCTYPE html>\n<html><head>\n<base href=\"https://handbook.example/\">\n<link rel=\"stylesheet\" href=\"_opsbook/opsbook.css\"></head><body><a class=\"skip-link\" href=\"#content\">Skip</a><header class=\"topbar\"><a href=\"index.html\">Home</a></header></body></html>";
        let out = rooted(page, "/a/b/missing\"<x>.html");
        assert_eq!(
            out,
            "<!DOCTYPE html>\n<html><head><base href=\"/\">\n\n<link rel=\"stylesheet\" href=\"_opsbook/opsbook.css\"></head><body><a class=\"skip-link\" href=\"/a/b/missing&quot;&lt;x&gt;.html#content\">Skip</a><header class=\"topbar\"><a href=\"index.html\">Home</a></header></body></html>"
        );
        // No head: after the doctype; nothing at all: first.
        assert_eq!(
            rooted("<!doctype html><p>x", "/x"),
            "<!doctype html><base href=\"/\"><p>x"
        );
        assert_eq!(rooted("<p>x", "/x"), "<base href=\"/\"><p>x");
        assert_eq!(
            rooted("<HEAD lang=en><BASE HREF=x>", "/x"),
            "<HEAD lang=en><base href=\"/\">"
        );
    }
}
