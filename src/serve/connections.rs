//! Connections: accepting them, how many are read at once, and how long each may take.
//!
//! tiny_http's own accept loop cannot be bounded: it starts a thread for every connection,
//! reads request heads with no deadline and no size limit, and ends for good on the first
//! accept error (out of file descriptors, say). So slow clients (slowloris) could pin threads
//! without end, and enough of them stopped the server. The accept loop, the limits and the
//! deadlines are therefore ours, and so is the little HTTP/1.1 it takes to read a request head
//! ([`super::request`]) and write an answer ([`super::response`]).
//!
//! - At most [`MAX_CONNECTIONS`] connections are read at once, each on a thread of its own.
//!   When all are taken, a new connection closes one that has waited long enough for a request
//!   head: [`EVICT_AFTER`] for an idle keep-alive connection or a slow client that sent part
//!   of one, [`FRESH_GRACE`] for a new connection that sent nothing yet (its request may be on
//!   the way from a busy client). Never one being answered, nor one whose request came but was
//!   not read yet; while there is none, it waits its turn.
//! - A request head must be complete within [`HEAD_TIMEOUT`] of when the server began to wait
//!   for it (408 and close when part of it came, a silent close otherwise), and an answer must
//!   be written within [`WRITE_TIMEOUT`]: every socket read or write gets the time left.
//! - A reload channel leaves its thread: the socket, made non-blocking, goes to the hub, which
//!   keeps what a slow page did not take yet and drops a page that stops reading, instead of
//!   waiting for it.
//! - An accept error is logged and the loop goes on.

use super::http::{self, Answer, Context};
use super::request::{self, Body, Head};
use super::response::Reply;
use std::collections::HashMap;
use std::io::{BufWriter, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Connections read at once (one thread each). Reload channels do not count.
pub const MAX_CONNECTIONS: usize = 128;
/// When every slot is taken, a kept-alive connection idle this long, or one that sent part of
/// a request head this long ago, may be closed for a new one.
pub const EVICT_AFTER: Duration = Duration::from_millis(250);
/// The same for a new connection that sent nothing yet: a client that just connected has its
/// request on the way, and a busy machine may take a while to send it.
pub const FRESH_GRACE: Duration = Duration::from_secs(1);
/// The longest wait for a whole request head, idle time on a kept-alive connection included.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest time to write one answer.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the input of a connection being closed is read and dropped, so that the client
/// reads the answer rather than a reset (bounded in bytes too).
const LINGER: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 1 << 20;
/// Connection threads only parse, look up a file and copy it.
const STACK_SIZE: usize = 256 * 1024;

/// The connections being read, for the cap and for closing the longest-waiting one.
#[derive(Default)]
pub struct Slots {
    inner: Mutex<SlotsInner>,
    freed: Condvar,
}

#[derive(Default)]
struct SlotsInner {
    next: u64,
    open: HashMap<u64, Slot>,
}

struct Slot {
    /// The socket, shared with its thread (no second descriptor), to shut it down from the
    /// accept loop.
    stream: Arc<TcpStream>,
    /// While the connection waits for a request head: from when it may be closed for a new
    /// one.
    evictable_at: Option<Instant>,
}

impl Slots {
    fn lock(&self) -> MutexGuard<'_, SlotsInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The number of connections being read.
    pub fn len(&self) -> usize {
        self.lock().open.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Takes a slot for a new connection. When all are taken, shuts down the waiting
    /// connection that became evictable first, and waits for its thread to end; while every
    /// connection is being answered or has only just come, waits for one to finish (each has
    /// a deadline). `None` when the server stops meanwhile.
    fn admit(&self, stream: &Arc<TcpStream>, stop: &AtomicBool) -> Option<u64> {
        let mut inner = self.lock();
        while inner.open.len() >= MAX_CONNECTIONS {
            if stop.load(Ordering::SeqCst) {
                return None;
            }
            let now = Instant::now();
            // A connection whose request is already in its socket is not slow, only not read
            // yet (its thread waits for a core on a busy machine): it is never the one closed.
            let oldest = inner
                .open
                .iter()
                .filter_map(|(id, slot)| {
                    let at = slot.evictable_at.filter(|at| *at <= now)?;
                    (!input_waits(&slot.stream)).then_some((at, *id))
                })
                .min();
            if let Some((_, id)) = oldest {
                if let Some(slot) = inner.open.get_mut(&id) {
                    log::debug!("too many connections: closing one that waits for a request");
                    slot.evictable_at = None;
                    let _ = slot.stream.shutdown(Shutdown::Both);
                }
            }
            inner = self
                .freed
                .wait_timeout(inner, Duration::from_millis(20))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        let id = inner.next;
        inner.next += 1;
        inner.open.insert(
            id,
            Slot {
                stream: stream.clone(),
                evictable_at: None,
            },
        );
        Some(id)
    }

    /// Marks the connection as waiting for a request head, closable for a new one after
    /// `grace`, or (`None`) as being answered.
    fn set_waiting(&self, id: u64, grace: Option<Duration>) {
        if let Some(slot) = self.lock().open.get_mut(&id) {
            slot.evictable_at = grace.map(|grace| Instant::now() + grace);
        }
    }

    fn release(&self, id: u64) {
        self.lock().open.remove(&id);
        self.freed.notify_all();
    }
}

/// Whether bytes the connection's thread has not read yet wait in the socket (never blocks).
#[cfg(any(target_os = "linux", target_os = "android"))]
fn input_waits(stream: &TcpStream) -> bool {
    use rustix::net::{recv, RecvFlags};
    let mut byte = [0u8; 1];
    matches!(
        recv(stream, &mut byte, RecvFlags::PEEK | RecvFlags::DONTWAIT),
        Ok((1, _))
    )
}

/// Elsewhere the check is not made: a connection waiting for its request head may be closed
/// once its grace is over.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn input_waits(_stream: &TcpStream) -> bool {
    false
}

/// Gives the slot back when the connection's thread ends, also on panic.
struct Admitted<'a> {
    slots: &'a Slots,
    id: u64,
}

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        self.slots.release(self.id);
    }
}

/// Accepts connections until `stop` is set (and one more connection wakes the loop up).
pub fn accept_loop(
    listener: TcpListener,
    ctx: Arc<Context>,
    slots: Arc<Slots>,
    stop: Arc<AtomicBool>,
) {
    let mut last_warning: Option<Instant> = None;
    loop {
        let stream = match listener.accept() {
            Ok((stream, _)) => Arc::new(stream),
            Err(e) => {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                // Out of file descriptors, say: keep serving the connections there are, and
                // say so now and then rather than on every attempt.
                if last_warning.is_none_or(|t| t.elapsed() > Duration::from_secs(10)) {
                    log::warn!("could not accept a connection: {e}");
                    last_warning = Some(Instant::now());
                }
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Some(id) = slots.admit(&stream, &stop) else {
            continue;
        };
        let thread_ctx = ctx.clone();
        let thread_slots = slots.clone();
        let spawned = std::thread::Builder::new()
            .name("opsbook-conn".into())
            .stack_size(STACK_SIZE)
            .spawn(move || {
                let admitted = Admitted {
                    slots: &thread_slots,
                    id,
                };
                serve(stream, &thread_ctx, &admitted);
            });
        if let Err(e) = spawned {
            log::warn!("could not start a thread for a connection: {e}");
            slots.release(id);
        }
    }
}

/// Why no request head was read.
#[derive(Debug)]
enum NoHead {
    /// The client closed the connection, or it failed.
    Closed,
    TimedOut,
    Malformed(request::Malformed),
}

/// Answers the requests of one connection, one after the other.
fn serve(stream: Arc<TcpStream>, ctx: &Context, admitted: &Admitted<'_>) {
    let _ = stream.set_nodelay(true);
    let mut buf = Vec::new();
    let mut first = true;
    loop {
        let (slots, id) = (admitted.slots, admitted.id);
        let fresh = std::mem::take(&mut first) && buf.is_empty();
        slots.set_waiting(id, Some(if fresh { FRESH_GRACE } else { EVICT_AFTER }));
        // Once part of a head came, the connection is no longer fresh: a slow client.
        let mut partial = || {
            if fresh {
                slots.set_waiting(id, Some(EVICT_AFTER));
            }
        };
        let read = read_head(
            &stream,
            &mut buf,
            Instant::now() + HEAD_TIMEOUT,
            &mut partial,
        );
        slots.set_waiting(id, None);
        let (head, used) = match read {
            Ok(found) => found,
            Err(NoHead::Closed) => return,
            Err(NoHead::TimedOut) => {
                if !buf.is_empty() {
                    log::debug!("a request head did not arrive within {HEAD_TIMEOUT:?}");
                    finish(&stream, &Reply::text(408, ""), 1, false);
                }
                return;
            }
            Err(NoHead::Malformed(m)) => {
                log::debug!("malformed request head: {m:?}");
                finish(&stream, &Reply::text(m.status(), ""), 1, false);
                return;
            }
        };
        buf.drain(..used);
        let head_only = head.method == "HEAD";
        let (answer, keep_alive) = match head.body() {
            Ok(body) => (
                http::handle(&head, ctx),
                head.keep_alive() && body == Body::None,
            ),
            Err(m) => (Answer::Reply(Reply::text(m.status(), "")), false),
        };
        match answer {
            Answer::Events => {
                // The hub writes from now on; a page that stops reading is dropped, not
                // waited for.
                if stream.set_nonblocking(true).is_ok() {
                    ctx.hub.subscribe(Box::new(Shared(stream)));
                }
                return;
            }
            Answer::Reply(reply) if keep_alive => {
                if write_reply(&stream, &reply, head.minor, head_only, false).is_err() {
                    return;
                }
            }
            Answer::Reply(reply) => {
                finish(&stream, &reply, head.minor, head_only);
                return;
            }
        }
    }
}

/// A socket shared with its slot, as the hub's writer.
struct Shared(Arc<TcpStream>);

impl Write for Shared {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        (&*self.0).write(bytes)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Reads until `buf` starts with a whole request head, or the deadline passes. `partial` is
/// called once if bytes came that are not a whole head yet.
fn read_head(
    stream: &TcpStream,
    buf: &mut Vec<u8>,
    deadline: Instant,
    partial: &mut dyn FnMut(),
) -> Result<(Head, usize), NoHead> {
    let mut told = false;
    let mut chunk = [0u8; 4096];
    // Bytes already there may hold the next request (pipelining).
    let mut fresh_line = buf.contains(&b'\n');
    loop {
        // Empty lines between requests are skipped (RFC 9112 §2.2), and not kept, so that a
        // stream of them costs nothing to parse.
        let blank = buf
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        buf.drain(..blank);
        // A head can only end, or be found wrong, at a line end or at the size limit: parse
        // then, not on every byte a slow client sends.
        if fresh_line || buf.len() >= request::MAX_HEAD {
            match request::parse(buf) {
                Ok(Some(found)) => return Ok(found),
                Ok(None) => {}
                Err(m) => return Err(NoHead::Malformed(m)),
            }
        }
        if !buf.is_empty() && !std::mem::replace(&mut told, true) {
            partial();
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(NoHead::TimedOut);
        }
        stream
            .set_read_timeout(Some(left))
            .map_err(|_| NoHead::Closed)?;
        match (&*stream).read(&mut chunk) {
            Ok(0) => return Err(NoHead::Closed),
            Ok(n) => {
                fresh_line = chunk[..n].contains(&b'\n');
                buf.extend_from_slice(&chunk[..n]);
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(NoHead::TimedOut)
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return Err(NoHead::Closed),
        }
    }
}

/// A writer that gives up at a deadline: each write may block only for the time left.
struct Deadline<'a> {
    stream: &'a TcpStream,
    deadline: Instant,
}

impl Write for Deadline<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ErrorKind::TimedOut.into());
        }
        self.stream.set_write_timeout(Some(left))?;
        (&*self.stream).write(bytes)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes an answer within [`WRITE_TIMEOUT`].
fn write_reply(
    stream: &TcpStream,
    reply: &Reply,
    minor: u8,
    head_only: bool,
    close: bool,
) -> std::io::Result<()> {
    let mut out = BufWriter::with_capacity(
        16 * 1024,
        Deadline {
            stream,
            deadline: Instant::now() + WRITE_TIMEOUT,
        },
    );
    reply.write_to(&mut out, minor, head_only, close)
}

/// Writes a last answer, saying that the connection closes, then closes it gently: the
/// writing side first, then what the client still sends is read and dropped for a moment,
/// so that it sees the answer rather than a reset.
fn finish(stream: &TcpStream, reply: &Reply, minor: u8, head_only: bool) {
    if write_reply(stream, reply, minor, head_only, true).is_err() {
        return;
    }
    let _ = stream.shutdown(Shutdown::Write);
    let deadline = Instant::now() + LINGER;
    let mut chunk = [0u8; 4096];
    let mut dropped = 0;
    while dropped < LINGER_BYTES {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match (&*stream).read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => dropped += n,
        }
    }
}

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod tests {
    use super::*;

    /// When every slot is taken by a connection whose grace is over, a newcomer closes one
    /// that sent nothing, never one whose request waits unread in its socket.
    #[test]
    fn a_newcomer_closes_a_silent_connection_not_one_whose_request_waits_unread() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let slots = Arc::new(Slots::default());
        let stop = AtomicBool::new(false);
        let silent = 7;
        let mut clients = Vec::new();
        let mut ids = Vec::new();
        for i in 0..MAX_CONNECTIONS {
            let mut client = TcpStream::connect(addr).unwrap();
            let (server, _) = listener.accept().unwrap();
            let id = slots.admit(&Arc::new(server), &stop).unwrap();
            slots.set_waiting(id, Some(Duration::ZERO));
            if i != silent {
                client.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
            }
            clients.push(client);
            ids.push(id);
        }
        // Let the requests reach the server's sockets.
        std::thread::sleep(Duration::from_millis(50));
        let newcomer = {
            let slots = slots.clone();
            let _client = TcpStream::connect(addr).unwrap();
            let (server, _) = listener.accept().unwrap();
            std::thread::spawn(move || {
                let stop = AtomicBool::new(false);
                slots.admit(&Arc::new(server), &stop)
            })
        };
        // The silent connection is shut down: its client reads the end of the stream.
        clients[silent]
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut byte = [0u8; 1];
        assert_eq!(clients[silent].read(&mut byte).unwrap(), 0);
        slots.release(ids[silent]);
        assert!(newcomer.join().unwrap().is_some());
        // Every other connection is still open.
        for (i, client) in clients.iter_mut().enumerate() {
            if i == silent {
                continue;
            }
            client.set_nonblocking(true).unwrap();
            let read = client.read(&mut byte);
            assert!(
                matches!(&read, Err(e) if e.kind() == ErrorKind::WouldBlock),
                "connection {i} was closed: {read:?}"
            );
        }
    }
}
