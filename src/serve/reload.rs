//! The reload channel: Server-Sent Events to every open page, and the script the server adds
//! to the HTML it sends.
//!
//! A page learns the id of the build it was served from; the channel says `hello` with the
//! current build id when it opens, `reload` after a rebuild completed, and `error` with the
//! diagnostics when a rebuild failed (the last good site stays served). The script reloads only
//! when the id differs from its own, so a reconnect after a server restart reloads once, never
//! in a loop. Streams are held here, not by a thread: open tabs cost no threads, and at most
//! [`MAX_STREAMS`] sockets (a new stream closes the oldest; its page reconnects).

use crate::diagnostics::Diagnostic;
use serde::Serialize;
use std::io::{ErrorKind, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The path of the reload channel.
pub const RELOAD_PATH: &str = "/_opsbook/reload";
/// Reload streams held at once: far more tabs than anyone opens, few enough sockets to stay
/// clear of a default limit of 1,024 open files.
pub const MAX_STREAMS: usize = 512;

/// What the last rebuild gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// The id of the build being served; unique across server restarts.
    pub build: String,
    /// The problems of the last rebuild when it failed (empty when it succeeded).
    pub errors: Vec<Problem>,
}

/// One diagnostic as the overlay shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub severity: &'static str,
    pub kind: &'static str,
    pub message: String,
    pub help: Option<String>,
    /// The whole diagnostic as the terminal shows it.
    pub text: String,
}

impl From<&Diagnostic> for Problem {
    fn from(d: &Diagnostic) -> Problem {
        Problem {
            path: d.path.clone(),
            line: d.line,
            column: d.column,
            severity: d.severity.as_str(),
            kind: d.kind,
            message: d.message.clone(),
            help: d.help.clone(),
            text: d.to_string(),
        }
    }
}

/// Where a stream's events go: the socket, non-blocking, so that a page that stops reading
/// never holds up the others.
pub type EventSink = Box<dyn Write + Send>;

/// Bytes waiting for a page that reads slowly: beyond this, or after [`STALL_LIMIT`] without
/// taking a byte, the page is dropped (it reconnects when it wakes up).
const MAX_PENDING: usize = 4 << 20;
const STALL_LIMIT: Duration = Duration::from_secs(30);

struct Stream {
    sink: EventSink,
    /// What the socket did not take yet.
    pending: Vec<u8>,
    stalled_since: Option<Instant>,
}

impl Stream {
    /// Queues `bytes` and writes what the socket takes. `false` once the page is gone or
    /// too far behind.
    fn send(&mut self, bytes: &[u8], now: Instant) -> bool {
        self.pending.extend_from_slice(bytes);
        self.flush(now)
    }

    fn flush(&mut self, now: Instant) -> bool {
        while !self.pending.is_empty() {
            match self.sink.write(&self.pending) {
                Ok(0) => return false,
                Ok(n) => {
                    self.pending.drain(..n);
                    self.stalled_since = None;
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    let since = *self.stalled_since.get_or_insert(now);
                    return self.pending.len() <= MAX_PENDING
                        && now.saturating_duration_since(since) < STALL_LIMIT;
                }
                Err(_) => return false,
            }
        }
        self.sink.flush().is_ok()
    }
}

/// Every open reload channel, and the status they were last told.
pub struct Hub {
    inner: Mutex<Inner>,
}

struct Inner {
    status: Status,
    streams: Vec<Stream>,
}

/// The response head of an event stream, written by hand since the stream outlives the
/// request's worker. No CORS header: other origins may not read it.
pub const STREAM_HEAD: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n";

/// One SSE event; `data` is JSON, so it never holds a newline.
pub fn event(name: &str, status: &Status) -> String {
    let data = serde_json::to_string(status).unwrap_or_else(|_| "{}".into());
    format!("event: {name}\ndata: {data}\n\n")
}

impl Hub {
    pub fn new(status: Status) -> Hub {
        Hub {
            inner: Mutex::new(Inner {
                status,
                streams: Vec::new(),
            }),
        }
    }

    pub fn status(&self) -> Status {
        self.lock().status.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a stream: writes the response head and a `hello` (plus the current `error`, if
    /// any) under the same lock as broadcasts, so no event is lost in between.
    pub fn subscribe(&self, sink: EventSink) {
        let mut inner = self.lock();
        let mut hello = format!("{STREAM_HEAD}retry: 1000\n\n");
        hello.push_str(&event("hello", &inner.status));
        if !inner.status.errors.is_empty() {
            hello.push_str(&event("error", &inner.status));
        }
        let mut stream = Stream {
            sink,
            pending: Vec::new(),
            stalled_since: None,
        };
        if stream.send(hello.as_bytes(), Instant::now()) {
            if inner.streams.len() >= MAX_STREAMS {
                inner.streams.remove(0);
            }
            inner.streams.push(stream);
        }
    }

    /// The number of open streams.
    pub fn len(&self) -> usize {
        self.lock().streams.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A rebuild finished: a new build is served (`errors` empty) or the last good one stays
    /// (`errors` non-empty, build id unchanged). Tells every stream; closed ones are dropped.
    pub fn publish(&self, status: Status) {
        let mut inner = self.lock();
        let name = if status.errors.is_empty() {
            "reload"
        } else {
            "error"
        };
        let text = event(name, &status);
        inner.status = status;
        let now = Instant::now();
        inner.streams.retain_mut(|s| s.send(text.as_bytes(), now));
    }

    /// A comment line, so streams of closed pages are noticed and dropped.
    pub fn ping(&self) {
        let now = Instant::now();
        self.lock()
            .streams
            .retain_mut(|s| s.send(b": ping\n\n", now));
    }

    /// Writes what slow pages did not take yet; called often. Cheap when nothing waits.
    pub fn flush_pending(&self) {
        self.flush_pending_at(Instant::now());
    }

    fn flush_pending_at(&self, now: Instant) {
        let mut inner = self.lock();
        if inner.streams.iter().any(|s| !s.pending.is_empty()) {
            inner
                .streams
                .retain_mut(|s| s.pending.is_empty() || s.flush(now));
        }
    }
}

/// The script added before `</body>` of every HTML response. It knows the id of the build the
/// page comes from and, when the last rebuild failed, its problems: the overlay then shows as
/// the page loads, not only once the reload channel has said hello. It renders diagnostics
/// with `textContent` only.
pub fn client_script(status: &Status) -> String {
    let build = crate::site::script_safe_json(&serde_json::Value::from(status.build.as_str()));
    let errors = serde_json::to_value(&status.errors)
        .map_or_else(|_| "[]".to_string(), |v| crate::site::script_safe_json(&v));
    // The problems last: nothing in them is taken for a placeholder.
    format!(
        "<script>{}</script>",
        CLIENT_JS
            .replace("__BUILD__", &build)
            .replace("__ERRORS__", &errors)
    )
}

const CLIENT_JS: &str = r#"(function(){
"use strict";
var build=__BUILD__,delay=500,overlay=null,source=null;
function hide(){if(overlay){overlay.remove();overlay=null;}}
function show(problems){
  hide();
  overlay=document.createElement("div");
  overlay.id="opsbook-serve-overlay";
  overlay.setAttribute("role","alert");
  overlay.style.cssText="position:fixed;inset:0;z-index:2147483647;overflow:auto;background:rgba(20,20,20,.92);color:#fff;font:14px/1.5 ui-monospace,monospace;padding:2em";
  var h=document.createElement("h2");
  h.textContent="The handbook did not build; the last good version is shown";
  h.style.cssText="margin:0 0 1em;font:600 18px/1.3 system-ui,sans-serif;color:#ff8a80";
  overlay.appendChild(h);
  problems.forEach(function(p){
    var pre=document.createElement("pre");
    pre.className="opsbook-serve-problem";
    pre.style.cssText="white-space:pre-wrap;margin:0 0 1em";
    pre.textContent=p.text;
    overlay.appendChild(pre);
  });
  var close=document.createElement("button");
  close.type="button";close.textContent="Dismiss";
  close.onclick=hide;
  overlay.appendChild(close);
  document.body.appendChild(overlay);
}
function handle(data,isHello){
  var s;try{s=JSON.parse(data);}catch(e){return;}
  if(s.errors&&s.errors.length){show(s.errors);return;}
  if(s.build!==build){location.reload();return;}
  if(isHello)hide();
}
function connect(){
  if(!window.EventSource)return;
  source=new EventSource("/_opsbook/reload");
  source.addEventListener("open",function(){delay=500;});
  source.addEventListener("hello",function(e){handle(e.data,true);});
  source.addEventListener("reload",function(e){handle(e.data,false);});
  source.addEventListener("error",function(e){if(e.data!==undefined){handle(e.data,false);return;}
    source.close();
    var wait=delay*(0.5+Math.random()/2);delay=Math.min(delay*2,5000);
    setTimeout(connect,wait);});
}
var initial=__ERRORS__;
if(initial.length)show(initial);
connect();
})();"#;

/// Adds the reload script to an HTML page, before its last `</body>` (or at the end).
pub fn inject(html: &str, status: &Status) -> String {
    let script = client_script(status);
    let at = html
        .to_ascii_lowercase()
        .rfind("</body>")
        .unwrap_or(html.len());
    let mut out = String::with_capacity(html.len() + script.len());
    out.push_str(&html[..at]);
    out.push_str(&script);
    out.push_str(&html[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex as StdMutex};

    #[derive(Clone, Default)]
    struct Sink(Arc<StdMutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    struct Closed;

    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn status(build: &str) -> Status {
        Status {
            build: build.into(),
            errors: vec![],
        }
    }

    #[test]
    fn subscribers_get_hello_then_every_event_and_closed_ones_are_dropped() {
        let hub = Hub::new(status("a-1"));
        let sink = Sink::default();
        hub.subscribe(Box::new(sink.clone()));
        hub.subscribe(Box::new(Closed));
        assert_eq!(hub.len(), 1);
        let problem = Problem::from(
            &Diagnostic::error("invalid-document", "content/a.md", 3).message("bad <b>date</b>"),
        );
        hub.publish(Status {
            build: "a-1".into(),
            errors: vec![problem],
        });
        hub.publish(status("a-2"));
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        assert!(!text.to_ascii_lowercase().contains("access-control"));
        let events: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("event: "))
            .collect();
        assert_eq!(events, ["hello", "error", "reload"]);
        assert!(
            text.contains(r#""text":"content/a.md:3: error[invalid-document]: bad <b>date</b>""#)
        );
        assert!(text.contains(r#"data: {"build":"a-2","errors":[]}"#));
    }

    /// A socket that takes `room` bytes, then would block until given more room.
    #[derive(Clone, Default)]
    struct Slow {
        taken: Arc<StdMutex<Vec<u8>>>,
        room: Arc<StdMutex<usize>>,
    }

    impl Write for Slow {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let mut room = self.room.lock().unwrap();
            if *room == 0 {
                return Err(ErrorKind::WouldBlock.into());
            }
            let n = buf.len().min(*room);
            *room -= n;
            self.taken.lock().unwrap().extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_slow_page_gets_the_rest_later_and_a_stuck_one_is_dropped() {
        let hub = Hub::new(status("a-1"));
        let slow = Slow::default();
        *slow.room.lock().unwrap() = 10;
        hub.subscribe(Box::new(slow.clone()));
        let fast = Sink::default();
        hub.subscribe(Box::new(fast.clone()));
        hub.publish(status("a-2"));
        assert_eq!(hub.len(), 2);
        assert_eq!(slow.taken.lock().unwrap().len(), 10);
        *slow.room.lock().unwrap() = usize::MAX;
        hub.flush_pending();
        let text = String::from_utf8(slow.taken.lock().unwrap().clone()).unwrap();
        assert_eq!(
            text,
            String::from_utf8(fast.0.lock().unwrap().clone()).unwrap()
        );
        assert!(text.ends_with("event: reload\ndata: {\"build\":\"a-2\",\"errors\":[]}\n\n"));
        // Stuck: still there within the limit, dropped after it.
        *slow.room.lock().unwrap() = 0;
        hub.ping();
        let now = Instant::now();
        hub.flush_pending_at(now + STALL_LIMIT / 2);
        assert_eq!(hub.len(), 2);
        hub.flush_pending_at(now + STALL_LIMIT * 2);
        assert_eq!(hub.len(), 1);
    }

    #[test]
    fn w5_a_new_stream_beyond_the_limit_closes_the_oldest() {
        let hub = Hub::new(status("a-1"));
        let first = Sink::default();
        hub.subscribe(Box::new(first.clone()));
        let rest: Vec<Sink> = (1..=MAX_STREAMS).map(|_| Sink::default()).collect();
        for sink in &rest {
            hub.subscribe(Box::new(sink.clone()));
        }
        assert_eq!(hub.len(), MAX_STREAMS);
        // The first stream was dropped: its sink is shared only with this test now.
        assert_eq!(Arc::strong_count(&first.0), 1);
        hub.publish(status("a-2"));
        for sink in [&rest[0], &rest[MAX_STREAMS - 1]] {
            let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
            assert!(text.contains("event: reload\n"));
        }
    }

    #[test]
    fn w4_a_new_subscriber_is_told_the_current_error() {
        let hub = Hub::new(status("a-1"));
        hub.publish(Status {
            build: "a-1".into(),
            errors: vec![Problem::from(&Diagnostic::error("x", "content/b.md", 2))],
        });
        let sink = Sink::default();
        hub.subscribe(Box::new(sink.clone()));
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("event: hello\n"));
        assert!(text.contains("event: error\n"));
    }

    #[test]
    fn the_script_goes_before_the_last_body_end_and_uses_no_inner_html() {
        let html = "<html><body><p>x</p></BODY></html>";
        let out = inject(html, &status("ff-3"));
        assert!(out.starts_with("<html><body><p>x</p><script>"), "{out}");
        assert!(out.ends_with("</script></BODY></html>"));
        assert!(out.contains(r#"var build="ff-3""#));
        assert!(out.contains("var initial=[];"));
        assert!(!CLIENT_JS.contains("innerHTML"));
        assert!(!CLIENT_JS.contains("insertAdjacentHTML"));
        assert_eq!(
            inject("no body", &status("1")),
            format!("no body{}", client_script(&status("1")))
        );
    }

    #[test]
    fn x2_a_page_served_while_broken_carries_the_problems_safely() {
        let problem = Problem::from(
            &Diagnostic::error("invalid-document", "content/a.md", 3)
                .message("bad </script><b>__BUILD__</b>"),
        );
        let script = client_script(&Status {
            build: "a-1".into(),
            errors: vec![problem],
        });
        assert!(script.contains(r#"var build="a-1""#));
        assert_eq!(script.matches("</script>").count(), 1, "{script}");
        assert!(
            script.contains(r#"bad \u003c/script\u003e\u003cb\u003e__BUILD__"#),
            "{script}"
        );
        assert!(script.contains("if(initial.length)show(initial);"));
    }

    /// The problems in the script come from what users wrote (a link as written, a file name):
    /// a script end and the two line separators that end a string in older JavaScript engines
    /// stay data, and the data reads back as it was.
    #[test]
    fn x2_problems_in_the_script_keep_script_ends_and_line_separators_as_data() {
        let message = "link `</script><script>alert(1)</script>` is \u{2028}broken\u{2029}";
        let problem = Problem::from(
            &Diagnostic::error("broken-link", "content/a\u{2028}b.md", 3).message(message),
        );
        let script = client_script(&Status {
            build: "a-1".into(),
            errors: vec![problem],
        });
        assert_eq!(script.matches("</script").count(), 1, "{script}");
        assert!(script.ends_with("</script>"), "{script}");
        assert!(!script.contains(['\u{2028}', '\u{2029}']), "{script}");
        let start = script.find("var initial=").unwrap() + "var initial=".len();
        let end = start + script[start..].find(";\nif(initial.length)").unwrap();
        let back: serde_json::Value = serde_json::from_str(&script[start..end]).unwrap();
        assert_eq!(back[0]["message"], message);
        assert_eq!(back[0]["path"], "content/a\u{2028}b.md");
    }
}
