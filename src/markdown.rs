//! The one Markdown pass: a document body in, everything later stages need out.
//!
//! A single walk over pulldown-cmark's events yields the page HTML (links rewritten, headings
//! anchored, code highlighted), the headings, the links with their lines, the task items and
//! the plain text for search. Checks and search use this value; nothing parses a page twice
//! and nothing scrapes HTML.

use crate::cache::{Body, Highlights};
use crate::highlight::{self, Fallback};
use crate::links::{self, Target};
use crate::slug::{heading_slug, Anchors};
use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::sync::OnceLock;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Heading {
    pub level: u8,
    pub text: String,
    pub id: String,
    pub line: usize,
    /// Where the heading's section starts in `Rendered::text`.
    pub text_offset: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Link {
    /// The destination as written.
    pub dest: String,
    pub target: Target,
    pub line: usize,
    pub column: usize,
    /// An image rather than a link.
    pub image: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Task {
    pub done: bool,
    pub line: usize,
    /// The item's own text (not that of nested items).
    pub text: String,
}

/// A note the pass wants reported (a code block shown as plain text, a link removed).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Note {
    pub kind: &'static str,
    pub line: usize,
    pub message: String,
}

/// Everything one Markdown pass yields.
/// A [`Note`] as read back from the build cache.
#[derive(serde::Deserialize)]
struct NoteData {
    kind: String,
    line: usize,
    message: String,
}

impl<'de> serde::Deserialize<'de> for Note {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <NoteData as serde::Deserialize>::deserialize(d).map(Note::from)
    }
}

impl From<NoteData> for Note {
    fn from(n: NoteData) -> Note {
        Note {
            kind: crate::cache::intern(n.kind),
            line: n.line,
            message: n.message,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rendered {
    pub html: Body,
    pub headings: Vec<Heading>,
    pub links: Vec<Link>,
    pub tasks: Vec<Task>,
    /// Plain text (code included) for search.
    pub text: Body,
    /// A leading `# Heading` taken out of the body because it is the page title.
    pub title_heading: Option<Heading>,
    pub notes: Vec<Note>,
    /// The highlight cache keys of the code blocks (when rendered with a cache), so that a
    /// document reused whole keeps its blocks in the cache.
    pub code_keys: Vec<crate::cache::Key>,
}

impl Rendered {
    pub fn tasks_done(&self) -> usize {
        self.tasks.iter().filter(|t| t.done).count()
    }
}

/// What the pass needs to know about the document.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub body: &'a str,
    /// The line of the file on which `body` starts.
    pub body_line: usize,
    /// The document's path relative to the content folder, for resolving links.
    pub rel: &'a str,
    /// The front-matter title; a leading `# Heading` equal to it (or any leading `# Heading`
    /// when there is none) is the page title rather than body text.
    pub title: Option<&'a str>,
    /// Produce the HTML. Without it the pass still collects headings, links, tasks and text
    /// (what `check` needs) and skips highlighting, sanitizing and HTML writing.
    pub html: bool,
    /// Code blocks highlighted before, reused when their language and text are the same.
    pub highlights: Option<&'a Highlights>,
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Maps byte offsets of the body to lines and columns of the file.
struct Lines {
    starts: Vec<usize>,
    first: usize,
}

impl Lines {
    fn new(text: &str, first: usize) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { starts, first }
    }

    fn line(&self, offset: usize) -> usize {
        self.first + self.starts.partition_point(|&s| s <= offset) - 1
    }

    fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let idx = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[idx];
        let col = text.get(start..offset).map_or(1, |s| s.chars().count() + 1);
        (self.first + idx, col)
    }
}

/// Renders one document body.
pub fn render(input: Input<'_>) -> Rendered {
    let events: Vec<(Event<'_>, std::ops::Range<usize>)> = Parser::new_ext(input.body, options())
        .into_offset_iter()
        .collect();
    let lines = Lines::new(input.body, input.body_line);
    let mut out: Vec<Event<'_>> = Vec::with_capacity(events.len());
    let mut r = Rendered::default();
    let mut plain = String::new();
    let mut anchors = Anchors::default();
    let mut has_raw_html = false;
    let mut task_capture: Option<usize> = None;
    let mut code: Option<(String, String, usize)> = None; // (lang, text, line)
    let mut i = 0;

    // A leading level-1 heading is the page's title.
    if let Some((
        Event::Start(Tag::Heading {
            level: HeadingLevel::H1,
            id,
            ..
        }),
        range,
    )) = events.first()
    {
        let end = heading_end(&events, 0);
        let text = heading_text(&events[1..end]);
        let matches_title = input
            .title
            .is_none_or(|t| t.trim().eq_ignore_ascii_case(text.trim()));
        if matches_title && !text.trim().is_empty() {
            let base = id
                .as_deref()
                .map_or_else(|| heading_slug(&text), str::to_string);
            r.title_heading = Some(Heading {
                level: 1,
                id: anchors.unique(&base),
                text: text.trim().to_string(),
                line: lines.line(range.start),
                text_offset: 0,
            });
            plain.push_str(text.trim());
            plain.push('\n');
            i = end + 1;
        }
    }

    while i < events.len() {
        let (event, range) = &events[i];
        i += 1;
        if let Some((_, text, _)) = code.as_mut() {
            match event {
                Event::Text(t) => {
                    text.push_str(t);
                    continue;
                }
                Event::End(TagEnd::CodeBlock) => {}
                _ => continue,
            }
        }
        match event {
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                task_capture = None;
                let end = heading_end(&events, i - 1);
                let text = heading_text(&events[i..end]);
                let base = id
                    .as_deref()
                    .map_or_else(|| heading_slug(&text), str::to_string);
                let anchor = anchors.unique(&base);
                r.headings.push(Heading {
                    level: *level as u8,
                    text: text.trim().to_string(),
                    id: anchor.clone(),
                    line: lines.line(range.start),
                    text_offset: plain.len(),
                });
                out.push(Event::Start(Tag::Heading {
                    level: *level,
                    id: Some(CowStr::from(anchor.clone())),
                    classes: classes.clone(),
                    attrs: attrs.clone(),
                }));
                out.push(Event::Html(CowStr::from(format!(
                    "<a class=\"anchor\" href=\"#{}\" aria-hidden=\"true\">#</a>",
                    escape_attr(&anchor)
                ))));
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info
                        .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
                        .next()
                        .unwrap_or("")
                        .to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((lang, String::new(), lines.line(range.start)));
            }
            Event::End(TagEnd::CodeBlock) => {
                let (lang, text, line) = code.take().unwrap_or_default();
                if input.html {
                    let cached = input.highlights.map(|cache| {
                        let key = Highlights::key(&lang, &text);
                        r.code_keys.push(key);
                        (cache, key)
                    });
                    out.push(Event::Html(CowStr::from(code_block(
                        &lang,
                        &text,
                        line,
                        &mut r.notes,
                        cached,
                    ))));
                }
                plain.push_str(&text);
                plain.push('\n');
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let resolved = record_link(&mut r, &lines, input, dest_url, range.start, false);
                out.push(Event::Start(Tag::Link {
                    link_type: *link_type,
                    dest_url: CowStr::from(resolved),
                    title: title.clone(),
                    id: id.clone(),
                }));
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let resolved = record_link(&mut r, &lines, input, dest_url, range.start, true);
                out.push(Event::Start(Tag::Image {
                    link_type: *link_type,
                    dest_url: CowStr::from(resolved),
                    title: title.clone(),
                    id: id.clone(),
                }));
            }
            Event::Start(Tag::Table(_)) => {
                out.push(Event::Html(CowStr::Borrowed("<div class=\"table-wrap\">")));
                out.push(event.clone());
            }
            Event::End(TagEnd::Table) => {
                out.push(event.clone());
                out.push(Event::Html(CowStr::Borrowed("</div>")));
            }
            Event::TaskListMarker(done) => {
                task_capture = Some(r.tasks.len());
                r.tasks.push(Task {
                    done: *done,
                    line: lines.line(range.start),
                    text: String::new(),
                });
                out.push(event.clone());
            }
            Event::Start(Tag::List(_)) => {
                task_capture = None;
                out.push(event.clone());
            }
            Event::Text(t) | Event::Code(t) => {
                plain.push_str(t);
                if let Some(task) = task_capture.and_then(|k| r.tasks.get_mut(k)) {
                    task.text.push_str(t);
                }
                out.push(event.clone());
            }
            Event::SoftBreak | Event::HardBreak => {
                plain.push(' ');
                if let Some(task) = task_capture.and_then(|k| r.tasks.get_mut(k)) {
                    task.text.push(' ');
                }
                out.push(event.clone());
            }
            Event::Html(_) | Event::InlineHtml(_) => {
                has_raw_html = true;
                out.push(event.clone());
            }
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::TableCell
                | TagEnd::BlockQuote(_)
                | TagEnd::Item,
            ) => {
                task_capture = None;
                plain.push('\n');
                out.push(event.clone());
            }
            _ => out.push(event.clone()),
        }
    }
    for task in &mut r.tasks {
        task.text = task.text.trim().to_string();
    }

    if input.html {
        let mut html = String::with_capacity(input.body.len() * 3 / 2);
        pulldown_cmark::html::push_html(&mut html, out.into_iter());
        let mut html = if has_raw_html { sanitize(&html) } else { html };
        fit(&mut html);
        r.html = Body::new(html);
    }
    fit(&mut plain);
    r.text = Body::new(plain);
    r
}

/// Documents stay loaded for the whole build: what they hold should be their text, not the
/// room their buffers grew into (up to as much again). A copy of the exact size, because
/// the allocator keeps a block in place when asked to shrink it by less than half.
fn fit(s: &mut String) {
    if s.capacity() > s.len() + s.len() / 8 {
        *s = s.as_str().to_owned();
    }
}

fn record_link(
    r: &mut Rendered,
    lines: &Lines,
    input: Input<'_>,
    dest: &str,
    offset: usize,
    image: bool,
) -> String {
    let resolved = links::resolve(dest, input.rel);
    let (line, column) = lines.line_col(input.body, offset);
    if let Target::Unsafe { scheme } = &resolved.target {
        r.notes.push(Note {
            kind: "unsafe-link",
            line,
            message: format!(
                "a `{scheme}:` link was removed; such links can run code in a reader's browser"
            ),
        });
    }
    r.links.push(Link {
        dest: dest.to_string(),
        target: resolved.target,
        line,
        column,
        image,
    });
    resolved.href
}

/// The index of the `End(Heading)` matching the `Start(Heading)` at `start`.
fn heading_end(events: &[(Event<'_>, std::ops::Range<usize>)], start: usize) -> usize {
    events[start..]
        .iter()
        .position(|(e, _)| matches!(e, Event::End(TagEnd::Heading(_))))
        .map_or(events.len() - 1, |p| start + p)
}

fn heading_text(events: &[(Event<'_>, std::ops::Range<usize>)]) -> String {
    let mut text = String::new();
    for (e, _) in events {
        match e {
            Event::End(TagEnd::Heading(_)) => break,
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            _ => {}
        }
    }
    text
}

fn code_block(
    lang: &str,
    text: &str,
    line: usize,
    notes: &mut Vec<Note>,
    highlights: Option<(&Highlights, crate::cache::Key)>,
) -> String {
    let class = if lang.is_empty() {
        String::new()
    } else {
        format!(" class=\"language-{}\"", escape_attr(lang))
    };
    let highlighted = match highlights {
        Some((cache, key)) => cache.get_or_keyed(key, || highlight::highlight(text, lang)),
        None => highlight::highlight(text, lang),
    };
    match highlighted {
        Ok(inner) => format!("<pre class=\"code\"><code{class}>{inner}</code></pre>\n"),
        Err(reason) => {
            if let Fallback::TooLarge(why) = reason {
                notes.push(Note {
                    kind: "highlight",
                    line,
                    message: format!("{why}; it is shown as plain text"),
                });
            }
            let mut escaped = String::with_capacity(text.len() + 16);
            pulldown_cmark_escape::escape_html_body_text(&mut escaped, text).ok();
            format!("<pre class=\"code\"><code{class}>{escaped}</code></pre>\n")
        }
    }
}

fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    pulldown_cmark_escape::escape_html(&mut out, s).ok();
    out
}

/// Raw HTML in a document is kept but cleaned: scripts, event handlers and unsafe URL schemes
/// go, the formatting stays. Only pages that contain raw HTML pay for this.
fn sanitize(html: &str) -> String {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER
        .get_or_init(|| {
            let mut b = ammonia::Builder::default();
            b.add_tags([
                "details",
                "summary",
                "kbd",
                "mark",
                "input",
                "figure",
                "figcaption",
                "span",
                "div",
                "abbr",
                "sup",
                "sub",
                "section",
            ])
            .add_generic_attributes(["class", "id", "title", "aria-hidden", "align"])
            .add_tag_attributes("input", ["type", "checked", "disabled"])
            .add_tag_attributes("details", ["open"])
            .add_tag_attributes("th", ["style"])
            .add_tag_attributes("td", ["style"])
            .url_schemes(["http", "https", "mailto", "tel"].into())
            .link_rel(None);
            b
        })
        .clean(html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pass's output with its HTML and text as strings (they are in memory: nothing
    /// here comes from a build cache).
    struct Out {
        html: String,
        text: String,
        rendered: Rendered,
    }

    impl std::ops::Deref for Out {
        type Target = Rendered;
        fn deref(&self) -> &Rendered {
            &self.rendered
        }
    }

    fn render_str(body: &str) -> Out {
        let rendered = render(Input {
            body,
            body_line: 1,
            rel: "runbooks/a.md",
            title: Some("A"),
            html: true,
            highlights: None,
        });
        Out {
            html: rendered.html.in_memory().unwrap().to_string(),
            text: rendered.text.in_memory().unwrap().to_string(),
            rendered,
        }
    }

    #[test]
    fn headings_get_unique_github_anchors() {
        let r = render_str("## Failover steps\n\n## Failover steps\n\n### `pg` notes {#custom}\n");
        let ids: Vec<_> = r.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["failover-steps", "failover-steps-1", "custom"]);
        assert!(r.html.contains("<h2 id=\"failover-steps\">"), "{}", r.html);
        assert_eq!(r.headings[2].line, 5);
    }

    #[test]
    fn leading_title_heading_is_taken_out() {
        let r = render(Input {
            body: "# Database failover\n\nText\n",
            body_line: 1,
            rel: "a.md",
            title: None,
            html: true,
            highlights: None,
        });
        assert_eq!(r.title_heading.as_ref().unwrap().text, "Database failover");
        assert!(!r.html.in_memory().unwrap().contains("<h1"));
        let r = render(Input {
            body: "# Other\n",
            body_line: 1,
            rel: "a.md",
            title: Some("Title"),
            html: true,
            highlights: None,
        });
        assert!(r.title_heading.is_none());
        assert!(r.html.in_memory().unwrap().contains("<h1"));
    }

    #[test]
    fn links_are_rewritten_with_lines() {
        let r = render_str("intro\n\nsee [db](db.md#steps) and [x](https://x.example)\n");
        assert!(r.html.contains("href=\"db.html#steps\""), "{}", r.html);
        assert_eq!(r.links.len(), 2);
        assert_eq!((r.links[0].line, r.links[0].column), (3, 5));
        assert_eq!(r.links[1].target, Target::External);
    }

    #[test]
    fn links_in_code_are_not_links() {
        let r = render_str("`[a](b.md)`\n\n```\n[c](d.md)\n```\n");
        assert!(r.links.is_empty());
    }

    #[test]
    fn t1_tasks_follow_gfm() {
        let body = "- [x] done\n- [X] upper\n- [ ] open @alice due 2026-01-02\n  - [ ] nested\n- [x]no-space\n\n```\n- [ ] in code\n```\n\n> - [ ] quoted\n";
        let r = render_str(body);
        let summary: Vec<_> = r
            .tasks
            .iter()
            .map(|t| (t.done, t.text.as_str(), t.line))
            .collect();
        assert_eq!(
            summary,
            [
                (true, "done", 1),
                (true, "upper", 2),
                (false, "open @alice due 2026-01-02", 3),
                (false, "nested", 4),
                (false, "quoted", 11),
            ]
        );
        assert_eq!(r.tasks_done(), 2);
    }

    #[test]
    fn code_is_highlighted_or_plain() {
        let r = render_str("```rust\nfn main() {}\n```\n\n```nonexistent-lang\n<b>x</b>\n```\n");
        assert!(r.html.contains("class=\"language-rust\""));
        assert!(r.html.contains("hl-"));
        assert!(r.html.contains("&lt;b&gt;x&lt;/b&gt;"), "{}", r.html);
        assert!(r.notes.is_empty());
        assert!(r.text.contains("fn main()"));
    }

    #[test]
    fn x4_unsafe_links_and_raw_html_are_neutralised() {
        let r = render_str("[x](javascript:alert(1)) [y](JaVaScRiPt:alert(1))\n\n<script>alert(1)</script>\n\n<a href=\"data:text/html,x\" onclick=\"y()\">d</a> <kbd>Ctrl</kbd>\n");
        assert!(!r.html.to_lowercase().contains("javascript:"), "{}", r.html);
        assert!(!r.html.contains("<script"), "{}", r.html);
        assert!(!r.html.contains("data:text"), "{}", r.html);
        assert!(!r.html.contains("onclick"), "{}", r.html);
        assert!(r.html.contains("<kbd>Ctrl</kbd>"), "{}", r.html);
        assert_eq!(
            r.notes.iter().filter(|n| n.kind == "unsafe-link").count(),
            2
        );
    }

    #[test]
    fn words_that_look_like_attributes_stay_text() {
        // From fuzzing: a table cell saying `src="javascript:` is text, never a tag.
        let r = render_str(
            "| a | b |\n|---|---|\n| x src=\"javascript:alert(1)\" | <b onclick=\"y()\">z</b> |\n",
        );
        let tags: Vec<&str> = r
            .html
            .split('<')
            .skip(1)
            .map(|t| t.split('>').next().unwrap_or(""))
            .collect();
        assert!(
            tags.iter()
                .all(|t| !t.to_lowercase().contains("javascript:") && !t.contains("onclick")),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("src=\"javascript:alert(1)\"")
                || r.html.contains("src=&quot;javascript:"),
            "{}",
            r.html
        );
    }

    #[test]
    fn schemes_split_by_tabs_or_entities_are_unsafe_too() {
        // A browser drops tabs and line feeds from a URL before reading its scheme.
        for dest in [
            "<java\tscript:alert(1)>",
            "<java\nscript:alert(1)>",
            "java&#9;script:alert(1)",
            "&#106;avascript:alert(1)",
            "<\x01javascript:alert(1)>",
            "<  javascript:alert(1)>",
        ] {
            let r = render_str(&format!("[x]({dest})\n"));
            let hrefs: Vec<String> = r
                .html
                .split("href=\"")
                .skip(1)
                .map(|h| h.split('"').next().unwrap().to_lowercase())
                .collect();
            assert!(
                hrefs.iter().all(|h| {
                    let h: String = h
                        .replace("&#9;", "")
                        .replace("&#x9;", "")
                        .chars()
                        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                        .collect();
                    !h.trim_start_matches(|c: char| c <= ' ').contains("script:")
                }),
                "{dest}: {}",
                r.html
            );
        }
    }

    #[test]
    fn body_line_offsets_are_added() {
        let r = render(Input {
            body: "text\n\n- [ ] x\n",
            body_line: 7,
            rel: "a.md",
            title: None,
            html: true,
            highlights: None,
        });
        assert_eq!(r.tasks[0].line, 9);
    }
}
