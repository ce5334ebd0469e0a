//! Watching the handbook: which folders and files, which changes count, and bursts of
//! changes turned into one rebuild.
//!
//! Watched: the content folder and the theme folder (recursively), and the handbook root
//! (not recursively) for `book.toml` and `owners.yml`; watching the root rather than the two
//! files keeps working after an editor saves by renaming over them. Editor leftovers
//! (`.swp`, `4913`, `file~`, `.#file`, JetBrains' temp files), hidden files, reads and the
//! output folder never trigger a rebuild.

use notify::{Event, EventKind, PollWatcher, RecommendedWatcher, RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long the files must be quiet before a rebuild starts.
pub const QUIET: Duration = Duration::from_millis(80);
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

    /// Whether a watcher event needs a rebuild.
    pub fn needs_rebuild(&self, event: &Event) -> bool {
        if event.need_rescan() {
            return true;
        }
        if matches!(event.kind, EventKind::Access(_)) {
            return false;
        }
        event.paths.iter().any(|p| self.is_relevant(p))
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
    pub fn start(targets: &Targets, mode: Mode, changes: Sender<()>) -> anyhow::Result<Watching> {
        let filter = Arc::new(RwLock::new(targets.clone()));
        let shared = filter.clone();
        let handler = move |event: notify::Result<Event>| match event {
            Ok(event) => {
                let relevant = shared
                    .read()
                    .unwrap_or_else(|e| e.into_inner())
                    .needs_rebuild(&event);
                if relevant {
                    log::debug!("change: {:?} {:?}", event.kind, event.paths);
                    let _ = changes.send(());
                }
            }
            Err(e) => {
                log::warn!("file watcher: {e}");
                // A lost event may hide a change: rebuild to be sure.
                let _ = changes.send(());
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

/// Waits for the next burst of changes and returns once it is over: no change for
/// [`QUIET`], or [`MAX_WAIT`] since the burst began. `None` when the sender is gone.
pub fn next_burst(changes: &Receiver<()>) -> Option<usize> {
    changes.recv().ok()?;
    let started = Instant::now();
    let mut count = 1;
    loop {
        let left = MAX_WAIT.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Some(count);
        }
        match changes.recv_timeout(QUIET.min(left)) {
            Ok(()) => count += 1,
            Err(RecvTimeoutError::Timeout) => return Some(count),
            Err(RecvTimeoutError::Disconnected) => return Some(count),
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
    fn sources_count_and_leftovers_do_not() {
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
    fn reads_do_not_count_and_renames_count_by_either_name() {
        let t = targets();
        let read = Event::new(EventKind::Access(notify::event::AccessKind::Any))
            .add_path("/h/content/a.md".into());
        assert!(!t.needs_rebuild(&read));
        let rename = Event::new(EventKind::Modify(ModifyKind::Name(RenameMode::Both)))
            .add_path("/h/content/a.md.tmp".into())
            .add_path("/h/content/a.md".into());
        assert!(t.needs_rebuild(&rename));
        let temp =
            Event::new(EventKind::Create(CreateKind::File)).add_path("/h/content/a.md.swp".into());
        assert!(!t.needs_rebuild(&temp));
        let rescan = Event::new(EventKind::Other).set_flag(notify::event::Flag::Rescan);
        assert!(t.needs_rebuild(&rescan));
    }

    #[test]
    fn a_burst_is_one_rebuild() {
        let (tx, rx) = std::sync::mpsc::channel();
        let sender = std::thread::spawn(move || {
            for _ in 0..20 {
                tx.send(()).unwrap();
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        assert_eq!(next_burst(&rx), Some(20));
        sender.join().unwrap();
        assert_eq!(next_burst(&rx), None);
    }
}
