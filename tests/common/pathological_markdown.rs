//! The Markdown inputs of RELIABILITY's P2 row (those that made Markdown parsers quadratic or
//! overflow their stack), shared by the debug suite (`bad_input.rs`: no overflow) and the
//! release budgets (`tests/pathological.rs`: time and memory).

/// (name, document body) of each P2 case.
pub fn cases() -> Vec<(&'static str, String)> {
    vec![
        ("links", "[a](<b".repeat(50_000)),
        ("comments", "!-- <".repeat(10_000)),
        ("emphasis", "[*_a".repeat(200_000)),
        ("quotes", format!("{}text\n", ">".repeat(50_000))),
        (
            "lists",
            (0..10_000)
                .map(|d| format!("{}- item\n", "  ".repeat(d)))
                .collect(),
        ),
    ]
}
