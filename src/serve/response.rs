//! An answer and its bytes on the wire: the status line, the header fields, the body with its
//! length. Every body is in memory (a page, a stylesheet), so the length is always sent and
//! never chunked; `Connection` says whether the server closes the connection next.

use std::io::Write;

/// One answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    /// Header fields besides `Date`, `Content-Length` and `Connection`, which are written here.
    pub fields: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// An answer with a body of `content_type`, never cached (every build changes it) nor
    /// sniffed as another type.
    pub fn new(status: u16, content_type: &str, body: Vec<u8>) -> Reply {
        Reply {
            status,
            fields: vec![
                ("Content-Type", content_type.to_string()),
                ("Cache-Control", "no-store".to_string()),
                ("X-Content-Type-Options", "nosniff".to_string()),
            ],
            body,
        }
    }

    /// A short plain-text answer: the status line again, and `detail` when there is one.
    pub fn text(status: u16, detail: &str) -> Reply {
        let mut body = format!("{status} {}", reason(status));
        if !detail.is_empty() {
            body.push_str(": ");
            body.push_str(detail);
        }
        body.push('\n');
        Reply::new(status, "text/plain; charset=utf-8", body.into_bytes())
    }

    /// Adds a header field. `value` must come from the server, not from a request, or be
    /// checked to hold no control character.
    pub fn with(mut self, name: &'static str, value: &str) -> Reply {
        debug_assert!(!value.bytes().any(|b| b.is_ascii_control()));
        self.fields.push((name, value.to_string()));
        self
    }

    /// Writes the answer for an `HTTP/1.minor` request; no body for `HEAD`. `close` says the
    /// connection ends after it.
    pub fn write_to(
        &self,
        out: &mut impl Write,
        minor: u8,
        head_only: bool,
        close: bool,
    ) -> std::io::Result<()> {
        let mut head = format!(
            "HTTP/1.{minor} {} {}\r\nDate: {}\r\n",
            self.status,
            reason(self.status),
            jiff::Timestamp::now().strftime("%a, %d %b %Y %H:%M:%S GMT")
        );
        for (name, value) in &self.fields {
            head.push_str(name);
            head.push_str(": ");
            // Never a line break in a field, whatever the value.
            head.extend(value.chars().filter(|c| !c.is_control()));
            head.push_str("\r\n");
        }
        head.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        if close {
            head.push_str("Connection: close\r\n");
        } else if minor == 0 {
            head.push_str("Connection: keep-alive\r\n");
        }
        head.push_str("\r\n");
        out.write_all(head.as_bytes())?;
        if !head_only {
            out.write_all(&self.body)?;
        }
        out.flush()
    }
}

/// The reason phrase of the status codes the server sends.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(reply: &Reply, minor: u8, head_only: bool, close: bool) -> String {
        let mut out = Vec::new();
        reply.write_to(&mut out, minor, head_only, close).unwrap();
        let text = String::from_utf8(out).unwrap();
        // The date changes; check its shape and drop it.
        let start = text.find("Date: ").unwrap();
        let end = start + text[start..].find("\r\n").unwrap() + 2;
        assert!(text[start..end].ends_with(" GMT\r\n"), "{text}");
        format!("{}{}", &text[..start], &text[end..])
    }

    #[test]
    fn answers_carry_their_length_and_say_when_the_connection_ends() {
        let reply = Reply::text(404, "").with("X-A", "b");
        assert_eq!(
            wire(&reply, 1, false, false),
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nX-A: b\r\nContent-Length: 14\r\n\r\n404 Not Found\n"
        );
        let head = wire(&reply, 1, true, true);
        assert!(head.ends_with("Content-Length: 14\r\nConnection: close\r\n\r\n"));
        let old = wire(&Reply::text(200, "fine"), 0, false, false);
        assert!(old.starts_with("HTTP/1.0 200 OK\r\n"), "{old}");
        assert!(
            old.ends_with("Connection: keep-alive\r\n\r\n200 OK: fine\n"),
            "{old}"
        );
        let mut odd = Reply::text(200, "");
        odd.fields.push(("X-Bad", "a\r\nSet-Cookie: x".into()));
        assert!(wire(&odd, 1, false, false).contains("X-Bad: aSet-Cookie: x\r\n"));
    }
}
