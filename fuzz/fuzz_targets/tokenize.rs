//! The search tokenizer: folding is idempotent, terms are non-empty runs of word characters
//! taken from the folded text in order, and folding the terms changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opsbook::search::tokenize::{fold, terms, tokenize};

fuzz_target!(|text: &str| {
    let folded = fold(text);
    assert_eq!(
        fold(&folded),
        folded,
        "folding twice is folding once: {text:?}"
    );
    let found = terms(&folded);
    let mut at = 0;
    for term in &found {
        assert!(!term.is_empty());
        assert!(!term.chars().any(char::is_whitespace), "{term:?}");
        assert_eq!(&fold(term), term, "a term is folded: {term:?}");
        // Terms come in order (CJK bigrams overlap by one character).
        let start = term.as_ptr() as usize - folded.as_ptr() as usize;
        assert!(start + term.len() <= folded.len());
        assert!(start + 4 >= at, "{text:?}");
        at = start + term.len();
    }
    assert_eq!(
        tokenize(text),
        found.iter().map(|t| t.to_string()).collect::<Vec<_>>()
    );
});
