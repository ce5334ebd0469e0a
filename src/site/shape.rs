//! What a build's pages depend on besides the documents' HTML and text, recorded in the build
//! cache for the next build of the same output. When only the HTML or text of documents
//! changed since (every document's outline is the same, and so are the configuration, the
//! owners file, the assets, the theme and the date), no page but those showing a changed
//! document can differ: the build makes only those, the print view and the search index,
//! and keeps every other file of the output as it is. `serve` relies on the same fact
//! ([`super::update_text`]).

use crate::cache::{self, Hasher, Key, Store};
use crate::handbook::Handbook;
use jiff::civil::Date;
use rayon::prelude::*;

/// A handbook's shape, as a build saw it.
pub(super) struct Shape {
    /// The opsbook version, the theme, the date, the configuration, the document types, the
    /// owners file and the assets.
    global: Key,
    /// Each document's outline ([`crate::handbook::Document::outline`]) and HTML hashes.
    docs: Vec<(Key, Key)>,
}

impl Shape {
    pub(super) fn of(handbook: &Handbook, theme: Key, today: Date) -> Shape {
        use std::io::Write as _;
        let mut global = Hasher::new();
        global
            .piece(env!("CARGO_PKG_VERSION").as_bytes())
            .piece(&theme.to_le_bytes())
            .piece(today.to_string().as_bytes());
        // Writing into a hasher cannot fail.
        let _ = write!(
            global,
            "{:?}",
            (&handbook.config, &handbook.types, &handbook.owners)
        );
        for asset in &handbook.assets {
            global.piece(asset.rel.as_bytes());
        }
        let docs = handbook
            .documents
            .par_iter()
            .map(|d| (d.outline(), d.rendered.html.key()))
            .collect();
        Shape {
            global: global.finish(),
            docs,
        }
    }

    /// The cache file for the output folder `out`.
    pub(super) fn file_for(out: &std::path::Path) -> String {
        cache::output_file("shape", out)
    }

    /// For each document, whether its HTML changed since the shape saved in `file`, when
    /// nothing else did and the output is still what that build left (`pages`, the hashes of
    /// its files); otherwise `None`.
    pub(super) fn changed_html(
        &self,
        store: &Store,
        file: &str,
        pages: &cache::Pages,
    ) -> Option<Vec<bool>> {
        let (_, (docs, saved_pages)) = store
            .load_value::<Key, (Vec<(Key, Key)>, Key)>(file, |global| *global == self.global)?;
        if saved_pages != pages.key() || docs.len() != self.docs.len() {
            return None;
        }
        self.docs
            .iter()
            .zip(&docs)
            .map(|(now, then)| (now.0 == then.0).then_some(now.1 != then.1))
            .collect()
    }

    /// Saves the shape in `file`, with the hashes of the output's files it was built into.
    pub(super) fn save(&self, store: &Store, file: &str, pages: &cache::Pages) {
        store.save_value(file, &self.global, &(&self.docs, pages.key()));
    }
}
