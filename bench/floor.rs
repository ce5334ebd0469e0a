//! The benchmark's floor: the least work any handbook builder does.
//!
//! For every `.md` file under `SRC/content`, strips the YAML front matter (from a first line
//! `---` to the next line `---`), renders the Markdown with pulldown-cmark (the extensions
//! opsbook enables: tables, footnotes, strikethrough, task lists, heading attributes) and
//! writes `OUT/<same path>.html`, in parallel with rayon. Nothing else: no templates, no
//! highlighting, no links, no search. `bench/bench.py` times it beside opsbook and its peers.
//!
//! Usage: `cargo run --release --example floor -- SRC OUT`

use pulldown_cmark::{html, Options, Parser};
use rayon::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use walkdir::WalkDir;

/// The same extensions as opsbook's Markdown pass (`src/markdown.rs`).
fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// The text after the front matter: everything after the second line that is `---`, when the
/// first line is `---`; the whole text otherwise (or when the front matter never closes).
fn body(text: &str) -> &str {
    let mut lines = text.split_inclusive('\n');
    let mut at = match lines.next() {
        Some(first) if first.trim_end() == "---" => first.len(),
        _ => return text,
    };
    for line in lines {
        at += line.len();
        if line.trim_end() == "---" {
            return &text[at..];
        }
    }
    text
}

fn render(src: &Path, dest: &Path) -> Result<usize, String> {
    let text = fs::read_to_string(src).map_err(|e| format!("{}: {e}", src.display()))?;
    let md = body(&text);
    let mut out = String::with_capacity(md.len() * 3 / 2);
    html::push_html(&mut out, Parser::new_ext(md, options()));
    fs::write(dest, &out).map_err(|e| format!("{}: {e}", dest.display()))?;
    Ok(out.len())
}

fn run(src: &Path, out: &Path) -> Result<(usize, usize), String> {
    let content = src.join("content");
    let mut files: Vec<(PathBuf, PathBuf)> = Vec::new();
    for entry in WalkDir::new(&content).sort_by_file_name() {
        let entry = entry.map_err(|e| e.to_string())?;
        let rel = entry
            .path()
            .strip_prefix(&content)
            .map_err(|e| e.to_string())?;
        let dest = out.join(rel);
        if entry.file_type().is_dir() {
            fs::create_dir_all(&dest).map_err(|e| format!("{}: {e}", dest.display()))?;
        } else if entry.path().extension().is_some_and(|x| x == "md") {
            files.push((entry.path().to_path_buf(), dest.with_extension("html")));
        }
    }
    let bytes = files
        .par_iter()
        .map(|(src, dest)| render(src, dest))
        .try_reduce(|| 0, |a, b| Ok(a + b))?;
    Ok((files.len(), bytes))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [src, out] = args.as_slice() else {
        eprintln!("usage: floor SRC OUT\n\nRenders every SRC/content/**/*.md to OUT/**/*.html (no templates).");
        return ExitCode::from(2);
    };
    let t0 = Instant::now();
    match run(Path::new(src), Path::new(out)) {
        Ok((files, bytes)) => {
            eprintln!(
                "floor: rendered {files} pages ({:.1} MB of HTML) in {:.2} s",
                bytes as f64 / 1e6,
                t0.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("floor: error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::body;

    #[test]
    fn strips_front_matter() {
        assert_eq!(body("---\ntitle: A\n---\n# B\n"), "# B\n");
        assert_eq!(body("---\r\ntitle: A\r\n---\r\nB"), "B");
        assert_eq!(body("# No front matter\n"), "# No front matter\n");
        assert_eq!(
            body("---\ntitle: never closed\n"),
            "---\ntitle: never closed\n"
        );
    }
}
