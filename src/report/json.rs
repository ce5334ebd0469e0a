//! The JSON report of the contract: `today`, `summary`, `findings`, pretty-printed with two
//! spaces, fields in a fixed order, a trailing newline.

use crate::check::Report;

pub fn render(report: &Report) -> String {
    // Serializing plain structs and strings cannot fail.
    let mut out = serde_json::to_string_pretty(report).unwrap_or_default();
    out.push('\n');
    out
}
