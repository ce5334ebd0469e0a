//! Links in documents: what a link points at, and how it is rewritten for the site.
//!
//! Pure string work on a link destination and the path of the page it sits in; no file system
//! access. A relative link to `x.md` becomes `x.html` (anchor and query kept) so the site works
//! under any sub-path and straight from disk.

use percent_encoding::percent_decode_str;

/// What a link destination points at.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Target {
    /// `https:`, `mailto:`, `//host`: never fetched, never rewritten.
    External,
    /// `javascript:`, `vbscript:`, `data:`: dropped from the page.
    Unsafe { scheme: String },
    /// `#anchor` on the same page.
    SamePage { anchor: String },
    /// Another document: its path relative to the content folder.
    Document {
        path: String,
        anchor: Option<String>,
    },
    /// A folder: its section page.
    Folder {
        path: String,
        anchor: Option<String>,
    },
    /// Any other file under the content folder (an image, a PDF).
    Asset { path: String },
    /// A relative path that climbs out of the content folder.
    Outside,
    /// An empty destination.
    Empty,
}

/// A link classified, with the destination to write into the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub target: Target,
    pub href: String,
}

/// Classifies `dest`, written in the document at `from` (relative to the content folder,
/// `/`-separated), and rewrites it for the site.
pub fn resolve(dest: &str, from: &str) -> Resolved {
    let keep = |target| Resolved {
        target,
        href: dest.to_string(),
    };
    let trimmed = dest.trim();
    if trimmed.is_empty() {
        return keep(Target::Empty);
    }
    if let Some(scheme) = scheme_of(trimmed) {
        return if matches!(scheme.as_str(), "javascript" | "vbscript" | "data") {
            Resolved {
                target: Target::Unsafe { scheme },
                href: "#".to_string(),
            }
        } else {
            keep(Target::External)
        };
    }
    if trimmed.starts_with("//") {
        return keep(Target::External);
    }
    let (before_fragment, fragment) = match trimmed.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (trimmed, None),
    };
    let anchor = fragment
        .filter(|f| !f.is_empty())
        .map(|f| decode(f).unwrap_or_else(|| f.to_string()));
    let (raw_path, query) = match before_fragment.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (before_fragment, None),
    };
    if raw_path.is_empty() {
        return keep(match anchor {
            Some(anchor) => Target::SamePage { anchor },
            None => Target::Empty,
        });
    }
    let decoded = decode(raw_path).unwrap_or_else(|| raw_path.to_string());
    let base = match from.rsplit_once('/') {
        Some((dir, _)) if !decoded.starts_with('/') => dir,
        _ => "",
    };
    let Some(path) = normalize(base, &decoded) else {
        return keep(Target::Outside);
    };
    let is_folder = raw_path.ends_with('/') || path.is_empty();
    // Root-relative links (`/runbooks/x.md`) are made relative, so the site works from disk.
    let prefix = if raw_path.starts_with('/') {
        root_prefix(from)
    } else {
        String::new()
    };
    let raw = raw_path.trim_start_matches('/');
    let suffix = {
        let mut s = String::new();
        if let Some(q) = query {
            s.push('?');
            s.push_str(q);
        }
        if let Some(f) = fragment {
            s.push('#');
            s.push_str(f);
        }
        s
    };
    if is_folder {
        return Resolved {
            target: Target::Folder { path, anchor },
            href: format!("{prefix}{raw}index.html{suffix}"),
        };
    }
    let is_markdown = path.len() > 3 && path[path.len() - 3..].eq_ignore_ascii_case(".md");
    if is_markdown {
        let stem = &raw[..raw.len() - 3];
        return Resolved {
            target: Target::Document { path, anchor },
            href: format!("{prefix}{stem}.html{suffix}"),
        };
    }
    Resolved {
        target: Target::Asset { path },
        href: format!("{prefix}{raw}{suffix}"),
    }
}

/// `../../` for a document two folders deep: the way back to the site root.
pub fn root_prefix(rel: &str) -> String {
    "../".repeat(rel.matches('/').count())
}

/// The URL of `to` (relative to the site root) from a page in the folder `from_dir`:
/// `relative_url("a/b", "a/c/x.html")` is `../c/x.html`.
pub fn relative_url(from_dir: &str, to: &str) -> String {
    let from: Vec<&str> = from_dir.split('/').filter(|p| !p.is_empty()).collect();
    let to_parts: Vec<&str> = to.split('/').collect();
    let (to_dirs, file) = to_parts.split_at(to_parts.len() - 1);
    let common = from.iter().zip(to_dirs).take_while(|(a, b)| a == b).count();
    let mut url = "../".repeat(from.len() - common);
    for dir in &to_dirs[common..] {
        url.push_str(dir);
        url.push('/');
    }
    url.push_str(file[0]);
    url
}

/// The scheme of an absolute URL, lowercased, ignoring the whitespace and control characters
/// browsers ignore (`java\tscript:`). `None` for relative URLs.
fn scheme_of(dest: &str) -> Option<String> {
    let cleaned: String = dest
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .take_while(|&c| c != ':' && c != '/' && c != '?' && c != '#')
        .collect();
    let after = dest
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .nth(cleaned.chars().count());
    if after != Some(':') || cleaned.len() < 2 {
        return None;
    }
    let mut chars = cleaned.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (first_ok && rest_ok).then(|| cleaned.to_ascii_lowercase())
}

fn decode(s: &str) -> Option<String> {
    percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

/// Joins `path` onto the folder `base` and removes `.` and `..`; `None` when it climbs out.
pub fn normalize(base: &str, path: &str) -> Option<String> {
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(path: &str, anchor: Option<&str>) -> Target {
        Target::Document {
            path: path.to_string(),
            anchor: anchor.map(str::to_string),
        }
    }

    #[test]
    fn relative_urls() {
        assert_eq!(relative_url("", "a/b.html"), "a/b.html");
        assert_eq!(relative_url("a", "a/b.html"), "b.html");
        assert_eq!(relative_url("a/b", "a/c/x.html"), "../c/x.html");
        assert_eq!(relative_url("a/b", "index.html"), "../../index.html");
        assert_eq!(relative_url("a", "ab/x.html"), "../ab/x.html");
    }

    #[test]
    fn rewrites_markdown_links() {
        let r = resolve("db-failover.md#failover-steps", "runbooks/incident.md");
        assert_eq!(
            r.target,
            doc("runbooks/db-failover.md", Some("failover-steps"))
        );
        assert_eq!(r.href, "db-failover.html#failover-steps");
        let r = resolve("./../decisions/2026-001-x.md", "runbooks/a.md");
        assert_eq!(r.target, doc("decisions/2026-001-x.md", None));
        assert_eq!(r.href, "./../decisions/2026-001-x.html");
        let r = resolve("x.md?plain=1#a", "a.md");
        assert_eq!(r.href, "x.html?plain=1#a");
        assert_eq!(r.target, doc("x.md", Some("a")));
    }

    #[test]
    fn root_relative_links_become_relative() {
        let r = resolve("/runbooks/x.md", "sops/deep/a.md");
        assert_eq!(r.href, "../../runbooks/x.html");
        assert_eq!(r.target, doc("runbooks/x.md", None));
    }

    #[test]
    fn percent_encoded_and_non_ascii_names() {
        let r = resolve("caf%C3%A9%20menu.md", "a/b.md");
        assert_eq!(r.target, doc("a/café menu.md", None));
        assert_eq!(r.href, "caf%C3%A9%20menu.html");
        let r = resolve("#caf%C3%A9", "a.md");
        assert_eq!(
            r.target,
            Target::SamePage {
                anchor: "café".into()
            }
        );
    }

    #[test]
    fn folders_assets_and_outside() {
        let r = resolve("../runbooks/", "sops/a.md");
        assert_eq!(r.href, "../runbooks/index.html");
        assert!(matches!(r.target, Target::Folder { ref path, .. } if path == "runbooks"));
        let r = resolve("img/topology.svg", "runbooks/a.md");
        assert_eq!(
            r.target,
            Target::Asset {
                path: "runbooks/img/topology.svg".into()
            }
        );
        assert_eq!(r.href, "img/topology.svg");
        assert_eq!(resolve("../../x.md", "a/b.md").target, Target::Outside);
    }

    #[test]
    fn x4_external_and_unsafe() {
        for ext in [
            "https://x.example/a.md",
            "mailto:a@b.example",
            "//cdn.example/x.md",
            "tel:+1",
        ] {
            assert_eq!(resolve(ext, "a.md").target, Target::External, "{ext}");
        }
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " java\tscript:x",
            "data:text/html,<b>",
            "vbscript:x",
        ] {
            let r = resolve(bad, "a.md");
            assert!(matches!(r.target, Target::Unsafe { .. }), "{bad}");
            assert_eq!(r.href, "#");
        }
    }
}
