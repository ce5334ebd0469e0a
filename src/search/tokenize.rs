//! Words for search: folding (case, diacritics) and splitting text into terms.
//!
//! The browser's client (`search.js`) folds and splits a query the same way, so the rules
//! here are deliberately few: lowercase, decompose (NFD), drop every mark
//! (`General_Category=Mark`) but the kana voicing marks, recompose (NFC), then words are runs of alphabetic or numeric characters, and
//! runs of CJK ideographs or kana, which have no spaces between words, become overlapping
//! character bigrams.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Lowercase, without diacritics: `Café` → `cafe`.
///
/// ASCII runs are only lowercased; the rest goes through lowercase, NFD, dropping marks and
/// NFC run by run (a mark never starts an ASCII run, so this equals doing it all at once,
/// and most handbook text is ASCII). Final sigma is folded to σ, so the context-dependent
/// lowercasing of Σ does not matter.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, &mut out);
    out
}

/// [`fold`], appending to `out`.
pub fn fold_into(text: &str, out: &mut String) {
    let mut rest = text;
    while !rest.is_empty() {
        let ascii = rest
            .bytes()
            .position(|b| !b.is_ascii())
            .unwrap_or(rest.len());
        out.extend(
            rest[..ascii]
                .bytes()
                .map(|b| char::from(b.to_ascii_lowercase())),
        );
        rest = &rest[ascii..];
        let other = rest
            .char_indices()
            .find(|(_, c)| c.is_ascii())
            .map_or(rest.len(), |(i, _)| i);
        if other > 0 {
            fold_unicode(&rest[..other], out);
        }
        rest = &rest[other..];
    }
}

fn fold_unicode(text: &str, out: &mut String) {
    let lower = text.to_lowercase();
    // Kana voicing marks are not diacritics: デ stays デ (recomposed by NFC).
    out.extend(
        lower
            .nfd()
            .filter(|c| !is_combining_mark(*c) || matches!(c, '\u{3099}' | '\u{309A}'))
            .nfc()
            .map(|c| if c == 'ς' { 'σ' } else { c }),
    );
}

/// Ideographs and kana: written without spaces, indexed as character bigrams.
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}' // hiragana, katakana
        | '\u{3400}'..='\u{4DBF}' // CJK extension A
        | '\u{4E00}'..='\u{9FFF}' // CJK unified ideographs
        | '\u{F900}'..='\u{FAFF}' // compatibility ideographs
        | '\u{20000}'..='\u{2FA1F}')
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() && !is_cjk(c)
}

/// The terms of already folded text, in order, as slices of it.
pub fn terms(folded: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for_each_term(folded, |t| out.push(t));
    out
}

/// Calls `f` with each term of already folded text, in order (see [`terms`]).
pub fn for_each_term<'a>(folded: &'a str, mut f: impl FnMut(&'a str)) {
    let bytes = folded.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        // Most text is ASCII: words of ASCII letters and digits need no character tables.
        let b = bytes[at];
        if b.is_ascii() {
            if b.is_ascii_alphanumeric() {
                let start = at;
                while at < bytes.len() && bytes[at].is_ascii_alphanumeric() {
                    at += 1;
                }
                if at < bytes.len() && !bytes[at].is_ascii() {
                    // A word that goes on past ASCII (`naïve` before folding, `x²`).
                    at = start;
                } else {
                    f(&folded[start..at]);
                    continue;
                }
            } else {
                at += 1;
                continue;
            }
        }
        let Some(c) = folded[at..].chars().next() else {
            break;
        };
        let start = at;
        if is_word_char(c) {
            at += c.len_utf8();
            while let Some(d) = folded[at..].chars().next() {
                if !is_word_char(d) {
                    break;
                }
                at += d.len_utf8();
            }
            f(&folded[start..at]);
        } else if is_cjk(c) {
            // Overlapping pairs of a run; a run of one is one term.
            let mut prev = start;
            at += c.len_utf8();
            let mut pairs = 0;
            while let Some(d) = folded[at..].chars().next() {
                if !is_cjk(d) {
                    break;
                }
                let end = at + d.len_utf8();
                f(&folded[prev..end]);
                pairs += 1;
                prev = at;
                at = end;
            }
            if pairs == 0 {
                f(&folded[start..at]);
            }
        } else {
            at += c.len_utf8();
        }
    }
}

/// Folds `text` and returns its terms as owned strings.
pub fn tokenize(text: &str) -> Vec<String> {
    terms(&fold(text)).into_iter().map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_split_on_anything_not_a_letter_or_digit() {
        assert_eq!(
            tokenize("Fail over: db-primary_2, INC-20250314-02!"),
            ["fail", "over", "db", "primary", "2", "inc", "20250314", "02"]
        );
    }

    #[test]
    fn case_is_folded() {
        assert_eq!(
            tokenize("PostgreSQL ÉTÉ Straße"),
            ["postgresql", "ete", "straße"]
        );
    }

    #[test]
    fn diacritics_are_folded() {
        assert_eq!(fold("Café"), "cafe");
        assert_eq!(
            tokenize("crème brûlée naïve Ångström"),
            ["creme", "brulee", "naive", "angstrom"]
        );
        // Decomposed input folds the same as precomposed.
        assert_eq!(fold("Cafe\u{301}"), "cafe");
        assert_eq!(fold("ÀB—Ç x"), "ab—c x");
        assert_eq!(fold("ΟΔΟΣ οδος"), "οδοσ οδοσ");
    }

    #[test]
    fn unicode_words_stay_whole() {
        assert_eq!(tokenize("сервер базы данных"), ["сервер", "базы", "данных"]);
        assert_eq!(tokenize("Ελληνικά δεδομένα"), ["ελληνικα", "δεδομενα"]);
        assert_eq!(tokenize("x² ½"), ["x²", "½"]);
    }

    #[test]
    fn cjk_runs_become_bigrams() {
        assert_eq!(tokenize("数据库故障"), ["数据", "据库", "库故", "故障"]);
        assert_eq!(tokenize("切替 DB"), ["切替", "db"]);
        assert_eq!(tokenize("库 x"), ["库", "x"]);
        assert_eq!(
            tokenize("データベース"),
            ["デー", "ータ", "タベ", "ベー", "ース"]
        );
    }

    #[test]
    fn nothing_to_index() {
        assert!(tokenize("  -- ** !! ").is_empty());
        assert!(tokenize("").is_empty());
    }
}
