//! URL → file: which file of the build output a request target names, if any.
//!
//! Two pure steps. [`resolve_url`] checks the request target as text (origin form only,
//! percent-decoded exactly once, no `..`, no backslash, no NUL, no drive letter, no hidden
//! segment) and returns a relative path. [`locate`] then finds that path in the output folder,
//! following a folder to its `index.html` and refusing anything whose canonical path leaves
//! the folder (a symbolic link pointing outside). Neither reads anything but metadata.

use std::path::{Path, PathBuf};

/// Longest request target accepted; handbook URLs are far shorter.
pub const MAX_TARGET: usize = 2048;

/// Why a request target was refused; each maps to a status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not a well-formed origin-form target (400).
    BadRequest,
    /// Well formed, but names nothing the server will ever serve (404).
    NotFound,
    /// Longer than [`MAX_TARGET`] (414).
    TooLong,
}

/// A request target that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// Relative to the output folder, `/`-separated, never starting with `/`; empty for the
    /// root. Ends with `/` when the target did.
    pub rel: String,
}

/// Checks a raw request target (`/runbooks/db.html?q=x`) and returns the path it names.
pub fn resolve_url(target: &str) -> Result<Resolved, Refusal> {
    if target.len() > MAX_TARGET {
        return Err(Refusal::TooLong);
    }
    // Only origin form: absolute form (`http://evil/x`), authority form and `*` are refused,
    // and so is a network-path reference (`//evil/x`).
    if !target.starts_with('/') || target.starts_with("//") {
        return Err(Refusal::BadRequest);
    }
    if target.contains('#') {
        return Err(Refusal::BadRequest);
    }
    let path = target.split_once('?').map_or(target, |(p, _)| p);
    if path
        .bytes()
        .any(|b| b == b'\\' || b.is_ascii_control() || b == b' ' || b >= 0x80)
    {
        return Err(Refusal::BadRequest);
    }
    let decoded = percent_decode(path)?;
    let decoded = String::from_utf8(decoded).map_err(|_| Refusal::BadRequest)?;
    if decoded
        .chars()
        .any(|c| c == '\\' || c.is_control() || c == '\u{0}')
    {
        return Err(Refusal::BadRequest);
    }
    let inner = &decoded[1..];
    let trailing = inner.ends_with('/');
    let body = inner.strip_suffix('/').unwrap_or(inner);
    if body.is_empty() {
        return if inner.is_empty() {
            Ok(Resolved { rel: String::new() })
        } else {
            // `//` after decoding (`/%2f`).
            Err(Refusal::BadRequest)
        };
    }
    for segment in body.split('/') {
        match segment {
            "" | "." | ".." => return Err(Refusal::BadRequest),
            // A drive letter or an alternate data stream (`C:`, `page.html::$DATA`).
            s if s.contains(':') => return Err(Refusal::BadRequest),
            // Hidden files (the output's marker, a stray `.git`) are never part of the site,
            // and Windows ignores trailing dots and spaces (`page.html.`).
            s if s.starts_with('.') || s.ends_with('.') || s.ends_with(' ') => {
                return Err(Refusal::NotFound)
            }
            _ => {}
        }
    }
    let mut rel = body.to_string();
    if trailing {
        rel.push('/');
    }
    Ok(Resolved { rel })
}

/// Decodes `%XX` escapes once; an invalid escape is a bad request.
fn percent_decode(s: &str) -> Result<Vec<u8>, Refusal> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = |b: u8| (b as char).to_digit(16);
            let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            ) else {
                return Err(Refusal::BadRequest);
            };
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// What a resolved path is in the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Located {
    /// A file inside the output folder (canonical path).
    File(PathBuf),
    /// A folder named without its trailing slash: redirect to `rel/` so relative links work.
    Folder,
}

/// Finds a resolved path under `root`, which must be canonical. `None` when there is no such
/// file inside the folder, including when a symbolic link leads outside it.
pub fn locate(root: &Path, resolved: &Resolved) -> Option<Located> {
    let mut path = root.to_path_buf();
    for segment in resolved.rel.split('/').filter(|s| !s.is_empty()) {
        path.push(segment);
    }
    let meta = std::fs::metadata(&path).ok()?;
    if meta.is_dir() {
        if !resolved.rel.is_empty() && !resolved.rel.ends_with('/') {
            // Only worth a redirect when the folder really is the site's.
            let canonical = path.canonicalize().ok()?;
            return canonical.starts_with(root).then_some(Located::Folder);
        }
        path.push("index.html");
    } else if resolved.rel.ends_with('/') {
        // `page.html/` names a folder that is not there.
        return None;
    }
    let canonical = path.canonicalize().ok()?;
    if !canonical.starts_with(root) || !canonical.is_file() {
        return None;
    }
    Some(Located::File(canonical))
}

/// The `Content-Type` of a file served from the output, by extension.
pub fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "xml" => "application/xml",
        "txt" | "md" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "wasm" => "application/wasm",
        "csv" => "text/csv; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(rel: &str) -> Result<Resolved, Refusal> {
        Ok(Resolved { rel: rel.into() })
    }

    #[test]
    fn good_targets_resolve() {
        let cases = [
            ("/", ""),
            ("/index.html", "index.html"),
            ("/runbooks/db-failover.html", "runbooks/db-failover.html"),
            ("/runbooks/", "runbooks/"),
            ("/runbooks", "runbooks"),
            ("/index.html?q=disk+full", "index.html"),
            ("/a%20b.html", "a b.html"),
            ("/caf%C3%A9.html", "café.html"),
            ("/_opsbook/opsbook.css?v=1a2b", "_opsbook/opsbook.css"),
            ("/100%25.png", "100%.png"),
        ];
        for (target, rel) in cases {
            assert_eq!(resolve_url(target), ok(rel), "{target}");
        }
    }

    /// Every attack string is refused before the file system is asked, or names a path that
    /// cannot leave the output folder (checked against a real folder below).
    const ATTACKS: &[&str] = &[
        "/../Cargo.toml",
        "/../../etc/passwd",
        "/a/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2e%2e%2fetc%2fpasswd",
        "/%2E%2E/secret",
        "/..%2f..%2fetc%2fpasswd",
        "/.%252e/.%252e/etc/passwd",
        "/%252e%252e/secret",
        "/..\\..\\secret",
        "/..%5c..%5csecret",
        "/%5c%5cevil%5cshare",
        "/index.html%00.png",
        "/index.html\0",
        "http://evil/",
        "http://evil/index.html",
        "//evil/index.html",
        "/%2f%2fevil",
        "*",
        "../secret",
        "",
        "/C:\\Windows\\win.ini",
        "/C:/Windows/win.ini",
        "/c%3a/windows",
        "/page.html::$DATA",
        "/page.html.",
        "/page.html%20",
        "/.opsbook-output",
        "/.git/config",
        "/a//b.html",
        "/./index.html",
        "/index.html#frag",
        "/%zz",
        "/%",
        "/%c3%28.html",
        "/%ff",
        "/\u{e9}.html",
        "/a\tb",
    ];

    #[test]
    fn s1_attack_strings_are_refused() {
        let long = format!("/{}", "a/".repeat(MAX_TARGET));
        let mut attacks: Vec<String> = ATTACKS.iter().map(|s| s.to_string()).collect();
        attacks.push(long.clone());
        assert!(attacks.len() >= 20);
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::fs::write(root.join("index.html"), "home").unwrap();
        std::fs::write(root.join(".opsbook-output"), "marker").unwrap();
        std::fs::write(dir.path().join("secret"), "secret").unwrap();
        std::fs::write(dir.path().join("%2e%2e"), "secret").unwrap();
        let root = root.canonicalize().unwrap();
        for attack in &attacks {
            match resolve_url(attack) {
                Err(_) => {}
                Ok(resolved) => {
                    assert!(
                        !resolved.rel.split('/').any(|s| s == ".." || s == "."),
                        "{attack:?} resolved to {resolved:?}"
                    );
                    assert_eq!(locate(&root, &resolved), None, "{attack:?} was served");
                }
            }
        }
        assert_eq!(resolve_url(&long), Err(Refusal::TooLong));
        assert_eq!(resolve_url("http://evil/"), Err(Refusal::BadRequest));
        assert_eq!(resolve_url("/../Cargo.toml"), Err(Refusal::BadRequest));
        assert_eq!(resolve_url("/%2e%2e/secret"), Err(Refusal::BadRequest));
        assert_eq!(resolve_url("/.opsbook-output"), Err(Refusal::NotFound));
    }

    #[cfg(unix)]
    #[test]
    fn s4_symlinks_out_of_the_output_are_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(dir.path().join("secret.txt"), "secret").unwrap();
        std::fs::create_dir_all(dir.path().join("outside")).unwrap();
        std::fs::write(dir.path().join("outside/index.html"), "secret").unwrap();
        std::fs::write(root.join("inner.txt"), "fine").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("leak.txt")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("outside"), root.join("dir")).unwrap();
        std::os::unix::fs::symlink(root.join("inner.txt"), root.join("alias.txt")).unwrap();
        let root = root.canonicalize().unwrap();
        let at = |t: &str| locate(&root, &resolve_url(t).unwrap());
        assert_eq!(at("/leak.txt"), None);
        assert_eq!(at("/dir/"), None);
        assert_eq!(at("/dir/index.html"), None);
        assert_eq!(at("/dir"), None);
        assert_eq!(
            at("/alias.txt"),
            Some(Located::File(root.join("inner.txt")))
        );
    }

    #[test]
    fn folders_give_their_index_or_a_redirect() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("runbooks")).unwrap();
        std::fs::write(root.join("index.html"), "home").unwrap();
        std::fs::write(root.join("runbooks/index.html"), "rb").unwrap();
        let at = |t: &str| locate(&root, &resolve_url(t).unwrap());
        assert_eq!(at("/"), Some(Located::File(root.join("index.html"))));
        assert_eq!(
            at("/runbooks/"),
            Some(Located::File(root.join("runbooks/index.html")))
        );
        assert_eq!(at("/runbooks"), Some(Located::Folder));
        assert_eq!(at("/missing.html"), None);
        assert_eq!(at("/index.html/"), None);
    }

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(
            content_type(Path::new("a/b.html")),
            "text/html; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("x.CSS")), "text/css; charset=utf-8");
        assert_eq!(
            content_type(Path::new("nav.js")),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("c.json")), "application/json");
        assert_eq!(content_type(Path::new("i.svg")), "image/svg+xml");
        assert_eq!(content_type(Path::new("blob")), "application/octet-stream");
    }
}
