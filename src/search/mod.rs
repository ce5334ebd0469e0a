//! Search: the index the site ships for its search box, built from the one Markdown pass's
//! plain text and headings (never from HTML), and written as `.js` files the browser client
//! (`themes/default/static/search.js`) loads on demand.
//!
//! Pure functions from documents to bytes: `index` builds, `format` writes (and reads back),
//! `tokenize` holds the folding and word rules the client repeats. Writing the files is the
//! site's job.

pub mod format;
pub mod index;
pub mod live;
pub mod tokenize;

pub use index::SearchIndex;

/// The folder under the site's asset folder that holds the index.
pub const SEARCH_DIR: &str = "search";
