//! The dev server behind `opsbook serve`: build, serve, watch, rebuild, reload.
//!
//! The site is built through the same façade as `opsbook build` (`Handbook::load`, then
//! `site::build`) into a folder of its own in the system's temporary folder, never into
//! `book/`: serving does not touch the published build, and the built files are exactly
//! `build`'s (the reload script is added to HTML responses, not written to disk). Rebuilds
//! are incremental: documents whose file did not change are not parsed again, and only the
//! output files whose inputs changed are rendered and written, into a staging folder first
//! and then moved into the served folder once the build succeeded. A failed build keeps the
//! last good site served and sends its diagnostics to the open pages.
//!
//! Threads: one per connection being read, at most [`connections::MAX_CONNECTIONS`], each
//! with deadlines (slow clients cannot pin them); one accepting connections; one builder; one
//! heartbeat for the reload streams, which also writes what slow pages did not take yet; and
//! the watcher's own. Nothing here prints: what happens is told to the caller's [`Notice`]
//! callback.

pub mod connections;
pub mod http;
pub mod reload;
pub mod request;
pub mod resolve;
pub mod response;
pub mod watch;

use crate::cache::{Highlights, Store};
use crate::diagnostics::Diagnostic;
use crate::handbook::{DocumentMemo, Reuse};
use crate::{BuildOptions, Handbook, LoadOptions};
use anyhow::{Context as _, Result};
use jiff::civil::Date;
use reload::{Hub, Problem, Status};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use watch::{Mode, Targets, Watching};

/// How often open reload streams are pinged (closed pages are noticed and dropped).
const PING_EVERY: Duration = Duration::from_secs(15);
/// How often what slow pages did not take yet is written again.
const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub host: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// Use the polling watcher instead of the system's.
    pub poll: bool,
    /// The date review states are computed against; the local date of each rebuild when
    /// `None`.
    pub today: Option<Date>,
    pub drafts: bool,
    /// For tests: act as if the system's watcher had hit its limit (inotify's
    /// `max_user_watches`), to see the fallback to polling.
    #[doc(hidden)]
    pub native_watcher_fails: bool,
}

/// What the server tells its caller.
#[derive(Debug)]
pub enum Notice<'a> {
    /// A build succeeded and is served.
    Built {
        pages: usize,
        elapsed: Duration,
        initial: bool,
    },
    /// Only the text of documents changed: their pages and the search index were updated.
    Updated {
        /// The changed documents (paths from the handbook root).
        documents: Vec<String>,
        pages: usize,
        elapsed: Duration,
    },
    /// Warnings of a successful build.
    Warnings(&'a [Diagnostic]),
    /// A build failed; the last good site stays served.
    Failed(&'a [Diagnostic]),
    /// The system's watcher failed, at start or when a folder was added; polling instead.
    Polling { reason: String },
}

pub type Notify = Arc<dyn Fn(Notice<'_>) + Send + Sync>;

/// A running server; dropping it removes its output folder.
pub struct Server {
    addr: SocketAddr,
    hub: Arc<Hub>,
    connections: Arc<connections::Slots>,
    stop: Arc<AtomicBool>,
    _output: tempfile::TempDir,
}

impl Server {
    /// Builds the site once, binds the address and starts serving and watching. Fails when the
    /// configuration cannot be read or the address cannot be bound; content problems are
    /// reported through `notify` and served as an overlay.
    pub fn start(options: ServeOptions, notify: Notify) -> Result<Server> {
        // Read the configuration first: a broken book.toml is a usage problem at start.
        crate::config::Config::load(&options.root)?;
        let output = tempfile::Builder::new()
            .prefix("opsbook-serve-")
            .tempdir()
            .context("could not create a temporary folder for the served site")?;
        let base = output
            .path()
            .canonicalize()
            .context("could not resolve the temporary folder")?;
        let site = base.join("site");
        let served = Arc::new(RwLock::new(site.clone()));
        let epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64 & 0xffff_ffff_ffff);
        let builder = Arc::new(Builder {
            options: options.clone(),
            cache: Store::at(base.join("cache")),
            out: site,
            reuse: Mutex::default(),
            live: Mutex::default(),
            served: served.clone(),
            epoch,
            counter: AtomicU64::new(0),
            notify: notify.clone(),
            targets: Mutex::new(None),
        });
        let first = builder.full_build(true, Instant::now());
        let hub = Arc::new(Hub::new(first));

        let listener = TcpListener::bind(SocketAddr::new(options.host, options.port))
            .with_context(|| format!("could not listen on {}:{}", options.host, options.port))?;
        let addr = listener.local_addr().context("the server has no address")?;
        let mut hosts = vec![options.host.to_string().to_ascii_lowercase()];
        if let IpAddr::V6(v6) = options.host {
            hosts.push(format!("[{v6}]"));
        }
        let ctx = Arc::new(http::Context {
            root: served,
            port: addr.port(),
            hosts,
            any_ip: options.host.is_unspecified(),
            hub: hub.clone(),
            refresh: Some({
                let builder = builder.clone();
                Box::new(move |path: &str| builder.refresh(path))
            }),
        });
        let slots = Arc::new(connections::Slots::default());
        let stop = Arc::new(AtomicBool::new(false));
        {
            let (slots, stop) = (slots.clone(), stop.clone());
            std::thread::Builder::new()
                .name("opsbook-accept".into())
                .spawn(move || connections::accept_loop(listener, ctx, slots, stop))
                .context("could not start accepting connections")?;
        }
        {
            let hub = hub.clone();
            std::thread::Builder::new()
                .name("opsbook-ping".into())
                .spawn(move || {
                    let mut last_ping = Instant::now();
                    loop {
                        std::thread::sleep(FLUSH_EVERY);
                        hub.flush_pending();
                        if last_ping.elapsed() >= PING_EVERY {
                            hub.ping();
                            last_ping = Instant::now();
                        }
                    }
                })
                .context("could not start the heartbeat")?;
        }

        let (changes, bursts) = mpsc::channel();
        let targets = builder.current_targets();
        let mode = if options.poll {
            Mode::Poll
        } else {
            Mode::Native
        };
        let native = if options.native_watcher_fails && mode == Mode::Native {
            Err(
                anyhow::Error::new(notify::Error::new(notify::ErrorKind::MaxFilesWatch))
                    .context(format!("could not watch {}", targets.root.display())),
            )
        } else {
            Watching::start(&targets, mode, changes.clone())
        };
        let watching = match native {
            Ok(w) => w,
            Err(e) if mode == Mode::Native => {
                notify(Notice::Polling { reason: chain(&e) });
                Watching::start(&targets, Mode::Poll, changes.clone())?
            }
            Err(e) => return Err(e),
        };
        {
            let hub = hub.clone();
            let notify = notify.clone();
            std::thread::Builder::new()
                .name("opsbook-build".into())
                .spawn(move || {
                    let mut watching = watching;
                    while let Some(burst) = watch::next_burst(&bursts) {
                        log::debug!("rebuilding after {} change(s)", burst.count);
                        let Some(status) = builder.build(&burst) else {
                            continue;
                        };
                        let targets = builder.current_targets();
                        // A folder newly named by book.toml may be one too many for the
                        // system's watcher: poll from then on.
                        if let Err(e) = watching.set(&targets) {
                            if watching.polling {
                                log::warn!("{e}");
                            } else {
                                match Watching::start(&targets, Mode::Poll, changes.clone()) {
                                    Ok(polling) => {
                                        notify(Notice::Polling { reason: chain(&e) });
                                        watching = polling;
                                    }
                                    Err(e) => log::warn!("{e}"),
                                }
                            }
                        }
                        hub.publish(status);
                    }
                })
                .context("could not start the builder")?;
        }
        Ok(Server {
            addr,
            hub,
            connections: slots,
            stop,
            _output: output,
        })
    }

    /// The bound address (the real port when 0 was asked).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL to open: the bound address, or the loopback one when bound to every interface.
    pub fn url(&self) -> String {
        format!("http://{}/", self.local_addr())
    }

    /// An address of this server reachable from this machine.
    fn local_addr(&self) -> SocketAddr {
        let ip = match self.addr.ip() {
            IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::from([127, 0, 0, 1]),
            IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        SocketAddr::new(ip, self.addr.port())
    }

    /// The number of connections being read (reload channels not counted).
    pub fn connections(&self) -> usize {
        self.connections.len()
    }

    /// The id of the build being served.
    pub fn build_id(&self) -> String {
        self.hub.status().build
    }
}

impl Drop for Server {
    /// Stops accepting connections: the accept loop sees the flag once one more connection
    /// wakes it up. Connections being answered end by their deadlines.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.local_addr(), Duration::from_secs(1));
    }
}

/// Builds the site, one build at a time, and keeps the watch targets in step with book.toml.
struct Builder {
    options: ServeOptions,
    /// The served folder. A build writes only the files that changed, into a staging folder
    /// first, and moves them in once it succeeded: a failed build leaves it as it was.
    out: PathBuf,
    /// The page hashes of the served folder.
    cache: Store,
    /// What the next build can reuse: documents by file hash, highlighted code.
    reuse: Mutex<(DocumentMemo, Highlights)>,
    /// The handbook of the last good build and what its site keeps, while the files on disk
    /// are what it was built from (after a failed build there is none).
    live: Mutex<Option<Live>>,
    served: Arc<RwLock<PathBuf>>,
    epoch: u64,
    counter: AtomicU64,
    notify: Notify,
    targets: Mutex<Option<Targets>>,
}

impl Builder {
    fn current_targets(&self) -> Targets {
        let known = self
            .targets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        known.unwrap_or_else(|| Targets {
            root: self.options.root.clone(),
            folders: vec![self.options.root.join("content")],
            output: self.out.parent().unwrap_or(&self.out).to_path_buf(),
        })
    }

    fn build_id(&self, n: u64) -> String {
        format!("{:x}-{n}", self.epoch)
    }

    /// The date of this build's review states.
    fn today(&self) -> Date {
        self.options
            .today
            .unwrap_or_else(|| jiff::Zoned::now().date())
    }

    fn load_options(&self) -> LoadOptions {
        LoadOptions {
            drafts: self.options.drafts,
            skip_html: false,
        }
    }

    fn build_options(&self, today: Date) -> BuildOptions {
        BuildOptions {
            today,
            out: Some(self.out.clone()),
            progress: false,
            cache: self.cache.clone(),
        }
    }

    /// Builds after `burst`. Returns the status to publish: a new build id, or the previous
    /// one with the problems; `None` when nothing the site shows changed.
    fn build(&self, burst: &watch::Burst) -> Option<Status> {
        let started = Instant::now();
        match self.update_text(burst) {
            Fast::NotText => Some(self.full_build(false, started)),
            Fast::Nothing => None,
            Fast::Updated(documents, report) => {
                let n = self.counter.fetch_add(1, Ordering::SeqCst) + 1;
                (self.notify)(Notice::Updated {
                    documents,
                    pages: report.pages,
                    elapsed: started.elapsed(),
                });
                Some(Status {
                    build: self.build_id(n),
                    errors: Vec::new(),
                })
            }
        }
    }

    /// Applies a burst that changed only the text of documents to the last good build: their
    /// pages and the search index are written again, nothing else.
    fn update_text(&self, burst: &watch::Burst) -> Fast {
        if burst.unknown {
            return Fast::NotText;
        }
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        let Some(state) = live.as_mut() else {
            return Fast::NotText;
        };
        let today = self.today();
        if today != state.kept.today() {
            return Fast::NotText;
        }
        let content = state.handbook.content_dir();
        let mut changes = Vec::new();
        for path in &burst.paths {
            let Some(rel) = crate::files::rel_path(path, &content).filter(|r| !r.is_empty()) else {
                return Fast::NotText;
            };
            match std::fs::symlink_metadata(path) {
                Ok(m) if m.is_file() && state.handbook.position(&rel).is_some() => {
                    match std::fs::read(path) {
                        Ok(bytes) => changes.push((rel, bytes)),
                        Err(_) => return Fast::NotText,
                    }
                }
                // A file that came and went between two looks (an editor's temporary file)
                // changed nothing the last build had.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && !state.knows(&rel) => {}
                _ => return Fast::NotText,
            }
        }
        if changes.is_empty() {
            return Fast::Nothing;
        }
        let reuse = self.reuse.lock().unwrap_or_else(|e| e.into_inner());
        let Some(replaced) =
            state
                .handbook
                .replace_text(&changes, &self.load_options(), Some(&reuse.1))
        else {
            return Fast::NotText;
        };
        drop(reuse);
        match crate::site::update_text(
            &state.handbook,
            &replaced,
            &mut state.kept,
            &self.build_options(today),
        ) {
            Ok(Some(report)) if report.written == 0 => Fast::Nothing,
            Ok(Some(report)) => Fast::Updated(
                replaced
                    .iter()
                    .map(|(i, _)| state.handbook.documents[*i].source.clone())
                    .collect(),
                report,
            ),
            Ok(None) => {
                // The handbook took the new text but the site did not: build it all.
                *live = None;
                Fast::NotText
            }
            Err(e) => {
                log::warn!(
                    "updating the changed pages failed ({}); building again",
                    chain(&e)
                );
                *live = None;
                Fast::NotText
            }
        }
    }

    /// Writes a file of the served site that is written only when asked for.
    fn refresh(&self, path: &str) {
        if path != "print.html" {
            return;
        }
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        let Some(state) = live.as_mut() else {
            return;
        };
        if let Err(e) = crate::site::refresh_print(&state.handbook, &mut state.kept) {
            log::warn!("could not write print.html: {}", chain(&e));
        }
    }

    /// One full build: the status to publish.
    fn full_build(&self, initial: bool, started: Instant) -> Status {
        // Whatever happens, the kept state no longer matches the files.
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(mut state) = live.take() {
            // What updates wrote, so this build need not write it again.
            state
                .kept
                .save_pages(&self.build_options(state.kept.today()));
        }
        let previous = self.build_id(self.counter.load(Ordering::SeqCst));
        let failed = |diagnostics: Vec<Diagnostic>| {
            (self.notify)(Notice::Failed(&diagnostics));
            Status {
                build: previous.clone(),
                errors: diagnostics.iter().map(Problem::from).collect(),
            }
        };
        let root = &self.options.root;
        let mut reuse = self.reuse.lock().unwrap_or_else(|e| e.into_inner());
        let (documents, highlights) = &mut *reuse;
        let loaded = Handbook::load_reusing(
            root,
            &self.load_options(),
            Reuse {
                highlights: Some(highlights),
                documents: Some(documents),
                texts: None,
            },
        );
        documents.rotate();
        highlights.rotate();
        drop(reuse);
        let handbook = match loaded {
            Ok(h) => h,
            Err(e) => return failed(vec![load_error(&e)]),
        };
        let mut folders = vec![handbook.content_dir()];
        if let Some(theme) = &handbook.config.build.theme {
            folders.push(root.join(theme));
        }
        *self.targets.lock().unwrap_or_else(|e| e.into_inner()) = Some(Targets {
            root: root.clone(),
            folders,
            output: self.out.parent().unwrap_or(&self.out).to_path_buf(),
        });
        let (errors, warnings): (Vec<Diagnostic>, Vec<Diagnostic>) = handbook
            .diagnostics
            .iter()
            .cloned()
            .partition(Diagnostic::is_error);
        if !errors.is_empty() {
            return failed(errors);
        }
        if !warnings.is_empty() {
            (self.notify)(Notice::Warnings(&warnings));
        }
        let target = self.out.clone();
        match crate::site::build_keeping(&handbook, &self.build_options(self.today())) {
            Ok((report, kept)) => {
                // Switch before the reload is published: pages reloading get the new build.
                *self.served.write().unwrap_or_else(|e| e.into_inner()) = target;
                *live = Some(Live { handbook, kept });
                let n = self.counter.fetch_add(1, Ordering::SeqCst) + 1;
                (self.notify)(Notice::Built {
                    pages: report.pages,
                    elapsed: started.elapsed(),
                    initial,
                });
                Status {
                    build: self.build_id(n),
                    errors: Vec::new(),
                }
            }
            Err(e) => {
                let theme = handbook
                    .config
                    .build
                    .theme
                    .as_ref()
                    .map_or_else(|| "theme".to_string(), |t| t.display().to_string());
                failed(vec![Diagnostic::error("build-failed", theme, 0)
                    .message(chain(&e))
                    .help(
                        "fix the theme or the file named above; the last good site is still served",
                    )])
            }
        }
    }
}

/// The last good build: its handbook and what its site keeps.
struct Live {
    handbook: Handbook,
    kept: crate::site::Kept,
}

impl Live {
    /// Whether the handbook has a document, draft, broken document or asset at `rel` (a path
    /// in the content folder) or below it.
    fn knows(&self, rel: &str) -> bool {
        let at = |path: &str| {
            path.strip_prefix(rel)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        let h = &self.handbook;
        h.documents.iter().any(|d| at(&d.rel))
            || h.assets.iter().any(|a| at(&a.rel))
            || h.unpublished.keys().any(|p| at(p))
    }
}

/// What became of a burst that may have changed only text.
enum Fast {
    /// More than text changed: build everything.
    NotText,
    /// Nothing the site shows changed.
    Nothing,
    /// The changed documents (paths from the handbook root) were updated.
    Updated(Vec<String>, crate::site::BuildReport),
}

/// A failure to load the handbook as a diagnostic (book.toml with its line when known).
fn load_error(e: &anyhow::Error) -> Diagnostic {
    if let Some(c) = e.downcast_ref::<crate::config::ConfigError>() {
        return Diagnostic::error("invalid-config", c.path.clone(), c.line)
            .column(c.column)
            .message(c.message.clone());
    }
    Diagnostic::error("invalid-config", "book.toml", 0).message(chain(e))
}

fn chain(e: &anyhow::Error) -> String {
    e.chain()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(": ")
}

/// The handbook root as an absolute path, so watcher events (absolute) compare with it.
pub fn absolute_root(root: &Path) -> Result<PathBuf> {
    root.canonicalize()
        .with_context(|| format!("could not find the handbook folder {}", root.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{EventKind, Flag, ModifyKind};
    use notify::Event;

    /// A builder of the handbook in `root` into `base`, writing down what it did in `seen`.
    fn builder(root: &Path, base: &Path, seen: Arc<Mutex<Vec<&'static str>>>) -> Builder {
        let notify: Notify = Arc::new(move |notice| {
            let what = match notice {
                Notice::Built { .. } => "built",
                Notice::Updated { .. } => "updated",
                Notice::Failed(_) => "failed",
                _ => return,
            };
            seen.lock().unwrap().push(what);
        });
        let site = base.join("site");
        Builder {
            options: ServeOptions {
                root: root.to_path_buf(),
                host: IpAddr::from([127, 0, 0, 1]),
                port: 0,
                poll: false,
                today: Some("2026-11-21".parse().unwrap()),
                drafts: false,
                native_watcher_fails: false,
            },
            cache: Store::at(base.join("cache")),
            out: site.clone(),
            reuse: Mutex::default(),
            live: Mutex::default(),
            served: Arc::new(RwLock::new(site)),
            epoch: 1,
            counter: AtomicU64::new(0),
            notify,
            targets: Mutex::new(None),
        }
    }

    /// When the watcher says it may have missed changes (a `Rescan` flag after a queue
    /// overflow; an error of the watcher is turned into the same), the next rebuild builds
    /// everything: even when the paths it did see would allow updating one page, and even when
    /// it saw no path at all.
    #[test]
    fn w3_a_rescan_builds_everything() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap().join("handbook");
        let base = dir.path().canonicalize().unwrap().join("serve");
        std::fs::create_dir_all(root.join("content")).unwrap();
        std::fs::create_dir_all(&base).unwrap();
        std::fs::write(root.join("book.toml"), "[book]\ntitle = \"Rescan\"\n").unwrap();
        let a = root.join("content/a.md");
        let edit = |text: &str| {
            std::fs::write(&a, format!("---\ntitle: A\nowner: ops\n---\n{text}\n")).unwrap()
        };
        edit("First version.");
        std::fs::write(
            root.join("content/b.md"),
            "---\ntitle: B\nowner: ops\n---\nSee [a](a.md).\n",
        )
        .unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let builder = builder(&root, &base, seen.clone());
        builder.full_build(true, Instant::now());
        let seen = || seen.lock().unwrap().clone();
        assert_eq!(seen(), ["built"]);
        let page = || std::fs::read_to_string(base.join("site/a.html")).unwrap();
        let targets = builder.current_targets();
        let (tx, rx) = mpsc::channel();
        let watched = |event: &Event| {
            for change in targets.changes(event, false) {
                tx.send(change).unwrap();
            }
        };
        let modified = Event::new(EventKind::Modify(ModifyKind::Any)).add_path(a.clone());
        let rescan = Event::new(EventKind::Other).set_flag(Flag::Rescan);

        // A change of text, seen whole: applied to the last build, one page.
        edit("Second version.");
        watched(&modified);
        let burst = watch::next_burst(&rx).unwrap();
        assert!(!burst.unknown);
        assert!(builder.build(&burst).is_some());
        assert_eq!(seen(), ["built", "updated"]);
        assert!(page().contains("Second version."));

        // The same change, but the watcher may have missed some: everything is built.
        edit("Third version.");
        watched(&modified);
        watched(&rescan);
        let burst = watch::next_burst(&rx).unwrap();
        assert!(burst.unknown);
        assert!(builder.build(&burst).is_some());
        assert_eq!(seen(), ["built", "updated", "built"]);
        assert!(page().contains("Third version."));

        // A change the watcher did not see at all, then a rescan: found and built.
        edit("Fourth version, never seen.");
        watched(&rescan);
        let burst = watch::next_burst(&rx).unwrap();
        assert!(burst.paths.is_empty() && burst.unknown);
        assert!(builder.build(&burst).is_some());
        assert_eq!(seen(), ["built", "updated", "built", "built"]);
        assert!(page().contains("Fourth version, never seen."));
    }
}
