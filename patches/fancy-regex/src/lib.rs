//! fancy-regex 0.20 as syntect 5.3 calls it: the same names, except that 0.20's `Captures`
//! is generic over the haystack and syntect names it without a parameter.

pub use fancy_regex_new::*;

/// Captures of a search in a `&str`, the only haystack syntect searches.
pub type Captures<'t> = fancy_regex_new::Captures<'t, str>;
