//! The build output folder: written beside the old one, then swapped in whole, so a failed
//! build leaves the previous site untouched.
//!
//! A folder is only ever replaced or removed when opsbook made it (it carries a marker file),
//! so `-d` pointed at the wrong folder cannot destroy someone's work.

use anyhow::{Context, Result};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Written into every output folder; a folder without it is not opsbook's to remove.
pub const MARKER: &str = ".opsbook-output";

/// A build in progress: a temporary folder beside the destination. Dropping it without
/// `commit` removes the temporary folder.
pub struct Staging {
    pub dir: PathBuf,
    dest: PathBuf,
    committed: bool,
}

/// Refuses destinations that would put the handbook itself at risk.
pub fn check_destination(dest: &Path, root: &Path, content_dir: &Path) -> Result<()> {
    let dest_abs = absolute(dest);
    for protected in [root, content_dir] {
        let protected = absolute(protected);
        if protected.starts_with(&dest_abs) {
            anyhow::bail!(
                "the output folder {} would contain the handbook's own files; choose another with -d",
                dest.display()
            );
        }
    }
    if dest_abs.exists() && !dest_abs.is_dir() {
        anyhow::bail!(
            "{} exists and is not a folder; remove it or choose another output folder with -d",
            dest.display()
        );
    }
    if dest_abs.is_dir() && !is_ours(&dest_abs)? {
        anyhow::bail!(
            "{} exists and was not made by opsbook; remove it yourself or choose another folder with -d",
            dest.display()
        );
    }
    Ok(())
}

/// An opsbook output folder, or an empty one.
fn is_ours(dir: &Path) -> Result<bool> {
    if dir.join(MARKER).is_file() {
        return Ok(true);
    }
    let mut entries =
        std::fs::read_dir(dir).with_context(|| format!("could not read {}", dir.display()))?;
    Ok(entries.next().is_none())
}

fn absolute(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    // Resolve what exists, so `book/..` and symlinked parents compare truly.
    abs.canonicalize().unwrap_or(abs)
}

fn sibling(dest: &Path, tag: &str) -> PathBuf {
    let name = dest
        .file_name()
        .map_or_else(|| "book".into(), |n| n.to_string_lossy().into_owned());
    let parent = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parent.join(format!(".{name}.{tag}-{}", std::process::id()))
}

/// Removes staging and old-output folders left beside `dest` by builds that were killed (their
/// process is gone). Folders of a build still running are left alone.
fn remove_leftovers(dest: &Path) {
    let Some(name) = dest.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return;
    };
    let parent = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(&format!(".{name}.")) else {
            continue;
        };
        let pid = rest
            .strip_prefix("opsbook-tmp-")
            .or_else(|| rest.strip_prefix("opsbook-old-"))
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid {
            if pid != std::process::id() && !process_alive(pid) {
                log::info!(
                    "removing {}, left by an interrupted build",
                    entry.path().display()
                );
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

/// Whether a process runs; where that cannot be told, it is assumed to run.
fn process_alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    if proc.join("self").exists() {
        proc.join(pid.to_string()).exists()
    } else {
        true
    }
}

impl Staging {
    pub fn new(dest: &Path) -> Result<Staging> {
        remove_leftovers(dest);
        let dir = sibling(dest, "opsbook-tmp");
        if dir.exists() {
            std::fs::remove_dir_all(&dir).with_context(|| {
                format!("could not remove the leftover folder {}", dir.display())
            })?;
        }
        crate::files::create_dir_all(&dir)?;
        crate::files::write(
            &dir.join(MARKER),
            b"This folder is built by opsbook; it is replaced on every build.\n",
        )?;
        Ok(Staging {
            dir,
            dest: dest.to_path_buf(),
            committed: false,
        })
    }

    /// Puts the finished build in place of the destination.
    pub fn commit(mut self) -> Result<()> {
        let old = sibling(&self.dest, "opsbook-old");
        let had_old = self.dest.exists();
        if had_old {
            std::fs::rename(&self.dest, &old).with_context(|| {
                format!(
                    "could not move the previous output {} aside",
                    self.dest.display()
                )
            })?;
        }
        if let Err(e) = std::fs::rename(&self.dir, &self.dest) {
            if had_old {
                // Put the previous site back: a failed swap must not lose it.
                let _ = std::fs::rename(&old, &self.dest);
            }
            return Err(e).with_context(|| {
                format!("could not move the new output into {}", self.dest.display())
            });
        }
        self.committed = true;
        if had_old {
            std::fs::remove_dir_all(&old).with_context(|| {
                format!("could not remove the previous output {}", old.display())
            })?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Removes an output folder that opsbook made. Returns whether there was one.
pub fn clean(dest: &Path) -> Result<bool> {
    if !dest.exists() {
        return Ok(false);
    }
    if !is_ours(dest)? {
        anyhow::bail!(
            "{} was not made by opsbook (it has no {MARKER} file); remove it yourself",
            dest.display()
        );
    }
    std::fs::remove_dir_all(dest)
        .with_context(|| format!("could not remove {}", dest.display()))?;
    Ok(true)
}

/// Writes a build's files: all of them into a fresh staging folder that then replaces the
/// output whole, or, when the output was built before with the hashes in `previous`, only
/// the files whose hash changed, into a staging folder whose files are moved into the
/// output once everything succeeded. Either way a failed build leaves the output untouched,
/// and the output ends up byte for byte what a clean build writes.
pub struct Writer {
    /// Held until the build is committed or abandoned: one build per output folder at a time.
    _lock: std::fs::File,
    staging: Staging,
    /// The hashes of the files now in the output; empty for a clean build.
    previous: crate::cache::Pages,
    update: bool,
    /// Only some files are emitted; the rest of the output stays (see [`Writer::patch`]).
    patch: bool,
    next: std::sync::Mutex<Vec<(String, crate::cache::Key)>>,
    written: std::sync::Mutex<Vec<String>>,
    removed: std::sync::Mutex<Vec<String>>,
}

impl Writer {
    /// Starts a build of `dest`. `previous` holds the hashes of the files in `dest` as the
    /// last build recorded them; when they are missing, the build is a clean one.
    pub fn new(dest: &Path, mut previous: crate::cache::Pages) -> Result<Writer> {
        let lock = lock_output(dest)?;
        let update = !previous.by_path.is_empty() && dest.join(MARKER).is_file();
        if !update {
            previous.clear();
        }
        Ok(Writer {
            _lock: lock,
            staging: Staging::new(dest)?,
            previous,
            update,
            patch: false,
            next: std::sync::Mutex::default(),
            written: std::sync::Mutex::default(),
            removed: std::sync::Mutex::default(),
        })
    }

    /// A writer for a few files of an output that is otherwise complete (`previous` holds the
    /// hashes of all its files): what is not emitted stays as it is, and only files named
    /// with [`Writer::remove`] go away.
    pub fn patch(dest: &Path, previous: crate::cache::Pages) -> Result<Writer> {
        if previous.by_path.is_empty() || !dest.join(MARKER).is_file() {
            anyhow::bail!(
                "{} holds no complete build to update; build it again",
                dest.display()
            );
        }
        let mut writer = Writer::new(dest, previous)?;
        writer.patch = true;
        Ok(writer)
    }

    /// Removes `path` from the output when the writer commits (a writer made by
    /// [`Writer::patch`]; the others remove every file they did not emit).
    pub fn remove(&self, path: &str) {
        lock(&self.removed).push(path.to_string());
    }

    /// The hash the last build recorded for `path`, in an update.
    pub fn previous_key(&self, path: &str) -> Option<crate::cache::Key> {
        self.previous
            .by_path
            .get(path)
            .copied()
            .filter(|_| self.update)
    }

    /// Keeps every file of the output as it is, but those `except` names, unless emitted
    /// again: for a build that knows what did not change. Call it before emitting. Keeps
    /// nothing, and returns false, when one of them is missing from the output (removed by
    /// hand): the build must then make everything.
    pub fn keep_previous(&self, except: impl Fn(&str) -> bool + Sync) -> bool {
        use rayon::prelude::*;
        if !self.update {
            return false;
        }
        let kept: Vec<(&String, &crate::cache::Key)> = self
            .previous
            .by_path
            .iter()
            .filter(|(path, _)| !except(path))
            .collect();
        let dest = &self.staging.dest;
        if !kept.par_iter().all(|(path, _)| dest.join(path).is_file()) {
            return false;
        }
        lock(&self.next).extend(kept.into_iter().map(|(path, key)| (path.clone(), *key)));
        true
    }

    /// Whether only changed files are written.
    pub fn is_update(&self) -> bool {
        self.update
    }

    /// The output folder, as the last build left it until this one commits.
    pub fn dest(&self) -> &Path {
        &self.staging.dest
    }

    /// The folder new files go to (every file of a clean build).
    pub fn dir(&self) -> &Path {
        &self.staging.dir
    }

    /// Writes `path` (relative to the output) unless the output already holds it with hash
    /// `key`; `make` gives the bytes and is only called when they are needed. Returns whether
    /// the file was written.
    pub fn emit<B: AsRef<[u8]>>(
        &self,
        path: &str,
        key: crate::cache::Key,
        make: impl FnOnce() -> Result<B>,
    ) -> Result<bool> {
        lock(&self.next).push((path.to_string(), key));
        if self.update
            && self.previous.by_path.get(path) == Some(&key)
            && self.staging.dest.join(path).is_file()
        {
            return Ok(false);
        }
        let bytes = make()?;
        self.write_new(path, bytes.as_ref())?;
        Ok(true)
    }

    /// Writes a file whose bytes are at hand; skipped when the output has the same bytes.
    pub fn emit_bytes(&self, path: &str, bytes: &[u8]) -> Result<bool> {
        let key = crate::cache::Hasher::new().piece(bytes).finish();
        self.emit(path, key, || Ok(bytes))
    }

    /// Writes `path` into the staging folder.
    fn write_new(&self, path: &str, bytes: &[u8]) -> Result<()> {
        let target = self.staging.dir.join(path);
        if self.update {
            if let Some(parent) = target.parent() {
                crate::files::create_dir_all(parent)?;
            }
            lock(&self.written).push(path.to_string());
        }
        crate::files::write(&target, bytes)
    }

    /// Where a file streamed by the caller goes, registered like [`Writer::emit`]; `None`
    /// when the output already holds it with hash `key`.
    pub fn stream_target(&self, path: &str, key: crate::cache::Key) -> Result<Option<PathBuf>> {
        lock(&self.next).push((path.to_string(), key));
        if self.update
            && self.previous.by_path.get(path) == Some(&key)
            && self.staging.dest.join(path).is_file()
        {
            return Ok(None);
        }
        let target = self.staging.dir.join(path);
        if self.update {
            if let Some(parent) = target.parent() {
                crate::files::create_dir_all(parent)?;
            }
            lock(&self.written).push(path.to_string());
        }
        Ok(Some(target))
    }

    /// Puts the build in place and returns the hashes of the output's files, and how many
    /// files were written.
    pub fn commit(self) -> Result<(crate::cache::Pages, usize)> {
        let next: std::collections::HashMap<String, crate::cache::Key> = self
            .next
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .into_iter()
            .collect();
        let written = self.written.into_inner().unwrap_or_else(|e| e.into_inner());
        let removed = self.removed.into_inner().unwrap_or_else(|e| e.into_inner());
        let next = if self.patch {
            let mut all = self.previous.by_path.clone();
            for path in &removed {
                all.remove(path);
            }
            all.extend(next);
            all
        } else {
            next
        };
        if !self.update {
            let count = next.len();
            self.staging.commit()?;
            return Ok((crate::cache::Pages { by_path: next }, count));
        }
        let dest = self.staging.dest.clone();
        // Files that are gone go first: a file may have become a folder.
        let mut gone: Vec<&String> = self
            .previous
            .by_path
            .keys()
            .filter(|p| !next.contains_key(*p))
            .collect();
        gone.sort_unstable_by(|a, b| b.cmp(a));
        for path in gone {
            let target = dest.join(path);
            match std::fs::remove_file(&target) {
                Ok(()) => {
                    // Remove the folders this leaves empty; a folder with anything in it
                    // refuses, which ends the climb.
                    let mut dir = target.parent();
                    while let Some(d) = dir.filter(|d| *d != dest) {
                        if std::fs::remove_dir(d).is_err() {
                            break;
                        }
                        dir = d.parent();
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(e).with_context(|| format!("could not remove {}", target.display()))
                }
            }
        }
        for path in &written {
            let target = dest.join(path);
            if let Some(parent) = target.parent() {
                crate::files::create_dir_all(parent)?;
            }
            let staged = self.staging.dir.join(path);
            if !crate::files::exchange(&staged, &target) {
                std::fs::rename(&staged, &target)
                    .with_context(|| format!("could not update {}", target.display()))?;
            }
        }
        // Dropping the staging folder removes it.
        Ok((crate::cache::Pages { by_path: next }, written.len()))
    }
}

/// Takes the lock of the output folder `dest` (a file beside it), waiting while another
/// build holds it. The operating system releases the lock of a process that ends, however it
/// ends, so a killed build never leaves a lock behind.
fn lock_output(dest: &Path) -> Result<std::fs::File> {
    let name = dest
        .file_name()
        .map_or_else(|| "book".into(), |n| n.to_string_lossy().into_owned());
    let parent = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    crate::files::create_dir_all(parent)?;
    let path = parent.join(format!(".{name}.opsbook-lock"));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .with_context(|| format!("could not open the lock file {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let holder = std::fs::read_to_string(&path).unwrap_or_default();
            eprintln!(
                "Waiting for another opsbook{} to finish writing {}…",
                holder
                    .trim()
                    .parse::<u32>()
                    .map_or_else(|_| String::new(), |pid| format!(" (process {pid})")),
                dest.display()
            );
            file.lock()
                .with_context(|| format!("could not lock {}", path.display()))?;
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("could not lock {}", path.display()));
        }
    }
    // Who holds it, for the message above; the lock itself is the operating system's.
    let _ = file.set_len(0);
    let _ = (&file).write_all(std::process::id().to_string().as_bytes());
    Ok(file)
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
