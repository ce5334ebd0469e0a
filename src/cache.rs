//! What a build can reuse from the builds before it, always keyed by content hashes, so a
//! stale entry is never used: a changed input has a different key.
//!
//! - [`Highlights`]: highlighted code blocks (language and code → HTML). Highlighting is
//!   most of the CPU a clean build spends; syntect's output depends on nothing else.
//! - [`Memo`]: in memory, e.g. loaded documents by the hash of their file: `serve` keeps
//!   one between rebuilds, so a save re-reads every file but parses only the changed one.
//! - [`Pages`]: for each file of the last build's output, the hash of everything that went
//!   into it, so an unchanged page is neither rendered nor written again.
//!
//! On disk, the highlight and page caches live in the cache folder (`.opsbook-cache` beside
//! `book.toml` unless `[build] cache-dir` says otherwise), one file each, replaced whole at
//! the end of a build. A file that is missing, damaged or written by another opsbook version
//! is ignored: the build is then a clean one, never a wrong one.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use xxhash_rust::xxh3::Xxh3;

/// Written into the cache folder; `opsbook clean` removes only a folder that has it.
pub const MARKER: &str = "CACHEDIR.TAG";
const MARKER_TEXT: &str = "Signature: 8a477f597d28d172789f06886806bc55\n\
# This folder is opsbook's build cache; `opsbook clean` removes it.\n";

/// Bumped when anything cached here would come out differently for the same input.
const FORMAT: &str = "opsbook-cache 2";

/// A 128-bit content hash.
pub type Key = u128;

/// Hashes byte strings into a [`Key`]; each piece is length-prefixed, so `("ab", "c")` and
/// `("a", "bc")` differ. Every key also covers the opsbook version.
pub struct Hasher(Xxh3);

impl Default for Hasher {
    fn default() -> Hasher {
        Hasher::new()
    }
}

impl Hasher {
    pub fn new() -> Hasher {
        let mut h = Hasher(Xxh3::new());
        h.piece(FORMAT.as_bytes());
        h.piece(env!("CARGO_PKG_VERSION").as_bytes());
        h
    }

    pub fn piece(&mut self, bytes: &[u8]) -> &mut Hasher {
        self.0.update(&(bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
        self
    }

    pub fn finish(&self) -> Key {
        self.0.digest128()
    }
}

/// Lets serializers write straight into the hash.
impl Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Where the cache files of a handbook live; `None` runs without a disk cache.
#[derive(Debug, Clone, Default)]
pub struct Store {
    pub dir: Option<PathBuf>,
}

impl Store {
    pub fn at(dir: PathBuf) -> Store {
        Store { dir: Some(dir) }
    }

    fn path(&self, name: &str) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join(name))
    }

    /// Reads the entries of cache file `name`; nothing when it is missing or not ours.
    fn read(&self, name: &str) -> Vec<(Key, Vec<u8>)> {
        let Some(path) = self.path(name) else {
            return Vec::new();
        };
        match std::fs::read(&path) {
            Ok(bytes) => decode(&bytes).unwrap_or_else(|| {
                log::info!(
                    "ignoring the cache file {}: not one of ours",
                    path.display()
                );
                Vec::new()
            }),
            Err(_) => Vec::new(),
        }
    }

    /// Replaces cache file `name`. A cache that cannot be written only costs time later, so
    /// this warns and goes on.
    fn write<'a>(&self, name: &str, entries: impl Iterator<Item = (Key, &'a [u8])>) {
        let Some(path) = self.path(name) else {
            return;
        };
        let mut bytes = Vec::new();
        bytes.extend_from_slice(FORMAT.as_bytes());
        bytes.push(b'\n');
        for (key, value) in entries {
            bytes.extend_from_slice(&key.to_le_bytes());
            bytes.extend_from_slice(&(value.len() as u64).to_le_bytes());
            bytes.extend_from_slice(value);
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        let result = std::fs::create_dir_all(dir)
            .and_then(|()| {
                let marker = dir.join(MARKER);
                if marker.is_file() {
                    Ok(())
                } else {
                    std::fs::write(marker, MARKER_TEXT)
                }
            })
            .and_then(|()| crate::files::replace_atomically(&path, &bytes, None));
        if let Err(e) = result {
            log::warn!("could not write the build cache {}: {e}", path.display());
        }
    }
}

fn decode(bytes: &[u8]) -> Option<Vec<(Key, Vec<u8>)>> {
    let mut rest = bytes.strip_prefix(FORMAT.as_bytes())?.strip_prefix(b"\n")?;
    let mut entries = Vec::new();
    while !rest.is_empty() {
        let key = Key::from_le_bytes(rest.get(..16)?.try_into().ok()?);
        let len = u64::from_le_bytes(rest.get(16..24)?.try_into().ok()?);
        let len = usize::try_from(len).ok()?;
        let value = rest.get(24..24usize.checked_add(len)?)?;
        entries.push((key, value.to_vec()));
        rest = &rest[24 + len..];
    }
    Some(entries)
}

const HIGHLIGHTS_FILE: &str = "highlights.bin";

/// Values computed from content, by the content's key. Lookups come from many threads at
/// once; what one run used is what the next run gets, so it never outgrows the handbook.
pub struct Memo<T> {
    previous: HashMap<Key, T>,
    /// What this run took from `previous` (by key: values are not held twice) and made anew.
    this_run: Mutex<(HashSet<Key>, HashMap<Key, T>)>,
}

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Memo {
            previous: HashMap::new(),
            this_run: Mutex::default(),
        }
    }
}

impl<T: Clone> Memo<T> {
    /// The value for `key`, remembered or computed by `make` (whose errors are passed on and
    /// not remembered).
    pub fn get_or<E>(&self, key: Key, make: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        if let Some(value) = self.previous.get(&key) {
            self.lock().0.insert(key);
            return Ok(value.clone());
        }
        if let Some(value) = self.lock().1.get(&key) {
            return Ok(value.clone());
        }
        let value = make()?;
        self.lock().1.insert(key, value.clone());
        Ok(value)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (HashSet<Key>, HashMap<Key, T>)> {
        self.this_run.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes what this run used the memory of the next run.
    pub fn rotate(&mut self) {
        let (reused, made) =
            std::mem::take(self.this_run.get_mut().unwrap_or_else(|e| e.into_inner()));
        self.previous.retain(|k, _| reused.contains(k));
        self.previous.extend(made);
    }

    /// How many values the next run can reuse.
    pub fn len(&self) -> usize {
        self.previous.len()
    }

    pub fn is_empty(&self) -> bool {
        self.previous.is_empty()
    }
}

/// Highlighted code blocks, kept on disk between builds.
#[derive(Default)]
pub struct Highlights(Memo<String>);

impl std::fmt::Debug for Highlights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Highlights({} blocks)", self.len())
    }
}

impl Highlights {
    pub fn load(store: &Store) -> Highlights {
        let previous = store
            .read(HIGHLIGHTS_FILE)
            .into_iter()
            .filter_map(|(k, v)| Some((k, String::from_utf8(v).ok()?)))
            .collect();
        Highlights(Memo {
            previous,
            this_run: Mutex::default(),
        })
    }

    /// The highlighted HTML of `code` in `lang`, from the cache or from `highlight`.
    pub fn get_or<E>(
        &self,
        lang: &str,
        code: &str,
        highlight: impl FnOnce() -> Result<String, E>,
    ) -> Result<String, E> {
        let key = Hasher::new()
            .piece(lang.as_bytes())
            .piece(code.as_bytes())
            .finish();
        self.0.get_or(key, highlight)
    }

    /// Makes what this run used the cache of the next run, in memory only.
    pub fn rotate(&mut self) {
        self.0.rotate();
    }

    /// Makes what this run used the cache of the next run, in memory and on disk.
    pub fn save(&mut self, store: &Store) {
        self.0.rotate();
        let mut entries: Vec<(&Key, &String)> = self.0.previous.iter().collect();
        entries.sort_unstable_by_key(|(k, _)| **k);
        store.write(
            HIGHLIGHTS_FILE,
            entries.into_iter().map(|(k, v)| (*k, v.as_bytes())),
        );
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The hash of every file the last build wrote, by its path in the output.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pages {
    pub by_path: HashMap<String, Key>,
}

impl Pages {
    /// The name of the cache file for the output folder `out`: one per folder, since `-d`
    /// may point anywhere.
    pub fn file_for(out: &Path) -> String {
        let abs = std::path::absolute(out).unwrap_or_else(|_| out.to_path_buf());
        let key = Hasher::new()
            .piece(abs.to_string_lossy().as_bytes())
            .finish();
        format!("pages-{:016x}.bin", key as u64)
    }

    pub fn load(store: &Store, file: &str) -> Pages {
        let by_path = store
            .read(file)
            .into_iter()
            .filter_map(|(k, v)| Some((String::from_utf8(v).ok()?, k)))
            .collect();
        Pages { by_path }
    }

    pub fn save(&self, store: &Store, file: &str) {
        let mut entries: Vec<(&String, &Key)> = self.by_path.iter().collect();
        entries.sort_unstable();
        store.write(file, entries.into_iter().map(|(p, k)| (*k, p.as_bytes())));
    }

    /// Forgets everything, e.g. when the output folder is not the one these hashes describe.
    pub fn clear(&mut self) {
        self.by_path.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hasher_separates_pieces() {
        let a = Hasher::new().piece(b"ab").piece(b"c").finish();
        let b = Hasher::new().piece(b"a").piece(b"bc").finish();
        assert_ne!(a, b);
        assert_eq!(a, Hasher::new().piece(b"ab").piece(b"c").finish());
    }

    #[test]
    fn highlights_round_trip_and_keep_only_what_was_used() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path().join("cache"));
        let mut h = Highlights::load(&store);
        let calls = std::cell::Cell::new(0);
        let get = |h: &Highlights, code: &str| {
            h.get_or::<()>("rust", code, || {
                calls.set(calls.get() + 1);
                Ok(format!("<b>{code}</b>"))
            })
            .unwrap()
        };
        assert_eq!(get(&h, "one"), "<b>one</b>");
        assert_eq!(get(&h, "one"), "<b>one</b>");
        assert_eq!(get(&h, "two"), "<b>two</b>");
        assert_eq!(calls.get(), 2);
        h.save(&store);

        let mut again = Highlights::load(&store);
        assert_eq!(again.len(), 2);
        assert_eq!(get(&again, "two"), "<b>two</b>");
        assert_eq!(calls.get(), 2, "a cached block is not highlighted again");
        again.save(&store);
        assert_eq!(
            Highlights::load(&store).len(),
            1,
            "unused entries are dropped"
        );
    }

    #[test]
    fn errors_are_not_cached() {
        let h = Highlights::default();
        assert_eq!(h.get_or("x", "y", || Err::<String, _>(7)), Err(7));
        assert_eq!(h.get_or::<i32>("x", "y", || Ok("ok".into())).unwrap(), "ok");
    }

    #[test]
    fn damaged_or_foreign_files_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path().to_path_buf());
        let mut pages = Pages::default();
        pages.by_path.insert("a.html".into(), 1);
        pages.by_path.insert("b/c.html".into(), u128::MAX);
        let file = Pages::file_for(Path::new("book"));
        assert_ne!(file, Pages::file_for(Path::new("elsewhere")));
        pages.save(&store, &file);
        assert_eq!(Pages::load(&store, &file), pages);

        let path = dir.path().join(&file);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.truncate(bytes.len() - 3);
        std::fs::write(&path, &bytes).unwrap();
        assert!(
            Pages::load(&store, &file).by_path.is_empty(),
            "a cut-off file"
        );
        std::fs::write(&path, b"something else entirely").unwrap();
        assert!(
            Pages::load(&store, &file).by_path.is_empty(),
            "a foreign file"
        );
        assert!(Pages::load(&Store::default(), &file).by_path.is_empty());
    }
}
