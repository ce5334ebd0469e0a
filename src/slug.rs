//! Slugs: GitHub-style heading anchors, unique within a page.

use std::collections::HashMap;

/// The GitHub-style anchor of a heading text: lowercase, letters, digits, `-` and `_` kept,
/// spaces turned into `-`, everything else dropped (`3. Roll back (if needed)` →
/// `3-roll-back-if-needed`).
pub fn heading_slug(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_alphanumeric() || c == '-' || c == '_' {
            slug.extend(c.to_lowercase());
        } else if c == ' ' {
            slug.push('-');
        }
    }
    slug
}

/// Hands out unique anchors within one page: the second `Setup` becomes `setup-1`.
#[derive(Debug, Default)]
pub struct Anchors {
    seen: HashMap<String, usize>,
}

impl Anchors {
    pub fn unique(&mut self, base: &str) -> String {
        let base = if base.is_empty() { "section" } else { base };
        let Some(&count) = self.seen.get(base) else {
            self.seen.insert(base.to_string(), 0);
            return base.to_string();
        };
        let mut n = count;
        loop {
            n += 1;
            let candidate = format!("{base}-{n}");
            if !self.seen.contains_key(&candidate) {
                self.seen.insert(base.to_string(), n);
                self.seen.insert(candidate.clone(), 0);
                return candidate;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_style() {
        assert_eq!(heading_slug("Failover steps"), "failover-steps");
        assert_eq!(
            heading_slug("3. Roll back (if needed)"),
            "3-roll-back-if-needed"
        );
        assert_eq!(heading_slug("What's `pg_ctl`?"), "whats-pg_ctl");
        assert_eq!(heading_slug("Über Café"), "über-café");
        assert_eq!(heading_slug("  A -- B  "), "a----b");
    }

    #[test]
    fn unique_within_page() {
        let mut a = Anchors::default();
        assert_eq!(a.unique("setup"), "setup");
        assert_eq!(a.unique("setup"), "setup-1");
        assert_eq!(a.unique("setup-1"), "setup-1-1");
        assert_eq!(a.unique("setup"), "setup-2");
        assert_eq!(a.unique(""), "section");
    }
}
