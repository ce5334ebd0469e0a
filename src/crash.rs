//! What happens when opsbook itself is wrong: a panic anywhere, on any thread, ends the
//! process with exit code 101 and a message that names the file being worked on and asks
//! for a bug report, never a silent exit 1 or a dead thread in a running server.

use std::cell::RefCell;

thread_local! {
    static WORKING_ON: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The exit code of a crash, distinct from every other outcome (Rust's own for a panic).
pub const EXIT_CODE: i32 = 101;

/// Marks `source` as the file this thread works on until the guard is dropped, so a crash
/// can name it.
pub fn working_on(source: &str) -> Guard {
    let previous = WORKING_ON.with(|w| w.borrow_mut().replace(source.to_string()));
    if crash_requested(source) {
        panic!("a crash was requested for {source} (OPSBOOK_CRASH_ON)");
    }
    Guard { previous }
}

pub struct Guard {
    previous: Option<String>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        WORKING_ON.with(|w| *w.borrow_mut() = previous);
    }
}

/// For the tests of this very behaviour: `OPSBOOK_CRASH_ON=content/x.md` crashes when that
/// file is worked on.
fn crash_requested(source: &str) -> bool {
    static TARGET: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    TARGET
        .get_or_init(|| std::env::var("OPSBOOK_CRASH_ON").ok())
        .as_deref()
        == Some(source)
}

/// Installs the panic hook of the `opsbook` binary.
pub fn install_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".to_string());
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let file = WORKING_ON.with(|w| w.borrow().clone());
        eprintln!("error: opsbook crashed: {message}{location}");
        match file {
            Some(file) => {
                eprintln!("  while working on {file}");
                eprintln!(
                    "  This is a bug in opsbook, not in your handbook. Please report it with {file} \
                     (or a copy with private text removed), the command you ran and this message."
                );
            }
            None => eprintln!(
                "  This is a bug in opsbook. Please report it with the command you ran and this message."
            ),
        }
        std::process::exit(EXIT_CODE);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_worked_on_is_known_until_the_guard_goes() {
        let current = || WORKING_ON.with(|w| w.borrow().clone());
        assert_eq!(current(), None);
        {
            let _outer = working_on("content/a.md");
            assert_eq!(current().as_deref(), Some("content/a.md"));
            {
                let _inner = working_on("content/b.md");
                assert_eq!(current().as_deref(), Some("content/b.md"));
            }
            assert_eq!(current().as_deref(), Some("content/a.md"));
        }
        assert_eq!(current(), None);
    }
}
