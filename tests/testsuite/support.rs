//! A test handbook in a temporary folder: from a fixture or written file by file, then
//! loaded, built or run through the real binary.

use assert_cmd::Command;
use jiff::civil::Date;
use opsbook::{BuildOptions, BuildReport, Handbook, LoadOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

pub const TODAY: &str = "2026-11-21";

pub fn today() -> Date {
    TODAY.parse().unwrap()
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub struct TestBook {
    pub dir: TempDir,
}

impl TestBook {
    /// An empty handbook: a `book.toml` with a title and an empty content folder.
    pub fn new() -> TestBook {
        let book = TestBook {
            dir: tempfile::tempdir().unwrap(),
        };
        book.file("book.toml", "[book]\ntitle = \"Test\"\n");
        std::fs::create_dir_all(book.root().join("content")).unwrap();
        book
    }

    /// A copy of `tests/fixtures/<name>`.
    pub fn fixture(name: &str) -> TestBook {
        let book = TestBook {
            dir: tempfile::tempdir().unwrap(),
        };
        copy_tree(&fixtures().join(name), book.root());
        book
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn out(&self) -> PathBuf {
        self.root().join("book")
    }

    /// Writes a file (creating folders) and returns the handbook for chaining.
    pub fn file(&self, rel: &str, text: &str) -> &TestBook {
        self.bytes(rel, text.as_bytes())
    }

    pub fn bytes(&self, rel: &str, bytes: &[u8]) -> &TestBook {
        let path = self.root().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
        self
    }

    pub fn load(&self) -> Handbook {
        Handbook::load(self.root(), &LoadOptions::default()).unwrap()
    }

    /// Loads and builds through the library; panics on content errors.
    pub fn build(&self) -> BuildReport {
        let handbook = self.load();
        assert!(
            !handbook.has_errors(),
            "unexpected errors: {:#?}",
            handbook.diagnostics
        );
        opsbook::build(&handbook, &self.options()).unwrap()
    }

    pub fn options(&self) -> BuildOptions {
        BuildOptions {
            today: today(),
            out: None,
            progress: false,
            cache: Default::default(),
        }
    }

    /// The real binary, run in the handbook's folder.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("opsbook").unwrap();
        cmd.current_dir(self.root())
            .args(args)
            .env_remove("OPSBOOK_LOG");
        cmd
    }

    /// `opsbook build --today TODAY` through the binary: (exit code, stderr).
    pub fn cli_build(&self) -> (i32, String) {
        let output = self.cmd(&["build", "--today", TODAY]).output().unwrap();
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// A file of the build output as text.
    pub fn read(&self, rel: &str) -> String {
        let path = self.out().join(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The `<main>` element of an output page: the part a test should look at.
    pub fn main_of(&self, rel: &str) -> String {
        let html = self.read(rel);
        let start = html.find("<main").expect("page has <main>");
        let end = html.find("</main>").expect("page has </main>");
        html[start..end].to_string()
    }

    pub fn catalog(&self) -> serde_json::Value {
        serde_json::from_str(&self.read("catalog.json")).unwrap()
    }
}

/// The distinct document types of a handbook, sorted.
pub fn doc_types(handbook: &Handbook) -> Vec<&str> {
    let mut types: Vec<&str> = handbook
        .documents
        .iter()
        .map(|d| d.doc_type.as_str())
        .collect();
    types.sort_unstable();
    types.dedup();
    types
}

/// Every built-in type, as `opsbook init` and the sample handbook have them.
pub const ALL_TYPES: [&str; 8] = [
    "chapter",
    "decision",
    "incident",
    "onboarding",
    "page",
    "rfc",
    "runbook",
    "sop",
];

pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A clean, cache-less `opsbook build` of the handbook at `root` as it is now, made in a copy
/// of its sources (`book.toml`, `owners.yml`, `content/`, `theme/`); the site is in
/// `book/` of the returned folder.
pub fn clean_build_in_copy(root: &Path) -> TempDir {
    let copy = tempfile::tempdir().unwrap();
    for name in ["book.toml", "owners.yml", "content", "theme"] {
        let from = root.join(name);
        if from.is_dir() {
            copy_tree(&from, &copy.path().join(name));
        } else if from.is_file() {
            std::fs::copy(&from, copy.path().join(name)).unwrap();
        }
    }
    let out = Command::cargo_bin("opsbook")
        .unwrap()
        .current_dir(copy.path())
        .args(["build", "--no-cache", "--today", TODAY])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    copy
}

/// Every file under `dir` with its bytes, by relative path.
pub fn snapshot_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// Asserts two trees are equal, naming the first difference.
pub fn assert_same_tree(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) {
    let names_a: Vec<_> = a.keys().collect();
    let names_b: Vec<_> = b.keys().collect();
    assert_eq!(names_a, names_b, "the trees hold different files");
    for (name, bytes) in a {
        assert!(bytes == &b[name], "{name} differs");
    }
}

/// The text of an HTML fragment: tags dropped, the common entities decoded, whitespace
/// collapsed.
pub fn text_of(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The body rows of the first table whose opening tag contains `marker`, as cell texts.
pub fn table_rows(html: &str, marker: &str) -> Vec<Vec<String>> {
    let start = html
        .match_indices("<table")
        .map(|(i, _)| i)
        .find(|&i| html[i..].split('>').next().unwrap_or("").contains(marker))
        .unwrap_or_else(|| panic!("no table with {marker:?} in {html}"));
    let table = &html[start..start + html[start..].find("</table>").unwrap()];
    let body = &table[table.find("<tbody>").unwrap()..];
    body.split("<tr")
        .skip(1)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|cell| text_of(&format!("<td{}", cell.split("</td>").next().unwrap())))
                .collect()
        })
        .collect()
}

/// The part of a page from the element with `id` up to `end` (the element's tag included).
pub fn section_of(html: &str, id: &str, end: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let start = html[..at].rfind('<').unwrap_or(at);
    let rest = &html[start..];
    rest[..rest.find(end).unwrap_or(rest.len())].to_string()
}

/// No staging folder (`opsbook-tmp`) or set-aside output (`opsbook-old`) is left beside the
/// output of `book`.
pub fn assert_no_leftovers(book: &TestBook) {
    let leftovers: Vec<String> = std::fs::read_dir(book.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("opsbook-tmp") || n.contains("opsbook-old"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
