//! SARIF 2.1.0, for code-scanning tools: one run, one rule per finding kind, one result per
//! finding with its file and line.

use crate::check::{describe, Report, KINDS};
use crate::diagnostics::Severity;
use serde_json::json;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Where the tool is described. A placeholder until the project has a public home.
const INFORMATION_URI: &str = "https://github.com/your-org/opsbook";

pub fn render(report: &Report) -> String {
    // The kinds of this version first, then the load problems found, in name order.
    let mut kinds: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
    let mut extra: Vec<&str> = report
        .findings
        .iter()
        .map(|f| f.kind)
        .filter(|k| !kinds.contains(k))
        .collect();
    extra.sort_unstable();
    extra.dedup();
    kinds.extend(extra);
    let rules: Vec<serde_json::Value> = kinds
        .iter()
        .map(|k| {
            json!({
                "id": k,
                "name": k,
                "shortDescription": {"text": describe(k)},
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = report
        .findings
        .iter()
        .map(|f| {
            let level = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            json!({
                "ruleId": f.kind,
                "ruleIndex": kinds.iter().position(|k| *k == f.kind).unwrap_or(0),
                "level": level,
                "message": {"text": f.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&f.path)},
                        "region": {"startLine": f.line.max(1)},
                    }
                }],
            })
        })
        .collect();
    let sarif = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "opsbook",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": INFORMATION_URI,
                    "rules": rules,
                }
            },
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&sarif).unwrap_or_default();
    out.push('\n');
    out
}

/// A relative path as a URI reference: every byte outside the unreserved set and `/` is
/// percent-encoded (a space, `#` or `%` in a file name must not change the path).
fn uri(path: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'/')
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(path, SET).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn r4_uris_are_percent_encoded() {
        assert_eq!(super::uri("content/a b#%.md"), "content/a%20b%23%25.md");
    }
}
