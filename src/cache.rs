//! What a build can reuse from the builds before it, always keyed by content hashes, so a
//! stale entry is never used: a changed input has a different key.
//!
//! - [`Highlights`]: highlighted code blocks (language and code → HTML). Highlighting is
//!   most of the CPU a clean build spends; syntect's output depends on nothing else.
//! - [`Memo`]: in memory, e.g. loaded documents by the hash of their file: `serve` keeps
//!   one between rebuilds, so a save re-reads every file but parses only the changed one.
//! - [`Pages`]: for each file of the last build's output, the hash of everything that went
//!   into it, so an unchanged page is neither rendered nor written again.
//! - One value kept whole ([`Store::save_value`]): the search index of an output folder, so
//!   the next build indexes only the documents that changed (`search::live`), and where each
//!   part of its `print.html` is, so the next build copies the unchanged ones (`site::print`).
//!
//! - [`Stored`]: loaded documents by the hash of their file, decoded entry by entry; a
//!   document's HTML and text ([`Body`]) stay in the file until a page shows them.
//!
//! On disk, the highlight and page caches live in the cache folder (`.opsbook-cache` beside
//! `book.toml` unless `[build] cache-dir` says otherwise), one file each, replaced whole at
//! the end of a build. A file that is missing, damaged or written by another opsbook version
//! is ignored: the build is then a clean one, never a wrong one.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use xxhash_rust::xxh3::Xxh3;

/// Written into the cache folder; `opsbook clean` removes only a folder that has it.
pub const MARKER: &str = "CACHEDIR.TAG";
const MARKER_TEXT: &str = "Signature: 8a477f597d28d172789f06886806bc55\n\
# This folder is opsbook's build cache; `opsbook clean` removes it.\n";

/// Bumped when anything cached here would come out differently for the same input.
const FORMAT: &str = "opsbook-cache 6";

/// The bytes before a cache file's first entry: the format line.
const HEADER_LEN: usize = FORMAT.len() + 1;

/// The bytes an entry whose value is `value_len` bytes takes in a cache file: key (16),
/// length (8) and value.
fn entry_len(value_len: usize) -> usize {
    ENTRY_HEAD + value_len
}

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

    /// A [`TextFile`] in the cache folder, or without a cache in `elsewhere`, or else in the
    /// system's temporary folder; `None` when none of them takes a file.
    pub fn text_file(&self, elsewhere: &Path) -> Option<TextFile> {
        let cache = self.dir.as_deref().filter(|d| make_cache_dir(d).is_ok());
        let temp = std::env::temp_dir();
        let file = cache
            .into_iter()
            .chain([elsewhere, temp.as_path()])
            .find_map(|dir| TextFile::new_in(dir).ok());
        file
    }

    fn path(&self, name: &str) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join(name))
    }

    /// Reads the entries of cache file `name`; nothing when it is missing or not ours.
    fn read(&self, name: &str) -> Vec<(Key, Vec<u8>)> {
        let (bytes, entries) = self.read_whole(name);
        entries
            .into_iter()
            .map(|(k, range)| (k, bytes[range].to_vec()))
            .collect()
    }

    /// The bytes of cache file `name` and where each entry's value is in them; nothing when
    /// the file is missing or not ours.
    fn read_whole(&self, name: &str) -> (Vec<u8>, Vec<(Key, Range<usize>)>) {
        let Some(path) = self.path(name) else {
            return Default::default();
        };
        let Ok(bytes) = std::fs::read(&path) else {
            return Default::default();
        };
        match decode(&bytes) {
            Some(entries) => (bytes, entries),
            None => {
                log::info!(
                    "ignoring the cache file {}: not one of ours",
                    path.display()
                );
                Default::default()
            }
        }
    }

    /// Replaces cache file `name`. A cache that cannot be written only costs time later, so
    /// this warns and goes on.
    fn write<'a>(&self, name: &str, entries: impl Iterator<Item = (Key, &'a [u8])>) {
        self.write_with(name, |w| w.entries(entries));
    }

    /// [`Store::write`] of the entries `write` writes (with [`EntrySink::entry`]), streamed:
    /// a file of hundreds of megabytes is never in memory whole. Where each entry is goes
    /// beside it ([`index_path`]).
    fn write_with(
        &self,
        name: &str,
        write: impl FnOnce(&mut EntrySink<'_, '_>) -> std::io::Result<()>,
    ) {
        use std::io::Write as _;
        let Some(path) = self.path(name) else {
            return;
        };
        let mut index = Vec::new();
        let written = self.replace(&path, |w| {
            w.write_all(FORMAT.as_bytes())?;
            w.write_all(b"\n")?;
            let mut sink = EntrySink {
                w,
                at: HEADER_LEN,
                index: Vec::new(),
            };
            write(&mut sink)?;
            index = sink.index;
            Ok(())
        });
        if written {
            self.replace(&index_path(&path), |w| write_index(w, &index));
        }
    }

    /// Replaces the cache file at `path` with what `write` writes, in a cache folder made
    /// (and marked) when missing. A cache that cannot be written only costs time later, so
    /// this warns and goes on.
    fn replace(
        &self,
        path: &Path,
        write: impl FnOnce(&mut std::io::BufWriter<&std::fs::File>) -> std::io::Result<()>,
    ) -> bool {
        let dir = path.parent().unwrap_or(Path::new("."));
        let result =
            make_cache_dir(dir).and_then(|()| crate::files::replace_unsynced_with(path, write));
        if let Err(e) = &result {
            log::warn!("could not write the build cache {}: {e}", path.display());
        }
        result.is_ok()
    }

    /// Replaces cache file `name` with one value, after a head that says what it was made
    /// from; streamed, so a value of hundreds of megabytes is never encoded in memory.
    pub fn save_value<H: serde::Serialize, T: serde::Serialize>(
        &self,
        name: &str,
        head: &H,
        value: &T,
    ) {
        let Some(path) = self.path(name) else {
            return;
        };
        self.replace(&path, |w| {
            w.write_all(FORMAT.as_bytes())?;
            w.write_all(b"\n")?;
            // Buffered before the hash: the serializer writes a few bytes at a time, and
            // each update of the hash has a fixed cost.
            let mut tee = std::io::BufWriter::with_capacity(
                1 << 16,
                Tee {
                    out: &mut *w,
                    hash: Hasher::new(),
                },
            );
            postcard::to_io(head, &mut tee)
                .and_then(|tee| postcard::to_io(value, tee))
                .map_err(std::io::Error::other)?;
            let sum = tee.into_inner().map_err(|e| e.into_error())?.hash.finish();
            w.write_all(&sum.to_le_bytes())
        });
    }

    /// The value of cache file `name` ([`Store::save_value`]) when `wanted` accepts its
    /// head; `None` when it does not, or the file is missing, damaged or not ours.
    ///
    /// Decoded as it is read, through a small buffer: the file (65 MB for the search index of
    /// 10,000 documents) is never in memory whole, and fresh memory costs the system as much
    /// as reading the file.
    pub fn load_value<H: serde::de::DeserializeOwned, T: serde::de::DeserializeOwned>(
        &self,
        name: &str,
        wanted: impl FnOnce(&H) -> bool,
    ) -> Option<(H, T)> {
        use std::io::Read as _;
        let mut file = std::fs::File::open(self.path(name)?).ok()?;
        let len = file.metadata().ok()?.len();
        let mut format = vec![0; FORMAT.len() + 1];
        file.read_exact(&mut format).ok()?;
        if format.strip_suffix(b"\n") != Some(FORMAT.as_bytes()) {
            return None;
        }
        let body = len.checked_sub(format.len() as u64 + 16)?;
        let reader = HashingReader {
            inner: (&file).take(body),
            hash: Hasher::new(),
        };
        // Strings and posting lists not in the read buffer are decoded from this scratch space
        // one at a time; one larger than it fails to decode, and the value is made again.
        let mut scratch = vec![0; SCRATCH];
        let mut decoder =
            postcard::Deserializer::from_flavor(ReadFlavor::new(reader, &mut scratch));
        let head = serde::Deserialize::deserialize(&mut decoder).ok()?;
        if !wanted(&head) {
            return None;
        }
        let value: T = match serde::Deserialize::deserialize(&mut decoder) {
            Ok(value) => value,
            Err(e) => {
                log::info!("ignoring the cache file {name}: {e}");
                return None;
            }
        };
        let mut reader = decoder.finalize().ok()?;
        // A damaged file could decode into a wrong value: its checksum must match, over every
        // byte of the body.
        std::io::copy(&mut reader, &mut std::io::sink()).ok()?;
        let mut sum = [0; 16];
        (&file).read_exact(&mut sum).ok()?;
        if reader.inner.limit() != 0 || reader.hash.finish().to_le_bytes() != sum {
            log::info!("ignoring the cache file {name}: damaged");
            return None;
        }
        Some((head, value))
    }

    /// Appends the entries `write` writes (with [`EntrySink::entry`]) to cache file `name` (a
    /// later entry of a key wins when the file is read) if it is still `expected_len` bytes
    /// long (no other run replaced it meanwhile) and its entries still used, `live` bytes of
    /// them, take more room than the others; whether it did. Otherwise the caller writes the
    /// file anew. Their places are appended to the index beside the file when it described
    /// the file whole.
    fn append_with(
        &self,
        name: &str,
        expected_len: usize,
        live: usize,
        write: impl FnOnce(&mut EntrySink<'_, '_>) -> std::io::Result<()>,
    ) -> bool {
        use std::io::Write as _;
        let stale = expected_len.saturating_sub(HEADER_LEN + live);
        if expected_len == 0 || stale >= live {
            return false;
        }
        let Some(path) = self.path(name) else {
            return false;
        };
        let appended = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|file| {
                if file.metadata()?.len() != expected_len as u64 {
                    return Ok(false);
                }
                let mut w = std::io::BufWriter::with_capacity(1 << 16, &file);
                let mut sink = EntrySink {
                    w: &mut w,
                    at: expected_len,
                    index: Vec::new(),
                };
                write(&mut sink)?;
                let index = sink.index;
                w.flush()?;
                append_index(&index_path(&path), expected_len, &index);
                Ok(true)
            });
        match appended {
            Ok(done) => done,
            Err(e) => {
                log::warn!("could not write the build cache {}: {e}", path.display());
                false
            }
        }
    }
}

/// Makes the cache folder `dir` if it is missing, marked as opsbook's.
fn make_cache_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let marker = dir.join(MARKER);
    if marker.is_file() {
        Ok(())
    } else {
        std::fs::write(marker, MARKER_TEXT)
    }
}

/// Writes the entries of a cache file (key, length, value) and notes where each value is.
pub(crate) struct EntrySink<'a, 'f> {
    w: &'a mut std::io::BufWriter<&'f std::fs::File>,
    /// Where the next entry starts in the file.
    at: usize,
    index: Entries,
}

impl EntrySink<'_, '_> {
    /// Writes one entry.
    fn entry(&mut self, key: Key, value: &[u8]) -> std::io::Result<()> {
        use std::io::Write as _;
        self.w.write_all(&key.to_le_bytes())?;
        self.w.write_all(&(value.len() as u64).to_le_bytes())?;
        self.w.write_all(value)?;
        let start = self.at + ENTRY_HEAD;
        self.at = start + value.len();
        self.index.push((key, start..self.at));
        Ok(())
    }

    /// Writes entries one after the other.
    fn entries<'v>(
        &mut self,
        entries: impl Iterator<Item = (Key, &'v [u8])>,
    ) -> std::io::Result<()> {
        for (key, value) in entries {
            self.entry(key, value)?;
        }
        Ok(())
    }
}

/// The bytes before each value in a cache file: its key and length.
const ENTRY_HEAD: usize = 24;

/// The index beside cache file `path`: the key, start and length of each entry's value, in
/// the file's order (`documents.bin` → `documents.idx`). Opening a file of 10,000 entries
/// read 10,000 entry heads one by one without it (a tenth of an incremental build's time);
/// it is only a guide: each entry's head is checked when the entry is read.
fn index_path(path: &Path) -> PathBuf {
    path.with_extension("idx")
}

/// Whether `bytes` start with the head of entry `key` of `len` bytes.
fn check_head(bytes: &[u8], key: Key, len: usize) -> std::io::Result<()> {
    let head = bytes
        .get(..ENTRY_HEAD)
        .ok_or(std::io::ErrorKind::InvalidData)?;
    if head[..16] == key.to_le_bytes() && head[16..] == (len as u64).to_le_bytes() {
        Ok(())
    } else {
        Err(std::io::ErrorKind::InvalidData.into())
    }
}

/// The bytes of one entry in an index: key, start, length.
const INDEX_RECORD: usize = 32;

/// An index file: the format line, then [`write_index_records`].
fn write_index(w: &mut impl std::io::Write, index: &[(Key, Range<usize>)]) -> std::io::Result<()> {
    w.write_all(FORMAT.as_bytes())?;
    w.write_all(b"\n")?;
    write_index_records(w, index)
}

fn write_index_records(
    w: &mut impl std::io::Write,
    index: &[(Key, Range<usize>)],
) -> std::io::Result<()> {
    for (key, range) in index {
        w.write_all(&key.to_le_bytes())?;
        w.write_all(&(range.start as u64).to_le_bytes())?;
        w.write_all(&(range.len() as u64).to_le_bytes())?;
    }
    Ok(())
}

/// Appends `index` (entries appended from `file_len` on) to the index at `path` when that
/// described the file up to `file_len`; otherwise leaves it (opening the file then reads the
/// entry heads, and writes the index anew).
fn append_index(path: &Path, file_len: usize, index: &[(Key, Range<usize>)]) {
    use std::io::Write as _;
    let described = read_index(path).and_then(|old| old.last().map(|(_, r)| r.end));
    if described != Some(file_len) {
        return;
    }
    let appended = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .and_then(|file| {
            let mut w = std::io::BufWriter::new(&file);
            write_index_records(&mut w, index)?;
            w.flush()
        });
    if appended.is_err() {
        // A half-written index describes no file: it is read past and made anew.
        let _ = std::fs::remove_file(path);
    }
}

/// The entries the index at `path` lists; `None` when it is missing or not ours.
fn read_index(path: &Path) -> Option<Entries> {
    let bytes = std::fs::read(path).ok()?;
    let records = bytes.strip_prefix(FORMAT.as_bytes())?.strip_prefix(b"\n")?;
    if records.len() % INDEX_RECORD != 0 {
        return None;
    }
    records
        .chunks_exact(INDEX_RECORD)
        .map(|r| {
            let key = Key::from_le_bytes(r[..16].try_into().ok()?);
            let start = usize::try_from(u64::from_le_bytes(r[16..24].try_into().ok()?)).ok()?;
            let len = usize::try_from(u64::from_le_bytes(r[24..].try_into().ok()?)).ok()?;
            Some((key, start..start.checked_add(len)?))
        })
        .collect()
}

/// Each entry of a cache file: its key, and where its value is in the file.
type Entries = Vec<(Key, Range<usize>)>;

/// A cache file read entry by entry: where each entry's value is, found from the entries'
/// heads alone, and values read when asked for. A file of a hundred megabytes is never in
/// memory whole (fresh memory costs the system as much as reading the file).
struct EntryFile {
    file: std::fs::File,
    len: usize,
    path: PathBuf,
    /// An unnamed file of this run ([`TextFile`]) in the folder `path`, not a cache file.
    unnamed: bool,
}

impl EntryFile {
    /// The file and its entries; `None` when it is missing or not ours. The entries come from
    /// the index beside the file when it describes the file (the last entry ending where the
    /// file does), else from the entries' heads, read one by one, and the index is written.
    fn open(path: &Path) -> Option<(EntryFile, Entries)> {
        let file = std::fs::File::open(path).ok()?;
        let len = usize::try_from(file.metadata().ok()?.len()).ok()?;
        let indexed = read_index(&index_path(path)).filter(|index| {
            index
                .last()
                .map_or(len == HEADER_LEN, |(_, r)| r.end == len)
                && index
                    .iter()
                    .all(|(_, r)| r.start >= HEADER_LEN + ENTRY_HEAD)
        });
        let entries = match indexed {
            Some(index) => index,
            None => {
                let entries = entries(len, |at, buf| read_at(&file, buf, at as u64).ok())?;
                // For the next run; one that cannot be written only costs that run time.
                let _ = crate::files::replace_unsynced_with(&index_path(path), |w| {
                    write_index(w, &entries)
                });
                entries
            }
        };
        let path = path.to_path_buf();
        let unnamed = false;
        Some((
            EntryFile {
                file,
                len,
                path,
                unnamed,
            },
            entries,
        ))
    }

    /// The bytes of `range` of the file, into `buf`.
    fn read(&self, range: Range<usize>, buf: &mut Vec<u8>) -> std::io::Result<()> {
        buf.resize(range.len(), 0);
        read_at(&self.file, buf, range.start as u64)
    }

    /// The value of entry `key` at `range` (as [`EntryFile::open`] gave it), into `buf`,
    /// with its head: an error unless the head names `key` and the length of `range`.
    fn read_entry(&self, key: Key, range: Range<usize>, buf: &mut Vec<u8>) -> std::io::Result<()> {
        let start = range
            .start
            .checked_sub(ENTRY_HEAD)
            .ok_or(std::io::ErrorKind::InvalidData)?;
        self.read(start..range.end, buf)?;
        check_head(buf, key, range.len())?;
        buf.drain(..ENTRY_HEAD);
        Ok(())
    }
}

/// Writes `buf` into `file` at `offset`, from any number of threads at once.
#[cfg(unix)]
fn write_at(file: &std::fs::File, buf: &[u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, buf, offset)
}

#[cfg(windows)]
fn write_at(file: &std::fs::File, mut buf: &[u8], mut offset: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_write(file, buf, offset)? {
            0 => return Err(std::io::ErrorKind::WriteZero.into()),
            n => {
                buf = &buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

/// Fills `buf` from `file` at `offset`, from any number of threads at once.
#[cfg(unix)]
fn read_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &std::fs::File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

fn decode(bytes: &[u8]) -> Option<Entries> {
    entries(bytes.len(), |at, buf| {
        buf.copy_from_slice(bytes.get(at..at + buf.len())?);
        Some(())
    })
}

/// Where each entry's value is in a cache file of `len` bytes, whose bytes `read_at` gives
/// (offset, buffer to fill): the format line, then entries of a 16-byte key, an 8-byte
/// length and the value. `None` when the file is not ours or cut short.
fn entries(len: usize, mut read_at: impl FnMut(usize, &mut [u8]) -> Option<()>) -> Option<Entries> {
    let mut first = vec![0; FORMAT.len() + 1];
    read_at(0, &mut first)?;
    if first.strip_prefix(FORMAT.as_bytes()) != Some(b"\n") {
        return None;
    }
    let mut entries = Vec::new();
    let mut at = first.len();
    let mut head = [0u8; ENTRY_HEAD];
    while at < len {
        read_at(at, &mut head)?;
        let key = Key::from_le_bytes(head[..16].try_into().ok()?);
        let size = usize::try_from(u64::from_le_bytes(head[16..].try_into().ok()?)).ok()?;
        let start = at + ENTRY_HEAD;
        let end = start.checked_add(size).filter(|&end| end <= len)?;
        entries.push((key, start..end));
        at = end;
    }
    Some(entries)
}

/// The `&'static str` for `text` (a diagnostic's kind read back from the cache): each distinct
/// text is kept once for the life of the process, and there are only a few dozen.
pub fn intern(text: String) -> &'static str {
    static SEEN: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    let seen = seen.get_or_insert_with(HashSet::new);
    match seen.get(text.as_str()) {
        Some(kept) => kept,
        None => {
            let kept: &'static str = Box::leak(text.into_boxed_str());
            seen.insert(kept);
            kept
        }
    }
}

/// Remembers values by content key: in memory between the rebuilds of one process
/// ([`Memo`]), or on disk between runs ([`Stored`]).
pub trait Remember<T>: Sync {
    /// The value for `key`, remembered or made by `make`.
    fn remember(&self, key: Key, make: &mut dyn FnMut() -> T) -> T;
}

impl<T: Clone + Send + Sync> Remember<T> for Memo<T> {
    fn remember(&self, key: Key, make: &mut dyn FnMut() -> T) -> T {
        match self.get_or(key, || Ok::<T, std::convert::Infallible>(make())) {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }
}

/// Keys a run reused from a [`Stored`] file, and values it made, encoded.
#[derive(Default)]
struct StoredRun {
    reused: Vec<Key>,
    made: Vec<(Key, Made)>,
    /// Where made values go as they are made, once there is a cache folder: the first build
    /// of 50,000 pages makes 860 MB of them, which would otherwise wait in memory until saved.
    spill: Option<Spill>,
}

/// A value made this run, encoded: in the spill file, or in memory when there is none.
enum Made {
    Memory(Vec<u8>),
    Spilled(Range<u64>),
}

/// A temporary file (removed by the system when closed) of values made this run.
struct Spill {
    file: std::fs::File,
    len: u64,
}

impl StoredRun {
    /// Keeps `encoded`: in the spill file when there is one (made in `dir` the first time).
    fn keep(&mut self, key: Key, encoded: Vec<u8>, dir: Option<&Path>) {
        use std::io::Write as _;
        if self.spill.is_none() {
            self.spill = dir.and_then(|dir| {
                make_cache_dir(dir).ok()?;
                Some(Spill {
                    file: tempfile::tempfile_in(dir).ok()?,
                    len: 0,
                })
            });
        }
        if let Some(spill) = &mut self.spill {
            if (&spill.file).write_all(&encoded).is_ok() {
                let start = spill.len;
                spill.len += encoded.len() as u64;
                self.made.push((key, Made::Spilled(start..spill.len)));
                return;
            }
        }
        self.made.push((key, Made::Memory(encoded)));
    }

    /// The bytes of a made value, into `buf`.
    fn read(&self, made: &Made, buf: &mut Vec<u8>) -> std::io::Result<()> {
        match (made, &self.spill) {
            (Made::Memory(bytes), _) => {
                buf.clear();
                buf.extend_from_slice(bytes);
                Ok(())
            }
            (Made::Spilled(range), Some(spill)) => {
                buf.resize((range.end - range.start) as usize, 0);
                read_at(&spill.file, buf, range.start)
            }
            (Made::Spilled(_), None) => Err(std::io::ErrorKind::NotFound.into()),
        }
    }
}

/// A cache file of entries as a run opened it: where each entry is, its values read when
/// asked for ([`Stored`], [`Highlights`]).
#[derive(Default)]
struct Opened {
    file: Option<Arc<EntryFile>>,
    /// Where each entry's value is in `file` (a later entry of a key wins).
    index: HashMap<Key, Range<usize>>,
}

impl Opened {
    /// Cache file `name` of `store`; no entries when it is missing, damaged or not ours.
    fn open(store: &Store, name: &str) -> Opened {
        match store.path(name).and_then(|path| EntryFile::open(&path)) {
            Some((file, entries)) => Opened {
                file: Some(Arc::new(file)),
                index: entries.into_iter().collect(),
            },
            None => Opened::default(),
        }
    }

    /// Makes cache file `name` what a run used of this one and made: `used`, the keys of
    /// this file it used (sorted, each once), and the entries `write_made` writes (`made`
    /// says whether there are any). Nothing is written when the run used all of the file and
    /// made nothing; the made entries are appended while the entries no longer used take
    /// less room than the others; otherwise the file is written anew, streamed, the used
    /// entries copied from this one.
    fn save(
        &self,
        store: &Store,
        name: &str,
        used: &[Key],
        made: bool,
        write_made: impl Fn(&mut EntrySink<'_, '_>) -> std::io::Result<()>,
    ) {
        if !made && used.len() == self.index.len() {
            return; // the file already holds exactly this
        }
        let live: usize = used
            .iter()
            .filter_map(|k| self.index.get(k))
            .map(|r| entry_len(r.len()))
            .sum();
        let len = self.file.as_ref().map_or(0, |f| f.len);
        if store.append_with(name, len, live, &write_made) {
            return;
        }
        store.write_with(name, |w| {
            let mut buf = Vec::new();
            for key in used {
                let (Some(file), Some(range)) = (self.file.as_ref(), self.index.get(key)) else {
                    continue;
                };
                // An entry that can no longer be read is left out (made again next time).
                if file.read_entry(*key, range.clone(), &mut buf).is_ok() {
                    w.entry(*key, &buf)?;
                }
            }
            write_made(w)
        });
    }
}

/// Values kept on disk between runs, as one cache file of serialized values ([`postcard`]),
/// decoded only when asked for: a build that reuses 9,999 documents of 10,000 decodes 9,999
/// and encodes one. What a run used is what the next run finds.
pub struct Stored<T> {
    opened: Opened,
    /// The cache folder, where made values are spilled.
    dir: Option<PathBuf>,
    this_run: Mutex<StoredRun>,
    kind: std::marker::PhantomData<fn() -> T>,
}

impl<T: serde::Serialize + serde::de::DeserializeOwned> Stored<T> {
    /// The entries of cache file `name`; none when it is missing, damaged or not ours.
    pub fn load(store: &Store, name: &str) -> Stored<T> {
        Stored {
            opened: Opened::open(store, name),
            dir: store.dir.clone(),
            this_run: Mutex::default(),
            kind: std::marker::PhantomData,
        }
    }

    /// How many values the file held.
    pub fn len(&self) -> usize {
        self.opened.index.len()
    }

    /// How many values this run took from the file so far, and how many it made.
    pub fn counts(&self) -> (usize, usize) {
        let this_run = self.lock();
        (this_run.reused.len(), this_run.made.len())
    }

    pub fn is_empty(&self) -> bool {
        self.opened.index.is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, StoredRun> {
        self.this_run.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Replaces cache file `name` with what this run used and made, streamed: the values
    /// are never all in memory at once.
    pub fn save(self, store: &Store, name: &str) {
        let mut run = self
            .this_run
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        run.reused.sort_unstable();
        run.reused.dedup();
        self.opened
            .save(store, name, &run.reused, !run.made.is_empty(), |w| {
                let mut buf = Vec::new();
                for (key, made) in &run.made {
                    run.read(made, &mut buf)?;
                    w.entry(*key, &buf)?;
                }
                Ok(())
            });
    }
}

impl<T: serde::Serialize + serde::de::DeserializeOwned> Remember<T> for Stored<T> {
    fn remember(&self, key: Key, make: &mut dyn FnMut() -> T) -> T {
        if let Some(range) = self.opened.index.get(&key) {
            // A value that no longer decodes (a damaged file) is made again.
            let file = self.opened.file.as_ref();
            if let Some(value) = file.and_then(|f| decode_entry(f, key, range)) {
                self.lock().reused.push(key);
                return value;
            }
        }
        let value = make();
        if let Some(encoded) = encode_entry(&value) {
            self.lock().keep(key, encoded, self.dir.as_deref());
        }
        value
    }
}

thread_local! {
    /// While an entry of a [`Stored`] file is encoded: the [`Body`] texts in it, written
    /// after its head.
    static BODY_SINK: std::cell::RefCell<Option<Vec<u8>>> = const { std::cell::RefCell::new(None) };
    /// While an entry is decoded: its file, where the next [`Body`] text starts in it and
    /// where the entry ends.
    static BODY_SOURCE: std::cell::RefCell<Option<(Arc<EntryFile>, usize, usize)>> =
        const { std::cell::RefCell::new(None) };
}

/// A [`Stored`] entry: the head's length (4 bytes), the head (the value in [`postcard`],
/// each [`Body`] as its key and length) and the texts of the bodies, in order.
fn encode_entry<T: serde::Serialize>(value: &T) -> Option<Vec<u8>> {
    BODY_SINK.set(Some(Vec::new()));
    let head = postcard::to_stdvec(value);
    let bodies = BODY_SINK.take().unwrap_or_default();
    let head = head.ok()?;
    let mut entry = Vec::with_capacity(4 + head.len() + bodies.len());
    entry.extend_from_slice(&u32::try_from(head.len()).ok()?.to_le_bytes());
    entry.extend_from_slice(&head);
    entry.extend_from_slice(&bodies);
    Some(entry)
}

/// Decodes the head of the entry at `range` of `file`; its bodies stay in the file until
/// asked for. The bodies must fill the entry exactly.
fn decode_entry<T: serde::de::DeserializeOwned>(
    file: &Arc<EntryFile>,
    key: Key,
    range: &Range<usize>,
) -> Option<T> {
    thread_local! {
        static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUF.with_borrow_mut(|buf| {
        // One read for the length and the head: 98% of the heads of a generated handbook
        // of 10,000 pages are shorter than 4 KiB (the median is 1.8 KiB).
        // The entry's own head first: the index the file was opened with is only a guide.
        let start = range.start.checked_sub(ENTRY_HEAD)?;
        let first = range.len().min(4 << 10);
        file.read(start..range.start + first, buf).ok()?;
        check_head(buf, key, range.len()).ok()?;
        let at = ENTRY_HEAD;
        let head_len =
            usize::try_from(u32::from_le_bytes(buf.get(at..at + 4)?.try_into().ok()?)).ok()?;
        let head_end = range
            .start
            .checked_add(4 + head_len)
            .filter(|&e| e <= range.end)?;
        if 4 + head_len > first {
            file.read(start..head_end, buf).ok()?;
        }
        BODY_SOURCE.set(Some((file.clone(), head_end, range.end)));
        let value = postcard::from_bytes::<T>(&buf[at + 4..at + 4 + head_len]).ok();
        let filled = BODY_SOURCE.take().is_some_and(|(_, at, end)| at == end);
        value.filter(|_| filled)
    })
}

/// A document's HTML or plain text: in memory, or still in the build cache, read (and
/// checked against its hash) when first asked for. The documents of 10,000 pages reused
/// from the cache hold 200 MB of these, and an incremental build shows a few of them.
#[derive(Clone)]
pub struct Body(BodyRepr);

#[derive(Clone)]
enum BodyRepr {
    Owned {
        text: String,
        key: OnceLock<Key>,
    },
    Stored {
        file: Arc<EntryFile>,
        at: usize,
        len: usize,
        key: Key,
        text: OnceLock<String>,
    },
}

impl Body {
    pub fn new(text: String) -> Body {
        Body(BodyRepr::Owned {
            text,
            key: OnceLock::new(),
        })
    }

    /// The hash of the text.
    pub fn key(&self) -> Key {
        match &self.0 {
            BodyRepr::Owned { text, key } => {
                *key.get_or_init(|| Hasher::new().piece(text.as_bytes()).finish())
            }
            BodyRepr::Stored { key, .. } => *key,
        }
    }

    /// The length of the text in bytes.
    pub fn len(&self) -> usize {
        match &self.0 {
            BodyRepr::Owned { text, .. } => text.len(),
            BodyRepr::Stored { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The text, read from the build cache the first time when it is there (and kept in
    /// memory from then on); an error when the cache file no longer holds it.
    pub fn get(&self) -> anyhow::Result<&str> {
        match (&self.0, self.read()?) {
            (_, std::borrow::Cow::Borrowed(text)) => Ok(text),
            (BodyRepr::Stored { text, .. }, std::borrow::Cow::Owned(read)) => {
                Ok(text.get_or_init(|| read))
            }
            // An owned text is lent, never read.
            (BodyRepr::Owned { text, .. }, std::borrow::Cow::Owned(_)) => Ok(text),
        }
    }

    /// The text, read from where it is kept each time it is asked for and not kept in
    /// memory: for a text that one step of a build needs once.
    pub fn read(&self) -> anyhow::Result<std::borrow::Cow<'_, str>> {
        match &self.0 {
            BodyRepr::Owned { text, .. } => Ok(std::borrow::Cow::Borrowed(text)),
            BodyRepr::Stored {
                file,
                at,
                len,
                key,
                text,
            } => match text.get() {
                Some(text) => Ok(std::borrow::Cow::Borrowed(text)),
                None => load_text(file, *at..*at + *len, *key).map(std::borrow::Cow::Owned),
            },
        }
    }

    /// The text when it is in memory (made by this process, or read before).
    pub fn in_memory(&self) -> Option<&str> {
        match &self.0 {
            BodyRepr::Owned { text, .. } => Some(text),
            BodyRepr::Stored { text, .. } => text.get().map(String::as_str),
        }
    }
}

/// The text kept at `range` of `file`, checked against its hash `key`.
fn load_text(file: &EntryFile, range: Range<usize>, key: Key) -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    let read = file
        .read(range, &mut bytes)
        .ok()
        .and_then(|()| String::from_utf8(bytes).ok())
        .filter(|t| Hasher::new().piece(t.as_bytes()).finish() == key);
    match read {
        Some(read) => Ok(read),
        None if file.unnamed => anyhow::bail!(
            "could not read back a document's text set aside in an unnamed file in {} (was the disk full?)",
            file.path.display()
        ),
        None => {
            // Removed, so that the next build makes the documents again.
            let removed = std::fs::remove_file(&file.path).is_ok();
            anyhow::bail!(
                "the build cache {} is damaged (a document's text in it no longer matches its hash){}",
                file.path.display(),
                if removed {
                    "; it was removed: build again"
                } else {
                    "; build again with --no-cache"
                }
            )
        }
    }
}

impl Default for Body {
    fn default() -> Body {
        Body::new(String::new())
    }
}

impl PartialEq for Body {
    fn eq(&self, other: &Body) -> bool {
        self.len() == other.len() && self.key() == other.key()
    }
}

impl Eq for Body {}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.in_memory() {
            Some(text) => write!(f, "{text:?}"),
            None => write!(f, "Body({} bytes kept in a file)", self.len()),
        }
    }
}

/// A body is encoded only into a [`Stored`] entry: its key and length in the head, its text
/// after it.
impl serde::Serialize for Body {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error as _;
        let text = self.read().map_err(S::Error::custom)?;
        let sunk = BODY_SINK.with_borrow_mut(|sink| {
            sink.as_mut()
                .map(|sink| sink.extend_from_slice(text.as_bytes()))
                .is_some()
        });
        if !sunk {
            return Err(S::Error::custom(
                "a document body is encoded only into the build cache",
            ));
        }
        serde::Serialize::serialize(&(self.key(), text.len() as u64), s)
    }
}

impl<'de> serde::Deserialize<'de> for Body {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Body, D::Error> {
        use serde::de::Error as _;
        let (key, len): (Key, u64) = serde::Deserialize::deserialize(d)?;
        let len = usize::try_from(len).map_err(D::Error::custom)?;
        BODY_SOURCE.with_borrow_mut(|source| {
            let Some((file, at, end)) = source.as_mut() else {
                return Err(D::Error::custom(
                    "a document body is decoded only from the build cache",
                ));
            };
            let start = *at;
            *at = start
                .checked_add(len)
                .filter(|stop| stop <= end)
                .ok_or_else(|| D::Error::custom("a document body past its entry"))?;
            Ok(Body(BodyRepr::Stored {
                file: file.clone(),
                at: start,
                len,
                key,
                text: OnceLock::new(),
            }))
        })
    }
}

/// Documents' plain texts set aside in an unnamed file while a build runs, rather than kept
/// in memory: the search index reads each of them once, and nothing else does. On 50,000
/// pages, 300 MB that would otherwise sit beside the index under construction.
pub struct TextFile {
    file: Arc<EntryFile>,
    end: std::sync::atomic::AtomicU64,
}

impl TextFile {
    /// An unnamed file in `dir` (gone when the process ends, however it ends).
    pub fn new_in(dir: &Path) -> std::io::Result<TextFile> {
        let file = tempfile::tempfile_in(dir)?;
        Ok(TextFile {
            file: Arc::new(EntryFile {
                file,
                len: 0,
                path: dir.to_path_buf(),
                unnamed: true,
            }),
            end: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// `body` written to the file, from any thread; kept as it is when it is not in memory
    /// or cannot be written.
    pub fn put(&self, body: Body) -> Body {
        let BodyRepr::Owned { text, .. } = &body.0 else {
            return body;
        };
        if text.is_empty() {
            return body;
        }
        let len = text.len();
        let at = self
            .end
            .fetch_add(len as u64, std::sync::atomic::Ordering::Relaxed);
        let Ok(start) = usize::try_from(at) else {
            return body;
        };
        if write_at(&self.file.file, text.as_bytes(), at).is_err() {
            return body;
        }
        Body(BodyRepr::Stored {
            file: self.file.clone(),
            at: start,
            len,
            key: body.key(),
            text: OnceLock::new(),
        })
    }
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

    /// Marks `keys` as used this run, where they are remembered: values that a run took
    /// from elsewhere (a document reused whole) but the next run may need again.
    pub fn touch(&self, keys: &[Key]) {
        let known: Vec<Key> = keys
            .iter()
            .copied()
            .filter(|k| self.previous.contains_key(k))
            .collect();
        if !known.is_empty() {
            self.lock().0.extend(known);
        }
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

/// Highlighted code blocks, kept on disk between builds. The cache file's blocks are read
/// when a code block asks for one (a build after a one-page edit of 10,000 pages asks for a
/// few of 6,500, which came to 15 MB read and 30 MB of fresh memory when all were read);
/// blocks made this run, and those a `serve` process carries from one rebuild to the next,
/// are in memory.
#[derive(Default)]
pub struct Highlights {
    memo: Memo<String>,
    /// The cache file as this process read it.
    disk: Opened,
    /// The keys of `disk` this run used.
    used: Mutex<HashSet<Key>>,
}

impl std::fmt::Debug for Highlights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Highlights({} blocks)", self.len())
    }
}

impl Highlights {
    /// The blocks of the cache file in `store`: where each one is, not the blocks.
    pub fn load(store: &Store) -> Highlights {
        Highlights {
            memo: Memo::default(),
            disk: Opened::open(store, HIGHLIGHTS_FILE),
            used: Mutex::default(),
        }
    }

    /// The key of `code` in `lang`.
    pub fn key(lang: &str, code: &str) -> Key {
        Hasher::new()
            .piece(lang.as_bytes())
            .piece(code.as_bytes())
            .finish()
    }

    /// The highlighted HTML of `code` in `lang`, from the cache or from `highlight`.
    pub fn get_or<E>(
        &self,
        lang: &str,
        code: &str,
        highlight: impl FnOnce() -> Result<String, E>,
    ) -> Result<String, E> {
        self.get_or_keyed(Highlights::key(lang, code), highlight)
    }

    /// [`Highlights::get_or`] for a block whose [`Highlights::key`] the caller already has.
    pub fn get_or_keyed<E>(
        &self,
        key: Key,
        highlight: impl FnOnce() -> Result<String, E>,
    ) -> Result<String, E> {
        match self.read_kept(key) {
            Some(html) => Ok(html),
            None => self.memo.get_or(key, highlight),
        }
    }

    /// The block of `key`, read from the cache file and marked used; `None` when the file
    /// lacks it or it no longer reads back (then it is made again).
    fn read_kept(&self, key: Key) -> Option<String> {
        let range = self.disk.index.get(&key)?;
        let mut bytes = Vec::new();
        let file = self.disk.file.as_ref()?;
        file.read_entry(key, range.clone(), &mut bytes).ok()?;
        let html = String::from_utf8(bytes).ok()?;
        self.lock_used().insert(key);
        Some(html)
    }

    fn lock_used(&self) -> std::sync::MutexGuard<'_, HashSet<Key>> {
        self.used.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps the blocks of `keys` for the next run: the code blocks of documents reused whole.
    pub fn touch(&self, keys: &[Key]) {
        self.memo.touch(keys);
        let on_disk: Vec<Key> = keys
            .iter()
            .copied()
            .filter(|k| self.disk.index.contains_key(k))
            .collect();
        if !on_disk.is_empty() {
            self.lock_used().extend(on_disk);
        }
    }

    /// Makes what this run used the cache of the next run, in memory only.
    pub fn rotate(&mut self) {
        self.memo.rotate();
    }

    /// Makes what this run used the cache file of the next run. The file is left as it is
    /// when the run used all of it and made nothing; blocks made anew are appended while the
    /// blocks no longer used take less room than the others; otherwise the file is written
    /// anew (15 MB for 10,000 pages), the used blocks read from the old one.
    pub fn save(mut self, store: &Store) {
        self.memo.rotate();
        let used = self.used.into_inner().unwrap_or_else(|e| e.into_inner());
        // In memory: what this run made (and what a `serve` process carried), not in the file.
        let mut made: Vec<(Key, String)> = std::mem::take(&mut self.memo.previous)
            .into_iter()
            .filter(|(k, _)| !used.contains(k))
            .collect();
        made.sort_unstable_by_key(|(k, _)| *k);
        let mut used: Vec<Key> = used.into_iter().collect();
        used.sort_unstable();
        self.disk
            .save(store, HIGHLIGHTS_FILE, &used, !made.is_empty(), |w| {
                w.entries(made.iter().map(|(k, v)| (*k, v.as_bytes())))
            });
    }

    /// How many blocks the next run finds without highlighting them.
    pub fn len(&self) -> usize {
        self.disk.index.len() + self.memo.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
        output_file("pages", out)
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
        store.write(file, self.sorted().map(|(p, k)| (*k, p.as_bytes())));
    }

    /// A hash of every path with its hash.
    pub fn key(&self) -> Key {
        let mut hasher = Hasher::new();
        for (path, key) in self.sorted() {
            hasher.piece(path.as_bytes()).piece(&key.to_le_bytes());
        }
        hasher.finish()
    }

    fn sorted(&self) -> impl Iterator<Item = (&String, &Key)> {
        let mut entries: Vec<(&String, &Key)> = self.by_path.iter().collect();
        entries.sort_unstable();
        entries.into_iter()
    }

    /// Forgets everything, e.g. when the output folder is not the one these hashes describe.
    pub fn clear(&mut self) {
        self.by_path.clear();
    }
}

/// The largest string or byte string [`Store::load_value`] decodes: a posting list of a word
/// in every document of 200,000 is 1 MB.
const SCRATCH: usize = 8 << 20;

/// A [`postcard`] flavor that decodes from a reader through a buffer of its own: a varint's
/// bytes come from the buffer in place (postcard's `IOReader` makes a `read_exact` call for
/// each byte), and a string or byte string that lies in the buffer whole is lent from it
/// instead of copied to the scratch space. Loading the search index kept for 10,000 pages
/// took 219–225 M instructions instead of 271 M.
struct ReadFlavor<'de, R> {
    input: Buffered<R>,
    /// Where a string or list that is not in the buffer whole is put together.
    scratch: &'de mut [u8],
}

/// A reader and the bytes read from it not yet taken (`buf[pos..end]`).
struct Buffered<R> {
    reader: R,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
}

impl<R: std::io::Read> Buffered<R> {
    /// The next byte.
    #[inline]
    fn pop(&mut self) -> std::io::Result<u8> {
        while self.pos == self.end {
            match self.reader.read(&mut self.buf) {
                Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => (self.pos, self.end) = (0, n),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.pos += 1;
        Ok(self.buf[self.pos - 1])
    }

    /// Whether the buffer holds the next `n` bytes.
    fn holds(&self, n: usize) -> bool {
        self.end - self.pos >= n
    }

    /// The next `n` bytes, which the buffer [holds](Buffered::holds).
    fn lend(&mut self, n: usize) -> &[u8] {
        self.pos += n;
        &self.buf[self.pos - n..self.pos]
    }

    /// Fills `dst` with the next bytes: those left in the buffer, then straight from the
    /// reader.
    fn read_into(&mut self, dst: &mut [u8]) -> std::io::Result<()> {
        let from_buf = (self.end - self.pos).min(dst.len());
        dst[..from_buf].copy_from_slice(&self.buf[self.pos..self.pos + from_buf]);
        self.pos += from_buf;
        self.reader.read_exact(&mut dst[from_buf..])
    }
}

impl<'de, R: std::io::Read> ReadFlavor<'de, R> {
    fn new(reader: R, scratch: &'de mut [u8]) -> Self {
        let input = Buffered {
            reader,
            buf: vec![0; 1 << 16].into_boxed_slice(),
            pos: 0,
            end: 0,
        };
        ReadFlavor { input, scratch }
    }
}

/// Postcard's error for input that ended, or could not be read, before the value did.
fn unexpected_end<E>(_: E) -> postcard::Error {
    postcard::Error::DeserializeUnexpectedEnd
}

impl<'de, R: std::io::Read + 'de> postcard::de_flavors::Flavor<'de> for ReadFlavor<'de, R> {
    /// The reader, past what was decoded and what the buffer holds beyond it.
    type Remainder = R;
    type Source = R;

    #[inline]
    fn pop(&mut self) -> postcard::Result<u8> {
        self.input.pop().map_err(unexpected_end)
    }

    fn try_take_n(&mut self, ct: usize) -> postcard::Result<&'de [u8]> {
        // Borrowed for the whole decoding: taken off the front of the scratch space.
        if ct > self.scratch.len() {
            return Err(postcard::Error::DeserializeUnexpectedEnd);
        }
        let (taken, rest) = std::mem::take(&mut self.scratch).split_at_mut(ct);
        self.scratch = rest;
        self.input.read_into(taken).map_err(unexpected_end)?;
        Ok(taken)
    }

    fn try_take_n_temp<'a>(&'a mut self, ct: usize) -> postcard::Result<&'a [u8]>
    where
        'de: 'a,
    {
        if self.input.holds(ct) {
            return Ok(self.input.lend(ct));
        }
        let dst = self
            .scratch
            .get_mut(..ct)
            .ok_or(postcard::Error::DeserializeUnexpectedEnd)?;
        self.input.read_into(dst).map_err(unexpected_end)?;
        Ok(dst)
    }

    fn finalize(self) -> postcard::Result<R> {
        Ok(self.input.reader)
    }
}

/// Reads from `inner` and hashes what it read.
struct HashingReader<R> {
    inner: R,
    hash: Hasher,
}

impl<R: std::io::Read> std::io::Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.write_all(&buf[..n])?;
        Ok(n)
    }
}

/// Writes to `out` and hashes what it wrote.
struct Tee<W> {
    out: W,
    hash: Hasher,
}

impl<W: Write> Write for Tee<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(buf)?;
        self.hash.write_all(&buf[..n])?;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// The name of the cache file of kind `kind` (`pages`, `search`) for the output folder `out`:
/// one per folder, since `-d` may point anywhere.
pub fn output_file(kind: &str, out: &Path) -> String {
    let abs = std::path::absolute(out).unwrap_or_else(|_| out.to_path_buf());
    let key = Hasher::new()
        .piece(abs.to_string_lossy().as_bytes())
        .finish();
    format!("{kind}-{:016x}.bin", key as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `step` bytes a call.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    /// Decodes a `T` from `bytes` through a [`ReadFlavor`] with `scratch` bytes of scratch
    /// space, reading at most `step` bytes a call; also whether every byte was taken.
    fn decode_trickled<T: serde::de::DeserializeOwned>(
        bytes: &[u8],
        step: usize,
        scratch: usize,
    ) -> postcard::Result<(T, bool)> {
        let mut scratch = vec![0; scratch];
        let reader = Trickle { bytes, step };
        let mut decoder =
            postcard::Deserializer::from_flavor(ReadFlavor::new(reader, &mut scratch));
        let value = T::deserialize(&mut decoder)?;
        Ok((value, decoder.finalize()?.bytes.is_empty()))
    }

    #[test]
    fn read_flavor_decodes_what_postcard_wrote_whatever_the_reads_and_sizes() {
        type Value = (Vec<String>, Vec<serde_bytes::ByteBuf>, Vec<u64>, String);
        let value: Value = (
            (0..3000)
                .map(|k| "é".repeat(k % 50) + &k.to_string())
                .collect(),
            [0, 1, 1 << 16, 200_000, 3]
                .iter()
                .map(|&n| serde_bytes::ByteBuf::from(vec![7u8; n]))
                .collect(),
            (0..5000).map(|k| k * 1_000_003).collect(),
            "the end".into(),
        );
        let bytes = postcard::to_stdvec(&value).unwrap();
        for step in [1, 3, 4096, 1 << 20] {
            let (back, all_taken) = decode_trickled::<Value>(&bytes, step, 1 << 18).unwrap();
            assert_eq!(back, value, "reads of {step} bytes");
            assert!(all_taken);
        }
        // Borrowed strings are laid side by side in the scratch space.
        let words = vec!["alpha".to_string(), "β".repeat(40_000), String::new()];
        let bytes_of_words = postcard::to_stdvec(&words).unwrap();
        let mut scratch = vec![0; 1 << 18];
        let reader = Trickle {
            bytes: &bytes_of_words,
            step: 7,
        };
        let mut decoder =
            postcard::Deserializer::from_flavor(ReadFlavor::new(reader, &mut scratch));
        let borrowed: Vec<&str> = serde::Deserialize::deserialize(&mut decoder).unwrap();
        assert_eq!(borrowed, words);
        // A byte string larger than the scratch space (and the buffer) does not decode, nor
        // does a value cut short.
        assert!(decode_trickled::<Value>(&bytes, 4096, 1 << 17).is_err());
        assert!(decode_trickled::<Value>(&bytes[..bytes.len() - 1], 4096, 1 << 18).is_err());
    }

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
        let h = Highlights::load(&store);
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

        let again = Highlights::load(&store);
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
    fn the_index_beside_an_entry_file_is_kept_up_to_date_checked_and_made_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path().join("cache"));
        let path = dir.path().join("cache").join(HIGHLIGHTS_FILE);
        let idx = index_path(&path);
        let scanned = || {
            let bytes = std::fs::read(&path).unwrap();
            decode(&bytes).unwrap()
        };
        let calls = std::cell::Cell::new(0);
        let get = |h: &Highlights, i: usize| {
            h.get_or::<()>("sh", &format!("block {i}"), || {
                calls.set(calls.get() + 1);
                Ok(format!("<i>block {i}</i>"))
            })
            .unwrap()
        };
        let h = Highlights::load(&store);
        for i in 0..10 {
            get(&h, i);
        }
        h.save(&store);
        assert_eq!(
            read_index(&idx).unwrap(),
            scanned(),
            "written with the file"
        );

        // One block more, appended to the file and to its index.
        let len = std::fs::metadata(&path).unwrap().len();
        let h = Highlights::load(&store);
        for i in 0..11 {
            get(&h, i);
        }
        h.save(&store);
        assert!(std::fs::metadata(&path).unwrap().len() > len);
        assert_eq!(scanned().len(), 11, "appended");
        assert_eq!(read_index(&idx).unwrap(), scanned(), "appended to as well");

        // An index that is wrong about two entries: each is checked against its own head
        // and made again, never taken for the other.
        let mut wrong = scanned();
        let (k0, k1) = (wrong[0].0, wrong[1].0);
        wrong[0].0 = k1;
        wrong[1].0 = k0;
        let mut bytes = Vec::new();
        write_index(&mut bytes, &wrong).unwrap();
        std::fs::write(&idx, bytes).unwrap();
        calls.set(0);
        let h = Highlights::load(&store);
        let blocks: Vec<String> = (0..11).map(|i| get(&h, i)).collect();
        assert_eq!(blocks[0], "<i>block 0</i>");
        assert_eq!(blocks[1], "<i>block 1</i>");
        assert_eq!(
            calls.get(),
            2,
            "the two blocks the index misplaced, made again"
        );

        // An index that describes another file, or none: the heads are read and the index
        // is written again.
        std::fs::write(&idx, format!("{FORMAT}\n")).unwrap();
        let h = Highlights::load(&store);
        assert_eq!(h.len(), 11);
        assert_eq!(read_index(&idx).unwrap(), scanned());
        std::fs::remove_file(&idx).unwrap();
        assert_eq!(Highlights::load(&store).len(), 11);
        assert_eq!(read_index(&idx).unwrap(), scanned());
    }

    #[test]
    fn highlights_are_saved_only_when_changed_and_appended_while_little_is_stale() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path().join("cache"));
        let path = dir.path().join("cache").join(HIGHLIGHTS_FILE);
        let size = || std::fs::metadata(&path).unwrap().len();
        let make = |h: &Highlights, code: &str| {
            h.get_or::<()>("sh", code, || Ok(format!("<i>{code}</i>")))
                .unwrap()
        };
        let h = Highlights::load(&store);
        for i in 0..10 {
            make(&h, &format!("block {i}"));
        }
        h.save(&store);
        let first = size();

        // Everything used, nothing made: the file is not touched.
        let h = Highlights::load(&store);
        for i in 0..10 {
            make(&h, &format!("block {i}"));
        }
        std::fs::write(&path, b"not written again").unwrap();
        h.save(&store);
        assert_eq!(std::fs::read(&path).unwrap(), b"not written again");

        // One block made anew, one dropped: appended to the file.
        std::fs::remove_file(&path).unwrap();
        let h = Highlights::load(&store);
        for i in 0..10 {
            make(&h, &format!("block {i}"));
        }
        h.save(&store);
        assert_eq!(size(), first);
        let h = Highlights::load(&store);
        for i in 1..10 {
            make(&h, &format!("block {i}"));
        }
        make(&h, "block 10");
        h.save(&store);
        let entry = 24 + "<i>block 10</i>".len() as u64;
        assert_eq!(size(), first + entry, "one entry appended");
        let mut h = Highlights::load(&store);
        assert_eq!(h.len(), 11, "the stale entry is read back too");
        let calls = std::cell::Cell::new(0);
        for i in 1..11 {
            let code = format!("block {i}");
            let html = h
                .get_or::<()>("sh", &code, || {
                    calls.set(calls.get() + 1);
                    Ok(String::new())
                })
                .unwrap();
            assert_eq!(html, format!("<i>{code}</i>"));
        }
        assert_eq!(calls.get(), 0, "appended entries are found");

        // Most of the file stale: written anew with only what was used.
        h.used.get_mut().unwrap().clear();
        make(&h, "block 1");
        h.save(&store);
        assert_eq!(Highlights::load(&store).len(), 1);
        assert_eq!(
            size(),
            (FORMAT.len() + 1 + 24 + "<i>block 1</i>".len()) as u64
        );
    }

    #[test]
    fn bodies_are_read_from_the_cache_file_only_when_asked_for() {
        #[derive(serde::Serialize, serde::Deserialize)]
        struct Doc {
            title: String,
            html: Body,
            text: Body,
        }
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path().to_path_buf());
        let stored: Stored<Doc> = Stored::load(&store, "d.bin");
        let made = stored.remember(1, &mut || Doc {
            title: "T".into(),
            html: Body::new("<p>é</p>".into()),
            text: Body::new("é".into()),
        });
        stored.save(&store, "d.bin");

        let stored: Stored<Doc> = Stored::load(&store, "d.bin");
        let doc = stored.remember(1, &mut || panic!("made again"));
        assert_eq!(doc.title, "T");
        assert!(doc.html.in_memory().is_none(), "left in the file");
        assert_eq!(
            (doc.html.len(), doc.html.key()),
            (made.html.len(), made.html.key())
        );
        assert_eq!(doc.html.get().unwrap(), "<p>é</p>");
        assert_eq!(doc.text.get().unwrap(), "é");
        assert_eq!(doc.html, made.html);
        assert_eq!(doc.html.in_memory(), Some("<p>é</p>"), "kept once read");
        assert!(
            serde_json::to_string(&made.html).is_err(),
            "a body is encoded only into the build cache"
        );

        // Damaged after its head: reading it fails, and the file goes.
        let path = dir.path().join("d.bin");
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x01;
        std::fs::write(&path, bytes).unwrap();
        let stored: Stored<Doc> = Stored::load(&store, "d.bin");
        let doc = stored.remember(1, &mut || panic!("the head still decodes"));
        let err = doc.text.get().unwrap_err().to_string();
        assert!(
            err.contains("is damaged") && err.contains("build again"),
            "{err}"
        );
        assert!(!path.exists());
    }

    #[test]
    fn texts_set_aside_in_a_file_are_read_back_each_time_and_not_kept() {
        #[derive(serde::Serialize, serde::Deserialize)]
        struct Doc {
            text: Body,
        }
        let dir = tempfile::tempdir().unwrap();
        let file = TextFile::new_in(dir.path()).unwrap();
        // Put from several threads at once, as loading does.
        let bodies: Vec<(String, Body)> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..4)
                .map(|t| {
                    let file = &file;
                    scope.spawn(move || {
                        (0..50)
                            .map(|k| {
                                let text = format!("text {t}/{k} é {}", "x".repeat(k * 37));
                                (text.clone(), file.put(Body::new(text)))
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap())
                .collect()
        });
        for (text, body) in &bodies {
            assert!(body.in_memory().is_none(), "set aside");
            assert_eq!(body.len(), text.len());
            assert_eq!(*body, Body::new(text.clone()));
            assert_eq!(body.read().unwrap(), text.as_str());
            assert!(body.in_memory().is_none(), "read, not kept");
        }
        let (text, body) = &bodies[17];
        assert_eq!(body.get().unwrap(), text);
        assert_eq!(body.in_memory(), Some(text.as_str()), "kept once got");
        assert_eq!(
            file.put(Body::default()).in_memory(),
            Some(""),
            "nothing to set aside"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(names.is_empty(), "the file has no name: {names:?}");

        // Encoded into the build cache, a set-aside text is read from its file.
        let store = Store::at(dir.path().join("cache"));
        let stored: Stored<Doc> = Stored::load(&store, "d.bin");
        let (text, body) = &bodies[123];
        stored.remember(1, &mut || Doc { text: body.clone() });
        assert!(body.in_memory().is_none(), "encoding does not keep it");
        stored.save(&store, "d.bin");
        let stored: Stored<Doc> = Stored::load(&store, "d.bin");
        let doc = stored.remember(1, &mut || panic!("made again"));
        assert_eq!(doc.text.get().unwrap(), text);

        // A file that lost its bytes: a clear error, not a wrong text.
        file.file.file.set_len(0).unwrap();
        let err = bodies[0].1.read().unwrap_err().to_string();
        assert!(err.contains("could not read back"), "{err}");
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

    /// Runs one "build" over `values` (key → text) with the stored file `name`: returns what
    /// each key gave and which keys had to be made.
    fn stored_run(store: &Store, values: &[(Key, &str)]) -> (Vec<String>, Vec<Key>) {
        let stored: Stored<String> = Stored::load(store, "values.bin");
        let mut made = Vec::new();
        let got = values
            .iter()
            .map(|&(key, text)| {
                stored.remember(key, &mut || {
                    made.push(key);
                    text.to_string()
                })
            })
            .collect();
        let (reused, new) = stored.counts();
        assert_eq!(reused + new, values.len());
        stored.save(store, "values.bin");
        (got, made)
    }

    #[test]
    fn stored_values_are_reused_appended_and_compacted() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path().join("cache"));
        let path = dir.path().join("cache/values.bin");
        let a = [(1, "one"), (2, "two"), (3, "three"), (4, "four")];

        let (got, made) = stored_run(&store, &a);
        assert_eq!(got, ["one", "two", "three", "four"]);
        assert_eq!(made, [1, 2, 3, 4], "an empty cache makes everything");
        let full = std::fs::read(&path).unwrap();

        // Nothing changed: nothing is made and the file is left as it is.
        let (got, made) = stored_run(&store, &a);
        assert_eq!(got, ["one", "two", "three", "four"]);
        assert!(made.is_empty());
        assert_eq!(std::fs::read(&path).unwrap(), full);

        // One value changed (a new key): only it is made, and it is appended.
        let b = [(1, "one"), (2, "two"), (3, "three"), (5, "FOUR")];
        let (got, made) = stored_run(&store, &b);
        assert_eq!(got, ["one", "two", "three", "FOUR"]);
        assert_eq!(made, [5]);
        let appended = std::fs::read(&path).unwrap();
        assert_eq!(
            &appended[..full.len()],
            &full[..],
            "appended, not rewritten"
        );
        assert!(appended.len() > full.len());
        let (_, made) = stored_run(&store, &b);
        assert!(made.is_empty(), "the appended value is found");

        // Most values changed: the file is written anew with only what is used.
        let c = [(1, "one"), (6, "six"), (7, "seven"), (8, "eight")];
        let (got, made) = stored_run(&store, &c);
        assert_eq!(got, ["one", "six", "seven", "eight"]);
        assert_eq!(made, [6, 7, 8]);
        let stored: Stored<String> = Stored::load(&store, "values.bin");
        assert_eq!(stored.len(), 4, "stale values are dropped");

        // A file another run replaced meanwhile is written anew, not appended to.
        let stored: Stored<String> = Stored::load(&store, "values.bin");
        for &(k, t) in &c[..3] {
            stored.remember(k, &mut || t.to_string());
        }
        stored.remember(9, &mut || "nine".to_string());
        // Replaced as runs replace it: a new file renamed over the old one, which the loaded
        // values are still read from.
        crate::files::replace_unsynced(&path, (FORMAT.to_string() + "\n").as_bytes()).unwrap();
        stored.save(&store, "values.bin");
        let (got, made) = stored_run(&store, &[(1, "x"), (9, "x")]);
        assert_eq!(got, ["one", "nine"]);
        assert!(made.is_empty());
    }

    #[test]
    fn made_values_wait_in_a_spill_file_that_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path().join("cache"));
        let stored: Stored<String> = Stored::load(&store, "values.bin");
        for k in 0..100u128 {
            stored.remember(k, &mut || format!("value {k}"));
        }
        {
            let run = stored.lock();
            assert!(
                run.made.iter().all(|(_, m)| matches!(m, Made::Spilled(_))),
                "made values are not held in memory"
            );
            let mut buf = Vec::new();
            run.read(&run.made[42].1, &mut buf).unwrap();
            assert_eq!(decode_value(&buf), "value 42");
        }
        stored.save(&store, "values.bin");
        let names: Vec<String> = std::fs::read_dir(dir.path().join("cache"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names.len(),
            3,
            "the values, their index and the marker only: {names:?}"
        );
        let (got, made) = stored_run(&store, &[(7, "x"), (99, "x")]);
        assert_eq!(got, ["value 7", "value 99"]);
        assert!(made.is_empty());

        // Without a cache folder, made values stay in memory and nothing is written.
        let none: Stored<String> = Stored::load(&Store::default(), "values.bin");
        none.remember(1, &mut || "one".to_string());
        assert!(matches!(none.lock().made[0].1, Made::Memory(_)));
    }

    /// The value of an encoded [`Stored`] entry that holds no [`Body`].
    fn decode_value(entry: &[u8]) -> String {
        let head_len = u32::from_le_bytes(entry[..4].try_into().unwrap()) as usize;
        postcard::from_bytes(&entry[4..4 + head_len]).unwrap()
    }

    #[test]
    fn stored_values_that_do_not_decode_are_made_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path().to_path_buf());
        // A value of another type under the same key (say, written by an older version).
        store.write(
            "values.bin",
            [(1u128, &[0xffu8, 0xff, 0xff][..])].into_iter(),
        );
        let (got, made) = stored_run(&store, &[(1, "one")]);
        assert_eq!(got, ["one"]);
        assert_eq!(made, [1]);
        // A cut-off file is ignored whole.
        let path = dir.path().join("values.bin");
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        let (_, made) = stored_run(&store, &[(1, "one")]);
        assert_eq!(made, [1]);
        // Without a cache folder nothing is read or written.
        let (got, made) = stored_run(&Store::default(), &[(1, "one")]);
        assert_eq!((got, made), (vec!["one".to_string()], vec![1]));
    }
}
