//! Front matter: splitting a file and parsing its YAML never panics, and what comes back
//! points inside the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opsbook::front_matter;
use opsbook::handbook::decode_text;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = decode_text(data) else {
        return;
    };
    let lines = text.split('\n').count();
    match front_matter::split(&text) {
        Ok(split) => {
            assert!(
                text.ends_with(split.body),
                "the body is the end of the file"
            );
            assert!(split.body_line >= 1 && split.body_line <= lines + 1);
            match front_matter::parse(&split) {
                Ok(fm) => {
                    for line in fm.key_lines.values() {
                        assert!(*line >= 1 && *line <= lines, "key line {line} of {lines}");
                    }
                }
                Err(problems) => {
                    assert!(!problems.is_empty(), "an error names a problem");
                    for p in problems {
                        assert!(p.line >= 1 && p.line <= lines + 1, "{p:?} of {lines} lines");
                        assert!(!p.message.is_empty());
                    }
                }
            }
        }
        Err(problem) => assert!(problem.line >= 1 && problem.line <= lines),
    }
});
