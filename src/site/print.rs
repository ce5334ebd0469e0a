//! `print.html`: the whole handbook on one page, in navigation order.
//!
//! Each page's already rendered HTML is reused (no second Markdown pass): its `id`s get a
//! per-page prefix so they stay unique, links between pages become links inside the print
//! page, and relative image and file URLs are made relative to the site root, where the print
//! page lives. The HTML comes from our own Markdown pass or the sanitizer, both of which
//! escape `"` in text, so the attributes can be found by plain string search.

use super::nav::{PageRef, SectionsByDir};
use super::Site;
use crate::cache::{Hasher, Key};
use crate::links::normalize;
use anyhow::{Context, Result};
use percent_encoding::percent_decode_str;
use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::Serialize;
use std::io::{Read, Seek, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// One page of the print view.
#[derive(Serialize)]
pub struct PrintPart<'a> {
    /// The anchor of the page inside the print view.
    pub id: String,
    pub title: &'a str,
    pub type_label: &'a str,
    /// 1 for the top-level sections, deeper for nested ones and documents.
    pub depth: usize,
    pub is_section: bool,
    pub html: String,
}

/// The anchor of a page in the print view: `runbooks/db.html` → `runbooks/db`.
pub fn page_id(url: &str) -> String {
    let stem = url.strip_suffix(".html").unwrap_or(url);
    let mut id = String::with_capacity(stem.len() + 2);
    id.push_str("p:");
    for c in stem.chars() {
        id.push(if c.is_whitespace() { '-' } else { c });
    }
    id
}

/// Rewrites the HTML of the page at `url` (a site path) for the print view. `pages` holds the
/// site paths of every page in the print view.
pub fn rewrite(html: &str, url: &str, pages: &HashSet<&str>) -> String {
    let pid = page_id(url);
    let dir = url.rsplit_once('/').map_or("", |(d, _)| d);
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    // One pass over every `="`: each is looked at once, so the work is linear in the HTML.
    let mut copied = 0;
    let mut search = 0;
    while let Some(p) = html[search..].find("=\"") {
        let eq = search + p;
        let value_start = eq + 2;
        let Some(len) = html[value_start..].find('"') else {
            break;
        };
        search = value_start + len;
        let before = &html[..eq];
        let attr = ["id", "href", "src"].into_iter().find(|a| {
            before.ends_with(a)
                && before.as_bytes()[..eq - a.len()]
                    .last()
                    .is_some_and(u8::is_ascii_whitespace)
        });
        let Some(attr) = attr else { continue };
        let value = &html[value_start..value_start + len];
        out.push_str(&html[copied..value_start]);
        match attr {
            "id" => {
                out.push_str(&escape(&pid));
                out.push_str("--");
                out.push_str(value);
            }
            "href" => out.push_str(&rewrite_href(value, &pid, dir, pages)),
            _ => out.push_str(&rewrite_src(value, dir)),
        }
        copied = value_start + len;
    }
    out.push_str(&html[copied..]);
    out
}

fn is_absolute(value: &str) -> bool {
    value.starts_with("//")
        || value.starts_with('/')
        || value
            .split_once(':')
            .is_some_and(|(scheme, _)| !scheme.is_empty() && !scheme.contains(['/', '?', '#']))
}

fn rewrite_href(value: &str, pid: &str, dir: &str, pages: &HashSet<&str>) -> String {
    if let Some(fragment) = value.strip_prefix('#') {
        return if fragment.is_empty() {
            format!("#{}", escape(pid))
        } else {
            format!("#{}--{fragment}", escape(pid))
        };
    }
    if value.is_empty() || is_absolute(value) {
        return value.to_string();
    }
    let (before, fragment) = match value.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (value, None),
    };
    let (path, query) = match before.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (before, None),
    };
    let Some(target) = normalize(dir, path) else {
        return value.to_string();
    };
    let decoded = percent_decode_str(&target.replace("&amp;", "&"))
        .decode_utf8_lossy()
        .into_owned();
    let page = if target.is_empty() || path.ends_with('/') {
        let index = if target.is_empty() {
            "index.html".to_string()
        } else {
            format!("{decoded}/index.html")
        };
        pages.get(index.as_str()).copied()
    } else {
        pages.get(decoded.as_str()).copied()
    };
    match page {
        Some(page) => {
            let id = escape(&page_id(page));
            match fragment {
                Some(f) if !f.is_empty() => format!("#{id}--{f}"),
                _ => format!("#{id}"),
            }
        }
        None => {
            let mut href = target;
            if let Some(q) = query {
                href.push('?');
                href.push_str(q);
            }
            if let Some(f) = fragment {
                href.push('#');
                href.push_str(f);
            }
            href
        }
    }
}

fn rewrite_src(value: &str, dir: &str) -> String {
    if value.is_empty() || is_absolute(value) {
        return value.to_string();
    }
    normalize(dir, value).unwrap_or_else(|| value.to_string())
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;")
}

pub(super) const PRINT: &str = "print.html";

/// Where each part of the print view written last is in its file, kept in the build cache,
/// so that the next build copies the parts that did not change instead of rendering them.
#[derive(Serialize, serde::Deserialize)]
struct Layout {
    head: u64,
    /// Each part's key and length, in order.
    parts: Vec<(Key, u64)>,
    tail: u64,
}

/// The size, modification time and (on Unix) inode of a file: a file with the stamp a build
/// recorded is the file it wrote. Every build writes `print.html` as a new file, so another
/// build's has another inode even within the file system's clock tick.
#[derive(Serialize, serde::Deserialize, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified_ns: u128,
    inode: u64,
}

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        let meta = std::fs::metadata(path).ok()?;
        let modified = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let inode = 0;
        Some(Stamp {
            len: meta.len(),
            modified_ns: modified.as_nanos(),
            inode,
        })
    }
}

impl Layout {
    /// The print view in the output, ready to copy from, with where each of its parts is by
    /// key, when the cache says how it was written and the file is still the one written.
    fn load(
        store: &crate::cache::Store,
        file: &str,
        path: &Path,
    ) -> Option<(Copier, HashMap<Key, Range<u64>>)> {
        let stamp = Stamp::of(path)?;
        let (_, layout) = store.load_value::<Stamp, Layout>(file, |s| *s == stamp)?;
        let total = layout.head + layout.parts.iter().map(|(_, n)| n).sum::<u64>() + layout.tail;
        if total != stamp.len {
            return None;
        }
        let mut at = HashMap::with_capacity_and_hasher(layout.parts.len(), Default::default());
        let mut offset = layout.head;
        for (key, len) in layout.parts {
            at.insert(key, offset..offset + len);
            offset += len;
        }
        let copier = Copier {
            file: std::fs::File::open(path).ok()?,
            path: path.to_path_buf(),
            pending: None,
        };
        Some((copier, at))
    }
}

/// A part of the print view: made now, or kept from the old one (its bytes there).
enum Part {
    Made(String),
    Kept(Range<u64>),
}

/// Copies runs of bytes from the old print view: neighbouring parts are copied in one go,
/// by the kernel.
struct Copier {
    file: std::fs::File,
    path: PathBuf,
    /// The run waiting to be copied.
    pending: Option<Range<u64>>,
}

impl Copier {
    fn add(
        &mut self,
        range: Range<u64>,
        out: &mut std::io::BufWriter<std::fs::File>,
    ) -> Result<()> {
        if let Some(pending) = &mut self.pending {
            if pending.end == range.start {
                pending.end = range.end;
                return Ok(());
            }
        }
        self.flush(out)?;
        self.pending = Some(range);
        Ok(())
    }

    fn flush(&mut self, out: &mut std::io::BufWriter<std::fs::File>) -> Result<()> {
        let Some(range) = self.pending.take() else {
            return Ok(());
        };
        let len = range.end - range.start;
        let copied = (&self.file)
            .seek(std::io::SeekFrom::Start(range.start))
            .and_then(|_| std::io::copy(&mut Read::take(&self.file, len), out));
        match copied {
            Ok(n) if n == len => Ok(()),
            Ok(_) => anyhow::bail!(
                "{} changed while this build copied from it; build again",
                self.path.display()
            ),
            Err(e) => {
                Err(e).with_context(|| format!("could not copy from {}", self.path.display()))
            }
        }
    }
}

/// Where the print template wants the pages.
pub const PARTS_MARKER: &str = "<!-- opsbook:print-parts -->";

/// Pages rendered at once: the print view of a large handbook is streamed to disk in chunks
/// instead of held in memory whole.
const CHUNK: usize = 256;

/// Writes the parts of the print view in the order they come, then the frame's tail; copies
/// kept parts from the old print view. Gives back where each part is.
fn write_parts(
    chunks: std::sync::mpsc::Receiver<Vec<(Part, Key)>>,
    mut copier: Option<Copier>,
    mut out: std::io::BufWriter<std::fs::File>,
    mut layout: Layout,
    tail: &[u8],
    write_err: impl Fn(std::io::Error) -> anyhow::Error,
) -> Result<(Layout, usize)> {
    let mut copied = 0;
    for (part, key) in chunks.into_iter().flatten() {
        match (part, &mut copier) {
            (Part::Made(html), copier) => {
                if let Some(copier) = copier {
                    copier.flush(&mut out)?;
                }
                out.write_all(html.as_bytes()).map_err(&write_err)?;
                layout.parts.push((key, html.len() as u64));
            }
            (Part::Kept(range), Some(copier)) => {
                copied += 1;
                layout.parts.push((key, range.end - range.start));
                copier.add(range, &mut out)?;
            }
            (Part::Kept(_), None) => {
                anyhow::bail!("a part of print.html was kept with no old print view")
            }
        }
    }
    if let Some(copier) = &mut copier {
        copier.flush(&mut out)?;
    }
    out.write_all(tail).map_err(&write_err)?;
    out.flush().map_err(&write_err)?;
    let file = out.into_inner().map_err(|e| write_err(e.into_error()))?;
    drop(file);
    Ok((layout, copied))
}

impl<'a> Site<'a> {
    /// Writes `print.html`: the frame from the `print.html` template, and every page in reading
    /// order rendered with `print-part.html` where the frame has [`PARTS_MARKER`].
    ///
    /// Every part comes from a page of the site, so when no page changed (`page_keys`, in
    /// reading order) and neither did the frame, the print view is the one already written.
    pub(super) fn write_print(
        &self,
        writer: &super::output::Writer,
        page_keys: &[Key],
        store: &crate::cache::Store,
    ) -> Result<()> {
        let docs = &self.handbook.documents;
        let sections = self.nav.sections_by_dir();
        let order = self.nav.reading_order();
        let mut pages: HashSet<&str> =
            HashSet::with_capacity_and_hasher(order.len(), Default::default());
        let mut pages_key = Hasher::new();
        for page in &order {
            let url = page.url(docs, &sections);
            pages.insert(url);
            pages_key.piece(url.as_bytes());
        }
        let mut frame = super::PageCtx::generated("print", self.site.title, Vec::new());
        frame.url = std::borrow::Cow::Borrowed("print.html");
        let mut view = super::View {
            template: "print.html",
            page: frame,
            nav: PageRef::Section(""),
        };
        let frame_key = self.fingerprint(&mut view);
        let mut key = Hasher::new();
        key.piece(&frame_key.to_le_bytes());
        for k in page_keys {
            key.piece(&k.to_le_bytes());
        }
        let Some(path) = writer.stream_target(PRINT, key.finish())? else {
            return Ok(());
        };
        let path = path.as_path();
        let html = self.render_view(&view)?;
        let Some((head, tail)) = html.split_once(PARTS_MARKER) else {
            anyhow::bail!(
                "template print.html: it must contain `{PARTS_MARKER}` where the pages go"
            );
        };
        // A part is made of its page (whose key covers everything the part shows), the
        // frame's theme and context, and the set of pages (links to them stay inside).
        let pages_key = pages_key.finish();
        let part_keys: Vec<Key> = page_keys
            .iter()
            .map(|k| {
                Hasher::new()
                    .piece(&frame_key.to_le_bytes())
                    .piece(&pages_key.to_le_bytes())
                    .piece(&k.to_le_bytes())
                    .finish()
            })
            .collect();
        let cache_file = crate::cache::output_file("print", writer.dest());
        let (copier, kept_at) = match Layout::load(store, &cache_file, &writer.dest().join(PRINT)) {
            Some((copier, at)) => (Some(copier), Some(at)),
            None => (None, None),
        };
        let write_err =
            |e: std::io::Error| anyhow::anyhow!("could not write {}: {e}", path.display());
        let file = std::fs::File::create(path)
            .with_context(|| format!("could not write {}", path.display()))?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        out.write_all(head.as_bytes()).map_err(write_err)?;
        let layout = Layout {
            head: head.len() as u64,
            parts: Vec::with_capacity(order.len()),
            tail: tail.len() as u64,
        };
        // Chunks of parts are written (or copied from the old file) on a thread of their own
        // while the next chunk is rendered: writing 100 MB is a good part of the print view's
        // time, and the rendering threads need not wait for it.
        let (layout, copied) = std::thread::scope(|scope| -> Result<(Layout, usize)> {
            let (send, chunks) = std::sync::mpsc::sync_channel::<Vec<(Part, Key)>>(1);
            let writing = scope.spawn(move || {
                write_parts(chunks, copier, out, layout, tail.as_bytes(), write_err)
            });
            for (chunk, keys) in order.chunks(CHUNK).zip(part_keys.chunks(CHUNK)) {
                let parts: Vec<(Part, Key)> = chunk
                    .par_iter()
                    .zip(keys)
                    .map(|(&page, key)| {
                        if let Some(range) = kept_at.as_ref().and_then(|at| at.get(key)) {
                            return Ok((Part::Kept(range.clone()), *key));
                        }
                        let part = self.print_part(page, &sections, &pages)?;
                        let mut ctx = tera::Context::new();
                        ctx.insert("site", &self.site);
                        ctx.insert("root", "");
                        ctx.insert("part", &part);
                        let html = self.render("print-part.html", &ctx)?;
                        Ok((Part::Made(html), *key))
                    })
                    .collect::<Result<_>>()?;
                if send.send(parts).is_err() {
                    // The writer stopped: its error is the one to report.
                    break;
                }
            }
            drop(send);
            writing
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("writing {} failed", path.display())))
        })?;
        if kept_at.is_some() {
            log::info!(
                "print.html: {} of {} parts copied from the last build",
                copied,
                layout.parts.len()
            );
        }
        if let Some(stamp) = Stamp::of(path) {
            store.save_value(&cache_file, &stamp, &layout);
        }
        Ok(())
    }

    fn print_part(
        &self,
        page: PageRef<'_>,
        sections: &SectionsByDir<'a>,
        pages: &HashSet<&str>,
    ) -> Result<PrintPart<'a>> {
        let docs = &self.handbook.documents;
        match page {
            PageRef::Section(dir) => {
                let s = sections[dir];
                let index = s.index_doc.map(|i| &docs[i]);
                Ok(PrintPart {
                    id: page_id(&s.url),
                    title: if dir.is_empty() {
                        self.site.title
                    } else {
                        index.map_or(s.title.as_str(), |d| d.title.as_str())
                    },
                    type_label: "Section",
                    depth: if dir.is_empty() {
                        0
                    } else {
                        dir.matches('/').count() + 1
                    },
                    is_section: true,
                    html: match index {
                        Some(d) => rewrite(d.rendered.html.get()?, &s.url, pages),
                        None => String::new(),
                    },
                })
            }
            PageRef::Doc(i) => {
                let d = &docs[i];
                Ok(PrintPart {
                    id: page_id(&d.url),
                    title: &d.title,
                    type_label: self.type_label(d),
                    depth: d.rel.matches('/').count() + 1,
                    is_section: false,
                    html: rewrite(d.rendered.html.get()?, &d.url, pages),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_between_pages_stay_inside_the_print_page() {
        let pages: HashSet<&str> = ["runbooks/db.html", "runbooks/index.html", "index.html"]
            .into_iter()
            .collect();
        let html = r##"<h2 id="steps">Steps<a class="anchor" href="#steps">#</a></h2><p><a href="db.html#failover">f</a> <a href="./">s</a> <a href="../index.html">h</a> <a href="https://x.example/a.html">x</a> <img src="img/a.png" alt="a"> <a href="../sops/x.pdf?v=1#p2">pdf</a> <span data-id="keep">k</span></p>"##;
        let out = rewrite(html, "runbooks/queue.html", &pages);
        assert_eq!(
            out,
            r##"<h2 id="p:runbooks/queue--steps">Steps<a class="anchor" href="#p:runbooks/queue--steps">#</a></h2><p><a href="#p:runbooks/db--failover">f</a> <a href="#p:runbooks/index">s</a> <a href="#p:index">h</a> <a href="https://x.example/a.html">x</a> <img src="runbooks/img/a.png" alt="a"> <a href="sops/x.pdf?v=1#p2">pdf</a> <span data-id="keep">k</span></p>"##
        );
    }

    #[test]
    fn encoded_names_are_found() {
        let pages: HashSet<&str> = ["a/café menu.html"].into_iter().collect();
        let out = rewrite(
            r#"<a href="caf%C3%A9%20menu.html">m</a>"#,
            "a/x.html",
            &pages,
        );
        assert_eq!(out, r##"<a href="#p:a/café-menu">m</a>"##);
    }
}
