//! File-system helpers whose errors always name the path, and the rules for which files in a
//! handbook are the author's and which are an editor's leftovers.

use anyhow::{Context, Result};
use std::path::Path;

/// Editor and system leftovers that are never content: vim's `.swp`/`.swx`/`4913`/`file~`,
/// emacs's `#file#` and `.#file`, JetBrains' `___jb_tmp___`, and hidden files.
pub fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || name == "4913"
        || (name.starts_with('#') && name.ends_with('#'))
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".swo")
        || name.ends_with(".tmp")
        || name.contains("___jb_tmp___")
        || name.contains("___jb_old___")
}

pub fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("could not read {}", path.display()))
}

pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("could not write {}", path.display()))
}

/// Replaces `path` with `bytes` through a temporary file beside it, flushed and then renamed
/// over it, so a reader (or a build running meanwhile) never sees half a file. The temporary
/// file's name starts with `.` and ends with `.tmp`, so a build ignores it. With
/// `permissions`, the new file gets them before the rename.
pub fn replace_atomically(
    path: &Path,
    bytes: &[u8],
    permissions: Option<std::fs::Permissions>,
) -> std::io::Result<()> {
    replace(path, bytes, permissions, true)
}

/// Like [`replace_atomically`], without waiting for the disk: for files that may be lost
/// (the build cache, whose reader checks every entry and remakes what it cannot read).
pub fn replace_unsynced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    replace(path, bytes, None, false)
}

/// Like [`replace_unsynced`], the contents written by `write` through a buffer (a large
/// file need not be in memory whole).
pub fn replace_unsynced_with(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<&std::fs::File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    replace_with(path, write, None, false)
}

fn replace(
    path: &Path,
    bytes: &[u8],
    permissions: Option<std::fs::Permissions>,
    sync: bool,
) -> std::io::Result<()> {
    use std::io::Write;
    replace_with(path, |w| w.write_all(bytes), permissions, sync)
}

fn replace_with(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<&std::fs::File>) -> std::io::Result<()>,
    permissions: Option<std::fs::Permissions>,
    sync: bool,
) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".to_string());
    let mut attempt = 0;
    let (tmp, file) = loop {
        let tmp = dir.join(format!(
            ".{name}.opsbook-{}-{attempt}.tmp",
            std::process::id()
        ));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(file) => break (tmp, file),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    };
    let written = (|| {
        let mut buffered = std::io::BufWriter::with_capacity(1 << 16, &file);
        write(&mut buffered)?;
        buffered.flush()?;
        drop(buffered);
        if let Some(permissions) = permissions {
            file.set_permissions(permissions)?;
        }
        if sync {
            file.sync_all()?;
        }
        drop(file);
        // Unsynced (a cache file): swapped with the old file, which then goes, rather than
        // renamed over it, which would make the file system write this one out now.
        if !sync && exchange(&tmp, path) {
            let _ = std::fs::remove_file(&tmp);
            return Ok(());
        }
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Swaps the files at `new` and `old` in one step where the system can (Linux): `old` never
/// lacks a file, and the replaced contents are then at `new`, to be removed. Replacing a file
/// by renaming over it makes ext4 allocate the new file's blocks there and then (50 ms for
/// the 100 MB `print.html` of 10,000 pages). `false` when nothing was swapped: no file at
/// `old` (a folder or a link there is not swapped), or a system or file system without the
/// exchange.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn exchange(new: &Path, old: &Path) -> bool {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    std::fs::symlink_metadata(old).is_ok_and(|m| m.is_file())
        && renameat_with(CWD, new, CWD, old, RenameFlags::EXCHANGE).is_ok()
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub fn exchange(_new: &Path, _old: &Path) -> bool {
    false
}

pub fn create_dir_all(path: &Path) -> Result<()> {
    std::fs::create_dir_all(path)
        .with_context(|| format!("could not create the folder {}", path.display()))
}

/// A path relative to `base`, with `/` separators; `None` when it is not under `base` or not
/// valid UTF-8.
pub fn rel_path(path: &Path, base: &Path) -> Option<String> {
    let rel = path.strip_prefix(base).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn exchange_swaps_two_files_and_needs_both() {
        let dir = tempfile::tempdir().unwrap();
        let (new, old) = (dir.path().join("new.html"), dir.path().join("old.html"));
        std::fs::write(&new, "new").unwrap();
        std::fs::write(&old, "old").unwrap();
        assert!(exchange(&new, &old));
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "new");
        assert_eq!(std::fs::read_to_string(&new).unwrap(), "old");
        assert!(!exchange(&new, &dir.path().join("missing.html")));
        assert!(
            new.is_file(),
            "nothing moved when there is nothing to swap with"
        );
    }

    #[test]
    fn an_unsynced_replacement_leaves_only_the_new_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.bin");
        replace_unsynced(&path, b"old").unwrap();
        replace_unsynced(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "the old contents are removed");
    }

    #[test]
    fn w1_editor_leftovers_are_ignored() {
        for name in [
            ".swp",
            "a.md.swp",
            "a.md~",
            "4913",
            "#a.md#",
            ".#a.md",
            "a.md___jb_tmp___",
            ".DS_Store",
        ] {
            assert!(is_ignored_name(name), "{name}");
        }
        for name in ["a.md", "index.md", "img.svg", "2026-001-x.md"] {
            assert!(!is_ignored_name(name), "{name}");
        }
    }
}
