//! RELIABILITY's table is covered: every row has at least one test named after it, the row's id
//! in lowercase and an underscore (`s1_…`, `y4_…`), among the tests under `tests/` and `src/`.
//! CONTRIBUTING lists them row by row.

use std::path::Path;

/// The rows of the reliability table, in its order.
const ROWS: [&str; 38] = [
    "S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9", "S10", "S11", //
    "X1", "X2", "X3", "X4", "X5", //
    "Y1", "Y2", "Y3", "Y4", //
    "F1", "F2", "F3", //
    "T1", //
    "P1", "P2", "P3", //
    "W1", "W2", "W3", "W4", "W5", //
    "B1", "B2", //
    "R1", "R2", "R3", "R4",
];

/// The test functions of a Rust file: each `fn` with `#[test]` among the attributes and
/// comments right above it.
fn tests_in(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut names = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(rest) = line
            .strip_prefix("fn ")
            .or_else(|| line.strip_prefix("pub fn "))
        else {
            continue;
        };
        let is_test = lines[..i]
            .iter()
            .rev()
            .take_while(|l| l.starts_with("#[") || l.starts_with("//"))
            .any(|l| *l == "#[test]");
        if is_test {
            names.push(
                rest.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect(),
            );
        }
    }
    names
}

/// Every test under `dir`, as (file relative to the package, name).
fn tests_under(dir: &Path, package: &Path) -> Vec<(String, String)> {
    let mut tests = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() || entry.path().extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let file = entry
            .path()
            .strip_prefix(package)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        tests.extend(tests_in(&text).into_iter().map(|name| (file.clone(), name)));
    }
    tests
}

#[test]
fn reliability_rows_each_have_a_named_test() {
    let mut ids = ROWS.to_vec();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 38, "a row is listed twice");

    let package = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut tests = tests_under(&package.join("tests"), package);
    tests.extend(tests_under(&package.join("src"), package));
    assert!(tests.len() > 100, "only {} tests found", tests.len());

    let mut missing = Vec::new();
    for row in ROWS {
        let prefix = format!("{}_", row.to_lowercase());
        let named: Vec<String> = tests
            .iter()
            .filter(|(_, name)| name.starts_with(&prefix))
            .map(|(file, name)| format!("{file}: {name}"))
            .collect();
        if named.is_empty() {
            missing.push(row);
        } else {
            println!("{row}: {}", named.join(", "));
        }
    }
    assert!(
        missing.is_empty(),
        "no test is named after the reliability row(s) {}: name a test that covers the row \
         with its id in lowercase and an underscore, like `{}_…`, and list it in CONTRIBUTING",
        missing.join(", "),
        missing[0].to_lowercase()
    );
}

#[test]
fn reliability_test_names_are_read_from_test_functions_only() {
    let text = "#[test]\nfn s1_a() {}\n\n/// Doc.\n#[cfg(unix)]\n#[test]\n#[ignore = \"slow\"]\nfn s2_b() {}\n\nfn s3_helper() {}\n    #[test]\n    fn x1_inner() {\n    }\n#[test]\nfn\n";
    assert_eq!(tests_in(text), ["s1_a", "s2_b", "x1_inner"]);
}
