//! The theme: tera templates and static files, built into the binary from `themes/default/`
//! and overridable file by file from the handbook's own theme folder.

use anyhow::{Context, Result};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;
use tera::Tera;

/// The default theme's templates, by name.
pub const DEFAULT_TEMPLATES: &[(&str, &str)] = &[
    (
        "macros.html",
        include_str!("../../themes/default/templates/macros.html"),
    ),
    (
        "base.html",
        include_str!("../../themes/default/templates/base.html"),
    ),
    (
        "page.html",
        include_str!("../../themes/default/templates/page.html"),
    ),
    (
        "section.html",
        include_str!("../../themes/default/templates/section.html"),
    ),
    (
        "home.html",
        include_str!("../../themes/default/templates/home.html"),
    ),
    (
        "404.html",
        include_str!("../../themes/default/templates/404.html"),
    ),
    (
        "owners.html",
        include_str!("../../themes/default/templates/owners.html"),
    ),
    (
        "owner.html",
        include_str!("../../themes/default/templates/owner.html"),
    ),
    (
        "tags.html",
        include_str!("../../themes/default/templates/tags.html"),
    ),
    (
        "tag.html",
        include_str!("../../themes/default/templates/tag.html"),
    ),
    (
        "health.html",
        include_str!("../../themes/default/templates/health.html"),
    ),
    (
        "print.html",
        include_str!("../../themes/default/templates/print.html"),
    ),
    (
        "print-part.html",
        include_str!("../../themes/default/templates/print-part.html"),
    ),
];

/// The default theme's static files, by path under `static/`.
pub const DEFAULT_STATIC: &[(&str, &[u8])] = &[
    (
        "opsbook.css",
        include_bytes!("../../themes/default/static/opsbook.css"),
    ),
    (
        "opsbook.js",
        include_bytes!("../../themes/default/static/opsbook.js"),
    ),
    (
        "search.js",
        include_bytes!("../../themes/default/static/search.js"),
    ),
];

/// Compiled templates and the static files to copy into the site.
pub struct Theme {
    pub tera: Tera,
    /// Path under the site's asset folder → bytes.
    pub static_files: BTreeMap<String, Cow<'static, [u8]>>,
    /// A hash of every template and static file: pages rendered with another theme differ.
    pub key: crate::cache::Key,
}

impl Theme {
    /// The default theme, with the files of `overrides` (a folder with `templates/` and
    /// `static/`) taking the place of the default files of the same name.
    pub fn load(overrides: Option<&Path>) -> Result<Theme> {
        let mut templates: BTreeMap<String, Cow<'static, str>> = DEFAULT_TEMPLATES
            .iter()
            .map(|(n, t)| (n.to_string(), Cow::Borrowed(*t)))
            .collect();
        let mut static_files: BTreeMap<String, Cow<'static, [u8]>> = DEFAULT_STATIC
            .iter()
            .map(|(n, b)| (n.to_string(), Cow::Borrowed(*b)))
            .collect();
        if let Some(dir) = overrides {
            if !dir.is_dir() {
                anyhow::bail!(
                    "the theme folder {} named by `[build] theme` in book.toml does not exist",
                    dir.display()
                );
            }
            for (name, bytes) in read_tree(&dir.join("templates"))? {
                let text = String::from_utf8(bytes)
                    .with_context(|| format!("theme template {name} is not UTF-8"))?;
                templates.insert(name, Cow::Owned(text));
            }
            for (name, bytes) in read_tree(&dir.join("static"))? {
                static_files.insert(name, Cow::Owned(bytes));
            }
        }
        let mut tera = Tera::default();
        // Escape every template, whatever its name ends with: a user template named `page`
        // must not turn escaping off.
        tera.autoescape_on(vec![""]);
        tera.set_escape_fn(escape_html);
        tera.add_raw_templates(templates.iter().map(|(n, t)| (n.as_str(), t.as_ref())))
            .map_err(|e| anyhow::anyhow!(tera_error_chain(&e)))
            .context("the theme's templates do not compile")?;
        let mut key = crate::cache::Hasher::new();
        for (name, text) in &templates {
            key.piece(name.as_bytes()).piece(text.as_bytes());
        }
        for (name, bytes) in &static_files {
            key.piece(name.as_bytes()).piece(bytes);
        }
        Ok(Theme {
            tera,
            static_files,
            key: key.finish(),
        })
    }
}

/// Every file under `dir` by its `/`-separated path relative to `dir`; nothing when `dir`
/// does not exist.
fn read_tree(dir: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry =
            entry.with_context(|| format!("could not read the theme folder {}", dir.display()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let Some(rel) = crate::files::rel_path(entry.path(), dir) else {
            continue;
        };
        if rel.split('/').any(crate::files::is_ignored_name) {
            continue;
        }
        out.push((rel, crate::files::read(entry.path())?));
    }
    Ok(out)
}

/// HTML escaping for templates: the five characters that matter, and not `/` (tera's default
/// escapes it too, which bloats every URL and helps nothing).
pub fn escape_html(input: &str) -> String {
    if !input
        .bytes()
        .any(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\''))
    {
        return input.to_string();
    }
    let mut out = String::with_capacity(input.len() + input.len() / 8);
    for c in input.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(c),
        }
    }
    out
}

/// Tera's errors nest their cause; people need all of it.
pub fn tera_error_chain(e: &tera::Error) -> String {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_theme_file_is_embedded() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
        let on_disk: Vec<String> = read_tree(&root.join("templates"))
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        let embedded: Vec<&str> = {
            let mut v: Vec<&str> = DEFAULT_TEMPLATES.iter().map(|(n, _)| *n).collect();
            v.sort_unstable();
            v
        };
        assert_eq!(on_disk, embedded);
        let statics: Vec<String> = read_tree(&root.join("static"))
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        let embedded: Vec<&str> = DEFAULT_STATIC.iter().map(|(n, _)| *n).collect();
        assert_eq!(statics, embedded);
    }

    /// As the theme loads them: a user's templates named without `.html` (a raw `page`, a
    /// `custom.txt`) and every template we ship, under its own name, escape what they print.
    #[test]
    fn x5_every_shipped_template_and_any_user_template_name_escape() {
        let value = "<script>alert('x')</script> & \"q\"";
        let escaped = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;q&quot;";
        let mut ctx = tera::Context::new();
        ctx.insert("x", value);
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("templates")).unwrap();
        for name in ["page", "custom.txt"] {
            std::fs::write(dir.path().join("templates").join(name), "{{ x }}").unwrap();
        }
        let theme = Theme::load(Some(dir.path())).unwrap();
        for name in ["page", "custom.txt"] {
            assert_eq!(theme.tera.render(name, &ctx).unwrap(), escaped, "{name}");
        }
        for (name, _) in DEFAULT_TEMPLATES {
            let mut theme = Theme::load(None).unwrap();
            theme.tera.add_raw_template(name, "{{ x }}").unwrap();
            assert_eq!(theme.tera.render(name, &ctx).unwrap(), escaped, "{name}");
        }
    }

    #[test]
    fn x5_any_template_name_is_escaped() {
        let mut tera = Tera::default();
        tera.autoescape_on(vec![""]);
        tera.set_escape_fn(escape_html);
        tera.add_raw_template("page", "{{ x }}").unwrap();
        let mut ctx = tera::Context::new();
        ctx.insert("x", "<script>a/b</script>");
        assert_eq!(
            tera.render("page", &ctx).unwrap(),
            "&lt;script&gt;a/b&lt;/script&gt;"
        );
    }
}
