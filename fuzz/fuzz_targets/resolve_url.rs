//! URL resolution in the server: whatever the request target, an accepted one names a path
//! inside the output folder (no `..`, no backslash, no NUL or control character, no drive or
//! stream, not absolute).
#![no_main]

use libfuzzer_sys::fuzz_target;
use opsbook::serve::resolve::resolve_url;

fuzz_target!(|target: &str| {
    let Ok(resolved) = resolve_url(target) else {
        return;
    };
    let rel = resolved.rel.as_str();
    assert!(!rel.starts_with('/'), "{target:?} -> {rel:?}");
    assert!(
        !rel.contains('\\') && !rel.contains(':'),
        "{target:?} -> {rel:?}"
    );
    assert!(!rel.chars().any(char::is_control), "{target:?} -> {rel:?}");
    let body = rel.strip_suffix('/').unwrap_or(rel);
    if !body.is_empty() {
        for segment in body.split('/') {
            assert!(
                !segment.is_empty() && segment != "." && segment != "..",
                "{target:?} -> {rel:?}"
            );
            assert!(!segment.starts_with('.'), "{target:?} -> {rel:?}");
        }
    }
    // Joined to a root, the path stays under it.
    let root = std::path::Path::new("/srv/site");
    let joined = root.join(body);
    assert!(joined.starts_with(root), "{target:?} -> {rel:?}");
    assert!(joined
        .components()
        .all(|c| !matches!(c, std::path::Component::ParentDir)));
});
