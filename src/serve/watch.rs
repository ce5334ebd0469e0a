//! Watching the handbook: which folders and files, which changes count, and bursts of
//! changes turned into one rebuild.
//!
//! Watched: the content folder and the theme folder (recursively), and the handbook root
//! (not recursively) for `book.toml` and `owners.yml`; watching the root rather than the two
//! files keeps working after an editor saves by renaming over them. Editor leftovers
//! (`.swp`, `4913`, `file~`, `.#file`, JetBrains' temp files), hidden files, reads and the
//! output folder never trigger a rebuild.

use notify::{Event, EventKind, PollWatcher, RecommendedWatcher, RecursiveMode, Watcher};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long the files must be quiet before a rebuild starts, while a burst is small (an
/// editor's save is a handful of events within a millisecond or two).
pub const QUIET: Duration = Duration::from_millis(20);
/// The quiet time once a burst has more than [`SMALL_BURST`] changes (a `git checkout`, a
/// search and replace over many files): long enough for pauses within one operation.
pub const QUIET_STORM: Duration = Duration::from_millis(150);
pub const SMALL_BURST: usize = 8;
/// A rebuild starts at the latest this long after the first change of a burst, even if the
/// changes never stop.
pub const MAX_WAIT: Duration = Duration::from_secs(2);
/// How often `--poll` looks at the files.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// What to watch: the handbook root and the folders below it that hold sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targets {
    pub root: PathBuf,
    /// Watched recursively: the content folder and the theme folder, when there is one.
    pub folders: Vec<PathBuf>,
    /// Never a reason to rebuild (the serve output, when it sits under the handbook).
    pub output: PathBuf,
}

/// Files in the handbook root whose change needs a rebuild.
const ROOT_FILES: &[&str] = &["book.toml", "owners.yml"];

impl Targets {
    /// Whether a change of `path` needs a rebuild.
    pub fn is_relevant(&self, path: &Path) -> bool {
        if path.starts_with(&self.output) {
            return false;
        }
        for folder in &self.folders {
            if let Ok(rel) = path.strip_prefix(folder) {
                // The folder itself (deleted, renamed) or a file below it that is not an
                // editor's leftover or hidden.
                return rel.components().all(|c| {
                    c.as_os_str()
                        .to_str()
                        .is_none_or(|name| !crate::files::is_ignored_name(name))
                });
            }
        }
        path.parent() == Some(self.root.as_path())
            && path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| ROOT_FILES.contains(&n))
    }

    /// What of a watcher event needs a rebuild. `closes`: the watcher reports when a file
    /// written to is closed (inotify does), so a file can be known to be complete.
    pub fn changes(&self, event: &Event, closes: bool) -> Vec<Change> {
        use notify::event::{AccessKind, AccessMode, CreateKind, ModifyKind};
        if event.need_rescan() {
            return vec![Change::Unknown];
        }
        let make: fn(PathBuf) -> Change = match event.kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => Change::Closed,
            EventKind::Access(_) => return Vec::new(),
            EventKind::Create(CreateKind::File) | EventKind::Modify(ModifyKind::Data(_))
                if closes =>
            {
                Change::Written
            }
            _ => Change::Other,
        };
        event
            .paths
            .iter()
            .filter(|p| self.is_relevant(p))
            .map(|p| make(p.clone()))
            .collect()
    }
}

/// A change the watcher saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A file was created or written to and is still open for writing: it is complete only
    /// once it is [`Change::Closed`].
    Written(PathBuf),
    /// A file written to was closed.
    Closed(PathBuf),
    /// A file or folder was created, removed, renamed or changed otherwise.
    Other(PathBuf),
    /// The watcher may have missed changes: anything may have changed.
    Unknown,
}

/// The changes of one burst.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Burst {
    /// How many changes were seen (a path may be seen several times).
    pub count: usize,
    pub paths: BTreeSet<PathBuf>,
    /// The watcher may have missed changes: anything may have changed.
    pub unknown: bool,
    /// Files still open for writing: the burst is not over while there are some.
    writing: BTreeSet<PathBuf>,
}

impl Burst {
    fn add(&mut self, change: Change) {
        self.count += 1;
        match change {
            Change::Written(path) => {
                self.writing.insert(path.clone());
                self.paths.insert(path);
            }
            Change::Closed(path) | Change::Other(path) => {
                // A file renamed or removed while open is not written to any more either.
                self.writing.remove(&path);
                self.paths.insert(path);
            }
            Change::Unknown => self.unknown = true,
        }
    }
}

/// A running watcher; dropping it stops watching.
pub struct Watching {
    watcher: Box<dyn Watcher + Send>,
    /// What the event handler counts as a change; follows `set`.
    filter: Arc<RwLock<Targets>>,
    watched: Vec<(PathBuf, RecursiveMode)>,
    pub polling: bool,
}

/// The kind of watcher to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Native,
    Poll,
}

impl Watching {
    /// Starts watching `targets`, sending every relevant change to `changes`. Fails when the
    /// watcher cannot start or cannot watch a folder (inotify's limit, for one); the caller
    /// then falls back to polling.
    pub fn start(
        targets: &Targets,
        mode: Mode,
        changes: Sender<Change>,
    ) -> anyhow::Result<Watching> {
        let filter = Arc::new(RwLock::new(targets.clone()));
        let shared = filter.clone();
        // Only inotify says when a file written to is closed.
        let closes = cfg!(target_os = "linux") && mode == Mode::Native;
        let handler = move |event: notify::Result<Event>| match event {
            Ok(event) => {
                let relevant = shared
                    .read()
                    .unwrap_or_else(|e| e.into_inner())
                    .changes(&event, closes);
                if !relevant.is_empty() {
                    log::debug!("change: {:?} {:?}", event.kind, event.paths);
                }
                for change in relevant {
                    let _ = changes.send(change);
                }
            }
            Err(e) => {
                log::warn!("file watcher: {e}");
                // A lost event may hide a change: rebuild everything to be sure.
                let _ = changes.send(Change::Unknown);
            }
        };
        let watcher: Box<dyn Watcher + Send> = match mode {
            Mode::Native => Box::new(RecommendedWatcher::new(handler, notify::Config::default())?),
            // Polling compares modification times in whole seconds; comparing contents too
            // catches a second save within the same second.
            Mode::Poll => Box::new(PollWatcher::new(
                handler,
                notify::Config::default()
                    .with_poll_interval(POLL_INTERVAL)
                    .with_compare_contents(true),
            )?),
        };
        let mut watching = Watching {
            watcher,
            filter,
            watched: Vec::new(),
            polling: mode == Mode::Poll,
        };
        watching.set(targets)?;
        Ok(watching)
    }

    /// Watches exactly `targets` (after book.toml changed the content or theme folder).
    pub fn set(&mut self, targets: &Targets) -> anyhow::Result<()> {
        *self.filter.write().unwrap_or_else(|e| e.into_inner()) = targets.clone();
        let mut wanted = vec![(targets.root.clone(), RecursiveMode::NonRecursive)];
        for folder in &targets.folders {
            if folder.is_dir() {
                wanted.push((folder.clone(), RecursiveMode::Recursive));
            }
        }
        if wanted == self.watched {
            return Ok(());
        }
        for (path, _) in std::mem::take(&mut self.watched) {
            let _ = self.watcher.unwatch(&path);
        }
        for (path, mode) in &wanted {
            self.watcher
                .watch(path, *mode)
                .map_err(|e| anyhow::anyhow!("could not watch {}: {e}", path.display()))?;
        }
        self.watched = wanted;
        Ok(())
    }
}

/// Waits for the next burst of changes and returns once it is over: no change for [`QUIET`]
/// ([`QUIET_STORM`] once it has more than [`SMALL_BURST`] changes) and no file still open for
/// writing, or [`MAX_WAIT`] since the burst began. `None` when the sender is gone.
pub fn next_burst(changes: &Receiver<Change>) -> Option<Burst> {
    let mut burst = Burst::default();
    burst.add(changes.recv().ok()?);
    let started = Instant::now();
    loop {
        let left = MAX_WAIT.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Some(burst);
        }
        let quiet = if burst.count > SMALL_BURST {
            QUIET_STORM
        } else {
            QUIET
        };
        match changes.recv_timeout(quiet.min(left)) {
            Ok(change) => burst.add(change),
            // A file half written is not a state to build: wait for it to be closed.
            Err(RecvTimeoutError::Timeout) if !burst.writing.is_empty() => {}
            Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {
                return Some(burst)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, ModifyKind, RenameMode};

    fn targets() -> Targets {
        Targets {
            root: PathBuf::from("/h"),
            folders: vec![PathBuf::from("/h/content"), PathBuf::from("/h/theme")],
            output: PathBuf::from("/h/.serve"),
        }
    }

    #[test]
    fn w1_sources_count_and_leftovers_do_not() {
        let t = targets();
        for p in [
            "/h/content/a.md",
            "/h/content/runbooks/db.md",
            "/h/content/img/x.png",
            "/h/content",
            "/h/theme/templates/page.html",
            "/h/book.toml",
            "/h/owners.yml",
        ] {
            assert!(t.is_relevant(Path::new(p)), "{p}");
        }
        for p in [
            "/h/content/a.md.swp",
            "/h/content/.a.md.swx",
            "/h/content/4913",
            "/h/content/a.md~",
            "/h/content/.#a.md",
            "/h/content/#a.md#",
            "/h/content/a.md___jb_tmp___",
            "/h/content/a.md___jb_old___",
            "/h/content/.git/index",
            "/h/book.toml~",
            "/h/README.md",
            "/h/book/index.html",
            "/h/.serve/index.html",
            "/elsewhere/a.md",
        ] {
            assert!(!t.is_relevant(Path::new(p)), "{p}");
        }
    }

    #[test]
    fn w1_reads_do_not_count_and_renames_count_by_either_name() {
        use notify::event::{AccessKind, AccessMode, DataChange};
        let t = targets();
        let path = |p: &str| PathBuf::from(p);
        let read = Event::new(EventKind::Access(AccessKind::Any)).add_path(path("/h/content/a.md"));
        assert_eq!(t.changes(&read, true), []);
        let rename = Event::new(EventKind::Modify(ModifyKind::Name(RenameMode::Both)))
            .add_path(path("/h/content/a.md.swp"))
            .add_path(path("/h/content/a.md"));
        assert_eq!(
            t.changes(&rename, true),
            [Change::Other(path("/h/content/a.md"))]
        );
        let moved = Event::new(EventKind::Modify(ModifyKind::Name(RenameMode::Both)))
            .add_path(path("/h/content/a.md"))
            .add_path(path("/h/content/b.md"));
        assert_eq!(
            t.changes(&moved, true).len(),
            2,
            "both names of a move count"
        );
        let temp =
            Event::new(EventKind::Create(CreateKind::File)).add_path(path("/h/content/a.md.swp"));
        assert_eq!(t.changes(&temp, true), []);
        let rescan = Event::new(EventKind::Other).set_flag(notify::event::Flag::Rescan);
        assert_eq!(t.changes(&rescan, true), [Change::Unknown]);
        // Writes are complete when closed, where the watcher says so.
        let write = Event::new(EventKind::Modify(ModifyKind::Data(DataChange::Any)))
            .add_path(path("/h/content/a.md"));
        assert_eq!(
            t.changes(&write, true),
            [Change::Written(path("/h/content/a.md"))]
        );
        assert_eq!(
            t.changes(&write, false),
            [Change::Other(path("/h/content/a.md"))]
        );
        let close = Event::new(EventKind::Access(AccessKind::Close(AccessMode::Write)))
            .add_path(path("/h/content/a.md"));
        assert_eq!(
            t.changes(&close, true),
            [Change::Closed(path("/h/content/a.md"))]
        );
    }

    #[test]
    fn w1_a_burst_is_one_rebuild() {
        let (tx, rx) = std::sync::mpsc::channel();
        let sender = std::thread::spawn(move || {
            for k in 0..20 {
                tx.send(Change::Other(PathBuf::from(format!(
                    "/h/content/{}.md",
                    k % 3
                ))))
                .unwrap();
                std::thread::sleep(Duration::from_millis(5));
            }
            // A storm pauses longer than a small burst may, and is still one burst.
            std::thread::sleep(QUIET + Duration::from_millis(40));
            tx.send(Change::Unknown).unwrap();
        });
        let burst = next_burst(&rx).unwrap();
        assert_eq!(burst.count, 21);
        assert_eq!(burst.paths.len(), 3);
        assert!(burst.unknown);
        sender.join().unwrap();
        assert_eq!(next_burst(&rx), None);
    }

    #[test]
    fn a_small_burst_ends_after_a_short_quiet() {
        let (tx, rx) = std::sync::mpsc::channel();
        tx.send(Change::Written(PathBuf::from("/h/content/a.md")))
            .unwrap();
        tx.send(Change::Closed(PathBuf::from("/h/content/a.md")))
            .unwrap();
        let started = Instant::now();
        let burst = next_burst(&rx).unwrap();
        let waited = started.elapsed();
        assert_eq!(burst.count, 2);
        assert!(!burst.unknown);
        assert!(waited >= QUIET, "{waited:?}");
        assert!(
            waited < QUIET_STORM,
            "a save waits only {QUIET:?}, not {waited:?}"
        );
        drop(tx);
    }

    #[test]
    fn a_burst_waits_for_files_being_written() {
        let (tx, rx) = std::sync::mpsc::channel();
        let pause = QUIET * 4;
        let writer = std::thread::spawn(move || {
            let a = PathBuf::from("/h/content/a.md");
            tx.send(Change::Written(a.clone())).unwrap();
            // The writer is held up between opening the file and writing it.
            std::thread::sleep(pause);
            tx.send(Change::Written(a.clone())).unwrap();
            tx.send(Change::Closed(a)).unwrap();
        });
        let started = Instant::now();
        let burst = next_burst(&rx).unwrap();
        assert!(started.elapsed() >= pause, "built a file half written");
        assert_eq!(burst.count, 3);
        writer.join().unwrap();
    }
}
