//! Answering one HTTP request: the Host and Origin checks, the reload channel, files of the
//! current build with the reload script added to HTML, the site's 404 page.
//!
//! Only files of the build output are served ([`super::resolve`]); no CORS header is ever
//! sent; a `Host` other than the bound address, `localhost` or `--host` is refused, so a page
//! on another site cannot read the handbook through DNS rebinding.

use super::reload::{self, Hub, Status, RELOAD_PATH};
use super::resolve::{self, Located, Refusal};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use tiny_http::{Header, Method, Request, Response, StatusCode};

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
}

impl Context {
    /// Whether a `Host` header value names this server.
    pub fn host_allowed(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let (name, port) = match host.rsplit_once(':') {
            Some((name, port)) if !port.contains(']') => (name, port.parse::<u16>().ok()),
            _ => (host.as_str(), Some(80)),
        };
        if port != Some(self.port) {
            return false;
        }
        if name == "localhost" || self.hosts.iter().any(|h| h == name) {
            return true;
        }
        let ip = name.trim_start_matches('[').trim_end_matches(']');
        match ip.parse::<IpAddr>() {
            Ok(ip) => ip.is_loopback() || self.any_ip,
            Err(_) => false,
        }
    }

    /// Whether an `Origin` header value is this server (the reload channel's check).
    pub fn origin_allowed(&self, origin: &str) -> bool {
        origin
            .strip_prefix("http://")
            .is_some_and(|host| !host.contains('/') && self.host_allowed(host))
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes())
        .unwrap_or_else(|_| Header::from_bytes(&b"X-Invalid"[..], &b"1"[..]).expect("valid"))
}

fn text(status: u16, body: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    Response::from_data(body.as_bytes().to_vec())
        .with_status_code(StatusCode(status))
        .with_header(header("Content-Type", "text/plain; charset=utf-8"))
        .with_header(header("Cache-Control", "no-store"))
        .with_header(header("X-Content-Type-Options", "nosniff"))
}

fn request_header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

/// More headers, or more bytes of them, than any browser sends: refused with 431.
const MAX_HEADERS: usize = 100;
const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Answers one request. Errors writing the answer (a closed socket) are ignored.
pub fn handle(request: Request, ctx: &Context) {
    let header_bytes: usize = request
        .headers()
        .iter()
        .map(|h| h.field.as_str().as_str().len() + h.value.as_str().len() + 4)
        .sum();
    if request.headers().len() > MAX_HEADERS || header_bytes > MAX_HEADER_BYTES {
        let _ = request.respond(text(431, "431 Request Header Fields Too Large\n"));
        return;
    }
    let hosts: Vec<&str> = request
        .headers()
        .iter()
        .filter(|h| h.field.equiv("Host"))
        .map(|h| h.value.as_str())
        .collect();
    if hosts.len() != 1 || !ctx.host_allowed(hosts[0]) {
        log::info!("refused Host {:?} for {}", hosts, request.url());
        let _ = request.respond(text(
            403,
            "403 Forbidden: this server answers only to its own address (localhost)\n",
        ));
        return;
    }
    if !matches!(request.method(), Method::Get | Method::Head) {
        let _ = request.respond(
            text(405, "405 Method Not Allowed\n").with_header(header("Allow", "GET, HEAD")),
        );
        return;
    }
    let target = request.url().to_string();
    log::debug!("{} {target}", request.method());
    let path = target.split_once('?').map_or(target.as_str(), |(p, _)| p);
    if path == RELOAD_PATH {
        if let Some(origin) = request_header(&request, "Origin") {
            if !ctx.origin_allowed(origin) {
                log::info!("refused the reload channel to Origin {origin:?}");
                let _ = request.respond(text(403, "403 Forbidden: foreign Origin\n"));
                return;
            }
        }
        log::info!("reload channel opened");
        ctx.hub.subscribe(request.into_writer());
        return;
    }
    let resolved = match resolve::resolve_url(&target) {
        Ok(r) => r,
        Err(Refusal::BadRequest) => {
            let _ = request.respond(text(400, "400 Bad Request\n"));
            return;
        }
        Err(Refusal::TooLong) => {
            let _ = request.respond(text(414, "414 URI Too Long\n"));
            return;
        }
        Err(Refusal::NotFound) => {
            not_found(request, ctx);
            return;
        }
    };
    // The status before the folder: a page may then name an older build than its content
    // (one extra reload), never a newer one (a missed reload).
    let status = ctx.hub.status();
    let root = ctx.root.read().unwrap_or_else(|e| e.into_inner()).clone();
    match resolve::locate(&root, &resolved) {
        Some(Located::File(file)) => serve_file(request, ctx, &file, &status),
        Some(Located::Folder) => {
            let query = target
                .split_once('?')
                .map_or(String::new(), |(_, q)| format!("?{q}"));
            // The target passed `resolve_url`: no control characters, safe in a header.
            let location = format!("{path}/{query}");
            let _ = request.respond(
                text(301, "301 Moved Permanently\n").with_header(header("Location", &location)),
            );
        }
        None => not_found(request, ctx),
    }
}

fn serve_file(request: Request, ctx: &Context, file: &std::path::Path, status: &Status) {
    let Ok(bytes) = std::fs::read(file) else {
        // Swapped away by a rebuild between the lookup and the read.
        not_found(request, ctx);
        return;
    };
    let content_type = resolve::content_type(file);
    let body = if content_type.starts_with("text/html") {
        let html = String::from_utf8_lossy(&bytes);
        reload::inject(&html, status).into_bytes()
    } else {
        bytes
    };
    let _ = request.respond(
        Response::from_data(body)
            .with_header(header("Content-Type", content_type))
            .with_header(header("Cache-Control", "no-store"))
            .with_header(header("X-Content-Type-Options", "nosniff")),
    );
}

/// The site's own 404 page, with the reload script; a plain one while no build succeeded.
fn not_found(request: Request, ctx: &Context) {
    let status = ctx.hub.status();
    let root = ctx.root.read().unwrap_or_else(|e| e.into_inner()).clone();
    let html = std::fs::read_to_string(root.join("404.html")).unwrap_or_else(|_| {
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Not found</title></head><body><h1>Not found</h1><p>This page is not part of the handbook, or the handbook has not built yet.</p></body></html>".into()
    });
    let _ = request.respond(
        Response::from_data(reload::inject(&html, &status).into_bytes())
            .with_status_code(StatusCode(404))
            .with_header(header("Content-Type", "text/html; charset=utf-8"))
            .with_header(header("Cache-Control", "no-store"))
            .with_header(header("X-Content-Type-Options", "nosniff")),
    );
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
        }
    }

    #[test]
    fn only_our_own_host_names_are_accepted() {
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
    fn the_reload_channel_wants_our_own_origin() {
        let c = ctx(&["127.0.0.1"], false);
        assert!(c.origin_allowed("http://127.0.0.1:3000"));
        assert!(c.origin_allowed("http://localhost:3000"));
        for bad in [
            "http://evil.example",
            "http://evil.example:3000",
            "http://10.0.0.5:3000",
            "null",
            "https://127.0.0.1:3000",
            "http://127.0.0.1:3000/x",
        ] {
            assert!(!c.origin_allowed(bad), "{bad}");
        }
    }
}
