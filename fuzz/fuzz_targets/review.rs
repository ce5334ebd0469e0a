//! `opsbook review`: the rewritten file parses, carries the new date, keeps every other
//! field, and differs from the original only in the `last_reviewed` line.
#![no_main]

use jiff::civil::date;
use libfuzzer_sys::fuzz_target;
use opsbook::edit::mark_reviewed;
use opsbook::front_matter::{self, FrontMatter};
use opsbook::handbook::decode_text;

/// The front matter of a decoded text, if it has a valid one.
fn front_matter(text: &str) -> Option<Result<FrontMatter, ()>> {
    let split = front_matter::split(text).ok()?;
    split.yaml?;
    Some(front_matter::parse(&split).map_err(|_| ()))
}

/// Lines other than `last_reviewed:` ones.
fn without_date(text: &str) -> Vec<&str> {
    text.split('\n')
        .filter(|l| !l.starts_with("last_reviewed:"))
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Ok(original) = std::str::from_utf8(data) else {
        return;
    };
    let day = date(2026, 11, 21);
    let Ok(out) = mark_reviewed(original, day, None) else {
        return;
    };
    let before = decode_text(original.as_bytes()).expect("valid UTF-8");
    let after = decode_text(out.as_bytes()).expect("the output is UTF-8");
    let mut fm = match front_matter(&after) {
        Some(Ok(fm)) => fm,
        other => panic!("the output's front matter does not parse: {other:?}\n{out:?}"),
    };
    assert_eq!(fm.last_reviewed, Some(day), "{out:?}");
    match front_matter(&before) {
        Some(Ok(mut old)) => {
            // Every other field reads back the same.
            old.last_reviewed = None;
            old.key_lines.clear();
            fm.last_reviewed = None;
            fm.key_lines.clear();
            assert_eq!(fm, old, "{original:?} -> {out:?}");
            assert_eq!(
                without_date(&after),
                without_date(&before),
                "{original:?} -> {out:?}"
            );
        }
        Some(Err(())) => panic!("invalid front matter was rewritten: {original:?} -> {out:?}"),
        None => {
            // No front matter: a block with the date goes on top, the rest is kept.
            assert_eq!(after, format!("---\nlast_reviewed: {day}\n---\n{before}"));
        }
    }
});
