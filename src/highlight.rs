//! Code highlighting with syntect, as a dozen short CSS classes (`hl-k` keyword, `hl-s`
//! string, …) so one stylesheet colours every page, light and dark.
//!
//! syntect's own class output names every scope of every token (`hl-meta hl-function
//! hl-parameters hl-rust …`), which made a highlighted block six times the size of its code and
//! the site's output mostly class names. Here each token's scope stack is matched against
//! [`CLASSES`], a small table of scope selectors, the way a colour theme is matched (the most
//! specific selector wins), and neighbouring tokens of one class share a span.
//!
//! The syntax set is loaded once, lazily, and shared by every thread (its regular expressions
//! are compiled once, on first use; their engines keep a cache per thread). Code that is too
//! large to highlight in good time falls back to escaped plain text; the caller reports it.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::str::FromStr;
use syntect::highlighting::{
    Color, HighlightIterator, HighlightState, Highlighter, ScopeSelectors, StyleModifier, Theme,
    ThemeItem,
};
use syntect::parsing::{ParseState, ScopeStack, ScopeStackOp, SyntaxSet};
use syntect::util::LinesWithEndings;

/// A line longer than this is not highlighted (regex engines can take very long on it).
pub const MAX_LINE_BYTES: usize = 16 * 1024;
/// A code block larger than this is not highlighted.
pub const MAX_BLOCK_BYTES: usize = 512 * 1024;

/// One class of token: its name (after `hl-`), the scope selectors that pick it, and its
/// colours on a light and on a dark background, with an extra CSS declaration.
struct Class {
    name: &'static str,
    selectors: &'static str,
    light: &'static str,
    dark: &'static str,
    extra: &'static str,
}

/// The classes, most of them after the scope names TextMate grammars share. A token takes the
/// class of the most specific matching selector (`keyword.operator` beats `keyword`); a token
/// no selector matches is plain text. Colours follow GitHub's light and dark code palettes,
/// each at least 4.5:1 against the code background of the default theme.
const CLASSES: &[Class] = &[
    Class {
        name: "c",
        selectors: "comment, punctuation.definition.comment",
        light: "#5c6370",
        dark: "#8b949e",
        extra: "font-style: italic;",
    },
    Class {
        name: "s",
        selectors: "string, constant.other.symbol, markup.raw, string.unquoted.heredoc",
        light: "#0a3069",
        dark: "#a5d6ff",
        extra: "",
    },
    Class {
        name: "e",
        selectors: "constant.character.escape, string.regexp, string source",
        light: "#116329",
        dark: "#7ee787",
        extra: "",
    },
    Class {
        name: "n",
        selectors: "constant.numeric, constant.language, constant.character, constant.other, \
                    support.constant, variable.other.constant",
        light: "#0550ae",
        dark: "#79c0ff",
        extra: "",
    },
    Class {
        name: "k",
        selectors: "keyword, storage, variable.language, keyword.other.DML, keyword.other.DDL",
        light: "#cf222e",
        dark: "#ff7b72",
        extra: "",
    },
    Class {
        name: "o",
        selectors: "keyword.operator",
        light: "#a0111f",
        dark: "#ffa198",
        extra: "",
    },
    Class {
        name: "f",
        selectors: "entity.name.function, support.function, variable.function, \
                    meta.function-call.identifier, entity.name.command",
        light: "#6639ba",
        dark: "#d2a8ff",
        extra: "",
    },
    Class {
        name: "t",
        selectors: "entity.name.type, entity.name.class, entity.name.struct, entity.name.enum, \
                    entity.name.trait, entity.name.impl, entity.other.inherited-class, \
                    support.type, support.class, storage.type.numeric, storage.type.primitive",
        light: "#953800",
        dark: "#ffa657",
        extra: "",
    },
    Class {
        name: "v",
        selectors: "variable.parameter, variable.other.readwrite.shell, \
                    variable.other.normal.shell, punctuation.definition.variable",
        light: "#8a4600",
        dark: "#f0b072",
        extra: "",
    },
    Class {
        name: "a",
        selectors: "entity.name.tag, entity.other.attribute-name, support.type.property-name, \
                    meta.mapping.key string, meta.attribute",
        light: "#116329",
        dark: "#7ee787",
        extra: "",
    },
    Class {
        name: "h",
        selectors: "markup.heading, markup.bold, entity.name.section",
        light: "#0550ae",
        dark: "#79c0ff",
        extra: "font-weight: 600;",
    },
    Class {
        name: "i",
        selectors: "markup.inserted",
        light: "#116329",
        dark: "#aff5b4",
        extra: "background: light-dark(#dafbe1, #033a16);",
    },
    Class {
        name: "d",
        selectors: "markup.deleted",
        light: "#82071e",
        dark: "#ffdcd7",
        extra: "background: light-dark(#ffebe9, #67060c);",
    },
];

/// The class table as a syntect theme whose foreground colours are class numbers (red = index
/// in [`CLASSES`] + 1, 0 for plain text): syntect's theme matching does the scoring.
fn class_theme() -> Theme {
    let mut theme = Theme::default();
    theme.settings.foreground = Some(Color::BLACK);
    for (i, class) in CLASSES.iter().enumerate() {
        let scope = ScopeSelectors::from_str(class.selectors)
            .unwrap_or_else(|e| panic!("bad selectors for hl-{}: {e:?}", class.name));
        theme.scopes.push(ThemeItem {
            scope,
            style: StyleModifier {
                foreground: Some(Color {
                    r: i as u8 + 1,
                    g: 0,
                    b: 0,
                    a: 0xff,
                }),
                background: None,
                font_style: None,
            },
        });
    }
    theme
}

struct Highlighting {
    syntaxes: SyntaxSet,
    theme: Theme,
}

fn with_syntaxes<T>(f: impl FnOnce(&Highlighting) -> T) -> T {
    static SET: std::sync::OnceLock<Highlighting> = std::sync::OnceLock::new();
    f(SET.get_or_init(|| Highlighting {
        syntaxes: SyntaxSet::load_defaults_newlines(),
        theme: class_theme(),
    }))
}

/// Why a block was shown as plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fallback {
    /// No language given, or one syntect does not know: plain text, not worth a warning.
    UnknownLanguage,
    /// Too large to highlight: worth a warning.
    TooLarge(String),
}

/// Highlights `code` written in `lang` into the inside of a `<code>` element.
pub fn highlight(code: &str, lang: &str) -> Result<String, Fallback> {
    let lang = lang.trim();
    if lang.is_empty() {
        return Err(Fallback::UnknownLanguage);
    }
    if code.len() > MAX_BLOCK_BYTES {
        return Err(Fallback::TooLarge(format!(
            "the code block is {} KiB, over the {} KiB highlighting limit",
            code.len() / 1024,
            MAX_BLOCK_BYTES / 1024
        )));
    }
    if let Some(long) = code.split('\n').map(str::len).find(|&l| l > MAX_LINE_BYTES) {
        return Err(Fallback::TooLarge(format!(
            "the code block has a line of {} KiB, over the {} KiB highlighting limit",
            long / 1024,
            MAX_LINE_BYTES / 1024
        )));
    }
    with_syntaxes(|h| {
        let syntax = h
            .syntaxes
            .find_syntax_by_token(lang)
            .ok_or(Fallback::UnknownLanguage)?;
        let highlighter = Highlighter::new(&h.theme);
        let mut parser = ParseState::new(syntax);
        let mut state = HighlightState::new(&highlighter, ScopeStack::new());
        let mut out = Spans::with_capacity(code.len() + code.len() / 2);
        for line in LinesWithEndings::from(code) {
            let ops = LINES.with_borrow_mut(|lines| lines.parse(&mut parser, line, h))?;
            for (style, text) in HighlightIterator::new(&mut state, &ops, line, &highlighter) {
                out.push(style.foreground.r, text);
            }
        }
        Ok(out.finish())
    })
}

thread_local! {
    static LINES: std::cell::RefCell<Lines> = std::cell::RefCell::default();
}

/// What parsing a line gave: the parser's state after it, and the scope operations.
type Parsed = (ParseState, Vec<(usize, ScopeStackOp)>);

/// Lines parsed before, by their text and the parser's state before them: the same line in
/// the same state parses the same way, so it is parsed once. Code blocks repeat lines (the
/// same commands in many runbooks, the same boilerplate in many snippets), and parsing is
/// where highlighting spends its time. One per thread, like the syntax set; emptied when it
/// grows past [`Lines::MAX`] lines.
#[derive(Default)]
struct Lines {
    parsed: HashMap<Box<str>, Vec<(ParseState, Parsed)>>,
    count: usize,
}

impl Lines {
    const MAX: usize = 50_000;

    fn parse(
        &mut self,
        parser: &mut ParseState,
        line: &str,
        h: &Highlighting,
    ) -> Result<Vec<(usize, ScopeStackOp)>, Fallback> {
        if let Some((after, ops)) = self
            .parsed
            .get(line)
            .and_then(|seen| seen.iter().find(|(before, _)| before == parser))
            .map(|(_, parsed)| parsed)
        {
            parser.clone_from(after);
            return Ok(ops.clone());
        }
        let before = parser.clone();
        let ops = parser
            .parse_line(line, &h.syntaxes)
            .map_err(|e| Fallback::TooLarge(format!("the highlighter gave up: {e}")))?;
        if self.count >= Lines::MAX {
            self.parsed.clear();
            self.count = 0;
        }
        self.count += 1;
        self.parsed
            .entry(line.into())
            .or_default()
            .push((before, (parser.clone(), ops.clone())));
        Ok(ops)
    }
}

/// Forgets the lines every thread of the pool remembered ([`Lines`]): called once the
/// documents are loaded, so their memory is there for the rest of the build.
pub fn forget_lines() {
    rayon::broadcast(|_| LINES.with_borrow_mut(|lines| *lines = Lines::default()));
    LINES.with_borrow_mut(|lines| *lines = Lines::default());
}

/// Escaped text in class spans, one span for a run of tokens of one class. Whitespace joins
/// the span around it rather than closing it.
struct Spans {
    html: String,
    open: u8,
}

impl Spans {
    fn with_capacity(bytes: usize) -> Spans {
        Spans {
            html: String::with_capacity(bytes),
            open: 0,
        }
    }

    fn push(&mut self, class: u8, text: &str) {
        let class = usize::from(class);
        let class = if class <= CLASSES.len() {
            class as u8
        } else {
            0
        };
        if class != self.open && !text.trim().is_empty() {
            if self.open != 0 {
                self.html.push_str("</span>");
            }
            if class != 0 {
                let name = CLASSES[usize::from(class) - 1].name;
                let _ = write!(self.html, "<span class=\"hl-{name}\">");
            }
            self.open = class;
        }
        pulldown_cmark_escape::escape_html_body_text(&mut self.html, text).ok();
    }

    fn finish(mut self) -> String {
        if self.open != 0 {
            self.html.push_str("</span>");
        }
        self.html
    }
}

/// The stylesheet for highlighted code: one rule per class, each colour a `light-dark()` pair
/// that follows the page's colour scheme (the reader's choice, else the system's).
pub fn stylesheet() -> String {
    let mut css = String::from(
        "/* Code colours, generated by opsbook: light-dark(light, dark) follows the page. */\n",
    );
    for class in CLASSES {
        let _ = writeln!(
            css,
            ".hl-{} {{ color: light-dark({}, {}); {}}}",
            class.name,
            class.light,
            class.dark,
            if class.extra.is_empty() {
                String::new()
            } else {
                format!("{} ", class.extra)
            }
        );
    }
    css
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_known_languages_with_classes() {
        let html = highlight("fn main() {}\n", "rust").unwrap();
        assert_eq!(
            html,
            "<span class=\"hl-k\">fn </span><span class=\"hl-f\">main</span>() {}\n"
        );
        let html = highlight("SELECT 1; -- one\n", "sql").unwrap();
        assert_eq!(
            html,
            "<span class=\"hl-k\">SELECT </span><span class=\"hl-n\">1</span>; \
             <span class=\"hl-c\">-- one\n</span>"
        );
    }

    #[test]
    fn the_most_specific_selector_wins_and_whitespace_stays_in_the_open_span() {
        // `keyword.operator` beats `keyword`; a string's quotes are string too.
        let html = highlight("let x = \"a b\" + 1;\n", "rust").unwrap();
        assert_eq!(
            html,
            "<span class=\"hl-k\">let</span> x <span class=\"hl-o\">= </span>\
             <span class=\"hl-s\">\"a b\" </span><span class=\"hl-o\">+ </span>\
             <span class=\"hl-n\">1</span>;\n"
        );
        // Two keywords apart by a space share one span.
        let html = highlight("pub fn f() {}\n", "rust").unwrap();
        assert!(
            html.starts_with("<span class=\"hl-k\">pub fn </span>"),
            "{html}"
        );
    }

    #[test]
    fn every_class_is_reachable_and_styled() {
        let css = stylesheet();
        for class in CLASSES {
            assert!(
                css.contains(&format!(".hl-{} {{ color: light-dark(", class.name)),
                "{css}"
            );
            assert!(ScopeSelectors::from_str(class.selectors).is_ok());
        }
        // Highlighted samples reach the common classes.
        let samples = [
            ("# note\nexport A=\"$HOME\"\nls -la\n", "bash"),
            ("key: 'value'\nn: 3\n", "yaml"),
            ("{\"k\": [1, true]}\n", "json"),
            ("def f(x):\n    return x\n", "python"),
            ("struct S;\nimpl S { fn new(a: u8) {} }\n", "rust"),
        ];
        let all: String = samples
            .iter()
            .map(|(code, lang)| highlight(code, lang).unwrap())
            .collect();
        for name in ["c", "s", "n", "k", "f", "t", "a", "v"] {
            assert!(
                all.contains(&format!("class=\"hl-{name}\"")),
                "hl-{name} in {all}"
            );
        }
    }

    #[test]
    fn a_line_parsed_before_is_reused_only_in_the_same_parser_state() {
        // `x = 1` as code, then inside a string: the same text in two states.
        let code = "x = 1\ns = \"\"\"\nx = 1\n\"\"\"\nx = 1\n";
        forget_lines();
        let fresh = highlight(code, "python").unwrap();
        assert!(
            fresh.matches("<span class=\"hl-n\">1").count() == 2,
            "the two lines of code have a number, the line in the string none: {fresh}"
        );
        // Remembered in one state, the line is parsed again in the other.
        highlight("x = 1\n", "python").unwrap();
        assert_eq!(highlight(code, "python").unwrap(), fresh);
        let inside = "s = \"\"\"\nx = 1\n\"\"\"\n";
        forget_lines();
        let inside_fresh = highlight(inside, "python").unwrap();
        highlight(code, "python").unwrap();
        assert_eq!(highlight(inside, "python").unwrap(), inside_fresh);
        LINES.with_borrow(|lines| assert!(lines.count > 0, "lines are remembered"));
        forget_lines();
        LINES.with_borrow(|lines| assert_eq!(lines.count, 0));
    }

    /// The classes every common language's sample gets, pinned: a change of syntect, of its
    /// regular-expression engine (`patches/fancy-regex`) or of [`CLASSES`] that changes what
    /// readers see shows here as a snapshot difference.
    #[test]
    fn highlighted_samples_of_common_languages_stay_the_same() {
        let samples = [
            ("bash", "#!/usr/bin/env bash\nset -euo pipefail\nfor host in \"$@\"; do\n  ssh \"$host\" 'systemctl restart queue' || echo \"failed: $host\" >&2\ndone\n"),
            ("yaml", "# rollout\nservice: billing\nreplicas: 3\nregions: [eu-west-1, us-east-1]\nalerts:\n  - name: lag\n    threshold_ms: 250\n    page: true\n"),
            ("json", "{\"owner\": \"@payments\", \"tier\": 1, \"paused\": false, \"tags\": [\"pci\", null]}\n"),
            ("sql", "-- stale sessions\nSELECT user_id, count(*) AS n\nFROM sessions\nWHERE last_seen < now() - interval '30 days'\nGROUP BY user_id HAVING count(*) > 5;\n"),
            ("python", "import os\n\n@retry(times=3)\ndef drain(queue: str, limit: int = 100) -> bool:\n    \"\"\"Empty the queue.\"\"\"\n    return len(queue) < limit and os.getenv(\"DRY_RUN\") is None\n"),
            ("rust", "/// Lag check.\npub fn check(lag_ms: u64) -> Result<(), String> {\n    if lag_ms > 500 { return Err(format!(\"lag {lag_ms} ms\")); }\n    let _x: Vec<&str> = vec![\"a\"];\n    Ok(())\n}\n"),
            ("go", "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfor i := 0; i < 3; i++ {\n\t\tfmt.Printf(\"try %d\\n\", i)\n\t}\n}\n"),
            ("js", "const retries = 3;\nasync function ping(url) {\n  const r = await fetch(url, { method: 'HEAD' });\n  return r.ok ? `up ${url}` : null; // status\n}\n"),
            ("html", "<!doctype html>\n<a href=\"/runbooks/db.html\" class=\"x\">Failover &amp; restore</a>\n"),
            ("css", ".badge.stale { color: #b00; margin: 0 4px; }\n@media (max-width: 600px) { nav { display: none } }\n"),
            ("xml", "<?xml version=\"1.0\"?>\n<!-- alert rules -->\n<rule name=\"lag\" threshold=\"250\"><page>true</page></rule>\n"),
            ("c", "#include <stdio.h>\nstatic int retries = 3;\nint main(void) { printf(\"%d\\n\", retries); return 0; }\n"),
            ("diff", "--- a/owners.yml\n+++ b/owners.yml\n@@ -1,2 +1,2 @@\n-payments: alice\n+payments: bob\n"),
            ("markdown", "# Heading\n\nSome **bold** and `code`, a [link](x.md).\n\n- [ ] task\n"),
        ];
        let mut all = String::new();
        for (lang, code) in samples {
            let html = highlight(code, lang).unwrap_or_else(|e| panic!("{lang}: {e:?}"));
            all.push_str(&format!("== {lang}\n{html}\n"));
        }
        insta::assert_snapshot!(all);
    }

    #[test]
    fn escapes_code() {
        let html = highlight("echo \"<script>\"\n", "bash").unwrap();
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
    }

    #[test]
    fn falls_back() {
        assert_eq!(
            highlight("x", "nonexistent-lang"),
            Err(Fallback::UnknownLanguage)
        );
        assert_eq!(highlight("x", ""), Err(Fallback::UnknownLanguage));
        let long = "a".repeat(MAX_LINE_BYTES + 1);
        assert!(matches!(
            highlight(&long, "rust"),
            Err(Fallback::TooLarge(_))
        ));
    }

    #[test]
    fn stylesheet_scopes_dark_rules() {
        let css = stylesheet();
        assert!(
            css.contains(".hl-k { color: light-dark(#cf222e, #ff7b72); }"),
            "{css}"
        );
        assert!(
            css.contains(".hl-c { color: light-dark(#5c6370, #8b949e); font-style: italic; }"),
            "{css}"
        );
    }
}
